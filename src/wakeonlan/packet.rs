//! The bytes of Wake-on-LAN: MAC addresses as written by servers and users, the magic packet
//! and the Ethernet frame that carries it.

use std::fmt;
use std::str::FromStr;

use super::ParseError;

/// Length of the magic packet: 6 bytes `FF`, then the MAC 16 times.
pub const MAGIC_PACKET_LEN: usize = 102;
/// Ethertype of Wake-on-LAN frames.
pub const ETHERTYPE_WAKE_ON_LAN: u16 = 0x0842;
/// Length of a Wake-on-LAN Ethernet frame: header (14 bytes) and magic packet.
pub const FRAME_LEN: usize = 14 + MAGIC_PACKET_LEN;

/// A 48-bit MAC address, written `aa:bb:cc:dd:ee:ff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddress([u8; 6]);

impl MacAddress {
    /// The six bytes.
    #[must_use]
    pub const fn octets(self) -> [u8; 6] {
        self.0
    }
}

impl From<[u8; 6]> for MacAddress {
    fn from(octets: [u8; 6]) -> Self {
        MacAddress(octets)
    }
}

impl FromStr for MacAddress {
    type Err = ParseError;

    /// Six pairs of hex digits in any case, separated by `:` or by `-` (one separator
    /// throughout), or twelve hex digits; spaces around are ignored.
    fn from_str(text: &str) -> Result<Self, ParseError> {
        let invalid = || ParseError::Mac(text.chars().take(40).collect());
        let text = text.trim();
        let groups: Vec<&str> = match text.chars().find(|c| matches!(c, ':' | '-')) {
            Some(separator) => text.split(separator).collect(),
            None if text.len() == 12 => (0..6).filter_map(|i| text.get(2 * i..2 * i + 2)).collect(),
            None => return Err(invalid()),
        };
        if groups.len() != 6 {
            return Err(invalid());
        }
        let mut octets = [0u8; 6];
        for (octet, group) in octets.iter_mut().zip(groups) {
            if group.len() != 2 || !group.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid());
            }
            *octet = u8::from_str_radix(group, 16).map_err(|_| invalid())?;
        }
        Ok(MacAddress(octets))
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The magic packet of `mac`: `FF`×6, then the MAC 16 times.
#[must_use]
pub fn magic_packet(mac: MacAddress) -> [u8; MAGIC_PACKET_LEN] {
    let mut packet = [0xff; MAGIC_PACKET_LEN];
    for copy in packet[6..].chunks_exact_mut(6) {
        copy.copy_from_slice(&mac.0);
    }
    packet
}

/// The Ethernet frame carrying the magic packet of `target`, addressed to `target` and sent
/// from `source` (the interface's MAC).
#[must_use]
pub fn ethernet_frame(target: MacAddress, source: MacAddress) -> [u8; FRAME_LEN] {
    let mut frame = [0u8; FRAME_LEN];
    frame[..6].copy_from_slice(&target.0);
    frame[6..12].copy_from_slice(&source.0);
    frame[12..14].copy_from_slice(&ETHERTYPE_WAKE_ON_LAN.to_be_bytes());
    frame[14..].copy_from_slice(&magic_packet(target));
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(text: &str) -> MacAddress {
        text.parse().unwrap()
    }

    #[test]
    fn magic_packet_bytes() {
        let packet = magic_packet(mac("00:1a:2b:3c:4d:5e"));
        assert_eq!(packet.len(), 102);
        let mut expected = vec![0xff; 6];
        for _ in 0..16 {
            expected.extend([0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
        }
        assert_eq!(packet.to_vec(), expected);
    }

    #[test]
    fn ethernet_frame_bytes() {
        let target = mac("00:1a:2b:3c:4d:5e");
        let frame = ethernet_frame(target, mac("02:00:00:00:00:01"));
        assert_eq!(frame.len(), 116);
        assert_eq!(frame[..6], [0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
        assert_eq!(frame[6..12], [0x02, 0, 0, 0, 0, 0x01]);
        assert_eq!(frame[12..14], [0x08, 0x42]);
        assert_eq!(frame[14..], magic_packet(target));
    }

    #[test]
    fn mac_addresses_parse() {
        let expected = MacAddress::from([0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
        for good in [
            "00:1a:2b:3c:4d:5e",
            "00:1A:2B:3C:4D:5E",
            "00-1a-2B-3c-4D-5e",
            "001a2b3c4d5e",
            " 00:1a:2b:3c:4d:5e\n",
        ] {
            assert_eq!(good.parse::<MacAddress>(), Ok(expected), "{good:?}");
        }
        assert_eq!(expected.to_string(), "00:1a:2b:3c:4d:5e");
        assert_eq!(mac("FF:FF:FF:FF:FF:FF").octets(), [0xff; 6]);
    }

    #[test]
    fn bad_mac_addresses_are_rejected() {
        for bad in [
            "",
            "00:1a:2b:3c:4d",
            "00:1a:2b:3c:4d:5e:6f",
            "0:1a:2b:3c:4d:5e",
            "00:1a-2b:3c:4d:5e",
            "00:1a:2b:3c:4d:5g",
            "00::1a:2b:3c:4d",
            "001a2b3c4d5",
            "zz1a2b3c4d5e",
            "+a:1a:2b:3c:4d:5e",
            "00:1a:2b:3c:4d:é",
            "nonsense",
        ] {
            assert!(bad.parse::<MacAddress>().is_err(), "{bad:?}");
        }
        let e = "00:1a:2b".parse::<MacAddress>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid MAC address \"00:1a:2b\" (expected six pairs of hex digits, e.g. aa:bb:cc:dd:ee:ff)"
        );
    }
}
