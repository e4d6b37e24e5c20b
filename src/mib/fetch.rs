//! A caching front of a [`Source`] for one identification: batched GETs, walks done at most
//! once, GETs answered from earlier walks, and a device that stops answering asked no more.

use std::collections::{HashMap, HashSet};

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
}

impl<'s, S: Source> Fetcher<'s, S> {
    pub(crate) fn new(source: &'s S) -> Self {
        Self {
            source,
            values: HashMap::new(),
            unknown: HashSet::new(),
            walks: HashMap::new(),
            dead: false,
        }
    }

    /// One GET of every OID not known yet. The first request of an identification uses
    /// [`Fetcher::prefetch_strict`] instead: its failure is the device's.
    pub(crate) async fn prefetch(&mut self, oids: impl IntoIterator<Item = Oid>) {
        if let Err(e) = self.prefetch_strict(oids).await {
            self.failed(&e);
        }
    }

    /// Like [`Fetcher::prefetch`], but the error is returned.
    pub(crate) async fn prefetch_strict(
        &mut self,
        oids: impl IntoIterator<Item = Oid>,
    ) -> Result<(), SnmpError> {
        let mut seen = HashSet::new();
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
                for oid in ask {
                    self.values.insert(oid, None);
                }
                Err(e)
            }
        }
    }

    /// The value of one object (from the cache, an earlier walk, or a GET).
    pub(crate) async fn get(&mut self, oid: &Oid) -> Option<Value> {
        if !self.known(oid) {
            self.prefetch([oid.clone()]).await;
        }
        if let Some(found) = self.values.get(oid) {
            return found.clone();
        }
        self.in_walks(oid).cloned()
    }

    /// Every object under `root`, in OID order (walked once). A column whose instance was
    /// answered noSuchObject is not implemented: it is not walked.
    pub(crate) async fn walk(&mut self, root: &Oid) -> &[Varbind] {
        if !self.walks.contains_key(root) {
            let unimplemented = self
                .unknown
                .iter()
                .any(|o| o.len() == root.len() + 1 && o.starts_with(root));
            let rows = if self.dead || unimplemented {
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

fn is_missing(value: &Value) -> bool {
    value.is_exception() || matches!(value, Value::Null)
}
