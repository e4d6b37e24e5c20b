//! What a network inventory learns about one SNMP device: its INFO, ports (with VLANs, neighbours,
//! learned MAC addresses, aggregates), hardware components, firmwares and printer data.
//!
//! Values are kept as the device gave them, after the reference agents' canonicalisation;
//! `None` or an empty list means "not available" and is left out of every output format.

use std::collections::BTreeMap;

use super::device::{DeviceType, SnmpInfo};

/// The inventory of one device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetInventory {
    /// INFO: identification plus the inventory-only fields.
    pub info: InventoryInfo,
    /// PORTS, sorted by ifIndex.
    pub ports: Vec<Port>,
    /// COMPONENTS (ENTITY-MIB and vendor tables), in the order found.
    pub components: Vec<Component>,
    /// FIRMWARES.
    pub firmwares: Vec<Firmware>,
    /// CARTRIDGES: `TONERBLACK` → `42` (percent), `WARNING`, `OK`, or a value with its unit.
    pub cartridges: BTreeMap<String, String>,
    /// PAGECOUNTERS: `TOTAL` → `12345`, …
    pub page_counters: BTreeMap<String, String>,
    /// MODEMS (cellular routers).
    pub modems: Vec<Modem>,
    /// SIMCARDS (cellular routers).
    pub simcards: Vec<Simcard>,
}

/// INFO of an inventory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InventoryInfo {
    /// ID: the server's device id (0 on the command line).
    pub id: String,
    /// TYPE: the server's or the user's type when given, else the detected one.
    pub device_type: Option<DeviceType>,
    /// What identification found (NAME = `name`, COMMENTS = `description`, …).
    pub snmp: SnmpInfo,
    /// CPU: load in percent (Cisco CPU MIB).
    pub cpu: Option<u64>,
    /// MEMORY: size of the first hrStorage entry, in MB.
    pub memory_mb: Option<u64>,
    /// RAM: physical memory, in MB.
    pub ram_mb: Option<u64>,
}

/// One interface (PORTS/PORT).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Port {
    /// The ifIndex the port is keyed by.
    pub index: u32,
    /// IFNUMBER (ifIndex as the device reports it).
    pub ifnumber: Option<u32>,
    /// IFDESCR.
    pub ifdescr: Option<String>,
    /// IFNAME (ifName, else ifDescr).
    pub ifname: Option<String>,
    /// IFALIAS.
    pub ifalias: Option<String>,
    /// IFTYPE (IANAifType number).
    pub iftype: Option<i64>,
    /// IFMTU.
    pub ifmtu: Option<i64>,
    /// IFSPEED in bit/s (ifHighSpeed × 10⁶ when set, else ifSpeed).
    pub ifspeed: Option<u64>,
    /// IFSTATUS (ifOperStatus 1–7).
    pub ifstatus: Option<i64>,
    /// IFINTERNALSTATUS (ifAdminStatus 1–3).
    pub ifinternalstatus: Option<i64>,
    /// IFLASTCHANGE as TimeTicks text.
    pub iflastchange: Option<String>,
    /// IFINOCTETS.
    pub ifinoctets: Option<u64>,
    /// IFOUTOCTETS.
    pub ifoutoctets: Option<u64>,
    /// IFINERRORS.
    pub ifinerrors: Option<u64>,
    /// IFOUTERRORS.
    pub ifouterrors: Option<u64>,
    /// IFPORTDUPLEX (dot3StatsDuplexStatus 1–3).
    pub ifportduplex: Option<i64>,
    /// MAC (ifPhysAddress, canonical).
    pub mac: Option<String>,
    /// IP: the last of `ips`.
    pub ip: Option<String>,
    /// IPS: the IPv4 addresses of the interface, sorted as strings.
    pub ips: Vec<String>,
    /// TRUNK.
    pub trunk: Option<bool>,
    /// VLANS.
    pub vlans: Vec<Vlan>,
    /// CONNECTIONS: neighbours or learned MAC addresses.
    pub connections: Option<Connections>,
    /// AGGREGATE: ifIndexes of the member ports, when this port is an aggregate.
    pub aggregate: Vec<u32>,
}

impl Port {
    /// A port with only its index.
    #[must_use]
    pub fn new(index: u32) -> Self {
        Self {
            index,
            ..Self::default()
        }
    }
}

/// A VLAN on a port.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vlan {
    /// NUMBER.
    pub number: u32,
    /// NAME.
    pub name: Option<String>,
    /// TAGGED (when the source tells).
    pub tagged: Option<bool>,
}

/// What is connected to a port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connections {
    /// Neighbours announced by a discovery protocol (LLDP, CDP, EDP): CDP = 1 on the wire.
    Neighbours(Vec<Neighbour>),
    /// MAC addresses learned on the port (forwarding tables), in the order found.
    Macs(Vec<String>),
}

/// A neighbour device seen on a port (CONNECTION).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Neighbour {
    /// SYSMAC: the neighbour's chassis MAC.
    pub sysmac: Option<String>,
    /// SYSNAME.
    pub sysname: Option<String>,
    /// SYSDESCR.
    pub sysdescr: Option<String>,
    /// IFDESCR: the neighbour's port, as text.
    pub ifdescr: Option<String>,
    /// IFNUMBER: the neighbour's port, as a number.
    pub ifnumber: Option<String>,
    /// IP: the neighbour's management address.
    pub ip: Option<String>,
    /// MODEL: the neighbour's platform.
    pub model: Option<String>,
}

/// A hardware component (COMPONENTS/COMPONENT).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Component {
    /// INDEX.
    pub index: Option<i64>,
    /// CONTAINEDININDEX.
    pub contained_in: Option<i64>,
    /// TYPE: chassis, module, port, powerSupply, fan, sensor, stack, cpu, container, …
    pub kind: Option<String>,
    /// NAME.
    pub name: Option<String>,
    /// DESCRIPTION.
    pub description: Option<String>,
    /// MODEL.
    pub model: Option<String>,
    /// SERIAL.
    pub serial: Option<String>,
    /// MANUFACTURER.
    pub manufacturer: Option<String>,
    /// FIRMWARE.
    pub firmware: Option<String>,
    /// REVISION (hardware revision).
    pub revision: Option<String>,
    /// VERSION (software revision).
    pub version: Option<String>,
    /// FRU (entPhysicalIsFRU as the device gives it: 1 true, 2 false).
    pub fru: Option<i64>,
    /// MAC (access points of a controller).
    pub mac: Option<String>,
    /// IP (access points of a controller).
    pub ip: Option<String>,
}

/// A firmware of the device (FIRMWARES).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Firmware {
    /// NAME.
    pub name: String,
    /// DESCRIPTION.
    pub description: Option<String>,
    /// TYPE (`device`, `system`, …).
    pub kind: Option<String>,
    /// VERSION.
    pub version: Option<String>,
    /// MANUFACTURER.
    pub manufacturer: Option<String>,
    /// DATE.
    pub date: Option<String>,
}

/// A cellular modem of the device (MODEMS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Modem {
    /// NAME.
    pub name: String,
    /// DESCRIPTION.
    pub description: Option<String>,
    /// MODEL.
    pub model: Option<String>,
    /// MANUFACTURER.
    pub manufacturer: Option<String>,
    /// SERIAL (the IMEI).
    pub serial: Option<String>,
    /// TYPE: the radio technology (`gprs`, `umts`, `lte`…).
    pub kind: Option<String>,
}

/// A SIM card in the device (SIMCARDS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Simcard {
    /// IMSI.
    pub imsi: Option<String>,
    /// ICCID.
    pub iccid: Option<String>,
    /// OPERATOR_NAME.
    pub operator_name: Option<String>,
    /// OPERATOR_CODE: `MCC.MNC`.
    pub operator_code: Option<String>,
    /// COUNTRY: the country of the mobile country code.
    pub country: Option<String>,
    /// STATE: `SIM<n> - <status>`.
    pub state: Option<String>,
}
