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

/// A hub folder whose audit key is the fixture's (the snapshots' audit recipient) and whose
/// register holds the laptop writing `log`.
fn hub_for(dir: &Path, log: &Path) -> std::path::PathBuf {
    let f = fixture();
    let hub = dir.join("hubdir");
    ok(&run(&["hub", "init", hub.to_str().unwrap()]));
    std::fs::remove_file(hub.join("keys/audit.key")).unwrap();
    std::fs::copy(&f.audit_key, hub.join("keys/audit.key")).unwrap();
    let region = dir.join("storage");
    std::fs::create_dir_all(&region).unwrap();
    let mut text = std::fs::read_to_string(hub.join("hub.toml")).unwrap();
    text.push_str(&format!(
        "\n[[facility]]\ncode = \"0410610011\"\nname = \"病院\"\nroots = [\"{}\"]\n",
        region.display()
    ));
    std::fs::write(hub.join("hub.toml"), text).unwrap();
    let line = common::hub::enrol(&dir.join("device.key"), log);
    ok(&run(&[
        "hub",
        "laptop",
        "add",
        hub.to_str().unwrap(),
        "dmat-01",
        "--holder",
        "DMAT 1",
        "--enrol",
        &line,
    ]));
    hub
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: starts a real rsyslogd on loopback; set FIELDCHART_HEAVY_TESTS=1"
)]
fn a_cloned_laptop_is_kept_as_a_fork_and_raised_in_the_hubs_review() {
    let dir = tempfile::tempdir().unwrap();
    let laptop = dir.path().join("laptop");
    std::fs::create_dir_all(&laptop).unwrap();
    let log = laptop.join("audit.log");
    search(&log);
    let hub_dir = hub_for(dir.path(), &log);
    // The laptop's folder is imaged after one use; both copies go on working.
    let clone = dir.path().join("clone");
    std::fs::create_dir_all(&clone).unwrap();
    for name in ["audit.log", "audit.log.head", "device-audit.key"] {
        std::fs::copy(laptop.join(name), clone.join(name)).unwrap();
    }
    let clone_log = clone.join("audit.log");
    search(&log);
    search(&clone_log);
    let pki = Pki::new(dir.path(), "hub");
    let hub = Hub::start(dir.path(), &pki, 0);
    let total = std::fs::read_to_string(&log).unwrap().lines().count();
    forward(&log, &hub, &pki.ca);
    hub.accepted_lines(total);
    // The clone's entries come under numbers the collector has seen: replays, kept apart.
    let clone_out = forward(&clone_log, &hub, &pki.ca);
    assert!(clone_out.contains("entries sent"), "{clone_out}");
    let shared = 1 + 4; // the header and the first session's entries, the same in both
    hub.replayed_lines(total - shared);

    // The collector's own file verifies with the hub's tools (it is no longer exit 17).
    let verified = run(&["audit", "verify", hub.accepted.to_str().unwrap()]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );

    let ingest = |args: &[&str]| {
        let mut all = vec![
            "hub",
            "audit",
            "ingest",
            hub_dir.to_str().unwrap(),
            "--from",
            hub.accepted.to_str().unwrap(),
            "--from",
            hub.replayed.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        ok(&run(&all))
    };
    let text = ingest(&[]);
    assert!(text.contains("ALERT FORK"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&ingest(&["--json"])).unwrap();
    let logs = json["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1, "{json}");
    assert_eq!(logs[0]["laptop"], "dmat-01");
    assert_eq!(logs[0]["key"], "current");
    assert_eq!(
        logs[0]["chains"].as_array().unwrap().len(),
        2,
        "both chains kept"
    );
    let id = logs[0]["log_id"].as_str().unwrap();
    // Each kept chain is a log the hub's tools verify.
    for chain in ["chain-1.log", "chain-2.log"] {
        let path = hub_dir.join("audit/logs").join(id).join(chain);
        let out = run(&["audit", "verify", "--collected", path.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Ingesting again (the collector's files rotated away) keeps what was kept.
    let again: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "hub",
        "audit",
        "ingest",
        hub_dir.to_str().unwrap(),
        "--from",
        dir.path().join("no-such-file").to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert_eq!(
        again["logs"][0]["chains"].as_array().unwrap().len(),
        2,
        "{again}"
    );

    // The review across laptops raises it, and counts both copies' searches once each.
    let html = dir.path().join("review.html");
    let review: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "hub",
        "audit",
        "review",
        hub_dir.to_str().unwrap(),
        "--json",
        "--html",
        html.to_str().unwrap(),
    ])))
    .unwrap();
    assert!(
        review["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("FORK")),
        "{review}"
    );
    let laptop = &review["laptops"][0];
    assert_eq!(laptop["name"], "dmat-01");
    assert_eq!(
        laptop["entries"].as_u64().unwrap() as usize,
        total - 1 + (total - shared)
    );
    assert_eq!(laptop["silent"], false);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("FORK") && page.contains("dmat-01") && page.contains("class=\"bar\""));
    let text = ok(&run(&["hub", "audit", "review", hub_dir.to_str().unwrap()]));
    assert!(text.contains("SECURITY ALERTS (1)"), "{text}");
    // One laptop's review: the same, since the hub has one; a name not registered is refused.
    let one: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "hub",
        "audit",
        "review",
        hub_dir.to_str().unwrap(),
        "--laptop",
        "dmat-01",
        "--json",
    ])))
    .unwrap();
    assert_eq!(one["laptop"], "dmat-01");
    assert_eq!(one["laptops"], review["laptops"], "{one}");
    assert_eq!(one["alerts"], review["alerts"]);
    let nobody = run(&[
        "hub",
        "audit",
        "review",
        hub_dir.to_str().unwrap(),
        "--laptop",
        "dmat-99",
    ]);
    assert_eq!(nobody.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("dmat-01"));
    // The hub's status shows the laptop's newest entry from what was ingested.
    let status: serde_json::Value = serde_json::from_str(&ok(&run(&[
        "hub",
        "status",
        hub_dir.to_str().unwrap(),
        "--json",
    ])))
    .unwrap();
    assert!(
        status["laptops"][0]["last_audit_received"].is_string(),
        "{status}"
    );
}
