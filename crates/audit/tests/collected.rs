//! A forwarded log put back together at the hub (`fieldchart_audit::log::collected`): resent
//! lines, lines out of order, a gap, an altered line and a cloned laptop's fork.

mod common;

use std::fs;

use common::{Fixture, sample_entries};
use fieldchart_audit::log::collected::{ReceivedLine, collect, verify_collected};
use fieldchart_audit::{AuditLog, raw_lines};
use proptest::prelude::*;

fn received(f: &Fixture) -> (String, Vec<ReceivedLine>) {
    let lines = raw_lines(&f.log).expect("verified");
    let id = fieldchart_audit::verify(&f.log).expect("verifies").log_id;
    let received = lines
        .into_iter()
        .map(|l| ReceivedLine {
            log: id.clone(),
            seq: l.seq,
            line: l.line,
        })
        .collect();
    (id, received)
}

#[test]
fn resent_and_shuffled_lines_make_the_one_chain_the_laptop_wrote() {
    let f = Fixture::with_entries(12);
    let (id, mut lines) = received(&f);
    // A resent batch, and arrival in another order.
    let again: Vec<ReceivedLine> = lines[4..9].to_vec();
    lines.extend(again);
    lines.reverse();
    let logs = collect(lines);
    let (log, header) = &logs[&id];
    assert_eq!(log.chains.len(), 1, "{log:?}");
    assert_eq!(log.chains[0].last_seq, 12);
    assert_eq!(log.duplicates, 5);
    assert!(log.gaps.is_empty() && log.rejected.is_empty(), "{log:?}");
    assert!(!log.is_forked());
    // Written back, it is the laptop's log byte for byte, and verifies without a head file.
    let copy = f.dir.path().join("copy.log");
    fs::write(
        &copy,
        log.chain_file(header.as_deref().unwrap(), 0).unwrap(),
    )
    .unwrap();
    assert_eq!(fs::read(&copy).unwrap(), fs::read(&f.log).unwrap());
    let report = verify_collected(&copy).expect("a collected copy verifies");
    assert_eq!(report.entries, 12);
    // The laptop's own verify still asks for the head a copy cannot have.
    assert!(fieldchart_audit::verify(&copy).is_err());
}

#[test]
fn a_missing_line_is_a_gap_and_an_altered_one_is_refused_by_name() {
    let f = Fixture::with_entries(8);
    let (id, mut lines) = received(&f);
    lines.retain(|l| l.seq != 4);
    // Entry 6 altered on its way: one character of its body.
    let six = lines.iter_mut().find(|l| l.seq == 6).unwrap();
    let at = six.line.find("\"body\":\"").unwrap() + 10;
    let mut bytes = six.line.clone().into_bytes();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    six.line = String::from_utf8(bytes).unwrap();
    let logs = collect(lines);
    let (log, _) = &logs[&id];
    assert_eq!(log.chains.len(), 1);
    assert_eq!(log.chains[0].last_seq, 3, "the chain ends before the gap");
    // 5 waits behind the gap; 7 and 8 wait behind the refused 6, which cannot be linked either.
    assert_eq!(log.gaps.len(), 2, "{:?}", log.gaps);
    assert_eq!(log.gaps[0].resumes_at, 5);
    assert_eq!(log.rejected.len(), 1, "{:?}", log.rejected);
    assert_eq!(log.rejected[0].seq, 6);
    assert!(
        log.rejected[0].reason.contains("signature"),
        "{:?}",
        log.rejected
    );
}

#[test]
fn a_cloned_laptop_is_a_fork_and_both_chains_are_kept() {
    let f = Fixture::with_entries(3);
    // The laptop's folder is copied after use: the copy has the same log and the same key.
    let clone_dir = f.dir.path().join("clone");
    fs::create_dir_all(&clone_dir).unwrap();
    let clone_log = clone_dir.join("audit.log");
    fs::copy(&f.log, &clone_log).unwrap();
    fs::copy(
        fieldchart_audit::head_path(&f.log),
        fieldchart_audit::head_path(&clone_log),
    )
    .unwrap();
    let entries = sample_entries();
    {
        let mut original = f.open();
        for e in entries.iter().take(4) {
            original.append(&f.recipient, e).unwrap();
        }
        let mut copy = AuditLog::open(&clone_log, &f.key).unwrap();
        for e in entries.iter().rev().take(2) {
            copy.append(&f.recipient, e).unwrap();
        }
    }
    let (id, mut lines) = received(&f);
    let clone_lines = raw_lines(&clone_log).unwrap();
    lines.extend(clone_lines.into_iter().map(|l| ReceivedLine {
        log: id.clone(),
        seq: l.seq,
        line: l.line,
    }));
    let logs = collect(lines);
    let (log, header) = &logs[&id];
    assert!(log.is_forked(), "{log:?}");
    assert_eq!(log.forked_after, Some(3));
    let lasts: Vec<u64> = log.chains.iter().map(|c| c.last_seq).collect();
    assert_eq!(lasts, [7, 5]);
    assert_eq!(
        log.duplicates, 4,
        "the header and entries 1 to 3, received from both"
    );
    // Each chain is a log of its own that verifies.
    for i in 0..2 {
        let path = f.dir.path().join(format!("chain-{i}.log"));
        fs::write(
            &path,
            log.chain_file(header.as_deref().unwrap(), i).unwrap(),
        )
        .unwrap();
        verify_collected(&path).expect("each chain verifies");
    }
}

#[test]
fn lines_without_their_header_are_held_not_trusted() {
    let f = Fixture::with_entries(3);
    let (id, mut lines) = received(&f);
    lines.retain(|l| l.seq != 0);
    let logs = collect(lines);
    let (log, header) = &logs[&id];
    assert!(header.is_none());
    assert!(log.chains.is_empty());
    assert_eq!(log.rejected.len(), 3);
    // Lines filed under another log's id fail that log's checks.
    let (_, mut lines) = received(&f);
    for l in &mut lines {
        l.log = "0".repeat(32);
    }
    let logs = collect(lines);
    let (log, _) = &logs[&"0".repeat(32)];
    assert!(log.chains.is_empty());
    assert!(
        log.rejected
            .iter()
            .any(|r| r.reason.contains("another log") || r.reason.contains("log ")),
        "{:?}",
        log.rejected
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn collecting_never_panics(lines in proptest::collection::vec((0u64..6, "\\PC{0,200}"), 0..20)) {
        let lines = lines.into_iter().map(|(seq, line)| ReceivedLine { log: "a".repeat(32), seq, line });
        let _ = collect(lines);
    }
}
