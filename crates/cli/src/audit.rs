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
    /// The audit log (its head file `<LOG>.head` is read too).
    log: PathBuf,
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
}

#[derive(clap::Args)]
pub struct ReviewArgs {
    log: PathBuf,
    #[arg(long, value_name = "HUB_AUDIT_KEY")]
    identity: PathBuf,
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
    let report = log::verify(&a.log)?;
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
) -> anyhow::Result<Vec<fieldchart_audit::Record>> {
    crate::input::check_audit_log(log_path)?;
    let identity = fieldchart_vault::load_identity(identity)?;
    Ok(log::read(log_path, &identity)?)
}

fn export(a: ExportArgs) -> anyhow::Result<ExitCode> {
    if let Some(out) = &a.out {
        crate::input::require_out_folder(out, "the export")?;
    }
    let records = records(&a.log, &a.identity)?;
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
    let records = records(&a.log, &a.identity)?;
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
