//! Which clients the HTTP port trusts (`httpd-trust`): single addresses, CIDR networks, ranges
//! `a.b.c.d - e.f.g.h`, and host names resolved once when the list is built. IPv4 entries also
//! match the IPv4-mapped IPv6 form (`::ffff:a.b.c.d`) of their addresses.

use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::time::Duration;

use super::error::HttpdError;

/// The longest a host name of the trust list may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(10);

/// The clients trusted to ask for a run and to read the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustList {
    spans: Vec<Span>,
}

/// An inclusive range of addresses of one family. IPv4-mapped IPv6 addresses are kept as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    V4(u32, u32),
    V6(u128, u128),
}

impl Span {
    fn single(ip: IpAddr) -> Span {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Span::V4(v4.to_bits(), v4.to_bits()),
            IpAddr::V6(v6) => Span::V6(v6.to_bits(), v6.to_bits()),
        }
    }

    fn contains(self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Span::V4(lo, hi), IpAddr::V4(v4)) => (lo..=hi).contains(&v4.to_bits()),
            (Span::V6(lo, hi), IpAddr::V6(v6)) => (lo..=hi).contains(&v6.to_bits()),
            _ => false,
        }
    }
}

/// One entry understood without the network.
enum Parsed {
    Span(Span),
    Name(String),
}

impl TrustList {
    /// The list of these `httpd-trust` entries (each may also be a comma list), with the host
    /// names resolved. A syntax error fails the whole list and names the entry; a name that
    /// does not resolve only gives a warning (returned, for the caller to log), as upstream.
    pub async fn parse(entries: &[String]) -> Result<(TrustList, Vec<String>), HttpdError> {
        TrustList::parse_with(entries, |name| async move {
            match tokio::time::timeout(RESOLVE_TIMEOUT, resolve(&name)).await {
                Ok(result) => result,
                Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "timed out")),
            }
        })
        .await
    }

    /// [`TrustList::parse`] with another resolver (tests).
    pub(crate) async fn parse_with<F, Fut>(
        entries: &[String],
        mut resolver: F,
    ) -> Result<(TrustList, Vec<String>), HttpdError>
    where
        F: FnMut(String) -> Fut,
        Fut: Future<Output = io::Result<Vec<IpAddr>>>,
    {
        let mut warnings = Vec::new();
        let mut parsed = Vec::new();
        for entry in entries.iter().flat_map(|e| e.split(',')) {
            let entry = entry.trim();
            if !entry.is_empty() {
                parsed.push((entry, parse_entry(entry, &mut warnings)?));
            }
        }
        let mut list = TrustList::default();
        for (entry, parsed) in parsed {
            match parsed {
                Parsed::Span(span) => list.spans.push(span),
                Parsed::Name(name) => match resolver(name).await {
                    Ok(addrs) if !addrs.is_empty() => {
                        list.spans.extend(addrs.into_iter().map(Span::single));
                    }
                    Ok(_) => warnings.push(format!(
                        "httpd-trust: {entry:?} resolves to no address; ignored"
                    )),
                    Err(e) => warnings.push(format!(
                        "httpd-trust: cannot resolve {entry:?} ({e}); ignored"
                    )),
                },
            }
        }
        list.spans.dedup();
        Ok((list, warnings))
    }

    /// A list trusting exactly these addresses.
    pub fn from_addrs(addrs: impl IntoIterator<Item = IpAddr>) -> TrustList {
        TrustList {
            spans: addrs.into_iter().map(Span::single).collect(),
        }
    }

    /// Whether `ip` is trusted (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.spans.iter().any(|span| span.contains(ip))
    }

    /// Whether the list trusts nobody.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// The addresses of a host: an address literal (brackets allowed, as in URLs) as it is, a name
/// through the system resolver. For the daemon, which trusts its server targets' addresses.
pub async fn resolve(host: &str) -> io::Result<Vec<IpAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let mut addrs: Vec<IpAddr> = tokio::net::lookup_host((bare, 0))
        .await?
        .map(|a| a.ip())
        .collect();
    addrs.sort_unstable();
    addrs.dedup();
    Ok(addrs)
}

/// One entry: an address, `addr/prefix`, `start - end`, or a host name (checked, not resolved).
fn parse_entry(entry: &str, warnings: &mut Vec<String>) -> Result<Parsed, HttpdError> {
    let invalid = |reason| HttpdError::TrustEntry {
        entry: entry.to_owned(),
        reason,
    };
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Ok(Parsed::Span(Span::single(ip)));
    }
    if let Some((addr, prefix)) = entry.split_once('/') {
        let addr = addr
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| invalid("the network is not an IP address"))?;
        let prefix = prefix
            .trim()
            .parse::<u8>()
            .map_err(|_| invalid("the prefix length is not a number"))?;
        let (span, host_bits) = network(addr, prefix).ok_or_else(|| invalid("prefix too long"))?;
        if host_bits {
            warnings.push(format!(
                "httpd-trust: {entry:?} has host bits set; the whole network is trusted"
            ));
        }
        return Ok(Parsed::Span(span));
    }
    if let Some((start, end)) = entry.split_once('-') {
        match (start.trim().parse::<IpAddr>(), end.trim().parse::<IpAddr>()) {
            (Ok(start), Ok(end)) => {
                return match (Span::single(start), Span::single(end)) {
                    (Span::V4(lo, _), Span::V4(hi, _)) if lo <= hi => {
                        Ok(Parsed::Span(Span::V4(lo, hi)))
                    }
                    (Span::V6(lo, _), Span::V6(hi, _)) if lo <= hi => {
                        Ok(Parsed::Span(Span::V6(lo, hi)))
                    }
                    (Span::V4(..), Span::V4(..)) | (Span::V6(..), Span::V6(..)) => {
                        Err(invalid("the range ends before it starts"))
                    }
                    _ => Err(invalid("the range mixes IPv4 and IPv6")),
                };
            }
            (Ok(_), Err(_)) | (Err(_), Ok(_)) => {
                return Err(invalid("a range bound is not an IP address"));
            }
            // Neither side is an address: a host name with a hyphen.
            (Err(_), Err(_)) => {}
        }
    }
    if is_host_name(entry) {
        Ok(Parsed::Name(entry.to_owned()))
    } else {
        Err(invalid("not an IP address, network, range or host name"))
    }
}

/// The span of `addr/prefix` and whether `addr` had host bits set; `None` if the prefix is too
/// long. An IPv4-mapped IPv6 network of prefix 96 or more is the IPv4 network it maps.
fn network(addr: IpAddr, prefix: u8) -> Option<(Span, bool)> {
    match addr {
        IpAddr::V4(v4) if prefix <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            let bits = v4.to_bits();
            Some((
                Span::V4(bits & mask, (bits & mask) | !mask),
                bits & !mask != 0,
            ))
        }
        IpAddr::V6(v6) if prefix <= 128 => match v6.to_ipv4_mapped() {
            Some(v4) if prefix >= 96 => network(IpAddr::V4(v4), prefix - 96),
            _ => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                let bits = v6.to_bits();
                Some((
                    Span::V6(bits & mask, (bits & mask) | !mask),
                    bits & !mask != 0,
                ))
            }
        },
        _ => None,
    }
}

/// A plausible DNS name: dot-separated labels of letters, digits, `-` and `_`, not all digits
/// (`1.2.3` is a mistyped address, which the system resolver would read as 1.2.0.3).
fn is_host_name(text: &str) -> bool {
    let name = text.strip_suffix('.').unwrap_or(text);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        && !name.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn strings(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| (*e).to_owned()).collect()
    }

    /// Parses without any network: `known.example` resolves to 192.0.2.9, other names fail.
    async fn offline(entries: &[&str]) -> Result<(TrustList, Vec<String>), HttpdError> {
        TrustList::parse_with(&strings(entries), |name| async move {
            if name == "known.example" {
                Ok(vec![ip("192.0.2.9")])
            } else {
                Err(io::Error::new(io::ErrorKind::NotFound, "no such host"))
            }
        })
        .await
    }

    async fn list(entries: &[&str]) -> TrustList {
        let (list, warnings) = offline(entries).await.unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        list
    }

    #[tokio::test]
    async fn single_addresses() {
        let list = list(&["192.0.2.1", "2001:db8::1"]).await;
        assert!(list.trusts(ip("192.0.2.1")));
        assert!(!list.trusts(ip("192.0.2.2")));
        assert!(list.trusts(ip("2001:db8::1")));
        assert!(!list.trusts(ip("2001:db8::2")));
        assert!(!TrustList::default().trusts(ip("127.0.0.1")));
        assert!(TrustList::default().is_empty());
    }

    #[tokio::test]
    async fn ipv4_entries_match_mapped_addresses() {
        let list = list(&["192.0.2.1", "10.1.0.0/16"]).await;
        assert!(list.trusts(ip("::ffff:192.0.2.1")));
        assert!(list.trusts(ip("::ffff:10.1.200.3")));
        assert!(!list.trusts(ip("::ffff:192.0.2.2")));
        // And a mapped entry matches the plain IPv4 address.
        let mapped = list_of("::ffff:192.0.2.7").await;
        assert!(mapped.trusts(ip("192.0.2.7")));
        let mapped_net = list_of("::ffff:10.0.0.0/104").await;
        assert!(mapped_net.trusts(ip("10.255.0.1")));
        assert!(!mapped_net.trusts(ip("11.0.0.1")));
    }

    async fn list_of(entry: &str) -> TrustList {
        list(&[entry]).await
    }

    #[tokio::test]
    async fn cidr_networks() {
        let list = list(&["192.168.0.0/24", "fd00:1::/64", "10.0.0.0/8"]).await;
        assert!(list.trusts(ip("192.168.0.0")));
        assert!(list.trusts(ip("192.168.0.255")));
        assert!(!list.trusts(ip("192.168.1.0")));
        assert!(list.trusts(ip("fd00:1::abcd")));
        assert!(list.trusts(ip("fd00:1::ffff:ffff:ffff:ffff")));
        assert!(!list.trusts(ip("fd00:2::1")));
        assert!(list.trusts(ip("10.200.3.4")));
        let all = list_of("0.0.0.0/0").await;
        assert!(all.trusts(ip("203.0.113.5")));
        assert!(!all.trusts(ip("::1")));
        let host = list_of("192.0.2.5/32").await;
        assert!(host.trusts(ip("192.0.2.5")) && !host.trusts(ip("192.0.2.6")));
    }

    #[tokio::test]
    async fn host_bits_are_a_warning() {
        let (list, warnings) = offline(&["192.168.0.7/24"]).await.unwrap();
        assert!(list.trusts(ip("192.168.0.200")));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("192.168.0.7/24"), "{warnings:?}");
    }

    #[tokio::test]
    async fn ranges_with_and_without_spaces() {
        for entry in [
            "192.0.2.10 - 192.0.2.20",
            "192.0.2.10-192.0.2.20",
            "192.0.2.10 -192.0.2.20",
        ] {
            let list = list_of(entry).await;
            assert!(list.trusts(ip("192.0.2.10")), "{entry}");
            assert!(list.trusts(ip("192.0.2.15")), "{entry}");
            assert!(list.trusts(ip("192.0.2.20")), "{entry}");
            assert!(!list.trusts(ip("192.0.2.21")), "{entry}");
            assert!(!list.trusts(ip("192.0.2.9")), "{entry}");
        }
        let v6 = list_of("2001:db8::10-2001:db8::20").await;
        assert!(v6.trusts(ip("2001:db8::1a")));
        assert!(!v6.trusts(ip("2001:db8::21")));
    }

    #[tokio::test]
    async fn comma_lists_and_blanks() {
        let list = list(&["192.0.2.1, 192.0.2.2,", "  "]).await;
        assert!(list.trusts(ip("192.0.2.1")));
        assert!(list.trusts(ip("192.0.2.2")));
    }

    #[tokio::test]
    async fn bad_entries_are_errors_naming_them() {
        for (entry, reason) in [
            ("1.2.3", "not an IP address"),
            ("192.0.2.300", "not an IP address"),
            ("192.0.2.0/33", "prefix too long"),
            ("2001:db8::/129", "prefix too long"),
            ("192.0.2.0/x", "prefix length"),
            ("nonsense/24", "network is not"),
            ("192.0.2.20 - 192.0.2.10", "ends before"),
            ("192.0.2.1 - 2001:db8::1", "mixes"),
            ("192.0.2.1 - host", "range bound"),
            ("2001:db8:::1", "not an IP address"),
            ("bad host!", "not an IP address"),
        ] {
            let err = offline(&["192.0.2.1", entry]).await.unwrap_err();
            let text = err.to_string();
            assert!(text.contains(&format!("{entry:?}")), "{text}");
            assert!(text.contains(reason), "{entry}: {text}");
            assert!(matches!(err, HttpdError::TrustEntry { entry: e, .. } if e == entry));
        }
    }

    #[tokio::test]
    async fn names_are_resolved_and_unknown_names_are_warnings() {
        let (list, warnings) = offline(&["known.example", "glpi-server.invalid", "192.0.2.1"])
            .await
            .unwrap();
        assert!(list.trusts(ip("192.0.2.9")));
        assert!(list.trusts(ip("::ffff:192.0.2.9")));
        assert!(list.trusts(ip("192.0.2.1")));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("glpi-server.invalid"), "{warnings:?}");
        assert!(warnings[0].contains("no such host"), "{warnings:?}");
    }

    #[tokio::test]
    async fn localhost_resolves() {
        let (list, warnings) = TrustList::parse(&strings(&["localhost"])).await.unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(list.trusts(ip("127.0.0.1")) || list.trusts(ip("::1")));
        assert!(!list.trusts(ip("192.0.2.1")));
    }

    #[tokio::test]
    async fn resolve_takes_literals_as_they_are() {
        assert_eq!(resolve("192.0.2.1").await.unwrap(), vec![ip("192.0.2.1")]);
        assert_eq!(
            resolve("[2001:db8::1]").await.unwrap(),
            vec![ip("2001:db8::1")]
        );
        assert!(!resolve("localhost").await.unwrap().is_empty());
    }

    #[test]
    fn host_name_syntax() {
        assert!(is_host_name("glpi"));
        assert!(is_host_name("glpi-server.example.com."));
        assert!(is_host_name("1host"));
        assert!(!is_host_name("1.2.3"));
        assert!(!is_host_name("a..b"));
        assert!(!is_host_name("a b"));
        assert!(!is_host_name(""));
        assert!(!is_host_name(&"a".repeat(64)));
    }

    #[test]
    fn from_addrs_trusts_exactly_those() {
        let list = TrustList::from_addrs([ip("127.0.0.1"), ip("::1")]);
        assert!(list.trusts(ip("127.0.0.1")));
        assert!(list.trusts(ip("::ffff:127.0.0.1")));
        assert!(list.trusts(ip("::1")));
        assert!(!list.trusts(ip("127.0.0.2")));
    }
}
