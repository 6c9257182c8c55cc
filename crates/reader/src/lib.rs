//! Read SS-MIX2 storage into clinical records plus diagnostics.
//!
//! What goes in: storage roots tagged with their facility. What comes out: for each patient
//! (`PatientKey { facility, id }`), the records read from their files after condition-flag
//! resolution ([`read::PatientRecords`]), and a diagnostic for every file that could not be read or
//! disagrees with something. [`report`] turns that into the hub's intake report.
//!
//! - [`model`]: the clinical model, content only.
//! - [`map`]: one parsed HL7 message → items ([`map::map_message`]).
//! - [`document`]: one extended-storage content folder → a document (CDA text, J-SPEED, PDF, images,
//!   ORU^R30 vitals).
//! - [`read`]: the pipeline: walk (via `fieldchart-storage`), read bytes, decode and parse (via
//!   `fieldchart-hl7`), map, cross-check with the folders, resolve.
//! - [`report`]: counts that add up (`files == records + file errors`, what could not be listed
//!   counted apart) and problems with paths.
//!
//! Architecture invariants: this crate knows nothing of SQLite, search, encryption or UI. Every item
//! travels inside a [`read::FileRecord`] that names its facility, root-relative path and encoding; a
//! current record only comes out of condition-flag resolution. No function returns `Err` for one bad
//! file, and diagnostics never quote patient data.

pub mod document;
pub mod map;
pub mod model;
pub mod read;
pub mod report;
