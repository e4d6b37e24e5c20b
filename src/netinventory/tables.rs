//! The values read from one device for its inventory: the rows of every column walked and the
//! scalars got, looked up by OID. Section builders read from here and never talk to the device.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::snmp::{Oid, Value, Varbind};

/// Values read from a device (or one of its VLAN contexts), by OID.
#[derive(Clone, Debug, Default)]
pub struct Tables {
    values: BTreeMap<Oid, Value>,
}

impl Tables {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Tables holding exactly these varbinds (exceptions are dropped).
    #[must_use]
    pub fn from_varbinds(varbinds: impl IntoIterator<Item = Varbind>) -> Self {
        let mut t = Self::new();
        t.extend(varbinds);
        t
    }

    /// Adds varbinds (walk rows or GET answers); exceptions (noSuchObject…) are dropped.
    pub fn extend(&mut self, varbinds: impl IntoIterator<Item = Varbind>) {
        for vb in varbinds {
            if !vb.value.is_exception() && !matches!(vb.value, Value::Null) {
                self.values.insert(vb.oid, vb.value);
            }
        }
    }

    /// The value of exactly `oid`.
    #[must_use]
    pub fn get(&self, oid: &[u32]) -> Option<&Value> {
        self.values.get(&Oid::from_slice(oid))
    }

    /// The rows under `root` as (index after `root`, value), in OID order.
    pub fn column<'a>(&'a self, root: &[u32]) -> impl Iterator<Item = (&'a [u32], &'a Value)> {
        let start = Oid::from_slice(root);
        let n = root.len();
        let owned_root = root.to_vec();
        self.values
            .range((Bound::Excluded(start), Bound::Unbounded))
            .take_while(move |(oid, _)| oid.arcs().starts_with(&owned_root))
            .map(move |(oid, value)| (&oid.arcs()[n..], value))
    }

    /// The rows of a column whose index is one number (ifIndex-like tables), as (index, value).
    pub fn column_u32<'a>(&'a self, root: &[u32]) -> impl Iterator<Item = (u32, &'a Value)> {
        self.column(root).filter_map(|(index, value)| match index {
            [i] => Some((*i, value)),
            _ => None,
        })
    }

    /// True when anything lies under `root`.
    #[must_use]
    pub fn has(&self, root: &[u32]) -> bool {
        self.column(root).next().is_some()
    }

    /// Number of values held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when nothing is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A table index as dotted text (`1.10.2`): the reference agents walk rows sorted that way.
#[must_use]
pub fn dotted(index: &[u32]) -> String {
    index
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// An integer value (Integer, counters, gauges, TimeTicks), or a decimal number in a string.
#[must_use]
pub fn int(value: &Value) -> Option<i64> {
    match value {
        Value::OctetString(bytes) => std::str::from_utf8(bytes).ok()?.trim().parse().ok(),
        other => other.as_i128().and_then(|v| i64::try_from(v).ok()),
    }
}

/// getCanonicalConstant: an integer, or the number of a `name(n)` enumeration (`up(1)`).
#[must_use]
pub fn constant(value: &Value) -> Option<i64> {
    if let Some(n) = int(value) {
        return Some(n);
    }
    let text = crate::mib::canon::raw(value)?;
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    inner[open + 1..].parse().ok()
}

/// A non-negative integer value.
#[must_use]
pub fn uint(value: &Value) -> Option<u64> {
    match value {
        Value::OctetString(bytes) => std::str::from_utf8(bytes).ok()?.trim().parse().ok(),
        other => other.as_i128().and_then(|v| u64::try_from(v).ok()),
    }
}

/// Builders for the section tests: varbinds of a column row, string values.
#[cfg(test)]
pub(crate) mod testing {
    use crate::snmp::{Oid, Value, Varbind};

    /// The varbind of `column` at `index`.
    pub(crate) fn vb(column: &[u32], index: &[u32], value: Value) -> Varbind {
        Varbind::new(Oid::from_slice(&[column, index].concat()), value)
    }

    /// An OCTET STRING value.
    pub(crate) fn s(text: &str) -> Value {
        Value::OctetString(text.as_bytes().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Oid {
        s.parse().expect("oid")
    }

    #[test]
    fn columns_and_scalars() {
        let t = Tables::from_varbinds([
            Varbind::new(
                oid("1.3.6.1.2.1.2.2.1.2.1"),
                Value::OctetString(b"a".to_vec()),
            ),
            Varbind::new(
                oid("1.3.6.1.2.1.2.2.1.2.10"),
                Value::OctetString(b"b".to_vec()),
            ),
            Varbind::new(oid("1.3.6.1.2.1.2.2.1.3.1"), Value::Integer(6)),
            Varbind::new(oid("1.3.6.1.2.1.2.2.1.4.1"), Value::NoSuchInstance),
            Varbind::new(oid("1.3.6.1.2.1.17.4.3.1.2.0.1.2.3.4.5"), Value::Integer(7)),
        ]);
        let rows: Vec<_> = t.column_u32(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 2]).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 1);
        assert_eq!(rows[1].0, 10);
        assert!(!t.has(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 4]));
        assert_eq!(
            t.get(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 3, 1]),
            Some(&Value::Integer(6))
        );
        let fdb: Vec<_> = t.column(&[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 2]).collect();
        assert_eq!(fdb, vec![(&[0, 1, 2, 3, 4, 5][..], &Value::Integer(7))]);
        assert_eq!(int(&Value::OctetString(b" 12 ".to_vec())), Some(12));
        assert_eq!(uint(&Value::Integer(-1)), None);
        assert_eq!(constant(&Value::OctetString(b"up(1)".to_vec())), Some(1));
        assert_eq!(constant(&Value::OctetString(b"up".to_vec())), None);
    }
}
