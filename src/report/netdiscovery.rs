//! NETDISCOVERY messages: the DEVICE element of a discovered host, the START / NBIP / END
//! control messages (protocol.md §2.8, §3.2), and the same devices as JSON lines or a table.

use std::fmt::Write as _;

use super::xml::Element;
use crate::model::Host;

/// Version of the NetDiscovery task announced as MODULEVERSION (the FusionInventory 2.6 task's,
/// which the server plug-ins know).
pub const MODULE_VERSION: &str = "4.2";

/// What every message of one job carries.
#[derive(Clone, Debug)]
pub struct Envelope {
    /// DEVICEID.
    pub device_id: String,
    /// PROCESSNUMBER: the job's PID, echoed verbatim.
    pub process_number: String,
    /// QUERY (`NETDISCOVERY`).
    pub query: &'static str,
}

/// QUERY of discovery messages.
pub const QUERY_NETDISCOVERY: &str = "NETDISCOVERY";
/// QUERY of network inventory messages.
pub const QUERY_SNMPQUERY: &str = "SNMPQUERY";

impl Envelope {
    /// The envelope of one job: the agent's deviceid, the job's PID, and the QUERY
    /// ([`QUERY_NETDISCOVERY`] or [`QUERY_SNMPQUERY`]).
    #[must_use]
    pub fn new(
        device_id: impl Into<String>,
        process_number: impl Into<String>,
        query: &'static str,
    ) -> Self {
        Self {
            device_id: device_id.into(),
            process_number: process_number.into(),
            query,
        }
    }

    /// The envelope of the command-line tool: DEVICEID `foo`, PROCESSNUMBER 1, as the Perl tool.
    #[must_use]
    pub fn cli() -> Self {
        Self {
            device_id: "foo".to_owned(),
            process_number: "1".to_owned(),
            query: "NETDISCOVERY",
        }
    }

    /// The envelope of the command-line netinventory tool (QUERY `SNMPQUERY`).
    #[must_use]
    pub fn cli_netinventory() -> Self {
        Self {
            query: "SNMPQUERY",
            ..Self::cli()
        }
    }

    fn request(&self, content: Element) -> String {
        Element::new("REQUEST")
            .child(content)
            .child(Element::text("DEVICEID", &self.device_id))
            .child(Element::text("QUERY", self.query))
            .to_document()
    }

    /// START (once per range block).
    #[must_use]
    pub fn start(&self) -> String {
        self.request(
            Element::new("CONTENT")
                .child(
                    Element::new("AGENT")
                        .child(Element::text("AGENTVERSION", env!("CARGO_PKG_VERSION")))
                        .child(Element::text("START", "1")),
                )
                .child(Element::text("MODULEVERSION", MODULE_VERSION))
                .child(Element::text("PROCESSNUMBER", &self.process_number)),
        )
    }

    /// NBIP: number of addresses of the job (no MODULEVERSION, as captured).
    #[must_use]
    pub fn nbip(&self, count: u128) -> String {
        self.request(
            Element::new("CONTENT")
                .child(Element::new("AGENT").child(Element::text("NBIP", count.to_string())))
                .child(Element::text("PROCESSNUMBER", &self.process_number)),
        )
    }

    /// END, sent once (the Perl agent's duplicate END is a bug not reproduced).
    #[must_use]
    pub fn end(&self) -> String {
        self.request(
            Element::new("CONTENT")
                .child(Element::new("AGENT").child(Element::text("END", "1")))
                .child(Element::text("MODULEVERSION", MODULE_VERSION))
                .child(Element::text("PROCESSNUMBER", &self.process_number)),
        )
    }

    /// EXIT: the job was aborted (expiration or termination) before its END; glpi-agent's
    /// form, which the FusionInventory plug-in also accepts as "ended".
    #[must_use]
    pub fn exit(&self) -> String {
        self.request(
            Element::new("CONTENT")
                .child(Element::new("AGENT").child(Element::text("EXIT", "1")))
                .child(Element::text("MODULEVERSION", MODULE_VERSION))
                .child(Element::text("PROCESSNUMBER", &self.process_number)),
        )
    }

    /// One device message.
    #[must_use]
    pub fn device(&self, host: &Host) -> String {
        self.result(device_element(host))
    }

    /// A result message carrying one DEVICE element (of discovery or of network inventory).
    #[must_use]
    pub fn result(&self, device: Element) -> String {
        self.request(
            Element::new("CONTENT")
                .child(device)
                .child(Element::text("MODULEVERSION", MODULE_VERSION))
                .child(Element::text("PROCESSNUMBER", &self.process_number)),
        )
    }
}

/// The reported fields of a host, in element order, each with its value(s).
#[must_use]
pub fn fields(host: &Host) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = Vec::with_capacity(16);
    let mut put = |name: &'static str, value: Option<&str>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            f.push((name, v.to_owned()));
        }
    };
    let snmp = host.snmp.as_ref();
    put("AUTHSNMP", host.auth_id.as_deref());
    put("CONTACT", snmp.and_then(|s| s.contact.as_deref()));
    put("DESCRIPTION", snmp.and_then(|s| s.description.as_deref()));
    put("DNSHOSTNAME", host.dns_hostname().as_deref());
    put("ENTITY", host.entity.as_deref());
    put("FIRMWARE", snmp.and_then(|s| s.firmware.as_deref()));
    put("IP", Some(&host.ip.to_string()));
    put("LOCATION", snmp.and_then(|s| s.location.as_deref()));
    put("MAC", host.mac());
    put("MANUFACTURER", snmp.and_then(|s| s.manufacturer.as_deref()));
    // MEMORY is left out: the Perl agents send it only from a few vendor modules, and GLPI
    // takes the memory from the network inventory.
    put("MODEL", snmp.and_then(|s| s.model.as_deref()));
    let nb = host.netbios.as_ref();
    put("NETBIOSNAME", nb.and_then(|n| n.name.as_deref()));
    put("SERIAL", snmp.and_then(|s| s.serial.as_deref()));
    put("SNMPHOSTNAME", snmp.and_then(|s| s.name.as_deref()));
    put("TYPE", snmp.and_then(|s| s.device_type).map(|t| t.as_str()));
    put("UPTIME", snmp.and_then(|s| s.uptime.as_deref()));
    put("USERSESSION", nb.and_then(|n| n.user.as_deref()));
    put("WORKGROUP", nb.and_then(|n| n.workgroup.as_deref()));
    f
}

/// The DEVICE element.
#[must_use]
pub fn device_element(host: &Host) -> Element {
    let mut device = Element::new("DEVICE");
    for (name, value) in fields(host) {
        device.push(Element::text(name, value));
    }
    if let Some(s) = &host.snmp
        && !s.ips.is_empty()
    {
        let mut ips = Element::new("IPS");
        for ip in &s.ips {
            ips.push(Element::text("IP", ip));
        }
        device.push(ips);
    }
    device
}

/// One JSON object (one line) per device, with the XML field names and `IPS` as an array,
/// plus `OUTCOME`.
#[must_use]
pub fn json_line(host: &Host) -> String {
    let mut map = serde_json::Map::new();
    for (name, value) in fields(host) {
        map.insert(name.to_owned(), serde_json::Value::String(value));
    }
    if let Some(s) = &host.snmp
        && !s.ips.is_empty()
    {
        map.insert("IPS".to_owned(), s.ips.clone().into());
    }
    map.insert("OUTCOME".to_owned(), outcome_text(host).into());
    serde_json::Value::Object(map).to_string()
}

fn outcome_text(host: &Host) -> String {
    use crate::model::Outcome;
    match &host.outcome {
        Outcome::Snmp { .. } => "snmp".to_owned(),
        Outcome::Alive => "alive".to_owned(),
        Outcome::NoAnswer => "no answer".to_owned(),
        Outcome::AuthFailed(e) => format!("authentication failed: {e}"),
        Outcome::Error(e) => format!("error: {e}"),
    }
}

/// Column titles of the table format.
pub const TABLE_HEADER: &str = "IP               MAC                TYPE        MANUFACTURER  MODEL                 NAME                  DESCRIPTION";

/// One table row.
#[must_use]
pub fn table_row(host: &Host) -> String {
    let snmp = host.snmp.as_ref();
    let cut = |s: Option<&str>, n: usize| -> String {
        let s = s.unwrap_or("-").replace(['\r', '\n'], " ");
        if s.chars().count() > n {
            let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            s
        }
    };
    let name = snmp
        .and_then(|s| s.name.clone())
        .or_else(|| host.netbios.as_ref().and_then(|n| n.name.clone()))
        .or_else(|| host.dns_name.clone());
    let mut row = String::with_capacity(160);
    let _ = write!(
        row,
        "{:<16} {:<18} {:<11} {:<13} {:<21} {:<21} {}",
        host.ip,
        cut(host.mac(), 18),
        cut(snmp.and_then(|s| s.device_type).map(|t| t.as_str()), 11),
        cut(snmp.and_then(|s| s.manufacturer.as_deref()), 13),
        cut(snmp.and_then(|s| s.model.as_deref()), 21),
        cut(name.as_deref(), 21),
        cut(snmp.and_then(|s| s.description.as_deref()), 60),
    );
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeviceType, Outcome, SnmpInfo};

    #[test]
    fn ping_only_host_matches_the_captured_message() {
        let mut h = Host::new("127.0.0.1".parse().unwrap());
        h.ping = true;
        h.outcome = Outcome::Alive;
        let env = Envelope::cli();
        assert_eq!(
            env.device(&h),
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  <CONTENT>\n    <DEVICE>\n      \
             <DNSHOSTNAME>127.0.0.1</DNSHOSTNAME>\n      <IP>127.0.0.1</IP>\n    </DEVICE>\n    \
             <MODULEVERSION>4.2</MODULEVERSION>\n    <PROCESSNUMBER>1</PROCESSNUMBER>\n  </CONTENT>\n  \
             <DEVICEID>foo</DEVICEID>\n  <QUERY>NETDISCOVERY</QUERY>\n</REQUEST>\n"
        );
        assert!(h.is_reportable());
    }

    #[test]
    fn control_messages_match_the_captured_ones() {
        let env = Envelope::cli();
        assert!(env.nbip(2).contains("<AGENT>\n      <NBIP>2</NBIP>\n    </AGENT>\n    <PROCESSNUMBER>1</PROCESSNUMBER>\n  </CONTENT>"));
        assert!(!env.nbip(2).contains("MODULEVERSION"));
        assert!(env.end().contains(
            "<AGENT>\n      <END>1</END>\n    </AGENT>\n    <MODULEVERSION>4.2</MODULEVERSION>"
        ));
        assert!(env.start().contains("<START>1</START>"));
        assert!(env.exit().contains(
            "<AGENT>\n      <EXIT>1</EXIT>\n    </AGENT>\n    <MODULEVERSION>4.2</MODULEVERSION>"
        ));
    }

    /// The captured FusionInventory 2.6 sequences (`captured/fusioninventory-2.6/03…10`), byte
    /// for byte except AGENTVERSION (sonde's own version instead of 2.6-3).
    #[test]
    fn job_messages_equal_the_captured_ones() {
        let dir = "vm-2026-11-24-04-03-47";
        let ours = |text: &str| text.replace("2.6-3", env!("CARGO_PKG_VERSION"));
        let disco = Envelope::new(dir, "101", QUERY_NETDISCOVERY);
        macro_rules! r {
            ($name:literal) => {
                include_str!(concat!("../../tests/resources/protocol/", $name))
            };
        }
        assert_eq!(disco.start(), ours(r!("fi26-03-netdiscovery-start.xml")));
        assert_eq!(disco.nbip(2), r!("fi26-04-netdiscovery-nbip.xml"));
        let mut h = Host::new("127.0.0.1".parse().unwrap());
        h.ping = true;
        h.outcome = Outcome::Alive;
        h.entity = Some("0".into());
        assert_eq!(
            disco.device(&h),
            r!("fi26-05-netdiscovery-device-ping-only.xml")
        );
        assert_eq!(disco.end(), r!("fi26-06-netdiscovery-end.xml"));
        let query = Envelope::new(dir, "102", QUERY_SNMPQUERY);
        assert_eq!(query.start(), ours(r!("fi26-08-snmpquery-start.xml")));
        let error = crate::report::netinventory::error_element(
            "42",
            "SNMP communication error: no response from host 127.0.0.1",
            Some(DeviceType::Networking),
        );
        assert_eq!(
            query.result(error),
            r!("fi26-09-snmpquery-device-error.xml")
        );
        assert_eq!(query.end(), r!("fi26-10-snmpquery-end.xml"));
        // Without a TYPE from the server, ERROR has none.
        let error = crate::report::netinventory::error_element("42", "x", None);
        assert!(!query.result(error).contains("<TYPE>"));
    }

    #[test]
    fn snmp_device_fields_and_ips() {
        let mut h = Host::new("10.1.2.3".parse().unwrap());
        h.outcome = Outcome::Snmp {
            credential: 0,
            port: 161,
        };
        h.auth_id = Some("1".into());
        h.snmp = Some(SnmpInfo {
            name: Some("sw1".into()),
            device_type: Some(DeviceType::Networking),
            ips: vec!["10.1.2.3".into(), "192.168.0.1".into()],
            mac: Some("00:11:22:33:44:55".into()),
            ..SnmpInfo::default()
        });
        let x = device_element(&h);
        let names: Vec<&str> = x.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["AUTHSNMP", "IP", "MAC", "SNMPHOSTNAME", "TYPE", "IPS"]
        );
        let j: serde_json::Value = serde_json::from_str(&json_line(&h)).unwrap();
        assert_eq!(j["IPS"][1], "192.168.0.1");
        assert_eq!(j["TYPE"], "NETWORKING");
        assert_eq!(j["OUTCOME"], "snmp");
        assert!(table_row(&h).starts_with("10.1.2.3         00:11:22:33:44:55  NETWORKING"));
    }

    #[test]
    fn silent_hosts_are_not_reportable() {
        let h = Host::new("10.1.2.4".parse().unwrap());
        assert!(!h.is_reportable());
    }
}
