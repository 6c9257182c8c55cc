//! Laboratory results: which tests a person's conditions call for, values that fit those
//! conditions and drift between reports, and the OML-01 / OML-11 records of one collection.

use crate::calendar::{CivilDate, Moment};
use crate::clinical::{
    BASIC_PANEL, ConditionKind, INFECTION_PANEL, LabKind, LabTest, ROUTINE_PANEL, drugs, labs,
};
use crate::messages::Encounter;
use crate::messages::results::{self, LabReport, LabResult, LabValue};
use crate::person::Sex;

use super::{Builder, StandardRecord};

impl Builder<'_> {
    /// Labs that monitor this person's conditions (PT-INR only for warfarin, not for DOACs).
    pub(super) fn condition_labs(&self) -> Vec<&'static LabTest> {
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
    pub(super) fn lab_value(&mut self, test: &'static LabTest, acute: bool) -> LabValue {
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
    pub(super) fn lab_report(
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
}
