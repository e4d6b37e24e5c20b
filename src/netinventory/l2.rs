//! Helpers shared by the layer-2 sections (VLANs, trunk, neighbours, MAC tables): the bridge
//! port → ifIndex map, the text the reference agents see for a value, and test fixtures.

use std::collections::BTreeMap;

use super::tables::{Tables, int};
use crate::mib::canon;
use crate::snmp::Value;

/// dot1dBasePortIfIndex: index = bridge port, value = ifIndex.
pub(super) const DOT1D_BASE_PORT_IF_INDEX: &[u32] = &[1, 3, 6, 1, 2, 1, 17, 1, 4, 1, 2];
/// sysObjectID (walked as a one-row column, to recognise Juniper devices).
pub(super) const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2];
/// Juniper's enterprise arc.
const JUNIPER: &[u32] = &[1, 3, 6, 1, 4, 1, 2636];

/// A one-number → one-number map from a single-arc column (bridge port → ifIndex…); rows with
/// another index shape or a value that is no `u32` are left out.
pub(super) fn index_map(t: &Tables, column: &[u32]) -> BTreeMap<u32, u32> {
    t.column_u32(column)
        .filter_map(|(i, v)| Some((i, u32_of(v)?)))
        .collect()
}

/// The bridge port → ifIndex map of dot1dBasePortIfIndex.
pub(super) fn bridge_ports(t: &Tables) -> BTreeMap<u32, u32> {
    index_map(t, DOT1D_BASE_PORT_IF_INDEX)
}

/// True when the device's sysObjectID is under Juniper's enterprise (its LLDP port numbers are
/// ifIndexes already).
pub(super) fn is_juniper(t: &Tables) -> bool {
    t.column(SYS_OBJECT_ID)
        .any(|(_, v)| matches!(v, Value::ObjectId(oid) if oid.arcs().starts_with(JUNIPER)))
}

/// An integer value as a `u32`.
pub(super) fn u32_of(v: &Value) -> Option<u32> {
    int(v).and_then(|n| u32::try_from(n).ok())
}

/// Perl's numeric view of a value (`$v == 0`): the integer, or 0 for anything else.
pub(super) fn perl_num(v: &Value) -> i64 {
    int(v).unwrap_or(0)
}

/// True for octets a walk file writes as `Hex-STRING` (and a live Perl agent turns into `0x…`
/// text): anything but printable ASCII and white space.
pub(super) fn is_binary(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .any(|&b| !((0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r')))
}

/// The text the reference agents compare with their regular expressions: binary octets as
/// `0x` + lower-case hex, text as is, numbers in decimal.
pub(super) fn perl_raw(v: &Value) -> Option<String> {
    match v {
        Value::OctetString(b) if is_binary(b) => Some(format!("0x{}", canon::hex(b))),
        other => canon::raw(other),
    }
}

/// A canonical string, `None` when it is false for Perl (empty or `"0"`).
pub(super) fn truthy_string(v: Option<&Value>) -> Option<String> {
    v.and_then(canon::value_string).filter(|s| canon::truthy(s))
}

/// A canonical string, `None` when empty.
pub(super) fn nonempty_string(v: Option<&Value>) -> Option<String> {
    v.and_then(canon::value_string).filter(|s| !s.is_empty())
}

/// True for a string of ASCII digits only (Perl's `/^\d+$/`, without its trailing newline).
pub(super) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// alt2canonical: six hex bytes (optional `0x`, optional ` `, `:` or `-` between bytes) as a
/// lower-case MAC.
pub(super) fn alt_mac(text: &str) -> Option<String> {
    let body = text.strip_prefix("0x").unwrap_or(text).as_bytes();
    let mut bytes = Vec::with_capacity(6);
    let mut i = 0;
    while bytes.len() < 6 {
        let pair = body.get(i..i + 2)?;
        if !pair.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        bytes.push(std::str::from_utf8(pair).ok()?.to_ascii_lowercase());
        i += 2;
        if bytes.len() < 6 && matches!(body.get(i), Some(b' ' | b':' | b'-')) {
            i += 1;
        }
    }
    (i == body.len()).then(|| bytes.join(":"))
}

#[cfg(test)]
pub(super) mod fixtures {
    //! Hand-made tables for the section tests.

    use super::super::tables::Tables;
    use crate::model::Port;
    use crate::snmp::{Oid, Value, Varbind};
    use std::collections::BTreeMap;

    /// A row: column root, index, value.
    pub(crate) type Row<'a> = (&'a [u32], &'a [u32], Value);

    pub(crate) fn tables(rows: Vec<Row<'_>>) -> Tables {
        Tables::from_varbinds(
            rows.into_iter()
                .map(|(c, i, v)| Varbind::new(Oid::from_slice(&[c, i].concat()), v)),
        )
    }

    pub(crate) fn int(n: i64) -> Value {
        Value::Integer(n)
    }

    pub(crate) use crate::netinventory::tables::testing::s;

    pub(crate) fn bytes(b: &[u8]) -> Value {
        Value::OctetString(b.to_vec())
    }

    pub(crate) fn ports(indexes: &[u32]) -> BTreeMap<u32, Port> {
        indexes.iter().map(|&i| (i, Port::new(i))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_views() {
        assert_eq!(
            perl_raw(&Value::OctetString(vec![0xc0, 0xa8, 1, 2])).as_deref(),
            Some("0xc0a80102")
        );
        assert_eq!(
            perl_raw(&Value::OctetString(b"abc".to_vec())).as_deref(),
            Some("abc")
        );
        assert_eq!(
            alt_mac("0xE05FB981A7A7").as_deref(),
            Some("e0:5f:b9:81:a7:a7")
        );
        assert_eq!(
            alt_mac("e0-5f-b9-81-a7-a7").as_deref(),
            Some("e0:5f:b9:81:a7:a7")
        );
        assert_eq!(alt_mac("e05fb981a7"), None);
        assert_eq!(alt_mac("e05fb981a7a7ff"), None);
        assert_eq!(alt_mac("0x"), None);
        assert!(is_digits("0123") && !is_digits("") && !is_digits("1a"));
        assert_eq!(perl_num(&Value::OctetString(b"x".to_vec())), 0);
    }
}
