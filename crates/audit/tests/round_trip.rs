//! Writing, reopening, reading back and verifying a log; who may open it; what its bytes reveal.

mod common;

use std::fs;

use age::x25519::Identity;
use common::{ACTOR_NAME, Fixture, PATIENT_ID, QUERY, sample_entries};
use fieldchart_audit::{AuditError, AuditLog, DeviceKey, VerifyError, raw_lines, read, verify};

#[test]
fn entries_of_every_kind_read_back_as_they_were_written() {
    let fixture = Fixture::new();
    let mut log = fixture.open();
    let written = sample_entries();
    let appended: Vec<_> = written
        .iter()
        .map(|entry| log.append(&fixture.recipient, entry).expect("appended"))
        .collect();
    drop(log);

    let records = read(&fixture.log, &fixture.identity).expect("readable");
    assert_eq!(records.len(), written.len());
    for ((record, entry), appended) in records.iter().zip(&written).zip(&appended) {
        assert_eq!(record.seq, appended.seq);
        assert_eq!(record.at, appended.at);
        assert_eq!(record.device, fixture.key.public_b64());
        let mut expected = entry.clone();
        expected.clock.anomaly.clone_from(&appended.anomaly);
        assert_eq!(record.entry, expected);
    }
    assert_eq!(
        records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        (1..=written.len() as u64).collect::<Vec<_>>()
    );
}

#[test]
fn the_last_recipient_is_the_hub_the_newest_entry_went_to() {
    let fixture = Fixture::new();
    let mut log = fixture.open();
    assert_eq!(
        log.last_recipient().expect("readable"),
        None,
        "a header alone names no hub"
    );
    let entries = sample_entries();
    log.append(&fixture.recipient, &entries[0])
        .expect("appended");
    let other_hub = Identity::generate().to_public();
    log.append(&other_hub, &entries[1]).expect("appended");
    assert_eq!(
        log.last_recipient()
            .expect("readable")
            .map(|r| r.to_string()),
        Some(other_hub.to_string())
    );
    drop(log);
    let reopened = fixture.open();
    assert_eq!(
        reopened
            .last_recipient()
            .expect("readable")
            .map(|r| r.to_string()),
        Some(other_hub.to_string()),
        "read back from the file after reopening"
    );
}

#[test]
fn an_intact_log_verifies_with_its_count_device_and_times() {
    let fixture = Fixture::with_entries(5);
    let report = verify(&fixture.log).expect("intact");
    assert_eq!(report.entries, 5);
    assert_eq!(report.device, fixture.key.public_b64());
    assert_eq!(report.log_id.len(), 32);
    assert!(!report.head_lags_by_one);
    let records = read(&fixture.log, &fixture.identity).expect("readable");
    assert_eq!(report.first_at, records.first().map(|r| r.at));
    assert_eq!(report.last_at, records.last().map(|r| r.at));
}

#[test]
fn a_new_log_holds_only_its_header_and_verifies() {
    let fixture = Fixture::new();
    let log = fixture.open();
    assert_eq!((log.last_seq(), log.recovered()), (0, None));
    drop(log);
    let report = verify(&fixture.log).expect("intact");
    assert_eq!(
        (report.entries, report.first_at, report.last_at),
        (0, None, None)
    );
    assert!(
        read(&fixture.log, &fixture.identity)
            .expect("readable")
            .is_empty()
    );
}

#[test]
fn reopening_a_log_continues_its_sequence() {
    let fixture = Fixture::with_entries(3);
    let mut log = fixture.open();
    assert_eq!(log.last_seq(), 3);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    assert_eq!(appended.seq, 4);
    drop(log);
    assert_eq!(verify(&fixture.log).expect("intact").entries, 4);
}

#[test]
fn raw_lines_are_the_stored_lines_header_first() {
    let fixture = Fixture::with_entries(3);
    let raw = raw_lines(&fixture.log).expect("verified");
    let stored = common::lines(&fixture.log);
    assert_eq!(raw.len(), 4);
    for (seq, (raw, stored)) in (0u64..).zip(raw.iter().zip(&stored)) {
        assert_eq!(raw.seq, seq);
        assert_eq!(raw.line.as_bytes(), stored.as_slice());
    }
    let records = read(&fixture.log, &fixture.identity).expect("readable");
    assert_eq!(raw[3].at, records[2].at);
    assert_eq!(
        Some(raw[0].at),
        Some(verify(&fixture.log).expect("intact").created)
    );
}

#[test]
fn the_log_file_reveals_no_name_query_or_patient() {
    let fixture = Fixture::with_entries(sample_entries().len());
    let mut stored = fs::read(&fixture.log).expect("log");
    stored.extend(fs::read(fixture.head()).expect("head"));
    for secret in [
        ACTOR_NAME,
        QUERY,
        PATIENT_ID,
        "薬剤師",
        "DMAT-13-02",
        "意識不明",
    ] {
        assert!(
            !stored
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "{secret} is in the file in clear"
        );
    }
    // ...while the hub's key does read them.
    let records = read(&fixture.log, &fixture.identity).expect("readable");
    assert!(records.iter().any(|r| {
        r.entry
            .actor
            .as_ref()
            .is_some_and(|actor| actor.name == ACTOR_NAME)
    }));
}

#[test]
fn an_entry_for_another_hub_key_is_named_by_its_number() {
    let fixture = Fixture::with_entries(2);
    let other = Identity::generate();
    let mut log = fixture.open();
    log.append(&other.to_public(), &sample_entries()[1])
        .expect("appended");
    drop(log);
    assert_eq!(verify(&fixture.log).expect("intact").entries, 3);
    match read(&fixture.log, &fixture.identity) {
        Err(AuditError::WrongIdentity {
            seq: 3, recipient, ..
        }) => {
            assert_eq!(recipient, other.to_public().to_string());
        }
        other => panic!("expected entry 3 for another key, got {other:?}"),
    }
}

#[test]
fn a_log_written_by_another_device_is_not_appended_to() {
    let fixture = Fixture::with_entries(1);
    let stranger = DeviceKey::load_or_create(&fixture.dir.path().join("other.key")).expect("key");
    let err = AuditLog::open(&fixture.log, &stranger).expect_err("foreign");
    assert!(matches!(err, AuditError::ForeignLog { .. }), "{err}");
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_log() {
    let fixture = Fixture::new();
    let _first = fixture.open();
    let err = AuditLog::open(&fixture.log, &fixture.key).expect_err("busy");
    assert!(matches!(err, AuditError::Busy { .. }), "{err}");
}

#[test]
fn a_deleted_log_is_not_silently_started_again_beside_its_head() {
    let fixture = Fixture::with_entries(2);
    fs::remove_file(&fixture.log).expect("deleted");
    let err = AuditLog::open(&fixture.log, &fixture.key).expect_err("log missing");
    assert!(matches!(err, AuditError::LogMissing { .. }), "{err}");
    assert!(!fixture.log.exists(), "no new log was made");
}

#[test]
fn a_header_only_log_whose_head_was_never_written_gets_one_on_open() {
    // A crash between creating the log and writing its first head leaves exactly this.
    let fixture = Fixture::new();
    drop(fixture.open());
    fs::remove_file(fixture.head()).expect("head deleted");
    assert!(matches!(
        verify(&fixture.log),
        Err(VerifyError::HeadMissing { .. })
    ));
    drop(fixture.open());
    assert_eq!(verify(&fixture.log).expect("intact").entries, 0);
}

#[cfg(unix)]
#[test]
fn a_new_log_and_its_directory_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let fixture = Fixture::with_entries(1);
    let mode =
        |path: &std::path::Path| fs::metadata(path).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&fixture.log), 0o600);
    assert_eq!(mode(&fixture.head()), 0o600);
    assert_eq!(mode(fixture.log.parent().expect("dir")), 0o700);
}

#[test]
fn the_log_directory_holds_only_the_log_and_its_head() {
    let fixture = Fixture::with_entries(2);
    let mut names: Vec<_> = fs::read_dir(fixture.log.parent().expect("dir"))
        .expect("listable")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8")
        })
        .collect();
    names.sort();
    assert_eq!(names, ["audit.log", "audit.log.head"]);
}
