//! Walk-file integration tests: every bundled walk parses to the expected varbinds, written text
//! reads back identical, malformed files are reported line by line, anonymisation is consistent.
//!
//! Expectations come from `../shared/walks/expected.json`, copied into
//! `tests/resources/walks/variables.tsv` (variable counts) and `observed.tsv` (system values).

/// Anonymisation of real captures.
mod anonymize;

use std::collections::BTreeMap;

use sonde::snmp::{Oid, Value, Varbind};
use sonde::walk::{self, LineErrorKind};

use crate::util::{load_walk, read_tsv, unescape, walk_name, walk_paths};

fn oid(text: &str) -> Oid {
    text.parse().unwrap()
}

/// The value of `oid` in a sorted walk.
fn get<'a>(sorted: &'a [Varbind], text: &str) -> Option<&'a Value> {
    let want = oid(text);
    sorted
        .binary_search_by(|vb| vb.oid.cmp(&want))
        .ok()
        .map(|at| &sorted[at].value)
}

/// The varbinds of a subtree of a sorted walk.
fn subtree<'a>(sorted: &'a [Varbind], root: &str) -> impl Iterator<Item = &'a Varbind> {
    let root = oid(root);
    let start = sorted.partition_point(|vb| vb.oid < root);
    sorted[start..]
        .iter()
        .take_while(move |vb| vb.oid.starts_with(&root))
}

fn bytes(value: Option<&Value>) -> &[u8] {
    value.and_then(Value::as_bytes).unwrap_or_default()
}

#[test]
fn there_are_69_walks() {
    assert_eq!(walk_paths().len(), 69);
    let listed: Vec<String> = read_tsv("variables.tsv")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let found: Vec<String> = walk_paths().iter().map(|p| walk_name(p)).collect();
    assert_eq!(listed, found);
}

/// Every walk parses without error (sample3 ends in a truncated line) and has the number of
/// variables of expected.json. That number counts distinct OIDs: the end-of-walk lines ("No more
/// variables left…", repeating the last OID) are no variables, and a repeated OID counts once.
#[test]
fn every_walk_parses_to_the_expected_count() {
    let expected: BTreeMap<String, usize> = read_tsv("variables.tsv")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].parse().unwrap()))
        .collect();
    let mut problems = Vec::new();
    for path in walk_paths() {
        let name = walk_name(&path);
        let file = walk::read(&path).unwrap();
        if name == "resources/walks/sample3.walk" {
            assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
            assert_eq!(file.errors[0].line, 11);
            assert_eq!(file.errors[0].kind, LineErrorKind::NotAVarbind);
        } else if !file.errors.is_empty() {
            problems.push(format!(
                "{name}: {:?}",
                &file.errors[..file.errors.len().min(3)]
            ));
        }
        let distinct = file.sorted().len();
        if Some(&distinct) != expected.get(&name) {
            problems.push(format!(
                "{name}: {distinct} distinct OIDs ({} varbinds), expected {:?}",
                file.varbinds.len(),
                expected.get(&name)
            ));
        }
        if file
            .varbinds
            .iter()
            .any(|vb| vb.value == Value::EndOfMibView)
        {
            problems.push(format!("{name}: endOfMibView varbind"));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// sysDescr, sysObjectID, sysName, ifNumber, dot1dBaseBridgeAddress and sysORID of expected.json's
/// `observed` block, compared with what the parser gives (strings byte for byte; an observed
/// U+FFFD stands for octets that are not UTF-8, so those strings are compared decoded).
#[test]
fn observed_system_values() {
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut walks: BTreeMap<String, Vec<Varbind>> = BTreeMap::new();
    for row in read_tsv("observed.tsv") {
        let (name, key, want) = (&row[0], row[1].as_str(), unescape(&row[2]));
        let sorted = walks
            .entry(name.clone())
            .or_insert_with(|| load_walk(name).into_sorted());
        let got: Option<String> = match key {
            "sysDescr" | "sysName" => {
                let at = if key == "sysDescr" {
                    "1.3.6.1.2.1.1.1.0"
                } else {
                    "1.3.6.1.2.1.1.5.0"
                };
                let raw = bytes(get(sorted, at));
                if want.contains('\u{fffd}') {
                    Some(String::from_utf8_lossy(raw).into_owned())
                } else {
                    (raw == want.as_bytes()).then(|| want.clone())
                }
            }
            "sysObjectID" => match get(sorted, "1.3.6.1.2.1.1.2.0") {
                Some(Value::ObjectId(o)) => Some(o.to_string()),
                _ => None,
            },
            "ifNumber" => get(sorted, "1.3.6.1.2.1.2.1.0")
                .and_then(Value::as_i128)
                .map(|n| n.to_string()),
            "dot1dBaseBridgeAddress" => Some(
                bytes(get(sorted, "1.3.6.1.2.1.17.1.1.0"))
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<Vec<_>>()
                    .join(":"),
            ),
            "sysORID_count" => Some(subtree(sorted, "1.3.6.1.2.1.1.9.1.2").count().to_string()),
            "sysORID_first" => Some(
                subtree(sorted, "1.3.6.1.2.1.1.9.1.2")
                    .take(8)
                    .map(|vb| match &vb.value {
                        Value::ObjectId(o) => o.to_string(),
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "ifTable_rows" => Some(subtree(sorted, "1.3.6.1.2.1.2.2.1.1").count().to_string()),
            _ => {
                problems.push(format!("{name}: unknown key {key}"));
                continue;
            }
        };
        checked += 1;
        if got.as_deref() != Some(want.as_str()) {
            problems.push(format!("{name} {key}: got {got:?}, want {want:?}"));
        }
    }
    assert!(checked > 350, "only {checked} values checked");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Values the upstream agent tests assert through their SNMP mock (expected.json,
/// `asserted_by_upstream_tests`): `get` results and one `walk`.
#[test]
fn upstream_mock_assertions() {
    let sample1 = load_walk("resources/walks/sample1.walk").into_sorted();
    assert_eq!(bytes(get(&sample1, "1.3.6.1.2.1.1.5.0")), b"oyapock CR2");
    assert_eq!(bytes(get(&sample1, "1.3.6.1.2.1.1.6.0")), b"datacenter");
    // The mock renders non-printable strings as 0x + hex.
    assert_eq!(
        bytes(get(&sample1, "1.3.6.1.6.3.18.1.1.1.4.49")),
        [0, 0, 0, 0x0b, 0, 0, 0, 0x18, 0x71, 0xc1, 0xe0, 0]
    );
    let walked: Vec<(u32, &Value)> = subtree(&sample1, "1.0.8802.1.1.2.1.3.7.1.2")
        .map(|vb| (*vb.oid.arcs().last().unwrap(), &vb.value))
        .collect();
    assert_eq!(
        walked,
        (1..=6).map(|i| (i, &Value::Integer(7))).collect::<Vec<_>>()
    );

    let sample2 = load_walk("resources/walks/sample2.walk").into_sorted();
    assert_eq!(
        bytes(get(&sample2, "1.3.6.1.2.1.1.1.0")),
        b"RICOH Aficio MP 171 1.00.1 / RICOH Network Printer C model / RICOH Network Scanner C \
          model / RICOH Network Facsimile C model"
    );
    assert_eq!(bytes(get(&sample2, "1.3.6.1.2.1.1.5.0")), b"Aficio MP 171");
    assert_eq!(bytes(get(&sample2, "1.3.6.1.2.1.1.6.0")), b"C0172");
    assert_eq!(bytes(get(&sample2, "1.3.6.1.2.1.1.4.0")), b"");
    assert_eq!(
        get(&sample2, "1.3.6.1.2.1.1.3.0"),
        Some(&Value::TimeTicks(950_925_200))
    );
    assert_eq!(
        get(&sample2, "1.3.6.1.2.1.1.2.0"),
        Some(&Value::ObjectId(oid("1.3.6.1.4.1.367.1.1")))
    );

    let sample3 = load_walk("resources/walks/sample3.walk").into_sorted();
    // "11 days, 20:03:20.32" in the mock, which renders net-snmp's text.
    assert_eq!(
        get(&sample3, "1.3.6.1.2.1.1.3.0"),
        Some(&Value::TimeTicks(102_260_032))
    );
    let mut text = Vec::new();
    walk::write_varbind(
        &mut text,
        &Varbind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(102_260_032)),
    )
    .unwrap();
    assert!(text.ends_with(b"11 days, 20:03:20.32\n"));
    assert_eq!(
        bytes(get(&sample3, "1.3.6.1.2.1.2.2.1.2.1")),
        b"AL-CX11 Hard Ver.1.00 Firm Ver.2.30"
    );
    assert_eq!(bytes(get(&sample3, "1.3.6.1.2.1.1.5.0")), b"AL-CX11-CF9D9F");

    let sample5 = load_walk("resources/walks/sample5.walk").into_sorted();
    assert_eq!(
        bytes(get(&sample5, "1.3.6.1.2.1.1.1.0")),
        b"H3C Comware Platform Software, Software Version 5.20 Release 2208\nH3C S5500-52C-EI\n\
          Copyright (c) 2004-2010 Hangzhou H3C Tech. Co., Ltd. All rights reserved."
    );

    // t/apps/netinventory.t on sample4: CONTACT, LOCATION, NAME, SERIAL, MAC, UPTIME.
    let sample4 = load_walk("resources/walks/sample4.walk").into_sorted();
    assert_eq!(
        bytes(get(&sample4, "1.3.6.1.2.1.1.4.0")),
        b"systeme@example.com"
    );
    assert_eq!(bytes(get(&sample4, "1.3.6.1.2.1.1.6.0")), b"datacenter");
    assert_eq!(bytes(get(&sample4, "1.3.6.1.2.1.1.5.0")), b"thisisdog CR2");
    assert_eq!(
        bytes(get(&sample4, "1.3.6.1.2.1.47.1.1.1.1.11.1")),
        b"SG707SU03Y"
    );
    assert_eq!(
        bytes(get(&sample4, "1.3.6.1.2.1.17.1.1.0")),
        [0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00]
    );
    assert_eq!(
        get(&sample4, "1.3.6.1.2.1.1.3.0"),
        Some(&Value::TimeTicks(293_555_959))
    );
    // sample6 (hrStorageSize / hrMemorySize / UCD memTotalReal without instance).
    let sample6 = load_walk("resources/walks/sample6.walk").into_sorted();
    assert_eq!(
        get(&sample6, "1.3.6.1.2.1.25.2.3.1.5.1"),
        Some(&Value::Integer(2_089_255))
    );
    assert_eq!(
        get(&sample6, "1.3.6.1.4.1.2021.4.5.0"),
        Some(&Value::Integer(8_357_020))
    );
}

/// Value forms that only some walks hold, checked at their source lines.
#[test]
fn rare_value_forms() {
    let maipu =
        load_walk("extra/snmpsim-data/network/switch/maipu-sm4200-16gef8ge-ac.walk").into_sorted();
    assert_eq!(
        get(&maipu, "1.3.6.1.4.1.5651.6.7.2.100.10.3.3.0"),
        Some(&Value::Null)
    );
    let netmanage = load_walk("extra/snmpsim-data/os/linux/netmanage.walk").into_sorted();
    let descr = bytes(get(&netmanage, "1.3.6.1.2.1.1.1.0"));
    assert!(
        descr.starts_with(b"Dummy System\r\nChinese: \xd6\xd0\xce\xc4\r\n"),
        "{descr:?}"
    );
    let isilon = load_walk("extra/snmpsim-data/storage/isilon-onefs.walk").into_sorted();
    assert_eq!(
        bytes(get(&isilon, "1.3.6.1.4.1.12124.2.54.1.2.5")),
        b"BB P1 VR Tem\r"
    );
    let opaque: Vec<&Value> = isilon
        .iter()
        .filter(|vb| vb.oid.starts_with(&oid("1.3.6.1.4.1.2021.10.1.6")))
        .map(|vb| &vb.value)
        .collect();
    assert!(!opaque.is_empty());
    assert!(
        opaque
            .iter()
            .all(|v| matches!(v, Value::Opaque(b) if !b.is_empty()))
    );
    let dlink = load_walk("extra/snmpsim-data/network/switch/dlink-des3038.walk").into_sorted();
    assert!(
        dlink
            .iter()
            .any(|vb| vb.value == Value::ObjectId(oid("0.0")))
    );
}

/// parse → write → parse gives identical varbinds, for every walk.
#[test]
fn every_walk_round_trips_through_the_writer() {
    for path in walk_paths() {
        let name = walk_name(&path);
        let first = walk::read(&path).unwrap();
        let mut text = Vec::new();
        walk::write_all(&mut text, &first.varbinds).unwrap();
        let second = walk::parse(&text);
        assert!(second.errors.is_empty(), "{name}: {:?}", second.errors);
        assert_eq!(second.varbinds.len(), first.varbinds.len(), "{name}");
        if let Some(at) =
            (0..first.varbinds.len()).find(|&i| first.varbinds[i] != second.varbinds[i])
        {
            panic!(
                "{name}: #{at}: {:?} became {:?}",
                first.varbinds[at], second.varbinds[at]
            );
        }
    }
}

/// A walk saved with CRLF line ends parses to the same varbinds.
#[test]
fn crlf_copies_parse_the_same() {
    for name in [
        "resources/walks/sample5.walk",
        "extra/snmpsim-data/network/switch/cisco-c3560.walk",
    ] {
        let path = crate::util::walks_dir().join(format!("{name}.gz"));
        let lf = walk::read(&path).unwrap();
        let mut text = Vec::new();
        walk::write_all(&mut text, &lf.varbinds).unwrap();
        let mut crlf = Vec::with_capacity(text.len() * 2);
        for &b in &text {
            if b == b'\n' {
                crlf.push(b'\r');
            }
            crlf.push(b);
        }
        let back = walk::parse(&crlf);
        assert!(back.errors.is_empty(), "{name}: {:?}", back.errors);
        // A string's own CRLF became CR CR LF, of which the line end takes one CR: unchanged.
        assert_eq!(back.varbinds, lf.varbinds, "{name}");
    }
}

/// Garbage lines, bad OIDs, bad hex, bad numbers, binary junk and an unterminated quote: each is
/// an error at its line, and the good lines around them parse.
#[test]
fn malformed_file() {
    let text: &[u8] = b"\
.1.3.6.1.2.1.1.1.0 = STRING: \"good one\"\n\
this is not a walk line\n\
.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.9\n\
.1.3.6..1.2 = INTEGER: 1\n\
iso.3.6.1.2.1.1.3.0 = Timeticks: (12) 0:00:00.12\n\
.1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1G 22\n\
.1.3.6.1.2.1.2.2.1.6.2 = Hex-STRING: 00 11 22 33 44 55 \n\
\x00\x01\x02\xff\xfe garbage \x80\x81\n\
.1.3.6.1.2.1.2.2.1.5.1 = Gauge32: lots\n\
.1.3.6.1.2.1.2.2.1.5.2 = Gauge32: 1000000000\n\
.1.3.6.1.2.1.4.20.1.1.10.0.0.1 = IpAddress: 10.0.0.300\n\
BOGUS-MIB::thing.0 = INTEGER: 3\n\
.1.3.6.1.2.1.4.20.1.1.10.0.0.2 = IpAddress: 10.0.0.2\n\
.1.3.6.1.2.1.1.9.1.3.1 = Frobnicated: 12\n\
.1.3.6.1.2.1.1.5.0 = STRING: \"cut here\n\
and never closed\n";
    let file = walk::parse(text);
    let lines: Vec<usize> = file.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 4, 6, 8, 9, 11, 12, 14, 15], "{:#?}", file.errors);
    assert_eq!(file.errors[1].kind, LineErrorKind::BadOid("empty arc"));
    assert!(matches!(
        file.errors[2].kind,
        LineErrorKind::BadValue {
            kind: "Hex-STRING",
            ..
        }
    ));
    assert!(matches!(
        file.errors[5].kind,
        LineErrorKind::BadValue {
            kind: "IpAddress",
            ..
        }
    ));
    assert_eq!(
        file.errors[6].kind,
        LineErrorKind::UnknownName("BOGUS-MIB::thing".into())
    );
    assert_eq!(
        file.errors[7].kind,
        LineErrorKind::UnknownType("Frobnicated".into())
    );
    assert_eq!(file.errors[8].kind, LineErrorKind::Unterminated);
    assert_eq!(
        file.errors[8].to_string(),
        "line 15: quoted string is not terminated"
    );
    let good: Vec<String> = file.varbinds.iter().map(|vb| vb.oid.to_string()).collect();
    assert_eq!(
        good,
        [
            "1.3.6.1.2.1.1.1.0",
            "1.3.6.1.2.1.1.2.0",
            "1.3.6.1.2.1.1.3.0",
            "1.3.6.1.2.1.2.2.1.6.2",
            "1.3.6.1.2.1.2.2.1.5.2",
            "1.3.6.1.2.1.4.20.1.1.10.0.0.2",
        ]
    );
    // Truncating the file anywhere never panics.
    for end in 0..text.len() {
        let _ = walk::parse(&text[..end]);
    }
}

/// Parse time of the biggest walk (4.9 MB, 77,312 varbinds); run with
/// `cargo test --release --test integration parse_speed -- --ignored`.
#[test]
#[ignore = "timing; meaningful in release builds only"]
fn parse_speed_sample4() {
    let path = crate::util::walks_dir().join("resources/walks/sample4.walk.gz");
    let raw = std::fs::read(&path).unwrap();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut text)
        .unwrap();
    let mut best = std::time::Duration::MAX;
    for _ in 0..10 {
        let start = std::time::Instant::now();
        let file = walk::parse(&text);
        best = best.min(start.elapsed());
        assert_eq!(file.varbinds.len(), 77_312);
    }
    assert!(best.as_millis() < 100, "parse took {best:?}");
}
