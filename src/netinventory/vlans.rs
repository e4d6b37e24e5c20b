//! VLANS of each port: Cisco VTP/VLAN membership, Q-BRIDGE static VLANs, LLDP-EXT-DOT1.

use std::collections::BTreeMap;

use super::tables::Tables;
use crate::model::Port;

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// Sets VLANS on ports.
pub(super) fn apply(_t: &Tables, _ports: &mut BTreeMap<u32, Port>) {}
