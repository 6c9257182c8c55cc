//! End-to-end: a region written by `fieldchart demo-data` reads back through `fieldchart check` with
//! no problem, and the counts after condition-flag resolution are exactly what the generator says it
//! wrote (`region.json`). The generator and the reader share no code, so each checks the other.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

mod common;
use common::fieldchart;

fn demo(dir: &Path, seed: &str) {
    let (code, _, stderr) = fieldchart(&[
        "demo-data",
        "--patients",
        "300",
        "--facilities",
        "3",
        "--seed",
        seed,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: generates and reads back whole regions; set FIELDCHART_HEAVY_TESTS=1"
)]
fn generated_region_reads_back_exactly_as_the_generator_wrote_it() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("region");
    demo(&region, "11");
    let (code, stdout, stderr) =
        fieldchart(&["check", "--region", region.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(region.join("region.json")).unwrap())
            .unwrap();

    assert_eq!(
        report["errors"].as_array().unwrap().len(),
        0,
        "{}",
        report["errors"]
    );
    assert_eq!(
        report["warnings"].as_array().unwrap().len(),
        0,
        "{}",
        report["warnings"]
    );
    assert_eq!(report["files"], truth["files"]);
    assert_eq!(report["files"], report["records"]);
    assert_eq!(report["patients"], truth["patients"]);
    assert!(report["encodings"]["iso-2022-jp"].as_u64().unwrap() > 0);

    // Current logical records per data type, summed over the facilities.
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut superseded = 0;
    let mut deleted = 0;
    let mut cancelled = 0;
    for facility in truth["facilities"].as_array().unwrap() {
        for part in ["standard", "extended"] {
            for (data_type, counts) in facility[part].as_object().unwrap() {
                let current = counts["records"]["current"].as_u64().unwrap();
                if current > 0 {
                    *expected.entry(data_type.clone()).or_default() += current;
                }
                superseded += counts["outcomes"]["superseded"].as_u64().unwrap();
                deleted += counts["outcomes"]["deleted"].as_u64().unwrap();
                cancelled += counts["outcomes"]["cancelled"].as_u64().unwrap();
            }
        }
    }
    let by_type: BTreeMap<String, u64> = report["by_type"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    assert_eq!(by_type, expected);
    assert_eq!(report["superseded"], superseded);
    assert_eq!(report["deleted"], deleted);
    assert_eq!(report["cancelled"], cancelled);
    assert!(
        deleted > 0 && cancelled > 0 && superseded > 0,
        "the region exercises every flag"
    );
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: generates and reads back whole regions; set FIELDCHART_HEAVY_TESTS=1"
)]
fn same_seed_same_region_different_seed_different_region() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    demo(&a, "5");
    demo(&b, "5");
    demo(&c, "6");
    let listing = |p: &Path| {
        let mut files = Vec::new();
        let mut stack = vec![p.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    let rel = e.path().strip_prefix(p).unwrap().to_path_buf();
                    files.push((rel, std::fs::read(e.path()).unwrap()));
                }
            }
        }
        files.sort();
        files
    };
    assert!(listing(&a) == listing(&b), "same seed, same bytes");
    assert!(listing(&a) != listing(&c), "another seed, another region");
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: generates and reads back whole regions; set FIELDCHART_HEAVY_TESTS=1"
)]
fn drill_persona_is_found_with_her_allergy_and_anticoagulant() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("region");
    demo(&region, "3");
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(region.join("region.json")).unwrap())
            .unwrap();
    let persona = &truth["personas"][0];
    assert_eq!(persona["kanji_name"], "山田 花子");
    let facility = persona["facility"].as_str().unwrap();
    let id = persona["patient_id"].as_str().unwrap();
    let adt00 = region
        .join(facility)
        .join("standard")
        .join(&id[..3])
        .join(&id[3..6])
        .join(id)
        .join("-")
        .join("ADT-00");
    let file = std::fs::read_dir(&adt00)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_str().unwrap().ends_with("_1"))
        .expect("a current ADT-00");
    let (code, stdout, _) = fieldchart(&["inspect", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("山田 花子"), "{stdout}");
    assert!(stdout.contains("ヤマダ ハナコ"), "{stdout}");
    assert!(stdout.contains("ペニシリン"), "{stdout}");

    // Her current prescriptions include warfarin.
    let patient_dir = adt00.parent().unwrap().parent().unwrap();
    let mut found_warfarin = false;
    for date in std::fs::read_dir(patient_dir).unwrap() {
        let omp01 = date.unwrap().path().join("OMP-01");
        let Ok(files) = std::fs::read_dir(&omp01) else {
            continue;
        };
        for f in files {
            let f = f.unwrap().path();
            if !f.to_str().unwrap().ends_with("_1") {
                continue;
            }
            let (_, stdout, _) = fieldchart(&["inspect", f.to_str().unwrap()]);
            found_warfarin |= stdout.contains("ワーファリン");
        }
    }
    assert!(found_warfarin, "a current warfarin prescription");
}
