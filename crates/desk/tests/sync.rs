//! "Sync now" through the desk: the hub publishes a testbed snapshot into a repository folder (as a
//! USB stick carries it), and the laptop syncs from it into its own snapshot folder.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, TimeDelta, Utc};
use fieldchart_audit::{Event, Outcome};
use fieldchart_desk::contract::{ErrorKind, SyncOutcome, SyncPhase, ValidityState};
use fieldchart_desk::{Config, Desk, Zone};
use fieldchart_testbed::Testbed;

fn testbed() -> &'static Testbed {
    static BED: OnceLock<(tempfile::TempDir, Testbed)> = OnceLock::new();
    &BED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let bed = Testbed::make(&dir.path().join("laptop"), 40);
        (dir, bed)
    })
    .1
}

/// The hub's side: `snapshot` (a fresh testbed snapshot created at `created`) published as a
/// one-file chain into `repo` at `at`.
fn publish(repo: &Path, snapshot: &Path, created: DateTime<Utc>, at: DateTime<Utc>) {
    testbed().publish(repo, snapshot, created, at);
}

/// A laptop with its own empty snapshot folder, syncing from `source`.
struct Laptop {
    desk: Desk,
    folder: PathBuf,
    real_log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Laptop {
    fn new(source: Option<&Path>, folder: Option<&Path>, now: DateTime<Utc>) -> Laptop {
        let bed = testbed();
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = folder
            .map(Path::to_path_buf)
            .unwrap_or_else(|| dir.path().join("snapshots"));
        std::fs::create_dir_all(&folder).unwrap();
        let real_log = dir.path().join("real").join("audit.log");
        let clock = Arc::new(Mutex::new(now));
        let config = Config {
            snapshot_dirs: vec![folder.clone()],
            removable_roots: vec![],
            device_keys: vec![bed.device_key.clone()],
            trusted: vec![bed.hub_pub.clone()],
            audit_log: real_log.clone(),
            drill_audit_log: dir.path().join("drill").join("audit.log"),
            sync_source: source.map(|s| s.display().to_string()),
            sync_http: Default::default(),
            clock: Arc::new(move || *clock.lock().unwrap()),
            zone: Zone::System,
        };
        Laptop {
            desk: Desk::new(config),
            folder,
            real_log,
            _dir: dir,
        }
    }
}

#[test]
fn sync_now_from_a_folder_repository_switches_the_laptop_to_the_hubs_chain() {
    let hub = tempfile::tempdir().unwrap();
    let repo = hub.path().join("repo");
    let now = Utc::now();
    let built = hub.path().join("first.fcs");
    publish(&repo, &built, now - TimeDelta::hours(2), now);

    let mut l = Laptop::new(Some(&repo), None, now);
    let start = l.desk.start().unwrap();
    let offer = start.sync.as_ref().expect("a sync source offers Sync now");
    assert_eq!(offer.source, repo.display().to_string());
    assert_eq!(offer.into, l.folder.display().to_string());
    assert!(start.snapshots.is_empty());

    let synced = l.desk.sync_now(None).unwrap();
    assert_eq!(synced.outcome, SyncOutcome::Switched);
    assert_eq!((synced.files, synced.fetched), (1, 1));
    assert_eq!(
        synced.fetched_bytes,
        std::fs::metadata(&built).unwrap().len(),
        "the bytes fetched are the file's"
    );
    // The new card is the chain, valid, with the facilities the sync reports after it.
    let [card] = synced.start.snapshots.as_slice() else {
        panic!("one card: {:?}", synced.start.snapshots);
    };
    assert!(card.file.ends_with(".fcchain"), "{}", card.file);
    assert_eq!(card.validity.state, ValidityState::Valid);
    assert!(card.drill);
    assert!(!synced.facilities.is_empty());
    for f in &synced.facilities {
        assert_eq!(f.before, None, "no chain before the first sync: {f:?}");
        let on_card = card
            .facilities
            .iter()
            .find(|c| c.code == f.code)
            .expect("the card lists the facility");
        assert_eq!(f.after, on_card.data_as_of);
        assert!(f.after.is_some() && f.name.is_some(), "{f:?}");
    }
    let progress = l.desk.sync_progress();
    assert!(!progress.running);
    assert_eq!(progress.phase, Some(SyncPhase::Verifying));
    assert!(
        progress
            .file
            .as_deref()
            .is_some_and(|f| f.starts_with("targets/")),
        "{progress:?}"
    );
    // The chain opens.
    l.desk.unlock(&card.path, None, None).unwrap();
    l.desk.start().unwrap();

    // Nothing new: already current, nothing fetched, the same data-as-of before and after.
    let again = l.desk.sync_now(None).unwrap();
    assert_eq!(again.outcome, SyncOutcome::AlreadyCurrent);
    assert_eq!((again.fetched, again.fetched_bytes), (0, 0));
    for f in &again.facilities {
        assert!(f.before.is_some() && f.before == f.after, "{f:?}");
    }

    // The hub publishes a newer snapshot: the laptop switches, and "before" is the old chain's.
    let newer = hub.path().join("second.fcs");
    publish(&repo, &newer, now - TimeDelta::hours(1), now);
    let third = l.desk.sync_now(None).unwrap();
    assert_eq!(third.outcome, SyncOutcome::Switched);
    assert_eq!(third.fetched, 1);
    let after_first: Vec<_> = synced.facilities.iter().map(|f| &f.after).collect();
    let before_third: Vec<_> = third.facilities.iter().map(|f| &f.before).collect();
    assert_eq!(before_third, after_first);
    assert_eq!(third.start.snapshots.len(), 1, "still one card: the chain");

    // Every sync is in the real audit log, with the targets version it brought (what the hub's
    // status compares with its newest publication): the same twice, then the next one.
    let key = fieldchart_vault::load_identity(&testbed().hub_audit_key).unwrap();
    let versions: Vec<Option<u64>> = fieldchart_audit::log::read(&l.real_log, &key)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.entry.event {
            Event::Sync {
                outcome: Outcome::Success,
                targets_version,
                ..
            } => Some(targets_version),
            _ => None,
        })
        .collect();
    assert_eq!(versions.len(), 3);
    let first = versions[0].expect("a repository sync records its targets version");
    assert_eq!(versions, [Some(first), Some(first), Some(first + 1)]);
}

#[test]
fn a_replayed_older_repository_is_a_rollback_and_the_laptop_keeps_its_chain() {
    let hub = tempfile::tempdir().unwrap();
    let repo = hub.path().join("repo");
    let now = Utc::now();
    publish(
        &repo,
        &hub.path().join("a.fcs"),
        now - TimeDelta::hours(2),
        now,
    );
    let old = hub.path().join("old-copy");
    copy_dir(&repo, &old);
    publish(
        &repo,
        &hub.path().join("b.fcs"),
        now - TimeDelta::hours(1),
        now,
    );

    let mut l = Laptop::new(Some(&repo), None, now);
    l.desk.start().unwrap();
    let synced = l.desk.sync_now(None).unwrap();
    let chain = synced.start.snapshots[0].path.clone();
    let held = std::fs::read(&chain).unwrap();

    // The same laptop folder, now given the old copy (a stale USB stick, or a replay).
    let mut replayed = Laptop::new(Some(&old), Some(&l.folder), now);
    replayed.desk.start().unwrap();
    let e = replayed.desk.sync_now(None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Rollback, "{e}");
    assert!(e.message.contains("ROLLBACK"), "{e}");
    assert_eq!(std::fs::read(&chain).unwrap(), held, "the chain is kept");
}

#[test]
fn metadata_past_its_expiry_is_a_freeze() {
    let hub = tempfile::tempdir().unwrap();
    let repo = hub.path().join("repo");
    let now = Utc::now();
    publish(
        &repo,
        &hub.path().join("a.fcs"),
        now - TimeDelta::hours(2),
        now,
    );
    let mut l = Laptop::new(Some(&repo), None, now + TimeDelta::days(2));
    l.desk.start().unwrap();
    let e = l.desk.sync_now(None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Frozen, "{e}");
    assert!(e.message.contains("cut off"), "{e}");
}

#[test]
fn without_a_sync_source_no_sync_is_offered_and_sync_now_is_refused() {
    let mut l = Laptop::new(None, None, Utc::now());
    let start = l.desk.start().unwrap();
    assert!(start.sync.is_none());
    let e = l.desk.sync_now(None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::State, "{e}");
}

#[test]
fn sync_now_is_only_for_the_start_screen() {
    let bed = testbed();
    let hub = tempfile::tempdir().unwrap();
    let repo = hub.path().join("repo");
    let now = Utc::now();
    publish(
        &repo,
        &hub.path().join("a.fcs"),
        now - TimeDelta::hours(2),
        now,
    );
    let mut l = Laptop::new(Some(&repo), Some(&bed.snapshots), now);
    l.desk.start().unwrap();
    l.desk
        .unlock(&bed.drill.display().to_string(), None, None)
        .unwrap();
    let e = l.desk.sync_now(None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::State, "{e}");
    assert!(
        !std::fs::read_dir(&bed.snapshots)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "fcchain")),
        "nothing was synced"
    );
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
