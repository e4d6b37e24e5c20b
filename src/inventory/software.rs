//! SOFTWARES: dpkg status file, rpm database, snap and flatpak.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Softwares];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
