//! An inpatient stay: admission (ADT-22) with its work-up, diet (OMD), the ward's medicines, vital
//! signs in extended storage (ORU^R30), transfer (ADT-42), a cancelled and a real discharge
//! (ADT-52) with its summary, a photo; and an admission cancelled by ADT^A11.

use crate::calendar::{CivilDate, Moment};
use crate::clinical::{self, BASIC_PANEL, INFECTION_PANEL, LabTest, labs, problems};
use crate::error::SynthError;
use crate::extended;
use crate::messages::adt;
use crate::messages::orders;
use crate::messages::results::{self, Vitals};
use crate::messages::{Bed, Encounter, Setting};
use crate::plan::{Edit, Stay};

use super::problems::{OUTCOME_CURED, OUTCOME_IMPROVING};
use super::{
    Attachment, Builder, ExtendedRecord, ExtendedVersion, Flag, NO_ORDER, Outcome, StandardRecord,
};

impl Builder<'_> {
    fn bed(&mut self) -> Bed {
        let ward = 31 + self.draw.below(6);
        Bed {
            ward: ward.to_string(),
            room: format!("{}{:02}", ward / 10, self.draw.range(1, 20)),
            bed: self.draw.range(1, 4).to_string(),
        }
    }

    /// The stay in the order things happen on the ward (the order of the draws is part of the
    /// output, see the module documentation of `chart`).
    pub(super) fn stay(&mut self, stay: &Stay) -> Result<(), SynthError> {
        let last_day = stay.discharged.unwrap_or(self.input.as_of.add_days(-1));
        let (mut ward, admitted) = self.admission(stay);
        let acute = *stay.reason == problems::PNEUMONIA;
        self.admission_work_up(&ward, stay, admitted, acute);
        self.diet(&ward, admitted, stay.diet);
        if let Some((date, diet)) = stay.diet_change {
            let at = self.time_on(date, 9, 16);
            self.diet(&ward, at, diet);
        }
        self.injections(&ward, stay, admitted, last_day);
        self.inpatient_prescription(&ward, admitted, last_day);
        if let Some(date) = stay.follow_up_labs {
            self.follow_up_labs(&ward, date, acute);
        }
        if stay.vitals_days > 0 {
            self.vitals(&ward, stay, last_day)?;
        }
        if let Some(date) = stay.transfer {
            self.transfer(&mut ward, date);
        }
        if let Some(date) = stay.cancelled_discharge {
            self.cancelled_discharge(&ward, date, admitted);
        }
        if let Some(date) = stay.discharged {
            self.discharge(&ward, stay, admitted, date);
        } else {
            self.chart.ward = Some(Encounter {
                setting: ward.setting.clone(),
                department: ward.department,
            });
        }
        if stay.photo {
            self.photo(stay, last_day)?;
        }
        Ok(())
    }

    /// ADT-22 on a bed of the stay's department, and the reason for admission on the problem
    /// list (cured or improving at discharge).
    fn admission(&mut self, stay: &Stay) -> (Encounter, Moment) {
        let dept = Some(stay.department.code);
        let bed = self.bed();
        let ward = Encounter {
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
        (ward, admitted)
    }

    /// Admission work-up: labs with infection screening, chest X-ray, ECG (those two only when
    /// they fall on the admission day).
    fn admission_work_up(&mut self, ward: &Encounter, stay: &Stay, admitted: Moment, acute: bool) {
        let mut tests: Vec<&'static LabTest> = BASIC_PANEL.to_vec();
        tests.extend(self.condition_labs());
        tests.extend(INFECTION_PANEL);
        let collected = self.later(admitted, 10, 40);
        let with_order = self.draw.chance(0.5);
        self.lab_report(
            ward,
            stay.admitted,
            collected,
            &tests,
            acute,
            with_order,
            false,
        );
        let xray_at = self.later(admitted, 20, 60);
        if xray_at.date() == stay.admitted {
            self.imaging(ward, xray_at, &clinical::IMAGING[0]);
        }
        if stay.ecg {
            let at = self.later(admitted, 30, 90);
            if at.date() == stay.admitted {
                self.ecg(ward, at);
            }
        }
    }

    pub(super) fn follow_up_labs(&mut self, ward: &Encounter, date: CivilDate, acute: bool) {
        let collected = self.time_on(date, 6, 8);
        let tests: Vec<&'static LabTest> = vec![
            &labs::WBC,
            &labs::HEMOGLOBIN,
            &labs::CRP,
            &labs::CREATININE,
            &labs::POTASSIUM,
        ];
        self.lab_report(ward, date, collected, &tests, acute, false, false);
    }

    /// ADT-42: to another bed of the same department.
    fn transfer(&mut self, ward: &mut Encounter, date: CivilDate) {
        let at = self.time_on(date, 10, 16);
        let from = Encounter {
            setting: ward.setting.clone(),
            department: ward.department,
        };
        ward.setting = Setting::Inpatient(self.bed());
        let stamp = self.stamp_after(at, 1, 10);
        let message = adt::transfer(&self.subject(), &stamp, ward, &from, at);
        self.push(StandardRecord::new(
            "ADT-42",
            Some(date),
            NO_ORDER,
            Some(ward.department.code),
            stamp.time,
            message,
        ));
    }

    /// ADT-52 cancelled by ADT^A13 under the same key.
    fn cancelled_discharge(&mut self, ward: &Encounter, date: CivilDate, admitted: Moment) {
        let dept = Some(ward.department.code);
        let at = self.time_on(date, 10, 12);
        let stamp = self.stamp_after(at, 1, 10);
        let message = adt::discharge(&self.subject(), &stamp, ward, admitted, at, false);
        let mut record =
            StandardRecord::new("ADT-52", Some(date), NO_ORDER, dept, stamp.time, message);
        let stamp = self.stamp_after(stamp.time, 30, 240);
        let cancel = adt::discharge(&self.subject(), &stamp, ward, admitted, at, true);
        record.cancel(stamp.time, cancel);
        self.push(record);
    }

    /// ADT-52, and the discharge summary when the plan has one.
    fn discharge(&mut self, ward: &Encounter, stay: &Stay, admitted: Moment, date: CivilDate) {
        let at = self.time_on(date, 10, 12);
        let stamp = self.stamp_after(at, 1, 10);
        let message = adt::discharge(&self.subject(), &stamp, ward, admitted, at, false);
        self.push(StandardRecord::new(
            "ADT-52",
            Some(date),
            NO_ORDER,
            Some(ward.department.code),
            stamp.time,
            message,
        ));
        if stay.summary {
            self.discharge_summary(stay, admitted, at);
        }
    }

    /// A clinical photo the day after admission (or on the last day, for a one-day stay).
    fn photo(&mut self, stay: &Stay, last_day: CivilDate) -> Result<(), SynthError> {
        let date = stay.admitted.add_days(1).min(last_day);
        let at = self.time_on(date, 10, 16);
        let bytes = extended::jpeg(self.draw)?;
        self.document(
            &extended::PHOTO,
            at,
            Some(stay.department.code),
            vec![Attachment {
                name: "main_document.jpg",
                bytes,
            }],
            Edit::None,
        );
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

    pub(super) fn cancelled_admission(&mut self, date: CivilDate) {
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
}
