//! The patient's own records under the `-` care date: ADT-00 basic information (phone, next of
//! kin, insurance), updated when the plan says so, and ADT-61 allergies.

use crate::clinical;
use crate::messages::adt::{self, Demographics, Insurance, Kin};
use crate::names;
use crate::person::Sex;

use super::{Builder, NO_ORDER, StandardRecord};

impl Builder<'_> {
    pub(super) fn demographics(&mut self) {
        let plan = self.input.plan;
        let person = self.input.person;
        let registered = self.time_on(plan.registered, 8, 12);
        let kin = self.kin();
        let insurance = self.insurance();
        let encounter = Self::outpatient(crate::plan::main_department(person, self.input.as_of));
        let old_phone;
        let first_phone = if plan.demographics_update.is_some() {
            old_phone = crate::address::phone(self.draw, person.municipality);
            old_phone.as_str()
        } else {
            person.phone.as_str()
        };
        let stamp = self.stamp(registered);
        let message = adt::demographics(
            &self.subject(),
            &stamp,
            &Demographics {
                phone: first_phone,
                kin: kin.as_ref(),
                insurance: &insurance,
                allergies: &person.allergies,
                encounter: &encounter,
            },
        );
        let mut record = StandardRecord::new("ADT-00", None, NO_ORDER, None, stamp.time, message);
        if let Some(date) = plan.demographics_update {
            let at = self.time_on(date, 9, 17);
            let stamp = self.stamp(at);
            let message = adt::demographics(
                &self.subject(),
                &stamp,
                &Demographics {
                    phone: &person.phone,
                    kin: kin.as_ref(),
                    insurance: &insurance,
                    allergies: &person.allergies,
                    encounter: &encounter,
                },
            );
            record.update(stamp.time, message);
        }
        self.push(record);
    }

    fn kin(&mut self) -> Option<Kin> {
        let person = self.input.person;
        let age = person.age_on(self.input.as_of);
        if !self.draw.chance(0.6) {
            return None;
        }
        let (relationship, sex, birth) = if age < 20 {
            (
                &REL_PARENT,
                if self.draw.chance(0.6) {
                    Sex::Female
                } else {
                    Sex::Male
                },
                person.birth.years_before(30),
            )
        } else if age >= 75 && self.draw.chance(0.5) {
            (
                &REL_CHILD,
                if self.draw.chance(0.5) {
                    Sex::Female
                } else {
                    Sex::Male
                },
                person.birth.years_before(-30),
            )
        } else {
            let sex = if person.sex == Sex::Male {
                Sex::Female
            } else {
                Sex::Male
            };
            (
                &REL_SPOUSE,
                sex,
                person.birth.years_before(self.draw.range(-3, 3) as i32),
            )
        };
        let given = names::given_name(self.draw, sex, birth);
        Some(Kin {
            given: given.kanji,
            given_kana: given.kana,
            relationship,
            phone: crate::address::phone(self.draw, person.municipality),
        })
    }

    fn insurance(&mut self) -> Insurance {
        let age = self.input.person.age_on(self.input.as_of);
        let kind = if age >= 75 {
            &INSURANCE_LATE_ELDERLY
        } else if age >= 65 || self.draw.chance(0.3) {
            &INSURANCE_NATIONAL
        } else if self.draw.chance(0.5) {
            &INSURANCE_KYOKAI
        } else {
            &INSURANCE_SOCIETY
        };
        let insurer = match kind.code {
            "39" => format!("3904{:04}", self.draw.range(1, 9999)),
            "01" => "01040016".to_owned(),
            "06" => format!("0604{:04}", self.draw.range(1, 9999)),
            _ => format!("04{:04}", self.draw.range(1, 9999)),
        };
        Insurance {
            kind,
            insurer,
            since: self.input.plan.registered.max(self.input.person.birth),
        }
    }

    pub(super) fn allergies(&mut self) {
        let plan = self.input.plan;
        let person = self.input.person;
        if !plan.allergy_record || person.allergies.is_empty() {
            return;
        }
        let at = self.time_on(plan.registered, 9, 17);
        let stamp = self.stamp(at);
        let message = adt::allergies(&self.subject(), &stamp, &person.allergies);
        self.push(StandardRecord::new(
            "ADT-61", None, NO_ORDER, None, stamp.time, message,
        ));
    }
}

/// HL7 table 0063 relationships (NK1-3).
const REL_SPOUSE: clinical::Coded = clinical::Coded {
    code: "SPO",
    text: "配偶者",
    system: "HL70063",
};
const REL_CHILD: clinical::Coded = clinical::Coded {
    code: "CHD",
    text: "子",
    system: "HL70063",
};
const REL_PARENT: clinical::Coded = clinical::Coded {
    code: "PAR",
    text: "親",
    system: "HL70063",
};

/// Insurance types (JHSD0001 shape; codes synthetic).
const INSURANCE_LATE_ELDERLY: clinical::Coded = clinical::Coded {
    code: "39",
    text: "後期高齢者医療",
    system: "JHSD0001",
};
const INSURANCE_NATIONAL: clinical::Coded = clinical::Coded {
    code: "67",
    text: "国民健康保険",
    system: "JHSD0001",
};
const INSURANCE_KYOKAI: clinical::Coded = clinical::Coded {
    code: "01",
    text: "全国健康保険協会管掌健康保険",
    system: "JHSD0001",
};
const INSURANCE_SOCIETY: clinical::Coded = clinical::Coded {
    code: "06",
    text: "組合管掌健康保険",
    system: "JHSD0001",
};
