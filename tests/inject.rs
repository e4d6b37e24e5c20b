//! `sonde inject` end to end: a document saved by `sonde inventory` is uploaded to a small HTTP
//! server on 127.0.0.1 (zlib body, FusionInventory headers), `--verbose` says so, `--remove`
//! deletes it; a server that is down leaves the file and exits 1.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::process::{Command, Stdio};

/// A request as received: its head (request line and headers) and its body.
type Request = (String, Vec<u8>);

/// Answers `count` requests with an empty REPLY; returns each request's headers and body.
fn serve(count: usize) -> (u16, std::thread::JoinHandle<Vec<Request>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..count {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).unwrap();
            let reply = "<?xml version=\"1.0\"?><REPLY></REPLY>";
            let mut w = stream;
            write!(
                w,
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            )
            .unwrap();
            seen.push((head, body));
        }
        seen
    });
    (port, handle)
}

#[test]
fn a_saved_inventory_is_uploaded_then_removed() {
    let dir = std::env::temp_dir().join(format!("sonde-it-inject-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("host.ocs");
    let saved = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inventory", "--no-category", "software,process,environment"])
        .arg("--vardir")
        .arg(dir.join("state"))
        .arg("--output")
        .arg(&file)
        .status()
        .unwrap();
    assert!(saved.success());
    let document = std::fs::read(&file).unwrap();
    let (port, server) = serve(1);
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inject", "-v", "-r", "-d"])
        .arg(&dir)
        .args([
            "-u",
            &format!("http://127.0.0.1:{port}/plugins/fusioninventory/"),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Loading {}...OK\n", file.display())
    );
    assert!(!file.exists(), "removed once delivered");
    let seen = server.join().unwrap();
    let (head, body) = &seen[0];
    assert!(
        head.starts_with("POST /plugins/fusioninventory/ HTTP/1.1\r\n"),
        "{head}"
    );
    let lower = head.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/x-compress-zlib"),
        "{head}"
    );
    assert!(
        lower.contains("user-agent: fusioninventory-injector"),
        "{head}"
    );
    let mut inflated = Vec::new();
    flate2::read::ZlibDecoder::new(body.as_slice())
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, document);

    // Down: the file stays, exit 1, the error names the cause.
    std::fs::write(&file, &document).unwrap();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let down = closed.local_addr().unwrap().port();
    drop(closed);
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inject", "-r", "-f"])
        .arg(&file)
        .args(["-u", &format!("http://127.0.0.1:{down}/")])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("connection refused"), "{err}");
    assert!(file.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A message stream saved by `netdiscovery --save` / `netinventory --save` goes as one request
/// per message, in order; when the server stops part-way, `--remove` keeps only the messages it
/// did not acknowledge, so the next attempt sends each one once.
#[test]
fn a_saved_message_stream_is_sent_message_by_message() {
    let dir = std::env::temp_dir().join(format!("sonde-it-inject-stream-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("netdiscovery-1-1.xml");
    let message = |n: usize| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  <CONTENT>\n    <DEVICE>\n      <IP>127.0.0.{n}</IP>\n    </DEVICE>\n  </CONTENT>\n  <DEVICEID>x</DEVICEID>\n  <QUERY>NETDISCOVERY</QUERY>\n</REQUEST>\n"
        )
    };
    let stream: String = (1..=3).map(message).collect();
    std::fs::write(&file, &stream).unwrap();
    // The server takes one message, then is gone.
    let (port, server) = serve(1);
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inject", "-r", "-f"])
        .arg(&file)
        .args(["-u", &format!("http://127.0.0.1:{port}/")])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let seen = server.join().unwrap();
    let inflate = |body: &[u8]| {
        let mut s = String::new();
        flate2::read::ZlibDecoder::new(body)
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    assert_eq!(inflate(&seen[0].1), message(1).trim_end());
    let left = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        left,
        format!("{}\n{}", message(2).trim_end(), message(3).trim_end())
    );
    // Back: the two others, in order, and the file is gone.
    let (port, server) = serve(2);
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inject", "-r", "-f"])
        .arg(&file)
        .args(["-u", &format!("http://127.0.0.1:{port}/")])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = server.join().unwrap();
    let got: Vec<String> = seen.iter().map(|(_, b)| inflate(b)).collect();
    assert_eq!(
        got,
        [
            message(2).trim_end().to_owned(),
            message(3).trim_end().to_owned()
        ]
    );
    assert!(!file.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The proxy from the environment (`http_proxy`) carries the upload; `no_proxy` bypasses it.
#[test]
fn the_environment_proxy_is_used_unless_no_proxy_names_the_host() {
    let dir = std::env::temp_dir().join(format!("sonde-it-inject-proxy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.ocs");
    std::fs::write(
        &file,
        "<?xml version=\"1.0\"?>\n<REQUEST><QUERY>INVENTORY</QUERY></REQUEST>\n",
    )
    .unwrap();
    let (port, proxy) = serve(1);
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inject", "-f"])
        .arg(&file)
        .args(["-u", "http://glpi.invalid/front/inventory.php"])
        .env("http_proxy", format!("http://127.0.0.1:{port}"))
        .env_remove("HTTP_PROXY")
        .env_remove("no_proxy")
        .env_remove("NO_PROXY")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = proxy.join().unwrap();
    assert!(
        seen[0]
            .0
            .starts_with("POST http://glpi.invalid/front/inventory.php HTTP/1.1\r\n"),
        "{}",
        seen[0].0
    );
    // Bypassed: the name is looked up directly and does not exist (.invalid never resolves).
    let out = Command::new(env!("CARGO_BIN_EXE_sonde"))
        .args(["inject", "-f"])
        .arg(&file)
        .args(["-u", "http://glpi.invalid/front/inventory.php"])
        .env("http_proxy", "http://127.0.0.1:9")
        .env("no_proxy", "glpi.invalid")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot resolve the host name"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
