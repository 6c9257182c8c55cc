//! The FHIR export: every AuditEvent has what FHIR R4 requires, and break-glass reads as emergency
//! treatment under an emergency override.

mod common;

use chrono::DateTime;
use common::*;
use fieldchart_audit_report::{BundleType, FhirOptions, to_bundle};
use serde_json::Value;

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";

fn events(bundle: &Value) -> Vec<&Value> {
    bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| &e["resource"])
        .collect()
}

fn purpose_codes(event: &Value) -> Vec<(String, String)> {
    event["purposeOfEvent"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["coding"].as_array().into_iter().flatten())
        .map(|c| {
            (
                c["system"].as_str().unwrap_or_default().to_owned(),
                c["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// FHIR R4 `instant`: a full date-time to the second with a time zone.
fn is_instant(s: &str) -> bool {
    DateTime::parse_from_rfc3339(s).is_ok() && s.len() >= 20 && s.as_bytes().get(4) == Some(&b'-')
}

#[test]
fn every_audit_event_has_the_elements_r4_requires() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let events = events(&bundle);
    assert_eq!(events.len(), 20);
    for event in events {
        assert_eq!(event["resourceType"], "AuditEvent");
        let id = event["id"].as_str().expect("id");
        assert!(
            !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.')),
            "{id} is not a FHIR id"
        );
        assert_eq!(event["type"]["system"], DCM);
        assert!(event["type"]["code"].is_string());
        assert!(is_instant(event["recorded"].as_str().expect("recorded")));
        let agents = event["agent"].as_array().expect("agent");
        assert!(!agents.is_empty());
        assert!(agents.iter().all(|a| a["requestor"].is_boolean()));
        assert_eq!(
            agents.iter().filter(|a| a["requestor"] == true).count(),
            1,
            "{event}"
        );
        assert_eq!(
            event["source"]["observer"]["identifier"]["value"], DEVICE,
            "{event}"
        );
        for entity in event["entity"].as_array().into_iter().flatten() {
            // R4 invariant sev-1: a name or a query, not both.
            assert!(entity.get("name").is_none() || entity.get("query").is_none());
        }
    }
}

#[test]
fn ids_are_unique_in_the_bundle() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    let mut ids: Vec<&str> = events(&bundle)
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all);
}

#[test]
fn break_glass_entries_carry_etreat_and_the_emergency_override_code() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    let events = events(&bundle);
    let under_break_glass: Vec<&str> = events
        .iter()
        .filter(|e| !purpose_codes(e).is_empty())
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    // From the break-glass itself (9) to the lock (14) and its override-stopped alert.
    assert_eq!(
        under_break_glass,
        [
            "p8RZ3n0p3kUe5Yq1-9",
            "p8RZ3n0p3kUe5Yq1-10",
            "p8RZ3n0p3kUe5Yq1-11",
            "p8RZ3n0p3kUe5Yq1-12",
            "p8RZ3n0p3kUe5Yq1-13",
            "p8RZ3n0p3kUe5Yq1-14",
            "p8RZ3n0p3kUe5Yq1-14-override-stopped",
        ]
    );
    for event in events
        .iter()
        .filter(|e| under_break_glass.contains(&e["id"].as_str().unwrap_or_default()))
    {
        let codes = purpose_codes(event);
        assert!(codes.contains(&(
            "http://terminology.hl7.org/CodeSystem/v3-ActReason".to_owned(),
            "ETREAT".to_owned()
        )));
        assert!(codes.contains(&(DCM.to_owned(), "110127".to_owned())));
    }
}

#[test]
fn the_break_glass_event_is_an_emergency_override_started_alert() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    let started = events(&bundle)
        .into_iter()
        .find(|e| e["id"] == "p8RZ3n0p3kUe5Yq1-9")
        .expect("the break-glass event");
    assert_eq!(started["type"]["code"], "110113");
    assert_eq!(started["subtype"][0]["code"], "110127");
    assert_eq!(started["action"], "E");
    assert_eq!(started["outcome"], "0");
}

#[test]
fn snapshot_damage_is_a_serious_security_alert_with_the_fieldchart_subtype() {
    let bundle = to_bundle(&damaged_log(), &FhirOptions::default());
    let damaged = events(&bundle)
        .into_iter()
        .find(|e| e["id"] == "p8RZ3n0p3kUe5Yq1-5")
        .expect("the damaged record");
    assert_eq!(damaged["type"]["code"], "110113");
    assert_eq!(
        damaged["subtype"][0]["system"],
        "urn:fieldchart:audit-event"
    );
    assert_eq!(damaged["subtype"][0]["code"], "snapshot-damaged");
    assert_eq!(damaged["action"], "E");
    assert_eq!(damaged["outcome"], "8");
    assert_eq!(damaged["outcomeDesc"], DAMAGED_BLOCK);
    let entities = damaged["entity"].as_array().expect("entities");
    assert_eq!(
        entities[0]["what"]["identifier"]["value"],
        "urn:fieldchart:snapshot:region-tokyo-20310301"
    );
    assert_eq!(entities[1]["what"]["identifier"]["value"], "0002");
    assert_eq!(entities[1]["role"]["code"], "1");
}

#[test]
fn the_patient_is_identified_by_facility_system_and_id() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    let view = events(&bundle)
        .into_iter()
        .find(|e| e["id"] == "p8RZ3n0p3kUe5Yq1-7")
        .expect("the vital-interest view");
    let patient = &view["entity"][0];
    assert_eq!(
        patient["what"]["identifier"]["system"],
        "urn:fieldchart:facility:1310000001"
    );
    assert_eq!(patient["what"]["identifier"]["value"], "0002");
    assert_eq!(patient["type"]["code"], "1");
    assert_eq!(patient["role"]["code"], "1");
    assert_eq!(view["action"], "R");
}

#[test]
fn the_person_agent_has_name_profession_team_and_the_laptop_as_network_address() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    let view = events(&bundle)
        .into_iter()
        .find(|e| e["id"] == "p8RZ3n0p3kUe5Yq1-6")
        .expect("a view");
    let person = &view["agent"][0];
    assert_eq!(person["who"]["display"], "山田 太郎");
    assert_eq!(person["requestor"], true);
    assert_eq!(person["type"]["coding"][0]["code"], "humanuser");
    assert_eq!(person["role"][0]["coding"][0]["code"], "doctor");
    assert_eq!(person["role"][0]["coding"][0]["display"], "医師");
    assert_eq!(person["role"][1]["coding"][0]["code"], "DMAT-13-021");
    assert_eq!(person["network"]["type"], "5");
    assert!(
        person["network"]["address"]
            .as_str()
            .is_some_and(|a| a.starts_with("urn:fieldchart:device:"))
    );
    let device = &view["agent"][1];
    assert_eq!(device["requestor"], false);
    assert_eq!(device["who"]["identifier"]["value"], DEVICE);
}

#[test]
fn the_search_query_is_the_entity_query_base64() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    let search = events(&bundle)
        .into_iter()
        .find(|e| e["type"]["code"] == "110112")
        .expect("the search");
    let query = &search["entity"][0];
    assert_eq!(query["role"]["code"], "24");
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(query["query"].as_str().expect("query"))
        .expect("base64");
    assert_eq!(
        String::from_utf8(decoded).expect("UTF-8"),
        "やまだ はなこ 1950"
    );
}

#[test]
fn a_batch_bundle_posts_each_event_on_its_own() {
    let bundle = to_bundle(
        &disaster_log(),
        &FhirOptions {
            bundle_type: BundleType::Batch,
            timestamp: Some(jst(2031, 3, 10, 9, 0, 0)),
            site: Some("東京都".to_owned()),
        },
    );
    assert_eq!(bundle["type"], "batch");
    assert_eq!(bundle["timestamp"], "2031-03-10T09:00:00+09:00");
    for entry in bundle["entry"].as_array().expect("entries") {
        assert_eq!(entry["request"]["method"], "POST");
        assert_eq!(entry["request"]["url"], "AuditEvent");
        assert_eq!(entry["resource"]["source"]["site"], "東京都");
    }
}

#[test]
fn a_collection_bundle_has_no_requests_and_no_timestamp_unless_asked() {
    let bundle = to_bundle(&disaster_log(), &FhirOptions::default());
    assert!(bundle.get("timestamp").is_none());
    assert!(
        bundle["entry"]
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e.get("request").is_none())
    );
}
