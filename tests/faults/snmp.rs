//! Agents that misbehave on purpose (scripted on a loopback socket): non-increasing OIDs,
//! garbage, unreadable and mismatched replies, error statuses, columns that never end. Each ends
//! classified, never in a hang.

use std::net::SocketAddr;
use std::time::Duration;

use sonde::snmp::message::{self, CommunityMessage, Message};
use sonde::snmp::pdu::{ErrorStatus, Pdu, PduType};
use sonde::snmp::{
    Client, Credential, Oid, SnmpError, Target, Value, Varbind, WalkEnd, WalkOptions, walk,
};
use tokio::net::UdpSocket;

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

/// What the scripted agent sends back for one request: zero or more raw datagrams.
type Script = fn(&CommunityMessage) -> Vec<Vec<u8>>;

async fn scripted(script: Script) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut buf = vec![0u8; 65_535];
        // Bounded: the tests need far fewer requests than this.
        for _ in 0..10_000 {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let Ok(Message::Community(req)) = message::decode(&buf[..n]) else {
                continue;
            };
            for reply in script(&req) {
                socket.send_to(&reply, from).await.unwrap();
            }
        }
    });
    (addr, task)
}

fn reply(
    req: &CommunityMessage,
    status: ErrorStatus,
    index: i64,
    varbinds: Vec<Varbind>,
) -> Vec<u8> {
    CommunityMessage {
        version: req.version,
        community: req.community.clone(),
        pdu: Pdu {
            pdu_type: PduType::Response,
            request_id: req.pdu.request_id,
            error_status: status.code(),
            error_index: index,
            varbinds,
        },
    }
    .encode()
}

fn target(addr: SocketAddr) -> Target {
    Target::new(addr, Credential::v2c("public"))
        .with_timeout(Duration::from_millis(300))
        .with_retries(1)
}

#[tokio::test]
async fn a_walk_stops_when_oids_do_not_increase() {
    // Always answers with the same OID, as buggy agents do at the end of a table.
    let (addr, task) = scripted(|req| {
        vec![reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(oid("1.3.6.1.2.1.1.1.0"), Value::Integer(1))],
        )]
    })
    .await;
    let client = Client::default();
    let s = client.session(target(addr));
    let w = walk(&s, &oid("1.3.6.1.2.1.1"), WalkOptions::default())
        .await
        .unwrap();
    assert_eq!(w.varbinds.len(), 1);
    assert_eq!(
        w.end,
        WalkEnd::NotIncreasing {
            previous: oid("1.3.6.1.2.1.1.1.0"),
            received: oid("1.3.6.1.2.1.1.1.0")
        }
    );
    task.abort();
}

#[tokio::test]
async fn garbage_and_foreign_replies_are_skipped() {
    // Before the real answer: junk, a reply with another request id, a truncated copy.
    let (addr, task) = scripted(|req| {
        let good = reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(
                oid("1.3.6.1.2.1.1.5.0"),
                Value::OctetString(b"ok".to_vec()),
            )],
        );
        let mut other = req.clone();
        other.pdu.request_id = req.pdu.request_id.wrapping_add(1);
        other.pdu.pdu_type = PduType::Response;
        vec![
            b"\x00\x01garbage".to_vec(),
            other.encode(),
            good[..good.len() - 3].to_vec(),
            good.clone(),
            good,
        ]
    })
    .await;
    let client = Client::default();
    let got = client
        .session(target(addr))
        .get(&[oid("1.3.6.1.2.1.1.5.0")])
        .await
        .unwrap();
    assert_eq!(got[0].value, Value::OctetString(b"ok".to_vec()));
    task.abort();
}

#[tokio::test]
async fn only_malformed_replies_give_a_decode_error() {
    let (addr, task) = scripted(|req| {
        let mut bad = reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(oid("1.3"), Value::Null)],
        );
        // Valid header and lengths (routable), but the value's tag is not one SNMP uses.
        let n = bad.len();
        bad[n - 2] = 0x1f;
        vec![bad]
    })
    .await;
    let client = Client::default();
    let err = client
        .session(target(addr))
        .get(&[oid("1.3.6.1.2.1.1.5.0")])
        .await
        .unwrap_err();
    assert!(matches!(err, SnmpError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("malformed response"), "{err}");
    task.abort();
}

#[tokio::test]
async fn error_status_is_reported_with_its_index_and_oid() {
    let (addr, task) =
        scripted(|req| vec![reply(req, ErrorStatus::GenErr, 2, req.pdu.varbinds.clone())]).await;
    let client = Client::default();
    let err = client
        .session(target(addr))
        .get_next(&[oid("1.3.6.1.2.1.1.1"), oid("1.3.6.1.2.1.1.5")])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SnmpError::ErrorStatus { status: ErrorStatus::GenErr, index: 2, oid: Some(ref o), .. } if *o == oid("1.3.6.1.2.1.1.5")
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("genErr(5) at index 2 (1.3.6.1.2.1.1.5)"),
        "{err}"
    );
    task.abort();
}

#[tokio::test]
async fn too_big_on_every_bulk_falls_back_to_getnext() {
    // tooBig for any GETBULK; GETNEXT works until 1.3.6.1.2.1.1.3.0.
    let (addr, task) = scripted(|req| {
        if req.pdu.pdu_type == PduType::GetBulk {
            return vec![reply(req, ErrorStatus::TooBig, 0, Vec::new())];
        }
        let asked = &req.pdu.varbinds[0].oid;
        let next = match asked.arcs().last() {
            Some(1) if asked.len() == 7 => oid("1.3.6.1.2.1.1.1.0"),
            _ if *asked < oid("1.3.6.1.2.1.1.3.0") => {
                let last = asked.arcs()[7];
                oid(&format!("1.3.6.1.2.1.1.{}.0", last + 1))
            }
            _ => oid("1.3.6.1.2.1.2.1.0"),
        };
        vec![reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(next, Value::Integer(7))],
        )]
    })
    .await;
    let client = Client::default();
    let s = client.session(target(addr));
    let w = walk(&s, &oid("1.3.6.1.2.1.1"), WalkOptions::default())
        .await
        .unwrap();
    let oids: Vec<String> = w.varbinds.iter().map(|v| v.oid.to_string()).collect();
    assert_eq!(
        oids,
        [
            "1.3.6.1.2.1.1.1.0",
            "1.3.6.1.2.1.1.2.0",
            "1.3.6.1.2.1.1.3.0"
        ]
    );
    assert_eq!(w.end, WalkEnd::EndOfSubtree);
    task.abort();
}

#[tokio::test]
async fn an_agent_that_stops_mid_walk_ends_in_a_timeout() {
    // Answers the first request only.
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let (addr, task) = scripted(|req| {
        if COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            return Vec::new();
        }
        vec![reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(oid("1.3.6.1.2.1.1.1.0"), Value::Integer(1))],
        )]
    })
    .await;
    let client = Client::default();
    let s = client.session(target(addr));
    let started = std::time::Instant::now();
    let err = walk(&s, &oid("1.3.6.1.2.1.1"), WalkOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, SnmpError::Timeout { .. }), "{err:?}");
    // Timeouts with max-repetitions 25, 6 and 1: three rounds of 2 × 300 ms.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    task.abort();
}

/// A closed port answers with ICMP port unreachable: the request ends at once, classified,
/// instead of waiting for its timeout.
#[tokio::test]
async fn a_closed_port_is_refused_at_once() {
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port()
    };
    let client = Client::default();
    for addr in [
        SocketAddr::from(([127, 0, 0, 1], port)),
        format!("[::1]:{port}").parse().unwrap(),
    ] {
        let t = Target::new(addr, Credential::v2c("public"))
            .with_timeout(Duration::from_secs(5))
            .with_retries(2);
        let started = std::time::Instant::now();
        let err = client
            .session(t)
            .get(&[oid("1.3.6.1.2.1.1.5.0")])
            .await
            .unwrap_err();
        assert!(
            matches!(err, SnmpError::Unreachable { .. }),
            "{addr}: {err:?}"
        );
        assert!(err.to_string().contains("unreachable"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{addr}: {:?}",
            started.elapsed()
        );
    }
}

/// Replies nobody can route (no readable request id: garbage, a truncated message, a length
/// beyond the datagram) end the request in a decode error that says what was wrong, not in a
/// timeout that would blame the network or the community.
#[tokio::test]
async fn unreadable_replies_give_a_decode_error_not_a_timeout() {
    let (addr, task) = scripted(|req| {
        let good = reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(oid("1.3.6.1.2.1.1.5.0"), Value::Null)],
        );
        vec![b"\x30\xff".to_vec(), good[..good.len() / 2].to_vec()]
    })
    .await;
    let client = Client::default();
    let err = client
        .session(target(addr))
        .get(&[oid("1.3.6.1.2.1.1.5.0")])
        .await
        .unwrap_err();
    assert!(matches!(err, SnmpError::Decode { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{addr}: malformed response: bad BER length at offset 1")
    );
    // The same garbage before a good answer changes nothing.
    let (addr, task2) = scripted(|req| {
        let good = reply(
            req,
            ErrorStatus::NoError,
            0,
            vec![Varbind::new(
                oid("1.3.6.1.2.1.1.5.0"),
                Value::OctetString(b"ok".to_vec()),
            )],
        );
        let mut out = vec![b"\x30\xff".to_vec(); 8];
        out.push(good);
        out
    })
    .await;
    let got = client
        .session(target(addr))
        .get(&[oid("1.3.6.1.2.1.1.5.0")])
        .await
        .unwrap();
    assert_eq!(got[0].value, Value::OctetString(b"ok".to_vec()));
    task.abort();
    task2.abort();
}

/// A column whose OIDs increase forever: the walk of several columns stops at its bound on
/// all rows together, and says so.
#[tokio::test]
async fn a_column_that_never_ends_stops_at_the_bound() {
    let (addr, task) = scripted(|req| {
        // GETBULK: max-repetitions rows of every column asked, each column endless.
        let reps = req.pdu.error_index.clamp(1, 64);
        let mut cursors: Vec<Oid> = req.pdu.varbinds.iter().map(|vb| vb.oid.clone()).collect();
        let mut vbs = Vec::new();
        for _ in 0..reps {
            for c in &mut cursors {
                let n = c.arcs().get(10).map_or(1, |n| n + 1);
                *c = Oid::from_slice(&c.arcs()[..10]).child(&[n]);
                vbs.push(Varbind::new(c.clone(), Value::Integer(1)));
            }
        }
        vec![reply(req, ErrorStatus::NoError, 0, vbs)]
    })
    .await;
    let client = Client::default();
    let s = client.session(target(addr));
    let roots = [oid("1.3.6.1.2.1.2.2.1.2"), oid("1.3.6.1.2.1.2.2.1.3")];
    let opts = WalkOptions {
        max_varbinds: 1000,
        ..WalkOptions::default()
    };
    let r = sonde::snmp::walk_columns(&s, &roots, opts, 64)
        .await
        .unwrap();
    assert!(r.limited);
    let rows: usize = r.columns.iter().map(Vec::len).sum();
    assert!((1000..1000 + 64).contains(&rows), "{rows}");
    assert_eq!(r.columns[0][0].oid, oid("1.3.6.1.2.1.2.2.1.2.1"));
    assert_eq!(r.columns[1][499].oid, oid("1.3.6.1.2.1.2.2.1.3.500"));
    task.abort();
}
