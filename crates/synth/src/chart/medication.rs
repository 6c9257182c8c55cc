//! Medicines: outpatient prescriptions (OMP-01, with their corrections and deletions), the ward's
//! injections (OMP-02, OMP-12) and inpatient prescriptions with their administrations (OMP-01,
//! OMP-11), and which prescription stands as the current medicines.

use crate::calendar::{CivilDate, Moment};
use crate::clinical;
use crate::messages::Encounter;
use crate::messages::orders::{self, Control, Drip, Prescription};
use crate::plan::{Drips, Edit, RxPlan, Stay, Visit};

use super::{Builder, StandardRecord};

impl Builder<'_> {
    /// OMP-01 of a visit: written once, then corrected or deleted as the plan says; the newest
    /// prescription that stands is what letters list as current medicines.
    pub(super) fn outpatient_prescription(
        &mut self,
        visit: &Visit,
        rx: &RxPlan,
        encounter: &Encounter,
        arrived: Moment,
    ) {
        let dept = Some(visit.department.code);
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
                encounter,
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
                        encounter,
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
                        encounter,
                    },
                    Control::Cancel,
                );
                record.delete(stamp.time, message);
            }
        }
        self.push(record);
    }

    /// OMP-02 on admission day for the first days, OMP-12 for each day given (until `last_day`).
    pub(super) fn injections(
        &mut self,
        ward: &Encounter,
        stay: &Stay,
        admitted: Moment,
        last_day: CivilDate,
    ) {
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
    pub(super) fn inpatient_prescription(
        &mut self,
        ward: &Encounter,
        admitted: Moment,
        last_day: CivilDate,
    ) {
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

    pub(super) fn medicine_lines(&self) -> Vec<String> {
        self.current_medicines
            .as_ref()
            .map(|(items, days)| items.iter().map(|i| i.narrative(*days)).collect())
            .unwrap_or_default()
    }
}
