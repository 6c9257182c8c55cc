//! Tampering (requirements TEST-10, AUD-15): every way of changing a log is caught, by `verify` and
//! by `open`, and the first bad entry is named. Also the one change that is not tampering: a torn
//! last line.

mod common;

use std::fs;

use common::{Fixture, lines, sample_entries, write_lines};
use fieldchart_audit::{AuditError, AuditLog, Recovered, VerifyError, verify};

/// Six entries: lines 1 (header) to 7 (entry 6). Line index i holds seq i.
const ENTRIES: usize = 6;

fn tampered(change: impl FnOnce(&mut Vec<Vec<u8>>)) -> (Fixture, VerifyError) {
    let fixture = Fixture::with_entries(ENTRIES);
    let mut log = lines(&fixture.log);
    change(&mut log);
    write_lines(&fixture.log, &log);
    let err = verify(&fixture.log).expect_err("tampering is caught");
    // Opening for writing refuses the same log with the same finding, and repairs nothing.
    let before = fs::read(&fixture.log).expect("log");
    match AuditLog::open(&fixture.log, &fixture.key) {
        Err(AuditError::Verify(e)) => assert_eq!(e.to_string(), err.to_string()),
        other => panic!("open should refuse with {err}, got {other:?}"),
    }
    assert_eq!(
        fs::read(&fixture.log).expect("log"),
        before,
        "open changed nothing"
    );
    (fixture, err)
}

/// Replaces the first occurrence of `from` in line `index`.
fn replace_in(line: &mut Vec<u8>, from: &str, to: &str) {
    let text = String::from_utf8(line.clone()).expect("utf-8 line");
    assert!(text.contains(from), "{from} not in line");
    *line = text.replacen(from, to, 1).into_bytes();
}

fn field(line: &[u8], name: &str) -> String {
    let value: serde_json::Value = serde_json::from_slice(line).expect("json line");
    value[name].as_str().expect("string field").to_owned()
}

#[test]
fn a_flipped_byte_in_an_entry_body_is_a_modified_entry() {
    let (_, err) = tampered(|log| {
        let body = field(&log[3], "body");
        let flipped: String = body
            .char_indices()
            .map(|(i, c)| match (i, c) {
                (40, 'A') => 'B',
                (40, _) => 'A',
                _ => c,
            })
            .collect();
        replace_in(&mut log[3], &body, &flipped);
    });
    assert!(
        matches!(
            err,
            VerifyError::Modified {
                seq: 3,
                line: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("entry 3 (line 4) was modified"),
        "{err}"
    );
}

#[test]
fn a_changed_time_is_a_modified_entry() {
    let (_, err) = tampered(|log| {
        let at = field(&log[2], "at");
        let earlier = format!("2019{}", &at[4..]);
        replace_in(&mut log[2], &at, &earlier);
    });
    assert!(matches!(err, VerifyError::Modified { seq: 2, .. }), "{err}");
}

#[test]
fn added_whitespace_is_a_modified_entry_even_though_every_field_is_intact() {
    let (_, err) = tampered(|log| log[5].insert(1, b' '));
    assert!(matches!(err, VerifyError::Modified { seq: 5, .. }), "{err}");
}

#[test]
fn a_deleted_middle_line_is_a_removed_entry() {
    let (_, err) = tampered(|log| {
        log.remove(3);
    });
    assert!(
        matches!(
            err,
            VerifyError::Removed {
                expected: 3,
                found: 4,
                line: 4,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("entries 3 to 3 were removed"),
        "{err}"
    );
}

#[test]
fn two_swapped_lines_are_reordered_entries() {
    let (_, err) = tampered(|log| log.swap(2, 3));
    assert!(
        matches!(
            err,
            VerifyError::Reordered {
                expected: 2,
                found: 3,
                line: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_line_moved_to_the_end_is_reordered_not_removed() {
    let (_, err) = tampered(|log| {
        let moved = log.remove(2);
        log.push(moved);
    });
    assert!(
        matches!(
            err,
            VerifyError::Reordered {
                expected: 2,
                found: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_duplicated_line_is_named_as_a_repeat() {
    let (_, err) = tampered(|log| {
        let copy = log[2].clone();
        log.insert(3, copy);
    });
    assert!(
        matches!(
            err,
            VerifyError::Duplicated {
                seq: 2,
                line: 4,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_log_cut_at_an_entry_boundary_is_caught_by_its_head() {
    let (_, err) = tampered(|log| {
        log.pop();
    });
    assert!(
        matches!(
            err,
            VerifyError::Truncated {
                last_seq: 5,
                head_seq: 6,
                partial_bytes: 0,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("entry 6 onwards is missing"),
        "{err}"
    );
}

#[test]
fn a_log_cut_inside_its_last_finished_line_is_truncation_not_a_power_cut() {
    let fixture = Fixture::with_entries(ENTRIES);
    let bytes = fs::read(&fixture.log).expect("log");
    let cut = bytes.len() - 40;
    fs::write(&fixture.log, &bytes[..cut]).expect("cut");
    let err = verify(&fixture.log).expect_err("truncated");
    assert!(
        matches!(
            err,
            VerifyError::Truncated {
                last_seq: 5,
                head_seq: 6,
                partial_bytes,
                ..
            } if partial_bytes > 0
        ),
        "{err}"
    );
    let refused = AuditLog::open(&fixture.log, &fixture.key).expect_err("not repaired");
    assert!(matches!(
        refused,
        AuditError::Verify(VerifyError::Truncated { .. })
    ));
    assert_eq!(
        fs::read(&fixture.log).expect("log").len(),
        cut,
        "nothing cut"
    );
}

#[test]
fn a_deleted_head_is_reported_missing() {
    let fixture = Fixture::with_entries(ENTRIES);
    fs::remove_file(fixture.head()).expect("deleted");
    let err = verify(&fixture.log).expect_err("head missing");
    assert!(matches!(err, VerifyError::HeadMissing { .. }), "{err}");
    let refused = AuditLog::open(&fixture.log, &fixture.key).expect_err("head missing");
    assert!(matches!(
        refused,
        AuditError::Verify(VerifyError::HeadMissing { .. })
    ));
}

#[test]
fn a_head_from_another_log_is_not_genuine() {
    let fixture = Fixture::with_entries(ENTRIES);
    let other = Fixture::with_entries(ENTRIES);
    fs::copy(other.head(), fixture.head()).expect("copied");
    let err = verify(&fixture.log).expect_err("foreign head");
    assert!(
        matches!(&err, VerifyError::HeadForged { reason, .. } if reason.contains("another log")),
        "{err}"
    );
}

#[test]
fn an_edited_head_is_not_genuine() {
    let fixture = Fixture::with_entries(ENTRIES);
    let head = fs::read_to_string(fixture.head()).expect("head");
    fs::write(fixture.head(), head.replace("\"seq\":6", "\"seq\":5")).expect("edited");
    let err = verify(&fixture.log).expect_err("edited head");
    assert!(
        matches!(&err, VerifyError::HeadForged { reason, .. } if reason.contains("signature")),
        "{err}"
    );
}

#[test]
fn an_old_copy_of_the_head_is_not_genuine() {
    let fixture = Fixture::with_entries(3);
    let old = fs::read(fixture.head()).expect("head");
    let mut log = fixture.open();
    for entry in &sample_entries()[..3] {
        log.append(&fixture.recipient, entry).expect("appended");
    }
    drop(log);
    fs::write(fixture.head(), old).expect("restored");
    let err = verify(&fixture.log).expect_err("old head");
    assert!(
        matches!(&err, VerifyError::HeadForged { reason, .. } if reason.contains("3 entries behind")),
        "{err}"
    );
}

#[test]
fn a_head_one_entry_behind_is_a_power_cut_and_open_brings_it_up_to_date() {
    let fixture = Fixture::with_entries(3);
    let old = fs::read(fixture.head()).expect("head");
    let mut log = fixture.open();
    log.append(&fixture.recipient, &sample_entries()[0])
        .expect("appended");
    drop(log);
    fs::write(fixture.head(), old).expect("restored");
    assert!(verify(&fixture.log).expect("not an error").head_lags_by_one);
    drop(fixture.open());
    assert!(!verify(&fixture.log).expect("intact").head_lags_by_one);
}

#[test]
fn a_replaced_device_key_in_the_header_breaks_the_header() {
    let other = Fixture::new();
    let (_, err) = tampered(|log| {
        let ours = field(&log[0], "device");
        replace_in(&mut log[0], &ours, &other.key.public_b64());
    });
    assert!(
        matches!(
            err,
            VerifyError::Modified {
                seq: 0,
                line: 1,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_header_signed_by_another_key_breaks_entry_one() {
    let other = Fixture::with_entries(1);
    let their_header = lines(&other.log).swap_remove(0);
    let (_, err) = tampered(|log| log[0] = their_header);
    assert!(
        matches!(
            err,
            VerifyError::Modified {
                seq: 1,
                line: 2,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_line_from_another_log_of_the_same_device_is_a_modified_entry() {
    let fixture = Fixture::with_entries(ENTRIES);
    let second = fixture.dir.path().join("second/audit.log");
    let mut log = AuditLog::open(&second, &fixture.key).expect("second log");
    for entry in sample_entries().iter().take(ENTRIES) {
        log.append(&fixture.recipient, entry).expect("appended");
    }
    drop(log);
    let mut ours = lines(&fixture.log);
    ours[4] = lines(&second).swap_remove(4);
    write_lines(&fixture.log, &ours);
    let err = verify(&fixture.log).expect_err("foreign line");
    assert!(matches!(err, VerifyError::Modified { seq: 4, .. }), "{err}");
}

#[test]
fn an_entry_from_a_diverging_copy_of_the_log_breaks_the_chain() {
    let fixture = Fixture::with_entries(3);
    let copy = fixture.dir.path().join("copy/audit.log");
    fs::create_dir(copy.parent().expect("dir")).expect("dir");
    fs::copy(&fixture.log, &copy).expect("log copied");
    fs::copy(fixture.head(), fieldchart_audit::head_path(&copy)).expect("head copied");
    for (path, entries) in [
        (&fixture.log, &sample_entries()[..3]),
        (&copy, &sample_entries()[5..8]),
    ] {
        let mut log = AuditLog::open(path, &fixture.key).expect("opens");
        for entry in entries {
            log.append(&fixture.recipient, entry).expect("appended");
        }
    }
    let mut ours = lines(&fixture.log);
    ours[5] = lines(&copy).swap_remove(5);
    write_lines(&fixture.log, &ours);
    let err = verify(&fixture.log).expect_err("diverging entry");
    assert!(
        matches!(
            err,
            VerifyError::ChainBroken {
                seq: 5,
                line: 6,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_log_says_so() {
    let fixture = Fixture::new();
    fs::create_dir_all(fixture.log.parent().expect("dir")).expect("dir");
    fs::write(&fixture.log, "MSH|^~\\&|\n").expect("written");
    let err = verify(&fixture.log).expect_err("not a log");
    assert!(matches!(err, VerifyError::NotALog { .. }), "{err}");
    fs::write(&fixture.log, "").expect("emptied");
    assert!(matches!(
        verify(&fixture.log),
        Err(VerifyError::NotALog { .. })
    ));
}

#[test]
fn a_torn_last_line_is_a_power_cut_that_open_repairs() {
    let fixture = Fixture::with_entries(ENTRIES);
    let intact = fs::read(&fixture.log).expect("log");
    // Half of a line, as a write cut short by a power cut leaves it.
    let half_line = &lines(&fixture.log)[ENTRIES][..300];
    let mut torn = intact.clone();
    torn.extend_from_slice(half_line);
    fs::write(&fixture.log, &torn).expect("written");

    let err = verify(&fixture.log).expect_err("torn");
    assert!(
        matches!(
            err,
            VerifyError::TornTail {
                after_seq: 6,
                bytes: 300,
                ..
            }
        ),
        "{err}"
    );
    let mut log = AuditLog::open(&fixture.log, &fixture.key).expect("repaired");
    assert_eq!(
        log.recovered(),
        Some(&Recovered {
            after_seq: 6,
            discarded_bytes: 300
        })
    );
    assert_eq!(fs::read(&fixture.log).expect("log"), intact);
    let appended = log
        .append(&fixture.recipient, &sample_entries()[2])
        .expect("appended after repair");
    assert_eq!(appended.seq, 7);
    drop(log);
    assert_eq!(verify(&fixture.log).expect("intact").entries, 7);
}

#[test]
fn readers_skip_a_line_still_being_written() {
    let fixture = Fixture::with_entries(2);
    let mut bytes = fs::read(&fixture.log).expect("log");
    bytes.extend_from_slice(b"{\"seq\":3,\"at\":\"2026");
    fs::write(&fixture.log, bytes).expect("written");
    assert_eq!(
        fieldchart_audit::read(&fixture.log, &fixture.identity)
            .expect("complete entries read")
            .len(),
        2
    );
    assert_eq!(
        fieldchart_audit::raw_lines(&fixture.log)
            .expect("complete lines")
            .len(),
        3
    );
}
