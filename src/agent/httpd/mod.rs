//! The agent's HTTP port (protocol.md §5, default port 62354): the status page, `/status` for
//! GLPI's "agent status" button, `/now` to make the agent contact its servers at once, and
//! `/metrics` for Prometheus. The daemon binds the port, fills a [`Board`], and receives the
//! [`NowRequest`]s; [`serve`] runs until the shutdown future completes.
//!
//! ```no_run
//! # async fn daemon() -> Result<(), sonde::agent::httpd::HttpdError> {
//! use std::sync::Arc;
//! use sonde::agent::httpd::{self, Board, HttpdConfig, TrustList};
//!
//! let (trust, warnings) = TrustList::parse(&["192.168.0.0/24".to_owned()]).await?;
//! # drop(warnings);
//! let config = HttpdConfig { trust, ..HttpdConfig::default() };
//! let board = Arc::new(Board::new(env!("CARGO_PKG_VERSION")));
//! let (now, mut runs) = tokio::sync::mpsc::channel(1);
//! let listener = httpd::bind(config.listen).await?;
//! let port = tokio::spawn(httpd::serve(listener, config, Arc::clone(&board), now, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! }));
//! while let Some(request) = runs.recv().await {
//!     board.set_status(format!("running {request:?}"));
//! }
//! # drop(port);
//! # Ok(())
//! # }
//! ```

/// The shared state: status, targets, counters.
mod board;
/// Listen address, trust list, limits.
mod config;
/// [`HttpdError`].
mod error;
/// The counters and their Prometheus exposition.
mod metrics;
/// The HTML status page.
mod page;
/// The routes and their trust rules.
mod routes;
/// The accept loop and the connections.
mod server;
#[cfg(test)]
mod tests;
/// The `httpd-trust` list.
mod trust;

pub use board::{Board, TargetInfo, TargetKind};
pub use config::{DEFAULT_PORT, HttpdConfig, Limits};
pub use error::HttpdError;
pub use metrics::{Counter, Gauge, Metrics};
pub use routes::NowRequest;
pub use server::{bind, serve, serve_connection};
pub use trust::{TrustList, resolve};
