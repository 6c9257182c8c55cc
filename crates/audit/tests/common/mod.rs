//! What the audit tests share: a device key and a hub audit key in a temporary directory, entries of
//! every kind, and line-level surgery on a log file.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use age::x25519::{Identity, Recipient};
use chrono::{DateTime, Utc};
use fieldchart_audit::{
    Actor, AuditLog, ClockInfo, DeviceKey, Entry, Event, LegalBasis, Outcome, PatientRef,
    SessionRef, UnlockMethod,
};

/// Names written into entries; the privacy test checks none of them reaches the file in clear.
pub const ACTOR_NAME: &str = "山田 花子";
pub const QUERY: &str = "サトウ イチロウ 1950";
pub const PATIENT_ID: &str = "P0012345";

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub key: DeviceKey,
    pub identity: Identity,
    pub recipient: Recipient,
    pub log: PathBuf,
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DeviceKey::load_or_create(&dir.path().join("device.key")).expect("device key");
        let identity = Identity::generate();
        let recipient = identity.to_public();
        let log = dir.path().join("audit/audit.log");
        Fixture {
            dir,
            key,
            identity,
            recipient,
            log,
        }
    }

    pub fn open(&self) -> AuditLog {
        AuditLog::open(&self.log, &self.key).expect("log opens")
    }

    /// A log holding `n` entries cycling through [`sample_entries`].
    pub fn with_entries(n: usize) -> Fixture {
        let fixture = Fixture::new();
        let mut log = fixture.open();
        for entry in sample_entries().into_iter().cycle().take(n) {
            log.append(&fixture.recipient, &entry).expect("appended");
        }
        fixture
    }

    pub fn head(&self) -> PathBuf {
        fieldchart_audit::head_path(&self.log)
    }
}

pub fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("valid time")
        .with_timezone(&Utc)
}

fn patient() -> PatientRef {
    PatientRef {
        facility: "1310000001".to_owned(),
        patient_id: PATIENT_ID.to_owned(),
    }
}

fn clock() -> ClockInfo {
    ClockInfo {
        source: "system".to_owned(),
        synchronized: Some(true),
        last_sync: Some(time("2026-03-11T05:00:00Z")),
        anomaly: None,
    }
}

/// One entry of each kind a viewing session writes, in a plausible order.
pub fn sample_entries() -> Vec<Entry> {
    let actor = Actor {
        name: ACTOR_NAME.to_owned(),
        profession: "薬剤師".to_owned(),
        team: "DMAT-13-02".to_owned(),
        event: "2026 首都直下地震".to_owned(),
        authorisation: None,
    };
    let session = SessionRef {
        snapshot_id: "snap-2026-03-11".to_owned(),
        session_id: "0f1e2d3c".to_owned(),
        drill: false,
    };
    let entry = |event, with_actor: bool, break_glass: Option<&str>| Entry {
        event,
        actor: with_actor.then(|| actor.clone()),
        session: Some(session.clone()),
        break_glass: break_glass.map(str::to_owned),
        clock: clock(),
    };
    vec![
        entry(
            Event::Unlock {
                snapshot_id: "snap-2026-03-11".to_owned(),
                method: UnlockMethod::DeviceKey,
                snapshot_created: time("2026-03-10T21:00:00Z"),
            },
            false,
            None,
        ),
        entry(Event::Declare, true, None),
        entry(
            Event::Search {
                query: QUERY.to_owned(),
                results: 3,
                too_broad: None,
            },
            true,
            None,
        ),
        entry(
            Event::RecordView {
                patient: patient(),
                sections: vec!["medicines".to_owned(), "allergies".to_owned()],
                basis: LegalBasis::VitalInterest,
                withheld: vec!["documents".to_owned()],
                linked: Vec::new(),
            },
            true,
            None,
        ),
        entry(
            Event::BreakGlass {
                reason: "意識不明、家族と連絡取れず".to_owned(),
                patient: Some(patient()),
            },
            true,
            Some("意識不明、家族と連絡取れず"),
        ),
        entry(
            Event::Refusal {
                action: "record-view".to_owned(),
                patient: Some(patient()),
                rule: "profession-sections".to_owned(),
                message: "事務職は臨床情報を閲覧できません".to_owned(),
            },
            true,
            None,
        ),
        entry(
            Event::Export {
                patient: Some(patient()),
                what: "record summary".to_owned(),
                destination: "USB".to_owned(),
            },
            true,
            None,
        ),
        entry(
            Event::Sync {
                source: "https://hub.example/snapshots".to_owned(),
                snapshot_id: None,
                targets_version: None,
                outcome: Outcome::Failure,
                detail: "no network".to_owned(),
            },
            false,
            None,
        ),
        entry(
            Event::SnapshotDamaged {
                action: "record".to_owned(),
                patient: Some(patient()),
                reason:
                    "the snapshot file is damaged or has been altered: data block 12 (its hash \
                         is not the signed one) does not check out. Do not use it; copy the \
                         snapshot again from the hub or from its original medium"
                        .to_owned(),
            },
            true,
            None,
        ),
        entry(Event::Lock, true, None),
    ]
}

/// The log's lines without their newlines (and any unfinished last line).
pub fn lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).expect("log readable");
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => &bytes[..end],
        None => return Vec::new(),
    };
    complete
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// Replaces the log with these lines, each newline-terminated.
pub fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    fs::write(path, bytes).expect("log writable");
}
