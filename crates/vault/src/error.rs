//! The one error type of the vault, its messages and the process exit code of each failure.
//!
//! Every failure that a clinician or IT person can meet in the field has its own variant, its own
//! message saying what to do next, and its own exit code (requirements SNAP-15: "each way opening
//! can fail has its own message and its own exit code"). Messages never contain patient data: the
//! vault never sees any in plaintext outside a part's bytes, and no part bytes are ever quoted.

use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use fieldchart_failure::Failure;

/// Everything that can go wrong while making keys, writing a snapshot or opening one.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// No identity given matched a recipient of the snapshot, or the passphrase is wrong.
    #[error(
        "this snapshot cannot be unlocked with the key or passphrase given: it was not made for \
         them. Use this laptop's own device key file, or the snapshot's emergency passphrase"
    )]
    WrongKey,

    /// A passphrase was given, but the snapshot was built without an emergency passphrase.
    #[error(
        "this snapshot has no emergency passphrase; it opens only with a device key it was made \
         for. Use this laptop's device key file (--identity)"
    )]
    NoEmergencyPassphrase,

    /// The emergency passphrase was made with a work factor this machine refuses to attempt.
    #[error(
        "the emergency passphrase of this snapshot needs scrypt work factor 2^{required}, far more \
         than this machine manages in a few seconds (about 2^{target}). Use a device key instead"
    )]
    PassphraseTooCostly { required: u8, target: u8 },

    /// The snapshot is intact and correctly signed, but by a key not in the trusted list.
    #[error(
        "this snapshot was signed by {signer}, which is not a trusted hub key. Compare it with the \
         hub's published signing key and pass that key with --trust; do not use a snapshot from an \
         unknown signer"
    )]
    UntrustedSigner { signer: String },

    /// A signature, hash, authentication tag or padding check failed, or bytes were appended.
    #[error(
        "the snapshot file is damaged or has been altered: {what} does not check out. Do not use \
         it; copy the snapshot again from the hub or from its original medium"
    )]
    Tampered { what: String },

    /// The file is shorter than the snapshot it claims to be (an interrupted copy).
    #[error(
        "the snapshot file is incomplete: it has {actual} bytes but should have {expected}. The \
         copy was probably interrupted; copy it again"
    )]
    Truncated { expected: u64, actual: u64 },

    /// The snapshot's validity window ended before `now`.
    #[error(
        "this snapshot expired at {not_after} (this laptop's clock says {now}). Get a newer \
         snapshot from the hub; if the laptop clock is wrong, correct it first"
    )]
    Expired {
        not_after: DateTime<Utc>,
        now: DateTime<Utc>,
    },

    /// The snapshot is dated in the future, beyond the allowed clock skew: the clock is wrong.
    #[error(
        "this snapshot is valid only from {not_before}, but this laptop's clock says {now}. The \
         laptop clock is probably wrong: set the correct date and time, then open it again"
    )]
    ClockWrong {
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
    },

    /// The snapshot was written in a format version this build does not read.
    #[error(
        "this snapshot has format version {found}, but this FieldChart reads version {supported}. \
         Update FieldChart, or ask the hub for a snapshot in version {supported}"
    )]
    UnsupportedVersion { found: u64, supported: u32 },

    /// The file does not start with the snapshot marker.
    #[error(
        "{path} is not a FieldChart snapshot (it does not start with the snapshot marker). Check \
         that you picked the right file"
    )]
    NotASnapshot { path: PathBuf },

    /// The path names a named pipe, a device or a folder, not a snapshot file.
    #[error(
        "{path} is {kind}, not a snapshot file: give the snapshot file itself (a FieldChart \
         snapshot is a regular file)"
    )]
    NotAFile { path: PathBuf, kind: &'static str },

    /// A key file already exists; keys are never overwritten.
    #[error(
        "{path} already exists, and a key file is never overwritten. Choose another file name, or \
         move the old key away yourself if you are sure it is no longer needed"
    )]
    KeyExists { path: PathBuf },

    /// The snapshot output file already exists.
    #[error("{path} already exists. Choose another output name, or move the old snapshot away")]
    OutputExists { path: PathBuf },

    /// The device key file is the notice a revoked laptop left when it locked itself.
    #[error(
        "this laptop ({}) was revoked by its hub ({}) and locked itself on {}: its device key at \
         {} was destroyed, and it opens no snapshot made for it. Ask IT to enrol it again \
         (`fieldchart laptop enrol --new-keys` here, then `fieldchart hub laptop rotate` at the hub)",
        revocation.laptop,
        revocation.hub,
        revocation.at.format("%Y-%m-%d %H:%M UTC"),
        path.display()
    )]
    Revoked {
        path: PathBuf,
        revocation: crate::laptop::Revocation,
    },

    /// The device key is protected by a PIN, and none was given.
    #[error(
        "the device key at {} is protected by a PIN: type the PIN (the app asks for it; the \
         command line reads it from --key-pin-file or asks on the terminal)",
        path.display()
    )]
    KeyNeedsPin { path: PathBuf },

    /// The PIN given does not open the protected device key.
    #[error(
        "the PIN does not open the device key at {}: check it and type it again (Caps Lock, \
         keyboard layout). If it is forgotten, ask IT to enrol the laptop again",
        path.display()
    )]
    WrongPin { path: PathBuf },

    /// A PIN that cannot protect a key (too short, empty).
    #[error("this PIN cannot protect the device key: {reason}")]
    BadPin { reason: String },

    /// A key, recipient, trusted key or passphrase could not be read or parsed.
    #[error("{what}: {reason}")]
    BadKey { what: String, reason: String },

    /// An I/O error on a named file.
    #[error(
        "cannot read or write {path}: {source}. Check that the disk or medium is readable and writable"
    )]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The disk filled up (or a quota was reached) while writing.
    #[error(
        "the disk is full while writing {path}. Free some space or choose another disk, then try again"
    )]
    DiskFull { path: PathBuf },

    /// Reading the bytes of a part from its source failed while writing a snapshot.
    #[error("cannot read the data for part {name:?} of the snapshot: {source}")]
    PartSource {
        name: String,
        #[source]
        source: io::Error,
    },

    /// The same part name was added twice.
    #[error("the snapshot already has a part named {name:?} (a FieldChart bug; please report it)")]
    DuplicatePart { name: String },

    /// A read asked for bytes beyond the end of a part.
    #[error(
        "a read of {len} bytes at offset {offset} goes past the end of part {part:?} ({part_len} \
         bytes) (a FieldChart bug; please report it)"
    )]
    ReadOutOfRange {
        part: String,
        offset: u64,
        len: u64,
        part_len: u64,
    },

    /// The writer was used after one of its operations failed.
    #[error(
        "the snapshot cannot be completed because an earlier step failed; start the build again"
    )]
    WriterFailed,

    /// The options given to the writer cannot make a valid snapshot.
    #[error("cannot build the snapshot: {reason}")]
    InvalidOptions { reason: String },
}

impl VaultError {
    /// Which row of the exit-code table this failure is (`fieldchart_failure`): each field failure
    /// has its own, so that scripts and the desktop app can tell the cases apart. Failures that
    /// only a programming error can cause are [`Failure::Internal`].
    pub fn failure(&self) -> Failure {
        match self {
            Self::WrongKey
            | Self::NoEmergencyPassphrase
            | Self::PassphraseTooCostly { .. }
            | Self::KeyNeedsPin { .. }
            | Self::WrongPin { .. } => Failure::WrongKey,
            Self::UntrustedSigner { .. } => Failure::Untrusted,
            Self::Tampered { .. } => Failure::Tampered,
            Self::Truncated { .. } => Failure::Truncated,
            Self::Expired { .. } => Failure::Expired,
            Self::ClockWrong { .. } => Failure::ClockWrong,
            Self::UnsupportedVersion { .. } => Failure::UnsupportedVersion,
            Self::NotASnapshot { .. } | Self::NotAFile { .. } => Failure::NotASnapshot,
            Self::KeyExists { .. } | Self::OutputExists { .. } => Failure::Exists,
            Self::BadKey { .. } | Self::BadPin { .. } => Failure::BadKey,
            Self::Revoked { .. } => Failure::Revoked,
            Self::Io { .. } | Self::PartSource { .. } => Failure::Io,
            Self::DiskFull { .. } => Failure::DiskFull,
            Self::DuplicatePart { .. }
            | Self::ReadOutOfRange { .. }
            | Self::WriterFailed
            | Self::InvalidOptions { .. } => Failure::Internal,
        }
    }

    /// An I/O error on `path` while writing: a full disk or quota gets its own variant, because
    /// its remedy (free space) differs from that of every other I/O error.
    pub(crate) fn writing(path: &std::path::Path, source: io::Error) -> Self {
        if fieldchart_failure::is_disk_full(&source) {
            Self::DiskFull {
                path: path.to_owned(),
            }
        } else {
            Self::Io {
                path: path.to_owned(),
                source,
            }
        }
    }

    /// An I/O error on `path` while reading.
    pub(crate) fn reading(path: &std::path::Path, source: io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// A snapshot that could not be opened as a regular file.
    pub(crate) fn snapshot_input(e: crate::input::InputError) -> Self {
        match e {
            crate::input::InputError::NotAFile { path, kind } => Self::NotAFile { path, kind },
            crate::input::InputError::Io { path, source } => Self::Io { path, source },
            crate::input::InputError::TooLarge { path, .. } => Self::NotASnapshot { path },
        }
    }

    pub(crate) fn tampered(what: impl Into<String>) -> Self {
        Self::Tampered { what: what.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_while_writing_is_disk_full_not_plain_io() {
        let path = std::path::Path::new("/tmp/snap.fcs");
        let full = VaultError::writing(path, io::Error::from_raw_os_error(28)); // ENOSPC
        assert!(matches!(full, VaultError::DiskFull { .. }), "{full:?}");
        assert_eq!(full.failure(), Failure::DiskFull);
        let other = VaultError::writing(path, io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(matches!(other, VaultError::Io { .. }), "{other:?}");
        assert_eq!(other.failure(), Failure::Io);
    }

    #[test]
    fn each_field_failure_has_its_own_exit_code() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let errors = [
            VaultError::WrongKey,
            VaultError::UntrustedSigner { signer: "k".into() },
            VaultError::tampered("x"),
            VaultError::Truncated {
                expected: 2,
                actual: 1,
            },
            VaultError::Expired {
                not_after: now,
                now,
            },
            VaultError::ClockWrong {
                not_before: now,
                now,
            },
            VaultError::UnsupportedVersion {
                found: 2,
                supported: 1,
            },
            VaultError::NotASnapshot { path: "f".into() },
            VaultError::KeyExists { path: "f".into() },
            VaultError::BadKey {
                what: "k".into(),
                reason: "r".into(),
            },
            VaultError::reading("f".as_ref(), io::Error::other("x")),
            VaultError::DiskFull { path: "f".into() },
        ];
        let codes: Vec<u8> = errors.iter().map(|e| e.failure().code()).collect();
        assert_eq!(codes, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    }
}
