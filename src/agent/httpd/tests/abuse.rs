//! Hostile requests over real sockets, beyond what `limits` covers: a megabyte of headers
//! (many or one), bodies of megabytes with a length or chunked, methods and request lines that
//! are not HTTP, paths that climb, are too long or badly escaped. Each gets a short, plain
//! answer (never a file, never a run but through `/now`), and a well-behaved client's
//! `/status` is answered after each, and throughout a flood of them.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

use super::*;

/// One hostile request and the status line it gets.
struct Case {
    name: &'static str,
    request: Vec<u8>,
    status: &'static str,
}

const BAD_REQUEST: &str = "HTTP/1.1 400 Bad Request";
const NOT_FOUND: &str = "HTTP/1.1 404 Not Found";
const TOO_LARGE: &str = "HTTP/1.1 431 Request Header Fields Too Large";
const OK: &str = "HTTP/1.1 200 OK";

/// A request with a head of `head` and `Connection: close`.
fn request(head: &str) -> Vec<u8> {
    format!("{head}\r\nHost: localhost\r\nConnection: close\r\n\r\n").into_bytes()
}

/// A chunked body of about `size` bytes (16 KiB chunks), after `head`.
fn chunked(head: &str, size: usize) -> Vec<u8> {
    let mut r =
        format!("{head}\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n").into_bytes();
    for _ in 0..size / 0x4000 {
        r.extend_from_slice(b"4000\r\n");
        r.extend(std::iter::repeat_n(b'c', 0x4000));
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"0\r\n\r\n");
    r
}

/// The hostile requests; `big` bytes for the large heads and bodies.
fn catalogue(big: usize) -> Vec<Case> {
    let mut many = b"GET /status HTTP/1.1\r\nHost: localhost\r\n".to_vec();
    for i in 0..big / 16 {
        many.extend_from_slice(format!("X-{i:08}: a\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    let mut one = b"GET /status HTTP/1.1\r\nHost: localhost\r\nX-Big: ".to_vec();
    one.extend(std::iter::repeat_n(b'a', big));
    one.extend_from_slice(b"\r\n\r\n");
    let mut body =
        format!("POST /status HTTP/1.1\r\nHost: localhost\r\nContent-Length: {big}\r\n\r\n")
            .into_bytes();
    body.extend(std::iter::repeat_n(b'b', big));
    let case = |name, request, status| Case {
        name,
        request,
        status,
    };
    vec![
        case("many headers", many, TOO_LARGE),
        case("one huge header", one, TOO_LARGE),
        case(
            "a huge body with its length",
            body,
            "HTTP/1.1 413 Payload Too Large",
        ),
        case(
            "a huge chunked body to /now",
            chunked("POST /now HTTP/1.1", big),
            BAD_REQUEST,
        ),
        case(
            "a huge chunked body to /status",
            chunked("GET /status HTTP/1.1", big),
            OK,
        ),
        case("BREW", request("BREW /status HTTP/1.1"), BAD_REQUEST),
        case(
            "a lower-case method",
            request("get /status HTTP/1.1"),
            BAD_REQUEST,
        ),
        case("BREW elsewhere", request("BREW /pot HTTP/1.1"), NOT_FOUND),
        case(
            "garbage",
            b"\x00\x01\x02 garbage \xff\r\n\r\n".to_vec(),
            BAD_REQUEST,
        ),
        case("no version", b"GET /status\r\n\r\n".to_vec(), BAD_REQUEST),
        case("HTTP/9.9", request("GET /status HTTP/9.9"), BAD_REQUEST),
        case(
            "a NUL in the path",
            request("GET /now\0 HTTP/1.1"),
            BAD_REQUEST,
        ),
        case(
            "a control byte in a header",
            request("GET /status HTTP/1.1\r\nX-Bad: \x01"),
            BAD_REQUEST,
        ),
        case(
            "a header without colon",
            request("GET /status HTTP/1.1\r\nX-Bad"),
            BAD_REQUEST,
        ),
        case(
            "two lengths",
            request("POST /status HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2"),
            BAD_REQUEST,
        ),
        case(
            "a negative length",
            request("POST /status HTTP/1.1\r\nContent-Length: -1"),
            BAD_REQUEST,
        ),
        case(
            "an endless length",
            request("POST /status HTTP/1.1\r\nContent-Length: 99999999999999999999999"),
            BAD_REQUEST,
        ),
        case(
            "a length and chunks",
            request("POST /status HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"),
            BAD_REQUEST,
        ),
        case(
            "climbing out",
            request("GET /../../etc/passwd HTTP/1.1"),
            NOT_FOUND,
        ),
        case(
            "climbing out, escaped",
            request("GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1"),
            NOT_FOUND,
        ),
        case(
            "climbing from /status",
            request("GET /status/../now HTTP/1.1"),
            NOT_FOUND,
        ),
        case(
            "bad escapes",
            request("GET /%zz%/st%atus%2 HTTP/1.1"),
            NOT_FOUND,
        ),
        case(
            "an escaped route",
            request("GET /%73tatus HTTP/1.1"),
            NOT_FOUND,
        ),
        case(
            "a long path",
            request(&format!("GET /{} HTTP/1.1", "a".repeat(8000))),
            NOT_FOUND,
        ),
        case(
            "a path over the limit",
            request(&format!("GET /{} HTTP/1.1", "a".repeat(big))),
            TOO_LARGE,
        ),
        case("OPTIONS *", request("OPTIONS * HTTP/1.1"), NOT_FOUND),
    ]
}

/// Sends `request` while reading the answer (the port may answer, and close, before it has
/// read it all): the answer as far as the port sent it.
async fn send_reading(stream: TcpStream, request: Vec<u8>) -> Answer {
    let (mut reader, mut writer) = stream.into_split();
    let mut raw = Vec::new();
    // The write half stays open until the answer is read (dropping it would half-close).
    let _ = tokio::time::timeout(PATIENCE, async {
        tokio::join!(writer.write_all(&request), reader.read_to_end(&mut raw))
    })
    .await;
    drop(writer);
    Answer::parse(&raw)
}

/// Clients that shut their side down once their request is sent (`nc -N`, some probes), 200
/// of them, eight at a time: each is answered all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_half_close_after_their_request_are_answered() {
    let port = Port::trusted().await;
    let mut clients = JoinSet::new();
    for i in 0..200 {
        if clients.len() >= 8 {
            let answer: Answer = clients.join_next().await.unwrap().unwrap();
            assert_eq!(
                (answer.status_line.as_str(), answer.body.as_str()),
                (OK, "status: waiting")
            );
        }
        let addr = port.addr;
        clients.spawn(async move {
            let socket = TcpSocket::new_v4().unwrap();
            socket
                .bind(format!("127.0.0.{}:0", 10 + i % 40).parse().unwrap())
                .unwrap();
            let mut stream = socket.connect(addr).await.unwrap();
            stream
                .write_all(b"GET /status HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .await
                .unwrap();
            stream.shutdown().await.unwrap();
            let mut raw = Vec::new();
            let _ = tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw)).await;
            Answer::parse(&raw)
        });
    }
    while let Some(answer) = clients.join_next().await {
        let answer = answer.unwrap();
        assert_eq!(
            (answer.status_line.as_str(), answer.body.as_str()),
            (OK, "status: waiting")
        );
    }
    port.shut().await.unwrap();
}

/// `/status` from a well-behaved client on its own address.
async fn status_from(port: &Port, local: &str) -> Answer {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    let mut stream = tokio::time::timeout(PATIENCE, socket.connect(port.addr))
        .await
        .unwrap()
        .unwrap();
    stream
        .write_all(b"GET /status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    Answer::parse(&raw)
}

/// Each request of the catalogue (megabyte heads and bodies): its answer, a short body, no
/// run asked, and `/status` answered to a well-behaved client right after.
#[tokio::test]
async fn hostile_requests_get_plain_answers_and_status_still_works() {
    let mut port = Port::trusted().await;
    for case in catalogue(1 << 20) {
        let stream = TcpStream::connect(port.addr).await.unwrap();
        let answer = send_reading(stream, case.request).await;
        assert_eq!(answer.status_line, case.status, "{}", case.name);
        assert!(answer.body.len() < 64, "{}: {}", case.name, answer.body);
        let status = status_from(&port, "127.0.0.2").await;
        assert_eq!(status.status_line, OK, "after {}", case.name);
        assert_eq!(status.body, "status: waiting", "after {}", case.name);
        port.no_run_asked();
    }
    // `/now/<anything>` asks for a run, and serves nothing else, whatever the rest says.
    let answer = get(port.addr, "/now/../../etc/passwd").await;
    assert_eq!(
        (answer.status_line.as_str(), answer.body.as_str()),
        (OK, "OK")
    );
    assert_eq!(port.run_asked().await, NowRequest::All);
    assert_eq!(port.board.metrics().http_connections.get(), 0);
    port.shut().await.unwrap();
}

/// 2,000 hostile requests, four at a time from 40 addresses: every one answered as in the
/// catalogue, `/status` answered to a well-behaved client every hundred, and no connection
/// left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_hostile_requests_leaves_the_port_answering() {
    let mut port = Port::trusted().await;
    let cases = Arc::new(catalogue(64 << 10));
    let mut flood = JoinSet::new();
    for i in 0..2000 {
        if flood.len() >= 4 {
            let (name, expected, got) = flood.join_next().await.unwrap().unwrap();
            assert_eq!(got, expected, "{name}");
        }
        let (cases, addr) = (Arc::clone(&cases), port.addr);
        flood.spawn(async move {
            let case = &cases[i % cases.len()];
            // From 40 addresses: one address's connections are bounded (`max_per_client`),
            // and the port may still be closing the previous ones.
            let socket = TcpSocket::new_v4().unwrap();
            let local = format!("127.0.0.{}:0", 10 + i % 40);
            socket.bind(local.parse().unwrap()).unwrap();
            let stream = socket.connect(addr).await.unwrap();
            let answer = send_reading(stream, case.request.clone()).await;
            (case.name, case.status, answer.status_line)
        });
        if i % 100 == 99 {
            let status = status_from(&port, "127.0.0.2").await;
            assert_eq!(
                (status.status_line.as_str(), status.body.as_str()),
                (OK, "status: waiting")
            );
        }
    }
    while let Some(done) = flood.join_next().await {
        let (name, expected, got) = done.unwrap();
        assert_eq!(got, expected, "{name}");
    }
    port.no_run_asked();
    // Every connection ended (the gauge is lowered when a connection task ends).
    let start = std::time::Instant::now();
    while port.board.metrics().http_connections.get() > 0 {
        assert!(start.elapsed() < PATIENCE, "connections left open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    port.shut().await.unwrap();
}
