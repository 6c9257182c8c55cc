//! The rows of the clinical store: one patient row per (facility, patient ID) and one entry per
//! clinical item, each a display-ready value with its codes kept.
//!
//! Times are strings: ISO 8601 at the precision written (`1996-01`, `2026-10-01T09:30`), or the text as
//! written when it could not be read (`小学校低学年の頃`). A viewer shows them; it never invents precision.

use serde::{Deserialize, Serialize};

/// A coded value: the text to show plus the codes behind it (standard code first, local second).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    /// What to show: the coded text, else the alternate text, else a code.
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_system: Option<String>,
    /// The standard code the hub's masters found for this value (issue 16 §2): shown beside the
    /// facility's own text, which is never replaced. Absent when the hub loaded no master that
    /// knew it, and in files built before masters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard: Option<StandardRef>,
}

/// A standard code the hub's masters (MEDIS disease names, HOT, JLAC10, a facility's mapping
/// table) found for a facility's coded value, as the build stored it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardRef {
    /// The standard system as HL7 tables name it: `MDCDX2`, `HOT9`, `YJ`, `JC10`, ….
    pub system: String,
    pub code: String,
    /// The master's name for it, when the master that names it was loaded and knew the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which master named it (`HOT`, `MEDIS 標準病名マスター`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<String>,
    /// True when the facility's mapping table turned its local code into this one.
    #[serde(default)]
    pub via_local_map: bool,
    /// For a drug: the YJ code the masters resolved it to. Present means the masters decided the
    /// drug's critical class (`drug_class`), and names are not consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yj: Option<String>,
    /// For a drug with a resolved YJ code: the critical class of its 薬効分類, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drug_class: Option<crate::codes::CriticalClass>,
}

/// Where an item came from: the facility and the storage-root-relative path of the file (or content
/// folder). Every stored item carries one, so nothing is ever shown without its origin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub facility: String,
    pub path: String,
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

impl Sex {
    /// The one-letter term the index uses (HL7 administrative sex).
    pub fn letter(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
            Sex::Other => "O",
            Sex::Unknown => "U",
        }
    }
}

/// One patient at one facility. Two facilities' patients are two rows, whatever their IDs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientRow {
    pub facility: String,
    pub patient_id: String,
    /// Family and given name in kanji, one ASCII space between.
    pub name_kanji: Option<String>,
    /// Family and given name in kana, as written (katakana), one ASCII space between.
    pub name_kana: Option<String>,
    /// Names with another or no representation code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_names: Vec<String>,
    /// `YYYY-MM-DD` (or less when only that was written).
    pub dob: Option<String>,
    pub sex: Sex,
    /// Addresses as written, home first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    #[serde(default)]
    pub deceased: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub death: Option<String>,
    /// The newest date of any record of this patient (visit, order, result, document).
    pub last_contact: Option<String>,
    /// Where the demographics came from (the current ADT-00, else the newest message's PID).
    pub source: Source,
    /// Files whose PID-3 named another patient than their folder: kept here, shown with a warning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_mismatches: Vec<String>,
    /// NK1: next of kin and emergency contacts, in the order written: who to call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
}

/// A next of kin or emergency contact (NK1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// NK1-2, kanji first, as PID-5.
    pub name: Option<String>,
    /// NK1-3 relationship (`妻`, or the HL7 0063 code when no text is written).
    pub relationship: Option<String>,
    /// NK1-5 and NK1-6 numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// NK1-4 addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

/// The section of the record an entry belongs to. Stored as text in `item.section`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Allergy,
    Problem,
    Medication,
    Administration,
    Lab,
    LabOrder,
    Vital,
    Body,
    Study,
    Encounter,
    Diet,
    Document,
    Unmapped,
}

impl Section {
    pub const ALL: [Section; 13] = [
        Section::Allergy,
        Section::Problem,
        Section::Medication,
        Section::Administration,
        Section::Lab,
        Section::LabOrder,
        Section::Vital,
        Section::Body,
        Section::Study,
        Section::Encounter,
        Section::Diet,
        Section::Document,
        Section::Unmapped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Allergy => "allergy",
            Section::Problem => "problem",
            Section::Medication => "medication",
            Section::Administration => "administration",
            Section::Lab => "lab",
            Section::LabOrder => "lab_order",
            Section::Vital => "vital",
            Section::Body => "body",
            Section::Study => "study",
            Section::Encounter => "encounter",
            Section::Diet => "diet",
            Section::Document => "document",
            Section::Unmapped => "unmapped",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// One clinical item, as stored. The variant decides the section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    Allergy(AllergyEntry),
    Problem(ProblemEntry),
    Medication(MedicationEntry),
    Administration(AdministrationEntry),
    /// Lab results, vital signs and body measurements share one shape; the section tells them apart.
    Observation(ObservationEntry),
    LabOrder(LabOrderEntry),
    Study(StudyEntry),
    Encounter(EncounterEntry),
    Diet(DietEntry),
    Document(DocumentEntry),
    Unmapped(UnmappedEntry),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllergyEntry {
    /// `DA` drug, `FA` food, `EA` environment, `LA` pollen … with its text.
    pub category: Option<Code>,
    pub allergen: Code,
    /// `SV` severe, `MO` moderate, `MI` mild, with its text.
    pub severity: Option<Code>,
    pub reactions: Vec<String>,
    pub onset: Option<String>,
    /// False when the message deletes it (IAM-6 `D`).
    pub active: bool,
}

impl AllergyEntry {
    pub fn is_drug(&self) -> bool {
        self.category
            .as_ref()
            .and_then(|c| c.code.as_deref())
            .is_some_and(|c| c.eq_ignore_ascii_case("DA"))
    }

    pub fn is_severe(&self) -> bool {
        self.severity
            .as_ref()
            .and_then(|c| c.code.as_deref())
            .is_some_and(|c| c.eq_ignore_ascii_case("SV"))
    }
}

/// One diagnosis of the current problem list (PPR-01 PRB). Whether it is still one of the patient's
/// problems is not stored: [`ProblemEntry::standing`] decides it from `deleted`, `resolved` and
/// `outcome` against the facility's data-as-of, by one rule (`crate::standing`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemEntry {
    pub diagnosis: Code,
    pub icd10: Option<String>,
    /// PRB-10.4–6 diagnosis type (JHSD0004: H 入院時, L 退院時, O 外来, B 術前, A 術後, F 最終).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis_type: Option<Code>,
    /// 疑い病名: suspected, not confirmed.
    pub suspected: bool,
    /// The main diagnosis (PRB-18).
    pub main: bool,
    pub onset: Option<String>,
    pub diagnosed: Option<String>,
    /// PRB-9: in Japanese 病名 practice the 転帰日, the day the outcome was recorded.
    pub resolved: Option<String>,
    /// PRB-14 outcome (HL7 table 0241), code and text as written.
    pub outcome: Option<Code>,
    /// PRB-1 `DE`: the hospital deleted this diagnosis.
    #[serde(default)]
    pub deleted: bool,
    pub department: Option<String>,
    pub doctor: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicationKind {
    Prescription,
    Injection,
}

/// A drug of an order: RXE-2 for a prescription, one RXC component of an injection mixture.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drug {
    #[serde(flatten)]
    pub code: Code,
    /// RXC-1: `B` base, `A` additive (injections only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// RXC-3/-4: this component's amount with its unit (`500 mL`), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
}

impl Drug {
    /// The drug's name, with its amount when one is written (`KCL補正液 20 mL`).
    pub fn text(&self) -> String {
        match &self.amount {
            Some(a) => format!("{} {a}", self.code.text),
            None => self.code.text.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationEntry {
    pub kind: Option<MedicationKind>,
    pub drugs: Vec<Drug>,
    /// Amount per dose with unit, as written (`3 錠`).
    pub dose: Option<String>,
    pub daily_dose: Option<String>,
    pub usage: Option<String>,
    pub route: Option<String>,
    pub dosage_form: Option<String>,
    pub days: Option<u32>,
    pub duration_text: Option<String>,
    pub start: Option<String>,
    /// The last day covered: TQ1-8, else start + days − 1.
    pub end: Option<String>,
    pub ordered_at: Option<String>,
    pub order_no: Option<String>,
    pub doctor: Option<String>,
    pub department: Option<String>,
    /// `inpatient`, `outpatient` or `unknown`.
    pub setting: String,
    pub instructions: Vec<String>,
    pub injection_type: Option<String>,
    pub rate: Option<String>,
    /// RXE-10/-11: how much was handed out (`14 錠`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispense: Option<String>,
    /// RXR-3: the administration device (an infusion pump, a syringe pump).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdministrationEntry {
    pub kind: Option<MedicationKind>,
    pub drug: Code,
    pub amount: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub status: Option<String>,
    pub route: Option<String>,
    pub comment: Option<String>,
    pub performer: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservationEntry {
    pub item: Code,
    /// As written: numbers, `(+)`, `< 0.5`, coded values' text.
    pub value: Option<String>,
    pub unit: Option<String>,
    pub range: Option<String>,
    /// Abnormal flag (H, L, HH, LL, A …).
    pub flag: Option<String>,
    pub status: Option<String>,
    pub observed_at: Option<String>,
    pub specimen: Option<String>,
    pub battery: Option<String>,
    /// OBX-4: results of one order that share a sub-ID belong together (in bacteriology, an organism
    /// and its quantity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id: Option<String>,
    pub comments: Vec<String>,
    /// An infection marker (see [`crate::codes::infection_marker`]).
    #[serde(default)]
    pub infection: bool,
    /// A positive infection marker the patient has not been told of (NTE `未告知`).
    #[serde(default)]
    pub undisclosed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabOrderEntry {
    pub ordered_at: Option<String>,
    pub order_no: Option<String>,
    pub specimen: Option<String>,
    pub battery: Option<String>,
    pub items: Vec<Code>,
    pub doctor: Option<String>,
    pub department: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub item: Code,
    pub value: Option<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyEntry {
    /// `radiology`, `endoscopy` or `physiology`.
    pub category: String,
    /// `order` or `report`.
    pub phase: String,
    pub procedures: Vec<Code>,
    pub findings: Vec<Finding>,
    pub ordered_at: Option<String>,
    pub performed_at: Option<String>,
    pub modality: Option<String>,
    pub accession: Option<String>,
    pub doctor: Option<String>,
    pub department: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterEntry {
    /// `outpatient_visit`, `admission`, `discharge` …
    pub kind: String,
    pub trigger: String,
    pub patient_class: Option<String>,
    pub location: Option<String>,
    pub prior_location: Option<String>,
    pub department: Option<String>,
    pub attending: Option<String>,
    pub at: Option<String>,
    pub disposition: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DietEntry {
    pub ordered_at: Option<String>,
    pub start: Option<String>,
    pub schedule: Option<String>,
    pub diets: Vec<Code>,
    pub instructions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSection {
    pub title: Option<String>,
    pub text: String,
}

/// One file of a document, with where its bytes sit in the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFile {
    pub name: String,
    pub media_type: String,
    pub bytes: u64,
    /// `blob.pk` of the file's bytes in the documents part; None when it could not be read at the hub
    /// (the reason is in `note`).
    pub blob: Option<i64>,
    /// `blob.pk` of a JPEG thumbnail, for images.
    pub thumbnail: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentEntry {
    pub document_type: Code,
    pub title: Option<String>,
    pub created: Option<String>,
    pub author: Option<String>,
    pub sections: Vec<DocumentSection>,
    pub files: Vec<DocumentFile>,
    pub jspeed: Option<String>,
    /// A referral letter (診療情報提供書) rather than another document.
    #[serde(default)]
    pub referral: bool,
    /// The hub's check of each signature found on the document's files (issue 16 §1,
    /// docs/hpki.md); empty when none was found (a referral letter is then unsigned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<SignatureCheck>,
}

/// How a document's file is signed (docs/hpki.md "Where signatures live").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureForm {
    /// A detached CMS / CAdES signature file beside the letter.
    CadesDetached,
    /// An XML signature enveloped in a CDA letter.
    XadesEnveloped,
    /// A signature inside a PDF.
    Pades,
}

/// The result the hub reached, one of the four a document's row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureOutcome {
    /// 署名あり・検証済み.
    Valid,
    /// 署名が無効 (the reason says why).
    Invalid,
    /// 発行元を確認できない: no path to an HPKI anchor the hub configured.
    UntrustedCa,
    /// 署名なし.
    Unsigned,
}

/// The signer as the certificate names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerEntry {
    /// The subject's CN, as written.
    pub name: Option<String>,
    /// The subject's O: the facility, when the certificate has one.
    pub organization: Option<String>,
    /// The hcRole qualifications: the name as written and, for the names the sources confirm,
    /// the Japanese one (医師, 薬剤師 …).
    pub roles: Vec<RoleEntry>,
    /// Whether one of the roles is a physician's (医師).
    pub physician: bool,
    pub issuer: String,
    /// Hexadecimal.
    pub serial: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleEntry {
    pub name: String,
    pub japanese: Option<String>,
}

/// The hub's check of one signature, signed into the snapshot with the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureCheck {
    /// The file of the document the signature is over.
    pub file: String,
    pub form: SignatureForm,
    /// The detached signature's own file (CAdES), a file of the same document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_file: Option<String>,
    pub outcome: SignatureOutcome,
    /// Why it is invalid or its issuer unconfirmed, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<SignerEntry>,
    /// RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<String>,
    /// What the certificate's validity was judged at: `signing-time` (the signer's claim),
    /// `timestamp` (a timestamp authority's token), `verification` (no time in the signature).
    pub time_basis: String,
    /// `checked` (against the issuer's CRL the hub had) or `not-checked`.
    pub revocation: String,
    /// The trusted signature timestamp (CAdES-T) the validity was judged at, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampEntry>,
    /// What a reader of the result should still know (a CAdES attribute the signature lacks, a
    /// timestamp from an authority the hub does not trust), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// When the hub checked (the build's time), RFC 3339.
    pub checked_at: String,
    /// The laptop's own re-check of the bytes it holds (never stored: set when a record is read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recheck: Option<Recheck>,
}

/// A timestamp authority's time on a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampEntry {
    /// genTime, RFC 3339.
    pub time: String,
    /// The authority's certificate subject.
    pub authority: String,
}

/// What the laptop found when it re-checked a signature offline: that it is over the bytes in the
/// snapshot, by the certificate the hub judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recheck {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmappedEntry {
    pub message_type: String,
}

impl Entry {
    /// A one-line name of the item: the drug(s), the diagnosis, the test, the document title.
    pub fn label(&self) -> String {
        match self {
            Entry::Allergy(a) => a.allergen.text.clone(),
            Entry::Problem(p) => p.diagnosis.text.clone(),
            Entry::Medication(m) => m
                .drugs
                .iter()
                .map(Drug::text)
                .collect::<Vec<_>>()
                .join(" + "),
            Entry::Administration(a) => a.drug.text.clone(),
            Entry::Observation(o) => o.item.text.clone(),
            Entry::LabOrder(o) => o.battery.clone().unwrap_or_else(|| join_codes(&o.items)),
            Entry::Study(s) => join_codes(&s.procedures),
            Entry::Encounter(e) => e.kind.clone(),
            Entry::Diet(d) => join_codes(&d.diets),
            Entry::Document(d) => d
                .title
                .clone()
                .unwrap_or_else(|| d.document_type.text.clone()),
            Entry::Unmapped(u) => u.message_type.clone(),
        }
    }

    /// The text clinical full-text search looks in: the label, codes' texts and, for documents, the
    /// narrative.
    pub fn search_text(&self) -> String {
        let mut text = self.label();
        let mut push = |s: &str| {
            if !s.is_empty() {
                text.push(' ');
                text.push_str(s);
            }
        };
        match self {
            Entry::Problem(p) => {
                if let Some(t) = &p.text {
                    push(t);
                }
            }
            Entry::Observation(o) => {
                if let Some(b) = &o.battery {
                    push(b);
                }
            }
            Entry::Study(s) => {
                for f in &s.findings {
                    push(&f.item.text);
                    if let Some(v) = &f.value {
                        push(v);
                    }
                }
            }
            Entry::Document(d) => {
                push(&d.document_type.text);
                for s in &d.sections {
                    if let Some(t) = &s.title {
                        push(t);
                    }
                    push(&s.text);
                }
            }
            Entry::LabOrder(o) => {
                for c in &o.items {
                    push(&c.text);
                }
            }
            _ => {}
        }
        text
    }
}

fn join_codes(codes: &[Code]) -> String {
    codes
        .iter()
        .map(|c| c.text.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// An entry as read back from the store, with its place and origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredItem {
    pub section: Section,
    /// The time the item is sorted by (ISO), when known.
    pub at: Option<String>,
    pub source: Source,
    /// PID-3 of the file when it named another patient than the folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_id_in_message: Option<String>,
    pub entry: Entry,
}

/// Packs one section's items for a `chart` row: JSON, zstd-compressed.
pub fn pack_items(items: &[StoredItem]) -> std::io::Result<Vec<u8>> {
    let json = serde_json::to_vec(items).map_err(std::io::Error::other)?;
    zstd::bulk::compress(&json, 3)
}

/// Unpacks a `chart` row. A row that does not unpack is a damaged snapshot, reported as an error.
pub fn unpack_items(packed: &[u8]) -> std::io::Result<Vec<StoredItem>> {
    let json = zstd::stream::decode_all(packed)?;
    serde_json::from_slice(&json).map_err(std::io::Error::other)
}
