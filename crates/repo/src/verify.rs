//! The laptop's checks, as pure functions over the bytes it fetched (TUF §5.4 and §5.6, without
//! the root and snapshot roles: the hub's one key is the root of trust, and the timestamp names the
//! targets metadata directly).
//!
//! Nothing here persists anything. The caller stores a version as "seen" only after the check
//! returned it (tough's CVE-2025-2888 cached a timestamp before its rollback check), and compares
//! every expiry with one time taken when the sync started.

use chrono::{DateTime, Utc};
use fieldchart_vault::TrustedKey;
use sha2::{Digest, Sha256};

use crate::error::{MetadataKind, RepoError};
use crate::metadata::{self, MetaRef, Targets, Timestamp};

/// Checks `timestamp.json`: at most [`metadata::MAX_TIMESTAMP_LEN`] bytes, JSON of the right type
/// and format, signed by a trusted key, not older than the highest version this laptop has seen
/// (an equal one is the same publication, so accepted), and not expired at `now`.
pub fn verify_timestamp(
    bytes: &[u8],
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
    highest_seen: Option<u64>,
) -> Result<Timestamp, RepoError> {
    let (timestamp, _) = metadata::open::<Timestamp>(bytes, trusted)?;
    not_rolled_back(MetadataKind::Timestamp, timestamp.version, highest_seen)?;
    not_frozen(
        MetadataKind::Timestamp,
        timestamp.version,
        timestamp.expires,
        now,
    )?;
    Ok(timestamp)
}

/// Checks `N.targets.json` against the timestamp that named it (`expected`, from
/// [`verify_timestamp`]): that version not older than the highest seen, exactly the length and
/// SHA-256 named, then as [`verify_timestamp`] does (type, format, signature, expiry), and the
/// version inside equal to the one named.
pub fn verify_targets(
    bytes: &[u8],
    expected: &MetaRef,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
    highest_seen_targets: Option<u64>,
) -> Result<Targets, RepoError> {
    let kind = MetadataKind::Targets;
    // Before downloading anything, a caller can make the same check with the timestamp's number.
    not_rolled_back(kind, expected.version, highest_seen_targets)?;
    let len = bytes.len() as u64;
    if len > metadata::MAX_TARGETS_LEN {
        return Err(RepoError::TooLarge {
            kind,
            len,
            limit: metadata::MAX_TARGETS_LEN,
        });
    }
    if len != expected.length {
        return Err(RepoError::Mismatch {
            kind,
            what: format!("{len} bytes, where the timestamp says {}", expected.length),
        });
    }
    let sha256 = sha256_hex(bytes);
    if sha256 != expected.sha256 {
        return Err(RepoError::Mismatch {
            kind,
            what: "its SHA-256 differs from the timestamp's".into(),
        });
    }
    let (targets, _) = metadata::open::<Targets>(bytes, trusted)?;
    if targets.version != expected.version {
        return Err(RepoError::Mismatch {
            kind,
            what: format!(
                "it is version {}, where the timestamp names version {}",
                targets.version, expected.version
            ),
        });
    }
    not_frozen(kind, targets.version, targets.expires, now)?;
    Ok(targets)
}

fn not_rolled_back(
    kind: MetadataKind,
    version: u64,
    highest_seen: Option<u64>,
) -> Result<(), RepoError> {
    match highest_seen {
        Some(highest_seen) if version < highest_seen => Err(RepoError::Rollback {
            kind,
            version,
            highest_seen,
        }),
        _ => Ok(()),
    }
}

fn not_frozen(
    kind: MetadataKind,
    version: u64,
    expires: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    if expires <= now {
        return Err(RepoError::Frozen {
            kind,
            version,
            expired: expires,
        });
    }
    Ok(())
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
