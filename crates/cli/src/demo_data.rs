//! `fieldchart demo-data`: a synthetic SS-MIX2 region for drills, tests and benchmarks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use fieldchart_synth::{CivilDate, RegionSpec, generate as synth_generate};

use crate::progress;

/// Write a realistic synthetic SS-MIX2 region (drill data; no real patient).
///
/// Layout: DIR/<facility ID>/standard/ and DIR/<facility ID>/extended/ per facility, ISO-2022-JP
/// with CR and no extension, plus DIR/region.json (expected counts after condition-flag resolution
/// and the drill personas) and DIR/pix-xref.tsv (people present at two facilities under different
/// IDs). The output is determined by --seed, --patients, --facilities and --as-of. It streams patient
/// by patient, so it scales to 1,000,000 patients.
#[derive(clap::Args)]
pub struct Args {
    /// Patients in the whole region, spread evenly over the facilities.
    #[arg(long, value_name = "N")]
    patients: u64,
    /// Number of facilities (hospitals) in the region.
    #[arg(long, value_name = "F", default_value_t = 2)]
    facilities: u32,
    /// Random seed; the same seed gives the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// The region's "today" (YYYY-MM-DD): recent prescriptions and labs are dated before it.
    /// Drills pass today's date; the default is fixed so that the seed alone decides the output.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output directory; must be empty or absent.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    generate(
        &args.out,
        args.patients,
        args.facilities,
        args.seed,
        args.as_of.as_deref(),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Generates a region, with a progress bar on a terminal and a one-line summary on stderr.
pub fn generate(
    out: &Path,
    patients: u64,
    facilities: u32,
    seed: u64,
    as_of: Option<&str>,
) -> anyhow::Result<()> {
    if facilities == 0 {
        bail!("--facilities must be at least 1");
    }
    let mut spec = RegionSpec::new(patients, facilities, seed);
    if let Some(date) = as_of {
        spec.as_of = parse_date(date)?;
    }
    let bar = progress::bar(patients, "patients");
    let started = std::time::Instant::now();
    let summary = synth_generate(&spec, out, &mut |done| bar.set_position(done))
        .with_context(|| format!("cannot write the region to {}", out.display()))?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {} patients at {} facilities: {} files, {:.1} MB in {:.1} s → {}",
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
