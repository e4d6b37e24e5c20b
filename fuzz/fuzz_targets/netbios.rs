//! NetBIOS node status replies (NBSTAT answers to the `*` query), as the discovery reads them,
//! and the query check of the fake responder.
//!
//! Invariants: a parsed reply came from a response packet with its transaction id; the name
//! fields are among the names of the table; the MAC is six lower-case hex pairs; the parsed
//! table, answered again by the responder, parses to the same names and fields.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sonde::net::netbios::responder::{NodeTable, node_status_query_id, node_status_response};
use sonde::net::netbios::{parse_node_status, response_id};

fuzz_target!(|data: &[u8]| {
    let _ = node_status_query_id(data);
    let Some(status) = parse_node_status(data) else {
        return;
    };
    let id = response_id(data).expect("a parsed reply is a response");
    let named = |field: &Option<String>| {
        field
            .as_ref()
            .is_none_or(|n| status.names.iter().any(|e| &e.name == n))
    };
    assert!(named(&status.name) && named(&status.workgroup) && named(&status.user));
    let mac = status.mac.as_deref().map(mac_bytes);
    if let Some(bytes) = mac {
        assert!(bytes.iter().any(|&b| b != 0), "an all-zero MAC is no MAC");
    }

    // What the responder would answer with this table reads back the same, when every name fits
    // the 15 bytes of a NetBIOS name (a Latin-1 name may not, once in UTF-8).
    if status.names.len() <= 255 && status.names.iter().all(|n| n.name.len() <= 15) {
        let table = NodeTable {
            names: status.names.clone(),
            mac: mac.unwrap_or_default(),
        };
        let again = parse_node_status(&node_status_response(id, &table))
            .expect("the responder's reply parses");
        assert_eq!(again, status, "responder round trip");
    }
});

fn mac_bytes(text: &str) -> [u8; 6] {
    let parts: Vec<&str> = text.split(':').collect();
    assert_eq!(parts.len(), 6, "MAC {text}");
    let mut out = [0u8; 6];
    for (slot, part) in out.iter_mut().zip(&parts) {
        assert!(
            part.len() == 2
                && part
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
            "MAC {text}"
        );
        *slot = u8::from_str_radix(part, 16).expect("hex");
    }
    out
}
