//! The SNMP part of probing one address: every credential (× port) tried at once, the first in
//! the given order that answers wins, then identification with it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::mib::{IdentifyOptions, MibDb, identify_with};
use crate::model::{Outcome, SnmpInfo};
use crate::snmp::{Client, Credential, Oid, Session, SnmpError, Target, Version};

/// sysDescr.0, the probe FusionInventory uses to accept a v1/v2c session.
const SYS_DESCR: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 1, 0];

/// What the SNMP probe needs, shared by every address of a sweep.
pub struct SnmpProbe {
    /// The client (one dispatcher for the whole sweep).
    pub client: Client,
    /// Credentials in the order they are to be preferred.
    pub credentials: Vec<Credential>,
    /// Ports to try (each with every credential).
    pub ports: Vec<u16>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Resends after a timeout.
    pub retries: u32,
    /// Identification data.
    pub db: Arc<MibDb>,
    /// Round-trip time of the swept network in microseconds, learnt from the agents that
    /// answered (0 until one has).
    pub network_rtt_us: AtomicU64,
    /// Identifications running at once: the heavy phase (table walks) is bounded separately
    /// from the light first probes, so memory stays flat when agents answer slowly.
    pub identify_slots: Semaphore,
}

/// Default number of identifications running at once.
pub const DEFAULT_IDENTIFY_SLOTS: usize = 256;

/// The result of the SNMP probe of one address.
pub struct SnmpResult {
    /// Snmp, NoAnswer, AuthFailed or Error.
    pub outcome: Outcome,
    /// Identification, when a credential answered.
    pub info: Option<SnmpInfo>,
}

impl SnmpProbe {
    /// Probes one address. All tries start together, so a dead address costs one
    /// timeout × (retries + 1) however many credentials and ports there are.
    pub async fn probe(&self, ip: IpAddr) -> SnmpResult {
        // One credential on one port (the usual case) is tried in place; several race in
        // tasks of their own.
        let decided = match (&self.ports[..], &self.credentials[..]) {
            ([port], [credential]) => {
                let session = self.session(ip, *port, credential);
                match accepted(session.get(&[Oid::from_slice(&SYS_DESCR)]).await) {
                    Ok(()) => Ok(((0, *port), session)),
                    Err(e) => Err(vec![e]),
                }
            }
            _ => Box::pin(self.race(ip)).await,
        };
        match decided {
            // Boxed: only the addresses that answered pay for identification's state.
            Ok((which, session)) => Box::pin(self.identify(ip, which, session)).await,
            Err(errors) => SnmpResult {
                outcome: failure(&errors),
                info: None,
            },
        }
    }

    /// A session to `ip:port` with `credential` and the sweep's timing.
    fn session(&self, ip: IpAddr, port: u16, credential: &Credential) -> Session {
        // Before any agent has answered, the early resend comes at its floor (100 ms): a first
        // datagram lost in the opening burst then costs its host 100 ms, not half the timeout.
        // A dead address gets its two datagrams either way; on a network slower than that, the
        // first batch's live hosts get one duplicate each (answered, and told apart by its id).
        let network_rtt = Duration::from_micros(self.network_rtt_us.load(Ordering::Relaxed));
        self.client
            .session(
                Target::new(SocketAddr::new(ip, port), credential.clone())
                    .with_timeout(self.timeout)
                    .with_retries(self.retries),
            )
            .with_network_rtt(Some(network_rtt))
    }

    /// Every (port, credential) tried at once; the first in order that answers wins, once
    /// every earlier one has failed. The errors of all, in order, when none answers.
    async fn race(&self, ip: IpAddr) -> Result<((usize, u16), Session), Vec<SnmpError>> {
        let mut tries = JoinSet::new();
        let mut order = Vec::new();
        for &port in &self.ports {
            for (index, credential) in self.credentials.iter().enumerate() {
                let slot = order.len();
                order.push((index, port));
                let session = self.session(ip, port, credential);
                tries.spawn(async move {
                    let r = accepted(session.get(&[Oid::from_slice(&SYS_DESCR)]).await);
                    (slot, session, r)
                });
            }
        }
        let mut results: Vec<Option<Result<Session, SnmpError>>> =
            (0..order.len()).map(|_| None).collect();
        while let Some(joined) = tries.join_next().await {
            let Ok((slot, session, r)) = joined else {
                continue;
            };
            results[slot] = Some(r.map(|()| session));
            if let Some((slot, session)) = first_success(&mut results) {
                tries.abort_all();
                return Ok((order[slot], session));
            }
        }
        Err(results
            .into_iter()
            .filter_map(|r| match r {
                Some(Err(e)) => Some(e),
                _ => None,
            })
            .collect())
    }
}

/// Whether a sysDescr.0 answer accepts the session.
fn accepted(answer: Result<Vec<crate::snmp::Varbind>, SnmpError>) -> Result<(), SnmpError> {
    match answer {
        Ok(vbs) if vbs.first().is_some_and(|vb| !vb.value.is_exception()) => Ok(()),
        Ok(_) => Err(SnmpError::InvalidRequest("sysDescr.0 is missing")),
        Err(e) => Err(e),
    }
}

impl SnmpProbe {
    /// Identifies the device behind the session that answered with `(credential, port)`.
    async fn identify(
        &self,
        ip: IpAddr,
        (credential, port): (usize, u16),
        session: Session,
    ) -> SnmpResult {
        if let Some(rtt) = session.srtt() {
            self.learn_rtt(rtt);
        }
        let opts = IdentifyOptions {
            peer: match ip {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            },
            batch: session.version() != Version::V1,
        };
        // Bounded: only so many identifications at once.
        let _slot = self.identify_slots.acquire().await;
        let info = match Box::pin(identify_with(&session, &self.db, opts)).await {
            Ok(info) => info,
            Err(e) => {
                tracing::debug!(%ip, error = %e, "identification incomplete");
                SnmpInfo::default()
            }
        };
        SnmpResult {
            outcome: Outcome::Snmp { credential, port },
            info: Some(info),
        }
    }

    /// Folds one agent's round-trip time into the network's (gain 1/8).
    fn learn_rtt(&self, rtt: Duration) {
        let sample = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX).max(1);
        let old = self.network_rtt_us.load(Ordering::Relaxed);
        let new = if old == 0 {
            sample
        } else {
            (old * 7 + sample) / 8
        };
        self.network_rtt_us.store(new.max(1), Ordering::Relaxed);
    }
}

/// Takes the winning session out once it is decided.
fn first_success(results: &mut [Option<Result<Session, SnmpError>>]) -> Option<(usize, Session)> {
    for (slot, r) in results.iter_mut().enumerate() {
        match r {
            None => return None,
            Some(Ok(_)) => {
                if let Some(Ok(session)) = r.take() {
                    return Some((slot, session));
                }
                return None;
            }
            Some(Err(_)) => {}
        }
    }
    None
}

/// The outcome when no credential answered: an authentication failure says more than a
/// refusal (the host is there, without SNMP), which says more than silence.
fn failure(errors: &[SnmpError]) -> Outcome {
    if let Some(e) = errors.iter().find(|e| e.is_auth_failure()) {
        return Outcome::AuthFailed(e.to_string());
    }
    if let Some(e) = errors
        .iter()
        .find(|e| !matches!(e, SnmpError::Timeout { .. } | SnmpError::Unreachable { .. }))
    {
        return Outcome::Error(e.to_string());
    }
    let refused = errors.iter().any(|e| {
        matches!(e, SnmpError::Unreachable { reason, .. } if reason.kind() == std::io::ErrorKind::ConnectionRefused)
    });
    if refused {
        Outcome::Alive
    } else {
        Outcome::NoAnswer
    }
}
