//! A fake GLPI / FusionInventory server on 127.0.0.1 for the fault tests, on plain threads (so
//! it serves in-process runs and the sonde binary alike). It records every request it read in
//! full (body decompressed), and answers what the test says: a reply, a reset connection, a
//! reply after a delay, or a stall in the middle of the request body (a connection held open,
//! never answered, and not recorded as received).

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most connections one server handles (a bound; the tests need far fewer).
const MAX_CONNECTIONS: usize = 500;
/// A client silent this long in the middle of a request is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A request head: what the server decides a stall on.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    /// Names lower-cased.
    pub(crate) headers: Vec<(String, String)>,
    /// The declared body length.
    pub(crate) content_length: usize,
}

impl Head {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request read in full.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    /// The body, decompressed by its Content-Type, as text.
    pub(crate) body: String,
    /// Whether the server took it (answered 200 with an XML or JSON reply).
    pub(crate) accepted: bool,
}

impl Request {
    /// `PROLOG`, `SNMPQUERY`, `NETDISCOVERY`…: the QUERY of an XML message ("" for others).
    pub(crate) fn query(&self) -> &str {
        let Some(start) = self.body.find("<QUERY>") else {
            return "";
        };
        let rest = &self.body[start + 7..];
        rest.find('<').map_or("", |end| &rest[..end])
    }
}

/// What to do once the head is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnHead {
    /// Read the body and answer.
    Go,
    /// Read this many bytes of the body, then never answer (the connection is kept open
    /// until the server is dropped); the request is not recorded.
    Stall(usize),
}

/// How to answer a request read in full.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    /// Status, extra headers, body.
    Reply(u16, Vec<(String, String)>, Vec<u8>),
    /// Reset the connection (RST) without a word.
    Reset,
    /// Close the connection (FIN) without a word.
    Close,
    /// Wait, then answer.
    Delay(Duration, Box<Answer>),
}

impl Answer {
    /// A 200 with an XML body.
    pub(crate) fn xml(body: &str) -> Answer {
        Answer::Reply(
            200,
            vec![("Content-Type".into(), "application/xml".into())],
            body.as_bytes().to_vec(),
        )
    }

    /// Whether the server takes the request: a 200 with an XML or JSON reply.
    fn accepts(&self) -> bool {
        match self {
            Answer::Reply(status, headers, _) => {
                *status == 200
                    && headers.iter().any(|(n, v)| {
                        n.eq_ignore_ascii_case("content-type")
                            && (v.contains("xml") || v.contains("json"))
                    })
            }
            Answer::Reset | Answer::Close => false,
            Answer::Delay(_, then) => then.accepts(),
        }
    }

    /// A status with a plain-text message and extra headers.
    pub(crate) fn status(status: u16, headers: &[(&str, &str)], message: &str) -> Answer {
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        all.push(("Content-Type".into(), "text/plain".into()));
        Answer::Reply(status, all, message.as_bytes().to_vec())
    }
}

type HeadRule = dyn Fn(&Head) -> OnHead + Send + Sync;
type Rule = dyn Fn(&Request) -> Answer + Send + Sync;

struct Shared {
    on_head: Box<HeadRule>,
    answer: Box<Rule>,
    received: Mutex<Vec<Request>>,
    /// Connections stalled on purpose, held open.
    stalled: Mutex<Vec<TcpStream>>,
    stop: AtomicBool,
}

/// The running server.
pub(crate) struct Glpi {
    pub(crate) port: u16,
    shared: Arc<Shared>,
}

impl Glpi {
    /// A server that never stalls.
    pub(crate) fn start(answer: impl Fn(&Request) -> Answer + Send + Sync + 'static) -> Glpi {
        Glpi::with_stalls(|_| OnHead::Go, answer)
    }

    /// A server that decides on each head whether to stall.
    pub(crate) fn with_stalls(
        on_head: impl Fn(&Head) -> OnHead + Send + Sync + 'static,
        answer: impl Fn(&Request) -> Answer + Send + Sync + 'static,
    ) -> Glpi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            on_head: Box::new(on_head),
            answer: Box::new(answer),
            received: Mutex::new(Vec::new()),
            stalled: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let server = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(MAX_CONNECTIONS) {
                if server.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let server = Arc::clone(&server);
                std::thread::spawn(move || serve(stream, &server));
            }
        });
        Glpi { port, shared }
    }

    /// The URL sonde is given.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}/glpi/", self.port)
    }

    /// Every request read in full so far, in the order they were read.
    pub(crate) fn received(&self) -> Vec<Request> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The bodies of the requests the server took (answered 200 with XML or JSON), in order.
    pub(crate) fn accepted(&self) -> Vec<String> {
        self.received()
            .into_iter()
            .filter(|r| r.accepted)
            .map(|r| r.body)
            .collect()
    }

    /// Connections stalled so far.
    pub(crate) fn stalls(&self) -> usize {
        self.shared.stalled.lock().unwrap().len()
    }

    /// Waits (at most 60 s) until `n` connections are stalled.
    pub(crate) fn wait_for_stalls(&self, n: usize) {
        let start = Instant::now();
        while self.stalls() < n {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no stall within 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Glpi {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.stalled.lock().unwrap().clear();
        // Wakes the accept loop up so that it sees the stop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let Some(head) = read_head(&mut reader) else {
        return;
    };
    if let OnHead::Stall(n) = (shared.on_head)(&head) {
        let mut part = vec![0u8; n.min(head.content_length)];
        if reader.read_exact(&mut part).is_ok() {
            shared.stalled.lock().unwrap().push(stream);
        }
        return;
    }
    let mut raw = vec![0u8; head.content_length];
    if reader.read_exact(&mut raw).is_err() {
        return;
    }
    let body = decompress(&raw, head.header("content-type"));
    let mut request = Request {
        body,
        accepted: false,
    };
    let answer = (shared.answer)(&request);
    request.accepted = answer.accepts();
    shared.received.lock().unwrap().push(request);
    respond(stream, answer);
}

fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Head> {
    let mut request_line = String::new();
    let mut headers = Vec::new();
    for _ in 0..200 {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        if request_line.is_empty() {
            request_line = line;
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let content_length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    Some(Head {
        headers,
        content_length,
    })
}

fn decompress(raw: &[u8], content_type: Option<&str>) -> String {
    let mut text = String::new();
    let ok = match content_type {
        Some("application/x-compress-zlib") => flate2::read::ZlibDecoder::new(raw)
            .read_to_string(&mut text)
            .is_ok(),
        Some("application/x-compress-gzip") => flate2::read::GzDecoder::new(raw)
            .read_to_string(&mut text)
            .is_ok(),
        _ => false,
    };
    if ok {
        text
    } else {
        String::from_utf8_lossy(raw).into_owned()
    }
}

fn respond(mut stream: TcpStream, answer: Answer) {
    match answer {
        Answer::Reset => {
            let _ = socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO));
        }
        Answer::Close => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Answer::Delay(wait, then) => {
            std::thread::sleep(wait);
            respond(stream, *then);
        }
        Answer::Reply(status, headers, body) => {
            let mut head = format!("HTTP/1.1 {status} X\r\n");
            for (n, v) in headers {
                head.push_str(&format!("{n}: {v}\r\n"));
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.flush();
        }
    }
}
