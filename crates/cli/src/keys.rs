//! `fieldchart keys`: make a laptop's device key or the hub's signing key.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Create an age X25519 identity for one laptop; print its public recipient (`age1…`).
    ///
    /// The secret file is written with mode 0600 and never overwrites an existing file. Give the
    /// printed line to the hub operator: snapshots built with `--recipient <it>` open on this laptop.
    Device(OutArgs),
    /// Create the hub's ed25519 signing key; print its public key.
    ///
    /// The secret file is written with mode 0600 and never overwrites an existing file. Laptops pass
    /// the printed line (or a file holding it) to `--trust`.
    Signing(OutArgs),
}

#[derive(clap::Args)]
pub struct OutArgs {
    /// Where to write the secret key (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let public = match command {
        Command::Device(a) => {
            crate::input::require_out_folder(&a.out, "the device key")?;
            fieldchart_vault::generate_device_identity(&a.out)?
        }
        Command::Signing(a) => {
            crate::input::require_out_folder(&a.out, "the signing key")?;
            fieldchart_vault::generate_signing_key(&a.out)?
        }
    };
    let mut out = crate::out::stdout();
    writeln!(out, "{public}")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
