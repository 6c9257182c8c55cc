//! What `hub status` shows: the last build and the last publish, as each recorded itself in
//! `state/` (`last-build.json`, `last-publish.json`, replaced in one rename when each succeeds).
//! Keys, counts and times only: no patient data.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{HubError, STATE_DIR};

/// The last build's record's file name, in `state/`.
pub const LAST_BUILD_FILE: &str = "last-build.json";
/// The last publish's record's file name, in `state/`.
pub const LAST_PUBLISH_FILE: &str = "last-publish.json";

/// One build, as it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildRecord {
    pub finished: DateTime<Utc>,
    /// "base" or "layer".
    pub kind: String,
    /// The file it wrote, in `builds/`.
    pub file: String,
    pub sequence: u32,
    /// Patients in the storage.
    pub patients: u64,
    /// Reader errors over the whole storage (the build's exit code is 3 when above 0).
    pub storage_errors: u64,
    pub seconds: f64,
    pub facilities: Vec<FacilityRecord>,
}

/// One facility at a build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityRecord {
    pub code: String,
    pub name: Option<String>,
    /// Its newest real record time (ISO 8601), when any record had one.
    pub data_as_of: Option<String>,
    pub patients: u64,
    pub errors: u64,
    pub warnings: u64,
    /// Distinct codes no standard master knew (of the patients the build read; a base reads
    /// everyone), absent in records from before masters.
    #[serde(default)]
    pub unknown_codes: u64,
}

/// One publish, as it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishRecord {
    pub finished: DateTime<Utc>,
    pub repository: PathBuf,
    pub timestamp_version: u64,
    pub targets_version: u64,
    /// When the timestamp it signed expires: past it, laptops call the repository frozen.
    pub timestamp_expires: DateTime<Utc>,
    /// The laptop IDs it listed as revoked.
    pub revoked: usize,
}

/// Records a finished build.
pub fn record_build(folder: &Path, record: &BuildRecord) -> Result<(), HubError> {
    write_json(&folder.join(STATE_DIR).join(LAST_BUILD_FILE), record)
}

/// Records a finished publish.
pub fn record_publish(folder: &Path, record: &PublishRecord) -> Result<(), HubError> {
    write_json(&folder.join(STATE_DIR).join(LAST_PUBLISH_FILE), record)
}

/// The last build and publish recorded (None where there was none, or its record is unreadable).
pub fn last(folder: &Path) -> (Option<BuildRecord>, Option<PublishRecord>) {
    let read = |name: &str| {
        fieldchart_vault::input::read_bounded(&folder.join(STATE_DIR).join(name), 1 << 20).ok()
    };
    (
        read(LAST_BUILD_FILE).and_then(|b| serde_json::from_slice(&b).ok()),
        read(LAST_PUBLISH_FILE).and_then(|b| serde_json::from_slice(&b).ok()),
    )
}

fn write_json(path: &Path, value: &impl Serialize) -> Result<(), HubError> {
    let io = |source| HubError::Io {
        path: path.to_owned(),
        source,
    };
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| io(std::io::Error::other(e)))?;
    bytes.push(b'\n');
    let temp = path.with_extension("json.new");
    let written = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        let mut f = fs::File::create(&temp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_and_a_missing_one_is_none() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(last(dir.path()), (None, None));
        let b = BuildRecord {
            finished: "2026-12-07T02:14:00Z".parse().unwrap(),
            kind: "layer".into(),
            file: "layer-x.fcs".into(),
            sequence: 3,
            patients: 10,
            storage_errors: 1,
            seconds: 2.5,
            facilities: vec![FacilityRecord {
                code: "0410610011".into(),
                name: Some("病院".into()),
                data_as_of: Some("2026-12-06T23:00:00".into()),
                patients: 10,
                errors: 1,
                warnings: 0,
                unknown_codes: 2,
            }],
        };
        record_build(dir.path(), &b).unwrap();
        assert_eq!(last(dir.path()).0, Some(b));
        fs::write(dir.path().join(STATE_DIR).join(LAST_PUBLISH_FILE), b"{").unwrap();
        assert_eq!(last(dir.path()).1, None);
    }
}
