//! COMPONENTS: ENTITY-MIB physical entities (chassis, modules, stack members, power supplies…),
//! with the access points of a Cisco wireless controller, the unit serials of a Dell
//! PowerConnect stack, and the stack units and ports of a Force10 S-series stack.
//!
//! Facts: `network-tasks.md` §3.5 (last paragraph). Fields are canonical strings (surrounding
//! whitespace trimmed), INDEX/CONTAINEDININDEX/FRU integers; empty values are left out.

use std::collections::BTreeMap;

use super::tables::{Tables, constant, int};
use crate::mib::canon;
use crate::model::{Component, SnmpInfo};
use crate::snmp::Value;

/// ENTITY-MIB entPhysicalEntry.
const ENT_PHYSICAL_ENTRY: [u32; 11] = [1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1];
/// Column numbers of entPhysicalEntry used.
const COL_INDEX: u32 = 1;
const COL_DESCR: u32 = 2;
const COL_CONTAINED_IN: u32 = 4;
const COL_CLASS: u32 = 5;
const COL_NAME: u32 = 7;
const COL_HARDWARE_REV: u32 = 8;
const COL_FIRMWARE_REV: u32 = 9;
const COL_SOFTWARE_REV: u32 = 10;
const COL_SERIAL: u32 = 11;
const COL_MFG_NAME: u32 = 12;
const COL_MODEL: u32 = 13;
const COL_IS_FRU: u32 = 16;
const ENTITY_COLUMNS: [u32; 12] = [
    COL_INDEX,
    COL_DESCR,
    COL_CONTAINED_IN,
    COL_CLASS,
    COL_NAME,
    COL_HARDWARE_REV,
    COL_FIRMWARE_REV,
    COL_SOFTWARE_REV,
    COL_SERIAL,
    COL_MFG_NAME,
    COL_MODEL,
    COL_IS_FRU,
];

/// CISCO-LWAPP-AP-MIB cLApIfMacAddress… column giving the entPhysicalIndex of an access point.
const CISCO_AP_ENT_INDEX: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 513, 1, 1, 1, 1, 4];
/// CISCO-LWAPP-AP-MIB: the access point's MAC (same index as [`CISCO_AP_ENT_INDEX`]).
const CISCO_AP_MAC: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 513, 1, 1, 1, 1, 2];
/// AIRESPACE-WIRELESS-MIB bsnApIpAddress (same index).
const CISCO_AP_IP: &[u32] = &[1, 3, 6, 1, 4, 1, 14179, 2, 2, 1, 1, 19];
/// Dell-Vendor-MIB productIdentificationSerialNumber (index = stack unit).
const DELL_UNIT_SERIAL: &[u32] = &[1, 3, 6, 1, 4, 1, 674, 10895, 3000, 1, 2, 100, 8, 1, 2];

/// F10-S-SERIES-CHASSIS-MIB chStackUnitEntry and its columns used.
const F10_STACK_UNIT_ENTRY: [u32; 13] = [1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1];
const F10_UNIT_NUMBER: u32 = 2;
const F10_UNIT_MODEL: u32 = 7;
const F10_UNIT_DESCR: u32 = 9;
const F10_UNIT_CODE_VERSION: u32 = 10;
const F10_UNIT_SERIAL: u32 = 12;
const F10_UNIT_PRODUCT_REV: u32 = 21;
/// chSysPortIfIndex (index = unit.port, value = ifIndex).
const F10_PORT_IF_INDEX: &[u32] = &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 5, 1, 5];
/// The sysObjectIDs of the Force10 S-series.
const F10_S_SERIES: &[u32] = &[1, 3, 6, 1, 4, 1, 6027, 1, 3];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 1],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 2],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 4],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 5],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 7],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 8],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 9],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 10],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 11],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 12],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 13],
    &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 16],
    CISCO_AP_ENT_INDEX,
    CISCO_AP_MAC,
    CISCO_AP_IP,
    DELL_UNIT_SERIAL,
    &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1, 2],
    &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1, 7],
    &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1, 9],
    &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1, 10],
    &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1, 12],
    &[1, 3, 6, 1, 4, 1, 6027, 3, 10, 1, 2, 2, 1, 21],
    F10_PORT_IF_INDEX,
];

/// The components of the device: the ENTITY-MIB entities, then the Force10 S-series stack.
pub(super) fn collect(t: &Tables, info: &SnmpInfo) -> Vec<Component> {
    let mut out = entities(t);
    let force10 = info
        .sysobjectid
        .as_ref()
        .is_some_and(|o| o.arcs().starts_with(F10_S_SERIES));
    if force10 {
        out.extend(force10_stack(t));
    }
    out
}

/// The rows of one column of a table entry, by index.
fn rows<'a>(t: &'a Tables, entry: &[u32], column: u32) -> BTreeMap<Vec<u32>, &'a Value> {
    let root = [entry, &[column]].concat();
    t.column(&root).map(|(i, v)| (i.to_vec(), v)).collect()
}

/// ENTITY-MIB entities, sorted by index.
fn entities(t: &Tables) -> Vec<Component> {
    let columns: BTreeMap<u32, BTreeMap<Vec<u32>, &Value>> = ENTITY_COLUMNS
        .iter()
        .map(|&c| (c, rows(t, &ENT_PHYSICAL_ENTRY, c)))
        .filter(|(_, r)| !r.is_empty())
        .collect();
    // The entities: the values of entPhysicalIndex, else the indexes of the fullest column.
    let mut indexes: Vec<Vec<u32>> = match columns.get(&COL_INDEX) {
        Some(index) => index
            .values()
            .filter_map(|v| constant(v))
            .filter_map(|n| u32::try_from(n).ok())
            .map(|n| vec![n])
            .collect(),
        None => columns
            .values()
            .max_by_key(|r| r.len())
            .map(|r| r.keys().cloned().collect())
            .unwrap_or_default(),
    };
    indexes.sort();
    indexes.dedup();
    if indexes.is_empty() {
        return Vec::new();
    }
    let cell = |column: u32, index: &[u32]| columns.get(&column).and_then(|r| r.get(index));
    let text = |column: u32, index: &[u32]| cell(column, index).and_then(|v| string(v));
    let number = |column: u32, index: &[u32]| cell(column, index).and_then(|v| constant(v));

    // Access points of a Cisco wireless controller, by entPhysicalIndex.
    let mut ap_mac: BTreeMap<Vec<u32>, String> = BTreeMap::new();
    let mut ap_ip: BTreeMap<Vec<u32>, String> = BTreeMap::new();
    for (suffix, v) in t.column(CISCO_AP_ENT_INDEX) {
        let Some(entity) = constant(v).and_then(|n| u32::try_from(n).ok()) else {
            continue;
        };
        let key = [CISCO_AP_MAC, suffix].concat();
        if let Some(mac) = t.get(&key).and_then(canon::value_mac) {
            ap_mac.insert(vec![entity], mac);
        }
        let key = [CISCO_AP_IP, suffix].concat();
        if let Some(ip) = t.get(&key).and_then(string) {
            ap_ip.insert(vec![entity], ip);
        }
    }

    // Dell PowerConnect stacks: unit serials, when more than one unit is listed.
    let dell: BTreeMap<u32, &Value> = t.column_u32(DELL_UNIT_SERIAL).collect();
    let dell = (dell.len() > 1).then_some(dell);
    let mut unit = 0_u32;

    let mut out = Vec::with_capacity(indexes.len());
    for index in &indexes {
        let mut c = Component {
            index: columns
                .get(&COL_INDEX)
                .and_then(|r| r.get(index))
                .and_then(|v| constant(v))
                .or_else(|| index.first().map(|&n| i64::from(n))),
            contained_in: number(COL_CONTAINED_IN, index),
            kind: cell(COL_CLASS, index)
                .and_then(|v| class(v))
                .map(str::to_owned),
            name: text(COL_NAME, index),
            description: text(COL_DESCR, index),
            model: text(COL_MODEL, index),
            serial: text(COL_SERIAL, index),
            manufacturer: text(COL_MFG_NAME, index),
            firmware: text(COL_FIRMWARE_REV, index),
            revision: text(COL_HARDWARE_REV, index),
            version: text(COL_SOFTWARE_REV, index),
            fru: number(COL_IS_FRU, index),
            mac: ap_mac.get(index).cloned(),
            ip: ap_ip.get(index).cloned(),
        };
        if let Some(dell) = &dell
            && c.kind.as_deref() == Some("chassis")
        {
            unit = match c.name.as_deref().and_then(stack_unit) {
                Some(n) => n,
                None => unit.saturating_add(1),
            };
            let serial = dell
                .get(&unit)
                .and_then(|v| canon::raw(v))
                .and_then(|s| canon::serial(&s))
                .filter(|s| !s.is_empty());
            if serial.is_some() {
                c.serial = serial;
            }
        }
        out.push(c);
    }
    out
}

/// The unit number of a Dell chassis named `Unit N`.
fn stack_unit(name: &str) -> Option<u32> {
    let n = name.strip_prefix("Unit ")?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    n.parse().ok()
}

/// The Force10 S-series stack: its units (chassis), the ports of each unit, and the stack.
fn force10_stack(t: &Tables) -> Vec<Component> {
    let mut out = Vec::new();
    let numbers = rows(t, &F10_STACK_UNIT_ENTRY, F10_UNIT_NUMBER);
    let mut units: Vec<i64> = numbers.values().filter_map(|v| int(v)).collect();
    units.sort_unstable();
    let text = |column: u32, unit: i64| {
        let index = [
            &F10_STACK_UNIT_ENTRY[..],
            &[column],
            &[u32::try_from(unit).ok()?],
        ]
        .concat();
        t.get(&index).and_then(string)
    };
    for unit in units {
        out.push(Component {
            index: Some(unit),
            // Interface names count units from zero (Gi0/1).
            name: Some((unit - 1).to_string()),
            contained_in: Some(-1),
            kind: Some("chassis".to_owned()),
            model: text(F10_UNIT_MODEL, unit),
            description: text(F10_UNIT_DESCR, unit),
            firmware: text(F10_UNIT_CODE_VERSION, unit),
            serial: text(F10_UNIT_SERIAL, unit),
            revision: text(F10_UNIT_PRODUCT_REV, unit),
            ..Component::default()
        });
    }
    for (suffix, v) in t.column(F10_PORT_IF_INDEX) {
        let Some(&unit) = suffix.len().checked_sub(2).and_then(|i| suffix.get(i)) else {
            continue;
        };
        out.push(Component {
            index: int(v),
            contained_in: Some(i64::from(unit)),
            kind: Some("port".to_owned()),
            ..Component::default()
        });
    }
    if !out.is_empty() {
        out.push(Component {
            index: Some(-1),
            contained_in: Some(0),
            kind: Some("stack".to_owned()),
            name: Some("Force10 S-series Stack".to_owned()),
            ..Component::default()
        });
    }
    out
}

/// entPhysicalClass as its name (number or `name(n)` form).
fn class(v: &Value) -> Option<&'static str> {
    const NAMES: [&str; 12] = [
        "other",
        "unknown",
        "chassis",
        "backplane",
        "container",
        "powerSupply",
        "fan",
        "sensor",
        "module",
        "port",
        "stack",
        "cpu",
    ];
    let n = match int(v) {
        Some(n) => n,
        None => {
            // Only the exact `name(n)` spelling is accepted.
            let text = canon::raw(v)?;
            let (name, rest) = text.split_once('(')?;
            let n: i64 = rest.strip_suffix(')')?.parse().ok()?;
            let idx = usize::try_from(n.checked_sub(1)?).ok()?;
            if NAMES.get(idx) != Some(&name) {
                return None;
            }
            n
        }
    };
    let idx = usize::try_from(n.checked_sub(1)?).ok()?;
    NAMES.get(idx).copied()
}

/// The agents' component strings: whitespace trimmed and runs of it made one space, `0x…` hex
/// text decoded, then getCanonicalString; `None` when empty.
pub(super) fn string(v: &Value) -> Option<String> {
    let bytes = match v {
        Value::OctetString(b) | Value::Opaque(b) => b.clone(),
        other => canon::raw(other)?.into_bytes(),
    };
    let mut squeezed: Vec<u8> = Vec::with_capacity(bytes.len());
    for word in bytes
        .split(u8::is_ascii_whitespace)
        .filter(|w| !w.is_empty())
    {
        if !squeezed.is_empty() {
            squeezed.push(b' ');
        }
        squeezed.extend_from_slice(word);
    }
    let decoded = hex_text(&squeezed).unwrap_or(squeezed);
    let s = canon::string(&decoded);
    (!s.is_empty()).then_some(s)
}

/// `0x…` hex text as its octets (Perl `hex2char`), when it is well-formed.
fn hex_text(bytes: &[u8]) -> Option<Vec<u8>> {
    let digits = bytes.strip_prefix(b"0x")?;
    if digits.is_empty() || digits.len() % 2 != 0 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netinventory::tables::testing::{s, vb};
    use crate::snmp::Oid;

    fn ent(col: u32) -> Vec<u32> {
        [&ENT_PHYSICAL_ENTRY[..], &[col]].concat()
    }

    #[test]
    fn entity_fields_types_and_fru() {
        let t = Tables::from_varbinds([
            vb(&ent(COL_INDEX), &[2], Value::Integer(2)),
            vb(&ent(COL_INDEX), &[1], Value::Integer(1)),
            vb(&ent(COL_DESCR), &[1], s("  ProCurve   Switch 5406zl ")),
            vb(&ent(COL_CONTAINED_IN), &[1], Value::Integer(0)),
            vb(&ent(COL_CONTAINED_IN), &[2], Value::Integer(1)),
            vb(&ent(COL_CLASS), &[1], Value::Integer(3)),
            vb(&ent(COL_CLASS), &[2], s("powerSupply(6)")),
            vb(&ent(COL_NAME), &[1], s("Chassis")),
            vb(&ent(COL_NAME), &[2], s("")),
            vb(&ent(COL_HARDWARE_REV), &[1], s("Rev 0")),
            vb(&ent(COL_FIRMWARE_REV), &[1], s("0x21")),
            vb(&ent(COL_SOFTWARE_REV), &[1], s("K.15.04")),
            vb(&ent(COL_SERIAL), &[1], s("SG707SU03Y")),
            vb(&ent(COL_MFG_NAME), &[1], s("Hewlett-Packard")),
            vb(&ent(COL_MODEL), &[1], s("J8697A")),
            vb(&ent(COL_IS_FRU), &[1], Value::Integer(1)),
            vb(&ent(COL_IS_FRU), &[2], s("false(2)")),
        ]);
        let c = collect(&t, &SnmpInfo::default());
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0],
            Component {
                index: Some(1),
                contained_in: Some(0),
                kind: Some("chassis".into()),
                name: Some("Chassis".into()),
                description: Some("ProCurve Switch 5406zl".into()),
                model: Some("J8697A".into()),
                serial: Some("SG707SU03Y".into()),
                manufacturer: Some("Hewlett-Packard".into()),
                firmware: Some("!".into()),
                revision: Some("Rev 0".into()),
                version: Some("K.15.04".into()),
                fru: Some(1),
                mac: None,
                ip: None,
            }
        );
        assert_eq!(c[1].index, Some(2));
        assert_eq!(c[1].kind.as_deref(), Some("powerSupply"));
        assert_eq!(c[1].name, None, "empty values are left out");
        assert_eq!(c[1].fru, Some(2));
    }

    #[test]
    fn every_class_name() {
        let names = [
            "other",
            "unknown",
            "chassis",
            "backplane",
            "container",
            "powerSupply",
            "fan",
            "sensor",
            "module",
            "port",
            "stack",
            "cpu",
        ];
        for (n, name) in (1..).zip(names) {
            assert_eq!(class(&Value::Integer(n)), Some(name));
            assert_eq!(class(&s(&format!("{name}({n})"))), Some(name));
        }
        assert_eq!(class(&Value::Integer(13)), None);
        assert_eq!(class(&Value::Integer(0)), None);
        assert_eq!(class(&s("fan(3)")), None);
    }

    #[test]
    fn without_index_column_the_fullest_column_gives_the_entities() {
        let t = Tables::from_varbinds([
            vb(&ent(COL_NAME), &[5], s("a")),
            vb(&ent(COL_NAME), &[3], s("b")),
            vb(&ent(COL_CLASS), &[3], Value::Integer(10)),
        ]);
        let c = collect(&t, &SnmpInfo::default());
        let idx: Vec<_> = c.iter().map(|c| c.index).collect();
        assert_eq!(idx, [Some(3), Some(5)]);
        assert_eq!(c[0].kind.as_deref(), Some("port"));
        assert!(collect(&Tables::new(), &SnmpInfo::default()).is_empty());
    }

    #[test]
    fn cisco_wlc_access_points() {
        let ap = [0, 1, 2, 3, 4, 5];
        let t = Tables::from_varbinds([
            vb(&ent(COL_INDEX), &[1], Value::Integer(1)),
            vb(&ent(COL_INDEX), &[7], Value::Integer(7)),
            vb(&ent(COL_CLASS), &[7], Value::Integer(3)),
            vb(CISCO_AP_ENT_INDEX, &ap, Value::Integer(7)),
            vb(
                CISCO_AP_MAC,
                &ap,
                Value::OctetString(vec![0, 0x3a, 0x99, 0x10, 0x20, 0x30]),
            ),
            vb(CISCO_AP_IP, &ap, Value::IpAddress([10, 0, 0, 9])),
        ]);
        let c = collect(&t, &SnmpInfo::default());
        assert_eq!(c[0].mac, None);
        assert_eq!(c[1].mac.as_deref(), Some("00:3a:99:10:20:30"));
        assert_eq!(c[1].ip.as_deref(), Some("10.0.0.9"));
    }

    #[test]
    fn dell_stack_serials() {
        let mut vbs = Vec::new();
        for (i, name) in [(1, "Unit 2"), (2, "Chassis"), (3, "Fan")] {
            vbs.push(vb(&ent(COL_INDEX), &[i], Value::Integer(i.into())));
            vbs.push(vb(&ent(COL_NAME), &[i], s(name)));
            vbs.push(vb(&ent(COL_SERIAL), &[i], s("ENTITY")));
        }
        vbs.push(vb(&ent(COL_CLASS), &[1], Value::Integer(3)));
        vbs.push(vb(&ent(COL_CLASS), &[2], Value::Integer(3)));
        vbs.push(vb(&ent(COL_CLASS), &[3], Value::Integer(7)));
        vbs.push(vb(DELL_UNIT_SERIAL, &[1], s("CN0001")));
        vbs.push(vb(DELL_UNIT_SERIAL, &[2], s(" CN0002 ")));
        vbs.push(vb(DELL_UNIT_SERIAL, &[3], s("CN0003")));
        let c = collect(&Tables::from_varbinds(vbs.clone()), &SnmpInfo::default());
        let serials: Vec<_> = c.iter().map(|c| c.serial.as_deref()).collect();
        // `Unit 2` → unit 2; the next chassis counts on from there; other classes are untouched.
        assert_eq!(serials, [Some("CN0002"), Some("CN0003"), Some("ENTITY")]);
        // A single unit listed: the entity serials stay.
        let single: Vec<_> = vbs
            .into_iter()
            .filter(|v| !v.oid.arcs().starts_with(DELL_UNIT_SERIAL) || v.oid.arcs().ends_with(&[1]))
            .collect();
        let c = collect(&Tables::from_varbinds(single), &SnmpInfo::default());
        assert_eq!(c[0].serial.as_deref(), Some("ENTITY"));
    }

    /// The upstream assertion on `force10s.walk`: 33 components, the stack, 8 units, 3 ports each.
    #[test]
    fn force10_s_series_stack() {
        let units: [(&str, &str); 8] = [
            ("D", "DL250170022  "),
            ("E", "DL251050115"),
            ("D", "DL253170068"),
            ("D", "DL253170039"),
            ("D", "DL253170089"),
            ("D", "DL253170071"),
            ("E", "DL251050010"),
            ("E", "DL251280022"),
        ];
        let ports: [[u32; 3]; 8] = [
            [34_128_898, 34_391_042, 34_653_186],
            [67_683_330, 67_945_474, 68_207_618],
            [101_237_762, 101_499_906, 101_762_050],
            [134_792_194, 135_054_338, 135_316_482],
            [168_346_626, 168_608_770, 168_870_914],
            [201_901_058, 202_163_202, 202_425_346],
            [235_455_490, 235_717_634, 235_979_778],
            [269_009_922, 269_272_066, 269_534_210],
        ];
        let col = |c: u32| [&F10_STACK_UNIT_ENTRY[..], &[c]].concat();
        let mut vbs = Vec::new();
        for (unit, (rev, serial)) in (1_u32..).zip(units) {
            vbs.push(vb(
                &col(F10_UNIT_NUMBER),
                &[unit],
                Value::Integer(unit.into()),
            ));
            vbs.push(vb(&col(F10_UNIT_MODEL), &[unit], s("S50-01-GE-48T-AC")));
            vbs.push(vb(&col(F10_UNIT_DESCR), &[unit], s("48-port E/FE/GE (SB)")));
            vbs.push(vb(&col(F10_UNIT_CODE_VERSION), &[unit], s("8.4.2.7")));
            vbs.push(vb(&col(F10_UNIT_SERIAL), &[unit], s(serial)));
            vbs.push(vb(&col(F10_UNIT_PRODUCT_REV), &[unit], s(rev)));
            for (port, if_index) in (1_u32..).zip(ports[unit as usize - 1]) {
                vbs.push(vb(
                    F10_PORT_IF_INDEX,
                    &[unit, port],
                    Value::Integer(if_index.into()),
                ));
            }
        }
        let t = Tables::from_varbinds(vbs);
        let info = SnmpInfo {
            sysobjectid: Some(Oid::from_slice(&[1, 3, 6, 1, 4, 1, 6027, 1, 3, 1])),
            ..SnmpInfo::default()
        };
        let c = collect(&t, &info);
        assert_eq!(c.len(), 33);
        let root: Vec<_> = c
            .iter()
            .filter(|c| c.kind.as_deref() == Some("stack"))
            .collect();
        assert_eq!(
            root,
            [&Component {
                index: Some(-1),
                contained_in: Some(0),
                kind: Some("stack".into()),
                name: Some("Force10 S-series Stack".into()),
                ..Component::default()
            }]
        );
        let chassis: Vec<_> = c
            .iter()
            .filter(|c| c.kind.as_deref() == Some("chassis"))
            .collect();
        assert_eq!(chassis.len(), 8);
        for (unit, ch) in (1_i64..).zip(&chassis) {
            let (rev, serial) = units[usize::try_from(unit - 1).expect("unit")];
            assert_eq!(ch.index, Some(unit));
            assert_eq!(ch.name, Some((unit - 1).to_string()));
            assert_eq!(ch.contained_in, Some(-1));
            assert_eq!(ch.model.as_deref(), Some("S50-01-GE-48T-AC"));
            assert_eq!(ch.description.as_deref(), Some("48-port E/FE/GE (SB)"));
            assert_eq!(ch.firmware.as_deref(), Some("8.4.2.7"));
            assert_eq!(ch.revision.as_deref(), Some(rev));
            assert_eq!(ch.serial.as_deref(), Some(serial.trim()));
        }
        for (unit, want) in (1_i64..).zip(ports) {
            let mut got: Vec<i64> = c
                .iter()
                .filter(|c| c.kind.as_deref() == Some("port") && c.contained_in == Some(unit))
                .filter_map(|c| c.index)
                .collect();
            got.sort_unstable();
            assert_eq!(got, want.map(i64::from), "unit {unit}");
        }
        // Another sysObjectID: no stack components.
        assert!(collect(&t, &SnmpInfo::default()).is_empty());
    }
}
