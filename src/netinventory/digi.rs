//! Digi (Sarian) cellular routers: the MODEMS, SIMCARDS and modem firmware of the SARIAN-MONITOR
//! MIB, and Cisco port security: the last secure MAC address of a port as its connection.
//!
//! Facts: `network-tasks.md` §2.11 (modules `Digi` and `CiscoPortSecurity`).

use super::mcc;
use super::tables::Tables;
use crate::mib::canon;
use crate::model::{Connections, Firmware, Modem, NetInventory, Simcard, SnmpInfo};
use crate::snmp::Oid;

/// SARIAN-MONITOR-MIB sarianGPRS and sarianSystem (small subtrees of scalars).
const SARIAN_GPRS: &[u32] = &[1, 3, 6, 1, 4, 1, 16378, 10000, 2];
const SARIAN_SYSTEM: &[u32] = &[1, 3, 6, 1, 4, 1, 16378, 10000, 3];

/// gprsNetworkTechnology values 1–8.
const TECHNOLOGIES: [&str; 9] = [
    "-", "unknown", "gprs", "edge", "umts", "hsdpa", "hsupa", "hspa", "lte",
];

/// CISCO-PORT-SECURITY-MIB cpsGlobalPortSecurityEnable and cpsIfSecureLastMacAddress (index =
/// ifIndex).
const CPS_GLOBAL_ENABLE: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 315, 1, 1, 3, 0];
const CPS_LAST_MAC: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 315, 1, 2, 1, 1, 10];

fn has(info: &SnmpInfo, module: &str) -> bool {
    info.mib_support.iter().any(|m| m == module)
}

/// Columns (subtrees) the applying modules read.
pub(super) fn columns(info: &SnmpInfo) -> Vec<Oid> {
    let mut roots: Vec<&[u32]> = Vec::new();
    if has(info, "Digi") {
        roots.extend([SARIAN_GPRS, SARIAN_SYSTEM]);
    }
    if has(info, "CiscoPortSecurity") {
        roots.push(CPS_LAST_MAC);
    }
    roots.into_iter().map(Oid::from_slice).collect()
}

/// Objects the applying modules GET.
pub(super) fn scalars(info: &SnmpInfo) -> Vec<Oid> {
    if has(info, "CiscoPortSecurity") {
        vec![Oid::from_slice(CPS_GLOBAL_ENABLE)]
    } else {
        Vec::new()
    }
}

/// Adds what the applying modules know.
pub(super) fn apply(t: &Tables, inv: &mut NetInventory) {
    if has(&inv.info.snmp, "Digi") {
        digi(t, inv);
    }
    if has(&inv.info.snmp, "CiscoPortSecurity") {
        port_security(t, inv);
    }
}

/// The canonical string of `root.<arc>.0`.
fn scalar(t: &Tables, root: &[u32], arc: u32) -> Option<String> {
    t.get(&[root, &[arc, 0]].concat())
        .and_then(canon::value_string)
}

fn digi(t: &Tables, inv: &mut NetInventory) {
    if !t.has(SARIAN_SYSTEM) {
        return;
    }
    let model = scalar(t, SARIAN_SYSTEM, 19);
    let mut modem = Modem {
        name: "Digi modem".to_owned(),
        description: scalar(t, SARIAN_SYSTEM, 14),
        model: model.clone(),
        manufacturer: Some("Digi".to_owned()),
        ..Modem::default()
    };
    if t.has(SARIAN_GPRS) {
        let gprs = |arc| scalar(t, SARIAN_GPRS, arc);
        let mut sim = Simcard {
            imsi: gprs(21),
            iccid: gprs(20),
            ..Simcard::default()
        };
        if let Some(network) = gprs(22).filter(|n| canon::truthy(n)) {
            set_operator(&mut sim, &network);
        }
        let status = gprs(26).filter(|s| canon::truthy(s)).unwrap_or_default();
        sim.state = Some(match gprs(30).filter(|n| canon::truthy(n)) {
            Some(n) => format!("SIM{n} - {status}"),
            None => status,
        });
        inv.simcards.push(sim);
        modem.serial = gprs(19);
        modem.kind = gprs(7)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .and_then(|n| TECHNOLOGIES.get(n))
            .map(|s| (*s).to_owned());
    }
    inv.modems.push(modem);
    inv.firmwares.push(Firmware {
        name: "Digi modem".to_owned(),
        description: Some(format!("Digi {} modem", model.unwrap_or_default())),
        kind: Some("modem".to_owned()),
        version: scalar(t, SARIAN_SYSTEM, 20),
        manufacturer: Some("Digi".to_owned()),
        date: None,
    });
}

/// gprsNetwork `Operator name, <MCC><MNC>`: the operator's name, code and country.
fn set_operator(sim: &mut Simcard, network: &str) {
    let Some((name, code)) = network.rsplit_once(',') else {
        return;
    };
    let code = code.trim_start();
    if code.len() < 4 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    let (mcc, mnc) = code.split_at(3);
    sim.operator_name = Some(name.to_owned());
    if canon::truthy(mnc) {
        sim.operator_code = Some(format!("{mcc}.{mnc}"));
    }
    sim.country = mcc::country(mcc).map(str::to_owned);
}

/// With port security on, a port's connection is its last secure MAC address.
fn port_security(t: &Tables, inv: &mut NetInventory) {
    let enabled = t
        .get(CPS_GLOBAL_ENABLE)
        .and_then(canon::raw)
        .is_some_and(|v| canon::truthy(&v));
    if !enabled {
        return;
    }
    for (index, value) in t.column_u32(CPS_LAST_MAC) {
        let Some(mac) = canon::value_mac(value) else {
            continue;
        };
        if let Some(port) = inv.ports.iter_mut().find(|p| p.index == index) {
            port.connections = Some(Connections::Macs(vec![mac]));
        }
    }
}

#[cfg(test)]
#[path = "digi_tests.rs"]
mod tests;
