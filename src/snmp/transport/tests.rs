//! The dispatcher against loopback peers: refusals routed to their own requests.

use super::*;

/// A refusal stays readable when a send took the pending error it raised: a request to a
/// closed port, then one to a peer that answers, whose send fails with the first request's
/// error and goes out on the second try, leaving the refusal only in the error queue.
#[tokio::test]
async fn a_refusal_is_read_after_a_send_took_its_pending_error() {
    use super::super::credential::Version;
    use super::super::message::CommunityMessage;
    use super::super::pdu::{Pdu, PduType};

    // An "agent" that sends every datagram back: the echo carries the request's id.
    let echo = UdpSocket::bind("127.98.1.1:0").await.unwrap();
    let answers = echo.local_addr().unwrap();
    let closed = SocketAddr::from(([127, 98, 1, 2], answers.port()));
    let server = tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok((n, from)) = echo.recv_from(&mut buf).await {
            let _ = echo.send_to(&buf[..n], from).await;
        }
    });
    let dispatcher = Dispatcher::new(DispatcherConfig {
        bind_v4: "127.0.0.1:0".parse().unwrap(),
        ..DispatcherConfig::default()
    });
    let request = |id| {
        CommunityMessage {
            version: Version::V2c,
            community: b"public".to_vec(),
            pdu: Pdu::request(PduType::Get, id, vec![]),
        }
        .encode()
    };
    let waits = [Duration::from_secs(30)];
    for round in 0..64 {
        let (refused_id, answered_id) = (dispatcher.next_id(), dispatcher.next_id());
        let (to_closed, to_answering) = (request(refused_id), request(answered_id));
        let d = &dispatcher;
        let both = async {
            tokio::join!(
                d.exchange(once(closed, refused_id, &to_closed, &waits), |_, _| {
                    Verdict::Done(())
                }),
                d.exchange(once(answers, answered_id, &to_answering, &waits), |_, _| {
                    Verdict::Done(())
                })
            )
        };
        let Ok((refused, answered)) = tokio::time::timeout(Duration::from_secs(10), both).await
        else {
            panic!("round {round}: a request still waiting 10 s into its 30 s timeout");
        };
        assert!(
            matches!(&refused, Err(SnmpError::Unreachable { peer, reason })
                if *peer == closed && reason.kind() == std::io::ErrorKind::ConnectionRefused),
            "round {round}: {:?}",
            refused.err()
        );
        assert!(answered.is_ok(), "round {round}: {:?}", answered.err());
    }
    assert_eq!(dispatcher.in_flight(), 0);
    server.abort();
}

/// One request sent once, outside the congestion window.
fn once<'a>(peer: SocketAddr, id: i32, bytes: &'a [u8], waits: &'a [Duration]) -> Request<'a> {
    Request {
        peer,
        id,
        bytes,
        resend: Resend::Same,
        waits,
        windowed: false,
    }
}
