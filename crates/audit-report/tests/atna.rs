//! The ATNA export: every message meets the DICOM audit message schema (PS3.15 A.5.1) and says, in
//! DICOM's terms, what each log event was.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::atna_schema::check_document;
use common::*;
use fieldchart_audit::{Event, LegalBasis};
use fieldchart_audit_report::{AtnaOptions, to_xml, write_xml};
use roxmltree::{Document, Node};

/// What a test wants to see of one `<AuditMessage>`.
#[derive(Debug)]
struct Seen {
    event_id: String,
    action: String,
    outcome: String,
    types: Vec<String>,
    description: Option<String>,
    participants: Vec<(String, String, Vec<String>)>,
    objects: Vec<SeenObject>,
}

#[derive(Debug)]
struct SeenObject {
    id: String,
    type_code: String,
    role: String,
    id_type: String,
    query: Option<String>,
    details: Vec<(String, String)>,
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.has_tag_name(name))
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> {
    n.children().filter(move |c| c.has_tag_name(name))
}

fn decoded(b64: &str) -> String {
    let bytes = STANDARD.decode(b64).expect("base64");
    String::from_utf8(bytes).expect("UTF-8")
}

fn seen(xml: &str) -> Vec<Seen> {
    let doc = Document::parse(xml).expect("well-formed XML");
    children(doc.root_element(), "AuditMessage")
        .map(|m| {
            let event = child(m, "EventIdentification").expect("EventIdentification");
            let attr = |n: Node<'_, '_>, a: &str| n.attribute(a).unwrap_or_default().to_owned();
            Seen {
                event_id: attr(child(event, "EventID").expect("EventID"), "csd-code"),
                action: attr(event, "EventActionCode"),
                outcome: attr(event, "EventOutcomeIndicator"),
                types: children(event, "EventTypeCode")
                    .map(|t| attr(t, "csd-code"))
                    .collect(),
                description: child(event, "EventOutcomeDescription")
                    .and_then(|d| d.text())
                    .map(str::to_owned),
                participants: children(m, "ActiveParticipant")
                    .map(|p| {
                        (
                            attr(p, "UserID"),
                            attr(p, "UserIsRequestor"),
                            children(p, "RoleIDCode")
                                .map(|r| attr(r, "csd-code"))
                                .collect(),
                        )
                    })
                    .collect(),
                objects: children(m, "ParticipantObjectIdentification")
                    .map(|o| SeenObject {
                        id: attr(o, "ParticipantObjectID"),
                        type_code: attr(o, "ParticipantObjectTypeCode"),
                        role: attr(o, "ParticipantObjectTypeCodeRole"),
                        id_type: {
                            let t = child(o, "ParticipantObjectIDTypeCode").expect("ID type");
                            format!("{}/{}", attr(t, "codeSystemName"), attr(t, "csd-code"))
                        },
                        query: child(o, "ParticipantObjectQuery")
                            .and_then(|q| q.text())
                            .map(decoded),
                        details: children(o, "ParticipantObjectDetail")
                            .map(|d| (attr(d, "type"), decoded(&attr(d, "value"))))
                            .collect(),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn export(records: &[fieldchart_audit::Record]) -> String {
    to_xml(records, &AtnaOptions::default())
}

fn detail<'a>(object: &'a SeenObject, kind: &str) -> Option<&'a str> {
    object
        .details
        .iter()
        .find(|(k, _)| k == kind)
        .map(|(_, v)| v.as_str())
}

fn audit_entry(message: &Seen) -> &SeenObject {
    message
        .objects
        .iter()
        .find(|o| o.id.starts_with("urn:fieldchart:audit:"))
        .expect("the audit entry object")
}

#[test]
fn every_message_meets_the_audit_message_schema() {
    let xml = export(&disaster_log());
    // 19 records, and the lock that ends break-glass gives a second message.
    assert_eq!(check_document(&xml), Ok(20));
}

#[test]
fn every_message_has_the_elements_atna_requires() {
    let xml = export(&disaster_log());
    let doc = Document::parse(&xml).expect("well-formed XML");
    for m in children(doc.root_element(), "AuditMessage") {
        let event = child(m, "EventIdentification").expect("EventIdentification");
        assert!(child(event, "EventID").is_some());
        for a in ["EventDateTime", "EventActionCode", "EventOutcomeIndicator"] {
            assert!(
                event.attribute(a).is_some(),
                "EventIdentification lacks {a}"
            );
        }
        let participants: Vec<_> = children(m, "ActiveParticipant").collect();
        assert!(!participants.is_empty());
        for p in &participants {
            assert!(p.attribute("UserID").is_some());
            assert!(p.attribute("UserIsRequestor").is_some());
        }
        let source = child(m, "AuditSourceIdentification").expect("AuditSourceIdentification");
        assert_eq!(source.attribute("AuditSourceID"), Some(DEVICE));
    }
}

#[test]
fn every_patient_event_names_the_patient_as_a_participant_object() {
    let records = disaster_log();
    let messages = seen(&export(&records));
    let with_patient: Vec<u64> = records
        .iter()
        .filter(|r| match &r.entry.event {
            Event::RecordView { .. } => true,
            Event::Print { patient, .. }
            | Event::Export { patient, .. }
            | Event::BreakGlass { patient, .. }
            | Event::Refusal { patient, .. } => patient.is_some(),
            _ => false,
        })
        .map(|r| r.seq)
        .collect();
    assert_eq!(with_patient, vec![6, 7, 8, 9, 10, 11, 17]);
    for seq in with_patient {
        let message = messages
            .iter()
            .find(|m| detail(audit_entry(m), "seq") == Some(&seq.to_string()))
            .expect("a message for the record");
        let patient = message
            .objects
            .iter()
            .find(|o| o.type_code == "1" && o.role == "1")
            .unwrap_or_else(|| panic!("entry {seq} names no patient"));
        assert_eq!(patient.id_type, "RFC-3881/2");
        assert!(patient.id.starts_with("1310000001:"));
    }
}

#[test]
fn each_event_kind_becomes_its_dicom_event_with_action_and_outcome() {
    let messages = seen(&export(&disaster_log()));
    let summary: Vec<String> = messages
        .iter()
        .map(|m| format!("{} {} {} {:?}", m.event_id, m.action, m.outcome, m.types))
        .collect();
    let expected = [
        r#"110107 C 0 []"#,                  // sync
        r#"110100 E 4 ["110120"]"#,          // unlock failed
        r#"110100 E 0 ["110120"]"#,          // unlock
        r#"110114 E 0 ["110122"]"#,          // declare = login
        r#"110112 E 0 []"#,                  // search
        r#"110110 R 0 []"#,                  // view with consent
        r#"110110 R 0 []"#,                  // view on vital interest
        r#"110113 E 8 ["110132"]"#,          // refusal: consent refused
        r#"110113 E 0 ["110127"]"#,          // break-glass
        r#"110110 R 0 []"#,                  // view under break-glass
        r#"110106 R 0 []"#,                  // print
        r#"110106 R 0 []"#,                  // export
        r#"110113 E 4 ["clock-backwards"]"#, // clock anomaly
        r#"110114 E 0 ["110123"]"#,          // lock = logout
        r#"110113 E 0 ["110138"]"#,          // ... and the override stops
        r#"110100 E 0 ["110120", "drill"]"#, // drill: unlock
        r#"110114 E 0 ["110122", "drill"]"#,
        r#"110110 R 0 ["drill"]"#,
        r#"110114 E 0 ["110123", "drill"]"#,
        r#"110113 E 4 ["log-repaired"]"#, // the log repaired after a power cut
    ];
    assert_eq!(summary, expected);
}

#[test]
fn a_lock_that_ends_break_glass_also_reports_emergency_override_stopped() {
    let messages = seen(&export(&disaster_log()));
    let stopped: Vec<&Seen> = messages
        .iter()
        .filter(|m| m.types.iter().any(|t| t == "110138"))
        .collect();
    assert_eq!(stopped.len(), 1);
    let entry = audit_entry(stopped[0]);
    assert_eq!(detail(entry, "seq"), Some("14"));
    assert_eq!(detail(entry, "break-glass"), Some(BREAK_GLASS_REASON));
    // The drill's lock, with no break-glass in force, gives a logout only.
    assert_eq!(
        messages
            .iter()
            .filter(|m| detail(audit_entry(m), "seq") == Some("18"))
            .count(),
        1
    );
}

#[test]
fn break_glass_is_a_security_alert_whose_subject_describes_the_reason() {
    let messages = seen(&export(&disaster_log()));
    let started = messages
        .iter()
        .find(|m| m.types.iter().any(|t| t == "110127"))
        .expect("an emergency override started");
    assert_eq!(started.event_id, "110113");
    let subject = audit_entry(started);
    assert_eq!(subject.type_code, "2");
    assert_eq!(subject.role, "13");
    assert_eq!(
        detail(subject, "Alert Description"),
        Some(format!("Emergency override started: {BREAK_GLASS_REASON}").as_str())
    );
    assert!(
        started
            .objects
            .iter()
            .any(|o| o.id == "1310000001:0003" && o.type_code == "1")
    );
}

#[test]
fn a_refusal_of_a_consent_refused_patient_is_serious_and_a_section_refusal_minor() {
    let refusal = |rule: &str| {
        record(
            1,
            jst(2031, 3, 2, 10, 0, 0),
            Event::Refusal {
                action: "record-view".to_owned(),
                patient: Some(patient("0009")),
                rule: rule.to_owned(),
                message: "見られません".to_owned(),
            },
        )
        .by(doctor())
    };
    let messages = seen(&export(&[refusal("consent-refused"), refusal("section")]));
    assert_eq!(messages[0].outcome, "8");
    assert_eq!(messages[1].outcome, "4");
    assert_eq!(messages[1].description.as_deref(), Some("見られません"));
}

#[test]
fn snapshot_damage_is_a_serious_security_alert_naming_the_snapshot_and_the_patient() {
    let records = damaged_log();
    let xml = export(&records);
    assert_eq!(check_document(&xml), Ok(records.len()));
    let messages = seen(&xml);
    let damaged: Vec<&Seen> = messages
        .iter()
        .filter(|m| m.types.iter().any(|t| t == "snapshot-damaged"))
        .collect();
    assert_eq!(damaged.len(), 4);
    for m in &damaged {
        assert_eq!((m.event_id.as_str(), m.action.as_str()), ("110113", "E"));
        assert_eq!(m.outcome, "8", "a damaged snapshot is a serious failure");
        assert_eq!(m.description.as_deref(), Some(DAMAGED_BLOCK));
        let snapshot = &m.objects[0];
        assert_eq!(snapshot.id, "urn:fieldchart:snapshot:region-tokyo-20310301");
        assert_eq!(
            (snapshot.type_code.as_str(), snapshot.role.as_str()),
            ("2", "17")
        );
    }
    // The record's damage names whose record it was; the search's names no one.
    let record = damaged[1];
    assert!(
        record
            .objects
            .iter()
            .any(|o| o.id == "1310000001:0002" && o.role == "1")
    );
    assert!(!damaged[0].objects.iter().any(|o| o.type_code == "1"));
    let subject = audit_entry(record);
    assert_eq!(
        detail(subject, "Alert Description"),
        Some(format!("Snapshot found damaged during record: {DAMAGED_BLOCK}").as_str())
    );
    assert_eq!(detail(subject, "interrupted-action"), Some("record"));
    assert_eq!(detail(subject, "reason"), Some(DAMAGED_BLOCK));
    assert_eq!(damaged[3].types, ["snapshot-damaged", "drill"]);
}

#[test]
fn the_search_query_is_the_query_object_base64() {
    let messages = seen(&export(&disaster_log()));
    let query = messages
        .iter()
        .find(|m| m.event_id == "110112")
        .and_then(|m| m.objects.iter().find(|o| o.role == "24"))
        .expect("a query object");
    assert_eq!(query.type_code, "2");
    assert_eq!(query.id_type, "RFC-3881/10");
    assert_eq!(query.query.as_deref(), Some("やまだ はなこ 1950"));
    assert_eq!(detail(query, "results"), Some("2"));
}

#[test]
fn the_declared_person_is_the_only_requestor_with_profession_and_team_as_roles() {
    for m in seen(&export(&disaster_log())) {
        let requestors: Vec<_> = m.participants.iter().filter(|p| p.1 == "true").collect();
        assert_eq!(requestors.len(), 1, "{m:?}");
        let device = m.participants.iter().find(|p| p.0 == DEVICE);
        assert!(device.is_some(), "the laptop takes part in {m:?}");
    }
    let messages = seen(&export(&disaster_log()));
    let view = &messages[5];
    assert_eq!(view.participants[0].0, "山田 太郎");
    assert_eq!(view.participants[0].1, "true");
    assert_eq!(view.participants[0].2, vec!["doctor", "DMAT-13-021"]);
}

#[test]
fn record_view_details_carry_basis_and_sections() {
    let view = record(
        3,
        jst(2031, 3, 2, 10, 0, 0),
        record_view(patient("0002"), LegalBasis::VitalInterest),
    )
    .by(doctor());
    let messages = seen(&export(&[view]));
    let patient = &messages[0].objects[0];
    assert_eq!(detail(patient, "legal-basis"), Some("vital-interest"));
    let sections: Vec<&str> = patient
        .details
        .iter()
        .filter(|(k, _)| k == "section")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(sections, ["allergies", "medications"]);
}

#[test]
fn a_linked_persons_view_names_every_identifier_shown() {
    let mut event = record_view(patient("0002"), LegalBasis::Consent);
    let other = fieldchart_audit::PatientRef {
        facility: "1310000002".to_owned(),
        patient_id: "77".to_owned(),
    };
    if let Event::RecordView { linked, .. } = &mut event {
        linked.push(other);
    }
    let view = record(3, jst(2031, 3, 2, 10, 0, 0), event).by(doctor());
    let xml = export(&[view]);
    assert_eq!(check_document(&xml), Ok(1));
    let messages = seen(&xml);
    let patients: Vec<&str> = messages[0]
        .objects
        .iter()
        .filter(|o| !o.id.starts_with("urn:"))
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(patients, ["1310000001:0002", "1310000002:77"]);
    assert_eq!(
        detail(&messages[0].objects[1], "linked-with"),
        Some("1310000001:0002")
    );
}

#[test]
fn the_site_option_sets_the_enterprise_site() {
    let xml = to_xml(
        &disaster_log()[..1],
        &AtnaOptions {
            site: Some("東京都 災害医療コーディネーター".to_owned()),
        },
    );
    assert!(xml.contains(r#"AuditEnterpriseSiteID="東京都 災害医療コーディネーター""#));
    assert_eq!(check_document(&xml), Ok(1));
}

#[test]
fn no_records_give_an_empty_but_well_formed_document() {
    assert_eq!(check_document(&export(&[])), Ok(0));
}

#[test]
fn streaming_writes_the_same_document() {
    let records = disaster_log();
    let mut streamed = Vec::new();
    write_xml(&records, &AtnaOptions::default(), &mut streamed).expect("write to memory");
    assert_eq!(
        String::from_utf8(streamed).expect("UTF-8"),
        export(&records)
    );
}

// The validator itself must reject what the schema rejects, or the tests above prove nothing.

const MINIMAL: &str = r#"<AuditMessages><AuditMessage>
  <EventIdentification EventActionCode="E" EventDateTime="2031-03-02T10:00:00+09:00" EventOutcomeIndicator="0">
    <EventID csd-code="110114" codeSystemName="DCM" originalText="User Authentication"/>
  </EventIdentification>
  <ActiveParticipant UserID="x" UserIsRequestor="true"/>
  <AuditSourceIdentification AuditSourceID="dev"/>
</AuditMessage></AuditMessages>"#;

#[test]
fn validator_accepts_a_minimal_message() {
    assert_eq!(check_document(MINIMAL), Ok(1));
}

#[test]
fn validator_rejects_what_the_schema_rejects() {
    let participant = r#"<ActiveParticipant UserID="x" UserIsRequestor="true"/>"#;
    let source = r#"<AuditSourceIdentification AuditSourceID="dev"/>"#;
    let broken = [
        MINIMAL.replace(participant, ""),
        MINIMAL.replace(
            &format!("{participant}\n  {source}"),
            &format!("{source}\n  {participant}"),
        ),
        MINIMAL.replace(r#"EventOutcomeIndicator="0""#, r#"EventOutcomeIndicator="3""#),
        MINIMAL.replace(r#" originalText="User Authentication""#, ""),
        MINIMAL.replace(r#"UserIsRequestor="true""#, r#"UserIsRequestor="yes""#),
        MINIMAL.replace(r#"AuditSourceID="dev""#, r#"AuditSite="dev""#),
        MINIMAL.replace("2031-03-02T10:00:00+09:00", "2 March 2031"),
        MINIMAL.replace(
            source,
            &format!(
                r#"{source}<ParticipantObjectIdentification ParticipantObjectID="p">
                  <ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number"/>
                </ParticipantObjectIdentification>"#
            ),
        ),
    ];
    for (i, xml) in broken.iter().enumerate() {
        assert_ne!(xml, MINIMAL, "case {i} changed nothing");
        assert!(check_document(xml).is_err(), "case {i} passed:\n{xml}");
    }
}
