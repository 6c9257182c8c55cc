//! Diagnostics: what could not be read, or was read but disagrees with something, with the file it
//! concerns and a sentence saying why.
//!
//! The storage layer makes the layout and condition-flag diagnostics; the reader makes the decode,
//! HL7 and mapping ones with the same type, so [`DiagnosticCode`] already names their cases.
//! Diagnostics carry paths (which contain patient IDs) and never message content: they are shown to
//! the operator, not logged.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::FacilityId;

/// `Error`: the file (or folder) could not become a record. `Warning`: it did, but disagrees with
/// something (its folder, another file, the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// What kind of problem a diagnostic reports, for counting and filtering; the reason sentence
/// carries the detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticCode {
    // Layout (this crate, `walk`).
    /// The root folder itself could not be listed.
    RootUnreadable,
    /// A root was given twice or belongs to another facility, so it was not scanned again.
    RootSkipped,
    /// A folder could not be listed, a folder entry could not be read, or a file could not be read.
    Unreadable,
    /// A symbolic link; links are never followed so no walk leaves its root or loops.
    SymlinkNotFollowed,
    /// A file or folder name that is not valid UTF-8.
    NonUtf8Name,
    /// A device, socket or pipe where files and folders are expected.
    NotRegularFile,
    /// A regular file above the file level (in a hash, patient or care-date folder).
    WrongDepth,
    /// A file name (or content-folder name) that cannot be parsed at all.
    BadName,
    /// The file name disagrees with its folders (patient ID, care date or data type); the folders
    /// win.
    NameMismatch,
    /// The hash folders are not the patient ID's characters 1–3 and 4–6.
    HashFolderMismatch,
    /// A care-date folder that is neither `-` nor a valid YYYYMMDD.
    BadCareDateFolder,
    /// A time that is not a real time (a file or content-folder name's 発生日時, an HL7 timestamp, a
    /// document's date): the item is kept, but that time is never used as a date or a data age.
    InvalidTime,
    /// An extended-storage content folder holding no file.
    EmptyContentFolder,
    // Condition flags (this crate, `resolve`).
    /// Several files are current (flag 1) for one logical key.
    SeveralCurrentFiles,
    /// The same file name is present in more than one root of the facility.
    DuplicateFile,
    /// An ADT cancel event with nothing earlier in its key to cancel.
    CancelWithoutTarget,
    // Content (the reader).
    /// The bytes are not decodable in any supported encoding (ISO-2022-JP, UTF-8, CP932).
    Undecodable,
    /// The text is not an HL7 v2 message (no MSH segment).
    NotHl7,
    /// The file is not ISO-2022-JP (UTF-8, Shift_JIS, a byte-order mark): read, but not as the
    /// guideline requires.
    NonStandardEncoding,
    /// The HL7 message is malformed.
    Hl7Syntax,
    /// PID-3 differs from the patient folder.
    PatientIdMismatch,
    /// MSH-9 does not fit the data-type folder (e.g. `RAS^O17` under `ADT-22`).
    MessageTypeMismatch,
    /// An extended-storage document file is not what it claims to be (broken XML, truncated PDF).
    BadDocument,
    /// The data type is not one the reader knows.
    UnknownDataType,
    /// The care-date field of the message differs from the care-date folder (guide §1.3).
    CareDateMismatch,
    /// The message was read but a part of it could not be mapped to a record.
    Unmapped,
    Other,
}

impl DiagnosticCode {
    /// The snake_case name used in serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RootUnreadable => "root_unreadable",
            Self::RootSkipped => "root_skipped",
            Self::Unreadable => "unreadable",
            Self::SymlinkNotFollowed => "symlink_not_followed",
            Self::NonUtf8Name => "non_utf8_name",
            Self::NotRegularFile => "not_regular_file",
            Self::WrongDepth => "wrong_depth",
            Self::BadName => "bad_name",
            Self::NameMismatch => "name_mismatch",
            Self::HashFolderMismatch => "hash_folder_mismatch",
            Self::BadCareDateFolder => "bad_care_date_folder",
            Self::InvalidTime => "invalid_time",
            Self::EmptyContentFolder => "empty_content_folder",
            Self::SeveralCurrentFiles => "several_current_files",
            Self::DuplicateFile => "duplicate_file",
            Self::CancelWithoutTarget => "cancel_without_target",
            Self::Undecodable => "undecodable",
            Self::NotHl7 => "not_hl7",
            Self::NonStandardEncoding => "non_standard_encoding",
            Self::Hl7Syntax => "hl7_syntax",
            Self::PatientIdMismatch => "patient_id_mismatch",
            Self::MessageTypeMismatch => "message_type_mismatch",
            Self::BadDocument => "bad_document",
            Self::UnknownDataType => "unknown_data_type",
            Self::CareDateMismatch => "care_date_mismatch",
            Self::Unmapped => "unmapped",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a diagnostic is about, so that counts add up: a report counts the regular files it saw, and
/// says apart what it could not look into.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A regular file (or a record read from one): it was seen, and counts as one file.
    #[default]
    File,
    /// A folder whose contents were not listed (unreadable, a name that is not UTF-8, a path too long
    /// for the system, a root that was skipped): what is inside was not seen and is not counted.
    Folder,
    /// An entry that is neither a regular file nor a folder (a link, a socket, an entry whose type
    /// could not be read): seen, but not a file.
    Entry,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::File => "file",
            Subject::Folder => "folder",
            Subject::Entry => "entry",
        }
    }
}

/// One problem with one file or folder of a storage root.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: DiagnosticCode,
    /// Whether the path is a file, a folder that was not listed, or another entry.
    #[serde(default)]
    pub subject: Subject,
    pub facility: FacilityId,
    /// The storage root the path is relative to.
    pub root: PathBuf,
    /// Root-relative, `/`-separated; empty for the root itself.
    pub path: String,
    /// What is wrong and, where useful, what to do.
    pub reason: String,
}

impl Diagnostic {
    pub fn new(
        severity: Severity,
        code: DiagnosticCode,
        facility: &FacilityId,
        root: impl Into<PathBuf>,
        path: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            code,
            subject: Subject::File,
            facility: facility.clone(),
            root: root.into(),
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// The file or folder could not become a record.
    pub fn error(
        code: DiagnosticCode,
        facility: &FacilityId,
        root: impl Into<PathBuf>,
        path: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, code, facility, root, path, reason)
    }

    /// The file or folder became a record but disagrees with something.
    pub fn warning(
        code: DiagnosticCode,
        facility: &FacilityId,
        root: impl Into<PathBuf>,
        path: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, code, facility, root, path, reason)
    }

    /// The same diagnostic about a folder or another entry rather than a file.
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = subject;
        self
    }

    /// The absolute path of the file or folder concerned.
    pub fn full_path(&self) -> PathBuf {
        join_relative(&self.root, &self.path)
    }
}

/// Joins a root and a `/`-separated root-relative path.
pub fn join_relative(root: &Path, relative: &str) -> PathBuf {
    if relative.is_empty() {
        root.to_path_buf()
    } else {
        root.join(relative)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{severity}[{}] facility {}: {}: {}",
            self.code,
            self.facility,
            self.full_path().display(),
            self.reason
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_in_snake_case_matching_as_str() {
        for code in [
            DiagnosticCode::NonUtf8Name,
            DiagnosticCode::SeveralCurrentFiles,
            DiagnosticCode::Hl7Syntax,
            DiagnosticCode::PatientIdMismatch,
            DiagnosticCode::Other,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
        assert_eq!(
            serde_json::to_string(&DiagnosticCode::NonUtf8Name).unwrap(),
            "\"non_utf8_name\""
        );
    }

    #[test]
    fn diagnostic_display_names_severity_code_file_and_reason() {
        let diagnostic = Diagnostic::error(
            DiagnosticCode::Undecodable,
            &FacilityId::new("1311234567"),
            "/data/root1",
            "999/901/9999013/-/ADT-00/x",
            "the bytes are not ISO-2022-JP",
        );
        assert_eq!(
            diagnostic.to_string(),
            "error[undecodable] facility 1311234567: /data/root1/999/901/9999013/-/ADT-00/x: the \
             bytes are not ISO-2022-JP"
        );
        assert_eq!(
            diagnostic.full_path(),
            Path::new("/data/root1/999/901/9999013/-/ADT-00/x")
        );
    }

    #[test]
    fn a_diagnostic_about_the_root_itself_has_an_empty_path() {
        let diagnostic = Diagnostic::warning(
            DiagnosticCode::RootSkipped,
            &FacilityId::unnamed(),
            "/data/root1",
            "",
            "listed twice",
        );
        assert_eq!(diagnostic.full_path(), Path::new("/data/root1"));
        assert_eq!(diagnostic.severity, Severity::Warning);
    }
}
