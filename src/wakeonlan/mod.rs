//! Wake-on-LAN: the magic packet, and the two ways FusionInventory sends it (protocol.md §2.6,
//! §6.7), tried in order with a real fallback from one to the next.
//!
//! The magic packet is `FF`×6 followed by the target MAC ×16 (102 bytes, [`magic_packet`]).
//! - [`Method::Ethernet`] sends it as the payload of a raw frame of ethertype 0x0842 addressed to
//!   the target MAC, from every interface that is up and running, not loopback, and has an
//!   Ethernet MAC and an IP address (as `Task/WakeOnLan.pm` does; IPv6 link-local addresses do
//!   not count). It needs root or `CAP_NET_RAW` (an `AF_PACKET` socket).
//! - [`Method::Udp`] sends it in one datagram to 255.255.255.255:9 with `SO_BROADCAST`
//!   ([`WakeConfig::udp_destination`] changes address and port).
//!
//! Methods are tried in the configured order ([`DEFAULT_METHODS`]: ethernet, then udp). Unlike
//! FusionInventory, whose loop stops after the first method even when it failed, a MAC that a
//! method could not send (no privilege, no interface, a failed send) goes to the next method.
//! Every MAC is sent at most once per interface per method. [`wake`] reports, per MAC, which
//! method sent it and where, or why each method failed; it never prints.
//!
//! ```no_run
//! use sonde::wakeonlan::{MacAddress, WakeConfig, wake};
//! let mac: MacAddress = "00:1a:2b:3c:4d:5e".parse().unwrap();
//! let report = wake(&[mac], &WakeConfig::default());
//! for target in &report.targets {
//!     println!("{target}"); // "00:1a:2b:3c:4d:5e: sent by udp to 255.255.255.255:9"
//! }
//! ```

/// Methods, their order, the UDP destination: [`WakeConfig`].
mod config;
/// Errors: unreadable input, and why a method could not send.
mod error;
/// The `ethernet` method: raw frames through an `AF_PACKET` socket.
pub mod ethernet;
/// MAC addresses, the magic packet, the Ethernet frame.
mod packet;
/// What was sent, how, and what failed.
mod report;
/// [`wake`] and the udp method.
mod send;

pub use config::{DEFAULT_METHODS, DEFAULT_UDP_DESTINATION, Method, WakeConfig};
pub use error::{Operation, ParseError, WakeError};
pub use packet::{
    ETHERTYPE_WAKE_ON_LAN, FRAME_LEN, MAGIC_PACKET_LEN, MacAddress, ethernet_frame, magic_packet,
};
pub use report::{Failure, Sent, TargetReport, WakeReport};
pub use send::wake;
