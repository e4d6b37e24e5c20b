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
        let mut report = RunReport::default();
        let contact = match self.kinds.get(&target.id) {
            Some(TargetKind::Server(url)) => {
                run::run_server(
                    &self.config,
                    &self.deviceid,
                    &self.agentid,
                    url,
                    &mut report,
                )
                .await
            }
            Some(TargetKind::Local(path)) => {
                let (config, deviceid, path) =
                    (self.config.clone(), self.deviceid.clone(), path.clone());
                // The inventory reads files and runs commands: off the async threads.
                match tokio::task::spawn_blocking(move || run::run_local(&config, &deviceid, &path))
                    .await
                {
                    Ok(Ok(())) => report
                        .done
                        .push(format!("inventory written to {}", target.name)),
                    Ok(Err(e)) => report.errors.push(e),
                    Err(e) => tracing::error!(target = %target.name, "the inventory stopped: {e}"),
                }
                Contact {
                    answered: true,
                    ..Contact::default()
                }
            }
            None => Contact::default(),
        };
        for line in &report.done {
            tracing::info!(target = %target.name, "{line}");
        }
        for e in &report.errors {
            tracing::error!(target = %target.name, "{e}");
        }
        self.observer.report(target, &report);
        contact
    }
}
