//! The reading pipeline: storage roots → per patient, resolved file records plus diagnostics.
//!
//! Per file: read the bytes, decode, parse, map, cross-check with the folders. Per patient: resolve
//! condition flags and cancels over all the patient's files from all roots of the facility. Patients
//! are read in parallel in batches and handed out in order, so memory stays bounded by a batch and the
//! output is deterministic.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use fieldchart_hl7::{DecodeIssue, Encoding, Message, decode};
use fieldchart_storage::{
    CareDate, ConditionFlag, ContentFolder, Current, DataType, Diagnostic, DiagnosticCode,
    EventTime, FacilityId, FacilityScan, LogicalKey, PatientId, PatientKey, Severity, StandardFile,
    StorageRoot, Versioned, join_relative, resolve, scan_facility,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::document::{DocumentInput, SNIFF_BYTES, map_document, needs_whole_file};
use crate::map::{MapIssueCode, MapSeverity, MappedMessage, map_message};
use crate::model::Item;

/// Where a record came from: enough to find the file again and to tell a clinician its origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub facility: FacilityId,
    /// The storage root the path is relative to.
    pub root: PathBuf,
    /// Root-relative, `/`-separated: the file, or the content folder of an extended document.
    pub path: String,
    /// The encoding the HL7 text was decoded from; None for documents without an HL7 part.
    pub encoding: Option<Encoding>,
}

impl Source {
    pub fn full_path(&self) -> PathBuf {
        join_relative(&self.root, &self.path)
    }
}

/// Everything read from one file (standardized storage) or one content folder (extended storage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    pub source: Source,
    /// Patient, care date and data type from the folders; order number from the name.
    pub key: LogicalKey,
    pub flag: ConditionFlag,
    /// 発生日時 from the name.
    pub event_time: EventTime,
    /// MSH-9 as written (`ADT^A08^ADT_A01`); None for documents.
    pub message_type: Option<String>,
    /// An ADT cancel event (guide §2): it cancels, it is not an event.
    pub is_cancel: bool,
    /// PID-3 when it differs from the patient folder. The record stays with the folder's patient,
    /// and this is shown beside it, never silently dropped.
    pub patient_id_in_message: Option<String>,
    /// How many regular files this record was read from (1, or the files of a content folder).
    pub file_count: usize,
    pub items: Vec<Item>,
}

impl Versioned for FileRecord {
    fn key(&self) -> &LogicalKey {
        &self.key
    }
    fn flag(&self) -> ConditionFlag {
        self.flag
    }
    fn event_time(&self) -> &EventTime {
        &self.event_time
    }
    fn is_cancel(&self) -> bool {
        self.is_cancel
    }
    fn location(&self) -> (&Path, &str) {
        (&self.source.root, &self.source.path)
    }
}

/// One patient's records after condition-flag resolution, and every diagnostic about their files.
#[derive(Debug, Clone, Serialize)]
pub struct PatientRecords {
    pub patient: PatientKey,
    pub current: Vec<Current<FileRecord>>,
    pub superseded: Vec<FileRecord>,
    pub deleted: Vec<FileRecord>,
    pub cancelled: Vec<FileRecord>,
    /// Errors (files that did not become records) and warnings (records that disagree with
    /// something), sorted by path.
    pub diagnostics: Vec<Diagnostic>,
}

impl PatientRecords {
    /// All records, whatever their fate.
    pub fn all_records(&self) -> impl Iterator<Item = &FileRecord> {
        self.current
            .iter()
            .map(|c| c.get())
            .chain(&self.superseded)
            .chain(&self.deleted)
            .chain(&self.cancelled)
    }
}

/// The storage roots of all facilities, scanned down to the patient folders.
pub struct Storage {
    facilities: Vec<FacilityScan>,
}

/// How many patients are read in parallel before they are handed out in order.
const BATCH: usize = 256;

impl Storage {
    /// Groups the roots by facility and lists each facility's patient folders (not yet their files).
    pub fn scan(roots: impl IntoIterator<Item = StorageRoot>) -> Storage {
        let groups = StorageRoot::group_by_facility(roots);
        let facilities = groups
            .into_values()
            .collect::<Vec<_>>()
            .par_iter()
            .map(|roots| scan_facility(roots))
            .collect();
        Storage { facilities }
    }

    pub fn facilities(&self) -> &[FacilityScan] {
        &self.facilities
    }

    /// Patients across all facilities; the same ID at two facilities counts twice.
    pub fn patient_count(&self) -> usize {
        self.facilities.iter().map(|f| f.patients.len()).sum()
    }

    /// Diagnostics above the patient level (unreadable roots, stray files in hash folders).
    pub fn layout_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.facilities.iter().flat_map(|f| &f.diagnostics)
    }

    /// Reads every patient, facility by facility and in ID order, calling `on_patient` for each.
    pub fn read(&self, on_patient: impl FnMut(PatientRecords)) {
        self.read_where(|_, _| true, on_patient);
    }

    /// Reads the patients `wanted` says yes to (given the facility and the patient ID), as
    /// [`Storage::read`] reads all of them: in parallel batches, handed out in order.
    pub fn read_where(
        &self,
        wanted: impl Fn(&FacilityId, &PatientId) -> bool,
        mut on_patient: impl FnMut(PatientRecords),
    ) {
        self.read_batches_where(
            wanted,
            |patient| patient,
            |batch| {
                batch.into_iter().for_each(&mut on_patient);
                ControlFlow::Continue(())
            },
        );
    }

    /// Reads the patients `wanted` says yes to as [`Storage::read_where`] does, but also turns
    /// each one into a `T` with `prepare` inside the parallel batch, and hands out whole batches,
    /// in order. A caller that passes each batch to another thread can have the next one read
    /// while it works on the last; `on_batch` returns `Break` to stop reading.
    pub fn read_batches_where<T: Send>(
        &self,
        wanted: impl Fn(&FacilityId, &PatientId) -> bool,
        prepare: impl Fn(PatientRecords) -> T + Sync,
        mut on_batch: impl FnMut(Vec<T>) -> ControlFlow<()>,
    ) {
        for facility in &self.facilities {
            let ids: Vec<&PatientId> = facility
                .patients
                .keys()
                .filter(|id| wanted(&facility.facility, id))
                .collect();
            for batch in ids.chunks(BATCH) {
                let read: Vec<T> = batch
                    .par_iter()
                    .map(|id| prepare(read_patient(facility, id)))
                    .collect();
                if on_batch(read).is_break() {
                    return;
                }
            }
        }
    }
}

/// Reads one patient's files from all roots of the facility and resolves them.
pub fn read_patient(facility: &FacilityScan, id: &PatientId) -> PatientRecords {
    let files = facility.walk_patient(id);
    let mut diagnostics = files.diagnostics;
    let mut records = Vec::with_capacity(files.standard.len() + files.extended.len());
    for file in files.standard {
        match read_standard_file(file) {
            Ok((record, warnings)) => {
                records.push(record);
                diagnostics.extend(warnings);
            }
            Err(errors) => diagnostics.extend(errors),
        }
    }
    for folder in files.extended {
        let (record, found) = read_content_folder(folder);
        records.extend(record);
        diagnostics.extend(found);
    }
    let resolution = resolve(records);
    diagnostics.extend(resolution.diagnostics);
    diagnostics.sort_by(|a, b| (&a.root, &a.path).cmp(&(&b.root, &b.path)));
    PatientRecords {
        patient: files.patient,
        current: resolution.current,
        superseded: resolution.superseded,
        deleted: resolution.deleted,
        cancelled: resolution.cancelled,
        diagnostics,
    }
}

/// Reads one standardized-storage file. `Err` holds the diagnostics of a file that could not become
/// a record (its first entry is the error); `Ok` holds the record and its warnings.
pub fn read_standard_file(
    file: StandardFile,
) -> Result<(FileRecord, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut found = file.warnings;
    let facility = file.key.patient.facility.clone();
    let diag = |severity, code, reason: String| {
        Diagnostic::new(
            severity,
            code,
            &facility,
            &file.root,
            &file.rel_path,
            reason,
        )
    };
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            found.insert(
                0,
                diag(
                    Severity::Error,
                    DiagnosticCode::Unreadable,
                    format!("the file could not be read: {e}"),
                ),
            );
            return Err(found);
        }
    };
    let ReadMessage {
        encoding,
        message,
        mut issues,
    } = read_message_bytes(&bytes, &file.key.data_type);
    let Some((message, mapped)) = message else {
        // The first issue is the error; fold the rest into its reason so the one error says it all.
        let mut issues = issues.into_iter();
        let (_, code, mut reason) = issues.next().unwrap_or((
            Severity::Error,
            DiagnosticCode::NotHl7,
            "not an HL7 v2 message".to_string(),
        ));
        for (_, _, more) in issues {
            reason.push_str("; ");
            reason.push_str(&more);
        }
        found.insert(0, diag(Severity::Error, code, reason));
        return Err(found);
    };
    let folder_id = file.key.patient.id.as_str();
    let patient_id_in_message = mapped
        .patient_id
        .as_deref()
        .filter(|pid| *pid != folder_id)
        .map(str::to_string);
    if let Some(pid) = &patient_id_in_message {
        // An ID is quoted as a path would show it; anything else in PID-3 may be spilled content.
        let said = if crate::map::is_code_like(pid) {
            format!("PID-3 is {pid}")
        } else {
            "PID-3 is not an ID".to_string()
        };
        issues.push((
            Severity::Warning,
            DiagnosticCode::PatientIdMismatch,
            format!(
                "{said} but the patient folder is {folder_id}; the record is kept under the \
                 folder's patient and flagged: check with the producing system"
            ),
        ));
    }
    if let (CareDate::Date(folder_date), Some(date)) = (
        &file.key.care_date,
        mapped.care_date.as_ref().and_then(|t| t.date()),
    ) {
        let in_message = date.format("%Y%m%d").to_string();
        if &in_message != folder_date {
            issues.push((
                Severity::Warning,
                DiagnosticCode::CareDateMismatch,
                format!(
                    "the care date in the message ({in_message}, its care-date field of guide \
                     §1.3) differs from the care-date folder ({folder_date})"
                ),
            ));
        }
    }
    found.extend(
        issues
            .into_iter()
            .map(|(severity, code, reason)| diag(severity, code, reason)),
    );
    let record = FileRecord {
        source: Source {
            facility: facility.clone(),
            root: file.root.clone(),
            path: file.rel_path.clone(),
            encoding: Some(encoding),
        },
        key: file.key,
        flag: file.name.flag,
        event_time: file.name.event_time,
        message_type: Some(message.message_type().to_string()),
        is_cancel: mapped.is_cancel,
        patient_id_in_message,
        file_count: 1,
        items: mapped.items,
    };
    Ok((record, found))
}

/// The outcome of decoding, parsing and mapping one HL7 file.
pub struct ReadMessage {
    pub encoding: Encoding,
    /// None when the bytes could not become a record (the first issue is the error that says why).
    pub message: Option<(Message, MappedMessage)>,
    pub issues: Vec<(Severity, DiagnosticCode, String)>,
}

/// Decodes, parses and maps one HL7 file. Shared by the pipeline and `fieldchart inspect`.
pub fn read_message_bytes(bytes: &[u8], data_type: &DataType) -> ReadMessage {
    let decoded = decode(bytes);
    let encoding = decoded.text.encoding();
    let malformed = decoded.is_malformed();
    let decode_notes: Vec<(Severity, DiagnosticCode, String)> = decoded
        .issues
        .iter()
        .map(|issue| {
            let code = match issue {
                DecodeIssue::NotIso2022Jp { .. } | DecodeIssue::ByteOrderMark => {
                    DiagnosticCode::NonStandardEncoding
                }
                DecodeIssue::Malformed { .. } | DecodeIssue::Empty => DiagnosticCode::Undecodable,
            };
            (Severity::Warning, code, issue.to_string())
        })
        .collect();
    let (message, parse_issues) = Message::parse(decoded.text);
    if message.segment_count() == 0 {
        let code = if malformed {
            DiagnosticCode::Undecodable
        } else {
            DiagnosticCode::NotHl7
        };
        let mut reason = parse_issues
            .first()
            .map_or_else(|| "no HL7 segments".to_string(), ToString::to_string);
        for (_, _, note) in &decode_notes {
            reason.push_str("; ");
            reason.push_str(note);
        }
        return ReadMessage {
            encoding,
            message: None,
            issues: vec![(Severity::Error, code, reason)],
        };
    }
    let mut issues = decode_notes;
    issues.extend(parse_issues.iter().map(|issue| {
        (
            Severity::Warning,
            DiagnosticCode::Hl7Syntax,
            issue.to_string(),
        )
    }));
    let mapped = map_message(data_type.as_str(), &message);
    let mut fatal = None;
    for issue in &mapped.issues {
        let code = diagnostic_code(issue.code);
        match issue.severity {
            MapSeverity::Error => {
                fatal.get_or_insert((Severity::Error, code, issue.message.clone()));
            }
            MapSeverity::Warning => issues.push((Severity::Warning, code, issue.message.clone())),
        }
    }
    if let Some(error) = fatal {
        issues.insert(0, error);
        return ReadMessage {
            encoding,
            message: None,
            issues,
        };
    }
    ReadMessage {
        encoding,
        message: Some((message, mapped)),
        issues,
    }
}

/// Reads one extended-storage content folder into a document record. A folder whose files can't be
/// read at all yields no record; its diagnostics say why.
pub fn read_content_folder(folder: ContentFolder) -> (Option<FileRecord>, Vec<Diagnostic>) {
    let facility = folder.key.patient.facility.clone();
    let mut found = folder.warnings;
    let mut contents = Vec::with_capacity(folder.files.len());
    for file in &folder.files {
        match read_document_file(&file.path, &file.inner_path) {
            Ok(read) => contents.push((file, read)),
            Err(e) => found.push(Diagnostic::error(
                DiagnosticCode::Unreadable,
                &facility,
                &folder.root,
                &file.rel_path,
                format!("the file could not be read: {e}"),
            )),
        }
    }
    if contents.is_empty() {
        return (None, found);
    }
    let inputs: Vec<DocumentInput<'_>> = contents
        .iter()
        .map(|(file, (bytes, size))| DocumentInput {
            name: &file.inner_path,
            path: &file.rel_path,
            bytes,
            size: *size,
        })
        .collect();
    let mapped = map_document(folder.key.data_type.as_str(), &inputs);
    // The document is listed whatever its files hold, so its mapping problems are warnings.
    for issue in mapped.issues {
        found.push(Diagnostic::new(
            Severity::Warning,
            diagnostic_code(issue.code),
            &facility,
            &folder.root,
            &folder.rel_path,
            issue.message,
        ));
    }
    let record = FileRecord {
        source: Source {
            facility: facility.clone(),
            root: folder.root.clone(),
            path: folder.rel_path.clone(),
            encoding: mapped.encoding,
        },
        key: folder.key,
        flag: folder.name.flag,
        event_time: folder.name.event_time,
        message_type: None,
        is_cancel: false,
        patient_id_in_message: None,
        file_count: contents.len(),
        items: mapped.items,
    };
    (Some(record), found)
}

/// Reads a content-folder file for mapping: whole for XML and HL7, only its first bytes for binary
/// files (PDF, images), which mapping lists by kind and size. Returns the bytes read and the file size.
pub fn read_document_file(path: &Path, name: &str) -> std::io::Result<(Vec<u8>, u64)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(SNIFF_BYTES));
    (&mut file)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut bytes)?;
    if needs_whole_file(name, &bytes) {
        file.read_to_end(&mut bytes)?;
    }
    Ok((bytes, size))
}

/// How a mapping issue is counted among storage diagnostics.
fn diagnostic_code(code: MapIssueCode) -> DiagnosticCode {
    match code {
        MapIssueCode::UnknownDataType => DiagnosticCode::UnknownDataType,
        MapIssueCode::NonStandardEncoding => DiagnosticCode::NonStandardEncoding,
        MapIssueCode::NotHl7 => DiagnosticCode::NotHl7,
        MapIssueCode::Hl7Syntax => DiagnosticCode::Hl7Syntax,
        MapIssueCode::MessageTypeMismatch => DiagnosticCode::MessageTypeMismatch,
        MapIssueCode::BadDocument => DiagnosticCode::BadDocument,
        MapIssueCode::InvalidTime => DiagnosticCode::InvalidTime,
        MapIssueCode::MissingSegment | MapIssueCode::BadValue | MapIssueCode::Unmapped => {
            DiagnosticCode::Unmapped
        }
    }
}
