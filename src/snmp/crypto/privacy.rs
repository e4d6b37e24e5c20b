//! USM privacy: CBC-DES (RFC 3414 §8), CFB128-AES (RFC 3826) and the AES-192/256 key extensions
//! of the Blumenthal and Reeder drafts.

use std::fmt;

use aes::cipher::{
    Array, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser, InnerIvInit, Key,
    KeyInit, consts::U16,
};
use aes::{Aes128, Aes192, Aes256};
use des::Des;

use super::{AuthProtocol, CryptoError, MasterKey, PrivProtocol, check_len, hash, wipe};

/// Localized privacy key material for `priv_proto` (`priv_proto.localized_len()` bytes): the
/// master key localised to the engine, then extended when the digest is shorter than the
/// cipher needs.
///
/// - `Aes192`/`Aes256` (draft-blumenthal-aes-usm-04 §3.1.2.1): append `H(key so far)`.
/// - `Aes192C`/`Aes256C` (draft-reeder-snmpv3-usm-3desede-00 §2.1): append
///   `localize(password_to_key(key so far))`, i.e. run password-to-key (1 MiB) again.
///
/// Digests are at least 16 bytes and keys at most 32, so at most one extension step happens.
#[must_use]
pub fn localize_priv_key(
    priv_proto: PrivProtocol,
    master: &MasterKey,
    engine_id: &[u8],
) -> Vec<u8> {
    let need = priv_proto.localized_len();
    let mut key = master.localize(engine_id);
    while key.len() < need {
        let mut next = match priv_proto {
            PrivProtocol::Aes192C | PrivProtocol::Aes256C => {
                MasterKey::new(master.proto, &key).localize(engine_id)
            }
            _ => hash(master.proto, &[&key]),
        };
        key.extend_from_slice(&next);
        wipe(&mut next);
    }
    wipe(&mut key[need..]);
    key.truncate(need);
    key
}

/// A block cipher with its key schedule, ready for one privacy protocol.
#[derive(Clone)]
enum CipherState {
    Des { cipher: Des, pre_iv: [u8; 8] },
    Aes128(Aes128),
    Aes192(Aes192),
    Aes256(Aes256),
}

/// Copies `N` bytes from the start of `bytes` (zero-filled if shorter, which callers rule out).
fn take<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let n = bytes.len().min(N);
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// A block cipher keyed from the first `N` bytes of `key`, wiping the temporary copies.
fn cipher_init<C: KeyInit, const N: usize>(key: &[u8]) -> C
where
    [u8; N]: Into<Key<C>>,
{
    let mut k = take::<N>(key);
    let mut arr: Key<C> = k.into();
    let cipher = C::new(&arr);
    wipe(&mut k);
    wipe(&mut arr);
    cipher
}

/// AES in CFB128 mode over `buf`, in place.
fn aes_cfb<C>(cipher: &C, iv: [u8; 16], buf: &mut [u8], encrypt: bool)
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + Clone,
{
    let iv = Array::from(iv);
    if encrypt {
        cfb_mode::Encryptor::<C>::inner_iv_init(cipher.clone(), &iv).encrypt(buf);
    } else {
        cfb_mode::Decryptor::<C>::inner_iv_init(cipher.clone(), &iv).decrypt(buf);
    }
}

/// USM privacy key: the localized (and, for AES-192/256, extended) privacy key.
#[derive(Clone)]
pub struct PrivKey {
    proto: PrivProtocol,
    cipher: CipherState,
}

impl PrivKey {
    /// Derives the key from the privacy passphrase with the hash of `auth_proto` (1 MiB of
    /// hashing, 2 MiB for the Reeder variants with short digests) and localises it.
    #[must_use]
    pub fn new(
        priv_proto: PrivProtocol,
        auth_proto: AuthProtocol,
        password: &[u8],
        engine_id: &[u8],
    ) -> Self {
        Self::from_master(priv_proto, &MasterKey::new(auth_proto, password), engine_id)
    }

    /// Localises a cached master key of the privacy passphrase (derived with the hash of the
    /// authentication protocol) to `engine_id`.
    #[must_use]
    pub fn from_master(priv_proto: PrivProtocol, master: &MasterKey, engine_id: &[u8]) -> Self {
        let mut key = localize_priv_key(priv_proto, master, engine_id);
        let out = Self::keyed(priv_proto, &key);
        wipe(&mut key);
        out
    }

    /// A key from localized key material: `priv_proto.localized_len()` bytes (DES key followed
    /// by the pre-IV for DES, the AES key otherwise).
    ///
    /// # Errors
    /// [`CryptoError::KeyLength`] for any other length.
    pub fn from_localized(priv_proto: PrivProtocol, key: &[u8]) -> Result<Self, CryptoError> {
        check_len(priv_proto.localized_len(), key)?;
        Ok(Self::keyed(priv_proto, key))
    }

    /// `key` is `priv_proto.localized_len()` bytes.
    fn keyed(proto: PrivProtocol, key: &[u8]) -> Self {
        let cipher = match proto {
            PrivProtocol::Des => CipherState::Des {
                cipher: cipher_init::<Des, 8>(key),
                pre_iv: take::<8>(key.get(8..).unwrap_or_default()),
            },
            PrivProtocol::Aes128 => CipherState::Aes128(cipher_init::<Aes128, 16>(key)),
            PrivProtocol::Aes192 | PrivProtocol::Aes192C => {
                CipherState::Aes192(cipher_init::<Aes192, 24>(key))
            }
            PrivProtocol::Aes256 | PrivProtocol::Aes256C => {
                CipherState::Aes256(cipher_init::<Aes256, 32>(key))
            }
        };
        Self { proto, cipher }
    }

    /// The privacy protocol.
    #[must_use]
    pub fn protocol(&self) -> PrivProtocol {
        self.proto
    }

    /// Encrypts a serialized scoped PDU; returns the encryptedPDU contents and
    /// msgPrivacyParameters.
    ///
    /// `engine_boots`/`engine_time` are the authoritative engine's values sent in the message;
    /// `salt` is the sender's counter, which must not repeat for one key (the caller increments
    /// it per message; DES uses its low 32 bits). DES pads the plaintext with zeros to a multiple
    /// of 8 bytes; AES-CFB does not pad.
    #[must_use]
    pub fn encrypt(
        &self,
        engine_boots: u32,
        engine_time: u32,
        salt: u64,
        plaintext: &[u8],
    ) -> (Vec<u8>, [u8; 8]) {
        let mut buf = plaintext.to_vec();
        let params = match &self.cipher {
            CipherState::Des { cipher, pre_iv } => {
                // RFC 3414 §8.1.1.1: salt = engineBoots || local 32-bit integer.
                let mut params = [0u8; 8];
                params[..4].copy_from_slice(&engine_boots.to_be_bytes());
                params[4..].copy_from_slice(&salt.to_be_bytes()[4..]);
                buf.resize(plaintext.len().next_multiple_of(8), 0);
                let iv = xor8(pre_iv, &params);
                let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
                cbc::Encryptor::<Des>::inner_iv_init(cipher.clone(), &iv.into())
                    .encrypt_blocks(blocks);
                params
            }
            CipherState::Aes128(c) => aes_encrypt(c, engine_boots, engine_time, salt, &mut buf),
            CipherState::Aes192(c) => aes_encrypt(c, engine_boots, engine_time, salt, &mut buf),
            CipherState::Aes256(c) => aes_encrypt(c, engine_boots, engine_time, salt, &mut buf),
        };
        (buf, params)
    }

    /// Decrypts an encryptedPDU with the received msgPrivacyParameters and the
    /// msgAuthoritativeEngineBoots/Time of the same message. For DES the result keeps the
    /// sender's padding, which the BER parser ignores after the scoped PDU.
    ///
    /// # Errors
    /// [`CryptoError::PrivParamsLength`] unless `priv_params` is 8 bytes;
    /// [`CryptoError::UnalignedCiphertext`] for DES unless the ciphertext is a multiple of 8 bytes.
    /// A wrong key is not detected here: it yields garbage that the BER parser rejects.
    pub fn decrypt(
        &self,
        engine_boots: u32,
        engine_time: u32,
        priv_params: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let params: [u8; 8] = priv_params
            .try_into()
            .map_err(|_| CryptoError::PrivParamsLength(priv_params.len()))?;
        let mut buf = ciphertext.to_vec();
        match &self.cipher {
            CipherState::Des { cipher, pre_iv } => {
                if !buf.len().is_multiple_of(8) {
                    return Err(CryptoError::UnalignedCiphertext(buf.len()));
                }
                let iv = xor8(pre_iv, &params);
                let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
                cbc::Decryptor::<Des>::inner_iv_init(cipher.clone(), &iv.into())
                    .decrypt_blocks(blocks);
            }
            CipherState::Aes128(c) => aes_decrypt(c, engine_boots, engine_time, params, &mut buf),
            CipherState::Aes192(c) => aes_decrypt(c, engine_boots, engine_time, params, &mut buf),
            CipherState::Aes256(c) => aes_decrypt(c, engine_boots, engine_time, params, &mut buf),
        }
        Ok(buf)
    }
}

impl fmt::Debug for PrivKey {
    /// Shows only the protocol.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivKey")
            .field("protocol", &self.proto)
            .finish_non_exhaustive()
    }
}

fn xor8(a: &[u8; 8], b: &[u8; 8]) -> [u8; 8] {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// RFC 3826 §3.1.2.1: IV = engineBoots || engineTime || salt (the privacy parameters).
fn aes_iv(engine_boots: u32, engine_time: u32, params: [u8; 8]) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..4].copy_from_slice(&engine_boots.to_be_bytes());
    iv[4..8].copy_from_slice(&engine_time.to_be_bytes());
    iv[8..].copy_from_slice(&params);
    iv
}

/// CFB128-AES encryption in place; returns msgPrivacyParameters (the salt, big-endian).
fn aes_encrypt<C>(cipher: &C, boots: u32, time: u32, salt: u64, buf: &mut [u8]) -> [u8; 8]
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + Clone,
{
    let params = salt.to_be_bytes();
    aes_cfb(cipher, aes_iv(boots, time, params), buf, true);
    params
}

/// CFB128-AES decryption in place with the received msgPrivacyParameters.
fn aes_decrypt<C>(cipher: &C, boots: u32, time: u32, params: [u8; 8], buf: &mut [u8])
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + Clone,
{
    aes_cfb(cipher, aes_iv(boots, time, params), buf, false);
}

#[cfg(test)]
mod tests {
    use super::super::{RFC_ENGINE, hex};
    use super::*;

    const PRIV_PW: &[u8] = b"bananasplit";

    const ALL_PRIV: [PrivProtocol; 6] = [
        PrivProtocol::Des,
        PrivProtocol::Aes128,
        PrivProtocol::Aes192,
        PrivProtocol::Aes256,
        PrivProtocol::Aes192C,
        PrivProtocol::Aes256C,
    ];

    /// Localized privacy keys of "bananasplit" for engine 00…02, computed with pysnmp 7.1.30:
    /// `svc.localize_key(auth_oid, svc.hash_passphrase(auth_oid, pw), engine)` with `svc` one of
    /// `rfc3414.priv.des.Des`, `rfc3826.priv.aes.Aes`, `eso.priv.aes192.AesBlumenthal192`,
    /// `eso.priv.aes256.AesBlumenthal256` (Blumenthal) and `eso.priv.aes192.Aes192`,
    /// `eso.priv.aes256.Aes256` (Reeder).
    #[test]
    fn priv_key_vectors() {
        use AuthProtocol::{Md5, Sha1, Sha224, Sha256};
        use PrivProtocol::*;
        let cases: [(AuthProtocol, [&str; 6]); 4] = [
            (
                Md5,
                [
                    "16d90e3836908f6d211efeb5502b9f7b",
                    "16d90e3836908f6d211efeb5502b9f7b",
                    "16d90e3836908f6d211efeb5502b9f7b89d491d7b38f305c",
                    "16d90e3836908f6d211efeb5502b9f7b89d491d7b38f305cad12d4cd802630b7",
                    "16d90e3836908f6d211efeb5502b9f7b13a52aa85173a8ab",
                    "16d90e3836908f6d211efeb5502b9f7b13a52aa85173a8abf916394496b3f7a4",
                ],
            ),
            (
                Sha1,
                [
                    "b3a691b98b7bce77df8219d6e33c7cb3",
                    "b3a691b98b7bce77df8219d6e33c7cb3",
                    "b3a691b98b7bce77df8219d6e33c7cb30383c83311d46659",
                    "b3a691b98b7bce77df8219d6e33c7cb30383c83311d466595322ee59451eec3a",
                    "b3a691b98b7bce77df8219d6e33c7cb30383c83351cf87a4",
                    "b3a691b98b7bce77df8219d6e33c7cb30383c83351cf87a489942441e7f2c546",
                ],
            ),
            (
                Sha224,
                [
                    "746a42b22bc441fdb0e65133a8461fcc",
                    "746a42b22bc441fdb0e65133a8461fcc",
                    "746a42b22bc441fdb0e65133a8461fcc15d76e22b01540f2",
                    "746a42b22bc441fdb0e65133a8461fcc15d76e22b01540f2212582ee8e9905de",
                    "746a42b22bc441fdb0e65133a8461fcc15d76e22b01540f2",
                    "746a42b22bc441fdb0e65133a8461fcc15d76e22b01540f2212582ee3941d2d1",
                ],
            ),
            (
                Sha256,
                [
                    "8d8811a09402aff99eb6138f67e2366a",
                    "8d8811a09402aff99eb6138f67e2366a",
                    "8d8811a09402aff99eb6138f67e2366a56584908948bf6ac",
                    "8d8811a09402aff99eb6138f67e2366a56584908948bf6acd10a5e6a4d48184d",
                    "8d8811a09402aff99eb6138f67e2366a56584908948bf6ac",
                    "8d8811a09402aff99eb6138f67e2366a56584908948bf6acd10a5e6a4d48184d",
                ],
            ),
        ];
        for (auth, keys) in cases {
            let master = MasterKey::new(auth, PRIV_PW);
            for (proto, want) in [Des, Aes128, Aes192, Aes256, Aes192C, Aes256C]
                .into_iter()
                .zip(keys)
            {
                let got = localize_priv_key(proto, &master, &RFC_ENGINE);
                assert_eq!(got, hex(want), "{auth:?} {proto:?}");
                assert_eq!(got.len(), proto.localized_len());
            }
        }
    }

    /// Plaintext of the encryption vectors: 29 bytes, not a multiple of 8.
    fn plaintext() -> Vec<u8> {
        (0x30..0x30 + 29).collect()
    }

    /// Ciphertexts computed with pysnmp 7.1.30's `encrypt_data` (which calls pyca/cryptography,
    /// i.e. OpenSSL) after setting the service's `local_int` to the salt; key from
    /// "bananasplit" localized to engine 00…02. pysnmp pads DES with zeros, as net-snmp does.
    #[test]
    fn encryption_vectors() {
        use AuthProtocol::{Md5, Sha1};
        use PrivProtocol::*;
        let cases = [
            (
                Md5,
                Des,
                7,
                12345,
                0x0102_0304,
                "0000000701020304",
                "79430ed8f7fd91058c71c33f6c2db32191b378d3b7c415f8c9310ded78d70ac5",
            ),
            (
                Sha1,
                Des,
                0x0102_0304,
                99,
                0xdead_beef,
                "01020304deadbeef",
                "38ae19bff167c037914a0283bb7e730d85b63705d13c1a374fe130ada6086718",
            ),
            (
                Sha1,
                Aes128,
                7,
                12345,
                0x0102_0304_0506_0708,
                "0102030405060708",
                "300ead84fa3bdf8f2bdb51f1aa314502762f128c162d166b6909115c0c",
            ),
            (
                Md5,
                Aes128,
                3,
                600,
                0xffee_ddcc_bbaa_9988,
                "ffeeddccbbaa9988",
                "0dcdad7caed958a75e669fbe5a35a30fd1dd73a318ce9cd9083ee52451",
            ),
            (
                Sha1,
                Aes256,
                7,
                12345,
                0x1112_1314_1516_1718,
                "1112131415161718",
                "076c3c31002334067680b731af8e554cec8a1bf801f05d35603ff168f3",
            ),
            (
                Sha1,
                Aes256C,
                7,
                12345,
                0x1112_1314_1516_1718,
                "1112131415161718",
                "dae95287228fea5cb17042fdb04a78b4ecd35aadc9d803aada3073fbe0",
            ),
            (
                Md5,
                Aes192C,
                7,
                12345,
                0x2122_2324_2526_2728,
                "2122232425262728",
                "955113a82777f23c4c8c83f6bfcb8dc33a3cff8721f4e5632c2c1b4612",
            ),
        ];
        let pt = plaintext();
        for (auth, proto, boots, time, salt, params, ct) in cases {
            let key = PrivKey::new(proto, auth, PRIV_PW, &RFC_ENGINE);
            assert_eq!(key.protocol(), proto);
            let (got_ct, got_params) = key.encrypt(boots, time, salt, &pt);
            assert_eq!(got_params.to_vec(), hex(params), "{auth:?} {proto:?}");
            assert_eq!(got_ct, hex(ct), "{auth:?} {proto:?}");
            let back = key.decrypt(boots, time, &got_params, &got_ct).unwrap();
            if proto == Des {
                assert_eq!(back.len(), 32);
                assert_eq!(&back[..29], &pt[..]);
                assert_eq!(&back[29..], &[0, 0, 0]);
            } else {
                assert_eq!(back, pt);
            }
        }
    }

    #[test]
    fn des_salt_uses_low_32_bits_and_no_padding_when_aligned() {
        let key = PrivKey::new(PrivProtocol::Des, AuthProtocol::Md5, PRIV_PW, &RFC_ENGINE);
        let (ct, params) = key.encrypt(1, 2, 0xaaaa_bbbb_cccc_dddd, &[5; 16]);
        assert_eq!(params, [0, 0, 0, 1, 0xcc, 0xcc, 0xdd, 0xdd]);
        assert_eq!(ct.len(), 16);
        let (ct, _) = key.encrypt(1, 2, 3, &[]);
        assert!(ct.is_empty());
    }

    #[test]
    fn round_trips() {
        let lens = [0usize, 1, 7, 8, 9, 15, 16, 17, 100, 1500];
        for auth in [AuthProtocol::Md5, AuthProtocol::Sha1, AuthProtocol::Sha512] {
            let master = MasterKey::new(auth, PRIV_PW);
            for proto in ALL_PRIV {
                let key = PrivKey::from_master(proto, &master, &RFC_ENGINE);
                let loc = localize_priv_key(proto, &master, &RFC_ENGINE);
                let same = PrivKey::from_localized(proto, &loc).unwrap();
                for (i, len) in lens.into_iter().enumerate() {
                    let pt: Vec<u8> = (0..len).map(|b| (b * 31 + 7) as u8).collect();
                    let (boots, time, salt) = (i as u32, 1000 + i as u32, u64::MAX - i as u64);
                    let (ct, params) = key.encrypt(boots, time, salt, &pt);
                    assert_eq!(same.encrypt(boots, time, salt, &pt), (ct.clone(), params));
                    if proto == PrivProtocol::Des {
                        assert_eq!(ct.len(), len.next_multiple_of(8));
                    } else {
                        assert_eq!(ct.len(), len);
                    }
                    if len >= 8 {
                        assert_ne!(&ct[..8], &pt[..8], "{auth:?} {proto:?} not encrypted");
                    }
                    let back = key.decrypt(boots, time, &params, &ct).unwrap();
                    assert_eq!(&back[..len], &pt[..], "{auth:?} {proto:?} {len}");
                    assert!(back[len..].iter().all(|&b| b == 0));
                    // A different salt gives a different ciphertext.
                    if len > 0 {
                        assert_ne!(key.encrypt(boots, time, salt ^ 1, &pt).0, ct);
                    }
                }
            }
        }
    }

    #[test]
    fn decrypt_rejects_bad_input_without_panicking() {
        for auth in [AuthProtocol::Md5, AuthProtocol::Sha256] {
            let master = MasterKey::new(auth, PRIV_PW);
            for proto in ALL_PRIV {
                let key = PrivKey::from_master(proto, &master, &RFC_ENGINE);
                for bad_params in [&[][..], &[1; 7], &[1; 9], &[0; 64]] {
                    assert_eq!(
                        key.decrypt(1, 2, bad_params, &[0; 16]),
                        Err(CryptoError::PrivParamsLength(bad_params.len()))
                    );
                }
                for len in [1usize, 7, 9, 15, 17, 1001] {
                    let garbage: Vec<u8> = (0..len).map(|b| (b * 13) as u8).collect();
                    let got = key.decrypt(u32::MAX, u32::MAX, &[0xff; 8], &garbage);
                    if proto == PrivProtocol::Des {
                        assert_eq!(got, Err(CryptoError::UnalignedCiphertext(len)));
                    } else {
                        // CFB has no length constraint: garbage in, garbage out.
                        assert_eq!(got.unwrap().len(), len);
                    }
                }
                for len in [0usize, 8, 24, 4096] {
                    let garbage = vec![0xa5; len];
                    assert_eq!(key.decrypt(0, 0, &[0; 8], &garbage).unwrap().len(), len);
                }
            }
        }
    }

    #[test]
    fn from_localized_checks_length() {
        assert_eq!(
            PrivKey::from_localized(PrivProtocol::Des, &[0; 8]).unwrap_err(),
            CryptoError::KeyLength {
                expected: 16,
                got: 8
            }
        );
        assert!(PrivKey::from_localized(PrivProtocol::Aes256C, &[0; 24]).is_err());
        assert!(PrivKey::from_localized(PrivProtocol::Aes192, &[0; 24]).is_ok());
    }
}
