//! A hub that publishes small real vault files into a repository folder, for the fetch tests.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use fieldchart_repo::{ChainFile, FileRole, PublishInput, Published, TargetFile, Targets};
use fieldchart_sync::fetch::{Downloaded, FetchError, RepoSource};
use fieldchart_vault::{
    SigningKey, SnapshotWriter, TrustedKey, WriteOptions, generate_device_identity,
    generate_signing_key, load_signing_key, parse_recipient,
};

pub struct Hub {
    pub dir: tempfile::TempDir,
    pub trusted: TrustedKey,
    recipient: String,
    pub chain: Vec<ChainFile>,
}

impl Hub {
    pub fn new() -> Hub {
        let dir = tempfile::tempdir().expect("temp dir");
        let public = generate_signing_key(&dir.path().join("hub.sign")).expect("signing key");
        let recipient =
            generate_device_identity(&dir.path().join("laptop.key")).expect("device key");
        Hub {
            trusted: TrustedKey::parse(&public).expect("public key"),
            dir,
            recipient,
            chain: Vec::new(),
        }
    }

    pub fn key(&self) -> SigningKey {
        load_signing_key(&self.dir.path().join("hub.sign")).expect("loads")
    }

    pub fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    pub fn laptop(&self) -> PathBuf {
        let dir = self.dir.path().join("laptop");
        fs::create_dir_all(&dir).expect("laptop folder");
        dir
    }

    /// Adds a real vault file of about `size` bytes of payload to the chain (the first is the base).
    pub fn add(&mut self, size: usize) -> &ChainFile {
        let sequence = self.chain.len() as u64 + 1;
        let path = self.dir.path().join(format!("built-{sequence}.fcs"));
        let payload: Vec<u8> = (0..size)
            .map(|i| (i * 7 + sequence as usize) as u8)
            .collect();
        let mut writer = SnapshotWriter::create(
            &path,
            WriteOptions {
                recipients: vec![parse_recipient(&self.recipient).expect("recipient")],
                passphrase: None,
                scrypt_log_n: None,
                signing_key: self.key(),
                created: now(),
                not_after: now() + TimeDelta::days(30),
                drill: true,
            },
        )
        .expect("writer");
        writer.add_part_bytes("payload", &payload).expect("part");
        let digest = writer.finish(serde_json::json!({})).expect("finish").digest;
        let role = if sequence == 1 {
            FileRole::Base
        } else {
            FileRole::Layer
        };
        self.chain.push(ChainFile {
            path,
            role,
            sequence,
            digest,
        });
        self.chain.last().expect("just added")
    }

    pub fn publish_at(&self, at: DateTime<Utc>) -> Published {
        let key = self.key();
        fieldchart_repo::publish(
            &self.repo(),
            &PublishInput::new(self.chain.clone(), &key, at),
        )
        .expect("publishes")
    }

    pub fn publish(&self) -> Published {
        self.publish_at(now())
    }
}

/// What a laptop does first: the timestamp, then the targets it names, both verified.
pub fn verified_targets(source: &RepoSource, hub: &Hub, seen: Option<u64>) -> Targets {
    let ts = source
        .get_metadata(
            fieldchart_repo::TIMESTAMP_NAME,
            fieldchart_repo::MAX_TIMESTAMP_LEN,
        )
        .expect("timestamp");
    let ts = fieldchart_repo::verify_timestamp(&ts, &[hub.trusted], now(), seen).expect("verifies");
    let targets = source
        .get_metadata(&ts.targets.name, fieldchart_repo::MAX_TARGETS_LEN)
        .expect("targets");
    fieldchart_repo::verify_targets(&targets, &ts.targets, &[hub.trusted], now(), None)
        .expect("targets verify")
}

/// Downloads `file` of the verified targets from `source` into `partial`, resuming what it holds,
/// with no progress shown.
pub fn download(
    source: &RepoSource,
    file: &TargetFile,
    partial: &Path,
) -> Result<Downloaded, FetchError> {
    source.download(
        &file.path(),
        file.length,
        &file.sha256,
        partial,
        &mut |_, _| {},
    )
}

pub fn bytes_of(hub: &Hub, file: &TargetFile) -> Vec<u8> {
    fs::read(hub.repo().join(file.path())).expect("published file")
}

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-04T10:00:00Z")
        .expect("time")
        .to_utc()
}
