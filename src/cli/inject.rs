//! `sonde inject` / `fusioninventory-injector`: send inventory files to a server.
//!
//! Options are those of FusionInventory's injector (protocol.md §6.6). `run` sends each document
//! through the transport (`transport::inject`) and exits with 1 when any was not delivered,
//! listing those on stderr.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{ArgAction, Args};

use crate::transport::{self, Client, Compression, TransportConfig, inject};

/// Options of `inject`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("source")
        .required(true)
        .args(["file", "directory", "stdin"])
))]
pub struct InjectArgs {
    /// Send one file.
    #[arg(short = 'f', long, value_name = "FILE", help_heading = "Input")]
    pub file: Option<PathBuf>,
    /// Send every *.ocs and *.xml file of DIR (sorted).
    #[arg(short = 'd', long, value_name = "DIR", help_heading = "Input")]
    pub directory: Option<PathBuf>,
    /// With --directory: descend into subdirectories.
    #[arg(short = 'R', long, requires = "directory", help_heading = "Input")]
    pub recursive: bool,
    /// Read one document from stdin.
    #[arg(long, help_heading = "Input")]
    pub stdin: bool,
    /// Delete each file once the server has accepted it.
    #[arg(short = 'r', long, help_heading = "Input")]
    pub remove: bool,

    /// Server URL (may contain login:password@).
    #[arg(short = 'u', long, value_name = "URL", help_heading = "Server")]
    pub url: String,
    /// User-Agent header [default: FusionInventory-Injector].
    #[arg(long, value_name = "AGENT", help_heading = "Server")]
    pub useragent: Option<String>,
    /// Use each document's CONTENT/VERSIONCLIENT as User-Agent.
    #[arg(short = 'x', long, help_heading = "Server")]
    pub xml_ua: bool,
    /// Do not check the server certificate.
    #[arg(long, help_heading = "Server")]
    pub no_ssl_check: bool,
    /// Send plain XML instead of zlib-compressed XML.
    #[arg(short = 'C', long, help_heading = "Server")]
    pub no_compression: bool,

    /// Print `Loading FILE...OK` or the error for each file.
    #[arg(short = 'v', long, help_heading = "Output")]
    pub verbose: bool,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count, help_heading = "Output")]
    pub debug: u8,
}

/// Runs `inject`.
pub(crate) fn run(args: InjectArgs) -> anyhow::Result<ExitCode> {
    let url = transport::url::canonical(&args.url)?;
    let config = TransportConfig {
        no_ssl_check: args.no_ssl_check,
        compression: if args.no_compression {
            Compression::None
        } else {
            Compression::Zlib
        },
        user_agent: args
            .useragent
            .clone()
            .unwrap_or_else(|| "FusionInventory-Injector".to_owned()),
        ..TransportConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let mut clients: HashMap<String, Client> = HashMap::new();
        let mut failed: Vec<String> = Vec::new();
        let mut documents: Vec<(String, Option<PathBuf>)> = Vec::new();
        if let Some(f) = &args.file {
            documents.push((f.display().to_string(), Some(f.clone())));
        }
        if let Some(d) = &args.directory {
            let found = inject::documents_in(d, args.recursive)
                .with_context(|| format!("cannot read {}", d.display()))?;
            documents.extend(
                found
                    .into_iter()
                    .map(|p| (p.display().to_string(), Some(p))),
            );
        }
        if args.stdin {
            documents.push(("stdin".to_owned(), None));
        }
        for (name, path) in documents {
            let bytes = match &path {
                Some(p) => std::fs::read(p).map(inject::decoded),
                None => {
                    let mut b = Vec::new();
                    std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
                        .map(|_| inject::decoded(b))
                }
            };
            let bytes = match bytes {
                Ok(b) => b,
                Err(e) => {
                    report(&args, &name, Err(&format!("{name}: {e}")));
                    failed.push(name);
                    continue;
                }
            };
            let agent = if args.xml_ua {
                inject::version_client(&bytes).unwrap_or_else(|| config.user_agent.clone())
            } else {
                config.user_agent.clone()
            };
            if !clients.contains_key(&agent) {
                let c = Client::new(TransportConfig {
                    user_agent: agent.clone(),
                    ..config.clone()
                })?;
                clients.insert(agent.clone(), c);
            }
            let Some(client) = clients.get(&agent) else {
                continue;
            };
            let rest_to = path.as_deref().filter(|_| args.remove);
            let outcome = inject::send_all(client, &url, &name, &bytes, rest_to).await;
            if outcome.is_ok()
                && args.remove
                && let Some(p) = &path
                && let Err(e) = std::fs::remove_file(p)
            {
                tracing::warn!("{name} sent, but not removed: {e}");
            }
            match outcome {
                Ok(()) => report(&args, &name, Ok(())),
                Err(e) => {
                    report(&args, &name, Err(&e.to_string()));
                    failed.push(name);
                }
            }
        }
        if failed.is_empty() {
            Ok(ExitCode::SUCCESS)
        } else {
            eprintln!("not delivered: {}", failed.join(", "));
            Ok(ExitCode::from(1))
        }
    })
}

/// `--verbose`: `Loading F...OK` or `ERROR: …`, as the Perl injector; errors are always said.
fn report(args: &InjectArgs, name: &str, outcome: Result<(), &str>) {
    match outcome {
        Ok(()) if args.verbose => println!("Loading {name}...OK"),
        Ok(()) => {}
        Err(e) => eprintln!("ERROR: {e}"),
    }
}
