//! Printer vendor additions that read tables: the Ricoh engine counters, the two Canon counter
//! tables, the Pantum counters, RAM and single supply, and the Konica and Epson firmware tables.
//!
//! Constant objects (firmwares, fixed counters) are `[[inventory]]` data; here are the cases
//! that map table rows by type or accumulate them. Facts: `network-tasks.md` §2.11, §3.4.

use super::printer;
use super::tables::{Tables, dotted, int};
use crate::mib::canon;
use crate::model::{Firmware, NetInventory, SnmpInfo};
use crate::snmp::{Oid, Value};

/// RICOH-MIB ricohEngCounterType and ricohEngCounterValue (same index).
const RICOH_COUNTER_TYPE: &[u32] = &[1, 3, 6, 1, 4, 1, 367, 3, 2, 1, 2, 19, 5, 1, 2];
const RICOH_COUNTER_VALUE: &[u32] = &[1, 3, 6, 1, 4, 1, 367, 3, 2, 1, 2, 19, 5, 1, 9];
/// Canon counters of the C55xx family (index = counter number).
const CANON_C55XX: &[u32] = &[1, 3, 6, 1, 4, 1, 1602, 1, 11, 1, 3, 1, 4];
/// Canon counter names and values of the LBP76xx family (same index).
const CANON_LBP_TYPE: &[u32] = &[1, 3, 6, 1, 4, 1, 1602, 1, 11, 2, 1, 1, 2];
const CANON_LBP_VALUE: &[u32] = &[1, 3, 6, 1, 4, 1, 1602, 1, 11, 2, 1, 1, 3];
/// Pantum counters (a small subtree) and RAM.
const PANTUM_COUNTERS: &[u32] = &[1, 3, 6, 1, 4, 1, 40093, 1, 1, 3];
const PANTUM_RAM: &[u32] = &[1, 3, 6, 1, 4, 1, 40093, 1, 1, 1, 2];
/// The Pantum supply: prtMarkerSupplies columns and prtMarkerColorantValue answered without a
/// supply index (`…43.11.1.1.<column>.1`).
const PANTUM_SUPPLY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1];
const PANTUM_COLORANT: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 12, 1, 1, 4, 1];
/// Konica firmware names and versions (same index).
const KONICA_FW_NAME: &[u32] = &[1, 3, 6, 1, 4, 1, 18334, 1, 1, 1, 5, 5, 1, 1, 2];
const KONICA_FW_VERSION: &[u32] = &[1, 3, 6, 1, 4, 1, 18334, 1, 1, 1, 5, 5, 1, 1, 3];
/// Epson firmware versions, names, and a third column listing the firmwares (same index).
const EPSON_FW_VERSION: &[u32] = &[1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 2, 1, 1, 2];
const EPSON_FW_NAME: &[u32] = &[1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 2, 1, 1, 3];
const EPSON_FW_LIST: &[u32] = &[1, 3, 6, 1, 4, 1, 1248, 1, 2, 2, 2, 1, 1, 4];

/// Ricoh counter types → key, and whether values of that key add up.
const RICOH_TYPES: [(i64, &str, bool); 12] = [
    (10, "TOTAL", false),
    (200, "COPYTOTAL", false),
    (201, "COPYBLACK", false),
    (202, "COPYCOLOR", true),
    (203, "COPYCOLOR", true),
    (300, "FAXTOTAL", false),
    (400, "PRINTTOTAL", false),
    (401, "PRINTBLACK", false),
    (402, "PRINTCOLOR", true),
    (403, "PRINTCOLOR", true),
    (870, "SCANNED", true),
    (871, "SCANNED", true),
];

/// Canon C55xx counter numbers → key, and whether they add up.
const CANON_C55XX_COUNTERS: [(u32, &str, bool); 7] = [
    (101, "COPYTOTAL", false),
    (112, "COPYBLACK", true),
    (113, "COPYBLACK", true),
    (122, "COPYCOLOR", true),
    (123, "COPYCOLOR", true),
    (301, "PRINTTOTAL", false),
    (501, "SCANNED", true),
];

/// Canon LBP76xx counter names → key, and whether they add up.
const CANON_LBP_COUNTERS: [(&str, &str, bool); 9] = [
    ("Total 1", "TOTAL", false),
    ("Total (Black 1)", "PRINTBLACK", false),
    ("Total (Black/Large)", "PRINTBLACK", true),
    ("Total (Black/Small)", "PRINTBLACK", true),
    (
        "Total (Full Color + Single Color/Large)",
        "PRINTCOLOR",
        true,
    ),
    (
        "Total (Full Color + Single Color/Small)",
        "PRINTCOLOR",
        true,
    ),
    ("Print (Total 1)", "PRINTTOTAL", false),
    ("Copy (Total 1)", "COPYTOTAL", false),
    ("Scan (Total 1)", "SCANNED", false),
];

fn has(info: &SnmpInfo, module: &str) -> bool {
    info.mib_support.iter().any(|m| m == module)
}

/// Columns the applying modules read.
pub(super) fn columns(info: &SnmpInfo) -> Vec<Oid> {
    let mut roots: Vec<&[u32]> = Vec::new();
    if has(info, "Ricoh") {
        roots.extend([RICOH_COUNTER_TYPE, RICOH_COUNTER_VALUE]);
    }
    if has(info, "Canon") {
        roots.extend([CANON_C55XX, CANON_LBP_TYPE, CANON_LBP_VALUE]);
    }
    if has(info, "Pantum") {
        roots.push(PANTUM_COUNTERS);
    }
    if has(info, "Konica") {
        roots.extend([KONICA_FW_NAME, KONICA_FW_VERSION]);
    }
    if has(info, "Epson") {
        roots.extend([EPSON_FW_VERSION, EPSON_FW_NAME, EPSON_FW_LIST]);
    }
    roots.into_iter().map(Oid::from_slice).collect()
}

/// Objects the applying modules GET.
pub(super) fn scalars(info: &SnmpInfo) -> Vec<Oid> {
    let mut out = Vec::new();
    if has(info, "Pantum") {
        out.push(Oid::from_slice(PANTUM_RAM));
        out.push(Oid::from_slice(PANTUM_COLORANT));
        for column in 5..=9 {
            out.push(Oid::from_slice(&[PANTUM_SUPPLY, &[column, 1]].concat()));
        }
    }
    out
}

/// Adds what the applying modules know.
pub(super) fn apply(t: &Tables, inv: &mut NetInventory) {
    let info = &inv.info.snmp;
    let modules = ["Ricoh", "Canon", "Pantum", "Konica", "Epson"].map(|m| has(info, m));
    let [ricoh, canon, pantum, konica, epson] = modules;
    if ricoh {
        ricoh_counters(t, inv);
    }
    if canon {
        canon_counters(t, inv);
    }
    if pantum {
        pantum_data(t, inv);
    }
    if konica {
        inv.firmwares.extend(konica_firmwares(t));
    }
    if epson {
        inv.firmwares.extend(epson_firmwares(t));
    }
}

/// Rows of a column in the text order of their index (as the reference agents sort them).
fn sorted_rows<'a>(t: &'a Tables, column: &[u32]) -> Vec<(String, &'a [u32], &'a Value)> {
    let mut rows: Vec<(String, &[u32], &Value)> = t
        .column(column)
        .map(|(index, v)| (dotted(index), index, v))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

/// A true integer value.
fn count(v: Option<&Value>) -> Option<i128> {
    v.and_then(printer::integer)
        .and_then(|s| s.parse::<i128>().ok())
        .filter(|&n| n != 0)
}

/// Sets a counter, or adds to a true value already there when `add`.
fn set_counter(inv: &mut NetInventory, key: &str, value: i128, add: bool) {
    let current = inv
        .page_counters
        .get(key)
        .and_then(|v| v.parse::<i128>().ok())
        .filter(|&n| n != 0);
    let value = match current {
        Some(c) if add => c + value,
        _ => value,
    };
    inv.page_counters.insert(key.to_owned(), value.to_string());
}

fn ricoh_counters(t: &Tables, inv: &mut NetInventory) {
    for (_, index, kind) in sorted_rows(t, RICOH_COUNTER_TYPE) {
        let Some(&(_, key, add)) = int(kind).and_then(|k| RICOH_TYPES.iter().find(|r| r.0 == k))
        else {
            continue;
        };
        if let Some(n) = count(t.get(&[RICOH_COUNTER_VALUE, index].concat())) {
            set_counter(inv, key, n, add);
        }
    }
}

fn canon_counters(t: &Tables, inv: &mut NetInventory) {
    if t.has(CANON_C55XX) {
        for (_, index, value) in sorted_rows(t, CANON_C55XX) {
            let Some(&(_, key, add)) = CANON_C55XX_COUNTERS.iter().find(|c| index == [c.0]) else {
                continue;
            };
            if let Some(n) = count(Some(value)) {
                set_counter(inv, key, n, add);
            }
        }
        return;
    }
    if !t.has(CANON_LBP_VALUE) {
        return;
    }
    // Once the black total is found, its large/small parts are no longer counted.
    let mut skipped: Vec<&str> = Vec::new();
    for (_, index, name) in sorted_rows(t, CANON_LBP_TYPE) {
        let Some(name) = canon::raw(name) else {
            continue;
        };
        let Some(&(label, key, add)) = CANON_LBP_COUNTERS
            .iter()
            .find(|c| c.0 == name && !skipped.contains(&c.0))
        else {
            continue;
        };
        let Some(n) = count(t.get(&[CANON_LBP_VALUE, index].concat())) else {
            continue;
        };
        set_counter(inv, key, n, add);
        if label == "Total (Black 1)" {
            skipped.extend(["Total (Black/Large)", "Total (Black/Small)"]);
        }
    }
}

fn pantum_data(t: &Tables, inv: &mut NetInventory) {
    if let Some(cartridge) = pantum_supply(t) {
        inv.cartridges.insert(cartridge.0, cartridge.1);
    }
    let ram = t
        .get(PANTUM_RAM)
        .and_then(printer::integer)
        .and_then(|s| s.parse::<u64>().ok());
    if ram.is_some() {
        inv.info.ram_mb = ram;
    }
    if t.has(PANTUM_COUNTERS) {
        let mut total: i128 = 0;
        for (n, key) in [(1, "DUPLEX"), (12, "PRINTTOTAL"), (9, "COPYTOTAL")] {
            let value = t
                .get(&[PANTUM_COUNTERS, &[n]].concat())
                .and_then(printer::integer)
                .and_then(|s| s.parse::<i128>().ok());
            if let Some(v) = value {
                inv.page_counters.insert(key.to_owned(), v.to_string());
                total += v;
            }
        }
        inv.page_counters
            .insert("TOTAL".to_owned(), total.to_string());
    }
}

/// The one supply of a Pantum printer: its CARTRIDGES key and value.
fn pantum_supply(t: &Tables) -> Option<(String, String)> {
    let column = |c: u32| t.get(&[PANTUM_SUPPLY, &[c, 1]].concat());
    let (max, level) = (column(8).and_then(int)?, column(9).and_then(int)?);
    let description = column(6).and_then(canon::value_string).unwrap_or_default();
    let type_id = column(5).and_then(int).filter(|&k| k != 0).unwrap_or(1);
    let kind = printer::supply_type(Some(type_id), &description)?;
    let mut key = kind.to_owned();
    if matches!(kind, "TONER" | "DRUM" | "CARTRIDGE" | "DEVELOPER") {
        let colorant = t
            .get(PANTUM_COLORANT)
            .and_then(canon::value_string)
            .filter(|c| canon::truthy(c));
        let colour = colorant.unwrap_or_else(|| printer::colour_of(&description).to_owned());
        // The first word only (an XML tag has no spaces).
        key.push_str(&colour.split_whitespace().next()?.to_uppercase());
    }
    // A negative maximum other than "unknown" still gives a value with its unit here.
    let max = if max >= 0 { max } else { -2 };
    let value = printer::supply_value(max, level, column(7).and_then(int))?;
    Some((key, value))
}

/// A true raw text.
fn raw_text(v: Option<&Value>) -> Option<String> {
    v.and_then(canon::raw).filter(|s| canon::truthy(s))
}

fn konica_firmwares(t: &Tables) -> Vec<Firmware> {
    let mut out = Vec::new();
    for (_, index, name) in sorted_rows(t, KONICA_FW_NAME) {
        let name = canon::value_string(name).filter(|s| canon::truthy(s));
        let version = t
            .get(&[KONICA_FW_VERSION, index].concat())
            .and_then(canon::value_string)
            .filter(|s| canon::truthy(s));
        let (Some(name), Some(version)) = (name, version) else {
            continue;
        };
        if version == "-" || version == "Registered" {
            continue;
        }
        let name = strip_version_suffix(&name);
        out.push(Firmware {
            name: format!("Konica {name}"),
            description: Some(format!("Printer {name}")),
            kind: Some("printer".to_owned()),
            version: Some(version),
            manufacturer: Some("Konica".to_owned()),
            date: None,
        });
    }
    out
}

/// A name without a trailing ` version` (any case).
fn strip_version_suffix(name: &str) -> &str {
    let lower = name.to_ascii_lowercase();
    match lower.strip_suffix("version") {
        Some(head) if head.ends_with(char::is_whitespace) => name[..head.len()].trim_end(),
        _ => name,
    }
}

fn epson_firmwares(t: &Tables) -> Vec<Firmware> {
    let list = if t.has(EPSON_FW_LIST) {
        EPSON_FW_LIST
    } else {
        EPSON_FW_NAME
    };
    let mut out = Vec::new();
    for (_, index, _) in sorted_rows(t, list) {
        let Some(version) = raw_text(t.get(&[EPSON_FW_VERSION, index].concat())) else {
            continue;
        };
        let name = raw_text(t.get(&[EPSON_FW_NAME, index].concat()));
        out.push(Firmware {
            name: format!("Epson {}", name.as_deref().unwrap_or("printer")),
            description: Some(format!(
                "Epson printer {}",
                name.as_deref().unwrap_or("firmware")
            )),
            kind: Some("printer".to_owned()),
            version: Some(version),
            manufacturer: Some("Epson".to_owned()),
            date: None,
        });
    }
    out
}

#[cfg(test)]
#[path = "vendor_printers_tests.rs"]
mod tests;
