//! The seeds written from text: the server's XML and JSON replies (captured and crafted, plain,
//! compressed and behind PHP notices), agent.cfg files, raw HTTP requests.

use std::fs;
use std::path::Path;

use sonde::transport::Compression;

use super::{Out, stem};

// ---------------------------------------------------------------------------------------------
// Server replies

/// `body`, and its zlib and gzip forms, and with PHP notices printed before it.
fn reply_forms(out: &mut Out, target: &str, name: &str, body: &[u8]) {
    out.put(target, name, body);
    for (form, c) in [("zlib", Compression::Zlib), ("gzip", Compression::Gzip)] {
        let packed = c.compress(body).expect("compress in memory");
        out.put(target, &format!("{name}.{form}"), &packed);
    }
    let mut noisy = b"<br />\n<b>Notice</b>: Undefined index in x.php\n".to_vec();
    noisy.extend_from_slice(body);
    out.put(target, &format!("{name}.notice"), &noisy);
}

/// The body of a capture: after the header block when it has one.
fn body_of(bytes: &[u8]) -> &[u8] {
    let starts = bytes.iter().position(|&b| b == b'<' || b == b'{');
    match starts {
        Some(at) => &bytes[at..],
        None => bytes,
    }
}

pub(crate) fn server_xml(out: &mut Out, fixtures: &Path) {
    const T: &str = "server_xml";
    let files = [
        "captured/fusioninventory-2.6/02-prolog-reply-crafted.xml",
        "captured/fusioninventory-2.6/12b-prolog-reply-no-response-send-crafted.xml",
        "upstream/fusioninventory-agent/resources_xml_response_message1.xml",
        "upstream/fusioninventory-agent/resources_xml_response_message2.xml",
        "upstream/fusioninventory-agent/resources_xml_response_message3.xml",
    ];
    for file in files {
        if let Ok(bytes) = fs::read(fixtures.join(file)) {
            reply_forms(out, T, &stem(Path::new(file)), &bytes);
        }
    }
    let crafted: [(&str, &str); 6] = [
        (
            "full-plugin-reply",
            r#"<?xml version="1.0" encoding="UTF-8"?>
<REPLY>
  <OPTION>
    <NAME>NETDISCOVERY</NAME>
    <PARAM THREADS_DISCOVERY="20" TIMEOUT="1" PID="1742"/>
    <RANGEIP ID="3" IPSTART="192.168.0.1" IPEND="192.168.0.254" ENTITY="0" PORT="161,1161" PROTOCOL="udp/ipv4,tcp/ipv6"/>
    <RANGEIP ID="4" IPSTART="fd00::1" IPEND="fd00::ff" ENTITY="2"/>
    <AUTHENTICATION ID="1" VERSION="1" COMMUNITY="public"/>
    <AUTHENTICATION ID="2" VERSION="2c" COMMUNITY="public"/>
    <AUTHENTICATION ID="4" VERSION="3" USERNAME="glpi" AUTHPROTOCOL="SHA" AUTHPASSPHRASE="s3cret-auth" PRIVPROTOCOL="AES" PRIVPASSPHRASE="s3cret-priv"/>
  </OPTION>
  <OPTION>
    <NAME>SNMPQUERY</NAME>
    <PARAM THREADS_QUERY="10" TIMEOUT="15" PID="1743"/>
    <DEVICE TYPE="NETWORKING" ID="12" IP="192.168.0.2" AUTHSNMP_ID="2"/>
    <DEVICE TYPE="PRINTER" ID="13" IP="printer.example" AUTHSNMP_ID="4" PID="1744"/>
    <AUTHENTICATION ID="1" VERSION="1" COMMUNITY="public"/>
    <AUTHENTICATION ID="2" VERSION="2c" COMMUNITY="public"/>
    <AUTHENTICATION ID="4" VERSION="3" USERNAME="u" AUTHPROTOCOL="SHA256" AUTHPASSPHRASE="a1234567" PRIVPROTOCOL="AES256C" PRIVPASSPHRASE="p1234567"/>
  </OPTION>
  <OPTION>
    <NAME>WAKEONLAN</NAME>
    <PARAM MAC="00:1a:2b:3c:4d:5e" IP="192.168.0.9"/>
    <PARAM MAC="001a2b3c4d5f"/>
  </OPTION>
  <OPTION>
    <NAME>INVENTORY</NAME>
    <PARAM NAME="full">1</PARAM>
  </OPTION>
  <OPTION>
    <NAME>REGISTRY</NAME>
    <PARAM NAME="x" REGKEY="SOFTWARE/x" REGTREE="0">*</PARAM>
  </OPTION>
  <RESPONSE>SEND</RESPONSE>
  <PROLOG_FREQ>24</PROLOG_FREQ>
</REPLY>
"#,
        ),
        (
            "glpi-core",
            "<REPLY><PROLOG_FREQ>24</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>",
        ),
        (
            "error",
            "<?xml version=\"1.0\"?>\n<REPLY><ERROR>SSL REQUIRED BY SERVER</ERROR></REPLY>",
        ),
        (
            "html-first",
            "<html></html><?xml version='1.0' encoding='ISO-8859-1'?><REPLY><PROLOG_FREQ>x</PROLOG_FREQ><!-- c --><![CDATA[x]]>&amp;&#65;</REPLY>",
        ),
        (
            "login-page",
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body>x</body></html>",
        ),
        ("json-prolog", "{\"status\":\"ok\",\"expiration\":24}"),
    ];
    for (name, text) in crafted {
        reply_forms(out, T, name, text.as_bytes());
    }
}

pub(crate) fn server_json(out: &mut Out, fixtures: &Path) {
    const T: &str = "server_json";
    let files = [
        "captured/glpi-agent-1.12-dev/02-prolog-reply-json-crafted.txt",
        "captured/glpi-agent-1.12-dev/05-contact-reply-crafted.txt",
        "captured/glpi-agent-1.12-dev/07-inventory-reply-crafted.txt",
    ];
    for file in files {
        if let Ok(bytes) = fs::read(fixtures.join(file)) {
            reply_forms(out, T, &stem(Path::new(file)), body_of(&bytes));
        }
    }
    let crafted = [
        (
            "contact-full",
            r#"{"status":"ok","expiration":"1d","message":"hello","disabled":["Deploy","collect"],
"tasks":{"inventory":{"server":"glpi","version":"10.0.16","no-category":"printer,software",
"params":[{"category":"registry","params_id":"1","use":["value"]}]},
"netdiscovery":{"server":"glpiinventory","version":"1.4.0"},"ESX":"x","collect":{}}}"#,
        ),
        ("pending", r#"{"status":"pending","expiration":"30m"}"#),
        (
            "error",
            r#"{"status":"error","message":"Agent is not allowed","expiration":0}"#,
        ),
        (
            "disabled-string",
            r#"{"status":"ok","expiration":12.5,"disabled":"inventory"}"#,
        ),
        (
            "numbers",
            r#" {"status":"ok","expiration":1e3,"message":-0.0,"tasks":[]} "#,
        ),
        (
            "escapes",
            "{\"status\":\"\\u006fk\",\"expiration\":\"24h\",\"message\":\"\\ud83d\\ude00 \\\" \\\\\"}",
        ),
    ];
    for (name, text) in crafted {
        reply_forms(out, T, name, text.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// agent.cfg

pub(crate) fn agent_cfg(out: &mut Out, fixtures: &Path) {
    const T: &str = "agent_cfg";
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let files = [
        repo.join("deploy/agent.cfg"),
        fixtures.join("upstream/fusioninventory-agent/etc_agent.cfg"),
        fixtures.join("upstream/fusioninventory-agent/etc_inventory-server-plugin.cfg"),
        fixtures.join("upstream/fusioninventory-agent/etc_proxy-server-plugin.cfg"),
        fixtures.join("upstream/fusioninventory-agent/etc_ssl-server-plugin.cfg"),
        fixtures.join("upstream/glpi-agent/etc_agent.cfg"),
    ];
    for (i, path) in files.iter().enumerate() {
        if let Ok(bytes) = fs::read(path) {
            out.put(T, &format!("{i}-{}", stem(path)), &bytes);
        }
    }
    let crafted = [
        (
            "typed",
            "server = https://glpi.example/, http://u:p@glpi2/plugins/fusioninventory/\n\
             tag = 'paris # site'\ntimeout = 30\nno-ssl-check = yes\nca-cert-file = /etc/ssl/ca.pem\n\
             httpd-ip = 127.0.0.1\nhttpd-port = 62354\nhttpd-trust = 127.0.0.1/32, ::1, glpi.example\n\
             tasks = inventory, netdiscovery, ...\nno-task = deploy\nconf-reload-interval = 30\n\
             logger = file, stderr\nlogfile = /var/log/sonde.log\nlogfile-maxsize = 10\n\
             delaytime = 3600\nbackend-collect-timeout = 180\nproxy = http://proxy:3128\n\
             no-category = printer, software\nscan-homedirs = 1\nhtml = 0\nlocal = -\n\
             stdout = 1\ninclude \"conf.d/\"\ninclude = extra.cfg\n",
        ),
        (
            "errors",
            "[section]\nserver http://x/\ntag = \"open\ntag = \"a\" b\ninclude\ntimeout = -1\n\
             httpd-port = 99999\nno-ssl-check = maybe\nunknown-key = 1\nca-cert-dir = /a\n\
             ca-cert-file = /b\n",
        ),
        (
            "env",
            "# environment lines\nSONDE_SERVER=http://env.example/\nSONDE_NO_SSL_CHECK=1\n\
             SONDE_TIMEOUT=abc\nserver = http://file.example/\n",
        ),
        ("crlf", "server = http://glpi/\r\ntag = x\r\n\r\n# c\r\n"),
    ];
    for (name, text) in crafted {
        out.put(T, name, text.as_bytes());
    }
}
// ---------------------------------------------------------------------------------------------
// HTTP

pub(crate) fn http(out: &mut Out) {
    const T: &str = "http_request";
    let requests: [(&str, &str); 14] = [
        (
            "index",
            "GET / HTTP/1.1\r\nHost: agent\r\nUser-Agent: Mozilla/5.0\r\n\r\n",
        ),
        (
            "status",
            "GET /status HTTP/1.1\r\nHost: agent\r\nConnection: close\r\n\r\n",
        ),
        ("now", "GET /now HTTP/1.1\r\nHost: agent\r\n\r\n"),
        (
            "now-token",
            "GET /now/0123456789abcdef HTTP/1.1\r\nHost: agent\r\n\r\n",
        ),
        (
            "metrics",
            "GET /metrics HTTP/1.1\r\nHost: agent\r\nAccept: text/plain\r\n\r\n",
        ),
        (
            "preflight",
            "OPTIONS /now HTTP/1.1\r\nHost: agent\r\nOrigin: http://192.0.2.10\r\n\
             Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: x-a\r\n\r\n",
        ),
        (
            "foreign-origin",
            "GET /now HTTP/1.1\r\nHost: agent\r\nOrigin: https://evil.example\r\n\r\n",
        ),
        ("head", "HEAD / HTTP/1.1\r\nHost: agent\r\n\r\n"),
        (
            "post",
            "POST /now HTTP/1.1\r\nHost: agent\r\nContent-Length: 5\r\n\r\nhello",
        ),
        (
            "chunked",
            "POST /status HTTP/1.1\r\nHost: agent\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        ),
        (
            "too-large",
            "PUT /x HTTP/1.1\r\nHost: agent\r\nContent-Length: 99999999\r\n\r\n",
        ),
        ("http10", "GET /status HTTP/1.0\r\n\r\n"),
        (
            "pipelined",
            "GET /status HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        ),
        (
            "expect",
            "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        ),
    ];
    for (selector, who) in [(0u8, "trusted"), (1, "server"), (2, "stranger")] {
        for (name, request) in requests {
            let mut bytes = vec![selector];
            bytes.extend_from_slice(request.as_bytes());
            out.put(T, &format!("{who}-{name}"), &bytes);
        }
    }
}
