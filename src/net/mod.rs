//! The non-SNMP probes of discovery: ICMP ping, NetBIOS node status, the kernel's neighbour
//! table, reverse DNS, and the packet-rate limiter every probe kind shares.
//!
//! Wire formats and sockets only, no policy: each probe answers one question about one address,
//! and the sweep engine decides what to run, with which deadline, and how to merge the answers
//! into a device. Like the SNMP dispatcher ([`crate::snmp::transport`]), every probe kind uses one
//! socket per address family shared by all requests in flight, with a receive task routing
//! replies to waiters by (peer, id) over bounded channels, so thousands of addresses in flight
//! cost a handful of file descriptors.
//!
//! Privileges: ICMP needs root or `CAP_NET_RAW` (raw sockets, echo + timestamp), or else a
//! `net.ipv4.ping_group_range` that includes the process's group (ping sockets, echo only);
//! without either, [`Pinger::new`] returns [`NetError::NoPrivilege`]. NetBIOS, the neighbour
//! table and DNS need nothing.
//!
//! ```no_run
//! use std::time::Duration;
//! use sonde::net::{NetError, PingOutcome, Pinger};
//! # async fn example() -> Result<(), NetError> {
//! let pinger = Pinger::new()?;
//! match pinger.ping("127.0.0.1".parse().unwrap(), Duration::from_secs(1)).await? {
//!     PingOutcome::Reply { rtt, kind } => { /* alive */ }
//!     PingOutcome::Unreachable { .. } | PingOutcome::Timeout => { /* no answer */ }
//! }
//! # Ok(()) }
//! ```

use std::io;

/// Reverse DNS through the system resolver, bounded in concurrency and time.
pub mod dns;
/// A UDP socket shared by many requests, with the ICMP errors about its datagrams read from its
/// error queue (`IP_RECVERR`).
pub(crate) mod errqueue;
/// ICMP echo and timestamp over one shared raw (or ping) socket per address family.
pub mod icmp;
/// A light bounded queue from a receive task to one waiting request.
pub mod mailbox;
/// The kernel's neighbour (ARP / NDP) table.
pub mod neighbors;
/// RFC 1002 NetBIOS node status over one shared UDP socket, and a fake responder for tests.
pub mod netbios;
/// The token-bucket packet-rate limiter shared by every probe kind.
pub mod rate;

pub use dns::ReverseDns;
pub use icmp::{IcmpMode, PingKind, PingOutcome, Pinger, PingerConfig};
pub use neighbors::{parse_ip_neigh, parse_proc_net_arp, read_arp_table, read_ipv6_neighbors};
pub use netbios::{NbName, NbOutcome, NbStatus, NetbiosClient, NetbiosConfig};
pub use rate::RateLimiter;

/// Locks a mutex whose critical sections are single inserts, removes or swaps: a panic in
/// another holder cannot leave the data inconsistent, so a poisoned lock is still usable.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Result of probe operations.
pub type Result<T> = std::result::Result<T, NetError>;

/// Why a probe could not be made (a host that does not answer is not an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The socket needs privileges the process lacks.
    #[error(
        "{what} needs root, CAP_NET_RAW, or a net.ipv4.ping_group_range with the process's group"
    )]
    NoPrivilege {
        /// The probe kind, e.g. `"ICMP"`.
        what: &'static str,
        /// The OS error of the last attempt.
        source: io::Error,
    },
    /// A socket operation failed.
    #[error("{op} failed: {source}")]
    Io {
        /// The operation, e.g. `"send ICMP echo"`.
        op: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// The probe cannot be made here, e.g. ICMP timestamp over a ping socket, or IPv6 on a host
    /// without it.
    #[error("{what} is not available: {reason}")]
    Unsupported {
        /// The probe.
        what: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A prober was created outside a tokio runtime.
    #[error("{what} must be created inside a tokio runtime")]
    NoRuntime {
        /// The prober.
        what: &'static str,
    },
}

/// Whether an OS error means "not allowed" rather than "broken".
pub(crate) fn is_permission_error(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::PermissionDenied
        || matches!(
            e.raw_os_error(),
            Some(code) if code == nix::libc::EPERM || code == nix::libc::EACCES
        )
}

/// Send errors that mean "no route to this host" rather than a local fault.
pub(crate) fn is_unreachable_error(e: &io::Error) -> bool {
    use nix::libc::{EHOSTDOWN, EHOSTUNREACH, ENETDOWN, ENETUNREACH};
    matches!(
        e.raw_os_error(),
        Some(c) if c == ENETUNREACH || c == EHOSTUNREACH || c == EHOSTDOWN || c == ENETDOWN
    )
}

/// Fails with [`NetError::NoRuntime`] outside a tokio runtime (where creating sockets or spawning
/// the receive task would panic).
pub(crate) fn require_runtime(what: &'static str) -> Result<()> {
    tokio::runtime::Handle::try_current()
        .map(|_| ())
        .map_err(|_| NetError::NoRuntime { what })
}

/// Asks for large socket buffers: forced beyond `net.core.rmem_max` when privileged, else as
/// large as the sysctl allows. Failure only costs drops under bursts, so it is not an error.
pub(crate) fn set_buffers(socket: &socket2::Socket, size: usize) {
    use nix::sys::socket::{setsockopt, sockopt};
    if setsockopt(socket, sockopt::RcvBufForce, &size).is_err() {
        let _ = socket.set_recv_buffer_size(size);
    }
    if setsockopt(socket, sockopt::SndBufForce, &size).is_err() {
        let _ = socket.set_send_buffer_size(size);
    }
}

/// Sends one datagram to `peer`. The same as `UdpSocket::send_to` without its address-lookup
/// state: a small future, which each of the thousands of requests in flight during a sweep
/// carries while it waits for its answer. (Not `poll_send_to`, which wakes only the last of
/// several tasks waiting to send on a shared socket.)
///
/// # Errors
/// As `UdpSocket::send_to`.
pub async fn send_datagram(
    socket: &tokio::net::UdpSocket,
    datagram: &[u8],
    peer: std::net::SocketAddr,
) -> io::Result<usize> {
    loop {
        match socket.try_send_to(datagram, peer) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => socket.writable().await?,
            sent => return sent,
        }
    }
}
