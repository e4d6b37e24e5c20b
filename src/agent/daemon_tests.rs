//! The daemon's scheduling on a paused clock, with a runner that only records when it is
//! called: first contact within the delay window, the next after PROLOG_FREQ, the backoff on a
//! dead server, "run now", reload and stop.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Clock, Event, LogObserver, Runner, Setup, TargetSpec, run};
use crate::agent::run::Contact;
use crate::agent::schedule::{self, Plan};

const T0: i64 = 1_800_000_000;

/// Records each run (target id, daemon time) and answers from a script (then `default`).
struct Recorder {
    clock: Clock,
    seen: mpsc::Sender<(String, i64)>,
    script: Mutex<VecDeque<Contact>>,
    default: Contact,
    /// How long a run takes.
    takes: Duration,
}

impl Runner for Recorder {
    async fn run(&self, target: &TargetSpec) -> Contact {
        let _ = self.seen.send((target.id.clone(), self.clock.now())).await;
        tokio::time::sleep(self.takes).await;
        self.script
            .lock()
            .ok()
            .and_then(|mut s| s.pop_front())
            .unwrap_or(self.default)
    }
}

fn answered(hours: u64) -> Contact {
    Contact {
        answered: true,
        max_delay: Some(hours * 3600),
        come_back_after: None,
    }
}

fn target(dir: &Path, id: &str) -> TargetSpec {
    TargetSpec {
        id: id.to_owned(),
        name: format!("http://{id}/"),
        dir: dir.join(id),
    }
}

struct Bench {
    seen: mpsc::Receiver<(String, i64)>,
    events: mpsc::Sender<Event>,
    daemon: tokio::task::JoinHandle<Result<(), super::DaemonError>>,
    dir: std::path::PathBuf,
    reloads: Arc<Mutex<usize>>,
}

/// A daemon over `ids`, with `delaytime`; on reload the targets become `reload_ids`.
fn start(
    name: &str,
    ids: &[&str],
    reload_ids: &[&str],
    delaytime: u64,
    default: Contact,
    takes: Duration,
    prepare: impl FnOnce(&Path),
) -> Bench {
    let dir = std::env::temp_dir().join(format!("sonde-daemon-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    prepare(&dir);
    let clock = Clock::at(T0);
    let (seen_tx, seen) = mpsc::channel(64);
    let runner = Arc::new(Recorder {
        clock,
        seen: seen_tx,
        script: Mutex::new(VecDeque::new()),
        default,
        takes,
    });
    let (events, rx) = mpsc::channel(8);
    let reloads = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&reloads);
    let (ids, reload_ids): (Vec<String>, Vec<String>) = (
        ids.iter().map(|s| (*s).to_owned()).collect(),
        reload_ids.iter().map(|s| (*s).to_owned()).collect(),
    );
    let base = dir.clone();
    let setup = move |reload: bool| {
        if reload && let Ok(mut n) = counter.lock() {
            *n += 1;
        }
        let which = if reload { &reload_ids } else { &ids };
        Ok(Setup {
            runner: Arc::clone(&runner),
            targets: which.iter().map(|id| target(&base, id)).collect(),
            delaytime,
        })
    };
    let daemon = tokio::spawn(run(
        setup,
        rx,
        Arc::new(LogObserver),
        clock,
        Duration::from_secs(30),
    ));
    Bench {
        seen,
        events,
        daemon,
        dir,
        reloads,
    }
}

impl Bench {
    async fn next(&mut self) -> (String, i64) {
        tokio::time::timeout(Duration::from_secs(40 * 86_400), self.seen.recv())
            .await
            .expect("a run within 40 days")
            .expect("the daemon runs")
    }

    async fn stop(self) {
        self.events.send(Event::Stop).await.expect("send");
        let done = tokio::time::timeout(Duration::from_secs(120), self.daemon)
            .await
            .expect("stops within the grace time");
        assert!(matches!(done, Ok(Ok(()))));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(start_paused = true)]
async fn first_contact_within_the_delay_window_then_every_prolog_freq() {
    let mut b = start(
        "freq",
        &["server0"],
        &[],
        3600,
        answered(24),
        Duration::from_secs(5),
        |_| {},
    );
    let (id, first) = b.next().await;
    assert_eq!(id, "server0");
    assert!((T0 + 1800..=T0 + 3600).contains(&first), "{}", first - T0);
    let mut at = first;
    for _ in 0..3 {
        let (_, next) = b.next().await;
        // After a 5 s run, PROLOG_FREQ 24 h: 23 to 24 h later, never the initial delay again.
        let gap = next - at - 5;
        assert!((82_800..=86_400).contains(&gap), "{gap}");
        at = next;
    }
    tokio::time::sleep(Duration::from_secs(10)).await;
    let plan = schedule::load(&b.dir.join("server0"))
        .expect("read")
        .expect("stored");
    assert_eq!(plan.max_delay, 86_400);
    assert!(plan.next_run > at);
    b.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_dead_server_is_retried_with_a_doubling_backoff() {
    let dead = Contact::default();
    let mut b = start(
        "backoff",
        &["server0"],
        &[],
        3600,
        dead,
        Duration::ZERO,
        |dir| {
            // A stored plan due now, with a one-day max delay.
            schedule::save(
                &dir.join("server0"),
                &Plan {
                    max_delay: 86_400,
                    next_run: T0,
                    backoff: 0,
                },
            )
            .expect("save");
        },
    );
    let mut times = Vec::new();
    for _ in 0..9 {
        times.push(b.next().await.1);
    }
    assert_eq!(times[0], T0, "a valid stored date is kept");
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
    b.stop().await;
}

#[tokio::test(start_paused = true)]
async fn run_now_runs_one_target_or_all_and_reload_brings_new_targets() {
    let mut b = start(
        "now",
        &["server0", "server1"],
        &["server1", "server2"],
        3600,
        answered(24),
        Duration::from_secs(1),
        |dir| {
            for id in ["server0", "server1"] {
                schedule::save(
                    &dir.join(id),
                    &Plan {
                        max_delay: 86_400,
                        next_run: T0 + 50_000,
                        backoff: 0,
                    },
                )
                .expect("save");
            }
        },
    );
    tokio::time::sleep(Duration::from_secs(100)).await;
    b.events
        .send(Event::Run("server1".to_owned()))
        .await
        .expect("send");
    let (id, at) = b.next().await;
    assert_eq!((id.as_str(), at), ("server1", T0 + 100));
    // A "run now" that comes while the target runs is served by that run.
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.events
        .send(Event::Run("server1".to_owned()))
        .await
        .expect("send");
    tokio::time::sleep(Duration::from_secs(5)).await;
    b.events.send(Event::RunAll).await.expect("send");
    let mut both = vec![b.next().await, b.next().await];
    both.sort();
    assert_eq!(
        both,
        [
            ("server0".to_owned(), T0 + 105),
            ("server1".to_owned(), T0 + 105)
        ]
    );
    tokio::time::sleep(Duration::from_secs(5)).await;
    // Reload: server0 goes, server2 (no plan) is due at once (delaytime 0 after a reload),
    // server1 keeps its stored date.
    b.events.send(Event::Reload).await.expect("send");
    let (id, at) = b.next().await;
    assert_eq!((id.as_str(), at), ("server2", T0 + 110));
    assert_eq!(*b.reloads.lock().expect("lock"), 1);
    let plan1 = schedule::load(&b.dir.join("server1"))
        .expect("read")
        .expect("stored");
    assert!(plan1.next_run >= T0 + 106 + 82_800, "{plan1:?}");
    b.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_date_moved_by_another_process_is_noticed() {
    let mut b = start(
        "moved",
        &["server0"],
        &[],
        3600,
        answered(24),
        Duration::ZERO,
        |dir| {
            schedule::save(
                &dir.join("server0"),
                &Plan {
                    max_delay: 86_400,
                    next_run: T0 + 80_000,
                    backoff: 0,
                },
            )
            .expect("save");
        },
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    // What `sonde agent --set-forcerun` does.
    crate::agent::schedule::save(
        &b.dir.join("server0"),
        &Plan {
            max_delay: 86_400,
            next_run: T0 + 1,
            backoff: 0,
        },
    )
    .expect("save");
    let (_, at) = b.next().await;
    assert!((T0 + 1..=T0 + 31).contains(&at), "{}", at - T0);
    b.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_waits_for_a_running_job_then_gives_up() {
    let mut b = start(
        "stop",
        &["server0"],
        &[],
        0,
        answered(1),
        Duration::from_secs(3600),
        |_| {},
    );
    let (_, at) = b.next().await;
    assert_eq!(at, T0);
    let started = tokio::time::Instant::now();
    b.events.send(Event::Stop).await.expect("send");
    let done = b.daemon.await;
    assert!(matches!(done, Ok(Ok(()))));
    // The grace time (30 s) then the run is interrupted; the plan was not advanced by it.
    assert_eq!(started.elapsed().as_secs(), 30);
    let plan = schedule::load(&b.dir.join("server0"))
        .expect("read")
        .expect("stored");
    assert_eq!(plan.next_run, T0);
    let _ = std::fs::remove_dir_all(&b.dir);
}
