//! Where records go on disk (guide §1.1, §1.2, §6) and the tally of what was written.
//!
//! Standardized: `<root>/<id[0..3]>/<id[3..6]>/<id>/<date|->/<type>/<file>` with file names
//! `<id>_<date|->_<type>_<order>_<発生日時17>_<dept|->_<flag>`, no extension.
//! Extended: `<root>/<id[0..3]>/<id[3..6]>/<id>/<date>/<type folder>/<content folder>/<files>`
//! with 7-part content folders `<id>_<date>_<type folder>_<特定キー>_<発生日時17>_<dept|->_<flag>`;
//! the type part is the whole data-type folder name, as in the NHO sample.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::chart::{Chart, StandardRecord};
use crate::error::SynthError;
use crate::hl7_writer::encode_iso_2022_jp;
use crate::summary::TypeCounts;

/// What one patient's chart put on disk.
#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) files: u64,
    pub(crate) bytes: u64,
    pub(crate) standard: BTreeMap<&'static str, TypeCounts>,
    pub(crate) extended: BTreeMap<&'static str, TypeCounts>,
}

/// `<root>/<id[0..3]>/<id[3..6]>/<id>`; IDs shorter than 6 characters use what they have.
pub(crate) fn patient_dir(root: &Path, id: &str) -> PathBuf {
    let first: String = id.chars().take(3).collect();
    let second: String = id.chars().skip(3).take(3).collect();
    root.join(first).join(second).join(id)
}

fn dash_or(value: Option<&str>) -> &str {
    value.unwrap_or("-")
}

pub(crate) fn standard_file_name(
    id: &str,
    record: &StandardRecord,
    event17: &str,
    flag: char,
) -> String {
    let date = record.care_date.map(|d| d.compact());
    format!(
        "{id}_{}_{}_{}_{event17}_{}_{flag}",
        dash_or(date.as_deref()),
        record.data_type,
        record.order_no,
        dash_or(record.department),
    )
}

/// Creates directories once per patient (a small list: a chart has a few dozen folders).
struct Dirs(Vec<PathBuf>);

impl Dirs {
    fn ensure(&mut self, dir: &Path) -> Result<(), SynthError> {
        if self.0.iter().any(|d| d == dir) {
            return Ok(());
        }
        fs::create_dir_all(dir).map_err(|e| SynthError::io("create directory", dir, e))?;
        self.0.push(dir.to_owned());
        Ok(())
    }
}

/// Whether files are written into a fresh tree, or added to a region that already has files
/// (a next day), where a name already taken is an error rather than an overwrite.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fresh,
    Add,
}

fn write(path: &Path, bytes: &[u8], tally: &mut Tally, mode: Mode) -> Result<(), SynthError> {
    match mode {
        Mode::Fresh => fs::write(path, bytes).map_err(|e| SynthError::io("write", path, e))?,
        Mode::Add => write_new(path, bytes)?,
    }
    tally.files += 1;
    tally.bytes += bytes.len() as u64;
    Ok(())
}

/// Writes a file that must not exist yet: a next day never rewrites a file it did not change.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<(), SynthError> {
    use std::io::Write as _;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| SynthError::io("create", path, e))?;
    file.write_all(bytes)
        .map_err(|e| SynthError::io("write", path, e))
}

/// Writes a chart under the facility's standard and extended roots.
pub(crate) fn write_chart(
    standard_root: &Path,
    extended_root: &Path,
    id: &str,
    chart: &Chart,
) -> Result<Tally, SynthError> {
    write_records(standard_root, extended_root, id, chart, Mode::Fresh)
}

/// Adds a chart's records to a patient's folders, refusing to replace any file.
pub(crate) fn add_chart(
    standard_root: &Path,
    extended_root: &Path,
    id: &str,
    chart: &Chart,
) -> Result<Tally, SynthError> {
    write_records(standard_root, extended_root, id, chart, Mode::Add)
}

fn write_records(
    standard_root: &Path,
    extended_root: &Path,
    id: &str,
    chart: &Chart,
    mode: Mode,
) -> Result<Tally, SynthError> {
    let mut tally = Tally::default();
    let mut dirs = Dirs(Vec::new());
    let patient = patient_dir(standard_root, id);
    for record in &chart.standard {
        let date = record
            .care_date
            .map_or_else(|| "-".to_owned(), |d| d.compact());
        let dir = patient.join(&date).join(record.data_type);
        dirs.ensure(&dir)?;
        for version in &record.versions {
            let name =
                standard_file_name(id, record, &version.event.event17(), version.flag.digit());
            let bytes = encode_iso_2022_jp(&version.message, record.data_type)?;
            write(&dir.join(name), &bytes, &mut tally, mode)?;
        }
        tally
            .standard
            .entry(record.data_type)
            .or_default()
            .add_record(record.outcome, record.versions.iter().map(|v| v.flag));
    }
    let patient = patient_dir(extended_root, id);
    for record in &chart.extended {
        let date = record.care_date.compact();
        let type_dir = patient.join(&date).join(record.doc_type.folder);
        for version in &record.versions {
            let folder = format!(
                "{id}_{date}_{}_{}_{}_{}_{}",
                record.doc_type.folder,
                record.key,
                version.event.event17(),
                dash_or(record.department),
                version.flag.digit()
            );
            let dir = type_dir.join(folder);
            dirs.ensure(&dir)?;
            for file in &version.files {
                write(&dir.join(file.name), &file.bytes, &mut tally, mode)?;
            }
        }
        tally
            .extended
            .entry(record.doc_type.folder)
            .or_default()
            .add_record(record.outcome, record.versions.iter().map(|v| v.flag));
    }
    Ok(tally)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_folders_take_the_first_six_characters() {
        let p = patient_dir(Path::new("/r"), "0010000042");
        assert_eq!(p, Path::new("/r/001/000/0010000042"));
        assert_eq!(
            patient_dir(Path::new("/r"), "12345"),
            Path::new("/r/123/45/12345")
        );
    }
}
