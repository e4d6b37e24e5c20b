//! Tests of the Digi modems and Cisco port security.

use super::*;
use crate::model::Port;
use crate::netinventory::tables::testing::{s, vb};
use crate::snmp::Value;

fn inventory(module: &str) -> NetInventory {
    let mut inv = NetInventory::default();
    inv.info.snmp.mib_support = vec![module.to_owned()];
    inv
}

fn digi_tables(network: &str) -> Tables {
    Tables::from_varbinds([
        vb(SARIAN_GPRS, &[7, 0], Value::Integer(8)),
        vb(SARIAN_GPRS, &[19, 0], s("359225051234567")),
        vb(SARIAN_GPRS, &[20, 0], s("89331012345678901234")),
        vb(SARIAN_GPRS, &[21, 0], s("208101234567890")),
        vb(SARIAN_GPRS, &[22, 0], s(network)),
        vb(SARIAN_GPRS, &[26, 0], s("READY")),
        vb(SARIAN_GPRS, &[30, 0], Value::Integer(1)),
        vb(SARIAN_SYSTEM, &[14, 0], s("Sierra Wireless, Incorporated")),
        vb(SARIAN_SYSTEM, &[15, 0], s("123456")),
        vb(SARIAN_SYSTEM, &[19, 0], s("MC7304")),
        vb(SARIAN_SYSTEM, &[20, 0], s("SWI9X15C_05.05.58.00")),
    ])
}

#[test]
fn digi_modem_simcard_and_firmware() {
    let mut inv = inventory("Digi");
    assert_eq!(columns(&inv.info.snmp).len(), 2);
    apply(&digi_tables("F SFR, 20810"), &mut inv);
    assert_eq!(
        inv.modems,
        [Modem {
            name: "Digi modem".into(),
            description: Some("Sierra Wireless, Incorporated".into()),
            model: Some("MC7304".into()),
            manufacturer: Some("Digi".into()),
            serial: Some("359225051234567".into()),
            kind: Some("lte".into()),
        }]
    );
    assert_eq!(
        inv.simcards,
        [Simcard {
            imsi: Some("208101234567890".into()),
            iccid: Some("89331012345678901234".into()),
            operator_name: Some("F SFR".into()),
            operator_code: Some("208.10".into()),
            country: Some("France".into()),
            state: Some("SIM1 - READY".into()),
        }]
    );
    assert_eq!(
        inv.firmwares,
        [Firmware {
            name: "Digi modem".into(),
            description: Some("Digi MC7304 modem".into()),
            kind: Some("modem".into()),
            version: Some("SWI9X15C_05.05.58.00".into()),
            manufacturer: Some("Digi".into()),
            date: None,
        }]
    );
}

#[test]
fn digi_operator_forms_and_missing_tables() {
    // No code: no operator fields.
    let mut inv = inventory("Digi");
    apply(&digi_tables("Orange"), &mut inv);
    let sim = &inv.simcards[0];
    assert_eq!(
        (&sim.operator_name, &sim.operator_code, &sim.country),
        (&None, &None, &None)
    );
    // A comma inside the name, an unassigned code of a reserved range.
    let mut inv = inventory("Digi");
    apply(&digi_tables("A, B,29901"), &mut inv);
    let sim = &inv.simcards[0];
    assert_eq!(sim.operator_name.as_deref(), Some("A, B"));
    assert_eq!(sim.operator_code.as_deref(), Some("299.01"));
    assert_eq!(sim.country.as_deref(), Some("Reserved"));

    // The system subtree alone: a modem without SIM card.
    let t = Tables::from_varbinds([vb(SARIAN_SYSTEM, &[19, 0], s("MC7304"))]);
    let mut inv = inventory("Digi");
    apply(&t, &mut inv);
    assert_eq!(inv.modems.len(), 1);
    assert!(inv.simcards.is_empty());
    assert_eq!(inv.modems[0].serial, None);
    assert_eq!(inv.firmwares[0].version, None);
    // Nothing: nothing; another device: nothing.
    let mut inv = inventory("Digi");
    apply(&Tables::new(), &mut inv);
    assert!(inv.modems.is_empty() && inv.firmwares.is_empty());
    let mut other = inventory("Cisco");
    apply(&digi_tables("x, 20801"), &mut other);
    assert!(other.modems.is_empty() && other.simcards.is_empty());
}

#[test]
fn digi_technology_out_of_range() {
    let mut t = digi_tables("x");
    t.extend([vb(SARIAN_GPRS, &[7, 0], Value::Integer(9))]);
    let mut inv = inventory("Digi");
    apply(&t, &mut inv);
    assert_eq!(inv.modems[0].kind, None);
}

#[test]
fn cisco_port_security_last_mac() {
    let inv = inventory("CiscoPortSecurity");
    assert_eq!(scalars(&inv.info.snmp).len(), 1);
    let mac = |n: u8| Value::OctetString(vec![0, 0x1b, 0x2c, 0, 0, n]);
    let tables = |enabled: i64| {
        Tables::from_varbinds([
            vb(CPS_GLOBAL_ENABLE, &[], Value::Integer(enabled)),
            vb(CPS_LAST_MAC, &[10101], mac(1)),
            vb(CPS_LAST_MAC, &[10102], Value::OctetString(Vec::new())),
            vb(CPS_LAST_MAC, &[10199], mac(9)),
        ])
    };
    let ports = || {
        let mut p1 = Port::new(10101);
        p1.connections = Some(Connections::Macs(vec!["00:00:00:00:00:aa".into()]));
        vec![p1, Port::new(10102)]
    };
    let mut inv = inventory("CiscoPortSecurity");
    inv.ports = ports();
    apply(&tables(1), &mut inv);
    assert_eq!(
        inv.ports[0].connections,
        Some(Connections::Macs(vec!["00:1b:2c:00:00:01".into()]))
    );
    assert_eq!(inv.ports[1].connections, None, "not a MAC");
    // Port security off: the learned MACs stay.
    let mut inv = inventory("CiscoPortSecurity");
    inv.ports = ports();
    apply(&tables(0), &mut inv);
    assert_eq!(inv.ports, ports());
}
