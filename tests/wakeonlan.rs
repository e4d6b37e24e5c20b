//! Wake-on-LAN end to end: `sonde wakeonlan` and `fusioninventory-wakeonlan` sending to a UDP
//! listener on 127.0.0.1, usage errors and exit codes, the fallback from ethernet to udp in a
//! process without `CAP_NET_RAW`, and raw frames read back inside a private network namespace.
//!
//! Nothing is broadcast on this host's network and no raw frame leaves it: the udp method is
//! always aimed at 127.0.0.1, the ethernet method runs only where it cannot open its socket
//! (checked first) or inside a namespace the test creates (`sonde-wol-<pid>`, deleted after).
//! Without root, or without namespaces, the namespace test skips itself.

use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sonde::wakeonlan::{
    ETHERTYPE_WAKE_ON_LAN, MacAddress, Method, Sent, WakeConfig, ethernet_frame, magic_packet, wake,
};

const SONDE: &str = env!("CARGO_BIN_EXE_sonde");
const MAC: &str = "00:1a:2b:3c:4d:5e";

fn mac(text: &str) -> MacAddress {
    text.parse().unwrap()
}

/// A UDP socket on 127.0.0.1 standing for the broadcast domain.
fn listener() -> (UdpSocket, String) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let port = socket.local_addr().unwrap().port().to_string();
    (socket, port)
}

fn datagram(socket: &UdpSocket) -> Vec<u8> {
    let mut buf = [0u8; 512];
    let (n, _) = socket.recv_from(&mut buf).expect("a magic packet");
    buf[..n].to_vec()
}

fn nothing_more(socket: &UdpSocket) {
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 512];
    assert!(socket.recv_from(&mut buf).is_err(), "an extra datagram");
}

/// Runs `prefix… program args…` with `RUST_LOG` unset and stdin closed.
fn run(prefix: &[&str], program: &Path, args: &[&str]) -> Output {
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(program);
            c
        }
        None => Command::new(program),
    };
    cmd.args(args)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the program")
}

fn sonde(args: &[&str]) -> Output {
    run(&[], Path::new(SONDE), args)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A `fusioninventory-wakeonlan` symlink to sonde, in a scratch directory removed on drop.
struct Link(PathBuf);

impl Link {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sonde-wol-link-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fusioninventory-wakeonlan");
        std::os::unix::fs::symlink(SONDE, &path).unwrap();
        Link(path)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn the_command_sends_to_a_loopback_listener() {
    let (socket, port) = listener();
    let out = sonde(&[
        "wakeonlan",
        "--mac",
        MAC,
        "--mac",
        "02-00-00-00-00-0B",
        "--methods",
        "udp",
        "--broadcast",
        "127.0.0.1",
        "--port",
        &port,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(datagram(&socket), magic_packet(mac(MAC)));
    assert_eq!(datagram(&socket), magic_packet(mac("02:00:00:00:00:0b")));
    nothing_more(&socket);
}

#[test]
fn the_link_takes_fusioninventory_options() {
    let (socket, port) = listener();
    let link = Link::new();
    // Getopt::Long spellings, as FusionInventory's tool accepted them.
    let out = run(
        &[],
        &link.0,
        &[
            "-mac",
            MAC,
            "--methods=udp",
            "--debug",
            "--broadcast",
            "127.0.0.1",
            "--port",
            &port,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(datagram(&socket), magic_packet(mac(MAC)));
    assert!(
        stderr(&out).contains(&format!("{MAC}: sent by udp to 127.0.0.1:{port}")),
        "--debug logs what was sent: {}",
        stderr(&out)
    );
    let out = run(&[], &link.0, &["--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Usage: fusioninventory-wakeonlan"), "{help}");
    for option in ["--mac", "--methods", "--broadcast", "--port", "--debug"] {
        assert!(help.contains(option), "{option}: {help}");
    }
}

#[test]
fn bad_mac_addresses_and_methods_are_usage_errors() {
    let link = Link::new();
    for (argv, message) in [
        (
            vec!["--mac", "00:1a:2b:3c:4d"],
            "invalid MAC address \"00:1a:2b:3c:4d\"",
        ),
        (
            vec!["--mac", MAC, "--mac", "zz:1a:2b:3c:4d:5e"],
            "invalid MAC address \"zz:1a:2b:3c:4d:5e\"",
        ),
        (
            vec!["--mac", MAC, "--methods", "udp,carrier-pigeon"],
            "unknown Wake-on-LAN method \"carrier-pigeon\"",
        ),
        (vec!["--methods", "udp"], "--mac <ADDR>"),
    ] {
        for via_link in [false, true] {
            let out = if via_link {
                run(&[], &link.0, &argv)
            } else {
                let mut full = vec!["wakeonlan"];
                full.extend(&argv);
                sonde(&full)
            };
            assert_eq!(out.status.code(), Some(2), "{argv:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(message), "{argv:?}: {}", stderr(&out));
        }
    }
}

#[test]
fn a_mac_no_method_could_send_exits_1() {
    // UDP port 0 cannot be sent to: the send fails, and there is no other method.
    let out = sonde(&[
        "wakeonlan",
        "--mac",
        MAC,
        "--methods",
        "udp",
        "--broadcast",
        "127.0.0.1",
        "--port",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [format!(
            "sonde: {MAC}: not sent (udp to 127.0.0.1:0: cannot send: EINVAL: Invalid argument)"
        )],
        "{err}"
    );
}

/// The command prefix that runs a program without `CAP_NET_RAW` (setpriv to nobody when root,
/// nothing otherwise), after checking that the capability is really gone; `None` if it is not.
fn without_cap_net_raw() -> Option<Vec<&'static str>> {
    let prefix: Vec<&str> = if nix::unistd::geteuid().is_root() {
        vec![
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--nnp",
        ]
    } else {
        Vec::new()
    };
    let out = run(&prefix, Path::new("grep"), &["CapEff", "/proc/self/status"]);
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let caps = u64::from_str_radix(text.split_whitespace().nth(1)?, 16).ok()?;
    let cap_net_raw = 1u64 << 13;
    (caps & cap_net_raw == 0).then_some(prefix)
}

#[test]
fn without_cap_net_raw_ethernet_falls_back_to_udp() {
    let Some(prefix) = without_cap_net_raw() else {
        eprintln!("cannot run without CAP_NET_RAW here, skipping");
        return;
    };
    let (socket, port) = listener();
    let link = Link::new();
    let out = run(
        &prefix,
        &link.0,
        &[
            "--mac",
            MAC,
            "--methods",
            "ethernet,udp",
            "--broadcast",
            "127.0.0.1",
            "--port",
            &port,
        ],
    );
    let err = stderr(&out);
    if err.contains("Permission denied") && out.status.code() != Some(0) {
        eprintln!("nobody cannot run the test binary here, skipping: {err}");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(datagram(&socket), magic_packet(mac(MAC)));
    nothing_more(&socket);
    // Said once: the ethernet method needs the privilege.
    assert_eq!(err.matches("CAP_NET_RAW").count(), 1, "{err}");
}

/// A network namespace of this test with a veth pair, deleted on drop.
struct Netns(String);

impl Netns {
    fn create() -> Result<Self, String> {
        let ns = Netns(format!("sonde-wol-{}", std::process::id()));
        let _ = sh(&["ip", "netns", "del", &ns.0]);
        sh(&["ip", "netns", "add", &ns.0])?;
        let n = ns.0.as_str();
        // wol0: up, with an address (gets frames); wol1: up, no address (does not); lo: loopback.
        for step in [
            &[
                "ip", "-n", n, "link", "add", "wol0", "type", "veth", "peer", "name", "wol1",
            ][..],
            &[
                "ip",
                "-n",
                n,
                "link",
                "set",
                "wol0",
                "address",
                "02:00:00:00:a0:00",
            ],
            &[
                "ip",
                "-n",
                n,
                "link",
                "set",
                "wol1",
                "address",
                "02:00:00:00:a1:00",
            ],
            &["ip", "-n", n, "addr", "add", "192.0.2.1/24", "dev", "wol0"],
            &["ip", "-n", n, "link", "set", "wol0", "up"],
            &["ip", "-n", n, "link", "set", "wol1", "up"],
            &["ip", "-n", n, "link", "set", "lo", "up"],
        ] {
            sh(step)?;
        }
        Ok(ns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = sh(&["ip", "netns", "del", &self.0]);
    }
}

fn sh(args: &[&str]) -> Result<(), String> {
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

#[test]
fn ethernet_frames_in_a_private_namespace() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("not root: no namespace, skipping the raw-frame test");
        return;
    }
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(e) => {
            eprintln!("network namespaces unavailable, skipping: {e}");
            return;
        }
    };
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.0])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "wakeonlan::ethernet_frames_child",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("SONDE_WOL_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs inside the namespace of `ethernet_frames_in_a_private_namespace`: sends with
/// `ethernet,udp` and reads the frames back with a packet socket.
#[test]
#[ignore = "run inside its own network namespace by ethernet_frames_in_a_private_namespace"]
fn ethernet_frames_child() {
    use nix::sys::socket::{AddressFamily, MsgFlags, SockFlag, SockProtocol, SockType, recv};
    if std::env::var_os("SONDE_WOL_CHILD").is_none() {
        return;
    }
    let capture = nix::sys::socket::socket(
        AddressFamily::Packet,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        SockProtocol::EthAll,
    )
    .unwrap();
    let (socket, _) = listener();
    let target = mac(MAC);
    let config = WakeConfig {
        methods: vec![Method::Ethernet, Method::Udp],
        udp_destination: socket.local_addr().unwrap(),
        interfaces: None,
    };
    let report = wake(&[target], &config);
    assert!(report.unavailable.is_empty(), "{report:?}");
    assert_eq!(
        report.targets[0].sent,
        Some(Sent {
            method: Method::Ethernet,
            via: vec!["wol0".to_owned()],
        }),
        "{report:?}"
    );
    assert!(report.targets[0].failures.is_empty(), "{report:?}");
    // Sent by ethernet: udp is not tried.
    nothing_more(&socket);

    let mut frames = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(n) = recv(capture.as_raw_fd(), &mut buf, MsgFlags::empty()) {
        if n >= 14 && buf[12..14] == ETHERTYPE_WAKE_ON_LAN.to_be_bytes() {
            frames.push(buf[..n].to_vec());
        }
    }
    // Out of wol0 and into its peer wol1: the same frame, from wol0's MAC, to the target.
    let expected = ethernet_frame(target, mac("02:00:00:00:a0:00"));
    assert!(!frames.is_empty(), "no Wake-on-LAN frame seen");
    for frame in &frames {
        assert_eq!(frame[..], expected[..]);
    }
    assert!(frames.len() <= 2, "{} frames", frames.len());
}
