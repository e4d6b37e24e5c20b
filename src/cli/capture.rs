//! `sonde capture`: walk a device and write a net-snmp `-On` walk file (stdout or `--output`),
//! optionally anonymised so it can be shared in a bug report and replayed by `sonde simulate`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use clap::{ArgAction, Args};

use super::credentials::CredentialParser;
use crate::snmp::{Client, Credential, Oid, Target, WalkEnd, WalkOptions, walk};
use crate::walk::{Anonymizer, write_all};

/// Options of `capture`.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Device to walk (address or name).
    #[arg(long, value_name = "HOST")]
    pub host: String,
    /// SNMP port.
    #[arg(long, value_name = "PORT", default_value_t = 161)]
    pub port: u16,
    /// Community, used with SNMP v2c so the walk can use GETBULK [default: public]. For v1 or v3
    /// use --credentials.
    #[arg(long, value_name = "COMMUNITY", conflicts_with = "credentials")]
    pub community: Option<String>,
    /// Credential spec key:value,… (version, community, username, authprotocol, authpassphrase,
    /// privprotocol, privpassphrase, context, engineid).
    #[arg(long, value_name = "SPEC", value_parser = CredentialParser)]
    pub credentials: Option<Credential>,
    /// Write the walk to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Pseudonymise addresses, MACs, serials, communities, sysContact and sysLocation.
    #[arg(long)]
    pub anonymize: bool,
    /// Walk only the subtree under OID.
    #[arg(long, value_name = "OID", default_value = ".1")]
    pub root: Oid,
    /// Seconds to wait for each reply.
    #[arg(long, value_name = "SECS", default_value_t = 2)]
    pub timeout: u64,
    /// Retries of a request without reply.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// max-repetitions of GETBULK requests (v2c and v3).
    #[arg(long, value_name = "N", default_value_t = 25)]
    pub max_repetitions: u32,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count)]
    pub debug: u8,
}

impl CaptureArgs {
    /// The credential to walk with: `--community` (v2c), else `--credentials`, else v2c `public`.
    #[must_use]
    pub fn credential(&self) -> Credential {
        match (&self.community, &self.credentials) {
            (Some(community), _) => Credential::v2c(community),
            (None, Some(credential)) => credential.clone(),
            (None, None) => Credential::v2c("public"),
        }
    }
}

/// Runs `capture`.
pub(crate) fn run(args: CaptureArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(capture(args))
}

async fn capture(args: CaptureArgs) -> anyhow::Result<ExitCode> {
    let addr = tokio::net::lookup_host((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("cannot resolve {}", args.host))?
        .next()
        .with_context(|| format!("{} has no address", args.host))?;
    let credential = args.credential();
    let target = Target::new(addr, credential.clone())
        .with_timeout(Duration::from_secs(args.timeout.max(1)))
        .with_retries(args.retries);
    let client = Client::default();
    let session = client.session(target);
    let options = WalkOptions {
        max_repetitions: args.max_repetitions.max(1),
        ..WalkOptions::default()
    };
    let started = Instant::now();
    let result = walk(&session, &args.root, options)
        .await
        .with_context(|| format!("walk of {} under {} failed", addr, args.root))?;
    tracing::info!(
        varbinds = result.varbinds.len(),
        requests = result.requests,
        end = ?result.end,
        elapsed_ms = started.elapsed().as_millis(),
        "capture done"
    );
    if let WalkEnd::NotIncreasing { previous, received } = &result.end {
        tracing::warn!(%previous, %received, "the agent returned OIDs out of order; the capture stops there");
    }
    if result.varbinds.is_empty() {
        anyhow::bail!("{addr} returned nothing under {}", args.root);
    }
    let mut varbinds = result.varbinds;
    if args.anonymize {
        let secrets = community_of(&credential).into_iter().collect::<Vec<_>>();
        varbinds = Anonymizer::new(&secrets).apply(varbinds);
    }
    match &args.output {
        Some(path) => write_file(path, &varbinds)?,
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            write_all(&mut out, &varbinds)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn community_of(credential: &Credential) -> Option<Vec<u8>> {
    match credential {
        Credential::V1 { community } | Credential::V2c { community } => Some(community.clone()),
        Credential::V3(_) => None,
    }
}

/// Writes beside the target and renames, so an interrupted capture never leaves half a file.
fn write_file(path: &std::path::Path, varbinds: &[crate::snmp::Varbind]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    let file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut out = std::io::BufWriter::new(file);
    write_all(&mut out, varbinds).with_context(|| format!("cannot write {}", tmp.display()))?;
    let file = out
        .into_inner()
        .map_err(std::io::IntoInnerError::into_error)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    Ok(())
}
