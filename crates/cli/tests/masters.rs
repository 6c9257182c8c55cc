//! Issue 16 §2 end to end: the real `fieldchart` binary builds the shared NHO samples with the
//! handwritten test masters of tests/data/masters (README there: made-up codes) and without them,
//! and the record a doctor opens shows what the masters found beside the facility's own text, the
//! critical flag the master's YJ code decides, the masters in the snapshot's manifest, and the
//! build report's codes no master knew.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::nho::{Keys, NHO};

fn masters_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/masters")
}

struct Built {
    dir: PathBuf,
    snapshot: PathBuf,
    keys: Keys,
    summary: Value,
}

/// Builds the NHO samples into `name`.fcs, with the test masters when `masters` is set.
fn build(name: &str, masters: bool) -> Built {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("masters-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let keys = Keys::make(&dir);
    let snapshot = dir.join(format!("{name}.fcs"));
    let m = |f: &str| masters_dir().join(f).to_str().unwrap().to_string();
    // The samples are of 2011: a window that keeps their prescriptions and labs.
    let mut args: Vec<String> = ["--window-years", "30", "--json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if masters {
        args.extend([
            "--master-hot".into(),
            m("MEDIS20261031.TXT"),
            "--master-disease".into(),
            m("nmain517.txt"),
            "--master-jlac10".into(),
            format!("analyte={}", m("jlac10_analyte.csv")),
            "--master-jlac10".into(),
            format!("specimen={}", m("jlac10_specimen.csv")),
            "--master-jlac10-encoding".into(),
            "utf8".into(),
            "--master-local-map".into(),
            m("local_map.csv"),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, stdout, stderr) = keys.build_nho(&snapshot, &args);
    assert_eq!(code, 0, "{stderr}");
    Built {
        dir,
        snapshot,
        keys,
        summary: serde_json::from_str(&stdout).expect("build --json prints one object"),
    }
}

/// The record of NHO patient 9999013 as a doctor (vital interest), as JSON.
fn record(b: &Built) -> Value {
    let stdout = b
        .keys
        .nho_record(&b.snapshot, &b.dir.join("audit.log"), &["--json"]);
    serde_json::from_str(&stdout).unwrap()
}

/// Every value of key `key` anywhere in `v`.
fn all<'v>(v: &'v Value, key: &str, out: &mut Vec<&'v Value>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == key {
                    out.push(x);
                }
                all(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| all(x, key, out)),
        _ => {}
    }
}

#[test]
fn with_masters_the_record_shows_standard_codes_beside_the_facility_text_and_without_none() {
    let with = build("with", true);
    let without = build("without", false);

    // The snapshot's manifest names each master file, version and digest; the record carries it.
    let view = record(&with);
    let masters = view["data_as_of"]["masters"].as_array().unwrap();
    let files: Vec<&str> = masters
        .iter()
        .map(|m| m["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "nmain517.txt",
            "MEDIS20261031.TXT",
            "jlac10_analyte.csv",
            "jlac10_specimen.csv",
            "local_map.csv"
        ]
    );
    let hot = &masters[1];
    assert_eq!(hot["master"], "MEDIS 医薬品HOTコードマスター");
    assert_eq!(hot["version"], "20261031");
    assert_eq!(hot["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(with.summary["masters"].as_array().unwrap().len(), 5);

    // A drug coded HOT9: the facility's text stays, the master's name is beside it.
    let medicines = view["summary"]["medications"].as_array().unwrap();
    let dasen = medicines
        .iter()
        .flat_map(|m| m["drugs"].as_array().unwrap())
        .find(|d| d["code"] == "108665201")
        .expect("the NHO prescription's ダーゼン錠");
    assert_eq!(dasen["text"], "ダーゼン錠（５mg)");
    assert_eq!(dasen["standard"]["system"], "HOT9");
    assert_eq!(
        dasen["standard"]["name"],
        "試験用：ダーゼン錠に抗凝固薬のYJを与えた行"
    );
    assert_eq!(dasen["standard"]["yj"], "3332001F9999");

    // Its critical class comes from the YJ code's 薬効分類 (333), not from its name.
    let flags = view["summary"]["critical_flags"].as_array().unwrap();
    assert!(
        flags
            .iter()
            .any(|f| f["class"] == "anticoagulant" && f["reason"] == "ダーゼン錠（５mg)"),
        "{flags:#?}"
    );

    // A local allergen code the facility's mapping table maps: the standard code and name beside.
    let allergy = view["summary"]["allergies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["allergen"]["text"] == "ペニシリン")
        .expect("the AL1 penicillin allergy");
    let standard = &allergy["allergen"]["standard"];
    assert_eq!(standard["system"], "HOT13");
    assert_eq!(standard["code"], "1999990010101");
    assert_eq!(standard["name"], "試験用ペニシリン系注射剤");
    assert_eq!(standard["via_local_map"], true);

    // A diagnosis and a lab test in their standard systems, named by their masters.
    let gastritis = view["summary"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["diagnosis"]["text"] == "胃炎")
        .expect("the PPR-01 gastritis");
    assert_eq!(
        gastritis["diagnosis"]["standard"]["name"],
        "胃炎（試験用マスター）"
    );
    let mut items = Vec::new();
    all(&view, "item", &mut items);
    let protein = items
        .iter()
        .find(|i| i["code"] == "3A010000002327101")
        .expect("the OML-11 total protein");
    assert_eq!(protein["text"], "総蛋白");
    assert_eq!(protein["standard"]["name"], "総蛋白（血清）");

    // The build report: per facility, the codes no master knew, with the facility's text; a code a
    // master or the mapping knew is not among them.
    let unknown = with.summary["unknown_codes"].as_array().unwrap();
    assert_eq!(unknown.len(), 1, "{unknown:#?}");
    assert_eq!(unknown[0]["facility"], NHO);
    let codes = unknown[0]["codes"].as_array().unwrap();
    let has = |system: &str, code: &str| {
        codes
            .iter()
            .find(|c| c["system"] == system && c["code"] == code)
    };
    let pansporin = has("HOT9", "110626901").expect("パンスポリン is not in the test HOT master");
    assert_eq!(pansporin["text"], "パンスポリンＴ錠（１００mg)");
    assert!(
        has("JC10", "3A016000002327102").is_some(),
        "A/G比: {codes:#?}"
    );
    assert!(has("HOT9", "108665201").is_none());
    assert!(has("JC10", "3A010000002327101").is_none());
    assert!(has("99XYZ", "1").is_none(), "an allergen is never reported");
    assert!(has("MDCDX2", "20054174").is_none());

    // Without masters: no standard code anywhere, no master in the manifest, nothing reported,
    // and no anticoagulant flag (ダーゼン's name is not one).
    let plain = record(&without);
    let mut standards = Vec::new();
    all(&plain, "standard", &mut standards);
    assert!(standards.is_empty(), "{standards:#?}");
    assert!(
        plain["data_as_of"]["masters"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        without.summary["unknown_codes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !plain["summary"]["critical_flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["class"] == "anticoagulant")
    );
}

#[test]
fn a_master_that_is_not_the_file_it_is_named_as_is_a_clear_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let keys = Keys::make(dir.path());
    let wrong = dir.path().join("MEDIS20261031.TXT");
    std::fs::write(&wrong, "this is not a HOT master\r\n").unwrap();
    let out = dir.path().join("x.fcs");
    let (code, _, stderr) = keys.build_nho(&out, &["--master-hot", wrong.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(wrong.to_str().unwrap()) && stderr.contains("header"),
        "{stderr}"
    );
    assert!(!out.exists());
}
