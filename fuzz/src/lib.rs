//! What the fuzz targets and the seed generator (`examples/seed.rs`) share: the fixed SNMPv3
//! users and keys, sealing of v3 messages, the simulator's small MIB, and one HTTP connection
//! served over an in-memory pipe.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};

use sonde::agent::httpd::{self, Board, HttpdConfig, Limits, TargetInfo, TrustList};
use sonde::snmp::crypto::{AuthKey, MasterKey, PrivKey};
use sonde::snmp::message::{
    FLAG_AUTH, FLAG_PRIV, ScopedData, ScopedPdu, USM_SECURITY_MODEL, UsmParams, V3Message,
};
use sonde::snmp::{AuthProtocol, Communities, Mib, PrivProtocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The authoritative engine id of the seeds' v3 messages.
pub const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x80sonde-fuzz";

/// The community the simulator answers.
pub const COMMUNITY: &[u8] = b"public";

/// A USM user of the fuzz targets, with its keys localized to [`ENGINE_ID`] (password-to-key
/// done once per process: it hashes 1 MiB, 2 MiB for the Reeder extension).
pub struct User {
    /// msgUserName.
    pub name: &'static [u8],
    /// The authentication key.
    pub auth: AuthKey,
    /// The privacy key.
    pub privacy: PrivKey,
}

/// The fixed users: every privacy protocol family, both AES key extensions, several hashes.
pub fn users() -> &'static [User] {
    static USERS: OnceLock<Vec<User>> = OnceLock::new();
    USERS.get_or_init(|| {
        let user = |name, auth, privacy| {
            let auth_master = MasterKey::new(auth, b"fuzz-auth-passphrase");
            let priv_master = MasterKey::new(auth, b"fuzz-priv-passphrase");
            User {
                name,
                auth: AuthKey::from_master(&auth_master, ENGINE_ID),
                privacy: PrivKey::from_master(privacy, &priv_master, ENGINE_ID),
            }
        };
        vec![
            user(&b"md5des"[..], AuthProtocol::Md5, PrivProtocol::Des),
            user(b"sha1aes", AuthProtocol::Sha1, PrivProtocol::Aes128),
            user(b"sha1aes256c", AuthProtocol::Sha1, PrivProtocol::Aes256C),
            user(b"sha512aes192", AuthProtocol::Sha512, PrivProtocol::Aes192),
        ]
    })
}

/// The user named `name`, else the first one.
#[must_use]
pub fn user_for(name: &[u8]) -> &'static User {
    let all = users();
    all.iter().find(|u| u.name == name).unwrap_or(&all[0])
}

/// A v3 message carrying `scoped`, with authentication and/or privacy as `flags` say, signed
/// and encrypted with `user`'s keys. `usm.user`, `auth_params` and `priv_params` are set here.
#[must_use]
pub fn seal(
    msg_id: i32,
    flags: u8,
    mut usm: UsmParams,
    scoped: &ScopedPdu,
    user: &User,
    salt: u64,
) -> Vec<u8> {
    let (auth, privacy) = (&user.auth, &user.privacy);
    usm.user = user.name.to_vec();
    usm.auth_params = if flags & FLAG_AUTH != 0 {
        vec![0; auth.mac_len()]
    } else {
        Vec::new()
    };
    let data = if flags & FLAG_PRIV != 0 {
        let (cipher, params) =
            privacy.encrypt(usm.engine_boots, usm.engine_time, salt, &scoped.encode());
        usm.priv_params = params.to_vec();
        ScopedData::Encrypted(cipher)
    } else {
        usm.priv_params = Vec::new();
        ScopedData::Plain(scoped.clone())
    };
    let msg = V3Message {
        msg_id,
        max_size: 65_507,
        flags,
        security_model: USM_SECURITY_MODEL,
        usm,
        data,
    };
    let (mut bytes, range) = msg.encode();
    if flags & FLAG_AUTH != 0 {
        let mac = auth.sign(&bytes);
        bytes[range].copy_from_slice(&mac);
    }
    bytes
}

/// A few system and interface objects, as a walk file (also a walk-file seed).
pub const SMALL_WALK: &str = r#".1.3.6.1.2.1.1.1.0 = STRING: "Fuzz switch 1.0"
.1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.9.1.516
.1.3.6.1.2.1.1.3.0 = Timeticks: (102260032) 11 days, 20:03:20.32
.1.3.6.1.2.1.1.5.0 = STRING: "fuzz-sw"
.1.3.6.1.2.1.2.1.0 = INTEGER: 2
.1.3.6.1.2.1.2.2.1.1.1 = INTEGER: 1
.1.3.6.1.2.1.2.2.1.1.2 = INTEGER: 2
.1.3.6.1.2.1.2.2.1.2.1 = STRING: "GigabitEthernet0/1"
.1.3.6.1.2.1.2.2.1.2.2 = STRING: "GigabitEthernet0/2"
.1.3.6.1.2.1.2.2.1.6.1 = Hex-STRING: 00 1C 42 AB CD EF 
.1.3.6.1.2.1.2.2.1.6.2 = Hex-STRING: 00 1C 42 AB CD F0 
.1.3.6.1.2.1.2.2.1.10.1 = Counter32: 4000000000
.1.3.6.1.2.1.4.20.1.1.10.0.0.1 = IpAddress: 10.0.0.1
.1.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 18446744073709551615
.1.3.6.1.2.1.31.1.1.1.15.1 = Gauge32: 1000
"#;

/// The simulator's communities: [`COMMUNITY`] serves [`SMALL_WALK`].
pub fn communities() -> &'static Communities {
    static COMMUNITIES: OnceLock<Communities> = OnceLock::new();
    COMMUNITIES.get_or_init(|| {
        let walk = sonde::walk::parse::parse(SMALL_WALK.as_bytes());
        assert!(walk.errors.is_empty(), "{:?}", walk.errors);
        let mut c = Communities::new();
        c.insert(COMMUNITY, Arc::new(Mib::new(walk.varbinds)));
        c
    })
}

/// The client address the HTTP target's connections come from, chosen by the input's first
/// byte: a trusted address, a server target's address, or a stranger.
#[must_use]
pub fn http_peer(selector: u8) -> SocketAddr {
    let ip = match selector % 3 {
        0 => Ipv4Addr::new(127, 0, 0, 1),
        1 => Ipv4Addr::new(192, 0, 2, 10),
        _ => Ipv4Addr::new(198, 51, 100, 7),
    };
    SocketAddr::new(IpAddr::V4(ip), 40_000)
}

/// What one connection of the HTTP port gave.
pub struct Exchange {
    /// Everything the port sent until it closed the connection.
    pub answer: Vec<u8>,
    /// The runs asked for over `/now`.
    pub runs: usize,
}

/// Serves `request` (the raw bytes a client sends, then end of stream) on one connection of the
/// HTTP port and returns what the port answered until it closed. A port that trusts
/// 127.0.0.1 and has a server target at 192.0.2.10; small limits, so that they are reached.
/// Runs on a current-thread runtime with paused time: timeouts fire as soon as nothing else can
/// happen, so a stalled connection ends at once.
pub fn http_exchange(peer: SocketAddr, request: &[u8]) -> Exchange {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("a current-thread runtime")
    });
    runtime.block_on(async {
        let board = Arc::new(Board::new("0.1.0"));
        let url = "http://192.0.2.10/front/inventory.php"
            .parse()
            .expect("a URL");
        board.set_targets(vec![
            TargetInfo::server("server0", &url)
                .with_next_run(1_700_000_000)
                .with_addresses(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))]),
        ]);
        board.set_status("waiting");
        let config = HttpdConfig {
            trust: TrustList::from_addrs([IpAddr::V4(Ipv4Addr::LOCALHOST)]),
            limits: Limits {
                max_request_bytes: 8192,
                keepalive_requests: 4,
                ..Limits::default()
            },
            ..HttpdConfig::default()
        };
        let (now, mut runs) = tokio::sync::mpsc::channel(1);
        let (mut client, server) = tokio::io::duplex(16 * 1024);
        let served = tokio::spawn(httpd::serve_connection(server, peer, config, board, now));
        let (mut reader, mut writer) = tokio::io::split(&mut client);
        let send = async {
            // The server may close before reading everything: a write error is an answer too.
            let _ = writer.write_all(request).await;
            let _ = writer.shutdown().await;
        };
        let mut answer = Vec::new();
        let receive = reader.read_to_end(&mut answer);
        let ((), received) = tokio::join!(send, receive);
        received.expect("reading from the pipe");
        served.await.expect("the connection task");
        let mut asked = 0;
        while runs.try_recv().is_ok() {
            asked += 1;
        }
        Exchange {
            answer,
            runs: asked,
        }
    })
}
