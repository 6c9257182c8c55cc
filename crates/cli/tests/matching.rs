//! End-to-end: `fieldchart bench match` on a small region with matching traps meets the goals of
//! issue 15 §4 (recall ≥ 99% over the pairs that are one person, no twin pair suggested, no
//! suggestion across a differing date of birth or sex), and what it suggests is what a snapshot
//! build of the same region counts. Correctness, not time: nothing here is timed.

mod common;

use serde_json::Value;

use common::{fieldchart, ok, run};

#[test]
fn probable_matching_finds_the_traps_pairs_and_suggests_no_twin_and_no_look_alike() {
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("bench");
    let (code, stdout, stderr) = fieldchart(&[
        "bench",
        "match",
        "--patients",
        "300",
        "--facilities",
        "2",
        "--traps",
        "70",
        "--runs",
        "1",
        "--dir",
        bench.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();

    for kind in [
        "kana-spelling",
        "variant-kanji",
        "name-spacing",
        "married-name",
        "twins",
        "dob-differs",
        "sex-differs",
    ] {
        assert_eq!(report["kinds"][kind]["cases"], 10, "{kind}");
    }
    for part in ["probable", "weaker", "all"] {
        let recall = report["recall"][part]["recall"].as_f64().unwrap();
        assert!(
            recall >= 0.99,
            "{part} recall {recall}; missed: {:#}",
            report["missed"]
        );
    }
    assert_eq!(report["recall"]["all"]["expected"], 40);
    assert_eq!(
        report["false_suggestions"]["twins"], 0,
        "{:#}",
        report["false_examples"]
    );
    assert_eq!(
        report["across_dob_or_sex"], 0,
        "{:#}",
        report["false_examples"]
    );
    assert_eq!(report["false_suggestions"]["dob_differs"], 0);
    assert_eq!(report["false_suggestions"]["sex_differs"], 0);
    assert_eq!(report["goals"]["all_met"], true, "{:#}", report["goals"]);
    assert_eq!(report["era_dates_read_back"], report["era_dates_checked"]);
    assert_eq!(report["era_dates_checked"], 140);

    // The same region through `snapshot build --xref`: its summary counts what the bench found.
    let region = report["region"].as_str().unwrap();
    let keys = dir.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let device = keys.join("device.key");
    let signing = keys.join("signing.key");
    let audit = keys.join("audit.key");
    let recipient = ok(&run(&["keys", "device", "--out", device.to_str().unwrap()]));
    ok(&run(&[
        "keys",
        "signing",
        "--out",
        signing.to_str().unwrap(),
    ]));
    let audit_recipient = ok(&run(&["keys", "device", "--out", audit.to_str().unwrap()]));
    let xref = format!("{region}/pix-xref.tsv");
    let snapshot = dir.path().join("traps.fcs");
    let built: Value = serde_json::from_str(&ok(&run(&[
        "snapshot",
        "build",
        "--region",
        region,
        "--xref",
        &xref,
        "--out",
        snapshot.to_str().unwrap(),
        "--recipient",
        recipient.trim(),
        "--signing-key",
        signing.to_str().unwrap(),
        "--audit-recipient",
        audit_recipient.trim(),
        "--scrypt-log-n",
        "10",
        "--json",
    ])))
    .unwrap();
    assert_eq!(
        built["probable_matches"], report["by_facility_pair"],
        "the bench and the build disagree"
    );
}
