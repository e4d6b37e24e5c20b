//! A tolerant reader for server replies: leading junk skipped, entities resolved, the document
//! turned into a small tree of elements with their attributes and text (protocol.md §1.5, §1.9).

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use thiserror::Error;

/// Deepest nesting accepted (replies need three levels; legacy MODEL blocks four).
pub(crate) const MAX_DEPTH: usize = 32;

/// Why a reply could not be read as an XML document.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum XmlError {
    /// Nothing but white space.
    #[error("empty reply")]
    Empty,
    /// No `<` anywhere: not XML at all.
    #[error("not XML: the reply starts with {0:?}")]
    NotXml(String),
    /// The XML reader gave up.
    #[error("malformed XML at byte {position}: {message}")]
    Malformed {
        /// Offset in the XML text (after the skipped junk).
        position: u64,
        /// What the reader said.
        message: String,
    },
    /// The text ended inside an element.
    #[error("truncated XML: <{0}> is not closed")]
    Truncated(String),
    /// More than 32 levels of nesting.
    #[error("XML nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// Only a declaration, comments or text.
    #[error("no root element")]
    NoRoot,
}

/// An element: name, attributes in document order, text (all text pieces joined) and children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
}

impl Node {
    /// The value of `key` the way the Perl agents see it: the attribute, else the text of the
    /// first child element of that name (XML::TreePP merges both into one hash).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or_else(|| self.child(key).map(|c| c.text.as_str()))
    }

    /// Every value of `key`: the attribute and then the texts of the children of that name.
    pub(crate) fn get_all<'a>(&'a self, key: &'a str) -> Vec<&'a str> {
        self.attributes
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .chain(self.children_named(key).map(|c| c.text.as_str()))
            .collect()
    }

    /// Like [`get`](Self::get), trimmed, with empty values counted as absent.
    pub(crate) fn value(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub(crate) fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Parses `bytes` (UTF-8, invalid sequences replaced) into its root element. Junk before the
/// first `<` and an empty `<html></html>` in front are skipped, as the FusionInventory agent does.
pub(crate) fn parse(bytes: &[u8]) -> Result<Node, XmlError> {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(XmlError::Empty);
    }
    let after_html = trimmed.strip_prefix("<html></html>").unwrap_or(trimmed);
    let Some(start) = after_html.find('<') else {
        return Err(XmlError::NotXml(trimmed.chars().take(40).collect()));
    };
    parse_str(&after_html[start..])
}

fn parse_str(xml: &str) -> Result<Node, XmlError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = Vec::new();
    let malformed = |reader: &Reader<&[u8]>, message: String| XmlError::Malformed {
        position: reader.buffer_position(),
        message,
    };
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(&reader, e.to_string()))?;
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep);
                }
                stack.push(start_node(&e).map_err(|m| malformed(&reader, m))?);
            }
            Event::Empty(e) => {
                let node = start_node(&e).map_err(|m| malformed(&reader, m))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| malformed(&reader, "unexpected end tag".to_owned()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => return Ok(node),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(c.as_ref());
                }
            }
            Event::GeneralRef(r) => {
                let name: &str = r.as_ref();
                let resolved = resolve_entity(name)
                    .ok_or_else(|| malformed(&reader, format!("unknown entity &{name};")))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => {
                return Err(match stack.first() {
                    Some(root) => XmlError::Truncated(root.name.clone()),
                    None => XmlError::NoRoot,
                });
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
}

fn start_node(e: &BytesStart<'_>) -> Result<Node, String> {
    let mut node = Node {
        name: e.name().as_ref().to_owned(),
        ..Node::default()
    };
    let mut attributes = e.attributes();
    attributes.with_checks(false);
    for attribute in attributes {
        let attribute = attribute.map_err(|err| err.to_string())?;
        let key = attribute.key.as_ref().to_owned();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|err| err.to_string())?;
        // The first of two same-named attributes wins.
        if !node.attributes.iter().any(|(k, _)| *k == key) {
            node.attributes.push((key, value.into_owned()));
        }
    }
    Ok(node)
}

fn resolve_entity(name: &str) -> Option<String> {
    match name.strip_prefix('#') {
        Some(num) => {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse().ok(),
            };
            code.and_then(char::from_u32).map(String::from)
        }
        None => quick_xml::escape::resolve_predefined_entity(name).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_text_children_and_entities() {
        let root = parse(
            b"junk\n<?xml version=\"1.0\"?><R A=\"x &amp; y\" A=\"second\"><C>t&lt;1&#65;&#x42;</C>\
              <C>2</C><!-- c --><D><![CDATA[<raw>]]></D></R>",
        )
        .unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.get("A"), Some("x & y"));
        assert_eq!(root.get("C"), Some("t<1AB"));
        assert_eq!(root.get_all("C"), ["t<1AB", "2"]);
        assert_eq!(root.get("D"), Some("<raw>"));
        assert_eq!(root.value("missing"), None);
    }

    #[test]
    fn html_prefix_is_skipped() {
        assert_eq!(parse(b"<html></html><REPLY/>").unwrap().name, "REPLY");
        assert_eq!(parse(b"Notice: x\n<REPLY></REPLY>").unwrap().name, "REPLY");
    }

    #[test]
    fn errors() {
        assert_eq!(parse(b"  \n"), Err(XmlError::Empty));
        assert!(matches!(
            parse(b"{\"status\":\"ok\"}"),
            Err(XmlError::NotXml(_))
        ));
        assert_eq!(
            parse(b"<REPLY><OPTION>"),
            Err(XmlError::Truncated("REPLY".into()))
        );
        assert_eq!(parse(b"<?xml version=\"1.0\"?>"), Err(XmlError::NoRoot));
        assert!(matches!(
            parse(b"<REPLY><A></B></REPLY>"),
            Err(XmlError::Malformed { .. })
        ));
        assert!(matches!(
            parse(b"<REPLY>&bogus;</REPLY>"),
            Err(XmlError::Malformed { .. })
        ));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deep.as_bytes()), Err(XmlError::TooDeep));
    }
}
