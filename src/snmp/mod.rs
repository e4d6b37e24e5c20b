//! SNMP engine: values and OIDs, BER codec, v1/v2c/v3 messages, the request dispatcher and client.
//!
//! Knows nothing about GLPI or MIB mappings; every task of sonde talks to devices through it.
//!
//! One [`Client`] owns a [`transport::Dispatcher`]: one UDP socket per address family shared by
//! every request in flight, replies routed by request-id / msgID. Sessions add the credential
//! (v3: engine discovery, keys, time window), and [`walk`] walks subtrees with GETBULK.
//!
//! ```no_run
//! use sonde::snmp::{Client, Credential, Target, WalkOptions, walk};
//! # async fn example() -> sonde::snmp::Result<()> {
//! let client = Client::default();
//! let session = client.session(Target::new("127.0.0.1:161".parse().unwrap(), Credential::v2c("public")));
//! let sys = session.get(&["1.3.6.1.2.1.1.1.0".parse().unwrap()]).await?;
//! let ifs = walk(&session, &"1.3.6.1.2.1.2.2".parse().unwrap(), WalkOptions::default()).await?;
//! # Ok(()) }
//! ```

/// An SNMP v1/v2c agent serving walk files (`sonde simulate`).
pub mod agent;
/// BER encoding and decoding.
pub mod ber;
/// Sessions, GET/GETNEXT/GETBULK with timeouts and retries.
pub mod client;
/// Communities and USM users.
pub mod credential;
/// USM cryptography: key derivation, HMAC authentication, DES/AES privacy.
pub mod crypto;
/// Classified failures.
pub mod error;
/// v1/v2c and v3 messages.
pub mod message;
/// Object identifiers.
pub mod oid;
/// PDUs and error statuses.
pub mod pdu;
/// Retransmission timing.
pub mod retransmit;
/// Live sessions and walk files behind one trait.
pub mod source;
/// Walks of several columns at once.
pub mod table;
/// The shared-socket request dispatcher.
pub mod transport;
/// The client side of the User-based Security Model.
pub mod usm;
/// Values and varbinds.
pub mod value;
/// Subtree walks.
pub mod walker;
/// The congestion window of requests to agents that answered.
pub mod window;

pub use agent::{AgentOptions, Communities, Mib, Simulator};
pub use client::{Client, Session, Target};
pub use credential::{AuthProtocol, Credential, PrivProtocol, UsmUser, Version};
pub use error::{Result, SnmpError};
pub use oid::{Oid, OidParseError};
pub use source::Source;
pub use table::{ColumnsResult, walk_columns, walk_columns_narrow};
pub use transport::DispatcherConfig;
pub use value::{Value, Varbind};
pub use walker::{WalkEnd, WalkOptions, WalkResult, walk};
