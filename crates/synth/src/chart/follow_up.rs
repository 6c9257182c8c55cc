//! A later day of a chart already written (`next_day.rs`): the day's new records, made by the same
//! builder steps as the first chart, and the messages of new versions of records already on disk.
//!
//! The builder continues the first chart's sequences (order numbers, MSH-10 control IDs), so
//! nothing it writes reuses a number of the patient's earlier files; it draws from the day's own
//! stream, never from the first chart's.

use crate::calendar::{CivilDate, Moment};
use crate::clinical::{Department, LabTest, ROUTINE_PANEL, drugs};
use crate::messages::orders::{self, Control, Prescription, RxItem};
use crate::messages::results::{self, LabReport, LabResult};
use crate::messages::{Encounter, Stamp};
use crate::plan::{self, Visit};
use crate::rng::Draw;

use super::{Builder, Chart, ChartInput};

/// The last order sequence a chart may use: order numbers keep 3 digits for it.
const LAST_ORDER: u64 = 999;

/// A record already on disk, as its key says: what a new version is written for.
pub(crate) struct OnDiskKey<'a> {
    pub(crate) care_date: CivilDate,
    pub(crate) order_no: &'a str,
    pub(crate) department: &'static Department,
}

/// The builder of a later day of one patient's chart.
pub(crate) struct FollowUp<'a> {
    builder: Builder<'a>,
}

impl<'a> FollowUp<'a> {
    /// Continues after `orders` order numbers and `messages` control IDs already used.
    pub(crate) fn new(
        input: &'a ChartInput<'a>,
        draw: &'a mut Draw,
        orders: u64,
        messages: u64,
    ) -> FollowUp<'a> {
        FollowUp {
            builder: Builder {
                input,
                draw,
                order_seq: orders,
                message_seq: messages,
                chart: Chart::default(),
                problems: Vec::new(),
                lab_offsets: Vec::new(),
                current_medicines: None,
            },
        }
    }

    /// Order numbers still free for this patient (a visit with labs and a prescription takes 2).
    pub(crate) fn orders_left(&self) -> u64 {
        LAST_ORDER.saturating_sub(self.builder.order_seq)
    }

    /// An outpatient visit with what was ordered that day, exactly as in a first chart.
    pub(crate) fn visit(&mut self, visit: &Visit) {
        self.builder.visit(visit);
    }

    /// The day's labs of a patient still on the ward.
    pub(crate) fn ward_labs(&mut self, ward: &Encounter, date: CivilDate) {
        self.builder.follow_up_labs(ward, date, false);
    }

    /// A moment on `date` between `from` and `to` o'clock.
    pub(crate) fn time_on(&mut self, date: CivilDate, from: u32, to: u32) -> Moment {
        self.builder.time_on(date, from, to)
    }

    /// Minutes later, with random milliseconds.
    pub(crate) fn later(&mut self, at: Moment, min_minutes: i64, max_minutes: i64) -> Moment {
        self.builder.later(at, min_minutes, max_minutes)
    }

    /// OMP-01 for an outpatient prescription already on disk: `Control::Change` corrects the
    /// days, `Control::Cancel` is the deletion message (guide §2). `ordered` is ORC-9, on the
    /// record's care date (guide §1.3), the same for every version written in one day.
    pub(crate) fn prescription_version(
        &mut self,
        key: &OnDiskKey<'_>,
        ordered: Moment,
        at: Moment,
        control: Control,
    ) -> String {
        let b = &mut self.builder;
        let mut items = plan::regimen_items(b.draw, b.input.person);
        if items.is_empty() {
            // Without a regimen, an outpatient prescription is the one for a cold (plan.rs).
            items = vec![
                RxItem {
                    drug: &drugs::ACETAMINOPHEN_200,
                    dose: drugs::ACETAMINOPHEN_200.dose,
                },
                RxItem {
                    drug: &drugs::CARBOCISTEINE_500,
                    dose: drugs::CARBOCISTEINE_500.dose,
                },
            ];
        }
        let days = b.draw.one_of(&[7, 14, 28]);
        let encounter = Builder::outpatient(key.department);
        let stamp = b.stamp(at);
        orders::prescription(
            &b.subject(),
            &stamp,
            &Prescription {
                order_no: key.order_no,
                ordered,
                start: key.care_date,
                days,
                items: &items,
                encounter: &encounter,
            },
            control,
        )
    }

    /// OML-11 for an outpatient lab report already on disk: a corrected report of the routine
    /// and condition tests, reported at `at`; `collected` is SPM-17, on the record's care date.
    pub(crate) fn lab_result_version(
        &mut self,
        key: &OnDiskKey<'_>,
        collected: Moment,
        at: Moment,
    ) -> String {
        let b = &mut self.builder;
        let mut tests: Vec<&'static LabTest> = ROUTINE_PANEL.to_vec();
        tests.extend(b.condition_labs());
        let results: Vec<LabResult> = tests
            .iter()
            .map(|t| LabResult {
                test: t,
                value: b.lab_value(t, false),
                untold: false,
            })
            .collect();
        let encounter = Builder::outpatient(key.department);
        let specimen_no = format!("S{}", key.order_no);
        let stamp: Stamp = b.stamp(at);
        let report = LabReport {
            order_no: key.order_no,
            specimen_no: &specimen_no,
            ordered: collected.plus_minutes(-5),
            collected,
            reported: at,
            results: &results,
            encounter: &encounter,
            local_codes: b.input.facility.local_lab_codes,
        };
        results::lab_result(&b.subject(), &stamp, &report)
    }

    /// The day's new records.
    pub(crate) fn finish(self) -> Chart {
        self.builder.finish()
    }
}
