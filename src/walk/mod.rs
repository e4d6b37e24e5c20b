//! net-snmp walk files: parse every style into typed varbinds, write `-On` text, anonymise.
//!
//! A walk file is the text `snmpwalk` prints, one `OID = TYPE: value` record per line (strings
//! and long hex values may continue on the following lines). [`parse()`] reads every style found
//! in the wild (numeric `-On`, `iso.3.6…`, symbolic names of the standard MIBs) from raw bytes;
//! [`write_all`] writes `-On` text that parses back to the same varbinds; [`Anonymizer`] rewrites
//! the addresses, serial numbers and other identifying values of a capture consistently, so
//! that it can be shared and still replays to the same structure.
//!
//! ```
//! let file = sonde::walk::parse(b".1.3.6.1.2.1.1.5.0 = STRING: \"core-sw1\"\n");
//! assert!(file.errors.is_empty());
//! let mut text = Vec::new();
//! sonde::walk::write_all(&mut text, &file.sorted()).unwrap();
//! assert_eq!(text, b".1.3.6.1.2.1.1.5.0 = STRING: \"core-sw1\"\n");
//! ```

pub mod anonymize;
pub mod parse;
pub mod symbols;
mod values;
pub mod write;

pub use anonymize::Anonymizer;
pub use parse::{LineError, LineErrorKind, WalkFile, parse, read};
pub use write::{write_all, write_varbind};
