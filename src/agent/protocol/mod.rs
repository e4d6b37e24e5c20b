//! The messages between agent and server, as pure functions and types (no I/O): the
//! FusionInventory XML PROLOG and its task options ([`prolog`], [`tasks`], [`params`], [`auth`]), the
//! GLPI-native CONTACT exchange ([`contact`]), and the rule that tells from a reply which of the
//! two protocols the server speaks ([`parse_server_answer`]).
//!
//! Job control and result messages of the network tasks (START, NBIP, END, EXIT, DEVICE) are
//! written by [`crate::report::netdiscovery::Envelope`].

pub mod auth;
pub mod contact;
pub mod params;
pub mod prolog;
pub mod tasks;
mod xml;

#[cfg(test)]
mod contact_tests;
#[cfg(test)]
mod prolog_tests;

use thiserror::Error;

pub use auth::{Authentication, CredentialProblem, JobCredential};
pub use contact::{
    ContactAnswer, ContactError, ContactRequest, ContactStatus, TaskSupport, parse_contact_answer,
    parse_expiration,
};
pub use params::{
    DEFAULT_PORT, DEFAULT_THREADS, DEFAULT_TIMEOUT, DropReason, Dropped, MAX_TIMEOUT, SnmpDomain,
};
pub use prolog::{
    DEFAULT_TOKEN, GenericOption, Param, Reply, ReplyError, TaskOption, WakeOnLanJob, WakeTarget,
    parse_reply, prolog_request,
};
pub use tasks::{
    IpRange, JobError, NetDiscoveryJob, NetInventoryJob, QueryDevice, process_numbers,
    sends_start_end,
};
pub use xml::XmlError;

/// A server's answer to a PROLOG (or CONTACT) request, in the protocol it chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerAnswer {
    /// An XML `REPLY`: the server speaks only the OCS/FusionInventory protocol (or it answered a
    /// PROLOG sent without `GLPI-Agent-ID`).
    Legacy(Reply),
    /// A JSON answer: the server speaks the GLPI-native protocol; later runs send CONTACT.
    Glpi(ContactAnswer),
}

/// Why an answer is neither a `REPLY` nor a CONTACT answer.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Not a usable XML reply.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// JSON that is not an object, or not JSON at all.
    #[error(transparent)]
    Contact(#[from] ContactError),
    /// A JSON object with an empty status or no positive expiration, and not `pending`.
    #[error("not a GLPI CONTACT answer (no status or no expiration)")]
    NotContact,
}

/// Reads an answer the way glpi-agent does (`HTTP/Client/OCS.pm`): a body that is a JSON
/// object (`{…}` once surrounding white space is trimmed) is a GLPI-native answer, accepted when
/// valid (non-empty status and expiration above 0) or `pending`; anything else must be an XML
/// `REPLY`. glpi-agent tries XML first; looking at the braces first gives the same result and
/// never mistakes a `<` inside a JSON string for the start of XML.
pub fn parse_server_answer(bytes: &[u8]) -> Result<ServerAnswer, AnswerError> {
    let trimmed = bytes.trim_ascii();
    if trimmed.starts_with(b"{") && trimmed.ends_with(b"}") {
        let answer = parse_contact_answer(trimmed)?;
        return if answer.is_valid() || answer.status == ContactStatus::Pending {
            Ok(ServerAnswer::Glpi(answer))
        } else {
            Err(AnswerError::NotContact)
        };
    }
    Ok(ServerAnswer::Legacy(parse_reply(bytes)?))
}
