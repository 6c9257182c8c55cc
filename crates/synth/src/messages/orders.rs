//! Orders and their administration: prescriptions (OMP-01, RDE^O11), prescription administration
//! (OMP-11, RAS^O17), injection orders (OMP-02, RDE^O11), injection administration (OMP-12,
//! RAS^O17) and diet orders (OMD, OMD^O03). Care dates (guide §1.3): ORC-9 for RDE and OMD, RXA-3
//! for RAS.

use super::{Encounter, Stamp, Subject, coded, decimal, location, orc, pid, pv1, start, xcn};
use crate::calendar::{CivilDate, Moment};
use crate::clinical::{Diet, Dispensing, Drug, Injection, route};
use crate::hl7_writer::{Hl7, Segment};

/// ORC-1 order control: new order, change (an update, flag 2 → 1) or cancel (a deletion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Control {
    New,
    Change,
    Cancel,
}

impl Control {
    fn code(self) -> &'static str {
        match self {
            Control::New => "NW",
            Control::Change => "XO",
            Control::Cancel => "CA",
        }
    }
}

/// One prescribed medicine with the dose this patient takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RxItem {
    pub(crate) drug: &'static Drug,
    pub(crate) dose: f64,
}

impl RxItem {
    pub(crate) fn daily_total(&self) -> f64 {
        self.dose * f64::from(self.drug.usage.times_per_day)
    }

    /// RXE-10/-11: what the pharmacy hands out for `days`.
    pub(crate) fn dispensed(&self, days: u32) -> (f64, &'static crate::clinical::Coded) {
        match self.drug.dispensing {
            Dispensing::PerDose => (self.daily_total() * f64::from(days), self.drug.unit),
            Dispensing::Packages(n, package) => (n, package),
        }
    }

    /// Narrative form for CDA documents: `ワーファリン錠1mg 3錠 内服・経口・１日１回朝食後 28日分`.
    pub(crate) fn narrative(&self, days: u32) -> String {
        format!(
            "{} {}{} {} {}日分",
            self.drug.name,
            decimal(self.dose),
            self.drug.unit.text,
            self.drug.usage.text,
            days
        )
    }
}

pub(crate) struct Prescription<'a> {
    pub(crate) order_no: &'a str,
    pub(crate) ordered: Moment,
    pub(crate) start: CivilDate,
    pub(crate) days: u32,
    pub(crate) items: &'a [RxItem],
    pub(crate) encounter: &'a Encounter,
}

/// OMP-01: one ORC/RXE/TQ1/RXR group per medicine (Rp), as in the guide's sample.
pub(crate) fn prescription(
    subject: &Subject<'_>,
    stamp: &Stamp,
    rx: &Prescription<'_>,
    control: Control,
) -> String {
    let mut m = start(subject, stamp, ["RDE", "O11", "RDE_O11"]);
    m.push(pid(subject));
    m.push(pv1(subject, rx.encounter));
    let dispensing = match rx.encounter.setting {
        super::Setting::Outpatient => Hl7::reps([
            Hl7::c(&["OHP", "外来処方", "MR9P"]),
            Hl7::c(&["OHI", "院内処方", "MR9P"]),
        ]),
        super::Setting::Inpatient(_) => Hl7::c(&["IHP", "入院処方", "MR9P"]),
    };
    for (i, item) in rx.items.iter().enumerate() {
        let drug = item.drug;
        let group = (i + 1).to_string();
        m.push(orc(
            subject,
            rx.encounter,
            control.code(),
            rx.order_no,
            &group,
            rx.ordered,
        ));
        let (amount, amount_unit) = item.dispensed(rx.days);
        let mut rxe = Segment::new("RXE")
            .f(2, Hl7::c(&[drug.hot9, drug.name, "HOT9"]))
            .f(3, decimal(item.dose))
            .f(5, coded(drug.unit));
        if let Some(form) = drug.form {
            rxe = rxe.f(6, coded(form));
        }
        rxe = rxe
            .f(10, decimal(amount))
            .f(11, coded(amount_unit))
            .f(15, format!("{}-{group}", rx.order_no))
            .f(
                19,
                Hl7::comps([
                    Hl7::text(&decimal(item.daily_total())),
                    Hl7::s(&[drug.unit.code, drug.unit.text, drug.unit.system]),
                ]),
            )
            .f(21, dispensing.clone());
        m.push(rxe);
        m.push(
            Segment::new("TQ1")
                .f(1, "1")
                .f(3, Hl7::s(&[drug.usage.code, drug.usage.text, "JAMISDP01"]))
                .f(6, Hl7::c(&[&rx.days.to_string(), "d"]))
                .f(7, format!("{}00", rx.start.compact())),
        );
        m.push(Segment::new("RXR").f(1, coded(drug.route)));
    }
    m.finish()
}

/// OMP-11: the ward gave the patient their oral medicines at `given` (RXA-3, the care date).
pub(crate) fn prescription_given(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    ordered: Moment,
    items: &[RxItem],
    given: Moment,
) -> String {
    let mut m = start(subject, stamp, ["RAS", "O17", "RAS_O17"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    m.push(orc(subject, encounter, "NW", order_no, "1", ordered));
    let nurse = xcn(&subject.facility.nurse());
    for item in items {
        let drug = item.drug;
        m.push(
            Segment::new("RXA")
                .f(1, "0")
                .f(2, "1")
                .f(3, given.to_minute())
                .f(4, given.to_minute())
                .f(5, Hl7::c(&[drug.hot9, drug.name, "HOT9"]))
                .f(6, decimal(item.dose))
                .f(7, coded(drug.unit))
                .f(10, nurse.clone())
                .f(11, location(&encounter.setting, encounter.department))
                .f(20, "CP")
                .f(22, stamp.time.to_second()),
        );
    }
    let oral = items.first().map_or(&route::ORAL, |i| i.drug.route);
    m.push(Segment::new("RXR").f(1, coded(oral)));
    m.finish()
}

/// One drip of an injection order: a base solution, an optional additive, a time window.
pub(crate) struct Drip {
    pub(crate) base: &'static Injection,
    pub(crate) additive: Option<&'static Injection>,
    pub(crate) from: Moment,
    pub(crate) to: Moment,
    pub(crate) rate_ml_per_hour: u32,
}

/// OMP-02: one ORC/RXE/TQ1/RXR/RXC group per drip, as in the guide's injection sample.
pub(crate) fn injection(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    ordered: Moment,
    drips: &[Drip],
) -> String {
    let mut m = start(subject, stamp, ["RDE", "O11", "RDE_O11"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    for (i, drip) in drips.iter().enumerate() {
        let group = format!("{order_no}_01_{:03}", i + 1);
        m.push(orc(subject, encounter, "NW", order_no, &group, ordered));
        let volume = drip.base.volume_ml + drip.additive.map_or(0, |a| a.volume_ml);
        m.push(
            Segment::new("RXE")
                .f(2, Hl7::c(&["00", "一般", "99I02"]))
                .f(3, volume.to_string())
                .f(5, Hl7::c(&["ML", "ミリリットル", "MR9P"]))
                .f(6, Hl7::c(&["INJ", "注射剤", "MR9P"]))
                .f(15, group.as_str())
                .f(
                    21,
                    Hl7::reps([
                        Hl7::c(&["IHP", "入院処方", "MR9P"]),
                        Hl7::c(&["FTP", "定時処方", "99I01"]),
                    ]),
                )
                .f(22, "H1")
                .f(23, drip.rate_ml_per_hour.to_string())
                .f(24, Hl7::c(&["ml/hr", "ミリリッター／時間", "ISO+"])),
        );
        m.push(
            Segment::new("TQ1")
                .f(1, "1")
                .f(7, drip.from.to_minute())
                .f(8, drip.to.to_minute()),
        );
        m.push(
            Segment::new("RXR")
                .f(1, coded(&route::INTRAVENOUS))
                .f(3, Hl7::c(&["IVP", "点滴ポンプ", "HL70164"])),
        );
        m.push(rxc("B", drip.base));
        if let Some(additive) = drip.additive {
            m.push(rxc("A", additive));
        }
    }
    m.finish()
}

fn rxc(kind: &str, injection: &Injection) -> Segment {
    Segment::new("RXC")
        .f(1, kind)
        .f(2, Hl7::c(&[injection.hot9, injection.name, "HOT9"]))
        .f(3, injection.amount)
        .f(4, coded(injection.unit))
}

/// OMP-12: a drip of an injection order was given (RXA-3, the care date, is its start).
pub(crate) fn injection_given(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    ordered: Moment,
    drip: &Drip,
) -> String {
    let mut m = start(subject, stamp, ["RAS", "O17", "RAS_O17"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    m.push(orc(
        subject,
        encounter,
        "NW",
        order_no,
        &format!("{order_no}_01_001"),
        ordered,
    ));
    let nurse = xcn(&subject.facility.nurse());
    for injection in std::iter::once(drip.base).chain(drip.additive) {
        m.push(
            Segment::new("RXA")
                .f(1, "0")
                .f(2, "1")
                .f(3, drip.from.to_second())
                .f(4, drip.to.to_second())
                .f(5, Hl7::c(&[injection.hot9, injection.name, "HOT9"]))
                .f(6, injection.amount)
                .f(7, coded(injection.unit))
                .f(9, Hl7::c(&["", "右前腕に実施", "99IC2"]))
                .f(10, nurse.clone())
                .f(11, location(&encounter.setting, encounter.department))
                .f(12, format!("{}ml/hr", drip.rate_ml_per_hour))
                .f(20, "CP")
                .f(22, stamp.time.to_second()),
        );
    }
    m.push(
        Segment::new("RXR")
            .f(1, coded(&route::INTRAVENOUS))
            .f(3, Hl7::c(&["IVP", "点滴ポンプ", "HL70164"])),
    );
    m.finish()
}

/// OMD: a diet order (ORC-9 care date; TQ1 three meals from `from`; ODS diet and comment).
pub(crate) fn diet(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    order_no: &str,
    ordered: Moment,
    from: Moment,
    diet: &Diet,
) -> String {
    let mut m = start(subject, stamp, ["OMD", "O03", "OMD_O03"]);
    m.push(pid(subject));
    m.push(pv1(subject, encounter));
    m.push(orc(subject, encounter, "NW", order_no, "", ordered));
    let start_hour = format!("{}{:02}", from.date().compact(), 7);
    m.push(
        Segment::new("TQ1")
            .f(1, "1")
            .f(3, Hl7::s(&["TID", "１日３回", "HL70335"]))
            .f(7, start_hour)
            .f(9, Hl7::c(&["R", "ルーチン", "HL70485"])),
    );
    m.push(
        Segment::new("ODS")
            .f(1, "D")
            .f(3, Hl7::c(&[diet.code, diet.name, "99XY3"]))
            .f(4, diet.comment),
    );
    m.finish()
}
