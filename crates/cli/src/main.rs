//! `fieldchart`: the one binary. Each subcommand lives in its own module; this file only parses the
//! command line and reports errors at the edge.

mod bench;
mod check;
mod demo_data;
mod inspect;
mod progress;
mod roots;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reading storage allocates many small strings per message; mimalloc keeps that off the critical
/// path on both cores (measured: glibc malloc and free were a fifth of `check`'s profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// FieldChart: an offline, disaster-mode viewer for Japanese SS-MIX2 clinical data.
///
/// This binary reads and checks SS-MIX2 storage and generates synthetic drill regions.
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
    Bench(bench::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::DemoData(args) => demo_data::run(args),
        Command::Bench(command) => bench::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fieldchart: {e:#}");
            ExitCode::from(2)
        }
    }
}
