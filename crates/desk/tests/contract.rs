//! The contract between the desk and the window, written from what the real desk answers.
//!
//! A drill laptop is made by the testbed at a fixed moment (2026-11-24 10:15 in Japan), and the
//! real `Desk` is driven through every screen and into every error kind and every refusal it can
//! reach. What it answered becomes the UI's fixtures (`ui/test/fixtures/*.json`, which the UI's
//! tests and its development mock read), and the vocabulary of `fieldchart_desk::contract` becomes
//! `ui/src/contract.js`, the lists the UI imports. All of them are expect-files: checked in, and
//! compared here with what the desk produces now; `UPDATE_EXPECT=1 cargo test -p fieldchart-desk
//! --test contract` rewrites them after an intended change. Only what differs between two runs by
//! nature (the temporary folder, keys and snapshot IDs, which are random) is replaced by stable
//! words before the comparison.
//!
//! The step titles are also checked here against the emergency manual, as the UI's are.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, FixedOffset, TimeDelta, Utc};
use fieldchart_desk::contract::{
    Contract, ErrorKind, Identifier, RULES, Step, SyncOutcome, ValidityState,
};
use fieldchart_desk::{AppError, Config, Desk, Zone};
use fieldchart_policy::Rule;
use fieldchart_query::record::MemberState;
use fieldchart_testbed::{
    CLERK_CODE, PASSPHRASE, PERSONA, PERSONA_REFUSED, PERSONA_SECOND, Testbed,
};
use serde::Serialize;
use strum::VariantArray;

/// The moment every screen is rendered at, on a laptop in Japan.
const NOW: &str = "2026-11-24T10:15:00+09:00";

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).expect("NOW")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The testbed, plus the snapshots only these screens need.
struct Bed {
    tmp: tempfile::TempDir,
    bed: Testbed,
    /// An older valid snapshot of the same hub, copied onto the laptop after the newer one.
    previous: PathBuf,
    /// A folder whose snapshot's event window is over.
    after_event: PathBuf,
    /// A folder whose expired snapshot's policy does not let break-glass open it.
    no_override: PathBuf,
    lease_over: PathBuf,
    /// Another hub's public key, and a device key no snapshot was made for.
    other_hub: PathBuf,
    other_device: PathBuf,
    /// This laptop's device key, protected by [`PIN`].
    pin_key: PathBuf,
}

/// The PIN of [`Bed::pin_key`].
const PIN: &str = "drill pin 2026";

fn bed() -> &'static Bed {
    static BED: OnceLock<Bed> = OnceLock::new();
    BED.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let bed = Testbed::make_at(&tmp.path().join("laptop"), 120, now());
        let created = now().to_utc();
        let previous = bed.snapshots.join("previous.fcs");
        bed.snapshot(&previous, created - Duration::days(2), str::to_owned);
        // Copied after drill.fcs: the newer file on disk holds the older data.
        touch(
            &bed.drill,
            std::time::SystemTime::now() - std::time::Duration::from_secs(3600),
        );
        touch(&previous, std::time::SystemTime::now());

        let after_event = tmp.path().join("after-event");
        std::fs::create_dir_all(&after_event).expect("folder");
        bed.snapshot(&after_event.join("event.fcs"), created, |policy| {
            policy
                .replace(
                    "# start = \"2026-11-01T00:00:00+09:00\"",
                    "start = \"2026-10-01T00:00:00+09:00\"",
                )
                .replace(
                    "# end   = \"2026-12-01T00:00:00+09:00\"",
                    "end   = \"2026-10-31T00:00:00+09:00\"",
                )
        });
        let no_override = tmp.path().join("no-override");
        std::fs::create_dir_all(&no_override).expect("folder");
        bed.snapshot(
            &no_override.join("old.fcs"),
            created - Duration::days(40),
            |policy| policy.replace("expired_snapshot = true", "expired_snapshot = false"),
        );

        let lease_over = tmp.path().join("lease-over");
        std::fs::create_dir_all(&lease_over).expect("folder");
        // Expired 30 days before NOW: past the 14-day lease, so not even break-glass opens it.
        bed.snapshot(
            &lease_over.join("old.fcs"),
            created - Duration::days(60),
            str::to_owned,
        );

        let keys = tmp.path().join("other-keys");
        std::fs::create_dir_all(&keys).expect("folder");
        let other_hub = keys.join("other-hub.pub");
        let public = fieldchart_vault::generate_signing_key(&keys.join("other-hub.key"))
            .expect("another hub's key");
        std::fs::write(&other_hub, format!("{public}\n")).expect("other-hub.pub");
        let other_device = keys.join("other-device.key");
        fieldchart_vault::generate_device_identity(&other_device).expect("another device key");
        let pin_key = keys.join("pin-device.key");
        bed.device_key_with_pin(&pin_key, PIN);
        Bed {
            tmp,
            bed,
            previous,
            after_event,
            no_override,
            lease_over,
            other_hub,
            other_device,
            pin_key,
        }
    })
}

/// The hub's repository (a folder, as a USB stick carries it) holding a drill snapshot made an hour
/// before [`NOW`], published twice, and a copy of it as the first publication left it (a replay).
struct Repos {
    repo: PathBuf,
    old: PathBuf,
}

fn repos() -> &'static Repos {
    static REPOS: OnceLock<Repos> = OnceLock::new();
    REPOS.get_or_init(|| {
        let b = bed();
        let hub = b.tmp.path().join("hub-repository");
        let repo = hub.join("repo");
        let built = hub.join("built.fcs");
        std::fs::create_dir_all(&hub).unwrap();
        let at = now().to_utc();
        b.bed
            .snapshot(&built, at - TimeDelta::hours(1), str::to_owned);
        b.bed.publish_built(&repo, &built, at);
        let old = hub.join("old-copy");
        copy_dir(&repo, &old);
        b.bed.publish_built(&repo, &built, at);
        // The synced file's name is its SHA-256 and the chain file's the hub key's: both random.
        let sha = {
            use std::io::Read;
            let mut bytes = Vec::new();
            std::fs::File::open(&built)
                .unwrap()
                .read_to_end(&mut bytes)
                .unwrap();
            let targets = std::fs::read_dir(repo.join("targets")).unwrap();
            let names: Vec<String> = targets
                .filter_map(Result::ok)
                .map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .trim_end_matches(".fcs")
                        .to_owned()
                })
                .collect();
            assert_eq!(names.len(), 1, "one file in the repository");
            names[0].clone()
        };
        let len = std::fs::metadata(&built).unwrap().len();
        VARYING.lock().unwrap().extend([
            (sha, "the-synced-file-sha256".to_owned()),
            (
                format!("\"fetchedBytes\": {len}"),
                "\"fetchedBytes\": 2097152".to_owned(),
            ),
        ]);
        Repos { repo, old }
    })
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

/// A laptop with its own empty snapshot folder that syncs from `source`.
fn syncing(source: &Path) -> Laptop {
    let mut l = Laptop::with(|c| c.sync_source = Some(show(source)));
    let folder = l._dir.path().join("snapshots");
    std::fs::create_dir_all(&folder).unwrap();
    SYNCED.lock().unwrap().push(folder.clone());
    l.config.snapshot_dirs = vec![folder];
    l.desk = Desk::new(l.config.clone());
    l
}

fn touch(path: &Path, at: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(at))
        .expect("set the file's modification time");
}

/// A laptop on the testbed at [`NOW`] in Japan, with its own audit logs and a clock to move.
struct Laptop {
    desk: Desk,
    config: Config,
    clock: Arc<Mutex<DateTime<Utc>>>,
    _dir: tempfile::TempDir,
}

impl Laptop {
    fn new() -> Laptop {
        Laptop::with(|_| {})
    }

    fn with(change: impl FnOnce(&mut Config)) -> Laptop {
        let b = bed();
        let dir = tempfile::tempdir_in(b.tmp.path()).expect("tempdir");
        HOMES.lock().unwrap().push(dir.path().to_path_buf());
        let clock = Arc::new(Mutex::new(now().to_utc()));
        let at = clock.clone();
        let mut config = Config {
            snapshot_dirs: vec![b.bed.snapshots.clone()],
            removable_roots: vec![],
            device_keys: vec![b.bed.device_key.clone()],
            trusted: vec![b.bed.hub_pub.clone()],
            audit_log: dir.path().join("real").join("audit.log"),
            drill_audit_log: dir.path().join("drill").join("audit.log"),
            sync_source: None,
            sync_http: Default::default(),
            clock: Arc::new(move || *at.lock().unwrap()),
            zone: Zone::Fixed(*now().offset()),
        };
        change(&mut config);
        Laptop {
            desk: Desk::new(config.clone()),
            config,
            clock,
            _dir: dir,
        }
    }

    /// A laptop whose only snapshot folder is `folder`.
    fn of(folder: &Path) -> Laptop {
        let folder = folder.to_path_buf();
        Laptop::with(|c| c.snapshot_dirs = vec![folder])
    }

    fn wait(&self, seconds: i64) {
        *self.clock.lock().unwrap() += TimeDelta::seconds(seconds);
    }

    fn unlocked(mut self, path: &Path) -> Laptop {
        self.desk.start().unwrap();
        self.desk.unlock(&show(path), None, None).unwrap();
        self
    }

    fn declared(self, profession: &str, auth: Option<&str>) -> Laptop {
        let mut l = self.unlocked(&bed().bed.drill);
        l.desk
            .declare(
                "訓練 太郎",
                profession,
                "DMAT-01",
                "",
                auth.map(str::to_owned),
            )
            .unwrap();
        l
    }
}

/// A folder for another snapshot of the testbed (its random snapshot ID is scrubbed by the
/// folder, like the others', and named after the file), built by `build` into
/// `root/folder/stem.fcs`, and a laptop over it, unlocked and declared as a doctor.
fn doctor_over(root: &Path, (folder, stem): (&str, &str), build: impl FnOnce(&Path)) -> Laptop {
    let folder = root.join(folder);
    std::fs::create_dir_all(&folder).unwrap();
    SYNCED.lock().unwrap().push(folder.clone());
    let file = folder.join(format!("{stem}.fcs"));
    build(&file);
    let mut l = Laptop::of(&folder);
    l.desk.start().unwrap();
    l.desk.unlock(&show(&file), None, None).unwrap();
    l.desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    l
}

fn show(p: &Path) -> String {
    p.display().to_string()
}

fn both() -> Vec<Identifier> {
    vec![Identifier::Name, Identifier::Dob]
}

/// Each laptop's own folder (its audit logs and drill reports), a new temporary one every run.
static HOMES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Other words that differ between runs, and what stands for them.
static VARYING: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
/// The snapshot folders laptops synced into (their chain's snapshot IDs are random too).
static SYNCED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Turns what differs between runs by nature into stable words.
fn scrub(json: String) -> String {
    let b = bed();
    let mut pairs: Vec<(String, String)> = HOMES
        .lock()
        .unwrap()
        .iter()
        .map(|home| (show(home), "/home/field/.local/share/fieldchart".to_owned()))
        .collect();
    pairs.extend(VARYING.lock().unwrap().iter().cloned());
    pairs.push((show(b.tmp.path()), String::new()));
    let key = |p: &Path| std::fs::read_to_string(p).unwrap().trim().to_owned();
    pairs.push((key(&b.bed.hub_pub), "fcsig1-the-hub-key".into()));
    pairs.push((key(&b.other_hub), "fcsig1-another-hub-key".into()));
    // Every snapshot's ID is random: name it by its file.
    let mut folders = vec![
        b.bed.snapshots.clone(),
        b.after_event.clone(),
        b.no_override.clone(),
        b.lease_over.clone(),
    ];
    folders.extend(SYNCED.lock().unwrap().iter().cloned());
    folders.sort();
    for folder in folders {
        // A synced laptop's folder is gone once its laptop is.
        for entry in std::fs::read_dir(&folder)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let path = entry.path();
            let trusted = fieldchart_vault::TrustedKey::parse(&key(&b.bed.hub_pub)).unwrap();
            let outline =
                fieldchart_vault::check_outline_even_if_expired(&path, &[trusted], now().to_utc());
            if path.extension().is_some_and(|x| x == "fcchain") {
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                pairs.push((stem, "hub-the-hub".to_owned()));
            } else if let Ok(o) = outline {
                // A synced chain's member is named by its SHA-256, which is random too.
                let stem = match path.extension().is_some_and(|x| x == "fcm") {
                    true => "synced".to_owned(),
                    false => path.file_stem().unwrap().to_string_lossy().into_owned(),
                };
                pairs.push((o.snapshot_id, format!("{stem}-snapshot-id")));
            }
        }
    }
    let mut out = json;
    for (from, to) in pairs {
        out = out.replace(&from, &to);
    }
    out
}

fn pretty(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a screen serialises");
    text.push('\n');
    scrub(text)
}

/// Compares `path` (under the repository) with `actual`, or rewrites it under `UPDATE_EXPECT=1`.
fn expect(path: &str, actual: &str) {
    let file = repo().join(path);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, actual).unwrap();
        return;
    }
    let checked_in = std::fs::read_to_string(&file).unwrap_or_default();
    if checked_in != actual {
        let line = checked_in
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(checked_in.lines().count().min(actual.lines().count()));
        panic!(
            "{path} is not what the desk produces now (first difference at line {}: {:?} vs {:?}).\n\
             If the change is intended, run `UPDATE_EXPECT=1 cargo test -p fieldchart-desk --test \
             contract` and check the diff.",
            line + 1,
            checked_in.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn every_screen_is_rendered_by_the_real_desk_as_the_uis_fixtures() {
    let b = bed();
    let mut screens: BTreeMap<&str, String> = BTreeMap::new();

    let mut l = Laptop::new();
    let start = l.desk.start().unwrap();
    let order: Vec<(String, ValidityState)> = start
        .snapshots
        .iter()
        .map(|c| (c.path.clone(), c.validity.state))
        .collect();
    assert_eq!(
        order,
        [
            (show(&b.bed.drill), ValidityState::Valid),
            (show(&b.previous), ValidityState::Superseded),
            (show(&b.bed.expired), ValidityState::Expired),
        ],
        "the start screen's fixture shows each state a usable snapshot can be in"
    );
    screens.insert("start", pretty(&start));
    let declare = l.desk.unlock(&show(&b.bed.drill), None, None).unwrap();
    screens.insert("declare", pretty(&declare));
    let search = l
        .desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    screens.insert("search", pretty(&search));
    let results = l.desk.search("やまだ", None, None, None).unwrap();
    screens.insert("results", pretty(&results));
    // The persona who refused consent to sharing: his row says break-glass opens it.
    let refused = l.desk.search("すずき しげる", None, None, None).unwrap();
    assert!(
        refused
            .results
            .iter()
            .any(|r| r.consent == fieldchart_policy::Consent::Refused),
        "the drill consent list's refusal is a row of its own"
    );
    screens.insert("results-refused", pretty(&refused));
    // The index links the persona with a patient of another facility by mistake: the persona's
    // row warns that the linked facilities disagree (the fixture of a data-quality warning).
    let stranger = results
        .results
        .iter()
        .find(|r| r.linked.is_empty())
        .expect("a result the hub linked with nobody");
    let (pf, pp) = PERSONA;
    let mut w = doctor_over(b.tmp.path(), ("wrong-link", "linked"), |file| {
        b.bed.snapshot_linking(
            file,
            now().to_utc(),
            &[((pf, pp), (&stranger.facility.code, &stranger.patient_id))],
        )
    });
    let warned = w.desk.search("やまだ", None, None, None).unwrap();
    assert!(
        warned
            .results
            .iter()
            .any(|r| r.patient_id == pp && !r.warnings.is_empty()),
        "the wrong link is a warning on the persona's row"
    );
    screens.insert("results-link-warning", pretty(&warned));
    // Every drill patient lives in 宮城県: more than the policy's maximum match, and none is listed.
    let too_broad = l.desk.search("宮城", None, None, None).unwrap();
    assert!(too_broad.results.is_empty() && too_broad.too_broad.is_some());
    screens.insert("results-too-broad", pretty(&too_broad));

    let mut doctor = Laptop::new().declared("doctor", None);
    doctor
        .desk
        .search("やまだ はなこ", None, None, None)
        .unwrap();
    let (f, p) = PERSONA;
    let record = doctor.desk.open_record(f, p, &both(), None).unwrap();
    screens.insert("record-doctor", pretty(&record));
    screens.insert("print", pretty(&doctor.desk.print_summary().unwrap()));
    assert!(
        record
            .linked
            .iter()
            .any(|m| m.facility.code == PERSONA_SECOND.0 && m.state == MemberState::Shown),
        "the persona's record gathers her second hospital's data"
    );
    // Had she refused sharing at the second hospital, its data would be withheld and named.
    let mut w = doctor_over(b.tmp.path(), ("withheld-member", "withheld"), |file| {
        b.bed.snapshot_with_consent(
            file,
            now().to_utc(),
            &format!(
                "facility,patient_id,state\n{f},{p},consented\n{},{},refused\n",
                PERSONA_SECOND.0, PERSONA_SECOND.1
            ),
        )
    });
    w.desk.search("やまだ はなこ", None, None, None).unwrap();
    let partial = w.desk.open_record(f, p, &both(), None).unwrap();
    assert!(
        partial
            .linked
            .iter()
            .any(|m| m.facility.code == PERSONA_SECOND.0 && m.state == MemberState::Withheld),
        "a facility whose patient refused sharing is withheld and named"
    );
    screens.insert("record-linked-withheld", pretty(&partial));
    // Had the index not linked her two registrations, each record would say "possibly the same
    // person (not confirmed by the hub)", and why.
    let mut u = doctor_over(b.tmp.path(), ("unlinked", "unlinked"), |file| {
        b.bed
            .snapshot_unlinking(file, now().to_utc(), ((f, p), PERSONA_SECOND))
    });
    u.desk.search("やまだ はなこ", None, None, None).unwrap();
    let possibly = u.desk.open_record(f, p, &both(), None).unwrap();
    assert!(
        !possibly.possibly.is_empty(),
        "her other registration is suggested"
    );
    screens.insert("record-possibly", pretty(&possibly));
    // Patients whose letters are a wound photo and a scanned PDF (the persona's is CDA text,
    // signed inside, XAdES), and one whose letter has a detached CAdES signature beside it.
    for (name, file) in [
        ("record-documents", "main_document.jpg"),
        ("record-scan", "main_document.pdf"),
        ("record-cades", "main_document.xml.p7s"),
    ] {
        // The first such patient who did not refuse consent, found by their ID.
        let (df, dp) = b
            .bed
            .patients_with_file(file)
            .into_iter()
            .find(|(f, p)| {
                let found = doctor.desk.search(p, None, None, None).unwrap();
                found.results.iter().any(|r| {
                    (&r.facility.code, &r.patient_id) == (f, p)
                        && r.consent != fieldchart_policy::Consent::Refused
                })
            })
            .unwrap_or_else(|| panic!("a patient with {file} in the testbed"));
        let shown = match doctor.desk.open_record(&df, &dp, &both(), None) {
            Err(e) if e.kind == ErrorKind::NeedsBasis => doctor
                .desk
                .open_record(&df, &dp, &both(), Some("vital-interest"))
                .unwrap(),
            other => other.unwrap(),
        };
        screens.insert(name, pretty(&shown));
    }

    let mut clerk = Laptop::new().declared("clerk", Some(CLERK_CODE));
    clerk
        .desk
        .search("やまだ はなこ", None, None, None)
        .unwrap();
    let record = clerk.desk.open_record(f, p, &both(), None).unwrap();
    screens.insert("record-clerk", pretty(&record));

    // Lock after the emergency passphrase (resuming asks for it again).
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    l.desk
        .unlock(&show(&b.bed.drill), Some(PASSPHRASE.into()), None)
        .unwrap();
    l.desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    screens.insert("lock", pretty(&l.desk.lock().unwrap()));

    // A device key protected by a PIN: the start screen says so, and resuming asks for it.
    let pin_key = b.pin_key.clone();
    let mut l = Laptop::with(|c| c.device_keys = vec![pin_key]);
    let start = l.desk.start().unwrap();
    assert!(start.device_key_pin);
    screens.insert("start-pin", pretty(&start));
    l.desk
        .unlock_device_key(&show(&b.bed.drill), Some(PIN.into()), None)
        .unwrap();
    l.desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    let lock = l.desk.lock().unwrap();
    assert!(lock.pin);
    screens.insert("lock-pin", pretty(&lock));
    assert_eq!(l.desk.resume(None).unwrap_err().kind, ErrorKind::WrongPin);
    l.desk.resume(Some(PIN.into())).unwrap();

    // A drill walked with a clock the test moves: the report's seconds are the waits.
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    l.wait(12);
    l.desk.mark_step(Step::Unlock).unwrap();
    l.wait(8);
    l.desk.unlock(&show(&b.bed.drill), None, None).unwrap();
    l.wait(21);
    l.desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    l.wait(17);
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    l.desk.open_record(f, p, &both(), None).unwrap();
    l.wait(24);
    l.desk.mark_step(Step::Details).unwrap();
    l.wait(9);
    l.desk.mark_step(Step::Print).unwrap();
    l.desk.print_summary().unwrap();
    l.wait(3);
    screens.insert("end", pretty(&l.desk.end().unwrap()));

    // Sync now, from a folder repository into an empty snapshot folder, then again.
    let mut l = syncing(&repos().repo);
    screens.insert("start-sync", pretty(&l.desk.start().unwrap()));
    let synced = l.desk.sync_now(None).unwrap();
    assert_eq!(synced.outcome, SyncOutcome::Switched);
    screens.insert("sync", pretty(&synced));
    let progress = l.desk.sync_progress();
    // What verifying counts differs by a few bytes between runs, as the file's length does.
    VARYING.lock().unwrap().extend([
        (
            format!("\"done\": {}", progress.done),
            "\"done\": 3145728".to_owned(),
        ),
        (
            format!("\"total\": {}", progress.total),
            "\"total\": 3145728".to_owned(),
        ),
    ]);
    screens.insert("sync-progress", pretty(&progress));
    let again = l.desk.sync_now(None).unwrap();
    assert_eq!(again.outcome, SyncOutcome::AlreadyCurrent);
    screens.insert("sync-current", pretty(&again));

    for (name, json) in &screens {
        expect(&format!("ui/test/fixtures/{name}.json"), json);
    }
}

/// Drives the desk into each error it can meet in the field; the two that no testbed can cause
/// (a snapshot of another content version, a bug) come from the real errors' own mapping.
fn every_error() -> BTreeMap<ErrorKind, AppError> {
    let b = bed();
    let drill = show(&b.bed.drill);
    let mut errors: Vec<AppError> = Vec::new();
    let laptop = |l: &mut Laptop| {
        l.desk.start().unwrap();
    };

    let mut l = Laptop::new();
    laptop(&mut l);
    errors.push(l.desk.unlock("/nowhere/drill.fcs", None, None).unwrap_err());
    errors.push(
        l.desk
            .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
            .unwrap_err(),
    );
    errors.push(
        l.desk
            .unlock(&drill, Some("not the passphrase".into()), None)
            .unwrap_err(),
    );
    errors.push(
        l.desk
            .unlock(&show(&b.bed.expired), None, None)
            .unwrap_err(),
    );

    let other_hub = b.other_hub.clone();
    let mut l = Laptop::with(|c| c.trusted = vec![other_hub]);
    laptop(&mut l);
    errors.push(l.desk.unlock(&drill, None, None).unwrap_err());
    let other_device = b.other_device.clone();
    let mut l = Laptop::with(|c| c.device_keys = vec![other_device]);
    laptop(&mut l);
    errors.push(l.desk.unlock(&drill, None, None).unwrap_err());
    let mut l = Laptop::with(|c| c.device_keys = vec![]);
    laptop(&mut l);
    errors.push(l.desk.unlock(&drill, None, None).unwrap_err());
    let pin_key = b.pin_key.clone();
    let mut l = Laptop::with(|c| c.device_keys = vec![pin_key]);
    laptop(&mut l);
    errors.push(
        l.desk
            .unlock_device_key(&drill, Some("not the pin".into()), None)
            .unwrap_err(),
    );
    // A laptop its hub revoked: the device key is the notice its last sync left in its place.
    let keys = tempfile::tempdir_in(b.tmp.path()).expect("tempdir");
    VARYING.lock().unwrap().push((
        show(keys.path()),
        "/home/field/.config/fieldchart".to_owned(),
    ));
    let revoked_key = keys.path().join("device.key");
    fieldchart_vault::generate_device_identity(&revoked_key).unwrap();
    let revocation = fieldchart_vault::laptop::Revocation {
        laptop: "fcl1-0123456789abcdef0123".into(),
        hub: "fcsig1-the-hub-key".into(),
        at: now().to_utc(),
        targets_version: 7,
    };
    fieldchart_vault::laptop::revoke_identity(&revoked_key, &revocation).unwrap();
    let mut l = Laptop::with(|c| c.device_keys = vec![revoked_key.clone()]);
    laptop(&mut l);
    errors.push(l.desk.unlock(&drill, None, None).unwrap_err());
    std::mem::forget(keys);
    let mut l = Laptop::new();
    *l.clock.lock().unwrap() -= TimeDelta::days(10);
    laptop(&mut l);
    errors.push(l.desk.unlock(&drill, None, None).unwrap_err());

    // Copies the laptop lists, then damaged, cut short, replaced or taken away before unlocking.
    let damage = |name: &str, harm: &dyn Fn(&Path)| {
        let folder = b.tmp.path().join(format!("harmed-{name}"));
        std::fs::create_dir_all(&folder).unwrap();
        let copy = folder.join("drill.fcs");
        std::fs::copy(&b.bed.drill, &copy).unwrap();
        let mut l = Laptop::of(&folder);
        l.desk.start().unwrap();
        harm(&copy);
        l.desk.unlock(&show(&copy), None, None).unwrap_err()
    };
    errors.push(damage("tampered", &|p| {
        let mut bytes = std::fs::read(p).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x01;
        std::fs::write(p, bytes).unwrap();
    }));
    errors.push(damage("truncated", &|p| {
        let len = std::fs::metadata(p).unwrap().len();
        // The length differs by a few bytes between runs (keys and IDs are random).
        VARYING.lock().unwrap().extend([
            (
                format!("{} bytes", len - 4096),
                "<4 KiB short> bytes".to_owned(),
            ),
            (
                format!("have {len}"),
                "have <the snapshot's length>".to_owned(),
            ),
        ]);
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_len(len - 4096)
            .unwrap();
    }));
    errors.push(damage("replaced", &|p| {
        std::fs::write(p, b"a holiday photo, copied over the snapshot").unwrap();
    }));
    errors.push(damage("removed", &|p| std::fs::remove_file(p).unwrap()));

    // The audit log cannot be opened: nothing may be shown.
    let mut l = Laptop::with(|c| {
        std::fs::create_dir_all(&c.drill_audit_log).unwrap();
    });
    laptop(&mut l);
    l.desk.unlock(&drill, None, None).unwrap();
    errors.push(
        l.desk
            .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
            .unwrap_err(),
    );

    let mut l = Laptop::new().declared("doctor", None);
    errors.push(l.desk.search("  ", None, None, None).unwrap_err());
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let (f, p) = PERSONA;
    errors.push(
        l.desk
            .open_record(f, p, &[Identifier::Name, Identifier::Sex], None)
            .unwrap_err(),
    );
    l.desk.lock().unwrap();
    errors.push(l.desk.search("やまだ", None, None, None).unwrap_err());

    // A replayed repository (the old copy, after the laptop synced the newer one), and one whose
    // metadata expired (the laptop's clock two days on).
    let mut l = syncing(&repos().repo);
    l.desk.start().unwrap();
    l.desk.sync_now(None).unwrap();
    let folder = l.config.snapshot_dirs[0].clone();
    let old = show(&repos().old);
    let mut replayed = Laptop::with(|c| {
        c.sync_source = Some(old);
        c.snapshot_dirs = vec![folder];
    });
    replayed.desk.start().unwrap();
    errors.push(replayed.desk.sync_now(None).unwrap_err());
    let mut frozen = syncing(&repos().repo);
    frozen.wait(2 * 24 * 3600);
    frozen.desk.start().unwrap();
    errors.push(frozen.desk.sync_now(None).unwrap_err());

    errors.extend(every_refusal().into_values().map(|(_, e)| e));
    errors.push(
        fieldchart_session::SessionError::ContentVersion {
            found: fieldchart_store::CONTENT_VERSION + 1,
            supported: fieldchart_store::CONTENT_VERSION,
        }
        .into(),
    );
    errors.push(fieldchart_vault::VaultError::WriterFailed.into());

    let mut by_kind = BTreeMap::new();
    for e in errors {
        by_kind.entry(e.kind).or_insert(e);
    }
    by_kind
}

/// Drives the desk into a refusal by each rule the policy applies to a viewer, in the order of
/// [`RULES`].
fn every_refusal() -> BTreeMap<usize, (Rule, AppError)> {
    let b = bed();
    let mut refusals = Vec::new();
    let mut l = Laptop::new().unlocked(&b.bed.drill);
    refusals.push(
        l.desk
            .declare(" ", "doctor", "DMAT-01", "", None)
            .unwrap_err(),
    );
    refusals.push(
        l.desk
            .declare(
                "受付 花子",
                "clerk",
                "避難所受付",
                "",
                Some("DRILL-9999".into()),
            )
            .unwrap_err(),
    );

    let mut l = Laptop::of(&b.after_event).unlocked(&b.after_event.join("event.fcs"));
    refusals.push(
        l.desk
            .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
            .unwrap_err(),
    );

    // Expired snapshots opened by break-glass: refused where the policy allows no override, and
    // where the lease has ended.
    for folder in [&b.no_override, &b.lease_over] {
        let mut l = Laptop::of(folder);
        l.desk.start().unwrap();
        l.desk
            .unlock(
                &show(&folder.join("old.fcs")),
                None,
                Some("避難所で透析患者の薬歴確認が必要".into()),
            )
            .unwrap();
        refusals.push(
            l.desk
                .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
                .unwrap_err(),
        );
    }

    let mut l = Laptop::new().declared("doctor", None);
    let r = l.desk.search("やまだ", None, None, None).unwrap();
    let unknown = r
        .results
        .iter()
        .find(|x| x.consent == fieldchart_policy::Consent::Unknown)
        .expect("a patient the consent list does not name");
    let (f, p) = (unknown.facility.code.clone(), unknown.patient_id.clone());
    refusals.push(l.desk.open_record(&f, &p, &both(), None).unwrap_err());
    l.desk.search("すずき しげる", None, None, None).unwrap();
    let (f, p) = PERSONA_REFUSED;
    refusals.push(l.desk.open_record(f, p, &both(), None).unwrap_err());
    refusals.push(l.desk.break_glass("急ぎ").unwrap_err());

    let mut by_rule = BTreeMap::new();
    for e in refusals {
        let rule = e
            .rule
            .unwrap_or_else(|| panic!("a refusal names its rule: {e:?}"));
        let place = RULES
            .iter()
            .position(|r| *r == rule)
            .expect("a listed rule");
        by_rule.entry(place).or_insert((rule, e));
    }
    by_rule
}

#[test]
fn every_error_kind_is_rendered_by_the_real_desk_as_the_uis_fixture() {
    let errors = every_error();
    let missing: Vec<&ErrorKind> = ErrorKind::VARIANTS
        .iter()
        .filter(|k| !errors.contains_key(k))
        .collect();
    assert!(missing.is_empty(), "no error of kinds {missing:?}");
    let named: serde_json::Map<String, serde_json::Value> = errors
        .iter()
        .map(|(k, e)| (k.as_str().to_owned(), serde_json::to_value(e).unwrap()))
        .collect();
    expect("ui/test/fixtures/errors.json", &pretty(&named));
}

#[test]
fn a_refusal_names_the_policys_rule_and_each_reachable_rule_is_a_fixture() {
    let refusals = every_refusal();
    let by = |rule: Rule| refusals.values().find(|(r, _)| *r == rule).map(|(_, e)| e);
    // Withheld sections are shown as withheld, never refused: no request is refused by `section`.
    let unreachable = [Rule::Section];
    let missing: Vec<&Rule> = RULES
        .iter()
        .filter(|r| by(**r).is_none() && !unreachable.contains(r))
        .collect();
    assert!(missing.is_empty(), "no refusal by {missing:?}");
    assert_eq!(
        by(Rule::Authorisation).map(|e| e.kind),
        Some(ErrorKind::Refused),
        "a wrong clerk code is a refusal"
    );
    assert_eq!(
        by(Rule::ConsentBasis).map(|e| e.kind),
        Some(ErrorKind::NeedsBasis)
    );
    let named: Vec<(&str, &AppError)> = refusals.values().map(|(r, e)| (r.as_str(), e)).collect();
    let named: serde_json::Map<String, serde_json::Value> = named
        .into_iter()
        .map(|(r, e)| (r.to_owned(), serde_json::to_value(e).unwrap()))
        .collect();
    let json = pretty(&named);
    assert!(json.contains("\"rule\": \"authorisation\""), "{json}");
    expect("ui/test/fixtures/refusals.json", &json);
}

#[test]
fn the_contract_lists_are_written_for_the_ui_from_the_desks_types() {
    let c = Contract::get();
    let value = serde_json::to_value(&c).unwrap();
    let mut js = String::from(
        "// The desk's vocabulary, generated from crates/desk/src/contract.rs by\n\
         // crates/desk/tests/contract.rs: do not edit. After a change to the desk's types, run\n\
         // `UPDATE_EXPECT=1 cargo test -p fieldchart-desk --test contract` to rewrite it.\n",
    );
    let names = [
        ("errorKinds", "ERROR_KINDS"),
        ("refusalRules", "REFUSAL_RULES"),
        ("validityStates", "VALIDITY_STATES"),
        ("identifiers", "IDENTIFIERS"),
        ("steps", "STEPS"),
        ("languages", "LANGUAGES"),
        ("methods", "METHODS"),
        ("locations", "LOCATIONS"),
        ("syncOutcomes", "SYNC_OUTCOMES"),
        ("syncPhases", "SYNC_PHASES"),
    ];
    let fields: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(
        fields.len(),
        names.len(),
        "every list of the contract is written: {fields:?}"
    );
    for (field, name) in names {
        let list = serde_json::to_string_pretty(&value[field]).unwrap();
        js.push_str(&format!("\nexport const {name} = Object.freeze({list});\n"));
    }
    expect("ui/src/contract.js", &js);
}

/// The manual's numbered steps, `**5. まず要約**`.
fn manual_steps(lang: &str) -> BTreeMap<u8, String> {
    let text = std::fs::read_to_string(repo().join(format!("docs/emergency-manual.{lang}.md")))
        .expect("the emergency manual");
    text.lines()
        .filter_map(|line| {
            let (n, rest) = line.strip_prefix("**")?.split_once(". ")?;
            let n: u8 = n.parse().ok().filter(|_| n.len() == 1)?;
            let title = rest.split("**").next()?;
            Some((n, title.trim().to_owned()))
        })
        .collect()
}

#[test]
fn the_desks_step_titles_are_the_manuals_word_for_word() {
    for (lang, title) in [
        ("ja", Step::ja as fn(Step) -> &'static str),
        ("en", Step::en),
    ] {
        let manual = manual_steps(lang);
        let desk: BTreeMap<u8, String> = Step::VARIANTS
            .iter()
            .map(|s| (s.number(), title(*s).to_owned()))
            .collect();
        assert_eq!(desk, manual, "the {lang} manual's steps");
    }
}
