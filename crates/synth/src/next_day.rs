//! The next day of a region already written: realistic change for incremental builds, tests and
//! benchmarks. One step moves `as_of` one day on and changes a share of the patients, adds a few
//! and removes one; every other file stays as it was, bytes and modification time.
//!
//! - **Changed** patients (a share of all, never a drill persona) get one or more of: a visit on
//!   the new day (ADT-12, with labs and a prescription as their conditions call for; a patient
//!   still on the ward gets the day's ward labs instead); an update of a recent outpatient
//!   prescription or lab result (guide §2: `_1` renamed `_2`, the new version `_1`; sometimes
//!   twice, so the day's second version wins); a deletion of a recent outpatient prescription
//!   (every file `_0`, plus the deletion message `_0`).
//! - **New** patients get new IDs: registered and seen on the new day; some are evacuees already
//!   registered at the previous facility, so they get a row in `pix-xref.tsv`.
//! - **One** patient's folders are removed entirely (never a persona, never someone another
//!   registration points to), with their `pix-xref.tsv` row if they have one.
//!
//! Each patient's first chart is rendered again from `region.json` (its seed and the region as
//! first generated, kept in `generated`), so the day continues the patient's own order numbers
//! and knows their cancels and a stay still going on, without reading a file's content. New
//! patients of day *d* at a facility first generated with *P* patients are numbered from
//! `P + (d − 1) × 1000`, so their IDs never meet another day's, and their charts are rendered
//! again the same way. The result depends on the region and the change seed only.

mod disk;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::calendar::CivilDate;
use crate::chart::{self, ChartInput, FollowUp, NO_ORDER, OnDiskKey, Outcome};
use crate::clinical;
use crate::error::SynthError;
use crate::facility::{Facility, Region};
use crate::layout;
use crate::messages::orders::Control;
use crate::person::{self, Person};
use crate::personas::PERSONA_COUNT;
use crate::plan;
use crate::region::{self, FirstChart, GENERATOR, REGION_FILE, XREF_FILE};
use crate::rng::{self, Draw, Stream};
use crate::summary::{
    Change, FacilitySummary, Generated, NextDaySummary, PatientChange, RegionSummary, Registration,
};
use disk::{Counts, Key, OnDiskRecord, PatientFiles};

/// The share of patients a next day changes unless told otherwise: 1%.
pub const DEFAULT_SHARE: f64 = 0.01;

/// Arrival slots per facility and day: new patients of one day are numbered within them.
const ARRIVALS_PER_DAY: u64 = 1000;

/// The `a` of the step's own stream (patients use their facility index, below 1000).
const STEP_STREAM: u64 = 1023;

/// What a next day changes.
#[derive(Clone, Debug, PartialEq)]
pub struct NextDaySpec {
    /// Fraction of the region's patients that get new or rewritten records, above 0 and at most
    /// 1: round(share × patients), at least 1 and at most every ordinary patient but one (the
    /// one removed).
    pub share: f64,
    /// Seeds the changes, not the region: the same region and seed give the same next day.
    pub seed: u64,
}

impl NextDaySpec {
    /// A spec with the [`DEFAULT_SHARE`].
    pub fn new(seed: u64) -> NextDaySpec {
        NextDaySpec {
            share: DEFAULT_SHARE,
            seed,
        }
    }

    fn validate(&self) -> Result<(), SynthError> {
        if !(self.share > 0.0 && self.share <= 1.0) {
            return Err(SynthError::InvalidSpec(format!(
                "share {} is not a fraction of the patients above 0 and at most 1 (0.01 is 1%)",
                self.share
            )));
        }
        Ok(())
    }
}

/// A patient slot: facility index and the patient's number there ([`Facility::patient_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    f: u32,
    n: u64,
}

/// `(facility ID, patient ID)`, as `pix-xref.tsv` names a registration.
type Reg = (String, String);

/// `pix-xref.tsv`: pairs of registrations of the same person, `a` first registered.
struct Xref {
    lines: Vec<(Reg, Reg)>,
    /// `b` → `a`.
    origin: BTreeMap<Reg, Reg>,
    /// Every `a`: someone else's registration points to them.
    pointed_to: BTreeSet<Reg>,
}

const XREF_HEADER: &str = "facility_a\tid_a\tfacility_b\tid_b";

impl Xref {
    fn read(path: &Path) -> Result<Xref, SynthError> {
        let text = fs::read_to_string(path).map_err(|e| SynthError::io("read", path, e))?;
        let mut lines = text.lines();
        if lines.next() != Some(XREF_HEADER) {
            return Err(disk::foreign(path, "its first line is not the header"));
        }
        let mut xref = Xref {
            lines: Vec::new(),
            origin: BTreeMap::new(),
            pointed_to: BTreeSet::new(),
        };
        for line in lines {
            let fields: Vec<&str> = line.split('\t').collect();
            let [fa, ida, fb, idb] = fields.as_slice() else {
                return Err(disk::foreign(path, "a line does not have 4 fields"));
            };
            let a = ((*fa).to_owned(), (*ida).to_owned());
            let b = ((*fb).to_owned(), (*idb).to_owned());
            xref.add(a, b);
        }
        Ok(xref)
    }

    fn add(&mut self, a: Reg, b: Reg) {
        self.origin.insert(b.clone(), a.clone());
        self.pointed_to.insert(a.clone());
        self.lines.push((a, b));
    }

    /// Removes the line of `b`, if it has one; true when it had.
    fn remove(&mut self, b: &Reg) -> bool {
        let Some(a) = self.origin.remove(b) else {
            return false;
        };
        self.lines.retain(|line| &line.1 != b);
        if !self.lines.iter().any(|line| line.0 == a) {
            self.pointed_to.remove(&a);
        }
        true
    }

    fn involves(&self, r: &Reg) -> bool {
        self.origin.contains_key(r) || self.pointed_to.contains(r)
    }

    fn text(&self) -> String {
        let mut out = format!("{XREF_HEADER}\n");
        for ((fa, ida), (fb, idb)) in &self.lines {
            out.push_str(&format!("{fa}\t{ida}\t{fb}\t{idb}\n"));
        }
        out
    }
}

/// The region as first generated, and how to render any of its patients' first charts again.
struct Model {
    dir: PathBuf,
    region: Region,
    generated: Generated,
    xref: Xref,
}

impl Model {
    fn facility(&self, f: u32) -> &Facility {
        &self.region.facilities[f as usize]
    }

    fn reg(&self, slot: Slot) -> Reg {
        let facility = self.facility(slot.f);
        (facility.id.clone(), facility.patient_id(slot.n))
    }

    fn roots(&self, f: u32) -> (PathBuf, PathBuf) {
        let facility = self.dir.join(&self.facility(f).id);
        (facility.join("standard"), facility.join("extended"))
    }

    /// The day a next day registered patient `n` of facility `f`; `None` for a first patient.
    fn arrival_day(&self, slot: Slot) -> Option<CivilDate> {
        let later = slot.n.checked_sub(self.facility(slot.f).patients)?;
        Some(
            self.generated
                .as_of
                .add_days((later / ARRIVALS_PER_DAY + 1) as i64),
        )
    }

    /// A drill persona's registration: never changed or removed, so the drill stays as documented.
    fn is_persona(&self, slot: Slot) -> bool {
        self.region.personas
            && ((slot.f == 0 && slot.n < PERSONA_COUNT)
                || (slot.f == 1 && slot.n == 0 && self.region.visitor_origin(1, 0) == Some(0)))
    }

    /// The draw of one patient's (or, with `a` = [`STEP_STREAM`], the step's) changes of a day.
    fn draw(&self, change_seed: u64, day_index: u64, a: u64, b: u64) -> Draw {
        Draw::new(
            self.region.seed ^ rng::mix(change_seed),
            Stream::NextDay,
            day_index * 1024 + a,
            b,
        )
    }

    /// Who the patient in `slot` is; `depth` guards against a cross-reference that loops.
    fn person(&self, slot: Slot, depth: u32) -> Result<Person, SynthError> {
        let Some(day) = self.arrival_day(slot) else {
            return Ok(match self.region.visitor_origin(slot.f, slot.n) {
                Some(k) => region::person_at(&self.region, self.generated.as_of, slot.f - 1, k),
                None => region::person_at(&self.region, self.generated.as_of, slot.f, slot.n),
            });
        };
        match self.xref.origin.get(&self.reg(slot)) {
            Some(a) if depth == 0 => {
                let origin = self.slot_of(a).ok_or_else(|| {
                    disk::foreign(
                        &self.dir.join(XREF_FILE),
                        "a line names a registration this generator did not number",
                    )
                })?;
                self.person(origin, depth + 1)
            }
            Some(_) => Err(disk::foreign(
                &self.dir.join(XREF_FILE),
                "a registration it points to points on to a third",
            )),
            None => {
                let mut draw =
                    Draw::new(self.region.seed, Stream::Person, u64::from(slot.f), slot.n);
                Ok(person::generate(&mut draw, day))
            }
        }
    }

    fn slot_of(&self, (facility, id): &Reg) -> Option<Slot> {
        let f = self
            .region
            .facilities
            .iter()
            .position(|x| &x.id == facility)?;
        let n = self.region.facilities[f].patient_index(id)?;
        Some(Slot { f: f as u32, n })
    }

    /// The patient's chart as first written: by `generate`, or by the next day that registered
    /// them.
    fn first_chart(&self, slot: Slot) -> Result<FirstChart, SynthError> {
        match self.arrival_day(slot) {
            None => region::first_chart(&self.region, self.generated.as_of, slot.f, slot.n),
            Some(day) => {
                let person = self.person(slot, 0)?;
                let visitor = self.xref.origin.contains_key(&self.reg(slot));
                self.arrival_chart(slot, day, person, visitor)
            }
        }
    }

    fn arrival_chart(
        &self,
        slot: Slot,
        day: CivilDate,
        person: Person,
        visitor: bool,
    ) -> Result<FirstChart, SynthError> {
        let facility = self.facility(slot.f);
        let id = facility.patient_id(slot.n);
        let mut draw = Draw::new(self.region.seed, Stream::Chart, u64::from(slot.f), slot.n);
        let plan = plan::arrival(&mut draw, &person, day, visitor);
        let input = ChartInput {
            facility,
            patient_index: slot.n,
            patient_id: &id,
            person: &person,
            plan: &plan,
            // Rendered at the end of the arrival day, so that the problem list registered that
            // day is written (a chart writes the problem-list versions of days before `as_of`).
            as_of: day.add_days(1),
        };
        let chart = chart::build(&input, &mut draw)?;
        Ok(FirstChart {
            person,
            plan,
            chart,
            origin: None,
        })
    }

    /// Whether `n` is a patient number the region can hold before the day `day_index`: a first
    /// patient, or an arrival of an earlier next day.
    fn numbered(&self, f: u32, n: u64, day_index: u64) -> bool {
        match n.checked_sub(self.facility(f).patients) {
            None => true,
            Some(later) => later / ARRIVALS_PER_DAY + 1 < day_index,
        }
    }

    /// Every patient folder of facility `f` before the day `day_index`, by patient number.
    fn patients(&self, f: u32, day_index: u64) -> Result<Vec<Slot>, SynthError> {
        let facility = self.facility(f);
        let (standard, extended) = self.roots(f);
        if !standard.is_dir() {
            return Err(SynthError::not_a_region(
                &standard,
                "the facility's standardized storage is missing; generate the region again",
            ));
        }
        let mut slots = BTreeSet::new();
        for root in [standard, extended] {
            if !root.is_dir() {
                continue;
            }
            for (_, first) in disk::folders(&root)? {
                for (_, second) in disk::folders(&first)? {
                    for (id, path) in disk::folders(&second)? {
                        let hashed = layout::patient_dir(&root, &id) == path;
                        let numbered = |n: &u64| hashed && self.numbered(f, *n, day_index);
                        let n = facility
                            .patient_index(&id)
                            .filter(numbered)
                            .ok_or_else(|| {
                                let what =
                                    "it is not the folder of a patient this generator numbered";
                                disk::foreign(&path, what)
                            })?;
                        slots.insert(Slot { f, n });
                    }
                }
            }
        }
        Ok(slots.into_iter().collect())
    }
}

/// Who a step changes, removes and registers.
struct Choice {
    changed: Vec<Slot>,
    removed: Slot,
    /// New patients, each with the registration at the previous facility of the same person.
    arrivals: Vec<(Slot, Option<Slot>)>,
}

fn choose(
    model: &Model,
    patients: &[Vec<Slot>],
    share: f64,
    draw: &mut Draw,
    day_index: u64,
) -> Result<Choice, SynthError> {
    let total: usize = patients.iter().map(Vec::len).sum();
    let eligible: Vec<Slot> = patients
        .iter()
        .flatten()
        .copied()
        .filter(|s| !model.is_persona(*s))
        .collect();
    if eligible.len() < 2 {
        return Err(SynthError::InvalidSpec(format!(
            "a next day needs 2 patients who are not drill personas (one to change, one to \
             remove); {} has {}, so generate a bigger region",
            model.dir.display(),
            eligible.len()
        )));
    }
    let removable: Vec<Slot> = eligible
        .iter()
        .copied()
        .filter(|s| !model.xref.pointed_to.contains(&model.reg(*s)))
        .collect();
    if removable.is_empty() {
        return Err(SynthError::InvalidSpec(format!(
            "every ordinary patient of {} is the first registration of someone registered again \
             elsewhere, so none can be removed; generate a bigger region",
            model.dir.display()
        )));
    }
    let removed = removable[draw.below(removable.len() as u64) as usize];

    let wanted = ((share * total as f64).round() as usize).max(1);
    let mut pool: Vec<Slot> = eligible.into_iter().filter(|s| *s != removed).collect();
    let count = wanted.min(pool.len());
    // A partial Fisher–Yates shuffle: the first `count` are a uniform sample.
    for i in 0..count {
        let j = i + draw.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    let mut changed = pool[..count].to_vec();
    changed.sort();

    let facilities = model.region.facilities.len() as u64;
    let arriving = (2 + count / 10).min(ARRIVALS_PER_DAY as usize - 1);
    let mut next_at: Vec<u64> = vec![0; facilities as usize];
    let mut origins: BTreeSet<Slot> = BTreeSet::new();
    let mut arrivals = Vec::with_capacity(arriving);
    for _ in 0..arriving {
        let f = draw.below(facilities) as u32;
        let n =
            model.facility(f).patients + (day_index - 1) * ARRIVALS_PER_DAY + next_at[f as usize];
        next_at[f as usize] += 1;
        let mut origin = None;
        if f > 0 && draw.chance(0.3) {
            let previous = &patients[f as usize - 1];
            // A few tries at a random registration: scanning the facility would cost more.
            for _ in 0..20 {
                if previous.is_empty() {
                    break;
                }
                let candidate = previous[draw.below(previous.len() as u64) as usize];
                let free = !model.is_persona(candidate)
                    && candidate != removed
                    && !origins.contains(&candidate)
                    && !model.xref.involves(&model.reg(candidate));
                if free {
                    origins.insert(candidate);
                    origin = Some(candidate);
                    break;
                }
            }
        }
        arrivals.push((Slot { f, n }, origin));
    }
    Ok(Choice {
        changed,
        removed,
        arrivals,
    })
}

/// A patient's counts before and after the day, and what changed.
struct Delta {
    f: u32,
    before: Counts,
    after: Counts,
    what: Vec<Change>,
}

fn cancelled_keys(first: &FirstChart) -> BTreeSet<Key> {
    first
        .chart
        .standard
        .iter()
        .filter(|r| r.outcome == Outcome::Cancelled)
        .map(|r| {
            (
                r.care_date.map_or_else(|| "-".to_owned(), |d| d.compact()),
                r.data_type.to_owned(),
                r.order_no.clone(),
            )
        })
        .collect()
}

/// Of the records `keys` (sorted by care date, then order), one of the newest three.
fn recent(mut keys: Vec<&Key>, pick: u64) -> Option<&Key> {
    keys.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    let newest = &keys[keys.len().saturating_sub(3)..];
    newest
        .get((pick % newest.len().max(1) as u64) as usize)
        .copied()
}

/// The generator's names for a record chosen for an update or a deletion.
fn known_type(data_type: &str) -> Option<&'static str> {
    ["OMP-01", "OML-11"].into_iter().find(|t| *t == data_type)
}

fn change_patient(
    model: &Model,
    slot: Slot,
    day: CivilDate,
    day_index: u64,
    change_seed: u64,
) -> Result<Delta, SynthError> {
    let facility = model.facility(slot.f);
    let id = facility.patient_id(slot.n);
    let (standard_root, extended_root) = model.roots(slot.f);
    let first = model.first_chart(slot)?;
    let cancelled = cancelled_keys(&first);
    let files = disk::read_patient(&standard_root, &extended_root, &id)?;
    let before = files.counts(&cancelled)?;

    let mut draw = model.draw(change_seed, day_index, u64::from(slot.f), slot.n);
    let changes = plan::day_changes(&mut draw);
    // Corrections and deletions touch outpatient records: those of a day with a visit (ADT-12).
    let visit_days: BTreeSet<&str> = files
        .standard
        .keys()
        .filter(|k| k.1 == "ADT-12" && k.2 == NO_ORDER)
        .map(|k| k.0.as_str())
        .collect();
    let candidates = |types: &[&str]| -> Vec<&Key> {
        files
            .standard
            .keys()
            .filter(|k| {
                types.contains(&k.1.as_str())
                    && visit_days.contains(k.0.as_str())
                    && files.is_current(k, &cancelled)
            })
            .collect()
    };
    let update = changes.update.and_then(|twice| {
        Some((
            recent(candidates(&["OMP-01", "OML-11"]), changes.update_pick)?,
            twice,
        ))
    });
    let delete = changes
        .delete
        .then(|| {
            let keys = candidates(&["OMP-01"])
                .into_iter()
                .filter(|k| update.is_none_or(|(u, _)| u != *k))
                .collect();
            recent(keys, changes.delete_pick)
        })
        .flatten();
    let visit = (changes.visit || (update.is_none() && delete.is_none()))
        .then(|| plan::follow_up(&mut draw, &first.person, day));

    let prefix = format!("{:03}{:09}", facility.index + 1, slot.n + 1);
    let orders = first.chart.orders.max(files.highest_order(&prefix));
    let messages = first.chart.messages + files.standard_files();
    let input = ChartInput {
        facility,
        patient_index: slot.n,
        patient_id: &id,
        person: &first.person,
        plan: &first.plan,
        as_of: day,
    };
    let mut what: BTreeSet<Change> = BTreeSet::new();
    let mut follow = FollowUp::new(&input, &mut draw, orders, messages);
    if let Some(mut visit) = visit {
        if follow.orders_left() < 2 {
            // Order numbers keep 3 digits per patient: a very long history gets visits only.
            visit.labs = false;
            visit.prescription = None;
        }
        match &first.chart.ward {
            Some(ward) if follow.orders_left() >= 1 => {
                follow.ward_labs(ward, day);
                what.insert(Change::Lab);
            }
            _ => {
                what.insert(Change::Visit);
                if visit.labs {
                    what.insert(Change::Lab);
                }
                if visit.prescription.is_some() {
                    what.insert(Change::Prescription);
                }
                follow.visit(&visit);
            }
        }
    }
    for (key, versions, control) in update
        .map(|(k, twice)| (k, 1 + usize::from(twice), Control::Change))
        .into_iter()
        .chain(delete.map(|k| (k, 1, Control::Cancel)))
    {
        let (Some(data_type), Some(newest)) = (
            known_type(&key.1),
            files
                .standard
                .get(key)
                .and_then(|v| v.iter().max_by(|a, b| a.event17.cmp(&b.event17))),
        ) else {
            continue;
        };
        let department = clinical::department(&newest.department)
            .ok_or_else(|| disk::foreign(&newest.path, "its department code is not one of ours"))?;
        let mut record = OnDiskRecord::load(&files, key, data_type, Some(department.code), &id)?;
        let Some(care_date) = record.record.care_date else {
            continue;
        };
        let on_disk = OnDiskKey {
            care_date,
            order_no: &key.2,
            department,
        };
        // ORC-9 (or the collection time) sits on the record's care date (guide §1.3).
        let base = follow.time_on(care_date, 9, 11);
        let mut at = follow.time_on(day, 13, 16);
        if let Some(latest) = record.latest() {
            at = at.max(latest.plus_minutes(1));
        }
        for i in 0..versions {
            if i > 0 {
                at = follow.later(at, 30, 120);
            }
            match (control, data_type) {
                (Control::Cancel, _) => {
                    let message = follow.prescription_version(&on_disk, base, at, control);
                    record.delete(at, message)?;
                    what.insert(Change::Delete);
                }
                (_, "OMP-01") => {
                    let message = follow.prescription_version(&on_disk, base, at, control);
                    record.update(at, message)?;
                    what.insert(Change::Update);
                }
                _ => {
                    let message = follow.lab_result_version(&on_disk, base.plus_minutes(5), at);
                    record.update(at, message)?;
                    what.insert(Change::Update);
                }
            }
        }
    }
    let new_records = follow.finish();
    layout::add_chart(&standard_root, &extended_root, &id, &new_records)?;
    let after = disk::read_patient(&standard_root, &extended_root, &id)?.counts(&cancelled)?;
    Ok(Delta {
        f: slot.f,
        before,
        after,
        what: what.into_iter().collect(),
    })
}

/// Takes a patient's counts before the day out of `facility` and adds those after.
fn apply(
    dir: &Path,
    facility: &mut FacilitySummary,
    before: &Counts,
    after: &Counts,
) -> Result<(), SynthError> {
    let mismatch = |what: &str| {
        SynthError::not_a_region(
            dir.join(REGION_FILE),
            format!(
                "it counts fewer {what} at facility {} than its folders hold; the storage was \
                 changed by hand, so generate the region again",
                facility.id
            ),
        )
    };
    facility.files = facility
        .files
        .checked_sub(before.files)
        .ok_or_else(|| mismatch("files"))?
        + after.files;
    facility.bytes = facility
        .bytes
        .checked_sub(before.bytes)
        .ok_or_else(|| mismatch("bytes"))?
        + after.bytes;
    for (counts, before, after) in [
        (&mut facility.standard, &before.standard, &after.standard),
        (&mut facility.extended, &before.extended, &after.extended),
    ] {
        for (data_type, c) in before {
            let left = counts
                .get(data_type)
                .and_then(|have| have.without(c))
                .ok_or_else(|| mismatch(&format!("{data_type} records")))?;
            if left == Default::default() {
                counts.remove(data_type);
            } else {
                counts.insert(data_type.clone(), left);
            }
        }
        for (data_type, c) in after {
            counts.entry(data_type.clone()).or_default().merge(c);
        }
    }
    Ok(())
}

fn read_summary(dir: &Path) -> Result<RegionSummary, SynthError> {
    let path = dir.join(REGION_FILE);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(SynthError::not_a_region(
                dir,
                format!("it has no {REGION_FILE}; generate a region into it first"),
            ));
        }
        Err(e) => return Err(SynthError::io("read", &path, e)),
    };
    let summary: RegionSummary = serde_json::from_str(&text).map_err(|e| {
        SynthError::not_a_region(
            &path,
            format!("it is not a region summary ({e}); generate the region again"),
        )
    })?;
    let version = env!("CARGO_PKG_VERSION");
    let reason = if summary.generator != GENERATOR {
        format!("it was written by {:?}, not {GENERATOR}", summary.generator)
    } else if !summary.complete {
        "it says complete: false (its generation or its last next day did not finish); \
         generate the region again"
            .to_owned()
    } else if summary.version != version {
        format!(
            "it was written by {GENERATOR} {}, and this is {version}: a next day renders its \
             patients' first charts again, which only the same version does exactly; generate \
             the region again",
            summary.version
        )
    } else if summary.match_traps.is_some() {
        "it holds matching traps (generated with --match-traps), whose registrations a next day \
         does not render again; generate the region without them for next days"
            .to_owned()
    } else {
        return Ok(summary);
    };
    Err(SynthError::not_a_region(&path, reason))
}

fn model(dir: &Path, summary: &RegionSummary) -> Result<Model, SynthError> {
    let path = dir.join(REGION_FILE);
    let generated = match (&summary.generated, &summary.next_day) {
        (Some(g), _) => g.clone(),
        (None, None) => Generated {
            patients: summary.patients,
            as_of: summary.as_of,
        },
        (None, Some(_)) => {
            return Err(disk::foreign(
                &path,
                "it has a next day but not the region it started from",
            ));
        }
    };
    let facilities = u32::try_from(summary.facilities.len()).unwrap_or(u32::MAX);
    if facilities == 0 || facilities > 999 || generated.as_of > summary.as_of {
        return Err(disk::foreign(
            &path,
            "its facilities or dates are out of range",
        ));
    }
    let region = Region::new(summary.seed, generated.patients, facilities);
    let same = region
        .facilities
        .iter()
        .zip(&summary.facilities)
        .all(|(r, s)| r.id == s.id);
    if !same {
        return Err(disk::foreign(
            &path,
            "its facilities are not those of its seed and size",
        ));
    }
    Ok(Model {
        dir: dir.to_owned(),
        region,
        generated,
        xref: Xref::read(&dir.join(XREF_FILE))?,
    })
}

/// Writes the next day of the region in `dir` (a region [`crate::generate`] wrote, or a
/// previous next day) and returns its summary, also written to `dir/region.json`.
pub fn next_day(dir: &Path, spec: &NextDaySpec) -> Result<RegionSummary, SynthError> {
    spec.validate()?;
    let mut summary = read_summary(dir)?;
    let mut model = model(dir, &summary)?;
    let from = summary.as_of;
    let day = from.add_days(1);
    if day.year() > 2200 {
        return Err(SynthError::InvalidSpec(format!(
            "the region is already at {from}; a next day stays before 2201"
        )));
    }
    let day_index = model.generated.as_of.days_until(day) as u64;

    let facilities = model.region.facilities.len() as u32;
    let patients: Vec<Vec<Slot>> = (0..facilities)
        .map(|f| model.patients(f, day_index))
        .collect::<Result<_, _>>()?;
    for (slots, facility) in patients.iter().zip(&summary.facilities) {
        if slots.len() as u64 != facility.patients {
            return Err(SynthError::not_a_region(
                dir.join(&facility.id),
                format!(
                    "region.json says it holds {} patients, its folders hold {}; generate the \
                     region again",
                    facility.patients,
                    slots.len()
                ),
            ));
        }
    }
    let mut step = model.draw(spec.seed, day_index, STEP_STREAM, 0);
    let choice = choose(&model, &patients, spec.share, &mut step, day_index)?;
    for (slot, _) in &choice.arrivals {
        let (standard, extended) = model.roots(slot.f);
        let id = model.facility(slot.f).patient_id(slot.n);
        for root in [standard, extended] {
            let path = layout::patient_dir(&root, &id);
            if path.exists() {
                return Err(disk::foreign(
                    &path,
                    "a new patient's folder is already there",
                ));
            }
        }
    }

    // From here on the region is half-written until region.json says complete again.
    summary.complete = false;
    region::write_summary(dir, &summary)?;

    let deltas: Vec<Result<Delta, SynthError>> = choice
        .changed
        .par_iter()
        .map(|slot| change_patient(&model, *slot, day, day_index, spec.seed))
        .collect();
    let mut changed = Vec::with_capacity(deltas.len());
    for (slot, delta) in choice.changed.iter().zip(deltas) {
        let delta = delta?;
        apply(
            dir,
            &mut summary.facilities[delta.f as usize],
            &delta.before,
            &delta.after,
        )?;
        let (facility, patient_id) = model.reg(*slot);
        changed.push(PatientChange {
            facility,
            patient_id,
            what: delta.what,
        });
    }

    // The removed patient: their counts out, their folders and cross-reference gone.
    let removed = choice.removed;
    let first = model.first_chart(removed)?;
    let (standard_root, extended_root) = model.roots(removed.f);
    let (facility_id, removed_id) = model.reg(removed);
    let before = disk::read_patient(&standard_root, &extended_root, &removed_id)?
        .counts(&cancelled_keys(&first))?;
    let facility = &mut summary.facilities[removed.f as usize];
    apply(dir, facility, &before, &Counts::default())?;
    facility.patients -= 1;
    for root in [&standard_root, &extended_root] {
        remove_patient_dir(root, &removed_id)?;
    }
    let mut xref_changed = false;
    if model
        .xref
        .remove(&(facility_id.clone(), removed_id.clone()))
    {
        facility.visitors = facility.visitors.saturating_sub(1);
        xref_changed = true;
    }

    let mut new = Vec::with_capacity(choice.arrivals.len());
    for (slot, origin) in &choice.arrivals {
        let person = match origin {
            Some(o) => model.person(*o, 0)?,
            None => {
                let mut draw =
                    Draw::new(model.region.seed, Stream::Person, u64::from(slot.f), slot.n);
                person::generate(&mut draw, day)
            }
        };
        let first = model.arrival_chart(*slot, day, person, origin.is_some())?;
        let (standard_root, extended_root) = model.roots(slot.f);
        let reg = model.reg(*slot);
        layout::add_chart(&standard_root, &extended_root, &reg.1, &first.chart)?;
        let after = PatientFiles::counts(
            &disk::read_patient(&standard_root, &extended_root, &reg.1)?,
            &BTreeSet::new(),
        )?;
        let facility = &mut summary.facilities[slot.f as usize];
        apply(dir, facility, &Counts::default(), &after)?;
        facility.patients += 1;
        if let Some(o) = origin {
            let a = model.reg(*o);
            model.xref.add(a, reg.clone());
            facility.visitors += 1;
            xref_changed = true;
        }
        new.push(Registration {
            facility: reg.0,
            patient_id: reg.1,
        });
    }
    if xref_changed {
        let path = dir.join(XREF_FILE);
        fs::write(&path, model.xref.text()).map_err(|e| SynthError::io("write", &path, e))?;
    }

    summary.as_of = day;
    summary.patients = summary.facilities.iter().map(|f| f.patients).sum();
    summary.files = summary.facilities.iter().map(|f| f.files).sum();
    summary.bytes = summary.facilities.iter().map(|f| f.bytes).sum();
    summary.cross_references = summary.facilities.iter().map(|f| f.visitors).sum();
    summary.generated = Some(model.generated.clone());
    summary.next_day = Some(NextDaySummary {
        from_as_of: from,
        seed: spec.seed,
        changed,
        new,
        removed: vec![Registration {
            facility: facility_id,
            patient_id: removed_id,
        }],
    });
    summary.complete = true;
    region::write_summary(dir, &summary)?;
    Ok(summary)
}

/// Removes a patient's folder under `root`, and the hash folders it leaves empty.
fn remove_patient_dir(root: &Path, id: &str) -> Result<(), SynthError> {
    let dir = layout::patient_dir(root, id);
    if !dir.exists() {
        return Ok(());
    }
    fs::remove_dir_all(&dir).map_err(|e| SynthError::io("remove", &dir, e))?;
    let mut parent = dir.parent();
    for _ in 0..2 {
        let Some(p) = parent else { break };
        let empty = fs::read_dir(p)
            .map_err(|e| SynthError::io("list", p, e))?
            .next()
            .is_none();
        if !empty {
            break;
        }
        fs::remove_dir(p).map_err(|e| SynthError::io("remove", p, e))?;
        parent = p.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::{RegionSpec, generate};

    fn reg(facility: &str, id: &str) -> Reg {
        (facility.to_owned(), id.to_owned())
    }

    /// A region written to a temporary directory, its summary and its model.
    fn region(spec: &RegionSpec) -> (tempfile::TempDir, RegionSummary, Model) {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(spec, dir.path(), &mut |_| {}).unwrap();
        let model = model(dir.path(), &summary).unwrap();
        (dir, summary, model)
    }

    /// What `next_day` would choose on the region's next day, by change seed and share.
    fn chooser(model: &Model) -> impl Fn(u64, f64) -> Choice + '_ {
        let day_index = 1;
        let patients: Vec<Vec<Slot>> = (0..model.region.facilities.len() as u32)
            .map(|f| model.patients(f, day_index).unwrap())
            .collect();
        move |seed, share| {
            let mut step = model.draw(seed, day_index, STEP_STREAM, 0);
            choose(model, &patients, share, &mut step, day_index).unwrap()
        }
    }

    #[test]
    fn share_must_be_a_fraction_above_zero() {
        for share in [0.0, -0.1, 1.01, f64::NAN, f64::INFINITY] {
            assert!(
                NextDaySpec { share, seed: 1 }.validate().is_err(),
                "{share}"
            );
        }
        for share in [0.0001, DEFAULT_SHARE, 1.0] {
            assert!(NextDaySpec { share, seed: 1 }.validate().is_ok(), "{share}");
        }
    }

    #[test]
    fn removing_a_registration_removes_only_its_own_cross_reference() {
        let mut xref = Xref {
            lines: Vec::new(),
            origin: BTreeMap::new(),
            pointed_to: BTreeSet::new(),
        };
        xref.add(reg("A", "1"), reg("B", "1"));
        xref.add(reg("A", "1"), reg("C", "1"));
        xref.add(reg("B", "2"), reg("C", "2"));
        assert!(
            !xref.remove(&reg("A", "1")),
            "a first registration has no line of its own"
        );
        assert!(xref.remove(&reg("B", "1")));
        assert!(
            xref.pointed_to.contains(&reg("A", "1")),
            "C 1 still points to A 1"
        );
        assert!(xref.remove(&reg("C", "1")));
        assert!(!xref.involves(&reg("A", "1")));
        assert_eq!(xref.text(), format!("{XREF_HEADER}\nB\t2\tC\t2\n"));
    }

    #[test]
    fn corrections_pick_among_the_newest_three_records() {
        let key =
            |date: &str, order: &str| (date.to_owned(), "OMP-01".to_owned(), order.to_owned());
        let keys = [
            key("20260105", "9"),
            key("20260301", "1"),
            key("20260201", "5"),
            key("20260301", "2"),
            key("20260101", "7"),
        ];
        let picked: BTreeSet<&Key> = (0..30)
            .filter_map(|p| recent(keys.iter().collect(), p))
            .collect();
        let newest: BTreeSet<&Key> = [&keys[1], &keys[2], &keys[3]].into_iter().collect();
        assert_eq!(picked, newest);
        assert_eq!(recent(Vec::new(), 3), None);
    }

    #[test]
    fn arrivals_of_different_days_get_numbers_no_other_day_uses() {
        let (_dir, _, model) = region(&RegionSpec::new(30, 2, 1));
        for f in 0..2u32 {
            let first = model.facility(f).patients;
            for (n, day) in [
                (first, 1),
                (first + 999, 1),
                (first + 1000, 2),
                (first + 5003, 6),
            ] {
                let slot = Slot { f, n };
                let expected = model.generated.as_of.add_days(day);
                assert_eq!(model.arrival_day(slot), Some(expected));
                assert!(model.numbered(f, n, day as u64 + 1) && !model.numbered(f, n, day as u64));
            }
            assert_eq!(model.arrival_day(Slot { f, n: first - 1 }), None);
        }
        let choice = chooser(&model)(3, 0.5);
        let ids: BTreeSet<String> = choice
            .arrivals
            .iter()
            .map(|(s, _)| model.reg(*s).1)
            .collect();
        assert_eq!(ids.len(), choice.arrivals.len(), "new IDs are distinct");
    }

    #[test]
    fn personas_and_first_registrations_of_others_are_never_removed() {
        let (_dir, _, model) = region(&RegionSpec::new(60, 3, 5));
        let choose = chooser(&model);
        for seed in 0..200 {
            let choice = choose(seed, 0.2);
            assert!(!model.is_persona(choice.removed));
            assert!(!model.xref.pointed_to.contains(&model.reg(choice.removed)));
            assert!(choice.changed.iter().all(|s| !model.is_persona(*s)));
            assert!(!choice.changed.contains(&choice.removed));
            for (_, origin) in &choice.arrivals {
                assert!(origin.is_none_or(|o| !model.is_persona(o) && o != choice.removed));
            }
        }
    }

    #[test]
    fn a_removed_visitor_takes_their_row_along_and_evacuees_bring_one() {
        let (_dir, _, model) = region(&RegionSpec::new(120, 3, 8));
        let choose = chooser(&model);
        let leaves = |c: &Choice| model.xref.origin.contains_key(&model.reg(c.removed));
        let brings = |c: &Choice| c.arrivals.iter().any(|(_, o)| o.is_some());
        let seed = (0..5000)
            .find(|s| {
                let c = choose(*s, 0.01);
                leaves(&c) && brings(&c)
            })
            .expect("some seed removes a visitor and brings an evacuee");
        let planned = choose(seed, 0.01);
        drop(choose);
        let removed = model.reg(planned.removed);
        let rows_before = model.xref.lines.len();
        let summary = next_day(&model.dir, &NextDaySpec { share: 0.01, seed }).unwrap();

        let after = super::model(&model.dir, &read_summary(&model.dir).unwrap()).unwrap();
        let brought = planned.arrivals.iter().filter(|(_, o)| o.is_some()).count();
        assert_eq!(after.xref.lines.len(), rows_before - 1 + brought);
        assert!(!after.xref.involves(&removed));
        assert_eq!(summary.cross_references, after.xref.lines.len() as u64);
        // An evacuee is the same person as their first registration.
        for (slot, origin) in planned.arrivals {
            let Some(origin) = origin else { continue };
            assert_eq!(
                after.xref.origin.get(&after.reg(slot)),
                Some(&after.reg(origin))
            );
            let (a, b) = (
                after.person(origin, 0).unwrap(),
                after.person(slot, 0).unwrap(),
            );
            assert_eq!((a.kanji_name(), a.birth), (b.kanji_name(), b.birth));
        }
    }
}
