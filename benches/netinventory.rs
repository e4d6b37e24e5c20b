//! Network inventory, measured and printed: requests (PDUs) and time for the full inventory of
//! three big walks served by the simulator (sample4: HP 5406zl, 77,312 objects; Cisco Nexus 5000;
//! HPE ProCurve), file mode on the same walks, many devices inventoried at once, and — when
//! FusionInventory's `fusioninventory-netinventory` is installed — the Perl agent against the
//! same simulator, counting its requests at the simulator.
//!
//! Run: `cargo bench --bench netinventory` (add `-- --quick` for a short run). Loopback only.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sonde::mib::MibDb;
use sonde::netinventory::{InventoryOptions, WalkDevice, inventory};
use sonde::snmp::{
    AgentOptions, Client, Communities, Credential, DispatcherConfig, Mib, Simulator, Target,
};

const WALKS: [(&str, &str); 3] = [
    ("sample4", "resources/walks/sample4.walk"),
    (
        "cisco-n5000",
        "extra/snmpsim-data/network/switch/cisco-n5000.walk",
    ),
    (
        "hpe-procurve",
        "extra/snmpsim-data/network/switch/hpe-procurve-516733-b21.walk",
    ),
];

fn walk_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/resources/walks")
        .join(format!("{rel}.gz"))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 2 } else { 5 };
    let db: &'static MibDb = MibDb::bundled().expect("bundled mibs");

    // The simulator runs on its own thread and runtime, so it does not share the client's; each
    // walk is served under its own community.
    let mut communities = Communities::new();
    for (name, rel) in WALKS {
        let file = sonde::walk::read(&walk_path(rel)).expect("bundled walk");
        communities.insert(name.as_bytes().to_vec(), Arc::new(Mib::new(file.varbinds)));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let sim = Arc::new(
                Simulator::start(
                    vec![("127.0.0.1:0".parse().expect("addr"), communities)],
                    AgentOptions::default(),
                )
                .await
                .expect("simulator"),
            );
            tx.send((sim.local_addrs()[0], Arc::clone(&sim)))
                .expect("send addr");
            std::future::pending::<()>().await;
        });
    });
    let (addr, sim) = rx.recv().expect("simulator address");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("walk          mode  requests  ports  best ms  median ms");
    for (name, rel) in WALKS {
        // File mode: read, parse and inventory.
        let mut times = Vec::new();
        let mut ports = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let device = WalkDevice::open(&walk_path(rel)).expect("walk");
            let inv = rt
                .block_on(inventory(&device, db, &InventoryOptions::default()))
                .expect("inventory");
            times.push(t.elapsed());
            ports = inv.ports.len();
        }
        print_row(name, "file", None, ports, &mut times);
        // Live against the simulator.
        let mut times = Vec::new();
        let mut requests = 0;
        for _ in 0..runs {
            let client = Client::new(DispatcherConfig::default());
            let session = client.session(
                Target::new(addr, Credential::v2c(name))
                    .with_timeout(Duration::from_secs(2))
                    .with_retries(1),
            );
            let before = sim.requests_received();
            let t = Instant::now();
            let inv = rt
                .block_on(inventory(&session, db, &InventoryOptions::default()))
                .expect("inventory");
            times.push(t.elapsed());
            // Counted at the simulator: every datagram, VLAN contexts and resends included.
            requests = sim.requests_received() - before;
            ports = inv.ports.len();
        }
        print_row(name, "live", Some(requests), ports, &mut times);
    }
    parallel(&rt, addr, db, if quick { 16 } else { 64 });
    perl(&sim, addr);
}

fn print_row(name: &str, mode: &str, requests: Option<u64>, ports: usize, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<13} {mode:<5} {:>8}  {ports:>5}  {:>7.1}  {:>9.1}",
        requests.map_or("-".to_owned(), |r| r.to_string()),
        ms(times[0]),
        ms(times[times.len() / 2]),
    );
}

/// Many devices at once: `n` inventories of the three walks in rotation, all started together.
fn parallel(rt: &tokio::runtime::Runtime, addr: SocketAddr, db: &'static MibDb, n: usize) {
    let client = Client::new(DispatcherConfig::default());
    let t = Instant::now();
    let results = rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..n {
            let (name, _) = WALKS[i % WALKS.len()];
            let session = client.session(
                Target::new(addr, Credential::v2c(name))
                    .with_timeout(Duration::from_secs(5))
                    .with_retries(2),
            );
            tasks.spawn(async move {
                let inv = inventory(&session, db, &InventoryOptions::default()).await;
                (inv.map(|i| i.ports.len()).unwrap_or(0), session.requests())
            });
        }
        tasks.join_all().await
    });
    let elapsed = t.elapsed();
    let requests: u64 = results.iter().map(|r| r.1).sum(); // main contexts only
    let ok = results.iter().filter(|r| r.0 > 0).count();
    println!(
        "parallel: {n} devices at once, {ok} complete, {requests} requests in {:.0} ms ({:.1} devices/s; cisco-n5000's VLAN contexts, which the simulator does not serve, wait 2 × 0.5 s each)",
        elapsed.as_secs_f64() * 1e3,
        n as f64 / elapsed.as_secs_f64()
    );
}

/// FusionInventory's netinventory against the same simulator, when installed.
fn perl(sim: &Simulator, addr: SocketAddr) {
    let tool = "fusioninventory-netinventory";
    if Command::new(tool)
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        println!(
            "perl: {tool} not installed (apt-get install fusioninventory-agent-task-network to compare)"
        );
        return;
    }
    for (name, _) in WALKS {
        let before = sim.requests_received();
        let t = Instant::now();
        let out = Command::new(tool)
            .args(["--host", "127.0.0.1", "--port", &addr.port().to_string()])
            .args(["--credentials", &format!("version:2c,community:{name}")])
            .args(["--timeout", "5"])
            .stderr(Stdio::null())
            .output();
        let elapsed = t.elapsed();
        let requests = sim.requests_received() - before;
        match out {
            Ok(o) => {
                let ports = String::from_utf8_lossy(&o.stdout).matches("<PORT>").count();
                println!(
                    "{name:<13} perl  {requests:>8}  {ports:>5}  {:>7.1}  (FusionInventory 2.6, one run)",
                    elapsed.as_secs_f64() * 1e3
                );
            }
            Err(e) => println!("{name}: perl run failed: {e}"),
        }
    }
}
