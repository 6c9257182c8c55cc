//! The hub's audit collector set up as docs/audit.md says, step by step: the hub's CA (made here
//! with openssl), `deploy/rsyslog/make-collector-cert.sh`, the shipped
//! `deploy/rsyslog/fieldchart-audit.conf` (only its paths and port moved into a temporary folder),
//! `rsyslogd -N1`, then a real rsyslogd; a laptop's log is forwarded through it and the hub's own
//! tools verify and ingest what arrived.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{fixture, ok, run};

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/rsyslog")
}

fn sh(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: runs openssl and a real rsyslogd on loopback; set FIELDCHART_HEAVY_TESTS=1"
)]
fn the_documented_collector_setup_receives_a_laptops_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The hub's CA.
    let (code, said) = sh(Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=FieldChart test hub CA",
            "-days",
            "2",
        ])
        .arg("-keyout")
        .arg(d.join("ca.key"))
        .arg("-out")
        .arg(d.join("ca.pem")));
    assert_eq!(code, 0, "{said}");

    // Step 1: the collector's certificate.
    let etc = d.join("etc");
    let script = deploy().join("make-collector-cert.sh");
    let make = || {
        sh(Command::new("sh")
            .arg(&script)
            .arg(d.join("ca.pem"))
            .arg(d.join("ca.key"))
            .arg("127.0.0.1,localhost")
            .arg(&etc))
    };
    let (code, said) = make();
    assert_eq!(code, 0, "{said}");
    for f in ["audit-ca.pem", "audit-hub.pem", "audit-hub.key"] {
        assert!(etc.join(f).is_file(), "{f}: {said}");
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(etc.join("audit-hub.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o007, 0, "the key is not world-readable");
    // Never overwrites.
    let (code, said) = make();
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("never overwritten"), "{said}");
    // A usage fault is 2 too.
    let (code, _) = sh(Command::new("sh").arg(&script).arg("only-one"));
    assert_eq!(code, 2);

    // Step 2: the shipped configuration, its paths and port moved here.
    let logs = d.join("log");
    fs::create_dir_all(&logs).unwrap();
    let work = d.join("work");
    fs::create_dir_all(&work).unwrap();
    let port = free_port();
    let shipped = fs::read_to_string(deploy().join("fieldchart-audit.conf")).unwrap();
    assert!(shipped.contains("port=\"6514\""));
    let conf = format!(
        "global(workDirectory=\"{}\")\n{}",
        work.display(),
        shipped
            .replace("/etc/fieldchart/", &format!("{}/", etc.display()))
            .replace("/var/log/fieldchart/", &format!("{}/", logs.display()))
            .replace("port=\"6514\"", &format!("port=\"{port}\""))
    );
    let conf_path = d.join("rsyslog.conf");
    fs::write(&conf_path, conf).unwrap();
    let (code, said) = sh(Command::new("rsyslogd")
        .arg("-N1")
        .arg("-f")
        .arg(&conf_path));
    assert_eq!(code, 0, "rsyslogd -N1: {said}");
    assert!(!said.to_lowercase().contains("error"), "{said}");

    // Step 3: run it.
    let daemon = Daemon(
        Command::new("rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(&conf_path)
            .arg("-i")
            .arg(work.join("pid"))
            .stdout(fs::File::create(d.join("rsyslogd.out")).unwrap())
            .stderr(fs::File::create(d.join("rsyslogd.err")).unwrap())
            .spawn()
            .expect(
                "rsyslogd (Debian's rsyslog and rsyslog-openssl; scripts/setup.sh installs them)",
            ),
    );
    let accepted = logs.join("audit.jsonl");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() || !accepted.exists() {
        assert!(
            Instant::now() < deadline,
            "rsyslogd did not start: {}",
            fs::read_to_string(d.join("rsyslogd.err")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    // A laptop's real log, forwarded by name with the CA the script installed.
    let f = fixture();
    let log = d.join("laptop").join("audit.log");
    ok(&f.view(
        &f.snapshot,
        &f.doctor_logging_to(&log),
        "search",
        &["やまだ"],
    ));
    let lines = fs::read_to_string(&log).unwrap().lines().count();
    let out = ok(&run(&[
        "audit",
        "forward",
        log.to_str().unwrap(),
        "--syslog",
        &format!("localhost:{port}"),
        "--ca",
        etc.join("audit-ca.pem").to_str().unwrap(),
    ]));
    assert!(out.contains(&format!("{lines} entries sent")), "{out}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let count = || {
        fs::read_to_string(&accepted)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.contains("\"log\":\"rsyslogd\""))
            .count()
    };
    while count() < lines {
        assert!(Instant::now() < deadline, "entries did not arrive");
        std::thread::sleep(Duration::from_millis(20));
    }
    // What arrived is what the hub's tools verify.
    let verified = run(&["audit", "verify", accepted.to_str().unwrap()]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    drop(daemon);
}
