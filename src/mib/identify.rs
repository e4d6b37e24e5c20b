//! Device identification: the SNMP part of a discovery result, in the reference agents' order
//! (sysObjectID, sysDescr, vendor modules, type, model, manufacturer, base information,
//! host name, MAC, serial, firmware, addresses), asking the device as little as possible.
//!
//! Requests (batched, the default): one GET for the system group, the generic scalars and
//! fallbacks, the vendor probes and probes of the tables walked later; a walk of sysORID; one GET
//! for every object the applying vendor modules may need; then walks only for tables
//! (ipAdEntAddr; an ENTITY-MIB column whose first row is empty, its sibling columns then read by
//! GET at the same rows; interface addresses when the bridge address is missing and the queried
//! address does not tell) and GETs only for objects not asked yet. Typically 3–6 round trips with
//! SNMPv2c, where the reference agents need about 30. Unbatched (for SNMPv1, see
//! [`IdentifyOptions::batch`]) each object is asked when needed.

use std::net::Ipv4Addr;

use crate::model::{DeviceType, SnmpInfo};
use crate::snmp::{Oid, SnmpError, Source, Value};

use super::canon;
use super::db::MibDb;
use super::eval::{Ident, Outcome, prefetch_oids, vendor_oids, vendor_walks};
use super::mac::{self, IF_PHYS_ADDRESS, IP_AD_ENT_IF_INDEX};
use super::rules::{Fetch, Field, Generic, Recipe};

const SYS_DESCR: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 1, 0];
const SYS_OBJECT_ID: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 2, 0];
const SYS_UPTIME: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 3, 0];
const SYS_CONTACT: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 4, 0];
const SYS_NAME: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 5, 0];
const SYS_LOCATION: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 6, 0];
/// sysORID: the MIB modules the agent says it implements.
const SYS_OR_ID: [u32; 10] = [1, 3, 6, 1, 2, 1, 1, 9, 1, 2];
const IP_AD_ENT_ADDR: [u32; 10] = [1, 3, 6, 1, 2, 1, 4, 20, 1, 1];

/// How identification talks to the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdentifyOptions {
    /// The address the device was queried at: when several interfaces could give the device's
    /// MAC, the one carrying that address wins.
    pub peer: Option<Ipv4Addr>,
    /// Ask every object that may be needed in a few multi-object GETs (the default, right for
    /// SNMPv2c/v3). An SNMPv1 agent answers a GET naming a missing object with an error for the
    /// whole request, so there each missing object costs a round trip: with `false` only the
    /// objects actually needed are asked, one after the other, as the reference agents do.
    pub batch: bool,
}

impl Default for IdentifyOptions {
    fn default() -> Self {
        Self {
            peer: None,
            batch: true,
        }
    }
}

/// Identifies the device behind `source` (a live session or a walk file).
///
/// Only the first request's failure is an error (the device does not answer); later failures
/// leave the fields they concern empty.
pub async fn identify<S: Source + Sync>(source: &S, db: &MibDb) -> Result<SnmpInfo, SnmpError> {
    identify_with(source, db, IdentifyOptions::default()).await
}

/// [`identify`] with options: the queried address, and whether to batch GETs (see
/// [`IdentifyOptions`]).
pub async fn identify_with<S: Source + Sync>(
    source: &S,
    db: &MibDb,
    options: IdentifyOptions,
) -> Result<SnmpInfo, SnmpError> {
    let peer = options.peer;
    let mut id = Ident::new(source, db, peer);
    id.fetch.batch = options.batch;
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
    for vendor in &db.vendors {
        first.extend(vendor.privateoid.iter().cloned());
    }
    let essential = first.clone();
    if options.batch {
        first.extend(batched_first(generic, peer));
    }
    if let Err(e) = id.fetch.prefetch_strict(first).await {
        if !options.batch {
            return Err(e);
        }
        // Some agents refuse or drop big requests: go on one object at a time.
        tracing::debug!("batched identification GET failed ({e}); asking unbatched");
        id.fetch.batch = false;
        id.fetch.prefetch_strict(essential).await?;
    }

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

    // 4. Vendor modules, and everything they may GET in one request. The walks known to be
    // needed already (the modules the sysObjectID enables, the device's addresses, its
    // interfaces' addresses when the bridge address is no MAC and the queried address leads to
    // no interface) are read together with the sysORTable, which may enable more.
    let by_id: Vec<bool> = db
        .vendors
        .iter()
        .map(|vendor| {
            sysobjectid
                .as_ref()
                .is_some_and(|s| vendor.sysobjectid.iter().any(|p| s.starts_with(p)))
        })
        .collect();
    let want_sysorids = db.vendors.iter().any(|v| !v.sysorid.is_empty());
    let mut walks: Vec<Oid> = want_sysorids
        .then(|| Oid::from(SYS_OR_ID))
        .into_iter()
        .chain(
            db.vendors
                .iter()
                .zip(&by_id)
                .filter(|(_, on)| **on)
                .flat_map(|(v, _)| vendor_walks(v)),
        )
        .collect();
    // The address table is short, and costly to read past its end on some agents.
    let mut narrow = vec![Oid::from(IP_AD_ENT_ADDR)];
    if needs_interface_macs(&mut id, generic, peer).await {
        walks.push(Oid::from(IF_PHYS_ADDRESS));
        narrow.push(Oid::from(IP_AD_ENT_IF_INDEX));
    }
    id.fetch.prefetch_walks(walks, narrow).await;
    let sysorids: Vec<Oid> = if want_sysorids {
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
    for (vendor, &by_id) in db.vendors.iter().zip(&by_id) {
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
    // The walks of the modules enabled since (by the sysORTable or their probes).
    id.fetch
        .prefetch_walks(enabled.iter().flat_map(|v| vendor_walks(v)), [])
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
    // Columns read by `first` recipes: when one of a table is walked, the others are read
    // together at the same rows.
    let columns = [&generic.model, &generic.serial, &generic.firmware]
        .into_iter()
        .flat_map(|l| list(l).iter())
        .chain(id.enabled.iter().flat_map(|v| v.fields.recipes()));
    id.first_columns = columns
        .filter_map(|r| match &r.fetch {
            Fetch::First(column) => Some(column.clone()),
            _ => None,
        })
        .collect();

    // 5. TYPE from the modules, else PRINTER if the printer objects answer.
    if let Some(t) = id.vendor_field(Field::Type).await
        && let Some(t) = DeviceType::parse(&t)
    {
        id.set(Field::Type, Some(t.as_str().to_owned()));
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
    let mac = mac::mac_address(&mut id, list(&generic.mac)).await;
    id.set(Field::Mac, mac);
    let serial = match id.vendor_field(Field::Serial).await {
        Some(s) => Some(s),
        None => id.first_of(list(&generic.serial)).await.value(),
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

/// What the first GET also asks when batching: the generic scalars and fallbacks, probes of the
/// tables walked later (noSuchObject spares the walk), the interface of the queried address.
fn batched_first(generic: &Generic, peer: Option<Ipv4Addr>) -> Vec<Oid> {
    let mut first = Vec::new();
    for l in [
        &generic.name,
        &generic.printer_probe,
        &generic.model_printer,
        &generic.model_power,
        &generic.model,
        &generic.manufacturer,
        &generic.mac,
        &generic.memory_kb,
        &generic.serial,
        &generic.firmware,
    ] {
        first.extend(prefetch_oids(list(l)));
    }
    for table in [
        SYS_OR_ID,
        IF_PHYS_ADDRESS,
        IP_AD_ENT_IF_INDEX,
        IP_AD_ENT_ADDR,
    ] {
        first.push(Oid::from(table).child(&[1]));
    }
    if let Some(peer) = peer {
        first.push(Oid::from(IP_AD_ENT_IF_INDEX).child(&peer.octets().map(u32::from)));
    }
    first
}

/// Whether the MAC will likely come from the interface table: the generic MAC objects (the
/// bridge address) hold no MAC and the queried address names no interface. Answered from what
/// the first GET brought.
async fn needs_interface_macs<S: Source + Sync>(
    id: &mut Ident<'_, S>,
    generic: &Generic,
    peer: Option<Ipv4Addr>,
) -> bool {
    for oid in prefetch_oids(list(&generic.mac)) {
        if id
            .fetch
            .get(&oid)
            .await
            .as_ref()
            .and_then(canon::value_mac)
            .is_some_and(|m| canon::is_mac(&m))
        {
            return false;
        }
    }
    match peer {
        Some(peer) => {
            let at = Oid::from(IP_AD_ENT_IF_INDEX).child(&peer.octets().map(u32::from));
            id.fetch.get(&at).await.is_none()
        }
        None => true,
    }
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

impl Outcome {
    /// The value, if any.
    pub(crate) fn value(self) -> Option<String> {
        match self {
            Outcome::Value(v) => Some(v),
            Outcome::Empty | Outcome::Missing => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::{Mib, Varbind};

    fn o(text: &str) -> Oid {
        text.parse().unwrap()
    }

    fn s(text: &str) -> Value {
        Value::OctetString(text.as_bytes().to_vec())
    }

    fn mib(items: Vec<(&str, Value)>) -> Mib {
        Mib::new(
            items
                .into_iter()
                .map(|(k, v)| Varbind::new(o(k), v))
                .collect(),
        )
    }

    async fn run(items: Vec<(&str, Value)>) -> SnmpInfo {
        identify(&mib(items), MibDb::bundled().unwrap())
            .await
            .unwrap()
    }

    /// `walks/unit_vectors.json` getDeviceInfo (the one run without a database is left out:
    /// sonde always has its bundled data).
    #[tokio::test]
    async fn get_device_info_vectors() {
        let info = run(vec![("1.3.6.1.2.1.1.1.0", s("foo"))]).await;
        assert_eq!(info.description.as_deref(), Some("foo"));
        assert_eq!((info.device_type, info.manufacturer), (None, None));

        let info = run(vec![
            ("1.3.6.1.2.1.1.1.0", s("foo")),
            ("1.3.6.1.2.1.1.2.0", s(".1.3.6.1.4.1.45.1")),
        ])
        .await;
        assert_eq!(info.device_type, Some(DeviceType::Networking));
        assert_eq!(info.manufacturer.as_deref(), Some("Nortel"));
        assert_eq!(info.description.as_deref(), Some("foo"));

        let info = run(vec![(
            "1.3.6.1.2.1.1.2.0",
            Value::ObjectId(o(".1.3.6.1.4.1.1663.1.1.1.1.24")),
        )])
        .await;
        assert_eq!(info.device_type, Some(DeviceType::Networking));
        assert_eq!(info.manufacturer.as_deref(), Some("Qlogic"));
        assert_eq!(info.model.as_deref(), Some("SANbox 5602 FC Switch"));
        assert_eq!(info.extmod.as_deref(), Some("Qlogic"));
    }

    #[tokio::test]
    async fn system_group_and_first_word() {
        let info = run(vec![
            ("1.3.6.1.2.1.1.1.0", s("ProCurve J9021A Switch 2810-24G")),
            ("1.3.6.1.2.1.1.3.0", Value::TimeTicks(3_896_978_921)),
            ("1.3.6.1.2.1.1.4.0", s("  root@example.com\n ")),
            ("1.3.6.1.2.1.1.5.0", s("core  sw1")),
            ("1.3.6.1.2.1.1.6.0", s("edit /etc/snmp/snmpd.conf")),
        ])
        .await;
        assert_eq!(info.manufacturer.as_deref(), Some("Hewlett-Packard"));
        assert_eq!(info.device_type, Some(DeviceType::Networking));
        assert_eq!(info.uptime.as_deref(), Some("451 days, 0:56:29.21"));
        assert_eq!(info.contact.as_deref(), Some("root@example.com"));
        assert_eq!(info.name.as_deref(), Some("core sw1"));
        assert_eq!(info.location, None, "net-snmp placeholder dropped");
    }

    fn engine_id() -> Value {
        let mut id = vec![0x80, 0x00, 0x1f, 0x88, 0x80];
        id.extend([0x53, 0x77, 0xbb, 0x7e, 0x57, 0xad, 0xa1, 0x5c]);
        Value::OctetString(id)
    }

    #[tokio::test]
    async fn linux_appliances() {
        let linux = || {
            vec![
                (
                    "1.3.6.1.2.1.1.2.0",
                    Value::ObjectId(o("1.3.6.1.4.1.8072.3.2.10")),
                ),
                ("1.3.6.1.2.1.1.1.0", s("Linux host 5.10 #1 SMP x86_64")),
                ("1.3.6.1.6.3.10.2.1.1.0", engine_id()),
                ("1.3.6.1.2.1.25.4.2.1.2.1", s("init")),
            ]
        };
        let info = run(linux()).await;
        assert_eq!(info.device_type, Some(DeviceType::Computer));
        assert_eq!(info.manufacturer.as_deref(), Some("Net-SNMP"));
        assert_eq!(info.model.as_deref(), Some("Linux"));
        assert_eq!(info.serial.as_deref(), Some("5377bb7e57ada15c"));
        assert_eq!(info.mib_support, vec!["LinuxAppliance".to_owned()]);

        let mut sophos = linux();
        sophos.push(("1.3.6.1.2.1.25.4.2.1.2.9", s("mdw.plx")));
        let info = run(sophos).await;
        assert_eq!(info.device_type, Some(DeviceType::Networking));
        assert_eq!(info.manufacturer.as_deref(), Some("Sophos"));
        assert_eq!(info.model.as_deref(), Some("Sophos UTM"));

        let mut synology = linux();
        synology.push(("1.3.6.1.4.1.6574.1.5.1.0", s("DS918+")));
        synology.push(("1.3.6.1.4.1.6574.1.5.2.0", s("1930PDN000000")));
        let info = run(synology).await;
        assert_eq!(info.device_type, Some(DeviceType::Storage));
        assert_eq!(info.manufacturer.as_deref(), Some("Synology"));
        assert_eq!(info.model.as_deref(), Some("DS918+"));
        assert_eq!(info.serial.as_deref(), Some("1930PDN000000"));
    }

    #[test]
    fn identification_is_send() {
        fn send<T: Send>(_: &T) {}
        let walk = Mib::default();
        let db = MibDb::bundled().unwrap();
        send(&identify(&walk, db));
    }

    #[tokio::test]
    async fn odd_values_do_not_panic() {
        let info = run(vec![
            ("1.3.6.1.2.1.1.1.0", Value::OctetString(vec![0xff, 0, 0x80])),
            ("1.3.6.1.2.1.1.2.0", Value::Integer(5)),
            ("1.3.6.1.2.1.1.3.0", s("up a while")),
            ("1.3.6.1.2.1.1.5.0", Value::Null),
            ("1.3.6.1.2.1.17.1.1.0", Value::Integer(-1)),
            (
                "1.3.6.1.2.1.47.1.1.1.1.11.1",
                Value::Opaque(vec![0x9f, 0x78]),
            ),
            ("1.3.6.1.2.1.4.20.1.1.1", Value::Counter64(7)),
            ("1.3.6.1.6.3.10.2.1.1.0", s("zz")),
        ])
        .await;
        assert_eq!(info.description.as_deref(), Some("\u{ff}"));
        assert_eq!(info.uptime.as_deref(), Some("up a while"));
        assert_eq!(info.sysobjectid, None);
        assert_eq!(info.ips, vec!["7".to_owned()]);
        let empty = run(Vec::new()).await;
        assert_eq!(empty, SnmpInfo::default());
    }
}
