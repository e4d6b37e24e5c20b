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
//!
//! A kept result that is not whole when its turn comes (not well-formed XML with one root, or
//! not a JSON object: a file damaged on disk) or that cannot be read is set aside as
//! `<name>.corrupt`, with a warning, and delivery goes on with the next one: one bad file never
//! holds the others back (a server would refuse it at every contact).

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
    /// A directory where files cannot be created or removed (read-only) is an error at once:
    /// a result sent from it could not be forgotten, and would be sent again.
    pub fn open(dir: impl Into<PathBuf>, limits: Limits) -> Result<Self, SpoolError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        let probe = dir.join(".write-check.tmp");
        std::fs::File::create(&probe).map_err(|e| io_error(&dir, e))?;
        std::fs::remove_file(&probe).map_err(|e| io_error(&dir, e))?;
        for entry in std::fs::read_dir(&dir).map_err(|e| io_error(&dir, e))? {
            let entry = entry.map_err(|e| io_error(&dir, e))?;
            if entry.file_name().to_string_lossy().ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(Self { dir, limits })
    }

    /// A handle on the spool in `dir` for reading what it holds ([`Spool::items`]) and nothing
    /// else: no directory created, no temporary file removed (a run may be writing one right
    /// now, in this process or another), nothing probed; a read-only spool reads.
    #[must_use]
    pub fn existing(dir: impl Into<PathBuf>, limits: Limits) -> Self {
        Self {
            dir: dir.into(),
            limits,
        }
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
        if let Err(e) = write_synced(&tmp, bytes) {
            // A full disk: what was written of it is given back at once.
            let _ = std::fs::remove_file(&tmp);
            return Err(io_error(&tmp, e));
        }
        if let Err(e) = std::fs::rename(&tmp, &path) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_error(&path, e));
        }
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

    /// Sets a kept result aside (renamed `<name>.corrupt`, which is no spool file), so that
    /// delivery goes on without it.
    pub fn set_aside(&self, item: &Item, why: &str) -> Result<PathBuf, SpoolError> {
        let mut name = item.path.as_os_str().to_owned();
        name.push(".corrupt");
        let aside = PathBuf::from(name);
        std::fs::rename(&item.path, &aside).map_err(|e| io_error(&item.path, e))?;
        tracing::warn!(
            file = %item.path.display(),
            "kept result set aside as {} ({why}); the others are delivered",
            aside.display()
        );
        Ok(aside)
    }

    /// Sends every kept result in order with `send`, removing each one it acknowledges; stops at
    /// the first failure (so order is kept) and returns how many were delivered and the error.
    /// A result that is not whole, or cannot be read, is set aside (see the module) and skipped.
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
            let bytes = match std::fs::read(&item.path) {
                Ok(b) if is_whole(&item.format, &b) => b,
                Ok(_) => {
                    if let Err(e) = self.set_aside(&item, "not a whole message") {
                        return (delivered, Some(e.into()));
                    }
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    if let Err(e) = self.set_aside(&item, &format!("unreadable: {e}")) {
                        return (delivered, Some(e.into()));
                    }
                    continue;
                }
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

/// Whether a kept result is whole: well-formed XML with one root element, or a JSON object.
fn is_whole(format: &str, bytes: &[u8]) -> bool {
    if format == "json" {
        return serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|v| v.is_object());
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let mut reader = quick_xml::Reader::from_str(text);
    let (mut depth, mut roots) = (0usize, 0usize);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                roots += usize::from(depth == 0);
                depth += 1;
            }
            Ok(quick_xml::events::Event::Empty(_)) => roots += usize::from(depth == 0),
            Ok(quick_xml::events::Event::End(_)) => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            Ok(quick_xml::events::Event::Text(t)) if depth == 0 => {
                let text: &str = t.as_ref();
                if !text.trim().is_empty() {
                    return false;
                }
            }
            Ok(quick_xml::events::Event::Eof) => return depth == 0 && roots == 1,
            Ok(_) => {}
            Err(_) => return false,
        }
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

    /// Damaged files are set aside and the others go; a result kept after them keeps its place.
    #[tokio::test]
    async fn damaged_results_are_set_aside_and_the_others_delivered() {
        let d = dir("damaged");
        let spool = Spool::open(&d, Limits::default()).unwrap();
        spool
            .push("netinventory", "xml", b"<REQUEST><A/></REQUEST>")
            .unwrap();
        let cut = spool.push("netinventory", "xml", b"<REQUEST><A>").unwrap();
        let garbage = spool
            .push("netinventory", "xml", b"\0\0\0\0garbage")
            .unwrap();
        let empty = spool.push("inventory", "json", b"").unwrap();
        let array = spool.push("inventory", "json", b"[1, 2]").unwrap();
        let two = spool.push("inventory", "xml", b"<A/><B/>").unwrap();
        spool
            .push("inventory", "json", b"{\"action\": \"inventory\"}")
            .unwrap();
        // A directory where a result should be: unreadable, set aside too.
        std::fs::create_dir(d.join("000000000008-inventory.xml")).unwrap();
        let mut sent = Vec::new();
        let (n, err) = spool
            .deliver(|item, bytes| {
                sent.push((item.sequence, bytes));
                async { Ok::<(), SpoolError>(()) }
            })
            .await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(n, 2);
        let sequences: Vec<u64> = sent.iter().map(|(s, _)| *s).collect();
        assert_eq!(sequences, [1, 7]);
        for item in [cut, garbage, empty, array, two] {
            assert!(!item.path.exists());
            let mut aside = item.path.as_os_str().to_owned();
            aside.push(".corrupt");
            assert!(std::path::Path::new(&aside).exists(), "{aside:?}");
        }
        assert!(d.join("000000000008-inventory.xml.corrupt").is_dir());
        // What was set aside is no spool file: nothing is left to deliver.
        assert!(spool.items().unwrap().is_empty());
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
