//! Failures over plain HTTP: status errors with the server's message, refused connections,
//! timeouts, retries with back-off, and the per-server limit on uploads in flight.

use std::time::{Duration, Instant};

use super::server::{Canned, FakeServer};
use super::{PROLOG, REPLY, client, zlib};
use crate::transport::{BodyFormat, PostOptions, RetryPolicy, TransportConfig, TransportError};

#[tokio::test]
async fn status_errors_carry_the_servers_message() {
    let replies = [
        Canned::new(403).header("Content-Type", "text/html").body(
            "<html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1></body></html>",
        ),
        Canned::new(500)
            .header("Content-Type", "application/x-compress-zlib")
            .body(zlib(
                b"<REPLY><ERROR>Plugin FusionInventory not installed!</ERROR></REPLY>",
            )),
        Canned::new(503)
            .header("Retry-After", "7")
            .body(format!("Maintenance\n{}", "x".repeat(400))),
        Canned::new(404),
    ];
    let server = FakeServer::start(move |_, i| replies[i].clone()).await;
    let client = client(TransportConfig::default());
    let mut errors = Vec::new();
    for _ in 0..4 {
        errors.push(
            client
                .post(&server.url("/x"), PROLOG.as_bytes(), BodyFormat::Xml)
                .await
                .unwrap_err(),
        );
    }
    let url = server.url("/x");
    assert_eq!(
        errors[0].to_string(),
        format!("{url}: HTTP 403: 403 Forbidden")
    );
    assert_eq!(
        errors[1].to_string(),
        format!("{url}: HTTP 500: Plugin FusionInventory not installed!")
    );
    assert_eq!(
        errors[2].to_string(),
        format!("{url}: HTTP 503: Maintenance (the server asks to come back in 7 s)")
    );
    assert_eq!(errors[2].retry_after(), Some(Duration::from_secs(7)));
    assert!(errors[2].is_retryable() && errors[1].is_retryable() && !errors[0].is_retryable());
    assert_eq!(errors[3].to_string(), format!("{url}: HTTP 404: Not Found"));
    assert_eq!(errors[3].status(), Some(404));
}

#[tokio::test]
async fn a_closed_port_is_connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = reqwest::Url::parse(&format!("http://{addr}/")).unwrap();
    let error = client(TransportConfig::default())
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::ConnectionRefused { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("{url}: connection refused (is the server up, is the port right?)")
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let url = reqwest::Url::parse(&format!("http://{addr}/")).unwrap();
    let client = client(TransportConfig {
        timeout: Duration::from_millis(300),
        ..TransportConfig::default()
    });
    let start = Instant::now();
    let error = client
        .post(&url, PROLOG.as_bytes(), BodyFormat::Xml)
        .await
        .unwrap_err();
    assert!(matches!(error, TransportError::Timeout { .. }), "{error:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(
        error.to_string().ends_with("no answer within 0.3 s"),
        "{error}"
    );
    silent.abort();
}

fn quick_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_total: Duration::from_secs(5),
        base: Duration::from_millis(10),
        cap: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(1),
    }
}

#[tokio::test]
async fn retries_back_off_after_503_and_give_up_when_told_to_wait_long() {
    let server = FakeServer::start(|request, i| match (request.path.as_str(), i) {
        ("/busy", 0 | 1) => Canned::new(503).header("Retry-After", "0"),
        ("/busy", _) => Canned::ok("application/xml", REPLY),
        ("/later", _) => Canned::new(429).header("Retry-After", "3600"),
        _ => Canned::new(404),
    })
    .await;
    let client = client(TransportConfig::default());
    let options = PostOptions::default();
    let reply = client
        .post_with_retries(
            &server.url("/busy"),
            PROLOG.as_bytes(),
            &options,
            &quick_policy(),
        )
        .await
        .unwrap();
    assert_eq!(reply.body, REPLY);
    assert_eq!(server.requests().len(), 3);
    let error = client
        .post_with_retries(
            &server.url("/later"),
            PROLOG.as_bytes(),
            &options,
            &quick_policy(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(429));
    let error = client
        .post_with_retries(
            &server.url("/gone"),
            PROLOG.as_bytes(),
            &options,
            &quick_policy(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert_eq!(
        server.requests().len(),
        5,
        "neither 429 with a long Retry-After nor 404 is retried"
    );
}

#[tokio::test]
async fn retries_are_bounded_in_attempts() {
    let server = FakeServer::start(|_, _| Canned::new(502)).await;
    let start = Instant::now();
    let error = client(TransportConfig::default())
        .post_with_retries(
            &server.url("/"),
            PROLOG.as_bytes(),
            &PostOptions::default(),
            &quick_policy(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(502));
    assert_eq!(server.requests().len(), 4);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn at_most_max_per_server_uploads_at_once() {
    let server = FakeServer::start(|_, _| {
        Canned::ok("application/xml", REPLY).delayed(Duration::from_millis(100))
    })
    .await;
    let client = client(TransportConfig {
        max_per_server: 2,
        ..TransportConfig::default()
    });
    let url = server.url("/");
    let posts = (0..5).map(|_| client.post(&url, PROLOG.as_bytes(), BodyFormat::Xml));
    let start = Instant::now();
    for result in futures_join(posts).await {
        result.unwrap();
    }
    assert_eq!(server.requests().len(), 5);
    assert_eq!(server.max_in_flight(), 2);
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "3 rounds of 100 ms"
    );
}

/// Runs futures concurrently on this task and returns their outputs in order.
async fn futures_join<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pinned.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(|o| o.unwrap()).collect()
}
