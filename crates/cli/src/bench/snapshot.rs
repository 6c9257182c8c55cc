//! `fieldchart bench snapshot`: the figures of PERF-3 to PERF-7 for each region size — build time
//! and records/s, snapshot size against the raw storage, and the viewer's open, search and record
//! times and peak RSS (measured in a child process, [`super::viewer`]), with `grep -r` over the raw
//! tree for the same names as the baseline, in the same run.
//!
//! Regions, snapshots and the keys that open them are kept under `--dir` and reused by later runs.
//! The keys sit beside their snapshot (`snap-….keys/`) rather than in a temporary directory because a
//! reused snapshot can only be opened with the key it was encrypted to; they are throwaway keys for
//! synthetic drill data.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use encoding_rs::ISO_2022_JP;
use fieldchart_build::BuildOptions;
use fieldchart_policy::Policy;
use fieldchart_session::{Session, SessionOptions};
use fieldchart_vault::{TrustedKey, Unlock, WriteOptions};
use serde::{Deserialize, Serialize};

use super::queries::{BenchQuery, QueryKind, sample};
use super::viewer::ViewerReport;
use super::{count_files, ensure_region, percentile, region_dir};
use crate::progress::build_with_bars;
use crate::roots::region_roots;

#[derive(clap::Args)]
pub struct SnapshotArgs {
    /// Region sizes in patients; repeat for several (1000000 works, given time and disk).
    #[arg(long = "patients", value_name = "N", default_values_t = [10_000u64, 100_000])]
    patients: Vec<u64>,
    /// Facilities per region.
    #[arg(long, default_value_t = 3)]
    facilities: u32,
    /// Seed of the region and of the queries.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where regions, snapshots and their keys are kept (and reused by later runs).
    #[arg(long, default_value = "bench-out")]
    dir: PathBuf,
    /// Patient queries per size: a third each by kanji name, kana name and era date of birth + sex.
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    queries: usize,
    /// Kanji names grepped for in the baseline (after one warm-up grep). Each is a full read of the
    /// raw tree: at 1,000,000 patients (17 GB, 12.5 million files) one is plenty.
    #[arg(long, value_name = "N", default_value_t = 5)]
    grep_names: usize,
    /// Build the snapshots again even where one already exists.
    #[arg(long)]
    rebuild: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Kanji names grepped for in the baseline.
/// The snapshots stay valid this long so that later runs can reuse them.
const VALID_DAYS: i64 = 3_650;
const WINDOW_YEARS: u32 = 5;

/// The goals of PERF-3 to PERF-6.
const GOAL_OPEN_RATIO: f64 = 1.5;
const GOAL_SEARCH_P99_MS: f64 = 50.0;
const GOAL_RECORD_P99_MS: f64 = 100.0;
const GOAL_PEAK_RSS_MB: f64 = 400.0;

#[derive(Serialize)]
struct Row {
    patients: u64,
    files: u64,
    raw_bytes: u64,
    /// True when the snapshot of an earlier run was reused; the build figures are that run's.
    snapshot_reused: bool,
    build_seconds: f64,
    /// Current records (after condition-flag resolution) in the snapshot.
    records: u64,
    records_per_s: f64,
    snapshot_bytes: u64,
    snapshot_to_raw: f64,
    /// Identifiers the hub's cross-references link, and their share of the patients.
    linked_identifiers: u64,
    linked_share: f64,
    /// Median open time divided by the previous (smaller) size's.
    open_ratio_to_previous: Option<f64>,
    viewer: ViewerReport,
    grep_names: usize,
    /// Files `grep -l` listed, over all names (a name's ADT files and any namesake's).
    grep_files_matched: u64,
    grep_seconds_median: f64,
    grep_to_search_p50: f64,
}

#[derive(Serialize)]
struct Goals {
    /// The size the single-size goals are judged at (the largest measured; PERF-3 to PERF-6 state
    /// them at 1,000,000).
    at_patients: u64,
    /// Median open time at the largest size divided by that at the smallest.
    open_ratio: Option<f64>,
    open_ratio_met: Option<bool>,
    search_p99_ms: f64,
    search_p99_met: bool,
    record_p99_ms: f64,
    record_p99_met: bool,
    peak_rss_mb: f64,
    peak_rss_met: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    sizes: &'a [Row],
    goals: Option<Goals>,
}

pub fn run(args: SnapshotArgs) -> anyhow::Result<ExitCode> {
    let mut out = crate::out::stdout();
    if args.queries == 0 {
        bail!("--queries must be at least 1");
    }
    let mut sizes = args.patients.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut rows: Vec<Row> = Vec::new();
    for patients in sizes {
        let region = region_dir(&args.dir, patients, args.facilities, args.seed);
        ensure_region(&region, patients, args.facilities, args.seed)?;
        let (files, raw_bytes) = region_counts(&region)?;
        let files_at = SnapshotFiles::new(&args.dir, patients, args.facilities, args.seed);
        let (built, reused, session) = files_at.ensure(&region, args.rebuild, args.json)?;
        let queries = sample(&session, args.queries, args.seed)?;
        // The parent's session is closed before the viewer runs: two would share the page cache
        // and the cores.
        drop(session);
        if !args.json {
            eprintln!("{patients} patients: viewer ({} queries) …", queries.len());
        }
        let viewer = run_viewer(&files_at, &queries)?;
        if !args.json {
            eprintln!("{patients} patients: grep baseline …");
        }
        let grep = grep_baseline(&region, &queries, args.grep_names.max(1))?;
        let snapshot_bytes = std::fs::metadata(&files_at.snapshot)
            .with_context(|| format!("cannot stat {}", files_at.snapshot.display()))?
            .len();
        let open_ratio_to_previous = rows
            .last()
            .map(|previous| viewer.open_ms_median / previous.viewer.open_ms_median);
        rows.push(Row {
            patients,
            files,
            raw_bytes,
            snapshot_reused: reused,
            build_seconds: built.seconds,
            records: built.records,
            records_per_s: built.records as f64 / built.seconds.max(1e-9),
            snapshot_bytes,
            snapshot_to_raw: snapshot_bytes as f64 / raw_bytes.max(1) as f64,
            linked_identifiers: built.linked_identifiers,
            linked_share: built.linked_identifiers as f64 / built.patients.max(1) as f64,
            open_ratio_to_previous,
            grep_names: grep.names,
            grep_files_matched: grep.files_matched,
            grep_seconds_median: grep.median_seconds,
            grep_to_search_p50: grep.median_seconds / (viewer.search_p50_ms / 1e3).max(1e-9),
            viewer,
        });
    }
    let goals = goals(&rows);
    if args.json {
        let report = Report {
            sizes: &rows,
            goals,
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        print_table(&mut out, &rows, goals.as_ref())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What the build of a snapshot took, kept beside it so a reused snapshot still reports its build.
#[derive(Serialize, Deserialize)]
struct BuildRecord {
    seconds: f64,
    patients: u64,
    records: u64,
    bytes: u64,
    /// Identifiers the region's cross-references link (held by the snapshot): the record of a
    /// linked one opens as the whole person, so search and record figures include that work. A
    /// record without it (an older bench's) is rebuilt.
    linked_identifiers: u64,
}

/// The region's cross-references (`pix-xref.tsv`), as `snapshot build --xref` takes them; none
/// for a region without the file.
pub(super) fn region_links(region: &Path) -> anyhow::Result<Vec<fieldchart_build::LinkRow>> {
    let path = region.join(fieldchart_synth::XREF_FILE);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let links = fieldchart_identity::links_of_xref(&text)
        .map_err(|(line, why)| anyhow::anyhow!("{}, line {line}: {why}", path.display()))?;
    Ok(fieldchart_build::LinkRow::all(&links))
}

/// A benchmark snapshot and the throwaway keys that open it.
pub(super) struct SnapshotFiles {
    pub(super) snapshot: PathBuf,
    pub(super) keys: PathBuf,
}

impl SnapshotFiles {
    /// Throwaway keys in `keys` (made now: device, signing, audit, and their public halves) for a
    /// snapshot at `snapshot`.
    pub(super) fn with_keys(snapshot: &Path, keys: &Path) -> anyhow::Result<SnapshotFiles> {
        let files = SnapshotFiles {
            snapshot: snapshot.to_path_buf(),
            keys: keys.to_path_buf(),
        };
        std::fs::create_dir_all(keys)
            .with_context(|| format!("cannot create {}", keys.display()))?;
        let device = fieldchart_vault::generate_device_identity(&files.device_key())?;
        let public = fieldchart_vault::generate_signing_key(&files.signing_key())?;
        let audit = fieldchart_vault::generate_device_identity(&files.audit_key())?;
        std::fs::write(files.trust_file(), format!("{public}\n"))?;
        std::fs::write(keys.join("device.pub"), format!("{device}\n"))?;
        std::fs::write(keys.join("audit.pub"), format!("{audit}\n"))?;
        Ok(files)
    }

    /// The keys an earlier run left in `keys`, for `snapshot`.
    pub(super) fn existing(snapshot: &Path, keys: &Path) -> SnapshotFiles {
        SnapshotFiles {
            snapshot: snapshot.to_path_buf(),
            keys: keys.to_path_buf(),
        }
    }

    /// The same keys, for another snapshot (or chain file).
    pub(super) fn for_snapshot(&self, snapshot: &Path) -> SnapshotFiles {
        SnapshotFiles {
            snapshot: snapshot.to_path_buf(),
            keys: self.keys.clone(),
        }
    }

    fn new(dir: &Path, patients: u64, facilities: u32, seed: u64) -> SnapshotFiles {
        let stem = format!("snap-p{patients}-f{facilities}-s{seed}");
        SnapshotFiles {
            snapshot: dir.join(format!("{stem}.fcs")),
            keys: dir.join(format!("{stem}.keys")),
        }
    }

    pub(super) fn device_key(&self) -> PathBuf {
        self.keys.join("device.key")
    }

    pub(super) fn signing_key(&self) -> PathBuf {
        self.keys.join("signing.key")
    }

    pub(super) fn trust_file(&self) -> PathBuf {
        self.keys.join("trust.pub")
    }

    pub(super) fn audit_key(&self) -> PathBuf {
        self.keys.join("audit.key")
    }

    /// The viewer's audit log: a fresh one per run.
    pub(super) fn audit_log(&self) -> PathBuf {
        self.keys.join("audit.log")
    }

    fn build_record(&self) -> PathBuf {
        self.keys.join("build.json")
    }

    pub(super) fn trusted(&self) -> anyhow::Result<String> {
        let path = self.trust_file();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok(text.trim().to_owned())
    }

    fn open(&self) -> anyhow::Result<Session> {
        Ok(Session::open(SessionOptions {
            path: self.snapshot.clone(),
            unlock: Unlock::Identity(fieldchart_vault::load_identity(&self.device_key())?),
            trusted: vec![TrustedKey::parse(&self.trusted()?)?],
            now: Utc::now(),
            accept_expired: false,
        })?)
    }

    /// The snapshot of `region`, reused when one opens (unless `rebuild`), built otherwise. Returns
    /// its build record, whether it was reused, and an open session.
    fn ensure(
        &self,
        region: &Path,
        rebuild: bool,
        quiet: bool,
    ) -> anyhow::Result<(BuildRecord, bool, Session)> {
        if !rebuild && self.snapshot.is_file() {
            match self.reuse() {
                Ok((record, session)) => return Ok((record, true, session)),
                // A snapshot from an older content version, an expired one or one whose keys were
                // lost is rebuilt; the reason is printed so a real fault does not pass unseen.
                Err(e) => eprintln!(
                    "cannot reuse {} ({e:#}); building it again",
                    self.snapshot.display()
                ),
            }
        }
        let record = self.build(region, quiet)?;
        let session = self
            .open()
            .with_context(|| format!("cannot open the new {}", self.snapshot.display()))?;
        Ok((record, false, session))
    }

    fn reuse(&self) -> anyhow::Result<(BuildRecord, Session)> {
        let path = self.build_record();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let record: BuildRecord = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a build record", path.display()))?;
        Ok((record, self.open()?))
    }

    fn build(&self, region: &Path, quiet: bool) -> anyhow::Result<BuildRecord> {
        for path in [&self.snapshot, &self.keys] {
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(path)
            } else if path.exists() {
                std::fs::remove_file(path)
            } else {
                Ok(())
            };
            removed.with_context(|| format!("cannot remove the old {}", path.display()))?;
        }
        std::fs::create_dir_all(&self.keys)
            .with_context(|| format!("cannot create {}", self.keys.display()))?;
        let recipient = fieldchart_vault::generate_device_identity(&self.device_key())?;
        let public = fieldchart_vault::generate_signing_key(&self.signing_key())?;
        let audit_recipient = fieldchart_vault::generate_device_identity(&self.audit_key())?;
        std::fs::write(self.trust_file(), format!("{public}\n"))
            .with_context(|| format!("cannot write {}", self.trust_file().display()))?;

        if !quiet {
            eprintln!("building {} …", self.snapshot.display());
        }
        let created = Utc::now();
        let opts = BuildOptions {
            storage: region_roots(region)?,
            out: self.snapshot.clone(),
            vault: WriteOptions {
                recipients: vec![fieldchart_vault::parse_recipient(&recipient)?],
                passphrase: None,
                scrypt_log_n: None,
                signing_key: fieldchart_vault::load_signing_key(&self.signing_key())?,
                created,
                not_after: created + chrono::Duration::days(VALID_DAYS),
                drill: true,
            },
            window_years: WINDOW_YEARS,
            policy: Policy::default_policy(),
            consent: Vec::new(),
            // As the hub builds it: the region's index links its visitors (issue 15 §4 measures
            // search and record with them).
            links: region_links(region)?,
            audit_recipient,
            facility_names: crate::roots::region_names(region)?,
            chain: None,
            // As a drill hub builds it: letters checked against the drill HPKI root, codes read
            // against the region's drill masters (what a real hub's build also does per item).
            hpki: fieldchart_synth::signing::drill_trust(),
            masters: std::sync::Arc::new(drill_masters(region)?),
        };
        let summary = build_with_bars(opts, || {})?;
        let record = BuildRecord {
            seconds: summary.seconds,
            patients: summary.patients,
            records: summary.records,
            bytes: summary.bytes,
            linked_identifiers: summary.links.members - summary.links.unmatched,
        };
        std::fs::write(self.build_record(), serde_json::to_string_pretty(&record)?)
            .with_context(|| format!("cannot write {}", self.build_record().display()))?;
        Ok(record)
    }
}

/// Runs `fieldchart bench viewer` on the snapshot as a fresh process, the queries on its stdin, and
/// reads its JSON report.
pub(super) fn run_viewer(
    files: &SnapshotFiles,
    queries: &[BenchQuery],
) -> anyhow::Result<ViewerReport> {
    // Each run starts a new audit log (and its head), so its size does not grow run after run.
    for entry in std::fs::read_dir(&files.keys)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with("audit.log") {
            std::fs::remove_file(entry.path())?;
        }
    }
    let exe = std::env::current_exe().context("cannot find the fieldchart binary to re-run")?;
    let mut lines = String::new();
    for q in queries {
        lines.push_str(&serde_json::to_string(q)?);
        lines.push('\n');
    }
    let mut child = Process::new(exe)
        .args(["bench", "viewer", "--snapshot"])
        .arg(&files.snapshot)
        .arg("--identity")
        .arg(files.device_key())
        .arg("--trust")
        .arg(files.trusted()?)
        .arg("--audit-log")
        .arg(files.audit_log())
        .args(["--queries", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the viewer benchmark process")?;
    // The child reads all of stdin before it writes anything, so writing first cannot deadlock.
    let mut stdin = child
        .stdin
        .take()
        .context("the viewer process has no stdin")?;
    stdin
        .write_all(lines.as_bytes())
        .context("cannot send the queries to the viewer process")?;
    drop(stdin);
    let output = child
        .wait_with_output()
        .context("the viewer process did not finish")?;
    if !output.status.success() {
        bail!(
            "the viewer benchmark failed ({}); its error is above",
            output.status
        );
    }
    serde_json::from_slice(&output.stdout).context("the viewer process printed no report")
}

/// Files and bytes of a region: from the generator's `region.json` when it is complete (walking a
/// million-patient tree only to count it takes longer than reading it), else by walking it.
fn region_counts(region: &Path) -> anyhow::Result<(u64, u64)> {
    let summary = std::fs::read(region.join("region.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    if let Some(v) = summary
        && v["complete"] == true
        && let (Some(files), Some(bytes)) = (v["files"].as_u64(), v["bytes"].as_u64())
    {
        return Ok((files, bytes));
    }
    count_files(region)
}

struct GrepBaseline {
    names: usize,
    files_matched: u64,
    median_seconds: f64,
}

/// `grep -r -l -F` over the region's storage roots for the first `names` kanji-name queries,
/// after one warm-up run so that neither side pays for the disk. Storage files are ISO-2022-JP
/// (SS-MIX2 guide §4.1), so the name is grepped for as those bytes, `family^given` as PID-5 holds it
/// (guide §3.2).
fn grep_baseline(
    region: &Path,
    queries: &[BenchQuery],
    names: usize,
) -> anyhow::Result<GrepBaseline> {
    let roots: Vec<PathBuf> = region_roots(region)?.into_iter().map(|r| r.path).collect();
    let patterns: Vec<Vec<u8>> = queries
        .iter()
        .filter(|q| q.kind == QueryKind::KanjiName)
        .filter_map(|q| pid5_bytes(&q.text))
        .take(names)
        .collect();
    let Some(first) = patterns.first() else {
        bail!("no kanji-name query can be written in ISO-2022-JP for the grep baseline");
    };
    grep(&roots, first)?;
    let mut seconds = Vec::with_capacity(patterns.len());
    let mut files_matched = 0;
    for pattern in &patterns {
        let (elapsed, matched) = grep(&roots, pattern)?;
        seconds.push(elapsed.as_secs_f64());
        files_matched += matched;
    }
    Ok(GrepBaseline {
        names: patterns.len(),
        files_matched,
        median_seconds: percentile(&seconds, 50.0).context("no grep was timed")?,
    })
}

/// `佐藤 大輔` as the ISO-2022-JP bytes of `佐藤^大輔`; `None` when a character has no JIS X 0208 code.
fn pid5_bytes(name_kanji: &str) -> Option<Vec<u8>> {
    let pid5 = name_kanji.trim().replacen(' ', "^", 1);
    let (bytes, _, unmappable) = ISO_2022_JP.encode(&pid5);
    (!unmappable).then(|| bytes.into_owned())
}

/// One `grep -r -l -F` run; the pattern goes through stdin (`-f -`), so no name is written to disk
/// or shows in the process list. Returns the time and the number of files listed.
fn grep(roots: &[PathBuf], pattern: &[u8]) -> anyhow::Result<(Duration, u64)> {
    let start = Instant::now();
    let mut child = Process::new("grep")
        .args(["-r", "-l", "-F", "-f", "-"])
        .args(roots)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run grep for the baseline")?;
    let mut stdin = child.stdin.take().context("grep has no stdin")?;
    stdin.write_all(pattern)?;
    stdin.write_all(b"\n")?;
    drop(stdin);
    let output = child.wait_with_output().context("grep did not finish")?;
    let elapsed = start.elapsed();
    // grep exits 1 when nothing matched, which is a valid (if surprising) baseline.
    if !matches!(output.status.code(), Some(0 | 1)) {
        bail!("the grep baseline failed ({})", output.status);
    }
    let files = output
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    Ok((elapsed, files))
}

fn goals(rows: &[Row]) -> Option<Goals> {
    let (smallest, largest) = (rows.first()?, rows.last()?);
    let open_ratio =
        (rows.len() > 1).then(|| largest.viewer.open_ms_median / smallest.viewer.open_ms_median);
    let v = &largest.viewer;
    Some(Goals {
        at_patients: largest.patients,
        open_ratio,
        open_ratio_met: open_ratio.map(|r| r <= GOAL_OPEN_RATIO),
        search_p99_ms: v.search_p99_ms,
        search_p99_met: v.search_p99_ms <= GOAL_SEARCH_P99_MS,
        record_p99_ms: v.record_p99_ms,
        record_p99_met: v.record_p99_ms <= GOAL_RECORD_P99_MS,
        peak_rss_mb: v.peak_rss_mb,
        peak_rss_met: v.peak_rss_mb <= GOAL_PEAK_RSS_MB,
    })
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

fn print_table(out: &mut impl Write, rows: &[Row], goals: Option<&Goals>) -> std::io::Result<()> {
    writeln!(
        out,
        "{:>9} {:>9} {:>8} {:>9} {:>10} {:>9} {:>9} {:>8}",
        "patients", "files", "raw MB", "build s", "records/s", "records", "snap MB", "snap/raw"
    )?;
    for r in rows {
        writeln!(
            out,
            "{:>9} {:>9} {:>8.1} {:>9.1} {:>10.0} {:>9} {:>9.1} {:>8.3}{}",
            r.patients,
            r.files,
            r.raw_bytes as f64 / 1e6,
            r.build_seconds,
            r.records_per_s,
            r.records,
            r.snapshot_bytes as f64 / 1e6,
            r.snapshot_to_raw,
            if r.snapshot_reused {
                "  (snapshot reused: build figures from the run that built it)"
            } else {
                ""
            }
        )?;
    }
    for r in rows {
        writeln!(
            out,
            "{:>9} patients: {} identifiers linked by the region's cross-references ({:.1}%); \
             a linked record opens as the whole person",
            r.patients,
            r.linked_identifiers,
            r.linked_share * 100.0
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:>9} {:>14} {:>9} {:>17} {:>17} {:>7} {:>28} {:>8} {:>11}",
        "patients",
        "open ms (min)",
        "open/prev",
        "search p50/p99 ms",
        "record p50/p99 ms",
        "RSS MB",
        "hit+crowded % kanji/kana/dob",
        "grep s",
        "grep/search"
    )?;
    for r in rows {
        let v = &r.viewer;
        let pct = |hits: usize, crowded: usize, of: usize| {
            let of = of.max(1) as f64;
            format!(
                "{:.0}+{:.0}",
                100.0 * hits as f64 / of,
                100.0 * crowded as f64 / of
            )
        };
        writeln!(
            out,
            "{:>9} {:>14} {:>9} {:>17} {:>17} {:>7.0} {:>28} {:>8.2} {:>11.0}",
            r.patients,
            format!("{:.1} ({:.1})", v.open_ms_median, v.open_ms_min),
            r.open_ratio_to_previous
                .map_or_else(|| "-".to_owned(), |x| format!("{x:.2}")),
            format!("{:.2} / {:.2}", v.search_p50_ms, v.search_p99_ms),
            format!("{:.2} / {:.2}", v.record_p50_ms, v.record_p99_ms),
            v.peak_rss_mb,
            format!(
                "{} / {} / {}",
                pct(v.kanji_hits, v.kanji_crowded, v.kanji_queries),
                pct(v.kana_hits, v.kana_crowded, v.kana_queries),
                pct(v.dob_hits, v.dob_crowded, v.dob_queries)
            ),
            r.grep_seconds_median,
            r.grep_to_search_p50
        )?;
    }
    writeln!(
        out,
        "queries per size: {} (a third each by kanji name, kana name, era date of birth + sex); hit = the patient drawn is in the top 20, crowded = it is not because 20 others with the very same name (or birth date and sex) fill the list, the rest are real misses; grep = median of {} kanji names, `grep -r -l -F` over the raw tree, warm cache",
        rows.first().map_or(0, |r| r.viewer.queries),
        rows.first().map_or(0, |r| r.grep_names),
    )?;
    let Some(g) = goals else { return Ok(()) };
    let open = match (g.open_ratio, g.open_ratio_met) {
        (Some(ratio), Some(ok)) => format!(
            "open ratio largest/smallest {ratio:.2} (goal <= {GOAL_OPEN_RATIO}: {})",
            met(ok)
        ),
        _ => "open ratio needs two sizes".to_owned(),
    };
    writeln!(
        out,
        "goals at {} patients (PERF-3..PERF-6 state them at 1000000): {open}; search p99 {:.2} ms (<= {GOAL_SEARCH_P99_MS}: {}); record p99 {:.2} ms (<= {GOAL_RECORD_P99_MS}: {}); peak RSS {:.0} MB (<= {GOAL_PEAK_RSS_MB}: {})",
        g.at_patients,
        g.search_p99_ms,
        met(g.search_p99_met),
        g.record_p99_ms,
        met(g.record_p99_met),
        g.peak_rss_mb,
        met(g.peak_rss_met),
    )?;
    Ok(())
}

/// The generator's drill masters beside `region`, loaded as a drill hub's `[masters]` would be;
/// none for a region written before them.
fn drill_masters(region: &Path) -> anyhow::Result<fieldchart_masters::Masters> {
    match fieldchart_synth::drill_masters(region) {
        Some(d) => Ok(d.files().load()?),
        None => Ok(fieldchart_masters::Masters::new()),
    }
}
