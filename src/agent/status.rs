//! What the agent's state directory says about each server target: its plan (next contact,
//! max delay, error backoff) and its spool (results waiting for the server). Read by
//! `sonde agent --status`, written by `--set-forcerun`.

use std::path::Path;

use reqwest::Url;

use super::run::target_dir_in;
use super::schedule::{self, Plan};
use crate::transport::spool::{Limits, Spool, SpoolError};

/// The state of one server target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetStatus {
    /// The server (password removed).
    pub server: String,
    /// Its plan, if it was ever contacted.
    pub plan: Option<Plan>,
    /// Results kept in its spool.
    pub spooled: usize,
    /// Their total size in bytes.
    pub spooled_bytes: u64,
    /// The kinds of the kept results, oldest first, with their counts (`netdiscovery` × 12…).
    pub kinds: Vec<(String, usize)>,
}

/// Why the state could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    /// A plan file.
    #[error("plan of {server}: {source}")]
    Plan {
        /// The server.
        server: String,
        /// Why.
        source: std::io::Error,
    },
    /// A spool.
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

/// The state of each server target in `vardir`.
pub fn read(vardir: &Path, servers: &[Url]) -> Result<Vec<TargetStatus>, StatusError> {
    servers
        .iter()
        .map(|server| {
            let name = crate::transport::url::redacted(server);
            let dir = target_dir_in(vardir, server);
            let plan = schedule::load(&dir).map_err(|source| StatusError::Plan {
                server: name.clone(),
                source,
            })?;
            let spool_dir = dir.join("spool");
            let items = if spool_dir.is_dir() {
                // Read only: a run of this target may be writing its spool right now.
                Spool::existing(&spool_dir, Limits::default()).items()?
            } else {
                Vec::new()
            };
            let mut kinds: Vec<(String, usize)> = Vec::new();
            for item in &items {
                match kinds.last_mut() {
                    Some((k, n)) if *k == item.kind => *n += 1,
                    _ => kinds.push((item.kind.clone(), 1)),
                }
            }
            Ok(TargetStatus {
                server: name,
                plan,
                spooled: items.len(),
                spooled_bytes: items.iter().map(|i| i.size).sum(),
                kinds,
            })
        })
        .collect()
}

/// `--set-forcerun`: makes every server target due now (a running daemon notices the change
/// within its re-read interval; the next `--lazy` run contacts the servers).
pub fn force_run(vardir: &Path, servers: &[Url], now: i64) -> Result<(), StatusError> {
    for server in servers {
        let name = crate::transport::url::redacted(server);
        let dir = target_dir_in(vardir, server);
        let err = |source| StatusError::Plan {
            server: name.clone(),
            source,
        };
        let mut plan = schedule::load(&dir)
            .map_err(err)?
            .unwrap_or_else(|| Plan::due_now(now));
        plan.run_now(now);
        schedule::save(&dir, &plan).map_err(err)?;
    }
    Ok(())
}

/// The status as text, one block per target.
#[must_use]
pub fn render(statuses: &[TargetStatus], now: i64) -> String {
    let mut out = String::new();
    for s in statuses {
        out.push_str(&format!("server {}\n", s.server));
        match &s.plan {
            Some(p) => {
                let when = if p.is_due(now) {
                    "due now".to_owned()
                } else {
                    format!("in {}", human(p.next_run - now))
                };
                out.push_str(&format!(
                    "  next contact: {} ({when})\n  max delay: {}\n",
                    schedule::display_date(p.next_run),
                    human(i64::try_from(p.max_delay).unwrap_or(i64::MAX)),
                ));
                if p.backoff > 0 {
                    out.push_str(&format!(
                        "  last contact failed: retry delay {}\n",
                        human(i64::try_from(p.backoff).unwrap_or(i64::MAX))
                    ));
                }
            }
            None => out.push_str("  next contact: never contacted (due at the next run)\n"),
        }
        if s.spooled == 0 {
            out.push_str("  spool: empty\n");
        } else {
            let kinds: Vec<String> = s.kinds.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            out.push_str(&format!(
                "  spool: {} result(s), {} bytes waiting ({})\n",
                s.spooled,
                s.spooled_bytes,
                kinds.join(", ")
            ));
        }
    }
    out
}

/// `1d 2h 3m`, `45s`.
fn human(secs: i64) -> String {
    let s = secs.max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m")]
        .iter()
        .filter(|(v, _)| *v > 0)
        .map(|(v, u)| format!("{v}{u}"))
        .collect();
    if parts.is_empty() {
        format!("{sec}s")
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_shows_plan_and_spool_and_forcerun_makes_targets_due() {
        let vardir = std::env::temp_dir().join(format!("sonde-status-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&vardir);
        let a: Url = "https://user:secret@glpi.example/front/inventory.php"
            .parse()
            .expect("url");
        let b: Url = "http://other.example/".parse().expect("url");
        let now = 1_800_000_000;
        let dir = target_dir_in(&vardir, &a);
        schedule::save(
            &dir,
            &Plan {
                max_delay: 86_400,
                next_run: now + 3 * 3600 + 120,
                backoff: 0,
            },
        )
        .expect("save");
        let spool = Spool::open(dir.join("spool"), Limits::default()).expect("spool");
        spool.push("netdiscovery", "xml", b"<a/>").expect("push");
        spool.push("netdiscovery", "xml", b"<bb/>").expect("push");
        spool.push("inventory", "json", b"{}").expect("push");
        // A run writing its next result right now: reading the status leaves it alone.
        let writing = dir.join("spool").join("000000000004-netdiscovery.tmp");
        std::fs::write(&writing, b"<half").expect("write");
        let statuses = read(&vardir, &[a.clone(), b.clone()]).expect("status");
        assert!(
            writing.exists(),
            "the status removed a result being written"
        );
        assert_eq!(statuses.len(), 2);
        assert_eq!(statuses[0].spooled, 3);
        assert_eq!(statuses[0].spooled_bytes, 11);
        assert_eq!(
            statuses[0].kinds,
            [("netdiscovery".to_owned(), 2), ("inventory".to_owned(), 1)]
        );
        assert_eq!(statuses[1].plan, None);
        let text = render(&statuses, now);
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("(in 3h 2m)\n  max delay: 1d\n"), "{text}");
        assert!(
            text.contains("spool: 3 result(s), 11 bytes waiting (netdiscovery ×2, inventory ×1)"),
            "{text}"
        );
        assert!(text.contains("server http://other.example/\n  next contact: never contacted"));
        force_run(&vardir, &[a.clone(), b.clone()], now).expect("force");
        let statuses = read(&vardir, &[a, b]).expect("status");
        assert!(
            statuses
                .iter()
                .all(|s| s.plan.is_some_and(|p| p.is_due(now)))
        );
        assert_eq!(statuses[0].plan.map(|p| p.max_delay), Some(86_400));
        let _ = std::fs::remove_dir_all(&vardir);
    }
}
