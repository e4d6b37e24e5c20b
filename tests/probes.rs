//! Discovery probes on loopback and inside a private network namespace: ICMP echo/timestamp
//! (answered, silent, unreachable, thousands in flight, raw / ping socket / no privilege),
//! NetBIOS against the fake responder, the neighbour table, reverse DNS.
//!
//! Traffic goes only to 127.0.0.0/8, ::1, and to addresses routed into a namespace these tests
//! create (`sonde-test-<pid>`, with a veth pair and 198.18.x.0/24 from the benchmarking range)
//! and delete afterwards. Without root the namespace tests skip themselves and the ICMP tests
//! check the no-privilege error instead.

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::time::{Duration, Instant};

use sonde::net::netbios::responder::{self, NodeTable};
use sonde::net::{
    IcmpMode, NbName, NetError, NetbiosClient, NetbiosConfig, PingKind, PingOutcome, Pinger,
    PingerConfig, RateLimiter, ReverseDns,
};

/// The pinger, or `None` after checking that the failure is the clean no-privilege error.
fn pinger() -> Option<Pinger> {
    match Pinger::new() {
        Ok(p) => Some(p),
        Err(e @ NetError::NoPrivilege { .. }) => {
            assert!(!nix::unistd::geteuid().is_root(), "root but {e}");
            assert!(e.to_string().contains("CAP_NET_RAW"), "{e}");
            None
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[tokio::test]
async fn echo_and_timestamp_from_127_0_0_1() {
    let Some(pinger) = pinger() else { return };
    let ip: IpAddr = "127.0.0.1".parse().unwrap();
    let timeout = Duration::from_secs(2);
    let outcome = pinger.echo(ip, timeout).await.unwrap();
    let PingOutcome::Reply { rtt, kind } = outcome else {
        panic!("no echo reply from 127.0.0.1: {outcome:?}");
    };
    assert_eq!(kind, PingKind::Echo);
    assert!(rtt < timeout);
    assert!(matches!(
        pinger.ping(ip, timeout).await.unwrap(),
        PingOutcome::Reply {
            kind: PingKind::Echo,
            ..
        }
    ));
    if pinger.supports_timestamp(ip) {
        assert_eq!(pinger.mode(ip), Some(IcmpMode::Raw));
        let outcome = pinger.timestamp(ip, timeout).await.unwrap();
        assert!(
            matches!(
                outcome,
                PingOutcome::Reply {
                    kind: PingKind::Timestamp,
                    ..
                }
            ),
            "{outcome:?}"
        );
    } else {
        assert!(matches!(
            pinger.timestamp(ip, timeout).await,
            Err(NetError::Unsupported { .. })
        ));
    }
    assert_eq!(pinger.in_flight(), 0);
}

#[tokio::test]
async fn echo_from_ipv6_loopback() {
    let Some(pinger) = pinger() else { return };
    let has_v6_loopback = std::fs::read_to_string("/proc/net/if_inet6")
        .is_ok_and(|t| t.contains("00000000000000000000000000000001"));
    let ip: IpAddr = "::1".parse().unwrap();
    if !has_v6_loopback {
        // IPv6 disabled: a clean error, not a hang.
        let r = pinger.echo(ip, Duration::from_millis(200)).await;
        assert!(!matches!(r, Ok(PingOutcome::Reply { .. })), "{r:?}");
        return;
    }
    let outcome = pinger.ping(ip, Duration::from_secs(2)).await.unwrap();
    assert!(
        matches!(
            outcome,
            PingOutcome::Reply {
                kind: PingKind::Echo,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(matches!(
        pinger.timestamp(ip, Duration::from_secs(1)).await,
        Err(NetError::Unsupported { .. })
    ));
}

/// `n` concurrent echo requests to 127.0.0.1, 127.0.0.2, …: (answered, elapsed).
async fn ping_loopback_range(pinger: &Pinger, n: u32, timeout: Duration) -> (usize, Duration) {
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=n {
        let pinger = pinger.clone();
        let ip = IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 0)) + i));
        tasks.spawn(async move { pinger.echo(ip, timeout).await });
    }
    let mut answered = 0;
    while let Some(r) = tasks.join_next().await {
        if matches!(
            r.unwrap().unwrap(),
            PingOutcome::Reply {
                kind: PingKind::Echo,
                ..
            }
        ) {
            answered += 1;
        }
    }
    (answered, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_thousand_concurrent_pings_through_one_socket() {
    let Some(pinger) = pinger() else { return };
    // 127.0.0.1 ..= 127.0.7.208: 2,000 distinct addresses.
    let (answered, elapsed) = ping_loopback_range(&pinger, 2000, Duration::from_secs(5)).await;
    assert_eq!(answered, 2000, "after {elapsed:?}");
    assert_eq!(pinger.in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pings_are_paced_by_the_shared_rate_limiter() {
    let rate = RateLimiter::with_burst(2000, 10);
    let pinger = match Pinger::with_config(PingerConfig {
        rate,
        ..PingerConfig::default()
    }) {
        Ok(p) => p,
        Err(NetError::NoPrivilege { .. }) => return,
        Err(e) => panic!("{e}"),
    };
    // 400 packets at 2,000 per second after a burst of 10: at least 195 ms.
    let (answered, elapsed) = ping_loopback_range(&pinger, 400, Duration::from_secs(5)).await;
    assert_eq!(answered, 400);
    assert!(elapsed >= Duration::from_millis(194), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

/// Release-mode figure for the report: `cargo test --release --test integration
/// probes::measure_4096_pings -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "measurement, run by hand in release mode"]
async fn measure_4096_pings() {
    let Some(pinger) = pinger() else { return };
    for _ in 0..3 {
        let (answered, elapsed) = ping_loopback_range(&pinger, 4096, Duration::from_secs(5)).await;
        eprintln!("4096 concurrent pings: {answered} answered in {elapsed:?}");
        assert_eq!(answered, 4096);
    }
}

fn netbios_table() -> NodeTable {
    let name = |name: &str, suffix, group| NbName {
        name: name.into(),
        suffix,
        group,
    };
    NodeTable {
        names: vec![
            name("PC-0042", 0x00, false),
            name("PC-0042", 0x20, false),
            name("ACME", 0x00, true),
            name("ACME", 0x1e, true),
            name("jdoe", 0x03, false),
            name("IS~PC-0042", 0x00, false),
        ],
        mac: [0x00, 0x0C, 0x29, 0xAB, 0xCD, 0xEF],
    }
}

#[tokio::test]
async fn netbios_node_status_against_the_fake_responder() {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let server = tokio::spawn(responder::serve(socket, netbios_table()));
    let client = NetbiosClient::new(NetbiosConfig {
        port,
        bind: "127.0.0.1:0".parse().unwrap(),
        // The one-at-a-time responder has a default-sized receive buffer: keep its queue short.
        max_in_flight: 64,
        ..NetbiosConfig::default()
    })
    .unwrap();
    let ip: IpAddr = "127.0.0.1".parse().unwrap();
    let status = client
        .node_status(ip, Duration::from_secs(2))
        .await
        .unwrap()
        .expect("the responder answers");
    assert_eq!(status.name.as_deref(), Some("PC-0042"));
    assert_eq!(status.workgroup.as_deref(), Some("ACME"));
    assert_eq!(status.user.as_deref(), Some("jdoe"));
    assert_eq!(status.mac.as_deref(), Some("00:0c:29:ab:cd:ef"));
    assert_eq!(status.names.len(), 6);

    // Many at once over the one socket, told apart by transaction id, 64 in flight at most.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..500 {
        let client = client.clone();
        tasks.spawn(async move { client.node_status(ip, Duration::from_secs(5)).await });
    }
    while let Some(r) = tasks.join_next().await {
        let status = r.unwrap().unwrap().expect("every query answered");
        assert_eq!(status.name.as_deref(), Some("PC-0042"));
    }
    assert_eq!(client.in_flight(), 0);
    // NetBIOS is IPv4 only.
    assert_eq!(
        client
            .node_status("::1".parse().unwrap(), Duration::from_secs(1))
            .await
            .unwrap(),
        None
    );
    server.abort();
}

#[tokio::test]
async fn netbios_timeout_against_a_silent_port() {
    // Bound but never read: nothing answers, not even an ICMP port unreachable.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let client = NetbiosClient::new(NetbiosConfig {
        port: silent.local_addr().unwrap().port(),
        ..NetbiosConfig::default()
    })
    .unwrap();
    let timeout = Duration::from_millis(300);
    let start = Instant::now();
    let r = client
        .node_status("127.0.0.1".parse().unwrap(), timeout)
        .await;
    let elapsed = start.elapsed();
    assert!(matches!(r, Ok(None)), "{r:?}");
    assert!(elapsed >= timeout && elapsed < timeout * 5, "{elapsed:?}");
    assert_eq!(client.in_flight(), 0);
}

#[tokio::test]
async fn neighbour_table() {
    let fixture = "\
IP address       HW type     Flags       HW address            Mask     Device
10.1.2.3         0x1         0x2         3C:52:82:0A:0B:0C     *        eth0
10.1.2.4         0x1         0x0         00:00:00:00:00:00     *        eth0
";
    let table = sonde::net::parse_proc_net_arp(fixture);
    assert_eq!(table.len(), 1);
    assert_eq!(
        table
            .get(&"10.1.2.3".parse::<IpAddr>().unwrap())
            .map(String::as_str),
        Some("3c:52:82:0a:0b:0c")
    );
    assert!(sonde::net::read_arp_table().is_ok());
    if Command::new("ip").arg("-V").output().is_ok() {
        assert!(sonde::net::read_ipv6_neighbors().await.is_ok());
    }
}

#[tokio::test]
async fn reverse_dns_of_loopback() {
    let dns = ReverseDns::default();
    for ip in ["127.0.0.1", "::1"] {
        let ip: IpAddr = ip.parse().unwrap();
        let name = dns.lookup(ip).await;
        assert_ne!(name, Some(ip.to_string()));
    }
}

// ---------------------------------------------------------------------------------------------
// The namespace: silent and unreachable targets, ping sockets, no privilege.

/// A network namespace joined to the test's own by a veth pair; deleted on drop.
///
/// Root side `198.18.K.1/30`, namespace side `198.18.K.2/30`, and `198.18.K.0/24` routed into
/// the namespace, which forwards and has `blackhole 198.18.K.16/28` (silence) and
/// `unreachable 198.18.K.32/28` (ICMP host unreachable). The namespace host ignores echo
/// requests (`icmp_echo_ignore_all`) but, as Linux always does, answers timestamp requests.
struct Netns {
    name: String,
    veth: String,
    net: [u8; 3],
}

fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{args:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

impl Netns {
    fn create() -> Result<Self, String> {
        let pid = std::process::id();
        let name = format!("sonde-test-{pid}");
        let veth = format!("sondet{}", pid % 10_000_000);
        // A /24 of 198.18.0.0/15 nobody on this host uses yet.
        let net = (0..8u32)
            .map(|i| (pid + i) % 512)
            .map(|k| {
                [
                    198,
                    18 + u8::try_from(k / 256).unwrap(),
                    u8::try_from(k % 256).unwrap(),
                ]
            })
            .find(|[a, b, c]| {
                Command::new("ip")
                    .args([
                        "-4",
                        "route",
                        "show",
                        "to",
                        "match",
                        &format!("{a}.{b}.{c}.2"),
                    ])
                    .output()
                    .is_ok_and(|o| {
                        !String::from_utf8_lossy(&o.stdout).contains(&format!("{a}.{b}.{c}."))
                    })
            })
            .ok_or("no free 198.18.x.0/24")?;
        run(&["ip", "netns", "add", &name])?;
        let ns = Self { name, veth, net };
        ns.setup()?;
        Ok(ns)
    }

    fn addr(&self, host: u8) -> String {
        let [a, b, c] = self.net;
        format!("{a}.{b}.{c}.{host}")
    }

    fn ip(&self, host: u8) -> IpAddr {
        self.addr(host).parse().unwrap()
    }

    fn exec(&self, args: &[&str]) -> Result<(), String> {
        let mut full = vec!["ip", "netns", "exec", &self.name];
        full.extend_from_slice(args);
        run(&full)
    }

    fn setup(&self) -> Result<(), String> {
        let (ns, veth) = (self.name.as_str(), self.veth.as_str());
        run(&[
            "ip", "link", "add", veth, "type", "veth", "peer", "name", "veth0", "netns", ns,
        ])?;
        run(&[
            "ip",
            "addr",
            "add",
            &format!("{}/30", self.addr(1)),
            "dev",
            veth,
        ])?;
        run(&["ip", "link", "set", veth, "up"])?;
        self.exec(&["ip", "link", "set", "lo", "up"])?;
        self.exec(&[
            "ip",
            "addr",
            "add",
            &format!("{}/30", self.addr(2)),
            "dev",
            "veth0",
        ])?;
        self.exec(&["ip", "link", "set", "veth0", "up"])?;
        self.exec(&["sysctl", "-qw", "net.ipv4.ip_forward=1"])?;
        self.exec(&["sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=1"])?;
        self.exec(&[
            "ip",
            "route",
            "add",
            "blackhole",
            &format!("{}/28", self.addr(16)),
        ])?;
        self.exec(&[
            "ip",
            "route",
            "add",
            "unreachable",
            &format!("{}/28", self.addr(32)),
        ])?;
        let [a, b, c] = self.net;
        run(&[
            "ip",
            "route",
            "add",
            &format!("{a}.{b}.{c}.0/24"),
            "via",
            &self.addr(2),
            "dev",
            veth,
        ])
    }

    /// Runs the ignored test `name` of this binary inside the namespace, with `mode` in
    /// `SONDE_PROBES_CHILD`; fails with its output if it fails.
    fn run_child(&self, name: &str, mode: &str) {
        let exe = std::env::current_exe().unwrap();
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .arg(exe)
            .args([
                "--exact",
                name,
                "--ignored",
                "--test-threads=1",
                "--nocapture",
            ])
            .env("SONDE_PROBES_CHILD", mode)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "child {name} ({mode}) failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run(&["ip", "link", "del", &self.veth]);
        let _ = run(&["ip", "netns", "del", &self.name]);
    }
}

#[tokio::test]
async fn namespace_silent_unreachable_and_unprivileged() {
    if !is_root() {
        // Covered by the NoPrivilege checks of the other tests.
        return;
    }
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(e) => {
            eprintln!("network namespaces unavailable, skipping: {e}");
            return;
        }
    };
    let pinger = Pinger::new().unwrap();
    let timeout = Duration::from_millis(500);

    // Echo ignored, timestamp answered: the FusionInventory fallback finds the host.
    let host = ns.ip(2);
    assert_eq!(
        pinger.echo(host, timeout).await.unwrap(),
        PingOutcome::Timeout
    );
    let outcome = pinger.ping(host, timeout).await.unwrap();
    assert!(
        matches!(
            outcome,
            PingOutcome::Reply {
                kind: PingKind::Timestamp,
                ..
            }
        ),
        "{outcome:?}"
    );

    // Dropped: both requests time out, each after the timeout.
    let start = Instant::now();
    assert_eq!(
        pinger.ping(ns.ip(17), timeout).await.unwrap(),
        PingOutcome::Timeout
    );
    assert!(start.elapsed() >= timeout * 2, "{:?}", start.elapsed());

    // Unreachable: the namespace's router answers at once with ICMP host unreachable.
    let start = Instant::now();
    let outcome = pinger
        .ping(ns.ip(33), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(
        outcome,
        PingOutcome::Unreachable {
            from: Some(host),
            code: Some(1)
        }
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(pinger.in_flight(), 0);

    // The children ping the namespace's own loopback, which must answer echo again.
    ns.exec(&["sysctl", "-qw", "net.ipv4.icmp_echo_ignore_all=0"])
        .unwrap();
    // Ping sockets (as root, within ping_group_range).
    ns.exec(&["sysctl", "-qw", "net.ipv4.ping_group_range=0 0"])
        .unwrap();
    ns.run_child("probes::child_in_namespace", "datagram");
    // An unprivileged user outside ping_group_range: the clean error.
    ns.exec(&["sysctl", "-qw", "net.ipv4.ping_group_range=1 0"])
        .unwrap();
    ns.run_child("probes::child_in_namespace", "no-privilege");
    // An unprivileged user inside it: ping sockets chosen on their own.
    ns.exec(&["sysctl", "-qw", "net.ipv4.ping_group_range=65534 65534"])
        .unwrap();
    ns.run_child("probes::child_in_namespace", "unprivileged");
}

/// Run by [`namespace_silent_unreachable_and_unprivileged`] inside the namespace.
#[tokio::test]
#[ignore = "run by namespace_silent_unreachable_and_unprivileged in its namespace"]
async fn child_in_namespace() {
    let Ok(mode) = std::env::var("SONDE_PROBES_CHILD") else {
        return;
    };
    let ip: IpAddr = "127.0.0.1".parse().unwrap();
    let timeout = Duration::from_secs(2);
    if mode != "datagram" {
        // Drop to nobody/nogroup for good (all threads).
        let nobody = nix::unistd::Uid::from_raw(65534);
        let nogroup = nix::unistd::Gid::from_raw(65534);
        nix::unistd::setgroups(&[]).unwrap();
        nix::unistd::setgid(nogroup).unwrap();
        nix::unistd::setuid(nobody).unwrap();
    }
    let config = PingerConfig {
        mode: (mode == "datagram").then_some(IcmpMode::Datagram),
        ..PingerConfig::default()
    };
    let pinger = match (Pinger::with_config(config), mode.as_str()) {
        (Err(NetError::NoPrivilege { .. }), "no-privilege") => return,
        (Ok(p), "datagram" | "unprivileged") => p,
        (r, _) => panic!("{mode}: {r:?}"),
    };
    assert_eq!(pinger.mode(ip), Some(IcmpMode::Datagram));
    assert!(!pinger.supports_timestamp(ip));
    let outcome = pinger.ping(ip, timeout).await.unwrap();
    assert!(
        matches!(
            outcome,
            PingOutcome::Reply {
                kind: PingKind::Echo,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert!(matches!(
        pinger.timestamp(ip, timeout).await,
        Err(NetError::Unsupported { .. })
    ));
    // Many in flight through the one ping socket, keyed by sequence number alone.
    let (answered, elapsed) = ping_loopback_range(&pinger, 500, Duration::from_secs(5)).await;
    assert_eq!(answered, 500, "after {elapsed:?}");
}
