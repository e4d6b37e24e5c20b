//! SNMPQUERY messages: the DEVICE element of a network inventory (INFO, PORTS, COMPONENTS,
//! FIRMWARES, MODEMS, SIMCARDS, CARTRIDGES, PAGECOUNTERS) and of a device that could not be queried
//! (`DEVICE/ERROR`), plus the same inventory as JSON and as a one-line table row.

use super::xml::Element;
use crate::model::{
    Component, Connections, DeviceType, Firmware, Modem, NetInventory, Port, Simcard,
};

/// The DEVICE element of an inventory (protocol.md §3.3). Empty sections are left out.
#[must_use]
pub fn device_element(inv: &NetInventory) -> Element {
    let mut device = Element::new("DEVICE").child(info_element(inv));
    if !inv.ports.is_empty() {
        let mut ports = Element::new("PORTS");
        for p in &inv.ports {
            ports.push(port_element(p));
        }
        device.push(ports);
    }
    if !inv.components.is_empty() {
        let mut components = Element::new("COMPONENTS");
        for c in &inv.components {
            components.push(component_element(c));
        }
        device.push(components);
    }
    for f in &inv.firmwares {
        device.push(firmware_element(f));
    }
    for m in &inv.modems {
        device.push(modem_element(m));
    }
    for s in &inv.simcards {
        device.push(simcard_element(s));
    }
    for (name, map) in [
        ("CARTRIDGES", &inv.cartridges),
        ("PAGECOUNTERS", &inv.page_counters),
    ] {
        if !map.is_empty() {
            let mut e = Element::new(name);
            for (k, v) in map {
                e.push(Element::text(k.as_str(), v.as_str()));
            }
            device.push(e);
        }
    }
    device
}

/// The DEVICE element of a device that could not be inventoried.
#[must_use]
pub fn error_element(id: &str, message: &str, device_type: Option<DeviceType>) -> Element {
    Element::new("DEVICE").child(
        Element::new("ERROR")
            .child(Element::text("ID", id))
            .child(Element::text("MESSAGE", message))
            .opt("TYPE", device_type.map(DeviceType::as_str)),
    )
}

fn info_element(inv: &NetInventory) -> Element {
    let info = &inv.info;
    let s = &info.snmp;
    let num = |v: Option<u64>| v.map(|n| n.to_string());
    let mut e = Element::new("INFO")
        .opt("COMMENTS", s.description.as_deref())
        .opt("CONTACT", s.contact.as_deref())
        .opt("CPU", num(info.cpu).as_deref())
        .opt("FIRMWARE", s.firmware.as_deref())
        .child(Element::text("ID", info.id.as_str()))
        .opt("LOCATION", s.location.as_deref())
        .opt("MAC", s.mac.as_deref())
        .opt("MANUFACTURER", s.manufacturer.as_deref())
        .opt("MEMORY", num(info.memory_mb).as_deref())
        .opt("MODEL", s.model.as_deref())
        .opt("NAME", s.name.as_deref())
        .opt("RAM", num(info.ram_mb).as_deref())
        .opt("SERIAL", s.serial.as_deref())
        .opt("TYPE", info.device_type.map(DeviceType::as_str))
        .opt("UPTIME", s.uptime.as_deref());
    if !s.ips.is_empty() {
        e.push(ips_element(&s.ips));
    }
    e
}

fn ips_element(ips: &[String]) -> Element {
    let mut e = Element::new("IPS");
    for ip in ips {
        e.push(Element::text("IP", ip.as_str()));
    }
    e
}

fn port_element(p: &Port) -> Element {
    let n = |v: Option<i64>| v.map(|x| x.to_string());
    let u = |v: Option<u64>| v.map(|x| x.to_string());
    let mut e = Element::new("PORT")
        .opt("IFALIAS", p.ifalias.as_deref())
        .opt("IFDESCR", p.ifdescr.as_deref())
        .opt("IFINERRORS", u(p.ifinerrors).as_deref())
        .opt("IFINOCTETS", u(p.ifinoctets).as_deref())
        .opt("IFINTERNALSTATUS", n(p.ifinternalstatus).as_deref())
        .opt("IFLASTCHANGE", p.iflastchange.as_deref())
        .opt("IFMTU", n(p.ifmtu).as_deref())
        .opt("IFNAME", p.ifname.as_deref())
        .opt("IFNUMBER", p.ifnumber.map(|x| x.to_string()).as_deref())
        .opt("IFOUTERRORS", u(p.ifouterrors).as_deref())
        .opt("IFOUTOCTETS", u(p.ifoutoctets).as_deref())
        .opt("IFPORTDUPLEX", n(p.ifportduplex).as_deref())
        .opt("IFSPEED", u(p.ifspeed).as_deref())
        .opt("IFSTATUS", n(p.ifstatus).as_deref())
        .opt("IFTYPE", n(p.iftype).as_deref())
        .opt("IP", p.ip.as_deref())
        .opt("MAC", p.mac.as_deref())
        .opt("TRUNK", p.trunk.map(|t| if t { "1" } else { "0" }));
    if !p.ips.is_empty() {
        e.push(ips_element(&p.ips));
    }
    if !p.vlans.is_empty() {
        let mut vlans = Element::new("VLANS");
        for v in &p.vlans {
            vlans.push(
                Element::new("VLAN")
                    .opt("NAME", v.name.as_deref())
                    .child(Element::text("NUMBER", v.number.to_string()))
                    .opt("TAGGED", v.tagged.map(|t| if t { "1" } else { "0" })),
            );
        }
        e.push(vlans);
    }
    match &p.connections {
        Some(Connections::Neighbours(list)) if !list.is_empty() => {
            let mut c = Element::new("CONNECTIONS").child(Element::text("CDP", "1"));
            for nb in list {
                c.push(
                    Element::new("CONNECTION")
                        .opt("IFDESCR", nb.ifdescr.as_deref())
                        .opt("IFNUMBER", nb.ifnumber.as_deref())
                        .opt("IP", nb.ip.as_deref())
                        .opt("MODEL", nb.model.as_deref())
                        .opt("SYSDESCR", nb.sysdescr.as_deref())
                        .opt("SYSMAC", nb.sysmac.as_deref())
                        .opt("SYSNAME", nb.sysname.as_deref()),
                );
            }
            e.push(c);
        }
        Some(Connections::Macs(macs)) if !macs.is_empty() => {
            let mut c = Element::new("CONNECTION");
            for m in macs {
                c.push(Element::text("MAC", m.as_str()));
            }
            e.push(Element::new("CONNECTIONS").child(c));
        }
        _ => {}
    }
    if !p.aggregate.is_empty() {
        let mut a = Element::new("AGGREGATE");
        for m in &p.aggregate {
            a.push(Element::text("PORT", m.to_string()));
        }
        e.push(a);
    }
    e
}

fn component_element(c: &Component) -> Element {
    let n = |v: Option<i64>| v.map(|x| x.to_string());
    Element::new("COMPONENT")
        .opt("CONTAINEDININDEX", n(c.contained_in).as_deref())
        .opt("DESCRIPTION", c.description.as_deref())
        .opt("FIRMWARE", c.firmware.as_deref())
        .opt("FRU", n(c.fru).as_deref())
        .opt("INDEX", n(c.index).as_deref())
        .opt("IP", c.ip.as_deref())
        .opt("MAC", c.mac.as_deref())
        .opt("MANUFACTURER", c.manufacturer.as_deref())
        .opt("MODEL", c.model.as_deref())
        .opt("NAME", c.name.as_deref())
        .opt("REVISION", c.revision.as_deref())
        .opt("SERIAL", c.serial.as_deref())
        .opt("TYPE", c.kind.as_deref())
        .opt("VERSION", c.version.as_deref())
}

fn firmware_element(f: &Firmware) -> Element {
    Element::new("FIRMWARES")
        .opt("DATE", f.date.as_deref())
        .opt("DESCRIPTION", f.description.as_deref())
        .opt("MANUFACTURER", f.manufacturer.as_deref())
        .child(Element::text("NAME", f.name.as_str()))
        .opt("TYPE", f.kind.as_deref())
        .opt("VERSION", f.version.as_deref())
}

fn modem_element(m: &Modem) -> Element {
    Element::new("MODEMS")
        .opt("DESCRIPTION", m.description.as_deref())
        .opt("MANUFACTURER", m.manufacturer.as_deref())
        .opt("MODEL", m.model.as_deref())
        .child(Element::text("NAME", m.name.as_str()))
        .opt("SERIAL", m.serial.as_deref())
        .opt("TYPE", m.kind.as_deref())
}

fn simcard_element(s: &Simcard) -> Element {
    Element::new("SIMCARDS")
        .opt("COUNTRY", s.country.as_deref())
        .opt("ICCID", s.iccid.as_deref())
        .opt("IMSI", s.imsi.as_deref())
        .opt("OPERATOR_CODE", s.operator_code.as_deref())
        .opt("OPERATOR_NAME", s.operator_name.as_deref())
        .opt("STATE", s.state.as_deref())
}

/// Elements that are lists in the JSON form even when they occur once.
const LISTS: [&str; 9] = [
    "IP",
    "PORT",
    "VLAN",
    "CONNECTION",
    "MAC",
    "COMPONENT",
    "FIRMWARES",
    "MODEMS",
    "SIMCARDS",
];

/// An element tree as JSON: text elements are strings, the others objects; repeated names and
/// the list elements (IP, PORT, VLAN, CONNECTION, MAC, COMPONENT, FIRMWARES, MODEMS, SIMCARDS)
/// are arrays.
#[must_use]
pub fn to_json(e: &Element) -> serde_json::Value {
    if e.children.is_empty() {
        return serde_json::Value::String(e.text.clone().unwrap_or_default());
    }
    let mut map = serde_json::Map::new();
    for c in &e.children {
        let value = to_json(c);
        let list = LISTS.contains(&c.name.as_str())
            || (c.name == "PORT" && e.name == "AGGREGATE")
            || e.children.iter().filter(|o| o.name == c.name).count() > 1;
        if list {
            match map
                .entry(c.name.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
            {
                serde_json::Value::Array(items) => items.push(value),
                other => *other = serde_json::Value::Array(vec![other.take(), value]),
            }
        } else {
            map.insert(c.name.clone(), value);
        }
    }
    serde_json::Value::Object(map)
}

/// One JSON line per device: `{"DEVICE": {…}}` (or the error device).
#[must_use]
pub fn json_line(device: &Element) -> String {
    let mut map = serde_json::Map::new();
    map.insert(device.name.clone(), to_json(device));
    serde_json::Value::Object(map).to_string()
}

/// Column titles of the table format.
pub const TABLE_HEADER: &str = "TARGET           TYPE        MANUFACTURER    MODEL                 NAME                  PORTS  UP  NEIGHB  MACS  VLANS  COMP";

/// One table row: what was found, in numbers.
#[must_use]
pub fn table_row(target: &str, inv: &NetInventory) -> String {
    let s = &inv.info.snmp;
    let cut = |v: Option<&str>, n: usize| -> String {
        let v = v.unwrap_or("-").replace(['\r', '\n'], " ");
        if v.chars().count() > n {
            let mut t: String = v.chars().take(n.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            v
        }
    };
    let up = inv.ports.iter().filter(|p| p.ifstatus == Some(1)).count();
    let neighbours = inv
        .ports
        .iter()
        .filter(|p| matches!(p.connections, Some(Connections::Neighbours(_))))
        .count();
    let macs: usize = inv
        .ports
        .iter()
        .map(|p| match &p.connections {
            Some(Connections::Macs(m)) => m.len(),
            _ => 0,
        })
        .sum();
    let mut vlans: Vec<u32> = inv
        .ports
        .iter()
        .flat_map(|p| p.vlans.iter().map(|v| v.number))
        .collect();
    vlans.sort_unstable();
    vlans.dedup();
    format!(
        "{:<16} {:<11} {:<15} {:<21} {:<21} {:>5} {:>3} {:>7} {:>5} {:>6} {:>5}",
        cut(Some(target), 16),
        inv.info.device_type.map_or("-", DeviceType::as_str),
        cut(s.manufacturer.as_deref(), 15),
        cut(s.model.as_deref(), 21),
        cut(s.name.as_deref(), 21),
        inv.ports.len(),
        up,
        neighbours,
        macs,
        vlans.len(),
        inv.components.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{InventoryInfo, Neighbour, SnmpInfo, Vlan};

    fn sample() -> NetInventory {
        let mut p1 = Port::new(1);
        p1.ifnumber = Some(1);
        p1.ifdescr = Some("A1".into());
        p1.trunk = Some(false);
        p1.vlans = vec![Vlan {
            number: 1,
            name: Some("DEFAULT_VLAN".into()),
            tagged: Some(false),
        }];
        p1.connections = Some(Connections::Macs(vec![
            "00:00:00:00:00:02".into(),
            "00:00:00:00:00:01".into(),
        ]));
        let mut p2 = Port::new(2);
        p2.ifnumber = Some(2);
        p2.connections = Some(Connections::Neighbours(vec![Neighbour {
            sysname: Some("sw".into()),
            ifnumber: Some("3".into()),
            ..Neighbour::default()
        }]));
        p2.aggregate = vec![3, 39, 4];
        NetInventory {
            info: InventoryInfo {
                id: "7".into(),
                device_type: Some(DeviceType::Networking),
                snmp: SnmpInfo {
                    name: Some("core".into()),
                    ips: vec!["10.0.0.1".into()],
                    ..SnmpInfo::default()
                },
                ram_mb: Some(128),
                ..InventoryInfo::default()
            },
            ports: vec![p1, p2],
            ..NetInventory::default()
        }
    }

    #[test]
    fn device_element_has_the_wire_shape() {
        let xml = device_element(&sample()).to_document();
        let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>
<DEVICE>
  <INFO>
    <ID>7</ID>
    <IPS>
      <IP>10.0.0.1</IP>
    </IPS>
    <NAME>core</NAME>
    <RAM>128</RAM>
    <TYPE>NETWORKING</TYPE>
  </INFO>
  <PORTS>
    <PORT>
      <CONNECTIONS>
        <CONNECTION>
          <MAC>00:00:00:00:00:02</MAC>
          <MAC>00:00:00:00:00:01</MAC>
        </CONNECTION>
      </CONNECTIONS>
      <IFDESCR>A1</IFDESCR>
      <IFNUMBER>1</IFNUMBER>
      <TRUNK>0</TRUNK>
      <VLANS>
        <VLAN>
          <NAME>DEFAULT_VLAN</NAME>
          <NUMBER>1</NUMBER>
          <TAGGED>0</TAGGED>
        </VLAN>
      </VLANS>
    </PORT>
    <PORT>
      <AGGREGATE>
        <PORT>3</PORT>
        <PORT>39</PORT>
        <PORT>4</PORT>
      </AGGREGATE>
      <CONNECTIONS>
        <CDP>1</CDP>
        <CONNECTION>
          <IFNUMBER>3</IFNUMBER>
          <SYSNAME>sw</SYSNAME>
        </CONNECTION>
      </CONNECTIONS>
      <IFNUMBER>2</IFNUMBER>
    </PORT>
  </PORTS>
</DEVICE>
";
        assert_eq!(xml, expected);
    }

    #[test]
    fn modems_and_simcards() {
        let inv = NetInventory {
            modems: vec![Modem {
                name: "Digi modem".into(),
                description: Some("Sierra Wireless".into()),
                model: Some("MC7304".into()),
                manufacturer: Some("Digi".into()),
                serial: Some("359225050000000".into()),
                kind: Some("lte".into()),
            }],
            simcards: vec![Simcard {
                imsi: Some("208150000000000".into()),
                iccid: Some("8933150000000000000".into()),
                operator_name: Some("F SFR".into()),
                operator_code: Some("208.10".into()),
                country: Some("France".into()),
                state: Some("SIM1 - OK".into()),
            }],
            ..NetInventory::default()
        };
        let xml = device_element(&inv).to_document();
        assert!(
            xml.contains(
                "  <MODEMS>
    <DESCRIPTION>Sierra Wireless</DESCRIPTION>
    <MANUFACTURER>Digi</MANUFACTURER>
    <MODEL>MC7304</MODEL>
    <NAME>Digi modem</NAME>
    <SERIAL>359225050000000</SERIAL>
    <TYPE>lte</TYPE>
  </MODEMS>
  <SIMCARDS>
    <COUNTRY>France</COUNTRY>
    <ICCID>8933150000000000000</ICCID>
    <IMSI>208150000000000</IMSI>
    <OPERATOR_CODE>208.10</OPERATOR_CODE>
    <OPERATOR_NAME>F SFR</OPERATOR_NAME>
    <STATE>SIM1 - OK</STATE>
  </SIMCARDS>
"
            ),
            "{xml}"
        );
        let j = to_json(&device_element(&inv));
        assert_eq!(j["MODEMS"][0]["TYPE"], "lte");
        assert_eq!(j["SIMCARDS"][0]["OPERATOR_CODE"], "208.10");
        // None of them: no element.
        let xml = device_element(&NetInventory::default()).to_document();
        assert!(!xml.contains("MODEMS") && !xml.contains("SIMCARDS"));
    }

    #[test]
    fn error_device_and_json() {
        let e = error_element("42", "no response", Some(DeviceType::Networking)).to_document();
        assert!(e.contains("<ERROR>\n    <ID>42</ID>\n    <MESSAGE>no response</MESSAGE>\n    <TYPE>NETWORKING</TYPE>\n  </ERROR>"));
        let j: serde_json::Value =
            serde_json::from_str(&json_line(&device_element(&sample()))).expect("json");
        assert_eq!(j["DEVICE"]["INFO"]["IPS"]["IP"][0], "10.0.0.1");
        assert_eq!(j["DEVICE"]["PORTS"]["PORT"][1]["AGGREGATE"]["PORT"][2], "4");
        assert_eq!(
            j["DEVICE"]["PORTS"]["PORT"][0]["CONNECTIONS"]["CONNECTION"][0]["MAC"][1],
            "00:00:00:00:00:01"
        );
        let row = table_row("10.0.0.1", &sample());
        assert!(row.starts_with("10.0.0.1         NETWORKING"), "{row}");
    }
}
