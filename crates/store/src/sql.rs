//! The SQLite schema of the clinical store.
//!
//! One row per patient (`patient`); per patient and section one `chart` row holding that section's
//! items ([`crate::rows::StoredItem`], newest first) as zstd-compressed JSON; document bytes located
//! in the documents part (`blob`); per-facility facts (`facility`); the hub's consent list (`consent`: consented or refused; a
//! patient not listed takes the policy's default).
//!
//! Items are grouped per patient and section because that is how they are read (a record view reads a
//! patient's sections whole) and because JSON of one patient's items compresses about tenfold, which
//! keeps a million-patient snapshot on a USB stick. Only current records are stored: superseded,
//! deleted and cancelled files are counted in the manifest, never shown as care.
//!
//! A layer (see [`crate::manifest::ChainLink`]) has the same tables, holding only the patients who
//! are new or changed since the file before it, whole, and a `tombstone` row for each patient who
//! left the hub's storage; a base's `tombstone` table is empty. The `consent` table always holds
//! the hub's whole consent list as it was when the file was made, and `person_link` the hub's whole
//! cross-references (one row per linked identifier: the group it belongs to and how it came in,
//! crates/identity), so that an unlink takes effect in the next layer. A file made before links
//! existed has no `person_link` table; readers take that as no links. `person_suggest` holds a base's
//! probable matches (crates/identity `matching`: two patients at different facilities the index did
//! not link, whose identity agrees; each pair once, with its strength and the fields that agree and
//! differ, comma-separated); a layer's is empty (a layer holds few patients to match), and a file
//! made before suggestions has no table.

/// Statements that create the empty store. Indexes come after the bulk insert ([`INDEXES`]).
pub const SCHEMA: &str = "
CREATE TABLE facility (
    code        TEXT PRIMARY KEY,
    data_as_of  TEXT,
    patients    INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    json        TEXT NOT NULL
);
CREATE TABLE patient (
    pk           INTEGER PRIMARY KEY,
    facility     TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    name_kanji   TEXT,
    name_kana    TEXT,
    dob          TEXT,
    sex          TEXT NOT NULL,
    last_contact TEXT,
    json         TEXT NOT NULL
);
CREATE TABLE chart (
    patient     INTEGER NOT NULL,
    section     TEXT NOT NULL,
    count       INTEGER NOT NULL,
    newest      TEXT,
    items       BLOB NOT NULL
);
CREATE TABLE blob (
    pk          INTEGER PRIMARY KEY,
    part        TEXT NOT NULL,
    offset      INTEGER NOT NULL,
    len         INTEGER NOT NULL,
    media_type  TEXT NOT NULL
);
CREATE TABLE consent (
    facility    TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    state       TEXT NOT NULL,
    PRIMARY KEY (facility, patient_id)
) WITHOUT ROWID;
CREATE TABLE person_link (
    grp         TEXT NOT NULL,
    facility    TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    via         TEXT NOT NULL,
    PRIMARY KEY (facility, patient_id)
) WITHOUT ROWID;
CREATE TABLE tombstone (
    facility    TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    PRIMARY KEY (facility, patient_id)
) WITHOUT ROWID;
CREATE TABLE person_suggest (
    facility_a  TEXT NOT NULL,
    id_a        TEXT NOT NULL,
    facility_b  TEXT NOT NULL,
    id_b        TEXT NOT NULL,
    strength    TEXT NOT NULL,
    agree       TEXT NOT NULL,
    differ      TEXT NOT NULL,
    PRIMARY KEY (facility_a, id_a, facility_b, id_b)
) WITHOUT ROWID;
";

/// Indexes, created once the rows are in (faster than maintaining them during the bulk load).
pub const INDEXES: &str = "
CREATE UNIQUE INDEX patient_by_id ON patient (facility, patient_id);
CREATE UNIQUE INDEX chart_by_patient ON chart (patient, section);
CREATE INDEX person_link_by_group ON person_link (grp);
CREATE INDEX person_suggest_by_b ON person_suggest (facility_b, id_b);
";
