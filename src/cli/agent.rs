//! `sonde agent` / `fusioninventory-agent`: run the tasks a GLPI server asks for, or write to a
//! local target, once or as a daemon.
//!
//! Every agent.cfg key that has a command-line flag (protocol.md §6.1) is accepted with the same
//! name, plus the CLI-only options. `run` does one half-managed run over the `--server` and
//! `--local` targets (`agent::run`); the daemon, the HTTP port, `--lazy` scheduling and the
//! configuration file are not implemented yet and say so instead of being ignored.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{ArgAction, Args, ValueEnum};

use crate::agent::run::{self, RunConfig};
use crate::inventory::{self, state};
use crate::mib::MibDb;
use crate::transport::spool::Limits;
use crate::transport::{self, Compression, TransportConfig};

/// `--config`: where the configuration comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConfigBackend {
    // agent.cfg (or --conf-file).
    File,
    // The Windows registry.
    Registry,
    // No configuration: command line only.
    None,
}

/// Options of `agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// GLPI server URLs (comma-separated).
    #[arg(
        short = 's',
        long,
        value_name = "URL",
        value_delimiter = ',',
        help_heading = "Targets"
    )]
    pub server: Vec<String>,
    /// Local targets: directories to write results to, or - for stdout (comma-separated).
    #[arg(
        short = 'l',
        long,
        value_name = "PATH",
        value_delimiter = ',',
        help_heading = "Targets"
    )]
    pub local: Vec<String>,
    /// Deprecated: same as --local -.
    #[arg(long, help_heading = "Targets")]
    pub stdout: bool,

    /// Maximum delay before the first contact with a server, in seconds [default: 3600].
    #[arg(long, value_name = "SECS", help_heading = "Scheduling")]
    pub delaytime: Option<u64>,
    /// Contact the server only when the planned time has passed.
    #[arg(long, help_heading = "Scheduling")]
    pub lazy: bool,
    /// Tasks not to run (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Scheduling"
    )]
    pub no_task: Vec<String>,
    /// Tasks to run, in order; ... stands for the others (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Scheduling"
    )]
    pub tasks: Vec<String>,
    /// Send the inventory even when it has not changed.
    #[arg(short = 'f', long, help_heading = "Scheduling")]
    pub force: bool,
    /// Wait a random time of up to SECS before running.
    #[arg(short = 'w', long, value_name = "SECS", help_heading = "Scheduling")]
    pub wait: Option<u64>,
    /// Print the available tasks and the plan of each target, and exit.
    #[arg(long, help_heading = "Scheduling")]
    pub list_tasks: bool,
    /// Ask the daemon to run at once (sets the next run time of every target to now), and exit.
    #[arg(long, help_heading = "Scheduling")]
    pub set_forcerun: bool,

    /// Categories not to collect in the inventory (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Inventory task"
    )]
    pub no_category: Vec<String>,
    /// Also scan the home directories of users.
    #[arg(long, help_heading = "Inventory task")]
    pub scan_homedirs: bool,
    /// Also scan user profiles.
    #[arg(long, help_heading = "Inventory task")]
    pub scan_profiles: bool,
    /// Write HTML instead of XML to local targets.
    #[arg(long, help_heading = "Inventory task")]
    pub html: bool,
    /// Use the GLPI-native JSON protocol.
    #[arg(long, help_heading = "Inventory task")]
    pub json: bool,
    /// Time limit for each collecting module, in seconds [default: 180].
    #[arg(long, value_name = "SECS", help_heading = "Inventory task")]
    pub backend_collect_timeout: Option<u64>,
    /// XML file whose content is merged into the inventory.
    #[arg(long, value_name = "FILE", help_heading = "Inventory task")]
    pub additional_content: Option<PathBuf>,
    /// Tag of the machine.
    #[arg(short = 't', long, value_name = "TAG", help_heading = "Inventory task")]
    pub tag: Option<String>,
    /// Deploy task: do not share packages with peers.
    #[arg(long, help_heading = "Inventory task")]
    pub no_p2p: bool,

    /// HTTP proxy URL [default: from the environment].
    #[arg(short = 'P', long, value_name = "URL", help_heading = "Network")]
    pub proxy: Option<String>,
    /// User for HTTP Basic authentication.
    #[arg(short = 'u', long, value_name = "USER", help_heading = "Network")]
    pub user: Option<String>,
    /// Password for HTTP Basic authentication.
    #[arg(short = 'p', long, value_name = "PASSWORD", help_heading = "Network")]
    pub password: Option<String>,
    /// Directory of CA certificates.
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "ca_cert_file",
        help_heading = "Network"
    )]
    pub ca_cert_dir: Option<PathBuf>,
    /// File of CA certificates.
    #[arg(long, value_name = "FILE", help_heading = "Network")]
    pub ca_cert_file: Option<PathBuf>,
    /// Do not check the server certificate.
    #[arg(long, help_heading = "Network")]
    pub no_ssl_check: bool,
    /// Accept a server certificate with this fingerprint (comma-separated).
    #[arg(
        long,
        value_name = "FINGERPRINT",
        value_delimiter = ',',
        help_heading = "Network"
    )]
    pub ssl_fingerprint: Vec<String>,
    /// Send uncompressed requests.
    #[arg(short = 'C', long, help_heading = "Network")]
    pub no_compression: bool,
    /// HTTP timeout in seconds [default: 180].
    #[arg(long, value_name = "SECS", help_heading = "Network")]
    pub timeout: Option<u64>,

    /// Do not start the embedded HTTP interface.
    #[arg(long, help_heading = "Web interface")]
    pub no_httpd: bool,
    /// Address the HTTP interface listens on [default: all].
    #[arg(long, value_name = "IP", help_heading = "Web interface")]
    pub httpd_ip: Option<IpAddr>,
    /// Port of the HTTP interface [default: 62354].
    #[arg(long, value_name = "PORT", help_heading = "Web interface")]
    pub httpd_port: Option<u16>,
    /// Addresses or blocks allowed to use the HTTP interface (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Web interface"
    )]
    pub httpd_trust: Vec<String>,
    /// Run the HTTP interface even without a server target.
    #[arg(long, help_heading = "Web interface")]
    pub listen: bool,

    /// Log backends: stderr, file, syslog (comma-separated).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Logging"
    )]
    pub logger: Vec<String>,
    /// Log file (adds the file backend).
    #[arg(long, value_name = "FILE", help_heading = "Logging")]
    pub logfile: Option<PathBuf>,
    /// Maximum size of the log file in MB.
    #[arg(long, value_name = "MB", help_heading = "Logging")]
    pub logfile_maxsize: Option<u64>,
    /// Syslog facility [default: LOG_USER].
    #[arg(long, value_name = "FACILITY", help_heading = "Logging")]
    pub logfacility: Option<String>,
    /// Colour the stderr log.
    #[arg(long, help_heading = "Logging")]
    pub color: bool,
    /// More log output (repeatable, 1 to 3).
    #[arg(long, action = ArgAction::Count, help_heading = "Logging")]
    pub debug: u8,

    /// Configuration file [default: agent.cfg in the configuration directory].
    #[arg(long, value_name = "FILE", help_heading = "Configuration and process")]
    pub conf_file: Option<PathBuf>,
    /// Configuration backend.
    #[arg(
        long,
        value_name = "BACKEND",
        value_enum,
        help_heading = "Configuration and process"
    )]
    pub config: Option<ConfigBackend>,
    /// Reload the configuration every SECS seconds (minimum 60; 0 = never).
    #[arg(long, value_name = "SECS", help_heading = "Configuration and process")]
    pub conf_reload_interval: Option<u64>,
    /// Directory of the agent's state files.
    #[arg(long, value_name = "DIR", help_heading = "Configuration and process")]
    pub vardir: Option<PathBuf>,
    /// Run as a daemon.
    #[arg(short = 'd', long, help_heading = "Configuration and process")]
    pub daemon: bool,
    /// With --daemon: stay in the foreground.
    #[arg(long, help_heading = "Configuration and process")]
    pub no_fork: bool,
    /// With --daemon: write the process id to FILE (default file if no value).
    #[arg(
        long,
        value_name = "FILE",
        num_args = 0..=1,
        help_heading = "Configuration and process"
    )]
    pub pidfile: Option<Option<PathBuf>>,
    /// Print the installation paths, and exit.
    #[arg(long, help_heading = "Configuration and process")]
    pub setup: bool,
    /// Windows only; accepted and ignored.
    #[arg(long, hide = true)]
    pub no_win32_ole_workaround: bool,
}

/// Runs `agent`.
pub(crate) fn run(args: AgentArgs) -> anyhow::Result<ExitCode> {
    if args.list_tasks {
        for t in run::TASKS {
            println!("{t}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    for (given, what) in [
        (args.daemon, "--daemon"),
        (args.listen, "--listen"),
        (args.setup, "--setup"),
        (args.set_forcerun, "--set-forcerun"),
        (args.conf_file.is_some(), "--conf-file"),
        (
            matches!(
                args.config,
                Some(ConfigBackend::File | ConfigBackend::Registry)
            ),
            "--config file|registry",
        ),
    ] {
        if given {
            eprintln!("agent {what}: not yet implemented");
            return Ok(ExitCode::from(2));
        }
    }
    let mut locals = args.local.clone();
    if args.stdout {
        locals.push("-".to_owned());
    }
    if args.server.is_empty() && locals.is_empty() {
        anyhow::bail!("no target: give --server URL and/or --local PATH");
    }
    let servers = args
        .server
        .iter()
        .map(|s| transport::url::canonical(s))
        .collect::<Result<Vec<_>, _>>()?;
    let tasks: Vec<String> = run::TASKS
        .iter()
        .filter(|t| args.tasks.is_empty() || args.tasks.iter().any(|x| x.eq_ignore_ascii_case(t)))
        .filter(|t| !args.no_task.iter().any(|x| x.eq_ignore_ascii_case(t)))
        .map(|t| (*t).to_owned())
        .collect();
    let ssl_fingerprint = args
        .ssl_fingerprint
        .iter()
        .map(|f| f.parse())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--ssl-fingerprint: {e}"))?;
    let transport_config = TransportConfig {
        user: args.user.clone(),
        password: args.password.clone(),
        ca_cert_file: args.ca_cert_file.clone(),
        ca_cert_dir: args.ca_cert_dir.clone(),
        no_ssl_check: args.no_ssl_check,
        ssl_fingerprint,
        proxy: args.proxy.clone(),
        timeout: Duration::from_secs(args.timeout.unwrap_or(180).max(1)),
        compression: if args.no_compression {
            Compression::None
        } else {
            Compression::Zlib
        },
        ..TransportConfig::default()
    };
    let inventory_options = inventory::Options {
        versionclient: transport::DEFAULT_USER_AGENT.to_owned(),
        ..super::inventory::collect_options(
            &args.no_category,
            args.scan_homedirs,
            args.scan_profiles,
            args.backend_collect_timeout,
        )?
    };
    let db = Arc::new(MibDb::load(None)?);
    let config = RunConfig {
        servers,
        locals,
        vardir: args.vardir.clone().unwrap_or_else(state::default_vardir),
        transport: transport_config,
        inventory: inventory_options,
        tag: args.tag.clone(),
        json: args.json,
        html: args.html,
        force: args.force,
        tasks,
        db,
        spool: Limits::default(),
        lazy: args.lazy,
        wakeonlan: crate::wakeonlan::WakeConfig::default(),
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime.block_on(async {
        if let Some(wait) = args.wait.filter(|w| *w > 0) {
            let secs = rand::random_range(0..=wait);
            tracing::info!("waiting {secs} s before the run (--wait)");
            tokio::time::sleep(Duration::from_secs(secs)).await;
        }
        run::run_once(&config).await
    });
    for line in &report.done {
        tracing::info!("{line}");
    }
    for e in &report.errors {
        eprintln!("sonde: {e}");
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
