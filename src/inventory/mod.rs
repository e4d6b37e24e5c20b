//! Local inventory: the sections of the machine sonde runs on (BIOS, HARDWARE, OS, CPUs,
//! memory, disks, filesystems, network interfaces, software, users, processes…), read directly
//! from `/proc`, `/sys`, `/etc` and package databases, never by spawning a program per value.
//!
//! Each collector module reads what it needs through a [`Context`], whose filesystem root can
//! be a fixture tree (unit tests run every collector on copied files, so results do not depend
//! on the build machine), and adds entries to a [`LocalInventory`]. A collector runs when one of
//! its sections is wanted (`--no-category` turns sections off); a collector that finds nothing
//! adds nothing: a value that is not available is left out, never invented.
//!
//! Facts: `local-inventory.md` (sources per section, units, and the reference agents' quirks;
//! each collector says in a comment which way it went on each quirk).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::model::local::{Entry, LocalInventory, Section};

/// `--additional-content`: sections merged from an XML file.
pub mod additional;
mod basics;
mod batteries;
mod bios;
mod bundles;
mod containers;
mod controllers;
mod cpu;
mod dhcp;
mod drives;
mod firewall;
#[cfg(test)]
mod hardware_tests;
mod ids;
mod network;
mod os;
mod processes;
mod smbios;
mod smbios_names;
mod smbios_parse;
mod software;
/// DEVICEID and the per-target state of partial inventories.
pub mod state;
mod storage;
mod users;
mod utmp;
mod virtualization;
mod vms;

/// What to collect, and where from.
#[derive(Clone, Debug)]
pub struct Options {
    /// The filesystem root the collectors read below (`/`; a fixture tree in tests).
    pub root: PathBuf,
    /// Categories not to collect (`--no-category`).
    pub skip: BTreeSet<String>,
    /// Also look into users' home directories (virtual machines, software).
    pub scan_homedirs: bool,
    /// Also look into user profiles.
    pub scan_profiles: bool,
    /// The agent's environment (ENVS), as the caller sees it.
    pub env: Vec<(String, String)>,
    /// The time of the inventory (ACCESSLOG, BOOT_TIME, process start times).
    pub now: SystemTime,
    /// VERSIONCLIENT.
    pub versionclient: String,
    /// Longest time one collector may take (`--backend-collect-timeout`): a collector still
    /// running then (a hung network filesystem…) is left behind and its sections left out.
    pub collect_timeout: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            root: PathBuf::from("/"),
            skip: BTreeSet::new(),
            scan_homedirs: false,
            scan_profiles: false,
            env: Vec::new(),
            now: SystemTime::now(),
            versionclient: format!("sonde-Inventory_v{}", env!("CARGO_PKG_VERSION")),
            collect_timeout: std::time::Duration::from_secs(180),
        }
    }
}

/// What collectors read through: files below the root, and the options.
pub struct Context<'a> {
    /// The options of the run.
    pub options: &'a Options,
}

impl Context<'_> {
    /// An absolute path (`/proc/cpuinfo`) below the root.
    #[must_use]
    pub fn path(&self, absolute: &str) -> PathBuf {
        self.options.root.join(absolute.trim_start_matches('/'))
    }

    /// A file's content as text (invalid UTF-8 replaced), `None` when it cannot be read.
    #[must_use]
    pub fn read(&self, absolute: &str) -> Option<String> {
        let bytes = std::fs::read(self.path(absolute)).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// A one-line file (sysfs attributes) trimmed; `None` when missing or empty.
    #[must_use]
    pub fn read_value(&self, absolute: &str) -> Option<String> {
        let text = self.read(absolute)?;
        let t = text.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }

    /// A file's raw bytes.
    #[must_use]
    pub fn read_bytes(&self, absolute: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(absolute)).ok()
    }

    /// The entry names of a directory, sorted (empty when it cannot be read).
    #[must_use]
    pub fn list(&self, absolute: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(absolute))
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// True when the path exists below the root.
    #[must_use]
    pub fn exists(&self, absolute: &str) -> bool {
        self.path(absolute).exists()
    }

    /// Where a symbolic link below the root points (as written in the link).
    #[must_use]
    pub fn link(&self, absolute: &str) -> Option<PathBuf> {
        std::fs::read_link(self.path(absolute)).ok()
    }

    /// The root itself.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.options.root
    }

    /// True when `section` is wanted.
    #[must_use]
    pub fn wants(&self, section: Section) -> bool {
        let c = section.category();
        c.is_empty() || !self.options.skip.contains(c)
    }
}

/// A collector: reads and adds entries.
type Collect = fn(&Context<'_>, &mut LocalInventory);

/// Every collector with the sections it fills, in the order they run (later collectors may
/// read what earlier ones found, e.g. VMSYSTEM reads BIOS).
const COLLECTORS: &[(&str, &[Section], Collect)] = &[
    ("basics", basics::SECTIONS, basics::collect),
    ("os", os::SECTIONS, os::collect),
    ("bios", bios::SECTIONS, bios::collect),
    ("smbios", smbios::SECTIONS, smbios::collect),
    ("cpu", cpu::SECTIONS, cpu::collect),
    ("storage", storage::SECTIONS, storage::collect),
    ("drives", drives::SECTIONS, drives::collect),
    ("network", network::SECTIONS, network::collect),
    ("controllers", controllers::SECTIONS, controllers::collect),
    ("batteries", batteries::SECTIONS, batteries::collect),
    ("software", software::SECTIONS, software::collect),
    ("users", users::SECTIONS, users::collect),
    ("processes", processes::SECTIONS, processes::collect),
    (
        "virtualization",
        virtualization::SECTIONS,
        virtualization::collect,
    ),
    ("firewall", firewall::SECTIONS, firewall::collect),
];

/// Takes the local inventory (without DEVICEID, which the caller keeps in its state).
///
/// Each collector runs on its own thread on a copy of what earlier collectors found, bounded by
/// [`Options::collect_timeout`]; one that times out or panics is reported and skipped.
#[must_use]
pub fn collect(options: &Options) -> LocalInventory {
    let shared = std::sync::Arc::new(options.clone());
    let mut inv = LocalInventory {
        versionclient: options.versionclient.clone(),
        ..LocalInventory::default()
    };
    for (name, sections, collect) in COLLECTORS {
        let wanted = {
            let ctx = Context { options };
            sections.iter().any(|s| ctx.wants(*s))
        };
        if !wanted {
            continue;
        }
        let started = std::time::Instant::now();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let opts = std::sync::Arc::clone(&shared);
        let mut part = inv.clone();
        let collect = *collect;
        let spawned = std::thread::Builder::new()
            .name(format!("collect-{name}"))
            .spawn(move || {
                collect(&Context { options: &opts }, &mut part);
                let _ = tx.send(part);
            });
        match spawned {
            Ok(_) => match rx.recv_timeout(options.collect_timeout) {
                Ok(part) => inv = part,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    tracing::warn!(
                        collector = name,
                        "collector timed out; its sections are left out"
                    );
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    tracing::warn!(
                        collector = name,
                        "collector failed; its sections are left out"
                    );
                }
            },
            Err(e) => {
                tracing::debug!(collector = name, "no thread ({e}): collecting inline");
                collect(&Context { options }, &mut inv);
            }
        }
        tracing::debug!(
            collector = name,
            elapsed_us = started.elapsed().as_micros(),
            "collected"
        );
    }
    finish(&Context { options }, &mut inv);
    inv
}

/// Drops what the skipped categories cover, including their fields in other sections
/// (`memory`: HARDWARE/MEMORY and SWAP; `user`: LASTLOGGEDUSER and its date).
fn finish(ctx: &Context<'_>, inv: &mut LocalInventory) {
    inv.sections
        .retain(|section, entries| ctx.wants(*section) && !entries.is_empty());
    let skip = &ctx.options.skip;
    if let Some(hw) = inv
        .sections
        .get_mut(&Section::Hardware)
        .and_then(|l| l.first_mut())
    {
        if skip.contains("memory") {
            hw.remove("MEMORY");
            hw.remove("SWAP");
        }
        if skip.contains("user") {
            hw.remove("LASTLOGGEDUSER");
            hw.remove("DATELASTLOGGEDUSER");
        }
    }
    legacy_hardware(ctx, inv);
}

/// The HARDWARE fields FusionInventory 2.6 still writes for OCS-era servers, derived from the
/// other sections (the JSON form leaves them out: GLPI's schema has none of them): OSNAME,
/// OSVERSION, OSCOMMENTS, PROCESSORN/PROCESSORT/PROCESSORS, and CHECKSUM = 131071 (every
/// section "changed": the XML document is always complete).
fn legacy_hardware(ctx: &Context<'_>, inv: &mut LocalInventory) {
    if !ctx.wants(Section::Hardware) {
        return;
    }
    let os = inv.entries(Section::OperatingSystem).first().cloned();
    let cpus = inv.entries(Section::Cpus).to_vec();
    let hw = inv.single_mut(Section::Hardware);
    if let Some(os) = os {
        hw.text("OSNAME", os.get_text("FULL_NAME"))
            .text("OSVERSION", os.get_text("KERNEL_VERSION"));
    }
    hw.text("OSCOMMENTS", ctx.read_value("/proc/sys/kernel/version"));
    if !cpus.is_empty() {
        hw.int("PROCESSORN", i64::try_from(cpus.len()).ok())
            .text("PROCESSORT", cpus[0].get_text("NAME"))
            .text("PROCESSORS", cpus[0].get_text("SPEED"));
    }
    hw.int("CHECKSUM", Some(131_071));
}

/// A helper for collectors: an entry from `(field, value)` text pairs.
#[must_use]
pub fn entry_of(pairs: &[(&'static str, Option<String>)]) -> Entry {
    let mut e = Entry::new();
    for (k, v) in pairs {
        e.text(k, v.as_deref());
    }
    e
}

/// Test helpers: a filesystem tree built from `(path, content)` pairs in a temporary directory
/// (removed on drop), and the options that read below it.
#[cfg(test)]
pub(crate) mod fixture {
    use std::path::PathBuf;

    use super::Options;

    /// A temporary root.
    pub(crate) struct Tree(pub(crate) PathBuf);

    impl Tree {
        /// Writes every file (parents created); a content starting with `->` makes a symlink to
        /// the rest.
        pub(crate) fn new(files: &[(&str, &str)]) -> Tree {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let root = std::env::temp_dir().join(format!(
                "sonde-inv-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            for (path, content) in files {
                let p = root.join(path.trim_start_matches('/'));
                std::fs::create_dir_all(p.parent().expect("a parent")).expect("mkdir");
                match content.strip_prefix("->") {
                    Some(target) => std::os::unix::fs::symlink(target, &p).expect("symlink"),
                    None => std::fs::write(&p, content).expect("write"),
                }
            }
            std::fs::create_dir_all(&root).expect("mkdir root");
            Tree(root)
        }

        /// Runs one collector on this tree and returns what it found.
        pub(crate) fn collect(
            &self,
            collect: fn(&super::Context<'_>, &mut crate::model::local::LocalInventory),
        ) -> crate::model::local::LocalInventory {
            let options = self.options();
            let mut inv = crate::model::local::LocalInventory::default();
            collect(&super::Context { options: &options }, &mut inv);
            inv
        }

        /// Options reading below this tree.
        pub(crate) fn options(&self) -> Options {
            Options {
                root: self.0.clone(),
                ..Options::default()
            }
        }
    }

    /// Runs one collector on a tree made of `files` and returns what it found.
    pub(crate) fn run(
        files: &[(&str, &str)],
        collect: fn(&super::Context<'_>, &mut crate::model::local::LocalInventory),
    ) -> crate::model::local::LocalInventory {
        let tree = Tree::new(files);
        let options = tree.options();
        let mut inv = crate::model::local::LocalInventory::default();
        collect(&super::Context { options: &options }, &mut inv);
        inv
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
