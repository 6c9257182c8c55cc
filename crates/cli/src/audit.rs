//! `fieldchart audit`: the hub's and the privacy officer's side of the audit trail. `verify` needs no
//! key; `export` and `review` decrypt with the hub's audit key; `forward` sends the log to the hub's
//! syslog collector over TLS.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use std::os::unix::fs::OpenOptionsExt;

use anyhow::Context;
use fieldchart_audit::log;
use fieldchart_audit_report::{AtnaOptions, FhirOptions};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a laptop's audit log without any key: every signature, the hash chain, sequence
    /// numbers and the head file. Names the first modified, removed, reordered or truncated entry.
    Verify(VerifyArgs),
    /// Decrypt a verified log with the hub's audit key and write it as IHE ATNA audit messages
    /// (DICOM PS3.15) or a FHIR R4 Bundle of AuditEvents.
    Export(ExportArgs),
    /// For the privacy officer: break-glass uses and what they opened, record views without hub
    /// consent, refusals, failed unlocks, clock anomalies, and views per person.
    Review(ReviewArgs),
    /// Send the log to the hub's syslog collector over TLS (RFC 5424 messages, RFC 5425 transport),
    /// store-and-forward: only entries the collector has not acknowledged, resuming after a break.
    Forward(crate::forward::ForwardArgs),
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The audit log (its head file `<LOG>.head` is read too), a copy the hub collected (with
    /// --collected), or the hub's syslog collector file itself (recognised by its first line).
    log: PathBuf,
    /// The log is a copy kept at the hub (`hub audit ingest`'s chain files): it has no head file,
    /// which only the laptop can sign.
    #[arg(long)]
    collected: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Atna,
    Fhir,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    log: PathBuf,
    /// The hub's audit key (the identity whose public key went into snapshots as --audit-recipient).
    #[arg(long, value_name = "HUB_AUDIT_KEY")]
    identity: PathBuf,
    #[arg(long, value_enum)]
    format: Format,
    /// The audit enterprise site (AuditEnterpriseSiteID / source site), e.g. the hub's name.
    #[arg(long)]
    site: Option<String>,
    /// Write here instead of standard output (never overwrites).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The log is a copy kept at the hub (no head file).
    #[arg(long)]
    collected: bool,
}

#[derive(clap::Args)]
pub struct ReviewArgs {
    log: PathBuf,
    #[arg(long, value_name = "HUB_AUDIT_KEY")]
    identity: PathBuf,
    /// The log is a copy kept at the hub (no head file).
    #[arg(long)]
    collected: bool,
    #[arg(long)]
    json: bool,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Verify(a) => verify(a),
        Command::Export(a) => export(a),
        Command::Review(a) => review(a),
        Command::Forward(a) => crate::forward::run(a),
    }
}

fn verify(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    crate::input::check_audit_log(&a.log)?;
    if is_collector_file(&a.log) {
        return verify_collector_file(&a);
    }
    let report = if a.collected {
        log::collected::verify_collected(&a.log)?
    } else {
        log::verify(&a.log)?
    };
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({
                "log_id": report.log_id,
                "device": report.device,
                "created": report.created,
                "entries": report.entries,
                "first_at": report.first_at,
                "last_at": report.last_at,
                "head_lags_by_one": report.head_lags_by_one,
            }),
        )?;
    } else {
        writeln!(
            out,
            "audit log {} intact: {} entries, signed by device {}\n  from {} to {}{}",
            a.log.display(),
            report.entries,
            report.device,
            report
                .first_at
                .map(|t| t.to_rfc3339())
                .unwrap_or("-".into()),
            report.last_at.map(|t| t.to_rfc3339()).unwrap_or("-".into()),
            if report.head_lags_by_one {
                "\n  (the head file is one entry behind: a power cut came between the last entry and its head; the next session brings it up to date)"
            } else {
                ""
            }
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn records(
    log_path: &std::path::Path,
    identity: &std::path::Path,
    collected: bool,
) -> anyhow::Result<Vec<fieldchart_audit::Record>> {
    crate::input::check_audit_log(log_path)?;
    let identity = fieldchart_vault::load_identity(identity)?;
    Ok(if collected {
        log::read_collected(log_path, &identity)?
    } else {
        log::read(log_path, &identity)?
    })
}

/// Whether `path` is the hub collector's file (JSON lines, each a forwarded entry) rather than a log.
fn is_collector_file(path: &std::path::Path) -> bool {
    let mut start = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut start))
        .unwrap_or(0);
    let start = &start[..n];
    start.starts_with(b"{\"host\":") || start.starts_with(b"{\"log\":")
}

/// Every log in a collector file, put back together and checked (docs/audit.md, "At the hub").
/// Exits 40 when a line fails its checks or a log's header has not arrived; a fork (two chains
/// under one log: a copied laptop) and a gap (lines not arrived yet) are named, not failures of the
/// lines received.
fn verify_collector_file(a: &VerifyArgs) -> anyhow::Result<ExitCode> {
    use std::io::BufRead;
    let file = fieldchart_vault::input::open_regular(&a.log)?;
    let mut lines = Vec::new();
    let mut unreadable = 0u64;
    let mut foreign = 0u64;
    for line in std::io::BufReader::new(file).split(b'\n') {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        match log::collected::collector_line(&line) {
            log::collected::CollectorLine::Entry { line, .. } => lines.push(line),
            log::collected::CollectorLine::Other => foreign += 1,
            log::collected::CollectorLine::Unreadable => unreadable += 1,
        }
    }
    let logs = log::collected::collect(lines);
    let mut failed = unreadable > 0;
    let mut out = crate::out::stdout();
    let mut report = Vec::new();
    for (id, (l, header)) in &logs {
        failed |= header.is_none() || !l.rejected.is_empty();
        report.push(serde_json::json!({
            "log_id": id,
            "device": l.device,
            "header": header.is_some(),
            "chains": l.chains.iter().map(|c| serde_json::json!({"last_seq": c.last_seq, "last_at": c.last_at})).collect::<Vec<_>>(),
            "forked_after": l.forked_after,
            "gaps": l.gaps,
            "rejected": l.rejected,
            "duplicates": l.duplicates,
        }));
    }
    if a.json {
        crate::out::json(
            &mut out,
            &serde_json::json!({ "collector_file": a.log.display().to_string(), "logs": report, "unreadable_lines": unreadable, "foreign_lines": foreign }),
        )?;
    } else {
        writeln!(
            out,
            "collector file {}: {} log(s)",
            a.log.display(),
            logs.len()
        )?;
        for (id, (l, header)) in &logs {
            let chains: Vec<String> = l
                .chains
                .iter()
                .map(|c| format!("up to entry {}", c.last_seq))
                .collect();
            writeln!(
                out,
                "  log {id}: {}{}{}{}{}",
                if header.is_some() {
                    ""
                } else {
                    "NO HEADER received; "
                },
                if chains.is_empty() {
                    "no chain".to_owned()
                } else {
                    chains.join(", ")
                },
                l.forked_after
                    .map(|f| format!(
                        "; FORK after entry {f} (two laptops under one log: a copied laptop)"
                    ))
                    .unwrap_or_default(),
                if l.gaps.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} gap(s), first before entry {}",
                        l.gaps.len(),
                        l.gaps[0].resumes_at
                    )
                },
                if l.rejected.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} line(s) FAILED (first: entry {}, {})",
                        l.rejected.len(),
                        l.rejected[0].seq,
                        l.rejected[0].reason
                    )
                },
            )?;
        }
        if unreadable > 0 {
            writeln!(out, "  {unreadable} line(s) are not collector lines")?;
        }
        if foreign > 0 {
            writeln!(
                out,
                "  {foreign} line(s) of other senders (not a FieldChart log id), left out"
            )?;
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::from(fieldchart_failure::Failure::AuditTampered.code())
    } else {
        ExitCode::SUCCESS
    })
}

fn export(a: ExportArgs) -> anyhow::Result<ExitCode> {
    if let Some(out) = &a.out {
        crate::input::require_out_folder(out, "the export")?;
    }
    let records = records(&a.log, &a.identity, a.collected)?;
    let text = match a.format {
        Format::Atna => fieldchart_audit_report::to_xml(
            &records,
            &AtnaOptions {
                site: a.site.clone(),
            },
        ),
        Format::Fhir => {
            let bundle = fieldchart_audit_report::to_bundle(
                &records,
                &FhirOptions {
                    site: a.site.clone(),
                    ..FhirOptions::default()
                },
            );
            serde_json::to_string_pretty(&bundle)?
        }
    };
    match &a.out {
        Some(path) => {
            // Decrypted entries name who looked up which patient: readable by their owner only,
            // from the moment the file exists (created with the mode, never chmod'ed after).
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("{} entries written to {}", records.len(), path.display());
        }
        None => {
            let mut out = crate::out::stdout();
            writeln!(out, "{text}")?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn review(a: ReviewArgs) -> anyhow::Result<ExitCode> {
    let records = records(&a.log, &a.identity, a.collected)?;
    let review = fieldchart_audit_report::review(&records);
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &review)?;
    } else {
        out.write_all(review.to_text().as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
