//! Golden tests: each folder of `tests/golden/` is a hub's input (the index's export `xref.tsv`,
//! link events in `events/`, and for the matcher the storage's identity fields in `people.tsv`),
//! rendered to `expect.txt`: the linked persons, what each event did, and the probable matches
//! with their reasons (or the error that stops the build, with its line). After an intended
//! change: `UPDATE_EXPECT=1 cargo test -p fieldchart-identity --test golden`, then read the diff.
//!
//! The assertions below pin what a clinician relies on, so a careless golden update cannot hide a
//! regression in them.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use fieldchart_identity::matching::{Demographics, probable_matches};
use fieldchart_identity::{Links, Member, links_of_xref, read_events};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The storage's identity fields, as the build reads them from each patient's PID.
fn people(path: &Path) -> Vec<Demographics> {
    let text = std::fs::read_to_string(path).expect("people.tsv");
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 7, "people.tsv: {l}");
            Demographics {
                member: Member::new(c[0], c[1]),
                name_kanji: opt(c[2]),
                name_kana: opt(c[3]),
                dob: opt(c[4]),
                sex: opt(c[5]),
                address: opt(c[6]),
            }
        })
        .collect()
}

/// The hub's reading of one case folder, as text.
fn render(case: &Path) -> String {
    let mut out = String::new();
    let text = std::fs::read_to_string(case.join("xref.tsv")).expect("xref.tsv");
    let mut links: Links = match links_of_xref(&text) {
        Ok(links) => links,
        Err((line, reason)) => {
            writeln!(out, "error: xref.tsv, line {line}: {reason}").unwrap();
            return out;
        }
    };
    let events = case.join("events");
    if events.is_dir() {
        match read_events(&events) {
            Ok(events) => links.apply(&events),
            Err(e) => {
                writeln!(out, "error: {e}").unwrap();
                return out;
            }
        }
    }
    writeln!(out, "persons:").unwrap();
    for g in links.groups() {
        let members: Vec<String> = g
            .members
            .iter()
            .map(|(m, via)| format!("{m} ({})", via.as_str()))
            .collect();
        writeln!(out, "  {}: {}", g.id, members.join(", ")).unwrap();
    }
    if !links.applied.is_empty() {
        writeln!(out, "events:").unwrap();
        for a in &links.applied {
            let origin = a.origin.rsplit('/').next().unwrap_or(&a.origin);
            writeln!(out, "  {origin} {}: {}", a.kind, a.outcome).unwrap();
        }
    }
    let people_file = case.join("people.tsv");
    if people_file.is_file() {
        writeln!(out, "possibly the same person (not linked by the hub):").unwrap();
        for s in probable_matches(&people(&people_file), &links) {
            writeln!(
                out,
                "  {} ~ {}: {}; agree {}; differ {}",
                s.a,
                s.b,
                s.strength.as_str(),
                s.agree.join(","),
                if s.differ.is_empty() {
                    "-".to_owned()
                } else {
                    s.differ.join(",")
                }
            )
            .unwrap();
        }
    }
    out
}

fn cases() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(golden())
        .expect("tests/golden")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
}

#[test]
fn every_case_reads_as_its_expectation() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut wrong = Vec::new();
    for case in cases() {
        let got = render(&case);
        let file = case.join("expect.txt");
        if update {
            std::fs::write(&file, &got).expect("expect.txt");
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if got != want {
            wrong.push(format!(
                "{}:\n--- expected\n{want}--- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\nIf intended, run UPDATE_EXPECT=1 cargo test -p fieldchart-identity --test golden",
        wrong.join("\n")
    );
}

fn case(name: &str) -> String {
    render(&golden().join(name))
}

#[test]
fn a_wrong_link_undone_by_an_unlink_gives_back_the_two_persons_exactly() {
    let got = case("wrong-link-undone");
    assert!(got.contains("A 1 (xref), B 1 (xref)\n"), "{got}");
    assert!(got.contains("C 1 (xref), D 1 (xref)\n"), "{got}");
    assert!(got.contains("unlinked C 1 from B 1"), "{got}");
    assert!(got.contains("were not linked: nothing to undo"), "{got}");
}

#[test]
fn a_bad_line_stops_with_its_line_number() {
    let got = case("bad-line");
    assert!(got.starts_with("error: xref.tsv, line "), "{got}");
}

#[test]
fn twins_and_identities_that_disagree_on_birth_or_sex_are_never_suggested() {
    let got = case("probable-matches");
    for never in ["A 3", "A 4", "A 5", "A 6", "A 7"] {
        assert!(!got.contains(&format!("{never} ~")), "{never}: {got}");
    }
    assert!(got.contains("A 1 ~ B 1: probable"), "{got}");
    assert!(got.contains("A 2 ~ B 2: weaker"), "{got}");
}
