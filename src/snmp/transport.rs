//! The request dispatcher: one UDP socket per address family, shared by every request in flight.
//!
//! A request registers its id (v1/v2c request-id or v3 msgID, drawn from one counter so they never
//! collide) and peer, sends, and waits on a small bounded channel with a deadline. One receive task
//! per socket routes each datagram to the waiting request by id and peer. Thousands of requests in
//! flight therefore cost two file descriptors, not one each.
//!
//! A datagram without a readable id (garbage, a truncated or oversized message) cannot be
//! routed; the requests waiting on the peer that sent it remember why it does not decode, and
//! one that then gets no valid answer ends with that [`SnmpError::Decode`] instead of a timeout
//! that would blame the network or the community.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinHandle;

use super::ber::DecodeError;
use super::error::{Result, SnmpError};
use super::message::{self, peek_id};
use crate::net::{RateLimiter, lock};

/// Largest datagram we read.
const MAX_DATAGRAM: usize = 65_535;
/// Replies queued per request before extra ones (duplicates) are dropped.
const REPLY_QUEUE: usize = 4;

/// Settings of a [`Dispatcher`].
#[derive(Clone, Debug)]
pub struct DispatcherConfig {
    /// Local address of the IPv4 socket (port 0 = any).
    pub bind_v4: SocketAddr,
    /// Local address of the IPv6 socket.
    pub bind_v6: SocketAddr,
    /// Socket receive/send buffer size asked of the kernel (forced above the sysctl maximum when
    /// privileged), so bursts of replies are not dropped.
    pub buffer_size: usize,
    /// Most requests waiting for a reply at once; further requests wait for a slot.
    pub max_in_flight: usize,
    /// Paces every datagram sent (shared with the other probe kinds of a sweep).
    pub rate: RateLimiter,
}

impl Default for DispatcherConfig {
    fn default() -> Self {
        Self {
            bind_v4: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            bind_v6: SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
            buffer_size: 8 << 20,
            max_in_flight: 16_384,
            rate: RateLimiter::unlimited(),
        }
    }
}

/// An accepted reply.
pub struct Answer<T> {
    /// What the filter made of it.
    pub value: T,
    /// Round-trip time, when the reply answered the first send.
    pub rtt: Option<Duration>,
}

/// The waits of an exchange: `timeout` for each of `retries + 1` sends, or, once the peer's
/// round-trip time is known, a retransmission timer of a few RTTs (at least 100 ms) doubling up
/// to `timeout`, within the same total `timeout × (retries + 1)`. A lost datagram then costs a
/// fraction of a second instead of a whole timeout.
#[must_use]
pub fn schedule(timeout: Duration, retries: u32, rtt: Option<Duration>) -> Vec<Duration> {
    let sends = retries.saturating_add(1);
    let Some(rtt) = rtt else {
        return vec![timeout; sends as usize];
    };
    let budget = timeout.saturating_mul(sends);
    let floor = Duration::from_millis(100).min(timeout);
    let mut rto = (rtt * 4 + Duration::from_millis(20)).clamp(floor, timeout);
    let mut waits = Vec::with_capacity(8);
    let mut used = Duration::ZERO;
    while used < budget && waits.len() < 8 {
        let wait = rto.min(budget - used);
        waits.push(wait);
        used += wait;
        rto = (rto * 2).min(timeout);
    }
    waits
}

/// The waits of a first contact when the network's round-trip time is known from other peers
/// (a sweep): one early resend after a few RTTs (at most half the timeout), then the rest of the
/// timeout, then `retries` more full timeouts. A dead address still costs two datagrams and one
/// timeout per attempt; a first datagram lost in a burst costs a fraction of a second.
#[must_use]
pub fn first_contact(timeout: Duration, retries: u32, network_rtt: Duration) -> Vec<Duration> {
    let floor = Duration::from_millis(100).min(timeout / 2);
    let early = (network_rtt * 4 + Duration::from_millis(20)).clamp(floor, timeout / 2);
    let mut waits = vec![early, timeout - early];
    waits.extend(std::iter::repeat_n(timeout, retries as usize));
    waits
}

/// What a reply filter decides about one datagram.
pub enum Verdict<T> {
    /// This is the answer.
    Done(T),
    /// Not for us after all (e.g. failed to parse): keep waiting.
    Ignore,
    /// A definitive failure (e.g. an authentication report).
    Fail(SnmpError),
}

/// What reaches a waiting request.
enum Incoming {
    /// A datagram from the peer with the request's id.
    Datagram(Vec<u8>),
    /// The network refused the request (ICMP unreachable); carries the errno.
    Refused(i32),
}

struct Waiter {
    peer: SocketAddr,
    tx: crate::net::mailbox::Sender<Incoming>,
    /// Why the first datagram from the peer that could not be routed did not decode.
    malformed: Option<DecodeError>,
}

struct Family {
    socket: Arc<UdpSocket>,
    task: JoinHandle<()>,
}

struct Inner {
    config: DispatcherConfig,
    v4: OnceCell<Family>,
    v6: OnceCell<Family>,
    waiters: Mutex<HashMap<i32, Waiter>>,
    next_id: AtomicU32,
    slots: Semaphore,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for fam in [self.v4.get(), self.v6.get()].into_iter().flatten() {
            fam.task.abort();
        }
    }
}

/// Sends requests and routes replies; cheap to clone (shared state).
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

impl Default for Dispatcher {
    fn default() -> Self {
        Self::new(DispatcherConfig::default())
    }
}

/// Removes a waiter when its request ends, however it ends.
struct Registration<'a> {
    inner: &'a Inner,
    id: i32,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        lock(&self.inner.waiters).remove(&self.id);
    }
}

impl Registration<'_> {
    /// Why a datagram from the peer could not be routed, if one came.
    fn malformed(&self) -> Option<DecodeError> {
        lock(&self.inner.waiters)
            .get_mut(&self.id)
            .and_then(|w| w.malformed.take())
    }
}

impl Dispatcher {
    /// A dispatcher; sockets are opened on first use of each address family.
    #[must_use]
    pub fn new(config: DispatcherConfig) -> Self {
        let slots = Semaphore::new(config.max_in_flight.max(1));
        let seed: u32 = rand::random::<u32>() & 0x3fff_ffff;
        Self {
            inner: Arc::new(Inner {
                config,
                v4: OnceCell::new(),
                v6: OnceCell::new(),
                waiters: Mutex::new(HashMap::new()),
                next_id: AtomicU32::new(seed.max(1)),
                slots,
            }),
        }
    }

    /// A fresh request id / msgID, positive and unique among requests in flight.
    #[must_use]
    pub fn next_id(&self) -> i32 {
        loop {
            let v = self.inner.next_id.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff;
            if v != 0 {
                return i32::try_from(v).unwrap_or(1);
            }
        }
    }

    /// Requests currently waiting for a reply.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.waiters).len()
    }

    async fn family(&self, peer: SocketAddr) -> Result<&Family> {
        let (cell, bind) = if peer.is_ipv4() {
            (&self.inner.v4, self.inner.config.bind_v4)
        } else {
            (&self.inner.v6, self.inner.config.bind_v6)
        };
        cell.get_or_try_init(|| async {
            let socket = Arc::new(bind_socket(bind, self.inner.config.buffer_size).map_err(
                |reason| SnmpError::Io {
                    peer: bind,
                    op: "bind",
                    reason,
                },
            )?);
            let task = tokio::spawn(receive_loop(
                Arc::clone(&socket),
                Arc::downgrade(&self.inner),
            ));
            Ok(Family { socket, task })
        })
        .await
    }

    /// Sends `request` to `peer` and waits for a reply carrying `id`: `waits[0]` after the
    /// first send, then resends and waits `waits[1]`, and so on. Every datagram from `peer`
    /// with that id goes through `accept`; the first `Done` or `Fail` ends the exchange. Never
    /// waits longer than the sum of `waits` once a slot is free. Without an answer: a timeout,
    /// or [`SnmpError::Decode`] when the peer sent datagrams that could not be read.
    pub async fn exchange<T>(
        &self,
        peer: SocketAddr,
        id: i32,
        request: &[u8],
        waits: &[Duration],
        mut accept: impl FnMut(&[u8]) -> Verdict<T>,
    ) -> Result<Answer<T>> {
        let family = self.family(peer).await?;
        let _slot = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|_| SnmpError::InvalidRequest("dispatcher closed"))?;
        let (tx, mut rx) = crate::net::mailbox::mailbox(REPLY_QUEUE);
        lock(&self.inner.waiters).insert(
            id,
            Waiter {
                peer,
                tx,
                malformed: None,
            },
        );
        let registration = Registration {
            inner: &self.inner,
            id,
        };
        let mut waited = Duration::ZERO;
        for (attempt, wait) in waits.iter().enumerate() {
            self.inner.config.rate.acquire().await;
            send(&family.socket, request, peer).await?;
            let sent = tokio::time::Instant::now();
            let deadline = sent + *wait;
            waited += *wait;
            loop {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Err(_) => break,
                    Ok(None) => return Err(SnmpError::InvalidRequest("dispatcher closed")),
                    Ok(Some(Incoming::Refused(errno))) => {
                        return Err(SnmpError::Unreachable {
                            peer,
                            reason: std::io::Error::from_raw_os_error(errno),
                        });
                    }
                    Ok(Some(Incoming::Datagram(reply))) => match accept(&reply) {
                        Verdict::Done(value) => {
                            // Karn: a reply after a resend cannot tell which send it answers.
                            let rtt = (attempt == 0).then(|| sent.elapsed());
                            return Ok(Answer { value, rtt });
                        }
                        Verdict::Fail(e) => return Err(e),
                        Verdict::Ignore => {}
                    },
                }
            }
        }
        if let Some(reason) = registration.malformed() {
            return Err(SnmpError::Decode { peer, reason });
        }
        Err(SnmpError::Timeout {
            peer,
            attempts: u32::try_from(waits.len()).unwrap_or(u32::MAX),
            waited,
        })
    }
}

/// Sends one datagram. With `IP_RECVERR`, an ICMP error about an *earlier* datagram (to any
/// peer) can surface as the error of this send, which then did not go out: such errors are
/// read off (the receive task routes them) and the send is tried again, a bounded number of
/// times.
async fn send(socket: &UdpSocket, request: &[u8], peer: SocketAddr) -> Result<()> {
    let mut last = None;
    for _ in 0..16 {
        match crate::net::send_datagram(socket, request, peer).await {
            Ok(_) => return Ok(()),
            Err(e) if is_stale_icmp_error(&e) => last = Some(e),
            Err(reason) => {
                return Err(SnmpError::Io {
                    peer,
                    op: "send",
                    reason,
                });
            }
        }
    }
    Err(SnmpError::Io {
        peer,
        op: "send",
        reason: last.unwrap_or_else(|| std::io::Error::other("send kept failing")),
    })
}

fn is_stale_icmp_error(e: &std::io::Error) -> bool {
    use nix::errno::Errno;
    e.kind() == std::io::ErrorKind::ConnectionRefused
        || e.raw_os_error().is_some_and(|n| {
            [
                Errno::EHOSTUNREACH,
                Errno::ENETUNREACH,
                Errno::EHOSTDOWN,
                Errno::EPROTO,
            ]
            .iter()
            .any(|x| *x as i32 == n)
        })
}

/// A non-blocking UDP socket bound to `addr` with large buffers (IPv6 sockets are v6-only).
pub(crate) fn bind_socket(addr: SocketAddr, buffer: usize) -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = if addr.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let socket = Socket::new(domain, Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    set_buffers(&socket, buffer);
    crate::net::errqueue::enable(&socket, addr.is_ipv6());
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// Asks for large socket buffers: forced beyond `net.core.rmem_max` when privileged, else as
/// large as the sysctl allows. Failure only costs drops under bursts, so it is not an error.
fn set_buffers(socket: &socket2::Socket, size: usize) {
    use nix::sys::socket::{setsockopt, sockopt};
    if setsockopt(socket, sockopt::RcvBufForce, &size).is_err() {
        let _ = socket.set_recv_buffer_size(size);
    }
    if setsockopt(socket, sockopt::SndBufForce, &size).is_err() {
        let _ = socket.set_send_buffer_size(size);
    }
}

async fn receive_loop(socket: Arc<UdpSocket>, inner: std::sync::Weak<Inner>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let Some(inner) = inner.upgrade() else { return };
                match received {
                    Ok((n, from)) => route(&inner, from, &buf[..n]),
                    // With IP_RECVERR a refusal also fails the next receive: read the queue.
                    Err(_) => refused(&inner, &socket),
                }
            }
            ready = socket.ready(Interest::ERROR) => {
                let Some(inner) = inner.upgrade() else { return };
                if ready.is_ok_and(|r| r.is_error()) {
                    refused(&inner, &socket);
                }
            }
        }
    }
}

fn route(inner: &Inner, from: SocketAddr, datagram: &[u8]) {
    let Some((_, id)) = peek_id(datagram) else {
        unroutable(inner, from, datagram);
        return;
    };
    let waiters = lock(&inner.waiters);
    match waiters.get(&id) {
        Some(w) if same_peer(w.peer, from) => {
            // A full queue means duplicates nobody is reading: dropping them is right.
            let _ = w.tx.try_send(Incoming::Datagram(datagram.to_vec()));
        }
        Some(_) => tracing::debug!(%from, id, "reply from an unexpected address dropped"),
        None => tracing::trace!(%from, id, "late or unknown reply dropped"),
    }
}

/// A datagram without a readable id: the requests waiting on its sender note why it does not
/// decode (the first reason each), in case no valid answer comes. Such datagrams are rare, so
/// the waiters are scanned rather than indexed by peer on every request.
fn unroutable(inner: &Inner, from: SocketAddr, datagram: &[u8]) {
    let concerned = |w: &Waiter| same_peer(w.peer, from);
    if !lock(&inner.waiters).values().any(concerned) {
        tracing::trace!(%from, len = datagram.len(), "datagram that is not SNMP dropped");
        return;
    }
    // Decoded outside the lock; the waiters are looked up again after.
    let Err(reason) = message::decode(datagram) else {
        return;
    };
    tracing::debug!(%from, len = datagram.len(), %reason, "malformed datagram from an agent");
    for w in lock(&inner.waiters).values_mut() {
        if concerned(w) && w.malformed.is_none() {
            w.malformed = Some(reason.clone());
        }
    }
}

fn refused(inner: &Inner, socket: &UdpSocket) {
    for r in crate::net::errqueue::drain(socket) {
        let Some((_, id)) = peek_id(&r.payload) else {
            continue;
        };
        let waiters = lock(&inner.waiters);
        if let Some(w) = waiters.get(&id)
            && same_peer(w.peer, r.dest)
        {
            let _ = w.tx.try_send(Incoming::Refused(r.errno));
        }
    }
}

fn same_peer(expected: SocketAddr, from: SocketAddr) -> bool {
    if expected == from {
        return true;
    }
    // A v4-mapped v6 peer answers as such.
    match (expected, from) {
        (SocketAddr::V6(e), SocketAddr::V4(f)) => {
            e.ip().to_ipv4_mapped() == Some(*f.ip()) && e.port() == f.port()
        }
        (SocketAddr::V4(e), SocketAddr::V6(f)) => {
            f.ip().to_ipv4_mapped() == Some(*e.ip()) && e.port() == f.port()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_contact_resends_once_early_within_the_timeout() {
        let t = Duration::from_secs(1);
        let w = first_contact(t, 0, Duration::from_micros(200));
        assert_eq!(
            w,
            vec![Duration::from_millis(100), Duration::from_millis(900)]
        );
        let w = first_contact(t, 1, Duration::from_secs(5));
        assert_eq!(
            w,
            vec![Duration::from_millis(500), Duration::from_millis(500), t]
        );
    }

    #[test]
    fn schedule_without_rtt_is_timeout_per_send() {
        let t = Duration::from_secs(2);
        assert_eq!(schedule(t, 2, None), vec![t, t, t]);
    }

    #[test]
    fn schedule_with_rtt_resends_early_within_the_same_budget() {
        let t = Duration::from_secs(1);
        let w = schedule(t, 0, Some(Duration::from_millis(1)));
        assert_eq!(w[0], Duration::from_millis(100));
        assert_eq!(w[1], Duration::from_millis(200));
        assert_eq!(w[2], Duration::from_millis(400));
        assert_eq!(w.iter().sum::<Duration>(), t);
        let w = schedule(t, 1, Some(Duration::from_millis(300)));
        assert_eq!(w[0], Duration::from_secs(1));
        assert_eq!(w.iter().sum::<Duration>(), 2 * t);
        // A timeout below the floor is never exceeded.
        let short = Duration::from_millis(50);
        assert_eq!(
            schedule(short, 0, Some(Duration::from_millis(1))),
            vec![short]
        );
    }
}
