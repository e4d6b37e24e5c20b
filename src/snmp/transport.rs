//! The request dispatcher: one UDP socket per address family, shared by every request in flight.
//!
//! A request registers its id (v1/v2c request-id or v3 msgID, drawn from one counter so they never
//! collide) and peer, sends, and waits on a small bounded channel with a deadline. One receive task
//! per socket routes each datagram to the waiting request by id and peer. Thousands of requests in
//! flight therefore cost two file descriptors, not one each.
//!
//! An ICMP error about a request (nothing listens on the port, host unreachable) ends that
//! request alone with [`SnmpError::Unreachable`], found by the id and peer of the refused
//! datagram (read from the sockets' error queues, see `crate::net::errqueue`).
//!
//! A datagram without a readable id (garbage, a truncated or oversized message) cannot be
//! routed; the requests waiting on the peer that sent it remember why it does not decode, and
//! one that then gets no valid answer ends with that [`SnmpError::Decode`] instead of a timeout
//! that would blame the network or the community.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::ber::DecodeError;
use super::error::{Result, SnmpError};
use super::message::{self, peek_id};
pub use super::retransmit::{first_contact, schedule};
use super::window::Window;
use crate::net::errqueue::{Received, Refusal, SharedSocket};
use crate::net::{RateLimiter, lock};
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
    /// Round-trip time, when it is known which send the reply answered.
    pub rtt: Option<Duration>,
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
    /// A datagram from the peer with one of the request's ids (the one it carries).
    Datagram(i32, Vec<u8>),
    /// The network refused the request (ICMP unreachable); carries the errno.
    Refused(i32),
}

struct Waiter {
    peer: SocketAddr,
    /// Shared by the ids of one request (one per send when resends get fresh ids).
    tx: Arc<crate::net::mailbox::Sender<Incoming>>,
    /// Why the first datagram from the peer that could not be routed did not decode.
    malformed: Option<DecodeError>,
}

struct Family {
    socket: Arc<SharedSocket>,
    task: JoinHandle<()>,
}

struct Inner {
    config: DispatcherConfig,
    v4: OnceCell<Family>,
    v6: OnceCell<Family>,
    waiters: Mutex<HashMap<i32, Waiter>>,
    next_id: AtomicU32,
    slots: Semaphore,
    /// Requests to agents that answered before: see [`Window`].
    window: Window,
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

/// Removes a request's waiters (one per id) when it ends, however it ends.
struct Registration<'a> {
    inner: &'a Inner,
    peer: SocketAddr,
    tx: Arc<crate::net::mailbox::Sender<Incoming>>,
    /// Each send's id and when it left.
    ids: Vec<(i32, Instant)>,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut waiters = lock(&self.inner.waiters);
        for (id, _) in &self.ids {
            waiters.remove(id);
        }
    }
}

impl Registration<'_> {
    /// Routes the replies carrying `id` to the request.
    fn add(&mut self, id: i32) {
        lock(&self.inner.waiters).insert(
            id,
            Waiter {
                peer: self.peer,
                tx: Arc::clone(&self.tx),
                malformed: None,
            },
        );
        self.ids.push((id, Instant::now()));
    }

    /// When the request was first sent.
    fn first_sent(&self) -> Instant {
        self.ids.first().map_or_else(Instant::now, |(_, at)| *at)
    }

    /// Why a datagram from the peer could not be routed, if one came.
    fn malformed(&self) -> Option<DecodeError> {
        let mut waiters = lock(&self.inner.waiters);
        self.ids
            .iter()
            .find_map(|(id, _)| waiters.get_mut(id).and_then(|w| w.malformed.take()))
    }
}

/// How a request is sent again after a wait without an answer.
#[derive(Clone, Copy)]
pub enum Resend<'a> {
    /// The same datagram, with the same id (a v3 message is signed and counted by the agent).
    Same,
    /// Each send with an id of its own, its datagram built for that id by the function: a reply
    /// then tells which send it answers (a late answer is not a lost datagram).
    Fresh(&'a (dyn Fn(i32) -> Vec<u8> + Sync)),
}

/// One request for [`Dispatcher::exchange`].
pub struct Request<'a> {
    /// The agent.
    pub peer: SocketAddr,
    /// The id of the first datagram (request-id or msgID).
    pub id: i32,
    /// The first datagram.
    pub bytes: &'a [u8],
    /// How it is sent again.
    pub resend: Resend<'a>,
    /// The wait after each send: as many sends as waits.
    pub waits: &'a [Duration],
    /// The peer answered before: the request takes a place in the congestion window
    /// ([`Window`]) and tells it whether a datagram was lost.
    pub windowed: bool,
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
                window: Window::new(),
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

    /// The congestion window of requests to agents that answered before, in requests.
    #[must_use]
    pub fn window(&self) -> u32 {
        self.inner.window.size()
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
            let socket =
                bind_socket(bind, self.inner.config.buffer_size, true).map_err(|reason| {
                    SnmpError::Io {
                        peer: bind,
                        op: "bind",
                        reason,
                    }
                })?;
            let socket = Arc::new(SharedSocket::new(socket));
            let task = tokio::spawn(receive_loop(
                Arc::clone(&socket),
                Arc::downgrade(&self.inner),
            ));
            Ok(Family { socket, task })
        })
        .await
    }

    /// Sends the request and waits for a reply: `waits[0]` after the first send, then sends
    /// again and waits `waits[1]`, and so on. Every datagram from the peer carrying one of the
    /// request's ids goes through `accept` (with that id); the first `Done` or `Fail` ends the
    /// exchange. Never waits longer than the sum of the waits once a slot is free. Without an
    /// answer: a timeout, or [`SnmpError::Decode`] when the peer sent datagrams that could not
    /// be read.
    pub async fn exchange<T>(
        &self,
        request: Request<'_>,
        mut accept: impl FnMut(&[u8], i32) -> Verdict<T>,
    ) -> Result<Answer<T>> {
        let Request {
            peer,
            id,
            bytes,
            resend,
            waits,
            windowed,
        } = request;
        let family = self.family(peer).await?;
        let place = match windowed {
            true => Some(self.inner.window.enter().await),
            false => None,
        };
        let _slot = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|_| SnmpError::InvalidRequest("dispatcher closed"))?;
        let (tx, mut rx) = crate::net::mailbox::mailbox(REPLY_QUEUE);
        let mut registration = Registration {
            inner: &self.inner,
            peer,
            tx: Arc::new(tx),
            ids: Vec::with_capacity(waits.len()),
        };
        registration.add(id);
        let mut fresh: Vec<u8>;
        let mut waited = Duration::ZERO;
        for (attempt, wait) in waits.iter().enumerate() {
            let (this_id, datagram) = match resend {
                Resend::Fresh(encode) if attempt > 0 => {
                    let new = self.next_id();
                    registration.add(new);
                    fresh = encode(new);
                    (new, fresh.as_slice())
                }
                _ => (id, bytes),
            };
            self.inner.config.rate.acquire().await;
            send(&family.socket, datagram, peer).await?;
            let sent = Instant::now();
            // The time of each id's first send (a resend of the same id keeps it).
            if let Some(last) = registration.ids.last_mut()
                && (attempt == 0 || last.0 != id)
            {
                *last = (this_id, sent);
            }
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
                    Ok(Some(Incoming::Datagram(routed, reply))) => match accept(&reply, routed) {
                        Verdict::Done(value) => {
                            // The send it answers: told by its id when every send has its own;
                            // else (Karn) only a reply before any resend is known to answer
                            // the first.
                            let answered = match resend {
                                Resend::Fresh(_) => {
                                    registration.ids.iter().position(|(i, _)| *i == routed)
                                }
                                Resend::Same => (attempt == 0).then_some(0),
                            };
                            if place.is_some() {
                                match answered {
                                    Some(0) => self.inner.window.answered(),
                                    _ => self.inner.window.lost(registration.first_sent()),
                                }
                            }
                            let rtt = answered.map(|k| registration.ids[k].1.elapsed());
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
        if place.is_some() {
            self.inner.window.lost(registration.first_sent());
        }
        Err(SnmpError::Timeout {
            peer,
            attempts: u32::try_from(waits.len()).unwrap_or(u32::MAX),
            waited,
        })
    }
}

/// Sends one datagram. A pending error left by the refusal of an earlier datagram (to any
/// peer) does not fail it: [`SharedSocket::send_to`] tries again.
async fn send(socket: &SharedSocket, request: &[u8], peer: SocketAddr) -> Result<()> {
    socket
        .send_to(request, peer)
        .await
        .map(|_| ())
        .map_err(|reason| SnmpError::Io {
            peer,
            op: "send",
            reason,
        })
}

/// A non-blocking UDP socket bound to `addr` with large buffers (IPv6 sockets are v6-only); with
/// `refusals`, the ICMP errors about its datagrams are queued for a [`SharedSocket`] to read
/// (a socket whose error queue nothing reads must not ask for them: they would fill its receive
/// buffer and fail its sends).
pub(crate) fn bind_socket(
    addr: SocketAddr,
    buffer: usize,
    refusals: bool,
) -> std::io::Result<UdpSocket> {
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
    if refusals {
        crate::net::errqueue::enable(&socket, addr.is_ipv6());
    }
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

/// The receive task of a family: routes each datagram and each refusal to its waiter, until the
/// dispatcher is dropped.
async fn receive_loop(socket: Arc<SharedSocket>, inner: std::sync::Weak<Inner>) {
    socket
        .receive(|received| {
            let Some(inner) = inner.upgrade() else {
                return ControlFlow::Break(());
            };
            match received {
                Received::Datagram(from, datagram) => route(&inner, from, datagram),
                Received::Refused(refusal) => refused(&inner, &refusal),
            }
            ControlFlow::Continue(())
        })
        .await;
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
            let _ = w.tx.try_send(Incoming::Datagram(id, datagram.to_vec()));
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

/// Ends the request the network refused: the one with the id the refused datagram carried,
/// sent to that peer, and no other.
fn refused(inner: &Inner, refusal: &Refusal) {
    let Some((_, id)) = peek_id(&refusal.payload) else {
        return;
    };
    let waiters = lock(&inner.waiters);
    if let Some(w) = waiters.get(&id)
        && same_peer(w.peer, refusal.dest)
    {
        let _ = w.tx.try_send(Incoming::Refused(refusal.errno));
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
mod tests;
