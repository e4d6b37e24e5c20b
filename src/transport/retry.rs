//! Politeness toward servers: at most a few uploads in flight per server, and back-off between
//! tries after 429, 5xx or network failures, honouring `Retry-After`.
//!
//! The delay is a pure function of the attempt number, the server's `Retry-After` and a random
//! source, so tests can check it: exponential from [`RetryPolicy::base`], doubled per attempt,
//! capped at [`RetryPolicy::cap`], with "equal jitter" (uniform in the upper half). A
//! `Retry-After` is a floor: never retry earlier than the server asked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use rand::{Rng, RngExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How [`super::Client::post_with_retries`] retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (at least 1).
    pub max_attempts: u32,
    /// No new try starts after this much time since the first one.
    pub max_total: Duration,
    /// The delay before the first retry, before jitter.
    pub base: Duration,
    /// The largest back-off delay.
    pub cap: Duration,
    /// A server asking (`Retry-After`) to wait longer than this is not retried now: the error is
    /// returned and the caller's schedule decides.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_total: Duration::from_secs(600),
            base: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 = the first retry), given the server's
    /// `Retry-After` if any. Never less than `retry_after`; never more than
    /// `max(cap, min(retry_after, max_retry_after))`.
    pub fn delay<R: Rng + ?Sized>(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        rng: &mut R,
    ) -> Duration {
        let exponential = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(self.cap);
        let half = exponential / 2;
        let jitter_nanos = u64::try_from((exponential - half).as_nanos()).unwrap_or(u64::MAX);
        let backoff = half + Duration::from_nanos(rng.random_range(0..=jitter_nanos));
        match retry_after {
            Some(asked) => backoff.max(asked.min(self.max_retry_after)),
            None => backoff,
        }
    }
}

/// [`RetryPolicy::delay`] with the default policy (1 s doubling to 60 s, Retry-After up to 300 s).
pub fn retry_delay<R: Rng + ?Sized>(
    attempt: u32,
    retry_after: Option<Duration>,
    rng: &mut R,
) -> Duration {
    RetryPolicy::default().delay(attempt, retry_after, rng)
}

/// A `Retry-After` header value as a delay from `now`: delay-seconds, or an HTTP date (a date in
/// the past gives zero). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(value)
        .ok()?;
    let when = SystemTime::from(date);
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// At most `per_server` requests in flight to each server (scheme, host and port).
#[derive(Debug)]
pub(crate) struct ServerLimiter {
    per_server: usize,
    servers: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl ServerLimiter {
    pub(crate) fn new(per_server: usize) -> ServerLimiter {
        ServerLimiter {
            per_server: per_server.max(1),
            servers: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot to `origin`; the slot is freed when the permit is dropped.
    pub(crate) async fn acquire(&self, origin: &str) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut servers = self.servers.lock().unwrap_or_else(PoisonError::into_inner);
            servers
                .entry(origin.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_server)))
                .clone()
        };
        loop {
            // The semaphore is never closed, so this only loops in theory.
            if let Ok(permit) = semaphore.clone().acquire_owned().await {
                return permit;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn exponential_with_equal_jitter_and_a_cap() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 0..40 {
            let full = Duration::from_secs(1u64 << attempt.min(20)).min(policy.cap);
            for _ in 0..200 {
                let delay = policy.delay(attempt, None, &mut rng);
                assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
            }
        }
        let delays: Vec<Duration> = (0..50).map(|_| policy.delay(3, None, &mut rng)).collect();
        assert!(delays.iter().any(|d| *d != delays[0]), "jitter varies");
    }

    #[test]
    fn retry_after_is_a_floor_up_to_its_own_cap() {
        let mut rng = StdRng::seed_from_u64(1);
        let policy = RetryPolicy::default();
        let delay = retry_delay(0, Some(Duration::from_secs(30)), &mut rng);
        assert!(
            delay >= Duration::from_secs(30) && delay <= policy.cap,
            "{delay:?}"
        );
        let delay = policy.delay(0, Some(Duration::from_secs(3600)), &mut rng);
        assert_eq!(delay, policy.max_retry_after);
        let delay = policy.delay(6, Some(Duration::from_secs(1)), &mut rng);
        assert!(
            delay >= Duration::from_secs(30),
            "back-off wins when longer: {delay:?}"
        );
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_757); // 1994-11-06 08:49:17 UTC
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(20))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[tokio::test]
    async fn the_limiter_bounds_each_server_separately() {
        let limiter = ServerLimiter::new(2);
        let a1 = limiter.acquire("http://a:80").await;
        let _a2 = limiter.acquire("http://a:80").await;
        let _b1 = limiter.acquire("http://b:80").await;
        let third = tokio::time::timeout(Duration::from_millis(50), limiter.acquire("http://a:80"));
        assert!(third.await.is_err(), "a third upload to a waits");
        drop(a1);
        let third =
            tokio::time::timeout(Duration::from_millis(500), limiter.acquire("http://a:80"));
        assert!(third.await.is_ok());
    }
}
