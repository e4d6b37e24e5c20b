//! The network jobs a PROLOG reply carries: NETDISCOVERY (ranges, credentials) and SNMPQUERY
//! (devices, credentials), with the raw values and the agent's defaults (protocol.md §2.4–2.5,
//! network-tasks.md §2.1, §3.1).

use std::net::IpAddr;
use std::time::Duration;

use thiserror::Error;

use super::auth::{Authentication, JobCredential};
use super::params::{
    DEFAULT_PORT, DropReason, Dropped, SnmpDomain, bad, check_param, cut, threads_of, timeout_of,
};
use super::xml::Node;
use crate::model::DeviceType;
use crate::snmp::Credential;

/// The PARAM values shared by both jobs and the credentials.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Common {
    pid: Option<String>,
    threads: Option<String>,
    timeout: Option<String>,
    authentications: Vec<Authentication>,
    credentials: Vec<JobCredential>,
    dropped: Vec<Dropped>,
}

impl Common {
    fn read(option: &Node, threads_attribute: &'static str) -> Self {
        let mut c = Common::default();
        // The first PARAM counts, as in the Perl agents.
        match option.child("PARAM") {
            Some(param) => {
                c.pid = param.value("PID");
                c.threads = param.value(threads_attribute);
                c.timeout = param.value("TIMEOUT");
                check_param(param, threads_attribute, &mut c.dropped);
                check_param(param, "TIMEOUT", &mut c.dropped);
            }
            None => c.dropped.push(Dropped {
                element: "PARAM",
                id: None,
                reason: DropReason::Missing("PARAM"),
            }),
        }
        for node in option.children_named("AUTHENTICATION") {
            let auth = Authentication::from_node(node);
            match auth.credential() {
                Ok(credential) => c.credentials.push(JobCredential {
                    id: auth.id.clone(),
                    credential,
                }),
                Err(problem) => c.dropped.push(Dropped {
                    element: "AUTHENTICATION",
                    id: auth.id.clone(),
                    reason: problem.into(),
                }),
            }
            c.authentications.push(auth);
        }
        c
    }
}

macro_rules! common_accessors {
    () => {
        /// Workers for this job: THREADS_* when a positive integer, else 1.
        #[must_use]
        pub fn threads(&self) -> u32 {
            threads_of(self.threads_raw.as_deref())
        }

        /// SNMP timeout per request: TIMEOUT seconds (at most 60), or 60 s when TIMEOUT is 0,
        /// absent or unusable.
        #[must_use]
        pub fn timeout(&self) -> Duration {
            timeout_of(self.timeout_raw.as_deref())
        }

        /// The usable credentials, in document order (the order to try them in).
        #[must_use]
        pub fn snmp_credentials(&self) -> Vec<&Credential> {
            self.credentials.iter().map(|c| &c.credential).collect()
        }

        /// The usable credential whose ID is `id`.
        #[must_use]
        pub fn credential(&self, id: &str) -> Option<&Credential> {
            self.credentials
                .iter()
                .find(|c| c.id.as_deref() == Some(id))
                .map(|c| &c.credential)
        }
    };
}

/// One `RANGEIP`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpRange {
    /// `ID` (not echoed back).
    pub id: Option<String>,
    /// `IPSTART`.
    pub start: IpAddr,
    /// `IPEND` (inclusive).
    pub end: IpAddr,
    /// `ENTITY`, copied into each result DEVICE.
    pub entity: Option<String>,
    /// `PORT` values: numeric 1–65535, de-duplicated, sorted as strings (FusionInventory's
    /// order); empty when none was given.
    pub ports: Vec<u16>,
    /// `PROTOCOL` values, known ones only, de-duplicated, in the fixed order udp/ipv4, udp/ipv6,
    /// tcp/ipv4, tcp/ipv6; empty when none was given.
    pub protocols: Vec<SnmpDomain>,
}

impl IpRange {
    /// Ports to try: [`ports`](Self::ports), or 161.
    #[must_use]
    pub fn ports_or_default(&self) -> Vec<u16> {
        if self.ports.is_empty() {
            vec![DEFAULT_PORT]
        } else {
            self.ports.clone()
        }
    }

    /// Transports to try: [`protocols`](Self::protocols), or udp/ipv4.
    #[must_use]
    pub fn protocols_or_default(&self) -> Vec<SnmpDomain> {
        if self.protocols.is_empty() {
            vec![SnmpDomain::UdpIpv4]
        } else {
            self.protocols.clone()
        }
    }

    /// Number of addresses, both ends included.
    #[must_use]
    pub fn len(&self) -> u128 {
        let (a, b) = match (self.start, self.end) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b))),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b)),
            _ => return 0,
        };
        b.checked_sub(a).map_or(0, |d| d.saturating_add(1))
    }

    /// Whether the range holds no address (ends reversed or of two families; never the case
    /// for a range [`parse_reply`](super::parse_reply) kept).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(node: &Node) -> Result<(Self, Vec<DropReason>), DropReason> {
        let address = |attribute: &'static str| -> Result<IpAddr, DropReason> {
            let raw = node
                .value(attribute)
                .ok_or(DropReason::Missing(attribute))?;
            raw.parse().map_err(|_| DropReason::BadAddress {
                attribute,
                value: cut(&raw),
            })
        };
        let (start, end) = (address("IPSTART")?, address("IPEND")?);
        if start.is_ipv4() != end.is_ipv4() || start > end {
            return Err(DropReason::BadRange { start, end });
        }
        let mut notes = Vec::new();
        let mut ports: Vec<u16> = Vec::new();
        for item in node.get_all("PORT").iter().flat_map(|v| v.split(',')) {
            match item.trim().parse::<u16>() {
                Ok(p) if p > 0 => ports.push(p),
                _ if item.trim().is_empty() => {}
                _ => notes.push(bad("PORT", item)),
            }
        }
        ports.sort_by_key(u16::to_string);
        ports.dedup();
        let mut protocols: Vec<SnmpDomain> = Vec::new();
        for item in node.get_all("PROTOCOL").iter().flat_map(|v| v.split(',')) {
            match SnmpDomain::parse(item) {
                Some(d) => protocols.push(d),
                None if item.trim().is_empty() => {}
                None => notes.push(bad("PROTOCOL", item)),
            }
        }
        protocols.sort();
        protocols.dedup();
        let range = IpRange {
            id: node.value("ID"),
            start,
            end,
            entity: node.value("ENTITY"),
            ports,
            protocols,
        };
        Ok((range, notes))
    }
}

/// A NETDISCOVERY option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetDiscoveryJob {
    /// PARAM `PID`, echoed verbatim as PROCESSNUMBER. Required to run the job.
    pub pid: Option<String>,
    /// PARAM `THREADS_DISCOVERY` as sent.
    pub threads_raw: Option<String>,
    /// PARAM `TIMEOUT` as sent.
    pub timeout_raw: Option<String>,
    /// The valid ranges, in document order.
    pub ranges: Vec<IpRange>,
    /// Every AUTHENTICATION, in document order.
    pub authentications: Vec<Authentication>,
    /// The usable credentials, in document order.
    pub credentials: Vec<JobCredential>,
    /// What was left out or replaced by a default, with the reason.
    pub dropped: Vec<Dropped>,
}

/// Why a job cannot run at all.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum JobError {
    /// NETDISCOVERY without PARAM/PID.
    #[error("invalid job: no PID defined")]
    NoPid,
    /// No valid RANGEIP.
    #[error("invalid job: no valid IP range defined")]
    NoRange,
    /// No DEVICE with an IP.
    #[error("invalid job: no valid device defined")]
    NoDevice,
}

impl NetDiscoveryJob {
    pub(crate) fn read(option: &Node) -> Self {
        let common = Common::read(option, "THREADS_DISCOVERY");
        let mut dropped = common.dropped;
        let mut ranges = Vec::new();
        for node in option.children_named("RANGEIP") {
            let id = node.value("ID");
            match IpRange::read(node) {
                Ok((range, notes)) => {
                    ranges.push(range);
                    dropped.extend(notes.into_iter().map(|reason| Dropped {
                        element: "RANGEIP",
                        id: id.clone(),
                        reason,
                    }));
                }
                Err(reason) => dropped.push(Dropped {
                    element: "RANGEIP",
                    id,
                    reason,
                }),
            }
        }
        Self {
            pid: common.pid,
            threads_raw: common.threads,
            timeout_raw: common.timeout,
            ranges,
            authentications: common.authentications,
            credentials: common.credentials,
            dropped,
        }
    }

    common_accessors!();

    /// Whether the job can run: it needs a PID and a valid range.
    pub fn check(&self) -> Result<(), JobError> {
        if self.ranges.is_empty() {
            return Err(JobError::NoRange);
        }
        if self.pid.is_none() {
            return Err(JobError::NoPid);
        }
        Ok(())
    }

    /// Number of addresses of all ranges (the NBIP value).
    #[must_use]
    pub fn address_count(&self) -> u128 {
        self.ranges
            .iter()
            .fold(0u128, |n, r| n.saturating_add(r.len()))
    }
}

/// One `DEVICE` of an SNMPQUERY option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryDevice {
    /// `ID`: the GLPI item id, echoed in INFO/ID or ERROR/ID.
    pub id: Option<String>,
    /// `IP` (an address or a host name, as sent).
    pub ip: String,
    /// `TYPE` as sent.
    pub type_raw: Option<String>,
    /// `AUTHSNMP_ID`: ID of the credential to use.
    pub auth_id: Option<String>,
    /// `PID`: per-device job id (newer servers).
    pub pid: Option<String>,
    /// `PORT`, when a valid port.
    pub port: Option<u16>,
    /// `PROTOCOL`, when a known domain.
    pub protocol: Option<SnmpDomain>,
    /// `FILE`: a walk file to read instead of querying (the Perl agents' test hook).
    pub file: Option<String>,
}

impl QueryDevice {
    /// The server's TYPE, when it is one sonde knows.
    #[must_use]
    pub fn device_type(&self) -> Option<DeviceType> {
        self.type_raw.as_deref().and_then(DeviceType::parse)
    }

    fn read(node: &Node, notes: &mut Vec<DropReason>) -> Result<Self, DropReason> {
        let ip = node.value("IP").ok_or(DropReason::Missing("IP"))?;
        let port = node.value("PORT").and_then(|p| match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                notes.push(bad("PORT", &p));
                None
            }
        });
        let protocol = node.value("PROTOCOL").and_then(|p| {
            SnmpDomain::parse(&p).or_else(|| {
                notes.push(bad("PROTOCOL", &p));
                None
            })
        });
        Ok(Self {
            id: node.value("ID"),
            ip,
            type_raw: node.value("TYPE"),
            auth_id: node.value("AUTHSNMP_ID"),
            pid: node.value("PID"),
            port,
            protocol,
            file: node.value("FILE"),
        })
    }
}

/// An SNMPQUERY option (network inventory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetInventoryJob {
    /// PARAM `PID`; when absent, jobs are numbered 1, 2, … (see [`process_numbers`]).
    pub pid: Option<String>,
    /// PARAM `THREADS_QUERY` as sent.
    pub threads_raw: Option<String>,
    /// PARAM `TIMEOUT` as sent.
    pub timeout_raw: Option<String>,
    /// The devices with an IP, in document order.
    pub devices: Vec<QueryDevice>,
    /// Every AUTHENTICATION, in document order.
    pub authentications: Vec<Authentication>,
    /// The usable credentials, in document order.
    pub credentials: Vec<JobCredential>,
    /// What was left out or replaced by a default, with the reason.
    pub dropped: Vec<Dropped>,
}

impl NetInventoryJob {
    pub(crate) fn read(option: &Node) -> Self {
        let common = Common::read(option, "THREADS_QUERY");
        let mut dropped = common.dropped;
        let mut devices = Vec::new();
        for node in option.children_named("DEVICE") {
            let mut notes = Vec::new();
            let result = QueryDevice::read(node, &mut notes);
            let id = node.value("ID");
            if let Ok(device) = result.as_ref() {
                devices.push(device.clone());
            }
            for reason in result.err().into_iter().chain(notes) {
                dropped.push(Dropped {
                    element: "DEVICE",
                    id: id.clone(),
                    reason,
                });
            }
        }
        Self {
            pid: common.pid,
            threads_raw: common.threads,
            timeout_raw: common.timeout,
            devices,
            authentications: common.authentications,
            credentials: common.credentials,
            dropped,
        }
    }

    common_accessors!();

    /// Whether the job can run: it needs a device with an IP.
    pub fn check(&self) -> Result<(), JobError> {
        if self.devices.is_empty() {
            Err(JobError::NoDevice)
        } else {
            Ok(())
        }
    }

    /// The credential of `device` (its AUTHSNMP_ID).
    #[must_use]
    pub fn device_credential(&self, device: &QueryDevice) -> Option<&Credential> {
        device.auth_id.as_deref().and_then(|id| self.credential(id))
    }
}

/// PROCESSNUMBER of each job, in order: its PID, or 1, 2, … for jobs without one (glpi-agent
/// numbers only the jobs without PID).
#[must_use]
pub fn process_numbers(jobs: &[&NetInventoryJob]) -> Vec<String> {
    let mut next = 1u32;
    jobs.iter()
        .map(|job| {
            job.pid.clone().unwrap_or_else(|| {
                let n = next;
                next = next.saturating_add(1);
                n.to_string()
            })
        })
        .collect()
}

/// Whether the network inventory sends START and END messages: not when any DEVICE of any job
/// carries a PID (newer servers); each result then uses the device's PID as PROCESSNUMBER.
#[must_use]
pub fn sends_start_end(jobs: &[&NetInventoryJob]) -> bool {
    !jobs
        .iter()
        .any(|job| job.devices.iter().any(|d| d.pid.is_some()))
}
