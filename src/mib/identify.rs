//! Device identification: the SNMP part of a discovery result, in the reference agents' order
//! (sysObjectID, sysDescr, vendor modules, type, model, manufacturer, base information,
//! host name, MAC, serial, firmware, addresses), asking the device as little as possible.
//!
//! Requests: one GET for the system group, the generic scalars and the vendor probes; a walk of
//! sysORID; one GET for every object the applying vendor modules may need; then walks only for
//! tables (ipAdEntAddr; ENTITY-MIB columns whose first row is empty; interface addresses when the
//! bridge address is missing) and GETs only for fallbacks not answered yet.

use std::net::Ipv4Addr;

use crate::model::{DeviceType, SnmpInfo};
use crate::snmp::{Oid, SnmpError, Source, Value};

use super::canon;
use super::db::MibDb;
use super::eval::{Ident, Outcome, prefetch_oids, vendor_oids};
use super::rules::{Fetch, Field, Recipe};

const SYS_DESCR: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 1, 0];
const SYS_OBJECT_ID: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 2, 0];
const SYS_UPTIME: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 3, 0];
const SYS_CONTACT: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 4, 0];
const SYS_NAME: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 5, 0];
const SYS_LOCATION: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 6, 0];
/// sysORID: the MIB modules the agent says it implements.
const SYS_OR_ID: [u32; 10] = [1, 3, 6, 1, 2, 1, 1, 9, 1, 2];
const IF_SPEED: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 5];
const IF_PHYS_ADDRESS: [u32; 10] = [1, 3, 6, 1, 2, 1, 2, 2, 1, 6];
const IP_AD_ENT_ADDR: [u32; 10] = [1, 3, 6, 1, 2, 1, 4, 20, 1, 1];
const IP_AD_ENT_IF_INDEX: [u32; 10] = [1, 3, 6, 1, 2, 1, 4, 20, 1, 2];

/// Identifies the device behind `source` (a live session or a walk file).
///
/// Only the first request's failure is an error (the device does not answer); later failures
/// leave the fields they concern empty.
pub async fn identify<S: Source + Sync>(source: &S, db: &MibDb) -> Result<SnmpInfo, SnmpError> {
    identify_from(source, db, None).await
}

/// [`identify`], knowing the address the device was queried at: when several interfaces could
/// give the device's MAC, the one carrying that address wins.
pub async fn identify_from<S: Source + Sync>(
    source: &S,
    db: &MibDb,
    peer: Option<Ipv4Addr>,
) -> Result<SnmpInfo, SnmpError> {
    let mut id = Ident::new(source, db, peer);
    let generic = &db.generic;

    // 1. The first GET.
    let mut first: Vec<Oid> = [
        SYS_DESCR,
        SYS_OBJECT_ID,
        SYS_UPTIME,
        SYS_CONTACT,
        SYS_NAME,
        SYS_LOCATION,
    ]
    .iter()
    .map(|a| Oid::from_slice(a))
    .collect();
    for l in [
        &generic.name,
        &generic.printer_probe,
        &generic.model_printer,
        &generic.model_power,
        &generic.model,
        &generic.manufacturer,
        &generic.mac,
        &generic.memory_kb,
    ] {
        first.extend(prefetch_oids(list(l)));
    }
    for l in [&generic.serial, &generic.firmware] {
        let columns = list(l)
            .iter()
            .filter(|r| matches!(r.fetch, Fetch::First(_)));
        first.extend(prefetch_oids(columns));
    }
    for vendor in &db.vendors {
        first.extend(vendor.privateoid.iter().cloned());
    }
    id.fetch.prefetch_strict(first).await?;

    // 2. sysObjectID in the database.
    let sysobjectid = match id.fetch.get(&Oid::from(SYS_OBJECT_ID)).await {
        Some(Value::ObjectId(oid)) => Some(oid),
        Some(Value::OctetString(text)) => canon::text(&text).trim().parse::<Oid>().ok(),
        _ => None,
    };
    let mut extmod = None;
    if let Some(entry) = sysobjectid.as_ref().and_then(|o| db.lookup_sysobjectid(o)) {
        fill(
            &mut id,
            Field::Type,
            entry.device_type.map(|t| t.as_str().to_owned()),
        );
        fill(&mut id, Field::Model, entry.model.clone());
        fill(&mut id, Field::Manufacturer, entry.manufacturer.clone());
        extmod.clone_from(&entry.module);
    }

    // 3. sysDescr: DESCRIPTION, and the manufacturer or type it implies.
    if let Some(descr) = id.fetch.get(&Oid::from(SYS_DESCR)).await {
        let raw = canon::raw(&descr).unwrap_or_default();
        if canon::truthy(&raw) {
            id.set(Field::Description, canon::value_string(&descr));
            if id.field(Field::Manufacturer).is_none() || id.field(Field::Type).is_none() {
                guess_from_description(&mut id, &raw);
            }
        }
    }

    // 4. Vendor modules, and everything they may GET in one request.
    let sysorids: Vec<Oid> = if db.vendors.iter().any(|v| !v.sysorid.is_empty()) {
        let rows = id.fetch.walk(&Oid::from(SYS_OR_ID)).await;
        rows.iter()
            .filter_map(|vb| match &vb.value {
                Value::ObjectId(o) => Some(o.clone()),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut enabled = Vec::new();
    for vendor in &db.vendors {
        let by_id = sysobjectid
            .as_ref()
            .is_some_and(|s| vendor.sysobjectid.iter().any(|p| s.starts_with(p)));
        let by_orid = vendor.sysorid.iter().any(|o| sysorids.contains(o));
        let mut by_probe = false;
        if !by_id && !by_orid {
            for probe in &vendor.privateoid {
                if id.fetch.get(probe).await.is_some() {
                    by_probe = true;
                    break;
                }
            }
        }
        if by_id || by_orid || by_probe {
            enabled.push(vendor);
        }
    }
    id.fetch
        .prefetch(enabled.iter().flat_map(|v| vendor_oids(v)))
        .await;
    let mut applying = Vec::with_capacity(enabled.len());
    for vendor in enabled {
        let ok = match &vendor.require {
            Some(oid) => id
                .fetch
                .get(oid)
                .await
                .and_then(|v| canon::raw(&v))
                .is_some_and(|t| canon::truthy(&t)),
            None => true,
        };
        if ok {
            applying.push(vendor);
        }
    }
    let mib_support = applying.iter().map(|v| v.name.clone()).collect();
    id.enable(applying);

    // 5. TYPE from the modules, else PRINTER if the printer objects answer.
    if let Some(t) = id.vendor_field(Field::Type).await {
        if let Some(t) = DeviceType::parse(&t) {
            id.set(Field::Type, Some(t.as_str().to_owned()));
        }
    }
    if id.field(Field::Type).is_none()
        && id
            .first_of(list(&generic.printer_probe))
            .await
            .value()
            .is_some()
    {
        id.set(Field::Type, Some(DeviceType::Printer.as_str().to_owned()));
    }

    // 6. MODEL and MANUFACTURER fallbacks, then the modules.
    if id.field(Field::Model).is_none() {
        let fallback = match id.field(Field::Type).and_then(DeviceType::parse) {
            Some(DeviceType::Printer) => list(&generic.model_printer),
            Some(DeviceType::Power) => list(&generic.model_power),
            _ => list(&generic.model),
        };
        let model = id.first_of(fallback).await.value();
        id.set(Field::Model, model.map(|m| canon::string(m.as_bytes())));
    }
    if id.field(Field::Manufacturer).is_none() {
        let m = id.first_of(list(&generic.manufacturer)).await.value();
        id.set(Field::Manufacturer, m);
    }
    let first_word = id
        .field(Field::Model)
        .and_then(|m| m.split_whitespace().next())
        .map(str::to_lowercase);
    if let Some(maker) =
        first_word.and_then(|w| generic.model_first_word.as_ref()?.get(&w).cloned())
    {
        id.set(Field::Manufacturer, Some(maker));
    }
    if let Some(model) = id.vendor_field(Field::Model).await {
        let model = canon::string(model.as_bytes());
        if !model.is_empty() {
            id.set(Field::Model, Some(model));
        }
    }
    if let Some(maker) = id.vendor_field(Field::Manufacturer).await {
        id.set(Field::Manufacturer, Some(maker));
    }

    // 7. Base information.
    let name = id.first_of(list(&generic.name)).await.value();
    id.set(Field::Name, name);
    let location = scalar_string(&mut id, SYS_LOCATION).await;
    id.set(
        Field::Location,
        location.filter(|l| !placeholder(l, "edit")),
    );
    let contact = scalar_string(&mut id, SYS_CONTACT).await;
    id.set(
        Field::Contact,
        contact.filter(|c| !placeholder(c, "configure")),
    );
    let uptime = match id.fetch.get(&Oid::from(SYS_UPTIME)).await {
        Some(Value::TimeTicks(t)) => Some(canon::timeticks(t)),
        Some(other) => canon::value_string(&other),
        None => None,
    };
    for field in [Field::Model, Field::Name, Field::Location, Field::Contact] {
        let trimmed = id.field(field).map(canon::collapse_whitespace);
        id.set(field, trimmed);
    }
    if let Some(name) = id.vendor_field(Field::Name).await {
        id.set(Field::Name, Some(name));
    }

    // 8. MAC, SERIAL, FIRMWARE, IPS.
    let mac = mac_address(&mut id, list(&generic.mac)).await;
    id.set(Field::Mac, mac);
    let serial = match id.vendor_field(Field::Serial).await {
        Some(s) => Some(s),
        None => {
            // The firmware fallbacks are likely needed too: one GET for both lists.
            let both = list(&generic.serial).iter().chain(list(&generic.firmware));
            id.fetch.prefetch(prefetch_oids(both)).await;
            id.first_of(list(&generic.serial)).await.value()
        }
    };
    let serial = serial
        .and_then(|s| canon::serial(&s))
        .filter(|s| !s.chars().all(|c| c == 'X'));
    id.set(Field::Serial, serial);
    let firmware = match id.vendor_field(Field::Firmware).await {
        Some(f) => Some(f),
        None => id.first_of(list(&generic.firmware)).await.value(),
    };
    id.set(
        Field::Firmware,
        firmware.map(|f| canon::string(f.as_bytes())),
    );
    let mut ips: Vec<String> = id
        .fetch
        .walk(&Oid::from(IP_AD_ENT_ADDR))
        .await
        .iter()
        .filter_map(|vb| canon::raw(&vb.value))
        .collect();
    ips.sort();
    if ips.is_empty() {
        ips.extend(id.vendor_field(Field::Ip).await);
    }
    let memory_mb = id
        .first_of(list(&generic.memory_kb))
        .await
        .value()
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb / 1024);

    let take = |f: Field| id.field(f).map(str::to_owned);
    Ok(SnmpInfo {
        sysobjectid,
        description: take(Field::Description),
        name: take(Field::Name),
        location: take(Field::Location),
        contact: take(Field::Contact),
        uptime: uptime.filter(|u| !u.is_empty()),
        device_type: id.field(Field::Type).and_then(DeviceType::parse),
        manufacturer: take(Field::Manufacturer),
        model: take(Field::Model),
        serial: take(Field::Serial),
        firmware: take(Field::Firmware),
        mac: take(Field::Mac),
        ips,
        memory_mb,
        extmod,
        mib_support,
    })
}

/// A generic list, empty when the data has none.
fn list(l: &Option<Vec<Recipe>>) -> &[Recipe] {
    l.as_deref().unwrap_or(&[])
}

/// Sets `field` when it has no value yet.
fn fill<S: Source>(id: &mut Ident<'_, S>, field: Field, value: Option<String>) {
    if id.field(field).is_none() {
        id.set(field, value);
    }
}

/// The first word of sysDescr, then the patterns on all of it, fill a missing MANUFACTURER or
/// TYPE.
fn guess_from_description<S: Source>(id: &mut Ident<'_, S>, raw: &str) {
    let db = id.db;
    let word = raw.split_whitespace().next().map(str::to_lowercase);
    let guesses = word.and_then(|w| db.first_word.get(&w)).into_iter().chain(
        db.sysdescr
            .iter()
            .find(|r| r.pattern.is_match(raw))
            .map(|r| &r.guess),
    );
    for guess in guesses {
        fill(id, Field::Manufacturer, guess.manufacturer.clone());
        fill(
            id,
            Field::Type,
            guess.device_type.map(|t| t.as_str().to_owned()),
        );
    }
}

async fn scalar_string<S: Source + Sync>(id: &mut Ident<'_, S>, arcs: [u32; 9]) -> Option<String> {
    id.fetch
        .get(&Oid::from(arcs))
        .await
        .and_then(|v| canon::value_string(&v))
}

/// net-snmp's unconfigured sysLocation/sysContact text (`edit /etc/snmp/snmpd.conf`…).
fn placeholder(text: &str, verb: &str) -> bool {
    let Some(at) = text.find(&format!("{verb} /etc")) else {
        return false;
    };
    let rest = &text[at..];
    rest.find("snmp")
        .is_some_and(|s| rest[s..].contains(".conf"))
}

/// MAC: the bridge address (or, without one, the vendor modules); if that is no MAC, the
/// interface addresses: the interface carrying the queried address, else the only candidate,
/// else the first of two consecutive addresses, else the first interface with a speed.
async fn mac_address<'a, S: Source + Sync>(
    id: &mut Ident<'a, S>,
    generic: &'a [Recipe],
) -> Option<String> {
    let candidate = match id.first_of(generic).await {
        Outcome::Value(v) => Some(v),
        Outcome::Empty => None,
        Outcome::Missing => id.vendor_field(Field::Mac).await,
    };
    if let Some(mac) = candidate.and_then(|m| canon::mac(m.as_bytes())) {
        if canon::is_mac(&mac) {
            return Some(mac);
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
    if let Some(peer) = id.peer {
        let key = peer.octets().map(u32::from);
        let mac = by_ip
            .iter()
            .find(|(ip, _)| ip.as_slice() == key)
            .and_then(|(_, index)| address_of(index))
            .and_then(canon::value_mac);
        if let Some(mac) = mac.filter(|m| canon::is_mac(m)) {
            return Some(mac);
        }
    }
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

impl Outcome {
    /// The value, if any.
    pub(crate) fn value(self) -> Option<String> {
        match self {
            Outcome::Value(v) => Some(v),
            Outcome::Empty | Outcome::Missing => None,
        }
    }
}
