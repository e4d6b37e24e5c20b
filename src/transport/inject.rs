//! Sending documents that were saved earlier (`sonde inject`, FusionInventory's injector):
//! inventories and task results written by `--local`/`--save`, or by the Perl agents, uploaded
//! to a server, possibly long after and to several servers.
//!
//! A document is sent as it is (a zlib-compressed file is inflated first) with the configured
//! compression; it counts as delivered when the server answers 2xx and its reply carries no
//! `ERROR`. Directory sends take `*.ocs`, `*.xml` and `*.json` files in name order.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use reqwest::Url;

use super::{BodyFormat, Client, TransportError};

/// Why one document was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum InjectError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The document is empty.
    #[error("{0}: empty document")]
    Empty(String),
    /// The exchange failed.
    #[error("{path}: {source}")]
    Send {
        /// The file (or `stdin`).
        path: String,
        /// Why.
        source: TransportError,
    },
    /// The server answered with an error message.
    #[error("{path}: the server refused it: {message}")]
    Refused {
        /// The file (or `stdin`).
        path: String,
        /// The server's ERROR text.
        message: String,
    },
}

/// The documents of a directory: `*.ocs`, `*.xml`, `*.json`, sorted by path, descending into
/// subdirectories when `recursive`.
pub fn documents_in(dir: &Path, recursive: bool) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    // Bounded: at most this many directories are visited (against link loops).
    let mut budget = 100_000usize;
    while let Some(d) = dirs.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if recursive {
                    dirs.push(path);
                }
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "ocs" | "xml" | "json"))
            {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The document's text: a zlib (or gzip) compressed one is inflated.
#[must_use]
pub fn decoded(bytes: Vec<u8>) -> Vec<u8> {
    let mut out = Vec::new();
    let inflated = match bytes.get(..2) {
        Some([0x78, 0x01 | 0x5e | 0x9c | 0xda]) => {
            flate2::read::ZlibDecoder::new(bytes.as_slice()).read_to_end(&mut out)
        }
        Some([0x1f, 0x8b]) => {
            flate2::read::MultiGzDecoder::new(bytes.as_slice()).read_to_end(&mut out)
        }
        _ => return bytes,
    };
    if inflated.is_ok() { out } else { bytes }
}

/// The `VERSIONCLIENT` of an XML document, for `--xml-ua`.
#[must_use]
pub fn version_client(document: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(document);
    let start = text.find("<VERSIONCLIENT>")? + "<VERSIONCLIENT>".len();
    let end = text[start..].find("</VERSIONCLIENT>")? + start;
    let v = text[start..end].trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Sends one document; `name` is used in errors.
pub async fn send(
    client: &Client,
    url: &Url,
    name: &str,
    document: &[u8],
) -> Result<(), InjectError> {
    let trimmed = document.trim_ascii_start();
    if trimmed.is_empty() {
        return Err(InjectError::Empty(name.to_owned()));
    }
    let format = if trimmed.starts_with(b"{") {
        BodyFormat::Json
    } else {
        BodyFormat::Xml
    };
    let reply = client
        .post(url, document, format)
        .await
        .map_err(|source| InjectError::Send {
            path: name.to_owned(),
            source,
        })?;
    if let Some(message) = reply.server_error() {
        return Err(InjectError::Refused {
            path: name.to_owned(),
            message: message.to_owned(),
        });
    }
    Ok(())
}

/// Reads and sends a file; with `remove`, deletes it once delivered.
pub async fn send_file(
    client: &Client,
    url: &Url,
    path: &Path,
    remove: bool,
) -> Result<(), InjectError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| InjectError::Read {
        path: name.clone(),
        source,
    })?;
    send(client, url, &name, &decoded(bytes)).await?;
    if remove {
        std::fs::remove_file(path).map_err(|source| InjectError::Read { path: name, source })?;
    }
    Ok(())
}
