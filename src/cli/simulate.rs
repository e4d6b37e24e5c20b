//! `sonde simulate`: serve walk files (plain or gzipped) as SNMP agents on UDP, for tests, demos
//! and replaying captures.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use clap::{ArgAction, Args};

use crate::snmp::agent::{LoadedWalk, communities_for, load_walks};
use crate::snmp::{AgentOptions, Communities, Simulator};

/// Options of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Walk file to serve (repeatable; gzipped files are read as well). With as many --listen
    /// addresses as walks, each address serves one walk; otherwise every address serves all
    /// walks, a single walk under --community, several under their file names (community
    /// `sample4` for `sample4.walk`).
    #[arg(long, value_name = "FILE", required = true)]
    pub walk: Vec<PathBuf>,
    /// Address to answer on (repeatable).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:1161")]
    pub listen: Vec<SocketAddr>,
    /// Community the agent answers to.
    #[arg(long, value_name = "COMMUNITY", default_value = "public")]
    pub community: String,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count)]
    pub debug: u8,
}

/// Runs `simulate` until interrupted (Ctrl-C or SIGTERM).
pub(crate) fn run(args: SimulateArgs) -> anyhow::Result<ExitCode> {
    let walks = load_walks(&args.walk)?;
    for w in &walks {
        for e in w.errors.iter().take(10) {
            tracing::warn!(file = %w.path.display(), "{e}");
        }
        if w.errors.len() > 10 {
            tracing::warn!(file = %w.path.display(), "{} more malformed lines skipped", w.errors.len() - 10);
        }
    }
    let listeners = pair(&args, &walks);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let sim = Simulator::start(listeners.clone(), AgentOptions::default())
            .await
            .context("cannot bind the listen address")?;
        for (addr, (_, names)) in sim.local_addrs().iter().zip(describe(&args, &walks)) {
            // A status line, not a warning: scripts and tests wait for it on stderr.
            eprintln!("sonde simulate: answering on udp {addr}: {names}");
        }
        shutdown_signal().await;
        sim.shutdown().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// Which walks each address serves: as many addresses as walks pairs them one to one (each
/// answering `--community`); otherwise every address serves every walk (a single walk answers
/// `--community`, several are told apart by file name).
fn pair(args: &SimulateArgs, walks: &[LoadedWalk]) -> Vec<(SocketAddr, Communities)> {
    if args.listen.len() == walks.len() && walks.len() > 1 {
        args.listen
            .iter()
            .zip(walks)
            .map(|(addr, w)| (*addr, communities_for(&[w], &args.community)))
            .collect()
    } else {
        let all: Vec<&LoadedWalk> = walks.iter().collect();
        args.listen
            .iter()
            .map(|addr| (*addr, communities_for(&all, &args.community)))
            .collect()
    }
}

fn describe(args: &SimulateArgs, walks: &[LoadedWalk]) -> Vec<(SocketAddr, String)> {
    let one = |w: &LoadedWalk| {
        format!(
            "{} ({} objects) as community {:?}",
            w.path.display(),
            w.mib.len(),
            args.community
        )
    };
    if args.listen.len() == walks.len() && walks.len() > 1 {
        args.listen
            .iter()
            .zip(walks)
            .map(|(a, w)| (*a, one(w)))
            .collect()
    } else if let [w] = walks {
        args.listen.iter().map(|a| (*a, one(w))).collect()
    } else {
        let names: Vec<String> = walks
            .iter()
            .map(|w| format!("{} ({} objects)", w.community, w.mib.len()))
            .collect();
        let text = format!("{} walks by community: {}", walks.len(), names.join(", "));
        args.listen.iter().map(|a| (*a, text.clone())).collect()
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}
