//! `fieldchart search` is bounded on every side: the words of a query, the number of results asked
//! for, and the number of patients one search may list (the policy's `session.max_results`). A
//! search that matches more lists nobody and asks to narrow it, for every profession, and the audit
//! says so.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{fixture, ok};
use serde_json::Value;

/// The clerk code of the drill policy (scripts/drill/policy.toml; not secret).
const CLERK_CODE: &str = "DRILL-0000";

/// A snapshot of the fixture's region signed with the drill policy, its maximum set to 3 results.
fn small_max() -> &'static PathBuf {
    static SNAPSHOT: OnceLock<PathBuf> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        let f = fixture();
        let drill = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/drill/policy.toml"),
        )
        .unwrap();
        assert!(
            drill.contains("max_results = 100"),
            "the drill policy sets the maximum"
        );
        let policy = f.dir.join("max3.toml");
        std::fs::write(
            &policy,
            drill.replace("max_results = 100", "max_results = 3"),
        )
        .unwrap();
        let out = f.dir.join("max3.fcs");
        f.build(&out, &["--policy", policy.to_str().unwrap()]);
        out
    })
}

fn clerk(log: &Path) -> Vec<String> {
    let mut who = fixture().viewer("事務・その他");
    let at = who.iter().position(|a| a == "--audit-log").unwrap();
    who[at + 1] = log.to_str().unwrap().to_string();
    who.extend(["--auth-code".to_string(), CLERK_CODE.to_string()]);
    who
}

fn log_for(name: &str) -> PathBuf {
    let dir = fixture().dir.join("bounds").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("audit.log")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_clerk_searching_a_sex_letter_is_listed_nobody_and_asked_to_narrow() {
    let f = fixture();
    let log = log_for("clerk-m");
    let out = f.view(small_max(), &clerk(&log), "search", &["M"]);
    let text = ok(&out);
    assert!(text.contains("more than 3 patients match"), "{text}");
    assert!(text.contains("Narrow the search"), "{text}");
    assert!(
        !text.contains("0410610011:") && !text.contains("0410710387:"),
        "no identity is listed: {text}"
    );

    let json: Value = serde_json::from_str(&ok(&f.view(
        small_max(),
        &clerk(&log),
        "search",
        &["--json", "M"],
    )))
    .unwrap();
    assert_eq!(json["results"], serde_json::json!([]));
    assert_eq!(
        json["breadth"],
        serde_json::json!({"kind": "too-broad", "more_than": 3})
    );

    // The audit entry records the search, that it listed nobody, and that it was too broad.
    let searches: Vec<Value> = f.fhir(&log)["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .flat_map(|r| r["entity"].as_array().cloned().unwrap_or_default())
        .filter(|e| e.get("query").is_some())
        .collect();
    assert_eq!(searches.len(), 2, "{searches:?}");
    for s in &searches {
        let details = s["detail"].as_array().unwrap();
        assert!(
            details.contains(&serde_json::json!({"type": "results", "valueString": "0"})),
            "{details:?}"
        );
        assert!(
            details
                .contains(&serde_json::json!({"type": "too-broad-more-than", "valueString": "3"})),
            "{details:?}"
        );
    }
}

#[test]
fn a_prefecture_matches_every_patient_and_lists_none_even_to_a_doctor() {
    let f = fixture();
    // Every generated patient lives in 宮城県: far more than the default maximum of 100.
    let json: Value = serde_json::from_str(&ok(&f.view(
        &f.snapshot,
        &f.doctor(),
        "search",
        &["--json", "宮城"],
    )))
    .unwrap();
    assert_eq!(json["results"], serde_json::json!([]));
    assert_eq!(json["breadth"]["kind"], "too-broad");
    assert_eq!(json["breadth"]["more_than"], 100);
}

#[test]
fn a_search_within_the_maximum_says_how_many_matched_when_the_limit_cuts_the_list() {
    let f = fixture();
    let json: Value = serde_json::from_str(&ok(&f.view(
        &f.snapshot,
        &f.doctor(),
        "search",
        &["--json", "--limit", "1", "山田", "花子"],
    )))
    .unwrap();
    assert_eq!(json["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        json["breadth"],
        serde_json::json!({"kind": "within", "matches": 2}),
        "both registrations of 山田 花子 match"
    );
    let text = ok(&f.view(
        &f.snapshot,
        &f.doctor(),
        "search",
        &["--limit", "1", "山田", "花子"],
    ));
    assert!(
        text.contains("2 patients match; the best 1 are listed"),
        "{text}"
    );
}

#[test]
fn a_limit_beyond_the_policy_maximum_is_refused_with_the_maximum_named() {
    let f = fixture();
    for limit in ["101", "1000000000", "18446744073709551615", "0"] {
        let out = f.view(
            &f.snapshot,
            &f.doctor(),
            "search",
            &["--limit", limit, "やまだ"],
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "--limit {limit}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert!(
            err.contains(&format!("{limit} results were asked for"))
                && err.contains("from 1 to 100"),
            "--limit {limit}: {err}"
        );
        assert!(out.stdout.is_empty());
        assert!(!err.contains("panicked"), "{err}");
    }
    let out = f.view(
        &f.snapshot,
        &f.doctor(),
        "search",
        &["--limit", "100", "やまだ"],
    );
    ok(&out);
}

#[test]
fn a_query_of_too_many_words_or_characters_is_refused_before_it_is_searched() {
    let f = fixture();
    let log = log_for("long");
    let who = f.doctor_logging_to(&log);
    let pasted: Vec<&str> = std::iter::repeat_n("やまだ", 40_000).collect();
    let started = std::time::Instant::now();
    let out = f.view(&f.snapshot, &who, "search", &pasted);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 200"), "{}", stderr(&out));
    assert!(
        started.elapsed().as_secs() < 60,
        "refused at once, not searched"
    );

    let seventeen: Vec<&str> = std::iter::repeat_n("a", 17).collect();
    let out = f.view(&f.snapshot, &who, "search", &seventeen);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 16"), "{}", stderr(&out));

    let sixteen: Vec<&str> = std::iter::repeat_n("やまだ", 16).collect();
    ok(&f.view(&f.snapshot, &who, "search", &sixteen));
}
