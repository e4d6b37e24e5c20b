//! Network inventory: the upstream expected results of sample4 and sample6 element by element,
//! the reference agents' summaries on every bundled walk, and live (simulator) = file mode.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use sonde::mib::MibDb;
use sonde::model::{Connections, NetInventory};
use sonde::netinventory::{InventoryOptions, WalkDevice, inventory};
use sonde::report::netinventory::device_element;
use sonde::snmp::{
    AgentOptions, Client, Communities, Credential, DispatcherConfig, Mib, Simulator, Target,
};

use crate::util;

fn resource(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/resources/netinventory")
        .join(name)
}

fn walk_file(rel: &str) -> PathBuf {
    util::walks_dir().join(format!("{rel}.gz"))
}

fn read_text(path: &std::path::Path) -> String {
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

async fn from_file(rel: &str) -> NetInventory {
    let device = WalkDevice::open(&walk_file(rel)).unwrap();
    let db = MibDb::bundled().unwrap();
    inventory(&device, &db, &InventoryOptions::default())
        .await
        .unwrap()
}

/// The DEVICE element of an XML document (a whole message or the element alone) as sorted
/// `path=value` lines: list items are keyed by what identifies them (PORT by IFNUMBER,
/// COMPONENT by INDEX, VLAN by NUMBER, FIRMWARES by NAME, a neighbour by its SYSMAC/SYSNAME), so
/// the comparison ignores element order, which is not meaningful in these messages.
fn flatten(xml: &str) -> Vec<String> {
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

fn child_text<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> &'a str {
    node.children()
        .find(|c| c.has_tag_name(name))
        .and_then(|c| c.text())
        .unwrap_or("")
}

fn visit(node: roxmltree::Node<'_, '_>, path: &str, out: &mut Vec<String>) {
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
fn diff(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
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

fn show(lines: &[String]) -> String {
    lines.iter().take(40).map(|l| format!("  {l}\n")).collect()
}

#[tokio::test]
async fn sample4_matches_the_upstream_result_element_by_element() {
    // Deliberate differences from `sample4.result` (FusionInventory's expected output, asserted
    // by its t/apps/netinventory.t): none so far.
    let inv = from_file("resources/walks/sample4.walk").await;
    let ours = flatten(&device_element(&inv).to_document());
    let expected = flatten(&read_text(&resource("sample4.result.gz")));
    let (extra, missing) = diff(&ours, &expected);
    println!(
        "sample4: {} values expected, {} produced",
        expected.len(),
        ours.len()
    );
    assert!(
        extra.is_empty() && missing.is_empty(),
        "sample4 differs from the upstream result\nonly in sonde ({}):\n{}only upstream ({}):\n{}",
        extra.len(),
        show(&extra),
        missing.len(),
        show(&missing)
    );
}

#[tokio::test]
async fn sample6_matches_the_upstream_results() {
    let inv = from_file("resources/walks/sample6.walk").await;
    let ours = flatten(&device_element(&inv).to_document());
    // FusionInventory's result has an empty `<TYPE />` that flatten ignores; GLPI agent's has
    // none: both are the same values.
    for name in ["sample6.result", "sample6.glpi.result"] {
        let expected = flatten(&read_text(&resource(name)));
        assert_eq!(ours, expected, "{name}");
    }
    assert_eq!(
        ours,
        [
            "DEVICE/INFO/ID=0",
            "DEVICE/INFO/MEMORY=1",
            "DEVICE/INFO/RAM=8161"
        ]
    );
}

/// Serves a bundled walk on a loopback port (community `public`).
async fn serve(rel: &str) -> (Simulator, std::net::SocketAddr) {
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

#[tokio::test]
async fn live_inventory_equals_file_mode_in_few_requests() {
    let db = MibDb::bundled().unwrap();
    let client = Client::new(DispatcherConfig::default());
    // The biggest walks: the HP 5406zl (77,312 objects), and two big switches.
    for (rel, most) in [
        ("resources/walks/sample4.walk", 477),
        ("extra/snmpsim-data/network/switch/cisco-c3750.walk", 400),
        ("resources/walks/sample1.walk", 40),
    ] {
        let (sim, addr) = serve(rel).await;
        let session = client.session(
            Target::new(addr, Credential::v2c("public"))
                .with_timeout(Duration::from_secs(2))
                .with_retries(1),
        );
        let live = inventory(&session, &db, &InventoryOptions::default())
            .await
            .unwrap();
        let file = from_file(rel).await;
        let requests = session.requests();
        println!("{rel}: {requests} requests, {} ports", live.ports.len());
        assert_eq!(
            device_element(&live).to_document(),
            device_element(&file).to_document(),
            "{rel}: live and file mode differ"
        );
        assert!(
            requests <= most,
            "{rel}: {requests} requests (at most {most} expected)"
        );
        sim.shutdown().await;
    }
}
