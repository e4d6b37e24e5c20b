//! Building a sweep from its settings: the probes (ICMP, NetBIOS, SNMP, DNS, neighbour table)
//! sharing one packet-rate limiter, so that the command line and server-assigned NETDISCOVERY
//! jobs start the same engine.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::engine::{DEFAULT_IN_FLIGHT, Progress, Sweep};
use super::probe::{NeighbourCache, ProbeSet, Probes};
use super::snmp_probe::{DEFAULT_IDENTIFY_SLOTS, SnmpProbe};
use super::targets::Targets;
use crate::mib::MibDb;
use crate::net::{NetbiosClient, NetbiosConfig, Pinger, PingerConfig, RateLimiter, ReverseDns};
use crate::snmp::{Client, Credential, DispatcherConfig};

/// What a sweep needs.
#[derive(Clone)]
pub struct SweepConfig {
    /// The addresses.
    pub targets: Targets,
    /// SNMP credentials, in the order they are preferred.
    pub credentials: Vec<Credential>,
    /// AUTHSNMP value reported for each credential (same order).
    pub auth_ids: Vec<String>,
    /// SNMP ports (each tried with every credential).
    pub ports: Vec<u16>,
    /// Per-request timeout (also the ICMP and NetBIOS wait).
    pub timeout: Duration,
    /// SNMP resends after a timeout.
    pub retries: u32,
    /// Which probes run.
    pub probes: ProbeSet,
    /// Packets per second, every probe together (`None`: unpaced).
    pub rate: Option<u32>,
    /// Most addresses in flight.
    pub in_flight: usize,
    /// ENTITY copied into each result.
    pub entity: Option<String>,
    /// Identification data.
    pub db: Arc<MibDb>,
}

impl SweepConfig {
    /// A configuration with the defaults: port 161, 1 s timeout, no retry, every probe,
    /// unpaced, [`DEFAULT_IN_FLIGHT`] addresses at once.
    #[must_use]
    pub fn new(targets: Targets, credentials: Vec<Credential>, db: Arc<MibDb>) -> Self {
        let auth_ids = (1..=credentials.len()).map(|i| i.to_string()).collect();
        Self {
            targets,
            credentials,
            auth_ids,
            ports: vec![161],
            timeout: Duration::from_secs(1),
            retries: 0,
            probes: ProbeSet::default(),
            rate: None,
            in_flight: DEFAULT_IN_FLIGHT,
            entity: None,
            db,
        }
    }
}

/// A sweep ready to run, and the SNMP client its probes use (network inventories chained to
/// the sweep share it, and so the packet rate).
pub struct Built {
    /// The sweep.
    pub sweep: Sweep,
    /// The SNMP client.
    pub client: Client,
    /// Live counters.
    pub progress: Arc<Progress>,
}

/// Builds the probes and the sweep. A probe whose socket cannot be opened (raw ICMP without
/// the privilege, NetBIOS port…) is left out with one warning; the others go on.
#[must_use]
pub fn build(config: SweepConfig) -> Built {
    let rate = RateLimiter::new(config.rate);
    let set = config.probes;
    let pinger = if set.icmp {
        match Pinger::with_config(PingerConfig {
            rate: rate.clone(),
            ..PingerConfig::default()
        }) {
            Ok(p) => Some(p),
            Err(e) => {
                tracing::warn!("no ICMP probe: {e}; the other probes go on");
                None
            }
        }
    } else {
        None
    };
    let netbios = if set.netbios {
        match NetbiosClient::new(NetbiosConfig {
            rate: rate.clone(),
            ..NetbiosConfig::default()
        }) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::warn!("no NetBIOS probe: {e}");
                None
            }
        }
    } else {
        None
    };
    let client = Client::new(DispatcherConfig {
        rate,
        ..DispatcherConfig::default()
    });
    let probes = Probes {
        set,
        snmp: SnmpProbe {
            client: client.clone(),
            credentials: config.credentials,
            ports: config.ports,
            timeout: config.timeout,
            retries: config.retries,
            db: config.db,
            network_rtt_us: AtomicU64::new(0),
            identify_slots: Semaphore::new(DEFAULT_IDENTIFY_SLOTS),
        },
        pinger,
        netbios,
        dns: set.dns.then(|| ReverseDns::new(64, config.timeout)),
        timeout: config.timeout * (config.retries + 1),
        neighbours: NeighbourCache::default(),
    };
    let progress = Arc::new(Progress::default());
    let sweep = Sweep {
        probes: Arc::new(probes),
        in_flight: config.in_flight.max(1),
        auth_ids: config.auth_ids,
        entity: config.entity,
        progress: Arc::clone(&progress),
        targets: config.targets,
    };
    Built {
        sweep,
        client,
        progress,
    }
}
