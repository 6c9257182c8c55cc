//! The forwarding state beside the log (`<log>.forwarded`): for each hub, the highest sequence
//! number it has acknowledged. It is the only thing that makes forwarding store-and-forward, so it
//! is replaced atomically (temporary file, fsync, rename, fsync of the folder): a power cut leaves
//! either the old state or the new one, never half of either.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::destination::Destination;
use crate::message::LogId;

const FORMAT: &str = "fieldchart-audit-forwarded/1";

/// Where the forwarding state of `log` lives: the log's own path with `.forwarded` appended.
pub fn state_path_for(log: &Path) -> PathBuf {
    let mut name = OsString::from(log.as_os_str());
    name.push(".forwarded");
    PathBuf::from(name)
}

/// Why the state file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the forwarding state {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "the forwarding state {path} is damaged ({reason}); if the hub holds everything up to a known entry, delete the file and forward again (the hub drops what it already has)"
    )]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "the forwarding state {path} belongs to audit log {found:?}, not to {expected:?}; move it aside if the log was replaced"
    )]
    OtherLog {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("cannot write the forwarding state {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

#[derive(Debug, Serialize, Deserialize)]
struct File1 {
    format: String,
    log: String,
    /// Collector (`cert-sha256:…` of its certificate; `host:port` in a state written before) →
    /// highest acknowledged sequence number.
    acknowledged: BTreeMap<String, u64>,
    /// Destination (`host:port`) → the collector identity it last reached: lets a run with
    /// nothing new end without connecting.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    reached: BTreeMap<String, String>,
}

/// The acknowledged positions of one log, as read from (and written back to) its state file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardState {
    log: LogId,
    acknowledged: BTreeMap<String, u64>,
    reached: BTreeMap<String, String>,
}

impl ForwardState {
    /// Reads the state, or starts an empty one if the file does not exist yet.
    pub fn load(path: &Path, log: &LogId) -> Result<Self, StateError> {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(ForwardState {
                    log: log.clone(),
                    acknowledged: BTreeMap::new(),
                    reached: BTreeMap::new(),
                });
            }
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let damaged = |reason: String| StateError::Damaged {
            path: path.to_owned(),
            reason,
        };
        let file: File1 = serde_json::from_str(&text).map_err(|e| damaged(e.to_string()))?;
        if file.format != FORMAT {
            return Err(damaged(format!(
                "format {:?}, expected {FORMAT:?}",
                file.format
            )));
        }
        if file.log != log.as_str() {
            return Err(StateError::OtherLog {
                path: path.to_owned(),
                found: file.log,
                expected: log.as_str().to_owned(),
            });
        }
        Ok(ForwardState {
            log: log.clone(),
            acknowledged: file.acknowledged,
            reached: file.reached,
        })
    }

    /// The highest sequence number the collector `identity` (its certificate's,
    /// `Session::identity`) has acknowledged, if any. A state written before collectors were
    /// known by identity has it under the `HOST:PORT` text it was reached by: that counts too,
    /// until the next [`ForwardState::set`] moves it.
    pub fn acknowledged(&self, identity: &str, reached_as: &Destination) -> Option<u64> {
        self.acknowledged
            .get(identity)
            .or_else(|| self.acknowledged.get(&reached_as.to_string()))
            .copied()
    }

    /// The collector that acknowledged the most, and how far.
    pub fn highest(&self) -> Option<(String, u64)> {
        self.acknowledged
            .iter()
            .max_by_key(|(_, seq)| **seq)
            .map(|(k, seq)| (k.clone(), *seq))
    }

    pub(crate) fn set(&mut self, identity: &str, reached_as: &Destination, seq: u64) {
        self.acknowledged.remove(&reached_as.to_string());
        self.acknowledged.insert(identity.to_owned(), seq);
        self.reached
            .insert(reached_as.to_string(), identity.to_owned());
    }

    /// How far the collector `destination` reached last time acknowledged: a run with nothing
    /// beyond it need not connect. (If the name now leads to another collector, the next entry's
    /// run finds out and sends it everything.)
    pub fn acknowledged_at_last_reach(&self, destination: &Destination) -> Option<u64> {
        let name = destination.to_string();
        match self.reached.get(&name) {
            Some(identity) => self.acknowledged.get(identity).copied(),
            None => self.acknowledged.get(&name).copied(),
        }
    }

    /// Replaces the file atomically and durably.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let write_err = |source| StateError::Write {
            path: path.to_owned(),
            source,
        };
        let file = File1 {
            format: FORMAT.to_owned(),
            log: self.log.as_str().to_owned(),
            acknowledged: self.acknowledged.clone(),
            reached: self.reached.clone(),
        };
        let mut text =
            serde_json::to_string_pretty(&file).map_err(|e| write_err(io::Error::other(e)))?;
        text.push('\n');

        let mut tmp_name = OsString::from(path.as_os_str());
        tmp_name.push(format!(".tmp{}", std::process::id()));
        let tmp = PathBuf::from(tmp_name);
        let result = (|| {
            let mut f = File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, path)?;
            // The rename itself is durable only once the folder's entry is on disk.
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(write_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log() -> LogId {
        LogId::new("log-a").expect("id")
    }

    #[test]
    fn state_lives_beside_the_log_with_forwarded_appended() {
        assert_eq!(
            state_path_for(Path::new("/var/lib/fieldchart/audit.log")),
            Path::new("/var/lib/fieldchart/audit.log.forwarded")
        );
    }

    #[test]
    fn a_missing_state_file_means_nothing_is_acknowledged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = ForwardState::load(&dir.path().join("x.forwarded"), &log()).expect("load");
        let hub: Destination = "hub:6514".parse().expect("dest");
        assert_eq!(state.acknowledged("cert-sha256:a", &hub), None);
        assert_eq!(state.highest(), None);
    }

    #[test]
    fn positions_are_kept_per_collector_whatever_name_reached_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.log.forwarded");
        let by_name: Destination = "localhost:6514".parse().expect("dest");
        let by_address: Destination = "127.0.0.1:6514".parse().expect("dest");
        let backup: Destination = "backup:6514".parse().expect("dest");
        let mut state = ForwardState::load(&path, &log()).expect("load");
        state.set("cert-sha256:hub", &by_name, 500);
        state.set("cert-sha256:backup", &backup, 20);
        state.save(&path).expect("save");
        let again = ForwardState::load(&path, &log()).expect("reload");
        // The same collector reached by another name is the same position.
        assert_eq!(
            again.acknowledged("cert-sha256:hub", &by_address),
            Some(500)
        );
        assert_eq!(again.acknowledged("cert-sha256:backup", &backup), Some(20));
        assert_eq!(again.acknowledged("cert-sha256:new", &by_address), None);
        assert_eq!(again.highest(), Some(("cert-sha256:hub".to_owned(), 500)));
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(leftovers, vec![OsString::from("audit.log.forwarded")]);
    }

    #[test]
    fn a_state_of_names_is_taken_over_by_identity_at_the_next_acknowledgement() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.log.forwarded");
        fs::write(
            &path,
            format!(r#"{{"format":"{FORMAT}","log":"log-a","acknowledged":{{"hub:6514":40}}}}"#),
        )
        .expect("old state");
        let hub: Destination = "hub:6514".parse().expect("dest");
        let mut state = ForwardState::load(&path, &log()).expect("load");
        assert_eq!(state.acknowledged("cert-sha256:hub", &hub), Some(40));
        state.set("cert-sha256:hub", &hub, 41);
        state.save(&path).expect("save");
        let file: File1 =
            serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("json");
        assert_eq!(
            file.acknowledged,
            BTreeMap::from([("cert-sha256:hub".to_owned(), 41)])
        );
        assert_eq!(file.reached["hub:6514"], "cert-sha256:hub");
    }

    #[test]
    fn a_state_file_of_another_log_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.log.forwarded");
        ForwardState::load(&path, &log())
            .expect("load")
            .save(&path)
            .expect("save");
        let other = LogId::new("log-b").expect("id");
        let err = ForwardState::load(&path, &other).expect_err("other log");
        assert!(matches!(err, StateError::OtherLog { .. }), "{err}");
    }

    #[test]
    fn a_damaged_state_file_is_reported_with_its_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("audit.log.forwarded");
        fs::write(&path, "{\"format\":").expect("write");
        let err = ForwardState::load(&path, &log()).expect_err("damaged");
        assert!(matches!(err, StateError::Damaged { .. }));
        assert!(err.to_string().contains("audit.log.forwarded"), "{err}");
    }
}
