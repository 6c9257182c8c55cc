//! ADT messages: demographics (ADT-00: PID, OBX body measurements, AL1 allergies), allergies (ADT-61:
//! IAM) and encounters (ADT-01 … ADT-52: PV1, PV2, EVN).

use fieldchart_hl7::{Rep, Segment};

use super::fields::{clinician, coded_field, comp_text, location, obx_value, rep_text, value, xpn};
use super::{Ctx, MapIssueCode, care_date_field};
use crate::model::{
    Address, Allergy, AllergySegment, Contact, Encounter, EncounterKind, Item, Observation,
    ObservationKind, Patient, PersonName, Phone, Sex,
};

/// ADT-00: the patient, then body measurements (OBX) and allergies (AL1), in message order.
pub(super) fn demographics(ctx: &mut Ctx<'_>) -> Vec<Item> {
    let mut items = Vec::new();
    match ctx.first("PID") {
        Some(pid) => items.push(Item::Patient(patient(ctx, &pid))),
        // map_with has already said that PID is missing; here it means there are no demographics.
        None => ctx.warn(
            MapIssueCode::MissingSegment,
            "ADT-00 without PID: no demographics could be read",
        ),
    }
    for seg in ctx.body() {
        match seg.id() {
            "OBX" => {
                if let Some(obs) = body_observation(ctx, &seg) {
                    items.push(Item::Observation(obs));
                }
            }
            "AL1" => match al1_allergy(ctx, &seg) {
                Some(allergy) => items.push(Item::Allergy(allergy)),
                None => ctx.orphan(&seg, "names no allergen (AL1-3 is empty)"),
            },
            _ => {}
        }
    }
    items
}

/// Demographics from PID (guide §3.1, §3.2).
pub(super) fn patient(ctx: &mut Ctx<'_>, pid: &Segment<'_>) -> Patient {
    let (name_kanji, name_kana, other_names) = names(pid.field(5).reps());
    let sex = match value(pid.field(8)).as_deref() {
        Some("M") => Sex::Male,
        Some("F") => Sex::Female,
        // HL7 table 0001: O other, A ambiguous; U unknown, N not applicable.
        Some("O" | "A") => Sex::Other,
        Some("U" | "N") | None => Sex::Unknown,
        Some(_) => {
            ctx.warn(
                MapIssueCode::BadValue,
                format!(
                    "line {}: PID-8 (sex) is not a code of HL7 table 0001 (M F O U A N); read as unknown",
                    pid.line()
                ),
            );
            Sex::Unknown
        }
    };
    let death = ctx.time(pid, 29);
    let deceased = death.is_some() || value(pid.field(30)).as_deref() == Some("Y");
    Patient {
        id_in_message: comp_text(&pid.field(3).first(), 1),
        name_kanji,
        name_kana,
        other_names,
        birth_date: ctx.time(pid, 7),
        sex,
        addresses: pid.field(11).reps().filter_map(|r| address(&r)).collect(),
        phones: [13, 14]
            .into_iter()
            .flat_map(|n| pid.field(n).reps().collect::<Vec<_>>())
            .filter_map(|r| phone(&r))
            .collect(),
        death,
        deceased,
        last_updated: ctx.time(pid, 33),
        contacts: ctx
            .body()
            .filter(|s| s.id() == "NK1")
            .map(|nk1| contact(&nk1))
            .filter(|c| c != &Contact::default())
            .collect(),
    }
}

/// NK1 (guide §3 table, ADT-00): `NK1|1|患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P|SEL^本人^HL70063|
/// <address>|<home phone>|<work phone>`; the name is chosen by representation as in PID-5.
fn contact(nk1: &Segment<'_>) -> Contact {
    let (kanji, kana, others) = names(nk1.field(2).reps());
    Contact {
        name: kanji.or(kana).or_else(|| others.into_iter().next()),
        relationship: coded_field(nk1.field(3)),
        phones: [5, 6]
            .into_iter()
            .flat_map(|n| nk1.field(n).reps().collect::<Vec<_>>())
            .filter_map(|r| phone(&r))
            .collect(),
        addresses: nk1.field(4).reps().filter_map(|r| address(&r)).collect(),
    }
}

/// Sorts PID-5 repetitions by XPN.8, not by position: `I` is the kanji name, `P` the kana name, in
/// whatever order the producer wrote them (guide §3.2). Only a repetition with no XPN.8 falls back to
/// its position: the first is taken as kanji and the second as kana, as in every sample, when that slot
/// is still free. Further or other-coded names are kept in `other_names`.
fn names<'a>(
    reps: impl Iterator<Item = Rep<'a>>,
) -> (Option<PersonName>, Option<PersonName>, Vec<PersonName>) {
    let all: Vec<PersonName> = reps.filter_map(|r| xpn(&r)).collect();
    let mut kanji = None;
    let mut kana = None;
    let mut uncoded = Vec::new();
    let mut others = Vec::new();
    for (position, name) in all.into_iter().enumerate() {
        match name.representation.as_deref() {
            Some("I") if kanji.is_none() => kanji = Some(name),
            Some("P") if kana.is_none() => kana = Some(name),
            None => uncoded.push((position, name)),
            Some(_) => others.push(name),
        }
    }
    for (position, name) in uncoded {
        match position {
            0 if kanji.is_none() => kanji = Some(name),
            1 if kana.is_none() => kana = Some(name),
            _ => others.push(name),
        }
    }
    (kanji, kana, others)
}

/// XAD: postcode XAD.5, type XAD.7, full text XAD.8 (JAHIS puts the whole address there, guide §3.1),
/// else the parts in Japanese order: prefecture (XAD.4), city (XAD.3), street (XAD.1), other (XAD.2).
fn address(rep: &Rep<'_>) -> Option<Address> {
    let postcode = comp_text(rep, 5);
    let text = comp_text(rep, 8).unwrap_or_else(|| {
        [4, 3, 1, 2]
            .into_iter()
            .filter_map(|c| comp_text(rep, c))
            .collect::<Vec<_>>()
            .join(" ")
    });
    if text.is_empty() && postcode.is_none() {
        return None;
    }
    Some(Address {
        postcode,
        kind: comp_text(rep, 7),
        text,
    })
}

/// XTN: the number in XTN.12 (guide §3.1), else XTN.1 (the pre-2.3 form some producers still write).
fn phone(rep: &Rep<'_>) -> Option<Phone> {
    let number = comp_text(rep, 12).or_else(|| comp_text(rep, 1))?;
    Some(Phone {
        use_code: comp_text(rep, 2),
        number,
    })
}

/// OBX in ADT-00: height, weight, blood type (guide §3 table).
fn body_observation(ctx: &mut Ctx<'_>, obx: &Segment<'_>) -> Option<Observation> {
    let item = coded_field(obx.field(3));
    let value = obx_value(obx, ctx.d());
    let Some(item) = item else {
        ctx.orphan(obx, "names no observation (OBX-3 is empty)");
        return None;
    };
    Some(Observation {
        kind: ObservationKind::Body,
        order_no: None,
        specimen: None,
        battery: None,
        item,
        value_type: value_of(obx, 2),
        value,
        unit: coded_field(obx.field(6)),
        range: rep_text(&obx.field(7).first(), ctx.d()),
        flag: value_of(obx, 8),
        status: value_of(obx, 11),
        observed_at: ctx.time(obx, 14),
        sub_id: value_of(obx, 4),
        comments: Vec::new(),
    })
}

fn value_of(seg: &Segment<'_>, n: usize) -> Option<String> {
    value(seg.field(n))
}

/// Reactions (AL1-5, IAM-5): each repetition's text.
fn reactions(seg: &Segment<'_>) -> Vec<String> {
    seg.field(5)
        .reps()
        .filter_map(|r| comp_text(&r, 1))
        .collect()
}

/// AL1 (ADT-00): `AL1|1|DA^薬剤アレルギー^HL70127|1^ペニシリン^99XYZ` (guide §3.1).
fn al1_allergy(ctx: &mut Ctx<'_>, al1: &Segment<'_>) -> Option<Allergy> {
    Some(Allergy {
        segment: AllergySegment::Al1,
        category: coded_field(al1.field(2)),
        allergen: coded_field(al1.field(3))?,
        severity: coded_field(al1.field(4)),
        reactions: reactions(al1),
        onset: ctx.time(al1, 6),
        onset_text: None,
        action: None,
    })
}

/// ADT-61: one allergy per IAM (guide §3.1): IAM-6 action, IAM-11 onset (may be partial, `199601`),
/// IAM-12 onset in words.
pub(super) fn iam_allergies(ctx: &mut Ctx<'_>) -> Vec<Item> {
    let mut items = Vec::new();
    for seg in ctx.body().filter(|s| s.id() == "IAM") {
        let Some(allergen) = coded_field(seg.field(3)) else {
            ctx.orphan(&seg, "names no allergen (IAM-3 is empty)");
            continue;
        };
        let action = value(seg.field(6));
        if let Some(a) = action.as_deref()
            && !matches!(a, "A" | "U" | "D" | "X")
        {
            ctx.warn(
                MapIssueCode::BadValue,
                format!(
                    "line {}: IAM-6 (action) is not one of A, U, D, X (HL7 table 0323); the allergy is kept as active",
                    seg.line()
                ),
            );
        }
        items.push(Item::Allergy(Allergy {
            segment: AllergySegment::Iam,
            category: coded_field(seg.field(2)),
            allergen,
            severity: coded_field(seg.field(4)),
            reactions: reactions(&seg),
            onset: ctx.time(&seg, 11),
            onset_text: rep_text(&seg.field(12).first(), ctx.d()),
            action,
        }));
    }
    if items.is_empty() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no IAM segment with an allergen: the allergy message lists no allergy",
        );
    }
    items
}

/// The encounter kind a trigger implies, for messages whose data type does not say.
fn kind_from_trigger(trigger: &str) -> Option<EncounterKind> {
    Some(match trigger {
        "A54" => EncounterKind::DoctorChange,
        "A04" => EncounterKind::OutpatientVisit,
        "A14" => EncounterKind::PlannedAdmission,
        "A01" => EncounterKind::Admission,
        "A21" => EncounterKind::LeaveOut,
        "A22" => EncounterKind::ReturnFromLeave,
        "A15" => EncounterKind::PlannedTransfer,
        "A02" => EncounterKind::Transfer,
        "A16" => EncounterKind::PlannedDischarge,
        "A03" => EncounterKind::Discharge,
        _ => return None,
    })
}

/// ADT-01 … ADT-52: one encounter. `at` is the care-date field of guide §1.3 for the trigger (PV1-44 for
/// A01/A04, PV1-45 for A03, PV2-8 for A14/A15, PV2-9 for A16, EVN-6 for A21/A22/A02); A54 has none
/// there, so EVN-6 (the event's own time) stands in.
pub(super) fn encounter(
    ctx: &mut Ctx<'_>,
    kind: Option<EncounterKind>,
    trigger: &str,
) -> Vec<Item> {
    let Some(kind) = kind.or_else(|| kind_from_trigger(trigger)) else {
        ctx.warn(
            MapIssueCode::Unmapped,
            if super::is_code_like(trigger) {
                format!("ADT trigger {trigger} names no encounter kind; no encounter was made")
            } else {
                "MSH-9.2 (the ADT trigger) names no encounter kind; no encounter was made"
                    .to_string()
            },
        );
        return Vec::new();
    };
    let pv1 = ctx.first("PV1");
    let evn = ctx.first("EVN");
    if pv1.is_none() {
        ctx.warn(
            MapIssueCode::MissingSegment,
            "no PV1 segment: the encounter has no location, department or doctor",
        );
    }
    let key = format!("ADT^{trigger}");
    let at = care_date_field(&key)
        .or(Some(("EVN", 6)))
        .and_then(|(id, n)| ctx.first(id).and_then(|s| ctx.time(&s, n)));
    // ADT-01 names the new attending doctor in PV1-7, or in a ROL segment (guide §3 table).
    let attending = pv1.and_then(|s| clinician(s.field(7))).or_else(|| {
        ctx.body()
            .filter(|s| s.id() == "ROL")
            .find_map(|s| clinician(s.field(4)))
    });
    vec![Item::Encounter(Encounter {
        kind,
        trigger: trigger.to_string(),
        patient_class: pv1.and_then(|s| value(s.field(2))),
        location: pv1.and_then(|s| location(s.field(3))),
        prior_location: pv1.and_then(|s| location(s.field(6))),
        department: pv1.and_then(|s| coded_field(s.field(10))),
        attending,
        at,
        recorded: evn.and_then(|s| ctx.time(&s, 2)),
        disposition: pv1.and_then(|s| coded_field(s.field(36))),
    })]
}

#[cfg(test)]
mod tests {
    use fieldchart_hl7::{Message, Text};

    use super::*;

    fn pid_names(pid5: &str) -> (Option<PersonName>, Option<PersonName>, Vec<PersonName>) {
        let (m, _) = Message::parse(Text::from_unicode(format!("MSH|^~\\&|A\rPID|1||7||{pid5}")));
        let pid = m.first("PID").unwrap();
        names(pid.field(5).reps())
    }

    #[test]
    fn names_are_chosen_by_representation_not_position() {
        let (kanji, kana, others) = pid_names("カンジャ^タロウ^^^^^L^P~患者^太郎^^^^^L^I");
        assert_eq!(kanji.unwrap().full, "患者 太郎");
        assert_eq!(kana.unwrap().full, "カンジャ タロウ");
        assert!(others.is_empty());
    }

    #[test]
    fn names_without_representation_fall_back_to_position() {
        let (kanji, kana, _) = pid_names("患者^太郎~カンジャ^タロウ");
        assert_eq!(kanji.unwrap().full, "患者 太郎");
        assert_eq!(kana.unwrap().full, "カンジャ タロウ");
    }

    #[test]
    fn an_uncoded_second_name_does_not_displace_a_coded_one() {
        let (kanji, kana, others) = pid_names("カンジャ^タロウ^^^^^L^P~患者^太郎");
        assert_eq!(kana.unwrap().full, "カンジャ タロウ");
        assert_eq!(kanji, None);
        assert_eq!(others.len(), 1);
    }

    #[test]
    fn address_without_full_text_joins_its_parts_in_japanese_order() {
        let (m, _) = Message::parse(Text::from_unicode(
            "MSH|^~\\&|A\rPID|1||7||||||||登呂1-3-5^^静岡市^静岡県^422-8033^JPN^H",
        ));
        let a = address(&m.first("PID").unwrap().field(11).first()).unwrap();
        assert_eq!(a.text, "静岡県 静岡市 登呂1-3-5");
        assert_eq!(a.postcode.as_deref(), Some("422-8033"));
        assert_eq!(a.kind.as_deref(), Some("H"));
    }
}
