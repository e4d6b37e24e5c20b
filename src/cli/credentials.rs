//! `--credentials SPEC` and `--community C`: FusionInventory `key:value,key:value` credential
//! specs turned into [`Credential`](crate::snmp::Credential)s (shared by netdiscovery,
//! netinventory and capture).
//!
//! Keys are case-insensitive: `version` (1, 2c, 3), `community`, `username`, `authprotocol`,
//! `authpassphrase` (or `authpassword`), `privprotocol`, `privpassphrase` (or `privpassword`),
//! `context` and `engineid` (hex). Without `version`, a spec with any v3 key is v3, otherwise v1.
//! Errors never repeat a community or passphrase.

use std::ffi::OsStr;

use clap::error::ErrorKind;
use thiserror::Error;

use crate::snmp::{AuthProtocol, Credential, PrivProtocol, UsmUser, Version};

/// Shortest passphrase USM accepts (RFC 3414 §11.2; net-snmp refuses shorter ones too).
const MIN_PASSPHRASE: usize = 8;

/// Why a credential spec was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// Nothing but separators.
    #[error("empty credentials")]
    Empty,
    /// An item without `:`.
    #[error("item {index} is not `key:value`")]
    NotKeyValue {
        /// 1-based position of the item.
        index: usize,
    },
    /// A key outside the list.
    #[error(
        "unknown key `{key}` (expected version, community, username, authprotocol, \
         authpassphrase, privprotocol, privpassphrase, context or engineid)"
    )]
    UnknownKey {
        /// The key as written.
        key: String,
    },
    /// The same key (or both spellings of it) twice.
    #[error("`{key}` is given twice")]
    Duplicate {
        /// Canonical key name.
        key: &'static str,
    },
    /// `key:` with nothing after it.
    #[error("`{key}` has an empty value")]
    EmptyValue {
        /// Canonical key name.
        key: &'static str,
    },
    /// `version` outside 1, 2c, 3.
    #[error("unknown version `{0}` (expected 1, 2c or 3)")]
    Version(String),
    /// `authprotocol` outside the supported list.
    #[error("unknown authprotocol `{0}` (expected md5, sha, sha224, sha256, sha384 or sha512)")]
    AuthProtocol(String),
    /// `privprotocol` outside the supported list.
    #[error(
        "unknown privprotocol `{0}` (expected des, aes, aes128, aes192, aes256, aes192c or aes256c)"
    )]
    PrivProtocol(String),
    /// `engineid` that is not 5 to 32 octets of hex.
    #[error("engineid `{0}` is not 5 to 32 octets written in hex")]
    EngineId(String),
    /// v1/v2c without a community.
    #[error("SNMP v{0} needs a community")]
    MissingCommunity(Version),
    /// v3 without a username.
    #[error("SNMP v3 needs a username")]
    MissingUsername,
    /// A key that the chosen version does not use.
    #[error("`{key}` does not apply to SNMP v{version}")]
    NotForVersion {
        /// Canonical key name.
        key: &'static str,
        /// The version of the spec.
        version: Version,
    },
    /// A protocol without its passphrase or the other way round.
    #[error("`{given}` needs `{missing}` too")]
    Incomplete {
        /// The key that was given.
        given: &'static str,
        /// The key that is missing.
        missing: &'static str,
    },
    /// Privacy without authentication (USM has no noAuthPriv).
    #[error("privacy needs authentication: give authprotocol and authpassphrase too")]
    PrivWithoutAuth,
    /// A passphrase shorter than USM allows.
    #[error("`{0}` must be at least 8 characters long")]
    ShortPassphrase(&'static str),
}

/// The keys of a spec, in canonical spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    Version,
    Community,
    Username,
    AuthProtocol,
    AuthPassphrase,
    PrivProtocol,
    PrivPassphrase,
    Context,
    EngineId,
}

impl Key {
    const ALL: [Key; 9] = [
        Key::Version,
        Key::Community,
        Key::Username,
        Key::AuthProtocol,
        Key::AuthPassphrase,
        Key::PrivProtocol,
        Key::PrivPassphrase,
        Key::Context,
        Key::EngineId,
    ];

    fn parse(text: &str) -> Result<Key, CredentialError> {
        Ok(match text.to_ascii_lowercase().as_str() {
            "version" => Key::Version,
            "community" => Key::Community,
            "username" => Key::Username,
            "authprotocol" => Key::AuthProtocol,
            "authpassphrase" | "authpassword" => Key::AuthPassphrase,
            "privprotocol" => Key::PrivProtocol,
            "privpassphrase" | "privpassword" => Key::PrivPassphrase,
            "context" => Key::Context,
            "engineid" => Key::EngineId,
            _ => {
                return Err(CredentialError::UnknownKey {
                    key: text.chars().take(40).collect(),
                });
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            Key::Version => "version",
            Key::Community => "community",
            Key::Username => "username",
            Key::AuthProtocol => "authprotocol",
            Key::AuthPassphrase => "authpassphrase",
            Key::PrivProtocol => "privprotocol",
            Key::PrivPassphrase => "privpassphrase",
            Key::Context => "context",
            Key::EngineId => "engineid",
        }
    }

    /// Keys that only SNMP v3 uses.
    fn v3_only(self) -> bool {
        !matches!(self, Key::Version | Key::Community)
    }
}

/// The values of a spec, one slot per key.
#[derive(Default)]
struct Fields([Option<String>; 9]);

impl Fields {
    fn get(&self, key: Key) -> Option<&str> {
        self.0[key as usize].as_deref()
    }

    fn set(&mut self, key: Key, value: &str) -> Result<(), CredentialError> {
        if value.is_empty() {
            return Err(CredentialError::EmptyValue { key: key.name() });
        }
        let slot = &mut self.0[key as usize];
        if slot.is_some() {
            return Err(CredentialError::Duplicate { key: key.name() });
        }
        *slot = Some(value.to_owned());
        Ok(())
    }

    fn present(&self) -> impl Iterator<Item = Key> + '_ {
        Key::ALL.into_iter().filter(|k| self.get(*k).is_some())
    }
}

/// Parses one `--credentials` spec, e.g. `version:2c,community:public` or
/// `version:3,username:bob,authprotocol:sha256,authpassphrase:…,privprotocol:aes,…`.
pub fn parse_credential(spec: &str) -> Result<Credential, CredentialError> {
    let mut fields = Fields::default();
    for (index, item) in spec.split(',').enumerate() {
        if item.trim().is_empty() {
            continue;
        }
        let (key, value) = item
            .split_once(':')
            .ok_or(CredentialError::NotKeyValue { index: index + 1 })?;
        fields.set(Key::parse(key.trim())?, value)?;
    }
    if fields.present().next().is_none() {
        return Err(CredentialError::Empty);
    }
    let version = match fields.get(Key::Version) {
        Some(v) => parse_version(v)?,
        None if fields.present().any(Key::v3_only) => Version::V3,
        None => Version::V1,
    };
    match version {
        Version::V1 | Version::V2c => {
            if let Some(key) = fields.present().find(|k| k.v3_only()) {
                return Err(CredentialError::NotForVersion {
                    key: key.name(),
                    version,
                });
            }
            let community = fields
                .get(Key::Community)
                .ok_or(CredentialError::MissingCommunity(version))?;
            Ok(if version == Version::V1 {
                Credential::v1(community)
            } else {
                Credential::v2c(community)
            })
        }
        Version::V3 => usm_user(&fields).map(Credential::V3),
    }
}

fn usm_user(fields: &Fields) -> Result<UsmUser, CredentialError> {
    if fields.get(Key::Community).is_some() {
        return Err(CredentialError::NotForVersion {
            key: Key::Community.name(),
            version: Version::V3,
        });
    }
    let name = fields
        .get(Key::Username)
        .ok_or(CredentialError::MissingUsername)?;
    let mut user = UsmUser::new(name);
    let auth = pair(fields, Key::AuthProtocol, Key::AuthPassphrase)?;
    let privacy = pair(fields, Key::PrivProtocol, Key::PrivPassphrase)?;
    if auth.is_none() && privacy.is_some() {
        return Err(CredentialError::PrivWithoutAuth);
    }
    if let Some((proto, pass)) = auth {
        user = user.with_auth(parse_auth(proto)?, pass);
    }
    if let Some((proto, pass)) = privacy {
        user = user.with_privacy(parse_priv(proto)?, pass);
    }
    if let Some(context) = fields.get(Key::Context) {
        user = user.with_context(context);
    }
    if let Some(hex) = fields.get(Key::EngineId) {
        user.engine_id = Some(parse_engine_id(hex)?);
    }
    Ok(user)
}

/// A protocol and its passphrase: both or neither.
fn pair(fields: &Fields, proto: Key, pass: Key) -> Result<Option<(&str, &str)>, CredentialError> {
    match (fields.get(proto), fields.get(pass)) {
        (None, None) => Ok(None),
        (Some(p), Some(s)) if s.chars().count() >= MIN_PASSPHRASE => Ok(Some((p, s))),
        (Some(_), Some(_)) => Err(CredentialError::ShortPassphrase(pass.name())),
        (Some(_), None) => Err(CredentialError::Incomplete {
            given: proto.name(),
            missing: pass.name(),
        }),
        (None, Some(_)) => Err(CredentialError::Incomplete {
            given: pass.name(),
            missing: proto.name(),
        }),
    }
}

/// Lower case without `-`, `_` and spaces, so `SHA-256` and `aes_128` are accepted.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn parse_version(text: &str) -> Result<Version, CredentialError> {
    match normalise(text).as_str() {
        "1" | "v1" => Ok(Version::V1),
        "2" | "2c" | "v2" | "v2c" => Ok(Version::V2c),
        "3" | "v3" => Ok(Version::V3),
        _ => Err(CredentialError::Version(text.to_owned())),
    }
}

fn parse_auth(text: &str) -> Result<AuthProtocol, CredentialError> {
    match normalise(text).as_str() {
        "md5" => Ok(AuthProtocol::Md5),
        "sha" | "sha1" => Ok(AuthProtocol::Sha1),
        "sha224" => Ok(AuthProtocol::Sha224),
        "sha256" => Ok(AuthProtocol::Sha256),
        "sha384" => Ok(AuthProtocol::Sha384),
        "sha512" => Ok(AuthProtocol::Sha512),
        _ => Err(CredentialError::AuthProtocol(text.to_owned())),
    }
}

fn parse_priv(text: &str) -> Result<PrivProtocol, CredentialError> {
    match normalise(text).as_str() {
        "des" => Ok(PrivProtocol::Des),
        "aes" | "aes128" => Ok(PrivProtocol::Aes128),
        "aes192" => Ok(PrivProtocol::Aes192),
        "aes256" => Ok(PrivProtocol::Aes256),
        "aes192c" => Ok(PrivProtocol::Aes192C),
        "aes256c" => Ok(PrivProtocol::Aes256C),
        _ => Err(CredentialError::PrivProtocol(text.to_owned())),
    }
}

fn parse_engine_id(text: &str) -> Result<Vec<u8>, CredentialError> {
    let fail = || CredentialError::EngineId(text.chars().take(80).collect());
    let hex = text.trim();
    let hex = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    if !hex.len().is_multiple_of(2) || !(10..=64).contains(&hex.len()) {
        return Err(fail());
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|digits| u8::from_str_radix(digits, 16).ok())
                .ok_or_else(fail)
        })
        .collect()
}

/// clap value parser for `--credentials`: like [`parse_credential`], but its errors never repeat
/// the spec (clap's own message would show it, passphrases included).
#[derive(Clone, Copy, Debug, Default)]
pub struct CredentialParser;

impl clap::builder::TypedValueParser for CredentialParser {
    type Value = Credential;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Credential, clap::Error> {
        let arg = arg.map_or_else(|| "--credentials".to_owned(), ToString::to_string);
        let fail =
            |kind, reason: &dyn std::fmt::Display| {
                clap::Error::raw(kind, format!(
                "invalid value for '{arg}': {reason}\n\nFor more information, try '--help'.\n"
            )).with_cmd(cmd)
            };
        let text = value
            .to_str()
            .ok_or_else(|| fail(ErrorKind::InvalidUtf8, &"not UTF-8"))?;
        parse_credential(text).map_err(|e| fail(ErrorKind::ValueValidation, &e))
    }
}

/// The credentials a FusionInventory-style command line asks for: every `--community` is a v1
/// credential; `--credentials` count only when no `--community` is given; with neither, a single
/// v1 `public`.
#[must_use]
pub fn resolve(communities: &[String], credentials: &[Credential]) -> Vec<Credential> {
    if !communities.is_empty() {
        if !credentials.is_empty() {
            tracing::warn!("--credentials ignored because --community is given");
        }
        communities.iter().map(Credential::v1).collect()
    } else if !credentials.is_empty() {
        credentials.to_vec()
    } else {
        vec![Credential::v1("public")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(spec: &str) -> UsmUser {
        match parse_credential(spec) {
            Ok(Credential::V3(user)) => user,
            other => panic!("{spec}: expected a v3 user, got {other:?}"),
        }
    }

    fn err(spec: &str) -> CredentialError {
        match parse_credential(spec) {
            Err(e) => e,
            Ok(c) => panic!("{spec}: expected an error, got {c:?}"),
        }
    }

    #[test]
    fn version_1_and_2c_with_community() {
        assert_eq!(
            parse_credential("version:1,community:public").unwrap(),
            Credential::v1("public")
        );
        assert_eq!(
            parse_credential("version:2c,community:private").unwrap(),
            Credential::v2c("private")
        );
        assert_eq!(
            parse_credential("VERSION:v2c,COMMUNITY:x").unwrap(),
            Credential::v2c("x")
        );
        assert_eq!(
            parse_credential("version:2,community:x").unwrap(),
            Credential::v2c("x")
        );
    }

    #[test]
    fn community_alone_is_v1() {
        assert_eq!(
            parse_credential("community:public").unwrap(),
            Credential::v1("public")
        );
    }

    #[test]
    fn community_keeps_spaces_and_colons() {
        assert_eq!(
            parse_credential("community:a b:c").unwrap(),
            Credential::v1("a b:c")
        );
    }

    #[test]
    fn keys_are_trimmed_and_empty_items_skipped() {
        assert_eq!(
            parse_credential(" version :2c, community:public,").unwrap(),
            Credential::v2c("public")
        );
    }

    #[test]
    fn v3_username_only_is_no_auth_no_priv() {
        let user = v3("version:3,username:bob");
        assert_eq!(user, UsmUser::new("bob"));
    }

    #[test]
    fn v3_is_inferred_from_v3_keys() {
        assert_eq!(v3("username:bob").user, "bob");
    }

    #[test]
    fn v3_auth_protocols() {
        for (text, proto) in [
            ("md5", AuthProtocol::Md5),
            ("sha", AuthProtocol::Sha1),
            ("SHA1", AuthProtocol::Sha1),
            ("sha224", AuthProtocol::Sha224),
            ("sha256", AuthProtocol::Sha256),
            ("SHA-256", AuthProtocol::Sha256),
            ("sha384", AuthProtocol::Sha384),
            ("sha512", AuthProtocol::Sha512),
        ] {
            let user = v3(&format!(
                "version:3,username:u,authprotocol:{text},authpassphrase:12345678"
            ));
            assert_eq!(user.auth, Some((proto, "12345678".to_owned())), "{text}");
            assert_eq!(user.privacy, None);
        }
    }

    #[test]
    fn v3_priv_protocols() {
        for (text, proto) in [
            ("des", PrivProtocol::Des),
            ("aes", PrivProtocol::Aes128),
            ("AES128", PrivProtocol::Aes128),
            ("aes192", PrivProtocol::Aes192),
            ("aes256", PrivProtocol::Aes256),
            ("aes192c", PrivProtocol::Aes192C),
            ("aes256c", PrivProtocol::Aes256C),
            ("aes-256-c", PrivProtocol::Aes256C),
        ] {
            let user = v3(&format!(
                "version:3,username:u,authprotocol:sha,authpassphrase:authpass,\
                 privprotocol:{text},privpassphrase:privpass"
            ));
            assert_eq!(user.privacy, Some((proto, "privpass".to_owned())), "{text}");
        }
    }

    #[test]
    fn both_passphrase_spellings() {
        let a = v3(
            "username:u,authprotocol:md5,authpassword:authpass,privprotocol:des,privpassword:privpass",
        );
        let b = v3(
            "username:u,authprotocol:md5,authpassphrase:authpass,privprotocol:des,privpassphrase:privpass",
        );
        assert_eq!(a, b);
        assert_eq!(a.auth, Some((AuthProtocol::Md5, "authpass".to_owned())));
        assert_eq!(a.privacy, Some((PrivProtocol::Des, "privpass".to_owned())));
    }

    #[test]
    fn passphrases_keep_colons_and_spaces() {
        let user = v3("username:u,authprotocol:md5,authpassphrase: a:b c d ");
        assert_eq!(user.auth, Some((AuthProtocol::Md5, " a:b c d ".to_owned())));
    }

    #[test]
    fn context_and_engine_id() {
        let user = v3("username:u,context:vlan-10,engineid:0x80001F8880C71100000000000000");
        assert_eq!(user.context_name, "vlan-10");
        assert_eq!(
            user.engine_id,
            Some(vec![
                0x80, 0x00, 0x1f, 0x88, 0x80, 0xc7, 0x11, 0, 0, 0, 0, 0, 0, 0
            ])
        );
        let user = v3("username:u,engineid:8000000001");
        assert_eq!(user.engine_id, Some(vec![0x80, 0, 0, 0, 1]));
    }

    #[test]
    fn bad_engine_ids() {
        for bad in ["8000", "80000000011", "zz00000000", &"00".repeat(33)] {
            assert!(
                matches!(
                    err(&format!("username:u,engineid:{bad}")),
                    CredentialError::EngineId(_)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn empty_specs() {
        assert_eq!(err(""), CredentialError::Empty);
        assert_eq!(err(" , ,"), CredentialError::Empty);
    }

    #[test]
    fn item_without_colon() {
        assert_eq!(
            err("version:2c,community=public"),
            CredentialError::NotKeyValue { index: 2 }
        );
    }

    #[test]
    fn unknown_key() {
        assert_eq!(
            err("version:2c,colour:blue"),
            CredentialError::UnknownKey {
                key: "colour".to_owned()
            }
        );
    }

    #[test]
    fn duplicate_keys_including_aliases() {
        assert_eq!(
            err("community:a,community:b"),
            CredentialError::Duplicate { key: "community" }
        );
        assert_eq!(
            err("username:u,authpassword:12345678,authpassphrase:12345678"),
            CredentialError::Duplicate {
                key: "authpassphrase"
            }
        );
    }

    #[test]
    fn empty_value() {
        assert_eq!(
            err("version:2c,community:"),
            CredentialError::EmptyValue { key: "community" }
        );
    }

    #[test]
    fn unknown_values() {
        assert_eq!(
            err("version:4,community:x"),
            CredentialError::Version("4".to_owned())
        );
        assert_eq!(
            err("username:u,authprotocol:sha3,authpassphrase:12345678"),
            CredentialError::AuthProtocol("sha3".to_owned())
        );
        assert_eq!(
            err(
                "username:u,authprotocol:md5,authpassphrase:12345678,privprotocol:3des,privpassphrase:12345678"
            ),
            CredentialError::PrivProtocol("3des".to_owned())
        );
    }

    #[test]
    fn missing_community_or_username() {
        assert_eq!(
            err("version:2c"),
            CredentialError::MissingCommunity(Version::V2c)
        );
        assert_eq!(
            err("version:1"),
            CredentialError::MissingCommunity(Version::V1)
        );
        assert_eq!(err("version:3"), CredentialError::MissingUsername);
        assert_eq!(
            err("authprotocol:md5,authpassphrase:12345678"),
            CredentialError::MissingUsername
        );
    }

    #[test]
    fn keys_of_the_wrong_version() {
        assert_eq!(
            err("version:2c,community:x,username:u"),
            CredentialError::NotForVersion {
                key: "username",
                version: Version::V2c
            }
        );
        assert_eq!(
            err("version:3,username:u,community:x"),
            CredentialError::NotForVersion {
                key: "community",
                version: Version::V3
            }
        );
    }

    #[test]
    fn incomplete_pairs() {
        assert_eq!(
            err("username:u,authprotocol:md5"),
            CredentialError::Incomplete {
                given: "authprotocol",
                missing: "authpassphrase"
            }
        );
        assert_eq!(
            err("username:u,authpassword:12345678"),
            CredentialError::Incomplete {
                given: "authpassphrase",
                missing: "authprotocol"
            }
        );
        assert_eq!(
            err("username:u,authprotocol:md5,authpassphrase:12345678,privprotocol:des"),
            CredentialError::Incomplete {
                given: "privprotocol",
                missing: "privpassphrase"
            }
        );
    }

    #[test]
    fn privacy_without_authentication() {
        assert_eq!(
            err("username:u,privprotocol:aes,privpassphrase:12345678"),
            CredentialError::PrivWithoutAuth
        );
    }

    #[test]
    fn short_passphrases() {
        assert_eq!(
            err("username:u,authprotocol:md5,authpassphrase:1234567"),
            CredentialError::ShortPassphrase("authpassphrase")
        );
        assert_eq!(
            err(
                "username:u,authprotocol:md5,authpassphrase:12345678,privprotocol:des,privpassphrase:short"
            ),
            CredentialError::ShortPassphrase("privpassphrase")
        );
    }

    #[test]
    fn errors_never_show_secrets() {
        let specs = [
            "community=s3cr3tcommunity",
            "username:u,authprotocol:bogus,authpassphrase:s3cr3tpassphrase",
            "username:u,authprotocol:md5,authpassphrase:s3cr3t",
            "version:3,username:u,community:s3cr3tcommunity",
        ];
        for spec in specs {
            let text = err(spec).to_string();
            assert!(!text.contains("s3cr3t"), "{spec}: {text}");
        }
    }

    #[test]
    fn no_input_panics() {
        for spec in [
            ":",
            ",:",
            "::",
            "version",
            "version:",
            ":x",
            "engineid:é",
            "username:u,engineid:éé00000000",
        ] {
            let _result = parse_credential(spec);
        }
    }

    #[test]
    fn resolve_follows_fusioninventory() {
        let spec = parse_credential("version:2c,community:private").unwrap();
        assert_eq!(
            resolve(
                &["a".to_owned(), "b".to_owned()],
                std::slice::from_ref(&spec)
            ),
            vec![Credential::v1("a"), Credential::v1("b")]
        );
        assert_eq!(resolve(&[], std::slice::from_ref(&spec)), vec![spec]);
        assert_eq!(resolve(&[], &[]), vec![Credential::v1("public")]);
    }
}
