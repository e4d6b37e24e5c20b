//! Local inventory, measured and printed: collecting every section in process (and writing the
//! XML and JSON documents), the `sonde inventory` binary's wall time and peak memory, and —
//! when installed — FusionInventory's `fusioninventory-inventory` on the same machine.
//!
//! Run: `cargo bench --bench inventory` (add `-- --quick` for a short run).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sonde::inventory::{Options, collect};
use sonde::report::inventory::{json, xml};

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 5 } else { 20 };
    let mut times = Vec::new();
    let mut sizes = (0, 0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let inv = collect(&Options::default());
        let x = xml(&inv);
        let j = json(&inv).to_string();
        times.push(t.elapsed());
        sizes = (
            inv.sections.values().map(Vec::len).sum::<usize>(),
            x.len(),
            j.len(),
        );
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "in process: collect + XML + JSON of {} entries ({} / {} bytes): best {:.1} ms, median {:.1} ms over {runs} runs",
        sizes.0,
        sizes.1,
        sizes.2,
        ms(times[0]),
        ms(times[times.len() / 2])
    );
    let vardir = std::env::temp_dir().join(format!("sonde-bench-inv-{}", std::process::id()));
    let sonde = env!("CARGO_BIN_EXE_sonde");
    let state = vardir.to_string_lossy().into_owned();
    measure(
        "sonde inventory",
        &[sonde, "inventory", "--vardir", &state],
        runs.min(10),
    );
    measure(
        "sonde inventory --json",
        &[sonde, "inventory", "--json", "--vardir", &state],
        runs.min(10),
    );
    if Command::new("fusioninventory-inventory")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
    {
        measure(
            "fusioninventory-inventory (Perl)",
            &["fusioninventory-inventory"],
            3,
        );
    } else {
        println!(
            "fusioninventory-inventory not installed (apt-get install fusioninventory-agent to compare)"
        );
    }
    let _ = std::fs::remove_dir_all(&vardir);
}

/// Wall time and peak memory of a command, through `/usr/bin/time` (best and median of `runs`).
fn measure(label: &str, argv: &[&str], runs: usize) {
    let mut results: Vec<(f64, f64)> = Vec::new();
    for _ in 0..runs {
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%e %M"])
            .args(argv)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output();
        let Ok(out) = out else {
            println!("{label}: /usr/bin/time not available");
            return;
        };
        let err = String::from_utf8_lossy(&out.stderr);
        let Some(last) = err.lines().last() else {
            continue;
        };
        let mut it = last.split_whitespace();
        if let (Some(Ok(wall)), Some(Ok(kb))) = (
            it.next().map(str::parse::<f64>),
            it.next().map(str::parse::<f64>),
        ) {
            results.push((wall, kb / 1024.0));
        }
    }
    if results.is_empty() {
        println!("{label}: no measurement");
        return;
    }
    results.sort_by(|a, b| a.0.total_cmp(&b.0));
    let best = results[0];
    let median = results[results.len() / 2];
    let peak = results.iter().map(|r| r.1).fold(0.0, f64::max);
    println!(
        "{label}: wall best {:.0} ms, median {:.0} ms; peak memory {:.1} MB ({} runs)",
        best.0 * 1e3,
        median.0 * 1e3,
        peak,
        results.len()
    );
}
