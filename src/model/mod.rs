//! Domain types shared by the engines and the reporters; no wire format (XML/JSON) lives here.

/// What SNMP identification tells about a device.
pub mod device;
/// What a discovery sweep learns about one address.
pub mod discovery;
/// What a network inventory learns about one device.
pub mod inventory;
/// What a local inventory learns about this machine.
pub mod local;

pub use device::{DeviceType, SnmpInfo};
pub use discovery::{Host, Netbios, Outcome};
pub use inventory::{
    Component, Connections, Firmware, InventoryInfo, Modem, Neighbour, NetInventory, Port, Simcard,
    Vlan,
};
