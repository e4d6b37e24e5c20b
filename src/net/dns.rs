//! Reverse DNS (PTR) through the system resolver, for DNSHOSTNAME.
//!
//! `getnameinfo` (nsswitch: hosts file, DNS, mDNS… as configured) is blocking, so each lookup
//! runs on tokio's blocking pool. A semaphore bounds how many run at once, and the permit stays
//! with the blocking call until it really returns, so lookups that outlive their timeout cannot
//! pile up threads. FusionInventory itself does no reverse DNS (DNSHOSTNAME is the IP after a
//! ping); this is for the engine to use if it wants names.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Lookups in progress at once by default.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Longest a lookup is waited for by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Bounded reverse lookups; cheap to clone (clones share the bound).
#[derive(Clone, Debug)]
pub struct ReverseDns {
    slots: Arc<Semaphore>,
    timeout: Duration,
}

impl Default for ReverseDns {
    fn default() -> Self {
        Self::new(DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT)
    }
}

impl ReverseDns {
    /// At most `concurrency` (at least one) lookups at once, each waited for at most `timeout`
    /// once it has started.
    #[must_use]
    pub fn new(concurrency: usize, timeout: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            timeout,
        }
    }

    /// The name of `ip`, without a trailing dot; `None` when there is none, the lookup fails or
    /// times out, or the "name" is just the address again. Waiting for a free slot does not
    /// count against the timeout: bound the whole call with `tokio::time::timeout` if needed.
    pub async fn lookup(&self, ip: IpAddr) -> Option<String> {
        let permit = Arc::clone(&self.slots).acquire_owned().await.ok()?;
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            dns_lookup::lookup_addr(&ip)
        });
        let name = match tokio::time::timeout(self.timeout, job).await {
            Ok(Ok(Ok(name))) => name,
            Ok(Ok(Err(e))) => {
                tracing::trace!(%ip, error = %e, "no reverse DNS name");
                return None;
            }
            Ok(Err(_)) | Err(_) => {
                tracing::debug!(%ip, "reverse DNS lookup failed or timed out");
                return None;
            }
        };
        clean_name(ip, &name)
    }
}

/// The name without a trailing dot; `None` when empty or just `ip` written out.
fn clean_name(ip: IpAddr, name: &str) -> Option<String> {
    let name = name.trim().trim_end_matches('.');
    let same = name.parse::<IpAddr>().is_ok_and(|n| n == ip);
    (!name.is_empty() && !same).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_names() {
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(clean_name(ip, "localhost.").as_deref(), Some("localhost"));
        assert_eq!(clean_name(ip, "127.0.0.1"), None);
        assert_eq!(clean_name(ip, ""), None);
        assert_eq!(clean_name("::1".parse().unwrap(), "0:0::1"), None);
        assert_eq!(clean_name(ip, "10.0.0.1").as_deref(), Some("10.0.0.1"));
    }

    #[tokio::test]
    async fn loopback_names() {
        let dns = ReverseDns::default();
        // /etc/hosts normally names 127.0.0.1; whatever it says, it is never the address itself.
        let name = dns.lookup("127.0.0.1".parse().unwrap()).await;
        assert_ne!(name.as_deref(), Some("127.0.0.1"));
        let name = dns.lookup("::1".parse().unwrap()).await;
        assert_ne!(name.as_deref(), Some("::1"));
    }

    #[tokio::test]
    async fn bounded_concurrency() {
        let dns = ReverseDns::new(2, Duration::from_secs(5));
        let lookups: Vec<_> = (0..4)
            .map(|_| {
                let dns = dns.clone();
                tokio::spawn(async move { dns.lookup("127.0.0.1".parse().unwrap()).await })
            })
            .collect();
        for l in lookups {
            let _ = l.await.unwrap();
        }
        assert_eq!(dns.slots.available_permits(), 2);
    }
}
