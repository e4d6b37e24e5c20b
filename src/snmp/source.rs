//! Where SNMP data comes from: a live session or a recorded walk, behind one trait, so that
//! `--file` runs and live runs share every line of identification and inventory code.

use super::agent::Mib;
use super::client::Session;
use super::credential::Version;
use super::error::{Result, SnmpError};
use super::oid::Oid;
use super::table::{DEFAULT_BUDGET, walk_columns_narrow};
use super::value::{Value, Varbind};
use super::walker::{WalkEnd, WalkOptions, walk};

/// The most objects a live walk reads from one table (all its columns together) before it
/// gives up with [`SnmpError::Endless`]: far beyond any real table (the biggest bundled walk,
/// an HP 5406zl, holds 77,312 objects in all), and a bound on what an agent whose OIDs
/// increase forever costs (time and memory).
pub const MAX_TABLE_OBJECTS: usize = 1_000_000;

/// A device's MIB, readable by GET and by subtree walks.
pub trait Source {
    /// Values of `oids`, in order; missing ones as `NoSuchObject`/`NoSuchInstance`.
    fn get(&self, oids: &[Oid]) -> impl Future<Output = Result<Vec<Varbind>>> + Send;
    /// Every varbind under `root`, in OID order.
    fn walk(&self, root: &Oid) -> impl Future<Output = Result<Vec<Varbind>>> + Send;
    /// Every varbind under each of `roots` (one list per root, in OID order), read together
    /// where the source can: a live session asks every column in the same GETBULK.
    fn walk_columns(&self, roots: &[Oid]) -> impl Future<Output = Result<Vec<Vec<Varbind>>>> + Send
    where
        Self: Sync,
    {
        async move {
            let mut out = Vec::with_capacity(roots.len());
            for root in roots {
                out.push(self.walk(root).await?);
            }
            Ok(out)
        }
    }
    /// [`Source::walk_columns`], the last `narrow` roots expected to hold few rows: a live
    /// session steps them one row per request beside the others instead of reading past their
    /// end as far as the long ones go. The rows found are the same.
    fn walk_columns_narrow(
        &self,
        roots: &[Oid],
        narrow: usize,
    ) -> impl Future<Output = Result<Vec<Vec<Varbind>>>> + Send
    where
        Self: Sync,
    {
        let _ = narrow;
        self.walk_columns(roots)
    }
}

impl Source for Session {
    async fn get(&self, oids: &[Oid]) -> Result<Vec<Varbind>> {
        Session::get(self, oids).await
    }

    async fn walk(&self, root: &Oid) -> Result<Vec<Varbind>> {
        let opts = WalkOptions {
            bulk: self.version() != Version::V1,
            max_varbinds: MAX_TABLE_OBJECTS,
            ..WalkOptions::default()
        };
        let result = walk(self, root, opts).await?;
        if result.end == WalkEnd::Limit {
            return Err(self.endless());
        }
        Ok(result.varbinds)
    }

    async fn walk_columns(&self, roots: &[Oid]) -> Result<Vec<Vec<Varbind>>> {
        Source::walk_columns_narrow(self, roots, 0).await
    }

    async fn walk_columns_narrow(&self, roots: &[Oid], narrow: usize) -> Result<Vec<Vec<Varbind>>> {
        // The budget bounds each answer; a column left alone may use all of it.
        let opts = WalkOptions {
            bulk: self.version() != Version::V1,
            max_repetitions: DEFAULT_BUDGET,
            max_varbinds: MAX_TABLE_OBJECTS,
            ..WalkOptions::default()
        };
        let result = walk_columns_narrow(self, roots, narrow, opts, DEFAULT_BUDGET).await?;
        if result.limited {
            return Err(self.endless());
        }
        Ok(result.columns)
    }
}

impl Session {
    fn endless(&self) -> SnmpError {
        SnmpError::Endless {
            peer: self.target().addr,
            limit: MAX_TABLE_OBJECTS,
        }
    }
}

impl Source for Mib {
    async fn get(&self, oids: &[Oid]) -> Result<Vec<Varbind>> {
        Ok(oids
            .iter()
            .map(|oid| {
                let value = self.lookup(oid).cloned().unwrap_or(Value::NoSuchInstance);
                Varbind::new(oid.clone(), value)
            })
            .collect())
    }

    async fn walk(&self, root: &Oid) -> Result<Vec<Varbind>> {
        Ok(self.subtree(root).to_vec())
    }

    async fn walk_columns(&self, roots: &[Oid]) -> Result<Vec<Vec<Varbind>>> {
        Ok(roots.iter().map(|r| self.subtree(r).to_vec()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mib() -> Mib {
        let o = |s: &str| s.parse::<Oid>().unwrap();
        Mib::new(vec![
            Varbind::new(o("1.3.6.1.2.1.1.1.0"), Value::OctetString(b"d".to_vec())),
            Varbind::new(
                o("1.3.6.1.2.1.2.2.1.2.1"),
                Value::OctetString(b"eth0".to_vec()),
            ),
            Varbind::new(
                o("1.3.6.1.2.1.2.2.1.2.2"),
                Value::OctetString(b"eth1".to_vec()),
            ),
            Varbind::new(o("1.3.6.1.2.1.2.2.1.3.1"), Value::Integer(6)),
        ])
    }

    #[tokio::test]
    async fn a_walk_file_answers_like_a_device() {
        let m = mib();
        let got = Source::get(
            &m,
            &[
                "1.3.6.1.2.1.1.1.0".parse().unwrap(),
                "1.3.6.1.2.1.1.2.0".parse().unwrap(),
            ],
        )
        .await
        .unwrap();
        assert_eq!(got[0].value, Value::OctetString(b"d".to_vec()));
        assert_eq!(got[1].value, Value::NoSuchInstance);
        let rows = Source::walk(&m, &"1.3.6.1.2.1.2.2.1.2".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            Source::walk(&m, &"1.3.6.1.2.1.3".parse().unwrap())
                .await
                .unwrap()
                .is_empty()
        );
    }
}
