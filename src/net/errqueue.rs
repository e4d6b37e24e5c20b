//! ICMP errors about our own datagrams (port or host unreachable), read from the socket's
//! error queue (`IP_RECVERR`), so a request to a closed port ends at once instead of timing out.

use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, SockaddrLike, SockaddrStorage, recvmsg, setsockopt, sockopt,
};
use tokio::io::Interest;
use tokio::net::UdpSocket;

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

/// Reads every queued error without blocking.
pub(crate) fn drain(socket: &UdpSocket) -> Vec<Refusal> {
    let mut out = Vec::new();
    // Bounded: the queue holds what arrived; a few thousand at most per wake-up.
    for _ in 0..4096 {
        match socket.try_io(Interest::ERROR, || read_one(socket)) {
            Ok(Some(r)) => out.push(r),
            Ok(None) => {}
            Err(_) => break,
        }
    }
    out
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
