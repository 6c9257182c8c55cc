//! Physiological and imaging studies: the ECG (OMG-13) and the imaging order and its execution
//! (OMG-01, OMG-11).

use crate::calendar::Moment;
use crate::clinical::{self, ConditionKind};
use crate::messages::Encounter;
use crate::messages::results::{self, Ecg};

use super::{Builder, StandardRecord};

impl Builder<'_> {
    pub(super) fn ecg(&mut self, encounter: &Encounter, at: Moment) {
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

    pub(super) fn imaging(
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
}
