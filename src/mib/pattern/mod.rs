//! Regular expressions of the identification data (`match`, `reject`, `when`), in the Perl
//! syntax the rules are written in, compiled with the `regex` crate (linear-time matching, so no
//! data file or device string can make a search explode).
//!
//! One Perl difference is bridged: an unescaped `$` outside a class also matches before a final
//! newline, as in Perl without `/m` (the newline is left out of the searched text).

use std::fmt;

/// Why a pattern of the data files was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("bad pattern {pattern:?}: {reason}")]
pub struct PatternError {
    /// The pattern text.
    pub pattern: String,
    /// What is wrong.
    pub reason: String,
}

/// Longest text searched; the rest is ignored (device strings are short).
const MAX_TEXT: usize = 8 * 1024;

/// A compiled pattern.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    regex: regex::Regex,
    dollar: bool,
}

/// Whether `source` has an unescaped `$` outside a class: Perl's `$` also matches before a
/// final newline, which the search then leaves out of the text.
fn has_dollar(source: &str) -> bool {
    let mut chars = source.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' => in_class = true,
            ']' => in_class = false,
            '$' if !in_class => return true,
            _ => {}
        }
    }
    false
}

impl Pattern {
    /// Compiles `source`.
    ///
    /// # Errors
    /// [`PatternError`] for a syntax the `regex` crate refuses (look-around, back-references…).
    pub fn new(source: &str) -> Result<Self, PatternError> {
        let regex = regex::RegexBuilder::new(source)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| PatternError {
                pattern: source.to_owned(),
                reason: e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            })?;
        Ok(Self {
            source: source.to_owned(),
            regex,
            dollar: has_dollar(source),
        })
    }

    /// The pattern text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn bounded<'t>(&self, text: &'t str) -> &'t str {
        let text = match text.char_indices().nth(MAX_TEXT) {
            Some((at, _)) => &text[..at],
            None => text,
        };
        if self.dollar {
            text.strip_suffix('\n').unwrap_or(text)
        } else {
            text
        }
    }

    /// True when the pattern matches somewhere in `text`.
    #[must_use]
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(self.bounded(text))
    }

    /// The first match: the whole match then each group (`None` for a group that took no
    /// part).
    #[must_use]
    pub fn captures(&self, text: &str) -> Option<Vec<Option<String>>> {
        let caps = self.regex.captures(self.bounded(text))?;
        Some(
            caps.iter()
                .map(|m| m.map(|m| m.as_str().to_owned()))
                .collect(),
        )
    }

    /// `text` with its first match replaced by `with` (`$1`… name groups); `text` unchanged when
    /// the pattern does not match.
    #[must_use]
    pub fn replace_first(&self, text: &str, with: &str) -> String {
        let bounded = self.bounded(text);
        let replaced = self.regex.replace(bounded, with);
        format!("{replaced}{}", &text[bounded.len()..])
    }

    /// The value a rule extracts: group 1 when the pattern has groups (`None` if it did not
    /// take part), else the whole match.
    #[must_use]
    pub fn extract(&self, text: &str) -> Option<String> {
        let caps = self.captures(text)?;
        let at = usize::from(self.regex.captures_len() > 1);
        caps.into_iter().nth(at).flatten()
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(p: &str, t: &str) -> Option<String> {
        Pattern::new(p).unwrap().extract(t)
    }

    #[test]
    fn extracts_like_perl() {
        assert_eq!(
            ex(
                r"^ArubaOS\s+\(MODEL:\s*(.*)\)",
                "ArubaOS (MODEL: Aruba7210), Version 6.5.1.6 (60228)"
            )
            .as_deref(),
            Some("Aruba7210), Version 6.5.1.6 (60228")
        );
        assert_eq!(
            ex(r"^RouterOS\s+(.*)$", "RouterOS RB2011").as_deref(),
            Some("RB2011")
        );
        assert_eq!(ex(r"^([^-]+)", "isr9024-x").as_deref(), Some("isr9024"));
        assert_eq!(ex(r"(\S+)", "  first word").as_deref(), Some("first"));
        assert_eq!(
            ex(r"Linux TS-\d+", "Linux TS-459 2.6").as_deref(),
            Some("Linux TS-459")
        );
        assert_eq!(ex(r"Switch", "a switch"), None);
        assert_eq!(
            ex(r"(?i)^brother (.*)$", "BROTHER HL-5250").as_deref(),
            Some("HL-5250")
        );
        assert_eq!(
            ex(
                r"(?i)^Linux (TL-\S+) ([0-9.]+) #1",
                "linux TL-WR841 2.6.31 #1 x"
            ),
            Some("TL-WR841".to_owned())
        );
        assert_eq!(ex(r"a{2,3}", "caaaab").as_deref(), Some("aaa"));
        assert_eq!(ex(r"a+?", "aaa").as_deref(), Some("a"));
        assert_eq!(ex(r"^(?:ab|cd)+$", "abcdab").as_deref(), Some("abcdab"));
        assert_eq!(ex(r"x(y)?z", "xz"), None);
        assert_eq!(ex(r"[\d.]+", "v1.2.3 ").as_deref(), Some("1.2.3"));
        assert_eq!(ex(r"a$", "ba\n").as_deref(), Some("a"));
        assert_eq!(ex(r"a.c", "a\nc"), None);
    }

    #[test]
    fn rejects_bad_syntax() {
        for bad in ["(", ")", "[a", r"\", "*a", r"\q", "a{5,2}", "(?=a)"] {
            assert!(Pattern::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn pathological_patterns_stay_linear() {
        let p = Pattern::new("(a*)*b").unwrap();
        let text = "a".repeat(5000);
        assert!(!p.is_match(&text));
        let p = Pattern::new("(a|aa)+$").unwrap();
        assert!(p.is_match(&"a".repeat(3000)));
    }
}
