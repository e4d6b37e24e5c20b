//! CONNECTIONS from forwarding tables: the MAC addresses learned on each port (BRIDGE-MIB,
//! Q-BRIDGE, per-VLAN contexts, the ARP table as a last resort).
//!
//! As GLPI agent: BRIDGE-MIB dot1dTpFdbPort is always used; Q-BRIDGE dot1qTpFdbPort adds to
//! it; when Q-BRIDGE gave nothing, the BRIDGE-MIB tables of each VLAN context (VLANs of ports
//! without neighbours, VLAN 1 excepted) are read, each with its own bridge port → ifIndex map,
//! and when those give nothing either, the ARP table. Bridge ports are mapped to ifIndexes by
//! dot1dBasePortIfIndex. Ports with a neighbour get no MAC; a port's own MAC and MACs already
//! listed are dropped.

use std::collections::BTreeMap;

use super::l2::{DOT1D_BASE_PORT_IF_INDEX, bridge_ports, u32_of};
use super::tables::{Tables, dotted};
use crate::mib::canon;
use crate::model::{Connections, Port};

/// dot1dTpFdbPort (index MAC as six arcs, value bridge port).
const DOT1D_TP_FDB_PORT: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2];
/// dot1qTpFdbPort (index fdbId.MAC, value bridge port).
const DOT1Q_TP_FDB_PORT: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 2];
/// ipNetToMediaIfIndex (index ifIndex.IPv4).
const IP_NET_TO_MEDIA_IF_INDEX: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 22, 1, 1];
/// ipNetToMediaPhysAddress (index ifIndex.IPv4).
const IP_NET_TO_MEDIA_PHYS_ADDRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 22, 1, 2];

/// Columns read in the device's own context.
pub(super) const COLUMNS: &[&[u32]] = &[
    DOT1D_TP_FDB_PORT,
    DOT1Q_TP_FDB_PORT,
    DOT1D_BASE_PORT_IF_INDEX,
    IP_NET_TO_MEDIA_IF_INDEX,
    IP_NET_TO_MEDIA_PHYS_ADDRESS,
];

/// Columns read again in each VLAN context.
pub(super) const VLAN_COLUMNS: &[&[u32]] = &[DOT1D_TP_FDB_PORT, DOT1D_BASE_PORT_IF_INDEX];

/// MACs found per ifIndex, in table order.
type Found = BTreeMap<u32, Vec<String>>;

/// The VLANs whose context must be read: none when Q-BRIDGE gave MACs, else the VLANs of ports
/// without neighbours, VLAN 1 excepted, in port order.
pub(super) fn vlan_contexts(t: &Tables, ports: &BTreeMap<u32, Port>) -> Vec<u32> {
    if !learned(t, DOT1Q_TP_FDB_PORT).is_empty() {
        return Vec::new();
    }
    let mut vlans = Vec::new();
    for p in ports.values().filter(|p| !has_neighbours(p)) {
        for v in &p.vlans {
            if v.number != 1 && !vlans.contains(&v.number) {
                vlans.push(v.number);
            }
        }
    }
    vlans
}

/// Sets MAC CONNECTIONS on ports without neighbours.
pub(super) fn apply(t: &Tables, vlans: &[(u32, Tables)], ports: &mut BTreeMap<u32, Port>) {
    add(ports, learned(t, DOT1D_TP_FDB_PORT));
    let qbridge = learned(t, DOT1Q_TP_FDB_PORT);
    if !qbridge.is_empty() {
        add(ports, qbridge);
        return;
    }
    let per_vlan: Vec<Found> = vlans
        .iter()
        .map(|(_, ctx)| learned(ctx, DOT1D_TP_FDB_PORT))
        .filter(|found| !found.is_empty())
        .collect();
    if per_vlan.is_empty() {
        add(ports, arp(t));
    } else {
        for found in per_vlan {
            add(ports, found);
        }
    }
}

/// The MACs of a forwarding table (the last six index arcs), by ifIndex.
fn learned(t: &Tables, column: &[u32]) -> Found {
    let bridge = bridge_ports(t);
    let mut rows: Vec<(String, u32, String)> = Vec::new();
    for (index, value) in t.column(column) {
        let Some(ifindex) = u32_of(value).and_then(|bp| bridge.get(&bp)) else {
            continue;
        };
        let Some(mac) = index_mac(index) else {
            continue;
        };
        let dotted = dotted(index);
        rows.push((dotted, *ifindex, mac));
    }
    // The reference agents go through the rows sorted as dotted text.
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut found = Found::new();
    for (_, ifindex, mac) in rows {
        found.entry(ifindex).or_default().push(mac);
    }
    found
}

/// The MAC spelled by the last six arcs of an index (malformed indexes give none).
fn index_mac(index: &[u32]) -> Option<String> {
    let tail = index.get(index.len().checked_sub(6)?..)?;
    let bytes: Vec<u8> = tail
        .iter()
        .map(|&a| u8::try_from(a).ok())
        .collect::<Option<_>>()?;
    Some(canon::colon_hex(&bytes))
}

/// The ARP table: MACs by the ifIndex of ipNetToMediaIfIndex.
fn arp(t: &Tables) -> Found {
    let mut rows: Vec<(String, u32, String)> = Vec::new();
    for (index, value) in t.column(IP_NET_TO_MEDIA_PHYS_ADDRESS) {
        let Some(ifindex) = t
            .get(&[IP_NET_TO_MEDIA_IF_INDEX, index].concat())
            .and_then(u32_of)
        else {
            continue;
        };
        let Some(mac) = canon::value_mac(value) else {
            continue;
        };
        let dotted = dotted(index);
        rows.push((dotted, ifindex, mac));
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut found = Found::new();
    for (_, ifindex, mac) in rows {
        found.entry(ifindex).or_default().push(mac);
    }
    found
}

fn has_neighbours(p: &Port) -> bool {
    matches!(p.connections, Some(Connections::Neighbours(_)))
}

/// Adds MACs to ports that exist and have no neighbour, without the port's own MAC or
/// duplicates.
fn add(ports: &mut BTreeMap<u32, Port>, found: Found) {
    for (ifindex, macs) in found {
        let Some(port) = ports.get_mut(&ifindex) else {
            tracing::debug!(ifindex, "MACs of an unknown interface, ignored");
            continue;
        };
        if has_neighbours(port) {
            continue;
        }
        let own = port.mac.clone();
        let mut list = match port.connections.take() {
            Some(Connections::Macs(list)) => list,
            _ => Vec::new(),
        };
        for mac in macs {
            if own.as_deref() != Some(mac.as_str()) && !list.contains(&mac) {
                list.push(mac);
            }
        }
        port.connections = (!list.is_empty()).then_some(Connections::Macs(list));
    }
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{bytes, int, ports, tables};
    use super::*;
    use crate::model::{Neighbour, Vlan};

    fn macs(p: &Port) -> Vec<&str> {
        match &p.connections {
            Some(Connections::Macs(list)) => list.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    fn fdb_vector(two: bool) -> Tables {
        let mut rows = vec![
            (DOT1D_TP_FDB_PORT, &[0u32, 0, 116, 210, 9, 106][..], int(52)),
            (DOT1D_BASE_PORT_IF_INDEX, &[52], int(52)),
        ];
        if two {
            rows.push((DOT1D_TP_FDB_PORT, &[0, 0, 116, 210, 9, 107], int(52)));
        }
        tables(rows)
    }

    /// `unit_vectors.json` fdb_extraction.
    #[test]
    fn fdb_extraction_vectors() {
        let found = learned(&fdb_vector(false), DOT1D_TP_FDB_PORT);
        assert_eq!(
            found,
            Found::from([(52, vec!["00:00:74:d2:09:6a".to_owned()])])
        );
        let found = learned(&fdb_vector(true), DOT1D_TP_FDB_PORT);
        assert_eq!(
            found,
            Found::from([(
                52,
                vec![
                    "00:00:74:d2:09:6a".to_owned(),
                    "00:00:74:d2:09:6b".to_owned()
                ]
            )])
        );
    }

    /// `unit_vectors.json` fdb_addition.
    #[test]
    fn fdb_addition_vectors() {
        let mut p = ports(&[52]);
        apply(&fdb_vector(false), &[], &mut p);
        assert_eq!(macs(&p[&52]), ["00:00:74:d2:09:6a"]);

        let mut p = ports(&[52]);
        apply(&fdb_vector(true), &[], &mut p);
        assert_eq!(macs(&p[&52]), ["00:00:74:d2:09:6a", "00:00:74:d2:09:6b"]);

        let mut p = ports(&[52]);
        let cdp = Some(Connections::Neighbours(vec![Neighbour::default()]));
        if let Some(x) = p.get_mut(&52) {
            x.connections = cdp.clone();
        }
        apply(&fdb_vector(true), &[], &mut p);
        assert_eq!(
            p[&52].connections, cdp,
            "CDP/LLDP neighbour present: untouched"
        );

        let mut p = ports(&[52]);
        if let Some(x) = p.get_mut(&52) {
            x.mac = Some("00:00:74:d2:09:6a".into());
        }
        apply(&fdb_vector(true), &[], &mut p);
        assert_eq!(
            macs(&p[&52]),
            ["00:00:74:d2:09:6b"],
            "port own MAC excluded"
        );
    }

    #[test]
    fn qbridge_adds_and_deduplicates() {
        let mut p = ports(&[3, 4]);
        let t = tables(vec![
            (DOT1D_TP_FDB_PORT, &[0, 1, 2, 3, 4, 5], int(1)),
            (DOT1Q_TP_FDB_PORT, &[10, 0, 1, 2, 3, 4, 5], int(1)),
            (DOT1Q_TP_FDB_PORT, &[20, 0, 1, 2, 3, 4, 5], int(1)),
            (DOT1Q_TP_FDB_PORT, &[20, 0, 1, 2, 3, 4, 6], int(2)),
            (DOT1Q_TP_FDB_PORT, &[20, 0, 1, 2, 3, 4, 7], int(9)),
            (DOT1D_BASE_PORT_IF_INDEX, &[1], int(3)),
            (DOT1D_BASE_PORT_IF_INDEX, &[2], int(4)),
        ]);
        let mut with_vlan = p.clone();
        if let Some(x) = with_vlan.get_mut(&3) {
            x.vlans.push(Vlan {
                number: 5,
                ..Vlan::default()
            });
        }
        assert!(
            vlan_contexts(&t, &with_vlan).is_empty(),
            "Q-BRIDGE had MACs"
        );
        apply(&t, &[], &mut p);
        assert_eq!(macs(&p[&3]), ["00:01:02:03:04:05"]);
        assert_eq!(macs(&p[&4]), ["00:01:02:03:04:06"]);
    }

    #[test]
    fn per_vlan_contexts_with_their_own_bridge_ports() {
        let mut p = ports(&[1, 2, 3, 4]);
        let vlan = |n| Vlan {
            number: n,
            ..Vlan::default()
        };
        if let Some(x) = p.get_mut(&1) {
            x.vlans = vec![vlan(1), vlan(10)];
        }
        if let Some(x) = p.get_mut(&2) {
            x.vlans = vec![vlan(20), vlan(10)];
        }
        if let Some(x) = p.get_mut(&3) {
            x.vlans = vec![vlan(30)];
            x.connections = Some(Connections::Neighbours(vec![Neighbour::default()]));
        }
        let main = tables(vec![
            (IP_NET_TO_MEDIA_IF_INDEX, &[4, 10, 0, 0, 1], int(4)),
            (
                IP_NET_TO_MEDIA_PHYS_ADDRESS,
                &[4, 10, 0, 0, 1],
                bytes(&[0, 0, 0, 0, 0, 9]),
            ),
        ]);
        assert_eq!(vlan_contexts(&main, &p), vec![10, 20]);
        let ctx10 = tables(vec![
            (DOT1D_TP_FDB_PORT, &[0, 0, 0, 0, 0, 1], int(7)),
            (DOT1D_BASE_PORT_IF_INDEX, &[7], int(1)),
        ]);
        let ctx20 = tables(vec![
            (DOT1D_TP_FDB_PORT, &[0, 0, 0, 0, 0, 2], int(7)),
            (DOT1D_TP_FDB_PORT, &[0, 0, 0, 0, 0, 3], int(8)),
            (DOT1D_BASE_PORT_IF_INDEX, &[7], int(2)),
            (DOT1D_BASE_PORT_IF_INDEX, &[8], int(3)),
        ]);
        apply(&main, &[(10, ctx10), (20, ctx20)], &mut p);
        assert_eq!(macs(&p[&1]), ["00:00:00:00:00:01"]);
        assert_eq!(macs(&p[&2]), ["00:00:00:00:00:02"]);
        assert!(matches!(
            p[&3].connections,
            Some(Connections::Neighbours(_))
        ));
        assert!(
            macs(&p[&4]).is_empty(),
            "ARP not used when a VLAN gave MACs"
        );
    }

    #[test]
    fn arp_last_resort() {
        let mut p = ports(&[4, 5]);
        if let Some(x) = p.get_mut(&5) {
            x.mac = Some("00:00:00:00:00:0a".into());
        }
        let t = tables(vec![
            (IP_NET_TO_MEDIA_IF_INDEX, &[4, 10, 0, 0, 1], int(4)),
            (
                IP_NET_TO_MEDIA_PHYS_ADDRESS,
                &[4, 10, 0, 0, 1],
                bytes(&[0, 0, 0, 0, 0, 9]),
            ),
            (IP_NET_TO_MEDIA_IF_INDEX, &[4, 10, 0, 0, 2], int(4)),
            (
                IP_NET_TO_MEDIA_PHYS_ADDRESS,
                &[4, 10, 0, 0, 2],
                bytes(&[0, 0, 0, 0, 0, 9]),
            ),
            (IP_NET_TO_MEDIA_IF_INDEX, &[5, 10, 0, 0, 3], int(5)),
            (
                IP_NET_TO_MEDIA_PHYS_ADDRESS,
                &[5, 10, 0, 0, 3],
                bytes(&[0, 0, 0, 0, 0, 10]),
            ),
            (
                IP_NET_TO_MEDIA_PHYS_ADDRESS,
                &[4, 10, 0, 0, 4],
                bytes(&[0, 0, 0, 0, 0, 11]),
            ),
        ]);
        apply(&t, &[], &mut p);
        assert_eq!(macs(&p[&4]), ["00:00:00:00:00:09"]);
        assert_eq!(p[&5].connections, None, "own MAC only");
    }

    #[test]
    fn malformed_rows_ignored() {
        let mut p = ports(&[1]);
        let t = tables(vec![
            (DOT1D_TP_FDB_PORT, &[1, 2, 3], int(1)),
            (DOT1D_TP_FDB_PORT, &[0, 0, 0, 0, 0, 300], int(1)),
            (DOT1D_TP_FDB_PORT, &[0, 0, 0, 0, 0, 1], bytes(b"x")),
            (DOT1D_BASE_PORT_IF_INDEX, &[1], int(1)),
            (DOT1D_BASE_PORT_IF_INDEX, &[1, 1], int(1)),
        ]);
        apply(&t, &[], &mut p);
        assert_eq!(p[&1].connections, None);
    }
}
