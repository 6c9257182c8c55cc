//! Reader items → stored entries: the clinical model as the reader sees it, turned into the
//! display-ready rows the snapshot keeps (`fieldchart_store::rows`).
//!
//! Times become ISO text at the precision written (or the raw text), coded values keep their codes,
//! and the facts the summary needs (suspected, infection marker, 未告知, the last day a prescription
//! covers) are settled here once, at the hub. Whether a problem is active is not: it depends on the
//! facility's data-as-of, and the query decides it with `ProblemEntry::standing`.

use chrono::{Duration, NaiveDate};
use fieldchart_hl7::Hl7Time;
use fieldchart_reader::model::{self as m, Item};
use fieldchart_store::codes;
use fieldchart_store::rows::{
    AdministrationEntry, AllergyEntry, Code, Contact, DietEntry, DocumentEntry, DocumentSection,
    Drug, EncounterEntry, Entry, Finding, LabOrderEntry, MedicationEntry, MedicationKind,
    ObservationEntry, PatientRow, ProblemEntry, Section, Sex, Source, StudyEntry, UnmappedEntry,
};

/// An entry with its section and the time it sorts by.
pub struct Converted {
    pub section: Section,
    pub at: Option<String>,
    pub entry: Entry,
}

/// ISO at the precision written; None for a time that is not a real one (minute 80, 31 June, words
/// in a date field), which the reader has already reported. Such a value never becomes an item's
/// date or the time it sorts by.
pub fn time(t: &Option<Hl7Time>) -> Option<String> {
    t.as_ref().and_then(Hl7Time::iso)
}

/// An onset written as words where a date belongs (IAM-11 `小学校低学年の頃`): shown as the words,
/// never as a date. Digits that fail as a date are a broken date, not words, and are not shown.
fn onset_words(t: &Option<Hl7Time>) -> Option<String> {
    t.as_ref()
        .filter(|t| !t.is_valid() && !t.raw.trim().chars().all(|c| c.is_ascii_digit()))
        .map(|t| t.raw.trim().to_string())
        .filter(|w| !w.is_empty())
}

fn code(c: &m::Coded) -> Code {
    Code {
        text: c.display().unwrap_or_default().to_string(),
        code: c.code.clone(),
        system: c.system.clone(),
        local_code: c.alt_code.clone(),
        local_system: c.alt_system.clone(),
        standard: None,
    }
}

fn code_text(c: &Option<m::Coded>) -> Option<String> {
    c.as_ref().and_then(|c| c.display()).map(str::to_string)
}

fn quantity(q: &Option<m::Quantity>) -> Option<String> {
    let q = q.as_ref()?;
    let value = q.value.as_deref().unwrap_or("");
    let unit = q.unit.as_ref().and_then(|u| u.display()).unwrap_or("");
    let text = format!("{value} {unit}").trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn clinician(c: &Option<m::Clinician>) -> Option<String> {
    let c = c.as_ref()?;
    c.name
        .as_ref()
        .map(|n| n.full.clone())
        .filter(|n| !n.is_empty())
        .or_else(|| c.id.clone())
}

fn kind(k: Option<m::MedicationKind>) -> Option<MedicationKind> {
    k.map(|k| match k {
        m::MedicationKind::Prescription => MedicationKind::Prescription,
        m::MedicationKind::Injection => MedicationKind::Injection,
    })
}

fn setting(s: m::Setting) -> String {
    match s {
        m::Setting::Inpatient => "inpatient",
        m::Setting::Outpatient => "outpatient",
        m::Setting::Unknown => "unknown",
    }
    .to_string()
}

/// The last day a prescription covers: TQ1-8 when written, else start + days − 1.
fn medication_end(o: &m::MedicationOrder) -> Option<String> {
    if let Some(end) = time(&o.end) {
        return Some(end);
    }
    let start: NaiveDate = o.start.as_ref().and_then(Hl7Time::date)?;
    let days = o.days.filter(|d| *d > 0)?;
    let end = start.checked_add_signed(Duration::days(i64::from(days) - 1))?;
    Some(end.format("%Y-%m-%d").to_string())
}

/// Converts one reader item. `Patient` items are not entries (they feed the patient row) and give
/// None.
pub fn convert(item: &Item) -> Option<Converted> {
    let (section, at, entry) = match item {
        Item::Patient(_) => return None,
        Item::Allergy(a) => (
            Section::Allergy,
            time(&a.onset),
            Entry::Allergy(AllergyEntry {
                category: a.category.as_ref().map(code),
                allergen: code(&a.allergen),
                severity: a.severity.as_ref().map(code),
                reactions: a.reactions.clone(),
                onset: time(&a.onset)
                    .or_else(|| a.onset_text.clone())
                    .or_else(|| onset_words(&a.onset)),
                active: a.is_active(),
            }),
        ),
        Item::Problem(p) => (
            Section::Problem,
            time(&p.diagnosed)
                .or_else(|| time(&p.onset))
                .or_else(|| time(&p.recorded)),
            Entry::Problem(ProblemEntry {
                diagnosis: code(&p.diagnosis),
                icd10: p.icd10.clone(),
                diagnosis_type: p.diagnosis_type.as_ref().map(code),
                suspected: p.suspected,
                main: p.main,
                onset: time(&p.onset),
                diagnosed: time(&p.diagnosed),
                resolved: time(&p.resolved),
                outcome: p.outcome.as_ref().map(code),
                deleted: p.is_deleted(),
                department: code_text(&p.department),
                doctor: clinician(&p.doctor),
                text: p.text.clone(),
            }),
        ),
        Item::MedicationOrder(o) => (
            Section::Medication,
            time(&o.start).or_else(|| time(&o.ordered_at)),
            Entry::Medication(MedicationEntry {
                kind: kind(o.kind),
                drugs: o
                    .drugs
                    .iter()
                    .map(|d| Drug {
                        code: code(&d.code),
                        role: d.role.clone(),
                        amount: quantity(&d.amount),
                    })
                    .collect(),
                dose: quantity(&o.dose),
                daily_dose: quantity(&o.daily_dose),
                usage: code_text(&o.usage),
                route: code_text(&o.route),
                dosage_form: code_text(&o.dosage_form),
                days: o.days,
                duration_text: o.duration_text.clone(),
                start: time(&o.start),
                end: medication_end(o),
                ordered_at: time(&o.ordered_at),
                order_no: o.order_no.clone(),
                doctor: clinician(&o.doctor),
                department: code_text(&o.department),
                setting: setting(o.setting),
                instructions: o.instructions.clone(),
                injection_type: code_text(&o.injection_type),
                rate: quantity(&o.rate),
                dispense: quantity(&o.dispense),
                device: code_text(&o.device),
            }),
        ),
        Item::Administration(a) => (
            Section::Administration,
            time(&a.start),
            Entry::Administration(AdministrationEntry {
                kind: kind(a.kind),
                drug: code(&a.drug),
                amount: quantity(&a.amount),
                start: time(&a.start),
                end: time(&a.end),
                status: a.status.clone(),
                route: code_text(&a.route),
                comment: a.comment.clone(),
                performer: clinician(&a.performer),
            }),
        ),
        Item::Observation(o) => {
            let section = match o.kind {
                m::ObservationKind::Lab | m::ObservationKind::Physiology => Section::Lab,
                m::ObservationKind::Vital => Section::Vital,
                m::ObservationKind::Body => Section::Body,
            };
            let item = code(&o.item);
            let mut entry = ObservationEntry {
                infection: codes::infection_marker(&item),
                item,
                value: o.value.clone(),
                unit: code_text(&o.unit),
                range: o.range.clone(),
                flag: o.flag.clone(),
                status: o.status.clone(),
                observed_at: time(&o.observed_at),
                specimen: code_text(&o.specimen),
                battery: code_text(&o.battery),
                sub_id: o.sub_id.clone(),
                comments: o.comments.clone(),
                undisclosed: false,
            };
            // 未告知 (guide §7): the patient has not been told; whoever reads this must not blurt it.
            entry.undisclosed = entry.comments.iter().any(|c| c.contains("未告知"));
            (section, time(&o.observed_at), Entry::Observation(entry))
        }
        Item::LabOrder(o) => (
            Section::LabOrder,
            time(&o.ordered_at),
            Entry::LabOrder(LabOrderEntry {
                ordered_at: time(&o.ordered_at),
                order_no: o.order_no.clone(),
                specimen: code_text(&o.specimen),
                battery: code_text(&o.battery),
                items: o.items.iter().map(code).collect(),
                doctor: clinician(&o.doctor),
                department: code_text(&o.department),
            }),
        ),
        Item::Study(s) => (
            Section::Study,
            time(&s.performed_at).or_else(|| time(&s.ordered_at)),
            Entry::Study(StudyEntry {
                category: match s.category {
                    m::StudyCategory::Radiology => "radiology",
                    m::StudyCategory::Endoscopy => "endoscopy",
                    m::StudyCategory::Physiology => "physiology",
                }
                .into(),
                phase: match s.phase {
                    m::StudyPhase::Order => "order",
                    m::StudyPhase::Report => "report",
                }
                .into(),
                procedures: s.procedures.iter().map(code).collect(),
                findings: s
                    .findings
                    .iter()
                    .map(|f| Finding {
                        item: code(&f.item),
                        value: f.value.clone(),
                        unit: code_text(&f.unit),
                    })
                    .collect(),
                ordered_at: time(&s.ordered_at),
                performed_at: time(&s.performed_at),
                modality: s.modality.clone(),
                accession: s.accession.clone(),
                doctor: clinician(&s.doctor),
                department: code_text(&s.department),
            }),
        ),
        Item::Encounter(e) => (
            Section::Encounter,
            time(&e.at).or_else(|| time(&e.recorded)),
            Entry::Encounter(EncounterEntry {
                kind: serde_json::to_value(e.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                trigger: e.trigger.clone(),
                patient_class: e.patient_class.clone(),
                location: e.location.clone(),
                prior_location: e.prior_location.clone(),
                department: code_text(&e.department),
                attending: clinician(&e.attending),
                at: time(&e.at),
                disposition: code_text(&e.disposition),
            }),
        ),
        Item::DietOrder(d) => (
            Section::Diet,
            time(&d.start).or_else(|| time(&d.ordered_at)),
            Entry::Diet(DietEntry {
                ordered_at: time(&d.ordered_at),
                start: time(&d.start),
                schedule: code_text(&d.schedule),
                diets: d.diets.iter().map(code).collect(),
                instructions: d.instructions.clone(),
            }),
        ),
        Item::Document(d) => (
            Section::Document,
            time(&d.created),
            Entry::Document(DocumentEntry {
                referral: is_referral(d),
                // Checked once the files are read (crate::signatures).
                signatures: Vec::new(),
                document_type: code(&d.document_type),
                title: d.title.clone(),
                created: time(&d.created),
                author: d.author.clone(),
                sections: d
                    .sections
                    .iter()
                    .map(|s| DocumentSection {
                        title: s.title.clone(),
                        text: s.text.clone(),
                    })
                    .collect(),
                // Files are filled in by the builder once their bytes are stored.
                files: Vec::new(),
                jspeed: d.jspeed.clone(),
            }),
        ),
        Item::Unmapped(u) => (
            Section::Unmapped,
            None,
            Entry::Unmapped(UnmappedEntry {
                message_type: u.message_type.clone(),
            }),
        ),
    };
    Some(Converted { section, at, entry })
}

/// A referral letter: 診療情報提供書 by title or type name, or the LOINC code of a referral note
/// (57133-1) that the 診療情報提供書 CDA profile uses.
fn is_referral(d: &m::Document) -> bool {
    let names = [
        d.title.as_deref(),
        d.document_type.display(),
        d.document_type.alt_text.as_deref(),
    ];
    names
        .into_iter()
        .flatten()
        .any(|n| n.contains("診療情報提供") || n.contains("紹介状"))
        || [
            d.document_type.code.as_deref(),
            d.document_type.alt_code.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|c| c == "57133-1")
}

/// The patient row's demographics from a PID.
pub fn patient_row(p: &m::Patient, facility: &str, patient_id: &str, source: Source) -> PatientRow {
    let home_first = {
        let mut a: Vec<&m::Address> = p.addresses.iter().collect();
        a.sort_by_key(|a| a.kind.as_deref() != Some("H"));
        a
    };
    PatientRow {
        facility: facility.to_string(),
        patient_id: patient_id.to_string(),
        name_kanji: p
            .name_kanji
            .as_ref()
            .map(|n| n.full.clone())
            .filter(|n| !n.is_empty()),
        name_kana: p
            .name_kana
            .as_ref()
            .map(|n| n.full.clone())
            .filter(|n| !n.is_empty()),
        other_names: p
            .other_names
            .iter()
            .map(|n| n.full.clone())
            .filter(|n| !n.is_empty())
            .collect(),
        dob: time(&p.birth_date).map(|d| d.chars().take(10).collect()),
        sex: match p.sex {
            m::Sex::Male => Sex::Male,
            m::Sex::Female => Sex::Female,
            m::Sex::Other => Sex::Other,
            m::Sex::Unknown => Sex::Unknown,
        },
        addresses: home_first
            .iter()
            .map(|a| a.text.clone())
            .filter(|t| !t.is_empty())
            .collect(),
        postcode: home_first.iter().find_map(|a| a.postcode.clone()),
        phones: p
            .phones
            .iter()
            .map(|ph| ph.number.clone())
            .filter(|n| !n.is_empty())
            .collect(),
        deceased: p.deceased,
        death: time(&p.death),
        last_contact: None,
        source,
        id_mismatches: Vec::new(),
        contacts: p
            .contacts
            .iter()
            .map(|c| Contact {
                name: c
                    .name
                    .as_ref()
                    .map(|n| n.full.clone())
                    .filter(|n| !n.is_empty()),
                relationship: code_text(&c.relationship),
                phones: c
                    .phones
                    .iter()
                    .map(|ph| ph.number.clone())
                    .filter(|n| !n.is_empty())
                    .collect(),
                addresses: c
                    .addresses
                    .iter()
                    .map(|a| a.text.clone())
                    .filter(|t| !t.is_empty())
                    .collect(),
            })
            .filter(|c| c != &Contact::default())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use fieldchart_hl7::{Message, Text};
    use fieldchart_reader::map::map_message;
    use fieldchart_store::standing::StandingReason;

    use super::*;

    /// The stored problems of a PPR-01 message, as the reader maps it and the builder stores it.
    fn stored_problems(prbs: &[&str]) -> Vec<ProblemEntry> {
        let mut text =
            String::from("MSH|^~\\&|HIS|||||20261101||PPR^ZD1^PPR_ZD1|1|P|2.5\rPID|1||7");
        for prb in prbs {
            text.push('\r');
            text.push_str(prb);
        }
        let (message, _) = Message::parse(Text::from_unicode(text));
        map_message("PPR-01", &message)
            .items
            .iter()
            .filter_map(convert)
            .map(|c| match c.entry {
                Entry::Problem(p) => p,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn mapped(data_type: &str, header: &str, segments: &[&str]) -> Vec<Item> {
        let mut text = format!("MSH|^~\\&|HIS||||20261101||{header}|1|P|2.5\rPID|1||7");
        for segment in segments {
            text.push('\r');
            text.push_str(segment);
        }
        let (message, _) = Message::parse(Text::from_unicode(text));
        map_message(data_type, &message).items
    }

    #[test]
    fn an_injection_keeps_each_components_amount_its_device_and_what_was_dispensed() {
        let items = mapped(
            "OMP-02",
            "RDE^O11^RDE_O11",
            &[
                "ORC|NW|ORD4",
                "RXE||00^一般^99I02|500||ML^ミリリットル^MR9P|||||2|HON^本^MR9P",
                "TQ1|||||||201112200900",
                "RXR|IV^静脈内^HL70162||IVP^点滴ポンプ^HL70164",
                "RXC|B|620007329^ソリタ－Ｔ３号輸液５００ｍＬ^HOT9|500|ML^mL^MR9P",
                "RXC|A|620004521^ＫＣＬ補正液^HOT9|20|ML^mL^MR9P",
            ],
        );
        let Some(Entry::Medication(m)) = items.iter().filter_map(convert).map(|c| c.entry).next()
        else {
            panic!("one order: {items:?}");
        };
        let drugs: Vec<(String, Option<&str>)> = m
            .drugs
            .iter()
            .map(|d| (d.text(), d.role.as_deref()))
            .collect();
        assert_eq!(
            drugs,
            [
                ("ソリタ－Ｔ３号輸液５００ｍＬ 500 mL".to_string(), Some("B")),
                ("ＫＣＬ補正液 20 mL".to_string(), Some("A")),
            ]
        );
        assert_eq!(m.device.as_deref(), Some("点滴ポンプ"));
        assert_eq!(m.dispense.as_deref(), Some("2 本"));
        assert_eq!(
            Entry::Medication(m).label(),
            "ソリタ－Ｔ３号輸液５００ｍＬ 500 mL + ＫＣＬ補正液 20 mL"
        );
    }

    #[test]
    fn an_organism_and_its_quantity_keep_their_shared_sub_id() {
        let items = mapped(
            "OML-11",
            "OUL^R22^OUL_R22",
            &[
                "SPM|1|||019^尿^JC10|||||||||||||201112191500",
                "OBR|1|||1^細菌培養^99X",
                "OBX|1|CWE|6B010000000000000^培養同定^JC10|1|2001^E.Coli^JANIS||||||F",
                "OBX|2|ST|6B020000000000000^菌量^JC10|1|(+)||||||F",
            ],
        );
        let subs: Vec<Option<String>> = items
            .iter()
            .filter_map(convert)
            .map(|c| match c.entry {
                Entry::Observation(o) => o.sub_id,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(subs, [Some("1".to_string()), Some("1".to_string())]);
    }

    #[test]
    fn the_next_of_kin_reach_the_patient_row() {
        let items = mapped(
            "ADT-00",
            "ADT^A08^ADT_A01",
            &[
                "NK1|1|山田^花子^^^^^L^I~ヤマダ^ハナコ^^^^^L^P|SPO^妻^HL70063|\
                 ^^石巻市^宮城県^986-0000^^H^^^^^^^^^^^宮城県石巻市中央１|^PRN^PH^^^^^^^^^090-1111-2222",
            ],
        );
        let Some(Item::Patient(p)) = items.iter().find(|i| matches!(i, Item::Patient(_))) else {
            panic!("a patient: {items:?}");
        };
        let row = patient_row(p, "F", "7", Source::default());
        let [c] = &row.contacts[..] else {
            panic!("one contact: {:?}", row.contacts);
        };
        assert_eq!(c.name.as_deref(), Some("山田 花子"));
        assert_eq!(c.relationship.as_deref(), Some("妻"));
        assert_eq!(c.phones, ["090-1111-2222"]);
    }

    #[test]
    fn an_impossible_time_is_never_an_item_date() {
        let [p] = &stored_problems(&["PRB|AD|20261001|1^胃炎^MDCDX2|1|||201109318080"])[..]
        else {
            panic!("one problem");
        };
        assert_eq!(p.diagnosed, None);
        let text = "MSH|^~\\&|HIS|||||20261101||OUL^R22^OUL_R22|1|P|2.5\rPID|1||7\r\
                    SPM|1|||023^血清^JC10|||||||||||||201112191500\r\
                    OBR|1|||1^生化学^99X\r\
                    OBX|1|NM|3A010000002327101^総蛋白^JC10||7.2|g/dl|||||F|||201112198000";
        let (message, _) = Message::parse(Text::from_unicode(text));
        let mapped = map_message("OML-11", &message);
        let c = convert(&mapped.items[0]).unwrap();
        // OBX-14 (minute 80) is not a time; the specimen's SPM-17 stands in as the date.
        assert_eq!(c.at.as_deref(), Some("2011-12-19T15:00"));
    }

    #[test]
    fn an_onset_written_as_words_shows_as_words_and_broken_digits_not_at_all() {
        let allergy = |iam11: &str| {
            let text = format!(
                "MSH|^~\\&|HIS|||||20261101||ADT^A60^ADT_A60|1|P|2.5\rEVN||20261101\rPID|1||7\r\
                 IAM|1|FA^食物^HL70127|1^ソバ^99X|SV^重度^HL70128|||||||{iam11}"
            );
            let (message, _) = Message::parse(Text::from_unicode(text));
            let mapped = map_message("ADT-61", &message);
            let c = convert(&mapped.items[0]).unwrap();
            match c.entry {
                Entry::Allergy(a) => (a.onset, c.at),
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(
            allergy("幼少期"),
            (Some("幼少期".to_string()), None),
            "words are no date but are shown"
        );
        assert_eq!(allergy("19961340"), (None, None));
        assert_eq!(
            allergy("199601"),
            (Some("1996-01".to_string()), Some("1996-01".to_string()))
        );
    }

    #[test]
    fn a_current_problem_list_saying_cured_without_a_date_is_not_an_active_problem() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let [cured, ongoing, conflicting, deleted] = &stored_problems(&[
            "PRB|AD|20261001|20054174^胃炎^MDCDX2|1|||20261001|||||||F^治癒^HL70241",
            "PRB|AD|20110915|20054174^胃炎^MDCDX2|2|||20110831||20110915|||||N^回復せず^HL70241",
            "PRB|AD|20261001|1^骨折^MDCDX2|3|||20261001||20261020|||||F^回復せず^HL70241",
            "PRB|DE|20261001|2^感冒^MDCDX2|4|||20261001",
        ])[..] else {
            panic!("four problems");
        };
        assert_eq!(cured.resolved, None);
        assert_eq!(cured.standing(as_of).reason, StandingReason::Recovered);
        assert!(!cured.standing(as_of).active);
        assert_eq!(ongoing.resolved.as_deref(), Some("2011-09-15"));
        assert_eq!(ongoing.standing(as_of).reason, StandingReason::Persists);
        let c = conflicting.outcome.as_ref().unwrap();
        assert_eq!(
            (c.code.as_deref(), c.text.as_str()),
            (Some("F"), "回復せず")
        );
        assert_eq!(
            conflicting.standing(as_of).reason,
            StandingReason::Conflicting
        );
        assert!(deleted.deleted);
        assert_eq!(deleted.standing(as_of).reason, StandingReason::Deleted);
    }
}
