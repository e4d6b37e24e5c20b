//! The SNMP client: sessions per target over the shared dispatcher; GET (many varbinds), GETNEXT,
//! GETBULK with timeouts, retries and classified errors, for v1, v2c and v3.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::credential::{Credential, Version};
use super::error::{Result, SnmpError};
use super::message::{self, CommunityMessage, Message};
use super::oid::Oid;
use super::pdu::{ErrorStatus, Pdu, PduType};
use super::transport::{
    Dispatcher, DispatcherConfig, Request, Resend, Verdict, first_contact, schedule,
};
use super::usm::{KeyCache, UsmSession};
use super::value::{Value, Varbind};

/// Default wait for one answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Default resends after a timeout.
pub const DEFAULT_RETRIES: u32 = 1;

/// Where and how to ask: address, credential, timeout, retries.
#[derive(Clone, Debug)]
pub struct Target {
    /// Agent address (any port, IPv4 or IPv6).
    pub addr: SocketAddr,
    /// What to authenticate with.
    pub credential: Credential,
    /// Wait for one answer before resending.
    pub timeout: Duration,
    /// Resends after a timeout (so `retries + 1` attempts).
    pub retries: u32,
}

impl Target {
    /// A target with the default timeout and retries.
    #[must_use]
    pub fn new(addr: SocketAddr, credential: Credential) -> Self {
        Self {
            addr,
            credential,
            timeout: DEFAULT_TIMEOUT,
            retries: DEFAULT_RETRIES,
        }
    }

    /// Sets the per-attempt timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the number of resends.
    #[must_use]
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }
}

/// The SNMP client: one dispatcher (two sockets) and a cache of v3 master keys, shared by all
/// sessions. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) dispatcher: Dispatcher,
    pub(crate) keys: Arc<KeyCache>,
}

impl Default for Client {
    fn default() -> Self {
        Self::new(DispatcherConfig::default())
    }
}

impl Client {
    /// A client with its own dispatcher.
    #[must_use]
    pub fn new(config: DispatcherConfig) -> Self {
        Self {
            dispatcher: Dispatcher::new(config),
            keys: Arc::new(KeyCache::default()),
        }
    }

    /// A session towards one target. v3 sessions discover the engine on first use.
    #[must_use]
    pub fn session(&self, target: Target) -> Session {
        let usm = match &target.credential {
            Credential::V3(user) => Some(UsmSession::new(user.clone())),
            _ => None,
        };
        Session {
            client: self.clone(),
            target,
            usm,
            srtt_us: AtomicU64::new(0),
            network_rtt: None,
            pdus: AtomicU64::new(0),
        }
    }

    /// Requests waiting for replies right now.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        self.dispatcher.in_flight()
    }

    /// The congestion window of requests to agents that answered before, in requests.
    #[must_use]
    pub fn window(&self) -> u32 {
        self.dispatcher.window()
    }
}

/// A conversation with one agent under one credential.
pub struct Session {
    client: Client,
    target: Target,
    usm: Option<UsmSession>,
    /// Smoothed round-trip time in microseconds (0 = not measured yet).
    srtt_us: AtomicU64,
    /// Round-trip time of the network, known from other peers, for the first request.
    network_rtt: Option<Duration>,
    /// Request PDUs asked through [`Session::request`] (retransmissions and v3 engine
    /// discovery not counted).
    pdus: AtomicU64,
}

impl Session {
    /// The client this session belongs to.
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The target of this session.
    #[must_use]
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The protocol version in use.
    #[must_use]
    pub fn version(&self) -> Version {
        self.target.credential.version()
    }

    /// GET of many OIDs in one PDU. Missing objects come back as `NoSuchObject`/`NoSuchInstance`
    /// values (also with v1, where the agent's noSuchName error is turned into that). A tooBig
    /// answer splits the request in halves.
    pub async fn get(&self, oids: &[Oid]) -> Result<Vec<Varbind>> {
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(oids.len());
        // Explicit stack of index ranges instead of recursion (futures cannot recurse cheaply).
        let mut pending = vec![(0, oids.len())];
        let mut results: Vec<Option<Varbind>> = vec![None; oids.len()];
        while let Some((lo, hi)) = pending.pop() {
            match self.get_range(&oids[lo..hi]).await {
                Ok(vbs) => {
                    for (slot, vb) in results[lo..hi].iter_mut().zip(vbs) {
                        *slot = Some(vb);
                    }
                }
                Err(SnmpError::TooBig { .. }) if hi - lo > 1 => {
                    let mid = lo + (hi - lo) / 2;
                    pending.push((mid, hi));
                    pending.push((lo, mid));
                }
                Err(e) => return Err(e),
            }
        }
        for (oid, r) in oids.iter().zip(results) {
            out.push(r.unwrap_or_else(|| Varbind::new(oid.clone(), Value::NoSuchObject)));
        }
        Ok(out)
    }

    async fn get_range(&self, oids: &[Oid]) -> Result<Vec<Varbind>> {
        let mut missing = vec![false; oids.len()];
        // v1 answers noSuchName for the whole PDU: drop the culprit and ask again (bounded by
        // the number of OIDs).
        for _ in 0..=oids.len() {
            let ask: Vec<Varbind> = oids
                .iter()
                .zip(&missing)
                .filter(|(_, m)| !**m)
                .map(|(o, _)| Varbind::null(o.clone()))
                .collect();
            if ask.is_empty() {
                break;
            }
            match self.request(PduType::Get, ask, None).await {
                Ok(pdu) => {
                    let mut answers = pdu.varbinds.into_iter();
                    return Ok(oids
                        .iter()
                        .zip(&missing)
                        .map(|(o, m)| {
                            if *m {
                                Varbind::new(o.clone(), Value::NoSuchInstance)
                            } else {
                                answers.next().unwrap_or_else(|| {
                                    Varbind::new(o.clone(), Value::NoSuchInstance)
                                })
                            }
                        })
                        .collect());
                }
                Err(SnmpError::ErrorStatus {
                    status: ErrorStatus::NoSuchName,
                    index,
                    ..
                }) if index >= 1 => {
                    let asked: Vec<usize> = (0..oids.len()).filter(|&i| !missing[i]).collect();
                    match asked.get(index as usize - 1) {
                        Some(&i) => missing[i] = true,
                        None => break,
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(oids
            .iter()
            .map(|o| Varbind::new(o.clone(), Value::NoSuchInstance))
            .collect())
    }

    /// GETNEXT of many OIDs in one PDU.
    pub async fn get_next(&self, oids: &[Oid]) -> Result<Vec<Varbind>> {
        let vbs = oids.iter().cloned().map(Varbind::null).collect();
        Ok(self.request(PduType::GetNext, vbs, None).await?.varbinds)
    }

    /// GETBULK (v2c/v3 only).
    pub async fn get_bulk(
        &self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid],
    ) -> Result<Vec<Varbind>> {
        if self.version() == Version::V1 {
            return Err(SnmpError::InvalidRequest(
                "GETBULK does not exist in SNMPv1",
            ));
        }
        let vbs = oids.iter().cloned().map(Varbind::null).collect();
        Ok(self
            .request(
                PduType::GetBulk,
                vbs,
                Some((non_repeaters, max_repetitions)),
            )
            .await?
            .varbinds)
    }

    /// Tells the session the round-trip time of its network (measured on other peers), so that
    /// its first request is resent early once if its first datagram is lost: see
    /// [`first_contact`].
    #[must_use]
    pub fn with_network_rtt(mut self, rtt: Option<Duration>) -> Self {
        self.network_rtt = rtt;
        self
    }

    /// The smoothed round-trip time measured on this session so far.
    #[must_use]
    pub fn srtt(&self) -> Option<Duration> {
        let srtt = self.srtt_us.load(Ordering::Relaxed);
        (srtt > 0).then(|| Duration::from_micros(srtt))
    }

    /// Whether the next request takes a place in the client's congestion window: once the
    /// agent has answered (before, it may well be a dead address).
    pub(crate) fn windowed(&self) -> bool {
        self.srtt().is_some()
    }

    /// A request to this session's agent: `bytes` (carrying `id`) first, sent again as `resend`
    /// says after each of `waits` (from [`Session::waits`]).
    pub(crate) fn dispatch<'a>(
        &self,
        id: i32,
        bytes: &'a [u8],
        resend: Resend<'a>,
        waits: &'a [Duration],
    ) -> Request<'a> {
        Request {
            peer: self.target.addr,
            id,
            bytes,
            resend,
            waits,
            windowed: self.windowed(),
        }
    }

    /// The waits of the next request: see [`schedule`] and [`first_contact`].
    pub(crate) fn waits(&self) -> Vec<Duration> {
        match (self.srtt(), self.network_rtt) {
            (None, Some(net)) => first_contact(
                self.target.timeout,
                self.target.retries,
                net,
                rand::random::<f64>(),
            ),
            (rtt, _) => schedule(self.target.timeout, self.target.retries, rtt),
        }
    }

    /// Feeds a round-trip sample into the smoothed estimate (RFC 6298 style, gain 1/8).
    pub(crate) fn observe(&self, rtt: Option<Duration>) {
        let Some(rtt) = rtt else { return };
        let sample = u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX).max(1);
        let old = self.srtt_us.load(Ordering::Relaxed);
        let new = if old == 0 {
            sample
        } else {
            (old * 7 + sample) / 8
        };
        self.srtt_us.store(new.max(1), Ordering::Relaxed);
    }

    /// Request PDUs this session has asked so far (each GET, GETNEXT or GETBULK once, however
    /// often it was retransmitted).
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.pdus.load(Ordering::Relaxed)
    }

    /// Sends one request PDU and returns the response PDU, error-status turned into errors.
    pub async fn request(
        &self,
        pdu_type: PduType,
        varbinds: Vec<Varbind>,
        bulk: Option<(u32, u32)>,
    ) -> Result<Pdu> {
        self.pdus.fetch_add(1, Ordering::Relaxed);
        TOTAL_REQUESTS.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(
            peer = %self.target.addr,
            pdu = ?pdu_type,
            varbinds = varbinds.len(),
            first = %varbinds.first().map(|vb| vb.oid.to_string()).unwrap_or_default(),
            bulk = ?bulk,
            "request"
        );
        let pdu = match &self.usm {
            // Boxed: the v3 exchange (engine discovery, keys, encryption) is a large future
            // that community requests, thousands in flight during a sweep, need not carry.
            Some(usm) => Box::pin(usm.request(self, pdu_type, varbinds.clone(), bulk)).await?,
            None => self.community_request(pdu_type, &varbinds, bulk).await?,
        };
        check_status(self.target.addr, pdu, &varbinds)
    }

    async fn community_request(
        &self,
        pdu_type: PduType,
        varbinds: &[Varbind],
        bulk: Option<(u32, u32)>,
    ) -> Result<Pdu> {
        let (version, community) = match &self.target.credential {
            Credential::V1 { community } => (Version::V1, community),
            Credential::V2c { community } => (Version::V2c, community),
            Credential::V3(_) => return Err(SnmpError::InvalidRequest("v3 without USM state")),
        };
        let d = &self.client.dispatcher;
        // Each send gets an id of its own, so that a late answer is not taken for a loss.
        let encode = |id: i32| {
            let pdu = match bulk {
                Some((n, m)) => Pdu::bulk(id, n, m, varbinds.to_vec()),
                None => Pdu::request(pdu_type, id, varbinds.to_vec()),
            };
            CommunityMessage {
                version,
                community: community.clone(),
                pdu,
            }
            .encode()
        };
        let id = d.next_id();
        let bytes = encode(id);
        let peer = self.target.addr;
        let mut bad = None;
        let waits = self.waits();
        let request = self.dispatch(id, &bytes, Resend::Fresh(&encode), &waits);
        let result = d
            .exchange(request, |reply, routed| match message::decode(reply) {
                Ok(Message::Community(m))
                    if m.pdu.request_id == routed && m.pdu.pdu_type == PduType::Response =>
                {
                    Verdict::Done(m.pdu)
                }
                Ok(_) => Verdict::Ignore,
                Err(source) => {
                    bad = Some(source);
                    Verdict::Ignore
                }
            })
            .await;
        match (result, bad) {
            (Err(SnmpError::Timeout { .. }), Some(source)) => Err(SnmpError::Decode {
                peer,
                reason: source,
            }),
            (Ok(answer), _) => {
                self.observe(answer.rtt);
                Ok(answer.value)
            }
            (Err(e), _) => Err(e),
        }
    }
}

/// Turns a non-zero error-status into the matching error.
fn check_status(peer: SocketAddr, pdu: Pdu, asked: &[Varbind]) -> Result<Pdu> {
    match pdu.status() {
        ErrorStatus::NoError => Ok(pdu),
        ErrorStatus::TooBig => Err(SnmpError::TooBig { peer }),
        status => {
            let index = u32::try_from(pdu.error_index).unwrap_or(0);
            let oid = (index as usize)
                .checked_sub(1)
                .and_then(|i| asked.get(i))
                .map(|vb| vb.oid.clone());
            Err(SnmpError::ErrorStatus {
                peer,
                status,
                index,
                oid,
            })
        }
    }
}

/// Request PDUs all sessions of this process have asked (for the daemon's metrics).
static TOTAL_REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Request PDUs asked by every session of this process so far.
#[must_use]
pub fn total_requests() -> u64 {
    TOTAL_REQUESTS.load(Ordering::Relaxed)
}
