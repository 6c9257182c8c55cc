//! The laptop's clock floor: the latest time it can vouch for, kept beside its audit log
//! (`device-clock.json`), so that a clock turned back cannot stretch a snapshot's lease.
//!
//! Two times are kept:
//! - `hub`: the newest hub-signed time this laptop has seen: the creation time of the newest file a
//!   sync brought. It only ever goes up. Real time is never earlier than it.
//! - `high`: the latest time the laptop's own clock showed when a viewing began or a sync ended. It
//!   only goes up between syncs, so a refused attempt under a turned-back clock (whose audit entry is
//!   backdated) does not lower it.
//!
//! A clock set wrongly *forward* once (a typo of the year) would push `high` into the future and
//! make every snapshot look past its lease. A successful sync resets it: the sync checked the
//! repository's signed timestamp (which expires within a day) or the snapshot's validity window
//! against the clock, so the clock it ran with is not far ahead; `high` becomes that clock (never
//! below `hub`). A laptop with a clock far forward cannot sync (the timestamp looks expired), so the
//! fix is to set the clock right and sync.
//!
//! The file is plain JSON, replaced in one rename. It is a speed bump, not a lock: whoever can
//! delete it can delete the audit log too. What it does guarantee is that turning the clock back
//! alone gains nothing: the session judges a snapshot's validity and lease by the latest of its
//! clock, this floor, its log's newest entry and the snapshot's own signed creation time.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// The floor file's name, beside the audit log.
pub const FLOOR_FILE: &str = "device-clock.json";

/// The laptop's clock floor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Floor {
    /// The newest hub-signed time seen (a synced file's creation).
    #[serde(default, with = "opt_time")]
    pub hub: Option<DateTime<Utc>>,
    /// The latest time the laptop's clock showed since the last sync.
    #[serde(default, with = "opt_time")]
    pub high: Option<DateTime<Utc>>,
}

impl Floor {
    /// The latest time the floor vouches for.
    pub fn vouched(&self) -> Option<DateTime<Utc>> {
        self.hub.max(self.high)
    }
}

/// The floor file of the audit log at `audit_log`.
pub fn floor_path(audit_log: &Path) -> PathBuf {
    audit_log.with_file_name(FLOOR_FILE)
}

/// The floor kept beside `audit_log`; none (or an unreadable file) is an empty floor.
pub fn read_floor(audit_log: &Path) -> Floor {
    let path = floor_path(audit_log);
    // A regular file of a few hundred bytes, or nothing: never a pipe that would block.
    fs::metadata(&path)
        .ok()
        .filter(|m| m.is_file() && m.len() <= 4096)
        .and_then(|_| fs::read(&path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// A viewing began at `now` by the laptop's clock: `high` rises to it (never falls).
pub fn raise(audit_log: &Path, now: DateTime<Utc>) -> std::io::Result<Floor> {
    let mut floor = read_floor(audit_log);
    let high = floor.high.map_or(now, |h| h.max(now));
    if floor.high == Some(high) {
        return Ok(floor);
    }
    floor.high = Some(high);
    write(audit_log, &floor)?;
    Ok(floor)
}

/// A sync succeeded at `now`, bringing files the hub made up to `hub_time`: `hub` rises to it, and
/// `high` is reset to the sync's clock (never below `hub`).
pub fn reset_at_sync(
    audit_log: &Path,
    now: DateTime<Utc>,
    hub_time: DateTime<Utc>,
) -> std::io::Result<Floor> {
    let mut floor = read_floor(audit_log);
    let hub = floor.hub.map_or(hub_time, |h| h.max(hub_time));
    floor.hub = Some(hub);
    floor.high = Some(now.max(hub));
    write(audit_log, &floor)?;
    Ok(floor)
}

fn write(audit_log: &Path, floor: &Floor) -> std::io::Result<()> {
    let path = floor_path(audit_log);
    let temp = path.with_extension("json.new");
    let mut bytes = serde_json::to_vec_pretty(floor).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let written = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&temp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        fs::rename(&temp, &path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

mod opt_time {
    use super::*;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        Ok(text
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_floor_only_rises_between_syncs_and_a_sync_resets_a_clock_once_far_ahead() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        assert_eq!(read_floor(&log).vouched(), None);
        raise(&log, at("2026-12-01T10:00:00Z")).unwrap();
        // The clock turned back: the floor stays.
        let f = raise(&log, at("2026-11-01T10:00:00Z")).unwrap();
        assert_eq!(f.vouched(), Some(at("2026-12-01T10:00:00Z")));
        // A year typed wrong, once: the floor follows it...
        raise(&log, at("2036-12-01T10:00:00Z")).unwrap();
        assert_eq!(read_floor(&log).high, Some(at("2036-12-01T10:00:00Z")));
        // ...until the clock is set right and a sync succeeds.
        let f =
            reset_at_sync(&log, at("2026-12-02T08:00:00Z"), at("2026-12-02T02:00:00Z")).unwrap();
        assert_eq!(f.vouched(), Some(at("2026-12-02T08:00:00Z")));
        // A sync under a clock behind the hub's newest file never takes the floor below it.
        let f =
            reset_at_sync(&log, at("2026-01-01T00:00:00Z"), at("2026-12-01T02:00:00Z")).unwrap();
        assert_eq!(f.hub, Some(at("2026-12-02T02:00:00Z")));
        assert_eq!(f.vouched(), Some(at("2026-12-02T02:00:00Z")));
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [FLOOR_FILE]);
    }

    #[test]
    fn a_damaged_floor_file_is_an_empty_floor() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        fs::write(floor_path(&log), b"{not json").unwrap();
        assert_eq!(read_floor(&log), Floor::default());
        raise(&log, at("2026-12-01T10:00:00Z")).unwrap();
        assert_eq!(read_floor(&log).vouched(), Some(at("2026-12-01T10:00:00Z")));
    }
}
