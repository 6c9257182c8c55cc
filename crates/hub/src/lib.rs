//! The hub's own folder: `hub.toml` and `keys/`.
//!
//! A hub operator keeps one folder per hub. `hub.toml` holds the facilities and their SS-MIX2
//! storage roots, the policy and consent list signed into every snapshot, how long a snapshot stays
//! valid, and the laptops (recipients) that may open it; `keys/` holds the hub's signing key, its
//! audit key (the laptops encrypt their audit entries to it) and a recipient of the hub's own, so that
//! the hub can open and check everything it published without any laptop's key. docs/hub.md
//! documents every key of the file. An unknown key is an error, never ignored: a typo in a setting
//! that decides who may read patient data must not pass silently.
//!
//! This crate reads and writes the folder; it knows nothing of SS-MIX2, snapshots' contents or the
//! laptop.

mod config;
pub mod enrol;
mod init;
mod lock;
pub mod register;
pub mod status;
pub mod unknown;
mod verify;

pub use config::{Audit, Facility, HubConfig, Keys, Policy, Resolved, ResolvedFacility, Snapshot};
pub use enrol::Enrolment;
pub use init::{Initialised, init};
pub use lock::{HubLock, LOCK_FILE, lock};
pub use register::{Laptop, REGISTER_FILE, Register, lock_register};
pub use verify::{Checked, verify_builds};

use std::path::PathBuf;

use fieldchart_failure::Failure;

/// The configuration file's name inside the hub folder.
pub const CONFIG_FILE: &str = "hub.toml";
/// The folder of the hub's keys inside the hub folder.
pub const KEYS_DIR: &str = "keys";
/// The folder `hub build` writes its snapshots to, inside the hub folder.
pub const BUILDS_DIR: &str = "builds";
/// The folder of the hub's build state (what each patient's files were at the last build, and
/// the current chain), inside the hub folder.
pub const STATE_DIR: &str = "state";
/// The largest `hub.toml` read: a page of TOML per facility, for hundreds of facilities.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A line and column in `hub.toml`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `text`.
    pub(crate) fn of(text: &str, offset: usize) -> Position {
        let before = &text[..text.floor_char_boundary(offset)];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// `hub.toml` cannot be used: what is wrong, and where when the file shows it.
    #[error("{}{}: {reason}", path.display(), at.map(|p| format!(" ({p})")).unwrap_or_default())]
    Config {
        path: PathBuf,
        at: Option<Position>,
        reason: String,
    },
    /// The folder is a hub already; `init` never overwrites a configuration or a key.
    #[error(
        "{} exists already: this folder is a hub. Edit it, or give `hub init` a new folder",
        path.display()
    )]
    Exists { path: PathBuf },
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Another `hub build` or `hub publish` works in this hub folder now.
    #[error(
        "{} is busy: {holder} holds it. Only one hub build or publish runs at a time; try again when it ends",
        folder.display()
    )]
    Busy { folder: PathBuf, holder: String },
    #[error(transparent)]
    Vault(#[from] fieldchart_vault::VaultError),
}

impl HubError {
    pub fn failure(&self) -> Failure {
        Failure::from(self)
    }
}

impl From<&HubError> for Failure {
    fn from(e: &HubError) -> Failure {
        match e {
            HubError::Config { .. } => Failure::Usage,
            HubError::Exists { .. } => Failure::Exists,
            HubError::Busy { .. } => Failure::Busy,
            HubError::Io { source, .. } => Failure::of_io(source),
            HubError::Vault(v) => v.failure(),
        }
    }
}
