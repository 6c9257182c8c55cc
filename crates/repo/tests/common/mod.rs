//! A hub's keys and small real vault files, for the repository's tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};
use fieldchart_repo::{ChainFile, FileRole};
use fieldchart_vault::{
    SigningKey, SnapshotWriter, TrustedKey, WriteOptions, generate_device_identity,
    generate_signing_key, load_signing_key, parse_recipient,
};

pub struct Hub {
    pub dir: tempfile::TempDir,
    pub trusted: TrustedKey,
    recipient: String,
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
        }
    }

    pub fn key(&self) -> SigningKey {
        load_signing_key(&self.dir.path().join("hub.sign")).expect("loads")
    }

    pub fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    /// A real vault file signed by this hub, holding `payload`.
    pub fn file(&self, name: &str, payload: &[u8], role: FileRole, sequence: u64) -> ChainFile {
        self.file_at(name, payload, role, sequence, now())
    }

    pub fn file_at(
        &self,
        name: &str,
        payload: &[u8],
        role: FileRole,
        sequence: u64,
        created: DateTime<Utc>,
    ) -> ChainFile {
        let path = self.dir.path().join(name);
        write_vault(&path, self.key(), &self.recipient, payload, created);
        let digest = fieldchart_vault::check_outline_even_if_expired(&path, &[self.trusted], now())
            .expect("outline")
            .digest;
        ChainFile {
            path,
            role,
            sequence,
            digest,
        }
    }
}

pub fn write_vault(
    path: &Path,
    key: SigningKey,
    recipient: &str,
    payload: &[u8],
    created: DateTime<Utc>,
) {
    let mut writer = SnapshotWriter::create(
        path,
        WriteOptions {
            recipients: vec![parse_recipient(recipient).expect("recipient")],
            passphrase: None,
            scrypt_log_n: None,
            signing_key: key,
            created,
            not_after: created + TimeDelta::days(30),
            drill: true,
        },
    )
    .expect("writer");
    writer.add_part_bytes("payload", payload).expect("part");
    writer.finish(serde_json::json!({})).expect("finish");
}

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-05-04T10:00:00Z")
        .expect("time")
        .to_utc()
}
