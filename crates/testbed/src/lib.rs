//! Test support for the app's tests (desk and the desktop window): a laptop's folder as
//! `scripts/run.sh` leaves it, made in a temporary place. A synthetic drill region, this laptop's
//! device key, the hub's signing and audit keys, and two drill snapshots: a valid one (with the
//! drill policy, consent list and emergency passphrase of `scripts/drill/`) and an expired one.
//!
//! Layout under `root`:
//! `snapshots/drill.fcs`, `snapshots/expired.fcs`, `snapshots/keys/{device.key,hub.pub}` (where the
//! app finds them itself), `hub/audit.key` (the hub's, to read the audit), `region/`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset, Local, Utc};
use fieldchart_build::{BuildOptions, build, read_consent};
use fieldchart_policy::Policy;
use fieldchart_repo::{ChainFile, FileRole, PublishInput};
use fieldchart_storage::{FacilityId, StorageRoot, scan_facility};
use fieldchart_synth::{CivilDate, RegionSpec};
use fieldchart_vault::WriteOptions;

/// The drill emergency passphrase of the testbed's snapshots.
pub const PASSPHRASE: &str = "drill-passphrase";
/// The drill clerk code (scripts/drill/policy.toml; not secret).
pub const CLERK_CODE: &str = "DRILL-0000";

/// The drill persona 山田 花子 (S45.3.12): penicillin allergy, warfarin, PT-INR trend; consented
/// at her main hospital.
pub const PERSONA: (&str, &str) = ("0410610011", "0010000000");
/// Her registration at the second hospital, which the drill region's cross-references link with
/// `PERSONA` (consented there too). Only it records her iodine contrast allergy.
pub const PERSONA_SECOND: (&str, &str) = ("0410710387", "00200000");
/// The drill persona 鈴木 茂 (S13.2.25), who refused consent to sharing (the drill consent list):
/// his record opens only by break-glass.
pub const PERSONA_REFUSED: (&str, &str) = ("0410610011", "0010000004");

pub struct Testbed {
    pub root: PathBuf,
    pub region: PathBuf,
    pub snapshots: PathBuf,
    pub drill: PathBuf,
    pub expired: PathBuf,
    pub device_key: PathBuf,
    pub hub_pub: PathBuf,
    pub hub_audit_key: PathBuf,
    names: std::collections::BTreeMap<String, String>,
    device_pub: String,
    audit_pub: String,
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Testbed {
    /// Makes everything under `root` (which must be empty or missing), as of now. Takes a few
    /// seconds.
    pub fn make(root: &Path, patients: u64) -> Testbed {
        Testbed::make_at(root, patients, Local::now().fixed_offset())
    }

    /// [`Testbed::make`] as of `now`, on a wall clock at `now`'s offset: the region's data ends
    /// the day before, the drill snapshot is created at `now` and the expired one 40 days earlier.
    /// The same `now` makes the same region and snapshot contents (only keys and snapshot IDs
    /// differ), so screens rendered from it can be compared across runs.
    pub fn make_at(root: &Path, patients: u64, now: DateTime<FixedOffset>) -> Testbed {
        let snapshots = root.join("snapshots");
        let keys = snapshots.join("keys");
        let hub = root.join("hub");
        for d in [&keys, &hub] {
            std::fs::create_dir_all(d).expect("testbed folders");
        }
        let region = root.join("region");
        // The region's data ends yesterday, as after the hub's last nightly copy.
        let yesterday = now.date_naive() - Duration::days(1);
        use chrono::Datelike;
        let as_of = CivilDate::new(yesterday.year(), yesterday.month(), yesterday.day())
            .expect("a civil date");
        // Seed 1, `fieldchart demo-data`'s default: at this size its region holds scanned letters (PDF)
        // and a wound photo (JPEG), which the window's documents test opens.
        let mut spec = RegionSpec::new(patients, 3, 1);
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

        let policy_text = drill_policy();
        let names: std::collections::BTreeMap<String, String> = summary
            .facilities
            .iter()
            .map(|f| (f.id.clone(), f.name.clone()))
            .collect();
        std::fs::write(hub.join("emergency-passphrase.txt"), PASSPHRASE).expect("passphrase file");
        let bed = Testbed {
            root: root.to_path_buf(),
            region,
            drill: snapshots.join("drill.fcs"),
            expired: snapshots.join("expired.fcs"),
            snapshots,
            device_key,
            hub_pub,
            hub_audit_key,
            names,
            device_pub,
            audit_pub,
        };
        let now = now.to_utc();
        bed.build(&bed.drill, &policy_text, now, Links::Region(&[]), None);
        bed.build(
            &bed.expired,
            &policy_text,
            now - Duration::days(40),
            Links::Region(&[]),
            None,
        );
        bed
    }

    /// Another drill snapshot of the same region, signed by the same hub, created at `created`
    /// (valid for 30 days from then), with the drill policy as `edit` changes it.
    pub fn snapshot(&self, out: &Path, created: DateTime<Utc>, edit: impl FnOnce(&str) -> String) {
        self.build(
            out,
            &edit(&drill_policy()),
            created,
            Links::Region(&[]),
            None,
        );
    }

    /// A drill snapshot whose cross-references also link each of `pairs` ((facility, patient ID)
    /// twice), as an index that linked two people by mistake would.
    pub fn snapshot_linking(&self, out: &Path, created: DateTime<Utc>, pairs: &[LinkedPair<'_>]) {
        self.build(out, &drill_policy(), created, Links::Region(pairs), None);
    }

    /// A drill snapshot of the region whose index does not link the two of `pair` (the region's
    /// other cross-references stand): two patients the hub has not made one person, whose
    /// identity agrees, so the build suggests them as possibly the same person.
    pub fn snapshot_unlinking(&self, out: &Path, created: DateTime<Utc>, pair: LinkedPair<'_>) {
        self.build(out, &drill_policy(), created, Links::Without(pair), None);
    }

    /// A drill snapshot of the region whose consent list is `consent` (the CSV of
    /// scripts/drill/consent.csv's form) instead of the drill one.
    pub fn snapshot_with_consent(&self, out: &Path, created: DateTime<Utc>, consent: &str) {
        self.build(
            out,
            &drill_policy(),
            created,
            Links::Region(&[]),
            Some(consent),
        );
    }

    /// The hub's side of a sync: a fresh drill snapshot of the region, created at `created`,
    /// written to `snapshot` and published into the repository folder `repo` at `at`
    /// ([`Testbed::publish_built`]).
    pub fn publish(&self, repo: &Path, snapshot: &Path, created: DateTime<Utc>, at: DateTime<Utc>) {
        if let Some(folder) = snapshot.parent() {
            std::fs::create_dir_all(folder).expect("the hub's folder");
        }
        self.snapshot(snapshot, created, str::to_owned);
        self.publish_built(repo, snapshot, at);
    }

    /// Publishes the snapshot `snapshot` (built by this testbed) as a one-file chain into the
    /// repository folder `repo` at `at`, signed with the testbed's hub key as `fieldchart hub
    /// publish` signs it. Publishing the same file again writes a newer version.
    pub fn publish_built(&self, repo: &Path, snapshot: &Path, at: DateTime<Utc>) {
        let text = std::fs::read_to_string(&self.hub_pub).expect("hub.pub");
        let trusted = fieldchart_vault::TrustedKey::parse(text.trim()).expect("the hub's key");
        let digest = fieldchart_vault::check_outline_even_if_expired(snapshot, &[trusted], at)
            .expect("a snapshot of this testbed")
            .digest;
        let key = fieldchart_vault::load_signing_key(&self.root.join("hub").join("hub.key"))
            .expect("the hub's signing key");
        let chain = vec![ChainFile {
            path: snapshot.to_path_buf(),
            role: FileRole::Base,
            sequence: 0,
            digest,
        }];
        fieldchart_repo::publish(repo, &PublishInput::new(chain, &key, at)).expect("publishes");
    }

    /// A laptop folder with this laptop's keys and no snapshot yet (`folder/snapshots/keys/`),
    /// as a freshly set-up laptop has before its first sync. Returns the snapshots folder.
    pub fn empty_laptop(&self, folder: &Path) -> PathBuf {
        let snapshots = folder.join("snapshots");
        let keys = snapshots.join("keys");
        std::fs::create_dir_all(&keys).expect("the laptop's folders");
        for key in [&self.device_key, &self.hub_pub] {
            let to = keys.join(key.file_name().expect("a key file"));
            std::fs::copy(key, to).expect("the laptop's keys");
        }
        snapshots
    }

    /// A copy of this laptop's device key at `out`, protected by `pin` as `fieldchart laptop
    /// enrol --protect` does it, with a small scrypt work factor (a test's, not a laptop's): the
    /// same key, so it opens every snapshot the testbed made.
    pub fn device_key_with_pin(&self, out: &Path, pin: &str) {
        let _ = std::fs::remove_file(out);
        std::fs::copy(&self.device_key, out).expect("a copy of the device key");
        let pin = age::secrecy::SecretString::from(pin.to_owned());
        fieldchart_vault::pin::protect_device_key(out, None, &pin, 10).expect("a PIN on the key");
    }

    /// Another laptop folder: `folder/snapshots/<name>.fcs`, with this laptop's keys beside it
    /// where the app finds them, built from the same region with the drill policy as `edit`
    /// changes it (a shorter idle lock for a test that waits for it, say). Returns the snapshots
    /// folder and the snapshot.
    pub fn other_laptop(
        &self,
        folder: &Path,
        name: &str,
        edit: impl FnOnce(&str) -> String,
    ) -> (PathBuf, PathBuf) {
        let snapshots = self.empty_laptop(folder);
        let out = snapshots.join(format!("{name}.fcs"));
        self.build(
            &out,
            &edit(&drill_policy()),
            Utc::now(),
            Links::Region(&[]),
            None,
        );
        (snapshots, out)
    }

    /// The patients, as (facility, patient ID), whose extended storage holds a file named `name`
    /// (`main_document.pdf` for a scanned letter, `main_document.jpg` for a wound photo), sorted.
    /// Found with the reader's own walk of the storage (`fieldchart_storage::walk`).
    pub fn patients_with_file(&self, name: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for roots in StorageRoot::group_by_facility(region_roots(&self.region)).into_values() {
            let scan = scan_facility(&roots);
            for id in scan.patients.keys() {
                let files = scan.walk_patient(id);
                let holds = files
                    .extended
                    .iter()
                    .flat_map(|folder| &folder.files)
                    .any(|f| f.inner_path == name);
                if holds {
                    found.push((scan.facility.as_str().to_owned(), id.as_str().to_owned()));
                }
            }
        }
        found.sort();
        found
    }

    /// One drill snapshot of the region, valid for 30 days from `created`.
    fn build(
        &self,
        out: &Path,
        policy_text: &str,
        created: DateTime<Utc>,
        links: Links<'_>,
        consent: Option<&str>,
    ) {
        let hub = self.root.join("hub");
        let policy = Policy::parse(policy_text).expect("the test policy parses");
        let consent = match consent {
            Some(text) => fieldchart_build::parse_consent(text).expect("the test's consent list"),
            None => {
                read_consent(&repo().join("scripts/drill/consent.csv")).expect("the drill consent")
            }
        };
        let passphrase =
            fieldchart_vault::read_passphrase_file(&hub.join("emergency-passphrase.txt"))
                .expect("passphrase");
        let opts = BuildOptions {
            storage: region_roots(&self.region),
            out: out.to_path_buf(),
            vault: WriteOptions {
                recipients: vec![
                    fieldchart_vault::parse_recipient(&self.device_pub).expect("recipient"),
                ],
                passphrase: Some(passphrase),
                scrypt_log_n: Some(10),
                signing_key: fieldchart_vault::load_signing_key(&hub.join("hub.key"))
                    .expect("hub key"),
                created,
                not_after: created + Duration::days(30),
                drill: true,
            },
            window_years: 5,
            policy,
            consent,
            links: region_links(&self.region, links),
            audit_recipient: self.audit_pub.clone(),
            facility_names: self.names.clone(),
            chain: None,
            // As a drill hub configures it: the drill HPKI root (crates/synth/drill-hpki).
            hpki: fieldchart_synth::signing::drill_trust(),
            // And its masters: the generator's drill masters beside the region.
            masters: std::sync::Arc::new(drill_masters(&self.region)),
        };
        build(opts, &mut |_| {}).expect("drill snapshot");
    }
}

/// Two (facility, patient ID) an index links as one person.
pub type LinkedPair<'a> = ((&'a str, &'a str), (&'a str, &'a str));

/// What the index of a test snapshot links.
#[derive(Clone, Copy)]
enum Links<'a> {
    /// The region's cross-references and these pairs besides.
    Region(&'a [LinkedPair<'a>]),
    /// The region's cross-references without this pair.
    Without(LinkedPair<'a>),
}

/// The region's cross-references (`pix-xref.tsv`, the generator's pair layout) as the build
/// takes them: the hub links its visitors, as a regional index would.
fn region_links(region: &Path, links: Links<'_>) -> Vec<fieldchart_build::LinkRow> {
    let mut text = std::fs::read_to_string(region.join(fieldchart_synth::XREF_FILE))
        .expect("the region's cross-references");
    match links {
        Links::Region(pairs) => {
            for ((fa, a), (fb, b)) in pairs {
                text.push_str(&format!("{fa}\t{a}\t{fb}\t{b}\n"));
            }
        }
        Links::Without(((fa, a), (fb, b))) => {
            let line = format!("{fa}\t{a}\t{fb}\t{b}");
            let kept: Vec<&str> = text.lines().filter(|l| l.trim() != line).collect();
            assert!(kept.len() < text.lines().count(), "the region links {line}");
            text = kept.join("\n") + "\n";
        }
    }
    let links = fieldchart_identity::links_of_xref(&text).expect("they link");
    fieldchart_build::LinkRow::all(&links)
}

/// The drill policy, `scripts/drill/policy.toml`.
fn drill_policy() -> String {
    std::fs::read_to_string(repo().join("scripts/drill/policy.toml"))
        .expect("scripts/drill/policy.toml")
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

/// The generator's drill masters of `region`, loaded as a drill hub's `[masters]` would.
pub fn drill_masters(region: &Path) -> fieldchart_masters::Masters {
    fieldchart_synth::drill_masters(region)
        .expect("the region's drill masters")
        .files()
        .load()
        .expect("the drill masters load")
}
