//! sample4 and sample6 against the upstream results; every walk against both reference agents.

use std::collections::BTreeMap;

use sonde::mib::MibDb;
use sonde::model::{Connections, NetInventory};
use sonde::netinventory::{InventoryOptions, WalkDevice, inventory};
use sonde::report::netinventory::device_element;

use super::{diff, flatten, from_file, read_text, resource, show, walk_file};

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

/// The summary the reference outputs were reduced to (`expected.json`): INFO fields, PORTS
/// counts, interface numbers, component count and types, firmwares.
fn summary(inv: &NetInventory) -> BTreeMap<String, serde_json::Value> {
    use serde_json::json;
    let mut m = BTreeMap::new();
    let s = &inv.info.snmp;
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            m.insert(format!("INFO.{k}"), json!(v));
        }
    };
    put("NAME", s.name.clone());
    put("COMMENTS", s.description.clone());
    put("UPTIME", s.uptime.clone());
    put("TYPE", inv.info.device_type.map(|t| t.as_str().to_owned()));
    put("MAC", s.mac.clone());
    put("LOCATION", s.location.clone());
    put("CONTACT", s.contact.clone());
    put("MANUFACTURER", s.manufacturer.clone());
    put("MODEL", s.model.clone());
    put("SERIAL", s.serial.clone());
    put("FIRMWARE", s.firmware.clone());
    put("RAM", inv.info.ram_mb.map(|v| v.to_string()));
    put("MEMORY", inv.info.memory_mb.map(|v| v.to_string()));
    put("CPU", inv.info.cpu.map(|v| v.to_string()));
    if !s.ips.is_empty() {
        m.insert("INFO.IPS".into(), json!(s.ips));
    }
    let ports = &inv.ports;
    let count = |f: &dyn Fn(&sonde::model::Port) -> bool| ports.iter().filter(|p| f(p)).count();
    let macs = |p: &sonde::model::Port| match &p.connections {
        Some(Connections::Macs(m)) => m.len(),
        _ => 0,
    };
    let mut vlans: Vec<u32> = ports
        .iter()
        .flat_map(|p| p.vlans.iter().map(|v| v.number))
        .collect();
    vlans.sort_unstable();
    vlans.dedup();
    let p = [
        ("ports", ports.len()),
        ("with_mac", count(&|p| p.mac.is_some())),
        (
            "with_cdp_or_lldp_neighbor",
            count(&|p| matches!(p.connections, Some(Connections::Neighbours(_)))),
        ),
        ("with_ip", count(&|p| p.ip.is_some())),
        ("with_connected_macs", count(&|p| macs(p) > 0)),
        ("with_vlans", count(&|p| !p.vlans.is_empty())),
        ("trunk", count(&|p| p.trunk == Some(true))),
        ("aggregate", count(&|p| !p.aggregate.is_empty())),
        ("connected_macs_total", ports.iter().map(macs).sum()),
        ("distinct_vlans", vlans.len()),
    ];
    for (k, v) in p {
        m.insert(format!("PORTS.{k}"), json!(v));
    }
    let numbers: Vec<String> = ports
        .iter()
        .filter_map(|p| p.ifnumber.map(|n| n.to_string()))
        .collect();
    m.insert("IFNUMBERS".into(), json!(numbers));
    m.insert("COMPONENTS.count".into(), json!(inv.components.len()));
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    for c in &inv.components {
        *types.entry(c.kind.clone().unwrap_or_default()).or_default() += 1;
    }
    m.insert("COMPONENTS.types".into(), json!(types));
    let firmwares: Vec<String> = inv.firmwares.iter().map(|f| f.name.clone()).collect();
    m.insert("FIRMWARES".into(), json!(firmwares));
    m
}

/// A reference output reduced the same way; fields it does not have are `None`.
fn reference_summary(r: &serde_json::Value) -> BTreeMap<String, Option<serde_json::Value>> {
    use serde_json::{Value, json};
    let mut m: BTreeMap<String, Option<Value>> = BTreeMap::new();
    for k in [
        "NAME",
        "COMMENTS",
        "UPTIME",
        "TYPE",
        "MAC",
        "LOCATION",
        "CONTACT",
        "MANUFACTURER",
        "MODEL",
        "SERIAL",
        "FIRMWARE",
        "RAM",
        "MEMORY",
        "CPU",
        "IPS",
    ] {
        let v = r["INFO"].get(k).cloned().filter(|v| v != &json!(""));
        m.insert(format!("INFO.{k}"), v);
    }
    let ports = &r["PORTS"];
    for k in [
        "ports",
        "with_mac",
        "with_cdp_or_lldp_neighbor",
        "with_ip",
        "with_connected_macs",
        "with_vlans",
        "aggregate",
        "connected_macs_total",
        "distinct_vlans",
    ] {
        m.insert(
            format!("PORTS.{k}"),
            Some(ports.get(k).cloned().unwrap_or(json!(0))),
        );
    }
    // GLPI agent's summaries count trunk ports only where there are some.
    if let Some(t) = ports.get("trunk") {
        m.insert("PORTS.trunk".into(), Some(t.clone()));
    }
    m.insert(
        "IFNUMBERS".into(),
        Some(r.get("IFNUMBERS").cloned().unwrap_or(json!([]))),
    );
    m.insert(
        "COMPONENTS.count".into(),
        Some(r["COMPONENTS"].get("count").cloned().unwrap_or(json!(0))),
    );
    m.insert(
        "COMPONENTS.types".into(),
        Some(r["COMPONENTS"].get("types").cloned().unwrap_or(json!({}))),
    );
    let names: Vec<Value> = r
        .get("FIRMWARES")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|f| f["NAME"].clone()).collect())
        .unwrap_or_default();
    m.insert("FIRMWARES".into(), Some(Value::Array(names)));
    m
}

/// Every bundled walk against both reference agents. Where the two agree, that value is
/// expected; where they differ, GLPI agent's (the maintained successor, whose rules sonde
/// follows: its range checks, LLDP port subtypes, first non-empty ENTITY model…) is expected,
/// and the disagreement is printed. Fails below 95 % agreement overall.
///
/// The two values where sonde differs on purpose (both printed as misses):
/// - `hp-onboard-administrator`: RAM 1011. The agents ask UCD-SNMP memTotalReal without its `.0`
///   instance, which no agent answers (nor their walk reader); sonde asks `memTotalReal.0`.
/// - `sample2`: UPTIME. The walk names sysUpTime `DISMAN-EVENT-MIB::sysUpTimeInstance`, a
///   symbolic name the agents' walk reader skips; sonde reads it (a live run gives it too).
#[tokio::test]
async fn every_walk_agrees_with_the_reference_agents() {
    let text = std::fs::read_to_string(resource("expected-netinventory.json")).unwrap();
    let refs: serde_json::Value = serde_json::from_str(&text).unwrap();
    let db = MibDb::bundled().unwrap();
    let mut per_field: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut refs_differ = 0usize;
    let walks = refs["walks"].as_object().unwrap();
    for (path, r) in walks {
        let device = WalkDevice::open(&walk_file(path)).unwrap();
        let inv = inventory(&device, db, &InventoryOptions::default())
            .await
            .unwrap();
        let ours = summary(&inv);
        let fi = reference_summary(&r["fi26"]);
        let ga = reference_summary(&r["glpi"]);
        for (field, expected) in &ga {
            let both = fi.get(field).is_some_and(|f| f == expected);
            if !both {
                refs_differ += 1;
            }
            let got = ours.get(field).cloned();
            // A field neither reference has and sonde has neither: nothing to compare.
            if expected.is_none() && got.is_none() {
                continue;
            }
            let e = per_field.entry(field.clone()).or_default();
            e.0 += 1;
            if &got == expected {
                e.1 += 1;
            } else {
                misses.push(format!(
                    "{path}: {field}: sonde {} | GLPI agent {} | FI 2.6 {}",
                    got.map_or("-".into(), |v| v.to_string()),
                    expected.as_ref().map_or("-".into(), ToString::to_string),
                    fi.get(field)
                        .cloned()
                        .flatten()
                        .map_or("-".into(), |v| v.to_string()),
                ));
            }
        }
    }
    let (total, agreed) = per_field
        .values()
        .fold((0, 0), |(t, a), (ft, fa)| (t + ft, a + fa));
    println!("field                          agreed/compared");
    for (field, (t, a)) in &per_field {
        println!("{field:<30} {a:>4}/{t:<4}");
    }
    println!(
        "overall: {agreed}/{total} ({:.1} %), {} walks; reference agents differ on {refs_differ} values",
        100.0 * agreed as f64 / total.max(1) as f64,
        walks.len()
    );
    for m in &misses {
        println!("  {m}");
    }
    assert!(
        agreed * 100 >= total * 95,
        "agreement {agreed}/{total} is below 95 %"
    );
}
