//! `sonde agent` / `fusioninventory-agent`: run the tasks a GLPI server asks for, or write to a
//! local target, once or as a daemon.
//!
//! Every agent.cfg key that has a command-line flag (protocol.md §6.1) is accepted with the same
//! name, plus the CLI-only options. `run` turns the options into a configuration layer, loads
//! the configuration (`agent::config`: agent.cfg < `SONDE_*` variables < command line), then
//! does one half-managed run over the `server` and `local` targets (`agent::run`), or starts
//! the daemon (`--daemon`, `cli::daemon`); `--validate` only loads and checks it, `--status` and
//! `--set-forcerun` read and move the stored plans.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{ArgAction, Args, ValueEnum};

use crate::agent::config::{ConfigError, Layer, LoadError, Loaded, Settings, Source, Warning};
use crate::agent::{run, schedule, status};

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
#[derive(Clone, Debug, Args)]
#[command(
    after_help = "Every option but --conf-file, --config, --daemon, --no-fork, --pidfile, \
                  --wait, --list-tasks, --setup, --set-forcerun and --validate can also be set \
                  in agent.cfg (same name, without --) or in a SONDE_* variable \
                  (SONDE_NO_SSL_CHECK=yes); the command line wins over the environment, which \
                  wins over the file.\n\nExit codes: 0 success; 1 a run failed; 2 a usage or \
                  configuration error (--validate: 2 when the configuration is invalid)."
)]
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

    /// Configuration file; it must exist [default: /etc/sonde/agent.cfg, if it exists].
    #[arg(long, value_name = "FILE", help_heading = "Configuration and process")]
    pub conf_file: Option<PathBuf>,
    /// Configuration backend: file (agent.cfg), none (environment and command line only);
    /// registry is for Windows. Ignored with --conf-file.
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
    /// Load and check the configuration (file, SONDE_* variables, command line), print
    /// "configuration OK" and exit 0; or print the errors and exit 2. Warnings go to stderr.
    #[arg(long, help_heading = "Configuration and process")]
    pub validate: bool,
    /// Print each server target's next contact and the results waiting in its spool, and exit.
    #[arg(long, help_heading = "Configuration and process")]
    pub status: bool,
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
    if args.validate {
        return Ok(validate(&args));
    }
    if args.setup {
        print_setup();
        return Ok(ExitCode::SUCCESS);
    }
    let settings = match load_logged(&args) {
        Ok(settings) => settings,
        Err(e) => {
            print_problems(&e.warnings, &e.errors);
            return Ok(ExitCode::from(2));
        }
    };
    let vardir = settings
        .vardir
        .clone()
        .unwrap_or_else(crate::inventory::state::default_vardir);
    if args.status {
        let statuses = status::read(&vardir, &settings.server)?;
        print!("{}", status::render(&statuses, schedule::now()));
        return Ok(ExitCode::SUCCESS);
    }
    if args.set_forcerun {
        status::force_run(&vardir, &settings.server, schedule::now())?;
        println!("every server target is due now");
        return Ok(ExitCode::SUCCESS);
    }
    if args.daemon {
        if !settings.listen {
            settings.check_targets()?;
        }
        let reload_args = args.clone();
        let reload = move || {
            load_logged(&reload_args).map_err(|e| {
                e.errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        };
        return super::daemon::run(&args, settings, reload, process_env());
    }
    if settings.listen {
        anyhow::bail!("--listen only makes sense with --daemon");
    }
    settings.check_targets()?;
    let config = settings.run_config(process_env());
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

/// `--setup`: where sonde looks for things.
fn print_setup() {
    println!("confdir: /etc/sonde");
    println!("conffile: {}", crate::agent::config::DEFAULT_CONF_FILE);
    println!(
        "vardir: {}",
        crate::inventory::state::default_vardir().display()
    );
    if let Ok(exe) = std::env::current_exe() {
        println!("binary: {}", exe.display());
    }
    println!("datadir: built in (override with --mibs in the network tools)");
}

/// `--validate`: loads the configuration and says whether it is good (exit 0) or not (exit 2).
fn validate(args: &AgentArgs) -> ExitCode {
    let (warnings, errors) = match load(args) {
        Ok(loaded) => {
            let errors: Vec<ConfigError> =
                loaded.settings.check_targets().err().into_iter().collect();
            (loaded.warnings, errors)
        }
        Err(e) => (e.warnings, e.errors),
    };
    print_problems(&warnings, &errors);
    if errors.is_empty() {
        println!("configuration OK");
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn print_problems(warnings: &[Warning], errors: &[ConfigError]) {
    for w in warnings {
        eprintln!("sonde: warning: {w}");
    }
    for e in errors {
        eprintln!("sonde: error: {e}");
    }
}

/// The configuration: the file `--conf-file` / `--config` name, this process's `SONDE_*`
/// variables, the command line.
fn load(args: &AgentArgs) -> Result<Loaded, LoadError> {
    Settings::load(&source(args), process_env(), &command_line(args))
}

/// [`load`], with the warnings logged.
fn load_logged(args: &AgentArgs) -> Result<Settings, LoadError> {
    load(args).map(|loaded| {
        for w in &loaded.warnings {
            tracing::warn!("{w}");
        }
        loaded.settings
    })
}

/// Where the file comes from: `--conf-file` wins over `--config` (as in FusionInventory).
fn source(args: &AgentArgs) -> Source {
    match (&args.conf_file, args.config) {
        (Some(file), _) => Source::File(file.clone()),
        (None, Some(ConfigBackend::None)) => Source::None,
        (None, Some(ConfigBackend::Registry)) => Source::Registry,
        (None, Some(ConfigBackend::File) | None) => Source::default_file(),
    }
}

/// This process's environment (lossily as text).
fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

/// The configuration keys given on the command line (options not given are left out, so the
/// file's or the environment's value stays).
fn command_line(a: &AgentArgs) -> Layer {
    let mut l = Layer::new();
    l.list("server", &a.server)
        .list("local", &a.local)
        .flag("stdout", a.stdout)
        .value("delaytime", a.delaytime)
        .flag("lazy", a.lazy)
        .list("no-task", &a.no_task)
        .list("tasks", &a.tasks)
        .flag("force", a.force)
        .list("no-category", &a.no_category)
        .flag("scan-homedirs", a.scan_homedirs)
        .flag("scan-profiles", a.scan_profiles)
        .flag("html", a.html)
        .flag("json", a.json)
        .value("backend-collect-timeout", a.backend_collect_timeout)
        .path("additional-content", a.additional_content.as_deref())
        .value("tag", a.tag.as_ref())
        .flag("no-p2p", a.no_p2p)
        .value("proxy", a.proxy.as_ref())
        .value("user", a.user.as_ref())
        .value("password", a.password.as_ref())
        .path("ca-cert-dir", a.ca_cert_dir.as_deref())
        .path("ca-cert-file", a.ca_cert_file.as_deref())
        .flag("no-ssl-check", a.no_ssl_check)
        .list("ssl-fingerprint", &a.ssl_fingerprint)
        .flag("no-compression", a.no_compression)
        .value("timeout", a.timeout)
        .flag("no-httpd", a.no_httpd)
        .value("httpd-ip", a.httpd_ip)
        .value("httpd-port", a.httpd_port)
        .list("httpd-trust", &a.httpd_trust)
        .flag("listen", a.listen)
        .list("logger", &a.logger)
        .path("logfile", a.logfile.as_deref())
        .value("logfile-maxsize", a.logfile_maxsize)
        .value("logfacility", a.logfacility.as_ref())
        .flag("color", a.color)
        .value("debug", (a.debug > 0).then_some(a.debug.min(3)))
        .value("conf-reload-interval", a.conf_reload_interval)
        .path("vardir", a.vardir.as_deref());
    l
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::*;
    use crate::cli::args::Command;

    fn agent_args(argv: &[&str]) -> AgentArgs {
        let mut full = vec!["sonde", "agent"];
        full.extend_from_slice(argv);
        match crate::cli::parse(full.iter().map(OsString::from).collect()) {
            Ok(cli) => match cli.command {
                Command::Agent(a) => a,
                other => panic!("{other:?}"),
            },
            Err(e) => panic!("{argv:?}: {e}"),
        }
    }

    #[test]
    fn every_option_reaches_the_settings() {
        let a = agent_args(&[
            "--server",
            "glpi.example.com,https://glpi2/",
            "--local",
            "/tmp/out",
            "--stdout",
            "--delaytime",
            "60",
            "--no-task",
            "netdiscovery",
            "--tasks",
            "inventory,...",
            "--force",
            "--no-category",
            "software,process",
            "--scan-homedirs",
            "--scan-profiles",
            "--html",
            "--json",
            "--backend-collect-timeout",
            "30",
            "--additional-content",
            "/etc/extra.xml",
            "--tag",
            "paris",
            "--no-p2p",
            "--proxy",
            "http://proxy:3128",
            "--user",
            "u",
            "--password",
            "p",
            "--ca-cert-file",
            "/etc/ca.pem",
            "--no-ssl-check",
            "--no-compression",
            "--timeout",
            "15",
            "--no-httpd",
            "--httpd-ip",
            "127.0.0.1",
            "--httpd-port",
            "8080",
            "--httpd-trust",
            "10.0.0.0/8",
            "--logger",
            "stderr,syslog",
            "--logfile",
            "/var/log/sonde.log",
            "--logfile-maxsize",
            "5",
            "--logfacility",
            "LOG_DAEMON",
            "--color",
            "--debug",
            "--debug",
            "--conf-reload-interval",
            "300",
            "--vardir",
            "/var/lib/x",
        ]);
        let loaded = Settings::load(&Source::None, Vec::new(), &command_line(&a)).unwrap();
        assert_eq!(
            loaded.warnings,
            [Warning::DeprecatedStdout {
                origin: crate::agent::config::Origin::CommandLine {
                    key: "stdout".to_owned()
                }
            }]
        );
        let s = loaded.settings;
        assert_eq!(
            s.server.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["http://glpi.example.com/", "https://glpi2/"]
        );
        assert_eq!(s.local, ["/tmp/out", "-"]);
        assert_eq!(s.delaytime, Duration::from_secs(60));
        assert_eq!(s.task_plan(), ["inventory", "netinventory", "wakeonlan"]);
        assert!(s.force && s.scan_homedirs && s.scan_profiles && s.html && s.json);
        assert_eq!(s.no_category, ["software", "process"]);
        assert_eq!(s.backend_collect_timeout, Duration::from_secs(30));
        assert_eq!(s.additional_content, Some(PathBuf::from("/etc/extra.xml")));
        assert_eq!(s.tag.as_deref(), Some("paris"));
        assert!(s.no_p2p && s.no_ssl_check && s.no_compression && s.no_httpd && s.color);
        assert_eq!(s.proxy.as_deref(), Some("http://proxy:3128"));
        assert_eq!(
            (s.user.as_deref(), s.password.as_deref()),
            (Some("u"), Some("p"))
        );
        assert_eq!(s.ca_cert_file, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(s.timeout, Duration::from_secs(15));
        assert_eq!(s.httpd_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(s.httpd_port, 8080);
        assert_eq!(s.httpd_trust, ["10.0.0.0/8"]);
        assert_eq!(
            s.logger,
            [
                crate::agent::config::Logger::Stderr,
                crate::agent::config::Logger::Syslog,
                crate::agent::config::Logger::File
            ]
        );
        assert_eq!(s.logfile, Some(PathBuf::from("/var/log/sonde.log")));
        assert_eq!(s.logfile_maxsize, Some(5));
        assert_eq!(s.logfacility, "LOG_DAEMON");
        assert_eq!(s.debug, 2);
        assert_eq!(s.conf_reload_interval, Duration::from_secs(300));
        assert_eq!(s.vardir, Some(PathBuf::from("/var/lib/x")));
    }

    #[test]
    fn absent_options_leave_the_layer_empty() {
        assert!(command_line(&agent_args(&[])).is_empty());
    }

    #[test]
    fn conf_file_and_config_choose_the_source() {
        assert_eq!(source(&agent_args(&[])), Source::default_file());
        assert_eq!(
            source(&agent_args(&["--config", "file"])),
            Source::default_file()
        );
        assert_eq!(source(&agent_args(&["--config", "none"])), Source::None);
        assert_eq!(
            source(&agent_args(&["--config", "registry"])),
            Source::Registry
        );
        assert_eq!(
            source(&agent_args(&["--config", "none", "--conf-file", "/x.cfg"])),
            Source::File(PathBuf::from("/x.cfg"))
        );
    }
}
