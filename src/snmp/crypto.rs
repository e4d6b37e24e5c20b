//! SNMPv3 USM cryptography: password-to-key, key localisation, HMAC authentication and privacy.
//!
//! Pure functions and key types, no I/O. The message codec calls them:
//! - authentication (RFC 3414 §6/§7, RFC 7860): `AuthKey::sign` over the whole message whose
//!   msgAuthenticationParameters are zero-filled, `AuthKey::verify` in constant time;
//! - privacy (RFC 3414 §8 CBC-DES, RFC 3826 CFB128-AES-128, the Blumenthal and Reeder drafts for
//!   AES-192/256): `PrivKey::encrypt` / `PrivKey::decrypt` of the serialized scoped PDU.
//!
//! Deriving a key from a passphrase hashes 1 MiB (`password_to_key`); the result does not
//! depend on the engine, so callers that talk to many engines with one credential build a
//! `MasterKey` once and localise it per engine with `AuthKey::from_master` and
//! `PrivKey::from_master` (one short hash each, except for the Reeder extension, which hashes
//! another 1 MiB per engine when the digest is shorter than the AES key).
//!
//! Key material never appears in `Debug` output, and raw key bytes are overwritten on drop (best
//! effort: derived cipher and HMAC states are not).

mod auth;
mod privacy;

use std::fmt;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use thiserror::Error;

pub use self::auth::AuthKey;
pub use self::privacy::{PrivKey, localize_priv_key};
use super::credential::{AuthProtocol, PrivProtocol};

/// Bytes of passphrase stream hashed by password-to-key (RFC 3414 A.2).
const EXPANSION_LEN: usize = 1 << 20;

/// Shortest passphrase RFC 3414 §11.2 allows (net-snmp refuses shorter ones). Not enforced here:
/// [`password_to_key`] accepts any passphrase, the caller decides whether to reject short ones.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Length of msgPrivacyParameters for every privacy protocol.
pub const PRIV_PARAMS_LEN: usize = 8;

/// Why a key or an incoming encrypted PDU was rejected.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CryptoError {
    /// msgPrivacyParameters is not 8 bytes long.
    #[error("msgPrivacyParameters must be {PRIV_PARAMS_LEN} bytes, got {0}")]
    PrivParamsLength(usize),
    /// A CBC-DES encryptedPDU whose length is not a multiple of the 8-byte block.
    #[error("CBC-DES encrypted PDU of {0} bytes is not a multiple of 8")]
    UnalignedCiphertext(usize),
    /// Key material of the wrong size for its protocol.
    #[error("key must be {expected} bytes, got {got}")]
    KeyLength {
        /// Bytes the protocol needs.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
}

impl AuthProtocol {
    /// Bytes of msgAuthenticationParameters: the truncated HMAC (12, 12, 16, 24, 32, 48).
    #[must_use]
    pub fn mac_len(self) -> usize {
        match self {
            AuthProtocol::Md5 | AuthProtocol::Sha1 => 12,
            AuthProtocol::Sha224 => 16,
            AuthProtocol::Sha256 => 24,
            AuthProtocol::Sha384 => 32,
            AuthProtocol::Sha512 => 48,
        }
    }

    /// Output length of the hash, which is also the length of master and localized keys
    /// (16, 20, 28, 32, 48, 64).
    #[must_use]
    pub fn digest_len(self) -> usize {
        match self {
            AuthProtocol::Md5 => 16,
            AuthProtocol::Sha1 => 20,
            AuthProtocol::Sha224 => 28,
            AuthProtocol::Sha256 => 32,
            AuthProtocol::Sha384 => 48,
            AuthProtocol::Sha512 => 64,
        }
    }
}

impl PrivProtocol {
    /// Cipher key length: 8 for DES (whose localized key also carries an 8-byte pre-IV, see
    /// [`localized_len`](Self::localized_len)), 16, 24 or 32 for AES.
    #[must_use]
    pub fn key_len(self) -> usize {
        match self {
            PrivProtocol::Des => 8,
            PrivProtocol::Aes128 => 16,
            PrivProtocol::Aes192 | PrivProtocol::Aes192C => 24,
            PrivProtocol::Aes256 | PrivProtocol::Aes256C => 32,
        }
    }

    /// Bytes of localized key material the protocol uses: key plus pre-IV (16) for DES, the key
    /// length for AES.
    #[must_use]
    pub fn localized_len(self) -> usize {
        match self {
            PrivProtocol::Des => 16,
            other => other.key_len(),
        }
    }

    /// Length of msgPrivacyParameters: always 8.
    #[must_use]
    pub fn priv_params_len(self) -> usize {
        PRIV_PARAMS_LEN
    }
}

/// Runs `$body` with `$d` bound to the hash type of an [`AuthProtocol`].
macro_rules! with_hash {
    ($proto:expr, $d:ident => $body:expr) => {
        match $proto {
            AuthProtocol::Md5 => {
                type $d = Md5;
                $body
            }
            AuthProtocol::Sha1 => {
                type $d = Sha1;
                $body
            }
            AuthProtocol::Sha224 => {
                type $d = Sha224;
                $body
            }
            AuthProtocol::Sha256 => {
                type $d = Sha256;
                $body
            }
            AuthProtocol::Sha384 => {
                type $d = Sha384;
                $body
            }
            AuthProtocol::Sha512 => {
                type $d = Sha512;
                $body
            }
        }
    };
}

/// Hash of the concatenation of `parts`.
fn hash_parts<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().to_vec()
}

/// Hash of the first 1 MiB of the passphrase repeated endlessly.
fn expand_password<D: Digest>(password: &[u8]) -> Vec<u8> {
    let mut h = D::new();
    if !password.is_empty() {
        // Whole copies of the passphrase, at least 4 KiB: every full chunk starts at a passphrase
        // boundary of the endless stream, so feeding chunks (and a prefix last) is exact.
        let mut chunk = password.repeat(4096usize.div_ceil(password.len()));
        let mut left = EXPANSION_LEN;
        while left > 0 {
            let n = left.min(chunk.len());
            h.update(&chunk[..n]);
            left -= n;
        }
        wipe(&mut chunk);
    }
    h.finalize().to_vec()
}

/// Overwrites secret bytes before they are freed (best effort).
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// Digest of the concatenation of `parts` with the hash of `proto`.
fn hash(proto: AuthProtocol, parts: &[&[u8]]) -> Vec<u8> {
    with_hash!(proto, D => hash_parts::<D>(parts))
}

/// RFC 3414 A.2 password-to-key: the digest of the first 1 MiB of the passphrase repeated.
///
/// Engine-independent (the "master key" Ku), so it can be computed once per credential and
/// cached. An empty passphrase (which RFC 3414 forbids) yields the digest of the empty string
/// instead of looping forever.
#[must_use]
pub fn password_to_key(proto: AuthProtocol, password: &[u8]) -> Vec<u8> {
    with_hash!(proto, D => expand_password::<D>(password))
}

/// RFC 3414 §2.6 key localisation: `H(Ku || engineID || Ku)`.
#[must_use]
pub fn localize_key(proto: AuthProtocol, master: &[u8], engine_id: &[u8]) -> Vec<u8> {
    hash(proto, &[master, engine_id, master])
}

/// A passphrase's engine-independent master key Ku for one hash, the expensive part of every
/// USM key: build it once per (protocol, passphrase) and localise it for each engine.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    proto: AuthProtocol,
    key: Vec<u8>,
}

impl MasterKey {
    /// Runs password-to-key (1 MiB of hashing) with the hash of `proto`.
    #[must_use]
    pub fn new(proto: AuthProtocol, password: &[u8]) -> Self {
        Self {
            proto,
            key: password_to_key(proto, password),
        }
    }

    /// A master key computed earlier (e.g. `as_bytes` of a stored one).
    ///
    /// # Errors
    /// [`CryptoError::KeyLength`] unless `key` is `proto.digest_len()` bytes.
    pub fn from_bytes(proto: AuthProtocol, key: &[u8]) -> Result<Self, CryptoError> {
        check_len(proto.digest_len(), key)?;
        Ok(Self {
            proto,
            key: key.to_vec(),
        })
    }

    /// The hash it was derived with.
    #[must_use]
    pub fn protocol(&self) -> AuthProtocol {
        self.proto
    }

    /// The key bytes (secret).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.key
    }

    /// The key localised to an engine (`proto.digest_len()` bytes).
    #[must_use]
    pub fn localize(&self, engine_id: &[u8]) -> Vec<u8> {
        localize_key(self.proto, &self.key, engine_id)
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        wipe(&mut self.key);
    }
}

impl fmt::Debug for MasterKey {
    /// Shows only the protocol.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("protocol", &self.proto)
            .finish_non_exhaustive()
    }
}

fn check_len(expected: usize, key: &[u8]) -> Result<(), CryptoError> {
    if key.len() == expected {
        Ok(())
    } else {
        Err(CryptoError::KeyLength {
            expected,
            got: key.len(),
        })
    }
}

/// Bytes of a hex string (test vectors).
#[cfg(test)]
fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The engine id of RFC 3414 A.3.
#[cfg(test)]
const RFC_ENGINE: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_AUTH: [AuthProtocol; 6] = [
        AuthProtocol::Md5,
        AuthProtocol::Sha1,
        AuthProtocol::Sha224,
        AuthProtocol::Sha256,
        AuthProtocol::Sha384,
        AuthProtocol::Sha512,
    ];

    /// RFC 3414 A.3.1 (MD5) and A.3.2 (SHA-1), "maplesyrup", engine 00…02.
    #[test]
    fn rfc3414_a3_vectors() {
        let md5 = password_to_key(AuthProtocol::Md5, b"maplesyrup");
        assert_eq!(md5, hex("9f af 32 83 88 4e 92 83 4e bc 98 47 d8 ed d9 63"));
        assert_eq!(
            localize_key(AuthProtocol::Md5, &md5, &RFC_ENGINE),
            hex("52 6f 5e ed 9f cc e2 6f 89 64 c2 93 07 87 d8 2b")
        );
        let sha = password_to_key(AuthProtocol::Sha1, b"maplesyrup");
        assert_eq!(
            sha,
            hex("9f b5 cc 03 81 49 7b 37 93 52 89 39 ff 78 8d 5d 79 14 52 11")
        );
        assert_eq!(
            localize_key(AuthProtocol::Sha1, &sha, &RFC_ENGINE),
            hex("66 95 fe bc 92 88 e3 62 82 23 5f c7 15 1f 12 84 97 b3 8f 3f")
        );
    }

    /// Master and localized keys of "maplesyrup" for engine 00…02 for every hash. MD5/SHA-1 are
    /// RFC 3414 A.3; the SHA-2 ones were computed with pysnmp 7.1.30
    /// (`pysnmp.proto.secmod.rfc7860.auth.hmacsha2.HmacSha2(oid).hash_passphrase` /
    /// `.localize_key`), which uses Python's hashlib.
    #[test]
    fn key_localisation_every_hash() {
        let cases = [
            (
                AuthProtocol::Md5,
                "9faf3283884e92834ebc9847d8edd963",
                "526f5eed9fcce26f8964c2930787d82b",
            ),
            (
                AuthProtocol::Sha1,
                "9fb5cc0381497b3793528939ff788d5d79145211",
                "6695febc9288e36282235fc7151f128497b38f3f",
            ),
            (
                AuthProtocol::Sha224,
                "282a5867ee9aac639ad59df9572c7d3ac0fbc13a905b6df07dbbf00b",
                "0bd8827c6e29f8065e08e09237f177e410f69b90e1782be682075674",
            ),
            (
                AuthProtocol::Sha256,
                "ab51014d1e077f6017df2b12bee5f5aa72993177e9bb569c4dff5a4ca0b4afac",
                "8982e0e549e866db361a6b625d84cccc11162d453ee8ce3a6445c2d6776f0f8b",
            ),
            (
                AuthProtocol::Sha384,
                "e06eccdf2c68a06ed034723c9c26e0db3b669e1e2efed49150b55377a2e98f38\
                 3c86fb836857444654b287c93f51ff64",
                "3b298f16164a11184279d5432bf169e2d2a48307de02b3d3f7e2b4f36eb6f045\
                 5a53689a3937eea07319a633d2ccba78",
            ),
            (
                AuthProtocol::Sha512,
                "7e4396de5aadc77be853819b98c9406265b3a9c37cc3176569847a4e4f6fba63\
                 dd3a73d04924d31a63f95a601f9385af6be4ed1b37f87d040f7c6ed6f8d38a91",
                "22a5a36cedfcc085807a128d7bc6c2382167ad6c0dbc5fdff856740f3d84c099\
                 ad1ea87a8db096714d9788bd544047c9021e4229ce27e4c0a69250adfcffbb0b",
            ),
        ];
        for (proto, master, local) in cases {
            let m = MasterKey::new(proto, b"maplesyrup");
            assert_eq!(m.protocol(), proto);
            assert_eq!(m.as_bytes(), hex(master), "{proto:?} master");
            assert_eq!(m.as_bytes().len(), proto.digest_len());
            assert_eq!(m.localize(&RFC_ENGINE), hex(local), "{proto:?} localized");
            assert_eq!(
                localize_key(proto, m.as_bytes(), &RFC_ENGINE),
                hex(local),
                "{proto:?} localize_key"
            );
        }
    }

    /// The chunked expansion equals the byte-by-byte definition of RFC 3414 A.2, for passphrase
    /// lengths that do and do not divide the chunk, and longer than 1 MiB.
    #[test]
    fn password_expansion_matches_definition() {
        for len in [1usize, 3, 8, 10, 64, 65, 4095, 4097, 5000, (1 << 20) + 7] {
            let pw: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            let stream: Vec<u8> = pw.iter().copied().cycle().take(EXPANSION_LEN).collect();
            assert_eq!(
                password_to_key(AuthProtocol::Sha1, &pw),
                Sha1::digest(&stream).to_vec(),
                "passphrase of {len} bytes"
            );
        }
    }

    #[test]
    fn empty_password_does_not_hang() {
        assert_eq!(
            password_to_key(AuthProtocol::Md5, b""),
            Md5::digest(b"").to_vec()
        );
    }

    #[test]
    fn master_key_from_bytes() {
        for proto in ALL_AUTH {
            let m = MasterKey::new(proto, b"maplesyrup");
            let again = MasterKey::from_bytes(proto, m.as_bytes()).unwrap();
            assert_eq!(again, m);
            assert_eq!(
                MasterKey::from_bytes(proto, &m.as_bytes()[1..]),
                Err(CryptoError::KeyLength {
                    expected: proto.digest_len(),
                    got: proto.digest_len() - 1
                })
            );
        }
    }

    #[test]
    fn protocol_sizes() {
        let mac: Vec<usize> = ALL_AUTH.iter().map(|p| p.mac_len()).collect();
        assert_eq!(mac, [12, 12, 16, 24, 32, 48]);
        let dig: Vec<usize> = ALL_AUTH.iter().map(|p| p.digest_len()).collect();
        assert_eq!(dig, [16, 20, 28, 32, 48, 64]);
        use PrivProtocol::*;
        let privs = [Des, Aes128, Aes192, Aes256, Aes192C, Aes256C];
        let keys: Vec<usize> = privs.iter().map(|p| p.key_len()).collect();
        assert_eq!(keys, [8, 16, 24, 32, 24, 32]);
        let loc: Vec<usize> = privs.iter().map(|p| p.localized_len()).collect();
        assert_eq!(loc, [16, 16, 24, 32, 24, 32]);
        assert!(privs.iter().all(|p| p.priv_params_len() == 8));
    }

    #[test]
    fn debug_hides_keys() {
        let m = MasterKey::new(AuthProtocol::Md5, b"maplesyrup");
        assert_eq!(format!("{m:?}"), "MasterKey { protocol: Md5, .. }");
        let a = AuthKey::from_master(&m, &RFC_ENGINE);
        assert_eq!(format!("{a:?}"), "AuthKey { protocol: Md5, .. }");
        let p = PrivKey::from_master(PrivProtocol::Aes128, &m, &RFC_ENGINE);
        assert_eq!(format!("{p:?}"), "PrivKey { protocol: Aes128, .. }");
        assert_eq!(
            format!("{p:#?}"),
            "PrivKey {\n    protocol: Aes128,\n    ..\n}"
        );
    }
}
