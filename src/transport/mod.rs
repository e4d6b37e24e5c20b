//! The one HTTP(S) layer every message to a GLPI / FusionInventory server goes through: a POST
//! of a compressed body, and its decoded reply (protocol.md §1).
//!
//! - [`url::canonical`] turns the configured `server` text into the URL to POST to.
//! - [`Client`] holds the settings ([`TransportConfig`]: credentials, TLS trust, pins, proxy,
//!   timeout, User-Agent, compression) and one connection pool. [`Client::post`] compresses the
//!   body, sends `Pragma: no-cache` and the User-Agent, follows 301/307/308 by POSTing again,
//!   answers a 401 with Basic credentials (never sent before the server asks, then remembered
//!   per server), and decodes the reply ([`Reply`], see [`reply`]).
//! - Errors ([`TransportError`]) are classified with one line each; a refused certificate
//!   carries its SHA-256 fingerprint, ready for `ssl-fingerprint`.
//! - Politeness: at most [`TransportConfig::max_per_server`] requests in flight per server, and
//!   [`Client::post_with_retries`] backs off after 429, 5xx and network errors ([`retry`]).
//!
//! ```no_run
//! use sonde::transport::{BodyFormat, Client, TransportConfig, url};
//! # async fn example() -> Result<(), sonde::transport::TransportError> {
//! let client = Client::new(TransportConfig::default())?;
//! let server = url::canonical("https://glpi.example.com/plugins/fusioninventory/")?;
//! let reply = client.post(&server, b"<?xml version=\"1.0\"?><REQUEST/>", BodyFormat::Xml).await?;
//! println!("{}", reply.body);
//! # Ok(()) }
//! ```

mod error;
/// Sending documents saved earlier (`sonde inject`).
pub mod inject;
pub mod reply;
pub mod retry;
/// Results kept on disk until a server acknowledges them.
pub mod spool;
pub mod tls;
pub mod url;

#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{CONTENT_TYPE, HeaderValue, LOCATION, PRAGMA, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Response, Url};

pub use error::TransportError;
pub use reply::{BodyFormat, Compression, Reply, ReplyKind};
pub use retry::{RetryPolicy, parse_retry_after, retry_delay};
pub use tls::{CertProblem, Fingerprint, PeerCertError};

use reply::DecodeError;
use retry::ServerLimiter;

/// The default User-Agent. The server stores it and strips `FusionInventory-Agent_` to show
/// the agent version, so the prefix must stay (protocol.md §1.2); the version is sonde's own.
pub const DEFAULT_USER_AGENT: &str = concat!("FusionInventory-Agent_v", env!("CARGO_PKG_VERSION"));

/// Transport settings; every field has a default (see [`TransportConfig::default`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportConfig {
    /// HTTP Basic user, sent only after a 401 (with `password`). Credentials in the URL
    /// (`https://user:pw@host/`) are used when these are not set.
    pub user: Option<String>,
    /// HTTP Basic password.
    pub password: Option<String>,
    /// PEM bundle of the CAs to trust, instead of the system's.
    pub ca_cert_file: Option<PathBuf>,
    /// Directory of PEM CA certificates (OpenSSL hashed names or any), instead of the system's.
    pub ca_cert_dir: Option<PathBuf>,
    /// Accept any server certificate (no chain, date or name check).
    pub no_ssl_check: bool,
    /// Certificates accepted whatever their chain and name, by fingerprint (`ssl-fingerprint`).
    pub ssl_fingerprint: Vec<Fingerprint>,
    /// Proxy URL for both http and https. Without it, `http_proxy`, `https_proxy` and
    /// `no_proxy` (and upper-case forms) apply.
    pub proxy: Option<String>,
    /// Connection timeout, and the longest wait for the next bytes of a reply (not a deadline
    /// for the whole exchange, like LWP's). Default 180 s.
    pub timeout: Duration,
    /// The User-Agent; default [`DEFAULT_USER_AGENT`].
    pub user_agent: String,
    /// How request bodies are compressed; default zlib.
    pub compression: Compression,
    /// Requests in flight at once per server (scheme, host, port); default 2.
    pub max_per_server: usize,
    /// The largest reply accepted, compressed or not; default 16 MiB.
    pub max_reply_bytes: usize,
    /// Redirects (301/307/308) followed per request; default 5.
    pub max_redirects: u32,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            user: None,
            password: None,
            ca_cert_file: None,
            ca_cert_dir: None,
            no_ssl_check: false,
            ssl_fingerprint: Vec::new(),
            proxy: None,
            timeout: Duration::from_secs(180),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            compression: Compression::Zlib,
            max_per_server: 2,
            max_reply_bytes: 16 << 20,
            max_redirects: 5,
        }
    }
}

/// Per-request options of [`Client::post_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PostOptions<'a> {
    /// What the body is (decides the Content-Type when uncompressed).
    pub format: BodyFormat,
    /// Overrides the client's compression for this request.
    pub compression: Option<Compression>,
    /// Extra headers (`GLPI-Agent-ID`…).
    pub headers: &'a [(&'a str, &'a str)],
}

/// An HTTP(S) client for GLPI servers. Cheap to share (`Arc`); one per configuration.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    config: TransportConfig,
    limiter: ServerLimiter,
    /// Servers (origins) that asked for credentials: later requests send them at once.
    authenticated: Mutex<HashSet<String>>,
}

impl Client {
    /// A client for these settings. Fails on unreadable CA files, both CA options at once, or
    /// a bad proxy URL.
    pub fn new(config: TransportConfig) -> Result<Client, TransportError> {
        let tls = tls::client_config(&tls::TlsSettings {
            ca_cert_file: config.ca_cert_file.as_deref(),
            ca_cert_dir: config.ca_cert_dir.as_deref(),
            no_ssl_check: config.no_ssl_check,
            pins: &config.ssl_fingerprint,
        })
        .map_err(TransportError::Config)?;
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.timeout)
            .read_timeout(config.timeout)
            .user_agent(config.user_agent.clone());
        if let Some(proxy) = &config.proxy {
            let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
                TransportError::Config(format!("invalid proxy URL {:?}", hide_password(proxy)))
            })?;
            builder = builder.proxy(proxy);
        }
        let http = builder
            .build()
            .map_err(|e| TransportError::Config(format!("HTTP client: {e}")))?;
        Ok(Client {
            http,
            limiter: ServerLimiter::new(config.max_per_server),
            authenticated: Mutex::new(HashSet::new()),
            config,
        })
    }

    /// The settings.
    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    /// POSTs `body` (compressed as configured) to `url` and returns the decoded reply.
    pub async fn post(
        &self,
        url: &Url,
        body: &[u8],
        format: BodyFormat,
    ) -> Result<Reply, TransportError> {
        let options = PostOptions {
            format,
            ..PostOptions::default()
        };
        self.post_with(url, body, &options).await
    }

    /// [`Client::post`] with per-request options.
    pub async fn post_with(
        &self,
        url: &Url,
        body: &[u8],
        options: &PostOptions<'_>,
    ) -> Result<Reply, TransportError> {
        let (mut url, url_credentials) = split_credentials(url);
        let shown = url::redacted(&url);
        let credentials = match (&self.config.user, &self.config.password) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            _ => url_credentials,
        };
        let compression = options.compression.unwrap_or(self.config.compression);
        let payload = compression
            .compress(body)
            .map_err(|e| TransportError::Network {
                url: shown.clone(),
                detail: e.to_string(),
            })?;
        let content_type = compression.content_type(options.format);
        let _permit = self.limiter.acquire(&origin(&url)).await;
        let mut redirects = 0;
        let mut answered_challenge = false;
        loop {
            let server = origin(&url);
            let send_credentials = credentials.is_some() && self.is_authenticated(&server);
            let mut request = self
                .http
                .post(url.clone())
                .header(PRAGMA, "no-cache")
                .header(CONTENT_TYPE, content_type)
                .body(payload.clone());
            for (name, value) in options.headers {
                request = request.header(*name, *value);
            }
            if let (true, Some((user, password))) = (send_credentials, &credentials) {
                request = request.basic_auth(user, Some(password));
            }
            let response = request.send().await.map_err(|e| self.classify(&url, &e))?;
            let status = response.status();
            match status.as_u16() {
                200..=299 => return self.read_reply(&url, response).await,
                301 | 307 | 308 => {
                    redirects += 1;
                    let next = redirect_target(&url, &response).map_err(|detail| {
                        TransportError::BadRedirect {
                            url: shown.clone(),
                            detail,
                        }
                    })?;
                    if redirects > self.config.max_redirects {
                        return Err(TransportError::BadRedirect {
                            url: shown.clone(),
                            detail: format!("more than {} redirects", self.config.max_redirects),
                        });
                    }
                    tracing::debug!(from = %url::redacted(&url), to = %url::redacted(&next), %status, "re-POSTing after a redirect");
                    url = next;
                }
                302 | 303 => {
                    let location = redirect_target(&url, &response)
                        .map(|u| url::redacted(&u))
                        .unwrap_or_else(|detail| detail);
                    return Err(TransportError::Redirect {
                        url: shown,
                        status: status.as_u16(),
                        location,
                    });
                }
                401 => {
                    let challenge = header_text(&response, WWW_AUTHENTICATE).unwrap_or_default();
                    if credentials.is_none() {
                        return Err(TransportError::AuthRequired { url: shown });
                    }
                    if !challenge.is_empty() && !challenge.to_ascii_lowercase().contains("basic") {
                        return Err(TransportError::Status {
                            url: shown,
                            status: 401,
                            message: format!(
                                "unsupported authentication {challenge:?} (only Basic is)"
                            ),
                            retry_after: None,
                        });
                    }
                    if send_credentials || answered_challenge {
                        self.set_authenticated(&server, false);
                        return Err(TransportError::AuthRejected { url: shown });
                    }
                    tracing::debug!(server = %server, %challenge, "server asks for credentials");
                    self.set_authenticated(&server, true);
                    answered_challenge = true;
                }
                407 => return Err(TransportError::ProxyAuth { url: shown }),
                _ => return Err(self.status_error(&url, response).await),
            }
        }
    }

    /// [`Client::post_with`], tried again after 429, 5xx and network errors, waiting as
    /// [`RetryPolicy::delay`] says, within `policy.max_attempts` tries and `policy.max_total`.
    /// The last error is returned when it is not retryable or the budget is spent.
    pub async fn post_with_retries(
        &self,
        url: &Url,
        body: &[u8],
        options: &PostOptions<'_>,
        policy: &RetryPolicy,
    ) -> Result<Reply, TransportError> {
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            let error = match self.post_with(url, body, options).await {
                Ok(reply) => return Ok(reply),
                Err(error) => error,
            };
            attempt += 1;
            if !error.is_retryable()
                || attempt >= policy.max_attempts
                || error
                    .retry_after()
                    .is_some_and(|asked| asked > policy.max_retry_after)
            {
                return Err(error);
            }
            let delay = policy.delay(attempt - 1, error.retry_after(), &mut rand::rng());
            if start.elapsed() + delay > policy.max_total {
                return Err(error);
            }
            tracing::debug!(%error, ?delay, attempt, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    fn is_authenticated(&self, server: &str) -> bool {
        self.authenticated
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(server)
    }

    fn set_authenticated(&self, server: &str, yes: bool) {
        let mut set = self
            .authenticated
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if yes {
            set.insert(server.to_owned());
        } else {
            set.remove(server);
        }
    }

    fn classify(&self, url: &Url, error: &reqwest::Error) -> TransportError {
        error::classify(
            &url::redacted(url),
            self.config.timeout,
            error,
            error.is_timeout(),
            error.is_connect(),
        )
    }

    /// The body, bounded by `max_reply_bytes`.
    async fn read_body(
        &self,
        url: &Url,
        mut response: Response,
    ) -> Result<Vec<u8>, TransportError> {
        let limit = self.config.max_reply_bytes;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(url, &e))? {
            if body.len() + chunk.len() > limit {
                return Err(TransportError::TooLarge {
                    url: url::redacted(url),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn read_reply(&self, url: &Url, response: Response) -> Result<Reply, TransportError> {
        let status = response.status().as_u16();
        let content_type = header_text(&response, CONTENT_TYPE);
        let raw = self.read_body(url, response).await?;
        let shown = url::redacted(url);
        let limit = self.config.max_reply_bytes;
        match reply::decode(status, content_type.as_deref(), &raw, limit) {
            Ok(reply) => Ok(reply),
            Err(DecodeError::Decompress { format, detail }) => Err(TransportError::Decompress {
                url: shown,
                format,
                detail,
            }),
            Err(DecodeError::TooLarge) => Err(TransportError::TooLarge { url: shown, limit }),
            Err(DecodeError::NotGlpi(what)) => Err(TransportError::NotGlpi { url: shown, what }),
        }
    }

    async fn status_error(&self, url: &Url, response: Response) -> TransportError {
        let status = response.status();
        let retry_after = header_text(&response, RETRY_AFTER)
            .and_then(|value| parse_retry_after(&value, SystemTime::now()));
        let content_type = header_text(&response, CONTENT_TYPE);
        let message = match self.read_body(url, response).await {
            Ok(body) => reply::server_message(&body, content_type.as_deref(), 160),
            Err(_) => String::new(),
        };
        let message = if message.is_empty() {
            status.canonical_reason().unwrap_or_default().to_owned()
        } else {
            message
        };
        TransportError::Status {
            url: url::redacted(url),
            status: status.as_u16(),
            message,
            retry_after,
        }
    }
}

/// `scheme://host:port`, the key of per-server state.
fn origin(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// The URL without credentials, and the credentials it held (percent-decoded).
fn split_credentials(url: &Url) -> (Url, Option<(String, String)>) {
    if url.username().is_empty() && url.password().is_none() {
        return (url.clone(), None);
    }
    let decode = percent_decode;
    let user = decode(url.username());
    let password = url.password().map(decode).unwrap_or_default();
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    (clean, Some((user, password)))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn header_text(response: &Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(HeaderValue::as_bytes)
        .map(|bytes| String::from_utf8_lossy(bytes).trim().to_owned())
}

/// Where a redirect points, resolved against the current URL; http(s) only.
fn redirect_target(url: &Url, response: &Response) -> Result<Url, String> {
    let location = header_text(response, LOCATION)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| format!("redirect ({}) without a Location", response.status()))?;
    let next = url
        .join(&location)
        .map_err(|e| format!("redirect to an invalid URL {location:?}: {e}"))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(format!("redirect to a non-HTTP URL {location:?}"));
    }
    if next == *url {
        return Err(format!("redirect loop on {}", url::redacted(url)));
    }
    Ok(next)
}

/// A proxy URL with its password masked, for messages.
fn hide_password(proxy: &str) -> String {
    match Url::parse(proxy) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(_) => proxy.to_owned(),
        // Not a URL: whatever stands before an `@` may be credentials.
        Err(_) => match proxy.rfind('@') {
            Some(at) => {
                let start = proxy.find("://").map_or(0, |i| i + 3).min(at);
                format!("{}***{}", &proxy[..start], &proxy[at..])
            }
            None => proxy.to_owned(),
        },
    }
}
