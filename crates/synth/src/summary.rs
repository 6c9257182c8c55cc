//! `region.json`: what a generated region holds, exactly, so reader tests can compare.
//!
//! Counting rules (all counts are exact, not estimates):
//! - A **logical record** is one key: (patient ID, care date, data type, order number) in
//!   standardized storage, (patient ID, care date, data type, 特定キー) for an extended-storage
//!   content folder (guide §2, §6).
//! - `on_disk` counts standardized-storage *files*, or extended-storage *content folders*, by the
//!   condition flag in their names.
//! - `records` counts logical records by how they resolve: `current` (newest `_1` is a positive
//!   event), `deleted` (all `_0`), `cancelled` (newest `_1` is an ADT cancel: A11 or A13).
//! - `outcomes` counts the same files/folders by where condition-flag resolution puts them:
//!   `current` (the `_1` of a current record), `superseded` (its `_2` files), `deleted` (every
//!   file of a deleted record, the deletion message included) and `cancelled` (every file of a
//!   cancelled record: the cancelled event and the cancel). The four add up to `on_disk`'s total.
//!
//! The generator never writes two `_1` files for one key and never gives one patient two
//! ADT-00 or PPR-01 keys, so no tie-breaking rule is needed to reproduce these numbers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::calendar::CivilDate;
use crate::chart::{Flag, Outcome};
use crate::person::Sex;
use crate::traps::TrapKind;

/// Files (or content folders) by the condition flag in their names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagCounts {
    pub flag_0: u64,
    pub flag_1: u64,
    pub flag_2: u64,
}

/// Logical records by how they resolve.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCounts {
    pub current: u64,
    pub deleted: u64,
    pub cancelled: u64,
}

/// Files (or content folders) by the bucket condition-flag resolution puts them in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    pub current: u64,
    pub superseded: u64,
    pub deleted: u64,
    pub cancelled: u64,
}

/// All counts of one data type at one facility.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeCounts {
    pub on_disk: FlagCounts,
    pub records: RecordCounts,
    pub outcomes: OutcomeCounts,
}

impl TypeCounts {
    /// Counts one logical record with the flags of its versions.
    pub(crate) fn add_record(&mut self, outcome: Outcome, flags: impl IntoIterator<Item = Flag>) {
        match outcome {
            Outcome::Current => self.records.current += 1,
            Outcome::Deleted => self.records.deleted += 1,
            Outcome::Cancelled => self.records.cancelled += 1,
        }
        for flag in flags {
            match flag {
                Flag::Deleted => self.on_disk.flag_0 += 1,
                Flag::Current => self.on_disk.flag_1 += 1,
                Flag::Superseded => self.on_disk.flag_2 += 1,
            }
            match (outcome, flag) {
                (Outcome::Current, Flag::Current) => self.outcomes.current += 1,
                (Outcome::Current, _) => self.outcomes.superseded += 1,
                (Outcome::Deleted, _) => self.outcomes.deleted += 1,
                (Outcome::Cancelled, _) => self.outcomes.cancelled += 1,
            }
        }
    }

    /// Takes away counts added before (a patient's records before a next day changed them);
    /// `None` when `other` holds more than `self`, i.e. the summary does not describe the files.
    pub(crate) fn without(&self, other: &TypeCounts) -> Option<TypeCounts> {
        Some(TypeCounts {
            on_disk: FlagCounts {
                flag_0: self.on_disk.flag_0.checked_sub(other.on_disk.flag_0)?,
                flag_1: self.on_disk.flag_1.checked_sub(other.on_disk.flag_1)?,
                flag_2: self.on_disk.flag_2.checked_sub(other.on_disk.flag_2)?,
            },
            records: RecordCounts {
                current: self.records.current.checked_sub(other.records.current)?,
                deleted: self.records.deleted.checked_sub(other.records.deleted)?,
                cancelled: self
                    .records
                    .cancelled
                    .checked_sub(other.records.cancelled)?,
            },
            outcomes: OutcomeCounts {
                current: self.outcomes.current.checked_sub(other.outcomes.current)?,
                superseded: self
                    .outcomes
                    .superseded
                    .checked_sub(other.outcomes.superseded)?,
                deleted: self.outcomes.deleted.checked_sub(other.outcomes.deleted)?,
                cancelled: self
                    .outcomes
                    .cancelled
                    .checked_sub(other.outcomes.cancelled)?,
            },
        })
    }

    pub(crate) fn merge(&mut self, other: &TypeCounts) {
        self.on_disk.flag_0 += other.on_disk.flag_0;
        self.on_disk.flag_1 += other.on_disk.flag_1;
        self.on_disk.flag_2 += other.on_disk.flag_2;
        self.records.current += other.records.current;
        self.records.deleted += other.records.deleted;
        self.records.cancelled += other.records.cancelled;
        self.outcomes.current += other.outcomes.current;
        self.outcomes.superseded += other.outcomes.superseded;
        self.outcomes.deleted += other.outcomes.deleted;
        self.outcomes.cancelled += other.outcomes.cancelled;
    }
}

/// One facility of the region.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilitySummary {
    /// 10-digit medical institution code; also the facility's folder name under the output.
    pub id: String,
    pub name: String,
    /// Patient IDs registered here.
    pub patients: u64,
    /// Of those, people also registered at the previous facility (rows of `pix-xref.tsv`).
    pub visitors: u64,
    /// Regular files under `<id>/standard` and `<id>/extended`.
    pub files: u64,
    pub bytes: u64,
    /// Per standardized-storage data type (`ADT-00`, `OMP-01`, …).
    pub standard: BTreeMap<String, TypeCounts>,
    /// Per extended-storage data-type folder name.
    pub extended: BTreeMap<String, TypeCounts>,
}

/// A person registered under some patient ID at some facility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub facility: String,
    pub patient_id: String,
}

/// A drill persona (see the crate documentation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonaSummary {
    pub role: String,
    pub description: String,
    pub facility: String,
    pub patient_id: String,
    /// `山田 花子` (family, space, given).
    pub kanji_name: String,
    /// `ヤマダ ハナコ`.
    pub kana_name: String,
    pub birth_date: CivilDate,
    pub sex: Sex,
    /// Other registrations of the same person.
    pub also_at: Vec<Registration>,
}

/// The contents of `region.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSummary {
    /// Always `fieldchart-synth`; marks a directory as a region this generator may overwrite.
    pub generator: String,
    pub version: String,
    /// False while generation runs; a region interrupted midway says so.
    pub complete: bool,
    pub seed: u64,
    pub as_of: CivilDate,
    /// Patient IDs in the region (a person at two facilities counts twice).
    pub patients: u64,
    pub files: u64,
    pub bytes: u64,
    /// Data rows of `pix-xref.tsv`.
    pub cross_references: u64,
    pub facilities: Vec<FacilitySummary>,
    pub personas: Vec<PersonaSummary>,
    /// Absent in a region as [`crate::generate`] wrote it; set by the first next day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<Generated>,
    /// What the last next day changed; absent in a region as [`crate::generate`] wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_day: Option<NextDaySummary>,
    /// The matching traps (`RegionSpec::match_traps`); absent in a region without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_traps: Option<MatchTrapSummary>,
}

/// The matching traps of a region: cases by kind, each two registrations that `patients` and
/// the facilities' counts include, and the truth file that lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchTrapSummary {
    pub cases: u64,
    /// The file beside `region.json` that says what each pair is (`match-truth.tsv`).
    pub truth: String,
    pub kinds: BTreeMap<TrapKind, u64>,
}

/// The region as [`crate::generate`] wrote it (with the region's `seed` and facilities): a next
/// day rebuilds each patient's first chart from it, so it never changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub patients: u64,
    pub as_of: CivilDate,
}

/// What one [`crate::next_day`] step changed: the region's `as_of` moved from `from_as_of` one
/// day on, and these patients are the only ones whose folders differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextDaySummary {
    pub from_as_of: CivilDate,
    /// The change seed (`--seed` of the step), not the region's seed.
    pub seed: u64,
    /// Existing patients with new or rewritten records, in facility order then ID order.
    pub changed: Vec<PatientChange>,
    /// New patient folders (new IDs).
    pub new: Vec<Registration>,
    /// The patient folder removed entirely.
    pub removed: Vec<Registration>,
}

/// An existing patient a next day changed, and how.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientChange {
    pub facility: String,
    pub patient_id: String,
    /// Each kind once, in the order of [`Change`].
    pub what: Vec<Change>,
}

/// A kind of change to an existing patient's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// An outpatient visit on the new day (ADT-12).
    Visit,
    /// A laboratory result on the new day (OML-11, sometimes with its order OML-01).
    Lab,
    /// A prescription on the new day (OMP-01).
    Prescription,
    /// An existing prescription or lab result written again (guide §2: `_1` becomes `_2`, the
    /// new version is `_1`), sometimes twice in the day, so the newest version wins.
    Update,
    /// An existing prescription deleted (guide §2: every file `_0`, plus the deletion message `_0`).
    Delete,
}

impl RegionSummary {
    /// Per data type totals over all facilities (standardized storage).
    pub fn standard_totals(&self) -> BTreeMap<String, TypeCounts> {
        let mut out: BTreeMap<String, TypeCounts> = BTreeMap::new();
        for f in &self.facilities {
            add_counts(&mut out, &f.standard);
        }
        out
    }
}

/// Adds counts per data type (or per extended-storage folder) into `totals`.
pub(crate) fn add_counts<'a, K: AsRef<str> + 'a>(
    totals: &mut BTreeMap<String, TypeCounts>,
    counts: impl IntoIterator<Item = (&'a K, &'a TypeCounts)>,
) {
    for (key, counts) in counts {
        totals
            .entry(key.as_ref().to_owned())
            .or_default()
            .merge(counts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_add_up_to_files_on_disk() {
        let mut c = TypeCounts::default();
        c.add_record(Outcome::Current, [Flag::Superseded, Flag::Current]);
        c.add_record(Outcome::Deleted, [Flag::Deleted, Flag::Deleted]);
        c.add_record(Outcome::Cancelled, [Flag::Superseded, Flag::Current]);
        assert_eq!(
            c.on_disk,
            FlagCounts {
                flag_0: 2,
                flag_1: 2,
                flag_2: 2
            }
        );
        assert_eq!(
            c.records,
            RecordCounts {
                current: 1,
                deleted: 1,
                cancelled: 1
            }
        );
        assert_eq!(
            c.outcomes,
            OutcomeCounts {
                current: 1,
                superseded: 1,
                deleted: 2,
                cancelled: 2
            }
        );
    }
}
