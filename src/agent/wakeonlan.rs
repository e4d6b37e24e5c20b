//! The WAKEONLAN task of a run: the valid MACs of every WAKEONLAN job woken through
//! [`crate::wakeonlan`], invalid ones skipped with a warning. Nothing goes back to the server
//! (protocol.md §2.6): what was sent, and what could not be, is logged.

use super::protocol::{DropReason, WakeOnLanJob};
use crate::wakeonlan::{self, MacAddress, WakeConfig};

/// Runs the jobs of one server's reply; returns one line per MAC sent, for the run report.
pub(super) fn run_jobs(server: &str, jobs: &[&WakeOnLanJob], config: &WakeConfig) -> Vec<String> {
    for dropped in jobs.iter().flat_map(|job| &job.dropped) {
        match &dropped.reason {
            DropReason::BadValue { value, .. } => {
                tracing::warn!(server, "WAKEONLAN: invalid MAC address {value:?}, skipped");
            }
            _ => tracing::warn!(server, "WAKEONLAN: {dropped}"),
        }
    }
    let macs: Vec<MacAddress> = jobs
        .iter()
        .flat_map(|job| &job.targets)
        .map(|target| MacAddress::from(target.mac))
        .collect();
    if macs.is_empty() {
        tracing::warn!(server, "WAKEONLAN: no valid MAC address, nothing sent");
        return Vec::new();
    }
    let report = wakeonlan::wake(&macs, config);
    for failure in &report.unavailable {
        tracing::warn!(server, "WAKEONLAN: {failure}");
    }
    let mut done = Vec::new();
    for target in &report.targets {
        if target.is_sent() {
            for failure in target.send_failures() {
                tracing::warn!(server, "WAKEONLAN {}: {failure}", target.mac);
            }
            done.push(format!("{server}: WAKEONLAN {target}"));
        } else {
            tracing::error!(server, "WAKEONLAN {target}");
        }
    }
    done
}
