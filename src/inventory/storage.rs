//! STORAGES: physical disks from /sys/block and the udev database.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Storages];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
