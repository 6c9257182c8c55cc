//! One outpatient visit of the plan's calendar: the ADT-12 visit, the problems found, and what was
//! ordered that day (labs, ECG, chest X-ray, a prescription).

use crate::clinical::{self, INFECTION_PANEL, LabTest, ROUTINE_PANEL};
use crate::messages::adt;
use crate::plan::Visit;

use super::problems::OUTCOME_CURED;
use super::{Builder, NO_ORDER, StandardRecord};

impl Builder<'_> {
    pub(super) fn visit(&mut self, visit: &Visit) {
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
            self.outpatient_prescription(visit, rx, &encounter, arrived);
        }
    }
}
