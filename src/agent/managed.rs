//! The agent's targets as the daemon runs them: each `--server` URL (`server0`, `server1`, …)
//! and each `--local` path (`local0`, …), run by [`AgentRunner`] with the same code as a
//! half-managed run.

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::Url;

use super::daemon::{Runner, TargetSpec};
use super::run::{self, Contact, RunConfig, RunError, RunReport};

/// What a target is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A GLPI / FusionInventory server.
    Server(Url),
    /// A local directory, file, or `-`.
    Local(String),
}

/// Hooks for what a run did (the daemon's metrics).
pub trait RunObserver: Send + Sync + 'static {
    /// A target's run ended with this report.
    fn report(&self, target: &TargetSpec, report: &RunReport);
}

/// No hooks.
pub struct NoObserver;

impl RunObserver for NoObserver {
    fn report(&self, _: &TargetSpec, _: &RunReport) {}
}

/// Runs the targets of one configuration.
pub struct AgentRunner<O = NoObserver> {
    config: RunConfig,
    deviceid: String,
    agentid: String,
    kinds: HashMap<String, TargetKind>,
    observer: Arc<O>,
}

/// The targets of a configuration, in order: servers, then local targets.
#[must_use]
pub fn targets(config: &RunConfig) -> Vec<(TargetSpec, TargetKind)> {
    let servers = config.servers.iter().enumerate().map(|(i, url)| {
        (
            TargetSpec {
                id: format!("server{i}"),
                name: crate::transport::url::redacted(url),
                dir: run::target_dir(config, url),
            },
            TargetKind::Server(url.clone()),
        )
    });
    let locals = config.locals.iter().enumerate().map(|(i, path)| {
        (
            TargetSpec {
                id: format!("local{i}"),
                name: path.clone(),
                dir: config.vardir.join("targets").join(format!("__LOCAL__{i}")),
            },
            TargetKind::Local(path.clone()),
        )
    });
    servers.chain(locals).collect()
}

impl<O: RunObserver> AgentRunner<O> {
    /// The runner of `config` and its targets (the DEVICEID and agent id are read or created
    /// here, so that a state directory that cannot be written stops the daemon at start).
    pub fn new(config: RunConfig, observer: Arc<O>) -> Result<(Self, Vec<TargetSpec>), RunError> {
        let deviceid = run::device_id(&config)?;
        let agentid = run::agent_id(&config)?;
        let list = targets(&config);
        let kinds = list
            .iter()
            .map(|(spec, kind)| (spec.id.clone(), kind.clone()))
            .collect();
        let specs = list.into_iter().map(|(spec, _)| spec).collect();
        Ok((
            Self {
                config,
                deviceid,
                agentid,
                kinds,
                observer,
            },
            specs,
        ))
    }
}

impl<O: RunObserver> Runner for AgentRunner<O> {
    async fn run(&self, target: &TargetSpec) -> Contact {
        let Some(kind) = self.kinds.get(&target.id).cloned() else {
            return Contact::default();
        };
        let (config, deviceid, agentid, name) = (
            self.config.clone(),
            self.deviceid.clone(),
            self.agentid.clone(),
            target.name.clone(),
        );
        // Each run gets its own runtime on its own threads, which end with the run: what those
        // threads' allocator caches held goes back with them, and the daemon returns to its
        // idle size (glibc's per-thread caches would otherwise keep pages of the job pinned).
        let spawned = std::thread::Builder::new()
            .name(format!("run-{}", target.id))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("run-worker")
                    .enable_all()
                    .build()
                {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::error!(target = %name, "cannot start the run's runtime: {e}");
                        return (Contact::default(), RunReport::default());
                    }
                };
                let outcome =
                    runtime.block_on(run_target(&config, &deviceid, &agentid, &kind, &name));
                runtime.shutdown_timeout(std::time::Duration::from_secs(10));
                outcome
            });
        let thread = match spawned {
            Ok(thread) => thread,
            Err(e) => {
                tracing::error!(target = %target.name, "cannot start the run: {e}");
                return Contact::default();
            }
        };
        // Joined (not just awaited): the thread's allocator cache is given back when it ends,
        // before the trim below.
        let (contact, report) = match tokio::task::spawn_blocking(move || thread.join()).await {
            Ok(Ok(outcome)) => outcome,
            _ => {
                tracing::error!(target = %target.name, "the run stopped unexpectedly");
                (Contact::default(), RunReport::default())
            }
        };
        for line in &report.done {
            tracing::info!(target = %target.name, "{line}");
        }
        for e in &report.errors {
            tracing::error!(target = %target.name, "{e}");
        }
        self.observer.report(target, &report);
        drop(report);
        // What the run allocated is free now: give it back to the system, with the code
        // pages the run went through.
        super::memory::release_free_memory();
        match super::memory::release_code_pages() {
            Ok(bytes) => tracing::debug!(bytes, "code pages of the run released"),
            Err(e) => tracing::debug!("cannot release the run's code pages: {e}"),
        }
        contact
    }
}

/// One run of one target.
async fn run_target(
    config: &RunConfig,
    deviceid: &str,
    agentid: &str,
    kind: &TargetKind,
    name: &str,
) -> (Contact, RunReport) {
    let mut report = RunReport::default();
    let contact = match kind {
        TargetKind::Server(url) => {
            run::run_server(config, deviceid, agentid, url, &mut report).await
        }
        TargetKind::Local(path) => {
            // The inventory reads files and runs commands (this thread is the run's own).
            match run::run_local(config, deviceid, path) {
                Ok(()) => report.done.push(format!("inventory written to {name}")),
                Err(e) => report.errors.push(e),
            }
            Contact {
                answered: true,
                ..Contact::default()
            }
        }
    };
    (contact, report)
}
