//! The local inventory on the wire: the FusionInventory/OCS INVENTORY request (XML) and GLPI's
//! native JSON inventory.
//!
//! The JSON form is driven by GLPI's own schema (`inventory.schema.json` of
//! glpi-project/inventory_format, embedded): each field takes the type the schema declares
//! (integers, booleans, strings, arrays), values that fail a declared pattern are dropped, list
//! entries without a required field are dropped, and fields the schema does not know are left
//! out, so what is written always validates. On top of that come the renames and value
//! normalisations GLPI's converter applies to agents' XML (`local-inventory.md` §4.3).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value as Json};

use super::xml::Element;
use crate::model::local::{Entry, LocalInventory, Section, Value};

/// The INVENTORY request: `REQUEST/{CONTENT, DEVICEID, QUERY=INVENTORY}`; sections are repeated
/// elements in name order, repeated fields repeated elements, the tag an ACCOUNTINFO.
#[must_use]
pub fn xml(inv: &LocalInventory) -> String {
    let mut content = Element::new("CONTENT");
    for (section, entries) in &inv.sections {
        for e in entries {
            content.push(entry_element(section.xml_name(), e));
        }
    }
    content.push(Element::text("VERSIONCLIENT", inv.versionclient.as_str()));
    if let Some(tag) = &inv.tag {
        content.push(
            Element::new("ACCOUNTINFO")
                .child(Element::text("KEYNAME", "TAG"))
                .child(Element::text("KEYVALUE", tag.as_str())),
        );
    }
    Element::new("REQUEST")
        .child(content)
        .child(Element::text("DEVICEID", inv.deviceid.as_str()))
        .child(Element::text("QUERY", "INVENTORY"))
        .to_document()
}

fn entry_element(name: &str, entry: &Entry) -> Element {
    let mut e = Element::new(name);
    for (field, value) in entry.fields() {
        match value {
            Value::Text(t) => e.push(Element::text(field, t.as_str())),
            Value::Int(n) => e.push(Element::text(field, n.to_string())),
            Value::Bool(b) => e.push(Element::text(field, if *b { "1" } else { "0" })),
            Value::List(items) => {
                for item in items {
                    e.push(Element::text(field, item.as_str()));
                }
            }
            Value::Entry(nested) => e.push(entry_element(field, nested)),
        }
    }
    e
}

/// A readable HTML page of the inventory (`--html`): one table per section.
#[must_use]
pub fn html(inv: &LocalInventory) -> String {
    fn esc(t: &str) -> String {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }
    fn text(v: &Value) -> String {
        match v {
            Value::Text(t) => esc(t),
            Value::Int(n) => n.to_string(),
            Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
            Value::List(items) => esc(&items.join(", ")),
            Value::Entry(e) => e
                .fields()
                .map(|(k, v)| format!("{}: {}", esc(k), text(v)))
                .collect::<Vec<_>>()
                .join("<br>"),
        }
    }
    let mut out = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Inventory of {0}</title></head><body>\n<h1>Inventory of {0}</h1>\n<p>{1}</p>\n",
        esc(&inv.deviceid),
        esc(&inv.versionclient)
    );
    for (section, entries) in &inv.sections {
        let mut columns: Vec<&str> = entries
            .iter()
            .flat_map(|e| e.fields().map(|(k, _)| k))
            .collect();
        columns.sort_unstable();
        columns.dedup();
        out.push_str(&format!(
            "<h2>{}</h2>\n<table border=\"1\">\n<tr>",
            section.xml_name()
        ));
        for c in &columns {
            out.push_str(&format!("<th>{}</th>", esc(c)));
        }
        out.push_str("</tr>\n");
        for e in entries {
            out.push_str("<tr>");
            for c in &columns {
                out.push_str(&format!(
                    "<td>{}</td>",
                    e.get(c).map(text).unwrap_or_default()
                ));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// GLPI's inventory schema (draft-07), embedded.
const SCHEMA_TEXT: &str = include_str!("inventory.schema.json");

fn schema() -> &'static Json {
    static SCHEMA: OnceLock<Json> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).unwrap_or(Json::Null))
}

/// A schema node with its `$ref` (to `#/definitions/…`) resolved.
fn resolve(node: &Json) -> &Json {
    match node.get("$ref").and_then(Json::as_str) {
        Some(r) => r
            .strip_prefix("#/definitions/")
            .and_then(|name| schema().get("definitions")?.get(name))
            .unwrap_or(node),
        None => node,
    }
}

/// The JSON key of a section.
fn section_key(section: Section) -> String {
    match section {
        Section::Firewall => "firewalls".to_owned(),
        s => s.xml_name().to_ascii_lowercase(),
    }
}

/// The JSON key of a field of a section.
fn field_key(section: Section, field: &str) -> String {
    match (section, field) {
        (Section::Networks, "MACADDR") => "mac".to_owned(),
        (Section::Storages, "SERIALNUMBER") => "serial".to_owned(),
        (Section::Softwares, "INSTALLDATE") => "install_date".to_owned(),
        (Section::LocalGroups, "MEMBER") => "members".to_owned(),
        _ => field.to_ascii_lowercase(),
    }
}

/// The GLPI-native JSON inventory: `{action, deviceid, itemtype, [partial], [tag], content}`.
#[must_use]
pub fn json(inv: &LocalInventory) -> Json {
    let content_schema = &schema()["properties"]["content"]["properties"];
    let mut patterns = Patterns::default();
    let mut content = Map::new();
    for (section, entries) in &inv.sections {
        let key = section_key(*section);
        let Some(section_schema) = content_schema.get(&key).map(resolve) else {
            continue;
        };
        if section.single() {
            if let Some(first) = entries.first() {
                let obj = object(*section, first, section_schema, &mut patterns);
                if !obj.is_empty() {
                    content.insert(key, Json::Object(obj));
                }
            }
            continue;
        }
        let item_schema = resolve(&section_schema["items"]);
        let required: Vec<&str> = item_schema
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let items: Vec<Json> = entries
            .iter()
            .map(|e| object(*section, e, item_schema, &mut patterns))
            .filter(|o| required.iter().all(|r| o.contains_key(*r)))
            .map(Json::Object)
            .collect();
        if !items.is_empty() {
            content.insert(key, Json::Array(items));
        }
    }
    content.insert(
        "versionclient".to_owned(),
        Json::String(inv.versionclient.clone()),
    );
    let mut root = Map::new();
    root.insert("action".to_owned(), Json::String("inventory".to_owned()));
    root.insert("deviceid".to_owned(), Json::String(inv.deviceid.clone()));
    root.insert("itemtype".to_owned(), Json::String("Computer".to_owned()));
    if inv.partial {
        root.insert("partial".to_owned(), Json::Bool(true));
    }
    if let Some(tag) = &inv.tag {
        root.insert("tag".to_owned(), Json::String(tag.clone()));
    }
    root.insert("content".to_owned(), Json::Object(content));
    Json::Object(root)
}

/// Compiled `pattern`s of the schema, by pattern text.
#[derive(Default)]
struct Patterns(HashMap<String, Option<regex::Regex>>);

impl Patterns {
    fn accepts(&mut self, pattern: &str, text: &str) -> bool {
        let re = self
            .0
            .entry(pattern.to_owned())
            .or_insert_with(|| regex::Regex::new(pattern).ok());
        re.as_ref().is_none_or(|re| re.is_match(text))
    }
}

fn object(
    section: Section,
    entry: &Entry,
    schema: &Json,
    patterns: &mut Patterns,
) -> Map<String, Json> {
    let props = &schema["properties"];
    let mut out = Map::new();
    for (field, value) in entry.fields() {
        let key = field_key(section, field);
        let Some(field_schema) = props.get(&key).map(resolve) else {
            continue;
        };
        let value = normalise(section, &key, value);
        if let Some(v) = convert(section, &value, field_schema, patterns) {
            out.insert(key, v);
        }
    }
    out
}

/// GLPI's converter's value fix-ups for agents' spellings.
fn normalise(section: Section, key: &str, value: &Value) -> Value {
    let Value::Text(t) = value else {
        return value.clone();
    };
    let text = match (section, key) {
        (Section::Networks, "status") => t.to_ascii_lowercase(),
        (Section::Networks, "type") => match t.to_ascii_lowercase().as_str() {
            "local" => "loopback".to_owned(),
            other => other.to_owned(),
        },
        (Section::Cpus, "arch") => t.to_ascii_lowercase(),
        (Section::Processes, "started") if t.len() == 16 => format!("{t}:00"),
        (Section::Softwares, "install_date") => day_first_date(t).unwrap_or_else(|| t.clone()),
        (Section::Bios, "bdate") => month_first_date(t).unwrap_or_else(|| t.clone()),
        (Section::Slots, "status") => match t.as_str() {
            "In Use" => "used".to_owned(),
            "Available" => "free".to_owned(),
            other => other.to_owned(),
        },
        (Section::VirtualMachines, "status") => match t.as_str() {
            "pause" => "paused".to_owned(),
            "stopped" => "off".to_owned(),
            other => other.to_owned(),
        },
        (Section::VirtualMachines, "vmtype") => match t.to_ascii_lowercase().as_str() {
            "hyper-v" => "hyperv".to_owned(),
            other => other.to_owned(),
        },
        _ => return value.clone(),
    };
    Value::Text(text)
}

/// `DD/MM/YYYY` → `YYYY-MM-DD`.
fn day_first_date(t: &str) -> Option<String> {
    let mut p = t.split('/');
    let (d, m, y) = (p.next()?, p.next()?, p.next()?);
    (p.next().is_none() && y.len() == 4).then(|| format!("{y}-{m:0>2}-{d:0>2}"))
}

/// `MM/DD/YYYY` → `YYYY-MM-DD`.
fn month_first_date(t: &str) -> Option<String> {
    let mut p = t.split('/');
    let (m, d, y) = (p.next()?, p.next()?, p.next()?);
    (p.next().is_none() && y.len() == 4).then(|| format!("{y}-{m:0>2}-{d:0>2}"))
}

/// A value in the type the schema declares; `None` when it cannot be or fails the pattern.
fn convert(
    section: Section,
    value: &Value,
    schema: &Json,
    patterns: &mut Patterns,
) -> Option<Json> {
    let kind = schema
        .get("type")
        .and_then(Json::as_str)
        .unwrap_or("string");
    let out = match (kind, value) {
        ("integer", Value::Int(n)) => Json::from(*n),
        ("integer", Value::Text(t)) => Json::from(t.trim().parse::<i64>().ok()?),
        ("integer", Value::Bool(b)) => Json::from(i64::from(*b)),
        ("number", Value::Int(n)) => Json::from(*n),
        ("number", Value::Text(t)) => Json::from(t.trim().parse::<f64>().ok()?),
        ("boolean", Value::Bool(b)) => Json::Bool(*b),
        ("boolean", Value::Int(n)) => Json::Bool(*n != 0),
        ("boolean", Value::Text(t)) => match t.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" => Json::Bool(true),
            "0" | "false" | "no" => Json::Bool(false),
            _ => return None,
        },
        ("array", Value::List(items)) => {
            Json::Array(items.iter().map(|s| Json::String(s.clone())).collect())
        }
        ("array", Value::Text(t)) => Json::Array(vec![Json::String(t.clone())]),
        ("object", Value::Entry(nested)) => {
            let obj = object(section, nested, schema, patterns);
            if obj.is_empty() {
                return None;
            }
            Json::Object(obj)
        }
        (_, Value::Text(t)) => Json::String(t.clone()),
        (_, Value::Int(n)) => Json::String(n.to_string()),
        (_, Value::Bool(b)) => Json::String(if *b { "1" } else { "0" }.to_owned()),
        (_, Value::List(items)) => Json::String(items.join(",")),
        (_, Value::Entry(_)) => return None,
    };
    if let (Some(pattern), Json::String(s)) = (schema.get("pattern").and_then(Json::as_str), &out)
        && !patterns.accepts(pattern, s)
    {
        tracing::debug!(section = section.xml_name(), value = %s, "value dropped: it does not match the schema");
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> LocalInventory {
        let mut inv = LocalInventory {
            deviceid: "host-2026-12-07-01-00-00".into(),
            versionclient: "sonde-Inventory_v0.1.0".into(),
            tag: Some("paris".into()),
            ..LocalInventory::default()
        };
        let mut net = Entry::new();
        net.text("DESCRIPTION", Some("lo"))
            .text("MACADDR", Some("00:00:00:00:00:00"))
            .text("STATUS", Some("Up"))
            .text("TYPE", Some("local"))
            .text("SPEED", Some("1000"))
            .int("MTU", Some(65536))
            .flag("VIRTUALDEV", Some(true));
        inv.add(Section::Networks, net);
        let mut bad = Entry::new();
        bad.text("MACADDR", Some("00:11:22:33:44:55"));
        inv.add(Section::Networks, bad); // no DESCRIPTION: dropped from JSON
        let mut group = Entry::new();
        group
            .text("ID", Some("27"))
            .text("NAME", Some("sudo"))
            .list("MEMBER", vec!["alice".into(), "bob".into()]);
        inv.add(Section::LocalGroups, group);
        let mut os = Entry::new();
        let mut tz = Entry::new();
        tz.text("NAME", Some("Europe/Paris"))
            .text("OFFSET", Some("+0100"));
        os.text("NAME", Some("Debian GNU/Linux"))
            .text("BOOT_TIME", Some("2026-12-07 00:00:00"))
            .text("INSTALL_DATE", Some("not a date"))
            .entry("TIMEZONE", tz);
        inv.add(Section::OperatingSystem, os);
        let mut sw = Entry::new();
        sw.text("NAME", Some("bash"))
            .text("INSTALLDATE", Some("24/11/2026"))
            .int("FILESIZE", Some(7_000_000))
            .text("FROM", Some("deb"));
        inv.add(Section::Softwares, sw);
        let mut hw = Entry::new();
        hw.int("MEMORY", Some(24_000))
            .text("CHECKSUM", Some("131071"));
        inv.add(Section::Hardware, hw);
        inv
    }

    #[test]
    fn xml_request() {
        let x = xml(&sample());
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  <CONTENT>\n    <ACCOUNTINFO>\n      <KEYNAME>TAG</KEYNAME>\n      <KEYVALUE>paris</KEYVALUE>\n    </ACCOUNTINFO>\n"), "{x}");
        assert!(x.contains("    <LOCAL_GROUPS>\n      <ID>27</ID>\n      <MEMBER>alice</MEMBER>\n      <MEMBER>bob</MEMBER>\n      <NAME>sudo</NAME>\n    </LOCAL_GROUPS>\n"), "{x}");
        assert!(x.contains("<VIRTUALDEV>1</VIRTUALDEV>"));
        assert!(x.contains("      <TIMEZONE>\n        <NAME>Europe/Paris</NAME>\n        <OFFSET>+0100</OFFSET>\n      </TIMEZONE>\n"));
        assert!(x.ends_with("  <DEVICEID>host-2026-12-07-01-00-00</DEVICEID>\n  <QUERY>INVENTORY</QUERY>\n</REQUEST>\n"));
        assert_eq!(x.matches("<NETWORKS>").count(), 2);
    }

    #[test]
    fn html_page() {
        let h = html(&sample());
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("<h2>NETWORKS</h2>"));
        assert!(h.contains("<td>alice, bob</td>"));
    }

    #[test]
    fn json_follows_the_schema() {
        let j = json(&sample());
        assert_eq!(j["action"], "inventory");
        assert_eq!(j["itemtype"], "Computer");
        assert_eq!(j["tag"], "paris");
        assert!(j.get("partial").is_none());
        let c = &j["content"];
        assert_eq!(c["networks"].as_array().map(Vec::len), Some(1));
        let n = &c["networks"][0];
        assert_eq!(n["mac"], "00:00:00:00:00:00");
        assert_eq!(n["status"], "up");
        assert_eq!(n["type"], "loopback");
        assert_eq!(n["speed"], "1000");
        assert_eq!(n["mtu"], 65536);
        assert_eq!(n["virtualdev"], true);
        assert_eq!(
            c["local_groups"][0]["members"],
            serde_json::json!(["alice", "bob"])
        );
        assert_eq!(c["local_groups"][0]["id"], "27");
        assert_eq!(c["operatingsystem"]["timezone"]["name"], "Europe/Paris");
        assert!(
            c["operatingsystem"].get("install_date").is_none(),
            "fails the date pattern"
        );
        assert_eq!(c["softwares"][0]["install_date"], "2026-11-24");
        assert_eq!(c["softwares"][0]["filesize"], 7_000_000);
        assert_eq!(c["hardware"]["memory"], 24_000);
        assert!(c["hardware"].get("checksum").is_none(), "not in the schema");
        assert_eq!(c["versionclient"], "sonde-Inventory_v0.1.0");
    }
}
