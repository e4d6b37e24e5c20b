//! Anonymisation of real captures (sample4, an HP switch with FDB; a Cisco 3750): nothing
//! identifying survives in the written text, the structure and the cross references stay.

use std::collections::HashSet;

use sonde::snmp::{Value, Varbind};
use sonde::walk::{self, anonymize};

use super::{bytes, get, oid, subtree};
use crate::util::load_walk;

/// What must not survive anonymisation, gathered from the original capture.
struct Secrets {
    ips: HashSet<[u8; 4]>,
    macs: HashSet<[u8; 6]>,
    /// Serial numbers (six octets or more, with a digit), sysContact, sysLocation.
    words: Vec<Vec<u8>>,
}

fn secrets(sorted: &[Varbind]) -> Secrets {
    let masks = [oid("1.3.6.1.2.1.4.20.1.3"), oid("1.3.6.1.2.1.4.21.1.11")];
    let ips = sorted
        .iter()
        .filter(|vb| !masks.iter().any(|m| vb.oid.starts_with(m)))
        .filter_map(|vb| match vb.value {
            Value::IpAddress(ip) if !anonymize::is_kept_ip(ip) => Some(ip),
            _ => None,
        })
        .collect();
    let macs = [
        "1.3.6.1.2.1.2.2.1.6",
        "1.3.6.1.2.1.17.1.1",
        "1.3.6.1.2.1.17.4.3.1.1",
    ]
    .iter()
    .flat_map(|root| subtree(sorted, root))
    .filter_map(|vb| <[u8; 6]>::try_from(bytes(Some(&vb.value))).ok())
    .filter(|mac| !anonymize::is_kept_mac(*mac))
    .collect();
    let mut words: Vec<Vec<u8>> = subtree(sorted, "1.3.6.1.2.1.47.1.1.1.1.11")
        .map(|vb| bytes(Some(&vb.value)).trim_ascii().to_vec())
        .filter(|s| s.len() >= 6 && s.iter().any(u8::is_ascii_digit))
        .collect();
    words.extend(
        ["1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.6.0"]
            .iter()
            .map(|at| bytes(get(sorted, at)).to_vec())
            .filter(|t| !t.is_empty()),
    );
    Secrets { ips, macs, words }
}

/// Where the index of a table OID starts: after `entry.column`, the entry being the first arc 1
/// from the ninth arc on (all the tables of the tested walks follow this).
fn index_start(arcs: &[u32]) -> usize {
    arcs.iter()
        .skip(8)
        .position(|&a| a == 1)
        .map_or(arcs.len(), |at| at + 8 + 2)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Arcs or octets as an address, when they have the right count and range.
fn octets<const N: usize, T: Copy + TryInto<u8>>(values: &[T]) -> Option<[u8; N]> {
    let bytes: Vec<u8> = values
        .iter()
        .map(|&v| v.try_into().ok())
        .collect::<Option<_>>()?;
    bytes.try_into().ok()
}

/// The dotted IPv4 addresses written in text (not those inside OIDs, which a dot precedes).
fn dotted_quads(text: &[u8]) -> impl Iterator<Item = [u8; 4]> + '_ {
    (0..text.len()).filter_map(move |at| {
        if !text[at].is_ascii_digit()
            || (at > 0 && (text[at - 1].is_ascii_digit() || text[at - 1] == b'.'))
        {
            return None;
        }
        let end = text[at..]
            .iter()
            .position(|b| !b.is_ascii_digit() && *b != b'.')
            .map_or(text.len(), |n| at + n);
        let parts: Option<Vec<u8>> = text[at..end]
            .split(|&b| b == b'.')
            .take(4)
            .map(|p| std::str::from_utf8(p).ok()?.parse().ok())
            .collect();
        octets::<4, u8>(&parts?)
    })
}

/// The `xx:xx:xx:xx:xx:xx` MACs written in (lowercased) text.
fn colon_macs(lower: &[u8]) -> impl Iterator<Item = [u8; 6]> + '_ {
    (0..lower.len().saturating_sub(16))
        .filter(|&at| (0..5).all(|k| lower[at + 2 + 3 * k] == b':'))
        .filter_map(|at| {
            let parts: Option<Vec<u8>> = (0..6)
                .map(|k| std::str::from_utf8(&lower[at + 3 * k..at + 3 * k + 2]).ok())
                .map(|hex| u8::from_str_radix(hex?, 16).ok())
                .collect();
            octets::<6, u8>(&parts?)
        })
}

fn check_anonymized(name: &str, min_ips: usize, min_macs: usize, min_words: usize) {
    let file = load_walk(name);
    let original = file.sorted();
    let secret = secrets(&original);
    assert!(
        secret.ips.len() >= min_ips,
        "{name}: {} IPs",
        secret.ips.len()
    );
    assert!(
        secret.macs.len() >= min_macs,
        "{name}: {} MACs",
        secret.macs.len()
    );
    assert!(
        secret.words.len() >= min_words,
        "{name}: {} words",
        secret.words.len()
    );

    let mut anon = walk::Anonymizer::new(&[b"public".to_vec()]);
    let out = anon.apply(file.varbinds.clone());
    assert_eq!(out.len(), file.varbinds.len(), "{name}: varbind count");
    assert!(
        out.windows(2).all(|w| w[0].oid <= w[1].oid),
        "{name}: not sorted"
    );
    let again = walk::Anonymizer::new(&[b"public".to_vec()]).apply(file.varbinds.clone());
    assert_eq!(again, out, "{name}: not reproducible");

    // Same structure: OID lengths and value types, as multisets.
    let shape = |vbs: &[Varbind]| {
        let mut s: Vec<(usize, &str)> = vbs
            .iter()
            .map(|vb| (vb.oid.len(), vb.value.type_name()))
            .collect();
        s.sort_unstable();
        s
    };
    assert_eq!(
        shape(&out),
        shape(&file.varbinds),
        "{name}: structure changed"
    );

    let mut text = Vec::new();
    walk::write_all(&mut text, &out).unwrap();
    let reread = walk::parse(&text);
    assert!(reread.errors.is_empty(), "{name}: {:?}", reread.errors);
    assert_eq!(
        reread.varbinds, out,
        "{name}: written text does not read back"
    );

    // Nothing identifying left: not as values, octets, OID indexes, or text.
    assert!(
        secret.ips.iter().all(|ip| anon.mapped_ip(*ip).is_some()),
        "{name}"
    );
    assert!(
        secret.macs.iter().all(|m| anon.mapped_mac(*m).is_some()),
        "{name}"
    );
    let leaks: Vec<[u8; 4]> = dotted_quads(&text)
        .filter(|ip| secret.ips.contains(ip))
        .collect();
    assert!(leaks.is_empty(), "{name}: IPs in the text: {leaks:?}");
    let leaks: Vec<[u8; 6]> = colon_macs(&text.to_ascii_lowercase())
        .filter(|mac| secret.macs.contains(mac))
        .collect();
    assert!(leaks.is_empty(), "{name}: MACs in the text: {leaks:02x?}");
    for vb in &out {
        if let Value::IpAddress(ip) = vb.value {
            assert!(!secret.ips.contains(&ip), "{name}: {vb:?}");
        }
        let arcs = vb.oid.arcs();
        // Windows that start before `entry.column.` include table arcs: `…21.1.10.0.0.0.0`
        // (ipRouteAge of 0.0.0.0) does not hold 10.0.0.0.
        let ip_in_index = arcs
            .windows(4)
            .skip(index_start(arcs))
            .any(|w| octets::<4, _>(w).is_some_and(|ip| secret.ips.contains(&ip)));
        let mac_in_oid = arcs
            .windows(6)
            .any(|w| octets::<6, _>(w).is_some_and(|m| secret.macs.contains(&m)));
        assert!(
            !ip_in_index && !mac_in_oid,
            "{name}: address in OID {}",
            vb.oid
        );
        let Some(s) = vb.value.as_bytes() else {
            continue;
        };
        assert!(
            octets::<4, _>(s).is_none_or(|ip| !secret.ips.contains(&ip)),
            "{name}: IP octets in {vb:?}"
        );
        assert!(
            !s.windows(6)
                .any(|w| octets::<6, _>(w).is_some_and(|m| secret.macs.contains(&m))),
            "{name}: MAC octets in {vb:?}"
        );
        for word in &secret.words {
            assert!(
                !contains(s, word),
                "{name}: {:?} remains in {vb:?}",
                String::from_utf8_lossy(word)
            );
        }
        assert_ne!(s, b"public", "{name}: community remains");
    }

    // Consistency: ipAdEntAddr values equal their index; FDB MAC indexes equal the address
    // column; netmasks and kept addresses unchanged; the same number of rows everywhere.
    for root in [
        "1.3.6.1.2.1.4.20.1.1",
        "1.3.6.1.2.1.4.22.1.3",
        "1.3.6.1.2.1.17.4.3.1.1",
        "1.3.6.1.2.1.17.7.1.2.2.1.2",
    ] {
        assert_eq!(
            subtree(&out, root).count(),
            subtree(&original, root).count(),
            "{name}: rows of {root}"
        );
    }
    let root = oid("1.3.6.1.2.1.4.20.1.1");
    for vb in subtree(&out, "1.3.6.1.2.1.4.20.1.1") {
        let Value::IpAddress(ip) = vb.value else {
            panic!("{vb:?}")
        };
        let index: Vec<u32> = ip.iter().map(|&b| u32::from(b)).collect();
        assert_eq!(vb.oid.suffix_after(&root), Some(index.as_slice()), "{name}");
    }
    let fdb = oid("1.3.6.1.2.1.17.4.3.1.1");
    for vb in subtree(&out, "1.3.6.1.2.1.17.4.3.1.1") {
        let index: Vec<u32> = bytes(Some(&vb.value))
            .iter()
            .map(|&b| u32::from(b))
            .collect();
        assert_eq!(vb.oid.suffix_after(&fdb), Some(index.as_slice()), "{name}");
    }
    let masks = |vbs: &[Varbind]| -> Vec<String> {
        let mut m: Vec<String> = subtree(vbs, "1.3.6.1.2.1.4.20.1.3")
            .map(|vb| format!("{:?}", vb.value))
            .collect();
        m.sort();
        m
    };
    assert_eq!(masks(&out), masks(&original), "{name}: netmasks changed");
    for vb in subtree(&original, "1.3.6.1.2.1.4.20.1.1") {
        if let Value::IpAddress(ip) = vb.value
            && anonymize::is_kept_ip(ip)
        {
            assert_eq!(get(&out, &vb.oid.to_string()), Some(&vb.value), "{name}");
        }
    }
    // dot1qTpFdbPort indexes (fdbId.mac) hold replaced (02:…) or kept MACs only.
    let q = oid("1.3.6.1.2.1.17.7.1.2.2.1.2");
    for vb in subtree(&out, "1.3.6.1.2.1.17.7.1.2.2.1.2") {
        let mac = octets::<6, _>(&vb.oid.suffix_after(&q).unwrap()[1..]).unwrap();
        assert!(
            anonymize::is_kept_mac(mac) || mac[0] == 2,
            "{name}: {mac:02x?}"
        );
    }
}

#[test]
fn anonymize_hp_switch_with_fdb() {
    check_anonymized("resources/walks/sample4.walk", 15, 300, 3);
    // What the inventory reads after anonymisation: placeholders for sysContact and
    // sysLocation, the mapped bridge address and serial.
    let file = load_walk("resources/walks/sample4.walk");
    let mut anon = walk::Anonymizer::new(&[]);
    let out = anon.apply(file.varbinds);
    assert!(bytes(get(&out, "1.3.6.1.2.1.1.4.0")).starts_with(b"contact-"));
    assert!(bytes(get(&out, "1.3.6.1.2.1.1.6.0")).starts_with(b"location-"));
    let bridge = anon
        .mapped_mac([0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00])
        .unwrap();
    assert_eq!(bytes(get(&out, "1.3.6.1.2.1.17.1.1.0")), bridge);
    let serial = bytes(get(&out, "1.3.6.1.2.1.47.1.1.1.1.11.1"));
    assert_eq!(serial.len(), 10);
    assert_eq!(bytes(get(&out, "1.3.6.1.4.1.11.2.36.1.1.2.9.0")), serial);
    let model_serial = bytes(get(&out, "1.3.6.1.4.1.11.2.36.1.1.5.1.1.2.1"));
    assert_eq!(model_serial, [&b"HPJ8697A"[..], serial].concat());
}

#[test]
fn anonymize_cisco_c3750() {
    check_anonymized(
        "extra/snmpsim-data/network/switch/cisco-c3750.walk",
        10,
        20,
        5,
    );
}

/// Every bundled walk anonymises without loss: same count, same shape, text that reads back.
#[test]
fn every_walk_anonymizes() {
    let mut anon = walk::Anonymizer::new(&[b"public".to_vec(), b"private".to_vec()]);
    for path in crate::util::walk_paths() {
        let name = crate::util::walk_name(&path);
        let file = walk::read(&path).unwrap();
        let out = anon.apply(file.varbinds.clone());
        assert_eq!(out.len(), file.varbinds.len(), "{name}");
        let mut text = Vec::new();
        walk::write_all(&mut text, &out).unwrap();
        let back = walk::parse(&text);
        assert!(back.errors.is_empty(), "{name}: {:?}", back.errors);
        assert_eq!(back.varbinds, out, "{name}");
    }
}
