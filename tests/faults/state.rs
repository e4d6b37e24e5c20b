//! A state directory that cannot be trusted, with the sonde binary: a file where the directory
//! should be, a read-only directory, a full disk (a tiny tmpfs in a mount namespace of the
//! test's own, as root), a full spool, and corrupt state files. Each is one clear error naming
//! the path, or a file set aside; what was kept stays whole and reaches the server once.

use std::io::{BufRead as _, BufReader, Read, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sonde::agent::run::run_once;
use sonde::snmp::{AgentOptions, Communities, Mib, Simulator, Value, Varbind};
use sonde::transport::spool::Limits;

use super::glpi::{Answer, Glpi};
use super::{NO_JOB, scratch, snmpquery_reply, spool_files};

/// A small switch (one port): its SNMPQUERY message fits in one 4 KiB page.
async fn small_device() -> (Simulator, SocketAddr) {
    let o = |s: &str| s.parse().unwrap();
    let mib = Mib::new(vec![
        Varbind::new(
            o("1.3.6.1.2.1.1.1.0"),
            Value::OctetString(b"Cisco IOS Software, test".to_vec()),
        ),
        Varbind::new(
            o("1.3.6.1.2.1.1.2.0"),
            Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
        ),
        Varbind::new(o("1.3.6.1.2.1.1.5.0"), Value::OctetString(b"sw1".to_vec())),
        Varbind::new(o("1.3.6.1.2.1.2.2.1.1.1"), Value::Integer(1)),
        Varbind::new(
            o("1.3.6.1.2.1.2.2.1.2.1"),
            Value::OctetString(b"Gi0/1".to_vec()),
        ),
    ]);
    let mut c = Communities::new();
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

/// Runs sonde with these arguments: exit code, standard error and output.
type Run<'a> = Box<dyn Fn(&[String]) -> (Option<i32>, String) + 'a>;

/// The arguments of one half-managed run (network inventory only) against `server`.
fn agent_args(server: &Glpi, vardir: &Path) -> Vec<String> {
    vec![
        "agent".into(),
        "--config".into(),
        "none".into(),
        "--server".into(),
        server.url(),
        "--tasks".into(),
        "netinventory".into(),
        "--timeout".into(),
        "30".into(),
        "--vardir".into(),
        vardir.display().to_string(),
    ]
}

/// Runs `cmd` to its end (at most 120 s): exit code, and standard error then standard output.
fn finish(cmd: &mut Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let readers = [
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn Read + Send>),
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn Read + Send>),
    ]
    .map(|pipe| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text: String = readers.map(|r| r.join().unwrap()).concat();
    (status.code(), text)
}

fn sonde(args: &[String]) -> (Option<i32>, String) {
    finish(Command::new(env!("CARGO_BIN_EXE_sonde")).args(args))
}

/// Every file under `dir` and its bytes, by path relative to `dir`.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn visit(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    visit(dir, dir, &mut out);
    out.sort();
    out
}

/// A tmpfs of `size` bytes on `dir`, in a mount namespace that only a holder process (and what
/// runs inside it with `nsenter`) sees; gone with the holder. `None` without root or without
/// `unshare`.
struct Tmpfs {
    holder: Child,
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, size: usize) -> Option<Tmpfs> {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("not root: no mount namespace");
            return None;
        }
        std::fs::create_dir_all(dir).unwrap();
        let script = format!(
            "mount -t tmpfs -o size={size},mode=0755 tmpfs '{}' && echo mounted && exec sleep 600",
            dir.display()
        );
        let spawned = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn();
        let mut holder = match spawned {
            Ok(h) => h,
            Err(e) => {
                eprintln!("no unshare ({e})");
                return None;
            }
        };
        let mut line = String::new();
        let _ = BufReader::new(holder.stdout.take().unwrap()).read_line(&mut line);
        if line.trim() != "mounted" {
            eprintln!("cannot mount a tmpfs in a mount namespace");
            let _ = holder.kill();
            let _ = holder.wait();
            return None;
        }
        Some(Tmpfs {
            holder,
            dir: dir.to_path_buf(),
        })
    }

    /// `rel` inside the tmpfs, as this process reaches it (through the holder's root).
    fn path(&self, rel: &str) -> PathBuf {
        let inside = self.dir.join(rel);
        let inside = inside.strip_prefix("/").unwrap();
        PathBuf::from(format!("/proc/{}/root", self.holder.id())).join(inside)
    }

    /// `program args…` run inside the namespace.
    fn command(&self, program: &str, args: &[String]) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.args(["-t", &self.holder.id().to_string(), "-m", "--", program])
            .args(args);
        cmd
    }

    /// Mounts the tmpfs again read-only (`ro`) or read-write (`rw`).
    fn remount(&self, mode: &str) {
        let args = [
            "-o".to_owned(),
            format!("remount,{mode}"),
            self.dir.display().to_string(),
        ];
        let status = self.command("mount", &args).status().unwrap();
        assert!(status.success(), "remount,{mode}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.holder.id()).unwrap());
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.holder.wait();
    }
}

/// A server whose PROLOG number `with_job` (0 for the first) brings `job`, the others none,
/// and that refuses results (503) while `refuse` is 1.
fn server(with_job: usize, job: String, refuse: Arc<AtomicUsize>) -> Glpi {
    let prologs = AtomicUsize::new(0);
    Glpi::start(move |r| {
        if r.query() == "PROLOG" {
            if prologs.fetch_add(1, Ordering::SeqCst) == with_job {
                return Answer::xml(&job);
            }
            return Answer::xml(NO_JOB);
        }
        if refuse.load(Ordering::SeqCst) == 1 {
            return Answer::status(503, &[], "Maintenance");
        }
        Answer::xml("<REPLY></REPLY>")
    })
}

fn results(server: &Glpi) -> Vec<String> {
    server
        .accepted()
        .into_iter()
        .filter(|b| !b.contains("<QUERY>PROLOG</QUERY>"))
        .collect()
}

/// `--vardir` names a file: the run stops at once with an error naming the path, nothing
/// sent, the file untouched.
#[test]
fn a_file_where_the_state_directory_should_be_is_a_clear_error() {
    let dir = scratch("vardir-file");
    let vardir = dir.join("var");
    std::fs::write(&vardir, b"not a directory").unwrap();
    let server = Glpi::start(|_| Answer::xml(NO_JOB));
    let (code, err) = sonde(&agent_args(&server, &vardir));
    assert_eq!(code, Some(1), "{err}");
    let expected = format!("sonde: deviceid in {}: ", vardir.display());
    assert!(err.contains(&expected), "{err}");
    assert!(server.received().is_empty(), "nothing was sent");
    assert_eq!(std::fs::read(&vardir).unwrap(), b"not a directory");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A state directory that cannot be written (a read-only mount as root, mode 0555 otherwise),
/// with results kept from an earlier run: a clear error naming the spool, nothing sent (a
/// result sent could not be forgotten, and would go twice), nothing changed; writable again,
/// every kept result goes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_state_directory_is_a_clear_error_and_keeps_its_state() {
    let (sim, addr) = small_device().await;
    let refuse = Arc::new(AtomicUsize::new(1));
    let server = server(0, snmpquery_reply(&[addr, addr, addr]), Arc::clone(&refuse));
    let dir = scratch("read-only");
    let vardir = dir.join("var");
    let tmpfs = Tmpfs::mount(&vardir, 1 << 20);
    if tmpfs.is_none() {
        eprintln!("read-only state: mode 0555 instead of a read-only mount");
        std::fs::create_dir_all(&vardir).unwrap();
    }
    // The state as this process sees it, and how sonde is run.
    let (state, sonde_in): (PathBuf, Run<'_>) = match &tmpfs {
        Some(t) => (
            t.path(""),
            Box::new(|args: &[String]| finish(&mut t.command(env!("CARGO_BIN_EXE_sonde"), args))),
        ),
        None => (vardir.clone(), Box::new(|args: &[String]| sonde(args))),
    };
    let args = agent_args(&server, &vardir);
    let run = || sonde_in(&args);
    let (code, err) = run();
    assert_eq!(code, Some(1), "{err}");
    let kept = spool_files(&state);
    assert_eq!(kept.len(), 5, "{err}");
    let kept: Vec<String> = kept
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let before = snapshot(&state);
    let requests = server.received().len();
    let read_only = |yes: bool| match &tmpfs {
        Some(t) => t.remount(if yes { "ro" } else { "rw" }),
        None => chmod_tree(&vardir, if yes { 0o555 } else { 0o755 }),
    };
    read_only(true);
    refuse.store(0, Ordering::SeqCst);
    let (code, err) = run();
    assert_eq!(code, Some(1), "{err}");
    let spool = kept_dir(&state, &vardir);
    let reason = if tmpfs.is_some() {
        "Read-only file system (os error 30)"
    } else {
        "Permission denied (os error 13)"
    };
    assert!(
        err.contains(&format!("sonde: spool {}: {reason}", spool.display())),
        "{err}"
    );
    assert_eq!(server.received().len(), requests, "nothing sent: {err}");
    assert_eq!(snapshot(&state), before, "nothing changed");
    // What waits can still be read.
    let mut status = agent_args(&server, &vardir);
    status.push("--status".into());
    let (code, out) = sonde_in(&status);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("spool: 5 result(s), "), "{out}");
    assert_eq!(snapshot(&state), before, "nothing changed");
    read_only(false);
    let (code, err) = run();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results(&server), kept, "every kept result once, in order");
    assert!(spool_files(&state).is_empty());
    drop(sonde_in);
    drop(tmpfs);
    sim.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The spool directory of the only target, as sonde names it (`vardir` is sonde's path to
/// the state, `state` this process's).
fn kept_dir(state: &Path, vardir: &Path) -> PathBuf {
    let target = std::fs::read_dir(state.join("targets"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    vardir.join("targets").join(target).join("spool")
}

/// Sets the mode of `dir` and of every directory under it.
fn chmod_tree(dir: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            chmod_tree(&path, mode);
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A disk that fills up in the middle of a job (a 256 KiB tmpfs, two pages left): a clear
/// error naming the file, the results kept before it whole, no temporary file left, the other
/// state files untouched; with room again, the kept results reach the server once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_clear_error_and_corrupts_nothing() {
    let dir = scratch("disk-full");
    let vardir = dir.join("var");
    let Some(tmpfs) = Tmpfs::mount(&vardir, 256 << 10) else {
        eprintln!(
            "full disk: skipped, a tmpfs needs root (a_full_spool_is_a_clear_error_and_keeps_what_it_holds \
             covers the spool's own bound)"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    };
    let (sim, addr) = small_device().await;
    let refuse = Arc::new(AtomicUsize::new(0));
    let server = server(1, snmpquery_reply(&[addr, addr, addr]), Arc::clone(&refuse));
    let args = agent_args(&server, &vardir);
    let run = || finish(&mut tmpfs.command(env!("CARGO_BIN_EXE_sonde"), &args));
    // A first contact (no job) makes the state: ids, plan, spool directory.
    let (code, err) = run();
    assert_eq!(code, Some(0), "{err}");
    let state = tmpfs.path("");
    let before = snapshot(&state);
    assert_eq!(before.len(), 3, "deviceid, agentid, plan.json: {before:?}");
    // Fill the disk, then give two pages back.
    let filler = tmpfs.path("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let page = vec![0u8; 4096];
    for _ in 0..1024 {
        if f.write_all(&page).is_err() {
            break;
        }
    }
    let len = f.metadata().unwrap().len();
    assert_eq!(len % 4096, 0);
    f.set_len(len - 2 * 4096).unwrap();
    drop(f);
    // The job: results refused, so kept: START and the first device fit, the second does not.
    refuse.store(1, Ordering::SeqCst);
    let (code, err) = run();
    assert_eq!(code, Some(1), "{err}");
    let spool = kept_dir(&state, &vardir);
    assert!(
        err.contains(&format!(
            "sonde: spool {}: No space left on device (os error 28)",
            spool.join("000000000003-netinventory.tmp").display()
        )),
        "{err}"
    );
    assert!(err.contains(&format!("sonde: {}: HTTP 503: Maintenance", server.url())));
    let kept: Vec<String> = spool_files(&state)
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(kept.len(), 2, "{err}");
    assert!(kept[0].contains("<START>1</START>"));
    assert!(kept[1].contains("<ID>100</ID>") && kept[1].contains("<IFDESCR>Gi0/1</IFDESCR>"));
    for k in &kept {
        roxmltree::Document::parse(k).unwrap();
    }
    // Nothing half-written, nothing else touched (the plan could not be saved: it is the old
    // one, whole).
    let after: Vec<(PathBuf, Vec<u8>)> = snapshot(&state)
        .into_iter()
        .filter(|(p, _)| {
            p != Path::new("filler") && !p.starts_with(spool.strip_prefix(&vardir).unwrap())
        })
        .collect();
    assert_eq!(after, before);
    assert!(
        err.contains(&format!(
            "sonde: plan of {}: No space left on device (os error 28)",
            server.url()
        )),
        "{err}"
    );
    // Room again, server healthy: the two kept results, once each.
    std::fs::remove_file(&filler).unwrap();
    refuse.store(0, Ordering::SeqCst);
    let (code, err) = run();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results(&server), kept);
    assert!(spool_files(&state).is_empty());
    drop(tmpfs);
    sim.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The spool's own bound (what stands for a full disk without root): the result that does
/// not fit is refused with an error that says so, the job stops, what was kept stays and
/// reaches the server once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_spool_is_a_clear_error_and_keeps_what_it_holds() {
    let (sim, addr) = small_device().await;
    let refuse = Arc::new(AtomicUsize::new(1));
    let server = server(0, snmpquery_reply(&[addr, addr, addr]), Arc::clone(&refuse));
    let vardir = scratch("spool-full");
    let mut cfg = super::run_config(&server.url(), &vardir, Duration::from_secs(10));
    cfg.spool = Limits {
        max_items: 3,
        max_bytes: 1 << 20,
    };
    let report = run_once(&cfg).await;
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let spool = spool_files(&vardir)[0].parent().unwrap().to_path_buf();
    assert!(
        errors[0].starts_with(&format!("spool {} is full (3 results, ", spool.display())),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("limits 3 results, 1048576 bytes): the result is not kept"));
    assert_eq!(
        errors[1],
        format!("{}: HTTP 503: Maintenance", server.url())
    );
    let kept: Vec<String> = spool_files(&vardir)
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(kept.len(), 3);
    assert!(kept[0].contains("<START>1</START>") && kept[2].contains("<ID>101</ID>"));
    refuse.store(0, Ordering::SeqCst);
    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(results(&server), kept);
    assert!(spool_files(&vardir).is_empty());
    sim.shutdown().await;
    std::fs::remove_dir_all(&vardir).unwrap();
}

/// Every state file sonde reads, damaged: the deviceid and agentid (not text), the plan
/// (not JSON), kept results (garbage XML, a cut JSON): each is set aside as `.corrupt` with
/// its bytes, the run succeeds, the whole kept results are delivered once and in order.
#[test]
fn corrupt_state_files_are_set_aside_and_the_agent_goes_on() {
    // Like a real server, it refuses what it cannot parse (which would hold the spool forever).
    let server = Glpi::start(|r| {
        let parses = roxmltree::Document::parse(&r.body).is_ok()
            || serde_json::from_str::<serde_json::Value>(&r.body).is_ok();
        if !parses {
            Answer::status(500, &[], "XML parse error")
        } else if r.query() == "PROLOG" {
            Answer::xml(NO_JOB)
        } else {
            Answer::xml("<REPLY></REPLY>")
        }
    });
    let vardir = scratch("corrupt-state");
    let target = vardir
        .join("targets")
        .join(format!("http___127.0.0.1_{}_glpi_", server.port));
    let spool = target.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let whole = |n: u32| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST><CONTENT><DEVICE><INFO>\
             <ID>{n}</ID></INFO></DEVICE></CONTENT><DEVICEID>d</DEVICEID>\
             <QUERY>SNMPQUERY</QUERY></REQUEST>\n"
        )
    };
    let damaged: [(PathBuf, Vec<u8>); 5] = [
        (vardir.join("deviceid"), b"\xff\xfe\x00\x01".to_vec()),
        (vardir.join("agentid"), b"garbage\n".to_vec()),
        (target.join("plan.json"), b"{\"max_delay\": 36".to_vec()),
        (
            spool.join("000000000001-netinventory.xml"),
            b"\0\0\0\0\0\0".to_vec(),
        ),
        (
            spool.join("000000000003-inventory.json"),
            b"{\"action\": \"inventory\", \"content\": {".to_vec(),
        ),
    ];
    for (path, bytes) in &damaged {
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::write(spool.join("000000000002-netinventory.xml"), whole(2)).unwrap();
    std::fs::write(spool.join("000000000004-netinventory.xml"), whole(4)).unwrap();
    let (code, err) = sonde(&agent_args(&server, &vardir));
    assert_eq!(code, Some(0), "{err}");
    for (path, bytes) in &damaged {
        let mut aside = path.as_os_str().to_owned();
        aside.push(".corrupt");
        assert_eq!(&std::fs::read(&aside).unwrap(), bytes, "{aside:?}");
    }
    assert_eq!(err.matches("set aside").count(), 5, "{err}");
    assert_eq!(results(&server), [whole(2), whole(4)]);
    // Fresh state in their place.
    let deviceid = std::fs::read_to_string(vardir.join("deviceid")).unwrap();
    assert!(
        !deviceid.trim().is_empty() && deviceid.is_ascii(),
        "{deviceid}"
    );
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(target.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["max_delay"], 86_400);
    assert!(spool_files(&vardir).is_empty());
    // A second run: nothing more to deliver, no error.
    let (code, err) = sonde(&agent_args(&server, &vardir));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results(&server).len(), 2);
    std::fs::remove_dir_all(&vardir).unwrap();
}
