//! Object identifiers: parsing from dotted text, display, SNMP (lexicographic) ordering.

use std::fmt;
use std::str::FromStr;

/// An SNMP object identifier, stored as its arcs.
///
/// Ordering is the SNMP lexicographic order of arcs (so `1.3.6.1.2` < `1.3.6.1.10`), which is what
/// GETNEXT and walk files follow.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Oid(Vec<u32>);

/// Why a dotted OID text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid OID {text:?}: {reason}")]
pub struct OidParseError {
    /// The text that was given (truncated to 80 bytes).
    pub text: String,
    /// What was wrong with it.
    pub reason: &'static str,
}

impl Oid {
    /// Builds an OID from its arcs.
    #[must_use]
    pub fn new(arcs: Vec<u32>) -> Self {
        Self(arcs)
    }

    /// Builds an OID from a slice of arcs.
    #[must_use]
    pub fn from_slice(arcs: &[u32]) -> Self {
        Self(arcs.to_vec())
    }

    /// The arcs of this OID.
    #[must_use]
    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    /// Number of arcs.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty OID (which is not valid on the wire but useful as "before everything").
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when `self` lies inside the subtree rooted at `root` (or equals it).
    #[must_use]
    pub fn starts_with(&self, root: &Oid) -> bool {
        self.0.starts_with(&root.0)
    }

    /// The arcs after `root`, when `self` lies inside `root`'s subtree.
    #[must_use]
    pub fn suffix_after(&self, root: &Oid) -> Option<&[u32]> {
        self.0.strip_prefix(root.0.as_slice())
    }

    /// A new OID made of `self` followed by `more`.
    #[must_use]
    pub fn child(&self, more: &[u32]) -> Oid {
        let mut arcs = Vec::with_capacity(self.0.len() + more.len());
        arcs.extend_from_slice(&self.0);
        arcs.extend_from_slice(more);
        Oid(arcs)
    }

    /// Appends one arc.
    pub fn push(&mut self, arc: u32) {
        self.0.push(arc);
    }

    /// Consumes the OID and gives back its arcs.
    #[must_use]
    pub fn into_arcs(self) -> Vec<u32> {
        self.0
    }
}

impl From<Vec<u32>> for Oid {
    fn from(arcs: Vec<u32>) -> Self {
        Self(arcs)
    }
}

impl From<&[u32]> for Oid {
    fn from(arcs: &[u32]) -> Self {
        Self(arcs.to_vec())
    }
}

impl<const N: usize> From<[u32; N]> for Oid {
    fn from(arcs: [u32; N]) -> Self {
        Self(arcs.to_vec())
    }
}

impl FromStr for Oid {
    type Err = OidParseError;

    /// Parses `1.3.6.1`, `.1.3.6.1` (net-snmp `-On` style) or `iso.3.6.1`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| OidParseError {
            text: text.chars().take(80).collect(),
            reason,
        };
        let body = text.trim();
        let body = body.strip_prefix('.').unwrap_or(body);
        let (mut arcs, rest) = if let Some(rest) = body.strip_prefix("iso") {
            match rest.strip_prefix('.') {
                Some(rest) => (vec![1], rest),
                None if rest.is_empty() => (vec![1], rest),
                None => return Err(fail("unknown symbolic prefix")),
            }
        } else {
            (Vec::with_capacity(16), body)
        };
        if rest.is_empty() {
            return if arcs.is_empty() {
                Err(fail("empty"))
            } else {
                Ok(Oid(arcs))
            };
        }
        for part in rest.split('.') {
            if part.is_empty() {
                return Err(fail("empty arc"));
            }
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail("arc is not a number"));
            }
            let arc: u32 = part.parse().map_err(|_| fail("arc exceeds 32 bits"))?;
            arcs.push(arc);
        }
        Ok(Oid(arcs))
    }
}

impl fmt::Display for Oid {
    /// Dotted numeric form without a leading dot: `1.3.6.1.2.1.1.1.0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for arc in &self.0 {
            if !first {
                f.write_str(".")?;
            }
            first = false;
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_style() {
        let want = Oid::from([1, 3, 6, 1, 2, 1, 1, 1, 0]);
        assert_eq!("1.3.6.1.2.1.1.1.0".parse::<Oid>().unwrap(), want);
        assert_eq!(".1.3.6.1.2.1.1.1.0".parse::<Oid>().unwrap(), want);
        assert_eq!("iso.3.6.1.2.1.1.1.0".parse::<Oid>().unwrap(), want);
        assert_eq!(want.to_string(), "1.3.6.1.2.1.1.1.0");
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "",
            ".",
            "1..3",
            "1.3.x",
            "1.3.99999999999",
            "isox.1",
            "1.3.",
        ] {
            assert!(bad.parse::<Oid>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn orders_lexicographically_by_arc() {
        let a: Oid = "1.3.6.1.2".parse().unwrap();
        let b: Oid = "1.3.6.1.10".parse().unwrap();
        let c: Oid = "1.3.6.1.2.0".parse().unwrap();
        assert!(a < b);
        assert!(a < c);
        assert!(c < b);
        assert!(c.starts_with(&a));
        assert_eq!(c.suffix_after(&a), Some(&[0][..]));
        assert_eq!(b.suffix_after(&a), None);
    }
}
