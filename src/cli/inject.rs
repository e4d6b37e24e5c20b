//! `sonde inject` / `fusioninventory-injector`: send inventory files to a server.
//!
//! Options are those of FusionInventory's injector (protocol.md §6.6). Sending is later work;
//! `run` says so.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Args};

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
    drop(args);
    Ok(super::not_yet_implemented("inject"))
}
