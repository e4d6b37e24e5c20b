//! Discovery end to end on loopback: `sonde simulate` serving several walks on several
//! addresses, discovered live, gives the same devices as `--file` on the same walks; silent
//! and closed addresses end as they should; the output formats and control messages.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use crate::util::walk_paths;

const WALKS: [&str; 6] = [
    "cisco-c3750.walk.gz",
    "sample4.walk.gz",
    "sample2.walk.gz",
    "eastpower-istars-swv053.walk.gz",
    "ubiquiti-m5.walk.gz",
    "unknown-005.walk.gz",
];

fn walk(name: &str) -> PathBuf {
    walk_paths()
        .into_iter()
        .find(|p| p.ends_with(name))
        .unwrap()
}

fn sonde(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `sonde simulate` with one walk per address 127.0.0.11–16, all on one port.
struct Simulators {
    child: Child,
    port: u16,
}

impl Drop for Simulators {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn simulate() -> Simulators {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sonde"));
    cmd.arg("simulate");
    for (i, name) in WALKS.iter().enumerate() {
        cmd.arg("--walk").arg(walk(name));
        cmd.arg("--listen")
            .arg(format!("127.0.0.{}:{port}", 11 + i));
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One "answering on" line per address once every socket is bound.
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    for _ in 0..WALKS.len() {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut err, &mut line).unwrap();
        assert!(line.contains("answering on udp"), "simulate said: {line}");
    }
    Simulators { child, port }
}

fn json_lines(out: &Output) -> Vec<serde_json::Map<String, serde_json::Value>> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            serde_json::Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

/// The fields identification gives (what --file and live must agree on).
fn snmp_fields(
    m: &serde_json::Map<String, serde_json::Value>,
) -> BTreeMap<String, serde_json::Value> {
    m.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "IP" | "DNSHOSTNAME" | "OUTCOME" | "NETBIOSNAME" | "WORKGROUP"
            )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn live_discovery_equals_file_mode() {
    let sim = simulate();
    let port = sim.port.to_string();
    // DNS off: no reverse lookups of loopback addresses reach the system resolver.
    let live = json_lines(&sonde(&[
        "netdiscovery",
        "--first",
        "127.0.0.10",
        "--last",
        "127.0.0.17",
        "--port",
        &port,
        "--credentials",
        "version:2c,community:public",
        "--probes",
        "snmp,icmp,netbios,arp",
        "--timeout",
        "2",
        "--format",
        "json",
    ]));
    drop(sim);
    let by_ip: BTreeMap<String, _> = live
        .iter()
        .map(|m| (m["IP"].as_str().unwrap().to_owned(), m.clone()))
        .collect();
    for (i, name) in WALKS.iter().enumerate() {
        let ip = format!("127.0.0.{}", 11 + i);
        let host = by_ip
            .get(&ip)
            .unwrap_or_else(|| panic!("{name} at {ip} not found: {live:?}"));
        assert_eq!(host["OUTCOME"], "snmp", "{name}");
        assert_eq!(host["AUTHSNMP"], "1", "{name}");
        let file = json_lines(&sonde(&[
            "netdiscovery",
            "--file",
            walk(name).to_str().unwrap(),
            "--format",
            "json",
        ]));
        assert_eq!(file.len(), 1);
        assert_eq!(
            snmp_fields(host),
            snmp_fields(&file[0]),
            "{name}: live vs --file"
        );
        assert!(snmp_fields(host).contains_key("DESCRIPTION"), "{name}");
    }
    // .10 and .17: nothing listens on the port (refused at once), but ping answers.
    for ip in ["127.0.0.10", "127.0.0.17"] {
        if let Some(h) = by_ip.get(ip) {
            assert_eq!(h["OUTCOME"], "alive", "{ip}");
            assert_eq!(h["DNSHOSTNAME"], ip, "{ip}");
        }
    }
}

#[test]
fn file_mode_xml_matches_the_reference_shape() {
    let out = sonde(&[
        "netdiscovery",
        "--file",
        walk("cisco-c3750.walk.gz").to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8(out.stdout).unwrap();
    // The GLPI agent's reference output for this walk, but for MODULEVERSION (6.4 there).
    let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  <CONTENT>\n    <DEVICE>\n      \
<AUTHSNMP>1</AUTHSNMP>\n      \
<DESCRIPTION>Cisco IOS Software, C3750 Software (C3750-IPBASE-M), Version 12.2(50)SE5, RELEASE SOFTWARE (fc1)</DESCRIPTION>\n      \
<FIRMWARE>12.2(50)SE5</FIRMWARE>\n      <IP>1.1.1.1</IP>\n      <IPS>\n        <IP>172.25.2.1</IP>\n        \
<IP>192.168.11.150</IP>\n      </IPS>\n      <MAC>f4:7f:35:93:af:80</MAC>\n      <MANUFACTURER>Cisco</MANUFACTURER>\n      \
<MODEL>WS-C3750G-12S-S</MODEL>\n      <SERIAL>FDO1622Y10H</SERIAL>\n      <SNMPHOSTNAME>DJ_3750</SNMPHOSTNAME>\n      \
<TYPE>NETWORKING</TYPE>\n      <UPTIME>451 days, 0:56:29.21</UPTIME>\n    </DEVICE>\n    \
<MODULEVERSION>4.2</MODULEVERSION>\n    <PROCESSNUMBER>1</PROCESSNUMBER>\n  </CONTENT>\n  \
<DEVICEID>foo</DEVICEID>\n  <QUERY>NETDISCOVERY</QUERY>\n</REQUEST>\n";
    assert_eq!(xml, expected);
}

#[test]
fn control_messages_frame_the_devices() {
    let sim = simulate();
    let port = sim.port.to_string();
    let out = sonde(&[
        "netdiscovery",
        "--first",
        "127.0.0.11",
        "--last",
        "127.0.0.12",
        "--port",
        &port,
        "--community",
        "public",
        "--probes",
        "snmp",
        "--control",
    ]);
    drop(sim);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let docs: Vec<&str> = text.split("<?xml").filter(|d| !d.is_empty()).collect();
    assert_eq!(docs.len(), 5, "{text}");
    assert!(docs[0].contains("<START>1</START>"));
    assert!(docs[1].contains("<NBIP>2</NBIP>"));
    assert!(docs[2].contains("<DEVICE>") && docs[3].contains("<DEVICE>"));
    assert!(docs[4].contains("<END>1</END>"));
}

#[test]
fn table_format_and_save_dir() {
    let file = walk("sample2.walk.gz");
    let out = sonde(&[
        "netdiscovery",
        "--file",
        file.to_str().unwrap(),
        "--format",
        "table",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("IP "));
    assert!(lines[1].starts_with("1.1.1.1 "), "{}", lines[1]);
    assert!(lines[1].contains("PRINTER"), "{}", lines[1]);

    let dir = std::env::temp_dir().join(format!("sonde-save-{}", std::process::id()));
    let out = sonde(&[
        "netdiscovery",
        "--file",
        file.to_str().unwrap(),
        "--first",
        "127.0.0.9",
        "--last",
        "127.0.0.9",
        "--save",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    // One file for the run, complete (no .partial left).
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("netdiscovery-") && name.ends_with(".xml"),
        "{name}"
    );
    let saved = std::fs::read_to_string(&files[0]).unwrap();
    assert!(saved.contains("<IP>127.0.0.9</IP>"), "{saved}");
    assert!(saved.contains("<QUERY>NETDISCOVERY</QUERY>"), "{saved}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_ranges_are_clear_errors() {
    for (args, text) in [
        (
            &[
                "netdiscovery",
                "--first",
                "127.0.0.9",
                "--last",
                "127.0.0.1",
            ][..],
            "ends before it starts",
        ),
        (
            &["netdiscovery", "--first", "127.0.0.1", "--last", "::1"][..],
            "mixes IPv4 and IPv6",
        ),
        (
            &[
                "netdiscovery",
                "--range",
                "127.0.0.0/30",
                "--exclude",
                "127.0.0.0/24",
            ][..],
            "every address is excluded",
        ),
        (
            &["netdiscovery", "--range", "::/64"][..],
            "more than one sweep accepts",
        ),
    ] {
        let out = sonde(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(text), "{args:?}: {err}");
    }
}

#[test]
fn ipv6_discovery_identifies_a_device() {
    let port = std::net::UdpSocket::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["simulate", "--walk"])
        .arg(walk("sample2.walk.gz"))
        .args(["--listen", &format!("[::1]:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut err, &mut line).unwrap();
    assert!(line.contains("answering on udp"), "simulate said: {line}");
    let out = sonde(&[
        "netdiscovery",
        "--first",
        "::1",
        "--last",
        "::1",
        "--port",
        &port.to_string(),
        "--credentials",
        "version:2c,community:public",
        "--probes",
        "snmp,icmp,arp",
        "--format",
        "json",
    ]);
    let _ = child.kill();
    let _ = child.wait();
    let hosts = json_lines(&out);
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    assert_eq!(hosts[0]["IP"], "::1");
    assert_eq!(hosts[0]["OUTCOME"], "snmp");
    assert_eq!(hosts[0]["TYPE"], "PRINTER");
    assert_eq!(hosts[0]["SNMPHOSTNAME"], "Aficio MP 171");
}
