//! Domain types shared by the engines and the reporters; no wire format (XML/JSON) lives here.

/// What SNMP identification tells about a device.
pub mod device;
/// What a discovery sweep learns about one address.
pub mod discovery;

pub use device::{DeviceType, SnmpInfo};
pub use discovery::{Host, Netbios, Outcome};
