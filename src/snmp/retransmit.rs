//! When to send a request again: the waits between sends, from the timeout, the retries and
//! the round-trip time learnt from the agent (or, for a first contact, from the network).

use std::time::Duration;

/// The waits of an exchange: `timeout` for each of `retries + 1` sends, or, once the peer's
/// round-trip time is known, a retransmission timer of a few RTTs (at least 100 ms) doubling up
/// to `timeout`, within the same total `timeout × (retries + 1)`. A lost datagram then costs a
/// fraction of a second instead of a whole timeout.
#[must_use]
pub fn schedule(timeout: Duration, retries: u32, rtt: Option<Duration>) -> Vec<Duration> {
    let sends = retries.saturating_add(1);
    let Some(rtt) = rtt else {
        return vec![timeout; sends as usize];
    };
    let budget = timeout.saturating_mul(sends);
    let floor = Duration::from_millis(100).min(timeout);
    let mut rto = (rtt * 4 + Duration::from_millis(20)).clamp(floor, timeout);
    let mut waits = Vec::with_capacity(8);
    let mut used = Duration::ZERO;
    while used < budget && waits.len() < 8 {
        let wait = rto.min(budget - used);
        waits.push(wait);
        used += wait;
        rto = (rto * 2).min(timeout);
    }
    waits
}

/// The waits of a first contact when the network's round-trip time is known from other peers
/// (a sweep): one early resend after a few RTTs (at most half the timeout), then the rest of the
/// timeout, then `retries` more full timeouts. A dead address still costs two datagrams and one
/// timeout per attempt; a first datagram lost in a burst costs a fraction of a second.
/// `jitter` (0 to 1) stretches the early wait by up to as much again: the resends of a burst's
/// lost datagrams then leave spread out instead of as a burst of their own, lost again.
#[must_use]
pub fn first_contact(
    timeout: Duration,
    retries: u32,
    network_rtt: Duration,
    jitter: f64,
) -> Vec<Duration> {
    let floor = Duration::from_millis(100).min(timeout / 2);
    let early = (network_rtt * 4 + Duration::from_millis(20)).clamp(floor, timeout / 2);
    let early = early.mul_f64(1.0 + jitter.clamp(0.0, 1.0)).min(timeout / 2);
    let mut waits = vec![early, timeout - early];
    waits.extend(std::iter::repeat_n(timeout, retries as usize));
    waits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_contact_resends_once_early_within_the_timeout() {
        let t = Duration::from_secs(1);
        let w = first_contact(t, 0, Duration::from_micros(200), 0.0);
        assert_eq!(
            w,
            vec![Duration::from_millis(100), Duration::from_millis(900)]
        );
        let w = first_contact(t, 1, Duration::from_secs(5), 0.0);
        assert_eq!(
            w,
            vec![Duration::from_millis(500), Duration::from_millis(500), t]
        );
        // Spread over up to twice the early wait, within half the timeout, the total the same.
        let w = first_contact(t, 0, Duration::from_micros(200), 0.5);
        assert_eq!(
            w,
            vec![Duration::from_millis(150), Duration::from_millis(850)]
        );
        let w = first_contact(t, 0, Duration::from_millis(100), 0.9);
        assert_eq!(
            w,
            vec![Duration::from_millis(500), Duration::from_millis(500)]
        );
    }

    #[test]
    fn schedule_without_rtt_is_timeout_per_send() {
        let t = Duration::from_secs(2);
        assert_eq!(schedule(t, 2, None), vec![t, t, t]);
    }

    #[test]
    fn schedule_with_rtt_resends_early_within_the_same_budget() {
        let t = Duration::from_secs(1);
        let w = schedule(t, 0, Some(Duration::from_millis(1)));
        assert_eq!(w[0], Duration::from_millis(100));
        assert_eq!(w[1], Duration::from_millis(200));
        assert_eq!(w[2], Duration::from_millis(400));
        assert_eq!(w.iter().sum::<Duration>(), t);
        let w = schedule(t, 1, Some(Duration::from_millis(300)));
        assert_eq!(w[0], Duration::from_secs(1));
        assert_eq!(w.iter().sum::<Duration>(), 2 * t);
        // A timeout below the floor is never exceeded.
        let short = Duration::from_millis(50);
        assert_eq!(
            schedule(short, 0, Some(Duration::from_millis(1))),
            vec![short]
        );
    }
}
