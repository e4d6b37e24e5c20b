//! Replacement of addresses and words written as text inside string values: dotted IPv4
//! (`172.27.192.33`), MACs (`00:18:71:c1:e0:00`, `00-18-…`, `0018.71c1.e000`, `001871c1e000`)
//! and literal words (serial numbers, sysContact, sysLocation). Only addresses that already have
//! a replacement are rewritten; the replacement keeps the notation and the letter case.

use std::collections::HashMap;
use std::fmt::Write as _;

/// What to look for.
pub(super) struct Rules<'a> {
    /// Address replacements.
    pub(super) ips: &'a HashMap<[u8; 4], [u8; 4]>,
    /// MAC replacements.
    pub(super) macs: &'a HashMap<[u8; 6], [u8; 6]>,
    /// Literal words and their replacements, longest first.
    words: Vec<(Vec<u8>, Vec<u8>)>,
    /// Whether some word starts with this octet.
    starts: [bool; 256],
}

impl<'a> Rules<'a> {
    pub(super) fn new(
        ips: &'a HashMap<[u8; 4], [u8; 4]>,
        macs: &'a HashMap<[u8; 6], [u8; 6]>,
        mut words: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Self {
        words.retain(|(from, to)| !from.is_empty() && from != to);
        words.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        words.dedup_by(|a, b| a.0 == b.0);
        let mut starts = [false; 256];
        for (from, _) in &words {
            starts[usize::from(from[0])] = true;
        }
        Self {
            ips,
            macs,
            words,
            starts,
        }
    }
}

/// The text with every known address and word replaced, or `None` when nothing matched.
pub(super) fn rewrite(text: &[u8], rules: &Rules<'_>) -> Option<Vec<u8>> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < text.len() {
        match match_at(text, at, rules) {
            Some((len, replacement)) => {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(text.len() + 16));
                buf.extend_from_slice(&text[copied..at]);
                buf.extend_from_slice(&replacement);
                at += len;
                copied = at;
            }
            None => at += 1,
        }
    }
    let mut buf = out?;
    buf.extend_from_slice(&text[copied..]);
    Some(buf)
}

/// A match starting at `at`: its length and replacement.
fn match_at(text: &[u8], at: usize, rules: &Rules<'_>) -> Option<(usize, Vec<u8>)> {
    let b = text[at];
    if rules.starts[usize::from(b)] {
        let rest = &text[at..];
        if let Some((from, to)) = rules.words.iter().find(|(from, _)| rest.starts_with(from)) {
            return Some((from.len(), to.clone()));
        }
    }
    let before = at.checked_sub(1).map(|i| text[i]);
    if b.is_ascii_digit()
        && !rules.ips.is_empty()
        && !before.is_some_and(|p| p.is_ascii_digit() || p == b'.')
        && let Some((len, ip)) = dotted_quad(&text[at..])
        && let Some(new) = rules.ips.get(&ip)
    {
        let mut s = String::with_capacity(15);
        let _ = write!(s, "{}.{}.{}.{}", new[0], new[1], new[2], new[3]);
        return Some((len, s.into_bytes()));
    }
    if b.is_ascii_hexdigit()
        && !rules.macs.is_empty()
        && !before.is_some_and(|p| p.is_ascii_alphanumeric() || matches!(p, b':' | b'-' | b'.'))
        && let Some((len, mac, style)) = mac_text(&text[at..])
        && let Some(new) = rules.macs.get(&mac)
    {
        return Some((len, style.render(*new)));
    }
    None
}

/// `a.b.c.d` at the start of `text`, not followed by a digit or `.digit`: its length and octets.
fn dotted_quad(text: &[u8]) -> Option<(usize, [u8; 4])> {
    let mut ip = [0u8; 4];
    let mut at = 0;
    for (i, slot) in ip.iter_mut().enumerate() {
        if i > 0 {
            if text.get(at) != Some(&b'.') {
                return None;
            }
            at += 1;
        }
        let digits = text[at..]
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 3 {
            return None;
        }
        let value = text[at..at + digits]
            .iter()
            .fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
        *slot = u8::try_from(value).ok()?;
        at += digits;
    }
    let continues = match text.get(at) {
        Some(b) if b.is_ascii_digit() => true,
        Some(b'.') => text.get(at + 1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    (!continues).then_some((at, ip))
}

/// How a MAC was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MacStyle {
    /// `:` or `-` between octets, `.` between groups of four digits (Cisco), or none.
    separator: Option<u8>,
    upper: bool,
}

impl MacStyle {
    fn render(self, mac: [u8; 6]) -> Vec<u8> {
        let mut s = String::with_capacity(17);
        for (i, octet) in mac.iter().enumerate() {
            match self.separator {
                Some(b'.') if i == 2 || i == 4 => s.push('.'),
                Some(sep) if sep != b'.' && i > 0 => s.push(char::from(sep)),
                _ => {}
            }
            let _ = if self.upper {
                write!(s, "{octet:02X}")
            } else {
                write!(s, "{octet:02x}")
            };
        }
        s.into_bytes()
    }
}

/// A MAC in one of the usual notations at the start of `text`, not followed by more of the same.
fn mac_text(text: &[u8]) -> Option<(usize, [u8; 6], MacStyle)> {
    let hex = |i: usize| text.get(i).and_then(|&b| (b as char).to_digit(16));
    let octet = |i: usize| Some(u8::try_from(hex(i)? << 4 | hex(i + 1)?).unwrap_or(0));
    let (len, separator, positions): (usize, Option<u8>, [usize; 6]) = match text.get(2) {
        Some(&sep @ (b':' | b'-')) => (17, Some(sep), [0, 3, 6, 9, 12, 15]),
        _ if text.get(4) == Some(&b'.') => (14, Some(b'.'), [0, 2, 5, 7, 10, 12]),
        _ => (12, None, [0, 2, 4, 6, 8, 10]),
    };
    let mut mac = [0u8; 6];
    for (slot, &pos) in mac.iter_mut().zip(&positions) {
        *slot = octet(pos)?;
    }
    if let Some(sep) = separator {
        let seps: &[usize] = if sep == b'.' {
            &[4, 9]
        } else {
            &[2, 5, 8, 11, 14]
        };
        if seps.iter().any(|&i| text.get(i) != Some(&sep)) {
            return None;
        }
    }
    let after = text.get(len);
    let continues = match separator {
        None => after.is_some_and(u8::is_ascii_alphanumeric),
        Some(sep) => {
            after.is_some_and(u8::is_ascii_hexdigit)
                || (after == Some(&sep) && text.get(len + 1).is_some_and(u8::is_ascii_hexdigit))
        }
    };
    if continues {
        return None;
    }
    let upper = text[..len].iter().any(u8::is_ascii_uppercase);
    Some((len, mac, MacStyle { separator, upper }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules<'a>(
        ips: &'a HashMap<[u8; 4], [u8; 4]>,
        macs: &'a HashMap<[u8; 6], [u8; 6]>,
    ) -> Rules<'a> {
        Rules::new(
            ips,
            macs,
            vec![
                (b"SG707SU03Y".to_vec(), b"QK123AB45Z".to_vec()),
                (b"datacenter".to_vec(), b"location-1".to_vec()),
            ],
        )
    }

    fn run(text: &str) -> String {
        let ips = HashMap::from([([172, 27, 192, 33], [10, 9, 8, 33])]);
        let macs = HashMap::from([(
            [0x00, 0x18, 0x71, 0xc1, 0xe0, 0x00],
            [0x02, 0xab, 0xcd, 0x01, 0x02, 0x03],
        )]);
        let r = rules(&ips, &macs);
        rewrite(text.as_bytes(), &r)
            .map_or_else(|| text.to_owned(), |b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn addresses_in_text() {
        assert_eq!(run("ip 172.27.192.33."), "ip 10.9.8.33.");
        assert_eq!(run("172.27.192.33:161"), "10.9.8.33:161");
        assert_eq!(run("172.27.192.331"), "172.27.192.331");
        assert_eq!(run("1172.27.192.33"), "1172.27.192.33");
        assert_eq!(run("v2.172.27.192.33"), "v2.172.27.192.33");
        assert_eq!(run("172.27.192.33.4"), "172.27.192.33.4");
        assert_eq!(run("mac 00:18:71:c1:e0:00"), "mac 02:ab:cd:01:02:03");
        assert_eq!(run("MAC 00-18-71-C1-E0-00!"), "MAC 02-AB-CD-01-02-03!");
        assert_eq!(run("0018.71c1.e000"), "02ab.cd01.0203");
        assert_eq!(run("id=001871C1E000"), "id=02ABCD010203");
        assert_eq!(run("x001871c1e000"), "x001871c1e000");
        assert_eq!(run("00:18:71:c1:e0:00:01"), "00:18:71:c1:e0:00:01");
        assert_eq!(
            run("HPJ8697ASG707SU03Y in datacenter"),
            "HPJ8697AQK123AB45Z in location-1"
        );
        assert_eq!(
            run("nothing here 10.0.0.1 aa:bb:cc:dd:ee:ff"),
            "nothing here 10.0.0.1 aa:bb:cc:dd:ee:ff"
        );
        assert_eq!(run(""), "");
        assert_eq!(run("1.2.3"), "1.2.3");
        assert_eq!(run("00:18:71"), "00:18:71");
    }

    #[test]
    fn untouched_text_is_not_copied() {
        let ips = HashMap::new();
        let macs = HashMap::new();
        assert_eq!(rewrite(b"plain", &rules(&ips, &macs)), None);
    }
}
