//! The errors of the HTTP port: an `httpd-trust` entry that is not an address, a network, a
//! range or a host name, and a port that cannot be bound.

use std::net::SocketAddr;

/// What can go wrong when setting up the HTTP port. Serving itself does not fail: a bad request
/// gets an HTTP error, a failed `accept` is retried.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpdError {
    /// An `httpd-trust` entry that cannot be understood.
    #[error("httpd-trust: invalid entry {entry:?}: {reason}")]
    TrustEntry {
        /// The entry as written.
        entry: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The listening socket could not be opened.
    #[error("HTTP port: cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The system's answer.
        #[source]
        source: std::io::Error,
    },
}
