//! One agent run against a fake GLPI server on loopback: PROLOG, the inventory, a NETDISCOVERY
//! job over a simulated device and an SNMPQUERY job, message by message; a server that fails
//! mid-run leaves the rest in the spool, delivered in order on the next run; a WAKEONLAN job
//! whose magic packets reach a UDP listener on loopback.

use std::io::Read as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::run::{RunConfig, TASKS, run_once};
use crate::inventory::fixture::Tree;
use crate::mib::MibDb;
use crate::snmp::{AgentOptions, Communities, Mib, Simulator, Value, Varbind};
use crate::transport::TransportConfig;
use crate::transport::spool::Limits;
use crate::transport::tests::server::{Canned, FakeServer, Recorded};
use crate::wakeonlan::{MacAddress, Method, WakeConfig, magic_packet};

fn body(r: &Recorded) -> String {
    let mut out = String::new();
    flate2::read::ZlibDecoder::new(r.body.as_slice())
        .read_to_string(&mut out)
        .expect("a zlib body");
    out
}

fn query(r: &Recorded) -> String {
    let b = body(r);
    let start = b.find("<QUERY>").map_or(0, |i| i + 7);
    let end = b[start..].find('<').map_or(start, |i| start + i);
    b[start..end].to_owned()
}

async fn device() -> (Simulator, u16) {
    let o = |s: &str| s.parse().expect("oid");
    let mib = Mib::new(vec![
        Varbind::new(
            o("1.3.6.1.2.1.1.1.0"),
            Value::OctetString(b"Cisco IOS Software, test".to_vec()),
        ),
        Varbind::new(
            o("1.3.6.1.2.1.1.2.0"),
            Value::ObjectId(o("1.3.6.1.4.1.9.1.516")),
        ),
        Varbind::new(o("1.3.6.1.2.1.1.5.0"), Value::OctetString(b"sw1".to_vec())),
        Varbind::new(o("1.3.6.1.2.1.2.2.1.1.1"), Value::Integer(1)),
        Varbind::new(
            o("1.3.6.1.2.1.2.2.1.2.1"),
            Value::OctetString(b"Gi0/1".to_vec()),
        ),
    ]);
    let mut c = Communities::new();
    c.insert(b"public".to_vec(), Arc::new(mib));
    let sim = Simulator::start(
        vec![("127.0.0.1:0".parse().expect("addr"), c)],
        AgentOptions::default(),
    )
    .await
    .expect("simulator");
    let port = sim.local_addrs()[0].port();
    (sim, port)
}

/// A run's settings, and the small machine tree its inventory reads (kept alive by the caller).
fn config(server: &FakeServer, vardir: &std::path::Path) -> (RunConfig, Tree) {
    let tree = Tree::new(&[
        ("/proc/sys/kernel/hostname", "testhost\n"),
        (
            "/etc/os-release",
            "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n",
        ),
    ]);
    let inventory = tree.options();
    let config = RunConfig {
        servers: vec![server.url("/plugins/fusioninventory/")],
        locals: Vec::new(),
        vardir: vardir.to_path_buf(),
        transport: TransportConfig::default(),
        inventory,
        tag: None,
        json: false,
        html: false,
        force: false,
        tasks: TASKS.iter().map(|t| (*t).to_owned()).collect(),
        db: Some(Arc::new(MibDb::bundled().expect("mibs").clone())),
        spool: Limits::default(),
        lazy: false,
        additional_content: None,
        network: None,
        // Never a frame or a broadcast on this host's network: no interface qualifies for the
        // ethernet method, and the udp one aims at loopback.
        wakeonlan: WakeConfig {
            methods: vec![Method::Ethernet, Method::Udp],
            udp_destination: "127.0.0.1:9".parse().expect("addr"),
            interfaces: Some(Vec::new()),
        },
    };
    (config, tree)
}

fn prolog_reply(port: u16) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY>\
<OPTION><NAME>NETDISCOVERY</NAME><PARAM THREADS_DISCOVERY=\"20\" TIMEOUT=\"1\" PID=\"101\"/>\
<RANGEIP ID=\"1\" IPSTART=\"127.0.0.1\" IPEND=\"127.0.0.1\" ENTITY=\"0\" PORT=\"{port}\"/>\
<AUTHENTICATION ID=\"7\" VERSION=\"2c\" COMMUNITY=\"public\"/></OPTION>\
<OPTION><NAME>SNMPQUERY</NAME><PARAM THREADS_QUERY=\"1\" TIMEOUT=\"2\" PID=\"102\"/>\
<DEVICE TYPE=\"NETWORKING\" ID=\"12\" IP=\"127.0.0.1\" PORT=\"{port}\" AUTHSNMP_ID=\"7\"/>\
<AUTHENTICATION ID=\"7\" VERSION=\"2c\" COMMUNITY=\"public\"/></OPTION>\
<RESPONSE>SEND</RESPONSE><PROLOG_FREQ>24</PROLOG_FREQ></REPLY>"
    )
}

#[tokio::test]
async fn a_run_sends_every_message_and_keeps_what_fails() {
    let (sim, port) = device().await;
    let reply = prolog_reply(port);
    // Up for PROLOG and the first three messages, then 503 until told otherwise.
    let healthy = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&healthy);
    let server = FakeServer::start(move |r, n| {
        if flag.load(Ordering::SeqCst) || n < 4 {
            if body(r).contains("<QUERY>PROLOG</QUERY>") {
                return Canned::ok("application/xml", reply.clone());
            }
            return Canned::ok("application/xml", "<REPLY></REPLY>");
        }
        Canned::new(503).header("Retry-After", "1")
    })
    .await;
    let vardir = std::env::temp_dir().join(format!("sonde-agent-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&vardir);
    let (cfg, _tree) = config(&server, &vardir);
    let report = run_once(&cfg).await;
    // One error: the server went down; everything after it was only kept.
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(
        report.errors[0].to_string().contains("503"),
        "{}",
        report.errors[0]
    );
    let first: Vec<String> = server.requests().iter().map(query).collect();
    assert_eq!(
        first[..4],
        ["PROLOG", "INVENTORY", "NETDISCOVERY", "NETDISCOVERY"]
    );
    // The rest waits in the spool, in order.
    let spool = vardir.join("targets");
    let kept: usize = walk_count(&spool);
    // The NETDISCOVERY job ran to its end all the same: its device and END, then the
    // SNMPQUERY job's START, device and END.
    assert_eq!(kept, 5, "{kept} kept");
    // Back up: a second run delivers the kept results first, then runs again.
    healthy.store(true, Ordering::SeqCst);
    let before = server.requests().len();
    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let second: Vec<Recorded> = server.requests()[before..].to_vec();
    let kinds: Vec<String> = second.iter().map(query).collect();
    // Kept ones (the end of the first run's NETDISCOVERY job and its SNMPQUERY job), then
    // this run's PROLOG and its own messages.
    let prolog_at = kinds.iter().position(|k| k == "PROLOG").expect("a PROLOG");
    assert_eq!(
        prolog_at, kept,
        "kept results go before the PROLOG: {kinds:?}"
    );
    let sent: Vec<String> = second.iter().map(body).collect();
    let discovery_device = sent
        .iter()
        .find(|b| {
            b.contains("<QUERY>NETDISCOVERY</QUERY>")
                && b.contains("<SNMPHOSTNAME>sw1</SNMPHOSTNAME>")
        })
        .expect("the discovered device");
    assert!(
        discovery_device.contains("<AUTHSNMP>7</AUTHSNMP>"),
        "{discovery_device}"
    );
    assert!(discovery_device.contains("<PROCESSNUMBER>101</PROCESSNUMBER>"));
    let inventory = sent
        .iter()
        .find(|b| b.contains("<QUERY>SNMPQUERY</QUERY>") && b.contains("<INFO>"))
        .expect("the SNMPQUERY device");
    assert!(
        inventory.contains("<ID>12</ID>") && inventory.contains("<IFDESCR>Gi0/1</IFDESCR>"),
        "{inventory}"
    );
    assert!(inventory.contains("<PROCESSNUMBER>102</PROCESSNUMBER>"));
    assert_eq!(walk_count(&spool), 0, "the spool is empty");
    let ends = sent.iter().filter(|b| b.contains("<END>1</END>")).count();
    assert_eq!(
        ends, 4,
        "END once per job and run (the first run's two ENDs were kept)"
    );
    sim.shutdown().await;
    std::fs::remove_dir_all(&vardir).ok();
}

fn walk_count(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_count(&p)
            } else {
                let spooled = p.extension().is_some_and(|x| x == "xml" || x == "json")
                    && p.parent().is_some_and(|d| d.ends_with("spool"));
                usize::from(spooled)
            }
        })
        .sum()
}

/// A request body as JSON (zlib-compressed on the wire).
fn json_body(r: &Recorded) -> serde_json::Value {
    serde_json::from_str(&body(r)).expect("a JSON body")
}

#[tokio::test]
async fn a_glpi_server_gets_contact_and_json_inventories() {
    let answer = r#"{"status":"ok","expiration":24,"tasks":{"inventory":{"server":"glpi","version":"10.0.16"}}}"#;
    let server = FakeServer::start(move |r, _| {
        let text = body(r);
        if text.contains("<QUERY>PROLOG</QUERY>")
            || text.contains("\"action\": \"contact\"")
            || text.contains("\"action\":\"contact\"")
        {
            Canned::ok("application/json", answer)
        } else {
            Canned::ok("application/json", r#"{"status":"ok","expiration":24}"#)
        }
    })
    .await;
    let vardir = std::env::temp_dir().join(format!("sonde-agent-glpi-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&vardir);
    let (cfg, _tree) = config(&server, &vardir);
    for _ in 0..2 {
        let report = run_once(&cfg).await;
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 4, "PROLOG, inventory, CONTACT, inventory");
    let agentid = std::fs::read_to_string(vardir.join("agentid")).expect("agentid");
    for r in &requests {
        assert_eq!(
            r.header("glpi-agent-id"),
            Some(agentid.trim()),
            "every request carries the agent id"
        );
    }
    assert!(body(&requests[0]).contains("<QUERY>PROLOG</QUERY>"));
    let first = json_body(&requests[1]);
    assert_eq!(first["action"], "inventory");
    assert_eq!(first["itemtype"], "Computer");
    assert!(
        first.get("partial").is_none(),
        "the first inventory is full"
    );
    assert_eq!(first["content"]["hardware"]["name"], "testhost");
    let contact = json_body(&requests[2]);
    assert_eq!(contact["action"], "contact");
    assert_eq!(contact["deviceid"], first["deviceid"]);
    let second = json_body(&requests[3]);
    assert_eq!(
        second["partial"], true,
        "nothing changed: a partial inventory"
    );
    assert!(second["content"].get("hardware").is_some());
    assert!(second["content"].get("operatingsystem").is_none());
    std::fs::remove_dir_all(&vardir).ok();
}

#[tokio::test]
async fn lazy_runs_skip_a_target_until_its_planned_date() {
    let server = FakeServer::start(|r, _| {
        if body(r).contains("<QUERY>PROLOG</QUERY>") {
            return Canned::ok(
                "application/xml",
                "<REPLY><PROLOG_FREQ>24</PROLOG_FREQ></REPLY>",
            );
        }
        Canned::ok("application/xml", "<REPLY></REPLY>")
    })
    .await;
    let vardir = std::env::temp_dir().join(format!("sonde-agent-lazy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&vardir);
    let (mut cfg, _tree) = config(&server, &vardir);
    cfg.lazy = true;
    cfg.tasks = vec!["netdiscovery".to_owned()];
    // Never contacted: due at once, even lazily.
    let before = super::schedule::now();
    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(server.requests().len(), 1);
    let dir = super::run::target_dir(&cfg, &cfg.servers[0]);
    let plan = super::schedule::load(&dir).expect("read").expect("a plan");
    // PROLOG_FREQ 24: the next contact 23 to 24 hours later.
    assert_eq!(plan.max_delay, 86_400);
    let ahead = plan.next_run - before;
    assert!((82_800..=86_400 + 5).contains(&ahead), "{ahead}");
    // Lazy again: not ready, nothing sent, the plan unchanged.
    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(server.requests().len(), 1);
    assert!(
        report.done[0].contains("is not ready yet, next server contact planned for"),
        "{:?}",
        report.done
    );
    assert_eq!(super::schedule::load(&dir).expect("read"), Some(plan));
    // Not lazy: runs anyway.
    cfg.lazy = false;
    run_once(&cfg).await;
    assert_eq!(server.requests().len(), 2);
    // Lazy with a date in the past: runs.
    let mut due = plan;
    due.next_run = before - 10;
    super::schedule::save(&dir, &due).expect("save");
    cfg.lazy = true;
    run_once(&cfg).await;
    assert_eq!(server.requests().len(), 3);
    let _ = std::fs::remove_dir_all(&vardir);
}

#[tokio::test]
async fn a_pending_glpi_answer_sets_the_next_contact_and_runs_nothing() {
    let server = FakeServer::start(|_, _| {
        Canned::ok(
            "application/json",
            r#"{"status":"pending","expiration":"2m"}"#,
        )
    })
    .await;
    let vardir = std::env::temp_dir().join(format!("sonde-agent-pending-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&vardir);
    let (mut cfg, _tree) = config(&server, &vardir);
    cfg.force = true;
    let before = super::schedule::now();
    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        report.done,
        [format!(
            "{}: the server says to come back later",
            cfg.servers[0]
        )]
    );
    // Only the PROLOG: no inventory although forced.
    assert_eq!(server.requests().len(), 1);
    let dir = super::run::target_dir(&cfg, &cfg.servers[0]);
    let plan = super::schedule::load(&dir).expect("read").expect("a plan");
    let ahead = plan.next_run - before;
    assert!((120..=125).contains(&ahead), "{ahead}");
    assert_eq!(plan.max_delay, 120);
    let _ = std::fs::remove_dir_all(&vardir);
}

#[tokio::test]
async fn a_wakeonlan_job_sends_magic_packets_and_nothing_to_the_server() {
    let listener = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    listener
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .expect("timeout");
    let reply = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY>\
<OPTION><NAME>WAKEONLAN</NAME><PARAM MAC=\"00:1a:2b:3c:4d:5e\"/><PARAM MAC=\"nonsense\"/></OPTION>\
<OPTION><NAME>WAKEONLAN</NAME><PARAM MAC=\"00-1A-2B-3C-4D-5F\"/></OPTION>\
<PROLOG_FREQ>24</PROLOG_FREQ></REPLY>";
    let server = FakeServer::start(move |_, _| Canned::ok("application/xml", reply)).await;
    let vardir = std::env::temp_dir().join(format!("sonde-agent-wol-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&vardir);
    let (mut cfg, _tree) = config(&server, &vardir);
    cfg.wakeonlan.udp_destination = listener.local_addr().expect("addr");

    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let macs = ["00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5f"];
    for mac in macs {
        let mac: MacAddress = mac.parse().expect("mac");
        let mut buf = [0u8; 512];
        let (n, _) = listener.recv_from(&mut buf).expect("a magic packet");
        assert_eq!(buf[..n], magic_packet(mac));
        assert!(
            report
                .done
                .iter()
                .any(|l| l.contains(&format!("WAKEONLAN {mac}: sent by udp to 127.0.0.1:"))),
            "{:?}",
            report.done
        );
    }
    let queries: Vec<String> = server.requests().iter().map(query).collect();
    assert_eq!(queries, ["PROLOG"], "no result message for WAKEONLAN");

    // Not among the allowed tasks: nothing is sent.
    cfg.tasks.retain(|t| t != "wakeonlan");
    let report = run_once(&cfg).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!report.done.iter().any(|l| l.contains("WAKEONLAN")));
    listener
        .set_read_timeout(Some(std::time::Duration::from_millis(300)))
        .expect("timeout");
    let mut buf = [0u8; 512];
    assert!(
        listener.recv_from(&mut buf).is_err(),
        "a packet without the task"
    );
    std::fs::remove_dir_all(&vardir).ok();
}
