//! `fieldchart bench`: figures on generated regions, each against a plain-tool baseline measured in the
//! same run. `read` times the reader against `cat`; `snapshot` ([`snapshot`]) times the snapshot build
//! and the viewer (in a child process, [`viewer`]) against `grep -r`
//! (requirements PERF-3 to PERF-7); `match` ([`matching`]) scores probable matching against the
//! generator's matching traps and times it against reading the same identity fields.
//!
//! Shared here: where regions live under `--dir` and how they are generated or reused, file counting,
//! and the percentile every figure is reported with.

mod matching;
mod queries;
mod snapshot;
mod sync;
mod viewer;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fieldchart_reader::read::Storage;
use fieldchart_reader::report::check;
use serde::Serialize;

use crate::roots::region_roots;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Reader throughput: walk + decode + parse + map + flag resolution, against `cat`.
    ///
    /// Generates (or reuses) a synthetic region per size under --dir, warms the page cache, then
    /// times `find DIR -type f -print0 | xargs -0 cat > /dev/null` and FieldChart's full read of the
    /// same files, alternating, and reports the best of --runs for each: messages/s, MB/s and the
    /// ratio to `cat`.
    Read(ReadArgs),
    /// Snapshot build and viewer figures (PERF-3 to PERF-7), against `grep -r` over the raw tree.
    ///
    /// For each size: generates (or reuses) the region under --dir, builds (or reuses) an encrypted
    /// snapshot of it with throwaway keys kept beside it, then runs the viewer in a fresh process:
    /// opens the snapshot 5 times, runs --queries patient searches (kanji name, kana name and era
    /// date of birth + sex, drawn with --seed from the snapshot's own patients) and 200 patient
    /// records. Reports build time, records/s, snapshot size against raw bytes, open, search and
    /// record times, peak RSS, how often the patient was found, and the goals of PERF-3 to PERF-6.
    Snapshot(snapshot::SnapshotArgs),
    /// The living snapshot (issue 13 §7): a layer build against a full one, a layer's bytes, a
    /// laptop's sync of one day from nginx, search and record on base + layers against one base,
    /// and the full build's throughput against the reader's, each a ratio measured in one run.
    Sync(sync::SyncArgs),
    /// Probable matching (issue 15 §4) against a region's matching traps and their ground truth.
    ///
    /// Generates (or reuses) a region with `demo-data --match-traps` under --dir, reads every
    /// patient's identity fields as a base build does, runs the build's matcher with the region's
    /// cross-references left out, and compares with match-truth.tsv: recall (probable, weaker,
    /// all), precision, twin pairs suggested, suggestions across a differing date of birth or sex,
    /// and the matcher's time per patient against reading the identity fields.
    Match(matching::MatchArgs),
    /// The viewer side of `bench snapshot`, run by it as a child process.
    #[command(hide = true)]
    Viewer(viewer::ViewerArgs),
}

#[derive(clap::Args)]
pub struct ReadArgs {
    /// Region sizes in patients; repeat for several.
    #[arg(long = "patients", value_name = "N", default_values_t = [10_000u64, 100_000])]
    patients: Vec<u64>,
    /// Facilities per region.
    #[arg(long, default_value_t = 3)]
    facilities: u32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where generated regions are kept (and reused by later runs).
    #[arg(long, default_value = "bench-out")]
    dir: PathBuf,
    /// Timed runs of each side; the best is reported.
    #[arg(long, default_value_t = 3)]
    runs: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Row {
    patients: u64,
    files: u64,
    bytes: u64,
    messages: u64,
    cat_seconds: f64,
    reader_seconds: f64,
    cat_mb_per_s: f64,
    reader_mb_per_s: f64,
    cat_files_per_s: f64,
    reader_messages_per_s: f64,
    /// Reader throughput divided by cat's (bytes per second); the goal is at least 0.5.
    ratio: f64,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Read(args) => read(args),
        Command::Snapshot(args) => snapshot::run(args),
        Command::Sync(args) => sync::run(args),
        Command::Match(args) => matching::run(args),
        Command::Viewer(args) => viewer::run(args),
    }
}

fn read(args: ReadArgs) -> anyhow::Result<ExitCode> {
    let mut out = crate::out::stdout();
    if args.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let mut rows = Vec::new();
    for &patients in &args.patients {
        let region = region_dir(&args.dir, patients, args.facilities, args.seed);
        ensure_region(&region, patients, args.facilities, args.seed)?;
        let (files, bytes) = count_files(&region)?;
        // Warm the page cache so neither side pays for the disk.
        time_cat(&region)?;
        let mut cat = Duration::MAX;
        let mut reader = Duration::MAX;
        let mut messages = 0;
        for _ in 0..args.runs {
            cat = cat.min(time_cat(&region)?);
            let (elapsed, records) = time_reader(&region)?;
            reader = reader.min(elapsed);
            messages = records;
        }
        let mb = bytes as f64 / 1e6;
        let row = Row {
            patients,
            files,
            bytes,
            messages,
            cat_seconds: cat.as_secs_f64(),
            reader_seconds: reader.as_secs_f64(),
            cat_mb_per_s: mb / cat.as_secs_f64(),
            reader_mb_per_s: mb / reader.as_secs_f64(),
            cat_files_per_s: files as f64 / cat.as_secs_f64(),
            reader_messages_per_s: messages as f64 / reader.as_secs_f64(),
            ratio: cat.as_secs_f64() / reader.as_secs_f64(),
        };
        if !args.json {
            eprintln!(
                "{patients} patients: {files} files, {:.1} MB: cat {:.2} s, reader {:.2} s",
                mb, row.cat_seconds, row.reader_seconds
            );
        }
        rows.push(row);
    }
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    } else {
        writeln!(
            out,
            "{:>9} {:>9} {:>9} {:>10} {:>10} {:>12} {:>12} {:>7}",
            "patients",
            "files",
            "MB",
            "cat MB/s",
            "read MB/s",
            "cat files/s",
            "read msgs/s",
            "ratio"
        )?;
        for r in &rows {
            writeln!(
                out,
                "{:>9} {:>9} {:>9.1} {:>10.1} {:>10.1} {:>12.0} {:>12.0} {:>7.2}",
                r.patients,
                r.files,
                r.bytes as f64 / 1e6,
                r.cat_mb_per_s,
                r.reader_mb_per_s,
                r.cat_files_per_s,
                r.reader_messages_per_s,
                r.ratio
            )?;
        }
        writeln!(
            out,
            "ratio = reader throughput / cat throughput over the same files (goal >= 0.50)"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the region of this size, facility count and seed is kept under `dir`.
fn region_dir(dir: &Path, patients: u64, facilities: u32, seed: u64) -> PathBuf {
    dir.join(format!("region-p{patients}-f{facilities}-s{seed}"))
}

fn ensure_region(region: &Path, patients: u64, facilities: u32, seed: u64) -> anyhow::Result<()> {
    ensure_region_with(
        region,
        &crate::demo_data::Region {
            patients,
            facilities,
            seed,
            match_traps: 0,
        },
    )
}

/// Generates the region `what` describes into `region`, unless a finished one is there.
fn ensure_region_with(region: &Path, what: &crate::demo_data::Region) -> anyhow::Result<()> {
    if region.join("region.json").is_file() {
        return Ok(());
    }
    if region.exists() {
        std::fs::remove_dir_all(region).with_context(|| {
            format!("cannot clear the half-written region {}", region.display())
        })?;
    }
    eprintln!(
        "generating {} patients in {} …",
        what.patients,
        region.display()
    );
    crate::demo_data::generate(region, what, None)
}

fn count_files(dir: &Path) -> anyhow::Result<(u64, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    for root in region_roots(dir)? {
        let mut stack = vec![root.path];
        while let Some(d) = stack.pop() {
            for entry in
                std::fs::read_dir(&d).with_context(|| format!("cannot list {}", d.display()))?
            {
                let entry = entry?;
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    stack.push(entry.path());
                } else if kind.is_file() {
                    files += 1;
                    bytes += entry.metadata()?.len();
                }
            }
        }
    }
    Ok((files, bytes))
}

/// `cat` over every storage file of the region (not region.json or the cross-reference list).
fn time_cat(region: &Path) -> anyhow::Result<Duration> {
    let roots: Vec<String> = region_roots(region)?
        .into_iter()
        .map(|r| r.path.display().to_string())
        .collect();
    let start = Instant::now();
    let status = Process::new("sh")
        .arg("-c")
        .arg(r#"find "$@" -type f -print0 | xargs -0 cat > /dev/null"#)
        .arg("sh")
        .args(&roots)
        .status()
        .context("cannot run find | xargs cat")?;
    let elapsed = start.elapsed();
    if !status.success() {
        bail!("the cat baseline failed ({status})");
    }
    Ok(elapsed)
}

fn time_reader(region: &Path) -> anyhow::Result<(Duration, u64)> {
    let roots = region_roots(region)?;
    let start = Instant::now();
    let storage = Storage::scan(roots);
    let report = check(&storage, |_| {});
    Ok((start.elapsed(), report.records))
}

/// The nearest-rank percentile `p` (0 to 100) of `samples`: the smallest sample with at least `p`% of
/// the samples at or below it, so it is always a measured value. `None` when there are no samples.
fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p.clamp(0.0, 100.0) / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::percentile;

    fn one_to(n: u32) -> Vec<f64> {
        // Reversed, so the function has to sort.
        (1..=n).rev().map(f64::from).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank_values_of_the_samples() {
        assert_eq!(percentile(&one_to(100), 50.0), Some(50.0));
        assert_eq!(percentile(&one_to(100), 99.0), Some(99.0));
        assert_eq!(percentile(&one_to(1_000), 99.0), Some(990.0));
        assert_eq!(percentile(&one_to(5), 50.0), Some(3.0));
    }

    #[test]
    fn extreme_percentiles_are_the_smallest_and_largest_sample() {
        assert_eq!(percentile(&one_to(7), 0.0), Some(1.0));
        assert_eq!(percentile(&one_to(7), 100.0), Some(7.0));
        assert_eq!(percentile(&[4.5], 99.0), Some(4.5));
    }

    #[test]
    fn no_samples_have_no_percentile() {
        assert_eq!(percentile(&[], 50.0), None);
    }
}
