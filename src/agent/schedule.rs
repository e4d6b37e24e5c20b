//! When each target runs next: the plan kept in the state directory (the server's PROLOG_FREQ
//! as a maximum delay, and the next run date) and the rules of `protocol.md` §4.3, without the
//! upstream quirks.
//!
//! The rules sonde uses:
//! * a target without a valid stored plan (none, unreadable, or a date older than now − max
//!   delay) is first due at a random time between `delaytime`/2 and `delaytime` from now; a
//!   stored date that is still valid is kept as it is, so a restart does not move it;
//! * after each run the next date is `now + max delay − random(R)`, with R = max delay / 6
//!   under 6 h, 1 h up to 24 h, max delay / 24 above — **always** from the max delay (upstream
//!   sometimes uses the initial delay again, which makes cron-launched `--lazy` agents contact
//!   the server hourly);
//! * PROLOG_FREQ (hours) or the GLPI CONTACT `expiration` sets the max delay; a reply without
//!   it keeps the previous one;
//! * after a failed contact, a daemon retries in 60 s, doubling up to min(max delay, delaytime);
//!   a success resets the doubling;
//! * "run now" (`/now`, SIGUSR1, `--set-forcerun`) makes the target due at once.
//!
//! The plan lives in `<target dir>/plan.json`, written atomically on every change; a corrupt
//! file is set aside (`plan.json.corrupt`) and the target starts afresh.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::inventory::state::write_atomically;

/// Default max delay (before a server gave its PROLOG_FREQ): one hour.
pub const DEFAULT_MAX_DELAY: u64 = 3600;
/// Default initial delay window (`delaytime`).
pub const DEFAULT_DELAYTIME: u64 = 3600;
/// First delay after a failed contact.
pub const FIRST_BACKOFF: u64 = 60;

/// The file name of a plan in its target directory.
const FILE: &str = "plan.json";

/// The plan of one target. Times are Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Longest time between two runs (the server's PROLOG_FREQ), in seconds.
    pub max_delay: u64,
    /// When the target is next due.
    pub next_run: i64,
    /// The delay used after the last failed contact (0 after a success).
    #[serde(default)]
    pub backoff: u64,
}

/// A random integer in `0..=max`.
pub type Random<'a> = &'a mut dyn FnMut(u64) -> u64;

/// The default random source.
pub fn random(max: u64) -> u64 {
    rand::random_range(0..=max)
}

impl Plan {
    /// The plan of a target when sonde starts: the stored one if its date is still valid,
    /// else a fresh one due between `delaytime`/2 and `delaytime` from now.
    #[must_use]
    pub fn start(stored: Option<Plan>, now: i64, delaytime: u64, rand: Random<'_>) -> Plan {
        match stored {
            Some(p) if p.max_delay > 0 && p.next_run >= now.saturating_sub(secs(p.max_delay)) => p,
            other => {
                let half = delaytime / 2;
                Plan {
                    max_delay: other.map_or(DEFAULT_MAX_DELAY, |p| p.max_delay.max(1)),
                    next_run: now + secs(half + rand(delaytime - half)),
                    backoff: 0,
                }
            }
        }
    }

    /// The plan of a target never contacted, due at `now`.
    #[must_use]
    pub fn due_now(now: i64) -> Plan {
        Plan {
            max_delay: DEFAULT_MAX_DELAY,
            next_run: now,
            backoff: 0,
        }
    }

    /// Whether the target is due.
    #[must_use]
    pub fn is_due(&self, now: i64) -> bool {
        now >= self.next_run
    }

    /// After a run: the server's max delay (if it gave one) and the next date from it.
    pub fn after_run(&mut self, now: i64, max_delay: Option<u64>, rand: Random<'_>) {
        if let Some(d) = max_delay.filter(|d| *d > 0) {
            self.max_delay = d;
        }
        let d = self.max_delay;
        let spread = if d < 21_600 {
            d / 6
        } else if d <= 86_400 {
            3600
        } else {
            d / 24
        };
        self.next_run = now + secs(d - rand(spread).min(spread));
        self.backoff = 0;
    }

    /// After a failed contact (daemon): retry in 60 s, doubling each time, capped at
    /// min(max delay, `cap`).
    pub fn after_error(&mut self, now: i64, cap: u64) {
        let cap = self.max_delay.min(cap).max(1);
        self.backoff = if self.backoff == 0 {
            FIRST_BACKOFF
        } else {
            self.backoff.saturating_mul(2)
        }
        .min(cap);
        self.next_run = now + secs(self.backoff);
    }

    /// "Run now": due at once (the backoff doubling is kept).
    pub fn run_now(&mut self, now: i64) {
        self.next_run = now;
    }

    /// Like [`after_run`](Self::after_run), but the server asked to come back after exactly
    /// `delay` (a GLPI CONTACT answer with `status: pending`).
    pub fn come_back_after(&mut self, now: i64, delay: u64) {
        self.next_run = now + secs(delay);
        self.backoff = 0;
    }
}

fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX / 2)
}

/// The current time in Unix seconds.
#[must_use]
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| secs(d.as_secs()))
}

/// A date for the log and the status views: `YYYY-MM-DD hh:mm:ss` in local time.
#[must_use]
pub fn display_date(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(
        |_| unix.to_string(),
        |t| {
            t.to_zoned(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
}

/// Where a target's plan is kept.
#[must_use]
pub fn path(target_dir: &Path) -> PathBuf {
    target_dir.join(FILE)
}

/// Reads a target's plan: `None` when there is none, or when the file was corrupt (it is then
/// renamed to `plan.json.corrupt` and a warning logged).
pub fn load(target_dir: &Path) -> io::Result<Option<Plan>> {
    let file = path(target_dir);
    let text = match std::fs::read(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    match serde_json::from_slice::<Plan>(&text) {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            let aside = file.with_extension("json.corrupt");
            tracing::warn!(file = %file.display(), "corrupt plan ({e}): set aside as {}", aside.display());
            std::fs::rename(&file, &aside)?;
            Ok(None)
        }
    }
}

/// Writes a target's plan (atomically).
pub fn save(target_dir: &Path, plan: &Plan) -> io::Result<()> {
    let mut text = serde_json::to_vec_pretty(plan).map_err(io::Error::other)?;
    text.push(b'\n');
    write_atomically(&path(target_dir), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(v: u64) -> impl FnMut(u64) -> u64 {
        move |max| v.min(max)
    }

    #[test]
    fn a_new_target_is_due_within_the_delay_window() {
        let now = 1_000_000;
        let p = Plan::start(None, now, 3600, &mut fixed(0));
        assert_eq!(p.next_run, now + 1800);
        assert_eq!(p.max_delay, DEFAULT_MAX_DELAY);
        let p = Plan::start(None, now, 3600, &mut fixed(u64::MAX));
        assert_eq!(p.next_run, now + 3600);
        let p = Plan::start(None, now, 0, &mut random);
        assert_eq!(p.next_run, now);
        for _ in 0..200 {
            let p = Plan::start(None, now, 3601, &mut random);
            assert!((now + 1800..=now + 3601).contains(&p.next_run), "{p:?}");
        }
    }

    #[test]
    fn a_stored_valid_date_is_kept_and_an_expired_one_replaced() {
        let now = 1_000_000;
        let stored = Plan {
            max_delay: 86_400,
            next_run: now + 5000,
            backoff: 0,
        };
        assert_eq!(Plan::start(Some(stored), now, 3600, &mut fixed(0)), stored);
        // In the past but within max delay: still valid (due now).
        let late = Plan {
            next_run: now - 86_000,
            ..stored
        };
        let p = Plan::start(Some(late), now, 3600, &mut fixed(0));
        assert_eq!(p, late);
        assert!(p.is_due(now));
        // Older than now − max delay: a fresh date, the max delay is kept.
        let expired = Plan {
            next_run: now - 86_401,
            ..stored
        };
        let p = Plan::start(Some(expired), now, 3600, &mut fixed(0));
        assert_eq!(p.next_run, now + 1800);
        assert_eq!(p.max_delay, 86_400);
    }

    #[test]
    fn after_a_run_the_next_date_comes_from_the_max_delay() {
        let now = 2_000_000;
        let mut p = Plan::start(None, now, 3600, &mut fixed(0));
        // PROLOG_FREQ 24 h: 23 to 24 h later.
        p.after_run(now, Some(86_400), &mut fixed(0));
        assert_eq!(p.next_run, now + 86_400);
        p.after_run(now, None, &mut fixed(u64::MAX));
        assert_eq!(p.max_delay, 86_400);
        assert_eq!(p.next_run, now + 86_400 - 3600);
        // 1 h: up to 10 minutes earlier.
        p.after_run(now, Some(3600), &mut fixed(u64::MAX));
        assert_eq!(p.next_run, now + 3000);
        // 7 days: up to 7 hours earlier.
        p.after_run(now, Some(7 * 86_400), &mut fixed(u64::MAX));
        assert_eq!(p.next_run, now + 7 * 86_400 - 7 * 3600);
        // A restart with this stored plan keeps it; the next run again uses the max delay,
        // never the initial delay (the upstream quirk).
        let restarted = Plan::start(Some(p), now + 10, 3600, &mut fixed(0));
        assert_eq!(restarted, p);
        let mut r = restarted;
        r.after_run(r.next_run, None, &mut fixed(0));
        assert_eq!(r.next_run, p.next_run + 7 * 86_400);
    }

    #[test]
    fn errors_back_off_by_doubling_up_to_the_cap() {
        let now = 3_000_000;
        let mut p = Plan {
            max_delay: 86_400,
            next_run: now,
            backoff: 0,
        };
        let mut seen = Vec::new();
        for _ in 0..8 {
            p.after_error(now, 3600);
            seen.push(p.next_run - now);
        }
        assert_eq!(seen, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        // "Run now" keeps the doubling; a success resets it.
        p.run_now(now + 5);
        assert_eq!(p.next_run, now + 5);
        p.after_error(now, 3600);
        assert_eq!(p.next_run - now, 3600);
        p.after_run(now, None, &mut fixed(0));
        p.after_error(now, 3600);
        assert_eq!(p.next_run - now, 60);
        // The cap is also the max delay when that is smaller.
        let mut short = Plan {
            max_delay: 100,
            next_run: now,
            backoff: 0,
        };
        short.after_error(now, 3600);
        short.after_error(now, 3600);
        assert_eq!(short.next_run - now, 100);
    }

    #[test]
    fn plans_are_stored_and_corrupt_files_set_aside() {
        let dir = std::env::temp_dir().join(format!("sonde-plan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(load(&dir).ok(), Some(None));
        let p = Plan {
            max_delay: 7200,
            next_run: 1_234_567,
            backoff: 120,
        };
        save(&dir, &p).expect("save");
        assert_eq!(load(&dir).expect("load"), Some(p));
        std::fs::write(path(&dir), b"{not json").expect("write");
        assert_eq!(load(&dir).expect("load"), None);
        assert!(dir.join("plan.json.corrupt").exists());
        assert!(!path(&dir).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn dates_are_shown_in_full() {
        let d = display_date(1_795_576_632);
        assert_eq!(d.len(), 19, "{d}");
        assert!(d.starts_with("2026-11-"), "{d}");
    }
}
