//! Test support for the app's tests (desk and the desktop window): a laptop's folder as
//! `scripts/run.sh` leaves it, made in a temporary place. A synthetic drill region, this laptop's
//! device key, the hub's signing and audit keys, and two drill snapshots: a valid one (with the
//! drill policy, consent list and emergency passphrase of `scripts/drill/`) and an expired one.
//!
//! Layout under `root`:
//! `snapshots/drill.fcs`, `snapshots/expired.fcs`, `snapshots/keys/{device.key,hub.pub}` (where the
//! app finds them itself), `hub/audit.key` (the hub's, to read the audit), `region/`.

use std::path::{Path, PathBuf};

use chrono::{Duration, Local, Utc};
use fieldchart_build::{BuildOptions, build, read_consent};
use fieldchart_policy::Policy;
use fieldchart_storage::{FacilityId, StorageRoot};
use fieldchart_synth::{CivilDate, RegionSpec};
use fieldchart_vault::WriteOptions;

/// The drill emergency passphrase of the testbed's snapshots.
pub const PASSPHRASE: &str = "drill-passphrase";
/// The drill clerk code (scripts/drill/policy.toml; not secret).
pub const CLERK_CODE: &str = "DRILL-0000";

/// The drill persona 山田 花子 (S45.3.12): penicillin allergy, warfarin, PT-INR trend; consented
/// at her main hospital.
pub const PERSONA: (&str, &str) = ("0410610011", "0010000000");
/// Her registration at the second hospital, where the drill consent list says she refused.
pub const PERSONA_REFUSED: (&str, &str) = ("0410710387", "00200000");

pub struct Testbed {
    pub root: PathBuf,
    pub snapshots: PathBuf,
    pub drill: PathBuf,
    pub expired: PathBuf,
    pub device_key: PathBuf,
    pub hub_pub: PathBuf,
    pub hub_audit_key: PathBuf,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Testbed {
    /// Makes everything under `root` (which must be empty or missing). Takes a few seconds.
    pub fn make(root: &Path, patients: u64) -> Testbed {
        let snapshots = root.join("snapshots");
        let keys = snapshots.join("keys");
        let hub = root.join("hub");
        for d in [&keys, &hub] {
            std::fs::create_dir_all(d).expect("testbed folders");
        }
        let region = root.join("region");
        // The region's data ends yesterday, as after the hub's last nightly copy.
        let yesterday = Local::now().date_naive() - Duration::days(1);
        use chrono::Datelike;
        let as_of = CivilDate::new(yesterday.year(), yesterday.month(), yesterday.day())
            .expect("a civil date");
        let mut spec = RegionSpec::new(patients, 3, 2026);
        spec.as_of = as_of;
        let summary =
            fieldchart_synth::generate(&spec, &region, &mut |_| {}).expect("drill region");

        let device_key = keys.join("device.key");
        let device_pub =
            fieldchart_vault::generate_device_identity(&device_key).expect("device key");
        let hub_key = hub.join("hub.key");
        let hub_public = fieldchart_vault::generate_signing_key(&hub_key).expect("hub key");
        let hub_pub = keys.join("hub.pub");
        std::fs::write(&hub_pub, format!("{hub_public}\n")).expect("hub.pub");
        let hub_audit_key = hub.join("audit.key");
        let audit_pub =
            fieldchart_vault::generate_device_identity(&hub_audit_key).expect("audit key");

        let policy_text = std::fs::read_to_string(repo().join("scripts/drill/policy.toml"))
            .expect("scripts/drill/policy.toml");
        let policy = Policy::parse(&policy_text).expect("the drill policy parses");
        let consent =
            read_consent(&repo().join("scripts/drill/consent.csv")).expect("the drill consent");
        let names: std::collections::BTreeMap<String, String> = summary
            .facilities
            .iter()
            .map(|f| (f.id.clone(), f.name.clone()))
            .collect();

        let passphrase_file = hub.join("emergency-passphrase.txt");
        std::fs::write(&passphrase_file, PASSPHRASE).expect("passphrase file");
        let now = Utc::now();
        let drill = snapshots.join("drill.fcs");
        let expired = snapshots.join("expired.fcs");
        for (out, created, days) in [(&drill, now, 30), (&expired, now - Duration::days(40), 30)] {
            let opts = BuildOptions {
                storage: region_roots(&region),
                out: out.clone(),
                vault: WriteOptions {
                    recipients: vec![
                        fieldchart_vault::parse_recipient(&device_pub).expect("recipient"),
                    ],
                    passphrase: Some(
                        fieldchart_vault::read_passphrase_file(&passphrase_file)
                            .expect("passphrase"),
                    ),
                    scrypt_log_n: Some(10),
                    signing_key: fieldchart_vault::load_signing_key(&hub_key).expect("hub key"),
                    created,
                    not_after: created + Duration::days(days),
                    drill: true,
                },
                window_years: 5,
                policy: policy.clone(),
                consent: consent.clone(),
                audit_recipient: audit_pub.clone(),
                facility_names: names.clone(),
            };
            build(opts, &mut |_| {}).expect("drill snapshot");
        }
        Testbed {
            root: root.to_path_buf(),
            snapshots,
            drill,
            expired,
            device_key,
            hub_pub,
            hub_audit_key,
        }
    }
}

/// `region/<facility>/<root>` as storage roots.
fn region_roots(region: &Path) -> Vec<StorageRoot> {
    let mut roots = Vec::new();
    let mut facilities: Vec<PathBuf> = std::fs::read_dir(region)
        .expect("region")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    facilities.sort();
    for f in facilities {
        let id = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut parts: Vec<PathBuf> = std::fs::read_dir(&f)
            .expect("facility")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        parts.sort();
        for p in parts {
            roots.push(StorageRoot::new(FacilityId::new(id.clone()), p));
        }
    }
    roots
}
