//! SNMP engine: values and OIDs, BER codec, v1/v2c/v3 messages, the request dispatcher and client.
//!
//! Knows nothing about GLPI or MIB mappings; every task of sonde talks to devices through it.

pub mod ber;
pub mod credential;
pub mod message;
pub mod oid;
pub mod pdu;
pub mod value;

pub use credential::{AuthProtocol, Credential, PrivProtocol, UsmUser, Version};
pub use oid::{Oid, OidParseError};
pub use value::{Value, Varbind};
