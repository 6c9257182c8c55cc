//! `fieldchart hub audit ingest|review DIR`: the laptops' forwarded audit trails at the hub
//! (docs/audit.md, "At the hub").
//!
//! `ingest` reads what the syslog-TLS collector wrote (its accepted entries and the replays it
//! dropped) together with what earlier ingests kept, and keeps per log, under `DIR/audit/logs/<log
//! id>/`, each chain as a log file in the laptop's own format (`chain-1.log`, `chain-2.log` for a
//! fork …, checked by `fieldchart audit verify --collected`) and a `summary.json`: which
//! registered laptop's audit key signed it, forks, gaps, refused lines, resends. `review` decrypts
//! every kept chain with the hub's audit key and reviews them together.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use fieldchart_audit::log::collected::{
    self, CollectedLog, CollectorLine, Gap, ReceivedLine, Rejected, collect, is_log_id,
};
use fieldchart_hub::{HubConfig, Register};
use serde::{Deserialize, Serialize};

/// The hub's audit folder, inside the hub folder.
pub const AUDIT_DIR: &str = "audit";
const LOGS_DIR: &str = "logs";
const SUMMARY_FILE: &str = "summary.json";

#[derive(clap::Subcommand)]
pub enum HubAuditCommand {
    /// Take what the syslog-TLS collector received ([audit] collected in hub.toml, or --from):
    /// one verified log per laptop, every entry checked against the registered audit key and the
    /// chain, with forks (a copied laptop), gaps and refused lines named.
    Ingest(IngestArgs),
    /// One review across all laptops: security alerts (forks, unknown keys, refused lines, gaps),
    /// laptops silent for more than [audit] silent_days, break-glass and what was opened under it,
    /// views without consent, refusals, failed unlocks, clock anomalies, per laptop and per person.
    Review(ReviewArgs),
}

#[derive(clap::Args)]
pub struct IngestArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// A collector file to read instead of [audit] collected (repeat).
    #[arg(long, value_name = "FILE")]
    from: Vec<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct ReviewArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Only entries on or after this day (YYYY-MM-DD, the laptops' local date).
    #[arg(long, value_name = "DATE")]
    since: Option<NaiveDate>,
    /// Only this laptop of the register (its name): its logs, under all the keys it has had.
    #[arg(long, value_name = "NAME")]
    laptop: Option<String>,
    #[arg(long)]
    json: bool,
    /// Also write a plain HTML report (tables and a bar chart of entries per day) to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

pub fn run(command: HubAuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        HubAuditCommand::Ingest(a) => ingest(a),
        HubAuditCommand::Review(a) => review(a),
    }
}

/// What ingest keeps about one log.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogSummary {
    pub log_id: String,
    /// The audit key (base64) its header names; None without a header.
    pub device: Option<String>,
    /// The registered laptop whose audit key it is.
    pub laptop: Option<String>,
    /// `current`, `retired` (a key the laptop used before), `unregistered`, or `no-header`.
    pub key: String,
    pub laptop_revoked: bool,
    /// Host names the collector saw it from.
    pub hosts: Vec<String>,
    pub chains: Vec<ChainSummary>,
    pub forked_after: Option<u64>,
    pub gaps: Vec<Gap>,
    pub rejected: Vec<Rejected>,
    pub duplicates: u64,
    pub ingested: DateTime<Utc>,
    /// The newest successful sync its entries record (decrypted once, at ingest, with the hub's
    /// audit key), and the snapshot it brought.
    #[serde(default)]
    pub last_sync: Option<LastSync>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LastSync {
    pub at: DateTime<FixedOffset>,
    pub snapshot_id: Option<String>,
    /// The repository's targets version it brought (absent for a sync from a file, and in
    /// entries written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets_version: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainSummary {
    pub file: String,
    pub last_seq: u64,
    pub last_at: Option<DateTime<FixedOffset>>,
}

impl LogSummary {
    /// The alerts a security officer must see about this log.
    fn alerts(&self) -> Vec<String> {
        let mut out = Vec::new();
        let who = self
            .laptop
            .as_deref()
            .map_or_else(|| "an unknown device".to_owned(), |l| format!("laptop {l}"));
        if let Some(after) = self.forked_after {
            out.push(format!(
                "FORK: log {} of {who} has {} chains parting after entry {after}: two laptops write \
                 under one log id and key (a copied laptop folder); each chain is kept — find the \
                 copy, revoke the key (`hub laptop rotate`), enrol both laptops anew",
                self.log_id,
                self.chains.len()
            ));
        }
        match self.key.as_str() {
            "unregistered" => out.push(format!(
                "UNKNOWN KEY: log {} is signed by an audit key no laptop of the register has ({})",
                self.log_id,
                self.device.as_deref().unwrap_or("")
            )),
            "retired" => out.push(format!(
                "OLD KEY: log {} of {who} is signed by a key the laptop no longer uses (retired or revoked)",
                self.log_id
            )),
            "no-header" => out.push(format!(
                "NO HEADER: log {}: its header has not arrived, so none of its lines can be checked",
                self.log_id
            )),
            _ => {}
        }
        if !self.rejected.is_empty() {
            out.push(format!(
                "REFUSED LINES: log {} of {who}: {} line(s) failed their checks (first: entry {}, {})",
                self.log_id,
                self.rejected.len(),
                self.rejected[0].seq,
                self.rejected[0].reason
            ));
        }
        for g in &self.gaps {
            out.push(format!(
                "GAP: log {} of {who}: entries before {} have not arrived ({} line(s) wait behind the gap)",
                self.log_id, g.resumes_at, g.waiting
            ));
        }
        out
    }
}

pub(crate) fn logs_dir(folder: &Path) -> PathBuf {
    folder.join(AUDIT_DIR).join(LOGS_DIR)
}

fn ingest(a: IngestArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let register = Register::read(&r.folder)?;
    let identity = fieldchart_vault::load_identity(&r.audit_key)?;
    let logs = logs_dir(&r.folder);
    fs::create_dir_all(&logs).with_context(|| format!("cannot make {}", logs.display()))?;
    let lock_path = r.folder.join(AUDIT_DIR).join("ingest.lock");
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    lock.lock()
        .with_context(|| format!("cannot lock {}", lock_path.display()))?;

    let sources = if a.from.is_empty() {
        r.audit_collected.clone()
    } else {
        a.from.clone()
    };
    let mut lines: Vec<ReceivedLine> = Vec::new();
    let mut hosts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut unreadable = 0u64;
    let mut foreign_ids = 0u64;
    for source in &sources {
        let file = match fieldchart_vault::input::open_regular(source) {
            Ok(f) => f,
            Err(e) => {
                notes.push(format!("{}: not read ({e})", source.display()));
                continue;
            }
        };
        let mut read = 0u64;
        for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.with_context(|| format!("reading {}", source.display()))?;
            if line.is_empty() {
                continue;
            }
            match collected::collector_line(&line) {
                CollectorLine::Entry { host, line } => {
                    read += 1;
                    if !host.is_empty() {
                        hosts.entry(line.log.clone()).or_default().insert(host);
                    }
                    lines.push(line);
                }
                CollectorLine::Other => foreign_ids += 1,
                CollectorLine::Unreadable => {
                    unreadable += 1;
                    if unreadable <= 5 {
                        notes.push(format!(
                            "{} line {}: not a collector line, skipped",
                            source.display(),
                            n + 1
                        ));
                    }
                }
            }
        }
        notes.push(format!("{}: {read} line(s)", source.display()));
    }
    if unreadable > 5 {
        notes.push(format!("{unreadable} unreadable collector line(s) in all"));
    }
    if foreign_ids > 0 {
        notes.push(format!(
            "{foreign_ids} line(s) under a log id that is not 32 hex digits (the collector's own markers, another sender): skipped"
        ));
    }
    // What earlier ingests kept is read again, so a collector file rotated away loses nothing.
    let mut earlier: BTreeMap<String, LogSummary> = BTreeMap::new();
    for entry in fs::read_dir(&logs).into_iter().flatten().flatten() {
        let id = entry.file_name().to_string_lossy().to_string();
        if !is_log_id(&id) {
            continue;
        }
        let dir = entry.path();
        if let Ok(bytes) = fs::read(dir.join(SUMMARY_FILE))
            && let Ok(s) = serde_json::from_slice::<LogSummary>(&bytes)
        {
            for h in &s.hosts {
                hosts.entry(id.clone()).or_default().insert(h.clone());
            }
            earlier.insert(id.clone(), s);
        }
        for chain in chain_files(&dir) {
            let text = fs::read_to_string(&chain)
                .with_context(|| format!("reading {}", chain.display()))?;
            for (i, line) in text.lines().enumerate() {
                let seq = if i == 0 {
                    0
                } else {
                    serde_json::from_str::<serde_json::Value>(line)
                        .ok()
                        .and_then(|v| v["seq"].as_u64())
                        .unwrap_or(u64::MAX)
                };
                lines.push(ReceivedLine {
                    log: id.clone(),
                    seq,
                    line: line.to_owned(),
                });
            }
        }
    }

    let now = Utc::now();
    let collected = collect(lines);
    let known = Known {
        register: &register,
        hosts: &hosts,
        identity: &identity,
        now,
    };
    let mut summaries = Vec::new();
    for (id, (log, header)) in &collected {
        let summary = keep(&logs, id, log, header.as_deref(), &known)?;
        summaries.push(summary);
    }
    let new_alerts: Vec<String> = summaries.iter().flat_map(|s| s.alerts()).collect();

    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({ "logs": summaries, "alerts": new_alerts, "notes": notes }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for n in &notes {
        writeln!(out, "read {n}")?;
    }
    for s in &summaries {
        let before = earlier.get(&s.log_id).map_or(0, |e| {
            e.chains.iter().map(|c| c.last_seq).max().unwrap_or(0)
        });
        let now_at = s.chains.iter().map(|c| c.last_seq).max().unwrap_or(0);
        writeln!(
            out,
            "log {} ({}): {} chain(s), up to entry {now_at} ({} new){}",
            s.log_id,
            s.laptop.as_deref().unwrap_or("no registered laptop"),
            s.chains.len(),
            now_at.saturating_sub(before),
            if s.duplicates > 0 {
                format!(", {} resent line(s) counted once", s.duplicates)
            } else {
                String::new()
            }
        )?;
    }
    for alert in &new_alerts {
        writeln!(out, "ALERT {alert}")?;
    }
    writeln!(
        out,
        "{} log(s) kept in {}; `fieldchart hub audit review {}` reviews them",
        summaries.len(),
        logs.display(),
        a.dir.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn chain_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("chain-") && n.ends_with(".log"))
        })
        .collect();
    v.sort();
    v
}

/// What one ingest knows besides the lines: whose keys are whose, the hosts each log came from,
/// the hub's audit key, and its clock.
struct Known<'a> {
    register: &'a Register,
    hosts: &'a BTreeMap<String, BTreeSet<String>>,
    identity: &'a age::x25519::Identity,
    now: DateTime<Utc>,
}

/// Writes one log's chains and summary into a fresh folder, then puts it in place of the old one.
fn keep(
    logs: &Path,
    id: &str,
    log: &CollectedLog,
    header: Option<&str>,
    known: &Known<'_>,
) -> anyhow::Result<LogSummary> {
    let Known {
        register,
        hosts,
        identity,
        now,
    } = *known;
    let (laptop, key, revoked) = match &log.device {
        None => (None, "no-header", false),
        Some(device) => match register.by_audit_key(device) {
            Some((l, true)) => (Some(l.name.clone()), "current", l.is_revoked()),
            Some((l, false)) => (Some(l.name.clone()), "retired", l.is_revoked()),
            None => (None, "unregistered", false),
        },
    };
    let fresh = logs.join(format!(".{id}.new"));
    let _ = fs::remove_dir_all(&fresh);
    fs::create_dir_all(&fresh).with_context(|| format!("cannot make {}", fresh.display()))?;
    let mut chains = Vec::new();
    let mut last_sync: Option<LastSync> = None;
    if let Some(header) = header {
        for (i, chain) in log.chains.iter().enumerate() {
            let name = format!("chain-{}.log", i + 1);
            let bytes = log.chain_file(header, i).unwrap_or_default();
            write_synced(&fresh.join(&name), &bytes)?;
            // Entries encrypted to another hub's key say nothing here; the chain is kept all the same.
            let records = fieldchart_audit::log::read_collected(&fresh.join(&name), identity)
                .unwrap_or_default();
            for rec in records {
                if let fieldchart_audit::Event::Sync {
                    outcome: fieldchart_audit::Outcome::Success,
                    snapshot_id,
                    targets_version,
                    ..
                } = rec.entry.event
                    && last_sync.as_ref().is_none_or(|s| rec.at > s.at)
                {
                    last_sync = Some(LastSync {
                        at: rec.at,
                        snapshot_id,
                        targets_version,
                    });
                }
            }
            chains.push(ChainSummary {
                file: name,
                last_seq: chain.last_seq,
                last_at: chain.last_at,
            });
        }
    }
    let summary = LogSummary {
        log_id: id.to_owned(),
        device: log.device.clone(),
        laptop,
        key: key.to_owned(),
        laptop_revoked: revoked,
        hosts: hosts
            .get(id)
            .map(|h| h.iter().cloned().collect())
            .unwrap_or_default(),
        chains,
        forked_after: log.forked_after,
        gaps: log.gaps.clone(),
        rejected: log.rejected.clone(),
        duplicates: log.duplicates,
        ingested: now,
        last_sync,
    };
    write_synced(
        &fresh.join(SUMMARY_FILE),
        &serde_json::to_vec_pretty(&summary)?,
    )?;
    let dest = logs.join(id);
    let old = logs.join(format!(".{id}.old"));
    let _ = fs::remove_dir_all(&old);
    if dest.exists() {
        fs::rename(&dest, &old).with_context(|| format!("cannot move {} aside", dest.display()))?;
    }
    fs::rename(&fresh, &dest).with_context(|| format!("cannot put {} in place", dest.display()))?;
    let _ = fs::remove_dir_all(&old);
    if let Ok(d) = fs::File::open(logs) {
        let _ = d.sync_all();
    }
    Ok(summary)
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f =
        fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The kept summaries, by log id.
pub(crate) fn summaries(folder: &Path) -> Vec<LogSummary> {
    let mut out: Vec<LogSummary> = fs::read_dir(logs_dir(folder))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| is_log_id(&e.file_name().to_string_lossy()))
        .filter_map(|e| fs::read(e.path().join(SUMMARY_FILE)).ok())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect();
    out.sort_by(|a, b| a.log_id.cmp(&b.log_id));
    out
}

/// One laptop in the review.
#[derive(Debug, Serialize)]
struct LaptopReview {
    name: String,
    holder: String,
    revoked: bool,
    logs: Vec<String>,
    entries: u64,
    record_views: u64,
    break_glass: u64,
    refusals: u64,
    failed_unlocks: u64,
    last_entry: Option<DateTime<FixedOffset>>,
    /// No entry newer than [audit] silent_days (or none at all).
    silent: bool,
}

/// The entries of one log's chains, each counted once: a fork's chains share their beginning, and
/// with three or more chains two of them may share more of it than all do (a copy of a copy), so
/// an entry is left out when an earlier chain had the very same one.
fn once_each(chains: Vec<Vec<fieldchart_audit::Record>>) -> Vec<fieldchart_audit::Record> {
    if chains.len() < 2 {
        return chains.into_iter().flatten().collect();
    }
    let mut seen: BTreeSet<(u64, String)> = BTreeSet::new();
    let mut out = Vec::new();
    for rec in chains.into_iter().flatten() {
        let same = serde_json::to_string(&rec).unwrap_or_default();
        if seen.insert((rec.seq, same)) {
            out.push(rec);
        }
    }
    out
}

fn review(a: ReviewArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let register = Register::read(&r.folder)?;
    let identity = fieldchart_vault::load_identity(&r.audit_key)?;
    let mut kept = summaries(&r.folder);
    let mut register_laptops: Vec<&fieldchart_hub::Laptop> = register.laptops.iter().collect();
    if let Some(name) = &a.laptop {
        let Some(laptop) = register.laptops.iter().find(|l| &l.name == name) else {
            let names: Vec<&str> = register.laptops.iter().map(|l| l.name.as_str()).collect();
            anyhow::bail!(
                "no laptop {name:?} in the register (it has: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            );
        };
        let keys: Vec<&str> = laptop.audit_keys().collect();
        kept.retain(|s| s.device.as_deref().is_some_and(|d| keys.contains(&d)));
        register_laptops = vec![laptop];
    }
    let since = a.since;
    let mut records = Vec::new();
    let mut log_of_device: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &kept {
        let dir = logs_dir(&r.folder).join(&s.log_id);
        let mut chains = Vec::new();
        for c in &s.chains {
            let path = dir.join(&c.file);
            chains.push(
                fieldchart_audit::log::read_collected(&path, &identity)
                    .with_context(|| format!("reading {}", path.display()))?,
            );
        }
        records.extend(once_each(chains));
        if let Some(d) = &s.device {
            log_of_device
                .entry(d.clone())
                .or_default()
                .push(s.log_id.clone());
        }
    }
    if let Some(day) = since {
        records.retain(|rec| rec.at.date_naive() >= day);
    }
    let review = fieldchart_audit_report::review(&records);

    let now = Utc::now();
    let silent_after = now - Duration::days(i64::from(r.silent_days));
    let mut laptops = Vec::new();
    for l in register_laptops {
        let keys: Vec<&str> = l.audit_keys().collect();
        let mine: Vec<&fieldchart_audit::Record> = records
            .iter()
            .filter(|rec| keys.contains(&rec.device.as_str()))
            .collect();
        let count = |f: &dyn Fn(&fieldchart_audit::Event) -> bool| {
            mine.iter().filter(|rec| f(&rec.entry.event)).count() as u64
        };
        use fieldchart_audit::Event as E;
        // Silence is judged on everything kept, whatever --since says.
        let last_entry = kept
            .iter()
            .filter(|s| s.device.as_deref().is_some_and(|d| keys.contains(&d)))
            .flat_map(|s| s.chains.iter().filter_map(|c| c.last_at))
            .max();
        laptops.push(LaptopReview {
            name: l.name.clone(),
            holder: l.holder.clone(),
            revoked: l.is_revoked(),
            logs: keys
                .iter()
                .flat_map(|k| log_of_device.get(*k).cloned().unwrap_or_default())
                .collect(),
            entries: mine.len() as u64,
            record_views: count(&|e| matches!(e, E::RecordView { .. })),
            break_glass: count(&|e| matches!(e, E::BreakGlass { .. })),
            refusals: count(&|e| matches!(e, E::Refusal { .. })),
            failed_unlocks: count(&|e| matches!(e, E::UnlockFailed { .. })),
            silent: !l.is_revoked()
                && last_entry.is_none_or(|t| t.with_timezone(&Utc) < silent_after),
            last_entry,
        });
    }
    let alerts: Vec<String> = kept.iter().flat_map(|s| s.alerts()).collect();
    let mut per_day: BTreeMap<NaiveDate, u64> = BTreeMap::new();
    for rec in &records {
        *per_day.entry(rec.at.date_naive()).or_default() += 1;
    }

    if let Some(html) = &a.html {
        crate::input::require_out_folder(html, "the HTML report")?;
        fs::write(
            html,
            render_html(&r.name, &alerts, &laptops, &per_day, &review),
        )
        .with_context(|| format!("cannot write {}", html.display()))?;
    }
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({
                "hub": r.name,
                "since": since,
                "laptop": a.laptop,
                "silent_days": r.silent_days,
                "alerts": alerts,
                "laptops": laptops,
                "entries_per_day": per_day,
                "review": review,
            }),
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "audit review of hub {:?}{}{}: {} log(s), {} entries",
        r.name,
        a.laptop
            .as_deref()
            .map(|l| format!(", laptop {l}"))
            .unwrap_or_default(),
        since.map(|d| format!(" since {d}")).unwrap_or_default(),
        kept.len(),
        records.len()
    )?;
    writeln!(out, "\nSECURITY ALERTS ({})", alerts.len())?;
    if alerts.is_empty() {
        writeln!(out, "  none")?;
    }
    for alert in &alerts {
        writeln!(out, "  {alert}")?;
    }
    writeln!(out, "\nLAPTOPS ({})", laptops.len())?;
    for l in &laptops {
        writeln!(
            out,
            "  {} ({}){}{}: {} entries, {} record views, {} break-glass, {} refusals, {} failed unlocks; last entry {}",
            l.name,
            l.holder,
            if l.revoked { " REVOKED" } else { "" },
            if l.silent {
                format!(" SILENT for more than {} days", r.silent_days)
            } else {
                String::new()
            },
            l.entries,
            l.record_views,
            l.break_glass,
            l.refusals,
            l.failed_unlocks,
            l.last_entry
                .map(|t| t.format("%Y-%m-%d %H:%M %:z").to_string())
                .unwrap_or_else(|| "none received".into())
        )?;
    }
    writeln!(out)?;
    out.write_all(review.to_text().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A page a privacy officer opens in any browser: no script, no outside resource.
fn render_html(
    hub: &str,
    alerts: &[String],
    laptops: &[LaptopReview],
    per_day: &BTreeMap<NaiveDate, u64>,
    review: &fieldchart_audit_report::Review,
) -> String {
    let mut h = String::new();
    h.push_str("<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>FieldChart audit review</title>");
    h.push_str("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left}.alert{color:#a00;font-weight:bold}.bar{background:#36c;height:1em;display:inline-block}</style></head><body>");
    h.push_str(&format!(
        "<h1>監査レビュー / Audit review: {}</h1>",
        esc(hub)
    ));
    h.push_str(&format!("<h2>Security alerts ({})</h2><ul>", alerts.len()));
    for a in alerts {
        h.push_str(&format!("<li class=\"alert\">{}</li>", esc(a)));
    }
    if alerts.is_empty() {
        h.push_str("<li>none</li>");
    }
    h.push_str(
        "</ul><h2>Entries per day</h2><table><tr><th>day</th><th>entries</th><th></th></tr>",
    );
    let max = per_day.values().copied().max().unwrap_or(1).max(1);
    for (day, n) in per_day {
        let width = (n * 400 / max).max(1);
        h.push_str(&format!(
            "<tr><td>{day}</td><td>{n}</td><td><span class=\"bar\" style=\"width:{width}px\"></span></td></tr>"
        ));
    }
    h.push_str("</table><h2>Laptops</h2><table><tr><th>laptop</th><th>holder</th><th>state</th><th>entries</th><th>record views</th><th>break-glass</th><th>refusals</th><th>failed unlocks</th><th>last entry</th></tr>");
    for l in laptops {
        let state = match (l.revoked, l.silent) {
            (true, _) => "revoked",
            (false, true) => "SILENT",
            _ => "",
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"alert\">{state}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.name),
            esc(&l.holder),
            l.entries,
            l.record_views,
            l.break_glass,
            l.refusals,
            l.failed_unlocks,
            l.last_entry.map(|t| t.to_rfc3339()).unwrap_or_default()
        ));
    }
    h.push_str("</table><h2>Review</h2><pre>");
    h.push_str(&esc(&review.to_text()));
    h.push_str("</pre></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldchart_audit::{ClockInfo, Entry, Event, Record};

    fn rec(seq: u64, minute: u32) -> Record {
        Record {
            seq,
            at: DateTime::parse_from_rfc3339(&format!("2026-12-01T10:{minute:02}:00+09:00"))
                .unwrap(),
            device: "key".into(),
            entry: Entry {
                event: Event::Lock,
                actor: None,
                session: None,
                break_glass: None,
                clock: ClockInfo::system(),
            },
        }
    }

    #[test]
    fn three_chains_count_what_two_of_them_share_once() {
        // The laptop's own chain; a copy parting after entry 3; a copy of the copy after entry 4.
        let a: Vec<Record> = (1..=5).map(|s| rec(s, s as u32)).collect();
        let mut b = a[..3].to_vec();
        b.extend([rec(4, 14), rec(5, 15)]);
        let mut c = b[..4].to_vec();
        c.push(rec(5, 25));
        let counted = once_each(vec![a, b, c]);
        assert_eq!(counted.len(), 5 + 2 + 1, "{counted:?}");
        // One chain is read as it is, even an entry seen twice in it.
        assert_eq!(once_each(vec![vec![rec(1, 1), rec(1, 1)]]).len(), 2);
    }
}
