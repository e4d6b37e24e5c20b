//! The kernel's neighbour table: IP → MAC of hosts on the local segments, read without
//! privileges and without sending anything.
//!
//! FusionInventory runs `arp -a <ip>` (or `ip neighbor show <ip>`) once per address; we read the
//! whole table once instead: `/proc/net/arp` for IPv4 (a file read, cheap enough to repeat per
//! batch), and one `ip -6 neigh show` for IPv6 (Linux has no `/proc` file for it; spawning per
//! address is what we avoid). Read it after the ICMP and NetBIOS probes of a batch: those are
//! what make the kernel resolve the addresses. Entries expire (and the kernel collects them
//! beyond `gc_thresh1`, 128 by default), so a long sweep should read it per batch, not once at
//! the end.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::time::Duration;

/// Where Linux exposes the IPv4 table.
const PROC_NET_ARP: &str = "/proc/net/arp";
/// `ATF_COM`: the entry is complete (has a MAC).
const ATF_COM: u32 = 0x02;
/// Longest we wait for `ip -6 neigh show`.
const IP_COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// The IPv4 neighbour table from `/proc/net/arp`.
///
/// # Errors
/// The I/O error of reading the file (e.g. not Linux).
pub fn read_arp_table() -> io::Result<HashMap<IpAddr, String>> {
    Ok(parse_proc_net_arp(&std::fs::read_to_string(PROC_NET_ARP)?))
}

/// Parses `/proc/net/arp`: `IP HW-type Flags HW-address Mask Device` after a header line.
/// Incomplete entries (flags without `ATF_COM`, e.g. `0x0`) and all-zero MACs are skipped;
/// MACs are lower-case with colons; the first entry of an address wins.
#[must_use]
pub fn parse_proc_net_arp(text: &str) -> HashMap<IpAddr, String> {
    let mut table = HashMap::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [ip, _hw_type, flags, mac, ..] = fields[..] else {
            continue;
        };
        let complete =
            u32::from_str_radix(flags.trim_start_matches("0x"), 16).is_ok_and(|f| f & ATF_COM != 0);
        if let (true, Ok(ip), Some(mac)) = (complete, ip.parse::<IpAddr>(), canonical_mac(mac)) {
            table.entry(ip).or_insert(mac);
        }
    }
    table
}

/// Parses `ip neigh show` output (either family): `ADDR [dev IF] [lladdr MAC] [router] STATE`.
/// Entries without a link-layer address (`INCOMPLETE`, `FAILED`) are skipped.
#[must_use]
pub fn parse_ip_neigh(text: &str) -> HashMap<IpAddr, String> {
    let mut table = HashMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(Ok(ip)) = words.next().map(str::parse::<IpAddr>) else {
            continue;
        };
        let mut mac = None;
        while let Some(w) = words.next() {
            if w == "lladdr" {
                mac = words.next().and_then(canonical_mac);
                break;
            }
        }
        if let Some(mac) = mac {
            table.entry(ip).or_insert(mac);
        }
    }
    table
}

/// The IPv6 neighbour table, from one `ip -6 neigh show` (bounded to a few seconds).
///
/// # Errors
/// `ip` missing or failing, or too slow.
pub async fn read_ipv6_neighbors() -> io::Result<HashMap<IpAddr, String>> {
    let run = tokio::process::Command::new("ip")
        .args(["-6", "neigh", "show"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(IP_COMMAND_TIMEOUT, run)
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "ip -6 neigh show took too long"))??;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "ip -6 neigh show: {}",
            output.status
        )));
    }
    Ok(parse_ip_neigh(&String::from_utf8_lossy(&output.stdout)))
}

/// `aa:bb:cc:dd:ee:ff` from six hex octets separated by `:` or `-`; `None` for anything else or
/// for the all-zero address.
fn canonical_mac(text: &str) -> Option<String> {
    let octets: Vec<u8> = text
        .split([':', '-'])
        .map(|o| {
            if (1..=2).contains(&o.len()) {
                u8::from_str_radix(o, 16).ok()
            } else {
                None
            }
        })
        .collect::<Option<_>>()?;
    if octets.len() != 6 || octets.iter().all(|&b| b == 0) {
        return None;
    }
    Some(
        octets
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROC_NET_ARP_FIXTURE: &str = "\
IP address       HW type     Flags       HW address            Mask     Device
192.168.1.1      0x1         0x2         00:1A:2B:3C:4D:5E     *        eth0
192.168.1.20     0x1         0x0         00:00:00:00:00:00     *        eth0
192.168.1.21     0x1         0x2         00:00:00:00:00:00     *        eth0
192.168.1.30     0x1         0x6         aa:bb:cc:dd:ee:01     *        eth0
10.0.0.7         0x1         0x2         0a:0b:0c:0d:0e:0f     *        wlan0
10.0.0.7         0x1         0x2         ff:ff:ff:ff:ff:01     *        eth1
10.0.0.8         0x1         0xc         02:00:00:00:00:08     *        eth0
garbage line
10.0.0.9         0x1         0x2         not-a-mac             *        eth0
";

    #[test]
    fn parses_proc_net_arp() {
        let t = parse_proc_net_arp(PROC_NET_ARP_FIXTURE);
        let get = |ip: &str| t.get(&ip.parse::<IpAddr>().unwrap()).map(String::as_str);
        assert_eq!(get("192.168.1.1"), Some("00:1a:2b:3c:4d:5e"));
        assert_eq!(get("192.168.1.20"), None, "incomplete");
        assert_eq!(get("192.168.1.21"), None, "all-zero MAC");
        assert_eq!(get("192.168.1.30"), Some("aa:bb:cc:dd:ee:01"), "permanent");
        assert_eq!(get("10.0.0.7"), Some("0a:0b:0c:0d:0e:0f"), "first wins");
        assert_eq!(get("10.0.0.8"), None, "published proxy entry, not complete");
        assert_eq!(t.len(), 3);
        assert!(parse_proc_net_arp("").is_empty());
    }

    #[test]
    fn parses_ip_neigh() {
        let text = "\
fe80::1 dev eth0 lladdr 00:1A:2B:3C:4D:5E router REACHABLE
2001:db8::20 dev eth0 lladdr 0a:0b:0c:0d:0e:0f STALE
2001:db8::21 dev eth0  FAILED
2001:db8::22 dev eth0 INCOMPLETE
192.168.1.1 dev eth0 lladdr 00:11:22:33:44:55 DELAY
fd00::1 dev eth0 lladdr
";
        let t = parse_ip_neigh(text);
        let get = |ip: &str| t.get(&ip.parse::<IpAddr>().unwrap()).map(String::as_str);
        assert_eq!(get("fe80::1"), Some("00:1a:2b:3c:4d:5e"));
        assert_eq!(get("2001:db8::20"), Some("0a:0b:0c:0d:0e:0f"));
        assert_eq!(get("192.168.1.1"), Some("00:11:22:33:44:55"));
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn canonical_macs() {
        assert_eq!(
            canonical_mac("0-1A-2b-3-4-5").as_deref(),
            Some("00:1a:2b:03:04:05")
        );
        assert_eq!(canonical_mac("00:00:00:00:00:00"), None);
        assert_eq!(canonical_mac("00:11:22:33:44"), None);
        assert_eq!(canonical_mac("00:11:22:33:44:55:66"), None);
        assert_eq!(canonical_mac("001:11:22:33:44:55"), None);
        assert_eq!(canonical_mac("zz:11:22:33:44:55"), None);
        assert_eq!(canonical_mac(""), None);
    }

    #[test]
    fn reads_the_live_table() {
        // Whatever is in it, reading must work on Linux.
        assert!(read_arp_table().is_ok());
    }
}
