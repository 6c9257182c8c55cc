//! Generating a whole region: preparing the output directory, streaming patients facility by
//! facility (in parallel chunks, deterministic per patient), the cross-reference file and
//! `region.json`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use rayon::prelude::*;

use crate::calendar::CivilDate;
use crate::chart::{self, Chart, ChartInput};
use crate::error::SynthError;
use crate::facility::Region;
use crate::layout::{self, Tally};
use crate::person::{self, Person};
use crate::personas::{self, PERSONA_COUNT, PERSONA_SEED};
use crate::plan;
use crate::rng::{Draw, Stream};
use crate::summary::{
    FacilitySummary, MatchTrapSummary, PersonaSummary, RegionSummary, Registration, add_counts,
};
use crate::traps::{self, Side, TRUTH_FILE, TRUTH_HEADER};

/// Name of the summary file at the top of the output directory.
pub const REGION_FILE: &str = "region.json";
/// Name of the cross-reference file: one row per person registered at two facilities.
pub const XREF_FILE: &str = "pix-xref.tsv";
/// The value of `generator` in `region.json`.
pub const GENERATOR: &str = "fieldchart-synth";

/// The fixed "today" used unless the caller passes one, so that the seed alone fixes the output.
pub const DEFAULT_AS_OF: CivilDate = CivilDate::known(2026, 11, 1);

/// Patients generated per parallel batch: big enough to keep two cores busy, small enough that
/// memory stays flat however many patients the region has.
const CHUNK: u64 = 256;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionSpec {
    /// Patient IDs in the whole region, spread evenly over the facilities (a person registered at
    /// two facilities has two IDs and counts twice).
    pub patients: u64,
    /// Number of facilities (at least 1).
    pub facilities: u32,
    pub seed: u64,
    /// The region's "today": all events happen before or on this date.
    pub as_of: CivilDate,
    /// Matching-trap cases to add (`traps.rs`): each two more registrations, at two facilities,
    /// after the ordinary patients, with no `pix-xref.tsv` row and a row of `match-truth.tsv`.
    /// 0 (the default) adds nothing and writes no truth file. Needs two or more facilities.
    pub match_traps: u64,
}

impl RegionSpec {
    /// A spec with `as_of` = [`DEFAULT_AS_OF`].
    pub fn new(patients: u64, facilities: u32, seed: u64) -> RegionSpec {
        RegionSpec {
            patients,
            facilities,
            seed,
            as_of: DEFAULT_AS_OF,
            match_traps: 0,
        }
    }

    fn validate(&self) -> Result<(), SynthError> {
        if self.facilities == 0 {
            return Err(SynthError::InvalidSpec(
                "a region needs at least one facility".into(),
            ));
        }
        if self.facilities > 999 {
            return Err(SynthError::InvalidSpec(format!(
                "{} facilities is more than the generator's limit of 999 (order numbers keep 3 digits \
                 for the facility)",
                self.facilities
            )));
        }
        if self.patients > 100_000_000 {
            return Err(SynthError::InvalidSpec(format!(
                "{} patients is more than the generator's limit of 100,000,000",
                self.patients
            )));
        }
        if self.match_traps > 0 && self.facilities < 2 {
            return Err(SynthError::InvalidSpec(
                "matching traps need two or more facilities (each is a pair of registrations at two)"
                    .into(),
            ));
        }
        if self.match_traps > 10_000_000 {
            return Err(SynthError::InvalidSpec(format!(
                "{} matching traps is more than the generator's limit of 10,000,000",
                self.match_traps
            )));
        }
        if self.as_of < personas::EARLIEST_AS_OF || self.as_of.year() > 2190 {
            return Err(SynthError::InvalidSpec(format!(
                "as_of {} is outside 2021-01-01..2190-12-31 (the drill personas include a child born in 2020)",
                self.as_of
            )));
        }
        Ok(())
    }
}

/// One patient's contribution, returned from a worker thread.
struct PatientOutput {
    tally: Tally,
    xref: Option<String>,
}

/// Generates the region described by `spec` into `out` and returns its summary (also written to
/// `out/region.json`). `progress` is called with the number of patients written so far.
///
/// `out` must be absent, empty, or a region this generator wrote before (which is replaced).
pub fn generate(
    spec: &RegionSpec,
    out: &Path,
    progress: &mut dyn FnMut(u64),
) -> Result<RegionSummary, SynthError> {
    spec.validate()?;
    prepare_output(out)?;
    let region = Region::with_traps(spec.seed, spec.patients, spec.facilities, spec.match_traps);
    let mut summary = RegionSummary {
        generator: GENERATOR.to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        complete: false,
        seed: spec.seed,
        as_of: spec.as_of,
        patients: spec.patients + region.traps.cases.len() as u64 * 2,
        files: 0,
        bytes: 0,
        cross_references: 0,
        facilities: region
            .facilities
            .iter()
            .map(|f| FacilitySummary {
                id: f.id.clone(),
                name: f.name.clone(),
                patients: f.patients + region.traps.at_facility(f.index),
                visitors: 0,
                files: 0,
                bytes: 0,
                standard: BTreeMap::new(),
                extended: BTreeMap::new(),
            })
            .collect(),
        personas: Vec::new(),
        generated: None,
        next_day: None,
        match_traps: trap_summary(&region),
    };
    // Written first, so an interrupted run is still recognised as a region and can be replaced.
    write_summary(out, &summary)?;

    let xref_path = out.join(XREF_FILE);
    let xref_file =
        fs::File::create(&xref_path).map_err(|e| SynthError::io("create", &xref_path, e))?;
    let mut xref = BufWriter::new(xref_file);
    xref.write_all(b"facility_a\tid_a\tfacility_b\tid_b\n")
        .map_err(|e| SynthError::io("write", &xref_path, e))?;

    let mut written = 0u64;
    for (f, facility) in region.facilities.iter().enumerate() {
        let standard_root = out.join(&facility.id).join("standard");
        let extended_root = out.join(&facility.id).join("extended");
        for root in [&standard_root, &extended_root] {
            fs::create_dir_all(root).map_err(|e| SynthError::io("create directory", root, e))?;
        }
        let facility_summary = &mut summary.facilities[f];
        // Ordinary patients, then the matching traps' registrations numbered after them.
        let slots = facility.patients + region.traps.at_facility(f as u32);
        let mut start = 0;
        while start < slots {
            let end = (start + CHUNK).min(slots);
            let outputs: Vec<Result<PatientOutput, SynthError>> = (start..end)
                .into_par_iter()
                .map(|n| {
                    if n < facility.patients {
                        patient(&region, spec, f as u32, n, &standard_root, &extended_root)
                    } else {
                        trap_patient(&region, spec, f as u32, n, &standard_root, &extended_root)
                    }
                })
                .collect();
            for output in outputs {
                let output = output?;
                facility_summary.files += output.tally.files;
                facility_summary.bytes += output.tally.bytes;
                add_counts(&mut facility_summary.standard, &output.tally.standard);
                add_counts(&mut facility_summary.extended, &output.tally.extended);
                if let Some(line) = output.xref {
                    xref.write_all(line.as_bytes())
                        .map_err(|e| SynthError::io("write", &xref_path, e))?;
                    facility_summary.visitors += 1;
                }
            }
            written += end - start;
            progress(written);
            start = end;
        }
    }
    xref.flush()
        .map_err(|e| SynthError::io("write", &xref_path, e))?;
    if !region.traps.cases.is_empty() {
        write_truth(out, &region)?;
    }

    summary.files = summary.facilities.iter().map(|f| f.files).sum();
    summary.bytes = summary.facilities.iter().map(|f| f.bytes).sum();
    summary.cross_references = summary.facilities.iter().map(|f| f.visitors).sum();
    summary.personas = persona_summaries(&region, spec.as_of);
    let facility_ids: Vec<String> = region.facilities.iter().map(|f| f.id.clone()).collect();
    crate::masters::write(out, &facility_ids, spec.as_of)?;
    summary.complete = true;
    write_summary(out, &summary)?;
    Ok(summary)
}

/// The person behind patient `n` of facility `f` (personas first, visitors resolved to their
/// first registration), and whether this slot is a persona's own chart.
pub(crate) fn person_at(region: &Region, as_of: CivilDate, f: u32, n: u64) -> Person {
    if region.personas
        && f == 0
        && let Some(p) = personas::person(n, as_of)
    {
        return p;
    }
    let mut draw = Draw::new(region.seed, Stream::Person, u64::from(f), n);
    person::generate(&mut draw, as_of)
}

/// One patient's chart as [`generate`] renders it: the person, their plan and the records. A
/// next day renders it again to continue where it ended (order numbers, a stay still going on).
pub(crate) struct FirstChart {
    pub(crate) person: Person,
    pub(crate) plan: plan::Plan,
    pub(crate) chart: Chart,
    /// The index at the previous facility of the same person, for a visitor.
    pub(crate) origin: Option<u64>,
}

pub(crate) fn first_chart(
    region: &Region,
    as_of: CivilDate,
    f: u32,
    n: u64,
) -> Result<FirstChart, SynthError> {
    let facility = &region.facilities[f as usize];
    let id = facility.patient_id(n);
    let origin = region.visitor_origin(f, n);
    let person = match origin {
        Some(k) => {
            let mut person = person_at(region, as_of, f - 1, k);
            if region.personas && f == 1 {
                personas::at_second_facility(k, &mut person);
            }
            person
        }
        None => person_at(region, as_of, f, n),
    };
    let persona = region.personas && f == 0 && n < PERSONA_COUNT;
    let (plan, mut draw) = if persona {
        let draw = Draw::new(PERSONA_SEED, Stream::Chart, 0, n);
        (personas::plan(n, &person, as_of), draw)
    } else {
        let mut draw = Draw::new(region.seed, Stream::Chart, u64::from(f), n);
        let plan = plan::random(&mut draw, &person, as_of, origin.is_some());
        (plan, draw)
    };
    let input = ChartInput {
        facility,
        patient_index: n,
        patient_id: &id,
        person: &person,
        plan: &plan,
        as_of,
    };
    let chart = chart::build(&input, &mut draw)?;
    Ok(FirstChart {
        person,
        plan,
        chart,
        origin,
    })
}

fn patient(
    region: &Region,
    spec: &RegionSpec,
    f: u32,
    n: u64,
    standard_root: &Path,
    extended_root: &Path,
) -> Result<PatientOutput, SynthError> {
    let facility = &region.facilities[f as usize];
    let id = facility.patient_id(n);
    let first = first_chart(region, spec.as_of, f, n)?;
    let tally = layout::write_chart(standard_root, extended_root, &id, &first.chart)?;
    let xref = first.origin.and_then(|k| {
        let previous = region.facilities.get(f as usize - 1)?;
        Some(format!(
            "{}\t{}\t{}\t{}\n",
            previous.id,
            previous.patient_id(k),
            facility.id,
            id
        ))
    });
    Ok(PatientOutput { tally, xref })
}

/// A matching trap's registration: slot `n` (after the ordinary patients) of facility `f`.
fn trap_patient(
    region: &Region,
    spec: &RegionSpec,
    f: u32,
    n: u64,
    standard_root: &Path,
    extended_root: &Path,
) -> Result<PatientOutput, SynthError> {
    let facility = &region.facilities[f as usize];
    let id = facility.patient_id(n);
    let Some((k, case, side)) = region.traps.slot(f, n - facility.patients) else {
        return Err(SynthError::InvalidSpec(format!(
            "no matching trap at slot {n} of facility {}",
            facility.id
        )));
    };
    let (a, b) = traps::people(region.seed, k, case.kind, spec.as_of);
    let person = if side == Side::A { a } else { b };
    // The second registration of one person looks like a visitor's (registered later, perhaps
    // with a letter); twins and look-alikes are two people with charts of their own.
    let visitor = side == Side::B && case.kind.expected().same_person();
    let mut draw = Draw::new(region.seed, Stream::Chart, u64::from(f), n);
    let plan = plan::random(&mut draw, &person, spec.as_of, visitor);
    let input = ChartInput {
        facility,
        patient_index: n,
        patient_id: &id,
        person: &person,
        plan: &plan,
        as_of: spec.as_of,
    };
    let chart = chart::build(&input, &mut draw)?;
    let tally = layout::write_chart(standard_root, extended_root, &id, &chart)?;
    Ok(PatientOutput { tally, xref: None })
}

fn trap_summary(region: &Region) -> Option<MatchTrapSummary> {
    if region.traps.cases.is_empty() {
        return None;
    }
    let mut kinds = BTreeMap::new();
    for case in &region.traps.cases {
        *kinds.entry(case.kind).or_insert(0u64) += 1;
    }
    Some(MatchTrapSummary {
        cases: region.traps.cases.len() as u64,
        truth: TRUTH_FILE.to_owned(),
        kinds,
    })
}

fn write_truth(out: &Path, region: &Region) -> Result<(), SynthError> {
    let path = out.join(TRUTH_FILE);
    let mut text = String::from(TRUTH_HEADER);
    text.push('\n');
    let id = |(f, n): (u32, u64)| {
        let facility = &region.facilities[f as usize];
        (facility.id.clone(), facility.patient_id(n))
    };
    text.extend(traps::truth_lines(&region.traps, id));
    fs::write(&path, text).map_err(|e| SynthError::io("write", &path, e))
}

fn persona_summaries(region: &Region, as_of: CivilDate) -> Vec<PersonaSummary> {
    let Some(first) = region.facilities.first() else {
        return Vec::new();
    };
    if !region.personas {
        return Vec::new();
    }
    (0..PERSONA_COUNT)
        .filter_map(|n| {
            let p = personas::person(n, as_of)?;
            let (role, description) = personas::ROLES.get(n as usize)?;
            // The only persona with a second registration is 山田 花子, patient 0 of facility 1.
            let also_at = region
                .facilities
                .get(1)
                .filter(|_| region.visitor_origin(1, n) == Some(n))
                .map(|second| Registration {
                    facility: second.id.clone(),
                    patient_id: second.patient_id(n),
                })
                .into_iter()
                .collect();
            Some(PersonaSummary {
                role: (*role).to_owned(),
                description: (*description).to_owned(),
                facility: first.id.clone(),
                patient_id: first.patient_id(n),
                kanji_name: p.kanji_name(),
                kana_name: p.kana_name(),
                birth_date: p.birth,
                sex: p.sex,
                also_at,
            })
        })
        .collect()
}

pub(crate) fn write_summary(out: &Path, summary: &RegionSummary) -> Result<(), SynthError> {
    let path = out.join(REGION_FILE);
    let mut text = serde_json::to_string_pretty(summary)
        .map_err(|e| SynthError::io("serialise", &path, std::io::Error::other(e)))?;
    text.push('\n');
    fs::write(&path, text).map_err(|e| SynthError::io("write", &path, e))
}

/// Makes `out` an empty directory, refusing to touch anything that is not a previous region.
fn prepare_output(out: &Path) -> Result<(), SynthError> {
    match fs::symlink_metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return fs::create_dir_all(out).map_err(|e| SynthError::io("create directory", out, e));
        }
        Err(e) => return Err(SynthError::io("inspect", out, e)),
        Ok(_) if !out.is_dir() => {
            return Err(SynthError::io(
                "use as output directory",
                out,
                std::io::Error::other("it exists and is not a directory"),
            ));
        }
        Ok(_) => {}
    }
    let mut entries: Vec<(String, fs::FileType)> = Vec::new();
    for entry in fs::read_dir(out).map_err(|e| SynthError::io("list", out, e))? {
        let entry = entry.map_err(|e| SynthError::io("list", out, e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| SynthError::io("inspect", entry.path(), e))?;
        entries.push((entry.file_name().to_string_lossy().into_owned(), file_type));
    }
    if entries.is_empty() {
        return Ok(());
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let facilities = previous_region_facilities(out).ok_or_else(|| SynthError::OutputNotEmpty {
        path: out.to_owned(),
        entry: entries[0].0.clone(),
    })?;
    // Check everything before deleting anything.
    for (name, file_type) in &entries {
        let ours = if name == REGION_FILE
            || name == XREF_FILE
            || name == TRUTH_FILE
            || crate::masters::is_drill_master(name)
        {
            file_type.is_file()
        } else {
            file_type.is_dir() && facilities.iter().any(|f| f == name)
        };
        if !ours {
            return Err(SynthError::OutputNotEmpty {
                path: out.to_owned(),
                entry: name.clone(),
            });
        }
    }
    for (name, file_type) in &entries {
        let path = out.join(name);
        let result = if file_type.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        result.map_err(|e| SynthError::io("remove previous region entry", &path, e))?;
    }
    Ok(())
}

/// The facility folder names of a previous region in `out`, if `out/region.json` says it is one.
fn previous_region_facilities(out: &Path) -> Option<Vec<String>> {
    let text = fs::read_to_string(out.join(REGION_FILE)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    if value.get("generator")?.as_str()? != GENERATOR {
        return None;
    }
    let ids = value
        .get("facilities")?
        .as_array()?
        .iter()
        .filter_map(|f| f.get("id")?.as_str())
        // Facility folders are 10-digit codes; anything else in the list is not ours to delete.
        .filter(|id| id.len() == 10 && id.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    Some(ids)
}
