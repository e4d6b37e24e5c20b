//! The daemon's HTTP port under a flood of hostile requests (huge heads and bodies, bad
//! methods, request lines and paths), from many addresses at once: every request gets its
//! short answer, a well-behaved client's `/status` is answered throughout, and the daemon's
//! resident memory stays bounded (it is measured in `/proc`, as a bound, never a timing).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpSocket;
use tokio::task::JoinSet;

use super::scratch;

/// Requests in the measured flood.
const FLOOD: usize = 2000;
/// The most the daemon's resident memory may grow over the flood.
const MAX_GROWTH_KB: u64 = 32 * 1024;

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The daemon's resident memory, in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// A hostile request and the status line it gets.
fn hostile() -> Vec<(Vec<u8>, &'static str)> {
    let close = |head: &str| format!("{head}\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes();
    let big = 1 << 20;
    let mut many = b"GET /status HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..big / 16 {
        many.extend_from_slice(format!("X-{i:08}: a\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let mut one = b"GET /status HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    one.extend(std::iter::repeat_n(b'a', big));
    one.extend_from_slice(b"\r\n\r\n");
    let mut body =
        format!("POST /status HTTP/1.1\r\nHost: x\r\nContent-Length: {big}\r\n\r\n").into_bytes();
    body.extend(std::iter::repeat_n(b'b', big));
    let mut chunked =
        b"GET /status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    for _ in 0..big / 0x4000 {
        chunked.extend_from_slice(b"4000\r\n");
        chunked.extend(std::iter::repeat_n(b'c', 0x4000));
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    vec![
        (many, "HTTP/1.1 431 Request Header Fields Too Large"),
        (one, "HTTP/1.1 431 Request Header Fields Too Large"),
        (body, "HTTP/1.1 413 Payload Too Large"),
        (chunked, "HTTP/1.1 200 OK"),
        (close("BREW /status HTTP/1.1"), "HTTP/1.1 400 Bad Request"),
        (
            b"\x00\x01\x02 garbage \xff\r\n\r\n".to_vec(),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            close("GET /../../etc/passwd HTTP/1.1"),
            "HTTP/1.1 404 Not Found",
        ),
        (
            close("GET /%zz%/st%atus HTTP/1.1"),
            "HTTP/1.1 404 Not Found",
        ),
        (
            close(&format!("GET /{} HTTP/1.1", "a".repeat(8000))),
            "HTTP/1.1 404 Not Found",
        ),
        (
            close(&format!("GET /{} HTTP/1.1", "a".repeat(big))),
            "HTTP/1.1 431 Request Header Fields Too Large",
        ),
        // The flood's addresses are not trusted.
        (close("GET /metrics HTTP/1.1"), "HTTP/1.1 403 Forbidden"),
        (
            close("GET /now HTTP/1.1\r\nOrigin: http://evil.example"),
            "HTTP/1.1 403 Forbidden",
        ),
    ]
}

/// Sends `request` from `local` while reading the answer: its status line.
async fn exchange(port: u16, local: &str, request: &[u8]) -> String {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    let stream = socket.connect(([127, 0, 0, 1], port).into()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        tokio::join!(writer.write_all(request), reader.read_to_end(&mut raw))
    })
    .await;
    let text = String::from_utf8_lossy(&raw);
    text.lines().next().unwrap_or_default().to_owned()
}

/// `n` hostile requests, four at a time from 40 addresses, `/status` from 127.0.0.2 every
/// hundred: every answer as expected.
async fn flood(port: u16, n: usize, cases: &Arc<Vec<(Vec<u8>, &'static str)>>) {
    let mut running = JoinSet::new();
    for i in 0..n {
        if running.len() >= 4 {
            let (got, expected) = running.join_next().await.unwrap().unwrap();
            assert_eq!(got, expected);
        }
        let cases = Arc::clone(cases);
        running.spawn(async move {
            let (request, expected) = &cases[i % cases.len()];
            let local = format!("127.0.0.{}", 10 + i % 40);
            (exchange(port, &local, request).await, *expected)
        });
        if i % 100 == 99 {
            let status = b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            assert_eq!(exchange(port, "127.0.0.2", status).await, "HTTP/1.1 200 OK");
        }
    }
    while let Some(done) = running.join_next().await {
        let (got, expected) = done.unwrap();
        assert_eq!(got, expected);
    }
}

/// `sonde agent --daemon --listen`: 200 hostile requests to settle, then 2,000 measured; every
/// answer as expected, `/status` answered throughout, the resident memory grown by less than
/// 32 MiB (a port that buffered the megabyte heads and bodies would grow by gigabytes), and a
/// clean stop on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_port_survives_a_flood_in_bounded_memory() {
    let dir = scratch("httpd-flood");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.join("log")).unwrap();
    let daemon = Daemon(
        Command::new(env!("CARGO_BIN_EXE_sonde"))
            .args([
                "agent",
                "--daemon",
                "--no-fork",
                "--config",
                "none",
                "--listen",
            ])
            .args(["--httpd-ip", "127.0.0.1", "--httpd-port", &port.to_string()])
            .args(["--httpd-trust", "127.0.0.1"])
            .arg("--vardir")
            .arg(dir.join("var"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "no HTTP port");
        std::thread::sleep(Duration::from_millis(50));
    }
    let cases = Arc::new(hostile());
    // A first round settles the allocator; the second is measured.
    flood(port, 200, &cases).await;
    let pid = daemon.0.id();
    let before = rss_kb(pid);
    flood(port, FLOOD, &cases).await;
    let after = rss_kb(pid);
    println!("daemon RSS: {before} kB before, {after} kB after {FLOOD} hostile requests");
    assert!(
        after < before + MAX_GROWTH_KB,
        "resident memory grew from {before} kB to {after} kB"
    );
    // Still answering, and a clean stop.
    let status = b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_eq!(exchange(port, "127.0.0.1", status).await, "HTTP/1.1 200 OK");
    let mut daemon = daemon;
    let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            break status;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
