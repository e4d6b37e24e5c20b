//! The server's XML answers: the body as the transport decodes it (decompression by
//! Content-Type or sniffing, bounded; XML/JSON/empty classification; the one-line message of an
//! error page), then the PROLOG `REPLY` and the protocol choice of `parse_server_answer`, with
//! every accessor the agent calls on a reply.
//!
//! Invariants: decoding respects its size limit; `parse_server_answer` takes an answer that is
//! not JSON-shaped exactly as `parse_reply` does; every kept IP range is non-empty and every job
//! timeout is above 0 and at most 60 s; the server message is one bounded line.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use sonde::agent::protocol::{self, ServerAnswer, process_numbers, sends_start_end};
use sonde::transport::reply::{self, ReplyKind};

/// The largest decompressed reply the target accepts (the agent's default is larger; this is
/// enough to reach the limit with small inputs).
const LIMIT: usize = 64 * 1024;

const CONTENT_TYPES: [Option<&str>; 4] = [
    None,
    Some("application/x-compress-zlib"),
    Some("application/x-compress-gzip"),
    Some("application/xml"),
];

fuzz_target!(|data: &[u8]| {
    answer(data);
    for content_type in CONTENT_TYPES {
        if let Ok(decoded) = reply::decode(200, content_type, data, LIMIT) {
            assert!(decoded.body.len() <= 3 * LIMIT, "decoded beyond the limit");
            match decoded.kind {
                ReplyKind::Xml => assert!(decoded.body.starts_with('<')),
                ReplyKind::Json => assert!(decoded.body.starts_with('{')),
                ReplyKind::Empty => assert!(decoded.body.is_empty()),
            }
            let _ = decoded.server_error();
            // The decoded text is what the agent parses.
            if content_type.is_none() {
                answer(decoded.body.as_bytes());
            }
        }
        let message = reply::server_message(data, content_type, 160);
        assert!(message.chars().count() <= 160 && !message.contains('\n'));
    }
});

fn answer(data: &[u8]) {
    let legacy = protocol::parse_reply(data);
    if let Ok(reply) = &legacy {
        check_reply(reply);
    }
    let trimmed = data.trim_ascii();
    let json_shaped = trimmed.starts_with(b"{") && trimmed.ends_with(b"}");
    match protocol::parse_server_answer(data) {
        Ok(ServerAnswer::Legacy(reply)) => {
            assert!(!json_shaped);
            assert_eq!(Ok(&reply), legacy.as_ref(), "the same REPLY");
        }
        Ok(ServerAnswer::Glpi(contact)) => {
            assert!(json_shaped);
            let _ = contact.expiration();
        }
        Err(_) if !json_shaped => assert!(legacy.is_err(), "a REPLY refused"),
        Err(_) => {}
    }
}

fn check_reply(reply: &protocol::Reply) {
    let _ = (reply.inventory_requested(), reply.max_delay());
    let _ = reply.unsupported_options();
    for job in reply.netdiscovery_jobs() {
        assert!(
            job.ranges.iter().all(|r| !r.is_empty()),
            "an empty range kept"
        );
        assert!(job.address_count() >= job.ranges.len() as u128);
        for range in &job.ranges {
            assert!(!range.ports_or_default().is_empty());
            assert!(!range.protocols_or_default().is_empty());
        }
        check_common(job.threads(), job.timeout());
        let _ = (job.check(), job.snmp_credentials());
    }
    let inventory = reply.netinventory_jobs();
    for job in &inventory {
        check_common(job.threads(), job.timeout());
        let _ = job.check();
        for device in &job.devices {
            let _ = (job.device_credential(device), device.device_type());
        }
    }
    assert_eq!(process_numbers(&inventory).len(), inventory.len());
    let _ = sends_start_end(&inventory);
    for job in reply.wakeonlan_jobs() {
        let _ = job.targets.len();
    }
}

fn check_common(threads: u32, timeout: Duration) {
    assert!(threads >= 1);
    assert!(timeout > Duration::ZERO && timeout <= Duration::from_secs(60));
}
