//! SNMP device identification: from a device's MIB (live or a walk file) to the SNMP part of a
//! discovery result (TYPE, MANUFACTURER, MODEL, SERIAL, FIRMWARE, MAC, IPS, system group).
//!
//! The knowledge is data, loaded at run time: the bundled `mibs/` files (embedded in the binary)
//! with a user's file or directory merged over them ([`MibDb::load`]), so a model can be added or
//! corrected without a rebuild. `mibs/README.md` documents the formats and sources:
//! - `sysobject.ids`: sysObjectID → manufacturer, type, model (both reference agents' database),
//! - `sysdescr.toml`: sysDescr first words and patterns,
//! - `vendors.toml`: vendor modules (which devices, which private objects give which field),
//! - `generic.toml`: the standard-MIB fallbacks (ENTITY-MIB, Printer-MIB, BRIDGE-MIB…).
//!
//! ```no_run
//! # async fn example(session: sonde::snmp::Session) -> Result<(), Box<dyn std::error::Error>> {
//! let db = sonde::mib::MibDb::bundled()?;
//! let info = sonde::mib::identify(&session, db).await?;
//! println!("{:?} {:?}", info.manufacturer, info.model);
//! # Ok(()) }
//! ```
//!
//! Where the two reference agents differ, GLPI agent's behaviour is followed (partial
//! sysObjectID matching, first non-empty entPhysicalModelName, the ifSpeed MAC fallback, the
//! net-snmp placeholder filter on LOCATION/CONTACT, its vendor module set and priorities).

use std::path::PathBuf;
use std::sync::Arc;

/// Canonical forms: strings, MACs, serials, TimeTicks.
pub mod canon;
mod db;
mod eval;
mod fetch;
mod identify;
/// Inventory additions of vendor modules (`[[inventory]]` rules).
pub mod inventory;
mod mac;
/// The small regular-expression engine of the rule files.
pub mod pattern;
mod rules;
mod schema;
mod vendors;

pub use db::{Entry, MibDb};
pub use identify::{IdentifyOptions, identify, identify_with};

/// Why identification data could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
pub enum MibError {
    /// A file or directory could not be read.
    #[error("{}: {source}", file.display())]
    Io {
        /// The path.
        file: PathBuf,
        /// The OS error.
        source: Arc<std::io::Error>,
    },
    /// A data file is malformed.
    #[error("{file}:{line}: {message}")]
    Data {
        /// The file (`mibs/…` for bundled data).
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
}
