//! CONTACT and protocol-choice tests against the captured glpi-agent traffic
//! (`tests/resources/protocol/ga112-*`, compiled in).

use std::time::Duration;

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../../tests/resources/protocol/", $name))
    };
}

#[test]
fn contact_request_equals_the_captured_one() {
    let request = ContactRequest {
        deviceid: "vm-2026-11-24-04-06-24".into(),
        name: "GLPI-Agent".into(),
        version: "1.12-dev".into(),
        installed_tasks: [
            "Inventory",
            "NetDiscovery",
            "NetInventory",
            "Collect",
            "Deploy",
            "ESX",
            "RemoteInventory",
            "WakeOnLan",
        ]
        .map(String::from)
        .to_vec(),
        enabled_tasks: vec!["Inventory".into()],
        httpd_port: Some(62398),
        httpd_plugins: Default::default(),
        tag: None,
    };
    assert_eq!(request.to_json(), fixture!("ga112-contact-request.json"));

    let tagged = ContactRequest {
        tag: Some("site-paris".into()),
        httpd_port: None,
        ..request
    };
    let json: serde_json::Value = serde_json::from_str(&tagged.to_json()).unwrap();
    assert_eq!(json["tag"], "site-paris");
    assert!(json.get("httpd-port").is_none() && json.get("httpd-plugins").is_none());
}

#[test]
fn contact_answers_from_the_capture() {
    let a =
        parse_contact_answer(fixture!("ga112-05-contact-reply-crafted.json").as_bytes()).unwrap();
    assert_eq!(a.status, ContactStatus::Ok);
    assert_eq!(a.expiration(), Some(Duration::from_secs(24 * 3600)));
    assert!(a.is_valid());
    assert_eq!(a.tasks["inventory"].server.as_deref(), Some("glpi"));
    assert_eq!(a.tasks["inventory"].version.as_deref(), Some("10.0.16"));
    assert_eq!(a.task_server("NetDiscovery"), "glpiinventory");
    assert_eq!(a.task_server("deploy"), "glpi");
    let planned = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert!(!a.needs_prolog(&planned(&["Inventory"])));
    assert!(a.needs_prolog(&planned(&["Inventory", "NetDiscovery"])));
    assert!(a.needs_prolog(&planned(&["Deploy"])));

    for body in [
        fixture!("ga112-02-prolog-reply-json-crafted.json"),
        fixture!("ga112-07-inventory-reply-crafted.json"),
    ] {
        let ServerAnswer::Glpi(a) = parse_server_answer(body.as_bytes()).unwrap() else {
            panic!("{body}")
        };
        assert!(a.is_valid() && a.tasks.is_empty());
    }
}

#[test]
fn contact_answer_fields_and_rules() {
    let a = parse_contact_answer(
        br#"{"status":"ok","expiration":"240m","disabled":["ESX","inventory","RemoteInventory"],
            "message":"esx task not supported",
            "tasks":{"Inventory":{"server":"glpi","version":"10.0.16","no-category":"process,,user",
                                  "params":[{"category":"database","use":"x","params_id":1}]},
                     "broken":"x"}}"#,
    )
    .unwrap();
    assert_eq!(a.expiration(), Some(Duration::from_secs(4 * 3600)));
    assert_eq!(a.message.as_deref(), Some("esx task not supported"));
    assert_eq!(a.disabled, ["esx", "inventory", "remoteinventory"]);
    assert_eq!(a.tasks["inventory"].no_category, ["process", "user"]);
    assert_eq!(a.tasks["inventory"].params.len(), 1);
    assert!(!a.tasks.contains_key("broken"));
    let planned: Vec<String> = ["Inventory", "ESX", "RemoteInventory", "NetDiscovery"]
        .map(String::from)
        .to_vec();
    assert_eq!(a.plan(&planned, false), ["RemoteInventory", "NetDiscovery"]);
    assert_eq!(
        a.plan(&planned, true),
        ["Inventory", "RemoteInventory", "NetDiscovery"]
    );

    let single = parse_contact_answer(br#"{"status":"ok","expiration":1,"disabled":"ESX"}"#);
    assert_eq!(single.unwrap().disabled, ["esx"]);
}

#[test]
fn expiration_units() {
    let cases = [
        ("24", Some(86_400)),
        ("24h", Some(86_400)),
        ("3600s", Some(3600)),
        ("240m", Some(14_400)),
        ("2d", Some(172_800)),
        ("0", Some(0)),
        ("", None),
        ("h", None),
        ("-1", None),
        ("1.5", None),
        ("24 h", None),
        ("+24", None),
        ("99999999999999999999", None),
        ("18446744073709551615d", None),
    ];
    for (text, secs) in cases {
        assert_eq!(
            parse_expiration(text),
            secs.map(Duration::from_secs),
            "{text}"
        );
    }
}

#[test]
fn dialect_is_chosen_from_the_reply() {
    let legacy = parse_server_answer(fixture!("fi26-prolog-reply.xml").as_bytes()).unwrap();
    assert!(matches!(legacy, ServerAnswer::Legacy(r) if r.prolog_freq == Some(24)));

    let glpi = parse_server_answer(b" {\"status\": \"ok\", \"expiration\": 24}\n").unwrap();
    assert!(matches!(glpi, ServerAnswer::Glpi(a) if a.status == ContactStatus::Ok));

    // Pending is accepted with expiration 0; other invalid answers are not contact answers.
    let pending = parse_server_answer(br#"{"status":"pending","expiration":"0"}"#).unwrap();
    assert!(matches!(pending, ServerAnswer::Glpi(a) if a.status == ContactStatus::Pending));
    for bad in [
        &br#"{"status":"ok","expiration":0}"#[..],
        br#"{"status":"","expiration":24}"#,
        br#"{"tasks":[],"expiration":24}"#,
    ] {
        assert_eq!(parse_server_answer(bad), Err(AnswerError::NotContact));
    }
    assert!(matches!(
        parse_server_answer(b"{not json}"),
        Err(AnswerError::Contact(ContactError::NotJson(_)))
    ));
    assert!(matches!(
        parse_server_answer(br#"{"message":"<html>"}"#),
        Err(AnswerError::NotContact)
    ));
    assert!(matches!(
        parse_server_answer(b"[1]"),
        Err(AnswerError::Reply(ReplyError::Xml(XmlError::NotXml(_))))
    ));
    let error = parse_server_answer(br#"{"status":"error","message":"bad","expiration":24}"#);
    assert!(matches!(error, Ok(ServerAnswer::Glpi(a)) if a.status == ContactStatus::Error));
}
