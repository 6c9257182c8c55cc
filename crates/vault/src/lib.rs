//! The snapshot container: named byte parts plus an opaque application manifest, encrypted with
//! age to device keys (and optionally an emergency passphrase), signed with the hub's ed25519 key,
//! and read back with verified random access that never writes plaintext anywhere.
//!
//! What this crate knows nothing of: SS-MIX2, clinical records, SQLite, tantivy. The snapshot
//! builder hands it parts ([`SnapshotWriter`]); the viewing session reads them through
//! [`Part::read_at`] (for a SQLite VFS or a tantivy `Directory`). It never logs.
//!
//! # File layout (format version 2)
//!
//! ```text
//! [envelope: 8192 bytes, plaintext, no patient data]
//!   b"FIELDCHART-SNAPSHOT\n", u32-LE length, JSON, zero padding to 8192:
//!   {"format_version":2, "snapshot_id", "created", "not_before", "not_after" (RFC 3339 UTC),
//!    "drill", "file_len", "age_header_len", "age_header_sha256", "manifest_sha256",
//!    "emergency": null | {"age_scrypt_blob": base64}, "signer": "fcsig1…",
//!    "label": what the app lists before unlocking (facilities, data-as-of; no patient data),
//!    "signature": base64 ed25519 over the JSON of all fields above (canonical: this order,
//!                 compact), "envelope_sha256": hex over the JSON up to and including signature}
//! [age file: header + 16-byte nonce (age_header_len bytes), then the STREAM payload]
//!   plaintext of the payload:
//!     parts, each starting at a multiple of BLOCK (65536, age's STREAM chunk size),
//!       zero padding between them and after the last one
//!     block-hash table: SHA-256 of every 64 KiB block before it
//!     manifest JSON (see Manifest; also holds the parts list and one hash per table page)
//!     trailer: u64-LE manifest offset, u64-LE manifest length, ed25519 signature of the manifest
//! ```
//!
//! Every byte of the file is covered by exactly one check. The envelope by its own hash, then its
//! signature; the age header by `age_header_sha256`; the manifest by `manifest_sha256` and its
//! signature; each page of the block-hash table by the manifest's page hashes; each data block by
//! its block hash; appended or missing bytes by `file_len`. The block hashes matter because a
//! holder of one device key knows the file key and could forge age chunks that authenticate.
//!
//! The fixed part of the layout (marker, u32 length, JSON that starts with `format_version` and
//! ends with `signature` and `envelope_sha256`) stays the same in every future version, so that
//! an old reader can say "unsupported version" rather than "damaged".
//!
//! Opening is O(1) in the snapshot's size: envelope, age header, trailer and manifest (reached by
//! seeking to the end of the seekable age stream). Each block read later is checked against its
//! hash, whose table page is loaded and checked on first use.
//!
//! # Passphrase
//!
//! age forbids an scrypt recipient beside others in one header. So a build with a passphrase makes
//! a fresh "emergency" X25519 identity, encrypts the snapshot to it too, and keeps that identity
//! in the envelope sealed with age scrypt under the passphrase. Unlocking with the passphrase
//! opens the seal, then the snapshot with the emergency identity.
//!
//! # Example
//!
//! ```no_run
//! # fn main() -> Result<(), fieldchart_vault::VaultError> {
//! use fieldchart_vault::*;
//! use std::path::Path;
//!
//! let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
//! let recipient = generate_device_identity(Path::new("laptop.key"))?;
//! let public = generate_signing_key(Path::new("hub.sign"))?;
//! let mut writer = SnapshotWriter::create(Path::new("region.fcsnap"), WriteOptions {
//!     recipients: vec![parse_recipient(&recipient)?],
//!     passphrase: None,
//!     scrypt_log_n: None,
//!     signing_key: load_signing_key(Path::new("hub.sign"))?,
//!     created: now,
//!     not_after: now + chrono::TimeDelta::days(14),
//!     drill: false,
//! })?;
//! writer.add_part_bytes("store.sqlite", b"...")?;
//! writer.finish(serde_json::json!({ "facilities": 3 }))?;
//!
//! let unlock = Unlock::Identity(load_identity(Path::new("laptop.key"))?);
//! let opts = OpenOptions::new(vec![TrustedKey::parse(&public)?], unlock, now);
//! let snapshot = open(Path::new("region.fcsnap"), &opts)?;
//! let mut page = [0u8; 4096];
//! if let Some(part) = snapshot.part("store.sqlite") {
//!     part.read_at(0, &mut page[..3])?;
//! }
//! # Ok(()) }
//! ```

mod cache;
mod error;
mod format;
pub mod input;
mod keys;
pub mod laptop;
pub mod pin;
mod read;
mod write;

pub use error::VaultError;
pub use format::{Manifest, PartEntry, PartInfo};
pub use keys::{
    PUBLIC_KEY_PREFIX, SIGNING_KEY_HEADER, SigningKey, TrustedKey, Unlock,
    generate_device_identity, generate_signing_key, load_identity, load_identity_with_pin,
    load_signing_key, parse_recipient, read_passphrase_file,
};
pub use read::{
    CLOCK_SKEW_MINUTES, DEFAULT_CACHE_BYTES, OpenOptions, Outline, Part, Snapshot, check_outline,
    check_outline_even_if_expired, open,
};
pub use write::{SnapshotWriter, WriteOptions, Written};

/// The file format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;

/// Size of a plaintext block: age's STREAM chunk size, so one block is one authenticated chunk.
pub const BLOCK: usize = 65536;

/// Bytes from the operating system's random number generator.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| VaultError::Io {
        path: "the system random number generator".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes)
}
