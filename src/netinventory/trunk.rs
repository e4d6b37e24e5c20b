//! TRUNK flag of each port: Cisco VTP dynamic status, Juniper port mode, LLDP PVID.
//!
//! The first source the device has is the only one used: vlanTrunkPortDynamicStatus (1 =
//! trunk), jnxExVlanPortAccessMode (2 = trunk, bridge ports mapped through
//! dot1dBasePortIfIndex), lldpXdot1LocPortVlanId (PVID 0 = trunk; LLDP port numbers resolved
//! through the local port table, else dot1dBasePortIfIndex, else taken as ifIndex).

use std::collections::BTreeMap;

use super::l2::{bridge_ports, perl_num};
use super::lldp::PortResolver;
use super::tables::Tables;
use super::vlans::LLDP_LOC_PORT_VLAN_ID;
use crate::model::Port;

/// vlanTrunkPortDynamicStatus (index ifIndex).
const CISCO_TRUNK_STATUS: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 46, 1, 6, 1, 1, 14];
/// jnxExVlanPortAccessMode (index vlan.bridgePort).
const JUNIPER_ACCESS_MODE: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 3, 40, 1, 5, 1, 7, 1, 5];

/// Columns read (dot1dBasePortIfIndex and the LLDP tables are listed by fdb, lldp and vlans).
pub(super) const COLUMNS: &[&[u32]] = &[
    CISCO_TRUNK_STATUS,
    JUNIPER_ACCESS_MODE,
    LLDP_LOC_PORT_VLAN_ID,
    super::l2::DOT1D_BASE_PORT_IF_INDEX,
];

/// Sets TRUNK on ports.
pub(super) fn apply(t: &Tables, ports: &mut BTreeMap<u32, Port>) {
    for (ifindex, trunk) in collect(t, ports) {
        match ports.get_mut(&ifindex) {
            Some(p) => p.trunk = Some(trunk),
            None => tracing::debug!(ifindex, "trunk flag of an unknown interface, ignored"),
        }
    }
}

fn collect(t: &Tables, ports: &BTreeMap<u32, Port>) -> BTreeMap<u32, bool> {
    let mut out = BTreeMap::new();
    if t.has(CISCO_TRUNK_STATUS) {
        for (ifindex, v) in t.column_u32(CISCO_TRUNK_STATUS) {
            out.insert(ifindex, perl_num(v) == 1);
        }
        return out;
    }
    if t.has(JUNIPER_ACCESS_MODE) {
        let bridge = bridge_ports(t);
        for (index, v) in t.column(JUNIPER_ACCESS_MODE) {
            if let Some(ifindex) = index.last().and_then(|bp| bridge.get(bp)) {
                out.insert(*ifindex, perl_num(v) == 2);
            }
        }
        return out;
    }
    if t.has(LLDP_LOC_PORT_VLAN_ID) {
        let resolver = PortResolver::new(t, ports, bridge_ports(t));
        for (num, v) in t.column_u32(LLDP_LOC_PORT_VLAN_ID) {
            out.insert(resolver.ifindex(num), perl_num(v) == 0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::l2::DOT1D_BASE_PORT_IF_INDEX;
    use super::super::l2::fixtures::{int, ports, s, tables};
    use super::super::lldp::{LOC_PORT_ID, LOC_PORT_ID_SUBTYPE};
    use super::*;

    /// `unit_vectors.json` trunk_extraction.
    #[test]
    fn trunk_extraction_vector() {
        let mut p = ports(&[0, 1, 2]);
        let t = tables(vec![
            (CISCO_TRUNK_STATUS, &[0], int(1)),
            (CISCO_TRUNK_STATUS, &[1], int(0)),
            (CISCO_TRUNK_STATUS, &[2], int(1)),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&0].trunk, Some(true));
        assert_eq!(p[&1].trunk, Some(false));
        assert_eq!(p[&2].trunk, Some(true));
    }

    #[test]
    fn cisco_first_then_nothing_else() {
        let mut p = ports(&[1, 2]);
        let t = tables(vec![
            (CISCO_TRUNK_STATUS, &[1], int(2)),
            (LLDP_LOC_PORT_VLAN_ID, &[2], int(0)),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1].trunk, Some(false));
        assert_eq!(p[&2].trunk, None);
    }

    #[test]
    fn juniper_access_mode_through_bridge_ports() {
        let mut p = ports(&[501, 502, 503]);
        let t = tables(vec![
            (JUNIPER_ACCESS_MODE, &[10, 1], int(2)),
            (JUNIPER_ACCESS_MODE, &[10, 2], int(1)),
            (JUNIPER_ACCESS_MODE, &[10, 3], int(2)),
            (DOT1D_BASE_PORT_IF_INDEX, &[1], int(501)),
            (DOT1D_BASE_PORT_IF_INDEX, &[2], int(502)),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&501].trunk, Some(true));
        assert_eq!(p[&502].trunk, Some(false));
        assert_eq!(p[&503].trunk, None, "bridge port without ifIndex");
    }

    #[test]
    fn lldp_pvid() {
        let mut p = ports(&[1, 2, 3, 20]);
        if let Some(x) = p.get_mut(&20) {
            x.ifname = Some("Eth4".into());
        }
        let t = tables(vec![
            (LLDP_LOC_PORT_VLAN_ID, &[1], int(0)),
            (LLDP_LOC_PORT_VLAN_ID, &[2], int(10)),
            (LLDP_LOC_PORT_VLAN_ID, &[4], int(0)),
            (LLDP_LOC_PORT_VLAN_ID, &[5], int(0)),
            (DOT1D_BASE_PORT_IF_INDEX, &[5], int(3)),
            (LOC_PORT_ID_SUBTYPE, &[4], int(5)),
            (LOC_PORT_ID, &[4], s("Eth4")),
        ]);
        apply(&t, &mut p);
        assert_eq!(p[&1].trunk, Some(true));
        assert_eq!(p[&2].trunk, Some(false));
        assert_eq!(p[&3].trunk, Some(true), "bridge port 5");
        assert_eq!(p[&20].trunk, Some(true), "local port 4 named Eth4");
    }
}
