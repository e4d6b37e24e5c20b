//! The zoo at the job level: a discovery sweep, `sonde netinventory` and a server's SNMPQUERY
//! job over every misbehaving device at once end in bounded time, the healthy device (and the
//! ones whose faults are harmless) fully reported, each faulty one with its own outcome.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use sonde::agent::run::run_once;
use sonde::discovery::{self, Block, ProbeSet, SweepConfig, Targets};
use sonde::mib::MibDb;
use sonde::model::{Host, Outcome};
use sonde::snmp::Credential;
use sonde::snmp::source::MAX_TABLE_OBJECTS;

use super::glpi::{Answer, Glpi};
use super::zoo::{Fault, HUGE_DESCR, WALK, Zoo};
use super::{run_config, scratch, snmpquery_reply};
use crate::netinventory::{devices, diff, flatten, sonde, walk_file, without_id};

/// "Nothing hangs": far beyond what any of these runs needs.
const BOUND: Duration = Duration::from_secs(120);

/// A sweep of the zoo's addresses (SNMP only): every address ends, the devices that answer
/// usably are identified as the healthy one is, the ones that answer unreadable datagrams
/// end in an error that says so (not in "no answer"), the one with wrong request ids in no
/// answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_over_the_zoo_gives_every_device_its_outcome() {
    let zoo = Zoo::start(100).await;
    let (first, last) = (zoo.addrs[0].ip(), zoo.addrs[zoo.addrs.len() - 1].ip());
    let targets = Targets::new(vec![Block::range(first, last).unwrap()], Vec::new()).unwrap();
    let db = Arc::new(MibDb::bundled().unwrap().clone());
    let built = discovery::build(SweepConfig {
        ports: vec![zoo.port],
        probes: ProbeSet {
            snmp: true,
            icmp: false,
            netbios: false,
            dns: false,
            arp: false,
        },
        timeout: Duration::from_secs(1),
        retries: 1,
        ..SweepConfig::new(targets, vec![Credential::v2c("public")], db)
    });
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let sweep = tokio::spawn(built.sweep.run(tx));
    let hosts: BTreeMap<IpAddr, Host> = tokio::time::timeout(BOUND, async {
        let mut hosts = BTreeMap::new();
        while let Some(host) = rx.recv().await {
            hosts.insert(host.ip, host);
        }
        hosts
    })
    .await
    .expect("the sweep ends");
    let summary = sweep.await.unwrap();
    assert_eq!(summary.addresses, Fault::ALL.len() as u64);
    let healthy = hosts[&zoo.addr(Fault::Healthy).ip()]
        .snmp
        .clone()
        .expect("the healthy device is identified");
    assert_eq!(healthy.name.as_deref(), Some("Kotelinaya-to-Pat"));
    for fault in Fault::ALL {
        let addr = zoo.addr(fault);
        let host = &hosts[&addr.ip()];
        match fault {
            Fault::Garbage | Fault::Truncated | Fault::ClaimsHuge => {
                let Outcome::Error(e) = &host.outcome else {
                    panic!("{fault:?}: {:?}", host.outcome)
                };
                assert!(
                    e.starts_with(&format!("{addr}: malformed response: ")),
                    "{fault:?}: {e}"
                );
            }
            Fault::WrongId => assert_eq!(host.outcome, Outcome::NoAnswer, "{fault:?}"),
            _ => {
                let expected = Outcome::Snmp {
                    credential: 0,
                    port: zoo.port,
                };
                assert_eq!(host.outcome, expected, "{fault:?}");
                let mut info = host.snmp.clone().unwrap();
                if fault == Fault::HugeDatagram {
                    assert_eq!(info.description.as_deref().map(str::len), Some(HUGE_DESCR));
                    info.description.clone_from(&healthy.description);
                }
                assert_eq!(info, healthy, "{fault:?}");
            }
        }
    }
    zoo.stop().await;
}

/// Checks the reports of the zoo's devices (flattened DEVICE elements, in zoo order) against
/// the healthy device's: harmless faults give the same report, broken columns leave exactly
/// their own values out, and the others get an error that says what happened.
fn check_reports(zoo: &Zoo, reports: &[Vec<String>]) {
    assert_eq!(reports.len(), Fault::ALL.len());
    let healthy = without_id(&reports[0]);
    assert!(healthy.len() > 100, "{healthy:?}");
    // The ifDescr (and the ifName made of it) of ports from `first` on.
    let names_from = |first: u32| -> Vec<String> {
        healthy
            .iter()
            .filter(|l| {
                let Some(rest) = l.strip_prefix("DEVICE/PORTS/PORT[") else {
                    return false;
                };
                let (n, field) = rest.split_once("]/").unwrap();
                n.parse::<u32>().unwrap() >= first
                    && (field.starts_with("IFDESCR=") || field.starts_with("IFNAME="))
            })
            .cloned()
            .collect()
    };
    for (fault, report) in Fault::ALL.iter().zip(reports) {
        let addr = zoo.addr(*fault);
        let error = report
            .iter()
            .find_map(|l| l.strip_prefix("DEVICE/ERROR/MESSAGE="))
            .unwrap_or_default();
        let (lost, gained) = diff(&healthy, &without_id(report));
        match fault {
            Fault::Healthy | Fault::Duplicated | Fault::Reordered | Fault::TooBigBulk => {
                assert_eq!((lost, gained), (Vec::new(), Vec::new()), "{fault:?}");
            }
            Fault::HugeDatagram => {
                assert_eq!(lost.len(), 1, "{fault:?}: {lost:?}");
                assert!(lost[0].starts_with("DEVICE/INFO/COMMENTS=Linux 2.6.32"));
                assert_eq!(
                    gained,
                    [format!("DEVICE/INFO/COMMENTS={}", "x".repeat(HUGE_DESCR))]
                );
            }
            Fault::Loop | Fault::Stuck => {
                let first = if *fault == Fault::Loop { 3 } else { 2 };
                assert_eq!(lost, names_from(first), "{fault:?}");
                assert!(gained.is_empty(), "{fault:?}: {gained:?}");
            }
            Fault::Garbage | Fault::Truncated | Fault::ClaimsHuge => {
                let expected = format!("SNMP communication error: {addr}: malformed response: ");
                assert!(error.starts_with(&expected), "{fault:?}: {report:?}");
            }
            Fault::WrongId => assert_eq!(
                error,
                format!(
                    "SNMP communication error: no response from host {}",
                    addr.ip()
                ),
                "{fault:?}"
            ),
            Fault::StopsMidWalk => {
                let expected = format!(
                    "device stopped answering during the inventory: {addr}: no answer after "
                );
                assert!(error.starts_with(&expected), "{fault:?}: {report:?}");
            }
            Fault::Endless => assert_eq!(
                error,
                format!(
                    "inventory abandoned: {addr}: a table of more than {MAX_TABLE_OBJECTS} \
                     objects that never ends (the agent's OIDs keep increasing)"
                ),
                "{fault:?}"
            ),
        }
    }
}

/// `sonde netinventory` over every device of the zoo at once: one message per device in the
/// order given, exit code 1 (some failed), and the healthy device as `--file` reports its walk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn netinventory_over_the_zoo_reports_every_device() {
    let zoo = Zoo::start(120).await;
    let hosts: Vec<String> = zoo.addrs.iter().map(|a| a.ip().to_string()).collect();
    let out = tokio::time::timeout(
        BOUND,
        tokio::process::Command::new(env!("CARGO_BIN_EXE_sonde"))
            .args(["netinventory", "--host", &hosts.join(",")])
            .args(["--port", &zoo.port.to_string()])
            .args(["--credentials", "version:2c,community:public"])
            .args(["--timeout", "1", "--retries", "1"])
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("netinventory ends")
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "some devices failed");
    let reports = devices(&String::from_utf8_lossy(&out.stdout));
    check_reports(&zoo, &reports);
    let file = sonde(&["netinventory", "--file", walk_file(WALK).to_str().unwrap()]);
    assert!(file.status.success());
    let file = devices(&String::from_utf8_lossy(&file.stdout));
    assert_eq!(
        without_id(&reports[0]),
        without_id(&file[0]),
        "live vs --file"
    );
    zoo.stop().await;
}

/// A server's SNMPQUERY job over the zoo, in an agent run: the run ends, every device's
/// message reaches the server once, in order between START and END, with the same reports
/// as the command's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_snmpquery_job_over_the_zoo_reports_every_device_once() {
    let zoo = Zoo::start(140).await;
    let reply = snmpquery_reply(&zoo.addrs);
    let server = Glpi::start(move |r| {
        if r.query() == "PROLOG" {
            Answer::xml(&reply)
        } else {
            Answer::xml("<REPLY></REPLY>")
        }
    });
    let vardir = scratch("zoo-job");
    let cfg = run_config(&server.url(), &vardir, Duration::from_secs(30));
    let report = tokio::time::timeout(BOUND, run_once(&cfg))
        .await
        .expect("the run ends");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.devices_inventoried, Fault::ALL.len());
    assert_eq!(report.messages_sent, Fault::ALL.len() + 2);
    let received = server.received();
    let queries: Vec<&str> = received.iter().map(|r| r.query()).collect();
    assert_eq!(queries.len(), Fault::ALL.len() + 3, "{queries:?}");
    assert_eq!(queries[0], "PROLOG");
    assert!(
        queries[1..].iter().all(|q| *q == "SNMPQUERY"),
        "{queries:?}"
    );
    assert!(received[1].body.contains("<START>1</START>"));
    assert!(received[received.len() - 1].body.contains("<END>1</END>"));
    let messages = &received[2..received.len() - 1];
    let reports: Vec<Vec<String>> = messages.iter().map(|r| flatten(&r.body)).collect();
    for (i, report) in reports.iter().enumerate() {
        let id = format!("/ID={}", 100 + i);
        assert!(
            report.iter().any(|l| l.ends_with(&id)),
            "message {i} is not device {}: {report:?}",
            100 + i
        );
    }
    check_reports(&zoo, &reports);
    // Nothing left behind: every message was acknowledged.
    assert_eq!(super::spooled(&vardir), 0);
    zoo.stop().await;
    std::fs::remove_dir_all(&vardir).unwrap();
}
