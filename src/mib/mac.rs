//! The device's MAC address when neither the bridge address nor a vendor module gives one:
//! chosen among the interfaces' addresses as the reference agents do.

use crate::snmp::{Oid, Source, Value};

use super::canon;
use super::eval::{Ident, Outcome};
use super::rules::{Field, Recipe};

const IF_SPEED: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 5];
/// IF-MIB ifPhysAddress.
pub(crate) const IF_PHYS_ADDRESS: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 6];
/// IP-MIB ipAdEntIfIndex.
pub(crate) const IP_AD_ENT_IF_INDEX: [u32; 10] = [1, 3, 6, 1, 2, 1, 4, 20, 1, 2];

/// MAC: the bridge address (or, without one, the vendor modules); if that is no MAC, the
/// interface addresses: the interface carrying the queried address, else the only address of the
/// interfaces with an IP address (or of all interfaces), else the first of two consecutive
/// addresses, else the first interface with a speed.
pub(crate) async fn mac_address<'a, S: Source + Sync>(
    id: &mut Ident<'a, S>,
    generic: &'a [Recipe],
) -> Option<String> {
    let candidate = match id.first_of(generic).await {
        Outcome::Value(v) => Some(v),
        Outcome::Empty => None,
        Outcome::Missing => id.vendor_field(Field::Mac).await,
    };
    if let Some(mac) = candidate.and_then(|m| canon::mac(m.as_bytes()))
        && canon::is_mac(&mac)
    {
        return Some(mac);
    }
    // The interface carrying the queried address: two GETs instead of two walks.
    if let Some(peer) = id.peer {
        let at = Oid::from(IP_AD_ENT_IF_INDEX).child(&peer.octets().map(u32::from));
        let index = id.fetch.get(&at).await.and_then(|v| v.as_i128());
        if let Some(index) = index.and_then(|i| u32::try_from(i).ok()).filter(|&i| i > 0) {
            let address = id
                .fetch
                .get(&Oid::from(IF_PHYS_ADDRESS).child(&[index]))
                .await;
            if let Some(mac) = address.as_ref().and_then(canon::value_mac)
                && canon::is_mac(&mac)
            {
                return Some(mac);
            }
        }
    }
    let addresses: Vec<(Vec<u32>, Value)> = {
        let root = Oid::from(IF_PHYS_ADDRESS);
        let rows = id.fetch.walk(&root).await;
        rows.iter()
            .filter_map(|vb| Some((vb.oid.suffix_after(&root)?.to_vec(), vb.value.clone())))
            .collect()
    };
    let by_ip: Vec<(Vec<u32>, Vec<u32>)> = {
        let root = Oid::from(IP_AD_ENT_IF_INDEX);
        let rows = id.fetch.walk(&root).await;
        rows.iter()
            .filter_map(|vb| {
                let index = u32::try_from(vb.value.as_i128()?).ok()?;
                Some((vb.oid.suffix_after(&root)?.to_vec(), vec![index]))
            })
            .collect()
    };
    let address_of = |index: &[u32]| {
        addresses
            .iter()
            .find(|(i, _)| i.as_slice() == index)
            .map(|(_, v)| v)
    };
    // Empty addresses do not count (walk files do not even record them).
    let given = |v: &&Value| v.as_bytes().is_none_or(|b| !b.is_empty());
    let mut pool: Vec<&Value> = by_ip
        .iter()
        .filter_map(|(_, i)| address_of(i))
        .filter(given)
        .collect();
    if pool.is_empty() {
        pool = addresses.iter().map(|(_, v)| v).filter(given).collect();
    }
    let mut valid: Vec<String> = Vec::new();
    for mac in pool.into_iter().filter_map(canon::value_mac) {
        if canon::is_mac(&mac) && !valid.contains(&mac) {
            valid.push(mac);
        }
    }
    match valid.len() {
        0 => return None,
        1 => return valid.pop(),
        _ => {}
    }
    let mut sorted = valid.clone();
    sorted.sort_by_key(|m| canon::mac_number(m));
    if let Some(pair) = sorted
        .windows(2)
        .find(|w| canon::mac_number(&w[0]) + 1 == canon::mac_number(&w[1]))
    {
        return Some(pair[0].clone());
    }
    // Printers with an idle Wi-Fi interface: the first interface that has a speed.
    let root = Oid::from(IF_SPEED);
    let speeds: Vec<Vec<u32>> = id
        .fetch
        .walk(&root)
        .await
        .iter()
        .filter(|vb| canon::raw(&vb.value).is_some_and(|t| canon::truthy(&t)))
        .filter_map(|vb| Some(vb.oid.suffix_after(&root)?.to_vec()))
        .collect();
    speeds
        .iter()
        .filter_map(|index| address_of(index).and_then(canon::value_mac))
        .find(|mac| valid.contains(mac))
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use crate::mib::{IdentifyOptions, MibDb, identify, identify_with};
    use crate::model::SnmpInfo;
    use crate::snmp::{Mib, Value, Varbind};

    fn s(text: &str) -> Value {
        Value::OctetString(text.as_bytes().to_vec())
    }

    fn mib(items: Vec<(&str, Value)>) -> Mib {
        Mib::new(
            items
                .into_iter()
                .map(|(k, v)| Varbind::new(k.parse().unwrap(), v))
                .collect(),
        )
    }

    async fn run(items: Vec<(&str, Value)>) -> SnmpInfo {
        identify(&mib(items), MibDb::bundled().unwrap())
            .await
            .unwrap()
    }

    fn mac(bytes: [u8; 6]) -> Value {
        Value::OctetString(bytes.to_vec())
    }

    #[tokio::test]
    async fn mac_from_the_interfaces() {
        let base = || {
            vec![
                (
                    "1.3.6.1.2.1.2.2.1.6.1",
                    mac([0, 0x11, 0x22, 0x33, 0x44, 0x56]),
                ),
                (
                    "1.3.6.1.2.1.2.2.1.6.2",
                    mac([0, 0x11, 0x22, 0x33, 0x44, 0x55]),
                ),
                ("1.3.6.1.2.1.2.2.1.6.3", mac([0xaa, 0, 0, 0, 0, 1])),
                ("1.3.6.1.2.1.2.2.1.6.4", s("")),
            ]
        };
        // No bridge address, no IP: the first of two consecutive addresses.
        let info = run(base()).await;
        assert_eq!(info.mac.as_deref(), Some("00:11:22:33:44:55"));
        // One interface with an IP address: its MAC.
        let mut items = base();
        items.push(("1.3.6.1.2.1.4.20.1.2.10.0.0.5", Value::Integer(3)));
        let info = run(items.clone()).await;
        assert_eq!(info.mac.as_deref(), Some("aa:00:00:00:00:01"));
        // The bridge address wins; the queried address beats the heuristics.
        let peer = identify_with(
            &mib(items.clone()),
            MibDb::bundled().unwrap(),
            IdentifyOptions {
                peer: Some(Ipv4Addr::new(10, 0, 0, 5)),
                batch: true,
            },
        )
        .await
        .unwrap();
        assert_eq!(peer.mac.as_deref(), Some("aa:00:00:00:00:01"));
        items.push(("1.3.6.1.2.1.17.1.1.0", mac([2, 0, 0, 0, 0, 9])));
        assert_eq!(run(items).await.mac.as_deref(), Some("02:00:00:00:00:09"));
        // Not consecutive: the first interface that has a speed.
        let info = run(vec![
            ("1.3.6.1.2.1.2.2.1.5.1", Value::Gauge32(0)),
            ("1.3.6.1.2.1.2.2.1.5.2", Value::Gauge32(100_000_000)),
            ("1.3.6.1.2.1.2.2.1.6.1", mac([0, 1, 2, 3, 4, 5])),
            ("1.3.6.1.2.1.2.2.1.6.2", mac([0, 1, 2, 3, 4, 9])),
        ])
        .await;
        assert_eq!(info.mac.as_deref(), Some("00:01:02:03:04:09"));
        // An all-zero bridge address falls back to the interfaces.
        let info = run(vec![
            ("1.3.6.1.2.1.17.1.1.0", mac([0; 6])),
            ("1.3.6.1.2.1.2.2.1.6.7", mac([0, 1, 2, 3, 4, 5])),
        ])
        .await;
        assert_eq!(info.mac.as_deref(), Some("00:01:02:03:04:05"));
    }
}
