//! PORTS from IF-MIB (ifTable, ifXTable), EtherLike-MIB duplex and the IPv4 address table.
//!
//! A port exists as soon as any interface column has its index. Conversions follow the
//! reference agents (`network-tasks.md` §3.3), with GLPI agent's range checks on the status
//! columns: strings are canonical strings, MACs canonical MACs, counts integers only, empty
//! strings are not stored. Interfaces are keyed by a single-arc ifIndex (IF-MIB's only form).

use std::collections::BTreeMap;

use super::tables::{Tables, constant, int, uint};
use crate::mib::canon;
use crate::model::Port;
use crate::snmp::Value;

const IF_INDEX: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 1];
const IF_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
const IF_TYPE: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 3];
const IF_MTU: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 4];
const IF_SPEED: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 5];
const IF_PHYS_ADDRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 6];
const IF_ADMIN_STATUS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 7];
const IF_OPER_STATUS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 8];
const IF_LAST_CHANGE: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 9];
const IF_IN_OCTETS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 10];
const IF_IN_ERRORS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 14];
const IF_OUT_OCTETS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 16];
const IF_OUT_ERRORS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 20];
const IF_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1];
const IF_HIGH_SPEED: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15];
const IF_ALIAS: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18];
const DOT3_DUPLEX: &[u32] = &[1, 3, 6, 1, 2, 1, 10, 7, 2, 1, 19];
/// ipAdEntIfIndex: index = the IPv4 address, value = ifIndex.
pub(super) const IP_AD_ENT_IF_INDEX: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 20, 1, 2];

/// Columns read (ifTable and ifXTable columns are read together, table by table).
pub(super) const COLUMNS: &[&[u32]] = &[
    IF_INDEX,
    IF_DESCR,
    IF_TYPE,
    IF_MTU,
    IF_SPEED,
    IF_PHYS_ADDRESS,
    IF_ADMIN_STATUS,
    IF_OPER_STATUS,
    IF_LAST_CHANGE,
    IF_IN_OCTETS,
    IF_IN_ERRORS,
    IF_OUT_OCTETS,
    IF_OUT_ERRORS,
    IF_NAME,
    IF_HIGH_SPEED,
    IF_ALIAS,
    DOT3_DUPLEX,
    IP_AD_ENT_IF_INDEX,
];

/// The ports of the device, by ifIndex.
pub(super) fn build(t: &Tables) -> BTreeMap<u32, Port> {
    let mut ports: BTreeMap<u32, Port> = BTreeMap::new();

    for (i, v) in t.column_u32(IF_INDEX) {
        if let Some(n) = constant(v).and_then(|n| u32::try_from(n).ok()) {
            port(&mut ports, i).ifnumber = Some(n);
        } else {
            port(&mut ports, i);
        }
    }
    for (i, v) in t.column_u32(IF_DESCR) {
        port(&mut ports, i).ifdescr = text(v);
    }
    // IFNAME: ifName, or ifDescr when the agent has no ifName at all.
    let names = if t.has(IF_NAME) { IF_NAME } else { IF_DESCR };
    for (i, v) in t.column_u32(names) {
        port(&mut ports, i).ifname = text(v);
    }
    for (i, v) in t.column_u32(IF_ALIAS) {
        port(&mut ports, i).ifalias = text(v);
    }
    for (i, v) in t.column_u32(IF_TYPE) {
        port(&mut ports, i).iftype = constant(v);
    }
    for (i, v) in t.column_u32(IF_MTU) {
        port(&mut ports, i).ifmtu = count(v);
    }
    for (i, v) in t.column_u32(IF_OPER_STATUS) {
        port(&mut ports, i).ifstatus = constant(v).filter(|s| (1..=7).contains(s));
    }
    for (i, v) in t.column_u32(IF_ADMIN_STATUS) {
        port(&mut ports, i).ifinternalstatus = constant(v).filter(|s| (1..=3).contains(s));
    }
    for (i, v) in t.column_u32(DOT3_DUPLEX) {
        port(&mut ports, i).ifportduplex = constant(v).filter(|s| (1..=3).contains(s));
    }
    for (i, v) in t.column_u32(IF_LAST_CHANGE) {
        port(&mut ports, i).iflastchange = text(v);
    }
    let counters: [(&[u32], CounterField); 4] = [
        (IF_IN_OCTETS, |p| &mut p.ifinoctets),
        (IF_OUT_OCTETS, |p| &mut p.ifoutoctets),
        (IF_IN_ERRORS, |p| &mut p.ifinerrors),
        (IF_OUT_ERRORS, |p| &mut p.ifouterrors),
    ];
    for (column, field) in counters {
        for (i, v) in t.column_u32(column) {
            *field(port(&mut ports, i)) = uint(v);
        }
    }
    for (i, v) in t.column_u32(IF_PHYS_ADDRESS) {
        port(&mut ports, i).mac = canon::value_mac(v);
    }
    // IFSPEED: ifHighSpeed (Mb/s) when non-zero, else ifSpeed (b/s), for ports with ifSpeed.
    for (i, v) in t.column_u32(IF_SPEED) {
        let high = t
            .get(&[IF_HIGH_SPEED, &[i]].concat())
            .and_then(uint)
            .filter(|&h| h != 0);
        port(&mut ports, i).ifspeed = match high {
            Some(h) => h.checked_mul(1_000_000),
            None => uint(v),
        };
    }

    // IP addresses, sorted as strings; IP is the last one.
    let mut by_port: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (index, v) in t.column(IP_AD_ENT_IF_INDEX) {
        let Some(ifindex) = uint(v).and_then(|n| u32::try_from(n).ok()) else {
            continue;
        };
        if ifindex == 0 || !ports.contains_key(&ifindex) {
            continue;
        }
        if let [a, b, c, d] = index
            && [a, b, c, d].iter().all(|&&x| x <= 255)
        {
            by_port
                .entry(ifindex)
                .or_default()
                .push(format!("{a}.{b}.{c}.{d}"));
        }
    }
    for (ifindex, mut ips) in by_port {
        ips.sort();
        if let Some(p) = ports.get_mut(&ifindex) {
            p.ip = ips.last().cloned();
            p.ips = ips;
        }
    }
    ports
}

/// Where a counter column goes in a port.
type CounterField = fn(&mut Port) -> &mut Option<u64>;

/// The port of ifIndex `i`, created when first seen.
fn port(ports: &mut BTreeMap<u32, Port>, i: u32) -> &mut Port {
    ports.entry(i).or_insert_with(|| Port::new(i))
}

/// A canonical string, `None` when empty.
fn text(v: &Value) -> Option<String> {
    canon::value_string(v).filter(|s| !s.is_empty())
}

/// getCanonicalCount: integers only.
fn count(v: &Value) -> Option<i64> {
    int(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netinventory::tables::testing::vb;

    #[test]
    fn builds_ports_as_the_reference_agents() {
        let t = Tables::from_varbinds([
            vb(IF_INDEX, &[1], Value::Integer(1)),
            vb(IF_DESCR, &[1], Value::OctetString(b"eth0".to_vec())),
            vb(IF_DESCR, &[2], Value::OctetString(b"".to_vec())),
            vb(IF_TYPE, &[1], Value::Integer(6)),
            vb(IF_SPEED, &[1], Value::Gauge32(4_294_967_295)),
            vb(IF_HIGH_SPEED, &[1], Value::Gauge32(10_000)),
            vb(IF_SPEED, &[2], Value::Gauge32(100_000_000)),
            vb(IF_HIGH_SPEED, &[2], Value::Gauge32(0)),
            vb(IF_OPER_STATUS, &[1], Value::Integer(1)),
            vb(IF_OPER_STATUS, &[2], Value::Integer(9)),
            vb(IF_ADMIN_STATUS, &[1], Value::OctetString(b"up(1)".to_vec())),
            vb(
                IF_PHYS_ADDRESS,
                &[1],
                Value::OctetString(vec![0, 0x18, 0x71, 0xc1, 0xe0, 0]),
            ),
            vb(IF_LAST_CHANGE, &[1], Value::TimeTicks(137_791)),
            vb(IF_IN_OCTETS, &[1], Value::Counter32(42)),
            vb(IP_AD_ENT_IF_INDEX, &[10, 0, 0, 2], Value::Integer(1)),
            vb(IP_AD_ENT_IF_INDEX, &[9, 0, 0, 1], Value::Integer(1)),
            vb(IP_AD_ENT_IF_INDEX, &[9, 0, 0, 3], Value::Integer(77)),
        ]);
        let ports = build(&t);
        assert_eq!(ports.len(), 2);
        let p1 = &ports[&1];
        assert_eq!(p1.ifnumber, Some(1));
        assert_eq!(p1.ifdescr.as_deref(), Some("eth0"));
        assert_eq!(p1.ifname.as_deref(), Some("eth0"), "ifDescr when no ifName");
        assert_eq!(p1.ifspeed, Some(10_000_000_000));
        assert_eq!(p1.ifstatus, Some(1));
        assert_eq!(p1.ifinternalstatus, Some(1));
        assert_eq!(p1.mac.as_deref(), Some("00:18:71:c1:e0:00"));
        assert_eq!(p1.iflastchange.as_deref(), Some("0:22:57.91"));
        assert_eq!(p1.ifinoctets, Some(42));
        assert_eq!(p1.ips, ["10.0.0.2", "9.0.0.1"]);
        assert_eq!(p1.ip.as_deref(), Some("9.0.0.1"));
        let p2 = &ports[&2];
        assert_eq!(p2.ifdescr, None);
        assert_eq!(p2.ifspeed, Some(100_000_000));
        assert_eq!(p2.ifstatus, None, "out of range");
    }
}
