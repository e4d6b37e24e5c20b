//! EDP: neighbours from Extreme Networks' discovery protocol tables (EXTREME-EDP-MIB).
//!
//! extremeEdpNeighborVlanIpAddress (index ifIndex.0.0.mac(6).vlanName) gives the neighbour's
//! address, extremeEdpNeighborName / …Port (index ifIndex.0.0.mac(6)) its name and port; the MAC
//! in the index is SYSMAC. A port with several neighbours is dropped.

use std::collections::{BTreeMap, BTreeSet};

use super::l2::nonempty_string;
use super::tables::Tables;
use crate::mib::canon;
use crate::model::Neighbour;

const NEIGHBOR_NAME: &[u32] = &[1, 3, 6, 1, 4, 1, 1916, 1, 13, 2, 1, 3];
const NEIGHBOR_PORT: &[u32] = &[1, 3, 6, 1, 4, 1, 1916, 1, 13, 2, 1, 6];
const NEIGHBOR_VLAN_IP: &[u32] = &[1, 3, 6, 1, 4, 1, 1916, 1, 13, 3, 1, 3];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[NEIGHBOR_NAME, NEIGHBOR_PORT, NEIGHBOR_VLAN_IP];

/// The EDP neighbour of each interface, by ifIndex.
///
/// Upstream counts every VLAN row of a neighbour as another neighbour, so a neighbour seen on
/// two VLANs made its port dropped; here only a second MAC on the same port does (the first
/// VLAN's address is kept).
pub(super) fn neighbours(t: &Tables) -> BTreeMap<u32, Neighbour> {
    let mut out: BTreeMap<u32, Neighbour> = BTreeMap::new();
    let mut several = BTreeSet::new();
    for (index, ip) in t.column(NEIGHBOR_VLAN_IP) {
        let Some(ip) = canon::raw(ip).filter(|ip| !ip.is_empty() && ip != "0.0.0.0") else {
            continue;
        };
        let Some(short) = index.get(..9) else {
            continue;
        };
        let ifindex = short[0];
        let sysmac = short[3..9]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":");
        if let Some(seen) = out.get(&ifindex) {
            if seen.sysmac.as_deref() != Some(sysmac.as_str()) {
                tracing::debug!(ifindex, "EDP: several neighbours on one interface, ignored");
                several.insert(ifindex);
            }
            continue;
        }
        let at = |column: &[u32]| t.get(&[column, short].concat());
        out.insert(
            ifindex,
            Neighbour {
                ip: Some(ip),
                ifdescr: nonempty_string(at(NEIGHBOR_PORT)),
                sysname: nonempty_string(at(NEIGHBOR_NAME)),
                sysmac: Some(sysmac),
                ..Neighbour::default()
            },
        );
    }
    out.retain(|i, _| !several.contains(i));
    out
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{s, tables};
    use super::*;
    use crate::snmp::Value;

    #[test]
    fn edp_neighbours() {
        let mac = [0u32, 4, 0x96, 1, 2, 3];
        let idx = |port: u32, vlan: &[u32]| -> &'static [u32] {
            let mut v = vec![port, 0, 0];
            v.extend_from_slice(&mac);
            v.extend_from_slice(vlan);
            Box::leak(v.into_boxed_slice())
        };
        let t = tables(vec![
            (NEIGHBOR_NAME, idx(1001, &[]), s("core")),
            (NEIGHBOR_PORT, idx(1001, &[]), s("1:1")),
            (
                NEIGHBOR_VLAN_IP,
                idx(1001, &[1, 65]),
                Value::IpAddress([10, 1, 1, 1]),
            ),
            (
                NEIGHBOR_VLAN_IP,
                idx(1001, &[1, 66]),
                Value::IpAddress([10, 2, 1, 1]),
            ),
            (
                NEIGHBOR_VLAN_IP,
                idx(1002, &[1, 65]),
                Value::IpAddress([0, 0, 0, 0]),
            ),
            (
                NEIGHBOR_VLAN_IP,
                &[1003, 0, 0, 1],
                Value::IpAddress([10, 3, 1, 1]),
            ),
        ]);
        let n = neighbours(&t);
        assert_eq!(n.len(), 1);
        assert_eq!(
            n[&1001],
            Neighbour {
                ip: Some("10.1.1.1".into()),
                ifdescr: Some("1:1".into()),
                sysname: Some("core".into()),
                sysmac: Some("00:04:96:01:02:03".into()),
                ..Neighbour::default()
            }
        );
    }

    #[test]
    fn two_neighbours_on_one_port_dropped() {
        let t = tables(vec![
            (
                NEIGHBOR_VLAN_IP,
                &[5, 0, 0, 0, 1, 2, 3, 4, 5, 65],
                Value::IpAddress([10, 0, 0, 1]),
            ),
            (
                NEIGHBOR_VLAN_IP,
                &[5, 0, 0, 0, 1, 2, 3, 4, 6, 65],
                Value::IpAddress([10, 0, 0, 2]),
            ),
        ]);
        assert!(neighbours(&t).is_empty());
    }
}
