//! `fieldchart`: the one binary. Each subcommand lives in its own module; this file only parses the
//! command line and reports errors at the edge.

mod audit;
mod bench;
mod check;
mod demo_data;
mod forward;
mod inspect;
mod keys;
mod open;
mod progress;
mod roots;
mod snapshot;
mod view;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reading storage allocates many small strings per message; mimalloc keeps that off the critical
/// path on both cores (measured: glibc malloc and free were a fifth of `check`'s profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// FieldChart: an offline, disaster-mode viewer for Japanese SS-MIX2 clinical data.
///
/// This binary reads and checks SS-MIX2 storage, builds and opens encrypted snapshots, searches
/// patients and shows records, and generates synthetic drill regions.
#[derive(Parser)]
#[command(name = "fieldchart", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Inspect(inspect::Args),
    DemoData(demo_data::Args),
    #[command(subcommand)]
    Keys(keys::Command),
    #[command(subcommand)]
    Snapshot(snapshot::Command),
    /// Find patients in a snapshot by name, date of birth, sex, address, phone, ID or clinical words.
    Search(view::SearchArgs),
    /// Show one patient's record from a snapshot: summary first, then history.
    Record(view::RecordArgs),
    #[command(subcommand)]
    Audit(audit::Command),
    #[command(subcommand)]
    Bench(bench::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::DemoData(args) => demo_data::run(args),
        Command::Keys(command) => keys::run(command),
        Command::Snapshot(command) => snapshot::run(command),
        Command::Search(args) => view::run_search(args),
        Command::Record(args) => view::run_record(args),
        Command::Audit(command) => audit::run(command),
        Command::Bench(command) => bench::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fieldchart: {e:#}");
            ExitCode::from(exit_code(&e))
        }
    }
}

/// Each snapshot failure has its own exit code (issue 3 §3: wrong key 10, untrusted signer 11,
/// tampered 12, truncated 13, expired 14, clock wrong 15, unknown version 16, …), refused by the
/// access policy 30, audit log unusable 31, audit log tampered 40; anything else is 2.
fn exit_code(e: &anyhow::Error) -> u8 {
    let code = e.chain().find_map(|cause| {
        if let Some(v) = cause.downcast_ref::<fieldchart_vault::VaultError>() {
            Some(v.exit_code())
        } else if let Some(s) = cause.downcast_ref::<fieldchart_session::SessionError>() {
            Some(s.exit_code())
        } else if let Some(q) = cause.downcast_ref::<fieldchart_query::QueryError>() {
            Some(q.exit_code())
        } else if let Some(v) = cause.downcast_ref::<fieldchart_sync::SyncError>() {
            Some(v.exit_code())
        } else if let Some(v) = cause.downcast_ref::<fieldchart_session::ViewError>() {
            Some(v.exit_code())
        } else if let Some(v) = cause.downcast_ref::<fieldchart_audit::log::VerifyError>() {
            Some(audit::verify_exit_code(v))
        } else if cause
            .downcast_ref::<fieldchart_audit::log::AuditError>()
            .is_some()
        {
            Some(31)
        } else {
            cause
                .downcast_ref::<fieldchart_build::BuildError>()
                .map(|b| b.exit_code())
        }
    });
    code.and_then(|c| u8::try_from(c).ok()).unwrap_or(2)
}
