//! MEMORIES, SLOTS and PORTS from the SMBIOS tables (/sys/firmware/dmi/tables, root only).

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Memories, Section::Slots, Section::Ports];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
