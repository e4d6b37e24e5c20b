//! A global packet-rate limiter (token bucket) shared by every probe kind: ICMP, NetBIOS, SNMP.
//!
//! [`RateLimiter::acquire`] is called once per packet, just before it is sent. Waiters are served
//! in the order they called (a fair `tokio::sync::Mutex` queue); a waiter that is dropped leaves
//! the queue without consuming anything, so cancelling a probe never costs throughput. Time is
//! tokio time, so tests pace it exactly with `tokio::time::pause()`.
//!
//! The bucket is a GCRA ("virtual scheduling"): packet `k` of a busy period may leave at
//! `start + (k + 1 - burst) / pps`, computed in integer nanoseconds from the start of the period,
//! so the pacing does not drift however long the sweep. After an idle spell the full burst is
//! available again. Tokio timers have a resolution of one millisecond: above 1,000 packets per
//! second, packets leave in small groups each millisecond, the average rate staying exact.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// The burst allowed after an idle spell, as a duration's worth of packets.
pub const BURST_WINDOW: Duration = Duration::from_millis(5);

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Paces packets to at most `pps` per second; cheap to clone (clones share one bucket).
#[derive(Clone, Debug, Default)]
pub struct RateLimiter {
    inner: Option<Arc<Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    pps: u32,
    burst: u32,
    state: Mutex<Period>,
}

/// The current busy period: packets granted since `start`.
#[derive(Debug)]
struct Period {
    start: Instant,
    granted: u64,
}

impl RateLimiter {
    /// A limiter of `pps` packets per second with a burst of [`BURST_WINDOW`]'s worth of packets
    /// (at least one); `None` or `Some(0)` means unlimited.
    #[must_use]
    pub fn new(pps: Option<u32>) -> Self {
        match pps {
            Some(pps) if pps > 0 => {
                let window = BURST_WINDOW.as_nanos();
                let burst = (u128::from(pps) * window).div_ceil(NANOS_PER_SEC);
                Self::with_burst(pps, u32::try_from(burst).unwrap_or(u32::MAX))
            }
            _ => Self::unlimited(),
        }
    }

    /// A limiter of `pps` packets per second letting `burst` packets (at least one) leave at once
    /// after an idle spell; `pps == 0` means unlimited.
    #[must_use]
    pub fn with_burst(pps: u32, burst: u32) -> Self {
        if pps == 0 {
            return Self::unlimited();
        }
        Self {
            inner: Some(Arc::new(Bucket {
                pps,
                burst: burst.max(1),
                state: Mutex::new(Period {
                    start: Instant::now(),
                    granted: 0,
                }),
            })),
        }
    }

    /// A limiter that never waits.
    #[must_use]
    pub fn unlimited() -> Self {
        Self { inner: None }
    }

    /// The configured rate; `None` when unlimited.
    #[must_use]
    pub fn pps(&self) -> Option<u32> {
        self.inner.as_ref().map(|b| b.pps)
    }

    /// The configured burst; `None` when unlimited.
    #[must_use]
    pub fn burst(&self) -> Option<u32> {
        self.inner.as_ref().map(|b| b.burst)
    }

    /// Waits until one more packet may be sent. Fair (first come, first served) and cancel-safe:
    /// dropping the future before it completes consumes nothing.
    pub async fn acquire(&self) {
        let Some(bucket) = &self.inner else { return };
        let mut period = bucket.state.lock().await;
        let now = Instant::now();
        if bucket.offset(period.granted) <= now.saturating_duration_since(period.start) {
            // No debt left (the theoretical time of the next packet has passed): the bucket is
            // full again, a new period starts.
            period.start = now;
            period.granted = 0;
        }
        // Packet `granted` may leave `burst - 1` intervals before its theoretical time.
        let slot = period
            .granted
            .checked_add(1)
            .and_then(|k| k.checked_sub(u64::from(bucket.burst)));
        if let Some(k) = slot {
            let at = period.start + bucket.offset(k);
            // Cancelled here: the lock is released and `granted` unchanged.
            tokio::time::sleep_until(at).await;
        }
        period.granted = period.granted.saturating_add(1);
    }
}

impl Bucket {
    /// Time of the `k`-th packet of a period after its start, `k / pps` seconds.
    fn offset(&self, k: u64) -> Duration {
        let nanos = u128::from(k) * NANOS_PER_SEC / u128::from(self.pps);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times (in µs from the first call) at which `n` sequential acquires complete.
    async fn schedule(limiter: &RateLimiter, n: usize) -> Vec<u128> {
        let t0 = Instant::now();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            limiter.acquire().await;
            out.push(t0.elapsed().as_micros());
        }
        out
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_never_waits() {
        let limiter = RateLimiter::new(None);
        assert_eq!(schedule(&limiter, 1000).await, vec![0; 1000]);
        assert_eq!(RateLimiter::new(Some(0)).pps(), None);
        assert_eq!(limiter.burst(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_exact_pacing() {
        let limiter = RateLimiter::with_burst(1000, 3);
        let times = schedule(&limiter, 8).await;
        // Three at once, then one per millisecond.
        assert_eq!(times, vec![0, 0, 0, 1000, 2000, 3000, 4000, 5000]);
    }

    #[tokio::test(start_paused = true)]
    async fn default_burst_is_a_few_ms_worth() {
        assert_eq!(RateLimiter::new(Some(1000)).burst(), Some(5));
        assert_eq!(RateLimiter::new(Some(10)).burst(), Some(1));
        assert_eq!(RateLimiter::new(Some(100_000)).burst(), Some(500));
        assert_eq!(RateLimiter::new(Some(7)).pps(), Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn no_drift_with_uneven_intervals() {
        // 3 pps: intervals of 333,333,333.3 ns must not accumulate rounding.
        let limiter = RateLimiter::with_burst(3, 1);
        let t0 = Instant::now();
        for _ in 0..=3000 {
            limiter.acquire().await;
        }
        assert_eq!(t0.elapsed(), Duration::from_secs(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn refills_after_idle() {
        let limiter = RateLimiter::with_burst(1000, 4);
        schedule(&limiter, 10).await;
        // The bucket refills at the rate: after 10 ms of silence the full burst is back.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let times = schedule(&limiter, 6).await;
        assert_eq!(times, vec![0, 0, 0, 0, 1000, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn partial_refill() {
        // (Tokio timers have millisecond resolution: keep the instants whole milliseconds.)
        let limiter = RateLimiter::with_burst(100, 4);
        // Four at once, then 10 ms apart: the bucket is empty at 60 ms.
        assert_eq!(
            schedule(&limiter, 10).await,
            vec![0, 0, 0, 0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
        // 1.5 tokens recovered: one at once, the next at 80 ms, then back to 10 ms apart.
        let times = schedule(&limiter, 3).await;
        assert_eq!(times, vec![0, 5_000, 15_000]);
    }

    #[tokio::test(start_paused = true)]
    async fn shared_between_clones_and_fair() {
        let limiter = RateLimiter::with_burst(100, 1);
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..5u64 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move {
                // Stagger the arrivals so the queue order is known.
                tokio::time::sleep(Duration::from_micros(i)).await;
                l.acquire().await;
                (i, t0.elapsed().as_millis())
            }));
        }
        let mut got = Vec::new();
        for t in tasks {
            got.push(t.await.unwrap());
        }
        assert_eq!(got, vec![(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)]);
    }

    #[tokio::test(start_paused = true)]
    async fn cancelled_waiter_costs_nothing() {
        let limiter = RateLimiter::with_burst(100, 1);
        limiter.acquire().await; // t = 0
        // A waiter that gives up before its slot (10 ms) leaves no hole.
        let gave_up = tokio::time::timeout(Duration::from_millis(5), limiter.acquire()).await;
        assert!(gave_up.is_err());
        let t0 = Instant::now();
        limiter.acquire().await;
        assert_eq!(t0.elapsed(), Duration::from_millis(5)); // at 10 ms, not 20 ms
    }
}
