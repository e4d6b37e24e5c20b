//! HARDWARE/VMSYSTEM (is this machine virtual or a container?) and VIRTUALMACHINES it hosts.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Hardware, Section::VirtualMachines];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
