//! A zoo of SNMP agents on loopback, one per address `127.0.0.<base + i>` and all on one port,
//! each misbehaving in its own way ([`Fault`]) on top of the simulator's answers for one walk
//! (`sonde::snmp::agent::respond`): garbage, truncated and oversized datagrams, wrong request
//! ids, duplicated and reordered replies, looping and stuck columns, a column that never ends,
//! tooBig on every GETBULK, silence in the middle of a walk. The healthy device is the library's `Simulator` itself.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use sonde::snmp::agent::respond;
use sonde::snmp::message::{self, CommunityMessage, Message};
use sonde::snmp::pdu::{ErrorStatus, Pdu, PduType};
use sonde::snmp::{AgentOptions, Communities, Mib, Oid, Simulator, Value, Varbind};
use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use crate::util;

/// The walk every device of the zoo serves (9 interfaces, 375 objects).
pub(crate) const WALK: &str = "extra/snmpsim-data/network/wifi/ubiquiti-m5.walk";

/// ifDescr, the column the looping and stuck devices break.
const IF_DESCR: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
/// sysDescr.0, 60,000 bytes long on the device that sends huge datagrams.
const SYS_DESCR: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 1, 0];
/// Length of that sysDescr.
pub(crate) const HUGE_DESCR: usize = 60_000;
/// Datagrams one misbehaving device handles at most (a bound; the endless column needs about
/// 16,000 GETBULKs of 64 rows to reach sonde's bound, the others far fewer).
const MAX_DATAGRAMS: usize = 100_000;

/// How a device of the zoo misbehaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// The library's simulator, answering by the book.
    Healthy,
    /// Answers every request with bytes that are not SNMP.
    Garbage,
    /// Answers with the first half of each reply.
    Truncated,
    /// Each reply claims (in its outer BER length) to be 70,000 bytes long.
    ClaimsHuge,
    /// A 60,000-byte sysDescr: identification answers are 60 KB datagrams (valid ones).
    HugeDatagram,
    /// Every reply carries another request id than the request's.
    WrongId,
    /// Every reply sent three times.
    Duplicated,
    /// Replies held back and sent in reverse order (two at a time, or alone after 20 ms).
    Reordered,
    /// The ifDescr column loops: its third row is answered as its first again.
    Loop,
    /// The ifDescr column never increases: every row after the first is answered as the first.
    Stuck,
    /// tooBig to every GETBULK (GETNEXT works).
    TooBigBulk,
    /// Answers the first walk request that reads ifDescr (an inventory's ports; identification
    /// reads no ifDescr), then nothing at all.
    StopsMidWalk,
    /// The ifDescr column never ends: ifDescr.N is followed by ifDescr.N+1, forever.
    Endless,
}

impl Fault {
    /// The devices of the zoo, in address order.
    pub(crate) const ALL: [Fault; 13] = [
        Fault::Healthy,
        Fault::Garbage,
        Fault::Truncated,
        Fault::ClaimsHuge,
        Fault::HugeDatagram,
        Fault::WrongId,
        Fault::Duplicated,
        Fault::Reordered,
        Fault::Loop,
        Fault::Stuck,
        Fault::TooBigBulk,
        Fault::StopsMidWalk,
        Fault::Endless,
    ];
}

/// The running zoo: device `i` of [`Fault::ALL`] answers on `addrs[i]`.
pub(crate) struct Zoo {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) port: u16,
    healthy: Option<Simulator>,
    tasks: JoinSet<()>,
}

impl Zoo {
    /// Starts every device on `127.0.0.<base>`, `<base + 1>`, … on one free port.
    pub(crate) async fn start(base: u8) -> Zoo {
        let mib = Arc::new(Mib::new(util::load_walk(WALK).varbinds));
        let ip = |i: usize| {
            let last = base + u8::try_from(i).unwrap();
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
        };
        // The simulator picks the port; the others bind the same one on their addresses (a
        // clash with another test is unlikely, and retried).
        for _ in 0..20 {
            let healthy = Simulator::start(
                vec![(SocketAddr::new(ip(0), 0), communities(&mib))],
                AgentOptions::default(),
            )
            .await
            .unwrap();
            let port = healthy.local_addrs()[0].port();
            let mut sockets = Vec::new();
            for i in 1..Fault::ALL.len() {
                match UdpSocket::bind(SocketAddr::new(ip(i), port)).await {
                    Ok(s) => sockets.push(s),
                    Err(_) => break,
                }
            }
            if sockets.len() + 1 < Fault::ALL.len() {
                healthy.shutdown().await;
                continue;
            }
            let mut tasks = JoinSet::new();
            for (socket, fault) in sockets.into_iter().zip(&Fault::ALL[1..]) {
                tasks.spawn(serve(socket, *fault, Arc::clone(&mib)));
            }
            return Zoo {
                addrs: (0..Fault::ALL.len())
                    .map(|i| SocketAddr::new(ip(i), port))
                    .collect(),
                port,
                healthy: Some(healthy),
                tasks,
            };
        }
        panic!("no port free on every address of the zoo");
    }

    /// The address of the device with `fault`.
    pub(crate) fn addr(&self, fault: Fault) -> SocketAddr {
        let i = Fault::ALL.iter().position(|f| *f == fault).unwrap();
        self.addrs[i]
    }

    /// Stops every device.
    pub(crate) async fn stop(mut self) {
        if let Some(healthy) = self.healthy.take() {
            healthy.shutdown().await;
        }
        self.tasks.shutdown().await;
    }
}

fn communities(mib: &Arc<Mib>) -> Communities {
    let mut c = Communities::new();
    c.insert(b"public".to_vec(), Arc::clone(mib));
    c
}

/// The MIB a device with `fault` serves: the walk's, with a 60,000-byte sysDescr for
/// [`Fault::HugeDatagram`].
fn mib_for(fault: Fault, mib: &Arc<Mib>) -> Arc<Mib> {
    if fault != Fault::HugeDatagram {
        return Arc::clone(mib);
    }
    let mut objects = mib.objects().to_vec();
    for vb in &mut objects {
        if vb.oid == Oid::from(SYS_DESCR) {
            vb.value = Value::OctetString(vec![b'x'; HUGE_DESCR]);
        }
    }
    Arc::new(Mib::new(objects))
}

async fn serve(socket: UdpSocket, fault: Fault, mib: Arc<Mib>) {
    let communities = communities(&mib_for(fault, &mib));
    let opts = AgentOptions::default();
    let if_descr = Oid::from(IF_DESCR);
    let rows: Vec<Oid> = mib
        .subtree(&if_descr)
        .iter()
        .map(|vb| vb.oid.clone())
        .collect();
    let mut buf = vec![0u8; 65_535];
    // Reordered: a reply held back, waiting for the next one to overtake it.
    let mut held: Option<(Vec<u8>, SocketAddr)> = None;
    // StopsMidWalk: walk requests into ifDescr answered so far.
    let mut into_if_descr = 0usize;
    for _ in 0..MAX_DATAGRAMS {
        let received = if held.is_some() {
            match tokio::time::timeout(Duration::from_millis(20), socket.recv_from(&mut buf)).await
            {
                Ok(r) => r,
                Err(_) => {
                    if let Some((reply, to)) = held.take() {
                        let _ = socket.send_to(&reply, to).await;
                    }
                    continue;
                }
            }
        } else {
            socket.recv_from(&mut buf).await
        };
        let Ok((n, from)) = received else { return };
        let request = &buf[..n];
        let Ok(Message::Community(req)) = message::decode(request) else {
            continue;
        };
        let walking = matches!(req.pdu.pdu_type, PduType::GetNext | PduType::GetBulk);
        if fault == Fault::StopsMidWalk {
            let into = walking
                && req
                    .pdu
                    .varbinds
                    .iter()
                    .any(|vb| vb.oid.starts_with(&if_descr));
            if into_if_descr > 0 {
                continue;
            }
            into_if_descr += usize::from(into);
        }
        if fault == Fault::Endless && walking {
            let reply = answer(&req, ErrorStatus::NoError, endless(&req.pdu, &mib));
            let _ = socket.send_to(&reply, from).await;
            continue;
        }
        if fault == Fault::TooBigBulk && req.pdu.pdu_type == PduType::GetBulk {
            let reply = answer(&req, ErrorStatus::TooBig, Vec::new());
            let _ = socket.send_to(&reply, from).await;
            continue;
        }
        let Some(reply) = respond(request, &communities, &opts) else {
            continue;
        };
        let datagrams: Vec<Vec<u8>> = match fault {
            Fault::Healthy
            | Fault::HugeDatagram
            | Fault::TooBigBulk
            | Fault::StopsMidWalk
            | Fault::Endless => {
                vec![reply]
            }
            Fault::Garbage => vec![b"\x00\xffnot SNMP at all".to_vec(), vec![0x30; 40]],
            Fault::Truncated => vec![reply[..reply.len() / 2].to_vec()],
            Fault::ClaimsHuge => vec![claim_length(&reply, 70_000)],
            Fault::WrongId => {
                let mut m = decode(&reply);
                m.pdu.request_id ^= 0x2a5a_5a5a;
                vec![m.encode()]
            }
            Fault::Duplicated => vec![reply.clone(), reply.clone(), reply],
            Fault::Reordered => match held.take() {
                Some((earlier, to)) => {
                    let _ = socket.send_to(&reply, from).await;
                    let _ = socket.send_to(&earlier, to).await;
                    continue;
                }
                None => {
                    held = Some((reply, from));
                    continue;
                }
            },
            Fault::Loop | Fault::Stuck if walking && rows.len() >= 3 => {
                let mut m = decode(&reply);
                for vb in &mut m.pdu.varbinds {
                    let broken = match fault {
                        Fault::Loop => vb.oid == rows[2],
                        _ => vb.oid > rows[0] && vb.oid.starts_with(&if_descr),
                    };
                    if broken {
                        vb.oid = rows[0].clone();
                    }
                }
                vec![m.encode()]
            }
            Fault::Loop | Fault::Stuck => vec![reply],
        };
        for d in datagrams {
            let _ = socket.send_to(&d, from).await;
        }
    }
}

/// The varbinds of a GETNEXT or GETBULK answered from `mib`, except that the ifDescr column
/// never ends.
fn endless(pdu: &Pdu, mib: &Mib) -> Vec<Varbind> {
    let column = Oid::from(IF_DESCR);
    let next = |oid: &Oid| -> Varbind {
        if oid.starts_with(&column) {
            let n = oid.arcs().get(IF_DESCR.len()).map_or(1, |n| n + 1);
            return Varbind::new(column.child(&[n]), Value::OctetString(b"if".to_vec()));
        }
        let objects = mib.objects();
        let at = objects.partition_point(|vb| vb.oid <= *oid);
        objects
            .get(at)
            .cloned()
            .unwrap_or_else(|| Varbind::new(oid.clone(), Value::EndOfMibView))
    };
    if pdu.pdu_type == PduType::GetNext {
        return pdu.varbinds.iter().map(|vb| next(&vb.oid)).collect();
    }
    // GETBULK: non-repeaters in error-status, max-repetitions in error-index.
    let fixed = usize::try_from(pdu.error_status).unwrap_or(0);
    let reps = usize::try_from(pdu.error_index).unwrap_or(1).clamp(1, 64);
    let mut out: Vec<Varbind> = pdu
        .varbinds
        .iter()
        .take(fixed)
        .map(|vb| next(&vb.oid))
        .collect();
    let mut cursors: Vec<Oid> = pdu
        .varbinds
        .iter()
        .skip(fixed)
        .map(|vb| vb.oid.clone())
        .collect();
    for _ in 0..reps {
        for cursor in &mut cursors {
            let vb = next(cursor);
            cursor.clone_from(&vb.oid);
            out.push(vb);
        }
    }
    out
}

fn decode(bytes: &[u8]) -> CommunityMessage {
    match message::decode(bytes) {
        Ok(Message::Community(m)) => m,
        other => panic!("the simulator answered {other:?}"),
    }
}

fn answer(req: &CommunityMessage, status: ErrorStatus, varbinds: Vec<Varbind>) -> Vec<u8> {
    CommunityMessage {
        version: req.version,
        community: req.community.clone(),
        pdu: Pdu {
            pdu_type: PduType::Response,
            request_id: req.pdu.request_id,
            error_status: status.code(),
            error_index: 0,
            varbinds,
        },
    }
    .encode()
}

/// `reply` with its outer SEQUENCE length rewritten to claim `length` bytes (the content
/// stays as it is, far shorter).
fn claim_length(reply: &[u8], length: u32) -> Vec<u8> {
    assert_eq!(reply[0], 0x30);
    let header = match reply[1] {
        n if n < 0x80 => 2,
        n => 2 + usize::from(n & 0x7f),
    };
    let mut out = vec![0x30, 0x84];
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&reply[header..]);
    out
}
