//! The explicit sync (the only time the viewer reaches outside the laptop): a snapshot is brought
//! from the hub's share or a USB stick into the laptop's snapshot folder.
//!
//! A sync must never leave a half-copied or unverified snapshot where the viewer looks, whatever
//! happens: a power cut, a full disk, a pulled stick, a tampered file. So:
//! 1. the source's plaintext head is checked first (trusted signer, validity, format): nothing
//!    untrusted or expired is copied;
//! 2. it is copied under a hidden temporary name (`.fieldchart-sync-<name>.partial`, mode 0600) in
//!    the destination folder and fsync'd;
//! 3. the copy is opened with the laptop's key and **every part** is checked against the signed
//!    hashes (in memory: nothing is decrypted to disk);
//! 4. only then is it renamed to its final name and the folder fsync'd.
//!
//! A leftover temporary file (a power cut during an earlier sync) is removed by the next sync. An
//! existing snapshot is never overwritten. Each sync, good or bad, is written to the audit log.
//!
//! A snapshot older than one the laptop already holds from the same hub (same signer, later signed
//! creation time) is still copied, since it may be wanted on purpose, but the sync says so
//! ([`Synced::Copied::newer`]) and the audit entry records it.
//!
//! A hub's repository (a web address, or a folder holding `timestamp.json`) is synced by
//! [`repository::sync_repository`]: a base and its layers, only what the laptop lacks, switched to
//! in one step ([`chain`]). `fieldchart snapshot sync` picks the one that fits its SOURCE.

pub mod fetch;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use fieldchart_audit::log::{AuditError, AuditLog, DeviceKey};
use fieldchart_audit::{ClockInfo, Entry, Event, Outcome, SessionRef};
use fieldchart_failure::Failure;
use fieldchart_store::manifest::AppManifest;
use fieldchart_vault::{OpenOptions as VaultOptions, Snapshot, TrustedKey, Unlock, VaultError};

/// Prefix of the temporary file a sync copies into.
pub mod chain;
pub mod repository;

const PARTIAL_PREFIX: &str = ".fieldchart-sync-";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Vault {
        #[from]
        source: VaultError,
    },
    #[error("{0} is not a file name a snapshot can be saved under")]
    BadName(PathBuf),
    #[error(
        "{0} is a web address: it names a hub's repository, which is synced as a chain \
         (repository::sync_repository), not copied as one file"
    )]
    UnsupportedSource(String),
    #[error(
        "{dest} already holds another snapshot ({existing}); the new one is {new}. Move the old one away or give the new one another name"
    )]
    Exists {
        dest: PathBuf,
        existing: String,
        new: String,
    },
    #[error(
        "the disk is full while copying to {dest}: free space and sync again (nothing was kept)"
    )]
    DiskFull { dest: PathBuf },
    #[error("copying {from} to {to}: {source}")]
    Io {
        from: PathBuf,
        to: PathBuf,
        source: io::Error,
    },
    #[error("the snapshot has no readable audit recipient: {0}")]
    Manifest(String),
    #[error("the sync succeeded but could not be audited: {0}")]
    Audit(#[from] AuditError),
    /// The repository's files do not make one chain (a layer of another chain, a missing layer).
    #[error("the repository's files do not make one chain: {0}")]
    Chain(String),
    #[error(transparent)]
    Fetch(#[from] fetch::FetchError),
    #[error(transparent)]
    Repo(#[from] fieldchart_repo::RepoError),
    /// The hub's signed metadata lists this laptop's ID as revoked: it has locked itself.
    #[error(
        "this laptop ({laptop}) was revoked by its hub ({hub}): it has locked itself. Its device \
         key was destroyed and {removed} file(s) of the hub's snapshot removed{}; the audit log is \
         kept. Ask IT to enrol it again",
        if not_done.is_empty() { String::new() } else { format!(" (not done: {})", not_done.join("; ")) }
    )]
    Revoked {
        laptop: String,
        hub: String,
        removed: usize,
        not_done: Vec<String>,
    },
}

impl SyncError {
    /// Which row of the exit-code table: the vault's for a bad snapshot.
    pub fn failure(&self) -> Failure {
        match self {
            SyncError::Vault { source } => source.failure(),
            SyncError::Exists { .. } => Failure::Exists,
            SyncError::DiskFull { .. } => Failure::DiskFull,
            SyncError::Io { .. } | SyncError::BadName(_) => Failure::Io,
            SyncError::UnsupportedSource(_) => Failure::Usage,
            SyncError::Manifest(_) | SyncError::Chain(_) => Failure::Tampered,
            SyncError::Fetch(e) => e.failure(),
            SyncError::Repo(e) => e.failure(),
            SyncError::Audit(_) => Failure::AuditUnusable,
            SyncError::Revoked { .. } => Failure::Revoked,
        }
    }
}

/// What a sync needs.
pub struct SyncOptions {
    pub source: PathBuf,
    /// The laptop's snapshot folder.
    pub dest_dir: PathBuf,
    pub unlock: Unlock,
    pub trusted: Vec<TrustedKey>,
    pub now: DateTime<Utc>,
    pub audit_log: PathBuf,
}

/// How a sync ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Synced {
    /// Copied, verified and published.
    Copied {
        path: PathBuf,
        snapshot_id: String,
        bytes: u64,
        /// The newest snapshot from the same hub already in the folder, when it was made later than
        /// this one: the copy is older than what the laptop holds.
        newer: Option<Held>,
    },
    /// The same snapshot was already there (same ID and length); nothing was copied.
    AlreadyPresent { path: PathBuf, snapshot_id: String },
}

/// A snapshot already in the laptop's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub path: PathBuf,
    pub snapshot_id: String,
    pub created: DateTime<Utc>,
}

/// Whether a source names a web address (`http://…`, `https://…`) rather than a file.
fn is_web_address(source: &Path) -> bool {
    let text = source.to_string_lossy();
    text.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
    })
}

/// The newest snapshot in `dir` (other than `except`) signed by `signer` and made after `created`.
fn newer_held(
    dir: &Path,
    except: &Path,
    signer: &str,
    created: DateTime<Utc>,
    opts: &SyncOptions,
) -> Option<Held> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()) && e.path() != except)
        .filter_map(|e| {
            // An expired one is still the laptop's newer data; an unreadable or foreign file is not.
            let o =
                fieldchart_vault::check_outline_even_if_expired(&e.path(), &opts.trusted, opts.now)
                    .ok()?;
            (o.signer == signer && o.created > created).then(|| Held {
                path: e.path(),
                snapshot_id: o.snapshot_id,
                created: o.created,
            })
        })
        .max_by_key(|h| h.created)
}

/// Syncs one snapshot; `progress(done, total)` is called with bytes copied, then bytes verified.
pub fn sync(
    opts: &SyncOptions,
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<Synced, SyncError> {
    let source = opts.source.display().to_string();
    // One sync at a time into a folder: a second waits, so neither removes the other's files.
    let _lock = match lock_folder(&opts.dest_dir) {
        Ok(lock) => lock,
        Err(e) => {
            let _ = audit_failure(opts, &source, &e.to_string());
            return Err(e);
        }
    };
    let published = run(opts, progress).and_then(|(synced, verified, partial)| {
        let (path, snapshot_id, detail) = match &synced {
            Synced::Copied {
                path,
                snapshot_id,
                newer: None,
                ..
            } => (path, snapshot_id, "copied and verified".to_string()),
            Synced::Copied {
                path,
                snapshot_id,
                newer: Some(held),
                ..
            } => (
                path,
                snapshot_id,
                format!(
                    "copied and verified; older than snapshot {} from the same hub, already on this laptop",
                    held.snapshot_id
                ),
            ),
            Synced::AlreadyPresent { path, snapshot_id } => {
                (path, snapshot_id, "already present".to_string())
            }
        };
        // The entry is written before the rename publishes the file: a power cut between them
        // leaves an entry and no new snapshot (the next sync copies it again), never the reverse.
        let audited = audit_success(opts, verified, partial.as_deref().unwrap_or(path), snapshot_id, &source, &detail);
        if let Err(e) = audited {
            if let Some(partial) = &partial {
                let _ = fs::remove_file(partial);
            }
            return Err(e);
        }
        if let Some(partial) = &partial {
            publish(partial, path)?;
        }
        // The snapshot's validity window was checked against this clock: the clock floor is reset
        // to it, and raised to the snapshot's signed creation (fieldchart_audit::floor).
        if let Ok(o) = fieldchart_vault::check_outline(path, &opts.trusted, opts.now) {
            let _ = fieldchart_audit::floor::reset_at_sync(&opts.audit_log, opts.now, o.created);
        }
        Ok(synced)
    });
    match published {
        Ok(synced) => Ok(synced),
        Err(e) => {
            // A failed sync is audited to the hub the log already reports to, when there is one; a
            // failure to audit it must not hide the sync's own error.
            if !matches!(e, SyncError::Audit(_)) {
                let _ = audit_failure(opts, &source, &e.to_string());
            }
            Err(e)
        }
    }
}

/// The name of the lock file a sync holds in the snapshot folder.
pub const LOCK_FILE: &str = ".fieldchart-sync.lock";

/// Takes the snapshot folder's sync lock (made if missing), waiting for a sync that holds it.
pub fn lock_folder(dir: &Path) -> Result<File, SyncError> {
    let io_err = |source: io::Error| SyncError::Io {
        from: dir.to_path_buf(),
        to: dir.join(LOCK_FILE),
        source,
    };
    fs::create_dir_all(dir).map_err(io_err)?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(dir.join(LOCK_FILE))
        .map_err(io_err)?;
    file.lock().map_err(io_err)?;
    Ok(file)
}

/// Renames a verified copy to its final name and syncs the folder: the viewer sees either no file
/// or the whole verified one.
fn publish(partial: &Path, dest: &Path) -> Result<(), SyncError> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    fs::rename(partial, dest)
        .and_then(|_| File::open(dir)?.sync_all())
        .map_err(|source| SyncError::Io {
            from: partial.to_path_buf(),
            to: dest.to_path_buf(),
            source,
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Copying,
    Verifying,
}

/// The sync itself; with a copy, also the snapshot as opened for its verification (its manifest
/// names the hub to audit to, so it is not opened a second time).
/// Checks, copies and verifies; returns what to publish (the verified partial copy and its final
/// name) without publishing it.
fn run(
    opts: &SyncOptions,
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<(Synced, Option<Snapshot>, Option<PathBuf>), SyncError> {
    if is_web_address(&opts.source) {
        return Err(SyncError::UnsupportedSource(
            opts.source.display().to_string(),
        ));
    }
    let outline = fieldchart_vault::check_outline(&opts.source, &opts.trusted, opts.now)?;
    let name = opts
        .source
        .file_name()
        .filter(|n| !n.to_string_lossy().starts_with('.'))
        .ok_or_else(|| SyncError::BadName(opts.source.clone()))?;
    fs::create_dir_all(&opts.dest_dir).map_err(|source| SyncError::Io {
        from: opts.source.clone(),
        to: opts.dest_dir.clone(),
        source,
    })?;
    remove_leftovers(&opts.dest_dir);
    let dest = opts.dest_dir.join(name);
    if dest.exists() {
        let existing = fieldchart_vault::check_outline(&dest, &opts.trusted, opts.now).ok();
        return match existing {
            Some(e) if e.snapshot_id == outline.snapshot_id && e.file_len == outline.file_len => {
                Ok((
                    Synced::AlreadyPresent {
                        path: dest,
                        snapshot_id: outline.snapshot_id,
                    },
                    None,
                    None,
                ))
            }
            other => Err(SyncError::Exists {
                dest,
                existing: other
                    .map_or_else(|| "an unreadable or expired file".into(), |e| e.snapshot_id),
                new: outline.snapshot_id,
            }),
        };
    }

    let newer = newer_held(
        &opts.dest_dir,
        &dest,
        &outline.signer,
        outline.created,
        opts,
    );
    let partial = opts.dest_dir.join(format!(
        "{PARTIAL_PREFIX}{}.partial",
        name.to_string_lossy()
    ));
    let copied = copy(&opts.source, &partial, outline.file_len, progress)
        .and_then(|bytes| Ok((bytes, verify(&partial, opts, progress)?)));
    let (bytes, snapshot) = match copied {
        Ok(done) => done,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    Ok((
        Synced::Copied {
            path: dest,
            snapshot_id: outline.snapshot_id,
            bytes,
            newer,
        },
        Some(snapshot),
        Some(partial),
    ))
}

/// Temporary files of syncs a power cut interrupted.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        // A chain member's partial (named by its SHA-256) is resumed by the next chain sync.
        let chain_partial = name
            .strip_prefix(PARTIAL_PREFIX)
            .and_then(|n| n.strip_suffix(".partial"))
            .is_some_and(|n| n.len() == 64 && n.bytes().all(|b| b.is_ascii_hexdigit()));
        if name.starts_with(PARTIAL_PREFIX) && name.ends_with(".partial") && !chain_partial {
            let _ = fs::remove_file(e.path());
        }
    }
}

fn copy(
    from: &Path,
    to: &Path,
    expected: u64,
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<u64, SyncError> {
    let io_err = |source: io::Error| {
        if fieldchart_failure::is_disk_full(&source) {
            SyncError::DiskFull {
                dest: to.to_path_buf(),
            }
        } else {
            SyncError::Io {
                from: from.to_path_buf(),
                to: to.to_path_buf(),
                source,
            }
        }
    };
    let mut src = File::open(from).map_err(io_err)?;
    let mut dst = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)
        .map_err(io_err)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    progress(Stage::Copying, 0, expected);
    loop {
        let n = src.read(&mut buf).map_err(io_err)?;
        if n == 0 {
            break;
        }
        dst.write_all(&buf[..n]).map_err(io_err)?;
        done += n as u64;
        progress(Stage::Copying, done, expected);
    }
    dst.sync_all().map_err(io_err)?;
    Ok(done)
}

/// Opens the copy with the laptop's key and checks every part against the signed hashes.
fn verify(
    partial: &Path,
    opts: &SyncOptions,
    progress: &mut dyn FnMut(Stage, u64, u64),
) -> Result<Snapshot, SyncError> {
    let snapshot = fieldchart_vault::open(
        partial,
        &VaultOptions::new(opts.trusted.clone(), opts.unlock.clone(), opts.now),
    )?;
    snapshot.verify_all(&mut |done, total| progress(Stage::Verifying, done, total))?;
    Ok(snapshot)
}

/// Writes the sync to the audit log, encrypted to the hub the snapshot names. `verified` is the
/// snapshot as the sync opened it; a snapshot that was already there is opened here.
fn audit_success(
    opts: &SyncOptions,
    verified: Option<Snapshot>,
    path: &Path,
    snapshot_id: &str,
    source: &str,
    detail: &str,
) -> Result<(), SyncError> {
    let snapshot = match verified {
        Some(s) => s,
        None => fieldchart_vault::open(
            path,
            &VaultOptions::new(opts.trusted.clone(), opts.unlock.clone(), opts.now),
        )?,
    };
    let app: AppManifest = serde_json::from_value(snapshot.manifest().app.clone())
        .map_err(|e| SyncError::Manifest(e.to_string()))?;
    let recipient: age::x25519::Recipient = app
        .audit_recipient
        .parse()
        .map_err(|_| SyncError::Manifest("not an age recipient".into()))?;
    let manifest = snapshot.manifest();
    let entry = Entry {
        event: Event::Sync {
            source: source.to_string(),
            snapshot_id: Some(snapshot_id.to_string()),
            targets_version: None,
            outcome: Outcome::Success,
            detail: detail.to_string(),
        },
        actor: None,
        session: Some(SessionRef {
            snapshot_id: snapshot_id.to_string(),
            session_id: random_id(),
            drill: manifest.drill,
        }),
        break_glass: None,
        clock: ClockInfo::system().with_trusted_time(manifest.created),
    };
    open_log(&opts.audit_log)?.append(&recipient, &entry)?;
    Ok(())
}

fn audit_failure(opts: &SyncOptions, source: &str, reason: &str) -> Result<(), SyncError> {
    if !opts.audit_log.exists() {
        return Ok(());
    }
    let mut log = open_log(&opts.audit_log)?;
    let Some(recipient) = log.last_recipient()? else {
        return Ok(());
    };
    let entry = Entry {
        event: Event::Sync {
            source: source.to_string(),
            snapshot_id: None,
            targets_version: None,
            outcome: Outcome::Failure,
            detail: reason.to_string(),
        },
        actor: None,
        session: None,
        break_glass: None,
        clock: ClockInfo::system(),
    };
    log.append(&recipient, &entry)?;
    Ok(())
}

/// The device's audit log, with its signing key beside it (as the viewing session keeps them).
fn open_log(log: &Path) -> Result<AuditLog, SyncError> {
    let key = DeviceKey::load_or_create(&log.with_file_name("device-audit.key"))?;
    Ok(AuditLog::open(log, &key)?)
}

fn random_id() -> String {
    let mut bytes = [0u8; 8];
    // Only groups entries for review; a failed RNG leaves it zero, not the sync.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
