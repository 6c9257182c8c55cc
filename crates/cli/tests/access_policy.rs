//! Who may see what, through the real binary (requirements POL-6 to POL-17): professions and their
//! sections and look-back, consent and the legal basis, break-glass, the event window, an expired
//! snapshot, and refusals with their own exit code. Every one of these lands in the audit log,
//! which the audit tests read back.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{REFUSED, fixture, ok, run};
use serde_json::Value;

/// A refusal by the access policy.
const REFUSED_BY_POLICY: i32 = 30;
const EXPIRED: i32 = 14;
const PERSONA: &str = "0410610011:0010000000";

fn view(snapshot: &Path, who: &[String], command: &str, rest: &[&str]) -> Output {
    fixture().view(snapshot, who, command, rest)
}

fn record_as(who: &[String], patient: &str, extra: &[&str]) -> Output {
    let mut rest = vec!["--patient", patient, "--json"];
    rest.extend_from_slice(extra);
    view(&fixture().snapshot, who, "record", &rest)
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap()
}

fn refused(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(REFUSED_BY_POLICY),
        "expected a refusal; stdout {} stderr {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "a refusal shows no patient data");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn list(v: &Value, path: &[&str]) -> Vec<Value> {
    let mut at = v;
    for p in path {
        at = &at[*p];
    }
    at.as_array()
        .unwrap_or_else(|| panic!("{path:?} is not a list"))
        .clone()
}

#[test]
fn a_doctor_sees_every_section_of_a_consented_patient() {
    let f = fixture();
    let r = json(&record_as(&f.doctor(), PERSONA, &[]));
    assert_eq!(r["access"]["basis"], "consent");
    assert_eq!(r["access"]["consent"], "consented");
    assert!(list(&r, &["access", "withheld"]).is_empty());
    assert!(!list(&r, &["summary", "medications"]).is_empty());
    assert!(!list(&r, &["history", "encounters"]).is_empty());
}

#[test]
fn a_pharmacist_sees_medicines_allergies_labs_and_problems_but_not_encounters_or_documents() {
    let f = fixture();
    let r = json(&record_as(&f.viewer("薬剤師"), PERSONA, &[]));
    assert!(!list(&r, &["summary", "medications"]).is_empty());
    assert!(!list(&r, &["summary", "allergies"]).is_empty());
    for hidden in ["encounters", "reports", "documents"] {
        assert!(list(&r, &["history", hidden]).is_empty(), "{hidden}");
    }
    let withheld = list(&r, &["access", "withheld"]);
    assert_eq!(
        withheld,
        vec!["encounters", "reports", "documents"],
        "the view says what was withheld, so empty is not mistaken for none"
    );
}

#[test]
fn a_paramedic_sees_only_the_last_180_days_of_medicines_but_every_allergy() {
    let f = fixture();
    let r = json(&record_as(&f.viewer("救急救命士"), PERSONA, &[]));
    let since = r["access"]["since"].as_str().unwrap().to_string();
    for m in list(&r, &["history", "medications"]) {
        if let Some(at) = m["at"].as_str() {
            assert!(at[..10] >= since[..], "{at} is before {since}");
        }
    }
    assert!(
        list(&r, &["history", "labs"]).is_empty(),
        "no labs for a paramedic"
    );
    assert!(!list(&r, &["summary", "allergies"]).is_empty());
}

#[test]
fn a_clerk_without_an_authorisation_code_is_refused() {
    let f = fixture();
    let err = refused(&record_as(&f.viewer("事務・その他"), PERSONA, &[]));
    assert!(err.contains("authorisation code"), "{err}");
}

#[test]
fn a_patient_without_consent_needs_a_legal_basis() {
    let f = fixture();
    let unknown = "0410610011:0010000001";
    let err = refused(&record_as(&f.doctor(), unknown, &[]));
    assert!(err.contains("vital-interest"), "{err}");
    let r = json(&record_as(
        &f.doctor(),
        unknown,
        &["--basis", "vital-interest"],
    ));
    assert_eq!(r["access"]["basis"], "vital-interest");
    assert_eq!(r["access"]["consent"], "unknown");
}

#[test]
fn a_patient_who_refused_opens_only_by_break_glass_which_the_view_shows() {
    let f = fixture();
    let err = refused(&record_as(
        &f.doctor(),
        REFUSED,
        &["--basis", "vital-interest"],
    ));
    assert!(err.contains("refused consent"), "{err}");
    let r = json(&record_as(
        &f.doctor(),
        REFUSED,
        &["--break-glass", "意識障害で搬送、服薬内容の確認が必要"],
    ));
    assert_eq!(r["access"]["basis"], "break-glass");
    assert_eq!(
        r["access"]["break_glass"],
        "意識障害で搬送、服薬内容の確認が必要"
    );
    let text = ok(&view(
        &f.snapshot,
        &f.doctor(),
        "record",
        &[
            "--patient",
            REFUSED,
            "--break-glass",
            "意識障害で搬送、服薬内容の確認が必要",
        ],
    ));
    assert!(text.contains("[BREAK-GLASS"), "{text}");
}

#[test]
fn break_glass_needs_a_reason_and_a_profession_allowed_to_use_it() {
    let f = fixture();
    let err = refused(&record_as(&f.doctor(), REFUSED, &["--break-glass", "急ぎ"]));
    assert!(err.contains("at least 8"), "{err}");
    let err = refused(&record_as(
        &f.viewer("臨床検査技師"),
        REFUSED,
        &["--break-glass", "検査結果の緊急確認が必要なため"],
    ));
    assert!(err.contains("may not use break-glass"), "{err}");
}

#[test]
fn only_professions_that_see_every_clinical_section_find_patients_by_clinical_words() {
    let f = fixture();
    let found = |who: &[String]| -> usize {
        list(
            &json(&view(
                &f.snapshot,
                who,
                "search",
                &["--json", "ワーファリン"],
            )),
            &["results"],
        )
        .len()
    };
    assert!(found(&f.doctor()) > 0);
    assert_eq!(
        found(&f.viewer("薬剤師")),
        0,
        "a match would reveal documents"
    );
}

#[test]
fn search_results_carry_the_consent_state() {
    let f = fixture();
    let out = json(&view(
        &f.snapshot,
        &f.doctor(),
        "search",
        &["--json", "山田", "花子", "S45"],
    ));
    let states: Vec<(String, String)> = list(&out, &["results"])
        .iter()
        .map(|r| {
            (
                format!(
                    "{}:{}",
                    r["facility"].as_str().unwrap(),
                    r["patient_id"].as_str().unwrap()
                ),
                r["consent"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        states.contains(&(PERSONA.to_string(), "consented".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&(REFUSED.to_string(), "refused".into())),
        "{states:?}"
    );
}

fn policy_file(name: &str, start: &str, end: &str) -> PathBuf {
    let dir = fixture().dir.join("policies");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let text = fieldchart_policy::DEFAULT_POLICY_TOML.replace(
        "# start = \"2026-11-01T00:00:00+09:00\"\n# end   = \"2026-12-01T00:00:00+09:00\"",
        &format!("start = \"{start}\"\nend   = \"{end}\""),
    );
    assert_ne!(
        text,
        fieldchart_policy::DEFAULT_POLICY_TOML,
        "the window was written in"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn build_with(name: &str, extra: &[&str]) -> PathBuf {
    let f = fixture();
    let out = f.dir.join("policies").join(name);
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    f.build(&out, extra);
    out
}

#[test]
fn the_event_window_closes_access_and_break_glass_reopens_it() {
    let f = fixture();
    let over = policy_file(
        "over.toml",
        "2025-01-01T00:00:00+09:00",
        "2025-02-01T00:00:00+09:00",
    );
    let snapshot = build_with("window-over.fcs", &["--policy", over.to_str().unwrap()]);
    let err = refused(&view(
        &snapshot,
        &f.doctor(),
        "search",
        &["--json", "やまだ"],
    ));
    assert!(
        err.contains("2025-02-01"),
        "the message says when the window was: {err}"
    );
    let out = json(&view(
        &snapshot,
        &f.doctor(),
        "search",
        &[
            "--json",
            "--break-glass",
            "避難所で意識不明の患者を確認",
            "やまだ",
        ],
    ));
    assert!(!list(&out, &["results"]).is_empty());
    assert_eq!(out["break_glass"], "避難所で意識不明の患者を確認");

    let open = policy_file(
        "open.toml",
        "2020-01-01T00:00:00+09:00",
        "2099-01-01T00:00:00+09:00",
    );
    let snapshot = build_with("window-open.fcs", &["--policy", open.to_str().unwrap()]);
    assert!(
        !list(
            &json(&view(
                &snapshot,
                &f.doctor(),
                "search",
                &["--json", "やまだ"]
            )),
            &["results"]
        )
        .is_empty()
    );
}

#[test]
fn an_expired_snapshot_opens_only_by_break_glass_and_only_within_its_lease() {
    let f = fixture();
    // Expired five days ago: inside the shipped 14-day lease.
    let created = (chrono::Utc::now() - chrono::Duration::days(35)).to_rfc3339();
    let snapshot = build_with(
        "expired.fcs",
        &["--created", &created, "--valid-days", "30"],
    );
    let out = view(&snapshot, &f.doctor(), "search", &["--json", "やまだ"]);
    assert_eq!(
        out.status.code(),
        Some(EXPIRED),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reason = "通信途絶で新しいスナップショットがない";
    let out = json(&view(
        &snapshot,
        &f.doctor(),
        "search",
        &["--json", "--break-glass", reason, "やまだ"],
    ));
    assert!(!list(&out, &["results"]).is_empty());

    // Expired long ago: past the lease, break-glass is refused with its own message.
    let old = build_with(
        "lease-ended.fcs",
        &["--created", "2025-01-01T00:00:00Z", "--valid-days", "30"],
    );
    let err = refused(&view(
        &old,
        &f.doctor(),
        "search",
        &["--json", "--break-glass", reason, "やまだ"],
    ));
    assert!(err.contains("lease ended on 2025-02-14"), "{err}");
}

#[test]
fn a_bad_policy_file_stops_the_build_with_the_reason() {
    let f = fixture();
    let path = f.dir.join("policies").join("typo.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        fieldchart_policy::DEFAULT_POLICY_TOML.replace("lookback_days = 180", "lookback = 180"),
    )
    .unwrap();
    let out = f.dir.join("policies").join("never.fcs");
    let device_pub = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq";
    let result = run(&[
        "snapshot",
        "build",
        "--region",
        f.region.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--recipient",
        device_pub,
        "--signing-key",
        f.dir.join("hub.key").to_str().unwrap(),
        "--audit-recipient",
        &f.audit_pub,
        "--policy",
        path.to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(
        err.contains("typo.toml") && err.contains("lookback"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_short_emergency_passphrase_stops_the_build_before_anything_is_written() {
    let f = fixture();
    let dir = f.dir.join("short-passphrase");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("never.fcs");
    let build = |passphrase: &str, policy: Option<&Path>| {
        let file = dir.join("pass.txt");
        std::fs::write(&file, format!("{passphrase}\n")).unwrap();
        let mut args = vec![
            "snapshot".to_owned(),
            "build".into(),
            "--region".into(),
            f.region.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--recipient".into(),
            "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into(),
            "--passphrase-file".into(),
            file.display().to_string(),
            "--scrypt-log-n".into(),
            "10".into(),
            "--signing-key".into(),
            f.dir.join("hub.key").display().to_string(),
            "--audit-recipient".into(),
            f.audit_pub.clone(),
        ];
        if let Some(policy) = policy {
            args.extend(["--policy".to_owned(), policy.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args)
    };
    // Eleven visible characters: the spaces and the zero-width space do not count.
    let result = build("drill  pass\u{200b}wd", None);
    assert_eq!(result.status.code(), Some(2), "the usage code");
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(
        err.contains("11 visible characters") && err.contains("at least 12"),
        "{err}"
    );
    assert!(!out.exists(), "nothing is written");

    // A policy may ask for more.
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        fieldchart_policy::DEFAULT_POLICY_TOML
            .replace("min_passphrase_chars = 12", "min_passphrase_chars = 20"),
    )
    .unwrap();
    let result = build("correct horse battery", Some(&policy));
    assert_eq!(result.status.code(), Some(2));
    assert!(!out.exists());
    ok(&build("correct horse battery staple", Some(&policy)));
    assert!(out.exists());
}
