//! OPERATINGSYSTEM and HARDWARE's name, domain, DNS, memory and swap.
//!
//! Sources: `/proc/sys/kernel/{osrelease,arch,hostname}`, `/etc/os-release` (+
//! `/etc/debian_version`), `/etc/hosts` (FQDN, HOSTID derived as glibc does), `/etc/hostid`,
//! `/proc/uptime`, `/proc/meminfo`, `/etc/resolv.conf`, the birth time of
//! `/var/lib/dpkg/info/base-files.list` (else of the root). Name resolution through the system
//! resolver is only used for the real root `/`, when `/etc/hosts` does not know the host.
//!
//! Quirk 4 (§2.4): a zero birth time (filesystems that do not record it) is unknown, so no
//! INSTALL_DATE rather than glpi-agent's `1970-01-01 00:00:00`.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::Context;
use super::basics::{local_datetime, local_timezone};
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::OperatingSystem, Section::Hardware];

/// Collects.
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    let hostname = hostname(ctx);
    let fqdn = hostname.as_deref().map(|h| fqdn(ctx, h));
    if ctx.wants(Section::OperatingSystem) {
        inv.add(
            Section::OperatingSystem,
            operating_system(ctx, hostname.as_deref(), fqdn.as_deref()),
        );
    }
    if ctx.wants(Section::Hardware) {
        let mut hw = Entry::new();
        let short = hostname
            .as_deref()
            .map(|h| h.split('.').next().unwrap_or(h).to_owned());
        hw.text("NAME", short);
        resolv_conf(ctx, fqdn.as_deref(), &mut hw);
        let mib = |key| meminfo_kib(ctx, key).and_then(|k| i64::try_from(k / 1024).ok());
        hw.int("MEMORY", mib("MemTotal"))
            .int("SWAP", mib("SwapTotal"));
        inv.add(Section::Hardware, hw);
    }
}

/// The OPERATINGSYSTEM entry.
fn operating_system(ctx: &Context<'_>, hostname: Option<&str>, fqdn: Option<&str>) -> Entry {
    let mut os = Entry::new();
    os.text("KERNEL_NAME", Some("linux")).text(
        "KERNEL_VERSION",
        ctx.read_value("/proc/sys/kernel/osrelease"),
    );
    let release = os_release(ctx);
    let field = |k: &str| release.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut version = field("VERSION");
    // Debian: the point release of /etc/debian_version ("12.11") when it starts with a digit.
    if field("ID").as_deref() == Some("debian")
        && let Some(dv) = ctx.read_value("/etc/debian_version")
        && dv.starts_with(|c: char| c.is_ascii_digit())
    {
        version = Some(dv);
    }
    os.text("NAME", field("NAME"))
        .text("VERSION", version)
        .text("FULL_NAME", field("PRETTY_NAME"));
    let arch = ctx.read_value("/proc/sys/kernel/arch").or_else(|| {
        // Older kernels: the architecture this binary was built for (uname -m for the real
        // root; a 32-bit build on a 64-bit kernel would differ, an acceptable corner).
        is_real_root(ctx).then(|| std::env::consts::ARCH.to_owned())
    });
    os.text("ARCH", arch);
    if let Some(fqdn) = fqdn {
        os.text("FQDN", Some(fqdn));
        if let Some((_, domain)) = fqdn.split_once('.') {
            os.text("DNS_DOMAIN", Some(domain));
        }
    }
    os.text(
        "HOSTID",
        hostid(ctx, hostname).map(|id| format!("{id:08x}")),
    );
    let now = ctx.options.now;
    if let Some(uptime) = ctx
        .read("/proc/uptime")
        .and_then(|t| t.split_whitespace().next()?.parse::<f64>().ok())
        .filter(|u| u.is_finite() && *u >= 0.0)
    {
        let boot = now.checked_sub(Duration::from_secs(uptime as u64));
        os.text("BOOT_TIME", boot.map(local_datetime));
    }
    let (tz_name, tz_offset) = local_timezone(now);
    let mut tz = Entry::new();
    tz.text("NAME", tz_name).text("OFFSET", Some(tz_offset));
    os.entry("TIMEZONE", tz);
    os.text("INSTALL_DATE", install_date(ctx).map(local_datetime));
    os
}

/// True when the collectors read the running system (not a fixture tree).
pub(super) fn is_real_root(ctx: &Context<'_>) -> bool {
    ctx.root() == Path::new("/")
}

/// `/etc/os-release` (else `/usr/lib/os-release`) as unquoted `(key, value)` pairs.
pub(super) fn os_release(ctx: &Context<'_>) -> Vec<(String, String)> {
    let text = ctx
        .read("/etc/os-release")
        .or_else(|| ctx.read("/usr/lib/os-release"))
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.trim().split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_owned(), v.replace("\\\"", "\"")))
        })
        .collect()
}

/// The host name as the kernel knows it (else `/etc/hostname`).
pub(super) fn hostname(ctx: &Context<'_>) -> Option<String> {
    ctx.read_value("/proc/sys/kernel/hostname")
        .or_else(|| ctx.read_value("/etc/hostname"))
        .filter(|h| h != "(none)")
}

/// The `/etc/hosts` line naming `host`: its addresses' first match and its names.
fn hosts_entry(ctx: &Context<'_>, host: &str, want_v4: bool) -> Option<(String, Vec<String>)> {
    let text = ctx.read("/etc/hosts")?;
    text.lines().find_map(|l| {
        let l = l.split('#').next().unwrap_or("");
        let mut words = l.split_whitespace();
        let addr = words.next()?;
        let names: Vec<String> = words.map(str::to_owned).collect();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(host)) {
            return None;
        }
        if want_v4 && addr.parse::<Ipv4Addr>().is_err() {
            return None;
        }
        Some((addr.to_owned(), names))
    })
}

/// The fully qualified name: the canonical name of the host's `/etc/hosts` line (or a dotted
/// alias starting with the host name), else the resolver's canonical name (real root only),
/// else the host name itself (Net::Domain's `hostfqdn` gives the same on this machine).
fn fqdn(ctx: &Context<'_>, host: &str) -> String {
    if host.contains('.') {
        return host.to_owned();
    }
    if let Some((_, names)) = hosts_entry(ctx, host, false) {
        let prefix = format!("{host}.");
        if let Some(n) = names
            .iter()
            .find(|n| n.contains('.') && n.to_ascii_lowercase().starts_with(&prefix))
            .or_else(|| names.first().filter(|n| n.contains('.')))
        {
            return n.clone();
        }
        return host.to_owned();
    }
    if is_real_root(ctx) {
        let hints = dns_lookup::AddrInfoHints {
            flags: 2, // AI_CANONNAME
            address: 0,
            socktype: 1, // SOCK_STREAM: one answer per address
            protocol: 0,
        };
        if let Ok(mut answers) = dns_lookup::getaddrinfo(Some(host), None, Some(hints))
            && let Some(Ok(a)) = answers.next()
            && let Some(c) = a.canonname.filter(|c| c.contains('.'))
        {
            return c;
        }
    }
    host.to_owned()
}

/// The host id: `/etc/hostid` (4 bytes, native order), else as glibc's `gethostid` derives
/// it from the host's first IPv4 address (the address in memory, rotated by 16 bits).
fn hostid(ctx: &Context<'_>, host: Option<&str>) -> Option<u32> {
    if let Some(bytes) = ctx.read_bytes("/etc/hostid")
        && let Some(b) = bytes.get(..4)
    {
        return Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
    }
    let host = host?;
    let addr = match hosts_entry(ctx, host, true) {
        Some((a, _)) => a.parse::<Ipv4Addr>().ok(),
        None if is_real_root(ctx) => dns_lookup::lookup_host(host).ok().and_then(|mut it| {
            it.find_map(|ip| match ip {
                std::net::IpAddr::V4(v4) => Some(v4),
                std::net::IpAddr::V6(_) => None,
            })
        }),
        None => None,
    }?;
    let x = u32::from_ne_bytes(addr.octets());
    Some(x.rotate_left(16))
}

/// The install date: birth of `base-files.list` (dpkg systems), else of the root; a zero birth
/// time is unknown (quirk 4).
fn install_date(ctx: &Context<'_>) -> Option<SystemTime> {
    let birth = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.created())
            .ok()
            .filter(|t| {
                t.duration_since(SystemTime::UNIX_EPOCH)
                    .is_ok_and(|d| d.as_secs() > 0)
            })
    };
    let list = ctx.path("/var/lib/dpkg/info/base-files.list");
    if list.exists() {
        return birth(&list);
    }
    birth(ctx.root())
}

/// A `/proc/meminfo` value in KiB.
pub(super) fn meminfo_kib(ctx: &Context<'_>, key: &str) -> Option<u64> {
    let text = ctx.read("/proc/meminfo")?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k == key).then(|| v.split_whitespace().next()?.parse().ok())?
    })
}

/// HARDWARE DNS (sorted unique nameservers joined by `/`) and WORKGROUP (the FQDN's domain,
/// else the `search`/`domain` names sorted and joined by `/`), as `Generic/Domains` does.
fn resolv_conf(ctx: &Context<'_>, fqdn: Option<&str>, hw: &mut Entry) {
    let text = ctx.read("/etc/resolv.conf").unwrap_or_default();
    let mut dns = std::collections::BTreeSet::new();
    let mut search = std::collections::BTreeSet::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("nameserver") => {
                if let Some(ns) = words.next() {
                    dns.insert(ns.trim_end_matches('.').to_owned());
                }
            }
            // The agent keeps the first word of each search/domain line.
            Some("domain" | "search") => {
                if let Some(d) = words.next() {
                    search.insert(d.trim_end_matches('.').to_owned());
                }
            }
            _ => {}
        }
    }
    if !dns.is_empty() {
        hw.text("DNS", Some(dns.into_iter().collect::<Vec<_>>().join("/")));
    }
    let domain = fqdn
        .and_then(|f| f.trim_end_matches('.').split_once('.'))
        .map(|(_, d)| d.to_owned())
        .filter(|d| !d.is_empty());
    let workgroup = domain
        .or_else(|| (!search.is_empty()).then(|| search.into_iter().collect::<Vec<_>>().join("/")));
    hw.text("WORKGROUP", workgroup);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::Tree;

    const OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n\
        VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n\
        HOME_URL=\"https://www.debian.org/\"\n";
    const MEMINFO: &str = "MemTotal:       24684976 kB\nMemFree:        20000000 kB\n\
        MemAvailable:   22000000 kB\nSwapTotal:        1048572 kB\nSwapFree:        1048572 kB\n";

    fn run(tree: &Tree) -> LocalInventory {
        tree.collect(collect)
    }

    #[test]
    fn os_and_hardware_of_a_debian_tree() {
        let tree = Tree::new(&[
            ("/etc/os-release", OS_RELEASE),
            ("/etc/debian_version", "12.11\n"),
            ("/proc/sys/kernel/osrelease", "6.18.44-fc-v657\n"),
            ("/proc/sys/kernel/arch", "x86_64\n"),
            ("/proc/sys/kernel/hostname", "vm\n"),
            ("/etc/hosts", "127.0.0.1 localhost\n127.0.0.1 vm\n"),
            ("/proc/uptime", "3600.52 7000.10\n"),
            ("/proc/meminfo", MEMINFO),
            (
                "/etc/resolv.conf",
                "# generated\nnameserver 10.255.255.53\nnameserver 192.0.2.53.\nsearch lan example.org\n",
            ),
            ("/var/lib/dpkg/info/base-files.list", "/.\n/bin\n"),
        ]);
        let inv = run(&tree);
        let os = &inv.entries(Section::OperatingSystem)[0];
        let t = |f: &str| os.get_text(f);
        assert_eq!(t("KERNEL_NAME").as_deref(), Some("linux"));
        assert_eq!(t("KERNEL_VERSION").as_deref(), Some("6.18.44-fc-v657"));
        assert_eq!(t("NAME").as_deref(), Some("Debian GNU/Linux"));
        assert_eq!(t("VERSION").as_deref(), Some("12.11"));
        assert_eq!(
            t("FULL_NAME").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(t("ARCH").as_deref(), Some("x86_64"));
        assert_eq!(t("FQDN").as_deref(), Some("vm"));
        assert!(os.get("DNS_DOMAIN").is_none());
        // 127.0.0.1 in memory (little-endian 0x0100007f) rotated by 16 bits, as `hostid`.
        if cfg!(target_endian = "little") {
            assert_eq!(t("HOSTID").as_deref(), Some("007f0100"));
        }
        let boot = t("BOOT_TIME").expect("boot time");
        let expected = local_datetime(tree.options().now - Duration::from_secs(3600));
        assert_eq!(boot, expected);
        match os.get("TIMEZONE") {
            Some(crate::model::local::Value::Entry(tz)) => {
                assert_eq!(tz.get_text("OFFSET").map(|o| o.len()), Some(5));
            }
            other => panic!("TIMEZONE: {other:?}"),
        }
        let hw = &inv.entries(Section::Hardware)[0];
        assert_eq!(hw.get_text("NAME").as_deref(), Some("vm"));
        assert_eq!(
            hw.get_text("DNS").as_deref(),
            Some("10.255.255.53/192.0.2.53")
        );
        assert_eq!(hw.get_text("WORKGROUP").as_deref(), Some("lan"));
        assert_eq!(
            hw.get("MEMORY"),
            Some(&crate::model::local::Value::Int(24106))
        );
        assert_eq!(hw.get("SWAP"), Some(&crate::model::local::Value::Int(1023)));
    }

    #[test]
    fn fqdn_hostid_file_and_other_distributions() {
        let tree = Tree::new(&[
            (
                "/etc/os-release",
                "NAME=\"Ubuntu\"\nVERSION=\"24.04.1 LTS (Noble Numbat)\"\nID=ubuntu\nPRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\n",
            ),
            ("/etc/debian_version", "trixie/sid\n"),
            ("/etc/hostname", "web1\n"),
            (
                "/etc/hosts",
                "127.0.0.1 localhost\n127.0.1.1 web1.example.com web1\n",
            ),
            ("/etc/hostid", "\u{1}\u{2}\u{3}\u{4}"),
            (
                "/etc/resolv.conf",
                "nameserver 127.0.0.53\nsearch corp.example\n",
            ),
        ]);
        let inv = run(&tree);
        let os = &inv.entries(Section::OperatingSystem)[0];
        assert_eq!(
            os.get_text("VERSION").as_deref(),
            Some("24.04.1 LTS (Noble Numbat)")
        );
        assert_eq!(os.get_text("FQDN").as_deref(), Some("web1.example.com"));
        assert_eq!(os.get_text("DNS_DOMAIN").as_deref(), Some("example.com"));
        let id = u32::from_ne_bytes([1, 2, 3, 4]);
        assert_eq!(os.get_text("HOSTID"), Some(format!("{id:08x}")));
        // Not readable in a fixture: no boot time, no arch, no memory.
        assert!(os.get("BOOT_TIME").is_none() && os.get("ARCH").is_none());
        // The fixture file has a real birth time, or none (quirk 4: zero is unknown).
        let hw = &inv.entries(Section::Hardware)[0];
        assert_eq!(hw.get_text("NAME").as_deref(), Some("web1"));
        assert_eq!(hw.get_text("WORKGROUP").as_deref(), Some("example.com"));
        assert!(hw.get("MEMORY").is_none());
    }
}
