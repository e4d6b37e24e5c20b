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
    /// Limits shared with other sweeps running at the same time (the daemon's jobs); they
    /// replace `rate` and bound `in_flight` across all of them.
    pub shared: Option<SharedLimits>,
}

/// A packet rate and a number of addresses in flight shared by every network job of a process,
/// so that jobs running at once (several servers' NETDISCOVERY and SNMPQUERY jobs) share the
/// host and the network instead of each taking the whole of it.
#[derive(Clone, Debug)]
pub struct SharedLimits {
    /// Packets per second, all jobs together.
    pub rate: RateLimiter,
    /// Addresses probed at once, all discovery jobs together.
    pub in_flight: Arc<Semaphore>,
}

impl SharedLimits {
    /// `pps` packets per second (0: no limit) and `in_flight` addresses at once (at least 1).
    #[must_use]
    pub fn new(pps: u32, in_flight: usize) -> Self {
        Self {
            rate: RateLimiter::new((pps > 0).then_some(pps)),
            in_flight: Arc::new(Semaphore::new(in_flight.clamp(1, Semaphore::MAX_PERMITS))),
        }
    }
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
            shared: None,
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
    let rate = config
        .shared
        .as_ref()
        .map_or_else(|| RateLimiter::new(config.rate), |s| s.rate.clone());
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
        shared_slots: config.shared.map(|s| s.in_flight),
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

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::{SharedLimits, SweepConfig, build};
    use crate::discovery::{Block, ProbeSet, Targets};
    use crate::mib::MibDb;
    use crate::snmp::Credential;

    /// A sweep of four loopback addresses whose only probe is SNMP to a port nobody listens on
    /// (refused at once), sharing `limits`.
    fn sweep(limits: &SharedLimits, port: u16) -> super::Built {
        let ip = |n| IpAddr::V4(Ipv4Addr::new(127, 0, 0, n));
        let targets = Targets::new(vec![Block::range(ip(1), ip(4)).expect("range")], Vec::new())
            .expect("targets");
        build(SweepConfig {
            ports: vec![port],
            probes: ProbeSet {
                snmp: true,
                icmp: false,
                netbios: false,
                dns: false,
                arp: false,
            },
            shared: Some(limits.clone()),
            ..SweepConfig::new(
                targets,
                vec![Credential::v1("public")],
                Arc::new(MibDb::bundled().expect("mibs").clone()),
            )
        })
    }

    #[tokio::test]
    async fn sweeps_wait_for_the_slots_they_share() {
        let closed = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let limits = SharedLimits::new(0, 1);
        // Another job holds the only slot: this sweep cannot start an address.
        let held = Arc::clone(&limits.in_flight)
            .acquire_owned()
            .await
            .expect("permit");
        let built = sweep(&limits, port);
        let progress = Arc::clone(&built.progress);
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let run = tokio::spawn(built.sweep.run(tx));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(progress.done.load(Ordering::Relaxed), 0);
        assert!(rx.try_recv().is_err());
        drop(held);
        let mut seen = 0;
        while tokio::time::timeout(Duration::from_secs(10), rx.recv())
            .await
            .expect("the sweep goes on once the slot is free")
            .is_some()
        {
            seen += 1;
        }
        assert_eq!(seen, 4);
        let summary = run.await.expect("the sweep ends");
        assert_eq!(summary.addresses, 4);
        // Every slot back.
        assert_eq!(limits.in_flight.available_permits(), 1);
        // Two sweeps at once over the same slots both finish.
        let (a, b) = (sweep(&limits, port), sweep(&limits, port));
        let (txa, mut rxa) = tokio::sync::mpsc::channel(8);
        let (txb, mut rxb) = tokio::sync::mpsc::channel(8);
        let ra = tokio::spawn(a.sweep.run(txa));
        let rb = tokio::spawn(b.sweep.run(txb));
        let drain = tokio::spawn(async move { while rxb.recv().await.is_some() {} });
        while rxa.recv().await.is_some() {}
        drain.await.expect("drain");
        assert_eq!(ra.await.expect("a").addresses, 4);
        assert_eq!(rb.await.expect("b").addresses, 4);
        assert_eq!(limits.in_flight.available_permits(), 1);
    }
}
