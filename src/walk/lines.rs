//! The lines of a walk file: LF or CRLF line ends, numbered from 1, with look-ahead for values
//! that continue on the following lines.

/// The lines of a walk file, without their terminators, numbered from 1.
pub(crate) struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
    crlf: bool,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            number: 0,
            crlf: is_crlf(bytes),
        }
    }

    /// The next line and its number.
    pub(crate) fn next_line(&mut self) -> Option<(usize, &'a [u8])> {
        let line = self.peek()?;
        self.skip();
        Some((self.number, line))
    }

    /// The next line, not consumed.
    pub(crate) fn peek(&self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.rest.len());
        let line = &self.rest[..end];
        Some(if self.crlf { strip_cr(line) } else { line })
    }

    /// Consumes the next line.
    pub(crate) fn skip(&mut self) {
        if self.rest.is_empty() {
            return;
        }
        let end = self
            .rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.rest.len(), |at| at + 1);
        self.rest = &self.rest[end..];
        self.number += 1;
    }
}

/// CRLF file: every line ending in the first 64 KiB is CRLF (there is at least one).
fn is_crlf(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let mut seen = false;
    for (at, &b) in head.iter().enumerate() {
        if b == b'\n' {
            if at == 0 || head[at - 1] != b'\r' {
                return false;
            }
            seen = true;
        }
    }
    seen
}

/// The line without a final carriage return.
pub(crate) fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_detection() {
        assert!(is_crlf(b"a\r\nb\r\n"));
        assert!(!is_crlf(b"a\r\nb\n"));
        assert!(!is_crlf(b"no newline"));
        assert!(!is_crlf(b"\nfirst line empty"));
    }

    #[test]
    fn numbering_and_look_ahead() {
        let mut lines = Lines::new(b"one\r\ntwo\r\n\r\nfour");
        assert_eq!(lines.next_line(), Some((1, &b"one"[..])));
        assert_eq!(lines.peek(), Some(&b"two"[..]));
        lines.skip();
        assert_eq!(lines.next_line(), Some((3, &b""[..])));
        assert_eq!(lines.next_line(), Some((4, &b"four"[..])));
        assert_eq!(lines.next_line(), None);
        lines.skip();
        let mut lf = Lines::new(b"a\r\nb\n");
        assert_eq!(lf.next_line(), Some((1, &b"a\r"[..])));
    }
}
