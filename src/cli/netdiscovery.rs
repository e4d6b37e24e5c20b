//! `sonde netdiscovery` / `fusioninventory-netdiscovery`: find the devices of IP ranges.
//!
//! Options are those of FusionInventory's tool (protocol.md §6.4) plus sonde's own (`--range`,
//! `--exclude`, `--rate`, `--retries`, `--probes`, `--format`, `--quiet`, `--mibs`). `run` builds
//! the sweep from them and prints each device as the engine finds it.

use std::io::{IsTerminal as _, Write as _};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{ArgAction, Args};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

use super::args::{Cidr, OutputFormat, Probe, Transport};
use super::credentials::CredentialParser;
use crate::discovery::engine::DEFAULT_IN_FLIGHT;
use crate::discovery::{self, Block, Built, ProbeSet, Progress, SweepConfig, Targets};
use crate::mib::{IdentifyOptions, MibDb, identify_with};
use crate::model::{Host, NetInventory, Outcome};
use crate::netinventory::{InventoryError, InventoryOptions, WalkDevice, inventory};
use crate::report::netdiscovery::{self, Envelope};
use crate::report::netinventory;
use crate::snmp::{Client, Credential, Mib, Target, Version};

/// SNMP timeout when none is given (FusionInventory's tool documents 1 s but applies 60 s).
const DEFAULT_TIMEOUT_SECS: u64 = 1;

/// Options of `netdiscovery`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("target")
        .required(true)
        .multiple(true)
        .args(["first", "range", "file"])
))]
pub struct NetdiscoveryArgs {
    /// First address of a range (inclusive); pairs with the --last of the same position.
    #[arg(long, value_name = "ADDR", requires = "last", help_heading = "Targets")]
    pub first: Vec<IpAddr>,
    /// Last address of a range (inclusive).
    #[arg(
        long,
        value_name = "ADDR",
        requires = "first",
        help_heading = "Targets"
    )]
    pub last: Vec<IpAddr>,
    /// A block to scan, e.g. 10.0.0.0/24 (repeatable).
    #[arg(long, value_name = "CIDR", help_heading = "Targets")]
    pub range: Vec<Cidr>,
    /// Addresses or blocks to skip (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "CIDR",
        value_delimiter = ',',
        help_heading = "Targets"
    )]
    pub exclude: Vec<Cidr>,
    /// Offline: identify the device of an snmpwalk file instead of scanning (repeatable).
    #[arg(long, value_name = "WALK", help_heading = "Targets")]
    pub file: Vec<PathBuf>,

    /// SNMP ports [default: 161] (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "PORT",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub port: Vec<u16>,
    /// SNMP transports [default: udp/ipv4] (repeatable, comma-separated).
    #[arg(
        long,
        value_name = "PROTO",
        value_delimiter = ',',
        help_heading = "SNMP"
    )]
    pub protocol: Vec<Transport>,
    /// Community; each one is an SNMP v1 credential (repeatable) [default: public].
    #[arg(long, value_name = "COMMUNITY", help_heading = "SNMP")]
    pub community: Vec<String>,
    /// Credential spec key:value,… (version, community, username, authprotocol, authpassphrase,
    /// privprotocol, privpassphrase, context, engineid); used when no --community is given
    /// (repeatable).
    #[arg(long, value_name = "SPEC", value_parser = CredentialParser, help_heading = "SNMP")]
    pub credentials: Vec<Credential>,
    /// SNMP timeout in seconds [default: 1].
    #[arg(long, value_name = "SECS", help_heading = "SNMP")]
    pub timeout: Option<u64>,
    /// SNMP retries per request [default: 0].
    #[arg(long, value_name = "N", help_heading = "SNMP")]
    pub retries: Option<u32>,

    /// Probes to run on each address: icmp, netbios, snmp, dns, arp (comma-separated) [default:
    /// all].
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        help_heading = "Scan"
    )]
    pub probes: Vec<Probe>,
    /// Most addresses probed at once [default: 4096].
    #[arg(long, value_name = "N", help_heading = "Scan")]
    pub threads: Option<usize>,
    /// Packets per second, all probes together.
    #[arg(long, value_name = "PPS", help_heading = "Scan")]
    pub rate: Option<u32>,
    /// Entity of the discovered devices (accepted and ignored, as in FusionInventory).
    #[arg(long, value_name = "ENTITY", help_heading = "Scan")]
    pub entity: Option<String>,
    /// Run netinventory on every discovered device that has a type and an SNMP credential, as
    /// soon as it is identified (its SNMPQUERY message follows its NETDISCOVERY message).
    #[arg(short = 'i', long, help_heading = "Scan")]
    pub inventory: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t, help_heading = "Output")]
    pub format: OutputFormat,
    /// Also print the START, NBIP and END control messages.
    #[arg(long, help_heading = "Output")]
    pub control: bool,
    /// Write the results of the run to one file in DIR (`netdiscovery-<time>-<pid>.xml|json|txt`)
    /// instead of printing them.
    #[arg(short = 's', long, value_name = "DIR", help_heading = "Output")]
    pub save: Option<PathBuf>,
    /// Only print errors on stderr.
    #[arg(long, conflicts_with = "debug", help_heading = "Output")]
    pub quiet: bool,
    /// Identification data to merge over the bundled mibs/ (a file or a directory).
    #[arg(long, value_name = "PATH", help_heading = "Scan")]
    pub mibs: Option<PathBuf>,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count, help_heading = "Output")]
    pub debug: u8,
}

/// Runs `netdiscovery`.
pub(crate) fn run(args: NetdiscoveryArgs) -> anyhow::Result<ExitCode> {
    crate::agent::memory::tune_for_sweep();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let db = Arc::new(
            MibDb::load(args.mibs.as_deref()).context("cannot load the identification data")?,
        );
        let mut out = Output::new(&args)?;
        if !args.file.is_empty() {
            return from_files(&args, &db, &mut out).await;
        }
        sweep(args, db, out).await
    })
}

/// `--file`: identification of walk files, through the same code as live devices.
async fn from_files(
    args: &NetdiscoveryArgs,
    db: &MibDb,
    out: &mut Output,
) -> anyhow::Result<ExitCode> {
    // The GLPI agent reports walk files under a placeholder address; --first names one.
    let ip: IpAddr = args
        .first
        .first()
        .copied()
        .unwrap_or(IpAddr::from([1, 1, 1, 1]));
    for path in &args.file {
        let walk =
            crate::walk::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        for e in walk.errors.iter().take(5) {
            tracing::warn!(file = %path.display(), "{e}");
        }
        let device = WalkDevice::new(Mib::new(walk.varbinds), path.clone());
        let mut host = Host::new(ip);
        host.entity.clone_from(&args.entity);
        let opts = IdentifyOptions {
            peer: match ip {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            },
            batch: true,
        };
        let info = identify_with(&device, db, opts)
            .await
            .with_context(|| format!("cannot identify {}", path.display()))?;
        let device_type = info.device_type;
        host.outcome = Outcome::Snmp {
            credential: 0,
            port: 161,
        };
        host.auth_id = Some("1".to_owned());
        host.snmp = Some(info);
        out.host(&host)?;
        if args.inventory && device_type.is_some() {
            let options = InventoryOptions {
                device_type,
                peer: opts.peer,
                ..InventoryOptions::default()
            };
            let result = inventory(&device, db, &options).await;
            out.inventory(&path.display().to_string(), &result)?;
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

async fn sweep(
    args: NetdiscoveryArgs,
    db: Arc<MibDb>,
    mut out: Output,
) -> anyhow::Result<ExitCode> {
    let targets = targets(&args)?;
    let credentials = super::credentials::resolve(&args.community, &args.credentials);
    if args
        .protocol
        .iter()
        .any(|p| matches!(p, Transport::TcpIpv4 | Transport::TcpIpv6))
    {
        anyhow::bail!("--protocol tcp/…: SNMP over TCP is not supported; use udp/ipv4 or udp/ipv6");
    }
    let ports = if args.port.is_empty() {
        vec![161]
    } else {
        args.port.clone()
    };
    let timeout = Duration::from_secs(args.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1));
    let retries = args.retries.unwrap_or(0);
    let config = SweepConfig {
        ports,
        timeout,
        retries,
        probes: probe_set(&args.probes),
        rate: args.rate,
        in_flight: args.threads.unwrap_or(DEFAULT_IN_FLIGHT),
        entity: args.entity.clone(),
        ..SweepConfig::new(targets, credentials.clone(), Arc::clone(&db))
    };
    let Built {
        sweep,
        client,
        progress,
    } = discovery::build(config);
    let chain = args.inventory.then(|| Chain {
        client,
        credentials,
        db: Arc::clone(&db),
        timeout,
        retries: retries.max(1),
        slots: Arc::new(Semaphore::new(INVENTORY_SLOTS)),
    });
    let total = sweep.targets.len();
    if args.control {
        out.control(&Envelope::cli().start())?;
        out.control(&Envelope::cli().nbip(total))?;
    }
    let (tx, mut rx) = mpsc::channel(256);
    let engine = tokio::spawn(sweep.run(tx));
    let ticker = (!args.quiet && std::io::stderr().is_terminal())
        .then(|| tokio::spawn(progress_line(Arc::clone(&progress))));
    let mut inventories = JoinSet::new();
    loop {
        tokio::select! {
            Some(host) = rx.recv() => {
                if !host.is_reportable() {
                    continue;
                }
                out.host(&host)?;
                if let Some(chain) = &chain {
                    chain.start(&host, &mut inventories).await;
                }
            }
            Some(done) = inventories.join_next(), if !inventories.is_empty() => {
                let (label, result) = done.context("an inventory task stopped")?;
                out.inventory(&label, &result)?;
            }
            else => break,
        }
    }
    let summary = engine.await.context("the sweep stopped unexpectedly")?;
    if let Some(t) = ticker {
        t.abort();
        eprint!("\r\x1b[K");
    }
    if args.control {
        out.control(&Envelope::cli().end())?;
    }
    out.finish()?;
    tracing::info!(
        addresses = summary.addresses,
        found = summary.found,
        snmp = summary.snmp,
        elapsed_ms = summary.elapsed_ms,
        "discovery done"
    );
    Ok(ExitCode::SUCCESS)
}

/// Inventories running at once with `--inventory`.
const INVENTORY_SLOTS: usize = 16;

/// `--inventory`: the network inventory of every SNMP device with a type, as soon as discovery
/// has identified it, through the credential and port that answered.
struct Chain {
    client: Client,
    credentials: Vec<Credential>,
    db: Arc<MibDb>,
    timeout: Duration,
    retries: u32,
    slots: Arc<Semaphore>,
}

impl Chain {
    /// Starts the inventory of `host` when it qualifies (waits for a free slot, so at most
    /// [`INVENTORY_SLOTS`] run at once).
    async fn start(
        &self,
        host: &Host,
        tasks: &mut JoinSet<(String, Result<NetInventory, InventoryError>)>,
    ) {
        let Outcome::Snmp { credential, port } = host.outcome else {
            return;
        };
        let Some(device_type) = host.snmp.as_ref().and_then(|s| s.device_type) else {
            return;
        };
        let Some(cred) = self.credentials.get(credential) else {
            return;
        };
        let Ok(permit) = Arc::clone(&self.slots).acquire_owned().await else {
            return;
        };
        let session = self.client.session(
            Target::new(SocketAddr::new(host.ip, port), cred.clone())
                .with_timeout(self.timeout)
                .with_retries(self.retries),
        );
        let options = InventoryOptions {
            id: "0".to_owned(),
            device_type: Some(device_type),
            peer: match host.ip {
                IpAddr::V4(v4) => Some(v4),
                IpAddr::V6(_) => None,
            },
            batch: cred.version() != Version::V1,
        };
        let db = Arc::clone(&self.db);
        let label = host.ip.to_string();
        tasks.spawn(async move {
            let _permit = permit;
            let result = Box::pin(inventory(&session, &db, &options)).await;
            (label, result)
        });
    }
}

/// `--probes`: the listed ones, or all when none is listed.
fn probe_set(list: &[Probe]) -> ProbeSet {
    if list.is_empty() {
        return ProbeSet::default();
    }
    ProbeSet {
        snmp: list.contains(&Probe::Snmp),
        icmp: list.contains(&Probe::Icmp),
        netbios: list.contains(&Probe::Netbios),
        dns: list.contains(&Probe::Dns),
        arp: list.contains(&Probe::Arp),
    }
}

fn targets(args: &NetdiscoveryArgs) -> anyhow::Result<Targets> {
    let mut blocks = Vec::new();
    if args.first.len() != args.last.len() {
        anyhow::bail!(
            "each --first needs its --last ({} --first, {} --last)",
            args.first.len(),
            args.last.len()
        );
    }
    for (first, last) in args.first.iter().zip(&args.last) {
        blocks.push(Block::range(*first, *last)?);
    }
    for c in &args.range {
        blocks.push(Block::cidr(c.addr, c.prefix)?);
    }
    let exclude = args
        .exclude
        .iter()
        .map(|c| Block::cidr(c.addr, c.prefix))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Targets::new(blocks, exclude)?)
}

/// Prints a live progress line on stderr until aborted.
async fn progress_line(p: Arc<Progress>) {
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        let total = p.total.load(Ordering::Relaxed);
        let done = p.done.load(Ordering::Relaxed);
        let found = p.found.load(Ordering::Relaxed);
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / secs;
        let eta = if rate > 0.0 {
            (total.saturating_sub(done)) as f64 / rate
        } else {
            0.0
        };
        eprint!("\r\x1b[K{done}/{total} addresses, {found} found, {rate:.0}/s, ETA {eta:.0}s");
    }
}

/// Where results go: stdout, or with `--save DIR` one file per run
/// (`DIR/netdiscovery-<unix time>-<pid>.xml|json|txt`, written as `.partial` and renamed when
/// the run ends, so a reader never sees half a run), in the chosen format.
struct Output {
    format: OutputFormat,
    sink: Box<dyn std::io::Write>,
    /// With --save: the file being written.
    save: Option<super::save::Saved>,
    header: bool,
    /// Table rows of `--inventory`, printed after the discovery rows.
    inventory_rows: Vec<String>,
}

impl Output {
    fn new(args: &NetdiscoveryArgs) -> anyhow::Result<Self> {
        let ext = match args.format {
            OutputFormat::Xml => "xml",
            OutputFormat::Json => "json",
            OutputFormat::Table => "txt",
        };
        let (sink, save) = super::save::sink(args.save.as_deref(), "netdiscovery", ext)?;
        Ok(Self {
            format: args.format,
            sink,
            save,
            header: false,
            inventory_rows: Vec::new(),
        })
    }

    fn host(&mut self, host: &Host) -> anyhow::Result<()> {
        match self.format {
            OutputFormat::Xml => self
                .sink
                .write_all(Envelope::cli().device(host).as_bytes())?,
            OutputFormat::Json => writeln!(self.sink, "{}", netdiscovery::json_line(host))?,
            OutputFormat::Table => {
                if !self.header {
                    writeln!(self.sink, "{}", netdiscovery::TABLE_HEADER)?;
                    self.header = true;
                }
                writeln!(self.sink, "{}", netdiscovery::table_row(host))?;
            }
        }
        // Results stream: each device is visible as soon as it is found.
        self.sink.flush()?;
        Ok(())
    }

    /// The inventory of a discovered device (`--inventory`): an SNMPQUERY message, a JSON line
    /// `{"DEVICE": …}`, or a table row after the discovery rows.
    fn inventory(
        &mut self,
        label: &str,
        result: &Result<NetInventory, InventoryError>,
    ) -> anyhow::Result<()> {
        if let Err(e) = result {
            tracing::warn!("{label}: inventory failed: {e}");
        }
        let element = match result {
            Ok(inv) => netinventory::device_element(inv),
            Err(e) => netinventory::error_element("0", &e.message(), None),
        };
        match self.format {
            OutputFormat::Xml => self
                .sink
                .write_all(Envelope::cli_netinventory().result(element).as_bytes())?,
            OutputFormat::Json => writeln!(self.sink, "{}", netinventory::json_line(&element))?,
            OutputFormat::Table => match result {
                Ok(inv) => self
                    .inventory_rows
                    .push(netinventory::table_row(label, inv)),
                Err(e) => self
                    .inventory_rows
                    .push(format!("{label:<16} error: {}", e.message())),
            },
        }
        self.sink.flush()?;
        Ok(())
    }

    fn control(&mut self, message: &str) -> anyhow::Result<()> {
        if self.format == OutputFormat::Xml {
            self.sink.write_all(message.as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        if !self.inventory_rows.is_empty() {
            writeln!(self.sink, "\n{}", netinventory::TABLE_HEADER)?;
            for row in std::mem::take(&mut self.inventory_rows) {
                writeln!(self.sink, "{row}")?;
            }
        }
        self.sink.flush()?;
        if let Some(saved) = self.save.take() {
            saved.commit()?;
        }
        Ok(())
    }
}
