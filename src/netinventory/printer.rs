//! Printer data: CARTRIDGES (Printer-MIB marker supplies of the first printer device) and
//! PAGECOUNTERS (prtMarkerLifeCount and the Kyocera counters every printer is asked for; vendor
//! counters are added by [`super::vendor`]).
//!
//! Facts: `network-tasks.md` §3.4.

use std::collections::BTreeMap;

use super::tables::{Tables, dotted, int};
use crate::mib::canon;
use crate::snmp::Value;

/// prtMarkerColorantValue of hrDeviceIndex 1 (index = colorant index).
const COLORANT_VALUE: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 12, 1, 1, 4, 1];
/// prtMarkerSupplies columns of hrDeviceIndex 1 (index = supply index).
const SUPPLY_COLORANT: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 3, 1];
const SUPPLY_TYPE: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 5, 1];
const SUPPLY_DESCRIPTION: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 6, 1];
const SUPPLY_UNIT: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 7, 1];
const SUPPLY_MAX: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 8, 1];
const SUPPLY_LEVEL: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9, 1];

/// Page counters: the key and the objects tried in order (the first integer wins).
const COUNTERS: [(&str, &[&[u32]]); 11] = [
    (
        "TOTAL",
        &[
            &[1, 3, 6, 1, 4, 1, 1347, 43, 10, 1, 1, 12, 1, 1],
            &[1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4, 1, 1],
        ],
    ),
    (
        "BLACK",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 2, 2, 1, 1, 3, 1, 1]],
    ),
    (
        "COLOR",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 2, 1, 1, 1, 8, 1, 1]],
    ),
    ("SCANNED", &[&[1, 3, 6, 1, 4, 1, 1347, 46, 10, 1, 1, 5, 3]]),
    (
        "PRINTTOTAL",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 1, 1, 1, 1]],
    ),
    (
        "PRINTBLACK",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 2, 1, 1, 1, 1]],
    ),
    (
        "PRINTCOLOR",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 2, 1, 1, 1, 3]],
    ),
    (
        "COPYTOTAL",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 1, 1, 1, 2]],
    ),
    (
        "COPYBLACK",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 2, 1, 1, 2, 1]],
    ),
    (
        "COPYCOLOR",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 2, 1, 1, 2, 3]],
    ),
    (
        "FAXTOTAL",
        &[&[1, 3, 6, 1, 4, 1, 1347, 42, 3, 1, 1, 1, 1, 4]],
    ),
];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[
    COLORANT_VALUE,
    SUPPLY_COLORANT,
    SUPPLY_TYPE,
    SUPPLY_DESCRIPTION,
    SUPPLY_UNIT,
    SUPPLY_MAX,
    SUPPLY_LEVEL,
];

/// Objects read by GET.
pub(super) const SCALARS: &[&[u32]] = &[
    COUNTERS[0].1[0],
    COUNTERS[0].1[1],
    COUNTERS[1].1[0],
    COUNTERS[2].1[0],
    COUNTERS[3].1[0],
    COUNTERS[4].1[0],
    COUNTERS[5].1[0],
    COUNTERS[6].1[0],
    COUNTERS[7].1[0],
    COUNTERS[8].1[0],
    COUNTERS[9].1[0],
    COUNTERS[10].1[0],
];

/// CARTRIDGES: one value per supply type (with its colour for toners, drums, cartridges and
/// developers); a later supply of the same type replaces an earlier one.
pub(super) fn cartridges(t: &Tables) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let row = |column: &[u32], index: &[u32]| t.get(&[column, index].concat());
    let has_colorants = t.has(COLORANT_VALUE);
    // Supplies in the text order of their index (as the reference agents sort them).
    let mut supplies: Vec<(String, Vec<u32>)> = t
        .column(SUPPLY_DESCRIPTION)
        .map(|(index, _)| (dotted(index), index.to_vec()))
        .collect();
    supplies.sort();
    for (_, index) in supplies {
        let (Some(max), Some(level)) = (
            row(SUPPLY_MAX, &index).and_then(int),
            row(SUPPLY_LEVEL, &index).and_then(int),
        ) else {
            continue;
        };
        let description = row(SUPPLY_DESCRIPTION, &index)
            .and_then(canon::value_string)
            .unwrap_or_default();
        let Some(kind) = supply_type(row(SUPPLY_TYPE, &index).and_then(int), &description) else {
            continue;
        };
        let mut key = kind.to_owned();
        if matches!(kind, "TONER" | "DRUM" | "CARTRIDGE" | "DEVELOPER") {
            let colorant = row(SUPPLY_COLORANT, &index)
                .and_then(int)
                .filter(|&c| c != 0);
            let colour = match colorant {
                Some(c) if has_colorants => {
                    let name = u32::try_from(c)
                        .ok()
                        .and_then(|c| t.get(&[COLORANT_VALUE, &[c]].concat()))
                        .and_then(canon::value_string)
                        .unwrap_or_default();
                    // The first word only (an XML tag has no spaces).
                    let word = name.split(char::is_whitespace).next().unwrap_or_default();
                    if name.is_empty() || name == "0" {
                        continue;
                    }
                    word.to_owned()
                }
                _ => colour_of(&description).to_owned(),
            };
            key.push_str(&colour.to_uppercase());
        }
        let unit = row(SUPPLY_UNIT, &index).and_then(int);
        if let Some(value) = supply_value(max, level, unit) {
            out.insert(key, value);
        }
    }
    out
}

/// The type of a supply from prtMarkerSuppliesType, or from its description for `other(1)`.
pub(super) fn supply_type(type_id: Option<i64>, description: &str) -> Option<&'static str> {
    Some(match type_id? {
        1 => {
            let d = description.to_lowercase();
            if d.contains("maintenance") {
                "MAINTENANCEKIT"
            } else if d.contains("fuser") {
                "FUSERKIT"
            } else if d.contains("transfer") {
                "TRANSFERKIT"
            } else {
                return None;
            }
        }
        3 | 21 => "TONER",
        4 | 8 => "WASTETONER",
        5 | 6 | 12 => "CARTRIDGE",
        9 => "DRUM",
        10 => "DEVELOPER",
        15 => "FUSERKIT",
        18 => "MAINTENANCEKIT",
        20 => "TRANSFERKIT",
        32 => "STAPLES",
        _ => return None,
    })
}

/// The colour named in a supply description (black when none is).
pub(super) fn colour_of(description: &str) -> &'static str {
    let d = description.to_lowercase();
    if d.contains("cyan") {
        "cyan"
    } else if d.contains("magenta") {
        "magenta"
    } else if d.contains("yellow") || d.contains("jaune") {
        "yellow"
    } else {
        "black"
    }
}

/// The value of a supply: `WARNING` (level -2, "some left, maybe low"), `OK` (level -3, "some
/// left"), a percentage of the maximum, or with an unknown maximum (-2) the level with its unit.
pub(super) fn supply_value(max: i64, level: i64, unit: Option<i64>) -> Option<String> {
    Some(match level {
        -2 => "WARNING".to_owned(),
        -3 => "OK".to_owned(),
        _ if max != -2 => {
            if max == 0 {
                return None;
            }
            ((100 * i128::from(level)) / i128::from(max)).to_string()
        }
        _ => {
            let scaled = |div: f64| format!("{}", level as f64 / div);
            match unit {
                Some(19) => level.to_string(),
                Some(18) => format!("{level}items"),
                Some(17) => format!("{level}m"),
                Some(16) => format!("{level}feet"),
                Some(15) => format!("{}ml", scaled(10.0)),
                Some(13) => format!("{}g", scaled(10.0)),
                Some(11) => format!("{level}hours"),
                Some(8) => format!("{level}sheets"),
                Some(7) => format!("{level}impressions"),
                Some(4) => format!("{}mm", scaled(1000.0)),
                _ => format!("{level}?"),
            }
        }
    })
}

/// PAGECOUNTERS from the standard and Kyocera objects (integers only).
pub(super) fn page_counters(t: &Tables) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, oids) in COUNTERS {
        if let Some(n) = oids.iter().find_map(|oid| t.get(oid).and_then(integer)) {
            out.insert(key.to_owned(), n);
        }
    }
    out
}

/// A value that is an integer (`^[+-]?\d+$`), as text.
pub(super) fn integer(v: &Value) -> Option<String> {
    let text = canon::raw(v)?;
    let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netinventory::tables::testing::{s, vb};
    use crate::snmp::{Oid, Varbind};

    /// A supply row: (index, type, description, colorant, unit, max, level).
    fn supply(
        i: u32,
        kind: i64,
        descr: &str,
        colorant: i64,
        unit: i64,
        max: i64,
        level: i64,
    ) -> Vec<Varbind> {
        vec![
            vb(SUPPLY_TYPE, &[i], Value::Integer(kind)),
            vb(SUPPLY_DESCRIPTION, &[i], s(descr)),
            vb(SUPPLY_COLORANT, &[i], Value::Integer(colorant)),
            vb(SUPPLY_UNIT, &[i], Value::Integer(unit)),
            vb(SUPPLY_MAX, &[i], Value::Integer(max)),
            vb(SUPPLY_LEVEL, &[i], Value::Integer(level)),
        ]
    }

    #[test]
    fn every_supply_type() {
        let types = [
            (3, "TONERBLACK"),
            (4, "WASTETONER"),
            (5, "CARTRIDGEBLACK"),
            (6, "CARTRIDGEBLACK"),
            (8, "WASTETONER"),
            (9, "DRUMBLACK"),
            (10, "DEVELOPERBLACK"),
            (12, "CARTRIDGEBLACK"),
            (15, "FUSERKIT"),
            (18, "MAINTENANCEKIT"),
            (20, "TRANSFERKIT"),
            (21, "TONERBLACK"),
            (32, "STAPLES"),
        ];
        for (kind, key) in types {
            let t = Tables::from_varbinds(supply(1, kind, "thing", 0, 19, 200, 50));
            let c = cartridges(&t);
            assert_eq!(c.get(key).map(String::as_str), Some("25"), "type {kind}");
            assert_eq!(c.len(), 1);
        }
        for (descr, key) in [
            ("Maintenance Kit", "MAINTENANCEKIT"),
            ("Fuser", "FUSERKIT"),
            ("Transfer Belt", "TRANSFERKIT"),
        ] {
            let t = Tables::from_varbinds(supply(1, 1, descr, 0, 19, 100, 7));
            assert_eq!(cartridges(&t).get(key).map(String::as_str), Some("7"));
        }
        for unknown in [(1, "Other"), (2, "Unknown"), (99, "Toner")] {
            let t = Tables::from_varbinds(supply(1, unknown.0, unknown.1, 0, 19, 100, 7));
            assert!(cartridges(&t).is_empty());
        }
    }

    #[test]
    fn colours_from_the_colorant_table_and_from_descriptions() {
        let mut vbs = supply(1, 3, "Toner", 1, 19, 100, 80);
        vbs.extend(supply(2, 9, "Drum", 2, 19, 100, 30));
        vbs.push(vb(COLORANT_VALUE, &[1], s("cyan")));
        vbs.push(vb(COLORANT_VALUE, &[2], s("light magenta")));
        let c = cartridges(&Tables::from_varbinds(vbs));
        assert_eq!(c["TONERCYAN"], "80");
        assert_eq!(c["DRUMLIGHT"], "30");

        let mut vbs = supply(1, 3, "Cyan Toner", 0, 19, 100, 1);
        vbs.extend(supply(2, 3, "Toner Magenta", 0, 19, 100, 2));
        vbs.extend(supply(3, 3, "Toner Jaune", 0, 19, 100, 3));
        vbs.extend(supply(4, 3, "Toner Noir", 0, 19, 100, 4));
        vbs.extend(supply(5, 5, "Cartridge", 0, 19, 100, 5));
        let c = cartridges(&Tables::from_varbinds(vbs));
        assert_eq!(c["TONERCYAN"], "1");
        assert_eq!(c["TONERMAGENTA"], "2");
        assert_eq!(c["TONERYELLOW"], "3");
        assert_eq!(c["TONERBLACK"], "4");
        assert_eq!(c["CARTRIDGEBLACK"], "5");

        // A colorant index missing from the colorant table: the supply is skipped.
        let mut vbs = supply(1, 3, "Toner", 7, 19, 100, 80);
        vbs.push(vb(COLORANT_VALUE, &[1], s("black")));
        assert!(cartridges(&Tables::from_varbinds(vbs)).is_empty());
    }

    #[test]
    fn levels_warning_ok_units_and_zero_max() {
        let mut vbs = supply(1, 4, "Waste", 0, 19, 100, -2);
        vbs.extend(supply(2, 32, "Staples", 0, 19, 100, -3));
        vbs.extend(supply(3, 15, "Fuser", 0, 19, 0, 10));
        vbs.extend(supply(4, 18, "Maint", 0, 19, 333, 111));
        let c = cartridges(&Tables::from_varbinds(vbs));
        assert_eq!(c["WASTETONER"], "WARNING");
        assert_eq!(c["STAPLES"], "OK");
        assert!(!c.contains_key("FUSERKIT"), "max 0 gives no value");
        assert_eq!(c["MAINTENANCEKIT"], "33");

        let units = [
            (19, "125"),
            (18, "125items"),
            (17, "125m"),
            (16, "125feet"),
            (15, "12.5ml"),
            (13, "12.5g"),
            (11, "125hours"),
            (8, "125sheets"),
            (7, "125impressions"),
            (4, "0.125mm"),
            (3, "125?"),
        ];
        for (unit, want) in units {
            let t = Tables::from_varbinds(supply(1, 4, "Waste", 0, unit, -2, 125));
            assert_eq!(cartridges(&t)["WASTETONER"], want, "unit {unit}");
        }
        // A later supply of the same type replaces the earlier one (text order: 10 before 2).
        let mut vbs = supply(2, 4, "Waste", 0, 19, 100, 20);
        vbs.extend(supply(10, 4, "Waste", 0, 19, 100, 10));
        assert_eq!(cartridges(&Tables::from_varbinds(vbs))["WASTETONER"], "20");
        // No level: skipped.
        let vbs: Vec<Varbind> = supply(1, 4, "Waste", 0, 19, 100, 1)
            .into_iter()
            .filter(|v| !v.oid.arcs().starts_with(SUPPLY_LEVEL))
            .collect();
        assert!(cartridges(&Tables::from_varbinds(vbs)).is_empty());
    }

    #[test]
    fn counters_integers_only_kyocera_first() {
        let t = Tables::from_varbinds([
            Varbind::new(Oid::from_slice(COUNTERS[0].1[1]), Value::Counter32(1234)),
            Varbind::new(Oid::from_slice(COUNTERS[4].1[0]), Value::Integer(99)),
            Varbind::new(Oid::from_slice(COUNTERS[5].1[0]), s("12 pages")),
        ]);
        let c = page_counters(&t);
        assert_eq!(c["TOTAL"], "1234");
        assert_eq!(c["PRINTTOTAL"], "99");
        assert!(!c.contains_key("PRINTBLACK"));
        let t = Tables::from_varbinds([
            Varbind::new(Oid::from_slice(COUNTERS[0].1[0]), s("oops")),
            Varbind::new(Oid::from_slice(COUNTERS[0].1[1]), Value::Counter32(1)),
        ]);
        assert_eq!(page_counters(&t)["TOTAL"], "1");
        let t = Tables::from_varbinds([
            Varbind::new(Oid::from_slice(COUNTERS[0].1[0]), Value::Integer(5)),
            Varbind::new(Oid::from_slice(COUNTERS[0].1[1]), Value::Counter32(1)),
        ]);
        assert_eq!(page_counters(&t)["TOTAL"], "5");
    }
}
