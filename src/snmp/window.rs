//! The congestion window of requests to agents that have answered before: how many may wait
//! for their replies at once, grown while replies come back to the first send and halved when
//! one needs a resend (additive increase, multiplicative decrease, as TCP does).
//!
//! A sweep learns here what a path or a responder can take. When one agent (a simulator, an
//! SNMP proxy) or one slow link answers for many addresses, requests beyond what it can queue
//! are dropped; each drop costs its host a resend after a retransmission timeout, and the ones
//! whose resend is dropped too are lost. The window keeps the requests in flight near what gets
//! answered, so nothing is dropped for long. First contacts (addresses that may be dead) are not
//! counted: they are paced by the rate limiter, and a dead address must not hold a place.

use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

use crate::net::lock;

/// Requests in flight allowed at first.
pub const INITIAL: u32 = 64;
/// Never fewer than this many in flight, whatever the losses.
pub const FLOOR: u32 = 16;
/// Never more than this many (a cap; other bounds usually come first).
pub const CEILING: u32 = 4096;

/// The window: permits for requests in flight, their number following `cwnd`.
#[derive(Debug)]
pub struct Window {
    permits: Semaphore,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// The window, in requests (fractional growth in congestion avoidance).
    cwnd: f64,
    /// Below it the window grows by one per answer (slow start), above by one per window.
    ssthresh: f64,
    /// Permits in existence (held or available): the whole part of `cwnd` once settled.
    issued: u32,
    /// Permits to retire as they come back (the window shrank while they were held).
    debt: u32,
    /// When the window last shrank: losses of requests sent before are part of the same event.
    shrunk_at: Option<Instant>,
}

/// A place in the window, held while a request waits for its reply.
pub struct Place<'a> {
    window: &'a Window,
    permit: Option<SemaphorePermit<'a>>,
}

impl Default for Window {
    fn default() -> Self {
        Self::new()
    }
}

impl Window {
    /// A window of [`INITIAL`] requests.
    #[must_use]
    pub fn new() -> Self {
        Self {
            permits: Semaphore::new(INITIAL as usize),
            state: Mutex::new(State {
                cwnd: f64::from(INITIAL),
                ssthresh: f64::from(CEILING),
                issued: INITIAL,
                debt: 0,
                shrunk_at: None,
            }),
        }
    }

    /// Waits for a place in the window.
    pub async fn enter(&self) -> Place<'_> {
        // The semaphore is never closed.
        let permit = self.permits.acquire().await.ok();
        Place {
            window: self,
            permit,
        }
    }

    /// The current window, in whole requests.
    #[must_use]
    pub fn size(&self) -> u32 {
        let state = lock(&self.state);
        state.issued.saturating_sub(state.debt)
    }

    /// A reply came back to the first send.
    pub fn answered(&self) {
        let mut state = lock(&self.state);
        let step = if state.cwnd < state.ssthresh {
            1.0
        } else {
            1.0 / state.cwnd
        };
        state.cwnd = (state.cwnd + step).min(f64::from(CEILING));
        self.settle(&mut state);
    }

    /// A request sent at `sent` needed a resend, or got no reply at all, from an agent that had
    /// answered before. The window halves once per loss event: losses of requests sent before
    /// the last decrease are part of it.
    pub fn lost(&self, sent: Instant) {
        let mut state = lock(&self.state);
        if state.shrunk_at.is_some_and(|at| sent < at) {
            return;
        }
        let half = (state.cwnd / 2.0).max(f64::from(FLOOR));
        state.cwnd = half;
        state.ssthresh = half;
        state.shrunk_at = Some(Instant::now());
        self.settle(&mut state);
    }

    /// Brings the permits in existence to the whole part of the window.
    fn settle(&self, state: &mut State) {
        // `cwnd` stays within FLOOR..=CEILING, so the cast cannot truncate.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let want = state.cwnd.floor() as u32;
        let have = state.issued.saturating_sub(state.debt);
        if want > have {
            let mut grow = want - have;
            // Cancel retirements first, then add permits.
            let cancel = grow.min(state.debt);
            state.debt -= cancel;
            grow -= cancel;
            state.issued += grow;
            self.permits.add_permits(grow as usize);
        } else if want < have {
            let shrink = have - want;
            let forgotten =
                u32::try_from(self.permits.forget_permits(shrink as usize)).unwrap_or(shrink);
            state.issued -= forgotten;
            state.debt += shrink - forgotten;
        }
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut state = lock(&self.window.state);
        if state.debt > 0 {
            state.debt -= 1;
            state.issued -= 1;
            permit.forget();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn grows_by_one_per_answer_then_by_one_per_window() {
        let w = Window::new();
        assert_eq!(w.size(), INITIAL);
        for _ in 0..10 {
            w.answered();
        }
        assert_eq!(w.size(), INITIAL + 10);
        // After a loss: congestion avoidance, about one more per window of answers.
        w.lost(Instant::now());
        let half = (INITIAL + 10) / 2;
        assert_eq!(w.size(), half);
        for _ in 0..half {
            w.answered();
        }
        assert_eq!(w.size(), half);
        w.answered();
        assert_eq!(w.size(), half + 1);
    }

    #[tokio::test]
    async fn halves_once_per_loss_event_and_never_below_the_floor() {
        let w = Window::new();
        let before = Instant::now();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        w.lost(Instant::now());
        assert_eq!(w.size(), INITIAL / 2);
        // A request sent before the decrease: the same event.
        w.lost(before);
        assert_eq!(w.size(), INITIAL / 2);
        for _ in 0..10 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            w.lost(Instant::now());
        }
        assert_eq!(w.size(), FLOOR);
    }

    #[tokio::test]
    async fn places_follow_the_window_even_while_held() {
        let w = Window::new();
        let held: Vec<Place<'_>> = futures_held(&w, INITIAL as usize).await;
        // The window is full: one more waits.
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), w.enter())
                .await
                .is_err()
        );
        // It halves while every place is held: the places come back and half are retired.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        w.lost(Instant::now());
        drop(held);
        assert_eq!(w.size(), INITIAL / 2);
        let again = futures_held(&w, (INITIAL / 2) as usize).await;
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), w.enter())
                .await
                .is_err()
        );
        drop(again);
        // Growth gives places at once (one more per window of answers now).
        for _ in 0..=INITIAL / 2 {
            w.answered();
        }
        let more = futures_held(&w, (INITIAL / 2 + 1) as usize).await;
        assert_eq!(more.len(), (INITIAL / 2 + 1) as usize);
    }

    async fn futures_held(w: &Window, n: usize) -> Vec<Place<'_>> {
        let mut held = Vec::with_capacity(n);
        for _ in 0..n {
            held.push(
                tokio::time::timeout(std::time::Duration::from_secs(5), w.enter())
                    .await
                    .expect("a place"),
            );
        }
        held
    }
}
