//! Parser of net-snmp walk text, in every `snmpwalk` output style, into typed varbinds.
//!
//! Accepted OID styles: numeric with a leading dot (`-On`), `iso.3.6.1…`, bare numeric, and
//! symbolic names of the standard MIBs (`SNMPv2-MIB::sysDescr.0`, see [`super::symbols`]).
//! Values: everything net-snmp prints (`STRING`, `Hex-STRING`, `INTEGER: up(1)`, `Timeticks`,
//! `OID`, `IpAddress`, `Network Address`, `OPAQUE`/`Opaque: Float:`, `BITS`, `NULL`, `Wrong Type …`).
//!
//! The input is bytes, never decoded: strings keep their raw 8-bit content. Line endings are
//! LF, or CRLF when every line of the file's head ends with CRLF (a carriage return at the end of
//! a line of a multi-line string of an LF file belongs to the string).
//!
//! Markers:
//! - `End of MIB` ends parsing (what follows is ignored).
//! - `… = No more variables left in this MIB View …` is net-snmp's end-of-walk line: it repeats
//!   the last OID and is not an object of the device, so it gives no varbind; parsing continues
//!   (a file may hold several concatenated walks).
//! - `No Such Object …` / `No Such Instance …` become [`Value::NoSuchObject`] /
//!   [`Value::NoSuchInstance`] varbinds.
//!
//! A malformed record is reported as a [`LineError`] with the number of its first line and
//! parsing goes on with the next line; nothing panics on any input.

use std::io::{self, Read};
use std::path::Path;

use crate::snmp::{Oid, Value, Varbind};

use super::lines::{Lines, strip_cr};
use super::symbols;
use super::values::{self, ValueText};

/// A parsed walk file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkFile {
    /// The varbinds in file order, duplicates included.
    pub varbinds: Vec<Varbind>,
    /// The records that could not be parsed, in file order.
    pub errors: Vec<LineError>,
}

impl WalkFile {
    /// The varbinds sorted by OID; of several varbinds with the same OID the first one in file
    /// order is kept (a walk repeating an OID saw it first in its natural place).
    #[must_use]
    pub fn sorted(&self) -> Vec<Varbind> {
        sort_dedup(self.varbinds.clone())
    }

    /// Like [`WalkFile::sorted`], consuming the file.
    #[must_use]
    pub fn into_sorted(self) -> Vec<Varbind> {
        sort_dedup(self.varbinds)
    }
}

/// Stable sort by OID, then drop the later duplicates.
fn sort_dedup(mut varbinds: Vec<Varbind>) -> Vec<Varbind> {
    varbinds.sort_by(|a, b| a.oid.cmp(&b.oid));
    varbinds.dedup_by(|later, earlier| later.oid == earlier.oid);
    varbinds
}

/// A record of a walk file that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct LineError {
    /// 1-based number of the record's first line.
    pub line: usize,
    /// What was wrong.
    pub kind: LineErrorKind,
}

/// Why a record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineErrorKind {
    /// The line has no ` = ` between an OID and a value.
    #[error("not a varbind line (no ` = `)")]
    NotAVarbind,
    /// The OID text is not a valid OID.
    #[error("invalid OID: {0}")]
    BadOid(&'static str),
    /// A symbolic OID whose name is not in the symbol table.
    #[error("unknown symbolic OID name {0:?}")]
    UnknownName(String),
    /// The text before the colon is not a net-snmp type name.
    #[error("unknown value type {0:?}")]
    UnknownType(String),
    /// The value text does not fit its type.
    #[error("invalid {kind} value: {reason}")]
    BadValue {
        /// The type as written in the file.
        kind: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// A quoted string whose closing quote never came.
    #[error("quoted string is not terminated")]
    Unterminated,
}

/// Parses walk text.
#[must_use]
pub fn parse(bytes: &[u8]) -> WalkFile {
    let mut lines = Lines::new(bytes);
    let mut file = WalkFile {
        // A record is rarely shorter than 40 bytes.
        varbinds: Vec::with_capacity(bytes.len() / 48),
        errors: Vec::new(),
    };
    while let Some((number, line)) = lines.next_line() {
        let text = values::trim(line);
        if text.is_empty() {
            continue;
        }
        if text.starts_with(b"End of MIB") {
            break;
        }
        match parse_record(line, &mut lines) {
            Ok(Some(varbind)) => file.varbinds.push(varbind),
            Ok(None) => {}
            Err(kind) => file.errors.push(LineError { line: number, kind }),
        }
    }
    file
}

/// Reads and parses a walk file; gzip-compressed files (any name) are decompressed on the fly.
///
/// # Errors
/// When the file cannot be read or its gzip stream is corrupt. Bad records are not errors here:
/// they are listed in [`WalkFile::errors`].
pub fn read(path: &Path) -> io::Result<WalkFile> {
    let raw = std::fs::read(path)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::with_capacity(raw.len() * 8);
        flate2::read::MultiGzDecoder::new(raw.as_slice()).read_to_end(&mut text)?;
        Ok(parse(&text))
    } else {
        Ok(parse(&raw))
    }
}

/// One record: `OID = value`, the value possibly continued on the following lines.
/// `Ok(None)` for the end-of-view marker.
fn parse_record(line: &[u8], lines: &mut Lines<'_>) -> Result<Option<Varbind>, LineErrorKind> {
    let Some((oid_text, value_text)) = split_record(line) else {
        return Err(LineErrorKind::NotAVarbind);
    };
    // The value first, so that its continuation lines are consumed even when the OID is bad.
    let value = parse_value(value_text, lines);
    let oid = parse_oid(oid_text)?;
    Ok(value?.map(|value| Varbind::new(oid, value)))
}

/// Splits `OID = value` at the first ` = ` (or a final ` =`).
fn split_record(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = line
        .windows(2)
        .position(|pair| pair == b" =")
        .filter(|&at| matches!(line.get(at + 2), None | Some(b' ')))?;
    let oid = values::trim(&line[..at]);
    let value = line.get(at + 3..).unwrap_or_default();
    Some((oid, value))
}

/// The value of a record, from the text after `= `.
fn parse_value(text: &[u8], lines: &mut Lines<'_>) -> Result<Option<Value>, LineErrorKind> {
    match values::classify(text)? {
        ValueText::EndOfView => Ok(None),
        ValueText::Done(value) => Ok(Some(value)),
        ValueText::Quoted(first) => parse_quoted(first, lines).map(|b| Some(Value::OctetString(b))),
        ValueText::Unquoted(first) => Ok(Some(Value::OctetString(parse_unquoted(first, lines)))),
        ValueText::Hex { kind, first } => {
            let mut bytes = Vec::with_capacity(first.len() / 3 + 1);
            let strict = kind != values::HexKind::Bits;
            let mut result = values::decode_hex(first, strict, &mut bytes);
            while let Some(next) = lines.peek().filter(|l| values::is_hex_line(l)) {
                lines.skip();
                if result.is_ok() && strict {
                    result = values::decode_hex(next, strict, &mut bytes);
                } else if result.is_ok() {
                    // BITS: names may follow the octets on the first line only.
                    result = values::decode_hex(next, false, &mut bytes);
                }
            }
            result.map_err(|reason| LineErrorKind::BadValue {
                kind: kind.name(),
                reason,
            })?;
            Ok(Some(kind.value(bytes)))
        }
    }
}

/// A quoted string: `first` is the text after the opening quote; continues on the next lines
/// until a line ends with an unescaped quote.
fn parse_quoted(first: &[u8], lines: &mut Lines<'_>) -> Result<Vec<u8>, LineErrorKind> {
    let mut bytes = Vec::with_capacity(first.len());
    if let Some(end) = closing_quote(first) {
        values::unescape_into(&first[..end], &mut bytes);
        return Ok(bytes);
    }
    values::unescape_into(first, &mut bytes);
    loop {
        let Some(next) = lines.peek() else {
            return Err(LineErrorKind::Unterminated);
        };
        if looks_like_record(next, true) {
            return Err(LineErrorKind::Unterminated);
        }
        lines.skip();
        bytes.push(b'\n');
        if let Some(end) = closing_quote(next) {
            values::unescape_into(&next[..end], &mut bytes);
            return Ok(bytes);
        }
        values::unescape_into(next, &mut bytes);
    }
}

/// Where the closing quote of a quoted-string line is: the line, without trailing whitespace,
/// ends with a quote preceded by an even number of backslashes.
fn closing_quote(line: &[u8]) -> Option<usize> {
    let end = values::trim_end(line).len();
    let quote = end.checked_sub(1)?;
    if line[quote] != b'"' {
        return None;
    }
    let backslashes = line[..quote]
        .iter()
        .rev()
        .take_while(|&&b| b == b'\\')
        .count();
    (backslashes % 2 == 0).then_some(quote)
}

/// An unquoted string (printed by net-snmp under a DISPLAY-HINT): the rest of the line, plus the
/// following non-blank lines that do not start a record.
fn parse_unquoted(first: &[u8], lines: &mut Lines<'_>) -> Vec<u8> {
    let mut bytes = strip_cr(first).to_vec();
    while let Some(next) = lines.peek() {
        let text = values::trim(next);
        if text.is_empty() || text.starts_with(b"End of MIB") || looks_like_record(next, false) {
            break;
        }
        lines.skip();
        bytes.push(b'\n');
        bytes.extend_from_slice(strip_cr(next));
    }
    bytes
}

/// True when a line starts like a record: an OID-shaped first word, followed by ` = ` when
/// `need_equals` (quoted strings only stop at unmistakable records).
pub(crate) fn looks_like_record(line: &[u8], need_equals: bool) -> bool {
    let word_end = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let word = &line[..word_end];
    let shaped = match word.first() {
        None => false,
        Some(b'.') => word.get(1).is_some_and(u8::is_ascii_digit),
        Some(b) if b.is_ascii_digit() => {
            word.contains(&b'.') && word.iter().all(|&c| c.is_ascii_digit() || c == b'.')
        }
        Some(_) => {
            word.windows(2).any(|w| w == b"::")
                || word == b"iso"
                || [&b"iso."[..], b"ccitt.", b"joint-iso-ccitt."]
                    .iter()
                    .any(|prefix| word.starts_with(prefix))
        }
    };
    shaped && (!need_equals || line[word_end..].starts_with(b" = ") || line[word_end..] == *b" =")
}

/// Parses an OID in any walk style: `.1.3.6.1`, `1.3.6.1`, `iso.3.6.1`, `ccitt.0`,
/// `SNMPv2-MIB::sysDescr.0`, `SNMPv2-SMI::enterprises.9.1.516`.
pub(crate) fn parse_oid(text: &[u8]) -> Result<Oid, LineErrorKind> {
    let mut arcs = Vec::with_capacity(16);
    let numeric = match text.first() {
        None => return Err(LineErrorKind::BadOid("empty")),
        Some(b'.') => &text[1..],
        Some(b) if b.is_ascii_digit() => text,
        Some(_) => {
            // Symbolic: the name runs to the first dot after the `::`, if any.
            let name_start = text
                .windows(2)
                .position(|w| w == b"::")
                .map_or(0, |at| at + 2);
            let name_end = text[name_start..]
                .iter()
                .position(|&b| b == b'.')
                .map_or(text.len(), |at| name_start + at);
            let name = std::str::from_utf8(&text[..name_end])
                .map_err(|_| LineErrorKind::BadOid("non-ASCII name"))?;
            let root = symbols::lookup(name)
                .ok_or_else(|| LineErrorKind::UnknownName(name.chars().take(80).collect()))?;
            arcs.extend_from_slice(root);
            match text.get(name_end..) {
                None | Some([]) => return Ok(Oid::new(arcs)),
                Some(rest) => &rest[1..],
            }
        }
    };
    parse_arcs(numeric, &mut arcs)?;
    Ok(Oid::new(arcs))
}

/// Appends the arcs of `1.3.6.1` (no leading dot) to `arcs`.
fn parse_arcs(text: &[u8], arcs: &mut Vec<u32>) -> Result<(), LineErrorKind> {
    if text.is_empty() {
        return Err(LineErrorKind::BadOid("empty"));
    }
    for part in text.split(|&b| b == b'.') {
        if part.is_empty() {
            return Err(LineErrorKind::BadOid("empty arc"));
        }
        let mut arc: u32 = 0;
        for &b in part {
            if !b.is_ascii_digit() {
                return Err(LineErrorKind::BadOid("arc is not a number"));
            }
            arc = arc
                .checked_mul(10)
                .and_then(|a| a.checked_add(u32::from(b - b'0')))
                .ok_or(LineErrorKind::BadOid("arc exceeds 32 bits"))?;
        }
        arcs.push(arc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Varbind {
        let file = parse(text.as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.varbinds.len(), 1, "{:?}", file.varbinds);
        file.varbinds.into_iter().next().unwrap()
    }

    fn oid(text: &str) -> Oid {
        text.parse().unwrap()
    }

    #[test]
    fn oid_styles() {
        let want = oid("1.3.6.1.2.1.1.1.0");
        for text in [
            ".1.3.6.1.2.1.1.1.0",
            "1.3.6.1.2.1.1.1.0",
            "iso.3.6.1.2.1.1.1.0",
            "SNMPv2-MIB::sysDescr.0",
            "RFC1213-MIB::sysDescr.0",
            "sysDescr.0",
            "SNMPv2-SMI::mib-2.1.1.0",
        ] {
            assert_eq!(parse_oid(text.as_bytes()), Ok(want.clone()), "{text}");
        }
        assert_eq!(parse_oid(b"ccitt.0"), Ok(oid("0.0")));
        assert_eq!(parse_oid(b"SNMPv2-SMI::zeroDotZero"), Ok(oid("0.0")));
        assert_eq!(
            parse_oid(b"DISMAN-EVENT-MIB::sysUpTimeInstance"),
            Ok(oid("1.3.6.1.2.1.1.3.0"))
        );
        assert_eq!(
            parse_oid(b"iso.0.8802.1.1.2.1.3.1.0"),
            Ok(oid("1.0.8802.1.1.2.1.3.1.0"))
        );
    }

    #[test]
    fn bad_oids() {
        for (text, want) in [
            (&b""[..], LineErrorKind::BadOid("empty")),
            (b".", LineErrorKind::BadOid("empty")),
            (b".1..3", LineErrorKind::BadOid("empty arc")),
            (b".1.3.x", LineErrorKind::BadOid("arc is not a number")),
            (
                b".1.3.4294967296",
                LineErrorKind::BadOid("arc exceeds 32 bits"),
            ),
            (b"iso.", LineErrorKind::BadOid("empty")),
            (
                b"FOO-MIB::bar.1",
                LineErrorKind::UnknownName("FOO-MIB::bar".into()),
            ),
            (
                b"IF-MIB::ifDescr.\"x\"",
                LineErrorKind::BadOid("arc is not a number"),
            ),
        ] {
            assert_eq!(
                parse_oid(text),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(
            parse_oid(b".1.3.4294967295"),
            Ok(Oid::from([1, 3, u32::MAX]))
        );
    }

    #[test]
    fn multi_line_quoted_string_keeps_inner_carriage_returns() {
        let vb = one(".1.3.6.1.2.1.1.1.0 = STRING: \"S5720 \r\nHuawei \r\n VRP (R)\"\n");
        assert_eq!(
            vb.value,
            Value::OctetString(b"S5720 \r\nHuawei \r\n VRP (R)".to_vec())
        );
        let vb = one(".1.3 = STRING: \"\r\nBootstrap\r\n\"\n");
        assert_eq!(vb.value, Value::OctetString(b"\r\nBootstrap\r\n".to_vec()));
        let vb = one(".1.3 = STRING: \"  A\n  B\n\"\n");
        assert_eq!(vb.value, Value::OctetString(b"  A\n  B\n".to_vec()));
    }

    #[test]
    fn escapes_and_quote_closing() {
        let vb = one(r#".1.3 = STRING: "say \"hi\" C:\\ \x""#);
        assert_eq!(vb.value, Value::OctetString(br#"say "hi" C:\ \x"#.to_vec()));
        // An escaped quote at the end of a line does not close the string.
        let vb = one(".1.3 = STRING: \"a\\\"\nb\"");
        assert_eq!(vb.value, Value::OctetString(b"a\"\nb".to_vec()));
        let vb = one(".1.3 = STRING: \"\"\n");
        assert_eq!(vb.value, Value::OctetString(Vec::new()));
        let vb = one(".1.3 = STRING: \"\\\\\"\n");
        assert_eq!(vb.value, Value::OctetString(b"\\".to_vec()));
    }

    #[test]
    fn eight_bit_strings_keep_their_bytes() {
        let file =
            parse(b".1.3.1 = STRING: \"caf\xe9 \xd6\xd0\"\n.1.3.2 = BITS: 80 01 a(0) p(15)\n");
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(
            file.varbinds[0].value,
            Value::OctetString(b"caf\xe9 \xd6\xd0".to_vec())
        );
        assert_eq!(file.varbinds[1].value, Value::OctetString(vec![0x80, 0x01]));
    }

    #[test]
    fn crlf_files() {
        let text = ".1.3.1 = STRING: \"a\r\nb\"\r\n.1.3.2 = INTEGER: 5\r\n.1.3.3 = Hex-STRING: 00 01 \r\n02 \r\n";
        let file = parse(text.as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let values: Vec<_> = file.varbinds.into_iter().map(|v| v.value).collect();
        assert_eq!(
            values,
            [
                Value::OctetString(b"a\nb".to_vec()),
                Value::Integer(5),
                Value::OctetString(vec![0, 1, 2]),
            ]
        );
    }

    #[test]
    fn unquoted_strings_and_markers() {
        let text = "SNMPv2-MIB::sysDescr.0 = STRING: RICOH Aficio\nsecond line\n\
                    SNMPv2-MIB::sysContact.0 = STRING: \n\
                    .1.3.6.1.4.1.9 = No more variables left in this MIB View (It is past the end of the MIB tree)\n\
                    .1.3.6.1.4.1.10 = No Such Object available on this agent at this OID\n\
                    .1.3.6.1.4.1.11 = No Such Instance currently exists at this OID\n\
                    .1.3.6.1.4.1.12 = \"\"\n\
                    End of MIB\n\
                    .1.3.6.1.4.1.13 = INTEGER: 1\n";
        let file = parse(text.as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let got: Vec<_> = file
            .varbinds
            .iter()
            .map(|v| (v.oid.to_string(), v.value.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "1.3.6.1.2.1.1.1.0".into(),
                    Value::OctetString(b"RICOH Aficio\nsecond line".to_vec())
                ),
                ("1.3.6.1.2.1.1.4.0".into(), Value::OctetString(Vec::new())),
                ("1.3.6.1.4.1.10".into(), Value::NoSuchObject),
                ("1.3.6.1.4.1.11".into(), Value::NoSuchInstance),
                ("1.3.6.1.4.1.12".into(), Value::OctetString(Vec::new())),
            ]
        );
    }

    #[test]
    fn errors_carry_line_numbers_and_parsing_goes_on() {
        let text = b".1.3.1 = INTEGER: 1\n\
                     garbage\n\
                     .1.3.x = INTEGER: 2\n\
                     .1.3.3 = Hex-STRING: 0G 11\n\
                     12 13\n\
                     .1.3.4 = INTEGER: 4\n\
                     \xff\xfe\x00 binary = junk\n\
                     .1.3.5 = STRING: \"never closed\n\
                     .1.3.6 = Counter32: -1\n\
                     .1.3.7 = Gauge32: 7\n\
                     .1.3.8 = STRING: \"open at EOF\nmore";
        let file = parse(text);
        let errors: Vec<_> = file.errors.iter().map(|e| e.line).collect();
        assert_eq!(errors, [2, 3, 4, 7, 8, 9, 11], "{:?}", file.errors);
        let good: Vec<_> = file.varbinds.iter().map(|v| v.oid.to_string()).collect();
        assert_eq!(good, ["1.3.1", "1.3.4", "1.3.7"]);
        assert_eq!(
            file.errors[0].to_string(),
            "line 2: not a varbind line (no ` = `)"
        );
        assert_eq!(file.errors[4].kind, LineErrorKind::Unterminated);
        assert_eq!(file.errors[6].kind, LineErrorKind::Unterminated);
    }

    #[test]
    fn sorted_keeps_the_first_duplicate() {
        let file = parse(
            b".1.3.2 = INTEGER: 1\n.1.3.10 = INTEGER: 2\n.1.3.2 = INTEGER: 3\n.1.3 = INTEGER: 4\n",
        );
        let sorted: Vec<_> = file
            .sorted()
            .into_iter()
            .map(|v| (v.oid.to_string(), v.value))
            .collect();
        assert_eq!(
            sorted,
            [
                ("1.3".into(), Value::Integer(4)),
                ("1.3.2".into(), Value::Integer(1)),
                ("1.3.10".into(), Value::Integer(2)),
            ]
        );
        assert_eq!(file.clone().into_sorted().len(), 3);
    }

    #[test]
    fn never_panics_on_fragments() {
        let sample = b".1.3.6.1.2.1.1.1.0 = STRING: \"a\\\"b\"\n.1.3 = Hex-STRING: 00 FF \n\
                       .1.3 = Opaque: Float: 1.5\n.1.3 = Timeticks: (5) 0:00:00.05\n= \n = = \n";
        for end in 0..=sample.len() {
            for start in 0..end.min(40) {
                let _ = parse(&sample[start..end]);
            }
        }
    }
}
