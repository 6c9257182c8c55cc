//! Typed readers of a snapshot's clinical store and patient index: every SQL statement and every
//! index lookup the laptop runs is one method here, next to the schema it reads.
//!
//! These readers know nothing of who is looking. `fieldchart-session` holds them privately and hands
//! out their methods only through the accesses it grants and audits (`SearchAccess`,
//! `RecordAccess`), so "nothing is read without an audited grant" is checked by the compiler, not by
//! convention. The one other path, for benchmarks on synthetic data, is named as such there.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};
use tantivy::collector::{Collector, Count, FilterCollector, TopDocs};
use tantivy::directory::Directory;
use tantivy::query::Query;
use tantivy::{Index, IndexReader, ReloadPolicy};

use crate::index::Fields;
use crate::rows::{PatientRow, Section, StoredItem, unpack_items};

/// The patients of one file that a search of it leaves out, by `pk` (the index's fast field):
/// those a newer file of the chain holds or removes.
pub type Hidden = Arc<HashSet<u64>>;

/// `collector`, fed only the matches whose `pk` is not in `hidden`.
fn shown<C: Collector>(
    hidden: &Hidden,
    collector: C,
) -> FilterCollector<C, impl Fn(u64) -> bool + Clone + Send + Sync + 'static, u64> {
    let hidden = Arc::clone(hidden);
    FilterCollector::new(
        "pk".to_string(),
        move |pk: u64| !hidden.contains(&pk),
        collector,
    )
}

/// Why a read failed. The store and index are inside a signed snapshot, so any failure means the
/// snapshot is damaged (or the vault underneath refused a block: the session says which).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("clinical store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("{0}")]
    Damaged(String),
}

/// A patient's key in this snapshot's store (`patient.pk`). Only the readers make one, from an index
/// hit or a look-up, so a key always names a patient of the snapshot it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PatientPk(i64);

impl PatientPk {
    /// The number, for audit details and benchmarks; there is no way back from a number.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// Where a document file's or thumbnail's bytes are: a vault part, an offset and a length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobLocation {
    pub part: String,
    pub offset: u64,
    pub len: u64,
    pub media_type: String,
}

/// The clinical store of one snapshot (SQLite, opened read-only by the session).
pub struct ClinicalStore {
    conn: Connection,
    /// Whether the file has the cross-references table (files made before links have none),
    /// looked up once at open: a search asks for every result row.
    has_links: bool,
    /// Whether the file has the probable-match table.
    has_suggestions: bool,
}

/// A probable match of a patient, as a base stored it: the other patient and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestedRow {
    pub facility: String,
    pub patient_id: String,
    /// `probable` or `weaker`.
    pub strength: String,
    pub agree: Vec<String>,
    pub differ: Vec<String>,
}

impl ClinicalStore {
    /// Wraps an open connection and reads the schema now, so that a damaged store fails at open,
    /// not halfway through a record (SQLite reads lazily).
    pub fn new(conn: Connection) -> Result<ClinicalStore, ReadError> {
        conn.query_row("SELECT count(*) FROM facility", [], |r| r.get::<_, i64>(0))?;
        let has_links = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'person_link')",
            [],
            |r| r.get(0),
        )?;
        let has_suggestions = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'person_suggest')",
            [],
            |r| r.get(0),
        )?;
        Ok(ClinicalStore {
            conn,
            has_links,
            has_suggestions,
        })
    }

    /// The patient `facility:patient_id`, with the hub's consent state when the list has one.
    pub fn find_patient(
        &self,
        facility: &str,
        patient_id: &str,
    ) -> Result<Option<(PatientPk, Option<String>)>, ReadError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.pk, c.state FROM patient p LEFT JOIN consent c
             ON c.facility = p.facility AND c.patient_id = p.patient_id
             WHERE p.facility = ?1 AND p.patient_id = ?2",
        )?;
        Ok(stmt
            .query_row([facility, patient_id], |r| {
                Ok((PatientPk(r.get(0)?), r.get(1)?))
            })
            .optional()?)
    }

    /// The hub's consent state (`consented`, `refused`) of a patient, if listed.
    pub fn consent(&self, facility: &str, patient_id: &str) -> Result<Option<String>, ReadError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state FROM consent WHERE facility = ?1 AND patient_id = ?2")?;
        Ok(stmt
            .query_row([facility, patient_id], |r| r.get(0))
            .optional()?)
    }

    /// The identifiers the hub's cross-references link with this one, itself included, with how
    /// each came in (`xref`, `link`, `merge`): (facility, patient ID, via), sorted. Empty when it
    /// is linked with none, or the file was made before links existed (it has no such table).
    pub fn linked(
        &self,
        facility: &str,
        patient_id: &str,
    ) -> Result<Vec<(String, String, String)>, ReadError> {
        if !self.has_links {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.facility, l.patient_id, l.via FROM person_link l \
             WHERE l.grp = (SELECT grp FROM person_link WHERE facility = ?1 AND patient_id = ?2) \
             ORDER BY l.facility, l.patient_id",
        )?;
        let rows = stmt.query_map([facility, patient_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The probable matches this file stored for `facility:patient_id` (either side of a pair),
    /// by facility and ID. Never a link: the hub's index did not make them one person.
    pub fn suggested(
        &self,
        facility: &str,
        patient_id: &str,
    ) -> Result<Vec<SuggestedRow>, ReadError> {
        if !self.has_suggestions {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT facility_b, id_b, strength, agree, differ FROM person_suggest \
             WHERE facility_a = ?1 AND id_a = ?2 \
             UNION ALL \
             SELECT facility_a, id_a, strength, agree, differ FROM person_suggest \
             WHERE facility_b = ?1 AND id_b = ?2 \
             ORDER BY 1, 2",
        )?;
        let list = |s: String| -> Vec<String> {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let rows = stmt.query_map([facility, patient_id], |r| {
            Ok(SuggestedRow {
                facility: r.get(0)?,
                patient_id: r.get(1)?,
                strength: r.get(2)?,
                agree: list(r.get(3)?),
                differ: list(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A patient's identity row.
    pub fn patient(&self, pk: PatientPk) -> Result<PatientRow, ReadError> {
        let json: String = self
            .conn
            .prepare_cached("SELECT json FROM patient WHERE pk = ?1")?
            .query_row([pk.0], |r| r.get(0))?;
        serde_json::from_str(&json).map_err(|e| ReadError::Damaged(format!("patient row: {e}")))
    }

    /// A patient's whole chart, per section, items newest first: the one place a `chart` row is
    /// unpacked.
    pub fn chart(&self, pk: PatientPk) -> Result<BTreeMap<Section, Vec<StoredItem>>, ReadError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT section, items FROM chart WHERE patient = ?1")?;
        let rows = stmt.query_map([pk.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (section, packed) = row?;
            let section = Section::parse(&section)
                .ok_or_else(|| ReadError::Damaged(format!("unknown chart section {section:?}")))?;
            let items =
                unpack_items(&packed).map_err(|e| ReadError::Damaged(format!("chart row: {e}")))?;
            out.insert(section, items);
        }
        Ok(out)
    }

    /// Where a document file's or thumbnail's bytes are (`blob.pk`, as the chart names them).
    pub fn blob(&self, blob: i64) -> Result<Option<BlobLocation>, ReadError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT part, offset, len, media_type FROM blob WHERE pk = ?1")?;
        let row = stmt
            .query_row([blob], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })
            .optional()?;
        row.map(|(part, offset, len, media_type)| {
            let offset = u64::try_from(offset)
                .map_err(|_| ReadError::Damaged(format!("blob {blob}: offset {offset}")))?;
            let len = u64::try_from(len)
                .map_err(|_| ReadError::Damaged(format!("blob {blob}: length {len}")))?;
            Ok(BlobLocation {
                part,
                offset,
                len,
                media_type,
            })
        })
        .transpose()
    }

    /// The highest patient key (benchmarks draw patients at random below it).
    /// Whether this file removes the patient (a layer's tombstone: the patient left the storage).
    pub fn is_tombstoned(&self, facility: &str, patient_id: &str) -> Result<bool, ReadError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT 1 FROM tombstone WHERE facility = ?1 AND patient_id = ?2")?;
        Ok(stmt
            .query_row([facility, patient_id], |r| r.get::<_, i64>(0))
            .optional()?
            .is_some())
    }

    /// Every patient this file holds or removes, as (facility, patient ID): what a layer hides of
    /// the files below it. Read from the patient index and the tombstone table alone, never the
    /// rows.
    pub fn shadowing_patients(&self) -> Result<Vec<(String, String)>, ReadError> {
        let mut stmt = self.conn.prepare(
            "SELECT facility, patient_id FROM patient
             UNION SELECT facility, patient_id FROM tombstone",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The keys (`pk`, as the index holds them) of those of `patients` this file holds; the others
    /// are not here and left out. One lookup in the patient table's ID index each.
    pub fn pks_of(&self, patients: &[(String, String)]) -> Result<Hidden, ReadError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT pk FROM patient WHERE facility = ?1 AND patient_id = ?2")?;
        let mut out = HashSet::with_capacity(patients.len());
        for (facility, id) in patients {
            if let Some(pk) = stmt
                .query_row([facility, id], |r| r.get::<_, i64>(0))
                .optional()?
            {
                let pk = u64::try_from(pk)
                    .map_err(|_| ReadError::Damaged(format!("patient key {pk}")))?;
                out.insert(pk);
            }
        }
        Ok(Arc::new(out))
    }

    pub fn max_patient_pk(&self) -> Result<Option<i64>, ReadError> {
        Ok(self
            .conn
            .query_row("SELECT max(pk) FROM patient", [], |r| r.get(0))?)
    }

    /// The patient whose key is `pk`, if there is one (benchmarks only: a number that names no
    /// patient is not an error here).
    pub fn patient_numbered(&self, pk: i64) -> Result<Option<PatientRow>, ReadError> {
        let exists: Option<i64> = self
            .conn
            .prepare_cached("SELECT pk FROM patient WHERE pk = ?1")?
            .query_row([pk], |r| r.get(0))
            .optional()?;
        exists.map(|pk| self.patient(PatientPk(pk))).transpose()
    }
}

/// The patient index of one snapshot (tantivy, opened over the session's read-only directory).
pub struct PatientIndex {
    reader: IndexReader,
    fields: Fields,
}

impl PatientIndex {
    pub fn open(dir: impl Directory) -> Result<PatientIndex, ReadError> {
        let index = Index::open(dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let (_, fields) = Fields::schema();
        Ok(PatientIndex { reader, fields })
    }

    /// The fields a query is built over.
    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// How many patients match `query`, counted without loading any of them.
    pub fn count(&self, query: &dyn Query) -> Result<usize, ReadError> {
        self.count_hiding(query, None)
    }

    /// [`PatientIndex::count`], leaving out the patients in `hidden` (those a newer layer holds
    /// or removes).
    pub fn count_hiding(
        &self,
        query: &dyn Query,
        hidden: Option<&Hidden>,
    ) -> Result<usize, ReadError> {
        let searcher = self.reader.searcher();
        Ok(match hidden {
            None => searcher.search(query, &Count)?,
            Some(h) => searcher.search(query, &shown(h, Count))?,
        })
    }

    /// The best `limit` patients for `query`, best first.
    pub fn top(&self, query: &dyn Query, limit: usize) -> Result<Vec<(f32, PatientPk)>, ReadError> {
        Ok(self.count_and_top(query, limit)?.1)
    }

    /// How many patients match `query` and the best `limit` of them, in one pass over the index.
    pub fn count_and_top(
        &self,
        query: &dyn Query,
        limit: usize,
    ) -> Result<(usize, Vec<(f32, PatientPk)>), ReadError> {
        self.count_and_top_hiding(query, limit, None)
    }

    /// [`PatientIndex::count_and_top`], leaving out the patients in `hidden`. They are dropped as
    /// each match is collected (a look at its `pk` fast field), so the cost grows with the matches,
    /// not with how many patients newer layers hold.
    pub fn count_and_top_hiding(
        &self,
        query: &dyn Query,
        limit: usize,
        hidden: Option<&Hidden>,
    ) -> Result<(usize, Vec<(f32, PatientPk)>), ReadError> {
        let searcher = self.reader.searcher();
        let both = (Count, TopDocs::with_limit(limit.max(1)).order_by_score());
        let (count, top) = match hidden {
            None => searcher.search(query, &both)?,
            Some(h) => searcher.search(query, &shown(h, both))?,
        };
        top.into_iter()
            .map(|(score, address)| {
                let pk = searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .u64("pk")?
                    .first(address.doc_id)
                    .ok_or_else(|| {
                        ReadError::Damaged("an index document without a patient".into())
                    })?;
                let pk = i64::try_from(pk)
                    .map_err(|_| ReadError::Damaged(format!("index patient key {pk}")))?;
                Ok((score, PatientPk(pk)))
            })
            .collect::<Result<Vec<_>, ReadError>>()
            .map(|top| (count, top))
    }
}

#[cfg(test)]
mod link_tests {
    use super::*;

    #[test]
    fn linked_names_the_whole_group_and_an_older_file_has_none() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::sql::SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO person_link VALUES ('P1', 'A', '1', 'xref'), ('P1', 'B', '7', 'xref'),
                 ('P1', 'B', '5', 'merge'), ('P2', 'A', '2', 'link'), ('P2', 'C', '3', 'link');",
        )
        .unwrap();
        let store = ClinicalStore::new(conn).unwrap();
        let p1 = store.linked("B", "7").unwrap();
        let ids: Vec<(&str, &str, &str)> = p1
            .iter()
            .map(|(f, p, v)| (f.as_str(), p.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            ids,
            [("A", "1", "xref"), ("B", "5", "merge"), ("B", "7", "xref")]
        );
        assert!(store.linked("A", "9").unwrap().is_empty());
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE facility (code TEXT)")
            .unwrap();
        let old = ClinicalStore::new(conn).unwrap();
        assert!(old.linked("A", "1").unwrap().is_empty());
        assert!(old.suggested("A", "1").unwrap().is_empty());
    }

    #[test]
    fn a_suggestion_is_found_from_either_side_with_its_reasons() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::sql::SCHEMA).unwrap();
        conn.execute_batch(
            "INSERT INTO person_suggest VALUES
                 ('A', '1', 'B', '7', 'probable', 'name,dob,sex', 'name-spelling'),
                 ('A', '1', 'C', '3', 'weaker', 'given-name,dob,sex,municipality', 'family-name');",
        )
        .unwrap();
        let store = ClinicalStore::new(conn).unwrap();
        let from_a = store.suggested("A", "1").unwrap();
        assert_eq!(from_a.len(), 2);
        assert_eq!(
            (from_a[0].facility.as_str(), from_a[0].patient_id.as_str()),
            ("B", "7")
        );
        assert_eq!(from_a[0].agree, ["name", "dob", "sex"]);
        assert_eq!(from_a[1].differ, ["family-name"]);
        let from_b = store.suggested("B", "7").unwrap();
        assert_eq!(from_b.len(), 1);
        assert_eq!(
            (from_b[0].facility.as_str(), from_b[0].strength.as_str()),
            ("A", "probable")
        );
        assert!(store.suggested("C", "9").unwrap().is_empty());
    }
}
