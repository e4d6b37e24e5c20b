//! TRUNK flag of each port: Cisco VTP dynamic status, Juniper port mode, LLDP PVID.

use std::collections::BTreeMap;

use super::tables::Tables;
use crate::model::Port;

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// Sets TRUNK on ports.
pub(super) fn apply(_t: &Tables, _ports: &mut BTreeMap<u32, Port>) {}
