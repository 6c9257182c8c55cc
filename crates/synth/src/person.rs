//! People: who a patient is, independent of any facility. A person seen at two facilities (a
//! "visitor", see `facility.rs`) is generated once from the same person stream, so both records
//! carry the same name, birth date, sex, address, chronic conditions, allergies and infections.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::address::{self, Address, Municipality};
use crate::calendar::CivilDate;
use crate::clinical::{
    self, Allergen, CONDITIONS, Coded, Condition, ConditionKind, Drug, severity,
};
use crate::names::{self, Name};
use crate::rng::Draw;

/// Administrative sex as written in PID-8.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "M")]
    Male,
    #[serde(rename = "F")]
    Female,
}

impl Sex {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
}

/// A chronic condition with the regimen this person takes for it.
#[derive(Clone)]
pub(crate) struct Treatment {
    pub(crate) condition: &'static Condition,
    pub(crate) regimen: Vec<&'static Drug>,
    /// When the condition was diagnosed (PRB-16 onset, PRB-7 diagnosis date).
    pub(crate) onset: CivilDate,
}

/// A recorded allergy (AL1 in ADT-00, IAM in ADT-61).
#[derive(Clone)]
pub(crate) struct Allergy {
    pub(crate) allergen: &'static Allergen,
    pub(crate) severity: &'static Coded,
    pub(crate) reaction: &'static str,
    /// IAM-11 onset: partial dates (`YYYYMM`) occur in real data (guide §3.1).
    pub(crate) onset: String,
}

/// Results of infection screening that are the same wherever the person is tested.
#[derive(Clone, Copy, Default)]
pub(crate) struct Infections {
    pub(crate) hbs_antigen: bool,
    pub(crate) hcv_antibody: bool,
    pub(crate) syphilis: bool,
    pub(crate) hiv: bool,
}

#[derive(Clone)]
pub(crate) struct Person {
    pub(crate) family: Name,
    pub(crate) given: Name,
    /// How this registration writes the name, when not as `family` and `given` in their own
    /// components: only a matching trap does (`traps.rs`).
    pub(crate) written: Option<WrittenName>,
    pub(crate) sex: Sex,
    pub(crate) birth: CivilDate,
    pub(crate) municipality: &'static Municipality,
    pub(crate) address: Address,
    pub(crate) phone: String,
    pub(crate) blood_type: &'static str,
    pub(crate) height_cm: f64,
    pub(crate) weight_kg: f64,
    pub(crate) treatments: Vec<Treatment>,
    pub(crate) allergies: Vec<Allergy>,
    pub(crate) infections: Infections,
}

/// A name as one registration wrote it: another kana spelling, a variant kanji, or the whole name
/// in the family component (PID-5 XPN.1) with no space or an ideographic one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WrittenName {
    /// Family and given name in kanji.
    pub(crate) kanji: (String, String),
    /// Family and given name in katakana.
    pub(crate) kana: (String, String),
    /// `Some(separator)`: written whole, family and given joined by it (`""` or `"\u{3000}"`).
    pub(crate) whole: Option<&'static str>,
}

/// A name's two components as a message writes them (the given one empty for a whole name).
pub(crate) type NameComponents<'a> = (Cow<'a, str>, Cow<'a, str>);

impl Person {
    /// The kanji and the kana name as this registration writes them: family and given components.
    pub(crate) fn written_name(&self) -> [NameComponents<'_>; 2] {
        let Some(w) = &self.written else {
            return [
                (self.family.kanji.into(), self.given.kanji.into()),
                (self.family.kana.into(), self.given.kana.into()),
            ];
        };
        fn part<'a>(
            (family, given): &'a (String, String),
            whole: Option<&str>,
        ) -> NameComponents<'a> {
            match whole {
                Some(separator) => (format!("{family}{separator}{given}").into(), "".into()),
                None => (family.as_str().into(), given.as_str().into()),
            }
        }
        [part(&w.kanji, w.whole), part(&w.kana, w.whole)]
    }

    pub(crate) fn age_on(&self, date: CivilDate) -> i32 {
        self.birth.age_on(date)
    }

    pub(crate) fn kanji_name(&self) -> String {
        format!("{} {}", self.family.kanji, self.given.kanji)
    }

    pub(crate) fn kana_name(&self) -> String {
        format!("{} {}", self.family.kana, self.given.kana)
    }

    pub(crate) fn has(&self, kind: ConditionKind) -> bool {
        self.treatments.iter().any(|t| t.condition.kind == kind)
    }

    pub(crate) fn takes(&self, drug: &Drug) -> bool {
        self.treatments
            .iter()
            .any(|t| t.regimen.iter().any(|d| d.hot9 == drug.hot9))
    }
}

/// Age bands (years, inclusive) and their weights: skewed to the elderly, as in shelters and in
/// the hospitals that serve the coast.
const AGE_BANDS: &[(i32, i32, u32)] = &[
    (0, 14, 70),
    (15, 39, 110),
    (40, 64, 220),
    (65, 74, 230),
    (75, 84, 230),
    (85, 99, 140),
];

const BLOOD_TYPES: &[(&str, u32)] = &[("A", 38), ("O", 30), ("B", 22), ("AB", 10)];

/// Generates a person from their own stream.
pub(crate) fn generate(draw: &mut Draw, as_of: CivilDate) -> Person {
    let sex = if draw.chance(0.52) {
        Sex::Female
    } else {
        Sex::Male
    };
    let band = draw.weighted(AGE_BANDS, |b| b.2);
    let age = draw.range(i64::from(band.0), i64::from(band.1)) as i32;
    // The youngest patients are a month old, so every birth precedes registration.
    let birth = as_of.years_before(age + 1).add_days(draw.range(1, 335));
    let family = names::family_name(draw);
    let given = names::given_name(draw, sex, birth);
    let municipality = address::random_municipality(draw);
    let address = address::address_in(draw, municipality);
    let phone = address::phone(draw, municipality);
    let (height_cm, weight_kg) = body(draw, sex, birth.age_on(as_of));
    let blood_type = draw.weighted(BLOOD_TYPES, |b| b.1).0;
    let treatments = chronic_conditions(draw, sex, birth, as_of);
    let allergies = random_allergies(draw, birth, as_of);
    let elderly = birth.age_on(as_of) >= 65;
    let infections = Infections {
        hbs_antigen: draw.chance(0.02),
        hcv_antibody: draw.chance(if elderly { 0.05 } else { 0.015 }),
        syphilis: draw.chance(0.01),
        hiv: draw.chance(0.003),
    };
    Person {
        family,
        given,
        written: None,
        sex,
        birth,
        municipality,
        address,
        phone,
        blood_type,
        height_cm,
        weight_kg,
        treatments,
        allergies,
        infections,
    }
}

/// A same-sex twin of `of`: the same family name, birth date, sex and home (address and phone),
/// another given name, and a body and history of their own.
pub(crate) fn twin(draw: &mut Draw, of: &Person, as_of: CivilDate) -> Person {
    let given = names::other_given_name(draw, of.sex, of.birth, of.given);
    let (height_cm, weight_kg) = body(draw, of.sex, of.birth.age_on(as_of));
    let elderly = of.birth.age_on(as_of) >= 65;
    Person {
        family: of.family,
        given,
        written: None,
        sex: of.sex,
        birth: of.birth,
        municipality: of.municipality,
        address: of.address.clone(),
        phone: of.phone.clone(),
        blood_type: draw.weighted(BLOOD_TYPES, |b| b.1).0,
        height_cm,
        weight_kg,
        treatments: chronic_conditions(draw, of.sex, of.birth, as_of),
        allergies: random_allergies(draw, of.birth, as_of),
        infections: Infections {
            hbs_antigen: draw.chance(0.02),
            hcv_antibody: draw.chance(if elderly { 0.05 } else { 0.015 }),
            syphilis: draw.chance(0.01),
            hiv: draw.chance(0.003),
        },
    }
}

/// Height and weight that fit sex and age (rounded to one decimal).
pub(crate) fn body(draw: &mut Draw, sex: Sex, age: i32) -> (f64, f64) {
    let height = if age < 15 {
        draw.normal(75.0 + 6.0 * f64::from(age), 4.0)
    } else {
        let base = if sex == Sex::Male { 169.0 } else { 156.0 };
        let shrink = if age >= 70 { 5.0 } else { 0.0 };
        draw.normal(base - shrink, 6.0)
    };
    let bmi = if age < 15 {
        draw.normal(16.0, 1.5)
    } else {
        draw.normal(22.5, 3.0)
    };
    let weight = bmi * (height / 100.0) * (height / 100.0);
    (round1(height), round1(weight))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn age_band_index(age: i32) -> usize {
    match age {
        ..15 => 0,
        15..65 => 1,
        _ => 2,
    }
}

fn chronic_conditions(
    draw: &mut Draw,
    sex: Sex,
    birth: CivilDate,
    as_of: CivilDate,
) -> Vec<Treatment> {
    let age = birth.age_on(as_of);
    let band = age_band_index(age);
    let mut out: Vec<Treatment> = Vec::new();
    for condition in CONDITIONS {
        if condition.sex.is_some_and(|s| s != sex) {
            continue;
        }
        let per_mille = condition.prevalence.get(band).copied().unwrap_or(0);
        // Hospital patients are sicker than the population the prevalences describe.
        if draw.chance(f64::from(per_mille) * 1.3 / 1000.0) {
            let ckd_and_esrd = condition.kind == ConditionKind::EndStageRenalDisease
                && out
                    .iter()
                    .any(|t| t.condition.kind == ConditionKind::ChronicKidneyDisease);
            if ckd_and_esrd {
                out.retain(|t| t.condition.kind != ConditionKind::ChronicKidneyDisease);
            }
            out.push(treatment(draw, condition, birth, as_of));
        }
    }
    out
}

/// A treatment with a random regimen and an onset between birth (or adulthood) and a month ago.
pub(crate) fn treatment(
    draw: &mut Draw,
    condition: &'static Condition,
    birth: CivilDate,
    as_of: CivilDate,
) -> Treatment {
    let child = birth.age_on(as_of) < 15;
    let regimen = match condition.kind {
        // Children take granules and syrups, not adult tablets.
        ConditionKind::Epilepsy if child => vec![&clinical::drugs::LEVETIRACETAM_SYRUP],
        ConditionKind::Asthma if child => vec![&clinical::drugs::MONTELUKAST_GRANULES],
        _ => draw.pick(condition.regimens).to_vec(),
    };
    let earliest = if birth.age_on(as_of) >= 30 {
        birth.add_days(25 * 365)
    } else {
        birth.add_days(180)
    };
    let latest = as_of.add_days(-60);
    let onset = if latest > earliest {
        earliest.add_days(draw.range(0, earliest.days_until(latest)))
    } else {
        earliest.min(as_of.add_days(-1))
    };
    Treatment {
        condition,
        regimen,
        onset,
    }
}

fn random_allergies(draw: &mut Draw, birth: CivilDate, as_of: CivilDate) -> Vec<Allergy> {
    let count = match draw.below(100) {
        0..=84 => 0,
        85..=96 => 1,
        _ => 2,
    };
    let mut out: Vec<Allergy> = Vec::new();
    for _ in 0..count {
        let allergen = draw.weighted(clinical::ALLERGENS, |a| a.weight);
        if out
            .iter()
            .any(|a| a.allergen.local_code == allergen.local_code)
        {
            continue;
        }
        out.push(allergy(draw, allergen, birth, as_of));
    }
    out
}

pub(crate) fn allergy(
    draw: &mut Draw,
    allergen: &'static Allergen,
    birth: CivilDate,
    as_of: CivilDate,
) -> Allergy {
    let severity = match draw.below(10) {
        0..=1 => &severity::SEVERE,
        2..=5 => &severity::MODERATE,
        _ => &severity::MILD,
    };
    let span = birth.days_until(as_of).max(1);
    let onset_date = birth.add_days(draw.range(span / 10, span - 1));
    let onset = if draw.chance(0.5) {
        onset_date.compact()
    } else {
        onset_date.compact().chars().take(6).collect()
    };
    Allergy {
        allergen,
        severity,
        reaction: draw.one_of(allergen.reactions),
        onset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn most_people_are_elderly_and_some_are_children() {
        let as_of = CivilDate::new(2026, 11, 1).unwrap();
        let mut elderly = 0;
        let mut children = 0;
        for i in 0..2000 {
            let mut draw = Draw::new(5, Stream::Person, 0, i);
            let p = generate(&mut draw, as_of);
            let age = p.age_on(as_of);
            assert!((0..=99).contains(&age), "age {age}");
            assert!(p.birth < as_of);
            if age >= 65 {
                elderly += 1;
            }
            if age < 15 {
                children += 1;
            }
        }
        assert!(elderly > 1000, "elderly {elderly}");
        assert!(children > 50, "children {children}");
    }

    #[test]
    fn conditions_respect_sex_restrictions() {
        let as_of = CivilDate::new(2026, 11, 1).unwrap();
        for i in 0..2000 {
            let mut draw = Draw::new(6, Stream::Person, 0, i);
            let p = generate(&mut draw, as_of);
            for t in &p.treatments {
                assert!(t.condition.sex.is_none_or(|s| s == p.sex));
                assert!(t.onset < as_of);
                assert!(t.onset >= p.birth);
            }
            assert!(
                !(p.has(ConditionKind::ChronicKidneyDisease)
                    && p.has(ConditionKind::EndStageRenalDisease))
            );
        }
    }
}
