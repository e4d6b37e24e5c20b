//! CDP: neighbours from CISCO-CDP-MIB's cache table (index ifIndex.deviceIndex).
//!
//! As GLPI agent: an entry needs an IPv4 address other than 0.0.0.0, a version and a platform;
//! the device id gives SYSMAC when it is a MAC (six octets or twelve hex digits), else SYSNAME;
//! Cisco phones (`SIP<mac>`, `SIP-<name>` + MAC) give SYSMAC; a port with several neighbours is
//! dropped (a hub or a non-CDP switch in between).

use std::collections::{BTreeMap, BTreeSet};

use super::l2::{alt_mac, is_digits, perl_raw, truthy_string};
use crate::mib::canon;
use crate::model::Neighbour;
use crate::snmp::Value;

use super::tables::Tables;

const CACHE_ADDRESS: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 4];
const CACHE_VERSION: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 5];
const CACHE_DEVICE_ID: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 6];
const CACHE_DEVICE_PORT: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 7];
const CACHE_PLATFORM: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 8];
const CACHE_SYS_NAME: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 17];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[
    CACHE_ADDRESS,
    CACHE_VERSION,
    CACHE_DEVICE_ID,
    CACHE_DEVICE_PORT,
    CACHE_PLATFORM,
    CACHE_SYS_NAME,
];

/// The CDP neighbour of each interface, by ifIndex (interfaces with several are left out).
pub(super) fn neighbours(t: &Tables) -> BTreeMap<u32, Neighbour> {
    let mut out = BTreeMap::new();
    let mut several = BTreeSet::new();
    for (index, address) in t.column(CACHE_ADDRESS) {
        if index.len() < 2 {
            continue;
        }
        let ifindex = index[index.len() - 2];
        let Some(n) = entry(t, index, address) else {
            continue;
        };
        match out.entry(ifindex) {
            std::collections::btree_map::Entry::Occupied(_) => {
                tracing::debug!(ifindex, "CDP: several neighbours on one interface, ignored");
                several.insert(ifindex);
            }
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(n);
            }
        }
    }
    out.retain(|i, _| !several.contains(i));
    out
}

/// One cache entry as a neighbour, `None` when it lacks what is required.
fn entry(t: &Tables, index: &[u32], address: &Value) -> Option<Neighbour> {
    let at = |column: &[u32]| t.get(&[column, index].concat());
    // An address that is not four octets gives an empty IP but keeps the entry, as upstream.
    let ip = ipv4(address)?;
    if ip == "0.0.0.0" {
        return None;
    }
    let sysdescr = truthy_string(at(CACHE_VERSION))?;
    let model = truthy_string(at(CACHE_PLATFORM))?;
    let mut n = Neighbour {
        ip: (!ip.is_empty()).then_some(ip),
        sysdescr: Some(sysdescr),
        model: Some(model),
        ..Neighbour::default()
    };
    let port = at(CACHE_DEVICE_PORT);
    match port.and_then(perl_raw) {
        Some(raw) if is_digits(&raw) => n.ifnumber = Some(raw),
        _ => n.ifdescr = port.and_then(canon::value_string),
    }
    n.sysname = truthy_string(at(CACHE_SYS_NAME));

    let device_id = at(CACHE_DEVICE_ID);
    let mut id_text = device_id.and_then(perl_raw).unwrap_or_default();
    if id_text.starts_with("0x") {
        if id_text.len() == 14 {
            n.sysmac = alt_mac(&id_text);
        } else {
            id_text = device_id.and_then(canon::value_string).unwrap_or_default();
            if id_text.len() == 12 && id_text.bytes().all(|b| b.is_ascii_hexdigit()) {
                n.sysmac = alt_mac(&id_text);
            } else if n.sysname.is_none() {
                n.sysname = canon::truthy(&id_text).then(|| id_text.clone());
            }
        }
    } else if n.sysname.is_none() {
        n.sysname = device_id
            .and_then(canon::value_string)
            .filter(|s| canon::truthy(s));
    }

    if let Some(name) = n.sysname.clone() {
        if let Some(hex) = name.strip_prefix("SIP")
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
        {
            n.sysmac = alt_mac(&format!("0x{hex}"));
        } else if let Some(prefix) = name.strip_prefix("SIP-")
            && let Some(rest) = id_text.strip_prefix(prefix)
            && rest.len() == 12
            && rest.bytes().all(|b| b.is_ascii_hexdigit())
        {
            n.sysmac = alt_mac(rest);
        }
    }
    Some(n)
}

/// hex2canonical: four octets (binary or `0x` + 8 hex digits) as a dotted address; `""` for
/// other non-empty values; `None` for an empty one.
fn ipv4(v: &Value) -> Option<String> {
    match v {
        Value::IpAddress(a) => Some(format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
        Value::OctetString(b) if b.is_empty() => None,
        Value::OctetString(b) if b.len() == 4 => {
            Some(format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3]))
        }
        Value::OctetString(b) => {
            let text = canon::text(b);
            let hex = text.strip_prefix("0x").unwrap_or(&text);
            if hex.len() == 8 && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                let octets: Vec<String> = (0..4)
                    .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
                    .map(|o| o.to_string())
                    .collect();
                Some(octets.join("."))
            } else {
                Some(String::new())
            }
        }
        _ => Some(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{bytes, s, tables};
    use super::*;

    /// `unit_vectors.json` cdp_extraction, case 1.
    #[test]
    fn cdp_extraction_vector() {
        let t = tables(vec![
            (CACHE_ADDRESS, &[24, 7], s("0xc0a8148b")),
            (CACHE_VERSION, &[24, 7], s("7.4.9c")),
            (CACHE_DEVICE_ID, &[24, 7], s("SIPE05FB981A7A7")),
            (CACHE_DEVICE_PORT, &[24, 7], s("Port 1")),
            (CACHE_PLATFORM, &[24, 7], s("Cisco IP Phone SPA508G")),
        ]);
        let n = neighbours(&t);
        assert_eq!(n.len(), 1);
        assert_eq!(
            n[&24],
            Neighbour {
                sysmac: Some("e0:5f:b9:81:a7:a7".into()),
                sysdescr: Some("7.4.9c".into()),
                ifdescr: Some("Port 1".into()),
                model: Some("Cisco IP Phone SPA508G".into()),
                ip: Some("192.168.20.139".into()),
                sysname: Some("SIPE05FB981A7A7".into()),
                ifnumber: None,
            }
        );
    }

    /// `unit_vectors.json` cdp_extraction, cases 2 and 3.
    #[test]
    fn cdp_extraction_vector_missing_version_or_platform() {
        let base = vec![
            (CACHE_ADDRESS, &[24u32, 7][..], s("0xc0a8148b")),
            (CACHE_DEVICE_ID, &[24, 7], s("SIPE05FB981A7A7")),
            (CACHE_DEVICE_PORT, &[24, 7], s("Port 1")),
        ];
        let mut no_version = base.clone();
        no_version.push((CACHE_PLATFORM, &[24, 7], s("Cisco IP Phone SPA508G")));
        assert!(neighbours(&tables(no_version)).is_empty());
        let mut no_platform = base;
        no_platform.push((CACHE_VERSION, &[24, 7], s("7.4.9c")));
        assert!(neighbours(&tables(no_platform)).is_empty());
    }

    fn entry_rows(
        index: &'static [u32],
        id: Value,
        port: Value,
    ) -> Vec<super::super::l2::fixtures::Row<'static>> {
        vec![
            (CACHE_ADDRESS, index, bytes(&[10, 0, 0, 1])),
            (CACHE_VERSION, index, s("IOS 15")),
            (CACHE_PLATFORM, index, s("cisco WS-C2960")),
            (CACHE_DEVICE_ID, index, id),
            (CACHE_DEVICE_PORT, index, port),
        ]
    }

    #[test]
    fn device_id_forms() {
        let mut rows = entry_rows(&[1, 1], bytes(&[0, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]), s("3"));
        rows.extend(entry_rows(&[2, 1], s("sw2.example.org"), s("Gi0/2")));
        // Hex text that decodes to twelve hex digits.
        rows.extend(entry_rows(&[3, 1], bytes(b"001B2C3D4E60\x00"), s("x")));
        rows.extend(entry_rows(&[4, 1], s("SIP-phone"), s("Port 1")));
        rows.extend(entry_rows(&[5, 1], s("phoneAABBCCDDEEFF"), s("Port 1")));
        rows.push((CACHE_SYS_NAME, &[5, 1], s("SIP-phone")));
        rows.extend(entry_rows(&[6, 1], s("named"), s("Port 1")));
        rows.push((CACHE_SYS_NAME, &[6, 1], s("sysname wins")));
        let n = neighbours(&tables(rows));
        assert_eq!(n[&1].sysmac.as_deref(), Some("00:1b:2c:3d:4e:5f"));
        assert_eq!(n[&1].sysname, None);
        assert_eq!(n[&1].ifnumber.as_deref(), Some("3"));
        assert_eq!(n[&1].ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(n[&2].sysname.as_deref(), Some("sw2.example.org"));
        assert_eq!(n[&2].ifdescr.as_deref(), Some("Gi0/2"));
        assert_eq!(n[&3].sysmac.as_deref(), Some("00:1b:2c:3d:4e:60"));
        assert_eq!(n[&4].sysname.as_deref(), Some("SIP-phone"));
        assert_eq!(n[&4].sysmac, None);
        assert_eq!(n[&5].sysmac.as_deref(), Some("aa:bb:cc:dd:ee:ff"));
        assert_eq!(n[&6].sysname.as_deref(), Some("sysname wins"));
    }

    #[test]
    fn several_neighbours_on_one_port_and_bad_addresses() {
        let mut rows = entry_rows(&[1, 1], s("a"), s("1"));
        rows.extend(entry_rows(&[1, 2], s("b"), s("1")));
        rows.extend(entry_rows(&[2, 1], s("c"), s("1")));
        rows.push((CACHE_ADDRESS, &[2, 1], bytes(&[0, 0, 0, 0])));
        rows.extend(entry_rows(&[3, 1], s("d"), s("1")));
        rows.push((
            CACHE_ADDRESS,
            &[3, 1],
            bytes(&[0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
        ));
        rows.extend(entry_rows(&[4, 1], s("e"), s("1")));
        rows.push((CACHE_ADDRESS, &[4, 1], bytes(&[])));
        rows.push((CACHE_ADDRESS, &[5], bytes(&[1, 2, 3, 4])));
        let n = neighbours(&tables(rows));
        assert_eq!(n.keys().copied().collect::<Vec<_>>(), vec![3]);
        assert_eq!(n[&3].ip, None, "IPv6 address: entry kept without IP");
    }
}
