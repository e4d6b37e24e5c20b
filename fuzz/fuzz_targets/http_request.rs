//! The agent's HTTP port: the input's first byte picks the client (trusted, a server target,
//! a stranger), the rest is what the client sends on one connection, then it closes its side.
//! The real connection handling runs (hyper's HTTP/1 parser and limits, the routes and their
//! trust rules) over an in-memory pipe, and the answer is read until the port closes.
//!
//! Invariants: the port always closes the connection (no hang: time is paused, so the request
//! timeouts fire once nothing else can happen); everything it sends starts as an HTTP/1.x
//! answers; strangers never get the metrics or a run.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sonde_fuzz::{http_exchange, http_peer};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, request)) = data.split_first() else {
        return;
    };
    let peer = http_peer(selector);
    let exchange = http_exchange(peer, request);
    if selector % 3 == 2 {
        assert_eq!(exchange.runs, 0, "a stranger started a run");
    }
    let answer = exchange.answer;
    if answer.is_empty() {
        return;
    }
    assert!(
        answer.starts_with(b"HTTP/1.1 ") || answer.starts_with(b"HTTP/1.0 "),
        "not an HTTP answer: {:?}",
        String::from_utf8_lossy(&answer[..answer.len().min(200)])
    );
    if selector % 3 == 2 {
        let text = String::from_utf8_lossy(&answer);
        assert!(!text.contains("# TYPE"), "metrics for a stranger");
    }
});
