//! A UDP socket shared by every request in flight, with the ICMP errors about its datagrams
//! (port or host unreachable) read from its error queue (`IP_RECVERR`), so a request to a closed
//! port ends at once instead of timing out.
//!
//! The kernel reports each such error twice: as an entry of the error queue, which names the
//! datagram (destination and payload) and so the request it ends, and as the socket's pending
//! error, a single anonymous flag that fails whichever call comes next on the socket, a send for
//! another address or a receive, and is raised again by every read of the queue while entries
//! remain. [`SharedSocket`] keeps the flag from doing harm: a send it fails did not go out and is
//! tried again (with the queue's reads held off meanwhile, so they cannot raise the flag between
//! the tries), and the receive task reads the queue whenever the socket reports an error or a
//! receive fails with one. It waits for the socket's readiness itself rather than in
//! `recv_from`, which also wakes on errors and, when the flag was already taken by a send,
//! finds nothing and clears the error readiness while entries wait in the queue: entries that
//! nothing would read again until another error came.

use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::os::fd::AsRawFd;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, SockaddrLike, SockaddrStorage, recvmsg, setsockopt, sockopt,
};
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// Largest datagram read.
const MAX_DATAGRAM: usize = 65_535;
/// Datagrams read per wake-up before the receive task yields to others.
const RECEIVE_BATCH: usize = 256;
/// Queued errors read per hold of the exclusive lock (sends wait at most that long).
const DRAIN_CHUNK: usize = 64;
/// Chunks read per wake-up: what is left waits for the next one (the readiness stays set).
const DRAIN_CHUNKS: usize = 64;
/// Tries of one send failed by the errors of earlier datagrams. With the queue's reads held off,
/// each failure takes the pending error and only a refusal arriving between two tries raises it
/// again, so a few tries suffice; an error that persists is the send's own.
const SEND_ATTEMPTS: usize = 16;
/// Pause after an unexpected receive error, so a persistent one cannot spin the receive task.
const RECEIVE_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// A UDP socket with `IP_RECVERR` shared by many requests and one receive task.
#[derive(Debug)]
pub(crate) struct SharedSocket {
    socket: UdpSocket,
    /// Shared by sends, exclusive while the error queue is read: a read raises the pending
    /// error again while entries remain, which would fail the sends of the meantime.
    queue: RwLock<()>,
}

/// What the receive task read.
#[derive(Debug)]
pub(crate) enum Received<'a> {
    /// A datagram and its sender.
    Datagram(SocketAddr, &'a [u8]),
    /// An ICMP error about one of our datagrams.
    Refused(Refusal),
}

/// How a wake-up of the receive task ended.
enum Batch {
    /// Everything queued was read.
    Drained,
    /// More may be queued: read on after letting other tasks run.
    More,
    /// An unexpected receive error: pause.
    Failed,
    /// The handler asked to stop.
    Stop,
}

impl SharedSocket {
    /// Wraps a socket bound with [`enable`] called on it.
    pub(crate) fn new(socket: UdpSocket) -> Self {
        Self {
            socket,
            queue: RwLock::new(()),
        }
    }

    /// The local address.
    pub(crate) fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Sends one datagram to `peer`. A pending error left by a refusal of an earlier datagram
    /// (to any peer) fails a send, which then did not go out: it is tried again. An error that
    /// persists over the tries is this send's own (`EACCES` for a broadcast address,
    /// `ENETUNREACH` without a route…).
    ///
    /// # Errors
    /// As `UdpSocket::send_to`.
    pub(crate) async fn send_to(
        &self,
        datagram: &[u8],
        peer: SocketAddr,
    ) -> std::io::Result<usize> {
        let mut last = None;
        for _ in 0..SEND_ATTEMPTS {
            // As `super::send_datagram`: each wait for buffer space is a readiness event.
            let sent = loop {
                let sent = {
                    let _reads_held_off = self.queue.read().unwrap_or_else(PoisonError::into_inner);
                    self.socket.try_send_to(datagram, peer)
                };
                match sent {
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        self.socket.writable().await?;
                    }
                    sent => break sent,
                }
            };
            match sent {
                Err(e) if is_icmp_error(&e) => last = Some(e),
                sent => return sent,
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("send kept failing")))
    }

    /// The receive task: hands every datagram and every refusal to `handle` as they come, until
    /// `handle` breaks.
    pub(crate) async fn receive(&self, mut handle: impl FnMut(Received<'_>) -> ControlFlow<()>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            if self
                .socket
                .ready(Interest::READABLE | Interest::ERROR)
                .await
                .is_err()
            {
                // The runtime is shutting down; the task goes with it.
                tokio::time::sleep(RECEIVE_ERROR_PAUSE).await;
                continue;
            }
            match self.read_ready(&mut buf, &mut handle) {
                Batch::Drained => {}
                Batch::More => tokio::task::yield_now().await,
                Batch::Failed => tokio::time::sleep(RECEIVE_ERROR_PAUSE).await,
                Batch::Stop => return,
            }
        }
    }

    /// Reads, without waiting, the queued errors and then the datagrams, a bounded number.
    fn read_ready(
        &self,
        buf: &mut [u8],
        handle: &mut impl FnMut(Received<'_>) -> ControlFlow<()>,
    ) -> Batch {
        let mut emptied = match self.drain(handle) {
            Batch::Drained => true,
            Batch::More => false,
            stop_or_failed => return stop_or_failed,
        };
        for _ in 0..RECEIVE_BATCH {
            let flow = match self.socket.try_recv_from(buf) {
                Ok((n, from)) => match buf.get(..n) {
                    Some(datagram) => handle(Received::Datagram(from, datagram)),
                    None => ControlFlow::Continue(()),
                },
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    return if emptied { Batch::Drained } else { Batch::More };
                }
                // The pending error of a refusal, whose details are in the queue.
                Err(e) if is_icmp_error(&e) => match self.drain(handle) {
                    Batch::Drained => {
                        emptied = true;
                        ControlFlow::Continue(())
                    }
                    Batch::More => {
                        emptied = false;
                        ControlFlow::Continue(())
                    }
                    stop_or_failed => return stop_or_failed,
                },
                Err(e) => {
                    tracing::debug!(error = %e, "receive failed");
                    return Batch::Failed;
                }
            };
            if flow.is_break() {
                return Batch::Stop;
            }
        }
        Batch::More
    }

    /// Reads the error queue, handing each refusal to `handle`, until it is empty
    /// ([`Batch::Drained`]) or a bound ([`Batch::More`]). The read that finds it empty clears the
    /// error readiness; an entry queued after raises it again.
    fn drain(&self, handle: &mut impl FnMut(Received<'_>) -> ControlFlow<()>) -> Batch {
        let mut chunk = Vec::new();
        for _ in 0..DRAIN_CHUNKS {
            let mut end = None;
            {
                let _sends_held_off = self.queue.write().unwrap_or_else(PoisonError::into_inner);
                for _ in 0..DRAIN_CHUNK {
                    match self
                        .socket
                        .try_io(Interest::ERROR, || read_one(&self.socket))
                    {
                        Ok(Some(r)) => chunk.push(r),
                        Ok(None) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            end = Some(Batch::Drained);
                            break;
                        }
                        Err(e) => {
                            tracing::debug!(error = %e, "reading the error queue failed");
                            end = Some(Batch::Failed);
                            break;
                        }
                    }
                }
            }
            for r in chunk.drain(..) {
                if handle(Received::Refused(r)).is_break() {
                    return Batch::Stop;
                }
            }
            if let Some(end) = end {
                return end;
            }
        }
        Batch::More
    }
}

/// Errors an ICMP error about a datagram leaves pending on its socket (as the kernel converts
/// ICMP and ICMPv6 unreachable, parameter problem, time exceeded and packet too big).
pub(crate) fn is_icmp_error(e: &std::io::Error) -> bool {
    use nix::libc::{
        EACCES, ECONNREFUSED, EHOSTDOWN, EHOSTUNREACH, EMSGSIZE, ENETUNREACH, ENONET, ENOPROTOOPT,
        EOPNOTSUPP, EPROTO,
    };
    matches!(
        e.raw_os_error(),
        Some(
            ECONNREFUSED
                | EHOSTUNREACH
                | ENETUNREACH
                | EHOSTDOWN
                | ENONET
                | ENOPROTOOPT
                | EOPNOTSUPP
                | EMSGSIZE
                | EPROTO
                | EACCES
        )
    )
}

/// One datagram the network refused.
#[derive(Debug)]
pub(crate) struct Refusal {
    /// Where it was sent.
    pub(crate) dest: SocketAddr,
    /// Its payload (ours), to find the request it belongs to.
    pub(crate) payload: Vec<u8>,
    /// The errno the kernel reports (ECONNREFUSED for port unreachable, EHOSTUNREACH …).
    pub(crate) errno: i32,
}

/// Asks the kernel to queue ICMP errors about our datagrams. Failure only means refusals are
/// seen as timeouts, so it is not an error.
pub(crate) fn enable(socket: &socket2::Socket, v6: bool) {
    let r = if v6 {
        setsockopt(socket, sockopt::Ipv6RecvErr, &true)
    } else {
        setsockopt(socket, sockopt::Ipv4RecvErr, &true)
    };
    if let Err(e) = r {
        tracing::debug!(error = %e, "IP_RECVERR not available; unreachable ports will time out");
    }
}

fn read_one(socket: &UdpSocket) -> std::io::Result<Option<Refusal>> {
    let mut data = [0u8; 2048];
    let mut iov = [IoSliceMut::new(&mut data)];
    let mut cmsg = nix::cmsg_space!(libc_ext::SockExtendedErr, libc_ext::SockaddrIn6);
    let msg = recvmsg::<SockaddrStorage>(
        socket.as_raw_fd(),
        &mut iov,
        Some(&mut cmsg),
        MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT,
    )
    .map_err(std::io::Error::from)?;
    let mut errno = None;
    for c in msg.cmsgs().map_err(std::io::Error::from)? {
        match c {
            ControlMessageOwned::Ipv4RecvErr(e, _) | ControlMessageOwned::Ipv6RecvErr(e, _) => {
                errno = i32::try_from(e.ee_errno).ok();
            }
            _ => {}
        }
    }
    let dest = msg.address.as_ref().and_then(to_socket_addr);
    let len = msg.bytes;
    Ok(match (dest, errno) {
        (Some(dest), Some(errno)) => Some(Refusal {
            dest,
            payload: data[..len.min(data.len())].to_vec(),
            errno,
        }),
        _ => None,
    })
}

fn to_socket_addr(a: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(SocketAddr::from((v4.ip(), v4.port())));
    }
    if let Some(v6) = a.as_sockaddr_in6() {
        return Some(SocketAddr::from((v6.ip(), v6.port())));
    }
    let _ = a.family();
    None
}

/// Sizes for the control-message buffer (the kernel's structs, spelled out to avoid a direct
/// libc dependency).
mod libc_ext {
    /// `struct sock_extended_err`.
    #[allow(dead_code)]
    pub(super) struct SockExtendedErr {
        ee_errno: u32,
        ee_origin: u8,
        ee_type: u8,
        ee_code: u8,
        ee_pad: u8,
        ee_info: u32,
        ee_data: u32,
    }
    /// `struct sockaddr_in6`.
    #[allow(dead_code)]
    pub(super) struct SockaddrIn6 {
        family: u16,
        port: u16,
        flowinfo: u32,
        addr: [u8; 16],
        scope: u32,
    }
}
