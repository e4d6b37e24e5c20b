//! Printer data: CARTRIDGES (Printer-MIB supplies) and PAGECOUNTERS.

use std::collections::BTreeMap;

use super::tables::Tables;

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[];

/// Objects read by GET.
pub(super) const SCALARS: &[&[u32]] = &[];

/// CARTRIDGES.
pub(super) fn cartridges(_t: &Tables) -> BTreeMap<String, String> {
    BTreeMap::new()
}

/// PAGECOUNTERS.
pub(super) fn page_counters(_t: &Tables) -> BTreeMap<String, String> {
    BTreeMap::new()
}
