//! What can go wrong with an audit log, in words a hub operator can act on. No message carries an
//! entry's content: only file names, sequence numbers, line numbers and keys.

use std::io;
use std::path::PathBuf;

use fieldchart_failure::Failure;

/// Why a log failed verification. Each variant names the first bad entry (by its sequence number,
/// which is its line number minus one) or the head file.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{} is not a FieldChart audit log: {reason}", path.display())]
    NotALog { path: PathBuf, reason: &'static str },

    #[error(
        "{} is a version {version} audit log; this FieldChart reads version {supported} — use a newer FieldChart",
        path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        version: u32,
        supported: u32,
    },

    /// The line's bytes are not what the device signed (or not a line at all).
    #[error(
        "{}: entry {seq} (line {line}) was modified after it was written: {reason}. Keep this file as \
         evidence and compare it with the copy forwarded to the hub",
        path.display()
    )]
    Modified {
        path: PathBuf,
        line: u64,
        seq: u64,
        reason: &'static str,
    },

    /// Intact entries follow a gap, and the missing ones appear nowhere later in the file.
    #[error(
        "{}: entries {expected} to {} were removed (line {line} holds entry {found}, where entry {expected} belongs)",
        path.display(),
        found - 1
    )]
    Removed {
        path: PathBuf,
        line: u64,
        expected: u64,
        found: u64,
    },

    /// An intact entry stands where another belongs, and the one that belongs there is later in the
    /// file (or the entry is a second, different line with a sequence number already seen).
    #[error(
        "{}: entries are out of order: line {line} holds entry {found}, where entry {expected} belongs",
        path.display()
    )]
    Reordered {
        path: PathBuf,
        line: u64,
        expected: u64,
        found: u64,
    },

    /// An earlier line, repeated byte for byte.
    #[error("{}: line {line} repeats entry {seq}, which is already at line {}", path.display(), seq + 1)]
    Duplicated { path: PathBuf, line: u64, seq: u64 },

    /// An intact entry in its place whose chain hash does not match the line before it: it comes
    /// from another copy of this log that went on differently (e.g. a restored backup).
    #[error(
        "{}: entry {seq} (line {line}) does not follow the entry before it: its chain hash differs, so it \
         comes from another copy of this log",
        path.display()
    )]
    ChainBroken { path: PathBuf, line: u64, seq: u64 },

    /// The log ends before the entry its head file records: whole entries (or the end of the last
    /// one) were cut off.
    #[error(
        "{}: the log was truncated: it ends after entry {last_seq}{}, but its head file records entry \
         {head_seq}; entry {} onwards is missing",
        path.display(),
        if *partial_bytes > 0 { format!(" and {partial_bytes} bytes of a cut line") } else { String::new() },
        last_seq + 1
    )]
    Truncated {
        path: PathBuf,
        last_seq: u64,
        head_seq: u64,
        partial_bytes: u64,
    },

    /// The file ends in an unfinished line the head does not vouch for: a power cut or crash while
    /// that entry was being written. Nothing that was finished is lost.
    #[error(
        "{}: the entry after entry {after_seq} was never finished ({bytes} bytes, as a power cut while \
         writing leaves); opening the log with FieldChart removes them",
        path.display()
    )]
    TornTail {
        path: PathBuf,
        after_seq: u64,
        bytes: u64,
    },

    #[error(
        "the head file {} is missing, so a log cut short could not be told from a complete one; \
         restore it from the laptop, or compare the log with the copy forwarded to the hub",
        path.display()
    )]
    HeadMissing { path: PathBuf },

    #[error("the head file {} is not genuine: {reason}", path.display())]
    HeadForged { path: PathBuf, reason: String },
}

/// Why the log could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot read {}: {source}", path.display())]
    Reading {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Writing {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("the audit device key {} cannot be used: {reason}", path.display())]
    DeviceKey { path: PathBuf, reason: String },

    #[error("the system random number generator failed: {reason}")]
    Random { reason: String },

    #[error(
        "another FieldChart process is writing the audit log {}; close it and try again",
        path.display()
    )]
    Busy { path: PathBuf },

    #[error(
        "the audit log {} was written by another device key ({device}), not this laptop's ({ours}); \
         give this laptop its own log file",
        path.display()
    )]
    ForeignLog {
        path: PathBuf,
        device: String,
        ours: String,
    },

    #[error(
        "the audit log {} is missing, but its head file is still there: the log was moved or deleted. \
         Restore it (or move the head file away with it); nothing may be viewed without an intact \
         audit log",
        path.display()
    )]
    LogMissing { path: PathBuf },

    #[error(transparent)]
    Verify(#[from] VerifyError),

    #[error("cannot encrypt an audit entry: {reason}")]
    Encrypt { reason: String },

    #[error(
        "entry {seq} is encrypted to {recipient}, not to the given identity ({ours}); use the hub audit \
         key whose public key is {recipient}"
    )]
    WrongIdentity {
        seq: u64,
        recipient: String,
        ours: String,
    },

    #[error("entry {seq} is signed and chained but cannot be read: {reason}")]
    Unreadable { seq: u64, reason: &'static str },

    /// The entry is safely in the log; only its head file lags. The next append retries the head first.
    #[error(
        "entry {seq} was recorded, but the head file {} could not be updated: {source}",
        path.display()
    )]
    HeadNotUpdated {
        path: PathBuf,
        seq: u64,
        #[source]
        source: io::Error,
    },

    #[error(
        "an earlier write to {} failed and its partial line could not be removed; reopen the log to \
         repair it",
        path.display()
    )]
    NeedsReopen { path: PathBuf },
}

impl VerifyError {
    /// Which row of the exit-code table: any broken evidence is [`Failure::AuditTampered`].
    pub fn failure(&self) -> Failure {
        match self {
            VerifyError::Io { source, .. } => Failure::of_io(source),
            VerifyError::NotALog { .. } => Failure::NotASnapshot,
            VerifyError::UnsupportedVersion { .. } => Failure::UnsupportedVersion,
            VerifyError::Modified { .. }
            | VerifyError::Removed { .. }
            | VerifyError::Reordered { .. }
            | VerifyError::Duplicated { .. }
            | VerifyError::ChainBroken { .. }
            | VerifyError::Truncated { .. }
            | VerifyError::TornTail { .. }
            | VerifyError::HeadMissing { .. }
            | VerifyError::HeadForged { .. } => Failure::AuditTampered,
        }
    }
}

impl AuditError {
    /// Which row of the exit-code table: a log that cannot be used means nothing may be shown,
    /// except that the hub's reading of a log with the wrong key is a wrong key.
    pub fn failure(&self) -> Failure {
        match self {
            AuditError::WrongIdentity { .. } => Failure::WrongKey,
            _ => Failure::AuditUnusable,
        }
    }

    pub(crate) fn reading(path: &std::path::Path, source: io::Error) -> Self {
        AuditError::Reading {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn writing(path: &std::path::Path, source: io::Error) -> Self {
        AuditError::Writing {
            path: path.to_owned(),
            source,
        }
    }
}
