//! A small HTTP/1.1 server on 127.0.0.1:0 for the transport tests: it records every request
//! (headers and raw body) and answers what the test's handler says, over plain TCP or TLS.
//! One request per connection (`Connection: close`), which is all the client needs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Names lower-cased, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    /// The body as sent (compressed if it was).
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// Wait this long before answering.
    pub(crate) delay: Duration,
}

impl Canned {
    pub(crate) fn new(status: u16) -> Canned {
        Canned {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn delayed(mut self, delay: Duration) -> Canned {
        self.delay = delay;
        self
    }

    pub(crate) fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Canned {
        Canned::new(200)
            .header("Content-Type", content_type)
            .body(body)
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn body(mut self, body: impl Into<Vec<u8>>) -> Canned {
        self.body = body.into();
        self
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Canned + Send + Sync;

/// Requests being answered now, and the most at once.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

pub(crate) struct FakeServer {
    pub(crate) addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    in_flight: Arc<InFlight>,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// Plain HTTP; `handler` gets each request and its index (0 for the first).
    pub(crate) async fn start(
        handler: impl Fn(&Recorded, usize) -> Canned + Send + Sync + 'static,
    ) -> FakeServer {
        FakeServer::spawn(None, Arc::new(handler)).await
    }

    /// HTTPS with this acceptor.
    pub(crate) async fn start_tls(
        acceptor: TlsAcceptor,
        handler: impl Fn(&Recorded, usize) -> Canned + Send + Sync + 'static,
    ) -> FakeServer {
        FakeServer::spawn(Some(acceptor), Arc::new(handler)).await
    }

    async fn spawn(tls: Option<TlsAcceptor>, handler: Arc<Handler>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let in_flight = Arc::new(InFlight::default());
        let counters = in_flight.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let recorded = recorded.clone();
                let tls = tls.clone();
                let counters = counters.clone();
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            // Failed handshakes are what some tests are about.
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve(stream, &*handler, &recorded, &counters).await;
                            }
                        }
                        None => serve(stream, &*handler, &recorded, &counters).await,
                    }
                });
            }
        });
        FakeServer {
            addr,
            requests,
            in_flight,
            task,
        }
    }

    pub(crate) fn url(&self, path: &str) -> Url {
        Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The most requests answered at the same time.
    pub(crate) fn max_in_flight(&self) -> usize {
        self.in_flight.max.load(Ordering::SeqCst)
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: &Handler,
    recorded: &Mutex<Vec<Recorded>>,
    in_flight: &InFlight,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let now = in_flight.now.fetch_add(1, Ordering::SeqCst) + 1;
    in_flight.max.fetch_max(now, Ordering::SeqCst);
    let index = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    let canned = handler(&request, index);
    tokio::time::sleep(canned.delay).await;
    let mut head = format!("HTTP/1.1 {} X\r\n", canned.status);
    for (name, value) in &canned.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        canned.body.len()
    ));
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&canned.body).await;
    let _ = stream.shutdown().await;
    in_flight.now.fetch_sub(1, Ordering::SeqCst);
}

async fn read_request<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if !buffer[0].is_ascii_uppercase() {
            // Not HTTP (a TLS ClientHello…): answer like a web server would.
            let _ = stream
                .write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                .await;
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}
