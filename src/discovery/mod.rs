//! Network discovery: sweep address ranges, probe every address side by side, identify what
//! answers, and stream the hosts out as they are found.

/// The sweep engine.
pub mod engine;
/// Probing one address with every probe kind.
pub mod probe;
/// Building a sweep from its settings.
pub mod setup;
/// The SNMP probe of one address.
pub mod snmp_probe;
/// Address ranges, blocks and exclusions.
pub mod targets;

pub use engine::{DEFAULT_IN_FLIGHT, Progress, Summary, Sweep};
pub use probe::{NeighbourCache, ProbeSet, Probes};
pub use setup::{Built, SharedLimits, SweepConfig, build};
pub use snmp_probe::SnmpProbe;
pub use targets::{Block, TargetError, Targets};
