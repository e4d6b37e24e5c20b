//! What the caller chooses: the methods and their order, where the udp method sends, which
//! interfaces the ethernet method may use.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::str::FromStr;

use super::ParseError;

/// The methods FusionInventory tries when none are given.
pub const DEFAULT_METHODS: [Method; 2] = [Method::Ethernet, Method::Udp];
/// Where the `udp` method sends: the limited broadcast address, port 9 (discard).
pub const DEFAULT_UDP_DESTINATION: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::BROADCAST, 9));

/// A way of sending the magic packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// A raw Ethernet frame (ethertype 0x0842) on every usable interface; root or `CAP_NET_RAW`.
    Ethernet,
    /// A UDP datagram to the broadcast address (255.255.255.255:9 by default).
    Udp,
}

impl Method {
    /// The name FusionInventory uses (`ethernet`, `udp`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Ethernet => "ethernet",
            Method::Udp => "udp",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ethernet" => Ok(Method::Ethernet),
            "udp" => Ok(Method::Udp),
            _ => Err(ParseError::Method(text.chars().take(40).collect())),
        }
    }
}

/// How [`wake`](super::wake) sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WakeConfig {
    /// Methods in the order they are tried; a repeated method is tried once.
    pub methods: Vec<Method>,
    /// Destination of the `udp` method.
    pub udp_destination: SocketAddr,
    /// Names of the interfaces the `ethernet` method may use; `None`: every usable one.
    pub interfaces: Option<Vec<String>>,
}

impl Default for WakeConfig {
    fn default() -> Self {
        WakeConfig {
            methods: DEFAULT_METHODS.to_vec(),
            udp_destination: DEFAULT_UDP_DESTINATION,
            interfaces: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse() {
        assert_eq!("ethernet".parse(), Ok(Method::Ethernet));
        assert_eq!(" UDP ".parse(), Ok(Method::Udp));
        assert_eq!(
            "icmp".parse::<Method>().unwrap_err().to_string(),
            "unknown Wake-on-LAN method \"icmp\" (expected ethernet or udp)"
        );
        assert_eq!(WakeConfig::default().methods, DEFAULT_METHODS);
        assert_eq!(
            WakeConfig::default().udp_destination.to_string(),
            "255.255.255.255:9"
        );
    }
}
