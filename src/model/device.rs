//! A device as SNMP identification sees it: the fields of a discovery result's SNMP part and of
//! an inventory's INFO section.

use std::fmt;

use crate::snmp::Oid;

/// GLPI's device types (the TYPE field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceType {
    /// COMPUTER.
    Computer,
    /// NETWORKING (switches, routers, firewalls, access points…).
    Networking,
    /// PRINTER.
    Printer,
    /// STORAGE.
    Storage,
    /// POWER (UPS, PDU).
    Power,
    /// PHONE.
    Phone,
    /// VIDEO (cameras, video equipment).
    Video,
    /// KVM.
    Kvm,
}

impl DeviceType {
    /// All types, in the order GLPI lists them.
    pub const ALL: [DeviceType; 8] = [
        DeviceType::Computer,
        DeviceType::Networking,
        DeviceType::Printer,
        DeviceType::Storage,
        DeviceType::Power,
        DeviceType::Phone,
        DeviceType::Video,
        DeviceType::Kvm,
    ];

    /// The wire spelling (`NETWORKING`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceType::Computer => "COMPUTER",
            DeviceType::Networking => "NETWORKING",
            DeviceType::Printer => "PRINTER",
            DeviceType::Storage => "STORAGE",
            DeviceType::Power => "POWER",
            DeviceType::Phone => "PHONE",
            DeviceType::Video => "VIDEO",
            DeviceType::Kvm => "KVM",
        }
    }

    /// The type for a wire spelling (case-insensitive).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for DeviceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What SNMP identification found. Every field is optional: a value that is not available is
/// left out rather than invented.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnmpInfo {
    /// sysObjectID.
    pub sysobjectid: Option<Oid>,
    /// sysDescr (DESCRIPTION).
    pub description: Option<String>,
    /// sysName (SNMPHOSTNAME).
    pub name: Option<String>,
    /// sysLocation (LOCATION).
    pub location: Option<String>,
    /// sysContact (CONTACT).
    pub contact: Option<String>,
    /// sysUpTime as text, net-snmp style: `451 days, 0:56:29.21` (UPTIME).
    pub uptime: Option<String>,
    /// TYPE.
    pub device_type: Option<DeviceType>,
    /// MANUFACTURER.
    pub manufacturer: Option<String>,
    /// MODEL.
    pub model: Option<String>,
    /// SERIAL.
    pub serial: Option<String>,
    /// FIRMWARE.
    pub firmware: Option<String>,
    /// MAC, lower-case colon form.
    pub mac: Option<String>,
    /// The device's IP addresses (IPS), sorted as the reference agents sort them.
    pub ips: Vec<String>,
    /// Total memory in MB (MEMORY / RAM), when the device tells.
    pub memory_mb: Option<u64>,
    /// The inventory extension the sysObjectID entry names (the reference agents' EXTMOD, e.g.
    /// `Qlogic`), for inventory.
    pub extmod: Option<String>,
    /// The vendor modules of `mibs/vendors.toml` that applied, in the order they were consulted
    /// (inventory runs the same ones).
    pub mib_support: Vec<String>,
}
