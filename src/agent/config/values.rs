//! The merged raw values turned into [`Settings`] fields, one key at a time: the merge of the
//! layers (a later layer's entry wins; unknown and command-line-only keys are warnings), the
//! strict parsers of each type, the checks across keys. Every problem is collected, in the order
//! of the entries it is about.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use super::error::{ConfigError, Warning};
use super::layer::{CLI_ONLY, Entry, KEYS, Layer, Origin};
use super::settings::{Logger, Settings, defaults};
use crate::agent::run::TASKS;
use crate::model::local::categories;
use crate::transport::spool::Limits;
use crate::transport::{self, Fingerprint};

/// Syslog facilities `logfacility` may name.
const FACILITIES: [&str; 20] = [
    "AUTH", "AUTHPRIV", "CRON", "DAEMON", "FTP", "KERN", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3",
    "LOCAL4", "LOCAL5", "LOCAL6", "LOCAL7", "LPR", "MAIL", "NEWS", "SYSLOG", "USER", "UUCP",
];

/// Merges `layers` (weakest first) over the defaults and types the values.
pub(super) fn merge(
    layers: &[&Layer],
    warnings: &mut Vec<Warning>,
    errors: &mut Vec<ConfigError>,
) -> Settings {
    let mut values = Values {
        map: BTreeMap::new(),
        warnings: Vec::new(),
        errors: Vec::new(),
    };
    for entry in layers.iter().flat_map(|l| l.entries()) {
        if let Some(key) = KEYS.iter().find(|k| **k == entry.key) {
            values.map.insert(key, entry);
        } else if CLI_ONLY.contains(&entry.key.as_str()) {
            values.warnings.push(Warning::CommandLineOnly {
                origin: entry.origin.clone(),
                key: entry.key.clone(),
            });
        } else {
            values.warnings.push(Warning::UnknownKey {
                origin: entry.origin.clone(),
                key: entry.key.clone(),
            });
        }
    }
    let settings = values.settings();
    // Errors in the order of the entries they are about (file lines, then variables, then
    // options), not in the order of the fields.
    let order: Vec<&Origin> = layers
        .iter()
        .flat_map(|l| l.entries())
        .map(|e| &e.origin)
        .collect();
    values.errors.sort_by_key(|e| match e {
        ConfigError::Invalid { origin, .. }
        | ConfigError::Conflict {
            second_origin: origin,
            ..
        } => order
            .iter()
            .position(|o| *o == origin)
            .unwrap_or(usize::MAX),
        _ => usize::MAX,
    });
    warnings.extend(values.warnings);
    errors.extend(values.errors);
    settings
}

/// The merged raw values, typed one key at a time; problems are collected.
struct Values<'a> {
    map: BTreeMap<&'static str, &'a Entry>,
    warnings: Vec<Warning>,
    errors: Vec<ConfigError>,
}

impl Values<'_> {
    /// Every field, from its key or its default, then the checks across keys.
    fn settings(&mut self) -> Settings {
        let d = Settings::default();
        let mut s = Settings {
            server: self.list_of("server", |item| {
                transport::url::canonical(item)
                    .map_err(|e| e.to_string().replace(item, &mask_password(item)))
            }),
            local: self.list("local"),
            delaytime: self.seconds("delaytime", 0).unwrap_or(d.delaytime),
            lazy: self.bool("lazy"),
            no_task: self.list("no-task"),
            tasks: self.list("tasks"),
            force: self.bool("force"),
            no_category: self.list_of("no-category", |item| {
                let item = item.to_ascii_lowercase();
                if categories().contains(&item.as_str()) {
                    Ok(item)
                } else {
                    Err(format!(
                        "unknown category {item:?} (see sonde inventory --list-categories)"
                    ))
                }
            }),
            scan_homedirs: self.bool("scan-homedirs"),
            scan_profiles: self.bool("scan-profiles"),
            html: self.bool("html"),
            json: self.bool("json"),
            backend_collect_timeout: self
                .seconds("backend-collect-timeout", 1)
                .unwrap_or(d.backend_collect_timeout),
            additional_content: self.text("additional-content").map(PathBuf::from),
            no_p2p: self.bool("no-p2p"),
            tag: self.text("tag"),
            proxy: self
                .typed("proxy", |v| match v.trim() {
                    "" => Ok(None),
                    v => reqwest::Proxy::all(v)
                        .map(|_| Some(v.to_owned()))
                        .map_err(|_| "not a proxy URL".to_owned()),
                })
                .flatten(),
            user: self.text("user"),
            password: self.text("password"),
            ca_cert_dir: self.text("ca-cert-dir").map(PathBuf::from),
            ca_cert_file: self.text("ca-cert-file").map(PathBuf::from),
            no_ssl_check: self.bool("no-ssl-check"),
            ssl_fingerprint: self.list_of("ssl-fingerprint", Fingerprint::from_str),
            no_compression: self.bool("no-compression"),
            timeout: self.seconds("timeout", 1).unwrap_or(d.timeout),
            no_httpd: self.bool("no-httpd"),
            httpd_ip: self
                .typed("httpd-ip", |v| match v.trim() {
                    "" => Ok(None),
                    v => v
                        .parse()
                        .map(Some)
                        .map_err(|_| "not an IP address".to_owned()),
                })
                .flatten(),
            httpd_port: self.number("httpd-port", 1).unwrap_or(d.httpd_port),
            httpd_trust: self.list("httpd-trust"),
            listen: self.bool("listen"),
            logger: Some(self.list_of("logger", logger))
                .filter(|l| !l.is_empty())
                .unwrap_or(d.logger),
            logfile: self.text("logfile").map(PathBuf::from),
            logfile_maxsize: self.number("logfile-maxsize", 0),
            logfacility: self
                .typed("logfacility", facility)
                .flatten()
                .unwrap_or(d.logfacility),
            color: self.bool("color"),
            debug: self.typed("debug", debug_level).flatten().unwrap_or(0),
            conf_reload_interval: self.reload_interval(),
            vardir: self.text("vardir").map(PathBuf::from),
            spool: Limits {
                max_items: self
                    .number("spool-max-files", 1)
                    .unwrap_or(d.spool.max_items),
                max_bytes: self
                    .number("spool-max-bytes", 1)
                    .unwrap_or(d.spool.max_bytes),
            },
            network_rate: self.number("network-rate", 0).unwrap_or(d.network_rate),
            network_in_flight: self
                .number("network-in-flight", 1)
                .unwrap_or(d.network_in_flight),
        };
        self.check(&mut s);
        s
    }

    /// What involves several keys, or warns.
    fn check(&mut self, s: &mut Settings) {
        if let (Some(dir), Some(file)) = (
            self.origin("ca-cert-dir")
                .filter(|_| s.ca_cert_dir.is_some()),
            self.origin("ca-cert-file")
                .filter(|_| s.ca_cert_file.is_some()),
        ) {
            self.errors.push(ConfigError::Conflict {
                first: "ca-cert-dir",
                first_origin: dir,
                second: "ca-cert-file",
                second_origin: file,
            });
        }
        if s.logfile.is_some() && !s.logger.contains(&Logger::File) {
            s.logger.push(Logger::File);
        }
        if s.logfile.is_none()
            && s.logger.contains(&Logger::File)
            && let Some(entry) = self.map.get("logger")
        {
            self.errors.push(invalid(
                entry,
                "logger",
                "the file logger needs logfile".to_owned(),
            ));
        }
        if self.bool("stdout") {
            if let Some(origin) = self.origin("stdout") {
                self.warnings.push(Warning::DeprecatedStdout { origin });
            }
            if !s.local.iter().any(|l| l == "-") {
                s.local.push("-".to_owned());
            }
        }
        if let Some(origin) = self.origin("tasks") {
            for name in &s.tasks {
                if name != "..." && !TASKS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                    self.warnings.push(Warning::UnknownTask {
                        origin: origin.clone(),
                        name: name.clone(),
                        known: TASKS.join(", "),
                    });
                }
            }
        }
    }

    fn origin(&self, key: &str) -> Option<Origin> {
        self.map.get(key).map(|e| e.origin.clone())
    }

    /// The value of `key` through `parse` (given the raw value); `None` when unset or invalid.
    fn typed<T>(
        &mut self,
        key: &'static str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let entry = *self.map.get(key)?;
        match parse(&entry.value) {
            Ok(v) => Some(v),
            Err(reason) => {
                self.errors.push(invalid(entry, key, reason));
                None
            }
        }
    }

    fn bool(&mut self, key: &'static str) -> bool {
        self.typed(key, parse_bool).unwrap_or(false)
    }

    /// A text value as given; empty is unset.
    fn text(&mut self, key: &'static str) -> Option<String> {
        self.typed(key, |v| Ok(v.to_owned()))
            .filter(|v| !v.is_empty())
    }

    /// A whole number of at least `min`; empty is unset.
    fn number<T: FromStr + PartialOrd + Display>(
        &mut self,
        key: &'static str,
        min: T,
    ) -> Option<T> {
        self.typed(key, |v| match v.trim() {
            "" => Ok(None),
            v => parse_number(v, min).map(Some),
        })
        .flatten()
    }

    fn seconds(&mut self, key: &'static str, min: u64) -> Option<Duration> {
        self.number(key, min).map(Duration::from_secs)
    }

    fn list(&mut self, key: &'static str) -> Vec<String> {
        self.typed(key, |v| Ok(split(v))).unwrap_or_default()
    }

    /// A list whose items go through `parse`; the error names the bad item.
    fn list_of<T, E: Display>(
        &mut self,
        key: &'static str,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Vec<T> {
        self.typed(key, |v| {
            split(v)
                .iter()
                .map(|item| parse(item).map_err(|e| e.to_string()))
                .collect()
        })
        .unwrap_or_default()
    }

    /// `conf-reload-interval`: 0, or at least 60 s (see the module doc).
    fn reload_interval(&mut self) -> Duration {
        let Some(value) = self.number("conf-reload-interval", i64::MIN) else {
            return Duration::ZERO;
        };
        let min = defaults::CONF_RELOAD_MIN_SECS;
        let origin = self.origin("conf-reload-interval");
        match u64::try_from(value) {
            Err(_) => {
                if let Some(origin) = origin {
                    self.warnings
                        .push(Warning::ReloadIntervalNegative { origin, value });
                }
                Duration::ZERO
            }
            Ok(secs) if secs > 0 && secs < min => {
                if let Some(origin) = origin {
                    self.warnings
                        .push(Warning::ReloadIntervalRaised { origin, value });
                }
                Duration::from_secs(min)
            }
            Ok(secs) => Duration::from_secs(secs),
        }
    }
}

/// The error for a bad value of `key`.
fn invalid(entry: &Entry, key: &'static str, reason: String) -> ConfigError {
    let value = if matches!(key, "server" | "proxy") {
        split(&entry.value)
            .iter()
            .map(|v| mask_password(v))
            .collect::<Vec<_>>()
            .join(",")
    } else {
        entry.value.clone()
    };
    ConfigError::Invalid {
        origin: entry.origin.clone(),
        key,
        value,
        reason,
    }
}

/// A URL with its password replaced by `***`, for messages (also when it does not parse).
fn mask_password(text: &str) -> String {
    let Some(start) = text.find("://").map(|i| i + 3) else {
        return text.to_owned();
    };
    let rest = &text[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority
        .rfind('@')
        .and_then(|at| Some((authority[..at].find(':')?, at)))
    {
        Some((colon, at)) => format!("{}{}:***{}", &text[..start], &rest[..colon], &rest[at..]),
        None => text.to_owned(),
    }
}

/// A strict boolean: `1`, `yes`, `true`, `on` are true; `0`, `no`, `false`, `off` and the empty
/// value are false (any case). Anything else is an error, not Perl's "any other string is true".
pub(super) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Ok(true),
        "" | "0" | "no" | "false" | "off" => Ok(false),
        _ => Err("not a boolean: use yes/no, true/false, on/off or 1/0".to_owned()),
    }
}

/// A whole number of at least `min`.
fn parse_number<T: FromStr + PartialOrd + Display>(value: &str, min: T) -> Result<T, String> {
    let n: T = value
        .trim()
        .parse()
        .map_err(|_| "not a whole number in range".to_owned())?;
    if n < min {
        return Err(format!("must be at least {min}"));
    }
    Ok(n)
}

/// A comma-separated list: items trimmed, empty items dropped.
fn split(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn logger(name: &str) -> Result<Logger, String> {
    match name.to_ascii_lowercase().as_str() {
        "stderr" => Ok(Logger::Stderr),
        "file" => Ok(Logger::File),
        "syslog" => Ok(Logger::Syslog),
        _ => Err(format!(
            "unknown logger {name:?} (use stderr, file or syslog)"
        )),
    }
}

/// A syslog facility, as `LOG_<NAME>`; empty is unset.
fn facility(value: &str) -> Result<Option<String>, String> {
    let upper = value.trim().to_ascii_uppercase();
    let name = upper.strip_prefix("LOG_").unwrap_or(&upper);
    if name.is_empty() && upper.is_empty() {
        Ok(None)
    } else if FACILITIES.contains(&name) {
        Ok(Some(format!("LOG_{name}")))
    } else {
        Err("not a syslog facility (LOG_USER, LOG_DAEMON, LOG_LOCAL0…)".to_owned())
    }
}

/// 0 to 3; empty is unset.
fn debug_level(value: &str) -> Result<Option<u8>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    match parse_number::<u8>(value, 0) {
        Ok(n) if n <= defaults::DEBUG_MAX => Ok(Some(n)),
        _ => Err(format!("not a debug level (0 to {})", defaults::DEBUG_MAX)),
    }
}
