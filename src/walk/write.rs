//! Writer of varbinds as `snmpwalk -On` text, which [`super::parse()`] reads back unchanged.
//!
//! The text follows net-snmp's rendering: `.1.3.6.1.2.1.1.1.0 = STRING: "text"`, `= ""` for an
//! empty string, `Hex-STRING: 00 18 71 C1 E0 00 ` (16 octets a line) for strings that are not
//! printable, `Timeticks: (102260032) 11 days, 20:03:20.32`, `OID: .1.3.6…`, `Opaque: Float: x`
//! for an opaque float that this text reproduces exactly, and net-snmp's wording of the three
//! exceptions.
//!
//! Printability is net-snmp's: every octet is printable ASCII (`0x20..=0x7e`) or C whitespace
//! (`\t \n \v \f \r`). Quoted strings escape `"` and `\` with a backslash, as net-snmp does. A
//! printable string with a line that would read as the start of a record is written as hex, so
//! that reading it back cannot go wrong.
//!
//! An [`Value::EndOfMibView`] varbind is written as net-snmp's end-of-walk line, which the parser
//! takes for the end-of-walk marker (no varbind): it is the only value that does not round-trip.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::snmp::{Oid, Value, Varbind};

use super::values::{OPAQUE_DOUBLE, OPAQUE_FLOAT};

/// Writes one varbind as one record (a line, or several for multi-line strings and long hex).
///
/// # Errors
/// I/O errors of `w`, and `InvalidInput` for an empty OID (which no walk text can express).
pub fn write_varbind<W: Write>(w: &mut W, varbind: &Varbind) -> io::Result<()> {
    let mut line = String::with_capacity(128);
    format_varbind(&mut line, varbind)?;
    w.write_all(line.as_bytes())
}

/// Writes varbinds in the given order.
///
/// # Errors
/// As [`write_varbind`].
pub fn write_all<W: Write>(w: &mut W, varbinds: &[Varbind]) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, w);
    let mut line = String::with_capacity(256);
    for varbind in varbinds {
        line.clear();
        format_varbind(&mut line, varbind)?;
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Appends the record of `varbind`, with its final newline, to `out`.
fn format_varbind(out: &mut String, varbind: &Varbind) -> io::Result<()> {
    push_oid(out, &varbind.oid)?;
    out.push_str(" = ");
    match &varbind.value {
        Value::Integer(n) => push_fmt(out, format_args!("INTEGER: {n}")),
        Value::OctetString(bytes) => push_octets(out, bytes),
        Value::Null => out.push_str("NULL"),
        Value::ObjectId(oid) => {
            out.push_str("OID: ");
            push_oid(out, oid)?;
        }
        Value::IpAddress([a, b, c, d]) => push_fmt(out, format_args!("IpAddress: {a}.{b}.{c}.{d}")),
        Value::Counter32(n) => push_fmt(out, format_args!("Counter32: {n}")),
        Value::Gauge32(n) => push_fmt(out, format_args!("Gauge32: {n}")),
        Value::TimeTicks(ticks) => push_timeticks(out, *ticks),
        Value::Opaque(bytes) => push_opaque(out, bytes),
        Value::Counter64(n) => push_fmt(out, format_args!("Counter64: {n}")),
        Value::NoSuchObject => out.push_str("No Such Object available on this agent at this OID"),
        Value::NoSuchInstance => out.push_str("No Such Instance currently exists at this OID"),
        Value::EndOfMibView => out.push_str(
            "No more variables left in this MIB View (It is past the end of the MIB tree)",
        ),
    }
    out.push('\n');
    Ok(())
}

/// `format_args!` into a String cannot fail.
fn push_fmt(out: &mut String, args: std::fmt::Arguments<'_>) {
    let _ = out.write_fmt(args);
}

/// `.1.3.6.1…`
fn push_oid(out: &mut String, oid: &Oid) -> io::Result<()> {
    if oid.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an empty OID cannot be written in walk text",
        ));
    }
    for arc in oid.arcs() {
        push_fmt(out, format_args!(".{arc}"));
    }
    Ok(())
}

/// net-snmp's printability test: `isprint(c) || isspace(c)` in the C locale.
#[must_use]
pub fn is_printable(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|&b| (0x20..=0x7e).contains(&b) || matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
}

fn push_octets(out: &mut String, bytes: &[u8]) {
    if bytes.is_empty() {
        out.push_str("\"\"");
    } else if is_printable(bytes) && quoted_reads_back(bytes) {
        out.push_str("STRING: \"");
        for &b in bytes {
            if b == b'"' || b == b'\\' {
                out.push('\\');
            }
            out.push(char::from(b));
        }
        out.push('"');
    } else {
        out.push_str("Hex-STRING: ");
        push_hex(out, bytes);
    }
}

/// False when a line of the string (after the first) would be read as the start of a record.
fn quoted_reads_back(bytes: &[u8]) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .skip(1)
        .all(|line| !super::parse::looks_like_record(line, true))
}

/// `00 18 71 C1 E0 00 `, a newline after every 16 octets except the last ones (as net-snmp).
fn push_hex(out: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 && i % 16 == 0 {
            out.push('\n');
        }
        push_fmt(out, format_args!("{b:02X} "));
    }
}

/// `Timeticks: (n) D days, H:MM:SS.cc`, in net-snmp's `uptime_string` format.
fn push_timeticks(out: &mut String, ticks: u32) {
    let centis = ticks % 100;
    let seconds = ticks / 100;
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (hours, minutes, secs) = (rest / 3600, rest % 3600 / 60, rest % 60);
    push_fmt(out, format_args!("Timeticks: ({ticks}) "));
    match days {
        0 => {}
        1 => out.push_str("1 day, "),
        _ => push_fmt(out, format_args!("{days} days, ")),
    }
    push_fmt(
        out,
        format_args!("{hours}:{minutes:02}:{secs:02}.{centis:02}"),
    );
}

/// `Opaque: Float: x` / `Opaque: Double: x` when that text gives back the same bits, else hex.
fn push_opaque(out: &mut String, bytes: &[u8]) {
    if let Some(rest) = bytes.strip_prefix(&OPAQUE_FLOAT[..])
        && let Ok(raw) = <[u8; 4]>::try_from(rest)
    {
        let x = f32::from_be_bytes(raw);
        let text = format!("{x:.6}");
        if text
            .parse::<f32>()
            .is_ok_and(|y| y.to_bits() == x.to_bits())
        {
            push_fmt(out, format_args!("Opaque: Float: {text}"));
            return;
        }
    }
    if let Some(rest) = bytes.strip_prefix(&OPAQUE_DOUBLE[..])
        && let Ok(raw) = <[u8; 8]>::try_from(rest)
    {
        let x = f64::from_be_bytes(raw);
        let text = format!("{x:.6}");
        if text
            .parse::<f64>()
            .is_ok_and(|y| y.to_bits() == x.to_bits())
        {
            push_fmt(out, format_args!("Opaque: Double: {text}"));
            return;
        }
    }
    out.push_str("OPAQUE: ");
    push_hex(out, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::walk::parse;

    fn text(value: Value) -> String {
        let mut out = Vec::new();
        write_varbind(&mut out, &Varbind::new(Oid::from([1, 3, 6, 1]), value)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_like_net_snmp() {
        assert_eq!(text(Value::Integer(-4)), ".1.3.6.1 = INTEGER: -4\n");
        assert_eq!(
            text(Value::OctetString(b"say \"hi\" \\o/".to_vec())),
            ".1.3.6.1 = STRING: \"say \\\"hi\\\" \\\\o/\"\n"
        );
        assert_eq!(text(Value::OctetString(Vec::new())), ".1.3.6.1 = \"\"\n");
        assert_eq!(
            text(Value::OctetString(vec![0, 0x18, 0x71, 0xc1, 0xe0, 0])),
            ".1.3.6.1 = Hex-STRING: 00 18 71 C1 E0 00 \n"
        );
        assert_eq!(
            text(Value::OctetString(vec![0xff; 17])),
            format!(".1.3.6.1 = Hex-STRING: {}\nFF \n", "FF ".repeat(16))
        );
        assert_eq!(
            text(Value::TimeTicks(102_260_032)),
            ".1.3.6.1 = Timeticks: (102260032) 11 days, 20:03:20.32\n"
        );
        assert_eq!(
            text(Value::TimeTicks(8_640_000 + 137_791)),
            ".1.3.6.1 = Timeticks: (8777791) 1 day, 0:22:57.91\n"
        );
        assert_eq!(
            text(Value::TimeTicks(5)),
            ".1.3.6.1 = Timeticks: (5) 0:00:00.05\n"
        );
        assert_eq!(
            text(Value::ObjectId(Oid::from([1, 3, 6, 1, 4, 1, 9]))),
            ".1.3.6.1 = OID: .1.3.6.1.4.1.9\n"
        );
        assert_eq!(
            text(Value::IpAddress([10, 0, 0, 1])),
            ".1.3.6.1 = IpAddress: 10.0.0.1\n"
        );
        assert_eq!(text(Value::Counter32(7)), ".1.3.6.1 = Counter32: 7\n");
        assert_eq!(text(Value::Gauge32(8)), ".1.3.6.1 = Gauge32: 8\n");
        assert_eq!(
            text(Value::Counter64(u64::MAX)),
            format!(".1.3.6.1 = Counter64: {}\n", u64::MAX)
        );
        assert_eq!(text(Value::Null), ".1.3.6.1 = NULL\n");
        assert_eq!(
            text(Value::Opaque(vec![
                0x9f, 0x78, 0x04, 0x3f, 0x2b, 0x85, 0x1f
            ])),
            ".1.3.6.1 = Opaque: Float: 0.670000\n"
        );
        assert_eq!(
            text(Value::Opaque(vec![9, 0])),
            ".1.3.6.1 = OPAQUE: 09 00 \n"
        );
        assert_eq!(
            text(Value::NoSuchInstance),
            ".1.3.6.1 = No Such Instance currently exists at this OID\n"
        );
    }

    #[test]
    fn empty_oids_are_refused() {
        let mut out = Vec::new();
        let err = write_varbind(&mut out, &Varbind::null(Oid::default())).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn tricky_values_round_trip() {
        let values = [
            Value::OctetString(b"a\r\nb\r\n".to_vec()),
            Value::OctetString(b"\"".to_vec()),
            Value::OctetString(b"\\".to_vec()),
            Value::OctetString(b"ends with backslash quote \\\"".to_vec()),
            Value::OctetString(b"x\n.1.3.6.1 = INTEGER: 1".to_vec()),
            Value::OctetString(b"  trailing spaces  ".to_vec()),
            Value::OctetString(b"\n".to_vec()),
            Value::OctetString(b"End of MIB".to_vec()),
            Value::OctetString(b"x\nEnd of MIB\n".to_vec()),
            Value::OctetString(b"tab\tvt\x0bff\x0c".to_vec()),
            Value::OctetString(vec![0xd6, 0xd0, 0xce, 0xc4]),
            Value::OctetString(b"nul\0".to_vec()),
            Value::Opaque(vec![0x9f, 0x78, 0x04, 0x3f, 0xb4, 0x7a, 0xe1]),
            Value::Opaque(vec![0x9f, 0x78, 0x04, 0x7f, 0xc0, 0, 1]),
            Value::Opaque(vec![0x9f, 0x79, 0x08, 0x3f, 0xf0, 0, 0, 0, 0, 0, 1]),
            Value::Opaque(vec![0x9f, 0x79, 0x08, 0x40, 0x04, 0, 0, 0, 0, 0, 0]),
            Value::Opaque(Vec::new()),
            Value::Integer(i64::MIN),
            Value::TimeTicks(u32::MAX),
            Value::ObjectId(Oid::from([0, 0])),
            Value::NoSuchObject,
        ];
        let varbinds: Vec<_> = values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Varbind::new(Oid::from([1, 3, u32::try_from(i).unwrap()]), value))
            .collect();
        let mut out = Vec::new();
        write_all(&mut out, &varbinds).unwrap();
        let back = parse::parse(&out);
        assert!(back.errors.is_empty(), "{:?}", back.errors);
        assert_eq!(back.varbinds, varbinds, "{}", String::from_utf8_lossy(&out));
    }

    #[test]
    fn end_of_view_is_the_end_marker() {
        let mut out = Vec::new();
        write_varbind(
            &mut out,
            &Varbind::new(Oid::from([1, 3]), Value::EndOfMibView),
        )
        .unwrap();
        let back = parse::parse(&out);
        assert!(back.errors.is_empty() && back.varbinds.is_empty());
    }
}
