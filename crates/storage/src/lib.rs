//! The SS-MIX2 storage layout: roots, folders, file names, logical keys, condition flags and the
//! diagnostics about them.
//!
//! What goes in: the storage roots of a facility (standardized and/or extended storage, possibly
//! split over several volumes). What comes out: per patient, the files and content folders with
//! what their folders and names say ([`walk`]); and, given versions of records, which one is
//! current ([`resolve`]). Everything that cannot be listed or named becomes a [`Diagnostic`] with
//! its root, its root-relative path and a reason.
//!
//! What this crate knows nothing of: HL7 content and encodings (the `hl7` crate), clinical records
//! (the `reader` crate, which calls [`scan_facility`], [`walk_patient`] and [`resolve`]), SQLite,
//! search and UI. It never opens a data file: it reads directories only.
//!
//! Typical use:
//!
//! ```no_run
//! use fieldchart_storage::{FacilityId, StorageRoot, resolve, scan_facility};
//!
//! let roots = [StorageRoot::new(FacilityId::new("1311234567"), "/mnt/ssmix2/standard")];
//! let scan = scan_facility(&roots);
//! for id in scan.patients.keys() {
//!     let files = scan.walk_patient(id);
//!     // The reader decodes each file here and resolves its records instead.
//!     let resolution = resolve(files.standard);
//!     println!("{} current of {}", resolution.current.len(), resolution.item_count());
//! }
//! ```

pub mod diagnostic;
pub mod domain;
pub mod name;
pub mod resolve;
pub mod walk;

pub use diagnostic::{Diagnostic, DiagnosticCode, Severity, Subject, join_relative};
pub use domain::{
    CareDate, ConditionFlag, DataType, Department, EventTime, FacilityId, LogicalKey, OrderNo,
    PatientId, PatientKey,
};
pub use name::{
    CodedName, ContentFolderName, DocumentType, NameError, StandardFileName,
    parse_content_folder_name, parse_file_name,
};
pub use resolve::{Current, Resolution, Versioned, resolve};
pub use walk::{
    ContentFile, ContentFolder, FacilityScan, ListedFolder, PatientDir, PatientFiles, StandardFile,
    StorageKind, StorageRoot, modified_ns, scan_facility, stamp_ns, walk_patient,
};
