//! Round trips over every bundled walk: parse → `simulate` → walk back (sonde's client and
//! net-snmp's `snmpbulkwalk`) gives the same OID/value pairs; and the `sonde simulate` and
//! `sonde capture` binaries do the same end to end.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use sonde::snmp::agent::{LoadedWalk, communities_for, load_walks};
use sonde::snmp::{
    AgentOptions, Client, Credential, Oid, Simulator, Target, Varbind, WalkEnd, WalkOptions, walk,
};

use crate::util::walk_paths;

/// Serves all walks on one address (told apart by community) and on a second address with
/// GETBULK disabled, so both walk strategies are exercised.
async fn serve_all(opts: AgentOptions) -> (Simulator, SocketAddr, Vec<LoadedWalk>) {
    let walks = load_walks(&walk_paths()).unwrap();
    assert_eq!(walks.len(), 69);
    let refs: Vec<&LoadedWalk> = walks.iter().collect();
    let sim = Simulator::start(
        vec![(
            "127.0.0.1:0".parse().unwrap(),
            communities_for(&refs, "public"),
        )],
        opts,
    )
    .await
    .unwrap();
    let addr = sim.local_addrs()[0];
    (sim, addr, walks)
}

fn diff(name: &str, want: &[Varbind], got: &[Varbind]) {
    if want == got {
        return;
    }
    let first = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    panic!(
        "{name}: {} served, {} walked back; first difference at #{first}: served {:?}, walked {:?}",
        want.len(),
        got.len(),
        want.get(first),
        got.get(first)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_walk_survives_simulate_then_walk() {
    let (sim, addr, walks) = serve_all(AgentOptions::default()).await;
    let client = Client::default();
    let root: Oid = "1".parse().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for w in &walks {
        let s = client.session(
            Target::new(addr, Credential::v2c(&w.community))
                .with_timeout(Duration::from_secs(2))
                .with_retries(2),
        );
        let root = root.clone();
        let mib = Arc::clone(&w.mib);
        let name = w.community.clone();
        tasks.spawn(async move {
            let got = walk(&s, &root, WalkOptions::default()).await.unwrap();
            assert_eq!(got.end, WalkEnd::EndOfMibView, "{name}");
            diff(&name, mib.objects(), &got.varbinds);
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_getnext_walks_match_too() {
    let (sim, addr, walks) = serve_all(AgentOptions::default()).await;
    let client = Client::default();
    let root: Oid = "1".parse().unwrap();
    // Three walks of different styles, in v1 (GETNEXT, Counter64 invisible).
    for name in ["sample1", "sample2", "sample6"] {
        let w = walks.iter().find(|w| w.community == name).unwrap();
        let s = client.session(Target::new(addr, Credential::v1(name)));
        let got = walk(&s, &root, WalkOptions::default()).await.unwrap();
        let want: Vec<Varbind> = w
            .mib
            .objects()
            .iter()
            .filter(|vb| !matches!(vb.value, sonde::snmp::Value::Counter64(_)))
            .cloned()
            .collect();
        diff(name, &want, &got.varbinds);
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn net_snmp_snmpbulkwalk_reads_the_same_pairs() {
    let (sim, addr, walks) = serve_all(AgentOptions::default()).await;
    for w in &walks {
        let out = tokio::process::Command::new("snmpbulkwalk")
            .args([
                "-v2c",
                "-c",
                &w.community,
                "-On",
                "-Cc",
                "-Cr25",
                "-t",
                "5",
                "-r",
                "2",
            ])
            .arg(addr.to_string())
            .arg(".1")
            .env("MIBS", "")
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| {
                panic!("snmpbulkwalk ({e}): install the Debian package snmp or run .ci/run")
            });
        assert!(
            out.status.success(),
            "{}: {}",
            w.community,
            String::from_utf8_lossy(&out.stderr)
        );
        let parsed = sonde::walk::parse(&out.stdout);
        assert!(
            parsed.errors.is_empty(),
            "{}: {:?}",
            w.community,
            &parsed.errors[..parsed.errors.len().min(3)]
        );
        let got: Vec<Varbind> = parsed
            .varbinds
            .into_iter()
            .filter(|vb| !vb.value.is_exception())
            .collect();
        diff(&w.community, w.mib.objects(), &got);
    }
    sim.shutdown().await;
}

/// `sonde simulate` and `sonde capture` as a user runs them: capture's output, read back,
/// equals the walk that was served.
#[test]
fn sonde_capture_of_sonde_simulate_gives_the_walk_back() {
    let bin = env!("CARGO_BIN_EXE_sonde");
    let walk_file: PathBuf = walk_paths()
        .into_iter()
        .find(|p| p.ends_with("cisco-c3750.walk.gz"))
        .unwrap();
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let mut sim = Command::new(bin)
        .args(["simulate", "--walk"])
        .arg(&walk_file)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--community",
            "secret",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The simulator says on stderr when it answers; a closed port would be refused at once.
    let mut stderr = std::io::BufReader::new(sim.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    assert!(line.contains("answering on udp"), "simulate said: {line}");
    let out_dir = std::env::temp_dir().join(format!("sonde-capture-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out_file = out_dir.join("capture.walk");
    let capture = Command::new(bin)
        .args([
            "capture",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args([
            "--credentials",
            "version:2c,community:secret",
            "--timeout",
            "2",
            "--retries",
            "3",
        ])
        .arg("--output")
        .arg(&out_file)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    // The same with --anonymize, to stdout.
    let anonymized = Command::new(bin)
        .args([
            "capture",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args(["--community", "secret", "--anonymize"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = sim.kill();
    let _ = sim.wait();
    assert!(
        capture.status.success(),
        "capture failed: {}",
        String::from_utf8_lossy(&capture.stderr)
    );
    assert!(
        anonymized.status.success(),
        "{}",
        String::from_utf8_lossy(&anonymized.stderr)
    );
    let anon = sonde::walk::parse(&anonymized.stdout);
    assert!(anon.errors.is_empty(), "{:?}", anon.errors);
    let served = load_walks(std::slice::from_ref(&walk_file))
        .unwrap()
        .remove(0);
    let back = sonde::walk::read(&out_file).unwrap();
    assert!(back.errors.is_empty(), "{:?}", back.errors);
    diff("capture", served.mib.objects(), &back.varbinds);
    // Anonymised: same objects, other values where they identify the device.
    assert_eq!(anon.varbinds.len(), back.varbinds.len());
    let value_of = |vbs: &[Varbind], o: &str| {
        let o: Oid = o.parse().unwrap();
        vbs.iter().find(|v| v.oid == o).map(|v| v.value.clone())
    };
    for port in ["1", "100", "910"] {
        let o = format!("1.3.6.1.2.1.2.2.1.6.{port}");
        let before = value_of(&back.varbinds, &o).unwrap();
        let after = value_of(&anon.varbinds, &o).unwrap();
        assert_eq!(before.as_bytes().unwrap().len(), 6);
        assert_eq!(after.as_bytes().unwrap().len(), 6);
        assert_ne!(before, after, "MAC of port {port} kept");
    }
    assert_eq!(
        value_of(&back.varbinds, "1.3.6.1.2.1.1.2.0"),
        value_of(&anon.varbinds, "1.3.6.1.2.1.1.2.0"),
        "sysObjectID must survive"
    );
    let _ = std::fs::remove_dir_all(&out_dir);
}
