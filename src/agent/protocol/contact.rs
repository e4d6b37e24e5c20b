//! The GLPI-native CONTACT exchange (glpi-agent, GLPI 10+): the JSON request, the server's
//! answer, and the rules the agent applies to it: expiration units, disabled tasks, which tasks
//! still need an XML PROLOG (protocol.md §7.1, §7.3).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

/// The tasks that are never dropped by a server's `disabled` list.
const NEVER_DISABLED: &str = "remoteinventory";

/// What the agent tells the server in a CONTACT request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactRequest {
    /// The agent's deviceid.
    pub deviceid: String,
    /// Agent name (glpi-agent sends `GLPI-Agent`).
    pub name: String,
    /// Agent version.
    pub version: String,
    /// Every task the agent has (sent lowercase, sorted).
    pub installed_tasks: Vec<String>,
    /// The tasks planned for this run (sent lowercase, sorted).
    pub enabled_tasks: Vec<String>,
    /// Port of the embedded HTTP server, when it runs.
    pub httpd_port: Option<u16>,
    /// Embedded server plugins: lowercase name → `"disabled"` or its configuration. Sent (as
    /// `{}` when empty) only with `httpd_port`.
    pub httpd_plugins: BTreeMap<String, Value>,
    /// The configured tag, when not empty.
    pub tag: Option<String>,
}

/// The JSON object, fields in name order (glpi-agent's output is sorted too).
#[derive(Serialize)]
struct Wire<'a> {
    action: &'static str,
    deviceid: &'a str,
    #[serde(rename = "enabled-tasks")]
    enabled_tasks: Vec<String>,
    #[serde(rename = "httpd-plugins", skip_serializing_if = "Option::is_none")]
    httpd_plugins: Option<&'a BTreeMap<String, Value>>,
    #[serde(rename = "httpd-port", skip_serializing_if = "Option::is_none")]
    httpd_port: Option<String>,
    #[serde(rename = "installed-tasks")]
    installed_tasks: Vec<String>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
    version: &'a str,
}

fn task_list(tasks: &[String]) -> Vec<String> {
    let mut list: Vec<String> = tasks.iter().map(|t| t.to_ascii_lowercase()).collect();
    list.sort();
    list.dedup();
    list
}

impl ContactRequest {
    /// The request body, formatted like glpi-agent's (`JSON->indent->space_after`: three-space
    /// indent, `"key": value`, final newline). `httpd-port` is a string, as glpi-agent sends it.
    #[must_use]
    pub fn to_json(&self) -> String {
        let wire = Wire {
            action: "contact",
            deviceid: &self.deviceid,
            enabled_tasks: task_list(&self.enabled_tasks),
            httpd_plugins: self.httpd_port.map(|_| &self.httpd_plugins),
            httpd_port: self.httpd_port.map(|p| p.to_string()),
            installed_tasks: task_list(&self.installed_tasks),
            name: &self.name,
            tag: self.tag.as_deref().filter(|t| !t.is_empty()),
            version: &self.version,
        };
        let mut out = Vec::with_capacity(512);
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"   ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        // Serialising strings, lists and JSON values into memory cannot fail.
        if wire.serialize(&mut serializer).is_err() {
            return String::new();
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        text.push('\n');
        text
    }
}

/// Why a body is not a CONTACT answer.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ContactError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not an object.
    #[error("not a JSON object")]
    NotObject,
}

/// `status` of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactStatus {
    /// `ok`: run the tasks.
    Ok,
    /// `pending`: ask again after `expiration`.
    Pending,
    /// `error`: log `message`, run nothing.
    Error,
    /// Anything else, empty when absent.
    Other(String),
}

/// What the server says about one task (`tasks.<name>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskSupport {
    /// `server`: `glpi` (GLPI core) or `glpiinventory` (the plugin, reached through PROLOG).
    pub server: Option<String>,
    /// `version` of the serving component.
    pub version: Option<String>,
    /// `no-category` (inventory): categories to leave out, replacing the local setting.
    pub no_category: Vec<String>,
    /// `params` (inventory): requests for `get_params`, kept as JSON.
    pub params: Vec<Value>,
}

/// A parsed CONTACT answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactAnswer {
    /// `status`.
    pub status: ContactStatus,
    /// `expiration` as sent (number or string), when present.
    pub expiration_raw: Option<String>,
    /// `message`.
    pub message: Option<String>,
    /// `disabled`: task names (lowercase), from a string or a list.
    pub disabled: Vec<String>,
    /// `tasks`, by lowercase task name.
    pub tasks: BTreeMap<String, TaskSupport>,
}

/// Parses `expiration`: digits with an optional unit `s`, `m`, `h` or `d`; no unit means hours.
/// Anything else, and values that overflow, give `None`.
#[must_use]
pub fn parse_expiration(text: &str) -> Option<Duration> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c @ ('s' | 'm' | 'h' | 'd'))) => (&text[..i], c),
        _ => (text, 'h'),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        _ => 86_400,
    };
    n.checked_mul(factor).map(Duration::from_secs)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ContactAnswer {
    /// The expiration as a duration; `None` when absent, malformed or 0.
    #[must_use]
    pub fn expiration(&self) -> Option<Duration> {
        self.expiration_raw
            .as_deref()
            .and_then(parse_expiration)
            .filter(|d| !d.is_zero())
    }

    /// glpi-agent's validity rule: a non-empty status and an expiration above 0.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.status != ContactStatus::Other(String::new()) && self.expiration().is_some()
    }

    /// Who serves `task` (`glpi` unless the answer says otherwise).
    #[must_use]
    pub fn task_server(&self, task: &str) -> &str {
        self.tasks
            .get(&task.to_ascii_lowercase())
            .and_then(|t| t.server.as_deref())
            .unwrap_or("glpi")
    }

    /// The planned tasks that remain once the server's `disabled` list is applied:
    /// `remoteinventory` is never dropped, nor `inventory` when `force` is set.
    #[must_use]
    pub fn plan(&self, planned: &[String], force: bool) -> Vec<String> {
        planned
            .iter()
            .filter(|task| {
                let lower = task.to_ascii_lowercase();
                lower == NEVER_DISABLED
                    || (force && lower == "inventory")
                    || !self.disabled.contains(&lower)
            })
            .cloned()
            .collect()
    }

    /// Whether the agent must also send an XML PROLOG this run: when none of the planned tasks
    /// is described (with server and version), or when one is served by `glpiinventory`.
    #[must_use]
    pub fn needs_prolog(&self, planned: &[String]) -> bool {
        let described: Vec<&TaskSupport> = planned
            .iter()
            .filter_map(|t| self.tasks.get(&t.to_ascii_lowercase()))
            .filter(|s| s.server.is_some() && s.version.is_some())
            .collect();
        described.is_empty()
            || described
                .iter()
                .any(|s| s.server.as_deref() == Some("glpiinventory"))
    }
}

/// Parses a CONTACT answer (or any `{status, expiration, …}` answer of the GLPI protocol).
pub fn parse_contact_answer(bytes: &[u8]) -> Result<ContactAnswer, ContactError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ContactError::NotJson(e.to_string()))?;
    let Value::Object(map) = value else {
        return Err(ContactError::NotObject);
    };
    let status = match map.get("status").and_then(Value::as_str).unwrap_or("") {
        "ok" => ContactStatus::Ok,
        "pending" => ContactStatus::Pending,
        "error" => ContactStatus::Error,
        other => ContactStatus::Other(other.to_owned()),
    };
    let disabled = match map.get("disabled") {
        Some(Value::String(s)) => vec![s.to_ascii_lowercase()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        _ => Vec::new(),
    };
    let mut tasks = BTreeMap::new();
    if let Some(Value::Object(entries)) = map.get("tasks") {
        for (name, entry) in entries {
            let Value::Object(entry) = entry else {
                continue;
            };
            let field = |k: &str| entry.get(k).and_then(text_of).filter(|s| !s.is_empty());
            let support = TaskSupport {
                server: field("server"),
                version: field("version"),
                no_category: field("no-category")
                    .map(|c| {
                        c.split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                params: match entry.get("params") {
                    Some(Value::Array(list)) => list.clone(),
                    _ => Vec::new(),
                },
            };
            tasks.insert(name.to_ascii_lowercase(), support);
        }
    }
    Ok(ContactAnswer {
        status,
        expiration_raw: map.get("expiration").and_then(text_of),
        message: map.get("message").and_then(text_of),
        disabled,
        tasks,
    })
}
