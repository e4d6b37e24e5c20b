//! Plain-HTTP exchanges: headers and bodies sent, replies decoded, redirects and authentication.

use super::server::{Canned, FakeServer};
use super::{PROLOG, REPLY, client, decoded, gzip, zlib};
use crate::transport::{
    BodyFormat, Compression, DEFAULT_USER_AGENT, PostOptions, ReplyKind, TransportConfig,
    TransportError,
};

#[tokio::test]
async fn posts_zlib_by_default_with_the_fusioninventory_headers() {
    let server =
        FakeServer::start(|_, _| Canned::ok("application/x-compress-zlib", zlib(REPLY.as_bytes())))
            .await;
    let url = server.url("/glpi/plugins/fusioninventory/");
    let reply = client(TransportConfig::default())
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    assert_eq!(
        (reply.status, reply.kind, reply.compression),
        (200, ReplyKind::Xml, Compression::Zlib)
    );
    assert_eq!(reply.body, REPLY);
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("POST", "/glpi/plugins/fusioninventory/")
    );
    assert_eq!(request.header("pragma"), Some("no-cache"));
    assert_eq!(request.header("user-agent"), Some(DEFAULT_USER_AGENT));
    assert!(DEFAULT_USER_AGENT.starts_with("FusionInventory-Agent_v"));
    assert_eq!(
        request.header("content-type"),
        Some("application/x-compress-zlib")
    );
    assert_eq!(&request.body[..2], &[0x78, 0x9c]);
    assert_eq!(
        decoded(&request.body, request.header("content-type")),
        PROLOG
    );
    assert_eq!(request.header("authorization"), None);
}

#[tokio::test]
async fn gzip_and_uncompressed_requests_and_extra_headers() {
    let server =
        FakeServer::start(|_, _| Canned::ok("application/x-compress-gzip", gzip(REPLY.as_bytes())))
            .await;
    let url = server.url("/");
    let gzip_client = client(TransportConfig {
        compression: Compression::Gzip,
        user_agent: "FusionInventory-Agent_v2.6-sonde".into(),
        ..TransportConfig::default()
    });
    let reply = gzip_client
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    assert_eq!(
        (reply.compression, reply.body.as_str()),
        (Compression::Gzip, REPLY)
    );
    let plain = client(TransportConfig {
        compression: Compression::None,
        ..TransportConfig::default()
    });
    plain
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    let json = br#"{"action":"contact","deviceid":"vm"}"#;
    let options = PostOptions {
        format: BodyFormat::Json,
        headers: &[("GLPI-Agent-ID", "3a4e5f00-0000-4000-8000-000000000001")],
        ..PostOptions::default()
    };
    plain.post_with(&url, json, &options).await.unwrap();
    let requests = server.requests();
    let seen: Vec<(Option<&str>, String)> = requests
        .iter()
        .map(|r| {
            (
                r.header("content-type"),
                decoded(&r.body, r.header("content-type")),
            )
        })
        .collect();
    assert_eq!(
        seen[0],
        (Some("application/x-compress-gzip"), PROLOG.to_owned())
    );
    assert_eq!(&requests[0].body[..3], &[0x1f, 0x8b, 0x08]);
    assert_eq!(
        requests[0].header("user-agent"),
        Some("FusionInventory-Agent_v2.6-sonde")
    );
    assert_eq!(seen[1], (Some("application/xml"), PROLOG.to_owned()));
    assert_eq!(seen[2].0, Some("application/json"));
    assert_eq!(seen[2].1.as_bytes(), json);
    assert_eq!(
        requests[2].header("glpi-agent-id"),
        Some("3a4e5f00-0000-4000-8000-000000000001")
    );
}

#[tokio::test]
async fn replies_are_read_by_content_type_then_by_sniffing() {
    let mut junk_then_zlib = b"PHP Notice: undefined index\n".to_vec();
    junk_then_zlib.extend(zlib(REPLY.as_bytes()));
    let replies = [
        Canned::ok("application/xml", zlib(REPLY.as_bytes())),
        Canned::ok("text/html", junk_then_zlib),
        Canned::ok("text/plain", gzip(REPLY.as_bytes())),
        Canned::ok("text/html", format!("<html></html>{REPLY}")),
        Canned::ok(
            "text/html; charset=UTF-8",
            format!("<br />\n<b>Notice</b>: x in y.php\n{REPLY}"),
        ),
        Canned::ok("application/json", r#"{"status":"ok","expiration":24}"#),
        Canned::ok(
            "application/xml",
            "<REPLY><ERROR>XML not well formed!</ERROR></REPLY>",
        ),
    ];
    let count = replies.len();
    let server = FakeServer::start(move |_, i| replies[i].clone()).await;
    let client = client(TransportConfig::default());
    let mut got = Vec::new();
    for _ in 0..count {
        got.push(
            client
                .post(&server.url("/"), PROLOG.as_bytes(), BodyFormat::Xml)
                .await
                .unwrap(),
        );
    }
    for reply in &got[..5] {
        assert_eq!(
            (reply.kind, reply.body.as_str()),
            (ReplyKind::Xml, REPLY),
            "{reply:?}"
        );
    }
    assert_eq!(
        got.iter().map(|r| r.compression).collect::<Vec<_>>()[..4],
        [
            Compression::Zlib,
            Compression::Zlib,
            Compression::Gzip,
            Compression::None
        ]
    );
    assert_eq!(got[5].kind, ReplyKind::Json);
    assert_eq!(got[6].server_error(), Some("XML not well formed!"));
}

#[tokio::test]
async fn html_pages_broken_and_oversized_replies_are_errors() {
    let login = "<!DOCTYPE html>\n<html><head><title>GLPI - Authentication</title></head><body>login</body></html>";
    let replies = [
        Canned::ok("text/html", login),
        Canned::ok(
            "application/x-compress-zlib",
            vec![0x78, 0x9c, 0xff, 0xff, 0xff, 0x00],
        ),
        Canned::ok(
            "application/xml",
            format!("<REPLY>{}</REPLY>", "x".repeat(10_000)),
        ),
    ];
    let server = FakeServer::start(move |_, i| replies[i].clone()).await;
    let client = client(TransportConfig {
        max_reply_bytes: 4096,
        ..TransportConfig::default()
    });
    let url = server.url("/");
    let post = || client.post(&url, PROLOG.as_bytes(), BodyFormat::Xml);
    let error = post().await.unwrap_err();
    assert!(matches!(error, TransportError::NotGlpi { .. }), "{error:?}");
    assert!(
        error.to_string().contains("GLPI - Authentication"),
        "{error}"
    );
    let error = post().await.unwrap_err();
    assert!(
        matches!(error, TransportError::Decompress { format: "zlib", .. }),
        "{error:?}"
    );
    let error = post().await.unwrap_err();
    assert!(
        matches!(error, TransportError::TooLarge { limit: 4096, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn permanent_and_temporary_redirects_post_again() {
    let server = FakeServer::start(|request, _| {
        let to = |status, location: &str| Canned::new(status).header("Location", location);
        match request.path.as_str() {
            "/old" => to(301, "/mid"),
            "/mid" => to(307, "mid2"),
            "/mid2" => to(308, "/final/"),
            "/final/" => Canned::ok("application/xml", REPLY),
            "/loop1" => to(301, "/loop2"),
            _ => to(301, "/loop1"),
        }
    })
    .await;
    let client = client(TransportConfig::default());
    let reply = client
        .post(&server.url("/old"), PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    assert_eq!(reply.body, REPLY);
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/old", "/mid", "/mid2", "/final/"]);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(
            decoded(&request.body, request.header("content-type")),
            PROLOG
        );
    }
    let error = client
        .post(&server.url("/loop1"), PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::BadRedirect { .. }),
        "{error:?}"
    );
    assert_eq!(
        server.requests().len(),
        4 + 6,
        "5 redirects followed, then an error"
    );
}

#[tokio::test]
async fn found_and_see_other_are_errors_naming_the_new_url() {
    let server = FakeServer::start(|request, _| match request.path.as_str() {
        "/302" => Canned::new(302).header("Location", "https://glpi.example.com/glpi/"),
        _ => Canned::new(303).header("Location", "/elsewhere"),
    })
    .await;
    let client = client(TransportConfig::default());
    let error = client
        .post(&server.url("/302"), PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    match &error {
        TransportError::Redirect {
            status: 302,
            location,
            ..
        } => {
            assert_eq!(location, "https://glpi.example.com/glpi/");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        error
            .to_string()
            .contains("set the server URL to https://glpi.example.com/glpi/")
    );
    let error = client
        .post(&server.url("/303"), PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("http://{}/elsewhere", server.addr)),
        "{error}"
    );
    assert_eq!(server.requests().len(), 2, "not followed");
}

/// A server that wants alice/s3cret, like the captured 401 flow.
async fn protected_server() -> FakeServer {
    FakeServer::start(|request, _| match request.header("authorization") {
        Some("Basic YWxpY2U6czNjcmV0") => Canned::ok("application/xml", REPLY),
        _ => Canned::new(401).header("WWW-Authenticate", "Basic realm=\"glpi\""),
    })
    .await
}

#[tokio::test]
async fn credentials_are_sent_after_a_401_then_remembered() {
    let server = protected_server().await;
    let client = client(TransportConfig {
        user: Some("alice".into()),
        password: Some("s3cret".into()),
        ..TransportConfig::default()
    });
    let url = server.url("/glpi/");
    client
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    client
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    let requests = server.requests();
    let auth_of = |i: usize| requests[i].header("authorization").map(str::to_owned);
    assert_eq!(requests.len(), 3);
    assert_eq!(auth_of(0), None, "never sent before the server asks");
    assert_eq!(auth_of(1).as_deref(), Some("Basic YWxpY2U6czNjcmV0"));
    assert_eq!(
        auth_of(2).as_deref(),
        Some("Basic YWxpY2U6czNjcmV0"),
        "then sent at once"
    );
    assert_eq!(
        decoded(&requests[1].body, requests[1].header("content-type")),
        PROLOG
    );
}

#[tokio::test]
async fn credentials_in_the_url_are_used_and_never_shown() {
    let server = protected_server().await;
    let client = client(TransportConfig::default());
    let mut url = server.url("/glpi/");
    url.set_username("alice").unwrap();
    url.set_password(Some("s3cret")).unwrap();
    client
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap();
    assert_eq!(server.requests()[0].header("authorization"), None);
    url.set_password(Some("hunter2")).unwrap();
    let other = super::client(TransportConfig::default());
    let error = other
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::AuthRejected { .. }),
        "{error:?}"
    );
    assert!(
        !error.to_string().contains("hunter2") && !error.to_string().contains("alice"),
        "{error}"
    );
}

#[tokio::test]
async fn a_401_without_or_with_wrong_credentials() {
    let server = protected_server().await;
    let url = server.url("/glpi/");
    let error = client(TransportConfig::default())
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::AuthRequired { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("no credentials available"));
    let wrong = client(TransportConfig {
        user: Some("alice".into()),
        password: Some("guess".into()),
        ..TransportConfig::default()
    });
    let error = wrong
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::AuthRejected { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("wrong credentials"));
    assert_eq!(server.requests().len(), 1 + 2);
}

/// `--proxy`: the request goes to the proxy with the server's absolute URL and the proxy's
/// credentials (from the proxy URL); a 407 says the proxy wants credentials.
#[tokio::test]
async fn an_explicit_proxy_gets_the_absolute_url_and_its_credentials() {
    let proxy = FakeServer::start(|_, _| Canned::ok("application/xml", REPLY)).await;
    let port = proxy.url("/").port().expect("port");
    let c = client(TransportConfig {
        proxy: Some(format!("http://puser:ppass@127.0.0.1:{port}/")),
        ..TransportConfig::default()
    });
    // A name that no resolver knows: only the proxy can reach it.
    let target: reqwest::Url = "http://glpi.invalid/front/inventory.php"
        .parse()
        .expect("url");
    let reply = c
        .post(&target, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .expect("through the proxy");
    assert_eq!(reply.body, REPLY);
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "http://glpi.invalid/front/inventory.php")
    );
    assert_eq!(r.header("host"), Some("glpi.invalid"));
    assert_eq!(
        r.header("proxy-authorization"),
        Some("Basic cHVzZXI6cHBhc3M=")
    );
    assert_eq!(decoded(&r.body, r.header("content-type")), PROLOG);

    let strict = FakeServer::start(|_, _| {
        Canned::new(407).header("Proxy-Authenticate", "Basic realm=\"proxy\"")
    })
    .await;
    let port = strict.url("/").port().expect("port");
    let c = client(TransportConfig {
        proxy: Some(format!("http://127.0.0.1:{port}/")),
        ..TransportConfig::default()
    });
    let e = c
        .post(&target, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .expect_err("407");
    assert!(matches!(e, TransportError::ProxyAuth { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "http://glpi.invalid/front/inventory.php: proxy authentication required (give the proxy's user and password in its URL)"
    );
    // A proxy URL that is not one: said at once, password hidden.
    let bad = crate::transport::Client::new(TransportConfig {
        proxy: Some("http://u:secret@[bad".to_owned()),
        ..TransportConfig::default()
    })
    .expect_err("a bad proxy URL");
    assert_eq!(
        bad.to_string(),
        "transport configuration: invalid proxy URL \"http://***@[bad\""
    );
}
