//! `--additional-content FILE`: an XML file in the inventory's own format (`REQUEST/CONTENT/…`,
//! or `CONTENT/…`, or the sections alone) whose sections are merged into the inventory: list
//! sections get its entries, single sections (BIOS, HARDWARE…) its fields where they have none.

use quick_xml::events::Event;

use crate::model::local::{Entry, LocalInventory, Section, Value};

/// Why the additional content could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AdditionalError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The XML is malformed.
    #[error("{path}: not well-formed XML at byte {position}: {message}")]
    Xml {
        /// The file.
        path: String,
        /// Where.
        position: u64,
        /// What.
        message: String,
    },
    /// A section name sonde does not know.
    #[error("{path}: unknown section {name}")]
    UnknownSection {
        /// The file.
        path: String,
        /// The element name.
        name: String,
    },
}

/// A parsed element: name, text, children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

/// Deepest nesting accepted (the format needs four levels).
const MAX_DEPTH: usize = 16;

fn parse(path: &str, xml: &str) -> Result<Node, AdditionalError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let err = |reader: &quick_xml::Reader<&[u8]>, message: String| AdditionalError::Xml {
        path: path.to_owned(),
        position: reader.buffer_position(),
        message,
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if stack.len() > MAX_DEPTH {
                    return Err(err(&reader, "nested too deeply".to_owned()));
                }
                stack.push(Node {
                    name: e.name().as_ref().to_owned(),
                    ..Node::default()
                });
            }
            Ok(Event::Empty(e)) => {
                let node = Node {
                    name: e.name().as_ref().to_owned(),
                    ..Node::default()
                };
                if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(t.as_ref());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                let name: &str = r.as_ref();
                let resolved = match name.strip_prefix('#') {
                    Some(num) => {
                        let code = match num.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => num.parse().ok(),
                        };
                        code.and_then(char::from_u32).map(String::from)
                    }
                    None => quick_xml::escape::resolve_predefined_entity(name).map(str::to_owned),
                }
                .ok_or_else(|| err(&reader, format!("unknown entity &{name};")))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Ok(Event::CData(c)) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(c.as_ref());
                }
            }
            Ok(Event::End(_)) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| err(&reader, "unbalanced".to_owned()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Err(err(&reader, "unbalanced".to_owned())),
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(err(&reader, e.to_string())),
        }
    }
    if stack.len() != 1 {
        return Err(err(&reader, "unclosed element".to_owned()));
    }
    Ok(stack.pop().unwrap_or_default())
}

/// Reads `file` and merges its sections into `inv`.
pub fn merge_file(inv: &mut LocalInventory, file: &std::path::Path) -> Result<(), AdditionalError> {
    let path = file.display().to_string();
    let bytes = std::fs::read(file).map_err(|source| AdditionalError::Io {
        path: path.clone(),
        source,
    })?;
    merge_str(inv, &path, &String::from_utf8_lossy(&bytes))
}

/// Merges the sections of an XML text into `inv`.
pub fn merge_str(inv: &mut LocalInventory, path: &str, xml: &str) -> Result<(), AdditionalError> {
    let doc = parse(path, xml)?;
    // Down to the element holding the sections.
    let mut level = &doc;
    while let [only] = level.children.as_slice() {
        if only.name == "REQUEST" || only.name == "CONTENT" {
            level = only;
        } else {
            break;
        }
    }
    if let Some(content) = level.children.iter().find(|c| c.name == "CONTENT") {
        level = content;
    }
    for node in &level.children {
        if matches!(node.name.as_str(), "DEVICEID" | "QUERY" | "VERSIONCLIENT") {
            continue;
        }
        let section = Section::ALL
            .iter()
            .copied()
            .find(|s| s.xml_name() == node.name)
            .ok_or_else(|| AdditionalError::UnknownSection {
                path: path.to_owned(),
                name: node.name.clone(),
            })?;
        inv.add(section, entry_of(node));
    }
    Ok(())
}

fn entry_of(node: &Node) -> Entry {
    let mut e = Entry::new();
    let mut names: Vec<&str> = node.children.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let same: Vec<&Node> = node.children.iter().filter(|c| c.name == name).collect();
        let value = match same.as_slice() {
            [one] if !one.children.is_empty() => Value::Entry(entry_of(one)),
            [one] => Value::Text(one.text.trim().to_owned()),
            many => Value::List(many.iter().map(|n| n.text.trim().to_owned()).collect()),
        };
        e.set_named(name.to_owned(), value);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_sections() {
        let mut inv = LocalInventory::default();
        let mut hw = Entry::new();
        hw.text("NAME", Some("host"));
        inv.add(Section::Hardware, hw);
        let xml = "<?xml version=\"1.0\"?><REQUEST><CONTENT>\
            <SOFTWARES><NAME>inhouse &amp; co</NAME><VERSION>1.0</VERSION></SOFTWARES>\
            <SOFTWARES><NAME>other</NAME></SOFTWARES>\
            <HARDWARE><NAME>ignored</NAME><WINOWNER>ACME</WINOWNER></HARDWARE>\
            <LOCAL_GROUPS><NAME>g</NAME><MEMBER>a</MEMBER><MEMBER>b</MEMBER></LOCAL_GROUPS>\
            </CONTENT></REQUEST>";
        merge_str(&mut inv, "extra.xml", xml).unwrap();
        let sw = inv.entries(Section::Softwares);
        assert_eq!(sw.len(), 2);
        assert_eq!(sw[0].get_text("NAME").as_deref(), Some("inhouse & co"));
        let hw = &inv.entries(Section::Hardware)[0];
        assert_eq!(hw.get_text("NAME").as_deref(), Some("host"));
        assert_eq!(hw.get_text("WINOWNER").as_deref(), Some("ACME"));
        assert_eq!(
            inv.entries(Section::LocalGroups)[0].get("MEMBER"),
            Some(&Value::List(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let mut inv = LocalInventory::default();
        let e = merge_str(&mut inv, "x.xml", "<REQUEST><CONTENT><SOFTWARES>").unwrap_err();
        assert!(
            e.to_string().starts_with("x.xml: not well-formed XML"),
            "{e}"
        );
        let e = merge_str(
            &mut inv,
            "x.xml",
            "<CONTENT><BOGUS><A>1</A></BOGUS></CONTENT>",
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "x.xml: unknown section BOGUS");
        let e = merge_str(&mut inv, "x.xml", "<A></B>").unwrap_err();
        assert!(e.to_string().contains("not well-formed"), "{e}");
        let deep = "<A>".repeat(40) + &"</A>".repeat(40);
        assert!(merge_str(&mut inv, "x.xml", &deep).is_err());
    }
}
