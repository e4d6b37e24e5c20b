//! ICMP ping: echo (IPv4 and IPv6) and timestamp (IPv4) requests over one shared socket per
//! address family, the way FusionInventory's `Net::Ping` probes an address.
//!
//! Sockets: a raw socket (`SOCK_RAW`, root or `CAP_NET_RAW`) is preferred because it can send
//! timestamp requests and sees destination-unreachable errors; without the privilege, an
//! unprivileged ping socket (`SOCK_DGRAM` + `IPPROTO_ICMP`, allowed when
//! `net.ipv4.ping_group_range` includes the process's group) does echo only and never sees
//! errors (a refused probe times out). With neither, [`Pinger::new`] fails with
//! [`NetError::NoPrivilege`].
//!
//! Routing: each request takes an (identifier, sequence) pair unique among requests in flight to
//! its address and waits on a one-shot channel; one receive task per socket parses every
//! incoming message ([`packet`](crate::net::icmp::packet)) and wakes the waiter keyed by
//! (address, identifier, sequence).
//! Echo payloads carry a per-[`Pinger`] random token, so other programs' pings are never taken
//! for ours. On raw sockets a kernel socket filter keeps out everything but replies and errors
//! (on loopback the kernel would otherwise also queue every request we send), and receive
//! buffers are enlarged so bursts of thousands of replies are not dropped. Ping sockets get
//! their identifier from the kernel, so there requests are keyed by sequence alone.

pub mod packet;
mod socket;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use socket2::Socket;
use tokio::net::UdpSocket;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use self::packet::Message;
use self::socket::open_family;
use super::rate::RateLimiter;
use super::{NetError, Result, is_unreachable_error, lock, require_runtime};

/// Largest packet we read.
const MAX_PACKET: usize = 65_535;
/// Pause after a failed receive, so a persistent socket error cannot spin the receive task.
const RECEIVE_ERROR_PAUSE: Duration = Duration::from_millis(10);
/// Requests in flight at once can never exceed the sequence space of one address.
const MAX_IN_FLIGHT_LIMIT: usize = 60_000;

/// Which kind of socket a [`Pinger`] uses for an address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IcmpMode {
    /// `SOCK_RAW`: echo, timestamp and destination-unreachable errors; root or `CAP_NET_RAW`.
    Raw,
    /// `SOCK_DGRAM` ping socket: echo only, errors not seen; `net.ipv4.ping_group_range`.
    Datagram,
}

/// The request that got an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingKind {
    /// ICMP echo (type 8 / ICMPv6 128).
    Echo,
    /// ICMP timestamp (type 13, IPv4 only).
    Timestamp,
}

/// How one probe ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingOutcome {
    /// The host answered.
    Reply {
        /// From sending the request to reading the reply off the socket.
        rtt: Duration,
        /// The request answered.
        kind: PingKind,
    },
    /// The network said the host cannot be reached: an ICMP destination-unreachable quoting our
    /// request (`from` is its sender, `code` its ICMP code), or a local routing failure at send
    /// time (both `None`). Ends the probe before its timeout.
    Unreachable {
        /// The router or host that sent the error.
        from: Option<IpAddr>,
        /// The ICMP (or ICMPv6) destination-unreachable code.
        code: Option<u8>,
    },
    /// No answer within the timeout.
    Timeout,
}

/// Settings of a [`Pinger`].
#[derive(Clone, Debug)]
pub struct PingerConfig {
    /// Force one kind of socket; `None` tries raw, then datagram.
    pub mode: Option<IcmpMode>,
    /// Receive/send buffer size asked of the kernel (forced beyond the sysctl maximum when
    /// privileged).
    pub buffer_size: usize,
    /// Most requests waiting for an answer at once (at most 60,000); further requests wait.
    pub max_in_flight: usize,
    /// Paces the packets sent (shared with the other probe kinds).
    pub rate: RateLimiter,
}

impl Default for PingerConfig {
    fn default() -> Self {
        Self {
            mode: None,
            buffer_size: 8 << 20,
            max_in_flight: 16_384,
            rate: RateLimiter::unlimited(),
        }
    }
}

/// Sends ICMP probes and routes their answers; cheap to clone (clones share the sockets).
///
/// Must be created inside a tokio runtime; its receive tasks end when the last clone is dropped.
#[derive(Clone)]
pub struct Pinger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pinger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pinger")
            .field("v4", &self.inner.v4.mode)
            .field("v6", &self.inner.v6.as_ref().map(|f| f.mode))
            .finish_non_exhaustive()
    }
}

struct Family {
    socket: Arc<UdpSocket>,
    mode: IcmpMode,
    task: JoinHandle<()>,
}

struct Inner {
    v4: Family,
    /// The IPv6 socket, or why there is none.
    v6: std::result::Result<Family, &'static str>,
    shared: Arc<Shared>,
    slots: Semaphore,
    rate: RateLimiter,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.v4.task.abort();
        if let Ok(f) = &self.v6 {
            f.task.abort();
        }
    }
}

/// What the receive tasks share with the senders.
struct Shared {
    table: Mutex<Table>,
    /// Random bytes every echo request carries and every echo reply must echo.
    token: [u8; 8],
    tickets: AtomicU64,
}

struct Table {
    waiters: HashMap<Key, Waiter>,
    /// Next (identifier, sequence) candidate, as one 32-bit counter.
    next: u32,
}

/// A request in flight: the address, identifier (0 on ping sockets, where the kernel sets it)
/// and sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    ip: IpAddr,
    id: u16,
    seq: u16,
}

struct Waiter {
    kind: PingKind,
    /// Tells this request from a later one that reuses the key.
    ticket: u64,
    tx: oneshot::Sender<Event>,
}

enum Event {
    Reply(Instant),
    Unreachable { from: IpAddr, code: u8 },
}

/// Removes a waiter when its request ends, however it ends.
struct Registration<'a> {
    shared: &'a Shared,
    key: Key,
    ticket: u64,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut table = lock(&self.shared.table);
        if table.waiters.get(&self.key).map(|w| w.ticket) == Some(self.ticket) {
            table.waiters.remove(&self.key);
        }
    }
}

impl Pinger {
    /// A pinger with the default settings: raw sockets if permitted, else ping sockets.
    ///
    /// # Errors
    /// [`NetError::NoPrivilege`] when neither kind of IPv4 ICMP socket may be opened,
    /// [`NetError::NoRuntime`] outside a tokio runtime, [`NetError::Io`] otherwise.
    pub fn new() -> Result<Self> {
        Self::with_config(PingerConfig::default())
    }

    /// A pinger with `config`. IPv6 is optional: without an IPv6 ICMP socket, IPv6 probes fail
    /// with [`NetError::Unsupported`].
    ///
    /// # Errors
    /// As [`Pinger::new`].
    pub fn with_config(config: PingerConfig) -> Result<Self> {
        require_runtime("Pinger")?;
        let (v4, v4_mode) = open_family(false, config.mode, config.buffer_size)?;
        let v6 = match open_family(true, config.mode, config.buffer_size) {
            Ok(s) => Ok(s),
            Err(NetError::NoPrivilege { .. }) => Err("no privilege for an ICMPv6 socket"),
            Err(e) => {
                tracing::debug!(error = %e, "no ICMPv6 socket");
                Err("no ICMPv6 socket (IPv6 disabled?)")
            }
        };
        let mut seed = [0u8; 12];
        rand::fill(&mut seed);
        let [t0, t1, t2, t3, t4, t5, t6, t7, n0, n1, n2, n3] = seed;
        let shared = Arc::new(Shared {
            table: Mutex::new(Table {
                waiters: HashMap::new(),
                next: u32::from_be_bytes([n0, n1, n2, n3]),
            }),
            token: [t0, t1, t2, t3, t4, t5, t6, t7],
            tickets: AtomicU64::new(0),
        });
        let v4 = spawn_family(v4, v4_mode, false, &shared)?;
        let v6 = match v6 {
            Ok((socket, mode)) => spawn_family(socket, mode, true, &shared).map_err(|e| {
                tracing::debug!(error = %e, "no ICMPv6 socket");
                "ICMPv6 socket setup failed"
            }),
            Err(reason) => Err(reason),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                v4,
                v6,
                shared,
                slots: Semaphore::new(config.max_in_flight.clamp(1, MAX_IN_FLIGHT_LIMIT)),
                rate: config.rate,
            }),
        })
    }

    /// The kind of socket used for `ip`'s address family; `None` when that family has none.
    #[must_use]
    pub fn mode(&self, ip: IpAddr) -> Option<IcmpMode> {
        self.family(ip.to_canonical()).ok().map(|f| f.mode)
    }

    /// Whether [`Pinger::timestamp`] can probe `ip` (IPv4 over a raw socket).
    #[must_use]
    pub fn supports_timestamp(&self, ip: IpAddr) -> bool {
        ip.to_canonical().is_ipv4() && self.inner.v4.mode == IcmpMode::Raw
    }

    /// Requests currently waiting for an answer.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.shared.table).waiters.len()
    }

    /// FusionInventory's ping: one echo request; if it gets no answer within `timeout`, one
    /// timestamp request with the same timeout when the socket allows it (IPv4, raw). So this
    /// takes up to twice `timeout` for a silent host.
    ///
    /// # Errors
    /// Local failures only (a host that does not answer is [`PingOutcome::Timeout`]): no socket
    /// for the address family, or a send refused by the kernel (e.g. `EACCES` for a broadcast
    /// address).
    pub async fn ping(&self, ip: IpAddr, timeout: Duration) -> Result<PingOutcome> {
        let echo = self.echo(ip, timeout).await?;
        if echo == PingOutcome::Timeout && self.supports_timestamp(ip) {
            return self.timestamp(ip, timeout).await;
        }
        Ok(echo)
    }

    /// One echo request. `timeout` runs from the moment it is sent, after any wait for the rate
    /// limiter or an in-flight slot.
    ///
    /// # Errors
    /// As [`Pinger::ping`].
    pub async fn echo(&self, ip: IpAddr, timeout: Duration) -> Result<PingOutcome> {
        self.probe(ip.to_canonical(), PingKind::Echo, timeout).await
    }

    /// One timestamp request (RFC 792 type 13; IPv4 over a raw socket only).
    ///
    /// # Errors
    /// [`NetError::Unsupported`] for IPv6 or over a ping socket; otherwise as [`Pinger::ping`].
    pub async fn timestamp(&self, ip: IpAddr, timeout: Duration) -> Result<PingOutcome> {
        let ip = ip.to_canonical();
        if !self.supports_timestamp(ip) {
            return Err(NetError::Unsupported {
                what: "ICMP timestamp",
                reason: if ip.is_ipv6() {
                    "IPv6 has no timestamp message"
                } else {
                    "ping sockets send echo requests only; needs CAP_NET_RAW"
                },
            });
        }
        self.probe(ip, PingKind::Timestamp, timeout).await
    }

    fn family(&self, ip: IpAddr) -> Result<&Family> {
        if ip.is_ipv4() {
            return Ok(&self.inner.v4);
        }
        self.inner
            .v6
            .as_ref()
            .map_err(|&reason| NetError::Unsupported {
                what: "ICMPv6",
                reason,
            })
    }

    async fn probe(&self, ip: IpAddr, kind: PingKind, timeout: Duration) -> Result<PingOutcome> {
        let family = self.family(ip)?;
        let _slot = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|_| NetError::Unsupported {
                what: "ICMP",
                reason: "pinger closed",
            })?;
        let shared = &*self.inner.shared;
        let (key, ticket, rx) = shared.register(ip, family.mode, kind);
        let _registration = Registration {
            shared,
            key,
            ticket,
        };
        let request = match (kind, ip) {
            (PingKind::Timestamp, _) => {
                packet::timestamp_request(key.id, key.seq, ms_since_midnight())
            }
            (PingKind::Echo, IpAddr::V4(_)) => {
                packet::echo_request_v4(key.id, key.seq, &shared.token)
            }
            (PingKind::Echo, IpAddr::V6(_)) => {
                packet::echo_request_v6(key.id, key.seq, &shared.token)
            }
        };
        self.inner.rate.acquire().await;
        let sent = Instant::now();
        if let Err(e) = super::send_datagram(&family.socket, &request, SocketAddr::new(ip, 0)).await
        {
            if is_unreachable_error(&e) {
                return Ok(PingOutcome::Unreachable {
                    from: None,
                    code: None,
                });
            }
            return Err(NetError::Io {
                op: match kind {
                    PingKind::Echo => "send ICMP echo request",
                    PingKind::Timestamp => "send ICMP timestamp request",
                },
                source: e,
            });
        }
        match tokio::time::timeout_at(sent + timeout, rx).await {
            Ok(Ok(Event::Reply(at))) => Ok(PingOutcome::Reply {
                rtt: at.saturating_duration_since(sent),
                kind,
            }),
            Ok(Ok(Event::Unreachable { from, code })) => Ok(PingOutcome::Unreachable {
                from: Some(from),
                code: Some(code),
            }),
            // The sender is only dropped unanswered when the waiter is replaced, which the
            // ticket prevents; treat it as silence.
            Ok(Err(_)) | Err(_) => Ok(PingOutcome::Timeout),
        }
    }
}

impl Shared {
    /// Takes an (identifier, sequence) pair free for `ip` and registers a waiter for it.
    fn register(
        &self,
        ip: IpAddr,
        mode: IcmpMode,
        kind: PingKind,
    ) -> (Key, u64, oneshot::Receiver<Event>) {
        let (tx, rx) = oneshot::channel();
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let mut table = lock(&self.table);
        let mut key = Key { ip, id: 0, seq: 0 };
        // 65,536 consecutive counter values cover every sequence number, and fewer requests than
        // that are ever in flight (the slots), so a free pair is always found.
        for _ in 0..=u32::from(u16::MAX) {
            let n = table.next;
            table.next = n.wrapping_add(1);
            let [a, b, c, d] = n.to_be_bytes();
            key.id = match mode {
                IcmpMode::Raw => u16::from_be_bytes([a, b]),
                IcmpMode::Datagram => 0,
            };
            key.seq = u16::from_be_bytes([c, d]);
            if !table.waiters.contains_key(&key) {
                break;
            }
        }
        table.waiters.insert(key, Waiter { kind, ticket, tx });
        (key, ticket, rx)
    }

    /// Wakes the waiter a received message answers, if any.
    fn route(&self, from: IpAddr, message: Message<'_>, mode: IcmpMode, at: Instant) {
        let id_of = |id: u16| if mode == IcmpMode::Datagram { 0 } else { id };
        let (key, kind, event) = match message {
            Message::EchoReply { id, seq, payload } => {
                if !payload.starts_with(&self.token) {
                    tracing::trace!(%from, id, seq, "echo reply to someone else's request");
                    return;
                }
                let key = Key {
                    ip: from,
                    id: id_of(id),
                    seq,
                };
                (key, Some(PingKind::Echo), Event::Reply(at))
            }
            Message::TimestampReply { id, seq } => {
                let key = Key {
                    ip: from,
                    id: id_of(id),
                    seq,
                };
                (key, Some(PingKind::Timestamp), Event::Reply(at))
            }
            Message::Unreachable {
                code,
                target,
                id,
                seq,
            } => {
                let key = Key {
                    ip: target.to_canonical(),
                    id: id_of(id),
                    seq,
                };
                (key, None, Event::Unreachable { from, code })
            }
        };
        let mut table = lock(&self.table);
        if let Entry::Occupied(entry) = table.waiters.entry(key)
            && kind.is_none_or(|k| k == entry.get().kind)
        {
            // The waiter may have just timed out: nothing to do then.
            let _ = entry.remove().tx.send(event);
        }
    }
}

fn spawn_family(socket: Socket, mode: IcmpMode, v6: bool, shared: &Arc<Shared>) -> Result<Family> {
    let socket =
        UdpSocket::from_std(std::net::UdpSocket::from(socket)).map_err(|source| NetError::Io {
            op: "register ICMP socket",
            source,
        })?;
    let socket = Arc::new(socket);
    let task = tokio::spawn(receive_loop(
        Arc::clone(&socket),
        v6,
        mode,
        Arc::clone(shared),
    ));
    Ok(Family { socket, mode, task })
}

async fn receive_loop(socket: Arc<UdpSocket>, v6: bool, mode: IcmpMode, shared: Arc<Shared>) {
    let mut buf = vec![0u8; MAX_PACKET];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            Err(e) => {
                tracing::debug!(v6, error = %e, "ICMP receive failed");
                tokio::time::sleep(RECEIVE_ERROR_PAUSE).await;
                continue;
            }
        };
        let at = Instant::now();
        let Some(packet) = buf.get(..n) else { continue };
        let message = if v6 {
            packet::parse_v6(packet)
        } else {
            packet::parse_v4(packet, mode == IcmpMode::Raw)
        };
        if let Some(message) = message {
            shared.route(from.ip().to_canonical(), message, mode, at);
        }
    }
}

/// Milliseconds since midnight UT, the RFC 792 timestamp format.
fn ms_since_midnight() -> u32 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() % 86_400_000);
    u32::try_from(ms).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared() -> Shared {
        Shared {
            table: Mutex::new(Table {
                waiters: HashMap::new(),
                next: u32::MAX - 1,
            }),
            token: *b"01234567",
            tickets: AtomicU64::new(0),
        }
    }

    #[test]
    fn keys_are_unique_per_address_and_wrap() {
        let s = shared();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let (a, _, _rx_a) = s.register(ip, IcmpMode::Raw, PingKind::Echo);
        let (b, _, _rx_b) = s.register(ip, IcmpMode::Raw, PingKind::Echo);
        let (c, _, _rx_c) = s.register(ip, IcmpMode::Raw, PingKind::Echo);
        assert_eq!((a.id, a.seq), (0xffff, 0xfffe));
        assert_eq!((b.id, b.seq), (0xffff, 0xffff));
        assert_eq!((c.id, c.seq), (0, 0));
        // Ping sockets: the identifier is the kernel's, keys differ by sequence only.
        let mut seen = std::collections::HashSet::new();
        let mut keep = Vec::new();
        for _ in 0..70_000 {
            let (k, _, rx) = s.register(ip, IcmpMode::Datagram, PingKind::Echo);
            keep.push(rx);
            if keep.len() > 60_000 {
                break;
            }
            assert_eq!(k.id, 0);
            assert!(
                seen.insert(k.seq),
                "sequence {} reused while in flight",
                k.seq
            );
        }
    }

    #[tokio::test]
    async fn routes_replies_by_key_kind_and_token() {
        let s = shared();
        let ip: IpAddr = "127.0.0.9".parse().unwrap();
        let (key, _, mut rx) = s.register(ip, IcmpMode::Raw, PingKind::Echo);
        let now = Instant::now();
        // Wrong token, wrong kind, wrong address: all ignored.
        let bad_token = Message::EchoReply {
            id: key.id,
            seq: key.seq,
            payload: b"nope",
        };
        s.route(ip, bad_token, IcmpMode::Raw, now);
        let wrong_kind = Message::TimestampReply {
            id: key.id,
            seq: key.seq,
        };
        s.route(ip, wrong_kind, IcmpMode::Raw, now);
        let good = Message::EchoReply {
            id: key.id,
            seq: key.seq,
            payload: b"01234567",
        };
        s.route("127.0.0.8".parse().unwrap(), good, IcmpMode::Raw, now);
        assert!(rx.try_recv().is_err());
        s.route(ip, good, IcmpMode::Raw, now);
        assert!(matches!(rx.try_recv(), Ok(Event::Reply(_))));
        assert!(lock(&s.table).waiters.is_empty());

        // An unreachable error routes by the quoted destination, whatever the request kind.
        let (key, _, mut rx) = s.register(ip, IcmpMode::Raw, PingKind::Timestamp);
        let router: IpAddr = "127.0.0.254".parse().unwrap();
        let unreachable = Message::Unreachable {
            code: 1,
            target: ip,
            id: key.id,
            seq: key.seq,
        };
        s.route(router, unreachable, IcmpMode::Raw, now);
        assert!(
            matches!(rx.try_recv(), Ok(Event::Unreachable { from, code: 1 }) if from == router)
        );
    }

    #[test]
    fn registration_removes_only_its_own_waiter() {
        let s = shared();
        let ip: IpAddr = "::1".parse().unwrap();
        let (key, ticket, _rx) = s.register(ip, IcmpMode::Raw, PingKind::Echo);
        drop(Registration {
            shared: &s,
            key,
            ticket: ticket + 1,
        });
        assert_eq!(lock(&s.table).waiters.len(), 1);
        drop(Registration {
            shared: &s,
            key,
            ticket,
        });
        assert!(lock(&s.table).waiters.is_empty());
    }

    #[test]
    fn outside_a_runtime_is_an_error_not_a_panic() {
        assert!(matches!(Pinger::new(), Err(NetError::NoRuntime { .. })));
    }

    #[test]
    fn timestamps_are_within_a_day() {
        assert!(ms_since_midnight() < 86_400_000);
    }
}
