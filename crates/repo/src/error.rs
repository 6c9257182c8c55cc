//! Every way publishing or checking a repository can fail, each with its row of the exit-code table.

use std::fmt;
use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use fieldchart_failure::Failure;
use fieldchart_vault::VaultError;

/// Which metadata file an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataKind {
    Timestamp,
    Targets,
}

impl MetadataKind {
    /// The `_type` its signed part carries.
    pub fn type_name(self) -> &'static str {
        match self {
            MetadataKind::Timestamp => "timestamp",
            MetadataKind::Targets => "targets",
        }
    }
}

impl fmt::Display for MetadataKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MetadataKind::Timestamp => "timestamp metadata (timestamp.json)",
            MetadataKind::Targets => "targets metadata (N.targets.json)",
        })
    }
}

/// A time as the messages show it.
pub(crate) fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    // ---- the laptop's checks of metadata bytes ----
    #[error(
        "the repository's {kind} is {len} bytes, more than the {limit} it may have: refused unread \
         (a broken or hostile server)"
    )]
    TooLarge {
        kind: MetadataKind,
        len: u64,
        limit: u64,
    },
    #[error(
        "the repository's {kind} is not FieldChart repository metadata ({reason}): the server \
         answered with something else, or it was damaged on the way"
    )]
    NotMetadata { kind: MetadataKind, reason: String },
    #[error(
        "the repository's {kind} has format {found}; this FieldChart reads format {known} only: \
         update FieldChart"
    )]
    UnsupportedFormat {
        kind: MetadataKind,
        found: u64,
        known: u32,
    },
    #[error(
        "the repository's {kind} is signed by {signers}, which this laptop does not trust: it was \
         not published by your hub (check the repository's address and the hub key this laptop \
         trusts)"
    )]
    Untrusted { kind: MetadataKind, signers: String },
    #[error(
        "the repository's {kind} does not match its signature: it was altered after the hub \
         signed it; refused"
    )]
    BadSignature { kind: MetadataKind },
    #[error(
        "ROLLBACK refused: the repository's {kind} is version {version}, older than version \
         {highest_seen}, which this laptop has already seen. Someone is serving old metadata (a \
         replay), or the hub's repository was restored from an old copy; nothing was changed on \
         this laptop"
    )]
    Rollback {
        kind: MetadataKind,
        version: u64,
        highest_seen: u64,
    },
    #[error(
        "FREEZE: the repository's {kind} (version {version}) expired at {}. Nobody has refreshed \
         it since, or someone is replaying old metadata: this laptop may be cut off from fresh \
         data since {}. Keep using the snapshot it has, and tell the hub",
        when(expired),
        when(expired)
    )]
    Frozen {
        kind: MetadataKind,
        version: u64,
        expired: DateTime<Utc>,
    },
    #[error(
        "the repository's {kind} is not the one the timestamp names ({what}): it was altered, or \
         mixed with another publication; refused"
    )]
    Mismatch { kind: MetadataKind, what: String },
    #[error(
        "the repository's {kind} is signed by the hub but malformed ({reason}): tell the hub, \
         its publisher has a bug"
    )]
    Invalid { kind: MetadataKind, reason: String },

    // ---- the hub's publishing ----
    #[error("the chain cannot be published: {0}")]
    BadInput(String),
    #[error(
        "{}: the digest given ({given}) is not this file's ({actual}); give the digest its outline \
         reports",
        path.display()
    )]
    DigestMismatch {
        path: PathBuf,
        given: String,
        actual: String,
    },
    #[error("{}: {source}", path.display())]
    Vault {
        path: PathBuf,
        #[source]
        source: VaultError,
    },
    #[error(
        "{} changed while it was being published (two reads gave different SHA-256): publish \
         again once it is complete",
        path.display()
    )]
    SourceChanged { path: PathBuf },
    #[error(
        "version {floor} is the highest a repository version can be raised from; the version \
         floor given is wrong"
    )]
    VersionOverflow { floor: u64 },
    #[error(
        "the disk is full while writing {}: free space and publish again (what laptops see was \
         not changed)",
        path.display()
    )]
    DiskFull { path: PathBuf },
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl RepoError {
    /// Which row of the exit-code table.
    pub fn failure(&self) -> Failure {
        match self {
            RepoError::TooLarge { .. }
            | RepoError::NotMetadata { .. }
            | RepoError::BadSignature { .. }
            | RepoError::Mismatch { .. }
            | RepoError::Invalid { .. } => Failure::Tampered,
            RepoError::UnsupportedFormat { .. } => Failure::UnsupportedVersion,
            RepoError::Untrusted { .. } => Failure::Untrusted,
            RepoError::Rollback { .. } => Failure::Rollback,
            RepoError::Frozen { .. } => Failure::Frozen,
            RepoError::BadInput(_)
            | RepoError::DigestMismatch { .. }
            | RepoError::VersionOverflow { .. } => Failure::Usage,
            RepoError::Vault { source, .. } => source.failure(),
            RepoError::SourceChanged { .. } => Failure::Io,
            RepoError::DiskFull { .. } => Failure::DiskFull,
            RepoError::Io { source, .. } => Failure::of_io(source),
        }
    }

    /// An I/O failure while doing `action` to `path`; a full disk is its own error.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        let path = path.into();
        if fieldchart_failure::is_disk_full(&source) {
            RepoError::DiskFull { path }
        } else {
            RepoError::Io {
                action,
                path,
                source,
            }
        }
    }
}
