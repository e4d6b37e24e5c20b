//! COMPONENTS: ENTITY-MIB physical entities (chassis, modules, stack members, power supplies…).

use super::tables::Tables;
use crate::model::{Component, SnmpInfo};

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// The components of the device.
pub(super) fn collect(_t: &Tables, _info: &SnmpInfo) -> Vec<Component> {
    Vec::new()
}
