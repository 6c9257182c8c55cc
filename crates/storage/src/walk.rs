//! Storage roots and walking them: which patient folders a facility's roots hold, and which files
//! and content folders each patient has, with a diagnostic for everything else.
//!
//! Layout (guide §1.1, §6): `<root>/<id[0..3]>/<id[3..6]>/<患者ID>/<診療日|->/<データ種別>/` then a
//! file (standardized storage) or a content folder of files (extended storage). A facility may
//! have several roots and one patient's data may be split across them (guide §1.1), so
//! [`scan_facility`] groups patient folders by ID across roots, and [`walk_patient`] lists one
//! patient's files on demand: nothing holds the list of all files of a facility at once.
//!
//! Architecture invariants:
//! - Symbolic links are never followed (each is a diagnostic), so a walk never leaves its root and
//!   never loops.
//! - Every regular file ends up in a patient's file list or in a diagnostic with its path and a
//!   reason. Folders that cannot be listed are diagnostics too.
//! - One `readdir` per folder and no `stat` per file: entry types come from `DirEntry::file_type`,
//!   which costs nothing on Linux. A patient's walk also takes one `stat` of each folder *before*
//!   reading it ([`PatientFiles::folders`]): a folder whose modification time is the same later
//!   holds the same entries, because creating, removing or renaming an entry changes it, so a
//!   caller that keeps those times can tell an unchanged patient from a `stat` of each folder
//!   instead of reading them again.
//! - Folders win over file names for patient ID, care date and data type (guide §1.2); a
//!   disagreement is a warning on the file.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diagnostic::{Diagnostic, DiagnosticCode, Subject, join_relative};
use crate::domain::{CareDate, DataType, FacilityId, LogicalKey, OrderNo, PatientId, PatientKey};
use crate::name::{
    ContentFolderName, DocumentType, NameHint, StandardFileName,
    parse_content_folder_name_with_hint, parse_file_name_with_hint,
};

/// One storage root (標準化ストレージ or 拡張ストレージ root) of a facility.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StorageRoot {
    pub facility: FacilityId,
    pub path: PathBuf,
}

/// What a root holds, judged from its contents rather than its name: standardized storage puts
/// files in data-type folders, extended storage puts content folders there (guide §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageKind {
    Standard,
    Extended,
    /// Both files and content folders were seen in data-type folders.
    Mixed,
    /// No data-type folder holding anything was found.
    Empty,
}

impl StorageKind {
    fn from_seen(saw_files: bool, saw_folders: bool) -> Self {
        match (saw_files, saw_folders) {
            (true, true) => Self::Mixed,
            (true, false) => Self::Standard,
            (false, true) => Self::Extended,
            (false, false) => Self::Empty,
        }
    }

    /// The kind of storage that holds both what `self` and `other` saw.
    pub fn combine(self, other: Self) -> Self {
        let files = |kind| matches!(kind, Self::Standard | Self::Mixed);
        let folders = |kind| matches!(kind, Self::Extended | Self::Mixed);
        Self::from_seen(files(self) || files(other), folders(self) || folders(other))
    }
}

/// How many data-type folders [`StorageRoot::detect_kind`] looks into before it answers.
const KIND_PROBE_DATA_TYPE_FOLDERS: usize = 200;

impl StorageRoot {
    pub fn new(facility: FacilityId, path: impl Into<PathBuf>) -> Self {
        Self {
            facility,
            path: path.into(),
        }
    }

    /// Detects the root's kind by looking into the first 200 data-type folders it finds (in
    /// `readdir` order), stopping early once it has seen both kinds.
    ///
    /// It is a probe, so that a root of a million patients answers at once: a root whose
    /// extended part starts after those folders reads as `Standard`. [`PatientFiles::kind`] gives
    /// the exact kind of what one walk saw. Unreadable folders are skipped here; the walk reports
    /// them.
    pub fn detect_kind(&self) -> StorageKind {
        let mut probe = KindProbe {
            folders_left: KIND_PROBE_DATA_TYPE_FOLDERS,
            saw_files: false,
            saw_folders: false,
        };
        probe.visit(&self.path, 0);
        StorageKind::from_seen(probe.saw_files, probe.saw_folders)
    }

    /// Groups roots by facility, keeping their order within each facility.
    pub fn group_by_facility(
        roots: impl IntoIterator<Item = StorageRoot>,
    ) -> BTreeMap<FacilityId, Vec<StorageRoot>> {
        let mut groups: BTreeMap<FacilityId, Vec<StorageRoot>> = BTreeMap::new();
        for root in roots {
            groups.entry(root.facility.clone()).or_default().push(root);
        }
        groups
    }
}

struct KindProbe {
    folders_left: usize,
    saw_files: bool,
    saw_folders: bool,
}

impl KindProbe {
    /// Depth 5 is a data-type folder: root / hash / hash / patient / care date / data type.
    fn visit(&mut self, folder: &Path, depth: usize) {
        let Ok(entries) = fs::read_dir(folder) else {
            return;
        };
        for entry in entries.flatten() {
            if self.folders_left == 0 || (self.saw_files && self.saw_folders) {
                return;
            }
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if depth == 5 {
                self.saw_files |= file_type.is_file();
                self.saw_folders |= file_type.is_dir();
            } else if file_type.is_dir() {
                self.visit(&entry.path(), depth + 1);
                if depth == 4 {
                    self.folders_left = self.folders_left.saturating_sub(1);
                }
            }
        }
    }
}

/// One patient folder (level 3, `<id[0..3]>/<id[3..6]>/<患者ID>`) in one root.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PatientDir {
    /// Index into the roots the scan was given.
    pub root_index: usize,
    /// Root-relative, `/`-separated, e.g. `999/901/9999013`.
    pub rel_path: String,
}

/// The patient folders of one facility across all its roots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityScan {
    pub facility: FacilityId,
    /// The roots as given to [`scan_facility`]; [`PatientDir::root_index`] points into this.
    pub roots: Vec<StorageRoot>,
    /// Patient folders grouped by patient ID, in root order within each patient.
    pub patients: BTreeMap<PatientId, Vec<PatientDir>>,
    /// Problems above the patient level: unreadable or skipped roots, stray files and links in
    /// hash folders.
    pub diagnostics: Vec<Diagnostic>,
}

impl FacilityScan {
    /// Lists one patient's files across all roots; an unknown ID gives an empty list.
    pub fn walk_patient(&self, id: &PatientId) -> PatientFiles {
        let dirs = self.patients.get(id).map(Vec::as_slice).unwrap_or_default();
        walk_patient(&self.facility, &self.roots, id, dirs)
    }
}

/// Lists the patient folders of a facility's roots (levels 1–3 only; files are listed per patient
/// by [`walk_patient`]).
///
/// The facility is the first root's; a root of another facility, or a root path given twice, is
/// skipped with a diagnostic (use [`StorageRoot::group_by_facility`] first).
pub fn scan_facility(roots: &[StorageRoot]) -> FacilityScan {
    let facility = roots
        .first()
        .map_or_else(FacilityId::unnamed, |root| root.facility.clone());
    let mut scan = FacilityScan {
        facility: facility.clone(),
        roots: roots.to_vec(),
        patients: BTreeMap::new(),
        diagnostics: Vec::new(),
    };
    let mut seen_paths = BTreeSet::new();
    for (root_index, root) in roots.iter().enumerate() {
        if root.facility != facility {
            scan.diagnostics.push(Diagnostic::error(
                DiagnosticCode::RootSkipped,
                &root.facility,
                &root.path,
                "",
                format!(
                    "this root belongs to facility {} but was scanned with facility {facility}; \
                     it was skipped: scan each facility's roots separately",
                    root.facility
                ),
            )
            .about(Subject::Folder));
            continue;
        }
        if !seen_paths.insert(&root.path) {
            scan.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::RootSkipped,
                &facility,
                &root.path,
                "",
                "this root was given more than once; it was scanned only the first time",
            ));
            continue;
        }
        let lister = Lister {
            facility: &facility,
            root: &root.path,
            record: None,
        };
        let diagnostics = &mut scan.diagnostics;
        for first in lister.folders(
            "",
            "a file at the root level, where the first hash folders (患者ID[0..3]) are expected",
            diagnostics,
        ) {
            for second in lister.folders(
                &first,
                "a file in a first-level hash folder, where second hash folders (患者ID[3..6]) \
                 are expected",
                diagnostics,
            ) {
                for patient in lister.folders(
                    &second,
                    "a file in a second-level hash folder, where patient folders are expected",
                    diagnostics,
                ) {
                    let id = patient.rsplit('/').next().unwrap_or_default();
                    match PatientId::new(id) {
                        Ok(id) => scan.patients.entry(id).or_default().push(PatientDir {
                            root_index,
                            rel_path: patient,
                        }),
                        Err(error) => diagnostics.push(
                            Diagnostic::error(
                                DiagnosticCode::BadName,
                                &facility,
                                &root.path,
                                patient,
                                format!("this folder name cannot be a patient ID: {error}"),
                            )
                            .about(Subject::Folder),
                        ),
                    }
                }
            }
        }
    }
    scan
}

/// One patient's files across roots: standardized-storage files, extended-storage content folders,
/// and diagnostics for what is neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientFiles {
    pub patient: PatientKey,
    pub standard: Vec<StandardFile>,
    pub extended: Vec<ContentFolder>,
    /// Errors for entries that are not listed (stray or unparsable files, links, unreadable
    /// folders) and warnings about the patient folders (hash mismatch). Warnings about a listed file
    /// are on the file.
    pub diagnostics: Vec<Diagnostic>,
    /// Every folder the walk read, in the order it read them (each patient folder first, then
    /// what is under it), each with its modification time as it was just before the read.
    pub folders: Vec<ListedFolder>,
}

/// One folder a patient's walk read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedFolder {
    pub root_index: usize,
    /// Root-relative, `/`-separated.
    pub rel_path: String,
    /// Nanoseconds since the epoch, taken just before the folder was read; `None` when the folder
    /// could not be looked at or listed (the walk then has a diagnostic about it).
    pub modified_ns: Option<i64>,
}

/// A file's or folder's modification time in nanoseconds since the epoch, as [`ListedFolder`]
/// and the hub's state keep it.
pub fn modified_ns(meta: &fs::Metadata) -> Option<i64> {
    use std::os::unix::fs::MetadataExt;
    stamp_ns(meta.mtime(), meta.mtime_nsec())
}

/// A `stat` time (seconds and nanoseconds since the epoch) as [`modified_ns`] gives it: `None`
/// before the epoch or past what nanoseconds in an `i64` can hold. Whoever looks at a kept time
/// again with another `stat` call compares it through this, so both sides agree to the nanosecond.
pub fn stamp_ns(seconds: i64, nanoseconds: i64) -> Option<i64> {
    if seconds < 0 || !(0..1_000_000_000).contains(&nanoseconds) {
        return None;
    }
    seconds.checked_mul(1_000_000_000)?.checked_add(nanoseconds)
}

impl PatientFiles {
    /// The kind of storage this walk saw.
    pub fn kind(&self) -> StorageKind {
        StorageKind::from_seen(!self.standard.is_empty(), !self.extended.is_empty())
    }

    /// All diagnostics: the patient's own and every listed item's warnings.
    pub fn all_diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .chain(self.standard.iter().flat_map(|file| &file.warnings))
            .chain(self.extended.iter().flat_map(|folder| &folder.warnings))
    }
}

/// A file of standardized storage, with what its folders say and what its name says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardFile {
    pub root_index: usize,
    pub root: PathBuf,
    /// Root-relative, `/`-separated.
    pub rel_path: String,
    pub path: PathBuf,
    /// Patient, care date and data type from the folders; order number from the name.
    pub key: LogicalKey,
    pub name: StandardFileName,
    /// Where the name disagrees with the folders, or the care-date folder is malformed.
    pub warnings: Vec<Diagnostic>,
}

/// A content folder of extended storage (guide §6) and all regular files in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentFolder {
    pub root_index: usize,
    pub root: PathBuf,
    /// Root-relative, `/`-separated path of the content folder.
    pub rel_path: String,
    pub path: PathBuf,
    /// Patient, care date and data type (the whole data-type folder name) from the folders; the
    /// order number is the name's 特定キー, or the fifteen-nines placeholder when it has none.
    pub key: LogicalKey,
    /// The data-type folder name split into local and standard document codes.
    pub document_type: DocumentType,
    pub name: ContentFolderName,
    /// Every regular file in the folder, including those in subfolders (a CDA document may keep
    /// images or CSS beside it; guide §6), sorted by path.
    pub files: Vec<ContentFile>,
    pub warnings: Vec<Diagnostic>,
}

/// One file inside a content folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentFile {
    /// Root-relative, `/`-separated.
    pub rel_path: String,
    /// Relative to the content folder, e.g. `main_document.hl7` or `images/ecg.png`.
    pub inner_path: String,
    pub path: PathBuf,
}

/// Lists one patient's files in the given patient folders (all with ID `id`).
pub fn walk_patient(
    facility: &FacilityId,
    roots: &[StorageRoot],
    id: &PatientId,
    dirs: &[PatientDir],
) -> PatientFiles {
    let patient = PatientKey::new(facility.clone(), id.clone());
    let mut files = PatientFiles {
        patient: patient.clone(),
        standard: Vec::new(),
        extended: Vec::new(),
        diagnostics: Vec::new(),
        folders: Vec::new(),
    };
    for dir in dirs {
        let Some(root) = roots.get(dir.root_index) else {
            files.diagnostics.push(
                Diagnostic::error(
                    DiagnosticCode::Other,
                    facility,
                    PathBuf::new(),
                    dir.rel_path.clone(),
                    format!(
                        "this patient folder refers to root number {} but only {} roots were given",
                        dir.root_index,
                        roots.len()
                    ),
                )
                .about(Subject::Folder),
            );
            continue;
        };
        let listed = RefCell::new(Vec::new());
        PatientWalker {
            lister: Lister {
                facility,
                root: &root.path,
                record: Some((dir.root_index, &listed)),
            },
            root_index: dir.root_index,
            patient: &patient,
            out: &mut files,
        }
        .walk(&dir.rel_path);
        files.folders.extend(listed.into_inner());
    }
    files
}

/// Walks one patient folder of one root into `out`.
struct PatientWalker<'a> {
    lister: Lister<'a>,
    root_index: usize,
    patient: &'a PatientKey,
    out: &'a mut PatientFiles,
}

/// What the folders above an item say.
struct Folders<'a> {
    /// `None` when the care-date folder is malformed.
    care_date: Option<CareDate>,
    care_date_folder: &'a str,
    data_type: DataType,
}

impl PatientWalker<'_> {
    fn walk(&mut self, patient_rel: &str) {
        self.check_hash_folders(patient_rel);
        let dates = self.lister.folders(
            patient_rel,
            "a file directly in a patient folder, where care-date folders (診療日 or '-') are \
             expected",
            &mut self.out.diagnostics,
        );
        for date_rel in dates {
            let date_name = last_segment(&date_rel);
            let care_date = CareDate::parse(date_name).ok();
            let types = self.lister.folders(
                &date_rel,
                "a file directly in a care-date folder, where data-type folders (データ種別) are \
                 expected",
                &mut self.out.diagnostics,
            );
            for type_rel in types {
                let type_name = last_segment(&type_rel);
                let data_type = match DataType::new(type_name) {
                    Ok(data_type) => data_type,
                    Err(error) => {
                        self.error(
                            DiagnosticCode::BadName,
                            Subject::Folder,
                            &type_rel,
                            format!("this folder name cannot be a data type: {error}"),
                        );
                        continue;
                    }
                };
                let folders = Folders {
                    care_date: care_date.clone(),
                    care_date_folder: date_name,
                    data_type,
                };
                for entry in self.lister.entries(&type_rel, &mut self.out.diagnostics) {
                    match entry.kind {
                        EntryKind::File => self.standard_file(&type_rel, &entry.name, &folders),
                        EntryKind::Folder => self.content_folder(&type_rel, &entry.name, &folders),
                    }
                }
            }
        }
    }

    fn check_hash_folders(&mut self, patient_rel: &str) {
        let Some((first, second)) = self.patient.id.hash_folders() else {
            return;
        };
        let mut segments = patient_rel.split('/');
        let (Some(found_first), Some(found_second)) = (segments.next(), segments.next()) else {
            return;
        };
        if (found_first, found_second) != (first, second) {
            self.out.diagnostics.push(Diagnostic::warning(
                DiagnosticCode::HashFolderMismatch,
                self.lister.facility,
                self.lister.root,
                patient_rel,
                format!(
                    "this patient folder is under {found_first}/{found_second} but the ID's \
                     first and second three characters are {first}/{second} (guide §1.1); its \
                     files are read anyway"
                ),
            ));
        }
    }

    fn error(&mut self, code: DiagnosticCode, subject: Subject, rel_path: &str, reason: String) {
        self.out.diagnostics.push(
            Diagnostic::error(
                code,
                self.lister.facility,
                self.lister.root,
                rel_path,
                reason,
            )
            .about(subject),
        );
    }

    fn hint<'h>(&'h self, folders: &'h Folders<'_>) -> NameHint<'h> {
        NameHint {
            patient_id: Some(self.patient.id.as_str()),
            data_type: Some(folders.data_type.as_str()),
        }
    }

    fn standard_file(&mut self, type_rel: &str, name: &str, folders: &Folders<'_>) {
        let rel_path = format!("{type_rel}/{name}");
        let parsed = match parse_file_name_with_hint(name, self.hint(folders)) {
            Ok(parsed) => parsed,
            Err(error) => {
                self.error(
                    DiagnosticCode::BadName,
                    Subject::File,
                    &rel_path,
                    format!("this is not an SS-MIX2 file name, so the file was not read: {error}"),
                );
                return;
            }
        };
        let mut warnings = Vec::new();
        let mut warn = |code: DiagnosticCode, reason: String| {
            warnings.push(Diagnostic::warning(
                code,
                self.lister.facility,
                self.lister.root,
                rel_path.as_str(),
                reason,
            ));
        };
        let care_date = cross_check(
            &mut warn,
            &self.patient.id,
            &parsed.patient_id,
            folders,
            &parsed.care_date,
            parsed.data_type == folders.data_type,
            "file name",
        );
        check_event_time(&mut warn, &parsed.event_time, "file name");
        let key = LogicalKey {
            patient: self.patient.clone(),
            care_date,
            data_type: folders.data_type.clone(),
            order_no: parsed.order_no.clone(),
        };
        self.out.standard.push(StandardFile {
            root_index: self.root_index,
            root: self.lister.root.to_path_buf(),
            path: join_relative(self.lister.root, &rel_path),
            rel_path,
            key,
            name: parsed,
            warnings,
        });
    }

    fn content_folder(&mut self, type_rel: &str, name: &str, folders: &Folders<'_>) {
        let rel_path = format!("{type_rel}/{name}");
        let files = self.content_files(&rel_path);
        let parsed = match parse_content_folder_name_with_hint(name, self.hint(folders)) {
            Ok(parsed) => parsed,
            Err(error) => {
                let reason = format!(
                    "this is in a folder whose name is not an SS-MIX2 content-folder name, so it \
                     was not read: {error}"
                );
                if files.is_empty() {
                    self.error(DiagnosticCode::BadName, Subject::Folder, &rel_path, reason);
                    return;
                }
                for file in files {
                    self.error(
                        DiagnosticCode::BadName,
                        Subject::File,
                        &file.rel_path,
                        reason.clone(),
                    );
                }
                return;
            }
        };
        let document_type = DocumentType::parse(folders.data_type.as_str());
        let mut warnings = Vec::new();
        let mut warn = |code: DiagnosticCode, reason: String| {
            warnings.push(Diagnostic::warning(
                code,
                self.lister.facility,
                self.lister.root,
                rel_path.as_str(),
                reason,
            ));
        };
        let care_date = cross_check(
            &mut warn,
            &self.patient.id,
            &parsed.patient_id,
            folders,
            &parsed.care_date,
            document_type.matches(folders.data_type.as_str(), parsed.data_type.as_str()),
            "content-folder name",
        );
        check_event_time(&mut warn, &parsed.event_time, "content-folder name");
        if files.is_empty() {
            warn(
                DiagnosticCode::EmptyContentFolder,
                "this content folder holds no file".to_owned(),
            );
        }
        let key = LogicalKey {
            patient: self.patient.clone(),
            care_date,
            data_type: folders.data_type.clone(),
            order_no: parsed
                .specific_key
                .clone()
                .unwrap_or_else(OrderNo::none_placeholder),
        };
        self.out.extended.push(ContentFolder {
            root_index: self.root_index,
            root: self.lister.root.to_path_buf(),
            path: join_relative(self.lister.root, &rel_path),
            rel_path,
            key,
            document_type,
            name: parsed,
            files,
            warnings,
        });
    }

    /// Every regular file under a content folder, depth first, sorted by path. Links are not
    /// followed, so the recursion ends.
    fn content_files(&mut self, folder_rel: &str) -> Vec<ContentFile> {
        let mut files = Vec::new();
        let mut pending = vec![folder_rel.to_owned()];
        while let Some(folder) = pending.pop() {
            let entries = self.lister.entries(&folder, &mut self.out.diagnostics);
            for entry in entries.into_iter().rev() {
                let rel_path = format!("{folder}/{}", entry.name);
                match entry.kind {
                    EntryKind::Folder => pending.push(rel_path),
                    EntryKind::File => files.push(ContentFile {
                        inner_path: rel_path
                            .get(folder_rel.len() + 1..)
                            .unwrap_or_default()
                            .to_owned(),
                        path: join_relative(self.lister.root, &rel_path),
                        rel_path,
                    }),
                }
            }
        }
        files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
        files
    }
}

/// Compares what a name says with what the folders say, warns on each disagreement, and returns
/// the care date to use: the folder's, or the name's when the folder is malformed.
fn cross_check(
    warn: &mut impl FnMut(DiagnosticCode, String),
    folder_id: &PatientId,
    name_id: &PatientId,
    folders: &Folders<'_>,
    name_care_date: &CareDate,
    data_type_agrees: bool,
    what: &str,
) -> CareDate {
    if name_id != folder_id {
        warn(
            DiagnosticCode::NameMismatch,
            format!(
                "the {what} says patient {name_id} but the patient folder is {folder_id}; the \
                 folder's ID is used (guide §1.2: folders win)"
            ),
        );
    }
    if !data_type_agrees {
        warn(
            DiagnosticCode::NameMismatch,
            format!(
                "the {what}'s data type differs from the data-type folder {}; the folder's type \
                 is used",
                folders.data_type
            ),
        );
    }
    match &folders.care_date {
        Some(folder_date) => {
            if folder_date != name_care_date {
                warn(
                    DiagnosticCode::NameMismatch,
                    format!(
                        "the {what} says care date {name_care_date} but the care-date folder is \
                         {folder_date}; the folder's date is used"
                    ),
                );
            }
            folder_date.clone()
        }
        None => {
            warn(
                DiagnosticCode::BadCareDateFolder,
                format!(
                    "the care-date folder '{}' is neither '-' nor a valid YYYYMMDD date; the \
                     {what}'s care date {name_care_date} is used",
                    folders.care_date_folder
                ),
            );
            name_care_date.clone()
        }
    }
}

/// Warns when a name's 発生日時 has the right digits but is not a real time (minute 80, 31 June). The
/// item is still read and its versions still ordered by the digits, but the time is never used as a
/// date or as the facility's data-as-of.
fn check_event_time(
    warn: &mut impl FnMut(DiagnosticCode, String),
    time: &crate::domain::EventTime,
    what: &str,
) {
    if let Some(fault) = time.fault() {
        warn(
            DiagnosticCode::InvalidTime,
            format!(
                "the {what}'s event time (発生日時) is not a real time: {fault}; the record is read, \
                 but this time is not used as a date or as the data's age (guide §1.2: \
                 YYYYMMDDHHMMSSFFF)"
            ),
        );
    }
}

fn last_segment(rel_path: &str) -> &str {
    rel_path.rsplit('/').next().unwrap_or(rel_path)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    File,
    Folder,
}

struct Entry {
    name: String,
    kind: EntryKind,
}

/// Lists folders of one root, turning every entry that is neither a UTF-8-named regular file nor
/// a UTF-8-named folder into a diagnostic.
struct Lister<'a> {
    facility: &'a FacilityId,
    root: &'a Path,
    /// Where a patient's walk records each folder it reads, with the root's index.
    record: Option<(usize, &'a RefCell<Vec<ListedFolder>>)>,
}

impl Lister<'_> {
    fn error(
        &self,
        diagnostics: &mut Vec<Diagnostic>,
        code: DiagnosticCode,
        subject: Subject,
        rel_path: &str,
        reason: impl Into<String>,
    ) {
        diagnostics.push(
            Diagnostic::error(code, self.facility, self.root, rel_path, reason).about(subject),
        );
    }

    /// Forgets the time of the folder being read: it had an error that may not last, so a caller
    /// keeping the times reads it again next time.
    fn untimed(&self) {
        if let Some((_, record)) = self.record
            && let Some(last) = record.borrow_mut().last_mut()
        {
            last.modified_ns = None;
        }
    }

    /// The sub-folders of a folder, as root-relative paths; regular files there are reported with
    /// `file_reason` (they are at the wrong depth).
    fn folders(
        &self,
        folder_rel: &str,
        file_reason: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Vec<String> {
        let entries = self.entries(folder_rel, diagnostics);
        let mut folders = Vec::with_capacity(entries.len());
        for entry in entries {
            let rel_path = child(folder_rel, &entry.name);
            match entry.kind {
                EntryKind::Folder => folders.push(rel_path),
                EntryKind::File => self.error(
                    diagnostics,
                    DiagnosticCode::WrongDepth,
                    Subject::File,
                    &rel_path,
                    format!("{file_reason} (guide §1.1); the file was not read"),
                ),
            }
        }
        folders
    }

    /// Regular files and folders of a folder, sorted by name.
    fn entries(&self, folder_rel: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Entry> {
        let folder = join_relative(self.root, folder_rel);
        // The time before the read: a change while it reads gives a newer time than the one kept.
        let modified = self.record.map(|_| {
            fs::symlink_metadata(&folder)
                .ok()
                .and_then(|meta| modified_ns(&meta))
        });
        let listing = fs::read_dir(&folder);
        if let Some((root_index, record)) = self.record {
            record.borrow_mut().push(ListedFolder {
                root_index,
                rel_path: folder_rel.to_owned(),
                modified_ns: modified.flatten().filter(|_| listing.is_ok()),
            });
        }
        let listing = match listing {
            Ok(listing) => listing,
            Err(error) => {
                let (code, what) = if folder_rel.is_empty() {
                    (DiagnosticCode::RootUnreadable, "the storage root")
                } else {
                    (DiagnosticCode::Unreadable, "this folder")
                };
                let next = if error.kind() == std::io::ErrorKind::InvalidFilename {
                    format!(
                        "its path is {} bytes, longer than the system can open: move what it \
                         holds to a shallower folder",
                        folder.as_os_str().len()
                    )
                } else {
                    "check that it exists and is readable".to_string()
                };
                self.error(
                    diagnostics,
                    code,
                    Subject::Folder,
                    folder_rel,
                    format!(
                        "{what} could not be listed ({error}); nothing in it was seen or counted: \
                         {next}"
                    ),
                );
                return Vec::new();
            }
        };
        let mut entries = Vec::new();
        for entry in listing {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    self.untimed();
                    self.error(
                        diagnostics,
                        DiagnosticCode::Unreadable,
                        Subject::Entry,
                        folder_rel,
                        format!("an entry of this folder could not be read ({error})"),
                    );
                    continue;
                }
            };
            let file_type = entry.file_type();
            let name = match entry.file_name().into_string() {
                Ok(name) => name,
                Err(raw) => {
                    let (what, subject) = match &file_type {
                        Ok(kind) if kind.is_dir() => {
                            ("folder (its contents were not read)", Subject::Folder)
                        }
                        Ok(kind) if kind.is_file() => ("file (it was not read)", Subject::File),
                        _ => ("entry (it was not read)", Subject::Entry),
                    };
                    self.error(
                        diagnostics,
                        DiagnosticCode::NonUtf8Name,
                        subject,
                        &child(folder_rel, &raw.to_string_lossy()),
                        format!(
                            "the name of this {what} is not valid UTF-8; rename it (the shown \
                             name replaces invalid bytes with �)"
                        ),
                    );
                    continue;
                }
            };
            let rel_path = child(folder_rel, &name);
            match file_type {
                Err(error) => {
                    self.untimed();
                    self.error(
                        diagnostics,
                        DiagnosticCode::Unreadable,
                        Subject::Entry,
                        &rel_path,
                        format!(
                            "the type of this entry could not be read ({error}); it was skipped"
                        ),
                    )
                }
                Ok(kind) if kind.is_symlink() => self.error(
                    diagnostics,
                    DiagnosticCode::SymlinkNotFollowed,
                    Subject::Entry,
                    &rel_path,
                    "symbolic link not followed (links could leave the storage root or loop); \
                     copy the target into the storage if it holds data",
                ),
                Ok(kind) if kind.is_dir() => entries.push(Entry {
                    name,
                    kind: EntryKind::Folder,
                }),
                Ok(kind) if kind.is_file() => entries.push(Entry {
                    name,
                    kind: EntryKind::File,
                }),
                Ok(_) => self.error(
                    diagnostics,
                    DiagnosticCode::NotRegularFile,
                    Subject::Entry,
                    &rel_path,
                    "this is a device, socket or pipe, not a file or folder; it was skipped",
                ),
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        entries
    }
}

fn child(folder_rel: &str, name: &str) -> String {
    if folder_rel.is_empty() {
        name.to_owned()
    } else {
        format!("{folder_rel}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Severity, Subject};
    use crate::domain::ConditionFlag;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;

    const ADT00: &str = "9999013_-_ADT-00_999999999999999_20111220224447339_-_1";
    const OMP01: &str = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1";

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, b"MSH|^~\\&|\r").unwrap();
    }

    fn facility() -> FacilityId {
        FacilityId::new("1311234567")
    }

    fn roots(dirs: &[&tempfile::TempDir]) -> Vec<StorageRoot> {
        dirs.iter()
            .map(|dir| StorageRoot::new(facility(), dir.path()))
            .collect()
    }

    fn id(text: &str) -> PatientId {
        PatientId::new(text).unwrap()
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<(DiagnosticCode, &str)> {
        diagnostics
            .iter()
            .map(|d| (d.code, d.path.as_str()))
            .collect()
    }

    /// Every regular file under the roots is either listed or named by a diagnostic.
    fn assert_all_files_accounted(scan: &FacilityScan) {
        // Diagnostics show non-UTF-8 names lossily, so compare lossy forms.
        let mut accounted = BTreeSet::new();
        let mut note = |root: &Path, rel: &str| {
            accounted.insert(join_relative(root, rel).to_string_lossy().into_owned());
        };
        for diagnostic in &scan.diagnostics {
            note(&diagnostic.root, &diagnostic.path);
        }
        for id in scan.patients.keys() {
            let files = scan.walk_patient(id);
            for diagnostic in files.all_diagnostics() {
                note(&diagnostic.root, &diagnostic.path);
            }
            for file in &files.standard {
                note(&file.root, &file.rel_path);
            }
            for folder in &files.extended {
                for file in &folder.files {
                    note(&folder.root, &file.rel_path);
                }
            }
        }
        for root in &scan.roots {
            let mut pending = vec![root.path.clone()];
            while let Some(folder) = pending.pop() {
                for entry in fs::read_dir(&folder).unwrap() {
                    let entry = entry.unwrap();
                    let kind = entry.file_type().unwrap();
                    if kind.is_dir() {
                        pending.push(entry.path());
                    } else if kind.is_file() {
                        assert!(
                            accounted.contains(&*entry.path().to_string_lossy()),
                            "{} is neither listed nor a diagnostic",
                            entry.path().display()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn one_patient_split_over_two_roots_is_grouped_and_walked_across_both() {
        let undated = tempfile::tempdir().unwrap();
        let dated = tempfile::tempdir().unwrap();
        touch(undated.path(), &format!("999/901/9999013/-/ADT-00/{ADT00}"));
        touch(
            dated.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        touch(
            dated.path(),
            "000/000/0000001/20000401/OMP-11/0000001_20000401_OMP-11_123456789012345_20110701113813225_01_1",
        );

        let scan = scan_facility(&roots(&[&undated, &dated]));
        assert!(scan.diagnostics.is_empty(), "{:?}", scan.diagnostics);
        assert_eq!(
            scan.patients
                .keys()
                .map(PatientId::as_str)
                .collect::<Vec<_>>(),
            ["0000001", "9999013"]
        );
        let dirs = &scan.patients[&id("9999013")];
        assert_eq!(
            dirs.iter().map(|d| d.root_index).collect::<Vec<_>>(),
            [0, 1]
        );

        let files = scan.walk_patient(&id("9999013"));
        assert!(files.diagnostics.is_empty(), "{:?}", files.diagnostics);
        assert_eq!(files.kind(), StorageKind::Standard);
        let listed: Vec<_> = files
            .standard
            .iter()
            .map(|f| (f.root_index, f.rel_path.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (0, &*format!("999/901/9999013/-/ADT-00/{ADT00}")),
                (1, &*format!("999/901/9999013/20110701/OMP-01/{OMP01}")),
            ]
        );
        let omp = &files.standard[1];
        assert_eq!(omp.path, dated.path().join(&omp.rel_path));
        assert_eq!(omp.key.patient, PatientKey::new(facility(), id("9999013")));
        assert_eq!(omp.key.care_date, CareDate::Date("20110701".into()));
        assert_eq!(omp.key.data_type.as_str(), "OMP-01");
        assert_eq!(omp.key.order_no.as_str(), "000000011000185");
        assert_eq!(omp.name.flag, ConditionFlag::Current);
        assert!(omp.warnings.is_empty());
        assert_all_files_accounted(&scan);
    }

    #[test]
    fn a_walk_lists_every_folder_it_read_with_its_time_from_before_the_read() {
        let undated = tempfile::tempdir().unwrap();
        let dated = tempfile::tempdir().unwrap();
        touch(undated.path(), &format!("999/901/9999013/-/ADT-00/{ADT00}"));
        touch(
            dated.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        let scan = scan_facility(&roots(&[&undated, &dated]));
        let files = scan.walk_patient(&id("9999013"));
        let listed: Vec<_> = files
            .folders
            .iter()
            .map(|f| (f.root_index, f.rel_path.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (0, "999/901/9999013"),
                (0, "999/901/9999013/-"),
                (0, "999/901/9999013/-/ADT-00"),
                (1, "999/901/9999013"),
                (1, "999/901/9999013/20110701"),
                (1, "999/901/9999013/20110701/OMP-01"),
            ]
        );
        for folder in &files.folders {
            let root = [&undated, &dated][folder.root_index].path();
            let meta = fs::symlink_metadata(root.join(&folder.rel_path)).unwrap();
            assert_eq!(folder.modified_ns, modified_ns(&meta), "{folder:?}");
        }

        // A new entry changes its folder's time, and only its folder's.
        let before = files.folders.clone();
        let type_folder = dated.path().join("999/901/9999013/20110701/OMP-01");
        let f = fs::File::open(&type_folder).unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1))
            .unwrap();
        let set_back = scan.walk_patient(&id("9999013")).folders;
        assert_eq!(set_back[5].modified_ns, Some(1_000_000_000));
        fs::write(type_folder.join("memo.txt"), "x").unwrap();
        let after = scan.walk_patient(&id("9999013")).folders;
        assert_ne!(after[5].modified_ns, Some(1_000_000_000));
        assert_eq!(after[..5], before[..5]);
    }

    #[test]
    fn symlinks_are_reported_and_never_followed_so_a_loop_ends() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        touch(outside.path(), &format!("999/901/9999013/-/ADT-00/{ADT00}"));
        touch(
            root.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        symlink(
            root.path(),
            root.path().join("999/901/9999013/20110701/OMP-01/loop"),
        )
        .unwrap();
        symlink(root.path(), root.path().join("999/901/9999013/loop")).unwrap();
        symlink(outside.path().join("999"), root.path().join("888")).unwrap();

        let scan = scan_facility(&roots(&[&root]));
        assert_eq!(
            codes(&scan.diagnostics),
            [(DiagnosticCode::SymlinkNotFollowed, "888")]
        );
        let files = scan.walk_patient(&id("9999013"));
        assert_eq!(files.standard.len(), 1);
        assert_eq!(
            codes(&files.diagnostics),
            [
                (DiagnosticCode::SymlinkNotFollowed, "999/901/9999013/loop"),
                (
                    DiagnosticCode::SymlinkNotFollowed,
                    "999/901/9999013/20110701/OMP-01/loop"
                ),
            ]
        );
        assert!(
            files
                .diagnostics
                .iter()
                .all(|d| d.severity == Severity::Error)
        );
        assert_all_files_accounted(&scan);
    }

    #[test]
    fn stray_files_at_every_wrong_depth_are_diagnostics() {
        let root = tempfile::tempdir().unwrap();
        touch(
            root.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        for stray in [
            "README.txt",
            "999/index.db",
            "999/901/Thumbs.db",
            "999/901/9999013/notes.txt",
            "999/901/9999013/20110701/OMP-01.hl7",
        ] {
            touch(root.path(), stray);
        }
        touch(root.path(), "999/901/9999013/20110701/OMP-01/.DS_Store");

        let scan = scan_facility(&roots(&[&root]));
        assert_eq!(
            codes(&scan.diagnostics),
            [
                (DiagnosticCode::WrongDepth, "README.txt"),
                (DiagnosticCode::WrongDepth, "999/index.db"),
                (DiagnosticCode::WrongDepth, "999/901/Thumbs.db"),
            ]
        );
        let files = scan.walk_patient(&id("9999013"));
        assert_eq!(files.standard.len(), 1);
        assert_eq!(
            codes(&files.diagnostics),
            [
                (DiagnosticCode::WrongDepth, "999/901/9999013/notes.txt"),
                (
                    DiagnosticCode::WrongDepth,
                    "999/901/9999013/20110701/OMP-01.hl7"
                ),
                (
                    DiagnosticCode::BadName,
                    "999/901/9999013/20110701/OMP-01/.DS_Store"
                ),
            ]
        );
        let bad_name = &files.diagnostics[2];
        assert!(
            bad_name.reason.contains("not an SS-MIX2 file name"),
            "{}",
            bad_name.reason
        );
        assert_all_files_accounted(&scan);
    }

    #[test]
    fn non_utf8_names_and_sockets_are_diagnostics() {
        let root = tempfile::tempdir().unwrap();
        let type_folder = root.path().join("999/901/9999013/20110701/OMP-01");
        fs::create_dir_all(&type_folder).unwrap();
        fs::write(
            type_folder.join(std::ffi::OsStr::from_bytes(b"9999013_\xff_1")),
            b"x",
        )
        .unwrap();
        fs::create_dir_all(root.path().join(std::ffi::OsStr::from_bytes(b"\xfe99"))).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(type_folder.join("sock")).unwrap();

        let scan = scan_facility(&roots(&[&root]));
        assert_eq!(scan.diagnostics.len(), 1);
        assert_eq!(scan.diagnostics[0].code, DiagnosticCode::NonUtf8Name);
        assert!(scan.diagnostics[0].reason.contains("folder"));
        let files = scan.walk_patient(&id("9999013"));
        let found: Vec<_> = files.diagnostics.iter().map(|d| d.code).collect();
        assert!(found.contains(&DiagnosticCode::NonUtf8Name), "{found:?}");
        assert!(found.contains(&DiagnosticCode::NotRegularFile), "{found:?}");
        assert_eq!(found.len(), 2);
        assert_all_files_accounted(&scan);
    }

    /// `depth` nested folders `a/` made below `folder` one relative step at a time (a path that
    /// long cannot be made, or opened, in one call), with `deep.txt` at the bottom.
    fn nest(folder: &Path, depth: usize) {
        // 100 levels per step keeps each relative path short; `cd -P` keeps the shell from
        // tracking the whole logical path, which it cannot past the system limit either.
        let step = vec!["a"; 100].join("/");
        let (steps, rest) = (depth / 100, depth % 100);
        let tail = vec!["a"; rest].join("/");
        let mut script = format!(
            "cd \"$1\" && for i in $(seq {steps}); do mkdir -p {step} && cd -P {step} || exit 1; done"
        );
        if rest > 0 {
            script.push_str(&format!(" && mkdir -p {tail} && cd -P {tail}"));
        }
        script.push_str(" && echo x > deep.txt");
        let status = std::process::Command::new("sh")
            .args(["-c", &script, "sh"])
            .arg(folder)
            .status()
            .unwrap();
        assert!(status.success());
    }

    #[test]
    fn folders_that_cannot_be_listed_are_diagnostics_about_folders_and_links_about_entries() {
        let root = tempfile::tempdir().unwrap();
        let folder = format!("012/345/0123456789/20160101/{VITALS}/{VITALS_FOLDER}");
        touch(root.path(), &format!("{folder}/main_document.hl7"));
        nest(&root.path().join(&folder), 2100);
        let type_folder = root.path().join("999/901/9999013/20110701/OMP-01");
        fs::create_dir_all(&type_folder).unwrap();
        let odd = type_folder.join(std::ffi::OsStr::from_bytes(b"\xffcontent"));
        fs::create_dir(&odd).unwrap();
        fs::write(odd.join("inside.xml"), b"x").unwrap();
        fs::write(
            type_folder.join(std::ffi::OsStr::from_bytes(b"file\xff")),
            b"x",
        )
        .unwrap();
        symlink(root.path(), type_folder.join("link")).unwrap();

        let scan = scan_facility(&roots(&[&root]));
        let deep = scan.walk_patient(&id("0123456789"));
        // Everything above the system's path limit is listed; the folder past it is one diagnostic.
        let content = &deep.extended[0];
        assert_eq!(content.files[0].inner_path, "main_document.hl7");
        let unlisted: Vec<&Diagnostic> = deep
            .diagnostics
            .iter()
            .filter(|d| d.subject == Subject::Folder)
            .collect();
        assert_eq!(unlisted.len(), 1, "{:?}", deep.diagnostics);
        assert_eq!(unlisted[0].code, DiagnosticCode::Unreadable);
        assert!(
            unlisted[0]
                .reason
                .contains("longer than the system can open"),
            "{}",
            unlisted[0].reason
        );
        assert!(unlisted[0].path.starts_with(&format!("{folder}/a/a/")));
        assert!(
            !deep.extended[0]
                .files
                .iter()
                .any(|f| f.inner_path.ends_with("deep.txt"))
        );

        let odd = scan.walk_patient(&id("9999013"));
        let mut subjects: Vec<(DiagnosticCode, Subject)> = odd
            .diagnostics
            .iter()
            .map(|d| (d.code, d.subject))
            .collect();
        subjects.sort();
        assert_eq!(
            subjects,
            [
                (DiagnosticCode::SymlinkNotFollowed, Subject::Entry),
                (DiagnosticCode::NonUtf8Name, Subject::File),
                (DiagnosticCode::NonUtf8Name, Subject::Folder),
            ]
        );
    }

    #[test]
    fn hash_folders_not_matching_the_id_are_a_warning_and_the_files_are_read() {
        let root = tempfile::tempdir().unwrap();
        touch(
            root.path(),
            &format!("123/456/9999013/20110701/OMP-01/{OMP01}"),
        );
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("9999013"));
        assert_eq!(files.standard.len(), 1);
        assert_eq!(
            codes(&files.diagnostics),
            [(DiagnosticCode::HashFolderMismatch, "123/456/9999013")]
        );
        assert_eq!(files.diagnostics[0].severity, Severity::Warning);
        assert!(files.diagnostics[0].reason.contains("999/901"));
    }

    #[test]
    fn short_patient_ids_are_walked_without_a_hash_check() {
        let root = tempfile::tempdir().unwrap();
        touch(
            root.path(),
            "000/000/12/20110701/OMP-01/12_20110701_OMP-01_1_20110701224603984_01_1",
        );
        touch(
            root.path(),
            "12/-/12345/-/ADT-00/12345_-_ADT-00_999999999999999_20111220224447_-_1",
        );
        let scan = scan_facility(&roots(&[&root]));
        assert!(scan.diagnostics.is_empty());
        for short in ["12", "12345"] {
            let files = scan.walk_patient(&id(short));
            assert_eq!(files.standard.len(), 1, "{short}");
            assert!(files.all_diagnostics().next().is_none(), "{short}");
        }
    }

    #[test]
    fn patient_id_with_underscore_matches_its_folder() {
        let root = tempfile::tempdir().unwrap();
        let name = "AB_20110101_20110701_OMP-01_7_20110701224603984_01_1";
        touch(
            root.path(),
            &format!("AB_/201/AB_20110101/20110701/OMP-01/{name}"),
        );
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("AB_20110101"));
        assert_eq!(files.standard.len(), 1);
        let file = &files.standard[0];
        assert_eq!(file.name.patient_id.as_str(), "AB_20110101");
        assert_eq!(file.name.order_no.as_str(), "7");
        assert!(file.warnings.is_empty(), "{:?}", file.warnings);
    }

    #[test]
    fn name_disagreeing_with_folders_warns_and_the_folders_win() {
        let root = tempfile::tempdir().unwrap();
        touch(
            root.path(),
            "000/000/0000001/20000401/ADT-31/9999013_20110630_OMP-11_123456789012345_20110701113813225_01_1",
        );
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("0000001"));
        let file = &files.standard[0];
        assert_eq!(file.key.patient.id.as_str(), "0000001");
        assert_eq!(file.key.care_date, CareDate::Date("20000401".into()));
        assert_eq!(file.key.data_type.as_str(), "ADT-31");
        assert_eq!(file.key.order_no.as_str(), "123456789012345");
        let reasons: Vec<_> = file.warnings.iter().map(|w| w.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3, "{reasons:?}");
        assert!(
            file.warnings
                .iter()
                .all(|w| w.code == DiagnosticCode::NameMismatch)
        );
        assert!(reasons[0].contains("patient 9999013"), "{reasons:?}");
        assert!(reasons[1].contains("data type"), "{reasons:?}");
        assert!(reasons[2].contains("care date 20110630"), "{reasons:?}");
    }

    #[test]
    fn an_impossible_event_time_in_a_name_warns_with_the_path_and_the_file_is_still_listed() {
        let root = tempfile::tempdir().unwrap();
        let minute_80 = "9999013_20110701_OMP-01_000000011000185_20110701228003984_01_1";
        touch(
            root.path(),
            &format!("999/901/9999013/20110701/OMP-01/{minute_80}"),
        );
        let folder = VITALS_FOLDER.replace("201601011500321", "201602301500321");
        touch(
            root.path(),
            &format!("012/345/0123456789/20160101/{VITALS}/{folder}/main_document.hl7"),
        );
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("9999013"));
        let file = &files.standard[0];
        assert_eq!(
            codes(&file.warnings),
            [(DiagnosticCode::InvalidTime, &*file.rel_path)]
        );
        assert!(
            file.warnings[0].reason.contains("minute is past 59"),
            "{}",
            file.warnings[0].reason
        );
        assert_eq!(file.name.event_time.iso(), None);
        let extended = scan.walk_patient(&id("0123456789"));
        let content = &extended.extended[0];
        assert_eq!(
            codes(&content.warnings),
            [(DiagnosticCode::InvalidTime, &*content.rel_path)]
        );
        assert!(content.warnings[0].reason.contains("date does not exist"));
    }

    #[test]
    fn malformed_care_date_folder_warns_and_uses_the_name_date() {
        let root = tempfile::tempdir().unwrap();
        touch(
            root.path(),
            &format!("999/901/9999013/2011-07-01/OMP-01/{OMP01}"),
        );
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("9999013"));
        let file = &files.standard[0];
        assert_eq!(file.key.care_date, CareDate::Date("20110701".into()));
        assert_eq!(
            codes(&file.warnings),
            [(DiagnosticCode::BadCareDateFolder, &*file.rel_path)]
        );
    }

    const VITALS: &str = "L-OBSERVATIONS^OBSERVATIONS^99ZL01";
    const VITALS_FOLDER: &str =
        "0123456789_20160101_L-OBSERVATIONS^OBSERVATIONS^99ZL01_000000020160101_201601011500321_1";

    #[test]
    fn extended_root_is_detected_and_content_folders_list_all_their_files() {
        let root = tempfile::tempdir().unwrap();
        let folder = format!("012/345/0123456789/20160101/{VITALS}/{VITALS_FOLDER}");
        touch(root.path(), &format!("{folder}/main_document.hl7"));
        touch(root.path(), &format!("{folder}/images/ecg.png"));
        touch(root.path(), &format!("{folder}/images/deeper/style.css"));
        let storage = StorageRoot::new(facility(), root.path());
        assert_eq!(storage.detect_kind(), StorageKind::Extended);

        let scan = scan_facility(&[storage]);
        let files = scan.walk_patient(&id("0123456789"));
        assert!(files.standard.is_empty());
        assert_eq!(files.kind(), StorageKind::Extended);
        let content = &files.extended[0];
        assert!(content.warnings.is_empty(), "{:?}", content.warnings);
        assert_eq!(content.rel_path, folder);
        assert_eq!(content.key.data_type.as_str(), VITALS);
        assert_eq!(content.key.order_no.as_str(), "000000020160101");
        assert_eq!(
            content.document_type.local.code.as_deref(),
            Some("L-OBSERVATIONS")
        );
        assert_eq!(
            content
                .files
                .iter()
                .map(|f| f.inner_path.as_str())
                .collect::<Vec<_>>(),
            [
                "images/deeper/style.css",
                "images/ecg.png",
                "main_document.hl7"
            ]
        );
        assert_eq!(
            content.files[2].path,
            root.path().join(&folder).join("main_document.hl7")
        );
        assert_all_files_accounted(&scan);
    }

    #[test]
    fn revised_content_folder_resolves_to_the_newer_version() {
        let root = tempfile::tempdir().unwrap();
        let type_rel = format!("012/345/0123456789/20160101/{VITALS}");
        let revised = VITALS_FOLDER.replace("321_1", "321_2");
        let newer = VITALS_FOLDER.replace("201601011500321_1", "201601011600000_1");
        touch(
            root.path(),
            &format!("{type_rel}/{revised}/main_document.hl7"),
        );
        touch(
            root.path(),
            &format!("{type_rel}/{newer}/main_document.hl7"),
        );
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("0123456789"));
        assert_eq!(files.extended.len(), 2);
        let resolution = crate::resolve(files.extended);
        assert_eq!(resolution.current.len(), 1);
        assert_eq!(
            resolution.current[0].rel_path,
            format!("{type_rel}/{newer}")
        );
        assert_eq!(resolution.superseded.len(), 1);
    }

    #[test]
    fn content_folder_naming_only_the_local_code_agrees_with_its_folder() {
        let root = tempfile::tempdir().unwrap();
        let type_folder = "L12345^入院診療録^99ZZZ^11506-3^経過記録^LN";
        let folder = format!(
            "012/345/0123456789/20160101/{type_folder}/0123456789_20160101_L12345_K1_20160101150032100_01_1"
        );
        touch(root.path(), &format!("{folder}/main.xml"));
        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("0123456789"));
        let content = &files.extended[0];
        assert!(content.warnings.is_empty(), "{:?}", content.warnings);
        assert_eq!(
            content.document_type.standard.code.as_deref(),
            Some("11506-3")
        );
    }

    #[test]
    fn empty_and_unparsable_content_folders_are_reported() {
        let root = tempfile::tempdir().unwrap();
        let type_rel = format!("012/345/0123456789/20160101/{VITALS}");
        fs::create_dir_all(root.path().join(&type_rel).join(VITALS_FOLDER)).unwrap();
        touch(root.path(), &format!("{type_rel}/scratch/a.hl7"));
        touch(root.path(), &format!("{type_rel}/scratch/b.hl7"));
        fs::create_dir_all(root.path().join(&type_rel).join("empty junk")).unwrap();

        let scan = scan_facility(&roots(&[&root]));
        let files = scan.walk_patient(&id("0123456789"));
        assert_eq!(files.extended.len(), 1);
        assert_eq!(
            codes(&files.extended[0].warnings),
            [(
                DiagnosticCode::EmptyContentFolder,
                &*format!("{type_rel}/{VITALS_FOLDER}")
            )]
        );
        assert_eq!(
            codes(&files.diagnostics),
            [
                (DiagnosticCode::BadName, &*format!("{type_rel}/empty junk")),
                (
                    DiagnosticCode::BadName,
                    &*format!("{type_rel}/scratch/a.hl7")
                ),
                (
                    DiagnosticCode::BadName,
                    &*format!("{type_rel}/scratch/b.hl7")
                ),
            ]
        );
        assert_all_files_accounted(&scan);
    }

    #[test]
    fn root_kinds_are_detected_from_contents() {
        let standard = tempfile::tempdir().unwrap();
        touch(
            standard.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        let mixed = tempfile::tempdir().unwrap();
        touch(
            mixed.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        touch(
            mixed.path(),
            &format!("012/345/0123456789/20160101/{VITALS}/{VITALS_FOLDER}/main_document.hl7"),
        );
        let empty = tempfile::tempdir().unwrap();
        fs::create_dir_all(empty.path().join("999/901/9999013/-/ADT-00")).unwrap();
        let kind = |dir: &tempfile::TempDir| StorageRoot::new(facility(), dir.path()).detect_kind();
        assert_eq!(kind(&standard), StorageKind::Standard);
        assert_eq!(kind(&mixed), StorageKind::Mixed);
        assert_eq!(kind(&empty), StorageKind::Empty);
        assert_eq!(
            StorageKind::Standard.combine(StorageKind::Extended),
            StorageKind::Mixed
        );
        assert_eq!(
            StorageKind::Empty.combine(StorageKind::Standard),
            StorageKind::Standard
        );
    }

    #[test]
    fn missing_duplicate_and_foreign_roots_are_diagnostics() {
        let root = tempfile::tempdir().unwrap();
        touch(
            root.path(),
            &format!("999/901/9999013/20110701/OMP-01/{OMP01}"),
        );
        let missing = root.path().join("no-such-root");
        let given = vec![
            StorageRoot::new(facility(), root.path()),
            StorageRoot::new(facility(), &missing),
            StorageRoot::new(facility(), root.path()),
            StorageRoot::new(FacilityId::new("2711234567"), root.path()),
        ];
        let scan = scan_facility(&given);
        let found: Vec<_> = scan
            .diagnostics
            .iter()
            .map(|d| (d.code, d.severity, d.root.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (DiagnosticCode::RootUnreadable, Severity::Error, missing),
                (
                    DiagnosticCode::RootSkipped,
                    Severity::Warning,
                    root.path().to_path_buf()
                ),
                (
                    DiagnosticCode::RootSkipped,
                    Severity::Error,
                    root.path().to_path_buf()
                ),
            ]
        );
        assert_eq!(scan.patients[&id("9999013")].len(), 1);
    }

    #[test]
    fn roots_group_by_facility_in_order() {
        let a = FacilityId::new("1311234567");
        let b = FacilityId::new("2711234567");
        let groups = StorageRoot::group_by_facility([
            StorageRoot::new(b.clone(), "/b1"),
            StorageRoot::new(a.clone(), "/a1"),
            StorageRoot::new(b.clone(), "/b2"),
        ]);
        assert_eq!(groups.len(), 2);
        assert_eq!(
            groups[&b]
                .iter()
                .map(|r| r.path.clone())
                .collect::<Vec<_>>(),
            [PathBuf::from("/b1"), PathBuf::from("/b2")]
        );
    }

    #[test]
    fn walking_an_unknown_patient_gives_nothing() {
        let root = tempfile::tempdir().unwrap();
        let scan = scan_facility(&roots(&[&root]));
        assert!(scan.patients.is_empty());
        let files = scan.walk_patient(&id("0001"));
        assert!(files.standard.is_empty() && files.diagnostics.is_empty());
        assert_eq!(files.kind(), StorageKind::Empty);
    }
}
