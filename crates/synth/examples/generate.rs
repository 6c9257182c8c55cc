//! Generates a region from the command line, for trying the generator and timing it:
//!
//! ```text
//! cargo run --release -p fieldchart-synth --example generate -- <patients> <facilities> <seed> <out dir> [as_of YYYY-MM-DD]
//! ```
//!
//! The `fieldchart demo-data` command is the supported front end; this example stays minimal.

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [patients, facilities, seed, out, rest @ ..] = args.as_slice() else {
        return Err(
            "usage: generate <patients> <facilities> <seed> <out dir> [as_of YYYY-MM-DD]".into(),
        );
    };
    let mut spec =
        fieldchart_synth::RegionSpec::new(patients.parse()?, facilities.parse()?, seed.parse()?);
    if let Some(as_of) = rest.first() {
        spec.as_of = as_of.parse()?;
    }
    let started = Instant::now();
    let summary = fieldchart_synth::generate(&spec, &PathBuf::from(out), &mut |n| {
        if n % 10_000 == 0 {
            eprintln!("{n} patients written");
        }
    })?;
    eprintln!(
        "{} patients, {} files, {} bytes in {:.1?} ({:.1} files/patient)",
        summary.patients,
        summary.files,
        summary.bytes,
        started.elapsed(),
        summary.files as f64 / summary.patients.max(1) as f64
    );
    Ok(())
}
