//! `sonde inventory` / `fusioninventory-inventory`: inventory this machine and print the document.
//!
//! Options are those of FusionInventory's tool (protocol.md §6.3) plus `--json`, `--output` and
//! `--list-categories`. The local inventory engine is later work; `run` says so.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Args};

/// Options of `inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Also scan the home directories of users (for software).
    #[arg(long)]
    pub scan_homedirs: bool,
    /// Also scan user profiles (for software).
    #[arg(long)]
    pub scan_profiles: bool,
    /// Categories not to collect (comma-separated; see --list-categories).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub no_category: Vec<String>,
    /// Print the categories that can be collected, and exit.
    #[arg(long)]
    pub list_categories: bool,
    /// Tag of the machine (TAG field of the inventory).
    #[arg(short = 't', long, value_name = "TAG")]
    pub tag: Option<String>,
    /// Time limit for each collecting module, in seconds [default: 180].
    #[arg(long, value_name = "SECS")]
    pub backend_collect_timeout: Option<u64>,
    /// XML file whose content is merged into the inventory.
    #[arg(long, value_name = "FILE")]
    pub additional_content: Option<PathBuf>,

    /// Write an HTML page instead of XML.
    #[arg(long, conflicts_with = "json", help_heading = "Output")]
    pub html: bool,
    /// Write the GLPI-native JSON inventory instead of XML.
    #[arg(long, help_heading = "Output")]
    pub json: bool,
    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Informational messages on stderr.
    #[arg(long, help_heading = "Output")]
    pub verbose: bool,
    /// More log output on stderr (repeatable).
    #[arg(long, action = ArgAction::Count, help_heading = "Output")]
    pub debug: u8,
}

/// Runs `inventory`.
pub(crate) fn run(args: InventoryArgs) -> anyhow::Result<ExitCode> {
    drop(args);
    Ok(super::not_yet_implemented("inventory"))
}
