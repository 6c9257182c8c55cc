//! Handwritten storage trees, one per deviation the whole pipeline must handle (guide §2, §4, §7): the
//! files are written to disk exactly as a producer would, then read back through storage walking,
//! decoding, parsing, mapping and condition-flag resolution.

use std::path::Path;

use encoding_rs::{ISO_2022_JP, SHIFT_JIS};
use fieldchart_hl7::Encoding;
use fieldchart_reader::model::{Item, MedicationOrder};
use fieldchart_reader::read::{FileRecord, PatientRecords, Storage};
use fieldchart_reader::report::check;
use fieldchart_storage::{DiagnosticCode, FacilityId, Severity, StorageRoot};

const FACILITY_A: &str = "0412345678";
const FACILITY_B: &str = "0498765432";

fn jis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = ISO_2022_JP.encode(text);
    assert!(!unmappable, "fixture text must be JIS X 0208");
    bytes.into_owned()
}

/// Writes `bytes` at `root/<hash>/<id>/<date>/<type>/<name>` as the guideline lays it out.
fn put(root: &Path, name: &str, bytes: &[u8]) {
    let parts: Vec<&str> = name.split('_').collect();
    let id = parts[0];
    let dir = root
        .join(&id[..3])
        .join(&id[3..6])
        .join(id)
        .join(parts[1])
        .join(parts[2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn msh(message_type: &str) -> String {
    format!(
        "MSH|^~\\&|HIS|SEND|GW|RCV|20240101120000||{message_type}|1|P|2.5||||||~ISO IR87||ISO 2022-1994"
    )
}

fn pid(id: &str) -> String {
    format!("PID|0001||{id}^^^^PI||山田^花子^^^^^L^I~ヤマダ^ハナコ^^^^^L^P||19700312|F")
}

fn adt00(id: &str) -> String {
    [msh("ADT^A08^ADT_A01"), "EVN||20240101".into(), pid(id)].join("\r")
}

fn prescription(id: &str, order: &str, drug: &str) -> String {
    [
        msh("RDE^O11^RDE_O11"),
        pid(id),
        "PV1|0001|O".into(),
        format!("ORC|NW|{order}||1|||||20240110103045"),
        format!("RXE||{drug}|1||TAB^錠^MR9P|||||28|TAB^錠^MR9P"),
        "TQ1|1||1013044400000000&内服・経口・１日３回朝昼夕食後&JAMISDP01|||28^d|20240110".into(),
        "RXR|PO^口^HL70162".into(),
    ]
    .join("\r")
}

fn admission(id: &str, trigger: &str) -> String {
    let structure = if trigger == "A01" {
        "ADT_A01"
    } else {
        "ADT_A09"
    };
    [
        msh(&format!("ADT^{trigger}^{structure}")),
        "EVN||20240105".into(),
        pid(id),
        "PV1|0001|I|32^302^1^^^N|||||||01||||||||||||||||||||||||||||||||||202401051000".into(),
    ]
    .join("\r")
}

fn read_all(roots: Vec<StorageRoot>) -> Vec<PatientRecords> {
    let storage = Storage::scan(roots);
    let mut patients = Vec::new();
    storage.read(|p| patients.push(p));
    patients
}

fn medication_orders(record: &FileRecord) -> Vec<&MedicationOrder> {
    record
        .items
        .iter()
        .filter_map(|i| match i {
            Item::MedicationOrder(o) => Some(o.as_ref()),
            _ => None,
        })
        .collect()
}

fn drug_names(records: &[&FileRecord]) -> Vec<String> {
    records
        .iter()
        .flat_map(|r| medication_orders(r))
        .flat_map(|o| &o.drugs)
        .filter_map(|d| d.code.display().map(str::to_string))
        .collect()
}

fn current_of(p: &PatientRecords) -> Vec<&FileRecord> {
    p.current.iter().map(|c| c.get()).collect()
}

#[test]
fn same_patient_id_at_two_facilities_is_two_patients() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let name = "0000001_-_ADT-00_999999999999999_20240101120000000_-_1";
    put(a.path(), name, &jis(&adt00("0000001")));
    put(b.path(), name, &jis(&adt00("0000001")));
    let patients = read_all(vec![
        StorageRoot::new(FacilityId::new(FACILITY_A), a.path()),
        StorageRoot::new(FacilityId::new(FACILITY_B), b.path()),
    ]);
    assert_eq!(patients.len(), 2);
    assert_ne!(patients[0].patient, patients[1].patient);
    assert_eq!(patients[0].patient.id, patients[1].patient.id);
    for p in &patients {
        assert_eq!(
            p.current.len(),
            1,
            "each facility's patient keeps its own record"
        );
        assert_eq!(p.current[0].source.facility, p.patient.facility);
    }
}

#[test]
fn one_patient_split_over_two_roots_of_a_facility_is_one_patient() {
    let old = tempfile::tempdir().unwrap();
    let new = tempfile::tempdir().unwrap();
    put(
        old.path(),
        "0000001_20190110_OMP-01_000000000000001_20190110103045000_01_1",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "105311201^ワーファリン錠１ｍｇ^HOT9",
        )),
    );
    put(
        new.path(),
        "0000001_20240110_OMP-01_000000000000002_20240110103045000_01_1",
        &jis(&prescription(
            "0000001",
            "000000000000002",
            "105311201^ワーファリン錠１ｍｇ^HOT9",
        )),
    );
    let facility = FacilityId::new(FACILITY_A);
    let patients = read_all(vec![
        StorageRoot::new(facility.clone(), old.path()),
        StorageRoot::new(facility, new.path()),
    ]);
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0].current.len(), 2);
    let roots: Vec<_> = patients[0]
        .current
        .iter()
        .map(|c| c.source.root.clone())
        .collect();
    assert!(roots.contains(&old.path().to_path_buf()) && roots.contains(&new.path().to_path_buf()));
}

#[test]
fn deleted_prescription_is_not_current() {
    let root = tempfile::tempdir().unwrap();
    // Guide §2: a deletion renames the old file to _0 and writes the deletion message as _0.
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110103045000_01_0",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "105311201^ワーファリン錠１ｍｇ^HOT9",
        )),
    );
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240111090000000_01_0",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "105311201^ワーファリン錠１ｍｇ^HOT9",
        )),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    assert!(patients[0].current.is_empty());
    assert_eq!(patients[0].deleted.len(), 2);
}

#[test]
fn updated_prescription_shows_only_the_new_version() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110103045000_01_2",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "105311201^ワーファリン錠１ｍｇ^HOT9",
        )),
    );
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110150000000_01_1",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "620001102^エリキュース錠５ｍｇ^HOT9",
        )),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    let current = current_of(&patients[0]);
    assert_eq!(drug_names(&current), ["エリキュース錠５ｍｇ"]);
    assert_eq!(patients[0].superseded.len(), 1);
}

#[test]
fn several_current_files_newest_wins_with_a_warning() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110103045000_01_1",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "105311201^ワーファリン錠１ｍｇ^HOT9",
        )),
    );
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110150000000_01_1",
        &jis(&prescription(
            "0000001",
            "000000000000001",
            "620001102^エリキュース錠５ｍｇ^HOT9",
        )),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    assert_eq!(
        drug_names(&current_of(&patients[0])),
        ["エリキュース錠５ｍｇ"]
    );
    assert!(
        patients[0]
            .diagnostics
            .iter()
            .any(|d| d.code == DiagnosticCode::SeveralCurrentFiles
                && d.severity == Severity::Warning)
    );
}

#[test]
fn cancelled_admission_is_not_an_encounter() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_20240105_ADT-22_999999999999999_20240105100000000_01_2",
        &jis(&admission("0000001", "A01")),
    );
    put(
        root.path(),
        "0000001_20240105_ADT-22_999999999999999_20240105120000000_01_1",
        &jis(&admission("0000001", "A11")),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    assert!(patients[0].current.is_empty(), "{:?}", patients[0].current);
    assert_eq!(patients[0].cancelled.len(), 2);
    assert!(patients[0].cancelled.iter().any(|r| r.is_cancel));
}

#[test]
fn only_the_newest_problem_list_is_current() {
    let root = tempfile::tempdir().unwrap();
    let ppr = |disease: &str| {
        [
            msh("PPR^ZD1^PPR_ZD1"),
            pid("0000001"),
            format!("PRB|AD|20240101|{disease}|1|||20240101"),
        ]
        .join("\r")
    };
    // Different care-date folders, both flagged current: PPR-01 holds the whole list (guide §2).
    put(
        root.path(),
        "0000001_-_PPR-01_999999999999999_20230101000000000_01_1",
        &jis(&ppr("20054174^胃炎^MDCDX2")),
    );
    put(
        root.path(),
        "0000001_20240101_PPR-01_999999999999999_20240101000000000_01_1",
        &jis(&ppr("20056677^心房細動^MDCDX2")),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    let current = current_of(&patients[0]);
    assert_eq!(current.len(), 1);
    assert!(current[0].source.path.contains("20240101"));
}

#[test]
fn utf8_and_cp932_files_are_read_and_their_encoding_recorded() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_-_ADT-00_999999999999999_20240101120000000_-_1",
        adt00("0000001").replace('\r', "\n").as_bytes(),
    );
    let text = prescription(
        "0000001",
        "000000000000001",
        "105311201^ワーファリン錠①^HOT9",
    );
    let (cp932, _, _) = SHIFT_JIS.encode(&text);
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110103045000_01_1",
        &cp932,
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    let current = current_of(&patients[0]);
    let encodings: Vec<_> = current.iter().map(|r| r.source.encoding).collect();
    assert!(encodings.contains(&Some(Encoding::Utf8)));
    assert!(encodings.contains(&Some(Encoding::ShiftJis)));
    assert_eq!(drug_names(&current), ["ワーファリン錠①"]);
    let non_standard = patients[0]
        .diagnostics
        .iter()
        .filter(|d| d.code == DiagnosticCode::NonStandardEncoding)
        .count();
    assert_eq!(non_standard, 2);
}

#[test]
fn file_with_an_extension_and_a_fourteen_digit_timestamp_is_read() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_-_ADT-00_999999999999999_20240101120000_-_1.txt",
        &jis(&adt00("0000001")),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    assert_eq!(patients[0].current.len(), 1);
}

#[test]
fn bad_files_never_stop_the_rest_and_every_file_is_counted() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_-_ADT-00_999999999999999_20240101120000000_-_1",
        &jis(&adt00("0000001")),
    );
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000001_20240110103045000_01_1",
        b"\xfb\xfc\x00garbage",
    );
    put(
        root.path(),
        "0000001_20240110_OMP-01_000000000000002_20240110103045000_01_1",
        b"",
    );
    std::fs::write(root.path().join("000").join("stray.txt"), b"x").unwrap();
    put(
        root.path(),
        "0000002_-_ADT-00_999999999999999_20240101120000000_-_1",
        &jis(&adt00("0000002")),
    );
    let storage = Storage::scan(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    let report = check(&storage, |_| {});
    assert_eq!(report.files, 5);
    assert_eq!(report.records, 2);
    assert_eq!(report.errors.len(), 3, "{:?}", report.errors);
    assert_eq!(report.files, report.records + report.errors.len() as u64);
    assert_eq!(report.patients, 2);
    for e in &report.errors {
        assert!(!e.reason.is_empty());
        assert!(e.path.starts_with(root.path().to_str().unwrap()));
    }
}

#[test]
fn patient_id_in_the_message_that_differs_from_the_folder_is_kept_and_flagged() {
    let root = tempfile::tempdir().unwrap();
    put(
        root.path(),
        "0000001_-_ADT-00_999999999999999_20240101120000000_-_1",
        &jis(&adt00("9999999")),
    );
    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    let record = current_of(&patients[0])[0];
    assert_eq!(record.patient_id_in_message.as_deref(), Some("9999999"));
    assert!(
        patients[0]
            .diagnostics
            .iter()
            .any(|d| d.code == DiagnosticCode::PatientIdMismatch && d.reason.contains("9999999"))
    );
}

#[test]
fn large_scanned_letter_is_listed_with_its_size_and_its_cda_read_whole() {
    let root = tempfile::tempdir().unwrap();
    let data_type = "L-REFERRAL^診療情報提供書^99ZL01^57133-1^診療情報提供書^LN";
    let folder = root
        .path()
        .join("000/000/0000001/20240105")
        .join(data_type)
        .join(format!(
            "0000001_20240105_{data_type}_000000000000001_20240105100000000_01_1"
        ));
    std::fs::create_dir_all(&folder).unwrap();
    // A 2 MB "scan": only its head is needed to know it is a PDF.
    let mut pdf = b"%PDF-1.4\n".to_vec();
    pdf.resize(2_000_000, b' ');
    std::fs::write(folder.join("scan.pdf"), &pdf).unwrap();
    // A CDA longer than the sniffing head, whose last section must still be read.
    let filler = "<paragraph>経過良好。</paragraph>".repeat(400);
    let cda = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\">\
         <title>診療情報提供書</title><component><structuredBody>\
         <component><section><title>経過</title><text>{filler}</text></section></component>\
         <component><section><title>紹介目的</title><text>透析継続のお願い</text></section></component>\
         </structuredBody></component></ClinicalDocument>"
    );
    assert!(cda.len() > 4096);
    std::fs::write(folder.join("main_document.xml"), cda).unwrap();

    let patients = read_all(vec![StorageRoot::new(
        FacilityId::new(FACILITY_A),
        root.path(),
    )]);
    let record = current_of(&patients[0])[0];
    let Some(Item::Document(doc)) = record.items.first() else {
        panic!("a document, not {:?}", record.items);
    };
    let scan = doc.files.iter().find(|f| f.name == "scan.pdf").unwrap();
    assert_eq!(scan.bytes, 2_000_000);
    assert_eq!(scan.media_type, "application/pdf");
    assert!(
        doc.sections
            .iter()
            .any(|s| s.text.contains("透析継続のお願い")),
        "{:?}",
        doc.sections
    );
    assert_eq!(record.file_count, 2);
}

#[test]
fn an_impossible_time_in_a_file_name_is_never_the_data_age() {
    let root = tempfile::tempdir().unwrap();
    let id = "0000123";
    // The newest name says minute 80; the real newest time is the prescription's.
    put(
        root.path(),
        &format!("{id}_-_ADT-00_999999999999999_20240301128000000_-_1"),
        &jis(&adt00(id)),
    );
    put(
        root.path(),
        &format!("{id}_20240110_OMP-01_000000000000001_20240110103045000_01_1"),
        &jis(&prescription(
            id,
            "000000000000001",
            "620000001^ワーファリン錠1mg^HOT9",
        )),
    );
    let storage = Storage::scan([StorageRoot::new(FacilityId::new(FACILITY_A), root.path())]);
    let report = check(&storage, |_| {});
    assert_eq!(
        report.facilities[0].data_as_of.as_deref(),
        Some("2024-01-10T10:30:45.000")
    );
    let invalid: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.code == DiagnosticCode::InvalidTime)
        .collect();
    assert_eq!(invalid.len(), 1, "{:?}", report.warnings);
    assert!(invalid[0].path.ends_with("_20240301128000000_-_1"));
    assert!(invalid[0].reason.contains("minute is past 59"));
    assert_eq!(
        report.records, 2,
        "the file with the bad name is still read"
    );

    // With no real time at all there is no data age, never the bare digits.
    let only_bad = tempfile::tempdir().unwrap();
    put(
        only_bad.path(),
        &format!("{id}_-_ADT-00_999999999999999_20240301128000000_-_1"),
        &jis(&adt00(id)),
    );
    let storage = Storage::scan([StorageRoot::new(
        FacilityId::new(FACILITY_A),
        only_bad.path(),
    )]);
    assert_eq!(check(&storage, |_| {}).facilities[0].data_as_of, None);
}
