//! Loopback tests of the transport: a fake server records what the client sends and answers
//! what each test wants (`server`), over HTTP (`http`, `failures`) and HTTPS with a CA made at test time
//! (`tls`).

mod failures;
mod http;
mod inject;
pub(crate) mod server;
mod tls;

use std::io::Read;

use super::{Client, TransportConfig};

const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<REQUEST>\n  <DEVICEID>vm-2026-11-24-04-03-47</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n  <TOKEN>12345678</TOKEN>\n</REQUEST>\n";

const REPLY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><PROLOG_FREQ>24</PROLOG_FREQ><RESPONSE>SEND</RESPONSE></REPLY>";

fn client(config: TransportConfig) -> Client {
    Client::new(config).unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    super::Compression::Zlib.compress(data).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    super::Compression::Gzip.compress(data).unwrap()
}

/// A request body as the server would read it, by its Content-Type.
fn decoded(body: &[u8], content_type: Option<&str>) -> String {
    let mut out = String::new();
    match content_type {
        Some("application/x-compress-zlib") => {
            flate2::read::ZlibDecoder::new(body)
                .read_to_string(&mut out)
                .unwrap();
        }
        Some("application/x-compress-gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_string(&mut out)
                .unwrap();
        }
        _ => out = String::from_utf8(body.to_vec()).unwrap(),
    }
    out
}
