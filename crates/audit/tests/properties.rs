//! Properties of `verify`: it never panics, whatever the bytes, and it accepts no change to a valid
//! log or its head. (A change to the last line's bytes that stops before its newline is still an
//! error: a torn line.)

mod common;

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use common::Fixture;
use fieldchart_audit::{head_path, verify};
use proptest::prelude::*;

/// A valid log of four entries and its head, made once.
fn valid() -> &'static (Vec<u8>, Vec<u8>) {
    static VALID: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    VALID.get_or_init(|| {
        let fixture = Fixture::with_entries(4);
        (
            fs::read(&fixture.log).expect("log"),
            fs::read(fixture.head()).expect("head"),
        )
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        bit: u8,
    },
    Set {
        at: usize,
        byte: u8,
    },
    Insert {
        at: usize,
        byte: u8,
    },
    Delete {
        at: usize,
    },
    Truncate {
        len: usize,
    },
    Append {
        bytes: Vec<u8>,
    },
    /// Moves a line elsewhere (whole-line edits are what a careful forger does).
    MoveLine {
        from: usize,
        to: usize,
    },
    DropLine {
        at: usize,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Set { at, byte }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Delete { at }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        proptest::collection::vec(any::<u8>(), 1..40).prop_map(|bytes| Mutation::Append { bytes }),
        (any::<usize>(), any::<usize>()).prop_map(|(from, to)| Mutation::MoveLine { from, to }),
        any::<usize>().prop_map(|at| Mutation::DropLine { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len().max(1);
    match mutation {
        Mutation::Flip { at, bit } => {
            if let Some(byte) = bytes.get_mut(at % len) {
                *byte ^= 1 << bit;
            }
        }
        Mutation::Set { at, byte } => {
            if let Some(slot) = bytes.get_mut(at % len) {
                *slot = *byte;
            }
        }
        Mutation::Insert { at, byte } => bytes.insert(at % (bytes.len() + 1), *byte),
        Mutation::Delete { at } => {
            if !bytes.is_empty() {
                bytes.remove(at % bytes.len());
            }
        }
        Mutation::Truncate { len: keep } => bytes.truncate(keep % len),
        Mutation::Append { bytes: extra } => bytes.extend_from_slice(extra),
        Mutation::MoveLine { from, to } => {
            let mut lines = split_lines(bytes);
            if !lines.is_empty() {
                let line = lines.remove(from % lines.len());
                lines.insert(to % (lines.len() + 1), line);
                *bytes = lines.concat();
            }
        }
        Mutation::DropLine { at } => {
            let mut lines = split_lines(bytes);
            if !lines.is_empty() {
                lines.remove(at % lines.len());
                *bytes = lines.concat();
            }
        }
    }
}

/// Lines with their newlines (the last one may lack it).
fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn verify_files(log: &[u8], head: Option<&[u8]>) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("audit.log");
    fs::write(&path, log).expect("log written");
    if let Some(head) = head {
        fs::write(head_path(&path), head).expect("head written");
    }
    check(&path)
}

fn check(path: &Path) -> Result<(), String> {
    verify(path).map(|_| ()).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_verify_and_never_panic(
        log in proptest::collection::vec(any::<u8>(), 0..2000),
        head in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
    ) {
        prop_assert!(verify_files(&log, head.as_deref()).is_err());
    }

    #[test]
    fn arbitrary_lines_after_a_valid_header_never_verify(
        tail in proptest::collection::vec(any::<u8>(), 0..2000),
    ) {
        let (log, head) = valid();
        let header_end = log.iter().position(|&b| b == b'\n').expect("header line") + 1;
        let mut bytes = log[..header_end].to_vec();
        bytes.extend_from_slice(&tail);
        prop_assume!(bytes != *log);
        prop_assert!(verify_files(&bytes, Some(head)).is_err());
    }

    #[test]
    fn no_mutation_of_a_valid_log_verifies(
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let (log, head) = valid();
        let mut bytes = log.clone();
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        prop_assume!(bytes != *log);
        prop_assert!(verify_files(&bytes, Some(head)).is_err());
    }

    #[test]
    fn no_mutation_of_a_valid_head_verifies(
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let (log, head) = valid();
        let mut bytes = head.clone();
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        prop_assume!(bytes != *head);
        prop_assert!(verify_files(log, Some(&bytes)).is_err());
    }
}

#[test]
fn the_unmutated_log_verifies() {
    let (log, head) = valid();
    assert_eq!(verify_files(log, Some(head)), Ok(()));
}
