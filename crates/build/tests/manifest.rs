//! The snapshot's signed manifest against what `fieldchart check` reports on the same storage: a
//! generated region (the generator writes `_2` and `_0` files and cancels) plus the NHO samples as a
//! facility whose newest record is years older than the others. The manifest is read back from the
//! built snapshot with the laptop's key, so the contract is checked on what the real build wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use fieldchart_build::{BuildOptions, build};
use fieldchart_policy::Policy;
use fieldchart_reader::read::Storage;
use fieldchart_reader::report::{FacilitySummary, check};
use fieldchart_storage::{FacilityId, StorageRoot};
use fieldchart_store::manifest::AppManifest;
use fieldchart_synth::{CivilDate, RegionSpec};
use fieldchart_vault::{OpenOptions, TrustedKey, Unlock, WriteOptions};

const NHO_FACILITY: &str = "1234567890";

/// `region/<facility>/<root>` as storage roots.
fn region_roots(region: &Path) -> Vec<StorageRoot> {
    let mut roots = Vec::new();
    let mut facilities: Vec<PathBuf> = std::fs::read_dir(region)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    facilities.sort();
    for facility in facilities {
        let code = facility.file_name().unwrap().to_string_lossy().into_owned();
        let mut parts: Vec<PathBuf> = std::fs::read_dir(&facility)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        parts.sort();
        for part in parts {
            roots.push(StorageRoot::new(FacilityId::new(code.clone()), part));
        }
    }
    roots
}

struct Built {
    manifest: AppManifest,
    summary: fieldchart_build::BuildSummary,
    checked: BTreeMap<String, FacilitySummary>,
}

fn build_region_and_nho() -> Built {
    let dir = tempfile::tempdir().unwrap();
    let region = dir.path().join("region");
    let mut spec = RegionSpec::new(150, 2, 5);
    spec.as_of = CivilDate::new(2026, 11, 19).unwrap();
    fieldchart_synth::generate(&spec, &region, &mut |_| {}).expect("a generated region");
    let mut roots = region_roots(&region);
    roots.push(StorageRoot::new(
        FacilityId::new(NHO_FACILITY),
        fieldchart_samples::nho(),
    ));

    let report = check(&Storage::scan(roots.clone()), |_| {});
    let checked = report
        .facilities
        .iter()
        .map(|f| (f.facility.as_str().to_string(), f.clone()))
        .collect();

    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let device_pub = fieldchart_vault::generate_device_identity(&keys.join("device.key")).unwrap();
    let hub_pub = fieldchart_vault::generate_signing_key(&keys.join("hub.key")).unwrap();
    let audit_pub = fieldchart_vault::generate_device_identity(&keys.join("audit.key")).unwrap();
    let created: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();
    let out = dir.path().join("region.fcs");
    let summary = build(
        BuildOptions {
            storage: roots,
            out: out.clone(),
            vault: WriteOptions {
                recipients: vec![fieldchart_vault::parse_recipient(&device_pub).unwrap()],
                passphrase: None,
                scrypt_log_n: Some(10),
                signing_key: fieldchart_vault::load_signing_key(&keys.join("hub.key")).unwrap(),
                created,
                not_after: created + Duration::days(30),
                drill: true,
            },
            window_years: 5,
            policy: Policy::default_policy(),
            consent: Vec::new(),
            links: Vec::new(),
            audit_recipient: audit_pub,
            facility_names: BTreeMap::new(),
            chain: None,
            hpki: Default::default(),
            masters: Default::default(),
        },
        &mut |_| {},
    )
    .expect("the snapshot builds");

    let identity = fieldchart_vault::load_identity(&keys.join("device.key")).unwrap();
    let snapshot = fieldchart_vault::open(
        &out,
        &OpenOptions::new(
            vec![TrustedKey::parse(&hub_pub).unwrap()],
            Unlock::Identity(identity),
            created + Duration::hours(1),
        ),
    )
    .expect("the laptop opens it");
    let manifest: AppManifest =
        serde_json::from_value(snapshot.manifest().app.clone()).expect("the application manifest");
    Built {
        manifest,
        summary,
        checked,
    }
}

#[test]
fn the_manifest_counts_each_facility_as_check_does_and_warns_of_the_old_one() {
    let built = build_region_and_nho();

    // 1. Superseded, deleted and cancelled records per facility are check's numbers, not 0.
    assert_eq!(built.manifest.facilities.len(), 3);
    let mut totals = [0u64; 3];
    for f in &built.manifest.facilities {
        let c = &built.checked[&f.code];
        assert_eq!(
            (f.patients, f.records, f.superseded, f.deleted, f.cancelled),
            (c.patients, c.current, c.superseded, c.deleted, c.cancelled),
            "facility {}",
            f.code
        );
        assert_eq!((f.errors, f.warnings), (c.errors, c.warnings), "{}", f.code);
        totals[0] += f.superseded;
        totals[1] += f.deleted;
        totals[2] += f.cancelled;
    }
    assert!(
        totals.iter().all(|n| *n > 0),
        "the generated region has superseded, deleted and cancelled records: {totals:?}"
    );
    assert_eq!(
        built
            .manifest
            .facilities
            .iter()
            .find(|f| f.code == NHO_FACILITY)
            .unwrap()
            .deleted,
        1,
        "the NHO tree's `_0` OMP-11 file"
    );

    // 2. Every data-as-of is a real ISO time.
    for f in &built.manifest.facilities {
        let as_of = f
            .data_as_of
            .as_deref()
            .expect("each facility has a data age");
        assert!(
            NaiveDateTime::parse_from_str(as_of, "%Y-%m-%dT%H:%M:%S%.f").is_ok(),
            "{}: {as_of}",
            f.code
        );
    }

    // 3. The facility whose newest record is years old is warned about, and only it.
    assert_eq!(built.summary.stale_data_days, 7);
    let stale: Vec<&str> = built
        .summary
        .stale
        .iter()
        .map(|f| f.code.as_str())
        .collect();
    assert_eq!(stale, [NHO_FACILITY]);
    let old = &built.summary.stale[0];
    assert!(old.days_old.unwrap() > 365 * 5, "{old:?}");
    assert_eq!(
        old.data_as_of, built.checked[NHO_FACILITY].data_as_of,
        "the warning names the facility's data-as-of"
    );
}
