//! A fake NetBIOS name service answering node status queries with a fixed name table, for tests
//! and demonstrations on loopback.

use tokio::net::UdpSocket;

use super::{
    CLASS_IN, FLAG_RESPONSE, HEADER, NAME_ACTIVE, NAME_GROUP, NbName, RECEIVE_ERROR_PAUSE,
    TYPE_NBSTAT, be16, skip_name, wildcard_name,
};

/// The name table and adapter MAC a fake node reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeTable {
    /// Names, in reply order; longer than 15 bytes are cut.
    pub names: Vec<NbName>,
    /// The unit id.
    pub mac: [u8; 6],
}

/// The transaction id of a node status query (NBSTAT for any name), `None` for anything else.
#[must_use]
pub fn node_status_query_id(packet: &[u8]) -> Option<u16> {
    let flags = be16(packet, 2)?;
    if flags & FLAG_RESPONSE != 0 || be16(packet, 4)? == 0 {
        return None;
    }
    let at = skip_name(packet, HEADER)?;
    if be16(packet, at)? != TYPE_NBSTAT {
        return None;
    }
    be16(packet, 0)
}

/// The node status response with transaction id `trn_id` describing `table`.
#[must_use]
pub fn node_status_response(trn_id: u16, table: &NodeTable) -> Vec<u8> {
    let count = table.names.len().min(255);
    let mut rdata = Vec::with_capacity(1 + 18 * count + 46);
    rdata.push(u8::try_from(count).unwrap_or(u8::MAX));
    for n in table.names.iter().take(count) {
        let mut raw = [b' '; 15];
        for (slot, b) in raw.iter_mut().zip(n.name.bytes()) {
            *slot = b;
        }
        rdata.extend_from_slice(&raw);
        rdata.push(n.suffix);
        let flags = NAME_ACTIVE | if n.group { NAME_GROUP } else { 0 };
        rdata.extend_from_slice(&flags.to_be_bytes());
    }
    rdata.extend_from_slice(&table.mac);
    // The rest of the statistics block (jumpers, test result, counters…): zeros.
    rdata.extend_from_slice(&[0; 40]);
    let mut p = Vec::with_capacity(HEADER + 34 + 10 + rdata.len());
    p.extend_from_slice(&trn_id.to_be_bytes());
    // Response, authoritative answer; one answer record.
    p.extend_from_slice(&[0x84, 0x00, 0, 0, 0, 1, 0, 0, 0, 0]);
    p.extend_from_slice(&wildcard_name());
    p.extend_from_slice(&TYPE_NBSTAT.to_be_bytes());
    p.extend_from_slice(&CLASS_IN.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0]); // TTL
    let len = u16::try_from(rdata.len()).unwrap_or(u16::MAX);
    p.extend_from_slice(&len.to_be_bytes());
    p.extend_from_slice(&rdata);
    p
}

/// Answers every node status query arriving on `socket` with `table`, until the task is
/// dropped or aborted; other datagrams are ignored.
pub async fn serve(socket: UdpSocket, table: NodeTable) {
    let mut buf = vec![0u8; 2048];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else {
            tokio::time::sleep(RECEIVE_ERROR_PAUSE).await;
            continue;
        };
        let Some(id) = buf.get(..n).and_then(node_status_query_id) else {
            continue;
        };
        // A lost reply is what a real network does too.
        let _ = socket
            .send_to(&node_status_response(id, &table), from)
            .await;
    }
}
