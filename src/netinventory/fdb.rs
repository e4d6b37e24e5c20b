//! CONNECTIONS from forwarding tables: the MAC addresses learned on each port (BRIDGE-MIB,
//! Q-BRIDGE, per-VLAN contexts, the ARP table as a last resort).

use std::collections::BTreeMap;

use super::tables::Tables;
use crate::model::Port;

/// Columns read in the device's own context.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// Columns read again in each VLAN context.
pub(super) const VLAN_COLUMNS: &[&[u32]] = &[];

/// The VLANs whose context must be read (none when the main context had MACs).
pub(super) fn vlan_contexts(_t: &Tables, _ports: &BTreeMap<u32, Port>) -> Vec<u32> {
    Vec::new()
}

/// Sets MAC CONNECTIONS on ports without neighbours.
pub(super) fn apply(_t: &Tables, _vlans: &[(u32, Tables)], _ports: &mut BTreeMap<u32, Port>) {}
