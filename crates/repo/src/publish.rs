//! The hub's side: publishing a chain into a repository folder that any web server, file share or
//! USB stick can then carry.
//!
//! Write order is what keeps a reader safe at every instant: the snapshot files first (each under
//! its content's name, so a name never changes meaning), then the new targets metadata (a new
//! versioned name), then `timestamp.json` last, each written to a temporary name, fsync'd, renamed
//! and its folder fsync'd. A laptop that read the old timestamp a moment ago still finds what it
//! named: files only go away once neither of the two newest targets versions lists them.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use fieldchart_vault::{SigningKey, TrustedKey};
use sha2::{Digest, Sha256};

use crate::error::RepoError;
use crate::metadata::{
    self, FORMAT, FileRole, MAX_TARGETS_LEN, MAX_TIMESTAMP_LEN, MetaRef, TARGETS_DIR,
    TIMESTAMP_NAME, TargetFile, Targets, Timestamp, targets_name, targets_version_of,
};
use crate::verify::{hex, sha256_hex};

/// How long a timestamp stays valid: a laptop that has not seen a fresh one for a day is told it
/// may be cut off. The hub republishes well within it (every publish re-signs the timestamp).
pub const DEFAULT_TIMESTAMP_EXPIRY: TimeDelta = TimeDelta::days(1);
/// How long a targets metadata stays valid. An unchanged one is re-signed once half of it is
/// left, so a quiet hub never freezes its laptops.
pub const DEFAULT_TARGETS_EXPIRY: TimeDelta = TimeDelta::days(14);

/// One file of the chain as the hub built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainFile {
    pub path: PathBuf,
    pub role: FileRole,
    pub sequence: u64,
    /// Its vault digest, `fieldchart_vault::check_outline_even_if_expired(path, ..).digest`.
    pub digest: String,
}

/// What to publish and how.
pub struct PublishInput<'a> {
    /// The chain in order: the base first, then its layers.
    pub chain: Vec<ChainFile>,
    /// The hub's key: it signs the metadata and must be the signer of every file.
    pub signing_key: &'a SigningKey,
    /// The hub's clock; expiries count from it (to the second).
    pub now: DateTime<Utc>,
    pub timestamp_expiry: TimeDelta,
    pub targets_expiry: TimeDelta,
    /// Every version written is above this: the hub keeps [`Published::highest_version`], so a
    /// wiped or replaced repository folder never restarts at 1 (laptops would call it a rollback).
    pub version_floor: u64,
    /// The laptop IDs the hub revoked (its register's): signed into the targets metadata, so a
    /// revoked laptop that syncs learns it and locks itself. Sorted and without repeats when
    /// written.
    pub revoked: Vec<String>,
}

impl<'a> PublishInput<'a> {
    /// The default expiries and no floor.
    pub fn new(chain: Vec<ChainFile>, signing_key: &'a SigningKey, now: DateTime<Utc>) -> Self {
        PublishInput {
            chain,
            signing_key,
            now,
            timestamp_expiry: DEFAULT_TIMESTAMP_EXPIRY,
            targets_expiry: DEFAULT_TARGETS_EXPIRY,
            version_floor: 0,
            revoked: Vec::new(),
        }
    }
}

/// What a publish wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub timestamp_version: u64,
    /// The targets metadata the new timestamp names.
    pub targets: MetaRef,
    /// Whether that targets metadata was written now (the chain changed, or it was re-signed
    /// before its expiry), rather than kept.
    pub targets_written: bool,
    /// Files copied into `targets/` now (paths relative to the repository root); the others were
    /// already there and correct.
    pub copied: Vec<String>,
    /// Files and metadata removed because neither of the two newest targets versions lists them.
    pub removed: Vec<String>,
    /// What the publisher found wrong in the folder and worked around (a file that did not verify,
    /// a damaged copy replaced), for the hub's log.
    pub warnings: Vec<String>,
}

impl Published {
    /// The highest version this publish wrote: the hub keeps it and gives it as the next
    /// [`PublishInput::version_floor`].
    pub fn highest_version(&self) -> u64 {
        self.timestamp_version.max(self.targets.version)
    }
}

/// A chain file after its checks: where it came from and what it is.
struct Checked<'a> {
    input: &'a ChainFile,
    sha256: String,
    length: u64,
}

/// The hub's earlier publication as the folder holds it (only what verifies with the hub's key).
struct Existing {
    timestamp_version: Option<u64>,
    /// Verified targets metadata, newest first, with their bytes.
    targets: Vec<(Targets, Vec<u8>)>,
    /// Every `N.targets.json` name present, verified or not.
    targets_names: Vec<String>,
}

/// Publishes `input.chain` into `repo_dir` (made if missing): copies the files into `targets/`,
/// writes a new `N.targets.json` when the chain changed (or its expiry nears), and always a new
/// `timestamp.json`; then removes what the two newest targets versions no longer list.
pub fn publish(repo_dir: &Path, input: &PublishInput<'_>) -> Result<Published, RepoError> {
    let now = input.now.trunc_subsecs(0);
    if input.timestamp_expiry <= TimeDelta::zero() || input.targets_expiry < input.timestamp_expiry
    {
        return Err(RepoError::BadInput(
            "the timestamp's expiry must be positive and the targets' at least as long".into(),
        ));
    }
    let own = [input.signing_key.trusted_key()];
    let signer = own[0].to_string();
    let mut warnings = Vec::new();

    let checked = input
        .chain
        .iter()
        .map(|file| check_file(file, &own, now))
        .collect::<Result<Vec<_>, _>>()?;
    metadata::check_chain(checked.iter().map(|c| {
        (
            c.input.role,
            c.input.sequence,
            c.sha256.as_str(),
            c.input.digest.as_str(),
        )
    }))
    .map_err(RepoError::BadInput)?;

    let targets_dir = repo_dir.join(TARGETS_DIR);
    fs::create_dir_all(&targets_dir)
        .map_err(|e| RepoError::io("making the folder", &targets_dir, e))?;
    let existing = read_existing(repo_dir, &own, &mut warnings)?;

    let mut revoked = input.revoked.clone();
    revoked.sort();
    revoked.dedup();
    if let Some(bad) = revoked
        .iter()
        .find(|id| !fieldchart_vault::laptop::is_laptop_id(id))
    {
        return Err(RepoError::BadInput(format!(
            "{bad:?} is not a laptop ID (fcl1-…)"
        )));
    }

    // 1. The files, each under its content's name.
    let mut copied = Vec::new();
    for c in &checked {
        let name = format!("{}.fcs", c.sha256);
        let dest = targets_dir.join(&name);
        match file_sha256(&dest) {
            Ok((len, sha)) if len == c.length && sha == c.sha256 => continue,
            Ok(_) => warnings.push(format!(
                "{}/{name} was damaged in the repository and is copied again",
                TARGETS_DIR
            )),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(RepoError::io("reading", dest, e)),
        }
        copy_in(&c.input.path, &targets_dir, &name, &c.sha256)?;
        copied.push(format!("{TARGETS_DIR}/{name}"));
    }

    // 2. The targets metadata, when the chain changed or the current one nears its expiry.
    let current = existing.targets.first();
    let same_chain = current.is_some_and(|(t, _)| {
        t.signer == signer
            && t.revoked == revoked
            && t.files.len() == checked.len()
            && t.files.iter().zip(&checked).all(|(f, c)| {
                f.sha256 == c.sha256
                    && f.length == c.length
                    && f.role == c.input.role
                    && f.sequence == c.input.sequence
                    && f.digest == c.input.digest
            })
    });
    let timestamp_expires = now + input.timestamp_expiry;
    let fresh_enough = current.is_some_and(|(t, _)| {
        t.expires >= now + input.targets_expiry / 2 && t.expires > timestamp_expires
    });
    let (targets_ref, targets_written) = match current {
        Some((t, bytes)) if same_chain && fresh_enough => (meta_ref(t.version, bytes), false),
        _ => {
            let highest = existing
                .targets
                .iter()
                .map(|(t, _)| t.version)
                .chain(existing.timestamp_version)
                .chain([input.version_floor])
                .max()
                .unwrap_or(0);
            let version = next(highest, input.version_floor)?;
            let files = checked
                .iter()
                .map(|c| TargetFile {
                    sha256: c.sha256.clone(),
                    length: c.length,
                    role: c.input.role,
                    sequence: c.input.sequence,
                    digest: c.input.digest.clone(),
                    since: existing
                        .targets
                        .iter()
                        .flat_map(|(t, _)| &t.files)
                        .filter(|f| f.sha256 == c.sha256)
                        .map(|f| f.since)
                        .min()
                        .unwrap_or(version),
                })
                .collect();
            let targets = Targets {
                kind: "targets".into(),
                format: FORMAT,
                version,
                expires: now + input.targets_expiry,
                signer: signer.clone(),
                files,
                revoked: revoked.clone(),
            };
            let bytes = metadata::sign(&targets, input.signing_key);
            if bytes.len() as u64 > MAX_TARGETS_LEN {
                return Err(RepoError::BadInput(format!(
                    "its targets metadata would be {} bytes, more than laptops read ({MAX_TARGETS_LEN}): \
                     rebase the chain onto a new base",
                    bytes.len()
                )));
            }
            write_atomically(repo_dir, &targets_name(version), &bytes)?;
            (meta_ref(version, &bytes), true)
        }
    };

    // 3. The timestamp, last: from now on laptops see the new publication.
    let timestamp = Timestamp {
        kind: "timestamp".into(),
        format: FORMAT,
        version: next(
            existing
                .timestamp_version
                .unwrap_or(0)
                .max(input.version_floor),
            input.version_floor,
        )?,
        expires: timestamp_expires,
        targets: targets_ref.clone(),
    };
    let bytes = metadata::sign(&timestamp, input.signing_key);
    write_atomically(repo_dir, TIMESTAMP_NAME, &bytes)?;

    // 4. What the two newest targets versions no longer list.
    let mut kept: Vec<&Targets> = Vec::new();
    let written;
    if targets_written {
        written = current_after_write(repo_dir, &targets_ref, &own)?;
        kept.push(&written);
        kept.extend(existing.targets.first().map(|(t, _)| t));
    } else {
        kept.extend(existing.targets.iter().take(2).map(|(t, _)| t));
    }
    let removed = remove_unlisted(repo_dir, &kept, &existing.targets_names)?;

    Ok(Published {
        timestamp_version: timestamp.version,
        targets: targets_ref,
        targets_written,
        copied,
        removed,
        warnings,
    })
}

/// The next version above `highest`.
fn next(highest: u64, floor: u64) -> Result<u64, RepoError> {
    highest
        .checked_add(1)
        .ok_or(RepoError::VersionOverflow { floor })
}

fn meta_ref(version: u64, bytes: &[u8]) -> MetaRef {
    MetaRef {
        name: targets_name(version),
        version,
        length: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    }
}

/// The targets metadata just written, read back as laptops will read it.
fn current_after_write(
    repo_dir: &Path,
    r: &MetaRef,
    own: &[TrustedKey],
) -> Result<Targets, RepoError> {
    let path = repo_dir.join(&r.name);
    let bytes = fs::read(&path).map_err(|e| RepoError::io("reading back", &path, e))?;
    Ok(metadata::open::<Targets>(&bytes, own)?.0)
}

/// Checks one chain file before anything is written: signed by the hub (expired or not), its
/// digest the one given; returns its SHA-256 and length.
fn check_file<'a>(
    file: &'a ChainFile,
    own: &[TrustedKey],
    now: DateTime<Utc>,
) -> Result<Checked<'a>, RepoError> {
    let outline = fieldchart_vault::check_outline_even_if_expired(&file.path, own, now).map_err(
        |source| RepoError::Vault {
            path: file.path.clone(),
            source,
        },
    )?;
    if outline.digest != file.digest {
        return Err(RepoError::DigestMismatch {
            path: file.path.clone(),
            given: file.digest.clone(),
            actual: outline.digest,
        });
    }
    let (length, sha256) =
        file_sha256(&file.path).map_err(|e| RepoError::io("reading", &file.path, e))?;
    Ok(Checked {
        input: file,
        sha256,
        length,
    })
}

/// Length and SHA-256 of a file.
fn file_sha256(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((len, hex(&hasher.finalize())))
}

/// The temporary name a file is written under before it takes `name` (a dot file: the shipped
/// nginx site never serves one).
fn temp_name(name: &str) -> String {
    format!(".{name}.tmp")
}

/// Copies `src` to `dir/name` through a temporary file, checking on the way that its content is
/// still the one hashed before.
fn copy_in(src: &Path, dir: &Path, name: &str, sha256: &str) -> Result<(), RepoError> {
    let temp = dir.join(temp_name(name));
    let result = (|| {
        let mut from = File::open(src).map_err(|e| RepoError::io("reading", src, e))?;
        let mut to = create_for_write(&temp)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RepoError::io("reading", src, e)),
            };
            hasher.update(&buf[..n]);
            to.write_all(&buf[..n])
                .map_err(|e| RepoError::io("writing", &temp, e))?;
        }
        if hex(&hasher.finalize()) != sha256 {
            return Err(RepoError::SourceChanged {
                path: src.to_owned(),
            });
        }
        to.sync_all()
            .map_err(|e| RepoError::io("writing", &temp, e))?;
        Ok(())
    })();
    finish_temp(result, &temp, &dir.join(name), dir)
}

/// Writes `bytes` as `dir/name`, atomically.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), RepoError> {
    let temp = dir.join(temp_name(name));
    let result = (|| {
        let mut to = create_for_write(&temp)?;
        to.write_all(bytes)
            .and_then(|()| to.sync_all())
            .map_err(|e| RepoError::io("writing", &temp, e))
    })();
    finish_temp(result, &temp, &dir.join(name), dir)
}

/// A temporary file, readable by the web server (the repository is public: its files are
/// encrypted and its metadata signed).
fn create_for_write(path: &Path) -> Result<File, RepoError> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(path)
        .map_err(|e| RepoError::io("creating", path, e))
}

/// Renames a written temporary file into place and syncs the folder; removes it after a failure.
fn finish_temp(
    written: Result<(), RepoError>,
    temp: &Path,
    dest: &Path,
    dir: &Path,
) -> Result<(), RepoError> {
    let done = written.and_then(|()| {
        fs::rename(temp, dest).map_err(|e| RepoError::io("renaming into place", dest, e))?;
        sync_dir(dir)
    });
    if done.is_err() {
        let _ = fs::remove_file(temp);
    }
    done
}

fn sync_dir(dir: &Path) -> Result<(), RepoError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| RepoError::io("syncing the folder", dir, e))
}

/// What the folder holds from earlier publishes, as far as it verifies with the hub's own key
/// (expiry aside: the hub reads its own old publication).
fn read_existing(
    repo_dir: &Path,
    own: &[TrustedKey],
    warnings: &mut Vec<String>,
) -> Result<Existing, RepoError> {
    let timestamp_path = repo_dir.join(TIMESTAMP_NAME);
    let timestamp_version =
        match fieldchart_vault::input::read_bounded(&timestamp_path, MAX_TIMESTAMP_LEN) {
            Ok(bytes) => match metadata::open::<Timestamp>(&bytes, own) {
                Ok((t, _)) => Some(t.version),
                Err(e) => {
                    warnings.push(format!("{TIMESTAMP_NAME} is ignored: {e}"));
                    None
                }
            },
            Err(fieldchart_vault::input::InputError::Io { source, .. })
                if source.kind() == io::ErrorKind::NotFound =>
            {
                None
            }
            Err(e) => {
                warnings.push(format!("{TIMESTAMP_NAME} is ignored: {e}"));
                None
            }
        };

    let mut versions = Vec::new();
    let mut targets_names = Vec::new();
    let entries = fs::read_dir(repo_dir).map_err(|e| RepoError::io("listing", repo_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| RepoError::io("listing", repo_dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(v) = targets_version_of(name) {
            versions.push(v);
            targets_names.push(name.to_owned());
        }
    }
    versions.sort_unstable_by(|a, b| b.cmp(a));
    let mut targets = Vec::new();
    for v in versions {
        let path = repo_dir.join(targets_name(v));
        let verified = fieldchart_vault::input::read_bounded(&path, MAX_TARGETS_LEN)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                let (t, _) = metadata::open::<Targets>(&bytes, own).map_err(|e| e.to_string())?;
                if t.version != v {
                    return Err(format!("it says it is version {}", t.version));
                }
                Ok((t, bytes))
            });
        match verified {
            Ok(t) => targets.push(t),
            Err(e) => warnings.push(format!("{} is ignored: {e}", targets_name(v))),
        }
    }
    Ok(Existing {
        timestamp_version,
        targets,
        targets_names,
    })
}

/// Removes the targets metadata other than `kept`, and every file in `targets/` they do not
/// list, and temporary files left by an interrupted publish. Only names this publisher writes are
/// touched: anything else the operator keeps in the folder stays.
fn remove_unlisted(
    repo_dir: &Path,
    kept: &[&Targets],
    targets_names: &[String],
) -> Result<Vec<String>, RepoError> {
    let mut removed = Vec::new();
    let kept_names: HashSet<String> = kept.iter().map(|t| targets_name(t.version)).collect();
    let listed: HashSet<String> = kept
        .iter()
        .flat_map(|t| &t.files)
        .map(|f| format!("{}.fcs", f.sha256))
        .collect();

    let mut remove = |dir: &Path, name: &str, shown: String| -> Result<(), RepoError> {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => {
                removed.push(shown);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(RepoError::io("removing", path, e)),
        }
    };

    for name in targets_names {
        if !kept_names.contains(name) {
            remove(repo_dir, name, name.clone())?;
        }
    }
    let targets_dir = repo_dir.join(TARGETS_DIR);
    let entries =
        fs::read_dir(&targets_dir).map_err(|e| RepoError::io("listing", &targets_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| RepoError::io("listing", &targets_dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name
            .strip_suffix(".fcs")
            .is_some_and(metadata::is_sha256_hex);
        let temp = name.starts_with('.') && name.ends_with(".fcs.tmp");
        if (ours && !listed.contains(name)) || temp {
            remove(&targets_dir, name, format!("{TARGETS_DIR}/{name}"))?;
        }
    }
    let entries = fs::read_dir(repo_dir).map_err(|e| RepoError::io("listing", repo_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| RepoError::io("listing", repo_dir, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let temp_of = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp"))
            .is_some_and(|n| n == TIMESTAMP_NAME || targets_version_of(n).is_some());
        if temp_of {
            remove(repo_dir, name, name.to_owned())?;
        }
    }
    sync_dir(&targets_dir)?;
    sync_dir(repo_dir)?;
    Ok(removed)
}
