//! Tests of the printer vendor tables.

use super::*;
use crate::netinventory::tables::testing::{s, vb};

fn inventory(module: &str) -> NetInventory {
    let mut inv = NetInventory::default();
    inv.info.snmp.mib_support = vec![module.to_owned()];
    inv
}

#[test]
fn ricoh_engine_counters_by_type() {
    let inv = inventory("Ricoh");
    assert_eq!(columns(&inv.info.snmp).len(), 2);
    let rows: [(u32, i64, u32); 9] = [
        (1, 10, 21_344),
        (2, 200, 5_000),
        (3, 201, 3_000),
        (4, 202, 1_500),
        (5, 203, 500),
        (6, 400, 16_000),
        (7, 870, 700),
        (8, 871, 0),
        (9, 999, 42),
    ];
    let mut vbs = Vec::new();
    for (i, kind, n) in rows {
        vbs.push(vb(RICOH_COUNTER_TYPE, &[i], Value::Integer(kind)));
        vbs.push(vb(RICOH_COUNTER_VALUE, &[i], Value::Integer(i64::from(n))));
    }
    let t = Tables::from_varbinds(vbs);
    let mut inv = inventory("Ricoh");
    // The standard TOTAL is replaced; SCANNED adds to a value already there.
    inv.page_counters.insert("TOTAL".into(), "1".into());
    inv.page_counters.insert("SCANNED".into(), "10".into());
    apply(&t, &mut inv);
    let c = &inv.page_counters;
    assert_eq!(c["TOTAL"], "21344");
    assert_eq!(c["COPYTOTAL"], "5000");
    assert_eq!(c["COPYBLACK"], "3000");
    assert_eq!(c["COPYCOLOR"], "2000", "202 + 203");
    assert_eq!(c["PRINTTOTAL"], "16000");
    assert_eq!(c["SCANNED"], "710", "a zero count is skipped");
    assert_eq!(c.len(), 6);
    // Not a Ricoh: nothing.
    let mut other = inventory("Canon");
    apply(&t, &mut other);
    assert!(other.page_counters.is_empty());
}

#[test]
fn canon_c55xx_counters() {
    let t = Tables::from_varbinds([
        vb(CANON_C55XX, &[101], Value::Integer(1200)),
        vb(CANON_C55XX, &[112], Value::Integer(700)),
        vb(CANON_C55XX, &[113], Value::Integer(100)),
        vb(CANON_C55XX, &[122], Value::Integer(300)),
        vb(CANON_C55XX, &[123], Value::Integer(0)),
        vb(CANON_C55XX, &[301], Value::Integer(9000)),
        vb(CANON_C55XX, &[501], Value::Integer(250)),
        vb(CANON_C55XX, &[102], Value::Integer(77)),
        // The other table is ignored when this one answers.
        vb(CANON_LBP_TYPE, &[1], s("Total 1")),
        vb(CANON_LBP_VALUE, &[1], Value::Integer(5)),
    ]);
    let mut inv = inventory("Canon");
    apply(&t, &mut inv);
    let c = &inv.page_counters;
    assert_eq!(c["COPYTOTAL"], "1200");
    assert_eq!(c["COPYBLACK"], "800");
    assert_eq!(c["COPYCOLOR"], "300");
    assert_eq!(c["PRINTTOTAL"], "9000");
    assert_eq!(c["SCANNED"], "250");
    assert!(!c.contains_key("TOTAL"));
}

#[test]
fn canon_lbp_counters_by_name() {
    let rows = [
        (1, "Total 1", 5000),
        (2, "Total (Black 1)", 3000),
        (3, "Total (Black/Large)", 100),
        (4, "Total (Black/Small)", 200),
        (5, "Total (Full Color + Single Color/Large)", 400),
        (6, "Total (Full Color + Single Color/Small)", 600),
        (7, "Print (Total 1)", 4500),
        (8, "Copy (Total 1)", 500),
        (9, "Scan (Total 1)", 80),
        (10, "Unknown", 1),
    ];
    let mut vbs = Vec::new();
    for (i, name, n) in rows {
        vbs.push(vb(CANON_LBP_TYPE, &[i], s(name)));
        vbs.push(vb(CANON_LBP_VALUE, &[i], Value::Integer(n)));
    }
    let mut inv = inventory("Canon");
    apply(&Tables::from_varbinds(vbs), &mut inv);
    let c = &inv.page_counters;
    assert_eq!(c["TOTAL"], "5000");
    // Index 10 sorts before 2 as text, and Black 1 stops the large/small parts.
    assert_eq!(c["PRINTBLACK"], "3000");
    assert_eq!(c["PRINTCOLOR"], "1000");
    assert_eq!(c["PRINTTOTAL"], "4500");
    assert_eq!(c["COPYTOTAL"], "500");
    assert_eq!(c["SCANNED"], "80");

    // Without the black total the parts add up.
    let t = Tables::from_varbinds([
        vb(CANON_LBP_TYPE, &[3], s("Total (Black/Large)")),
        vb(CANON_LBP_VALUE, &[3], Value::Integer(100)),
        vb(CANON_LBP_TYPE, &[4], s("Total (Black/Small)")),
        vb(CANON_LBP_VALUE, &[4], Value::Integer(200)),
    ]);
    let mut inv = inventory("Canon");
    apply(&t, &mut inv);
    assert_eq!(inv.page_counters["PRINTBLACK"], "300");
}

#[test]
fn pantum_counters_ram_and_supply() {
    let inv = inventory("Pantum");
    assert_eq!(scalars(&inv.info.snmp).len(), 7);
    let supply = |c: u32| [PANTUM_SUPPLY, &[c, 1]].concat();
    let t = Tables::from_varbinds([
        vb(PANTUM_COUNTERS, &[1], Value::Integer(120)),
        vb(PANTUM_COUNTERS, &[9], Value::Integer(30)),
        vb(PANTUM_COUNTERS, &[12], Value::Integer(850)),
        vb(PANTUM_COUNTERS, &[13], Value::Integer(5)),
        vb(PANTUM_RAM, &[], Value::Integer(128)),
        vb(&supply(5), &[], Value::Integer(3)),
        vb(&supply(6), &[], s("Toner Cartridge")),
        vb(&supply(7), &[], Value::Integer(19)),
        vb(&supply(8), &[], Value::Integer(1600)),
        vb(&supply(9), &[], Value::Integer(400)),
    ]);
    let mut inv = inventory("Pantum");
    apply(&t, &mut inv);
    let c = &inv.page_counters;
    assert_eq!(c["DUPLEX"], "120");
    assert_eq!(c["COPYTOTAL"], "30");
    assert_eq!(c["PRINTTOTAL"], "850");
    assert_eq!(c["TOTAL"], "1000");
    assert_eq!(inv.info.ram_mb, Some(128));
    assert_eq!(inv.cartridges["TONERBLACK"], "25");

    // A colorant, an unknown maximum with a unit, a maintenance kit of type other.
    let t = Tables::from_varbinds([
        vb(PANTUM_COLORANT, &[], s("cyan")),
        vb(&supply(5), &[], Value::Integer(9)),
        vb(&supply(7), &[], Value::Integer(8)),
        vb(&supply(8), &[], Value::Integer(-1)),
        vb(&supply(9), &[], Value::Integer(900)),
    ]);
    assert_eq!(
        pantum_supply(&t),
        Some(("DRUMCYAN".into(), "900sheets".into()))
    );
    let t = Tables::from_varbinds([
        vb(&supply(6), &[], s("Maintenance kit")),
        vb(&supply(8), &[], Value::Integer(100)),
        vb(&supply(9), &[], Value::Integer(-3)),
    ]);
    assert_eq!(
        pantum_supply(&t),
        Some(("MAINTENANCEKIT".into(), "OK".into()))
    );
    // Nothing there: no counters, no cartridge.
    let mut inv = inventory("Pantum");
    apply(&Tables::new(), &mut inv);
    assert!(inv.page_counters.is_empty() && inv.cartridges.is_empty());
    assert_eq!(inv.info.ram_mb, None);
}

#[test]
fn konica_firmware_table() {
    let t = Tables::from_varbinds([
        vb(KONICA_FW_NAME, &[1], s("Controller Version")),
        vb(KONICA_FW_VERSION, &[1], s("A61F0Y0-F000-G00-P1")),
        vb(KONICA_FW_NAME, &[2], s("Engine")),
        vb(KONICA_FW_VERSION, &[2], s("-")),
        vb(KONICA_FW_NAME, &[3], s("Card Authentication")),
        vb(KONICA_FW_VERSION, &[3], s("Registered")),
        vb(KONICA_FW_NAME, &[4], s("Scanner")),
    ]);
    let mut inv = inventory("Konica");
    apply(&t, &mut inv);
    assert_eq!(
        inv.firmwares,
        [Firmware {
            name: "Konica Controller".into(),
            description: Some("Printer Controller".into()),
            kind: Some("printer".into()),
            version: Some("A61F0Y0-F000-G00-P1".into()),
            manufacturer: Some("Konica".into()),
            date: None,
        }]
    );
    assert_eq!(strip_version_suffix("Engine version"), "Engine");
    assert_eq!(strip_version_suffix("Subversion"), "Subversion");
}

#[test]
fn epson_firmware_table() {
    let t = Tables::from_varbinds([
        vb(EPSON_FW_VERSION, &[1], s("DH29I8")),
        vb(EPSON_FW_NAME, &[1], s("Main")),
        vb(EPSON_FW_VERSION, &[2], s("1.03")),
        vb(EPSON_FW_NAME, &[3], s("Net")),
    ]);
    let mut inv = inventory("Epson");
    apply(&t, &mut inv);
    let names: Vec<_> = inv.firmwares.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        ["Epson Main"],
        "listed by the name column; index 3 has no version"
    );
    assert_eq!(inv.firmwares[0].version.as_deref(), Some("DH29I8"));
    assert_eq!(
        inv.firmwares[0].description.as_deref(),
        Some("Epson printer Main")
    );

    // With the list column, a firmware without a name is the printer's.
    let t = Tables::from_varbinds([
        vb(EPSON_FW_LIST, &[2], Value::Integer(1)),
        vb(EPSON_FW_VERSION, &[2], s("1.03")),
    ]);
    let mut inv = inventory("Epson");
    apply(&t, &mut inv);
    assert_eq!(inv.firmwares[0].name, "Epson printer");
    assert_eq!(
        inv.firmwares[0].description.as_deref(),
        Some("Epson printer firmware")
    );
}
