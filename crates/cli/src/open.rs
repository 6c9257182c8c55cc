//! How the viewing commands open a snapshot: trust, unlock, clock.

use std::path::PathBuf;

use anyhow::bail;
use chrono::Utc;
use fieldchart_session::{Session, SessionOptions};
use fieldchart_vault::{TrustedKey, Unlock};

/// The arguments every command that opens a snapshot takes.
#[derive(clap::Args, Clone)]
pub struct OpenArgs {
    /// The snapshot file.
    pub file: PathBuf,
    /// This laptop's device key (from `fieldchart keys device`).
    #[arg(long, value_name = "KEY", conflicts_with = "passphrase_file")]
    pub identity: Option<PathBuf>,
    /// A file holding the snapshot's emergency passphrase.
    #[arg(long, value_name = "F")]
    pub passphrase_file: Option<PathBuf>,
    /// The hub's public signing key (as printed by `fieldchart keys signing`), or a file holding it.
    /// Repeat to trust several hubs.
    #[arg(long = "trust", value_name = "PUB", required = true)]
    pub trust: Vec<String>,
}

impl OpenArgs {
    pub fn unlock(&self) -> anyhow::Result<Unlock> {
        Ok(match (&self.identity, &self.passphrase_file) {
            (Some(key), None) => Unlock::Identity(fieldchart_vault::load_identity(key)?),
            (None, Some(f)) => Unlock::Passphrase(fieldchart_vault::read_passphrase_file(f)?),
            _ => bail!("give either --identity KEY or --passphrase-file F"),
        })
    }

    pub fn trusted(&self) -> anyhow::Result<Vec<TrustedKey>> {
        Ok(self
            .trust
            .iter()
            .map(|t| TrustedKey::parse(t))
            .collect::<Result<_, _>>()?)
    }

    /// Opens a session with the system clock.
    pub fn session(&self) -> anyhow::Result<Session> {
        Ok(Session::open(SessionOptions {
            path: self.file.clone(),
            unlock: self.unlock()?,
            trusted: self.trusted()?,
            now: Utc::now(),
        })?)
    }
}
