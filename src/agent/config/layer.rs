//! The configuration keys sonde knows, where a value came from ([`Origin`]), and one source of
//! raw `key = value` entries ([`Layer`]): a file (built by `parse.rs`), the `SONDE_*`
//! environment variables, or the command line. `settings.rs` merges the layers and types the
//! values.

use std::fmt;
use std::path::{Path, PathBuf};

/// Every key sonde accepts in agent.cfg, in `SONDE_*` variables and (same name) on the command
/// line: FusionInventory's keys (protocol.md §6.1) plus `json`, `ssl-fingerprint` and the spool
/// limits. `deploy/agent.cfg` documents each one (a test keeps the two in step).
pub const KEYS: [&str; 43] = [
    "server",
    "local",
    "delaytime",
    "lazy",
    "no-task",
    "tasks",
    "force",
    "no-category",
    "scan-homedirs",
    "scan-profiles",
    "html",
    "json",
    "backend-collect-timeout",
    "additional-content",
    "no-p2p",
    "tag",
    "proxy",
    "user",
    "password",
    "ca-cert-dir",
    "ca-cert-file",
    "no-ssl-check",
    "ssl-fingerprint",
    "no-compression",
    "timeout",
    "no-httpd",
    "httpd-ip",
    "httpd-port",
    "httpd-trust",
    "listen",
    "logger",
    "logfile",
    "logfile-maxsize",
    "logfacility",
    "color",
    "debug",
    "conf-reload-interval",
    "vardir",
    "stdout",
    "spool-max-files",
    "spool-max-bytes",
    "network-rate",
    "network-in-flight",
];

/// Options that exist only on the command line: in a file or a `SONDE_*` variable they are
/// ignored with a warning.
pub const CLI_ONLY: [&str; 13] = [
    "conf-file",
    "config",
    "daemon",
    "no-fork",
    "pidfile",
    "wait",
    "list-tasks",
    "setup",
    "set-forcerun",
    "version",
    "help",
    "no-win32-ole-workaround",
    "validate",
];

/// The prefix of the environment variables read as configuration.
pub(super) const ENV_PREFIX: &str = "SONDE_";

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A line of a configuration file (1-based).
    File {
        /// The file, as it was named (the including file's folder joined with a relative path).
        path: PathBuf,
        /// The line number.
        line: usize,
    },
    /// An environment variable.
    Env {
        /// Its name (`SONDE_NO_SSL_CHECK`).
        var: String,
    },
    /// A command-line option.
    CommandLine {
        /// The key, which is also the long option's name.
        key: String,
    },
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::Env { var } => write!(f, "environment variable {var}"),
            Origin::CommandLine { key } => write!(f, "command line --{key}"),
        }
    }
}

/// One raw `key = value`, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    /// The key as written (not yet checked against [`KEYS`]).
    pub(super) key: String,
    /// The value: quotes and comments removed, not trimmed further.
    pub(super) value: String,
    /// Where it was written.
    pub(super) origin: Origin,
}

/// The `key = value` entries of one source, in order (a later entry of a key wins).
///
/// The command line builds its layer with [`Layer::value`], [`Layer::path`], [`Layer::flag`]
/// and [`Layer::list`], which add an entry only for what was given, so that the file's value
/// stays when an option is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layer {
    entries: Vec<Entry>,
}

impl Layer {
    /// An empty layer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether nothing was set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A command-line option with a value (`--timeout 30`), when given.
    pub fn value(&mut self, key: &str, value: Option<impl ToString>) -> &mut Self {
        if let Some(value) = value {
            self.push_cli(key, value.to_string());
        }
        self
    }

    /// A command-line option naming a file or directory, when given.
    pub fn path(&mut self, key: &str, value: Option<&Path>) -> &mut Self {
        if let Some(path) = value {
            self.push_cli(key, path.to_string_lossy().into_owned());
        }
        self
    }

    /// A command-line flag: sets the key to yes when given, leaves it alone otherwise.
    pub fn flag(&mut self, key: &str, given: bool) -> &mut Self {
        if given {
            self.push_cli(key, "yes".to_owned());
        }
        self
    }

    /// A command-line list (`--server a,b` or repeated): replaces the whole list, when given.
    pub fn list(&mut self, key: &str, items: &[String]) -> &mut Self {
        if !items.is_empty() {
            self.push_cli(key, items.join(","));
        }
        self
    }

    /// The `SONDE_*` variables among `vars`: `SONDE_NO_SSL_CHECK=yes` sets `no-ssl-check`
    /// (upper case, `_` for `-`). An empty variable sets its key to the empty value (no, or
    /// unset). Other variables are left out; the entries are sorted by name.
    #[must_use]
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut entries: Vec<Entry> = vars
            .into_iter()
            .filter_map(|(var, value)| {
                let name = var.strip_prefix(ENV_PREFIX)?;
                let key = name.to_ascii_lowercase().replace('_', "-");
                Some(Entry {
                    key,
                    value,
                    origin: Origin::Env { var },
                })
            })
            .collect();
        entries.sort_by_key(|e| e.origin.to_string());
        Self { entries }
    }

    /// A layer of already parsed entries (a file).
    pub(super) fn from_entries(entries: Vec<Entry>) -> Self {
        Self { entries }
    }

    /// The entries, in order.
    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn push_cli(&mut self, key: &str, value: String) {
        self.entries.push(Entry {
            key: key.to_owned(),
            value,
            origin: Origin::CommandLine {
                key: key.to_owned(),
            },
        });
    }
}
