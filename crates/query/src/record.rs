//! The patient record: who the patient is, how fresh the data is, a summary of what keeps them alive,
//! and the history behind it. Every item carries its source (facility and file path).
//!
//! Summary rules (requirements REC-3 to REC-13):
//! - medications: current only — the period covers the as-of date or ended in the last 100 days — and
//!   at least the patient's last three prescriptions. The snapshot holds current records only, so
//!   superseded and deleted orders can never appear.
//! - suspected diagnoses apart from confirmed problems; which problems are still active is decided by
//!   one rule, `ProblemEntry::standing` (PRB-1, PRB-9 and PRB-14 against the data-as-of), and every
//!   problem shown carries that standing.
//! - infections: positive infection markers (newest per test) and active infectious diseases; a
//!   marker noted 未告知 keeps that flag.
//! - critical flags come from the code tables in `fieldchart_store::codes`, nowhere else.
//!
//! "As of" is the facility's data-as-of date (the newest record the hub saw from it), not the
//! laptop's clock: in a disaster the data stops at the last sync, and "current" means current then.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use fieldchart_jtext as jtext;
use fieldchart_policy::{Area, Basis, Consent, Grant};
use fieldchart_session::{AccessView, Viewing};
use fieldchart_store::codes::{self, CriticalClass};
use fieldchart_store::rows::{
    Entry, MedicationEntry, ObservationEntry, PatientRow, Section, Source, StoredItem,
};
use fieldchart_store::standing::Standing;
use serde::Serialize;

use crate::QueryError;
use crate::search::{IdentityDiff, parse_date};

/// How long after its last day a prescription still counts as current.
const RECENT_END_DAYS: i64 = 100;
/// The fewest prescriptions the summary shows, however old.
const MIN_MEDICATIONS: usize = 3;
/// Distinct lab tests in the summary.
const RECENT_LAB_ITEMS: usize = 30;

#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub patient: PatientView,
    /// On what basis this view was opened, what the policy withheld, and break-glass in force.
    pub access: AccessView,
    pub data_as_of: DataAsOf,
    /// Every identifier of the person: the opened one, and those the hub linked with it, each
    /// shown, withheld or not held (one entry for a patient the hub links with nobody).
    pub members: Vec<MemberView>,
    /// "Possibly the same person (not confirmed by the hub)": unlinked patients at other
    /// facilities the base's matcher suggested, each with why. Never part of this record.
    pub possibly: Vec<PossibleView>,
    pub summary: Summary,
    pub history: History,
}

#[derive(Debug, Clone, Serialize)]
pub struct PatientView {
    #[serde(flatten)]
    pub row: PatientRow,
    pub dob_wareki: Option<String>,
    pub age: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataAsOf {
    pub facility: String,
    /// The newest record time the hub saw from this facility.
    pub facility_data_as_of: Option<String>,
    /// The date summary rules use as "now".
    pub as_of_date: Option<String>,
    pub snapshot_id: String,
    pub snapshot_created: String,
    /// The standard code masters the file was built with (empty: none); the items' standard
    /// codes came from these.
    pub masters: Vec<fieldchart_store::manifest::MasterRef>,
}

/// An item as shown: its place, its origin and its content.
#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub section: Section,
    pub at: Option<String>,
    pub label: String,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_id_in_message: Option<String>,
    /// For a problem: whether it is still one of the patient's problems as of the data-as-of, and
    /// why (`ProblemEntry::standing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standing: Option<Standing>,
    #[serde(flatten)]
    pub entry: Entry,
}

impl ItemView {
    /// The item as shown on `as_of` (the facility's data-as-of date).
    pub fn of(i: &StoredItem, as_of: NaiveDate) -> Self {
        ItemView {
            section: i.section,
            at: i.at.clone(),
            label: i.entry.label(),
            source: i.source.clone(),
            patient_id_in_message: i.patient_id_in_message.clone(),
            standing: match &i.entry {
                Entry::Problem(p) => Some(p.standing(as_of)),
                _ => None,
            },
            entry: i.entry.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CriticalFlag {
    pub class: CriticalClass,
    pub label: &'static str,
    /// What raised it: the drug, the diagnosis or the allergen.
    pub reason: String,
    /// For a medicine, how much and how it is taken (「3 錠 内服・経口・１日１回朝食後」): the drug
    /// name alone (「ワーファリン錠1mg」) reads as the dose.
    pub dose: Option<String>,
    /// The date of the item that raised it (a file holds several items; this is that item's).
    pub at: Option<String>,
    pub source: Source,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub allergies: Vec<ItemView>,
    /// Drugs this patient must not be given: the allergens of active drug allergies.
    pub contraindications: Vec<ItemView>,
    pub infections: Vec<ItemView>,
    pub problems: Vec<ItemView>,
    pub suspected_problems: Vec<ItemView>,
    pub medications: Vec<ItemView>,
    pub recent_labs: Vec<ItemView>,
    pub critical_flags: Vec<CriticalFlag>,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub medications: Vec<ItemView>,
    pub labs: Vec<ItemView>,
    /// Lab tests ordered, results or not yet (OML-01): what was asked for and when.
    pub lab_orders: Vec<ItemView>,
    pub encounters: Vec<ItemView>,
    /// Diet orders (OMD): a therapeutic diet or a fasting order matters in a shelter.
    pub diet: Vec<ItemView>,
    pub problems: Vec<ItemView>,
    pub reports: Vec<ItemView>,
    pub documents: Vec<ItemView>,
}

/// One identifier of the person a record shows: the opened one, or one the hub's
/// cross-references link with it, with what this opening shows of it.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub facility: String,
    pub patient_id: String,
    /// The identifier the viewer opened.
    pub opened: bool,
    /// How the hub linked it (`xref`, `link`, `merge`); None for the opened identifier.
    pub via: Option<String>,
    /// Its data is part of this record: `shown`, `withheld` (its facility's consent refuses
    /// sharing; break-glass would open it) or `not-held` (the index names it, the snapshot does
    /// not hold it).
    pub state: MemberState,
    /// Consent at its facility, when held.
    pub consent: Option<Consent>,
    /// The legal basis its data is shown on, when shown.
    pub basis: Option<Basis>,
    /// Why it is withheld, when it is.
    pub withheld_because: Option<String>,
    /// Its facility's data-as-of and the file its record comes from, when shown.
    pub data_as_of: Option<DataAsOf>,
    /// Its identity at its facility, when held (identity is what a search shows of anyone).
    pub identity: Option<PatientRow>,
    /// Its identity fields that differ from the header's (the record's first shown identifier).
    pub differs: IdentityDiff,
}

/// A patient the hub did not link, suggested as possibly the same person, with the reasons.
#[derive(Debug, Clone, Serialize)]
pub struct PossibleView {
    pub facility: String,
    pub patient_id: String,
    /// The member of this record it resembles.
    pub resembles_facility: String,
    pub resembles_patient_id: String,
    /// `probable` or `weaker` (a married name).
    pub strength: String,
    /// Fields that agree (`name`, `given-name`, `dob`, `sex`, `address`, `municipality`) and
    /// differ (`name-spelling`, `family-name`, `address`).
    pub agree: Vec<String>,
    pub differ: Vec<String>,
    /// Its consent at its facility: what opening it will ask.
    pub consent: Consent,
    /// Its identity, to confirm on two identifiers before opening it.
    pub identity: PatientRow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MemberState {
    Shown,
    Withheld,
    NotHeld,
}

/// The record of `facility:patient_id` as the viewing session's policy lets this viewer see it, or
/// None when the snapshot has no such patient. `basis` is the legal basis the viewer chose for a
/// patient the hub has no consent for. The view is written to the audit log before it is returned;
/// a refusal is written too and comes back as [`QueryError::View`].
///
/// When the hub links the patient with identifiers at other facilities, the record is the
/// person's: each shown member's chart is summarised on its own facility's data-as-of, and the
/// lists are put together without merging anything (the same drug from two facilities is two
/// rows, each with its facility and date). The patient header and `data_as_of` are the first
/// shown member's (the opened one, unless its facility withholds it); `members` names them all.
pub fn record(
    viewing: &mut Viewing,
    facility: &str,
    patient_id: &str,
    basis: Option<Basis>,
    today: NaiveDate,
) -> Result<Option<RecordView>, QueryError> {
    let Some(mut access) = viewing.record_access(facility, patient_id, basis, today)? else {
        return Ok(None);
    };
    let mut members = Vec::new();
    let mut parts: Vec<(Summary, History)> = Vec::new();
    let mut first: Option<(PatientRow, DataAsOf)> = None;
    for m in 0..access.members().len() {
        let row = access.patient_row(m)?;
        let sections = access.chart(m)?;
        let member = &access.members()[m];
        let code = member.patient.facility.clone();
        let facility_as_of = access
            .app(m)
            .facilities
            .iter()
            .find(|f| f.code == code)
            .and_then(|f| f.data_as_of.clone());
        let as_of = facility_as_of
            .as_deref()
            .and_then(parse_date)
            .unwrap_or_else(|| access.manifest(m).created.date_naive());
        let manifest = access.manifest(m);
        let data_as_of = DataAsOf {
            facility: code,
            facility_data_as_of: facility_as_of,
            as_of_date: Some(as_of.format("%Y-%m-%d").to_string()),
            snapshot_id: manifest.snapshot_id.clone(),
            snapshot_created: manifest.created.to_rfc3339(),
            masters: access.app(m).masters.clone(),
        };
        let member = &access.members()[m];
        members.push(MemberView {
            facility: member.patient.facility.clone(),
            patient_id: member.patient.patient_id.clone(),
            opened: member.patient == access.opened,
            via: member.via.clone(),
            state: MemberState::Shown,
            consent: Some(member.consent),
            basis: Some(member.basis()),
            withheld_because: None,
            data_as_of: Some(data_as_of.clone()),
            identity: Some(row.clone()),
            differs: IdentityDiff::default(),
        });
        parts.push((summarise(&sections, as_of), history_of(&sections, as_of)));
        first.get_or_insert((row, data_as_of));
    }
    for w in 0..access.withheld_members.len() {
        let identity = access.withheld_row(w)?;
        let m = &access.withheld_members[w];
        members.push(MemberView {
            facility: m.patient.facility.clone(),
            patient_id: m.patient.patient_id.clone(),
            opened: m.patient == access.opened,
            via: m.via.clone(),
            state: MemberState::Withheld,
            consent: Some(m.consent),
            basis: None,
            withheld_because: Some(m.message.clone()),
            data_as_of: None,
            identity,
            differs: IdentityDiff::default(),
        });
    }
    for n in &access.not_held {
        members.push(MemberView {
            facility: n.patient.facility.clone(),
            patient_id: n.patient.patient_id.clone(),
            opened: false,
            via: n.via.clone(),
            state: MemberState::NotHeld,
            consent: None,
            basis: None,
            withheld_because: None,
            data_as_of: None,
            identity: None,
            differs: IdentityDiff::default(),
        });
    }
    let possibly = access
        .possibly()?
        .into_iter()
        .map(|p| PossibleView {
            facility: p.patient.facility,
            patient_id: p.patient.patient_id,
            resembles_facility: p.resembles.facility,
            resembles_patient_id: p.resembles.patient_id,
            strength: p.strength,
            agree: p.agree,
            differ: p.differ,
            consent: p.consent,
            identity: p.row,
        })
        .collect();
    let (row, data_as_of) = first.expect("a record access shows at least one member");
    // Each other identifier's identity, beside the header's, where it differs.
    let header = (
        &row.name_kanji,
        &row.name_kana,
        &row.dob,
        row.sex,
        row.addresses.first(),
    );
    for m in &mut members {
        if let Some(identity) = &m.identity {
            m.differs = IdentityDiff::of(header, identity);
        }
    }
    let dob = row.dob.as_deref().and_then(parse_date);
    let patient = PatientView {
        dob_wareki: dob.and_then(jtext::wareki_short),
        age: dob.map(|d| jtext::age_on(d, today)),
        row,
    };
    let (summary, history) = put_together(parts);
    let (summary, history) = withhold(summary, history, &access.grant);
    let shown: Vec<String> = Area::VIEWABLE
        .iter()
        .filter(|a| access.grant.allows(**a))
        .map(|a| a.as_str().to_string())
        .collect();
    let access = access.finish(shown)?;
    Ok(Some(RecordView {
        patient,
        access,
        data_as_of,
        members,
        possibly,
        summary,
        history,
    }))
}

/// One member's history, each item shown on its facility's data-as-of.
fn history_of(sections: &BTreeMap<Section, Vec<StoredItem>>, as_of: NaiveDate) -> History {
    let empty = Vec::new();
    let get = |s: Section| sections.get(&s).unwrap_or(&empty);
    let views = |items: &Vec<StoredItem>| {
        items
            .iter()
            .map(|i| ItemView::of(i, as_of))
            .collect::<Vec<_>>()
    };
    History {
        medications: views(get(Section::Medication))
            .into_iter()
            .chain(views(get(Section::Administration)))
            .collect(),
        labs: views(get(Section::Lab))
            .into_iter()
            .chain(views(get(Section::Vital)))
            .chain(views(get(Section::Body)))
            .collect(),
        lab_orders: views(get(Section::LabOrder)),
        encounters: views(get(Section::Encounter)),
        diet: views(get(Section::Diet)),
        problems: views(get(Section::Problem)),
        reports: views(get(Section::Study)),
        documents: views(get(Section::Document)),
    }
}

/// The members' summaries and histories as one record. Nothing is merged or de-duplicated across
/// facilities: the summary lists each member's items in member order (the opened identifier
/// first), and the history lists are ordered newest first across facilities (stable, so one
/// facility's own order stands among equal dates). One member's parts are returned as they are.
fn put_together(parts: Vec<(Summary, History)>) -> (Summary, History) {
    let mut parts = parts.into_iter();
    let (mut s, mut h) = parts.next().expect("at least one member");
    let mut more = false;
    for (s2, h2) in parts {
        more = true;
        s.allergies.extend(s2.allergies);
        s.contraindications.extend(s2.contraindications);
        s.infections.extend(s2.infections);
        s.problems.extend(s2.problems);
        s.suspected_problems.extend(s2.suspected_problems);
        s.medications.extend(s2.medications);
        s.recent_labs.extend(s2.recent_labs);
        s.critical_flags.extend(s2.critical_flags);
        h.medications.extend(h2.medications);
        h.labs.extend(h2.labs);
        h.lab_orders.extend(h2.lab_orders);
        h.encounters.extend(h2.encounters);
        h.diet.extend(h2.diet);
        h.problems.extend(h2.problems);
        h.reports.extend(h2.reports);
        h.documents.extend(h2.documents);
    }
    if more {
        for list in [
            &mut h.medications,
            &mut h.labs,
            &mut h.lab_orders,
            &mut h.encounters,
            &mut h.diet,
            &mut h.problems,
            &mut h.reports,
            &mut h.documents,
        ] {
            list.sort_by(|a, b| b.at.cmp(&a.at));
        }
    }
    (s, h)
}

/// Empties every list of an area the grant does not show. The chart was already filtered per item;
/// this removes what reached a list through another area (an infection marker is a lab, a
/// dialysis flag comes from a problem).
fn withhold(mut summary: Summary, mut history: History, grant: &Grant) -> (Summary, History) {
    let hide = |area: Area, list: &mut Vec<ItemView>| {
        if !grant.allows(area) {
            list.clear();
        }
    };
    hide(Area::Allergies, &mut summary.allergies);
    hide(Area::Allergies, &mut summary.contraindications);
    hide(Area::Infections, &mut summary.infections);
    hide(Area::Problems, &mut summary.problems);
    hide(Area::Problems, &mut summary.suspected_problems);
    hide(Area::Medications, &mut summary.medications);
    hide(Area::Labs, &mut summary.recent_labs);
    summary.critical_flags.retain(|f| {
        grant.allows(match f.class {
            CriticalClass::Dialysis => Area::Problems,
            CriticalClass::SevereDrugAllergy => Area::Allergies,
            _ => Area::Medications,
        })
    });
    hide(Area::Medications, &mut history.medications);
    hide(Area::Labs, &mut history.labs);
    hide(Area::Labs, &mut history.lab_orders);
    hide(Area::Encounters, &mut history.encounters);
    hide(Area::Encounters, &mut history.diet);
    hide(Area::Problems, &mut history.problems);
    hide(Area::Reports, &mut history.reports);
    hide(Area::Documents, &mut history.documents);
    (summary, history)
}

fn summarise(sections: &BTreeMap<Section, Vec<StoredItem>>, as_of: NaiveDate) -> Summary {
    let empty = Vec::new();
    let get = |s: Section| sections.get(&s).unwrap_or(&empty);

    let allergies: Vec<&StoredItem> = get(Section::Allergy)
        .iter()
        .filter(|i| matches!(&i.entry, Entry::Allergy(a) if a.active))
        .collect();
    let contraindications: Vec<&StoredItem> = allergies
        .iter()
        .copied()
        .filter(|i| matches!(&i.entry, Entry::Allergy(a) if a.is_drug()))
        .collect();

    let mut problems = Vec::new();
    let mut suspected = Vec::new();
    let mut infections: Vec<&StoredItem> = Vec::new();
    for i in get(Section::Problem) {
        if let Entry::Problem(p) = &i.entry {
            if !p.standing(as_of).active {
                continue;
            }
            if p.suspected {
                suspected.push(i);
            } else {
                problems.push(i);
            }
            if codes::is_infectious_disease(p) {
                infections.push(i);
            }
        }
    }
    // Newest result per infection marker, when positive or noted 未告知.
    let mut seen_markers = std::collections::HashSet::new();
    for i in get(Section::Lab) {
        if let Entry::Observation(o) = &i.entry
            && o.infection
            && seen_markers.insert(observation_key(o))
            && (codes::is_positive(o) || o.undisclosed)
        {
            infections.push(i);
        }
    }

    let medications = current_medications(get(Section::Medication), as_of);

    let mut seen_labs = std::collections::HashSet::new();
    let recent_labs: Vec<&StoredItem> = get(Section::Lab)
        .iter()
        .filter(|i| match &i.entry {
            Entry::Observation(o) => seen_labs.insert(observation_key(o)),
            _ => false,
        })
        .take(RECENT_LAB_ITEMS)
        .collect();

    let mut flags = Vec::new();
    for i in &medications {
        if let Entry::Medication(m) = &i.entry {
            for (class, drug) in codes::medication_class(m) {
                let dose: Vec<&str> = [m.dose.as_deref(), m.usage.as_deref()]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                flags.push(CriticalFlag {
                    class,
                    label: class.label_ja(),
                    reason: drug,
                    dose: (!dose.is_empty()).then(|| dose.join(" ")),
                    at: i.at.clone(),
                    source: i.source.clone(),
                });
            }
        }
    }
    for i in &problems {
        if let Entry::Problem(p) = &i.entry
            && codes::is_dialysis(p)
        {
            flags.push(CriticalFlag {
                class: CriticalClass::Dialysis,
                label: CriticalClass::Dialysis.label_ja(),
                reason: p.diagnosis.text.clone(),
                dose: None,
                at: i.at.clone(),
                source: i.source.clone(),
            });
        }
    }
    for i in &allergies {
        if let Entry::Allergy(a) = &i.entry
            && codes::is_severe_drug_allergy(a)
        {
            flags.push(CriticalFlag {
                class: CriticalClass::SevereDrugAllergy,
                label: CriticalClass::SevereDrugAllergy.label_ja(),
                reason: a.allergen.text.clone(),
                dose: None,
                at: i.at.clone(),
                source: i.source.clone(),
            });
        }
    }
    flags.sort_by(|a, b| (a.class, &a.reason).cmp(&(b.class, &b.reason)));
    flags.dedup_by(|a, b| a.class == b.class && a.reason == b.reason);

    let views =
        |items: Vec<&StoredItem>| items.into_iter().map(|i| ItemView::of(i, as_of)).collect();
    Summary {
        allergies: views(allergies),
        contraindications: views(contraindications),
        infections: views(infections),
        problems: views(problems),
        suspected_problems: views(suspected),
        medications: views(medications),
        recent_labs: views(recent_labs),
        critical_flags: flags,
    }
}

/// One lab test, whatever the order it came in: its code, else its name.
fn observation_key(o: &ObservationEntry) -> String {
    o.item
        .code
        .clone()
        .or_else(|| o.item.local_code.clone())
        .unwrap_or_else(|| o.item.text.clone())
}

/// Orders whose period covers `as_of` or ended in the last 100 days, plus at least the last three;
/// a refill of the same drugs shows once, as its newest order (what the patient takes now).
/// `items` are newest first.
fn current_medications(items: &[StoredItem], as_of: NaiveDate) -> Vec<&StoredItem> {
    let horizon = as_of - Duration::days(RECENT_END_DAYS);
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<&StoredItem> = Vec::new();
    for i in items {
        let Entry::Medication(m) = &i.entry else {
            continue;
        };
        if !(out.len() < MIN_MEDICATIONS || is_current(m, as_of, horizon)) {
            continue;
        }
        let drugs: Vec<String> = m
            .drugs
            .iter()
            .map(|d| d.code.code.clone().unwrap_or_else(|| d.code.text.clone()))
            .collect();
        if seen.insert(drugs) {
            out.push(i);
        }
    }
    out
}

fn is_current(m: &MedicationEntry, as_of: NaiveDate, horizon: NaiveDate) -> bool {
    let start = m
        .start
        .as_deref()
        .or(m.ordered_at.as_deref())
        .and_then(parse_date);
    let end = m.end.as_deref().and_then(parse_date);
    match (start, end) {
        // Covers as-of, or ended within the last 100 days (or has not begun yet).
        (_, Some(end)) => end >= horizon && start.is_none_or(|s| s <= as_of || end >= as_of),
        // No known end: current if begun within the last 100 days.
        (Some(start), None) => start >= horizon,
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldchart_store::rows::{Code, Drug};

    fn med(start: &str, end: Option<&str>) -> MedicationEntry {
        MedicationEntry {
            start: Some(start.into()),
            end: end.map(String::from),
            ..MedicationEntry::default()
        }
    }

    fn day(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn a_prescription_covering_the_as_of_date_is_current() {
        let as_of = day("2026-11-01");
        let horizon = as_of - Duration::days(100);
        assert!(is_current(
            &med("2026-10-20", Some("2026-11-17")),
            as_of,
            horizon
        ));
    }

    #[test]
    fn a_prescription_that_ended_within_100_days_is_current() {
        let as_of = day("2026-11-01");
        let horizon = as_of - Duration::days(100);
        assert!(is_current(
            &med("2026-07-01", Some("2026-08-01")),
            as_of,
            horizon
        ));
    }

    #[test]
    fn a_prescription_that_ended_long_ago_is_not_current() {
        let as_of = day("2026-11-01");
        let horizon = as_of - Duration::days(100);
        assert!(!is_current(
            &med("2025-01-01", Some("2025-02-01")),
            as_of,
            horizon
        ));
    }

    #[test]
    fn the_last_three_prescriptions_are_kept_however_old() {
        let items: Vec<StoredItem> = (0..5)
            .map(|n| StoredItem {
                section: Section::Medication,
                at: Some(format!("201{}-01-01", 9 - n)),
                source: Source::default(),
                patient_id_in_message: None,
                entry: Entry::Medication(MedicationEntry {
                    drugs: vec![Drug {
                        code: Code {
                            text: format!("drug {n}"),
                            ..Code::default()
                        },
                        ..Drug::default()
                    }],
                    ..med(&format!("201{}-01-01", 9 - n), Some("2019-02-01"))
                }),
            })
            .collect();
        let current = current_medications(&items, day("2026-11-01"));
        assert_eq!(current.len(), 3);
        assert_eq!(current[0].at.as_deref(), Some("2019-01-01"));
    }

    fn problem(name: &str, outcome: Option<(&str, &str)>, resolved: Option<&str>) -> StoredItem {
        StoredItem {
            section: Section::Problem,
            at: Some("2011-08-31".into()),
            source: Source::default(),
            patient_id_in_message: None,
            entry: Entry::Problem(fieldchart_store::rows::ProblemEntry {
                diagnosis: Code {
                    text: name.into(),
                    ..Code::default()
                },
                outcome: outcome.map(|(code, text)| Code {
                    text: text.into(),
                    code: Some(code.into()),
                    system: Some("HL70241".into()),
                    ..Code::default()
                }),
                resolved: resolved.map(String::from),
                ..fieldchart_store::rows::ProblemEntry::default()
            }),
        }
    }

    #[test]
    fn the_summary_lists_problems_by_their_standing_and_shows_it() {
        use fieldchart_store::standing::StandingReason;
        let sections = BTreeMap::from([(
            Section::Problem,
            vec![
                problem("胃炎", Some(("N", "回復せず")), Some("2011-09-15")),
                problem("肺炎", Some(("F", "治癒")), None),
                problem("骨折", Some(("F", "回復せず")), Some("2011-09-15")),
                problem("感冒", None, Some("2011-09-15")),
                problem("高血圧症", None, None),
            ],
        )]);
        let summary = summarise(&sections, day("2026-11-01"));
        let listed: Vec<(&str, StandingReason)> = summary
            .problems
            .iter()
            .map(|v| (v.label.as_str(), v.standing.as_ref().unwrap().reason))
            .collect();
        assert_eq!(
            listed,
            [
                ("胃炎", StandingReason::Persists),
                ("骨折", StandingReason::Conflicting),
                ("高血圧症", StandingReason::Open),
            ]
        );
    }

    #[test]
    fn a_refill_of_the_same_drug_shows_once_as_its_newest_order() {
        let order = |start: &str, end: &str| StoredItem {
            section: Section::Medication,
            at: Some(start.into()),
            source: Source::default(),
            patient_id_in_message: None,
            entry: Entry::Medication(MedicationEntry {
                drugs: vec![Drug {
                    code: Code {
                        text: "ワーファリン錠1mg".into(),
                        code: Some("105432101".into()),
                        ..Code::default()
                    },
                    ..Drug::default()
                }],
                ..med(start, Some(end))
            }),
        };
        let items = vec![
            order("2026-10-22", "2026-11-18"),
            order("2026-09-24", "2026-10-21"),
            order("2026-08-27", "2026-09-23"),
        ];
        let current = current_medications(&items, day("2026-11-01"));
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].at.as_deref(), Some("2026-10-22"));
    }
}
