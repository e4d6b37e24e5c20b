//! DHCP servers of the interfaces (NETWORKS/IPDHCP), from the lease files DHCP clients leave:
//! systemd-networkd (`/run/systemd/netif/leases/<ifindex>`), dhclient (`/var/lib/dhcp`,
//! `/var/lib/dhclient`, `/var/db`, `/var/lib/dhcp3`, and NetworkManager's `dhclient-*.lease`)
//! and NetworkManager's internal client (`/var/lib/NetworkManager/internal-*-<if>.lease`).
//!
//! A lease counts only while it is current: networkd's live in `/run` (gone when the lease is);
//! a dhclient lease until its `expire` time (UTC, or `epoch N`; the Perl agents read it as
//! local time and only look at `*.lease` files, missing Debian's `dhclient.eth0.leases`);
//! NetworkManager's internal leases persist on disk, so one counts only when its `ADDRESS` is
//! on the interface now.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::SystemTime;

use super::Context;

/// What the lease lookup needs about an interface.
pub(super) struct Interface<'a> {
    pub(super) name: &'a str,
    pub(super) index: u32,
    /// Its current IPv4 addresses.
    pub(super) ipv4: Vec<Ipv4Addr>,
}

/// Directories holding dhclient lease files.
const DHCLIENT_DIRS: &[&str] = &[
    "/var/lib/dhcp",
    "/var/lib/dhclient",
    "/var/db",
    "/var/lib/dhcp3",
    "/var/lib/NetworkManager",
];

/// The DHCP server of each interface that has a current lease.
pub(super) fn servers(
    ctx: &Context<'_>,
    interfaces: &[Interface<'_>],
    now: SystemTime,
) -> HashMap<String, String> {
    let now = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    // dhclient: the current lease of latest expiry per interface, over every file.
    let mut dhclient: HashMap<String, (i64, String)> = HashMap::new();
    for dir in DHCLIENT_DIRS {
        for file in ctx.list(dir) {
            if !file.contains("lease") || file.starts_with("internal-") {
                continue;
            }
            let Some(text) = ctx.read(&format!("{dir}/{file}")) else {
                continue;
            };
            for lease in parse_dhclient(&text) {
                let expiry = lease.expire.unwrap_or(i64::MAX);
                if expiry < now {
                    continue;
                }
                let best = dhclient
                    .entry(lease.interface)
                    .or_insert((i64::MIN, String::new()));
                if expiry >= best.0 {
                    *best = (expiry, lease.server);
                }
            }
        }
    }
    let nm_files = ctx.list("/var/lib/NetworkManager");
    let mut found = HashMap::new();
    for i in interfaces {
        let networkd = ctx
            .read(&format!("/run/systemd/netif/leases/{}", i.index))
            .and_then(|t| key_value(&t, "SERVER_ADDRESS"));
        let server = networkd
            .or_else(|| dhclient.get(i.name).map(|(_, s)| s.clone()))
            .or_else(|| {
                let suffix = format!("-{}.lease", i.name);
                nm_files
                    .iter()
                    .filter(|f| f.starts_with("internal-") && f.ends_with(&suffix))
                    .filter_map(|f| ctx.read(&format!("/var/lib/NetworkManager/{f}")))
                    .find_map(|t| {
                        let address = key_value(&t, "ADDRESS")?.parse::<Ipv4Addr>().ok()?;
                        i.ipv4
                            .contains(&address)
                            .then(|| key_value(&t, "SERVER_ADDRESS"))?
                    })
            });
        if let Some(s) = server {
            found.insert(i.name.to_owned(), s);
        }
    }
    found
}

/// The value of `KEY=` in a systemd-style lease file.
fn key_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key && !v.trim().is_empty()).then(|| v.trim().to_owned())
    })
}

/// A dhclient lease.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Lease {
    pub(super) interface: String,
    pub(super) server: String,
    /// Expiry in seconds since the epoch (`None`: never).
    pub(super) expire: Option<i64>,
}

/// The leases of a dhclient lease file that name an interface and a server.
pub(super) fn parse_dhclient(text: &str) -> Vec<Lease> {
    let mut leases = Vec::new();
    let (mut inside, mut interface, mut server, mut expire) = (false, None, None, None);
    for line in text.lines().map(str::trim) {
        let line = line.split('#').next().unwrap_or(line).trim();
        let line = line.trim_end_matches(';').trim();
        if line.starts_with("lease") && line.ends_with('{') {
            (inside, interface, server, expire) = (true, None, None, None);
        } else if line == "}" {
            if let (true, Some(i), Some(s), Some(e)) =
                (inside, interface.take(), server.take(), expire)
            {
                leases.push(Lease {
                    interface: i,
                    server: s,
                    expire: e,
                });
            }
            inside = false;
        } else if !inside {
        } else if let Some(rest) = line.strip_prefix("interface ") {
            interface = Some(rest.trim().trim_matches('"').to_owned());
        } else if let Some(rest) = line.strip_prefix("option dhcp-server-identifier ") {
            server = rest.trim().parse::<Ipv4Addr>().ok().map(|a| a.to_string());
        } else if let Some(rest) = line.strip_prefix("expire ") {
            // Without a readable expiry the lease is not trusted.
            expire = parse_expire(rest);
        }
    }
    leases
}

/// `2 2026/11/24 12:00:00` (UTC), `epoch 1764000000 # …`, or `never` → `Some(None)`.
fn parse_expire(text: &str) -> Option<Option<i64>> {
    let mut words = text.split_whitespace();
    match words.next()? {
        "never" => Some(None),
        "epoch" => words.next()?.parse().ok().map(Some),
        _ => {
            let (date, time) = (words.next()?, words.next()?);
            let d: Vec<i64> = date.split('/').filter_map(|n| n.parse().ok()).collect();
            let t: Vec<i64> = time.split(':').filter_map(|n| n.parse().ok()).collect();
            let (&[y, m, day], &[h, mi, s]) = (d.as_slice(), t.as_slice()) else {
                return None;
            };
            let dt = jiff::civil::DateTime::new(
                i16::try_from(y).ok()?,
                i8::try_from(m).ok()?,
                i8::try_from(day).ok()?,
                i8::try_from(h).ok()?,
                i8::try_from(mi).ok()?,
                i8::try_from(s).ok()?,
                0,
            )
            .ok()?;
            let ts = dt.to_zoned(jiff::tz::TimeZone::UTC).ok()?.timestamp();
            Some(Some(ts.as_second()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhclient_lease_parsing() {
        let text = "lease {\n  interface \"eth0\";\n  fixed-address 10.0.0.5;\n  option dhcp-server-identifier 10.0.0.1;\n  renew 2 2026/11/24 10:00:00;\n  expire 2 2026/11/24 12:00:00;\n}\nlease {\n  interface \"eth1\";\n  option dhcp-server-identifier 10.1.0.1;\n  expire epoch 1764000000; # Mon Nov 24 16:00:00 2025\n}\nlease {\n  interface \"eth2\";\n  option dhcp-server-identifier 10.2.0.1;\n  expire never;\n}\nlease {\n  interface \"eth3\";\n  option dhcp-server-identifier 10.3.0.1;\n}\n";
        let leases = parse_dhclient(text);
        assert_eq!(leases.len(), 3);
        assert_eq!(leases[0].interface, "eth0");
        assert_eq!(leases[0].server, "10.0.0.1");
        assert_eq!(leases[0].expire, Some(1_795_521_600));
        assert_eq!(leases[1].expire, Some(1_764_000_000));
        assert_eq!(leases[2].expire, None);
    }
}
