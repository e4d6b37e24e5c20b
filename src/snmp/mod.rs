//! SNMP engine: values and OIDs, BER codec, v1/v2c/v3 messages, the request dispatcher and client.
//!
//! Knows nothing about GLPI or MIB mappings; every task of sonde talks to devices through it.

pub mod agent;
pub mod ber;
pub mod client;
pub mod credential;
pub mod crypto;
pub mod error;
pub mod message;
pub mod oid;
pub mod pdu;
pub mod transport;
pub mod usm;
pub mod value;
pub mod walker;

pub use agent::{AgentOptions, Communities, Mib, Simulator};
pub use client::{Client, Session, Target};
pub use credential::{AuthProtocol, Credential, PrivProtocol, UsmUser, Version};
pub use error::{Result, SnmpError};
pub use oid::{Oid, OidParseError};
pub use transport::DispatcherConfig;
pub use value::{Value, Varbind};
pub use walker::{WalkEnd, WalkOptions, WalkResult, walk};
