//! `fieldchart`: the one binary. Each subcommand lives in its own module; this file only parses the
//! command line and reports errors at the edge.

mod audit;
mod bench;
mod check;
mod demo_data;
mod forward;
mod hub;
mod hub_audit;
mod hub_status;
mod input;
mod inspect;
mod keys;
mod laptop;
mod links;
mod open;
mod out;
mod pin;
mod policy;
mod progress;
mod roots;
mod snapshot;
mod view;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fieldchart_failure::Failure;

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
    #[command(subcommand)]
    Policy(policy::Command),
    /// Find patients in a snapshot by name, date of birth, sex, address, phone, ID or clinical words.
    Search(view::SearchArgs),
    /// Show one patient's record from a snapshot: summary first, then history.
    Record(view::RecordArgs),
    #[command(subcommand)]
    Audit(audit::Command),
    #[command(subcommand)]
    Bench(bench::Command),
    /// The hub operator's commands on a hub folder (hub.toml and keys/, docs/hub.md).
    #[command(subcommand)]
    Hub(hub::Command),
    /// This laptop's own set-up: its enrolment line for the hub's laptop register.
    #[command(subcommand)]
    Laptop(laptop::LaptopCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::DemoData(args) => demo_data::run(args),
        Command::Keys(command) => keys::run(command),
        Command::Snapshot(command) => snapshot::run(command),
        Command::Policy(command) => policy::run(command),
        Command::Search(args) => view::run_search(args),
        Command::Record(args) => view::run_record(args),
        Command::Audit(command) => audit::run(command),
        Command::Bench(command) => bench::run(command),
        Command::Hub(command) => hub::run(command),
        Command::Laptop(command) => laptop::run_laptop(command),
    };
    // What a command left in standard output's buffer is written now, so that a closed pipe
    // is seen here too, not at exit.
    let result = result.and_then(|code| {
        std::io::Write::flush(&mut out::stdout())?;
        Ok(code)
    });
    match result {
        Ok(code) => code,
        // The reader of our output went away (`| head`): it has what it wanted.
        Err(e) if out::is_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fieldchart: {}", message(&e));
            ExitCode::from(failure_of(&e).code())
        }
    }
}

/// An error and its causes, each said once: a cause whose words the message already holds (an
/// error that quotes its source) is not repeated.
fn message(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let words = cause.to_string();
        if words.is_empty() || text.contains(&words) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&words);
    }
    text
}

/// The one place the CLI turns an error into an exit code: the first cause in the chain that is
/// one of the library errors says which [`Failure`] it is (README, "Exit codes"); anything else
/// (a bad argument, an unreadable input given by hand) is a usage error.
fn failure_of(e: &anyhow::Error) -> Failure {
    e.chain()
        .find_map(|cause| {
            let any = cause as &(dyn std::error::Error + 'static);
            if let Some(v) = any.downcast_ref::<fieldchart_vault::VaultError>() {
                Some(v.failure())
            } else if let Some(s) = any.downcast_ref::<fieldchart_session::SessionError>() {
                Some(s.failure())
            } else if let Some(v) = any.downcast_ref::<fieldchart_session::ViewError>() {
                Some(v.failure())
            } else if let Some(q) = any.downcast_ref::<fieldchart_query::QueryError>() {
                Some(q.failure())
            } else if let Some(s) = any.downcast_ref::<fieldchart_sync::SyncError>() {
                Some(s.failure())
            } else if let Some(b) = any.downcast_ref::<fieldchart_build::BuildError>() {
                Some(b.failure())
            } else if let Some(h) = any.downcast_ref::<fieldchart_hub::HubError>() {
                Some(h.failure())
            } else if let Some(r) = any.downcast_ref::<fieldchart_repo::RepoError>() {
                Some(r.failure())
            } else if let Some(v) = any.downcast_ref::<fieldchart_audit::log::VerifyError>() {
                Some(v.failure())
            } else {
                any.downcast_ref::<fieldchart_audit::log::AuditError>()
                    .map(|a| a.failure())
            }
        })
        .unwrap_or(Failure::Usage)
}
