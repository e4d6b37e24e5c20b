//! CONTROLLERS (PCI) and USBDEVICES from sysfs, named from the system's id databases.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Controllers, Section::UsbDevices];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
