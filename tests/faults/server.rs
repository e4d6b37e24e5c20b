//! A server that fails while an agent run sends its results: it resets or closes connections,
//! answers after the timeout, answers 500, 503 (with Retry-After), a redirect or a web page.
//! Each failure is one clear error; the run's results wait in the spool and reach the server
//! exactly once, whole and in order, when it is healthy again, also across a `kill -9` of
//! sonde in the middle of an upload.

use std::io::Read as _;
use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sonde::agent::run::run_once;
use sonde::snmp::{AgentOptions, Communities, Mib, Simulator};

use super::glpi::{Answer, Glpi, OnHead};
use super::zoo::WALK;
use super::{NO_JOB, run_config, scratch, snmpquery_reply, spool_files};
use crate::util;

/// The healthy device of the zoo alone, on 127.0.0.1.
async fn device() -> (Simulator, SocketAddr) {
    let mut c = Communities::new();
    let mib = Mib::new(util::load_walk(WALK).varbinds);
    c.insert(b"public".to_vec(), Arc::new(mib));
    let sim = Simulator::start(
        vec![("127.0.0.1:0".parse().unwrap(), c)],
        AgentOptions::default(),
    )
    .await
    .unwrap();
    let addr = sim.local_addrs()[0];
    (sim, addr)
}

/// How the server fails on results, and the error the run reports for it.
struct Failure {
    name: &'static str,
    answer: Answer,
    error: fn(&str) -> String,
}

fn failures() -> Vec<Failure> {
    vec![
        Failure {
            name: "reset",
            answer: Answer::Reset,
            error: |url| {
                format!("{url}: the server reset the connection before its answer was complete")
            },
        },
        Failure {
            name: "close",
            answer: Answer::Close,
            error: |url| {
                format!("{url}: the server closed the connection before its answer was complete")
            },
        },
        Failure {
            name: "slow",
            answer: Answer::Delay(
                Duration::from_secs(3),
                Box::new(Answer::status(503, &[], "Too late")),
            ),
            error: |url| format!("{url}: no answer within 1 s"),
        },
        Failure {
            name: "500",
            answer: Answer::status(500, &[], "Internal Server Error\ndetails"),
            error: |url| format!("{url}: HTTP 500: Internal Server Error"),
        },
        Failure {
            name: "503",
            answer: Answer::status(503, &[("Retry-After", "120")], "Maintenance"),
            error: |url| {
                format!("{url}: HTTP 503: Maintenance (the server asks to come back in 120 s)")
            },
        },
        Failure {
            name: "redirect",
            answer: Answer::status(302, &[("Location", "http://127.0.0.1:9/moved/")], "Found"),
            error: |url| {
                format!(
                    "{url}: the server redirects (302) to http://127.0.0.1:9/moved/, which a POST \
                     cannot follow; set the server URL to http://127.0.0.1:9/moved/"
                )
            },
        },
        Failure {
            name: "html",
            answer: Answer::Reply(
                200,
                vec![("Content-Type".into(), "text/html".into())],
                b"<html><head><title>Welcome</title></head><body>It works</body></html>".to_vec(),
            ),
            error: |url| format!("{url}: not a GLPI reply"),
        },
    ]
}

/// For each way the server fails on results (the PROLOG went well): one error, the whole job
/// run and kept; back up, the next run delivers the kept results first, each exactly once and
/// whole, in order, and the spool is empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_server_gets_every_result_once_when_it_is_back() {
    let (sim, addr) = device().await;
    for failure in failures() {
        let name = failure.name;
        let healthy = Arc::new(AtomicBool::new(false));
        let first_prolog = Arc::new(AtomicBool::new(true));
        let job = snmpquery_reply(&[addr, addr, addr]);
        let (flag, first, bad) = (
            Arc::clone(&healthy),
            Arc::clone(&first_prolog),
            failure.answer.clone(),
        );
        let server = Glpi::start(move |r| {
            if r.query() == "PROLOG" {
                if first.swap(false, Ordering::SeqCst) {
                    return Answer::xml(&job);
                }
                return Answer::xml(NO_JOB);
            }
            if flag.load(Ordering::SeqCst) {
                Answer::xml("<REPLY></REPLY>")
            } else {
                bad.clone()
            }
        });
        let vardir = scratch(&format!("server-{name}"));
        let cfg = run_config(&server.url(), &vardir, Duration::from_secs(1));
        let report = run_once(&cfg).await;
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        let expected = (failure.error)(&server.url());
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert!(errors[0].starts_with(&expected), "{name}: {errors:?}");
        // The job ran to its end: START, three devices, END, all kept, in order.
        assert_eq!(report.devices_inventoried, 3, "{name}");
        assert_eq!(report.messages_sent, 0, "{name}");
        let kept: Vec<String> = spool_files(&vardir)
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        assert_eq!(kept.len(), 5, "{name}");
        assert!(kept[0].contains("<START>1</START>") && kept[4].contains("<END>1</END>"));
        for (i, m) in kept[1..4].iter().enumerate() {
            assert!(m.contains(&format!("<ID>{}</ID>", 100 + i)), "{name}: {m}");
            assert!(m.contains("<IFDESCR>eth0</IFDESCR>"), "{name}: {m}");
        }
        assert!(
            server
                .accepted()
                .iter()
                .all(|b| b.contains("<QUERY>PROLOG</QUERY>")),
            "{name}: the server took a result while failing"
        );
        // Back up: the kept results first, then this run's PROLOG (no job this time).
        healthy.store(true, Ordering::SeqCst);
        let report = run_once(&cfg).await;
        assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
        assert_eq!(report.messages_sent, 5, "{name}");
        let accepted = server.accepted();
        let results: Vec<&String> = accepted
            .iter()
            .filter(|b| !b.contains("<QUERY>PROLOG</QUERY>"))
            .collect();
        assert_eq!(
            results,
            kept.iter().collect::<Vec<_>>(),
            "{name}: each result once, in order"
        );
        assert!(accepted.last().unwrap().contains("<QUERY>PROLOG</QUERY>"));
        assert!(spool_files(&vardir).is_empty(), "{name}");
        std::fs::remove_dir_all(&vardir).unwrap();
    }
    sim.shutdown().await;
}

/// `sonde agent` (one half-managed run) against the server, with a bounded wait.
fn agent(server: &Glpi, vardir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sonde"));
    cmd.args(["agent", "--config", "none", "--server", &server.url()])
        .args(["--tasks", "netinventory", "--timeout", "60"])
        .arg("--vardir")
        .arg(vardir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `cmd` to its end (at most 120 s): exit code and standard error.
fn finish(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("sonde still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), err)
}

/// A run whose results the server refuses keeps them all; the next run is killed (SIGKILL)
/// while the server holds the second one half-read; a third run against the healthy server
/// delivers what was left: every result reaches the server exactly once, whole, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_9_in_the_middle_of_an_upload_loses_and_doubles_nothing() {
    let (sim, addr) = device().await;
    // 0: results refused; 1: the second request stalls half-way through its body; 2: healthy.
    let phase = Arc::new(AtomicUsize::new(0));
    let heads = Arc::new(AtomicUsize::new(0));
    let job = snmpquery_reply(&[addr, addr, addr]);
    let (p1, p2) = (Arc::clone(&phase), Arc::clone(&phase));
    let server = Glpi::with_stalls(
        move |head| {
            if p1.load(Ordering::SeqCst) == 1 && heads.fetch_add(1, Ordering::SeqCst) == 1 {
                return OnHead::Stall(head.content_length / 2);
            }
            OnHead::Go
        },
        move |r| match (r.query(), p2.load(Ordering::SeqCst)) {
            ("PROLOG", 0) => Answer::xml(&job),
            ("PROLOG", _) => Answer::xml(NO_JOB),
            (_, 0) => Answer::status(503, &[("Retry-After", "60")], "Maintenance"),
            _ => Answer::xml("<REPLY></REPLY>"),
        },
    );
    let vardir = scratch("kill9");
    let (code, err) = finish(agent(&server, &vardir));
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!("sonde: {}: HTTP 503: Maintenance", server.url())),
        "{err}"
    );
    let files = spool_files(&vardir);
    let kept: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(kept.len(), 5);

    // Killed while the second kept result is half uploaded.
    phase.store(1, Ordering::SeqCst);
    let mut child = agent(&server, &vardir).spawn().unwrap();
    server.wait_for_stalls(1);
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "{status:?}");
    let results = |server: &Glpi| -> Vec<String> {
        server
            .accepted()
            .into_iter()
            .filter(|b| !b.contains("<QUERY>PROLOG</QUERY>"))
            .collect()
    };
    assert_eq!(results(&server), kept[..1]);
    // The rest still kept, intact; nothing half-written in the spool.
    let left = spool_files(&vardir);
    assert_eq!(left, files[1..]);
    for (file, text) in left.iter().zip(&kept[1..]) {
        assert_eq!(&std::fs::read_to_string(file).unwrap(), text);
    }
    let spool_dir = files[0].parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(spool_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");

    // Healthy again: the four left, once each, then the PROLOG.
    phase.store(2, Ordering::SeqCst);
    let (code, err) = finish(agent(&server, &vardir));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results(&server), kept, "every result once, whole, in order");
    for body in results(&server) {
        roxmltree::Document::parse(&body).unwrap();
    }
    assert!(spool_files(&vardir).is_empty());
    drop(server);
    sim.shutdown().await;
    std::fs::remove_dir_all(&vardir).unwrap();
}
