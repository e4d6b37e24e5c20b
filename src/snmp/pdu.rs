//! Protocol data units: types, error statuses, and their BER encoding.

use std::fmt;

use super::ber::{DecodeError, Decoder, Encoder, tag};
use super::value::Varbind;

/// The PDU kinds of SNMP v1/v2c/v3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PduType {
    /// GetRequest.
    Get,
    /// GetNextRequest.
    GetNext,
    /// Response (GetResponse in v1).
    Response,
    /// SetRequest.
    Set,
    /// GetBulkRequest (v2c/v3).
    GetBulk,
    /// InformRequest.
    Inform,
    /// SNMPv2-Trap.
    Trap,
    /// Report (v3 errors and discovery).
    Report,
}

impl PduType {
    /// The context-specific constructed tag of this PDU.
    #[must_use]
    pub fn tag(self) -> u8 {
        match self {
            PduType::Get => 0xa0,
            PduType::GetNext => 0xa1,
            PduType::Response => 0xa2,
            PduType::Set => 0xa3,
            PduType::GetBulk => 0xa5,
            PduType::Inform => 0xa6,
            PduType::Trap => 0xa7,
            PduType::Report => 0xa8,
        }
    }

    /// The PDU type of a tag (v1 Trap-PDU 0xa4 is not supported).
    #[must_use]
    pub fn from_tag(t: u8) -> Option<Self> {
        Some(match t {
            0xa0 => PduType::Get,
            0xa1 => PduType::GetNext,
            0xa2 => PduType::Response,
            0xa3 => PduType::Set,
            0xa5 => PduType::GetBulk,
            0xa6 => PduType::Inform,
            0xa7 => PduType::Trap,
            0xa8 => PduType::Report,
            _ => return None,
        })
    }
}

/// error-status of a response PDU (RFC 3416).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorStatus {
    /// noError(0).
    NoError,
    /// tooBig(1).
    TooBig,
    /// noSuchName(2), v1.
    NoSuchName,
    /// badValue(3), v1.
    BadValue,
    /// readOnly(4), v1.
    ReadOnly,
    /// genErr(5).
    GenErr,
    /// noAccess(6).
    NoAccess,
    /// wrongType(7).
    WrongType,
    /// wrongLength(8).
    WrongLength,
    /// wrongEncoding(9).
    WrongEncoding,
    /// wrongValue(10).
    WrongValue,
    /// noCreation(11).
    NoCreation,
    /// inconsistentValue(12).
    InconsistentValue,
    /// resourceUnavailable(13).
    ResourceUnavailable,
    /// commitFailed(14).
    CommitFailed,
    /// undoFailed(15).
    UndoFailed,
    /// authorizationError(16).
    AuthorizationError,
    /// notWritable(17).
    NotWritable,
    /// inconsistentName(18).
    InconsistentName,
    /// A value outside RFC 3416.
    Other(i64),
}

const STATUS_NAMES: [(ErrorStatus, &str); 19] = [
    (ErrorStatus::NoError, "noError"),
    (ErrorStatus::TooBig, "tooBig"),
    (ErrorStatus::NoSuchName, "noSuchName"),
    (ErrorStatus::BadValue, "badValue"),
    (ErrorStatus::ReadOnly, "readOnly"),
    (ErrorStatus::GenErr, "genErr"),
    (ErrorStatus::NoAccess, "noAccess"),
    (ErrorStatus::WrongType, "wrongType"),
    (ErrorStatus::WrongLength, "wrongLength"),
    (ErrorStatus::WrongEncoding, "wrongEncoding"),
    (ErrorStatus::WrongValue, "wrongValue"),
    (ErrorStatus::NoCreation, "noCreation"),
    (ErrorStatus::InconsistentValue, "inconsistentValue"),
    (ErrorStatus::ResourceUnavailable, "resourceUnavailable"),
    (ErrorStatus::CommitFailed, "commitFailed"),
    (ErrorStatus::UndoFailed, "undoFailed"),
    (ErrorStatus::AuthorizationError, "authorizationError"),
    (ErrorStatus::NotWritable, "notWritable"),
    (ErrorStatus::InconsistentName, "inconsistentName"),
];

impl ErrorStatus {
    /// The status for a wire value.
    #[must_use]
    pub fn from_code(code: i64) -> Self {
        usize::try_from(code)
            .ok()
            .and_then(|i| STATUS_NAMES.get(i))
            .map_or(ErrorStatus::Other(code), |(s, _)| *s)
    }

    /// The wire value.
    #[must_use]
    pub fn code(self) -> i64 {
        match self {
            ErrorStatus::Other(c) => c,
            known => STATUS_NAMES
                .iter()
                .position(|(s, _)| *s == known)
                .and_then(|i| i64::try_from(i).ok())
                .unwrap_or(-1),
        }
    }
}

impl fmt::Display for ErrorStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorStatus::Other(c) => write!(f, "error-status {c}"),
            known => {
                let name = STATUS_NAMES
                    .iter()
                    .find(|(s, _)| s == known)
                    .map_or("?", |(_, n)| n);
                write!(f, "{name}({})", known.code())
            }
        }
    }
}

/// A PDU. For GETBULK, `error_status` carries non-repeaters and `error_index` max-repetitions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pdu {
    /// Kind of PDU.
    pub pdu_type: PduType,
    /// request-id.
    pub request_id: i32,
    /// error-status (or non-repeaters in GETBULK).
    pub error_status: i64,
    /// error-index (or max-repetitions in GETBULK).
    pub error_index: i64,
    /// Variable bindings.
    pub varbinds: Vec<Varbind>,
}

impl Pdu {
    /// A request PDU with NULL values for the given OIDs.
    #[must_use]
    pub fn request(pdu_type: PduType, request_id: i32, varbinds: Vec<Varbind>) -> Self {
        Self {
            pdu_type,
            request_id,
            error_status: 0,
            error_index: 0,
            varbinds,
        }
    }

    /// A GETBULK request.
    #[must_use]
    pub fn bulk(
        request_id: i32,
        non_repeaters: u32,
        max_repetitions: u32,
        varbinds: Vec<Varbind>,
    ) -> Self {
        Self {
            pdu_type: PduType::GetBulk,
            request_id,
            error_status: i64::from(non_repeaters),
            error_index: i64::from(max_repetitions),
            varbinds,
        }
    }

    /// The error-status as an enum.
    #[must_use]
    pub fn status(&self) -> ErrorStatus {
        ErrorStatus::from_code(self.error_status)
    }

    /// Writes the PDU (backwards, see [`Encoder`]).
    pub fn encode(&self, e: &mut Encoder) {
        let pdu_mark = e.len();
        let list_mark = e.len();
        for vb in self.varbinds.iter().rev() {
            let vb_mark = e.len();
            e.value(&vb.value);
            e.oid(&vb.oid);
            e.wrap(tag::SEQUENCE, vb_mark);
        }
        e.wrap(tag::SEQUENCE, list_mark);
        e.integer(tag::INTEGER, self.error_index);
        e.integer(tag::INTEGER, self.error_status);
        e.integer(tag::INTEGER, i64::from(self.request_id));
        e.wrap(self.pdu_type.tag(), pdu_mark);
    }

    /// Reads a PDU (the next element of `d`).
    pub fn decode(d: &mut Decoder<'_>) -> Result<Self, DecodeError> {
        let offset = d.offset();
        let (t, content) = d.tlv()?;
        let pdu_type = PduType::from_tag(t).ok_or(DecodeError::UnexpectedTag {
            expected: 0xa2,
            found: t,
            offset,
        })?;
        let mut p = Decoder::new(content);
        let request_id = i32::try_from(p.integer()?).map_err(|_| DecodeError::BadInteger)?;
        let error_status = p.integer()?;
        let error_index = p.integer()?;
        let mut list = p.nested(tag::SEQUENCE)?;
        let mut varbinds = Vec::new();
        while !list.is_empty() {
            let mut vb = list.nested(tag::SEQUENCE)?;
            let oid = vb.oid()?;
            let value = vb.value()?;
            varbinds.push(Varbind { oid, value });
        }
        Ok(Self {
            pdu_type,
            request_id,
            error_status,
            error_index,
            varbinds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_and_codes() {
        assert_eq!(ErrorStatus::from_code(1), ErrorStatus::TooBig);
        assert_eq!(ErrorStatus::TooBig.code(), 1);
        assert_eq!(ErrorStatus::InconsistentName.code(), 18);
        assert_eq!(ErrorStatus::from_code(99), ErrorStatus::Other(99));
        assert_eq!(ErrorStatus::NoSuchName.to_string(), "noSuchName(2)");
    }
}
