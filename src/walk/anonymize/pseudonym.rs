//! Deterministic pseudonyms: a keyed hash, and the replacements of IPv4 addresses, MAC addresses,
//! serial numbers, communities and free texts.
//!
//! - IPv4: each original /16 gets a fresh /16 (taken from 10.0.0.0/8 first, never the /16 of an
//!   original address, so no replacement can equal an original); the third octet goes through a
//!   keyed prefix-preserving permutation; the host octet is kept. Subnets stay subnets, network
//!   (`.0`) and broadcast (`.255`) addresses stay what they are.
//! - MAC: each original OUI gets a fresh locally administered prefix `02:xx:yy` (never the first
//!   three octets of an original MAC); the NIC part is shifted by a keyed offset, so a device's
//!   consecutive port MACs stay consecutive.
//! - Serials: same length, digits stay digits and letters letters of the same case; other octets
//!   (spaces, dashes) are kept.
//!
//! Everything derives from the seed: the same seed and input give the same output.

use std::collections::{BTreeSet, HashMap, HashSet};

/// SplitMix64's finaliser.
pub(super) fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A keyed hash of `data`; `domain` separates the uses.
pub(super) fn keyed(seed: u64, domain: u64, data: &[u8]) -> u64 {
    let mut h = splitmix(seed ^ domain.rotate_left(32));
    for &b in data {
        h = splitmix(h ^ u64::from(b));
    }
    splitmix(h ^ data.len() as u64)
}

/// Addresses that identify nothing and stay: 0.0.0.0/8, 127.0.0.0/8, 224.0.0.0 and above
/// (multicast, reserved, limited broadcast, `255.x` netmasks), and the /1 and /2 netmasks.
#[must_use]
pub fn is_kept_ip(ip: [u8; 4]) -> bool {
    matches!(ip[0], 0 | 127 | 224..=255) || ip == [128, 0, 0, 0] || ip == [192, 0, 0, 0]
}

/// MACs that identify nothing and stay: all zeros, and group (multicast, broadcast) addresses.
#[must_use]
pub fn is_kept_mac(mac: [u8; 6]) -> bool {
    mac == [0; 6] || mac[0] & 1 == 1
}

/// The replacements handed out so far.
#[derive(Debug)]
pub(super) struct Pseudonyms {
    seed: u64,
    nets: HashMap<[u8; 2], [u8; 2]>,
    used_nets: HashSet<[u8; 2]>,
    seen_nets: HashSet<[u8; 2]>,
    ips: HashMap<[u8; 4], [u8; 4]>,
    ouis: HashMap<[u8; 3], [u8; 3]>,
    used_ouis: HashSet<[u8; 3]>,
    seen_ouis: HashSet<[u8; 3]>,
    macs: HashMap<[u8; 6], [u8; 6]>,
    serials: HashMap<Vec<u8>, Vec<u8>>,
    used_serials: HashSet<Vec<u8>>,
}

impl Pseudonyms {
    pub(super) fn new(seed: u64) -> Self {
        Self {
            seed,
            nets: HashMap::new(),
            used_nets: HashSet::new(),
            seen_nets: HashSet::new(),
            ips: HashMap::new(),
            ouis: HashMap::new(),
            used_ouis: HashSet::new(),
            seen_ouis: HashSet::new(),
            macs: HashMap::new(),
            serials: HashMap::new(),
            used_serials: HashSet::new(),
        }
    }

    /// The replacement of an address already assigned.
    pub(super) fn ip(&self, ip: [u8; 4]) -> Option<[u8; 4]> {
        self.ips.get(&ip).copied()
    }

    /// The replacement of a MAC already assigned.
    pub(super) fn mac(&self, mac: [u8; 6]) -> Option<[u8; 6]> {
        self.macs.get(&mac).copied()
    }

    pub(super) fn ip_map(&self) -> &HashMap<[u8; 4], [u8; 4]> {
        &self.ips
    }

    pub(super) fn mac_map(&self) -> &HashMap<[u8; 6], [u8; 6]> {
        &self.macs
    }

    /// Gives every address of `ips` that is not kept a replacement (in sorted order, so the
    /// result does not depend on the order addresses were met).
    pub(super) fn assign_ips(&mut self, ips: &BTreeSet<[u8; 4]>) {
        self.seen_nets.extend(ips.iter().map(|ip| [ip[0], ip[1]]));
        for &ip in ips {
            if is_kept_ip(ip) || self.ips.contains_key(&ip) {
                continue;
            }
            let net = [ip[0], ip[1]];
            let new_net = match self.nets.get(&net) {
                Some(&new_net) => new_net,
                None => {
                    let new_net = self.pick_net(net);
                    self.nets.insert(net, new_net);
                    self.used_nets.insert(new_net);
                    new_net
                }
            };
            let third = self.permute_octet(net, ip[2]);
            self.ips.insert(ip, [new_net[0], new_net[1], third, ip[3]]);
        }
    }

    /// A /16 for the original `net`: from 10.0.0.0/8 when one is free, else any unicast /16.
    fn pick_net(&self, net: [u8; 2]) -> [u8; 2] {
        let free = |candidate: &[u8; 2]| {
            !self.used_nets.contains(candidate) && !self.seen_nets.contains(candidate)
        };
        let start = keyed(self.seed, 1, &net);
        let ten = (0..256u64)
            .map(|k| [10, ((start + k) % 256) as u8])
            .find(|candidate| free(candidate));
        let any = || {
            (1..=223u8)
                .filter(|a| !matches!(a, 10 | 127))
                .flat_map(|a| (0..=255u8).map(move |b| [a, b]))
                .filter(|c| *c != [128, 0] && *c != [192, 0])
                .find(|candidate| free(candidate))
        };
        ten.or_else(any).unwrap_or([10, 0])
    }

    /// A keyed permutation of one octet that preserves common bit prefixes.
    fn permute_octet(&self, net: [u8; 2], x: u8) -> u8 {
        let mut out = 0u8;
        for i in 0..8u8 {
            let prefix = u8::try_from(u16::from(x) >> (8 - i)).unwrap_or(0);
            let flip = (keyed(self.seed, 2, &[net[0], net[1], i, prefix]) & 1) as u8;
            let bit = (x >> (7 - i)) & 1;
            out |= (bit ^ flip) << (7 - i);
        }
        out
    }

    /// Gives every MAC of `macs` that is not kept a replacement.
    pub(super) fn assign_macs(&mut self, macs: &BTreeSet<[u8; 6]>) {
        self.seen_ouis
            .extend(macs.iter().map(|m| [m[0], m[1], m[2]]));
        for &mac in macs {
            if is_kept_mac(mac) || self.macs.contains_key(&mac) {
                continue;
            }
            let oui = [mac[0], mac[1], mac[2]];
            let prefix = match self.ouis.get(&oui) {
                Some(&prefix) => prefix,
                None => {
                    let prefix = self.pick_oui(oui);
                    self.ouis.insert(oui, prefix);
                    self.used_ouis.insert(prefix);
                    prefix
                }
            };
            let offset = (keyed(self.seed, 4, &oui) & 0xff_ffff) as u32;
            let nic = u32::from_be_bytes([0, mac[3], mac[4], mac[5]]);
            let [_, a, b, c] = (nic.wrapping_add(offset) & 0xff_ffff).to_be_bytes();
            self.macs
                .insert(mac, [prefix[0], prefix[1], prefix[2], a, b, c]);
        }
    }

    /// A fresh locally administered, unicast prefix `02:xx:yy` for `oui`.
    fn pick_oui(&self, oui: [u8; 3]) -> [u8; 3] {
        let start = keyed(self.seed, 3, &oui);
        [0x02u8, 0x06, 0x0a, 0x0e]
            .into_iter()
            .flat_map(|first| {
                (0..0x1_0000u64).map(move |k| {
                    let [hi, lo] = (((start + k) & 0xffff) as u16).to_be_bytes();
                    [first, hi, lo]
                })
            })
            .find(|c| !self.used_ouis.contains(c) && !self.seen_ouis.contains(c))
            .unwrap_or([0x02, 0, 0])
    }

    /// The placeholder of a serial number (already trimmed), assigned on first use.
    pub(super) fn serial(&mut self, original: &[u8]) -> Vec<u8> {
        if let Some(known) = self.serials.get(original) {
            return known.clone();
        }
        let mut placeholder = original.to_vec();
        for attempt in 0..64u64 {
            placeholder = scramble(self.seed, 5 + (attempt << 8), original, false);
            if placeholder != original && !self.used_serials.contains(&placeholder) {
                break;
            }
        }
        self.used_serials.insert(placeholder.clone());
        self.serials.insert(original.to_vec(), placeholder.clone());
        placeholder
    }

    /// The serial placeholders handed out so far.
    pub(super) fn serial_map(&self) -> &HashMap<Vec<u8>, Vec<u8>> {
        &self.serials
    }
}

/// Same-length pseudonym of `original`: digits → digits, letters → letters of the same case,
/// other octets kept; with `all_letters`, every octet becomes a lowercase letter.
pub(super) fn scramble(seed: u64, domain: u64, original: &[u8], all_letters: bool) -> Vec<u8> {
    let base = keyed(seed, domain, original);
    original
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let h = splitmix(base ^ i as u64);
            let pick = |n: u64, from: u8| from + (h % n) as u8;
            match b {
                _ if all_letters => pick(26, b'a'),
                b'0'..=b'9' => pick(10, b'0'),
                b'A'..=b'Z' => pick(26, b'A'),
                b'a'..=b'z' => pick(26, b'a'),
                _ => b,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ips(list: &[[u8; 4]]) -> BTreeSet<[u8; 4]> {
        list.iter().copied().collect()
    }

    #[test]
    fn ip_replacements_keep_structure_and_avoid_originals() {
        let mut p = Pseudonyms::new(7);
        let originals = ips(&[
            [172, 27, 192, 33],
            [172, 27, 192, 0],
            [172, 27, 192, 255],
            [172, 27, 193, 125],
            [10, 1, 2, 3],
            [10, 2, 2, 3],
            [127, 0, 0, 1],
            [255, 255, 255, 0],
        ]);
        p.assign_ips(&originals);
        let a = p.ip([172, 27, 192, 33]).unwrap();
        let net = p.ip([172, 27, 192, 0]).unwrap();
        let bcast = p.ip([172, 27, 192, 255]).unwrap();
        assert_eq!(a[..3], net[..3]);
        assert_eq!((a[3], net[3], bcast[3]), (33, 0, 255));
        let other = p.ip([172, 27, 193, 125]).unwrap();
        assert_eq!(a[..2], other[..2]);
        // 192 = 1100_0000 and 193 = 1100_0001 share 7 bits; so do their images.
        assert_eq!(a[2] >> 1, other[2] >> 1);
        assert_eq!(p.ip([127, 0, 0, 1]), None);
        assert_eq!(p.ip([255, 255, 255, 0]), None);
        let images: HashSet<[u8; 4]> = p.ip_map().values().copied().collect();
        assert_eq!(images.len(), p.ip_map().len(), "not injective");
        assert!(images.iter().all(|ip| !originals.contains(ip)));
        assert!(
            images
                .iter()
                .all(|ip| ![[10, 1], [10, 2]].contains(&[ip[0], ip[1]]))
        );
        // Same seed, same answers; another seed, other answers.
        let mut q = Pseudonyms::new(7);
        q.assign_ips(&originals);
        assert_eq!(q.ip_map(), p.ip_map());
        let mut r = Pseudonyms::new(8);
        r.assign_ips(&originals);
        assert_ne!(r.ip_map(), p.ip_map());
    }

    #[test]
    fn permutation_is_bijective() {
        let p = Pseudonyms::new(1);
        let images: HashSet<u8> = (0..=255u8).map(|x| p.permute_octet([10, 0], x)).collect();
        assert_eq!(images.len(), 256);
    }

    #[test]
    fn mac_replacements() {
        let mut p = Pseudonyms::new(3);
        let macs: BTreeSet<[u8; 6]> = [
            [0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00],
            [0x00, 0x18, 0x71, 0xc1, 0xe0, 0x01],
            [0x02, 0x00, 0x00, 0x00, 0x00, 0x01],
            [0x01, 0x00, 0x5e, 0x00, 0x00, 0x01],
            [0; 6],
        ]
        .into_iter()
        .collect();
        p.assign_macs(&macs);
        let a = p.mac([0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00]).unwrap();
        let b = p.mac([0x00, 0x18, 0x71, 0xc1, 0xe0, 0x01]).unwrap();
        assert_eq!(a[0], 0x02);
        assert_eq!(a[..3], b[..3]);
        assert_eq!(
            u32::from_be_bytes([0, b[3], b[4], b[5]]),
            (u32::from_be_bytes([0, a[3], a[4], a[5]]) + 1) & 0xff_ffff
        );
        assert_ne!(p.mac([0x02, 0, 0, 0, 0, 1]).unwrap()[..3], [0x02, 0, 0]);
        assert_eq!(p.mac([0x01, 0x00, 0x5e, 0, 0, 1]), None);
        assert_eq!(p.mac([0; 6]), None);
        assert!(p.mac_map().values().all(|m| !macs.contains(m)));
    }

    #[test]
    fn serial_placeholders() {
        let mut p = Pseudonyms::new(0);
        let s = p.serial(b"SG707SU03Y");
        assert_eq!(s.len(), 10);
        assert_ne!(s, b"SG707SU03Y");
        let classes = |v: &[u8]| -> Vec<u8> {
            v.iter()
                .map(|b| match b {
                    b'0'..=b'9' => b'9',
                    b'A'..=b'Z' => b'A',
                    b'a'..=b'z' => b'a',
                    other => *other,
                })
                .collect()
        };
        assert_eq!(classes(&s), classes(b"SG707SU03Y"));
        assert_eq!(p.serial(b"SG707SU03Y"), s);
        assert_eq!(p.serial(b"ab-12"), p.serial(b"ab-12"));
        assert_eq!(p.serial(b"ab-12")[2], b'-');
        assert_eq!(p.serial_map().len(), 2);
        assert!(
            scramble(1, 6, b"pub lic", true)
                .iter()
                .all(u8::is_ascii_lowercase)
        );
    }
}
