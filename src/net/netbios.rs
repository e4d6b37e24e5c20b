//! NetBIOS node status (RFC 1002 NBSTAT query for the name `*`, as `nbtstat -A` sends) over one
//! shared UDP socket: the host's NetBIOS name, workgroup, logged-on user and adapter MAC.
//!
//! One receive task routes each reply to the waiting request by (address, transaction id); the
//! waiter parses it. An ICMP error about a query (port 137 closed, host unreachable) ends that
//! query alone, found by the address and transaction id of the refused datagram, so a host
//! without NetBIOS costs no timeout ([`NbOutcome::Refused`]). The destination port is
//! configurable (default 137) so tests can talk to the fake
//! [`responder`](crate::net::netbios::responder) on `127.0.0.1`. NetBIOS over TCP/IP is IPv4
//! only: IPv6 addresses get no answer without a packet being sent.
//!
//! Fields, as FusionInventory reads the name table: suffix 0x00 GROUP → workgroup, 0x03 UNIQUE →
//! user session, 0x00 UNIQUE → NetBIOS name (unless it starts with `IS~`, an IIS anonymous
//! account), the later entry winning when several match; the unit id → MAC (all-zero: none).
//! Names are trimmed and stripped of control characters; bytes that are not UTF-8 are read as
//! Latin-1.

/// The fake node status responder used by tests.
pub mod responder;

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use super::errqueue::{Received, Refusal, SharedSocket};
use super::rate::RateLimiter;
use super::{NetError, Result, is_unreachable_error, lock, require_runtime, set_buffers};

/// The NetBIOS name service port.
pub const NAME_SERVICE_PORT: u16 = 137;
/// RR type NBSTAT.
const TYPE_NBSTAT: u16 = 0x0021;
/// RR class IN.
const CLASS_IN: u16 = 0x0001;
/// Header: transaction id, flags, four counts.
const HEADER: usize = 12;
/// Flags bit of a response.
const FLAG_RESPONSE: u16 = 0x8000;
/// Name flags: group name, active.
const NAME_GROUP: u16 = 0x8000;
const NAME_ACTIVE: u16 = 0x0400;
/// One name table entry: 15 characters, suffix, flags.
const ENTRY: usize = 18;
/// Replies queued per request before duplicates are dropped.
const REPLY_QUEUE: usize = 2;
/// Pause after a failed receive (of the test responder), so a persistent error cannot spin it.
const RECEIVE_ERROR_PAUSE: Duration = Duration::from_millis(10);
/// Transaction ids are 16 bits: keep in-flight requests below that per address.
const MAX_IN_FLIGHT_LIMIT: usize = 60_000;

/// One entry of a node's name table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NbName {
    /// The name, trimmed and sanitised.
    pub name: String,
    /// The 16th byte: 0x00 workstation / domain, 0x03 messenger (user), 0x20 file server…
    pub suffix: u8,
    /// A group name (else unique).
    pub group: bool,
}

/// What a node status reply tells about a host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NbStatus {
    /// NETBIOSNAME: suffix 0x00 unique name.
    pub name: Option<String>,
    /// WORKGROUP: suffix 0x00 group name.
    pub workgroup: Option<String>,
    /// USERSESSION: suffix 0x03 unique name.
    pub user: Option<String>,
    /// MAC from the unit id, lower-case with colons; `None` when absent or all zero.
    pub mac: Option<String>,
    /// The whole name table.
    pub names: Vec<NbName>,
}

/// How a node status query ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NbOutcome {
    /// The node answered.
    Status(NbStatus),
    /// The network refused this query with an ICMP error (port 137 closed: `ECONNREFUSED`;
    /// host unreachable…): the errno the kernel reported.
    Refused(i32),
    /// Nothing (parsable) came back within the timeout, or the address is IPv6.
    NoAnswer,
}

/// The NBSTAT request for `*` with transaction id `trn_id` (50 bytes).
#[must_use]
pub fn node_status_request(trn_id: u16) -> Vec<u8> {
    let mut p = Vec::with_capacity(50);
    p.extend_from_slice(&trn_id.to_be_bytes());
    // Flags 0 (query, no recursion), one question.
    p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    p.extend_from_slice(&wildcard_name());
    p.extend_from_slice(&TYPE_NBSTAT.to_be_bytes());
    p.extend_from_slice(&CLASS_IN.to_be_bytes());
    p
}

/// `*` padded with NULs, first-level encoded (RFC 1001 §14.1) as one 32-byte label.
fn wildcard_name() -> [u8; 34] {
    let mut raw = [0u8; 16];
    raw[0] = b'*';
    let mut out = [0u8; 34];
    out[0] = 32;
    for (i, b) in raw.iter().enumerate() {
        out[1 + 2 * i] = b'A' + (b >> 4);
        out[2 + 2 * i] = b'A' + (b & 0x0f);
    }
    out
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// The transaction id of a name service response (flags bit 15 set).
#[must_use]
pub fn response_id(packet: &[u8]) -> Option<u16> {
    let flags = be16(packet, 2)?;
    if packet.len() < HEADER || flags & FLAG_RESPONSE == 0 {
        return None;
    }
    be16(packet, 0)
}

/// Skips an encoded domain name at `at`, returning the offset after it.
fn skip_name(packet: &[u8], mut at: usize) -> Option<usize> {
    // A name has at most 127 labels in 255 bytes; bound the walk regardless of the bytes.
    for _ in 0..128 {
        let len = *packet.get(at)?;
        match len {
            0 => return at.checked_add(1),
            l if l & 0xc0 == 0xc0 => {
                packet.get(at + 1)?;
                return at.checked_add(2);
            }
            l if l & 0xc0 != 0 => return None,
            l => at = at.checked_add(1 + usize::from(l))?,
        }
    }
    None
}

/// Parses a node status response: the NBSTAT answer's name table and unit id. `None` for
/// anything else (a query, an error response, a truncated or malformed packet).
#[must_use]
pub fn parse_node_status(packet: &[u8]) -> Option<NbStatus> {
    response_id(packet)?;
    let flags = be16(packet, 2)?;
    if flags & 0x000f != 0 || (flags >> 11) & 0x0f != 0 {
        return None; // error rcode, or not a query opcode
    }
    let (questions, answers) = (be16(packet, 4)?, be16(packet, 6)?);
    let mut at = HEADER;
    for _ in 0..questions {
        at = skip_name(packet, at)?.checked_add(4)?;
    }
    for _ in 0..answers {
        at = skip_name(packet, at)?;
        let kind = be16(packet, at)?;
        let len = usize::from(be16(packet, at + 8)?);
        let start = at + 10;
        // A length running past the datagram is read as "the rest".
        let end = start.checked_add(len)?.min(packet.len());
        let rdata = packet.get(start..end)?;
        if kind == TYPE_NBSTAT {
            return Some(parse_rdata(rdata));
        }
        at = end;
    }
    None
}

fn parse_rdata(rdata: &[u8]) -> NbStatus {
    let count = rdata.first().map_or(0, |&n| usize::from(n));
    let table = rdata.get(1..).unwrap_or_default();
    let mut status = NbStatus::default();
    for entry in table.chunks_exact(ENTRY).take(count) {
        let flags = u16::from_be_bytes([entry[16], entry[17]]);
        let name = NbName {
            name: sanitize(&entry[..15]),
            suffix: entry[15],
            group: flags & NAME_GROUP != 0,
        };
        let value = (!name.name.is_empty()).then(|| name.name.clone());
        match (name.suffix, name.group) {
            (0x00, true) => status.workgroup = value,
            (0x03, false) => status.user = value,
            (0x00, false) if !name.name.starts_with("IS~") => status.name = value,
            _ => {}
        }
        status.names.push(name);
    }
    let mac_at = 1 + ENTRY * count.min(table.len() / ENTRY);
    status.mac = rdata
        .get(mac_at..mac_at + 6)
        .filter(|m| m.iter().any(|&b| b != 0))
        .map(|m| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        });
    status
}

/// A name's characters: UTF-8 if valid, else Latin-1; control characters removed; trimmed.
fn sanitize(raw: &[u8]) -> String {
    let text = match std::str::from_utf8(raw) {
        Ok(s) => s.to_owned(),
        Err(_) => raw.iter().map(|&b| char::from(b)).collect(),
    };
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    clean.trim().to_owned()
}

/// Settings of a [`NetbiosClient`].
#[derive(Clone, Debug)]
pub struct NetbiosConfig {
    /// Destination port of the queries.
    pub port: u16,
    /// Local address of the socket (port 0 = any).
    pub bind: SocketAddr,
    /// Socket buffer size asked of the kernel.
    pub buffer_size: usize,
    /// Most requests waiting for an answer at once (at most 60,000); further requests wait.
    pub max_in_flight: usize,
    /// Paces the packets sent (shared with the other probe kinds).
    pub rate: RateLimiter,
}

impl Default for NetbiosConfig {
    fn default() -> Self {
        Self {
            port: NAME_SERVICE_PORT,
            bind: SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
            buffer_size: 4 << 20,
            max_in_flight: 16_384,
            rate: RateLimiter::unlimited(),
        }
    }
}

/// Sends node status queries and routes their answers; cheap to clone (clones share the socket).
///
/// Must be created inside a tokio runtime; its receive task ends when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct NetbiosClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    socket: Arc<SharedSocket>,
    task: JoinHandle<()>,
    shared: Arc<Shared>,
    slots: Semaphore,
    port: u16,
    rate: RateLimiter,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct Shared {
    table: Mutex<Table>,
    tickets: AtomicU64,
}

#[derive(Debug)]
struct Table {
    waiters: HashMap<(Ipv4Addr, u16), Waiter>,
    next: u16,
}

#[derive(Debug)]
struct Waiter {
    ticket: u64,
    tx: crate::net::mailbox::Sender<Incoming>,
}

/// What reaches a waiting query.
#[derive(Debug)]
enum Incoming {
    /// A response from the queried address with the query's transaction id.
    Reply(Vec<u8>),
    /// The network refused the query (an ICMP error about it); the errno.
    Refused(i32),
}

/// Removes a waiter when its request ends, however it ends.
struct Registration<'a> {
    shared: &'a Shared,
    key: (Ipv4Addr, u16),
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

impl NetbiosClient {
    /// A client with its socket bound as `config` says.
    ///
    /// # Errors
    /// [`NetError::Io`] when the socket cannot be bound, [`NetError::NoRuntime`] outside a tokio
    /// runtime.
    pub fn new(config: NetbiosConfig) -> Result<Self> {
        require_runtime("NetbiosClient")?;
        let socket = bind(config.bind, config.buffer_size).map_err(|source| NetError::Io {
            op: "bind NetBIOS socket",
            source,
        })?;
        let socket = Arc::new(SharedSocket::new(socket));
        let shared = Arc::new(Shared {
            table: Mutex::new(Table {
                waiters: HashMap::new(),
                next: rand::random(),
            }),
            tickets: AtomicU64::new(0),
        });
        let task = tokio::spawn(receive_loop(Arc::clone(&socket), Arc::clone(&shared)));
        Ok(Self {
            inner: Arc::new(Inner {
                socket,
                task,
                shared,
                slots: Semaphore::new(config.max_in_flight.clamp(1, MAX_IN_FLIGHT_LIMIT)),
                port: config.port,
                rate: config.rate,
            }),
        })
    }

    /// The local address of the shared socket.
    ///
    /// # Errors
    /// The OS error of `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.socket.local_addr()
    }

    /// Requests currently waiting for an answer.
    #[must_use]
    pub fn in_flight(&self) -> usize {
        lock(&self.inner.shared.table).waiters.len()
    }

    /// One node status query to `ip`; `Ok(None)` when nothing (parsable) answers within
    /// `timeout`, counted from the send (after any wait for the rate limiter or a slot), when the
    /// network refuses the query, or for an IPv6 address.
    ///
    /// # Errors
    /// Local failures only: a send refused by the kernel (e.g. `EACCES` for a broadcast address).
    pub async fn node_status(&self, ip: IpAddr, timeout: Duration) -> Result<Option<NbStatus>> {
        Ok(match self.query(ip, timeout).await? {
            NbOutcome::Status(status) => Some(status),
            NbOutcome::Refused(_) | NbOutcome::NoAnswer => None,
        })
    }

    /// One node status query to `ip`, telling a refusal from silence: ends with the node's
    /// answer, with the ICMP error about this very query (never one about another query), or
    /// after `timeout` counted from the send (after any wait for the rate limiter or a slot).
    ///
    /// # Errors
    /// As [`node_status`](Self::node_status).
    pub async fn query(&self, ip: IpAddr, timeout: Duration) -> Result<NbOutcome> {
        let IpAddr::V4(ip) = ip.to_canonical() else {
            return Ok(NbOutcome::NoAnswer);
        };
        let _slot = self
            .inner
            .slots
            .acquire()
            .await
            .map_err(|_| NetError::Unsupported {
                what: "NetBIOS",
                reason: "client closed",
            })?;
        let shared = &*self.inner.shared;
        let (tx, mut rx) = crate::net::mailbox::mailbox(REPLY_QUEUE);
        let ticket = shared.tickets.fetch_add(1, Ordering::Relaxed);
        let key = {
            let mut table = lock(&shared.table);
            let mut key = (ip, 0);
            // Fewer requests than ids are ever in flight (the slots), so this finds a free one.
            for _ in 0..=u32::from(u16::MAX) {
                key.1 = table.next;
                table.next = table.next.wrapping_add(1);
                if !table.waiters.contains_key(&key) {
                    break;
                }
            }
            table.waiters.insert(key, Waiter { ticket, tx });
            key
        };
        let _registration = Registration {
            shared,
            key,
            ticket,
        };
        self.inner.rate.acquire().await;
        let peer = SocketAddr::from((ip, self.inner.port));
        let request = node_status_request(key.1);
        match self.inner.socket.send_to(&request, peer).await {
            Ok(_) => {}
            // No route to the address: nothing can answer.
            Err(source) if is_unreachable_error(&source) => return Ok(NbOutcome::NoAnswer),
            Err(source) => {
                return Err(NetError::Io {
                    op: "send NetBIOS node status request",
                    source,
                });
            }
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(Incoming::Refused(errno))) => return Ok(NbOutcome::Refused(errno)),
                Ok(Some(Incoming::Reply(reply))) => {
                    if let Some(status) = parse_node_status(&reply) {
                        return Ok(NbOutcome::Status(status));
                    }
                    tracing::debug!(%ip, len = reply.len(), "malformed NetBIOS reply ignored");
                }
                Ok(None) | Err(_) => return Ok(NbOutcome::NoAnswer),
            }
        }
    }
}

/// A non-blocking UDP socket bound to `addr` with large buffers.
fn bind(addr: SocketAddr, buffer: usize) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    set_buffers(&socket, buffer);
    super::errqueue::enable(&socket, addr.is_ipv6());
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

/// The receive task: routes each response and each refusal to its waiter by (address,
/// transaction id), until the client is dropped.
async fn receive_loop(socket: Arc<SharedSocket>, shared: Arc<Shared>) {
    socket
        .receive(|received| {
            match received {
                Received::Datagram(from, datagram) => deliver(&shared, from, datagram),
                Received::Refused(refusal) => refused(&shared, &refusal),
            }
            ControlFlow::Continue(())
        })
        .await;
}

fn deliver(shared: &Shared, from: SocketAddr, datagram: &[u8]) {
    let (IpAddr::V4(ip), Some(id)) = (from.ip().to_canonical(), response_id(datagram)) else {
        tracing::trace!(%from, len = datagram.len(), "datagram that is not a NetBIOS response dropped");
        return;
    };
    let table = lock(&shared.table);
    if let Some(waiter) = table.waiters.get(&(ip, id)) {
        // A full queue holds duplicates nobody is reading: dropping them is right.
        let _ = waiter.tx.try_send(Incoming::Reply(datagram.to_vec()));
    } else {
        tracing::trace!(%from, id, "late or unknown NetBIOS reply dropped");
    }
}

/// Ends the query the network refused (port 137 closed, host unreachable…): the one to that
/// address with the transaction id the refused datagram carried, and no other.
fn refused(shared: &Shared, refusal: &Refusal) {
    let (IpAddr::V4(ip), Some(id)) = (refusal.dest.ip().to_canonical(), trn_id(&refusal.payload))
    else {
        return;
    };
    if let Some(waiter) = lock(&shared.table).waiters.get(&(ip, id)) {
        let _ = waiter.tx.try_send(Incoming::Refused(refusal.errno));
    }
}

fn trn_id(request: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*request.first()?, *request.get(1)?]))
}

#[cfg(test)]
mod tests;
