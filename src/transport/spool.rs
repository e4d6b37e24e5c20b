//! The spool: results waiting for a server, kept on disk so that nothing is lost when the server
//! is down or sonde stops. A result is written here before the first attempt to send it and
//! removed only once the server has acknowledged it; delivery is in order.
//!
//! Layout: one directory per target; one file per result, named `<sequence>-<kind>.<ext>`
//! (`000000000042-netdiscovery.xml`), written atomically (temporary file, fsync, rename), so a
//! crash leaves either the whole result or nothing. Leftover temporary files are removed when
//! the spool is opened. The spool is bounded in count and bytes; a full spool refuses new
//! results with an error that says so (the caller reports it), it never drops old ones silently.
//!
//! Delivery is at least once: a crash between the server's acknowledgement and the removal of
//! the file (a few microseconds) sends that result again on the next contact.

use std::io;
use std::path::{Path, PathBuf};

/// Limits of a spool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most results kept.
    pub max_items: usize,
    /// Most bytes kept (all results together).
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_items: 10_000,
            max_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Why the spool failed.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// The spool holds as much as its limits allow.
    #[error(
        "spool {dir} is full ({items} results, {bytes} bytes; limits {max_items} results, {max_bytes} bytes): the result is not kept"
    )]
    Full {
        /// The spool directory.
        dir: String,
        /// Results kept.
        items: usize,
        /// Bytes kept.
        bytes: u64,
        /// The limit on results.
        max_items: usize,
        /// The limit on bytes.
        max_bytes: u64,
    },
    /// A file operation failed (disk full, read-only directory…).
    #[error("spool {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// Why.
        source: io::Error,
    },
}

/// One kept result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Position in the spool (increasing).
    pub sequence: u64,
    /// What it is (`inventory`, `netdiscovery`, `netinventory`…).
    pub kind: String,
    /// File extension: `xml` or `json`.
    pub format: String,
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
}

impl Item {
    /// The result's bytes.
    pub fn read(&self) -> Result<Vec<u8>, SpoolError> {
        std::fs::read(&self.path).map_err(|source| io_error(&self.path, source))
    }
}

/// A spool directory.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    limits: Limits,
}

fn io_error(path: &Path, source: io::Error) -> SpoolError {
    SpoolError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Spool {
    /// Opens (creating it) the spool in `dir`, removing temporary files a crash left behind.
    pub fn open(dir: impl Into<PathBuf>, limits: Limits) -> Result<Self, SpoolError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        for entry in std::fs::read_dir(&dir).map_err(|e| io_error(&dir, e))? {
            let entry = entry.map_err(|e| io_error(&dir, e))?;
            if entry.file_name().to_string_lossy().ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(Self { dir, limits })
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The results kept, oldest first. Files that are not spool files are ignored.
    pub fn items(&self) -> Result<Vec<Item>, SpoolError> {
        let mut items = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(|e| io_error(&self.dir, e))? {
            let entry = entry.map_err(|e| io_error(&self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some((stem, format)) = name.rsplit_once('.') else {
                continue;
            };
            let Some((seq, kind)) = stem.split_once('-') else {
                continue;
            };
            let (Ok(sequence), true) = (seq.parse::<u64>(), matches!(format, "xml" | "json"))
            else {
                continue;
            };
            let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
            items.push(Item {
                sequence,
                kind: kind.to_owned(),
                format: format.to_owned(),
                path: entry.path(),
                size,
            });
        }
        items.sort_by_key(|i| i.sequence);
        Ok(items)
    }

    /// Keeps a result (atomically, synced to disk) and returns its item.
    pub fn push(&self, kind: &str, format: &str, bytes: &[u8]) -> Result<Item, SpoolError> {
        let items = self.items()?;
        let used: u64 = items.iter().map(|i| i.size).sum();
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if items.len() >= self.limits.max_items || used.saturating_add(size) > self.limits.max_bytes
        {
            return Err(SpoolError::Full {
                dir: self.dir.display().to_string(),
                items: items.len(),
                bytes: used,
                max_items: self.limits.max_items,
                max_bytes: self.limits.max_bytes,
            });
        }
        let sequence = items.last().map_or(1, |i| i.sequence + 1);
        let kind: String = kind
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let format = if format == "json" { "json" } else { "xml" };
        let path = self.dir.join(format!("{sequence:012}-{kind}.{format}"));
        let tmp = self.dir.join(format!("{sequence:012}-{kind}.tmp"));
        write_synced(&tmp, bytes).map_err(|e| io_error(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io_error(&path, e))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(Item {
            sequence,
            kind,
            format: format.to_owned(),
            path,
            size,
        })
    }

    /// Forgets a result the server acknowledged.
    pub fn remove(&self, item: &Item) -> Result<(), SpoolError> {
        match std::fs::remove_file(&item.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(&item.path, e)),
        }
    }

    /// Sends every kept result in order with `send`, removing each one it acknowledges; stops at
    /// the first failure (so order is kept) and returns how many were delivered and the error.
    pub async fn deliver<F, Fut, E>(&self, mut send: F) -> (usize, Option<E>)
    where
        F: FnMut(Item, Vec<u8>) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: From<SpoolError>,
    {
        let items = match self.items() {
            Ok(items) => items,
            Err(e) => return (0, Some(e.into())),
        };
        let mut delivered = 0;
        for item in items {
            let bytes = match item.read() {
                Ok(b) => b,
                Err(e) => return (delivered, Some(e.into())),
            };
            if let Err(e) = send(item.clone(), bytes).await {
                return (delivered, Some(e));
            }
            if let Err(e) = self.remove(&item) {
                return (delivered, Some(e.into()));
            }
            delivered += 1;
        }
        (delivered, None)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut f = std::fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("sonde-spool-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[tokio::test]
    async fn keeps_in_order_and_delivers_once() {
        let d = dir("order");
        let spool = Spool::open(&d, Limits::default()).unwrap();
        spool.push("netdiscovery", "xml", b"<one/>").unwrap();
        spool.push("netdiscovery", "xml", b"<two/>").unwrap();
        spool.push("inventory", "json", b"{}").unwrap();
        // A crash left a temporary file: removed on open, not delivered.
        std::fs::write(d.join("000000000004-inventory.tmp"), b"half").unwrap();
        std::fs::write(d.join("README"), b"not a spool file").unwrap();
        let spool = Spool::open(&d, Limits::default()).unwrap();
        assert!(!d.join("000000000004-inventory.tmp").exists());
        // The server fails on the second: the first is gone, the others stay, in order.
        let mut seen = Vec::new();
        let (n, err) = spool
            .deliver(|item, bytes| {
                seen.push(bytes.clone());
                let fail = item.sequence == 2;
                async move {
                    if fail {
                        Err(SpoolError::Io {
                            path: "server".into(),
                            source: io::Error::other("503"),
                        })
                    } else {
                        Ok(())
                    }
                }
            })
            .await;
        assert_eq!(n, 1);
        assert!(err.is_some());
        assert_eq!(seen, [b"<one/>".to_vec(), b"<two/>".to_vec()]);
        let left: Vec<u64> = spool.items().unwrap().iter().map(|i| i.sequence).collect();
        assert_eq!(left, [2, 3]);
        // Back up: the rest goes, in order, and the spool is empty.
        let mut order = Vec::new();
        let (n, err) = spool
            .deliver(|item, _| {
                order.push(item.kind.clone());
                async { Ok::<(), SpoolError>(()) }
            })
            .await;
        assert_eq!((n, err.is_none()), (2, true));
        assert_eq!(order, ["netdiscovery", "inventory"]);
        assert!(spool.items().unwrap().is_empty());
        // New results continue the sequence from 1 when empty (names stay unique per content).
        let again = spool.push("inventory", "json", b"{}").unwrap();
        assert_eq!(again.sequence, 1);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn limits_refuse_new_results() {
        let d = dir("limits");
        let spool = Spool::open(
            &d,
            Limits {
                max_items: 2,
                max_bytes: 10,
            },
        )
        .unwrap();
        spool.push("a", "xml", b"12345").unwrap();
        let e = spool.push("b", "xml", b"123456").unwrap_err();
        assert!(e.to_string().contains("is full"), "{e}");
        spool.push("b", "xml", b"12345").unwrap();
        let e = spool.push("c", "xml", b"").unwrap_err();
        assert!(matches!(e, SpoolError::Full { items: 2, .. }), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn an_unusable_directory_is_a_clear_error() {
        // A file where the spool directory should be: every operation fails, with the path.
        let d = dir("notadir");
        std::fs::write(&d, b"file").unwrap();
        let e = Spool::open(d.join("spool"), Limits::default()).unwrap_err();
        assert!(matches!(e, SpoolError::Io { .. }), "{e}");
        assert!(e.to_string().contains("notadir"), "{e}");
        std::fs::remove_file(&d).unwrap();
    }
}
