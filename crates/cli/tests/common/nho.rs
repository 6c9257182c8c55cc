//! The shared NHO sample storage built by the real binary, and the record a doctor opens from it:
//! the lines several test files need and used to write each for itself.

use std::path::{Path, PathBuf};

use super::fieldchart;

/// The facility code the NHO samples are read under.
pub const NHO: &str = "1234567890";

/// The NHO patient whose record the tests open.
pub const PATIENT: &str = "1234567890:9999013";

/// A laptop's key, a hub's signing key and an audit recipient, made by `fieldchart keys` in a folder.
pub struct Keys {
    pub device_key: PathBuf,
    pub device_pub: String,
    pub hub_key: PathBuf,
    pub hub_pub: String,
    pub audit_pub: String,
}

impl Keys {
    /// Makes the three keys in `dir` (device.key, hub.key, audit.key); panics with fieldchart's
    /// message if one fails.
    pub fn make(dir: &Path) -> Keys {
        let key = |kind: &str, file: &str| {
            let path = dir.join(file);
            let (code, stdout, stderr) =
                fieldchart(&["keys", kind, "--out", path.to_str().unwrap()]);
            assert_eq!(code, 0, "{stderr}");
            (path, stdout.trim().to_string())
        };
        let (device_key, device_pub) = key("device", "device.key");
        let (hub_key, hub_pub) = key("signing", "hub.key");
        let (_, audit_pub) = key("device", "audit.key");
        Keys {
            device_key,
            device_pub,
            hub_key,
            hub_pub,
            audit_pub,
        }
    }

    /// `snapshot build --storage <NHO samples> --out OUT` for this laptop with the hub's keys,
    /// then `extra`: what the tests run, returned as (exit code, stdout, stderr).
    pub fn build_nho(&self, out: &Path, extra: &[&str]) -> (i32, String, String) {
        let root = format!("{NHO}={}", fieldchart_samples::nho().display());
        let mut args = vec![
            "snapshot",
            "build",
            "--storage",
            &root,
            "--out",
            out.to_str().unwrap(),
            "--recipient",
            &self.device_pub,
            "--signing-key",
            self.hub_key.to_str().unwrap(),
            "--audit-recipient",
            &self.audit_pub,
        ];
        args.extend_from_slice(extra);
        fieldchart(&args)
    }

    /// `record SNAPSHOT` of [`PATIENT`] as a doctor of a DMAT team, on the vital-interest basis,
    /// audited to `log`, then `extra`; panics with fieldchart's message if it fails, else stdout.
    pub fn nho_record(&self, snapshot: &Path, log: &Path, extra: &[&str]) -> String {
        let mut args = vec![
            "record",
            snapshot.to_str().unwrap(),
            "--identity",
            self.device_key.to_str().unwrap(),
            "--trust",
            &self.hub_pub,
            "--user",
            "試験 太郎",
            "--profession",
            "医師",
            "--team",
            "DMAT-TEST-01",
            "--event",
            "drill",
            "--audit-log",
            log.to_str().unwrap(),
            "--patient",
            PATIENT,
            "--basis",
            "vital-interest",
        ];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = fieldchart(&args);
        assert_eq!(code, 0, "{stderr}");
        stdout
    }
}
