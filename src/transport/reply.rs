//! Request bodies (compression, Content-Type) and server replies (decompression, XML or JSON),
//! the way the FusionInventory plugin and GLPI core expect them (protocol.md §1.3–§1.5).
//!
//! A reply is decoded by its Content-Type first, then by sniffing: the zlib header `78 9C` or
//! the gzip header `1F 8B 08` anywhere in the body (the FusionInventory agent inflates from that
//! offset, which skips PHP notices printed before the compressed data), else plain text. Text
//! starting with `{` is JSON (GLPI 10 native protocol); otherwise XML is taken from `<?xml` (or
//! `<REPLY`, or the first `<`), which skips an empty `<html></html>` or notices printed before
//! it. An HTML page is refused: it is a login page, a portal or an error page, not GLPI.

use std::io::{self, Read, Write};

use flate2::Compression as Level;
use flate2::read::{GzDecoder, ZlibDecoder};
use flate2::write::{GzEncoder, ZlibEncoder};

/// How request bodies are compressed (the server answers the same way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// RFC 1950 zlib, `application/x-compress-zlib` (the FusionInventory agent's default).
    #[default]
    Zlib,
    /// RFC 1952 gzip, `application/x-compress-gzip`.
    Gzip,
    /// No compression (`--no-compression`): `application/xml` or `application/json`.
    None,
}

/// What a request body holds; it decides the Content-Type of an uncompressed body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BodyFormat {
    /// A FusionInventory XML message (`<REQUEST>`).
    #[default]
    Xml,
    /// A GLPI-native JSON message (CONTACT, JSON inventory).
    Json,
}

impl Compression {
    /// The Content-Type of a body of `format` compressed this way (protocol.md §1.3, §7.2).
    pub fn content_type(self, format: BodyFormat) -> &'static str {
        match (self, format) {
            (Compression::Zlib, _) => "application/x-compress-zlib",
            (Compression::Gzip, _) => "application/x-compress-gzip",
            (Compression::None, BodyFormat::Xml) => "application/xml",
            (Compression::None, BodyFormat::Json) => "application/json",
        }
    }

    /// `body` compressed this way.
    pub fn compress(self, body: &[u8]) -> io::Result<Vec<u8>> {
        match self {
            Compression::Zlib => {
                let mut encoder = ZlibEncoder::new(Vec::new(), Level::default());
                encoder.write_all(body)?;
                encoder.finish()
            }
            Compression::Gzip => {
                let mut encoder = GzEncoder::new(Vec::new(), Level::default());
                encoder.write_all(body)?;
                encoder.finish()
            }
            Compression::None => Ok(body.to_vec()),
        }
    }
}

/// What a decoded reply holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// XML, from its first tag (`<?xml` or `<REPLY>`); junk printed before it is dropped.
    Xml,
    /// JSON (`{…}`), from GLPI core's native protocol.
    Json,
    /// Nothing but white space. The FusionInventory agent counts it as a failure; the caller decides.
    Empty,
}

/// A server reply with a success status, decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The Content-Type header, as sent.
    pub content_type: Option<String>,
    /// How the body was compressed (as found, whatever the Content-Type said).
    pub compression: Compression,
    /// What the body holds.
    pub kind: ReplyKind,
    /// The text: XML from its first tag, JSON, or empty. Invalid UTF-8 is replaced.
    pub body: String,
}

impl Reply {
    /// The text of `<ERROR>` in an XML reply (`SSL REQUIRED BY SERVER`, `XML not well formed!`…),
    /// which servers send with status 200 and the FusionInventory agent ignored.
    pub fn server_error(&self) -> Option<&str> {
        if self.kind != ReplyKind::Xml {
            return None;
        }
        let start = self.body.find("<ERROR>")? + "<ERROR>".len();
        let len = self.body[start..].find("</ERROR>")?;
        Some(self.body[start..start + len].trim())
    }
}

/// Why a reply body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Compressed data that does not inflate.
    #[error("cannot decompress the {format} reply: {detail}")]
    Decompress {
        /// `zlib` or `gzip`.
        format: &'static str,
        /// What the decompressor said.
        detail: String,
    },
    /// More than the limit once decompressed.
    #[error("reply larger than the limit once decompressed")]
    TooLarge,
    /// Not a GLPI/FusionInventory reply; says what it is.
    #[error("not a GLPI reply: {0}")]
    NotGlpi(String),
}

/// Decodes the body of a successful reply as the transport does: decompressed as its
/// Content-Type says or as sniffing finds (at most `limit` bytes once decompressed), then
/// classified as XML, JSON or empty (see the module doc). No I/O: the transport calls it on
/// the body it read, tests and fuzzers on bytes of their own.
///
/// # Errors
/// See [`DecodeError`].
pub fn decode(
    status: u16,
    content_type: Option<&str>,
    raw: &[u8],
    limit: usize,
) -> Result<Reply, DecodeError> {
    let (compression, plain) = decompress(raw, content_type, limit)?;
    let (kind, body) = classify(&plain)?;
    Ok(Reply {
        status,
        content_type: content_type.map(str::to_owned),
        compression,
        kind,
        body,
    })
}

/// The decompressed body, and how it was compressed.
pub(crate) fn decompress(
    raw: &[u8],
    content_type: Option<&str>,
    limit: usize,
) -> Result<(Compression, Vec<u8>), DecodeError> {
    let declared = content_type
        .map(media_type)
        .and_then(|ct| match ct.as_str() {
            "application/x-compress-zlib" | "application/x-zlib" => Some(Compression::Zlib),
            "application/x-compress-gzip" | "application/x-gzip" => Some(Compression::Gzip),
            _ => None,
        });
    if let Some(mode) = declared {
        match inflate(raw, mode, limit) {
            Ok(body) => return Ok((mode, body)),
            Err(DecodeError::TooLarge) => return Err(DecodeError::TooLarge),
            // The label may be wrong, or junk may precede the data: sniff, and report this
            // error if sniffing finds nothing either.
            Err(error) => {
                return match sniff(raw, limit)? {
                    (Compression::None, _) => Err(error),
                    found => Ok(found),
                };
            }
        }
    }
    sniff(raw, limit)
}

fn sniff(raw: &[u8], limit: usize) -> Result<(Compression, Vec<u8>), DecodeError> {
    if let Some(at) = find(raw, &[0x78, 0x9c]) {
        return Ok((
            Compression::Zlib,
            inflate(&raw[at..], Compression::Zlib, limit)?,
        ));
    }
    if let Some(at) = find(raw, &[0x1f, 0x8b, 0x08]) {
        return Ok((
            Compression::Gzip,
            inflate(&raw[at..], Compression::Gzip, limit)?,
        ));
    }
    if raw.len() > limit {
        return Err(DecodeError::TooLarge);
    }
    Ok((Compression::None, raw.to_vec()))
}

fn inflate(data: &[u8], mode: Compression, limit: usize) -> Result<Vec<u8>, DecodeError> {
    let bound = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let (format, mut reader): (&'static str, Box<dyn Read + '_>) = match mode {
        Compression::Zlib => ("zlib", Box::new(ZlibDecoder::new(data))),
        Compression::Gzip => ("gzip", Box::new(GzDecoder::new(data))),
        Compression::None => ("plain", Box::new(data)),
    };
    let mut out = Vec::new();
    reader
        .by_ref()
        .take(bound)
        .read_to_end(&mut out)
        .map_err(|e| DecodeError::Decompress {
            format,
            detail: e.to_string(),
        })?;
    if out.len() > limit {
        return Err(DecodeError::TooLarge);
    }
    Ok(out)
}

/// The kind and text of a decompressed reply, or why it is not a GLPI reply.
pub(crate) fn classify(body: &[u8]) -> Result<(ReplyKind, String), DecodeError> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok((ReplyKind::Empty, String::new()));
    }
    if trimmed.starts_with('{') {
        return Ok((ReplyKind::Json, trimmed.to_owned()));
    }
    let after_html = strip_empty_html(trimmed);
    let offset = trimmed.len() - after_html.len();
    let start = trimmed
        .find("<?xml")
        .or_else(|| trimmed.find("<REPLY"))
        .or_else(|| after_html.find('<').map(|at| offset + at));
    let Some(start) = start else {
        return Err(DecodeError::NotGlpi(format!(
            "neither XML nor JSON: {:?}",
            first_line(trimmed, 80)
        )));
    };
    let xml = &trimmed[start..];
    if looks_like_html(xml) {
        return Err(DecodeError::NotGlpi(html_description(xml)));
    }
    Ok((ReplyKind::Xml, xml.to_owned()))
}

/// `text` without a leading `<html></html>` (printed by some PHP setups before the XML).
fn strip_empty_html(text: &str) -> &str {
    match text.get(..13) {
        Some(head) if head.eq_ignore_ascii_case("<html></html>") => &text[13..],
        _ => text,
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(15)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html") || head.starts_with("<head")
}

fn html_description(html: &str) -> String {
    match html_title(html) {
        Some(title) => format!(
            "an HTML page titled {title:?} (a login page, a proxy portal or an error page?)"
        ),
        None => "an HTML page (a login page, a proxy portal or an error page?)".to_owned(),
    }
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let open = lower.find("<title")?;
    let start = open + lower[open..].find('>')? + 1;
    let len = lower[start..].find("</title")?;
    let title = first_line(html[start..start + len].trim(), 80);
    (!title.is_empty()).then_some(title)
}

/// One line saying what the server said in an error reply: `<ERROR>` of a REPLY, the title of
/// an HTML page, or the first line of text with tags removed; at most `max` characters.
pub fn server_message(body: &[u8], content_type: Option<&str>, max: usize) -> String {
    let text = match decompress(body, content_type, 1 << 20) {
        Ok((_, plain)) => String::from_utf8_lossy(&plain).into_owned(),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    if let Some(start) = text.find("<ERROR>") {
        let rest = &text[start + 7..];
        let end = rest.find("</ERROR>").unwrap_or(rest.len());
        return first_line(rest[..end].trim(), max);
    }
    if let Some(title) = html_title(&text) {
        return first_line(&title, max);
    }
    let mut plain = String::with_capacity(text.len().min(4096));
    let mut in_tag = false;
    for c in text.chars().take(64 * 1024) {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    plain
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(|line| first_line(line, max))
        .unwrap_or_default()
}

/// The first line of `text`, trimmed, at most `max` characters (with `…` when cut).
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let cleaned: String = line.chars().filter(|c| !c.is_control()).collect();
    if cleaned.chars().count() <= max {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The media type of a Content-Type value, lower-cased, without parameters.
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><RESPONSE>SEND</RESPONSE></REPLY>";

    #[test]
    fn request_bodies_round_trip_with_their_magic() {
        let zlib = Compression::Zlib.compress(XML.as_bytes()).unwrap();
        assert_eq!(&zlib[..2], &[0x78, 0x9c]);
        let gzip = Compression::Gzip.compress(XML.as_bytes()).unwrap();
        assert_eq!(&gzip[..3], &[0x1f, 0x8b, 0x08]);
        for (body, mode) in [(zlib, Compression::Zlib), (gzip, Compression::Gzip)] {
            assert_eq!(
                decompress(&body, None, 1 << 20).unwrap(),
                (mode, XML.as_bytes().to_vec())
            );
        }
        assert_eq!(
            Compression::None.content_type(BodyFormat::Json),
            "application/json"
        );
        assert_eq!(
            Compression::None.content_type(BodyFormat::Xml),
            "application/xml"
        );
        assert_eq!(
            Compression::Zlib.content_type(BodyFormat::Json),
            "application/x-compress-zlib"
        );
    }

    #[test]
    fn junk_before_compressed_data_and_wrong_labels_are_tolerated() {
        let mut body = b"PHP Notice: something\n".to_vec();
        body.extend(Compression::Zlib.compress(XML.as_bytes()).unwrap());
        let (mode, plain) =
            decompress(&body, Some("application/x-compress-zlib"), 1 << 20).unwrap();
        assert_eq!(
            (mode, plain.as_slice()),
            (Compression::Zlib, XML.as_bytes())
        );
        let gzip = Compression::Gzip.compress(XML.as_bytes()).unwrap();
        let (mode, _) = decompress(&gzip, Some("application/x-compress-zlib"), 1 << 20).unwrap();
        assert_eq!(mode, Compression::Gzip);
        let plain = decompress(
            XML.as_bytes(),
            Some("Application/XML; charset=UTF-8"),
            1 << 20,
        );
        assert_eq!(plain.unwrap().0, Compression::None);
    }

    #[test]
    fn broken_and_oversized_compressed_data() {
        let broken = [0x78, 0x9c, 0xff, 0xff, 0x00, 0x01];
        assert!(matches!(
            decompress(&broken, Some("application/x-compress-zlib"), 1 << 20),
            Err(DecodeError::Decompress { format: "zlib", .. })
        ));
        let big = Compression::Zlib.compress(&vec![b' '; 100_000]).unwrap();
        assert_eq!(decompress(&big, None, 10_000), Err(DecodeError::TooLarge));
    }

    #[test]
    fn classify_xml_json_html() {
        let (kind, text) = classify(format!("<html></html>{XML}").as_bytes()).unwrap();
        assert_eq!((kind, text.as_str()), (ReplyKind::Xml, XML));
        let (kind, text) =
            classify(format!("<br />\n<b>Notice</b>: x\n{XML}\n").as_bytes()).unwrap();
        assert_eq!((kind, text.as_str()), (ReplyKind::Xml, XML));
        let (kind, text) = classify(b"junk <REPLY></REPLY>").unwrap();
        assert_eq!((kind, text.as_str()), (ReplyKind::Xml, "<REPLY></REPLY>"));
        let (kind, _) = classify(b" {\"status\":\"ok\",\"expiration\":24}\n").unwrap();
        assert_eq!(kind, ReplyKind::Json);
        assert_eq!(classify(b" \n").unwrap().0, ReplyKind::Empty);
        let html = b"<!DOCTYPE html><html><head><title>Sign in - Portal</title></head></html>";
        match classify(html) {
            Err(DecodeError::NotGlpi(what)) => assert!(what.contains("Sign in - Portal"), "{what}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(classify(b"OK"), Err(DecodeError::NotGlpi(_))));
    }

    #[test]
    fn decode_decompresses_then_classifies() {
        let zlib = Compression::Zlib.compress(XML.as_bytes()).unwrap();
        let content_type = "application/x-compress-zlib";
        assert_eq!(
            decode(200, Some(content_type), &zlib, 1 << 20),
            Ok(Reply {
                status: 200,
                content_type: Some(content_type.to_owned()),
                compression: Compression::Zlib,
                kind: ReplyKind::Xml,
                body: XML.to_owned(),
            })
        );
        assert_eq!(decode(200, None, &zlib, 10), Err(DecodeError::TooLarge));
        let error = decode(200, None, b"OK", 1 << 20).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a GLPI reply: neither XML nor JSON: \"OK\""
        );
    }

    #[test]
    fn server_messages_are_one_bounded_line() {
        let reply = b"<REPLY><ERROR>SSL REQUIRED BY SERVER</ERROR></REPLY>";
        assert_eq!(server_message(reply, None, 100), "SSL REQUIRED BY SERVER");
        let html =
            b"<html><head><title>503 Service Unavailable</title></head><body>x</body></html>";
        assert_eq!(
            server_message(html, Some("text/html"), 100),
            "503 Service Unavailable"
        );
        let text = b"\n\n  <p>Database   down</p>\nsecond line";
        assert_eq!(server_message(text, None, 100), "Database   down");
        assert_eq!(first_line(&"x".repeat(300), 10).chars().count(), 10);
        let reply = Reply {
            status: 200,
            content_type: None,
            compression: Compression::None,
            kind: ReplyKind::Xml,
            body: "<REPLY><ERROR> XML not well formed! </ERROR></REPLY>".into(),
        };
        assert_eq!(reply.server_error(), Some("XML not well formed!"));
    }
}
