//! Interoperability with a real net-snmp `snmpd` on loopback: v1, v2c, and v3 with every
//! authentication × privacy combination snmpd supports, plus the classified failures.

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sonde::snmp::{
    AuthProtocol, Client, Credential, Oid, PrivProtocol, SnmpError, Target, UsmUser, Value,
    WalkEnd, WalkOptions, walk,
};

const AUTH_PASS: &str = "authpass123";
const PRIV_PASS: &str = "privpass123";

const AUTHS: [(AuthProtocol, &str); 6] = [
    (AuthProtocol::Md5, "MD5"),
    (AuthProtocol::Sha1, "SHA"),
    (AuthProtocol::Sha224, "SHA-224"),
    (AuthProtocol::Sha256, "SHA-256"),
    (AuthProtocol::Sha384, "SHA-384"),
    (AuthProtocol::Sha512, "SHA-512"),
];

const PRIVS: [(PrivProtocol, &str); 6] = [
    (PrivProtocol::Des, "DES"),
    (PrivProtocol::Aes128, "AES"),
    (PrivProtocol::Aes192, "AES-192"),
    (PrivProtocol::Aes256, "AES-256"),
    (PrivProtocol::Aes192C, "AES-192-C"),
    (PrivProtocol::Aes256C, "AES-256-C"),
];

/// A private snmpd on 127.0.0.1 and [::1], stopped (by its PID) when dropped.
pub(crate) struct Snmpd {
    child: Child,
    pub(crate) v4: SocketAddr,
    pub(crate) v6: SocketAddr,
    dir: PathBuf,
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    // The v6 side must be free too.
    if UdpSocket::bind(("::1", port)).is_err() {
        return free_udp_port();
    }
    port
}

fn user_name(auth: &str, privacy: Option<&str>) -> String {
    format!("u_{}_{}", auth, privacy.unwrap_or("none")).replace('-', "")
}

impl Snmpd {
    pub(crate) fn start() -> Snmpd {
        let port = free_udp_port();
        let dir = std::env::temp_dir().join(format!("sonde-snmpd-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conf = format!(
            "agentAddress udp:127.0.0.1:{port},udp6:[::1]:{port}\n\
             rocommunity public 127.0.0.1\nrocommunity6 public ::1\n\
             rocommunity v1only 127.0.0.1\n\
             sysName sonde-test\nsysLocation loopback\n\
             createUser noauth\nrouser noauth noauth\n\
             createUser authonly SHA {AUTH_PASS}\nrouser authonly auth\n"
        );
        for (_, a) in AUTHS {
            let u = user_name(a, None);
            conf.push_str(&format!(
                "createUser {u} {a} {AUTH_PASS}\nrouser {u} auth\n"
            ));
            for (_, p) in PRIVS {
                let u = user_name(a, Some(p));
                conf.push_str(&format!(
                    "createUser {u} {a} {AUTH_PASS} {p} {PRIV_PASS}\nrouser {u} priv\n"
                ));
            }
        }
        let conf_path = dir.join("snmpd.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("snmpd")
            .args(["-f", "-Lf"])
            .arg(dir.join("snmpd.log"))
            .args(["-C", "-c"])
            .arg(&conf_path)
            .env("SNMP_PERSISTENT_DIR", dir.join("persist"))
            .env("MIBS", "")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start snmpd ({e}): install it with `apt-get install snmpd` or run .ci/run")
            });
        Snmpd {
            child,
            v4: SocketAddr::from(([127, 0, 0, 1], port)),
            v6: format!("[::1]:{port}").parse().unwrap(),
            dir,
        }
    }

    /// Waits until snmpd answers (bounded: 10 s).
    pub(crate) async fn ready(&self, client: &Client) {
        let s = client.session(quick(self.v4, Credential::v2c("public")));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if s.get(&[sys_name()]).await.is_ok() {
                return;
            }
        }
        let log = std::fs::read_to_string(self.dir.join("snmpd.log")).unwrap_or_default();
        panic!("snmpd did not come up on {}:\n{log}", self.v4);
    }
}

fn sys_name() -> Oid {
    "1.3.6.1.2.1.1.5.0".parse().unwrap()
}

fn quick(addr: SocketAddr, cred: Credential) -> Target {
    Target::new(addr, cred)
        .with_timeout(Duration::from_millis(500))
        .with_retries(1)
}

fn v3(user: &str, auth: Option<AuthProtocol>, privacy: Option<PrivProtocol>) -> Credential {
    let mut u = UsmUser::new(user);
    if let Some(a) = auth {
        u = u.with_auth(a, AUTH_PASS);
    }
    if let Some(p) = privacy {
        u = u.with_privacy(p, PRIV_PASS);
    }
    Credential::V3(u)
}

async fn expect_sys_name(client: &Client, target: Target) {
    let what = format!("{:?}", target.credential);
    let got = client
        .session(target)
        .get(&[sys_name()])
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        got[0].value,
        Value::OctetString(b"sonde-test".to_vec()),
        "{what}"
    );
}

#[tokio::test]
async fn v1_v2c_get_and_walk_over_ipv4_and_ipv6() {
    let snmpd = Snmpd::start();
    let client = Client::default();
    snmpd.ready(&client).await;
    for addr in [snmpd.v4, snmpd.v6] {
        for cred in [Credential::v1("public"), Credential::v2c("public")] {
            expect_sys_name(&client, quick(addr, cred.clone())).await;
            let s = client.session(quick(addr, cred));
            let w = walk(
                &s,
                &"1.3.6.1.2.1.1".parse().unwrap(),
                WalkOptions::default(),
            )
            .await
            .unwrap();
            assert_eq!(w.end, WalkEnd::EndOfSubtree);
            assert!(
                w.varbinds
                    .iter()
                    .any(|vb| vb.oid.to_string() == "1.3.6.1.2.1.1.6.0"
                        && vb.value == Value::OctetString(b"loopback".to_vec()))
            );
        }
    }
    // A whole-MIB walk with bulk gives the same as one with GETNEXT.
    let s = client.session(quick(snmpd.v4, Credential::v2c("public")));
    let root: Oid = "1.3.6.1.2.1.2".parse().unwrap();
    let bulk = walk(&s, &root, WalkOptions::default()).await.unwrap();
    let next = walk(
        &s,
        &root,
        WalkOptions {
            bulk: false,
            ..WalkOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(!bulk.varbinds.is_empty());
    assert_eq!(
        bulk.varbinds.iter().map(|v| &v.oid).collect::<Vec<_>>(),
        next.varbinds.iter().map(|v| &v.oid).collect::<Vec<_>>()
    );
    assert!(bulk.requests < next.requests);
}

#[tokio::test]
async fn v3_every_auth_and_privacy_combination() {
    let snmpd = Snmpd::start();
    let client = Client::default();
    snmpd.ready(&client).await;
    expect_sys_name(&client, quick(snmpd.v4, v3("noauth", None, None))).await;
    let mut tasks = tokio::task::JoinSet::new();
    for (auth, a) in AUTHS {
        let mut combos = vec![(user_name(a, None), None)];
        for (privacy, p) in PRIVS {
            combos.push((user_name(a, Some(p)), Some(privacy)));
        }
        for (user, privacy) in combos {
            let client = client.clone();
            let addr = if privacy == Some(PrivProtocol::Aes128) {
                snmpd.v6
            } else {
                snmpd.v4
            };
            tasks.spawn(async move {
                let t = quick(addr, v3(&user, Some(auth), privacy));
                expect_sys_name(&client, t.clone()).await;
                // A walk exercises many requests under the same keys and salt counter.
                let s = client.session(t);
                let w = walk(
                    &s,
                    &"1.3.6.1.2.1.1".parse().unwrap(),
                    WalkOptions::default(),
                )
                .await
                .unwrap_or_else(|e| panic!("{user}: {e}"));
                assert!(w.varbinds.len() >= 7, "{user}: {}", w.varbinds.len());
            });
        }
    }
    let mut n = 0;
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
        n += 1;
    }
    assert_eq!(n, 6 * 7);
}

#[tokio::test]
async fn v3_context_name_is_sent() {
    let snmpd = Snmpd::start();
    let client = Client::default();
    snmpd.ready(&client).await;
    let Credential::V3(user) = v3(
        &user_name("SHA", Some("AES")),
        Some(AuthProtocol::Sha1),
        Some(PrivProtocol::Aes128),
    ) else {
        unreachable!()
    };
    let t = quick(snmpd.v4, Credential::V3(user.with_context("vlan-42")));
    let err = client.session(t).get(&[sys_name()]).await.unwrap_err();
    // net-snmp drops requests for unknown contexts silently; the error names both suspects.
    assert!(
        matches!(err, SnmpError::PrivacyNoAnswer { ref context, .. } if context == "vlan-42"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("context \"vlan-42\" exists"),
        "{err}"
    );
}

/// Each failure is classified and arrives within timeout × (retries + 1).
#[tokio::test]
async fn wrong_credentials_give_classified_errors_in_time() {
    let snmpd = Snmpd::start();
    let client = Client::default();
    snmpd.ready(&client).await;
    let sha_aes = user_name("SHA", Some("AES"));
    let timeout = Duration::from_millis(400);
    let retries = 1;
    let bound = timeout * (retries + 1) + Duration::from_millis(300);
    // (what, credential, expected classification, text the message must contain)
    type Case = (
        &'static str,
        Credential,
        fn(&SnmpError) -> bool,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "wrong auth passphrase",
            Credential::V3(
                UsmUser::new(&sha_aes)
                    .with_auth(AuthProtocol::Sha1, "wrongpass99")
                    .with_privacy(PrivProtocol::Aes128, PRIV_PASS),
            ),
            |e| matches!(e, SnmpError::WrongDigest { .. }),
            "wrong digest",
        ),
        (
            "wrong auth protocol",
            Credential::V3(
                UsmUser::new(&sha_aes)
                    .with_auth(AuthProtocol::Md5, AUTH_PASS)
                    .with_privacy(PrivProtocol::Aes128, PRIV_PASS),
            ),
            |e| matches!(e, SnmpError::WrongDigest { .. }),
            "wrong digest",
        ),
        (
            "wrong privacy passphrase",
            Credential::V3(
                UsmUser::new(&sha_aes)
                    .with_auth(AuthProtocol::Sha1, AUTH_PASS)
                    .with_privacy(PrivProtocol::Aes128, "wrongpriv99"),
            ),
            |e| matches!(e, SnmpError::PrivacyNoAnswer { .. }),
            "privacy passphrase",
        ),
        (
            "AES-192 key extension where the user has AES-192-C",
            Credential::V3(
                UsmUser::new(user_name("SHA", Some("AES-192-C")))
                    .with_auth(AuthProtocol::Sha1, AUTH_PASS)
                    .with_privacy(PrivProtocol::Aes192, PRIV_PASS),
            ),
            |e| matches!(e, SnmpError::PrivacyNoAnswer { .. }),
            "privacy passphrase",
        ),
        (
            "unknown user",
            Credential::V3(UsmUser::new("nobody").with_auth(AuthProtocol::Sha1, AUTH_PASS)),
            |e| matches!(e, SnmpError::UnknownUserName { .. }),
            "unknown user name",
        ),
        (
            "privacy asked of an auth-only user",
            Credential::V3(
                UsmUser::new("authonly")
                    .with_auth(AuthProtocol::Sha1, AUTH_PASS)
                    .with_privacy(PrivProtocol::Aes128, PRIV_PASS),
            ),
            |e| matches!(e, SnmpError::UnsupportedSecurityLevel { .. }),
            "unsupported security level",
        ),
        (
            "wrong v2c community",
            Credential::v2c("wrong"),
            |e| matches!(e, SnmpError::Timeout { attempts: 2, .. }),
            "no answer after 2 attempt(s)",
        ),
        (
            "wrong v1 community",
            Credential::v1("wrong"),
            |e| matches!(e, SnmpError::Timeout { attempts: 2, .. }),
            "no answer after 2 attempt(s)",
        ),
    ];
    for (what, cred, check, text) in cases {
        let t = Target::new(snmpd.v4, cred)
            .with_timeout(timeout)
            .with_retries(retries);
        let started = Instant::now();
        let err = client.session(t).get(&[sys_name()]).await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(check(&err), "{what}: got {err:?}");
        assert!(err.to_string().contains(text), "{what}: message {err}");
        assert!(
            elapsed <= bound,
            "{what}: took {elapsed:?}, bound {bound:?}"
        );
    }
}

/// A credential that names the engine id skips discovery; the agent's notInTimeWindow report
/// then resynchronises the clock once.
#[tokio::test]
async fn v3_with_a_known_engine_id_skips_discovery() {
    let snmpd = Snmpd::start();
    let client = Client::default();
    snmpd.ready(&client).await;
    // snmpEngineID.0 over v2c.
    let engine = client
        .session(quick(snmpd.v4, Credential::v2c("public")))
        .get(&["1.3.6.1.6.3.10.2.1.1.0".parse().unwrap()])
        .await
        .unwrap();
    let Value::OctetString(engine_id) = engine[0].value.clone() else {
        panic!("snmpEngineID is {:?}", engine[0].value)
    };
    let mut user = UsmUser::new(user_name("SHA-256", Some("AES-256")))
        .with_auth(AuthProtocol::Sha256, AUTH_PASS)
        .with_privacy(PrivProtocol::Aes256, PRIV_PASS);
    user.engine_id = Some(engine_id.clone());
    expect_sys_name(&client, quick(snmpd.v4, Credential::V3(user.clone()))).await;
    // A wrong engine id is classified too.
    user.engine_id = Some(vec![0x80, 0, 0, 0, 1, 2, 3, 4]);
    let err = client
        .session(quick(snmpd.v4, Credential::V3(user)))
        .get(&[sys_name()])
        .await
        .unwrap_err();
    assert!(matches!(err, SnmpError::UnknownEngineId { .. }), "{err:?}");
}
