//! `fieldchart audit forward` end to end: a laptop's real audit log, forwarded by the binary to
//! Debian's rsyslogd running the hub's collector configuration over TLS on loopback (the harness of
//! `fieldchart-audit-forward`, whose own tests break connections mid-way). The hub receives every
//! line, header first, verbatim and once; a rerun sends nothing; a later session sends only its own.

mod common;
#[path = "../../audit-forward/tests/support/mod.rs"]
mod support;

use std::path::Path;

use common::{fixture, ok, run};
use support::{Hub, Pki, seqs};

fn search(log: &Path) {
    let f = fixture();
    ok(&f.view(
        &f.snapshot,
        &f.doctor_logging_to(log),
        "search",
        &["やまだ"],
    ));
}

fn forward(log: &Path, hub: &Hub, ca: &Path) -> String {
    ok(&run(&[
        "audit",
        "forward",
        log.to_str().unwrap(),
        "--syslog",
        &hub.destination().to_string(),
        "--ca",
        ca.to_str().unwrap(),
        "--hostname",
        "dmat-laptop-01",
        "--batch",
        "3",
    ]))
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: starts a real rsyslogd on loopback; set FIELDCHART_HEAVY_TESTS=1"
)]
fn the_log_reaches_the_hub_verbatim_once_and_a_rerun_sends_only_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    search(&log);
    search(&log);
    let stored: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let pki = Pki::new(dir.path(), "hub");
    let hub = Hub::start(dir.path(), &pki, 0);

    let out = forward(&log, &hub, &pki.ca);
    assert!(
        out.contains(&format!("{} entries sent", stored.len())),
        "{out}"
    );
    let lines = hub.accepted_lines(stored.len());
    assert_eq!(seqs(&lines), (0..stored.len() as u64).collect::<Vec<_>>());
    for (got, line) in lines.iter().zip(&stored) {
        assert_eq!(got["entry"].as_str().unwrap(), line, "forwarded verbatim");
        assert_eq!(got["host"], "dmat-laptop-01");
    }

    let again = forward(&log, &hub, &pki.ca);
    assert!(again.contains("0 entries sent"), "{again}");

    search(&log);
    let total = std::fs::read_to_string(&log).unwrap().lines().count();
    let more = forward(&log, &hub, &pki.ca);
    assert!(
        more.contains(&format!("{} entries sent", total - stored.len())),
        "{more}"
    );
    let lines = hub.accepted_lines(total);
    assert_eq!(
        seqs(&lines),
        (0..total as u64).collect::<Vec<_>>(),
        "each once, in order"
    );
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: starts a real rsyslogd on loopback; set FIELDCHART_HEAVY_TESTS=1"
)]
fn a_hub_certificate_from_another_ca_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.log");
    search(&log);
    let pki = Pki::new(dir.path(), "hub");
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let stranger = Pki::new(&other, "stranger");
    let hub = Hub::start(dir.path(), &pki, 0);
    let out = run(&[
        "audit",
        "forward",
        log.to_str().unwrap(),
        "--syslog",
        &hub.destination().to_string(),
        "--ca",
        stranger.ca.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("certificate"), "{err}");
    assert!(
        !dir.path().join("audit.log.forwarded").exists(),
        "nothing was acknowledged, so no state was written"
    );
}
