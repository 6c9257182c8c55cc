//! `fieldchart policy check`: a hub operator's check of a policy file before it is signed into
//! snapshots: the policy as FieldChart reads it, every default written out, or the first fault
//! with its line and column.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use fieldchart_policy::Policy;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Check a policy file (TOML, see docs/policy.md) and print it as FieldChart reads it.
    ///
    /// Prints the whole policy with every default filled in (TOML; --json: the JSON a snapshot
    /// carries), or the line and column of the first fault (an unknown key, a missing profession,
    /// a malformed value) and exits with 2. Nothing is signed or written.
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The policy file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print the resolved policy as JSON instead of TOML.
    #[arg(long)]
    json: bool,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check(a) => check(a),
    }
}

/// Reads and checks a policy file: a regular file of bounded size, whose fault names its line.
pub fn read(path: &Path) -> anyhow::Result<Policy> {
    let text = crate::input::read_text(path, crate::input::MAX_POLICY_BYTES, "the policy")?;
    Policy::parse(&text).with_context(|| format!("the policy {}", path.display()))
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let policy = read(&a.file)?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &policy)?;
        return Ok(ExitCode::SUCCESS);
    }
    let window = if policy.event.start.is_some() {
        "the event window is the one written above"
    } else {
        "no event window is given, so each snapshot's own validity window is used"
    };
    writeln!(
        out,
        "# {}: a valid FieldChart policy (version {}). Every default is written out below;\n# {window}.\n",
        a.file.display(),
        policy.version
    )?;
    out.write_all(policy.to_toml().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
