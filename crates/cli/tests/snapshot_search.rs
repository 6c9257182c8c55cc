//! `fieldchart search` and `fieldchart record` on a built snapshot: every search form of SRCH-1 to
//! SRCH-4 and the record's summary rules, through the real binary.

mod common;

use common::{FIXTURE_FACILITY, fixture, ok};
use serde_json::Value;

fn search(query: &[&str]) -> Vec<Value> {
    let f = fixture();
    let mut rest = vec!["--json"];
    rest.extend_from_slice(query);
    let out: Value =
        serde_json::from_str(&ok(&f.view(&f.snapshot, &f.doctor(), "search", &rest))).unwrap();
    out["results"].as_array().unwrap().clone()
}

fn ids(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["facility"].as_str().unwrap(),
                r["patient_id"].as_str().unwrap()
            )
        })
        .collect()
}

fn top(query: &[&str]) -> String {
    ids(&search(query)).into_iter().next().unwrap_or_default()
}

fn person(id: &str) -> String {
    format!("{FIXTURE_FACILITY}:{id}")
}

/// 山田 花子 at the first facility (the drill persona); she is also registered at the second.
const YAMADA_1: &str = "0410610011:0010000000";

fn yamada_results(query: &[&str]) -> Vec<Value> {
    search(query)
        .into_iter()
        .filter(|r| r["name_kanji"] == "山田 花子" && r["dob"] == "1970-03-12")
        .collect()
}

#[test]
fn kanji_name_finds_both_registrations_as_two_patients_never_merged() {
    let found = yamada_results(&["山田", "花子"]);
    assert_eq!(found.len(), 2, "{found:?}");
    let facilities: Vec<&str> = found
        .iter()
        .map(|r| r["facility"].as_str().unwrap())
        .collect();
    assert_ne!(facilities[0], facilities[1]);
    assert!(ids(&found).contains(&YAMADA_1.to_string()));
}

#[test]
fn katakana_hiragana_and_half_width_kana_are_interchangeable() {
    for q in [
        &["ヤマダ", "ハナコ"][..],
        &["やまだ", "はなこ"],
        &["ﾔﾏﾀﾞ", "ﾊﾅｺ"],
        &["やまだはなこ"],
    ] {
        assert_eq!(yamada_results(q).len(), 2, "{q:?}");
    }
}

#[test]
fn voiced_and_small_kana_and_long_vowels_are_tolerated() {
    assert_eq!(yamada_results(&["やまた", "はなこ"]).len(), 2);
    // ショウタ typed as しょた and as しようた.
    assert_eq!(top(&["おおの", "しょた"]), person("9000000005"));
    assert_eq!(top(&["おの", "しようた"]), person("9000000005"));
}

#[test]
fn romaji_in_hepburn_and_kunrei_spelling_finds_the_same_patient() {
    assert_eq!(yamada_results(&["yamada", "hanako"]).len(), 2);
    assert_eq!(yamada_results(&["YAMADA", "HANAKO"]).len(), 2);
    for q in [
        &["nakajima", "chizuru"][..],
        &["nakazima", "tizuru"],
        &["Nakajima", "Chiduru"],
    ] {
        assert_eq!(top(q), person("9000000006"), "{q:?}");
    }
    for q in [
        &["oono", "shouta"][..],
        &["ohno", "shota"],
        &["ōno", "syouta"],
    ] {
        assert_eq!(top(q), person("9000000005"), "{q:?}");
    }
}

#[test]
fn variant_kanji_match_in_either_direction() {
    // Stored 髙橋, searched 高橋; stored 高橋, searched 髙橋.
    assert_eq!(top(&["高橋", "一郎"]), person("9000000001"));
    assert_eq!(top(&["髙橋", "花"]), person("9000000008"));
    for q in ["齋藤 茂", "斎藤 茂", "齊藤 茂", "斉藤 茂"] {
        assert_eq!(top(&[q]), person("9000000002"), "{q}");
    }
    for q in ["渡辺 秀樹", "渡邊 秀樹", "渡邉 秀樹"] {
        assert_eq!(top(&[q]), person("9000000003"), "{q}");
    }
    assert_eq!(top(&["浜田", "まさ子"]), person("9000000004"));
    assert_eq!(top(&["桜井", "崎子"]), person("9000000007"));
}

#[test]
fn every_date_of_birth_form_finds_the_same_person() {
    for form in [
        "1970-03-12",
        "19700312",
        "1970/3/12",
        "S45.3.12",
        "S45/3/12",
        "s45.3.12",
        "昭和45年3月12日",
        "１９７０－０３－１２",
    ] {
        let results = search(&[form]);
        assert!(
            ids(&results).contains(&YAMADA_1.to_string()),
            "{form}: {results:?}"
        );
        assert!(
            results.iter().all(|r| r["dob"] == "1970-03-12"),
            "{form} matched another birthday"
        );
    }
}

#[test]
fn every_era_letter_reads_as_its_era() {
    assert_eq!(top(&["M45.5.1"]), person("9000000001"));
    assert_eq!(top(&["明治45年5月1日"]), person("9000000001"));
    assert_eq!(top(&["T10.2.3"]), person("9000000002"));
    assert_eq!(top(&["H2.4.5"]), person("9000000003"));
    assert_eq!(top(&["R2.6.7"]), person("9000000004"));
    assert_eq!(top(&["令和2年6月7日"]), person("9000000004"));
}

#[test]
fn a_year_alone_narrows_the_search() {
    let all = search(&["やまだ"]);
    let narrowed = search(&["やまだ", "S45"]);
    assert!(narrowed.len() < all.len() || all.len() == narrowed.len() && all.len() == 2);
    assert!(
        narrowed
            .iter()
            .all(|r| r["dob"].as_str().unwrap().starts_with("1970"))
    );
    assert_eq!(yamada_results(&["やまだ", "1970"]).len(), 2);
}

#[test]
fn the_combined_query_puts_the_persona_first() {
    let results = search(&["やまだ", "S45", "女"]);
    assert!(!results.is_empty());
    assert_eq!(results[0]["name_kanji"], "山田 花子");
    assert!(results.iter().all(|r| r["sex"] == "female"));
    let matched = results[0]["matched"].as_array().unwrap();
    let fields: Vec<&str> = matched
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name_kana", "dob", "sex"]);
}

#[test]
fn sex_filters_results() {
    assert_eq!(yamada_results(&["山田", "花子", "女"]).len(), 2);
    assert!(yamada_results(&["山田", "花子", "男"]).is_empty());
    assert!(yamada_results(&["山田", "花子", "M"]).is_empty());
}

#[test]
fn an_address_fragment_a_phone_number_and_a_patient_id_find_the_patient() {
    assert_eq!(top(&["丸の内"]), person("9000000001"));
    assert_eq!(top(&["090-1234-5678"]), person("9000000001"));
    assert_eq!(top(&["09012345678"]), person("9000000001"));
    assert_eq!(top(&["9000000001"]), person("9000000001"));
    assert!(
        yamada_results(&["石巻市中央", "やまだ"])
            .iter()
            .any(|r| ids(std::slice::from_ref(r))[0] == YAMADA_1)
    );
}

#[test]
fn a_patient_id_finds_only_that_facility_s_patient() {
    let results = search(&["0010000000"]);
    assert_eq!(ids(&results), [YAMADA_1]);
}

#[test]
fn results_carry_what_a_clinician_confirms_identity_with() {
    let r = &search(&["S45.3.12", "やまだ"])[0];
    for key in [
        "facility",
        "patient_id",
        "name_kanji",
        "name_kana",
        "dob",
        "sex",
        "address",
        "last_contact",
        "score",
        "matched",
    ] {
        assert!(r.get(key).is_some(), "{key} missing in {r}");
    }
    assert_eq!(r["name_kana"], "ヤマダ ハナコ");
    assert_eq!(r["dob_wareki"], "S45.3.12");
    assert!(r["age"].as_u64().unwrap() >= 56);
    assert!(r["address"].as_str().unwrap().contains("石巻市"));
}

#[test]
fn clinical_words_find_the_patient_and_the_item_that_matched() {
    for (word, section) in [
        ("ワーファリン", "medication"),
        ("心房細動", "problem"),
        ("PT-INR", "lab"),
        ("避難", "document"),
    ] {
        let results = yamada_results(&[word]);
        assert!(!results.is_empty(), "{word} found no 山田 花子");
        let m = &results[0]["matched"][0];
        assert_eq!(m["field"], "clinical", "{word}: {m}");
        assert_eq!(m["item"]["section"], section, "{word}: {m}");
        let id = results[0]["patient_id"].as_str().unwrap();
        assert!(
            m["item"]["source"]["path"].as_str().unwrap().contains(id),
            "{m}"
        );
    }
}

#[test]
fn a_name_and_a_drug_together_narrow_to_the_patient_on_it() {
    let results = search(&["やまだ", "ワーファリン"]);
    assert!(
        results
            .iter()
            .all(|r| r["name_kana"].as_str().unwrap().starts_with("ヤマダ"))
    );
    assert!(!results.is_empty());
}

#[test]
fn no_match_is_an_empty_list_not_an_error() {
    assert!(search(&["存在しない名前ゾゾゾ"]).is_empty());
}

fn record(patient: &str) -> Value {
    let f = fixture();
    let rest = ["--patient", patient, "--basis", "vital-interest", "--json"];
    serde_json::from_str(&ok(&f.view(&f.snapshot, &f.doctor(), "record", &rest))).unwrap()
}

#[test]
fn the_record_of_the_persona_flags_warfarin_and_the_severe_penicillin_allergy() {
    let r = record(YAMADA_1);
    assert_eq!(r["patient"]["name_kanji"], "山田 花子");
    let flags: Vec<(&str, &str)> = r["summary"]["critical_flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["class"].as_str().unwrap(), f["reason"].as_str().unwrap()))
        .collect();
    assert!(
        flags
            .iter()
            .any(|(c, d)| *c == "anticoagulant" && d.contains("ワーファリン")),
        "{flags:?}"
    );
    assert!(
        flags.iter().any(|(c, _)| *c == "severe_drug_allergy"),
        "{flags:?}"
    );
    // Every flag has its item's date; the anticoagulant also says how much (the product name
    // 「ワーファリン錠1mg」 alone reads as the dose).
    for f in r["summary"]["critical_flags"].as_array().unwrap() {
        assert!(f["at"].is_string(), "{f}");
    }
    let warfarin = r["summary"]["critical_flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["class"] == "anticoagulant")
        .unwrap();
    assert!(
        warfarin["dose"].as_str().is_some_and(|d| d.contains('錠')),
        "{warfarin}"
    );
    let meds = r["summary"]["medications"].as_array().unwrap();
    assert!(
        meds.iter()
            .any(|m| m["label"].as_str().unwrap().contains("ワーファリン"))
    );
    assert!(
        !r["summary"]["contraindications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(r["data_as_of"]["facility_data_as_of"].is_string());
}

#[test]
fn every_record_item_carries_its_facility_and_file_path() {
    let r = record(YAMADA_1);
    for part in ["summary", "history"] {
        for (name, items) in r[part].as_object().unwrap() {
            if name == "critical_flags" {
                continue;
            }
            for item in items.as_array().unwrap() {
                assert_eq!(item["source"]["facility"], "0410610011", "{name}");
                assert!(
                    !item["source"]["path"].as_str().unwrap().is_empty(),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn an_unknown_patient_is_a_clear_error() {
    let f = fixture();
    let out = f.view(
        &f.snapshot,
        &f.doctor(),
        "record",
        &["--patient", "0410610011:nobody"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no patient nobody"));
}

/// The first patient (facility, ID) of the fixture's region whose standardized storage holds a
/// file of `data_type`, by the storage layout: `<facility>/standard/<3>/<3>/<ID>/<date>/<type>/…`.
fn patient_with(data_type: &str) -> Option<String> {
    let f = fixture();
    let mut facilities: Vec<_> = std::fs::read_dir(&f.region)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("standard").is_dir())
        .collect();
    facilities.sort_by_key(|e| e.file_name());
    for facility in facilities {
        let mut stack = vec![facility.path().join("standard")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().filter_map(Result::ok) {
                let path = entry.path();
                if !path.is_dir() {
                    continue;
                }
                if entry.file_name() == data_type {
                    let id = path.parent()?.parent()?.file_name()?.to_str()?.to_string();
                    let code = facility.file_name().to_str()?.to_string();
                    return Some(format!("{code}:{id}"));
                }
                stack.push(path);
            }
        }
    }
    None
}

#[test]
fn diet_and_lab_orders_in_storage_are_in_the_record_history() {
    for (data_type, list) in [("OMD", "diet"), ("OML-01", "lab_orders")] {
        let patient = patient_with(data_type)
            .unwrap_or_else(|| panic!("the fixture region holds no {data_type} file"));
        let r = record(&patient);
        let items = r["history"][list].as_array().unwrap();
        assert!(
            !items.is_empty(),
            "{patient}: no {list} in {}",
            r["history"]
        );
        assert!(
            items
                .iter()
                .any(|i| i["source"]["path"].as_str().unwrap().contains(data_type)),
            "{patient}: {list} items do not come from {data_type} files: {items:?}"
        );
    }
}

#[test]
fn an_injection_mixture_shows_each_component_with_its_amount_and_its_device() {
    let patient = patient_with("OMP-02").expect("the fixture region holds no OMP-02 file");
    let r = record(&patient);
    let injections: Vec<&Value> = r["history"]["medications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["section"] == "medication" && m["kind"] == "injection")
        .collect();
    assert!(!injections.is_empty(), "{patient}: {}", r["history"]);
    for m in &injections {
        for d in m["drugs"].as_array().unwrap() {
            assert!(d["amount"].is_string(), "RXC-3/-4 lost: {d}");
            assert!(d["role"].is_string(), "RXC-1 lost: {d}");
        }
        assert!(m["device"].is_string(), "RXR-3 lost: {m}");
        let label = m["label"].as_str().unwrap();
        let amount = m["drugs"][0]["amount"].as_str().unwrap();
        assert!(label.contains(amount), "{label} lacks {amount}");
    }
}

#[test]
fn the_next_of_kin_are_in_the_record_and_its_text() {
    let f = fixture();
    let r = record(YAMADA_1);
    let contacts = r["patient"]["contacts"].as_array().expect("contacts");
    assert!(!contacts.is_empty(), "{}", r["patient"]);
    let name = contacts[0]["name"].as_str().unwrap();
    let rest = ["--patient", YAMADA_1, "--basis", "vital-interest"];
    let text = ok(&f.view(&f.snapshot, &f.doctor(), "record", &rest));
    assert!(
        text.lines()
            .any(|l| l.starts_with("next of kin: ") && l.contains(name)),
        "{text}"
    );
}
