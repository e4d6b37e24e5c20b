//! The agent: talking to a GLPI / FusionInventory server and running the tasks it hands out:
//! the messages ([`protocol`]) and one run over the targets ([`run`]); scheduling and the
//! daemon come later.

pub mod daemon;
mod jobs;
pub mod managed;
pub mod protocol;
pub mod run;
#[cfg(test)]
mod run_tests;
pub mod schedule;
pub mod status;
/// The WAKEONLAN task of a run.
mod wakeonlan;
