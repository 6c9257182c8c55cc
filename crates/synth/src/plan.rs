//! What happens to one patient at one facility, decided before any message is written: the
//! registration date, outpatient visits with their prescriptions and labs, an inpatient stay,
//! corrections and cancellations, and which extended documents exist.
//!
//! `chart` turns a plan into records; personas (`personas.rs`) write their plans by hand.
//! Keeping the decisions here keeps the rendering code free of probabilities.

use crate::calendar::CivilDate;
use crate::clinical::{self, ConditionKind, Department, Diet, Problem, drugs, problems};
use crate::messages::orders::RxItem;
use crate::person::Person;
use crate::rng::Draw;

/// A correction applied to a record after it was first written (guide §2).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Edit {
    None,
    /// Rewritten with a newer 発生日時: the first version becomes `_2`, the new one `_1`.
    /// For prescriptions, `Some(items)` is what the first (superseded) version said.
    Update(Option<Vec<RxItem>>),
    /// Deleted: the file becomes `_0` and (standardized storage) the deletion message is added as `_0`.
    Delete,
}

pub(crate) struct RxPlan {
    pub(crate) items: Vec<RxItem>,
    pub(crate) days: u32,
    pub(crate) edit: Edit,
}

pub(crate) struct Visit {
    pub(crate) date: CivilDate,
    pub(crate) department: &'static Department,
    pub(crate) prescription: Option<RxPlan>,
    pub(crate) labs: bool,
    /// Also store the lab order (OML-01) besides the result (OML-11).
    pub(crate) lab_order: bool,
    /// A corrected lab report (update).
    pub(crate) lab_corrected: bool,
    pub(crate) infection_screen: bool,
    pub(crate) ecg: bool,
    pub(crate) xray: bool,
    /// An acute problem diagnosed and treated at this visit.
    pub(crate) acute: Option<&'static Problem>,
    /// A suspected diagnosis (PRB-13) recorded at this visit.
    pub(crate) suspected: Option<&'static Problem>,
}

impl Visit {
    pub(crate) fn plain(date: CivilDate, department: &'static Department) -> Visit {
        Visit {
            date,
            department,
            prescription: None,
            labs: false,
            lab_order: false,
            lab_corrected: false,
            infection_screen: false,
            ecg: false,
            xray: false,
            acute: None,
            suspected: None,
        }
    }
}

/// Which drips an inpatient gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drips {
    Antibiotic,
    Fluids,
}

pub(crate) struct Stay {
    pub(crate) admitted: CivilDate,
    /// `None`: still in hospital on `as_of`.
    pub(crate) discharged: Option<CivilDate>,
    pub(crate) reason: &'static Problem,
    pub(crate) department: &'static Department,
    pub(crate) transfer: Option<CivilDate>,
    /// A discharge entered on this date and then cancelled (ADT^A03 then ADT^A13).
    pub(crate) cancelled_discharge: Option<CivilDate>,
    pub(crate) diet: &'static Diet,
    pub(crate) diet_change: Option<(CivilDate, &'static Diet)>,
    pub(crate) drips: Drips,
    pub(crate) vitals_days: u32,
    pub(crate) summary: bool,
    pub(crate) photo: bool,
    pub(crate) ecg: bool,
    pub(crate) follow_up_labs: Option<CivilDate>,
}

pub(crate) struct Plan {
    pub(crate) registered: CivilDate,
    /// The date of a newer ADT-00 version (the first keeps an older phone number).
    pub(crate) demographics_update: Option<CivilDate>,
    /// Whether the allergies are also registered as ADT-61 (they are always in ADT-00's AL1).
    pub(crate) allergy_record: bool,
    pub(crate) visits: Vec<Visit>,
    pub(crate) stay: Option<Stay>,
    pub(crate) cancelled_admission: Option<CivilDate>,
    /// Mark positive infection results 未告知 (not yet told to the patient).
    pub(crate) untold: bool,
    pub(crate) referral: Option<(CivilDate, Edit)>,
    pub(crate) scanned_referral: Option<CivilDate>,
    pub(crate) jspeed: Option<CivilDate>,
}

/// Moves a Saturday or Sunday back to Friday: clinics are closed at weekends.
pub(crate) fn weekday_on_or_before(date: CivilDate) -> CivilDate {
    match date.weekday() {
        5 => date.add_days(-1),
        6 => date.add_days(-2),
        _ => date,
    }
}

/// The medicines of all of a person's treatments, one item per product.
pub(crate) fn regimen_items(draw: &mut Draw, person: &Person) -> Vec<RxItem> {
    let mut items: Vec<RxItem> = Vec::new();
    for t in &person.treatments {
        for drug in &t.regimen {
            if items.iter().any(|i| i.drug.hot9 == drug.hot9) {
                continue;
            }
            let dose = if drug.hot9 == drugs::WARFARIN_1.hot9 {
                // Warfarin doses are titrated per patient (INR target 1.6–3.0 in the elderly).
                draw.one_of(&[2.0, 2.5, 3.0, 4.0])
            } else {
                drug.dose
            };
            items.push(RxItem { drug, dose });
        }
    }
    items
}

/// The department that follows this person's main condition.
pub(crate) fn main_department(person: &Person, as_of: CivilDate) -> &'static Department {
    if person.age_on(as_of) < 15 {
        return &clinical::PEDIATRICS;
    }
    person
        .treatments
        .first()
        .map_or(&clinical::INTERNAL, |t| t.condition.department)
}

/// A random plan for an ordinary patient. `visitor`: the person is registered elsewhere too and
/// came here recently (an evacuee), so the record is short and recent.
pub(crate) fn random(draw: &mut Draw, person: &Person, as_of: CivilDate, visitor: bool) -> Plan {
    let age = person.age_on(as_of);
    let earliest = person.birth.add_days(30);
    let registered = if visitor {
        as_of.add_days(-draw.range(3, 45))
    } else {
        as_of.add_days(-draw.range(60, 4000))
    }
    .max(earliest)
    .min(as_of.add_days(-2));
    let department = main_department(person, as_of);
    let regimen = regimen_items(draw, person);
    let chronic = !person.treatments.is_empty();
    let warfarin = person.takes(&drugs::WARFARIN_1);
    let dialysis = person.has(ConditionKind::EndStageRenalDisease);

    let mut visit_dates: Vec<CivilDate> = Vec::new();
    if visitor {
        let n = draw.range(1, 2);
        for _ in 0..n {
            let span = registered.days_until(as_of).max(1);
            visit_dates.push(weekday_on_or_before(
                registered.add_days(draw.range(0, span - 1)),
            ));
        }
    } else if chronic {
        let interval = if dialysis { 14 } else { 28 };
        let last = if draw.chance(0.8) {
            as_of.add_days(-draw.range(1, interval - 1))
        } else {
            as_of.add_days(-draw.range(35, 150))
        };
        let n = draw.range(2, 5);
        for k in 0..n {
            visit_dates.push(weekday_on_or_before(
                last.add_days(-k * interval + draw.range(-2, 2)),
            ));
        }
    } else {
        let n = draw.range(1, 2);
        for _ in 0..n {
            visit_dates.push(weekday_on_or_before(as_of.add_days(-draw.range(2, 180))));
        }
    }
    visit_dates.retain(|d| *d >= registered && *d < as_of);
    visit_dates.sort();
    visit_dates.dedup();
    if visit_dates.is_empty() {
        visit_dates.push(registered);
    }

    let screen_at = draw
        .chance(0.05)
        .then(|| draw.below(visit_dates.len() as u64) as usize);
    let ecg_at = (person.has(ConditionKind::AtrialFibrillation)
        || person.has(ConditionKind::HeartFailure))
        && draw.chance(0.5);
    let mut visits: Vec<Visit> = Vec::new();
    for (i, date) in visit_dates.iter().enumerate() {
        let mut visit = Visit::plain(*date, department);
        if chronic {
            if !regimen.is_empty() {
                let edit = match draw.below(1000) {
                    0..=29 => Edit::Update(None),
                    30..=44 => Edit::Delete,
                    _ => Edit::None,
                };
                // Evacuees get two weeks to bridge; dialysis patients come every two weeks anyway.
                let days = if visitor || dialysis { 14 } else { 28 };
                visit.prescription = Some(RxPlan {
                    items: regimen.clone(),
                    days,
                    edit,
                });
            }
            visit.labs = warfarin || dialysis || i % 2 == visit_dates.len() % 2 || draw.chance(0.2);
        } else {
            visit.acute = Some(&problems::URTI);
            visit.department = department;
            visit.prescription = Some(RxPlan {
                items: vec![
                    RxItem {
                        drug: &drugs::ACETAMINOPHEN_200,
                        dose: drugs::ACETAMINOPHEN_200.dose,
                    },
                    RxItem {
                        drug: &drugs::CARBOCISTEINE_500,
                        dose: drugs::CARBOCISTEINE_500.dose,
                    },
                ],
                days: 5,
                edit: if draw.chance(0.02) {
                    Edit::Update(None)
                } else {
                    Edit::None
                },
            });
            visit.labs = draw.chance(0.2);
        }
        visit.lab_order = visit.labs && draw.chance(0.25);
        visit.lab_corrected = visit.labs && draw.chance(0.02);
        visit.infection_screen = screen_at == Some(i);
        if visit.infection_screen {
            visit.labs = true;
        }
        visit.ecg = ecg_at && i == 0;
        visit.xray = draw.chance(0.04);
        if draw.chance(0.03) {
            visit.suspected = Some(&problems::GASTRIC_ULCER);
        }
        visits.push(visit);
    }

    let admission_chance = if visitor {
        0.03
    } else if age >= 75 {
        0.15
    } else if age >= 65 {
        0.09
    } else {
        0.04
    };
    let stay = draw
        .chance(admission_chance)
        .then(|| random_stay(draw, person, as_of, registered))
        .flatten();
    if let Some(stay) = &stay {
        let end = stay.discharged.unwrap_or(as_of);
        visits.retain(|v| v.date < stay.admitted || v.date > end);
    }
    let cancelled_admission = draw
        .chance(0.01)
        .then(|| weekday_on_or_before(as_of.add_days(-draw.range(10, 150))))
        .filter(|d| *d >= registered && stay.as_ref().is_none_or(|s| s.admitted != *d));

    let last_visit = visits.last().map_or(registered, |v| v.date);
    let referral_chance = if visitor {
        0.10
    } else if chronic {
        0.06
    } else {
        0.01
    };
    let referral = draw.chance(referral_chance).then(|| {
        let edit = match draw.below(100) {
            0..=14 => Edit::Update(None),
            15..=19 => Edit::Delete,
            _ => Edit::None,
        };
        (last_visit, edit)
    });
    let scanned_referral = draw
        .chance(if visitor { 0.15 } else { 0.02 })
        .then_some(visits.first().map_or(registered, |v| v.date));
    let jspeed = draw
        .chance(if visitor { 0.30 } else { 0.03 })
        .then(|| as_of.add_days(-draw.range(0, 6)).max(registered));
    let demographics_update = draw.chance(0.12).then(|| {
        let span = registered.days_until(as_of).max(2);
        registered.add_days(draw.range(1, span - 1))
    });
    Plan {
        registered,
        demographics_update,
        allergy_record: !person.allergies.is_empty() && draw.chance(0.7),
        visits,
        stay,
        cancelled_admission,
        untold: draw.chance(0.4),
        referral,
        scanned_referral,
        jspeed,
    }
}

/// The plan of a patient first registered on `day`, a next day's new patient: registered and
/// seen that day, with their regular medicines for two weeks (they may have come without them)
/// and the labs their conditions call for. An evacuee (`visitor`) may bring a scanned letter and
/// is often recorded in J-SPEED.
pub(crate) fn arrival(draw: &mut Draw, person: &Person, day: CivilDate, visitor: bool) -> Plan {
    let regimen = regimen_items(draw, person);
    let mut visit = Visit::plain(day, main_department(person, day));
    if !regimen.is_empty() {
        visit.prescription = Some(RxPlan {
            items: regimen,
            days: 14,
            edit: Edit::None,
        });
    }
    visit.labs = monitored(person) || draw.chance(0.3);
    visit.infection_screen = draw.chance(0.05);
    visit.labs |= visit.infection_screen;
    visit.lab_order = visit.labs && draw.chance(0.25);
    Plan {
        registered: day,
        demographics_update: None,
        allergy_record: !person.allergies.is_empty() && draw.chance(0.7),
        visits: vec![visit],
        stay: None,
        cancelled_admission: None,
        untold: draw.chance(0.4),
        referral: None,
        scanned_referral: (visitor && draw.chance(0.15)).then_some(day),
        jspeed: (visitor && draw.chance(0.3)).then_some(day),
    }
}

/// Whether every visit has labs: warfarin needs its PT-INR, dialysis its Cre, BUN and K.
fn monitored(person: &Person) -> bool {
    person.takes(&drugs::WARFARIN_1) || person.has(ConditionKind::EndStageRenalDisease)
}

/// A next day's visit of a patient seen before: the regular medicines again for most people
/// with a regimen, and labs as their conditions call for.
pub(crate) fn follow_up(draw: &mut Draw, person: &Person, day: CivilDate) -> Visit {
    let regimen = regimen_items(draw, person);
    let mut visit = Visit::plain(day, main_department(person, day));
    if regimen.is_empty() {
        visit.labs = draw.chance(0.4);
    } else {
        let days = if person.has(ConditionKind::EndStageRenalDisease) {
            14
        } else {
            28
        };
        if draw.chance(0.8) {
            visit.prescription = Some(RxPlan {
                items: regimen,
                days,
                edit: Edit::None,
            });
        }
        visit.labs = monitored(person) || draw.chance(0.5);
    }
    visit.lab_order = visit.labs && draw.chance(0.25);
    visit
}

/// What a next day does to one existing patient, before knowing which records they have: the
/// caller drops what has nothing to apply to and falls back to a visit, so every chosen patient
/// changes.
pub(crate) struct DayChanges {
    pub(crate) visit: bool,
    /// Rewrite a prescription or lab result; `Some(true)`: twice, so the day's second version wins.
    pub(crate) update: Option<bool>,
    pub(crate) delete: bool,
    /// Which of the newest few candidate records the update and the deletion pick.
    pub(crate) update_pick: u64,
    pub(crate) delete_pick: u64,
}

pub(crate) fn day_changes(draw: &mut Draw) -> DayChanges {
    DayChanges {
        visit: draw.chance(0.6),
        update: draw.chance(0.35).then(|| draw.chance(0.3)),
        delete: draw.chance(0.15),
        update_pick: draw.next_u64(),
        delete_pick: draw.next_u64(),
    }
}

fn random_stay(
    draw: &mut Draw,
    person: &Person,
    as_of: CivilDate,
    registered: CivilDate,
) -> Option<Stay> {
    let admitted = as_of.add_days(-draw.range(2, 170)).max(registered);
    if admitted >= as_of {
        return None;
    }
    let length = draw.range(4, 24);
    let end = admitted.add_days(length);
    let discharged = (end < as_of).then_some(end);
    let elderly = person.age_on(as_of) >= 65;
    let (reason, department, drips) = if person.has(ConditionKind::HeartFailure) && draw.chance(0.5)
    {
        (
            &problems::HEART_FAILURE_EXACERBATION,
            &clinical::CARDIOLOGY,
            Drips::Fluids,
        )
    } else {
        match draw.below(100) {
            0..=44 => (&problems::PNEUMONIA, &clinical::INTERNAL, Drips::Antibiotic),
            45..=69 => (&problems::DEHYDRATION, &clinical::INTERNAL, Drips::Fluids),
            70..=89 if elderly => (
                &problems::HIP_FRACTURE,
                &clinical::ORTHOPEDICS,
                Drips::Fluids,
            ),
            _ => (&problems::PNEUMONIA, &clinical::INTERNAL, Drips::Antibiotic),
        }
    };
    let diet = if person.has(ConditionKind::Diabetes) {
        &clinical::DIETS[2]
    } else if person.has(ConditionKind::EndStageRenalDisease)
        || person.has(ConditionKind::ChronicKidneyDisease)
    {
        &clinical::DIETS[3]
    } else if person.has(ConditionKind::Hypertension) || person.has(ConditionKind::HeartFailure) {
        &clinical::DIETS[4]
    } else {
        &clinical::DIETS[draw.below(2) as usize]
    };
    let last_day = discharged.unwrap_or(as_of.add_days(-1));
    let transfer = (length >= 7 && draw.chance(0.3))
        .then(|| admitted.add_days(draw.range(2, length - 3)))
        .filter(|d| *d <= last_day);
    let cancelled_discharge = discharged
        .filter(|_| length >= 6 && draw.chance(0.1))
        .map(|d| d.add_days(-draw.range(1, 2)))
        .filter(|d| *d > admitted && transfer.is_none_or(|t| *d > t));
    let diet_change = draw
        .chance(0.3)
        .then(|| admitted.add_days(3))
        .filter(|d| *d <= last_day)
        .map(|d| (d, &clinical::DIETS[0]));
    let follow_up_labs = Some(admitted.add_days(3)).filter(|d| *d <= last_day && draw.chance(0.5));
    Some(Stay {
        admitted,
        discharged,
        reason,
        department,
        transfer,
        cancelled_discharge,
        diet,
        diet_change,
        drips,
        vitals_days: if draw.chance(0.4) {
            draw.range(1, 3) as u32
        } else {
            0
        },
        summary: discharged.is_some() && draw.chance(0.6),
        photo: *reason == problems::HIP_FRACTURE && draw.chance(0.5),
        ecg: draw.chance(0.5),
        follow_up_labs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn weekend_visits_move_to_friday() {
        let sunday = CivilDate::new(2026, 11, 1).unwrap();
        assert_eq!(
            weekday_on_or_before(sunday),
            CivilDate::new(2026, 10, 30).unwrap()
        );
        let monday = CivilDate::new(2026, 11, 2).unwrap();
        assert_eq!(weekday_on_or_before(monday), monday);
    }

    #[test]
    fn plans_stay_in_the_past_and_keep_visits_out_of_the_stay() {
        let as_of = CivilDate::new(2026, 11, 1).unwrap();
        for i in 0..3000 {
            let mut pd = Draw::new(11, Stream::Person, 0, i);
            let person = crate::person::generate(&mut pd, as_of);
            let mut draw = Draw::new(11, Stream::Chart, 0, i);
            let plan = random(&mut draw, &person, as_of, i % 7 == 0);
            assert!(plan.registered < as_of && plan.registered >= person.birth);
            assert!(!plan.visits.is_empty() || plan.stay.is_some());
            let mut previous = None;
            for v in &plan.visits {
                assert!(v.date < as_of && v.date >= plan.registered);
                assert!(v.date.weekday() < 5 || v.date == plan.registered);
                assert!(previous < Some(v.date), "visit dates must be unique");
                previous = Some(v.date);
                if let Some(stay) = &plan.stay {
                    let end = stay.discharged.unwrap_or(as_of);
                    assert!(v.date < stay.admitted || v.date > end);
                }
            }
            if let Some(stay) = &plan.stay {
                assert!(stay.admitted < as_of);
                assert!(
                    stay.discharged
                        .is_none_or(|d| d > stay.admitted && d < as_of)
                );
                assert_ne!(plan.cancelled_admission, Some(stay.admitted));
                if let (Some(c), Some(d)) = (stay.cancelled_discharge, stay.discharged) {
                    assert!(c > stay.admitted && c < d);
                }
            }
        }
    }
}
