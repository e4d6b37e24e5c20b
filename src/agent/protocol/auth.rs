//! `AUTHENTICATION` entries of NETDISCOVERY and SNMPQUERY options: every field as the server sent
//! it, and the conversion to a [`Credential`] with the FusionInventory keep/drop rules
//! (protocol.md §2.4, network-tasks.md §2.1).

use std::fmt;

use thiserror::Error;

use super::xml::Node;
use crate::snmp::{AuthProtocol, Credential, PrivProtocol, UsmUser, Version};

/// Shortest passphrase USM accepts (RFC 3414 §11.2; Net::SNMP refuses shorter ones).
const MIN_PASSPHRASE: usize = 8;

/// One `AUTHENTICATION` element. Empty attributes count as absent. Debug output hides the
/// community and the passphrases.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Authentication {
    /// `ID`: what `DEVICE/AUTHSNMP_ID` refers to.
    pub id: Option<String>,
    /// `TYPE` (glpi-agent: `snmp`, `esx`, `ssh`, `winrm`); absent means SNMP.
    pub kind: Option<String>,
    /// `VERSION`: `1`, `2c` or `3`.
    pub version: Option<String>,
    /// `COMMUNITY` (v1/v2c).
    pub community: Option<String>,
    /// `USERNAME` (v3).
    pub username: Option<String>,
    /// `AUTHPROTOCOL` (`MD5`, `SHA`, …).
    pub auth_protocol: Option<String>,
    /// `AUTHPASSPHRASE`, or glpi-agent's `AUTHPASSWORD` when the former is absent.
    pub auth_passphrase: Option<String>,
    /// `PRIVPROTOCOL` (`DES`, `AES`, …).
    pub priv_protocol: Option<String>,
    /// `PRIVPASSPHRASE`, or `PRIVPASSWORD` when the former is absent.
    pub priv_passphrase: Option<String>,
    /// `PORT` (glpi-agent), as sent.
    pub port: Option<String>,
    /// `PROTOCOL` (glpi-agent), as sent.
    pub protocol: Option<String>,
}

/// Why an `AUTHENTICATION` entry gives no usable SNMP credential. Never repeats a secret.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CredentialProblem {
    /// `TYPE` other than `snmp` (remote-inventory credentials).
    #[error("not an SNMP credential (TYPE {0})")]
    NotSnmp(String),
    /// `VERSION` outside 1, 2c, 3.
    #[error("unknown SNMP version {0:?} (expected 1, 2c or 3)")]
    UnknownVersion(String),
    /// v1/v2c without `COMMUNITY`.
    #[error("SNMP v{0} without COMMUNITY")]
    MissingCommunity(Version),
    /// v3 without `USERNAME`.
    #[error("SNMP v3 without USERNAME")]
    MissingUsername,
    /// `AUTHPROTOCOL` this agent does not know.
    #[error("unsupported AUTHPROTOCOL {0:?}")]
    AuthProtocol(String),
    /// `PRIVPROTOCOL` this agent does not know (3DES among them).
    #[error("unsupported PRIVPROTOCOL {0:?}")]
    PrivProtocol(String),
    /// Privacy without authentication: USM has no noAuthPriv level.
    #[error("PRIVPASSPHRASE without AUTHPASSPHRASE")]
    PrivWithoutAuth,
    /// A passphrase under 8 characters.
    #[error("{0} shorter than 8 characters")]
    ShortPassphrase(&'static str),
}

impl Authentication {
    pub(crate) fn from_node(node: &Node) -> Self {
        let either = |a: &str, b: &str| node.value(a).or_else(|| node.value(b));
        Self {
            id: node.value("ID"),
            kind: node.value("TYPE"),
            version: node.value("VERSION"),
            community: node.value("COMMUNITY"),
            username: node.value("USERNAME"),
            auth_protocol: node.value("AUTHPROTOCOL"),
            auth_passphrase: either("AUTHPASSPHRASE", "AUTHPASSWORD"),
            priv_protocol: node.value("PRIVPROTOCOL"),
            priv_passphrase: either("PRIVPASSPHRASE", "PRIVPASSWORD"),
            port: node.value("PORT"),
            protocol: node.value("PROTOCOL"),
        }
    }

    /// The SNMP credential, with Net::SNMP's rules: no VERSION means v1; v1/v2c need a
    /// community, v3 a username; a passphrase without its protocol means MD5 (auth) or DES
    /// (privacy); a protocol without its passphrase is ignored.
    pub fn credential(&self) -> Result<Credential, CredentialProblem> {
        if let Some(kind) = &self.kind
            && !kind.eq_ignore_ascii_case("snmp")
        {
            return Err(CredentialProblem::NotSnmp(kind.clone()));
        }
        let version = match self.version.as_deref() {
            None => Version::V1,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "1" | "v1" => Version::V1,
                "2c" | "2" | "v2c" => Version::V2c,
                "3" | "v3" => Version::V3,
                _ => {
                    return Err(CredentialProblem::UnknownVersion(
                        v.chars().take(20).collect(),
                    ));
                }
            },
        };
        match version {
            Version::V1 | Version::V2c => {
                let community = self
                    .community
                    .as_deref()
                    .ok_or(CredentialProblem::MissingCommunity(version))?;
                Ok(if version == Version::V1 {
                    Credential::v1(community)
                } else {
                    Credential::v2c(community)
                })
            }
            Version::V3 => self.usm_user().map(Credential::V3),
        }
    }

    fn usm_user(&self) -> Result<UsmUser, CredentialProblem> {
        let name = self
            .username
            .as_deref()
            .ok_or(CredentialProblem::MissingUsername)?;
        let mut user = UsmUser::new(name);
        match (&self.auth_passphrase, &self.priv_passphrase) {
            (None, Some(_)) => return Err(CredentialProblem::PrivWithoutAuth),
            (None, None) => return Ok(user),
            (Some(auth), privacy) => {
                let proto = auth_protocol(self.auth_protocol.as_deref())?;
                user = user.with_auth(proto, passphrase(auth, "AUTHPASSPHRASE")?);
                if let Some(privacy) = privacy {
                    let proto = priv_protocol(self.priv_protocol.as_deref())?;
                    user = user.with_privacy(proto, passphrase(privacy, "PRIVPASSPHRASE")?);
                }
            }
        }
        Ok(user)
    }
}

fn passphrase<'a>(text: &'a str, name: &'static str) -> Result<&'a str, CredentialProblem> {
    if text.chars().count() < MIN_PASSPHRASE {
        Err(CredentialProblem::ShortPassphrase(name))
    } else {
        Ok(text)
    }
}

/// Lower case without `-`, `_` and spaces (`SHA-256`, `aes_128`).
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn auth_protocol(text: Option<&str>) -> Result<AuthProtocol, CredentialProblem> {
    let Some(text) = text else {
        return Ok(AuthProtocol::Md5);
    };
    match normalise(text).as_str() {
        "md5" | "hmacmd5" => Ok(AuthProtocol::Md5),
        "sha" | "sha1" | "hmacsha" => Ok(AuthProtocol::Sha1),
        "sha224" => Ok(AuthProtocol::Sha224),
        "sha256" => Ok(AuthProtocol::Sha256),
        "sha384" => Ok(AuthProtocol::Sha384),
        "sha512" => Ok(AuthProtocol::Sha512),
        _ => Err(CredentialProblem::AuthProtocol(
            text.chars().take(20).collect(),
        )),
    }
}

fn priv_protocol(text: Option<&str>) -> Result<PrivProtocol, CredentialProblem> {
    let Some(text) = text else {
        return Ok(PrivProtocol::Des);
    };
    match normalise(text).as_str() {
        "des" | "cbcdes" => Ok(PrivProtocol::Des),
        "aes" | "aes128" | "cfbaes128" => Ok(PrivProtocol::Aes128),
        "aes192" => Ok(PrivProtocol::Aes192),
        "aes256" => Ok(PrivProtocol::Aes256),
        "aes192c" => Ok(PrivProtocol::Aes192C),
        "aes256c" => Ok(PrivProtocol::Aes256C),
        _ => Err(CredentialProblem::PrivProtocol(
            text.chars().take(20).collect(),
        )),
    }
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "<hidden>");
        f.debug_struct("Authentication")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("version", &self.version)
            .field("community", &hidden(&self.community))
            .field("username", &self.username)
            .field("auth_protocol", &self.auth_protocol)
            .field("auth_passphrase", &hidden(&self.auth_passphrase))
            .field("priv_protocol", &self.priv_protocol)
            .field("priv_passphrase", &hidden(&self.priv_passphrase))
            .field("port", &self.port)
            .field("protocol", &self.protocol)
            .finish()
    }
}

/// A usable credential of a job, with the `ID` the server gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobCredential {
    /// `ID` of the AUTHENTICATION element.
    pub id: Option<String>,
    /// The credential.
    pub credential: Credential,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(pairs: &[(&str, &str)]) -> Authentication {
        let node = Node {
            name: "AUTHENTICATION".into(),
            attributes: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Node::default()
        };
        Authentication::from_node(&node)
    }

    #[test]
    fn communities() {
        let a = auth(&[("ID", "1"), ("VERSION", "2c"), ("COMMUNITY", "public")]);
        assert_eq!(a.credential(), Ok(Credential::v2c("public")));
        assert_eq!(
            auth(&[("COMMUNITY", "x")]).credential(),
            Ok(Credential::v1("x"))
        );
        assert_eq!(
            auth(&[("VERSION", "1"), ("COMMUNITY", "")]).credential(),
            Err(CredentialProblem::MissingCommunity(Version::V1))
        );
        assert_eq!(
            auth(&[("VERSION", "4"), ("COMMUNITY", "x")]).credential(),
            Err(CredentialProblem::UnknownVersion("4".into()))
        );
        assert_eq!(
            auth(&[("TYPE", "ssh"), ("USERNAME", "root")]).credential(),
            Err(CredentialProblem::NotSnmp("ssh".into()))
        );
    }

    #[test]
    fn v3_rules_and_both_passphrase_spellings() {
        let full = auth(&[
            ("VERSION", "3"),
            ("USERNAME", "glpi"),
            ("AUTHPROTOCOL", "SHA"),
            ("AUTHPASSPHRASE", "s3cret-auth"),
            ("PRIVPROTOCOL", "AES"),
            ("PRIVPASSWORD", "s3cret-priv"),
        ]);
        assert_eq!(full.priv_passphrase.as_deref(), Some("s3cret-priv"));
        let expected = UsmUser::new("glpi")
            .with_auth(AuthProtocol::Sha1, "s3cret-auth")
            .with_privacy(PrivProtocol::Aes128, "s3cret-priv");
        assert_eq!(full.credential(), Ok(Credential::V3(expected)));
        let debug = format!("{full:?}");
        assert!(!debug.contains("s3cret"), "{debug}");

        // Passphrase spelling wins over password; protocol defaults to MD5.
        let a = auth(&[
            ("VERSION", "3"),
            ("USERNAME", "u"),
            ("AUTHPASSWORD", "password-b"),
            ("AUTHPASSPHRASE", "passphrase-a"),
        ]);
        assert_eq!(
            a.credential(),
            Ok(Credential::V3(
                UsmUser::new("u").with_auth(AuthProtocol::Md5, "passphrase-a")
            ))
        );
        // A protocol without its passphrase is ignored: noAuthNoPriv.
        let a = auth(&[("VERSION", "3"), ("USERNAME", "u"), ("AUTHPROTOCOL", "SHA")]);
        assert_eq!(a.credential(), Ok(Credential::V3(UsmUser::new("u"))));
    }

    #[test]
    fn v3_problems() {
        let v3 = |extra: &[(&str, &str)]| {
            let mut pairs = vec![("VERSION", "3"), ("USERNAME", "u")];
            pairs.extend_from_slice(extra);
            auth(&pairs).credential()
        };
        assert_eq!(
            auth(&[("VERSION", "3"), ("USERNAME", "")]).credential(),
            Err(CredentialProblem::MissingUsername)
        );
        assert_eq!(
            v3(&[("PRIVPASSPHRASE", "12345678")]),
            Err(CredentialProblem::PrivWithoutAuth)
        );
        assert_eq!(
            v3(&[("AUTHPASSPHRASE", "short")]),
            Err(CredentialProblem::ShortPassphrase("AUTHPASSPHRASE"))
        );
        assert_eq!(
            v3(&[("AUTHPROTOCOL", "SHA3"), ("AUTHPASSPHRASE", "12345678")]),
            Err(CredentialProblem::AuthProtocol("SHA3".into()))
        );
        assert_eq!(
            v3(&[
                ("AUTHPASSPHRASE", "12345678"),
                ("PRIVPROTOCOL", "3DES"),
                ("PRIVPASSPHRASE", "12345678")
            ]),
            Err(CredentialProblem::PrivProtocol("3DES".into()))
        );
    }
}
