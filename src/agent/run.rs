//! One run of the agent over its targets (the half-managed mode: started by cron or a timer,
//! it contacts each server once, runs what the server asks, sends the results and ends).
//!
//! For a server target: results left in its spool by an earlier run go first, in order; then
//! PROLOG (with `GLPI-Agent-ID`; a GLPI server answers in JSON and is then spoken to in its own
//! protocol: CONTACT on later runs, the inventory as JSON, partial when sections did not
//! change, and the XML PROLOG only when the glpiinventory plugin serves network tasks); then
//! the local inventory when the server asks for it (`RESPONSE` = `SEND`) or when forced; then
//! every NETDISCOVERY and SNMPQUERY job, each message written to the spool before it is sent
//! and removed once the server has it. WAKEONLAN jobs wake their machines and send nothing
//! back. When the server stops answering, the jobs still run to their end and the remaining
//! messages stay in the spool for the next run (one error reports the failure). For a local
//! target: the inventory is written as `<deviceid>.ocs` (`.json`, `.html`) in the directory,
//! or to standard output for `-`.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use reqwest::Url;

use super::jobs::{Sender, Tally, netdiscovery_job, netinventory_job};
use super::protocol::{
    ContactAnswer, ContactRequest, ContactStatus, Reply, ServerAnswer, parse_contact_answer,
    parse_reply, parse_server_answer, prolog_request,
};
use super::schedule::{self, Plan};
use crate::inventory::{self, state};
use crate::mib::MibDb;
use crate::model::local::LocalInventory;
use crate::report::inventory as inv_report;
use crate::transport::spool::{Limits, Spool, SpoolError};
use crate::transport::{BodyFormat, Client, PostOptions, TransportConfig, TransportError};
use crate::wakeonlan::WakeConfig;

/// Tasks the agent knows.
pub const TASKS: [&str; 4] = ["inventory", "netdiscovery", "netinventory", "wakeonlan"];

/// What one run does.
#[derive(Clone)]
pub struct RunConfig {
    /// Server targets (canonical URLs).
    pub servers: Vec<Url>,
    /// Local targets: directories, files, or `-` for standard output.
    pub locals: Vec<String>,
    /// State directory (deviceid, spools).
    pub vardir: PathBuf,
    /// HTTP settings.
    pub transport: TransportConfig,
    /// Local inventory settings.
    pub inventory: inventory::Options,
    /// `--tag`.
    pub tag: Option<String>,
    /// `--additional-content`: an XML file merged into every local inventory.
    pub additional_content: Option<PathBuf>,
    /// Write local targets as JSON.
    pub json: bool,
    /// Write local targets as HTML.
    pub html: bool,
    /// Run the inventory even when the server does not ask for it.
    pub force: bool,
    /// The tasks allowed to run (`--tasks` minus `--no-task`).
    pub tasks: Vec<String>,
    /// Identification data for the network tasks; `None`: the bundled data, loaded when a
    /// network job needs it and dropped after it (an idle daemon does not hold it).
    pub db: Option<Arc<MibDb>>,
    /// Limits of each server's spool.
    pub spool: Limits,
    /// `--lazy`: skip a target whose planned run date is still to come.
    pub lazy: bool,
    /// The packet rate and addresses in flight shared by every network job of the process
    /// (`None`: each job on its own, unpaced).
    pub network: Option<crate::discovery::SharedLimits>,
    /// How WAKEONLAN jobs send (methods, UDP destination).
    pub wakeonlan: WakeConfig,
}

/// Why a run did not go entirely well.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The server could not be reached or refused a message; what was not sent is spooled.
    #[error("{source}")]
    Server {
        /// The server.
        server: String,
        /// Why.
        source: TransportError,
    },
    /// The server's PROLOG reply could not be read.
    #[error("{server}: unreadable PROLOG reply: {message}")]
    Reply {
        /// The server.
        server: String,
        /// Why.
        message: String,
    },
    /// The spool or a local target could not be written.
    #[error("{0}")]
    Spool(#[from] SpoolError),
    /// The identification data could not be loaded.
    #[error("identification data: {0}")]
    Data(String),
    /// A local target or the state directory could not be written.
    #[error("{what}: {source}")]
    Io {
        /// What was being written.
        what: String,
        /// Why.
        source: std::io::Error,
    },
}

/// What a run did, target by target.
#[derive(Debug, Default)]
pub struct RunReport {
    /// One line per thing done (for the log).
    pub done: Vec<String>,
    /// What went wrong.
    pub errors: Vec<RunError>,
    /// Network jobs run (NETDISCOVERY, SNMPQUERY).
    pub jobs: usize,
    /// Devices reported by discovery jobs.
    pub devices_found: usize,
    /// Devices reported by network inventory jobs.
    pub devices_inventoried: usize,
    /// Messages the servers acknowledged.
    pub messages_sent: usize,
}

/// Runs every target once.
pub async fn run_once(config: &RunConfig) -> RunReport {
    let mut report = RunReport::default();
    let deviceid = match device_id(config) {
        Ok(id) => id,
        Err(e) => {
            report.errors.push(e);
            return report;
        }
    };
    for local in &config.locals {
        if let Err(e) = run_local(config, &deviceid, local) {
            report.errors.push(e);
        } else {
            report.done.push(format!("inventory written to {local}"));
        }
    }
    if config.servers.is_empty() {
        return report;
    }
    let agentid = match agent_id(config) {
        Ok(id) => id,
        Err(e) => {
            report.errors.push(e);
            return report;
        }
    };
    for server in &config.servers {
        let name = crate::transport::url::redacted(server);
        let dir = target_dir(config, server);
        // A target never contacted is due at once; a stored plan is kept as it is.
        let stored = schedule::load(&dir).unwrap_or_else(|e| {
            tracing::warn!(target = %name, "cannot read the plan: {e}");
            None
        });
        let mut plan = stored.unwrap_or_else(|| Plan::due_now(schedule::now()));
        if config.lazy && !plan.is_due(schedule::now()) {
            report.done.push(format!(
                "{name} is not ready yet, next server contact planned for {}",
                schedule::display_date(plan.next_run)
            ));
            continue;
        }
        let contact = run_server(config, &deviceid, &agentid, server, &mut report).await;
        plan.after_run(schedule::now(), contact.max_delay, &mut schedule::random);
        if let Some(delay) = contact.come_back_after {
            plan.come_back_after(schedule::now(), delay);
        }
        if let Err(source) = schedule::save(&dir, &plan) {
            report.errors.push(RunError::Io {
                what: format!("plan of {name}"),
                source,
            });
        }
    }
    report
}

/// What a server contact told about the schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// The server answered the PROLOG or CONTACT usably.
    pub answered: bool,
    /// Its PROLOG_FREQ or CONTACT expiration, in seconds.
    pub max_delay: Option<u64>,
    /// A GLPI `pending` answer: ask again after this many seconds.
    pub come_back_after: Option<u64>,
}

/// The DEVICEID (created on first use from the host name and the date).
pub fn device_id(config: &RunConfig) -> Result<String, RunError> {
    let hostname = std::fs::read_to_string(config.inventory.root.join("proc/sys/kernel/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    state::device_id(&config.vardir, &hostname, std::time::SystemTime::now()).map_err(|source| {
        RunError::Io {
            what: format!("deviceid in {}", config.vardir.display()),
            source,
        }
    })
}

/// The agent id sent as `GLPI-Agent-ID` (created on first use).
pub fn agent_id(config: &RunConfig) -> Result<String, RunError> {
    state::agent_id(&config.vardir).map_err(|source| RunError::Io {
        what: format!("agentid in {}", config.vardir.display()),
        source,
    })
}

impl RunConfig {
    /// The identification data for a network job.
    pub fn mib_db(&self) -> Result<Arc<MibDb>, RunError> {
        match &self.db {
            Some(db) => Ok(Arc::clone(db)),
            None => MibDb::load(None)
                .map(Arc::new)
                .map_err(|e| RunError::Data(e.to_string())),
        }
    }
}

fn wants(config: &RunConfig, task: &str) -> bool {
    config.tasks.iter().any(|t| t == task)
}

fn collect_inventory(config: &RunConfig, deviceid: &str) -> LocalInventory {
    let mut inv = inventory::collect(&config.inventory);
    inv.deviceid = deviceid.to_owned();
    inv.tag.clone_from(&config.tag);
    if let Some(file) = &config.additional_content
        && let Err(e) = inventory::additional::merge_file(&mut inv, file)
    {
        tracing::warn!("additional content not merged: {e}");
    }
    inv
}

pub(super) fn run_local(config: &RunConfig, deviceid: &str, local: &str) -> Result<(), RunError> {
    if !wants(config, "inventory") {
        return Ok(());
    }
    let inv = collect_inventory(config, deviceid);
    let (text, ext) = if config.json {
        (
            serde_json::to_string_pretty(&inv_report::json(&inv)).unwrap_or_default() + "\n",
            "json",
        )
    } else if config.html {
        (inv_report::html(&inv), "html")
    } else {
        (inv_report::xml(&inv), "ocs")
    };
    let io = |what: String| move |source| RunError::Io { what, source };
    if local == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())
            .map_err(io("standard output".to_owned()))?;
        return Ok(());
    }
    let path = PathBuf::from(local);
    let file = if path.is_dir() {
        path.join(format!("{deviceid}.{ext}"))
    } else {
        path
    };
    state::write_atomically(&file, text.as_bytes()).map_err(io(file.display().to_string()))
}

/// The spool directory of a server.
fn spool_dir(config: &RunConfig, server: &Url) -> PathBuf {
    target_dir(config, server).join("spool")
}

/// The state directory of a server target: `<vardir>/targets/<its URL with / and : made safe>`.
#[must_use]
pub fn target_dir(config: &RunConfig, server: &Url) -> PathBuf {
    target_dir_in(&config.vardir, server)
}

/// [`target_dir`] from the state directory alone.
#[must_use]
pub fn target_dir_in(vardir: &std::path::Path, server: &Url) -> PathBuf {
    let key: String = server
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    vardir.join("targets").join(key)
}

pub(super) async fn run_server(
    config: &RunConfig,
    deviceid: &str,
    agentid: &str,
    server: &Url,
    report: &mut RunReport,
) -> Contact {
    let tally = Tally::default();
    let contact = contact_server(config, deviceid, agentid, server, report, &tally).await;
    report.messages_sent += tally.sent.into_inner();
    report.devices_found += tally.found.into_inner();
    report.devices_inventoried += tally.inventoried.into_inner();
    contact
}

async fn contact_server(
    config: &RunConfig,
    deviceid: &str,
    agentid: &str,
    server: &Url,
    report: &mut RunReport,
    tally: &Tally,
) -> Contact {
    let contact_out = Contact::default();
    let name = crate::transport::url::redacted(server);
    let client = match Client::new(config.transport.clone()) {
        Ok(c) => c,
        Err(source) => {
            report.errors.push(RunError::Server {
                server: name,
                source,
            });
            return contact_out;
        }
    };
    let spool = match Spool::open(spool_dir(config, server), config.spool) {
        Ok(s) => s,
        Err(e) => {
            report.errors.push(e.into());
            return contact_out;
        }
    };
    let mut sender = Sender {
        client: &client,
        server,
        agentid,
        spool,
        down: false,
        failure: None,
        sent: 0,
        tally,
    };
    // What an earlier run could not deliver goes first.
    if let Err(e) = sender.flush().await {
        report.errors.push(e);
        return contact_out;
    }
    if sender.sent > 0 {
        report
            .done
            .push(format!("{name}: {} kept result(s) delivered", sender.sent));
    }
    let contact = converse(config, deviceid, server, report, &client, &mut sender).await;
    // A failure while results were sent: once, after what the run did.
    if let Some(e) = sender.failure.take() {
        report.errors.push(e);
    }
    contact
}

/// The PROLOG (or CONTACT) and what the server asks for, once kept results are delivered.
async fn converse(
    config: &RunConfig,
    deviceid: &str,
    server: &Url,
    report: &mut RunReport,
    client: &Client,
    sender: &mut Sender<'_>,
) -> Contact {
    let mut contact_out = Contact::default();
    let name = crate::transport::url::redacted(server);
    let agentid = sender.agentid;
    let target_dir = target_dir(config, server);
    let glpi_marker = target_dir.join("glpi-native");
    let headers = [("GLPI-Agent-ID", agentid)];
    let mut contact: Option<ContactAnswer> = None;
    let mut reply: Option<Reply> = None;
    // A server known to speak the GLPI-native protocol gets CONTACT; any other gets the PROLOG
    // (with GLPI-Agent-ID: GLPI answers it in JSON, a FusionInventory server in XML).
    if glpi_marker.exists() {
        let request = ContactRequest {
            deviceid: deviceid.to_owned(),
            name: "sonde".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            installed_tasks: TASKS.iter().map(|t| (*t).to_owned()).collect(),
            enabled_tasks: config.tasks.clone(),
            httpd_port: None,
            httpd_plugins: std::collections::BTreeMap::new(),
            tag: config.tag.clone(),
        }
        .to_json();
        let options = PostOptions {
            format: BodyFormat::Json,
            compression: None,
            headers: &headers,
        };
        match client.post_with(server, request.as_bytes(), &options).await {
            Ok(r) => match parse_contact_answer(r.body.as_bytes()) {
                Ok(answer) if answer.is_valid() => contact = Some(answer),
                _ => {
                    tracing::warn!(server = %name, "no usable CONTACT answer: back to the PROLOG");
                    let _ = std::fs::remove_file(&glpi_marker);
                }
            },
            Err(source) => {
                report.errors.push(RunError::Server {
                    server: name,
                    source,
                });
                return contact_out;
            }
        }
    }
    if contact.is_none() {
        let prolog = prolog_request(deviceid, None);
        let options = PostOptions {
            format: BodyFormat::Xml,
            compression: None,
            headers: &headers,
        };
        let answer = match client.post_with(server, prolog.as_bytes(), &options).await {
            Ok(r) => r,
            Err(source) => {
                report.errors.push(RunError::Server {
                    server: name,
                    source,
                });
                return contact_out;
            }
        };
        match parse_server_answer(answer.body.as_bytes()) {
            Ok(ServerAnswer::Legacy(r)) => {
                contact_out.answered = true;
                contact_out.max_delay = r.prolog_freq.map(|h| u64::from(h) * 3600);
                reply = Some(r);
            }
            Ok(ServerAnswer::Glpi(answer)) => {
                if let Err(source) = state::write_atomically(&glpi_marker, b"1\n") {
                    report.errors.push(RunError::Io {
                        what: glpi_marker.display().to_string(),
                        source,
                    });
                }
                contact = Some(answer);
            }
            Err(e) => {
                report.errors.push(RunError::Reply {
                    server: name,
                    message: e.to_string(),
                });
                return contact_out;
            }
        }
    }
    if let Some(answer) = &contact {
        contact_out.answered = true;
        contact_out.max_delay = answer.expiration().map(|d| d.as_secs());
        match answer.status {
            ContactStatus::Ok => {}
            ContactStatus::Pending => {
                contact_out.come_back_after = contact_out.max_delay;
                report
                    .done
                    .push(format!("{name}: the server says to come back later"));
                return contact_out;
            }
            ContactStatus::Error | ContactStatus::Other(_) => {
                report.errors.push(RunError::Reply {
                    server: name,
                    message: answer
                        .message
                        .clone()
                        .unwrap_or_else(|| "the server answered with an error".to_owned()),
                });
                return contact_out;
            }
        }
        let planned = answer.plan(&config.tasks, config.force);
        if planned.iter().any(|t| t == "inventory") {
            // GLPI-native: the JSON inventory, partial when sections did not change (one
            // full inventory every 15 runs, as the GLPI agent does).
            let mut inv = collect_inventory(config, deviceid);
            if let Err(source) = state::apply_partial(&mut inv, &target_dir, 14, config.force) {
                report.errors.push(RunError::Io {
                    what: target_dir.display().to_string(),
                    source,
                });
            }
            let body = serde_json::to_vec(&inv_report::json(&inv)).unwrap_or_default();
            match sender.send("inventory", BodyFormat::Json, &body).await {
                Ok(()) if sender.down => report
                    .done
                    .push(format!("{name}: inventory kept in the spool (JSON)")),
                Ok(()) => report.done.push(format!("{name}: inventory sent (JSON)")),
                Err(e) => report.errors.push(e),
            }
        }
        let network = planned
            .iter()
            .any(|t| t == "netdiscovery" || t == "netinventory" || t == "wakeonlan");
        if network && answer.needs_prolog(&planned) {
            // Network jobs still come in the XML PROLOG reply of the glpiinventory plugin.
            let prolog = prolog_request(deviceid, None);
            match client
                .post(server, prolog.as_bytes(), BodyFormat::Xml)
                .await
            {
                Ok(r) => match parse_reply(r.body.as_bytes()) {
                    Ok(r) => reply = Some(r),
                    Err(e) => tracing::warn!(server = %name, "no network jobs: {e}"),
                },
                Err(source) => {
                    report.errors.push(RunError::Server {
                        server: name,
                        source,
                    });
                    return contact_out;
                }
            }
        }
    }
    let Some(reply) = reply else {
        return contact_out;
    };
    if contact_out.max_delay.is_none() {
        contact_out.max_delay = reply.prolog_freq.map(|h| u64::from(h) * 3600);
    }
    for e in &reply.errors {
        tracing::warn!(server = %name, "the server says: {e}");
    }
    for option in reply.unsupported_options() {
        tracing::warn!(server = %name, "task {option} is not supported by sonde; skipped");
    }
    let wake_jobs = reply.wakeonlan_jobs();
    if !wake_jobs.is_empty() && wants(config, "wakeonlan") {
        let done = super::wakeonlan::run_jobs(&name, &wake_jobs, &config.wakeonlan);
        report.done.extend(done);
    }
    if contact.is_none()
        && wants(config, "inventory")
        && (reply.inventory_requested() || config.force)
    {
        let inv = collect_inventory(config, deviceid);
        let body = inv_report::xml(&inv);
        match sender
            .send("inventory", BodyFormat::Xml, body.as_bytes())
            .await
        {
            Ok(()) if sender.down => report
                .done
                .push(format!("{name}: inventory kept in the spool")),
            Ok(()) => report.done.push(format!("{name}: inventory sent")),
            Err(e) => report.errors.push(e),
        }
    }
    if wants(config, "netdiscovery") {
        for job in reply.netdiscovery_jobs() {
            report.jobs += 1;
            if let Err(e) = netdiscovery_job(config, deviceid, job, sender).await {
                report.errors.push(e);
            } else {
                report.done.push(format!(
                    "{name}: NETDISCOVERY job {} done",
                    job.pid.as_deref().unwrap_or("?")
                ));
            }
        }
    }
    if wants(config, "netinventory") {
        for job in reply.netinventory_jobs() {
            report.jobs += 1;
            if let Err(e) = netinventory_job(config, deviceid, job, sender).await {
                report.errors.push(e);
            } else {
                report.done.push(format!(
                    "{name}: SNMPQUERY job {} done",
                    job.pid.as_deref().unwrap_or("?")
                ));
            }
        }
    }
    contact_out
}
