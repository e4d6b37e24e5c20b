//! Tests of the network collector: sysfs fixture trees, `/proc/net` texts from this machine,
//! injected IPv4 addresses, lease files.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, SystemTime};

use super::*;
use crate::inventory::fixture::Tree;
use crate::model::local::Value;

/// `/proc/net/if_inet6` of this machine.
const IF_INET6: &str = "fd000000000000000000000000000002 04 40 00 82     eth0
fe8000000000000000fc00fffe000001 04 40 20 80     eth0
00000000000000000000000000000001 01 80 10 80       lo
";

/// `/proc/net/route` of this machine.
const ROUTE: &str =
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
";

/// `/proc/net/ipv6_route` of this machine (default via fd00::1 on eth0).
const IPV6_ROUTE: &str = "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
";

/// sysfs files of an interface: `(attribute, content)` pairs below `/sys/class/net/<name>`;
/// `virtual` adds `/sys/devices/virtual/net/<name>`.
fn sysfs(name: &str, virtual_: bool, attrs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = attrs
        .iter()
        .map(|(a, c)| (format!("/sys/class/net/{name}/{a}"), (*c).to_owned()))
        .collect();
    if virtual_ {
        files.push((
            format!("/sys/devices/virtual/net/{name}/ifindex"),
            "0".to_owned(),
        ));
    }
    files
}

/// A tree of several interfaces plus extra files.
fn tree(parts: Vec<Vec<(String, String)>>, extra: &[(&str, &str)]) -> Tree {
    let mut all: Vec<(String, String)> = parts.into_iter().flatten().collect();
    all.extend(
        extra
            .iter()
            .map(|(p, c)| ((*p).to_owned(), (*c).to_owned())),
    );
    let refs: Vec<(&str, &str)> = all.iter().map(|(p, c)| (p.as_str(), c.as_str())).collect();
    Tree::new(&refs)
}

/// The machine of the FI 2.6 fixture: lo, ifb0, ifb1, eth0 (virtio).
fn this_machine() -> Tree {
    tree(
        vec![
            sysfs(
                "lo",
                true,
                &[
                    ("ifindex", "1"),
                    ("type", "772"),
                    ("flags", "0x9"),
                    ("address", "00:00:00:00:00:00"),
                    ("mtu", "65536"),
                ],
            ),
            sysfs(
                "ifb0",
                true,
                &[
                    ("ifindex", "2"),
                    ("type", "1"),
                    ("flags", "0x82"),
                    ("address", "02:00:00:00:00:0a"),
                    ("mtu", "1500"),
                ],
            ),
            sysfs(
                "ifb1",
                true,
                &[
                    ("ifindex", "3"),
                    ("type", "1"),
                    ("flags", "0x82"),
                    ("address", "02:00:00:00:00:0b"),
                    ("mtu", "1500"),
                ],
            ),
            sysfs(
                "eth0",
                false,
                &[
                    ("ifindex", "4"),
                    ("type", "1"),
                    ("flags", "0x1003"),
                    ("address", "02:00:00:00:00:01"),
                    ("mtu", "1500"),
                    ("speed", "-1"),
                    (
                        "device/uevent",
                        "DRIVER=virtio_net\nMODALIAS=virtio:d00000001v00001AF4\n",
                    ),
                ],
            ),
        ],
        &[
            ("/sys/class/net/bonding_masters", ""),
            ("/proc/net/if_inet6", IF_INET6),
            ("/proc/net/route", ROUTE),
            ("/proc/net/ipv6_route", IPV6_ROUTE),
        ],
    )
}

fn v4(label: &str, ip: [u8; 4], prefix: u8) -> Address {
    Address {
        label: label.to_owned(),
        ip: IpAddr::V4(Ipv4Addr::from(ip)),
        prefix,
    }
}

fn text(e: &Entry, k: &str) -> Option<String> {
    e.get_text(k)
}

fn run(t: &Tree, ipv4: Vec<Address>) -> (Vec<Entry>, Entry) {
    let options = t.options();
    let ctx = Context { options: &options };
    build(&gather(&ctx, ipv4))
}

#[test]
fn masks_and_subnets() {
    assert_eq!(mask4(32).to_string(), "255.255.255.255");
    assert_eq!(mask4(24).to_string(), "255.255.255.0");
    assert_eq!(mask4(8).to_string(), "255.0.0.0");
    assert_eq!(mask4(0).to_string(), "0.0.0.0");
    assert_eq!(
        mask6(128).to_string(),
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    );
    assert_eq!(mask6(64).to_string(), "ffff:ffff:ffff:ffff::");
    assert_eq!(mask6(0).to_string(), "::");
}

#[test]
fn ipv6_addresses_from_if_inet6() {
    let a = ipv6_addresses(IF_INET6);
    assert_eq!(a.len(), 3);
    assert_eq!(a[0].label, "eth0");
    assert_eq!(a[0].ip, IpAddr::V6("fd00::2".parse().expect("ip")));
    assert_eq!(a[0].prefix, 64);
    assert_eq!(a[2].ip, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(a[2].prefix, 128);
    assert!(ipv6_addresses("garbage\n").is_empty());
}

#[test]
fn default_routes() {
    assert_eq!(default_gateway4(ROUTE), Some(Ipv4Addr::new(192, 0, 2, 1)));
    // Lowest metric wins; routes without RTF_GATEWAY do not count.
    let two = format!("{ROUTE}wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n")
        .replace("0003\t0\t0\t0\t00000000", "0003\t0\t0\t700\t00000000");
    assert_eq!(default_gateway4(&two), Some(Ipv4Addr::new(192, 168, 1, 1)));
    assert_eq!(default_gateway4(&ROUTE.replace("0003", "0001")), None);
    assert_eq!(
        default_gateways6(IPV6_ROUTE),
        vec![(
            "eth0".to_owned(),
            "fd00::1".parse::<Ipv6Addr>().expect("ip")
        )]
    );
}

#[test]
fn this_machine_like_fi() {
    let t = this_machine();
    let (entries, hw) = run(
        &t,
        vec![v4("lo", [127, 0, 0, 1], 8), v4("eth0", [192, 0, 2, 2], 24)],
    );
    let names: Vec<String> = entries
        .iter()
        .filter_map(|e| text(e, "DESCRIPTION"))
        .collect();
    assert_eq!(names, ["lo", "lo", "ifb0", "ifb1", "eth0", "eth0", "eth0"]);
    // lo: IPv4 then IPv6 (quirk 2 done right).
    let lo4 = &entries[0];
    assert_eq!(text(lo4, "IPADDRESS").as_deref(), Some("127.0.0.1"));
    assert_eq!(text(lo4, "IPMASK").as_deref(), Some("255.0.0.0"));
    assert_eq!(text(lo4, "IPSUBNET").as_deref(), Some("127.0.0.0"));
    assert_eq!(text(lo4, "TYPE").as_deref(), Some("loopback"));
    assert_eq!(text(lo4, "STATUS").as_deref(), Some("Up"));
    assert_eq!(lo4.get("VIRTUALDEV"), Some(&Value::Bool(true)));
    assert_eq!(lo4.get("MTU"), Some(&Value::Int(65536)));
    assert_eq!(text(lo4, "SPEED"), None);
    assert_eq!(text(lo4, "IPGATEWAY"), None);
    let lo6 = &entries[1];
    assert_eq!(text(lo6, "IPADDRESS6").as_deref(), Some("::1"));
    assert_eq!(
        text(lo6, "IPMASK6").as_deref(),
        Some("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    );
    assert_eq!(text(lo6, "IPSUBNET6").as_deref(), Some("::1"));
    // ifb0: address-less, down (speed 0), virtual, no TYPE (as the agents).
    let ifb0 = &entries[2];
    assert_eq!(text(ifb0, "STATUS").as_deref(), Some("Down"));
    assert_eq!(text(ifb0, "SPEED").as_deref(), Some("0"));
    assert_eq!(text(ifb0, "TYPE"), None);
    assert_eq!(text(ifb0, "MACADDR").as_deref(), Some("02:00:00:00:00:0a"));
    assert!(ifb0.get("IPADDRESS").is_none() && ifb0.get("IPADDRESS6").is_none());
    // eth0: physical ethernet, virtio driver, unknown speed left out, gateway matched.
    let eth4 = &entries[4];
    assert_eq!(eth4.get("VIRTUALDEV"), Some(&Value::Bool(false)));
    assert_eq!(text(eth4, "TYPE").as_deref(), Some("ethernet"));
    assert_eq!(text(eth4, "DRIVER").as_deref(), Some("virtio_net"));
    assert_eq!(text(eth4, "PCISLOT"), None);
    assert_eq!(text(eth4, "SPEED"), None);
    assert_eq!(text(eth4, "IPGATEWAY").as_deref(), Some("192.0.2.1"));
    assert_eq!(text(eth4, "IPMASK").as_deref(), Some("255.255.255.0"));
    assert_eq!(text(eth4, "IPSUBNET").as_deref(), Some("192.0.2.0"));
    let eth6 = &entries[5];
    assert_eq!(text(eth6, "IPADDRESS6").as_deref(), Some("fd00::2"));
    assert_eq!(
        text(eth6, "IPMASK6").as_deref(),
        Some("ffff:ffff:ffff:ffff::")
    );
    assert_eq!(text(eth6, "IPSUBNET6").as_deref(), Some("fd00::"));
    assert_eq!(text(eth6, "IPGATEWAY").as_deref(), Some("fd00::1"));
    let ll = &entries[6];
    assert_eq!(text(ll, "IPSUBNET6").as_deref(), Some("fe80::"));
    assert_eq!(text(ll, "IPGATEWAY"), None);
    assert_eq!(text(&hw, "DEFAULTGATEWAY").as_deref(), Some("192.0.2.1"));
    assert_eq!(text(&hw, "IPADDR").as_deref(), Some("192.0.2.2"));
}

#[test]
fn speeds() {
    let mut i = Interface {
        name: "eth0".into(),
        up: true,
        physical: true,
        ..Interface::default()
    };
    let speed = |i: &Interface| interface_fields(i, "eth0", None).get_text("SPEED");
    for unknown in [None, Some(-1), Some(4_294_967_295), Some(0)] {
        i.speed = unknown;
        assert_eq!(speed(&i), None, "{unknown:?}");
    }
    i.speed = Some(1000);
    assert_eq!(speed(&i).as_deref(), Some("1000"));
    i.up = false;
    assert_eq!(speed(&i).as_deref(), Some("0"));
}

#[test]
fn kinds_pci_bridge_bond_vlan_wifi_alias() {
    let t = tree(
        vec![
            sysfs(
                "enp0s31f6",
                false,
                &[
                    ("ifindex", "2"),
                    ("type", "1"),
                    ("flags", "0x1003"),
                    ("speed", "1000"),
                    ("address", "aa:bb:cc:dd:ee:01"),
                    ("upper_br0/x", ""),
                    (
                        "device/uevent",
                        "DRIVER=e1000e\nPCI_CLASS=20000\nPCI_ID=8086:15BB\nPCI_SUBSYS_ID=17AA:2292\nPCI_SLOT_NAME=0000:00:1f.6\n",
                    ),
                ],
            ),
            sysfs(
                "br0",
                true,
                &[
                    ("ifindex", "3"),
                    ("type", "1"),
                    ("flags", "0x1003"),
                    ("uevent", "DEVTYPE=bridge\nINTERFACE=br0\n"),
                    ("brif/enp0s31f6/x", ""),
                    ("lower_enp0s31f6/x", ""),
                ],
            ),
            sysfs(
                "bond0",
                true,
                &[
                    ("ifindex", "4"),
                    ("type", "1"),
                    ("flags", "0x1003"),
                    ("bonding/slaves", "eth1 eth2\n"),
                    ("address", "aa:bb:cc:dd:ee:02"),
                ],
            ),
            sysfs(
                "eth1",
                false,
                &[
                    ("ifindex", "5"),
                    ("type", "1"),
                    ("flags", "0x1803"),
                    ("address", "aa:bb:cc:dd:ee:02"),
                    ("bonding_slave/perm_hwaddr", "aa:bb:cc:dd:ee:03"),
                    ("device/uevent", "DRIVER=igb\n"),
                ],
            ),
            sysfs(
                "vlan100",
                true,
                &[
                    ("ifindex", "6"),
                    ("type", "1"),
                    ("flags", "0x1003"),
                    ("uevent", "DEVTYPE=vlan\n"),
                    ("lower_bond0/x", ""),
                ],
            ),
            sysfs(
                "eth1.200",
                true,
                &[("ifindex", "7"), ("type", "1"), ("flags", "0x1003")],
            ),
            sysfs(
                "wlp2s0",
                false,
                &[
                    ("ifindex", "8"),
                    ("type", "1"),
                    ("flags", "0x1003"),
                    ("wireless/x", ""),
                    ("device/uevent", "DRIVER=iwlwifi\n"),
                ],
            ),
            sysfs(
                "ppp0",
                true,
                &[("ifindex", "9"), ("type", "512"), ("flags", "0x10d1")],
            ),
            sysfs(
                "ib0",
                false,
                &[
                    ("ifindex", "10"),
                    ("type", "32"),
                    ("flags", "0x1003"),
                    ("mode", "datagram"),
                    ("device/uevent", "DRIVER=mlx5_core\n"),
                ],
            ),
        ],
        &[],
    );
    let (entries, hw) = run(
        &t,
        vec![
            v4("enp0s31f6", [10, 0, 0, 5], 24),
            v4("enp0s31f6:1", [10, 0, 1, 5], 24),
        ],
    );
    let by = |name: &str| {
        entries
            .iter()
            .find(|e| text(e, "DESCRIPTION").as_deref() == Some(name))
            .expect(name)
    };
    let nic = by("enp0s31f6");
    assert_eq!(text(nic, "PCIID").as_deref(), Some("8086:15BB:17AA:2292"));
    assert_eq!(text(nic, "PCISLOT").as_deref(), Some("0000:00:1f.6"));
    assert_eq!(text(nic, "DRIVER").as_deref(), Some("e1000e"));
    assert_eq!(text(nic, "SPEED").as_deref(), Some("1000"));
    assert_eq!(text(nic, "TYPE").as_deref(), Some("ethernet"));
    let alias = by("enp0s31f6:1");
    assert_eq!(text(alias, "TYPE").as_deref(), Some("alias"));
    assert_eq!(text(alias, "BASE").as_deref(), Some("enp0s31f6"));
    assert_eq!(text(alias, "MACADDR").as_deref(), Some("aa:bb:cc:dd:ee:01"));
    assert_eq!(alias.get("VIRTUALDEV"), Some(&Value::Bool(true)));
    assert_eq!(text(alias, "IPADDRESS").as_deref(), Some("10.0.1.5"));
    let br = by("br0");
    assert_eq!(text(br, "TYPE").as_deref(), Some("bridge"));
    assert_eq!(text(br, "SLAVES").as_deref(), Some("enp0s31f6"));
    assert_eq!(text(br, "MACADDR"), None);
    let bond = by("bond0");
    assert_eq!(text(bond, "TYPE").as_deref(), Some("aggregate"));
    assert_eq!(text(bond, "SLAVES").as_deref(), Some("eth1,eth2"));
    assert_eq!(
        text(by("eth1"), "MACADDR").as_deref(),
        Some("aa:bb:cc:dd:ee:03")
    );
    let vlan = by("vlan100");
    assert_eq!(text(vlan, "TYPE").as_deref(), Some("alias"));
    assert_eq!(text(vlan, "BASE").as_deref(), Some("bond0"));
    assert_eq!(text(by("eth1.200"), "BASE").as_deref(), Some("eth1"));
    assert_eq!(text(by("wlp2s0"), "TYPE").as_deref(), Some("wifi"));
    assert_eq!(text(by("ppp0"), "TYPE").as_deref(), Some("dialup"));
    assert_eq!(text(by("ib0"), "TYPE").as_deref(), Some("infiniband"));
    // Every interface once (no address) or per address; no gateway without routes.
    assert_eq!(entries.len(), 10);
    assert_eq!(text(&hw, "DEFAULTGATEWAY"), None);
    assert_eq!(text(&hw, "IPADDR").as_deref(), Some("10.0.0.5/10.0.1.5"));
}

#[test]
fn alias_only_interface_keeps_its_own_entry_and_gateway_per_subnet() {
    let t = tree(
        vec![sysfs(
            "eth0",
            false,
            &[
                ("ifindex", "2"),
                ("type", "1"),
                ("flags", "0x1003"),
                ("device/uevent", ""),
            ],
        )],
        &[("/proc/net/route", ROUTE)],
    );
    let (entries, _) = run(
        &t,
        vec![
            v4("eth0:0", [192, 0, 2, 9], 32),
            v4("eth0:1", [198, 51, 100, 1], 24),
        ],
    );
    let names: Vec<String> = entries
        .iter()
        .filter_map(|e| text(e, "DESCRIPTION"))
        .collect();
    assert_eq!(names, ["eth0", "eth0:0", "eth0:1"]);
    assert_eq!(
        text(&entries[1], "IPMASK").as_deref(),
        Some("255.255.255.255")
    );
    assert_eq!(text(&entries[1], "IPSUBNET").as_deref(), Some("192.0.2.9"));
    // 192.0.2.1 is not inside 192.0.2.9/32, nor inside 198.51.100.0/24.
    assert!(entries.iter().all(|e| e.get("IPGATEWAY").is_none()));
    let (entries, _) = run(&t, vec![v4("eth0", [192, 0, 2, 9], 24)]);
    assert_eq!(entries.len(), 1);
    assert_eq!(text(&entries[0], "IPGATEWAY").as_deref(), Some("192.0.2.1"));
}

#[test]
fn lease_files() {
    let dhclient = "lease {\n  interface \"eth0\";\n  option dhcp-server-identifier 10.0.0.1;\n  expire 2 2026/11/24 12:00:00;\n}\nlease {\n  interface \"eth0\";\n  option dhcp-server-identifier 10.0.0.99;\n  expire 2 2020/01/01 12:00:00;\n}\nlease {\n  interface \"eth1\";\n  option dhcp-server-identifier 10.1.0.1;\n  expire 2 2020/01/01 12:00:00;\n}\n";
    let up = |n: &str, i: &str| {
        sysfs(
            n,
            false,
            &[
                ("ifindex", i),
                ("type", "1"),
                ("flags", "0x1003"),
                ("device/uevent", ""),
            ],
        )
    };
    let t = tree(
        vec![
            up("eth0", "2"),
            up("eth1", "3"),
            up("eth2", "4"),
            up("eth3", "5"),
            up("eth4", "6"),
        ],
        &[
            ("/var/lib/dhcp/dhclient.eth0.leases", dhclient),
            (
                "/run/systemd/netif/leases/4",
                "# This is private data.\nADDRESS=10.2.0.5\nSERVER_ADDRESS=10.2.0.1\n",
            ),
            (
                "/var/lib/NetworkManager/internal-0f1e-eth3.lease",
                "ADDRESS=10.3.0.5\nSERVER_ADDRESS=10.3.0.1\n",
            ),
            (
                "/var/lib/NetworkManager/internal-0f1f-eth4.lease",
                "ADDRESS=10.4.0.5\nSERVER_ADDRESS=10.4.0.1\n",
            ),
        ],
    );
    let mut options = t.options();
    options.now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
    let ctx = Context { options: &options };
    let g = gather(
        &ctx,
        vec![
            v4("eth3", [10, 3, 0, 5], 24),
            v4("eth4", [10, 4, 0, 77], 24),
        ],
    );
    assert_eq!(g.dhcp.get("eth0").map(String::as_str), Some("10.0.0.1"));
    // Expired lease; networkd by ifindex; NetworkManager only while its address is held.
    assert_eq!(g.dhcp.get("eth1"), None);
    assert_eq!(g.dhcp.get("eth2").map(String::as_str), Some("10.2.0.1"));
    assert_eq!(g.dhcp.get("eth3").map(String::as_str), Some("10.3.0.1"));
    assert_eq!(g.dhcp.get("eth4"), None);
    let (entries, _) = build(&g);
    assert_eq!(text(&entries[0], "IPDHCP").as_deref(), Some("10.0.0.1"));
}

#[test]
fn collect_on_a_tree_uses_no_getifaddrs() {
    let t = this_machine();
    let options = t.options();
    let ctx = Context { options: &options };
    let mut inv = LocalInventory::default();
    collect(&ctx, &mut inv);
    // IPv4 comes only from getifaddrs (real root): lo (::1), ifb0, ifb1, eth0 × 2 IPv6.
    assert_eq!(inv.entries(Section::Networks).len(), 5);
    let hw = &inv.entries(Section::Hardware)[0];
    assert_eq!(text(hw, "DEFAULTGATEWAY").as_deref(), Some("192.0.2.1"));
    assert_eq!(text(hw, "IPADDR"), None);
}

#[test]
fn real_root_covers_every_interface() {
    let options = crate::inventory::Options::default();
    let ctx = Context { options: &options };
    let mut inv = LocalInventory::default();
    collect(&ctx, &mut inv);
    let entries = inv.entries(Section::Networks);
    for name in ctx.list("/sys/class/net") {
        if !ctx.exists(&format!("/sys/class/net/{name}/ifindex")) {
            continue;
        }
        assert!(
            entries
                .iter()
                .any(|e| text(e, "DESCRIPTION").as_deref() == Some(&name)),
            "{name} missing from {entries:#?}"
        );
    }
}
