//! The manual's steps through the desk, on a drill testbed (a synthetic region built into a valid
//! and an expired drill snapshot with the drill policy and consent list). The desktop window's
//! end-to-end test walks the same steps through the real UI; these tests pin the decisions.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, TimeDelta, Utc};
use fieldchart_audit::{Event, Record};
use fieldchart_desk::contract::{ErrorKind, Identifier, Location, Method, Step, ValidityState};
use fieldchart_desk::{AppError, Config, Desk, Zone};
use fieldchart_policy::{Basis, Consent, Rule};
use fieldchart_query::record::MemberState;
use fieldchart_testbed::{
    CLERK_CODE, PASSPHRASE, PERSONA, PERSONA_REFUSED, PERSONA_SECOND, Testbed,
};

fn testbed() -> &'static Testbed {
    static BED: OnceLock<(tempfile::TempDir, Testbed)> = OnceLock::new();
    &BED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let bed = Testbed::make(&dir.path().join("laptop"), 120);
        (dir, bed)
    })
    .1
}

/// A laptop configured on the testbed, with its own audit logs and a clock the test can move.
struct Laptop {
    desk: Desk,
    clock: Arc<Mutex<DateTime<Utc>>>,
    drill_log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Laptop {
    fn new() -> Laptop {
        Laptop::with(|_| {})
    }

    /// A laptop whose configuration `change` adjusts (removable media, say).
    fn with(change: impl FnOnce(&mut Config)) -> Laptop {
        let bed = testbed();
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(Mutex::new(Utc::now()));
        let now = clock.clone();
        let drill_log = dir.path().join("drill").join("audit.log");
        let mut config = Config {
            snapshot_dirs: vec![bed.snapshots.clone()],
            removable_roots: vec![],
            device_keys: vec![bed.snapshots.join("keys").join("device.key")],
            trusted: vec![bed.snapshots.join("keys").join("hub.pub")],
            audit_log: dir.path().join("real").join("audit.log"),
            drill_audit_log: drill_log.clone(),
            sync_source: None,
            sync_http: Default::default(),
            clock: Arc::new(move || *now.lock().unwrap()),
            zone: Zone::System,
        };
        change(&mut config);
        Laptop {
            desk: Desk::new(config),
            clock,
            drill_log,
            _dir: dir,
        }
    }

    fn wait(&self, seconds: i64) {
        *self.clock.lock().unwrap() += TimeDelta::seconds(seconds);
    }

    fn path(p: &Path) -> String {
        p.display().to_string()
    }

    /// Steps 1–3 with the device key, as `profession`.
    fn declared(profession: &str, auth: Option<&str>) -> Laptop {
        let mut l = Laptop::new();
        l.desk.start().unwrap();
        l.desk
            .unlock(&Laptop::path(&testbed().drill), None, None)
            .unwrap();
        l.desk
            .declare(
                "訓練 太郎",
                profession,
                "DMAT-01",
                "",
                auth.map(str::to_string),
            )
            .unwrap();
        l
    }

    fn audit(&self) -> Vec<Record> {
        let key = fieldchart_vault::load_identity(&testbed().hub_audit_key).unwrap();
        fieldchart_audit::log::read(&self.drill_log, &key).unwrap()
    }
}

fn both() -> Vec<Identifier> {
    vec![Identifier::Name, Identifier::Dob]
}

#[test]
fn start_lists_each_snapshot_with_its_facilities_validity_and_drill_mark() {
    let mut l = Laptop::new();
    let start = l.desk.start().unwrap();
    assert_eq!(start.step.get(), Step::Start);
    assert!(
        start.device_key.is_some(),
        "the device key is found by itself"
    );
    let card = |p: &Path| {
        start
            .snapshots
            .iter()
            .find(|c| c.path == Laptop::path(p))
            .unwrap_or_else(|| panic!("{} listed", p.display()))
    };
    let drill = card(&testbed().drill);
    assert_eq!(drill.validity.state, ValidityState::Valid);
    assert!(drill.validity.days_left.unwrap() >= 29);
    assert!(drill.drill);
    assert!(drill.passphrase);
    assert_eq!(drill.facilities.len(), 3);
    for f in &drill.facilities {
        assert!(f.name.as_deref().is_some_and(|n| !n.is_empty()), "{f:?}");
        let as_of = f.data_as_of.as_ref().expect("data as of");
        assert!(as_of.era.is_some() && as_of.short.is_some(), "{as_of:?}");
    }
    let expired = card(&testbed().expired);
    assert_eq!(expired.validity.state, ValidityState::Expired);
    assert!(
        expired
            .validity
            .message
            .as_deref()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(
        expired.facilities.len(),
        3,
        "an expired card still says whose data"
    );
    // The expired file is the newer one on disk (the testbed writes it second), yet the card on
    // top is the one that opens.
    assert_eq!(
        start.snapshots[0].path,
        Laptop::path(&testbed().drill),
        "a valid snapshot is listed first"
    );
}

#[test]
fn a_wrong_passphrase_gets_its_own_message_and_the_right_one_opens() {
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    let path = Laptop::path(&testbed().drill);
    let err = l
        .desk
        .unlock(&path, Some("not the passphrase".into()), None)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::WrongPassphrase, "{err:?}");
    let declare = l.desk.unlock(&path, Some(PASSPHRASE.into()), None).unwrap();
    assert_eq!(declare.step.get(), Step::Declare);
    assert!(declare.banner.drill);
    assert_eq!(declare.professions.len(), 10);
    assert!(
        declare
            .professions
            .iter()
            .any(|p| p.words.key == "clerk" && p.needs_auth_code)
    );
}

#[test]
fn an_expired_snapshot_says_so_and_opens_only_by_break_glass() {
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    let path = Laptop::path(&testbed().expired);
    let err = l.desk.unlock(&path, None, None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Expired, "{err:?}");
    l.desk
        .unlock(&path, None, Some("避難所で透析患者の薬歴確認が必要".into()))
        .unwrap();
    let search = l
        .desk
        .declare("訓練 太郎", "医師", "DMAT-01", "", None)
        .unwrap();
    assert!(
        search.banner.break_glass.is_some(),
        "break-glass is on every screen"
    );
}

#[test]
fn break_glass_opens_an_expired_snapshot_only_within_its_lease_and_a_clock_turned_back_does_not_stretch_it()
 {
    // The expired drill snapshot ended 10 days ago; the drill policy's lease is 14 days.
    let path = Laptop::path(&testbed().expired);
    let mut l = Laptop::new();
    // Unlock by break-glass and declare: what a clinician does with an expired snapshot.
    let attempt = |l: &mut Laptop| {
        l.desk.start().unwrap();
        l.desk
            .unlock(&path, None, Some("避難所で透析患者の薬歴確認が必要".into()))
            .unwrap();
        l.desk.declare("訓練 太郎", "医師", "DMAT-01", "", None)
    };
    attempt(&mut l).expect("within the lease, break-glass opens it");
    l.desk.end().unwrap();

    // Five days on, the lease has ended: nothing opens it, with its own rule. The refusal is the
    // log's newest entry, written with the laptop's clock of five days on.
    l.wait(5 * 86_400);
    let err = attempt(&mut l).unwrap_err();
    assert_eq!(err.rule, Some(Rule::LeaseEnded), "{err:?}");
    assert!(err.message.contains("lease ended"), "{}", err.message);

    // The clock is then turned back to inside the lease. The lease is judged by the log's later
    // time all the same.
    l.wait(-5 * 86_400);
    let err = attempt(&mut l).unwrap_err();
    assert_eq!(err.rule, Some(Rule::LeaseEnded), "{err:?}");
    // That refusal was written with the turned-back clock, so the log's newest entry is now
    // backdated; the laptop's clock floor still holds the later time, so trying again (and again)
    // gains nothing.
    for _ in 0..2 {
        l.desk.end().ok();
        let err = attempt(&mut l).unwrap_err();
        assert_eq!(err.rule, Some(Rule::LeaseEnded), "{err:?}");
    }
    let audit = l.audit();
    assert!(
        audit
            .iter()
            .any(|r| matches!(&r.entry.event, Event::ClockAnomaly { .. })
                || r.entry.clock.anomaly.is_some()),
        "the clock turned back is flagged in the trail"
    );
}

#[test]
fn search_finds_the_persona_by_kana_romaji_and_era_birth_date() {
    let mut l = Laptop::declared("doctor", None);
    for (query, dob) in [
        ("やまだ はなこ", None),
        ("yamada hanako", None),
        ("", Some("S45.3.12")),
    ] {
        let r = l.desk.search(query, dob, Some("女"), None).unwrap();
        let hit = r
            .results
            .iter()
            .find(|x| (x.facility.code.as_str(), x.patient_id.as_str()) == PERSONA)
            .unwrap_or_else(|| panic!("{query:?} {dob:?} finds the persona"));
        let dob = hit.dob.as_ref().unwrap();
        assert_eq!(dob.iso, "1970-03-12");
        assert_eq!(dob.short.as_deref(), Some("S45.3.12"));
        assert_eq!(hit.consent, Consent::Consented);
        assert!(
            hit.identifiers.contains(&Identifier::Name)
                && hit.identifiers.contains(&Identifier::Dob)
        );
        assert!(hit.facility.name.is_some());
    }
}

#[test]
fn a_search_that_matches_the_whole_region_lists_nobody_and_asks_to_narrow_it() {
    // Every drill patient lives in 宮城県: more than the drill policy's 100 results match.
    let mut l = Laptop::declared("clerk", Some(CLERK_CODE));
    let r = l.desk.search("宮城", None, None, None).unwrap();
    assert!(r.results.is_empty(), "no identity is listed");
    let too_broad = r
        .too_broad
        .expect("the screen says the search was too broad");
    assert_eq!(too_broad.more_than, 100);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["tooBroad"]["moreThan"], 100, "{json}");
    assert_eq!(json["results"], serde_json::json!([]));
    let (f, p) = PERSONA;
    let refused = l.desk.open_record(f, p, &both(), None).unwrap_err();
    assert_eq!(
        refused.kind,
        ErrorKind::State,
        "only a listed patient opens: {refused:?}"
    );
    let searches: Vec<Event> = l
        .audit()
        .into_iter()
        .map(|r| r.entry.event)
        .filter(|e| matches!(e, Event::Search { .. }))
        .collect();
    assert_eq!(
        searches,
        [Event::Search {
            query: "宮城".into(),
            results: 0,
            too_broad: Some(100)
        }],
        "the audit records the search and that it was too broad"
    );
    let narrowed = l
        .desk
        .search("やまだ はなこ", Some("S45.3.12"), None, None)
        .unwrap();
    assert!(narrowed.too_broad.is_none());
    assert!(
        !narrowed.results.is_empty(),
        "a narrow search lists its patients"
    );
}

#[test]
fn a_record_opens_only_on_two_identifiers_and_shows_what_keeps_her_alive() {
    let mut l = Laptop::declared("doctor", None);
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let (f, p) = PERSONA;
    let one = l
        .desk
        .open_record(f, p, &[Identifier::Name, Identifier::Name], None)
        .unwrap_err();
    assert_eq!(one.kind, ErrorKind::NeedsConfirmation);
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    assert_eq!(r.step.get(), Step::Summary);
    let classes: Vec<&str> = r.critical.iter().map(|c| c.class).collect();
    assert!(classes.contains(&"anticoagulant"), "{classes:?}");
    assert!(classes.contains(&"severe-drug-allergy"), "{classes:?}");
    assert!(
        r.critical.iter().any(|c| c.what.contains("ペニシリン")),
        "{:?}",
        r.critical
    );
    let warfarin = r
        .summary
        .medicines
        .iter()
        .find(|m| m.drug.contains("ワーファリン"))
        .expect("current warfarin");
    assert!(warfarin.dose.is_some() && warfarin.usage.is_some() && warfarin.days.is_some());
    assert!(warfarin.last_prescribed.is_some());
    assert_eq!(warfarin.facility.code, f);
    // The band says how much she takes, not only the 1 mg product, and since which day (an
    // order's start hour 00 is no time of day).
    let band = r
        .critical
        .iter()
        .find(|c| c.class == "anticoagulant")
        .unwrap();
    let dose = warfarin.dose.as_deref().unwrap();
    assert!(
        band.what.contains("ワーファリン") && band.what.contains(dose),
        "{band:?}"
    );
    let since = band.date.as_ref().expect("the band's date");
    assert_eq!(since.time, None, "{since:?}");
    // A problem diagnosed a month after its onset shows both days.
    let af = r
        .summary
        .problems
        .iter()
        .find(|p| p.text.contains("心房細動"))
        .expect("atrial fibrillation");
    let onset = af
        .onset
        .as_ref()
        .expect("its onset, another day than the diagnosis");
    assert_ne!(Some(&onset.iso), af.date.as_ref().map(|d| &d.iso));
    let inr = r
        .summary
        .trends
        .iter()
        .find(|t| t.name.contains("INR"))
        .expect("a PT-INR trend");
    assert!(inr.points.len() >= 2);
    assert!(
        inr.points
            .windows(2)
            .all(|w| w[0].date.iso <= w[1].date.iso),
        "oldest first"
    );
    for row in r
        .summary
        .allergies
        .iter()
        .chain(&r.summary.problems)
        .chain(&r.summary.labs)
        .chain(&r.summary.encounters)
    {
        assert!(!row.facility.code.is_empty());
        assert!(row.date.is_some(), "every item has its date: {row:?}");
    }
    assert!(r.access.withheld.is_empty());
    assert!(r.data_as_of.as_of.is_some());
    assert!(!r.data_as_of.stale);
}

#[test]
fn a_record_not_among_the_results_shown_does_not_open() {
    let mut l = Laptop::declared("doctor", None);
    l.desk.search("さとう けんいち", None, None, None).unwrap();
    let (f, p) = PERSONA;
    let err = l.desk.open_record(f, p, &both(), None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::State);
}

#[test]
fn unknown_consent_asks_for_a_legal_basis() {
    let mut l = Laptop::declared("doctor", None);
    let r = l.desk.search("さとう けんいち", None, None, None).unwrap();
    let hit = r
        .results
        .iter()
        .find(|x| x.consent == Consent::Unknown)
        .expect("a patient the consent list does not name");
    let (f, p) = (hit.facility.code.clone(), hit.patient_id.clone());
    let err = l.desk.open_record(&f, &p, &both(), None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NeedsBasis, "{err:?}");
    let r = l
        .desk
        .open_record(&f, &p, &both(), Some("vital-interest"))
        .unwrap();
    assert_eq!(r.access.basis, Basis::VitalInterest);
}

#[test]
fn a_refusal_opens_only_after_break_glass_which_then_shows_everywhere() {
    let mut l = Laptop::declared("doctor", None);
    l.desk.search("すずき しげる", None, None, None).unwrap();
    let (f, p) = PERSONA_REFUSED;
    let err = l.desk.open_record(f, p, &both(), None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Refused);
    assert_eq!(err.rule, Some(Rule::ConsentRefused));
    let short = l.desk.break_glass("急ぎ").unwrap_err();
    assert_eq!(
        short.kind,
        ErrorKind::Refused,
        "a reason under 8 characters"
    );
    assert_eq!(short.rule, Some(Rule::BreakGlass));
    let banner = l
        .desk
        .break_glass("意識障害で搬送、服薬確認が必要")
        .unwrap();
    assert!(banner.break_glass.is_some());
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    assert_eq!(r.access.basis, Basis::BreakGlass);
    assert!(r.banner.break_glass.is_some());
}

#[test]
fn a_clerk_without_the_code_is_refused_and_may_declare_again_without_unlocking() {
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    l.desk
        .unlock(&Laptop::path(&testbed().drill), None, None)
        .unwrap();
    let err = l
        .desk
        .declare("受付 花子", "clerk", "避難所受付", "", None)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Refused, "{err:?}");
    assert_eq!(
        err.rule,
        Some(Rule::Authorisation),
        "the code is what is wrong"
    );
    let wrong = l
        .desk
        .declare(
            "受付 花子",
            "clerk",
            "避難所受付",
            "",
            Some("DRILL-9999".into()),
        )
        .unwrap_err();
    assert_eq!(wrong.rule, Some(Rule::Authorisation), "{wrong:?}");
    let ok = l
        .desk
        .declare(
            "受付 花子",
            "clerk",
            "避難所受付",
            "",
            Some(CLERK_CODE.into()),
        )
        .unwrap();
    assert_eq!(ok.step.get(), Step::Find);
}

#[test]
fn a_clerk_is_refused_the_medicines_and_told_so() {
    let mut l = Laptop::declared("clerk", Some(CLERK_CODE));
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let (f, p) = PERSONA;
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    let withheld: Vec<&str> = r.access.withheld.iter().map(|w| w.key).collect();
    assert!(withheld.contains(&"medications"), "{withheld:?}");
    assert!(r.summary.medicines.is_empty());
    assert!(r.details.medicines.is_empty());
    assert!(
        !r.critical.iter().any(|c| c.class == "anticoagulant"),
        "a withheld medicine does not leak through the banner: {:?}",
        r.critical
    );
}

#[test]
fn printing_is_audited_before_the_page_is_given() {
    let mut l = Laptop::declared("doctor", None);
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let err = l.desk.print_summary().unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::State,
        "nothing to print before a record"
    );
    let (f, p) = PERSONA;
    l.desk.open_record(f, p, &both(), None).unwrap();
    let page = l.desk.print_summary().unwrap();
    assert_eq!(page.step.get(), Step::Print);
    assert!(!page.critical.is_empty());
    let records = l.audit();
    let printed: Vec<&Record> = records
        .iter()
        .filter(|r| matches!(r.entry.event, Event::Print { .. }))
        .collect();
    assert_eq!(printed.len(), 1);
    let Event::Print { patient, .. } = &printed[0].entry.event else {
        unreachable!()
    };
    assert_eq!(patient.as_ref().unwrap().patient_id, p);
}

#[test]
fn idle_time_locks_the_session_and_the_same_viewer_resumes() {
    let mut l = Laptop::declared("doctor", None);
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    l.wait(4 * 60);
    l.desk.activity().unwrap();
    l.wait(4 * 60);
    l.desk
        .search("やまだ", None, None, None)
        .expect("input four minutes ago keeps it open");
    l.wait(5 * 60);
    let err: AppError = l.desk.search("やまだ", None, None, None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Locked);
    assert_eq!(l.desk.activity().unwrap_err().kind, ErrorKind::Locked);
    let back = l.desk.resume(None).unwrap();
    assert_eq!(back.banner.viewer.unwrap().name, "訓練 太郎");
    let locks = l
        .audit()
        .iter()
        .filter(|r| matches!(r.entry.event, Event::Lock))
        .count();
    assert_eq!(locks, 1, "the idle lock is audited");
}

#[test]
fn a_passphrase_session_resumes_only_with_the_passphrase() {
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    l.desk
        .unlock(
            &Laptop::path(&testbed().drill),
            Some(PASSPHRASE.into()),
            None,
        )
        .unwrap();
    l.desk
        .declare("訓練 太郎", "看護師", "救護班", "", None)
        .unwrap();
    let lock = l.desk.lock().unwrap();
    assert_eq!(lock.method, Method::Passphrase);
    assert_eq!(
        l.desk.resume(Some("wrong".into())).unwrap_err().kind,
        ErrorKind::WrongPassphrase
    );
    assert_eq!(
        l.desk.resume(None).unwrap_err().kind,
        ErrorKind::WrongPassphrase
    );
    l.desk.resume(Some(PASSPHRASE.into())).unwrap();
}

#[test]
fn a_device_key_with_a_pin_asks_for_it_to_unlock_and_resume_and_a_wrong_one_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("device.key");
    testbed().device_key_with_pin(&key, "shelter 7 pin");
    let protected = key.clone();
    let mut l = Laptop::with(|c| c.device_keys = vec![protected]);
    assert!(l.desk.start().unwrap().device_key_pin);
    let drill = Laptop::path(&testbed().drill);
    let e = l.desk.unlock(&drill, None, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::WrongPin, "no PIN typed: {e}");
    let e = l
        .desk
        .unlock_device_key(&drill, Some("shelter 8 pin".into()), None)
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::WrongPin);
    l.desk
        .unlock_device_key(&drill, Some("shelter 7 pin".into()), None)
        .unwrap();
    l.desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    let lock = l.desk.lock().unwrap();
    assert_eq!((lock.method, lock.pin), (Method::DeviceKey, true));
    assert_eq!(l.desk.resume(None).unwrap_err().kind, ErrorKind::WrongPin);
    assert_eq!(
        l.desk
            .resume(Some("shelter 8 pin".into()))
            .unwrap_err()
            .kind,
        ErrorKind::WrongPin
    );
    l.desk.resume(Some("shelter 7 pin".into())).unwrap();
    let failed: Vec<_> = l
        .audit()
        .into_iter()
        .filter_map(|r| match r.entry.event {
            Event::UnlockFailed { reason, .. } => Some((reason, r.entry.actor.is_some())),
            _ => None,
        })
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "each wrong PIN, not the one never typed: {failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|(reason, _)| reason.contains("PIN does not open"))
    );
    assert_eq!(
        failed.iter().map(|(_, who)| *who).collect::<Vec<_>>(),
        [false, true],
        "the resume's names the viewer who locked"
    );
}

#[test]
fn documents_are_served_only_for_the_record_on_screen() {
    let mut l = Laptop::declared("doctor", None);
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let (f, p) = PERSONA;
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    let file = r
        .details
        .documents
        .iter()
        .flat_map(|d| &d.files)
        .find_map(|x| x.blob)
        .expect("the referral letter's file");
    let blob = l.desk.document(file).unwrap();
    assert!(!blob.base64.is_empty());
    assert_eq!(
        l.desk.document(file + 100_000).unwrap_err().kind,
        ErrorKind::BadInput
    );
    l.desk.close_record().unwrap();
    assert_eq!(l.desk.document(file).unwrap_err().kind, ErrorKind::State);
}

#[test]
fn a_drill_ends_with_a_report_of_the_time_each_step_took() {
    let mut l = Laptop::new();
    l.desk.start().unwrap();
    l.wait(5);
    l.desk
        .unlock(&Laptop::path(&testbed().drill), None, None)
        .unwrap();
    l.wait(20);
    l.desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .unwrap();
    l.wait(30);
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let (f, p) = PERSONA;
    l.desk.open_record(f, p, &both(), None).unwrap();
    l.wait(60);
    l.desk.mark_step(Step::Details).unwrap();
    l.wait(10);
    let end = l.desk.end().unwrap();
    let report = end.report.expect("a drill report");
    let seconds: Vec<(u8, f64)> = report
        .steps
        .iter()
        .map(|s| (s.step.number(), s.seconds))
        .collect();
    assert_eq!(
        seconds,
        vec![
            (1, 5.0),
            (2, 0.0),
            (3, 20.0),
            (4, 30.0),
            (5, 60.0),
            (6, 10.0),
            (8, 0.0)
        ]
    );
    assert_eq!(report.total, 125.0);
    let saved = std::fs::read_to_string(report.saved_to.unwrap()).unwrap();
    assert!(saved.contains("患者を探す / Find the patient"));
    assert!(!saved.contains("山田"), "the report names no patient");
    assert!(l.desk.search("x", None, None, None).is_err(), "all dropped");
}

#[test]
fn a_snapshot_on_removable_media_is_listed_as_removable_and_opens() {
    let media = tempfile::tempdir().unwrap();
    // /media/<user>/<medium>/<folder>/file, as a USB stick from the hub is mounted.
    let folder = media.path().join("HUB-USB").join("fieldchart");
    std::fs::create_dir_all(&folder).unwrap();
    let copy = folder.join("region-drill.fcs");
    std::fs::copy(&testbed().drill, &copy).unwrap();
    std::fs::write(folder.join("notes.fcs"), b"not a snapshot").unwrap();
    let root = media.path().to_path_buf();
    let mut l = Laptop::with(|c| {
        c.removable_roots = vec![root];
        c.snapshot_dirs = vec![];
    });
    let start = l.desk.start().unwrap();
    assert_eq!(
        start.snapshots.len(),
        1,
        "the file without the marker is not listed"
    );
    let card = &start.snapshots[0];
    assert_eq!(card.location, Location::Removable);
    assert_eq!(card.validity.state, ValidityState::Valid);
    l.desk.unlock(&card.path.clone(), None, None).unwrap();
}

#[test]
fn an_older_snapshot_copied_later_is_listed_below_the_newer_one_as_superseded() {
    let bed = testbed();
    let laptop = tempfile::tempdir().unwrap();
    let local = laptop.path().join("snapshots");
    // The newer one came on a USB stick; the older one was copied to the laptop after it.
    let medium = laptop.path().join("media").join("HUB-USB");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::create_dir_all(&medium).unwrap();
    let newer = medium.join("region-monday.fcs");
    let older = local.join("region-saturday.fcs");
    let now = Utc::now();
    bed.snapshot(&newer, now - TimeDelta::hours(1), str::to_owned);
    bed.snapshot(&older, now - TimeDelta::days(2), str::to_owned);
    let touch = |p: &Path, at: std::time::SystemTime| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .and_then(|f| f.set_modified(at))
            .unwrap();
    };
    let hour = std::time::Duration::from_secs(3600);
    touch(&newer, std::time::SystemTime::now() - 24 * hour);
    touch(&older, std::time::SystemTime::now());
    let root = laptop.path().join("media");
    let mut l = Laptop::with(|c| {
        c.snapshot_dirs = vec![local];
        c.removable_roots = vec![root];
    });
    let start = l.desk.start().unwrap();
    let cards: Vec<(&str, ValidityState, Location)> = start
        .snapshots
        .iter()
        .map(|c| (c.file.as_str(), c.validity.state, c.location))
        .collect();
    assert_eq!(
        cards,
        [
            (
                "region-monday.fcs",
                ValidityState::Valid,
                Location::Removable
            ),
            (
                "region-saturday.fcs",
                ValidityState::Superseded,
                Location::Local
            ),
        ],
        "ordered by the signed creation time, not the file's time or folder"
    );
    let why = start.snapshots[1].validity.message.as_deref().unwrap();
    assert!(why.contains("region-monday.fcs"), "{why}");
    // Superseded is a label, not a lock: the older data still opens.
    l.desk
        .unlock(&start.snapshots[1].path.clone(), None, None)
        .unwrap();
}

#[test]
fn a_snapshot_of_another_hub_is_never_superseded_by_this_hubs_newer_one() {
    let bed = testbed();
    let folder = tempfile::tempdir().unwrap();
    let other = folder.path().join("other-hub");
    std::fs::create_dir_all(&other).unwrap();
    // The testbed's drill snapshot, and an older one signed by a second hub this laptop trusts.
    let second = Testbed::make(&other, 20);
    let older = folder.path().join("second-hub.fcs");
    second.snapshot(&older, Utc::now() - TimeDelta::days(3), str::to_owned);
    let dir = folder.path().join("snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&bed.drill, dir.join("drill.fcs")).unwrap();
    std::fs::rename(&older, dir.join("second-hub.fcs")).unwrap();
    let (pub1, pub2) = (bed.hub_pub.clone(), second.hub_pub.clone());
    let mut l = Laptop::with(|c| {
        c.snapshot_dirs = vec![dir];
        c.trusted = vec![pub1, pub2];
    });
    let start = l.desk.start().unwrap();
    let states: Vec<(&str, ValidityState)> = start
        .snapshots
        .iter()
        .map(|c| (c.file.as_str(), c.validity.state))
        .collect();
    assert_eq!(
        states,
        [
            ("drill.fcs", ValidityState::Valid),
            ("second-hub.fcs", ValidityState::Valid)
        ]
    );
}

#[test]
fn the_drill_report_is_written_in_both_languages_the_chosen_one_first() {
    let walk = |lang: Option<&str>| {
        let mut l = Laptop::new();
        if let Some(lang) = lang {
            l.desk.set_language(lang).unwrap();
        }
        l.desk.start().unwrap();
        l.desk
            .unlock(&Laptop::path(&testbed().drill), None, None)
            .unwrap();
        l.wait(2);
        let end = l.desk.end().unwrap();
        std::fs::read_to_string(end.report.unwrap().saved_to.unwrap()).unwrap()
    };
    let ja = walk(None);
    assert!(
        ja.starts_with("FieldChart 訓練報告 / drill report\n"),
        "{ja}"
    );
    assert!(ja.contains("2. 解錠 / Unlock\t"), "{ja}");
    assert!(ja.contains("合計 / total\t"), "{ja}");
    let en = walk(Some("en"));
    assert!(
        en.starts_with("FieldChart drill report / 訓練報告\n"),
        "{en}"
    );
    assert!(en.contains("2. Unlock / 解錠\t"), "{en}");
    assert!(en.contains("total / 合計\t"), "{en}");
    let mut l = Laptop::new();
    let err = l.desk.set_language("fr").unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadInput);
    assert_eq!(l.desk.language(), fieldchart_desk::contract::Language::Ja);
}

#[test]
fn a_named_pipe_as_the_audit_log_is_refused_at_the_declaration_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("audit.log");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let mut l = Laptop::with(|c| c.drill_audit_log = fifo.clone());
    l.desk.start().unwrap();
    l.desk
        .unlock(&Laptop::path(&testbed().drill), None, None)
        .unwrap();
    // No writer ever opens the pipe: a blocking open would hang this test forever.
    let e = l
        .desk
        .declare("訓練 太郎", "doctor", "DMAT-01", "", None)
        .expect_err("a pipe is no audit log");
    assert_eq!(e.kind, fieldchart_desk::contract::ErrorKind::Audit, "{e:?}");
    assert!(e.message.contains("named pipe"), "{e:?}");
}

/// A laptop over one snapshot of the testbed's region that `build` writes, declared as
/// `profession` (a clerk with the drill code).
fn over(build: impl FnOnce(&Path), profession: &str) -> (Laptop, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = dir.path().join("other.fcs");
    build(&snapshot);
    let folder = dir.path().to_path_buf();
    let mut l = Laptop::with(|c| c.snapshot_dirs = vec![folder]);
    l.desk.start().unwrap();
    l.desk.unlock(&Laptop::path(&snapshot), None, None).unwrap();
    let auth = (profession == "clerk").then(|| CLERK_CODE.to_string());
    l.desk
        .declare("訓練 太郎", profession, "DMAT-01", "", auth)
        .unwrap();
    (l, dir)
}

/// [`over`] a snapshot whose consent list is `consent`.
fn over_consent(consent: &str, profession: &str) -> (Laptop, tempfile::TempDir) {
    over(
        |file| testbed().snapshot_with_consent(file, Utc::now(), consent),
        profession,
    )
}

#[test]
fn a_linked_person_is_one_row_and_one_record_on_one_basis_with_one_audit_entry() {
    let (f, p) = PERSONA;
    let (sf, sp) = PERSONA_SECOND;
    // Her second hospital has no consent on record (unknown): the basis is chosen once.
    let (mut l, _dir) = over_consent(
        &format!("facility,patient_id,state\n{f},{p},consented\n"),
        "doctor",
    );
    let found = l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let rows: Vec<_> = found
        .results
        .iter()
        .filter(|r| [f, sf].contains(&r.facility.code.as_str()))
        .filter(|r| [p, sp].contains(&r.patient_id.as_str()))
        .collect();
    assert_eq!(rows.len(), 1, "one row for the person: {rows:?}");
    assert_eq!(
        (rows[0].facility.code.as_str(), rows[0].patient_id.as_str()),
        (f, p)
    );
    assert!(rows[0].linked.iter().any(|x| x.patient_id == sp));

    let err = l.desk.open_record(f, p, &both(), None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NeedsBasis, "{err:?}");
    let r = l
        .desk
        .open_record(f, p, &both(), Some("vital-interest"))
        .unwrap();
    assert_eq!(
        r.access.basis,
        Basis::VitalInterest,
        "the basis of the opening"
    );
    let second = r
        .linked
        .iter()
        .find(|m| m.facility.code == sf && m.patient_id == sp)
        .expect("the second hospital is named");
    assert_eq!(second.state, MemberState::Shown);
    assert_eq!(second.basis, Some(Basis::VitalInterest));
    assert!(second.data_as_of.is_some(), "its own data-as-of");
    // Each hospital's items keep their hospital: the contrast allergy only the second recorded.
    assert!(
        r.critical
            .iter()
            .any(|c| c.what.contains("ヨード造影剤") && c.facility.code == sf),
        "{:?}",
        r.critical
    );
    assert!(r.summary.allergies.iter().any(|a| a.facility.code == f));
    let warfarin: Vec<_> = r
        .summary
        .medicines
        .iter()
        .filter(|m| m.drug.contains("ワーファリン"))
        .map(|m| m.facility.code.as_str())
        .collect();
    assert_eq!(
        warfarin,
        [f, sf],
        "the same drug twice, one row per hospital"
    );

    let views: Vec<_> = l
        .audit()
        .into_iter()
        .filter_map(|r| match r.entry.event {
            Event::RecordView {
                patient,
                basis,
                linked,
                ..
            } => Some((patient, basis, linked)),
            _ => None,
        })
        .collect();
    assert_eq!(views.len(), 1, "one view, one entry");
    let (patient, basis, linked) = &views[0];
    assert_eq!(
        (patient.facility.as_str(), patient.patient_id.as_str()),
        (f, p)
    );
    assert_eq!(*basis, fieldchart_audit::LegalBasis::VitalInterest);
    assert_eq!(
        linked
            .iter()
            .map(|x| (x.facility.as_str(), x.patient_id.as_str()))
            .collect::<Vec<_>>(),
        [(sf, sp)],
        "the entry names every identifier shown"
    );
}

#[test]
fn a_linked_facility_whose_patient_refused_is_withheld_and_break_glass_opens_it() {
    let (f, p) = PERSONA;
    let (sf, sp) = PERSONA_SECOND;
    let (mut l, _dir) = over_consent(
        &format!("facility,patient_id,state\n{f},{p},consented\n{sf},{sp},refused\n"),
        "doctor",
    );
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    let second = r.linked.iter().find(|m| m.patient_id == sp).unwrap();
    assert_eq!(second.state, MemberState::Withheld);
    assert!(
        r.critical.iter().all(|c| c.facility.code != sf)
            && r.summary.allergies.iter().all(|a| a.facility.code != sf)
            && r.summary.medicines.iter().all(|m| m.facility.code != sf),
        "nothing of the withheld facility is shown"
    );
    // Opening her refused identifier itself shows her main hospital's record, the other withheld.
    let r = l.desk.open_record(sf, sp, &both(), None).unwrap();
    assert_eq!(
        r.patient.facility.code, f,
        "the header is the identifier shown"
    );
    assert!(
        r.linked
            .iter()
            .any(|m| m.patient_id == sp && m.opened && m.state == MemberState::Withheld)
    );
    l.desk
        .break_glass("意識障害で搬送、服薬確認が必要")
        .unwrap();
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    let second = r.linked.iter().find(|m| m.patient_id == sp).unwrap();
    assert_eq!(second.state, MemberState::Shown);
    assert_eq!(second.basis, Some(Basis::BreakGlass));
    assert_eq!(
        r.access.basis,
        Basis::BreakGlass,
        "the opening's basis needs the most justification"
    );
    assert!(r.critical.iter().any(|c| c.facility.code == sf));
}

#[test]
fn sections_withheld_from_a_profession_stay_withheld_at_every_facility() {
    let (f, p) = PERSONA;
    let (sf, _) = PERSONA_SECOND;
    let (mut l, _dir) = over_consent(
        &format!(
            "facility,patient_id,state\n{f},{p},consented\n{sf},{},consented\n",
            PERSONA_SECOND.1
        ),
        "paramedic",
    );
    l.desk.search("やまだ はなこ", None, None, None).unwrap();
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    assert!(
        r.linked
            .iter()
            .any(|m| m.facility.code == sf && m.state == MemberState::Shown)
    );
    // A paramedic sees no labs, encounters, reports or documents, from either hospital.
    assert!(r.summary.labs.is_empty() && r.summary.encounters.is_empty());
    assert!(
        r.details.labs.is_empty() && r.details.documents.is_empty() && r.details.reports.is_empty()
    );
    assert!(r.summary.allergies.iter().any(|a| a.facility.code == sf));
}

#[test]
fn an_unlinked_look_alike_is_possibly_the_same_person_never_merged_and_opens_after_its_own_confirmation()
 {
    let (f, p) = PERSONA;
    let (sf, sp) = PERSONA_SECOND;
    // The index has not linked her two registrations.
    let (mut l, _dir) = over(
        |file| testbed().snapshot_unlinking(file, Utc::now(), ((f, p), (sf, sp))),
        "doctor",
    );
    let found = l.desk.search("やまだ はなこ", None, None, None).unwrap();
    assert!(
        found.results.iter().any(|r| r.patient_id == sp)
            && found.results.iter().any(|r| r.patient_id == p),
        "two rows: nobody linked them"
    );
    let r = l.desk.open_record(f, p, &both(), None).unwrap();
    assert!(r.linked.is_empty(), "never merged");
    assert!(
        r.critical.iter().all(|c| c.facility.code == f),
        "nothing of the other patient's chart is on this record"
    );
    let possible = r
        .possibly
        .iter()
        .find(|m| m.facility.code == sf && m.patient_id == sp)
        .expect("her other registration is possibly the same person");
    assert_eq!(possible.strength, "probable");
    for field in ["name", "dob", "sex"] {
        assert!(
            possible.agree.iter().any(|a| a == field),
            "{field} agrees: {possible:?}"
        );
    }
    assert_eq!(possible.resembles, format!("{f}:{p}"));
    // Opening it needs its own two identifiers, then it is its own record.
    let err = l
        .desk
        .open_record(sf, sp, &[Identifier::Name], None)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NeedsConfirmation);
    let other = l.desk.open_record(sf, sp, &both(), None);
    let other = match other {
        Err(e) if e.kind == ErrorKind::NeedsBasis => l
            .desk
            .open_record(sf, sp, &both(), Some("vital-interest"))
            .unwrap(),
        o => o.unwrap(),
    };
    assert_eq!(other.patient.facility.code, sf);
    assert!(other.linked.is_empty());
    assert!(
        other
            .critical
            .iter()
            .any(|c| c.what.contains("ヨード造影剤"))
    );
    assert!(
        other.possibly.iter().any(|m| m.patient_id == p),
        "and it points back"
    );
}
