//! End-to-end: the laptop register as a hub operator uses it. Two laptops enrol and sync; one is
//! stolen and revoked; it learns of it at its next sync and locks itself; a copy of its old key
//! opens nothing built after; the laptop comes back with new keys. Every step runs the real
//! commands on a real hub folder and repository.

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::fieldchart;
use common::hub::{Hub, enrol};

/// A second laptop of the same hub: its own key, audit log and snapshot folder.
struct Laptop {
    key: PathBuf,
    audit_log: PathBuf,
    folder: PathBuf,
}

impl Laptop {
    fn new(hub: &Hub, name: &str) -> Laptop {
        let base = hub.dir.path().join(name);
        fs::create_dir_all(&base).unwrap();
        Laptop {
            key: base.join("device.key"),
            audit_log: base.join("audit.log"),
            folder: base.join("snapshots"),
        }
    }

    fn sync(&self, hub: &Hub, repo: &Path) -> (i32, String, String) {
        fieldchart(&[
            "snapshot",
            "sync",
            repo.to_str().unwrap(),
            "--identity",
            self.key.to_str().unwrap(),
            "--trust",
            hub.hub.join("keys/signing.pub").to_str().unwrap(),
            "--to",
            self.folder.to_str().unwrap(),
            "--audit-log",
            self.audit_log.to_str().unwrap(),
        ])
    }

    fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(&self.folder)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.ends_with(".fcm") || n.ends_with(".fcchain"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

fn laptop_cmd(hub: &Hub, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["hub", "laptop", args[0], hub.hub.to_str().unwrap()];
    all.extend_from_slice(&args[1..]);
    fieldchart(&all)
}

fn targets(repo: &Path) -> serde_json::Value {
    let ts: serde_json::Value =
        serde_json::from_slice(&fs::read(repo.join("timestamp.json")).unwrap()).unwrap();
    let name = ts["signed"]["targets"]["name"].as_str().unwrap();
    serde_json::from_slice(&fs::read(repo.join(name)).unwrap()).unwrap()
}

fn status(hub: &Hub) -> serde_json::Value {
    let (code, json, err) = fieldchart(&["hub", "status", hub.hub.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&json).unwrap()
}

/// `snapshot verify FILE --identity KEY`: whether that key opens a published file.
fn opens(hub: &Hub, file: &Path, key: &Path) -> (i32, String) {
    let (code, _, stderr) = fieldchart(&[
        "snapshot",
        "verify",
        file.to_str().unwrap(),
        "--identity",
        key.to_str().unwrap(),
        "--trust",
        hub.hub.join("keys/signing.pub").to_str().unwrap(),
    ]);
    (code, stderr)
}

#[test]
fn a_stolen_laptop_is_revoked_locks_itself_at_its_next_sync_and_opens_nothing_built_after() {
    let hub = Hub::new("40");
    let repo = hub.dir.path().join("repo");
    let mine = hub.dir.path().join("laptop");

    // A second laptop enrols; the operator adds it from its line.
    let stolen = Laptop::new(&hub, "dmat-02");
    let line = enrol(&stolen.key, &stolen.audit_log);
    assert!(line.starts_with("fcenrol1.age1"), "{line}");
    let (code, out, err) = laptop_cmd(
        &hub,
        &[
            "add",
            "dmat-02",
            "--holder",
            "DMAT 2 (佐藤)",
            "--enrol",
            &line,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added laptop dmat-02"), "{out}");
    let (code, list, _) = laptop_cmd(&hub, &["list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["laptops"].as_array().unwrap().len(), 2);
    let stolen_id = list["laptops"][1]["id"].as_str().unwrap().to_string();

    hub.build(&[]);
    hub.publish(&repo);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &mine).0, 0);
    let (code, _, err) = stolen.sync(&hub, &repo);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stolen.files().len(), 2, "the base and the chain file");
    // The thief copies the key and the file it holds before anything else happens.
    let copied_key = hub.dir.path().join("copied.key");
    fs::copy(&stolen.key, &copied_key).unwrap();
    let held = stolen
        .files()
        .into_iter()
        .find(|n| n.ends_with(".fcm"))
        .unwrap();
    let copied_file = hub.dir.path().join("copied.fcm");
    fs::copy(stolen.folder.join(held), &copied_file).unwrap();

    // Stolen: revoked, and published at once, before any build.
    let (code, out, err) = laptop_cmd(
        &hub,
        &["revoke", "dmat-02", "--reason", "stolen at shelter 3"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("hub publish"), "{out}");
    assert!(out.contains("readable without break-glass until"), "{out}");
    // The status says the revocation is not published yet, and names the laptop as revoked.
    let status = status(&hub);
    assert_eq!(
        status["last_publish"]["revocations_unpublished"], true,
        "{status}"
    );
    assert_eq!(status["stale"], true);
    let laptops = status["laptops"].as_array().unwrap();
    assert_eq!(laptops.len(), 2);
    assert_eq!(laptops[1]["name"], "dmat-02");
    assert!(laptops[1]["revoked"].is_string(), "{status}");
    hub.publish(&repo);
    let status = self::status(&hub);
    assert_eq!(
        status["last_publish"]["revocations_unpublished"], false,
        "{status}"
    );
    assert_eq!(status["last_publish"]["revoked"], 1);
    assert_eq!(status["last_build"]["kind"], "base");
    assert_eq!(status["last_build"]["storage_errors"], 0);
    for f in status["facilities"].as_array().unwrap() {
        assert!(f["data_as_of"].is_string(), "{f}");
        assert_eq!(f["errors_at_last_build"], 0, "{f}");
    }
    let (code, text, _) = fieldchart(&["hub", "status", hub.hub.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        text.contains("laptop dmat-02") && text.contains("REVOKED"),
        "{text}"
    );
    assert!(!text.contains("\x1b["), "no colour when not a terminal");
    assert_eq!(
        targets(&repo)["signed"]["revoked"],
        serde_json::json!([stolen_id])
    );

    // It learns of it at its next sync: exit 26, its key destroyed, the hub's files gone.
    let (code, _, err) = stolen.sync(&hub, &repo);
    assert_eq!(code, 26, "{err}");
    assert!(err.contains("revoked"), "{err}");
    assert!(stolen.files().is_empty(), "{:?}", stolen.files());
    let notice = fs::read_to_string(&stolen.key).unwrap();
    assert!(
        notice.starts_with("FIELDCHART-REVOKED-DEVICE-KEY-1"),
        "{notice}"
    );
    assert!(!notice.contains("AGE-SECRET-KEY"));
    assert!(notice.contains(&stolen_id));
    // Every later use says so, with the same exit code.
    let (code, _, err) = stolen.sync(&hub, &repo);
    assert_eq!(code, 26, "{err}");
    assert!(err.contains("enrol it again"), "{err}");
    // The revocation is in its audit log, which stays verifiable.
    let (code, _, err) = fieldchart(&["audit", "verify", stolen.audit_log.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");

    // The other laptop goes on as before.
    assert_eq!(hub.sync(repo.to_str().unwrap(), &mine).0, 0);

    // The next build is a fresh base that the stolen key cannot open; the kept one still can.
    let after = hub.build(&[]);
    assert_eq!(after["hub"]["kind"], "base", "{after}");
    hub.publish(&repo);
    let newest = PathBuf::from(after["path"].as_str().unwrap());
    let (code, err) = opens(&hub, &newest, &copied_key);
    assert_eq!(code, 10, "the copied key opens a file built after: {err}");
    assert_eq!(opens(&hub, &newest, &hub.laptop_key).0, 0);
    // What it held before still opens with the copied key, until its expiry plus the lease's
    // grace (crates/cli/tests/access_policy.rs): that is what revocation cannot take back.
    assert_eq!(opens(&hub, &copied_file, &copied_key).0, 0);
    assert_eq!(hub.sync(repo.to_str().unwrap(), &mine).0, 0);

    // Found again and re-installed: new keys (the old ones moved aside), rotated in.
    let (code, json, err) = fieldchart(&[
        "laptop",
        "enrol",
        "--new-keys",
        "--identity",
        stolen.key.to_str().unwrap(),
        "--audit-log",
        stolen.audit_log.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let enrolled: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        enrolled["moved_aside"].as_array().unwrap().len(),
        4,
        "{enrolled}"
    );
    let new_line = enrolled["line"].as_str().unwrap();
    // The old line is refused: those keys are known (and revoked).
    let (code, _, err) = laptop_cmd(&hub, &["rotate", "dmat-02", "--enrol", &line]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = laptop_cmd(&hub, &["rotate", "dmat-02", "--enrol", new_line]);
    assert_eq!(code, 0, "{err}");
    hub.build(&[]);
    hub.publish(&repo);
    // The old ID stays revoked; the new one is not.
    assert_eq!(
        targets(&repo)["signed"]["revoked"],
        serde_json::json!([stolen_id])
    );
    let (code, _, err) = stolen.sync(&hub, &repo);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stolen.files().len(), 2);
}

#[test]
fn the_register_refuses_a_copied_laptop_a_mistyped_line_and_a_reused_name() {
    let hub = Hub::new("12");
    // A laptop imaged from the first carries its keys: same line, refused by name.
    let (code, json, _) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        hub.laptop_key.to_str().unwrap(),
        "--audit-log",
        hub.dir.path().join("audit.log").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let line = v["line"].as_str().unwrap().to_string();
    let (code, _, err) = laptop_cmd(&hub, &["add", "copy", "--holder", "x", "--enrol", &line]);
    assert_eq!(code, 2);
    assert!(err.contains("dmat-01") && err.contains("imaged"), "{err}");

    // A line cut short in an e-mail.
    let other = Laptop::new(&hub, "other");
    let good = enrol(&other.key, &other.audit_log);
    let cut = &good[..good.len() - 2];
    let (code, _, err) = laptop_cmd(&hub, &["add", "b", "--holder", "x", "--enrol", cut]);
    assert_eq!(code, 2);
    assert!(err.contains("check digits"), "{err}");
    // A name in use.
    let (code, _, err) = laptop_cmd(&hub, &["add", "dmat-01", "--holder", "x", "--enrol", &good]);
    assert_eq!(code, 2);
    assert!(err.contains("never reused"), "{err}");
    // The line from a file (a QR scan saved as text) works.
    let file = hub.dir.path().join("line.txt");
    fs::write(&file, format!("{good}\n")).unwrap();
    let (code, _, err) = laptop_cmd(
        &hub,
        &[
            "add",
            "b",
            "--holder",
            "x",
            "--enrol",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // Nothing is left of the register's writes but the register and its lock.
    let names: Vec<String> = fs::read_dir(&hub.hub)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("laptops"))
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, ["laptops.toml", "laptops.toml.lock"]);

    // An unknown laptop to revoke names the ones there are.
    let (code, _, err) = laptop_cmd(&hub, &["revoke", "nope", "--reason", "lost"]);
    assert_eq!(code, 2);
    assert!(err.contains("dmat-01"), "{err}");
}

#[test]
fn enrol_writes_a_qr_code_png_of_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("enrol.png");
    let (code, out, err) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        dir.path().join("k/device.key").to_str().unwrap(),
        "--audit-log",
        dir.path().join("a/audit.log").to_str().unwrap(),
        "--qr",
        "--qr-png",
        png.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().starts_with("fcenrol1."), "{out}");
    assert!(err.contains('█'), "a terminal QR code: {err}");
    let bytes = fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // Both keys exist now, owner-only, and a second enrol prints the same line.
    use std::os::unix::fs::PermissionsExt;
    for key in ["k/device.key", "a/device-audit.key"] {
        let mode = fs::metadata(dir.path().join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{key}");
    }
    let (_, again, _) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        dir.path().join("k/device.key").to_str().unwrap(),
        "--audit-log",
        dir.path().join("a/audit.log").to_str().unwrap(),
    ]);
    assert_eq!(again.trim(), out.trim());
}

#[test]
fn enrol_refuses_keys_copied_from_another_machine() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("device.key");
    let log = dir.path().join("audit.log");
    let line = enrol(&key, &log);
    let audit_key = dir.path().join("device-audit.key");
    let text = fs::read_to_string(&audit_key).unwrap();
    if !text.contains("# made on machine: ") {
        // A machine without a /etc/machine-id (an empty one, in some containers) records none,
        // and nothing can be compared.
        assert!(
            fs::read_to_string("/etc/machine-id")
                .map(|t| t.trim().is_empty())
                .unwrap_or(true)
        );
        return;
    }
    // Enrolling again on the same machine prints the same line.
    assert_eq!(enrol(&key, &log), line);
    // The same folder as it looks on an imaged laptop: the key says another machine made it.
    let copied: String = text
        .lines()
        .map(|l| {
            if l.starts_with("# made on machine: ") {
                "# made on machine: 0123456789abcdef".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(&audit_key, format!("{copied}\n")).unwrap();
    let (code, _, err) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        key.to_str().unwrap(),
        "--audit-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("another machine") && err.contains("--new-keys"),
        "{err}"
    );
    // --new-keys makes this laptop its own: a new line.
    let (code, out, err) = fieldchart(&[
        "laptop",
        "enrol",
        "--new-keys",
        "--identity",
        key.to_str().unwrap(),
        "--audit-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(out.trim(), line);
}

#[test]
fn a_pin_on_the_device_key_is_asked_at_every_unlock_and_a_wrong_one_is_audited() {
    let hub = Hub::new("30");
    let repo = hub.dir.path().join("repo");
    let laptop = hub.dir.path().join("laptop");
    hub.build(&[]);
    hub.publish(&repo);
    let log = hub.dir.path().join("audit.log");
    let key = hub.laptop_key.to_str().unwrap();
    let pin = hub.dir.path().join("pin.txt");
    fs::write(&pin, "field pin 7\n").unwrap();
    let wrong = hub.dir.path().join("wrong-pin.txt");
    fs::write(&wrong, "field pin 8\n").unwrap();
    let before = enrol(&hub.laptop_key, &log);

    // The laptop already enrolled: --protect wraps its key, so the hub's register stays right.
    let (code, json, err) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        key,
        "--audit-log",
        log.to_str().unwrap(),
        "--protect",
        "--pin-file",
        pin.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let enrolled: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        enrolled["line"],
        before.as_str(),
        "the same key, the same line"
    );
    assert_eq!(enrolled["device_key_protected"], true);
    let text = fs::read_to_string(&hub.laptop_key).unwrap();
    assert!(
        !text.contains("AGE-SECRET-KEY-"),
        "no plain key is left: {text}"
    );
    assert_eq!(
        enrol(&hub.laptop_key, &log),
        before,
        "enrol reads it without the PIN"
    );

    // A sync opens every file with the key: without the PIN (no terminal here) it is refused.
    let (code, _, err) = hub.sync(repo.to_str().unwrap(), &laptop);
    assert_eq!(code, 10, "{err}");
    assert!(err.contains("protected by a PIN"), "{err}");
    let sync_with = |pin_file: &Path| {
        fieldchart(&[
            "snapshot",
            "sync",
            repo.to_str().unwrap(),
            "--identity",
            key,
            "--key-pin-file",
            pin_file.to_str().unwrap(),
            "--trust",
            hub.hub.join("keys/signing.pub").to_str().unwrap(),
            "--to",
            laptop.to_str().unwrap(),
            "--audit-log",
            log.to_str().unwrap(),
        ])
    };
    let (code, _, err) = sync_with(&pin);
    assert_eq!(code, 0, "{err}");
    // Once the log knows its hub, a wrong PIN at sync is audited like one at a search.
    let (code, _, err) = sync_with(&wrong);
    assert_eq!(code, 10, "{err}");
    assert!(err.contains("PIN does not open"), "{err}");
    let chain = fs::read_dir(&laptop)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "fcchain"))
        .expect("the chain file");

    // A search with a wrong PIN is a failed unlock, audited; with the right one it answers.
    let search = |pin_file: &Path| {
        let mut args = vec!["search", chain.to_str().unwrap(), "やまだ", "--json"];
        let viewer = hub.viewer();
        args.extend(viewer.iter().map(String::as_str));
        args.extend(["--key-pin-file", pin_file.to_str().unwrap()]);
        fieldchart(&args)
    };
    let (code, _, err) = search(&wrong);
    assert_eq!(code, 10, "{err}");
    let (code, _, err) = search(&pin);
    assert_eq!(code, 0, "{err}");
    let (code, review, err) = fieldchart(&[
        "audit",
        "review",
        log.to_str().unwrap(),
        "--identity",
        hub.hub.join("keys/audit.key").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let review: serde_json::Value = serde_json::from_str(&review).unwrap();
    let failed = review["failed_unlocks"].as_array().unwrap();
    assert_eq!(
        failed.len(),
        2,
        "the wrong PIN at sync and at search: {review}"
    );
    assert!(
        failed[1].to_string().contains("PIN does not open"),
        "{review}"
    );
    assert!(
        failed[1].to_string().contains("試験 太郎"),
        "who tried: {review}"
    );

    // Changing the PIN needs the current one; the old one opens nothing afterwards.
    let new_pin = hub.dir.path().join("new-pin.txt");
    fs::write(&new_pin, "a new field pin\n").unwrap();
    let change = |current: &Path| {
        fieldchart(&[
            "laptop",
            "enrol",
            "--identity",
            key,
            "--audit-log",
            log.to_str().unwrap(),
            "--protect",
            "--pin-file",
            new_pin.to_str().unwrap(),
            "--current-pin-file",
            current.to_str().unwrap(),
        ])
    };
    let (code, _, err) = change(&wrong);
    assert_eq!(code, 10, "{err}");
    let (code, line, err) = change(&pin);
    assert_eq!(code, 0, "{err}");
    assert_eq!(line.trim(), before);
    assert_eq!(search(&pin).0, 10);
    assert_eq!(search(&new_pin).0, 0);

    // A PIN too short to protect anything is refused before the key is touched.
    let short = hub.dir.path().join("short-pin.txt");
    fs::write(&short, "1234\n").unwrap();
    let (code, _, err) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        key,
        "--audit-log",
        log.to_str().unwrap(),
        "--protect",
        "--pin-file",
        short.to_str().unwrap(),
        "--current-pin-file",
        new_pin.to_str().unwrap(),
    ]);
    assert_eq!(code, 19, "{err}");
    assert!(err.contains("at least 6"), "{err}");
    assert_eq!(search(&new_pin).0, 0);
}
