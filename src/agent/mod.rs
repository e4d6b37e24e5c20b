//! The agent: talking to a GLPI / FusionInventory server and running the tasks it hands out:
//! its configuration ([`config`]: agent.cfg, `SONDE_*` variables, the command line), the
//! messages ([`protocol`]), one run over the targets ([`run`], half-managed mode), the plans of
//! the targets ([`schedule`], [`status`]), and the managed mode: the scheduler ([`daemon`])
//! running the agent's targets ([`managed`]) and the HTTP port ([`httpd`]).

pub mod config;
pub mod daemon;
pub mod httpd;
mod jobs;
pub mod managed;
pub mod memory;
pub mod protocol;
pub mod run;
#[cfg(test)]
mod run_tests;
pub mod schedule;
pub mod status;
/// The WAKEONLAN task of a run.
mod wakeonlan;
