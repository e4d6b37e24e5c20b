//! Tests of the bundled `[[inventory]]` firmware rules and of a user override.

use super::*;
use crate::snmp::Varbind;

fn vb(oid: &str, value: Value) -> Varbind {
    Varbind::new(oid.parse().expect("oid"), value)
}

fn s(text: &str) -> Value {
    Value::OctetString(text.as_bytes().to_vec())
}

fn inventory(module: &str) -> NetInventory {
    let mut inv = NetInventory::default();
    inv.info.snmp.mib_support = vec![module.to_owned()];
    inv
}

/// The firmwares the bundled rules give a device of `module`.
fn firmwares(module: &str, info: impl FnOnce(&mut SnmpInfo), t: &Tables) -> Vec<Firmware> {
    let mut inv = inventory(module);
    info(&mut inv.info.snmp);
    apply(MibDb::bundled().expect("bundled"), t, &mut inv);
    inv.firmwares
}

fn fw(name: &str, description: &str, kind: &str, version: &str, manufacturer: &str) -> Firmware {
    Firmware {
        name: name.into(),
        description: Some(description.into()),
        kind: Some(kind.into()),
        version: Some(version.into()),
        manufacturer: Some(manufacturer.into()),
        date: None,
    }
}

#[test]
fn toshiba_main_firmware_b_becomes_v() {
    let t = Tables::from_varbinds([
        vb("1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0", s("B1.20.0.A")),
        vb("1.3.6.1.4.1.1129.1.2.1.1.1.2.5.0", s("BOOT-B1.0")),
    ]);
    assert_eq!(
        firmwares("Toshiba", |_| {}, &t),
        [
            fw(
                "Toshiba firmware",
                "Toshiba printer firmware",
                "printer",
                "V1.20.0.A",
                "Toshiba"
            ),
            fw(
                "Toshiba boot software",
                "Boot software version",
                "printer",
                "BOOT-B1.0",
                "Toshiba"
            ),
        ]
    );
    let t = Tables::from_varbinds([vb("1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0", s("T360HD0W"))]);
    assert_eq!(
        firmwares("Toshiba", |_| {}, &t)[0].version.as_deref(),
        Some("T360HD0W")
    );
}

#[test]
fn checkpoint_svn_and_os_firmwares() {
    let cp = |tail: &str, v: Value| vb(&format!("1.3.6.1.4.1.2620.1.6.{tail}"), v);
    let t = Tables::from_varbinds([
        cp("16.9.0", s("Check Point Software Technologies Ltd.")),
        cp("1.0", s("SVN Foundation")),
        cp("2.0", Value::Integer(81)),
        cp("3.0", Value::Integer(0)),
        cp("5.1.0", s("Gaia")),
        cp("5.2.0", Value::Integer(3)),
        cp("5.3.0", Value::Integer(10)),
    ]);
    let m = "Check Point Software Technologies Ltd.";
    assert_eq!(
        firmwares("CheckPoint", |_| {}, &t),
        [
            fw(
                "SVN Foundation",
                &format!("{m} SVN version"),
                "system",
                "81.0",
                m
            ),
            fw("Gaia", &format!("{m} OS version"), "system", "3.10", m),
        ]
    );
    // Without the appliance manufacturer: none.
    let t = Tables::from_varbinds([
        cp("2.0", Value::Integer(81)),
        cp("5.2.0", Value::Integer(3)),
    ]);
    assert!(firmwares("CheckPoint", |_| {}, &t).is_empty());
}

#[test]
fn zebra_wyse_intelbras_pantum_firmwares() {
    let t = Tables::from_varbinds([vb("1.3.6.1.4.1.10642.1.18.0", s("6.3"))]);
    let zebra = |i: &mut SnmpInfo| i.manufacturer = Some("Zebra Technologies".into());
    assert_eq!(
        firmwares("Zebra", zebra, &t),
        [fw(
            "Zebra Technologies LinkOS",
            "Zebra Technologies LinkOS firmware",
            "system",
            "6.3",
            "Zebra Technologies"
        )]
    );

    let wyse = |i: &mut SnmpInfo| i.description = Some("DTCL 8.6_027".into());
    assert_eq!(
        firmwares("WyseThinOS", wyse, &Tables::new()),
        [fw(
            "ThinOS",
            "Dell Wyse ThinOS",
            "system",
            "8.6_027",
            "Dell"
        )]
    );
    let one_word = |i: &mut SnmpInfo| i.description = Some("DTCL".into());
    assert!(firmwares("WyseThinOS", one_word, &Tables::new()).is_empty());

    let t = Tables::from_varbinds([
        vb("1.3.6.1.4.1.1004849.2.1.1.2.0", s("V1.0")),
        vb("1.3.6.1.4.1.1004849.2.1.2.5.0", s("1.2.3")),
    ]);
    assert_eq!(
        firmwares("Intelbras", |_| {}, &t),
        [
            fw(
                "Intelbras hardware",
                "Hardware version",
                "hardware",
                "V1.0",
                "Intelbras"
            ),
            fw(
                "Intelbras system",
                "System version",
                "system",
                "1.2.3",
                "Intelbras"
            ),
        ]
    );

    let t = Tables::from_varbinds([vb("1.3.6.1.4.1.40093.1.1.1.1", s("V1.8.91"))]);
    let pantum = |i: &mut SnmpInfo| i.model = Some("P3300DN".into());
    assert_eq!(
        firmwares("Pantum", pantum, &t),
        [fw(
            "Pantum P3300DN firmware",
            "Pantum P3300DN firmware version",
            "printer",
            "V1.8.91",
            "Pantum"
        )]
    );
}

#[test]
fn sonicwall_and_sophos_firmwares() {
    let t = Tables::from_varbinds([
        vb("1.3.6.1.4.1.8741.2.1.1.1.0", s("TZ 370")),
        vb("1.3.6.1.4.1.8741.2.1.1.3.0", s("SonicOS 7.0.1-5030")),
    ]);
    assert_eq!(
        firmwares("SonicWall", |_| {}, &t),
        [fw(
            "TZ 370",
            "SonicOS firmware",
            "system",
            "SonicOS 7.0.1-5030",
            "SonicWall"
        )]
    );
    let t = Tables::from_varbinds([
        vb("1.3.6.1.4.1.2604.5.1.1.5.0", s("Not available")),
        vb("1.3.6.1.4.1.2604.5.1.1.6.0", s("2.9.7")),
    ]);
    assert_eq!(
        firmwares("Sophos", |_| {}, &t),
        [fw(
            "snort",
            "Integrated snort version",
            "software",
            "2.9.7",
            "Sophos"
        )]
    );
}

#[test]
fn user_file_adds_and_replaces_inventory_rules() {
    let dir = std::env::temp_dir().join(format!("sonde-inventory-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("local.toml");
    std::fs::write(
        &path,
        r#"
# Replaces the bundled Toshiba rule; adds one for a private device.
[[inventory]]
name = "Toshiba"
vendor = ["Toshiba"]
firmware = [{ name = "main", type = "printer", version = "1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0" }]

[[inventory]]
name = "Local"
sysobjectid = ["1.3.6.1.4.1.99999"]
firmware = [{ name = "agent", description = "{model} agent", version = "1.3.6.1.4.1.99999.1.0" }]
counter = [{ key = "TOTAL", get = "1.3.6.1.4.1.99999.2.0" }]
"#,
    )
    .expect("write");
    let db = MibDb::load(Some(&path));
    std::fs::remove_dir_all(&dir).ok();
    let db = db.expect("loads");
    let t = Tables::from_varbinds([
        vb("1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0", s("B1.0")),
        vb("1.3.6.1.4.1.1129.1.2.1.1.1.2.5.0", s("boot")),
        vb("1.3.6.1.4.1.99999.1.0", s("2.1")),
        vb("1.3.6.1.4.1.99999.2.0", Value::Counter32(1234)),
    ]);
    let mut inv = inventory("Toshiba");
    apply(&db, &t, &mut inv);
    let got: Vec<_> = inv
        .firmwares
        .iter()
        .map(|f| (f.name.as_str(), f.version.as_deref()))
        .collect();
    assert_eq!(
        got,
        [("main", Some("B1.0"))],
        "the user rule replaced the bundled one"
    );

    let mut inv = inventory("Other");
    inv.info.snmp.sysobjectid = Some("1.3.6.1.4.1.99999.3".parse().expect("oid"));
    inv.info.snmp.model = Some("X1".into());
    assert_eq!(scalars(&db, &inv.info.snmp).len(), 2);
    apply(&db, &t, &mut inv);
    assert_eq!(inv.firmwares[0].description.as_deref(), Some("X1 agent"));
    assert_eq!(inv.page_counters["TOTAL"], "1234");
    // The bundled data is unchanged.
    let mut inv = inventory("Toshiba");
    apply(MibDb::bundled().expect("bundled"), &t, &mut inv);
    assert_eq!(inv.firmwares.len(), 2);
}
