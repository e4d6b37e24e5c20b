//! Canonical forms of SNMP values, as the reference agents compute them: strings (quotes,
//! encodings, control characters), MAC addresses, serial numbers, TimeTicks text, whitespace.
//!
//! The functions take the octets of a value (what a walk file or a live agent gives) rather than
//! Perl's mix of raw strings and `0x…` hex text; text forms of MACs (`0x…`, `d2:05:…`) are still
//! understood because agents send them too.

use crate::snmp::Value;

/// The octets as text: UTF-8 when they are valid UTF-8, else Latin-1 (each octet one char),
/// which is how the reference agents upgrade foreign encodings.
#[must_use]
pub fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// A value as the text the reference agents see before any cleanup: strings as [`text`],
/// numbers in decimal, OIDs dotted, addresses dotted, TimeTicks as [`timeticks`].
/// `None` for the exceptions and NULL.
#[must_use]
pub fn raw(value: &Value) -> Option<String> {
    Some(match value {
        Value::OctetString(b) | Value::Opaque(b) => text(b),
        Value::Integer(v) => v.to_string(),
        Value::Counter32(v) | Value::Gauge32(v) => v.to_string(),
        Value::Counter64(v) => v.to_string(),
        Value::TimeTicks(t) => timeticks(*t),
        Value::ObjectId(oid) => oid.to_string(),
        Value::IpAddress(a) => format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
        Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {
            return None;
        }
    })
}

/// Perl truth of a value's text: present, not empty, not `"0"`.
#[must_use]
pub fn truthy(text: &str) -> bool {
    !text.is_empty() && text != "0"
}

/// getCanonicalString: strips one pair of surrounding quotes, takes the octets as UTF-8 (or
/// Latin-1 when they are not UTF-8), folds a run of control octets ending in a newline into that
/// newline, decodes (invalid sequences become U+FFFD), cuts the last line at its first
/// non-printable character and drops one trailing newline.
///
/// The folding works on the UTF-8 octets, where 0x80–0x9F count as controls, as in the reference
/// agents: a character whose last octet is one of those, right before a CR LF, is damaged the same
/// way.
#[must_use]
pub fn string(bytes: &[u8]) -> String {
    // The common case: printable ASCII without quotes around it is already canonical.
    if bytes.iter().all(|&c| (0x20..0x7f).contains(&c))
        && !bytes.starts_with(b"\"")
        && !bytes.starts_with(b"'")
        && !bytes.ends_with(b"\"")
        && !bytes.ends_with(b"'")
    {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut b = bytes;
    for quote in [&b"\\\""[..], b"\\'", b"\"", b"'"] {
        if let Some(rest) = b.strip_prefix(quote) {
            b = rest;
            break;
        }
    }
    for quote in [&b"\\\""[..], b"\\'", b"\"", b"'"] {
        if let Some(rest) = b.strip_suffix(quote) {
            b = rest;
            break;
        }
    }
    let utf8: Vec<u8> = match std::str::from_utf8(b) {
        Ok(_) => b.to_vec(),
        Err(_) => text(b).into_bytes(),
    };
    let control = |c: u8| c < 0x20 || c == 0x7f || (0x80..=0x9f).contains(&c);
    let mut folded = Vec::with_capacity(utf8.len());
    let mut i = 0;
    while i < utf8.len() {
        if !control(utf8[i]) {
            folded.push(utf8[i]);
            i += 1;
            continue;
        }
        let end = utf8[i..]
            .iter()
            .position(|&c| !control(c))
            .map_or(utf8.len(), |n| i + n);
        match utf8[i..end].iter().rposition(|&c| c == b'\n') {
            Some(last) if last > 0 => {
                folded.push(b'\n');
                i += last + 1;
            }
            _ => {
                folded.push(utf8[i]);
                i += 1;
            }
        }
    }
    let mut out = String::from_utf8_lossy(&folded).into_owned();
    // Perl's `s/[^\p{Print}\n].*$//`: `.` stops at newlines and `$` only matches at the end
    // (or before a final newline), so only a non-printable character on the last line cuts.
    let body = out.strip_suffix('\n').unwrap_or(&out);
    let last_line = body.rfind('\n').map_or(0, |at| at + 1);
    if let Some((at, _)) = body[last_line..]
        .char_indices()
        .find(|&(_, c)| !printable(c))
    {
        out.truncate(last_line + at);
    }
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Printable for [`string`]: not a control character (newline excepted), not a line or
/// paragraph separator.
fn printable(c: char) -> bool {
    c == '\n' || !(c.is_control() || c == '\u{2028}' || c == '\u{2029}')
}

/// [`string`] of a value (numbers and other types through [`raw`]).
#[must_use]
pub fn value_string(value: &Value) -> Option<String> {
    match value {
        Value::OctetString(b) | Value::Opaque(b) => Some(string(b)),
        other => raw(other),
    }
}

/// getCanonicalSerialNumber: printable ASCII only, trimmed, runs of two or more dots removed.
#[must_use]
pub fn serial(text: &str) -> Option<String> {
    let kept: String = text.chars().filter(|c| (' '..='~').contains(c)).collect();
    let trimmed = kept.trim_matches(|c: char| c.is_ascii_whitespace());
    let mut out = String::with_capacity(trimmed.len());
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '.' && chars.peek() == Some(&'.') {
            while chars.peek() == Some(&'.') {
                chars.next();
            }
            continue;
        }
        out.push(c);
    }
    (!out.is_empty()).then_some(out)
}

/// Removes every non-printable ASCII character (HP's `_getClean`).
#[must_use]
pub fn printable_only(text: &str) -> String {
    text.chars().filter(|c| (' '..='~').contains(c)).collect()
}

/// trimWhitespace: trims and collapses every run of white space into one space.
#[must_use]
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// getCanonicalMacAddress of octets: 6 octets (or 1) are the address itself; printable text is
/// read as hex digits (`0x…` or bare) or as `:`/`-` separated hex bytes; other binary octets are
/// the bytes. 6 bytes give a MAC, 8 bytes starting `10:0…` or `2…` a WWN, fewer than 6 are padded
/// into a `10:00:…` WWN, more than 6 give their last 6. All-zero or unreadable gives `None`.
#[must_use]
pub fn mac(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let is_text = bytes.iter().all(|b| (0x20..0x7f).contains(b));
    let octets: Vec<u8> = if bytes.len() == 6 || (bytes.len() == 1 && bytes[0].is_ascii()) {
        bytes.to_vec()
    } else if is_text {
        mac_text(std::str::from_utf8(bytes).ok()?)?
    } else {
        bytes.to_vec()
    };
    mac_octets(&octets)
}

/// The octets spelled by a textual MAC/WWN.
fn mac_text(text: &str) -> Option<Vec<u8>> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        // Pairs of digits; an odd last digit stands alone.
        return digits
            .as_bytes()
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
            .collect();
    }
    let sep = if text.contains(':') { ':' } else { '-' };
    text.split(sep)
        .map(|part| {
            let ok = (1..=2).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_hexdigit());
            ok.then(|| u8::from_str_radix(part, 16).ok()).flatten()
        })
        .collect()
}

fn mac_octets(octets: &[u8]) -> Option<String> {
    let bytes: Vec<u8> = match octets.len() {
        6 => octets.to_vec(),
        8 if (octets[0] == 0x10 && octets[1] >> 4 == 0) || octets[0] >> 4 == 2 => octets.to_vec(),
        n if n < 6 => {
            let mut v = vec![0x10];
            v.extend(std::iter::repeat_n(0, 7 - n));
            v.extend_from_slice(octets);
            v
        }
        n => octets[n - 6..].to_vec(),
    };
    if bytes.iter().all(|&b| b == 0) {
        return None;
    }
    Some(colon_hex(&bytes))
}

/// Octets as lower-case hex pairs joined by colons (`00:18:71:c1:e0:00`).
#[must_use]
pub fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// [`mac`] of a value.
#[must_use]
pub fn value_mac(value: &Value) -> Option<String> {
    match value {
        Value::OctetString(b) | Value::Opaque(b) => mac(b),
        other => mac(raw(other)?.as_bytes()),
    }
}

/// True for a six-byte `xx:xx:xx:xx:xx:xx` address.
#[must_use]
pub fn is_mac(text: &str) -> bool {
    let parts: Vec<&str> = text.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A MAC as a number (for finding consecutive addresses).
#[must_use]
pub fn mac_number(text: &str) -> u64 {
    text.split(':').fold(0u64, |n, p| {
        (n << 8) | u64::from_str_radix(p, 16).unwrap_or(0)
    })
}

/// TimeTicks as net-snmp prints them: `451 days, 0:56:29.21`, `1 day, 5:39:04.99`,
/// `0:03:26.32`.
#[must_use]
pub fn timeticks(ticks: u32) -> String {
    let centis = ticks % 100;
    let seconds = ticks / 100;
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds / 3_600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    let clock = format!("{hours}:{minutes:02}:{secs:02}.{centis:02}");
    match days {
        0 => clock,
        1 => format!("1 day, {clock}"),
        d => format!("{d} days, {clock}"),
    }
}

/// Lower-case hex of octets (no separator).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `walks/unit_vectors.json` mac_normalisation.
    #[test]
    fn mac_vectors() {
        let cases: [(&[u8], Option<&str>); 10] = [
            (b"\\TmGnn", Some("5c:54:6d:47:6e:6e")),
            (b"d2:05:a8:6c:26:d5", Some("d2:05:a8:6c:26:d5")),
            (b"d2:5:a8:6c:26:d5", Some("d2:05:a8:6c:26:d5")),
            (b"0xD205A86C26D5", Some("d2:05:a8:6c:26:d5")),
            (b"D205A86C26D5", Some("d2:05:a8:6c:26:d5")),
            (b"0x6001D205A86C26D5", Some("d2:05:a8:6c:26:d5")),
            (b"0x2001D205A86C26D5", Some("20:01:d2:05:a8:6c:26:d5")),
            (b"0x1000D205A86C26D5", Some("10:00:d2:05:a8:6c:26:d5")),
            (b"05:a8:6c:26:d5", Some("10:00:00:05:a8:6c:26:d5")),
            (b"giBbEr:ish", None),
        ];
        for (input, want) in cases {
            assert_eq!(mac(input).as_deref(), want, "{:?}", text(input));
        }
        // Binary octets as a walk file's Hex-STRING gives them.
        assert_eq!(
            mac(&[0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00]).as_deref(),
            Some("00:18:71:c1:e0:00")
        );
        assert_eq!(
            mac(&[0x10, 0x00, 0, 5, 0x1e, 1, 2, 3]).as_deref(),
            Some("10:00:00:05:1e:01:02:03")
        );
        assert_eq!(mac(&[0; 6]), None);
        assert_eq!(mac(b""), None);
        assert_eq!(
            mac(b"00-13-e2-0f-29-4e").as_deref(),
            Some("00:13:e2:0f:29:4e")
        );
        assert!(is_mac("00:13:e2:0f:29:4e"));
        assert!(!is_mac("10:00:00:05:1e:01:02:03"));
        assert_eq!(mac_number("00:00:00:00:01:02"), 258);
    }

    #[test]
    fn strings_are_cleaned_like_the_agents() {
        assert_eq!(string(b"\"quoted\""), "quoted");
        assert_eq!(string(b"'single'"), "single");
        assert_eq!(string(b"line1\r\nline2\n"), "line1\nline2");
        assert_eq!(string(b"a\n\n\nb"), "a\nb");
        assert_eq!(string(b"keep\nnewline"), "keep\nnewline");
        assert_eq!(string(b"cut\x00here"), "cut");
        assert_eq!(string(b"tab\there"), "tab");
        // Only the last line is cut (Perl's `.` does not cross newlines).
        assert_eq!(string(b"a\x01b\nc\x02d"), "a\u{1}b\nc");
        // Not UTF-8: read as Latin-1 (GBK octets of a Chinese word).
        assert_eq!(
            string(&[0xd6, 0xd0, 0xce, 0xc4]),
            "\u{d6}\u{d0}\u{ce}\u{c4}"
        );
        assert_eq!(string("网络".as_bytes()), "网络");
        // Latin-1 C1 controls cut the text.
        assert_eq!(string(&[b'a', 0x85, b'b']), "a");
        // The reference agents fold CR LF on UTF-8 octets: Ä (C3 84) loses its 0x84.
        assert_eq!(
            string(b"Dummy System\r\nChinese: \xd6\xd0\xce\xc4\r\nNon-ASCII: \xff"),
            "Dummy System\nChinese: \u{d6}\u{d0}\u{ce}\u{fffd}\nNon-ASCII: \u{ff}"
        );
        assert_eq!(string(b""), "");
    }

    #[test]
    fn serials_and_whitespace() {
        assert_eq!(serial("  SG707SU03Y \x01").as_deref(), Some("SG707SU03Y"));
        assert_eq!(serial("AB...CD..E.F").as_deref(), Some("ABCDE.F"));
        assert_eq!(serial(" \t "), None);
        assert_eq!(collapse_whitespace("  a \n b\tc "), "a b c");
        assert_eq!(printable_only("x\u{1}y\u{e9}"), "xy");
    }

    #[test]
    fn timeticks_as_net_snmp_prints_them() {
        assert_eq!(timeticks(3_896_978_921), "451 days, 0:56:29.21");
        assert_eq!(timeticks(10_674_499), "1 day, 5:39:04.99");
        assert_eq!(timeticks(20_632), "0:03:26.32");
        assert_eq!(timeticks(8_205_439), "22:47:34.39");
        assert_eq!(timeticks(0), "0:00:00.00");
    }

    #[test]
    fn raw_values() {
        assert_eq!(raw(&Value::Integer(-3)).as_deref(), Some("-3"));
        assert_eq!(
            raw(&Value::IpAddress([10, 0, 0, 1])).as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(raw(&Value::NoSuchInstance), None);
        assert!(truthy("a") && !truthy("0") && !truthy(""));
        assert_eq!(hex(&[0x80, 0, 0x1f]), "80001f");
    }
}
