//! What each audit entry means as a DICOM PS3.15 A.5 audit message, decided once.
//!
//! [`messages`] turns one decrypted [`Record`] into the messages that describe it; [`crate::atna`]
//! writes them as XML and [`crate::fhir`] as AuditEvent resources, so the two exports cannot
//! disagree about what happened. Every record gives exactly one message, except a lock that ends a
//! break-glass session: it also gives a Security Alert "Emergency Override Stopped", because an
//! audit repository looks for the end of an override among security alerts, not among logouts.
//!
//! | Event         | EventID (DCM)               | Action | Outcome              | EventTypeCode                |
//! |---------------|-----------------------------|--------|----------------------|------------------------------|
//! | unlock        | 110100 Application Activity | E      | 0                    | 110120 Application Start     |
//! | unlock-failed | 110100 Application Activity | E      | 4                    | 110120 Application Start     |
//! | declare       | 110114 User Authentication  | E      | 0                    | 110122 Login                 |
//! | lock          | 110114 User Authentication  | E      | 0                    | 110123 Logout                |
//! | search        | 110112 Query                | E      | 0                    |                              |
//! | record-view   | 110110 Patient Record       | R      | 0                    |                              |
//! | print         | 110106 Export               | R      | 0                    |                              |
//! | export        | 110106 Export               | R      | 0                    |                              |
//! | break-glass   | 110113 Security Alert       | E      | 0 (informative)      | 110127 Emergency Override Started |
//! | (its lock)    | 110113 Security Alert       | E      | 0 (informative)      | 110138 Emergency Override Stopped |
//! | refusal       | 110113 Security Alert       | E      | 8 or 4, see [`refusal_outcome`] | 110132 Use of Restricted Function |
//! | sync          | 110107 Import               | C      | 0, or 4 if it failed |                              |
//! | snapshot-damaged | 110113 Security Alert    | E      | 8                    | FieldChart snapshot-damaged  |
//! | clock-anomaly | 110113 Security Alert       | E      | 4                    | FieldChart clock-* code      |
//! | log-repaired  | 110113 Security Alert       | E      | 4                    | FieldChart log-repaired      |
//!
//! A snapshot found damaged after unlock is a serious failure (8): the data the viewer stands on
//! was altered or corrupted, and what was asked (a search, a record, a document) could not be
//! answered. Its message names the snapshot (from the entry's session) and, for a record or a
//! document, the patient whose data was being read; the alert description carries the vault's own
//! message, which names the part and block, never patient data.
//!
//! Every message of a drill session also carries the FieldChart event type `drill`, so a hub can
//! keep exercises out of its real audit trail.
//!
//! Every message also names the log entry it came from as a participant object (type 2 "System
//! Object", role 13 "Security Resource", a `urn:fieldchart:audit:` URI with the device key and
//! sequence number), whose details carry the session, snapshot, drill flag, declared disaster,
//! break-glass reason and clock information. A reviewer can so go from any message back to the
//! signed line of the log, and a Security Alert always has the alert subject with the "Alert
//! Description" detail that PS3.15 A.5.3.11 asks for.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use fieldchart_audit::{
    Actor, ClockAnomaly, Event, LegalBasis, Outcome, PatientRef, Record, UnlockMethod,
};

use crate::codes::{self, Code};

/// EventActionCode (PS3.15 A.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Read,
    Execute,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "C",
            Action::Read => "R",
            Action::Execute => "E",
        }
    }
}

/// EventOutcomeIndicator (PS3.15 A.5.1). FieldChart never reports 12 (major failure: the
/// reporting application became unavailable), since a laptop that failed so cannot write the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    Success,
    MinorFailure,
    SeriousFailure,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Success => "0",
            Severity::MinorFailure => "4",
            Severity::SeriousFailure => "8",
        }
    }
}

/// Who took part: the declared person, the laptop's viewer, a printer or destination, a sync source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParticipantKind {
    Person,
    Device,
    Media,
    Remote,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Participant {
    pub kind: ParticipantKind,
    pub user_id: String,
    pub requestor: bool,
    pub roles: Vec<Code>,
    /// The network access point as a URI (NetworkAccessPointTypeCode 5): the laptop is offline,
    /// so the only address it has is its own device key.
    pub access_point: Option<String>,
    /// MediaIdentifier/MediaType, for the medium something was exported to or imported from.
    pub media: Option<Code>,
}

/// What a participant object is, so FHIR can name it with an identifier system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    Patient(PatientRef),
    Query,
    Snapshot,
    Report,
    AuditEntry,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParticipantObject {
    pub kind: ObjectKind,
    /// ParticipantObjectTypeCode: 1 person, 2 system object.
    pub type_code: u8,
    /// ParticipantObjectTypeCodeRole.
    pub role: u8,
    pub id_type: Code,
    pub id: String,
    /// Exactly one of `name` and `query` is set: the A.5.1 schema requires one of the two.
    pub name: Option<String>,
    pub query: Option<String>,
    /// ParticipantObjectDetail type/value pairs, values as typed (renderers encode them).
    pub details: Vec<(&'static str, String)>,
}

/// One audit message, format-neutral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditMessage<'r> {
    pub record: &'r Record,
    /// Distinguishes the two messages of a lock that ends break-glass (`None` for the first).
    pub suffix: Option<&'static str>,
    pub event_id: Code,
    pub action: Action,
    pub severity: Severity,
    pub outcome_description: Option<String>,
    pub event_types: Vec<Code>,
    /// Break-glass was in force (its reason): FHIR's purposeOfEvent says so.
    pub break_glass: Option<&'r str>,
    pub participants: Vec<Participant>,
    pub objects: Vec<ParticipantObject>,
}

/// The messages for one record, in the order they happened.
pub(crate) fn messages(record: &Record) -> Vec<AuditMessage<'_>> {
    let entry = &record.entry;
    let mut subject = audit_entry(record);
    let mut first = event_message(base_message(record), record, &mut subject);
    let ends_break_glass = matches!(entry.event, Event::Lock) && entry.break_glass.is_some();
    let stopped = ends_break_glass.then(|| override_stopped(&first, &subject));
    first.objects.push(subject);
    let mut out = vec![first];
    out.extend(stopped);
    if entry.session.as_ref().is_some_and(|s| s.drill) {
        for m in &mut out {
            m.event_types.push(codes::DRILL);
        }
    }
    out
}

/// What every message of a record starts from: an Application Activity, executed, successful,
/// with the break-glass reason in force (or the one this entry starts).
fn base_message(record: &Record) -> AuditMessage<'_> {
    let entry = &record.entry;
    let break_glass = entry.break_glass.as_deref().or(match &entry.event {
        Event::BreakGlass { reason, .. } => Some(reason.as_str()),
        _ => None,
    });
    AuditMessage {
        record,
        suffix: None,
        event_id: codes::APPLICATION_ACTIVITY,
        action: Action::Execute,
        severity: Severity::Success,
        outcome_description: None,
        event_types: Vec::new(),
        break_glass,
        participants: Vec::new(),
        objects: Vec::new(),
    }
}

/// The one message each event gives (the table in the module documentation). `subject` is the
/// log entry's own participant object: an event may add details to it before it is appended.
fn event_message<'r>(
    base: AuditMessage<'r>,
    record: &'r Record,
    subject: &mut ParticipantObject,
) -> AuditMessage<'r> {
    match &record.entry.event {
        Event::Unlock {
            snapshot_id,
            method,
            snapshot_created,
        } => unlock(base, record, snapshot_id, *method, *snapshot_created),
        Event::UnlockFailed { file, reason } => unlock_failed(base, record, subject, file, reason),
        Event::Declare => user_authentication(base, record, codes::LOGIN),
        Event::Lock => user_authentication(base, record, codes::LOGOUT),
        Event::Search {
            query,
            results,
            too_broad,
        } => search(base, record, query, *results, *too_broad),
        Event::RecordView {
            patient,
            sections,
            basis,
            withheld,
            linked,
        } => record_view(base, record, patient, linked, sections, *basis, withheld),
        Event::Print { patient, what } => {
            export_message(base, record, patient.as_ref(), what, paper())
        }
        Event::Export {
            patient,
            what,
            destination,
        } => export_message(base, record, patient.as_ref(), what, medium(destination)),
        Event::Sync {
            source,
            snapshot_id,
            outcome,
            detail,
            ..
        } => import(
            base,
            record,
            source,
            snapshot_id.as_deref(),
            *outcome,
            detail,
        ),
        Event::BreakGlass { reason, patient } => security_alert(
            base,
            record,
            subject,
            break_glass_alert(reason, patient.as_ref()),
        ),
        Event::Refusal {
            action,
            patient,
            rule,
            message,
        } => security_alert(
            base,
            record,
            subject,
            refusal_alert(action, patient.as_ref(), rule, message),
        ),
        Event::SnapshotDamaged {
            action,
            patient,
            reason,
        } => security_alert(
            base,
            record,
            subject,
            damage_alert(record, action, patient.as_ref(), reason),
        ),
        Event::ClockAnomaly { anomaly } => {
            security_alert(base, record, subject, clock_alert(anomaly))
        }
        Event::LogRepaired {
            after_seq,
            discarded_bytes,
        } => security_alert(
            base,
            record,
            subject,
            repair_alert(*after_seq, *discarded_bytes),
        ),
    }
}

/// The participants of most messages: the declared person (or, before the declaration, the
/// laptop) as requestor, and the laptop's viewer, neither with a role of its own.
fn person_and_device(record: &Record) -> Vec<Participant> {
    with_person_or_device(
        record
            .entry
            .actor
            .as_ref()
            .map(|a| person(record, a, Vec::new())),
        device(record, Vec::new()),
    )
}

/// Starting the viewer on a snapshot: the person launches it, the laptop runs it.
fn launch_participants(record: &Record) -> Vec<Participant> {
    let launcher = record
        .entry
        .actor
        .as_ref()
        .map(|a| person(record, a, vec![codes::ROLE_APPLICATION_LAUNCHER]));
    with_person_or_device(launcher, device(record, vec![codes::ROLE_APPLICATION]))
}

fn unlock<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    snapshot_id: &str,
    method: UnlockMethod,
    created: DateTime<Utc>,
) -> AuditMessage<'r> {
    AuditMessage {
        event_types: vec![codes::APPLICATION_START],
        participants: launch_participants(record),
        objects: vec![snapshot(snapshot_id, Some((method, created)))],
        ..base
    }
}

fn unlock_failed<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    subject: &mut ParticipantObject,
    file: &str,
    reason: &str,
) -> AuditMessage<'r> {
    subject.details.push(("snapshot-file", file.to_owned()));
    subject.details.push(("reason", reason.to_owned()));
    AuditMessage {
        severity: Severity::MinorFailure,
        outcome_description: Some(reason.to_owned()),
        event_types: vec![codes::APPLICATION_START],
        participants: launch_participants(record),
        ..base
    }
}

/// The declaration is the login, the lock the logout.
fn user_authentication<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    event_type: Code,
) -> AuditMessage<'r> {
    AuditMessage {
        event_id: codes::USER_AUTHENTICATION,
        event_types: vec![event_type],
        participants: person_and_device(record),
        ..base
    }
}

fn search<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    query: &str,
    results: u32,
    too_broad: Option<u32>,
) -> AuditMessage<'r> {
    let actor = record.entry.actor.as_ref();
    AuditMessage {
        event_id: codes::QUERY,
        participants: with_person_or_device(
            actor.map(|a| person(record, a, Vec::new())),
            // PS3.15 A.5.3.10: the process issuing the query and the one answering it are
            // both the viewer on this laptop.
            device(record, vec![codes::ROLE_SOURCE, codes::ROLE_DESTINATION]),
        ),
        objects: vec![ParticipantObject {
            kind: ObjectKind::Query,
            type_code: 2,
            role: 24,
            id_type: codes::ID_SEARCH_CRITERIA,
            id: "urn:fieldchart:patient-search".to_owned(),
            name: None,
            query: Some(query.to_owned()),
            // A search wider than the policy's maximum listed nobody: the review says so.
            details: std::iter::once(("results", results.to_string()))
                .chain(too_broad.map(|max| ("too-broad-more-than", max.to_string())))
                .collect(),
        }],
        ..base
    }
}

fn record_view<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    patient: &PatientRef,
    linked: &[PatientRef],
    sections: &[String],
    basis: LegalBasis,
    withheld: &[String],
) -> AuditMessage<'r> {
    let mut object = patient_object(patient);
    object
        .details
        .push(("legal-basis", basis_name(basis).to_owned()));
    object
        .details
        .extend(sections.iter().map(|s| ("section", s.clone())));
    object
        .details
        .extend(withheld.iter().map(|s| ("withheld-section", s.clone())));
    AuditMessage {
        event_id: codes::PATIENT_RECORD,
        action: Action::Read,
        participants: person_and_device(record),
        // Every identifier whose data was on screen is a patient of the view (one person to the
        // hub's index, one identifier each to its facility).
        objects: std::iter::once(object)
            .chain(linked.iter().map(|p| {
                let mut o = patient_object(p);
                o.details.push(("linked-with", patient_id(patient)));
                o
            }))
            .collect(),
        ..base
    }
}

/// Printing exports to paper.
fn paper() -> Participant {
    Participant {
        kind: ParticipantKind::Media,
        user_id: "paper".to_owned(),
        requestor: false,
        roles: vec![codes::ROLE_DESTINATION_MEDIA],
        access_point: None,
        media: Some(codes::MEDIA_PAPER),
    }
}

/// Where an export went, as its destination medium.
fn medium(destination: &str) -> Participant {
    Participant {
        kind: ParticipantKind::Media,
        user_id: destination.to_owned(),
        requestor: false,
        roles: vec![codes::ROLE_DESTINATION_MEDIA],
        access_point: None,
        media: Some(media_of(destination)),
    }
}

/// A sync imports a snapshot from its source into the laptop.
fn import<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    source: &str,
    snapshot_id: Option<&str>,
    outcome: Outcome,
    detail: &str,
) -> AuditMessage<'r> {
    let actor = record.entry.actor.as_ref();
    let mut participants = with_person_or_device(
        actor.map(|a| person(record, a, Vec::new())),
        device(record, vec![codes::ROLE_DESTINATION]),
    );
    participants.push(Participant {
        kind: ParticipantKind::Remote,
        user_id: source.to_owned(),
        requestor: false,
        roles: vec![codes::ROLE_SOURCE_MEDIA],
        access_point: None,
        media: Some(codes::MEDIA_URI),
    });
    AuditMessage {
        event_id: codes::IMPORT,
        action: Action::Create,
        severity: match outcome {
            Outcome::Success => Severity::Success,
            Outcome::Failure => Severity::MinorFailure,
        },
        outcome_description: Some(detail.to_owned()),
        participants,
        objects: snapshot_id.iter().map(|id| snapshot(id, None)).collect(),
        ..base
    }
}

/// What a Security Alert says beyond its EventID (PS3.15 A.5.3.11).
struct Alert {
    event_type: Code,
    severity: Severity,
    /// The "Alert Description" detail of the alert subject (the log entry).
    description: String,
    /// EventOutcomeDescription; `None` for an informative alert.
    outcome: Option<String>,
    /// More details of the alert subject, after the description.
    details: Vec<(&'static str, String)>,
    /// The objects the alert is about, besides its subject.
    objects: Vec<ParticipantObject>,
}

fn security_alert<'r>(
    base: AuditMessage<'r>,
    record: &Record,
    subject: &mut ParticipantObject,
    alert: Alert,
) -> AuditMessage<'r> {
    subject
        .details
        .push(("Alert Description", alert.description));
    subject.details.extend(alert.details);
    AuditMessage {
        event_id: codes::SECURITY_ALERT,
        severity: alert.severity,
        outcome_description: alert.outcome,
        event_types: vec![alert.event_type],
        participants: person_and_device(record),
        objects: alert.objects,
        ..base
    }
}

/// Break-glass is informative (0): the override is allowed, and the alert marks where it began.
fn break_glass_alert(reason: &str, patient: Option<&PatientRef>) -> Alert {
    Alert {
        event_type: codes::EMERGENCY_OVERRIDE_STARTED,
        severity: Severity::Success,
        description: format!("Emergency override started: {reason}"),
        outcome: None,
        details: Vec::new(),
        objects: patient.into_iter().map(patient_object).collect(),
    }
}

fn refusal_alert(action: &str, patient: Option<&PatientRef>, rule: &str, message: &str) -> Alert {
    Alert {
        event_type: codes::USE_OF_RESTRICTED_FUNCTION,
        severity: refusal_outcome(rule),
        description: format!("Refused {action} ({rule}): {message}"),
        outcome: Some(message.to_owned()),
        details: vec![
            ("refused-action", action.to_owned()),
            ("rule", rule.to_owned()),
        ],
        objects: patient.into_iter().map(patient_object).collect(),
    }
}

/// See the module documentation: serious (8), naming the damaged snapshot first (from the
/// entry's session), then whose data was being read.
fn damage_alert(
    record: &Record,
    action: &str,
    patient: Option<&PatientRef>,
    reason: &str,
) -> Alert {
    let mut objects: Vec<ParticipantObject> = record
        .entry
        .session
        .iter()
        .map(|s| snapshot(&s.snapshot_id, None))
        .collect();
    objects.extend(patient.into_iter().map(patient_object));
    Alert {
        event_type: codes::SNAPSHOT_DAMAGED,
        severity: Severity::SeriousFailure,
        description: format!("Snapshot found damaged during {action}: {reason}"),
        outcome: Some(reason.to_owned()),
        details: vec![
            ("interrupted-action", action.to_owned()),
            ("reason", reason.to_owned()),
        ],
        objects,
    }
}

fn clock_alert(anomaly: &ClockAnomaly) -> Alert {
    Alert {
        event_type: clock_code(anomaly),
        severity: Severity::MinorFailure,
        description: clock_description(anomaly),
        outcome: Some(clock_description(anomaly)),
        details: Vec::new(),
        objects: Vec::new(),
    }
}

fn repair_alert(after_seq: u64, discarded_bytes: u64) -> Alert {
    let what = format!(
        "the audit log was repaired after a power cut: {discarded_bytes} bytes of an unfinished entry after #{after_seq} were cut off"
    );
    Alert {
        event_type: codes::LOG_REPAIRED,
        severity: Severity::MinorFailure,
        description: what.clone(),
        outcome: Some(what),
        details: Vec::new(),
        objects: Vec::new(),
    }
}

/// The second message of a lock that ends break-glass: a Security Alert "Emergency Override
/// Stopped" with the same participants, whose only object is the log entry (see the module
/// documentation).
fn override_stopped<'r>(first: &AuditMessage<'r>, subject: &ParticipantObject) -> AuditMessage<'r> {
    let mut subject = subject.clone();
    subject.details.push((
        "Alert Description",
        "Emergency override stopped: the session was locked".to_owned(),
    ));
    AuditMessage {
        suffix: Some("override-stopped"),
        event_id: codes::SECURITY_ALERT,
        action: Action::Execute,
        severity: Severity::Success,
        outcome_description: None,
        event_types: vec![codes::EMERGENCY_OVERRIDE_STOPPED],
        break_glass: first.break_glass,
        participants: first.participants.clone(),
        objects: vec![subject],
        record: first.record,
    }
}

/// Refusals are Security Alerts whose outcome is the alert's severity (PS3.15 A.5.3.11: a minor or
/// serious failure means the mitigation worked). An attempt against a patient's refusal of consent,
/// or with a wrong clerk authorisation code, is serious (8): the first overrides a patient's
/// explicit wish, the second is a failed credential. Every other refusal (incomplete declaration,
/// no legal basis chosen yet, a section outside the profession, the event window, an expired
/// snapshot) is what the policy is there to catch in ordinary use: minor (4). The rule names are
/// those of `fieldchart_policy::Rule`.
pub(crate) fn refusal_outcome(rule: &str) -> Severity {
    match rule {
        "consent-refused" | "authorisation" => Severity::SeriousFailure,
        _ => Severity::MinorFailure,
    }
}

/// The device key as a URI, the only network access point an offline laptop has.
pub(crate) fn device_uri(device: &str) -> String {
    format!("urn:fieldchart:device:{}", crate::text::urn_part(device))
}

fn person(record: &Record, actor: &Actor, mut roles: Vec<Code>) -> Participant {
    roles.push(codes::profession(&actor.profession));
    roles.push(codes::team(&actor.team));
    Participant {
        kind: ParticipantKind::Person,
        user_id: actor.name.clone(),
        requestor: true,
        roles,
        access_point: Some(device_uri(&record.device)),
        media: None,
    }
}

fn device(record: &Record, roles: Vec<Code>) -> Participant {
    Participant {
        kind: ParticipantKind::Device,
        user_id: record.device.clone(),
        requestor: false,
        roles,
        access_point: None,
        media: None,
    }
}

/// The person, when one is declared, is the requestor (PS3.15 A.5.3.4.1: exactly one); before the
/// declaration the viewer itself is.
fn with_person_or_device(person: Option<Participant>, mut device: Participant) -> Vec<Participant> {
    match person {
        Some(person) => vec![person, device],
        None => {
            device.requestor = true;
            vec![device]
        }
    }
}

fn export_message<'r>(
    base: AuditMessage<'r>,
    record: &'r Record,
    patient: Option<&PatientRef>,
    what: &str,
    medium: Participant,
) -> AuditMessage<'r> {
    let actor = record.entry.actor.as_ref();
    let mut participants = with_person_or_device(
        actor.map(|a| person(record, a, vec![codes::ROLE_SOURCE])),
        device(record, vec![codes::ROLE_SOURCE]),
    );
    participants.push(medium);
    let object = match patient {
        Some(patient) => {
            let mut object = patient_object(patient);
            object.details.push(("exported", what.to_owned()));
            object
        }
        None => ParticipantObject {
            kind: ObjectKind::Report,
            type_code: 2,
            role: 3,
            id_type: codes::ID_REPORT_NAME,
            id: what.to_owned(),
            name: Some(what.to_owned()),
            query: None,
            details: Vec::new(),
        },
    };
    AuditMessage {
        event_id: codes::EXPORT,
        action: Action::Read,
        participants,
        objects: vec![object],
        ..base
    }
}

/// A destination with a URI scheme is a URI medium; anything else is a file path.
fn media_of(destination: &str) -> Code {
    let scheme = destination.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        Some(s)
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            codes::MEDIA_URI
        }
        _ => codes::MEDIA_FILE,
    }
}

/// The patient as PS3.15 A.5.3.14 names one: type 1 person, role 1 patient, ID type
/// (2, RFC-3881, "Patient Number"). The ID keeps the facility (`facility:id`), since the same
/// number at two facilities is two people. The log holds no patient names, so the name is the ID
/// again: the schema needs a name or a query.
fn patient_object(patient: &PatientRef) -> ParticipantObject {
    let id = patient_id(patient);
    ParticipantObject {
        kind: ObjectKind::Patient(patient.clone()),
        type_code: 1,
        role: 1,
        id_type: codes::ID_PATIENT_NUMBER,
        name: Some(id.clone()),
        id,
        query: None,
        details: Vec::new(),
    }
}

pub(crate) fn patient_id(patient: &PatientRef) -> String {
    format!("{}:{}", patient.facility, patient.patient_id)
}

fn snapshot(snapshot_id: &str, unlock: Option<(UnlockMethod, DateTime<Utc>)>) -> ParticipantObject {
    let mut details = Vec::new();
    if let Some((method, created)) = unlock {
        details.push(("unlock-method", unlock_method_name(method).to_owned()));
        details.push(("snapshot-created", timestamp(&created)));
    }
    ParticipantObject {
        kind: ObjectKind::Snapshot,
        type_code: 2,
        role: 17,
        id_type: codes::ID_URI,
        id: format!(
            "urn:fieldchart:snapshot:{}",
            crate::text::urn_part(snapshot_id)
        ),
        name: Some(snapshot_id.to_owned()),
        query: None,
        details,
    }
}

/// The log entry itself (see the module documentation).
fn audit_entry(record: &Record) -> ParticipantObject {
    let entry = &record.entry;
    let mut details = vec![("seq", record.seq.to_string())];
    if let Some(session) = &entry.session {
        details.push(("session", session.session_id.clone()));
        details.push(("snapshot", session.snapshot_id.clone()));
        details.push(("drill", session.drill.to_string()));
    }
    if let Some(actor) = &entry.actor {
        details.push(("disaster-event", actor.event.clone()));
    }
    if let Some(reason) = &entry.break_glass {
        details.push(("break-glass", reason.clone()));
    }
    let clock = &entry.clock;
    details.push(("clock-source", clock.source.clone()));
    if let Some(synchronized) = clock.synchronized {
        details.push(("clock-synchronized", synchronized.to_string()));
    }
    if let Some(last_sync) = &clock.last_sync {
        details.push(("clock-last-sync", timestamp(last_sync)));
    }
    if let Some(anomaly) = &clock.anomaly {
        details.push(("clock-anomaly", clock_description(anomaly)));
    }
    ParticipantObject {
        kind: ObjectKind::AuditEntry,
        type_code: 2,
        role: 13,
        id_type: codes::ID_URI,
        id: entry_uri(record),
        name: Some("FieldChart audit log entry".to_owned()),
        query: None,
        details,
    }
}

/// `urn:fieldchart:audit:<device key>:<seq>`: which laptop's log, which line.
pub(crate) fn entry_uri(record: &Record) -> String {
    format!(
        "urn:fieldchart:audit:{}:{}",
        crate::text::urn_part(&record.device),
        record.seq
    )
}

pub(crate) fn basis_name(basis: LegalBasis) -> &'static str {
    match basis {
        LegalBasis::Consent => "consent",
        LegalBasis::VerbalConsent => "verbal-consent",
        LegalBasis::VitalInterest => "vital-interest",
        LegalBasis::BreakGlass => "break-glass",
    }
}

fn unlock_method_name(method: UnlockMethod) -> &'static str {
    match method {
        UnlockMethod::DeviceKey => "device-key",
        UnlockMethod::EmergencyPassphrase => "emergency-passphrase",
    }
}

fn clock_code(anomaly: &ClockAnomaly) -> Code {
    match anomaly {
        ClockAnomaly::BeforeSnapshot { .. } => codes::CLOCK_BEFORE_SNAPSHOT,
        ClockAnomaly::Backwards { .. } => codes::CLOCK_BACKWARDS,
        ClockAnomaly::Jump { .. } => codes::CLOCK_JUMP,
    }
}

/// One sentence saying what was wrong with the clock.
pub(crate) fn clock_description(anomaly: &ClockAnomaly) -> String {
    match anomaly {
        ClockAnomaly::BeforeSnapshot {
            clock,
            snapshot_created,
        } => format!(
            "the clock read {}, earlier than the snapshot's creation at {}",
            timestamp(clock),
            timestamp(snapshot_created)
        ),
        ClockAnomaly::Backwards { clock, previous } => format!(
            "the clock went back to {} from {} at the previous entry",
            timestamp(clock),
            timestamp(previous)
        ),
        ClockAnomaly::Jump { clock, expected } => format!(
            "the clock read {} where the monotonic clock expected about {}",
            timestamp(clock),
            timestamp(expected)
        ),
    }
}

/// RFC 3339, seconds or finer as recorded: valid as `xsd:dateTime` and as a FHIR `instant`.
pub(crate) fn timestamp<Tz: chrono::TimeZone>(at: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A short, stable tag for a device key: its first 16 letters and digits. Used where an ID may
/// only hold `[A-Za-z0-9-.]` (FHIR `id`) or must stay short (the text review).
pub(crate) fn device_tag(device: &str) -> Cow<'static, str> {
    let tag: String = device
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    if tag.is_empty() {
        Cow::Borrowed("device")
    } else {
        Cow::Owned(tag)
    }
}
