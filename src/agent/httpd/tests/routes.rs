//! The routes over real sockets: exact status lines, headers and bodies, and who may do what.

use std::path::Path;

use reqwest::Url;
use tokio::net::TcpListener;

use super::*;

#[tokio::test]
async fn status_answers_anybody() {
    let port = Port::untrusted().await;
    let answer = get(port.addr, "/status").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(answer.header("content-length"), Some("15"));
    assert_eq!(answer.header("server"), Some(server_name().as_str()));
    assert!(answer.header("date").is_some());
    assert_eq!(answer.body, "status: waiting");

    port.board.set_status("running task NetDiscovery");
    let reply = client()
        .get(format!("http://{}/status", port.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), reqwest::StatusCode::OK);
    assert_eq!(
        reply.text().await.unwrap(),
        "status: running task NetDiscovery"
    );
    port.shut().await.unwrap();
}

#[tokio::test]
async fn now_from_a_trusted_client_runs_every_target() {
    let mut port = Port::trusted().await;
    let answer = get(port.addr, "/now").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(answer.header("server"), Some(server_name().as_str()));
    assert_eq!(answer.body, "OK");
    assert_eq!(port.run_asked().await, NowRequest::All);
    assert_eq!(port.board.metrics().now_requests.get(), 1);

    // The channel holds one request: the next ones are answered OK all the same.
    for path in ["/now/123456789", "/now/", "/now?partial=yes"] {
        let answer = get(port.addr, path).await;
        assert_eq!(
            (answer.status_line.as_str(), answer.body.as_str()),
            ("HTTP/1.1 200 OK", "OK"),
            "{path}"
        );
    }
    assert_eq!(port.run_asked().await, NowRequest::All);
    port.no_run_asked();

    // HEAD answers without a body and starts nothing.
    let answer = call(port.addr, "HEAD", "/now", "").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(answer.body, "");
    port.no_run_asked();
    port.shut().await.unwrap();
}

#[tokio::test]
async fn now_from_a_server_runs_that_target_only() {
    let mut port = Port::untrusted().await;
    let url = Url::parse("http://glpi.example/plugins/fusioninventory/").unwrap();
    port.board.set_targets(vec![
        TargetInfo::local("local0", Path::new("/tmp")),
        TargetInfo::server("server0", &url).with_addresses(vec!["192.0.2.1".parse().unwrap()]),
        TargetInfo::server("server1", &url).with_addresses(vec![localhost()]),
    ]);
    let answer = get(port.addr, "/now/1234").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(answer.body, "OK");
    assert_eq!(
        port.run_asked().await,
        NowRequest::Target("server1".to_owned())
    );
    // The server is trusted for the rest too.
    let answer = get(port.addr, "/metrics").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    port.shut().await.unwrap();
}

#[tokio::test]
async fn now_from_an_untrusted_client_is_forbidden() {
    let mut port = Port::untrusted().await;
    for path in ["/now", "/now/token"] {
        let answer = get(port.addr, path).await;
        assert_eq!(answer.status_line, "HTTP/1.1 403 Forbidden", "{path}");
        assert_eq!(
            answer.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(answer.header("server"), Some(server_name().as_str()));
        assert_eq!(answer.body, "Access denied");
    }
    let answer = call(
        port.addr,
        "OPTIONS",
        "/now",
        "Access-Control-Request-Method: GET\r\n",
    )
    .await;
    assert_eq!(answer.status_line, "HTTP/1.1 403 Forbidden");
    port.no_run_asked();
    assert_eq!(port.board.metrics().http_forbidden.get(), 3);
    port.shut().await.unwrap();
}

#[tokio::test]
async fn cors_preflight_and_origins() {
    let mut port = Port::trusted().await;
    let url = Url::parse("https://glpi.example:8443/").unwrap();
    port.board
        .set_targets(vec![TargetInfo::server("server0", &url)]);

    let answer = call(
        port.addr,
        "OPTIONS",
        "/now",
        "Access-Control-Request-Method: GET\r\n",
    )
    .await;
    assert_eq!(answer.status_line, "HTTP/1.1 204 No Content");
    assert_eq!(answer.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(answer.body, "");
    port.no_run_asked();

    let origin = "Origin: https://glpi.example:8443\r\n";
    let answer = call(port.addr, "OPTIONS", "/now/x", origin).await;
    assert_eq!(answer.status_line, "HTTP/1.1 204 No Content");
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://glpi.example:8443")
    );
    let answer = call(port.addr, "GET", "/now", origin).await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://glpi.example:8443")
    );
    assert_eq!(answer.header("vary"), Some("Origin"));
    assert_eq!(port.run_asked().await, NowRequest::All);

    // A foreign page cannot make a trusted browser start runs.
    let answer = call(port.addr, "GET", "/now", "Origin: http://evil.example\r\n").await;
    assert_eq!(answer.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(answer.header("access-control-allow-origin"), None);
    port.no_run_asked();
    port.shut().await.unwrap();
}

#[tokio::test]
async fn metrics_for_trusted_clients_only() {
    let port = Port::trusted().await;
    port.board.metrics().devices_found.add(17);
    port.board.metrics().snmp_requests.add(3);
    let answer = get(port.addr, "/metrics").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(
        answer.body.contains(
            "# HELP sonde_devices_found_total Devices found by network discoveries.\n\
         # TYPE sonde_devices_found_total counter\n\
         sonde_devices_found_total 17\n"
        ),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("\nsonde_snmp_requests_total 3\n"));
    // This connection is open while the metrics are rendered.
    assert!(
        answer.body.contains("\nsonde_http_connections 1\n"),
        "{}",
        answer.body
    );
    port.board.metrics().devices_found.inc();
    let answer = get(port.addr, "/metrics").await;
    assert!(answer.body.contains("\nsonde_devices_found_total 18\n"));
    port.shut().await.unwrap();

    let port = Port::untrusted().await;
    let answer = get(port.addr, "/metrics").await;
    assert_eq!(answer.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(answer.body, "Access denied");
    port.shut().await.unwrap();
}

#[tokio::test]
async fn the_status_page_escapes_what_it_shows() {
    let port = Port::trusted().await;
    let local = Path::new("/tmp/<script>alert(1)</script>");
    port.board.set_targets(vec![
        TargetInfo::local("local0", local).with_next_run(1_795_576_632),
    ]);
    let answer = get(port.addr, "/").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        answer.body.contains("<p>This is sonde 0.1.0</p>"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("<p>The current status is waiting</p>"));
    assert!(
        answer
            .body
            .contains("<a href=\"/now\">Force an inventory</a>")
    );
    assert!(
        answer
            .body
            .contains("<li>/tmp/&lt;script&gt;alert(1)&lt;/script&gt;: "),
        "{}",
        answer.body
    );
    assert!(!answer.body.contains("<script>"));
    port.shut().await.unwrap();

    let port = Port::untrusted().await;
    port.board
        .set_targets(vec![TargetInfo::local("local0", local)]);
    let answer = get(port.addr, "/").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert!(!answer.body.contains("/now"), "{}", answer.body);
    assert!(
        answer.body.contains("<li>local0: not planned</li>"),
        "{}",
        answer.body
    );
    port.shut().await.unwrap();
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let mut port = Port::trusted().await;
    for path in [
        "/unknown",
        "/now2",
        "/status/x",
        "/deploy/getFile/a/bc/0123",
    ] {
        let answer = get(port.addr, path).await;
        assert_eq!(answer.status_line, "HTTP/1.1 404 Not Found", "{path}");
        assert_eq!(answer.header("server"), Some(server_name().as_str()));
        assert_eq!(answer.body, "Not Found");
    }
    // Another method on a known path: 400, as upstream.
    let answer = call(port.addr, "POST", "/now", "Content-Length: 0\r\n").await;
    assert_eq!(answer.status_line, "HTTP/1.1 400 Bad Request");
    assert_eq!(answer.header("allow"), Some("GET,HEAD,OPTIONS"));
    assert_eq!(answer.body, "Bad Request");
    let answer = call(port.addr, "DELETE", "/status", "").await;
    assert_eq!(answer.status_line, "HTTP/1.1 400 Bad Request");
    assert_eq!(answer.header("allow"), Some("GET,HEAD"));
    port.no_run_asked();
    // Not HTTP at all.
    let answer = exchange(port.addr, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").await;
    assert_eq!(answer.status_line, "HTTP/1.1 400 Bad Request");
    port.shut().await.unwrap();
}

#[tokio::test]
async fn ipv6_clients() {
    // Skipped where the loopback has no IPv6.
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        return;
    };
    let v6_loopback: IpAddr = "::1".parse().unwrap();
    let mut port = Port::serve(
        listener,
        TrustList::from_addrs([v6_loopback]),
        Limits::default(),
    );
    let answer = get(port.addr, "/now").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(port.run_asked().await, NowRequest::All);
    let url = Url::parse("http://[::1]/").unwrap();
    port.board.set_targets(vec![
        TargetInfo::server("server0", &url).with_addresses(vec![v6_loopback]),
    ]);
    let answer = get(port.addr, "/now").await;
    assert_eq!(answer.status_line, "HTTP/1.1 200 OK");
    assert_eq!(
        port.run_asked().await,
        NowRequest::Target("server0".to_owned())
    );
    port.shut().await.unwrap();
}
