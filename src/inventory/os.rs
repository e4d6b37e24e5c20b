//! OPERATINGSYSTEM and HARDWARE's name, domain, DNS, memory and swap.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::OperatingSystem, Section::Hardware];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
