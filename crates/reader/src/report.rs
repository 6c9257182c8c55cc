//! The intake report a hub makes of storage (`fieldchart check`): counts that add up, and every
//! problem with its path and reason.
//!
//! Invariant: `files == records + file errors` (the errors whose subject is a file). Every regular
//! file seen became part of a record or is one error; nothing is counted twice and nothing is left
//! out. What could not be looked into is said apart: `unlisted` folders (unreadable, a name that is
//! not UTF-8, a path too long to open, a skipped root) and `not_files` (links, sockets, entries whose
//! type could not be read), each also an error with its path and reason. A file inside an unlisted
//! folder was not seen, so it is not counted as one.

use std::collections::BTreeMap;

use fieldchart_hl7::Encoding;
use fieldchart_storage::{
    Diagnostic, DiagnosticCode, EventTime, FacilityId, Severity, StorageKind, Subject,
};
use serde::Serialize;

use crate::read::{FileRecord, PatientRecords, Storage};

/// One problem, as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The full path of the file or folder.
    pub path: String,
    pub reason: String,
    pub code: DiagnosticCode,
    /// A file, a folder whose contents were not listed, or another entry.
    pub subject: Subject,
    pub facility: FacilityId,
}

impl From<&Diagnostic> for Problem {
    fn from(d: &Diagnostic) -> Self {
        Problem {
            path: d.full_path().display().to_string(),
            reason: d.reason.clone(),
            code: d.code,
            subject: d.subject,
            facility: d.facility.clone(),
        }
    }
}

/// One storage root as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootSummary {
    pub path: String,
    /// Recognised from the contents: standard, extended, mixed or empty.
    pub kind: StorageKind,
}

/// Per-facility counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacilitySummary {
    pub facility: FacilityId,
    pub roots: Vec<RootSummary>,
    pub patients: u64,
    pub files: u64,
    pub records: u64,
    pub current: u64,
    /// Record files after resolution that are not current, as in the report's totals.
    pub superseded: u64,
    pub deleted: u64,
    pub cancelled: u64,
    pub errors: u64,
    pub warnings: u64,
    /// The newest real 発生日時 of any record, as ISO 8601 local time: how fresh this facility's
    /// data is. A name whose time is impossible (minute 80) never counts; with no real time at all
    /// this is absent, never the bare digits.
    pub data_as_of: Option<String>,
}

impl FacilitySummary {
    fn empty(facility: FacilityId, roots: Vec<RootSummary>) -> Self {
        FacilitySummary {
            facility,
            roots,
            patients: 0,
            files: 0,
            records: 0,
            current: 0,
            superseded: 0,
            deleted: 0,
            cancelled: 0,
            errors: 0,
            warnings: 0,
            data_as_of: None,
        }
    }
}

/// What `fieldchart check --json` prints.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Every regular file seen, each exactly once: `records` plus the errors about a file.
    pub files: u64,
    /// Folders whose contents could not be listed (unreadable, a name that is not UTF-8, a path too
    /// long to open, a skipped root); each is an error naming it. What is inside was not counted.
    pub unlisted: u64,
    /// Entries that are neither a regular file nor a folder (links, sockets, pipes, entries whose
    /// type could not be read); each is an error naming it.
    pub not_files: u64,
    /// Files read into records.
    pub records: u64,
    /// Record files by condition flag after resolution.
    pub current: u64,
    pub superseded: u64,
    pub deleted: u64,
    /// Cancel events and the events they cancelled.
    pub cancelled: u64,
    /// Distinct patients (facility + ID).
    pub patients: u64,
    /// Data type → number of current records.
    pub by_type: BTreeMap<String, u64>,
    /// Encoding → number of HL7 files decoded from it.
    pub encodings: BTreeMap<String, u64>,
    /// Files that could not become records.
    pub errors: Vec<Problem>,
    /// Files that became records but disagree with something.
    pub warnings: Vec<Problem>,
    pub facilities: Vec<FacilitySummary>,
}

/// What one patient adds to their facility's row of the report, by the same rules as
/// [`Tally::patient`]: what a hub keeps of a patient it did not read again, so that a layer's
/// facility rows still count the whole facility ([`Tally::unchanged`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PatientTally {
    pub files: u64,
    pub current: u64,
    pub superseded: u64,
    pub deleted: u64,
    pub cancelled: u64,
    /// Errors about files (each also counts as a file) and about other entries.
    pub file_errors: u64,
    pub other_errors: u64,
    pub warnings: u64,
    /// The newest real 発生日時 of the patient's records (ISO 8601, as `data_as_of`).
    pub newest: Option<String>,
}

impl PatientTally {
    pub fn of(patient: &PatientRecords) -> PatientTally {
        let mut t = PatientTally::default();
        let mut newest: Option<&EventTime> = None;
        for record in patient.all_records() {
            t.files += record.file_count as u64;
            let time = &record.event_time;
            if time.is_real_time() && newest.is_none_or(|seen| time > seen) {
                newest = Some(time);
            }
        }
        t.newest = newest.and_then(EventTime::iso);
        let files =
            |records: &[FileRecord]| records.iter().map(|r| r.file_count as u64).sum::<u64>();
        t.current = patient.current.iter().map(|c| c.file_count as u64).sum();
        t.superseded = files(&patient.superseded);
        t.deleted = files(&patient.deleted);
        t.cancelled = files(&patient.cancelled);
        for d in &patient.diagnostics {
            match (d.severity, d.subject) {
                (Severity::Error, Subject::File) => t.file_errors += 1,
                (Severity::Error, _) => t.other_errors += 1,
                (Severity::Warning, _) => t.warnings += 1,
            }
        }
        t
    }
}

/// Builds a [`CheckReport`] patient by patient, keeping only counts and problems.
pub struct Tally {
    report: CheckReport,
    facility_index: BTreeMap<FacilityId, usize>,
    /// Newest real 発生日時 per facility.
    newest: BTreeMap<FacilityId, EventTime>,
    /// Newest data-as-of of patients counted by [`Tally::unchanged`], per facility.
    newest_unchanged: BTreeMap<FacilityId, String>,
}

impl Tally {
    /// Starts a report for scanned storage, with the layout diagnostics already counted.
    pub fn new(storage: &Storage) -> Tally {
        let mut tally = Tally {
            report: CheckReport::default(),
            facility_index: BTreeMap::new(),
            newest: BTreeMap::new(),
            newest_unchanged: BTreeMap::new(),
        };
        for scan in storage.facilities() {
            tally
                .facility_index
                .insert(scan.facility.clone(), tally.report.facilities.len());
            let roots = scan
                .roots
                .iter()
                .map(|root| RootSummary {
                    path: root.path.display().to_string(),
                    kind: root.detect_kind(),
                })
                .collect();
            tally
                .report
                .facilities
                .push(FacilitySummary::empty(scan.facility.clone(), roots));
        }
        for d in storage.layout_diagnostics() {
            tally.diagnostic(d);
        }
        tally
    }

    fn facility(&mut self, id: &FacilityId) -> &mut FacilitySummary {
        let index = *self.facility_index.entry(id.clone()).or_insert_with(|| {
            self.report
                .facilities
                .push(FacilitySummary::empty(id.clone(), Vec::new()));
            self.report.facilities.len() - 1
        });
        &mut self.report.facilities[index]
    }

    fn diagnostic(&mut self, d: &Diagnostic) {
        let facility = self.facility(&d.facility);
        match d.severity {
            Severity::Error => {
                facility.errors += 1;
                match d.subject {
                    Subject::File => {
                        facility.files += 1;
                        self.report.files += 1;
                    }
                    Subject::Folder => self.report.unlisted += 1,
                    Subject::Entry => self.report.not_files += 1,
                }
                self.report.errors.push(Problem::from(d));
            }
            Severity::Warning => {
                facility.warnings += 1;
                self.report.warnings.push(Problem::from(d));
            }
        }
    }

    fn record(&mut self, record: &FileRecord) {
        let files = record.file_count as u64;
        self.report.files += files;
        self.report.records += files;
        if let Some(encoding) = record.source.encoding {
            *self
                .report
                .encodings
                .entry(encoding_key(encoding).to_string())
                .or_default() += 1;
        }
        let facility_id = record.source.facility.clone();
        let facility = self.facility(&facility_id);
        facility.files += files;
        facility.records += files;
        // An impossible time was reported by the walk (invalid_time) and is no data age.
        let time = &record.event_time;
        if time.is_real_time() && self.newest.get(&facility_id).is_none_or(|seen| time > seen) {
            self.newest.insert(facility_id, time.clone());
        }
    }

    /// Counts one patient's records and diagnostics.
    pub fn patient(&mut self, patient: &PatientRecords) {
        self.report.patients += 1;
        self.facility(&patient.patient.facility).patients += 1;
        for record in patient.all_records() {
            self.record(record);
        }
        for current in &patient.current {
            let files = current.file_count as u64;
            self.report.current += files;
            self.facility(&current.source.facility).current += files;
            let data_type = current.key.data_type.as_str();
            match self.report.by_type.get_mut(data_type) {
                Some(n) => *n += 1,
                None => {
                    self.report.by_type.insert(data_type.to_string(), 1);
                }
            }
        }
        let files =
            |records: &[FileRecord]| records.iter().map(|r| r.file_count as u64).sum::<u64>();
        let (superseded, deleted, cancelled) = (
            files(&patient.superseded),
            files(&patient.deleted),
            files(&patient.cancelled),
        );
        self.report.superseded += superseded;
        self.report.deleted += deleted;
        self.report.cancelled += cancelled;
        let facility = self.facility(&patient.patient.facility);
        facility.superseded += superseded;
        facility.deleted += deleted;
        facility.cancelled += cancelled;
        for d in &patient.diagnostics {
            self.diagnostic(d);
        }
    }

    /// Counts a patient who was not read again (their files are unchanged since `tally` was
    /// taken) into their facility's row: the counts only, not the report's lists of problems.
    pub fn unchanged(&mut self, facility: &FacilityId, tally: &PatientTally) {
        let f = self.facility(facility);
        f.patients += 1;
        f.files += tally.files + tally.file_errors;
        f.records += tally.files;
        f.current += tally.current;
        f.superseded += tally.superseded;
        f.deleted += tally.deleted;
        f.cancelled += tally.cancelled;
        f.errors += tally.file_errors + tally.other_errors;
        f.warnings += tally.warnings;
        let r = &mut self.report;
        r.patients += 1;
        r.files += tally.files + tally.file_errors;
        r.records += tally.files;
        r.current += tally.current;
        r.superseded += tally.superseded;
        r.deleted += tally.deleted;
        r.cancelled += tally.cancelled;
        if let Some(newest) = &tally.newest {
            let seen = self.newest_unchanged.entry(facility.clone()).or_default();
            if newest > seen {
                seen.clone_from(newest);
            }
        }
    }

    pub fn finish(mut self) -> CheckReport {
        for (facility, time) in std::mem::take(&mut self.newest) {
            self.facility(&facility).data_as_of = time.iso();
        }
        for (facility, iso) in std::mem::take(&mut self.newest_unchanged) {
            let f = self.facility(&facility);
            if f.data_as_of.as_ref().is_none_or(|d| iso > *d) {
                f.data_as_of = Some(iso);
            }
        }
        self.report.errors.sort_by(|a, b| a.path.cmp(&b.path));
        self.report.warnings.sort_by(|a, b| a.path.cmp(&b.path));
        self.report
    }
}

fn encoding_key(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Iso2022Jp => "iso-2022-jp",
        Encoding::Utf8 => "utf-8",
        Encoding::ShiftJis => "shift_jis",
    }
}

/// Reads all storage and tallies it: the whole of `fieldchart check`.
pub fn check(storage: &Storage, mut progress: impl FnMut(u64)) -> CheckReport {
    let mut tally = Tally::new(storage);
    let mut done = 0;
    storage.read(|patient| {
        tally.patient(&patient);
        done += 1;
        progress(done);
    });
    tally.finish()
}
