//! Step 1: the snapshots this laptop can see, each as a card that says whose data it holds, how
//! old that data is, whether it is valid and whether it is a drill, read from the signed plaintext
//! envelope before anything is unlocked.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use fieldchart_store::manifest::Label;
use fieldchart_vault::{TrustedKey, VaultError};
use serde::Serialize;

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
    /// `local` (this laptop's folders) or `removable` (a mounted medium).
    pub location: &'static str,
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
    /// `valid`, `expired`, `not-yet-valid`, `untrusted` or `damaged`.
    pub state: &'static str,
    /// Whole days until it expires (negative once expired).
    pub days_left: Option<i64>,
    /// Why it is not valid, as the vault words it.
    pub message: Option<String>,
}

/// Every snapshot file in the laptop's folders and on removable media: the ones that open first
/// (valid, then expired, which opens by break-glass, then those that do not open at all), and
/// within each the laptop's folders before media, newest first. The card on top is the one to use.
pub fn find(
    local: &[PathBuf],
    removable_roots: &[PathBuf],
    trusted: &[TrustedKey],
    device_key: bool,
    now: DateTime<Utc>,
) -> Vec<SnapshotCard> {
    let mut cards = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for dir in local {
        for path in snapshot_files(dir) {
            if seen.insert(canonical(&path)) {
                cards.push(card(&path, "local", trusted, device_key, now));
            }
        }
    }
    for root in removable_roots {
        // /media/<user>/<medium>/…: the medium's top folder and one below it.
        for medium in subdirs(root) {
            let mut dirs = vec![medium.clone()];
            dirs.extend(subdirs(&medium));
            for dir in dirs {
                for path in snapshot_files(&dir) {
                    if seen.insert(canonical(&path)) {
                        cards.push(card(&path, "removable", trusted, device_key, now));
                    }
                }
            }
        }
    }
    // Stable: the folder order and newest-first stay within each rank.
    cards.sort_by_key(|c| rank(c.validity.state));
    cards
}

/// How usable a snapshot is, most usable first.
fn rank(state: &str) -> u8 {
    match state {
        "valid" => 0,
        "expired" => 1,
        "not-yet-valid" => 2,
        "untrusted" => 3,
        _ => 4,
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

/// The snapshot files directly in `dir`, newest first.
fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| EXTENSIONS.contains(&x))
        })
        .filter(|p| has_marker(p))
        .map(|p| {
            let modified = p
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, p)
        })
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    found.into_iter().map(|(_, p)| p).collect()
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
    location: &'static str,
    trusted: &[TrustedKey],
    device_key: bool,
    now: DateTime<Utc>,
) -> SnapshotCard {
    let (outline, validity) = match fieldchart_vault::check_outline(path, trusted, now) {
        Ok(o) => {
            let days_left = (o.not_after - now).num_days();
            (
                Some(o),
                Validity {
                    state: "valid",
                    days_left: Some(days_left),
                    message: None,
                },
            )
        }
        Err(e @ VaultError::Expired { .. }) => {
            // Still listed with its facilities: opening it is a break-glass decision.
            let o = fieldchart_vault::check_outline_even_if_expired(path, trusted, now).ok();
            let days_left = o.as_ref().map(|o| (o.not_after - now).num_days());
            (
                o,
                Validity {
                    state: "expired",
                    days_left,
                    message: Some(e.to_string()),
                },
            )
        }
        Err(e) => {
            let state = match e {
                VaultError::UntrustedSigner { .. } => "untrusted",
                VaultError::ClockWrong { .. } => "not-yet-valid",
                _ => "damaged",
            };
            (
                None,
                Validity {
                    state,
                    days_left: None,
                    message: Some(e.to_string()),
                },
            )
        }
    };
    let label: Label = outline
        .as_ref()
        .and_then(|o| serde_json::from_value(o.label.clone()).ok())
        .unwrap_or_default();
    SnapshotCard {
        path: path.display().to_string(),
        file: path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
        location,
        snapshot_id: outline.as_ref().map(|o| o.snapshot_id.clone()),
        created: outline.as_ref().map(|o| Day::parse(&local_time(o.created))),
        not_after: outline
            .as_ref()
            .map(|o| Day::parse(&local_time(o.not_after))),
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
    }
}

/// A UTC instant as the laptop's local wall time, which is what people read.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}
