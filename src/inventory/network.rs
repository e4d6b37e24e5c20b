//! NETWORKS (one entry per address, plus one per address-less interface) and HARDWARE's
//! default gateway, from `/sys/class/net`, `/proc/net` and DHCP lease files.
//!
//! `collect` = gather (files below the root, plus IPv4 addresses from `getifaddrs` when the
//! root is `/`: the kernel gives IPv4 addresses in no simple file) + `build`, a pure function
//! of what was gathered, so every rule is tested on injected data.
//!
//! Quirks (`local-inventory.md` §2.4), decided:
//! * 2: a `/128` (`::1`) gets the mask `ffff:…:ffff` and the subnet `::1` (the Perl agents
//!   print `fff0::` and `::`, a prefix-parsing bug); not reproduced.
//! * 3: a link speed of `-1` or `4294967295` (SPEED_UNKNOWN), or an unreadable one, is unknown
//!   and left out on an interface that is up (FI 2.6 prints `-1`, glpi-agent `4294967295`);
//!   an interface that is down reports `0`, as both agents do (so the server forgets a stale
//!   speed).
//!
//! Other decisions: SPEED is text (the JSON schema's type); IPv6 entries get IPGATEWAY when an
//! IPv6 default route of the same interface has its next hop in the entry's prefix (the Perl
//! agents only look at IPv4); HARDWARE/DEFAULTGATEWAY is the IPv4 default gateway of lowest
//! metric (as the agents); HARDWARE/IPADDR is FI 2.6's legacy field (non-loopback IPv4
//! addresses joined by `/`), kept for XML consumers (the JSON schema has no such field).
//! WIFI_* fields (iwconfig/nmcli in the agents) are not collected.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::{Context, dhcp};
use crate::model::local::{Entry, LocalInventory, Section};

/// Sections filled.
pub(super) const SECTIONS: &[Section] = &[Section::Networks, Section::Hardware];

/// An interface as `/sys/class/net/<name>` describes it.
#[derive(Clone, Debug, Default)]
pub(super) struct Interface {
    pub(super) name: String,
    pub(super) index: u32,
    pub(super) mac: Option<String>,
    /// IFF_UP (administratively up), as `ip` prints `UP`.
    pub(super) up: bool,
    pub(super) mtu: Option<i64>,
    /// The raw `speed` attribute (Mb/s; `-1`/`4294967295` = unknown).
    pub(super) speed: Option<i64>,
    /// The ARPHRD type (`type`).
    pub(super) arp_type: Option<u32>,
    /// A `device` link and not under `/sys/devices/virtual/net`.
    pub(super) physical: bool,
    pub(super) wireless: bool,
    pub(super) infiniband: bool,
    pub(super) bridge: bool,
    pub(super) bond: bool,
    /// DEVTYPE of the interface's `uevent` (`vlan`, `bridge`, `bond`, `wlan`…).
    pub(super) devtype: Option<String>,
    /// Lower interfaces (`lower_*`; bridge ports or bond members as fallback).
    pub(super) lowers: Vec<String>,
    pub(super) driver: Option<String>,
    pub(super) pci_slot: Option<String>,
    pub(super) pci_id: Option<String>,
}

/// An address of an interface (`label` is the interface name, or an IPv4 alias label
/// `eth0:1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Address {
    pub(super) label: String,
    pub(super) ip: IpAddr,
    pub(super) prefix: u8,
}

/// Everything `build` needs.
#[derive(Clone, Debug, Default)]
pub(super) struct Gathered {
    pub(super) interfaces: Vec<Interface>,
    pub(super) addresses: Vec<Address>,
    /// The IPv4 default gateway of lowest metric.
    pub(super) gateway4: Option<Ipv4Addr>,
    /// IPv6 default routes: (interface, next hop), lowest metric first.
    pub(super) gateways6: Vec<(String, Ipv6Addr)>,
    /// DHCP server by interface name.
    pub(super) dhcp: HashMap<String, String>,
}

/// Collects (nothing when the `network` category is off: HARDWARE's gateway fields belong to
/// it, as in the agents, where the module is skipped).
pub(super) fn collect(ctx: &Context<'_>, inv: &mut LocalInventory) {
    if !ctx.wants(Section::Networks) {
        return;
    }
    let ipv4 = if ctx.root() == Path::new("/") {
        ipv4_addresses()
    } else {
        Vec::new()
    };
    let (entries, hardware) = build(&gather(ctx, ipv4));
    for e in entries {
        inv.add(Section::Networks, e);
    }
    if ctx.wants(Section::Hardware) && !hardware.is_empty() {
        inv.add(Section::Hardware, hardware);
    }
}

/// The IPv4 addresses of the running system (`getifaddrs`), labels as the kernel has them.
fn ipv4_addresses() -> Vec<Address> {
    let Ok(list) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    list.filter_map(|ifa| {
        let ip = ifa.address.as_ref()?.as_sockaddr_in()?.ip();
        let prefix = ifa
            .netmask
            .as_ref()
            .and_then(|m| m.as_sockaddr_in())
            .map_or(32, |m| {
                u8::try_from(u32::from(m.ip()).count_ones()).unwrap_or(32)
            });
        Some(Address {
            label: ifa.interface_name,
            ip: IpAddr::V4(ip),
            prefix,
        })
    })
    .collect()
}

/// Reads interfaces, IPv6 addresses, default routes and DHCP leases below the root; `ipv4`
/// are the IPv4 addresses (from `getifaddrs`, or injected by tests).
pub(super) fn gather(ctx: &Context<'_>, ipv4: Vec<Address>) -> Gathered {
    let mut interfaces: Vec<Interface> = ctx
        .list("/sys/class/net")
        .into_iter()
        .filter_map(|name| interface(ctx, &name))
        .collect();
    interfaces.sort_by_key(|i| i.index);
    let mut addresses = ipv4;
    addresses.extend(ipv6_addresses(
        &ctx.read("/proc/net/if_inet6").unwrap_or_default(),
    ));
    let leases: Vec<dhcp::Interface<'_>> = interfaces
        .iter()
        .map(|i| dhcp::Interface {
            name: &i.name,
            index: i.index,
            ipv4: addresses
                .iter()
                .filter(|a| base_of(&a.label) == i.name)
                .filter_map(|a| match a.ip {
                    IpAddr::V4(v4) => Some(v4),
                    IpAddr::V6(_) => None,
                })
                .collect(),
        })
        .collect();
    let dhcp = dhcp::servers(ctx, &leases, ctx.options.now);
    Gathered {
        gateway4: default_gateway4(&ctx.read("/proc/net/route").unwrap_or_default()),
        gateways6: default_gateways6(&ctx.read("/proc/net/ipv6_route").unwrap_or_default()),
        interfaces,
        addresses,
        dhcp,
    }
}

/// One interface's sysfs attributes (`None` for entries that are not interfaces, such as
/// `bonding_masters`).
fn interface(ctx: &Context<'_>, name: &str) -> Option<Interface> {
    let dir = format!("/sys/class/net/{name}");
    let at = |attr: &str| ctx.read_value(&format!("{dir}/{attr}"));
    let has = |attr: &str| ctx.exists(&format!("{dir}/{attr}"));
    let arp_type = at("type").and_then(|t| t.parse::<u32>().ok());
    if arp_type.is_none() && !has("ifindex") {
        return None;
    }
    let uevent = key_values(&at("uevent").unwrap_or_default());
    let devtype = uevent.get("DEVTYPE").cloned();
    let physical = has("device") && !ctx.exists(&format!("/sys/devices/virtual/net/{name}"));
    let bridge = has("brif") || devtype.as_deref() == Some("bridge");
    let bond = has("bonding") || devtype.as_deref() == Some("bond");
    let mut lowers: Vec<String> = ctx
        .list(&dir)
        .iter()
        .filter_map(|e| e.strip_prefix("lower_").map(str::to_owned))
        .collect();
    if lowers.is_empty() && bridge {
        lowers = ctx.list(&format!("{dir}/brif"));
    }
    if lowers.is_empty() && bond {
        lowers = at("bonding/slaves")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
    }
    // A bond member shows the bond's address; its own is the permanent one.
    let mac = at("bonding_slave/perm_hwaddr").or_else(|| at("address"));
    let device = if physical {
        key_values(&at("device/uevent").unwrap_or_default())
    } else {
        HashMap::new()
    };
    let pci_id = match (device.get("PCI_ID"), device.get("PCI_SUBSYS_ID")) {
        (Some(id), Some(sub)) => Some(format!("{id}:{sub}")),
        _ => None,
    };
    Some(Interface {
        name: name.to_owned(),
        index: at("ifindex")
            .and_then(|i| i.parse().ok())
            .unwrap_or(u32::MAX),
        mac,
        up: at("flags")
            .and_then(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).ok())
            .is_some_and(|f| f & 1 != 0),
        mtu: at("mtu").and_then(|m| m.parse().ok()),
        speed: at("speed").and_then(|s| s.parse().ok()),
        arp_type,
        physical,
        wireless: has("wireless") || has("phy80211") || devtype.as_deref() == Some("wlan"),
        infiniband: has("mode") || arp_type == Some(32),
        bridge,
        bond,
        devtype,
        lowers,
        driver: device.get("DRIVER").cloned(),
        pci_slot: device.get("PCI_SLOT_NAME").cloned(),
        pci_id,
    })
}

/// `KEY=value` lines.
fn key_values(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

/// `/proc/net/if_inet6`: address, ifindex, prefix length, scope, flags, name (all hex).
pub(super) fn ipv6_addresses(text: &str) -> Vec<Address> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 6 {
                return None;
            }
            let ip = Ipv6Addr::from(u128::from_str_radix(f[0], 16).ok()?);
            let prefix = u8::from_str_radix(f[2], 16).ok()?;
            Some(Address {
                label: f[5].to_owned(),
                ip: IpAddr::V6(ip),
                prefix: prefix.min(128),
            })
        })
        .collect()
}

/// The IPv4 default gateway of lowest metric from `/proc/net/route` (addresses are the
/// kernel's 32-bit words printed in host byte order).
pub(super) fn default_gateway4(text: &str) -> Option<Ipv4Addr> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let hex = |i: usize| f.get(i).and_then(|v| u32::from_str_radix(v, 16).ok());
            let (dest, gw, flags, metric, mask) = (hex(1)?, hex(2)?, hex(3)?, f.get(6)?, hex(7)?);
            // RTF_UP | RTF_GATEWAY, destination 0.0.0.0/0.
            (dest == 0 && mask == 0 && flags & 3 == 3 && gw != 0).then(|| {
                (
                    metric.parse::<u64>().unwrap_or(u64::MAX),
                    Ipv4Addr::from(gw.to_ne_bytes()),
                )
            })
        })
        .min_by_key(|(metric, _)| *metric)
        .map(|(_, gw)| gw)
}

/// IPv6 default routes with a next hop from `/proc/net/ipv6_route`, lowest metric first.
pub(super) fn default_gateways6(text: &str) -> Vec<(String, Ipv6Addr)> {
    let mut routes: Vec<(u32, String, Ipv6Addr)> = text
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 {
                return None;
            }
            let dest = u128::from_str_radix(f[0], 16).ok()?;
            let plen = u8::from_str_radix(f[1], 16).ok()?;
            let hop = u128::from_str_radix(f[4], 16).ok()?;
            let metric = u32::from_str_radix(f[5], 16).ok()?;
            let flags = u32::from_str_radix(f[8], 16).ok()?;
            (dest == 0 && plen == 0 && hop != 0 && flags & 1 != 0)
                .then(|| (metric, f[9].to_owned(), Ipv6Addr::from(hop)))
        })
        .collect();
    routes.sort_by_key(|(metric, _, _)| *metric);
    routes.into_iter().map(|(_, dev, gw)| (dev, gw)).collect()
}

/// The interface an address label belongs to (`eth0:1` → `eth0`).
fn base_of(label: &str) -> &str {
    label.split(':').next().unwrap_or(label)
}

/// `eth0:1` / `eth0.100` → `eth0` (the agents' alias rule `^([\w\d]+)[:.]\d+$`).
fn alias_base(name: &str) -> Option<&str> {
    let (base, suffix) = name.rsplit_once([':', '.'])?;
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (word(base) && !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_digit())).then_some(base)
}

/// The IPv4 mask of a prefix length.
pub(super) fn mask4(prefix: u8) -> Ipv4Addr {
    let p = u32::from(prefix.min(32));
    Ipv4Addr::from(if p == 0 { 0 } else { u32::MAX << (32 - p) })
}

/// The IPv6 mask of a prefix length.
pub(super) fn mask6(prefix: u8) -> Ipv6Addr {
    let p = u32::from(prefix.min(128));
    Ipv6Addr::from(if p == 0 { 0 } else { u128::MAX << (128 - p) })
}

/// The fields every entry of an interface repeats; `label` differs from the interface's
/// name for an alias address (`eth0:1`).
fn interface_fields(i: &Interface, label: &str, dhcp: Option<&String>) -> Entry {
    let mut e = Entry::new();
    e.text("DESCRIPTION", Some(label))
        .text("MACADDR", i.mac.as_deref())
        .text("STATUS", Some(if i.up { "Up" } else { "Down" }))
        .int("MTU", i.mtu)
        .text("IPDHCP", dhcp);
    if label != i.name {
        e.flag("VIRTUALDEV", Some(true))
            .text("TYPE", Some("alias"))
            .text("BASE", Some(&i.name));
        return e;
    }
    e.flag("VIRTUALDEV", Some(!i.physical));
    let (kind, base, slaves) = kind(i);
    e.text("TYPE", kind).text("BASE", base);
    if !slaves.is_empty() {
        e.text("SLAVES", Some(slaves.join(",")));
    }
    if i.physical {
        e.text("DRIVER", i.driver.as_deref())
            .text("PCISLOT", i.pci_slot.as_deref())
            .text("PCIID", i.pci_id.as_deref());
    }
    let speed = match i.speed {
        _ if !i.up => Some(0),
        // -1 and 4294967295 are SPEED_UNKNOWN (§2.4 quirk 3); 0 is no information either.
        Some(s) if s > 0 && s < i64::from(u32::MAX) => Some(s),
        _ => None,
    };
    e.text("SPEED", speed.map(|s| s.to_string()));
    e
}

/// TYPE, BASE and SLAVES of an interface (the agents' rules: a physical device is wifi,
/// infiniband or ethernet; a virtual one loopback, dialup, alias/VLAN, bridge or aggregate,
/// the later rules winning; anything else has no TYPE).
fn kind(i: &Interface) -> (Option<&'static str>, Option<String>, Vec<String>) {
    if i.physical {
        let t = if i.wireless {
            "wifi"
        } else if i.infiniband {
            "infiniband"
        } else {
            "ethernet"
        };
        return (Some(t), None, Vec::new());
    }
    let (mut t, mut base, mut slaves) = (None, None, Vec::new());
    if i.name == "lo" || i.arp_type == Some(772) {
        t = Some("loopback");
    }
    if i.name.starts_with("ppp") || i.arp_type == Some(512) {
        t = Some("dialup");
    }
    if i.devtype.as_deref() == Some("vlan") {
        t = Some("alias");
        base = i
            .lowers
            .first()
            .cloned()
            .or_else(|| alias_base(&i.name).map(str::to_owned));
    } else if let Some(b) = alias_base(&i.name) {
        t = Some("alias");
        base = Some(b.to_owned());
    }
    if i.bridge {
        t = Some("bridge");
        slaves.clone_from(&i.lowers);
    }
    if i.bond {
        t = Some("aggregate");
        slaves.clone_from(&i.lowers);
    }
    (t, base, slaves)
}

/// The NETWORKS entries (interfaces by index; each one's address-less entry when no address
/// carries its name, then its IPv4 then IPv6 addresses) and the HARDWARE fields.
pub(super) fn build(g: &Gathered) -> (Vec<Entry>, Entry) {
    let mut entries = Vec::new();
    for i in &g.interfaces {
        let dhcp = g.dhcp.get(&i.name);
        let mine: Vec<&Address> = g
            .addresses
            .iter()
            .filter(|a| base_of(&a.label) == i.name)
            .collect();
        if !mine.iter().any(|a| a.label == i.name) {
            entries.push(interface_fields(i, &i.name, dhcp));
        }
        let v4 = mine.iter().filter(|a| a.ip.is_ipv4());
        let v6 = mine.iter().filter(|a| a.ip.is_ipv6());
        for a in v4.chain(v6) {
            let mut e = interface_fields(i, &a.label, dhcp);
            match a.ip {
                IpAddr::V4(ip) => {
                    let mask = mask4(a.prefix);
                    let subnet = Ipv4Addr::from(u32::from(ip) & u32::from(mask));
                    let gateway = g
                        .gateway4
                        .filter(|gw| u32::from(*gw) & u32::from(mask) == u32::from(subnet));
                    e.text("IPADDRESS", Some(ip.to_string()))
                        .text("IPMASK", Some(mask.to_string()))
                        .text("IPSUBNET", Some(subnet.to_string()))
                        .text("IPGATEWAY", gateway.map(|gw| gw.to_string()));
                }
                IpAddr::V6(ip) => {
                    let mask = mask6(a.prefix);
                    let subnet = Ipv6Addr::from(u128::from(ip) & u128::from(mask));
                    let gateway = g.gateways6.iter().find(|(dev, gw)| {
                        *dev == i.name && u128::from(*gw) & u128::from(mask) == u128::from(subnet)
                    });
                    e.text("IPADDRESS6", Some(ip.to_string()))
                        .text("IPMASK6", Some(mask.to_string()))
                        .text("IPSUBNET6", Some(subnet.to_string()))
                        .text("IPGATEWAY", gateway.map(|(_, gw)| gw.to_string()));
                }
            }
            entries.push(e);
        }
    }
    let mut hardware = Entry::new();
    hardware.text("DEFAULTGATEWAY", g.gateway4.map(|gw| gw.to_string()));
    let legacy: Vec<String> = g
        .addresses
        .iter()
        .filter_map(|a| match a.ip {
            IpAddr::V4(ip) if !ip.is_loopback() => Some(ip.to_string()),
            _ => None,
        })
        .collect();
    hardware.text("IPADDR", Some(legacy.join("/")));
    (entries, hardware)
}

#[cfg(test)]
#[path = "network_tests.rs"]
mod tests;
