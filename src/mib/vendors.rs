//! What the vendor rules need beyond data: table rows found by value (`row`), and the
//! snmpEngineID decoding of the `engine-id` builtin (RFC 3411 SnmpEngineID format).

use crate::model::DeviceType;
use crate::snmp::{Oid, Source, Value};

use super::canon;
use super::eval::Ident;
use super::rules::Row;

/// SNMP-FRAMEWORK-MIB snmpEngineID.0.
pub(crate) const ENGINE_ID: [u32; 11] = [1, 3, 6, 1, 6, 3, 10, 2, 1, 1, 0];

/// What an snmpEngineID tells about its device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EngineInfo {
    pub(crate) manufacturer: String,
    pub(crate) device_type: DeviceType,
    pub(crate) model: Option<String>,
    pub(crate) serial: Option<String>,
}

/// The index (after `skip` arcs) of the first row of `row.walk` whose value is the wanted one:
/// `row.equals`, else the queried address (`equals_peer`), else the value of `equals_get`.
pub(crate) async fn row_index<S: Source>(ident: &mut Ident<'_, S>, row: &Row) -> Option<Vec<u32>> {
    let target = match &row.equals {
        Some(text) => text.clone(),
        None => match ident.peer.filter(|_| row.equals_peer) {
            Some(peer) => peer.to_string(),
            None => {
                let oid = row.equals_get.as_ref()?;
                canon::raw(&ident.fetch.get(oid).await?)?
            }
        },
    };
    let rows = ident.fetch.walk(&row.walk).await;
    let found = rows
        .iter()
        .find(|vb| canon::raw(&vb.value).as_deref() == Some(target.as_str()))?;
    let suffix = found.oid.suffix_after(&row.walk)?;
    let index = suffix.get(row.skip..)?;
    (!index.is_empty()).then(|| index.to_vec())
}

/// Decodes snmpEngineID: the enterprise of its first four octets, looked up in the sysObjectID
/// database (it must give a manufacturer and a type), and with the RFC 3411 format octet a serial:
/// 3 a MAC, 4 text, 5 or ≥ 128 octets (as hex).
pub(crate) async fn engine_info<S: Source>(ident: &mut Ident<'_, S>) -> Option<EngineInfo> {
    let value = ident.fetch.get(&Oid::from(ENGINE_ID)).await?;
    let Value::OctetString(mut bytes) = value else {
        return None;
    };
    // Some agents (and walk tools) give the identifier as hex text.
    if !bytes.is_empty() && bytes.len() % 2 == 0 && bytes.iter().all(u8::is_ascii_hexdigit) {
        bytes = bytes
            .chunks(2)
            .filter_map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .and_then(|p| u8::from_str_radix(p, 16).ok())
            })
            .collect();
    }
    if bytes.is_empty() {
        return None;
    }
    let octet = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let enterprise = (u32::from(octet(0) & 0x7f) << 24)
        | (u32::from(octet(1)) << 16)
        | (u32::from(octet(2)) << 8)
        | u32::from(octet(3));
    let entry = ident.db.lookup_enterprise(enterprise)?;
    let manufacturer = entry.manufacturer.clone()?;
    let device_type = entry.device_type?;
    let serial = match (octet(0) & 0x80 != 0, bytes.get(5..)) {
        (true, Some(rest)) if !rest.is_empty() => match octet(4) {
            3 => canon::mac(rest),
            4 => Some(canon::string(rest)),
            5 | 128..=255 => Some(canon::hex(rest)),
            _ => None,
        },
        _ => None,
    };
    Some(EngineInfo {
        manufacturer,
        device_type,
        model: entry.model.clone(),
        serial: serial.filter(|s| !s.is_empty()),
    })
}
