//! Writes the seed corpora of the fuzz targets from the reference material in `../shared`: SNMP
//! datagrams encoded by sonde from real walks (v1, v2c, v3 with every security level and the
//! fixed users), chunks of the real walk files, the captured server replies (plain and
//! compressed), agent.cfg files, NetBIOS node status replies and raw HTTP requests.
//!
//! ```text
//! cd fuzz && cargo run --example seed -- ../../shared corpus-seed
//! ```
//!
//! The result is minimized into `corpus/<target>` with `cargo fuzz cmin` (see README.md).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use sonde::net::netbios::responder::{NodeTable, node_status_response};
use sonde::net::netbios::{NbName, node_status_request};
use sonde::snmp::message::{
    CommunityMessage, FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE, ScopedData, ScopedPdu,
    USM_SECURITY_MODEL, UsmParams, V3Message,
};
use sonde::snmp::pdu::{Pdu, PduType};
use sonde::snmp::{Oid, Value, Varbind, Version};
use sonde_fuzz::{ENGINE_ID, SMALL_WALK, seal, users};

/// The server replies, agent.cfg files and HTTP requests.
mod text;
use text::{agent_cfg, http, server_json, server_xml};

/// Largest seed written (libFuzzer's default length limit).
const MAX_SEED: usize = 4096;

/// Where the seeds go.
pub(crate) struct Out {
    root: PathBuf,
    count: usize,
}

impl Out {
    /// Writes one seed of `target` (empty and oversized ones are skipped).
    pub(crate) fn put(&mut self, target: &str, name: &str, bytes: &[u8]) {
        if bytes.is_empty() || bytes.len() > MAX_SEED {
            return;
        }
        let dir = self.root.join(target);
        fs::create_dir_all(&dir).expect("create the corpus directory");
        fs::write(dir.join(name), bytes).expect("write a seed");
        self.count += 1;
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let shared = PathBuf::from(args.next().unwrap_or_else(|| "../../shared".to_owned()));
    let root = PathBuf::from(args.next().unwrap_or_else(|| "corpus-seed".to_owned()));
    let mut out = Out { root, count: 0 };
    let walks = walk_files(&shared.join("walks"));
    let fixtures = shared.join("protocol-fixtures");
    snmp(&mut out, &walks);
    walk_chunks(&mut out, &walks, &fixtures);
    server_xml(&mut out, &fixtures);
    server_json(&mut out, &fixtures);
    agent_cfg(&mut out, &fixtures);
    netbios(&mut out);
    http(&mut out);
    eprintln!("{} seeds written under {}", out.count, out.root.display());
}

/// Every walk file of the reference material, by path.
fn walk_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "walk") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

pub(crate) fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// SNMP

/// Groups of four varbinds from the walks, one group per value type and walk, at most
/// `per_type` groups per type overall.
fn varbind_groups(walks: &[PathBuf], per_type: usize) -> Vec<(String, Vec<Varbind>)> {
    let mut groups = Vec::new();
    let mut seen: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for path in walks {
        let Ok(bytes) = fs::read(path) else {
            continue;
        };
        let file = sonde::walk::parse(&bytes);
        let mut types_here = BTreeSet::new();
        for (i, vb) in file.varbinds.iter().enumerate() {
            let t = vb.value.type_name();
            let n = seen.entry(t).or_default();
            if *n >= per_type || !types_here.insert(t) {
                continue;
            }
            *n += 1;
            let end = (i + 4).min(file.varbinds.len());
            groups.push((
                format!("{}-{t}", stem(path)),
                file.varbinds[i..end].to_vec(),
            ));
        }
    }
    groups
}

fn community(version: Version, pdu: Pdu) -> Vec<u8> {
    CommunityMessage {
        version,
        community: b"public".to_vec(),
        pdu,
    }
    .encode()
}

fn nulls(varbinds: &[Varbind]) -> Vec<Varbind> {
    varbinds
        .iter()
        .map(|vb| Varbind::null(vb.oid.clone()))
        .collect()
}

fn snmp(out: &mut Out, walks: &[PathBuf]) {
    const T: &str = "snmp_message";
    let groups = varbind_groups(walks, 3);
    for (i, (name, varbinds)) in groups.iter().enumerate() {
        let id = 1000 + i32::try_from(i).unwrap_or(0);
        let version = if i % 3 == 0 {
            Version::V1
        } else {
            Version::V2c
        };
        let response = Pdu {
            pdu_type: PduType::Response,
            request_id: id,
            error_status: 0,
            error_index: 0,
            varbinds: varbinds.clone(),
        };
        out.put(
            T,
            &format!("v{version}-response-{name}"),
            &community(version, response),
        );
    }
    // Requests the simulator answers (its MIB is SMALL_WALK): every kind, v1 and v2c.
    let small = sonde::walk::parse(SMALL_WALK.as_bytes()).varbinds;
    let oids = nulls(&small[..3]);
    for version in [Version::V1, Version::V2c] {
        for t in [PduType::Get, PduType::GetNext, PduType::Set] {
            let pdu = Pdu::request(t, 7, oids.clone());
            out.put(T, &format!("v{version}-{t:?}"), &community(version, pdu));
        }
        let missing = vec![Varbind::null(Oid::from_slice(&[1, 3, 6, 1, 2, 1, 1, 9, 0]))];
        let pdu = Pdu::request(PduType::Get, 8, missing);
        out.put(
            T,
            &format!("v{version}-get-missing"),
            &community(version, pdu),
        );
    }
    let bulk = Pdu::bulk(9, 1, 10, nulls(&small[3..6]));
    out.put(T, "v2c-getbulk", &community(Version::V2c, bulk));
    let trap = Pdu::request(PduType::Trap, 10, small[..2].to_vec());
    out.put(T, "v2c-trap", &community(Version::V2c, trap));
    let error = Pdu {
        error_status: 2,
        error_index: 1,
        ..Pdu::request(PduType::Response, 11, nulls(&small[..1]))
    };
    out.put(T, "v1-nosuchname", &community(Version::V1, error));
    let exceptions = Pdu::request(
        PduType::Response,
        12,
        vec![
            Varbind::new(small[0].oid.clone(), Value::NoSuchObject),
            Varbind::new(small[1].oid.clone(), Value::NoSuchInstance),
            Varbind::new(small[2].oid.clone(), Value::EndOfMibView),
        ],
    );
    out.put(T, "v2c-exceptions", &community(Version::V2c, exceptions));

    // v3: discovery, a Report, then every security level for each user.
    let discovery = V3Message {
        msg_id: 20,
        max_size: 65_507,
        flags: FLAG_REPORTABLE,
        security_model: USM_SECURITY_MODEL,
        usm: UsmParams::default(),
        data: ScopedData::Plain(ScopedPdu {
            context_engine_id: Vec::new(),
            context_name: Vec::new(),
            pdu: Pdu::request(PduType::Get, 20, Vec::new()),
        }),
    };
    out.put(T, "v3-discovery", &discovery.encode().0);
    let usm = UsmParams {
        engine_id: ENGINE_ID.to_vec(),
        engine_boots: 3,
        engine_time: 123_456,
        ..UsmParams::default()
    };
    let unknown_engines = Oid::from_slice(&[1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0]);
    let report = V3Message {
        msg_id: 20,
        flags: 0,
        usm: usm.clone(),
        data: ScopedData::Plain(ScopedPdu {
            context_engine_id: ENGINE_ID.to_vec(),
            context_name: Vec::new(),
            pdu: Pdu::request(
                PduType::Report,
                20,
                vec![Varbind::new(unknown_engines, Value::Counter32(1))],
            ),
        }),
        ..discovery
    };
    out.put(T, "v3-report", &report.encode().0);
    for (i, user) in users().iter().enumerate() {
        let (name, varbinds) = &groups[i % groups.len()];
        let scoped = ScopedPdu {
            context_engine_id: ENGINE_ID.to_vec(),
            context_name: if i % 2 == 0 {
                Vec::new()
            } else {
                b"vlan-10".to_vec()
            },
            pdu: Pdu::request(PduType::Response, 30 + i as i32, varbinds.clone()),
        };
        let user_name = String::from_utf8_lossy(user.name);
        for (level, flags) in [
            ("noauth", 0),
            ("auth", FLAG_AUTH),
            ("priv-only", FLAG_PRIV),
            ("authpriv", FLAG_AUTH | FLAG_PRIV),
        ] {
            let bytes = seal(
                30 + i as i32,
                flags,
                usm.clone(),
                &scoped,
                user,
                0x5eed + i as u64,
            );
            out.put(T, &format!("v3-{level}-{user_name}-{name}"), &bytes);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walk files

fn walk_chunks(out: &mut Out, walks: &[PathBuf], fixtures: &Path) {
    const T: &str = "walk_file";
    out.put(T, "small", SMALL_WALK.as_bytes());
    let mut all = walks.to_vec();
    all.push(fixtures.join("generated/printer-synthetic.walk"));
    // For each walk, its head, and 12 lines from the first record of each value style not seen
    // in an earlier walk.
    let mut styles_seen = BTreeSet::new();
    for path in &all {
        let Ok(bytes) = fs::read(path) else {
            continue;
        };
        let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
        let chunk = |from: usize, n: usize| -> Vec<u8> {
            let mut text = Vec::new();
            for line in lines.iter().skip(from).take(n) {
                if text.len() + line.len() > MAX_SEED {
                    break;
                }
                text.extend_from_slice(line);
            }
            text
        };
        out.put(T, &format!("{}-head", stem(path)), &chunk(0, 25));
        for (i, line) in lines.iter().enumerate() {
            let Some(style) = style_of(line) else {
                continue;
            };
            if styles_seen.insert(style) {
                out.put(T, &format!("{}-{}", stem(path), i), &chunk(i, 12));
            }
        }
    }
}

/// The OID style and the value type of a record line: `(.1.3 | iso | MIB::name, TYPE)`.
fn style_of(line: &[u8]) -> Option<(String, String)> {
    let text = String::from_utf8_lossy(line);
    let (oid, value) = text.split_once(" = ")?;
    let oid_style = if oid.starts_with('.') {
        ".n".to_owned()
    } else if let Some((mib, _)) = oid.split_once("::") {
        mib.to_owned()
    } else {
        oid.split('.').next().unwrap_or("").to_owned()
    };
    let value_type = match value.split_once(':') {
        Some((t, _)) if !t.contains('"') && t.len() < 24 => t.to_owned(),
        _ => value.chars().take(12).collect(),
    };
    Some((oid_style, value_type))
}
// ---------------------------------------------------------------------------------------------
// NetBIOS

fn nb(name: &str, suffix: u8, group: bool) -> NbName {
    NbName {
        name: name.to_owned(),
        suffix,
        group,
    }
}

/// A Windows host's reply as captured (name pointer, five names, MAC, statistics).
fn windows_reply() -> Vec<u8> {
    let mut p = vec![
        0x1a, 0x2b, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x0c, 0x00,
        0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05,
    ];
    let mut entry = |name: &[u8], suffix: u8, flags: u16| {
        let mut raw = [b' '; 15];
        raw[..name.len()].copy_from_slice(name);
        p.extend_from_slice(&raw);
        p.push(suffix);
        p.extend_from_slice(&flags.to_be_bytes());
    };
    entry(b"DESKTOP-7QK2", 0x00, 0x0400);
    entry(b"WORKGROUP", 0x00, 0x8400);
    entry(b"DESKTOP-7QK2", 0x20, 0x0400);
    entry(b"ALICE\x07", 0x03, 0x0400);
    entry(b"\xc9QUIPE", 0x1e, 0x8400);
    p.extend_from_slice(&[0x00, 0x1C, 0x42, 0xAB, 0xCD, 0xEF]);
    p.extend_from_slice(&[0; 10]);
    let rdlength = u16::try_from(p.len() - 24).unwrap_or(0).to_be_bytes();
    p[22..24].copy_from_slice(&rdlength);
    p
}

fn netbios(out: &mut Out) {
    const T: &str = "netbios";
    out.put(T, "windows", &windows_reply());
    out.put(T, "request", &node_status_request(0x1234));
    let tables = [
        (
            "samba",
            NodeTable {
                names: vec![
                    nb("FILESRV", 0x20, false),
                    nb("FILESRV", 0x00, false),
                    nb("CORP", 0x00, true),
                    nb("bob", 0x03, false),
                    nb("IS~FILESRV", 0x00, false),
                    nb("\u{1}\u{2}__MSBROWSE__\u{2}", 0x01, true),
                ],
                mac: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02],
            },
        ),
        ("empty", NodeTable::default()),
    ];
    for (name, table) in tables {
        out.put(T, name, &node_status_response(0xbeef, &table));
    }
}
