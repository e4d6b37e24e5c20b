//! The server's JSON answers (GLPI-native protocol): the body as the transport decodes it, then
//! the CONTACT answer and the rules the agent applies to it.
//!
//! Invariants: `parse_server_answer` takes a JSON-shaped body as a GLPI answer exactly when
//! `parse_contact_answer` reads it and it is valid or pending; `plan` only removes tasks and
//! never `remoteinventory`; a valid answer has an expiration; a CONTACT request carrying the
//! answer's strings and JSON values serializes to a JSON object that reads back.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use sonde::agent::protocol::{
    self, ContactAnswer, ContactRequest, ContactStatus, ServerAnswer, parse_expiration,
};
use sonde::transport::reply::{self, ReplyKind};

const LIMIT: usize = 64 * 1024;

fuzz_target!(|data: &[u8]| {
    answer(data);
    for content_type in [
        None,
        Some("application/json"),
        Some("application/x-compress-zlib"),
    ] {
        if let Ok(decoded) = reply::decode(200, content_type, data, LIMIT)
            && decoded.kind == ReplyKind::Json
        {
            answer(decoded.body.as_bytes());
        }
    }
});

fn answer(data: &[u8]) {
    let contact = protocol::parse_contact_answer(data);
    if let Ok(c) = &contact {
        check_contact(c);
    }
    let trimmed = data.trim_ascii();
    let json_shaped = trimmed.starts_with(b"{") && trimmed.ends_with(b"}");
    if !json_shaped {
        return;
    }
    let expected = protocol::parse_contact_answer(trimmed)
        .ok()
        .filter(|c| c.is_valid() || c.status == ContactStatus::Pending);
    match protocol::parse_server_answer(data) {
        Ok(ServerAnswer::Glpi(c)) => assert_eq!(Some(c), expected),
        Ok(ServerAnswer::Legacy(_)) => panic!("a JSON-shaped body taken for XML"),
        Err(_) => assert_eq!(expected, None),
    }
}

fn check_contact(c: &ContactAnswer) {
    if c.is_valid() {
        assert!(c.expiration().is_some_and(|d| !d.is_zero()));
    }
    if let Some(raw) = &c.expiration_raw {
        assert_eq!(
            parse_expiration(raw).filter(|d| !d.is_zero()),
            c.expiration()
        );
    }
    let mut planned: Vec<String> = ["inventory", "netdiscovery", "RemoteInventory", "deploy"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    planned.extend(c.disabled.iter().cloned());
    planned.extend(c.tasks.keys().cloned());
    for force in [false, true] {
        let plan = c.plan(&planned, force);
        assert!(plan.iter().all(|t| planned.contains(t)));
        assert!(plan.iter().any(|t| t == "RemoteInventory"));
        assert!(!force || plan.iter().any(|t| t == "inventory"));
    }
    let _ = c.needs_prolog(&planned);
    for task in c.tasks.keys() {
        assert!(!c.task_server(task).is_empty());
    }

    // The answer's strings and values in a request: what goes out must be JSON again.
    let mut plugins = BTreeMap::new();
    for (name, support) in &c.tasks {
        for (i, param) in support.params.iter().enumerate() {
            plugins.insert(format!("{name}{i}"), param.clone());
        }
    }
    let request = ContactRequest {
        deviceid: c.message.clone().unwrap_or_default(),
        name: c.expiration_raw.clone().unwrap_or_default(),
        version: format!("{:?}", c.status),
        installed_tasks: planned.clone(),
        enabled_tasks: c.disabled.clone(),
        httpd_port: Some(62354),
        httpd_plugins: plugins,
        tag: c.tasks.values().find_map(|t| t.version.clone()),
    };
    let json = request.to_json();
    assert!(
        protocol::parse_contact_answer(json.as_bytes()).is_ok(),
        "a CONTACT request that is not a JSON object: {json}"
    );
}
