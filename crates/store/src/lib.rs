//! What a FieldChart snapshot holds, shared by the builder (which writes it) and the laptop (which
//! reads it): the names of the vault parts, the SQLite schema, the search index schema, the stored
//! rows, the clinical code tables, and the typed readers ([`read`]) that hold every statement the
//! laptop runs against them.
//!
//! This crate is vocabulary, not a step of the pipeline: it knows nothing of SS-MIX2 files (the
//! reader), of encryption (the vault), of sessions or of who is looking. Both sides of the snapshot
//! depend on it so that they cannot disagree about the format.

pub mod chain;
pub mod codes;
pub mod index;
pub mod manifest;
pub mod read;
pub mod rows;
pub mod sql;
pub mod standing;

/// Version of the content inside the vault (tables, index fields, row JSON). The vault has its own
/// container version; a content change bumps this one. 3: a problem row no longer stores whether it
/// is active (the query decides it from PRB-1, PRB-9 and PRB-14, `standing`), and says when PRB-1
/// deleted it. 4: rows carry next of kin (NK1), each injection component's amount (RXC-3/-4), the
/// dispensed amount (RXE-10/-11), the device (RXR-3) and a result's sub-ID (OBX-4); a version-3
/// snapshot would show those as never written. 5: a snapshot can be a chain (a base and its
/// layers): the manifest's `chain` link, the `tombstone` table and the index's `key` field. 6: the
/// index's `key` field is gone again (a layer hides older copies by their `pk`, found through the
/// patient table), so the index's fields are numbered as before version 5.
pub const CONTENT_VERSION: u32 = 6;

/// Names of the vault parts.
pub mod parts {
    /// The clinical store (SQLite database image).
    pub const CLINICAL: &str = "clinical.sqlite";
    /// Prefix of the tantivy index files (`index/meta.json`, `index/<segment>.idx` …).
    pub const INDEX_PREFIX: &str = "index/";
    /// Extended-storage document files, concatenated; `blob` rows give offset and length.
    pub const DOCUMENTS: &str = "documents.bin";
    /// JPEG thumbnails of document images, concatenated; `blob` rows give offset and length.
    pub const THUMBNAILS: &str = "thumbnails.bin";
    /// The access policy the hub signed in (`fieldchart_policy::Policy` as JSON, event window filled).
    pub const POLICY: &str = "policy.json";
}
