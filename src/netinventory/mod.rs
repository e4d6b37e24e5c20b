//! Network inventory: the full SNMP inventory of one device (INFO, PORTS with VLANs, neighbours,
//! learned MACs and aggregates, COMPONENTS, FIRMWARES, printer CARTRIDGES and PAGECOUNTERS, the
//! MODEMS and SIMCARDS of cellular routers),
//! from a live session or a walk file through the same code.
//!
//! The engine ([`inventory`]) identifies the device (the same code as discovery, `crate::mib`),
//! decides from its type which tables it needs, reads them all (GETBULK of several columns at
//! once, at most two requests in flight per device) into [`Tables`], then builds each section
//! from those tables with pure functions. Section modules follow one contract:
//! - `COLUMNS: &[&[u32]]`: the column roots (or small subtrees) to walk,
//! - `SCALARS: &[&[u32]]` (where needed): single objects to GET,
//! - a builder that reads [`Tables`] and fills the inventory (`apply`, `collect`…); builders never
//!   talk to the device, so they are tested on hand-made tables.
//!
//! Facts: `network-tasks.md` §3 (what the reference agents collect and how they convert it).

mod aggregate;
mod cdp;
mod components;
mod digi;
mod edp;
mod engine;
mod fdb;
mod info;
mod l2;
mod lldp;
mod mcc;
mod neighbors;
mod ports;
mod printer;
pub mod tables;
mod trunk;
mod vendor;
mod vendor_printers;
mod vlans;

pub use engine::{Device, InventoryError, InventoryOptions, WalkDevice, inventory};
pub use tables::Tables;
