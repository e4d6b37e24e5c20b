//! The typed configuration of the agent ([`Settings`]) and its [`defaults`]; how the layers are
//! merged and checked ([`Settings::load`]); the run they describe ([`Settings::run_config`],
//! with the task plan of protocol.md §4.2).
//!
//! `values.rs` turns the raw entries into these fields. Decisions where FusionInventory was
//! loose:
//! - booleans are strict (see `values::parse_bool`);
//! - an empty value means the default: no, unset, the empty list, the default number (so
//!   `SONDE_TAG=` clears a file's tag);
//! - `conf-reload-interval` between 1 and 59 is raised to 60, a negative one becomes 0 (never),
//!   both with a warning (FusionInventory did the same silently);
//! - `timeout`, `backend-collect-timeout`, `httpd-port` and the spool limits must be at least 1;
//! - `debug` is 0 to 3; `logfacility` must name a syslog facility (`LOG_` optional);
//! - names in `no-category` must be known categories; unknown names in `tasks` are skipped with a
//!   warning; `no-task` may name tasks sonde does not have (FusionInventory's `deploy`…).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;

use super::error::{ConfigError, LoadError, Warning};
use super::layer::Layer;
use super::{parse, values};
use crate::agent::run::{RunConfig, TASKS};
use crate::inventory::{self, state};
use crate::transport::spool::Limits;
use crate::transport::{self, Compression, Fingerprint, TransportConfig};

/// The configuration file read when `--conf-file` is not given (if it exists).
pub const DEFAULT_CONF_FILE: &str = "/etc/sonde/agent.cfg";

/// Default values of the keys that have one (protocol.md §6.1); the others default to unset,
/// empty or no. `deploy/agent.cfg` shows each of them.
pub mod defaults {
    /// `delaytime`: the longest initial delay before the first contact, in seconds.
    pub const DELAYTIME_SECS: u64 = 3600;
    /// `backend-collect-timeout`: time limit of each inventory module, in seconds.
    pub const BACKEND_COLLECT_TIMEOUT_SECS: u64 = 180;
    /// `timeout`: HTTP timeout, in seconds.
    pub const TIMEOUT_SECS: u64 = 180;
    /// `httpd-port`.
    pub const HTTPD_PORT: u16 = 62354;
    /// `logfacility`.
    pub const LOGFACILITY: &str = "LOG_USER";
    /// The smallest `conf-reload-interval` other than 0, in seconds.
    pub const CONF_RELOAD_MIN_SECS: u64 = 60;
    /// The highest `debug` level.
    pub const DEBUG_MAX: u8 = 3;
}

/// Where the configuration file comes from (`--conf-file`, `--config`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file that must exist (`--conf-file FILE`).
    File(PathBuf),
    /// A file read only if it exists (the default location).
    Default(PathBuf),
    /// No file (`--config none`).
    None,
    /// The Windows registry (`--config registry`): an error on this system.
    Registry,
}

impl Source {
    /// [`DEFAULT_CONF_FILE`], if it exists.
    #[must_use]
    pub fn default_file() -> Self {
        Source::Default(PathBuf::from(DEFAULT_CONF_FILE))
    }
}

/// A log backend (`logger`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logger {
    /// Standard error.
    Stderr,
    /// `logfile`.
    File,
    /// Syslog, with `logfacility`.
    Syslog,
}

/// The agent's configuration, typed and checked. Field names are the keys with `_` for `-`;
/// `stdout` is folded into `local` (`-`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `server`: the GLPI servers, as the URLs messages are posted to.
    pub server: Vec<Url>,
    /// `local`: directories or files the inventory is written to, `-` for standard output.
    pub local: Vec<String>,
    /// `delaytime`.
    pub delaytime: Duration,
    /// `lazy`: contact a server only once its planned time has come.
    pub lazy: bool,
    /// `no-task`: tasks not to run (any case).
    pub no_task: Vec<String>,
    /// `tasks`: the tasks to run, in order; `...` stands for the others. Empty: all.
    pub tasks: Vec<String>,
    /// `force`: run the inventory even when the server does not ask for it.
    pub force: bool,
    /// `no-category`: inventory categories not to collect (lower case, checked).
    pub no_category: Vec<String>,
    /// `scan-homedirs`.
    pub scan_homedirs: bool,
    /// `scan-profiles`.
    pub scan_profiles: bool,
    /// `html`: local targets get HTML.
    pub html: bool,
    /// `json`: local targets get GLPI's JSON.
    pub json: bool,
    /// `backend-collect-timeout`.
    pub backend_collect_timeout: Duration,
    /// `additional-content`: an XML file merged into the inventory.
    pub additional_content: Option<PathBuf>,
    /// `no-p2p` (deploy task; kept for compatibility).
    pub no_p2p: bool,
    /// `tag`.
    pub tag: Option<String>,
    /// `proxy`: the HTTP proxy URL (else the `*_proxy` variables).
    pub proxy: Option<String>,
    /// `user` (HTTP Basic).
    pub user: Option<String>,
    /// `password` (HTTP Basic).
    pub password: Option<String>,
    /// `ca-cert-dir`.
    pub ca_cert_dir: Option<PathBuf>,
    /// `ca-cert-file`.
    pub ca_cert_file: Option<PathBuf>,
    /// `no-ssl-check`.
    pub no_ssl_check: bool,
    /// `ssl-fingerprint`: server certificates accepted by fingerprint.
    pub ssl_fingerprint: Vec<Fingerprint>,
    /// `no-compression`.
    pub no_compression: bool,
    /// `timeout`.
    pub timeout: Duration,
    /// `no-httpd`.
    pub no_httpd: bool,
    /// `httpd-ip`: `None` is every address.
    pub httpd_ip: Option<IpAddr>,
    /// `httpd-port`.
    pub httpd_port: u16,
    /// `httpd-trust`: addresses, blocks or names allowed to use the HTTP interface.
    pub httpd_trust: Vec<String>,
    /// `listen`.
    pub listen: bool,
    /// `logger`, with `File` added when `logfile` is set.
    pub logger: Vec<Logger>,
    /// `logfile`.
    pub logfile: Option<PathBuf>,
    /// `logfile-maxsize`, in MB.
    pub logfile_maxsize: Option<u64>,
    /// `logfacility`, as `LOG_<NAME>`.
    pub logfacility: String,
    /// `color`.
    pub color: bool,
    /// `debug`: 0 to 3.
    pub debug: u8,
    /// `conf-reload-interval`: zero is never, else at least 60 s.
    pub conf_reload_interval: Duration,
    /// `vardir`: `None` is [`state::default_vardir`].
    pub vardir: Option<PathBuf>,
    /// `spool-max-files` and `spool-max-bytes`: the limits of each server's spool.
    pub spool: Limits,
    /// `network-rate`: packets per second of all network jobs together (0: no limit).
    pub network_rate: u32,
    /// `network-in-flight`: addresses probed at once by all discovery jobs together.
    pub network_in_flight: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            server: Vec::new(),
            local: Vec::new(),
            delaytime: Duration::from_secs(defaults::DELAYTIME_SECS),
            lazy: false,
            no_task: Vec::new(),
            tasks: Vec::new(),
            force: false,
            no_category: Vec::new(),
            scan_homedirs: false,
            scan_profiles: false,
            html: false,
            json: false,
            backend_collect_timeout: Duration::from_secs(defaults::BACKEND_COLLECT_TIMEOUT_SECS),
            additional_content: None,
            no_p2p: false,
            tag: None,
            proxy: None,
            user: None,
            password: None,
            ca_cert_dir: None,
            ca_cert_file: None,
            no_ssl_check: false,
            ssl_fingerprint: Vec::new(),
            no_compression: false,
            timeout: Duration::from_secs(defaults::TIMEOUT_SECS),
            no_httpd: false,
            httpd_ip: None,
            httpd_port: defaults::HTTPD_PORT,
            httpd_trust: Vec::new(),
            listen: false,
            logger: vec![Logger::Stderr],
            logfile: None,
            logfile_maxsize: None,
            logfacility: defaults::LOGFACILITY.to_owned(),
            color: false,
            debug: 0,
            conf_reload_interval: Duration::ZERO,
            vardir: None,
            spool: Limits::default(),
            network_rate: 0,
            network_in_flight: crate::discovery::DEFAULT_IN_FLIGHT,
        }
    }
}

/// A configuration that loaded, with what deserves a warning.
#[derive(Debug)]
pub struct Loaded {
    /// The settings.
    pub settings: Settings,
    /// The warnings, in the order found (the caller logs them).
    pub warnings: Vec<Warning>,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
}

impl Settings {
    /// Loads the configuration: the defaults, then the file `source` names (with its includes),
    /// then the `SONDE_*` variables among `env`, then the command line `cli`. Every error is
    /// reported, not just the first.
    pub fn load(
        source: &Source,
        env: impl IntoIterator<Item = (String, String)>,
        cli: &Layer,
    ) -> Result<Loaded, LoadError> {
        let mut warnings = Vec::new();
        let mut errors = Vec::new();
        let path = match source {
            Source::File(path) => Some(path),
            Source::Default(path) if path.exists() => Some(path),
            Source::Default(_) | Source::None => None,
            Source::Registry => {
                errors.push(ConfigError::Registry);
                None
            }
        };
        let file_layer = match path {
            Some(path) => {
                let read = parse::read(path);
                warnings.extend(read.warnings);
                errors.extend(read.errors);
                read.layer
            }
            None => Layer::new(),
        };
        Self::merge(file_layer, path.cloned(), env, cli, warnings, errors)
    }

    /// Like [`Settings::load`] with the content of the configuration file given as `text`, read
    /// as if it were the file `name` (for the `file:line` of messages) without touching the file
    /// system: an `include` line is not followed, it gives a [`Warning::IncludeNotFollowed`].
    /// For tests and fuzzing of the agent.cfg syntax and values.
    pub fn load_text(
        name: &Path,
        text: &str,
        env: impl IntoIterator<Item = (String, String)>,
        cli: &Layer,
    ) -> Result<Loaded, LoadError> {
        let read = parse::read_text(name, text);
        let file = Some(name.to_owned());
        Self::merge(read.layer, file, env, cli, read.warnings, read.errors)
    }

    /// The file layer, the `SONDE_*` variables and the command line merged into settings.
    fn merge(
        file_layer: Layer,
        file: Option<PathBuf>,
        env: impl IntoIterator<Item = (String, String)>,
        cli: &Layer,
        mut warnings: Vec<Warning>,
        mut errors: Vec<ConfigError>,
    ) -> Result<Loaded, LoadError> {
        let env = Layer::from_env(env);
        let settings = values::merge(&[&file_layer, &env, cli], &mut warnings, &mut errors);
        if errors.is_empty() {
            Ok(Loaded {
                settings,
                warnings,
                file,
            })
        } else {
            Err(LoadError { errors, warnings })
        }
    }

    /// The tasks to run, in order (protocol.md §4.2): every task without `tasks`; else the
    /// listed ones (any case, repeats kept, unknown names skipped), `...` standing for the tasks
    /// not listed; then `no-task` removes its names.
    #[must_use]
    pub fn task_plan(&self) -> Vec<String> {
        let listed = |t: &str| self.tasks.iter().any(|x| x.eq_ignore_ascii_case(t));
        let mut plan: Vec<&str> = Vec::new();
        if self.tasks.is_empty() {
            plan.extend(TASKS);
        }
        for name in &self.tasks {
            if name == "..." {
                plan.extend(TASKS.iter().filter(|t| !listed(t)));
            } else if let Some(task) = TASKS.iter().find(|t| t.eq_ignore_ascii_case(name)) {
                plan.push(*task);
            }
        }
        plan.retain(|t| !self.no_task.iter().any(|x| x.eq_ignore_ascii_case(t)));
        plan.into_iter().map(str::to_owned).collect()
    }

    /// An error when there is neither a server nor a local target (nor `listen`, which serves
    /// the HTTP interface alone).
    pub fn check_targets(&self) -> Result<(), ConfigError> {
        if self.server.is_empty() && self.local.is_empty() && !self.listen {
            return Err(ConfigError::NoTarget);
        }
        Ok(())
    }

    /// The HTTP settings.
    #[must_use]
    pub fn transport(&self) -> TransportConfig {
        TransportConfig {
            user: self.user.clone(),
            password: self.password.clone(),
            ca_cert_file: self.ca_cert_file.clone(),
            ca_cert_dir: self.ca_cert_dir.clone(),
            no_ssl_check: self.no_ssl_check,
            ssl_fingerprint: self.ssl_fingerprint.clone(),
            proxy: self.proxy.clone(),
            timeout: self.timeout,
            compression: if self.no_compression {
                Compression::None
            } else {
                Compression::Zlib
            },
            ..TransportConfig::default()
        }
    }

    /// The local inventory settings; `env` is the process environment (the ENVS section).
    #[must_use]
    pub fn inventory_options(&self, env: Vec<(String, String)>) -> inventory::Options {
        inventory::Options {
            skip: self.no_category.iter().cloned().collect(),
            scan_homedirs: self.scan_homedirs,
            scan_profiles: self.scan_profiles,
            env,
            versionclient: transport::DEFAULT_USER_AGENT.to_owned(),
            collect_timeout: self.backend_collect_timeout,
            ..inventory::Options::default()
        }
    }

    /// What one run over the targets needs. The task plan is given without repeats (a run does
    /// each task once).
    #[must_use]
    pub fn run_config(&self, env: Vec<(String, String)>) -> RunConfig {
        let mut tasks: Vec<String> = Vec::new();
        for task in self.task_plan() {
            if !tasks.contains(&task) {
                tasks.push(task);
            }
        }
        RunConfig {
            servers: self.server.clone(),
            locals: self.local.clone(),
            vardir: self.vardir.clone().unwrap_or_else(state::default_vardir),
            transport: self.transport(),
            inventory: self.inventory_options(env),
            tag: self.tag.clone(),
            additional_content: self.additional_content.clone(),
            json: self.json,
            html: self.html,
            force: self.force,
            tasks,
            db: None,
            spool: self.spool,
            network: Some(crate::discovery::SharedLimits::new(
                self.network_rate,
                self.network_in_flight,
            )),
            lazy: self.lazy,
            wakeonlan: crate::wakeonlan::WakeConfig::default(),
        }
    }
}
