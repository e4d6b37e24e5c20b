//! ICMP and ICMPv6 wire format: building echo / timestamp requests and reading what comes back,
//! as pure functions over byte slices (the sockets live in [`super`]).
//!
//! Parsing never panics: every read is bounds-checked and anything unexpected is `None`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// ICMPv4 echo reply.
pub const V4_ECHO_REPLY: u8 = 0;
/// ICMPv4 destination unreachable.
pub const V4_DEST_UNREACHABLE: u8 = 3;
/// ICMPv4 echo request.
pub const V4_ECHO_REQUEST: u8 = 8;
/// ICMPv4 timestamp request.
pub const V4_TIMESTAMP_REQUEST: u8 = 13;
/// ICMPv4 timestamp reply.
pub const V4_TIMESTAMP_REPLY: u8 = 14;
/// ICMPv6 destination unreachable.
pub const V6_DEST_UNREACHABLE: u8 = 1;
/// ICMPv6 echo request.
pub const V6_ECHO_REQUEST: u8 = 128;
/// ICMPv6 echo reply.
pub const V6_ECHO_REPLY: u8 = 129;

/// IP protocol numbers of ICMP and ICMPv6 (inner headers of error messages).
const PROTO_ICMP: u8 = 1;
const PROTO_ICMPV6: u8 = 58;
/// ICMP header: type, code, checksum, identifier, sequence.
const HEADER: usize = 8;
/// Timestamp messages carry three 32-bit timestamps after the header.
const TIMESTAMP_LEN: usize = HEADER + 12;
/// The fixed IPv6 header.
const V6_HEADER: usize = 40;

/// What one received ICMP message says about a probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// An echo reply: identifier, sequence and the echoed payload.
    EchoReply {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Echoed data.
        payload: &'a [u8],
    },
    /// A timestamp reply (IPv4 only).
    TimestampReply {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
    },
    /// A destination-unreachable error quoting one of our echo or timestamp requests.
    Unreachable {
        /// The ICMP code (net, host, port, admin-prohibited…).
        code: u8,
        /// The destination of the quoted request.
        target: IpAddr,
        /// Identifier of the quoted request.
        id: u16,
        /// Sequence number of the quoted request.
        seq: u16,
    },
}

/// The Internet checksum (RFC 1071) of `data`: ones' complement of the ones' complement sum of
/// its 16-bit big-endian words, an odd last byte padded with zero.
#[must_use]
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        sum += u32::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        sum += u32::from(u16::from_be_bytes([*last, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    // The loop above leaves a 16-bit value.
    !u16::try_from(sum).unwrap_or(u16::MAX)
}

fn header(kind: u8, id: u16, seq: u16, extra: usize) -> Vec<u8> {
    let mut p = Vec::with_capacity(HEADER + extra);
    p.extend_from_slice(&[kind, 0, 0, 0]);
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p
}

fn fill_checksum(p: &mut [u8]) {
    let sum = checksum(p);
    if let Some(field) = p.get_mut(2..4) {
        field.copy_from_slice(&sum.to_be_bytes());
    }
}

/// An ICMPv4 echo request, checksum filled in.
#[must_use]
pub fn echo_request_v4(id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = header(V4_ECHO_REQUEST, id, seq, payload.len());
    p.extend_from_slice(payload);
    fill_checksum(&mut p);
    p
}

/// An ICMPv6 echo request. The checksum covers an IPv6 pseudo-header with the source address,
/// so it is left zero: Linux computes it for ICMPv6 raw and ping sockets.
#[must_use]
pub fn echo_request_v6(id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut p = header(V6_ECHO_REQUEST, id, seq, payload.len());
    p.extend_from_slice(payload);
    p
}

/// An ICMPv4 timestamp request (RFC 792 type 13) with originate time `originate_ms`
/// (milliseconds since midnight UT) and zero receive/transmit times, checksum filled in.
#[must_use]
pub fn timestamp_request(id: u16, seq: u16, originate_ms: u32) -> Vec<u8> {
    let mut p = header(V4_TIMESTAMP_REQUEST, id, seq, 12);
    p.extend_from_slice(&originate_ms.to_be_bytes());
    p.extend_from_slice(&[0; 8]);
    fill_checksum(&mut p);
    p
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([s[0], s[1]]))
}

/// Skips an IPv4 header (as raw IPv4 sockets deliver it), returning the payload it announces.
fn strip_ipv4_header(packet: &[u8], protocol: u8) -> Option<(Ipv4Addr, &[u8])> {
    let first = *packet.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < 20 || *packet.get(9)? != protocol {
        return None;
    }
    let total = usize::from(be16(packet, 2)?);
    // Quoted headers in error messages may be cut short; the kernel may also report a total
    // length in host order on some systems, so only clamp to what is there.
    let end = if (ihl..=packet.len()).contains(&total) {
        total
    } else {
        packet.len()
    };
    let dst: [u8; 4] = packet.get(16..20)?.try_into().ok()?;
    Some((Ipv4Addr::from(dst), packet.get(ihl..end)?))
}

/// Parses an ICMPv4 message; `with_ip_header` when it comes from a raw socket (which delivers
/// the IP header too), not from a ping socket. Messages that are not answers to echo or
/// timestamp requests (including our own requests looped back), and bad checksums, give `None`.
#[must_use]
pub fn parse_v4(packet: &[u8], with_ip_header: bool) -> Option<Message<'_>> {
    let icmp = if with_ip_header {
        strip_ipv4_header(packet, PROTO_ICMP)?.1
    } else {
        packet
    };
    if icmp.len() < HEADER || checksum(icmp) != 0 {
        return None;
    }
    let (id, seq) = (be16(icmp, 4)?, be16(icmp, 6)?);
    match icmp[0] {
        V4_ECHO_REPLY => Some(Message::EchoReply {
            id,
            seq,
            payload: &icmp[HEADER..],
        }),
        V4_TIMESTAMP_REPLY if icmp.len() >= TIMESTAMP_LEN => {
            Some(Message::TimestampReply { id, seq })
        }
        V4_DEST_UNREACHABLE => {
            let (target, quoted) = strip_ipv4_header(&icmp[HEADER..], PROTO_ICMP)?;
            if !matches!(quoted.first()?, &V4_ECHO_REQUEST | &V4_TIMESTAMP_REQUEST) {
                return None;
            }
            Some(Message::Unreachable {
                code: icmp[1],
                target: IpAddr::V4(target),
                id: be16(quoted, 4)?,
                seq: be16(quoted, 6)?,
            })
        }
        _ => None,
    }
}

/// Parses an ICMPv6 message (raw and ping sockets both deliver it without the IPv6 header; the
/// kernel has verified the checksum).
#[must_use]
pub fn parse_v6(icmp: &[u8]) -> Option<Message<'_>> {
    if icmp.len() < HEADER {
        return None;
    }
    let (id, seq) = (be16(icmp, 4)?, be16(icmp, 6)?);
    match icmp[0] {
        V6_ECHO_REPLY => Some(Message::EchoReply {
            id,
            seq,
            payload: &icmp[HEADER..],
        }),
        V6_DEST_UNREACHABLE => {
            let inner = icmp.get(HEADER..)?;
            // Only a quoted fixed header directly followed by ICMPv6 (no extension headers).
            if inner.first()? >> 4 != 6 || *inner.get(6)? != PROTO_ICMPV6 {
                return None;
            }
            let dst: [u8; 16] = inner.get(24..40)?.try_into().ok()?;
            let quoted = inner.get(V6_HEADER..)?;
            if *quoted.first()? != V6_ECHO_REQUEST {
                return None;
            }
            Some(Message::Unreachable {
                code: icmp[1],
                target: IpAddr::V6(Ipv6Addr::from(dst)),
                id: be16(quoted, 4)?,
                seq: be16(quoted, 6)?,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 20-byte IPv4 header from `src` to `dst` carrying `len` bytes of protocol 1.
    fn ipv4_header(src: [u8; 4], dst: [u8; 4], len: usize) -> Vec<u8> {
        let total = u16::try_from(20 + len).unwrap().to_be_bytes();
        let mut h = vec![
            0x45, 0, total[0], total[1], 0x12, 0x34, 0x40, 0, 64, 1, 0, 0,
        ];
        h.extend_from_slice(&src);
        h.extend_from_slice(&dst);
        let sum = checksum(&h).to_be_bytes();
        h[10..12].copy_from_slice(&sum);
        h
    }

    #[test]
    fn checksum_known_values() {
        // RFC 1071 example words 0001 f203 f4f5 f6f7: sum ddf2, checksum 220d.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            0x220d
        );
        assert_eq!(checksum(&[]), 0xffff);
        // Odd length: the last byte is the high half of a word.
        assert_eq!(checksum(&[0xab]), !0xab00);
        // A message with its checksum filled in sums to zero.
        assert_eq!(checksum(&echo_request_v4(7, 9, b"hello")), 0);
    }

    #[test]
    fn echo_request_v4_bytes() {
        let p = echo_request_v4(0x1234, 0x0001, &[0xde, 0xad, 0xbe, 0xef]);
        // 08 00 | sum | 12 34 | 00 01 | de ad be ef; sum = !(0x0800+0x1234+0x0001+0xdead+0xbeef)
        assert_eq!(
            p,
            [
                0x08, 0x00, 0x48, 0x2d, 0x12, 0x34, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef
            ]
        );
    }

    #[test]
    fn timestamp_request_bytes() {
        let p = timestamp_request(0xabcd, 2, 0x0102_0304);
        assert_eq!(p.len(), 20);
        assert_eq!(&p[..2], &[13, 0]);
        assert_eq!(&p[4..12], &[0xab, 0xcd, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04]);
        assert_eq!(&p[12..], &[0; 8]);
        assert_eq!(checksum(&p), 0);
    }

    #[test]
    fn echo_request_v6_bytes() {
        let p = echo_request_v6(1, 2, b"ab");
        assert_eq!(p, [128, 0, 0, 0, 0, 1, 0, 2, b'a', b'b']);
    }

    /// The reply a host sends to `request`: type changed, checksum recomputed.
    fn reply_to(request: &[u8], kind: u8) -> Vec<u8> {
        let mut r = request.to_vec();
        r[0] = kind;
        r[2..4].copy_from_slice(&[0, 0]);
        let sum = checksum(&r).to_be_bytes();
        r[2..4].copy_from_slice(&sum);
        r
    }

    #[test]
    fn parses_echo_reply_with_and_without_ip_header() {
        let icmp = reply_to(&echo_request_v4(0x4242, 17, b"token!!!"), V4_ECHO_REPLY);
        let expected = Message::EchoReply {
            id: 0x4242,
            seq: 17,
            payload: b"token!!!",
        };
        assert_eq!(parse_v4(&icmp, false), Some(expected));
        let mut raw = ipv4_header([127, 0, 0, 9], [127, 0, 0, 1], icmp.len());
        raw.extend_from_slice(&icmp);
        assert_eq!(parse_v4(&raw, true), Some(expected));
        // Trailing link-layer padding beyond the IP total length is not payload.
        raw.extend_from_slice(&[0, 0]);
        assert_eq!(parse_v4(&raw, true), Some(expected));
    }

    #[test]
    fn ignores_own_requests_and_bad_checksums() {
        let request = echo_request_v4(1, 1, b"x");
        assert_eq!(parse_v4(&request, false), None);
        let mut reply = reply_to(&request, V4_ECHO_REPLY);
        reply[8] ^= 0xff;
        assert_eq!(parse_v4(&reply, false), None);
        assert_eq!(parse_v6(&echo_request_v6(1, 1, b"x")), None);
    }

    #[test]
    fn parses_timestamp_reply() {
        let reply = reply_to(&timestamp_request(5, 6, 1000), V4_TIMESTAMP_REPLY);
        assert_eq!(
            parse_v4(&reply, false),
            Some(Message::TimestampReply { id: 5, seq: 6 })
        );
        // Too short to be a timestamp message.
        let short = reply_to(&reply[..8], V4_TIMESTAMP_REPLY);
        assert_eq!(parse_v4(&short, false), None);
    }

    #[test]
    fn parses_v4_destination_unreachable() {
        let request = echo_request_v4(0x0101, 0x0202, &[0; 8]);
        let quoted_ip = ipv4_header([10, 0, 0, 1], [192, 0, 2, 7], request.len());
        let mut error = vec![V4_DEST_UNREACHABLE, 1, 0, 0, 0, 0, 0, 0];
        error.extend_from_slice(&quoted_ip);
        error.extend_from_slice(&request[..8]); // only 64 bits are guaranteed
        let sum = checksum(&error).to_be_bytes();
        error[2..4].copy_from_slice(&sum);
        let mut raw = ipv4_header([192, 0, 2, 254], [10, 0, 0, 1], error.len());
        raw.extend_from_slice(&error);
        assert_eq!(
            parse_v4(&raw, true),
            Some(Message::Unreachable {
                code: 1,
                target: "192.0.2.7".parse().unwrap(),
                id: 0x0101,
                seq: 0x0202,
            })
        );
        // An error about a UDP datagram is not about our probe.
        let mut udp = error.clone();
        udp[8 + 9] = 17;
        udp[2..4].copy_from_slice(&[0, 0]);
        let sum = checksum(&udp).to_be_bytes();
        udp[2..4].copy_from_slice(&sum);
        assert_eq!(parse_v4(&udp, false), None);
    }

    #[test]
    fn parses_v6_messages() {
        let reply = [129, 0, 0x12, 0x34, 0xbe, 0xef, 0x00, 0x05, 1, 2, 3];
        assert_eq!(
            parse_v6(&reply),
            Some(Message::EchoReply {
                id: 0xbeef,
                seq: 5,
                payload: &[1, 2, 3]
            })
        );
        let mut error = vec![V6_DEST_UNREACHABLE, 3, 0, 0, 0, 0, 0, 0];
        let mut inner = vec![0x60, 0, 0, 0, 0, 16, PROTO_ICMPV6, 64];
        inner.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        inner.extend_from_slice(&"2001:db8::9".parse::<Ipv6Addr>().unwrap().octets());
        error.extend_from_slice(&inner);
        error.extend_from_slice(&echo_request_v6(0x0a0b, 0x0c0d, &[0; 8]));
        assert_eq!(
            parse_v6(&error),
            Some(Message::Unreachable {
                code: 3,
                target: "2001:db8::9".parse().unwrap(),
                id: 0x0a0b,
                seq: 0x0c0d,
            })
        );
        // Cut inside the quoted header.
        assert_eq!(parse_v6(&error[..30]), None);
    }

    #[test]
    fn never_panics_on_truncated_or_mutated_bytes() {
        let mut samples: Vec<Vec<u8>> = Vec::new();
        let icmp = reply_to(&echo_request_v4(3, 4, b"payload!"), V4_ECHO_REPLY);
        let mut raw = ipv4_header([127, 0, 0, 2], [127, 0, 0, 1], icmp.len());
        raw.extend_from_slice(&icmp);
        samples.push(raw);
        samples.push(reply_to(&timestamp_request(1, 2, 3), V4_TIMESTAMP_REPLY));
        let mut unreach = vec![V4_DEST_UNREACHABLE, 1, 0, 0, 0, 0, 0, 0];
        unreach.extend_from_slice(&ipv4_header([1, 1, 1, 1], [2, 2, 2, 2], 8));
        unreach.extend_from_slice(&echo_request_v4(1, 1, &[]));
        samples.push(unreach);
        let mut v6 = vec![V6_DEST_UNREACHABLE, 0, 0, 0, 0, 0, 0, 0, 0x60];
        v6.resize(48, 0);
        v6[8 + 6] = PROTO_ICMPV6;
        v6.extend_from_slice(&echo_request_v6(1, 1, &[]));
        samples.push(v6);

        // A small deterministic generator (xorshift) for reproducible mutations.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for sample in &samples {
            for cut in 0..=sample.len() {
                let p = &sample[..cut];
                let _ = (parse_v4(p, true), parse_v4(p, false), parse_v6(p));
            }
            for _ in 0..2000 {
                let mut p = sample.clone();
                for _ in 0..(next() % 4 + 1) {
                    let i = usize::try_from(next()).unwrap() % p.len();
                    p[i] = u8::try_from(next() & 0xff).unwrap();
                }
                let cut = usize::try_from(next()).unwrap() % (p.len() + 1);
                let _ = (parse_v4(&p, true), parse_v4(&p[..cut], false), parse_v6(&p));
            }
        }
        for _ in 0..5000 {
            let len = usize::try_from(next() % 80).unwrap();
            let p: Vec<u8> = (0..len)
                .map(|_| u8::try_from(next() & 0xff).unwrap())
                .collect();
            let _ = (parse_v4(&p, true), parse_v4(&p, false), parse_v6(&p));
        }
    }
}
