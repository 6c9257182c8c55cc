//! Patient search: any mix of name (kanji, kana, romaji, variant kanji), date of birth (Western or
//! Japanese era, whole or year only), sex, address fragment, phone number, patient ID and clinical
//! words (drugs, diagnoses, lab items, document text).
//!
//! Every query word must match. A date, a sex or a phone number must match its field exactly; a word
//! of text may match the kanji name, the kana name, the address or the clinical text, and counts more
//! in that order. The index finds candidates with the same n-grams the builder indexed
//! (`fieldchart_store::index`); then each candidate is re-checked against its stored row to say what
//! matched and to put exact name matches first. Each result is one patient at one facility: a search
//! never merges two facilities' patients on its own. A row names the identifiers the hub's
//! cross-references link with it (`linked`: other facilities, prior IDs), never a guess
//! (docs/identity.md).

use std::collections::HashSet;

use chrono::NaiveDate;
use fieldchart_jtext::{self as jtext, DobQuery, Term as QueryTerm};
use fieldchart_policy::Consent;
use fieldchart_session::{Hit, SearchAccess, Viewing};
use fieldchart_store::index::{self as ix, Fields};
use fieldchart_store::rows::{PatientRow, Sex, Source, StoredItem};
use serde::Serialize;
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::QueryError;

/// One patient found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub facility: String,
    pub patient_id: String,
    pub name_kanji: Option<String>,
    pub name_kana: Option<String>,
    /// `YYYY-MM-DD`.
    pub dob: Option<String>,
    /// The same date in the Japanese era (`S45.3.12`).
    pub dob_wareki: Option<String>,
    /// Age in whole years on the day of the search.
    pub age: Option<u32>,
    /// `male`, `female`, `other`, `unknown`.
    pub sex: Sex,
    pub address: Option<String>,
    /// The newest care date of any record.
    pub last_contact: Option<String>,
    /// The hub's consent state (or the policy's default): whether opening the record needs a legal
    /// basis (unknown) or break-glass (refused).
    pub consent: Consent,
    pub score: f32,
    /// What each query word matched.
    pub matched: Vec<Matched>,
    /// The same person at other facilities (and prior IDs merged at one), as the hub linked them.
    pub linked: Vec<LinkedIdentity>,
    /// Where the linked identifiers disagree on what should not differ: `dob-differs`,
    /// `sex-differs`. A data-quality warning for the clinician and the hub.
    pub warnings: Vec<String>,
}

/// Another identifier of the same person, as the hub's cross-references link it. The identity
/// fields are given only where they differ from the row's (a married name, a moved address).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkedIdentity {
    pub facility: String,
    pub patient_id: String,
    /// `xref` (the regional index), `link` (an ADT^A24 event) or `merge` (a prior ID, ADT^A40).
    pub via: String,
    /// Whether this snapshot holds the identifier's data (a link may name a patient it does not).
    pub held: bool,
    pub last_contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kanji: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// What one query word matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matched {
    /// The query word as typed.
    pub term: String,
    /// `name_kanji`, `name_kana`, `dob`, `sex`, `address`, `phone`, `patient_id` or `clinical`.
    pub field: String,
    /// For clinical matches: the item that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<MatchedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchedItem {
    pub section: String,
    pub label: String,
    pub at: Option<String>,
    pub source: Source,
}

/// What a search answers: the patients to list, and how many matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchAnswer {
    /// The best `limit` matches, best first; none when the search was too broad.
    pub results: Vec<SearchResult>,
    pub breadth: Breadth,
}

/// How many patients a search matched, measured against the policy's maximum for results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Breadth {
    /// `matches` patients matched, no more than the policy allows to list; `results` holds the
    /// first `limit` of them.
    Within { matches: u32 },
    /// More than `more_than` (the policy's `session.max_results`) matched. None of them is listed:
    /// the viewer narrows the search (name and date of birth, say) rather than paging through the
    /// region's identities.
    TooBroad { more_than: u32 },
}

/// Field weights: a name match outranks an address match, which outranks clinical text.
const NAME_BOOST: f32 = 3.0;
const KANA_BOOST: f32 = 3.0;
const ADDRESS_BOOST: f32 = 1.0;
const CLINICAL_BOOST: f32 = 0.5;
/// A query word that equals a whole name part (family, given or full name) outranks partial matches.
const EXACT_BOOST: f32 = 10.0;

/// Searches the viewing session's snapshot, as far as its policy allows, and writes the search to
/// the audit log before returning the results. `today` gives ages.
///
/// Bounded on every side: a query of more than [`jtext::MAX_QUERY_WORDS`] words or
/// [`jtext::MAX_QUERY_CHARS`] characters, and a `limit` of 0 or above the policy's
/// `session.max_results`, are refused before anything is read. A query that matches more patients
/// than the policy's maximum lists none of them ([`Breadth::TooBroad`]), and the audit entry says so.
pub fn search(
    viewing: &mut Viewing,
    query: &str,
    limit: usize,
    today: NaiveDate,
) -> Result<SearchAnswer, QueryError> {
    jtext::check_query_size(query).map_err(QueryError::TooLong)?;
    if jtext::parse_query(query).is_empty() {
        return Err(QueryError::EmptyQuery);
    }
    let max = viewing.policy().session.max_results;
    if limit == 0 || limit > max as usize {
        return Err(QueryError::Limit { limit, max });
    }
    let mut access = viewing.search_access(query)?;
    let terms = jtext::parse_query(query);
    let (matches, top) = match index_query(access.fields(), &terms, access.grant.clinical) {
        Some(q) => access.count_and_top(&q, limit)?,
        None => (0, Vec::new()),
    };
    if matches > max as usize {
        access.finish_too_broad(max)?;
        return Ok(SearchAnswer {
            results: Vec::new(),
            breadth: Breadth::TooBroad { more_than: max },
        });
    }
    let results = run(&mut access, &terms, top, today)?;
    access.finish(u32::try_from(results.len()).unwrap_or(u32::MAX))?;
    Ok(SearchAnswer {
        results,
        // Not above `max`, which is a u32.
        breadth: Breadth::Within {
            matches: u32::try_from(matches).unwrap_or(max),
        },
    })
}

/// Every query word as a required clause; `None` when a word can produce no index term
/// (punctuation alone), so nothing can match.
fn index_query(fields: &Fields, terms: &[QueryTerm], clinical: bool) -> Option<BooleanQuery> {
    let clauses = terms
        .iter()
        .map(|term| Some((Occur::Must, term_query(fields, term, clinical)?)))
        .collect::<Option<Vec<_>>>()?;
    Some(BooleanQuery::new(clauses))
}

/// The results shown for the index's best hits (`top`, counted and ranked in the same pass).
fn run(
    access: &mut SearchAccess<'_>,
    terms: &[QueryTerm],
    top: Vec<(f32, Hit)>,
    today: NaiveDate,
) -> Result<Vec<SearchResult>, QueryError> {
    // Exact name parts are scored inside the index, so the first `limit` hits are the answer: only
    // they are loaded from the store (random reads, the cost that grows with the snapshot).

    let mut results: Vec<(Hit, SearchResult)> = Vec::with_capacity(top.len());
    for (score, pk) in top {
        let row = access.patient(pk)?;
        let mut result = SearchResult {
            facility: row.facility.clone(),
            patient_id: row.patient_id.clone(),
            name_kanji: row.name_kanji.clone(),
            name_kana: row.name_kana.clone(),
            dob: row.dob.clone(),
            dob_wareki: row
                .dob
                .as_deref()
                .and_then(parse_date)
                .and_then(jtext::wareki_short),
            age: row
                .dob
                .as_deref()
                .and_then(parse_date)
                .map(|d| jtext::age_on(d, today)),
            sex: row.sex,
            address: row.addresses.first().cloned(),
            last_contact: row.last_contact.clone(),
            consent: access.consent(&row.facility, &row.patient_id)?,
            score,
            matched: Vec::new(),
            linked: Vec::new(),
            warnings: Vec::new(),
        };
        for term in terms {
            result.matched.push(explain(&row, term));
        }
        results.push((pk, result));
    }
    // Best first; ties by facility and ID so the order is stable.
    results.sort_by(|(_, a), (_, b)| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.facility.cmp(&b.facility))
            .then_with(|| a.patient_id.cmp(&b.patient_id))
    });
    // Each row names the identifiers the hub linked with it; a person is one row, the best
    // scoring of their identifiers, and the record opens as the whole person from it.
    for (_, result) in &mut results {
        for other in access.linked(&result.facility, &result.patient_id)? {
            let linked = linked_identity(result, other);
            if linked.dob.is_some() && result.dob.is_some() {
                push_once(&mut result.warnings, "dob-differs");
            }
            if linked.sex.is_some() {
                push_once(&mut result.warnings, "sex-differs");
            }
            result.linked.push(linked);
        }
    }
    let mut listed: HashSet<(String, String)> = HashSet::new();
    results.retain(|(_, r)| {
        if listed.contains(&(r.facility.clone(), r.patient_id.clone())) {
            return false;
        }
        listed.insert((r.facility.clone(), r.patient_id.clone()));
        for l in &r.linked {
            listed.insert((l.facility.clone(), l.patient_id.clone()));
        }
        true
    });
    // Only the results shown need the clinical item that matched (it means unpacking their chart),
    // and only for a viewer the policy lets search clinical text: the access gives no chart to
    // anyone else (no word of theirs matched it, and it is not theirs to read).
    for (pk, result) in &mut results {
        if !result.matched.iter().any(|m| m.field == "clinical") {
            continue;
        }
        let Some(items) = access.clinical_items(*pk)? else {
            continue;
        };
        for m in &mut result.matched {
            if m.field == "clinical" {
                m.item = matching_item(&items, &jtext::fold(&m.term));
            }
        }
    }
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// The identity fields of another identifier of the same person that differ from this one's: what
/// a search row and a linked record show beside the other facility's ID. A sex counts only when
/// both are known.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IdentityDiff {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kanji: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl IdentityDiff {
    /// What of `theirs` differs from `mine`, given as (kanji, kana, dob, sex, first address).
    pub fn of(
        (kanji, kana, dob, sex, address): (
            &Option<String>,
            &Option<String>,
            &Option<String>,
            Sex,
            Option<&String>,
        ),
        theirs: &PatientRow,
    ) -> IdentityDiff {
        let differs = |mine: Option<&String>, theirs: Option<&String>| match theirs {
            Some(t) if Some(t) != mine => Some(t.clone()),
            _ => None,
        };
        IdentityDiff {
            name_kanji: differs(kanji.as_ref(), theirs.name_kanji.as_ref()),
            name_kana: differs(kana.as_ref(), theirs.name_kana.as_ref()),
            dob: differs(dob.as_ref(), theirs.dob.as_ref()),
            sex: Some(theirs.sex)
                .filter(|s| *s != sex && *s != Sex::Unknown && sex != Sex::Unknown),
            address: differs(address, theirs.addresses.first()),
        }
    }
}

/// A linked identifier as the row shows it: identity fields only where they differ.
fn linked_identity(row: &SearchResult, other: fieldchart_session::Linked) -> LinkedIdentity {
    let held = other.row.is_some();
    let d = other
        .row
        .as_ref()
        .map(|r| {
            IdentityDiff::of(
                (
                    &row.name_kanji,
                    &row.name_kana,
                    &row.dob,
                    row.sex,
                    row.address.as_ref(),
                ),
                r,
            )
        })
        .unwrap_or_default();
    LinkedIdentity {
        facility: other.facility,
        patient_id: other.patient_id,
        via: other.via,
        held,
        last_contact: other.row.and_then(|r| r.last_contact),
        name_kanji: d.name_kanji,
        name_kana: d.name_kana,
        dob: d.dob,
        sex: d.sex,
        address: d.address,
    }
}

fn push_once(warnings: &mut Vec<String>, w: &str) {
    if !warnings.iter().any(|x| x == w) {
        warnings.push(w.to_owned());
    }
}

pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn exact(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

/// Every gram must be in the field.
fn all_grams(field: Field, grams: &[String], boost: f32) -> Option<Box<dyn Query>> {
    if grams.is_empty() {
        return None;
    }
    let clauses: Vec<(Occur, Box<dyn Query>)> = grams
        .iter()
        .map(|g| {
            let q: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(field, g),
                IndexRecordOption::WithFreqs,
            ));
            (Occur::Must, q)
        })
        .collect();
    Some(Box::new(BoostQuery::new(
        Box::new(BooleanQuery::new(clauses)),
        boost,
    )))
}

fn any_of(queries: Vec<Option<Box<dyn Query>>>) -> Option<Box<dyn Query>> {
    let clauses: Vec<(Occur, Box<dyn Query>)> = queries
        .into_iter()
        .flatten()
        .map(|q| (Occur::Should, q))
        .collect();
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
}

/// Query-side grams of a word: its bigrams (a one-character word is its own gram, which the index
/// holds as a unigram for names and addresses).
fn word_grams(text: &str) -> Vec<String> {
    let mut g = jtext::bigrams(text);
    g.sort_unstable();
    g.dedup();
    g
}

/// The index query of one word. `clinical` says whether the policy lets this viewer's words match
/// clinical text.
fn term_query(f: &Fields, term: &QueryTerm, clinical_allowed: bool) -> Option<Box<dyn Query>> {
    match term {
        QueryTerm::Dob(DobQuery::Date(d)) => Some(exact(f.dob, &d.format("%Y%m%d").to_string())),
        QueryTerm::Dob(DobQuery::YearMonth(y, m)) => {
            Some(exact(f.dob_month, &format!("{y:04}{m:02}")))
        }
        QueryTerm::Dob(DobQuery::Year(y)) => Some(exact(f.dob_year, &format!("{y:04}"))),
        QueryTerm::Sex(s) => Some(exact(f.sex, sex_letter(*s))),
        // A zero-padded patient ID reads like a phone number, and a long ID like digits: both
        // look in both fields.
        QueryTerm::Phone(d) | QueryTerm::Digits(d) => any_of(
            ix::patient_id_terms(d)
                .iter()
                .map(|id| Some(exact(f.patient_id, id)))
                .chain(std::iter::once(Some(exact(f.phone, d))))
                .collect(),
        ),
        QueryTerm::Text {
            folded, kana_key, ..
        } => {
            let grams = word_grams(folded);
            let clinical: Vec<String> = grams
                .iter()
                .filter(|g| g.chars().count() == 2)
                .cloned()
                .collect();
            let exact_name = |field: Field, key: &str| {
                (!key.is_empty()).then(|| {
                    Box::new(BoostQuery::new(exact(field, key), EXACT_BOOST)) as Box<dyn Query>
                })
            };
            any_of(vec![
                exact_name(f.name_exact, folded),
                exact_name(f.kana_exact, kana_key),
                all_grams(f.name, &grams, NAME_BOOST),
                all_grams(f.kana, &word_grams(kana_key), KANA_BOOST),
                all_grams(f.address, &grams, ADDRESS_BOOST),
                clinical_allowed
                    .then(|| all_grams(f.clinical, &clinical, CLINICAL_BOOST))
                    .flatten(),
            ])
        }
    }
}

fn sex_letter(s: jtext::Sex) -> &'static str {
    match s {
        jtext::Sex::Male => "M",
        jtext::Sex::Female => "F",
        jtext::Sex::Other => "O",
        jtext::Sex::Unknown => "U",
    }
}

fn contains_all(have: &HashSet<String>, want: &[String]) -> bool {
    !want.is_empty() && want.iter().all(|g| have.contains(g))
}

/// Says what a query word matched for this patient. A clinical match's item is looked up later,
/// for the results shown only.
fn explain(row: &PatientRow, term: &QueryTerm) -> Matched {
    let (raw, field) = match term {
        QueryTerm::Dob(d) => (dob_text(d), "dob"),
        QueryTerm::Sex(s) => (format!("{s:?}").to_lowercase(), "sex"),
        QueryTerm::Phone(p) | QueryTerm::Digits(p) => {
            let is_id = ix::patient_id_terms(p)
                .iter()
                .any(|t| ix::patient_id_terms(&row.patient_id).contains(t));
            (p.clone(), if is_id { "patient_id" } else { "phone" })
        }
        QueryTerm::Text {
            raw,
            folded,
            kana_key,
        } => {
            let grams = word_grams(folded);
            let names: Vec<&String> = row.name_kanji.iter().chain(&row.other_names).collect();
            let name_grams: HashSet<String> =
                names.iter().flat_map(|n| ix::name_grams(n)).collect();
            let kana_names: Vec<&String> = row.name_kana.iter().chain(&row.other_names).collect();
            let kana_grams: HashSet<String> =
                kana_names.iter().flat_map(|n| ix::kana_grams(n)).collect();
            let address_grams: HashSet<String> = row
                .addresses
                .iter()
                .flat_map(|a| ix::name_grams(a))
                .collect();
            let field = if contains_all(&name_grams, &grams) {
                "name_kanji"
            } else if contains_all(&kana_grams, &word_grams(kana_key)) {
                "name_kana"
            } else if contains_all(&address_grams, &grams) {
                "address"
            } else {
                "clinical"
            };
            (raw.clone(), field)
        }
    };
    Matched {
        term: raw,
        field: field.into(),
        item: None,
    }
}

fn dob_text(d: &DobQuery) -> String {
    match d {
        DobQuery::Date(d) => d.format("%Y-%m-%d").to_string(),
        DobQuery::YearMonth(y, m) => format!("{y:04}-{m:02}"),
        DobQuery::Year(y) => format!("{y:04}"),
    }
}

/// The item of the patient whose text contains the folded word: one whose name (label) holds it
/// before one whose body does (a diagnosis before an ECG finding that mentions it), then the newest.
fn matching_item(items: &[StoredItem], folded: &str) -> Option<MatchedItem> {
    let mut best: Option<((bool, Option<String>), &StoredItem)> = None;
    for item in items {
        if !jtext::fold(&item.entry.search_text()).contains(folded) {
            continue;
        }
        let rank = (
            jtext::fold(&item.entry.label()).contains(folded),
            item.at.clone(),
        );
        if best.as_ref().is_none_or(|(b, _)| rank > *b) {
            best = Some((rank, item));
        }
    }
    best.map(|(_, i)| MatchedItem {
        section: i.section.as_str().to_string(),
        label: i.entry.label(),
        at: i.at.clone(),
        source: i.source.clone(),
    })
}
