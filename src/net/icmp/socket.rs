//! Opening the ICMP sockets: raw first (with a kernel filter that lets in only replies and
//! errors), else an unprivileged ping socket; permission failures become
//! [`NetError::NoPrivilege`].

use std::io;

use socket2::{Domain, Protocol, SockFilter, Socket, Type};

use super::IcmpMode;
use super::packet;
use crate::net::{NetError, Result, is_permission_error, set_buffers};

/// Opens the ICMP socket of one address family, raw first unless `mode` says otherwise.
pub(super) fn open_family(
    v6: bool,
    mode: Option<IcmpMode>,
    buffer: usize,
) -> Result<(Socket, IcmpMode)> {
    let candidates: &[IcmpMode] = match mode {
        Some(IcmpMode::Raw) => &[IcmpMode::Raw],
        Some(IcmpMode::Datagram) => &[IcmpMode::Datagram],
        None => &[IcmpMode::Raw, IcmpMode::Datagram],
    };
    let mut denied = None;
    let mut other = None;
    for &m in candidates {
        match open_socket(v6, m, buffer) {
            Ok(socket) => return Ok((socket, m)),
            Err(e) if is_permission_error(&e) => {
                tracing::debug!(v6, mode = ?m, error = %e, "ICMP socket not permitted");
                denied.get_or_insert(e);
            }
            Err(e) => {
                tracing::debug!(v6, mode = ?m, error = %e, "ICMP socket failed");
                other.get_or_insert(e);
            }
        }
    }
    Err(match (denied, other) {
        (Some(source), _) => NetError::NoPrivilege {
            what: "ICMP",
            source,
        },
        (None, Some(source)) => NetError::Io {
            op: "open ICMP socket",
            source,
        },
        (None, None) => NetError::Unsupported {
            what: "ICMP",
            reason: "no socket kind allowed",
        },
    })
}

pub(super) fn open_socket(v6: bool, mode: IcmpMode, buffer: usize) -> io::Result<Socket> {
    let (domain, protocol) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    let kind = match mode {
        IcmpMode::Raw => Type::RAW,
        IcmpMode::Datagram => Type::DGRAM,
    };
    let socket = Socket::new(domain, kind, Some(protocol))?;
    socket.set_nonblocking(true)?;
    set_buffers(&socket, buffer);
    if mode == IcmpMode::Raw {
        let attached = if v6 {
            socket.attach_filter(&reply_filter_v6())
        } else {
            socket.attach_filter(&reply_filter_v4())
        };
        if let Err(e) = attached {
            // Only an optimisation: the parser ignores the same messages.
            tracing::debug!(v6, error = %e, "ICMP socket filter not attached");
        }
    }
    Ok(socket)
}

// Classic BPF opcodes (linux/filter.h).
const BPF_LD_B_ABS: u16 = 0x30;
const BPF_LD_B_IND: u16 = 0x50;
const BPF_LDX_B_MSH: u16 = 0xb1;
const BPF_JEQ_K: u16 = 0x15;
const BPF_RET_K: u16 = 0x06;
const ACCEPT: u32 = 0xffff;

/// Raw IPv4 sockets see the IP header: X = header length, then accept echo reply, timestamp
/// reply and destination unreachable.
fn reply_filter_v4() -> [SockFilter; 7] {
    [
        SockFilter::new(BPF_LDX_B_MSH, 0, 0, 0),
        SockFilter::new(BPF_LD_B_IND, 0, 0, 0),
        SockFilter::new(BPF_JEQ_K, 3, 0, u32::from(packet::V4_ECHO_REPLY)),
        SockFilter::new(BPF_JEQ_K, 2, 0, u32::from(packet::V4_TIMESTAMP_REPLY)),
        SockFilter::new(BPF_JEQ_K, 1, 0, u32::from(packet::V4_DEST_UNREACHABLE)),
        SockFilter::new(BPF_RET_K, 0, 0, 0),
        SockFilter::new(BPF_RET_K, 0, 0, ACCEPT),
    ]
}

/// Raw IPv6 sockets start at the ICMPv6 header: accept echo reply and destination unreachable.
fn reply_filter_v6() -> [SockFilter; 5] {
    [
        SockFilter::new(BPF_LD_B_ABS, 0, 0, 0),
        SockFilter::new(BPF_JEQ_K, 2, 0, u32::from(packet::V6_ECHO_REPLY)),
        SockFilter::new(BPF_JEQ_K, 1, 0, u32::from(packet::V6_DEST_UNREACHABLE)),
        SockFilter::new(BPF_RET_K, 0, 0, 0),
        SockFilter::new(BPF_RET_K, 0, 0, ACCEPT),
    ]
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::net::UdpSocket;

    use super::*;

    #[tokio::test]
    async fn raw_socket_filter_keeps_requests_out() {
        for (v6, dst) in [(false, "127.0.0.1"), (true, "::1")] {
            let Ok(socket) = open_socket(v6, IcmpMode::Raw, 1 << 20) else {
                continue; // no privilege: nothing to check
            };
            let socket = UdpSocket::from_std(std::net::UdpSocket::from(socket)).unwrap();
            let (request, reply_type, request_type) = if v6 {
                (packet::echo_request_v6(1, 1, b"filter"), 129, 128)
            } else {
                (packet::echo_request_v4(1, 1, b"filter"), 0, 8)
            };
            let dst = SocketAddr::new(dst.parse().unwrap(), 0);
            if socket.send_to(&request, dst).await.is_err() {
                continue; // no IPv6 loopback
            }
            let mut buf = vec![0u8; 65_536];
            let mut types = Vec::new();
            for _ in 0..100 {
                let wait = Duration::from_millis(200);
                let Ok(Ok((n, _))) = tokio::time::timeout(wait, socket.recv_from(&mut buf)).await
                else {
                    break;
                };
                let skip = if v6 {
                    0
                } else {
                    usize::from(buf[0] & 0x0f) * 4
                };
                types.push(buf[skip..n][0]);
            }
            assert!(types.contains(&reply_type), "{dst}: {types:?}");
            assert!(!types.contains(&request_type), "{dst}: {types:?}");
        }
    }
}
