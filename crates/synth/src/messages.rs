//! HL7 v2.5 messages of each SS-MIX2 data type, built from the chart's clinical facts.
//!
//! Segment and field positions follow guide §3 and §3.1 and the NHO sample files; the care date
//! (診療日) of each message sits in the field guide §1.3 names for its message type, and the
//! chart passes the same date to the storage layout, so folder and content always agree.
//! Submodules: `adt` (ADT-xx, PPR-01), `orders` (OMP-xx, OMD), `results` (OML-xx, OMG-xx, vitals).

pub(crate) mod adt;
pub(crate) mod orders;
pub(crate) mod results;

use crate::calendar::Moment;
use crate::clinical::{Coded, Department};
use crate::facility::{Facility, Staff};
use crate::hl7_writer::{Header, Hl7, Message, Segment};
use crate::person::Person;

/// The patient a message is about, at one facility.
pub(crate) struct Subject<'a> {
    pub(crate) facility: &'a Facility,
    pub(crate) id: &'a str,
    pub(crate) person: &'a Person,
}

/// Where the patient is: an outpatient clinic, or a ward bed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Setting {
    Outpatient,
    Inpatient(Bed),
}

/// A ward^room^bed location (PV1-3 with type `N`, guide §3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bed {
    pub(crate) ward: String,
    pub(crate) room: String,
    pub(crate) bed: String,
}

/// Who saw the patient, where, for which department.
pub(crate) struct Encounter {
    pub(crate) setting: Setting,
    pub(crate) department: &'static Department,
}

/// MSH-7 and MSH-10 of one message.
pub(crate) struct Stamp {
    pub(crate) time: Moment,
    pub(crate) control_id: String,
}

pub(crate) fn start(subject: &Subject<'_>, stamp: &Stamp, message_type: [&str; 3]) -> Message {
    Message::new(&Header {
        facility_id: &subject.facility.id,
        time: stamp.time.to_second(),
        message_type,
        control_id: stamp.control_id.clone(),
    })
}

pub(crate) fn coded(c: &Coded) -> Hl7 {
    Hl7::c(&[c.code, c.text, c.system])
}

/// XCN with the kanji representation (`I`) in XCN.15, as in the samples' doctor fields.
pub(crate) fn xcn(staff: &Staff) -> Hl7 {
    xcn_repetition(&staff.id, staff.family, staff.given, "I")
}

/// The same person with the kana repetition (`P`), as in the PPR-01 sample's ORC-12.
pub(crate) fn xcn_with_kana(staff: &Staff) -> Hl7 {
    Hl7::reps([
        xcn(staff),
        xcn_repetition("", staff.family_kana, staff.given_kana, "P"),
    ])
}

/// One XCN repetition: ID, family and given name, name type `L` (legal) in XCN.10 and the name
/// representation in XCN.15.
fn xcn_repetition(id: &str, family: &str, given: &str, representation: &str) -> Hl7 {
    Hl7::c(&[
        id,
        family,
        given,
        "",
        "",
        "",
        "",
        "",
        "",
        "L",
        "",
        "",
        "",
        "",
        representation,
    ])
}

/// PID-5: kanji repetition `^^^^^L^I` then kana repetition `^^^^^L^P` (guide §3.2), as this
/// registration writes the name.
pub(crate) fn patient_name(person: &Person) -> Hl7 {
    let [(family, given), (family_kana, given_kana)] = person.written_name();
    Hl7::reps([
        Hl7::c(&[&*family, &*given, "", "", "", "", "L", "I"]),
        Hl7::c(&[&*family_kana, &*given_kana, "", "", "", "", "L", "P"]),
    ])
}

/// XAD with the postcode in XAD.5 and the whole address text in XAD.8 (guide §3.1).
pub(crate) fn address(postcode: &str, full: &str, kind: &str) -> Hl7 {
    Hl7::c(&["", "", "", "", postcode, "JPN", kind, full])
}

/// XTN with the number in XTN.12 (guide §3.1).
pub(crate) fn phone(use_code: &str, number: &str) -> Hl7 {
    // A facility's own number (ORC-23) carries no use code and no equipment type, as in the samples.
    let equipment = if use_code.is_empty() { "" } else { "PH" };
    Hl7::c(&[
        "", use_code, equipment, "", "", "", "", "", "", "", "", number,
    ])
}

/// PID with the demographics every message carries: ID, names, birth date, sex, address, phone.
pub(crate) fn pid(subject: &Subject<'_>) -> Segment {
    pid_with_phone(subject, &subject.person.phone)
}

/// PID with the phone number on record at the time (an older demographics version may differ).
pub(crate) fn pid_with_phone(subject: &Subject<'_>, number: &str) -> Segment {
    let p = subject.person;
    Segment::new("PID")
        .f(1, "0001")
        .f(3, Hl7::c(&[subject.id, "", "", "", "PI"]))
        .f(5, patient_name(p))
        .f(7, p.birth.compact())
        .f(8, p.sex.code())
        .f(11, address(&p.address.postcode, &p.address.full(), "H"))
        .f(13, phone("PRN", number))
}

pub(crate) fn location(setting: &Setting, department: &Department) -> Hl7 {
    match setting {
        Setting::Outpatient => Hl7::c(&[department.code, "", "", "", "", "C"]),
        Setting::Inpatient(bed) => Hl7::c(&[&bed.ward, &bed.room, &bed.bed, "", "", "N"]),
    }
}

/// PV1 with class, location, attending doctor and department (PV1-2, -3, -7, -10).
pub(crate) fn pv1(subject: &Subject<'_>, encounter: &Encounter) -> Segment {
    let class = match encounter.setting {
        Setting::Outpatient => "O",
        Setting::Inpatient(_) => "I",
    };
    Segment::new("PV1")
        .f(1, "0001")
        .f(2, class)
        .f(3, location(&encounter.setting, encounter.department))
        .f(7, xcn(&subject.facility.doctor(encounter.department)))
        .f(10, encounter.department.code)
}

/// ORC-29 order type (HL7 table 0482).
pub(crate) fn order_type(setting: &Setting) -> Hl7 {
    match setting {
        Setting::Outpatient => Hl7::c(&["O", "外来患者オーダ", "HL70482"]),
        Setting::Inpatient(_) => Hl7::c(&["I", "入院患者オーダ", "HL70482"]),
    }
}

/// An ORC as in the OMP-01 sample: control, order number, group, ORC-9 transaction time (the
/// care date of orders, guide §1.3), enterer, doctor, location, department, facility.
pub(crate) fn orc(
    subject: &Subject<'_>,
    encounter: &Encounter,
    control: &str,
    order_no: &str,
    group: &str,
    at: Moment,
) -> Segment {
    let facility = subject.facility;
    let (postcode, facility_address) = facility.address();
    Segment::new("ORC")
        .f(1, control)
        .f(2, order_no)
        .f(4, group)
        .f(9, at.to_second())
        .f(10, xcn(&facility.clerk()))
        .f(12, xcn(&facility.doctor(encounter.department)))
        .f(13, location(&encounter.setting, encounter.department))
        .f(
            17,
            Hl7::c(&[
                encounter.department.code,
                encounter.department.name,
                "99XY1",
            ]),
        )
        .f(18, Hl7::c(&["PC01", "", "99XY2"]))
        .f(21, facility.name.as_str())
        .f(22, address(postcode, &facility_address, ""))
        .f(23, phone("", &facility.phone()))
        .f(29, order_type(&encounter.setting))
}

/// A decimal without trailing zeros (`3`, `0.6`, `2.5`).
pub(crate) fn decimal(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_drop_trailing_zeros() {
        assert_eq!(decimal(3.0), "3");
        assert_eq!(decimal(0.6), "0.6");
        assert_eq!(decimal(2.25), "2.25");
        assert_eq!(decimal(1.0 / 3.0), "0.333");
    }
}
