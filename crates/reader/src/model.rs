//! The clinical model: what one SS-MIX2 file says, in the domain's words.
//!
//! These types carry content only. Where a record came from (facility, root-relative path, encoding)
//! and whether it is current are kept beside them by [`crate::FileRecord`], so no clinical item can be
//! shown without its source.
//!
//! Values are kept as written (`(+)`, `< 0.5`, partial dates, local codes): a disaster viewer shows what
//! the hospital recorded, and never invents precision.

use fieldchart_hl7::Hl7Time;
use serde::{Deserialize, Serialize};

/// A coded value (HL7 CWE/CE): a standard code in components 1–3 and, optionally, a local one in 4–6
/// (guide §5: `3A010000002327101^総蛋白^JC10^10222^ＴＰ^99X03`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coded {
    pub code: Option<String>,
    pub text: Option<String>,
    pub system: Option<String>,
    pub alt_code: Option<String>,
    pub alt_text: Option<String>,
    pub alt_system: Option<String>,
}

impl Coded {
    /// The text to show: component 2, else 5, else a code (guide §5: always display the text).
    pub fn display(&self) -> Option<&str> {
        self.text
            .as_deref()
            .or(self.alt_text.as_deref())
            .or(self.code.as_deref())
            .or(self.alt_code.as_deref())
    }

    /// The code whose system satisfies `pred`, looking at components 3 and 6.
    pub fn code_in(&self, pred: impl Fn(&str) -> bool) -> Option<&str> {
        if self.system.as_deref().is_some_and(&pred) {
            return self.code.as_deref();
        }
        if self.alt_system.as_deref().is_some_and(&pred) {
            return self.alt_code.as_deref();
        }
        None
    }

    /// True when nothing at all was given.
    pub fn is_empty(&self) -> bool {
        self.code.is_none()
            && self.text.is_none()
            && self.system.is_none()
            && self.alt_code.is_none()
            && self.alt_text.is_none()
            && self.alt_system.is_none()
    }
}

/// A person's name in one representation (HL7 XPN / XCN).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub family: Option<String>,
    pub given: Option<String>,
    /// Family and given joined by one ASCII space (never U+3000), or the whole name as written when the
    /// producer put it in one component.
    pub full: String,
    /// XPN.8 / XCN.15: `I` ideographic (kanji), `P` phonetic (kana), as written.
    pub representation: Option<String>,
}

/// A clinician named in a message (XCN): ID plus name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clinician {
    pub id: Option<String>,
    pub name: Option<PersonName>,
}

/// A number or text with its unit, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: Option<String>,
    pub unit: Option<Coded>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
    Other,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub postcode: Option<String>,
    /// XAD.7 address type, e.g. `H` home, `B` business.
    pub kind: Option<String>,
    /// XAD.8 full address text when given, else the parts joined.
    pub text: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    /// XTN.2 use code: `PRN` primary, `WPN` work, `EMR` emergency …
    pub use_code: Option<String>,
    pub number: String,
}

/// Demographics (PID, from ADT-00 and every other message's PID).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// PID-3.1 as written in the message. It may differ from the patient folder; the reader reports that.
    pub id_in_message: Option<String>,
    /// The name whose XPN.8 is `I` (kanji), chosen by representation and not by position.
    pub name_kanji: Option<PersonName>,
    /// The name whose XPN.8 is `P` (kana).
    pub name_kana: Option<PersonName>,
    /// Names with no or another representation code.
    pub other_names: Vec<PersonName>,
    pub birth_date: Option<Hl7Time>,
    pub sex: Sex,
    pub addresses: Vec<Address>,
    pub phones: Vec<Phone>,
    /// PID-29/30: date of death, when the patient is deceased.
    pub death: Option<Hl7Time>,
    /// PID-30 death indicator `Y`, or a PID-29 date: the patient is deceased even when no date is given.
    pub deceased: bool,
    /// PID-33 last update.
    pub last_updated: Option<Hl7Time>,
    /// NK1 (ADT-00): next of kin and emergency contacts, in message order.
    pub contacts: Vec<Contact>,
}

/// A next of kin or emergency contact (NK1): who to call, and how they are related.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// NK1-2, the name chosen by representation like PID-5 (kanji first).
    pub name: Option<PersonName>,
    /// NK1-3 relationship (HL7 table 0063: `SPO` spouse, `SEL` self, `CHD` child …).
    pub relationship: Option<Coded>,
    /// NK1-5 home and NK1-6 work phone numbers.
    pub phones: Vec<Phone>,
    /// NK1-4 addresses.
    pub addresses: Vec<Address>,
}

/// Where an allergy came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllergySegment {
    /// AL1 in ADT-00.
    Al1,
    /// IAM in ADT-61.
    Iam,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allergy {
    pub segment: AllergySegment,
    /// AL1-2 / IAM-2 allergen type: `DA` drug, `FA` food, `EA` environment, `LA` pollen …
    pub category: Option<Coded>,
    /// AL1-3 / IAM-3: HOT9 for drugs, JLAC10 `5A…` for allergens, or local codes.
    pub allergen: Coded,
    /// AL1-4 / IAM-4: `SV` severe, `MO` moderate, `MI` mild.
    pub severity: Option<Coded>,
    /// AL1-5 / IAM-5 reactions.
    pub reactions: Vec<String>,
    /// AL1-6 / IAM-11 onset (may be partial, e.g. `199601`).
    pub onset: Option<Hl7Time>,
    /// IAM-12 onset in words (`小学校低学年の頃`).
    pub onset_text: Option<String>,
    /// IAM-6 action: `A` add, `U` update, `D` delete, `X` no change.
    pub action: Option<String>,
}

impl Allergy {
    /// False when the message deletes this allergy (IAM-6 `D`).
    pub fn is_active(&self) -> bool {
        self.action.as_deref() != Some("D")
    }
}

/// One diagnosis from a PPR-01 problem list (PRB + ZPR).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// PRB-1 action code (`AD` add, `UP` update, `DE` delete …).
    pub action: Option<String>,
    /// PRB-3: MEDIS 病名管理番号 (MDCDX2) and name.
    pub diagnosis: Coded,
    /// PRB-10.1 ICD-10 code.
    pub icd10: Option<String>,
    /// PRB-10.4–6 diagnosis type (JHSD0004: O outpatient, H admission …).
    pub diagnosis_type: Option<Coded>,
    /// ZPR-5 病名交換用コード (4-character exchange code).
    pub exchange_code: Option<String>,
    /// PRB-4 problem instance ID.
    pub instance_id: Option<String>,
    /// PRB-2 action date/time.
    pub recorded: Option<Hl7Time>,
    /// PRB-7 diagnosis date.
    pub diagnosed: Option<Hl7Time>,
    /// PRB-9: read as a resolution date in HL7, but in Japanese 病名 practice the 転帰日, the day the
    /// outcome (PRB-14) was recorded.
    pub resolved: Option<Hl7Time>,
    /// PRB-16 onset date.
    pub onset: Option<Hl7Time>,
    /// PRB-13 疑い病名フラグ: the diagnosis is suspected, not confirmed.
    pub suspected: bool,
    /// PRB-18 ranking `1^主診断`: the main diagnosis.
    pub main: bool,
    /// PRB-14 outcome (HL7 table 0241: D died, F fully recovered, N not recovering, R recovering,
    /// S sequelae, W worsening, U unknown), code and text as written.
    pub outcome: Option<Coded>,
    /// PRB-17 free text as the doctor wrote it.
    pub text: Option<String>,
    /// ORC-17 department.
    pub department: Option<Coded>,
    /// ORC-12 doctor.
    pub doctor: Option<Clinician>,
}

impl Problem {
    /// PRB-1 `DE`: the message deletes this diagnosis.
    ///
    /// Whether a problem is still active is not decided here: it needs PRB-9 and PRB-14 together and
    /// the facility's data-as-of, which only the snapshot knows (`fieldchart_store::standing`).
    pub fn is_deleted(&self) -> bool {
        self.action
            .as_deref()
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("DE"))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    Inpatient,
    Outpatient,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicationKind {
    /// OMP-01 / OMP-11: 処方 (oral, topical …).
    Prescription,
    /// OMP-02 / OMP-12: 注射.
    Injection,
}

/// A drug within an order: RXE-2 for prescriptions, RXC for injection mixtures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drug {
    /// HOT9 / YJ / local code and name (guide §5: local-only codes are real).
    pub code: Coded,
    /// RXC-1 `B` base, `A` additive; None for RXE drugs.
    pub role: Option<String>,
    /// RXC-3/4 amount for injection components.
    pub amount: Option<Quantity>,
}

/// One ORC group of a prescription or injection order (OMP-01 / OMP-02, RDE^O11).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationOrder {
    pub kind: Option<MedicationKind>,
    /// ORC-2 placer order number.
    pub order_no: Option<String>,
    /// ORC-4 Rp group.
    pub group: Option<String>,
    /// ORC-9 transaction time.
    pub ordered_at: Option<Hl7Time>,
    pub doctor: Option<Clinician>,
    pub department: Option<Coded>,
    /// ORC-29 (or PV1-2): in- or outpatient.
    pub setting: Setting,
    /// RXE-2 (prescriptions) or RXC (injections); an injection's RXE-2 is its type, kept in `injection_type`.
    pub drugs: Vec<Drug>,
    /// RXE-2 of an injection order: the injection type (`00^一般^99I02`).
    pub injection_type: Option<Coded>,
    /// RXE-3 + RXE-5: the amount per dose.
    pub dose: Option<Quantity>,
    /// RXE-6 dosage form.
    pub dosage_form: Option<Coded>,
    /// RXE-10 + RXE-11: the amount dispensed.
    pub dispense: Option<Quantity>,
    /// RXE-19 total daily dose.
    pub daily_dose: Option<Quantity>,
    /// TQ1-3: JAMI usage code (JAMISDP01) and its text, or the text alone.
    pub usage: Option<Coded>,
    /// RXE-7 / RXE-21 free instructions.
    pub instructions: Vec<String>,
    /// TQ1-6 days (`5^d` → 5).
    pub days: Option<u32>,
    /// TQ1-6 as written, when it is not a plain number of days.
    pub duration_text: Option<String>,
    /// TQ1-7 start.
    pub start: Option<Hl7Time>,
    /// TQ1-8 end.
    pub end: Option<Hl7Time>,
    /// RXR-1 route.
    pub route: Option<Coded>,
    /// RXR-3 administration device (an infusion pump, a syringe pump; HL70164).
    pub device: Option<Coded>,
    /// RXE-23/24: infusion rate.
    pub rate: Option<Quantity>,
    /// RXE-15 prescription number.
    pub prescription_no: Option<String>,
}

/// An administration (OMP-11 / OMP-12, RAS^O17 RXA).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administration {
    pub kind: Option<MedicationKind>,
    pub order_no: Option<String>,
    /// RXA-3 / RXA-4.
    pub start: Option<Hl7Time>,
    pub end: Option<Hl7Time>,
    /// RXA-5.
    pub drug: Coded,
    /// RXA-6 + RXA-7.
    pub amount: Option<Quantity>,
    /// RXA-9 comment.
    pub comment: Option<String>,
    /// RXA-10.
    pub performer: Option<Clinician>,
    /// RXA-20 completion status (`CP` complete).
    pub status: Option<String>,
    pub route: Option<Coded>,
    pub setting: Setting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationKind {
    /// Specimen tests (OML-11).
    Lab,
    /// Height, weight, blood type in ADT-00.
    Body,
    /// Vital signs (ORU^R30 in extended storage).
    Vital,
    /// Measurements in physiology reports (OMG-13).
    Physiology,
}

/// One observation (OBX): a lab result, a vital sign or a body measurement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub kind: ObservationKind,
    pub order_no: Option<String>,
    /// SPM-4 specimen.
    pub specimen: Option<Coded>,
    /// OBR-4 battery / test group.
    pub battery: Option<Coded>,
    /// OBX-3: JLAC10 (JC10) and local codes.
    pub item: Coded,
    /// OBX-2 value type (NM, ST, SN, CWE, TX …).
    pub value_type: Option<String>,
    /// OBX-5 exactly as meant: numbers, `(+)`, `< 0.5` (SN joined with spaces), coded values' text.
    pub value: Option<String>,
    pub unit: Option<Coded>,
    /// OBX-7 reference range.
    pub range: Option<String>,
    /// OBX-8 abnormal flags (H, L, HH, LL, A …).
    pub flag: Option<String>,
    /// OBX-11 result status (F final, P preliminary, C corrected …).
    pub status: Option<String>,
    /// OBX-14, else SPM-17, else OBR-7.
    pub observed_at: Option<Hl7Time>,
    /// OBX-4 sub-ID, which groups an organism with its quantity in bacteriology.
    pub sub_id: Option<String>,
    /// NTE comments following the OBX (e.g. `未告知`).
    pub comments: Vec<String>,
}

/// A specimen test order (OML-01): what was ordered, before results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabOrder {
    pub order_no: Option<String>,
    pub ordered_at: Option<Hl7Time>,
    pub specimen: Option<Coded>,
    pub battery: Option<Coded>,
    pub items: Vec<Coded>,
    pub doctor: Option<Clinician>,
    pub department: Option<Coded>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyCategory {
    /// OMG-01 / OMG-11.
    Radiology,
    /// OMG-02 / OMG-12.
    Endoscopy,
    /// OMG-03 / OMG-13.
    Physiology,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyPhase {
    /// OMG-0x: the order.
    Order,
    /// OMG-1x: performed / reported.
    Report,
}

/// One finding of a study (OBX in OMG / ORU messages).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub item: Coded,
    pub value_type: Option<String>,
    pub value: Option<String>,
    pub unit: Option<Coded>,
}

/// An imaging, endoscopy or physiology order or report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Study {
    pub category: StudyCategory,
    pub phase: StudyPhase,
    pub order_no: Option<String>,
    pub ordered_at: Option<Hl7Time>,
    /// OBR-7 observation (performed) time.
    pub performed_at: Option<Hl7Time>,
    /// OBR-4 of each requested procedure (JJ1017, LENDO, JC10 …), without repeats.
    pub procedures: Vec<Coded>,
    pub findings: Vec<Finding>,
    /// IPC-5 modality (`US`, `ES` …).
    pub modality: Option<String>,
    /// IPC-1 accession number.
    pub accession: Option<String>,
    /// IPC-3 Study Instance UID.
    pub study_uid: Option<String>,
    pub doctor: Option<Clinician>,
    pub department: Option<Coded>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncounterKind {
    /// ADT-01 (A54): attending doctor changed.
    DoctorChange,
    /// ADT-12 (A04).
    OutpatientVisit,
    /// ADT-21 (A14).
    PlannedAdmission,
    /// ADT-22 (A01).
    Admission,
    /// ADT-31 (A21).
    LeaveOut,
    /// ADT-32 (A22).
    ReturnFromLeave,
    /// ADT-41 (A15).
    PlannedTransfer,
    /// ADT-42 (A02).
    Transfer,
    /// ADT-51 (A16).
    PlannedDischarge,
    /// ADT-52 (A03).
    Discharge,
}

/// A visit, admission, transfer, leave or discharge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encounter {
    pub kind: EncounterKind,
    /// MSH-9.2 trigger event.
    pub trigger: String,
    /// PV1-2: `I` inpatient, `O` outpatient.
    pub patient_class: Option<String>,
    /// PV1-3 made readable: PL.9 description, else ward, room and bed as written, joined by ` / `
    /// (`32^302^1^^^N` → `32 / 302 / 1`; a clinic `01^^^^^C` → `01`).
    pub location: Option<String>,
    /// PV1-6 prior location (transfers).
    pub prior_location: Option<String>,
    /// PV1-10 department.
    pub department: Option<Coded>,
    /// PV1-7 attending doctor.
    pub attending: Option<Clinician>,
    /// The event time from the care-date field of guide §1.3 (PV1-44, PV1-45, PV2-8, PV2-9, EVN-6).
    pub at: Option<Hl7Time>,
    /// EVN-2 recorded time.
    pub recorded: Option<Hl7Time>,
    /// PV1-36 discharge disposition.
    pub disposition: Option<Coded>,
}

/// A diet order (OMD, OMD^O03).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DietOrder {
    pub order_no: Option<String>,
    pub ordered_at: Option<Hl7Time>,
    /// TQ1-3 schedule (`TID&１日３回&HL70335`).
    pub schedule: Option<Coded>,
    /// TQ1-7 start.
    pub start: Option<Hl7Time>,
    /// ODS-3 diet codes.
    pub diets: Vec<Coded>,
    /// ODS-4 instructions (`塩分控えめ`).
    pub instructions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFileKind {
    /// HL7 CDA R2 XML.
    Cda,
    /// Other XML.
    Xml,
    /// HL7 v2 message (`main_document.hl7`).
    Hl7,
    Pdf,
    Image,
    /// A detached signature (CMS / CAdES, `*.p7s`) over another file of the folder (docs/hpki.md).
    Signature,
    Other,
}

/// One file of an extended-storage content folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFile {
    /// The file name inside the content folder.
    pub name: String,
    /// Path relative to the storage root, `/`-separated.
    pub path: String,
    pub kind: DocumentFileKind,
    /// MIME type guessed from the content (magic bytes), e.g. `image/jpeg`.
    pub media_type: String,
    pub bytes: u64,
}

/// A section of a CDA document: its title and narrative text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSection {
    pub code: Option<String>,
    pub title: Option<String>,
    pub text: String,
}

/// An extended-storage document (拡張ストレージ): one content folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// From the data-type folder name `local^name^system^standard^name^system` (guide §6).
    pub document_type: Coded,
    /// CDA `<title>`, else the type's name.
    pub title: Option<String>,
    /// CDA `<effectiveTime>`.
    pub created: Option<Hl7Time>,
    /// CDA author (name and organisation, readable).
    pub author: Option<String>,
    pub sections: Vec<DocumentSection>,
    pub files: Vec<DocumentFile>,
    /// The J-SPEED CSV line (LOINC 74465-6 documents, section 77599-9), kept as written.
    pub jspeed: Option<String>,
}

/// A message the reader could parse but has no clinical mapping for (e.g. `OML-12`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmapped {
    pub message_type: String,
    pub segments: Vec<String>,
}

/// One clinical item read from a file. A file yields one or many (an OML-11 file holds many results).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// The two largest variants are boxed: unboxed, every item took the 1.8 KB of a medication order,
// and moving those dominated the reader's profile. The rest stay inline (an observation, the most
// common item, is ~0.8 KB; an unmapped message a few dozen bytes).
#[allow(clippy::large_enum_variant)]
pub enum Item {
    Patient(Patient),
    Allergy(Allergy),
    Problem(Box<Problem>),
    MedicationOrder(Box<MedicationOrder>),
    Administration(Administration),
    LabOrder(LabOrder),
    Observation(Observation),
    Study(Study),
    Encounter(Encounter),
    DietOrder(DietOrder),
    Document(Document),
    Unmapped(Unmapped),
}
