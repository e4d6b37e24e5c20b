//! The agent's counters and gauges, bumped by the daemon (and by the HTTP port for its own
//! requests), and their Prometheus text exposition (`GET /metrics`). Only numbers and target
//! ids are exposed: no URL, no credential, no address.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use super::board::Board;

/// A monotonic count.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Raises the count to `total` when that is higher (for counts kept elsewhere, such as the
    /// process's SNMP requests); a count never goes down.
    pub fn set_total(&self, total: u64) {
        self.0.fetch_max(total, Ordering::Relaxed);
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes one (not below zero).
    pub fn dec(&self) {
        // The closure never returns None, so this cannot fail.
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(1))
            });
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Everything `/metrics` shows besides the targets. The daemon owns the meaning of the task
/// counters; the `http_*` and `now_requests` ones are kept by the HTTP port.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Metrics {
    /// Target runs started (server and local).
    pub target_runs: Counter,
    /// Target runs that ended without a usable server answer (network error, bad reply).
    pub target_run_errors: Counter,
    /// Jobs run: inventories, NETDISCOVERY and SNMPQUERY jobs.
    pub jobs: Counter,
    /// Devices found by network discoveries.
    pub devices_found: Counter,
    /// Devices inventoried over SNMP.
    pub devices_inventoried: Counter,
    /// SNMP requests sent.
    pub snmp_requests: Counter,
    /// Messages delivered to servers.
    pub messages_sent: Counter,
    /// Errors of any kind the daemon logged.
    pub errors: Counter,
    /// Result files waiting in the spools.
    pub spool_files: Gauge,
    /// Bytes of the result files waiting in the spools.
    pub spool_bytes: Gauge,
    /// HTTP requests answered by the port.
    pub http_requests: Counter,
    /// HTTP requests refused because the client is not trusted.
    pub http_forbidden: Counter,
    /// HTTP connections closed at once because their address held too many already.
    pub http_refused: Counter,
    /// HTTP connections open now.
    pub http_connections: Gauge,
    /// Runs asked for over HTTP (`/now`) and accepted.
    pub now_requests: Counter,
}

/// Prometheus's content type for the text format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The exposition of `board`'s metrics.
pub(crate) fn render(board: &Board) -> String {
    let m = board.metrics();
    let mut out = String::with_capacity(4096);
    family(
        &mut out,
        "sonde_info",
        "gauge",
        "The agent version, as a label.",
    );
    let _ = writeln!(
        out,
        "sonde_info{{version=\"{}\"}} 1",
        label(board.version())
    );
    family(
        &mut out,
        "sonde_start_time_seconds",
        "gauge",
        "When the agent started, in seconds since the Unix epoch.",
    );
    let _ = writeln!(out, "sonde_start_time_seconds {}", board.started());
    let counters = [
        ("target_runs", "Target runs started.", &m.target_runs),
        (
            "target_run_errors",
            "Target runs that got no usable answer from their server.",
            &m.target_run_errors,
        ),
        (
            "jobs",
            "Jobs run (inventories, network discoveries, network inventories).",
            &m.jobs,
        ),
        (
            "devices_found",
            "Devices found by network discoveries.",
            &m.devices_found,
        ),
        (
            "devices_inventoried",
            "Devices inventoried over SNMP.",
            &m.devices_inventoried,
        ),
        ("snmp_requests", "SNMP requests sent.", &m.snmp_requests),
        (
            "messages_sent",
            "Messages delivered to servers.",
            &m.messages_sent,
        ),
        ("errors", "Errors logged.", &m.errors),
        ("http_requests", "HTTP requests answered.", &m.http_requests),
        (
            "http_forbidden",
            "HTTP requests refused to untrusted clients.",
            &m.http_forbidden,
        ),
        (
            "http_refused",
            "HTTP connections closed because their address held too many.",
            &m.http_refused,
        ),
        ("now_requests", "Runs asked for over HTTP.", &m.now_requests),
    ];
    for (name, help, counter) in counters {
        let name = format!("sonde_{name}_total");
        family(&mut out, &name, "counter", help);
        let _ = writeln!(out, "{name} {}", counter.get());
    }
    let gauges = [
        (
            "spool_files",
            "Result files waiting in the spools.",
            &m.spool_files,
        ),
        (
            "spool_bytes",
            "Bytes of result files waiting in the spools.",
            &m.spool_bytes,
        ),
        (
            "http_connections",
            "HTTP connections open.",
            &m.http_connections,
        ),
    ];
    for (name, help, gauge) in gauges {
        let name = format!("sonde_{name}");
        family(&mut out, &name, "gauge", help);
        let _ = writeln!(out, "{name} {}", gauge.get());
    }
    let targets = board.targets();
    let planned: Vec<_> = targets
        .iter()
        .filter_map(|t| t.next_run.map(|next| (t.id.as_str(), next)))
        .collect();
    if !planned.is_empty() {
        let name = "sonde_target_next_run_timestamp_seconds";
        family(
            &mut out,
            name,
            "gauge",
            "The next planned run of each target.",
        );
        for (id, next) in planned {
            let _ = writeln!(out, "{name}{{target=\"{}\"}} {next}", label(id));
        }
    }
    out
}

/// The `# HELP` and `# TYPE` lines of a metric family.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value escaped as the text format wants (`\\`, `\"`, `\n`).
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::httpd::TargetInfo;
    use std::path::Path;

    #[test]
    fn counters_and_gauges() {
        let m = Metrics::default();
        m.jobs.inc();
        m.jobs.add(2);
        assert_eq!(m.jobs.get(), 3);
        m.spool_files.set(4);
        m.spool_files.dec();
        assert_eq!(m.spool_files.get(), 3);
        m.http_connections.dec();
        assert_eq!(m.http_connections.get(), 0);
        m.http_connections.inc();
        assert_eq!(m.http_connections.get(), 1);
    }

    #[test]
    fn exposition_format() {
        let board = Board::new("0.1.0");
        board.metrics().devices_found.add(42);
        board.metrics().spool_bytes.set(1234);
        board.set_targets(vec![
            TargetInfo::local("local0", Path::new("/tmp")).with_next_run(1_800_000_000),
            TargetInfo::local("local\"1", Path::new("/tmp")),
        ]);
        let text = render(&board);
        assert!(text.contains(
            "# HELP sonde_devices_found_total Devices found by network discoveries.\n\
             # TYPE sonde_devices_found_total counter\n\
             sonde_devices_found_total 42\n"
        ));
        assert!(text.contains("# TYPE sonde_spool_bytes gauge\nsonde_spool_bytes 1234\n"));
        assert!(text.contains("sonde_info{version=\"0.1.0\"} 1\n"));
        assert!(
            text.contains(
                "sonde_target_next_run_timestamp_seconds{target=\"local0\"} 1800000000\n"
            )
        );
        assert!(
            !text.contains("local\\\"1"),
            "targets without a date are left out"
        );
        // Every sample line belongs to a declared family; counters end in _total.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(text.contains(&format!("# TYPE {name} ")), "{line}");
            assert!(name.starts_with("sonde_"), "{line}");
        }
        for line in text
            .lines()
            .filter(|l| l.starts_with("# TYPE") && l.ends_with("counter"))
        {
            assert!(line.contains("_total "), "{line}");
        }
        assert_eq!(label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
