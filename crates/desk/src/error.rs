//! The one error the app's commands return: an [`ErrorKind`] the front end turns into a sentence in
//! the viewer's language, the core crates' own English message as the detail, and for a refusal the
//! policy's rule (docs/app.md).
//!
//! A core crate's error becomes a kind in one place, [`AppError::of_failure`], from the row of the
//! exit-code table it says it is ([`Failure`]); the CLI maps the same rows to exit codes. What the
//! table cannot tell apart is given beside it: how the viewer was unlocking (a wrong key file and a
//! wrong passphrase are one row but two different things to do), and the refusal's rule (consent
//! unknown asks for a legal basis; any other refusal is a refusal). The desk's own kinds (a command
//! out of order, a path not listed, two identifiers not confirmed, a locked session) are made with
//! [`AppError::desk`].

use fieldchart_failure::Failure;
use fieldchart_policy::{Refusal, Rule};
use fieldchart_query::QueryError;
use fieldchart_session::{SessionError, ViewError};
use fieldchart_sync::SyncError;
use fieldchart_vault::VaultError;
use serde::Serialize;

use crate::contract::{ErrorKind, Method};

/// Why a command did not answer with a screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct AppError {
    /// A stable name the front end words itself.
    pub kind: ErrorKind,
    /// What the core crate said, in English: what happened and what to do.
    pub message: String,
    /// For a policy refusal: the rule that refused (as the policy and the audit trail name it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
}

impl AppError {
    /// One of the desk's own kinds, decided by the desk itself.
    pub fn desk(kind: ErrorKind, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            message: message.into(),
            rule: None,
        }
    }

    /// A command that does not fit the current step (the front end's bug, or a double click).
    pub fn state(what: &str) -> AppError {
        AppError::desk(
            ErrorKind::State,
            format!("{what} is not possible at this step"),
        )
    }

    /// An argument the command cannot use.
    pub fn bad_input(message: impl Into<String>) -> AppError {
        AppError::desk(ErrorKind::BadInput, message)
    }

    /// The kind of a core failure: the one mapping from the exit-code table to the window's words.
    /// `method` is how the viewer was unlocking (only a wrong key depends on it).
    pub fn of_failure(
        failure: Failure,
        message: String,
        method: Method,
        rule: Option<Rule>,
    ) -> AppError {
        let kind = match failure {
            Failure::WrongKey => match method {
                Method::Passphrase => ErrorKind::WrongPassphrase,
                Method::DeviceKey => ErrorKind::WrongKey,
            },
            // An unreadable key file: this laptop's key does not open it either.
            Failure::BadKey => ErrorKind::WrongKey,
            Failure::Untrusted => ErrorKind::Untrusted,
            Failure::Tampered => ErrorKind::Tampered,
            Failure::Truncated => ErrorKind::Truncated,
            Failure::Expired => ErrorKind::Expired,
            // The repository's two refusals (crates/repo), each its own words: a replay changes
            // nothing; a freeze may mean the laptop is cut off from fresh data.
            Failure::Rollback => ErrorKind::Rollback,
            Failure::Frozen => ErrorKind::Frozen,
            Failure::ClockWrong => ErrorKind::ClockWrong,
            Failure::Revoked => ErrorKind::Revoked,
            Failure::UnsupportedVersion => ErrorKind::UnsupportedVersion,
            Failure::NotASnapshot => ErrorKind::Damaged,
            Failure::Refused if rule == Some(Rule::ConsentBasis) => ErrorKind::NeedsBasis,
            Failure::Refused => ErrorKind::Refused,
            Failure::AuditUnusable | Failure::AuditTampered => ErrorKind::Audit,
            Failure::Usage => ErrorKind::BadInput,
            // A hub build's outcome; the app never builds.
            Failure::BuiltWithErrors => ErrorKind::Internal,
            Failure::Io
            | Failure::DiskFull
            | Failure::Exists
            | Failure::Incomplete
            | Failure::Busy => ErrorKind::Io,
            Failure::Internal => ErrorKind::Internal,
        };
        AppError {
            kind,
            message,
            rule,
        }
    }

    /// A vault or session failure while unlocking (or resuming) by `method`.
    pub fn unlocking(e: &SessionError, method: Method) -> AppError {
        AppError::of_failure(e.failure(), e.to_string(), method, None)
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        AppError::of_failure(
            Failure::Refused,
            r.message.clone(),
            Method::DeviceKey,
            Some(r.rule),
        )
    }
}

impl From<ViewError> for AppError {
    fn from(e: ViewError) -> AppError {
        match e {
            ViewError::Refused(r) => r.into(),
            other => {
                AppError::of_failure(other.failure(), other.to_string(), Method::DeviceKey, None)
            }
        }
    }
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> AppError {
        match e {
            QueryError::View(v) => v.into(),
            other => {
                AppError::of_failure(other.failure(), other.to_string(), Method::DeviceKey, None)
            }
        }
    }
}

impl From<SessionError> for AppError {
    fn from(e: SessionError) -> AppError {
        AppError::unlocking(&e, Method::DeviceKey)
    }
}

impl From<VaultError> for AppError {
    fn from(e: VaultError) -> AppError {
        match e {
            // Beside the table like the method: the key file is right, its PIN is not (yet) typed.
            VaultError::KeyNeedsPin { .. } | VaultError::WrongPin { .. } => {
                AppError::desk(ErrorKind::WrongPin, e.to_string())
            }
            _ => AppError::of_failure(e.failure(), e.to_string(), Method::DeviceKey, None),
        }
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> AppError {
        AppError::of_failure(e.failure(), e.to_string(), Method::DeviceKey, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_key_is_worded_by_how_the_viewer_unlocked() {
        let by = |u| AppError::of_failure(Failure::WrongKey, String::new(), u, None).kind;
        assert_eq!(by(Method::Passphrase), ErrorKind::WrongPassphrase);
        assert_eq!(by(Method::DeviceKey), ErrorKind::WrongKey);
    }

    #[test]
    fn consent_unknown_asks_for_a_basis_and_every_other_rule_refuses() {
        for rule in crate::contract::RULES {
            let kind = AppError::of_failure(
                Failure::Refused,
                String::new(),
                Method::DeviceKey,
                Some(rule),
            )
            .kind;
            let want = if rule == Rule::ConsentBasis {
                ErrorKind::NeedsBasis
            } else {
                ErrorKind::Refused
            };
            assert_eq!(kind, want, "{rule:?}");
        }
    }

    #[test]
    fn every_failure_has_a_kind_that_is_not_a_desk_decision() {
        let desk_only = [
            ErrorKind::NoSnapshot,
            ErrorKind::NoDeviceKey,
            ErrorKind::WrongPin,
            ErrorKind::NeedsConfirmation,
            ErrorKind::Locked,
            ErrorKind::State,
        ];
        for f in Failure::ALL {
            let kind = AppError::of_failure(f, String::new(), Method::DeviceKey, None).kind;
            assert!(!desk_only.contains(&kind), "{f:?} became {kind:?}");
        }
    }

    #[test]
    fn a_missing_or_wrong_pin_is_its_own_kind_and_still_exit_10() {
        let e = VaultError::WrongPin {
            path: "device.key".into(),
        };
        assert_eq!(e.failure(), Failure::WrongKey);
        assert_eq!(AppError::from(e).kind, ErrorKind::WrongPin);
        let e = VaultError::KeyNeedsPin {
            path: "device.key".into(),
        };
        assert_eq!(AppError::from(e).kind, ErrorKind::WrongPin);
    }

    #[test]
    fn a_replayed_or_frozen_repository_has_its_own_kind() {
        let kind = |f| AppError::of_failure(f, String::new(), Method::DeviceKey, None).kind;
        assert_eq!(kind(Failure::Rollback), ErrorKind::Rollback);
        assert_eq!(kind(Failure::Frozen), ErrorKind::Frozen);
    }
}
