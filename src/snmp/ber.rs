//! BER encoding and decoding of the ASN.1 subset SNMP uses: a reverse-writing encoder (lengths are
//! known when headers are written, no splicing) and a bounds-checked, non-panicking decoder.

use super::oid::Oid;
use super::value::Value;

/// ASN.1 / SNMP tags.
pub mod tag {
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// OCTET STRING.
    pub const OCTET_STRING: u8 = 0x04;
    /// NULL.
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// SEQUENCE.
    pub const SEQUENCE: u8 = 0x30;
    /// IpAddress.
    pub const IP_ADDRESS: u8 = 0x40;
    /// Counter32.
    pub const COUNTER32: u8 = 0x41;
    /// Gauge32 / Unsigned32.
    pub const GAUGE32: u8 = 0x42;
    /// TimeTicks.
    pub const TIMETICKS: u8 = 0x43;
    /// Opaque.
    pub const OPAQUE: u8 = 0x44;
    /// Counter64.
    pub const COUNTER64: u8 = 0x46;
    /// UInteger32 (SMIv1, obsolete; read as Gauge32).
    pub const UINTEGER32: u8 = 0x47;
    /// noSuchObject exception.
    pub const NO_SUCH_OBJECT: u8 = 0x80;
    /// noSuchInstance exception.
    pub const NO_SUCH_INSTANCE: u8 = 0x81;
    /// endOfMibView exception.
    pub const END_OF_MIB_VIEW: u8 = 0x82;
}

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The data ends inside an element.
    #[error("truncated BER data at offset {offset}")]
    Truncated {
        /// Offset (within the decoded slice) where more bytes were needed.
        offset: usize,
    },
    /// A length field is malformed (indefinite, too long, or beyond the data).
    #[error("bad BER length at offset {offset}")]
    BadLength {
        /// Offset of the length field.
        offset: usize,
    },
    /// A different element was expected.
    #[error("expected tag 0x{expected:02x}, found 0x{found:02x} at offset {offset}")]
    UnexpectedTag {
        /// The wanted tag.
        expected: u8,
        /// The tag seen.
        found: u8,
        /// Its offset.
        offset: usize,
    },
    /// An INTEGER does not fit the target type or is empty.
    #[error("bad INTEGER encoding")]
    BadInteger,
    /// An OBJECT IDENTIFIER is empty or has an arc over 32 bits.
    #[error("bad OBJECT IDENTIFIER encoding")]
    BadOid,
    /// A value tag SNMP does not define.
    #[error("unknown value tag 0x{0:02x}")]
    UnknownValueTag(u8),
    /// Something that is not allowed at this place of a message.
    #[error("malformed message: {0}")]
    Malformed(&'static str),
}

/// A BER encoder that writes backwards: children are written last-to-first, then their parent's
/// header, so every length is known when it is written. [`Encoder::finish`] reverses the bytes.
#[derive(Default)]
pub struct Encoder {
    rev: Vec<u8>,
}

impl Encoder {
    /// An encoder with room for `capacity` bytes.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            rev: Vec::with_capacity(capacity),
        }
    }

    /// Bytes written so far. Use it as the mark before writing a constructed element's children.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rev.len()
    }

    /// True when nothing was written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rev.is_empty()
    }

    /// The final bytes, in wire order.
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        self.rev.reverse();
        self.rev
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.rev.extend(bytes.iter().rev());
    }

    fn length(&mut self, len: usize) {
        if len < 0x80 {
            // Lengths below 0x80 fit one byte.
            self.rev.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            self.raw(&bytes[skip..]);
            self.rev.push(0x80 | (bytes.len() - skip) as u8);
        }
    }

    /// Closes a constructed element whose children were written since `mark`.
    pub fn wrap(&mut self, tag: u8, mark: usize) {
        let len = self.rev.len() - mark;
        self.length(len);
        self.rev.push(tag);
    }

    /// A primitive element with the given content.
    pub fn primitive(&mut self, tag: u8, content: &[u8]) {
        self.raw(content);
        self.length(content.len());
        self.rev.push(tag);
    }

    /// A signed integer with the given tag, in minimal two's complement.
    pub fn integer(&mut self, tag: u8, v: i64) {
        let bytes = v.to_be_bytes();
        let mut start = 0;
        while start < 7 {
            let (b, next) = (bytes[start], bytes[start + 1]);
            if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
                start += 1;
            } else {
                break;
            }
        }
        self.primitive(tag, &bytes[start..]);
    }

    /// An unsigned integer (counters, gauges, ticks) with the given tag.
    pub fn unsigned(&mut self, tag: u8, v: u64) {
        let bytes = v.to_be_bytes();
        let start = bytes.iter().take_while(|&&b| b == 0).count().min(7);
        let mark = self.len();
        self.raw(&bytes[start..]);
        if bytes[start] & 0x80 != 0 {
            self.rev.push(0);
        }
        self.wrap(tag, mark);
    }

    /// An OBJECT IDENTIFIER. OIDs with fewer than two arcs are padded with zeros.
    pub fn oid(&mut self, oid: &Oid) {
        let mark = self.len();
        let arcs = oid.arcs();
        if arcs.len() > 2 {
            for &arc in arcs[2..].iter().rev() {
                self.base128(arc);
            }
        }
        let first = arcs.first().copied().unwrap_or(0);
        let second = arcs.get(1).copied().unwrap_or(0);
        let head = u64::from(first.min(2)) * 40 + u64::from(second);
        self.base128_u64(head);
        self.wrap(tag::OID, mark);
    }

    fn base128(&mut self, arc: u32) {
        self.base128_u64(u64::from(arc));
    }

    fn base128_u64(&mut self, mut v: u64) {
        // Written backwards: the last (low) group first, without the continuation bit.
        self.rev.push((v & 0x7f) as u8);
        v >>= 7;
        while v > 0 {
            self.rev.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
    }

    /// A value, with its own tag.
    pub fn value(&mut self, value: &Value) {
        match value {
            Value::Integer(v) => self.integer(tag::INTEGER, *v),
            Value::OctetString(b) => self.primitive(tag::OCTET_STRING, b),
            Value::Null => self.primitive(tag::NULL, &[]),
            Value::ObjectId(o) => self.oid(o),
            Value::IpAddress(a) => self.primitive(tag::IP_ADDRESS, a),
            Value::Counter32(v) => self.unsigned(tag::COUNTER32, u64::from(*v)),
            Value::Gauge32(v) => self.unsigned(tag::GAUGE32, u64::from(*v)),
            Value::TimeTicks(v) => self.unsigned(tag::TIMETICKS, u64::from(*v)),
            Value::Opaque(b) => self.primitive(tag::OPAQUE, b),
            Value::Counter64(v) => self.unsigned(tag::COUNTER64, *v),
            Value::NoSuchObject => self.primitive(tag::NO_SUCH_OBJECT, &[]),
            Value::NoSuchInstance => self.primitive(tag::NO_SUCH_INSTANCE, &[]),
            Value::EndOfMibView => self.primitive(tag::END_OF_MIB_VIEW, &[]),
        }
    }
}

/// A forward, bounds-checked reader over BER bytes. Never panics on any input.
#[derive(Clone)]
pub struct Decoder<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder over `data`.
    #[must_use]
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// True when every byte was consumed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Current offset.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// The tag of the next element, without consuming it.
    #[must_use]
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads one element: its tag and content.
    pub fn tlv(&mut self) -> Result<(u8, &'a [u8]), DecodeError> {
        let start = self.pos;
        let tag = *self
            .data
            .get(self.pos)
            .ok_or(DecodeError::Truncated { offset: start })?;
        if tag & 0x1f == 0x1f {
            return Err(DecodeError::Malformed(
                "multi-byte tags are not used by SNMP",
            ));
        }
        let len_at = self.pos + 1;
        let first = *self
            .data
            .get(len_at)
            .ok_or(DecodeError::Truncated { offset: len_at })?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err(DecodeError::BadLength { offset: len_at });
            }
            let bytes = self
                .data
                .get(len_at + 1..len_at + 1 + n)
                .ok_or(DecodeError::Truncated { offset: len_at + 1 })?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, 2 + n)
        };
        let content_at = start + header;
        let end = content_at
            .checked_add(len)
            .filter(|&e| e <= self.data.len())
            .ok_or(DecodeError::BadLength { offset: len_at })?;
        self.pos = end;
        Ok((tag, &self.data[content_at..end]))
    }

    /// Reads one element that must carry `expected` as its tag.
    pub fn expect(&mut self, expected: u8) -> Result<&'a [u8], DecodeError> {
        let offset = self.pos;
        let (found, content) = self.tlv()?;
        if found != expected {
            return Err(DecodeError::UnexpectedTag {
                expected,
                found,
                offset,
            });
        }
        Ok(content)
    }

    /// A constructed element with tag `expected`, as a decoder over its children.
    pub fn nested(&mut self, expected: u8) -> Result<Decoder<'a>, DecodeError> {
        self.expect(expected).map(Decoder::new)
    }

    /// An INTEGER (tag 0x02).
    pub fn integer(&mut self) -> Result<i64, DecodeError> {
        signed(self.expect(tag::INTEGER)?)
    }

    /// An OCTET STRING (tag 0x04).
    pub fn octets(&mut self) -> Result<&'a [u8], DecodeError> {
        self.expect(tag::OCTET_STRING)
    }

    /// An OBJECT IDENTIFIER (tag 0x06).
    pub fn oid(&mut self) -> Result<Oid, DecodeError> {
        decode_oid(self.expect(tag::OID)?)
    }

    /// Any SNMP value.
    pub fn value(&mut self) -> Result<Value, DecodeError> {
        let (t, c) = self.tlv()?;
        decode_value(t, c)
    }
}

/// Decodes a two's-complement INTEGER content.
pub fn signed(content: &[u8]) -> Result<i64, DecodeError> {
    if content.is_empty() || content.len() > 8 {
        return Err(DecodeError::BadInteger);
    }
    let init: i64 = if content[0] & 0x80 != 0 { -1 } else { 0 };
    Ok(content
        .iter()
        .fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

/// Decodes an unsigned content (counters, gauges): a leading zero byte is allowed, and
/// over-long values keep their low 64 bits (agents that send negative counters get the
/// two's-complement reading, as net-snmp does).
pub fn unsigned(content: &[u8]) -> Result<u64, DecodeError> {
    if content.is_empty() || content.len() > 9 {
        return Err(DecodeError::BadInteger);
    }
    Ok(content
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Decodes an OBJECT IDENTIFIER content.
pub fn decode_oid(content: &[u8]) -> Result<Oid, DecodeError> {
    if content.is_empty() {
        return Err(DecodeError::BadOid);
    }
    let mut arcs = Vec::with_capacity(content.len() + 1);
    let mut acc: u64 = 0;
    let mut first = true;
    let mut pending = false;
    for &b in content {
        acc = (acc << 7) | u64::from(b & 0x7f);
        if acc > u64::from(u32::MAX) + 80 {
            return Err(DecodeError::BadOid);
        }
        pending = b & 0x80 != 0;
        if !pending {
            if first {
                let (a, b) = match acc {
                    0..40 => (0, acc),
                    40..80 => (1, acc - 40),
                    _ => (2, acc - 80),
                };
                arcs.push(a);
                arcs.push(u32::try_from(b).map_err(|_| DecodeError::BadOid)?);
                first = false;
            } else {
                arcs.push(u32::try_from(acc).map_err(|_| DecodeError::BadOid)?);
            }
            acc = 0;
        }
    }
    if pending {
        return Err(DecodeError::BadOid);
    }
    Ok(Oid::new(arcs))
}

fn u32_of(content: &[u8]) -> Result<u32, DecodeError> {
    // Low 32 bits: agents that send 5-byte or sign-extended values still give the intended number.
    unsigned(content).map(|v| (v & 0xffff_ffff) as u32)
}

/// Decodes a value from its tag and content.
pub fn decode_value(t: u8, c: &[u8]) -> Result<Value, DecodeError> {
    Ok(match t {
        tag::INTEGER => Value::Integer(signed(c)?),
        tag::OCTET_STRING => Value::OctetString(c.to_vec()),
        tag::NULL => Value::Null,
        tag::OID => Value::ObjectId(decode_oid(c)?),
        tag::IP_ADDRESS => match <[u8; 4]>::try_from(c) {
            Ok(a) => Value::IpAddress(a),
            // Some agents put other lengths here; keep the bytes rather than fail the PDU.
            Err(_) => Value::OctetString(c.to_vec()),
        },
        tag::COUNTER32 => Value::Counter32(u32_of(c)?),
        tag::GAUGE32 | tag::UINTEGER32 => Value::Gauge32(u32_of(c)?),
        tag::TIMETICKS => Value::TimeTicks(u32_of(c)?),
        tag::OPAQUE => Value::Opaque(c.to_vec()),
        tag::COUNTER64 => Value::Counter64(unsigned(c)?),
        tag::NO_SUCH_OBJECT => Value::NoSuchObject,
        tag::NO_SUCH_INSTANCE => Value::NoSuchInstance,
        tag::END_OF_MIB_VIEW => Value::EndOfMibView,
        other => return Err(DecodeError::UnknownValueTag(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
        let mut e = Encoder::default();
        f(&mut e);
        e.finish()
    }

    #[test]
    fn integers_are_minimal_twos_complement() {
        let cases: [(i64, &[u8]); 9] = [
            (0, &[2, 1, 0]),
            (127, &[2, 1, 0x7f]),
            (128, &[2, 2, 0, 0x80]),
            (256, &[2, 2, 1, 0]),
            (-1, &[2, 1, 0xff]),
            (-128, &[2, 1, 0x80]),
            (-129, &[2, 2, 0xff, 0x7f]),
            (
                i64::MAX,
                &[2, 8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
            (i64::MIN, &[2, 8, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ];
        for (v, want) in cases {
            let got = enc(|e| e.integer(tag::INTEGER, v));
            assert_eq!(got, want, "{v}");
            assert_eq!(Decoder::new(&got).integer().unwrap(), v);
        }
    }

    #[test]
    fn unsigned_values_get_a_leading_zero_when_needed() {
        assert_eq!(enc(|e| e.unsigned(0x41, 0)), [0x41, 1, 0]);
        assert_eq!(enc(|e| e.unsigned(0x41, 0x80)), [0x41, 2, 0, 0x80]);
        assert_eq!(
            enc(|e| e.unsigned(0x41, u64::from(u32::MAX))),
            [0x41, 5, 0, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            enc(|e| e.unsigned(0x46, u64::MAX)),
            [0x46, 9, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        for v in [
            Value::Counter32(u32::MAX),
            Value::Counter64(u64::MAX),
            Value::TimeTicks(5),
        ] {
            let b = enc(|e| e.value(&v));
            assert_eq!(Decoder::new(&b).value().unwrap(), v);
        }
    }

    #[test]
    fn oids_round_trip_and_match_known_bytes() {
        let oid: Oid = "1.3.6.1.4.1.311.21.20".parse().unwrap();
        let b = enc(|e| e.oid(&oid));
        assert_eq!(b, [6, 9, 0x2b, 6, 1, 4, 1, 0x82, 0x37, 0x15, 0x14]);
        assert_eq!(Decoder::new(&b).oid().unwrap(), oid);
        let big: Oid = "1.3.4294967295.2".parse().unwrap();
        let b = enc(|e| e.oid(&big));
        assert_eq!(Decoder::new(&b).oid().unwrap(), big);
        let joint: Oid = "2.999.3".parse().unwrap();
        let b = enc(|e| e.oid(&joint));
        assert_eq!(Decoder::new(&b).oid().unwrap(), joint);
    }

    #[test]
    fn long_lengths_round_trip() {
        for n in [0usize, 127, 128, 255, 256, 65_535, 70_000] {
            let content = vec![0x41u8; n];
            let b = enc(|e| e.primitive(tag::OCTET_STRING, &content));
            let mut d = Decoder::new(&b);
            assert_eq!(d.octets().unwrap(), &content[..]);
            assert!(d.is_empty());
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let inputs: [&[u8]; 10] = [
            &[],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x80],
            &[0x04, 0x05, 1, 2],
            &[0x02, 0x00],
            &[0x06, 0x00],
            &[0x06, 0x02, 0x2b, 0x86],
            &[0x1f, 0x01, 0x00],
            &[0x06, 0x07, 0x2b, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
        ];
        for input in inputs {
            let mut d = Decoder::new(input);
            assert!(d.value().is_err(), "{input:02x?}");
        }
    }

    #[test]
    fn odd_agents_are_read_leniently() {
        // 5-byte counter with a sign bit, a 6-byte IpAddress.
        assert_eq!(
            decode_value(0x41, &[0xff, 0xff, 0xff, 0xff, 0xfe]).unwrap(),
            Value::Counter32(0xffff_fffe)
        );
        assert_eq!(
            decode_value(0x40, &[1, 2, 3, 4, 5, 6]).unwrap(),
            Value::OctetString(vec![1, 2, 3, 4, 5, 6])
        );
    }
}
