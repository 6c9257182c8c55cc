//! Test harness: certificates made with rcgen, a private rsyslogd running the collector
//! configuration on a loopback port, and a TCP proxy that cuts connections.

#![allow(dead_code)] // each test file uses its own part of the harness

use std::fs;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use fieldchart_audit_forward::{
    Destination, Forwarder, Hostname, LogId, Message, Origin, RetryPolicy, RsyslogCollector,
    Severity, Timeouts, TrustedCa, octet_counted,
};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A CA and a server certificate for 127.0.0.1, written as PEM files into `dir`.
pub struct Pki {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Pki {
    pub fn new(dir: &Path, name: &str) -> Pki {
        Pki::for_names(dir, name, &["127.0.0.1"])
    }

    /// A server certificate for each of `names`.
    pub fn for_names(dir: &Path, name: &str, names: &[&str]) -> Pki {
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("{name} test audit CA"));
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().expect("server key");
        let mut server_params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .expect("server params");
        server_params
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .expect("server cert");

        let pki = Pki {
            ca: dir.join(format!("{name}-ca.pem")),
            cert: dir.join(format!("{name}-server.pem")),
            key: dir.join(format!("{name}-server.key")),
        };
        fs::write(&pki.ca, ca_cert.pem()).expect("write CA");
        fs::write(&pki.cert, server_cert.pem()).expect("write cert");
        fs::write(&pki.key, server_key.serialize_pem()).expect("write key");
        pki
    }
}

/// A private rsyslogd (never the system daemon) running the collector configuration.
pub struct Hub {
    child: Child,
    pub port: u16,
    pub accepted: PathBuf,
    pub wire: PathBuf,
    pub replayed: PathBuf,
    stderr: PathBuf,
}

/// Which TLS driver the hub uses; only ossl is the supported configuration.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Ossl,
    Gtls,
}

impl Hub {
    /// Starts rsyslogd on `port` (0: any free port) with its work files under `dir/hub`.
    pub fn start(dir: &Path, pki: &Pki, port: u16) -> Hub {
        Hub::start_with(dir, pki, port, Driver::Ossl)
    }

    pub fn start_with(dir: &Path, pki: &Pki, port: u16, driver: Driver) -> Hub {
        let hub = Hub::start_unprimed(dir, pki, port, driver);
        hub.prime(&pki.ca);
        hub
    }

    /// As [`Hub::start_with`], without the harness's own priming: what a hub runs, the
    /// configuration's start markers alone guarding against the ossl fault.
    pub fn start_unprimed(dir: &Path, pki: &Pki, port: u16, driver: Driver) -> Hub {
        let rsyslogd = which_rsyslogd();
        let work = dir.join("hub");
        fs::create_dir_all(&work).expect("hub dir");
        let port_file = work.join("port");
        let _ = fs::remove_file(&port_file);
        let collector = RsyslogCollector {
            port,
            // rsyslog writes the port file only for port 0, the port it chose.
            port_file: (port == 0).then(|| port_file.clone()),
            ca_file: pki.ca.clone(),
            cert_file: pki.cert.clone(),
            key_file: pki.key.clone(),
            accepted_file: dir.join("accepted.jsonl"),
            wire_file: Some(dir.join("wire.jsonl")),
            replayed_file: dir.join("replayed.jsonl"),
        };
        let mut conf = format!("global(workDirectory=\"{}\")\n", work.display());
        conf.push_str(&collector.rsyslog_config());
        if driver == Driver::Gtls {
            conf = conf
                .replace("streamDriver.name=\"ossl\"", "streamDriver.name=\"gtls\"")
                .replace("gnutlsPriorityString=\"MinProtocol=TLSv1.2\"", "");
        }
        let conf_path = work.join("rsyslog.conf");
        fs::write(&conf_path, conf).expect("write conf");
        let stderr = work.join("rsyslogd.err");
        let child = Command::new(rsyslogd)
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(work.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("start rsyslogd");
        let mut hub = Hub {
            child,
            port,
            accepted: collector.accepted_file,
            wire: dir.join("wire.jsonl"),
            replayed: collector.replayed_file.clone(),
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if port == 0 {
                if let Some(p) = fs::read_to_string(&port_file)
                    .ok()
                    .and_then(|s| s.trim().parse::<u16>().ok())
                {
                    hub.port = p;
                    break;
                }
            } else if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                // A bare TCP probe; rsyslog drops it when no TLS handshake follows.
                break;
            }
            if let Ok(Some(status)) = hub.child.try_wait() {
                panic!("rsyslogd exited with {status}: {}", hub.errors());
            }
            assert!(
                Instant::now() < deadline,
                "rsyslogd did not start listening: {}",
                hub.errors()
            );
            thread::sleep(Duration::from_millis(20));
        }
        hub
    }

    /// Makes rsyslogd open its output files while no TLS session can close, and only then
    /// closes the one session it used. rsyslog 8.2302's ossl driver closes each session's socket
    /// twice (fixed upstream in rsyslog PR #6375); a file opened between the two closes gets its
    /// descriptor closed under it and handed to the next connection, and the collector then
    /// writes accepted entries onto that connection. Outputs opened before any session closes
    /// are out of its reach. The priming entry's log is hidden from the tests' line counts.
    fn prime(&self, ca: &Path) {
        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca).expect("CA file") {
            roots.add(cert.expect("CA cert")).expect("CA root");
        }
        let config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        let name = ServerName::try_from("127.0.0.1").expect("name");
        let conn = ClientConnection::new(Arc::new(config), name).expect("client");
        // A restarted hub appends to files that already hold an earlier priming entry.
        let before = (prime_lines(&self.accepted), prime_lines(&self.wire));
        let sock = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to prime");
        let mut tls = StreamOwned::new(conn, sock);
        let at = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").expect("time");
        let prime = Message::new(1, at, "prime", String::new()).expect("prime message");
        tls.write_all(&octet_counted(&prime.to_rfc5424(&origin(PRIME_LOG))))
            .expect("send prime");
        tls.flush().expect("flush prime");
        let deadline = Instant::now() + Duration::from_secs(10);
        while prime_lines(&self.accepted) == before.0 || prime_lines(&self.wire) == before.1 {
            assert!(
                Instant::now() < deadline,
                "the priming entry was not written: {}",
                self.errors()
            );
            thread::sleep(Duration::from_millis(10));
        }
        tls.conn.send_close_notify();
        let _ = tls.flush();
        let mut rest = Vec::new();
        let _ = tls.sock.read_to_end(&mut rest);
    }

    pub fn destination(&self) -> Destination {
        format!("127.0.0.1:{}", self.port).parse().expect("dest")
    }

    pub fn errors(&self) -> String {
        fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// The accepted file's entries, once it holds at least `n` of them (rsyslog writes from its
    /// own queue, after the TLS connection has closed).
    pub fn accepted_lines(&self, n: usize) -> Vec<serde_json::Value> {
        wait_for_lines(&self.accepted, n)
    }

    pub fn wire_lines(&self, n: usize) -> Vec<serde_json::Value> {
        wait_for_lines(&self.wire, n)
    }

    /// The lines the collector dropped as replays, once there are at least `n`.
    pub fn replayed_lines(&self, n: usize) -> Vec<serde_json::Value> {
        wait_for_lines(&self.replayed, n)
    }

    /// Sends rsyslogd a HUP, as logrotate does after moving its files.
    pub fn hup(&self) {
        let _ = Command::new("kill")
            .arg("-HUP")
            .arg(self.child.id().to_string())
            .status();
    }

    /// Stops rsyslogd (SIGTERM, so it flushes its files) and waits for it.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

fn which_rsyslogd() -> PathBuf {
    const INSTALL: &str = "apt-get install rsyslog rsyslog-openssl rsyslog-gnutls";
    let rsyslogd = ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("rsyslogd is not installed; these tests need a real receiver: {INSTALL}")
        });
    for (driver, package) in [
        ("lmnsd_ossl.so", "rsyslog-openssl"),
        ("lmnsd_gtls.so", "rsyslog-gnutls"),
    ] {
        let found = [
            "/usr/lib/x86_64-linux-gnu/rsyslog",
            "/usr/lib/aarch64-linux-gnu/rsyslog",
            "/usr/lib/rsyslog",
        ]
        .iter()
        .any(|d| Path::new(d).join(driver).exists());
        assert!(
            found,
            "rsyslog's TLS driver {driver} is missing (package {package}): {INSTALL}"
        );
    }
    rsyslogd
}

/// The log id of the harness's priming entry (see `Hub::prime`).
const PRIME_LOG: &str = "harness-prime";

fn prime_lines(path: &Path) -> usize {
    fs::read_to_string(path)
        .unwrap_or_default()
        .matches(PRIME_LOG)
        .count()
}

/// The file's complete JSON lines, except the priming entry, once there are at least `n`.
fn wait_for_lines(path: &Path, n: usize) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text
            .split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            // The harness's priming entry, and the collector's own start and HUP markers.
            .filter(|l: &serde_json::Value| l["log"] != PRIME_LOG && l["log"] != "rsyslogd")
            .collect();
        if lines.len() >= n || Instant::now() >= deadline {
            return lines;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// The seq of every line, in file order.
pub fn seqs(lines: &[serde_json::Value]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| l["seq"].as_u64().expect("numeric seq"))
        .collect()
}

pub fn origin(log: &str) -> Origin {
    Origin::new(
        Hostname::new("dmat-laptop-07").expect("host"),
        LogId::new(log).expect("log id"),
    )
}

/// Audit lines `from..=to`: JSON with kanji, quotes, brackets and backslashes in them, as an
/// audit line may have; every tenth is a notice.
pub fn messages(from: u64, to: u64) -> Vec<Message> {
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2026-03-11T14:46:00+09:00").expect("time");
    (from..=to)
        .map(|seq| {
            let body = serde_json::json!({
                "seq": seq,
                "event": "view",
                "note": format!("患者 {seq} を閲覧 \"quoted\" [bracket] back\\slash"),
            })
            .to_string();
            let m = Message::new(
                seq,
                start + chrono::Duration::seconds(seq as i64),
                "view",
                body,
            )
            .expect("valid message");
            if seq % 10 == 0 {
                m.with_severity(Severity::Notice)
            } else {
                m
            }
        })
        .collect()
}

pub fn forwarder(destination: Destination, ca: &Path, log: &str) -> Forwarder {
    Forwarder::new(
        destination,
        TrustedCa::from_pem_file(ca).expect("CA file"),
        origin(log),
    )
    .retry(RetryPolicy {
        attempts: 8,
        first_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
    })
    .timeouts(Timeouts {
        connect: Duration::from_secs(2),
        io: Duration::from_secs(5),
        acknowledge: Duration::from_secs(5),
    })
}

/// A loopback TCP proxy to `upstream`. Connections whose number (1-based) is in `cut` are cut,
/// both ways, after the given number of bytes from the client.
pub struct Proxy {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
    pub cuts_made: Arc<Mutex<Vec<(usize, usize)>>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    pub fn start(upstream: u16, cut: Vec<(usize, usize)>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let connections = Arc::new(AtomicUsize::new(0));
        let cuts_made = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (conns, made, stopping) = (connections.clone(), cuts_made.clone(), stop.clone());
        thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((c, _)) => c,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    Err(_) => break,
                };
                client.set_nonblocking(false).expect("blocking");
                let n = conns.fetch_add(1, Ordering::SeqCst) + 1;
                let limit = cut.iter().find(|(c, _)| *c == n).map(|&(_, bytes)| bytes);
                let server = TcpStream::connect(("127.0.0.1", upstream)).expect("upstream");
                let made = made.clone();
                thread::spawn(move || pump(n, client, server, limit, made));
            }
        });
        Proxy {
            port,
            connections,
            cuts_made,
            stop,
        }
    }

    pub fn destination(&self) -> Destination {
        format!("127.0.0.1:{}", self.port).parse().expect("dest")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn pump(
    n: usize,
    client: TcpStream,
    server: TcpStream,
    limit: Option<usize>,
    made: Arc<Mutex<Vec<(usize, usize)>>>,
) {
    let (mut c_read, mut s_write) = (
        client.try_clone().expect("clone"),
        server.try_clone().expect("clone"),
    );
    let (mut s_read, mut c_write) = (
        server.try_clone().expect("clone"),
        client.try_clone().expect("clone"),
    );
    let back = thread::spawn(move || {
        let _ = io::copy(&mut s_read, &mut c_write);
        let _ = c_write.shutdown(Shutdown::Write);
    });
    let mut passed = 0usize;
    let mut buf = [0u8; 4096];
    loop {
        let got = match c_read.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = s_write.shutdown(Shutdown::Write);
                break;
            }
            Ok(got) => got,
        };
        let allowed = match limit {
            Some(limit) => got.min(limit.saturating_sub(passed)),
            None => got,
        };
        if s_write.write_all(&buf[..allowed]).is_err() {
            break;
        }
        passed += allowed;
        if allowed < got || limit.is_some_and(|l| passed >= l) {
            // The cut: both directions go, as when a link drops and a middlebox resets.
            made.lock().expect("lock").push((n, passed));
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
            break;
        }
    }
    let _ = back.join();
}

/// A small deterministic generator, so a failing cut can be replayed from its printed seed.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low) as u64) as usize
    }
}
