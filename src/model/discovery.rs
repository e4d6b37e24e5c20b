//! What a discovery sweep learns about one address, and how the address ended.

use std::net::IpAddr;

use super::device::SnmpInfo;

/// How the probing of one address ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Identified over SNMP with the credential of that index (0-based, in the order given).
    Snmp {
        /// Index of the credential that answered.
        credential: usize,
    },
    /// Alive (ICMP, NetBIOS or the neighbour table) but no SNMP answer.
    Alive,
    /// Nothing answered.
    NoAnswer,
    /// An SNMP agent answered but rejected every credential (the last such error).
    AuthFailed(String),
    /// SNMP failed for another reason (malformed answers, socket error…).
    Error(String),
}

/// NetBIOS node status of a host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Netbios {
    /// NETBIOSNAME.
    pub name: Option<String>,
    /// WORKGROUP.
    pub workgroup: Option<String>,
    /// USERSESSION.
    pub user: Option<String>,
    /// The adapter MAC the reply carries.
    pub mac: Option<String>,
}

/// One probed address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// The address.
    pub ip: IpAddr,
    /// How probing ended.
    pub outcome: Outcome,
    /// SNMP identification, when a credential answered.
    pub snmp: Option<SnmpInfo>,
    /// AUTHSNMP: the credential id to report (the server's ID, or 1-based position on the CLI).
    pub auth_id: Option<String>,
    /// Answered ICMP echo or timestamp.
    pub ping: bool,
    /// Reverse DNS name.
    pub dns_name: Option<String>,
    /// MAC from the kernel's neighbour table.
    pub arp_mac: Option<String>,
    /// NetBIOS node status.
    pub netbios: Option<Netbios>,
    /// ENTITY of the range, when one is given.
    pub entity: Option<String>,
}

impl Host {
    /// A host about which nothing is known yet.
    #[must_use]
    pub fn new(ip: IpAddr) -> Self {
        Self {
            ip,
            outcome: Outcome::NoAnswer,
            snmp: None,
            auth_id: None,
            ping: false,
            dns_name: None,
            arp_mac: None,
            netbios: None,
            entity: None,
        }
    }

    /// The MAC to report. SNMP's own MAC wins over the network's (as the GLPI agent does: the
    /// device knows its bridge address better than a neighbour table that may show a router),
    /// then the neighbour table, then NetBIOS.
    #[must_use]
    pub fn mac(&self) -> Option<&str> {
        self.snmp
            .as_ref()
            .and_then(|s| s.mac.as_deref())
            .or(self.arp_mac.as_deref())
            .or(self.netbios.as_ref().and_then(|n| n.mac.as_deref()))
    }

    /// DNSHOSTNAME: the reverse DNS name, else the IP when the host answered ping (the
    /// FusionInventory convention, so that ping-only hosts are reported).
    #[must_use]
    pub fn dns_hostname(&self) -> Option<String> {
        match &self.dns_name {
            Some(n) => Some(n.clone()),
            None if self.ping => Some(self.ip.to_string()),
            None => None,
        }
    }

    /// Whether FusionInventory would send this host: it needs one of MAC, SNMPHOSTNAME,
    /// DNSHOSTNAME or NETBIOSNAME (protocol.md §3.2).
    #[must_use]
    pub fn is_reportable(&self) -> bool {
        self.mac().is_some()
            || self.snmp.as_ref().is_some_and(|s| s.name.is_some())
            || self.dns_hostname().is_some()
            || self.netbios.as_ref().is_some_and(|n| n.name.is_some())
    }
}
