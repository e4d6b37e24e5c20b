//! Where addresses, serials and other identifying values sit in the standard MIBs: the index
//! layouts of tables indexed by IP or MAC addresses, and the columns holding them as values.

/// One part of a table index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// One arc that is not an address (ifIndex, port, VLAN…).
    Skip,
    /// An IPv4 address, four arcs.
    Ip,
    /// A netmask, four arcs: kept.
    Mask,
    /// A MAC address, six arcs.
    Mac,
    /// Address type (InetAddressType, or LLDP's address family), length, octets: IPv4 is
    /// `1.4.a.b.c.d` (`3.8.…` with a zone), a MAC `6.6.…` (LLDP "all802").
    Addr,
    /// Length, then that many arcs, skipped (an OID or a string in an index).
    LenSkip,
    /// Length, then octets: a MAC when the length is 6.
    LenMac,
}

use Field::{Addr, Ip, LenMac, LenSkip, Mac, Mask, Skip};

/// A table whose index holds addresses: its entry OID and the layout of the index that follows
/// the column arc.
struct Table {
    entry: &'static [u32],
    index: &'static [Field],
}

const fn t(entry: &'static [u32], index: &'static [Field]) -> Table {
    Table { entry, index }
}

/// Tables of the standard MIBs indexed by addresses.
const TABLES: &[Table] = &[
    t(&[1, 3, 6, 1, 2, 1, 3, 1, 1], &[Skip, Skip, Ip]), // atTable: ifIndex.1.a.b.c.d
    t(&[1, 3, 6, 1, 2, 1, 4, 20, 1], &[Ip]),            // ipAddrTable
    t(&[1, 3, 6, 1, 2, 1, 4, 21, 1], &[Ip]),            // ipRouteTable
    t(&[1, 3, 6, 1, 2, 1, 4, 22, 1], &[Skip, Ip]),      // ipNetToMediaTable
    t(&[1, 3, 6, 1, 2, 1, 4, 24, 4, 1], &[Ip, Mask, Skip, Ip]), // ipCidrRouteTable
    t(
        &[1, 3, 6, 1, 2, 1, 4, 24, 7, 1],
        &[Addr, Skip, LenSkip, Addr],
    ), // inetCidrRouteTable
    t(&[1, 3, 6, 1, 2, 1, 4, 32, 1], &[Skip, Addr]),    // ipAddressPrefixTable
    t(&[1, 3, 6, 1, 2, 1, 4, 34, 1], &[Addr]),          // ipAddressTable
    t(&[1, 3, 6, 1, 2, 1, 4, 35, 1], &[Skip, Addr]),    // ipNetToPhysicalTable
    t(&[1, 3, 6, 1, 2, 1, 4, 37, 1], &[Addr]),          // ipDefaultRouterTable
    t(&[1, 3, 6, 1, 2, 1, 6, 13, 1], &[Ip, Skip, Ip]),  // tcpConnTable
    t(&[1, 3, 6, 1, 2, 1, 6, 19, 1], &[Addr, Skip, Addr]), // tcpConnectionTable
    t(&[1, 3, 6, 1, 2, 1, 6, 20, 1], &[Addr]),          // tcpListenerTable
    t(&[1, 3, 6, 1, 2, 1, 7, 5, 1], &[Ip]),             // udpTable
    t(&[1, 3, 6, 1, 2, 1, 7, 7, 1], &[Addr, Skip, Addr]), // udpEndpointTable
    t(&[1, 3, 6, 1, 2, 1, 17, 4, 3, 1], &[Mac]),        // dot1dTpFdbTable
    t(&[1, 3, 6, 1, 2, 1, 17, 5, 1, 1], &[Mac]),        // dot1dStaticTable
    t(&[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1], &[Skip, Mac]), // dot1qTpFdbTable: fdbId.mac
    t(&[1, 3, 6, 1, 2, 1, 17, 7, 1, 3, 1, 1], &[Skip, Mac]), // dot1qStaticUnicastTable
    t(&[1, 3, 6, 1, 2, 1, 31, 1, 4, 1], &[Skip, LenMac]), // ifRcvAddressTable
    t(&[1, 0, 8802, 1, 1, 2, 1, 1, 7, 1], &[Addr]),     // lldpConfigManAddrTable
    t(&[1, 0, 8802, 1, 1, 2, 1, 3, 8, 1], &[Addr]),     // lldpLocManAddrTable
    t(
        &[1, 0, 8802, 1, 1, 2, 1, 4, 2, 1],
        &[Skip, Skip, Skip, Addr],
    ), // lldpRemManAddrTable
];

/// What an address slot in an index holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// Four arcs of an IPv4 address, starting at the position.
    Ip(usize),
    /// Six arcs of a MAC address, starting at the position.
    Mac(usize),
}

/// The address slots of the index of `arcs`, when `arcs` is an instance of a known table;
/// `None` for OIDs of other tables.
pub(super) fn index_slots(arcs: &[u32]) -> Option<Vec<Slot>> {
    let table = TABLES.iter().find(|t| arcs.starts_with(t.entry))?;
    let mut slots = Vec::new();
    let mut at = table.entry.len() + 1; // past the column
    let get = |i: usize| arcs.get(i).map(|&a| a as usize);
    for field in table.index {
        match field {
            Skip => at += 1,
            Ip => {
                slots.push(Slot::Ip(at));
                at += 4;
            }
            Mask => at += 4,
            Mac => {
                slots.push(Slot::Mac(at));
                at += 6;
            }
            Addr => {
                let (Some(kind), Some(len)) = (get(at), get(at + 1)) else {
                    break;
                };
                match (kind, len) {
                    (1, 4) | (3, 8) => slots.push(Slot::Ip(at + 2)),
                    (6, 6) => slots.push(Slot::Mac(at + 2)),
                    _ => {}
                }
                at = at.saturating_add(2).saturating_add(len);
            }
            LenSkip => at = at.saturating_add(1).saturating_add(get(at).unwrap_or(0)),
            LenMac => {
                if get(at) == Some(6) {
                    slots.push(Slot::Mac(at + 1));
                }
                at = at.saturating_add(1).saturating_add(get(at).unwrap_or(0));
            }
        }
        if at > arcs.len() {
            break;
        }
    }
    slots.retain(|slot| match *slot {
        Slot::Ip(i) => arcs.get(i..i.saturating_add(4)).is_some_and(octets),
        Slot::Mac(i) => arcs.get(i..i.saturating_add(6)).is_some_and(octets),
    });
    Some(slots)
}

/// Where the index of an OID outside the known tables most likely starts, for IPv4 addresses:
/// two arcs (entry, column) after the first arc `1` from the ninth arc on, as in
/// `…xxxTable.1(entry).column.index`; `usize::MAX` (no index) when there is no such arc.
pub(super) fn generic_index_start(arcs: &[u32]) -> usize {
    arcs.iter()
        .enumerate()
        .skip(8)
        .find(|&(_, &arc)| arc == 1)
        .map_or(usize::MAX, |(at, _)| at + 2)
}

/// Every arc fits an octet.
pub(super) fn octets(arcs: &[u32]) -> bool {
    arcs.iter().all(|&a| a <= 255)
}

/// `[a, b, c, d]` of four arcs (each ≤ 255).
pub(super) fn arcs_to<const N: usize>(arcs: &[u32]) -> [u8; N] {
    let mut out = [0u8; N];
    for (slot, &arc) in out.iter_mut().zip(arcs) {
        *slot = u8::try_from(arc).unwrap_or(0);
    }
    out
}

/// Whether `oid` lies under one of `roots`.
fn under(oid: &[u32], roots: &[&[u32]]) -> bool {
    roots.iter().any(|root| oid.starts_with(root))
}

/// Columns whose IpAddress values are netmasks: ipAdEntNetMask, ipRouteMask, ipCidrRouteMask.
pub(super) fn is_mask_column(oid: &[u32]) -> bool {
    under(
        oid,
        &[
            &[1, 3, 6, 1, 2, 1, 4, 20, 1, 3],
            &[1, 3, 6, 1, 2, 1, 4, 21, 1, 11],
            &[1, 3, 6, 1, 2, 1, 4, 24, 4, 1, 2],
        ],
    )
}

/// Columns whose 6-octet values are MAC addresses.
pub(super) fn is_mac_column(oid: &[u32]) -> bool {
    under(
        oid,
        &[
            &[1, 3, 6, 1, 2, 1, 2, 2, 1, 6],           // ifPhysAddress
            &[1, 3, 6, 1, 2, 1, 3, 1, 1, 2],           // atPhysAddress
            &[1, 3, 6, 1, 2, 1, 4, 22, 1, 2],          // ipNetToMediaPhysAddress
            &[1, 3, 6, 1, 2, 1, 4, 35, 1, 4],          // ipNetToPhysicalPhysAddress
            &[1, 3, 6, 1, 2, 1, 17, 1, 1],             // dot1dBaseBridgeAddress
            &[1, 3, 6, 1, 2, 1, 17, 4, 3, 1, 1],       // dot1dTpFdbAddress
            &[1, 3, 6, 1, 2, 1, 17, 5, 1, 1, 1],       // dot1dStaticAddress
            &[1, 3, 6, 1, 2, 1, 17, 7, 1, 2, 2, 1, 1], // dot1qTpFdbAddress
            &[1, 2, 840, 10006, 300, 43],              // IEEE8023-LAG-MIB system ids
        ],
    )
}

/// Columns holding bridge identifiers: 2 octets of priority, then the bridge's MAC.
pub(super) fn is_bridge_id_column(oid: &[u32]) -> bool {
    under(
        oid,
        &[
            &[1, 3, 6, 1, 2, 1, 17, 2, 5],        // dot1dStpDesignatedRoot
            &[1, 3, 6, 1, 2, 1, 17, 2, 15, 1, 6], // dot1dStpPortDesignatedRoot
            &[1, 3, 6, 1, 2, 1, 17, 2, 15, 1, 8], // dot1dStpPortDesignatedBridge
        ],
    )
}

/// Transport addresses (`snmpUDPDomain`: 4 octets of IPv4, 2 of port): snmpTargetAddrTAddress,
/// entLogicalTAddress.
pub(super) fn is_taddress_column(oid: &[u32]) -> bool {
    under(
        oid,
        &[
            &[1, 3, 6, 1, 6, 3, 12, 1, 2, 1, 3],
            &[1, 3, 6, 1, 2, 1, 47, 1, 2, 1, 1, 5],
        ],
    )
}

/// For a value whose meaning depends on a sibling column (LLDP chassis and port ids, CDP
/// addresses): the sibling's OID, the sibling value meaning "address", and the address kind.
pub(super) fn typed_by_sibling(oid: &[u32]) -> Option<(Vec<u32>, i64, Slot)> {
    const LLDP_LOC: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3];
    const LLDP_REM_ENTRY: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
    const CDP_ENTRY: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];
    let sibling = |prefix: &[u32], column: u32| -> Vec<u32> {
        let mut arcs = oid.to_vec();
        arcs[prefix.len()] = column;
        arcs
    };
    let column = |prefix: &[u32]| -> Option<u32> {
        oid.strip_prefix(prefix)
            .and_then(|rest| rest.first().copied())
    };
    if oid == [LLDP_LOC, &[2, 0]].concat() {
        // lldpLocChassisId, lldpLocChassisIdSubtype: macAddress(4)
        return Some((sibling(LLDP_LOC, 1), 4, Slot::Mac(0)));
    }
    if oid.starts_with(&[LLDP_LOC, &[7, 1, 3]].concat()) {
        // lldpLocPortId, lldpLocPortIdSubtype: macAddress(3)
        let mut arcs = oid.to_vec();
        arcs[LLDP_LOC.len() + 2] = 2;
        return Some((arcs, 3, Slot::Mac(0)));
    }
    match column(LLDP_REM_ENTRY) {
        Some(5) => return Some((sibling(LLDP_REM_ENTRY, 4), 4, Slot::Mac(0))),
        Some(7) => return Some((sibling(LLDP_REM_ENTRY, 6), 3, Slot::Mac(0))),
        _ => {}
    }
    // cdpCacheAddress, cdpCacheAddressType: ip(1)
    (column(CDP_ENTRY) == Some(4)).then(|| (sibling(CDP_ENTRY, 3), 1, Slot::Ip(0)))
}

/// sysContact.0
pub(super) const SYS_CONTACT: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 4, 0];
/// sysLocation.0
pub(super) const SYS_LOCATION: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 6, 0];

/// Objects holding serial numbers: ENTITY-MIB, Printer-MIB, and the vendor OIDs the agent reads
/// serials from.
pub(super) fn is_serial(oid: &[u32]) -> bool {
    const ENT: &[u32] = &[1, 3, 6, 1, 4, 1];
    const STANDARD: &[&[u32]] = &[
        &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 11], // entPhysicalSerialNum
        &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17],    // prtGeneralSerialNumber
        &[1, 3, 6, 1, 2, 1, 43, 8, 2, 1, 17],    // prtInputSerialNumber
    ];
    const VENDOR: &[&[u32]] = &[
        &[2636, 3, 1, 3],                        // Juniper jnxBoxSerialNo
        &[248, 14, 1, 1, 9, 1, 10],              // Hirschmann
        &[253, 8, 53, 3, 2, 1, 3],               // Xerox
        &[367, 3, 2, 1, 2, 1, 4],                // Ricoh
        &[641, 2, 1, 2, 1, 6],                   // Lexmark
        &[1602, 1, 2, 1, 4],                     // Canon
        &[2435, 2, 3, 9, 4, 2, 1, 5, 5, 1],      // Brother
        &[318, 1, 1, 1, 1, 2, 3],                // APC UPS upsAdvIdentSerialNumber
        &[318, 1, 1, 4, 1, 5],                   // APC MasterSwitch
        &[318, 1, 1, 12, 1, 6],                  // APC rPDUIdentSerialNumber
        &[318, 1, 1, 26, 2, 1, 6],               // APC rPDU2IdentSerialNumber
        &[6027, 3, 8, 1, 1, 5],                  // Force10 C-series
        &[6027, 3, 10, 1, 2, 2, 1, 12],          // Force10 S-series stack units
        &[3417, 2, 11, 1, 4],                    // BlueCoat
        &[232, 2, 2, 2, 1],                      // Compaq
        &[232, 11, 2, 10, 3],                    // Compaq
        &[14823, 2, 3, 3, 1, 2, 1, 1, 4],        // Aruba
        &[1991, 1, 1, 1, 1, 2],                  // Brocade/Foundry
        &[674, 10895, 3000, 1, 2, 100, 8, 1, 2], // Dell PowerConnect
        &[9, 3, 6, 3],                           // Cisco OLD-CISCO-CHASSIS chassisId
        &[9, 5, 1, 2, 19],                       // Cisco CISCO-STACK chassisSerialNumberString
        &[9, 5, 1, 3, 1, 1, 26],                 // Cisco CISCO-STACK moduleSerialNumberString
        &[11, 2, 36, 1, 1, 2, 9],                // HP hpHttpMgSerialNumber
        &[534, 6, 6, 7, 1, 2, 1, 4],             // Eaton ePDU
        &[14988, 1, 1, 7, 3],                    // MikroTik
    ];
    under(oid, STANDARD)
        || oid
            .strip_prefix(ENT)
            .is_some_and(|rest| VENDOR.iter().any(|v| rest.starts_with(v)))
}

/// Subtrees whose indexes may spell community strings (SNMP-TARGET, USM, VACM, SNMP-COMMUNITY).
pub(super) fn may_index_communities(oid: &[u32]) -> bool {
    oid.len() > 6 && oid[..6] == [1, 3, 6, 1, 6, 3] && matches!(oid[6], 12 | 15 | 16 | 18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let oid = |s: &str| -> Vec<u32> { s.split('.').map(|a| a.parse().unwrap()).collect() };
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.4.20.1.1.10.0.0.1")),
            Some(vec![Slot::Ip(10)])
        );
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.4.22.1.2.5.10.0.0.1")),
            Some(vec![Slot::Ip(11)])
        );
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.3.1.1.2.5.1.10.0.0.1")),
            Some(vec![Slot::Ip(12)])
        );
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.6.13.1.1.10.0.0.1.23.10.0.0.2.5000")),
            Some(vec![Slot::Ip(10), Slot::Ip(15)])
        );
        assert_eq!(
            index_slots(&oid(
                "1.3.6.1.2.1.4.24.4.1.1.10.1.0.0.255.255.0.0.0.10.0.0.1"
            )),
            Some(vec![Slot::Ip(11), Slot::Ip(20)])
        );
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.4.34.1.3.1.4.10.0.0.1")),
            Some(vec![Slot::Ip(12)])
        );
        // IPv6 addresses are left alone.
        let v6 = format!("1.3.6.1.2.1.4.34.1.3.2.16.{}", ["254"; 16].join("."));
        assert_eq!(index_slots(&oid(&v6)), Some(vec![]));
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.17.7.1.2.2.1.2.1.0.24.113.193.224.0")),
            Some(vec![Slot::Mac(14)])
        );
        assert_eq!(
            index_slots(&oid("1.0.8802.1.1.2.1.4.2.1.3.0.5.1.1.4.10.0.0.1")),
            Some(vec![Slot::Ip(16)])
        );
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.31.1.4.1.2.5.6.0.24.113.193.224.0")),
            Some(vec![Slot::Mac(13)])
        );
        // Truncated or out-of-range indexes give no slot, never a panic.
        assert_eq!(index_slots(&oid("1.3.6.1.2.1.4.20.1.1.10.0")), Some(vec![]));
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.4.20.1.1.10.0.0.256")),
            Some(vec![])
        );
        assert_eq!(
            index_slots(&oid("1.3.6.1.2.1.4.34.1.3.1.4294967295")),
            Some(vec![])
        );
        assert_eq!(index_slots(&oid("1.3.6.1.2.1.2.2.1.1.1")), None);
    }

    #[test]
    fn columns() {
        assert!(is_mask_column(&[
            1, 3, 6, 1, 2, 1, 4, 20, 1, 3, 10, 0, 0, 1
        ]));
        assert!(!is_mask_column(&[
            1, 3, 6, 1, 2, 1, 4, 20, 1, 1, 10, 0, 0, 1
        ]));
        assert!(is_mac_column(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 6, 3]));
        assert!(is_serial(&[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 11, 1]));
        assert!(is_serial(&[1, 3, 6, 1, 4, 1, 9, 3, 6, 3, 0]));
        assert!(!is_serial(&[1, 3, 6, 1, 4, 1, 9, 3, 6, 4, 0]));
        let (sibling, want, slot) =
            typed_by_sibling(&[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 5, 0, 3, 1]).unwrap();
        assert_eq!(sibling, [1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, 4, 0, 3, 1]);
        assert_eq!((want, slot), (4, Slot::Mac(0)));
        let (sibling, want, _) = typed_by_sibling(&[1, 0, 8802, 1, 1, 2, 1, 3, 2, 0]).unwrap();
        assert_eq!((sibling, want), (vec![1, 0, 8802, 1, 1, 2, 1, 3, 1, 0], 4));
        let (sibling, want, _) =
            typed_by_sibling(&[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 3, 12]).unwrap();
        assert_eq!(
            (sibling, want),
            (vec![1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 2, 12], 3)
        );
        let (_, want, slot) =
            typed_by_sibling(&[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1, 4, 10, 1]).unwrap();
        assert_eq!((want, slot), (1, Slot::Ip(0)));
        assert!(typed_by_sibling(&[1, 3, 6, 1, 2, 1, 1, 5, 0]).is_none());
        assert!(may_index_communities(&[
            1, 3, 6, 1, 6, 3, 18, 1, 1, 1, 2, 112
        ]));
        assert_eq!(arcs_to::<4>(&[10, 0, 0, 1]), [10, 0, 0, 1]);
        assert_eq!(
            generic_index_start(&[1, 3, 6, 1, 2, 1, 4, 21, 1, 10, 0, 0, 0, 0]),
            10
        );
        assert_eq!(
            generic_index_start(&[1, 3, 6, 1, 4, 1, 11, 2, 14, 11, 5, 1, 9, 4, 2, 1, 3, 10]),
            13
        );
        assert_eq!(
            generic_index_start(&[1, 3, 6, 1, 4, 1, 9, 2, 3, 4]),
            usize::MAX
        );
    }
}
