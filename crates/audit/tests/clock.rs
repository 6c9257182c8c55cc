//! Clock anomalies (requirements AUD-14): a clock that goes back or jumps is flagged in the entry,
//! with a clock the test controls.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};
use common::{Fixture, sample_entries, time};
use fieldchart_audit::{AuditLog, Clock, ClockAnomaly, ClockReading, read};

/// A clock the test sets by hand; clones share the reading.
#[derive(Clone)]
struct HandClock(Arc<Mutex<ClockReading>>);

impl HandClock {
    fn new(wall: &str, boot: &str, mono_s: u64) -> HandClock {
        HandClock(Arc::new(Mutex::new(reading(wall, boot, mono_s))))
    }

    fn set(&self, wall: &str, boot: &str, mono_s: u64) {
        *self.0.lock().expect("not poisoned") = reading(wall, boot, mono_s);
    }
}

impl Clock for HandClock {
    fn read(&self) -> ClockReading {
        self.0.lock().expect("not poisoned").clone()
    }
}

fn wall(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("valid time")
}

fn reading(wall_text: &str, boot: &str, mono_s: u64) -> ClockReading {
    ClockReading {
        wall: wall(wall_text),
        boot: boot.to_owned(),
        mono_ns: mono_s * 1_000_000_000,
    }
}

fn open(fixture: &Fixture, clock: &HandClock) -> AuditLog {
    AuditLog::open_with_clock(&fixture.log, &fixture.key, Box::new(clock.clone())).expect("opens")
}

#[test]
fn a_clock_earlier_than_the_previous_entry_is_flagged_backwards_in_the_entry() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 100);
    let mut log = open(&fixture, &clock);
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    clock.set("2026-03-11T13:00:00+09:00", "boot-1", 160);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[1])
        .expect("appended");
    let expected = ClockAnomaly::Backwards {
        clock: time("2026-03-11T04:00:00Z"),
        previous: time("2026-03-11T05:46:00Z"),
    };
    assert_eq!(appended.anomaly, Some(expected.clone()));
    drop(log);
    let records = read(&fixture.log, &fixture.identity).expect("readable");
    assert_eq!(records[0].entry.clock.anomaly, None);
    assert_eq!(records[1].entry.clock.anomaly, Some(expected));
    assert_eq!(records[1].at, wall("2026-03-11T13:00:00+09:00"));
}

#[test]
fn a_clock_set_forward_within_one_boot_is_flagged_as_a_jump() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 100);
    let mut log = open(&fixture, &clock);
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    // One minute of boot time, but the wall clock moved on a day.
    clock.set("2026-03-12T14:47:00+09:00", "boot-1", 160);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[1])
        .expect("appended");
    assert_eq!(
        appended.anomaly,
        Some(ClockAnomaly::Jump {
            clock: time("2026-03-12T05:47:00Z"),
            expected: time("2026-03-11T05:47:00Z"),
        })
    );
}

#[test]
fn a_clock_that_keeps_pace_with_boot_time_is_not_flagged() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 100);
    let mut log = open(&fixture, &clock);
    for minute in 0..3u64 {
        clock.set(
            &format!("2026-03-11T14:4{}:00+09:00", 7 + minute),
            "boot-1",
            160 + minute * 60,
        );
        let appended = log
            .append(&fixture.recipient, &sample_entries()[0])
            .expect("appended");
        assert_eq!(appended.anomaly, None);
    }
}

#[test]
fn a_reboot_restarts_boot_time_without_a_flag() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 5_000);
    let mut log = open(&fixture, &clock);
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    clock.set("2026-03-11T18:00:00+09:00", "boot-2", 30);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[1])
        .expect("appended");
    assert_eq!(appended.anomaly, None);
}

#[test]
fn backwards_is_judged_against_the_log_after_reopening() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 100);
    let mut log = open(&fixture, &clock);
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    drop(log);
    clock.set("2026-03-10T09:00:00+09:00", "boot-2", 20);
    let mut log = open(&fixture, &clock);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[1])
        .expect("appended");
    assert!(matches!(
        appended.anomaly,
        Some(ClockAnomaly::Backwards { .. })
    ));
}

#[test]
fn a_first_entry_earlier_than_the_log_itself_is_backwards() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 100);
    let mut log = open(&fixture, &clock);
    clock.set("2026-03-11T14:00:00+09:00", "boot-1", 101);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    assert!(matches!(
        appended.anomaly,
        Some(ClockAnomaly::Backwards { .. })
    ));
}

#[test]
fn an_anomaly_the_caller_already_recorded_is_kept_in_the_entry() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "boot-1", 100);
    let mut log = open(&fixture, &clock);
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    clock.set("2026-03-01T00:00:00+09:00", "boot-1", 200);
    let before_snapshot = ClockAnomaly::BeforeSnapshot {
        clock: time("2026-02-28T15:00:00Z"),
        snapshot_created: time("2026-03-10T21:00:00Z"),
    };
    let mut entry = sample_entries()[1].clone();
    entry.clock.anomaly = Some(before_snapshot.clone());
    let appended = log.append(&fixture.recipient, &entry).expect("appended");
    assert!(matches!(
        appended.anomaly,
        Some(ClockAnomaly::Backwards { .. })
    ));
    drop(log);
    let records = read(&fixture.log, &fixture.identity).expect("readable");
    assert_eq!(records[1].entry.clock.anomaly, Some(before_snapshot));
}

#[test]
fn a_boot_id_that_is_not_one_is_not_written_into_the_line() {
    let fixture = Fixture::new();
    let clock = HandClock::new("2026-03-11T14:46:00+09:00", "\"},{\"x\":\"", 100);
    let mut log = open(&fixture, &clock);
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    drop(log);
    let line = common::lines(&fixture.log).swap_remove(1);
    let value: serde_json::Value = serde_json::from_slice(&line).expect("json");
    assert_eq!(value["boot"], "");
    fieldchart_audit::verify(&fixture.log).expect("intact");
}
