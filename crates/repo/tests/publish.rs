//! Publishing: what lands in the folder, what a laptop's checks make of it, and what is kept.

mod common;

use std::fs;

use chrono::TimeDelta;
use common::{Hub, now};
use fieldchart_failure::Failure;
use fieldchart_repo::*;

fn read_metadata(hub: &Hub) -> (Timestamp, Targets) {
    let repo = hub.repo();
    let ts = fs::read(repo.join(TIMESTAMP_NAME)).expect("timestamp");
    let ts = verify_timestamp(&ts, &[hub.trusted], now(), None).expect("timestamp verifies");
    let targets = fs::read(repo.join(&ts.targets.name)).expect("targets");
    let targets =
        verify_targets(&targets, &ts.targets, &[hub.trusted], now(), None).expect("verifies");
    (ts, targets)
}

#[test]
fn a_published_chain_verifies_and_lists_every_file_under_its_hash() {
    let hub = Hub::new();
    let key = hub.key();
    let base = hub.file("base.fcs", b"base", FileRole::Base, 1);
    let layer = hub.file("layer.fcs", b"layer", FileRole::Layer, 2);
    let published = publish(
        &hub.repo(),
        &PublishInput::new(vec![base.clone(), layer.clone()], &key, now()),
    )
    .expect("publishes");
    assert_eq!(
        (published.timestamp_version, published.targets.version),
        (1, 1)
    );
    assert!(published.targets_written);
    assert_eq!(published.copied.len(), 2);

    let (ts, targets) = read_metadata(&hub);
    assert_eq!(ts.version, 1);
    assert_eq!(ts.expires, now() + DEFAULT_TIMESTAMP_EXPIRY);
    assert_eq!(targets.expires, now() + DEFAULT_TARGETS_EXPIRY);
    assert_eq!(targets.signer, hub.trusted.to_string());
    assert!(targets.revoked.is_empty());
    let roles: Vec<_> = targets.files.iter().map(|f| (f.role, f.sequence)).collect();
    assert_eq!(roles, [(FileRole::Base, 1), (FileRole::Layer, 2)]);
    for (file, input) in targets.files.iter().zip([&base, &layer]) {
        let bytes = fs::read(hub.repo().join(file.path())).expect("file in targets/");
        assert_eq!(bytes, fs::read(&input.path).expect("source"));
        assert_eq!(file.length, bytes.len() as u64);
        assert_eq!(file.sha256, sha256_hex(&bytes));
        assert_eq!(file.digest, input.digest);
        assert_eq!(file.since, 1);
    }
}

#[test]
fn publishing_again_unchanged_re_signs_only_the_timestamp() {
    let hub = Hub::new();
    let key = hub.key();
    let chain = vec![hub.file("base.fcs", b"base", FileRole::Base, 1)];
    let first = publish(&hub.repo(), &PublishInput::new(chain.clone(), &key, now())).expect("1");
    let later = now() + TimeDelta::hours(1);
    let second = publish(&hub.repo(), &PublishInput::new(chain, &key, later)).expect("2");
    assert_eq!(second.timestamp_version, 2);
    assert!(!second.targets_written);
    assert_eq!(second.targets, first.targets);
    assert!(second.copied.is_empty() && second.removed.is_empty());
    let ts = fs::read(hub.repo().join(TIMESTAMP_NAME)).expect("timestamp");
    let ts = verify_timestamp(&ts, &[hub.trusted], later, Some(1)).expect("newer timestamp");
    assert_eq!(ts.expires, later + DEFAULT_TIMESTAMP_EXPIRY);
}

#[test]
fn a_new_layer_is_a_new_targets_version_and_old_files_keep_their_first_version() {
    let hub = Hub::new();
    let key = hub.key();
    let base = hub.file("base.fcs", b"base", FileRole::Base, 1);
    publish(
        &hub.repo(),
        &PublishInput::new(vec![base.clone()], &key, now()),
    )
    .expect("1");
    let layer = hub.file("layer.fcs", b"layer", FileRole::Layer, 2);
    let published = publish(
        &hub.repo(),
        &PublishInput::new(vec![base, layer], &key, now()),
    )
    .expect("2");
    assert!(published.targets_written);
    assert_eq!(published.copied.len(), 1, "the base was already there");
    let (_, targets) = read_metadata(&hub);
    assert!(targets.version > 1);
    let since: Vec<u64> = targets.files.iter().map(|f| f.since).collect();
    assert_eq!(since, [1, targets.version]);
    // The previous targets metadata is still there for a laptop mid-sync.
    assert!(hub.repo().join(targets_name(1)).exists());
}

#[test]
fn files_that_neither_of_the_two_newest_versions_lists_are_removed() {
    let hub = Hub::new();
    let key = hub.key();
    let mut sources = Vec::new();
    for (i, payload) in [b"one", b"two", b"six"].iter().enumerate() {
        let chain = vec![hub.file(&format!("b{i}.fcs"), *payload, FileRole::Base, 1)];
        let published =
            publish(&hub.repo(), &PublishInput::new(chain.clone(), &key, now())).expect("publish");
        sources.push((chain, published));
    }
    let in_repo = |i: usize| {
        let sha = sha256_hex(&fs::read(&sources[i].0[0].path).expect("source"));
        hub.repo()
            .join(TARGETS_DIR)
            .join(format!("{sha}.fcs"))
            .exists()
    };
    assert!(!in_repo(0), "listed only by the third-newest version");
    assert!(in_repo(1) && in_repo(2));
    assert!(!hub.repo().join(&sources[0].1.targets.name).exists());
    assert!(hub.repo().join(&sources[1].1.targets.name).exists());
    let last = &sources[2].1;
    assert_eq!(last.removed.len(), 2, "{:?}", last.removed);
}

#[test]
fn a_wiped_folder_never_restarts_below_the_floor() {
    let hub = Hub::new();
    let key = hub.key();
    let chain = vec![hub.file("base.fcs", b"base", FileRole::Base, 1)];
    let mut input = PublishInput::new(chain.clone(), &key, now());
    let first = publish(&hub.repo(), &input).expect("1");
    let first = publish(&hub.repo(), &input).map(|_| first).expect("2");
    fs::remove_dir_all(hub.repo()).expect("wipe");
    input.version_floor = 2;
    let again = publish(&hub.repo(), &input).expect("after the wipe");
    assert_eq!(again.timestamp_version, 3);
    assert!(again.targets.version > first.targets.version);
    assert_eq!(again.highest_version(), 3);
}

#[test]
fn an_unchanged_targets_is_re_signed_before_it_could_freeze_laptops() {
    let hub = Hub::new();
    let key = hub.key();
    let chain = vec![hub.file("base.fcs", b"base", FileRole::Base, 1)];
    publish(&hub.repo(), &PublishInput::new(chain.clone(), &key, now())).expect("1");
    let week = now() + TimeDelta::days(6);
    let kept = publish(&hub.repo(), &PublishInput::new(chain.clone(), &key, week)).expect("2");
    assert!(!kept.targets_written);
    let later = now() + TimeDelta::days(8);
    let resigned = publish(&hub.repo(), &PublishInput::new(chain, &key, later)).expect("3");
    assert!(resigned.targets_written);
    let ts = fs::read(hub.repo().join(TIMESTAMP_NAME)).expect("timestamp");
    let ts = verify_timestamp(&ts, &[hub.trusted], later, None).expect("timestamp");
    let targets = fs::read(hub.repo().join(&ts.targets.name)).expect("targets");
    let targets = verify_targets(&targets, &ts.targets, &[hub.trusted], later, None).expect("ok");
    assert_eq!(targets.files[0].since, 1, "the file itself is not new");
}

#[test]
fn a_damaged_copy_in_the_repository_is_replaced() {
    let hub = Hub::new();
    let key = hub.key();
    let chain = vec![hub.file("base.fcs", b"base", FileRole::Base, 1)];
    let input = PublishInput::new(chain.clone(), &key, now());
    publish(&hub.repo(), &input).expect("1");
    let (_, targets) = read_metadata(&hub);
    let stored = hub.repo().join(targets.files[0].path());
    let mut bytes = fs::read(&stored).expect("stored");
    bytes[100] ^= 1;
    fs::write(&stored, &bytes).expect("damage");
    let again = publish(&hub.repo(), &input).expect("2");
    assert_eq!(again.copied, [targets.files[0].path()]);
    assert_eq!(again.warnings.len(), 1, "{:?}", again.warnings);
    assert_eq!(
        fs::read(&stored).expect("stored"),
        fs::read(&chain[0].path).expect("source")
    );
}

#[test]
fn what_the_hub_did_not_build_is_refused_before_anything_is_written() {
    let hub = Hub::new();
    let other = Hub::new();
    let key = hub.key();
    let foreign = other.file("foreign.fcs", b"x", FileRole::Base, 1);
    let err = publish(&hub.repo(), &PublishInput::new(vec![foreign], &key, now()))
        .expect_err("another hub's file");
    assert_eq!(err.failure(), Failure::Untrusted, "{err}");

    let mut wrong = hub.file("base.fcs", b"base", FileRole::Base, 1);
    wrong.digest = "0".repeat(64);
    let err = publish(
        &hub.repo(),
        &PublishInput::new(vec![wrong.clone()], &key, now()),
    )
    .expect_err("wrong digest");
    assert!(matches!(err, RepoError::DigestMismatch { .. }), "{err}");

    let layer = hub.file("layer.fcs", b"layer", FileRole::Layer, 1);
    let err = publish(&hub.repo(), &PublishInput::new(vec![layer], &key, now()))
        .expect_err("a layer first");
    assert_eq!(err.failure(), Failure::Usage);
    assert!(err.to_string().contains("starts with a layer"), "{err}");

    let base = hub.file("base2.fcs", b"base", FileRole::Base, 5);
    let layer = hub.file("layer2.fcs", b"layer", FileRole::Layer, 5);
    let err = publish(
        &hub.repo(),
        &PublishInput::new(vec![base, layer], &key, now()),
    )
    .expect_err("sequence not increasing");
    assert!(err.to_string().contains("sequence"), "{err}");

    let err = publish(&hub.repo(), &PublishInput::new(vec![], &key, now())).expect_err("empty");
    assert!(err.to_string().contains("no file"), "{err}");
    assert!(!hub.repo().join(TIMESTAMP_NAME).exists());
}

#[test]
fn metadata_signed_by_another_key_in_the_folder_is_ignored_and_reported() {
    let hub = Hub::new();
    let other = Hub::new();
    let chain = vec![other.file("o.fcs", b"o", FileRole::Base, 1)];
    let other_key = other.key();
    let mut input = PublishInput::new(chain, &other_key, now());
    input.version_floor = 40;
    publish(&hub.repo(), &input).expect("the other hub publishes into the same folder");
    let key = hub.key();
    let chain = vec![hub.file("base.fcs", b"base", FileRole::Base, 1)];
    let published = publish(&hub.repo(), &PublishInput::new(chain, &key, now())).expect("ours");
    assert_eq!(published.timestamp_version, 1);
    assert!(!published.warnings.is_empty());
    read_metadata(&hub);
}
