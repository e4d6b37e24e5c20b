//! A small XML tree and writer shaped like the Perl agents' output (XML::TreePP): a
//! `<?xml … ?>` declaration, two-space indentation, children in name order, text escaped.

use std::fmt::Write as _;

/// An element: a name, then either text or children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// Tag name.
    pub name: String,
    /// Text content (used when there are no children).
    pub text: Option<String>,
    /// Child elements.
    pub children: Vec<Element>,
}

impl Element {
    /// An empty element.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: None,
            children: Vec::new(),
        }
    }

    /// An element holding text.
    #[must_use]
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: Some(text.into()),
            children: Vec::new(),
        }
    }

    /// Adds a child.
    #[must_use]
    pub fn child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    /// Adds a text child when `value` is present.
    #[must_use]
    pub fn opt(mut self, name: &str, value: Option<&str>) -> Self {
        if let Some(v) = value {
            self.children.push(Element::text(name, v));
        }
        self
    }

    /// Adds a child.
    pub fn push(&mut self, child: Element) {
        self.children.push(child);
    }

    /// The whole document: declaration and the element, newline-terminated.
    #[must_use]
    pub fn to_document(&self) -> String {
        let mut out = String::with_capacity(512);
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
        self.write(&mut out, 0);
        out
    }

    fn write(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("  ");
        }
        if self.children.is_empty() {
            match self.text.as_deref() {
                Some(t) if !t.is_empty() => {
                    let _ = write!(out, "<{0}>{1}</{0}>", self.name, Escaped(t));
                }
                _ => {
                    let _ = write!(out, "<{} />", self.name);
                }
            }
            out.push('\n');
            return;
        }
        let _ = writeln!(out, "<{}>", self.name);
        // Stable: repeated names (IP, IP, …) keep their order.
        let mut children: Vec<&Element> = self.children.iter().collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        for c in children {
            c.write(out, depth + 1);
        }
        for _ in 0..depth {
            out.push_str("  ");
        }
        let _ = writeln!(out, "</{}>", self.name);
    }
}

/// Text escaped for element content; characters XML 1.0 cannot carry are dropped.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' | '\n' | '\r' => f.write_char(c)?,
                c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_sorted_indented_escaped() {
        let doc = Element::new("REQUEST")
            .child(Element::text("QUERY", "NETDISCOVERY"))
            .child(
                Element::new("CONTENT")
                    .child(Element::text("B", "x < y & \"z\"\u{1}"))
                    .child(Element::text("A", "1")),
            )
            .child(Element::text("DEVICEID", "foo"))
            .child(Element::new("EMPTY"))
            .to_document();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  <CONTENT>\n    <A>1</A>\n    \
             <B>x &lt; y &amp; &quot;z&quot;</B>\n  </CONTENT>\n  <DEVICEID>foo</DEVICEID>\n  \
             <EMPTY />\n  <QUERY>NETDISCOVERY</QUERY>\n</REQUEST>\n"
        );
    }
}
