//! SNMP values (the SMIv2 application types plus the v2 exceptions) and variable bindings.

use super::oid::Oid;

/// A typed SNMP value, as carried in a variable binding.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Value {
    /// INTEGER / Integer32. Kept wide so that out-of-range values from odd agents survive.
    Integer(i64),
    /// OCTET STRING (also BITS on the wire).
    OctetString(Vec<u8>),
    /// NULL (the value of a GET request's varbinds).
    Null,
    /// OBJECT IDENTIFIER.
    ObjectId(Oid),
    /// IpAddress (IPv4 only, as in SMIv2).
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// TimeTicks, hundredths of a second.
    TimeTicks(u32),
    /// Opaque: raw bytes (often a BER-wrapped float or double).
    Opaque(Vec<u8>),
    /// Counter64 (not allowed in SNMPv1).
    Counter64(u64),
    /// v2 exception: no such object.
    NoSuchObject,
    /// v2 exception: no such instance.
    NoSuchInstance,
    /// v2 exception: end of the MIB view.
    EndOfMibView,
}

impl Value {
    /// True for the three SNMPv2 exception values.
    #[must_use]
    pub fn is_exception(&self) -> bool {
        matches!(
            self,
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView
        )
    }

    /// The octets of an OCTET STRING or Opaque value.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::OctetString(b) | Value::Opaque(b) => Some(b),
            _ => None,
        }
    }

    /// Any integer-like value widened to i128 (Integer, counters, gauges, ticks).
    #[must_use]
    pub fn as_i128(&self) -> Option<i128> {
        match *self {
            Value::Integer(v) => Some(i128::from(v)),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => Some(i128::from(v)),
            Value::Counter64(v) => Some(i128::from(v)),
            _ => None,
        }
    }

    /// A short name of the type, as net-snmp prints it before the colon.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Integer(_) => "INTEGER",
            Value::OctetString(_) => "STRING",
            Value::Null => "NULL",
            Value::ObjectId(_) => "OID",
            Value::IpAddress(_) => "IpAddress",
            Value::Counter32(_) => "Counter32",
            Value::Gauge32(_) => "Gauge32",
            Value::TimeTicks(_) => "Timeticks",
            Value::Opaque(_) => "OPAQUE",
            Value::Counter64(_) => "Counter64",
            Value::NoSuchObject => "noSuchObject",
            Value::NoSuchInstance => "noSuchInstance",
            Value::EndOfMibView => "endOfMibView",
        }
    }
}

/// One variable binding: an OID and its value.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Varbind {
    /// The object instance.
    pub oid: Oid,
    /// Its value (or an exception).
    pub value: Value,
}

impl Varbind {
    /// Builds a varbind.
    #[must_use]
    pub fn new(oid: Oid, value: Value) -> Self {
        Self { oid, value }
    }

    /// A varbind with a NULL value, as used in GET/GETNEXT/GETBULK requests.
    #[must_use]
    pub fn null(oid: Oid) -> Self {
        Self {
            oid,
            value: Value::Null,
        }
    }
}
