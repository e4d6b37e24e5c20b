//! PROLOG tests against captured and upstream traffic (`tests/resources/protocol/`, compiled
//! in) and against malformed replies.

use std::net::IpAddr;
use std::time::Duration;

use super::*;
use crate::model::DeviceType;
use crate::snmp::{AuthProtocol, Credential, PrivProtocol, UsmUser};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/resources/protocol/", $name))
    };
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn reply(text: &str) -> Reply {
    parse_reply(text.as_bytes()).unwrap()
}

fn ids(job_credentials: &[JobCredential]) -> Vec<&str> {
    job_credentials
        .iter()
        .map(|c| c.id.as_deref().unwrap())
        .collect()
}

#[test]
fn prolog_request_equals_the_captured_ones() {
    assert_eq!(
        prolog_request("vm-2026-11-24-04-03-47", None),
        fixture!("fi26-01-prolog-request.xml")
    );
    // glpi-agent writes its declaration without the space before `?>`; the rest is identical.
    assert_eq!(
        prolog_request("vm-2026-11-24-04-06-24", Some("12345678")).replacen(" ?>", "?>", 1),
        fixture!("ga112-prolog-request.xml")
    );
    assert!(prolog_request("a&b", Some("t")).contains("<DEVICEID>a&amp;b</DEVICEID>"));
}

#[test]
fn captured_fi26_reply() {
    let r = reply(fixture!("fi26-prolog-reply.xml"));
    assert_eq!(r.prolog_freq, Some(24));
    assert_eq!(r.max_delay(), Some(Duration::from_secs(24 * 3600)));
    assert!(r.inventory_requested());
    assert!(r.errors.is_empty() && r.dropped.is_empty());
    assert_eq!(r.options.len(), 2);

    let disco = r.netdiscovery_jobs();
    let [d] = disco.as_slice() else {
        panic!("{disco:?}")
    };
    assert_eq!(d.pid.as_deref(), Some("101"));
    assert_eq!(d.threads_raw.as_deref(), Some("2"));
    assert_eq!(d.threads(), 2);
    assert_eq!(d.timeout_raw.as_deref(), Some("1"));
    assert_eq!(d.timeout(), Duration::from_secs(1));
    assert_eq!(d.check(), Ok(()));
    let [range] = d.ranges.as_slice() else {
        panic!()
    };
    assert_eq!(range.id.as_deref(), Some("1"));
    assert_eq!((range.start, range.end), (ip("127.0.0.1"), ip("127.0.0.2")));
    assert_eq!(range.entity.as_deref(), Some("0"));
    assert!(range.ports.is_empty() && range.protocols.is_empty());
    assert_eq!(range.ports_or_default(), [161]);
    assert_eq!(range.protocols_or_default(), [SnmpDomain::UdpIpv4]);
    assert_eq!(d.address_count(), 2);
    assert_eq!(d.authentications.len(), 2);
    assert_eq!(d.authentications[0].version.as_deref(), Some("2c"));
    assert_eq!(d.authentications[0].community.as_deref(), Some("public"));
    assert_eq!(ids(&d.credentials), ["1", "2"]);
    assert_eq!(
        d.snmp_credentials(),
        [&Credential::v2c("public"), &Credential::v1("public")]
    );

    let query = r.netinventory_jobs();
    let [q] = query.as_slice() else {
        panic!("{query:?}")
    };
    assert_eq!(q.pid.as_deref(), Some("102"));
    assert_eq!((q.threads(), q.timeout()), (1, Duration::from_secs(1)));
    let [dev] = q.devices.as_slice() else {
        panic!()
    };
    assert_eq!(dev.id.as_deref(), Some("42"));
    assert_eq!(dev.ip, "127.0.0.1");
    assert_eq!(dev.type_raw.as_deref(), Some("NETWORKING"));
    assert_eq!(dev.device_type(), Some(DeviceType::Networking));
    assert_eq!(dev.auth_id.as_deref(), Some("1"));
    assert_eq!(
        (dev.pid.as_ref(), dev.port, dev.protocol),
        (None, None, None)
    );
    assert_eq!(q.device_credential(dev), Some(&Credential::v2c("public")));
    assert!(sends_start_end(&query));
    assert_eq!(process_numbers(&query), ["102"]);
}

#[test]
fn captured_reply_without_options() {
    let r = reply(fixture!("fi26-prolog-reply-freq-only.xml"));
    assert_eq!(r.prolog_freq, Some(24));
    assert_eq!(r.response, None);
    assert!(!r.inventory_requested());
    assert!(r.options.is_empty());
}

#[test]
fn upstream_ocs_options_are_kept_by_name() {
    let r = reply(fixture!("fi-upstream-message1.xml"));
    assert_eq!(r.prolog_freq, Some(1));
    assert!(r.inventory_requested());
    assert_eq!(r.unsupported_options(), ["REGISTRY", "DOWNLOAD"]);
    let TaskOption::Other(registry) = &r.options[0] else {
        panic!()
    };
    assert_eq!(registry.params.len(), 1);
    assert_eq!(registry.params[0].text, "*");
    assert_eq!(
        registry.params[0].attributes,
        [
            ("NAME".to_owned(), "blablabla".to_owned()),
            ("REGKEY".to_owned(), "SOFTWARE/Mozilla".to_owned()),
            ("REGTREE".to_owned(), "0".to_owned())
        ]
    );
    let TaskOption::Other(download) = &r.options[1] else {
        panic!()
    };
    assert_eq!(download.params[0].attributes.len(), 7);
}

#[test]
fn upstream_legacy_snmpquery_with_model() {
    let r = reply(fixture!("fi-upstream-message2.xml"));
    assert_eq!(r.process_number.as_deref(), Some("1280265498/024"));
    assert_eq!(r.prolog_freq, None);
    let jobs = r.netinventory_jobs();
    let q = jobs[0];
    assert_eq!(q.pid.as_deref(), Some("1280265498/024"));
    assert_eq!(q.threads(), 4);
    assert_eq!(q.timeout_raw, None);
    assert_eq!(q.timeout(), DEFAULT_TIMEOUT);
    assert_eq!(q.devices[0].ip, "192.168.0.151");
    assert_eq!(q.devices[0].device_type(), Some(DeviceType::Printer));
    // Empty v3 fields do not matter for a v1 credential.
    assert_eq!(q.credential("1"), Some(&Credential::v1("public")));
    assert!(q.dropped.is_empty(), "{:?}", q.dropped);
}

#[test]
fn upstream_netdiscovery_with_legacy_pid() {
    let r = reply(fixture!("fi-upstream-message3.xml"));
    let d = r.netdiscovery_jobs()[0];
    assert_eq!(d.pid.as_deref(), Some("1280265592/024"));
    assert_eq!(d.threads(), 10);
    assert_eq!(d.ranges[0].entity.as_deref(), Some("15"));
    assert_eq!(d.address_count(), 254);
    assert_eq!(ids(&d.credentials), ["1", "2"]);
    assert_eq!(d.authentications[1].username, None);
}

#[test]
fn fi_netinventory_t_prologs() {
    let r = reply(fixture!("fi-t-netinventory-no-netinventory.xml"));
    assert_eq!(r.prolog_freq, Some(12));
    assert!(r.netinventory_jobs().is_empty());
    let d = r.netdiscovery_jobs()[0];
    assert_eq!((d.threads(), d.timeout()), (20, Duration::from_secs(60)));
    assert_eq!(d.address_count(), 100);

    let r = reply(fixture!("fi-t-netinventory-without-device.xml"));
    let q = r.netinventory_jobs()[0];
    assert_eq!(q.check(), Err(JobError::NoDevice));
    // THREADS_DISCOVERY in an SNMPQUERY is not THREADS_QUERY.
    assert_eq!(q.threads(), 1);
    assert_eq!(q.credentials.len(), 3);

    let r = reply(fixture!("fi-t-netinventory-no-ip-device.xml"));
    let q = r.netinventory_jobs()[0];
    assert_eq!(q.check(), Err(JobError::NoDevice));
    assert_eq!(
        q.dropped,
        [Dropped {
            element: "DEVICE",
            id: Some("86".into()),
            reason: DropReason::Missing("IP")
        }]
    );
    assert_eq!(q.dropped[0].to_string(), "DEVICE ID 86 ignored: no IP");

    let r = reply(fixture!("fi-t-netinventory-normal-v2.xml"));
    let jobs = r.netinventory_jobs();
    assert_eq!(process_numbers(&jobs), ["98030", "98031"]);
    assert!(sends_start_end(&jobs));
    assert_eq!(jobs[1].devices[0].id.as_deref(), Some("84"));
    assert_eq!(
        jobs[1].devices[0].file.as_deref(),
        Some("resources/walks/sample2.walk")
    );
    assert_eq!(
        jobs[0].device_credential(&jobs[0].devices[0]),
        Some(&Credential::v2c("toto"))
    );

    let r = reply(fixture!("fi-t-netinventory-normal-v3.xml"));
    let jobs = r.netinventory_jobs();
    assert!(!sends_start_end(&jobs));
    assert_eq!(process_numbers(&jobs), ["1", "2"]);
    let pids: Vec<_> = jobs
        .iter()
        .flat_map(|j| j.devices.iter().map(|d| d.pid.as_deref().unwrap()))
        .collect();
    assert_eq!(pids, ["98030", "98031", "98032"]);
}

#[test]
fn realistic_plugin_reply_from_the_spec() {
    let r = reply(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<REPLY>
  <OPTION>
    <NAME>NETDISCOVERY</NAME>
    <PARAM THREADS_DISCOVERY="20" TIMEOUT="1" PID="1742"/>
    <RANGEIP ID="3" IPSTART="192.168.0.1" IPEND="192.168.0.254" ENTITY="0" PORT="1161,161,abc,161,70000" PROTOCOL="tcp/ipv4,udp/ipv6,udp/ipv4,sctp"/>
    <AUTHENTICATION ID="1" VERSION="1" COMMUNITY="public"/>
    <AUTHENTICATION ID="2" VERSION="2c" COMMUNITY="public"/>
    <AUTHENTICATION ID="4" VERSION="3" USERNAME="glpi" AUTHPROTOCOL="SHA" AUTHPASSPHRASE="s3cret-auth" PRIVPROTOCOL="AES" PRIVPASSPHRASE="s3cret-priv"/>
  </OPTION>
  <OPTION>
    <NAME>WAKEONLAN</NAME>
    <PARAM MAC="00:1a:2b:3c:4d:5e"/>
    <PARAM MAC="00:1a:2b:3c:4d:5f" IP="192.0.2.9"/>
    <PARAM MAC="nonsense"/>
  </OPTION>
  <OPTION><NAME>INVENTORY</NAME><PARAM FULL="1"/></OPTION>
  <OPTION><NAME>ESX</NAME></OPTION>
  <RESPONSE>SEND</RESPONSE>
  <PROLOG_FREQ>24</PROLOG_FREQ>
</REPLY>"#,
    );
    let d = r.netdiscovery_jobs()[0];
    let range = &d.ranges[0];
    // Sorted as strings, as FusionInventory does.
    assert_eq!(range.ports, [1161, 161]);
    assert_eq!(
        range.protocols,
        [
            SnmpDomain::UdpIpv4,
            SnmpDomain::UdpIpv6,
            SnmpDomain::TcpIpv4
        ]
    );
    let notes: Vec<String> = d.dropped.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "RANGEIP ID 3: PORT \"abc\" is not valid (default used)",
            "RANGEIP ID 3: PORT \"70000\" is not valid (default used)",
            "RANGEIP ID 3: PROTOCOL \"sctp\" is not valid (default used)",
        ]
    );
    let v3 = UsmUser::new("glpi")
        .with_auth(AuthProtocol::Sha1, "s3cret-auth")
        .with_privacy(PrivProtocol::Aes128, "s3cret-priv");
    assert_eq!(d.credential("4"), Some(&Credential::V3(v3)));
    assert_eq!(ids(&d.credentials), ["1", "2", "4"]);

    let w = r.wakeonlan_jobs()[0];
    assert_eq!(w.targets.len(), 2);
    assert_eq!(w.targets[1].mac, [0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5f]);
    assert_eq!(w.targets[1].ip.as_deref(), Some("192.0.2.9"));
    assert_eq!(w.dropped.len(), 1);

    let TaskOption::Inventory(inv) = &r.options[2] else {
        panic!()
    };
    assert_eq!(
        inv.params[0].attributes,
        [("FULL".to_owned(), "1".to_owned())]
    );
    assert_eq!(r.unsupported_options(), ["ESX"]);
}

#[test]
fn tolerated_variations() {
    // Junk before the XML, entities, repeated elements, child elements instead of attributes,
    // missing optional attributes, lower-case option name.
    let r = reply(
        "<html></html>PHP Notice: foo\n<REPLY><ERROR>SSL REQUIRED BY SERVER</ERROR>\
         <ERROR>second</ERROR><PROLOG_FREQ> 6 </PROLOG_FREQ><PROLOG_FREQ>7</PROLOG_FREQ>\
         <OPTION><NAME>netdiscovery</NAME><PARAM PID=\"a&amp;b\"/><PARAM PID=\"ignored\"/>\
         <RANGEIP IPSTART=\"10.0.0.1\" IPEND=\"10.0.0.1\"><PORT>162</PORT><PORT>161</PORT></RANGEIP>\
         <AUTHENTICATION ID=\"9\" COMMUNITY=\"p&lt;q\"/></OPTION></REPLY>",
    );
    assert_eq!(r.errors, ["SSL REQUIRED BY SERVER", "second"]);
    assert_eq!(r.prolog_freq, Some(6));
    let d = r.netdiscovery_jobs()[0];
    assert_eq!(d.pid.as_deref(), Some("a&b"));
    assert_eq!(d.ranges[0].ports, [161, 162]);
    assert_eq!(d.ranges[0].entity, None);
    assert_eq!(d.ranges[0].len(), 1);
    assert_eq!(d.credential("9"), Some(&Credential::v1("p<q")));
}

#[test]
fn malformed_documents_are_clear_errors() {
    let err = |text: &str| parse_reply(text.as_bytes()).unwrap_err().to_string();
    assert_eq!(err(""), "empty reply");
    assert!(err("Internal Server Error").starts_with("not XML"));
    assert_eq!(
        err("<?xml version=\"1.0\"?><REQUEST><QUERY>PROLOG</QUERY></REQUEST>"),
        "unexpected content: root element is <REQUEST>, not <REPLY>"
    );
    assert_eq!(
        err("<REPLY><OPTION><NAME>NETDISCOVERY</NAME>"),
        "truncated XML: <REPLY> is not closed"
    );
    assert!(err("<REPLY><A></B></REPLY>").starts_with("malformed XML"));
    assert!(err("<REPLY attr=></REPLY>").starts_with("malformed XML"));
    assert_eq!(
        parse_reply(&[0xff, 0xfe, b'<', b'R', b'/', b'>']),
        Err(ReplyError::WrongRoot("R".into()))
    );
    // Every prefix of a real reply is an error or a reply, never a panic.
    let text = fixture!("fi26-prolog-reply.xml");
    for end in 0..text.len() {
        let _ = parse_reply(&text.as_bytes()[..end]);
    }
}

#[test]
fn bad_values_fall_back_to_defaults_with_a_reason() {
    let r = reply(
        "<REPLY><PROLOG_FREQ>99999999999999999999</PROLOG_FREQ>\
         <OPTION><NAME>SNMPQUERY</NAME>\
         <PARAM PID=\"7\" THREADS_QUERY=\"99999999999999999999\" TIMEOUT=\"-5\"/>\
         <DEVICE ID=\"1\" IP=\"10.0.0.1\" PORT=\"0\" PROTOCOL=\"ipx\"/></OPTION>\
         <OPTION><NAME>NETDISCOVERY</NAME><PARAM THREADS_DISCOVERY=\"0\" TIMEOUT=\"0\"/>\
         <RANGEIP ID=\"1\" IPEND=\"10.0.0.9\"/>\
         <RANGEIP ID=\"2\" IPSTART=\"10.0.0.9\" IPEND=\"10.0.0.1\"/>\
         <RANGEIP ID=\"3\" IPSTART=\"10.0.0.1\" IPEND=\"fd00::1\"/>\
         <RANGEIP ID=\"4\" IPSTART=\"10.0.0.300\" IPEND=\"10.0.0.1\"/>\
         <AUTHENTICATION ID=\"1\" VERSION=\"5\" COMMUNITY=\"x\"/>\
         <AUTHENTICATION ID=\"2\" VERSION=\"3\"/>\
         <AUTHENTICATION ID=\"3\" VERSION=\"2c\"/></OPTION>\
         <OPTION><NAME>SNMPQUERY</NAME><PARAM TIMEOUT=\"600\"/><DEVICE IP=\"h\"/></OPTION></REPLY>",
    );
    assert_eq!(r.prolog_freq, None);
    assert_eq!(r.max_delay(), None);
    assert_eq!(r.dropped.len(), 1);

    let q = r.netinventory_jobs()[0];
    assert_eq!((q.threads(), q.timeout()), (1, DEFAULT_TIMEOUT));
    assert_eq!(q.timeout_raw.as_deref(), Some("-5"));
    let (device, notes) = (&q.devices[0], &q.dropped);
    assert_eq!((device.port, device.protocol), (None, None));
    let notes: Vec<String> = notes.iter().map(ToString::to_string).collect();
    assert_eq!(
        notes,
        [
            "PARAM: THREADS_QUERY \"99999999999999999999\" is not valid (default used)",
            "PARAM: TIMEOUT \"-5\" is not valid (default used)",
            "DEVICE ID 1: PORT \"0\" is not valid (default used)",
            "DEVICE ID 1: PROTOCOL \"ipx\" is not valid (default used)",
        ]
    );
    // A timeout above Net::SNMP's range is capped.
    assert_eq!(r.netinventory_jobs()[1].timeout(), MAX_TIMEOUT);

    let d = r.netdiscovery_jobs()[0];
    assert_eq!((d.threads(), d.timeout()), (1, Duration::from_secs(60)));
    assert!(d.ranges.is_empty());
    assert_eq!(d.check(), Err(JobError::NoRange));
    assert!(d.credentials.is_empty());
    let reasons: Vec<String> = d.dropped.iter().map(|x| x.reason.to_string()).collect();
    assert_eq!(
        reasons,
        [
            "unknown SNMP version \"5\" (expected 1, 2c or 3)",
            "SNMP v3 without USERNAME",
            "SNMP v2c without COMMUNITY",
            "no IPSTART",
            "IPSTART 10.0.0.9 and IPEND 10.0.0.1 do not form a range",
            "IPSTART 10.0.0.1 and IPEND fd00::1 do not form a range",
            "IPSTART \"10.0.0.300\" is not an IP address",
        ]
    );
    assert_eq!(d.authentications.len(), 3);
}

#[test]
fn netdiscovery_without_pid_cannot_run() {
    let r = reply(
        "<REPLY><OPTION><NAME>NETDISCOVERY</NAME>\
         <RANGEIP IPSTART=\"10.0.0.1\" IPEND=\"10.0.0.2\"/></OPTION></REPLY>",
    );
    let d = r.netdiscovery_jobs()[0];
    assert_eq!(d.check(), Err(JobError::NoPid));
    assert_eq!(d.dropped[0].reason, DropReason::Missing("PARAM"));
}
