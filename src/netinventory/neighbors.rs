//! CONNECTIONS from discovery protocols: LLDP, CDP and EDP neighbours merged per port.
//!
//! LLDP neighbours are set first. A CDP neighbour (softphones skipped) is added to a port
//! without one, or completes the LLDP one (IP, MODEL) when both describe the same device (same
//! description, same name, or the LLDP chassis MAC spelled by the CDP name); otherwise the port
//! is undecidable and loses its neighbours. EDP does the same with the neighbour already there
//! (same description or MAC, case-insensitive), completing its IP.

use std::collections::BTreeMap;

use super::l2::SYS_OBJECT_ID;
use super::tables::Tables;
use super::{cdp, edp, lldp};
use crate::mib::canon;
use crate::model::{Connections, Neighbour, Port};

/// Columns read.
pub(super) const COLUMNS: &[&[u32]] = &{
    const N: usize = lldp::COLUMNS.len() + cdp::COLUMNS.len() + edp::COLUMNS.len() + 1;
    let mut all: [&[u32]; N] = [&[]; N];
    let mut i = 0;
    while i < lldp::COLUMNS.len() {
        all[i] = lldp::COLUMNS[i];
        i += 1;
    }
    let mut j = 0;
    while j < cdp::COLUMNS.len() {
        all[i + j] = cdp::COLUMNS[j];
        j += 1;
    }
    let mut k = 0;
    while k < edp::COLUMNS.len() {
        all[i + j + k] = edp::COLUMNS[k];
        k += 1;
    }
    all[N - 1] = SYS_OBJECT_ID;
    all
};

/// Sets neighbour CONNECTIONS on ports.
pub(super) fn apply(t: &Tables, ports: &mut BTreeMap<u32, Port>) {
    for (ifindex, n) in lldp::neighbours(t, ports) {
        if let Some(p) = ports.get_mut(&ifindex) {
            p.connections = Some(Connections::Neighbours(vec![n]));
        }
    }
    for (ifindex, n) in cdp::neighbours(t) {
        let Some(p) = ports.get_mut(&ifindex) else {
            tracing::debug!(ifindex, "CDP: unknown interface, ignored");
            continue;
        };
        if n.model
            .as_deref()
            .is_some_and(|m| m.to_ascii_lowercase().starts_with("communicator"))
        {
            continue;
        }
        merge(p, n, same_as_cdp, |known, cdp| {
            known.ip = cdp.ip;
            known.model = cdp.model;
        });
    }
    for (ifindex, n) in edp::neighbours(t) {
        let Some(p) = ports.get_mut(&ifindex) else {
            tracing::debug!(ifindex, "EDP: unknown interface, ignored");
            continue;
        };
        merge(p, n, same_as_edp, |known, edp| known.ip = edp.ip);
    }
}

/// Adds `n` to a port without neighbour, completes the neighbour `same` recognises, or drops
/// the port's neighbours when they disagree.
fn merge(
    port: &mut Port,
    n: Neighbour,
    same: fn(&Neighbour, &Neighbour) -> bool,
    complete: fn(&mut Neighbour, Neighbour),
) {
    match &mut port.connections {
        Some(Connections::Neighbours(list)) if !list.is_empty() => {
            let known = &mut list[0];
            if same(known, &n) {
                complete(known, n);
            } else {
                tracing::debug!(port = port.index, "neighbours disagree, ignored");
                port.connections = None;
            }
        }
        _ => port.connections = Some(Connections::Neighbours(vec![n])),
    }
}

fn same_as_cdp(lldp: &Neighbour, cdp: &Neighbour) -> bool {
    if lldp.sysdescr.as_deref().is_some_and(canon::truthy) && cdp.sysdescr == lldp.sysdescr {
        return true;
    }
    let (Some(lname), Some(cname)) = (&lldp.sysname, &cdp.sysname) else {
        return false;
    };
    if !canon::truthy(lname) || !canon::truthy(cname) {
        return false;
    }
    if cname == lname {
        return true;
    }
    let cdp_mac = canon::mac(cname.as_bytes());
    lldp.sysmac.is_some() && cdp_mac.is_some() && lldp.sysmac == cdp_mac
}

fn same_as_edp(known: &Neighbour, edp: &Neighbour) -> bool {
    let eq = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => false,
    };
    eq(&known.sysdescr, &edp.sysdescr) || eq(&known.sysmac, &edp.sysmac)
}

#[cfg(test)]
mod tests {
    use super::super::l2::fixtures::{bytes, int, ports, s, tables};
    use super::*;

    const LLDP_REM: [u32; 10] = [1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
    const CDP: [u32; 13] = [1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];

    fn lldp_rows(
        local: u32,
        name: &str,
        desc: &str,
    ) -> Vec<super::super::l2::fixtures::Row<'static>> {
        let col = |c: u32| -> &'static [u32] {
            Box::leak([&LLDP_REM[..], &[c]].concat().into_boxed_slice())
        };
        let idx: &'static [u32] = Box::leak(vec![0, local, 1].into_boxed_slice());
        vec![
            (col(4), idx, int(4)),
            (col(5), idx, bytes(&[0, 0x19, 0xbb, 1, 0xb, 0])),
            (col(7), idx, s("141")),
            (col(9), idx, s(name)),
            (col(10), idx, s(desc)),
        ]
    }

    fn cdp_rows(
        ifindex: u32,
        id: &str,
        version: &str,
        platform: &str,
    ) -> Vec<super::super::l2::fixtures::Row<'static>> {
        let col =
            |c: u32| -> &'static [u32] { Box::leak([&CDP[..], &[c]].concat().into_boxed_slice()) };
        let idx: &'static [u32] = Box::leak(vec![ifindex, 1].into_boxed_slice());
        vec![
            (col(4), idx, bytes(&[172, 31, 196, 140])),
            (col(5), idx, s(version)),
            (col(6), idx, s(id)),
            (col(7), idx, s("F21")),
            (col(8), idx, s(platform)),
        ]
    }

    fn neighbour(p: &Port) -> Option<&Neighbour> {
        match &p.connections {
            Some(Connections::Neighbours(list)) => list.first(),
            _ => None,
        }
    }

    #[test]
    fn lldp_and_cdp_merge() {
        let mut p = ports(&[1, 2, 3, 4, 5, 6]);
        let mut rows = Vec::new();
        // 1: same description → CDP completes IP and MODEL.
        rows.extend(lldp_rows(1, "sw", "ProCurve"));
        rows.extend(cdp_rows(1, "other", "ProCurve", "J8697A"));
        // 2: same name.
        rows.extend(lldp_rows(2, "sw", "desc A"));
        rows.extend(cdp_rows(2, "sw", "desc B", "J8697A"));
        // 3: CDP name is the LLDP chassis MAC.
        rows.extend(lldp_rows(3, "sw", "desc A"));
        rows.extend(cdp_rows(3, "0019bb010b00", "desc B", "J8697A"));
        // 4: disagreement → no neighbour.
        rows.extend(lldp_rows(4, "sw", "desc A"));
        rows.extend(cdp_rows(4, "other", "desc B", "J8697A"));
        // 5: CDP only. 6: a softphone, skipped.
        rows.extend(cdp_rows(5, "router", "IOS", "cisco 2901"));
        rows.extend(lldp_rows(6, "sw", "desc A"));
        rows.extend(cdp_rows(6, "pc", "desc B", "Communicator CIPC"));
        apply(&tables(rows), &mut p);

        let n1 = neighbour(&p[&1]).expect("1");
        assert_eq!(n1.ip.as_deref(), Some("172.31.196.140"));
        assert_eq!(n1.model.as_deref(), Some("J8697A"));
        assert_eq!(n1.sysmac.as_deref(), Some("00:19:bb:01:0b:00"));
        assert_eq!(n1.ifnumber.as_deref(), Some("141"));
        assert_eq!(
            neighbour(&p[&2]).and_then(|n| n.ip.as_deref()),
            Some("172.31.196.140")
        );
        assert_eq!(
            neighbour(&p[&3]).and_then(|n| n.model.as_deref()),
            Some("J8697A")
        );
        assert_eq!(p[&4].connections, None);
        let n5 = neighbour(&p[&5]).expect("5");
        assert_eq!(n5.sysname.as_deref(), Some("router"));
        assert_eq!(n5.ifdescr.as_deref(), Some("F21"));
        let n6 = neighbour(&p[&6]).expect("6");
        assert_eq!(n6.ip, None);
        assert_eq!(n6.sysdescr.as_deref(), Some("desc A"));
    }

    #[test]
    fn edp_merge_on_sysmac() {
        const EDP_IP: [u32; 12] = [1, 3, 6, 1, 4, 1, 1916, 1, 13, 3, 1, 3];
        let mut p = ports(&[1, 2, 3]);
        let mut rows = lldp_rows(1, "sw", "desc");
        rows.extend(lldp_rows(2, "sw", "desc"));
        rows.push((
            &EDP_IP,
            &[1, 0, 0, 0, 0x19, 0xbb, 1, 0xb, 0, 65],
            crate::snmp::Value::IpAddress([10, 0, 0, 1]),
        ));
        rows.push((
            &EDP_IP,
            &[2, 0, 0, 0, 0x19, 0xbb, 1, 0xb, 9, 65],
            crate::snmp::Value::IpAddress([10, 0, 0, 2]),
        ));
        rows.push((
            &EDP_IP,
            &[3, 0, 0, 0, 0x19, 0xbb, 1, 0xb, 9, 65],
            crate::snmp::Value::IpAddress([10, 0, 0, 3]),
        ));
        apply(&tables(rows), &mut p);
        let n1 = neighbour(&p[&1]).expect("1");
        assert_eq!(n1.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(n1.sysname.as_deref(), Some("sw"));
        assert_eq!(p[&2].connections, None);
        assert_eq!(
            neighbour(&p[&3]).and_then(|n| n.ip.as_deref()),
            Some("10.0.0.3")
        );
    }

    #[test]
    fn unknown_ports_ignored() {
        let mut p = ports(&[1]);
        let mut rows = lldp_rows(7, "sw", "desc");
        rows.extend(cdp_rows(8, "x", "v", "m"));
        apply(&tables(rows), &mut p);
        assert_eq!(p[&1].connections, None);
    }
}
