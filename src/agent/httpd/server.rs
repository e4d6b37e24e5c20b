//! The accept loop and the connections: a semaphore bounds the connections served at once
//! (beyond it, clients wait in the kernel's accept queue), hyper's HTTP/1 server bounds and
//! times the request heads, every connection has a maximum lifetime, and everything stops
//! gracefully when the shutdown future completes (mini-redis's `Listener`, style rule R5/R6).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, SERVER};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;
use tracing::{debug, error, info, warn};

use super::board::Board;
use super::config::{HttpdConfig, Limits};
use super::error::HttpdError;
use super::routes::{self, AppState, NowRequest};

/// The `Server` header of every answer of ours (hyper's own answers to unparsable requests,
/// such as `431`, have none).
const SERVER_NAME: HeaderValue =
    HeaderValue::from_static(concat!("sonde/", env!("CARGO_PKG_VERSION")));

/// The longest pause after failed `accept` calls (out of file descriptors, …).
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

/// Binds the port the daemon serves on (`HttpdConfig::listen`).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, HttpdError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| HttpdError::Bind { addr, source })
}

/// What every connection task needs.
struct Shared {
    http: http1::Builder,
    router: Router,
    limits: Limits,
    board: Arc<Board>,
    /// Connections open per client address (entries removed at zero: at most
    /// `max_connections` of them).
    clients: Mutex<HashMap<IpAddr, usize>>,
}

impl Shared {
    fn new(config: HttpdConfig, board: Arc<Board>, now: mpsc::Sender<NowRequest>) -> Arc<Shared> {
        let limits = config.limits.sanitized();
        let router = routes::router(AppState {
            board: Arc::clone(&board),
            trust: Arc::new(config.trust),
            now,
        });
        let mut http = http1::Builder::new();
        // A client may shut its side down once its request is sent (`nc -N`, probes): it is
        // still answered (without this, hyper drops the request when it reads the end of the
        // stream before the answer is ready). The head timeout and the lifetime still bound
        // such a connection.
        http.timer(TokioTimer::new())
            .half_close(true)
            .header_read_timeout(limits.request_timeout)
            .max_buf_size(limits.max_request_bytes)
            .keep_alive(limits.keepalive_requests > 1)
            .title_case_headers(true);
        Arc::new(Shared {
            http,
            router,
            limits,
            board,
            clients: Mutex::new(HashMap::new()),
        })
    }
}

/// One of a client address's connections; given back when dropped.
struct ClientSlot {
    shared: Arc<Shared>,
    ip: IpAddr,
}

impl ClientSlot {
    /// A slot for `ip`, unless it holds `max_per_client` connections already.
    fn take(shared: &Arc<Shared>, ip: IpAddr) -> Option<ClientSlot> {
        let mut clients = shared
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let open = clients.entry(ip).or_insert(0);
        if *open >= shared.limits.max_per_client {
            return None;
        }
        *open += 1;
        Some(ClientSlot {
            shared: Arc::clone(shared),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut clients = self
            .shared
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = clients.get_mut(&self.ip) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                clients.remove(&self.ip);
            }
        }
    }
}

/// Serves the HTTP port on `listener` until `shutdown` completes, then stops accepting, lets
/// the requests in progress finish (at most [`Limits::request_timeout`]), closes every
/// connection and returns. Runs asked for over `/now` go to `now` with `try_send`: when the
/// channel is full a run is already pending, and the client is told `OK` all the same.
pub async fn serve(
    listener: TcpListener,
    config: HttpdConfig,
    board: Arc<Board>,
    now: mpsc::Sender<NowRequest>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), HttpdError> {
    let shared = Shared::new(config, board, now);
    let limits = shared.limits;
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut backoff = Duration::ZERO;
    match listener.local_addr() {
        Ok(addr) => info!(%addr, "HTTP port listening"),
        Err(e) => warn!(error = %e, "HTTP port listening on an unknown address"),
    }
    loop {
        while let Some(ended) = connections.try_join_next() {
            report_panic(ended);
        }
        // Wait for a free slot first: a client beyond the limit stays in the accept queue.
        let permit = tokio::select! {
            biased;
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
        };
        let accepted = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                backoff = Duration::ZERO;
                let Some(slot) = ClientSlot::take(&shared, peer.ip().to_canonical()) else {
                    debug!(%peer, "too many connections from this address: closed");
                    shared.board.metrics().http_refused.inc();
                    drop(stream);
                    continue;
                };
                if let Err(e) = stream.set_nodelay(true) {
                    debug!(%peer, error = %e, "TCP_NODELAY refused");
                }
                let task = connection(stream, peer, Arc::clone(&shared), stopping.clone());
                connections.spawn(async move {
                    task.await;
                    drop((permit, slot));
                });
            }
            Err(e) if is_per_connection(&e) => {
                debug!(error = %e, "HTTP connection lost before accept")
            }
            Err(e) => {
                backoff = (backoff * 2).clamp(Duration::from_millis(10), MAX_ACCEPT_BACKOFF);
                warn!(error = %e, ?backoff, "HTTP port cannot accept connections");
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(backoff) => {}
                }
            }
        }
    }

    drop(listener);
    stop.send_replace(true);
    let drain = async {
        while let Some(ended) = connections.join_next().await {
            report_panic(ended);
        }
    };
    if tokio::time::timeout(limits.request_timeout, drain)
        .await
        .is_err()
    {
        warn!("HTTP connections still busy at shutdown; closed");
        connections.shutdown().await;
    }
    info!("HTTP port closed");
    Ok(())
}

/// Errors of `accept` about one incoming connection, not about the listener.
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted};
    matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted)
}

fn report_panic(ended: Result<(), tokio::task::JoinError>) {
    if let Err(e) = ended
        && e.is_panic()
    {
        error!(error = %e, "HTTP connection task panicked");
    }
}

/// Serves one client connection over any byte stream, as [`serve`] serves a TCP connection
/// accepted from `peer`: the same routes, trust rules, limits and timeouts, until the client is
/// done or the connection has lived its longest. For tests and fuzzing of the request handling
/// without sockets, e.g. over one end of a [`tokio::io::duplex`] pipe. Runs asked for over
/// `/now` go to `now` as with [`serve`].
pub async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    config: HttpdConfig,
    board: Arc<Board>,
    now: mpsc::Sender<NowRequest>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let shared = Shared::new(config, board, now);
    // Nobody stops this port: the sender lives until the connection ends.
    let (_stop, stopping) = watch::channel(false);
    connection(stream, peer, shared, stopping).await;
}

/// Serves one connection until the client is done, the connection has lived too long, or the
/// port stops (then the request in progress, if any, is finished first).
async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let metrics = shared.board.metrics();
    metrics.http_connections.inc();
    let served = AtomicUsize::new(0);
    let service = {
        let shared = Arc::clone(&shared);
        service_fn(move |request: Request<Incoming>| {
            let nth = served.fetch_add(1, Ordering::Relaxed) + 1;
            handle(Arc::clone(&shared), peer, request, nth)
        })
    };
    let conn = shared.http.serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let lifetime = tokio::time::sleep(shared.limits.connection_lifetime());
    let mut lifetime = std::pin::pin!(lifetime);
    let ended = tokio::select! {
        ended = conn.as_mut() => Some(ended),
        () = &mut lifetime => None,
        () = stopped(&mut stopping) => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                ended = conn.as_mut() => Some(ended),
                () = &mut lifetime => None,
            }
        }
    };
    match ended {
        Some(Ok(())) => {}
        Some(Err(e)) => debug!(%peer, error = %e, "HTTP connection ended"),
        None => debug!(%peer, "HTTP connection open too long; closed"),
    }
    metrics.http_connections.dec();
}

/// Completes when the port stops (or is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    // An error means the sender is gone, which is a stop too.
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// One request: `413` for a declared body over the limit, the router otherwise; then the
/// `Server` header, and `Connection: close` on the last answer of a connection.
async fn handle(
    shared: Arc<Shared>,
    peer: SocketAddr,
    mut request: Request<Incoming>,
    nth: usize,
) -> Result<Response<Body>, Infallible> {
    shared.board.metrics().http_requests.inc();
    let limits = &shared.limits;
    let too_large = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|length| length > u64::try_from(limits.max_request_bytes).unwrap_or(u64::MAX));
    let mut response = if too_large {
        debug!(%peer, "HTTP request body too large");
        let mut response = Response::new(Body::from("Payload Too Large"));
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        response.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    } else {
        request.extensions_mut().insert(ConnectInfo(peer));
        let Ok(response) = shared.router.clone().oneshot(request).await;
        response
    };
    let headers = response.headers_mut();
    headers.insert(SERVER, SERVER_NAME);
    if too_large || nth >= limits.keepalive_requests {
        headers.insert(CONNECTION, HeaderValue::from_static("close"));
    }
    Ok(response)
}
