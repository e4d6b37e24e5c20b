//! USM authentication (RFC 3414 §6/§7, RFC 7860): HMAC keyed with the localized key, truncated.

use std::fmt;

use aes::cipher::{Key, KeyInit};
use hmac::{Hmac, Mac, digest::block_api::EagerHash};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::{AuthProtocol, CryptoError, MasterKey, check_len, wipe};

/// HMAC keyed with a localized key, ipad/opad already absorbed.
#[derive(Clone)]
enum MacState {
    Md5(Hmac<Md5>),
    Sha1(Hmac<Sha1>),
    Sha224(Hmac<Sha224>),
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

/// HMAC keyed with `key`, RFC 2104 style: keys up to the block size are zero-padded, longer ones
/// hashed first (localized keys are always shorter than the block).
fn hmac_init<D: EagerHash>(key: &[u8]) -> Hmac<D> {
    let mut block = Key::<Hmac<D>>::default();
    if key.len() <= block.len() {
        block[..key.len()].copy_from_slice(key);
    } else {
        let h = D::digest(key);
        let n = h.len().min(block.len());
        block[..n].copy_from_slice(&h[..n]);
    }
    let mac = <Hmac<D> as KeyInit>::new(&block);
    wipe(&mut block);
    mac
}

/// Full HMAC of `msg`.
fn hmac_full<D: EagerHash>(state: &Hmac<D>, msg: &[u8]) -> Vec<u8> {
    state
        .clone()
        .chain_update(msg)
        .finalize()
        .into_bytes()
        .to_vec()
}

/// Constant-time check of a left-truncated HMAC.
fn hmac_check<D: EagerHash>(state: &Hmac<D>, msg: &[u8], tag: &[u8]) -> bool {
    state
        .clone()
        .chain_update(msg)
        .verify_truncated_left(tag)
        .is_ok()
}

/// USM authentication key: HMAC keyed with the localized authentication key.
#[derive(Clone)]
pub struct AuthKey {
    proto: AuthProtocol,
    mac: MacState,
}

impl AuthKey {
    /// Derives the key from a passphrase (1 MiB of hashing) and localises it to `engine_id`.
    #[must_use]
    pub fn new(proto: AuthProtocol, password: &[u8], engine_id: &[u8]) -> Self {
        Self::from_master(&MasterKey::new(proto, password), engine_id)
    }

    /// Localises a cached master key to `engine_id` (cheap); the protocol is the master key's.
    #[must_use]
    pub fn from_master(master: &MasterKey, engine_id: &[u8]) -> Self {
        let mut kul = master.localize(engine_id);
        let key = Self::keyed(master.proto, &kul);
        wipe(&mut kul);
        key
    }

    /// A key from an already localized key (e.g. from a configuration holding `localizedKey`).
    ///
    /// # Errors
    /// [`CryptoError::KeyLength`] unless `key` is `proto.digest_len()` bytes.
    pub fn from_localized(proto: AuthProtocol, key: &[u8]) -> Result<Self, CryptoError> {
        check_len(proto.digest_len(), key)?;
        Ok(Self::keyed(proto, key))
    }

    fn keyed(proto: AuthProtocol, key: &[u8]) -> Self {
        let mac = match proto {
            AuthProtocol::Md5 => MacState::Md5(hmac_init(key)),
            AuthProtocol::Sha1 => MacState::Sha1(hmac_init(key)),
            AuthProtocol::Sha224 => MacState::Sha224(hmac_init(key)),
            AuthProtocol::Sha256 => MacState::Sha256(hmac_init(key)),
            AuthProtocol::Sha384 => MacState::Sha384(hmac_init(key)),
            AuthProtocol::Sha512 => MacState::Sha512(hmac_init(key)),
        };
        Self { proto, mac }
    }

    /// The authentication protocol.
    #[must_use]
    pub fn protocol(&self) -> AuthProtocol {
        self.proto
    }

    /// Length of msgAuthenticationParameters for this key.
    #[must_use]
    pub fn mac_len(&self) -> usize {
        self.proto.mac_len()
    }

    /// msgAuthenticationParameters for an outgoing message: the HMAC of the whole serialized
    /// message (whose msgAuthenticationParameters are `mac_len()` zero bytes), truncated to
    /// `mac_len()` bytes. The caller writes it over the zeros.
    #[must_use]
    pub fn sign(&self, msg_with_zeroed_auth_params: &[u8]) -> Vec<u8> {
        let msg = msg_with_zeroed_auth_params;
        let mut full = match &self.mac {
            MacState::Md5(m) => hmac_full(m, msg),
            MacState::Sha1(m) => hmac_full(m, msg),
            MacState::Sha224(m) => hmac_full(m, msg),
            MacState::Sha256(m) => hmac_full(m, msg),
            MacState::Sha384(m) => hmac_full(m, msg),
            MacState::Sha512(m) => hmac_full(m, msg),
        };
        full.truncate(self.mac_len());
        full
    }

    /// Checks received msgAuthenticationParameters against the message with those parameters
    /// zero-filled. Compares in constant time; a `received` of the wrong length fails.
    #[must_use]
    pub fn verify(&self, msg_with_zeroed_auth_params: &[u8], received: &[u8]) -> bool {
        if received.len() != self.mac_len() {
            return false;
        }
        let msg = msg_with_zeroed_auth_params;
        match &self.mac {
            MacState::Md5(m) => hmac_check(m, msg, received),
            MacState::Sha1(m) => hmac_check(m, msg, received),
            MacState::Sha224(m) => hmac_check(m, msg, received),
            MacState::Sha256(m) => hmac_check(m, msg, received),
            MacState::Sha384(m) => hmac_check(m, msg, received),
            MacState::Sha512(m) => hmac_check(m, msg, received),
        }
    }
}

impl fmt::Debug for AuthKey {
    /// Shows only the protocol.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthKey")
            .field("protocol", &self.proto)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{RFC_ENGINE, hex};
    use super::*;

    /// The message the vectors sign: a head, `mac_len` zero bytes (the zeroed
    /// msgAuthenticationParameters), a tail.
    fn message(mac_len: usize) -> Vec<u8> {
        let mut m = b"sonde hmac test: ".to_vec();
        m.resize(m.len() + mac_len, 0);
        m.extend_from_slice(b" :end of message");
        m
    }

    /// Truncated HMACs of `message(mac_len)` keyed with the localized "maplesyrup" key of
    /// engine 00…02, computed with pysnmp 7.1.30's own services
    /// (`HmacMd5`/`HmacSha`/`HmacSha2(oid).authenticate_outgoing_message`, which fills the
    /// zeroed placeholder with the MAC).
    const VECTORS: [(AuthProtocol, &str); 6] = [
        (AuthProtocol::Md5, "1544d74464df714e4c175aa6"),
        (AuthProtocol::Sha1, "b4e2a81198d4bc1cca79a6d8"),
        (AuthProtocol::Sha224, "89f4b3053785bd09930759cf50ffd2ab"),
        (
            AuthProtocol::Sha256,
            "506eacf24a6df6ec55cf958cdc662ec819054407f5cd9e80",
        ),
        (
            AuthProtocol::Sha384,
            "7f0654f18ea8f7fda5279279ef65eaae24debf97d7165b0c3bae28777b93a05e",
        ),
        (
            AuthProtocol::Sha512,
            "0afe54ecc14593794690a68c14c04f5b9c38d67057ab6ecfedcf3d78cc4b7b82\
             a5edadd61b7cf7ba9643c7be4d0415fc",
        ),
    ];

    #[test]
    fn hmac_vectors() {
        for (proto, mac) in VECTORS {
            let key = AuthKey::new(proto, b"maplesyrup", &RFC_ENGINE);
            assert_eq!(key.protocol(), proto);
            assert_eq!(key.mac_len(), proto.mac_len());
            let msg = message(proto.mac_len());
            let sig = key.sign(&msg);
            assert_eq!(sig, hex(mac), "{proto:?}");
            assert!(key.verify(&msg, &sig), "{proto:?}");
            // Same key built from its parts.
            let master = MasterKey::new(proto, b"maplesyrup");
            let from_master = AuthKey::from_master(&master, &RFC_ENGINE);
            assert_eq!(from_master.sign(&msg), sig);
            let localized = master.localize(&RFC_ENGINE);
            let from_local = AuthKey::from_localized(proto, &localized).unwrap();
            assert_eq!(from_local.sign(&msg), sig);
        }
    }

    #[test]
    fn verify_rejects_tampering() {
        for (proto, _) in VECTORS {
            let key = AuthKey::new(proto, b"maplesyrup", &RFC_ENGINE);
            let msg = message(proto.mac_len());
            let sig = key.sign(&msg);
            for i in 0..sig.len() {
                let mut bad = sig.clone();
                bad[i] ^= 0x01;
                assert!(!key.verify(&msg, &bad), "{proto:?} byte {i}");
            }
            let mut bad_msg = msg.clone();
            bad_msg[0] ^= 0x80;
            assert!(!key.verify(&bad_msg, &sig));
            // Wrong lengths: truncated, extended, empty, the untruncated HMAC.
            assert!(!key.verify(&msg, &sig[..sig.len() - 1]));
            let mut longer = sig.clone();
            longer.push(0);
            assert!(!key.verify(&msg, &longer));
            assert!(!key.verify(&msg, &[]));
            assert!(!key.verify(&msg, &[0; 200]));
            // Another engine, another key.
            let other = AuthKey::new(proto, b"maplesyrup", b"\x80\x00\x1f\x88\x04other");
            assert!(!other.verify(&msg, &sig));
        }
    }

    #[test]
    fn from_localized_checks_length() {
        assert_eq!(
            AuthKey::from_localized(AuthProtocol::Sha256, &[0; 20]).unwrap_err(),
            CryptoError::KeyLength {
                expected: 32,
                got: 20
            }
        );
        assert!(AuthKey::from_localized(AuthProtocol::Sha1, &[]).is_err());
    }

    /// A key longer than the hash block is hashed first (RFC 2104); reachable only through
    /// `hmac_init` directly, checked here against the RFC 4231 test case 6 (HMAC-SHA-256).
    #[test]
    fn long_hmac_key() {
        let mac = hmac_full(
            &hmac_init::<Sha256>(&[0xaa; 131]),
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            mac,
            hex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        );
    }
}
