//! Decoding of the value text of a walk record (`INTEGER: up(1)`, `Hex-STRING: 00 18 …`, …).
//!
//! | text | value |
//! |---|---|
//! | `STRING: "…"` (quoted, maybe multi-line, `\"` and `\\` escaped), `STRING: …` (unquoted) | OctetString |
//! | `""`, `STRING:` with nothing | empty OctetString |
//! | `Hex-STRING: 00 18 71 …` (maybe continued on the next lines), `BITS: 80 00 name(0)` | OctetString |
//! | `INTEGER: 4`, `INTEGER: up(1)` (the number in parentheses), `Integer32:` | Integer |
//! | `Counter32:`, `Gauge32:`/`Unsigned32:`, `Counter64:` (a trailing unit is ignored) | counters |
//! | `Timeticks: (950925200) 110 days, 1:27:32.00` (the number in parentheses) | TimeTicks |
//! | `OID: .1.3…`, `OID: iso.3…`, `OID: SNMPv2-SMI::enterprises.367.1.1`, `OID: ccitt.0` | ObjectId |
//! | `IpAddress: 10.0.0.1`, `Network Address: 0A:00:00:01` | IpAddress |
//! | `OPAQUE: 09 06 …`; `Opaque: Float: 1.41` → `9f 78 04` + IEEE 754 f32 big-endian; `Opaque: Double: …` → `9f 79 08` + f64 | Opaque |
//! | `NULL` | Null |
//! | `No Such Object …`, `No Such Instance …` | the exceptions |
//! | `Wrong Type (should be …): INTEGER: 5` | the inner typed value |

use crate::snmp::Value;

use super::parse::{LineErrorKind, parse_oid};

/// The opaque wrapper of a float: tag `9f 78`, length 4.
pub(crate) const OPAQUE_FLOAT: [u8; 3] = [0x9f, 0x78, 0x04];
/// The opaque wrapper of a double: tag `9f 79`, length 8.
pub(crate) const OPAQUE_DOUBLE: [u8; 3] = [0x9f, 0x79, 0x08];

/// What the text after `= ` is, once its first line is read.
#[derive(Debug)]
pub(crate) enum ValueText<'a> {
    /// net-snmp's "No more variables left in this MIB View" end-of-walk line.
    EndOfView,
    /// A complete value.
    Done(Value),
    /// A quoted string; the text after the opening quote.
    Quoted(&'a [u8]),
    /// An unquoted string; the text after `STRING: `.
    Unquoted(&'a [u8]),
    /// Hex octets, possibly continued on the next lines.
    Hex {
        /// Which type they belong to.
        kind: HexKind,
        /// The text on the first line.
        first: &'a [u8],
    },
}

/// The types written as hex octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HexKind {
    /// `Hex-STRING:`
    HexString,
    /// `BITS:` (octets, then the names of the set bits).
    Bits,
    /// `OPAQUE:`
    Opaque,
}

impl HexKind {
    /// The type name, for errors.
    pub(crate) fn name(self) -> &'static str {
        match self {
            HexKind::HexString => "Hex-STRING",
            HexKind::Bits => "BITS",
            HexKind::Opaque => "OPAQUE",
        }
    }

    /// The value holding `bytes`.
    pub(crate) fn value(self, bytes: Vec<u8>) -> Value {
        match self {
            HexKind::HexString | HexKind::Bits => Value::OctetString(bytes),
            HexKind::Opaque => Value::Opaque(bytes),
        }
    }
}

/// Reads the first line of a value.
pub(crate) fn classify(text: &[u8]) -> Result<ValueText<'_>, LineErrorKind> {
    let trimmed = trim(text);
    if trimmed == b"\"\"" {
        return Ok(ValueText::Done(Value::OctetString(Vec::new())));
    }
    if let Some(rest) = trimmed.strip_prefix(b"Wrong Type (should be ") {
        let inner = rest
            .windows(3)
            .position(|w| w == b"): ")
            .map(|at| &rest[at + 3..])
            .ok_or(LineErrorKind::BadValue {
                kind: "Wrong Type",
                reason: "no inner value",
            })?;
        return classify(inner);
    }
    if trimmed.starts_with(b"No more variables left in this MIB View") {
        return Ok(ValueText::EndOfView);
    }
    if trimmed.starts_with(b"No Such Object") {
        return Ok(ValueText::Done(Value::NoSuchObject));
    }
    if trimmed.starts_with(b"No Such Instance") {
        return Ok(ValueText::Done(Value::NoSuchInstance));
    }
    if trimmed == b"NULL" {
        return Ok(ValueText::Done(Value::Null));
    }
    let Some(colon) = text.iter().position(|&b| b == b':') else {
        return Err(unknown_type(trimmed));
    };
    let kind = trim(&text[..colon]);
    let rest = &text[colon + 1..];
    let rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let done = |value| Ok(ValueText::Done(value));
    match kind {
        b"STRING" => Ok(match rest.strip_prefix(b"\"") {
            Some(quoted) => ValueText::Quoted(quoted),
            None => ValueText::Unquoted(rest),
        }),
        b"Hex-STRING" => Ok(hex(HexKind::HexString, rest)),
        b"BITS" => Ok(hex(HexKind::Bits, rest)),
        b"OPAQUE" | b"Opaque" => opaque(rest),
        b"INTEGER" | b"Integer32" => done(Value::Integer(number(rest, "INTEGER")?)),
        b"Counter32" | b"Counter" => done(Value::Counter32(number(rest, "Counter32")?)),
        b"Gauge32" | b"Gauge" | b"Unsigned32" | b"UInteger32" => {
            done(Value::Gauge32(number(rest, "Gauge32")?))
        }
        b"Counter64" => done(Value::Counter64(number(rest, "Counter64")?)),
        b"Timeticks" => done(Value::TimeTicks(timeticks(rest)?)),
        b"OID" => done(Value::ObjectId(parse_oid(trim(rest))?)),
        b"IpAddress" => done(Value::IpAddress(ipv4(trim(rest)).ok_or(
            LineErrorKind::BadValue {
                kind: "IpAddress",
                reason: "not a dotted IPv4 address",
            },
        )?)),
        b"Network Address" => done(Value::IpAddress(network_address(trim(rest)).ok_or(
            LineErrorKind::BadValue {
                kind: "Network Address",
                reason: "not four hex octets",
            },
        )?)),
        _ => Err(unknown_type(kind)),
    }
}

fn unknown_type(text: &[u8]) -> LineErrorKind {
    LineErrorKind::UnknownType(String::from_utf8_lossy(&text[..text.len().min(40)]).into_owned())
}

fn hex(kind: HexKind, first: &[u8]) -> ValueText<'_> {
    ValueText::Hex { kind, first }
}

/// `OPAQUE: 09 06 …` (hex octets) or the decoded `Float: x` / `Double: x` forms.
fn opaque(rest: &[u8]) -> Result<ValueText<'_>, LineErrorKind> {
    let text = trim(rest);
    let bad = |reason| LineErrorKind::BadValue {
        kind: "Opaque",
        reason,
    };
    if let Some(float) = text.strip_prefix(b"Float:") {
        let x: f32 = parse_text(trim(float)).ok_or(bad("not a float"))?;
        let mut bytes = OPAQUE_FLOAT.to_vec();
        bytes.extend_from_slice(&x.to_be_bytes());
        return Ok(ValueText::Done(Value::Opaque(bytes)));
    }
    if let Some(double) = text.strip_prefix(b"Double:") {
        let x: f64 = parse_text(trim(double)).ok_or(bad("not a double"))?;
        let mut bytes = OPAQUE_DOUBLE.to_vec();
        bytes.extend_from_slice(&x.to_be_bytes());
        return Ok(ValueText::Done(Value::Opaque(bytes)));
    }
    Ok(hex(HexKind::Opaque, rest))
}

/// Parses ASCII text with [`str::parse`].
fn parse_text<T: std::str::FromStr>(text: &[u8]) -> Option<T> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// A number: `4`, `up(1)` (the number in the final parentheses), `35 degrees` (the first word).
fn number<T: std::str::FromStr>(rest: &[u8], kind: &'static str) -> Result<T, LineErrorKind> {
    let text = trim(rest);
    let digits = match (text.last(), text.iter().rposition(|&b| b == b'(')) {
        (Some(b')'), Some(open)) => &text[open + 1..text.len() - 1],
        _ => first_word(text),
    };
    parse_text(digits).ok_or(LineErrorKind::BadValue {
        kind,
        reason: "not a number in range",
    })
}

/// `(950925200) 110 days, 1:27:32.00` or a bare number.
fn timeticks(rest: &[u8]) -> Result<u32, LineErrorKind> {
    let text = trim(rest);
    let digits = match text.strip_prefix(b"(") {
        Some(inner) => &inner[..inner.iter().position(|&b| b == b')').unwrap_or(inner.len())],
        None => first_word(text),
    };
    parse_text(digits).ok_or(LineErrorKind::BadValue {
        kind: "Timeticks",
        reason: "not a number in range",
    })
}

fn first_word(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(text.len());
    &text[..end]
}

/// `10.0.0.1`.
pub(crate) fn ipv4(text: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split(|&b| b == b'.');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *slot = parse_text(part)?;
    }
    parts.next().is_none().then_some(out)
}

/// `0A:00:00:01`.
fn network_address(text: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = text.split(|&b| b == b':');
    for slot in &mut out {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        *slot = u8::from_str_radix(std::str::from_utf8(part).ok()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// The value of one hex digit.
fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A two-digit hex byte.
fn hex_byte(token: &[u8]) -> Option<u8> {
    match token {
        [hi, lo] => Some(hex_digit(*hi)? << 4 | hex_digit(*lo)?),
        _ => None,
    }
}

/// Appends the octets of `00 18 71 …` to `out`. Strict: every word must be a hex byte; lenient
/// (BITS): decoding stops at the first word that is not one.
pub(crate) fn decode_hex(text: &[u8], strict: bool, out: &mut Vec<u8>) -> Result<(), &'static str> {
    for token in text
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty())
    {
        match hex_byte(token) {
            Some(byte) => out.push(byte),
            None if strict => return Err("bad hex byte"),
            None => return Ok(()),
        }
    }
    Ok(())
}

/// A continuation line of hex octets: only two-digit hex words, at least one.
pub(crate) fn is_hex_line(line: &[u8]) -> bool {
    let mut words = line
        .split(u8::is_ascii_whitespace)
        .filter(|t| !t.is_empty())
        .peekable();
    words.peek().is_some() && words.all(|t| hex_byte(t).is_some())
}

/// Appends a piece of quoted-string text to `out`, turning `\"` into `"` and `\\` into `\`
/// (the only escapes net-snmp writes; any other backslash is kept).
pub(crate) fn unescape_into(text: &[u8], out: &mut Vec<u8>) {
    if !text.contains(&b'\\') {
        out.extend_from_slice(text);
        return;
    }
    let mut bytes = text.iter().copied();
    while let Some(b) = bytes.next() {
        if b == b'\\' {
            match bytes.next() {
                Some(next @ (b'"' | b'\\')) => out.push(next),
                Some(next) => out.extend_from_slice(&[b'\\', next]),
                None => out.push(b'\\'),
            }
        } else {
            out.push(b);
        }
    }
}

/// ASCII whitespace trimmed on both sides.
pub(crate) fn trim(text: &[u8]) -> &[u8] {
    text.trim_ascii()
}

/// ASCII whitespace trimmed at the end.
pub(crate) fn trim_end(text: &[u8]) -> &[u8] {
    text.trim_ascii_end()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::Oid;

    fn done(text: &str) -> Value {
        match classify(text.as_bytes()) {
            Ok(ValueText::Done(value)) => value,
            other => panic!("{text:?}: {other:?}"),
        }
    }

    fn bad(text: &str) -> LineErrorKind {
        match classify(text.as_bytes()) {
            Err(kind) => kind,
            other => panic!("{text:?} accepted: {other:?}"),
        }
    }

    #[test]
    fn scalar_types() {
        assert_eq!(done("INTEGER: 4"), Value::Integer(4));
        assert_eq!(done("INTEGER: -2147483648"), Value::Integer(-2_147_483_648));
        assert_eq!(done("INTEGER: up(1)"), Value::Integer(1));
        assert_eq!(done("INTEGER: other(-1)\r"), Value::Integer(-1));
        assert_eq!(done("Integer32: 35 degrees"), Value::Integer(35));
        assert_eq!(done("Counter32: 4294967295"), Value::Counter32(u32::MAX));
        assert_eq!(done("Gauge32: 1000000000"), Value::Gauge32(1_000_000_000));
        assert_eq!(done("Unsigned32: 7"), Value::Gauge32(7));
        assert_eq!(
            done("Counter64: 18446744073709551615"),
            Value::Counter64(u64::MAX)
        );
        assert_eq!(
            done("Timeticks: (950925200) 110 days, 1:27:32.00"),
            Value::TimeTicks(950_925_200)
        );
        assert_eq!(done("Timeticks: 12"), Value::TimeTicks(12));
        assert_eq!(done("IpAddress: 10.0.0.1"), Value::IpAddress([10, 0, 0, 1]));
        assert_eq!(
            done("Network Address: 0A:00:00:FF"),
            Value::IpAddress([10, 0, 0, 255])
        );
        assert_eq!(done("NULL"), Value::Null);
        assert_eq!(done("\"\""), Value::OctetString(Vec::new()));
        assert_eq!(
            done("Wrong Type (should be OCTET STRING): INTEGER: 5"),
            Value::Integer(5)
        );
        assert_eq!(
            done("OID: SNMPv2-SMI::enterprises.367.1.1"),
            Value::ObjectId(Oid::from([1, 3, 6, 1, 4, 1, 367, 1, 1]))
        );
        assert_eq!(done("OID: ccitt.0"), Value::ObjectId(Oid::from([0, 0])));
        assert_eq!(done("OID: iso.3.6"), Value::ObjectId(Oid::from([1, 3, 6])));
        assert_eq!(done("OID: .1.3.6"), Value::ObjectId(Oid::from([1, 3, 6])));
    }

    #[test]
    fn opaque_floats_are_reencoded() {
        let Value::Opaque(bytes) = done("Opaque: Float: 1.410000") else {
            panic!("not opaque")
        };
        assert_eq!(&bytes[..3], &OPAQUE_FLOAT);
        assert_eq!(
            f32::from_be_bytes([bytes[3], bytes[4], bytes[5], bytes[6]]),
            1.41
        );
        let Value::Opaque(bytes) = done("Opaque: Double: -2.5") else {
            panic!("not opaque")
        };
        assert_eq!(&bytes[..3], &OPAQUE_DOUBLE);
        assert_eq!(bytes[3..], (-2.5f64).to_be_bytes());
    }

    #[test]
    fn rejected_values() {
        for text in [
            "INTEGER: many",
            "INTEGER: 99999999999999999999",
            "Counter32: -1",
            "Counter32: 4294967296",
            "Timeticks: (abc) 0:00",
            "IpAddress: 10.0.0",
            "IpAddress: 10.0.0.256",
            "IpAddress: 10.0.0.1.5",
            "Network Address: 0A:00:00",
            "Opaque: Float: pi",
            "Wrong Type (should be INTEGER)",
        ] {
            assert!(
                matches!(bad(text), LineErrorKind::BadValue { .. }),
                "{text:?}"
            );
        }
        assert_eq!(bad("Blob: 5"), LineErrorKind::UnknownType("Blob".into()));
        assert_eq!(bad("what"), LineErrorKind::UnknownType("what".into()));
        assert!(matches!(
            bad("OID: nowhere.1"),
            LineErrorKind::UnknownName(_)
        ));
    }

    #[test]
    fn hex_decoding() {
        let mut out = Vec::new();
        assert_eq!(decode_hex(b"00 18 71 c1 E0 00 ", true, &mut out), Ok(()));
        assert_eq!(out, [0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00]);
        out.clear();
        assert_eq!(decode_hex(b"80 00 ospf(0) 01", false, &mut out), Ok(()));
        assert_eq!(out, [0x80, 0x00]);
        assert_eq!(decode_hex(b"0G", true, &mut out), Err("bad hex byte"));
        assert_eq!(decode_hex(b"123", true, &mut out), Err("bad hex byte"));
        assert!(is_hex_line(b"FF FF 00 \r"));
        assert!(!is_hex_line(b"   "));
        assert!(!is_hex_line(b".1.3.6 = INTEGER: 1"));
        assert!(!is_hex_line(b"AB CDE"));
    }

    #[test]
    fn unescaping() {
        let mut out = Vec::new();
        unescape_into(br#"a\"b\\c\nd\"#, &mut out);
        assert_eq!(out, br#"a"b\c\nd\"#);
    }
}
