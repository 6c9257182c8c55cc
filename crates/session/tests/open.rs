//! Opening refuses snapshots whose content this viewer cannot read, with their own exit codes, before
//! anything is shown.

use chrono::{Duration, Utc};
use fieldchart_session::{Session, SessionError, SessionOptions};
use fieldchart_store::manifest::{AppManifest, Counts, Scope};
use fieldchart_vault::{
    SnapshotWriter, TrustedKey, Unlock, WriteOptions, generate_device_identity,
    generate_signing_key, load_identity, load_signing_key, parse_recipient,
};

fn app(content_version: u32) -> serde_json::Value {
    serde_json::to_value(AppManifest {
        content_version,
        generator: "test".into(),
        scope: Scope {
            window_years: 5,
            from: "2021-01-01".into(),
            kept_whole: vec![],
            facilities: vec![],
        },
        facilities: vec![],
        counts: Counts::default(),
        audit_recipient: "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq".into(),
        consent: Default::default(),
        links: Default::default(),
        chain: None,
        masters: Vec::new(),
    })
    .unwrap()
}

/// Writes a snapshot with the given parts and application manifest; returns its path and the
/// options that open it.
fn snapshot(
    dir: &std::path::Path,
    parts: &[(&str, &[u8])],
    app: serde_json::Value,
) -> SessionOptions {
    let device = dir.join("device.key");
    let hub = dir.join("hub.key");
    let recipient = generate_device_identity(&device).unwrap();
    let hub_pub = generate_signing_key(&hub).unwrap();
    let out = dir.join("s.fcs");
    let now = Utc::now();
    let mut w = SnapshotWriter::create(
        &out,
        WriteOptions {
            recipients: vec![parse_recipient(&recipient).unwrap()],
            passphrase: None,
            scrypt_log_n: None,
            signing_key: load_signing_key(&hub).unwrap(),
            created: now,
            not_after: now + Duration::days(1),
            drill: true,
        },
    )
    .unwrap();
    for (name, bytes) in parts {
        w.add_part_bytes(name, bytes).unwrap();
    }
    w.finish(app).unwrap();
    SessionOptions {
        path: out,
        unlock: Unlock::Identity(load_identity(&device).unwrap()),
        trusted: vec![TrustedKey::parse(&hub_pub).unwrap()],
        now,
        accept_expired: false,
    }
}

#[test]
fn a_newer_content_version_is_refused_as_unknown_version() {
    let dir = tempfile::tempdir().unwrap();
    let opts = snapshot(dir.path(), &[("clinical.sqlite", b"")], app(99));
    let Err(e) = Session::open(opts) else {
        panic!("a content version 99 snapshot opened");
    };
    assert!(
        matches!(e, SessionError::ContentVersion { found: 99, .. }),
        "{e}"
    );
    assert_eq!(e.failure(), fieldchart_failure::Failure::UnsupportedVersion);
    assert!(e.to_string().contains("Update FieldChart"));
}

#[test]
fn a_snapshot_without_its_clinical_store_is_refused_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let opts = snapshot(
        dir.path(),
        &[("index/meta.json", b"{}")],
        app(fieldchart_store::CONTENT_VERSION),
    );
    let Err(e) = Session::open(opts) else {
        panic!("a snapshot without a store opened");
    };
    assert!(matches!(e, SessionError::Damaged(_)), "{e}");
    assert_eq!(e.failure(), fieldchart_failure::Failure::Tampered);
}

#[test]
fn a_store_that_is_not_sqlite_is_refused_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let opts = snapshot(
        dir.path(),
        &[
            ("clinical.sqlite", &[7u8; 10_000]),
            ("index/meta.json", b"{}"),
        ],
        app(fieldchart_store::CONTENT_VERSION),
    );
    let Err(e) = Session::open(opts) else {
        panic!("garbage opened as a store");
    };
    assert_eq!(e.failure(), fieldchart_failure::Failure::Tampered, "{e}");
}

#[test]
fn an_open_session_has_core_dumps_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let opts = snapshot(dir.path(), &[("clinical.sqlite", b"")], app(99));
    // Even a refused open has already switched them off: the limit is set before any decryption.
    let _ = Session::open(opts);
    assert_eq!(rlimit::Resource::CORE.get().unwrap(), (0, 0));
}
