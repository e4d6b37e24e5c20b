//! SNMP messages: v1/v2c community messages and the v3 message with its USM security parameters.
//!
//! Encoding and decoding only; authentication and privacy are applied by `usm`.

use std::ops::Range;

use super::ber::{DecodeError, Decoder, Encoder, tag};
use super::credential::Version;
use super::pdu::Pdu;

/// msgFlags bit: authentication.
pub const FLAG_AUTH: u8 = 0x01;
/// msgFlags bit: privacy.
pub const FLAG_PRIV: u8 = 0x02;
/// msgFlags bit: reportable.
pub const FLAG_REPORTABLE: u8 = 0x04;
/// The User-based Security Model number.
pub const USM_SECURITY_MODEL: i64 = 3;

/// A v1 or v2c message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommunityMessage {
    /// V1 or V2c.
    pub version: Version,
    /// The community.
    pub community: Vec<u8>,
    /// The PDU.
    pub pdu: Pdu,
}

/// USM security parameters (RFC 3414 `UsmSecurityParameters`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsmParams {
    /// msgAuthoritativeEngineID.
    pub engine_id: Vec<u8>,
    /// msgAuthoritativeEngineBoots.
    pub engine_boots: u32,
    /// msgAuthoritativeEngineTime.
    pub engine_time: u32,
    /// msgUserName.
    pub user: Vec<u8>,
    /// msgAuthenticationParameters.
    pub auth_params: Vec<u8>,
    /// msgPrivacyParameters.
    pub priv_params: Vec<u8>,
}

/// A scoped PDU: context plus PDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedPdu {
    /// contextEngineID.
    pub context_engine_id: Vec<u8>,
    /// contextName.
    pub context_name: Vec<u8>,
    /// The PDU.
    pub pdu: Pdu,
}

/// The msgData of a v3 message: plain or encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScopedData {
    /// Plaintext scoped PDU.
    Plain(ScopedPdu),
    /// encryptedPDU octets.
    Encrypted(Vec<u8>),
}

/// A v3 message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V3Message {
    /// msgID.
    pub msg_id: i32,
    /// msgMaxSize.
    pub max_size: i32,
    /// msgFlags.
    pub flags: u8,
    /// msgSecurityModel (3 = USM).
    pub security_model: i64,
    /// USM parameters.
    pub usm: UsmParams,
    /// msgData.
    pub data: ScopedData,
}

/// Any SNMP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// v1/v2c.
    Community(CommunityMessage),
    /// v3.
    V3(V3Message),
}

impl CommunityMessage {
    /// Encodes the message.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::with_capacity(64 + 32 * self.pdu.varbinds.len());
        let mark = e.len();
        self.pdu.encode(&mut e);
        e.primitive(tag::OCTET_STRING, &self.community);
        e.integer(tag::INTEGER, self.version.wire());
        e.wrap(tag::SEQUENCE, mark);
        e.finish()
    }
}

impl ScopedPdu {
    /// Writes the scoped PDU (backwards).
    pub fn encode_into(&self, e: &mut Encoder) {
        let mark = e.len();
        self.pdu.encode(e);
        e.primitive(tag::OCTET_STRING, &self.context_name);
        e.primitive(tag::OCTET_STRING, &self.context_engine_id);
        e.wrap(tag::SEQUENCE, mark);
    }

    /// Encodes the scoped PDU alone (the plaintext that privacy encrypts).
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut e = Encoder::with_capacity(64 + 32 * self.pdu.varbinds.len());
        self.encode_into(&mut e);
        e.finish()
    }

    /// Decodes a scoped PDU. Trailing bytes (DES padding) are ignored.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut outer = Decoder::new(bytes);
        let mut d = outer.nested(tag::SEQUENCE)?;
        let context_engine_id = d.octets()?.to_vec();
        let context_name = d.octets()?.to_vec();
        let pdu = Pdu::decode(&mut d)?;
        Ok(Self {
            context_engine_id,
            context_name,
            pdu,
        })
    }
}

impl V3Message {
    /// Encodes the message; returns the bytes and where msgAuthenticationParameters lie in them
    /// (so that the caller can sign in place).
    #[must_use]
    pub fn encode(&self) -> (Vec<u8>, Range<usize>) {
        let mut e = Encoder::with_capacity(128);
        let mark = e.len();
        match &self.data {
            ScopedData::Plain(s) => s.encode_into(&mut e),
            ScopedData::Encrypted(c) => e.primitive(tag::OCTET_STRING, c),
        }
        // msgSecurityParameters: an OCTET STRING wrapping the USM SEQUENCE.
        let sp_mark = e.len();
        let usm_mark = e.len();
        e.primitive(tag::OCTET_STRING, &self.usm.priv_params);
        let after_auth = e.len();
        e.primitive(tag::OCTET_STRING, &self.usm.auth_params);
        // The content of auth params ends `after_auth` bytes before the end of the final
        // buffer, and starts auth_params.len() bytes earlier.
        e.primitive(tag::OCTET_STRING, &self.usm.user);
        e.integer(tag::INTEGER, i64::from(self.usm.engine_time));
        e.integer(tag::INTEGER, i64::from(self.usm.engine_boots));
        e.primitive(tag::OCTET_STRING, &self.usm.engine_id);
        e.wrap(tag::SEQUENCE, usm_mark);
        e.wrap(tag::OCTET_STRING, sp_mark);
        let gd_mark = e.len();
        e.integer(tag::INTEGER, self.security_model);
        e.primitive(tag::OCTET_STRING, &[self.flags]);
        e.integer(tag::INTEGER, i64::from(self.max_size));
        e.integer(tag::INTEGER, i64::from(self.msg_id));
        e.wrap(tag::SEQUENCE, gd_mark);
        e.integer(tag::INTEGER, 3);
        e.wrap(tag::SEQUENCE, mark);
        let bytes = e.finish();
        let end = bytes.len() - after_auth;
        let start = end - self.usm.auth_params.len();
        (bytes, start..end)
    }
}

/// A decoded v3 message plus where its auth params lie in the input (for verification).
pub struct DecodedV3 {
    /// The message.
    pub message: V3Message,
    /// Range of msgAuthenticationParameters in the input bytes.
    pub auth_range: Range<usize>,
}

fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}

/// Decodes any message.
pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
    let mut outer = Decoder::new(bytes);
    let mut d = outer.nested(tag::SEQUENCE)?;
    let version = d.integer()?;
    match Version::from_wire(version) {
        Some(Version::V3) => decode_v3_body(bytes, d).map(|v| Message::V3(v.message)),
        Some(v) => {
            let community = d.octets()?.to_vec();
            let pdu = Pdu::decode(&mut d)?;
            Ok(Message::Community(CommunityMessage {
                version: v,
                community,
                pdu,
            }))
        }
        None => Err(DecodeError::Malformed("unknown SNMP version")),
    }
}

/// Decodes a v3 message, keeping the location of its auth params.
pub fn decode_v3(bytes: &[u8]) -> Result<DecodedV3, DecodeError> {
    let mut outer = Decoder::new(bytes);
    let mut d = outer.nested(tag::SEQUENCE)?;
    if d.integer()? != 3 {
        return Err(DecodeError::Malformed("not an SNMPv3 message"));
    }
    decode_v3_body(bytes, d)
}

fn decode_v3_body(whole: &[u8], mut d: Decoder<'_>) -> Result<DecodedV3, DecodeError> {
    let mut gd = d.nested(tag::SEQUENCE)?;
    let msg_id = i32::try_from(gd.integer()?).map_err(|_| DecodeError::BadInteger)?;
    let max_size = i32::try_from(gd.integer()?).map_err(|_| DecodeError::BadInteger)?;
    let flags = *gd
        .octets()?
        .first()
        .ok_or(DecodeError::Malformed("empty msgFlags"))?;
    let security_model = gd.integer()?;
    let sp = d.octets()?;
    let mut usm = Decoder::new(sp).nested(tag::SEQUENCE)?;
    let engine_id = usm.octets()?.to_vec();
    let engine_boots = u32::try_from(usm.integer()?).map_err(|_| DecodeError::BadInteger)?;
    let engine_time = u32::try_from(usm.integer()?).map_err(|_| DecodeError::BadInteger)?;
    let user = usm.octets()?.to_vec();
    let auth = usm.octets()?;
    let auth_start = offset_in(whole, auth);
    let auth_range = auth_start..auth_start + auth.len();
    let priv_params = usm.octets()?.to_vec();
    let data = if flags & FLAG_PRIV != 0 {
        ScopedData::Encrypted(d.octets()?.to_vec())
    } else {
        let (t, content) = d.tlv()?;
        if t != tag::SEQUENCE {
            return Err(DecodeError::Malformed("scoped PDU is not a SEQUENCE"));
        }
        let mut s = Decoder::new(content);
        let context_engine_id = s.octets()?.to_vec();
        let context_name = s.octets()?.to_vec();
        let pdu = Pdu::decode(&mut s)?;
        ScopedData::Plain(ScopedPdu {
            context_engine_id,
            context_name,
            pdu,
        })
    };
    Ok(DecodedV3 {
        message: V3Message {
            msg_id,
            max_size,
            flags,
            security_model,
            usm: UsmParams {
                engine_id,
                engine_boots,
                engine_time,
                user,
                auth_params: auth.to_vec(),
                priv_params,
            },
            data,
        },
        auth_range,
    })
}

/// What the dispatcher needs to route a datagram: the version and request-id (v1/v2c) or
/// msgID (v3), read without decoding the rest.
#[must_use]
pub fn peek_id(bytes: &[u8]) -> Option<(Version, i32)> {
    let mut outer = Decoder::new(bytes);
    let mut d = outer.nested(tag::SEQUENCE).ok()?;
    let version = Version::from_wire(d.integer().ok()?)?;
    let id = if version == Version::V3 {
        let mut gd = d.nested(tag::SEQUENCE).ok()?;
        gd.integer().ok()?
    } else {
        d.octets().ok()?;
        let (_, content) = d.tlv().ok()?;
        Decoder::new(content).integer().ok()?
    };
    Some((version, i32::try_from(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::pdu::PduType;
    use crate::snmp::{Oid, Value, Varbind};

    fn sys_descr() -> Oid {
        "1.3.6.1.2.1.1.1.0".parse().unwrap()
    }

    #[test]
    fn v2c_get_matches_net_snmp_bytes() {
        let msg = CommunityMessage {
            version: Version::V2c,
            community: b"public".to_vec(),
            pdu: Pdu::request(PduType::Get, 0x1234_5678, vec![Varbind::null(sys_descr())]),
        };
        let bytes = msg.encode();
        let want: &[u8] = &[
            0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c', 0xa0,
            0x1c, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30,
            0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x05,
            0x00,
        ];
        assert_eq!(bytes, want);
        assert_eq!(decode(&bytes).unwrap(), Message::Community(msg));
        assert_eq!(peek_id(&bytes), Some((Version::V2c, 0x1234_5678)));
    }

    #[test]
    fn v3_round_trips_and_locates_auth_params() {
        let msg = V3Message {
            msg_id: 77,
            max_size: 65507,
            flags: FLAG_AUTH | FLAG_REPORTABLE,
            security_model: USM_SECURITY_MODEL,
            usm: UsmParams {
                engine_id: vec![0x80, 0, 0x1f, 0x88, 4, 1, 2, 3],
                engine_boots: 3,
                engine_time: 123_456,
                user: b"alice".to_vec(),
                auth_params: vec![0xaa; 12],
                priv_params: Vec::new(),
            },
            data: ScopedData::Plain(ScopedPdu {
                context_engine_id: vec![0x80, 0, 0x1f, 0x88, 4, 1, 2, 3],
                context_name: b"vlan-10".to_vec(),
                pdu: Pdu::bulk(9, 0, 25, vec![Varbind::null(sys_descr())]),
            }),
        };
        let (bytes, range) = msg.encode();
        assert_eq!(&bytes[range.clone()], &[0xaa; 12]);
        let decoded = decode_v3(&bytes).unwrap();
        assert_eq!(decoded.auth_range, range);
        assert_eq!(decoded.message, msg);
        assert_eq!(peek_id(&bytes), Some((Version::V3, 77)));
    }

    #[test]
    fn values_of_every_type_round_trip() {
        let values = [
            Value::Integer(-5),
            Value::OctetString(vec![0, 1, 2, 255]),
            Value::Null,
            Value::ObjectId("1.3.6.1.4.1.9.1.516".parse().unwrap()),
            Value::IpAddress([10, 0, 0, 1]),
            Value::Counter32(4_000_000_000),
            Value::Gauge32(1_000_000_000),
            Value::TimeTicks(950_925_200),
            Value::Opaque(vec![0x9f, 0x78, 4, 0, 0, 0, 0]),
            Value::Counter64(u64::MAX - 1),
            Value::NoSuchObject,
            Value::NoSuchInstance,
            Value::EndOfMibView,
        ];
        let varbinds = values
            .iter()
            .enumerate()
            .map(|(i, v)| Varbind::new(sys_descr().child(&[i as u32]), v.clone()))
            .collect();
        let msg = CommunityMessage {
            version: Version::V1,
            community: b"c".to_vec(),
            pdu: Pdu {
                pdu_type: PduType::Response,
                request_id: -1,
                error_status: 0,
                error_index: 0,
                varbinds,
            },
        };
        assert_eq!(decode(&msg.encode()).unwrap(), Message::Community(msg));
    }

    #[test]
    fn truncations_never_panic() {
        let msg = CommunityMessage {
            version: Version::V2c,
            community: b"public".to_vec(),
            pdu: Pdu::request(PduType::Get, 1, vec![Varbind::null(sys_descr())]),
        };
        let bytes = msg.encode();
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err());
            let _ = peek_id(&bytes[..n]);
        }
        for i in 0..bytes.len() {
            let mut m = bytes.clone();
            m[i] ^= 0xff;
            let _ = decode(&m);
            let _ = decode_v3(&m);
        }
    }
}
