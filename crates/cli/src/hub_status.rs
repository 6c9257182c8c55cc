//! `fieldchart hub status DIR [--json]`: the hub at a glance, for the operator's morning look and
//! for monitoring (docs/hub.md, "Status").

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use fieldchart_hub::status::{BuildRecord, PublishRecord};
use fieldchart_hub::{HubConfig, Register};
use serde::Serialize;

/// A nightly build older than this missed a night.
const BUILD_STALE_HOURS: i64 = 36;

#[derive(clap::Args)]
pub struct StatusArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Status {
    hub: String,
    folder: String,
    now: DateTime<Utc>,
    /// Anything below marked stale.
    stale: bool,
    last_build: Option<BuildStatus>,
    last_publish: Option<PublishStatus>,
    facilities: Vec<FacilityStatus>,
    laptops: Vec<LaptopStatus>,
    /// Keys of `[recipients] laptops`, outside the register.
    unregistered_recipients: usize,
}

#[derive(Serialize)]
struct BuildStatus {
    #[serde(flatten)]
    record: BuildRecord,
    hours_ago: i64,
    stale: bool,
}

#[derive(Serialize)]
struct PublishStatus {
    #[serde(flatten)]
    record: PublishRecord,
    hours_ago: i64,
    /// Its timestamp has expired: laptops that sync now are told the repository is frozen.
    expired: bool,
    /// Laptops were revoked (or keys retired) since: the repository does not list them yet.
    revocations_unpublished: bool,
    stale: bool,
}

#[derive(Serialize)]
struct FacilityStatus {
    code: String,
    name: String,
    data_as_of: Option<String>,
    days_old: Option<i64>,
    errors_at_last_build: Option<u64>,
    warnings_at_last_build: Option<u64>,
    /// Older than the policy's stale_data_days (or of unknown age, or never built).
    stale: bool,
}

#[derive(Serialize)]
struct LaptopStatus {
    name: String,
    holder: String,
    id: String,
    added: DateTime<Utc>,
    revoked: Option<DateTime<Utc>>,
    revoked_reason: Option<String>,
    /// From the laptop's audit trail at the hub (`hub audit ingest`); None until one arrived.
    last_sync_seen: Option<DateTime<Utc>>,
    last_audit_received: Option<DateTime<Utc>>,
    snapshot_held: Option<String>,
    /// The repository's targets version its newest sync brought, and how many publications it is
    /// behind the last one (None when either is unknown).
    targets_version_held: Option<u64>,
    publications_behind: Option<u64>,
    /// In use, and no sync seen within `[audit] silent_days` (or none at all).
    stale: bool,
}

pub fn run(a: StatusArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let register = Register::read(&r.folder)?;
    let (build, publish) = fieldchart_hub::status::last(&r.folder);
    let policy = match &r.policy {
        Some(p) => crate::policy::read(p)?,
        None => fieldchart_policy::Policy::default_policy(),
    };
    let now = Utc::now();
    let local_now = chrono::Local::now().naive_local();
    let hours = |t: DateTime<Utc>| (now - t).num_hours();

    let facilities: Vec<FacilityStatus> = r
        .facilities
        .iter()
        .map(|f| {
            let at = build
                .as_ref()
                .and_then(|b| b.facilities.iter().find(|x| x.code == f.code));
            let data_as_of = at.and_then(|x| x.data_as_of.clone());
            let days_old = data_as_of
                .as_deref()
                .and_then(|d| d.get(..19))
                .and_then(|d| NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%S").ok())
                .map(|t| (local_now - t).num_days());
            FacilityStatus {
                code: f.code.clone(),
                name: f.name.clone(),
                stale: days_old.is_none_or(|d| d > i64::from(policy.session.stale_data_days)),
                data_as_of,
                days_old,
                errors_at_last_build: at.map(|x| x.errors),
                warnings_at_last_build: at.map(|x| x.warnings),
            }
        })
        .collect();
    let last_build = build.map(|record| BuildStatus {
        hours_ago: hours(record.finished),
        stale: now - record.finished > Duration::hours(BUILD_STALE_HOURS)
            || record.storage_errors > 0,
        record,
    });
    let last_publish = publish.map(|record| {
        let expired = record.timestamp_expires <= now;
        let revocations_unpublished = record.revoked < r.revoked.len();
        PublishStatus {
            hours_ago: hours(record.finished),
            stale: expired
                || revocations_unpublished
                || now - record.finished > Duration::hours(BUILD_STALE_HOURS),
            expired,
            revocations_unpublished,
            record,
        }
    });
    // From the audit trails the hub ingested (`hub audit ingest`, which decrypted them once): each
    // laptop's newest entry, and its newest successful sync.
    let kept = crate::hub_audit::summaries(&r.folder);
    let silent = Duration::days(i64::from(r.silent_days));
    let published = last_publish.as_ref().map(|p| p.record.targets_version);
    let laptops = register
        .laptops
        .iter()
        .map(|l| {
            let keys: Vec<&str> = l.audit_keys().collect();
            let mine: Vec<&crate::hub_audit::LogSummary> = kept
                .iter()
                .filter(|s| s.device.as_deref().is_some_and(|d| keys.contains(&d)))
                .collect();
            let last_audit_received = mine
                .iter()
                .flat_map(|s| s.chains.iter().filter_map(|c| c.last_at))
                .max()
                .map(|t| t.with_timezone(&Utc));
            let last_sync = mine
                .iter()
                .filter_map(|s| s.last_sync.as_ref())
                .max_by_key(|s| s.at);
            let held = last_sync.and_then(|s| s.targets_version);
            LaptopStatus {
                name: l.name.clone(),
                holder: l.holder.clone(),
                id: l.id.clone(),
                added: l.added,
                revoked: l.revoked,
                revoked_reason: l.revoked_reason.clone(),
                last_sync_seen: last_sync.map(|s| s.at.with_timezone(&Utc)),
                last_audit_received,
                snapshot_held: last_sync.and_then(|s| s.snapshot_id.clone()),
                targets_version_held: held,
                publications_behind: held.zip(published).map(|(h, p)| p.saturating_sub(h)),
                stale: l.revoked.is_none()
                    && last_sync.is_none_or(|s| now - s.at.with_timezone(&Utc) > silent),
            }
        })
        .collect();
    let stale = last_build.as_ref().is_none_or(|b| b.stale)
        || last_publish.as_ref().is_none_or(|p| p.stale)
        || facilities.iter().any(|f| f.stale);
    let status = Status {
        hub: r.name.clone(),
        folder: r.folder.display().to_string(),
        now,
        stale,
        last_build,
        last_publish,
        facilities,
        laptops,
        unregistered_recipients: r.unregistered,
    };

    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &status)?;
        return Ok(ExitCode::SUCCESS);
    }
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mark = |stale: bool, text: String| match (stale, color) {
        (true, true) => format!("\x1b[1;31m{text}  STALE\x1b[0m"),
        (true, false) => format!("{text}  STALE"),
        (false, _) => text,
    };
    writeln!(out, "hub {:?} at {}", status.hub, status.folder)?;
    match &status.last_build {
        Some(b) => writeln!(
            out,
            "{}",
            mark(
                b.stale,
                format!(
                    "last build: {} {} (file {}), {} h ago, {} patients, {:.0} s, reader errors {}",
                    b.record.kind,
                    b.record.finished.format("%Y-%m-%d %H:%M UTC"),
                    b.record.file,
                    b.hours_ago,
                    b.record.patients,
                    b.record.seconds,
                    b.record.storage_errors
                )
            )
        )?,
        None => writeln!(out, "{}", mark(true, "last build: none yet".into()))?,
    }
    match &status.last_publish {
        Some(p) => writeln!(
            out,
            "{}",
            mark(
                p.stale,
                format!(
                    "last publish: {} to {}, {} h ago, timestamp version {} (expires {}{}), targets version {}, {} revoked ID(s){}",
                    p.record.finished.format("%Y-%m-%d %H:%M UTC"),
                    p.record.repository.display(),
                    p.hours_ago,
                    p.record.timestamp_version,
                    p.record.timestamp_expires.format("%Y-%m-%d %H:%M UTC"),
                    if p.expired {
                        ", EXPIRED: laptops see a frozen repository"
                    } else {
                        ""
                    },
                    p.record.targets_version,
                    p.record.revoked,
                    if p.revocations_unpublished {
                        "; a revocation is not published yet: run `hub publish` now"
                    } else {
                        ""
                    }
                )
            )
        )?,
        None => writeln!(out, "{}", mark(true, "last publish: none yet".into()))?,
    }
    for f in &status.facilities {
        let age = match (&f.data_as_of, f.days_old) {
            (Some(d), Some(days)) => format!("data as of {d} ({days} days old)"),
            (Some(d), None) => format!("data as of {d}"),
            (None, _) => "data age unknown".into(),
        };
        let errors = match (f.errors_at_last_build, f.warnings_at_last_build) {
            (Some(e), Some(w)) => format!("reader errors {e}, warnings {w}"),
            _ => "not in the last build".into(),
        };
        writeln!(
            out,
            "{}",
            mark(
                f.stale,
                format!("facility {} {}: {age}; {errors}", f.code, f.name)
            )
        )?;
    }
    for l in &status.laptops {
        let state = match (&l.revoked, &l.revoked_reason) {
            (Some(at), why) => format!(
                "REVOKED {} ({})",
                at.format("%Y-%m-%d"),
                why.as_deref().unwrap_or("")
            ),
            _ => "in use".into(),
        };
        let when = |t: &Option<DateTime<Utc>>| {
            t.map_or_else(
                || "none seen".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
            )
        };
        let held = match (l.targets_version_held, l.publications_behind) {
            (Some(v), Some(0)) => format!(", targets version {v}: current"),
            (Some(v), Some(n)) => format!(", targets version {v}: {n} publication(s) behind"),
            (Some(v), None) => format!(", targets version {v}"),
            (None, _) => String::new(),
        };
        let line = format!(
            "laptop {} ({}) {}: {state}; last sync {} (snapshot {}{held}), newest audit entry {}",
            l.name,
            l.holder,
            l.id,
            when(&l.last_sync_seen),
            l.snapshot_held.as_deref().unwrap_or("-"),
            when(&l.last_audit_received)
        );
        writeln!(out, "{}", mark(l.stale, line))?;
    }
    if status.laptops.is_empty() {
        writeln!(out, "no laptop registered")?;
    }
    if status.unregistered_recipients > 0 {
        writeln!(
            out,
            "{} key(s) of [recipients] laptops are outside the register",
            status.unregistered_recipients
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
