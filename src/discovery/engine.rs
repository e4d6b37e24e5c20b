//! The sweep: every address of the targets probed concurrently (bounded by a cap on addresses
//! in flight), results streamed over a bounded channel as each address ends.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::probe::Probes;
use super::targets::Targets;
use crate::model::{Host, Outcome};

/// Default cap on addresses probed at once.
pub const DEFAULT_IN_FLIGHT: usize = 4096;

/// Live counters of a sweep, readable while it runs (for a progress line).
#[derive(Debug, Default)]
pub struct Progress {
    /// Addresses in the sweep.
    pub total: AtomicU64,
    /// Addresses finished.
    pub done: AtomicU64,
    /// Hosts found (reportable).
    pub found: AtomicU64,
    /// Hosts identified over SNMP.
    pub snmp: AtomicU64,
}

/// A configured sweep.
pub struct Sweep {
    /// What to scan.
    pub targets: Targets,
    /// The probes.
    pub probes: Arc<Probes>,
    /// Most addresses in flight.
    pub in_flight: usize,
    /// Slots shared with the other sweeps of the process: each address in flight holds one.
    pub shared_slots: Option<Arc<tokio::sync::Semaphore>>,
    /// AUTHSNMP value for each credential index.
    pub auth_ids: Vec<String>,
    /// ENTITY to copy into each result.
    pub entity: Option<String>,
    /// Live counters.
    pub progress: Arc<Progress>,
}

/// How a sweep went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Addresses probed.
    pub addresses: u64,
    /// Reportable hosts.
    pub found: u64,
    /// Identified over SNMP.
    pub snmp: u64,
    /// Milliseconds.
    pub elapsed_ms: u128,
}

struct Ctx {
    probes: Arc<Probes>,
    auth_ids: Vec<String>,
    entity: Option<String>,
}

impl Sweep {
    /// Runs the sweep, sending every probed host (reportable or not) to `out` as it ends. Ends
    /// early, without error, when the receiver is dropped.
    pub async fn run(self, out: mpsc::Sender<Host>) -> Summary {
        let started = Instant::now();
        let total = u64::try_from(self.targets.len()).unwrap_or(u64::MAX);
        self.progress.total.store(total, Ordering::Relaxed);
        let ctx = Arc::new(Ctx {
            probes: self.probes,
            auth_ids: self.auth_ids,
            entity: self.entity,
        });
        let mut addresses = self.targets.iter();
        let mut running = JoinSet::new();
        let cap = self.in_flight.max(1);
        let mut summary = Summary::default();
        loop {
            while running.len() < cap {
                let Some(ip) = addresses.next() else { break };
                let ctx = Arc::clone(&ctx);
                // A shared slot, when other sweeps run too; none of this sweep's own results
                // is needed to free one (every address in flight holds its slot to the end).
                let slot = match &self.shared_slots {
                    Some(slots) => Arc::clone(slots).acquire_owned().await.ok(),
                    None => None,
                };
                running.spawn(async move {
                    let host = probe(ip, &ctx).await;
                    drop(slot);
                    host
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let Ok(host) = joined else { continue };
            summary.addresses += 1;
            self.progress.done.fetch_add(1, Ordering::Relaxed);
            if host.is_reportable() {
                summary.found += 1;
                self.progress.found.fetch_add(1, Ordering::Relaxed);
            }
            if matches!(host.outcome, Outcome::Snmp { .. }) {
                summary.snmp += 1;
                self.progress.snmp.fetch_add(1, Ordering::Relaxed);
            }
            if out.send(host).await.is_err() {
                running.abort_all();
                break;
            }
        }
        summary.elapsed_ms = started.elapsed().as_millis();
        summary
    }
}

async fn probe(ip: IpAddr, ctx: &Ctx) -> Host {
    let mut host = ctx.probes.probe(ip).await;
    host.entity.clone_from(&ctx.entity);
    if let Outcome::Snmp { credential, .. } = host.outcome {
        host.auth_id = ctx.auth_ids.get(credential).cloned();
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::{Block, SweepConfig, build};
    use crate::snmp::Credential;

    /// Thousands of addresses wait for their answers at once, each in one task holding this
    /// future: what only the answering ones need (identification, DNS, the host being built)
    /// is boxed behind it, so waiting stays cheap. The SNMP probe holds its one request in
    /// flight in place (no task of its own); the request's future stays small. (Bounds for
    /// unoptimised builds, where futures are largest.)
    #[tokio::test]
    async fn an_address_in_flight_holds_a_small_future() {
        let db = Arc::new(crate::mib::MibDb::bundled().unwrap().clone());
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let targets = Targets::new(vec![Block::range(ip, ip).unwrap()], vec![]).unwrap();
        let built = build(SweepConfig::new(
            targets,
            vec![Credential::v2c("public")],
            db,
        ));
        let probes = Arc::clone(&built.sweep.probes);
        let ctx = Ctx {
            probes: Arc::clone(&probes),
            auth_ids: vec![],
            entity: None,
        };
        let task = probe(ip, &ctx);
        assert!(
            std::mem::size_of_val(&task) <= 1024,
            "{}",
            std::mem::size_of_val(&task)
        );
        let snmp = probes.snmp.probe(ip);
        assert!(
            std::mem::size_of_val(&snmp) <= 2560,
            "{}",
            std::mem::size_of_val(&snmp)
        );
        // One community request in flight, as each credential's try of a dead address is (its
        // sends' ids, for resends with ids of their own, and its place in the congestion
        // window included).
        let session = probes.snmp.client.session(crate::snmp::Target::new(
            std::net::SocketAddr::new(ip, 161),
            Credential::v2c("public"),
        ));
        let get = session.get(&[]);
        assert!(
            std::mem::size_of_val(&get) <= 1536,
            "{}",
            std::mem::size_of_val(&get)
        );
    }
}
