//! The hub's reports over a decrypted audit log (requirements AUD-16 `audit export` and AUD-18
//! `audit review`).
//!
//! Input is [`fieldchart_audit::Record`]s that the log crate has already verified and decrypted;
//! output is text for people and other systems:
//! - [`atna`]: DICOM PS3.15 A.5 audit messages as IHE ATNA uses them (XML);
//! - [`fhir`]: a FHIR R4 Bundle of AuditEvent resources (JSON);
//! - [`mod@review`]: what the privacy officer reads, as text or JSON.
//!
//! `message` decides once what each log event means in DICOM terms, and both exports render that
//! decision, so they cannot disagree.
//!
//! **Not here:** reading, verifying or decrypting the log (`fieldchart-audit`), sending it anywhere
//! (`fieldchart-audit-forward`), or deciding what was allowed (`fieldchart-policy`). Nothing here
//! writes a file or a log line: the CLI decides where reports go. Every function is total: any
//! record, however odd its text, gives well-formed XML, valid JSON and a review.

pub mod atna;
mod codes;
pub mod fhir;
mod message;
pub mod review;
mod text;

pub use atna::{AtnaOptions, to_xml, write_xml};
pub use fhir::{BundleType, FhirOptions, to_bundle};
pub use review::{Review, review};
