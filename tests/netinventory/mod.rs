//! Network inventory: the upstream expected results of sample4 and sample6 element by element,
//! the reference agents' summaries on every bundled walk, live (simulator, snmpd) = file mode,
//! the commands, failures and per-VLAN contexts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use sonde::mib::MibDb;
use sonde::model::NetInventory;
use sonde::netinventory::{InventoryOptions, WalkDevice, inventory};
use sonde::snmp::{AgentOptions, Communities, Mib, Simulator};

use crate::util;

/// Live runs against the simulator and snmpd, the commands, failures, per-VLAN contexts.
mod live;
/// The upstream results and both reference agents' summaries.
mod reference;

pub(super) fn resource(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/resources/netinventory")
        .join(name)
}

pub(super) fn walk_file(rel: &str) -> PathBuf {
    util::walks_dir().join(format!("{rel}.gz"))
}

pub(super) fn read_text(path: &std::path::Path) -> String {
    let raw = std::fs::read(path).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(raw.as_slice()), &mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(raw).unwrap()
    }
}

pub(super) async fn from_file(rel: &str) -> NetInventory {
    let device = WalkDevice::open(&walk_file(rel)).unwrap();
    let db = MibDb::bundled().unwrap();
    inventory(&device, db, &InventoryOptions::default())
        .await
        .unwrap()
}

/// The DEVICE element of an XML document (a whole message or the element alone) as sorted
/// `path=value` lines: list items are keyed by what identifies them (PORT by IFNUMBER,
/// COMPONENT by INDEX, VLAN by NUMBER, FIRMWARES by NAME, a neighbour by its SYSMAC/SYSNAME), so
/// the comparison ignores element order, which is not meaningful in these messages.
pub(super) fn flatten(xml: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap();
    let device = doc
        .descendants()
        .find(|n| n.has_tag_name("DEVICE"))
        .expect("a DEVICE element");
    let mut out = Vec::new();
    visit(device, "DEVICE", &mut out);
    out.sort();
    out
}

pub(super) fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    node.children()
        .find(|c| c.has_tag_name(name))
        .and_then(|c| c.text())
        .unwrap_or("")
}

pub(super) fn visit(node: roxmltree::Node<'_, '_>, path: &str, out: &mut Vec<String>) {
    let elements: Vec<_> = node.children().filter(|c| c.is_element()).collect();
    if elements.is_empty() {
        let text = node.text().unwrap_or("").trim();
        // `<TYPE />`: an empty element is no value (FusionInventory writes some).
        if !text.is_empty() {
            out.push(format!("{path}={text}"));
        }
        return;
    }
    for c in elements {
        let name = c.tag_name().name();
        let key = match (node.tag_name().name(), name) {
            ("PORTS", "PORT") => format!("PORT[{}]", child_text(c, "IFNUMBER")),
            (_, "COMPONENT") => format!("COMPONENT[{}]", child_text(c, "INDEX")),
            (_, "VLAN") => format!("VLAN[{}]", child_text(c, "NUMBER")),
            (_, "FIRMWARES") => format!("FIRMWARES[{}]", child_text(c, "NAME")),
            ("CONNECTIONS", "CONNECTION")
                if c.children()
                    .any(|x| x.has_tag_name("SYSMAC") || x.has_tag_name("SYSNAME")) =>
            {
                format!(
                    "CONNECTION[{}|{}]",
                    child_text(c, "SYSMAC"),
                    child_text(c, "SYSNAME")
                )
            }
            _ => name.to_owned(),
        };
        visit(c, &format!("{path}/{key}"), out);
    }
}

/// Lines only in `a`, and only in `b` (as multisets).
pub(super) fn diff(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let mut count: BTreeMap<&str, i64> = BTreeMap::new();
    for l in a {
        *count.entry(l).or_default() += 1;
    }
    for l in b {
        *count.entry(l).or_default() -= 1;
    }
    let mut only_a = Vec::new();
    let mut only_b = Vec::new();
    for (l, n) in count {
        for _ in 0..n.max(0) {
            only_a.push(l.to_owned());
        }
        for _ in 0..(-n).max(0) {
            only_b.push(l.to_owned());
        }
    }
    (only_a, only_b)
}

pub(super) fn show(lines: &[String]) -> String {
    lines.iter().take(40).map(|l| format!("  {l}\n")).collect()
}

/// Serves a bundled walk on a loopback port (community `public`).
pub(super) async fn serve(rel: &str) -> (Simulator, std::net::SocketAddr) {
    let walk = util::load_walk(rel);
    let mut c = Communities::new();
    c.insert(b"public".to_vec(), Arc::new(Mib::new(walk.varbinds)));
    let sim = Simulator::start(
        vec![("127.0.0.1:0".parse().unwrap(), c)],
        AgentOptions::default(),
    )
    .await
    .unwrap();
    let addr = sim.local_addrs()[0];
    (sim, addr)
}

pub(super) fn sonde(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

/// `sonde simulate` serving `walks` on 127.0.0.31, .32, … (one port), stopped when dropped.
pub(super) struct Simulate(std::process::Child, pub(super) u16);

impl Drop for Simulate {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(super) fn simulate(walks: &[&str]) -> Simulate {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sonde"));
    cmd.arg("simulate");
    for (i, rel) in walks.iter().enumerate() {
        cmd.arg("--walk").arg(walk_file(rel));
        cmd.arg("--listen")
            .arg(format!("127.0.0.{}:{port}", 31 + i));
    }
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    for _ in walks {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut err, &mut line).unwrap();
        assert!(line.contains("answering on udp"), "simulate said: {line}");
    }
    Simulate(child, port)
}

/// The DEVICE elements of a stream of SNMPQUERY messages, flattened.
pub(super) fn devices(xml: &str) -> Vec<Vec<String>> {
    xml.split("<?xml")
        .filter(|m| m.contains("<QUERY>SNMPQUERY</QUERY>") && m.contains("<DEVICE>"))
        .map(|m| flatten(&format!("<?xml{m}")))
        .collect()
}

/// Without the INFO/ID line (the position of a device on the command line).
pub(super) fn without_id(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.starts_with("DEVICE/INFO/ID="))
        .cloned()
        .collect()
}
