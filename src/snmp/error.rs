//! Classified SNMP failures: every way a request can end without data, with the peer it concerns.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use super::ber::DecodeError;
use super::oid::Oid;
use super::pdu::ErrorStatus;

/// Result of SNMP operations.
pub type Result<T> = std::result::Result<T, SnmpError>;

/// Why an SNMP request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnmpError {
    /// No (acceptable) answer within timeout × attempts. With v1/v2c this is also what a wrong
    /// community looks like: agents drop such requests silently.
    #[error(
        "{peer}: no answer after {attempts} attempt(s) in {waited:?} (host down, filtered, or wrong community)"
    )]
    Timeout {
        /// The agent.
        peer: SocketAddr,
        /// Requests sent.
        attempts: u32,
        /// Total time waited.
        waited: Duration,
    },
    /// usmStatsUnknownUserNames: the agent does not know the user.
    #[error("{peer}: authentication failed: unknown user name (usmStatsUnknownUserNames)")]
    UnknownUserName {
        /// The agent.
        peer: SocketAddr,
    },
    /// usmStatsWrongDigests: wrong authentication passphrase or protocol.
    #[error(
        "{peer}: authentication failed: wrong digest, check the auth passphrase and protocol (usmStatsWrongDigests)"
    )]
    WrongDigest {
        /// The agent.
        peer: SocketAddr,
    },
    /// usmStatsUnknownEngineIDs after discovery.
    #[error("{peer}: authentication failed: unknown engine id (usmStatsUnknownEngineIDs)")]
    UnknownEngineId {
        /// The agent.
        peer: SocketAddr,
    },
    /// usmStatsNotInTimeWindows even after resynchronising.
    #[error("{peer}: authentication failed: not in time window (usmStatsNotInTimeWindows)")]
    NotInTimeWindow {
        /// The agent.
        peer: SocketAddr,
    },
    /// usmStatsUnsupportedSecLevels: the user does not support the requested security level.
    #[error(
        "{peer}: authentication failed: unsupported security level for this user (usmStatsUnsupportedSecLevels)"
    )]
    UnsupportedSecurityLevel {
        /// The agent.
        peer: SocketAddr,
    },
    /// usmStatsDecryptionErrors: the agent could not decrypt the request.
    #[error(
        "{peer}: decryption failed at the agent, check the privacy passphrase and protocol (usmStatsDecryptionErrors)"
    )]
    AgentDecryptionError {
        /// The agent.
        peer: SocketAddr,
    },
    /// The agent answered engine discovery but never an encrypted request: net-snmp and most
    /// agents drop requests they cannot decrypt without a report.
    /// With a context name, an unknown context looks the same (net-snmp drops those too).
    #[error(
        "{peer}: no answer to encrypted requests although the agent answers discovery: check the privacy passphrase and protocol (DES, AES, AES-192/256 or their -C variants){}",
        if .context.is_empty() { String::new() } else { format!(", and that context {:?} exists", .context) }
    )]
    PrivacyNoAnswer {
        /// The agent.
        peer: SocketAddr,
        /// The context name asked for (empty for the default context).
        context: String,
    },
    /// We could not decrypt the agent's response.
    #[error("{peer}: could not decrypt the response, check the privacy passphrase and protocol")]
    DecryptionFailed {
        /// The agent.
        peer: SocketAddr,
    },
    /// The response's authentication parameters did not match our key.
    #[error("{peer}: response failed authentication, check the auth passphrase and protocol")]
    ResponseAuthFailed {
        /// The agent.
        peer: SocketAddr,
    },
    /// snmpUnknownContexts: the context (e.g. `vlan-10`) does not exist.
    #[error("{peer}: unknown context {context:?} (snmpUnknownContexts)")]
    UnknownContext {
        /// The agent.
        peer: SocketAddr,
        /// The context name that was asked for.
        context: String,
    },
    /// Some other Report PDU.
    #[error("{peer}: agent reported {oid}")]
    Report {
        /// The agent.
        peer: SocketAddr,
        /// The counter the report carries.
        oid: Oid,
    },
    /// tooBig: the response would not fit the agent's message size.
    #[error("{peer}: response too big (tooBig)")]
    TooBig {
        /// The agent.
        peer: SocketAddr,
    },
    /// Any other non-zero error-status.
    #[error("{peer}: {status} at index {index}{}", .oid.as_ref().map(|o| format!(" ({o})")).unwrap_or_default())]
    ErrorStatus {
        /// The agent.
        peer: SocketAddr,
        /// error-status.
        status: ErrorStatus,
        /// error-index (1-based, 0 when not about a varbind).
        index: u32,
        /// The OID at error-index, when in range.
        oid: Option<Oid>,
    },
    /// A walk read the most objects allowed from one table without reaching its end: the
    /// agent's OIDs keep increasing forever (see [`crate::snmp::source::MAX_TABLE_OBJECTS`]).
    #[error(
        "{peer}: a table of more than {limit} objects that never ends (the agent's OIDs keep increasing)"
    )]
    Endless {
        /// The agent.
        peer: SocketAddr,
        /// The bound that was reached.
        limit: usize,
    },
    /// The response could not be decoded.
    #[error("{peer}: malformed response: {reason}")]
    Decode {
        /// The agent.
        peer: SocketAddr,
        /// What was wrong.
        reason: DecodeError,
    },
    /// The network refused the request (ICMP port or host unreachable): nothing listens there.
    #[error("{peer}: unreachable: {reason}")]
    Unreachable {
        /// The agent.
        peer: SocketAddr,
        /// ECONNREFUSED (port unreachable), EHOSTUNREACH, ENETUNREACH…
        reason: io::Error,
    },
    /// A socket operation failed.
    #[error("{peer}: {op} failed: {reason}")]
    Io {
        /// The agent (or local address for bind).
        peer: SocketAddr,
        /// The operation.
        op: &'static str,
        /// The OS error.
        reason: io::Error,
    },
    /// The request cannot be made as asked (e.g. GETBULK with v1, an empty OID list).
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
}

impl SnmpError {
    /// True when the failure says the credential is wrong (as opposed to the host being
    /// unreachable), so callers can stop trying the same credential elsewhere.
    #[must_use]
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            SnmpError::UnknownUserName { .. }
                | SnmpError::WrongDigest { .. }
                | SnmpError::UnsupportedSecurityLevel { .. }
                | SnmpError::AgentDecryptionError { .. }
                | SnmpError::DecryptionFailed { .. }
                | SnmpError::PrivacyNoAnswer { .. }
                | SnmpError::ResponseAuthFailed { .. }
        )
    }
}
