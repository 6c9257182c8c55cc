//! The repository snapshots are published in: a static folder of signed metadata and
//! content-addressed files, TUF-style (The Update Framework), that any web server, file share or
//! USB stick can carry without being trusted. The layout and formats are in docs/repository.md.
//!
//! ```text
//! timestamp.json          short expiry, re-signed at every publish: names the current targets
//! <N>.targets.json        the chain (base, then layers) with each file's length and SHA-256
//! targets/<sha256>.fcs    the snapshot files themselves (vault files), named by their content
//! ```
//!
//! The hub calls [`publish`]; a laptop fetches `timestamp.json`, checks it with
//! [`verify_timestamp`], fetches the targets metadata it names and checks it with
//! [`verify_targets`], then fetches each listed file and checks its length and SHA-256. Whoever
//! carries the folder can withhold it, but cannot alter a byte (signatures and hashes), replay an
//! older publication to a laptop that saw a newer one (versions: a rollback), or keep replaying
//! the current one for ever (expiry: a freeze) without the laptop saying so.
//!
//! What this crate is not: it knows nothing of HTTP or of where the bytes come from (the laptop's
//! fetching is `fieldchart_sync::fetch`), nor of what a layer holds; it never persists what a
//! laptop has seen (the caller keeps the highest versions, after a check passed).

mod error;
mod metadata;
mod publish;
mod verify;

pub use error::{MetadataKind, RepoError};
pub use metadata::{
    FORMAT, FileRole, MAX_TARGETS_LEN, MAX_TIMESTAMP_LEN, MetaRef, Signature, TARGETS_DIR,
    TIMESTAMP_NAME, TargetFile, Targets, Timestamp, is_sha256_hex, targets_name,
};
pub use publish::{
    ChainFile, DEFAULT_TARGETS_EXPIRY, DEFAULT_TIMESTAMP_EXPIRY, PublishInput, Published, publish,
};
pub use verify::{sha256_hex, verify_targets, verify_timestamp};
