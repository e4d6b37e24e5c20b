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

/// The documents of a file: a file holding a stream of XML messages (`netdiscovery --save`,
/// `netinventory --save`: START, one message per device, END) gives each `<REQUEST>` document
/// in order; any other file is one document.
#[must_use]
pub fn documents(bytes: &[u8]) -> Vec<&[u8]> {
    const END: &[u8] = b"</REQUEST>";
    let ends: Vec<usize> = bytes
        .windows(END.len())
        .enumerate()
        .filter(|(_, w)| *w == END)
        .map(|(i, _)| i + END.len())
        .collect();
    if ends.len() < 2 {
        return vec![bytes];
    }
    let mut out = Vec::with_capacity(ends.len());
    let mut start = 0;
    for end in ends {
        out.push(bytes[start..end].trim_ascii());
        start = end;
    }
    let rest = bytes[start..].trim_ascii();
    if !rest.is_empty() {
        // Trailing text is sent as it is: the server judges it.
        out.push(rest);
    }
    out
}

/// Sends each message of a document in order (see [`documents`]). With `rest_to`, when the
/// server fails part-way, that file is rewritten with only the messages it did not
/// acknowledge, so that a later attempt sends each message once.
pub async fn send_all(
    client: &Client,
    url: &Url,
    name: &str,
    bytes: &[u8],
    rest_to: Option<&Path>,
) -> Result<(), InjectError> {
    let docs = documents(bytes);
    for (i, doc) in docs.iter().enumerate() {
        if let Err(e) = send(client, url, name, doc).await {
            if let Some(path) = rest_to.filter(|_| i > 0) {
                let rest = docs[i..].join(&b"\n"[..]);
                crate::inventory::state::write_atomically(path, &rest).map_err(|source| {
                    InjectError::Read {
                        path: name.to_owned(),
                        source,
                    }
                })?;
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Reads and sends a file ([`send_all`]); with `remove`, deletes it once delivered, or keeps
/// only what was not delivered.
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
    send_all(client, url, &name, &decoded(bytes), remove.then_some(path)).await?;
    if remove {
        std::fs::remove_file(path).map_err(|source| InjectError::Read { path: name, source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::documents;

    #[test]
    fn a_message_stream_is_split_into_its_documents() {
        let one = b"<?xml version=\"1.0\"?>\n<REQUEST><QUERY>INVENTORY</QUERY></REQUEST>\n";
        assert_eq!(documents(one), [&one[..]]);
        let stream = b"<?xml version=\"1.0\"?>\n<REQUEST><A/></REQUEST>\n<?xml version=\"1.0\"?>\n<REQUEST><B/></REQUEST>\n\n<REQUEST><C/></REQUEST>\n";
        let docs: Vec<String> = documents(stream)
            .iter()
            .map(|d| String::from_utf8_lossy(d).into_owned())
            .collect();
        assert_eq!(
            docs,
            [
                "<?xml version=\"1.0\"?>\n<REQUEST><A/></REQUEST>",
                "<?xml version=\"1.0\"?>\n<REQUEST><B/></REQUEST>",
                "<REQUEST><C/></REQUEST>"
            ]
        );
        let trailing = b"<REQUEST/></REQUEST><REQUEST></REQUEST> junk";
        assert_eq!(documents(trailing).last(), Some(&&b"junk"[..]));
        assert_eq!(documents(b"{\"a\":1}"), [&b"{\"a\":1}"[..]]);
        assert_eq!(documents(b""), [&b""[..]]);
    }
}
