//! The policy's decisions, one rule at a time (issue 4 §4 "Policy").

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldchart_policy::{
    Area, Basis, Consent, Declaration, Policy, PolicyError, Profession, Rule, authorisation_hash,
};
use proptest::prelude::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

fn who(p: Profession) -> Declaration {
    Declaration {
        name: "山田 太郎".into(),
        profession: p,
        team: "DMAT-石川-03".into(),
        event: "能登豪雨".into(),
        authorisation: None,
    }
}

/// The default policy with its window set to November 2026.
fn policy() -> Policy {
    Policy::default_policy().resolved(at(2026, 11, 1), at(2026, 12, 1))
}

#[test]
fn the_shipped_default_names_every_profession_and_parses() {
    let p = Policy::default_policy();
    assert_eq!(p.professions.len(), Profession::ALL.len());
    assert!(
        p.event.start.is_none(),
        "the default leaves the window to the snapshot"
    );
}

#[test]
fn each_profession_sees_only_its_sections() {
    let p = policy();
    let expect: [(Profession, &[Area]); 4] = [
        (Profession::Doctor, &Area::VIEWABLE),
        (
            Profession::Pharmacist,
            &[
                Area::Allergies,
                Area::Infections,
                Area::Problems,
                Area::Medications,
                Area::Labs,
            ],
        ),
        (Profession::Clerk, &[Area::Encounters]),
        (
            Profession::Paramedic,
            &[
                Area::Allergies,
                Area::Infections,
                Area::Problems,
                Area::Medications,
            ],
        ),
    ];
    for (prof, sections) in expect {
        let mut d = who(prof);
        if prof == Profession::Clerk {
            d.authorisation = Some("x".into());
        }
        let g = p
            .grant(&d, Some(Consent::Consented), None, None, day(2026, 11, 20))
            .unwrap();
        let got: Vec<Area> = g.sections.iter().copied().collect();
        assert_eq!(got, sections, "{prof}");
        for a in Area::VIEWABLE {
            assert_eq!(g.allows(a), sections.contains(&a), "{prof} {a:?}");
            assert_eq!(
                g.withheld.contains(&a),
                !sections.contains(&a),
                "{prof} {a:?}"
            );
        }
        assert!(g.allows(Area::Identity), "identity is always shown");
    }
}

#[test]
fn look_back_limits_dated_items_but_never_allergies_or_problems() {
    let p = policy();
    let g = p
        .grant(
            &who(Profession::Paramedic),
            Some(Consent::Consented),
            None,
            None,
            day(2026, 11, 20),
        )
        .unwrap();
    assert_eq!(g.since, Some(day(2026, 5, 24)), "180 days back");
    assert!(g.shows(Area::Medications, Some(day(2026, 6, 1))));
    assert!(!g.shows(Area::Medications, Some(day(2026, 5, 1))));
    assert!(
        g.shows(Area::Allergies, Some(day(1999, 1, 1))),
        "allergies are shown whole"
    );
    assert!(g.shows(Area::Problems, Some(day(1999, 1, 1))));
    assert!(
        g.shows(Area::Medications, None),
        "an undated item is not known to be old"
    );
    assert!(
        !g.shows(Area::Documents, Some(day(2026, 11, 1))),
        "not granted at all"
    );

    let doctor = p
        .grant(
            &who(Profession::Doctor),
            Some(Consent::Consented),
            None,
            None,
            day(2026, 11, 20),
        )
        .unwrap();
    assert_eq!(doctor.since, None, "0 means the whole snapshot");
}

#[test]
fn only_professions_that_see_every_clinical_section_search_clinical_text() {
    let p = policy();
    assert!(p.search(&who(Profession::Doctor)).clinical);
    assert!(p.search(&who(Profession::Nurse)).clinical);
    assert!(!p.search(&who(Profession::Pharmacist)).clinical);
    assert!(!p.search(&who(Profession::Clerk)).clinical);
}

#[test]
fn the_event_window_opens_and_closes() {
    let p = policy();
    let d = who(Profession::Doctor);
    assert_eq!(
        p.check_window(&d, at(2026, 10, 31), None).unwrap_err().rule,
        Rule::EventWindow
    );
    assert!(p.check_window(&d, at(2026, 11, 1), None).is_ok());
    assert!(p.check_window(&d, at(2026, 11, 30), None).is_ok());
    let after = p.check_window(&d, at(2026, 12, 2), None).unwrap_err();
    assert_eq!(after.rule, Rule::EventWindow);
    assert!(after.message.contains("after"), "{}", after.message);
    assert!(after.message.contains("break-glass"), "{}", after.message);
    assert!(
        p.check_window(
            &d,
            at(2026, 12, 2),
            Some("意識障害の患者、既往歴確認のため")
        )
        .is_ok()
    );
    let clerk = Declaration {
        authorisation: Some("x".into()),
        ..who(Profession::Clerk)
    };
    assert_eq!(
        p.check_window(&clerk, at(2026, 12, 2), Some("どうしても必要なため確認"))
            .unwrap_err()
            .rule,
        Rule::BreakGlass,
        "a clerk may not break the glass"
    );
}

#[test]
fn a_window_in_the_policy_file_wins_over_the_snapshot_validity() {
    let text = default_policy_text_with_window();
    let p = Policy::parse(&text)
        .unwrap()
        .resolved(at(2026, 1, 1), at(2027, 1, 1));
    let d = who(Profession::Doctor);
    assert!(p.check_window(&d, at(2026, 11, 10), None).is_ok());
    assert!(p.check_window(&d, at(2026, 12, 10), None).is_err());
}

/// The default policy text with the event window written in.
fn default_policy_text_with_window() -> String {
    fieldchart_policy::DEFAULT_POLICY_TOML.replace(
        "# start = \"2026-11-01T00:00:00+09:00\"\n# end   = \"2026-12-01T00:00:00+09:00\"",
        "start = \"2026-11-01T00:00:00+09:00\"\nend   = \"2026-12-01T00:00:00+09:00\"",
    )
}

#[test]
fn consent_decides_the_legal_basis() {
    let p = policy();
    let d = who(Profession::Nurse);
    let today = day(2026, 11, 20);
    let g = p
        .grant(&d, Some(Consent::Consented), None, None, today)
        .unwrap();
    assert_eq!(g.basis, Basis::Consent);

    let unknown = p
        .grant(&d, Some(Consent::Unknown), None, None, today)
        .unwrap_err();
    assert_eq!(unknown.rule, Rule::ConsentBasis);
    assert!(
        unknown.message.contains("vital-interest"),
        "{}",
        unknown.message
    );
    let g = p
        .grant(
            &d,
            Some(Consent::Unknown),
            Some(Basis::VitalInterest),
            None,
            today,
        )
        .unwrap();
    assert_eq!(g.basis, Basis::VitalInterest);
    let g = p
        .grant(&d, None, Some(Basis::VerbalConsent), None, today)
        .unwrap();
    assert_eq!(
        g.basis,
        Basis::VerbalConsent,
        "unlisted patients take the default, unknown"
    );

    let refused = p
        .grant(
            &d,
            Some(Consent::Refused),
            Some(Basis::VitalInterest),
            None,
            today,
        )
        .unwrap_err();
    assert_eq!(
        refused.rule,
        Rule::ConsentRefused,
        "vital interest does not override a refusal"
    );
    let g = p
        .grant(
            &d,
            Some(Consent::Refused),
            None,
            Some("心肺停止、服薬歴の確認が必要"),
            today,
        )
        .unwrap();
    assert_eq!(g.basis, Basis::BreakGlass);
}

#[test]
fn a_viewer_cannot_claim_hub_consent_as_their_basis() {
    let p = policy();
    let err = p
        .grant(
            &who(Profession::Doctor),
            Some(Consent::Unknown),
            Some(Basis::Consent),
            None,
            day(2026, 11, 20),
        )
        .unwrap_err();
    assert_eq!(err.rule, Rule::ConsentBasis);
}

#[test]
fn break_glass_needs_a_real_reason_and_a_profession_allowed_to_use_it() {
    let p = policy();
    let today = day(2026, 11, 20);
    let short = p
        .grant(
            &who(Profession::Doctor),
            Some(Consent::Refused),
            None,
            Some("急ぎ"),
            today,
        )
        .unwrap_err();
    assert_eq!(short.rule, Rule::BreakGlass);
    assert!(short.message.contains("at least 8"), "{}", short.message);
    let lab = p
        .grant(
            &who(Profession::LabTechnician),
            Some(Consent::Refused),
            None,
            Some("検査結果の緊急確認が必要"),
            today,
        )
        .unwrap_err();
    assert_eq!(lab.rule, Rule::BreakGlass);
    assert!(lab.message.contains("臨床検査技師"), "{}", lab.message);
    let g = p
        .grant(
            &who(Profession::Pharmacist),
            Some(Consent::Refused),
            None,
            Some("抗凝固薬の服用有無を確認するため"),
            today,
        )
        .unwrap();
    assert!(
        !g.allows(Area::Documents),
        "break-glass does not widen a profession's sections"
    );
}

#[test]
fn an_expired_snapshot_opens_only_by_break_glass() {
    let p = policy();
    let d = who(Profession::Doctor);
    assert_eq!(p.check_expired(&d, None).unwrap_err().rule, Rule::Expired);
    assert!(
        p.check_expired(&d, Some("通信途絶が続き新しいスナップショットがない"))
            .is_ok()
    );
    let mut strict = p.clone();
    strict.break_glass.expired_snapshot = false;
    assert_eq!(
        strict
            .check_expired(&d, Some("通信途絶が続き新しいスナップショットがない"))
            .unwrap_err()
            .rule,
        Rule::Expired
    );
}

#[test]
fn a_declaration_needs_name_team_and_event() {
    let p = policy();
    let mut d = who(Profession::Doctor);
    d.team = " ".into();
    d.event = String::new();
    let err = p.check_declaration(&d).unwrap_err();
    assert_eq!(err.rule, Rule::Declaration);
    assert!(err.message.contains("team, event"), "{}", err.message);
    assert!(p.check_declaration(&who(Profession::Doctor)).is_ok());
}

#[test]
fn a_clerk_needs_a_code_the_hub_issued() {
    let mut p = policy();
    let mut d = who(Profession::Clerk);
    assert_eq!(
        p.check_declaration(&d).unwrap_err().rule,
        Rule::Authorisation
    );
    p.clerk.authorisation_sha256 = vec![authorisation_hash("NOTO-2026-0042")];
    d.authorisation = Some("NOTO-2026-0041".into());
    assert_eq!(
        p.check_declaration(&d).unwrap_err().rule,
        Rule::Authorisation
    );
    d.authorisation = Some(" NOTO-2026-0042 ".into());
    assert!(p.check_declaration(&d).is_ok());
}

#[test]
fn professions_parse_from_the_fixed_list_and_from_their_keys() {
    for p in Profession::ALL {
        assert_eq!(p.ja().parse::<Profession>().unwrap(), p);
        assert_eq!(p.key().parse::<Profession>().unwrap(), p);
    }
    assert_eq!(
        "lab-technician".parse::<Profession>().unwrap(),
        Profession::LabTechnician
    );
    assert_eq!("事務".parse::<Profession>().unwrap(), Profession::Clerk);
    let err = "外科医".parse::<Profession>().unwrap_err();
    assert!(
        err.contains("医師") && err.contains("事務・その他"),
        "{err}"
    );
}

#[test]
fn bad_policy_files_are_refused_with_the_reason() {
    let missing = fieldchart_policy::DEFAULT_POLICY_TOML
        .split("[professions.clerk]")
        .next()
        .unwrap();
    assert!(matches!(
        Policy::parse(missing),
        Err(PolicyError::MissingProfession("事務・その他"))
    ));
    let typo = fieldchart_policy::DEFAULT_POLICY_TOML
        .replace("lookback_days = 180", "lookback_dayz = 180");
    assert!(
        matches!(Policy::parse(&typo), Err(PolicyError::Syntax(_))),
        "unknown keys are errors"
    );
    let section = fieldchart_policy::DEFAULT_POLICY_TOML.replace("\"reports\"]", "\"xrays\"]");
    assert!(matches!(
        Policy::parse(&section),
        Err(PolicyError::Syntax(_))
    ));
    let v2 = fieldchart_policy::DEFAULT_POLICY_TOML.replace("version = 1", "version = 2");
    assert!(matches!(
        Policy::parse(&v2),
        Err(PolicyError::Version { found: 2 })
    ));
    let half = fieldchart_policy::DEFAULT_POLICY_TOML.replace(
        "# start = \"2026-11-01T00:00:00+09:00\"",
        "start = \"2026-11-01T00:00:00+09:00\"",
    );
    assert!(matches!(Policy::parse(&half), Err(PolicyError::HalfWindow)));
    let backwards = fieldchart_policy::DEFAULT_POLICY_TOML.replace(
        "# start = \"2026-11-01T00:00:00+09:00\"\n# end   = \"2026-12-01T00:00:00+09:00\"",
        "start = \"2026-12-01T00:00:00+09:00\"\nend   = \"2026-11-01T00:00:00+09:00\"",
    );
    assert!(matches!(
        Policy::parse(&backwards),
        Err(PolicyError::EmptyWindow { .. })
    ));
    let hash = fieldchart_policy::DEFAULT_POLICY_TOML.replace(
        "authorisation_sha256 = []",
        "authorisation_sha256 = [\"NOTO-2026\"]",
    );
    assert!(
        matches!(Policy::parse(&hash), Err(PolicyError::BadHash(_))),
        "codes are listed hashed"
    );
}

#[test]
fn the_session_rules_default_to_a_five_minute_lock_and_a_week_of_data_age() {
    let p = Policy::default_policy();
    assert_eq!(p.session.idle_lock_minutes, 5);
    assert_eq!(p.session.stale_data_days, 7);
    let never = fieldchart_policy::DEFAULT_POLICY_TOML
        .replace("idle_lock_minutes = 5", "idle_lock_minutes = 0");
    assert!(
        matches!(Policy::parse(&never), Err(PolicyError::Syntax(_))),
        "a lock that never comes is refused"
    );
}

#[test]
fn the_policy_survives_the_trip_into_the_snapshot() {
    let p = policy();
    assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
}

proptest! {
    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = Policy::parse(&text);
        let _ = Policy::from_json(text.as_bytes());
    }

    #[test]
    fn consent_states_parse_back_from_their_names(i in 0usize..3) {
        let c = [Consent::Consented, Consent::Refused, Consent::Unknown][i];
        prop_assert_eq!(Consent::parse(c.as_str()), Some(c));
    }
}
