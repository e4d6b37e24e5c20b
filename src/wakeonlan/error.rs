//! Errors of Wake-on-LAN: what could not be read (a MAC address, a method name) and why a
//! method could not send (privilege, interfaces, the system call that failed).

use std::fmt;

use nix::errno::Errno;

/// A MAC address or method name that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Not six pairs of hex digits.
    #[error("invalid MAC address {0:?} (expected six pairs of hex digits, e.g. aa:bb:cc:dd:ee:ff)")]
    Mac(String),
    /// Not `ethernet` or `udp`.
    #[error("unknown Wake-on-LAN method {0:?} (expected ethernet or udp)")]
    Method(String),
}

/// The system call that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `socket(AF_PACKET, SOCK_RAW)`.
    OpenPacketSocket,
    /// `getifaddrs`.
    ListInterfaces,
    /// Binding the UDP socket.
    OpenUdpSocket,
    /// `setsockopt(SO_BROADCAST)`.
    SetBroadcast,
    /// `sendto`.
    Send,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::OpenPacketSocket => "cannot open a packet socket",
            Operation::ListInterfaces => "cannot list the network interfaces",
            Operation::OpenUdpSocket => "cannot open a UDP socket",
            Operation::SetBroadcast => "cannot allow broadcasts (SO_BROADCAST)",
            Operation::Send => "cannot send",
        })
    }
}

/// Why a method could not send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WakeError {
    /// The process may not open raw packet sockets.
    #[error("raw Ethernet frames need root or CAP_NET_RAW ({0})")]
    NoPrivilege(Errno),
    /// No interface qualifies for raw frames.
    #[error(
        "no usable interface (up and running, not loopback, an Ethernet MAC address, an IPv4 or non-link-local IPv6 address)"
    )]
    NoInterface,
    /// A system call failed.
    #[error("{op}: {errno}")]
    Os {
        /// Which.
        op: Operation,
        /// The OS error.
        errno: Errno,
    },
}

impl WakeError {
    /// The OS error of a `std` socket call.
    pub(super) fn io(op: Operation, e: &std::io::Error) -> Self {
        WakeError::Os {
            op,
            errno: Errno::from_raw(e.raw_os_error().unwrap_or(0)),
        }
    }
}
