//! End-to-end: `fieldchart demo-data --next-day` changes exactly the patients `region.json` lists
//! under `next_day` and nothing else (bytes and modification times), the region still reads back
//! through `fieldchart check` with the counts `region.json` gives, and the same region and seed
//! give the same next day.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

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

fn next_day(dir: &Path, extra: &[&str]) {
    let mut args = vec!["demo-data", "--next-day", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, _, stderr) = fieldchart(&args);
    assert_eq!(code, 0, "{stderr}");
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("region.json")).unwrap()).unwrap()
}

/// Every regular file under `dir`: bytes and modification time, by path relative to `dir`.
fn walk(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                let modified = e.metadata().unwrap().modified().unwrap();
                let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
                files.insert(rel, (std::fs::read(e.path()).unwrap(), modified));
            }
        }
    }
    files
}

/// `(facility, patient ID)` of a storage file (`<facility>/<standard|extended>/<h1>/<h2>/<id>/…`).
fn owner(rel: &Path) -> Option<(String, String)> {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    (parts.len() > 5).then(|| (parts[0].clone(), parts[4].clone()))
}

fn registrations(list: &Value) -> BTreeSet<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["facility"].as_str().unwrap().to_owned(),
                r["patient_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A standardized file name split at `_`: id, date, type, order, 発生日時, department, flag.
fn name_parts(rel: &Path) -> Vec<String> {
    rel.file_name()
        .unwrap()
        .to_string_lossy()
        .split('_')
        .map(str::to_owned)
        .collect()
}

/// `fieldchart check --json` agrees with `region.json`, as `demo_region.rs` checks a new region.
fn assert_check_agrees(region: &Path) {
    let (code, stdout, stderr) =
        fieldchart(&["check", "--region", region.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let truth = summary(region);
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
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let (mut superseded, mut deleted, mut cancelled) = (0, 0, 0);
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
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: generates a region, writes two next days and reads it back; set FIELDCHART_HEAVY_TESTS=1"
)]
fn next_day_changes_exactly_the_listed_patients_and_reads_back_as_region_json_says() {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("region");
    demo(&region, "11");
    let day1 = summary(&region);
    let before = walk(&region);
    next_day(&region, &["--share", "0.02", "--seed", "5"]);
    let after = walk(&region);
    let day2 = summary(&region);

    let step = &day2["next_day"];
    assert_eq!(step["from_as_of"], day1["as_of"]);
    assert_eq!(day2["as_of"], "2026-11-02");
    assert_eq!(step["seed"], 5);
    assert_eq!(day2["generated"]["patients"], 300);
    // The share is honoured: round(0.02 × 300) patients changed.
    let changed = registrations(&step["changed"]);
    assert_eq!(changed.len(), 6, "{step}");
    let new = registrations(&step["new"]);
    let removed = registrations(&step["removed"]);
    assert!(!new.is_empty(), "a few patients are new");
    assert_eq!(removed.len(), 1, "exactly one patient's folder is removed");
    assert_eq!(
        day2["patients"].as_u64().unwrap(),
        300 - 1 + new.len() as u64
    );
    let listed: BTreeSet<_> = changed
        .iter()
        .chain(&new)
        .chain(&removed)
        .cloned()
        .collect();

    // Every file of everyone else is byte-identical and keeps its modification time.
    for rel in before.keys().chain(after.keys()) {
        let Some(who) = owner(rel) else { continue };
        if !listed.contains(&who) {
            assert!(
                before.get(rel) == after.get(rel),
                "{} changed but {who:?} is not listed",
                rel.display()
            );
        }
    }
    // The listed patients really changed, as "what" says.
    let day = "20261102";
    let files_of = |tree: &BTreeMap<PathBuf, (Vec<u8>, SystemTime)>, who: &(String, String)| {
        tree.keys()
            .filter(|rel| owner(rel).as_ref() == Some(who))
            .cloned()
            .collect::<BTreeSet<PathBuf>>()
    };
    for entry in step["changed"].as_array().unwrap() {
        let who = (
            entry["facility"].as_str().unwrap().to_owned(),
            entry["patient_id"].as_str().unwrap().to_owned(),
        );
        let what: BTreeSet<&str> = entry["what"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect();
        let (was, is) = (files_of(&before, &who), files_of(&after, &who));
        let added: Vec<Vec<String>> = is.difference(&was).map(|rel| name_parts(rel)).collect();
        assert!(!added.is_empty(), "{who:?} did not change");
        let new_of = |data_type: &str| {
            added
                .iter()
                .any(|p| p.len() == 7 && p[1] == day && p[2] == data_type && p[4].starts_with(day))
        };
        // A record of an earlier care date written again today, ending with flag `flag`.
        let rewritten = |flag: &str| {
            added
                .iter()
                .any(|p| p.len() == 7 && p[1] != day && p[4].starts_with(day) && p[6] == flag)
        };
        assert_eq!(what.contains("visit"), new_of("ADT-12"), "{who:?} {what:?}");
        assert_eq!(what.contains("lab"), new_of("OML-11"), "{who:?} {what:?}");
        assert_eq!(
            what.contains("prescription"),
            new_of("OMP-01"),
            "{who:?} {what:?}"
        );
        assert_eq!(what.contains("update"), rewritten("1"), "{who:?} {what:?}");
        assert_eq!(what.contains("delete"), rewritten("0"), "{who:?} {what:?}");
    }
    for who in &removed {
        assert!(!files_of(&before, who).is_empty());
        assert!(files_of(&after, who).is_empty(), "{who:?} is gone");
        for part in ["standard", "extended"] {
            let id = &who.1;
            let folder = region
                .join(&who.0)
                .join(part)
                .join(&id[..3])
                .join(&id[3..6])
                .join(id);
            assert!(!folder.exists(), "{} is removed", folder.display());
        }
    }
    // New patients are readable: their basic information names them.
    for who in &new {
        assert!(files_of(&before, who).is_empty());
        let adt00 = files_of(&after, who)
            .into_iter()
            .find(|rel| {
                let p = name_parts(rel);
                p.len() == 7 && p[2] == "ADT-00" && p[6] == "1"
            })
            .expect("a new patient has basic information");
        let (code, stdout, stderr) = fieldchart(&["inspect", region.join(adt00).to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains(&format!("PID-3    {}^^^^PI", who.1)),
            "{stdout}"
        );
    }
    // pix-xref.tsv names only patients that are there.
    let xref = std::fs::read_to_string(region.join("pix-xref.tsv")).unwrap();
    for line in xref.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        for (facility, id) in [(f[0], f[1]), (f[2], f[3])] {
            let who = (facility.to_owned(), id.to_owned());
            assert!(
                !files_of(&after, &who).is_empty(),
                "{line}: {who:?} is there"
            );
        }
    }
    assert_eq!(
        xref.lines().count() as u64 - 1,
        day2["cross_references"].as_u64().unwrap()
    );
    assert_check_agrees(&region);

    // Again: day 3, and the list describes that step only.
    next_day(&region, &[]);
    let day3 = summary(&region);
    assert_eq!(day3["as_of"], "2026-11-03");
    assert_eq!(day3["next_day"]["from_as_of"], "2026-11-02");
    assert_eq!(
        day3["next_day"]["changed"].as_array().unwrap().len(),
        3,
        "1% by default"
    );
    assert_check_agrees(&region);
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: generates three regions and their next days; set FIELDCHART_HEAVY_TESTS=1"
)]
fn the_same_region_and_seed_give_the_same_next_day_and_another_seed_another() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for (region, seed) in [(&a, "3"), (&b, "3"), (&c, "4")] {
        demo(region, "8");
        next_day(region, &["--seed", seed]);
    }
    let bytes = |p: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        walk(p).into_iter().map(|(rel, (b, _))| (rel, b)).collect()
    };
    assert!(
        bytes(&a) == bytes(&b),
        "same region and seed, same next day"
    );
    assert!(bytes(&a) != bytes(&c), "another seed, another next day");
}

#[test]
fn next_day_refuses_a_directory_that_is_not_a_region() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a region").unwrap();
    let (code, _, stderr) = fieldchart(&["demo-data", "--next-day", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("region.json"), "{stderr}");
    assert!(dir.path().join("notes.txt").exists());
    let (code, _, stderr) = fieldchart(&[
        "demo-data",
        "--next-day",
        dir.path().to_str().unwrap(),
        "--share",
        "2",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("share"), "{stderr}");
    let (code, _, stderr) = fieldchart(&["demo-data", "--share", "0.1", "--patients", "3"]);
    assert_ne!(code, 0, "--share needs --next-day: {stderr}");
}
