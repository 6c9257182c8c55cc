//! `fieldchart snapshot sync SOURCE` from a hub's repository (an `http(s)://` address or a folder,
//! such as a USB stick): the laptop's side of docs/repository.md.
//!
//! 1. Fetch `timestamp.json` and check it against the trusted hub key: a version lower than the
//!    highest this laptop has seen from that hub is refused (a rollback); an expired one is refused
//!    with its own message (a freeze: the laptop may be cut off from fresh data).
//! 2. Fetch the targets metadata it names (length, hash, version checked the same way).
//! 3. Bring the chain it lists ([`crate::chain::bring`]): only the files the laptop lacks, resumed,
//!    each checked whole in memory with the laptop's key; the whole chain's links; then the audit
//!    entry; then the switch; then the clean-up.
//! 4. Only after all that, remember the versions seen.
//!
//! One sync at a time per folder (the folder's lock); every sync, good or bad, is audited.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use fieldchart_audit::{ClockInfo, Entry, Event, Outcome, SessionRef};
use fieldchart_repo::{RepoError, TIMESTAMP_NAME};
use fieldchart_store::manifest::FacilityManifest;
use fieldchart_vault::{TrustedKey, Unlock};
use serde::{Deserialize, Serialize};

use crate::chain::{BringOptions, Brought, ChainTarget, Fetch};
use crate::fetch::{HttpSettings, RepoSource as Source};
use crate::{SyncError, audit_failure, lock_folder, open_log, random_id};

/// What the laptop remembers of each hub it synced from, beside its snapshots.
pub const SEEN_FILE: &str = ".fieldchart-sync-seen.json";

/// What a repository sync needs.
pub struct RepoSyncOptions {
    /// An `http(s)://` address or a folder holding `timestamp.json`.
    pub source: String,
    pub dest_dir: PathBuf,
    pub unlock: Unlock,
    pub trusted: Vec<TrustedKey>,
    pub now: DateTime<Utc>,
    pub audit_log: PathBuf,
    /// How to reach a web server (a CA file, a proxy); a folder ignores it.
    pub http: HttpSettings,
    /// The file `unlock`'s device key was read from: destroyed if the hub revoked this laptop.
    /// None with a passphrase (no laptop's key is involved), or where the key was not a file.
    pub device_key: Option<PathBuf>,
}

/// What a repository sync did.
#[derive(Debug, Clone)]
pub struct RepoSynced {
    pub brought: Brought,
    /// Each facility as the laptop's chain showed it before the sync (None: no chain yet).
    pub before: Option<Vec<FacilityManifest>>,
    pub timestamp_version: u64,
    pub targets_version: u64,
}

/// Where the sync is, for a progress bar: the file being fetched (or `verifying`), bytes done, of.
pub type Progress<'a> = dyn FnMut(&str, u64, u64) + 'a;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Seen {
    /// Per hub signing key (`fcsig1…`): the highest versions checked and used.
    hubs: BTreeMap<String, SeenVersions>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct SeenVersions {
    timestamp: u64,
    targets: u64,
}

/// Whether SOURCE names a repository (a web address, or a folder with `timestamp.json`) rather
/// than one snapshot file.
pub fn is_repository(source: &str) -> bool {
    crate::is_web_address(Path::new(source)) || Path::new(source).join(TIMESTAMP_NAME).is_file()
}

/// Syncs the laptop's snapshot folder with the repository at `opts.source`.
pub fn sync_repository(
    opts: &RepoSyncOptions,
    progress: &mut Progress<'_>,
) -> Result<RepoSynced, SyncError> {
    let _lock = lock_folder(&opts.dest_dir)?;
    let result = run(opts, progress);
    if let Err(e) = &result
        && !matches!(e, SyncError::Audit(_))
    {
        let fail_opts = crate::SyncOptions {
            source: PathBuf::from(&opts.source),
            dest_dir: opts.dest_dir.clone(),
            unlock: opts.unlock.clone(),
            trusted: opts.trusted.clone(),
            now: opts.now,
            audit_log: opts.audit_log.clone(),
        };
        let _ = audit_failure(&fail_opts, &opts.source, &e.to_string());
    }
    result
}

fn run(opts: &RepoSyncOptions, progress: &mut Progress<'_>) -> Result<RepoSynced, SyncError> {
    let source = Source::parse_with(&opts.source, &opts.http)?;
    let seen_path = opts.dest_dir.join(SEEN_FILE);
    let mut seen = read_seen(&seen_path);

    // 1. The timestamp, by whichever trusted hub key signed it, against what that hub was seen at.
    let ts_bytes = source.get_metadata(TIMESTAMP_NAME, fieldchart_repo::MAX_TIMESTAMP_LEN)?;
    let mut found = None;
    let mut last_error = None;
    for key in &opts.trusted {
        let id = key.to_string();
        let highest = seen.hubs.get(&id).map(|s| s.timestamp);
        match fieldchart_repo::verify_timestamp(&ts_bytes, &[*key], opts.now, highest) {
            Ok(t) => {
                found = Some((*key, id, t));
                break;
            }
            Err(e @ (RepoError::Untrusted { .. } | RepoError::BadSignature { .. })) => {
                last_error = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let Some((key, hub, timestamp)) = found else {
        return Err(match last_error {
            Some(e) => e.into(),
            None => fieldchart_repo::verify_timestamp(&ts_bytes, &[], opts.now, None)
                .err()
                .map_or_else(
                    || SyncError::Manifest("no trusted hub key is configured".into()),
                    SyncError::from,
                ),
        });
    };
    let highest_targets = seen.hubs.get(&hub).map(|s| s.targets);

    // 2. The targets metadata the timestamp names.
    let targets_bytes =
        source.get_metadata(&timestamp.targets.name, fieldchart_repo::MAX_TARGETS_LEN)?;
    let targets = fieldchart_repo::verify_targets(
        &targets_bytes,
        &timestamp.targets,
        &[key],
        opts.now,
        highest_targets,
    )?;

    // A revoked laptop locks itself before it fetches anything.
    if let Unlock::Identity(identity) = &opts.unlock {
        let me = fieldchart_vault::laptop::laptop_id(&identity.to_public());
        if targets.revoked.contains(&me) {
            return Err(lock_laptop(opts, &hub, me, targets.version));
        }
    }

    // 3. The chain.
    let chain: Vec<ChainTarget> = targets
        .files
        .iter()
        .map(|f| ChainTarget {
            name: f.path(),
            length: f.length,
            sha256: f.sha256.clone(),
        })
        .collect();
    let chain_name = chain_name(&hub);
    let chain_file = opts.dest_dir.join(format!(
        "{chain_name}.{}",
        fieldchart_store::chain::EXTENSION
    ));
    let before = facilities_before(&chain_file, &opts.trusted, &opts.unlock, opts.now);
    let unlock = opts.unlock.clone();
    let trusted = vec![key];
    let bring_opts = BringOptions {
        dest_dir: &opts.dest_dir,
        chain_name: &chain_name,
        unlock: &unlock,
        trusted: &trusted,
        now: opts.now,
    };
    let versions = (timestamp.version, targets.version);
    let brought = crate::chain::bring(&bring_opts, &chain, &source, progress, &mut |b| {
        audit_success(opts, b, versions)
    })?;

    // 4. Remembered only now, after every check passed and the switch was made.
    seen.hubs.insert(
        hub,
        SeenVersions {
            timestamp: timestamp.version,
            targets: targets.version,
        },
    );
    write_seen(&seen_path, &seen);
    // The sync checked the signed timestamp's expiry against this clock, so it is not far ahead:
    // the clock floor is reset to it, and raised to the newest file's signed creation.
    let _ = fieldchart_audit::floor::reset_at_sync(&opts.audit_log, opts.now, brought.created);
    Ok(RepoSynced {
        brought,
        before,
        timestamp_version: timestamp.version,
        targets_version: targets.version,
    })
}

impl Fetch for Source {
    fn file(
        &self,
        name: &str,
        length: u64,
        sha256: &str,
        partial: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, SyncError> {
        let done = self.download(name, length, sha256, partial, progress)?;
        Ok(done.transferred)
    }
}

/// The hub's signed metadata lists this laptop as revoked: its device key is destroyed (replaced
/// by a notice that says why) and the hub's chain it holds is removed. The audit log and its key
/// stay, so what was done on the laptop still reaches the hub. Returns the error the sync ends with.
fn lock_laptop(
    opts: &RepoSyncOptions,
    hub: &str,
    laptop: String,
    targets_version: u64,
) -> SyncError {
    let revocation = fieldchart_vault::laptop::Revocation {
        laptop: laptop.clone(),
        hub: hub.to_owned(),
        at: opts.now,
        targets_version,
    };
    let mut not_done = Vec::new();
    match &opts.device_key {
        Some(path) => {
            if let Err(e) = fieldchart_vault::laptop::revoke_identity(path, &revocation) {
                not_done.push(format!("its device key could not be destroyed ({e})"));
            }
        }
        None => not_done.push("its device key file is not known to this sync".to_owned()),
    }
    let chain_file = opts.dest_dir.join(format!(
        "{}.{}",
        chain_name(hub),
        fieldchart_store::chain::EXTENSION
    ));
    let mut removed = 0usize;
    if let Ok((_, members)) = fieldchart_store::chain::ChainFile::read(&chain_file) {
        // The chain file first: from then on no viewer takes the members for a snapshot.
        if fs::remove_file(&chain_file).is_ok() {
            for m in members {
                if fs::remove_file(&m).is_ok() {
                    removed += 1;
                }
            }
        } else {
            not_done.push(format!("{} could not be removed", chain_file.display()));
        }
        if let Ok(dir) = fs::File::open(&opts.dest_dir) {
            let _ = dir.sync_all();
        }
    }
    SyncError::Revoked {
        laptop,
        hub: hub.to_owned(),
        removed,
        not_done,
    }
}

/// The laptop's chain file name for a hub: its signing key, shortened.
fn chain_name(hub: &str) -> String {
    let short: String = hub
        .trim_start_matches(fieldchart_vault::PUBLIC_KEY_PREFIX)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    format!("hub-{short}")
}

/// Each facility as the current chain's newest file says it (its signed label), before the sync.
fn facilities_before(
    chain_file: &Path,
    trusted: &[TrustedKey],
    _unlock: &Unlock,
    now: DateTime<Utc>,
) -> Option<Vec<FacilityManifest>> {
    let (_, paths) = fieldchart_store::chain::ChainFile::read(chain_file).ok()?;
    let newest = paths.last()?;
    let outline = fieldchart_vault::check_outline_even_if_expired(newest, trusted, now).ok()?;
    let label: fieldchart_store::manifest::Label = serde_json::from_value(outline.label).ok()?;
    Some(
        label
            .facilities
            .into_iter()
            .map(|f| FacilityManifest {
                code: f.code,
                name: f.name,
                data_as_of: f.data_as_of,
                ..FacilityManifest::default()
            })
            .collect(),
    )
}

fn audit_success(
    opts: &RepoSyncOptions,
    b: &Brought,
    (timestamp, targets): (u64, u64),
) -> Result<(), SyncError> {
    let recipient: age::x25519::Recipient = b
        .app
        .audit_recipient
        .parse()
        .map_err(|_| SyncError::Manifest("not an age recipient".into()))?;
    let detail = format!(
        "chain of {} file(s) verified and switched to{}; {} fetched ({} bytes); repository timestamp {timestamp}, targets {targets}",
        b.files,
        if b.unchanged {
            " (already current)"
        } else {
            ""
        },
        b.fetched,
        b.fetched_bytes
    );
    let entry = Entry {
        event: Event::Sync {
            source: opts.source.clone(),
            snapshot_id: Some(b.snapshot_id.clone()),
            targets_version: Some(targets),
            outcome: Outcome::Success,
            detail,
        },
        actor: None,
        session: Some(SessionRef {
            snapshot_id: b.snapshot_id.clone(),
            session_id: random_id(),
            drill: b.drill,
        }),
        break_glass: None,
        clock: ClockInfo::system().with_trusted_time(b.created),
    };
    open_log(&opts.audit_log)?.append(&recipient, &entry)?;
    Ok(())
}

fn read_seen(path: &Path) -> Seen {
    fieldchart_vault::input::read_bounded(path, 1 << 20)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Written in one step (a temporary file renamed over it); a failure only loses the rollback
/// floor's update, never the sync.
fn write_seen(path: &Path, seen: &Seen) {
    let Ok(json) = serde_json::to_vec_pretty(seen) else {
        return;
    };
    let temp = path.with_extension("json.new");
    let written = (|| -> std::io::Result<()> {
        use std::io::Write;
        let mut f = fs::File::create(&temp)?;
        f.write_all(&json)?;
        f.sync_all()?;
        fs::rename(&temp, path)?;
        if let Some(dir) = path.parent() {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
}
