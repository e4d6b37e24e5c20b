//! Wire-format tests of the NetBIOS node status query and reply, and the client over loopback.

use super::responder::{NodeTable, node_status_query_id, node_status_response};
use super::*;

#[test]
fn request_bytes() {
    let p = node_status_request(0x1a2b);
    let mut expected = vec![0x1a, 0x2b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x20, b'C', b'K'];
    expected.extend_from_slice(&[b'A'; 30]);
    expected.extend_from_slice(&[0, 0, 0x21, 0, 1]);
    assert_eq!(p, expected);
    assert_eq!(p.len(), 50);
    assert_eq!(node_status_query_id(&p), Some(0x1a2b));
    assert_eq!(response_id(&p), None);
}

/// A reply as Windows sends it, written out by hand: the answer name is a pointer to
/// offset 12 (as some stacks do), four names, then the unit id and a short statistics block.
fn windows_reply() -> Vec<u8> {
    let mut p = vec![
        0x1a, 0x2b, 0x84, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // header
        0xc0, 0x0c, // name: pointer
        0x00, 0x21, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, // NBSTAT IN, TTL 0
        0x00, 0x00, // rdlength, patched below
        0x05, // five names
    ];
    let mut entry = |name: &[u8], suffix: u8, flags: u16| {
        let mut raw = [b' '; 15];
        raw[..name.len()].copy_from_slice(name);
        p.extend_from_slice(&raw);
        p.push(suffix);
        p.extend_from_slice(&flags.to_be_bytes());
    };
    entry(b"DESKTOP-7QK2", 0x00, 0x0400);
    entry(b"WORKGROUP", 0x00, 0x8400);
    entry(b"DESKTOP-7QK2", 0x20, 0x0400);
    entry(b"ALICE\x07", 0x03, 0x0400);
    entry(b"WORKGROUP", 0x1e, 0x8400);
    p.extend_from_slice(&[0x00, 0x1C, 0x42, 0xAB, 0xCD, 0xEF]);
    p.extend_from_slice(&[0; 10]);
    let rdlength = u16::try_from(p.len() - 24).unwrap().to_be_bytes();
    p[22..24].copy_from_slice(&rdlength);
    p
}

#[test]
fn parses_a_windows_reply() {
    let status = parse_node_status(&windows_reply()).unwrap();
    assert_eq!(status.name.as_deref(), Some("DESKTOP-7QK2"));
    assert_eq!(status.workgroup.as_deref(), Some("WORKGROUP"));
    assert_eq!(status.user.as_deref(), Some("ALICE"));
    assert_eq!(status.mac.as_deref(), Some("00:1c:42:ab:cd:ef"));
    assert_eq!(status.names.len(), 5);
    assert_eq!(
        status.names[4],
        NbName {
            name: "WORKGROUP".into(),
            suffix: 0x1e,
            group: true
        }
    );
}

#[test]
fn iis_names_zero_mac_and_latin1() {
    let table = NodeTable {
        names: vec![
            NbName {
                name: "HOST".into(),
                suffix: 0,
                group: false,
            },
            NbName {
                name: "IS~HOST".into(),
                suffix: 0,
                group: false,
            },
            NbName {
                name: "\u{1}".into(),
                suffix: 3,
                group: false,
            },
        ],
        mac: [0; 6],
    };
    let mut reply = node_status_response(7, &table);
    let status = parse_node_status(&reply).unwrap();
    assert_eq!(status.name.as_deref(), Some("HOST"));
    assert_eq!(status.user, None, "only control characters");
    assert_eq!(status.mac, None);
    // A name in a legacy code page: 0xC9 is É in Latin-1.
    let at = reply.len() - 46 - 3 * 18;
    reply[at] = 0xc9;
    assert_eq!(
        parse_node_status(&reply).unwrap().name.as_deref(),
        Some("ÉOST")
    );
}

#[test]
fn responder_round_trip() {
    let table = NodeTable {
        names: vec![
            NbName {
                name: "FILESRV".into(),
                suffix: 0x20,
                group: false,
            },
            NbName {
                name: "FILESRV".into(),
                suffix: 0x00,
                group: false,
            },
            NbName {
                name: "CORP".into(),
                suffix: 0x00,
                group: true,
            },
            NbName {
                name: "bob".into(),
                suffix: 0x03,
                group: false,
            },
        ],
        mac: [0x02, 0x42, 0xac, 0x11, 0x00, 0x02],
    };
    let reply = node_status_response(0xbeef, &table);
    assert_eq!(response_id(&reply), Some(0xbeef));
    let status = parse_node_status(&reply).unwrap();
    assert_eq!(
        (status.name, status.workgroup, status.user, status.mac),
        (
            Some("FILESRV".into()),
            Some("CORP".into()),
            Some("bob".into()),
            Some("02:42:ac:11:00:02".into())
        )
    );
    assert_eq!(status.names, table.names);
}

#[test]
fn rejects_non_answers() {
    let mut reply = windows_reply();
    reply[3] = 0x03; // rcode NXDOMAIN
    assert_eq!(parse_node_status(&reply), None);
    assert_eq!(parse_node_status(&node_status_request(1)), None);
    assert_eq!(parse_node_status(&[]), None);
    // Truncated in the name table: the complete entries, no MAC.
    let reply = windows_reply();
    let status = parse_node_status(&reply[..25 + 18 * 2 + 5]).unwrap();
    assert_eq!(status.names.len(), 2);
    assert_eq!(status.name.as_deref(), Some("DESKTOP-7QK2"));
    assert_eq!(status.mac, None);
    // A name label with reserved high bits.
    let mut bad = windows_reply();
    bad[12] = 0x80;
    assert_eq!(parse_node_status(&bad), None);
}

#[test]
fn never_panics_on_truncated_or_mutated_bytes() {
    let samples = [
        windows_reply(),
        node_status_response(1, &NodeTable::default()),
        node_status_request(3),
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for sample in &samples {
        for cut in 0..=sample.len() {
            let _ = parse_node_status(&sample[..cut]);
            let _ = node_status_query_id(&sample[..cut]);
        }
        for _ in 0..3000 {
            let mut p = sample.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = usize::try_from(next()).unwrap() % p.len();
                p[i] = u8::try_from(next() & 0xff).unwrap();
            }
            let cut = usize::try_from(next()).unwrap() % (p.len() + 1);
            let _ = parse_node_status(&p);
            let _ = parse_node_status(&p[..cut]);
            let _ = node_status_query_id(&p);
        }
    }
}

/// Every query to an address where nothing listens ends with the ICMP port unreachable about
/// that very query, however many share the socket, and an answer is never cut short by another
/// address's refusal. The kernel flags each refusal on the shared socket as a pending error too,
/// which fails whatever socket call comes next (a send for another address, a receive): neither
/// may end or skip another query, nor leave a refusal unread in the error queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_to_a_closed_port_ends_with_its_own_refusal() {
    use std::collections::HashSet;

    // Fake nodes on a few addresses of 127.97.0.0/24, all on one free port; on the other
    // addresses of the block nothing listens on that port.
    let first = UdpSocket::bind("127.97.0.1:0").await.unwrap();
    let port = first.local_addr().unwrap().port();
    let table = NodeTable {
        names: vec![NbName {
            name: "ANSWERS".into(),
            suffix: 0,
            group: false,
        }],
        mac: [2, 0, 0, 0, 0, 1],
    };
    let answering: HashSet<u8> = [1, 64, 128, 192].into();
    let mut servers = vec![tokio::spawn(responder::serve(first, table.clone()))];
    for host in answering.iter().filter(|&&h| h != 1) {
        let socket = UdpSocket::bind((Ipv4Addr::new(127, 97, 0, *host), port))
            .await
            .unwrap();
        servers.push(tokio::spawn(responder::serve(socket, table.clone())));
    }
    let client = NetbiosClient::new(NetbiosConfig {
        port,
        bind: "127.0.0.1:0".parse().unwrap(),
        ..NetbiosConfig::default()
    })
    .unwrap();
    // A timeout no query reaches: one still waiting when the test gives up lost its answer.
    let timeout = Duration::from_secs(30);
    let give_up = Duration::from_secs(10);
    for round in 0..4 {
        let mut queries = tokio::task::JoinSet::new();
        for host in 1..=254u8 {
            let client = client.clone();
            queries.spawn(async move {
                let ip = IpAddr::V4(Ipv4Addr::new(127, 97, 0, host));
                (host, client.query(ip, timeout).await)
            });
        }
        let deadline = tokio::time::Instant::now() + give_up;
        let mut refused = 0;
        while !queries.is_empty() {
            let Ok(joined) = tokio::time::timeout_at(deadline, queries.join_next()).await else {
                panic!(
                    "round {round}: {} of 254 queries still waiting {give_up:?} into their \
                     {timeout:?} timeout: their refusals or answers were lost",
                    queries.len()
                );
            };
            let (host, outcome) = joined.unwrap().unwrap();
            let outcome = outcome.unwrap_or_else(|e| panic!("127.97.0.{host}: {e}"));
            if answering.contains(&host) {
                assert!(
                    matches!(&outcome, NbOutcome::Status(s) if s.name.as_deref() == Some("ANSWERS")),
                    "round {round}: 127.97.0.{host} answers, got {outcome:?}"
                );
            } else {
                assert_eq!(
                    outcome,
                    NbOutcome::Refused(nix::libc::ECONNREFUSED),
                    "round {round}: nothing listens on 127.97.0.{host}"
                );
                refused += 1;
            }
        }
        assert_eq!(refused, 254 - answering.len());
        assert_eq!(client.in_flight(), 0);
    }
    for server in servers {
        server.abort();
    }
}

/// A refusal stays readable when a send took the pending error it raised: a query to a closed
/// port, then one to a node that answers, whose send fails with the first query's error and
/// goes out on the second try, leaving the refusal only in the error queue.
#[tokio::test]
async fn a_refusal_is_read_after_a_send_took_its_pending_error() {
    let node = UdpSocket::bind("127.98.0.1:0").await.unwrap();
    let port = node.local_addr().unwrap().port();
    let table = NodeTable {
        names: vec![NbName {
            name: "ANSWERS".into(),
            suffix: 0,
            group: false,
        }],
        mac: [2, 0, 0, 0, 0, 1],
    };
    let server = tokio::spawn(responder::serve(node, table));
    let client = NetbiosClient::new(NetbiosConfig {
        port,
        bind: "127.0.0.1:0".parse().unwrap(),
        ..NetbiosConfig::default()
    })
    .unwrap();
    let timeout = Duration::from_secs(30);
    let closed = IpAddr::V4(Ipv4Addr::new(127, 98, 0, 2));
    let answers = IpAddr::V4(Ipv4Addr::new(127, 98, 0, 1));
    for round in 0..64 {
        let both = async {
            tokio::join!(
                client.query(closed, timeout),
                client.query(answers, timeout)
            )
        };
        let Ok((refused, answered)) = tokio::time::timeout(Duration::from_secs(10), both).await
        else {
            panic!("round {round}: a query still waiting 10 s into its {timeout:?} timeout");
        };
        assert_eq!(
            refused.unwrap(),
            NbOutcome::Refused(nix::libc::ECONNREFUSED),
            "round {round}"
        );
        let answered = answered.unwrap();
        assert!(
            matches!(&answered, NbOutcome::Status(s) if s.name.as_deref() == Some("ANSWERS")),
            "round {round}: {answered:?}"
        );
    }
    assert_eq!(client.in_flight(), 0);
    server.abort();
}
