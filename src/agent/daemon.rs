//! The managed mode's scheduler: one task per target that sleeps until the target's planned
//! date, runs it, and plans the next run (`schedule`), while "run now" requests (`/now`,
//! SIGUSR1, another process moving the stored date), a configuration reload and the stop
//! request arrive. It does not know how a target is run (a [`Runner`] does) nor where the events
//! come from (the caller turns signals and HTTP requests into [`Event`]s), so that it can be
//! tested on a paused clock.
//!
//! Time: the daemon's clock is the wall clock at start plus the monotonic time elapsed since
//! (tokio's clock), so a paused test clock drives it and a wall-clock jump does not.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::run::Contact;
use super::schedule::{self, Plan};

/// How often a waiting target re-reads its stored plan (another process may have moved it).
const REREAD: Duration = Duration::from_secs(30);

/// One target the daemon runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetSpec {
    /// Its id: `server0`, `server1`, …, `local0`.
    pub id: String,
    /// What the status page shows (the URL without password, or the path).
    pub name: String,
    /// Where its plan is kept.
    pub dir: PathBuf,
}

/// Runs one target once (a PROLOG and its tasks, or a local inventory).
pub trait Runner: Send + Sync + 'static {
    /// Runs `target`; the answer says whether the server answered and what it asked for.
    fn run(&self, target: &TargetSpec) -> impl Future<Output = Contact> + Send;
}

/// What happens to the daemon from outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Run every target now (SIGUSR1, `/now` from a trusted address).
    RunAll,
    /// Run this target now (`/now` from the target's server).
    Run(String),
    /// Reload the configuration (SIGHUP).
    Reload,
    /// Stop (SIGTERM, SIGINT).
    Stop,
}

/// What the daemon tells the outside (the HTTP port's board, the log).
pub trait Observer: Send + Sync + 'static {
    /// A target's next planned run.
    fn planned(&self, target: &TargetSpec, next_run: i64);
    /// A target starts or ends a run.
    fn running(&self, target: &TargetSpec, running: bool);
    /// A run ended.
    fn ran(&self, target: &TargetSpec, contact: &Contact);
}

/// An observer that only logs.
pub struct LogObserver;

impl Observer for LogObserver {
    fn planned(&self, target: &TargetSpec, next_run: i64) {
        tracing::info!(
            target = %target.name,
            "next run planned for {}",
            schedule::display_date(next_run)
        );
    }
    fn running(&self, _: &TargetSpec, _: bool) {}
    fn ran(&self, _: &TargetSpec, _: &Contact) {}
}

/// The daemon's settings for one configuration.
pub struct Setup<R> {
    /// Runs the targets.
    pub runner: Arc<R>,
    /// The targets.
    pub targets: Vec<TargetSpec>,
    /// `delaytime`: the first-contact window of a target without a valid plan, and the cap of
    /// the error backoff.
    pub delaytime: u64,
}

/// The daemon's clock: wall-clock seconds, advancing with tokio's clock.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    wall: i64,
    start: tokio::time::Instant,
}

impl Clock {
    /// A clock starting now.
    #[must_use]
    pub fn new() -> Self {
        Self::at(schedule::now())
    }

    /// A clock that reads `wall` now.
    #[must_use]
    pub fn at(wall: i64) -> Self {
        Self {
            wall,
            start: tokio::time::Instant::now(),
        }
    }

    /// The current time (Unix seconds).
    #[must_use]
    pub fn now(&self) -> i64 {
        let elapsed = self.start.elapsed().as_secs();
        self.wall + i64::try_from(elapsed).unwrap_or(i64::MAX / 2)
    }

    /// The instant at which the clock reads `when`.
    fn instant_of(&self, when: i64) -> tokio::time::Instant {
        let ahead = u64::try_from(when - self.now()).unwrap_or(0);
        tokio::time::Instant::now() + Duration::from_secs(ahead)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the daemon stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// A reload failed; the previous configuration goes on (only logged), but the first
    /// configuration must be valid.
    #[error("configuration: {0}")]
    Config(String),
}

/// Runs the daemon until [`Event::Stop`] (or the end of `events`). `setup` gives the
/// configuration, at start and on each reload; a reload that fails keeps the previous one.
/// On stop, a run in progress is given `grace` to finish, then abandoned (its results are in
/// the spool already: nothing is half-written).
pub async fn run<R, S, O>(
    mut setup: S,
    mut events: mpsc::Receiver<Event>,
    observer: Arc<O>,
    clock: Clock,
    grace: Duration,
) -> Result<(), DaemonError>
where
    R: Runner,
    S: FnMut(bool) -> Result<Setup<R>, String>,
    O: Observer,
{
    let mut current = setup(false).map_err(DaemonError::Config)?;
    loop {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let mut nudges: HashMap<String, mpsc::Sender<()>> = HashMap::new();
        for target in &current.targets {
            // One pending "run now" is enough: more are merged.
            let (nudge_tx, nudge) = mpsc::channel(1);
            nudges.insert(target.id.clone(), nudge_tx);
            tasks.spawn(target_loop(
                target.clone(),
                Arc::clone(&current.runner),
                current.delaytime,
                clock,
                nudge,
                stop_rx.clone(),
                Arc::clone(&observer),
            ));
        }
        let event = loop {
            match events.recv().await {
                Some(Event::RunAll) => nudges.values().for_each(|n| {
                    let _ = n.try_send(());
                }),
                Some(Event::Run(id)) => match nudges.get(&id) {
                    Some(n) => {
                        let _ = n.try_send(());
                    }
                    None => tracing::warn!("run now: no target {id}"),
                },
                Some(e @ Event::Reload) => break e,
                Some(Event::Stop) | None => break Event::Stop,
            }
        };
        // Stop the target tasks: those waiting stop at once, a running one may finish.
        let _ = stop_tx.send(true);
        if tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} })
            .await
            .is_err()
        {
            tracing::warn!("a run did not finish within {grace:?}: interrupted");
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        if event == Event::Stop {
            return Ok(());
        }
        match setup(true) {
            Ok(next) => {
                tracing::info!("configuration reloaded");
                current = Setup {
                    // After a reload, a target without a plan is due at once.
                    delaytime: 0,
                    ..next
                };
            }
            Err(e) => {
                tracing::error!("configuration not reloaded, the previous one goes on: {e}");
                current.delaytime = 0;
            }
        }
    }
}

/// The life of one target: wait, run, plan, again.
async fn target_loop<R: Runner, O: Observer>(
    target: TargetSpec,
    runner: Arc<R>,
    delaytime: u64,
    clock: Clock,
    mut nudge: mpsc::Receiver<()>,
    mut stop: watch::Receiver<bool>,
    observer: Arc<O>,
) {
    let stored = load_plan(&target);
    let mut plan = Plan::start(stored, clock.now(), delaytime, &mut schedule::random);
    save_plan(&target, &plan);
    observer.planned(&target, plan.next_run);
    // The error backoff's cap: the delay time the daemon started with (at least a minute).
    let error_cap = delaytime.max(schedule::FIRST_BACKOFF);
    loop {
        if !plan.is_due(clock.now()) {
            let deadline = clock.instant_of(plan.next_run);
            tokio::select! {
                () = tokio::time::sleep_until(deadline.min(tokio::time::Instant::now() + REREAD)) => {
                    // Another process (--set-forcerun, a cron run) may have moved the date.
                    if let Some(stored) = load_plan(&target)
                        && stored.next_run != plan.next_run
                    {
                        plan = stored;
                        observer.planned(&target, plan.next_run);
                    }
                    continue;
                }
                Some(()) = nudge.recv() => {
                    plan.run_now(clock.now());
                    save_plan(&target, &plan);
                }
                _ = stop.changed() => return,
            }
        }
        if *stop.borrow() {
            return;
        }
        observer.running(&target, true);
        let contact = runner.run(&target).await;
        observer.running(&target, false);
        // A "run now" that came during the run is served by it.
        while nudge.try_recv().is_ok() {}
        observer.ran(&target, &contact);
        let now = clock.now();
        if contact.answered {
            plan.after_run(now, contact.max_delay, &mut schedule::random);
            if let Some(delay) = contact.come_back_after {
                plan.come_back_after(now, delay);
            }
        } else {
            plan.after_error(now, error_cap);
            tracing::warn!(
                target = %target.name,
                "no usable answer: next attempt in {} s",
                plan.backoff
            );
        }
        save_plan(&target, &plan);
        observer.planned(&target, plan.next_run);
    }
}

fn load_plan(target: &TargetSpec) -> Option<Plan> {
    schedule::load(&target.dir).unwrap_or_else(|e| {
        tracing::warn!(target = %target.name, "cannot read the plan: {e}");
        None
    })
}

fn save_plan(target: &TargetSpec, plan: &Plan) {
    if let Err(e) = schedule::save(&target.dir, plan) {
        tracing::error!(target = %target.name, "cannot store the plan: {e}");
    }
}

#[cfg(test)]
#[path = "daemon_tests.rs"]
mod tests;
