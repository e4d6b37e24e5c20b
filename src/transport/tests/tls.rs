//! HTTPS against a CA and server certificates made at test time (rcgen), served with
//! tokio-rustls: trust by CA file or directory, unknown issuer, wrong name, expired,
//! `no_ssl_check`, and pinning by fingerprint.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use reqwest::Url;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha1::Digest;
use tokio_rustls::TlsAcceptor;

use super::server::{Canned, FakeServer};
use super::{PROLOG, REPLY, client};
use crate::transport::{
    BodyFormat, CertProblem, Fingerprint, TransportConfig, TransportError, tls::provider,
};

/// A test CA and a server certificate for `localhost` it signed.
struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl Pki {
    fn new(expired: bool) -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "sonde test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        if expired {
            leaf.not_before = date_time_ymd(2000, 1, 1);
            leaf.not_after = date_time_ymd(2001, 1, 1);
        }
        let leaf = leaf.signed_by(&key, &issuer).unwrap();
        Pki {
            ca_pem: ca_cert.pem(),
            leaf: leaf.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        }
    }

    fn acceptor(&self) -> TlsAcceptor {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![self.leaf.clone()],
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
            )
            .unwrap();
        TlsAcceptor::from(Arc::new(config))
    }

    /// The CA written to a fresh directory as `ca.pem`.
    fn ca_dir(&self) -> PathBuf {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sonde-transport-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), &self.ca_pem).unwrap();
        dir
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::sha256(&self.leaf)
    }
}

async fn https_server(pki: &Pki) -> FakeServer {
    FakeServer::start_tls(pki.acceptor(), |_, _| Canned::ok("application/xml", REPLY)).await
}

fn https(host: &str, server: &FakeServer) -> Url {
    Url::parse(&format!("https://{host}:{}/glpi/", server.addr.port())).unwrap()
}

async fn post(config: TransportConfig, url: &Url) -> Result<String, TransportError> {
    Ok(client(config)
        .post(url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await?
        .body)
}

fn certificate_error(
    result: Result<String, TransportError>,
) -> (crate::transport::PeerCertError, String) {
    match result {
        Err(error @ TransportError::Certificate { .. }) => {
            let text = error.to_string();
            let TransportError::Certificate { cert, .. } = error else {
                unreachable!()
            };
            (cert, text)
        }
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

#[tokio::test]
async fn trusted_through_ca_cert_file_or_dir() {
    let pki = Pki::new(false);
    let server = https_server(&pki).await;
    let dir = pki.ca_dir();
    let url = https("localhost", &server);
    let by_file = TransportConfig {
        ca_cert_file: Some(dir.join("ca.pem")),
        ..TransportConfig::default()
    };
    assert_eq!(post(by_file, &url).await.unwrap(), REPLY);
    let by_dir = TransportConfig {
        ca_cert_dir: Some(dir.clone()),
        ..TransportConfig::default()
    };
    assert_eq!(post(by_dir, &url).await.unwrap(), REPLY);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(
        server.requests()[0].header("content-type"),
        Some("application/x-compress-zlib")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_unknown_issuer_names_the_fingerprint_to_pin() {
    let pki = Pki::new(false);
    let server = https_server(&pki).await;
    let (cert, text) =
        certificate_error(post(TransportConfig::default(), &https("localhost", &server)).await);
    assert_eq!(cert.problem, CertProblem::UnknownIssuer);
    assert_eq!(cert.fingerprint, pki.fingerprint());
    let sha256 = pki.fingerprint().to_string();
    assert!(sha256.starts_with("sha256$") && sha256.len() == 7 + 64);
    assert!(text.contains(&sha256), "{text}");
    assert!(text.contains("unknown authority"), "{text}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_wrong_host_name_is_a_name_mismatch() {
    let pki = Pki::new(false);
    let server = https_server(&pki).await;
    let dir = pki.ca_dir();
    let config = TransportConfig {
        ca_cert_file: Some(dir.join("ca.pem")),
        ..TransportConfig::default()
    };
    let (cert, text) = certificate_error(post(config, &https("127.0.0.1", &server)).await);
    assert!(
        matches!(cert.problem, CertProblem::NameMismatch { .. }),
        "{cert:?}"
    );
    assert!(
        text.contains("not valid for this host name") && text.contains("localhost"),
        "{text}"
    );
    assert!(text.contains(&pki.fingerprint().to_string()), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn an_expired_certificate_is_reported_as_such() {
    let pki = Pki::new(true);
    let server = https_server(&pki).await;
    let dir = pki.ca_dir();
    let config = TransportConfig {
        ca_cert_file: Some(dir.join("ca.pem")),
        ..TransportConfig::default()
    };
    let (cert, text) = certificate_error(post(config, &https("localhost", &server)).await);
    assert_eq!(cert.problem, CertProblem::Expired);
    assert!(text.contains("certificate expired"), "{text}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn no_ssl_check_accepts_any_certificate() {
    let pki = Pki::new(true);
    let server = https_server(&pki).await;
    let config = TransportConfig {
        no_ssl_check: true,
        ..TransportConfig::default()
    };
    assert_eq!(
        post(config, &https("127.0.0.1", &server)).await.unwrap(),
        REPLY
    );
}

#[tokio::test]
async fn a_pinned_certificate_is_accepted_and_a_wrong_pin_is_not() {
    let pki = Pki::new(false);
    let server = https_server(&pki).await;
    // Untrusted issuer and a host name the certificate does not hold: the pin alone decides.
    let url = https("127.0.0.1", &server);
    let pinned = TransportConfig {
        ssl_fingerprint: vec![pki.fingerprint()],
        ..TransportConfig::default()
    };
    assert_eq!(post(pinned, &url).await.unwrap(), REPLY);
    let sha1_hex: String = sha1::Sha1::digest(&pki.leaf)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let sha1: Fingerprint = format!("sha1${sha1_hex}").parse().unwrap();
    let pinned = TransportConfig {
        ssl_fingerprint: vec![sha1],
        ..TransportConfig::default()
    };
    assert_eq!(post(pinned, &url).await.unwrap(), REPLY);
    let other = Pki::new(false);
    let wrong = TransportConfig {
        ssl_fingerprint: vec![other.fingerprint()],
        ..TransportConfig::default()
    };
    let (cert, text) = certificate_error(post(wrong, &url).await);
    assert!(cert.pinned);
    assert!(text.contains("matches no ssl-fingerprint"), "{text}");
    assert!(text.contains(&pki.fingerprint().to_string()), "{text}");
}

#[tokio::test]
async fn plain_http_on_a_tls_port_is_a_tls_error() {
    let server = FakeServer::start(|_, _| Canned::ok("application/xml", REPLY)).await;
    let error = post(TransportConfig::default(), &https("127.0.0.1", &server))
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Tls { .. }), "{error:?}");
}
