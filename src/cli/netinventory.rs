//! `sonde netinventory` / `fusioninventory-netinventory`: inventory network devices over SNMP or
//! from walk files.
//!
//! Options are those of FusionInventory's tool (protocol.md §6.5) plus `--format`, `--retries`
//! and `--mibs`. `run` inventories the hosts (several at once) and the walk files through the
//! same engine, and prints one SNMPQUERY message per device in the order given; a device that
//! cannot be queried gets the DEVICE/ERROR message, and the exit code is 1 when any failed.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::{ArgAction, Args};
use tokio::sync::Semaphore;

use super::args::{OutputFormat, Transport, parse_device_type};
use super::credentials::CredentialParser;
use crate::mib::MibDb;
use crate::netinventory::{InventoryOptions, WalkDevice, inventory};
use crate::report::netdiscovery::Envelope;
use crate::report::netinventory as report;
use crate::snmp::{Client, Credential, DispatcherConfig, Target, Version};

/// Options of `netinventory`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("target")
        .required(true)
        .multiple(true)
        .args(["host", "file"])
))]
pub struct NetinventoryArgs {
    /// Device to query (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "HOST",
        value_delimiter = ',',
        help_heading = "Targets"
    )]
    pub host: Vec<String>,
    /// Offline: an snmpwalk file (numeric -On or symbolic) used in place of a device (repeatable).
    #[arg(long, value_name = "WALK", help_heading = "Targets")]
    pub file: Vec<PathBuf>,

    /// SNMP port per host; the first repeats for the remaining hosts [default: 161].
    #[arg(
        long,
        value_name = "PORT",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub port: Vec<u16>,
    /// SNMP transport per host, like --port [default: udp/ipv4].
    #[arg(
        long,
        value_name = "PROTO",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub protocol: Vec<Transport>,
    /// Community (SNMP v1); takes precedence over --credentials.
    #[arg(long, value_name = "COMMUNITY", help_heading = "SNMP")]
    pub community: Option<String>,
    /// Credential spec key:value,… (version, community, username, authprotocol, authpassphrase,
    /// privprotocol, privpassphrase, context, engineid).
    #[arg(long, value_name = "SPEC", value_parser = CredentialParser, help_heading = "SNMP")]
    pub credentials: Option<Credential>,
    /// SNMP timeout in seconds [default: 15, as FusionInventory's usage says].
    #[arg(long, value_name = "SECS", help_heading = "SNMP")]
    pub timeout: Option<u64>,
    /// SNMP retries per request [default: 1].
    #[arg(long, value_name = "N", help_heading = "SNMP")]
    pub retries: Option<u32>,

    /// Force the device type instead of detecting it (COMPUTER, NETWORKING, PRINTER, STORAGE,
    /// POWER, PHONE, VIDEO, KVM).
    #[arg(
        long = "type",
        value_name = "TYPE",
        value_parser = parse_device_type,
        help_heading = "Device"
    )]
    pub device_type: Option<crate::model::DeviceType>,
    /// Device ID written into the results.
    #[arg(long, value_name = "ID", help_heading = "Device")]
    pub id: Option<u64>,
    /// Deprecated and ignored (models are chosen from the sysObjectID).
    #[arg(long, value_name = "MODEL", help_heading = "Device")]
    pub model: Option<String>,
    /// Devices queried in parallel [default: 16].
    #[arg(long, value_name = "N", help_heading = "Device")]
    pub threads: Option<usize>,
    /// Identification data to merge over the bundled mibs/ (a file or a directory).
    #[arg(long, value_name = "PATH", help_heading = "Device")]
    pub mibs: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: OutputFormat,
    /// Also print the START and END control messages.
    #[arg(long, help_heading = "Output")]
    pub control: bool,
    /// Write the results of the run to one file in DIR (`netinventory-<time>-<pid>.xml|json|txt`)
    /// instead of printing them; `sonde inject` sends such a file message by message.
    #[arg(short = 's', long, value_name = "DIR", help_heading = "Output")]
    pub save: Option<PathBuf>,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count, help_heading = "Output")]
    pub debug: u8,
}

impl NetinventoryArgs {
    /// The credential to query with: `--community` (v1), else `--credentials`, else v1 `public`.
    #[must_use]
    pub fn credential(&self) -> Credential {
        match (&self.community, &self.credentials) {
            (Some(community), _) => Credential::v1(community),
            (None, Some(credential)) => credential.clone(),
            (None, None) => Credential::v1("public"),
        }
    }
}

/// SNMP timeout when none is given.
const DEFAULT_TIMEOUT_SECS: u64 = 15;
/// Devices inventoried at once when `--threads` is not given.
const DEFAULT_PARALLEL: usize = 16;

/// One thing to inventory, in the order given.
enum Job {
    Host { name: String, addr: SocketAddr },
    File(PathBuf),
}

impl Job {
    fn label(&self) -> String {
        match self {
            Job::Host { name, .. } => name.clone(),
            Job::File(p) => p.display().to_string(),
        }
    }
}

/// Runs `netinventory`.
pub(crate) fn run(args: NetinventoryArgs) -> anyhow::Result<ExitCode> {
    if args.model.is_some() {
        tracing::warn!("--model is deprecated and ignored");
    }
    if args
        .protocol
        .iter()
        .any(|p| matches!(p, Transport::TcpIpv4 | Transport::TcpIpv6))
    {
        anyhow::bail!("--protocol tcp/…: SNMP over TCP is not supported; use udp/ipv4 or udp/ipv6");
    }
    let jobs = jobs(&args)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(inventory_all(args, jobs))
}

/// The hosts (with their port and transport, the first value repeating as in FusionInventory)
/// then the walk files.
fn jobs(args: &NetinventoryArgs) -> anyhow::Result<Vec<Job>> {
    let mut out = Vec::new();
    for (i, host) in args.host.iter().enumerate() {
        let port = args
            .port
            .get(i)
            .or_else(|| args.port.first())
            .copied()
            .unwrap_or(161);
        let v6 = matches!(
            args.protocol.get(i).or_else(|| args.protocol.first()),
            Some(Transport::UdpIpv6)
        );
        let addr = resolve(host, port, v6)?;
        out.push(Job::Host {
            name: host.clone(),
            addr,
        });
    }
    out.extend(args.file.iter().cloned().map(Job::File));
    Ok(out)
}

/// A host as written (an address, or a name resolved once, no sweep), with its port.
fn resolve(host: &str, port: u16, v6: bool) -> anyhow::Result<SocketAddr> {
    let bare = host.trim().trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let found: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve host {host:?}"))?
        .collect();
    found
        .iter()
        .find(|a| a.is_ipv6() == v6)
        .or_else(|| found.first())
        .copied()
        .ok_or_else(|| anyhow::anyhow!("host {host:?} has no address"))
}

async fn inventory_all(args: NetinventoryArgs, jobs: Vec<Job>) -> anyhow::Result<ExitCode> {
    let db =
        Arc::new(MibDb::load(args.mibs.as_deref()).context("cannot load the identification data")?);
    let credential = args.credential();
    let timeout = Duration::from_secs(args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1));
    let retries = args.retries.unwrap_or(1);
    let client = Client::new(DispatcherConfig::default());
    let slots = Arc::new(Semaphore::new(
        args.threads.unwrap_or(DEFAULT_PARALLEL).max(1),
    ));
    let first_id = args.id.unwrap_or(0);
    let envelope = Envelope::cli_netinventory();
    let ext = match args.format {
        OutputFormat::Xml => "xml",
        OutputFormat::Json => "json",
        OutputFormat::Table => "txt",
    };
    let (mut out, saved) = super::save::sink(args.save.as_deref(), "netinventory", ext)?;
    if args.control && args.format == OutputFormat::Xml {
        out.write_all(envelope.start().as_bytes())?;
    }
    // Every device starts (bounded by the slots); results are printed in the order given.
    let mut handles = Vec::with_capacity(jobs.len());
    for (n, job) in jobs.into_iter().enumerate() {
        let options = InventoryOptions {
            id: (first_id + n as u64).to_string(),
            device_type: args.device_type,
            peer: match &job {
                Job::Host { addr, .. } => match addr.ip() {
                    IpAddr::V4(v4) => Some(v4),
                    IpAddr::V6(_) => None,
                },
                Job::File(_) => None,
            },
            batch: credential.version() != Version::V1,
        };
        let db = Arc::clone(&db);
        let slots = Arc::clone(&slots);
        let session = match &job {
            Job::Host { addr, .. } => Some(
                client.session(
                    Target::new(*addr, credential.clone())
                        .with_timeout(timeout)
                        .with_retries(retries),
                ),
            ),
            Job::File(_) => None,
        };
        handles.push(tokio::spawn(async move {
            let _slot = slots.acquire_owned().await;
            let label = job.label();
            let result = match (&job, session) {
                (Job::Host { .. }, Some(session)) => inventory(&session, &db, &options).await,
                (Job::File(path), _) => match WalkDevice::open(path) {
                    Ok(device) => inventory(&device, &db, &options).await,
                    Err(e) => Err(e),
                },
                (Job::Host { .. }, None) => unreachable!("a host job always has a session"),
            };
            (label, options, result)
        }));
    }
    let mut failed = 0usize;
    let mut header = false;
    for handle in handles {
        let (label, options, result) = handle.await.context("an inventory task stopped")?;
        let element = match &result {
            Ok(inv) => report::device_element(inv),
            Err(e) => {
                failed += 1;
                tracing::error!("{label}: {e}");
                report::error_element(&options.id, &e.message(), options.device_type)
            }
        };
        match args.format {
            OutputFormat::Xml => out.write_all(envelope.result(element).as_bytes())?,
            OutputFormat::Json => writeln!(out, "{}", report::json_line(&element))?,
            OutputFormat::Table => {
                if !header {
                    writeln!(out, "{}", report::TABLE_HEADER)?;
                    header = true;
                }
                match &result {
                    Ok(inv) => writeln!(out, "{}", report::table_row(&label, inv))?,
                    Err(e) => writeln!(out, "{label:<16} error: {}", e.message())?,
                }
            }
        }
        out.flush()?;
    }
    if args.control && args.format == OutputFormat::Xml {
        out.write_all(envelope.end().as_bytes())?;
    }
    out.flush()?;
    if let Some(saved) = saved {
        saved.commit()?;
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
