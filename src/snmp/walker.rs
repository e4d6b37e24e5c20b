//! Subtree walks: GETBULK with adaptive max-repetitions, GETNEXT for v1 and for agents that
//! mishandle bulk, and every way a walk ends (end of subtree, endOfMibView, non-increasing OIDs).

use super::client::Session;
use super::credential::Version;
use super::error::{Result, SnmpError};
use super::oid::Oid;
use super::pdu::ErrorStatus;
use super::value::{Value, Varbind};

/// Walk settings.
#[derive(Clone, Copy, Debug)]
pub struct WalkOptions {
    /// First max-repetitions of GETBULK; halved on tooBig or timeout.
    pub max_repetitions: u32,
    /// Use GETBULK when the version allows it.
    pub bulk: bool,
    /// Stop after this many varbinds (a bound against agents that never end); for
    /// [`walk_columns`](super::table::walk_columns), all columns together.
    pub max_varbinds: usize,
    /// Shrink-and-retry rounds allowed after timeouts before the timeout is reported.
    pub timeout_shrinks: u32,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            max_repetitions: 25,
            bulk: true,
            max_varbinds: 5_000_000,
            timeout_shrinks: 2,
        }
    }
}

/// Why a walk stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalkEnd {
    /// The next OID lies outside the subtree (the normal end).
    EndOfSubtree,
    /// The agent said endOfMibView (or noSuchName in v1).
    EndOfMibView,
    /// The agent returned an OID not after the previous one; walking on would loop.
    NotIncreasing {
        /// Last OID accepted.
        previous: Oid,
        /// The OID that did not increase.
        received: Oid,
    },
    /// `max_varbinds` was reached.
    Limit,
}

/// The varbinds of a subtree and how the walk ended.
#[derive(Clone, Debug)]
pub struct WalkResult {
    /// Varbinds in the order received (increasing OIDs).
    pub varbinds: Vec<Varbind>,
    /// Why it stopped.
    pub end: WalkEnd,
    /// Requests sent (round trips, retries not counted).
    pub requests: u32,
}

/// Walks the subtree under `root`.
pub async fn walk(session: &Session, root: &Oid, opts: WalkOptions) -> Result<WalkResult> {
    let mut state = Walk {
        root,
        out: Vec::new(),
        last: None,
        max: opts.max_varbinds,
    };
    let mut bulk = opts.bulk && session.version() != Version::V1;
    let mut reps = opts.max_repetitions.max(1);
    let mut shrinks_left = opts.timeout_shrinks;
    let mut requests = 0u32;
    loop {
        let cursor = state.last.clone().unwrap_or_else(|| root.clone());
        requests = requests.saturating_add(1);
        let answer = if bulk {
            session
                .get_bulk(0, reps, std::slice::from_ref(&cursor))
                .await
        } else {
            session.get_next(std::slice::from_ref(&cursor)).await
        };
        let varbinds = match answer {
            Ok(v) if v.is_empty() && bulk => {
                // An empty bulk answer: this agent does not do bulk properly.
                bulk = false;
                continue;
            }
            Ok(v) => v,
            Err(SnmpError::TooBig { .. }) if bulk && reps > 1 => {
                reps = (reps / 2).max(1);
                continue;
            }
            Err(SnmpError::TooBig { .. }) if bulk => {
                bulk = false;
                continue;
            }
            Err(SnmpError::Timeout { .. }) if bulk && reps > 1 && shrinks_left > 0 => {
                // Large answers may be lost on the way (fragments): ask for fewer.
                shrinks_left -= 1;
                reps = (reps / 4).max(1);
                continue;
            }
            Err(SnmpError::ErrorStatus {
                status: ErrorStatus::NoSuchName,
                ..
            }) if !bulk => {
                return Ok(state.finish(WalkEnd::EndOfMibView, requests));
            }
            Err(SnmpError::ErrorStatus { .. }) if bulk => {
                // genErr & co. on GETBULK from agents that mishandle it: use GETNEXT.
                bulk = false;
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(end) = state.take(varbinds) {
            return Ok(state.finish(end, requests));
        }
    }
}

struct Walk<'a> {
    root: &'a Oid,
    out: Vec<Varbind>,
    last: Option<Oid>,
    max: usize,
}

impl Walk<'_> {
    /// Takes the varbinds of one answer; returns why the walk ends, if it does.
    fn take(&mut self, varbinds: Vec<Varbind>) -> Option<WalkEnd> {
        for vb in varbinds {
            if matches!(vb.value, Value::EndOfMibView) {
                return Some(WalkEnd::EndOfMibView);
            }
            if !vb.oid.starts_with(self.root) || vb.oid == *self.root {
                return Some(WalkEnd::EndOfSubtree);
            }
            if let Some(prev) = &self.last
                && vb.oid <= *prev
            {
                return Some(WalkEnd::NotIncreasing {
                    previous: prev.clone(),
                    received: vb.oid,
                });
            }
            if matches!(vb.value, Value::NoSuchObject | Value::NoSuchInstance) {
                // Not a valid GETNEXT answer; treat as the end of what the agent can give.
                return Some(WalkEnd::EndOfMibView);
            }
            self.last = Some(vb.oid.clone());
            self.out.push(vb);
            if self.out.len() >= self.max {
                return Some(WalkEnd::Limit);
            }
        }
        None
    }

    fn finish(self, end: WalkEnd, requests: u32) -> WalkResult {
        if let WalkEnd::NotIncreasing { previous, received } = &end {
            tracing::warn!(%previous, %received, "agent returned a non-increasing OID; walk stopped");
        }
        WalkResult {
            varbinds: self.out,
            end,
            requests,
        }
    }
}
