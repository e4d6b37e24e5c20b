//! net-snmp walk files: parse every style into typed varbinds, write `-On` text, anonymise.
//!
//! A walk file is the text `snmpwalk` prints, one `OID = TYPE: value` record per line (strings
//! and long hex values may continue on the following lines). [`parse()`] reads every style found
//! in the wild (numeric `-On`, `iso.3.6…`, symbolic names of the standard MIBs) from raw bytes;
//! [`write_all`] writes `-On` text that parses back to the same varbinds; [`Anonymizer`] rewrites
//! the addresses, serial numbers and other identifying values of a capture consistently, so
//! that it can be shared and still replays to the same structure.
//!
//! Decisions, detailed in the submodules:
//! - `… = No more variables left in this MIB View …` lines are net-snmp's end-of-walk marker
//!   (repeating the last OID), not objects: they give no varbind, parsing goes on; `End of MIB`
//!   ends parsing. The variable counts of the bundled walks count distinct OIDs.
//! - [`WalkFile::varbinds`] keeps file order and duplicates; [`WalkFile::sorted`] sorts by OID
//!   and keeps the first of several varbinds with the same OID.
//! - Strings are printable when net-snmp finds them so (printable ASCII and C whitespace); other
//!   strings are written as `Hex-STRING`, and so are printable strings with a line that would read
//!   as a record.
//!
//! ```
//! let file = sonde::walk::parse(b".1.3.6.1.2.1.1.5.0 = STRING: \"core-sw1\"\n");
//! assert!(file.errors.is_empty());
//! let mut text = Vec::new();
//! sonde::walk::write_all(&mut text, &file.sorted()).unwrap();
//! assert_eq!(text, b".1.3.6.1.2.1.1.5.0 = STRING: \"core-sw1\"\n");
//! ```

pub mod anonymize;
mod lines;
pub mod parse;
pub mod symbols;
mod values;
pub mod write;

pub use anonymize::Anonymizer;
pub use parse::{LineError, LineErrorKind, WalkFile, parse, read};
pub use write::{write_all, write_varbind};
