//! SNMP hot paths, measured and printed: BER encode/decode, GET round trips per second through
//! the shared dispatcher, and a full walk of `sample4.walk` (77,312 varbinds) served by the
//! simulator, with net-snmp's `snmpbulkwalk` on the same simulator as the comparison.
//!
//! Run: `cargo bench --bench snmp` (add `-- --quick` for a short run). Loopback only.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sonde::snmp::message::{self, CommunityMessage};
use sonde::snmp::pdu::{Pdu, PduType};
use sonde::snmp::{
    AgentOptions, Client, Communities, Credential, Mib, Oid, Simulator, Target, Value, Varbind,
    Version, WalkOptions, walk,
};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let walk_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/resources/walks/resources/walks/sample4.walk.gz");
    let parse_started = Instant::now();
    let file = sonde::walk::read(&walk_path).expect("sample4.walk.gz");
    let parse_time = parse_started.elapsed();
    let mib = Arc::new(Mib::new(file.varbinds));
    println!(
        "walk file: parsed sample4.walk ({} varbinds served) in {:.1} ms",
        mib.len(),
        parse_time.as_secs_f64() * 1e3
    );
    codec(&mib, quick);

    // The simulator runs on its own thread and runtime, so it does not share the client's.
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let sim_mib = Arc::clone(&mib);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut c = Communities::new();
            c.insert(b"public".to_vec(), sim_mib);
            let sim = Simulator::start(
                vec![("127.0.0.1:0".parse().expect("addr"), c)],
                AgentOptions::default(),
            )
            .await
            .expect("simulator");
            addr_tx.send(sim.local_addrs()[0]).expect("send addr");
            std::future::pending::<()>().await;
        });
    });
    let addr = addr_rx.recv().expect("simulator address");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let secs = if quick { 1 } else { 3 };
        for concurrency in [1usize, 16, 256] {
            get_round_trips(addr, concurrency, Duration::from_secs(secs)).await;
        }
        for reps in [10u32, 25, 50] {
            sonde_walk(addr, reps, mib.len()).await;
        }
    });
    for reps in [10u32, 25, 50] {
        net_snmp_walk(addr, reps);
    }
}

fn codec(mib: &Mib, quick: bool) {
    let rows: Vec<Varbind> = mib.objects().iter().take(25).cloned().collect();
    let msg = CommunityMessage {
        version: Version::V2c,
        community: b"public".to_vec(),
        pdu: Pdu {
            pdu_type: PduType::Response,
            request_id: 42,
            error_status: 0,
            error_index: 0,
            varbinds: rows,
        },
    };
    let n = if quick { 20_000 } else { 200_000 };
    let started = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += std::hint::black_box(msg.encode()).len();
    }
    let enc = started.elapsed();
    let wire = msg.encode();
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(message::decode(std::hint::black_box(&wire)).expect("decode"));
    }
    let dec = started.elapsed();
    println!(
        "ber codec: 25-varbind response ({} bytes): encode {:.0} k msg/s ({:.0} MB/s), decode {:.0} k msg/s",
        wire.len(),
        n as f64 / enc.as_secs_f64() / 1e3,
        bytes as f64 / enc.as_secs_f64() / 1e6,
        n as f64 / dec.as_secs_f64() / 1e3
    );
}

async fn get_round_trips(addr: SocketAddr, concurrency: usize, duration: Duration) {
    let client = Client::default();
    let oid: Oid = "1.3.6.1.2.1.1.5.0".parse().expect("oid");
    let deadline = Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let s = client.session(Target::new(addr, Credential::v2c("public")));
        let oid = oid.clone();
        tasks.spawn(async move {
            let mut done = 0u64;
            let mut errors = 0u64;
            while Instant::now() < deadline {
                match s.get(std::slice::from_ref(&oid)).await {
                    Ok(v) if !matches!(v[0].value, Value::NoSuchObject) => done += 1,
                    _ => errors += 1,
                }
            }
            (done, errors)
        });
    }
    let started = Instant::now();
    let (mut done, mut errors) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let (d, e) = r.expect("task");
        done += d;
        errors += e;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "get round trips: {concurrency:>4} concurrent: {:>8.0} GET/s ({:.1} µs mean latency, {errors} errors)",
        done as f64 / secs,
        secs * 1e6 * concurrency as f64 / done.max(1) as f64
    );
}

async fn sonde_walk(addr: SocketAddr, reps: u32, expected: usize) {
    let client = Client::default();
    let s = client.session(Target::new(addr, Credential::v2c("public")));
    let root: Oid = "1".parse().expect("oid");
    let opts = WalkOptions {
        max_repetitions: reps,
        ..WalkOptions::default()
    };
    let started = Instant::now();
    let w = walk(&s, &root, opts).await.expect("walk");
    let t = started.elapsed();
    assert_eq!(w.varbinds.len(), expected, "sonde walk is incomplete");
    println!(
        "sample4 full walk, sonde walk (bulk, max-repetitions {reps:>2}): {:>7.1} ms, {} varbinds, {} requests, {:.0} varbinds/s",
        t.as_secs_f64() * 1e3,
        w.varbinds.len(),
        w.requests,
        w.varbinds.len() as f64 / t.as_secs_f64()
    );
}

fn net_snmp_walk(addr: SocketAddr, reps: u32) {
    let started = Instant::now();
    let out = Command::new("snmpbulkwalk")
        .args([
            "-v2c",
            "-c",
            "public",
            "-On",
            "-Cc",
            &format!("-Cr{reps}"),
            "-t",
            "5",
            "-r",
            "1",
        ])
        .arg(addr.to_string())
        .arg(".1")
        .env("MIBS", "")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let t = started.elapsed();
    match out {
        Ok(o) => {
            let lines = o.stdout.iter().filter(|&&b| b == b'\n').count();
            println!(
                "sample4 full walk, net-snmp snmpbulkwalk -Cr{reps:<2}:              {:>7.1} ms, {lines} output lines",
                t.as_secs_f64() * 1e3
            );
        }
        Err(e) => println!("snmpbulkwalk not available ({e}): install the Debian package snmp"),
    }
}
