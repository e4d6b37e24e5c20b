//! Vendor additions to an inventory (the reference agents' MibSupport `run` hooks).
//!
//! Extra FIRMWARES and PAGECOUNTERS are data: the `[[inventory]]` rules of the identification
//! database (`mibs/inventory.toml`, user-overridable) that apply to the device. What needs an
//! algorithm stays here: the SSID names of the radio interfaces of Aruba and Ubiquiti access
//! points here; Digi modems and Cisco port security in `digi`; the printer counter and firmware
//! tables in `vendor_printers`. (Components of vendor tables are built by `components`.)

use super::tables::Tables;
use super::{digi, printer, vendor_printers};
use crate::mib::MibDb;
use crate::mib::canon;
use crate::mib::inventory::{DEVICE_FIELDS, FirmwareRule, Text};
use crate::model::{Firmware, NetInventory, Port, SnmpInfo};
use crate::snmp::{Oid, Value};

/// AI-AP-MIB aiWlanESSID and aiWlanMACAddress (same index).
const ARUBA_WLAN_ESSID: &[u32] = &[1, 3, 6, 1, 4, 1, 14823, 2, 3, 3, 1, 2, 3, 1, 3];
const ARUBA_WLAN_MAC: &[u32] = &[1, 3, 6, 1, 4, 1, 14823, 2, 3, 3, 1, 2, 3, 1, 4];
/// UBNT-UniFi-MIB unifiVapEssid and unifiVapName (same index).
const UNIFI_VAP_ESSID: &[u32] = &[1, 3, 6, 1, 4, 1, 41112, 1, 6, 1, 2, 1, 6];
const UNIFI_VAP_NAME: &[u32] = &[1, 3, 6, 1, 4, 1, 41112, 1, 6, 1, 2, 1, 7];

fn has(info: &SnmpInfo, module: &str) -> bool {
    info.mib_support.iter().any(|m| m == module)
}

/// Columns the applying vendor modules read.
pub(super) fn columns(info: &SnmpInfo) -> Vec<Oid> {
    let mut out = Vec::new();
    if has(info, "Aruba") {
        out.extend([ARUBA_WLAN_ESSID, ARUBA_WLAN_MAC].map(Oid::from_slice));
    }
    if has(info, "Ubnt") {
        out.extend([UNIFI_VAP_ESSID, UNIFI_VAP_NAME].map(Oid::from_slice));
    }
    out.extend(vendor_printers::columns(info));
    out.extend(digi::columns(info));
    out
}

/// Objects the applying inventory rules GET.
pub(super) fn scalars(db: &MibDb, info: &SnmpInfo) -> Vec<Oid> {
    let mut out: Vec<Oid> = db.inventory_rules(info).flat_map(|r| r.scalars()).collect();
    out.extend(vendor_printers::scalars(info));
    out.extend(digi::scalars(info));
    out
}

/// Adds what the applying vendor modules know.
pub(super) fn apply(db: &MibDb, t: &Tables, inv: &mut NetInventory) {
    let info = inv.info.snmp.clone();
    for rule in db.inventory_rules(&info) {
        for f in &rule.firmwares {
            if let Some(fw) = firmware(t, f, &info) {
                inv.firmwares.push(fw);
            }
        }
        for c in &rule.counters {
            if c.keep && inv.page_counters.get(&c.key).is_some_and(|v| truthy(v)) {
                continue;
            }
            let values: Vec<i128> = c
                .get
                .iter()
                .filter_map(|oid| t.get(oid.arcs()))
                .filter_map(|v| printer::integer(v)?.parse().ok())
                .collect();
            let sum: i128 = values.iter().sum();
            if sum != 0 {
                inv.page_counters.insert(c.key.clone(), sum.to_string());
            }
        }
    }
    if has(&info, "Aruba") {
        aruba_ssids(t, &mut inv.ports);
    }
    if has(&info, "Ubnt") {
        unifi_ssids(t, &mut inv.ports);
    }
    vendor_printers::apply(t, inv);
    digi::apply(t, inv);
}

/// Perl truth of a text.
fn truthy(text: &str) -> bool {
    !text.is_empty() && text != "0"
}

/// The canonical string of an object, when it is true.
fn text_of(t: &Tables, oid: &Oid) -> Option<String> {
    t.get(oid.arcs())
        .and_then(canon::value_string)
        .filter(|s| truthy(s))
}

/// Fills a template: `{1}`… (and `{}`) from `parts`, the device fields from `info`.
fn fill(template: &str, parts: &[String], info: &SnmpInfo) -> String {
    let mut out = template.replace("{}", parts.first().map_or("", String::as_str));
    for (i, part) in parts.iter().enumerate() {
        out = out.replace(&format!("{{{}}}", i + 1), part);
    }
    for (field, value) in
        DEVICE_FIELDS
            .iter()
            .zip([&info.model, &info.manufacturer, &info.description])
    {
        out = out.replace(field, value.as_deref().unwrap_or_default());
    }
    out
}

/// A firmware of a rule, when its version objects all have a value.
fn firmware(t: &Tables, rule: &FirmwareRule, info: &SnmpInfo) -> Option<Firmware> {
    let mut parts: Vec<String> = rule
        .version
        .iter()
        .map(|oid| text_of(t, oid))
        .collect::<Option<_>>()?;
    parts.extend(rule.optional.iter().map(|oid| {
        t.get(oid.arcs())
            .and_then(canon::value_string)
            .unwrap_or_default()
    }));
    let mut version = fill(&rule.format, &parts, info);
    if let Some(p) = &rule.matches {
        version = p.extract(&version)?;
    }
    if let Some((p, with)) = &rule.replace {
        version = p.replace_first(&version, with);
    }
    if version.is_empty() || rule.reject.as_ref().is_some_and(|p| p.is_match(&version)) {
        return None;
    }
    let name = match &rule.name {
        Text::Value(name) => fill(name, &parts, info),
        Text::Get(oid) => text_of(t, oid)?,
    };
    let text = |v: &Option<String>| v.as_deref().map(|s| fill(s, &parts, info));
    Some(Firmware {
        name,
        description: text(&rule.description),
        kind: rule.kind.clone(),
        version: Some(version),
        manufacturer: text(&rule.manufacturer),
        date: None,
    })
}

/// Aruba: a radio interface whose MAC is a WLAN's is renamed after the WLAN's SSID (with its
/// band), its description moving to IFALIAS.
fn aruba_ssids(t: &Tables, ports: &mut [Port]) {
    for (index, mac) in t.column(ARUBA_WLAN_MAC) {
        let Some(mac) = canon::value_mac(mac) else {
            continue;
        };
        let Some(port) = ports.iter_mut().find(|p| p.mac.as_deref() == Some(&mac)) else {
            continue;
        };
        let descr = port.ifdescr.clone().unwrap_or_default();
        if !descr.is_empty() {
            port.ifalias = Some(descr.clone());
        }
        let ssid = t
            .get(&[ARUBA_WLAN_ESSID, index].concat())
            .and_then(canon::value_string)
            .filter(|s| !s.is_empty());
        if let Some(mut name) = ssid {
            if descr.starts_with("radio0") {
                name.push_str(" (5GHz)");
            } else if descr.starts_with("radio1") {
                name.push_str(" (2.4GHz)");
            }
            port.ifname = Some(name);
        }
    }
}

/// Ubiquiti UniFi: `ra*` interfaces are radios (ethernetCsmacd becomes ieee80211), and one
/// named as a VAP is renamed after the VAP's SSID (with its band), its description moving to
/// IFALIAS.
fn unifi_ssids(t: &Tables, ports: &mut [Port]) {
    let vaps: Vec<(&[u32], &Value)> = t.column(UNIFI_VAP_NAME).collect();
    for port in ports.iter_mut() {
        let Some(descr) = port.ifdescr.clone().filter(|d| d.starts_with("ra")) else {
            continue;
        };
        if port.iftype == Some(6) {
            port.iftype = Some(71);
        }
        let vap = vaps
            .iter()
            .find(|(_, name)| canon::raw(name).as_deref() == Some(descr.as_str()));
        let Some((index, _)) = vap else {
            continue;
        };
        port.ifalias = Some(descr.clone());
        let ssid = t
            .get(&[UNIFI_VAP_ESSID, index].concat())
            .and_then(canon::value_string)
            .filter(|s| !s.is_empty());
        if let Some(mut name) = ssid {
            let band = |prefix: &str| {
                descr
                    .strip_prefix(prefix)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            };
            if band("ra") {
                name.push_str(" (2.4GHz)");
            } else if band("rai") {
                name.push_str(" (5GHz)");
            }
            port.ifname = Some(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::Varbind;

    fn vb(oid: &[u32], value: Value) -> Varbind {
        Varbind::new(Oid::from_slice(oid), value)
    }

    fn s(text: &str) -> Value {
        Value::OctetString(text.as_bytes().to_vec())
    }

    fn inventory(modules: &[&str], sysobjectid: Option<&[u32]>) -> NetInventory {
        let mut inv = NetInventory::default();
        inv.info.snmp.mib_support = modules.iter().map(|m| (*m).to_owned()).collect();
        inv.info.snmp.sysobjectid = sysobjectid.map(Oid::from_slice);
        inv
    }

    const HP_HTTP_MG_VERSION: &[u32] = &[1, 3, 6, 1, 4, 1, 11, 2, 36, 1, 1, 2, 6, 0];

    #[test]
    fn hp_web_management_firmware() {
        let db = MibDb::bundled().expect("bundled");
        let mut inv = inventory(&["HPHttpManagement"], None);
        assert!(scalars(db, &inv.info.snmp).contains(&Oid::from_slice(HP_HTTP_MG_VERSION)));
        let t = Tables::from_varbinds([vb(HP_HTTP_MG_VERSION, s("K.15.04.0015m"))]);
        apply(db, &t, &mut inv);
        assert_eq!(
            inv.firmwares,
            [Firmware {
                name: "HP-HttpMg-Version".into(),
                description: Some("HP Web Management Software version".into()),
                kind: Some("system".into()),
                version: Some("K.15.04.0015m".into()),
                manufacturer: Some("HP".into()),
                date: None,
            }]
        );
        // Not applying, or no value: nothing.
        let mut other = inventory(&["Cisco"], None);
        apply(db, &t, &mut other);
        assert!(other.firmwares.is_empty());
        let mut empty = inventory(&["HPHttpManagement"], None);
        apply(db, &Tables::new(), &mut empty);
        assert!(empty.firmwares.is_empty());
    }

    #[test]
    fn firmware_names_formats_and_rejects() {
        let rules = crate::mib::inventory::parse(
            "t.toml",
            r#"
[[inventory]]
name = "T"
firmware = [
  { name_get = "1.3.6.1.4.1.9999.1.0", type = "system", version = ["1.3.6.1.4.1.9999.2.0", "1.3.6.1.4.1.9999.3.0"], format = "{1}.{2}" },
  { name = "webcat", version = "1.3.6.1.4.1.9999.4.0", reject = '(?i)not available' },
]
"#,
        )
        .expect("rules");
        let t = Tables::from_varbinds([
            vb(&[1, 3, 6, 1, 4, 1, 9999, 1, 0], s("R80")),
            vb(&[1, 3, 6, 1, 4, 1, 9999, 2, 0], s("80")),
            vb(&[1, 3, 6, 1, 4, 1, 9999, 3, 0], Value::Integer(10)),
            vb(&[1, 3, 6, 1, 4, 1, 9999, 4, 0], s("Not Available")),
        ]);
        let fw = firmware(&t, &rules[0].firmwares[0], &SnmpInfo::default()).expect("firmware");
        assert_eq!(fw.name, "R80");
        assert_eq!(fw.version.as_deref(), Some("80.10"));
        assert!(firmware(&t, &rules[0].firmwares[1], &SnmpInfo::default()).is_none());
        let partial = Tables::from_varbinds([vb(&[1, 3, 6, 1, 4, 1, 9999, 2, 0], s("80"))]);
        assert!(firmware(&partial, &rules[0].firmwares[0], &SnmpInfo::default()).is_none());
    }

    #[test]
    fn page_counters_sum_keep_and_skip_zero() {
        let db = MibDb::bundled().expect("bundled");
        let x = |tail: &[u32]| [&[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1, 6][..], tail].concat();
        let t = Tables::from_varbinds([
            vb(&x(&[1, 20, 1]), Value::Counter32(100)),
            vb(&x(&[1, 20, 34]), Value::Counter32(0)),
            vb(&x(&[10, 20, 11]), Value::Integer(3)),
            vb(&x(&[10, 20, 12]), Value::Integer(4)),
            vb(&x(&[11, 20, 3]), Value::Integer(5)),
            vb(&x(&[11, 20, 25]), s("junk")),
        ]);
        let mut inv = inventory(&[], Some(&[1, 3, 6, 1, 4, 1, 253, 8, 62, 1, 20]));
        apply(db, &t, &mut inv);
        let c = &inv.page_counters;
        assert_eq!(c["PRINTTOTAL"], "100");
        assert!(!c.contains_key("PRINTBLACK"), "zero is no value");
        assert_eq!(c["SCANNED"], "7");
        assert_eq!(c["COPYBLACK"], "5");
        assert_eq!(c["COPYTOTAL"], "5");
        assert!(!c.contains_key("COPYCOLOR"));

        // HP: the standard TOTAL is kept, missing counters are added.
        let hp = |n: u32| vec![1, 3, 6, 1, 4, 1, 11, 2, 3, 9, 4, 2, 1, 4, 1, 2, n, 0];
        let t = Tables::from_varbinds([
            vb(&hp(5), Value::Counter32(900)),
            vb(&hp(7), Value::Counter32(300)),
        ]);
        let mut inv = inventory(&["HPNetPeripheral"], None);
        inv.page_counters.insert("TOTAL".into(), "1000".into());
        apply(db, &t, &mut inv);
        assert_eq!(inv.page_counters["TOTAL"], "1000");
        assert_eq!(inv.page_counters["COLOR"], "300");
    }

    fn port(i: u32, descr: &str, mac: Option<&str>, iftype: i64) -> Port {
        Port {
            ifdescr: Some(descr.into()),
            ifname: Some(descr.into()),
            mac: mac.map(str::to_owned),
            iftype: Some(iftype),
            ..Port::new(i)
        }
    }

    #[test]
    fn aruba_radio_ports_named_after_ssids() {
        let mut inv = inventory(&["Aruba"], None);
        inv.ports = vec![
            port(1, "radio0_ssid_id0", Some("00:0b:86:00:00:01"), 71),
            port(2, "radio1_ssid_id0", Some("00:0b:86:00:00:02"), 71),
            port(3, "eth0", Some("00:0b:86:00:00:03"), 6),
        ];
        let mac = |n: u8| Value::OctetString(vec![0, 0x0b, 0x86, 0, 0, n]);
        let t = Tables::from_varbinds([
            vb(&[ARUBA_WLAN_MAC, &[1]].concat(), mac(1)),
            vb(&[ARUBA_WLAN_ESSID, &[1]].concat(), s("corp")),
            vb(&[ARUBA_WLAN_MAC, &[2]].concat(), mac(2)),
            vb(&[ARUBA_WLAN_ESSID, &[2]].concat(), s("guest")),
        ]);
        assert_eq!(columns(&inv.info.snmp).len(), 2);
        apply(MibDb::bundled().expect("bundled"), &t, &mut inv);
        assert_eq!(inv.ports[0].ifname.as_deref(), Some("corp (5GHz)"));
        assert_eq!(inv.ports[0].ifalias.as_deref(), Some("radio0_ssid_id0"));
        assert_eq!(inv.ports[1].ifname.as_deref(), Some("guest (2.4GHz)"));
        assert_eq!(inv.ports[2].ifname.as_deref(), Some("eth0"));
        assert_eq!(inv.ports[2].ifalias, None);
    }

    #[test]
    fn unifi_radio_ports_named_after_ssids() {
        let mut inv = inventory(&["Ubnt"], None);
        inv.ports = vec![
            port(1, "ra0", None, 6),
            port(2, "rai0", None, 6),
            port(3, "ra9", None, 6),
            port(4, "eth0", None, 6),
        ];
        let t = Tables::from_varbinds([
            vb(&[UNIFI_VAP_NAME, &[1]].concat(), s("ra0")),
            vb(&[UNIFI_VAP_ESSID, &[1]].concat(), s("home")),
            vb(&[UNIFI_VAP_NAME, &[2]].concat(), s("rai0")),
            vb(&[UNIFI_VAP_ESSID, &[2]].concat(), s("home")),
        ]);
        apply(MibDb::bundled().expect("bundled"), &t, &mut inv);
        let p = &inv.ports;
        assert_eq!(p[0].ifname.as_deref(), Some("home (2.4GHz)"));
        assert_eq!(p[0].ifalias.as_deref(), Some("ra0"));
        assert_eq!(p[0].iftype, Some(71));
        assert_eq!(p[1].ifname.as_deref(), Some("home (5GHz)"));
        assert_eq!(p[2].ifname.as_deref(), Some("ra9"), "no VAP of that name");
        assert_eq!(p[2].iftype, Some(71));
        assert_eq!(p[3].iftype, Some(6));
    }
}

#[cfg(test)]
#[path = "vendor_rules_tests.rs"]
mod rules_tests;
