//! A small SMBIOS structure-table parser (`/sys/firmware/dmi/tables/DMI`, root only), used
//! instead of spawning dmidecode: structures with their formatted bytes and strings, robust
//! against truncated or malformed tables (bounded loop, every read checked).

use super::Context;

/// The most structures read from one table (a real table has a few hundred at most).
const MAX_STRUCTURES: usize = 4096;

/// One SMBIOS structure.
#[derive(Clone, Debug, Default)]
pub(super) struct Structure {
    /// The structure type (0 BIOS, 1 system, 17 memory device…).
    pub(super) kind: u8,
    /// The structure handle.
    pub(super) handle: u16,
    /// The formatted area, header included (offsets below are those of the specification).
    data: Vec<u8>,
    /// The strings, in order (string number 1 is `strings[0]`).
    strings: Vec<String>,
}

impl Structure {
    /// The byte at `offset` when the structure is long enough.
    pub(super) fn byte(&self, offset: usize) -> Option<u8> {
        self.data.get(offset).copied()
    }

    /// The little-endian word at `offset`.
    pub(super) fn word(&self, offset: usize) -> Option<u16> {
        let b = self.data.get(offset..offset + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    /// The little-endian double word at `offset`.
    pub(super) fn dword(&self, offset: usize) -> Option<u32> {
        let b = self.data.get(offset..offset + 4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `len` raw bytes at `offset`.
    pub(super) fn bytes(&self, offset: usize, len: usize) -> Option<&[u8]> {
        self.data.get(offset..offset + len)
    }

    /// The string whose number is at `offset` (trimmed; `None` for number 0, a number past
    /// the strings, or an empty string).
    pub(super) fn raw_string(&self, offset: usize) -> Option<String> {
        let n = usize::from(self.byte(offset)?);
        let s = self.strings.get(n.checked_sub(1)?)?.trim();
        (!s.is_empty()).then(|| s.to_owned())
    }

    /// Like [`Structure::raw_string`], placeholders ([`is_invalid_bios_value`]) left out.
    pub(super) fn string(&self, offset: usize) -> Option<String> {
        self.raw_string(offset)
            .filter(|s| !is_invalid_bios_value(s))
    }
}

/// Parses a structure table. Stops at the end-of-table structure (type 127), at a header
/// whose length is impossible (< 4) or at the end of the data; a structure whose formatted
/// area is cut is dropped, one whose strings are cut keeps the complete ones.
pub(super) fn parse(bytes: &[u8]) -> Vec<Structure> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while out.len() < MAX_STRUCTURES && pos + 4 <= bytes.len() {
        let kind = bytes[pos];
        let len = usize::from(bytes[pos + 1]);
        if len < 4 || pos + len > bytes.len() {
            break;
        }
        let handle = u16::from_le_bytes([bytes[pos + 2], bytes[pos + 3]]);
        let data = bytes[pos..pos + len].to_vec();
        let (strings, next, complete) = strings_at(bytes, pos + len);
        out.push(Structure {
            kind,
            handle,
            data,
            strings,
        });
        if kind == 127 || !complete {
            break;
        }
        pos = next;
    }
    out
}

/// The strings starting at `start`: the strings, where the next structure starts, and whether
/// the double-NUL terminator was found.
fn strings_at(bytes: &[u8], start: usize) -> (Vec<String>, usize, bool) {
    let mut strings = Vec::new();
    let rest = bytes.get(start..).unwrap_or_default();
    // No strings: two NULs.
    if rest.len() >= 2 && rest[0] == 0 && rest[1] == 0 {
        return (strings, start + 2, true);
    }
    let mut i = 0usize;
    while i < rest.len() {
        let Some(end) = rest[i..].iter().position(|b| *b == 0) else {
            return (strings, bytes.len(), false);
        };
        if end == 0 {
            return (strings, start + i + 1, true);
        }
        strings.push(String::from_utf8_lossy(&rest[i..i + end]).into_owned());
        i += end + 1;
    }
    (strings, bytes.len(), false)
}

/// The SMBIOS table of the machine with its version (major, minor), when readable.
pub(super) struct Table {
    /// The structures.
    pub(super) structures: Vec<Structure>,
    /// The version from the entry point (`(3, 0)` assumed when unreadable).
    pub(super) version: (u8, u8),
}

impl Table {
    /// Reads `/sys/firmware/dmi/tables/DMI` (and the entry point for the version).
    pub(super) fn load(ctx: &Context<'_>) -> Option<Table> {
        let bytes = ctx.read_bytes("/sys/firmware/dmi/tables/DMI")?;
        let structures = parse(&bytes);
        if structures.is_empty() {
            return None;
        }
        let version = ctx
            .read_bytes("/sys/firmware/dmi/tables/smbios_entry_point")
            .and_then(|e| entry_point_version(&e))
            .unwrap_or((3, 0));
        Some(Table {
            structures,
            version,
        })
    }

    /// The structures of one type, in table order.
    pub(super) fn of_type(&self, kind: u8) -> impl Iterator<Item = &Structure> {
        self.structures.iter().filter(move |s| s.kind == kind)
    }

    /// The first structure of one type.
    pub(super) fn first(&self, kind: u8) -> Option<&Structure> {
        self.of_type(kind).next()
    }
}

/// The SMBIOS version of a 32-bit (`_SM_`) or 64-bit (`_SM3_`) entry point.
fn entry_point_version(e: &[u8]) -> Option<(u8, u8)> {
    if e.starts_with(b"_SM3_") {
        Some((*e.get(7)?, *e.get(8)?))
    } else if e.starts_with(b"_SM_") {
        Some((*e.get(6)?, *e.get(7)?))
    } else {
        None
    }
}

/// True for the placeholder values firmware vendors leave in their tables ("To Be Filled By
/// O.E.M.", "System Serial Number", "Not Specified"…): glpi-agent's `isInvalidBiosValue`.
pub(super) fn is_invalid_bios_value(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    // Compare with inner spaces removed, as the Perl pattern allows `\s*` between words.
    let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    const EXACT: &[&str] = &[
        "n/a",
        "none",
        "unknown",
        "notspecified",
        "notpresent",
        "notavailable",
        "notinstalled",
        "defaultstring",
        "systemproductname",
        "systemmanufacturer",
        "systemserialnumber",
        "systemversion",
        "chassisserialnumber",
        "chassismanufacture",
        "chassismanufacturer",
        "chassisversion",
        "noassettag",
        "<badindex>",
        "<outofspec>",
        "<outofspec><outofspec>",
        "tobefilledbyo.e.m.",
    ];
    EXACT.contains(&squeezed.as_str())
}

/// A 16-byte SMBIOS UUID as text (upper case, as dmidecode prints it); `None` when all
/// bytes are 0x00 (not present) or 0xFF (not settable). Since SMBIOS 2.6 the first three
/// fields are little-endian.
pub(super) fn uuid(b: &[u8], version: (u8, u8)) -> Option<String> {
    if b.len() != 16 || b.iter().all(|x| *x == 0) || b.iter().all(|x| *x == 0xff) {
        return None;
    }
    let le = version >= (2, 6);
    let order: [usize; 8] = if le {
        [3, 2, 1, 0, 5, 4, 7, 6]
    } else {
        [0, 1, 2, 3, 4, 5, 6, 7]
    };
    let mut s = String::with_capacity(36);
    for (i, idx) in order.iter().enumerate() {
        if i == 4 || i == 6 {
            s.push('-');
        }
        s.push_str(&format!("{:02X}", b[*idx]));
    }
    s.push('-');
    for x in &b[8..10] {
        s.push_str(&format!("{x:02X}"));
    }
    s.push('-');
    for x in &b[10..16] {
        s.push_str(&format!("{x:02X}"));
    }
    Some(s)
}

/// Test helpers: builds tables by hand.
#[cfg(test)]
pub(super) mod build {
    /// One structure: type, handle, formatted bytes after the 4-byte header, strings.
    pub(crate) fn structure(kind: u8, handle: u16, body: &[u8], strings: &[&str]) -> Vec<u8> {
        let len = u8::try_from(body.len() + 4).expect("short body");
        let mut v = vec![kind, len];
        v.extend_from_slice(&handle.to_le_bytes());
        v.extend_from_slice(body);
        if strings.is_empty() {
            v.extend_from_slice(&[0, 0]);
        } else {
            for s in strings {
                v.extend_from_slice(s.as_bytes());
                v.push(0);
            }
            v.push(0);
        }
        v
    }

    /// The end-of-table structure.
    pub(crate) fn end() -> Vec<u8> {
        structure(127, 0xfeff, &[], &[])
    }
}

#[cfg(test)]
mod tests {
    use super::build::{end, structure};
    use super::*;

    #[test]
    fn parses_structures_and_strings() {
        let mut t = structure(
            0,
            0,
            &[1, 2, 0, 0xe0, 3, 0],
            &["Dell Inc.", "1.2.3", "01/02/2020"],
        );
        t.extend(structure(9, 0x10, &[1, 0xaa, 0xbb], &[]));
        t.extend(end());
        t.extend(structure(1, 0, &[1], &["after end"]));
        let s = parse(&t);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].raw_string(4).as_deref(), Some("Dell Inc."));
        assert_eq!(s[0].string(5).as_deref(), Some("1.2.3"));
        assert_eq!(s[0].string(8).as_deref(), Some("01/02/2020"));
        assert_eq!(s[0].string(6), None);
        assert_eq!(s[0].word(6), Some(0xe000));
        assert_eq!(s[1].handle, 0x10);
        assert_eq!(s[1].byte(6), Some(0xbb));
        assert_eq!(s[1].byte(7), None);
        assert_eq!(s[1].dword(4), None);
        assert_eq!(s[2].kind, 127);
    }

    #[test]
    fn survives_truncated_and_malformed_tables() {
        let mut t = structure(0, 0, &[1, 2, 0, 0xe0, 0, 3, 0], &["Vendor", "Version"]);
        t.extend(structure(17, 1, &[0; 30], &["DIMM 0"]));
        // Every prefix parses without panicking; the complete first structure is kept.
        for cut in 0..t.len() {
            let s = parse(&t[..cut]);
            assert!(s.len() <= 2);
        }
        let cut = parse(&t[..t.len() - 3]);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[1].raw_string(0x10), None);
        // A zero length stops the walk.
        assert!(parse(&[1, 0, 0, 0, 0, 0]).is_empty());
        assert!(parse(&[]).is_empty());
        // A string number past the strings.
        let s = parse(&structure(1, 0, &[9], &["one"]));
        assert_eq!(s[0].raw_string(4), None);
    }

    #[test]
    fn placeholders_and_uuids() {
        for v in [
            "To Be Filled By O.E.M.",
            "Not Specified",
            "System Serial Number",
            "None",
            "Default string",
            "<OUT OF SPEC>",
        ] {
            assert!(is_invalid_bios_value(v), "{v}");
        }
        for v in ["Dell Inc.", "0", "Nonexistent", "PowerEdge R640"] {
            assert!(!is_invalid_bios_value(v), "{v}");
        }
        let b: Vec<u8> = (0u8..16).collect();
        assert_eq!(
            uuid(&b, (3, 0)).as_deref(),
            Some("03020100-0504-0706-0809-0A0B0C0D0E0F")
        );
        assert_eq!(
            uuid(&b, (2, 4)).as_deref(),
            Some("00010203-0405-0607-0809-0A0B0C0D0E0F")
        );
        assert_eq!(uuid(&[0; 16], (3, 0)), None);
        assert_eq!(uuid(&[0xff; 16], (3, 0)), None);
        assert_eq!(entry_point_version(b"_SM3_\x00\x18\x03\x02"), Some((3, 2)));
        assert_eq!(entry_point_version(b"_SM_\x00\x1f\x02\x08"), Some((2, 8)));
    }
}
