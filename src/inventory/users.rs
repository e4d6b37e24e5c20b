//! LOCAL_USERS, LOCAL_GROUPS, USERS (logged in) and HARDWARE's last logged user.

use super::Context;
use crate::model::local::{LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[
    Section::LocalUsers,
    Section::LocalGroups,
    Section::Users,
    Section::Hardware,
];

/// Collects (not implemented yet).
pub(super) fn collect(_ctx: &Context<'_>, _inv: &mut LocalInventory) {}
