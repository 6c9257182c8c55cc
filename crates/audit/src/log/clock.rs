//! Where an entry's time comes from, and when it cannot be right (requirements AUD-13, AUD-14, in
//! the IHE CT spirit).
//!
//! Each entry records three readings: the wall clock, the kernel's boot id, and CLOCK_BOOTTIME. The
//! wall clock is what people read; the boot-time counter cannot be set by anyone, so within one boot
//! the two must advance together. CLOCK_BOOTTIME (not CLOCK_MONOTONIC) because it keeps counting
//! through suspend, when the wall clock also moves on.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, Local, TimeDelta, Utc};

use crate::event::{ClockAnomaly, ClockInfo};

/// How far wall-clock and boot-time deltas may disagree within one boot before it is a
/// [`ClockAnomaly::Jump`]. NTP slews by milliseconds and steps by seconds; minutes mean someone set
/// the clock.
pub const JUMP_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

/// One reading of the clocks, taken as an entry is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockReading {
    pub wall: DateTime<FixedOffset>,
    /// The kernel boot id, or "" when it could not be read.
    pub boot: String,
    /// Nanoseconds since boot, suspend included.
    pub mono_ns: u64,
}

/// A source of clock readings: the system's, or a test's.
pub trait Clock: Send {
    fn read(&self) -> ClockReading;
}

/// The laptop's own clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn read(&self) -> ClockReading {
        let time = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        let mono_ns = u64::try_from(time.tv_sec)
            .unwrap_or(0)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::try_from(time.tv_nsec).unwrap_or(0));
        ClockReading {
            wall: Local::now().fixed_offset(),
            boot: boot_id().to_owned(),
            mono_ns,
        }
    }
}

/// The system's boot id and boot-time counter, with the wall clock that a function gives: for a
/// viewer whose decisions and log must read one clock (the system's, outside tests). With
/// `Utc::now` it reads what [`SystemClock`] reads.
pub struct WallFrom<F>(pub F);

impl<F: Fn() -> DateTime<Utc> + Send> Clock for WallFrom<F> {
    fn read(&self) -> ClockReading {
        let mut reading = SystemClock.read();
        reading.wall = (self.0)().with_timezone(&Local).fixed_offset();
        reading
    }
}

/// The kernel's random id for this boot. It cannot change while the process runs, so it is read once.
fn boot_id() -> &'static str {
    static BOOT_ID: OnceLock<String> = OnceLock::new();
    BOOT_ID.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
            .map(|text| text.trim().to_owned())
            // It goes into a plaintext line verbatim: accept only what a boot id looks like.
            .ok()
            .filter(|id| {
                !id.is_empty()
                    && id.len() <= 64
                    && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
            })
            .unwrap_or_default()
    })
}

/// Where systemd-timesyncd says whether the clock is synchronised (readable without root).
const TIMESYNCD_DIR: &str = "/run/systemd/timesync";

impl ClockInfo {
    /// The system clock as the OS describes it now: `synchronized` is `Some(true)` once
    /// systemd-timesyncd has synchronised since boot (its `synchronized` file exists; `last_sync` is
    /// that file's time), `Some(false)` while timesyncd runs but has not, and `None` when another
    /// daemon (chrony, ntpd) or none keeps time, since those say nothing to an unprivileged user.
    pub fn system() -> ClockInfo {
        Self::from_timesyncd(Path::new(TIMESYNCD_DIR))
    }

    /// Raises `last_sync` to `trusted` if that is newer: e.g. the creation time of a snapshot the hub
    /// signed, which the clock of the hub vouched for.
    pub fn with_trusted_time(mut self, trusted: DateTime<Utc>) -> ClockInfo {
        if self.last_sync.is_none_or(|known| known < trusted) {
            self.last_sync = Some(trusted);
        }
        self
    }

    fn from_timesyncd(dir: &Path) -> ClockInfo {
        if !dir.is_dir() {
            return ClockInfo {
                source: "system".to_owned(),
                synchronized: None,
                last_sync: None,
                anomaly: None,
            };
        }
        let flag = std::fs::metadata(dir.join("synchronized")).ok();
        ClockInfo {
            source: "system (systemd-timesyncd)".to_owned(),
            synchronized: Some(flag.is_some()),
            last_sync: flag
                .and_then(|meta| meta.modified().ok())
                .map(DateTime::<Utc>::from),
            anomaly: None,
        }
    }
}

/// The clock readings of the entry before the one being written.
#[derive(Debug, Clone)]
pub(crate) struct Previous {
    pub at: DateTime<FixedOffset>,
    pub boot: String,
    /// None for the genesis line, which records no boot-time reading.
    pub mono_ns: Option<u64>,
}

/// What is wrong with `now` given the previous entry, if anything: going backwards is checked across
/// boots; a jump only within one boot, where the boot-time counter says how much time really passed.
pub(crate) fn anomaly(previous: &Previous, now: &ClockReading) -> Option<ClockAnomaly> {
    let clock = now.wall.with_timezone(&Utc);
    let before = previous.at.with_timezone(&Utc);
    if clock < before {
        return Some(ClockAnomaly::Backwards {
            clock,
            previous: before,
        });
    }
    let same_boot = !now.boot.is_empty() && now.boot == previous.boot;
    if same_boot
        && let Some(then) = previous.mono_ns
        && let Some(elapsed) = now.mono_ns.checked_sub(then)
        && let Ok(elapsed) = i64::try_from(elapsed)
        && let Some(expected) = before.checked_add_signed(TimeDelta::nanoseconds(elapsed))
        && (clock - expected).abs() > JUMP_TOLERANCE
    {
        return Some(ClockAnomaly::Jump { clock, expected });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("valid time")
    }

    fn previous() -> Previous {
        Previous {
            at: at("2026-03-11T14:46:00+09:00"),
            boot: "boot-a".to_owned(),
            mono_ns: Some(1_000_000_000_000),
        }
    }

    fn reading(wall: &str, boot: &str, mono_ns: u64) -> ClockReading {
        ClockReading {
            wall: at(wall),
            boot: boot.to_owned(),
            mono_ns,
        }
    }

    #[test]
    fn clocks_that_advance_together_are_not_an_anomaly() {
        let now = reading("2026-03-11T14:47:00+09:00", "boot-a", 1_060_000_000_000);
        assert_eq!(anomaly(&previous(), &now), None);
    }

    #[test]
    fn a_change_of_utc_offset_alone_is_not_backwards() {
        // 05:47 UTC is one minute after 14:46 in Japan.
        let now = reading("2026-03-11T05:47:00+00:00", "boot-a", 1_060_000_000_000);
        assert_eq!(anomaly(&previous(), &now), None);
    }

    #[test]
    fn a_clock_earlier_than_the_previous_entry_is_backwards() {
        let now = reading("2026-03-11T14:45:59+09:00", "boot-b", 5);
        assert!(matches!(
            anomaly(&previous(), &now),
            Some(ClockAnomaly::Backwards { .. })
        ));
    }

    #[test]
    fn a_clock_set_forward_within_one_boot_is_a_jump() {
        let now = reading("2026-03-11T15:46:00+09:00", "boot-a", 1_060_000_000_000);
        let Some(ClockAnomaly::Jump { expected, .. }) = anomaly(&previous(), &now) else {
            panic!("expected a jump");
        };
        assert_eq!(expected, at("2026-03-11T14:47:00+09:00"));
    }

    #[test]
    fn a_new_boot_has_no_boot_time_to_compare_with() {
        let now = reading("2026-03-12T09:00:00+09:00", "boot-b", 30_000_000_000);
        assert_eq!(anomaly(&previous(), &now), None);
    }

    #[test]
    fn timesyncd_with_its_flag_file_means_synchronised_at_its_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("synchronized"), "").expect("written");
        let info = ClockInfo::from_timesyncd(dir.path());
        assert_eq!(info.synchronized, Some(true));
        assert!(info.last_sync.is_some());
    }

    #[test]
    fn timesyncd_without_its_flag_file_means_not_synchronised() {
        let dir = tempfile::tempdir().expect("temp dir");
        let info = ClockInfo::from_timesyncd(dir.path());
        assert_eq!(info.synchronized, Some(false));
        assert_eq!(info.last_sync, None);
    }

    #[test]
    fn no_timesyncd_means_synchronisation_is_unknown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let info = ClockInfo::from_timesyncd(&dir.path().join("absent"));
        assert_eq!((info.source.as_str(), info.synchronized), ("system", None));
    }

    #[test]
    fn a_snapshot_newer_than_the_last_sync_raises_it() {
        let older = at("2026-01-01T00:00:00Z").with_timezone(&Utc);
        let newer = at("2026-02-01T00:00:00Z").with_timezone(&Utc);
        let info = ClockInfo::from_timesyncd(Path::new("/nonexistent")).with_trusted_time(older);
        assert_eq!(info.clone().with_trusted_time(newer).last_sync, Some(newer));
        assert_eq!(info.with_trusted_time(older).last_sync, Some(older));
    }

    #[test]
    fn the_system_clock_reads_a_boot_time_that_does_not_go_back() {
        let first = SystemClock.read();
        let second = SystemClock.read();
        assert!(second.mono_ns >= first.mono_ns);
        assert_eq!(first.boot, second.boot);
    }
}
