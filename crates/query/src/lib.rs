//! Queries over an open session, answered as view models: patient search ([`search`]) and the
//! patient record with its safety summary ([`record`]).
//!
//! View models are plain serde structs; the CLI prints them as JSON or text and the desktop app sends
//! them to its front end unchanged. Every query goes through a [`fieldchart_session::Viewing`]: the
//! policy decides what is read, and the audit log is written before an answer is returned.

pub mod record;
pub mod search;

use fieldchart_failure::Failure;
use fieldchart_session::{SessionError, ViewError};

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    View(#[from] ViewError),
    #[error(
        "the query is empty: give a name, a date of birth, a sex, an address, a phone number or an ID"
    )]
    EmptyQuery,
    #[error("{0}")]
    TooLong(fieldchart_jtext::QueryTooLong),
    #[error(
        "{limit} results were asked for, but a search lists from 1 to {max} (this snapshot's policy, session.max_results)"
    )]
    Limit { limit: usize, max: u32 },
}

impl QueryError {
    /// Which row of the exit-code table.
    pub fn failure(&self) -> Failure {
        match self {
            QueryError::Session(e) => e.failure(),
            QueryError::View(e) => e.failure(),
            QueryError::EmptyQuery | QueryError::TooLong(_) | QueryError::Limit { .. } => {
                Failure::Usage
            }
        }
    }
}
