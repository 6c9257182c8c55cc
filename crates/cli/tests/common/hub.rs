//! A hub folder over a generated region with one laptop, as an operator sets it up once, and the
//! commands the hub and laptop tests run against it.

use std::fs;
use std::path::{Path, PathBuf};

use super::fieldchart;

/// A hub folder over a generated region, with one laptop: what an operator sets up once.
pub struct Hub {
    pub dir: tempfile::TempDir,
    pub region: PathBuf,
    pub hub: PathBuf,
    pub laptop_key: PathBuf,
}

impl Hub {
    pub fn new(patients: &str) -> Hub {
        let dir = tempfile::tempdir().unwrap();
        let region = dir.path().join("region");
        let (code, _, stderr) = fieldchart(&[
            "demo-data",
            "--patients",
            patients,
            "--facilities",
            "2",
            "--seed",
            "11",
            "--out",
            region.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        // The laptop enrols as a field laptop does: its line goes into the hub's register.
        let laptop_key = dir.path().join("laptop.key");
        let line = enrol(&laptop_key, &dir.path().join("audit.log"));
        let hub = dir.path().join("hub");
        assert_eq!(fieldchart(&["hub", "init", hub.to_str().unwrap()]).0, 0);
        let config = hub.join("hub.toml");
        let mut text = fs::read_to_string(&config)
            .unwrap()
            .replace("drill = false", "drill = true")
            // A layer's fixed cost (its index files, each a whole block) is a large share of a
            // test region's base; the share rule has its own test.
            .replace("layer_share = 0.3", "layer_share = 1.0");
        let mut facilities: Vec<_> = fs::read_dir(&region)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .collect();
        facilities.sort_by_key(|e| e.file_name());
        for f in &facilities {
            let roots: Vec<String> = ["standard", "extended"]
                .iter()
                .map(|r| f.path().join(r))
                .filter(|p| p.is_dir())
                .map(|p| format!("\"{}\"", p.display()))
                .collect();
            text.push_str(&format!(
                "\n[[facility]]\ncode = \"{}\"\nname = \"病院 {}\"\nroots = [{}]\n",
                f.file_name().to_string_lossy(),
                f.file_name().to_string_lossy(),
                roots.join(", ")
            ));
        }
        fs::write(&config, text).unwrap();
        let (code, _, stderr) = fieldchart(&[
            "hub",
            "laptop",
            "add",
            hub.to_str().unwrap(),
            "dmat-01",
            "--holder",
            "DMAT 1",
            "--enrol",
            &line,
        ]);
        assert_eq!(code, 0, "{stderr}");
        Hub {
            dir,
            region,
            hub,
            laptop_key,
        }
    }

    /// `hub build DIR --json [more]`: the summary, after checking it exited 0.
    pub fn build(&self, more: &[&str]) -> serde_json::Value {
        let (code, json) = self.build_with_code(more);
        // 3: built, with files the reader could not read (a test's stray file).
        assert!(code == 0 || code == 3, "exit {code}");
        json
    }

    /// `hub build DIR --json [more]`: its exit code and summary, after checking it built.
    pub fn build_with_code(&self, more: &[&str]) -> (i32, serde_json::Value) {
        let mut args = vec!["hub", "build", self.hub.to_str().unwrap(), "--json"];
        args.extend_from_slice(more);
        let (code, json, stderr) = fieldchart(&args);
        assert!(code == 0 || code == 3, "{stderr}");
        (code, serde_json::from_str(&json).unwrap())
    }

    /// A chain file in the builds folder listing the hub's current chain, as a sync leaves one.
    pub fn chain_file(&self, summary: &serde_json::Value) -> PathBuf {
        let files: Vec<String> = summary["hub"]["chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["file"].as_str().unwrap().to_string())
            .collect();
        let path = self.hub.join("builds").join("region.fcchain");
        let json = serde_json::json!({ "format": "fieldchart-chain-1", "files": files });
        fs::write(&path, json.to_string()).unwrap();
        path
    }

    pub fn viewer(&self) -> Vec<String> {
        [
            "--trust",
            self.hub.join("keys").join("signing.pub").to_str().unwrap(),
            "--identity",
            self.laptop_key.to_str().unwrap(),
            "--user",
            "試験 太郎",
            "--profession",
            "医師",
            "--team",
            "DMAT-T1",
            "--audit-log",
            self.dir.path().join("audit.log").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    pub fn search(&self, snapshot: &Path, query: &str) -> (i32, serde_json::Value, String) {
        let mut args = vec!["search", snapshot.to_str().unwrap(), query, "--json"];
        let viewer = self.viewer();
        args.extend(viewer.iter().map(String::as_str));
        let (code, json, stderr) = fieldchart(&args);
        let v = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
        (code, v, stderr)
    }

    pub fn record(&self, snapshot: &Path, patient: &str) -> (i32, serde_json::Value, String) {
        let mut args = vec![
            "record",
            snapshot.to_str().unwrap(),
            "--patient",
            patient,
            "--basis",
            "vital-interest",
            "--json",
        ];
        let viewer = self.viewer();
        args.extend(viewer.iter().map(String::as_str));
        let (code, json, stderr) = fieldchart(&args);
        let v = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
        (code, v, stderr)
    }

    /// `hub publish DIR --to REPO --json`, after checking it exited 0.
    pub fn publish(&self, repo: &Path) -> serde_json::Value {
        let (code, json, stderr) = fieldchart(&[
            "hub",
            "publish",
            self.hub.to_str().unwrap(),
            "--to",
            repo.to_str().unwrap(),
            "--json",
        ]);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str(&json).unwrap()
    }

    /// `snapshot sync SOURCE --to LAPTOP` as this hub's laptop: exit code, stdout, stderr.
    pub fn sync(&self, source: &str, laptop: &Path) -> (i32, String, String) {
        fieldchart(&[
            "snapshot",
            "sync",
            source,
            "--identity",
            self.laptop_key.to_str().unwrap(),
            "--trust",
            self.hub.join("keys").join("signing.pub").to_str().unwrap(),
            "--to",
            laptop.to_str().unwrap(),
            "--audit-log",
            self.dir.path().join("audit.log").to_str().unwrap(),
        ])
    }

    /// `demo-data --next-day` on the region: the changes region.json lists.
    pub fn next_day(&self, share: &str, seed: &str) -> serde_json::Value {
        let (code, _, stderr) = fieldchart(&[
            "demo-data",
            "--next-day",
            self.region.to_str().unwrap(),
            "--share",
            share,
            "--seed",
            seed,
        ]);
        assert_eq!(code, 0, "{stderr}");
        let region: serde_json::Value =
            serde_json::from_slice(&fs::read(self.region.join("region.json")).unwrap()).unwrap();
        region["next_day"].clone()
    }

    /// The patient folders of the first facility's standard storage, in order.
    pub fn patient_folders(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let facility = first_dir(&self.region).join("standard");
        for a in sorted_dirs(&facility) {
            for b in sorted_dirs(&a) {
                out.extend(sorted_dirs(&b));
            }
        }
        out
    }
}

/// `laptop enrol` for a laptop whose device key is `key` and whose audit log is `audit_log`: its
/// enrolment line.
pub fn enrol(key: &Path, audit_log: &Path) -> String {
    let (code, json, stderr) = fieldchart(&[
        "laptop",
        "enrol",
        "--identity",
        key.to_str().unwrap(),
        "--audit-log",
        audit_log.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["line"].as_str().unwrap().to_string()
}

pub fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

pub fn first_dir(dir: &Path) -> PathBuf {
    sorted_dirs(dir).into_iter().next().unwrap()
}

pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

pub fn key_of(folder: &Path, hub: &Hub) -> String {
    let facility = first_dir(&hub.region);
    format!(
        "{}:{}",
        facility.file_name().unwrap().to_string_lossy(),
        folder.file_name().unwrap().to_string_lossy()
    )
}

pub fn ids(results: &serde_json::Value) -> Vec<String> {
    let mut v: Vec<String> = results["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| format!("{}:{}", r["facility"], r["patient_id"]).replace('"', ""))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Sets a file's modification time back to what it was.
pub fn set_mtime(path: &Path, to: std::time::SystemTime) {
    let f = fs::OpenOptions::new().write(true).open(path).unwrap();
    f.set_modified(to).unwrap();
}

/// Sets the modification time of every file and folder under `dir` (the folder itself included)
/// to `to`, as a storage copied a day ago looks to the hub.
pub fn backdate(dir: &Path, to: std::time::SystemTime) {
    for e in fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            backdate(&p, to);
        } else {
            set_mtime(&p, to);
        }
    }
    // A folder opens read-only; its owner may still set its times.
    fs::File::open(dir).unwrap().set_modified(to).unwrap();
}

/// The first file of a patient folder that is not the patient profile (ADT-00): a clinical record
/// a test can change.
pub fn clinical_file(folder: &Path) -> PathBuf {
    files_under(folder)
        .into_iter()
        .find(|p| !p.to_string_lossy().contains("ADT-00"))
        .unwrap()
}

/// Appends one NTE segment (テスト, ISO-2022-JP) to an HL7 file in place: its content and size
/// change, its folder's time does not.
pub fn append_note(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    bytes.extend_from_slice(b"NTE|1||\x1b$B%F%9%H\x1b(B\r");
    fs::write(path, bytes).unwrap();
}
