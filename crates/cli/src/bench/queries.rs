//! The patient queries of `bench snapshot`: drawn with a seed from the snapshot's own patients, in
//! three equal kinds (kanji name, kana name in hiragana or half-width, era date of birth with sex),
//! each with the patient it should find so that the viewer can count hits (requirements PERF-4:
//! "1,000 seeded name, kana and date-of-birth queries").
//!
//! The queries hold synthetic patients' names: they travel from the parent to the viewer process
//! through a pipe and are never printed or logged.

use std::collections::HashMap;
use std::sync::OnceLock;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use fieldchart_jtext::{fold, kana_key, wareki_short};
use fieldchart_query::search::SearchResult;
use fieldchart_session::Session;
use serde::{Deserialize, Serialize};

/// What a query searches by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueryKind {
    /// `佐藤 大輔`: family and given name in kanji, as registered.
    KanjiName,
    /// `さとう だいすけ` or `ｻﾄｳ ﾀﾞｲｽｹ`: the registered katakana reading re-typed.
    KanaName,
    /// `S58.1.8 男`: date of birth in the short era form, plus sex when it is male or female.
    DobSex,
}

impl QueryKind {
    /// Every kind, in the order queries cycle through them (so each gets a third).
    pub const ALL: [QueryKind; 3] = [QueryKind::KanjiName, QueryKind::KanaName, QueryKind::DobSex];
}

/// One query and the patient it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchQuery {
    pub kind: QueryKind,
    pub text: String,
    pub facility: String,
    pub patient_id: String,
}

impl BenchQuery {
    /// True when `result` has what this query searched by: the same kanji name (folded), the same
    /// reading (by the tolerant kana key), or the same era date of birth. A full result list of such
    /// patients that lacks the drawn one was crowded out by namesakes, not missed by the search.
    pub fn shares_key_with(&self, result: &SearchResult) -> bool {
        match self.kind {
            QueryKind::KanjiName => result
                .name_kanji
                .as_deref()
                .is_some_and(|name| fold(name) == fold(&self.text)),
            QueryKind::KanaName => result
                .name_kana
                .as_deref()
                .is_some_and(|name| kana_key(name) == kana_key(&self.text)),
            QueryKind::DobSex => {
                result.dob_wareki.as_deref()
                    == self.text.split(' ').next().filter(|d| !d.is_empty())
            }
        }
    }
}

/// The columns of one `patient` row that queries are made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampledPatient {
    pub facility: String,
    pub patient_id: String,
    /// Family and given name, one ASCII space between (`fieldchart_store::rows::PatientRow`).
    pub name_kanji: Option<String>,
    /// The katakana reading, one ASCII space between.
    pub name_kana: Option<String>,
    /// `YYYY-MM-DD`, or less when less was written.
    pub dob: Option<String>,
    /// HL7 administrative sex letter as stored (`M`, `F`, `O`, `U`).
    pub sex: String,
}

/// A small seeded generator (splitmix64): the same seed gives the same queries on every machine,
/// which is all a benchmark needs; it is not for anything secret.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `1..=max` (`max` at least 1). The modulo bias is irrelevant at these sizes.
    pub fn one_to(&mut self, max: u64) -> u64 {
        1 + self.next_u64() % max.max(1)
    }
}

/// The query of `kind` for `patient`, or `None` when the patient lacks what that kind needs (no
/// kanji name, no reading, no full date of birth or one before Meiji).
pub fn query_for(kind: QueryKind, patient: &SampledPatient, half_width: bool) -> Option<String> {
    match kind {
        QueryKind::KanjiName => patient
            .name_kanji
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
        QueryKind::KanaName => {
            // `fold` turns katakana into hiragana and tidies spaces: the hiragana a clerk would type.
            let hiragana = fold(patient.name_kana.as_deref()?);
            if hiragana.is_empty() {
                return None;
            }
            Some(if half_width {
                half_width_kana(&hiragana)
            } else {
                hiragana
            })
        }
        QueryKind::DobSex => {
            let dob = NaiveDate::parse_from_str(patient.dob.as_deref()?, "%Y-%m-%d").ok()?;
            let era = wareki_short(dob)?;
            Some(match patient.sex.as_str() {
                "M" => format!("{era} 男"),
                "F" => format!("{era} 女"),
                _ => era,
            })
        }
    }
}

/// Kana as half-width katakana (`さとう だいすけ` → `ｻﾄｳ ﾀﾞｲｽｹ`), as old registration systems
/// print them. Characters without a half-width form (kanji, ゐ, small ゎ) stay as they are.
pub fn half_width_kana(text: &str) -> String {
    let table = half_width_table();
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        let key = fold(c.encode_utf8(&mut [0u8; 4]))
            .chars()
            .next()
            .unwrap_or(c);
        match table.get(&key) {
            Some(half) => out.push_str(half),
            None => out.push(c),
        }
    }
    out
}

/// Folded character → its half-width spelling. Built by folding every half-width katakana (alone and
/// with each sound mark) with the same `fold` the index uses, so the table cannot disagree with it:
/// ｶ → か, ｶﾞ → が, ﾊﾟ → ぱ, ｰ → ー.
fn half_width_table() -> &'static HashMap<char, String> {
    static TABLE: OnceLock<HashMap<char, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::new();
        let half_width = '\u{FF61}'..='\u{FF9F}';
        for base in half_width.clone() {
            let spelled = base.to_string();
            if let Some(single) = single_char(&fold(&spelled)) {
                table.entry(single).or_insert(spelled);
            }
        }
        for base in half_width {
            for mark in ['\u{FF9E}', '\u{FF9F}'] {
                let spelled: String = [base, mark].into_iter().collect();
                if let Some(single) = single_char(&fold(&spelled)) {
                    table.entry(single).or_insert(spelled);
                }
            }
        }
        table
    })
}

fn single_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    let first = chars.next()?;
    chars.next().is_none().then_some(first)
}

/// How many random rows are tried for one query before giving up: every synthetic patient has a
/// name, a reading and a date of birth, so this only runs out on a snapshot that lacks them.
const ATTEMPTS_PER_QUERY: usize = 1_000;

/// `count` queries from the session's patients, kinds in turn, patients drawn by random primary key.
/// The patients are read without a viewer, through the session's path for benchmarks, which only a
/// drill snapshot (synthetic patients) opens.
pub fn sample(session: &Session, count: usize, seed: u64) -> anyhow::Result<Vec<BenchQuery>> {
    let patients = session.benchmark_patients()?;
    let Some(max_pk) = patients
        .max_key()?
        .and_then(|m| u64::try_from(m).ok())
        .filter(|&m| m > 0)
    else {
        bail!("the snapshot holds no patients to draw benchmark queries from");
    };
    let mut rng = Rng::new(seed);
    let mut queries = Vec::with_capacity(count);
    for i in 0..count {
        let kind = QueryKind::ALL[i % QueryKind::ALL.len()];
        let mut made = None;
        for _ in 0..ATTEMPTS_PER_QUERY {
            let pk = i64::try_from(rng.one_to(max_pk)).unwrap_or(i64::MAX);
            let half_width = rng.next_u64().is_multiple_of(2);
            let Some(row) = patients.patient(pk)? else {
                continue;
            };
            let patient = SampledPatient {
                facility: row.facility,
                patient_id: row.patient_id,
                name_kanji: row.name_kanji,
                name_kana: row.name_kana,
                dob: row.dob,
                sex: row.sex.letter().to_string(),
            };
            if let Some(text) = query_for(kind, &patient, half_width) {
                made = Some(BenchQuery {
                    kind,
                    text,
                    facility: patient.facility,
                    patient_id: patient.patient_id,
                });
                break;
            }
        }
        queries.push(made.with_context(|| {
            format!("no patient in {ATTEMPTS_PER_QUERY} draws had what a {kind:?} query needs")
        })?);
    }
    Ok(queries)
}

#[cfg(test)]
mod tests {
    use fieldchart_jtext::{kana_key, parse_query};

    use super::*;

    fn patient() -> SampledPatient {
        SampledPatient {
            facility: "0413010752".into(),
            patient_id: "003009789".into(),
            name_kanji: Some("佐藤 大輔".into()),
            name_kana: Some("サトウ ダイスケ".into()),
            dob: Some("1983-01-08".into()),
            sex: "M".into(),
        }
    }

    #[test]
    fn kanji_query_is_the_registered_name() {
        assert_eq!(
            query_for(QueryKind::KanjiName, &patient(), false).as_deref(),
            Some("佐藤 大輔")
        );
    }

    #[test]
    fn kana_query_is_hiragana_or_half_width_and_folds_to_the_registered_reading() {
        let hiragana = query_for(QueryKind::KanaName, &patient(), false);
        let half = query_for(QueryKind::KanaName, &patient(), true);
        assert_eq!(hiragana.as_deref(), Some("さとう だいすけ"));
        assert_eq!(half.as_deref(), Some("ｻﾄｳ ﾀﾞｲｽｹ"));
        for query in [hiragana, half].into_iter().flatten() {
            assert_eq!(kana_key(&query), kana_key("サトウ ダイスケ"));
        }
    }

    #[test]
    fn half_width_spells_voiced_and_semi_voiced_kana_with_their_marks() {
        assert_eq!(half_width_kana("ぱーぶ ヴぃ"), "ﾊﾟｰﾌﾞ ｳﾞｨ");
    }

    #[test]
    fn dob_query_is_the_era_date_with_the_sex_word() {
        let query = query_for(QueryKind::DobSex, &patient(), false);
        assert_eq!(query.as_deref(), Some("S58.1.8 男"));
        let terms = parse_query(query.as_deref().unwrap_or_default());
        assert_eq!(terms.len(), 2, "{terms:?}");
    }

    #[test]
    fn dob_query_leaves_out_a_sex_that_is_neither_male_nor_female() {
        let unknown = SampledPatient {
            sex: "U".into(),
            ..patient()
        };
        assert_eq!(
            query_for(QueryKind::DobSex, &unknown, false).as_deref(),
            Some("S58.1.8")
        );
    }

    #[test]
    fn a_patient_without_what_the_kind_needs_gives_no_query() {
        let partial = SampledPatient {
            name_kanji: None,
            name_kana: Some("   ".into()),
            dob: Some("1983-01".into()),
            ..patient()
        };
        for kind in QueryKind::ALL {
            assert_eq!(query_for(kind, &partial, false), None, "{kind:?}");
        }
    }

    fn result(name_kanji: &str, name_kana: &str, dob_wareki: &str) -> SearchResult {
        SearchResult {
            facility: "0410610011".into(),
            patient_id: "0000001".into(),
            name_kanji: Some(name_kanji.into()),
            name_kana: Some(name_kana.into()),
            dob: None,
            dob_wareki: Some(dob_wareki.into()),
            age: None,
            sex: fieldchart_store::rows::Sex::Male,
            address: None,
            last_contact: None,
            consent: fieldchart_policy::Consent::Unknown,
            score: 1.0,
            matched: Vec::new(),
            linked: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_namesake_shares_the_key_of_each_kind_of_query() {
        let namesake = result("佐藤 大輔", "サトウ ダイスケ", "S58.1.8");
        let other = result("佐藤 大介", "サトウ ダイ", "S58.1.9");
        for kind in QueryKind::ALL {
            for half_width in [false, true] {
                let query = BenchQuery {
                    kind,
                    text: query_for(kind, &patient(), half_width).unwrap_or_default(),
                    facility: "0413010752".into(),
                    patient_id: "003009789".into(),
                };
                assert!(query.shares_key_with(&namesake), "{kind:?}");
                assert!(!query.shares_key_with(&other), "{kind:?}");
            }
        }
    }

    #[test]
    fn the_same_seed_draws_the_same_numbers() {
        let draw = |seed| {
            let mut rng = Rng::new(seed);
            (0..5).map(|_| rng.one_to(1_000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert!(draw(3).iter().all(|n| (1..=1_000).contains(n)));
    }
}
