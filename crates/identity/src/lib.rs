//! Who is the same person at two facilities, as the hub's regional master patient index says.
//!
//! SS-MIX2 storage is per facility: the same person at two hospitals has two patient IDs, and
//! nothing in either storage says they are one person. Only the hub's cross-references (IHE PIX)
//! link them, and FieldChart never links people on its own: two IDs are one person only when a
//! cross-reference says so (docs/identity.md).
//!
//! This crate reads the two inputs a hub has and resolves them into [`Links`]:
//! - [`xref`]: the master patient index's export, a TSV or CSV file of linked (facility, patient
//!   ID) groups (or of linked pairs, as the drill generator writes them);
//! - [`events`]: HL7 v2 link events where the hub receives them: ADT^A24 (link), ADT^A37 (unlink)
//!   and ADT^A40 (merge within one facility), applied in order after the file.
//!
//! A line or event that does not read stops with its place (file, line or segment) and reason: a
//! cross-reference is not something to guess at. Links to patients the storage does not hold are
//! counted by [`Links::unknown`], for the build report.
//!
//! Architecture invariant: this crate reads the hub's inputs and nothing else. It knows nothing of
//! snapshots, SQLite or the viewer; the build stores what [`Links`] holds.

pub mod events;
mod links;
pub mod matching;
pub mod xref;

pub use events::{LinkEvent, LinkKind, read_events};
pub use links::{Applied, Group, Links, Member, Via};
pub use xref::{XrefRow, links_of_xref, parse_xref, read_xref};

use std::path::PathBuf;

/// Why the cross-references could not be read. Each names where, so the operator can fix it.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// A line of the cross-reference file that does not read.
    #[error("{}, line {line}: {reason}", path.display())]
    Line {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// A link event that does not read.
    #[error("{}: {reason}", path.display())]
    Event { path: PathBuf, reason: String },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
