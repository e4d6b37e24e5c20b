//! A caching front of a [`Source`] for one identification: batched GETs, walks done at most
//! once, GETs answered from earlier walks, and a device that stops answering asked no more.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::snmp::{Oid, SnmpError, Source, Value, Varbind};

/// Values seen so far for one device.
pub(crate) struct Fetcher<'s, S> {
    source: &'s S,
    /// GET answers; `None` = the agent has no such instance (or said nothing usable).
    values: HashMap<Oid, Option<Value>>,
    /// GETs answered noSuchObject: the agent does not implement that object at all.
    unknown: HashSet<Oid>,
    walks: HashMap<Oid, Vec<Varbind>>,
    /// Set after a timeout: the device is gone, later lookups find nothing.
    dead: bool,
    /// Ask ahead in multi-object GETs ([`Fetcher::prefetch`]); off, objects are asked when
    /// needed, one per GET.
    pub(crate) batch: bool,
}

impl<'s, S: Source> Fetcher<'s, S> {
    pub(crate) fn new(source: &'s S) -> Self {
        Self {
            source,
            values: HashMap::default(),
            unknown: HashSet::default(),
            walks: HashMap::default(),
            dead: false,
            batch: true,
        }
    }

    /// One GET of every OID not known yet. The first request of an identification uses
    /// [`Fetcher::prefetch_strict`] instead: its failure is the device's.
    pub(crate) async fn prefetch(&mut self, oids: impl IntoIterator<Item = Oid>) {
        if !self.batch {
            return;
        }
        if let Err(e) = self.prefetch_strict(oids).await {
            self.failed(&e);
        }
    }

    /// Like [`Fetcher::prefetch`], but the error is returned (and does not mark the device
    /// gone).
    pub(crate) async fn prefetch_strict(
        &mut self,
        oids: impl IntoIterator<Item = Oid>,
    ) -> Result<(), SnmpError> {
        let mut seen = HashSet::default();
        let ask: Vec<Oid> = oids
            .into_iter()
            .filter(|o| !self.known(o) && seen.insert(o.clone()))
            .collect();
        if ask.is_empty() || self.dead {
            return Ok(());
        }
        let answers = self.source.get(&ask).await;
        match answers {
            Ok(varbinds) => {
                let mut by_oid: HashMap<Oid, Value> =
                    varbinds.into_iter().map(|vb| (vb.oid, vb.value)).collect();
                for oid in ask {
                    let value = by_oid.remove(&oid);
                    if matches!(value, Some(Value::NoSuchObject)) {
                        self.unknown.insert(oid.clone());
                    }
                    self.values.insert(oid, value.filter(|v| !is_missing(v)));
                }
                Ok(())
            }
            Err(e) => {
                // A failed multi-object GET leaves its objects to be asked one by one when
                // needed (an agent may refuse big requests); a single object is given up.
                if let [only] = ask.as_slice() {
                    self.values.insert(only.clone(), None);
                }
                Err(e)
            }
        }
    }

    /// The value of one object (from the cache, an earlier walk, or a GET).
    pub(crate) async fn get(&mut self, oid: &Oid) -> Option<Value> {
        if !self.known(oid)
            && let Err(e) = self.prefetch_strict([oid.clone()]).await
        {
            self.failed(&e);
        }
        if let Some(found) = self.values.get(oid) {
            return found.clone();
        }
        self.in_walks(oid).cloned()
    }

    /// True when a GET under `root` was answered noSuchObject: the column does not exist.
    fn unimplemented(&self, root: &Oid) -> bool {
        self.unknown
            .iter()
            .any(|o| o.len() == root.len() + 1 && o.starts_with(root))
    }

    /// Every object under `root`, in OID order (walked once). A column whose instance was
    /// answered noSuchObject is not implemented: it is not walked.
    pub(crate) async fn walk(&mut self, root: &Oid) -> &[Varbind] {
        if !self.walks.contains_key(root) {
            let rows = if self.dead || self.unimplemented(root) {
                Vec::new()
            } else {
                match self.source.walk(root).await {
                    Ok(mut rows) => {
                        rows.retain(|vb| vb.oid.starts_with(root) && !is_missing(&vb.value));
                        rows.sort_by(|a, b| a.oid.cmp(&b.oid));
                        rows
                    }
                    Err(e) => {
                        self.failed(&e);
                        Vec::new()
                    }
                }
            };
            self.walks.insert(root.clone(), rows);
        }
        self.walks.get(root).map_or(&[], Vec::as_slice)
    }

    /// The row indexes of a column of the same table already walked (`column`'s siblings share
    /// its parent), in order.
    pub(crate) fn sibling_rows(&self, column: &Oid) -> Option<Vec<Vec<u32>>> {
        let arcs = column.arcs();
        let (_, parent) = arcs.split_last()?;
        let (root, rows) = self.walks.iter().find(|(root, rows)| {
            root.len() == arcs.len()
                && root.arcs().starts_with(parent)
                && *root != column
                && !rows.is_empty()
        })?;
        Some(
            rows.iter()
                .filter_map(|vb| vb.oid.suffix_after(root).map(<[u32]>::to_vec))
                .collect(),
        )
    }

    /// True when a GET of `oid` was answered noSuchObject (its column is not implemented, so a
    /// walk of it would find nothing).
    pub(crate) fn not_implemented(&self, oid: &Oid) -> bool {
        self.unknown.contains(oid)
    }

    /// True when `oid` is answered without asking the device.
    fn known(&self, oid: &Oid) -> bool {
        self.values.contains_key(oid) || self.walks.keys().any(|root| oid.starts_with(root))
    }

    fn in_walks(&self, oid: &Oid) -> Option<&Value> {
        self.walks
            .iter()
            .filter(|(root, _)| oid.starts_with(root))
            .find_map(|(_, rows)| {
                rows.binary_search_by(|vb| vb.oid.cmp(oid))
                    .ok()
                    .map(|at| &rows[at].value)
            })
    }

    fn failed(&mut self, error: &SnmpError) {
        tracing::debug!("identification request failed: {error}");
        if matches!(error, SnmpError::Timeout { .. }) {
            self.dead = true;
        }
    }
}

impl<S: Source + Sync> Fetcher<'_, S> {
    /// Walks every root not walked yet together (several columns per GETBULK on a live
    /// session), so that the walks identification will need cost one round trip or a few
    /// rather than one each; the `narrow` roots are expected to hold few rows (see
    /// [`Source::walk_columns_narrow`]). Off when objects are asked one by one.
    pub(crate) async fn prefetch_walks(
        &mut self,
        roots: impl IntoIterator<Item = Oid>,
        narrow: impl IntoIterator<Item = Oid>,
    ) {
        if !self.batch || self.dead {
            return;
        }
        let mut ask: Vec<Oid> = Vec::new();
        let mut narrow_count = 0;
        for (root, is_narrow) in roots
            .into_iter()
            .map(|r| (r, false))
            .chain(narrow.into_iter().map(|r| (r, true)))
        {
            if !self.walks.contains_key(&root) && !self.unimplemented(&root) && !ask.contains(&root)
            {
                ask.push(root);
                narrow_count += usize::from(is_narrow);
            }
        }
        if ask.len() < 2 {
            return;
        }
        match self.source.walk_columns_narrow(&ask, narrow_count).await {
            Ok(columns) => {
                for (root, mut rows) in ask.into_iter().zip(columns) {
                    rows.retain(|vb| vb.oid.starts_with(&root) && !is_missing(&vb.value));
                    rows.sort_by(|a, b| a.oid.cmp(&b.oid));
                    self.walks.insert(root, rows);
                }
            }
            Err(e) => self.failed(&e),
        }
    }
}

fn is_missing(value: &Value) -> bool {
    value.is_exception() || matches!(value, Value::Null)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use crate::mib::{MibDb, identify};
    use crate::snmp::{Mib, Oid, SnmpError, Source, Value, Varbind};

    fn o(text: &str) -> Oid {
        text.parse().unwrap()
    }

    fn s(text: &str) -> Value {
        Value::OctetString(text.as_bytes().to_vec())
    }

    fn mib(items: Vec<(&str, Value)>) -> Mib {
        Mib::new(
            items
                .into_iter()
                .map(|(k, v)| Varbind::new(o(k), v))
                .collect(),
        )
    }

    /// A source whose requests fail after the first `ok` ones.
    struct Failing {
        mib: Mib,
        ok: std::sync::atomic::AtomicUsize,
    }

    impl Source for Failing {
        async fn get(&self, oids: &[Oid]) -> crate::snmp::Result<Vec<Varbind>> {
            self.step()?;
            Source::get(&self.mib, oids).await
        }

        async fn walk(&self, root: &Oid) -> crate::snmp::Result<Vec<Varbind>> {
            self.step()?;
            Source::walk(&self.mib, root).await
        }
    }

    impl Failing {
        fn step(&self) -> crate::snmp::Result<()> {
            use std::sync::atomic::Ordering;
            let left = self.ok.load(Ordering::Relaxed);
            if left == 0 {
                return Err(SnmpError::Timeout {
                    peer: SocketAddr::from(([127, 0, 0, 1], 161)),
                    attempts: 1,
                    waited: Duration::from_secs(1),
                });
            }
            self.ok.store(left - 1, Ordering::Relaxed);
            Ok(())
        }
    }

    #[tokio::test]
    async fn failures() {
        let device = || {
            mib(vec![
                ("1.3.6.1.2.1.1.1.0", s("Cisco IOS Software")),
                (
                    "1.3.6.1.2.1.1.2.0",
                    Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
                ),
                (
                    "1.3.6.1.2.1.2.2.1.6.1",
                    Value::OctetString(vec![0, 1, 2, 3, 4, 5]),
                ),
            ])
        };
        let db = MibDb::bundled().unwrap();
        let dead = Failing {
            mib: device(),
            ok: 0.into(),
        };
        assert!(matches!(
            identify(&dead, db).await,
            Err(SnmpError::Timeout { .. })
        ));
        // The device dies after the first request: what it said is kept, nothing panics.
        let dying = Failing {
            mib: device(),
            ok: 1.into(),
        };
        let info = identify(&dying, db).await.unwrap();
        assert_eq!(info.model.as_deref(), Some("Catalyst 3750-24/48"));
        assert_eq!(info.description.as_deref(), Some("Cisco IOS Software"));
        assert_eq!(info.mac, None);
    }

    /// An agent that answers genErr to GETs of more than a few objects.
    struct Small(Mib);

    impl Source for Small {
        async fn get(&self, oids: &[Oid]) -> crate::snmp::Result<Vec<Varbind>> {
            if oids.len() > 12 {
                return Err(SnmpError::ErrorStatus {
                    peer: SocketAddr::from(([127, 0, 0, 1], 161)),
                    status: crate::snmp::pdu::ErrorStatus::GenErr,
                    index: 0,
                    oid: None,
                });
            }
            Source::get(&self.0, oids).await
        }

        async fn walk(&self, root: &Oid) -> crate::snmp::Result<Vec<Varbind>> {
            Source::walk(&self.0, root).await
        }
    }

    #[tokio::test]
    async fn agents_refusing_big_requests_are_asked_one_object_at_a_time() {
        let items = || {
            vec![
                ("1.3.6.1.2.1.1.1.0", s("Cisco IOS Software")),
                (
                    "1.3.6.1.2.1.1.2.0",
                    Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
                ),
                ("1.3.6.1.2.1.1.5.0", s("sw1")),
                ("1.3.6.1.2.1.47.1.1.1.1.11.1", s("FOC123")),
                (
                    "1.3.6.1.2.1.17.1.1.0",
                    Value::OctetString(vec![0, 1, 2, 3, 4, 5]),
                ),
            ]
        };
        let db = MibDb::bundled().unwrap();
        let want = identify(&mib(items()), db).await.unwrap();
        let got = identify(&Small(mib(items())), db).await.unwrap();
        assert_eq!(got, want);
        assert_eq!(got.serial.as_deref(), Some("FOC123"));
        assert_eq!(got.mac.as_deref(), Some("00:01:02:03:04:05"));
    }
}
