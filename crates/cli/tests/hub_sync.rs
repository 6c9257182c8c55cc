//! End-to-end: the hub publishes its chain into a repository (a folder here, as a USB stick or a
//! file share carries it), the laptop syncs from it night after night, and what a carrier can do to
//! the repository (flip a byte, replay old metadata) is refused with the laptop's chain intact.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::fieldchart;
use common::hub::{Hub, ids};

fn chain_file(laptop: &Path) -> PathBuf {
    fs::read_dir(laptop)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "fcchain"))
        .expect("the laptop holds a chain file")
}

fn members(laptop: &Path) -> BTreeSet<String> {
    fs::read_dir(laptop)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".fcm"))
        .collect()
}

fn keys(list: &serde_json::Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p["facility"].as_str().unwrap(),
                p["patient_id"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn a_laptop_syncs_the_next_day_as_one_small_layer_holding_exactly_who_changed() {
    let hub = Hub::new("200");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    hub.publish(&repo);
    let (code, stdout, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("switched to the chain"), "{stdout}");
    assert_eq!(members(&laptop).len(), 1, "the base");

    // The next day: a share of the patients change, a few are new, one is removed.
    let day = hub.next_day("0.05", "2");
    let layer = hub.build(&[]);
    assert_eq!(layer["hub"]["kind"], "layer", "{layer}");
    let changed = keys(&day["changed"]);
    let new = keys(&day["new"]);
    let removed = keys(&day["removed"]);
    assert!(
        !changed.is_empty() && !new.is_empty() && removed.len() == 1,
        "{day}"
    );
    assert_eq!(layer["hub"]["changed"], changed.len() as u64, "{layer}");
    assert_eq!(layer["hub"]["new"], new.len() as u64, "{layer}");
    assert_eq!(layer["hub"]["removed"], 1, "{layer}");
    let published = hub.publish(&repo);
    let layer_bytes = published["chain"][1]["bytes"].as_u64().unwrap();

    // The laptop fetches the layer alone.
    let (code, stdout, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("2 file(s); 1 fetched"), "{stdout}");
    assert!(
        stdout.contains(&format!("{layer_bytes} bytes")),
        "only the layer's bytes came over: {stdout}"
    );
    assert!(
        stdout.contains("(before: "),
        "each facility's data-as-of before and after: {stdout}"
    );
    assert_eq!(members(&laptop).len(), 2);

    // On the laptop the chain opens as one snapshot: the removed patient is gone, every new and
    // changed one is there once, with the record and its age from the layer.
    let chain = chain_file(&laptop);
    let removed_key = removed.iter().next().unwrap();
    let (code, _, stderr) = hub.record(&chain, removed_key);
    assert_ne!(code, 0, "a removed patient has no record: {stderr}");
    let layer_id = layer["snapshot_id"].as_str().unwrap();
    for key in changed.iter().chain(&new).take(6) {
        let id = key.split(':').nth(1).unwrap();
        let (code, found, stderr) = hub.search(&chain, id);
        assert_eq!(code, 0, "{stderr}");
        assert!(ids(&found).contains(key), "{key}: {found}");
        let (code, record, stderr) = hub.record(&chain, key);
        assert_eq!(code, 0, "{key}: {stderr}");
        assert_eq!(record["data_as_of"]["snapshot_id"], layer_id, "{key}");
    }

    // Nothing new: the laptop is told it is current and fetches nothing.
    hub.publish(&repo);
    let (code, stdout, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("already current"), "{stdout}");
    assert!(stdout.contains("0 fetched"), "{stdout}");

    // Every sync is in the laptop's audit log, which verifies.
    let log = hub.dir.path().join("audit.log");
    let (code, _, stderr) = fieldchart(&["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_flipped_byte_or_replayed_metadata_is_refused_and_the_laptop_keeps_its_chain() {
    let hub = Hub::new("60");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    hub.publish(&repo);
    let old = hub.dir.path().join("old-repo");
    copy_tree(&repo, &old);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &laptop).0, 0);
    fs::remove_dir_all(&hub.patient_folders()[0]).unwrap();
    hub.build(&[]);
    hub.publish(&repo);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &laptop).0, 0);
    let held = fs::read(chain_file(&laptop)).unwrap();

    // Yesterday's repository again (a stale stick): a rollback, refused.
    let (code, _, stderr) = hub.sync(old.to_str().unwrap(), &laptop);
    assert_eq!(code, 23, "{stderr}");
    assert!(
        stderr.to_lowercase().contains("rollback") || stderr.contains("older"),
        "{stderr}"
    );
    assert_eq!(
        fs::read(chain_file(&laptop)).unwrap(),
        held,
        "the chain stays"
    );

    // A flipped byte in the newest published file: refused, deleted, the chain stays.
    fs::remove_dir_all(&hub.patient_folders()[0]).unwrap();
    hub.build(&[]);
    let next = hub.publish(&repo);
    let sha = next["copied"][0].as_str().unwrap().to_string();
    let target = repo.join(&sha);
    let mut bytes = fs::read(&target).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    fs::write(&target, bytes).unwrap();
    let (code, _, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 12, "{stderr}");
    assert_eq!(
        fs::read(chain_file(&laptop)).unwrap(),
        held,
        "the chain stays"
    );
    let (code, _, stderr) = hub.search(&chain_file(&laptop), "1");
    assert_eq!(code, 0, "the laptop still opens what it had: {stderr}");
    let partials: Vec<_> = fs::read_dir(&laptop)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(
        partials.is_empty(),
        "a file that is not the one named is not kept"
    );
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn expired_repository_metadata_is_a_freeze_with_its_own_message() {
    let hub = Hub::new("30");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    let (code, _, stderr) = fieldchart(&[
        "hub",
        "publish",
        hub.hub.to_str().unwrap(),
        "--to",
        repo.to_str().unwrap(),
        "--timestamp-seconds",
        "1",
    ]);
    assert_eq!(code, 0, "{stderr}");
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let (code, _, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 24, "{stderr}");
    assert!(
        stderr.contains("cut off"),
        "the freeze says what it means: {stderr}"
    );
    assert!(
        !laptop.exists() || members(&laptop).is_empty(),
        "nothing was fetched"
    );
}

#[test]
fn a_stick_pulled_mid_copy_keeps_what_was_copied_and_the_next_sync_resumes() {
    let hub = Hub::new("60");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    let published = hub.publish(&repo);
    let file = repo.join(published["copied"][0].as_str().unwrap());
    let whole = fs::read(&file).unwrap();
    // The stick is pulled after 40% of the file: what the laptop can read ends there.
    fs::write(&file, &whole[..whole.len() * 2 / 5]).unwrap();
    let (code, _, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_ne!(code, 0, "{stderr}");
    assert!(
        members(&laptop).is_empty(),
        "nothing half-copied is a member"
    );
    let partial: u64 = fs::read_dir(&laptop)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".partial"))
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert_eq!(
        partial,
        (whole.len() * 2 / 5) as u64,
        "what was copied is kept"
    );
    // Plugged in again: the sync resumes and fetches only the rest.
    fs::write(&file, &whole).unwrap();
    let (code, stdout, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("switched to the chain"), "{stdout}");
    assert_eq!(members(&laptop).len(), 1);
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "kills 200 syncs; run with FIELDCHART_HEAVY_TESTS=1"
)]
fn a_sync_killed_at_200_moments_always_leaves_a_chain_that_opens_and_the_next_sync_finishes() {
    let hub = Hub::new("150");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    hub.publish(&repo);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &laptop).0, 0);
    let old_chain = fs::read(chain_file(&laptop)).unwrap();
    let before = hub.dir.path().join("laptop-before");
    copy_tree(&laptop, &before);
    hub.next_day("0.05", "3");
    hub.build(&[]);
    hub.publish(&repo);

    let args = |laptop: &Path| -> Vec<String> {
        [
            "snapshot",
            "sync",
            repo.to_str().unwrap(),
            "--identity",
            hub.laptop_key.to_str().unwrap(),
            "--trust",
            hub.hub.join("keys").join("signing.pub").to_str().unwrap(),
            "--to",
            laptop.to_str().unwrap(),
            "--audit-log",
            hub.dir.path().join("audit.log").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    // How long a whole sync of the layer takes, so the kills fall all through it.
    let timing = hub.dir.path().join("laptop-timing");
    copy_tree(&before, &timing);
    let started = std::time::Instant::now();
    let out = std::process::Command::new(common::BIN)
        .args(args(&timing))
        .output()
        .unwrap();
    assert!(out.status.success());
    let whole = started.elapsed();
    let new_chain = fs::read(chain_file(&timing)).unwrap();
    assert_ne!(new_chain, old_chain);

    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let (mut old_seen, mut new_seen) = (0, 0);
    for i in 0..200 {
        fs::remove_dir_all(&laptop).unwrap();
        copy_tree(&before, &laptop);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let delay = whole.mul_f64((rng % 1000) as f64 / 1000.0 * 1.1);
        let mut child = std::process::Command::new(common::BIN)
            .args(args(&laptop))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().ok();
        child.wait().unwrap();
        // The laptop holds the old chain or the new one, whole, and it opens.
        let held = fs::read(chain_file(&laptop)).unwrap();
        if held == old_chain {
            old_seen += 1;
        } else {
            assert_eq!(held, new_chain, "kill {i}: never a mix");
            new_seen += 1;
        }
        let (code, _, stderr) = hub.search(&chain_file(&laptop), "1");
        assert_eq!(code, 0, "kill {i} after {delay:?}: {stderr}");
        // The next sync finishes the job.
        let out = std::process::Command::new(common::BIN)
            .args(args(&laptop))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kill {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            fs::read(chain_file(&laptop)).unwrap(),
            new_chain,
            "kill {i}"
        );
    }
    eprintln!("of 200 kills, {old_seen} left the old chain and {new_seen} the new one");
    assert!(
        old_seen > 20,
        "most kills fell before the switch: {old_seen}"
    );
    let log = hub.dir.path().join("audit.log");
    let (code, _, stderr) = fieldchart(&["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(code, 0, "the log survives every kill: {stderr}");
}

/// A tmpfs of `bytes` mounted at `at` (root, or sudo without a password, as CI has), unmounted on
/// drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(at: &Path, bytes: u64) -> SmallDisk {
        fs::create_dir_all(at).unwrap();
        let root = std::process::Command::new("id").arg("-u").output().unwrap();
        let sudo: &[&str] = if String::from_utf8_lossy(&root.stdout).trim() == "0" {
            &[]
        } else {
            &["sudo", "-n"]
        };
        let mut args: Vec<String> = sudo.iter().map(|s| s.to_string()).collect();
        args.extend(
            [
                "mount",
                "-t",
                "tmpfs",
                "-o",
                &format!("size={bytes}"),
                "tmpfs",
                at.to_str().unwrap(),
            ]
            .map(String::from),
        );
        let status = std::process::Command::new(&args[0])
            .args(&args[1..])
            .status()
            .unwrap();
        assert!(
            status.success(),
            "the full-disk test mounts a small tmpfs and needs root or passwordless sudo"
        );
        SmallDisk(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
        let _ = std::process::Command::new("sudo")
            .args(["-n", "umount"])
            .arg(&self.0)
            .status();
    }
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "mounts a small tmpfs (root); run with FIELDCHART_HEAVY_TESTS=1"
)]
fn a_full_disk_mid_sync_is_exit_21_and_the_laptop_keeps_the_chain_it_had() {
    let hub = Hub::new("120");
    let repo = hub.dir.path().join("repo");
    hub.build(&[]);
    let base = hub.publish(&repo);
    let base_bytes = base["chain"][0]["bytes"].as_u64().unwrap();
    // Room for the base and a little more: the next day's layer will not fit.
    let laptop = hub.dir.path().join("laptop");
    let _disk = SmallDisk::mount(&laptop, base_bytes + 128 * 1024);
    let (code, _, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 0, "the base fits: {stderr}");
    let held = fs::read(chain_file(&laptop)).unwrap();

    hub.next_day("0.3", "4");
    hub.build(&[]);
    let layer = hub.publish(&repo);
    assert!(
        layer["chain"][1]["bytes"].as_u64().unwrap() > 256 * 1024,
        "{layer}"
    );
    let (code, _, stderr) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 21, "{stderr}");
    assert!(stderr.contains("full"), "the disk is named full: {stderr}");
    assert_eq!(
        fs::read(chain_file(&laptop)).unwrap(),
        held,
        "the chain stays"
    );
    let (code, _, stderr) = hub.search(&chain_file(&laptop), "1");
    assert_eq!(code, 0, "the laptop still opens what it had: {stderr}");
    assert_eq!(members(&laptop).len(), 1, "no half-fetched member");
}

#[test]
fn a_session_over_a_synced_chain_writes_nothing_but_its_audit_log_and_the_files_hold_no_plaintext()
{
    let hub = Hub::new("60");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    hub.publish(&repo);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &laptop).0, 0);
    fs::remove_dir_all(&hub.patient_folders()[0]).unwrap();
    hub.build(&[]);
    hub.publish(&repo);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &laptop).0, 0);
    let chain = chain_file(&laptop);
    let folder = hub.patient_folders()[1].clone();
    let id = folder.file_name().unwrap().to_string_lossy().to_string();
    let (_, found, _) = hub.search(&chain, &id);
    let first = found["results"][0].clone();
    let name = first["name_kanji"].as_str().unwrap().to_string();
    let key = format!(
        "{}:{}",
        first["facility"].as_str().unwrap(),
        first["patient_id"].as_str().unwrap()
    );

    let work = hub.dir.path().join("cwd");
    let tmp = hub.dir.path().join("tmp");
    fs::create_dir_all(&work).unwrap();
    fs::create_dir_all(&tmp).unwrap();
    let viewer = hub.viewer();
    let who: Vec<&str> = viewer.iter().map(String::as_str).collect();
    let chain_arg = chain.to_str().unwrap();
    for mut args in [
        vec!["search", chain_arg, name.as_str()],
        vec![
            "record",
            chain_arg,
            "--patient",
            key.as_str(),
            "--basis",
            "vital-interest",
        ],
    ] {
        args.extend(&who);
        common::ok(&common::run_in(&work, &tmp, &args));
    }
    let written = |d: &Path| fs::read_dir(d).unwrap().count();
    assert_eq!(written(&work), 0, "nothing in the working directory");
    assert_eq!(written(&tmp), 0, "nothing in the temp directory");
    for entry in fs::read_dir(&laptop).unwrap().filter_map(Result::ok) {
        let bytes = fs::read(entry.path()).unwrap();
        for needle in [
            name.as_bytes(),
            first["patient_id"].as_str().unwrap().as_bytes(),
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds patient data in plaintext",
                entry.path().display()
            );
        }
    }
}
