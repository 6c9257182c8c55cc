//! The audit trail through the real binary (requirements AUD-1, AUD-9, AUD-10, AUD-15, AUD-16,
//! AUD-18): every search, record view, refusal and break-glass of a viewing session is in the log,
//! unreadable without the hub's audit key; `audit verify` checks it without a key and names a
//! tampered entry; `audit review`, `audit export --format atna|fhir` read it with the key.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{REFUSED, fixture, ok, run};
use serde_json::Value;

const PERSONA: &str = "0410610011:0010000000";
const UNKNOWN_CONSENT: &str = "0410610011:0010000001";
const REASON: &str = "心肺停止で搬送、抗凝固薬の確認が必要";

/// A viewing command as a doctor writing to `log`.
fn view(log: &Path, command: &str, rest: &[&str]) -> Output {
    let f = fixture();
    f.view(&f.snapshot, &f.doctor_logging_to(log), command, rest)
}

/// A fresh log holding one session of each kind: a search, a consented record, a record on the
/// vital-interest basis, a refusal, and a break-glass record.
fn session_log(name: &str) -> PathBuf {
    let dir = fixture().dir.join("audit").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.log");
    ok(&view(&log, "search", &["--json", "やまだ", "S45"]));
    ok(&view(&log, "record", &["--patient", PERSONA, "--json"]));
    ok(&view(
        &log,
        "record",
        &[
            "--patient",
            UNKNOWN_CONSENT,
            "--basis",
            "vital-interest",
            "--json",
        ],
    ));
    let refused = view(&log, "record", &["--patient", REFUSED, "--json"]);
    assert_eq!(refused.status.code(), Some(30));
    ok(&view(
        &log,
        "record",
        &["--patient", REFUSED, "--break-glass", REASON, "--json"],
    ));
    log
}

/// A doctor's search of `file` with the device key `key`, logging to `log`.
fn search_with(log: &Path, file: &Path, key: &Path) -> Output {
    let f = fixture();
    let who = f.doctor_logging_to(log);
    let mut args = vec![
        "search",
        file.to_str().unwrap(),
        "--identity",
        key.to_str().unwrap(),
        "--trust",
        &f.hub_pub,
    ];
    args.extend(who.iter().map(String::as_str));
    args.push("やまだ");
    run(&args)
}

fn audit(args: &[&str]) -> Output {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn every_look_is_in_the_log_and_the_log_verifies_without_a_key() {
    let log = session_log("verify");
    let out: Value =
        serde_json::from_str(&ok(&audit(&["verify", log.to_str().unwrap(), "--json"]))).unwrap();
    // Per session: unlock, declare, the question, lock; the refused one writes a refusal; break-glass
    // adds its own entry.
    assert!(out["entries"].as_u64().unwrap() > 5 * 4, "{out}");
    assert_eq!(out["head_lags_by_one"], false);
}

#[test]
fn the_log_reveals_nobody_without_the_hub_key() {
    let log = session_log("privacy");
    let bytes = std::fs::read(&log).unwrap();
    for needle in [
        "やまだ",
        "山田",
        "0010000000",
        "試験 太郎",
        "DMAT-TEST-01",
        "心肺停止",
        "医師",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} readable in the audit log"
        );
    }
}

#[test]
fn review_lists_break_glass_views_without_consent_and_refusals() {
    let f = fixture();
    let log = session_log("review");
    let review = f.review(&log);
    let text = review.to_string();
    assert!(
        !review["break_glass"].as_array().unwrap().is_empty(),
        "{text}"
    );
    assert!(text.contains(REASON), "the reason is listed");
    assert!(
        text.contains("00200000"),
        "the patient opened under break-glass is listed"
    );
    let unconsented = review["unconsented_views"].as_array().unwrap();
    assert!(
        unconsented.len() >= 2,
        "vital-interest and break-glass views: {text}"
    );
    assert!(text.contains("vital-interest"));
    let refusals = review["refusals"].as_array().unwrap();
    assert!(!refusals.is_empty(), "{text}");
    assert!(text.contains("consent-refused"), "{text}");
    assert!(text.contains("試験 太郎"), "who did it");

    let plain = ok(&audit(&[
        "review",
        log.to_str().unwrap(),
        "--identity",
        f.audit_key.to_str().unwrap(),
    ]));
    assert!(plain.contains(REASON), "{plain}");
}

#[test]
fn the_log_exports_as_fhir_audit_events_with_break_glass_as_etreat() {
    let f = fixture();
    let log = session_log("fhir");
    let bundle = f.fhir(&log);
    assert_eq!(bundle["resourceType"], "Bundle");
    let events: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    assert!(events.len() >= 21);
    for e in &events {
        assert_eq!(e["resourceType"], "AuditEvent");
        assert!(e["recorded"].is_string());
        assert!(e["source"]["observer"].is_object());
    }
    assert!(
        events
            .iter()
            .any(|e| e.to_string().contains("ETREAT") && e.to_string().contains("110127")),
        "break-glass carries ETREAT and the DICOM emergency-override code"
    );
}

#[test]
fn the_log_exports_as_atna_audit_messages() {
    let f = fixture();
    let log = session_log("atna");
    let dir = log.parent().unwrap();
    let out_file = dir.join("atna.xml");
    ok(&audit(&[
        "export",
        log.to_str().unwrap(),
        "--identity",
        f.audit_key.to_str().unwrap(),
        "--format",
        "atna",
        "--out",
        out_file.to_str().unwrap(),
    ]));
    let xml = std::fs::read_to_string(&out_file).unwrap();
    assert!(xml.matches("<AuditMessage").count() >= 21);
    for element in [
        "EventIdentification",
        "ActiveParticipant",
        "AuditSourceIdentification",
        "ParticipantObjectIdentification",
        "code=\"110110\"",
        "code=\"110112\"",
        "code=\"110127\"",
    ] {
        assert!(xml.contains(element), "{element} missing");
    }
    let again = audit(&[
        "export",
        log.to_str().unwrap(),
        "--identity",
        f.audit_key.to_str().unwrap(),
        "--format",
        "atna",
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(!again.status.success(), "an export never overwrites");
}

#[test]
fn a_modified_entry_fails_verify_and_is_named() {
    let log = session_log("tamper");
    let text = std::fs::read_to_string(&log).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Change one character of entry 3's body.
    let line = &mut lines[3];
    let at = line.find("\"body\":\"").unwrap() + 20;
    let replacement = if &line[at..at + 1] == "A" { "B" } else { "A" };
    line.replace_range(at..at + 1, replacement);
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let out = audit(&["verify", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(40));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("entry 3"), "{err}");
    // And a session refuses to add to a broken log: nothing is shown unaudited.
    let view = view(&log, "search", &["--json", "やまだ"]);
    assert_eq!(
        view.status.code(),
        Some(31),
        "{}",
        String::from_utf8_lossy(&view.stderr)
    );
    assert!(view.stdout.is_empty());
}

#[test]
fn a_truncated_log_fails_verify() {
    let log = session_log("truncate");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, lines[..lines.len() - 2].join("\n") + "\n").unwrap();
    let out = audit(&["verify", log.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(40));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("truncated"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_failed_unlock_is_audited_to_the_hub_the_log_already_reports_to() {
    let f = fixture();
    let log = session_log("failed-unlock");
    let other_key = log.parent().unwrap().join("other.key");
    ok(&run(&[
        "keys",
        "device",
        "--out",
        other_key.to_str().unwrap(),
    ]));
    let out = search_with(&log, &f.snapshot, &other_key);
    assert_eq!(out.status.code(), Some(10), "wrong key");
    let review: Value = f.review(&log);
    let failed = review["failed_unlocks"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{review}");
    assert!(
        failed[0].to_string().contains("試験 太郎"),
        "who tried: {review}"
    );
}

#[test]
fn a_failed_first_unlock_on_a_laptop_with_no_log_yet_is_still_audited() {
    // A laptop never used (or whose log was deleted) and a key that does not open the file: the
    // log has no hub to report to yet, so the file's signed label names it.
    let f = fixture();
    let dir = f.dir.join("audit").join("first-unlock");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.log");
    let other_key = dir.join("other.key");
    ok(&run(&[
        "keys",
        "device",
        "--out",
        other_key.to_str().unwrap(),
    ]));
    let out = search_with(&log, &f.snapshot, &other_key);
    assert_eq!(out.status.code(), Some(10), "wrong key");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("could not be audited"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(log.is_file(), "the log was begun for it");
    let verified = audit(&["verify", log.to_str().unwrap()]);
    assert_eq!(verified.status.code(), Some(0));
    let review: Value = f.review(&log);
    let failed = review["failed_unlocks"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{review}");
    assert!(failed[0].to_string().contains("試験 太郎"), "{review}");

    // A file no trusted hub signed names nobody: nothing is written, and the laptop says so.
    let dir = f.dir.join("audit").join("first-unlock-untrusted");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("audit.log");
    let junk = dir.join("junk.fcs");
    std::fs::write(&junk, vec![7u8; 20_000]).unwrap();
    let out = search_with(&log, &junk, &other_key);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not be audited"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!log.exists());
}

#[test]
fn a_laptop_clock_behind_the_snapshot_is_flagged_for_review() {
    let f = fixture();
    let dir = fixture().dir.join("audit").join("clock");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Made five minutes "in the future": inside the tolerance that lets it open, but proof that
    // this laptop's clock is behind the hub's.
    let created = (chrono::Utc::now() + chrono::Duration::minutes(5)).to_rfc3339();
    let snapshot = dir.join("ahead.fcs");
    f.build(&snapshot, &["--created", &created]);
    let log = dir.join("audit.log");
    ok(&f.view(&snapshot, &f.doctor_logging_to(&log), "search", &["やまだ"]));
    let review: Value = f.review(&log);
    let anomalies = review["clock_anomalies"].as_array().unwrap();
    assert!(!anomalies.is_empty(), "{review}");
    assert!(review.to_string().contains("before-snapshot"), "{review}");
}

#[test]
fn a_power_cut_mid_entry_is_repaired_by_the_next_session_and_listed_for_review() {
    let f = fixture();
    let log = session_log("power-cut");
    // What a power cut mid-write leaves: the start of a line, no newline.
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(br#"{"seq":22,"at":"2026-11-24T12:00:00+09:00","boot":"#);
    std::fs::write(&log, bytes).unwrap();
    ok(&view(&log, "search", &["--json", "やまだ"]));
    ok(&audit(&["verify", log.to_str().unwrap()]));
    let review: Value = f.review(&log);
    let repairs = review["log_repairs"].as_array().unwrap();
    assert_eq!(repairs.len(), 1, "{review}");
    assert_eq!(repairs[0]["after_seq"], 21);
}
