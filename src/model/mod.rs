//! Domain types shared by the engines and the reporters; no wire format (XML/JSON) lives here.

/// What SNMP identification tells about a device.
pub mod device;

pub use device::{DeviceType, SnmpInfo};
