//! A hub and a laptop in a temporary directory: real key files, real snapshot files.

#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use fieldchart_vault::{
    OpenOptions, Snapshot, SnapshotWriter, TrustedKey, Unlock, VaultError, WriteOptions,
    generate_device_identity, generate_signing_key, load_identity, load_signing_key, open,
    parse_recipient,
};

/// The scrypt work factor tests use: age's calibrated default takes seconds.
pub const TEST_LOG_N: u8 = 10;
pub const PASSPHRASE: &str = "correct horse battery staple 地震";

pub struct Hub {
    pub dir: tempfile::TempDir,
    pub trusted: TrustedKey,
    pub recipient: String,
    pub created: DateTime<Utc>,
}

impl Hub {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let recipient = generate_device_identity(&dir.path().join("laptop.key")).expect("device");
        let public = generate_signing_key(&dir.path().join("hub.sign")).expect("signing");
        let created = DateTime::parse_from_rfc3339("2025-03-11T05:46:00Z")
            .expect("time")
            .with_timezone(&Utc);
        Hub {
            dir,
            trusted: TrustedKey::parse(&public).expect("public key parses"),
            recipient,
            created,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn options(&self, passphrase: bool) -> WriteOptions {
        WriteOptions {
            recipients: vec![parse_recipient(&self.recipient).expect("recipient")],
            passphrase: passphrase.then(|| PASSPHRASE.to_owned().into()),
            scrypt_log_n: Some(TEST_LOG_N),
            signing_key: load_signing_key(&self.path("hub.sign")).expect("signing key"),
            created: self.created,
            not_after: self.created + TimeDelta::days(14),
            drill: false,
        }
    }

    /// Writes a snapshot of `parts` named `name`, returning its path.
    pub fn build(&self, name: &str, parts: &[(&str, Vec<u8>)], passphrase: bool) -> PathBuf {
        let out = self.path(name);
        let mut writer = SnapshotWriter::create(&out, self.options(passphrase)).expect("create");
        for (part, bytes) in parts {
            writer.add_part_bytes(part, bytes).expect("add part");
        }
        writer
            .finish(serde_json::json!({ "facilities": ["1311234567"], "patients": 3 }))
            .expect("finish");
        out
    }

    /// Options as the laptop holding the device key, an hour after the build.
    pub fn laptop(&self) -> OpenOptions {
        OpenOptions::new(
            vec![self.trusted],
            Unlock::Identity(load_identity(&self.path("laptop.key")).expect("identity")),
            self.created + TimeDelta::hours(1),
        )
    }

    pub fn open(&self, path: &Path) -> Result<Snapshot, VaultError> {
        open(path, &self.laptop())
    }
}

/// Deterministic bytes that do not repeat with any block-sized period.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// Parts of the sizes that matter: empty, tiny, exactly one block, several blocks and a bit.
pub fn sample_parts() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty", Vec::new()),
        ("tiny", b"SQLite format 3\0".to_vec()),
        ("one-block", noise(fieldchart_vault::BLOCK, 1)),
        (
            "store.sqlite",
            noise(3 * fieldchart_vault::BLOCK + 12_345, 2),
        ),
        ("also-empty", Vec::new()),
        ("index/meta.json", noise(70_000, 3)),
    ]
}
