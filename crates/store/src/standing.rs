//! Whether a stored problem is still one of the patient's problems: the one rule that decides it from
//! PRB-1 (action), PRB-9 (the date) and PRB-14 (the outcome) together. Every view of a problem (the
//! record summary, the history, the desk's rows, the print page) asks [`ProblemEntry::standing`];
//! nothing else decides it.
//!
//! The rule, in the SS-MIX2 guide's terms (§3.1, PPR-01 `PRB`):
//!
//! 1. PRB-1 `DE`: the hospital deleted the diagnosis. Not listed.
//! 2. PRB-14 holds an outcome of HL7 table 0241 (code in component 1, or in 4 when only the alternate
//!    triple names the table):
//!    - `F` fully recovered (治癒) and `D` died (死亡) end the problem. Not listed.
//!    - `N` not recovering (回復せず), `R` recovering (軽快), `S` sequelae, `W` worsening (悪化) and
//!      `U` unknown (不明) say the condition persists. Listed, marked with the outcome and its date.
//!    - PRB-9 does not change this. In Japanese 病名 practice PRB-9 is the 転帰日, the day the outcome
//!      was recorded, not a day the condition ended: the NHO sample has `20110915` there *and*
//!      `N^回復せず`, a gastritis that has not gone away.
//! 3. The outcome's text says something else than its code (`F^回復せず`, `N^治癒`, `D^治癒`): both
//!    are shown and nothing is guessed. For the safety summary the problem stays listed, marked as
//!    conflicting, so a clinician reads both and decides.
//! 4. PRB-14 is given but names no table-0241 code (only a local code, only text, or a code outside
//!    the table): listed, marked as an outcome this reader cannot read, its text shown.
//! 5. No outcome at all: a PRB-9 date on or before the data-as-of ends the problem (the older reading
//!    of PRB-9 as a resolution date); a later one does not yet. A partial date (`2011-09`) counts as
//!    its last day, so a problem is never ended early. No PRB-9 either: listed.
//!
//! "Data-as-of" is the facility's, the newest record the hub saw from it, as everywhere in the
//! summary: in a disaster the data stops at the last sync.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rows::{Code, ProblemEntry};

/// Where a problem stands, and why: [`ProblemEntry::standing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Listed among the patient's problems (the summary's problem list).
    pub active: bool,
    pub reason: StandingReason,
    /// The table-0241 code the outcome was read as, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<OutcomeCode>,
}

/// Why a problem stands as it does; each is one step of the rule in the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StandingReason {
    /// PRB-1 `DE`: deleted by the hospital. Not listed.
    Deleted,
    /// PRB-14 `D`. Not listed.
    Died,
    /// PRB-14 `F`. Not listed.
    Recovered,
    /// PRB-14 `N`, `R`, `S`, `W` or `U`: the condition persists. Listed with its outcome and date.
    Persists,
    /// The outcome's code and text disagree. Listed, marked; both are shown.
    Conflicting,
    /// An outcome with no table-0241 code. Listed, marked; its text is shown.
    Unrecognised,
    /// No outcome; PRB-9 on or before the data-as-of. Not listed.
    Resolved,
    /// No outcome; PRB-9 after the data-as-of. Listed.
    ResolvesLater,
    /// No outcome and no PRB-9. Listed.
    Open,
}

impl StandingReason {
    /// Whether a problem standing so is listed among the patient's problems.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            StandingReason::Deleted
                | StandingReason::Died
                | StandingReason::Recovered
                | StandingReason::Resolved
        )
    }

    /// The snake_case name used in serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            StandingReason::Deleted => "deleted",
            StandingReason::Died => "died",
            StandingReason::Recovered => "recovered",
            StandingReason::Persists => "persists",
            StandingReason::Conflicting => "conflicting",
            StandingReason::Unrecognised => "unrecognised",
            StandingReason::Resolved => "resolved",
            StandingReason::ResolvesLater => "resolves_later",
            StandingReason::Open => "open",
        }
    }
}

/// HL7 table 0241 (patient outcome), as PRB-14 uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeCode {
    /// `D` died (死亡).
    Died,
    /// `F` fully recovered (治癒).
    FullyRecovered,
    /// `N` not recovering, unchanged (回復せず).
    NotRecovering,
    /// `R` recovering (軽快).
    Recovering,
    /// `S` sequelae (後遺症).
    Sequelae,
    /// `W` worsening (悪化).
    Worsening,
    /// `U` unknown (不明).
    Unknown,
}

impl OutcomeCode {
    /// Reads a table-0241 code (`D F N R S W U`, either case).
    pub fn parse(code: &str) -> Option<OutcomeCode> {
        Some(match code.trim().to_ascii_uppercase().as_str() {
            "D" => OutcomeCode::Died,
            "F" => OutcomeCode::FullyRecovered,
            "N" => OutcomeCode::NotRecovering,
            "R" => OutcomeCode::Recovering,
            "S" => OutcomeCode::Sequelae,
            "W" => OutcomeCode::Worsening,
            "U" => OutcomeCode::Unknown,
            _ => return None,
        })
    }

    fn meaning(self) -> Meaning {
        match self {
            OutcomeCode::Died => Meaning::Died,
            OutcomeCode::FullyRecovered => Meaning::Recovered,
            _ => Meaning::Persists,
        }
    }
}

/// What an outcome means for the problem list: the level at which code and text are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Died,
    Recovered,
    Persists,
}

/// Words that say the condition persists. Checked before the ending words, because several of them
/// contain one (未治癒 holds 治癒, "not recovering" holds "recover").
const PERSISTS_WORDS: &[&str] = &[
    "回復せず",
    "治癒せず",
    "未治",
    "継続",
    "不変",
    "軽快",
    "改善",
    "回復中",
    "悪化",
    "増悪",
    "後遺",
    "不明",
    "not recovering",
    "unchanged",
    "recovering",
    "sequela",
    "worse",
    "unknown",
];
const DIED_WORDS: &[&str] = &["死亡", "死去", "died", "death"];
const RECOVERED_WORDS: &[&str] = &["治癒", "全治", "完治", "recovered"];

/// What an outcome's text says, when it says something this rule knows.
fn text_meaning(text: &str) -> Option<Meaning> {
    let text = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    if has(PERSISTS_WORDS) {
        Some(Meaning::Persists)
    } else if has(DIED_WORDS) {
        Some(Meaning::Died)
    } else if has(RECOVERED_WORDS) {
        Some(Meaning::Recovered)
    } else {
        None
    }
}

/// The table-0241 code of a PRB-14 value: component 1 when its system is HL70241 or unnamed, else
/// component 4 when the alternate triple names the table.
fn outcome_code(outcome: &Code) -> Option<OutcomeCode> {
    let table = |system: Option<&str>| system.is_none_or(|s| s.eq_ignore_ascii_case("HL70241"));
    if table(outcome.system.as_deref())
        && let Some(code) = outcome.code.as_deref().and_then(OutcomeCode::parse)
    {
        return Some(code);
    }
    outcome
        .local_system
        .as_deref()
        .filter(|s| s.eq_ignore_ascii_case("HL70241"))
        .and(outcome.local_code.as_deref())
        .and_then(OutcomeCode::parse)
}

/// The outcome's text as written, without the code the stored text falls back to when there is none.
fn outcome_text(outcome: &Code) -> Option<&str> {
    let text = outcome.text.trim();
    let is_a_code = [outcome.code.as_deref(), outcome.local_code.as_deref()]
        .into_iter()
        .flatten()
        .any(|c| c.trim() == text);
    (!text.is_empty() && !is_a_code).then_some(text)
}

/// The last day a stored date (`YYYY-MM-DD…`, `YYYY-MM`, `YYYY`) may mean; None when it is not one.
fn last_day(iso: &str) -> Option<NaiveDate> {
    let number = |range: std::ops::Range<usize>| iso.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(number(0..4)?).ok()?;
    match iso.len() {
        4 => NaiveDate::from_ymd_opt(year, 12, 31),
        7 if iso.as_bytes().get(4) == Some(&b'-') => {
            let month = number(5..7)?;
            let first_of_next = if month == 12 {
                NaiveDate::from_ymd_opt(year + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(year, month + 1, 1)
            };
            first_of_next?.pred_opt()
        }
        n if n >= 10 => NaiveDate::parse_from_str(iso.get(..10)?, "%Y-%m-%d").ok(),
        _ => None,
    }
}

impl ProblemEntry {
    /// Where this problem stands on `as_of` (the facility's data-as-of date), by the rule in the
    /// module docs.
    pub fn standing(&self, as_of: NaiveDate) -> Standing {
        let standing = |reason: StandingReason, outcome: Option<OutcomeCode>| Standing {
            active: reason.is_active(),
            reason,
            outcome,
        };
        if self.deleted {
            return standing(StandingReason::Deleted, None);
        }
        if let Some(outcome) = &self.outcome {
            let code = outcome_code(outcome);
            let said = outcome_text(outcome).and_then(text_meaning);
            return match code {
                None => standing(StandingReason::Unrecognised, None),
                Some(code) if said.is_some_and(|m| m != code.meaning()) => {
                    standing(StandingReason::Conflicting, Some(code))
                }
                Some(code) => match code.meaning() {
                    Meaning::Died => standing(StandingReason::Died, Some(code)),
                    Meaning::Recovered => standing(StandingReason::Recovered, Some(code)),
                    Meaning::Persists => standing(StandingReason::Persists, Some(code)),
                },
            };
        }
        match self.resolved.as_deref() {
            None => standing(StandingReason::Open, None),
            Some(date) => match last_day(date) {
                Some(day) if day <= as_of => standing(StandingReason::Resolved, None),
                Some(_) => standing(StandingReason::ResolvesLater, None),
                // The builder keeps only readable dates here; anything else is shown, not trusted.
                None => standing(StandingReason::Open, None),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn outcome(code: &str, text: &str) -> Code {
        Code {
            text: if text.is_empty() { code } else { text }.to_string(),
            code: (!code.is_empty()).then(|| code.to_string()),
            system: Some("HL70241".into()),
            ..Code::default()
        }
    }

    fn problem(outcome: Option<Code>, resolved: Option<&str>) -> ProblemEntry {
        ProblemEntry {
            diagnosis: Code {
                text: "胃炎".into(),
                ..Code::default()
            },
            outcome,
            resolved: resolved.map(str::to_string),
            ..ProblemEntry::default()
        }
    }

    const AS_OF: &str = "2026-11-20";

    fn reason(p: &ProblemEntry) -> StandingReason {
        p.standing(day(AS_OF)).reason
    }

    #[test]
    fn fully_recovered_without_a_date_is_not_an_active_problem() {
        let p = problem(Some(outcome("F", "治癒")), None);
        let s = p.standing(day(AS_OF));
        assert!(!s.active);
        assert_eq!(s.reason, StandingReason::Recovered);
        assert_eq!(s.outcome, Some(OutcomeCode::FullyRecovered));
    }

    #[test]
    fn not_recovering_with_an_outcome_date_stays_listed_with_its_outcome() {
        // The NHO sample: PRB-9 20110915 and PRB-14 N^回復せず^HL70241.
        let p = problem(Some(outcome("N", "回復せず")), Some("2011-09-15"));
        let s = p.standing(day(AS_OF));
        assert!(s.active);
        assert_eq!(s.reason, StandingReason::Persists);
        assert_eq!(s.outcome, Some(OutcomeCode::NotRecovering));
    }

    #[test]
    fn code_and_text_that_disagree_stay_listed_as_conflicting() {
        for (code, text) in [
            ("F", "回復せず"),
            ("N", "治癒"),
            ("D", "治癒"),
            ("F", "死亡"),
        ] {
            let p = problem(Some(outcome(code, text)), Some("2011-09-15"));
            let s = p.standing(day(AS_OF));
            assert_eq!(s.reason, StandingReason::Conflicting, "{code}^{text}");
            assert!(s.active, "{code}^{text}");
        }
    }

    #[test]
    fn died_ends_the_problem_and_each_persisting_code_keeps_it() {
        assert_eq!(
            reason(&problem(Some(outcome("D", "死亡")), None)),
            StandingReason::Died
        );
        for (code, text) in [
            ("N", ""),
            ("R", "軽快"),
            ("S", "後遺症"),
            ("W", "悪化"),
            ("U", "不明"),
            ("n", "継続"),
        ] {
            let p = problem(Some(outcome(code, text)), Some("2011-09-15"));
            assert_eq!(reason(&p), StandingReason::Persists, "{code}^{text}");
        }
    }

    #[test]
    fn text_the_rule_does_not_know_does_not_override_the_code() {
        let p = problem(Some(outcome("F", "その他")), None);
        assert_eq!(reason(&p), StandingReason::Recovered);
    }

    #[test]
    fn an_outcome_without_a_table_code_stays_listed_and_marked() {
        let local = Code {
            text: "治癒".into(),
            code: Some("1".into()),
            system: Some("99X01".into()),
            ..Code::default()
        };
        assert_eq!(
            reason(&problem(Some(local), None)),
            StandingReason::Unrecognised
        );
        let text_only = Code {
            text: "治癒".into(),
            ..Code::default()
        };
        assert_eq!(
            reason(&problem(Some(text_only), None)),
            StandingReason::Unrecognised
        );
        let unknown_code = outcome("X", "");
        assert_eq!(
            reason(&problem(Some(unknown_code), None)),
            StandingReason::Unrecognised
        );
    }

    #[test]
    fn the_table_code_may_sit_in_the_alternate_triple() {
        let alt = Code {
            text: "治癒".into(),
            code: Some("1".into()),
            system: Some("99X01".into()),
            local_code: Some("F".into()),
            local_system: Some("HL70241".into()),
            standard: None,
        };
        assert_eq!(reason(&problem(Some(alt), None)), StandingReason::Recovered);
    }

    #[test]
    fn without_an_outcome_the_date_decides_against_the_data_as_of() {
        assert_eq!(reason(&problem(None, None)), StandingReason::Open);
        assert_eq!(
            reason(&problem(None, Some("2011-09-15"))),
            StandingReason::Resolved
        );
        assert_eq!(
            reason(&problem(None, Some(AS_OF))),
            StandingReason::Resolved,
            "on the data-as-of day counts as on or before"
        );
        assert_eq!(
            reason(&problem(None, Some("2026-11-21"))),
            StandingReason::ResolvesLater
        );
        assert_eq!(
            reason(&problem(None, Some("2026-11-20T09:30"))),
            StandingReason::Resolved
        );
    }

    #[test]
    fn a_partial_date_counts_as_its_last_day() {
        assert_eq!(
            reason(&problem(None, Some("2026-11"))),
            StandingReason::ResolvesLater
        );
        assert_eq!(
            reason(&problem(None, Some("2026-10"))),
            StandingReason::Resolved
        );
        assert_eq!(
            reason(&problem(None, Some("2026"))),
            StandingReason::ResolvesLater
        );
        assert_eq!(last_day("2024-02"), Some(day("2024-02-29")));
        assert_eq!(last_day("2025-12"), Some(day("2025-12-31")));
    }

    #[test]
    fn a_deleted_diagnosis_is_not_listed_whatever_its_outcome() {
        let mut p = problem(Some(outcome("N", "回復せず")), None);
        p.deleted = true;
        assert_eq!(reason(&p), StandingReason::Deleted);
        assert!(!p.standing(day(AS_OF)).active);
    }

    #[test]
    fn standing_serializes_with_snake_case_names() {
        let p = problem(Some(outcome("N", "回復せず")), Some("2011-09-15"));
        let json = serde_json::to_value(p.standing(day(AS_OF))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"active": true, "reason": "persists", "outcome": "not_recovering"})
        );
        assert_eq!(StandingReason::ResolvesLater.as_str(), "resolves_later");
    }
}
