//! Records for the report tests: one laptop's log over a disaster session and a drill, covering
//! every event kind, written as the laptop would write them.

#![allow(dead_code)] // each test file uses a different part of this module

pub mod atna_schema;

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use fieldchart_audit::{
    Actor, ClockAnomaly, ClockInfo, Entry, Event, LegalBasis, Outcome, PatientRef, Record,
    SessionRef, UnlockMethod,
};

pub const DEVICE: &str = "p8RZ3n0p3kUe5Yq1cWm2H6x9J0aT4vBq7LsN1dFgK2U=";
pub const OTHER_DEVICE: &str = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg=";

pub fn jst(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(9 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(y, mo, d, h, mi, s).single())
        .expect("a valid JST time")
}

pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("a valid UTC time")
}

pub fn doctor() -> Actor {
    Actor {
        name: "山田 太郎".to_owned(),
        profession: "医師".to_owned(),
        team: "DMAT-13-021".to_owned(),
        event: "2031 南海トラフ地震".to_owned(),
        authorisation: None,
    }
}

pub fn nurse_in_drill() -> Actor {
    Actor {
        name: "佐藤 花子".to_owned(),
        profession: "看護師".to_owned(),
        team: "救護班 3".to_owned(),
        event: "広域医療搬送訓練".to_owned(),
        authorisation: None,
    }
}

pub fn patient(id: &str) -> PatientRef {
    PatientRef {
        facility: "1310000001".to_owned(),
        patient_id: id.to_owned(),
    }
}

pub fn session(id: &str, drill: bool) -> SessionRef {
    SessionRef {
        snapshot_id: "region-tokyo-20310301".to_owned(),
        session_id: id.to_owned(),
        drill,
    }
}

pub fn clock() -> ClockInfo {
    ClockInfo {
        source: "system (chrony)".to_owned(),
        synchronized: Some(true),
        last_sync: Some(utc(2031, 3, 1, 0, 0, 0)),
        anomaly: None,
    }
}

/// A record with a plain entry: builder methods below fill in what each test needs.
pub fn record(seq: u64, at: DateTime<FixedOffset>, event: Event) -> Record {
    Record {
        seq,
        at,
        device: DEVICE.to_owned(),
        entry: Entry {
            event,
            actor: None,
            session: None,
            break_glass: None,
            clock: clock(),
        },
    }
}

pub trait RecordExt {
    fn by(self, actor: Actor) -> Self;
    fn in_session(self, session: SessionRef) -> Self;
    fn under_break_glass(self, reason: &str) -> Self;
    fn flagged(self, anomaly: ClockAnomaly) -> Self;
    fn on(self, device: &str) -> Self;
}

impl RecordExt for Record {
    fn by(mut self, actor: Actor) -> Self {
        self.entry.actor = Some(actor);
        self
    }
    fn in_session(mut self, session: SessionRef) -> Self {
        self.entry.session = Some(session);
        self
    }
    fn under_break_glass(mut self, reason: &str) -> Self {
        self.entry.break_glass = Some(reason.to_owned());
        self
    }
    fn flagged(mut self, anomaly: ClockAnomaly) -> Self {
        self.entry.clock.anomaly = Some(anomaly);
        self
    }
    fn on(mut self, device: &str) -> Self {
        self.device = device.to_owned();
        self
    }
}

pub const BREAK_GLASS_REASON: &str = "意識障害で本人同意不能、家族に連絡つかず、透析歴の確認が必要";

pub fn record_view(patient: PatientRef, basis: LegalBasis) -> Event {
    Event::RecordView {
        patient,
        sections: vec!["allergies".to_owned(), "medications".to_owned()],
        basis,
        withheld: Vec::new(),
        linked: Vec::new(),
    }
}

/// The log of one laptop: a sync, a failed and a good unlock, a disaster session with every kind
/// of event (search, views on each legal basis, a refusal, break-glass and what was opened under
/// it, print, export, a clock that went backwards), and a drill session.
pub fn disaster_log() -> Vec<Record> {
    let real = || session("s-7f3a", false);
    let drill = || session("s-91c2", true);
    let backwards = ClockAnomaly::Backwards {
        clock: utc(2031, 3, 2, 1, 10, 0),
        previous: utc(2031, 3, 2, 1, 20, 0),
    };
    vec![
        record(
            1,
            jst(2031, 3, 2, 8, 0, 0),
            Event::Sync {
                source: "https://hub.example.jp/fieldchart".to_owned(),
                snapshot_id: Some("region-tokyo-20310301".to_owned()),
                targets_version: Some(12),
                outcome: Outcome::Success,
                detail: "snapshot downloaded (1.2 GB)".to_owned(),
            },
        ),
        record(
            2,
            jst(2031, 3, 2, 9, 58, 0),
            Event::UnlockFailed {
                file: "/home/dmat/region-tokyo.fcsnap".to_owned(),
                reason: "the emergency passphrase is wrong".to_owned(),
            },
        ),
        record(
            3,
            jst(2031, 3, 2, 10, 0, 0),
            Event::Unlock {
                snapshot_id: "region-tokyo-20310301".to_owned(),
                method: UnlockMethod::DeviceKey,
                snapshot_created: utc(2031, 3, 1, 0, 0, 0),
            },
        )
        .in_session(real()),
        record(4, jst(2031, 3, 2, 10, 1, 0), Event::Declare)
            .by(doctor())
            .in_session(real()),
        record(
            5,
            jst(2031, 3, 2, 10, 2, 0),
            Event::Search {
                query: "やまだ はなこ 1950".to_owned(),
                results: 2,
                too_broad: None,
            },
        )
        .by(doctor())
        .in_session(real()),
        record(
            6,
            jst(2031, 3, 2, 10, 3, 0),
            record_view(patient("0001"), LegalBasis::Consent),
        )
        .by(doctor())
        .in_session(real()),
        record(
            7,
            jst(2031, 3, 2, 10, 5, 0),
            Event::RecordView {
                patient: patient("0002"),
                sections: vec!["problems".to_owned(), "labs".to_owned()],
                basis: LegalBasis::VitalInterest,
                withheld: vec!["documents".to_owned()],
                linked: Vec::new(),
            },
        )
        .by(doctor())
        .in_session(real()),
        record(
            8,
            jst(2031, 3, 2, 10, 7, 0),
            Event::Refusal {
                action: "record-view".to_owned(),
                patient: Some(patient("0003")),
                rule: "consent-refused".to_owned(),
                message: "この患者は同意を拒否しています。ブレークグラスでのみ開けます。"
                    .to_owned(),
            },
        )
        .by(doctor())
        .in_session(real()),
        record(
            9,
            jst(2031, 3, 2, 10, 8, 0),
            Event::BreakGlass {
                reason: BREAK_GLASS_REASON.to_owned(),
                patient: Some(patient("0003")),
            },
        )
        .by(doctor())
        .in_session(real()),
        record(
            10,
            jst(2031, 3, 2, 10, 9, 0),
            record_view(patient("0003"), LegalBasis::BreakGlass),
        )
        .by(doctor())
        .in_session(real())
        .under_break_glass(BREAK_GLASS_REASON),
        record(
            11,
            jst(2031, 3, 2, 10, 12, 0),
            Event::Print {
                patient: Some(patient("0003")),
                what: "record summary".to_owned(),
            },
        )
        .by(doctor())
        .in_session(real())
        .under_break_glass(BREAK_GLASS_REASON),
        record(
            12,
            jst(2031, 3, 2, 10, 20, 0),
            Event::Export {
                patient: None,
                what: "search results".to_owned(),
                destination: "/media/usb0/fieldchart-export.csv".to_owned(),
            },
        )
        .by(doctor())
        .in_session(real())
        .under_break_glass(BREAK_GLASS_REASON),
        record(
            13,
            jst(2031, 3, 2, 10, 10, 0),
            Event::ClockAnomaly {
                anomaly: backwards.clone(),
            },
        )
        .by(doctor())
        .in_session(real())
        .under_break_glass(BREAK_GLASS_REASON)
        .flagged(backwards.clone()),
        record(14, jst(2031, 3, 2, 10, 11, 0), Event::Lock)
            .by(doctor())
            .in_session(real())
            .under_break_glass(BREAK_GLASS_REASON)
            .flagged(backwards),
        record(
            15,
            jst(2031, 3, 3, 14, 0, 0),
            Event::Unlock {
                snapshot_id: "region-tokyo-20310301".to_owned(),
                method: UnlockMethod::EmergencyPassphrase,
                snapshot_created: utc(2031, 3, 1, 0, 0, 0),
            },
        )
        .in_session(drill()),
        record(16, jst(2031, 3, 3, 14, 1, 0), Event::Declare)
            .by(nurse_in_drill())
            .in_session(drill()),
        record(
            17,
            jst(2031, 3, 3, 14, 3, 0),
            record_view(patient("0001"), LegalBasis::VerbalConsent),
        )
        .by(nurse_in_drill())
        .in_session(drill()),
        record(18, jst(2031, 3, 3, 14, 30, 0), Event::Lock)
            .by(nurse_in_drill())
            .in_session(drill()),
        // The battery ran out mid-entry; the next session's open cut the torn line off.
        record(
            19,
            jst(2031, 3, 4, 8, 0, 0),
            Event::LogRepaired {
                after_seq: 18,
                discarded_bytes: 212,
            },
        ),
    ]
}

/// What the vault says when a block of the snapshot fails its check.
pub const DAMAGED_BLOCK: &str = "the snapshot file is damaged or has been altered: data block 41 \
                                 (its hash is not the signed one) does not check out. Do not use \
                                 it; copy the snapshot again from the hub or from its original \
                                 medium";

/// A session on a snapshot whose parts were altered after it was signed: unlock succeeds (the
/// envelope and manifest are intact), then a search, a record and a document each meet a damaged
/// block; a record that reads intact parts is still shown. A drill search on another laptop meets
/// damage too.
pub fn damaged_log() -> Vec<Record> {
    let real = || session("s-5d10", false);
    let damaged = |seq, at, action: &str, patient: Option<PatientRef>| {
        record(
            seq,
            at,
            Event::SnapshotDamaged {
                action: action.to_owned(),
                patient,
                reason: DAMAGED_BLOCK.to_owned(),
            },
        )
        .by(doctor())
        .in_session(real())
    };
    vec![
        record(
            1,
            jst(2031, 3, 2, 11, 0, 0),
            Event::Unlock {
                snapshot_id: "region-tokyo-20310301".to_owned(),
                method: UnlockMethod::DeviceKey,
                snapshot_created: utc(2031, 3, 1, 0, 0, 0),
            },
        )
        .in_session(real()),
        record(2, jst(2031, 3, 2, 11, 1, 0), Event::Declare)
            .by(doctor())
            .in_session(real()),
        damaged(3, jst(2031, 3, 2, 11, 2, 0), "search", None),
        record(
            4,
            jst(2031, 3, 2, 11, 3, 0),
            record_view(patient("0001"), LegalBasis::Consent),
        )
        .by(doctor())
        .in_session(real()),
        damaged(
            5,
            jst(2031, 3, 2, 11, 4, 0),
            "record",
            Some(patient("0002")),
        ),
        damaged(
            6,
            jst(2031, 3, 2, 11, 5, 0),
            "document",
            Some(patient("0001")),
        ),
        record(7, jst(2031, 3, 2, 11, 6, 0), Event::Lock)
            .by(doctor())
            .in_session(real()),
        record(
            1,
            jst(2031, 3, 3, 9, 0, 0),
            Event::SnapshotDamaged {
                action: "search".to_owned(),
                patient: None,
                reason: DAMAGED_BLOCK.to_owned(),
            },
        )
        .by(nurse_in_drill())
        .in_session(session("s-91c2", true))
        .on(OTHER_DEVICE),
    ]
}
