//! `fieldchart demo-data`: a synthetic SS-MIX2 region for drills, tests and benchmarks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use fieldchart_synth::{
    CivilDate, DEFAULT_SHARE, NextDaySpec, RegionSpec, generate as synth_generate,
    next_day as synth_next_day,
};

use crate::progress;

/// Write a realistic synthetic SS-MIX2 region (drill data; no real patient), or its next day.
///
/// Layout: DIR/<facility ID>/standard/ and DIR/<facility ID>/extended/ per facility, ISO-2022-JP
/// with CR and no extension, plus DIR/region.json (expected counts after condition-flag resolution
/// and the drill personas) and DIR/pix-xref.tsv (people present at two facilities under different
/// IDs). The output is determined by --seed, --patients, --facilities and --as-of. It streams patient
/// by patient, so it scales to 1,000,000 patients.
///
/// With --match-traps N it also adds N pairs of registrations at two facilities that
/// pix-xref.tsv does not link, each with one trap for probable matching (kana spelling, variant
/// kanji, name spacing, married name, twins, look-alikes whose date of birth or sex differs), and
/// DIR/match-truth.tsv saying what each pair is (`fieldchart bench match` reads it; the hub never
/// does). Without it the output is unchanged.
///
/// With --next-day DIR it changes a region written before instead: as_of moves one day on, a
/// --share of the patients get a visit, an update or a deletion, a few are new and one is removed;
/// region.json lists them under "next_day", and every other file is left untouched.
#[derive(clap::Args)]
pub struct Args {
    /// Patients in the whole region, spread evenly over the facilities.
    #[arg(long, value_name = "N", required_unless_present = "next_day")]
    patients: Option<u64>,
    /// Number of facilities (hospitals) in the region.
    #[arg(
        long,
        value_name = "F",
        default_value_t = 2,
        conflicts_with = "next_day"
    )]
    facilities: u32,
    /// Random seed; the same seed gives the same bytes. With --next-day it seeds the changes: the
    /// same region and seed give the same next day.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// The region's "today" (YYYY-MM-DD): recent prescriptions and labs are dated before it.
    /// Drills pass today's date; the default is fixed so that the seed alone decides the output.
    #[arg(long, value_name = "DATE", conflicts_with = "next_day")]
    as_of: Option<String>,
    /// Output directory; must be empty or absent.
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "next_day",
        conflicts_with = "next_day"
    )]
    out: Option<PathBuf>,
    /// Write the next day of the region in DIR (one demo-data wrote, or a next day of one) in
    /// place; run it again for the day after.
    #[arg(long, value_name = "DIR", conflicts_with = "patients")]
    next_day: Option<PathBuf>,
    /// With --next-day: the share of the patients that change, above 0 and at most 1 [default: 0.01].
    #[arg(long, value_name = "FRACTION", requires = "next_day")]
    share: Option<f64>,
    /// Add N matching-trap pairs (two registrations each, after the ordinary patients) and
    /// DIR/match-truth.tsv. Needs two or more facilities; such a region has no next day.
    #[arg(long, value_name = "N", conflicts_with = "next_day")]
    match_traps: Option<u64>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match (&args.next_day, args.patients, &args.out) {
        (Some(dir), _, _) => next_day(dir, args.share, args.seed)?,
        (None, Some(patients), Some(out)) => generate(
            out,
            &Region {
                patients,
                facilities: args.facilities,
                seed: args.seed,
                match_traps: args.match_traps.unwrap_or(0),
            },
            args.as_of.as_deref(),
        )?,
        _ => bail!("give --patients N --out DIR for a new region, or --next-day DIR"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes the next day of the region in `dir`, with a one-line summary on stderr.
fn next_day(dir: &Path, share: Option<f64>, seed: u64) -> anyhow::Result<()> {
    let spec = NextDaySpec {
        share: share.unwrap_or(DEFAULT_SHARE),
        seed,
    };
    let started = std::time::Instant::now();
    let summary = synth_next_day(dir, &spec)
        .with_context(|| format!("cannot write the next day of {}", dir.display()))?;
    let (changed, new, removed) = summary.next_day.as_ref().map_or((0, 0, 0), |d| {
        (d.changed.len(), d.new.len(), d.removed.len())
    });
    eprintln!(
        "wrote {}: {changed} patients changed, {new} new, {removed} removed; now {} patients, \
         {} files, {:.1} MB in {:.1} s → {}",
        summary.as_of,
        summary.patients,
        summary.files,
        summary.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}

/// What to generate: the command's options for [`RegionSpec`].
pub struct Region {
    pub patients: u64,
    pub facilities: u32,
    pub seed: u64,
    /// Matching-trap pairs; 0 for none.
    pub match_traps: u64,
}

/// Generates a region, with a progress bar on a terminal and a one-line summary on stderr.
pub fn generate(out: &Path, region: &Region, as_of: Option<&str>) -> anyhow::Result<()> {
    if region.facilities == 0 {
        bail!("--facilities must be at least 1");
    }
    let mut spec = RegionSpec::new(region.patients, region.facilities, region.seed);
    spec.match_traps = region.match_traps;
    if let Some(date) = as_of {
        spec.as_of = parse_date(date)?;
    }
    let bar = progress::bar(region.patients + 2 * region.match_traps, "patients");
    let started = std::time::Instant::now();
    let summary = synth_generate(&spec, out, &mut |done| bar.set_position(done))
        .with_context(|| format!("cannot write the region to {}", out.display()))?;
    bar.finish_and_clear();
    let traps = summary.match_traps.as_ref().map_or(String::new(), |t| {
        format!(" ({} of them in {} matching traps)", 2 * t.cases, t.cases)
    });
    eprintln!(
        "wrote {} patients{traps} at {} facilities: {} files, {:.1} MB in {:.1} s → {}",
        summary.patients,
        summary.facilities.len(),
        summary.files,
        summary.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

fn parse_date(text: &str) -> anyhow::Result<CivilDate> {
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        bail!("--as-of {text:?} is not a date; write YYYY-MM-DD");
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
        bail!("--as-of {text:?} is not a date; write YYYY-MM-DD");
    };
    CivilDate::new(y, m, d).with_context(|| format!("--as-of {text:?} is not a calendar date"))
}
