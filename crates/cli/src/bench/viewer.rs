//! `fieldchart bench viewer` (hidden): the field laptop's side of `bench snapshot`, run as a child
//! process so that its peak RSS is the viewer's own and not the builder's.
//!
//! It opens the snapshot several times (each a new session), then, on one session, runs every query
//! (search, 20 results) and the record of up to [`RECORDS`] patients found, timing each (with its
//! audit entry), and prints
//! one JSON [`ViewerReport`] on stdout. It prints no patient data: only counts and times.

use std::io::Read;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{Local, Utc};
use fieldchart_audit::UnlockMethod;
use fieldchart_policy::{Basis, Declaration, Profession};
use fieldchart_query::record::record;
use fieldchart_query::search::search;
use fieldchart_session::{Session, SessionOptions, Viewing, ViewingOptions};
use fieldchart_vault::{TrustedKey, Unlock};
use serde::{Deserialize, Serialize};

use super::percentile;
use super::queries::{BenchQuery, QueryKind};

/// Sessions opened (and dropped) to time opening.
const OPENS: usize = 5;
/// Results per search, as the viewer's result list shows.
const SEARCH_LIMIT: usize = 20;
/// Patient records opened after the searches.
const RECORDS: usize = 200;

#[derive(clap::Args)]
pub struct ViewerArgs {
    #[arg(long, value_name = "FILE")]
    snapshot: PathBuf,
    #[arg(long, value_name = "KEY")]
    identity: PathBuf,
    #[arg(long, value_name = "PUB")]
    trust: String,
    /// The audit log the viewing session writes (every search and record, fsync'd, as on a laptop).
    #[arg(long, value_name = "FILE")]
    audit_log: PathBuf,
    /// JSON lines of queries (`bench snapshot` makes them); `-` reads them from stdin.
    #[arg(long, value_name = "FILE")]
    queries: PathBuf,
    /// Print the report as one JSON line (what `bench snapshot` reads) instead of text.
    #[arg(long)]
    json: bool,
}

/// What the viewer measured. Times in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewerReport {
    pub open_ms_median: f64,
    pub open_ms_min: f64,
    pub search_p50_ms: f64,
    pub search_p99_ms: f64,
    pub record_p50_ms: f64,
    pub record_p99_ms: f64,
    /// VmHWM of the viewer process, in MB (10^6 bytes).
    pub peak_rss_mb: f64,
    pub queries: usize,
    /// Queries whose patient was among the first 20 results.
    pub hits: usize,
    pub kanji_queries: usize,
    pub kanji_hits: usize,
    /// Misses where 20 namesakes (or, for dates, 20 patients born that day of that sex) fill the
    /// list: the query cannot single the patient out, however good the search.
    pub kanji_crowded: usize,
    pub kana_queries: usize,
    pub kana_hits: usize,
    pub kana_crowded: usize,
    pub dob_queries: usize,
    pub dob_hits: usize,
    pub dob_crowded: usize,
    pub records: usize,
}

pub fn run(args: ViewerArgs) -> anyhow::Result<ExitCode> {
    let mut out = crate::out::stdout();
    let queries = read_queries(&args)?;
    if queries.is_empty() {
        bail!("no queries given to the viewer benchmark");
    }
    let trusted = vec![TrustedKey::parse(&args.trust)?];
    let open = || -> anyhow::Result<(Session, Duration)> {
        // The key file is read outside the timer: a laptop reads it once, not per snapshot.
        let unlock = Unlock::Identity(fieldchart_vault::load_identity(&args.identity)?);
        let start = Instant::now();
        let session = Session::open(SessionOptions {
            path: args.snapshot.clone(),
            unlock,
            trusted: trusted.clone(),
            now: Utc::now(),
            accept_expired: false,
        })?;
        Ok((session, start.elapsed()))
    };
    let mut open_ms = Vec::with_capacity(OPENS);
    let mut session = None;
    for _ in 0..OPENS {
        // Drop the previous session first so each open starts from nothing of its own.
        drop(session.take());
        let (opened, elapsed) = open()?;
        open_ms.push(ms(elapsed));
        session = Some(opened);
    }
    let session = session.context("the snapshot was never opened")?;
    // A doctor, so that the whole record is read; every search and record is audited as on a
    // laptop, so the figures include the audit log's signing, encryption and fsync.
    let mut viewing = Viewing::begin(
        session,
        ViewingOptions {
            declaration: Declaration {
                name: "bench".into(),
                profession: Profession::Doctor,
                team: "bench".into(),
                event: "bench".into(),
                authorisation: None,
            },
            audit_log: args.audit_log.clone(),
            break_glass: None,
            method: UnlockMethod::DeviceKey,
            clock: Box::new(Utc::now),
        },
    )?;

    let today = Local::now().date_naive();
    let mut search_ms = Vec::with_capacity(queries.len());
    let mut found = Vec::new();
    let mut tally = Tally::default();
    for q in &queries {
        let start = Instant::now();
        let answer = search(&mut viewing, &q.text, SEARCH_LIMIT, today)?;
        // A name the policy calls too broad lists nobody; it counts as crowded, like a full page.
        let too_broad = matches!(
            answer.breadth,
            fieldchart_query::search::Breadth::TooBroad { .. }
        );
        let results = answer.results;
        search_ms.push(ms(start.elapsed()));
        let hit = results
            .iter()
            .any(|r| r.facility == q.facility && r.patient_id == q.patient_id);
        let crowded = !hit
            && (too_broad
                || (results.len() >= SEARCH_LIMIT && results.iter().all(|r| q.shares_key_with(r))));
        tally.add(q.kind, hit, crowded);
        if let Some(first) = results.first()
            && found.len() < RECORDS
        {
            found.push((first.facility.clone(), first.patient_id.clone()));
        }
    }

    let mut record_ms = Vec::with_capacity(found.len());
    for (facility, id) in &found {
        let start = Instant::now();
        let view = record(
            &mut viewing,
            facility,
            id,
            Some(Basis::VitalInterest),
            today,
        )?;
        record_ms.push(ms(start.elapsed()));
        if view.is_none() {
            bail!("a patient that search returned has no record in the snapshot");
        }
    }

    viewing.lock()?;
    let report = ViewerReport {
        open_ms_median: percentile(&open_ms, 50.0).context("no open was timed")?,
        open_ms_min: open_ms.iter().copied().fold(f64::INFINITY, f64::min),
        search_p50_ms: percentile(&search_ms, 50.0).context("no search was timed")?,
        search_p99_ms: percentile(&search_ms, 99.0).context("no search was timed")?,
        record_p50_ms: percentile(&record_ms, 50.0).context("no search found a patient")?,
        record_p99_ms: percentile(&record_ms, 99.0).context("no search found a patient")?,
        peak_rss_mb: peak_rss_mb()?,
        queries: queries.len(),
        hits: tally.kanji.hits + tally.kana.hits + tally.dob.hits,
        kanji_queries: tally.kanji.queries,
        kanji_hits: tally.kanji.hits,
        kanji_crowded: tally.kanji.crowded,
        kana_queries: tally.kana.queries,
        kana_hits: tally.kana.hits,
        kana_crowded: tally.kana.crowded,
        dob_queries: tally.dob.queries,
        dob_hits: tally.dob.hits,
        dob_crowded: tally.dob.crowded,
        records: record_ms.len(),
    };
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        writeln!(
            out,
            "open {:.1} ms (min {:.1}); search p50 {:.2} ms, p99 {:.2} ms; record p50 {:.2} ms, p99 {:.2} ms; peak RSS {:.0} MB; {} of {} queries found their patient",
            report.open_ms_median,
            report.open_ms_min,
            report.search_p50_ms,
            report.search_p99_ms,
            report.record_p50_ms,
            report.record_p99_ms,
            report.peak_rss_mb,
            report.hits,
            report.queries
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Queries, hits and crowded-out misses of one kind.
#[derive(Default)]
struct KindTally {
    queries: usize,
    hits: usize,
    crowded: usize,
}

#[derive(Default)]
struct Tally {
    kanji: KindTally,
    kana: KindTally,
    dob: KindTally,
}

impl Tally {
    fn add(&mut self, kind: QueryKind, hit: bool, crowded: bool) {
        let slot = match kind {
            QueryKind::KanjiName => &mut self.kanji,
            QueryKind::KanaName => &mut self.kana,
            QueryKind::DobSex => &mut self.dob,
        };
        slot.queries += 1;
        slot.hits += usize::from(hit);
        slot.crowded += usize::from(crowded);
    }
}

fn read_queries(args: &ViewerArgs) -> anyhow::Result<Vec<BenchQuery>> {
    let mut text = String::new();
    if args.queries.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the queries from stdin")?;
    } else {
        text = std::fs::read_to_string(&args.queries)
            .with_context(|| format!("cannot read the queries {}", args.queries.display()))?;
    }
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("query line {} is not a benchmark query", i + 1))
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The process's peak resident set (VmHWM), from /proc/self/status (Linux), in MB.
fn peak_rss_mb() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")
        .context("cannot read /proc/self/status for the peak RSS (Linux only)")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .context("/proc/self/status has no VmHWM line")?;
    Ok(kb * 1024.0 / 1e6)
}
