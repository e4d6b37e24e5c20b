//! Transport errors: one variant per thing a user can act on, each with a one-line message that
//! names the server URL (without credentials).

use std::error::Error as StdError;
use std::io;
use std::time::Duration;

use super::tls::{CertProblem, PeerCertError};

/// Why a message could not be delivered, or its reply not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Bad transport settings (CA files, fingerprints, proxy URL…).
    #[error("transport configuration: {0}")]
    Config(String),
    /// A server URL that cannot be used.
    #[error(transparent)]
    Url(#[from] super::url::UrlError),
    /// Nobody listens on that port.
    #[error("{url}: connection refused (is the server up, is the port right?)")]
    ConnectionRefused {
        /// The server URL.
        url: String,
    },
    /// The host name does not resolve.
    #[error("{url}: cannot resolve the host name: {detail}")]
    Dns {
        /// The server URL.
        url: String,
        /// What the resolver said.
        detail: String,
    },
    /// No answer (connection, or the next bytes of the reply) within the timeout.
    #[error("{url}: no answer within {} s", .timeout.as_secs_f64())]
    Timeout {
        /// The server URL.
        url: String,
        /// The configured timeout.
        timeout: Duration,
    },
    /// Another connection failure (unreachable network, reset…).
    #[error("{url}: cannot connect: {detail}")]
    Connect {
        /// The server URL.
        url: String,
        /// The cause.
        detail: String,
    },
    /// The server certificate was refused; the message gives its fingerprint.
    #[error("{url}: TLS: {cert}{}", hint(.cert))]
    Certificate {
        /// The server URL.
        url: String,
        /// What was wrong, and the certificate's fingerprint.
        cert: PeerCertError,
    },
    /// Another TLS failure (no common protocol, plain HTTP on a TLS port…).
    #[error("{url}: TLS handshake failed: {detail}")]
    Tls {
        /// The server URL.
        url: String,
        /// What rustls said.
        detail: String,
    },
    /// A status other than 2xx (and other than the ones below), with the server's message.
    #[error("{url}: HTTP {status}{}{}", suffix(.message), come_back(*.retry_after))]
    Status {
        /// The server URL.
        url: String,
        /// The status code.
        status: u16,
        /// The first line of the server's message, bounded (may be empty).
        message: String,
        /// `Retry-After`, when the server sent one.
        retry_after: Option<Duration>,
    },
    /// 401 and no user/password configured.
    #[error("{url}: authentication required, no credentials available (set user and password)")]
    AuthRequired {
        /// The server URL.
        url: String,
    },
    /// 401 again with the configured user/password.
    #[error("{url}: authentication required, wrong credentials")]
    AuthRejected {
        /// The server URL.
        url: String,
    },
    /// 407 from a proxy.
    #[error("{url}: proxy authentication required (give the proxy's user and password in its URL)")]
    ProxyAuth {
        /// The server URL.
        url: String,
    },
    /// 302 or 303: a POST cannot follow it (the body would be dropped).
    #[error(
        "{url}: the server redirects ({status}) to {location}, which a POST cannot follow; \
         set the server URL to {location}"
    )]
    Redirect {
        /// The server URL.
        url: String,
        /// 302 or 303.
        status: u16,
        /// Where to.
        location: String,
    },
    /// A redirect loop, a redirect without a usable `Location`, or too many hops.
    #[error("{url}: {detail}")]
    BadRedirect {
        /// The server URL.
        url: String,
        /// What went wrong.
        detail: String,
    },
    /// A 2xx reply that does not come from GLPI or the FusionInventory plugin.
    #[error("{url}: not a GLPI reply: {what}; check the server URL")]
    NotGlpi {
        /// The server URL.
        url: String,
        /// What the reply is.
        what: String,
    },
    /// A compressed reply that does not inflate.
    #[error("{url}: cannot decompress the {format} reply: {detail}")]
    Decompress {
        /// The server URL.
        url: String,
        /// `zlib` or `gzip`.
        format: &'static str,
        /// What the decoder said.
        detail: String,
    },
    /// A reply larger than the configured bound.
    #[error("{url}: reply larger than {limit} bytes")]
    TooLarge {
        /// The server URL.
        url: String,
        /// The bound.
        limit: usize,
    },
    /// The server reset or closed the connection before its answer was complete (a crashed or
    /// restarting server, a proxy or firewall cutting the exchange).
    #[error("{url}: the server {how} the connection before its answer was complete")]
    Dropped {
        /// The server URL.
        url: String,
        /// `reset` or `closed`.
        how: &'static str,
    },
    /// The exchange broke after the connection was made in another way.
    #[error("{url}: {detail}")]
    Network {
        /// The server URL.
        url: String,
        /// The cause.
        detail: String,
    },
}

fn hint(cert: &PeerCertError) -> &'static str {
    match cert.problem {
        CertProblem::UnknownIssuer if !cert.pinned => {
            " (trust its CA with ca-cert-file, or pin it with ssl-fingerprint)"
        }
        _ => "",
    }
}

fn suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// The server's `Retry-After`, said in the message.
fn come_back(after: Option<Duration>) -> String {
    after.map_or_else(String::new, |d| {
        format!(" (the server asks to come back in {} s)", d.as_secs())
    })
}

impl TransportError {
    /// Whether sending again later may work: network failures, 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::ConnectionRefused { .. }
            | TransportError::Timeout { .. }
            | TransportError::Connect { .. }
            | TransportError::Dns { .. }
            | TransportError::Dropped { .. }
            | TransportError::Network { .. } => true,
            TransportError::Status { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// The server's `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            TransportError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status, for errors that come with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            TransportError::Status { status, .. } | TransportError::Redirect { status, .. } => {
                Some(*status)
            }
            TransportError::AuthRequired { .. } | TransportError::AuthRejected { .. } => Some(401),
            TransportError::ProxyAuth { .. } => Some(407),
            _ => None,
        }
    }
}

/// Every error of a chain, looking inside `io::Error`s (whose `source()` skips their payload).
fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut all = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next.take() {
        all.push(error);
        if all.len() > 32 {
            break;
        }
        next = match error
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
    }
    all
}

/// The classified error for a failed request. `top_is_timeout`/`top_is_connect` are reqwest's
/// own flags; the rest is read from the chain of sources (kept generic so tests can build chains).
pub(crate) fn classify(
    url: &str,
    timeout: Duration,
    error: &(dyn StdError + 'static),
    top_is_timeout: bool,
    top_is_connect: bool,
) -> TransportError {
    let url = url.to_owned();
    let all = chain(error);
    for e in &all {
        if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) =
            e.downcast_ref::<rustls::Error>()
            && let Some(cert) = other.0.downcast_ref::<PeerCertError>()
        {
            return TransportError::Certificate {
                url,
                cert: cert.clone(),
            };
        }
    }
    if let Some(tls) = all.iter().find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return TransportError::Tls {
            url,
            detail: tls.to_string(),
        };
    }
    let io_kind = |kind: io::ErrorKind| {
        all.iter().any(|e| {
            e.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == kind)
        })
    };
    if top_is_timeout || io_kind(io::ErrorKind::TimedOut) {
        return TransportError::Timeout { url, timeout };
    }
    if io_kind(io::ErrorKind::ConnectionRefused) {
        return TransportError::ConnectionRefused { url };
    }
    if io_kind(io::ErrorKind::ConnectionReset) || io_kind(io::ErrorKind::ConnectionAborted) {
        return TransportError::Dropped { url, how: "reset" };
    }
    let incomplete = all.iter().any(|e| {
        e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
    });
    if incomplete || io_kind(io::ErrorKind::UnexpectedEof) {
        return TransportError::Dropped { url, how: "closed" };
    }
    // Skip reqwest's own line ("error sending request for url (…)"): it repeats the URL.
    let messages: Vec<String> = all.iter().skip(1).map(ToString::to_string).collect();
    let detail = {
        let mut unique: Vec<&str> = Vec::new();
        for m in &messages {
            if !unique.iter().any(|u| u.contains(m.as_str())) {
                unique.push(m);
            }
        }
        if unique.is_empty() {
            error.to_string()
        } else {
            unique.join(": ")
        }
    };
    if messages
        .iter()
        .any(|m| m.contains("dns error") || m.contains("failed to lookup address"))
    {
        let detail = messages.last().cloned().unwrap_or(detail);
        return TransportError::Dns { url, detail };
    }
    if top_is_connect {
        return TransportError::Connect { url, detail };
    }
    TransportError::Network { url, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Wrapper {
        text: &'static str,
        #[source]
        source: io::Error,
    }

    #[test]
    fn dns_failures_are_recognised_in_the_chain() {
        let resolver =
            io::Error::other("failed to lookup address information: Name or service not known");
        let error = Wrapper {
            text: "dns error",
            source: resolver,
        };
        let top = io::Error::other(error);
        match classify(
            "http://nowhere.invalid/",
            Duration::from_secs(1),
            &top,
            false,
            true,
        ) {
            TransportError::Dns { url, detail } => {
                assert_eq!(url, "http://nowhere.invalid/");
                assert!(detail.contains("Name or service not known"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn io_kinds_inside_io_errors_are_found() {
        let refused = io::Error::new(io::ErrorKind::ConnectionRefused, "refused");
        let top = Wrapper {
            text: "client error (Connect)",
            source: refused,
        };
        let error = classify("http://h/", Duration::from_secs(1), &top, false, true);
        assert!(matches!(error, TransportError::ConnectionRefused { .. }));
        assert!(error.is_retryable());
        let reset = io::Error::new(io::ErrorKind::ConnectionReset, "connection reset by peer");
        let top = Wrapper {
            text: "error reading a body",
            source: reset,
        };
        let error = classify("http://h/", Duration::from_secs(1), &top, false, false);
        assert_eq!(
            error.to_string(),
            "http://h/: the server reset the connection before its answer was complete"
        );
        assert!(error.is_retryable());
    }

    #[test]
    fn retryable_statuses() {
        let status = |status| TransportError::Status {
            url: "u".into(),
            status,
            message: String::new(),
            retry_after: None,
        };
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(404).is_retryable());
        assert_eq!(status(404).to_string(), "u: HTTP 404");
        assert!(!TransportError::AuthRejected { url: "u".into() }.is_retryable());
    }
}
