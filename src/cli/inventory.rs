//! `sonde inventory` / `fusioninventory-inventory`: inventory this machine and print the document.
//!
//! Options are those of FusionInventory's tool (protocol.md §6.3) plus `--json`, `--output`,
//! `--list-categories`, `--vardir`, `--full` and `--full-inventory-postpone`. `run` collects
//! the sections, keeps the DEVICEID in the state directory (created once), applies partial
//! inventories when asked, and writes the XML or JSON document.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{ArgAction, Args};

use crate::inventory::{Options, collect, state};
use crate::model::local::{Section, categories};
use crate::report::inventory as report;

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
    /// State directory: the DEVICEID and the state of partial inventories [default:
    /// /var/lib/sonde as root, else $XDG_STATE_HOME/sonde].
    #[arg(long, value_name = "DIR")]
    pub vardir: Option<PathBuf>,
    /// With --json: leave out the sections unchanged since the last run (a partial inventory)
    /// this many runs in N + 1 [default: 0, always full].
    #[arg(long, value_name = "N")]
    pub full_inventory_postpone: Option<u32>,
    /// Send a full inventory this time.
    #[arg(long)]
    pub full: bool,
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

/// The local inventory settings of the command line (shared by `inventory` and `agent`): the
/// categories to skip (checked against the known ones), the home and profile scans, this
/// process's environment for ENVS, the time limit of each collector.
pub(super) fn collect_options(
    no_category: &[String],
    scan_homedirs: bool,
    scan_profiles: bool,
    backend_collect_timeout: Option<u64>,
) -> anyhow::Result<Options> {
    let known = categories();
    if let Some(c) = no_category.iter().find(|c| !known.contains(&c.as_str())) {
        anyhow::bail!("--no-category {c}: unknown category (see --list-categories)");
    }
    Ok(Options {
        skip: no_category.iter().cloned().collect(),
        scan_homedirs,
        scan_profiles,
        env: std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        collect_timeout: Duration::from_secs(backend_collect_timeout.unwrap_or(180).max(1)),
        ..Options::default()
    })
}

/// Runs `inventory`.
pub(crate) fn run(args: InventoryArgs) -> anyhow::Result<ExitCode> {
    if args.list_categories {
        for c in categories() {
            println!("{c}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let options = collect_options(
        &args.no_category,
        args.scan_homedirs,
        args.scan_profiles,
        args.backend_collect_timeout,
    )?;
    let mut inv = collect(&options);
    if let Some(file) = &args.additional_content {
        crate::inventory::additional::merge_file(&mut inv, file)?;
    }
    inv.tag.clone_from(&args.tag);
    let vardir = args.vardir.clone().unwrap_or_else(state::default_vardir);
    let hostname = inv
        .entries(Section::Hardware)
        .first()
        .and_then(|h| h.get_text("NAME"))
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_default();
    inv.deviceid = state::device_id(&vardir, &hostname, options.now)
        .with_context(|| format!("cannot keep the deviceid in {}", vardir.display()))?;
    let postpone = args.full_inventory_postpone.unwrap_or(0);
    if args.json && postpone > 0 {
        state::apply_partial(&mut inv, &vardir.join("__LOCAL__"), postpone, args.full)
            .with_context(|| format!("cannot keep the inventory state in {}", vardir.display()))?;
    }
    let document = if args.json {
        let mut text = serde_json::to_string_pretty(&report::json(&inv))?;
        text.push('\n');
        text
    } else if args.html {
        report::html(&inv)
    } else {
        report::xml(&inv)
    };
    match &args.output {
        Some(path) => state::write_atomically(path, document.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(document.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
