//! `hub verify`: every snapshot the hub built, opened with the hub's own key and checked whole.

use std::path::PathBuf;

use fieldchart_failure::Failure;
use fieldchart_vault::{OpenOptions, TrustedKey, Unlock};
use serde::Serialize;

use crate::{BUILDS_DIR, HubError, Resolved};

/// One built file and what its check found.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub path: PathBuf,
    /// The snapshot's ID, creation and end of validity, when it opened.
    pub snapshot_id: Option<String>,
    pub created: Option<String>,
    pub not_after: Option<String>,
    /// Past its validity: still checked whole, since the hub answers for what it published.
    pub expired: bool,
    /// None when every check passed: signature, version, manifest and every part's hash.
    pub fault: Option<String>,
    /// The failure the fault stands for (its exit code in the README's table).
    #[serde(skip)]
    pub failure: Option<Failure>,
}

/// Opens every `builds/*.fcs` of the hub with its own key and its signing key's public half, and
/// checks each whole (signature, version, manifest, every part's hash), expired or not. Oldest
/// first.
pub fn verify_builds(
    r: &Resolved,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Checked>, HubError> {
    let dir = r.folder.join(BUILDS_DIR);
    let mut files = Vec::new();
    match std::fs::read_dir(&dir) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(|source| HubError::Io {
                    path: dir.clone(),
                    source,
                })?;
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "fcs") {
                    files.push(path);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(HubError::Io { path: dir, source }),
    }
    files.sort();
    let trusted = TrustedKey::parse(&r.signing_public)?;
    let own = fieldchart_vault::load_identity(&r.own_key)?;
    let mut checked = Vec::new();
    for path in files {
        let mut opts = OpenOptions::new(vec![trusted], Unlock::Identity(own.clone()), now);
        opts.accept_expired = true;
        let mut c = Checked {
            path: path.clone(),
            snapshot_id: None,
            created: None,
            not_after: None,
            expired: false,
            fault: None,
            failure: None,
        };
        match fieldchart_vault::open(&path, &opts) {
            Ok(snapshot) => {
                let m = snapshot.manifest();
                c.snapshot_id = Some(m.snapshot_id.clone());
                c.created = Some(m.created.to_rfc3339());
                c.not_after = Some(m.not_after.to_rfc3339());
                c.expired = m.not_after < now;
                if let Err(e) = snapshot.verify_all(&mut |_, _| {}) {
                    c.failure = Some(e.failure());
                    c.fault = Some(e.to_string());
                }
            }
            Err(e) => {
                c.failure = Some(e.failure());
                c.fault = Some(e.to_string());
            }
        }
        checked.push(c);
    }
    Ok(checked)
}
