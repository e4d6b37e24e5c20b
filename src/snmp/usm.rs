//! SNMPv3 User-based Security Model on the client side: engine discovery, time window, keys,
//! signing, encryption, and the classification of Report PDUs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use super::client::Session;
use super::credential::{AuthProtocol, UsmUser};
use super::crypto::{AuthKey, MasterKey, PrivKey};
use super::error::{Result, SnmpError};
use super::message::{
    self, FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE, ScopedData, ScopedPdu, USM_SECURITY_MODEL,
    UsmParams, V3Message,
};
use super::oid::Oid;
use super::pdu::{Pdu, PduType};
use super::transport::{Resend, Verdict};
use super::value::Varbind;

/// msgMaxSize we announce: the largest UDP payload.
const MAX_SIZE: i32 = 65_507;
/// usmStats counters (RFC 3414), the OIDs Report PDUs carry.
const USM_STATS: [u32; 9] = [1, 3, 6, 1, 6, 3, 15, 1, 1];

/// Salt counter for privacy, shared by all sessions, randomly seeded.
static SALT: LazyLock<AtomicU64> = LazyLock::new(|| AtomicU64::new(rand::random()));

/// Master keys (password → key costs a 1 MiB hash) cached per protocol and passphrase, so that
/// thousands of agents under one credential cost one derivation.
#[derive(Default)]
pub struct KeyCache {
    masters: Mutex<HashMap<(AuthProtocol, String), Arc<MasterKey>>>,
}

impl KeyCache {
    fn master(&self, proto: AuthProtocol, passphrase: &str) -> Arc<MasterKey> {
        let key = (proto, passphrase.to_owned());
        if let Some(m) = self.lock().get(&key) {
            return Arc::clone(m);
        }
        let master = Arc::new(MasterKey::new(proto, passphrase.as_bytes()));
        self.lock().insert(key, Arc::clone(&master));
        master
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(AuthProtocol, String), Arc<MasterKey>>> {
        crate::net::lock(&self.masters)
    }
}

/// What we know about the authoritative engine, and the keys localized to it.
struct Engine {
    id: Vec<u8>,
    boots: u32,
    time: u32,
    learned: Instant,
    auth: Option<Arc<AuthKey>>,
    privacy: Option<Arc<PrivKey>>,
}

impl Engine {
    fn now(&self) -> u32 {
        let elapsed = u32::try_from(self.learned.elapsed().as_secs()).unwrap_or(u32::MAX);
        self.time.saturating_add(elapsed)
    }
}

/// Per-session v3 state.
pub struct UsmSession {
    user: UsmUser,
    engine: tokio::sync::Mutex<Option<Arc<Engine>>>,
    /// Set once an authenticated response arrived: from then on a timeout is a timeout, not a
    /// hint at a wrong privacy key.
    confirmed: AtomicBool,
}

/// How one answer was classified.
enum Outcome {
    Response(Pdu),
    /// Resynchronise (boots, time) and try again.
    TimeWindow(u32, u32),
}

impl UsmSession {
    /// Fresh state for a user; the engine is discovered on first use.
    #[must_use]
    pub fn new(user: UsmUser) -> Self {
        Self {
            user,
            engine: tokio::sync::Mutex::new(None),
            confirmed: AtomicBool::new(false),
        }
    }

    /// Sends one request PDU under USM and returns the response PDU.
    pub async fn request(
        &self,
        session: &Session,
        pdu_type: PduType,
        varbinds: Vec<Varbind>,
        bulk: Option<(u32, u32)>,
    ) -> Result<Pdu> {
        let target = session.target();
        let mut engine = self.engine(session).await?;
        // One resynchronisation after notInTimeWindow, as RFC 3414 §4 describes.
        for _ in 0..2 {
            let outcome = self
                .exchange(session, &engine, pdu_type, varbinds.clone(), bulk)
                .await;
            let outcome = match outcome {
                Err(SnmpError::Timeout { peer, .. })
                    if engine.privacy.is_some()
                        && self.user.engine_id.is_none()
                        && !self.confirmed.load(Ordering::Relaxed) =>
                {
                    return Err(SnmpError::PrivacyNoAnswer {
                        peer,
                        context: self.user.context_name.clone(),
                    });
                }
                other => other?,
            };
            match outcome {
                Outcome::Response(pdu) => {
                    self.confirmed.store(true, Ordering::Relaxed);
                    return Ok(pdu);
                }
                Outcome::TimeWindow(boots, time) => {
                    let fresh = Arc::new(Engine {
                        id: engine.id.clone(),
                        boots,
                        time,
                        learned: Instant::now(),
                        auth: engine.auth.clone(),
                        privacy: engine.privacy.clone(),
                    });
                    *self.engine.lock().await = Some(Arc::clone(&fresh));
                    engine = fresh;
                }
            }
        }
        Err(SnmpError::NotInTimeWindow { peer: target.addr })
    }

    async fn engine(&self, session: &Session) -> Result<Arc<Engine>> {
        let client = session.client();
        let mut slot = self.engine.lock().await;
        if let Some(e) = slot.as_ref() {
            return Ok(Arc::clone(e));
        }
        let (id, boots, time) = match &self.user.engine_id {
            Some(id) => (id.clone(), 0, 0),
            None => discover(session).await?,
        };
        let auth = self.user.auth.as_ref().map(|(proto, pass)| {
            Arc::new(AuthKey::from_master(&client.keys.master(*proto, pass), &id))
        });
        let privacy = match (&self.user.auth, &self.user.privacy) {
            (Some((aproto, _)), Some((pproto, ppass))) => Some(Arc::new(PrivKey::from_master(
                *pproto,
                &client.keys.master(*aproto, ppass),
                &id,
            ))),
            (None, Some(_)) => {
                return Err(SnmpError::InvalidRequest(
                    "privacy without authentication is not allowed by USM",
                ));
            }
            _ => None,
        };
        let engine = Arc::new(Engine {
            id,
            boots,
            time,
            learned: Instant::now(),
            auth,
            privacy,
        });
        *slot = Some(Arc::clone(&engine));
        Ok(engine)
    }

    async fn exchange(
        &self,
        session: &Session,
        engine: &Engine,
        pdu_type: PduType,
        varbinds: Vec<Varbind>,
        bulk: Option<(u32, u32)>,
    ) -> Result<Outcome> {
        let (client, target) = (session.client(), session.target());
        let d = &client.dispatcher;
        let id = d.next_id();
        let pdu = match bulk {
            Some((n, m)) => Pdu::bulk(id, n, m, varbinds),
            None => Pdu::request(pdu_type, id, varbinds),
        };
        let scoped = ScopedPdu {
            context_engine_id: self
                .user
                .context_engine_id
                .clone()
                .unwrap_or_else(|| engine.id.clone()),
            context_name: self.user.context_name.as_bytes().to_vec(),
            pdu,
        };
        let time = engine.now();
        let mut flags = FLAG_REPORTABLE;
        let mut auth_params = Vec::new();
        if let Some(a) = &engine.auth {
            flags |= FLAG_AUTH;
            auth_params = vec![0; a.mac_len()];
        }
        let (data, priv_params) = match &engine.privacy {
            Some(p) => {
                flags |= FLAG_PRIV;
                let salt = SALT.fetch_add(1, Ordering::Relaxed);
                let (cipher, params) = p.encrypt(engine.boots, time, salt, &scoped.encode());
                (ScopedData::Encrypted(cipher), params.to_vec())
            }
            None => (ScopedData::Plain(scoped), Vec::new()),
        };
        let msg = V3Message {
            msg_id: id,
            max_size: MAX_SIZE,
            flags,
            security_model: USM_SECURITY_MODEL,
            usm: UsmParams {
                engine_id: engine.id.clone(),
                engine_boots: engine.boots,
                engine_time: time,
                user: self.user.user.as_bytes().to_vec(),
                auth_params,
                priv_params,
            },
            data,
        };
        let (mut bytes, range) = msg.encode();
        if let Some(a) = &engine.auth {
            let mac = a.sign(&bytes);
            bytes[range].copy_from_slice(&mac);
        }
        let peer = target.addr;
        let context = &self.user.context_name;
        let waits = session.waits();
        let request = session.dispatch(id, &bytes, Resend::Same, &waits);
        let answer = d
            .exchange(request, |reply, _| {
                classify(reply, peer, id, engine, context)
            })
            .await?;
        session.observe(answer.rtt);
        Ok(answer.value)
    }
}

/// Engine discovery: an unauthenticated empty GET that the agent answers with a Report carrying
/// its engine id, boots and time.
async fn discover(session: &Session) -> Result<(Vec<u8>, u32, u32)> {
    let d = &session.client().dispatcher;
    let id = d.next_id();
    let msg = V3Message {
        msg_id: id,
        max_size: MAX_SIZE,
        flags: FLAG_REPORTABLE,
        security_model: USM_SECURITY_MODEL,
        usm: UsmParams::default(),
        data: ScopedData::Plain(ScopedPdu {
            context_engine_id: Vec::new(),
            context_name: Vec::new(),
            pdu: Pdu::request(PduType::Get, id, Vec::new()),
        }),
    };
    let (bytes, _) = msg.encode();
    let waits = session.waits();
    let request = session.dispatch(id, &bytes, Resend::Same, &waits);
    let answer = d
        .exchange(request, |reply, _| match message::decode_v3(reply) {
            Ok(m) if m.message.msg_id == id && !m.message.usm.engine_id.is_empty() => {
                let u = m.message.usm;
                Verdict::Done((u.engine_id, u.engine_boots, u.engine_time))
            }
            _ => Verdict::Ignore,
        })
        .await?;
    session.observe(answer.rtt);
    Ok(answer.value)
}

fn classify(
    reply: &[u8],
    peer: std::net::SocketAddr,
    id: i32,
    engine: &Engine,
    context: &str,
) -> Verdict<Outcome> {
    let Ok(decoded) = message::decode_v3(reply) else {
        return Verdict::Ignore;
    };
    if decoded.message.msg_id != id {
        return Verdict::Ignore;
    }
    let opened = match open(
        reply,
        decoded,
        engine.auth.as_deref(),
        engine.privacy.as_deref(),
    ) {
        Ok(opened) => opened,
        Err(OpenError::NoAuthKey) => return Verdict::Ignore,
        Err(OpenError::WrongDigest) => {
            return Verdict::Fail(SnmpError::ResponseAuthFailed { peer });
        }
        Err(OpenError::Decryption) => return Verdict::Fail(SnmpError::DecryptionFailed { peer }),
    };
    let pdu = opened.scoped.pdu;
    match pdu.pdu_type {
        PduType::Response => {
            if engine.auth.is_some() && !opened.authenticated {
                // A response below the security level we asked for is not trustworthy.
                return Verdict::Ignore;
            }
            Verdict::Done(Outcome::Response(pdu))
        }
        PduType::Report => report(peer, &pdu, &opened.usm, opened.authenticated, context),
        _ => Verdict::Ignore,
    }
}

/// An incoming v3 message that passed [`open`]: its security parameters and its scoped PDU in
/// the clear.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The USM security parameters, as received.
    pub usm: UsmParams,
    /// Whether the message was authenticated (msgFlags said so and the digest matched).
    pub authenticated: bool,
    /// The scoped PDU, decrypted when it was encrypted.
    pub scoped: ScopedPdu,
}

/// Why [`open`] refused an incoming v3 message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// msgFlags say authenticated but the user has no authentication key (or the
    /// msgAuthenticationParameters lie outside the message).
    #[error("authenticated message for a user without authentication")]
    NoAuthKey,
    /// The msgAuthenticationParameters are not the HMAC of the message.
    #[error("wrong digest")]
    WrongDigest,
    /// An encryptedPDU that the user has no privacy key for, or that does not decrypt to a
    /// scoped PDU.
    #[error("encrypted PDU that does not decrypt")]
    Decryption,
}

/// USM processing of an incoming v3 message (RFC 3414 §3.2, the checks a response gets): the
/// digest is verified with `auth` when msgFlags ask for authentication, and an encrypted scoped
/// PDU is decrypted with `privacy` and decoded. `reply` is the datagram `decoded` was decoded
/// from ([`message::decode_v3`]); `auth` and `privacy` are the user's keys localized to the
/// message's engine. The engine id, time window and msgID are the caller's to check.
///
/// # Errors
/// See [`OpenError`].
pub fn open(
    reply: &[u8],
    decoded: message::DecodedV3,
    auth: Option<&AuthKey>,
    privacy: Option<&PrivKey>,
) -> std::result::Result<Opened, OpenError> {
    let message::DecodedV3 {
        message: m,
        auth_range,
    } = decoded;
    let authenticated = m.flags & FLAG_AUTH != 0;
    if authenticated {
        let key = auth.ok_or(OpenError::NoAuthKey)?;
        let mut zeroed = reply.to_vec();
        let field = zeroed.get_mut(auth_range).ok_or(OpenError::NoAuthKey)?;
        field.fill(0);
        if !key.verify(&zeroed, &m.usm.auth_params) {
            return Err(OpenError::WrongDigest);
        }
    }
    let scoped = match m.data {
        ScopedData::Plain(s) => s,
        ScopedData::Encrypted(cipher) => {
            let p = privacy.ok_or(OpenError::Decryption)?;
            p.decrypt(
                m.usm.engine_boots,
                m.usm.engine_time,
                &m.usm.priv_params,
                &cipher,
            )
            .ok()
            .and_then(|plain| ScopedPdu::decode(&plain).ok())
            .ok_or(OpenError::Decryption)?
        }
    };
    Ok(Opened {
        usm: m.usm,
        authenticated,
        scoped,
    })
}

fn report(
    peer: std::net::SocketAddr,
    pdu: &Pdu,
    usm: &UsmParams,
    authenticated: bool,
    context: &str,
) -> Verdict<Outcome> {
    let Some(vb) = pdu.varbinds.first() else {
        return Verdict::Ignore;
    };
    let counter = vb
        .oid
        .suffix_after(&Oid::from_slice(&USM_STATS))
        .and_then(|s| s.first().copied());
    let err = match counter {
        Some(1) => SnmpError::UnsupportedSecurityLevel { peer },
        Some(2) if authenticated || usm.engine_boots != 0 || usm.engine_time != 0 => {
            return Verdict::Done(Outcome::TimeWindow(usm.engine_boots, usm.engine_time));
        }
        Some(2) => SnmpError::NotInTimeWindow { peer },
        Some(3) => SnmpError::UnknownUserName { peer },
        Some(4) => SnmpError::UnknownEngineId { peer },
        Some(5) => SnmpError::WrongDigest { peer },
        // The agent could not decrypt our request.
        Some(6) => SnmpError::AgentDecryptionError { peer },
        _ if vb.oid.arcs().starts_with(&[1, 3, 6, 1, 6, 3, 12, 1, 5]) => {
            SnmpError::UnknownContext {
                peer,
                context: context.to_owned(),
            }
        }
        _ => SnmpError::Report {
            peer,
            oid: vb.oid.clone(),
        },
    };
    Verdict::Fail(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::PrivProtocol;

    fn keys() -> (AuthKey, PrivKey) {
        let auth = AuthKey::from_localized(AuthProtocol::Sha256, &[7; 32]).unwrap();
        let privacy = PrivKey::from_localized(PrivProtocol::Aes128, &[9; 16]).unwrap();
        (auth, privacy)
    }

    fn scoped() -> ScopedPdu {
        ScopedPdu {
            context_engine_id: vec![0x80, 0, 0x1f, 0x88, 4],
            context_name: b"vlan-10".to_vec(),
            pdu: Pdu::request(
                PduType::Response,
                42,
                vec![Varbind::null(Oid::from_slice(&[1, 3, 6, 1]))],
            ),
        }
    }

    /// An authPriv message carrying `scoped()`, signed and encrypted with `keys()`.
    fn sealed(auth: &AuthKey, privacy: &PrivKey) -> Vec<u8> {
        let (cipher, params) = privacy.encrypt(3, 1000, 0x1234, &scoped().encode());
        let msg = V3Message {
            msg_id: 42,
            max_size: MAX_SIZE,
            flags: FLAG_AUTH | FLAG_PRIV,
            security_model: USM_SECURITY_MODEL,
            usm: UsmParams {
                engine_id: vec![0x80, 0, 0x1f, 0x88, 4],
                engine_boots: 3,
                engine_time: 1000,
                user: b"fuzz".to_vec(),
                auth_params: vec![0; auth.mac_len()],
                priv_params: params.to_vec(),
            },
            data: ScopedData::Encrypted(cipher),
        };
        let (mut bytes, range) = msg.encode();
        let mac = auth.sign(&bytes);
        bytes[range].copy_from_slice(&mac);
        bytes
    }

    #[test]
    fn open_verifies_and_decrypts() {
        let (auth, privacy) = keys();
        let bytes = sealed(&auth, &privacy);
        let decoded = || message::decode_v3(&bytes).unwrap();
        let opened = open(&bytes, decoded(), Some(&auth), Some(&privacy)).unwrap();
        assert!(opened.authenticated);
        assert_eq!(opened.scoped, scoped());
        assert_eq!(opened.usm.user, b"fuzz");
        assert_eq!(
            open(&bytes, decoded(), None, Some(&privacy)),
            Err(OpenError::NoAuthKey)
        );
        assert_eq!(
            open(&bytes, decoded(), Some(&auth), None),
            Err(OpenError::Decryption)
        );
        let other = AuthKey::from_localized(AuthProtocol::Sha256, &[8; 32]).unwrap();
        assert_eq!(
            open(&bytes, decoded(), Some(&other), Some(&privacy)),
            Err(OpenError::WrongDigest)
        );
        // A flipped bit of the ciphertext breaks the digest.
        let mut tampered = bytes.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        let d = message::decode_v3(&tampered).unwrap();
        assert_eq!(
            open(&tampered, d, Some(&auth), Some(&privacy)),
            Err(OpenError::WrongDigest)
        );
    }

    #[test]
    fn open_takes_plain_messages_as_they_are() {
        let msg = V3Message {
            msg_id: 1,
            max_size: MAX_SIZE,
            flags: FLAG_REPORTABLE,
            security_model: USM_SECURITY_MODEL,
            usm: UsmParams::default(),
            data: ScopedData::Plain(scoped()),
        };
        let (bytes, _) = msg.encode();
        let opened = open(&bytes, message::decode_v3(&bytes).unwrap(), None, None).unwrap();
        assert!(!opened.authenticated);
        assert_eq!(opened.scoped, scoped());
    }
}
