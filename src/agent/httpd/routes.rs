//! The routes of the HTTP port (protocol.md §5) and who may use them. The client is always the
//! TCP peer address (`ConnectInfo`), never a header.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /` | the status page; the `/now` link for trusted clients only |
//! | `GET /status` | `status: <status>` to anybody (GLPI's "agent status" button) |
//! | `GET /now`, `/now/<anything>` | from a server target's address: that target runs; from another trusted address: all targets run; `200 OK`. Otherwise `403 Forbidden` (upstream says `403 OK`, a quirk not copied) |
//! | `OPTIONS /now…` | CORS preflight (glpi-agent): `204` to trusted clients, `403` otherwise |
//! | `GET /metrics` | Prometheus text, trusted clients only |
//! | anything else | `404 Not Found` |
//!
//! A known path with another method gets `400 Bad Request`, as upstream answers (with an
//! `Allow` header saying which methods the path takes). `HEAD` is answered like `GET` without a body, and never starts a run.
//!
//! Browsers: a request carrying an `Origin` header is served only when the origin is a server
//! target's (glpi-agent's rule), and then gets `Access-Control-Allow-Origin`; so a foreign web
//! page cannot make a trusted workstation's browser start runs.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_REQUEST_HEADERS, CONTENT_TYPE, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::mpsc::{self, error::TrySendError};
use tracing::{debug, info, warn};

use super::board::Board;
use super::trust::TrustList;
use super::{metrics, page};

/// A run asked for over HTTP, for the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NowRequest {
    /// Every target, now (a trusted client asked).
    All,
    /// This target only (its server asked): the target id.
    Target(String),
}

const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) board: Arc<Board>,
    pub(crate) trust: Arc<TrustList>,
    pub(crate) now: mpsc::Sender<NowRequest>,
}

impl AppState {
    /// Trusted: in the trust list, or a server target's address.
    fn trusts(&self, ip: IpAddr) -> bool {
        self.trust.trusts(ip) || self.board.server_target_for(ip).is_some()
    }

    fn forbidden(&self, ip: IpAddr, what: &str) -> Response {
        self.board.metrics().http_forbidden.inc();
        debug!(%ip, what, "HTTP request from an untrusted client refused");
        text(StatusCode::FORBIDDEN, "Access denied")
    }
}

/// The router over these handlers.
pub(crate) fn router(state: AppState) -> Router {
    let now = || get(now).options(now_preflight);
    Router::new()
        .route("/", get(index))
        .route("/status", get(status))
        .route("/now", now())
        .route("/now/", now())
        .route("/now/{*token}", now())
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn index(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let trusted = app.trusts(peer.ip());
    with_type(StatusCode::OK, HTML, page::index(&app.board, trusted))
}

async fn status(State(app): State<AppState>) -> Response {
    text(StatusCode::OK, format!("status: {}", app.board.status()))
}

async fn metrics(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if !app.trusts(peer.ip()) {
        return app.forbidden(peer.ip(), "/metrics");
    }
    with_type(
        StatusCode::OK,
        metrics::CONTENT_TYPE,
        metrics::render(&app.board),
    )
}

async fn now(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let ip = peer.ip();
    let Some(request) = now_request(&app, ip) else {
        return app.forbidden(ip, "/now");
    };
    let Ok(cors) = cors_headers(&app, &headers) else {
        return app.forbidden(ip, "/now from a foreign web origin");
    };
    if method == Method::GET {
        match app.now.try_send(request.clone()) {
            Ok(()) => {
                app.board.metrics().now_requests.inc();
                info!(%ip, ?request, "run asked for over HTTP");
            }
            Err(TrySendError::Full(_)) => {
                debug!(%ip, "run asked for over HTTP; one is already pending")
            }
            Err(TrySendError::Closed(_)) => {
                warn!(%ip, "run asked for over HTTP while the agent stops");
                return text(StatusCode::SERVICE_UNAVAILABLE, "Agent stopping");
            }
        }
    }
    (cors, text(StatusCode::OK, "OK")).into_response()
}

/// CORS preflight (glpi-agent): the same trust as `GET /now`, an empty `204` answer.
async fn now_preflight(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let ip = peer.ip();
    if now_request(&app, ip).is_none() {
        return app.forbidden(ip, "OPTIONS /now");
    }
    let Ok(mut cors) = cors_headers(&app, &headers) else {
        return app.forbidden(ip, "OPTIONS /now from a foreign web origin");
    };
    cors.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET"),
    );
    if headers.contains_key(ACCESS_CONTROL_REQUEST_HEADERS) {
        cors.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("*"));
    }
    (StatusCode::NO_CONTENT, cors).into_response()
}

/// Whom a `/now` from `ip` concerns: its server target, every target, or nobody (untrusted).
fn now_request(app: &AppState, ip: IpAddr) -> Option<NowRequest> {
    match app.board.server_target_for(ip) {
        Some(id) => Some(NowRequest::Target(id)),
        None => app.trust.trusts(ip).then_some(NowRequest::All),
    }
}

/// The CORS answer headers: none without `Origin`; `Err` for an origin that is not a server
/// target's.
fn cors_headers(app: &AppState, headers: &HeaderMap) -> Result<HeaderMap, ()> {
    let mut cors = HeaderMap::new();
    let Some(origin) = headers.get(ORIGIN) else {
        return Ok(cors);
    };
    let allowed = origin
        .to_str()
        .is_ok_and(|origin| app.board.is_server_origin(origin));
    if !allowed {
        return Err(());
    }
    cors.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    cors.insert(VARY, HeaderValue::from_static("Origin"));
    Ok(cors)
}

async fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "Not Found")
}

async fn method_not_allowed() -> Response {
    text(StatusCode::BAD_REQUEST, "Bad Request")
}

fn text(status: StatusCode, body: impl Into<String>) -> Response {
    with_type(status, TEXT, body.into())
}

fn with_type(status: StatusCode, content_type: &'static str, body: String) -> Response {
    (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}
