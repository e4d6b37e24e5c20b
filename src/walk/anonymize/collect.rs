//! The first pass of anonymisation: the addresses a capture holds, as values (IpAddress,
//! MAC-valued columns, LLDP/CDP addresses by their type column, transport addresses, bridge ids)
//! and in the indexes of the known tables.

use std::collections::BTreeSet;

use crate::snmp::{Value, Varbind};

use super::pseudonym::{is_kept_ip, is_kept_mac};
use super::tables::{self, Slot};

/// What the first pass finds in a capture.
#[derive(Default)]
pub(super) struct Found {
    pub(super) ips: BTreeSet<[u8; 4]>,
    pub(super) macs: BTreeSet<[u8; 6]>,
}

/// The addresses of a sorted capture: IpAddress values (not netmasks), MAC-valued columns,
/// LLDP/CDP addresses by their type column, and the addresses of known table indexes.
pub(super) fn collect(sorted: &[Varbind]) -> Found {
    let mut found = Found::default();
    let lookup = |arcs: &[u32]| -> Option<&Value> {
        sorted
            .binary_search_by(|vb| vb.oid.arcs().cmp(arcs))
            .ok()
            .map(|at| &sorted[at].value)
    };
    for vb in sorted {
        let arcs = vb.oid.arcs();
        for slot in tables::index_slots(arcs).unwrap_or_default() {
            match slot {
                Slot::Ip(at) => add_ip(&mut found, tables::arcs_to(&arcs[at..at + 4])),
                Slot::Mac(at) => add_mac(&mut found, tables::arcs_to(&arcs[at..at + 6])),
            }
        }
        match &vb.value {
            Value::IpAddress(ip) if !tables::is_mask_column(arcs) => add_ip(&mut found, *ip),
            Value::OctetString(bytes) => {
                if tables::is_mac_column(arcs)
                    && let Ok(mac) = <[u8; 6]>::try_from(bytes.as_slice())
                {
                    add_mac(&mut found, mac);
                }
                if tables::is_taddress_column(arcs)
                    && bytes.len() == 6
                    && let Some(ip) = bytes.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok())
                {
                    add_ip(&mut found, ip);
                }
                if tables::is_bridge_id_column(arcs)
                    && let Some(mac) = bytes.get(2..).and_then(|b| <[u8; 6]>::try_from(b).ok())
                {
                    add_mac(&mut found, mac);
                }
                if let Some((sibling, wanted, slot)) = tables::typed_by_sibling(arcs)
                    && lookup(&sibling) == Some(&Value::Integer(wanted))
                {
                    match slot {
                        Slot::Mac(_) => {
                            if let Ok(mac) = <[u8; 6]>::try_from(bytes.as_slice()) {
                                add_mac(&mut found, mac);
                            }
                        }
                        Slot::Ip(_) => {
                            if let Ok(ip) = <[u8; 4]>::try_from(bytes.as_slice()) {
                                add_ip(&mut found, ip);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

fn add_ip(found: &mut Found, ip: [u8; 4]) {
    if !is_kept_ip(ip) {
        found.ips.insert(ip);
    }
}

fn add_mac(found: &mut Found, mac: [u8; 6]) {
    if !is_kept_mac(mac) {
        found.macs.insert(mac);
    }
}
