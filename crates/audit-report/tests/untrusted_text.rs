//! Whatever was typed on a laptop (markup characters, control characters, kanji, bidi overrides),
//! the exports stay well-formed XML that meets the audit schema and valid JSON, and the text comes
//! back: exactly where it travels base64 or in JSON, and with only what the format cannot hold
//! replaced by U+FFFD elsewhere.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::atna_schema::check_document;
use common::*;
use fieldchart_audit::{Actor, Event, LegalBasis, PatientRef, Record};
use fieldchart_audit_report::{AtnaOptions, FhirOptions, review, to_bundle, to_xml};
use proptest::prelude::*;
use roxmltree::Document;
use serde_json::Value;

fn untrusted() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        '<', '>', '&', '"', '\'', '\0', '\u{1}', '\t', '\n', '\r', '\u{1B}', '\u{7F}', '\u{85}',
        '\u{FFFE}', '\u{FFFF}', '\u{202E}', ']', '山', '田', '髙', '𠮷', ' ',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), tricky], 0..24)
        .prop_map(|chars| chars.into_iter().collect())
}

/// What XML 1.0 can hold of `s` (XML 1.0 §2.2 Char), the rest as U+FFFD.
fn xml_visible(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t'
            | '\n'
            | '\r'
            | '\u{20}'..='\u{D7FF}'
            | '\u{E000}'..='\u{FFFD}'
            | '\u{10000}'.. => c,
            _ => '\u{FFFD}',
        })
        .collect()
}

/// What a FHIR string can hold of `s`, the rest as U+FFFD; empty strings are left out.
fn fhir_visible(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| {
        s.chars()
            .map(|c| {
                if c < ' ' && !matches!(c, '\t' | '\r' | '\n') {
                    '\u{FFFD}'
                } else {
                    c
                }
            })
            .collect()
    })
}

fn decoded(b64: &str) -> String {
    String::from_utf8(STANDARD.decode(b64).expect("base64")).expect("UTF-8")
}

#[derive(Debug, Clone)]
struct Typed {
    name: String,
    team: String,
    query: String,
    reason: String,
    message: String,
    patient_id: String,
    device: String,
}

fn typed() -> impl Strategy<Value = Typed> {
    (
        untrusted(),
        untrusted(),
        untrusted(),
        untrusted(),
        untrusted(),
        untrusted(),
        untrusted(),
    )
        .prop_map(
            |(name, team, query, reason, message, patient_id, device)| Typed {
                name,
                team,
                query,
                reason,
                message,
                patient_id,
                device,
            },
        )
}

fn records(t: &Typed) -> Vec<Record> {
    let actor = Actor {
        name: t.name.clone(),
        profession: t.team.clone(),
        team: t.team.clone(),
        event: t.reason.clone(),
        authorisation: None,
    };
    let patient = PatientRef {
        facility: t.team.clone(),
        patient_id: t.patient_id.clone(),
    };
    let mut session_ref = session(&t.message, false);
    session_ref.snapshot_id = t.query.clone();
    let at = jst(2031, 3, 2, 10, 0, 0);
    vec![
        record(
            1,
            at,
            Event::Search {
                query: t.query.clone(),
                results: 1,
                too_broad: None,
            },
        ),
        record(
            2,
            at,
            Event::BreakGlass {
                reason: t.reason.clone(),
                patient: Some(patient.clone()),
            },
        ),
        record(
            3,
            at,
            Event::Refusal {
                action: t.query.clone(),
                patient: Some(patient.clone()),
                rule: t.team.clone(),
                message: t.message.clone(),
            },
        ),
        record(
            4,
            at,
            record_view(patient.clone(), LegalBasis::VitalInterest),
        )
        .under_break_glass(&t.reason),
        record(
            5,
            at,
            Event::Export {
                patient: None,
                what: t.message.clone(),
                destination: t.query.clone(),
            },
        ),
        record(6, at, Event::Lock).under_break_glass(&t.reason),
        record(
            7,
            at,
            Event::SnapshotDamaged {
                action: t.query.clone(),
                patient: Some(patient.clone()),
                reason: t.message.clone(),
            },
        ),
    ]
    .into_iter()
    .map(|r| {
        r.by(actor.clone())
            .in_session(session_ref.clone())
            .on(&t.device)
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn atna_stays_schema_valid_and_keeps_the_text(t in typed()) {
        let xml = to_xml(&records(&t), &AtnaOptions { site: Some(t.team.clone()) });
        prop_assert_eq!(check_document(&xml), Ok(8));
        let doc = Document::parse(&xml).expect("well-formed");
        let messages: Vec<_> = doc.root_element().children().filter(|n| n.is_element()).collect();
        let name = xml_visible(&t.name);
        let device = xml_visible(&t.device);
        for m in &messages {
            let person = m.children().find(|n| n.has_tag_name("ActiveParticipant")).expect("person");
            prop_assert_eq!(person.attribute("UserID"), Some(name.as_str()));
            let source = m.children().find(|n| n.has_tag_name("AuditSourceIdentification")).expect("source");
            prop_assert_eq!(source.attribute("AuditSourceID"), Some(device.as_str()));
        }
        let query = messages[0]
            .descendants()
            .find(|n| n.has_tag_name("ParticipantObjectQuery"))
            .map(|n| decoded(n.text().unwrap_or_default()));
        prop_assert_eq!(query.as_deref(), Some(t.query.as_str()));
        let alert = messages[1]
            .descendants()
            .find(|n| n.has_tag_name("ParticipantObjectDetail") && n.attribute("type") == Some("Alert Description"))
            .and_then(|n| n.attribute("value"))
            .map(decoded);
        let expected_alert = format!("Emergency override started: {}", t.reason);
        prop_assert_eq!(alert.as_deref(), Some(expected_alert.as_str()));
        let refusal = messages[2]
            .descendants()
            .find(|n| n.has_tag_name("EventOutcomeDescription"))
            .and_then(|n| n.text());
        prop_assert_eq!(refusal.unwrap_or_default(), xml_visible(&t.message));
        let damage = messages[7]
            .descendants()
            .find(|n| n.has_tag_name("EventOutcomeDescription"))
            .and_then(|n| n.text());
        prop_assert_eq!(damage.unwrap_or_default(), xml_visible(&t.message));
    }

    #[test]
    fn fhir_is_valid_json_and_keeps_the_text(t in typed()) {
        let bundle = to_bundle(&records(&t), &FhirOptions { site: Some(t.team.clone()), ..FhirOptions::default() });
        let json = serde_json::to_string(&bundle).expect("serialises");
        let back: Value = serde_json::from_str(&json).expect("valid JSON");
        prop_assert_eq!(&back, &bundle);
        let events: Vec<&Value> = back["entry"].as_array().expect("entries").iter().map(|e| &e["resource"]).collect();
        prop_assert_eq!(events.len(), 8);
        for event in &events {
            let display = event["agent"][0]["who"]["display"].as_str().map(str::to_owned);
            prop_assert_eq!(display, fhir_visible(&t.name));
            let id = event["id"].as_str().expect("id");
            prop_assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && id.len() <= 64);
        }
        let query = events[0]["entity"][0]["query"].as_str().map(decoded);
        prop_assert_eq!(query.as_deref(), Some(t.query.as_str()));
        let patient_value = events[3]["entity"][0]["what"]["identifier"]["value"].as_str().map(str::to_owned);
        prop_assert_eq!(patient_value, fhir_visible(&t.patient_id));
    }

    #[test]
    fn review_json_keeps_the_text_and_its_lines_cannot_be_forged(t in typed()) {
        let r = review(&records(&t));
        let json: Value = serde_json::from_str(&serde_json::to_string(&r).expect("serialises")).expect("valid JSON");
        prop_assert_eq!(json["break_glass"][0]["reason"].as_str(), Some(t.reason.as_str()));
        prop_assert_eq!(json["refusals"][0]["message"].as_str(), Some(t.message.as_str()));
        prop_assert_eq!(json["snapshot_damage"][0]["reason"].as_str(), Some(t.message.as_str()));
        prop_assert_eq!(json["snapshot_damage"][0]["action"].as_str(), Some(t.query.as_str()));
        prop_assert_eq!(json["break_glass"][0]["who"]["name"].as_str(), Some(t.name.as_str()));
        let text = r.to_text();
        // Every line the review writes starts with a heading, two spaces or six: none comes from
        // a newline inside typed text.
        for line in text.lines() {
            prop_assert!(!line.chars().any(|c| c.is_control()), "control character in {:?}", line);
        }
        let plain_lines = review(&records(&Typed {
            name: "a".into(), team: "b".into(), query: "c".into(), reason: "d".into(),
            message: "e".into(), patient_id: "f".into(), device: "g".into(),
        })).to_text().lines().count();
        prop_assert_eq!(text.lines().count(), plain_lines);
    }
}
