//! The problem list: chronic conditions from the person, acute and suspected problems from visits
//! and stays, each entering the list when it became known, and PPR-01, which holds the whole list
//! in every version (guide §2).

use crate::calendar::CivilDate;
use crate::clinical::{self, Problem};
use crate::messages::adt::{self, ProblemEntry};

use super::{Builder, NO_ORDER, StandardRecord};

/// A problem as learned over time: when it entered the list.
pub(super) struct ProblemFact {
    entry: ProblemEntry,
    known: CivilDate,
}

impl Builder<'_> {
    pub(super) fn chronic_problems(&mut self) {
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

    pub(super) fn add_problem(
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

    /// PPR-01: one file holds the whole list (guide §2). A version is written when the list
    /// changes; we keep the first and the last change (the first is then `_2`).
    pub(super) fn problem_list(&mut self) {
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

    pub(super) fn active_problems(&self) -> Vec<String> {
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
}

/// HL7 table 0241 outcomes used in PRB-14.
pub(super) const OUTCOME_CURED: clinical::Coded = clinical::Coded {
    code: "F",
    text: "治癒",
    system: "HL70241",
};
pub(super) const OUTCOME_IMPROVING: clinical::Coded = clinical::Coded {
    code: "R",
    text: "軽快",
    system: "HL70241",
};
