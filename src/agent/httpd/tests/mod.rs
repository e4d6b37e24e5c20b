//! Tests of the HTTP port over real sockets on 127.0.0.1: a port started per test, raw
//! HTTP/1.1 exchanges (to see exact status lines and headers) and a reqwest client.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::*;

/// Hostile requests: huge heads and bodies, bad methods and paths, a flood of them.
mod abuse;
/// Oversized requests, many or slow clients, keep-alive, shutdown.
mod limits;
/// The routes and their trust rules.
mod routes;

/// Long enough for anything the tests wait for; a test that hits it has failed.
const PATIENCE: Duration = Duration::from_secs(20);

fn localhost() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

fn trusting_localhost() -> TrustList {
    TrustList::from_addrs([localhost()])
}

/// A port served on 127.0.0.1:0 (or [::1]:0), with the receiving end of its `/now` channel.
struct Port {
    addr: SocketAddr,
    board: Arc<Board>,
    runs: mpsc::Receiver<NowRequest>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), HttpdError>>,
}

impl Port {
    async fn start(trust: TrustList, limits: Limits) -> Port {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Port::serve(listener, trust, limits)
    }

    fn serve(listener: TcpListener, trust: TrustList, limits: Limits) -> Port {
        let addr = listener.local_addr().unwrap();
        let board = Arc::new(Board::new("0.1.0"));
        let (now, runs) = mpsc::channel(1);
        let (stop, stopped) = oneshot::channel::<()>();
        let config = HttpdConfig {
            listen: addr,
            trust,
            limits,
        };
        let task = tokio::spawn(serve(listener, config, Arc::clone(&board), now, async {
            let _ = stopped.await;
        }));
        Port {
            addr,
            board,
            runs,
            stop: Some(stop),
            task,
        }
    }

    async fn trusted() -> Port {
        Port::start(trusting_localhost(), Limits::default()).await
    }

    async fn untrusted() -> Port {
        Port::start(TrustList::default(), Limits::default()).await
    }

    /// Stops the port and returns what `serve` returned.
    async fn shut(mut self) -> Result<(), HttpdError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .unwrap()
            .unwrap()
    }

    fn no_run_asked(&mut self) {
        assert!(self.runs.try_recv().is_err(), "a run was asked for");
    }

    async fn run_asked(&mut self) -> NowRequest {
        tokio::time::timeout(PATIENCE, self.runs.recv())
            .await
            .unwrap()
            .unwrap()
    }
}

/// An answer as it came over the wire.
#[derive(Debug)]
struct Answer {
    status_line: String,
    /// Names lower-cased.
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn parse(raw: &[u8]) -> Answer {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or("").to_owned();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Answer {
            status_line,
            headers,
            body: body.to_owned(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `request` as it is and reads the answer until the server closes.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    Answer::parse(&raw)
}

/// `METHOD path` with `Connection: close` and the extra header lines given.
async fn call(addr: SocketAddr, method: &str, path: &str, extra: &str) -> Answer {
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n");
    exchange(addr, request.as_bytes()).await
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    call(addr, "GET", path, "").await
}

fn server_name() -> String {
    format!("sonde/{}", env!("CARGO_PKG_VERSION"))
}

/// A plain-HTTP reqwest client that ignores proxy settings.
fn client() -> reqwest::Client {
    crate::transport::tls::provider();
    reqwest::Client::builder()
        .no_proxy()
        .timeout(PATIENCE)
        .build()
        .unwrap()
}

/// One connection served over an in-memory pipe, as the fuzzer drives it: two requests on one
/// keep-alive connection, the second from a trusted peer asking for a run.
#[tokio::test]
async fn serve_connection_over_a_pipe() {
    let (mut client, server) = tokio::io::duplex(64 * 1024);
    let board = Arc::new(Board::new("0.1.0"));
    board.set_status("waiting");
    let (now, mut runs) = mpsc::channel(1);
    let config = HttpdConfig {
        trust: trusting_localhost(),
        ..HttpdConfig::default()
    };
    let peer = SocketAddr::new(localhost(), 40000);
    let served = tokio::spawn(serve_connection(server, peer, config, board, now));
    client
        .write_all(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\nGET /now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(PATIENCE, client.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("status: waiting"), "{text}");
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{text}");
    assert_eq!(runs.try_recv(), Ok(NowRequest::All));
    tokio::time::timeout(PATIENCE, served)
        .await
        .unwrap()
        .unwrap();
}

/// A client that never sends a request head is cut after the request timeout.
#[tokio::test(start_paused = true)]
async fn serve_connection_cuts_a_silent_client() {
    let (mut client, server) = tokio::io::duplex(1024);
    let (now, _runs) = mpsc::channel(1);
    let peer = SocketAddr::new(localhost(), 40000);
    let board = Arc::new(Board::new("0.1.0"));
    let served = tokio::spawn(serve_connection(
        server,
        peer,
        HttpdConfig::default(),
        board,
        now,
    ));
    let mut raw = Vec::new();
    client.read_to_end(&mut raw).await.unwrap();
    served.await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(raw.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
}
