//! An SNMP v1/v2c agent that answers GET, GETNEXT and GETBULK from recorded walks: the engine of
//! `sonde simulate`, and the device the test suite talks to.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::net::UdpSocket;
use tokio::task::JoinSet;

use super::ber::Encoder;
use super::credential::Version;
use super::message::{self, CommunityMessage, Message};
use super::oid::Oid;
use super::pdu::{ErrorStatus, Pdu, PduType};
use super::transport::bind_socket;
use super::value::{Value, Varbind};

/// Most repetitions one GETBULK is allowed to ask for; more are capped.
const MAX_REPETITIONS: i64 = 10_000;

/// The objects one walk provides, sorted by OID, without duplicates.
#[derive(Clone, Debug, Default)]
pub struct Mib {
    objects: Vec<Varbind>,
}

impl Mib {
    /// Builds the store: sorts by OID (some recordings are out of order) and keeps the first
    /// value of a duplicated OID.
    #[must_use]
    pub fn new(mut varbinds: Vec<Varbind>) -> Self {
        varbinds.retain(|vb| !vb.value.is_exception() && !vb.oid.is_empty());
        varbinds.sort_by(|a, b| a.oid.cmp(&b.oid));
        varbinds.dedup_by(|later, first| later.oid == first.oid);
        Self { objects: varbinds }
    }

    /// Every object, in OID order.
    #[must_use]
    pub fn objects(&self) -> &[Varbind] {
        &self.objects
    }

    /// Number of objects.
    #[must_use]
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// The value of exactly `oid`.
    #[must_use]
    pub fn lookup(&self, oid: &Oid) -> Option<&Value> {
        self.objects
            .binary_search_by(|vb| vb.oid.cmp(oid))
            .ok()
            .map(|i| &self.objects[i].value)
    }

    /// Every object under `root` (excluding `root` itself), in OID order.
    #[must_use]
    pub fn subtree(&self, root: &Oid) -> &[Varbind] {
        let start = self.objects.partition_point(|vb| vb.oid <= *root);
        let len = self.objects[start..]
            .iter()
            .take_while(|vb| vb.oid.starts_with(root))
            .count();
        &self.objects[start..start + len]
    }

    /// The first object after `oid` (skipping Counter64 for v1, which cannot carry it).
    fn next(&self, oid: &Oid, version: Version) -> Option<&Varbind> {
        let start = self.objects.partition_point(|vb| vb.oid <= *oid);
        self.objects[start..]
            .iter()
            .find(|vb| version != Version::V1 || !matches!(vb.value, Value::Counter64(_)))
    }

    /// The exception for a GET of a missing OID: noSuchInstance when the object exists with
    /// other instances, noSuchObject otherwise.
    fn missing(&self, oid: &Oid) -> Value {
        let arcs = oid.arcs();
        let parent = Oid::from_slice(&arcs[..arcs.len().saturating_sub(1)]);
        match self.next(&parent, Version::V2c) {
            Some(vb) if !parent.is_empty() && vb.oid.starts_with(&parent) => Value::NoSuchInstance,
            _ => Value::NoSuchObject,
        }
    }
}

/// How the simulated agent behaves.
#[derive(Clone, Debug)]
pub struct AgentOptions {
    /// Largest response message; bigger GETBULK answers are cut, bigger GET/GETNEXT answers
    /// become tooBig (RFC 3416 §4.2).
    pub max_response: usize,
    /// Answer GETBULK (otherwise answer it with genErr, like some broken agents).
    pub bulk: bool,
}

impl Default for AgentOptions {
    fn default() -> Self {
        Self {
            max_response: 65_507,
            bulk: true,
        }
    }
}

/// The walks one listen address serves, by community.
#[derive(Clone, Debug, Default)]
pub struct Communities {
    by_name: HashMap<Vec<u8>, Arc<Mib>>,
}

impl Communities {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `mib` to requests with `community`.
    pub fn insert(&mut self, community: impl Into<Vec<u8>>, mib: Arc<Mib>) {
        self.by_name.insert(community.into(), mib);
    }

    fn get(&self, community: &[u8]) -> Option<&Mib> {
        self.by_name.get(community).map(AsRef::as_ref)
    }
}

/// The community under which a walk file is served next to others: its file name without the
/// `.gz` and walk extensions (`sample4.walk.gz` → `sample4`).
#[must_use]
pub fn walk_community(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    match name.rfind('.') {
        Some(dot) if dot > 0 => name[..dot].to_owned(),
        _ => name.to_owned(),
    }
}

/// One walk file loaded for serving.
#[derive(Debug)]
pub struct LoadedWalk {
    /// The file.
    pub path: PathBuf,
    /// Its community when served beside others.
    pub community: String,
    /// The objects served.
    pub mib: Arc<Mib>,
    /// Lines that did not parse (reported, skipped).
    pub errors: Vec<crate::walk::LineError>,
}

/// Reads walk files for serving; a file that cannot be read is an error, malformed lines are
/// reported in each [`LoadedWalk`].
pub fn load_walks(paths: &[PathBuf]) -> std::io::Result<Vec<LoadedWalk>> {
    paths
        .iter()
        .map(|path| {
            let file = crate::walk::read(path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            Ok(LoadedWalk {
                path: path.clone(),
                community: walk_community(path),
                mib: Arc::new(Mib::new(file.varbinds)),
                errors: file.errors,
            })
        })
        .collect()
}

/// The communities of one listen address: a single walk answers `community` (and its own
/// name); several walks are told apart by their names.
#[must_use]
pub fn communities_for(walks: &[&LoadedWalk], community: &str) -> Communities {
    let mut c = Communities::new();
    for w in walks {
        c.insert(w.community.as_bytes().to_vec(), Arc::clone(&w.mib));
    }
    if let [only] = walks {
        c.insert(community.as_bytes().to_vec(), Arc::clone(&only.mib));
    }
    c
}

/// Computes the answer to one datagram; `None` means stay silent (unknown community, v3,
/// garbage), as a real agent does.
#[must_use]
pub fn respond(request: &[u8], communities: &Communities, opts: &AgentOptions) -> Option<Vec<u8>> {
    let Ok(Message::Community(msg)) = message::decode(request) else {
        return None;
    };
    let mib = communities.get(&msg.community)?;
    let pdu = answer(&msg.pdu, msg.version, mib, opts)?;
    let request_id = pdu.request_id;
    let mut reply = CommunityMessage {
        version: msg.version,
        community: msg.community,
        pdu,
    };
    let bytes = reply.encode();
    if bytes.len() <= opts.max_response {
        return Some(bytes);
    }
    reply.pdu = Pdu {
        pdu_type: PduType::Response,
        request_id,
        error_status: ErrorStatus::TooBig.code(),
        error_index: 0,
        varbinds: Vec::new(),
    };
    Some(reply.encode())
}

fn response(req: &Pdu, status: ErrorStatus, index: usize, varbinds: Vec<Varbind>) -> Pdu {
    Pdu {
        pdu_type: PduType::Response,
        request_id: req.request_id,
        error_status: status.code(),
        error_index: i64::try_from(index).unwrap_or(0),
        varbinds,
    }
}

fn answer(req: &Pdu, version: Version, mib: &Mib, opts: &AgentOptions) -> Option<Pdu> {
    let v1 = version == Version::V1;
    match req.pdu_type {
        PduType::Get => {
            let mut out = Vec::with_capacity(req.varbinds.len());
            for (i, vb) in req.varbinds.iter().enumerate() {
                match mib.lookup(&vb.oid) {
                    Some(v) if !(v1 && matches!(v, Value::Counter64(_))) => {
                        out.push(Varbind::new(vb.oid.clone(), v.clone()));
                    }
                    _ if v1 => {
                        return Some(response(
                            req,
                            ErrorStatus::NoSuchName,
                            i + 1,
                            req.varbinds.clone(),
                        ));
                    }
                    _ => out.push(Varbind::new(vb.oid.clone(), mib.missing(&vb.oid))),
                }
            }
            Some(response(req, ErrorStatus::NoError, 0, out))
        }
        PduType::GetNext => {
            let mut out = Vec::with_capacity(req.varbinds.len());
            for (i, vb) in req.varbinds.iter().enumerate() {
                match mib.next(&vb.oid, version) {
                    Some(next) => out.push(next.clone()),
                    None if v1 => {
                        return Some(response(
                            req,
                            ErrorStatus::NoSuchName,
                            i + 1,
                            req.varbinds.clone(),
                        ));
                    }
                    None => out.push(Varbind::new(vb.oid.clone(), Value::EndOfMibView)),
                }
            }
            Some(response(req, ErrorStatus::NoError, 0, out))
        }
        PduType::GetBulk if v1 => None,
        PduType::GetBulk if !opts.bulk => {
            Some(response(req, ErrorStatus::GenErr, 0, req.varbinds.clone()))
        }
        PduType::GetBulk => Some(response(req, ErrorStatus::NoError, 0, bulk(req, mib, opts))),
        PduType::Set => {
            let status = if v1 {
                ErrorStatus::ReadOnly
            } else {
                ErrorStatus::NotWritable
            };
            Some(response(req, status, 1, req.varbinds.clone()))
        }
        _ => None,
    }
}

/// GETBULK: non-repeaters once, then up to max-repetitions rows of the repeaters, cut to fit
/// the response size.
fn bulk(req: &Pdu, mib: &Mib, opts: &AgentOptions) -> Vec<Varbind> {
    let n = usize::try_from(req.error_status.max(0))
        .unwrap_or(0)
        .min(req.varbinds.len());
    let reps = usize::try_from(req.error_index.clamp(0, MAX_REPETITIONS)).unwrap_or(0);
    // Room for the message around the varbinds (header, community, ids).
    let budget = opts.max_response.saturating_sub(64);
    let mut used = 0usize;
    let mut out = Vec::new();
    let mut push = |vb: Varbind, out: &mut Vec<Varbind>| -> bool {
        let size = varbind_size(&vb);
        if used + size > budget {
            return false;
        }
        used += size;
        out.push(vb);
        true
    };
    for vb in &req.varbinds[..n] {
        let next = mib
            .next(&vb.oid, Version::V2c)
            .cloned()
            .unwrap_or_else(|| Varbind::new(vb.oid.clone(), Value::EndOfMibView));
        if !push(next, &mut out) {
            return out;
        }
    }
    let mut cursors: Vec<Oid> = req.varbinds[n..].iter().map(|vb| vb.oid.clone()).collect();
    if cursors.is_empty() {
        return out;
    }
    for _ in 0..reps {
        let mut all_ended = true;
        for cursor in &mut cursors {
            let next = match mib.next(cursor, Version::V2c) {
                Some(vb) => {
                    all_ended = false;
                    *cursor = vb.oid.clone();
                    vb.clone()
                }
                None => Varbind::new(cursor.clone(), Value::EndOfMibView),
            };
            if !push(next, &mut out) {
                return out;
            }
        }
        if all_ended {
            break;
        }
    }
    out
}

fn varbind_size(vb: &Varbind) -> usize {
    let mut e = Encoder::with_capacity(64);
    let mark = e.len();
    e.value(&vb.value);
    e.oid(&vb.oid);
    e.wrap(0x30, mark);
    e.len()
}

/// A running simulator: one task per listen socket.
pub struct Simulator {
    addrs: Vec<SocketAddr>,
    tasks: JoinSet<()>,
    received: Arc<AtomicU64>,
}

impl Simulator {
    /// Binds every address and starts answering. Port 0 picks a free port; see
    /// [`Simulator::local_addrs`].
    pub async fn start(
        listeners: Vec<(SocketAddr, Communities)>,
        opts: AgentOptions,
    ) -> std::io::Result<Self> {
        let mut addrs = Vec::with_capacity(listeners.len());
        let mut tasks = JoinSet::new();
        let opts = Arc::new(opts);
        let received = Arc::new(AtomicU64::new(0));
        for (addr, communities) in listeners {
            let socket = bind_socket(addr, 8 << 20, false)?;
            addrs.push(socket.local_addr()?);
            tasks.spawn(serve(
                socket,
                Arc::new(communities),
                Arc::clone(&opts),
                Arc::clone(&received),
            ));
        }
        Ok(Self {
            addrs,
            tasks,
            received,
        })
    }

    /// Datagrams received so far on every address (requests, retransmissions included).
    #[must_use]
    pub fn requests_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// The bound addresses, in the order given.
    #[must_use]
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Stops answering.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
    }
}

async fn serve(
    socket: UdpSocket,
    communities: Arc<Communities>,
    opts: Arc<AgentOptions>,
    received: Arc<AtomicU64>,
) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        received.fetch_add(1, Ordering::Relaxed);
        if let Some(reply) = respond(&buf[..n], &communities, &opts)
            && let Err(e) = socket.send_to(&reply, from).await
        {
            tracing::debug!(%from, error = %e, "simulator reply not sent");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_is_the_file_stem() {
        assert_eq!(walk_community(Path::new("a/b/sample4.walk.gz")), "sample4");
        assert_eq!(walk_community(Path::new("cisco-c3750.walk")), "cisco-c3750");
        assert_eq!(walk_community(Path::new("dump.txt")), "dump");
        assert_eq!(walk_community(Path::new("noext")), "noext");
    }

    fn mib() -> Mib {
        let o = |s: &str| s.parse::<Oid>().unwrap();
        Mib::new(vec![
            Varbind::new(o("1.3.6.1.2.1.1.5.0"), Value::OctetString(b"b".to_vec())),
            Varbind::new(o("1.3.6.1.2.1.1.1.0"), Value::OctetString(b"a".to_vec())),
            Varbind::new(o("1.3.6.1.2.1.1.5.0"), Value::OctetString(b"dup".to_vec())),
            Varbind::new(o("1.3.6.1.2.1.1.9.0"), Value::EndOfMibView),
        ])
    }

    #[test]
    fn store_is_sorted_deduplicated_and_without_exceptions() {
        let m = mib();
        let oids: Vec<String> = m.objects().iter().map(|v| v.oid.to_string()).collect();
        assert_eq!(oids, ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.5.0"]);
        assert_eq!(m.objects()[1].value, Value::OctetString(b"b".to_vec()));
    }

    #[test]
    fn garbage_and_unknown_communities_get_no_answer() {
        let mut c = Communities::new();
        c.insert(b"public".to_vec(), Arc::new(mib()));
        let opts = AgentOptions::default();
        assert!(respond(b"\x30\x03\x02\x01\x01", &c, &opts).is_none());
        let req = CommunityMessage {
            version: Version::V2c,
            community: b"other".to_vec(),
            pdu: Pdu::request(PduType::Get, 1, vec![]),
        };
        assert!(respond(&req.encode(), &c, &opts).is_none());
        for n in 0..40u8 {
            let junk: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ n).collect();
            let _ = respond(&junk, &c, &opts);
        }
    }
}
