//! `sonde agent --daemon --no-fork` end to end, on loopback: the first contact at once
//! (`--delaytime 0`), `/status`, `/now` and SIGUSR1 each bring one more contact, SIGHUP reloads
//! the configuration without a contact, `/metrics` counts the runs, SIGTERM stops cleanly and
//! removes the pid file; the stored plan says the next contact is a PROLOG_FREQ away.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The password in the server's URL.
const PASSWORD: &str = "Dm0n-pw9Q";

/// A GLPI server that answers every request with PROLOG_FREQ 24 and counts them.
fn server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(100) {
            let Ok(stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            let mut first = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if first.is_empty() {
                    first = line.trim().to_owned();
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let mut text = String::new();
            let _ = flate2::read::ZlibDecoder::new(body.as_slice()).read_to_string(&mut text);
            record.lock().unwrap().push(text);
            let reply = "<?xml version=\"1.0\"?><REPLY><PROLOG_FREQ>24</PROLOG_FREQ></REPLY>";
            let mut w = stream;
            let _ = write!(
                w,
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (port, seen)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (at most 15 s) until `f` holds.
fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One GET on the HTTP port: the status line and the body.
fn get(port: u16, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.lines().next().unwrap_or_default().to_owned();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn signal(child: &Child, name: &str) {
    use nix::sys::signal::Signal;
    let sig = match name {
        "USR1" => Signal::SIGUSR1,
        "HUP" => Signal::SIGHUP,
        "TERM" => Signal::SIGTERM,
        other => panic!("no signal {other}"),
    };
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
    nix::sys::signal::kill(pid, sig).unwrap_or_else(|e| panic!("kill -{name}: {e}"));
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_daemon_runs_on_time_on_request_and_stops_cleanly() {
    let (port, seen) = server();
    let httpd = free_port();
    let dir = std::env::temp_dir().join(format!("sonde-it-daemon-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pidfile = dir.join("sonde.pid");
    let log = std::fs::File::create(dir.join("log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["agent", "--daemon", "--no-fork", "--config", "none"])
        // A password in the server's URL: never shown on the HTTP port or in the log.
        .args([
            "--server",
            &format!("http://agent:{PASSWORD}@127.0.0.1:{port}/glpi/"),
        ])
        .args(["--delaytime", "0", "--tasks", "netdiscovery", "--debug"])
        .args([
            "--httpd-ip",
            "127.0.0.1",
            "--httpd-port",
            &httpd.to_string(),
        ])
        .arg("--vardir")
        .arg(dir.join("var"))
        .arg(format!("--pidfile={}", pidfile.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let daemon = Daemon(child);
    let count = || seen.lock().unwrap().len();
    wait_for("the first contact", || count() == 1);
    assert!(seen.lock().unwrap()[0].contains("<QUERY>PROLOG</QUERY>"));
    assert_eq!(
        std::fs::read_to_string(&pidfile).unwrap().trim(),
        daemon.0.id().to_string()
    );
    wait_for("the HTTP port", || {
        TcpStream::connect(("127.0.0.1", httpd)).is_ok()
    });
    wait_for("the status to say waiting", || {
        get(httpd, "/status").1 == "status: waiting"
    });
    // The server's own address asks for a run: that target runs now.
    let (status, body) = get(httpd, "/now");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("OK"), "{body}");
    wait_for("the contact asked by /now", || count() == 2);
    wait_for("the status to say waiting", || {
        get(httpd, "/status").1 == "status: waiting"
    });
    signal(&daemon.0, "USR1");
    wait_for("the contact asked by SIGUSR1", || count() == 3);
    wait_for("the third run to end", || {
        get(httpd, "/metrics")
            .1
            .contains("sonde_target_runs_total 3\n")
    });
    // A reload keeps the stored plan: no contact.
    signal(&daemon.0, "HUP");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(), 3);
    let (status, _) = get(httpd, "/status");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (status, _) = get(httpd, "/nothing-here");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    for page in ["/", "/status", "/metrics"] {
        let (status, body) = get(httpd, page);
        assert_eq!(status, "HTTP/1.1 200 OK", "{page}");
        assert!(
            !body.contains(PASSWORD),
            "{page} shows the password: {body}"
        );
    }
    // The plan: 23 to 24 h ahead.
    let targets = dir.join("var/targets");
    let target = std::fs::read_dir(&targets)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(target.join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["max_delay"], 86_400);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ahead = plan["next_run"].as_i64().unwrap() - now;
    assert!((82_700..=86_400).contains(&ahead), "{ahead}");
    // SIGTERM: a clean stop, the pid file removed.
    let mut daemon = daemon;
    let child = &mut daemon.0;
    signal(child, "TERM");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(15), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(!pidfile.exists());
    let log = std::fs::read_to_string(dir.join("log")).unwrap();
    assert!(log.contains("configuration reloaded"), "{log}");
    assert!(!log.contains(PASSWORD), "the log shows the password: {log}");
    assert_eq!(count(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
