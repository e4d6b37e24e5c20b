//! Sending: [`wake`] opens each method in turn and gives it the MACs not sent yet; the udp
//! method lives here, the ethernet one in [`super::ethernet`].

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};

use super::{
    Failure, MacAddress, Method, Operation, Sent, TargetReport, WakeConfig, WakeError, WakeReport,
    ethernet, magic_packet,
};

/// Sends the magic packet of each MAC: each method in turn takes the MACs not sent yet.
#[must_use]
pub fn wake(macs: &[MacAddress], config: &WakeConfig) -> WakeReport {
    let mut report = WakeReport::default();
    for &mac in macs {
        if !report.targets.iter().any(|t| t.mac == mac) {
            report.targets.push(TargetReport {
                mac,
                sent: None,
                failures: Vec::new(),
            });
        }
    }
    let mut tried: Vec<Method> = Vec::new();
    for &method in &config.methods {
        if tried.contains(&method) || report.all_sent() {
            continue;
        }
        tried.push(method);
        let sender = match Sender::open(method, config) {
            Ok(sender) => sender,
            Err(error) => {
                let failure = Failure {
                    method,
                    via: None,
                    error,
                };
                for target in report.targets.iter_mut().filter(|t| !t.is_sent()) {
                    target.failures.push(failure.clone());
                }
                report.unavailable.push(failure);
                continue;
            }
        };
        for target in report.targets.iter_mut().filter(|t| !t.is_sent()) {
            let (via, failures) = sender.send(target.mac);
            target.failures.extend(failures);
            if !via.is_empty() {
                target.sent = Some(Sent { method, via });
            }
        }
    }
    report
}

/// An opened method.
enum Sender {
    Ethernet(ethernet::Sender),
    Udp {
        socket: UdpSocket,
        destination: SocketAddr,
    },
}

impl Sender {
    fn open(method: Method, config: &WakeConfig) -> Result<Self, WakeError> {
        match method {
            Method::Ethernet => {
                ethernet::Sender::open(config.interfaces.as_deref()).map(Sender::Ethernet)
            }
            Method::Udp => {
                let destination = config.udp_destination;
                let local = match destination {
                    SocketAddr::V4(_) => SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)),
                    SocketAddr::V6(_) => SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)),
                };
                let socket = UdpSocket::bind(local)
                    .map_err(|e| WakeError::io(Operation::OpenUdpSocket, &e))?;
                if destination.is_ipv4() {
                    socket
                        .set_broadcast(true)
                        .map_err(|e| WakeError::io(Operation::SetBroadcast, &e))?;
                }
                Ok(Sender::Udp {
                    socket,
                    destination,
                })
            }
        }
    }

    /// Sends one MAC's packet: where it went, and the failures.
    fn send(&self, mac: MacAddress) -> (Vec<String>, Vec<Failure>) {
        match self {
            Sender::Ethernet(sender) => sender.send(mac),
            Sender::Udp {
                socket,
                destination,
            } => match socket.send_to(&magic_packet(mac), destination) {
                Ok(_) => {
                    tracing::debug!(%mac, %destination, "magic packet sent as a UDP datagram");
                    (vec![destination.to_string()], Vec::new())
                }
                Err(e) => (
                    Vec::new(),
                    vec![Failure {
                        method: Method::Udp,
                        via: Some(destination.to_string()),
                        error: WakeError::io(Operation::Send, &e),
                    }],
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn mac(text: &str) -> MacAddress {
        text.parse().unwrap()
    }

    /// A UDP listener on 127.0.0.1 and a config whose udp method aims at it.
    fn listener(methods: Vec<Method>) -> (UdpSocket, WakeConfig) {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let config = WakeConfig {
            methods,
            udp_destination: socket.local_addr().unwrap(),
            // Never a raw frame on this host's interfaces: no interface qualifies.
            interfaces: Some(Vec::new()),
        };
        (socket, config)
    }

    fn received(socket: &UdpSocket) -> Vec<u8> {
        let mut buf = [0u8; 512];
        let (n, _) = socket.recv_from(&mut buf).expect("a datagram");
        buf[..n].to_vec()
    }

    #[test]
    fn udp_sends_the_exact_packet() {
        let (socket, config) = listener(vec![Method::Udp]);
        let target = mac("00:1a:2b:3c:4d:5e");
        let report = wake(&[target], &config);
        assert!(report.all_sent(), "{report:?}");
        assert_eq!(received(&socket), magic_packet(target));
        let sent = report.targets[0].sent.as_ref().unwrap();
        assert_eq!(sent.method, Method::Udp);
        assert_eq!(sent.via, [config.udp_destination.to_string()]);
        assert_eq!(
            report.targets[0].to_string(),
            format!(
                "00:1a:2b:3c:4d:5e: sent by udp to {}",
                config.udp_destination
            )
        );
    }

    #[test]
    fn each_mac_once_per_method() {
        let (socket, config) = listener(vec![Method::Udp, Method::Udp]);
        let a = mac("02:00:00:00:00:0a");
        let b = mac("02:00:00:00:00:0b");
        let report = wake(&[a, b, a], &config);
        assert_eq!(report.targets.len(), 2);
        assert!(report.all_sent());
        assert_eq!(received(&socket), magic_packet(a));
        assert_eq!(received(&socket), magic_packet(b));
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut buf = [0u8; 512];
        assert!(socket.recv_from(&mut buf).is_err(), "a third datagram");
    }

    #[test]
    fn ethernet_failure_falls_back_to_udp() {
        // Without CAP_NET_RAW the packet socket is refused; with it, no interface qualifies
        // (none is allowed), so no frame leaves this host either way.
        let (socket, config) = listener(vec![Method::Ethernet, Method::Udp]);
        let target = mac("02:00:00:00:00:01");
        let report = wake(&[target], &config);
        assert!(report.all_sent(), "{report:?}");
        assert_eq!(received(&socket), magic_packet(target));
        let t = &report.targets[0];
        assert_eq!(t.sent.as_ref().unwrap().method, Method::Udp);
        assert_eq!(report.unavailable.len(), 1);
        let failure = &report.unavailable[0];
        assert_eq!(failure.method, Method::Ethernet);
        assert_eq!(t.failures, std::slice::from_ref(failure));
        if ethernet::can_open_packet_socket() {
            assert_eq!(failure.error, WakeError::NoInterface);
        } else {
            assert!(
                matches!(failure.error, WakeError::NoPrivilege(_)),
                "{failure}"
            );
            assert!(failure.to_string().contains("CAP_NET_RAW"), "{failure}");
        }
    }

    #[test]
    fn every_method_failing_is_reported_per_mac() {
        let config = WakeConfig {
            methods: vec![Method::Ethernet],
            interfaces: Some(vec!["sonde-none0".to_owned()]),
            ..WakeConfig::default()
        };
        let report = wake(&[mac("02:00:00:00:00:01")], &config);
        assert!(!report.all_sent());
        let line = report.targets[0].to_string();
        assert!(
            line.starts_with("02:00:00:00:00:01: not sent (ethernet: "),
            "{line}"
        );
        let none = wake(
            &[mac("02:00:00:00:00:01")],
            &WakeConfig {
                methods: Vec::new(),
                ..WakeConfig::default()
            },
        );
        assert_eq!(
            none.targets[0].to_string(),
            "02:00:00:00:00:01: not sent (no method)"
        );
        assert!(wake(&[], &config).all_sent(), "nothing to send");
    }
}
