//! The `ethernet` method: magic packets in raw Ethernet frames (ethertype 0x0842) written to an
//! `AF_PACKET` socket, one frame per usable interface.
//!
//! The socket is opened with protocol 0, so it receives nothing; each frame is addressed to the
//! interface by the link-layer address `getifaddrs` gives for it, and the kernel reads the
//! ethertype from the frame. Opening the socket needs root or `CAP_NET_RAW`.

use std::collections::HashSet;
use std::os::fd::{AsRawFd, OwnedFd};

use nix::errno::Errno;
use nix::ifaddrs::getifaddrs;
use nix::net::if_::InterfaceFlags;
use nix::sys::socket::{AddressFamily, LinkAddr, MsgFlags, SockFlag, SockType, sendto, socket};

use super::{Failure, MacAddress, Method, Operation, WakeError, ethernet_frame};

/// ARP hardware type of Ethernet (and Wi-Fi) interfaces.
const ARPHRD_ETHER: u16 = 1;

/// An interface frames go out on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// Its name, e.g. `eth0`.
    pub name: String,
    /// Its MAC address: the source of the frames.
    pub mac: MacAddress,
    /// Its link-layer address, which `sendto` takes.
    link: LinkAddr,
}

/// The interfaces frames go out on: up and running, not loopback, with an Ethernet MAC address
/// (not all zeros) and an IP address: IPv4 (FusionInventory's condition) or IPv6 other than the
/// link-local one every interface gets. The address condition leaves out bridge and bond members
/// and address-less container veths, which would only repeat the frame. `only`, when given,
/// keeps just the interfaces of those names.
pub fn usable_interfaces(only: Option<&[String]>) -> Result<Vec<Interface>, WakeError> {
    let entries: Vec<_> = getifaddrs()
        .map_err(|errno| WakeError::Os {
            op: Operation::ListInterfaces,
            errno,
        })?
        .collect();
    let with_ip: HashSet<&str> = entries
        .iter()
        .filter(|e| {
            e.address.as_ref().is_some_and(|a| {
                a.as_sockaddr_in().is_some()
                    || a.as_sockaddr_in6()
                        .is_some_and(|v6| !v6.ip().is_unicast_link_local())
            })
        })
        .map(|e| e.interface_name.as_str())
        .collect();
    let mut out: Vec<Interface> = Vec::new();
    for entry in &entries {
        let Some(link) = entry.address.as_ref().and_then(|a| a.as_link_addr()) else {
            continue;
        };
        let name = &entry.interface_name;
        let Some(mac) = link.addr() else {
            continue;
        };
        let ethernet = link.hatype() == ARPHRD_ETHER && link.halen() == 6;
        if !usable(entry.flags, ethernet, mac, with_ip.contains(name.as_str()))
            || only.is_some_and(|names| !names.contains(name))
            || out.iter().any(|i| &i.name == name)
        {
            continue;
        }
        out.push(Interface {
            name: name.clone(),
            mac: MacAddress::from(mac),
            link: *link,
        });
    }
    Ok(out)
}

/// Whether an interface with these properties gets frames.
fn usable(flags: InterfaceFlags, ethernet: bool, mac: [u8; 6], has_ip: bool) -> bool {
    flags.contains(InterfaceFlags::IFF_UP | InterfaceFlags::IFF_RUNNING)
        && !flags.contains(InterfaceFlags::IFF_LOOPBACK)
        && ethernet
        && mac != [0; 6]
        && has_ip
}

/// Whether this process may open a packet socket (root or `CAP_NET_RAW`). Sends nothing.
#[must_use]
pub fn can_open_packet_socket() -> bool {
    open_socket().is_ok()
}

fn open_socket() -> Result<OwnedFd, WakeError> {
    socket(
        AddressFamily::Packet,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(|errno| match errno {
        Errno::EPERM | Errno::EACCES => WakeError::NoPrivilege(errno),
        _ => WakeError::Os {
            op: Operation::OpenPacketSocket,
            errno,
        },
    })
}

/// An open packet socket and the interfaces to send on.
pub(super) struct Sender {
    socket: OwnedFd,
    interfaces: Vec<Interface>,
}

impl Sender {
    /// Opens the socket (the privilege check), then finds the interfaces.
    pub(super) fn open(only: Option<&[String]>) -> Result<Self, WakeError> {
        let socket = open_socket()?;
        let interfaces = usable_interfaces(only)?;
        if interfaces.is_empty() {
            return Err(WakeError::NoInterface);
        }
        Ok(Sender { socket, interfaces })
    }

    /// One frame per interface: the interfaces it went out on, and the failures.
    pub(super) fn send(&self, target: MacAddress) -> (Vec<String>, Vec<Failure>) {
        let mut sent = Vec::new();
        let mut failures = Vec::new();
        for interface in &self.interfaces {
            let frame = ethernet_frame(target, interface.mac);
            match sendto(
                self.socket.as_raw_fd(),
                &frame,
                &interface.link,
                MsgFlags::empty(),
            ) {
                Ok(_) => {
                    tracing::debug!(
                        mac = %target,
                        interface = %interface.name,
                        "magic packet sent as an Ethernet frame"
                    );
                    sent.push(interface.name.clone());
                }
                Err(errno) => failures.push(Failure {
                    method: Method::Ethernet,
                    via: Some(interface.name.clone()),
                    error: WakeError::Os {
                        op: Operation::Send,
                        errno,
                    },
                }),
            }
        }
        (sent, failures)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_up_running_ethernet_interfaces_with_an_address() {
        let up =
            InterfaceFlags::IFF_UP | InterfaceFlags::IFF_RUNNING | InterfaceFlags::IFF_BROADCAST;
        let mac = [0x02, 0, 0, 0, 0, 1];
        assert!(usable(up, true, mac, true));
        assert!(!usable(up | InterfaceFlags::IFF_LOOPBACK, true, mac, true));
        assert!(
            !usable(InterfaceFlags::IFF_UP, true, mac, true),
            "no carrier"
        );
        assert!(!usable(InterfaceFlags::empty(), true, mac, true), "down");
        assert!(!usable(up, false, mac, true), "not Ethernet");
        assert!(!usable(up, true, [0; 6], true), "no MAC");
        assert!(!usable(up, true, mac, false), "no IP address");
    }

    #[test]
    fn interfaces_can_be_listed_and_filtered() {
        // Reads the host's interfaces; sends nothing.
        let all = usable_interfaces(None).unwrap();
        assert!(all.iter().all(|i| i.name != "lo"), "{all:?}");
        let none = usable_interfaces(Some(&["sonde-none0".to_owned()])).unwrap();
        assert!(none.is_empty());
        if let Some(first) = all.first() {
            let one = usable_interfaces(Some(std::slice::from_ref(&first.name))).unwrap();
            assert_eq!(one, std::slice::from_ref(first));
        }
    }
}
