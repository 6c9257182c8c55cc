//! The one error the app's commands return: a `kind` the front end turns into a sentence in the
//! viewer's language, and the core crates' own English message as the detail (docs/app.md).

use fieldchart_policy::{Refusal, Rule};
use fieldchart_query::QueryError;
use fieldchart_session::{SessionError, ViewError};
use fieldchart_vault::VaultError;
use serde::Serialize;

/// Why a command did not answer with a screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct AppError {
    /// A stable name the front end words itself (see docs/app.md for the list).
    pub kind: &'static str,
    /// What the core crate said, in English: what happened and what to do.
    pub message: String,
    /// For a policy refusal: the rule that refused (as the audit trail names it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
}

impl AppError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            kind,
            message: message.into(),
            rule: None,
        }
    }

    /// A command that does not fit the current step (the front end's bug, or a double click).
    pub fn state(what: &str) -> AppError {
        AppError::new("state", format!("{what} is not possible at this step"))
    }

    /// A vault or session failure while unlocking; `passphrase` says how the viewer unlocked, so
    /// that a wrong passphrase is not worded as a wrong key file.
    pub fn unlocking(e: &SessionError, passphrase: bool) -> AppError {
        let kind = match e {
            SessionError::Vault(v) => match v {
                VaultError::WrongKey if passphrase => "wrong-passphrase",
                VaultError::WrongKey => "wrong-key",
                VaultError::NoEmergencyPassphrase => "wrong-passphrase",
                VaultError::UntrustedSigner { .. } => "untrusted",
                VaultError::Tampered { .. } | VaultError::NotASnapshot { .. } => "tampered",
                VaultError::Truncated { .. } => "truncated",
                VaultError::Expired { .. } => "expired",
                VaultError::ClockWrong { .. } => "clock-wrong",
                VaultError::UnsupportedVersion { .. } => "damaged",
                VaultError::BadKey { .. } => "wrong-key",
                VaultError::Io { .. } | VaultError::DiskFull { .. } => "io",
                _ => "damaged",
            },
            SessionError::ContentVersion { .. } | SessionError::Damaged(_) => "damaged",
            SessionError::NotADrill => "bad-input",
        };
        AppError::new(kind, e.to_string())
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        let kind = match r.rule {
            // Consent unknown and no legal basis chosen yet: the screen asks for one.
            Rule::ConsentBasis => "needs-basis",
            _ => "refused",
        };
        AppError {
            kind,
            message: r.message.clone(),
            rule: Some(r.rule.as_str()),
        }
    }
}

impl From<ViewError> for AppError {
    fn from(e: ViewError) -> AppError {
        match e {
            ViewError::Refused(r) => r.into(),
            ViewError::Audit(a) => AppError::new("audit", ViewError::Audit(a).to_string()),
            ViewError::Session(s) => AppError::new("damaged", s.to_string()),
            ViewError::NotShown(_) => AppError::new("bad-input", e.to_string()),
        }
    }
}

impl From<QueryError> for AppError {
    fn from(e: QueryError) -> AppError {
        match e {
            QueryError::View(v) => v.into(),
            QueryError::EmptyQuery => AppError::new("bad-input", e.to_string()),
            other => AppError::new("damaged", other.to_string()),
        }
    }
}
