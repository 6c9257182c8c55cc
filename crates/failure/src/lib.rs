//! How a FieldChart command can fail: one [`Failure`] per row of the README's exit-code table.
//!
//! Every library error type says which `Failure` it is (`impl From<&TheirError> for Failure`), and
//! nothing else in the workspace holds an exit code: the CLI turns a `Failure` into its exit code
//! in one place, and the desktop app's desk turns it into the kind its front end words, in one
//! place. A test reads README.md and checks that its table and this enum say the same.
//!
//! This crate knows nothing of snapshots, SQLite or the UI; it is the vocabulary both edges share.

use serde::Serialize;

/// One way a command can fail. The discriminant is the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[repr(u8)]
pub enum Failure {
    /// `check` read what it could, but a storage root could not be listed completely.
    Incomplete = 1,
    /// The arguments or an input file cannot be used as given; the message says which and how.
    Usage = 2,
    /// `hub build`: the build (and its publish) is done, but some storage files could not be read.
    BuiltWithErrors = 3,
    WrongKey = 10,
    Untrusted = 11,
    Tampered = 12,
    Truncated = 13,
    Expired = 14,
    ClockWrong = 15,
    UnsupportedVersion = 16,
    NotASnapshot = 17,
    Exists = 18,
    BadKey = 19,
    Io = 20,
    DiskFull = 21,
    /// A failure only a programming error can cause (a writer used after it failed, a read past a
    /// part's end): report it.
    Internal = 22,
    /// Repository metadata older than what this laptop already trusted (TUF's rollback attack).
    Rollback = 23,
    /// Repository metadata past its expiry (TUF's freeze attack, or a hub that stopped publishing).
    Frozen = 24,
    /// Another command holds what this one needs (a hub folder another build or publish works in).
    Busy = 25,
    /// The hub revoked this laptop: it destroyed its device key and the hub's files it held.
    Revoked = 26,
    Refused = 30,
    AuditUnusable = 31,
    AuditTampered = 40,
}

impl Failure {
    /// Every failure, in the order of the README table.
    pub const ALL: [Failure; 23] = [
        Failure::Incomplete,
        Failure::Usage,
        Failure::BuiltWithErrors,
        Failure::WrongKey,
        Failure::Untrusted,
        Failure::Tampered,
        Failure::Truncated,
        Failure::Expired,
        Failure::ClockWrong,
        Failure::UnsupportedVersion,
        Failure::NotASnapshot,
        Failure::Exists,
        Failure::BadKey,
        Failure::Io,
        Failure::DiskFull,
        Failure::Internal,
        Failure::Rollback,
        Failure::Frozen,
        Failure::Busy,
        Failure::Revoked,
        Failure::Refused,
        Failure::AuditUnusable,
        Failure::AuditTampered,
    ];

    /// The process exit code.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The README table's "meaning" cell for this code, word for word.
    pub fn meaning(self) -> &'static str {
        match self {
            Failure::Incomplete => {
                "`check`: a storage root could not be listed completely (the report names what was not read)"
            }
            Failure::Usage => {
                "wrong arguments, or an input that cannot be used as given (the message says which)"
            }
            Failure::BuiltWithErrors => {
                "`hub build`: built (and published, with --publish-to), but some storage files could not be read: `fieldchart check` names them"
            }
            Failure::WrongKey => "wrong device key, PIN or passphrase",
            Failure::Untrusted => "signed by a key that is not trusted",
            Failure::Tampered => {
                "damaged or altered (any flipped byte), also when found mid-session"
            }
            Failure::Truncated => "truncated (an interrupted copy)",
            Failure::Expired => "expired",
            Failure::ClockWrong => "dated in the future: this machine's clock is wrong",
            Failure::UnsupportedVersion => "unknown format version",
            Failure::NotASnapshot => "not a snapshot or audit log (or not a regular file)",
            Failure::Exists => "key or output file already exists",
            Failure::BadKey => "unreadable key file",
            Failure::Io => "other I/O error",
            Failure::DiskFull => "disk full",
            Failure::Internal => "an internal error that only a bug can cause: please report it",
            Failure::Rollback => {
                "the repository served metadata older than this laptop has already seen (a rollback): refused"
            }
            Failure::Frozen => {
                "the repository's metadata has expired (a freeze): this laptop may be cut off from fresh data"
            }
            Failure::Busy => {
                "another `hub build` or `hub publish` holds the hub folder (the message names it): try again when it ends"
            }
            Failure::Revoked => {
                "this laptop was revoked by its hub and has locked itself: ask IT to enrol it again"
            }
            Failure::Refused => {
                "refused by the access policy (the message says what and why; the refusal is audited)"
            }
            Failure::AuditUnusable => {
                "the audit log cannot be written or is damaged: nothing is shown unaudited"
            }
            Failure::AuditTampered => {
                "`audit verify`: the audit log was modified, cut, reordered or truncated (the first bad entry is named)"
            }
        }
    }

    /// The failure an I/O error stands for: a full disk has its own remedy (free space).
    pub fn of_io(e: &std::io::Error) -> Failure {
        if is_disk_full(e) {
            Failure::DiskFull
        } else {
            Failure::Io
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.meaning())
    }
}

/// Whether an I/O error means the disk (or the user's quota) is full: the one test every crate uses.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
        // ENOSPC 28, EDQUOT 122 (Linux), when an error was built from the raw code.
        || matches!(e.raw_os_error(), Some(28 | 122))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_failure_has_its_own_code() {
        let mut codes: Vec<u8> = Failure::ALL.iter().map(|f| f.code()).collect();
        codes.dedup();
        assert_eq!(codes.len(), Failure::ALL.len());
        assert!(
            codes.windows(2).all(|w| w[0] < w[1]),
            "ALL is in code order"
        );
    }

    #[test]
    fn a_full_disk_and_a_full_quota_are_both_disk_full() {
        use std::io::{Error, ErrorKind};
        assert!(is_disk_full(&Error::from_raw_os_error(28)));
        assert!(is_disk_full(&Error::from_raw_os_error(122)));
        assert!(is_disk_full(&Error::from(ErrorKind::StorageFull)));
        assert!(is_disk_full(&Error::from(ErrorKind::QuotaExceeded)));
        assert!(!is_disk_full(&Error::from(ErrorKind::PermissionDenied)));
        assert_eq!(
            Failure::of_io(&Error::from_raw_os_error(28)),
            Failure::DiskFull
        );
    }

    /// The README's exit-code table and this enum are one table: same codes, same words.
    #[test]
    fn the_readme_table_is_this_enum() {
        let readme = include_str!("../../../README.md");
        let start = readme
            .find("### Exit codes")
            .expect("README.md has an '### Exit codes' section");
        let rows: Vec<(u8, String)> = readme[start..]
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .filter_map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
                Some((cells.first()?.parse().ok()?, cells.get(1)?.to_string()))
            })
            .collect();
        let mut want = vec![(0u8, "success".to_string())];
        want.extend(
            Failure::ALL
                .iter()
                .map(|f| (f.code(), f.meaning().to_string())),
        );
        assert_eq!(
            rows, want,
            "README.md's exit-code table differs from Failure"
        );
    }
}
