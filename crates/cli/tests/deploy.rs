//! The shipped nightly schedule (deploy/systemd): the units pass `systemd-analyze verify`, and the
//! commands the units and the cron lines run are the real CLI's, run here on a real hub folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::hub::Hub;

const INSTALLED_BINARY: &str = "/usr/local/bin/fieldchart";

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/systemd")
}

fn units() -> Vec<PathBuf> {
    let mut units: Vec<PathBuf> = fs::read_dir(deploy())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "service" || x == "timer")
        })
        .collect();
    units.sort();
    units
}

/// The units copied into `dir`, with the binary they run pointing at the one under test (verify
/// checks that the programs exist).
fn copied(dir: &Path, change: impl Fn(&str) -> String) -> Vec<PathBuf> {
    units()
        .iter()
        .map(|unit| {
            let text = fs::read_to_string(unit).unwrap();
            let to = dir.join(unit.file_name().unwrap());
            let text = text.replace(INSTALLED_BINARY, env!("CARGO_BIN_EXE_fieldchart"));
            fs::write(&to, change(&text)).unwrap();
            to
        })
        .collect()
}

fn verify(units: &[PathBuf]) -> (bool, String) {
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg("--man=no")
        .args(units)
        .output()
        .expect("systemd-analyze (Debian's systemd package; scripts/setup.sh installs it)");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

#[test]
#[cfg_attr(
    not(heavy_tests),
    ignore = "heavy: runs Debian's systemd-analyze; set FIELDCHART_HEAVY_TESTS=1"
)]
fn the_shipped_units_pass_systemd_analyze_verify_without_a_warning() {
    let names: Vec<String> = units()
        .iter()
        .map(|u| u.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "fieldchart-hub.service",
        "fieldchart-hub.timer",
        "fieldchart-hub-full.service",
        "fieldchart-hub-full.timer",
        "fieldchart-hub-alert@.service",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} ships");
    }
    let dir = tempfile::tempdir().unwrap();
    let (ok, said) = verify(&copied(dir.path(), str::to_owned));
    assert!(ok, "{said}");
    // verify passes a setting it ignores with only a warning: none is accepted.
    assert!(said.trim().is_empty(), "{said}");

    // The check bites: a unit with a fault fails it.
    let broken = tempfile::tempdir().unwrap();
    // A service left without its command is refused outright.
    let (ok, said) = verify(&copied(broken.path(), |t| {
        t.replace("ExecStart=", "#ExecStart=")
    }));
    assert!(!ok, "{said}");
    // A mistyped setting passes verify with only a warning, which the check above catches.
    let typo = tempfile::tempdir().unwrap();
    let (_, said) = verify(&copied(typo.path(), |t| {
        t.replace("Type=oneshot", "Type=oneshott")
    }));
    assert!(said.contains("oneshott"), "{said}");
}

fn timestamp_version(repo: &Path) -> u64 {
    let ts: serde_json::Value =
        serde_json::from_slice(&fs::read(repo.join("timestamp.json")).unwrap()).unwrap();
    ts["signed"]["version"].as_u64().unwrap()
}

/// `KEY=VALUE` lines of the shipped /etc/default/fieldchart-hub, comments left out.
fn defaults() -> Vec<(String, String)> {
    fs::read_to_string(deploy().join("fieldchart-hub.default"))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=VALUE");
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn default_of(key: &str) -> String {
    defaults()
        .into_iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("{key} in fieldchart-hub.default"))
        .1
}

/// A unit's `ExecStart=` command lines, in order.
fn exec_starts(unit: &str) -> Vec<String> {
    fs::read_to_string(deploy().join(unit))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("ExecStart="))
        .map(str::to_owned)
        .collect()
}

/// Runs one command line of a unit or cron line with the hub and repository folders of this test.
fn run_line(line: &str, hub: &Hub, repo: &Path) -> (i32, String) {
    let hub_dir = hub.hub.display().to_string();
    let repo_dir = repo.display().to_string();
    let line = line
        .replace("${FIELDCHART_HUB_DIR}", &hub_dir)
        .replace("${FIELDCHART_REPO_DIR}", &repo_dir)
        .replace(&default_of("FIELDCHART_HUB_DIR"), &hub_dir)
        .replace(&default_of("FIELDCHART_REPO_DIR"), &repo_dir)
        .replace(INSTALLED_BINARY, "fieldchart");
    let bin = Path::new(env!("CARGO_BIN_EXE_fieldchart"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(&line)
        .env("PATH", path)
        .output()
        .unwrap();
    let said = format!(
        "{line}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), said)
}

#[test]
fn the_units_and_the_cron_lines_run_the_real_commands_on_a_hub() {
    let hub = Hub::new("12");
    let repo = hub.dir.path().join("repo");

    // Each unit's folders are the defaults of /etc/default/fieldchart-hub, which it may write.
    for unit in ["fieldchart-hub.service", "fieldchart-hub-full.service"] {
        let text = fs::read_to_string(deploy().join(unit)).unwrap();
        let writable = text
            .lines()
            .find_map(|l| l.strip_prefix("ReadWritePaths="))
            .expect("ReadWritePaths");
        for key in ["FIELDCHART_HUB_DIR", "FIELDCHART_REPO_DIR"] {
            let folder = default_of(key);
            assert!(
                writable.split_whitespace().any(|p| p == folder),
                "{unit} may write {key}'s default {folder}"
            );
        }
        assert!(text.contains("EnvironmentFile=/etc/default/fieldchart-hub"));
    }

    // The nightly unit, twice the same night: a base, then a layer, each published.
    for night in 0..2 {
        for line in exec_starts("fieldchart-hub.service") {
            let (code, said) = run_line(&line, &hub, &repo);
            assert_eq!(code, 0, "night {night}: {said}");
        }
    }
    assert!(repo.join("timestamp.json").is_file());
    let targets = fs::read_dir(repo.join("targets")).unwrap().count();
    assert_eq!(targets, 2, "a base and one layer are published");

    // The weekly unit writes a fresh base and publishes it.
    for line in exec_starts("fieldchart-hub-full.service") {
        let (code, said) = run_line(&line, &hub, &repo);
        assert_eq!(code, 0, "{said}");
    }

    // The cron lines run the same commands (the user field and the schedule left out).
    let cron = fs::read_to_string(deploy().join("fieldchart-hub.cron")).unwrap();
    let jobs: Vec<&str> = cron
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#') && !l.contains('='))
        .collect();
    assert_eq!(jobs.len(), 2, "a nightly and a weekly line: {cron}");
    for job in jobs {
        let fields: Vec<&str> = job.splitn(7, ' ').collect();
        assert_eq!(fields.len(), 7, "m h dom mon dow user command: {job}");
        assert_eq!(fields[5], "fieldchart-hub", "{job}");
        let log = hub.dir.path().join("fieldchart-hub.log");
        let command = fields[6].replace("/var/log/fieldchart-hub.log", &log.display().to_string());
        let (code, said) = run_line(&command, &hub, &repo);
        assert_eq!(code, 0, "{said}");
        assert!(
            fs::read_to_string(&log).unwrap().contains("published"),
            "the log has what the commands said"
        );
    }
    // A file the reader cannot read: the night still builds and publishes the rest, and exits 3
    // (which runs the alert hook); the next night, with nothing changed, says so again.
    let folder = hub.patient_folders()[0].clone();
    let broken = common::hub::files_under(&folder)
        .into_iter()
        .find(|p| p.to_string_lossy().contains("ADT"))
        .expect("an ADT file");
    fs::write(&broken, b"NOT HL7 AT ALL\r").unwrap();
    let published_before = timestamp_version(&repo);
    for night in 0..2 {
        let line = &exec_starts("fieldchart-hub.service")[0];
        let (code, said) = run_line(line, &hub, &repo);
        assert_eq!(code, 3, "night {night}: {said}");
        assert!(said.contains("could not be read"), "{said}");
        assert!(
            timestamp_version(&repo) > published_before,
            "published: {said}"
        );
    }
    fs::write(&broken, b"").unwrap();
    fs::remove_file(&broken).unwrap();

    let (code, said) = run_line(
        &format!("fieldchart hub verify {}", hub.hub.display()),
        &hub,
        &repo,
    );
    assert_eq!(code, 0, "everything built verifies: {said}");
}
