//! SNMP messages as they arrive from the network: v1/v2c and v3 decoding, USM processing of v3
//! (digest check and decryption with a fixed user's keys), and the simulator's answer to a
//! request.
//!
//! Invariants: a message that decodes re-encodes to bytes that decode to the same message;
//! `decode`, `decode_v3` and `peek_id` agree; the auth-params range points at the auth params;
//! any scoped PDU that decodes survives being encrypted, signed, verified and decrypted with
//! every user's keys; the simulator answers only with a well-formed response to the same
//! request-id.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sonde::snmp::message::{
    self, FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE, Message, ScopedData, ScopedPdu, UsmParams,
};
use sonde::snmp::pdu::PduType;
use sonde::snmp::usm;
use sonde::snmp::{AgentOptions, Version, agent};
use sonde_fuzz::{communities, seal, user_for, users};

fuzz_target!(|data: &[u8]| {
    community_and_any(data);
    v3(data);
    simulator(data);
});

fn community_and_any(data: &[u8]) {
    let Ok(decoded) = message::decode(data) else {
        return;
    };
    match &decoded {
        Message::Community(m) => {
            let again = message::decode(&m.encode()).expect("a re-encoded message decodes");
            assert_eq!(again, decoded, "v1/v2c round trip");
            assert_eq!(
                message::peek_id(data),
                Some((m.version, m.pdu.request_id)),
                "peek_id of a v1/v2c message"
            );
        }
        Message::V3(m) => {
            let v3 = message::decode_v3(data).expect("decode_v3 takes what decode takes");
            assert_eq!(&v3.message, m, "decode and decode_v3 agree");
            assert_eq!(message::peek_id(data), Some((Version::V3, m.msg_id)));
        }
    }
}

fn v3(data: &[u8]) {
    let Ok(decoded) = message::decode_v3(data) else {
        return;
    };
    let m = decoded.message.clone();
    assert_eq!(
        data.get(decoded.auth_range.clone()),
        Some(&m.usm.auth_params[..]),
        "auth range"
    );
    let (bytes, range) = m.encode();
    let again = message::decode_v3(&bytes).expect("a re-encoded v3 message decodes");
    assert_eq!(again.message, m, "v3 round trip");
    assert_eq!(again.auth_range, range, "v3 auth range after re-encoding");

    // USM as the client does it for a response, with the keys of the user named.
    let user = user_for(&m.usm.user);
    let opened = usm::open(data, decoded, Some(&user.auth), Some(&user.privacy));
    if let Ok(opened) = &opened {
        assert_eq!(opened.authenticated, m.flags & FLAG_AUTH != 0);
        if let ScopedData::Plain(s) = &m.data {
            assert_eq!(&opened.scoped, s, "a plain scoped PDU is taken as it is");
        }
        reseal(&opened.scoped, &m.usm, m.msg_id);
    } else if let ScopedData::Plain(s) = &m.data {
        reseal(s, &m.usm, m.msg_id);
    }
}

/// Encrypts and signs `scoped` for each user, then opens it again: the same PDU must come out.
fn reseal(scoped: &ScopedPdu, usm_params: &UsmParams, msg_id: i32) {
    for (i, user) in users().iter().enumerate() {
        let flags = FLAG_AUTH | FLAG_PRIV | FLAG_REPORTABLE;
        let salt = u64::from(usm_params.engine_time) << 8 | i as u64;
        let bytes = seal(msg_id, flags, usm_params.clone(), scoped, user, salt);
        let decoded = message::decode_v3(&bytes).expect("a sealed message decodes");
        let opened = usm::open(&bytes, decoded, Some(&user.auth), Some(&user.privacy))
            .expect("a sealed message opens with its keys");
        assert!(opened.authenticated);
        assert_eq!(&opened.scoped, scoped, "sealed round trip");
    }
}

fn simulator(data: &[u8]) {
    let opts = AgentOptions {
        max_response: 1500,
        bulk: data.len().is_multiple_of(2),
    };
    let Some(answer) = agent::respond(data, communities(), &opts) else {
        return;
    };
    let Ok(Message::Community(request)) = message::decode(data) else {
        panic!("the simulator answered something that is not a v1/v2c request");
    };
    match message::decode(&answer) {
        Ok(Message::Community(reply)) => {
            assert_eq!(reply.pdu.pdu_type, PduType::Response);
            assert_eq!(reply.pdu.request_id, request.pdu.request_id);
            assert_eq!(reply.version, request.version);
            assert_eq!(reply.community, request.community);
        }
        other => panic!("the simulator's answer does not decode: {other:?}"),
    }
}
