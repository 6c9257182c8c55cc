//! Patient administration messages: demographics (ADT-00, ADT^A08), allergies (ADT-61, ADT^A60),
//! problems (PPR-01, PPR^ZD1) and encounters (ADT-12 A04, ADT-22 A01/A11, ADT-42 A02,
//! ADT-52 A03/A13). Care dates (guide §1.3): none for A08/A60/ZD1; PV1-44 for A04/A01/A11;
//! EVN-6 for A02; PV1-45 for A03/A13.

use super::{
    Encounter, Stamp, Subject, address, coded, location, phone, pid, pid_with_phone, pv1, start,
    xcn, xcn_with_kana,
};
use crate::calendar::{CivilDate, Moment};
use crate::clinical::{Coded, Department, Problem};
use crate::hl7_writer::{Hl7, Segment};
use crate::person::Allergy;

/// Health insurance (IN1; JHSD0001 insurance type; numbers synthetic).
pub(crate) struct Insurance {
    pub(crate) kind: &'static Coded,
    pub(crate) insurer: String,
    pub(crate) since: CivilDate,
}

/// A next of kin (NK1): family name shared, own given name, relationship, phone.
pub(crate) struct Kin {
    pub(crate) given: &'static str,
    pub(crate) given_kana: &'static str,
    pub(crate) relationship: &'static Coded,
    pub(crate) phone: String,
}

/// What one version of the demographics message says.
pub(crate) struct Demographics<'a> {
    /// The phone on record at the time (an earlier version may hold an old number).
    pub(crate) phone: &'a str,
    pub(crate) kin: Option<&'a Kin>,
    pub(crate) insurance: &'a Insurance,
    /// Allergies known at the time (AL1).
    pub(crate) allergies: &'a [Allergy],
    pub(crate) encounter: &'a Encounter,
}

/// ADT-00: ADT^A08 with EVN, PID (+PID-33), NK1, PV1, OBX body measurements, AL1, IN1.
pub(crate) fn demographics(subject: &Subject<'_>, stamp: &Stamp, d: &Demographics<'_>) -> String {
    let p = subject.person;
    let mut m = start(subject, stamp, ["ADT", "A08", "ADT_A01"]);
    m.push(evn(stamp.time, None));
    m.push(pid_with_phone(subject, d.phone).f(33, stamp.time.to_second()));
    if let Some(kin) = d.kin {
        m.push(
            Segment::new("NK1")
                .f(1, "1")
                .f(
                    2,
                    Hl7::reps([
                        Hl7::c(&[p.family.kanji, kin.given, "", "", "", "", "L", "I"]),
                        Hl7::c(&[p.family.kana, kin.given_kana, "", "", "", "", "L", "P"]),
                    ]),
                )
                .f(3, coded(kin.relationship))
                .f(4, address(&p.address.postcode, &p.address.full(), "H"))
                .f(5, phone("PRN", &kin.phone)),
        );
    }
    m.push(pv1(subject, d.encounter));
    m.push(
        Segment::new("OBX")
            .f(1, "1")
            .f(2, "NM")
            .f(3, Hl7::c(&["9N001000000000001", "身長", "JC10"]))
            .f(5, format!("{:.1}", p.height_cm))
            .f(6, Hl7::c(&["cm", "cm", "ISO+"]))
            .f(11, "F"),
    );
    m.push(
        Segment::new("OBX")
            .f(1, "2")
            .f(2, "NM")
            .f(3, Hl7::c(&["9N006000000000001", "体重", "JC10"]))
            .f(5, format!("{:.1}", p.weight_kg))
            .f(6, Hl7::c(&["kg", "kg", "ISO+"]))
            .f(11, "F"),
    );
    m.push(
        Segment::new("OBX")
            .f(1, "3")
            .f(2, "CWE")
            .f(3, Hl7::c(&["5H010000009199911", "血液型-ABO式", "JC10"]))
            .f(5, Hl7::c(&[p.blood_type, p.blood_type, "JSHR002"]))
            .f(11, "F"),
    );
    for (i, allergy) in d.allergies.iter().enumerate() {
        let a = allergy.allergen;
        m.push(
            Segment::new("AL1")
                .f(1, (i + 1).to_string())
                .f(2, coded(a.kind))
                .f(3, Hl7::c(&[a.local_code, a.name, "99XYZ"]))
                .f(4, coded(allergy.severity))
                .f(5, allergy.reaction)
                .f(6, allergy.onset.as_str()),
        );
    }
    m.push(
        Segment::new("IN1")
            .f(1, "1")
            .f(2, coded(d.insurance.kind))
            .f(3, d.insurance.insurer.as_str())
            .f(12, d.insurance.since.compact())
            .f(17, Hl7::c(&["SEL", "本人", "HL70063"])),
    );
    m.finish()
}

/// ADT-61: ADT^A60 with one IAM per allergy; drugs coded HOT9, foods and environment JC10.
pub(crate) fn allergies(subject: &Subject<'_>, stamp: &Stamp, allergies: &[Allergy]) -> String {
    let mut m = start(subject, stamp, ["ADT", "A60", "ADT_A60"]);
    m.push(evn(stamp.time, None));
    m.push(pid(subject));
    for (i, allergy) in allergies.iter().enumerate() {
        let a = allergy.allergen;
        m.push(
            Segment::new("IAM")
                .f(1, (i + 1).to_string())
                .f(2, coded(a.kind))
                .f(3, Hl7::c(&[a.iam_code, a.iam_text, a.iam_system]))
                .f(4, coded(allergy.severity))
                .f(5, allergy.reaction)
                .f(6, Hl7::c(&["A", "追加", "HL70323"]))
                .f(11, allergy.onset.as_str()),
        );
    }
    m.finish()
}

/// One problem of the problem list, as of one PPR-01 version.
pub(crate) struct ProblemEntry {
    pub(crate) problem: &'static Problem,
    /// PRB-4 instance identifier, stable across versions.
    pub(crate) instance: String,
    pub(crate) onset: CivilDate,
    pub(crate) diagnosed: CivilDate,
    pub(crate) department: &'static Department,
    /// PRB-10 diagnosis type (JHSD0004): `O` 外来時 or `H` 入院時.
    pub(crate) inpatient: bool,
    /// PRB-13 疑い (suspected) flag, JHSD0005 `1`.
    pub(crate) suspected: bool,
    /// PRB-18 主診断 (main diagnosis), JHSD0007 `1`.
    pub(crate) main: bool,
    /// PRB-14 outcome (HL70241) and its date; `None` while the problem is active.
    pub(crate) outcome: Option<(&'static Coded, CivilDate)>,
}

/// PPR-01: PPR^ZD1 holding the whole problem list (one file since Ver.1.2, guide §2):
/// PRB + ZPR + ORC per problem.
pub(crate) fn problems(subject: &Subject<'_>, stamp: &Stamp, entries: &[ProblemEntry]) -> String {
    let mut m = start(subject, stamp, ["PPR", "ZD1", "PPR_ZD1"]);
    m.push(pid(subject));
    for e in entries {
        let p = e.problem;
        let kind = if e.inpatient {
            ["H", "入院時"]
        } else {
            ["O", "外来時"]
        };
        let mut prb = Segment::new("PRB")
            .f(1, "AD")
            .f(2, e.diagnosed.compact())
            .f(3, Hl7::c(&[p.medis, p.name, "MDCDX2"]))
            .f(4, e.instance.as_str())
            .f(7, e.diagnosed.compact());
        if let Some((_, resolved)) = e.outcome {
            prb = prb.f(9, resolved.compact());
        }
        prb = prb.f(
            10,
            Hl7::c(&[p.icd10, "", "I10", kind[0], kind[1], "JHSD0004"]),
        );
        if e.suspected {
            prb = prb.f(13, Hl7::c(&["1", "疑い", "JHSD0005"]));
        }
        if let Some((outcome, resolved)) = e.outcome {
            prb = prb.f(14, coded(outcome)).f(15, resolved.compact());
        }
        prb = prb.f(16, e.onset.compact());
        if e.main {
            prb = prb.f(18, Hl7::c(&["1", "主診断", "JHSD0007"]));
        }
        m.push(prb);
        m.push(
            Segment::new("ZPR")
                .f(2, Hl7::c(&[p.medis, p.name, "MDCDX2"]))
                .f(5, Hl7::c(&[p.exchange, p.name, "MDCDX2"])),
        );
        m.push(
            Segment::new("ORC")
                .f(1, "NW")
                .f(2, e.instance.as_str())
                .f(12, xcn_with_kana(&subject.facility.doctor(e.department)))
                .f(17, Hl7::c(&[e.department.code, e.department.name, "99XY1"]))
                .f(
                    29,
                    if e.inpatient {
                        Hl7::c(&["I", "入院患者オーダ", "HL70482"])
                    } else {
                        Hl7::c(&["O", "外来患者オーダ", "HL70482"])
                    },
                ),
        );
    }
    m.finish()
}

fn evn(recorded: Moment, occurred: Option<Moment>) -> Segment {
    let segment = Segment::new("EVN").f(2, recorded.to_minute());
    match occurred {
        Some(at) => segment.f(6, at.to_minute()),
        None => segment,
    }
}

/// ADT-12: outpatient visit registration, ADT^A04; PV1-44 is the visit time (care date).
pub(crate) fn visit(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    at: Moment,
) -> String {
    let mut m = start(subject, stamp, ["ADT", "A04", "ADT_A01"]);
    m.push(evn(stamp.time, None));
    m.push(pid(subject));
    m.push(pv1(subject, encounter).f(44, at.to_minute()));
    m.finish()
}

/// ADT-22: admission ADT^A01, or its cancellation ADT^A11 (stored under the same key, guide §2).
/// PV1-44 is the admission time (care date) in both.
pub(crate) fn admission(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    admitted: Moment,
    cancel: bool,
) -> String {
    let kind = if cancel {
        ["ADT", "A11", "ADT_A09"]
    } else {
        ["ADT", "A01", "ADT_A01"]
    };
    let mut m = start(subject, stamp, kind);
    m.push(evn(stamp.time, None));
    m.push(pid(subject));
    let doctor = xcn(&subject.facility.doctor(encounter.department));
    m.push(
        pv1(subject, encounter)
            .f(17, doctor)
            .f(44, admitted.to_minute()),
    );
    m.finish()
}

/// ADT-42: transfer ADT^A02; EVN-6 is the transfer time (care date); PV1-3 new, PV1-6 prior bed.
pub(crate) fn transfer(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    from: &Encounter,
    at: Moment,
) -> String {
    let mut m = start(subject, stamp, ["ADT", "A02", "ADT_A02"]);
    m.push(evn(stamp.time, Some(at)));
    m.push(pid(subject));
    let doctor = subject.facility.doctor(encounter.department);
    m.push(
        Segment::new("PV1")
            .f(1, "0001")
            .f(2, "I")
            .f(3, location(&encounter.setting, encounter.department))
            .f(6, location(&from.setting, from.department))
            .f(7, xcn(&doctor))
            .f(10, encounter.department.code)
            .f(17, xcn(&doctor)),
    );
    m.finish()
}

/// ADT-52: discharge ADT^A03, or its cancellation ADT^A13 (same key); PV1-45 is the discharge
/// time (care date), PV1-36 the disposition.
pub(crate) fn discharge(
    subject: &Subject<'_>,
    stamp: &Stamp,
    encounter: &Encounter,
    admitted: Moment,
    discharged: Moment,
    cancel: bool,
) -> String {
    let kind = if cancel {
        ["ADT", "A13", "ADT_A01"]
    } else {
        ["ADT", "A03", "ADT_A03"]
    };
    let mut m = start(subject, stamp, kind);
    m.push(evn(stamp.time, Some(discharged)));
    m.push(pid(subject));
    let doctor = xcn(&subject.facility.doctor(encounter.department));
    m.push(
        pv1(subject, encounter)
            .f(17, doctor)
            .f(36, "01")
            .f(44, admitted.to_minute())
            .f(45, discharged.to_minute()),
    );
    m.finish()
}
