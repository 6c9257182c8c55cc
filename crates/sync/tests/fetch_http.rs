//! HTTP answers nginx does not give but a proxy, a broken server or a bad link can: a range
//! ignored, a range refused, a stall, a redirect, a missing file, an endless body. A tiny server
//! on loopback answers each request with a scripted response.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;
use std::time::Duration;

use fieldchart_failure::Failure;
use fieldchart_repo::sha256_hex;
use fieldchart_sync::fetch::{Downloaded, FetchError, HttpTimeouts, RepoSource};

/// Serves one connection: reads the request, hands its head to `answer`, writes what it returns,
/// waits `linger`, closes. Returns the base URL and the request's head.
fn serve_once(
    answer: impl FnOnce(&str) -> Vec<u8> + Send + 'static,
    linger: Duration,
) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("a connection");
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            request.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&request).into_owned();
        let _ = stream.write_all(&answer(&head));
        let _ = stream.flush();
        std::thread::sleep(linger);
        head
    });
    (url, handle)
}

fn response(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn data() -> Vec<u8> {
    (0..100_000u32).map(|i| (i % 253) as u8).collect()
}

fn quick() -> HttpTimeouts {
    HttpTimeouts {
        connect: Duration::from_secs(5),
        response: Duration::from_secs(5),
        read: Duration::from_millis(300),
    }
}

#[test]
fn a_server_that_ignores_the_range_sends_the_whole_file_and_the_download_starts_over() {
    let data = data();
    let body = data.clone();
    let (url, server) = serve_once(
        move |_| {
            response(
                "200 OK",
                &[("Content-Length", body.len().to_string())],
                &body,
            )
        },
        Duration::ZERO,
    );
    let dir = tempfile::tempdir().expect("temp");
    let partial = dir.path().join(".f.partial");
    fs::write(&partial, &data[..40_000]).expect("partial");
    let got = RepoSource::http(&url, quick())
        .expect("source")
        .download(
            "f.fcs",
            data.len() as u64,
            &sha256_hex(&data),
            &partial,
            &mut |_, _| {},
        )
        .expect("downloads");
    let head = server.join().expect("server");
    assert!(
        head.contains("Range: bytes=40000-") || head.contains("range: bytes=40000-"),
        "{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("user-agent: fieldchart/"),
        "{head}"
    );
    assert_eq!(
        got,
        Downloaded {
            resumed_from: 0,
            transferred: data.len() as u64
        }
    );
    assert_eq!(fs::read(&partial).expect("whole"), data);
}

#[test]
fn a_refused_range_means_the_server_has_another_file_and_the_partial_goes() {
    let data = data();
    let (url, server) = serve_once(
        |_| {
            response(
                "416 Range Not Satisfiable",
                &[("Content-Length", "0".into())],
                b"",
            )
        },
        Duration::ZERO,
    );
    let dir = tempfile::tempdir().expect("temp");
    let partial = dir.path().join(".f.partial");
    fs::write(&partial, &data[..40_000]).expect("partial");
    let err = RepoSource::http(&url, quick())
        .expect("source")
        .download(
            "f.fcs",
            data.len() as u64,
            &sha256_hex(&data),
            &partial,
            &mut |_, _| {},
        )
        .expect_err("416");
    server.join().expect("server");
    assert_eq!(err.failure(), Failure::Tampered, "{err}");
    assert!(!partial.exists());
}

#[test]
fn a_stalled_transfer_times_out_and_keeps_what_came() {
    let data = data();
    let body = data.clone();
    let (url, server) = serve_once(
        move |_| {
            response(
                "200 OK",
                &[("Content-Length", body.len().to_string())],
                &body[..10_000],
            )
        },
        Duration::from_secs(1),
    );
    let dir = tempfile::tempdir().expect("temp");
    let partial = dir.path().join(".f.partial");
    let err = RepoSource::http(&url, quick())
        .expect("source")
        .download(
            "f.fcs",
            data.len() as u64,
            &sha256_hex(&data),
            &partial,
            &mut |_, _| {},
        )
        .expect_err("stalled");
    assert!(
        matches!(err, FetchError::Interrupted { have: 10_000, .. }),
        "{err}"
    );
    assert_eq!(fs::metadata(&partial).expect("kept").len(), 10_000);
    server.join().expect("server");
}

#[test]
fn a_redirect_is_named_not_followed() {
    let (url, server) = serve_once(
        |_| {
            response(
                "302 Found",
                &[
                    (
                        "Location",
                        "http://elsewhere.invalid/repo/timestamp.json".into(),
                    ),
                    ("Content-Length", "0".into()),
                ],
                b"",
            )
        },
        Duration::ZERO,
    );
    let err = RepoSource::http(&url, quick())
        .expect("source")
        .get_metadata("timestamp.json", 1000)
        .expect_err("redirect");
    server.join().expect("server");
    assert!(err.to_string().contains("elsewhere.invalid"), "{err}");
    assert!(matches!(err, FetchError::Redirected { .. }), "{err}");
}

#[test]
fn a_missing_file_and_an_endless_body_are_each_named() {
    let (url, server) = serve_once(
        |_| response("404 Not Found", &[("Content-Length", "0".into())], b""),
        Duration::ZERO,
    );
    let err = RepoSource::http(&url, quick())
        .expect("source")
        .get_metadata("timestamp.json", 1000)
        .expect_err("404");
    server.join().expect("server");
    assert!(matches!(err, FetchError::Missing { .. }), "{err}");

    // No Content-Length, more than the bound: cut off at the bound.
    let (url, server) = serve_once(
        |_| response("200 OK", &[("Connection", "close".into())], &[b' '; 5000]),
        Duration::ZERO,
    );
    let err = RepoSource::http(&url, quick())
        .expect("source")
        .get_metadata("timestamp.json", 1000)
        .expect_err("too large");
    server.join().expect("server");
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");
}

#[test]
fn nothing_is_requested_when_the_partial_is_already_complete() {
    // No server at all: a request would fail to connect.
    let data = data();
    let dir = tempfile::tempdir().expect("temp");
    let partial = dir.path().join(".f.partial");
    fs::write(&partial, &data).expect("complete");
    let got = RepoSource::http("http://127.0.0.1:9", quick())
        .expect("source")
        .download(
            "f.fcs",
            data.len() as u64,
            &sha256_hex(&data),
            &partial,
            &mut |_, _| {},
        )
        .expect("only checked");
    assert_eq!(got.transferred, 0);
}
