//! Screen models: what each step of the manual shows, shaped for display. The front end renders
//! these and decides nothing: which items are critical, current or withheld was decided by the
//! query and the policy, and every date already has its era form.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use fieldchart_policy::{Area, Basis, Consent, Profession};
use fieldchart_query::record::{DataAsOf, ItemView, MemberState, RecordView};
use fieldchart_query::search::SearchResult;
use fieldchart_store::manifest::AppManifest;
use fieldchart_store::rows::{Contact, Drug, Entry, MedicationEntry, Sex};
use fieldchart_store::standing::StandingReason;
use serde::Serialize;

use crate::contract::{Identifier, Method, Screen, Step, StepOf};
use crate::day::Day;

/// A facility as shown: its code, its name when the hub gave one, and how fresh its data is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Facility {
    pub code: String,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_as_of: Option<Day>,
}

/// Facility names by code, from the opened snapshot's manifest.
#[derive(Debug, Clone, Default)]
pub struct Facilities(HashMap<String, Option<String>>);

impl Facilities {
    pub fn of(app: &AppManifest) -> Facilities {
        Facilities(
            app.facilities
                .iter()
                .map(|f| (f.code.clone(), f.name.clone()))
                .collect(),
        )
    }

    pub fn get(&self, code: &str) -> Facility {
        Facility {
            code: code.to_string(),
            name: self.0.get(code).cloned().flatten(),
            data_as_of: None,
        }
    }
}

/// A word in both languages, with its stable key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Words {
    pub key: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
}

pub fn profession_words(p: Profession) -> Words {
    let en = match p {
        Profession::Doctor => "Doctor",
        Profession::Dentist => "Dentist",
        Profession::Pharmacist => "Pharmacist",
        Profession::Nurse => "Nurse",
        Profession::PublicHealthNurse => "Public-health nurse",
        Profession::Midwife => "Midwife",
        Profession::Paramedic => "Paramedic",
        Profession::Radiographer => "Radiographer",
        Profession::LabTechnician => "Lab technician",
        Profession::Clerk => "Clerk or other",
    };
    Words {
        key: p.key(),
        ja: p.ja(),
        en,
    }
}

pub fn area_words(a: Area) -> Words {
    let (ja, en) = match a {
        Area::Identity => ("本人情報", "Identity"),
        Area::Encounters => ("受診歴", "Encounters"),
        Area::Allergies => ("アレルギー", "Allergies"),
        Area::Infections => ("感染症", "Infections"),
        Area::Problems => ("病名", "Problems"),
        Area::Medications => ("処方・注射", "Medicines"),
        Area::Labs => ("検査", "Labs"),
        Area::Reports => ("報告書", "Reports"),
        Area::Documents => ("文書", "Documents"),
    };
    Words {
        key: a.as_str(),
        ja,
        en,
    }
}

pub fn sex_words(s: Sex) -> Words {
    let (key, ja, en) = match s {
        Sex::Male => ("male", "男", "M"),
        Sex::Female => ("female", "女", "F"),
        Sex::Other => ("other", "その他", "Other"),
        Sex::Unknown => ("unknown", "不明", "Unknown"),
    };
    Words { key, ja, en }
}

/// PV1-2 patient class (HL7 table 0004) in words; a class without words here is shown as written
/// in the encounter's detail.
pub fn patient_class_words(code: &str) -> Option<Words> {
    let (key, ja, en) = match code {
        "O" => ("outpatient", "外来", "Outpatient"),
        "I" => ("inpatient", "入院", "Inpatient"),
        "E" => ("emergency", "救急", "Emergency"),
        "P" => ("preadmit", "入院予定", "Pre-admission"),
        "B" => ("obstetrics", "産科", "Obstetrics"),
        "R" => ("recurring", "継続外来", "Recurring patient"),
        _ => return None,
    };
    Some(Words { key, ja, en })
}

/// The viewer, as every screen after step 3 names them.
#[derive(Debug, Clone, Serialize)]
pub struct Viewer {
    pub name: String,
    pub profession: Words,
    pub team: String,
    pub event: String,
}

/// How old the data is, against the policy's limit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataAge {
    /// The oldest facility's data-as-of: the whole snapshot is at least this fresh.
    pub as_of: Option<Day>,
    pub days: Option<i64>,
    pub limit_days: u32,
    pub stale: bool,
}

/// What every screen after unlocking carries.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Banner {
    pub drill: bool,
    pub break_glass: Option<String>,
    pub snapshot_id: String,
    pub viewer: Option<Viewer>,
    pub data_age: DataAge,
    pub idle_lock_minutes: u32,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartScreen {
    pub step: StepOf<Self>,
    pub snapshots: Vec<crate::catalog::SnapshotCard>,
    pub device_key: Option<String>,
    /// Whether the device key is protected by a PIN: unlocking with it, a sync and resuming then
    /// ask for the PIN.
    pub device_key_pin: bool,
    /// Whether "Sync now" is offered, and from where to where (`None`: no sync source is set).
    pub sync: Option<crate::sync::SyncOffer>,
}

impl Screen for StartScreen {
    const STEP: Step = Step::Start;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfessionChoice {
    #[serde(flatten)]
    pub words: Words,
    pub needs_auth_code: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeclareScreen {
    pub step: StepOf<Self>,
    pub banner: Banner,
    pub professions: Vec<ProfessionChoice>,
    pub default_event: String,
}

impl Screen for DeclareScreen {
    const STEP: Step = Step::Declare;
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchScreen {
    pub step: StepOf<Self>,
    pub banner: Banner,
}

impl Screen for SearchScreen {
    const STEP: Step = Step::Find;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultRow {
    pub facility: Facility,
    pub patient_id: String,
    pub name_kanji: Option<String>,
    pub name_kana: Option<String>,
    pub dob: Option<Day>,
    pub age: Option<u32>,
    pub sex: Words,
    pub address: Option<String>,
    pub last_contact: Option<Day>,
    pub consent: Consent,
    /// What the viewer can confirm identity on (two are needed).
    pub identifiers: Vec<Identifier>,
    /// What the query matched (sex too, which confirms nothing).
    pub matched: Vec<Identifier>,
    /// The same person at other facilities, as the hub's cross-references link them (never a
    /// guess): each facility's ID and last contact, and its name, kana, date of birth, sex and
    /// address where they differ from this row's.
    pub linked: Vec<LinkedRow>,
    /// Data-quality warnings across the linked identifiers: `dob-differs`, `sex-differs`.
    pub warnings: Vec<String>,
}

/// Another facility's identifier of the person on a result row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkedRow {
    pub facility: Facility,
    pub patient_id: String,
    /// `xref`, `link` or `merge` (a prior ID at the same facility).
    pub via: String,
    /// Whether this snapshot holds its data (then it can be opened from the row).
    pub held: bool,
    pub last_contact: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kanji: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dob: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Words>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Results {
    pub step: StepOf<Self>,
    pub banner: Banner,
    pub query: String,
    pub results: Vec<ResultRow>,
    /// Set when more patients matched than the policy lets one search list: `results` is empty,
    /// and the screen asks the viewer to narrow the search.
    pub too_broad: Option<TooBroad>,
}

/// A search that matched more than `more_than` patients (the policy's `session.max_results`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TooBroad {
    pub more_than: u32,
}

impl Screen for Results {
    const STEP: Step = Step::Find;
}

/// What can be confirmed with the patient: the name, date of birth and address where known, and
/// the ID (never sex).
fn confirmable(name: bool, dob: bool, address: bool) -> Vec<Identifier> {
    let mut identifiers = Vec::new();
    if name {
        identifiers.push(Identifier::Name);
    }
    if dob {
        identifiers.push(Identifier::Dob);
    }
    if address {
        identifiers.push(Identifier::Address);
    }
    identifiers.push(Identifier::PatientId);
    identifiers
}

impl ResultRow {
    pub fn of(r: &SearchResult, facilities: &Facilities) -> ResultRow {
        let identifiers = confirmable(
            r.name_kanji.is_some() || r.name_kana.is_some(),
            r.dob.is_some(),
            r.address.is_some(),
        );
        let mut matched: Vec<Identifier> = r
            .matched
            .iter()
            .filter_map(|m| Identifier::of_field(&m.field))
            .collect();
        matched.sort_unstable();
        matched.dedup();
        ResultRow {
            facility: facilities.get(&r.facility),
            patient_id: r.patient_id.clone(),
            name_kanji: r.name_kanji.clone(),
            name_kana: r.name_kana.clone(),
            dob: Day::opt(r.dob.as_deref()),
            age: r.age,
            sex: sex_words(r.sex),
            address: r.address.clone(),
            last_contact: Day::opt(r.last_contact.as_deref()),
            consent: r.consent,
            identifiers,
            matched,
            linked: r
                .linked
                .iter()
                .map(|l| LinkedRow {
                    facility: facilities.get(&l.facility),
                    patient_id: l.patient_id.clone(),
                    via: l.via.clone(),
                    held: l.held,
                    last_contact: Day::opt(l.last_contact.as_deref()),
                    name_kanji: l.name_kanji.clone(),
                    name_kana: l.name_kana.clone(),
                    dob: Day::opt(l.dob.as_deref()),
                    sex: l.sex.map(sex_words),
                    address: l.address.clone(),
                })
                .collect(),
            warnings: r.warnings.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PatientHeader {
    pub facility: Facility,
    pub patient_id: String,
    pub name_kanji: Option<String>,
    pub name_kana: Option<String>,
    pub dob: Option<Day>,
    pub age: Option<u32>,
    pub sex: Words,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub deceased: bool,
    /// Files that named another patient ID than their folder (shown as a warning).
    pub id_warnings: Vec<String>,
    /// Next of kin and emergency contacts (NK1), in the order written: who to call.
    pub contacts: Vec<Contact>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessShown {
    pub consent: Consent,
    pub basis: Basis,
    pub withheld: Vec<Words>,
    /// Items before this day are not shown to this profession.
    pub since: Option<Day>,
    pub break_glass: Option<String>,
}

/// One red-banner entry.
#[derive(Debug, Clone, Serialize)]
pub struct Critical {
    pub class: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    /// The drug, allergen, diagnosis or test that raised it.
    pub what: String,
    pub facility: Facility,
    pub date: Option<Day>,
    /// An infection result the patient has not been told of (未告知).
    pub undisclosed: bool,
}

/// A master file a snapshot was built with, as the record's technical detail names it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MasterShown {
    /// Which master (`MEDIS 医薬品HOTコードマスター` …).
    pub master: String,
    pub file: String,
    pub version: Option<String>,
    pub sha256: String,
}

/// A standard code the hub's masters found for an item's code, shown beside (never instead of)
/// the facility's own text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StandardShown {
    /// `YJ`, `HOT9`, `JC10`, `MDCDX2` ….
    pub system: String,
    pub code: String,
    /// The master's name for it, when the master that names it was loaded.
    pub name: Option<String>,
    /// The facility's mapping table turned its local code into this one.
    pub via_local_map: bool,
}

impl StandardShown {
    fn of(c: &fieldchart_store::rows::Code) -> Option<StandardShown> {
        c.standard.as_ref().map(|s| StandardShown {
            system: s.system.clone(),
            code: s.code.clone(),
            name: s.name.clone(),
            via_local_map: s.via_local_map,
        })
    }
}

/// One item as a line: `text`, then `detail` on a second line.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub text: String,
    pub detail: Option<String>,
    /// A stable key for words the front end translates (an encounter's kind).
    pub kind: Option<String>,
    pub value: Option<String>,
    pub unit: Option<String>,
    pub range: Option<String>,
    pub flag: Option<String>,
    pub severity: Option<String>,
    pub suspected: bool,
    pub undisclosed: bool,
    pub facility: Facility,
    /// The item's date (for a problem, its diagnosis date, PRB-7).
    pub date: Option<Day>,
    /// For a problem, the onset (PRB-16) when it is another day than the diagnosis: a referral
    /// letter quotes the onset, and a newcomer read the two dates as one off by a month.
    pub onset: Option<Day>,
    /// For a problem: where it stands and its outcome, as the one rule decided it.
    pub problem: Option<ProblemShown>,
    /// For an encounter: PV1-2 patient class in words (a class without words is in `detail`).
    pub class: Option<Words>,
    /// For an encounter: PV1-36 discharge disposition, as written.
    pub disposition: Option<String>,
    /// For a lab result that shares its OBX-4 sub-ID with an earlier result of the same order:
    /// that result (in bacteriology, the organism this quantity or susceptibility belongs to).
    pub belongs_to: Option<String>,
    /// The standard codes the hub's masters found for the item's code(s).
    pub standards: Vec<StandardShown>,
}

/// A problem's standing (`ProblemEntry::standing`: PRB-1, PRB-9 and PRB-14 against the data-as-of)
/// and its outcome as written. The front end words the standing; it never decides it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemShown {
    /// Listed among the patient's problems.
    pub active: bool,
    /// Why: `persists`, `conflicting`, `unrecognised`, `open`, `resolves_later` (listed) or
    /// `recovered`, `died`, `resolved`, `deleted` (not listed).
    pub standing: StandingReason,
    /// PRB-14 code as written (`N`); with `outcome_text` both are shown, so a code and a text that
    /// disagree are never reconciled by a guess.
    pub outcome_code: Option<String>,
    /// PRB-14 text as written (`回復せず`).
    pub outcome_text: Option<String>,
    /// PRB-9, the day the outcome was recorded (転帰日).
    pub outcome_date: Option<Day>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Medicine {
    pub drug: String,
    pub dose: Option<String>,
    pub usage: Option<String>,
    pub days: Option<u32>,
    /// `prescription` or `injection`.
    pub kind: Option<&'static str>,
    pub last_prescribed: Option<Day>,
    /// Until when it was prescribed.
    pub until: Option<Day>,
    pub doctor: Option<String>,
    /// RXR-1 route.
    pub route: Option<String>,
    /// RXE-23/-24 infusion rate.
    pub rate: Option<String>,
    /// RXR-3 device (an infusion pump matters for a transfer).
    pub device: Option<String>,
    /// RXE-10/-11 the amount handed out.
    pub dispense: Option<String>,
    pub facility: Facility,
    /// The standard codes the hub's masters found for the drugs, in the drugs' order.
    pub standards: Vec<StandardShown>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub date: Day,
    pub value: f64,
    pub flag: Option<String>,
}

/// One lab test over time, numeric results only, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    pub code: String,
    pub name: String,
    pub unit: Option<String>,
    pub range: Option<String>,
    pub points: Vec<Point>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocSection {
    pub title: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocFile {
    pub name: String,
    pub media_type: String,
    pub bytes: u64,
    pub blob: Option<i64>,
    pub thumbnail: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub title: String,
    pub kind: String,
    pub date: Option<Day>,
    pub facility: Facility,
    pub author: Option<String>,
    pub referral: bool,
    pub sections: Vec<DocSection>,
    pub files: Vec<DocFile>,
    /// The hub's result for each signature on the document, the one most in need of attention
    /// first (invalid, unconfirmed issuer, valid); a referral letter without any has one
    /// `unsigned` entry, so its row says 署名なし rather than nothing.
    pub signatures: Vec<DocSignature>,
}

/// One signature as the document's row and viewer show it (docs/hpki.md, docs/app.md).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocSignature {
    /// `valid`, `invalid`, `untrusted-ca` or `unsigned`.
    pub outcome: &'static str,
    /// 署名あり・検証済み / 署名が無効 / 発行元を確認できない / 署名なし, with English.
    pub words: Words,
    /// `cades-detached`, `xades-enveloped` or `pades`.
    pub form: &'static str,
    /// The signed file, and the detached signature's own file.
    pub file: String,
    pub signature_file: Option<String>,
    pub signer: Option<String>,
    /// The signer's facility (the certificate's O).
    pub organization: Option<String>,
    /// Each qualification in Japanese where it is known (医師, 薬剤師), else as written.
    pub roles: Vec<String>,
    /// Whether a physician (医師) signed it. A letter signed by anyone else says so.
    pub physician: bool,
    /// In Japan time.
    pub signed_at: Option<Day>,
    /// Whose time `signed_at` is: `timestamp` (a timestamp authority's), `signing-time` (the
    /// signer's own claim), `verification` (none in the signature: the hub's check).
    pub time_basis: &'static str,
    pub timestamp_authority: Option<String>,
    /// `checked` against the CA's CRL at the hub, or `not-checked`.
    pub revocation: &'static str,
    /// Why it is invalid or its issuer unconfirmed.
    pub reason: Option<String>,
    pub notes: Vec<String>,
    /// When the hub checked it (Japan time).
    pub checked_at: Option<Day>,
    /// This laptop's re-check of the bytes it holds: true (the signature is over them, by the
    /// certificate the hub checked), false with `recheck_reason`, None when there was nothing to
    /// re-check.
    pub rechecked: Option<bool>,
    pub recheck_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub allergies: Vec<Row>,
    pub infections: Vec<Row>,
    pub problems: Vec<Row>,
    pub suspected: Vec<Row>,
    pub medicines: Vec<Medicine>,
    pub labs: Vec<Row>,
    pub trends: Vec<Trend>,
    pub encounters: Vec<Row>,
    /// The newest diet order (OMD): a salt-restricted or fasting order matters in a shelter.
    pub diet: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    pub medicines: Vec<Medicine>,
    /// Administrations (OMP-11/-12): what was given, by whom, and when.
    pub given: Vec<Row>,
    pub labs: Vec<Row>,
    pub lab_trends: Vec<Trend>,
    /// Lab tests ordered (OML-01), with results or not yet.
    pub lab_orders: Vec<Row>,
    pub problems: Vec<Row>,
    pub encounters: Vec<Row>,
    /// Diet orders (OMD), newest first.
    pub diet: Vec<Row>,
    pub reports: Vec<Row>,
    pub documents: Vec<Document>,
}

/// How fresh this record's facility's data is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordAge {
    pub facility: Facility,
    pub as_of: Option<Day>,
    pub days: Option<i64>,
    pub stale: bool,
}

/// Another identifier of the person on screen, as the hub's cross-references link it with the
/// header's: whether its facility's data is part of this record, and how fresh it is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordMember {
    pub facility: Facility,
    pub patient_id: String,
    /// `xref`, `link` or `merge`; None for the identifier the viewer opened.
    pub via: Option<String>,
    /// The identifier the viewer opened (shown here when its own facility withholds it).
    pub opened: bool,
    /// `shown`, `withheld` (its facility's consent refuses sharing) or `not-held`.
    pub state: MemberState,
    pub consent: Option<Consent>,
    /// The basis its data is shown on, when shown.
    pub basis: Option<Basis>,
    /// Its facility's data-as-of, when shown.
    pub data_as_of: Option<RecordAge>,
    pub withheld_because: Option<String>,
    /// Its identity fields where they differ from the header's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kanji: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dob: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Words>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// "Possibly the same person (not confirmed by the hub)": an unlinked patient at another facility
/// whose identity agrees with this record's, and why. It opens as its own record, from this line,
/// after the viewer confirms it on two identifiers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PossibleMatch {
    pub facility: Facility,
    pub patient_id: String,
    /// The identifier of this record it resembles.
    pub resembles: String,
    /// `probable`, or `weaker` (the given name, date of birth, sex and municipality agree; the
    /// family name differs: a marriage).
    pub strength: String,
    pub agree: Vec<String>,
    pub differ: Vec<String>,
    pub consent: Consent,
    pub name_kanji: Option<String>,
    pub name_kana: Option<String>,
    pub dob: Option<Day>,
    pub sex: Words,
    pub address: Option<String>,
    /// What can be confirmed before opening it (as a search row's).
    pub identifiers: Vec<Identifier>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordScreen {
    pub step: StepOf<Self>,
    pub banner: Banner,
    pub patient: PatientHeader,
    /// The standard code masters the hub built this data with; empty: none (codes as the
    /// facilities wrote them).
    pub masters: Vec<MasterShown>,
    pub access: AccessShown,
    pub data_as_of: RecordAge,
    /// The person's other identifiers the hub linked with the header's (empty for a patient
    /// linked with nobody): the record gathers every shown one's data, each item with its
    /// facility and date.
    pub linked: Vec<RecordMember>,
    /// Unlinked patients suggested as possibly the same person (never merged into this record).
    pub possibly: Vec<PossibleMatch>,
    pub critical: Vec<Critical>,
    pub summary: Summary,
    pub details: Details,
}

impl Screen for RecordScreen {
    const STEP: Step = Step::Summary;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintScreen {
    pub step: StepOf<Self>,
    pub banner: Banner,
    pub printed_at: Day,
    pub patient: PatientHeader,
    pub access: AccessShown,
    pub data_as_of: RecordAge,
    /// Every other facility whose data is on the page (or withheld from it).
    pub linked: Vec<RecordMember>,
    pub critical: Vec<Critical>,
    pub summary: Summary,
}

impl Screen for PrintScreen {
    const STEP: Step = Step::Print;
}

#[derive(Debug, Clone, Serialize)]
pub struct LockScreen {
    pub step: StepOf<Self>,
    pub drill: bool,
    pub viewer: Option<Viewer>,
    /// What resuming asks for again.
    pub method: Method,
    /// Unlocked with a device key protected by a PIN: resuming asks for the PIN.
    pub pin: bool,
}

impl Screen for LockScreen {
    const STEP: Step = Step::LockOrEnd;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DrillReport {
    pub steps: Vec<crate::steps::StepTime>,
    pub total: f64,
    pub saved_to: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EndScreen {
    pub step: StepOf<Self>,
    pub drill: bool,
    pub report: Option<DrillReport>,
}

impl Screen for EndScreen {
    const STEP: Step = Step::LockOrEnd;
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    pub media_type: String,
    pub base64: String,
}

/// How many of the newest encounters the summary shows.
const SUMMARY_ENCOUNTERS: usize = 5;
/// Diet orders in the summary: the newest is the one the kitchen follows.
const SUMMARY_DIET: usize = 1;

/// Builds the record screen's parts from the query's view.
pub struct RecordParts {
    pub patient: PatientHeader,
    /// The standard code masters the shown data was built with (technical detail).
    pub masters: Vec<MasterShown>,
    pub age: RecordAge,
    pub linked: Vec<RecordMember>,
    pub possibly: Vec<PossibleMatch>,
    pub access: AccessShown,
    pub critical: Vec<Critical>,
    pub summary: Summary,
    pub details: Details,
}

impl RecordParts {
    /// `today` and `stale_days` (the policy's) decide each facility's data age.
    pub fn of(v: &RecordView, f: &Facilities, today: NaiveDate, stale_days: u32) -> RecordParts {
        let age = |d: &DataAsOf| {
            let as_of = Day::opt(d.facility_data_as_of.as_deref());
            let days = as_of
                .as_ref()
                .and_then(Day::date)
                .map(|d| (today - d).num_days());
            let mut facility = f.get(&d.facility);
            facility.data_as_of = as_of.clone();
            RecordAge {
                facility,
                as_of,
                days,
                stale: days.is_some_and(|d| d > i64::from(stale_days)),
            }
        };
        let p = &v.patient.row;
        let header = (p.facility.as_str(), p.patient_id.as_str());
        let linked = v
            .members
            .iter()
            .filter(|m| (m.facility.as_str(), m.patient_id.as_str()) != header)
            .map(|m| RecordMember {
                facility: f.get(&m.facility),
                patient_id: m.patient_id.clone(),
                via: m.via.clone(),
                opened: m.opened,
                state: m.state,
                consent: m.consent,
                basis: m.basis,
                data_as_of: m.data_as_of.as_ref().map(age),
                withheld_because: m.withheld_because.clone(),
                name_kanji: m.differs.name_kanji.clone(),
                name_kana: m.differs.name_kana.clone(),
                dob: Day::opt(m.differs.dob.as_deref()),
                sex: m.differs.sex.map(sex_words),
                address: m.differs.address.clone(),
            })
            .collect();
        let patient = PatientHeader {
            facility: f.get(&p.facility),
            patient_id: p.patient_id.clone(),
            name_kanji: p.name_kanji.clone(),
            name_kana: p.name_kana.clone(),
            dob: Day::opt(p.dob.as_deref()),
            age: v.patient.age,
            sex: sex_words(p.sex),
            address: p.addresses.first().cloned(),
            phone: p.phones.first().cloned(),
            deceased: p.deceased,
            id_warnings: p.id_mismatches.clone(),
            contacts: p.contacts.clone(),
        };
        let a = &v.access;
        let access = AccessShown {
            consent: a.consent,
            basis: a.basis,
            withheld: a.withheld.iter().map(|&w| area_words(w)).collect(),
            since: a.since.map(Day::of),
            break_glass: a.break_glass.clone(),
        };
        let s = &v.summary;
        let h = &v.history;
        let mut critical: Vec<Critical> = s
            .critical_flags
            .iter()
            .map(|c| Critical {
                class: critical_key(c.class),
                ja: c.label,
                en: critical_en(c.class),
                what: match &c.dose {
                    Some(dose) => format!("{} {dose}", c.reason),
                    None => c.reason.clone(),
                },
                facility: f.get(&c.source.facility),
                // The band says since when, to the day: an order's start is written with an
                // hour of 00 (TQ1-7 `2011070100`, guide §3), which is no time of day.
                date: Day::opt(c.at.as_deref()).map(Day::day_only),
                undisclosed: false,
            })
            .collect();
        critical.extend(s.infections.iter().map(|i| {
            let undisclosed = matches!(&i.entry, Entry::Observation(o) if o.undisclosed);
            let what = match &i.entry {
                Entry::Observation(o) => match &o.value {
                    Some(v) => format!("{} {v}", o.item.text),
                    None => o.item.text.clone(),
                },
                _ => i.label.clone(),
            };
            Critical {
                class: "infection",
                ja: "感染症",
                en: "Infection",
                what,
                facility: f.get(&i.source.facility),
                date: Day::opt(i.at.as_deref()).map(Day::day_only),
                undisclosed,
            }
        }));
        let rows = |items: &[ItemView]| items.iter().map(|i| row(i, f)).collect::<Vec<_>>();
        let meds = |items: &[ItemView]| {
            items
                .iter()
                .filter_map(|i| medicine(i, f))
                .collect::<Vec<_>>()
        };
        let summary = Summary {
            allergies: rows(&s.allergies),
            infections: rows(&s.infections),
            problems: rows(&s.problems),
            suspected: rows(&s.suspected_problems),
            medicines: meds(&s.medications),
            labs: lab_rows(&s.recent_labs, f),
            trends: trends(&h.labs)
                .into_iter()
                .filter(|t| t.points.len() >= 2)
                .filter(|t| {
                    s.recent_labs
                        .iter()
                        .any(|r| matches!(&r.entry, Entry::Observation(o) if test_key(o) == t.code))
                })
                .collect(),
            encounters: rows(&newest(&h.encounters, SUMMARY_ENCOUNTERS)),
            diet: rows(&newest(&h.diet, SUMMARY_DIET)),
        };
        let details = Details {
            medicines: meds(&h.medications),
            given: rows(
                &h.medications
                    .iter()
                    .filter(|i| matches!(i.entry, Entry::Administration(_)))
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
            labs: lab_rows(&h.labs, f),
            lab_trends: trends(&h.labs),
            lab_orders: rows(&h.lab_orders),
            problems: rows(&h.problems),
            encounters: rows(&h.encounters),
            diet: rows(&newest(&h.diet, h.diet.len())),
            reports: rows(&h.reports),
            documents: h.documents.iter().filter_map(|d| document(d, f)).collect(),
        };
        let possibly = v
            .possibly
            .iter()
            .map(|m| {
                let r = &m.identity;
                PossibleMatch {
                    facility: f.get(&m.facility),
                    patient_id: m.patient_id.clone(),
                    resembles: format!("{}:{}", m.resembles_facility, m.resembles_patient_id),
                    strength: m.strength.clone(),
                    agree: m.agree.clone(),
                    differ: m.differ.clone(),
                    consent: m.consent,
                    name_kanji: r.name_kanji.clone(),
                    name_kana: r.name_kana.clone(),
                    dob: Day::opt(r.dob.as_deref()),
                    sex: sex_words(r.sex),
                    address: r.addresses.first().cloned(),
                    identifiers: confirmable(
                        r.name_kanji.is_some() || r.name_kana.is_some(),
                        r.dob.is_some(),
                        !r.addresses.is_empty(),
                    ),
                }
            })
            .collect();
        let mut masters: Vec<MasterShown> = Vec::new();
        let files = std::iter::once(&v.data_as_of)
            .chain(v.members.iter().filter_map(|m| m.data_as_of.as_ref()))
            .flat_map(|d| &d.masters);
        for m in files {
            if !masters.iter().any(|s| s.sha256 == m.sha256) {
                masters.push(MasterShown {
                    master: m.master.clone(),
                    file: m.file.clone(),
                    version: m.version.clone(),
                    sha256: m.sha256.clone(),
                });
            }
        }
        RecordParts {
            patient,
            masters,
            age: age(&v.data_as_of),
            linked,
            possibly,
            access,
            critical,
            summary,
            details,
        }
    }

    /// Every blob (document file or thumbnail) this record shows: the only ones `document` serves.
    pub fn blobs(&self) -> Vec<i64> {
        self.details
            .documents
            .iter()
            .flat_map(|d| &d.files)
            .flat_map(|f| [f.blob, f.thumbnail])
            .flatten()
            .collect()
    }
}

fn newest(items: &[ItemView], n: usize) -> Vec<ItemView> {
    let mut sorted: Vec<ItemView> = items.to_vec();
    sorted.sort_by(|a, b| b.at.cmp(&a.at));
    sorted.truncate(n);
    sorted
}

fn critical_key(c: fieldchart_store::codes::CriticalClass) -> &'static str {
    use fieldchart_store::codes::CriticalClass as C;
    match c {
        C::Anticoagulant => "anticoagulant",
        C::Insulin => "insulin",
        C::Antiepileptic => "antiepileptic",
        C::SystemicSteroid => "systemic-steroid",
        C::Dialysis => "dialysis",
        C::SevereDrugAllergy => "severe-drug-allergy",
    }
}

fn critical_en(c: fieldchart_store::codes::CriticalClass) -> &'static str {
    use fieldchart_store::codes::CriticalClass as C;
    match c {
        C::Anticoagulant => "Anticoagulant",
        C::Insulin => "Insulin",
        C::Antiepileptic => "Antiepileptic",
        C::SystemicSteroid => "Systemic steroid",
        C::Dialysis => "Dialysis",
        C::SevereDrugAllergy => "Severe drug allergy",
    }
}

fn join(parts: &[Option<&str>], sep: &str) -> Option<String> {
    let kept: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!kept.is_empty()).then(|| kept.join(sep))
}

fn row(i: &ItemView, f: &Facilities) -> Row {
    let mut r = Row {
        text: i.label.clone(),
        detail: None,
        kind: None,
        value: None,
        unit: None,
        range: None,
        flag: None,
        severity: None,
        suspected: false,
        undisclosed: false,
        facility: f.get(&i.source.facility),
        date: Day::opt(i.at.as_deref()),
        onset: None,
        problem: None,
        class: None,
        disposition: None,
        belongs_to: None,
        standards: Vec::new(),
    };
    match &i.entry {
        Entry::Allergy(a) => {
            r.text = a.allergen.text.clone();
            r.standards.extend(StandardShown::of(&a.allergen));
            let reactions = a.reactions.join("、");
            r.detail = join(
                &[
                    a.category.as_ref().map(|c| c.text.as_str()),
                    Some(reactions.as_str()),
                ],
                " ・ ",
            );
            r.severity = a.severity.as_ref().map(|s| s.text.clone());
        }
        Entry::Problem(p) => {
            r.text = p.diagnosis.text.clone();
            r.standards.extend(StandardShown::of(&p.diagnosis));
            r.suspected = p.suspected;
            // PRB-10's diagnosis type (外来時, 入院時, 最終 …) first: it says in which setting the
            // diagnosis was made.
            let kind = p.diagnosis_type.as_ref().map(|t| t.text.as_str());
            r.detail = join(&[kind, p.department.as_deref(), p.doctor.as_deref()], " ");
            r.onset = Day::opt(p.onset.as_deref())
                .filter(|o| r.date.as_ref().is_none_or(|d| d.iso != o.iso));
            let outcome_code = p
                .outcome
                .as_ref()
                .and_then(|o| o.code.clone().or_else(|| o.local_code.clone()));
            // A stored code's text falls back to the code when none was written; that is not text.
            let outcome_text = p
                .outcome
                .as_ref()
                .map(|o| o.text.clone())
                .filter(|t| !t.is_empty() && Some(t) != outcome_code.as_ref());
            r.problem = i.standing.as_ref().map(|s| ProblemShown {
                active: s.active,
                standing: s.reason,
                outcome_code,
                outcome_text,
                outcome_date: Day::opt(p.resolved.as_deref()),
            });
        }
        Entry::Observation(o) => {
            r.text = o.item.text.clone();
            r.standards.extend(StandardShown::of(&o.item));
            r.value = o.value.clone();
            r.unit = o.unit.clone();
            r.range = o.range.clone();
            r.flag = o.flag.clone();
            r.undisclosed = o.undisclosed;
            r.detail = join(&[o.specimen.as_deref(), o.battery.as_deref()], " ・ ");
        }
        Entry::Encounter(e) => {
            r.kind = Some(e.kind.clone());
            r.class = e.patient_class.as_deref().and_then(patient_class_words);
            let unworded_class = e.patient_class.as_deref().filter(|_| r.class.is_none());
            // PV1-6 → PV1-3: a transfer reads as where from, then where to. An outpatient clinic
            // written as the department's own code (`01^^^^^C`) is said once.
            let location = e
                .location
                .as_deref()
                .filter(|l| Some(*l) != e.department.as_deref());
            let moved = match (e.prior_location.as_deref(), location) {
                (Some(from), Some(to)) => Some(format!("{from} → {to}")),
                (Some(from), None) => Some(format!("{from} →")),
                (None, to) => to.map(str::to_string),
            };
            r.detail = join(
                &[
                    e.department.as_deref(),
                    e.attending.as_deref(),
                    moved.as_deref(),
                    unworded_class,
                ],
                " ",
            );
            r.disposition = e.disposition.clone();
        }
        Entry::Administration(a) => {
            r.text = a.drug.text.clone();
            r.standards.extend(StandardShown::of(&a.drug));
            r.value = a.amount.clone();
            r.detail = join(
                &[
                    a.route.as_deref(),
                    a.status.as_deref(),
                    a.performer.as_deref(),
                    a.comment.as_deref(),
                ],
                " ・ ",
            );
        }
        Entry::LabOrder(o) => {
            r.standards = o.items.iter().filter_map(StandardShown::of).collect();
            let items: Vec<&str> = o.items.iter().map(|c| c.text.as_str()).collect();
            let items = items.join("、");
            // The label is the battery when one is named; the tests ordered then follow it.
            let items = (o.battery.is_some() && !items.is_empty()).then_some(items.as_str());
            r.detail = join(
                &[
                    o.specimen.as_deref(),
                    items,
                    o.department.as_deref(),
                    o.doctor.as_deref(),
                ],
                " ・ ",
            );
        }
        Entry::Diet(d) => {
            let instructions = d.instructions.join("、");
            r.detail = join(
                &[d.schedule.as_deref(), Some(instructions.as_str())],
                " ・ ",
            );
        }
        Entry::Study(s) => {
            let procedures: Vec<&str> = s.procedures.iter().map(|p| p.text.as_str()).collect();
            if !procedures.is_empty() {
                r.text = procedures.join("、");
            }
            let findings: Vec<String> = s
                .findings
                .iter()
                .map(|x| {
                    let value = join(&[x.value.as_deref(), x.unit.as_deref()], " ");
                    match value {
                        Some(v) => format!("{}: {v}", x.item.text),
                        None => x.item.text.clone(),
                    }
                })
                .collect();
            r.detail = (!findings.is_empty()).then(|| findings.join(" / "));
        }
        Entry::Medication(m) => {
            r.detail = join(&[m.dose.as_deref(), m.usage.as_deref()], " ");
        }
        _ => {}
    }
    r
}

fn medicine(i: &ItemView, f: &Facilities) -> Option<Medicine> {
    let Entry::Medication(m) = &i.entry else {
        return None;
    };
    let MedicationEntry {
        kind,
        drugs,
        dose,
        usage,
        days,
        ordered_at,
        start,
        end,
        doctor,
        ..
    } = m;
    let drug: Vec<String> = drugs.iter().map(Drug::text).collect();
    Some(Medicine {
        drug: if drug.is_empty() {
            i.label.clone()
        } else {
            drug.join("、")
        },
        dose: dose.clone(),
        usage: usage.clone(),
        days: *days,
        kind: kind.map(|k| match k {
            fieldchart_store::rows::MedicationKind::Prescription => "prescription",
            fieldchart_store::rows::MedicationKind::Injection => "injection",
        }),
        last_prescribed: Day::opt(
            ordered_at
                .as_deref()
                .or(start.as_deref())
                .or(i.at.as_deref()),
        ),
        until: Day::opt(end.as_deref()),
        doctor: doctor.clone(),
        route: m.route.clone(),
        rate: m.rate.clone(),
        device: m.device.clone(),
        dispense: m.dispense.clone(),
        facility: f.get(&i.source.facility),
        standards: drugs
            .iter()
            .filter_map(|d| StandardShown::of(&d.code))
            .collect(),
    })
}

/// Lab results as rows, each result that shares its OBX-4 sub-ID with an earlier result of the same
/// file and order naming that result, so an organism and its quantity read as one finding.
fn lab_rows(items: &[ItemView], f: &Facilities) -> Vec<Row> {
    /// One sub-ID group: file, battery, time and sub-ID.
    type Group<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a str);
    let mut first: HashMap<Group, String> = HashMap::new();
    items
        .iter()
        .map(|i| {
            let mut r = row(i, f);
            if let Entry::Observation(o) = &i.entry
                && let Some(sub) = o.sub_id.as_deref().filter(|s| !s.is_empty())
            {
                let key = (
                    i.source.path.as_str(),
                    o.battery.as_deref(),
                    o.observed_at.as_deref(),
                    sub,
                );
                let shown = join(&[Some(o.item.text.as_str()), o.value.as_deref()], " ")
                    .unwrap_or_default();
                match first.get(&key) {
                    Some(head) => r.belongs_to = Some(head.clone()),
                    None => {
                        first.insert(key, shown);
                    }
                }
            }
            r
        })
        .collect()
}

/// The key that groups one test's results: its code with its system, else its name.
fn test_key(o: &fieldchart_store::rows::ObservationEntry) -> String {
    match &o.item.code {
        Some(code) => format!("{}:{code}", o.item.system.as_deref().unwrap_or("")),
        None => o.item.text.clone(),
    }
}

/// Numeric lab results grouped by test, oldest first; tests in the order of their newest result.
pub fn trends(labs: &[ItemView]) -> Vec<Trend> {
    let mut by: BTreeMap<String, Trend> = BTreeMap::new();
    let mut newest: Vec<(String, String)> = Vec::new();
    for i in labs {
        let Entry::Observation(o) = &i.entry else {
            continue;
        };
        let Some(value) = o.value.as_deref().and_then(numeric) else {
            continue;
        };
        let Some(at) = o.observed_at.as_deref().or(i.at.as_deref()) else {
            continue;
        };
        let key = test_key(o);
        let t = by.entry(key.clone()).or_insert_with(|| Trend {
            code: key.clone(),
            name: o.item.text.clone(),
            unit: o.unit.clone(),
            range: o.range.clone(),
            points: Vec::new(),
        });
        t.points.push(Point {
            date: Day::parse(at),
            value,
            flag: o.flag.clone(),
        });
        newest.push((at.to_string(), key));
    }
    newest.sort_by(|a, b| b.0.cmp(&a.0));
    let mut order: Vec<String> = Vec::new();
    for (_, k) in newest {
        if !order.contains(&k) {
            order.push(k);
        }
    }
    order
        .into_iter()
        .filter_map(|k| by.remove(&k))
        .map(|mut t| {
            t.points
                .sort_by(|a, b| (&a.date.iso, &a.date.time).cmp(&(&b.date.iso, &b.date.time)));
            t
        })
        .collect()
}

/// A result's number: `2.4`, `+1.5`, `<0.5` is not (a bound is not a point on a plot).
fn numeric(v: &str) -> Option<f64> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b"+-.".contains(&b)) {
        return None;
    }
    v.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn document(i: &ItemView, f: &Facilities) -> Option<Document> {
    let Entry::Document(d) = &i.entry else {
        return None;
    };
    Some(Document {
        title: d
            .title
            .clone()
            .unwrap_or_else(|| d.document_type.text.clone()),
        kind: d.document_type.text.clone(),
        date: Day::opt(d.created.as_deref().or(i.at.as_deref())),
        facility: f.get(&i.source.facility),
        author: d.author.clone(),
        referral: d.referral,
        sections: d
            .sections
            .iter()
            .map(|s| DocSection {
                title: s.title.clone(),
                text: s.text.clone(),
            })
            .collect(),
        files: d
            .files
            .iter()
            .map(|x| DocFile {
                name: x.name.clone(),
                media_type: x.media_type.clone(),
                bytes: x.bytes,
                blob: x.blob,
                thumbnail: x.thumbnail,
                note: x.note.clone(),
            })
            .collect(),
        signatures: signatures(d),
    })
}

/// The document's signatures for its row and viewer, the most urgent first.
fn signatures(d: &fieldchart_store::rows::DocumentEntry) -> Vec<DocSignature> {
    use fieldchart_store::rows::SignatureOutcome as O;
    let mut out: Vec<&fieldchart_store::rows::SignatureCheck> = d.signatures.iter().collect();
    out.sort_by_key(|c| match c.outcome {
        O::Invalid => 0,
        O::UntrustedCa => 1,
        O::Unsigned => 2,
        O::Valid => 3,
    });
    let mut out: Vec<DocSignature> = out.into_iter().map(doc_signature).collect();
    if out.is_empty() && d.referral {
        out.push(DocSignature::unsigned_referral());
    }
    out
}

/// The words of a signature's outcome: its key, and what the screen says in Japanese and English.
fn signature_words(o: fieldchart_store::rows::SignatureOutcome) -> Words {
    use fieldchart_store::rows::SignatureOutcome as O;
    let (key, ja, en) = match o {
        O::Valid => ("valid", "署名あり・検証済み", "Signed, verified"),
        O::Invalid => ("invalid", "署名が無効", "Signature invalid"),
        O::UntrustedCa => (
            "untrusted-ca",
            "発行元を確認できない",
            "Issuer not confirmed",
        ),
        O::Unsigned => ("unsigned", "署名なし", "Not signed"),
    };
    Words { key, ja, en }
}

/// One stored signature check as the screen shows it.
fn doc_signature(c: &fieldchart_store::rows::SignatureCheck) -> DocSignature {
    use fieldchart_store::rows::SignatureForm as F;
    let words = signature_words(c.outcome);
    let signer = c.signer.as_ref();
    DocSignature {
        outcome: words.key,
        words,
        form: match c.form {
            F::CadesDetached => "cades-detached",
            F::XadesEnveloped => "xades-enveloped",
            F::Pades => "pades",
        },
        file: c.file.clone(),
        signature_file: c.signature_file.clone(),
        signer: signer.and_then(|s| s.name.clone()),
        organization: signer.and_then(|s| s.organization.clone()),
        roles: signer
            .map(|s| {
                s.roles
                    .iter()
                    .map(|r| r.japanese.clone().unwrap_or_else(|| r.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        physician: signer.is_some_and(|s| s.physician),
        signed_at: c
            .timestamp
            .as_ref()
            .map(|t| t.time.as_str())
            .or(c.signing_time.as_deref())
            .and_then(japan_time),
        time_basis: match c.time_basis.as_str() {
            "timestamp" => "timestamp",
            "signing-time" => "signing-time",
            _ => "verification",
        },
        timestamp_authority: c.timestamp.as_ref().map(|t| t.authority.clone()),
        revocation: if c.revocation == "checked" {
            "checked"
        } else {
            "not-checked"
        },
        reason: c.reason.clone(),
        notes: c.notes.clone(),
        checked_at: japan_time(&c.checked_at),
        rechecked: c.recheck.as_ref().map(|r| r.ok),
        recheck_reason: c.recheck.as_ref().and_then(|r| r.reason.clone()),
    }
}

impl DocSignature {
    /// A referral letter with no signature the build found: shown as 署名なし, not left blank.
    fn unsigned_referral() -> DocSignature {
        let words = signature_words(fieldchart_store::rows::SignatureOutcome::Unsigned);
        DocSignature {
            outcome: words.key,
            words,
            form: "none",
            file: String::new(),
            signature_file: None,
            signer: None,
            organization: None,
            roles: Vec::new(),
            physician: false,
            signed_at: None,
            time_basis: "verification",
            timestamp_authority: None,
            revocation: "not-checked",
            reason: None,
            notes: Vec::new(),
            checked_at: None,
            rechecked: None,
            recheck_reason: None,
        }
    }
}

/// An RFC 3339 time as a Day in Japan time (UTC+9), as every other time on screen is local.
fn japan_time(t: &str) -> Option<Day> {
    let at = chrono::DateTime::parse_from_rfc3339(t).ok()?;
    let jst = chrono::FixedOffset::east_opt(9 * 3600)?;
    Some(Day::parse(
        &at.with_timezone(&jst)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldchart_store::rows::{
        Code, ObservationEntry, ProblemEntry, Section, Source, StoredItem,
    };

    /// A problem as the builder stores it, with PRB-14 written as `code^text^HL70241`.
    fn problem(name: &str, outcome: Option<(&str, &str)>, resolved: Option<&str>) -> StoredItem {
        StoredItem {
            section: Section::Problem,
            at: Some("2011-08-31".into()),
            source: Source {
                facility: "1234567890".into(),
                path: "999/901/9999013/-/PPR-01/x".into(),
            },
            patient_id_in_message: None,
            entry: Entry::Problem(ProblemEntry {
                diagnosis: Code {
                    text: name.into(),
                    ..Code::default()
                },
                outcome: outcome.map(|(code, text)| Code {
                    text: if text.is_empty() { code } else { text }.into(),
                    code: Some(code.into()),
                    system: Some("HL70241".into()),
                    ..Code::default()
                }),
                resolved: resolved.map(String::from),
                ..ProblemEntry::default()
            }),
        }
    }

    /// The rows the UI renders for each way a problem can stand, written by the real rule and the
    /// real row builder to `ui/test/fixtures/problem-rows.json`, which the UI's tests read
    /// (`UPDATE_EXPECT=1` rewrites it).
    #[test]
    fn every_problem_standing_reaches_the_screen_with_its_outcome_as_written() {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let mut gastritis = problem("胃炎", Some(("N", "回復せず")), Some("2011-09-15"));
        if let Entry::Problem(p) = &mut gastritis.entry {
            p.diagnosis_type = Some(Code {
                text: "外来時".into(),
                code: Some("O".into()),
                system: Some("JHSD0004".into()),
                ..Code::default()
            });
        }
        let items = [
            gastritis,
            problem("肺炎", Some(("F", "治癒")), None),
            problem("骨折", Some(("F", "回復せず")), Some("2011-09-15")),
            problem("脳梗塞", Some(("D", "")), Some("2011-09-15")),
            problem("感冒", None, Some("2011-09-15")),
            problem("高血圧症", None, None),
        ];
        let rows: Vec<Row> = items
            .iter()
            .map(|i| row(&ItemView::of(i, as_of), &Facilities::default()))
            .collect();
        let shown: Vec<(&str, bool, StandingReason)> = rows
            .iter()
            .map(|r| {
                let p = r
                    .problem
                    .as_ref()
                    .expect("every problem row says how it stands");
                (r.text.as_str(), p.active, p.standing)
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("胃炎", true, StandingReason::Persists),
                ("肺炎", false, StandingReason::Recovered),
                ("骨折", true, StandingReason::Conflicting),
                ("脳梗塞", false, StandingReason::Died),
                ("感冒", false, StandingReason::Resolved),
                ("高血圧症", true, StandingReason::Open),
            ]
        );
        assert_eq!(
            rows[0].detail.as_deref(),
            Some("外来時"),
            "PRB-10's diagnosis type"
        );
        let conflicting = rows[2].problem.as_ref().unwrap();
        assert_eq!(
            (
                conflicting.outcome_code.as_deref(),
                conflicting.outcome_text.as_deref()
            ),
            (Some("F"), Some("回復せず")),
            "both the code and the text are shown"
        );
        let died = rows[3].problem.as_ref().unwrap();
        assert_eq!(
            died.outcome_text, None,
            "a code is not shown as its own text"
        );
        let json = serde_json::to_string_pretty(&rows).unwrap() + "\n";
        expect_test::expect_file!["../../../ui/test/fixtures/problem-rows.json"].assert_eq(&json);
    }

    /// A culture: the organism and its quantity share OBX-4 sub-ID 1; a second organism has 2. The
    /// rows the real builder makes are the UI's `lab-rows.json` (`UPDATE_EXPECT=1` rewrites it).
    #[test]
    fn a_quantity_names_the_organism_it_belongs_to() {
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let result = |name: &str, value: &str, sub: Option<&str>| {
            let item = StoredItem {
                section: Section::Lab,
                at: Some("2026-11-10T15:00".into()),
                source: Source {
                    facility: "1234567890".into(),
                    path: "999/901/9999013/20261110/OML-11/x".into(),
                },
                patient_id_in_message: None,
                entry: Entry::Observation(ObservationEntry {
                    item: Code {
                        text: name.into(),
                        ..Code::default()
                    },
                    value: Some(value.into()),
                    battery: Some("細菌培養".into()),
                    observed_at: Some("2026-11-10T15:00".into()),
                    sub_id: sub.map(String::from),
                    ..ObservationEntry::default()
                }),
            };
            ItemView::of(&item, as_of)
        };
        let items = [
            result("培養同定", "E.Coli", Some("1")),
            result("菌量", "(+)", Some("1")),
            result("培養同定", "S.aureus", Some("2")),
            result("菌量", "(2+)", Some("2")),
            result("グラム染色", "陰性桿菌", None),
        ];
        let rows = lab_rows(&items, &Facilities::default());
        let belongs: Vec<(&str, Option<&str>)> = rows
            .iter()
            .map(|r| (r.value.as_deref().unwrap(), r.belongs_to.as_deref()))
            .collect();
        assert_eq!(
            belongs,
            [
                ("E.Coli", None),
                ("(+)", Some("培養同定 E.Coli")),
                ("S.aureus", None),
                ("(2+)", Some("培養同定 S.aureus")),
                ("陰性桿菌", None),
            ]
        );
        let json = serde_json::to_string_pretty(&rows).unwrap() + "\n";
        expect_test::expect_file!["../../../ui/test/fixtures/lab-rows.json"].assert_eq(&json);
    }

    #[test]
    fn numbers_plot_and_bounds_do_not() {
        assert_eq!(numeric("2.4"), Some(2.4));
        assert_eq!(numeric(" 30 "), Some(30.0));
        assert_eq!(numeric("<0.5"), None);
        assert_eq!(numeric("陽性"), None);
        assert_eq!(numeric(""), None);
        assert_eq!(numeric("1e309"), None);
    }
}
