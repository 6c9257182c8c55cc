//! Golden tests: every NHO sample file (guide Appendix A) decoded, parsed and mapped, its items and
//! issues rendered to `tests/golden/nho/<patient>/<data type>_<flag>.txt`. After an intended change,
//! rewrite the expectations with `UPDATE_EXPECT=1 cargo test -p fieldchart-reader --test map_nho_golden`.
//!
//! The explicit tests below pin the facts a clinician would check first, so a careless golden update
//! cannot hide a regression in them.

use std::path::{Path, PathBuf};

use fieldchart_hl7::{Message, decode};
use fieldchart_reader::map::{MapSeverity, MappedMessage, map_message};
use fieldchart_reader::model::{AllergySegment, Item, MedicationKind, ObservationKind, Sex};
use serde_json::Value;

/// A sample file and the folders it sits in.
struct Sample {
    path: PathBuf,
    patient: String,
    data_type: String,
    flag: String,
}

/// Every file of the sample tree: `<hash>/<hash>/<patient>/<date>/<data type>/<file>`.
fn samples() -> Vec<Sample> {
    let mut found = Vec::new();
    let root = fieldchart_samples::nho();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable sample folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel: Vec<String> = path
                .strip_prefix(&root)
                .expect("under the sample root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            assert_eq!(rel.len(), 6, "unexpected depth: {}", path.display());
            let name = &rel[5];
            found.push(Sample {
                patient: rel[2].clone(),
                data_type: rel[4].clone(),
                flag: name.rsplit('_').next().unwrap_or_default().to_string(),
                path,
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn map_file(path: &Path, data_type: &str) -> MappedMessage {
    let bytes = std::fs::read(path).expect("readable sample");
    let (message, _) = Message::parse(decode(&bytes).text);
    map_message(data_type, &message)
}

fn map_sample(patient: &str, data_type: &str) -> MappedMessage {
    let sample = samples()
        .into_iter()
        .find(|s| s.patient == patient && s.data_type == data_type && s.flag == "1")
        .unwrap_or_else(|| panic!("no sample {patient} {data_type}"));
    map_file(&sample.path, data_type)
}

#[test]
fn every_nho_sample_maps_to_its_golden_rendering() {
    let samples = samples();
    assert_eq!(samples.len(), 22, "the NHO tree holds 22 files");
    for s in &samples {
        let mapped = map_file(&s.path, &s.data_type);
        let golden = format!("golden/nho/{}/{}_{}.txt", s.patient, s.data_type, s.flag);
        expect_test::expect_file![golden].assert_eq(&render(&mapped));
    }
}

#[test]
fn every_decodable_nho_sample_maps_without_errors() {
    for s in samples() {
        let mapped = map_file(&s.path, &s.data_type);
        let broken = s.data_type == "ADT-31"; // the 2-byte garbage file, a deliberate negative case
        let errors = mapped
            .issues
            .iter()
            .filter(|i| i.severity == MapSeverity::Error)
            .count();
        assert_eq!(errors, usize::from(broken), "{}", s.path.display());
        assert_eq!(mapped.items.is_empty(), broken, "{}", s.path.display());
    }
}

#[test]
fn adt00_patient_names_are_chosen_by_representation_and_decode_exactly() {
    let mapped = map_sample("9999013", "ADT-00");
    let Some(Item::Patient(p)) = mapped.items.first() else {
        panic!("ADT-00 begins with the patient: {:?}", mapped.items);
    };
    assert_eq!(p.name_kanji.as_ref().unwrap().full, "患者 太郎");
    assert_eq!(p.name_kana.as_ref().unwrap().full, "カンジャ タロウ");
    assert_eq!(p.sex, Sex::Male);
    assert_eq!(p.birth_date.as_ref().unwrap().raw, "19480405");
    // JIS 0x215D decodes to U+FF0D FULLWIDTH HYPHEN-MINUS (WHATWG jis0208 index, which encoding_rs
    // follows), not U+2212 as some other decoders give; search must fold both.
    assert_eq!(
        p.addresses[0].text,
        "静岡県静岡市登呂１\u{FF0D}３\u{FF0D}５"
    );
    assert_eq!(p.addresses[0].postcode.as_deref(), Some("422-8033"));
    let numbers: Vec<_> = p.phones.iter().map(|ph| ph.number.as_str()).collect();
    assert_eq!(numbers, ["054-000-0000", "03-5999-9999", "03-3599-9993"]);
    assert_eq!(mapped.patient_id.as_deref(), Some("9999013"));
    assert_eq!(mapped.care_date, None);
    // NK1: the contact (here the patient himself, SEL) with both of his numbers.
    let [contact] = &p.contacts[..] else {
        panic!("one NK1: {:?}", p.contacts);
    };
    assert_eq!(
        contact.relationship.as_ref().unwrap().code.as_deref(),
        Some("SEL")
    );
    assert_eq!(contact.phones.len(), 2);
}

#[test]
fn adt00_has_the_penicillin_allergy_and_body_measurements() {
    let mapped = map_sample("9999013", "ADT-00");
    let allergies: Vec<_> = mapped
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Allergy(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(allergies.len(), 1);
    assert_eq!(allergies[0].segment, AllergySegment::Al1);
    assert_eq!(allergies[0].allergen.text.as_deref(), Some("ペニシリン"));
    assert_eq!(
        allergies[0].category.as_ref().unwrap().code.as_deref(),
        Some("DA")
    );
    let body: Vec<_> = mapped
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Observation(o) if o.kind == ObservationKind::Body => {
                Some((o.item.text.as_deref(), o.value.as_deref()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        body,
        [
            (Some("身長"), Some("167.8")),
            (Some("体重"), Some("63.5")),
            (Some("血液型-ABO式"), Some("A"))
        ]
    );
}

#[test]
fn adt61_has_four_iam_allergies_with_partial_and_worded_onsets() {
    let mapped = map_sample("9999013", "ADT-61");
    let allergies: Vec<_> = mapped
        .items
        .iter()
        .map(|i| match i {
            Item::Allergy(a) => a,
            other => panic!("ADT-61 holds only allergies, not {other:?}"),
        })
        .collect();
    assert_eq!(allergies.len(), 4);
    assert!(
        allergies
            .iter()
            .all(|a| a.segment == AllergySegment::Iam && a.is_active())
    );
    assert_eq!(allergies[0].allergen.text.as_deref(), Some("スギ"));
    assert_eq!(allergies[0].onset.as_ref().unwrap().raw, "199601");
    assert_eq!(allergies[0].action.as_deref(), Some("A"));
    assert_eq!(allergies[1].onset, None);
    assert_eq!(allergies[1].onset_text.as_deref(), Some("小学校低学年の頃"));
    assert_eq!(allergies[3].allergen.system.as_deref(), Some("HOT9"));
}

#[test]
fn ppr01_has_gastritis_k297_as_main_diagnosis() {
    let mapped = map_sample("9999013", "PPR-01");
    let [Item::Problem(p)] = &mapped.items[..] else {
        panic!("one problem: {:?}", mapped.items);
    };
    assert_eq!(p.diagnosis.text.as_deref(), Some("胃炎"));
    assert_eq!(p.diagnosis.code.as_deref(), Some("20054174"));
    assert_eq!(p.icd10.as_deref(), Some("K297"));
    assert!(p.main);
    assert!(!p.suspected);
    assert_eq!(p.exchange_code.as_deref(), Some("TSQF"));
    // PRB-9 holds a date and PRB-14 says the gastritis is not recovering: both are kept, so the
    // snapshot can list it with its outcome rather than as resolved.
    assert_eq!(p.resolved.as_ref().unwrap().raw, "20110915");
    let outcome = p.outcome.as_ref().unwrap();
    assert_eq!(
        (
            outcome.code.as_deref(),
            outcome.text.as_deref(),
            outcome.system.as_deref()
        ),
        (Some("N"), Some("回復せず"), Some("HL70241"))
    );
    assert!(!p.is_deleted());
    assert_eq!(p.department.as_ref().unwrap().text.as_deref(), Some("内科"));
    let doctor = p.doctor.as_ref().unwrap();
    assert_eq!(doctor.name.as_ref().unwrap().full, "医師 一郎");
}

#[test]
fn omp01_darzen_is_prescribed_for_five_days() {
    let mapped = map_sample("9999013", "OMP-01");
    let orders: Vec<_> = mapped
        .items
        .iter()
        .filter_map(|i| match i {
            Item::MedicationOrder(o) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(orders.len(), 3);
    let darzen = orders[0];
    assert_eq!(darzen.kind, Some(MedicationKind::Prescription));
    assert_eq!(
        darzen.drugs[0].code.text.as_deref(),
        Some("ダーゼン錠（５mg)")
    );
    assert_eq!(darzen.days, Some(5));
    assert_eq!(
        darzen.usage.as_ref().unwrap().text.as_deref(),
        Some("内服・経口・１日３回朝昼夕食後")
    );
    assert_eq!(orders[2].days, Some(14));
}

#[test]
fn omp02_injection_has_solita_base_and_adona_additive() {
    let mapped = map_sample("9999013", "OMP-02");
    let Some(Item::MedicationOrder(o)) = mapped.items.first() else {
        panic!("an order: {:?}", mapped.items);
    };
    assert_eq!(o.kind, Some(MedicationKind::Injection));
    assert_eq!(
        o.injection_type.as_ref().unwrap().text.as_deref(),
        Some("一般")
    );
    let drugs: Vec<_> = o
        .drugs
        .iter()
        .map(|d| (d.role.as_deref(), d.code.text.as_deref()))
        .collect();
    assert_eq!(
        drugs,
        [
            (Some("B"), Some("ソリタ\u{FF0D}Ｔ３号輸液５００ｍＬ")),
            (Some("A"), Some("アドナ注（静脈用）50mg"))
        ]
    );
}

#[test]
fn oml11_total_protein_is_7_2_with_its_range() {
    let mapped = map_sample("9999013", "OML-11");
    let tp = mapped
        .items
        .iter()
        .find_map(|i| match i {
            Item::Observation(o) if o.item.text.as_deref() == Some("総蛋白") => Some(o),
            _ => None,
        })
        .expect("総蛋白");
    assert_eq!(tp.value.as_deref(), Some("7.2"));
    assert_eq!(tp.unit.as_ref().unwrap().code.as_deref(), Some("g/dl"));
    assert_eq!(tp.range.as_deref(), Some("6.70-8.3"));
    assert_eq!(tp.specimen.as_ref().unwrap().text.as_deref(), Some("血清"));
    assert_eq!(tp.order_no.as_deref(), Some("000000011000354"));
    assert_eq!(tp.observed_at.as_ref().unwrap().raw, "201112191500");
}

// ---- rendering ----------------------------------------------------------------------------------

/// A compact, stable text rendering: one key per line, nested objects indented, empty values left out,
/// coded values inline as `code^text^system^alt_code^alt_text^alt_system`, times as written.
fn render(mapped: &MappedMessage) -> String {
    let mut out = String::new();
    out.push_str(&format!("message_type: {}\n", mapped.message_type));
    out.push_str(&format!("is_cancel: {}\n", mapped.is_cancel));
    out.push_str(&format!(
        "patient_id: {}\n",
        mapped.patient_id.as_deref().unwrap_or("-")
    ));
    let care_date = serde_json::to_value(&mapped.care_date).expect("serializable");
    out.push_str(&format!(
        "care_date: {}\n",
        inline(&care_date).unwrap_or("-".into())
    ));
    out.push_str("items:\n");
    for item in &mapped.items {
        let v = serde_json::to_value(item).expect("serializable");
        let kind = v.get("type").and_then(Value::as_str).unwrap_or("?");
        out.push_str(&format!("- {kind}\n"));
        object(&v, 1, &mut out);
    }
    out.push_str("issues:\n");
    for issue in &mapped.issues {
        let severity = match issue.severity {
            MapSeverity::Error => "error",
            MapSeverity::Warning => "warning",
        };
        out.push_str(&format!(
            "- {severity} {}: {}\n",
            issue.code.as_str(),
            issue.message
        ));
    }
    out
}

const CODED_KEYS: [&str; 6] = [
    "code",
    "text",
    "system",
    "alt_code",
    "alt_text",
    "alt_system",
];

/// The one-line form of times, coded values, names and scalars; None for other objects and arrays.
fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.replace('\n', "\\n")),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) if o.contains_key("raw") && o.contains_key("precision") => {
            let raw = o.get("raw").and_then(Value::as_str).unwrap_or_default();
            let readable = o.get("start").is_some_and(|s| !s.is_null());
            Some(if readable {
                raw.to_string()
            } else {
                format!("{raw} (not a time)")
            })
        }
        Value::Object(o) if o.len() == 6 && CODED_KEYS.iter().all(|k| o.contains_key(*k)) => {
            let parts: Vec<&str> = CODED_KEYS
                .iter()
                .map(|k| o.get(*k).and_then(Value::as_str).unwrap_or_default())
                .collect();
            let last = parts
                .iter()
                .rposition(|p| !p.is_empty())
                .map_or(0, |i| i + 1);
            Some(parts[..last].join("^"))
        }
        Value::Object(o) if o.contains_key("full") && o.contains_key("representation") => {
            let full = o.get("full").and_then(Value::as_str).unwrap_or_default();
            Some(match o.get("representation").and_then(Value::as_str) {
                Some(r) => format!("{full} [{r}]"),
                None => full.to_string(),
            })
        }
        _ => None,
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn object(v: &Value, depth: usize, out: &mut String) {
    let Value::Object(o) = v else {
        return;
    };
    let pad = "  ".repeat(depth);
    for (key, value) in o {
        if key == "type" && depth == 1 || is_empty(value) {
            continue;
        }
        if let Some(line) = inline(value) {
            out.push_str(&format!("{pad}{key}: {line}\n"));
            continue;
        }
        match value {
            Value::Array(items) => {
                out.push_str(&format!("{pad}{key}:\n"));
                for item in items {
                    match inline(item) {
                        Some(line) => out.push_str(&format!("{pad}- {line}\n")),
                        None => {
                            out.push_str(&format!("{pad}-\n"));
                            object(item, depth + 1, out);
                        }
                    }
                }
            }
            _ => {
                out.push_str(&format!("{pad}{key}:\n"));
                object(value, depth + 1, out);
            }
        }
    }
}
