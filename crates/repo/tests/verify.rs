//! The laptop's checks of metadata bytes: every refusal its own error, and no input that panics.

mod common;

use std::fs;

use chrono::TimeDelta;
use common::{Hub, now};
use fieldchart_failure::Failure;
use fieldchart_repo::*;
use proptest::prelude::*;

/// A published repository's timestamp and targets bytes.
fn published(hub: &Hub) -> (Vec<u8>, Vec<u8>, Timestamp) {
    let key = hub.key();
    let chain = vec![
        hub.file("base.fcs", b"base", FileRole::Base, 1),
        hub.file("layer.fcs", b"layer", FileRole::Layer, 2),
    ];
    publish(&hub.repo(), &PublishInput::new(chain, &key, now())).expect("publishes");
    let ts = fs::read(hub.repo().join(TIMESTAMP_NAME)).expect("timestamp");
    let parsed = verify_timestamp(&ts, &[hub.trusted], now(), None).expect("verifies");
    let targets = fs::read(hub.repo().join(&parsed.targets.name)).expect("targets");
    (ts, targets, parsed)
}

/// `bytes` with the first `from` replaced by `to`.
fn edited(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("text");
    assert!(text.contains(from), "{from} not in {text}");
    text.replacen(from, to, 1).into_bytes()
}

#[test]
fn an_altered_timestamp_is_refused_as_tampered() {
    let hub = Hub::new();
    let (ts, _, _) = published(&hub);
    let altered = edited(&ts, "\"version\": 1,", "\"version\": 7,");
    let err = verify_timestamp(&altered, &[hub.trusted], now(), None).expect_err("altered");
    assert!(matches!(err, RepoError::BadSignature { .. }), "{err}");
    assert_eq!(err.failure(), Failure::Tampered);
}

#[test]
fn metadata_from_a_key_the_laptop_does_not_trust_is_refused_as_untrusted() {
    let hub = Hub::new();
    let other = Hub::new();
    let (ts, targets, parsed) = published(&hub);
    let err = verify_timestamp(&ts, &[other.trusted], now(), None).expect_err("untrusted");
    assert_eq!(err.failure(), Failure::Untrusted);
    assert!(err.to_string().contains(&hub.trusted.to_string()), "{err}");
    let err = verify_targets(&targets, &parsed.targets, &[other.trusted], now(), None)
        .expect_err("untrusted");
    assert_eq!(err.failure(), Failure::Untrusted);
}

#[test]
fn an_older_version_than_the_laptop_saw_is_a_rollback_and_the_same_one_is_not() {
    let hub = Hub::new();
    let (ts, targets, parsed) = published(&hub);
    let err = verify_timestamp(&ts, &[hub.trusted], now(), Some(2)).expect_err("rollback");
    assert_eq!(err.failure(), Failure::Rollback);
    assert!(err.to_string().starts_with("ROLLBACK refused"), "{err}");
    verify_timestamp(&ts, &[hub.trusted], now(), Some(1)).expect("the same publication");
    let err = verify_targets(&targets, &parsed.targets, &[hub.trusted], now(), Some(9))
        .expect_err("targets rollback");
    assert!(
        matches!(
            err,
            RepoError::Rollback {
                highest_seen: 9,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn expired_metadata_is_a_freeze_that_says_since_when() {
    let hub = Hub::new();
    let (ts, targets, parsed) = published(&hub);
    let late = now() + TimeDelta::days(2);
    let err = verify_timestamp(&ts, &[hub.trusted], late, None).expect_err("frozen");
    assert_eq!(err.failure(), Failure::Frozen);
    let words = err.to_string();
    assert!(
        words.contains("cut off from fresh data since 2026-05-05 10:00:00 UTC"),
        "{words}"
    );
    let much_later = now() + TimeDelta::days(15);
    let err = verify_targets(&targets, &parsed.targets, &[hub.trusted], much_later, None)
        .expect_err("targets frozen");
    assert!(
        matches!(
            err,
            RepoError::Frozen {
                kind: MetadataKind::Targets,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn targets_that_are_not_what_the_timestamp_names_are_refused() {
    let hub = Hub::new();
    let (_, targets, parsed) = published(&hub);
    let mut longer = targets.clone();
    longer.push(b' ');
    let err =
        verify_targets(&longer, &parsed.targets, &[hub.trusted], now(), None).expect_err("length");
    assert!(matches!(err, RepoError::Mismatch { .. }), "{err}");
    let mut flipped = targets.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x20;
    let err =
        verify_targets(&flipped, &parsed.targets, &[hub.trusted], now(), None).expect_err("hash");
    assert!(err.to_string().contains("SHA-256"), "{err}");
    assert_eq!(err.failure(), Failure::Tampered);
}

#[test]
fn oversized_garbage_and_the_wrong_kind_of_file_are_each_named() {
    let hub = Hub::new();
    let (ts, targets, _) = published(&hub);
    let huge = vec![b' '; MAX_TIMESTAMP_LEN as usize + 1];
    let err = verify_timestamp(&huge, &[hub.trusted], now(), None).expect_err("too large");
    assert!(matches!(err, RepoError::TooLarge { .. }), "{err}");
    let err =
        verify_timestamp(b"<html>502</html>", &[hub.trusted], now(), None).expect_err("not JSON");
    assert!(err.to_string().contains("not JSON"), "{err}");
    let err = verify_timestamp(&targets, &[hub.trusted], now(), None).expect_err("targets");
    assert!(err.to_string().contains("its type is \"targets\""), "{err}");
    let newer = edited(&ts, "\"format\": 1", "\"format\": 2");
    let err = verify_timestamp(&newer, &[hub.trusted], now(), None).expect_err("format 2");
    assert_eq!(err.failure(), Failure::UnsupportedVersion);
    let extra = edited(&ts, "\"format\": 1", "\"format\": 1, \"extra\": true");
    let err = verify_timestamp(&extra, &[hub.trusted], now(), None).expect_err("unknown field");
    assert!(matches!(err, RepoError::NotMetadata { .. }), "{err}");
}

#[test]
fn a_signed_name_that_would_leave_the_repository_is_never_accepted() {
    // The name is checked against the version even when signed, so `../x` cannot be fetched.
    let hub = Hub::new();
    let (ts, _, parsed) = published(&hub);
    let wrong = edited(&ts, &parsed.targets.name, "../1.targets.json");
    let err = verify_timestamp(&wrong, &[hub.trusted], now(), None).expect_err("path");
    assert_eq!(err.failure(), Failure::Tampered, "{err}");
}

fn mutated(bytes: &[u8], at: usize, op: u8, value: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return vec![value];
    }
    let at = at % out.len();
    match op % 4 {
        0 => out[at] = value,
        1 => out.truncate(at),
        2 => out.insert(at, value),
        _ => {
            out.remove(at);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (hub, ..) = fixture();
        let expected = MetaRef {
            name: targets_name(1),
            version: 1,
            length: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        };
        prop_assert!(verify_timestamp(&bytes, &[hub.trusted], now(), None).is_err());
        prop_assert!(verify_targets(&bytes, &expected, &[hub.trusted], now(), None).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A mutation of real metadata never panics, and whatever still verifies (a change of
    /// whitespace) says exactly what the original said.
    #[test]
    fn mutated_metadata_never_panics_and_never_says_something_else(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4),
    ) {
        let (hub, ts, targets, parsed) = fixture();
        let original_targets =
            verify_targets(targets, &parsed.targets, &[hub.trusted], now(), None).expect("ok");
        let (mut ts_m, mut targets_m) = (ts.clone(), targets.clone());
        for (at, op, value) in &edits {
            ts_m = mutated(&ts_m, *at, *op, *value);
            targets_m = mutated(&targets_m, *at, *op, *value);
        }
        if let Ok(t) = verify_timestamp(&ts_m, &[hub.trusted], now(), None) {
            prop_assert_eq!(&t, parsed);
        }
        // Against the original reference the hash catches everything; against one made for the
        // mutated bytes, the signature must.
        let r = MetaRef {
            length: targets_m.len() as u64,
            sha256: sha256_hex(&targets_m),
            ..parsed.targets.clone()
        };
        if let Ok(t) = verify_targets(&targets_m, &r, &[hub.trusted], now(), None) {
            prop_assert_eq!(t, original_targets);
        }
    }
}

/// One published repository for every mutation case (making vault files per case is slow).
fn fixture() -> &'static (Hub, Vec<u8>, Vec<u8>, Timestamp) {
    static FIXTURE: std::sync::OnceLock<(Hub, Vec<u8>, Vec<u8>, Timestamp)> =
        std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let hub = Hub::new();
        let (ts, targets, parsed) = published(&hub);
        (hub, ts, targets, parsed)
    })
}
