//! Credentials: v1/v2c communities and v3 USM users (protocols, passphrases, context).

use std::fmt;

/// SNMP protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// SNMPv1 (wire value 0).
    V1,
    /// SNMPv2c (wire value 1).
    V2c,
    /// SNMPv3 (wire value 3).
    V3,
}

impl Version {
    /// The msgVersion value on the wire.
    #[must_use]
    pub fn wire(self) -> i64 {
        match self {
            Version::V1 => 0,
            Version::V2c => 1,
            Version::V3 => 3,
        }
    }

    /// The version for a msgVersion value.
    #[must_use]
    pub fn from_wire(v: i64) -> Option<Self> {
        match v {
            0 => Some(Version::V1),
            1 => Some(Version::V2c),
            3 => Some(Version::V3),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V1 => "1",
            Version::V2c => "2c",
            Version::V3 => "3",
        })
    }
}

/// USM authentication protocol (RFC 3414, RFC 7860).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthProtocol {
    /// HMAC-MD5-96.
    Md5,
    /// HMAC-SHA-96.
    Sha1,
    /// HMAC-SHA-224 truncated to 128 bits.
    Sha224,
    /// HMAC-SHA-256 truncated to 192 bits.
    Sha256,
    /// HMAC-SHA-384 truncated to 256 bits.
    Sha384,
    /// HMAC-SHA-512 truncated to 384 bits.
    Sha512,
}

/// USM privacy protocol.
///
/// AES-192/256 keys longer than the authentication digest are extended either as in the
/// Blumenthal draft (`Aes192`, `Aes256`, net-snmp's AES-192/AES-256) or as in the Reeder draft
/// used by Cisco (`Aes192C`, `Aes256C`, net-snmp's AES-192C/AES-256C).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrivProtocol {
    /// CBC-DES (RFC 3414).
    Des,
    /// CFB128-AES-128 (RFC 3826).
    Aes128,
    /// CFB128-AES-192, Blumenthal key extension.
    Aes192,
    /// CFB128-AES-256, Blumenthal key extension.
    Aes256,
    /// CFB128-AES-192, Reeder ("Cisco") key extension.
    Aes192C,
    /// CFB128-AES-256, Reeder ("Cisco") key extension.
    Aes256C,
}

/// A v3 USM user with its protocols and passphrases.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UsmUser {
    /// msgUserName.
    pub user: String,
    /// Authentication protocol and passphrase; `None` means noAuthNoPriv.
    pub auth: Option<(AuthProtocol, String)>,
    /// Privacy protocol and passphrase; needs `auth`.
    pub privacy: Option<(PrivProtocol, String)>,
    /// contextName of the scoped PDU (empty by default; `vlan-N` for per-VLAN contexts).
    pub context_name: String,
    /// contextEngineID; `None` means the discovered authoritative engine id.
    pub context_engine_id: Option<Vec<u8>>,
    /// Authoritative engine id known in advance; `None` means discover it.
    pub engine_id: Option<Vec<u8>>,
}

impl UsmUser {
    /// A user without authentication (noAuthNoPriv).
    #[must_use]
    pub fn new(user: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            auth: None,
            privacy: None,
            context_name: String::new(),
            context_engine_id: None,
            engine_id: None,
        }
    }

    /// Adds authentication.
    #[must_use]
    pub fn with_auth(mut self, proto: AuthProtocol, passphrase: impl Into<String>) -> Self {
        self.auth = Some((proto, passphrase.into()));
        self
    }

    /// Adds privacy.
    #[must_use]
    pub fn with_privacy(mut self, proto: PrivProtocol, passphrase: impl Into<String>) -> Self {
        self.privacy = Some((proto, passphrase.into()));
        self
    }

    /// Sets the context name.
    #[must_use]
    pub fn with_context(mut self, name: impl Into<String>) -> Self {
        self.context_name = name.into();
        self
    }
}

impl fmt::Debug for UsmUser {
    /// Never shows passphrases.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsmUser")
            .field("user", &self.user)
            .field("auth", &self.auth.as_ref().map(|a| a.0))
            .field("privacy", &self.privacy.as_ref().map(|p| p.0))
            .field("context_name", &self.context_name)
            .finish_non_exhaustive()
    }
}

/// What a request authenticates with.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// SNMPv1 community.
    V1 {
        /// The community string.
        community: Vec<u8>,
    },
    /// SNMPv2c community.
    V2c {
        /// The community string.
        community: Vec<u8>,
    },
    /// SNMPv3 USM user.
    V3(UsmUser),
}

impl Credential {
    /// A v1 community credential.
    #[must_use]
    pub fn v1(community: impl AsRef<[u8]>) -> Self {
        Credential::V1 {
            community: community.as_ref().to_vec(),
        }
    }

    /// A v2c community credential.
    #[must_use]
    pub fn v2c(community: impl AsRef<[u8]>) -> Self {
        Credential::V2c {
            community: community.as_ref().to_vec(),
        }
    }

    /// The protocol version this credential speaks.
    #[must_use]
    pub fn version(&self) -> Version {
        match self {
            Credential::V1 { .. } => Version::V1,
            Credential::V2c { .. } => Version::V2c,
            Credential::V3(_) => Version::V3,
        }
    }

    /// The same credential for another community (v1/v2c) or context (v3), e.g. `public@10` or
    /// `vlan-10` for per-VLAN bridge tables.
    #[must_use]
    pub fn for_vlan(&self, vlan: u32) -> Self {
        match self {
            Credential::V1 { community } => Credential::V1 {
                community: with_vlan(community, vlan),
            },
            Credential::V2c { community } => Credential::V2c {
                community: with_vlan(community, vlan),
            },
            Credential::V3(user) => {
                Credential::V3(user.clone().with_context(format!("vlan-{vlan}")))
            }
        }
    }
}

fn with_vlan(community: &[u8], vlan: u32) -> Vec<u8> {
    let mut c = community.to_vec();
    c.extend_from_slice(format!("@{vlan}").as_bytes());
    c
}

impl fmt::Debug for Credential {
    /// Never shows communities or passphrases.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::V1 { .. } => f.write_str("Credential::V1 { community: <hidden> }"),
            Credential::V2c { .. } => f.write_str("Credential::V2c { community: <hidden> }"),
            Credential::V3(u) => write!(f, "Credential::V3({u:?})"),
        }
    }
}
