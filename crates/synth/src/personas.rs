//! Drill personas: fixed people at the start of the first facility, the same whatever the seed,
//! used by end-to-end tests and field drills. See the crate documentation for the list.
//!
//! Their charts are drawn from a stream keyed by [`PERSONA_SEED`] instead of the region seed, so
//! their files are byte-identical across seeds for a given `as_of`. Dates are relative to
//! `as_of`, so a drill run "today" shows a current prescription.

use crate::address::{Address, municipality_named};
use crate::calendar::CivilDate;
use crate::clinical::{self, ConditionKind, Drug, drugs, severity};
use crate::messages::orders::RxItem;
use crate::names::Name;
use crate::person::{Allergy, Infections, Person, Sex, Treatment};
use crate::plan::{Edit, Plan, RxPlan, Visit, weekday_on_or_before};

/// How many personas the first facility starts with (when the region has 10+ patients).
pub(crate) const PERSONA_COUNT: u64 = 5;

/// Key of the personas' chart stream ("FIELDCHA").
pub(crate) const PERSONA_SEED: u64 = 0x4649_454C_4443_4841;

/// Role names and one-line descriptions, in patient order; `region.json` lists them.
pub(crate) const ROLES: [(&str, &str); PERSONA_COUNT as usize] = [
    (
        "penicillin-allergy-warfarin",
        "山田 花子: severe penicillin allergy (AL1 DA SV), atrial fibrillation on warfarin with a PT-INR trend, current prescription; also registered at the second facility, which alone recorded a severe iodine contrast allergy",
    ),
    (
        "dialysis-insulin-hbs-untold",
        "佐藤 健一: end-stage renal disease on haemodialysis, insulin, HBs antigen positive marked 未告知",
    ),
    (
        "child-antiepileptic",
        "阿部 陽葵: Reiwa-born child with epilepsy on levetiracetam dry syrup, egg allergy",
    ),
    (
        "deleted-prescription",
        "千葉 和子: her only prescription was deleted (all OMP-01 files _0), so no prescription is current",
    ),
    (
        "updated-prescription",
        "鈴木 茂: his last prescription was corrected from amlodipine 2.5 mg to 5 mg (_2 then _1)",
    ),
];

struct Fixed {
    family: Name,
    given: Name,
    sex: Sex,
    birth: CivilDate,
    municipality: &'static str,
    postcode: &'static str,
    street: &'static str,
    phone: &'static str,
    blood_type: &'static str,
    height_cm: f64,
    weight_kg: f64,
}

const FIXED: [Fixed; PERSONA_COUNT as usize] = [
    Fixed {
        family: Name {
            kanji: "山田",
            kana: "ヤマダ",
        },
        given: Name {
            kanji: "花子",
            kana: "ハナコ",
        },
        sex: Sex::Female,
        birth: CivilDate::known(1970, 3, 12),
        municipality: "石巻市",
        postcode: "986-0822",
        street: "中央２丁目３−１０",
        phone: "0225-93-4512",
        blood_type: "A",
        height_cm: 157.2,
        weight_kg: 54.8,
    },
    Fixed {
        family: Name {
            kanji: "佐藤",
            kana: "サトウ",
        },
        given: Name {
            kanji: "健一",
            kana: "ケンイチ",
        },
        sex: Sex::Male,
        birth: CivilDate::known(1952, 7, 21),
        municipality: "気仙沼市",
        postcode: "988-0017",
        street: "南町１丁目４−７",
        phone: "0226-22-8841",
        blood_type: "B",
        height_cm: 165.0,
        weight_kg: 61.2,
    },
    Fixed {
        family: Name {
            kanji: "阿部",
            kana: "アベ",
        },
        given: Name {
            kanji: "陽葵",
            kana: "ヒマリ",
        },
        sex: Sex::Female,
        birth: CivilDate::known(2020, 8, 17),
        municipality: "東松島市",
        postcode: "981-0503",
        street: "矢本１２３番地",
        phone: "0225-82-3307",
        blood_type: "O",
        height_cm: 108.5,
        weight_kg: 17.9,
    },
    Fixed {
        family: Name {
            kanji: "千葉",
            kana: "チバ",
        },
        given: Name {
            kanji: "和子",
            kana: "カズコ",
        },
        sex: Sex::Female,
        birth: CivilDate::known(1941, 11, 3),
        municipality: "本吉郡南三陸町",
        postcode: "986-0725",
        street: "志津川２０５番地",
        phone: "0226-46-2218",
        blood_type: "A",
        height_cm: 147.3,
        weight_kg: 46.0,
    },
    Fixed {
        family: Name {
            kanji: "鈴木",
            kana: "スズキ",
        },
        given: Name {
            kanji: "茂",
            kana: "シゲル",
        },
        sex: Sex::Male,
        birth: CivilDate::known(1938, 2, 25),
        municipality: "牡鹿郡女川町",
        postcode: "986-2261",
        street: "女川浜１８番地",
        phone: "0225-53-4470",
        blood_type: "AB",
        height_cm: 160.1,
        weight_kg: 58.3,
    },
];

/// The earliest `as_of` for which every persona's story fits (the child is born in 2020).
pub(crate) const EARLIEST_AS_OF: CivilDate = CivilDate::known(2021, 1, 1);

fn treatment(
    kind: ConditionKind,
    drugs: &[&'static Drug],
    onset: CivilDate,
    birth: CivilDate,
    as_of: CivilDate,
) -> Treatment {
    Treatment {
        condition: clinical::condition(kind),
        regimen: drugs.to_vec(),
        onset: onset.min(as_of.add_days(-60)).max(birth.add_days(30)),
    }
}

/// Persona `index` as a person, or `None` past the last persona.
pub(crate) fn person(index: u64, as_of: CivilDate) -> Option<Person> {
    let f = FIXED.get(index as usize)?;
    let municipality =
        municipality_named(f.municipality).unwrap_or(&crate::address::MUNICIPALITIES[0]);
    let date = |y, m, d| CivilDate::known(y, m, d);
    let b = f.birth;
    let (treatments, allergies, infections) = match index {
        0 => (
            vec![
                treatment(
                    ConditionKind::AtrialFibrillation,
                    &[&drugs::WARFARIN_1],
                    date(2019, 6, 20),
                    b,
                    as_of,
                ),
                treatment(
                    ConditionKind::Hypertension,
                    &[&drugs::AMLODIPINE_5],
                    date(2016, 4, 11),
                    b,
                    as_of,
                ),
            ],
            vec![Allergy {
                allergen: &clinical::PENICILLIN,
                severity: &severity::SEVERE,
                reaction: "アナフィラキシー",
                onset: "199504".to_owned(),
            }],
            Infections::default(),
        ),
        1 => (
            vec![
                treatment(
                    ConditionKind::EndStageRenalDisease,
                    &[&drugs::LANTHANUM_250],
                    date(2017, 9, 1),
                    b,
                    as_of,
                ),
                treatment(
                    ConditionKind::Diabetes,
                    &[&drugs::GLARGINE],
                    date(2005, 5, 10),
                    b,
                    as_of,
                ),
                treatment(
                    ConditionKind::Hypertension,
                    &[&drugs::AMLODIPINE_5],
                    date(2003, 2, 1),
                    b,
                    as_of,
                ),
            ],
            Vec::new(),
            Infections {
                hbs_antigen: true,
                ..Infections::default()
            },
        ),
        2 => (
            vec![treatment(
                ConditionKind::Epilepsy,
                &[&drugs::LEVETIRACETAM_SYRUP],
                date(2023, 2, 14),
                b,
                as_of,
            )],
            vec![Allergy {
                allergen: &clinical::ALLERGENS[6],
                severity: &severity::MODERATE,
                reaction: "湿疹",
                onset: "202109".to_owned(),
            }],
            Infections::default(),
        ),
        3 => (
            vec![treatment(
                ConditionKind::Dyslipidemia,
                &[&drugs::ROSUVASTATIN_2_5],
                date(2012, 10, 1),
                b,
                as_of,
            )],
            Vec::new(),
            Infections::default(),
        ),
        _ => (
            vec![treatment(
                ConditionKind::Hypertension,
                &[&drugs::AMLODIPINE_5],
                date(2008, 6, 1),
                b,
                as_of,
            )],
            Vec::new(),
            Infections::default(),
        ),
    };
    Some(Person {
        family: f.family,
        given: f.given,
        written: None,
        sex: f.sex,
        birth: f.birth,
        municipality,
        address: Address {
            postcode: f.postcode.to_owned(),
            municipality: municipality.name,
            street: f.street.to_owned(),
        },
        phone: f.phone.to_owned(),
        blood_type: f.blood_type,
        height_cm: f.height_cm,
        weight_kg: f.weight_kg,
        treatments,
        allergies,
        infections,
    })
}

/// Persona `index` as her second facility knows her: 山田 花子 (persona 0) had a contrast CT
/// there and reacted to the iodine contrast medium with a fall in blood pressure. Her main
/// hospital never heard of it, so only the linked record shows it: the case the hub's
/// cross-references exist for (issue 15).
pub(crate) fn at_second_facility(index: u64, person: &mut Person) {
    if index == 0 {
        person.allergies.push(Allergy {
            allergen: &clinical::ALLERGENS[2],
            severity: &severity::SEVERE,
            reaction: "血圧低下",
            onset: "202403".to_owned(),
        });
    }
}

fn items(list: &[(&'static Drug, f64)]) -> Vec<RxItem> {
    list.iter()
        .map(|(drug, dose)| RxItem { drug, dose: *dose })
        .collect()
}

/// Visit dates every `interval` days, the last `last_ago` days before `as_of`, oldest first.
fn schedule(as_of: CivilDate, last_ago: i64, interval: i64, count: i64) -> Vec<CivilDate> {
    (0..count)
        .rev()
        .map(|k| weekday_on_or_before(as_of.add_days(-last_ago - k * interval)))
        .collect()
}

/// The hand-written plan of persona `index`.
pub(crate) fn plan(index: u64, person: &Person, as_of: CivilDate) -> Plan {
    let registered = as_of.add_days(-1500).max(person.birth.add_days(60));
    let department = crate::plan::main_department(person, as_of);
    let mut plan = Plan {
        registered,
        demographics_update: None,
        allergy_record: !person.allergies.is_empty(),
        visits: Vec::new(),
        stay: None,
        cancelled_admission: None,
        untold: false,
        referral: None,
        scanned_referral: None,
        jspeed: None,
    };
    let rx = |list: &[(&'static Drug, f64)], days, edit| {
        Some(RxPlan {
            items: items(list),
            days,
            edit,
        })
    };
    match index {
        0 => {
            let regimen = [(&drugs::WARFARIN_1, 3.0), (&drugs::AMLODIPINE_5, 1.0)];
            for (i, date) in schedule(as_of, 10, 28, 6).into_iter().enumerate() {
                let mut v = Visit::plain(date, department);
                v.prescription = rx(&regimen, 28, Edit::None);
                v.labs = true;
                v.ecg = i == 0;
                plan.visits.push(v);
            }
            plan.referral = plan.visits.last().map(|v| (v.date, Edit::None));
        }
        1 => {
            let regimen = [
                (&drugs::LANTHANUM_250, 1.0),
                (&drugs::GLARGINE, 10.0),
                (&drugs::AMLODIPINE_5, 1.0),
            ];
            for (i, date) in schedule(as_of, 3, 14, 6).into_iter().enumerate() {
                let mut v = Visit::plain(date, department);
                v.prescription = rx(&regimen, 14, Edit::None);
                v.labs = true;
                v.infection_screen = i == 0;
                plan.visits.push(v);
            }
            plan.untold = true;
            plan.jspeed = Some(as_of.add_days(-1));
        }
        2 => {
            let regimen = [(&drugs::LEVETIRACETAM_SYRUP, 0.6)];
            for date in schedule(as_of, 14, 28, 4) {
                let mut v = Visit::plain(date, department);
                v.prescription = rx(&regimen, 28, Edit::None);
                plan.visits.push(v);
            }
        }
        3 => {
            let mut first = Visit::plain(weekday_on_or_before(as_of.add_days(-40)), department);
            first.labs = true;
            plan.visits.push(first);
            let mut last = Visit::plain(weekday_on_or_before(as_of.add_days(-12)), department);
            last.prescription = rx(&[(&drugs::ROSUVASTATIN_2_5, 1.0)], 28, Edit::Delete);
            plan.visits.push(last);
        }
        _ => {
            let before = [(&drugs::AMLODIPINE_2_5, 1.0)];
            let dates = schedule(as_of, 7, 28, 3);
            let last = dates.len() - 1;
            for (i, date) in dates.into_iter().enumerate() {
                let mut v = Visit::plain(date, department);
                v.prescription = if i == last {
                    rx(
                        &[(&drugs::AMLODIPINE_5, 1.0)],
                        28,
                        Edit::Update(Some(items(&before))),
                    )
                } else {
                    rx(&before, 28, Edit::None)
                };
                v.labs = i == 0;
                plan.visits.push(v);
            }
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persona_texts_are_jis_x_0208() {
        let as_of = CivilDate::new(2026, 11, 1).unwrap();
        for i in 0..PERSONA_COUNT {
            let p = person(i, as_of).unwrap();
            for s in [
                p.family.kanji,
                p.family.kana,
                p.given.kanji,
                p.given.kana,
                &p.address.full(),
            ] {
                crate::hl7_writer::check_jis_x_0208(s, "persona").unwrap();
            }
        }
        assert!(person(PERSONA_COUNT, as_of).is_none());
    }

    #[test]
    fn known_dates_are_valid() {
        for f in &FIXED {
            let b = f.birth;
            assert!(CivilDate::new(b.year(), b.month(), b.day()).is_ok());
        }
        let e = EARLIEST_AS_OF;
        assert!(CivilDate::new(e.year(), e.month(), e.day()).is_ok());
    }

    #[test]
    fn the_child_is_born_in_reiwa() {
        let child = person(2, CivilDate::new(2026, 11, 1).unwrap()).unwrap();
        assert!(child.birth >= crate::calendar::REIWA_START);
        assert!(child.birth.wareki().starts_with('R'));
    }

    #[test]
    fn yamada_hanako_keeps_a_current_warfarin_prescription_on_any_as_of() {
        for as_of in ["2021-01-01", "2026-11-01", "2031-06-15"] {
            let as_of: CivilDate = as_of.parse().unwrap();
            let p = person(0, as_of).unwrap();
            let plan = plan(0, &p, as_of);
            let last = plan.visits.last().unwrap();
            let rx = last.prescription.as_ref().unwrap();
            assert!(last.date.add_days(i64::from(rx.days)) > as_of);
            assert!(rx.items.iter().any(|i| i.drug.name == "ワーファリン錠1mg"));
        }
    }
}
