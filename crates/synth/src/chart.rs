//! A patient's chart at one facility: the logical records of standardized and extended storage,
//! each with its versions and condition flags, rendered from a [`Plan`].
//!
//! A **logical record** is one (patient ID, care date, data type, order number) key in
//! standardized storage, or one content-folder key (patient ID, care date, data type, 特定キー) in
//! extended storage (guide §2, §6). Each record here ends as exactly one [`Outcome`]; its
//! versions carry the flags a reader will find on disk.

use crate::calendar::{CivilDate, Moment};
use crate::clinical::{
    self, BASIC_PANEL, ConditionKind, INFECTION_PANEL, LabKind, LabTest, Problem, ROUTINE_PANEL,
    drugs, labs, problems,
};
use crate::error::SynthError;
use crate::extended::{self, CdaHeader, DocumentType, Section, SectionText};
use crate::facility::Facility;
use crate::messages::adt::{self, Demographics, Insurance, Kin, ProblemEntry};
use crate::messages::orders::{self, Control, Drip, Prescription, RxItem};
use crate::messages::results::{self, Ecg, LabReport, LabResult, LabValue, Vitals};
use crate::messages::{Bed, Encounter, Setting, Stamp, Subject};
use crate::names;
use crate::person::{Person, Sex};
use crate::plan::{Drips, Edit, Plan, Stay, Visit};
use crate::rng::Draw;

/// A condition flag (guide §2): `1` current, `2` superseded (past history), `0` deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flag {
    Deleted,
    Current,
    Superseded,
}

impl Flag {
    pub(crate) fn digit(self) -> char {
        match self {
            Flag::Deleted => '0',
            Flag::Current => '1',
            Flag::Superseded => '2',
        }
    }
}

/// How a logical record resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its newest `_1` file is a positive event.
    Current,
    /// All its files are `_0`.
    Deleted,
    /// Its newest `_1` file is an ADT cancel event (A11, A13), which voids the record.
    Cancelled,
}

/// The order number of records that have none: 15 nines (guide §1.2).
pub(crate) const NO_ORDER: &str = "999999999999999";

pub(crate) struct Version {
    pub(crate) event: Moment,
    pub(crate) flag: Flag,
    /// The decoded HL7 message; encoded to ISO-2022-JP when written.
    pub(crate) message: String,
}

pub(crate) struct StandardRecord {
    pub(crate) data_type: &'static str,
    pub(crate) care_date: Option<CivilDate>,
    pub(crate) order_no: String,
    /// 診療科コード of the file names; `None` writes `-`.
    pub(crate) department: Option<&'static str>,
    pub(crate) versions: Vec<Version>,
    pub(crate) outcome: Outcome,
}

impl StandardRecord {
    fn new(
        data_type: &'static str,
        care_date: Option<CivilDate>,
        order_no: &str,
        department: Option<&'static str>,
        event: Moment,
        message: String,
    ) -> StandardRecord {
        StandardRecord {
            data_type,
            care_date,
            order_no: order_no.to_owned(),
            department,
            versions: vec![Version {
                event,
                flag: Flag::Current,
                message,
            }],
            outcome: Outcome::Current,
        }
    }

    /// Guide §2, INS on an existing key: the `_1` file is renamed `_2`, the new file is `_1`.
    fn update(&mut self, event: Moment, message: String) {
        for v in &mut self.versions {
            if v.flag == Flag::Current {
                v.flag = Flag::Superseded;
            }
        }
        self.versions.push(Version {
            event,
            flag: Flag::Current,
            message,
        });
    }

    /// Guide §2, DEL: `_1` and `_2` files are renamed `_0`, and the deletion message itself is
    /// stored as a new `_0` file (standardized storage only).
    fn delete(&mut self, event: Moment, message: String) {
        for v in &mut self.versions {
            v.flag = Flag::Deleted;
        }
        self.versions.push(Version {
            event,
            flag: Flag::Deleted,
            message,
        });
        self.outcome = Outcome::Deleted;
    }

    /// An ADT cancel event stored under the key of the event it cancels (guide §2): written like
    /// an update, so the cancel is the `_1` file and the record resolves as cancelled.
    fn cancel(&mut self, event: Moment, message: String) {
        self.update(event, message);
        self.outcome = Outcome::Cancelled;
    }
}

/// A file inside an extended-storage content folder.
pub(crate) struct Attachment {
    pub(crate) name: &'static str,
    pub(crate) bytes: Vec<u8>,
}

pub(crate) struct ExtendedVersion {
    pub(crate) event: Moment,
    pub(crate) flag: Flag,
    pub(crate) files: Vec<Attachment>,
}

pub(crate) struct ExtendedRecord {
    pub(crate) doc_type: &'static DocumentType,
    pub(crate) care_date: CivilDate,
    /// 特定キー (specific key) of the content folder name.
    pub(crate) key: String,
    pub(crate) department: Option<&'static str>,
    pub(crate) versions: Vec<ExtendedVersion>,
    pub(crate) outcome: Outcome,
}

impl ExtendedRecord {
    fn update(&mut self, event: Moment, files: Vec<Attachment>) {
        for v in &mut self.versions {
            if v.flag == Flag::Current {
                v.flag = Flag::Superseded;
            }
        }
        self.versions.push(ExtendedVersion {
            event,
            flag: Flag::Current,
            files,
        });
    }

    /// Guide §6: in extended storage a deletion renames folders to `_0` and adds nothing.
    fn delete(&mut self) {
        for v in &mut self.versions {
            v.flag = Flag::Deleted;
        }
        self.outcome = Outcome::Deleted;
    }
}

#[derive(Default)]
pub(crate) struct Chart {
    pub(crate) standard: Vec<StandardRecord>,
    pub(crate) extended: Vec<ExtendedRecord>,
}

/// Everything needed to render one patient's chart.
pub(crate) struct ChartInput<'a> {
    pub(crate) facility: &'a Facility,
    /// Position of the patient at the facility; makes order numbers unique in the region.
    pub(crate) patient_index: u64,
    pub(crate) patient_id: &'a str,
    pub(crate) person: &'a Person,
    pub(crate) plan: &'a Plan,
    pub(crate) as_of: CivilDate,
}

/// A problem as learned over time: when it entered the list.
struct ProblemFact {
    entry: ProblemEntry,
    known: CivilDate,
}

struct Builder<'a> {
    input: &'a ChartInput<'a>,
    draw: &'a mut Draw,
    order_seq: u64,
    message_seq: u64,
    chart: Chart,
    problems: Vec<ProblemFact>,
    /// Per-test drift, so repeated results of one patient form a trend.
    lab_offsets: Vec<(&'static str, f64)>,
    /// Medicines of the newest prescription that was not deleted, with its days.
    current_medicines: Option<(Vec<RxItem>, u32)>,
}

pub(crate) fn build(input: &ChartInput<'_>, draw: &mut Draw) -> Result<Chart, SynthError> {
    let mut b = Builder {
        input,
        draw,
        order_seq: 0,
        message_seq: 0,
        chart: Chart::default(),
        problems: Vec::new(),
        lab_offsets: Vec::new(),
        current_medicines: None,
    };
    b.chronic_problems();
    for visit in &input.plan.visits {
        b.visit(visit);
    }
    if let Some(stay) = &input.plan.stay {
        b.stay(stay)?;
    }
    if let Some(date) = input.plan.cancelled_admission {
        b.cancelled_admission(date);
    }
    b.demographics();
    b.allergies();
    b.problem_list();
    b.documents()?;
    Ok(b.chart)
}

impl<'a> Builder<'a> {
    fn subject(&self) -> Subject<'a> {
        Subject {
            facility: self.input.facility,
            id: self.input.patient_id,
            person: self.input.person,
        }
    }

    /// A region-unique 15-digit order number: facility (3 digits, `RegionSpec` allows 999),
    /// patient (9 digits), sequence (3 digits; a plan makes well under 1000 orders).
    fn order_no(&mut self) -> String {
        self.order_seq += 1;
        debug_assert!(
            self.order_seq < 1000,
            "order sequence overflows its 3 digits"
        );
        let base = (u64::from(self.input.facility.index) + 1) * 1_000_000_000_000
            + (self.input.patient_index + 1) * 1000
            + self.order_seq;
        format!("{base:015}")
    }

    /// A stamp a random few minutes after `at` (see [`Builder::later`]).
    fn stamp_after(&mut self, at: Moment, min_minutes: i64, max_minutes: i64) -> Stamp {
        let time = self.later(at, min_minutes, max_minutes);
        self.stamp(time)
    }

    fn stamp(&mut self, time: Moment) -> Stamp {
        self.message_seq += 1;
        Stamp {
            time,
            control_id: format!(
                "{:03}{:09}{:04}",
                self.input.facility.index % 1000,
                self.input.patient_index % 1_000_000_000,
                self.message_seq
            ),
        }
    }

    /// A moment on `date` between `from` and `to` o'clock, with random seconds and milliseconds.
    fn time_on(&mut self, date: CivilDate, from: u32, to: u32) -> Moment {
        let minutes = self
            .draw
            .range(i64::from(from) * 60, i64::from(to) * 60 - 1);
        Moment::at(date, 0, 0).plus_ms(minutes * 60_000 + self.draw.range(0, 59_999))
    }

    /// Minutes later, with random milliseconds (distinct 発生日時 within a key).
    fn later(&mut self, at: Moment, min_minutes: i64, max_minutes: i64) -> Moment {
        at.plus_ms(self.draw.range(min_minutes * 60_000, max_minutes * 60_000))
    }

    fn push(&mut self, record: StandardRecord) {
        self.chart.standard.push(record);
    }

    fn outpatient(department: &'static clinical::Department) -> Encounter {
        Encounter {
            setting: Setting::Outpatient,
            department,
        }
    }

    fn chronic_problems(&mut self) {
        let person = self.input.person;
        let registered = self.input.plan.registered;
        for (i, t) in person.treatments.iter().enumerate() {
            let known = t.onset.max(registered);
            for (j, problem) in std::iter::once(t.condition.problem)
                .chain(t.condition.companions.iter().copied())
                .enumerate()
            {
                let instance = self.order_no();
                self.problems.push(ProblemFact {
                    entry: ProblemEntry {
                        problem,
                        instance,
                        onset: t.onset,
                        diagnosed: t.onset.max(registered.min(t.onset.add_days(30))),
                        department: t.condition.department,
                        inpatient: false,
                        suspected: false,
                        main: i == 0 && j == 0,
                        outcome: None,
                    },
                    known,
                });
            }
        }
    }

    fn add_problem(
        &mut self,
        problem: &'static Problem,
        date: CivilDate,
        department: &'static clinical::Department,
        inpatient: bool,
        suspected: bool,
        outcome: Option<(&'static clinical::Coded, CivilDate)>,
    ) {
        let instance = self.order_no();
        let main = self.problems.is_empty();
        self.problems.push(ProblemFact {
            entry: ProblemEntry {
                problem,
                instance,
                onset: date,
                diagnosed: date,
                department,
                inpatient,
                suspected,
                main,
                outcome,
            },
            known: date,
        });
    }

    fn visit(&mut self, visit: &Visit) {
        let encounter = Self::outpatient(visit.department);
        let dept = Some(visit.department.code);
        let arrived = self.time_on(visit.date, 8, 12);
        let stamp = self.stamp_after(arrived, 0, 2);
        let message = adt::visit(&self.subject(), &stamp, &encounter, arrived);
        self.push(StandardRecord::new(
            "ADT-12",
            Some(visit.date),
            NO_ORDER,
            dept,
            stamp.time,
            message,
        ));

        if let Some(problem) = visit.acute {
            let outcome = Some((&OUTCOME_CURED, visit.date.add_days(7).min(self.input.as_of)));
            self.add_problem(problem, visit.date, visit.department, false, false, outcome);
        }
        if let Some(problem) = visit.suspected {
            self.add_problem(problem, visit.date, visit.department, false, true, None);
        }
        if visit.labs {
            let mut tests: Vec<&'static LabTest> = ROUTINE_PANEL.to_vec();
            tests.extend(self.condition_labs());
            if visit.infection_screen {
                tests.extend(INFECTION_PANEL);
            }
            let collected = self.later(arrived, 10, 30);
            self.lab_report(
                &encounter,
                visit.date,
                collected,
                &tests,
                false,
                visit.lab_order,
                visit.lab_corrected,
            );
        }
        if visit.ecg {
            let at = self.later(arrived, 30, 60);
            self.ecg(&encounter, at);
        }
        if visit.xray {
            let at = self.later(arrived, 20, 50);
            self.imaging(&encounter, at, &clinical::IMAGING[0]);
        }
        if let Some(rx) = &visit.prescription {
            let ordered = self.later(arrived, 20, 70);
            let order_no = self.order_no();
            let first_items = match &rx.edit {
                Edit::Update(Some(previous)) => previous.clone(),
                _ => rx.items.clone(),
            };
            // A generic update corrects the days; a persona may give the earlier items instead.
            let first_days = match rx.edit {
                Edit::Update(None) => rx.days / 2,
                _ => rx.days,
            };
            let stamp = self.stamp_after(ordered, 1, 5);
            let message = orders::prescription(
                &self.subject(),
                &stamp,
                &Prescription {
                    order_no: &order_no,
                    ordered,
                    start: visit.date,
                    days: first_days,
                    items: &first_items,
                    encounter: &encounter,
                },
                Control::New,
            );
            let mut record = StandardRecord::new(
                "OMP-01",
                Some(visit.date),
                &order_no,
                dept,
                stamp.time,
                message,
            );
            match rx.edit {
                Edit::None => self.current_medicines = Some((rx.items.clone(), rx.days)),
                Edit::Update(_) => {
                    let stamp = self.stamp_after(stamp.time, 30, 300);
                    let message = orders::prescription(
                        &self.subject(),
                        &stamp,
                        &Prescription {
                            order_no: &order_no,
                            ordered,
                            start: visit.date,
                            days: rx.days,
                            items: &rx.items,
                            encounter: &encounter,
                        },
                        Control::Change,
                    );
                    record.update(stamp.time, message);
                    self.current_medicines = Some((rx.items.clone(), rx.days));
                }
                Edit::Delete => {
                    let stamp = self.stamp_after(stamp.time, 30, 300);
                    let message = orders::prescription(
                        &self.subject(),
                        &stamp,
                        &Prescription {
                            order_no: &order_no,
                            ordered,
                            start: visit.date,
                            days: first_days,
                            items: &first_items,
                            encounter: &encounter,
                        },
                        Control::Cancel,
                    );
                    record.delete(stamp.time, message);
                }
            }
            self.push(record);
        }
    }

    /// Labs that monitor this person's conditions (PT-INR only for warfarin, not for DOACs).
    fn condition_labs(&self) -> Vec<&'static LabTest> {
        let person = self.input.person;
        let mut tests: Vec<&'static LabTest> = Vec::new();
        for t in &person.treatments {
            if t.condition.kind == ConditionKind::AtrialFibrillation
                && !person.takes(&drugs::WARFARIN_1)
            {
                continue;
            }
            for test in t.condition.labs {
                if !tests
                    .iter()
                    .chain(BASIC_PANEL)
                    .chain(ROUTINE_PANEL)
                    .any(|x| x.jlac10 == test.jlac10)
                {
                    tests.push(test);
                }
            }
        }
        tests
    }

    /// A result value that fits the person's conditions, drifting between reports.
    fn lab_value(&mut self, test: &'static LabTest, acute: bool) -> LabValue {
        let person = self.input.person;
        let has = |k| person.has(k);
        match test.kind {
            LabKind::Qualitative => {
                let i = person.infections;
                let positive = match test.jlac10 {
                    j if j == labs::HBS_AG.jlac10 => i.hbs_antigen,
                    j if j == labs::HCV_AB.jlac10 => i.hcv_antibody,
                    j if j == labs::TPHA.jlac10 || j == labs::RPR.jlac10 => i.syphilis,
                    j if j == labs::HIV_AB.jlac10 => i.hiv,
                    j if j == labs::URINE_PROTEIN.jlac10 => {
                        let kidney = has(ConditionKind::ChronicKidneyDisease)
                            || has(ConditionKind::EndStageRenalDisease);
                        return LabValue::Text(if kidney {
                            self.draw.one_of(&["(+)", "(2+)", "(±)"])
                        } else {
                            "(-)"
                        });
                    }
                    j if j == labs::URINE_GLUCOSE.jlac10 => {
                        return LabValue::Text(if has(ConditionKind::Diabetes) {
                            self.draw.one_of(&["(-)", "(±)", "(+)"])
                        } else {
                            "(-)"
                        });
                    }
                    _ => false,
                };
                LabValue::Text(if positive { "(+)" } else { "(-)" })
            }
            LabKind::Numeric {
                mean, sd, decimals, ..
            } => {
                let (mean, sd) = self.baseline(test, mean, sd, acute);
                let offset = match self.lab_offsets.iter_mut().find(|(j, _)| *j == test.jlac10) {
                    Some((_, offset)) => {
                        *offset += self.draw.normal(0.0, sd * 0.25);
                        *offset
                    }
                    None => {
                        let offset = self.draw.normal(0.0, sd * 0.6);
                        self.lab_offsets.push((test.jlac10, offset));
                        offset
                    }
                };
                let floor = 1.0 / 10f64.powi(i32::from(decimals));
                let value = (mean + offset + self.draw.normal(0.0, sd * 0.3)).max(floor);
                if test.jlac10 == labs::CRP.jlac10 && value < 0.03 {
                    // Below the detection limit, kept as text (NHO SN rule, guide §3.1).
                    return LabValue::BelowDetection("< 0.03");
                }
                let scale = 10f64.powi(i32::from(decimals));
                LabValue::Number((value * scale).round() / scale)
            }
        }
    }

    fn baseline(&self, test: &LabTest, mean: f64, sd: f64, acute: bool) -> (f64, f64) {
        let person = self.input.person;
        let has = |k| person.has(k);
        let esrd = has(ConditionKind::EndStageRenalDisease);
        let ckd = has(ConditionKind::ChronicKidneyDisease);
        let j = test.jlac10;
        let female = person.sex == Sex::Female;
        if j == labs::HBA1C.jlac10 && has(ConditionKind::Diabetes) {
            (7.3, 0.9)
        } else if j == labs::GLUCOSE.jlac10 && has(ConditionKind::Diabetes) {
            (150.0, 40.0)
        } else if j == labs::PT_INR.jlac10 && person.takes(&drugs::WARFARIN_1) {
            (2.2, 0.45)
        } else if j == labs::CREATININE.jlac10 && esrd {
            (8.5, 2.0)
        } else if j == labs::CREATININE.jlac10 && ckd {
            (1.7, 0.5)
        } else if j == labs::BUN.jlac10 && esrd {
            (60.0, 15.0)
        } else if j == labs::BUN.jlac10 && ckd {
            (28.0, 8.0)
        } else if j == labs::POTASSIUM.jlac10 && esrd {
            (5.1, 0.6)
        } else if j == labs::PHOSPHORUS.jlac10 && esrd {
            (5.8, 1.2)
        } else if j == labs::EGFR.jlac10 {
            // A rational stand-in for the JSN formula (no powf, so output is platform-stable).
            let cre = if esrd {
                8.5
            } else if ckd {
                1.7
            } else {
                0.75
            };
            let sex = if female { 0.74 } else { 1.0 };
            (60.0 / cre * sex, if esrd { 1.0 } else { 8.0 })
        } else if j == labs::HEMOGLOBIN.jlac10 && esrd {
            (10.5, 1.0)
        } else if j == labs::HEMOGLOBIN.jlac10 && female {
            (12.8, 1.0)
        } else if j == labs::BNP.jlac10 && has(ConditionKind::HeartFailure) {
            (250.0, 150.0)
        } else if j == labs::LDL.jlac10 && has(ConditionKind::Dyslipidemia) {
            (125.0, 30.0)
        } else if j == labs::URIC_ACID.jlac10 && has(ConditionKind::Hyperuricemia) {
            (7.2, 1.0)
        } else if j == labs::TSH.jlac10 && has(ConditionKind::Hypothyroidism) {
            (3.5, 2.0)
        } else if j == labs::CRP.jlac10 && acute {
            (9.0, 4.0)
        } else if j == labs::WBC.jlac10 && acute {
            (12.0, 3.0)
        } else {
            (mean, sd)
        }
    }

    /// OML-11 (and optionally OML-01) for one collection.
    #[allow(clippy::too_many_arguments)]
    fn lab_report(
        &mut self,
        encounter: &Encounter,
        date: CivilDate,
        collected: Moment,
        tests: &[&'static LabTest],
        acute: bool,
        with_order: bool,
        corrected: bool,
    ) {
        let untold = self.input.plan.untold;
        let results: Vec<LabResult> = tests
            .iter()
            .map(|t| {
                let value = self.lab_value(t, acute);
                let positive_infection = INFECTION_PANEL.iter().any(|x| x.jlac10 == t.jlac10)
                    && value == LabValue::Text("(+)");
                LabResult {
                    test: t,
                    value,
                    untold: untold && positive_infection,
                }
            })
            .collect();
        let order_no = self.order_no();
        let specimen_no = format!("S{}", &order_no);
        let ordered = collected.plus_minutes(-5);
        let reported = self.later(collected, 60, 240);
        let dept = Some(encounter.department.code);
        let local_codes = self.input.facility.local_lab_codes;
        if with_order {
            let stamp = self.stamp_after(ordered, 0, 2);
            let report = LabReport {
                order_no: &order_no,
                specimen_no: &specimen_no,
                ordered,
                collected,
                reported,
                results: &results,
                encounter,
                local_codes,
            };
            let message = results::lab_order(&self.subject(), &stamp, &report);
            self.push(StandardRecord::new(
                "OML-01",
                Some(date),
                &order_no,
                dept,
                stamp.time,
                message,
            ));
        }
        let stamp = self.stamp(reported);
        let report = LabReport {
            order_no: &order_no,
            specimen_no: &specimen_no,
            ordered,
            collected,
            reported,
            results: &results,
            encounter,
            local_codes,
        };
        let message = results::lab_result(&self.subject(), &stamp, &report);
        let mut record =
            StandardRecord::new("OML-11", Some(date), &order_no, dept, stamp.time, message);
        if corrected {
            // A corrected report: one numeric value changes, 発生日時 is later, key unchanged.
            let mut fixed = results.clone();
            if let Some(r) = fixed
                .iter_mut()
                .find(|r| matches!(r.value, LabValue::Number(_)))
                && let LabValue::Number(v) = r.value
            {
                r.value = LabValue::Number(v * 1.1);
            }
            let stamp = self.stamp_after(reported, 60, 600);
            let report = LabReport {
                results: &fixed,
                reported: stamp.time,
                ..report
            };
            let message = results::lab_result(&self.subject(), &stamp, &report);
            record.update(stamp.time, message);
        }
        self.push(record);
    }

    fn ecg(&mut self, encounter: &Encounter, at: Moment) {
        let af = self.input.person.has(ConditionKind::AtrialFibrillation);
        let reading = if af {
            Ecg {
                finding: "心房細動",
                heart_rate: self.draw.range(70, 110) as u32,
                qrs_ms: self.draw.range(80, 110) as u32,
                qt_ms: self.draw.range(340, 420) as u32,
                pq_ms: None,
            }
        } else {
            Ecg {
                finding: self
                    .draw
                    .one_of(&["洞調律", "正常範囲", "洞調律\n左室肥大の疑い"]),
                heart_rate: self.draw.range(55, 95) as u32,
                qrs_ms: self.draw.range(80, 110) as u32,
                qt_ms: self.draw.range(360, 430) as u32,
                pq_ms: Some(self.draw.range(120, 200) as u32),
            }
        };
        let order_no = self.order_no();
        let stamp = self.stamp_after(at, 10, 60);
        let message = results::ecg(&self.subject(), &stamp, encounter, &order_no, at, &reading);
        let dept = Some(encounter.department.code);
        self.push(StandardRecord::new(
            "OMG-13",
            Some(at.date()),
            &order_no,
            dept,
            stamp.time,
            message,
        ));
    }

    fn imaging(
        &mut self,
        encounter: &Encounter,
        ordered: Moment,
        study: &'static clinical::Imaging,
    ) {
        let order_no = self.order_no();
        let dept = Some(encounter.department.code);
        let stamp = self.stamp_after(ordered, 0, 2);
        let message = results::imaging_order(
            &self.subject(),
            &stamp,
            encounter,
            &order_no,
            ordered,
            study,
        );
        self.push(StandardRecord::new(
            "OMG-01",
            Some(ordered.date()),
            &order_no,
            dept,
            stamp.time,
            message,
        ));
        let performed = self.later(ordered, 15, 90);
        if performed.date() == ordered.date() {
            let stamp = self.stamp_after(performed, 5, 30);
            let message = results::imaging_done(
                &self.subject(),
                &stamp,
                encounter,
                &order_no,
                ordered,
                performed,
                study,
            );
            self.push(StandardRecord::new(
                "OMG-11",
                Some(performed.date()),
                &order_no,
                dept,
                stamp.time,
                message,
            ));
        }
    }

    fn bed(&mut self) -> Bed {
        let ward = 31 + self.draw.below(6);
        Bed {
            ward: ward.to_string(),
            room: format!("{}{:02}", ward / 10, self.draw.range(1, 20)),
            bed: self.draw.range(1, 4).to_string(),
        }
    }

    fn stay(&mut self, stay: &Stay) -> Result<(), SynthError> {
        let as_of = self.input.as_of;
        let last_day = stay.discharged.unwrap_or(as_of.add_days(-1));
        let dept = Some(stay.department.code);
        let bed = self.bed();
        let mut ward = Encounter {
            setting: Setting::Inpatient(bed),
            department: stay.department,
        };
        let admitted = self.time_on(stay.admitted, 9, 17);
        let stamp = self.stamp_after(admitted, 0, 5);
        let message = adt::admission(&self.subject(), &stamp, &ward, admitted, false);
        self.push(StandardRecord::new(
            "ADT-22",
            Some(stay.admitted),
            NO_ORDER,
            dept,
            stamp.time,
            message,
        ));

        let outcome = stay.discharged.map(|d| {
            let resolved =
                *stay.reason == problems::PNEUMONIA || *stay.reason == problems::DEHYDRATION;
            (
                if resolved {
                    &OUTCOME_CURED
                } else {
                    &OUTCOME_IMPROVING
                },
                d,
            )
        });
        self.add_problem(
            stay.reason,
            stay.admitted,
            stay.department,
            true,
            false,
            outcome,
        );

        // Admission work-up: labs with infection screening, chest X-ray, ECG.
        let mut tests: Vec<&'static LabTest> = BASIC_PANEL.to_vec();
        tests.extend(self.condition_labs());
        tests.extend(INFECTION_PANEL);
        let collected = self.later(admitted, 10, 40);
        let acute = *stay.reason == problems::PNEUMONIA;
        let with_order = self.draw.chance(0.5);
        self.lab_report(
            &ward,
            stay.admitted,
            collected,
            &tests,
            acute,
            with_order,
            false,
        );
        let xray_at = self.later(admitted, 20, 60);
        if xray_at.date() == stay.admitted {
            self.imaging(&ward, xray_at, &clinical::IMAGING[0]);
        }
        if stay.ecg {
            let at = self.later(admitted, 30, 90);
            if at.date() == stay.admitted {
                self.ecg(&ward, at);
            }
        }
        self.diet(&ward, admitted, stay.diet);
        if let Some((date, diet)) = stay.diet_change {
            let at = self.time_on(date, 9, 16);
            self.diet(&ward, at, diet);
        }
        self.injections(&ward, stay, admitted, last_day);
        self.inpatient_prescription(&ward, admitted, last_day);
        if let Some(date) = stay.follow_up_labs {
            let collected = self.time_on(date, 6, 8);
            let tests: Vec<&'static LabTest> = vec![
                &labs::WBC,
                &labs::HEMOGLOBIN,
                &labs::CRP,
                &labs::CREATININE,
                &labs::POTASSIUM,
            ];
            self.lab_report(&ward, date, collected, &tests, acute, false, false);
        }
        if stay.vitals_days > 0 {
            self.vitals(&ward, stay, last_day)?;
        }
        if let Some(date) = stay.transfer {
            let at = self.time_on(date, 10, 16);
            let from = Encounter {
                setting: ward.setting.clone(),
                department: ward.department,
            };
            ward.setting = Setting::Inpatient(self.bed());
            let stamp = self.stamp_after(at, 1, 10);
            let message = adt::transfer(&self.subject(), &stamp, &ward, &from, at);
            self.push(StandardRecord::new(
                "ADT-42",
                Some(date),
                NO_ORDER,
                dept,
                stamp.time,
                message,
            ));
        }
        if let Some(date) = stay.cancelled_discharge {
            let at = self.time_on(date, 10, 12);
            let stamp = self.stamp_after(at, 1, 10);
            let message = adt::discharge(&self.subject(), &stamp, &ward, admitted, at, false);
            let mut record =
                StandardRecord::new("ADT-52", Some(date), NO_ORDER, dept, stamp.time, message);
            let stamp = self.stamp_after(stamp.time, 30, 240);
            let cancel = adt::discharge(&self.subject(), &stamp, &ward, admitted, at, true);
            record.cancel(stamp.time, cancel);
            self.push(record);
        }
        if let Some(date) = stay.discharged {
            let at = self.time_on(date, 10, 12);
            let stamp = self.stamp_after(at, 1, 10);
            let message = adt::discharge(&self.subject(), &stamp, &ward, admitted, at, false);
            self.push(StandardRecord::new(
                "ADT-52",
                Some(date),
                NO_ORDER,
                dept,
                stamp.time,
                message,
            ));
            if stay.summary {
                self.discharge_summary(stay, admitted, at)?;
            }
        }
        if stay.photo {
            let date = stay.admitted.add_days(1).min(last_day);
            let at = self.time_on(date, 10, 16);
            let bytes = extended::jpeg(self.draw)?;
            self.document(
                &extended::PHOTO,
                at,
                dept,
                vec![Attachment {
                    name: "main_document.jpg",
                    bytes,
                }],
                Edit::None,
            );
        }
        Ok(())
    }

    fn diet(&mut self, ward: &Encounter, ordered: Moment, diet: &'static clinical::Diet) {
        let order_no = self.order_no();
        let stamp = self.stamp_after(ordered, 1, 20);
        let message = orders::diet(
            &self.subject(),
            &stamp,
            ward,
            &order_no,
            ordered,
            ordered,
            diet,
        );
        let dept = Some(ward.department.code);
        self.push(StandardRecord::new(
            "OMD",
            Some(ordered.date()),
            &order_no,
            dept,
            stamp.time,
            message,
        ));
    }

    /// OMP-02 on admission day for the first days, OMP-12 for each day given (until `last_day`).
    fn injections(&mut self, ward: &Encounter, stay: &Stay, admitted: Moment, last_day: CivilDate) {
        let days = 3;
        let drips: Vec<Drip> = (0..days)
            .map(|day| {
                let date = stay.admitted.add_days(day);
                let (base, additive, from, hours, rate) = match stay.drips {
                    Drips::Antibiotic => (
                        &clinical::SALINE_100,
                        Some(&clinical::CEFTRIAXONE),
                        10,
                        1,
                        100,
                    ),
                    Drips::Fluids => (&clinical::FLUID_SOLITA_T3, None, 13, 5, 100),
                };
                let from = if day == 0 {
                    admitted.plus_minutes(60)
                } else {
                    Moment::at(date, from, 0)
                };
                Drip {
                    base,
                    additive,
                    from,
                    to: from.plus_minutes(60 * hours),
                    rate_ml_per_hour: rate,
                }
            })
            .collect();
        let order_no = self.order_no();
        let ordered = self.later(admitted, 5, 30);
        let dept = Some(ward.department.code);
        let stamp = self.stamp_after(ordered, 1, 5);
        let message = orders::injection(&self.subject(), &stamp, ward, &order_no, ordered, &drips);
        self.push(StandardRecord::new(
            "OMP-02",
            Some(stay.admitted),
            &order_no,
            dept,
            stamp.time,
            message,
        ));
        for drip in &drips {
            if drip.from.date() > last_day {
                break;
            }
            let stamp = self.stamp_after(drip.to, 1, 30);
            let message =
                orders::injection_given(&self.subject(), &stamp, ward, &order_no, ordered, drip);
            self.push(StandardRecord::new(
                "OMP-12",
                Some(drip.from.date()),
                &order_no,
                dept,
                stamp.time,
                message,
            ));
        }
    }

    /// The regular medicines continue on the ward: OMP-01 (inpatient) and OMP-11 for two days.
    fn inpatient_prescription(&mut self, ward: &Encounter, admitted: Moment, last_day: CivilDate) {
        let items = crate::plan::regimen_items(self.draw, self.input.person);
        if items.is_empty() {
            return;
        }
        let order_no = self.order_no();
        let ordered = self.later(admitted, 30, 120);
        let start = ordered.date().add_days(1);
        let dept = Some(ward.department.code);
        let stamp = self.stamp_after(ordered, 1, 5);
        let message = orders::prescription(
            &self.subject(),
            &stamp,
            &Prescription {
                order_no: &order_no,
                ordered,
                start,
                days: 7,
                items: &items,
                encounter: ward,
            },
            Control::New,
        );
        self.push(StandardRecord::new(
            "OMP-01",
            Some(ordered.date()),
            &order_no,
            dept,
            stamp.time,
            message,
        ));
        for day in 0..2 {
            let date = start.add_days(day);
            if date > last_day {
                break;
            }
            let given = Moment::at(date, 8, 0).plus_minutes(self.draw.range(0, 45));
            let stamp = self.stamp_after(given, 5, 60);
            let message = orders::prescription_given(
                &self.subject(),
                &stamp,
                ward,
                &order_no,
                ordered,
                &items,
                given,
            );
            self.push(StandardRecord::new(
                "OMP-11",
                Some(date),
                &order_no,
                dept,
                stamp.time,
                message,
            ));
        }
        self.current_medicines = Some((items, 7));
    }

    fn cancelled_admission(&mut self, date: CivilDate) {
        let bed = self.bed();
        let ward = Encounter {
            setting: Setting::Inpatient(bed),
            department: &clinical::INTERNAL,
        };
        let admitted = self.time_on(date, 9, 15);
        let stamp = self.stamp_after(admitted, 0, 5);
        let message = adt::admission(&self.subject(), &stamp, &ward, admitted, false);
        let mut record = StandardRecord::new(
            "ADT-22",
            Some(date),
            NO_ORDER,
            Some(clinical::INTERNAL.code),
            stamp.time,
            message,
        );
        let stamp = self.stamp_after(stamp.time, 20, 180);
        let cancel = adt::admission(&self.subject(), &stamp, &ward, admitted, true);
        record.cancel(stamp.time, cancel);
        self.push(record);
    }

    fn vitals(
        &mut self,
        ward: &Encounter,
        stay: &Stay,
        last_day: CivilDate,
    ) -> Result<(), SynthError> {
        let febrile = *stay.reason == problems::PNEUMONIA;
        for day in 0..i64::from(stay.vitals_days) {
            let date = stay.admitted.add_days(day);
            if date > last_day {
                break;
            }
            let rounds: Vec<Vitals> = [6u32, 14, 20]
                .iter()
                .map(|hour| Vitals {
                    at: Moment::at(date, *hour, 0).plus_minutes(self.draw.range(0, 30)),
                    temperature: (((if febrile && day == 0 { 38.2 } else { 36.6 })
                        + self.draw.normal(0.0, 0.3))
                        * 10.0)
                        .round()
                        / 10.0,
                    systolic: self.draw.normal(132.0, 15.0).round().max(80.0) as u32,
                    diastolic: self.draw.normal(76.0, 9.0).round().max(40.0) as u32,
                    pulse: self.draw.normal(78.0, 10.0).round().max(40.0) as u32,
                    spo2: self.draw.range(if febrile { 90 } else { 95 }, 99) as u32,
                    respiration: self.draw.range(14, 22) as u32,
                })
                .collect();
            // NHO rule (guide §6): one file per day, 特定キー = the date.
            let key = format!("{:015}", date.compact().parse::<u64>().unwrap_or(0));
            let at = rounds
                .last()
                .map_or(Moment::at(date, 21, 0), |r| r.at)
                .plus_minutes(30);
            let stamp = self.stamp(at);
            let message = results::vitals(&self.subject(), &stamp, ward, &key, &rounds);
            let bytes = crate::hl7_writer::encode_iso_2022_jp(
                &message,
                "extended-storage vitals (ORU^R30)",
            )?;
            self.chart.extended.push(ExtendedRecord {
                doc_type: &extended::OBSERVATIONS,
                care_date: date,
                key,
                department: Some(ward.department.code),
                versions: vec![ExtendedVersion {
                    event: at,
                    flag: Flag::Current,
                    files: vec![Attachment {
                        name: "main_document.hl7",
                        bytes,
                    }],
                }],
                outcome: Outcome::Current,
            });
        }
        Ok(())
    }

    fn demographics(&mut self) {
        let plan = self.input.plan;
        let person = self.input.person;
        let registered = self.time_on(plan.registered, 8, 12);
        let kin = self.kin();
        let insurance = self.insurance();
        let encounter = Self::outpatient(crate::plan::main_department(person, self.input.as_of));
        let old_phone;
        let first_phone = if plan.demographics_update.is_some() {
            old_phone = crate::address::phone(self.draw, person.municipality);
            old_phone.as_str()
        } else {
            person.phone.as_str()
        };
        let stamp = self.stamp(registered);
        let message = adt::demographics(
            &self.subject(),
            &stamp,
            &Demographics {
                phone: first_phone,
                kin: kin.as_ref(),
                insurance: &insurance,
                allergies: &person.allergies,
                encounter: &encounter,
            },
        );
        let mut record = StandardRecord::new("ADT-00", None, NO_ORDER, None, stamp.time, message);
        if let Some(date) = plan.demographics_update {
            let at = self.time_on(date, 9, 17);
            let stamp = self.stamp(at);
            let message = adt::demographics(
                &self.subject(),
                &stamp,
                &Demographics {
                    phone: &person.phone,
                    kin: kin.as_ref(),
                    insurance: &insurance,
                    allergies: &person.allergies,
                    encounter: &encounter,
                },
            );
            record.update(stamp.time, message);
        }
        self.push(record);
    }

    fn kin(&mut self) -> Option<Kin> {
        let person = self.input.person;
        let age = person.age_on(self.input.as_of);
        if !self.draw.chance(0.6) {
            return None;
        }
        let (relationship, sex, birth) = if age < 20 {
            (
                &REL_PARENT,
                if self.draw.chance(0.6) {
                    Sex::Female
                } else {
                    Sex::Male
                },
                person.birth.years_before(30),
            )
        } else if age >= 75 && self.draw.chance(0.5) {
            (
                &REL_CHILD,
                if self.draw.chance(0.5) {
                    Sex::Female
                } else {
                    Sex::Male
                },
                person.birth.years_before(-30),
            )
        } else {
            let sex = if person.sex == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            };
            (
                &REL_SPOUSE,
                sex,
                person.birth.years_before(self.draw.range(-3, 3) as i32),
            )
        };
        let given = names::given_name(self.draw, sex, birth);
        Some(Kin {
            given: given.kanji,
            given_kana: given.kana,
            relationship,
            phone: crate::address::phone(self.draw, person.municipality),
        })
    }

    fn insurance(&mut self) -> Insurance {
        let age = self.input.person.age_on(self.input.as_of);
        let kind = if age >= 75 {
            &INSURANCE_LATE_ELDERLY
        } else if age >= 65 || self.draw.chance(0.3) {
            &INSURANCE_NATIONAL
        } else if self.draw.chance(0.5) {
            &INSURANCE_KYOKAI
        } else {
            &INSURANCE_SOCIETY
        };
        let insurer = match kind.code {
            "39" => format!("3904{:04}", self.draw.range(1, 9999)),
            "01" => "01040016".to_owned(),
            "06" => format!("0604{:04}", self.draw.range(1, 9999)),
            _ => format!("04{:04}", self.draw.range(1, 9999)),
        };
        Insurance {
            kind,
            insurer,
            since: self.input.plan.registered.max(self.input.person.birth),
        }
    }

    fn allergies(&mut self) {
        let plan = self.input.plan;
        let person = self.input.person;
        if !plan.allergy_record || person.allergies.is_empty() {
            return;
        }
        let at = self.time_on(plan.registered, 9, 17);
        let stamp = self.stamp(at);
        let message = adt::allergies(&self.subject(), &stamp, &person.allergies);
        self.push(StandardRecord::new(
            "ADT-61", None, NO_ORDER, None, stamp.time, message,
        ));
    }

    /// PPR-01: one file holds the whole list (guide §2). A version is written when the list
    /// changes; we keep the first and the last change (the first is then `_2`).
    fn problem_list(&mut self) {
        if self.problems.is_empty() {
            return;
        }
        let registered = self.input.plan.registered;
        let mut change_dates: Vec<CivilDate> = self
            .problems
            .iter()
            .flat_map(|p| std::iter::once(p.known).chain(p.entry.outcome.map(|o| o.1)))
            .map(|d| d.max(registered))
            .filter(|d| *d < self.input.as_of)
            .collect();
        change_dates.sort();
        change_dates.dedup();
        if let (Some(first), Some(last)) =
            (change_dates.first().copied(), change_dates.last().copied())
        {
            change_dates = if first == last {
                vec![first]
            } else {
                vec![first, last]
            };
        }
        let department = self.problems.first().map(|p| p.entry.department.code);
        let mut record: Option<StandardRecord> = None;
        for date in change_dates {
            let entries: Vec<ProblemEntry> = self
                .problems
                .iter()
                .filter(|p| p.known.max(registered) <= date)
                .map(|p| ProblemEntry {
                    outcome: p.entry.outcome.filter(|o| o.1 <= date),
                    instance: p.entry.instance.clone(),
                    ..p.entry
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            let at = self.time_on(date, 17, 19);
            let stamp = self.stamp(at);
            let message = adt::problems(&self.subject(), &stamp, &entries);
            match record.as_mut() {
                None => {
                    record = Some(StandardRecord::new(
                        "PPR-01", None, NO_ORDER, department, stamp.time, message,
                    ))
                }
                Some(r) => r.update(stamp.time, message),
            }
        }
        if let Some(record) = record {
            self.push(record);
        }
    }

    fn active_problems(&self) -> Vec<String> {
        self.problems
            .iter()
            .filter(|p| p.entry.outcome.is_none())
            .map(|p| {
                let suffix = if p.entry.suspected {
                    "（疑い）"
                } else {
                    ""
                };
                format!(
                    "{}{}（{}発症）",
                    p.entry.problem.name,
                    suffix,
                    p.entry.onset.wareki()
                )
            })
            .collect()
    }

    fn medicine_lines(&self) -> Vec<String> {
        self.current_medicines
            .as_ref()
            .map(|(items, days)| items.iter().map(|i| i.narrative(*days)).collect())
            .unwrap_or_default()
    }

    fn allergy_lines(&self) -> Vec<String> {
        self.input
            .person
            .allergies
            .iter()
            .map(|a| format!("{}：{}（{}）", a.allergen.name, a.reaction, a.severity.text))
            .collect()
    }

    /// Adds an extended-storage record; returns its index for a later revision.
    fn document(
        &mut self,
        doc_type: &'static DocumentType,
        at: Moment,
        department: Option<&'static str>,
        files: Vec<Attachment>,
        edit: Edit,
    ) -> usize {
        let key = self.order_no();
        self.chart.extended.push(ExtendedRecord {
            doc_type,
            care_date: at.date(),
            key,
            department,
            versions: vec![ExtendedVersion {
                event: at,
                flag: Flag::Current,
                files,
            }],
            outcome: Outcome::Current,
        });
        let index = self.chart.extended.len() - 1;
        if edit == Edit::Delete {
            self.chart.extended[index].delete();
        }
        index
    }

    fn documents(&mut self) -> Result<(), SynthError> {
        let plan = self.input.plan;
        if let Some((date, edit)) = plan.referral.clone() {
            let at = self.time_on(date, 13, 17);
            let bytes = self.referral_letter(at, "経過観察中です。")?;
            let dept = crate::plan::main_department(self.input.person, self.input.as_of).code;
            let index = self.document(
                &extended::REFERRAL,
                at,
                Some(dept),
                vec![Attachment {
                    name: "main_document.xml",
                    bytes,
                }],
                edit.clone(),
            );
            if let Edit::Update(_) = edit {
                let revised = self.later(at, 60, 600);
                let bytes = self
                    .referral_letter(revised, "経過観察中です。（追記）検査結果を追加しました。")?;
                self.chart.extended[index].update(
                    revised,
                    vec![Attachment {
                        name: "main_document.xml",
                        bytes,
                    }],
                );
            }
        }
        if let Some(date) = plan.scanned_referral {
            let at = self.time_on(date, 9, 12);
            let lines = vec![
                "FieldChart synthetic scanned document".to_owned(),
                "Referral letter received from another institution (scan)".to_owned(),
                format!("Facility: {}", self.input.facility.id),
                format!("Patient ID: {}", self.input.patient_id),
                format!("Scanned: {}", at.date()),
                "Original on paper; see the referral letter for details.".to_owned(),
            ];
            self.document(
                &extended::SCANNED_REFERRAL,
                at,
                None,
                vec![Attachment {
                    name: "main_document.pdf",
                    bytes: extended::pdf(&lines),
                }],
                Edit::None,
            );
        }
        if let Some(date) = plan.jspeed {
            let at = self
                .time_on(date, 8, 12)
                .min(Moment::at(self.input.as_of, 12, 0));
            let bytes = self.jspeed(at)?;
            self.document(
                &extended::JSPEED,
                at,
                None,
                vec![Attachment {
                    name: "main_document.xml",
                    bytes,
                }],
                Edit::None,
            );
        }
        Ok(())
    }

    fn header_author(&self, department: &'static clinical::Department) -> crate::facility::Staff {
        self.input.facility.doctor(department)
    }

    fn referral_letter(&mut self, at: Moment, course: &str) -> Result<Vec<u8>, SynthError> {
        let person = self.input.person;
        let department = crate::plan::main_department(person, self.input.as_of);
        let author = self.header_author(department);
        let recipient = format!("{}災害医療支援チーム 御中", crate::address::PREFECTURE);
        let document_id = self.order_no();
        let subject = self.subject();
        let problems = self.active_problems();
        let main = problems
            .first()
            .cloned()
            .unwrap_or_else(|| "経過観察".to_owned());
        let sections = [
            Section {
                loinc: "42349-1",
                title: "紹介目的",
                body: SectionText::Paragraph(format!(
                    "災害に伴う避難のため、今後の診療をお願い申し上げます。主病名：{main}。{course}"
                )),
            },
            Section {
                loinc: "11450-4",
                title: "傷病名",
                body: SectionText::List(problems),
            },
            Section {
                loinc: "10160-0",
                title: "現在の処方",
                body: SectionText::List(self.medicine_lines()),
            },
            Section {
                loinc: "48765-2",
                title: "アレルギー・不適応反応",
                body: SectionText::List(self.allergy_lines()),
            },
        ];
        let header = CdaHeader {
            subject: &subject,
            author: &author,
            department: department.name,
            time: at,
            document_id: &document_id,
            loinc: "57133-1",
            title: "診療情報提供書",
            recipient: Some(&recipient),
        };
        Ok(extended::cda(&header, &sections))
    }

    fn discharge_summary(
        &mut self,
        stay: &Stay,
        admitted: Moment,
        discharged: Moment,
    ) -> Result<(), SynthError> {
        let author = self.header_author(stay.department);
        let document_id = self.order_no();
        let subject = self.subject();
        let course = format!(
            "{}に{}のため入院。入院後は輸液・投薬にて加療し、全身状態改善したため{}に退院とした。",
            admitted.date().wareki(),
            stay.reason.name,
            discharged.date().wareki()
        );
        let sections = [
            Section {
                loinc: "46241-6",
                title: "入院時診断",
                body: SectionText::List(vec![stay.reason.name.to_owned()]),
            },
            Section {
                loinc: "8648-8",
                title: "入院経過",
                body: SectionText::Paragraph(course),
            },
            Section {
                loinc: "11450-4",
                title: "既往歴・併存症",
                body: SectionText::List(self.active_problems()),
            },
            Section {
                loinc: "10183-2",
                title: "退院時処方",
                body: SectionText::List(self.medicine_lines()),
            },
            Section {
                loinc: "48765-2",
                title: "アレルギー・不適応反応",
                body: SectionText::List(self.allergy_lines()),
            },
        ];
        let at = discharged.plus_minutes(self.draw.range(120, 360));
        let header = CdaHeader {
            subject: &subject,
            author: &author,
            department: stay.department.name,
            time: at,
            document_id: &document_id,
            loinc: "18842-5",
            title: "退院時サマリー",
            recipient: None,
        };
        let bytes = extended::cda(&header, &sections);
        self.document(
            &extended::DISCHARGE_SUMMARY,
            at,
            Some(stay.department.code),
            vec![Attachment {
                name: "main_document.xml",
                bytes,
            }],
            Edit::None,
        );
        Ok(())
    }

    fn jspeed(&mut self, at: Moment) -> Result<Vec<u8>, SynthError> {
        let person = self.input.person;
        let has = |k| person.has(k);
        let items: Vec<bool> = extended::JSPEED_ITEMS
            .iter()
            .map(|item| match *item {
                "高血圧状態" => has(ConditionKind::Hypertension) && self.draw.chance(0.5),
                "喘息発作" => has(ConditionKind::Asthma) && self.draw.chance(0.3),
                "透析の必要" => has(ConditionKind::EndStageRenalDisease),
                "慢性疾患の悪化" => !person.treatments.is_empty() && self.draw.chance(0.2),
                "服薬中断" => !person.treatments.is_empty() && self.draw.chance(0.3),
                _ => self.draw.chance(0.06),
            })
            .collect();
        let line = extended::jspeed_line(
            at.date(),
            &self.input.facility.id,
            person.municipality.name,
            person.age_on(at.date()),
            person.sex.code(),
            &items,
        );
        let author = self.header_author(&clinical::INTERNAL);
        let document_id = self.order_no();
        let subject = self.subject();
        let sections = [Section {
            loinc: "77599-9",
            title: "Additional Documentation",
            body: SectionText::Paragraph(line),
        }];
        let header = CdaHeader {
            subject: &subject,
            author: &author,
            department: clinical::INTERNAL.name,
            time: at,
            document_id: &document_id,
            loinc: "74465-6",
            title: "災害時JSPEED記録",
            recipient: None,
        };
        Ok(extended::cda(&header, &sections))
    }
}

/// HL7 table 0241 outcomes used in PRB-14.
const OUTCOME_CURED: clinical::Coded = clinical::Coded {
    code: "F",
    text: "治癒",
    system: "HL70241",
};
const OUTCOME_IMPROVING: clinical::Coded = clinical::Coded {
    code: "R",
    text: "軽快",
    system: "HL70241",
};

/// HL7 table 0063 relationships (NK1-3).
const REL_SPOUSE: clinical::Coded = clinical::Coded {
    code: "SPO",
    text: "配偶者",
    system: "HL70063",
};
const REL_CHILD: clinical::Coded = clinical::Coded {
    code: "CHD",
    text: "子",
    system: "HL70063",
};
const REL_PARENT: clinical::Coded = clinical::Coded {
    code: "PAR",
    text: "親",
    system: "HL70063",
};

/// Insurance types (JHSD0001 shape; codes synthetic).
const INSURANCE_LATE_ELDERLY: clinical::Coded = clinical::Coded {
    code: "39",
    text: "後期高齢者医療",
    system: "JHSD0001",
};
const INSURANCE_NATIONAL: clinical::Coded = clinical::Coded {
    code: "67",
    text: "国民健康保険",
    system: "JHSD0001",
};
const INSURANCE_KYOKAI: clinical::Coded = clinical::Coded {
    code: "01",
    text: "全国健康保険協会管掌健康保険",
    system: "JHSD0001",
};
const INSURANCE_SOCIETY: clinical::Coded = clinical::Coded {
    code: "06",
    text: "組合管掌健康保険",
    system: "JHSD0001",
};
