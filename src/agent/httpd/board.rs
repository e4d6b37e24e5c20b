//! The board: what the daemon publishes and the HTTP port shows. The daemon writes the agent's
//! status, its targets (name, next run, server addresses) and the [`Metrics`] counters; the
//! pages read them. Shared as `Arc<Board>`; every method takes `&self`.

use std::net::IpAddr;
use std::path::Path;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use reqwest::Url;

use super::metrics::Metrics;
use crate::transport::url::redacted;

/// The status shown before the daemon sets one.
const INITIAL_STATUS: &str = "waiting";

/// What kind of target a [`TargetInfo`] describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A GLPI / FusionInventory server (`server0`, …).
    Server,
    /// A local directory or file (`local0`, …).
    Local,
}

/// One target as the HTTP port shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    /// `server0`, `local0`, …
    pub id: String,
    /// Server or local.
    pub kind: TargetKind,
    /// What to call it: the server URL without credentials, or the local path.
    pub name: String,
    /// The server's web origin (`https://glpi.example.com:8443`) allowed to ask for a run from
    /// a browser (CORS); `None` for local targets.
    pub origin: Option<String>,
    /// The next planned run, in seconds since the Unix epoch; `None` when not planned.
    pub next_run: Option<i64>,
    /// The server host's addresses. A request for a run coming from one of them is trusted and
    /// runs this target only. Empty for local targets.
    pub addresses: Vec<IpAddr>,
}

impl TargetInfo {
    /// A server target; its name is the URL with any user name and password removed.
    pub fn server(id: impl Into<String>, url: &Url) -> TargetInfo {
        let origin = url.origin();
        TargetInfo {
            id: id.into(),
            kind: TargetKind::Server,
            name: redacted(url),
            origin: origin.is_tuple().then(|| origin.ascii_serialization()),
            next_run: None,
            addresses: Vec::new(),
        }
    }

    /// A local target (directory, file or `-`).
    pub fn local(id: impl Into<String>, path: &Path) -> TargetInfo {
        TargetInfo {
            id: id.into(),
            kind: TargetKind::Local,
            name: path.display().to_string(),
            origin: None,
            next_run: None,
            addresses: Vec::new(),
        }
    }

    /// With this next run date (seconds since the Unix epoch).
    #[must_use]
    pub fn with_next_run(mut self, next_run: i64) -> TargetInfo {
        self.next_run = Some(next_run);
        self
    }

    /// With these server addresses.
    #[must_use]
    pub fn with_addresses(mut self, addresses: Vec<IpAddr>) -> TargetInfo {
        self.addresses = addresses;
        self
    }
}

/// The shared state between the daemon and the HTTP port.
#[derive(Debug)]
pub struct Board {
    version: String,
    started: i64,
    state: RwLock<State>,
    metrics: Metrics,
}

#[derive(Debug)]
struct State {
    status: String,
    targets: Vec<TargetInfo>,
}

impl Board {
    /// A board for this agent version, status `waiting`, no targets, counters at zero.
    pub fn new(version: impl Into<String>) -> Board {
        Board {
            version: one_line(&version.into()),
            started: jiff::Timestamp::now().as_second(),
            state: RwLock::new(State {
                status: INITIAL_STATUS.to_owned(),
                targets: Vec::new(),
            }),
            metrics: Metrics::default(),
        }
    }

    /// The agent version shown on the status page.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// When the board was made (the agent started), in seconds since the Unix epoch.
    pub fn started(&self) -> i64 {
        self.started
    }

    /// The agent status: `waiting`, `running task NetDiscovery`, …
    pub fn status(&self) -> String {
        self.read().status.clone()
    }

    /// Sets the status. Line breaks and other control characters become spaces.
    pub fn set_status(&self, status: impl Into<String>) {
        self.write().status = one_line(&status.into());
    }

    /// Replaces the targets (at start and after a configuration reload).
    pub fn set_targets(&self, targets: Vec<TargetInfo>) {
        self.write().targets = targets;
    }

    /// A copy of the targets, in the order given.
    pub fn targets(&self) -> Vec<TargetInfo> {
        self.read().targets.clone()
    }

    /// Sets a target's next run; false if there is no target `id`.
    pub fn set_next_run(&self, id: &str, next_run: Option<i64>) -> bool {
        self.update(id, |target| target.next_run = next_run)
    }

    /// Sets a server target's addresses (after resolving its host again); false if there is no
    /// target `id`.
    pub fn set_addresses(&self, id: &str, addresses: Vec<IpAddr>) -> bool {
        self.update(id, |target| target.addresses = addresses)
    }

    /// The first server target `ip` belongs to (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn server_target_for(&self, ip: IpAddr) -> Option<String> {
        let ip = ip.to_canonical();
        self.read()
            .targets
            .iter()
            .find(|t| {
                t.kind == TargetKind::Server && t.addresses.iter().any(|a| a.to_canonical() == ip)
            })
            .map(|t| t.id.clone())
    }

    /// Whether `origin` (a browser's `Origin` header) is a server target's web origin.
    pub fn is_server_origin(&self, origin: &str) -> bool {
        self.read()
            .targets
            .iter()
            .any(|t| t.origin.as_deref() == Some(origin))
    }

    /// The counters and gauges.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn update(&self, id: &str, change: impl FnOnce(&mut TargetInfo)) -> bool {
        let mut state = self.write();
        match state.targets.iter_mut().find(|t| t.id == id) {
            Some(target) => {
                change(target);
                true
            }
            None => false,
        }
    }

    // A writer that panicked leaves consistent data (plain assignments), so poisoning is ignored.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `text` with control characters (line breaks included) replaced by spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn server_targets_hide_credentials_and_know_their_origin() {
        let url =
            Url::parse("https://user:secret@glpi.example.com:8443/front/inventory.php").unwrap();
        let target = TargetInfo::server("server0", &url);
        assert_eq!(
            target.name,
            "https://glpi.example.com:8443/front/inventory.php"
        );
        assert_eq!(
            target.origin.as_deref(),
            Some("https://glpi.example.com:8443")
        );
        let plain = TargetInfo::server("server1", &Url::parse("http://glpi/").unwrap());
        assert_eq!(plain.origin.as_deref(), Some("http://glpi"));
        let local = TargetInfo::local("local0", Path::new("/var/tmp"));
        assert_eq!((local.name.as_str(), local.origin), ("/var/tmp", None));
    }

    #[test]
    fn status_and_targets() {
        let board = Board::new("1.2.3");
        assert_eq!(board.version(), "1.2.3");
        assert_eq!(board.status(), "waiting");
        board.set_status("running task\nNetDiscovery");
        assert_eq!(board.status(), "running task NetDiscovery");
        let url = Url::parse("http://glpi/").unwrap();
        board.set_targets(vec![
            TargetInfo::local("local0", Path::new("/tmp")).with_addresses(vec![ip("192.0.2.1")]),
            TargetInfo::server("server0", &url).with_addresses(vec![ip("192.0.2.1")]),
            TargetInfo::server("server1", &url).with_addresses(vec![ip("::ffff:192.0.2.2")]),
        ]);
        // Local targets have no say over /now.
        assert_eq!(
            board.server_target_for(ip("192.0.2.1")).as_deref(),
            Some("server0")
        );
        assert_eq!(
            board.server_target_for(ip("::ffff:192.0.2.1")).as_deref(),
            Some("server0")
        );
        assert_eq!(
            board.server_target_for(ip("192.0.2.2")).as_deref(),
            Some("server1")
        );
        assert_eq!(board.server_target_for(ip("192.0.2.3")), None);
        assert!(board.set_next_run("server1", Some(1_800_000_000)));
        assert!(!board.set_next_run("server9", Some(1)));
        assert!(board.set_addresses("server1", vec![ip("192.0.2.3")]));
        assert_eq!(
            board.server_target_for(ip("192.0.2.3")).as_deref(),
            Some("server1")
        );
        assert_eq!(board.targets()[2].next_run, Some(1_800_000_000));
        assert!(board.is_server_origin("http://glpi"));
        assert!(!board.is_server_origin("http://evil.example"));
    }
}
