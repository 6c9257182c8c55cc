//! The exports and the review of a fixed log, as files to read: a change to the output shows up as
//! a diff here. `UPDATE_EXPECT=1 cargo test -p fieldchart-audit-report --test golden` rewrites them
//! after an intended change.

mod common;

use common::*;
use expect_test::expect_file;
use fieldchart_audit_report::{AtnaOptions, FhirOptions, review, to_bundle, to_xml};

#[test]
fn atna_export_of_the_disaster_log() {
    let xml = to_xml(
        &disaster_log(),
        &AtnaOptions {
            site: Some("東京都災害医療本部".to_owned()),
        },
    );
    expect_file!["golden/disaster-log.atna.xml"].assert_eq(&xml);
}

#[test]
fn fhir_export_of_the_disaster_log() {
    let bundle = to_bundle(
        &disaster_log(),
        &FhirOptions {
            site: Some("東京都災害医療本部".to_owned()),
            ..FhirOptions::default()
        },
    );
    let json = serde_json::to_string_pretty(&bundle).expect("JSON") + "\n";
    expect_file!["golden/disaster-log.fhir.json"].assert_eq(&json);
}

#[test]
fn review_of_the_disaster_log_as_text() {
    expect_file!["golden/disaster-log.review.txt"].assert_eq(&review(&disaster_log()).to_text());
}

#[test]
fn review_of_the_disaster_log_as_json() {
    let json = serde_json::to_string_pretty(&review(&disaster_log())).expect("JSON") + "\n";
    expect_file!["golden/disaster-log.review.json"].assert_eq(&json);
}

#[test]
fn atna_export_of_a_log_that_met_a_damaged_snapshot() {
    let xml = to_xml(&damaged_log(), &AtnaOptions::default());
    expect_file!["golden/damaged-log.atna.xml"].assert_eq(&xml);
}

#[test]
fn fhir_export_of_a_log_that_met_a_damaged_snapshot() {
    let bundle = to_bundle(&damaged_log(), &FhirOptions::default());
    let json = serde_json::to_string_pretty(&bundle).expect("JSON") + "\n";
    expect_file!["golden/damaged-log.fhir.json"].assert_eq(&json);
}

#[test]
fn review_of_a_log_that_met_a_damaged_snapshot_as_text() {
    expect_file!["golden/damaged-log.review.txt"].assert_eq(&review(&damaged_log()).to_text());
}

#[test]
fn review_of_a_log_that_met_a_damaged_snapshot_as_json() {
    let json = serde_json::to_string_pretty(&review(&damaged_log())).expect("JSON") + "\n";
    expect_file!["golden/damaged-log.review.json"].assert_eq(&json);
}
