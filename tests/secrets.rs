//! Secrets stay out of logs: full runs of the binary at the most verbose level (`--debug --debug`
//! and `RUST_LOG=trace`, every crate's debug output included) use a community, SNMPv3
//! passphrases and an HTTP password for real, and none of them (nor the password's Basic
//! encoding) appears on stderr, in error messages or in `agent --status`.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, UdpSocket};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const COMMUNITY: &str = "Cmty-7xQ2pLz";
const AUTH_PASS: &str = "AuthPass-93kdWq";
const PRIV_PASS: &str = "PrivPass-x81mZt";
const HTTP_PASS: &str = "HttpPw-5tGvRn";

/// Every form of a secret that must not be shown: the four, and the Basic credentials.
fn forbidden() -> Vec<String> {
    use base64_like::encode;
    vec![
        COMMUNITY.to_owned(),
        AUTH_PASS.to_owned(),
        PRIV_PASS.to_owned(),
        HTTP_PASS.to_owned(),
        encode(format!("sonde:{HTTP_PASS}").as_bytes()),
    ]
}

/// Standard base64, enough to spell the Basic authorization the agent sends.
mod base64_like {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub(super) fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn known_values() {
        assert_eq!(encode(b"sonde:pw"), "c29uZGU6cHc=");
        assert_eq!(encode(b"ab"), "YWI=");
        assert_eq!(encode(b"abc"), "YWJj");
    }
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in forbidden() {
        assert!(
            !text.contains(&secret),
            "{what} shows the secret {secret:?}:\n{}",
            text.lines()
                .filter(|l| l.contains(&secret))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// A `sonde simulate` serving a bundled walk under the secret community, and its port.
struct Simulator(Child, u16);

impl Simulator {
    fn start() -> Self {
        let port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let walk = crate::util::walk_paths()
            .into_iter()
            .next()
            .expect("a bundled walk");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sonde"))
            .args(["simulate", "--community", COMMUNITY, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--walk")
            .arg(walk)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("answering on udp"), "simulate said: {line}");
        Simulator(child, port)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A FusionInventory server behind Basic authentication that gives one NETDISCOVERY and one
/// SNMPQUERY job (credentials: SNMPv3 authPriv first, which the simulator ignores, then v2c) and
/// records the decompressed bodies it accepted.
fn server(snmp_port: u16) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let expected = format!(
        "authorization: basic {}",
        base64_like::encode(format!("sonde:{HTTP_PASS}").as_bytes())
    )
    .to_ascii_lowercase();
    let auth = format!(
        "<AUTHENTICATION ID=\"1\" VERSION=\"3\" USERNAME=\"ops\" AUTHPROTOCOL=\"SHA\" \
         AUTHPASSPHRASE=\"{AUTH_PASS}\" PRIVPROTOCOL=\"AES\" PRIVPASSPHRASE=\"{PRIV_PASS}\"/>\
         <AUTHENTICATION ID=\"2\" VERSION=\"2c\" COMMUNITY=\"{COMMUNITY}\"/>"
    );
    let prolog = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY>\
<OPTION><NAME>NETDISCOVERY</NAME><PARAM THREADS_DISCOVERY=\"4\" TIMEOUT=\"1\" PID=\"11\"/>\
<RANGEIP ID=\"1\" IPSTART=\"127.0.0.1\" IPEND=\"127.0.0.1\" ENTITY=\"0\" PORT=\"{snmp_port}\"/>\
{auth}</OPTION>\
<OPTION><NAME>SNMPQUERY</NAME><PARAM THREADS_QUERY=\"1\" TIMEOUT=\"1\" PID=\"12\"/>\
<DEVICE TYPE=\"NETWORKING\" ID=\"5\" IP=\"127.0.0.1\" PORT=\"{snmp_port}\" AUTHSNMP_ID=\"2\"/>\
{auth}</OPTION><RESPONSE>SEND</RESPONSE><PROLOG_FREQ>24</PROLOG_FREQ></REPLY>"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut authorized) = (0usize, false);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.trim().to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                authorized |= lower == expected;
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let mut w = stream;
            if !authorized {
                let _ = write!(
                    w,
                    "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"glpi\"\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n"
                );
                continue;
            }
            let mut text = String::new();
            let _ = flate2::read::ZlibDecoder::new(body.as_slice()).read_to_string(&mut text);
            let reply = if text.contains("<QUERY>PROLOG</QUERY>") {
                prolog.clone()
            } else {
                "<?xml version=\"1.0\"?><REPLY></REPLY>".to_owned()
            };
            record.lock().unwrap().push(text);
            let _ = write!(
                w,
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (port, seen)
}

/// The binary at its most verbose, with a deadline.
fn sonde(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sonde"));
    command
        .args(args)
        .args(["--debug", "--debug"])
        .env("RUST_LOG", "trace")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()),
                nix::sys::signal::Signal::SIGKILL,
            );
            panic!("sonde {args:?} did not finish in 120 s");
        }
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_full_agent_run_at_trace_level_logs_no_secret() {
    let sim = Simulator::start();
    let (port, seen) = server(sim.1);
    let vardir = std::env::temp_dir().join(format!("sonde-it-secrets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&vardir);
    let url = format!("http://sonde:{HTTP_PASS}@127.0.0.1:{port}/glpi/");
    let vardir_arg = vardir.display().to_string();
    let out = sonde(&[
        "agent",
        "--config",
        "none",
        "--server",
        &url,
        "--vardir",
        &vardir_arg,
        "--tasks",
        "netdiscovery,netinventory",
    ]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // The secrets were used: the server was reached through Basic authentication and the
    // device answered its community in both jobs.
    let bodies = seen.lock().unwrap().clone();
    let discovered = bodies
        .iter()
        .find(|b| b.contains("<QUERY>NETDISCOVERY</QUERY>") && b.contains("<DEVICE>"))
        .unwrap_or_else(|| panic!("no discovered device in {bodies:#?}"));
    assert!(
        discovered.contains("<AUTHSNMP>2</AUTHSNMP>"),
        "{discovered}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.contains("<QUERY>SNMPQUERY</QUERY>") && b.contains("<INFO>")),
        "no inventoried device in {bodies:#?}"
    );
    // A log worth the name: the run was traced in detail (requests, SNMP, the jobs).
    assert!(stderr.lines().count() > 50, "{stderr}");
    assert_no_secret("the agent's trace log", &stderr);
    assert_no_secret("the agent's output", &text(&out.stdout));

    let status = sonde(&[
        "agent",
        "--config",
        "none",
        "--server",
        &url,
        "--vardir",
        &vardir_arg,
        "--status",
    ]);
    let shown = text(&status.stdout);
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(shown.contains("127.0.0.1"), "{shown}");
    assert_no_secret("agent --status", &shown);
    assert_no_secret("agent --status's log", &text(&status.stderr));
    let _ = std::fs::remove_dir_all(&vardir);
}

#[test]
fn launchers_at_trace_level_log_no_secret() {
    let sim = Simulator::start();
    let port = sim.1.to_string();
    let v3 = format!(
        "version:3,username:ops,authprotocol:sha,authpassword:{AUTH_PASS},\
         privprotocol:aes,privpassword:{PRIV_PASS}"
    );
    let v2 = format!("version:2c,community:{COMMUNITY}");
    let discovery = sonde(&[
        "netdiscovery",
        "--first",
        "127.0.0.1",
        "--last",
        "127.0.0.1",
        "--port",
        &port,
        "--timeout",
        "1",
        "--probes",
        "snmp",
        "--credentials",
        &v3,
        "--credentials",
        &v2,
    ]);
    let stdout = text(&discovery.stdout);
    assert!(discovery.status.success(), "{}", text(&discovery.stderr));
    assert!(stdout.contains("<SNMPHOSTNAME>"), "{stdout}");
    assert_no_secret("netdiscovery's trace log", &text(&discovery.stderr));
    assert_no_secret("netdiscovery's output", &stdout);

    let inventory = sonde(&[
        "netinventory",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--timeout",
        "1",
        "--credentials",
        &v2,
    ]);
    let stdout = text(&inventory.stdout);
    assert!(inventory.status.success(), "{}", text(&inventory.stderr));
    assert!(stdout.contains("<INFO>"), "{stdout}");
    assert_no_secret("netinventory's trace log", &text(&inventory.stderr));
    assert_no_secret("netinventory's output", &stdout);

    // A device that does not know the v3 user, then a credential sonde refuses: the errors
    // name what is wrong, never the passphrase.
    let failed = sonde(&[
        "netinventory",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--timeout",
        "1",
        "--retries",
        "0",
        "--credentials",
        &v3,
    ]);
    let log = text(&failed.stderr);
    assert!(!failed.status.success(), "{log}");
    assert_no_secret("a failed v3 inventory", &log);
    let refused = sonde(&[
        "netinventory",
        "--host",
        "127.0.0.1",
        "--credentials",
        &format!("version:3,username:ops,authprotocol:bogus,authpassword:{AUTH_PASS}"),
    ]);
    let log = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{log}");
    assert!(log.contains("bogus"), "{log}");
    assert_no_secret("a refused credential", &log);
}
