//! The policy's decisions, one rule at a time (requirements TEST-9).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use fieldchart_policy::{
    Area, Basis, Consent, Declaration, Policy, PolicyError, Position, Profession, Rule,
    authorisation_hash, visible_chars,
};
use proptest::prelude::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
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
    let invisible = p
        .grant(
            &who(Profession::Doctor),
            Some(Consent::Refused),
            None,
            Some(&"\u{200B}".repeat(8)),
            today,
        )
        .unwrap_err();
    assert_eq!(
        invisible.rule,
        Rule::BreakGlass,
        "eight zero-width spaces are no reason"
    );
    assert!(
        invisible.message.contains("given: 0"),
        "{}",
        invisible.message
    );
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
    let not_after = utc("2026-03-31T00:00:00Z");
    let now = utc("2026-04-02T00:00:00Z");
    assert_eq!(
        p.check_expired(&d, None, now, not_after).unwrap_err().rule,
        Rule::Expired
    );
    assert!(
        p.check_expired(
            &d,
            Some("通信途絶が続き新しいスナップショットがない"),
            now,
            not_after
        )
        .is_ok()
    );
    let mut strict = p.clone();
    strict.break_glass.expired_snapshot = false;
    assert_eq!(
        strict
            .check_expired(
                &d,
                Some("通信途絶が続き新しいスナップショットがない"),
                now,
                not_after
            )
            .unwrap_err()
            .rule,
        Rule::Expired
    );
}

#[test]
fn break_glass_opens_an_expired_snapshot_only_within_the_lease() {
    let p = policy();
    assert_eq!(p.break_glass.expired_grace_days, 14, "the shipped grace");
    let d = who(Profession::Doctor);
    let reason = Some("通信途絶が続き新しいスナップショットがない");
    let not_after = utc("2026-03-31T00:00:00Z");
    // The last moment of the grace still opens; a second later nothing does, with its own rule.
    assert!(
        p.check_expired(&d, reason, utc("2026-04-14T00:00:00Z"), not_after)
            .is_ok()
    );
    for break_glass in [reason, None] {
        let refusal = p
            .check_expired(&d, break_glass, utc("2026-04-14T00:00:01Z"), not_after)
            .unwrap_err();
        assert_eq!(refusal.rule, Rule::LeaseEnded, "{break_glass:?}");
        assert!(
            refusal.message.contains("2026-04-14 00:00 UTC"),
            "the refusal names when the lease ended: {}",
            refusal.message
        );
    }
    let mut none = p.clone();
    none.break_glass.expired_grace_days = 0;
    assert_eq!(
        none.check_expired(&d, reason, utc("2026-03-31T00:00:01Z"), not_after)
            .unwrap_err()
            .rule,
        Rule::LeaseEnded
    );
}

#[test]
fn a_grace_past_the_ceiling_or_left_out_is_handled_when_the_policy_is_read() {
    let long = fieldchart_policy::DEFAULT_POLICY_TOML
        .replace("expired_grace_days = 14", "expired_grace_days = 91");
    let err = Policy::parse(&long).unwrap_err().to_string();
    assert!(err.contains("expired_grace_days"), "{err}");
    let older = fieldchart_policy::DEFAULT_POLICY_TOML.replace("expired_grace_days = 14\n", "");
    assert_ne!(older, fieldchart_policy::DEFAULT_POLICY_TOML);
    let p = Policy::parse(&older).unwrap();
    assert_eq!(
        p.break_glass.expired_grace_days,
        fieldchart_policy::DEFAULT_EXPIRED_GRACE_DAYS,
        "a policy signed before the key existed takes the default"
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

/// The fault of a policy text that must not parse.
fn fault(text: &str) -> fieldchart_policy::PolicyFileError {
    Policy::parse(text).expect_err("this policy must be refused")
}

/// The 1-based line of the first line of the shipped default that contains `needle`.
fn line_of(needle: &str) -> usize {
    fieldchart_policy::DEFAULT_POLICY_TOML
        .lines()
        .position(|l| l.contains(needle))
        .expect("the default policy has that line")
        + 1
}

#[test]
fn bad_policy_files_are_refused_with_the_reason_and_the_line() {
    let default = fieldchart_policy::DEFAULT_POLICY_TOML;
    let missing = default.split("[professions.clerk]").next().unwrap();
    let e = fault(missing);
    assert!(
        matches!(
            e.error,
            PolicyError::MissingProfession {
                ja: "事務・その他",
                key: "clerk"
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("[professions.clerk]"), "{e}");

    let typo = default.replace("lookback_days = 180", "lookback_dayz = 180");
    let e = fault(&typo);
    assert!(
        matches!(e.error, PolicyError::Syntax(_)),
        "unknown keys are errors"
    );
    assert_eq!(
        e.at,
        Some(Position {
            line: line_of("lookback_days = 180"),
            column: 1
        }),
        "{e}"
    );
    assert!(e.to_string().contains("lookback_dayz"), "{e}");

    let section = default.replace("\"reports\"]", "\"xrays\"]");
    let e = fault(&section);
    assert!(matches!(e.error, PolicyError::Syntax(_)), "{e}");
    assert!(e.at.is_some(), "{e}");

    let v2 = default.replace("version = 1", "version = 2");
    let e = fault(&v2);
    assert_eq!(e.error, PolicyError::Version { found: 2 });
    assert_eq!(
        e.at,
        Some(Position {
            line: line_of("version = 1"),
            column: 1
        })
    );

    let half = default.replace(
        "# start = \"2026-11-01T00:00:00+09:00\"",
        "start = \"2026-11-01T00:00:00+09:00\"",
    );
    let e = fault(&half);
    assert_eq!(e.error, PolicyError::HalfWindow { given: "start" });
    assert_eq!(e.at.map(|p| p.line), Some(line_of("start = ")));

    let backwards = default.replace(
        "# start = \"2026-11-01T00:00:00+09:00\"\n# end   = \"2026-12-01T00:00:00+09:00\"",
        "start = \"2026-12-01T00:00:00+09:00\"\nend   = \"2026-11-01T00:00:00+09:00\"",
    );
    let e = fault(&backwards);
    assert!(matches!(e.error, PolicyError::EmptyWindow { .. }), "{e}");
    assert_eq!(e.at.map(|p| p.line), Some(line_of("start = ") + 1));

    let hash = default.replace(
        "authorisation_sha256 = []",
        "authorisation_sha256 = [\"NOTO-2026\"]",
    );
    let e = fault(&hash);
    assert!(
        matches!(e.error, PolicyError::BadHash { index: 0, .. }),
        "codes are listed hashed: {e}"
    );
    assert_eq!(
        e.at,
        Some(Position {
            line: line_of("authorisation_sha256"),
            column: "authorisation_sha256 = [".len() + 1
        }),
        "the position points at the bad element"
    );
    assert!(e.to_string().starts_with("line "), "{e}");
}

#[test]
fn a_toml_syntax_error_names_its_line_and_column() {
    let broken = fieldchart_policy::DEFAULT_POLICY_TOML
        .replace("idle_lock_minutes = 5", "idle_lock_minutes = = 5");
    let e = fault(&broken);
    assert!(matches!(e.error, PolicyError::Syntax(_)), "{e}");
    let at = e.at.expect("a syntax error has a position");
    assert_eq!(at.line, line_of("idle_lock_minutes = 5"));
    assert!(at.column > 1, "{at:?}");
}

#[test]
fn the_session_rules_default_to_a_five_minute_lock_a_week_of_data_age_and_100_results() {
    let p = Policy::default_policy();
    assert_eq!(p.session.idle_lock_minutes, 5);
    assert_eq!(p.session.stale_data_days, 7);
    assert_eq!(p.session.max_results, 100);
    let never = fieldchart_policy::DEFAULT_POLICY_TOML
        .replace("idle_lock_minutes = 5", "idle_lock_minutes = 0");
    let e = fault(&never);
    assert!(
        matches!(
            e.error,
            PolicyError::OutOfRange {
                key: "idle_lock_minutes",
                ..
            }
        ),
        "a lock that never comes is refused: {e}"
    );
    assert_eq!(e.at.map(|p| p.line), Some(line_of("idle_lock_minutes")));
    for bad in ["max_results = 0", "max_results = 1001"] {
        let e = fault(&fieldchart_policy::DEFAULT_POLICY_TOML.replace("max_results = 100", bad));
        assert!(
            matches!(
                e.error,
                PolicyError::OutOfRange {
                    key: "max_results",
                    ..
                }
            ),
            "{bad}: {e}"
        );
    }
}

#[test]
fn a_session_table_may_leave_keys_out_and_they_take_their_defaults() {
    let start = fieldchart_policy::DEFAULT_POLICY_TOML
        .find("[session]")
        .unwrap();
    let end = fieldchart_policy::DEFAULT_POLICY_TOML
        .find("[clerk]")
        .unwrap();
    let text = format!(
        "{}[session]\nmax_results = 30\n\n{}",
        &fieldchart_policy::DEFAULT_POLICY_TOML[..start],
        &fieldchart_policy::DEFAULT_POLICY_TOML[end..]
    );
    let p = Policy::parse(&text).unwrap();
    assert_eq!(p.session.max_results, 30);
    assert_eq!(p.session.idle_lock_minutes, 5);
    assert_eq!(p.session.stale_data_days, 7);
}

#[test]
fn a_policy_signed_before_max_results_existed_still_opens_with_the_default() {
    let mut json: serde_json::Value = serde_json::from_slice(&policy().to_json()).unwrap();
    json["session"]
        .as_object_mut()
        .unwrap()
        .remove("max_results");
    let p = Policy::from_json(json.to_string().as_bytes()).unwrap();
    assert_eq!(p.session.max_results, 100);
}

#[test]
fn the_resolved_toml_reads_back_as_the_same_policy() {
    for text in [
        fieldchart_policy::DEFAULT_POLICY_TOML.to_string(),
        default_policy_text_with_window(),
    ] {
        let p = Policy::parse(&text).unwrap();
        let written = p.to_toml();
        assert!(written.contains("max_results = 100"), "{written}");
        assert_eq!(Policy::parse(&written).unwrap(), p, "{written}");
    }
}

#[test]
fn the_policy_survives_the_trip_into_the_snapshot() {
    let p = policy();
    assert_eq!(Policy::from_json(&p.to_json()).unwrap(), p);
}

#[test]
fn visible_characters_leave_out_what_draws_nothing() {
    assert_eq!(visible_chars("心肺停止のため"), 7);
    assert_eq!(
        visible_chars("ｶﾞｲﾀﾞﾝｽ"),
        5,
        "half-width kana count once NFKC joins the marks"
    );
    assert_eq!(visible_chars("a\u{200B}b\u{200D}c\u{FEFF}d\u{2060}"), 4);
    assert_eq!(
        visible_chars("\u{3000} \t\n\u{00A0}"),
        0,
        "whitespace of every kind"
    );
    assert_eq!(
        visible_chars("\u{0301}\u{0301}\u{FE0F}"),
        0,
        "marks on their own"
    );
    assert_eq!(
        visible_chars("\u{3164}\u{3164}\u{FFA0}"),
        0,
        "Hangul fillers"
    );
    assert_eq!(
        visible_chars("\u{0007}\u{001B}\u{007F}"),
        0,
        "control characters"
    );
    assert_eq!(visible_chars("INR 3.2!"), 7);
}

/// Characters that never count: whitespace, format (Cf), control (Cc), lone marks, fillers.
fn invisible() -> impl Strategy<Value = char> {
    prop::sample::select(vec![
        ' ',
        '\u{3000}',
        '\t',
        '\n',
        '\u{00A0}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{2060}',
        '\u{2062}',
        '\u{FEFF}',
        '\u{00AD}',
        '\u{202E}',
        '\u{E0041}',
        '\u{0000}',
        '\u{001F}',
        '\u{0085}',
        '\u{0301}',
        '\u{FE0F}',
        '\u{3164}',
        '\u{115F}',
    ])
}

proptest! {
    #[test]
    fn a_reason_made_only_of_invisible_characters_is_refused(
        reason in prop::collection::vec(invisible(), 0..64)
            .prop_map(|v| v.into_iter().collect::<String>())
    ) {
        prop_assert_eq!(visible_chars(&reason), 0);
        let refused = policy().check_break_glass(&who(Profession::Doctor), &reason);
        prop_assert_eq!(refused.map_err(|r| r.rule), Err(Rule::BreakGlass));
    }

    #[test]
    fn invisible_characters_between_visible_ones_change_nothing(
        words in "[a-zA-Z0-9あ-んア-ン一-龠]{1,20}",
        noise in prop::collection::vec(invisible(), 0..20),
    ) {
        let base = visible_chars(&words);
        prop_assert_eq!(base, words.chars().count());
        let mut mixed = String::new();
        let mut noise = noise.into_iter();
        for c in words.chars() {
            mixed.push(c);
            // A mark after a letter may combine with it under NFKC; it is "invisible" only alone.
            if let Some(n) = noise.next().filter(|n| !matches!(n, '\u{0301}' | '\u{FE0F}')) {
                mixed.push(n);
            }
        }
        prop_assert_eq!(visible_chars(&mixed), base);
    }

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

#[test]
fn an_emergency_passphrase_is_counted_in_visible_characters_against_the_policy() {
    let p = policy();
    assert_eq!(p.emergency.min_passphrase_chars, 12, "the shipped minimum");
    assert!(p.check_emergency_passphrase("correct horse").is_ok());
    let err = p
        .check_emergency_passphrase("correct\u{200b} hors")
        .unwrap_err();
    assert!(
        matches!(err, PolicyError::ShortPassphrase { given: 11, min: 12 }),
        "{err:?}"
    );
    // A policy cannot lower the floor.
    let low = fieldchart_policy::DEFAULT_POLICY_TOML
        .replace("min_passphrase_chars = 12", "min_passphrase_chars = 6");
    let err = Policy::parse(&low).unwrap_err().to_string();
    assert!(err.contains("min_passphrase_chars"), "{err}");
}
