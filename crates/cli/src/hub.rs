//! `fieldchart hub`: the hub operator's commands on a hub folder (`hub.toml` and `keys/`,
//! docs/hub.md).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use fieldchart_hub::HubConfig;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Make DIR a hub: its keys (keys/, mode 0700) and a hub.toml to fill in.
    ///
    /// Prints the public keys to hand out: the signing key every laptop trusts, and the audit
    /// recipient. Never overwrites: a folder that has a hub.toml is refused (18).
    Init(InitArgs),
    /// Check DIR's hub.toml, keys, policy and storage roots, and print the configuration as the
    /// hub reads it; or the line of the first fault, and exit 2.
    Check(CheckArgs),
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// The hub folder (made if missing).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The hub's name, shown in reports.
    #[arg(long, default_value = "FieldChart hub")]
    name: String,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The hub folder.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Print the resolved configuration as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Init(a) => init(a),
        Command::Check(a) => check(a),
    }
}

fn init(a: InitArgs) -> anyhow::Result<ExitCode> {
    let made = fieldchart_hub::init(&a.dir, &a.name)?;
    let mut out = crate::out::stdout();
    writeln!(out, "hub folder: {}", made.folder.display())?;
    writeln!(
        out,
        "signing key (every laptop trusts it): {}",
        made.signing_public
    )?;
    writeln!(out, "audit recipient: {}", made.audit_recipient)?;
    writeln!(out, "the hub's own recipient: {}", made.own_recipient)?;
    writeln!(
        out,
        "next: add the facilities and laptops to {}, then `fieldchart hub check {}`",
        made.config.display(),
        a.dir.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let r = HubConfig::read(&a.dir)?;
    let mut out = crate::out::stdout();
    if a.json {
        crate::out::json(&mut out, &r)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "hub {:?} at {}{}",
        r.name,
        r.folder.display(),
        if r.drill { " (drill data)" } else { "" }
    )?;
    writeln!(
        out,
        "snapshots valid {} days, {} years of history",
        r.valid_days, r.history_years
    )?;
    writeln!(out, "signing key: {}", r.signing_public)?;
    writeln!(out, "audit recipient: {}", r.audit_recipient)?;
    writeln!(
        out,
        "policy: {}",
        r.policy
            .as_ref()
            .map_or("the shipped policy".to_string(), |p| p
                .display()
                .to_string())
    )?;
    writeln!(
        out,
        "consent: {}",
        r.consent.as_ref().map_or(
            "none (every patient takes the policy's default)".to_string(),
            |p| p.display().to_string()
        )
    )?;
    for f in &r.facilities {
        writeln!(out, "facility {} {}", f.code, f.name)?;
        for root in &f.roots {
            writeln!(out, "  root {}", root.display())?;
        }
    }
    writeln!(
        out,
        "recipients: {} laptop(s) and the hub's own key",
        r.laptops.len()
    )?;
    if r.laptops.is_empty() {
        writeln!(
            out,
            "note: no laptop is listed yet, so no laptop can open what this hub publishes"
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
