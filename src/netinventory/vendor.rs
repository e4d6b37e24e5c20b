//! Vendor additions to an inventory (the reference agents' MibSupport `run` hooks): extra
//! firmwares, counters, components, port names, by the vendor modules that applied.

use super::tables::Tables;
use crate::model::NetInventory;
use crate::snmp::Oid;

/// Columns the applying vendor modules read.
pub(super) fn columns(_mib_support: &[String]) -> Vec<Oid> {
    Vec::new()
}

/// Objects the applying vendor modules GET.
pub(super) fn scalars(_mib_support: &[String]) -> Vec<Oid> {
    Vec::new()
}

/// Adds what the applying vendor modules know.
pub(super) fn apply(_t: &Tables, _mib_support: &[String], _inv: &mut NetInventory) {}
