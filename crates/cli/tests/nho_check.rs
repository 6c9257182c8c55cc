//! End-to-end: the real `fieldchart` binary over the shared NHO samples (golden expectations from
//! ../shared/ssmix2-samples/README.md).

use std::path::PathBuf;

use serde_json::Value;

mod common;
use common::fieldchart;
use common::nho::{Keys, NHO};

fn nho() -> PathBuf {
    fieldchart_samples::nho()
}

fn check_json() -> Value {
    let root = format!("1234567890={}", nho().display());
    let (code, stdout, stderr) = fieldchart(&["check", &root, "--json"]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("check --json prints one JSON object")
}

fn paths(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_one_of_the_22_nho_files_is_accounted_for() {
    let report = check_json();
    assert_eq!(report["files"], 22);
    let errors = report["errors"].as_array().unwrap().len() as u64;
    assert_eq!(
        report["files"].as_u64().unwrap(),
        report["records"].as_u64().unwrap() + errors
    );
    let resolved: u64 = ["current", "superseded", "deleted", "cancelled"]
        .iter()
        .map(|k| report[k].as_u64().unwrap())
        .sum();
    assert_eq!(resolved, report["records"].as_u64().unwrap());
}

#[test]
fn the_broken_file_in_the_wrong_folder_is_an_error_and_its_name_mismatch_a_warning() {
    let report = check_json();
    let errors = paths(&report["errors"]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("/ADT-31/9999013_20110630_OMP-11_"));
}

#[test]
fn the_deleted_prescription_given_record_is_not_current() {
    let report = check_json();
    assert_eq!(report["deleted"], 1);
    // One OMP-11 file of patient 0000001 is current, the `_0` one is not.
    assert_eq!(report["by_type"]["OMP-11"], 2);
}

#[test]
fn patient_id_disagreements_are_reported_not_hidden() {
    let report = check_json();
    let mismatches: Vec<&Value> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "patient_id_mismatch")
        .collect();
    // PID-3 differs from the folder in the ADT-61, PPR-01, OMD, OMG-01/02/03/11/12/13 and OML-11
    // samples (copied guideline examples).
    assert!(mismatches.len() >= 9, "{mismatches:?}");
    assert!(
        mismatches
            .iter()
            .any(|w| w["path"].as_str().unwrap().contains("/PPR-01/")
                && w["reason"].as_str().unwrap().contains("1234567890"))
    );
}

#[test]
fn two_patient_folders_are_two_patients() {
    let report = check_json();
    assert_eq!(report["patients"], 2);
}

#[test]
fn readable_report_names_counts_and_problems() {
    let root = format!("1234567890={}", nho().display());
    let (code, stdout, _) = fieldchart(&["check", &root]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("22 files: 21 read into records, 1 errors"),
        "{stdout}"
    );
    assert!(stdout.contains("patient_id_mismatch"));
}

#[test]
fn inspect_shows_the_decoded_names_exactly() {
    let file = nho()
        .join("999/901/9999013/-/ADT-00/9999013_-_ADT-00_999999999999999_20111220224447339_-_1");
    let (code, stdout, stderr) = fieldchart(&["inspect", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("encoding:   ISO-2022-JP"), "{stdout}");
    assert!(stdout.contains("患者^太郎^^^^^L^I"), "{stdout}");
    assert!(stdout.contains("患者 太郎"), "{stdout}");
    assert!(stdout.contains("カンジャ タロウ"), "{stdout}");
    assert!(stdout.contains("ペニシリン"), "{stdout}");
}

#[test]
fn inspect_json_reports_the_encoding_and_the_mapped_patient() {
    let file = nho()
        .join("999/901/9999013/-/ADT-00/9999013_-_ADT-00_999999999999999_20111220224447339_-_1");
    let (code, stdout, _) = fieldchart(&["inspect", file.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    let view: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(view["encoding"], "ISO-2022-JP");
    assert_eq!(view["message_type"], "ADT^A08^ADT_A01");
    let patient = view["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["type"] == "patient")
        .expect("ADT-00 maps to a patient");
    assert_eq!(patient["name_kana"]["family"], "カンジャ");
    assert_eq!(patient["name_kanji"]["given"], "太郎");
}

#[test]
fn inspect_of_the_garbage_file_explains_why_it_is_not_a_record() {
    let file = nho().join(
        "000/000/0000001/20000401/ADT-31/9999013_20110630_OMP-11_123456789012345_20110701113813225_01_1",
    );
    let (code, stdout, _) = fieldchart(&["inspect", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("(nothing could be mapped)"), "{stdout}");
    assert!(stdout.contains("error"), "{stdout}");
}

#[test]
fn a_missing_root_is_a_clear_error() {
    let (code, _, stderr) = fieldchart(&["check", "1234567890=/nonexistent/storage"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a readable directory"), "{stderr}");
}

/// A snapshot of the NHO samples, built once for this test binary: its folder, the snapshot, the
/// keys to open it, and what the build printed on standard error.
struct NhoSnapshot {
    dir: PathBuf,
    snapshot: PathBuf,
    keys: Keys,
    stderr: String,
}

fn nho_snapshot() -> &'static NhoSnapshot {
    static BUILT: std::sync::OnceLock<NhoSnapshot> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("nho-snapshot");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let keys = Keys::make(&dir);
        let snapshot = dir.join("nho.fcs");
        let (code, _, stderr) = keys.build_nho(&snapshot, &[]);
        assert_eq!(code, 0, "{stderr}");
        NhoSnapshot {
            dir,
            snapshot,
            keys,
            stderr,
        }
    })
}

/// `record` of the NHO patient 9999013 as a doctor, on the vital-interest basis.
fn nho_record(json: bool) -> String {
    let built = nho_snapshot();
    let log = built.dir.join(format!("audit-{json}.log"));
    let extra: &[&str] = if json { &["--json"] } else { &[] };
    built.keys.nho_record(&built.snapshot, &log, extra)
}

#[test]
fn the_nho_gastritis_with_an_outcome_date_and_not_recovering_stays_listed_with_its_outcome() {
    let view: Value = serde_json::from_str(&nho_record(true)).unwrap();
    let problems = view["summary"]["problems"].as_array().unwrap();
    let gastritis = problems
        .iter()
        .find(|p| p["label"] == "胃炎")
        .expect("PRB-9 20110915 with N^回復せず: the gastritis is still a problem");
    assert_eq!(gastritis["standing"]["reason"], "persists");
    assert_eq!(gastritis["standing"]["outcome"], "not_recovering");
    assert_eq!(gastritis["outcome"]["code"], "N");
    assert_eq!(gastritis["outcome"]["text"], "回復せず");
    assert_eq!(gastritis["resolved"], "2011-09-15");

    let text = nho_record(false);
    let line = text
        .lines()
        .find(|l| l.contains("胃炎"))
        .expect("the readable record lists the gastritis");
    assert!(
        line.contains("persists, outcome N 回復せず, outcome date 2011-09-15"),
        "{line}"
    );
}

#[test]
fn a_build_warns_of_a_facility_whose_data_is_years_old() {
    let NhoSnapshot {
        dir, keys, stderr, ..
    } = nho_snapshot();
    assert!(
        stderr.contains(
            "warning: facility 1234567890: its newest record is of 2011-12-20T22:44:47.339"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("older than the policy's 7 days"),
        "{stderr}"
    );

    // --json carries the same warning.
    let out = dir.join("nho-json.fcs");
    let (code, stdout, stderr) = keys.build_nho(&out, &["--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["stale_data_days"], 7);
    let stale = report["stale_facilities"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0]["code"], NHO);
    assert!(stale[0]["days_old"].as_i64().unwrap() > 365 * 5);
}
