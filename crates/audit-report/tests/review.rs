//! The privacy officer's review: break-glass with what it opened, records opened without consent,
//! refusals, failed unlocks, clock anomalies and views per person, sorted by time, drills labelled.

mod common;

use common::*;
use fieldchart_audit::{ClockAnomaly, Event, LegalBasis};
use fieldchart_audit_report::review::{ClockSource, review};

#[test]
fn break_glass_lists_the_patients_opened_until_the_lock() {
    let r = review(&disaster_log());
    assert_eq!(r.break_glass.len(), 1);
    let used = &r.break_glass[0];
    assert_eq!(used.started.as_ref().map(|e| e.seq), Some(9));
    assert_eq!(used.reason, BREAK_GLASS_REASON);
    assert_eq!(
        used.who.as_ref().map(|p| p.name.as_str()),
        Some("山田 太郎")
    );
    assert_eq!(used.patient, Some(patient("0003")));
    let opened: Vec<(u64, &str, &str)> = used
        .opened
        .iter()
        .map(|o| (o.entry.seq, o.patient.patient_id.as_str(), o.action))
        .collect();
    assert_eq!(opened, [(10, "0003", "record-view"), (11, "0003", "print")]);
    assert_eq!(used.ended.as_ref().map(|e| e.seq), Some(14));
    assert!(!used.drill);
}

#[test]
fn views_after_the_lock_are_not_under_break_glass() {
    let real = || session("s-1", false);
    let records = vec![
        record(
            1,
            jst(2031, 3, 2, 10, 0, 0),
            Event::BreakGlass {
                reason: "急変".to_owned(),
                patient: None,
            },
        )
        .by(doctor())
        .in_session(real()),
        record(
            2,
            jst(2031, 3, 2, 10, 1, 0),
            record_view(patient("0001"), LegalBasis::BreakGlass),
        )
        .by(doctor())
        .in_session(real())
        .under_break_glass("急変"),
        record(3, jst(2031, 3, 2, 10, 2, 0), Event::Lock)
            .by(doctor())
            .in_session(real())
            .under_break_glass("急変"),
        record(4, jst(2031, 3, 2, 10, 3, 0), Event::Declare)
            .by(doctor())
            .in_session(session("s-2", false)),
        record(
            5,
            jst(2031, 3, 2, 10, 4, 0),
            record_view(patient("0002"), LegalBasis::Consent),
        )
        .by(doctor())
        .in_session(session("s-2", false)),
    ];
    let r = review(&records);
    assert_eq!(r.break_glass.len(), 1);
    assert_eq!(r.break_glass[0].opened.len(), 1);
    assert_eq!(r.break_glass[0].opened[0].patient, patient("0001"));
}

#[test]
fn break_glass_without_a_lock_stays_open_to_the_end_of_the_records() {
    let mut records = disaster_log();
    records.retain(|r| r.seq <= 11);
    let r = review(&records);
    assert_eq!(r.break_glass[0].ended, None);
    assert!(r.to_text().contains("ended: no lock in these entries"));
}

#[test]
fn an_entry_under_break_glass_whose_start_is_missing_still_reports_the_override() {
    let mut records = disaster_log();
    records.retain(|r| r.seq != 9);
    let r = review(&records);
    assert_eq!(r.break_glass.len(), 1);
    let used = &r.break_glass[0];
    assert_eq!(used.started, None);
    assert_eq!(used.reason, BREAK_GLASS_REASON);
    assert_eq!(used.opened.len(), 2);
    assert_eq!(used.ended.as_ref().map(|e| e.seq), Some(14));
}

#[test]
fn views_without_hub_consent_are_listed_with_their_basis_and_consented_ones_are_not() {
    let r = review(&disaster_log());
    let listed: Vec<(u64, LegalBasis, bool)> = r
        .unconsented_views
        .iter()
        .map(|v| (v.entry.seq, v.basis, v.entry.drill))
        .collect();
    assert_eq!(
        listed,
        [
            (7, LegalBasis::VitalInterest, false),
            (10, LegalBasis::BreakGlass, false),
            (17, LegalBasis::VerbalConsent, true),
        ]
    );
    assert_eq!(
        r.unconsented_views[1].break_glass.as_deref(),
        Some(BREAK_GLASS_REASON)
    );
}

#[test]
fn refusals_and_failed_unlocks_are_listed() {
    let r = review(&disaster_log());
    assert_eq!(r.refusals.len(), 1);
    assert_eq!(r.refusals[0].rule, "consent-refused");
    assert_eq!(r.refusals[0].patient, Some(patient("0003")));
    assert_eq!(r.failed_unlocks.len(), 1);
    assert_eq!(
        r.failed_unlocks[0].reason,
        "the emergency passphrase is wrong"
    );
}

#[test]
fn snapshot_damage_is_listed_with_when_who_which_action_and_the_reason() {
    let r = review(&damaged_log());
    /// Sequence number, action, patient ID, who, drill.
    type Listed<'a> = (u64, &'a str, Option<&'a str>, Option<&'a str>, bool);
    let listed: Vec<Listed<'_>> = r
        .snapshot_damage
        .iter()
        .map(|d| {
            (
                d.entry.seq,
                d.action.as_str(),
                d.patient.as_ref().map(|p| p.patient_id.as_str()),
                d.who.as_ref().map(|p| p.name.as_str()),
                d.entry.drill,
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (3, "search", None, Some("山田 太郎"), false),
            (5, "record", Some("0002"), Some("山田 太郎"), false),
            (6, "document", Some("0001"), Some("山田 太郎"), false),
            (1, "search", None, Some("佐藤 花子"), true),
        ]
    );
    assert!(r.snapshot_damage.iter().all(|d| d.reason == DAMAGED_BLOCK));
    let text = r.to_text();
    assert!(
        text.contains("\nSnapshot found damaged after unlock (4)\n"),
        "{text}"
    );
    assert!(
        text.contains(&format!("      reason: {DAMAGED_BLOCK}\n")),
        "{text}"
    );
}

#[test]
fn a_log_without_snapshot_damage_has_no_damage_section_in_text_or_json() {
    let r = review(&disaster_log());
    assert!(r.snapshot_damage.is_empty());
    assert!(!r.to_text().contains("Snapshot found damaged"));
    let json = serde_json::to_value(&r).expect("JSON");
    assert!(json.get("snapshot_damage").is_none(), "{json}");
}

#[test]
fn a_clock_anomaly_entry_and_its_own_flag_are_one_finding_and_later_flags_another() {
    let r = review(&disaster_log());
    let findings: Vec<(ClockSource, u64, u64, u64)> = r
        .clock_anomalies
        .iter()
        .map(|f| (f.source, f.first.seq, f.last.seq, f.entries))
        .collect();
    // Entry 13 reports the anomaly (and is flagged with it); entry 14 was written while it lasted.
    assert_eq!(
        findings,
        [
            (ClockSource::Event, 13, 13, 1),
            (ClockSource::Flagged, 14, 14, 1)
        ]
    );
}

#[test]
fn consecutive_flagged_entries_form_one_finding() {
    let before = ClockAnomaly::BeforeSnapshot {
        clock: utc(2030, 1, 1, 0, 0, 0),
        snapshot_created: utc(2031, 3, 1, 0, 0, 0),
    };
    let records: Vec<_> = (1..=4)
        .map(|seq| {
            record(seq, jst(2030, 1, 1, 9, 0, seq as u32), Event::Declare)
                .by(doctor())
                .flagged(before.clone())
        })
        .chain([record(5, jst(2030, 1, 1, 9, 1, 0), Event::Lock).by(doctor())])
        .collect();
    let r = review(&records);
    assert_eq!(r.clock_anomalies.len(), 1);
    let finding = &r.clock_anomalies[0];
    assert_eq!(finding.source, ClockSource::Flagged);
    assert_eq!(
        (finding.first.seq, finding.last.seq, finding.entries),
        (1, 4, 4)
    );
    assert!(
        finding
            .description
            .contains("earlier than the snapshot's creation")
    );
}

#[test]
fn views_are_counted_per_person_with_distinct_patients_and_drills() {
    let r = review(&disaster_log());
    let counts: Vec<(&str, u64, u64, u64)> = r
        .views_by_person
        .iter()
        .map(|c| {
            (
                c.person.as_ref().map_or("", |p| p.name.as_str()),
                c.views,
                c.drill_views,
                c.patients,
            )
        })
        .collect();
    assert_eq!(counts, [("山田 太郎", 3, 0, 3), ("佐藤 花子", 1, 1, 1)]);
}

#[test]
fn lists_are_sorted_by_time_whatever_order_the_records_come_in() {
    let mut records = disaster_log();
    records.reverse();
    let r = review(&records);
    let times: Vec<_> = r.unconsented_views.iter().map(|v| v.entry.at).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    assert_eq!(r, review(&disaster_log()));
}

#[test]
fn entries_from_two_laptops_are_told_apart_in_text() {
    let records = vec![
        record(
            1,
            jst(2031, 3, 2, 10, 0, 0),
            record_view(patient("0001"), LegalBasis::VitalInterest),
        )
        .by(doctor()),
        record(
            1,
            jst(2031, 3, 2, 10, 5, 0),
            record_view(patient("0002"), LegalBasis::VitalInterest),
        )
        .by(nurse_in_drill())
        .on(OTHER_DEVICE),
    ];
    let r = review(&records);
    assert_eq!(r.devices.len(), 2);
    let text = r.to_text();
    assert!(text.contains("p8RZ3n0p3kUe5Yq1#1"), "{text}");
    assert!(text.contains("Zm9vYmFyYmF6cXV4#1"), "{text}");
}

#[test]
fn drills_are_labelled_in_the_text() {
    let text = review(&disaster_log()).to_text();
    let drill_view = text
        .lines()
        .find(|l| l.contains("#17"))
        .expect("the drill view is listed");
    assert!(drill_view.contains("[DRILL]"), "{drill_view}");
    let real_view = text
        .lines()
        .find(|l| l.contains("#7 "))
        .expect("the real view is listed");
    assert!(!real_view.contains("[DRILL]"), "{real_view}");
}

#[test]
fn a_name_with_a_newline_cannot_forge_a_line_of_the_review() {
    let mut forger = doctor();
    forger.name = "田中\n  2031-03-02 10:00:00 +09:00  #99  偽の行".to_owned();
    let records = vec![
        record(
            1,
            jst(2031, 3, 2, 10, 0, 0),
            record_view(patient("0001"), LegalBasis::VitalInterest),
        )
        .by(forger),
    ];
    let text = review(&records).to_text();
    assert!(!text.lines().any(|l| {
        l.trim_start()
            .starts_with("2031-03-02 10:00:00 +09:00  #99")
    }));
    assert!(text.contains("田中\\u{a}"));
}

#[test]
fn an_empty_log_gives_an_empty_review() {
    let r = review(&[]);
    assert_eq!(r.entries, 0);
    assert!(r.break_glass.is_empty());
    assert!(r.to_text().contains("Break-glass (0)\n  none"));
}

#[test]
fn the_same_person_declaring_two_events_is_counted_once() {
    let mut later = doctor();
    later.event = "余震対応".to_owned();
    let records = vec![
        record(
            1,
            jst(2031, 3, 2, 10, 0, 0),
            record_view(patient("0001"), LegalBasis::Consent),
        )
        .by(doctor()),
        record(
            2,
            jst(2031, 3, 9, 10, 0, 0),
            record_view(patient("0001"), LegalBasis::Consent),
        )
        .by(later),
    ];
    let r = review(&records);
    assert_eq!(r.views_by_person.len(), 1);
    assert_eq!(
        (r.views_by_person[0].views, r.views_by_person[0].patients),
        (2, 1)
    );
}
