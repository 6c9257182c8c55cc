//! Step 1: the snapshots this laptop can see, each as a card that says whose data it holds, how
//! old that data is, whether it is valid and whether it is a drill, read from the signed plaintext
//! envelope before anything is unlocked.
//!
//! The order is decided from what the hub signed, never from the file system: a copy's modification
//! time says when it was copied, not how old its data is, so an older snapshot synced later must not
//! take the newer one's place. Cards are ordered by how usable they are, then by the signed
//! creation time (newest first), then by the data's age, then the laptop's folders before media.
//! A valid snapshot is *superseded* when a newer valid one signed by the same hub is also here.

use std::cmp::Reverse;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use fieldchart_failure::Failure;
use fieldchart_store::chain::ChainFile;
use fieldchart_store::manifest::Label;
use fieldchart_vault::{Outline, TrustedKey, VaultError};
use serde::Serialize;

use crate::config::Zone;
use crate::contract::{Location, ValidityState};
use crate::day::Day;
use crate::screens::Facility;

/// Snapshot files are found by their marker, not their name; these extensions are only looked at
/// first so that a folder of photos is not read byte by byte.
const EXTENSIONS: [&str; 2] = ["fcs", "fcsnap"];
const MAGIC: &[u8] = b"FIELDCHART-SNAPSHOT\n";

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotCard {
    pub path: String,
    pub file: String,
    pub location: Location,
    pub snapshot_id: Option<String>,
    pub created: Option<Day>,
    pub not_after: Option<Day>,
    pub validity: Validity,
    pub drill: bool,
    pub facilities: Vec<Facility>,
    /// An emergency passphrase can open it.
    pub passphrase: bool,
    /// This laptop's device key was found (whether it fits shows at unlock).
    pub device_key: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validity {
    pub state: ValidityState,
    /// Whole days until it expires (negative once expired).
    pub days_left: Option<i64>,
    /// Why it is not valid (as the vault words it), or which newer snapshot supersedes it.
    pub message: Option<String>,
}

/// A card with what its order is decided by: the signed envelope's facts, not the file's.
struct Found {
    card: SnapshotCard,
    /// Who signed it and when, for a snapshot whose envelope checked out.
    signed: Option<(String, DateTime<Utc>)>,
    /// The oldest facility's data-as-of, as the label says.
    data_as_of: Option<String>,
}

/// Every snapshot file in the laptop's folders and on removable media, the one to use on top: by
/// usability (valid, superseded, expired, which opens by break-glass, then those that do not open),
/// then newest signed creation time, then newest data, then the laptop's folders before media.
pub fn find(
    local: &[PathBuf],
    removable_roots: &[PathBuf],
    trusted: &[TrustedKey],
    device_key: bool,
    now: DateTime<Utc>,
    zone: Zone,
) -> Vec<SnapshotCard> {
    let mut found = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut look = |path: PathBuf, location: Location| {
        if seen.insert(canonical(&path)) {
            found.push(card(&path, location, trusted, device_key, now, zone));
        }
    };
    for dir in local {
        for path in snapshot_files(dir) {
            look(path, Location::Local);
        }
    }
    for root in removable_roots {
        // /media/<user>/<medium>/…: the medium's top folder and one below it.
        for medium in subdirs(root) {
            let mut dirs = vec![medium.clone()];
            dirs.extend(subdirs(&medium));
            for dir in dirs {
                for path in snapshot_files(&dir) {
                    look(path, Location::Removable);
                }
            }
        }
    }
    mark_superseded(&mut found);
    found.sort_by(|a, b| {
        let key = |f: &Found| {
            (
                f.card.validity.state,
                Reverse(f.signed.as_ref().map(|(_, created)| *created)),
                Reverse(f.data_as_of.clone()),
                f.card.location,
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.card.path.cmp(&b.card.path))
    });
    found.into_iter().map(|f| f.card).collect()
}

/// A valid snapshot is superseded when a valid one signed by the same hub was created after it.
/// (An expired one keeps its louder label: it already opens only by break-glass.)
fn mark_superseded(found: &mut [Found]) {
    let newest: Vec<(String, DateTime<Utc>, String)> = found
        .iter()
        .filter(|f| f.card.validity.state == ValidityState::Valid)
        .filter_map(|f| {
            let (signer, created) = f.signed.clone()?;
            Some((signer, created, f.card.file.clone()))
        })
        .collect();
    for f in found.iter_mut() {
        if f.card.validity.state != ValidityState::Valid {
            continue;
        }
        let Some((signer, created)) = &f.signed else {
            continue;
        };
        let newer = newest
            .iter()
            .filter(|(s, c, _)| s == signer && c > created)
            .max_by_key(|(_, c, _)| *c);
        if let Some((_, newer_created, file)) = newer {
            f.card.validity.state = ValidityState::Superseded;
            f.card.validity.message = Some(format!(
                "{file}, signed by the same hub, was created later ({}): use it unless this older \
                 data is needed",
                newer_created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ));
        }
    }
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// The snapshots directly in `dir`, by name: chain files (a synced base and its layers, one card
/// each) and the snapshot files that are not part of a chain listed there.
fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .collect();
    let chains: Vec<PathBuf> = files
        .iter()
        .filter(|p| ChainFile::is_chain_path(p))
        .cloned()
        .collect();
    let members: std::collections::BTreeSet<PathBuf> = chains
        .iter()
        .filter_map(|c| ChainFile::read(c).ok())
        .flat_map(|(_, paths)| paths)
        .collect();
    let mut found: Vec<PathBuf> = files
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| EXTENSIONS.contains(&x))
        })
        .filter(|p| !members.contains(p))
        .filter(|p| has_marker(p))
        .chain(chains)
        .collect();
    found.sort();
    found
}

/// The file whose envelope speaks for `path`: itself, or a chain's newest file (which vouches
/// for the files before it). A chain file that cannot be read speaks for itself, and fails as
/// not a snapshot.
fn speaking_file(path: &Path) -> PathBuf {
    if ChainFile::is_chain_path(path)
        && let Ok((_, paths)) = ChainFile::read(path)
        && let Some(newest) = paths.last()
    {
        return newest.clone();
    }
    path.to_path_buf()
}

fn has_marker(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 20];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && head == MAGIC
}

fn card(
    path: &Path,
    location: Location,
    trusted: &[TrustedKey],
    device_key: bool,
    now: DateTime<Utc>,
    zone: Zone,
) -> Found {
    let head = speaking_file(path);
    let (outline, validity) = match fieldchart_vault::check_outline(&head, trusted, now) {
        Ok(o) => {
            let days_left = (o.not_after - now).num_days();
            (
                Some(o),
                Validity {
                    state: ValidityState::Valid,
                    days_left: Some(days_left),
                    message: None,
                },
            )
        }
        Err(e @ VaultError::Expired { .. }) => {
            // Still listed with its facilities: opening it is a break-glass decision.
            let o = fieldchart_vault::check_outline_even_if_expired(&head, trusted, now).ok();
            let days_left = o.as_ref().map(|o| (o.not_after - now).num_days());
            (
                o,
                Validity {
                    state: ValidityState::Expired,
                    days_left,
                    message: Some(e.to_string()),
                },
            )
        }
        Err(e) => (
            None,
            Validity {
                state: state_of(e.failure()),
                days_left: None,
                message: Some(e.to_string()),
            },
        ),
    };
    let label: Label = outline
        .as_ref()
        .and_then(|o| serde_json::from_value(o.label.clone()).ok())
        .unwrap_or_default();
    let data_as_of = label
        .facilities
        .iter()
        .filter_map(|f| f.data_as_of.clone())
        .min();
    let day = |t: DateTime<Utc>| Day::parse(&local_time(t, zone));
    let card = SnapshotCard {
        path: path.display().to_string(),
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        location,
        snapshot_id: outline.as_ref().map(|o| o.snapshot_id.clone()),
        created: outline.as_ref().map(|o| day(o.created)),
        not_after: outline.as_ref().map(|o| day(o.not_after)),
        validity,
        drill: outline.as_ref().is_some_and(|o| o.drill),
        facilities: label
            .facilities
            .into_iter()
            .map(|f| Facility {
                code: f.code,
                name: f.name,
                data_as_of: Day::opt(f.data_as_of.as_deref()),
            })
            .collect(),
        passphrase: outline.as_ref().is_some_and(|o| o.has_emergency_passphrase),
        device_key,
    };
    Found {
        card,
        signed: outline.map(|o: Outline| (o.signer, o.created)),
        data_as_of,
    }
}

/// The state of a snapshot whose envelope did not check out (an expired one is handled apart).
fn state_of(failure: Failure) -> ValidityState {
    match failure {
        Failure::Untrusted => ValidityState::Untrusted,
        Failure::ClockWrong => ValidityState::NotYetValid,
        Failure::Expired => ValidityState::Expired,
        _ => ValidityState::Damaged,
    }
}

/// A UTC instant as the laptop's wall clock shows it, which is what people read.
pub fn local_time(t: DateTime<Utc>, zone: Zone) -> String {
    zone.local(t).format("%Y-%m-%dT%H:%M:%S").to_string()
}
