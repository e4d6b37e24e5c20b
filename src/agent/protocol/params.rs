//! Values shared by the job options: defaults, the SNMP transport domain, how THREADS_* and
//! TIMEOUT are read, and the record of what was left out and why (network-tasks.md §2.1, §3.1).

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use thiserror::Error;

use super::auth::CredentialProblem;
use super::xml::Node;

/// SNMP timeout when TIMEOUT is 0, absent or unusable (`Job::timeout` returns `TIMEOUT || 60`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Longest SNMP timeout (Net::SNMP accepts 1 to 60 s).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// Workers when THREADS_* is absent or unusable.
pub const DEFAULT_THREADS: u32 = 1;
/// SNMP port when none is given.
pub const DEFAULT_PORT: u16 = 161;

/// An element of a job that was left out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// Element name (`RANGEIP`, `DEVICE`, `AUTHENTICATION`, `PARAM`…).
    pub element: &'static str,
    /// Its `ID`, if it had one.
    pub id: Option<String>,
    /// Why.
    pub reason: DropReason,
}

impl fmt::Display for Dropped {
    /// `RANGEIP ID 3 ignored: no IPSTART`, or for a single value `PARAM: TIMEOUT "-5" is not
    /// valid (default used)` since the element itself is kept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.element)?;
        if let Some(id) = &self.id {
            write!(f, " ID {id}")?;
        }
        if !matches!(self.reason, DropReason::BadValue { .. }) {
            f.write_str(" ignored")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why an element (or one of its values) was left out.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DropReason {
    /// A required attribute is missing or empty.
    #[error("no {0}")]
    Missing(&'static str),
    /// An attribute that should be an address is not one.
    #[error("{attribute} {value:?} is not an IP address")]
    BadAddress {
        /// Attribute name.
        attribute: &'static str,
        /// Value as sent (cut to 40 characters).
        value: String,
    },
    /// IPSTART after IPEND, or of another address family.
    #[error("IPSTART {start} and IPEND {end} do not form a range")]
    BadRange {
        /// First address.
        start: IpAddr,
        /// Last address.
        end: IpAddr,
    },
    /// A value outside what the attribute allows: left out, or replaced by the default.
    #[error("{attribute} {value:?} is not valid (default used)")]
    BadValue {
        /// Attribute name.
        attribute: &'static str,
        /// Value as sent (cut to 40 characters).
        value: String,
    },
    /// An AUTHENTICATION that gives no credential.
    #[error("{0}")]
    Credential(#[from] CredentialProblem),
}

pub(crate) fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

pub(crate) fn bad(attribute: &'static str, value: &str) -> DropReason {
    DropReason::BadValue {
        attribute,
        value: cut(value),
    }
}

/// SNMP transport domain (RANGEIP/DEVICE `PROTOCOL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SnmpDomain {
    /// `udp/ipv4` (also glpi-agent's plain `udp`), the default.
    UdpIpv4,
    /// `udp/ipv6`.
    UdpIpv6,
    /// `tcp/ipv4` (also plain `tcp`).
    TcpIpv4,
    /// `tcp/ipv6`.
    TcpIpv6,
}

impl SnmpDomain {
    /// The wire spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SnmpDomain::UdpIpv4 => "udp/ipv4",
            SnmpDomain::UdpIpv6 => "udp/ipv6",
            SnmpDomain::TcpIpv4 => "tcp/ipv4",
            SnmpDomain::TcpIpv6 => "tcp/ipv6",
        }
    }

    /// The domain for a wire spelling (case-insensitive).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "udp/ipv4" | "udp" => Some(SnmpDomain::UdpIpv4),
            "udp/ipv6" => Some(SnmpDomain::UdpIpv6),
            "tcp/ipv4" | "tcp" => Some(SnmpDomain::TcpIpv4),
            "tcp/ipv6" => Some(SnmpDomain::TcpIpv6),
            _ => None,
        }
    }
}

/// Workers from a raw THREADS_* value: a positive integer, else [`DEFAULT_THREADS`].
pub(crate) fn threads_of(raw: Option<&str>) -> u32 {
    raw.and_then(|t| t.trim().parse::<u32>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_THREADS)
}

/// SNMP timeout from a raw TIMEOUT value: positive seconds (decimals allowed) up to
/// [`MAX_TIMEOUT`]; 0, absent, negative or not a number give [`DEFAULT_TIMEOUT`].
pub(crate) fn timeout_of(raw: Option<&str>) -> Duration {
    raw.and_then(|t| t.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_TIMEOUT, |s| {
            Duration::from_secs_f64(s.min(MAX_TIMEOUT.as_secs_f64()))
        })
}

/// Notes a THREADS or TIMEOUT value that the accessors will replace by the default.
pub(crate) fn check_param(node: &Node, attribute: &'static str, dropped: &mut Vec<Dropped>) {
    let Some(raw) = node.value(attribute) else {
        return;
    };
    let ok = if attribute == "TIMEOUT" {
        raw.parse::<f64>().is_ok_and(|s| s.is_finite() && s >= 0.0)
    } else {
        raw.parse::<u32>().is_ok()
    };
    if !ok {
        dropped.push(Dropped {
            element: "PARAM",
            id: None,
            reason: bad(attribute, &raw),
        });
    }
}
