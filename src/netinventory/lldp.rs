//! LLDP: neighbours from the LLDP-MIB remote table, and the local port table that turns an LLDP
//! port number into the ifIndex it stands for.
//!
//! Remote entries follow GLPI agent: only MAC chassis ids, a name or description required, the
//! port id read by its subtype (guessed when the subtype is absent), and a later entry (by remote
//! index, local port, time mark) replacing an earlier one on the same port. The local port is
//! first looked up in lldpLocPortTable by its port-id subtype (interface name, alias, MAC, a
//! number naming an interface); only when that finds nothing do the reference agents' rules apply
//! (Cisco portIfIndex or dot1dBasePortIfIndex, the number itself for Juniper or unmapped ports).

use std::collections::BTreeMap;

use super::l2::{
    alt_mac, bridge_ports, index_map, is_digits, is_juniper, nonempty_string, perl_raw,
    truthy_string,
};
use super::tables::{Tables, int};
use crate::mib::canon;
use crate::model::{Neighbour, Port};
use crate::snmp::Value;

/// lldpLocPortIdSubtype.
pub(super) const LOC_PORT_ID_SUBTYPE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 2];
/// lldpLocPortId.
pub(super) const LOC_PORT_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 3];
const REM_CHASSIS_ID_SUBTYPE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 4];
const REM_CHASSIS_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 5];
const REM_PORT_ID_SUBTYPE: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 6];
const REM_PORT_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 7];
const REM_PORT_DESC: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 8];
const REM_SYS_NAME: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 9];
const REM_SYS_DESC: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 10];
/// CISCO-STACK-MIB portIfIndex (index module.port; module 1 is used).
pub(super) const CISCO_PORT_IF_INDEX: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 5, 1, 4, 1, 1, 11];

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &[
    LOC_PORT_ID_SUBTYPE,
    LOC_PORT_ID,
    REM_CHASSIS_ID_SUBTYPE,
    REM_CHASSIS_ID,
    REM_PORT_ID_SUBTYPE,
    REM_PORT_ID,
    REM_PORT_DESC,
    REM_SYS_NAME,
    REM_SYS_DESC,
    CISCO_PORT_IF_INDEX,
];

/// LLDP local port numbers that lldpLocPortTable ties to one interface, as port number →
/// ifIndex.
///
/// By port-id subtype: interfaceAlias (1) matches ifAlias, macAddress (3) the port MAC,
/// interfaceName (5) ifName then ifDescr, local (7) and the others ifName, ifDescr, or a number
/// that differs from the port number and is an existing ifIndex (a number equal to the port
/// number tells nothing more). A text matching several ports resolves nothing.
pub(super) fn local_ports(t: &Tables, ports: &BTreeMap<u32, Port>) -> BTreeMap<u32, u32> {
    let mut out = BTreeMap::new();
    for (num, id) in t.column_u32(LOC_PORT_ID) {
        let subtype = t.get(&[LOC_PORT_ID_SUBTYPE, &[num]].concat()).and_then(int);
        if let Some(ifindex) = resolve(ports, num, subtype, id) {
            out.insert(num, ifindex);
        }
    }
    out
}

fn resolve(ports: &BTreeMap<u32, Port>, num: u32, subtype: Option<i64>, id: &Value) -> Option<u32> {
    let unique = |pick: &dyn Fn(&Port) -> bool| {
        let mut found = ports.values().filter(|p| pick(p)).map(|p| p.index);
        let first = found.next()?;
        found.next().is_none().then_some(first)
    };
    if subtype == Some(3) {
        let mac = canon::value_mac(id)?;
        return unique(&|p| p.mac.as_deref() == Some(mac.as_str()));
    }
    let text = nonempty_string(Some(id))?;
    let by_name = || {
        unique(&|p| p.ifname.as_deref() == Some(text.as_str()))
            .or_else(|| unique(&|p| p.ifdescr.as_deref() == Some(text.as_str())))
    };
    match subtype {
        Some(1) => unique(&|p| p.ifalias.as_deref() == Some(text.as_str())),
        Some(5) => by_name(),
        _ => by_name().or_else(|| {
            let n: u32 = text.parse().ok().filter(|_| is_digits(&text))?;
            (n != num && ports.contains_key(&n)).then_some(n)
        }),
    }
}

/// How LLDP port numbers become ifIndexes: the local port table first, then the reference
/// agents' bridge-port map (not for Juniper), else the number itself.
pub(super) struct PortResolver {
    local: BTreeMap<u32, u32>,
    bridge: BTreeMap<u32, u32>,
}

impl PortResolver {
    /// The resolver for LLDP remote entries (Cisco portIfIndex when present, else
    /// dot1dBasePortIfIndex).
    pub(super) fn for_remote(t: &Tables, ports: &BTreeMap<u32, Port>) -> Self {
        let cisco = index_map(t, &[CISCO_PORT_IF_INDEX, &[1]].concat());
        let bridge = if is_juniper(t) {
            BTreeMap::new()
        } else if cisco.is_empty() {
            bridge_ports(t)
        } else {
            cisco
        };
        Self {
            local: local_ports(t, ports),
            bridge,
        }
    }

    /// The resolver with a given bridge map (empty for none).
    pub(super) fn new(t: &Tables, ports: &BTreeMap<u32, Port>, bridge: BTreeMap<u32, u32>) -> Self {
        Self {
            local: local_ports(t, ports),
            bridge,
        }
    }

    /// The ifIndex of LLDP port `num`.
    pub(super) fn ifindex(&self, num: u32) -> u32 {
        self.local
            .get(&num)
            .or_else(|| self.bridge.get(&num))
            .copied()
            .unwrap_or(num)
    }
}

/// The LLDP neighbour of each port, by ifIndex (ports not in `ports` are left out).
pub(super) fn neighbours(t: &Tables, ports: &BTreeMap<u32, Port>) -> BTreeMap<u32, Neighbour> {
    let resolver = PortResolver::for_remote(t, ports);
    let mut entries: Vec<(&[u32], &Value)> = t
        .column(REM_CHASSIS_ID)
        .filter(|(index, _)| index.len() >= 2)
        .collect();
    // Later (remote index, local port, time mark) wins on the same port.
    entries.sort_by_key(|(index, _)| {
        let arc = |n: usize| index.get(n).copied().unwrap_or(0);
        (arc(2), arc(1), arc(0))
    });
    let mut out = BTreeMap::new();
    for (index, chassis) in entries {
        let at = |column: &[u32]| t.get(&[column, index].concat());
        let sysdescr = truthy_string(at(REM_SYS_DESC));
        let sysname = truthy_string(at(REM_SYS_NAME));
        if sysdescr.is_none() && sysname.is_none() {
            continue;
        }
        if at(REM_CHASSIS_ID_SUBTYPE).and_then(int) != Some(4) {
            tracing::debug!(?sysname, "LLDP: chassis id subtype other than MAC, skipped");
            continue;
        }
        let mut n = Neighbour {
            sysmac: chassis_mac(chassis),
            sysdescr,
            sysname,
            ..Neighbour::default()
        };
        read_port_id(&mut n, at(REM_PORT_ID_SUBTYPE), at(REM_PORT_ID));
        if let Some(desc) = nonempty_string(at(REM_PORT_DESC)) {
            if is_digits(&desc) && n.ifnumber.is_none() {
                n.ifnumber = Some(desc);
            } else if n.ifdescr.is_none() {
                n.ifdescr = Some(desc);
            }
        }
        let Some(&local) = index.get(index.len() - 2) else {
            continue;
        };
        let ifindex = resolver.ifindex(local);
        if ports.contains_key(&ifindex) {
            out.insert(ifindex, n);
        } else {
            tracing::debug!(ifindex, "LLDP: unknown interface, ignored");
        }
    }
    out
}

/// SYSMAC from a chassis id: six bytes or MAC text.
fn chassis_mac(v: &Value) -> Option<String> {
    perl_raw(v)
        .as_deref()
        .and_then(alt_mac)
        .or_else(|| canon::value_string(v).as_deref().and_then(alt_mac))
        .or_else(|| canon::value_mac(v))
}

/// IFNUMBER / IFDESCR from the remote port id (its MAC forms are not reported: a neighbour has
/// no MAC list here).
fn read_port_id(n: &mut Neighbour, subtype: Option<&Value>, id: Option<&Value>) {
    let subtype = subtype.and_then(canon::value_string).unwrap_or_default();
    let text = id.and_then(canon::value_string).unwrap_or_default();
    match subtype.as_str() {
        "" => {
            if text.is_empty() || contains_mac(&text) {
                return;
            }
            if is_digits(&text) {
                n.ifnumber = Some(text);
                return;
            }
            let maybe_mac = alt_mac(&text).or_else(|| canon::mac(text.as_bytes()));
            if maybe_mac.is_none() || maybe_mac == n.sysmac {
                n.ifdescr = Some(text);
            }
        }
        "1" | "5" | "7" => {
            if is_digits(&text) {
                n.ifnumber = Some(text);
            } else if canon::truthy(&text) {
                n.ifdescr = Some(text);
            }
        }
        _ => {}
    }
}

/// True when `text` holds `x:x:x:x:x:x` (one or two hex digits each), anywhere.
fn contains_mac(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == ':'))
        .any(|word| {
            let parts: Vec<&str> = word.split(':').collect();
            // The first and last parts may be longer: the pattern is not anchored.
            parts.windows(6).any(|w| {
                w.iter().enumerate().all(|(i, p)| match i {
                    0 | 5 => !p.is_empty(),
                    _ => (1..=2).contains(&p.len()),
                })
            })
        })
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{bytes, int, ports, s, tables};
    use super::*;
    use crate::snmp::Oid;

    const MAC: [u8; 6] = [0x00, 0x19, 0xbb, 0x01, 0x0b, 0x00];

    fn remote(
        local: u32,
        rem: u32,
        port_subtype: Option<i64>,
        port_id: Value,
    ) -> Vec<super::super::l2::fixtures::Row<'static>> {
        let idx: &'static [u32] = Box::leak(vec![0, local, rem].into_boxed_slice());
        let mut rows = vec![
            (REM_CHASSIS_ID_SUBTYPE, idx, int(4)),
            (REM_CHASSIS_ID, idx, bytes(&MAC)),
            (REM_PORT_ID, idx, port_id),
            (REM_SYS_NAME, idx, s("sw1")),
        ];
        if let Some(st) = port_subtype {
            rows.push((REM_PORT_ID_SUBTYPE, idx, int(st)));
        }
        rows
    }

    #[test]
    fn remote_port_id_subtypes() {
        let p = ports(&[1, 2, 3, 4, 5, 6]);
        let mut rows = remote(1, 1, Some(7), s("141"));
        rows.extend(remote(2, 1, Some(5), s("Gi1/0/2")));
        rows.extend(remote(3, 1, Some(3), bytes(&[0, 0x19, 0xbb, 1, 0xb, 0x22])));
        rows.extend(remote(4, 1, None, s("ge-0/0/1")));
        rows.extend(remote(5, 1, None, s("00:19:bb:01:0b:33")));
        rows.extend(remote(6, 1, None, s("12")));
        rows.push((REM_PORT_DESC, &[0, 3, 1], s("uplink")));
        rows.push((REM_PORT_DESC, &[0, 6, 1], s("7")));
        let t = tables(rows);
        let n = neighbours(&t, &p);
        assert_eq!(n.len(), 6);
        assert_eq!(n[&1].ifnumber.as_deref(), Some("141"));
        assert_eq!(n[&1].sysmac.as_deref(), Some("00:19:bb:01:0b:00"));
        assert_eq!(n[&1].sysname.as_deref(), Some("sw1"));
        assert_eq!(n[&2].ifdescr.as_deref(), Some("Gi1/0/2"));
        assert_eq!(n[&3].ifdescr.as_deref(), Some("uplink"));
        assert_eq!(n[&3].ifnumber, None);
        assert_eq!(n[&4].ifdescr.as_deref(), Some("ge-0/0/1"));
        assert_eq!(
            (n[&5].ifdescr.as_deref(), n[&5].ifnumber.as_deref()),
            (None, None)
        );
        // Numeric description after a numeric port id goes to IFDESCR.
        assert_eq!(n[&6].ifnumber.as_deref(), Some("12"));
        assert_eq!(n[&6].ifdescr.as_deref(), Some("7"));
    }

    #[test]
    fn remote_entries_filtered() {
        let p = ports(&[1, 2, 3]);
        let mut rows = remote(1, 1, Some(7), s("1"));
        rows.push((REM_CHASSIS_ID_SUBTYPE, &[0, 1, 1], int(5)));
        rows.extend(remote(2, 1, Some(7), s("1")));
        rows.retain(|(c, i, _)| !(*c == REM_SYS_NAME && *i == [0, 2, 1]));
        rows.extend(remote(9, 1, Some(7), s("1")));
        rows.push((REM_CHASSIS_ID, &[7], bytes(&MAC)));
        let t = tables(rows);
        assert!(neighbours(&t, &p).is_empty());
    }

    #[test]
    fn later_remote_index_wins() {
        let p = ports(&[1]);
        let mut rows = remote(1, 2, Some(7), s("2"));
        rows.extend(remote(1, 1, Some(7), s("1")));
        let t = tables(rows);
        assert_eq!(neighbours(&t, &p)[&1].ifnumber.as_deref(), Some("2"));
    }

    #[test]
    fn local_port_resolution() {
        let mut p = ports(&[10, 11, 12, 13, 597, 606]);
        if let Some(x) = p.get_mut(&10) {
            x.ifname = Some("Gi1/0/1".into());
        }
        if let Some(x) = p.get_mut(&11) {
            x.ifalias = Some("uplink".into());
        }
        if let Some(x) = p.get_mut(&12) {
            x.mac = Some("8c:60:4f:19:16:21".into());
        }
        let t = tables(vec![
            (LOC_PORT_ID_SUBTYPE, &[1], int(5)),
            (LOC_PORT_ID, &[1], s("Gi1/0/1")),
            (LOC_PORT_ID_SUBTYPE, &[2], int(1)),
            (LOC_PORT_ID, &[2], s("uplink")),
            (LOC_PORT_ID_SUBTYPE, &[3], int(3)),
            (
                LOC_PORT_ID,
                &[3],
                bytes(&[0x8c, 0x60, 0x4f, 0x19, 0x16, 0x21]),
            ),
            (LOC_PORT_ID_SUBTYPE, &[4], int(7)),
            (LOC_PORT_ID, &[4], s("13")),
            (LOC_PORT_ID_SUBTYPE, &[5], int(7)),
            (LOC_PORT_ID, &[5], s("5")),
            (LOC_PORT_ID_SUBTYPE, &[6], int(5)),
            (LOC_PORT_ID, &[6], s("nowhere")),
            (super::super::l2::DOT1D_BASE_PORT_IF_INDEX, &[5], int(597)),
        ]);
        let r = PortResolver::for_remote(&t, &p);
        assert_eq!(r.ifindex(1), 10);
        assert_eq!(r.ifindex(2), 11);
        assert_eq!(r.ifindex(3), 12);
        assert_eq!(r.ifindex(4), 13);
        assert_eq!(r.ifindex(5), 597, "same number: bridge map");
        assert_eq!(r.ifindex(6), 6, "unresolved, unmapped: the number");
        // Juniper: numbers are ifIndexes, no bridge map.
        let mut t2 = t.clone();
        t2.extend([crate::snmp::Varbind::new(
            Oid::from_slice(&[super::super::l2::SYS_OBJECT_ID, &[0]].concat()),
            Value::ObjectId(Oid::from_slice(&[1, 3, 6, 1, 4, 1, 2636, 1, 1, 1, 2, 25])),
        )]);
        assert_eq!(PortResolver::for_remote(&t2, &p).ifindex(5), 5);
        // Cisco portIfIndex wins over the bridge map.
        let mut t3 = t.clone();
        t3.extend([crate::snmp::Varbind::new(
            Oid::from_slice(&[CISCO_PORT_IF_INDEX, &[1, 5]].concat()),
            int(606),
        )]);
        assert_eq!(PortResolver::for_remote(&t3, &p).ifindex(5), 606);
    }

    #[test]
    fn ambiguous_local_text_is_not_resolved() {
        let mut p = ports(&[1, 2]);
        for x in p.values_mut() {
            x.ifname = Some("same".into());
        }
        let t = tables(vec![
            (LOC_PORT_ID_SUBTYPE, &[7], int(5)),
            (LOC_PORT_ID, &[7], s("same")),
        ]);
        assert!(local_ports(&t, &p).is_empty());
    }

    #[test]
    fn mac_pattern() {
        assert!(contains_mac("00:19:bb:01:0b:33"));
        assert!(contains_mac("port 0:1:2:3:4:5"));
        assert!(!contains_mac("Gi1/0/1"));
        assert!(!contains_mac("1:2:3"));
    }
}
