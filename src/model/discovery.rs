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
        /// The port it answered on.
        port: u16,
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

    /// DNSHOSTNAME: the reverse DNS name, else the IP when the host showed it is up — it
    /// answered ping (the FusionInventory convention, so that ping-only hosts are reported),
    /// refused a probe, or rejected the SNMP credentials.
    #[must_use]
    pub fn dns_hostname(&self) -> Option<String> {
        let up = self.ping || matches!(self.outcome, Outcome::Alive | Outcome::AuthFailed(_));
        match &self.dns_name {
            Some(n) => Some(n.clone()),
            None if up => Some(self.ip.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_that_showed_life_are_reported_under_their_address() {
        let mut h = Host::new("192.0.2.7".parse().unwrap());
        assert!(!h.is_reportable());
        h.outcome = Outcome::Alive;
        assert_eq!(h.dns_hostname().as_deref(), Some("192.0.2.7"));
        assert!(h.is_reportable());
        h.outcome = Outcome::AuthFailed("wrong digest".into());
        assert!(h.is_reportable());
        h.dns_name = Some("printer.example".into());
        assert_eq!(h.dns_hostname().as_deref(), Some("printer.example"));
    }

    #[test]
    fn snmp_mac_wins_over_the_network_ones() {
        let mut h = Host::new("192.0.2.8".parse().unwrap());
        h.netbios = Some(Netbios {
            mac: Some("00:00:00:00:00:03".into()),
            ..Netbios::default()
        });
        assert_eq!(h.mac(), Some("00:00:00:00:00:03"));
        h.arp_mac = Some("00:00:00:00:00:02".into());
        assert_eq!(h.mac(), Some("00:00:00:00:00:02"));
        h.snmp = Some(SnmpInfo {
            mac: Some("00:00:00:00:00:01".into()),
            ..SnmpInfo::default()
        });
        assert_eq!(h.mac(), Some("00:00:00:00:00:01"));
    }
}
