//! `sonde agent --daemon`: the managed mode's process. It wires the scheduler
//! (`agent::daemon`) to the agent's targets (`agent::managed`), to the signals (SIGHUP reloads
//! the configuration, SIGUSR1 runs every target now, SIGTERM and SIGINT stop) and to the HTTP
//! port (`agent::httpd`: status page, `/now`, `/metrics`).
//!
//! Without `--no-fork` the process starts itself again in the background, in its own process
//! group, with `--no-fork` (no `fork()` in a threaded program), its log appended to
//! `<vardir>/sonde.log`, and returns at once.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::{mpsc, watch};

use super::agent::AgentArgs;
use crate::agent::config::Settings;
use crate::agent::daemon::{self, Clock, Event, Observer, Setup, TargetSpec};
use crate::agent::httpd::{self, Board, HttpdConfig, NowRequest, TargetInfo, TrustList};
use crate::agent::managed::{self, AgentRunner, RunObserver, TargetKind};
use crate::agent::run::{Contact, RunReport};
use crate::agent::status;
use crate::inventory::state;

/// How long a running job may go on after a stop request.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// Runs the daemon with `settings` (loaded by the caller); `reload` loads them again.
pub(crate) fn run(
    args: &AgentArgs,
    settings: Settings,
    reload: impl FnMut() -> Result<Settings, String> + Send + 'static,
    env: Vec<(String, String)>,
) -> anyhow::Result<ExitCode> {
    let vardir = settings
        .vardir
        .clone()
        .unwrap_or_else(state::default_vardir);
    if !args.no_fork {
        return detach(&vardir);
    }
    let pidfile = args
        .pidfile
        .as_ref()
        .map(|p| p.clone().unwrap_or_else(|| vardir.join("sonde.pid")));
    if let Some(file) = &pidfile {
        state::write_atomically(file, format!("{}\n", std::process::id()).as_bytes())
            .with_context(|| format!("cannot write the pid file {}", file.display()))?;
    }
    crate::agent::memory::tune_for_daemon();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let outcome = runtime.block_on(serve(settings, reload, env));
    if let Some(file) = &pidfile {
        let _ = std::fs::remove_file(file);
    }
    outcome.map(|()| ExitCode::SUCCESS)
}

/// Starts this command again in the background with `--no-fork`.
fn detach(vardir: &std::path::Path) -> anyhow::Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;
    std::fs::create_dir_all(vardir)
        .with_context(|| format!("cannot create {}", vardir.display()))?;
    let log_path = vardir.join("sonde.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let exe = std::env::current_exe().context("cannot find the sonde executable")?;
    let child = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .arg("--no-fork")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .process_group(0)
        .spawn()
        .context("cannot start the daemon")?;
    eprintln!(
        "sonde: daemon started (pid {}), log in {}",
        child.id(),
        log_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What the scheduler and the runs tell the HTTP port's board.
struct Publish {
    board: Arc<Board>,
    vardir: std::sync::Mutex<(PathBuf, Vec<reqwest::Url>)>,
}

impl Observer for Publish {
    fn planned(&self, target: &TargetSpec, next_run: i64) {
        self.board.set_next_run(&target.id, Some(next_run));
        tracing::info!(
            target = %target.name,
            "next run planned for {}",
            crate::agent::schedule::display_date(next_run)
        );
    }

    fn running(&self, target: &TargetSpec, running: bool) {
        if running {
            self.board
                .set_status(format!("running target {}", target.id));
        } else {
            self.board.set_status("waiting");
        }
    }

    fn ran(&self, _: &TargetSpec, contact: &Contact) {
        let m = self.board.metrics();
        m.target_runs.inc();
        if !contact.answered {
            m.target_run_errors.inc();
        }
        m.snmp_requests
            .set_total(crate::snmp::client::total_requests());
        // The spools after the run.
        let Ok(guard) = self.vardir.lock() else {
            return;
        };
        if let Ok(statuses) = status::read(&guard.0, &guard.1) {
            m.spool_files
                .set(statuses.iter().map(|s| s.spooled as u64).sum());
            m.spool_bytes
                .set(statuses.iter().map(|s| s.spooled_bytes).sum());
        }
    }
}

impl RunObserver for Publish {
    fn report(&self, _: &TargetSpec, report: &RunReport) {
        let m = self.board.metrics();
        m.jobs.add(report.jobs as u64);
        m.devices_found.add(report.devices_found as u64);
        m.devices_inventoried.add(report.devices_inventoried as u64);
        m.messages_sent.add(report.messages_sent as u64);
        m.errors.add(report.errors.len() as u64);
    }
}

async fn serve(
    settings: Settings,
    mut reload: impl FnMut() -> Result<Settings, String> + Send + 'static,
    env: Vec<(String, String)>,
) -> anyhow::Result<()> {
    let board = Arc::new(Board::new(env!("CARGO_PKG_VERSION")));
    let vardir = settings
        .vardir
        .clone()
        .unwrap_or_else(state::default_vardir);
    let publish = Arc::new(Publish {
        board: Arc::clone(&board),
        vardir: std::sync::Mutex::new((vardir, settings.server.clone())),
    });
    let (events_tx, events) = mpsc::channel::<Event>(16);
    forward_signals(events_tx.clone())?;
    if !settings.conf_reload_interval.is_zero() {
        let tx = events_tx.clone();
        let every = settings.conf_reload_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            loop {
                tick.tick().await;
                if tx.send(Event::Reload).await.is_err() {
                    return;
                }
            }
        });
    }
    let (stop_httpd, httpd_stopped) = watch::channel(false);
    let httpd_task = if settings.no_httpd {
        None
    } else {
        Some(
            start_httpd(
                &settings,
                Arc::clone(&board),
                events_tx.clone(),
                httpd_stopped,
            )
            .await?,
        )
    };
    let mut first = Some(settings);
    let observer = Arc::clone(&publish);
    let setup = move |reloading: bool| -> Result<Setup<AgentRunner<Publish>>, String> {
        let settings = match first.take() {
            Some(s) if !reloading => s,
            _ => reload()?,
        };
        let config = settings.run_config(env.clone());
        if let Ok(mut g) = observer.vardir.lock() {
            *g = (config.vardir.clone(), config.servers.clone());
        }
        let targets = managed::targets(&config);
        publish_targets(&observer.board, &targets);
        let (runner, specs) =
            AgentRunner::new(config, Arc::clone(&observer)).map_err(|e| e.to_string())?;
        Ok(Setup {
            runner: Arc::new(runner),
            targets: specs,
            delaytime: settings.delaytime.as_secs(),
        })
    };
    drop(events_tx);
    let outcome = daemon::run(setup, events, publish, Clock::new(), STOP_GRACE).await;
    let _ = stop_httpd.send(true);
    if let Some(task) = httpd_task {
        let _ = task.await;
    }
    tracing::info!("stopped");
    outcome.map_err(Into::into)
}

/// The targets on the board, and their servers' addresses (resolved in the background: they
/// are trusted for `/now`).
fn publish_targets(board: &Arc<Board>, targets: &[(TargetSpec, TargetKind)]) {
    let infos = targets
        .iter()
        .map(|(spec, kind)| match kind {
            TargetKind::Server(url) => TargetInfo::server(spec.id.clone(), url),
            TargetKind::Local(path) => {
                TargetInfo::local(spec.id.clone(), std::path::Path::new(path))
            }
        })
        .collect();
    board.set_targets(infos);
    for (spec, kind) in targets {
        let TargetKind::Server(url) = kind else {
            continue;
        };
        let Some(host) = url.host_str().map(str::to_owned) else {
            continue;
        };
        let (board, id) = (Arc::clone(board), spec.id.clone());
        tokio::spawn(async move {
            match httpd::resolve(&host).await {
                Ok(addrs) => {
                    board.set_addresses(&id, addrs);
                }
                Err(e) => tracing::warn!("cannot resolve {host} (trusted for /now): {e}"),
            }
        });
    }
}

/// Binds the HTTP port and serves it until `stopped`; `/now` requests become events.
async fn start_httpd(
    settings: &Settings,
    board: Arc<Board>,
    events: mpsc::Sender<Event>,
    mut stopped: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listen = SocketAddr::new(
        settings
            .httpd_ip
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        settings.httpd_port,
    );
    let (trust, warnings) = TrustList::parse(&settings.httpd_trust).await?;
    for w in warnings {
        tracing::warn!("httpd-trust: {w}");
    }
    let listener = httpd::bind(listen).await?;
    tracing::info!("HTTP port listening on {listen}");
    let (now_tx, mut now_rx) = mpsc::channel::<NowRequest>(8);
    tokio::spawn(async move {
        while let Some(request) = now_rx.recv().await {
            let event = match request {
                NowRequest::All => Event::RunAll,
                NowRequest::Target(id) => Event::Run(id),
            };
            if events.send(event).await.is_err() {
                return;
            }
        }
    });
    let config = HttpdConfig {
        listen,
        trust,
        ..HttpdConfig::default()
    };
    let shutdown = async move {
        let _ = stopped.wait_for(|s| *s).await;
    };
    Ok(tokio::spawn(async move {
        if let Err(e) = httpd::serve(listener, config, board, now_tx, shutdown).await {
            tracing::error!("HTTP port: {e}");
        }
    }))
}

/// SIGHUP → reload, SIGUSR1 → run all now, SIGTERM / SIGINT → stop.
fn forward_signals(events: mpsc::Sender<Event>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let kinds = [
        (SignalKind::hangup(), Event::Reload),
        (SignalKind::user_defined1(), Event::RunAll),
        (SignalKind::terminate(), Event::Stop),
        (SignalKind::interrupt(), Event::Stop),
    ];
    for (kind, event) in kinds {
        let mut stream = signal(kind).context("cannot handle signals")?;
        let tx = events.clone();
        tokio::spawn(async move {
            while stream.recv().await.is_some() {
                tracing::info!("signal: {event:?}");
                if tx.send(event.clone()).await.is_err() {
                    return;
                }
            }
        });
    }
    Ok(())
}
