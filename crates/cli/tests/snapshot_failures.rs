//! Every way opening a snapshot can fail (requirements SNAP-15) gets its own message and exit code,
//! nothing is half-opened, and a session leaves no plaintext behind on disk.

mod common;

use std::path::{Path, PathBuf};

use common::{fixture, ok, run, run_in};

const WRONG_KEY: i32 = 10;
const UNTRUSTED: i32 = 11;
const TAMPERED: i32 = 12;
const TRUNCATED: i32 = 13;
const EXPIRED: i32 = 14;
const CLOCK_WRONG: i32 = 15;
const NOT_A_SNAPSHOT: i32 = 17;

fn verify_with(snapshot: &Path, key_args: &[&str], trust: &str) -> (i32, String) {
    let mut args = vec!["snapshot", "verify", snapshot.to_str().unwrap()];
    args.extend_from_slice(key_args);
    args.extend_from_slice(&["--trust", trust]);
    let out = run(&args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn verify(snapshot: &Path) -> (i32, String) {
    let f = fixture();
    verify_with(
        snapshot,
        &["--identity", f.device_key.to_str().unwrap()],
        &f.hub_pub,
    )
}

fn search_code(snapshot: &Path) -> (i32, String) {
    let f = fixture();
    let out = f.view(snapshot, &f.doctor(), "search", &["--json", "やまだ"]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = fixture().dir.join("scratch");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

#[test]
fn an_intact_snapshot_verifies_and_prints_its_manifest() {
    let f = fixture();
    let out = ok(&run(&[
        "snapshot",
        "verify",
        f.snapshot.to_str().unwrap(),
        "--identity",
        f.device_key.to_str().unwrap(),
        "--trust",
        &f.hub_pub,
        "--json",
    ]));
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(m["drill"], true);
    assert_eq!(m["format_version"], 2);
    assert_eq!(m["app"]["scope"]["window_years"], 5);
    assert_eq!(m["app"]["counts"]["patients"], 208);
    assert_eq!(m["app"]["facilities"].as_array().unwrap().len(), 3);
    assert!(m["app"]["facilities"][0]["data_as_of"].is_string());
}

#[test]
fn the_emergency_passphrase_opens_the_snapshot_and_a_wrong_one_does_not() {
    let f = fixture();
    let good = f.dir.join("pass.txt");
    let (code, err) = verify_with(
        &f.snapshot,
        &["--passphrase-file", good.to_str().unwrap()],
        &f.hub_pub,
    );
    assert_eq!(code, 0, "{err}");
    let bad = scratch("wrong-pass.txt");
    std::fs::write(&bad, "incorrect horse\n").unwrap();
    let (code, err) = verify_with(
        &f.snapshot,
        &["--passphrase-file", bad.to_str().unwrap()],
        &f.hub_pub,
    );
    assert_eq!(code, WRONG_KEY, "{err}");
    assert!(err.contains("passphrase"), "{err}");
}

#[test]
fn another_laptop_s_key_is_refused_as_a_wrong_key() {
    let f = fixture();
    let other = scratch("other-device.key");
    let _ = std::fs::remove_file(&other);
    ok(&run(&["keys", "device", "--out", other.to_str().unwrap()]));
    let (code, err) = verify_with(
        &f.snapshot,
        &["--identity", other.to_str().unwrap()],
        &f.hub_pub,
    );
    assert_eq!(code, WRONG_KEY, "{err}");
}

#[test]
fn a_snapshot_signed_by_another_hub_is_refused_as_untrusted() {
    let f = fixture();
    let other = scratch("other-hub.key");
    let _ = std::fs::remove_file(&other);
    let other_pub = ok(&run(&["keys", "signing", "--out", other.to_str().unwrap()]));
    let (code, err) = verify_with(
        &f.snapshot,
        &["--identity", f.device_key.to_str().unwrap()],
        other_pub.trim(),
    );
    assert_eq!(code, UNTRUSTED, "{err}");
    assert!(err.contains("not a trusted hub key"), "{err}");
}

#[test]
fn a_flipped_byte_anywhere_is_caught_and_never_shown_as_data() {
    let f = fixture();
    let original = std::fs::read(&f.snapshot).unwrap();
    let (_, clean_search) = search_code(&f.snapshot);
    let len = original.len();
    // The envelope, the age header, the first payload block, the middle, the last blocks and the
    // trailer, plus a spread of positions in between.
    let mut positions = vec![
        30,
        200,
        8_192 + 20,
        8_192 + 300,
        70_000,
        len / 2,
        len - 70_000,
        len - 100,
        len - 1,
    ];
    positions.extend((1..12).map(|k| k * len / 12 + 7));
    for pos in positions {
        let mut bytes = original.clone();
        bytes[pos] ^= 0x20;
        let path = scratch(&format!("flipped-{pos}.fcs"));
        std::fs::write(&path, &bytes).unwrap();
        let (code, err) = verify(&path);
        assert!(
            code == TAMPERED || code == NOT_A_SNAPSHOT,
            "flip at {pos}: exit {code}: {err}"
        );
        // Viewing either refuses or, when it never reads the damaged block, answers exactly as
        // from the intact file.
        let (code, out) = search_code(&path);
        assert!(
            code == TAMPERED || code == NOT_A_SNAPSHOT || (code == 0 && out == clean_search),
            "flip at {pos}: search exit {code}"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_truncated_copy_is_reported_as_incomplete() {
    let f = fixture();
    let original = std::fs::read(&f.snapshot).unwrap();
    for cut in [9_000, original.len() / 2, original.len() - 1] {
        let path = scratch(&format!("truncated-{cut}.fcs"));
        std::fs::write(&path, &original[..cut]).unwrap();
        let (code, err) = verify(&path);
        assert_eq!(code, TRUNCATED, "cut at {cut}: {err}");
        assert!(err.contains("incomplete"), "{err}");
        let (code, _) = search_code(&path);
        assert_eq!(code, TRUNCATED);
        std::fs::remove_file(&path).unwrap();
    }
    let path = scratch("truncated-5.fcs");
    std::fs::write(&path, &original[..5]).unwrap();
    let (code, _) = verify(&path);
    assert!(code == TRUNCATED || code == NOT_A_SNAPSHOT);
}

fn build_dated(name: &str, created: &str, valid_days: &str) -> PathBuf {
    let out = scratch(name);
    fixture().build(&out, &["--valid-days", valid_days, "--created", created]);
    out
}

#[test]
fn an_expired_snapshot_is_refused_with_its_own_code() {
    let path = build_dated("expired.fcs", "2025-01-01T00:00:00Z", "30");
    let (code, err) = verify(&path);
    assert_eq!(code, EXPIRED, "{err}");
    assert_eq!(search_code(&path).0, EXPIRED);
}

#[test]
fn a_snapshot_dated_in_the_future_means_the_clock_is_wrong() {
    let path = build_dated("future.fcs", "2036-01-01T00:00:00Z", "30");
    let (code, err) = verify(&path);
    assert_eq!(code, CLOCK_WRONG, "{err}");
    assert!(err.to_lowercase().contains("clock"), "{err}");
}

#[test]
fn a_file_that_is_not_a_snapshot_is_refused() {
    let path = scratch("not-a-snapshot.fcs");
    std::fs::write(&path, vec![b'x'; 100_000]).unwrap();
    assert_eq!(verify(&path).0, NOT_A_SNAPSHOT);
}

#[test]
fn the_build_leaves_only_the_finished_snapshot_behind() {
    let f = fixture();
    let names: Vec<String> = std::fs::read_dir(&f.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("partial") && !n.starts_with(".fieldchart-build")),
        "{names:?}"
    );
}

#[test]
fn building_over_an_existing_file_is_refused() {
    let f = fixture();
    let out = run(&[
        "snapshot",
        "build",
        "--region",
        f.region.to_str().unwrap(),
        "--out",
        f.snapshot.to_str().unwrap(),
        "--recipient",
        "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq",
        "--signing-key",
        f.dir.join("hub.key").to_str().unwrap(),
        "--audit-recipient",
        &f.audit_pub,
    ]);
    assert!(!out.status.success());
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn a_viewing_session_writes_nothing_to_the_temp_or_working_directory() {
    let f = fixture();
    let work = scratch("session-cwd");
    let tmp = scratch("session-tmp");
    for d in [&work, &tmp] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).unwrap();
    }
    let snapshot = f.snapshot.to_str().unwrap();
    let key = f.device_key.to_str().unwrap();
    let who = f.doctor();
    for args in [
        vec![
            "snapshot",
            "verify",
            snapshot,
            "--identity",
            key,
            "--trust",
            &f.hub_pub,
        ],
        vec![
            "search",
            snapshot,
            "--identity",
            key,
            "--trust",
            &f.hub_pub,
            "やまだ",
            "S45",
        ],
        vec![
            "search",
            snapshot,
            "--identity",
            key,
            "--trust",
            &f.hub_pub,
            "ワーファリン",
        ],
        vec![
            "record",
            snapshot,
            "--identity",
            key,
            "--trust",
            &f.hub_pub,
            "--patient",
            "0410610011:0010000000",
            "--json",
        ],
    ] {
        let mut args = args;
        if args[0] != "snapshot" {
            args.extend(who.iter().map(String::as_str));
        }
        ok(&run_in(&work, &tmp, &args));
    }
    assert!(files_under(&work).is_empty(), "{:?}", files_under(&work));
    assert!(files_under(&tmp).is_empty(), "{:?}", files_under(&tmp));
    // And the snapshot itself holds no readable patient data.
    let bytes = std::fs::read(&f.snapshot).unwrap();
    for needle in ["山田", "ヤマダ", "ワーファリン", "0010000000"] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} readable in the snapshot file"
        );
    }
}

#[test]
fn verify_without_a_key_checks_what_needs_no_key_and_says_the_parts_were_not_checked() {
    let f = fixture();
    let out = run(&[
        "snapshot",
        "verify",
        f.snapshot.to_str().unwrap(),
        "--trust",
        &f.hub_pub,
    ]);
    let text = ok(&out);
    assert!(text.contains("parts NOT checked"), "{text}");
    let other = scratch("other-hub-for-keyless.key");
    let _ = std::fs::remove_file(&other);
    let other_pub = ok(&run(&["keys", "signing", "--out", other.to_str().unwrap()]));
    let out = run(&[
        "snapshot",
        "verify",
        f.snapshot.to_str().unwrap(),
        "--trust",
        other_pub.trim(),
    ]);
    assert_eq!(out.status.code(), Some(UNTRUSTED));
    let expired = build_dated("expired-keyless.fcs", "2025-01-01T00:00:00Z", "30");
    let out = run(&[
        "snapshot",
        "verify",
        expired.to_str().unwrap(),
        "--trust",
        &f.hub_pub,
    ]);
    assert_eq!(out.status.code(), Some(EXPIRED));
}
