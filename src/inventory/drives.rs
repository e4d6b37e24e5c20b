//! DRIVES: mounted filesystems with size, free space, label and UUID.
//!
//! Mounts from `/proc/self/mountinfo` (`/proc/mounts` as fallback), sizes from `statvfs` of
//! each mount point (only when the root is `/`; tests inject sizes), UUID and label from the
//! udev database (`/run/udev/data/b<maj>:<min>`) or the `/dev/disk/by-uuid` and
//! `/dev/disk/by-label` links: no root needed, no program run.
//!
//! As the agents (`df -P -T -k`): VOLUMN = the mount source, FILESYSTEM = its type, TYPE =
//! the mount point, TOTAL = size and FREE = space available to unprivileged users (df's
//! "Available"), both in MiB rounded down (df KiB / 1024, truncated); filtered out: types
//! tmpfs devtmpfs usbfs proc devpts devshm udev, volumes named `overlay`, and a total or free
//! of 0 KiB. Also left out: pseudo filesystems (sysfs, cgroup…, which df hides for their zero
//! size anyway) and a second mount of the same filesystem (a bind mount: df shows one line
//! per `st_dev`, here the mount of the filesystem's root, else the shortest mount point).
//! Not collected: CREATEDATE and ENCRYPT_* (dumpe2fs, cryptsetup: root and programs).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::Context;
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Drives];

/// Filesystem types never reported (the agents' list, then kernel pseudo filesystems).
const SKIPPED_TYPES: &[&str] = &[
    "tmpfs",
    "devtmpfs",
    "usbfs",
    "proc",
    "devpts",
    "devshm",
    "udev",
    "sysfs",
    "cgroup",
    "cgroup2",
    "securityfs",
    "debugfs",
    "tracefs",
    "pstore",
    "bpf",
    "configfs",
    "fusectl",
    "mqueue",
    "hugetlbfs",
    "autofs",
    "binfmt_misc",
    "efivarfs",
    "rpc_pipefs",
    "nsfs",
    "ramfs",
    "selinuxfs",
    "nfsd",
    "fuse.gvfsd-fuse",
    "fuse.portal",
];

/// A mount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mount {
    /// `major:minor` of the filesystem's device (absent in `/proc/mounts`).
    pub(super) dev: Option<String>,
    /// The directory of the filesystem mounted (`/` unless a bind mount of a subdirectory).
    pub(super) root: String,
    pub(super) mount_point: String,
    pub(super) fstype: String,
    pub(super) source: String,
}

/// What `statvfs` and `stat` say of a mount point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Sizes {
    /// Size in bytes.
    pub(super) total: u64,
    /// Bytes available to unprivileged users.
    pub(super) available: u64,
    /// `st_dev` of the mount point (bind mounts share it; btrfs subvolumes do not).
    pub(super) device: Option<u64>,
}

/// Filesystem identity (UUID, label) by `major:minor` (udev database) and by mount source
/// (by-uuid/by-label links resolved to the source's device).
#[derive(Clone, Debug, Default)]
pub(super) struct Ids {
    pub(super) by_dev: HashMap<String, (Option<String>, Option<String>)>,
    pub(super) by_source: HashMap<String, (Option<String>, Option<String>)>,
}

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let real = ctx.root() == Path::new("/");
    let size = |m: &Mount| if real { statvfs(&m.mount_point) } else { None };
    for e in gather_build(ctx, &size) {
        inv.add(Section::Drives, e);
    }
}

/// Mounts and identities read below the root, sizes from `size`, built into entries.
pub(super) fn gather_build(
    ctx: &Context<'_>,
    size: &dyn Fn(&Mount) -> Option<Sizes>,
) -> Vec<Entry> {
    let mounts = match ctx.read("/proc/self/mountinfo") {
        Some(text) => parse_mountinfo(&text),
        None => parse_mounts(&ctx.read("/proc/mounts").unwrap_or_default()),
    };
    let mounts = candidates(mounts);
    let sizes: Vec<Option<Sizes>> = mounts.iter().map(size).collect();
    let ids = identities(ctx, &mounts);
    build(&mounts, &sizes, &ids)
}

/// `statvfs` of a real mount point.
// c_ulong and fsblkcnt_t are u64 on 64-bit Linux only.
#[allow(clippy::useless_conversion)]
fn statvfs(mount_point: &str) -> Option<Sizes> {
    use std::os::unix::fs::MetadataExt;
    let s = nix::sys::statvfs::statvfs(mount_point).ok()?;
    let frag = u64::from(s.fragment_size());
    Some(Sizes {
        total: u64::from(s.blocks()).saturating_mul(frag),
        available: u64::from(s.blocks_available()).saturating_mul(frag),
        device: std::fs::metadata(mount_point).ok().map(|m| m.dev()),
    })
}

/// `/proc/self/mountinfo`: `id parent maj:min root mountpoint options [tags] - type source
/// superoptions`.
pub(super) fn parse_mountinfo(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let (left, right) = line.split_once(" - ")?;
            let l: Vec<&str> = left.split_whitespace().collect();
            let r: Vec<&str> = right.split_whitespace().collect();
            Some(Mount {
                dev: Some((*l.get(2)?).to_owned()),
                root: unescape(l.get(3)?),
                mount_point: unescape(l.get(4)?),
                fstype: (*r.first()?).to_owned(),
                source: unescape(r.get(1)?),
            })
        })
        .collect()
}

/// `/proc/mounts`: `source mountpoint type options 0 0`.
pub(super) fn parse_mounts(text: &str) -> Vec<Mount> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            Some(Mount {
                dev: None,
                root: "/".to_owned(),
                mount_point: unescape(f.get(1)?),
                fstype: (*f.get(2)?).to_owned(),
                source: unescape(f.first()?),
            })
        })
        .collect()
}

/// The kernel's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| b[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match oct {
            Some(d) => {
                let v = d.iter().fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mounts worth a size: filtered types and volumes; the latest mount on a mount point
/// hides earlier ones.
pub(super) fn candidates(mounts: Vec<Mount>) -> Vec<Mount> {
    let mut kept: Vec<Mount> = Vec::new();
    for m in mounts {
        if SKIPPED_TYPES.contains(&m.fstype.as_str()) || m.source == "overlay" {
            continue;
        }
        kept.retain(|k| k.mount_point != m.mount_point);
        kept.push(m);
    }
    kept
}

/// UUIDs and labels: the udev database for the mounts' devices, and every by-uuid/by-label
/// link (resolved to the device path it names).
fn identities(ctx: &Context<'_>, mounts: &[Mount]) -> Ids {
    let mut ids = Ids::default();
    for dev in mounts.iter().filter_map(|m| m.dev.as_deref()) {
        let Some(text) = ctx.read(&format!("/run/udev/data/b{dev}")) else {
            continue;
        };
        let prop = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix("E:")?.strip_prefix(k)?.strip_prefix('='))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let label = prop("ID_FS_LABEL_ENC")
            .map(|l| unhex(&l))
            .or_else(|| prop("ID_FS_LABEL"));
        ids.by_dev
            .insert(dev.to_owned(), (prop("ID_FS_UUID"), label));
    }
    let mut links: [HashMap<String, String>; 2] = Default::default();
    for (dir, map) in ["/dev/disk/by-uuid", "/dev/disk/by-label"]
        .iter()
        .zip(&mut links)
    {
        for name in ctx.list(dir) {
            if let Some(target) = ctx.link(&format!("{dir}/{name}")) {
                map.insert(resolve(ctx, &Path::new(dir).join(target)), unhex(&name));
            }
        }
    }
    for m in mounts.iter().filter(|m| m.source.starts_with('/')) {
        let device = resolve(ctx, Path::new(&m.source));
        let [uuids, labels] = &links;
        let found = (uuids.get(&device).cloned(), labels.get(&device).cloned());
        if found.0.is_some() || found.1.is_some() {
            ids.by_source.insert(m.source.clone(), found);
        }
    }
    ids
}

/// udev's `\x20` escapes.
fn unhex(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = (b[i] == b'\\' && b.get(i + 1) == Some(&b'x'))
            .then(|| b.get(i + 2..i + 4))
            .flatten()
            .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match hex {
            Some(v) => {
                out.push(v);
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An absolute path below the root with its links followed (lexically normalised when it
/// does not exist), as an absolute path seen from the root.
fn resolve(ctx: &Context<'_>, path: &Path) -> String {
    let rel = path.strip_prefix("/").unwrap_or(path);
    let root = std::fs::canonicalize(ctx.root()).unwrap_or_else(|_| ctx.root().to_path_buf());
    if let Ok(real) = std::fs::canonicalize(root.join(rel))
        && let Ok(inside) = real.strip_prefix(&root)
    {
        return format!("/{}", inside.display());
    }
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out.display().to_string()
}

/// MiB rounded down, as `df -k` KiB / 1024.
fn mib(bytes: u64) -> i64 {
    i64::try_from(bytes / 1024 / 1024).unwrap_or(i64::MAX)
}

/// The DRIVES entries of mounts with their sizes (`None`: unknown, the mount is left out, as
/// df would not list it) and identities. Of mounts of one filesystem (same `st_dev`, else
/// same device and directory) one is kept, as df does: the mount of the filesystem's root,
/// else the shortest mount point.
pub(super) fn build(mounts: &[Mount], sizes: &[Option<Sizes>], ids: &Ids) -> Vec<Entry> {
    let sized: Vec<(&Mount, Sizes)> = mounts
        .iter()
        .zip(sizes)
        .filter_map(|(m, s)| Some((m, (*s)?)))
        // df -k: a total or available of 0 KiB is a pseudo filesystem.
        .filter(|(_, s)| s.total / 1024 > 0 && s.available / 1024 > 0)
        .collect();
    let key = |m: &Mount, s: &Sizes| match s.device {
        Some(d) => d.to_string(),
        None => format!("{}{}", m.dev.as_deref().unwrap_or(&m.source), m.root),
    };
    let rank = |m: &Mount| (m.root != "/", m.mount_point.len());
    let mut best: HashMap<String, (bool, usize)> = HashMap::new();
    for (m, s) in &sized {
        let r = rank(m);
        best.entry(key(m, s))
            .and_modify(|b| *b = (*b).min(r))
            .or_insert(r);
    }
    let mut seen = std::collections::HashSet::new();
    sized
        .into_iter()
        .filter(|(m, s)| best.get(&key(m, s)) == Some(&rank(m)) && seen.insert(key(m, s)))
        .map(|(m, s)| {
            let none = (None, None);
            let by_dev = m
                .dev
                .as_ref()
                .and_then(|d| ids.by_dev.get(d))
                .unwrap_or(&none);
            let by_source = ids.by_source.get(&m.source).unwrap_or(&none);
            let mut e = Entry::new();
            e.text("VOLUMN", Some(&m.source))
                .text("FILESYSTEM", Some(&m.fstype))
                .text("TYPE", Some(&m.mount_point))
                .int("TOTAL", Some(mib(s.total)))
                .int("FREE", Some(mib(s.available)))
                .text("SERIAL", by_dev.0.as_ref().or(by_source.0.as_ref()))
                .text("LABEL", by_dev.1.as_ref().or(by_source.1.as_ref()));
            e
        })
        .collect()
}

#[cfg(test)]
#[path = "drives_tests.rs"]
mod tests;
