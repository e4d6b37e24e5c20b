//! BIOS and the HARDWARE identity (UUID, chassis) from /sys/class/dmi/id and the SMBIOS tables.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Bios, Section::Hardware];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
