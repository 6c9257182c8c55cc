//! A FHIR R4 Bundle of AuditEvent resources: the same messages as [`crate::atna`], in FHIR.
//!
//! The mapping follows FHIR R4's own DICOM mapping of AuditEvent: EventID → `type`,
//! EventTypeCode → `subtype`, EventActionCode → `action`, EventOutcomeIndicator → `outcome`,
//! ActiveParticipant → `agent`, AuditSourceIdentification → `source`, ParticipantObject →
//! `entity`. Break-glass (the override itself and everything done while it was in force) carries
//! `purposeOfEvent` ETREAT (v3 ActReason, emergency treatment) together with DICOM 110127
//! "Emergency Override Started".
//!
//! The Bundle is a `collection` by default: a file for the hub to keep and read, whose entries are
//! not instructions to any server. `batch` adds `request: POST AuditEvent` to each entry, so the
//! hub can hand the file to a FHIR server's batch endpoint as it is; each event then stands alone,
//! and one rejected event does not roll back the others, which is what an audit trail wants
//! (a `transaction` would drop them all).
//!
//! FHIR strings may not hold control characters other than tab, CR and LF, nor be empty: such
//! characters become U+FFFD and empty values are left out. Queries stay exact in `entity.query`
//! (base64Binary).

use chrono::{DateTime, FixedOffset};
use fieldchart_audit::Record;
use serde_json::{Map, Value, json};

use crate::codes::{self, Code};
use crate::message::{
    self, AuditMessage, ObjectKind, Participant, ParticipantKind, ParticipantObject,
};
use crate::text;

/// The Bundle's type (see the module documentation for why `collection` is the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BundleType {
    #[default]
    Collection,
    Batch,
}

/// How to build the Bundle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FhirOptions {
    /// `source.site`: the region or hub the laptops belong to (left out when `None`).
    pub site: Option<String>,
    pub bundle_type: BundleType,
    /// `Bundle.timestamp`, when the export was made (left out when `None`, so output stays
    /// reproducible).
    pub timestamp: Option<DateTime<FixedOffset>>,
}

/// One AuditEvent per message for `records`, in log order.
pub fn to_bundle(records: &[Record], opts: &FhirOptions) -> Value {
    let mut entries = Vec::new();
    for record in records {
        for m in message::messages(record) {
            let mut entry = Map::new();
            entry.insert("resource".into(), audit_event(&m, opts));
            if opts.bundle_type == BundleType::Batch {
                entry.insert(
                    "request".into(),
                    json!({ "method": "POST", "url": "AuditEvent" }),
                );
            }
            entries.push(Value::Object(entry));
        }
    }
    let mut bundle = Map::new();
    bundle.insert("resourceType".into(), "Bundle".into());
    bundle.insert(
        "type".into(),
        match opts.bundle_type {
            BundleType::Collection => "collection",
            BundleType::Batch => "batch",
        }
        .into(),
    );
    if let Some(at) = &opts.timestamp {
        bundle.insert("timestamp".into(), message::timestamp(at).into());
    }
    bundle.insert("entry".into(), Value::Array(entries));
    Value::Object(bundle)
}

fn audit_event(m: &AuditMessage<'_>, opts: &FhirOptions) -> Value {
    let record = m.record;
    let mut id = format!("{}-{}", message::device_tag(&record.device), record.seq);
    if let Some(suffix) = m.suffix {
        id.push('-');
        id.push_str(suffix);
    }
    let mut event = Map::new();
    event.insert("resourceType".into(), "AuditEvent".into());
    event.insert("id".into(), id.into());
    event.insert("type".into(), coding(&m.event_id));
    if !m.event_types.is_empty() {
        event.insert(
            "subtype".into(),
            m.event_types.iter().map(coding).collect::<Vec<_>>().into(),
        );
    }
    event.insert("action".into(), m.action.code().into());
    event.insert("recorded".into(), message::timestamp(&record.at).into());
    event.insert("outcome".into(), m.severity.code().into());
    if let Some(description) = m.outcome_description.as_deref().and_then(text::fhir) {
        event.insert("outcomeDesc".into(), description.into());
    }
    if m.break_glass.is_some() {
        event.insert(
            "purposeOfEvent".into(),
            json!([{
                "coding": [
                    { "system": codes::FHIR_ACT_REASON, "code": "ETREAT", "display": "Emergency Treatment" },
                    coding(&codes::EMERGENCY_OVERRIDE_STARTED),
                ]
            }]),
        );
    }
    event.insert(
        "agent".into(),
        m.participants.iter().map(agent).collect::<Vec<_>>().into(),
    );
    let mut source = Map::new();
    if let Some(site) = opts.site.as_deref().and_then(text::fhir) {
        source.insert("site".into(), site.into());
    }
    source.insert("observer".into(), device_reference(&record.device));
    source.insert(
        "type".into(),
        json!([{ "system": codes::FHIR_SOURCE_TYPE, "code": "1", "display": "User Device" }]),
    );
    event.insert("source".into(), Value::Object(source));
    if !m.objects.is_empty() {
        event.insert(
            "entity".into(),
            m.objects
                .iter()
                .map(|o| entity(o, record))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    Value::Object(event)
}

fn coding(code: &Code) -> Value {
    let mut c = Map::new();
    c.insert("system".into(), code.system.fhir.into());
    if let Some(value) = text::fhir(&code.code) {
        c.insert("code".into(), value.into());
    }
    if let Some(display) = text::fhir(&code.meaning) {
        c.insert("display".into(), display.into());
    }
    Value::Object(c)
}

/// The laptop as a logical reference: its device key is the identifier.
fn device_reference(device: &str) -> Value {
    let mut identifier = Map::new();
    identifier.insert("system".into(), "urn:fieldchart:device".into());
    if let Some(value) = text::fhir(device) {
        identifier.insert("value".into(), value.into());
    }
    json!({ "identifier": identifier, "display": "FieldChart field laptop" })
}

fn agent(p: &Participant) -> Value {
    let mut a = Map::new();
    let agent_type = match p.kind {
        ParticipantKind::Person => Some(json!({ "coding": [{
            "system": codes::FHIR_SECURITY_ROLE_TYPE, "code": "humanuser", "display": "human user"
        }] })),
        ParticipantKind::Device => Some(json!({ "coding": [coding(&codes::ROLE_APPLICATION)] })),
        ParticipantKind::Media | ParticipantKind::Remote => None,
    };
    if let Some(t) = agent_type {
        a.insert("type".into(), t);
    }
    if !p.roles.is_empty() {
        a.insert(
            "role".into(),
            p.roles
                .iter()
                .map(|r| json!({ "coding": [coding(r)] }))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    match p.kind {
        ParticipantKind::Device => {
            a.insert("who".into(), device_reference(&p.user_id));
        }
        _ => {
            if let Some(name) = text::fhir(&p.user_id) {
                a.insert("who".into(), json!({ "display": name }));
                a.insert("name".into(), name.into());
            }
        }
    }
    a.insert("requestor".into(), p.requestor.into());
    if let Some(media) = &p.media {
        a.insert("media".into(), coding(media));
    }
    if let Some(uri) = p.access_point.as_deref().and_then(text::fhir) {
        // AuditEvent.agent.network.type: 5 = URI.
        a.insert("network".into(), json!({ "address": uri, "type": "5" }));
    }
    Value::Object(a)
}

fn entity(o: &ParticipantObject, record: &Record) -> Value {
    let mut e = Map::new();
    let what = match &o.kind {
        ObjectKind::Patient(patient) => Some((
            format!(
                "urn:fieldchart:facility:{}",
                text::urn_part(&patient.facility)
            ),
            patient.patient_id.clone(),
        )),
        ObjectKind::AuditEntry => Some((
            format!("urn:fieldchart:audit:{}", text::urn_part(&record.device)),
            record.seq.to_string(),
        )),
        ObjectKind::Snapshot => Some(("urn:ietf:rfc:3986".to_owned(), o.id.clone())),
        ObjectKind::Report => Some(("urn:fieldchart:report".to_owned(), o.id.clone())),
        ObjectKind::Query => None,
    };
    if let Some((system, value)) = what {
        let mut identifier = Map::new();
        identifier.insert("system".into(), system.into());
        if let Some(value) = text::fhir(&value) {
            identifier.insert("value".into(), value.into());
        }
        e.insert("what".into(), json!({ "identifier": identifier }));
    }
    e.insert(
        "type".into(),
        json!({
            "system": codes::FHIR_ENTITY_TYPE,
            "code": o.type_code.to_string(),
            "display": codes::object_type_meaning(o.type_code),
        }),
    );
    e.insert(
        "role".into(),
        json!({
            "system": codes::FHIR_OBJECT_ROLE,
            "code": o.role.to_string(),
            "display": codes::object_role_meaning(o.role),
        }),
    );
    // R4 invariant sev-1: an entity has a name or a query, never both.
    if let Some(query) = &o.query {
        e.insert("query".into(), text::base64(query).into());
    } else if let Some(name) = o.name.as_deref().and_then(text::fhir) {
        e.insert("name".into(), name.into());
    }
    let details: Vec<Value> = o
        .details
        .iter()
        .filter_map(|(kind, value)| {
            text::fhir(value).map(|v| json!({ "type": kind, "valueString": v }))
        })
        .collect();
    if !details.is_empty() {
        e.insert("detail".into(), details.into());
    }
    Value::Object(e)
}
