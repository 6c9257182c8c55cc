//! `fieldchart snapshot sync`: a snapshot comes onto the laptop whole and verified, or not at all,
//! and every sync is in the audit log.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture, ok, run};
use serde_json::Value;

fn sync(source: &Path, to: &Path, log: &Path) -> Output {
    let f = fixture();
    run(&[
        "snapshot",
        "sync",
        source.to_str().unwrap(),
        "--identity",
        f.device_key.to_str().unwrap(),
        "--trust",
        &f.hub_pub,
        "--to",
        to.to_str().unwrap(),
        "--audit-log",
        log.to_str().unwrap(),
    ])
}

/// The folder's entries but the sync lock (which stays, empty, as a lock file does).
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n != ".fieldchart-sync.lock")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn scratch(name: &str) -> PathBuf {
    let dir = fixture().dir.join("sync").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sync entries of a log, decrypted with the hub's audit key (as the FHIR export carries them:
/// DICOM 110107 Import).
fn imports(log: &Path) -> Vec<Value> {
    fixture().fhir(log)["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .filter(|r| r["type"]["code"] == "110107")
        .collect()
}

#[test]
fn a_snapshot_is_copied_verified_published_and_audited() {
    let f = fixture();
    let dir = scratch("good");
    let to = dir.join("laptop-snapshots");
    let log = dir.join("audit").join("audit.log");
    let out = ok(&sync(&f.snapshot, &to, &log));
    assert!(out.contains("every part verified"), "{out}");
    assert_eq!(files(&to), vec!["drill.fcs"], "no temporary file is left");
    assert_eq!(
        std::fs::read(to.join("drill.fcs")).unwrap(),
        std::fs::read(&f.snapshot).unwrap()
    );
    let again = ok(&sync(&f.snapshot, &to, &log));
    assert!(again.contains("already"), "{again}");
    let imports = imports(&log);
    assert_eq!(imports.len(), 2, "both syncs are audited");
    assert!(imports.iter().all(|e| e["outcome"] == "0"), "{imports:?}");
}

#[test]
fn a_tampered_snapshot_is_not_kept_and_the_failure_is_audited() {
    let f = fixture();
    let dir = scratch("tampered");
    let to = dir.join("laptop-snapshots");
    let log = dir.join("audit").join("audit.log");
    // A good sync first, so the log knows which hub it reports to.
    ok(&sync(&f.snapshot, &to, &log));
    let source = dir.join("stick");
    std::fs::create_dir_all(&source).unwrap();
    let bad = source.join("region-next.fcs");
    let mut bytes = std::fs::read(&f.snapshot).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&bad, bytes).unwrap();
    let out = sync(&bad, &to, &log);
    assert_eq!(
        out.status.code(),
        Some(12),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        files(&to),
        vec!["drill.fcs"],
        "nothing of the bad copy is kept"
    );
    let imports = imports(&log);
    assert_eq!(imports.len(), 2);
    assert!(imports.iter().any(|e| e["outcome"] != "0"), "{imports:?}");
}

#[test]
fn a_power_cut_mid_copy_leaves_nothing_the_viewer_would_open_and_the_next_sync_cleans_up() {
    let f = fixture();
    let dir = scratch("power-cut");
    let to = dir.join("laptop-snapshots");
    std::fs::create_dir_all(&to).unwrap();
    let log = dir.join("audit").join("audit.log");
    // What a power cut mid-copy leaves: a partial file under the temporary name only.
    let len = std::fs::metadata(&f.snapshot).unwrap().len() as usize;
    let partial = to.join(".fieldchart-sync-drill.fcs.partial");
    std::fs::write(&partial, &std::fs::read(&f.snapshot).unwrap()[..len / 3]).unwrap();
    assert!(!to.join("drill.fcs").exists());
    ok(&sync(&f.snapshot, &to, &log));
    assert_eq!(files(&to), vec!["drill.fcs"]);
}

#[test]
fn an_existing_different_snapshot_is_never_overwritten() {
    let f = fixture();
    let dir = scratch("exists");
    let to = dir.join("laptop-snapshots");
    std::fs::create_dir_all(&to).unwrap();
    let log = dir.join("audit").join("audit.log");
    std::fs::write(to.join("drill.fcs"), b"an older file someone kept").unwrap();
    let out = sync(&f.snapshot, &to, &log);
    assert_eq!(out.status.code(), Some(18));
    assert_eq!(
        std::fs::read(to.join("drill.fcs")).unwrap(),
        b"an older file someone kept"
    );
}

#[test]
fn an_untrusted_snapshot_is_not_even_copied() {
    let f = fixture();
    let dir = scratch("untrusted");
    let to = dir.join("laptop-snapshots");
    let log = dir.join("audit").join("audit.log");
    let other = dir.join("other-hub.key");
    let other_pub = ok(&run(&["keys", "signing", "--out", other.to_str().unwrap()]));
    let out = run(&[
        "snapshot",
        "sync",
        f.snapshot.to_str().unwrap(),
        "--identity",
        f.device_key.to_str().unwrap(),
        "--trust",
        other_pub.trim(),
        "--to",
        to.to_str().unwrap(),
        "--audit-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(11));
    assert!(files(&to).is_empty());
}

#[test]
fn a_repository_address_nobody_answers_is_named_once_with_its_cause() {
    let dir = scratch("http");
    // Nothing listens on the discard port of loopback: the connection is refused at once.
    let out = sync(
        Path::new("http://127.0.0.1:9/repo"),
        &dir.join("to"),
        &dir.join("audit.log"),
    );
    assert_eq!(out.status.code(), Some(20));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("127.0.0.1:9").count(),
        1,
        "the error is said once: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(files(&dir.join("to")).is_empty(), "nothing is kept");
}

#[test]
fn a_missing_source_file_is_named_once_with_its_cause() {
    let dir = scratch("missing");
    let source = dir.join("nowhere.fcs");
    let out = sync(&source, &dir.join("to"), &dir.join("audit.log"));
    assert_eq!(out.status.code(), Some(20));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches("nowhere.fcs").count(),
        1,
        "each cause once: {err}"
    );
    assert_eq!(err.matches("No such file").count(), 1, "{err}");
}

#[test]
fn an_older_snapshot_from_the_same_hub_is_copied_with_a_warning() {
    let f = fixture();
    let dir = scratch("older");
    let newer = dir.join("noto-newer.fcs");
    let older = dir.join("noto-older.fcs");
    let created =
        |days_ago: i64| (chrono::Utc::now() - chrono::Duration::days(days_ago)).to_rfc3339();
    f.build(&newer, &["--created", &created(1)]);
    f.build(&older, &["--created", &created(3)]);
    let to = dir.join("laptop");
    let log = dir.join("audit").join("audit.log");
    let first = sync(&newer, &to, &log);
    ok(&first);
    assert!(
        !String::from_utf8_lossy(&first.stderr).contains("warning"),
        "nothing newer was there"
    );
    let second = sync(&older, &to, &log);
    ok(&second);
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("warning: this laptop already holds a newer snapshot from the same hub"),
        "{err}"
    );
    assert!(err.contains("noto-newer.fcs"), "{err}");
    assert_eq!(
        files(&to),
        vec!["noto-newer.fcs", "noto-older.fcs"],
        "the older one is still copied"
    );
    let details: Vec<String> = imports(&log)
        .iter()
        .filter_map(|e| e["outcomeDesc"].as_str().map(str::to_string))
        .collect();
    assert!(
        details.iter().any(|d| d.contains("older than snapshot")),
        "the audit records it: {details:?}"
    );
}

#[test]
fn three_syncs_into_one_folder_at_once_all_end_with_the_one_verified_snapshot() {
    let f = fixture();
    let dir = scratch("race");
    let log = dir.join("audit").join("audit.log");
    for round in 0..8 {
        let to = dir.join(format!("round-{round}"));
        let outs: Vec<Output> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..3)
                .map(|_| s.spawn(|| sync(&f.snapshot, &to, &log)))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for out in &outs {
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let copied = outs
            .iter()
            .filter(|o| String::from_utf8_lossy(&o.stdout).contains("every part verified"))
            .count();
        assert_eq!(
            copied, 1,
            "round {round}: one copies, the others find it there"
        );
        assert_eq!(files(&to), vec!["drill.fcs"], "round {round}");
    }
    // Every one of the 24 syncs is in the log, and the log verifies.
    let (code, _, stderr) = common::fieldchart(&["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
}
