//! SOFTWARES: dpkg status file, rpm database, snap and flatpak ([`super::bundles`]).
//!
//! * dpkg: `/var/lib/dpkg/status` paragraphs whose Status ends with " installed", as
//!   `dpkg-query --show` gives the agents: NAME, ARCH, VERSION, FILESIZE (Installed-Size KiB
//!   × 1024, bytes), SYSTEM_CATEGORY (Section), FROM `deb`, PUBLISHER = the distribution as
//!   `lsb_release -i` spells it from os-release. INSTALLDATE (an addition: the agents' Deb
//!   module has none) is the local date "DD/MM/YYYY" of the mtime of
//!   `/var/lib/dpkg/info/<pkg>[:arch].list`, which dpkg rewrites on each install or upgrade
//!   (the rpm INSTALLTIME meaning); one stat per package. Pending entries of dpkg's
//!   `updates/` journal (an interrupted dpkg run) are not merged.
//! * rpm: only when `/var/lib/rpm` exists on the real root, one `rpm -qa --queryformat` run,
//!   bounded to 30 s (the rpmdb is SQLite/BerkeleyDB/NDB: no pure reader).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::Context;
use super::os::{is_real_root, os_release};
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Softwares];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    if !ctx.wants(Section::Softwares) {
        return;
    }
    for e in dpkg(ctx) {
        inv.add(Section::Softwares, e);
    }
    if is_real_root(ctx) && ctx.exists("/var/lib/rpm") {
        let fmt = "%{NAME}\\t%{ARCH}\\t%{VERSION}-%{RELEASE}\\t%{INSTALLTIME}\\t%{SIZE}\\t%{VENDOR}\\t%{SUMMARY}\\t%{GROUP}\\n";
        if let Some(out) = run_bounded(
            "rpm",
            &["-qa", "--queryformat", fmt],
            Duration::from_secs(30),
        ) {
            for e in rpm_lines(&out) {
                inv.add(Section::Softwares, e);
            }
        }
    }
    for e in super::bundles::snaps(ctx)
        .into_iter()
        .chain(super::bundles::flatpaks(ctx))
    {
        inv.add(Section::Softwares, e);
    }
}

/// The "Distributor ID" of `lsb_release -i`: os-release ID with a capital, or NAME when it
/// differs from ID only by case (`Debian`, `Ubuntu`, `Fedora`…).
pub(super) fn distributor(ctx: &Context<'_>) -> Option<String> {
    let release = os_release(ctx);
    let field = |k: &str| release.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let id = field("ID")?;
    if let Some(name) = field("NAME").filter(|n| n.eq_ignore_ascii_case(&id)) {
        return Some(name);
    }
    let mut chars = id.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// "DD/MM/YYYY" in local time (the agents' SOFTWARES INSTALLDATE).
pub(super) fn install_date(t: SystemTime) -> Option<String> {
    let ts = jiff::Timestamp::try_from(t).ok()?;
    Some(
        ts.to_zoned(jiff::tz::TimeZone::system())
            .strftime("%d/%m/%Y")
            .to_string(),
    )
}

/// The installed packages of the dpkg status file.
fn dpkg(ctx: &Context<'_>) -> Vec<Entry> {
    let Some(status) = ctx.read("/var/lib/dpkg/status") else {
        return Vec::new();
    };
    let publisher = distributor(ctx);
    let mut out = Vec::new();
    for paragraph in status.split("\n\n") {
        let field = |name: &str| {
            paragraph.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (!l.starts_with([' ', '\t']) && k == name).then(|| v.trim().to_owned())
            })
        };
        let (Some(name), Some(state)) = (field("Package"), field("Status")) else {
            continue;
        };
        if !state.ends_with(" installed") {
            continue;
        }
        let arch = field("Architecture");
        let list = arch
            .as_deref()
            .map(|a| format!("/var/lib/dpkg/info/{name}:{a}.list"))
            .filter(|p| ctx.exists(p))
            .unwrap_or_else(|| format!("/var/lib/dpkg/info/{name}.list"));
        let date = std::fs::metadata(ctx.path(&list))
            .and_then(|m| m.modified())
            .ok()
            .and_then(install_date);
        let size = field("Installed-Size").map(|s| s.parse::<i64>().map_or(0, |k| k * 1024));
        let mut e = Entry::new();
        e.text("NAME", Some(name))
            .text("ARCH", arch)
            .text("VERSION", field("Version"))
            .int("FILESIZE", size.or(Some(0)))
            .text("SYSTEM_CATEGORY", field("Section"))
            .text("FROM", Some("deb"))
            .text("PUBLISHER", publisher.as_deref())
            .text("INSTALLDATE", date);
        out.push(e);
    }
    out
}

/// The entries of `rpm -qa --queryformat` output (tab-separated, see [`collect`]).
fn rpm_lines(out: &str) -> Vec<Entry> {
    out.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().filter(|v| *v != "(none)");
            let name = get(0)?;
            let date = get(3)
                .and_then(|s| s.parse::<u64>().ok())
                .and_then(|s| install_date(SystemTime::UNIX_EPOCH + Duration::from_secs(s)));
            let mut e = Entry::new();
            e.text("NAME", Some(name))
                .text("ARCH", get(1))
                .text("VERSION", get(2))
                .text("INSTALLDATE", date)
                .int("FILESIZE", get(4).and_then(|s| s.parse().ok()))
                .text("PUBLISHER", get(5))
                .text("COMMENTS", get(6))
                .text("SYSTEM_CATEGORY", get(7))
                .text("FROM", Some("rpm"));
            Some(e)
        })
        .collect()
}

/// Runs a program once with a time limit; its standard output when it exits successfully.
fn run_bounded(program: &str, args: &[&str], limit: Duration) -> Option<String> {
    let mut child = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                tracing::warn!(program, "timed out or failed; killed");
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let out = reader.join().ok()?;
    status.filter(std::process::ExitStatus::success)?;
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;
    use crate::model::local::Value;

    const STATUS: &str = "Package: adduser\nStatus: install ok installed\nPriority: important\n\
Section: admin\nInstalled-Size: 686\nMaintainer: Debian Adduser Developers <adduser@packages.debian.org>\n\
Architecture: all\nMulti-Arch: foreign\nVersion: 3.134\nDepends: passwd\nConffiles:\n \
/etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18\nDescription: add and remove users and groups\n \
This package includes the 'adduser' and 'deluser' commands for creating\n .\n Section: not a field\n\n\
Package: binutils-common\nStatus: install ok installed\nPriority: optional\nSection: devel\n\
Installed-Size: 15039\nMaintainer: Matthias Klose <doko@debian.org>\nArchitecture: amd64\n\
Multi-Arch: same\nSource: binutils\nVersion: 2.40-2\n\n\
Package: old-removed\nStatus: deinstall ok config-files\nSection: utils\nArchitecture: amd64\n\
Version: 1.0-1\n\n\
Package: half\nStatus: install reinstreq half-installed\nArchitecture: amd64\nVersion: 2\n";

    #[test]
    fn dpkg_status_file() {
        let inv = crate::inventory::fixture::run(
            &[
                ("/etc/os-release", "NAME=\"Debian GNU/Linux\"\nID=debian\n"),
                ("/var/lib/dpkg/status", STATUS),
                ("/var/lib/dpkg/info/adduser.list", "/.\n/usr/sbin/adduser\n"),
                ("/var/lib/dpkg/info/binutils-common:amd64.list", "/.\n"),
            ],
            collect,
        );
        let s = inv.entries(Section::Softwares);
        assert_eq!(s.len(), 2);
        let t = |i: usize, f: &str| s[i].get_text(f);
        assert_eq!(t(0, "NAME").as_deref(), Some("adduser"));
        assert_eq!(t(0, "ARCH").as_deref(), Some("all"));
        assert_eq!(t(0, "VERSION").as_deref(), Some("3.134"));
        assert_eq!(s[0].get("FILESIZE"), Some(&Value::Int(702_464)));
        assert_eq!(t(0, "SYSTEM_CATEGORY").as_deref(), Some("admin"));
        assert_eq!(t(0, "FROM").as_deref(), Some("deb"));
        assert_eq!(t(0, "PUBLISHER").as_deref(), Some("Debian"));
        let today = install_date(SystemTime::now());
        assert_eq!(t(0, "INSTALLDATE"), today);
        assert_eq!(t(1, "INSTALLDATE"), today, "multi-arch list file name");
        assert_eq!(t(1, "VERSION").as_deref(), Some("2.40-2"));
        assert_eq!(s[1].get("FILESIZE"), Some(&Value::Int(15_039 * 1024)));
    }

    #[test]
    fn distributor_and_rpm_lines() {
        let tree = Tree::new(&[("/etc/os-release", "NAME=\"Ubuntu\"\nID=ubuntu\n")]);
        assert_eq!(
            distributor(&Context {
                options: &tree.options()
            })
            .as_deref(),
            Some("Ubuntu")
        );
        let tree = Tree::new(&[("/etc/os-release", "NAME=\"Rocky Linux\"\nID=\"rocky\"\n")]);
        assert_eq!(
            distributor(&Context {
                options: &tree.options()
            })
            .as_deref(),
            Some("Rocky")
        );
        let out = "bash\tx86_64\t5.1.8-9.el9\t1700000000\t7738634\tRocky Enterprise Software Foundation\tThe GNU Bourne Again shell\tUnspecified\n\
gpg-pubkey\t(none)\t8483c65d-5ccc5b19\t1700000001\t0\t(none)\tgpg(Rocky)\tPublic Keys\n";
        let e = rpm_lines(out);
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].get_text("VERSION").as_deref(), Some("5.1.8-9.el9"));
        assert_eq!(e[0].get("FILESIZE"), Some(&Value::Int(7_738_634)));
        assert_eq!(
            e[0].get_text("COMMENTS").as_deref(),
            Some("The GNU Bourne Again shell")
        );
        assert_eq!(e[0].get_text("FROM").as_deref(), Some("rpm"));
        assert!(
            e[0].get_text("INSTALLDATE")
                .is_some_and(|d| d.ends_with("/2023"))
        );
        assert!(e[1].get("ARCH").is_none() && e[1].get("PUBLISHER").is_none());
    }

    #[test]
    fn real_root_count_agrees_with_dpkg_query() {
        let Ok(out) = Command::new("dpkg-query")
            .args(["-W", "-f", "${Status}\\n"])
            .output()
        else {
            return; // not a dpkg system
        };
        let listed = String::from_utf8_lossy(&out.stdout).lines().count();
        let installed = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.ends_with(" installed"))
            .count();
        let options = crate::inventory::Options::default();
        let mut inv = LocalInventory::default();
        collect(&Context { options: &options }, &mut inv);
        let deb = inv
            .entries(Section::Softwares)
            .iter()
            .filter(|e| e.get_text("FROM").as_deref() == Some("deb"))
            .count();
        assert_eq!(deb, installed);
        if installed == listed {
            // Every known package is installed (this machine): `dpkg-query -W | wc -l`.
            assert_eq!(deb, listed);
        }
    }
}
