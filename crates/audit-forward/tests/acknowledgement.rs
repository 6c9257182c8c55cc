//! The acknowledgement rule against a hand-made TLS server, for the case rsyslog cannot be made
//! to show on demand: a hub that sends close_notify while our entries are still unread (what
//! rsyslogd does when it is stopped mid-batch).

mod support;

use std::io::{self, Read};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use fieldchart_audit_forward::{Failure, ForwardError, RetryPolicy};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection};
use support::{Pki, forwarder, messages};

/// Hands rustls at most `n` bytes per read, so most of what the client sent stays in the socket.
struct Trickle<'a>(&'a mut std::net::TcpStream, usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.1);
        self.0.read(buf.get_mut(..n).unwrap_or_default())
    }
}

#[test]
fn a_close_notify_over_unread_entries_is_not_an_acknowledgement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = Pki::new(dir.path(), "hub");
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from_pem_file(&pki.cert).expect("cert")],
                PrivateKeyDer::from_pem_file(&pki.key).expect("key"),
            )
            .expect("server config");
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();

    let server = thread::spawn(move || {
        let mut connections = 0;
        for stream in listener.incoming().take(2) {
            let mut sock = stream.expect("accept");
            let mut conn = ServerConnection::new(config.clone()).expect("conn");
            while conn.is_handshaking() {
                conn.complete_io(&mut sock).expect("handshake");
            }
            // Let the whole batch and its close_notify arrive, read only a little of it, then
            // close "cleanly" at the TLS level.
            thread::sleep(Duration::from_millis(200));
            conn.read_tls(&mut Trickle(&mut sock, 300)).expect("read");
            let _ = conn.process_new_packets();
            conn.send_close_notify();
            while conn.wants_write() {
                conn.write_tls(&mut sock).expect("close_notify");
            }
            drop(sock);
            connections += 1;
        }
        connections
    });

    let state = dir.path().join("audit.log.forwarded");
    let err = forwarder(
        format!("127.0.0.1:{port}").parse().expect("dest"),
        &pki.ca,
        "l",
    )
    .retry(RetryPolicy {
        attempts: 2,
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(10),
    })
    .forward(&messages(1, 64), &state)
    .expect_err("unread entries are not acknowledged");
    assert!(
        matches!(
            &err,
            ForwardError::Undelivered {
                last: Failure::Io { .. },
                acknowledged: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!state.exists(), "nothing recorded as acknowledged");
    assert_eq!(server.join().expect("server"), 2);
}
