//! AGGREGATE: link aggregation membership (IEEE8023-LAG-MIB, Cisco PAgP).

use std::collections::BTreeMap;

use super::tables::Tables;
use crate::model::Port;

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// Sets AGGREGATE on the aggregate ports.
pub(super) fn apply(_t: &Tables, _ports: &mut BTreeMap<u32, Port>) {}
