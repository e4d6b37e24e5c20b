//! The settings of the HTTP port: where it listens, whom it trusts, and the limits that keep a
//! misbehaving or hostile client from exhausting the agent.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::trust::TrustList;

/// The port FusionInventory and GLPI agents listen on (`httpd-port`).
pub const DEFAULT_PORT: u16 = 62354;

/// hyper's smallest read buffer; [`Limits::max_request_bytes`] below it is raised to it.
pub(crate) const MIN_REQUEST_BYTES: usize = 8192;

/// The shortest [`Limits::request_timeout`] honoured.
const MIN_REQUEST_TIMEOUT: Duration = Duration::from_millis(100);

/// Everything [`serve`](super::serve) needs besides the listener, the board and the channels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpdConfig {
    /// Where the daemon binds the port (`httpd-ip`, `httpd-port`); default `0.0.0.0:62354`.
    /// [`serve`](super::serve) takes an already bound listener, see [`bind`](super::bind).
    pub listen: SocketAddr,
    /// Clients allowed to ask for a run (`/now`) and to read `/metrics` (`httpd-trust`). The
    /// addresses of the server targets are trusted as well (they live on the [`Board`](super::Board)).
    pub trust: TrustList,
    /// Resource limits.
    pub limits: Limits,
}

impl Default for HttpdConfig {
    fn default() -> HttpdConfig {
        HttpdConfig {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), DEFAULT_PORT),
            trust: TrustList::default(),
            limits: Limits::default(),
        }
    }
}

/// Bounds on what clients may cost. The port is for a GLPI server and a few administrators, so
/// the defaults are small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; more wait in the kernel's accept queue until one ends.
    pub max_connections: usize,
    /// Connections one client address may hold at once; more from it are closed at once, so
    /// that a flood from one address cannot take every slot from the others (the GLPI server
    /// asking for a run, an administrator's `/status`).
    pub max_per_client: usize,
    /// The largest request head (request line and headers; larger gets `431`) and the largest
    /// declared body (larger gets `413`). At least 8 KiB (hyper's minimum buffer).
    pub max_request_bytes: usize,
    /// How long a client may take to send a request head, counted from the connection (or the
    /// previous answer) on: a client that sends slowly or not at all is cut (slowloris).
    pub request_timeout: Duration,
    /// Requests served on one keep-alive connection; the last answer says `Connection: close`.
    /// Upstream serves 8.
    pub keepalive_requests: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 64,
            max_per_client: 8,
            max_request_bytes: 16 * 1024,
            request_timeout: Duration::from_secs(10),
            keepalive_requests: 8,
        }
    }
}

impl Limits {
    /// The limits made usable: at least one connection and one request, hyper's minimum buffer,
    /// a timeout of at least 100 ms.
    pub(crate) fn sanitized(self) -> Limits {
        Limits {
            max_connections: self
                .max_connections
                .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
            max_per_client: self.max_per_client.max(1),
            max_request_bytes: self.max_request_bytes.max(MIN_REQUEST_BYTES),
            request_timeout: self.request_timeout.max(MIN_REQUEST_TIMEOUT),
            keepalive_requests: self.keepalive_requests.max(1),
        }
    }

    /// The longest a connection may stay open: every request may use its whole head timeout.
    pub(crate) fn connection_lifetime(&self) -> Duration {
        let requests = u32::try_from(self.keepalive_requests).unwrap_or(u32::MAX);
        self.request_timeout
            .saturating_mul(requests.saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_upstream() {
        let config = HttpdConfig::default();
        assert_eq!(config.listen.to_string(), "0.0.0.0:62354");
        assert_eq!(config.limits.keepalive_requests, 8);
    }

    #[test]
    fn limits_are_made_usable() {
        let limits = Limits {
            max_connections: 0,
            max_per_client: 0,
            max_request_bytes: 10,
            request_timeout: Duration::ZERO,
            keepalive_requests: 0,
        }
        .sanitized();
        assert_eq!(limits.max_connections, 1);
        assert_eq!(limits.max_request_bytes, 8192);
        assert_eq!(limits.request_timeout, Duration::from_millis(100));
        assert_eq!(limits.keepalive_requests, 1);
        assert_eq!(limits.connection_lifetime(), Duration::from_millis(200));
        let huge = Limits {
            max_connections: usize::MAX,
            keepalive_requests: usize::MAX,
            request_timeout: Duration::MAX,
            ..Limits::default()
        }
        .sanitized();
        assert_eq!(huge.max_connections, tokio::sync::Semaphore::MAX_PERMITS);
        assert_eq!(huge.connection_lifetime(), Duration::MAX);
    }
}
