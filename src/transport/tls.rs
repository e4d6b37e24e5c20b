//! TLS for the transport: trust roots (`ca-cert-file`, `ca-cert-dir`, else the system's),
//! `no-ssl-check`, certificate pinning (`ssl-fingerprint`), and verification errors that carry
//! the peer certificate's fingerprint so that a user can pin it.
//!
//! One certificate verifier wraps the usual one. A certificate whose fingerprint matches a pin is
//! accepted without further checks (name, chain, dates), as IO::Socket::SSL's `SSL_fingerprint`
//! does in glpi-agent; pins add trust, they never remove it. A certificate that fails is
//! reported as [`CertificateError::Other`] holding a [`PeerCertError`], which the error
//! classifier finds again under reqwest's error.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, Once};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, RootCertStore, SignatureScheme};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The digest of a pinned fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgo {
    /// SHA-256 (what sonde prints).
    Sha256,
    /// SHA-1 (IO::Socket::SSL's fingerprints may use it).
    Sha1,
}

/// A certificate fingerprint: a digest of the whole DER certificate.
///
/// Parsed from IO::Socket::SSL's forms: `sha256$AB:CD:…`, `sha1$abcd…`, or the hex alone (the
/// algorithm is then told by the length: 32 bytes SHA-256, 20 bytes SHA-1). Colons and case do
/// not matter. Printed as `sha256$<lower hex>`, ready to paste into `ssl-fingerprint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    algo: DigestAlgo,
    digest: Vec<u8>,
}

impl Fingerprint {
    /// The SHA-256 fingerprint of a DER certificate.
    pub fn sha256(cert_der: &[u8]) -> Fingerprint {
        Fingerprint {
            algo: DigestAlgo::Sha256,
            digest: Sha256::digest(cert_der).to_vec(),
        }
    }

    /// The digest algorithm.
    pub fn algo(&self) -> DigestAlgo {
        self.algo
    }

    /// Whether this fingerprint is the one of `cert_der`.
    pub fn matches(&self, cert_der: &[u8]) -> bool {
        match self.algo {
            DigestAlgo::Sha256 => Sha256::digest(cert_der).as_slice() == self.digest,
            DigestAlgo::Sha1 => Sha1::digest(cert_der).as_slice() == self.digest,
        }
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.algo {
            DigestAlgo::Sha256 => "sha256$",
            DigestAlgo::Sha1 => "sha1$",
        })?;
        self.digest.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl FromStr for Fingerprint {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (algo, hex) = match text.split_once('$') {
            Some((algo, rest)) => (Some(algo.to_ascii_lowercase()), rest),
            None => (None, text),
        };
        if hex.contains('$') {
            return Err(format!(
                "{text:?}: public-key fingerprints (algo$pub$hex) are not supported; \
                 give the certificate's fingerprint"
            ));
        }
        let digits: String = hex.chars().filter(|c| *c != ':').collect();
        if digits.is_empty() || !digits.len().is_multiple_of(2) {
            return Err(format!("{text:?}: not a hexadecimal fingerprint"));
        }
        let digest = (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(digits.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| format!("{text:?}: not a hexadecimal fingerprint"))?;
        let algo = match (algo.as_deref(), digest.len()) {
            (Some("sha256") | None, 32) => DigestAlgo::Sha256,
            (Some("sha1") | None, 20) => DigestAlgo::Sha1,
            (Some(name @ ("sha256" | "sha1")), n) => {
                return Err(format!(
                    "{text:?}: {n} bytes is not the length of a {name} digest"
                ));
            }
            (Some(name), _) => {
                return Err(format!(
                    "{text:?}: unsupported digest {name:?} (use sha256 or sha1)"
                ));
            }
            (None, n) => return Err(format!("{text:?}: {n} bytes is neither SHA-256 nor SHA-1")),
        };
        Ok(Fingerprint { algo, digest })
    }
}

/// What was wrong with the server certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertProblem {
    /// Not signed by a trusted CA (self-signed, private CA not given…).
    UnknownIssuer,
    /// Valid, but not for the host name in the URL.
    NameMismatch {
        /// The names the certificate holds.
        presented: Vec<String>,
    },
    /// Past its end date.
    Expired,
    /// Before its start date.
    NotYetValid,
    /// Anything else rustls reported.
    Other(String),
}

impl fmt::Display for CertProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertProblem::UnknownIssuer => f.write_str("certificate issued by an unknown authority"),
            CertProblem::NameMismatch { presented } if presented.is_empty() => {
                f.write_str("certificate not valid for this host name")
            }
            CertProblem::NameMismatch { presented } => write!(
                f,
                "certificate not valid for this host name (it is for {})",
                presented.join(", ")
            ),
            CertProblem::Expired => f.write_str("certificate expired"),
            CertProblem::NotYetValid => f.write_str("certificate not valid yet"),
            CertProblem::Other(text) => write!(f, "certificate rejected: {text}"),
        }
    }
}

impl CertProblem {
    fn from_rustls(error: &rustls::Error) -> CertProblem {
        match error {
            rustls::Error::InvalidCertificate(cert) => match cert {
                CertificateError::UnknownIssuer => CertProblem::UnknownIssuer,
                CertificateError::NotValidForName => CertProblem::NameMismatch {
                    presented: Vec::new(),
                },
                CertificateError::NotValidForNameContext { presented, .. } => {
                    CertProblem::NameMismatch {
                        presented: presented.clone(),
                    }
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    CertProblem::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    CertProblem::NotYetValid
                }
                other => CertProblem::Other(format!("{other:?}")),
            },
            other => CertProblem::Other(other.to_string()),
        }
    }
}

/// A rejected server certificate, with its SHA-256 fingerprint.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{problem}; server certificate {fingerprint}{}", if *.pinned { " (matches no ssl-fingerprint)" } else { "" })]
pub struct PeerCertError {
    /// What was wrong.
    pub problem: CertProblem,
    /// The SHA-256 fingerprint of the server's certificate, to pin it with `ssl-fingerprint`.
    pub fingerprint: Fingerprint,
    /// Whether fingerprints were pinned (and none matched).
    pub pinned: bool,
}

/// The TLS settings of a [`super::Client`].
#[derive(Debug, Default, Clone)]
pub(crate) struct TlsSettings<'a> {
    pub(crate) ca_cert_file: Option<&'a Path>,
    pub(crate) ca_cert_dir: Option<&'a Path>,
    pub(crate) no_ssl_check: bool,
    pub(crate) pins: &'a [Fingerprint],
}

/// The process-wide crypto provider (ring), installed once as rustls's default.
///
/// rustls 0.23.48 deprecated ring's provider (no post-quantum key exchange); ring is kept on
/// purpose (crates.md §1.5: aws-lc-sys is the slowest build step), until rustls offers a way out.
#[allow(deprecated)]
pub(crate) fn provider() -> Arc<CryptoProvider> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only when another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for these settings. Errors are one-line configuration errors.
pub(crate) fn client_config(settings: &TlsSettings<'_>) -> Result<rustls::ClientConfig, String> {
    let provider = provider();
    let inner: Option<Arc<dyn ServerCertVerifier>> =
        match (settings.ca_cert_file, settings.ca_cert_dir) {
            (Some(_), Some(_)) => {
                return Err("use either 'ca-cert-file' or 'ca-cert-dir' option, not both".into());
            }
            (Some(file), None) => Some(webpki_verifier(load_file(file)?, &provider)?),
            (None, Some(dir)) => Some(webpki_verifier(load_dir(dir)?, &provider)?),
            // No usable system store (a container without CA certificates): every certificate
            // is then of an unknown issuer, unless pinned or unchecked.
            (None, None) => rustls_platform_verifier::Verifier::new(provider.clone())
                .ok()
                .map(|v| Arc::new(v) as Arc<dyn ServerCertVerifier>),
        };
    let verifier = Verifier {
        inner,
        pins: settings.pins.to_vec(),
        no_check: settings.no_ssl_check,
        provider: provider.clone(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // A preconfigured backend gets no ALPN from reqwest.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn webpki_verifier(
    certs: Vec<CertificateDer<'static>>,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>, String> {
    let mut roots = RootCertStore::empty();
    let (_added, _ignored) = roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err("no usable CA certificate found".into());
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("TLS setup: {e}"))?;
    Ok(verifier)
}

fn load_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("ca-cert-file {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "ca-cert-file {}: no PEM certificate in it",
            path.display()
        ));
    }
    Ok(certs)
}

/// Every PEM certificate of the files in `dir` (OpenSSL's hashed `<hash>.0` links, or any name).
fn load_dir(dir: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("ca-cert-dir {}: {e}", dir.display()))?;
    let mut certs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        if let Ok(iter) = CertificateDer::pem_file_iter(&path) {
            certs.extend(iter.flatten());
        }
    }
    if certs.is_empty() {
        return Err(format!(
            "ca-cert-dir {}: no PEM certificate in it",
            dir.display()
        ));
    }
    Ok(certs)
}

#[derive(Debug)]
struct Verifier {
    /// The usual verification; `None` when there are no trusted roots at all.
    inner: Option<Arc<dyn ServerCertVerifier>>,
    pins: Vec<Fingerprint>,
    no_check: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.no_check || self.pins.iter().any(|pin| pin.matches(end_entity)) {
            return Ok(ServerCertVerified::assertion());
        }
        let error = match &self.inner {
            Some(inner) => {
                match inner.verify_server_cert(
                    end_entity,
                    intermediates,
                    server_name,
                    ocsp_response,
                    now,
                ) {
                    Ok(verified) => return Ok(verified),
                    Err(error) => error,
                }
            }
            None => rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer),
        };
        let peer = PeerCertError {
            problem: CertProblem::from_rustls(&error),
            fingerprint: Fingerprint::sha256(end_entity),
            pinned: !self.pins.is_empty(),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(peer)),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA256_HEX: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    #[test]
    fn fingerprint_forms() {
        let plain: Fingerprint = format!("sha256${SHA256_HEX}").parse().unwrap();
        assert_eq!(plain.algo(), DigestAlgo::Sha256);
        assert_eq!(plain.to_string(), format!("sha256${SHA256_HEX}"));
        let colons: String = SHA256_HEX
            .to_ascii_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).into_owned())
            .collect::<Vec<_>>()
            .join(":");
        assert_eq!(
            format!("SHA256${colons}").parse::<Fingerprint>().unwrap(),
            plain
        );
        assert_eq!(colons.parse::<Fingerprint>().unwrap(), plain);
        let sha1: Fingerprint = "sha1$00112233445566778899aabbccddeeff00112233"
            .parse()
            .unwrap();
        assert_eq!(sha1.algo(), DigestAlgo::Sha1);
        assert_eq!("00112233445566778899aabbccddeeff00112233".parse(), Ok(sha1));
    }

    #[test]
    fn fingerprint_errors() {
        assert!(
            "sha256$pub$abcd"
                .parse::<Fingerprint>()
                .unwrap_err()
                .contains("public-key")
        );
        assert!(
            "md5$00112233445566778899aabbccddeeff"
                .parse::<Fingerprint>()
                .is_err()
        );
        assert!("sha256$0011".parse::<Fingerprint>().is_err());
        assert!("xyz".parse::<Fingerprint>().is_err());
        assert!("".parse::<Fingerprint>().is_err());
    }

    #[test]
    fn fingerprint_matches_the_der_bytes() {
        let der = b"not really a certificate";
        let pin = Fingerprint::sha256(der);
        assert!(pin.matches(der));
        assert!(!pin.matches(b"another one"));
        let sha1 = Fingerprint {
            algo: DigestAlgo::Sha1,
            digest: Sha1::digest(der).to_vec(),
        };
        assert!(sha1.matches(der));
    }

    #[test]
    fn both_ca_options_are_refused() {
        let settings = TlsSettings {
            ca_cert_file: Some(Path::new("/nonexistent/a.pem")),
            ca_cert_dir: Some(Path::new("/nonexistent")),
            ..TlsSettings::default()
        };
        assert!(client_config(&settings).unwrap_err().contains("not both"));
        let missing = TlsSettings {
            ca_cert_file: Some(Path::new("/nonexistent/a.pem")),
            ..TlsSettings::default()
        };
        assert!(
            client_config(&missing)
                .unwrap_err()
                .contains("/nonexistent/a.pem")
        );
    }
}
