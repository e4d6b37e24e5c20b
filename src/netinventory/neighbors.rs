//! CONNECTIONS from discovery protocols: LLDP, CDP and EDP neighbours merged per port.

use std::collections::BTreeMap;

use super::tables::Tables;
use crate::model::Port;

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// Sets neighbour CONNECTIONS on ports.
pub(super) fn apply(_t: &Tables, _ports: &mut BTreeMap<u32, Port>) {}
