//! The repository served by the real nginx with the shipped site (deploy/nginx/fieldchart-repo.conf)
//! on loopback, fetched over HTTP: verification, resumed downloads, cache headers, and each attack
//! a server or a link can make (a flipped byte, replayed old metadata, expired metadata, a
//! connection dropped mid-file).

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use common::{Hub, bytes_of, download, now, verified_targets};
use fieldchart_failure::Failure;
use fieldchart_repo::{MAX_TIMESTAMP_LEN, TIMESTAMP_NAME, verify_timestamp};
use fieldchart_sync::fetch::{FetchError, HttpSettings, HttpTimeouts, RepoSource};

const NGINX: &str = "/usr/sbin/nginx";
const SITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../deploy/nginx/fieldchart-repo.conf"
);

/// nginx serving `root` with the shipped site, only its `root` and `listen` lines substituted.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    scheme: &'static str,
}

/// The certificate and key nginx serves HTTPS with.
struct Tls<'a> {
    cert: &'a Path,
    key: &'a Path,
}

impl Nginx {
    fn serve(root: &Path) -> Nginx {
        Nginx::serve_with(root, None)
    }

    fn serve_with(root: &Path, tls: Option<&Tls<'_>>) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: run scripts/setup.sh (it installs Debian's nginx)"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        // nginx may read as another user: the folders on the way must be readable.
        for d in root
            .ancestors()
            .take_while(|d| d.starts_with(std::env::temp_dir()))
        {
            if d != std::env::temp_dir() {
                fs::set_permissions(d, fs::Permissions::from_mode(0o755)).expect("chmod");
            }
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let shipped = fs::read_to_string(SITE).expect("the shipped site");
        let site = substitute(&shipped, root, port, tls);
        fs::write(dir.path().join("site.conf"), site).expect("site");
        let d = dir.path().display();
        let main = format!(
            "pid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\n\
             master_process off;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
               include /etc/nginx/mime.types;\n\
               log_format bytes '$request_method $uri $status $body_bytes_sent \"$http_range\"';\n\
               access_log {d}/access.log bytes;\n\
               client_body_temp_path {d}/body;\n\
               proxy_temp_path {d}/proxy;\n\
               fastcgi_temp_path {d}/fastcgi;\n\
               uwsgi_temp_path {d}/uwsgi;\n\
               scgi_temp_path {d}/scgi;\n\
               include {d}/site.conf;\n\
             }}\n"
        );
        let conf = dir.path().join("nginx.conf");
        fs::write(&conf, main).expect("main config");
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            child,
            dir,
            port,
            scheme: if tls.is_some() { "https" } else { "http" },
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline || nginx.child.try_wait().ok().flatten().is_some() {
                panic!("nginx did not start:\n{}", nginx.log("error.log"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    fn url(&self) -> String {
        format!("{}://127.0.0.1:{}", self.scheme, self.port)
    }

    fn source(&self) -> RepoSource {
        RepoSource::http(&self.url(), HttpTimeouts::default()).expect("source")
    }

    fn log(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // One process (master_process off): ending it by its own id ends the server.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shipped site with its `root` and `listen` lines (not comments) replaced: one listen on
/// loopback at `port`, the root at `root`. With `tls`, the listen is `ssl` and the shipped
/// commented `ssl_*` lines are used, their paths replaced. Every other line is as shipped.
fn substitute(site: &str, root: &Path, port: u16, tls: Option<&Tls<'_>>) -> String {
    let (mut roots, mut listens, mut ssl_lines) = (0, 0, 0);
    let lines: Vec<String> = site
        .lines()
        .map(|line| {
            let t = line.trim_start();
            let indent = &line[..line.len() - t.len()];
            let ssl = t.strip_prefix("# ssl_").filter(|_| tls.is_some());
            if t.starts_with("root ") {
                roots += 1;
                format!("{indent}root {};", root.display())
            } else if t.starts_with("listen ") {
                listens += 1;
                if listens == 1 {
                    let ssl = if tls.is_some() { " ssl" } else { "" };
                    format!("{indent}listen 127.0.0.1:{port}{ssl};")
                } else {
                    format!("{indent}# (test: one listen only) {t}")
                }
            } else if let (Some(rest), Some(tls)) = (ssl, tls) {
                ssl_lines += 1;
                let (key, _) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                match key {
                    "certificate" => format!("{indent}ssl_certificate {};", tls.cert.display()),
                    "certificate_key" => {
                        format!("{indent}ssl_certificate_key {};", tls.key.display())
                    }
                    _ => format!("{indent}ssl_{rest}"),
                }
            } else {
                line.to_owned()
            }
        })
        .collect();
    assert_eq!(
        (roots, listens),
        (1, 2),
        "the shipped site's root and listen lines moved"
    );
    if tls.is_some() {
        assert_eq!(
            ssl_lines, 3,
            "the shipped site's commented ssl_ lines moved"
        );
    }
    lines.join("\n") + "\n"
}

/// A private CA (as a hospital runs) and a certificate for 127.0.0.1 it signed, as PEM files.
struct PrivateCa {
    ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

impl PrivateCa {
    fn new(dir: &Path) -> PrivateCa {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "Test hospital private CA");
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().expect("server key");
        let mut server = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
        server
            .distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        let cert = server.signed_by(&key, &issuer).expect("server certificate");
        fs::create_dir_all(dir).expect("pki folder");
        let files = PrivateCa {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        };
        fs::write(&files.ca, ca_cert.pem()).expect("CA file");
        fs::write(&files.cert, cert.pem()).expect("certificate file");
        fs::write(&files.key, key.serialize_pem()).expect("key file");
        // nginx may read as another user.
        for f in [&files.cert, &files.key] {
            fs::set_permissions(f, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        files
    }
}

fn heavy_hub(sizes: &[usize]) -> Hub {
    let mut hub = Hub::new();
    for &size in sizes {
        hub.add(size);
    }
    hub.publish();
    hub
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn metadata_and_files_fetched_from_nginx_verify() {
    let hub = heavy_hub(&[400_000, 20_000]);
    let nginx = Nginx::serve(&hub.repo());
    let source = nginx.source();
    let targets = verified_targets(&source, &hub, None);
    for (i, file) in targets.files.iter().enumerate() {
        let partial = hub.laptop().join(format!(".{i}.partial"));
        let got = download(&source, file, &partial).expect("downloads");
        assert_eq!((got.resumed_from, got.transferred), (0, file.length));
        assert_eq!(fs::read(&partial).expect("file"), bytes_of(&hub, file));
    }
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn a_partial_download_resumes_with_a_range_and_transfers_only_the_rest() {
    let hub = heavy_hub(&[500_000]);
    let nginx = Nginx::serve(&hub.repo());
    let source = nginx.source();
    let file = verified_targets(&source, &hub, None).files.remove(0);
    let bytes = bytes_of(&hub, &file);
    let partial = hub.laptop().join(".base.partial");
    fs::write(&partial, &bytes[..200_000]).expect("partial");
    let got = download(&source, &file, &partial).expect("resumes");
    assert_eq!(
        (got.resumed_from, got.transferred),
        (200_000, file.length - 200_000)
    );
    assert_eq!(fs::read(&partial).expect("whole"), bytes);
    let line = format!(
        "GET /{} 206 {} \"bytes=200000-\"",
        file.path(),
        file.length - 200_000
    );
    assert!(
        nginx.log("access.log").contains(&line),
        "{}",
        nginx.log("access.log")
    );
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn nginx_serves_metadata_uncached_files_immutable_and_nothing_else() {
    let hub = heavy_hub(&[10_000]);
    fs::write(hub.repo().join("notes.txt"), "operator's notes").expect("stray file");
    fs::write(hub.repo().join("targets/.x.fcs.tmp"), "half").expect("temp file");
    let nginx = Nginx::serve(&hub.repo());
    let targets = verified_targets(&nginx.source(), &hub, None);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |path: &str| {
        agent
            .get(format!("{}/{path}", nginx.url()))
            .call()
            .expect("answer")
    };
    let header = |r: &ureq::http::Response<ureq::Body>, name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    for name in [TIMESTAMP_NAME.to_owned(), fieldchart_repo::targets_name(1)] {
        let r = get(&name);
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(header(&r, "cache-control"), "no-cache", "{name}");
        assert_eq!(header(&r, "content-type"), "application/json", "{name}");
    }
    let r = get(&targets.files[0].path());
    assert_eq!(r.status(), 200);
    assert_eq!(
        header(&r, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(header(&r, "content-type"), "application/octet-stream");
    assert_eq!(header(&r, "accept-ranges"), "bytes");
    assert_eq!(
        header(&r, "server"),
        "nginx",
        "no version in the server token"
    );
    for path in [
        "",
        "targets/",
        "notes.txt",
        "targets/.x.fcs.tmp",
        "2.targets.json",
    ] {
        assert_eq!(get(path).status(), 404, "{path:?} must not be served");
    }
    let post = agent
        .post(format!("{}/{TIMESTAMP_NAME}", nginx.url()))
        .send("x")
        .expect("answer");
    assert_eq!(post.status(), 405);
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn a_byte_flipped_on_the_server_is_refused() {
    let hub = heavy_hub(&[100_000]);
    let nginx = Nginx::serve(&hub.repo());
    let source = nginx.source();
    let file = verified_targets(&source, &hub, None).files.remove(0);
    let served = hub.repo().join(file.path());
    let mut bytes = fs::read(&served).expect("served");
    bytes[77_777] ^= 0x80;
    fs::write(&served, &bytes).expect("flip");
    let partial = hub.laptop().join(".base.partial");
    let err = download(&source, &file, &partial).expect_err("flipped");
    assert_eq!(err.failure(), Failure::Tampered, "{err}");
    assert!(!partial.exists());

    let ts_path = hub.repo().join(TIMESTAMP_NAME);
    let ts = fs::read_to_string(&ts_path).expect("timestamp");
    fs::write(
        &ts_path,
        ts.replacen("\"version\": 1,", "\"version\": 9,", 1),
    )
    .expect("edit");
    let ts = source
        .get_metadata(TIMESTAMP_NAME, MAX_TIMESTAMP_LEN)
        .expect("fetched");
    let err = verify_timestamp(&ts, &[hub.trusted], now(), None).expect_err("altered");
    assert_eq!(err.failure(), Failure::Tampered, "{err}");
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn old_metadata_replayed_is_a_rollback_and_expired_metadata_a_freeze() {
    let mut hub = heavy_hub(&[10_000]);
    let old = fs::read(hub.repo().join(TIMESTAMP_NAME)).expect("version 1");
    hub.add(1_000);
    hub.publish();
    let nginx = Nginx::serve(&hub.repo());
    let source = nginx.source();
    let ts = source
        .get_metadata(TIMESTAMP_NAME, MAX_TIMESTAMP_LEN)
        .expect("fetched");
    let seen = verify_timestamp(&ts, &[hub.trusted], now(), None)
        .expect("current")
        .version;
    assert_eq!(seen, 2);

    fs::write(hub.repo().join(TIMESTAMP_NAME), &old).expect("replay");
    let replayed = source
        .get_metadata(TIMESTAMP_NAME, MAX_TIMESTAMP_LEN)
        .expect("fetched");
    let err = verify_timestamp(&replayed, &[hub.trusted], now(), Some(seen)).expect_err("old");
    assert_eq!(err.failure(), Failure::Rollback, "{err}");

    let two_days_later = now() + TimeDelta::days(2);
    let err =
        verify_timestamp(&ts, &[hub.trusted], two_days_later, Some(seen)).expect_err("expired");
    assert_eq!(err.failure(), Failure::Frozen, "{err}");
    assert!(
        err.to_string().contains("cut off from fresh data since"),
        "{err}"
    );
}

/// A server that answers one request with the headers of the whole file and half its body, then
/// closes the connection.
fn dropping_server(body: Vec<u8>, send: usize) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("one connection");
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
            request.push(byte[0]);
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body[..send]);
        let _ = stream.flush();
    });
    (url, handle)
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn a_connection_dropped_mid_file_keeps_the_partial_and_nginx_resumes_it() {
    let hub = heavy_hub(&[300_000]);
    let nginx = Nginx::serve(&hub.repo());
    let file = verified_targets(&nginx.source(), &hub, None)
        .files
        .remove(0);
    let bytes = bytes_of(&hub, &file);
    let half = bytes.len() / 2;
    let (url, server) = dropping_server(bytes.clone(), half);
    let partial = hub.laptop().join(".base.partial");
    let dropping = RepoSource::http(&url, HttpTimeouts::default()).expect("source");
    let err = download(&dropping, &file, &partial).expect_err("dropped");
    server.join().expect("server");
    assert!(matches!(err, FetchError::Interrupted { .. }), "{err}");
    assert!(err.to_string().contains("next sync resumes"), "{err}");
    assert_eq!(fs::metadata(&partial).expect("kept").len(), half as u64);

    let got = download(&nginx.source(), &file, &partial).expect("resumes");
    assert_eq!(
        (got.resumed_from, got.transferred),
        (half as u64, file.length - half as u64)
    );
    assert_eq!(fs::read(&partial).expect("whole"), bytes);
}

#[test]
#[cfg_attr(not(heavy_tests), ignore = "heavy: runs the real nginx")]
fn https_behind_a_private_ca_syncs_with_its_ca_file_and_is_refused_without_it() {
    let hub = heavy_hub(&[30_000]);
    let pki = PrivateCa::new(&hub.dir.path().join("pki"));
    let tls = Tls {
        cert: &pki.cert,
        key: &pki.key,
    };
    let nginx = Nginx::serve_with(&hub.repo(), Some(&tls));
    assert!(nginx.url().starts_with("https://"));

    // With the hospital's CA file: the metadata verifies and the file downloads whole.
    let with_ca = HttpSettings {
        ca_file: Some(pki.ca.clone()),
        ..HttpSettings::default()
    };
    let source = RepoSource::http_with(&nginx.url(), &with_ca).expect("source");
    let file = verified_targets(&source, &hub, None).files.remove(0);
    let partial = hub.laptop().join(".tls.partial");
    let got = download(&source, &file, &partial).expect("downloads over https");
    assert_eq!(got.transferred, file.length);
    assert_eq!(fs::read(&partial).expect("file"), bytes_of(&hub, &file));

    // The public roots alone do not trust a private CA: refused before any byte is used.
    let public = RepoSource::http_with(&nginx.url(), &HttpSettings::default()).expect("source");
    let err = public
        .get_metadata(TIMESTAMP_NAME, MAX_TIMESTAMP_LEN)
        .expect_err("an unknown issuer");
    assert!(matches!(err, FetchError::Unreachable { .. }), "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate")
            || err.to_string().contains("UnknownIssuer"),
        "the message says why: {err}"
    );

    // A CA file that holds no certificate is the operator's mistake, said as such (exit 2).
    let empty = hub.dir.path().join("pki").join("empty.pem");
    fs::write(&empty, "not a certificate\n").expect("file");
    let bad = HttpSettings {
        ca_file: Some(empty),
        ..HttpSettings::default()
    };
    let err = RepoSource::http_with(&nginx.url(), &bad)
        .err()
        .expect("refused");
    assert_eq!(err.failure(), Failure::Usage, "{err}");
    assert!(err.to_string().contains("no CERTIFICATE"), "{err}");
    let key_given = HttpSettings {
        ca_file: Some(pki.key.clone()),
        ..HttpSettings::default()
    };
    let err = RepoSource::http_with(&nginx.url(), &key_given)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("private key"), "{err}");
}
