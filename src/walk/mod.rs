//! net-snmp walk files: parse every style into typed varbinds, write `-On` text, anonymise.
