//! Faults: misbehaving SNMP agents, servers and clients, and a state directory that cannot be
//! trusted. Everything runs on loopback (or in a mount namespace the test creates), every wait
//! is bounded, and each test asserts the outcome sonde reports, not only that it ended.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sonde::agent::run::RunConfig;
use sonde::mib::MibDb;
use sonde::transport::TransportConfig;
use sonde::transport::spool::Limits;
use sonde::wakeonlan::WakeConfig;

/// A fake GLPI server on plain threads: replies, resets, delays, stalls mid-body.
mod glpi;
/// The daemon's HTTP port under a flood of hostile requests, in bounded memory.
mod httpd;
/// The zoo in a discovery sweep, `sonde netinventory` and a server's SNMPQUERY job.
mod jobs;
/// A server that fails while results are sent: errors, the spool, `kill -9` mid-upload.
mod server;
/// Agents that misbehave at the level of one SNMP client: non-increasing OIDs, garbage and
/// foreign replies, error statuses, tooBig on every bulk, silence mid-walk, a closed port.
mod snmp;
/// A state directory that cannot be written, a full disk, corrupt state files.
mod state;
/// A zoo of misbehaving agents, one per loopback address, each wrapping the simulator's answers.
mod zoo;

/// A fresh, empty directory for one test (removed first if a previous run left it).
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sonde-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An in-process half-managed run's settings: one server, only the network inventory task,
/// an HTTP timeout of `timeout`.
pub(crate) fn run_config(server: &str, vardir: &Path, timeout: Duration) -> RunConfig {
    RunConfig {
        servers: vec![sonde::transport::url::canonical(server).unwrap()],
        locals: Vec::new(),
        vardir: vardir.to_path_buf(),
        transport: TransportConfig {
            timeout,
            ..TransportConfig::default()
        },
        inventory: sonde::inventory::Options::default(),
        tag: None,
        additional_content: None,
        json: false,
        html: false,
        force: false,
        tasks: vec!["netinventory".to_owned()],
        db: Some(Arc::new(MibDb::bundled().unwrap().clone())),
        spool: Limits::default(),
        lazy: false,
        network: None,
        wakeonlan: WakeConfig::default(),
    }
}

/// The XML PROLOG reply carrying one SNMPQUERY job over `devices` (`IP`, port), v2c `public`,
/// SNMP timeout 1 s.
pub(crate) fn snmpquery_reply(devices: &[std::net::SocketAddr]) -> String {
    let mut reply = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><OPTION><NAME>SNMPQUERY</NAME>\
         <PARAM THREADS_QUERY=\"4\" TIMEOUT=\"1\" PID=\"7\"/>",
    );
    for (i, d) in devices.iter().enumerate() {
        reply.push_str(&format!(
            "<DEVICE TYPE=\"NETWORKING\" ID=\"{}\" IP=\"{}\" PORT=\"{}\" AUTHSNMP_ID=\"1\"/>",
            100 + i,
            d.ip(),
            d.port()
        ));
    }
    reply.push_str(
        "<AUTHENTICATION ID=\"1\" VERSION=\"2c\" COMMUNITY=\"public\"/></OPTION>\
         <PROLOG_FREQ>24</PROLOG_FREQ></REPLY>",
    );
    reply
}

/// A PROLOG reply without any job.
pub(crate) const NO_JOB: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><PROLOG_FREQ>24</PROLOG_FREQ></REPLY>";

/// The results waiting in the spools of `vardir` (every target).
pub(crate) fn spooled(vardir: &Path) -> usize {
    spool_files(vardir).len()
}

/// The result files waiting in the spools of `vardir`, sorted by path.
pub(crate) fn spool_files(vardir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(targets) = std::fs::read_dir(vardir.join("targets")) else {
        return out;
    };
    for target in targets {
        let Ok(files) = std::fs::read_dir(target.unwrap().path().join("spool")) else {
            continue;
        };
        for f in files {
            let path = f.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml" || e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
