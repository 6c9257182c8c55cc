//! A patient's folders as a next day finds them: the logical records their names say (guide §1.2,
//! §6), the counts `region.json` keeps for them, and new versions of a record written the way the
//! guide's update and deletion steps say (guide §2).
//!
//! Only names and sizes are read, never a file's content: which records are cancelled (an ADT
//! cancel is told apart only by its MSH-9) comes from the patient's first chart, since a next
//! day never writes or changes a cancel.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use crate::calendar::{CivilDate, Moment};
use crate::chart::{Flag, Outcome, StandardRecord, Version};
use crate::error::SynthError;
use crate::hl7_writer::encode_iso_2022_jp;
use crate::layout;
use crate::summary::TypeCounts;

/// A logical record's key within one patient: care date (`-` for none) and data type (or
/// data-type folder), then order number (or 特定キー).
pub(super) type Key = (String, String, String);

/// One file of standardized storage, or one content folder of extended storage.
pub(super) struct Entry {
    pub(super) path: PathBuf,
    pub(super) event17: String,
    pub(super) department: String,
    pub(super) flag: char,
}

/// Everything one patient has on disk, by logical record.
#[derive(Default)]
pub(super) struct PatientFiles {
    pub(super) standard: BTreeMap<Key, Vec<Entry>>,
    pub(super) extended: BTreeMap<Key, Vec<Entry>>,
    /// Regular files (standardized files and the files inside content folders) and their bytes.
    pub(super) files: u64,
    pub(super) bytes: u64,
}

/// What one patient contributes to a facility's `region.json` counts.
#[derive(Default, Debug, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) files: u64,
    pub(super) bytes: u64,
    pub(super) standard: BTreeMap<String, TypeCounts>,
    pub(super) extended: BTreeMap<String, TypeCounts>,
}

fn entries(dir: &Path) -> Result<Vec<(String, PathBuf, fs::FileType)>, SynthError> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| SynthError::io("list", dir, e))? {
        let entry = entry.map_err(|e| SynthError::io("list", dir, e))?;
        let file_type = entry
            .file_type()
            .map_err(|e| SynthError::io("inspect", entry.path(), e))?;
        out.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
            file_type,
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

pub(super) fn foreign(path: &Path, what: &str) -> SynthError {
    SynthError::not_a_region(
        path,
        format!("{what}; it was changed by hand, so generate the region again"),
    )
}

/// Lists the folders of a directory that must hold only folders.
pub(super) fn folders(dir: &Path) -> Result<Vec<(String, PathBuf)>, SynthError> {
    entries(dir)?
        .into_iter()
        .map(|(name, path, file_type)| {
            if file_type.is_dir() {
                Ok((name, path))
            } else {
                Err(foreign(&path, "it is not a folder"))
            }
        })
        .collect()
}

/// A name `<id>_<date|->_<type>_<order|key>_<発生日時17>_<dept|->_<flag>` under `<date>/<type>/`.
fn parse_name(
    path: &Path,
    name: &str,
    id: &str,
    date: &str,
    data_type: &str,
) -> Result<(String, Entry), SynthError> {
    let parts: Vec<&str> = name.split('_').collect();
    let [pid, pdate, ptype, order, event17, department, flag] = parts.as_slice() else {
        return Err(foreign(path, "its name does not have 7 parts"));
    };
    let flag = match *flag {
        "0" => '0',
        "1" => '1',
        "2" => '2',
        _ => return Err(foreign(path, "its condition flag is not 0, 1 or 2")),
    };
    if (*pid, *pdate, *ptype) != (id, date, data_type) || Moment::from_event17(event17).is_none() {
        return Err(foreign(path, "its name disagrees with its folders"));
    }
    Ok((
        (*order).to_owned(),
        Entry {
            path: path.to_owned(),
            event17: (*event17).to_owned(),
            department: (*department).to_owned(),
            flag,
        },
    ))
}

fn size(path: &Path) -> Result<u64, SynthError> {
    let meta = fs::symlink_metadata(path).map_err(|e| SynthError::io("inspect", path, e))?;
    if !meta.is_file() {
        return Err(foreign(path, "it is not a regular file"));
    }
    Ok(meta.len())
}

/// Reads the names (and sizes) of patient `id`'s folders under both roots.
pub(super) fn read_patient(
    standard_root: &Path,
    extended_root: &Path,
    id: &str,
) -> Result<PatientFiles, SynthError> {
    let mut out = PatientFiles::default();
    let standard = layout::patient_dir(standard_root, id);
    if standard.is_dir() {
        for (date, date_dir) in folders(&standard)? {
            for (data_type, type_dir) in folders(&date_dir)? {
                for (name, path, _) in entries(&type_dir)? {
                    let bytes = size(&path)?;
                    let (order, entry) = parse_name(&path, &name, id, &date, &data_type)?;
                    out.files += 1;
                    out.bytes += bytes;
                    out.standard
                        .entry((date.clone(), data_type.clone(), order))
                        .or_default()
                        .push(entry);
                }
            }
        }
    }
    let extended = layout::patient_dir(extended_root, id);
    if extended.is_dir() {
        for (date, date_dir) in folders(&extended)? {
            for (type_folder, type_dir) in folders(&date_dir)? {
                for (name, content) in folders(&type_dir)? {
                    let (key, entry) = parse_name(&content, &name, id, &date, &type_folder)?;
                    for (_, path, _) in entries(&content)? {
                        out.files += 1;
                        out.bytes += size(&path)?;
                    }
                    out.extended
                        .entry((date.clone(), type_folder.clone(), key))
                        .or_default()
                        .push(entry);
                }
            }
        }
    }
    Ok(out)
}

fn flag_of(digit: char) -> Flag {
    match digit {
        '0' => Flag::Deleted,
        '2' => Flag::Superseded,
        _ => Flag::Current,
    }
}

/// Condition-flag resolution as `summary.rs` counts it: a `_1` makes the record current (or
/// cancelled, when the first chart cancelled it); no `_1` and every file `_0` is deleted.
fn outcome(key_path: &Path, versions: &[Entry], cancelled: bool) -> Result<Outcome, SynthError> {
    if versions.iter().any(|v| v.flag == '1') {
        return Ok(if cancelled {
            Outcome::Cancelled
        } else {
            Outcome::Current
        });
    }
    if versions.iter().all(|v| v.flag == '0') {
        return Ok(Outcome::Deleted);
    }
    Err(foreign(
        key_path,
        "its record has superseded (_2) versions but no current (_1) one",
    ))
}

impl PatientFiles {
    /// The patient's counts; `cancelled` are the keys of standardized records its first chart
    /// cancelled (ADT^A11, ADT^A13).
    pub(super) fn counts(&self, cancelled: &BTreeSet<Key>) -> Result<Counts, SynthError> {
        let mut counts = Counts {
            files: self.files,
            bytes: self.bytes,
            ..Counts::default()
        };
        for (part, records, out) in [
            (true, &self.standard, &mut counts.standard),
            (false, &self.extended, &mut counts.extended),
        ] {
            for (key, versions) in records {
                let Some(first) = versions.first() else {
                    continue;
                };
                let outcome = outcome(&first.path, versions, part && cancelled.contains(key))?;
                out.entry(key.1.clone())
                    .or_default()
                    .add_record(outcome, versions.iter().map(|v| flag_of(v.flag)));
            }
        }
        Ok(counts)
    }

    /// The highest order sequence (the last 3 digits) among this patient's order numbers and
    /// 特定キー that start with `prefix` (the facility and patient digits of `Builder::order_no`).
    pub(super) fn highest_order(&self, prefix: &str) -> u64 {
        self.standard
            .keys()
            .chain(self.extended.keys())
            .filter_map(|(_, _, order)| {
                let seq = order.strip_prefix(prefix)?;
                (seq.len() == 3).then(|| seq.parse::<u64>().ok()).flatten()
            })
            .max()
            .unwrap_or(0)
    }

    /// Files in standardized storage: each is one message with its own control ID.
    pub(super) fn standard_files(&self) -> u64 {
        self.standard.values().map(|v| v.len() as u64).sum()
    }

    /// Whether record `key` resolves as current (it has a `_1` and is not a cancel).
    pub(super) fn is_current(&self, key: &Key, cancelled: &BTreeSet<Key>) -> bool {
        !cancelled.contains(key)
            && self
                .standard
                .get(key)
                .is_some_and(|v| v.iter().any(|e| e.flag == '1'))
    }
}

/// A standardized-storage record on disk, held as the generator's own [`StandardRecord`], so
/// an update or a deletion changes its condition flags exactly as when the region was first
/// written (`record.rs`); [`OnDiskRecord::sync`] then renames and writes what changed, in the
/// guide's order: renames first, then the new file.
pub(super) struct OnDiskRecord {
    pub(super) record: StandardRecord,
    /// Where each version is on disk; `None` until a new version is written.
    paths: Vec<Option<PathBuf>>,
    dir: PathBuf,
    patient_id: String,
}

impl OnDiskRecord {
    /// Loads record `key` of `files`. `data_type` and `department` are the generator's own
    /// names for what the key and the files say.
    pub(super) fn load(
        files: &PatientFiles,
        key: &Key,
        data_type: &'static str,
        department: Option<&'static str>,
        patient_id: &str,
    ) -> Result<OnDiskRecord, SynthError> {
        let mut versions: Vec<&Entry> = files.standard.get(key).into_iter().flatten().collect();
        versions.sort_by(|a, b| a.event17.cmp(&b.event17));
        let Some(first) = versions.first() else {
            return Err(SynthError::not_a_region(
                format!("{}/{}/{}", key.0, key.1, key.2),
                "a record chosen for a change has no files",
            ));
        };
        let dir = first.path.parent().map(Path::to_owned).unwrap_or_default();
        let care_date = match key.0.as_str() {
            "-" => None,
            date => Some(
                date.parse::<CivilDate>()
                    .map_err(|_| foreign(&dir, "its care-date folder is not a date"))?,
            ),
        };
        let mut record_versions = Vec::with_capacity(versions.len() + 2);
        for v in &versions {
            record_versions.push(Version {
                event: Moment::from_event17(&v.event17)
                    .ok_or_else(|| foreign(&v.path, "its 発生日時 is not a time"))?,
                flag: flag_of(v.flag),
                message: String::new(),
            });
        }
        Ok(OnDiskRecord {
            record: StandardRecord {
                data_type,
                care_date,
                order_no: key.2.clone(),
                department,
                versions: record_versions,
                outcome: Outcome::Current,
            },
            paths: versions.iter().map(|v| Some(v.path.clone())).collect(),
            dir,
            patient_id: patient_id.to_owned(),
        })
    }

    /// The newest 発生日時 of the record: a new version must be later (the newest version wins).
    pub(super) fn latest(&self) -> Option<Moment> {
        self.record.versions.iter().map(|v| v.event).max()
    }

    /// Guide §2, INS on an existing key: the `_1` file is renamed `_2`, the new one is `_1`.
    pub(super) fn update(&mut self, at: Moment, message: String) -> Result<(), SynthError> {
        self.record.update(at, message);
        self.sync()
    }

    /// Guide §2, DEL: every file is renamed `_0`, and the deletion message is a new `_0` file.
    pub(super) fn delete(&mut self, at: Moment, message: String) -> Result<(), SynthError> {
        self.record.delete(at, message);
        self.sync()
    }

    fn sync(&mut self) -> Result<(), SynthError> {
        self.paths.resize(self.record.versions.len(), None);
        for i in 0..self.record.versions.len() {
            let digit = self.record.versions[i].flag.digit();
            match &self.paths[i] {
                Some(path) => {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if name.ends_with(digit) {
                        continue;
                    }
                    let mut renamed = name;
                    renamed.pop();
                    renamed.push(digit);
                    let to = self.dir.join(renamed);
                    if to.exists() {
                        return Err(foreign(&to, "it is in the way of a condition-flag rename"));
                    }
                    fs::rename(path, &to).map_err(|e| SynthError::io("rename", path, e))?;
                    self.paths[i] = Some(to);
                }
                None => {
                    let event17 = self.record.versions[i].event.event17();
                    let name =
                        layout::standard_file_name(&self.patient_id, &self.record, &event17, digit);
                    let message = std::mem::take(&mut self.record.versions[i].message);
                    let bytes = encode_iso_2022_jp(&message, self.record.data_type)?;
                    let path = self.dir.join(name);
                    layout::write_new(&path, &bytes)?;
                    self.paths[i] = Some(path);
                }
            }
        }
        Ok(())
    }
}
