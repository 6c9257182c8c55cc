//! Bringing a hub's chain (a base and its layers) onto the laptop from its repository.
//!
//! Given the chain the repository's verified metadata lists, [`bring`] makes the laptop's
//! snapshot folder hold it and switches to it, in this order:
//! 1. each file the laptop lacks is fetched into a hidden partial file (resumed where an earlier
//!    sync stopped), its length and SHA-256 checked against the metadata, then opened with the
//!    laptop's key and checked whole **in memory**, and only then renamed to its member name
//!    (`<sha256>.fcm`, which no snapshot list shows by itself);
//! 2. the whole chain is checked: every file signed by the same trusted key, each layer following
//!    the file before it ([`fieldchart_store::chain::check_links`]), the newest one valid now;
//! 3. the sync is written to the audit log;
//! 4. the laptop switches to the new chain in one step: its chain file (`<name>.fcchain`) is written
//!    beside it and renamed over the old one;
//! 5. only then are member files no chain file names any more, and stale partials, removed.
//!
//! A power cut at any moment leaves the old chain file or the new one, each naming files that are
//! complete and verified; the next sync resumes what was being fetched.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use fieldchart_store::chain::{ChainFile, Link};
use fieldchart_store::manifest::AppManifest;
use fieldchart_vault::{OpenOptions as VaultOptions, TrustedKey, Unlock};

use crate::{PARTIAL_PREFIX, SyncError};

/// The extension of a chain's member files in the laptop's snapshot folder.
pub const MEMBER_EXTENSION: &str = "fcm";

/// One file of the chain as the repository's metadata lists it (already verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainTarget {
    /// Its path in the repository (e.g. `targets/<sha256>.fcs`).
    pub name: String,
    pub length: u64,
    /// SHA-256 of the whole file, hex.
    pub sha256: String,
}

/// Where the chain's files come from: a repository over HTTP or in a folder.
pub trait Fetch {
    /// Fetches `name` into `partial`, resuming what is there, and checks its length and hash; a
    /// failure keeps what was fetched when the next sync can resume it.
    fn file(
        &self,
        name: &str,
        length: u64,
        sha256: &str,
        partial: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, SyncError>;
}

/// What [`bring`] needs besides the chain.
pub struct BringOptions<'a> {
    pub dest_dir: &'a Path,
    /// The chain file's name in `dest_dir`, without extension.
    pub chain_name: &'a str,
    pub unlock: &'a Unlock,
    pub trusted: &'a [TrustedKey],
    pub now: DateTime<Utc>,
}

/// What a chain sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brought {
    /// The chain file the laptop now opens.
    pub chain_file: PathBuf,
    /// Files in the chain, base first.
    pub files: usize,
    /// Files fetched by this sync, their sizes, and the bytes transferred to fetch them (less
    /// when a partial file from an earlier sync was resumed).
    pub fetched: usize,
    pub fetched_bytes: u64,
    pub transferred: u64,
    /// Files the laptop no longer needed, removed after the switch.
    pub removed: usize,
    /// The newest file's snapshot ID: what the audit entry names.
    pub snapshot_id: String,
    /// Whether the chain file already named exactly this chain (nothing switched).
    pub unchanged: bool,
    /// The newest file's manifest (facilities and their data-as-of after the sync).
    pub app: AppManifest,
    pub drill: bool,
    pub created: DateTime<Utc>,
}

/// The member file name of a chain file with this SHA-256.
pub fn member_name(sha256: &str) -> String {
    format!("{sha256}.{MEMBER_EXTENSION}")
}

/// Fetches what is missing, checks the whole chain, calls `audit` (which must write the sync's
/// audit entry and succeed) and only then switches the laptop to the chain and removes what it no
/// longer needs.
pub fn bring(
    opts: &BringOptions<'_>,
    chain: &[ChainTarget],
    fetch: &dyn Fetch,
    progress: &mut dyn FnMut(&str, u64, u64),
    audit: &mut dyn FnMut(&Brought) -> Result<(), SyncError>,
) -> Result<Brought, SyncError> {
    let dir = opts.dest_dir;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source: std::io::Error| {
            if fieldchart_failure::is_disk_full(&source) {
                SyncError::DiskFull { dest: path.clone() }
            } else {
                SyncError::Io {
                    from: path.clone(),
                    to: path.clone(),
                    source,
                }
            }
        }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    if chain.is_empty() {
        return Err(SyncError::Manifest(
            "the repository lists no files in its chain".into(),
        ));
    }
    let vault_opts = |accept_expired: bool| VaultOptions {
        trusted: opts.trusted.to_vec(),
        unlock: opts.unlock.clone(),
        now: opts.now,
        cache_bytes: 8 * 1024 * 1024,
        accept_expired,
    };

    // 1. What is missing, fetched and checked whole before it takes its member name.
    let (mut fetched, mut fetched_bytes, mut transferred) = (0usize, 0u64, 0u64);
    for target in chain {
        if !is_hex_sha256(&target.sha256) {
            return Err(SyncError::Manifest(format!(
                "{} has no SHA-256 the laptop can name it by",
                target.name
            )));
        }
        let member = dir.join(member_name(&target.sha256));
        if fs::metadata(&member).is_ok_and(|m| m.is_file() && m.len() == target.length) {
            continue;
        }
        let partial = dir.join(format!("{PARTIAL_PREFIX}{}.partial", target.sha256));
        transferred += fetch.file(
            &target.name,
            target.length,
            &target.sha256,
            &partial,
            &mut |done, total| progress(&target.name, done, total),
        )?;
        let checked = fieldchart_vault::open(&partial, &vault_opts(true))
            .and_then(|s| s.verify_all(&mut |done, total| progress("verifying", done, total)));
        if let Err(e) = checked {
            let _ = fs::remove_file(&partial);
            return Err(e.into());
        }
        fs::rename(&partial, &member)
            .and_then(|_| File::open(dir)?.sync_all())
            .map_err(io(&member))?;
        fetched += 1;
        fetched_bytes += target.length;
    }

    // 2. The chain as a whole: one signer, linked file to file, the newest valid now.
    let paths: Vec<PathBuf> = chain
        .iter()
        .map(|t| dir.join(member_name(&t.sha256)))
        .collect();
    let mut opened = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        let newest = i + 1 == paths.len();
        opened.push(fieldchart_vault::open(path, &vault_opts(!newest))?);
    }
    let signer = opened.last().map(|s| s.signer());
    if opened.iter().any(|s| Some(s.signer()) != signer) {
        return Err(SyncError::Manifest(
            "the chain's files are signed by different keys".into(),
        ));
    }
    let apps: Vec<AppManifest> = opened
        .iter()
        .map(|s| {
            serde_json::from_value(s.manifest().app.clone())
                .map_err(|e| SyncError::Manifest(format!("a file's manifest: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let links: Vec<Link<'_>> = opened
        .iter()
        .zip(&apps)
        .zip(chain)
        .map(|((s, app), t)| Link {
            name: t.name.clone(),
            digest: s.digest(),
            chain: app.chain.as_ref(),
        })
        .collect();
    fieldchart_store::chain::check_links(&links).map_err(SyncError::Chain)?;
    let newest = opened.last().map(|s| s.manifest().clone());
    let (Some(newest), Some(app)) = (newest, apps.last().cloned()) else {
        return Err(SyncError::Manifest("the chain is empty".into()));
    };
    drop(opened);

    let chain_file = dir.join(format!(
        "{}.{}",
        opts.chain_name,
        fieldchart_store::chain::EXTENSION
    ));
    let names: Vec<String> = chain.iter().map(|t| member_name(&t.sha256)).collect();
    let unchanged = ChainFile::read(&chain_file).is_ok_and(|(c, _)| c.files == names);
    let brought = Brought {
        chain_file: chain_file.clone(),
        files: chain.len(),
        fetched,
        fetched_bytes,
        transferred,
        removed: 0,
        snapshot_id: newest.snapshot_id.clone(),
        unchanged,
        app,
        drill: newest.drill,
        created: newest.created,
    };

    // 3. Audited before the switch: no published chain without its entry.
    audit(&brought)?;

    // 4. The switch.
    if !unchanged {
        ChainFile::new(names)
            .write_atomically(&chain_file)
            .map_err(io(&chain_file))?;
    }

    // 5. What no chain file names any more.
    let removed = remove_unneeded(dir, chain);
    Ok(Brought { removed, ..brought })
}

/// Removes member files no chain file in `dir` names, and partials of files not in `chain`.
fn remove_unneeded(dir: &Path, chain: &[ChainTarget]) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    let named: BTreeSet<PathBuf> = entries
        .iter()
        .filter(|p| ChainFile::is_chain_path(p))
        .filter_map(|p| ChainFile::read(p).ok())
        .flat_map(|(_, paths)| paths)
        .collect();
    let wanted: BTreeSet<String> = chain
        .iter()
        .map(|t| format!("{PARTIAL_PREFIX}{}.partial", t.sha256))
        .collect();
    let mut removed = 0;
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let stale_member =
            path.extension().is_some_and(|e| e == MEMBER_EXTENSION) && !named.contains(&path);
        let stale_partial = name.starts_with(PARTIAL_PREFIX)
            && name.ends_with(".partial")
            && is_hex_sha256(&name[PARTIAL_PREFIX.len()..name.len() - ".partial".len()])
            && !wanted.contains(&name);
        if (stale_member || stale_partial) && fs::remove_file(&path).is_ok() {
            removed += usize::from(stale_member);
        }
    }
    removed
}

fn is_hex_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
