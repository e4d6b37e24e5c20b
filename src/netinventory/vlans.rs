//! VLANS of each port: Cisco VTP/VLAN membership, Q-BRIDGE static VLANs, LLDP-EXT-DOT1.
//!
//! Cisco access VLANs (vmVlan + vtpVlanName) and Q-BRIDGE VLANs add up; the LLDP-EXT-DOT1
//! tables are used only when neither gave anything. Q-BRIDGE port bitmaps are read bit n →
//! ifIndex n, as the reference agents do.

use std::collections::BTreeMap;

use super::l2::{index_map, is_digits, nonempty_string, u32_of};
use super::lldp::{LOC_PORT_ID, PortResolver};
use super::tables::{Tables, dotted, int};
use crate::mib::canon;
use crate::model::{Port, Vlan};
use crate::snmp::Value;

/// vtpVlanName (index managementDomain.vlan; domain 1 is used).
const VTP_VLAN_NAME: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 3, 1, 1, 4];
/// vmVlan (index ifIndex, value the access VLAN).
const VM_VLAN: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 68, 1, 2, 2, 1, 2];
const Q_CURRENT_EGRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 4];
const Q_CURRENT_UNTAGGED: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 2, 1, 5];
const Q_STATIC_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 1];
const Q_STATIC_EGRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 2];
const Q_STATIC_UNTAGGED: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 4];
const Q_STATIC_ROW_STATUS: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 4, 3, 1, 5];
/// lldpXdot1LocVlanName (index localPort.vlan).
const LLDP_LOC_VLAN_NAME: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 5, 32962, 1, 2, 3, 1, 2];
/// lldpXdot1LocPortVlanId (index localPort, value the PVID).
pub(super) const LLDP_LOC_PORT_VLAN_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 5, 32962, 1, 2, 1, 1, 1];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[
    VTP_VLAN_NAME,
    VM_VLAN,
    Q_CURRENT_EGRESS,
    Q_CURRENT_UNTAGGED,
    Q_STATIC_NAME,
    Q_STATIC_EGRESS,
    Q_STATIC_UNTAGGED,
    Q_STATIC_ROW_STATUS,
    LLDP_LOC_VLAN_NAME,
    LLDP_LOC_PORT_VLAN_ID,
    LOC_PORT_ID,
];

/// Sets VLANS on ports.
pub(super) fn apply(t: &Tables, ports: &mut BTreeMap<u32, Port>) {
    for (ifindex, vlans) in collect(t, ports) {
        match ports.get_mut(&ifindex) {
            Some(p) => p.vlans = vlans,
            None => tracing::debug!(ifindex, "VLANs of an unknown interface, ignored"),
        }
    }
}

/// The VLANs of each interface (some may name interfaces that do not exist).
fn collect(t: &Tables, ports: &BTreeMap<u32, Port>) -> BTreeMap<u32, Vec<Vlan>> {
    let mut out: BTreeMap<u32, Vec<Vlan>> = BTreeMap::new();
    cisco(t, &mut out);
    qbridge(t, ports, &mut out);
    if out.is_empty() {
        lldp(t, ports, &mut out);
    }
    out
}

/// Rows of a column in the reference agents' order (indexes sorted as dotted text).
fn text_sorted<'a>(t: &'a Tables, column: &[u32]) -> Vec<(&'a [u32], &'a Value)> {
    let mut rows: Vec<(String, (&[u32], &Value))> =
        t.column(column).map(|(i, v)| (dotted(i), (i, v))).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, r)| r).collect()
}

/// Cisco: the access VLAN of each port, named from VTP domain 1.
fn cisco(t: &Tables, out: &mut BTreeMap<u32, Vec<Vlan>>) {
    let domain1 = [VTP_VLAN_NAME, &[1]].concat();
    if !t.has(&domain1) || !t.has(VM_VLAN) {
        return;
    }
    for (index, value) in text_sorted(t, VM_VLAN) {
        let (Some(&ifindex), Some(vlan)) = (index.last(), u32_of(value)) else {
            continue;
        };
        let name = t
            .get(&[&domain1[..], &[vlan]].concat())
            .and_then(canon::value_string);
        out.entry(ifindex).or_default().push(Vlan {
            number: vlan,
            name,
            tagged: None,
        });
    }
}

/// Q-BRIDGE: active static VLANs with their current (else static) egress and untagged bitmaps.
fn qbridge(t: &Tables, ports: &BTreeMap<u32, Port>, out: &mut BTreeMap<u32, Vec<Vlan>>) {
    if !t.has(Q_STATIC_NAME) || !t.has(Q_STATIC_ROW_STATUS) {
        return;
    }
    let has_current = t.has(Q_CURRENT_EGRESS);
    for (index, status) in text_sorted(t, Q_STATIC_ROW_STATUS) {
        let [vlan] = index else { continue };
        if int(status) != Some(1) {
            continue;
        }
        let vlan = *vlan;
        let name = t
            .get(&[Q_STATIC_NAME, index].concat())
            .and_then(canon::value_string)
            .unwrap_or_default();
        let current = if has_current {
            current_index(t, vlan)
        } else {
            None
        };
        let egress = match &current {
            Some(ci) => t.get(&[Q_CURRENT_EGRESS, ci].concat()),
            None => t.get(&[Q_STATIC_EGRESS, index].concat()),
        };
        let Some(egress) = egress.and_then(bitmap) else {
            continue;
        };
        let untagged = current
            .as_ref()
            .and_then(|ci| t.get(&[Q_CURRENT_UNTAGGED, ci].concat()))
            .or_else(|| t.get(&[Q_STATIC_UNTAGGED, index].concat()));
        let Some(untagged) = untagged.and_then(bitmap) else {
            continue;
        };
        if egress.is_empty() || untagged.is_empty() {
            continue;
        }
        for &ifindex in ports.keys() {
            // Bit n is ifIndex n (ifIndex 0 has no bit).
            let Some(bit) = usize::try_from(ifindex).ok().and_then(|i| i.checked_sub(1)) else {
                continue;
            };
            let (Some(is_untagged), Some(is_egress)) =
                (bit_at(&untagged, bit), bit_at(&egress, bit))
            else {
                continue;
            };
            let tagged = !is_untagged && is_egress;
            if tagged || is_untagged {
                out.entry(ifindex).or_default().push(Vlan {
                    number: vlan,
                    name: Some(name.clone()),
                    tagged: Some(tagged),
                });
            }
        }
    }
}

/// The index of VLAN `vlan` in dot1qVlanCurrentTable: `vlan`, `0.vlan`, else any `….vlan`.
fn current_index(t: &Tables, vlan: u32) -> Option<Vec<u32>> {
    for candidate in [vec![vlan], vec![0, vlan]] {
        if t.get(&[Q_CURRENT_EGRESS, &candidate].concat()).is_some() {
            return Some(candidate);
        }
    }
    t.column(Q_CURRENT_EGRESS)
        .find(|(i, _)| i.len() >= 2 && i.last() == Some(&vlan))
        .map(|(i, _)| i.to_vec())
}

/// The octets of a port bitmap (binary, or `0x…` text).
fn bitmap(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::OctetString(b) => {
            if let Some(hex) = b.strip_prefix(b"0x")
                && hex.len() % 2 == 0
                && hex.iter().all(u8::is_ascii_hexdigit)
            {
                return hex
                    .chunks(2)
                    .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
                    .collect();
            }
            Some(b.clone())
        }
        _ => None,
    }
}

/// Bit `n` of a bitmap, first bit = most significant bit of the first octet.
fn bit_at(map: &[u8], n: usize) -> Option<bool> {
    map.get(n / 8).map(|byte| byte & (0x80 >> (n % 8)) != 0)
}

/// LLDP-EXT-DOT1: the VLAN names of each local port, else the PVID as `VLAN <id>`.
fn lldp(t: &Tables, ports: &BTreeMap<u32, Port>, out: &mut BTreeMap<u32, Vec<Vlan>>) {
    // LLDP port numbers: the local port table first; else a numeric port id, else the number.
    let resolver = PortResolver::new(t, ports, BTreeMap::new());
    if t.has(LLDP_LOC_VLAN_NAME) && t.has(LOC_PORT_ID) {
        for (index, value) in text_sorted(t, LLDP_LOC_VLAN_NAME) {
            let [num, vlan, ..] = index else { continue };
            let Some(id) = t.get(&[LOC_PORT_ID, &[*num]].concat()) else {
                continue;
            };
            let id = canon::raw(id).unwrap_or_default();
            if !canon::truthy(&id) {
                continue;
            }
            let unmapped = if is_digits(&id) {
                id.parse().unwrap_or(*num)
            } else {
                *num
            };
            let ifindex = match resolver.ifindex(*num) {
                resolved if resolved != *num => resolved,
                _ => unmapped,
            };
            out.entry(ifindex).or_default().push(Vlan {
                number: *vlan,
                name: nonempty_string(Some(value)).or(Some(String::new())),
                tagged: None,
            });
        }
    } else {
        let pvids = index_map(t, LLDP_LOC_PORT_VLAN_ID);
        for (num, pvid) in pvids {
            out.entry(resolver.ifindex(num)).or_default().push(Vlan {
                number: pvid,
                name: Some(format!("VLAN {pvid}")),
                tagged: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{bytes, int, ports, s, tables};
    use super::*;

    fn vlan(number: u32, name: &str, tagged: Option<bool>) -> Vlan {
        Vlan {
            number,
            name: Some(name.to_owned()),
            tagged,
        }
    }

    #[test]
    fn cisco_access_vlans() {
        let mut p = ports(&[1, 2]);
        let t = tables(vec![
            (VTP_VLAN_NAME, &[1, 10], s("users")),
            (VTP_VLAN_NAME, &[1, 20], s("voice")),
            (VM_VLAN, &[1], int(10)),
            (VM_VLAN, &[2], int(30)),
            (VM_VLAN, &[3], int(20)),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1].vlans, vec![vlan(10, "users", None)]);
        assert_eq!(
            p[&2].vlans,
            vec![Vlan {
                number: 30,
                name: None,
                tagged: None
            }]
        );
    }

    #[test]
    fn cisco_needs_both_tables() {
        let mut p = ports(&[1]);
        let t = tables(vec![(VM_VLAN, &[1], int(10))]);
        apply(&t, &mut p);
        assert!(p[&1].vlans.is_empty());
    }

    #[test]
    fn qbridge_tagged_untagged_bitmaps() {
        let mut p = ports(&[1, 2, 3, 9, 17, 40]);
        let t = tables(vec![
            (Q_STATIC_NAME, &[1], s("DEFAULT")),
            (Q_STATIC_NAME, &[5], s("five")),
            (Q_STATIC_NAME, &[6], s("inactive")),
            (Q_STATIC_ROW_STATUS, &[1], int(1)),
            (Q_STATIC_ROW_STATUS, &[5], int(1)),
            (Q_STATIC_ROW_STATUS, &[6], int(2)),
            // VLAN 1: current table, index timeMark 0.
            (Q_CURRENT_EGRESS, &[0, 1], bytes(&[0xe0, 0x80, 0x80])),
            (Q_CURRENT_UNTAGGED, &[0, 1], bytes(&[0xc0, 0x00, 0x80])),
            // VLAN 5: only static bitmaps; ifIndex 40 is beyond the bitmap.
            (Q_STATIC_EGRESS, &[5], bytes(&[0x20, 0x80])),
            (Q_STATIC_UNTAGGED, &[5], bytes(&[0x00, 0x00])),
            (Q_STATIC_EGRESS, &[6], bytes(&[0xff])),
            (Q_STATIC_UNTAGGED, &[6], bytes(&[0xff])),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1].vlans, vec![vlan(1, "DEFAULT", Some(false))]);
        assert_eq!(p[&2].vlans, vec![vlan(1, "DEFAULT", Some(false))]);
        assert_eq!(
            p[&3].vlans,
            vec![vlan(1, "DEFAULT", Some(true)), vlan(5, "five", Some(true))]
        );
        assert_eq!(
            p[&9].vlans,
            vec![vlan(1, "DEFAULT", Some(true)), vlan(5, "five", Some(true))]
        );
        assert_eq!(p[&17].vlans, vec![vlan(1, "DEFAULT", Some(false))]);
        assert!(p[&40].vlans.is_empty());
    }

    #[test]
    fn qbridge_current_index_other_time_mark_and_hex_text() {
        let mut p = ports(&[1, 2]);
        let t = tables(vec![
            (Q_STATIC_NAME, &[7], s("seven")),
            (Q_STATIC_ROW_STATUS, &[7], int(1)),
            (Q_CURRENT_EGRESS, &[42, 7], s("0xc0")),
            (Q_CURRENT_UNTAGGED, &[42, 7], s("0x40")),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1].vlans, vec![vlan(7, "seven", Some(true))]);
        assert_eq!(p[&2].vlans, vec![vlan(7, "seven", Some(false))]);
    }

    #[test]
    fn qbridge_adds_to_cisco_and_lldp_is_not_used() {
        let mut p = ports(&[1]);
        let t = tables(vec![
            (VTP_VLAN_NAME, &[1, 10], s("users")),
            (VM_VLAN, &[1], int(10)),
            (Q_STATIC_NAME, &[20], s("twenty")),
            (Q_STATIC_ROW_STATUS, &[20], int(1)),
            (Q_STATIC_EGRESS, &[20], bytes(&[0x80])),
            (Q_STATIC_UNTAGGED, &[20], bytes(&[0x80])),
            (LLDP_LOC_PORT_VLAN_ID, &[1], int(99)),
        ]);
        apply(&t, &mut p);
        assert_eq!(
            p[&1].vlans,
            vec![vlan(10, "users", None), vlan(20, "twenty", Some(false))]
        );
    }

    #[test]
    fn lldp_vlan_names_and_pvid() {
        let mut p = ports(&[1, 5, 1001]);
        if let Some(x) = p.get_mut(&1001) {
            x.ifname = Some("1/1".into());
        }
        let t = tables(vec![
            (LLDP_LOC_VLAN_NAME, &[1, 10], s("ten")),
            (LLDP_LOC_VLAN_NAME, &[2, 20], s("twenty")),
            (LLDP_LOC_VLAN_NAME, &[3, 30], s("thirty")),
            (LOC_PORT_ID, &[1], s("1/1")),
            (LOC_PORT_ID, &[2], s("5")),
            (LOC_PORT_ID, &[3], s("")),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1001].vlans, vec![vlan(10, "ten", None)]);
        assert_eq!(p[&5].vlans, vec![vlan(20, "twenty", None)]);
        assert!(p[&1].vlans.is_empty());

        let mut p = ports(&[1, 2]);
        let t = tables(vec![
            (LLDP_LOC_PORT_VLAN_ID, &[1], int(10)),
            (LLDP_LOC_PORT_VLAN_ID, &[2], int(0)),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1].vlans, vec![vlan(10, "VLAN 10", None)]);
        assert_eq!(p[&2].vlans, vec![vlan(0, "VLAN 0", None)]);
    }

    #[test]
    fn malformed_values_do_not_panic() {
        let mut p = ports(&[0, 1, u32::MAX]);
        let t = tables(vec![
            (Q_STATIC_NAME, &[1, 2], s("odd")),
            (Q_STATIC_ROW_STATUS, &[1, 2], int(1)),
            (Q_STATIC_NAME, &[3], s("x")),
            (Q_STATIC_ROW_STATUS, &[3], s("active")),
            (Q_STATIC_NAME, &[4], s("huge")),
            (Q_STATIC_ROW_STATUS, &[4], int(1)),
            (Q_STATIC_EGRESS, &[4], bytes(&vec![0xff; 100_000])),
            (Q_STATIC_UNTAGGED, &[4], int(3)),
            (VTP_VLAN_NAME, &[1, 1], s("a")),
            (VM_VLAN, &[], s("x")),
            (LLDP_LOC_VLAN_NAME, &[1], s("short")),
        ]);
        apply(&t, &mut p);
        assert!(p.values().all(|x| x.vlans.is_empty()));
    }
}
