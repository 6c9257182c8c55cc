//! One parsed HL7 message → clinical items plus mapping issues.
//!
//! This module owns the mapping from HL7 segments to the [`crate::model`]: which data type (guide §3 table)
//! expects which message, which field is the care date (guide §1.3), what an ADT cancel is (guide §2),
//! and how each message type becomes items. Extended-storage documents are in [`crate::document`], which
//! reuses the message mapping for `main_document.hl7`.
//!
//! It does not know files, folders, condition flags or encodings: the reading pipeline decodes and parses,
//! calls [`map_message`], and turns [`MapIssue`]s into diagnostics with the file's path.
//!
//! Invariants:
//! - [`map_message`] never panics and never fails: what can be read becomes items, what cannot becomes an
//!   issue. An `Error` issue means the message could not become a record at all (no MSH); everything
//!   else is a `Warning` beside items.
//! - Issue messages name segments, fields and line numbers but never quote patient data, so diagnostics
//!   can be shown and kept without leaking it.
//! - Values are kept as written (see [`crate::model`]); the mapping never invents precision.

mod adt;
mod diet;
mod fields;
mod lab;
mod medication;
mod problem;
mod study;

use std::fmt;

use fieldchart_hl7::{Delimiters, Hl7Time, Message, MessageType, Segment};
use serde::{Deserialize, Serialize};

use crate::model::{
    EncounterKind, Item, MedicationKind, ObservationKind, StudyCategory, StudyPhase, Unmapped,
};

pub use crate::document::{DocumentInput, MappedDocument, map_document};

/// How bad a mapping issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapSeverity {
    /// The input could not become a record at all.
    Error,
    /// The record was made, but something in it is missing, odd or was skipped.
    Warning,
}

/// What kind of mapping issue this is; the pipeline turns it into a diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapIssueCode {
    /// No MSH segment: not an HL7 v2 message (an error).
    NotHl7,
    /// The data-type folder is not one of the guide §3 types (e.g. `OML-12`); the message was mapped by
    /// its MSH-9 when possible.
    UnknownDataType,
    /// MSH-9 does not fit the data type (e.g. `RAS^O17` in an `ADT-22` folder).
    MessageTypeMismatch,
    /// A segment the mapping needs is absent (no PID, an RXE without ORC …).
    MissingSegment,
    /// A field holds a value outside its table or format.
    BadValue,
    /// Segments were read but not mapped (outside the message structure, or outside any group).
    Unmapped,
    /// An extended-storage document file could not be read as what it claims to be (broken XML).
    BadDocument,
    /// An HL7 main document is not in the encoding SS-MIX2 requires, or has undecodable bytes.
    NonStandardEncoding,
    /// An HL7 main document has syntax problems the parser worked around.
    Hl7Syntax,
    /// A timestamp that is not a real time; it is kept as written but never used as a date.
    InvalidTime,
}

impl MapIssueCode {
    /// The snake_case name used in serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            MapIssueCode::NotHl7 => "not_hl7",
            MapIssueCode::UnknownDataType => "unknown_data_type",
            MapIssueCode::MessageTypeMismatch => "message_type_mismatch",
            MapIssueCode::MissingSegment => "missing_segment",
            MapIssueCode::BadValue => "bad_value",
            MapIssueCode::Unmapped => "unmapped",
            MapIssueCode::BadDocument => "bad_document",
            MapIssueCode::NonStandardEncoding => "non_standard_encoding",
            MapIssueCode::Hl7Syntax => "hl7_syntax",
            MapIssueCode::InvalidTime => "invalid_time",
        }
    }
}

/// One thing the mapping could not read, with a human sentence saying what and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapIssue {
    pub severity: MapSeverity,
    pub code: MapIssueCode,
    /// A sentence for people; Japanese text appears as text.
    pub message: String,
}

impl MapIssue {
    pub(crate) fn warning(code: MapIssueCode, message: impl Into<String>) -> MapIssue {
        MapIssue {
            severity: MapSeverity::Warning,
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for MapIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Everything read from one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedMessage {
    pub message_type: MessageType,
    /// MSH-9.2 is an ADT cancel trigger (A11 A12 A13 A23 A25 A26 A27 A52 A53 A55): a cancel, never an
    /// event. A cancel yields no items; the reading pipeline resolves what it cancels (guide §2).
    pub is_cancel: bool,
    pub items: Vec<Item>,
    /// PID-3.1 as written (the pipeline compares it with the patient folder).
    pub patient_id: Option<String>,
    /// The care-date field of guide §1.3 for this message type, for a check against the folder.
    pub care_date: Option<Hl7Time>,
    pub issues: Vec<MapIssue>,
}

/// Whether a value read from a message may be quoted in a diagnostic: a short code of ASCII letters,
/// digits and `^ _ - .` (a message type, a trigger, an ID). Anything else may be patient content
/// spilled into the field by a broken line, so diagnostics name the field instead.
pub fn is_code_like(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 24
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'^' | b'_' | b'-' | b'.'))
}

fn key_of(message_type: &MessageType) -> String {
    format!("{}^{}", message_type.code, message_type.trigger)
}

/// ADT triggers that cancel an earlier event; they are stored under the data type of the event they
/// cancel (guide §2, last bullet).
const CANCEL_TRIGGERS: &[&str] = &[
    "A11", "A12", "A13", "A23", "A25", "A26", "A27", "A52", "A53", "A55",
];

/// What a message becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mapping {
    /// ADT-00: PID → patient, OBX → body measurements, AL1 → allergies.
    Demographics,
    /// ADT-01 … ADT-52; the kind comes from the data type, else from the trigger.
    Encounter(Option<EncounterKind>),
    /// ADT-61: IAM → allergies.
    Allergies,
    /// PPR-01: PRB (+ ZPR, ORC) → problems.
    Problems,
    /// OMP-01 / OMP-02: one order per ORC group.
    MedicationOrders(Option<MedicationKind>),
    /// OMP-11 / OMP-12: RXA → administrations.
    Administrations(Option<MedicationKind>),
    /// OML-01: one lab order per SPM/ORC/OBR group.
    LabOrders,
    /// OML-11: OBX → lab observations.
    LabResults,
    /// OMG-xx: one study per message.
    Study(Option<StudyCategory>, StudyPhase),
    /// OMD: one diet order per ORC group.
    Diet,
    /// ORU^R30 in extended storage: OBX → vital signs.
    Vitals,
}

struct DataTypeSpec {
    name: &'static str,
    /// `code^trigger` of the messages the data type holds, cancels included (guide §3 table).
    messages: &'static [&'static str],
    mapping: Mapping,
}

const fn spec(
    name: &'static str,
    messages: &'static [&'static str],
    mapping: Mapping,
) -> DataTypeSpec {
    DataTypeSpec {
        name,
        messages,
        mapping,
    }
}

use EncounterKind as Ek;

/// The guide §3 table. ADT-12 also accepts A11: HL7 v2.5 defines A11 as the cancel of both A01 and A04
/// (inferred; the SS-MIX2 table names no cancel for ADT-12).
const DATA_TYPES: &[DataTypeSpec] = &[
    spec("ADT-00", &["ADT^A08", "ADT^A23"], Mapping::Demographics),
    spec(
        "ADT-01",
        &["ADT^A54", "ADT^A55"],
        Mapping::Encounter(Some(Ek::DoctorChange)),
    ),
    spec(
        "ADT-12",
        &["ADT^A04", "ADT^A11"],
        Mapping::Encounter(Some(Ek::OutpatientVisit)),
    ),
    spec(
        "ADT-21",
        &["ADT^A14", "ADT^A27"],
        Mapping::Encounter(Some(Ek::PlannedAdmission)),
    ),
    spec(
        "ADT-22",
        &["ADT^A01", "ADT^A11"],
        Mapping::Encounter(Some(Ek::Admission)),
    ),
    spec(
        "ADT-31",
        &["ADT^A21", "ADT^A52"],
        Mapping::Encounter(Some(Ek::LeaveOut)),
    ),
    spec(
        "ADT-32",
        &["ADT^A22", "ADT^A53"],
        Mapping::Encounter(Some(Ek::ReturnFromLeave)),
    ),
    spec(
        "ADT-41",
        &["ADT^A15", "ADT^A26"],
        Mapping::Encounter(Some(Ek::PlannedTransfer)),
    ),
    spec(
        "ADT-42",
        &["ADT^A02", "ADT^A12"],
        Mapping::Encounter(Some(Ek::Transfer)),
    ),
    spec(
        "ADT-51",
        &["ADT^A16", "ADT^A25"],
        Mapping::Encounter(Some(Ek::PlannedDischarge)),
    ),
    spec(
        "ADT-52",
        &["ADT^A03", "ADT^A13"],
        Mapping::Encounter(Some(Ek::Discharge)),
    ),
    spec("ADT-61", &["ADT^A60"], Mapping::Allergies),
    spec("PPR-01", &["PPR^ZD1"], Mapping::Problems),
    spec("OMD", &["OMD^O03"], Mapping::Diet),
    spec(
        "OMP-01",
        &["RDE^O11"],
        Mapping::MedicationOrders(Some(MedicationKind::Prescription)),
    ),
    spec(
        "OMP-02",
        &["RDE^O11"],
        Mapping::MedicationOrders(Some(MedicationKind::Injection)),
    ),
    spec(
        "OMP-11",
        &["RAS^O17"],
        Mapping::Administrations(Some(MedicationKind::Prescription)),
    ),
    spec(
        "OMP-12",
        &["RAS^O17"],
        Mapping::Administrations(Some(MedicationKind::Injection)),
    ),
    spec("OML-01", &["OML^O33"], Mapping::LabOrders),
    spec("OML-11", &["OUL^R22"], Mapping::LabResults),
    spec(
        "OMG-01",
        &["OMG^O19"],
        Mapping::Study(Some(StudyCategory::Radiology), StudyPhase::Order),
    ),
    spec(
        "OMG-02",
        &["OMG^O19"],
        Mapping::Study(Some(StudyCategory::Endoscopy), StudyPhase::Order),
    ),
    spec(
        "OMG-03",
        &["OMG^O19"],
        Mapping::Study(Some(StudyCategory::Physiology), StudyPhase::Order),
    ),
    spec(
        "OMG-11",
        &["OMI^Z23"],
        Mapping::Study(Some(StudyCategory::Radiology), StudyPhase::Report),
    ),
    spec(
        "OMG-12",
        &["OMI^Z23"],
        Mapping::Study(Some(StudyCategory::Endoscopy), StudyPhase::Report),
    ),
    spec(
        "OMG-13",
        &["ORU^R01"],
        Mapping::Study(Some(StudyCategory::Physiology), StudyPhase::Report),
    ),
];

/// The mapping a message type implies on its own, when the data type does not say (unknown data type,
/// or a mismatch whose segments don't fit the data type's mapping).
fn mapping_for_message(key: &str) -> Option<Mapping> {
    let encounter = |kind| Some(Mapping::Encounter(kind));
    match key {
        "ADT^A08" | "ADT^A23" => Some(Mapping::Demographics),
        "ADT^A54" | "ADT^A55" => encounter(Some(Ek::DoctorChange)),
        "ADT^A04" => encounter(Some(Ek::OutpatientVisit)),
        "ADT^A14" | "ADT^A27" => encounter(Some(Ek::PlannedAdmission)),
        "ADT^A01" => encounter(Some(Ek::Admission)),
        // A11 cancels an admission or a visit; as a cancel it yields no encounter either way.
        "ADT^A11" => encounter(None),
        "ADT^A21" | "ADT^A52" => encounter(Some(Ek::LeaveOut)),
        "ADT^A22" | "ADT^A53" => encounter(Some(Ek::ReturnFromLeave)),
        "ADT^A15" | "ADT^A26" => encounter(Some(Ek::PlannedTransfer)),
        "ADT^A02" | "ADT^A12" => encounter(Some(Ek::Transfer)),
        "ADT^A16" | "ADT^A25" => encounter(Some(Ek::PlannedDischarge)),
        "ADT^A03" | "ADT^A13" => encounter(Some(Ek::Discharge)),
        "ADT^A60" => Some(Mapping::Allergies),
        "PPR^ZD1" => Some(Mapping::Problems),
        "OMD^O03" => Some(Mapping::Diet),
        "RDE^O11" => Some(Mapping::MedicationOrders(None)),
        "RAS^O17" => Some(Mapping::Administrations(None)),
        "OML^O33" => Some(Mapping::LabOrders),
        "OUL^R22" => Some(Mapping::LabResults),
        "OMG^O19" => Some(Mapping::Study(None, StudyPhase::Order)),
        "OMI^Z23" | "ORU^R01" => Some(Mapping::Study(None, StudyPhase::Report)),
        "ORU^R30" => Some(Mapping::Vitals),
        _ => None,
    }
}

/// The care-date field of each message type (guide §1.3, `SSMIX_CAREDATE.json`), plus OBX-14 for the
/// extended-storage vitals (guide §6: NHO's vitals rule, 診療日 = OBX-14).
fn care_date_field(key: &str) -> Option<(&'static str, usize)> {
    Some(match key {
        "ADT^A04" | "ADT^A01" | "ADT^A11" => ("PV1", 44),
        "ADT^A03" | "ADT^A13" => ("PV1", 45),
        "ADT^A14" | "ADT^A27" | "ADT^A15" | "ADT^A26" => ("PV2", 8),
        "ADT^A16" | "ADT^A25" => ("PV2", 9),
        "ADT^A53" => ("PV2", 47),
        "ADT^A21" | "ADT^A52" | "ADT^A22" | "ADT^A02" | "ADT^A12" => ("EVN", 6),
        "OMD^O03" | "RDE^O11" | "OML^O33" | "OMG^O19" => ("ORC", 9),
        "RAS^O17" => ("RXA", 3),
        "OUL^R22" => ("SPM", 17),
        "OMI^Z23" | "ORU^R01" => ("OBR", 7),
        "ORU^R30" => ("OBX", 14),
        _ => return None,
    })
}

impl Mapping {
    /// The segments whose presence shows a message can be read this way; checked only when MSH-9 does
    /// not fit the data type, so that e.g. a RAS^O17 in an ADT-22 folder is not read as an admission.
    fn fits(self, message: &Message) -> bool {
        let has = |id: &str| message.first(id).is_some();
        match self {
            Mapping::Demographics => has("EVN") && has("PID"),
            Mapping::Encounter(_) => has("EVN") && has("PV1"),
            Mapping::Allergies => has("IAM"),
            Mapping::Problems => has("PRB"),
            Mapping::MedicationOrders(_) => has("RXE"),
            Mapping::Administrations(_) => has("RXA"),
            Mapping::LabOrders => has("SPM") && has("OBR"),
            Mapping::LabResults => has("OBX") && (has("SPM") || has("OBR")),
            Mapping::Study(..) => has("OBR"),
            Mapping::Diet => has("ODS") || has("ODT"),
            Mapping::Vitals => has("OBX"),
        }
    }

    /// Segment IDs the message structures of this mapping allow (`HL7_SEGMENTORDER.json`); anything else
    /// is reported as skipped.
    fn known_segments(self) -> &'static [&'static str] {
        const ADT: &[&str] = &[
            "SFT", "EVN", "PID", "PD1", "ROL", "NK1", "PV1", "PV2", "DB1", "OBX", "AL1", "DG1",
            "DRG", "PR1", "GT1", "IN1", "IN2", "IN3", "ACC", "UB1", "UB2", "PDA",
        ];
        match self {
            Mapping::Demographics | Mapping::Encounter(_) => ADT,
            Mapping::Allergies => &["SFT", "EVN", "PID", "PV1", "PV2", "IAM"],
            Mapping::Problems => &[
                "SFT", "PID", "PV1", "PV2", "PRB", "ZPR", "ZPD", "NTE", "VAR", "ROL", "PTH", "ZI1",
                "OBX", "GOL", "ORC", "TQ1", "TQ2", "OBR", "RXO", "RXE", "RXR", "RXC",
            ],
            Mapping::MedicationOrders(_) => &[
                "SFT", "NTE", "PID", "PD1", "PV1", "PV2", "IN1", "IN2", "IN3", "GT1", "AL1", "ORC",
                "TQ1", "TQ2", "RXO", "RXR", "RXC", "RXE", "OBX", "FT1", "BLG", "CTI",
            ],
            Mapping::Administrations(_) => &[
                "SFT", "NTE", "PID", "PD1", "AL1", "PV1", "PV2", "ORC", "TQ1", "TQ2", "RXO", "RXR",
                "RXC", "RXE", "RXA", "OBX", "CTI",
            ],
            Mapping::LabOrders => &[
                "SFT", "NTE", "PID", "PD1", "NK1", "PV1", "PV2", "IN1", "IN2", "IN3", "GT1", "AL1",
                "SPM", "OBX", "SAC", "ORC", "TQ1", "TQ2", "OBR", "TCD", "DG1", "FT1", "CTI", "BLG",
            ],
            Mapping::LabResults => &[
                "SFT", "NTE", "PID", "PD1", "PV1", "PV2", "SPM", "OBX", "SAC", "INV", "OBR", "ORC",
                "TQ1", "TQ2", "TCD", "SID", "CTI", "DSC",
            ],
            Mapping::Study(..) => &[
                "SFT", "NTE", "PID", "PD1", "NK1", "PV1", "PV2", "IN1", "IN2", "IN3", "GT1", "AL1",
                "ORC", "TQ1", "TQ2", "OBR", "CTD", "DG1", "OBX", "SPM", "SAC", "FT1", "CT1", "BLG",
                "ZE1", "ZE2", "IPC", "DSC",
            ],
            Mapping::Diet => &[
                "SFT", "NTE", "PID", "PD1", "PV1", "PV2", "IN1", "IN2", "IN3", "GT1", "AL1", "ORC",
                "TQ1", "TQ2", "ODS", "OBX", "ODT",
            ],
            Mapping::Vitals => &[
                "SFT", "PID", "PD1", "PV1", "PV2", "ORC", "OBR", "NTE", "TQ1", "TQ2", "OBX",
            ],
        }
    }
}

/// What every mapping function gets: the message, its delimiters and the issue list.
pub(crate) struct Ctx<'m> {
    pub(crate) message: &'m Message,
    pub(crate) issues: Vec<MapIssue>,
}

impl<'m> Ctx<'m> {
    pub(crate) fn d(&self) -> &'m Delimiters {
        self.message.delimiters()
    }

    pub(crate) fn warn(&mut self, code: MapIssueCode, message: impl Into<String>) {
        self.issues.push(MapIssue::warning(code, message));
    }

    /// A segment of a known kind that stands outside the group it belongs to.
    pub(crate) fn orphan(&mut self, seg: &Segment<'_>, why: &str) {
        self.warn(
            MapIssueCode::Unmapped,
            format!("line {}: {} {why}; it was skipped", seg.line(), seg.id()),
        );
    }

    /// The segments after MSH (a second MSH is the start of something we don't read, and is reported
    /// by [`report_unknown_segments`]).
    pub(crate) fn body(&self) -> impl Iterator<Item = Segment<'m>> + 'm {
        self.message.segments().filter(|s| s.index() > 0)
    }

    pub(crate) fn first(&self, id: &str) -> Option<Segment<'m>> {
        self.message.first(id)
    }

    /// A timestamp field (TS, DTM, DT) of `seg`, read leniently (guide §4.3 step 5). A value that is
    /// not a real time (minute 80, 31 June, words in a date field) is kept as written in the model,
    /// and reported here by its position and kind only, so no view takes it for a date.
    pub(crate) fn time(&mut self, seg: &Segment<'_>, n: usize) -> Option<Hl7Time> {
        let time = fields::time(seg.field(n))?;
        if !time.is_valid() {
            self.warn(
                MapIssueCode::InvalidTime,
                format!(
                    "line {}: {}-{n} is not a readable date or time; it is not used as a date",
                    seg.line(),
                    seg.id()
                ),
            );
        }
        Some(time)
    }
}

/// Maps one message read from a standardized-storage file of the given data type (the folder name,
/// e.g. `ADT-00`, `OMP-01`, `OMD`).
///
/// When MSH-9 does not fit the data type, a `MessageTypeMismatch` warning is given and the message is
/// mapped by the data type's mapping if its segments allow, else by MSH-9. An unknown data type gives an
/// `UnknownDataType` warning and is mapped by MSH-9. A message no mapping fits becomes an
/// [`Item::Unmapped`].
pub fn map_message(data_type: &str, message: &Message) -> MappedMessage {
    map_with(Some(data_type), message)
}

/// Maps a message by its MSH-9 alone: the HL7 main document of an extended-storage content folder,
/// which has no standardized data type (guide §6).
pub(crate) fn map_by_message_type(message: &Message) -> MappedMessage {
    map_with(None, message)
}

fn map_with(data_type: Option<&str>, message: &Message) -> MappedMessage {
    let message_type = message.message_type();
    let mut out = MappedMessage {
        message_type: message_type.clone(),
        is_cancel: false,
        items: Vec::new(),
        patient_id: None,
        care_date: None,
        issues: Vec::new(),
    };
    let Some(msh) = message.segment(0).filter(|s| s.id() == "MSH") else {
        out.issues.push(MapIssue {
            severity: MapSeverity::Error,
            code: MapIssueCode::NotHl7,
            message: "no MSH segment: this is not an HL7 v2 message".to_string(),
        });
        return out;
    };
    let key = format!("{}^{}", message_type.code, message_type.trigger);
    let shown = if message_type.code.is_empty() {
        "an empty MSH-9".to_string()
    } else if is_code_like(&message_type.to_string()) {
        format!("MSH-9 {message_type}")
    } else {
        "an MSH-9 that is not a message type code".to_string()
    };
    let mut ctx = Ctx {
        message,
        issues: Vec::new(),
    };
    if message_type.code.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            format!("line {}: MSH-9 (message type) is empty", msh.line()),
        );
    }
    out.is_cancel =
        message_type.code == "ADT" && CANCEL_TRIGGERS.contains(&message_type.trigger.as_str());

    let pid = message.first("PID");
    out.patient_id = pid.and_then(|p| fields::comp_text(&p.field(3).first(), 1));
    if pid.is_none() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no PID segment: the message does not name its patient",
        );
    }

    let spec = data_type.and_then(|dt| DATA_TYPES.iter().find(|s| s.name == dt));
    let by_type = mapping_for_message(&key);
    let mapping = match (data_type, spec) {
        (None, _) => by_type,
        (Some(dt), None) => {
            let then = if by_type.is_some() {
                format!("it was read by its {shown}")
            } else {
                format!("its {shown} has no mapping either, so it is listed unmapped")
            };
            ctx.warn(
                MapIssueCode::UnknownDataType,
                format!(
                    "data type {dt} is not one of the SS-MIX2 standardized-storage data types (guide §3); {then}"
                ),
            );
            by_type
        }
        (Some(_), Some(spec)) if spec.messages.contains(&key.as_str()) => Some(spec.mapping),
        (Some(dt), Some(spec)) => {
            let expected = spec.messages.join(" or ");
            let fits = spec.mapping.fits(message);
            let then = if fits {
                format!("its segments fit {dt}, so it was read as {dt}")
            } else if by_type.is_some() {
                format!("its segments don't fit {dt}, so it was read by its {shown}")
            } else {
                "it is listed unmapped".to_string()
            };
            ctx.warn(
                MapIssueCode::MessageTypeMismatch,
                format!("{shown} does not belong in a {dt} folder, which holds {expected}; {then}"),
            );
            if fits { Some(spec.mapping) } else { by_type }
        }
    };

    // The care date follows the message actually written; a message type without one in the table
    // falls back to the data type's message.
    let care_key = if care_date_field(&key).is_some() {
        Some(key.as_str())
    } else {
        spec.and_then(|s| s.messages.first().copied())
    };
    out.care_date = care_key
        .and_then(care_date_field)
        .and_then(|(id, n)| message.first(id).and_then(|seg| fields::time(seg.field(n))));

    match mapping {
        Some(mapping) => {
            report_unknown_segments(&mut ctx, mapping, &message_type);
            if !out.is_cancel {
                out.items = run(&mut ctx, mapping, &message_type);
            }
        }
        None => {
            if data_type.is_none() {
                ctx.warn(
                    MapIssueCode::Unmapped,
                    format!("{shown} has no mapping; the message is listed unmapped"),
                );
            }
            out.items.push(Item::Unmapped(Unmapped {
                message_type: message_type.to_string(),
                segments: message.segments().map(|s| s.id().to_string()).collect(),
            }));
        }
    }
    out.issues = ctx.issues;
    out
}

fn run(ctx: &mut Ctx<'_>, mapping: Mapping, message_type: &MessageType) -> Vec<Item> {
    match mapping {
        Mapping::Demographics => adt::demographics(ctx),
        Mapping::Encounter(kind) => adt::encounter(ctx, kind, &message_type.trigger),
        Mapping::Allergies => adt::iam_allergies(ctx),
        Mapping::Problems => problem::problems(ctx),
        Mapping::MedicationOrders(kind) => medication::orders(ctx, kind),
        Mapping::Administrations(kind) => medication::administrations(ctx, kind),
        Mapping::LabOrders => lab::orders(ctx),
        Mapping::LabResults => lab::observations(ctx, ObservationKind::Lab),
        Mapping::Study(category, phase) => study::study(ctx, category, phase),
        Mapping::Diet => diet::orders(ctx),
        Mapping::Vitals => lab::observations(ctx, ObservationKind::Vital),
    }
}

/// Reports, in one issue, the segments the mapping's message structures don't allow (a second MSH
/// included): they were read by the parser but are not part of any record.
fn report_unknown_segments(ctx: &mut Ctx<'_>, mapping: Mapping, message_type: &MessageType) {
    const SHOWN: usize = 12;
    let known = mapping.known_segments();
    let unknown: Vec<String> = ctx
        .body()
        .filter(|s| !known.contains(&s.id()))
        .map(|s| s.label())
        .collect();
    if unknown.is_empty() {
        return;
    }
    let mut list = unknown
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if unknown.len() > SHOWN {
        list.push_str(&format!(" and {} more", unknown.len() - SHOWN));
    }
    let within = if message_type.code.is_empty() || !is_code_like(&key_of(message_type)) {
        "this message".to_string()
    } else {
        key_of(message_type)
    };
    ctx.warn(
        MapIssueCode::Unmapped,
        format!(
            "{} segment(s) outside the structure of {within} were skipped: {list}",
            unknown.len()
        ),
    );
}

#[cfg(test)]
mod tests {
    use fieldchart_hl7::Text;

    use super::*;

    fn parse(text: &str) -> Message {
        Message::parse(Text::from_unicode(text)).0
    }

    #[test]
    fn every_data_type_accepts_its_own_messages_and_has_a_care_date_rule_or_none() {
        for spec in DATA_TYPES {
            for key in spec.messages {
                assert!(mapping_for_message(key).is_some(), "{key} has no mapping");
            }
        }
        assert_eq!(care_date_field("ADT^A08"), None);
        assert_eq!(care_date_field("PPR^ZD1"), None);
        assert_eq!(care_date_field("ADT^A53"), Some(("PV2", 47)));
    }

    #[test]
    fn text_without_msh_is_an_error() {
        let m = parse("PID|1||123");
        let mapped = map_message("ADT-00", &m);
        assert_eq!(mapped.issues.len(), 1);
        assert_eq!(mapped.issues[0].severity, MapSeverity::Error);
        assert_eq!(mapped.issues[0].code, MapIssueCode::NotHl7);
        assert!(mapped.items.is_empty());
    }

    #[test]
    fn message_without_pid_is_mapped_with_a_warning() {
        let m = parse("MSH|^~\\&|A||||20111220||OMD^O03|1|P|2.5\rORC|NW|1\rODS|D||001^^99XY3");
        let mapped = map_message("OMD", &m);
        assert_eq!(mapped.items.len(), 1);
        assert_eq!(mapped.patient_id, None);
        assert!(
            mapped
                .issues
                .iter()
                .any(|i| i.code == MapIssueCode::MissingSegment)
        );
    }

    #[test]
    fn unknown_message_type_in_unknown_data_type_is_listed_unmapped() {
        let m = parse("MSH|^~\\&|A||||20111220||ZZZ^Z99|1|P|2.5\rPID|1||7\rZZ1|x");
        let mapped = map_message("XYZ-99", &m);
        assert!(
            matches!(&mapped.items[..], [Item::Unmapped(u)] if u.segments == ["MSH", "PID", "ZZ1"])
        );
        assert_eq!(mapped.issues[0].code, MapIssueCode::UnknownDataType);
    }

    #[test]
    fn second_msh_and_foreign_segments_are_reported_as_skipped() {
        let m = parse(
            "MSH|^~\\&|A||||20111220||OMD^O03|1|P|2.5\rPID|1||7\rORC|NW|1\rODS|D||001\rIAM|1\rMSH",
        );
        let mapped = map_message("OMD", &m);
        let skipped: Vec<_> = mapped
            .issues
            .iter()
            .filter(|i| i.code == MapIssueCode::Unmapped)
            .collect();
        assert_eq!(skipped.len(), 1);
        assert!(
            skipped[0].message.contains("IAM (line 5), MSH (line 6)"),
            "{}",
            skipped[0]
        );
    }
}
