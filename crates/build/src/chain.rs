//! The hub's chain of builds: a base, then small layers holding only what changed.
//!
//! `fieldchart hub build` calls [`build_next`] every night. It looks at every patient folder of
//! the storage again, but opens only what changed since the last build:
//!
//! 1. **Change is decided per patient folder** from each file's name, size and mtime, kept in the
//!    hub's state ([`STATE_FILE`] under `state/`: keys and hashes only, no clinical content). Where
//!    those agree with the state the patient is unchanged without a byte being read; where they
//!    disagree, the file's SHA-256 decides, so a file touched but not changed (a copy that kept
//!    its content) does not make a layer. `--full` ([`ChainOptions::full`]) hashes every file, so
//!    a file changed in place with the same size and mtime is still found, and writes a fresh base.
//!
//!    The names come from the folders, and reading every folder of a large storage each night is
//!    most of the night's work (the kernel's `getdents`). So the state also keeps the modification
//!    time of every folder a patient's walk read. A folder whose time is the same holds the same
//!    entries (creating, removing or renaming one changes it), so a patient whose folders all have
//!    their kept times is checked with a `stat` of each folder and each kept file, and their
//!    folders are not read. Only where a folder's time differs, or a file's size or time does, is
//!    the patient walked again. A time less than [`RACY_SLACK`] before the scan began is kept as
//!    unknown: the clock that stamps folders is coarse, so a change in the same tick as the look
//!    could leave the time as it was; such a folder is read again next night.
//! 2. **The output is a layer**: the new and changed patients, read and stored whole (their chart,
//!    index entry and documents), a tombstone for each patient who left the storage, and the
//!    manifest's facility rows counted over the whole facility (unchanged patients from their
//!    kept tallies). It names the digest of its base and of the file before it
//!    ([`fieldchart_store::manifest::ChainLink`]).
//! 3. **A fresh base** instead when there is no chain yet, on `--full`, when what decides who can
//!    open the files changed (recipients, signer, history window: [`ChainOptions::settings`]),
//!    when the layers add up to more than [`ChainOptions::layer_share`] of the base's bytes or the
//!    changes touch more than that share of its patients, or when the chain has
//!    [`ChainOptions::max_layers`] layers.
//!
//! A layer is written even when nothing changed: it renews the chain's validity and carries the
//! current policy and consent list (a few kilobytes).
//!
//! **Crash safety.** The state changes in one SQLite transaction, committed only after the new file
//! is complete under its final name. A build killed at any moment leaves the state as it was: the
//! next build finds the same changes and writes the right layer, and removes what the killed one
//! left in `builds/` (a half-written file, the work folder, or a finished file the state never
//! took). What is published comes from the state's chain, so a file the state does not hold is
//! never published.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use fieldchart_reader::report::PatientTally;
use fieldchart_storage::{
    FacilityScan, PatientDir, PatientFiles, PatientId, StorageRoot, join_relative, modified_ns,
    scan_facility, stamp_ns,
};
use fieldchart_store::manifest::ChainLink;
use rayon::prelude::*;
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod lists;

use crate::{BuildError, BuildOptions, BuildSummary, ChainPlan, Key, Progress};

/// The hub's state file, inside the state folder.
pub const STATE_FILE: &str = "hub-state.sqlite";

/// Default share of the base past which the next build writes a fresh base.
pub const DEFAULT_LAYER_SHARE: f64 = 0.3;
/// Default most layers on one base.
pub const DEFAULT_MAX_LAYERS: u32 = 30;

/// A folder's time this close to the start of the scan (or after it) is not trusted next night.
pub const RACY_SLACK: Duration = Duration::from_secs(2);

/// What [`build_next`] is told.
pub struct ChainOptions {
    /// The build as a full one would be made (storage, keys, validity, policy, consent, names);
    /// `out` and `chain` are set by [`build_next`].
    pub build: BuildOptions,
    /// `DIR/state`: the state file lives here.
    pub state_dir: PathBuf,
    /// `DIR/builds`: the chain's files are written here.
    pub builds_dir: PathBuf,
    /// Hash every file (the weekly full check) and write a fresh base.
    pub full: bool,
    /// A fresh base when the layers add up to more than this share of the base (bytes, or
    /// patients changed).
    pub layer_share: f64,
    /// A fresh base when the chain already has this many layers.
    pub max_layers: u32,
    /// Whatever must stay the same for a layer to follow its base (recipients, signer, history
    /// window, drill), as one text: a change writes a fresh base.
    pub settings: String,
}

/// Whether a build wrote a base or a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Base,
    Layer,
}

/// One file of the hub's current chain, as the state keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntry {
    pub sequence: u32,
    pub file: PathBuf,
    pub digest: String,
    pub created: String,
    pub patients: u64,
    pub tombstones: u64,
    pub bytes: u64,
}

/// What one incremental build found and made.
#[derive(Debug, Clone, Serialize)]
pub struct ChainBuilt {
    pub kind: Kind,
    /// Why a base was written (None for a layer).
    pub why_base: Option<String>,
    #[serde(skip)]
    pub summary: BuildSummary,
    /// Patients in the storage.
    pub scanned: u64,
    /// Patients new since the last build.
    pub new: u64,
    /// Patients whose files changed.
    pub changed: u64,
    /// Patients who left the storage (a tombstone each).
    pub removed: u64,
    /// Patients whose files' names, sizes or times changed but not their content.
    pub touched: u64,
    /// Files whose content was hashed to decide.
    pub hashed_files: u64,
    /// Patients whose folders were read again (every one on a full check or a first build); the
    /// others were checked from the times the state keeps, by a `stat` of each folder and file.
    pub walked: u64,
    /// Patients read again, their files unchanged, because a CRL the hub has now lists the
    /// certificate of a signature on one of their letters that an earlier build judged valid.
    pub revoked_signers: u64,
    /// Patients read again, their files unchanged, because the hub's HPKI anchors or
    /// intermediates changed and a letter of theirs had an issuer the hub could not confirm.
    pub newly_trusted: u64,
    /// Left-overs of an interrupted build removed from `builds/` before this one.
    pub cleaned: Vec<PathBuf>,
    /// The chain after this build, base first.
    pub chain: Vec<ChainEntry>,
}

/// One file as the state remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileMeta {
    /// `root index:root-relative path`.
    p: String,
    s: u64,
    /// Modification time, nanoseconds since the epoch.
    m: i64,
    /// SHA-256 of the content, hex.
    h: String,
}

/// The folders one patient's walk read, as the state remembers them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
struct FolderList {
    /// The patient folders (`root index:root-relative path`), as the scan found them.
    tops: Vec<String>,
    /// Every folder read, with its modification time (nanoseconds since the epoch), or -1 where
    /// the time cannot be trusted (unknown, too recent, or the folder could not be listed).
    all: Vec<(String, i64)>,
}

/// A patient as the state holds them.
struct Kept {
    files: Vec<u8>,
    /// `None` in a state written before folder times were kept: the patient is walked.
    folders: Option<Vec<u8>>,
    content: String,
    /// JSON, read on the pool (see [`look_batch`]).
    tally: String,
}

/// What the look at one patient's folder decided.
enum Seen {
    /// Names, sizes and times as kept: not read. A list is `Some` when the state's must be
    /// replaced: a folder time it did not have or did not trust, or a list still in the form
    /// before [`lists`] (rewritten once, so later nights read it quickly).
    Same {
        folders: Option<FolderList>,
        files: Option<Vec<FileMeta>>,
    },
    /// Names, sizes or times differ, content does not: only the state's file list is updated.
    Touched {
        files: Vec<FileMeta>,
        folders: FolderList,
        hashed: u64,
    },
    /// New or changed: read into the layer.
    Changed {
        files: Vec<FileMeta>,
        folders: FolderList,
        content: String,
        hashed: u64,
        new: bool,
    },
}

/// The current chain as the state holds it (empty before the first build).
pub fn read_chain(state_dir: &Path) -> Result<Vec<ChainEntry>, BuildError> {
    let path = state_dir.join(STATE_FILE);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let state = State::open(state_dir)?;
    state.chain()
}

/// The highest repository version the hub has published (0 before the first publish): the floor
/// the next publish stays above, whatever happened to the repository folder.
pub fn published_version(state_dir: &Path) -> Result<u64, BuildError> {
    if !state_dir.join(STATE_FILE).exists() {
        return Ok(0);
    }
    let state = State::open(state_dir)?;
    Ok(state
        .setting("published_version")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Records the highest repository version published (never lowers it).
pub fn set_published_version(state_dir: &Path, version: u64) -> Result<(), BuildError> {
    let state = State::open(state_dir)?;
    let now = published_version(state_dir)?;
    state.conn.execute(
        "INSERT OR REPLACE INTO setting (key, value) VALUES ('published_version', ?1)",
        params![now.max(version).to_string()],
    )?;
    Ok(())
}

/// Builds the next file of the hub's chain: a layer of what changed, or a fresh base (see the
/// module's documentation for when). The state changes only once the file is complete.
pub fn build_next(
    opts: ChainOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ChainBuilt, BuildError> {
    crate::check_inputs(&opts.build)?;
    std::fs::create_dir_all(&opts.state_dir).map_err(io("making the state folder"))?;
    std::fs::create_dir_all(&opts.builds_dir).map_err(io("making the builds folder"))?;
    let mut state = State::open(&opts.state_dir)?;
    let chain = state.chain()?;
    let cleaned = clean_builds(&opts.builds_dir, &chain)?;

    // What changed, patient by patient, before anything is read. The storage's patients, in key
    // order, are joined with the state's rows as they stream out of it in the same order, so no
    // more than one batch of the state is held at once, however large the region.
    let trust_before = epoch_ns(SystemTime::now() - RACY_SLACK);
    // Letters judged valid by an earlier build whose signer a CRL the hub has now revokes: their
    // patients are read again, whatever their files, so the laptop shows the letter as invalid
    // from this build on and not only at the next base.
    let revoked = state.signed_by(&opts.build.hpki.revoked_certificates())?;
    // Letters whose issuer the hub could not confirm, when it trusts other CAs now: read again, so
    // an intermediate the operator added confirms them the same night.
    let trust_digest = opts.build.hpki.certificates_digest();
    let newly = if state
        .setting("hpki_certificates")?
        .is_some_and(|d| d != trust_digest)
    {
        state.unconfirmed()?
    } else {
        HashSet::new()
    };
    let scans = scan(&opts.build.storage);
    let mut order: Vec<Ordered> = scans
        .iter()
        .flat_map(|scan| {
            scan.patients.iter().map(move |(id, dirs)| {
                let key = (scan.facility.as_str().to_string(), id.as_str().to_string());
                (key, scan, id, dirs)
            })
        })
        .collect();
    order.sort_by(|a, b| a.0.cmp(&b.0));
    let total = order.len() as u64;
    let full = opts.full;
    let mut seen: Vec<(Key, Seen)> = Vec::with_capacity(order.len());
    let mut unchanged_tallies: Vec<(String, PatientTally)> = Vec::new();
    let mut removed: Vec<Key> = Vec::new();
    let mut done = 0u64;
    let mut walked = 0u64;
    {
        let mut rows = state.rows_in_order()?;
        let mut cursor = Cursor::new(rows.query([])?)?;
        // The state's rows for the next batch are read on this thread while the pool looks at
        // the current one, so reading the state costs no time of its own.
        let mut batches = order.chunks(256);
        let mut next = batches
            .next()
            .map(|batch| pair(&mut cursor, batch, &mut removed))
            .transpose()?;
        while let Some(paired) = next.take() {
            let mut looked = Vec::new();
            let mut read = Ok(None);
            rayon::in_place_scope(|s| {
                s.spawn(|_| looked = look_batch(paired, full, trust_before));
                read = batches
                    .next()
                    .map(|batch| pair(&mut cursor, batch, &mut removed))
                    .transpose();
            });
            next = read?;
            done += looked.len() as u64;
            for (key, found, was_walked, tally) in looked {
                walked += u64::from(was_walked);
                let read_again = matches!(found, Seen::Changed { .. })
                    || revoked.contains(&key)
                    || newly.contains(&key);
                if let (Some(tally), false) = (tally, read_again) {
                    unchanged_tallies.push((key.0.clone(), tally));
                }
                seen.push((key, found));
            }
            progress(Progress::Scanning { done, total });
        }
        // What is left of the state: patients who left the storage.
        removed.extend(cursor.take_rest()?);
    }
    drop(order);
    let present: HashSet<Key> = seen.iter().map(|(k, _)| k.clone()).collect();
    let mut counts = (0u64, 0u64, 0u64, 0u64); // new, changed, touched, hashed
    let mut layer: HashSet<Key> = HashSet::new();
    for (key, s) in &seen {
        match s {
            Seen::Same { .. } => {}
            Seen::Touched { hashed, .. } => {
                counts.2 += 1;
                counts.3 += hashed;
            }
            Seen::Changed { new, hashed, .. } => {
                if *new {
                    counts.0 += 1;
                } else {
                    counts.1 += 1;
                }
                counts.3 += hashed;
                layer.insert(key.clone());
            }
        }
    }

    // Read again (counted once, under the first reason): patients still present and not
    // already in the layer for a change of their files.
    let mut read_again = |keys: &HashSet<Key>| {
        keys.iter()
            .filter(|k| present.contains(*k) && layer.insert((*k).clone()))
            .count() as u64
    };
    let mut revoked_signers = read_again(&revoked);
    let mut newly_trusted = read_again(&newly);

    let why_base = why_base(&opts, &state, &chain, (layer.len() + removed.len()) as u64)?;
    let created = opts.build.vault.created;
    let mut build = opts.build;
    let kind = if why_base.is_some() {
        Kind::Base
    } else {
        Kind::Layer
    };
    if kind == Kind::Base {
        // A base reads everyone: no one is read again for a CRL's or an anchor's sake.
        revoked_signers = 0;
        newly_trusted = 0;
    }
    let sequence = match kind {
        Kind::Base => 0,
        Kind::Layer => chain.last().map_or(0, |l| l.sequence + 1),
    };
    build.out = free_name(&opts.builds_dir, kind, created, sequence);
    build.chain = Some(match kind {
        Kind::Base => ChainPlan {
            link: ChainLink {
                sequence: 0,
                base: None,
                previous: None,
                layer_patients: 0,
                tombstones: 0,
            },
            only: None,
            tombstones: Vec::new(),
            unchanged: Vec::new(),
            all_patients: None,
        },
        Kind::Layer => ChainPlan {
            link: ChainLink {
                sequence,
                base: chain.first().map(|b| b.digest.clone()),
                previous: chain.last().map(|l| l.digest.clone()),
                layer_patients: 0,
                tombstones: 0,
            },
            only: Some(layer.clone()),
            tombstones: removed.clone(),
            unchanged: std::mem::take(&mut unchanged_tallies),
            all_patients: Some(present.clone()),
        },
    });
    drop(unchanged_tallies);
    let summary = crate::build(build, progress)?;

    // The file is complete under its final name: only now does the state take it.
    let tallies: HashMap<&Key, &PatientTally> =
        summary.tallies.iter().map(|(k, t)| (k, t)).collect();
    let tx = state.conn.transaction()?;
    {
        let mut upsert = tx.prepare(
            "INSERT OR REPLACE INTO patient (facility, patient_id, files, folders, content, tally)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut touch = tx.prepare(
            "UPDATE patient SET files = ?3, folders = ?4 WHERE facility = ?1 AND patient_id = ?2",
        )?;
        let mut refolder =
            tx.prepare("UPDATE patient SET folders = ?3 WHERE facility = ?1 AND patient_id = ?2")?;
        let mut refile =
            tx.prepare("UPDATE patient SET files = ?3 WHERE facility = ?1 AND patient_id = ?2")?;
        let mut retally =
            tx.prepare("UPDATE patient SET tally = ?3 WHERE facility = ?1 AND patient_id = ?2")?;
        for (key, s) in &seen {
            match s {
                Seen::Same { folders, files } => {
                    if let Some(folders) = folders {
                        refolder.execute(params![key.0, key.1, lists::pack_folders(folders)])?;
                    }
                    if let Some(files) = files {
                        refile.execute(params![key.0, key.1, lists::pack_files(files)])?;
                    }
                }
                Seen::Touched { files, folders, .. } => {
                    touch.execute(params![
                        key.0,
                        key.1,
                        lists::pack_files(files),
                        lists::pack_folders(folders)
                    ])?;
                }
                Seen::Changed {
                    files,
                    folders,
                    content,
                    ..
                } => {
                    let tally = tallies.get(key).map(|t| (*t).clone()).unwrap_or_default();
                    upsert.execute(params![
                        key.0,
                        key.1,
                        lists::pack_files(files),
                        lists::pack_folders(folders),
                        content,
                        json(&tally)?
                    ])?;
                    continue;
                }
            }
            // A base read everyone again: every tally is fresh.
            if let Some(t) = tallies.get(key) {
                retally.execute(params![key.0, key.1, json(t)?])?;
            }
        }
        let mut delete =
            tx.prepare("DELETE FROM patient WHERE facility = ?1 AND patient_id = ?2")?;
        let mut unsign =
            tx.prepare("DELETE FROM signer WHERE facility = ?1 AND patient_id = ?2")?;
        let mut confirm =
            tx.prepare("DELETE FROM unconfirmed WHERE facility = ?1 AND patient_id = ?2")?;
        for key in &removed {
            delete.execute(params![key.0, key.1])?;
            unsign.execute(params![key.0, key.1])?;
            confirm.execute(params![key.0, key.1])?;
        }
        // The signers of the letters of everyone read: theirs replace what the state had (a base
        // read everyone, so it replaces the whole table).
        if kind == Kind::Base {
            tx.execute("DELETE FROM signer", [])?;
            tx.execute("DELETE FROM unconfirmed", [])?;
        } else {
            for (key, _) in &summary.tallies {
                unsign.execute(params![key.0, key.1])?;
                confirm.execute(params![key.0, key.1])?;
            }
        }
        let mut unconfirmed =
            tx.prepare("INSERT OR IGNORE INTO unconfirmed (facility, patient_id) VALUES (?1, ?2)")?;
        let mut sign = tx.prepare(
            "INSERT OR IGNORE INTO signer (facility, patient_id, issuer, serial)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (key, signers) in &summary.signers {
            if signers.unconfirmed {
                unconfirmed.execute(params![key.0, key.1])?;
            }
            for (issuer, serial) in &signers.valid {
                sign.execute(params![key.0, key.1, issuer, serial])?;
            }
        }
        if kind == Kind::Base {
            tx.execute("DELETE FROM chain", [])?;
        }
        let file_name = summary
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO chain (sequence, file, digest, created, patients, tombstones, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                sequence,
                file_name,
                summary.digest,
                created.to_rfc3339(),
                summary.chain.as_ref().map_or(0, |c| c.layer_patients) as i64,
                removed.len() as i64,
                summary.bytes as i64,
            ],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO setting (key, value) VALUES ('settings', ?1)",
            params![opts.settings],
        )?;
        tx.execute(
            "INSERT OR REPLACE INTO setting (key, value) VALUES ('hpki_certificates', ?1)",
            params![trust_digest],
        )?;
        if full {
            tx.execute(
                "INSERT OR REPLACE INTO setting (key, value) VALUES ('last_full_check', ?1)",
                params![created.to_rfc3339()],
            )?;
        }
    }
    tx.commit()?;
    // A base replaces the chain: the files of the old one are no longer the hub's current chain
    // (publishing keeps what laptops may still be fetching; the builds folder keeps only this).
    let chain = state.chain()?;
    if kind == Kind::Base {
        clean_builds(&opts.builds_dir, &chain)?;
    }
    Ok(ChainBuilt {
        kind,
        why_base,
        summary,
        scanned: total,
        new: counts.0,
        changed: counts.1,
        removed: removed.len() as u64,
        touched: counts.2,
        hashed_files: counts.3,
        walked,
        revoked_signers,
        newly_trusted,
        cleaned,
        chain,
    })
}

/// One storage patient in key order: their key, facility scan, ID and patient folders.
type Ordered<'a> = (Key, &'a FacilityScan, &'a PatientId, &'a Vec<PatientDir>);

/// One storage patient paired with their state row, if the state has one.
type Paired<'a> = (
    &'a Key,
    &'a FacilityScan,
    &'a PatientId,
    &'a Vec<PatientDir>,
    Option<Kept>,
);

/// Pairs a batch of the storage's patients with the state's rows, adding the rows before each
/// (patients the storage no longer has) to `removed`.
fn pair<'a>(
    cursor: &mut Cursor<'_>,
    batch: &'a [Ordered<'a>],
    removed: &mut Vec<Key>,
) -> Result<Vec<Paired<'a>>, BuildError> {
    let mut paired = Vec::with_capacity(batch.len());
    for (key, scan, id, dirs) in batch {
        removed.extend(cursor.take_before(key)?);
        paired.push((key, *scan, *id, *dirs, cursor.take_if(key)?));
    }
    Ok(paired)
}

/// Looks at a batch of patients on the pool: unchanged by their kept folder and file times, or
/// walked. Each comes back with whether they were walked and the tally the state kept.
fn look_batch(
    paired: Vec<Paired<'_>>,
    full: bool,
    trust_before: i64,
) -> Vec<(Key, Seen, bool, Option<PatientTally>)> {
    paired
        .into_par_iter()
        .map(|(key, scan, id, dirs, kept)| {
            let (found, was_walked) = if !full
                && kept
                    .as_ref()
                    .is_some_and(|k| unchanged(&scan.roots, dirs, k))
            {
                (repacked(kept.as_ref()), false)
            } else {
                let walked = scan.walk_patient(id);
                let found = look(&walked, dirs, kept.as_ref(), full, trust_before);
                (found, true)
            };
            // A tally that cannot be read counts as nothing, and the content digest still
            // decides whether the patient is read again.
            let tally = kept.map(|k| serde_json::from_str(&k.tally).unwrap_or_default());
            (key.clone(), found, was_walked, tally)
        })
        .collect()
}

fn why_base(
    opts: &ChainOptions,
    state: &State,
    chain: &[ChainEntry],
    changes: u64,
) -> Result<Option<String>, BuildError> {
    if opts.full {
        return Ok(Some("a full check (--full) writes a fresh base".into()));
    }
    let Some(base) = chain.first() else {
        return Ok(Some("there is no base yet".into()));
    };
    if state.setting("settings")?.as_deref() != Some(opts.settings.as_str()) {
        return Ok(Some(
            "the recipients, the signing key, the history window, drill or the standard masters \
             changed since the base"
                .into(),
        ));
    }
    if chain
        .iter()
        .any(|e| !opts.builds_dir.join(&e.file).is_file())
    {
        return Ok(Some(
            "a file of the current chain is missing from builds/".into(),
        ));
    }
    let layers = chain.len() as u32 - 1;
    if layers >= opts.max_layers {
        return Ok(Some(format!(
            "the chain has {layers} layers, the most allowed (max_layers)"
        )));
    }
    let layer_bytes: u64 = chain.iter().skip(1).map(|e| e.bytes).sum();
    if base.bytes > 0 && layer_bytes as f64 > opts.layer_share * base.bytes as f64 {
        return Ok(Some(format!(
            "the layers add up to {:.0}% of the base's size (layer_share {:.0}%)",
            100.0 * layer_bytes as f64 / base.bytes as f64,
            100.0 * opts.layer_share
        )));
    }
    if base.patients > 0 && changes as f64 > opts.layer_share * base.patients as f64 {
        return Ok(Some(format!(
            "{changes} patients changed, more than {:.0}% of the base's {} (layer_share)",
            100.0 * opts.layer_share,
            base.patients
        )));
    }
    Ok(None)
}

fn scan(roots: &[StorageRoot]) -> Vec<FacilityScan> {
    StorageRoot::group_by_facility(roots.iter().cloned())
        .into_values()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|roots| scan_facility(roots))
        .collect()
}

/// Whether a patient is as the state keeps them, judged without reading a folder: the scan found
/// the same patient folders, every folder the last walk read has its kept (trusted) time, and
/// every kept file its kept size and time. Any doubt answers no, and the patient is walked.
fn unchanged(roots: &[StorageRoot], dirs: &[PatientDir], kept: &Kept) -> bool {
    let Some(folders) = kept.folders.as_deref() else {
        return false;
    };
    // The patient folders are opened only once the kept ones are known to be the scan's.
    let looker = lists::for_each_folder(
        folders,
        |tops| {
            let same =
                tops.len() == dirs.len() && tops.iter().zip(dirs).all(|(top, d)| is_place(top, d));
            same.then(|| Looker::open(roots, dirs)).flatten()
        },
        |looker, p, m| m != -1 && looker.stat(p).is_some_and(|s| !s.is_file && s.mtime == m),
    );
    let Ok(Some(looker)) = looker else {
        return false;
    };
    matches!(
        lists::for_each_file(&kept.files, |p, size, mtime| {
            looker
                .stat(p)
                .is_some_and(|s| s.is_file && s.size == size && s.mtime == mtime)
        }),
        Ok(true)
    )
}

/// An unchanged patient, with their kept lists to be written again where they are in the form
/// before [`lists`].
fn repacked(kept: Option<&Kept>) -> Seen {
    let old = |b: &[u8]| !b.starts_with(lists::MAGIC);
    Seen::Same {
        folders: kept
            .and_then(|k| k.folders.as_deref())
            .filter(|b| old(b))
            .and_then(|b| lists::unpack_folders(b).ok()),
        files: kept
            .map(|k| k.files.as_slice())
            .filter(|b| old(b))
            .and_then(|b| lists::unpack_files(b).ok()),
    }
}

/// What [`unchanged`] needs of one entry's `stat`.
struct Looked {
    is_file: bool,
    size: u64,
    /// As [`mtime_ns`] gives it: -1 before the epoch.
    mtime: i64,
}

/// A patient's folders opened once (`O_PATH`, links not followed), so that each kept folder and
/// file is looked at relative to its patient folder: a path walk of two or three names instead of
/// the whole path from `/`, which was most of a nightly run's time (`__d_lookup_rcu` and
/// `link_path_walk` in perf).
struct Looker {
    tops: Vec<(String, rustix::fd::OwnedFd)>,
}

impl Looker {
    fn open(roots: &[StorageRoot], dirs: &[PatientDir]) -> Option<Looker> {
        use rustix::fs::{CWD, Mode, OFlags, openat};
        let mut tops = Vec::with_capacity(dirs.len());
        for d in dirs {
            let root = roots.get(d.root_index)?;
            let fd = openat(
                CWD,
                join_relative(&root.path, &d.rel_path),
                OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok()?;
            tops.push((place(d.root_index, &d.rel_path), fd));
        }
        Some(Looker { tops })
    }

    /// The `stat` of a kept entry (`root index:root-relative path`), without following a link.
    fn stat(&self, p: &str) -> Option<Looked> {
        use rustix::fs::{AtFlags, FileType, statat};
        let (top, fd) = self.tops.iter().find(|(top, _)| {
            p.strip_prefix(top.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })?;
        let rest = &p[top.len()..];
        let rel = if rest.is_empty() { "." } else { &rest[1..] };
        let st = statat(fd, rel, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        Some(Looked {
            is_file: FileType::from_raw_mode(st.st_mode) == FileType::RegularFile,
            size: u64::try_from(st.st_size).unwrap_or(u64::MAX),
            mtime: i64::try_from(st.st_mtime_nsec)
                .ok()
                .and_then(|nanos| stamp_ns(st.st_mtime, nanos))
                .unwrap_or(-1),
        })
    }
}

/// `root index:root-relative path`, as the state names files and folders.
fn place(root_index: usize, rel_path: &str) -> String {
    format!("{root_index}:{rel_path}")
}

/// Whether `p` is the [`place`] of the patient folder `d`, without making one.
fn is_place(p: &str, d: &PatientDir) -> bool {
    p.split_once(':')
        .is_some_and(|(i, rest)| i.parse() == Ok(d.root_index) && rest == d.rel_path)
}

/// The folders a walk of the patient folders `dirs` read, as the state keeps them: the tops are
/// `dirs` themselves, which [`unchanged`] compares with the next scan's; a time at or after
/// `trust_before` is kept as unknown (-1).
fn folder_list(files: &PatientFiles, dirs: &[PatientDir], trust_before: i64) -> FolderList {
    FolderList {
        tops: dirs
            .iter()
            .map(|d| place(d.root_index, &d.rel_path))
            .collect(),
        all: files
            .folders
            .iter()
            .map(|f| {
                let m = f.modified_ns.filter(|m| *m < trust_before).unwrap_or(-1);
                (place(f.root_index, &f.rel_path), m)
            })
            .collect(),
    }
}

/// Decides whether a patient changed, hashing only the files whose name, size or time differ
/// from the state (or every file on a full check).
fn look(
    files: &PatientFiles,
    dirs: &[PatientDir],
    kept: Option<&Kept>,
    full: bool,
    trust_before: i64,
) -> Seen {
    let mut metas: Vec<(String, PathBuf)> = Vec::new();
    for f in &files.standard {
        metas.push((format!("{}:{}", f.root_index, f.rel_path), f.path.clone()));
    }
    for folder in &files.extended {
        for f in &folder.files {
            metas.push((
                format!("{}:{}", folder.root_index, f.rel_path),
                f.path.clone(),
            ));
        }
    }
    metas.sort();
    let folders = folder_list(files, dirs, trust_before);
    let before: HashMap<String, FileMeta> = kept
        .and_then(|k| lists::unpack_files(&k.files).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|m| (m.p.clone(), m))
        .collect();
    let mut hashed = 0u64;
    let mut same_meta = kept.is_some() && before.len() == metas.len();
    let mut now: Vec<FileMeta> = Vec::with_capacity(metas.len());
    for (p, path) in metas {
        let (s, m) = match std::fs::symlink_metadata(&path) {
            Ok(meta) => (meta.len(), mtime_ns(&meta)),
            Err(_) => (u64::MAX, -1),
        };
        let old = before.get(&p).filter(|o| o.s == s && o.m == m);
        if old.is_none() {
            same_meta = false;
        }
        let h = match old {
            Some(o) if !full => o.h.clone(),
            _ => {
                hashed += 1;
                hash_file(&path)
            }
        };
        now.push(FileMeta { p, s, m, h });
    }
    let content = content_digest(&now, files);
    match kept {
        Some(k) if k.content == content => {
            if same_meta {
                let kept_folders = k
                    .folders
                    .as_deref()
                    .and_then(|b| lists::unpack_folders(b).ok());
                Seen::Same {
                    folders: (kept_folders.as_ref() != Some(&folders)
                        || k.folders
                            .as_ref()
                            .is_some_and(|b| !b.starts_with(lists::MAGIC)))
                    .then_some(folders),
                    files: (!k.files.starts_with(lists::MAGIC)).then_some(now),
                }
            } else {
                Seen::Touched {
                    files: now,
                    folders,
                    hashed,
                }
            }
        }
        _ => Seen::Changed {
            files: now,
            folders,
            content,
            hashed,
            new: kept.is_none(),
        },
    }
}

/// One digest over a patient's files (names and content hashes) and the entries the walk could
/// not list (their paths and why), so a new stray file changes the patient's counts too.
fn content_digest(files: &[FileMeta], walked: &PatientFiles) -> String {
    let mut h = Sha256::new();
    for f in files {
        h.update(f.p.as_bytes());
        h.update([0]);
        h.update(f.h.as_bytes());
        h.update([b'\n']);
    }
    let mut others: Vec<String> = walked
        .all_diagnostics()
        .map(|d| format!("{:?}\0{}\0{}", d.code, d.root.display(), d.path))
        .collect();
    others.sort();
    for o in others {
        h.update(b"!");
        h.update(o.as_bytes());
        h.update([b'\n']);
    }
    hex(&h.finalize())
}

fn hash_file(path: &Path) -> String {
    let Ok(mut file) = std::fs::File::open(path) else {
        return "unreadable".into();
    };
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return "unreadable".into(),
        }
    }
    hex(&h.finalize())
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    modified_ns(meta).unwrap_or(-1)
}

fn epoch_ns(at: SystemTime) -> i64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_nanos()).ok())
        .unwrap_or(0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A name in `builds/` no file has: `base-<UTC>.fcs` or `layer-<UTC>-<sequence>.fcs`.
fn free_name(dir: &Path, kind: Kind, created: DateTime<Utc>, sequence: u32) -> PathBuf {
    let stamp = created.format("%Y%m%dT%H%M%SZ");
    let stem = match kind {
        Kind::Base => format!("base-{stamp}"),
        Kind::Layer => format!("layer-{stamp}-{sequence:03}"),
    };
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.fcs")
        } else {
            format!("{stem}-{n}.fcs")
        };
        let path = dir.join(name);
        if std::fs::symlink_metadata(&path).is_err() {
            return path;
        }
        n += 1;
    }
}

/// Removes what is not part of the current chain from `builds/`: an interrupted build's work
/// folder and half-written file, a finished file the state never took, and the files of a chain
/// a fresh base replaced. Files the hub did not name (`base-…`, `layer-…`) are left alone.
fn clean_builds(dir: &Path, chain: &[ChainEntry]) -> Result<Vec<PathBuf>, BuildError> {
    let keep: HashSet<&Path> = chain.iter().map(|e| e.file.as_path()).collect();
    let mut removed = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(removed),
        Err(e) => return Err(io("listing the builds folder")(e)),
    };
    for entry in entries {
        let entry = entry.map_err(io("listing the builds folder"))?;
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let ours = name.starts_with("base-") || name.starts_with("layer-");
        let leftover = name.starts_with(".fieldchart-build-")
            || (name.starts_with('.') && name.contains(".fcs.partial-"))
            || (ours && name.contains(".fcs.partial-"));
        let stale = ours && name.ends_with(".fcs") && !keep.contains(Path::new(&name));
        if leftover || stale {
            let gone = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            gone.map_err(io("removing a left-over build"))?;
            removed.push(path);
        }
    }
    removed.sort();
    Ok(removed)
}

/// A patient's file or folder list as the state stored it before [`lists`]: JSON, compressed as
/// one zstd frame that records its own length, so [`unpack`] can use one decompression context
/// per thread. Only tests write it now, to check that such a state is still read.
#[cfg(test)]
fn pack<T: Serialize + ?Sized>(list: &T) -> Result<Vec<u8>, BuildError> {
    let json = serde_json::to_vec(list).map_err(|e| BuildError::Io {
        what: "the state's file list".into(),
        source: std::io::Error::other(e),
    })?;
    zstd::bulk::compress(&json, 3).map_err(io("packing the state's file list"))
}

/// The largest list [`unpack`] takes from one frame.
const MAX_LIST_BYTES: u64 = 256 << 20;

fn unpack<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BuildError> {
    thread_local! {
        static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
            const { RefCell::new(None) };
    }
    let sized = zstd::zstd_safe::get_frame_content_size(bytes)
        .ok()
        .flatten()
        .filter(|n| *n <= MAX_LIST_BYTES);
    let json = match sized {
        Some(n) => DECOMPRESSOR.with(|cell| {
            let mut cell = cell.borrow_mut();
            let decompressor = match cell.as_mut() {
                Some(d) => d,
                None => cell.insert(zstd::bulk::Decompressor::new()?),
            };
            decompressor.decompress(bytes, n as usize)
        }),
        // A state written before lists recorded their length.
        None => zstd::decode_all(bytes),
    }
    .map_err(io("reading the state's file list"))?;
    serde_json::from_slice(&json).map_err(|e| BuildError::Io {
        what: "the state's file list".into(),
        source: std::io::Error::other(e),
    })
}

fn json(tally: &PatientTally) -> Result<String, BuildError> {
    serde_json::to_string(tally).map_err(|e| BuildError::Io {
        what: "a patient's tally".into(),
        source: std::io::Error::other(e),
    })
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        what: what.to_string(),
        source,
    }
}

/// The hub's state file: per patient the files last seen (name, size, time, hash), one content
/// digest and the counts they added; the current chain; the settings the base was made with.
struct State {
    conn: Connection,
}

impl State {
    fn open(dir: &Path) -> Result<State, BuildError> {
        let conn = Connection::open(dir.join(STATE_FILE))?;
        conn.execute_batch(
            // A new state's pages hold a whole patient row (a 4 KiB page spilled most rows to an
            // overflow page); an existing state keeps the size it was made with.
            "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS patient (
                 facility   TEXT NOT NULL,
                 patient_id TEXT NOT NULL,
                 files      BLOB NOT NULL,
                 folders    BLOB,
                 content    TEXT NOT NULL,
                 tally      TEXT NOT NULL,
                 PRIMARY KEY (facility, patient_id)
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS chain (
                 sequence   INTEGER PRIMARY KEY,
                 file       TEXT NOT NULL,
                 digest     TEXT NOT NULL,
                 created    TEXT NOT NULL,
                 patients   INTEGER NOT NULL,
                 tombstones INTEGER NOT NULL,
                 bytes      INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS signer (
                 facility   TEXT NOT NULL,
                 patient_id TEXT NOT NULL,
                 issuer     TEXT NOT NULL,
                 serial     TEXT NOT NULL,
                 PRIMARY KEY (facility, patient_id, issuer, serial)
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS unconfirmed (
                 facility   TEXT NOT NULL,
                 patient_id TEXT NOT NULL,
                 PRIMARY KEY (facility, patient_id)
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS setting (
                 key   TEXT PRIMARY KEY,
                 value TEXT NOT NULL
             );",
        )?;
        // A state from before folder times were kept: the column is added, empty, and each
        // patient's first build after it walks them and fills it in.
        let has_folders = conn
            .prepare("SELECT 1 FROM pragma_table_info('patient') WHERE name = 'folders'")?
            .exists([])?;
        if !has_folders {
            conn.execute_batch("ALTER TABLE patient ADD COLUMN folders BLOB")?;
        }
        Ok(State { conn })
    }

    fn chain(&self) -> Result<Vec<ChainEntry>, BuildError> {
        let mut stmt = self.conn.prepare(
            "SELECT sequence, file, digest, created, patients, tombstones, bytes
             FROM chain ORDER BY sequence",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ChainEntry {
                sequence: r.get(0)?,
                file: PathBuf::from(r.get::<_, String>(1)?),
                digest: r.get(2)?,
                created: r.get(3)?,
                patients: r.get::<_, i64>(4)? as u64,
                tombstones: r.get::<_, i64>(5)? as u64,
                bytes: r.get::<_, i64>(6)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn setting(&self, key: &str) -> Result<Option<String>, BuildError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The patients with a letter whose valid signature was made with one of `revoked`'s
    /// certificates ((issuer, serial) as the signer is written).
    fn signed_by(&self, revoked: &HashSet<(String, String)>) -> Result<HashSet<Key>, BuildError> {
        let mut out = HashSet::new();
        if revoked.is_empty() {
            return Ok(out);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT facility, patient_id, issuer, serial FROM signer")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let cert = (r.get::<_, String>(2)?, r.get::<_, String>(3)?);
            if revoked.contains(&cert) {
                out.insert((r.get(0)?, r.get(1)?));
            }
        }
        Ok(out)
    }

    /// The patients with a letter whose issuer the last build that read them could not confirm.
    fn unconfirmed(&self) -> Result<HashSet<Key>, BuildError> {
        let mut stmt = self
            .conn
            .prepare("SELECT facility, patient_id FROM unconfirmed")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every patient row, ordered by key as [`build_next`] orders the storage's patients
    /// (`BINARY` is byte order, as Rust orders strings).
    fn rows_in_order(&self) -> Result<rusqlite::Statement<'_>, BuildError> {
        Ok(self.conn.prepare(
            "SELECT facility, patient_id, files, folders, content, tally FROM patient
             ORDER BY facility COLLATE BINARY, patient_id COLLATE BINARY",
        )?)
    }
}

/// The state's patient rows as they stream out in key order, one row looked ahead.
struct Cursor<'s> {
    rows: rusqlite::Rows<'s>,
    next: Option<(Key, Kept)>,
}

impl<'s> Cursor<'s> {
    fn new(rows: rusqlite::Rows<'s>) -> Result<Self, BuildError> {
        let mut cursor = Cursor { rows, next: None };
        cursor.advance()?;
        Ok(cursor)
    }

    fn advance(&mut self) -> Result<Option<(Key, Kept)>, BuildError> {
        let row = match self.rows.next()? {
            None => None,
            Some(r) => {
                let key: Key = (r.get(0)?, r.get(1)?);
                if let Some((before, _)) = &self.next
                    && *before >= key
                {
                    return Err(BuildError::Io {
                        what: "the hub's state".into(),
                        source: std::io::Error::other(format!(
                            "its patients are not in key order ({before:?} before {key:?})"
                        )),
                    });
                }
                let tally = r.get(5)?;
                Some((
                    key,
                    Kept {
                        files: r.get(2)?,
                        folders: r.get(3)?,
                        content: r.get(4)?,
                        tally,
                    },
                ))
            }
        };
        Ok(std::mem::replace(&mut self.next, row))
    }

    /// The keys of the rows before `key`: patients the storage no longer has.
    fn take_before(&mut self, key: &Key) -> Result<Vec<Key>, BuildError> {
        let mut gone = Vec::new();
        while self.next.as_ref().is_some_and(|(k, _)| k < key) {
            if let Some((k, _)) = self.advance()? {
                gone.push(k);
            }
        }
        Ok(gone)
    }

    /// The row of `key`, when it is the next one.
    fn take_if(&mut self, key: &Key) -> Result<Option<Kept>, BuildError> {
        if self.next.as_ref().is_some_and(|(k, _)| k == key) {
            return Ok(self.advance()?.map(|(_, kept)| kept));
        }
        Ok(None)
    }

    /// The keys of every row left.
    fn take_rest(&mut self) -> Result<Vec<Key>, BuildError> {
        let mut gone = Vec::new();
        while let Some((k, _)) = self.advance()? {
            gone.push(k);
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(files: Vec<u8>, folders: Option<Vec<u8>>) -> Kept {
        Kept {
            files,
            folders,
            content: String::new(),
            tally: String::new(),
        }
    }

    #[test]
    fn an_unchanged_patient_whose_lists_are_in_the_old_form_has_them_written_again_once() {
        let files = vec![FileMeta {
            p: "0:001/001/0010018347/-/ADT-00/a".into(),
            s: 10,
            m: 20,
            h: "c".repeat(64),
        }];
        let folders = FolderList {
            tops: vec!["0:001/001/0010018347".into()],
            all: vec![("0:001/001/0010018347".into(), 30)],
        };
        let old = kept(pack(&files).unwrap(), Some(pack(&folders).unwrap()));
        let Seen::Same {
            files: Some(again),
            folders: Some(folders_again),
        } = repacked(Some(&old))
        else {
            panic!("the old lists are not written again");
        };
        assert_eq!((again, folders_again), (files.clone(), folders.clone()));

        let new = kept(
            lists::pack_files(&files),
            Some(lists::pack_folders(&folders)),
        );
        assert!(matches!(
            repacked(Some(&new)),
            Seen::Same {
                files: None,
                folders: None
            }
        ));
        // A state from before folder times were kept has no folder list to write again.
        assert!(matches!(
            repacked(Some(&kept(lists::pack_files(&files), None))),
            Seen::Same {
                files: None,
                folders: None
            }
        ));
    }
}
