//! The SNMP client against the in-process simulator on loopback: operations, walks, errors,
//! and many requests in flight over one socket.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sonde::snmp::{
    AgentOptions, Client, Communities, Credential, Mib, Oid, Simulator, SnmpError, Target, Value,
    Varbind, WalkEnd, WalkOptions, walk, walk_columns_narrow,
};

fn oid(s: &str) -> Oid {
    s.parse().unwrap()
}

/// A small MIB: the system group and a 300-row table with long strings (so bulk answers get big).
fn small_mib() -> Mib {
    let mut vbs = vec![
        Varbind::new(
            oid("1.3.6.1.2.1.1.1.0"),
            Value::OctetString(b"Test device".to_vec()),
        ),
        Varbind::new(
            oid("1.3.6.1.2.1.1.2.0"),
            Value::ObjectId(oid("1.3.6.1.4.1.9.1.516")),
        ),
        Varbind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(123_456)),
        Varbind::new(
            oid("1.3.6.1.2.1.1.5.0"),
            Value::OctetString(b"sim".to_vec()),
        ),
        Varbind::new(oid("1.3.6.1.2.1.31.1.1.1.6.1"), Value::Counter64(1 << 40)),
    ];
    for i in 1..=300u32 {
        vbs.push(Varbind::new(
            oid(&format!("1.3.6.1.2.1.2.2.1.2.{i}")),
            Value::OctetString(format!("interface number {i} {}", "x".repeat(100)).into_bytes()),
        ));
    }
    Mib::new(vbs)
}

async fn start(addr: &str, mib: Mib, opts: AgentOptions) -> (Simulator, SocketAddr) {
    let mut c = Communities::new();
    c.insert(b"public".to_vec(), Arc::new(mib));
    let sim = Simulator::start(vec![(addr.parse().unwrap(), c)], opts)
        .await
        .unwrap();
    let a = sim.local_addrs()[0];
    (sim, a)
}

fn target(addr: SocketAddr, cred: Credential) -> Target {
    Target::new(addr, cred)
        .with_timeout(Duration::from_millis(500))
        .with_retries(1)
}

#[tokio::test]
async fn get_many_getnext_and_bulk_v2c() {
    let (sim, addr) = start("127.0.0.1:0", small_mib(), AgentOptions::default()).await;
    let client = Client::default();
    let s = client.session(target(addr, Credential::v2c("public")));
    let got = s
        .get(&[
            oid("1.3.6.1.2.1.1.5.0"),
            oid("1.3.6.1.2.1.1.9.0"),
            oid("1.3.6.1.2.1.1.1.0"),
            oid("1.3.6.1.2.1.1.5.1"),
        ])
        .await
        .unwrap();
    assert_eq!(got[0].value, Value::OctetString(b"sim".to_vec()));
    assert_eq!(got[1].value, Value::NoSuchObject);
    assert_eq!(got[2].value, Value::OctetString(b"Test device".to_vec()));
    assert_eq!(got[3].value, Value::NoSuchInstance);
    let next = s.get_next(&[oid("1.3.6.1.2.1.1.3.0")]).await.unwrap();
    assert_eq!(
        next,
        vec![Varbind::new(
            oid("1.3.6.1.2.1.1.5.0"),
            Value::OctetString(b"sim".to_vec())
        )]
    );
    let bulk = s
        .get_bulk(1, 3, &[oid("1.3.6.1.2.1.1"), oid("1.3.6.1.2.1.2.2.1.2")])
        .await
        .unwrap();
    let oids: Vec<String> = bulk.iter().map(|v| v.oid.to_string()).collect();
    assert_eq!(
        oids,
        [
            "1.3.6.1.2.1.1.1.0",
            "1.3.6.1.2.1.2.2.1.2.1",
            "1.3.6.1.2.1.2.2.1.2.2",
            "1.3.6.1.2.1.2.2.1.2.3"
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn v1_get_maps_no_such_name_and_skips_counter64() {
    let (sim, addr) = start("127.0.0.1:0", small_mib(), AgentOptions::default()).await;
    let client = Client::default();
    let s = client.session(target(addr, Credential::v1("public")));
    let got = s
        .get(&[oid("1.3.6.1.2.1.1.5.0"), oid("1.3.6.1.2.1.1.9.0")])
        .await
        .unwrap();
    assert_eq!(got[0].value, Value::OctetString(b"sim".to_vec()));
    assert_eq!(got[1].value, Value::NoSuchInstance);
    assert!(matches!(
        s.get_bulk(0, 5, &[oid("1.3")]).await,
        Err(SnmpError::InvalidRequest(_))
    ));
    let w = walk(&s, &oid("1.3.6.1.2.1.31"), WalkOptions::default())
        .await
        .unwrap();
    assert!(w.varbinds.is_empty(), "Counter64 is not visible in v1");
    assert_eq!(w.end, WalkEnd::EndOfMibView);
    sim.shutdown().await;
}

#[tokio::test]
async fn walks_end_at_subtree_and_mib_view_in_every_mode() {
    let (sim, addr) = start("127.0.0.1:0", small_mib(), AgentOptions::default()).await;
    let client = Client::default();
    // In v1 the Counter64 after the table is invisible, so the walk runs into the end of the MIB.
    for (cred, end) in [
        (Credential::v1("public"), WalkEnd::EndOfMibView),
        (Credential::v2c("public"), WalkEnd::EndOfSubtree),
    ] {
        let s = client.session(target(addr, cred));
        let w = walk(&s, &oid("1.3.6.1.2.1.2.2.1.2"), WalkOptions::default())
            .await
            .unwrap();
        assert_eq!(w.varbinds.len(), 300);
        assert_eq!(w.end, end);
        assert_eq!(w.varbinds[299].oid, oid("1.3.6.1.2.1.2.2.1.2.300"));
    }
    let s = client.session(target(addr, Credential::v2c("public")));
    let w = walk(&s, &oid("1"), WalkOptions::default()).await.unwrap();
    assert_eq!(w.varbinds.len(), 305);
    assert_eq!(w.end, WalkEnd::EndOfMibView);
    sim.shutdown().await;
}

/// Short columns walked beside long ones advance one row per request (non-repeaters) and then
/// like the others: every column gets exactly its rows, in the round trips the long ones need.
#[tokio::test]
async fn short_columns_step_beside_long_ones() {
    let mut vbs = Vec::new();
    for i in 1..=100u32 {
        vbs.push(Varbind::new(
            oid(&format!("1.3.6.1.2.1.2.2.1.2.{i}")),
            Value::OctetString(format!("if{i}").into_bytes()),
        ));
        vbs.push(Varbind::new(
            oid(&format!("1.3.6.1.2.1.2.2.1.3.{i}")),
            Value::Integer(6),
        ));
    }
    for (column, rows) in [(1, 2u32), (2, 7)] {
        for r in 1..=rows {
            vbs.push(Varbind::new(
                oid(&format!("1.3.6.1.2.1.4.20.1.{column}.10.0.0.{r}")),
                Value::Integer(i64::from(r)),
            ));
        }
    }
    let mib = Mib::new(vbs);
    let (sim, addr) = start("127.0.0.1:0", mib.clone(), AgentOptions::default()).await;
    let client = Client::default();
    let roots = [
        oid("1.3.6.1.2.1.2.2.1.2"),
        oid("1.3.6.1.2.1.2.2.1.3"),
        oid("1.3.6.1.2.1.4.20.1.1"),
        oid("1.3.6.1.2.1.4.20.1.2"),
    ];
    let opts = WalkOptions {
        max_repetitions: 64,
        ..WalkOptions::default()
    };
    for version in [Credential::v2c("public"), Credential::v1("public")] {
        let v1 = matches!(version, Credential::V1 { .. });
        let s = client.session(target(addr, version));
        let w = walk_columns_narrow(&s, &roots, 2, opts, 64).await.unwrap();
        assert!(!w.limited);
        for (root, got) in roots.iter().zip(&w.columns) {
            assert_eq!(got.as_slice(), mib.subtree(root), "{root}");
        }
        assert_eq!(
            w.columns.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 2, 7]
        );
        if v1 {
            // GETNEXT of every open column: the longest column and one past its end, plus the
            // request that the last column's end of the MIB (noSuchName) spoilt.
            assert_eq!(w.requests, 102);
        } else {
            // 32 rows of each long column per request (4 requests, the last one past their
            // end); the short ones step along (2 rows and their end; 4 rows), then the rest of
            // the 7-row column in one more GETBULK.
            assert_eq!(w.requests, 5);
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn walk_shrinks_on_too_big_and_falls_back_when_bulk_is_broken() {
    let opts = AgentOptions {
        max_response: 1_400,
        ..AgentOptions::default()
    };
    let (sim, addr) = start("127.0.0.1:0", small_mib(), opts).await;
    let client = Client::default();
    let s = client.session(target(addr, Credential::v2c("public")));
    // GET of all 300 long rows cannot fit 1,400 bytes: split until it does.
    let rows: Vec<Oid> = (1..=300)
        .map(|i| oid(&format!("1.3.6.1.2.1.2.2.1.2.{i}")))
        .collect();
    let got = s.get(&rows).await.unwrap();
    assert_eq!(got.len(), 300);
    assert!(
        got.iter()
            .zip(&rows)
            .all(|(vb, o)| vb.oid == *o && !vb.value.is_exception())
    );
    let w = walk(&s, &oid("1.3.6.1.2.1.2.2.1.2"), WalkOptions::default())
        .await
        .unwrap();
    assert_eq!(w.varbinds.len(), 300);
    sim.shutdown().await;

    let opts = AgentOptions {
        bulk: false,
        ..AgentOptions::default()
    };
    let (sim, addr) = start("127.0.0.1:0", small_mib(), opts).await;
    let s = client.session(target(addr, Credential::v2c("public")));
    let w = walk(&s, &oid("1.3.6.1.2.1.2.2.1.2"), WalkOptions::default())
        .await
        .unwrap();
    assert_eq!(w.varbinds.len(), 300);
    assert_eq!(w.end, WalkEnd::EndOfSubtree);
    // One failed bulk, then one GETNEXT per row and one past the end.
    assert_eq!(w.requests, 302);
    sim.shutdown().await;
}

#[tokio::test]
async fn ipv6_loopback_works() {
    let (sim, addr) = start("[::1]:0", small_mib(), AgentOptions::default()).await;
    let client = Client::default();
    let s = client.session(target(addr, Credential::v2c("public")));
    let got = s.get(&[oid("1.3.6.1.2.1.1.5.0")]).await.unwrap();
    assert_eq!(got[0].value, Value::OctetString(b"sim".to_vec()));
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_community_is_a_timeout_within_the_bound() {
    let (sim, addr) = start("127.0.0.1:0", small_mib(), AgentOptions::default()).await;
    let client = Client::default();
    let t = Target::new(addr, Credential::v2c("private"))
        .with_timeout(Duration::from_millis(200))
        .with_retries(2);
    let started = Instant::now();
    let err = client
        .session(t)
        .get(&[oid("1.3.6.1.2.1.1.5.0")])
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(err, SnmpError::Timeout { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("no answer after 3 attempt(s)"),
        "{err}"
    );
    assert!(elapsed >= Duration::from_millis(600));
    sim.shutdown().await;
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// 10,000 GETs outstanding at once through one client, with the open-files limit at the common
/// default of 1024: they all succeed, and the client holds one socket for all of them.
#[test]
fn ten_thousand_requests_in_flight_under_1024_fds() {
    lower_nofile_limit(1024);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Four simulated agents, each on its own loopback address.
        let mut sims = Vec::new();
        let mut addrs = Vec::new();
        for i in 1..=4 {
            let (sim, addr) = start(
                &format!("127.0.0.{i}:0"),
                small_mib(),
                AgentOptions::default(),
            )
            .await;
            sims.push(sim);
            addrs.push(addr);
        }
        let client = Client::default();
        let fds_before = open_fds();
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..10_000u32 {
            let s = client.session(
                Target::new(addrs[n as usize % 4], Credential::v2c("public"))
                    .with_timeout(Duration::from_secs(3))
                    .with_retries(3),
            );
            let row = oid(&format!("1.3.6.1.2.1.2.2.1.2.{}", n % 300 + 1));
            tasks.spawn(async move { (n, s.get(&[row]).await) });
        }
        let mut peak_in_flight = 0;
        let mut ok = 0;
        let mut max_fds = 0;
        while let Some(r) = tasks.join_next().await {
            peak_in_flight = peak_in_flight.max(client.in_flight());
            max_fds = max_fds.max(open_fds());
            let (n, res) = r.unwrap();
            let vbs = res.unwrap_or_else(|e| panic!("request {n}: {e}"));
            let want = format!("interface number {} ", n % 300 + 1);
            assert!(
                vbs[0]
                    .value
                    .as_bytes()
                    .unwrap()
                    .starts_with(want.as_bytes())
            );
            ok += 1;
        }
        assert_eq!(ok, 10_000);
        assert!(
            peak_in_flight > 1_000,
            "requests were not concurrent: {peak_in_flight}"
        );
        // The client needs one socket; other tests of this process open a few of their own
        // meanwhile. One socket per request would be thousands.
        assert!(
            max_fds <= fds_before + 64,
            "{} fds opened during the run",
            max_fds - fds_before
        );
        for s in sims {
            s.shutdown().await;
        }
    });
}

#[allow(unsafe_code)]
fn lower_nofile_limit(soft: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = soft.min(lim.rlim_max);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
}

/// An agent on `socket` answering the requests of `plan` in turn: `(drop, delay)` for each
/// datagram received (dropped, or answered after `delay`), with sysDescr = "late".
async fn scripted_agent(socket: tokio::net::UdpSocket, plan: Vec<(bool, Duration)>) {
    use sonde::snmp::message::{CommunityMessage, Message, decode};
    use sonde::snmp::pdu::PduType;
    let socket = Arc::new(socket);
    let mut buf = vec![0u8; 65_535];
    for (drop, delay) in plan {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else {
            return;
        };
        let Ok(Message::Community(m)) = decode(&buf[..n]) else {
            continue;
        };
        if drop {
            continue;
        }
        let mut pdu = m.pdu.clone();
        pdu.pdu_type = PduType::Response;
        for vb in &mut pdu.varbinds {
            vb.value = Value::OctetString(b"late".to_vec());
        }
        let reply = CommunityMessage { pdu, ..m }.encode();
        let socket = Arc::clone(&socket);
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let _ = socket.send_to(&reply, from).await;
        });
    }
}

/// Once an agent has answered, its requests take places in the client's congestion window: a
/// datagram lost (the answer comes to the resend, which has an id of its own) halves it; an
/// answer that is only late (to the first send, after the resend left) does not.
#[tokio::test]
async fn a_lost_datagram_halves_the_window_a_late_answer_does_not() {
    let fast = Duration::ZERO;
    for (lost, plan) in [
        // Answered; then the first send of the second request dropped, its resend answered.
        (true, vec![(false, fast), (true, fast), (false, fast)]),
        // Answered; then the second request's first send answered after 300 ms, by when the
        // resend (after the 100 ms floor) has left too (answered late as well).
        (
            false,
            vec![
                (false, fast),
                (false, Duration::from_millis(300)),
                (false, Duration::from_millis(300)),
            ],
        ),
    ] {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let agent = tokio::spawn(scripted_agent(socket, plan));
        let client = Client::default();
        let initial = client.window();
        let s = client.session(
            Target::new(addr, Credential::v2c("public"))
                .with_timeout(Duration::from_secs(2))
                .with_retries(0),
        );
        let descr = oid("1.3.6.1.2.1.1.1.0");
        let first = s.get(std::slice::from_ref(&descr)).await.unwrap();
        assert_eq!(first[0].value, Value::OctetString(b"late".to_vec()));
        let second = s.get(std::slice::from_ref(&descr)).await.unwrap();
        assert_eq!(second[0].value, Value::OctetString(b"late".to_vec()));
        let expected = if lost { initial / 2 } else { initial + 1 };
        assert_eq!(client.window(), expected, "lost: {lost}");
        agent.abort();
    }
}
