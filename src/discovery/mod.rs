//! Network discovery: sweep address ranges, probe every address side by side, identify what
//! answers, and stream the hosts out as they are found.

/// The sweep engine.
pub mod engine;
/// The SNMP probe of one address.
pub mod snmp_probe;
/// Address ranges, blocks and exclusions.
pub mod targets;

pub use engine::{ProbeSet, Progress, Summary, Sweep};
pub use snmp_probe::SnmpProbe;
pub use targets::{Block, TargetError, Targets};
