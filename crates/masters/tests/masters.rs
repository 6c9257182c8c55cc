//! Loading short handwritten excerpts in the published layouts (tests/data), encoded as the real
//! files are: the MEDIS files are turned into Shift_JIS bytes here, under their published names.

use std::path::{Path, PathBuf};

use fieldchart_masters::*;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Writes `tests/data/<name>.utf8` as Shift_JIS to `<dir>/<name>`, as MEDIS publishes it.
fn shift_jis(dir: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(data(&format!("{name}.utf8"))).unwrap();
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(
        !unmappable,
        "{name}: every test character exists in Shift_JIS"
    );
    let path = dir.join(name);
    std::fs::write(&path, &bytes).unwrap();
    path
}

fn loaded() -> (tempfile::TempDir, Masters) {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Masters::new();
    m.load_hot(&shift_jis(dir.path(), "MEDIS20260930.TXT"))
        .unwrap();
    m.load_disease(&shift_jis(dir.path(), "nmain517.txt"), None)
        .unwrap();
    for (t, f) in [
        (Jlac10Table::Analyte, "jlac10_analyte.csv"),
        (Jlac10Table::Identification, "jlac10_identification.csv"),
        (Jlac10Table::Specimen, "jlac10_specimen.csv"),
    ] {
        m.load_jlac10(t, &data(f), TextEncoding::Utf8).unwrap();
    }
    m.load_local_map(&data("local_map.csv"), TextEncoding::Utf8)
        .unwrap();
    (dir, m)
}

#[test]
fn each_master_records_its_version_digest_and_counts() {
    let (_dir, m) = loaded();
    let infos = m.infos();
    let hot = infos.iter().find(|i| i.kind == MasterKind::Hot).unwrap();
    assert_eq!(hot.file_name, "MEDIS20260930.TXT");
    assert_eq!(hot.version.as_deref(), Some("20260930"));
    assert_eq!(hot.sha256.len(), 64);
    assert_eq!(hot.encoding, TextEncoding::ShiftJis);
    assert_eq!((hot.report.lines, hot.report.loaded), (4, 2));
    let disease = infos
        .iter()
        .find(|i| i.kind == MasterKind::Disease)
        .unwrap();
    assert_eq!(disease.version.as_deref(), Some("517"));
    assert_eq!(disease.report.loaded, 2);
    assert_eq!(infos.len(), 6);
}

#[test]
fn a_bad_line_is_kept_as_a_diagnostic_and_the_rest_loads() {
    let (_dir, m) = loaded();
    let hot = &m.hot.as_ref().unwrap().infos[0].report;
    assert_eq!(hot.skipped.len(), 1);
    assert_eq!(hot.skipped[0].line, 4);
    assert!(hot.skipped[0].reason.contains("19000X3010101"));
    let dis = &m.disease.as_ref().unwrap().info.report;
    assert_eq!(dis.skipped[0].line, 3);
    let analyte = &m.jlac10.as_ref().unwrap().infos[0].1.report;
    // The title, notes and blank row above the header on row 5, as in the JSLM sheet, are its
    // preamble; the 4-character code and a code the table marks deleted are skipped.
    assert_eq!(analyte.preamble, 4);
    assert_eq!(
        analyte.skipped.iter().map(|s| s.line).collect::<Vec<_>>(),
        vec![9, 10]
    );
    assert!(
        analyte.skipped[1].reason.contains("更新区分 S"),
        "{analyte:?}"
    );
}

#[test]
fn bytes_not_valid_in_the_encoding_are_reported_for_every_master_kind() {
    // A mapping table said to be UTF-8 with one Shift_JIS byte pair in a row: the rows still load,
    // and the report says the file held bytes that were replaced (line 0, the whole file).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("map.csv");
    let mut bytes = std::fs::read(data("local_map.csv")).unwrap();
    bytes.extend_from_slice(b"F001,99ZZZ,\x93\xfa,HOT13,1900001010101\n");
    std::fs::write(&path, bytes).unwrap();
    let mut m = Masters::new();
    let info = m.load_local_map(&path, TextEncoding::Utf8).unwrap().clone();
    assert!(info.report.loaded >= 3, "{info:?}");
    assert!(
        info.report
            .skipped
            .iter()
            .any(|s| s.line == 0 && s.reason.contains("not valid UTF-8")),
        "{info:?}"
    );
}

#[test]
fn disease_by_management_number_and_by_exchange_code() {
    let (_dir, m) = loaded();
    let d = m.disease("20001234").unwrap();
    assert_eq!(
        (d.name.as_str(), d.icd10.as_deref()),
        ("試験性高血圧症", Some("I10"))
    );
    assert_eq!(m.disease("ZZ02").unwrap().management_number, "20005678");
    assert!(m.disease("99999999").is_none());
}

#[test]
fn drug_by_hot13_hot9_yj_and_receipt_code() {
    let (_dir, m) = loaded();
    let by_hot = m.drug(DrugKey::Hot13, "1900001010101").unwrap();
    assert_eq!(by_hot.name, "ワルファリン試験錠１ｍｇ");
    assert_eq!(m.drug(DrugKey::Hot9, "190000101").unwrap().hot, by_hot.hot);
    assert_eq!(m.drug(DrugKey::Yj, "3332001F1012").unwrap().hot, by_hot.hot);
    assert_eq!(
        m.drug(DrugKey::Receipt, "600000001").unwrap().yj.as_deref(),
        Some("3332001F1012")
    );
}

#[test]
fn a_receipt_code_resolves_to_yj_through_the_hot_master_and_gets_its_class() {
    let (_dir, m) = loaded();
    assert_eq!(
        m.yj_for("F001", "RECEIPT", "600000001").as_deref(),
        Some("3332001F1012")
    );
    assert_eq!(
        m.drug_class("F001", "RECEIPT", "600000001"),
        Some(CriticalDrugClass::Anticoagulant)
    );
    assert_eq!(
        m.drug_class("F001", "HOT9", "190000201"),
        Some(CriticalDrugClass::SystemicSteroid)
    );
    // A local code of the facility, mapped to HOT13, then to YJ.
    assert_eq!(
        m.drug_class("F001", "99ZZZ", "222249"),
        Some(CriticalDrugClass::Anticoagulant)
    );
    // The same local code at another facility means nothing.
    assert_eq!(m.drug_class("F002", "99ZZZ", "222249"), None);
}

#[test]
fn jlac10_code_names_its_parts_and_marks_infections() {
    let (_dir, m) = loaded();
    let n = m.jlac10("5F016141002327151").unwrap();
    assert_eq!(n.analyte.as_deref(), Some("HBs"));
    assert_eq!(n.identification.as_deref(), Some("ウイルス抗原"));
    assert_eq!(n.specimen.as_deref(), Some("血清"));
    assert_eq!(n.method, None);
    assert_eq!(
        m.infection_marker("F001", "JC10", "5F016141002327151"),
        Some(Infection::HepatitisB)
    );
    // HBs antibody (identification 1430 ウイルス抗体, SRL's 5F016-1430 HBs抗体) is immunity, not
    // infection; 1420 ウイルス特異抗原 is an antigen, so it is.
    assert_eq!(
        m.infection_marker("F001", "JC10", "5F016143002327151"),
        None
    );
    assert_eq!(
        m.infection_marker("F001", "JC10", "5F016142002327151"),
        Some(Infection::HepatitisB)
    );
    assert_eq!(
        m.infection_marker("F001", "99LAB", "10222"),
        Some(Infection::HepatitisB)
    );
    assert_eq!(
        m.infection_marker("F001", "JC10", "3C015000002327101"),
        None
    );
}

#[test]
fn a_mapped_local_code_shows_its_standard_code_and_name() {
    let (_dir, m) = loaded();
    let s = m.standard_for("F001", "99DX", "A01").unwrap();
    assert_eq!(s.system, StandardSystem::Mdcdx2);
    assert_eq!(
        (s.code.as_str(), s.name.as_deref()),
        ("ZZ01", Some("試験性高血圧症"))
    );
    assert!(s.via_local_map);
    let lab = m.standard_for("F001", "99LAB", "10222").unwrap();
    assert_eq!(lab.name.as_deref(), Some("HBs（血清）"));
    let direct = m.standard_for("F001", "HOT", "1900001010101").unwrap();
    assert!(!direct.via_local_map);
    assert!(m.standard_for("F001", "99DX", "UNKNOWN").is_none());
    let map = &m.local.as_ref().unwrap().infos[0].report;
    assert_eq!(map.skipped[0].line, 6);
}

#[test]
fn without_masters_nothing_resolves_but_a_yj_code_still_has_its_class() {
    let m = Masters::new();
    assert!(m.is_empty());
    assert!(m.standard_for("F001", "HOT9", "190000101").is_none());
    assert_eq!(
        m.drug_class("F001", "YJ", "3332001F1012"),
        Some(CriticalDrugClass::Anticoagulant)
    );
}

#[test]
fn a_hot_file_without_its_header_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("MEDIS20260101.TXT");
    std::fs::write(&p, "\"1900001010101\",\"1900001\"\n").unwrap();
    let err = Masters::new().load_hot(&p).unwrap_err().to_string();
    assert!(
        err.contains("MEDIS20260101.TXT") && err.contains("基準番号"),
        "{err}"
    );
}

#[test]
fn unknown_codes_are_reported_per_facility_most_frequent_first() {
    let mut u = UnknownCodes::new();
    u.note_unknown("F002", "99LAB", "1", "謎の検査");
    u.note_unknown("F001", "99ZZZ", "7", "院内薬A");
    u.note_unknown("F001", "99LAB", "3", "");
    u.note_unknown("F001", "99LAB", "3", "謎の検査B");
    let r = u.report();
    assert_eq!(
        r.iter().map(|f| f.facility.as_str()).collect::<Vec<_>>(),
        ["F001", "F002"]
    );
    assert_eq!((r[0].codes[0].code.as_str(), r[0].codes[0].count), ("3", 2));
    assert_eq!(r[0].codes[0].text, "謎の検査B");
    assert_eq!(r[0].codes[1].code, "7");
}
