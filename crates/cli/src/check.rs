//! `fieldchart check`: intake validation of SS-MIX2 storage, as a hub does it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use fieldchart_reader::read::Storage;
use fieldchart_reader::report::{CheckReport, Problem, check};
use fieldchart_storage::DiagnosticCode;

use crate::progress;
use crate::roots::{parse_root, region_roots};

/// Validate SS-MIX2 storage the way a hub does on intake.
///
/// Reads every file of every root (walk, decode, parse, map, condition-flag resolution) and reports
/// counts, errors (files that could not become records) and warnings (records that disagree with
/// something, such as a PID-3 that differs from its patient folder). Standardized and extended
/// storage are recognised from their contents. The exit code is 0 whenever the roots could be read,
/// even if some files are bad; 1 when a root could not be read.
#[derive(clap::Args)]
pub struct Args {
    /// Storage roots: `FACILITY=PATH` (a 10-digit medical institution code and a root) or a bare
    /// `PATH` for an unnamed facility. Repeat for several roots, also of one facility.
    #[arg(value_name = "ROOT")]
    roots: Vec<String>,
    /// Add every `DIR/<facility>/<root>` of a region (as written by `fieldchart demo-data`).
    #[arg(long, value_name = "DIR")]
    region: Vec<PathBuf>,
    /// Print one JSON object instead of the readable report.
    #[arg(long)]
    json: bool,
    /// How many errors and warnings of each kind the readable report lists (all are counted).
    #[arg(long, default_value_t = 5, value_name = "N")]
    examples: usize,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut roots = Vec::new();
    for root in &args.roots {
        roots.push(parse_root(root)?);
    }
    for region in &args.region {
        roots.extend(region_roots(region)?);
    }
    if roots.is_empty() {
        bail!("no storage root given; run `fieldchart check FACILITY=PATH` (see --help)");
    }
    let storage = Storage::scan(roots);
    let bar = progress::bar(storage.patient_count() as u64, "patients");
    let report = check(&storage, |done| bar.set_position(done));
    bar.finish_and_clear();
    let mut out = crate::out::stdout();
    if args.json {
        crate::out::json(&mut out, &report)?;
    } else {
        out.write_all(render(&report, args.examples).as_bytes())?;
    }
    out.flush()?;
    let root_unreadable = report
        .errors
        .iter()
        .any(|p| p.code == DiagnosticCode::RootUnreadable);
    Ok(if root_unreadable {
        ExitCode::from(fieldchart_failure::Failure::Incomplete.code())
    } else {
        ExitCode::SUCCESS
    })
}

/// The readable report: totals, per facility, then problems grouped by kind with a few examples.
fn render(report: &CheckReport, examples: usize) -> String {
    let mut out = String::new();
    let line = |out: &mut String, s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(
        &mut out,
        format!(
            "{} files: {} read into records, {} errors; {} warnings",
            report.files,
            report.records,
            report.errors.len(),
            report.warnings.len()
        ),
    );
    if report.unlisted > 0 || report.not_files > 0 {
        line(
            &mut out,
            format!(
                "not looked into: {} folders could not be listed (nothing in them is counted), {} \
                 entries are not files (links, sockets); each is listed under errors",
                report.unlisted, report.not_files
            ),
        );
    }
    line(
        &mut out,
        format!(
            "records: {} current, {} superseded, {} deleted, {} cancelled; {} patients",
            report.current, report.superseded, report.deleted, report.cancelled, report.patients
        ),
    );
    if !report.encodings.is_empty() {
        let encodings: Vec<String> = report
            .encodings
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        line(&mut out, format!("encodings: {}", encodings.join(", ")));
    }
    line(&mut out, String::new());
    line(&mut out, "facilities:".to_string());
    for f in &report.facilities {
        line(
            &mut out,
            format!(
                "  {}  {} patients, {} files, {} current, {} errors, {} warnings, data as of {}",
                f.facility,
                f.patients,
                f.files,
                f.current,
                f.errors,
                f.warnings,
                f.data_as_of.as_deref().unwrap_or("-")
            ),
        );
        for root in &f.roots {
            line(
                &mut out,
                format!("    {:?} storage  {}", root.kind, root.path),
            );
        }
    }
    if !report.by_type.is_empty() {
        line(&mut out, String::new());
        line(&mut out, "current records by data type:".to_string());
        for (data_type, n) in &report.by_type {
            line(&mut out, format!("  {n:>9}  {data_type}"));
        }
    }
    for (title, problems) in [("errors", &report.errors), ("warnings", &report.warnings)] {
        if problems.is_empty() {
            continue;
        }
        line(&mut out, String::new());
        line(&mut out, format!("{title} by kind:"));
        let mut groups: BTreeMap<DiagnosticCode, Vec<&Problem>> = BTreeMap::new();
        for p in problems {
            groups.entry(p.code).or_default().push(p);
        }
        for (code, group) in groups {
            line(&mut out, format!("  {code} ({})", group.len()));
            for p in group.iter().take(examples) {
                line(&mut out, format!("    {}", p.path));
                line(&mut out, format!("      {}", p.reason));
            }
            if group.len() > examples {
                line(
                    &mut out,
                    format!(
                        "    … and {} more (--json lists all)",
                        group.len() - examples
                    ),
                );
            }
        }
    }
    out
}
