//! The limits over real sockets: oversized heads and bodies, more clients than slots, idle and
//! slowloris clients, bounded keep-alive, graceful shutdown.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;

#[tokio::test]
async fn oversized_requests_are_refused() {
    let port = Port::trusted().await;
    // 64 KiB of headers: refused before they are all read, while the client is still sending.
    let mut stream = TcpStream::connect(port.addr).await.unwrap();
    let mut request = b"GET /status HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..1024 {
        request.extend_from_slice(format!("X-Filler-{i:04}: {}\r\n", "a".repeat(48)).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    assert!(request.len() >= 64 * 1024);
    let (mut reader, mut writer) = stream.split();
    let (_, raw) = tokio::join!(writer.write_all(&request), async {
        let mut raw = Vec::new();
        let _ = tokio::time::timeout(PATIENCE, reader.read_to_end(&mut raw)).await;
        raw
    });
    let answer = Answer::parse(&raw);
    assert_eq!(
        answer.status_line,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );

    // A declared body over the limit.
    let answer = call(port.addr, "GET", "/status", "Content-Length: 1000000\r\n").await;
    assert_eq!(answer.status_line, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(answer.header("connection"), Some("close"));

    // The port still answers.
    let answer = get(port.addr, "/status").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    port.shut().await.unwrap();
}

#[tokio::test]
async fn idle_connections_beyond_the_limit_do_not_lock_the_port_out() {
    let limits = Limits {
        request_timeout: Duration::from_secs(1),
        // All clients of this test share one address.
        max_per_client: usize::MAX,
        ..Limits::default()
    };
    assert!(limits.max_connections < 200);
    let port = Port::start(trusting_localhost(), limits).await;
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(TcpStream::connect(port.addr).await.unwrap());
    }
    let started = Instant::now();
    let reply = client()
        .get(format!("http://{}/status", port.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), reqwest::StatusCode::OK);
    assert_eq!(reply.text().await.unwrap(), "status: waiting");
    // 200 idle connections cut after 1 s, 64 at a time: about 4 s.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    // The idle clients were cut, not served.
    let mut buf = [0; 16];
    let read = tokio::time::timeout(PATIENCE, idle[0].read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    drop(idle);
    port.shut().await.unwrap();
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_their_turn() {
    let limits = Limits {
        max_connections: 1,
        request_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let port = Port::start(trusting_localhost(), limits).await;
    let mut first = TcpStream::connect(port.addr).await.unwrap();
    // Let the port take the first connection before the second one queues up.
    first
        .write_all(b"GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0; 512];
    let n = tokio::time::timeout(PATIENCE, first.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    // The first connection stays open (keep-alive) and holds the only slot until its next
    // request head times out; the second client is served after that.
    let started = Instant::now();
    let answer = get(port.addr, "/status").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let read = tokio::time::timeout(PATIENCE, first.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    port.shut().await.unwrap();
}

#[tokio::test]
async fn a_slowloris_client_is_cut_and_does_not_block_others() {
    let limits = Limits {
        request_timeout: Duration::from_secs(1),
        ..Limits::default()
    };
    let port = Port::start(trusting_localhost(), limits).await;
    let stream = TcpStream::connect(port.addr).await.unwrap();
    let started = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let slow = tokio::spawn(async move {
        let mut request = b"GET /status HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".to_vec();
        request.extend_from_slice(&[b'a'; 1000]);
        for byte in request {
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    // Others are served while the slow client is still connected.
    let answer = get(port.addr, "/status").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    let mut buf = [0; 64];
    let still_open = reader.try_read(&mut buf);
    assert!(
        matches!(&still_open, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "{still_open:?}"
    );
    // The slow client is cut after the head timeout, long before it is done, without answer.
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(PATIENCE, reader.read_to_end(&mut raw))
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(800), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert!(raw.is_empty(), "{}", String::from_utf8_lossy(&raw));
    slow.abort();
    port.shut().await.unwrap();
}

#[tokio::test]
async fn keep_alive_is_bounded() {
    let limits = Limits {
        keepalive_requests: 2,
        ..Limits::default()
    };
    let port = Port::start(trusting_localhost(), limits).await;
    let mut stream = TcpStream::connect(port.addr).await.unwrap();
    let request = b"GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n";
    // Two requests in a row on one connection: the second answer says close, and it closes.
    stream.write_all(&request.repeat(2)).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    let answers: Vec<&str> = text.split("http/1.1 ").filter(|a| !a.is_empty()).collect();
    assert_eq!(answers.len(), 2, "{text}");
    assert!(answers[0].starts_with("200 ok\r\n") && answers[1].starts_with("200 ok\r\n"));
    assert!(!answers[0].contains("connection: close"), "{text}");
    assert!(answers[1].contains("\r\nconnection: close\r\n"), "{text}");
    assert!(answers[1].ends_with("status: waiting"), "{text}");
    port.shut().await.unwrap();
}

#[tokio::test]
async fn graceful_shutdown() {
    let port = Port::trusted().await;
    let addr = port.addr;
    // An idle keep-alive connection does not hold the shutdown up.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0; 512];
    let n = tokio::time::timeout(PATIENCE, idle.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200 OK"));
    let started = Instant::now();
    port.shut().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let read = tokio::time::timeout(PATIENCE, idle.read(&mut buf))
        .await
        .unwrap();
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    assert!(TcpStream::connect(addr).await.is_err(), "still listening");
}

#[tokio::test]
async fn bind_reports_the_address() {
    let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = taken.local_addr().unwrap();
    let err = bind(addr).await.unwrap_err();
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    let listener = bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert!(listener.local_addr().unwrap().port() != 0);
}

/// A flood of idle connections from one address takes at most `max_per_client` slots: another
/// address is served at once, long before the flood's connections time out.
#[tokio::test]
async fn a_flood_from_one_address_does_not_starve_the_others() {
    let limits = Limits {
        request_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let port = Port::start(trusting_localhost(), limits).await;
    let mut flood = Vec::new();
    for _ in 0..200 {
        flood.push(TcpStream::connect(port.addr).await.unwrap());
    }
    // The connections beyond the per-address limit are closed.
    let mut closed = 0;
    for stream in &mut flood {
        let mut buf = [0; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(20), stream.read(&mut buf)).await
        {
            closed += 1;
        }
    }
    assert_eq!(closed, 200 - limits.max_per_client);
    // Another address (127.0.0.2 → the port on 127.0.0.1) is answered while the flood holds
    // its slots: well within the flood's 60 s request timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut other = tokio::time::timeout(Duration::from_secs(20), socket.connect(port.addr))
        .await
        .unwrap()
        .unwrap();
    other
        .write_all(b"GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut text = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), other.read_to_end(&mut text))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&text);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("status: waiting"), "{text}");
    drop(flood);
    port.shut().await.unwrap();
}
