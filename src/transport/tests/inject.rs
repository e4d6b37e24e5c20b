//! `sonde inject`'s engine against the fake server: documents sent as they are (compressed ones
//! inflated first), the Perl agent's own `.ocs` output, refusals, files removed only once
//! delivered.

use std::io::Read as _;

use super::server::{Canned, FakeServer};
use super::{client, decoded, zlib};
use crate::transport::TransportConfig;
use crate::transport::inject::{InjectError, documents_in, send_file, version_client};

/// FusionInventory 2.6's `--local` output (`local-target-output.ocs`), gzipped in the repo.
fn perl_ocs() -> Vec<u8> {
    let gz = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/resources/protocol/fi26-local-target-output.ocs.gz"),
    )
    .unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn files_are_sent_in_order_and_removed_once_delivered() {
    let dir = std::env::temp_dir().join(format!("sonde-inject-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let ocs = perl_ocs();
    std::fs::write(dir.join("a.ocs"), &ocs).unwrap();
    std::fs::write(
        dir.join("b.xml"),
        zlib(b"<?xml version=\"1.0\"?><REQUEST><QUERY>INVENTORY</QUERY></REQUEST>"),
    )
    .unwrap();
    std::fs::write(
        dir.join("c.json"),
        br#"{"action":"inventory","deviceid":"x","content":{"versionclient":"v"}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), b"not a document").unwrap();
    std::fs::write(dir.join("sub/d.xml"), b"<REQUEST/>").unwrap();
    let flat = documents_in(&dir, false).unwrap();
    let names: Vec<String> = flat
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.ocs", "b.xml", "c.json"]);
    assert_eq!(documents_in(&dir, true).unwrap().len(), 4);

    // The server refuses c.json with a REPLY/ERROR; the others are acknowledged.
    let server = FakeServer::start(|r, _| {
        if r.header("content-type") == Some("application/x-compress-zlib")
            && decoded(&r.body, r.header("content-type")).contains("\"deviceid\":\"x\"")
        {
            Canned::ok(
                "application/xml",
                "<REPLY><ERROR>Inventory is refused</ERROR></REPLY>",
            )
        } else {
            Canned::ok("application/xml", "<REPLY></REPLY>")
        }
    })
    .await;
    let url = server.url("/");
    let c = client(TransportConfig::default());
    let mut outcomes = Vec::new();
    for f in &flat {
        outcomes.push(send_file(&c, &url, f, true).await);
    }
    assert!(outcomes[0].is_ok() && outcomes[1].is_ok(), "{outcomes:?}");
    match &outcomes[2] {
        Err(InjectError::Refused { message, .. }) => assert_eq!(message, "Inventory is refused"),
        other => panic!("{other:?}"),
    }
    // Delivered files are gone, the refused one stays.
    assert!(!dir.join("a.ocs").exists() && !dir.join("b.xml").exists());
    assert!(dir.join("c.json").exists());
    // What the server got: the Perl document byte for byte, and the compressed file inflated.
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(
        decoded(&requests[0].body, requests[0].header("content-type")).as_bytes(),
        ocs.as_slice()
    );
    assert!(
        decoded(&requests[1].body, requests[1].header("content-type"))
            .contains("<QUERY>INVENTORY</QUERY>")
    );
    assert_eq!(
        version_client(&ocs).as_deref(),
        Some("FusionInventory-Agent_v2.6-3")
    );

    // A server that is down: the file stays, the error says why.
    drop(server);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = reqwest::Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let e = send_file(&c, &down, &dir.join("c.json"), true)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("refused"), "{e}");
    assert!(dir.join("c.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
