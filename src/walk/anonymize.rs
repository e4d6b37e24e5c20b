//! Consistent anonymisation of captured walks (`sonde capture --anonymize`).
//!
//! Rewrites IPv4 and MAC addresses, serial numbers, communities, sysContact and sysLocation so a
//! capture can be shared and still replays to the same structure. **Consistent**: one original
//! address gets one replacement everywhere, across all captures given to the same
//! [`Anonymizer`]:
//! - as values (IpAddress; MAC-valued strings such as ifPhysAddress, dot1dBaseBridgeAddress,
//!   dot1dTpFdbAddress, ipNetToMediaPhysAddress, LACP system ids, STP bridge ids, LLDP chassis
//!   and port ids of the MAC subtype, CDP addresses of type ip);
//! - in the indexes of the standard tables indexed by addresses (ipAddrTable, ipRouteTable,
//!   ipNetToMediaTable, atTable, ipCidrRouteTable, inetCidrRouteTable, ipAddressTable,
//!   ipNetToPhysicalTable, tcp/udp connection and listener tables, dot1dTpFdbTable,
//!   dot1qTpFdbTable, dot1dStaticTable, ifRcvAddressTable, LLDP management address tables), and
//!   in the OIDs of other tables where the arcs of a known address appear (MACs anywhere after
//!   the seventh arc; IPv4 addresses only after the entry and column arcs, so that a column
//!   number followed by index arcs, like `…21.1.10.0.0.0.0`, is not taken for `10.0.0.0`);
//! - inside other strings: a known MAC as six octets anywhere in a binary string, a known IPv4 as
//!   a whole 4-octet string, and both written as text (dotted IPv4; MACs as `00:18:…`,
//!   `00-18-…`, `0018.71c1.e000` or `001871c1e000`).
//!
//! Kept as they are: 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0 and above (multicast, broadcast, `255.x`
//! netmasks), netmask columns (ipAdEntNetMask, ipRouteMask, ipCidrRouteMask), zero and group
//! MACs, IPv6 addresses (not handled). Replacement IPv4 addresses keep their subnet structure: a
//! fresh /16 from 10.0.0.0/8 per original /16, a keyed prefix-preserving permutation of the third
//! octet, the host octet kept. Replacement MACs are locally administered (`02:…`), one fresh
//! prefix per original OUI, the NIC part shifted (consecutive MACs stay consecutive). No
//! replacement equals an original address of the capture.
//!
//! Serial numbers (ENTITY-MIB, Printer-MIB, the vendor serial OIDs of the inventory) get
//! same-length placeholders, also where they appear inside other strings (when at least six
//! octets long and holding a digit); communities given by the caller are replaced wherever they
//! are a whole value (or `community@context`) and in the indexes of the SNMP-COMMUNITY, VACM,
//! USM and SNMP-TARGET tables, by a same-length string; sysContact and sysLocation become
//! `contact-xxxxxx` / `location-xxxxxx`, and their old text is replaced in other strings too.
//!
//! Everything derives from a seed, fixed by default, so runs are reproducible. With the default
//! seed anyone can recompute the mapping of a guessed address: give a secret seed
//! ([`Anonymizer::with_seed`]) when that matters.

mod collect;
mod pseudonym;
mod tables;
mod text;

use crate::snmp::{Oid, Value, Varbind};

use pseudonym::{Pseudonyms, keyed, scramble};
pub use pseudonym::{is_kept_ip, is_kept_mac};
use tables::Slot;

/// Rewrites captures consistently; keeps its mapping between calls of [`Anonymizer::apply`].
#[derive(Debug)]
pub struct Anonymizer {
    seed: u64,
    names: Pseudonyms,
    /// Community → same-length replacement.
    communities: Vec<(Vec<u8>, Vec<u8>)>,
    /// sysContact / sysLocation texts met so far and their placeholders.
    texts: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Anonymizer {
    /// The seed used by [`Anonymizer::new`].
    pub const DEFAULT_SEED: u64 = 0x736f_6e64_652d_616e;

    /// An anonymiser with the default seed; `communities` (e.g. the one of the capture) are
    /// replaced wherever they occur as a whole value. Empty communities are ignored.
    #[must_use]
    pub fn new(communities: &[Vec<u8>]) -> Self {
        Self::with_seed(communities, Self::DEFAULT_SEED)
    }

    /// An anonymiser whose replacements derive from `seed`.
    #[must_use]
    pub fn with_seed(communities: &[Vec<u8>], seed: u64) -> Self {
        let communities = communities
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| {
                let mut replacement = scramble(seed, 6, c, true);
                if replacement == *c {
                    replacement = scramble(seed, 7, c, true);
                }
                (c.clone(), replacement)
            })
            .collect();
        Self {
            seed,
            names: Pseudonyms::new(seed),
            communities,
            texts: Vec::new(),
        }
    }

    /// The replacement of an IPv4 address, once a capture holding it went through
    /// [`Anonymizer::apply`].
    #[must_use]
    pub fn mapped_ip(&self, ip: [u8; 4]) -> Option<[u8; 4]> {
        self.names.ip(ip)
    }

    /// The replacement of a MAC address, once a capture holding it went through
    /// [`Anonymizer::apply`].
    #[must_use]
    pub fn mapped_mac(&self, mac: [u8; 6]) -> Option<[u8; 6]> {
        self.names.mac(mac)
    }

    /// Anonymises a capture; the result is sorted by OID (stable: duplicates keep their order).
    #[must_use]
    pub fn apply(&mut self, mut varbinds: Vec<Varbind>) -> Vec<Varbind> {
        varbinds.sort_by(|a, b| a.oid.cmp(&b.oid));
        let found = collect::collect(&varbinds);
        self.names.assign_ips(&found.ips);
        self.names.assign_macs(&found.macs);
        for vb in &varbinds {
            self.note_words(vb);
        }
        let mut words: Vec<(Vec<u8>, Vec<u8>)> = self
            .names
            .serial_map()
            .iter()
            .filter(|(from, _)| from.len() >= 6 && from.iter().any(u8::is_ascii_digit))
            .map(|(from, to)| (from.clone(), to.clone()))
            .collect();
        words.extend(
            self.texts
                .iter()
                .filter(|(from, _)| from.len() >= 4)
                .cloned(),
        );
        let rules = text::Rules::new(self.names.ip_map(), self.names.mac_map(), words);
        let mut out: Vec<Varbind> = varbinds
            .into_iter()
            .map(|vb| {
                let value = self.rewrite_value(&vb.oid, vb.value, &rules);
                Varbind::new(self.rewrite_oid(vb.oid), value)
            })
            .collect();
        out.sort_by(|a, b| a.oid.cmp(&b.oid));
        out
    }

    /// Assigns placeholders to the serials, sysContact and sysLocation of one varbind.
    fn note_words(&mut self, vb: &Varbind) {
        let Value::OctetString(bytes) = &vb.value else {
            return;
        };
        let arcs = vb.oid.arcs();
        if tables::is_serial(arcs) {
            if let Some((_, core, _)) = serial_parts(bytes) {
                self.names.serial(core);
            }
        } else if (arcs == tables::SYS_CONTACT || arcs == tables::SYS_LOCATION)
            && !bytes.is_empty()
            && !self.texts.iter().any(|(from, _)| from == bytes)
        {
            let kind = if arcs == tables::SYS_CONTACT {
                "contact"
            } else {
                "location"
            };
            let tag = keyed(self.seed, 8, bytes) & 0xff_ffff;
            let placeholder = format!("{kind}-{tag:06x}").into_bytes();
            self.texts.push((bytes.clone(), placeholder));
        }
    }

    /// The anonymised value of the varbind at `oid` (the original OID).
    fn rewrite_value(&self, oid: &Oid, value: Value, rules: &text::Rules<'_>) -> Value {
        let arcs = oid.arcs();
        match value {
            Value::IpAddress(ip) if !tables::is_mask_column(arcs) => {
                Value::IpAddress(self.names.ip(ip).unwrap_or(ip))
            }
            Value::OctetString(bytes) => {
                Value::OctetString(self.rewrite_octets(arcs, bytes, rules))
            }
            Value::ObjectId(target) => Value::ObjectId(self.rewrite_oid(target)),
            other => other,
        }
    }

    fn rewrite_octets(&self, arcs: &[u32], bytes: Vec<u8>, rules: &text::Rules<'_>) -> Vec<u8> {
        if bytes.is_empty() {
            return bytes;
        }
        if let Some((_, to)) = self.texts.iter().find(|(from, _)| *from == bytes)
            && (arcs == tables::SYS_CONTACT || arcs == tables::SYS_LOCATION)
        {
            return to.clone();
        }
        if tables::is_serial(arcs)
            && let Some((head, core, tail)) = serial_parts(&bytes)
            && let Some(to) = self.names.serial_map().get(core)
        {
            return [head, to.as_slice(), tail].concat();
        }
        if let Some(replaced) = self.community_value(&bytes) {
            return replaced;
        }
        if tables::is_taddress_column(arcs)
            && bytes.len() == 6
            && let Some(new) = <[u8; 4]>::try_from(&bytes[..4])
                .ok()
                .and_then(|ip| self.names.ip(ip))
        {
            return [&new[..], &bytes[4..]].concat();
        }
        let bytes = self.replace_binary(bytes);
        text::rewrite(&bytes, rules).unwrap_or(bytes)
    }

    /// A whole-value community, or `community@context`.
    fn community_value(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.communities.iter().find_map(|(from, to)| {
            if bytes == from.as_slice() {
                Some(to.clone())
            } else {
                let rest = bytes.strip_prefix(from.as_slice())?.strip_prefix(b"@")?;
                Some([to.as_slice(), b"@", rest].concat())
            }
        })
    }

    /// Known MACs as any six consecutive octets, a known IPv4 as a whole 4-octet value.
    fn replace_binary(&self, mut bytes: Vec<u8>) -> Vec<u8> {
        if let Ok(ip) = <[u8; 4]>::try_from(bytes.as_slice()) {
            return self.names.ip(ip).map_or(bytes, |new| new.to_vec());
        }
        let mut at = 0;
        while at + 6 <= bytes.len() {
            let mut mac = [0u8; 6];
            mac.copy_from_slice(&bytes[at..at + 6]);
            if let Some(new) = self.names.mac(mac) {
                bytes[at..at + 6].copy_from_slice(&new);
                at += 6;
            } else {
                at += 1;
            }
        }
        bytes
    }

    /// The anonymised OID: addresses of known table indexes; in other OIDs, known MACs anywhere
    /// after the seventh arc and known IPv4 addresses in what looks like the index (see
    /// [`tables::generic_index_start`]); communities in the indexes of the SNMP administration
    /// tables.
    fn rewrite_oid(&self, oid: Oid) -> Oid {
        let mut arcs = oid.into_arcs();
        match tables::index_slots(&arcs) {
            Some(slots) => {
                for slot in slots {
                    self.replace_slot(&mut arcs, slot);
                }
            }
            None => {
                let ip_from = tables::generic_index_start(&arcs);
                let mut at = 7;
                while at < arcs.len() {
                    at += if self.replace_slot(&mut arcs, Slot::Mac(at)) {
                        6
                    } else if at >= ip_from && self.replace_slot(&mut arcs, Slot::Ip(at)) {
                        4
                    } else {
                        1
                    };
                }
            }
        }
        if tables::may_index_communities(&arcs) {
            for (from, to) in &self.communities {
                replace_arc_runs(&mut arcs, from, to);
            }
        }
        Oid::new(arcs)
    }

    /// Replaces the address at `slot` when it is a known one; true when it did.
    fn replace_slot(&self, arcs: &mut [u32], slot: Slot) -> bool {
        let (at, len) = match slot {
            Slot::Ip(at) => (at, 4),
            Slot::Mac(at) => (at, 6),
        };
        let Some(part) = arcs.get_mut(at..at + len) else {
            return false;
        };
        if !tables::octets(part) {
            return false;
        }
        let new: Option<Vec<u8>> = match slot {
            Slot::Ip(_) => self.names.ip(tables::arcs_to(part)).map(|n| n.to_vec()),
            Slot::Mac(_) => self.names.mac(tables::arcs_to(part)).map(|n| n.to_vec()),
        };
        let Some(new) = new else {
            return false;
        };
        for (arc, octet) in part.iter_mut().zip(new) {
            *arc = u32::from(octet);
        }
        true
    }
}

/// A serial value split into leading blanks, the serial, trailing blanks; `None` when it holds
/// no digit (empty, `N/A`, `Unknown`…), which is left as it is.
fn serial_parts(bytes: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let core = bytes.trim_ascii();
    if !core.iter().any(u8::is_ascii_digit) {
        return None;
    }
    let start = bytes.len() - bytes.trim_ascii_start().len();
    Some((&bytes[..start], core, &bytes[start + core.len()..]))
}

/// Replaces every run of arcs spelling `from` (one arc per octet) by `to` (same length).
fn replace_arc_runs(arcs: &mut [u32], from: &[u8], to: &[u8]) {
    if from.len() != to.len() || from.is_empty() {
        return;
    }
    let mut at = 0;
    while at + from.len() <= arcs.len() {
        let run = &arcs[at..at + from.len()];
        if run.iter().zip(from).all(|(&a, &b)| a == u32::from(b)) {
            for (arc, &b) in arcs[at..at + from.len()].iter_mut().zip(to) {
                *arc = u32::from(b);
            }
            at += from.len();
        } else {
            at += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::parse;

    const CAPTURE: &str = r#".1.3.6.1.2.1.1.1.0 = STRING: "switch 172.27.192.33 mac 00:18:71:c1:e0:00 serial SG707SU03Y"
.1.3.6.1.2.1.1.4.0 = STRING: "noc@example.com"
.1.3.6.1.2.1.1.6.0 = STRING: "Building 7, room 12"
.1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 18 71 C1 E0 01
.1.3.6.1.2.1.2.2.1.18.1 = STRING: "uplink, see Building 7, room 12"
.1.3.6.1.2.1.4.20.1.1.127.0.0.1 = IpAddress: 127.0.0.1
.1.3.6.1.2.1.4.20.1.1.172.27.192.33 = IpAddress: 172.27.192.33
.1.3.6.1.2.1.4.20.1.3.172.27.192.33 = IpAddress: 255.255.255.224
.1.3.6.1.2.1.4.22.1.2.1.172.27.192.40 = Hex-STRING: 00 11 22 33 44 55
.1.3.6.1.2.1.4.22.1.3.1.172.27.192.40 = IpAddress: 172.27.192.40
.1.3.6.1.2.1.6.13.1.1.172.27.192.33.23.192.168.1.9.5000 = INTEGER: 5
.1.3.6.1.2.1.17.1.1.0 = Hex-STRING: 00 18 71 C1 E0 00
.1.3.6.1.2.1.17.4.3.1.1.0.17.34.51.68.85 = Hex-STRING: 00 11 22 33 44 55
.1.3.6.1.2.1.17.4.3.1.2.0.17.34.51.68.85 = INTEGER: 3
.1.3.6.1.2.1.17.4.3.1.2.1.0.94.0.0.1 = INTEGER: 4
.1.3.6.1.2.1.17.7.1.2.2.1.2.10.0.17.34.51.68.85 = INTEGER: 3
.1.3.6.1.2.1.47.1.1.1.1.11.1 = STRING: "SG707SU03Y  "
.1.3.6.1.2.1.47.1.1.1.1.11.2 = STRING: "N/A"
.1.3.6.1.2.1.47.1.1.1.1.11.3 = STRING: "AB1"
.1.3.6.1.2.1.47.1.1.1.1.2.1 = STRING: "chassis AB1"
.1.3.6.1.2.1.47.1.2.1.1.4.1 = STRING: "s3cret@10"
.1.3.6.1.2.1.16.9.1.1.4.1 = STRING: "s3cret"
.1.0.8802.1.1.2.1.4.1.1.4.0.3.1 = INTEGER: 4
.1.0.8802.1.1.2.1.4.1.1.5.0.3.1 = Hex-STRING: 00 AA BB CC DD EE
.1.0.8802.1.1.2.1.4.1.1.4.0.4.1 = INTEGER: 7
.1.0.8802.1.1.2.1.4.1.1.5.0.4.1 = STRING: "AB CDE"
.1.3.6.1.4.1.9.9.23.1.2.1.1.3.5.1 = INTEGER: 1
.1.3.6.1.4.1.9.9.23.1.2.1.1.4.5.1 = Hex-STRING: C0 A8 01 09
.1.3.6.1.4.1.11.2.14.11.5.1.9.4.2.1.2.0.17.34.51.68.85 = INTEGER: 9
.1.3.6.1.4.1.11.2.14.11.5.1.9.4.2.1.3.172.27.192.40 = INTEGER: 9
.1.3.6.1.6.3.10.2.1.1.0 = Hex-STRING: 00 00 00 0B 00 00 00 18 71 C1 E0 00
.1.3.6.1.6.3.12.1.2.1.3.49 = Hex-STRING: AC 1B C0 28 00 A2
.1.3.6.1.6.3.18.1.1.1.2.115.51.99.114.101.116 = STRING: "s3cret"
"#;

    fn run(seed: u64) -> (Anonymizer, Vec<Varbind>) {
        let file = parse::parse(CAPTURE.as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let mut anon = Anonymizer::with_seed(&[b"s3cret".to_vec(), Vec::new()], seed);
        let out = anon.apply(file.varbinds);
        (anon, out)
    }

    fn value<'a>(out: &'a [Varbind], oid: &str) -> &'a Value {
        let oid: Oid = oid.parse().unwrap();
        &out.iter()
            .find(|vb| vb.oid == oid)
            .unwrap_or_else(|| panic!("{oid} missing"))
            .value
    }

    fn string(out: &[Varbind], oid: &str) -> String {
        String::from_utf8_lossy(value(out, oid).as_bytes().unwrap()).into_owned()
    }

    fn dotted(ip: [u8; 4]) -> String {
        format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3])
    }

    fn arcs(mac: [u8; 6]) -> String {
        mac.iter().map(u8::to_string).collect::<Vec<_>>().join(".")
    }

    #[test]
    fn addresses_are_replaced_consistently() {
        let (anon, out) = run(Anonymizer::DEFAULT_SEED);
        assert_eq!(out.len(), CAPTURE.lines().count());
        assert!(out.windows(2).all(|w| w[0].oid <= w[1].oid), "not sorted");
        let ip = anon.mapped_ip([172, 27, 192, 33]).unwrap();
        let peer = anon.mapped_ip([172, 27, 192, 40]).unwrap();
        let remote = anon.mapped_ip([192, 168, 1, 9]).unwrap();
        assert_eq!(ip[0], 10);
        assert_eq!((ip[3], peer[3]), (33, 40));
        assert_eq!(
            *value(&out, &format!("1.3.6.1.2.1.4.20.1.1.{}", dotted(ip))),
            Value::IpAddress(ip)
        );
        assert_eq!(
            *value(&out, &format!("1.3.6.1.2.1.4.20.1.3.{}", dotted(ip))),
            Value::IpAddress([255, 255, 255, 224])
        );
        assert_eq!(
            *value(&out, "1.3.6.1.2.1.4.20.1.1.127.0.0.1"),
            Value::IpAddress([127, 0, 0, 1])
        );
        assert_eq!(
            *value(&out, &format!("1.3.6.1.2.1.4.22.1.3.1.{}", dotted(peer))),
            Value::IpAddress(peer)
        );
        value(
            &out,
            &format!(
                "1.3.6.1.2.1.6.13.1.1.{}.23.{}.5000",
                dotted(ip),
                dotted(remote)
            ),
        );
        // Vendor table indexed by an address seen elsewhere.
        value(
            &out,
            &format!("1.3.6.1.4.1.11.2.14.11.5.1.9.4.2.1.3.{}", dotted(peer)),
        );
        // CDP address of type ip, transport address of a trap target.
        assert_eq!(
            value(&out, "1.3.6.1.4.1.9.9.23.1.2.1.1.4.5.1").as_bytes(),
            Some(&remote[..])
        );
        let target = anon.mapped_ip([172, 27, 192, 40]).unwrap();
        assert_eq!(
            value(&out, "1.3.6.1.6.3.12.1.2.1.3.49").as_bytes(),
            Some(&[target[0], target[1], target[2], target[3], 0, 0xa2][..])
        );
        let descr = string(&out, "1.3.6.1.2.1.1.1.0");
        assert!(descr.contains(&dotted(ip)), "{descr}");

        let bridge = anon
            .mapped_mac([0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00])
            .unwrap();
        let port = anon
            .mapped_mac([0x00, 0x18, 0x71, 0xc1, 0xe0, 0x01])
            .unwrap();
        let host = anon
            .mapped_mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55])
            .unwrap();
        assert_eq!((bridge[0], port[0], host[0]), (2, 2, 2));
        assert_eq!(
            value(&out, "1.3.6.1.2.1.17.1.1.0").as_bytes(),
            Some(&bridge[..])
        );
        assert_eq!(
            value(&out, "1.3.6.1.2.1.2.2.1.6.1").as_bytes(),
            Some(&port[..])
        );
        let fdb = format!("1.3.6.1.2.1.17.4.3.1.1.{}", arcs(host));
        assert_eq!(value(&out, &fdb).as_bytes(), Some(&host[..]));
        value(
            &out,
            &format!("1.3.6.1.2.1.17.7.1.2.2.1.2.10.{}", arcs(host)),
        );
        value(
            &out,
            &format!("1.3.6.1.4.1.11.2.14.11.5.1.9.4.2.1.2.{}", arcs(host)),
        );
        // Multicast FDB entries stay.
        value(&out, "1.3.6.1.2.1.17.4.3.1.2.1.0.94.0.0.1");
        let engine = value(&out, "1.3.6.1.6.3.10.2.1.1.0").as_bytes().unwrap();
        assert_eq!(engine[6..], bridge);
        let mac_text = bridge
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":");
        assert!(descr.contains(&mac_text), "{descr}");
        // LLDP chassis ids: the MAC subtype is mapped, the local subtype is not.
        assert!(
            anon.mapped_mac([0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee])
                .is_some()
        );
        assert_eq!(string(&out, "1.0.8802.1.1.2.1.4.1.1.5.0.4.1"), "AB CDE");
    }

    #[test]
    fn serials_communities_and_texts() {
        let (_, out) = run(Anonymizer::DEFAULT_SEED);
        let serial = string(&out, "1.3.6.1.2.1.47.1.1.1.1.11.1");
        assert_eq!(serial.len(), 12);
        assert!(serial.ends_with("  ") && !serial.starts_with("SG707SU03Y"));
        assert!(string(&out, "1.3.6.1.2.1.1.1.0").contains(serial.trim_end()));
        assert_eq!(string(&out, "1.3.6.1.2.1.47.1.1.1.1.11.2"), "N/A");
        // Short serials are replaced in place, not in other texts.
        assert_ne!(string(&out, "1.3.6.1.2.1.47.1.1.1.1.11.3"), "AB1");
        assert_eq!(string(&out, "1.3.6.1.2.1.47.1.1.1.1.2.1"), "chassis AB1");
        let community = string(&out, "1.3.6.1.2.1.16.9.1.1.4.1");
        assert_eq!(community.len(), 6);
        assert_ne!(community, "s3cret");
        assert_eq!(
            string(&out, "1.3.6.1.2.1.47.1.2.1.1.4.1"),
            format!("{community}@10")
        );
        let index: Vec<String> = community.bytes().map(|b| b.to_string()).collect();
        let row = format!("1.3.6.1.6.3.18.1.1.1.2.{}", index.join("."));
        assert_eq!(string(&out, &row), community);
        let contact = string(&out, "1.3.6.1.2.1.1.4.0");
        let location = string(&out, "1.3.6.1.2.1.1.6.0");
        assert!(contact.starts_with("contact-") && location.starts_with("location-"));
        assert_eq!(
            string(&out, "1.3.6.1.2.1.2.2.1.18.1"),
            format!("uplink, see {location}")
        );
    }

    #[test]
    fn seeded_and_reproducible() {
        let (_, a) = run(1);
        let (_, b) = run(1);
        let (_, c) = run(2);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // The mapping persists: a second capture of the same network reuses it.
        let (mut anon, first) = run(Anonymizer::DEFAULT_SEED);
        let again = anon.apply(parse::parse(CAPTURE.as_bytes()).varbinds);
        assert_eq!(again, first);
    }

    #[test]
    fn arc_runs() {
        let mut arcs = vec![1, 112, 117, 98, 2, 112, 117, 98];
        replace_arc_runs(&mut arcs, b"pub", b"xyz");
        assert_eq!(arcs, [1, 120, 121, 122, 2, 120, 121, 122]);
        assert_eq!(
            serial_parts(b" A1 "),
            Some((&b" "[..], &b"A1"[..], &b" "[..]))
        );
        assert_eq!(serial_parts(b"none"), None);
    }
}
