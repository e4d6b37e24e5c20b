//! Wire formats: the FusionInventory XML messages, JSON lines and tables. The only module that
//! knows how GLPI wants results spelled; engines hand it domain types from `model`.

/// The local inventory as an INVENTORY request (XML) and as GLPI's JSON inventory.
pub mod inventory;
/// NETDISCOVERY messages and the other output formats of discovery.
pub mod netdiscovery;
/// SNMPQUERY messages and the other output formats of network inventory.
pub mod netinventory;
/// The XML tree and writer.
pub mod xml;
