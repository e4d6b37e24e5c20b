//! What [`super::wake`] did: per MAC, the method that sent it and where, or each failure; and the
//! methods that could not be used at all. Each part displays as one line for logs and stderr.

use std::fmt;

use super::{MacAddress, Method, WakeError};

/// One failure of a method for one MAC, or for every MAC when the method could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The method.
    pub method: Method,
    /// The interface (ethernet) or destination (udp) of a failed send; `None` when the method
    /// could not be used at all.
    pub via: Option<String>,
    /// Why.
    pub error: WakeError,
}

impl fmt::Display for Failure {
    /// `ethernet: raw Ethernet frames need …`, `ethernet on eth0: cannot send: …` or
    /// `udp to 255.255.255.255:9: cannot send: …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.method)?;
        if let Some(via) = &self.via {
            write!(f, " {} {via}", preposition(self.method))?;
        }
        write!(f, ": {}", self.error)
    }
}

fn preposition(method: Method) -> &'static str {
    match method {
        Method::Ethernet => "on",
        Method::Udp => "to",
    }
}

/// How a MAC was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The method that sent it.
    pub method: Method,
    /// The interfaces (ethernet) or the destination (udp) it went out on or to.
    pub via: Vec<String>,
}

impl fmt::Display for Sent {
    /// `ethernet on eth0, wlan0` or `udp to 255.255.255.255:9`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.method,
            preposition(self.method),
            self.via.join(", ")
        )
    }
}

/// What happened to one MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetReport {
    /// The machine.
    pub mac: MacAddress,
    /// The method that sent it, if one did.
    pub sent: Option<Sent>,
    /// Failures on the way, in order (a sent MAC may have failed with an earlier method or on
    /// another interface).
    pub failures: Vec<Failure>,
}

impl TargetReport {
    /// Whether some method sent the packet.
    #[must_use]
    pub fn is_sent(&self) -> bool {
        self.sent.is_some()
    }

    /// The failures of single sends (an interface, a destination), leaving out the methods
    /// that could not be used at all ([`WakeReport::unavailable`] has those, once).
    pub fn send_failures(&self) -> impl Iterator<Item = &Failure> {
        self.failures.iter().filter(|f| f.via.is_some())
    }
}

impl fmt::Display for TargetReport {
    /// `aa:bb:cc:dd:ee:ff: sent by udp to 255.255.255.255:9`, or
    /// `aa:bb:cc:dd:ee:ff: not sent (ethernet: …; udp to …: …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sent {
            Some(sent) => write!(f, "{}: sent by {sent}", self.mac),
            None if self.failures.is_empty() => write!(f, "{}: not sent (no method)", self.mac),
            None => {
                let reasons: Vec<String> = self.failures.iter().map(ToString::to_string).collect();
                write!(f, "{}: not sent ({})", self.mac, reasons.join("; "))
            }
        }
    }
}

/// What [`wake`](super::wake) did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WakeReport {
    /// One entry per distinct MAC, in the order given.
    pub targets: Vec<TargetReport>,
    /// Methods that could not be used at all (no privilege, no interface, no socket), once each.
    pub unavailable: Vec<Failure>,
}

impl WakeReport {
    /// Whether every MAC was sent by some method.
    #[must_use]
    pub fn all_sent(&self) -> bool {
        self.targets.iter().all(TargetReport::is_sent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wakeonlan::Operation;
    use nix::errno::Errno;

    fn mac(text: &str) -> MacAddress {
        text.parse().unwrap()
    }

    #[test]
    fn a_failed_send_is_said_with_its_destination() {
        let failure = Failure {
            method: Method::Udp,
            via: Some("255.255.255.255:9".into()),
            error: WakeError::Os {
                op: Operation::Send,
                errno: Errno::ENETUNREACH,
            },
        };
        assert_eq!(
            failure.to_string(),
            "udp to 255.255.255.255:9: cannot send: ENETUNREACH: Network is unreachable"
        );
        let sent = Sent {
            method: Method::Ethernet,
            via: vec!["eth0".into(), "wlan0".into()],
        };
        assert_eq!(sent.to_string(), "ethernet on eth0, wlan0");
        let unavailable = Failure {
            method: Method::Ethernet,
            via: None,
            error: WakeError::NoInterface,
        };
        let target = TargetReport {
            mac: mac("02:00:00:00:00:01"),
            sent: Some(sent),
            failures: vec![unavailable, failure.clone()],
        };
        assert_eq!(target.send_failures().collect::<Vec<_>>(), [&failure]);
        assert_eq!(
            target.to_string(),
            "02:00:00:00:00:01: sent by ethernet on eth0, wlan0"
        );
    }
}
