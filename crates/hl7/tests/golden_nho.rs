//! Golden tests: the shared NHO sample files decode and split exactly as recorded beside this file.
//! Run with `UPDATE_EXPECT=1 cargo test -p fieldchart-hl7` after an intended change.

use std::path::{Path, PathBuf};

use fieldchart_hl7::{Encoding, Message, decode};

fn nho() -> PathBuf {
    fieldchart_samples::nho()
}

fn outline_of(rel: &str) -> (Encoding, String) {
    let bytes = std::fs::read(fieldchart_samples::nho_file(rel)).expect("a readable sample");
    let decoded = decode(&bytes);
    assert!(decoded.issues.is_empty(), "{rel}: {:?}", decoded.issues);
    let encoding = decoded.text.encoding();
    let (message, issues) = Message::parse(decoded.text);
    assert!(issues.is_empty(), "{rel}: {issues:?}");
    (encoding, message.outline())
}

#[test]
fn adt00_demographics_split_into_the_recorded_fields() {
    let (encoding, outline) = outline_of(
        "999/901/9999013/-/ADT-00/9999013_-_ADT-00_999999999999999_20111220224447339_-_1",
    );
    assert_eq!(encoding, Encoding::Iso2022Jp);
    expect_test::expect_file!["golden/nho-adt00.txt"].assert_eq(&outline);
}

#[test]
fn injection_order_with_delimiter_bytes_inside_kanji_splits_correctly() {
    // OMP-02 has 24 raw `~` bytes but only 6 repetition separators (guide §4.2).
    let (_, outline) = outline_of(
        "999/901/9999013/20110701/OMP-02/9999013_20110701_OMP-02_123456789012345_20110701224603984_01_1",
    );
    expect_test::expect_file!["golden/nho-omp02.txt"].assert_eq(&outline);
}

#[test]
fn every_well_formed_nho_file_decodes_as_iso_2022_jp_and_parses_cleanly() {
    let mut seen = 0;
    for entry in walk(&nho()) {
        let bytes = std::fs::read(&entry).unwrap();
        let decoded = decode(&bytes);
        let name = entry.display().to_string();
        if name.contains("/ADT-31/") {
            // The deliberate negative case: two bytes of broken two-byte garbage.
            assert!(decoded.is_malformed() || Message::parse(decoded.text).0.segment_count() == 0);
            continue;
        }
        assert_eq!(decoded.text.encoding(), Encoding::Iso2022Jp, "{name}");
        assert!(decoded.issues.is_empty(), "{name}");
        let (message, issues) = Message::parse(decoded.text);
        assert!(issues.is_empty(), "{name}: {issues:?}");
        assert_eq!(message.segments().next().unwrap().id(), "MSH");
        seen += 1;
    }
    assert_eq!(seen, 21);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}
