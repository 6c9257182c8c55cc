//! Where each patient's records go: the SQLite clinical store, the tantivy patient index and the
//! document blobs, all in the build's work directory. Patients arrive prepared
//! ([`crate::prepare`]) and in order; the sink only appends, on one thread.

use std::path::{Path, PathBuf};

use fieldchart_policy::Policy;
use fieldchart_store::index::Fields;
use fieldchart_store::manifest::{ConsentCounts, FacilityManifest, LinkCounts};
use fieldchart_store::{parts, sql};
use rusqlite::{Connection, params};
use tantivy::{Index, IndexWriter};

use crate::documents::Blobs;
use crate::prepare::Prepared;
use crate::{BuildError, ConsentRow, LinkRow};

/// Memory the index writer may use before it flushes a segment.
const INDEX_HEAP: usize = 200 * 1024 * 1024;

pub struct Sink {
    dir: PathBuf,
    db: Connection,
    index: Index,
    writer: IndexWriter,
    fields: Fields,
    blobs: Blobs,
    /// Patients written so far; the next one's pk is one more.
    patients: u64,
    items: u64,
    out_of_window: u64,
    documents: u64,
}

/// What the sink made, once finished.
pub struct Finished {
    dir: PathBuf,
    index_files: Vec<String>,
    pub patients: u64,
    pub items: u64,
    pub out_of_window: u64,
    pub documents: u64,
    pub document_files: u64,
    pub document_bytes: u64,
    pub thumbnails: u64,
    pub consent: ConsentCounts,
    pub links: LinkCounts,
    /// Probable matches (not linked by the hub) per facility pair, when asked for.
    pub probable: Option<crate::ProbableCounts>,
    /// Linked persons whose facilities disagree on date of birth or sex, when asked for.
    pub link_warnings: Option<crate::LinkWarnings>,
}

impl Finished {
    /// (part name, work file) of every part, in the order they go into the vault.
    pub fn parts(&self) -> Vec<(String, PathBuf)> {
        let mut out = vec![(
            parts::CLINICAL.to_string(),
            self.dir.join("clinical.sqlite"),
        )];
        for f in &self.index_files {
            out.push((crate::index_part_name(f), self.dir.join("index").join(f)));
        }
        out.push((parts::DOCUMENTS.to_string(), self.dir.join("documents.bin")));
        out.push((
            parts::THUMBNAILS.to_string(),
            self.dir.join("thumbnails.bin"),
        ));
        out.push((parts::POLICY.to_string(), self.dir.join("policy.json")));
        out
    }
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        what: what.to_string(),
        source,
    }
}

impl Sink {
    pub fn create(dir: &Path) -> Result<Sink, BuildError> {
        let db = Connection::open(dir.join("clinical.sqlite"))?;
        // A build either completes or is thrown away, so no journal and no fsync; 8 KiB pages suit
        // the compressed chart rows.
        db.execute_batch(
            "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
        )?;
        db.execute_batch(sql::SCHEMA)?;
        db.execute_batch("BEGIN")?;
        let index_dir = dir.join("index");
        std::fs::create_dir(&index_dir).map_err(io("creating the index directory"))?;
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_dir(&index_dir, schema)?;
        let writer = index.writer(INDEX_HEAP)?;
        Ok(Sink {
            dir: dir.to_path_buf(),
            db,
            index,
            writer,
            fields,
            blobs: Blobs::create(dir)?,
            patients: 0,
            items: 0,
            out_of_window: 0,
            documents: 0,
        })
    }

    /// The index's fields, for [`crate::prepare::Draft::prepare`].
    pub fn fields(&self) -> Fields {
        self.fields
    }

    /// Stores one prepared patient: their chart rows, patient row and blobs, and their index
    /// document. Patients come in pk order, so the rows and the blob files are appended in order.
    pub fn write(&mut self, patient: Prepared) -> Result<(), BuildError> {
        let Prepared {
            pk,
            row,
            json,
            charts,
            blobs,
            document,
            items,
            out_of_window,
            documents,
        } = patient;
        debug_assert_eq!(
            pk,
            self.patients as i64 + 1,
            "patients are written in pk order"
        );
        self.patients += 1;
        self.items += items;
        self.out_of_window += out_of_window;
        self.documents += documents;
        // Blobs first, as their files are read: the rows point into the blob files.
        let mut blob_rows = Vec::with_capacity(blobs.len());
        for b in blobs {
            blob_rows.push(self.blobs.append(b)?);
        }
        for chart in charts {
            self.db
                .prepare_cached(
                    "INSERT INTO chart (patient, section, count, newest, items) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    pk,
                    chart.section.as_str(),
                    chart.count,
                    chart.newest,
                    chart.items
                ])?;
        }
        self.db
            .prepare_cached(
                "INSERT INTO patient (pk, facility, patient_id, name_kanji, name_kana, dob, sex, last_contact, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                pk,
                row.facility,
                row.patient_id,
                row.name_kanji,
                row.name_kana,
                row.dob,
                row.sex.letter(),
                row.last_contact,
                json
            ])?;
        for b in blob_rows {
            self.db
                .prepare_cached(
                    "INSERT INTO blob (pk, part, offset, len, media_type) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![b.pk, b.part, b.offset as i64, b.len as i64, b.media_type])?;
        }
        self.writer.add_document(document)?;
        Ok(())
    }

    /// Finishes the store (facility rows, indexes) and the index (one merged segment), and closes
    /// the blob files.
    pub fn finish(
        mut self,
        facilities: &[FacilityManifest],
        consent: &[ConsentRow],
        links: &[LinkRow],
        tombstones: &[(String, String)],
        policy: &Policy,
        count_probable: bool,
    ) -> Result<Finished, BuildError> {
        {
            let mut insert = self
                .db
                .prepare("INSERT INTO tombstone (facility, patient_id) VALUES (?1, ?2)")?;
            for (facility, patient_id) in tombstones {
                insert.execute(params![facility, patient_id])?;
            }
        }
        for f in facilities {
            let json = serde_json::to_string(&f).map_err(|e| BuildError::Io {
                what: "facility row".into(),
                source: std::io::Error::other(e),
            })?;
            self.db.execute(
                "INSERT INTO facility (code, data_as_of, patients, records, json) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![f.code, f.data_as_of, f.patients as i64, f.records as i64, json],
            )?;
        }
        {
            let mut insert = self
                .db
                .prepare("INSERT INTO consent (facility, patient_id, state) VALUES (?1, ?2, ?3)")?;
            for c in consent {
                insert.execute(params![c.facility, c.patient_id, c.consent.as_str()])?;
            }
        }
        {
            let mut insert = self.db.prepare(
                "INSERT INTO person_link (grp, facility, patient_id, via) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for l in links {
                insert.execute(params![l.group, l.facility, l.patient_id, l.via])?;
            }
        }
        self.db.execute_batch(sql::INDEXES)?;
        let consent_counts = self.consent_counts()?;
        let link_counts = self.link_counts()?;
        let link_warnings = if count_probable {
            Some(self.link_warnings()?)
        } else {
            None
        };
        let probable = if count_probable {
            let group: std::collections::HashMap<(&str, &str), &str> = links
                .iter()
                .map(|l| {
                    (
                        (l.facility.as_str(), l.patient_id.as_str()),
                        l.group.as_str(),
                    )
                })
                .collect();
            let of = |m: &fieldchart_identity::Member| {
                group
                    .get(&(m.facility.as_str(), m.patient_id.as_str()))
                    .copied()
            };
            let found = fieldchart_identity::matching::probable_matches_unless(
                &self.demographics()?,
                |x, y| matches!((of(x), of(y)), (Some(a), Some(b)) if a == b),
            );
            // Kept in the base, so a record can say "possibly the same person" and why.
            let mut insert = self.db.prepare(
                "INSERT OR IGNORE INTO person_suggest \
                 (facility_a, id_a, facility_b, id_b, strength, agree, differ) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for m in &found {
                insert.execute(params![
                    m.a.facility,
                    m.a.patient_id,
                    m.b.facility,
                    m.b.patient_id,
                    m.strength.as_str(),
                    m.agree.join(","),
                    m.differ.join(","),
                ])?;
            }
            drop(insert);
            Some(fieldchart_identity::matching::count_by_facility_pair(
                &found,
            ))
        } else {
            None
        };
        self.db.execute_batch("COMMIT")?;
        self.db.execute_batch("PRAGMA optimize")?;
        self.db.close().map_err(|(_, e)| e)?;

        self.writer.commit()?;
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            // One segment: opening reads one set of segment headers however large the snapshot.
            self.writer.merge(&segments).wait()?;
        }
        self.writer.garbage_collect_files().wait()?;
        self.writer.wait_merging_threads()?;

        let mut index_files = Vec::new();
        let index_dir = self.dir.join("index");
        for entry in std::fs::read_dir(&index_dir).map_err(io("listing the index"))? {
            let entry = entry.map_err(io("listing the index"))?;
            let name = entry.file_name().to_string_lossy().to_string();
            // Lock files are the writer's business, not part of the index.
            if name.starts_with(".tantivy") {
                continue;
            }
            index_files.push(name);
        }
        index_files.sort();
        let blobs = self.blobs.finish()?;
        std::fs::write(self.dir.join("policy.json"), policy.to_json())
            .map_err(io("writing the policy"))?;
        Ok(Finished {
            dir: self.dir,
            index_files,
            patients: self.patients,
            items: self.items,
            out_of_window: self.out_of_window,
            documents: self.documents,
            document_files: blobs.files,
            document_bytes: blobs.bytes,
            thumbnails: blobs.thumbnails,
            consent: consent_counts,
            links: link_counts,
            probable,
            link_warnings,
        })
    }

    /// The identity fields of every patient this file holds, for the probable-match count.
    pub(crate) fn demographics(
        &self,
    ) -> Result<Vec<fieldchart_identity::matching::Demographics>, BuildError> {
        let mut stmt = self.db.prepare(
            "SELECT facility, patient_id, name_kanji, name_kana, dob, sex, json FROM patient",
        )?;
        let rows = stmt.query_map([], |r| {
            let json: String = r.get(6)?;
            let address = serde_json::from_str::<fieldchart_store::rows::PatientRow>(&json)
                .ok()
                .and_then(|p| p.addresses.into_iter().next());
            Ok(fieldchart_identity::matching::Demographics {
                member: fieldchart_identity::Member {
                    facility: r.get(0)?,
                    patient_id: r.get(1)?,
                },
                name_kanji: r.get(2)?,
                name_kana: r.get(3)?,
                dob: r.get(4)?,
                sex: r.get(5)?,
                address,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Linked persons whose held identifiers disagree on date of birth or on sex (known ones):
    /// data-quality warnings for the hub, as the search row shows them to the clinician.
    fn link_warnings(&self) -> Result<crate::LinkWarnings, BuildError> {
        let count = |sql: &str| -> Result<u64, BuildError> {
            Ok(self.db.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        const HELD: &str = "person_link l JOIN patient p \
             ON p.facility = l.facility AND p.patient_id = l.patient_id";
        Ok(crate::LinkWarnings {
            dob_differs: count(&format!(
                "SELECT count(*) FROM (SELECT l.grp FROM {HELD} WHERE p.dob IS NOT NULL \
                 GROUP BY l.grp HAVING count(DISTINCT substr(p.dob, 1, 10)) > 1)"
            ))?,
            sex_differs: count(&format!(
                "SELECT count(*) FROM (SELECT l.grp FROM {HELD} WHERE p.sex IN ('M', 'F') \
                 GROUP BY l.grp HAVING count(DISTINCT p.sex) > 1)"
            ))?,
        })
    }

    /// What the cross-references hold, and identifiers the file does not (a layer's own count is
    /// replaced by one over the whole chain).
    fn link_counts(&self) -> Result<LinkCounts, BuildError> {
        let count = |sql: &str| -> Result<u64, BuildError> {
            Ok(self.db.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(LinkCounts {
            groups: count("SELECT count(DISTINCT grp) FROM person_link")?,
            members: count("SELECT count(*) FROM person_link")?,
            unmatched: count(
                "SELECT count(*) FROM person_link l WHERE NOT EXISTS (SELECT 1 FROM patient p \
                 WHERE p.facility = l.facility AND p.patient_id = l.patient_id)",
            )?,
        })
    }

    /// How the consent list met the patients: decisions on patients the snapshot holds, and listed
    /// patients it does not hold (reported in the summary, never silently dropped).
    fn consent_counts(&self) -> Result<ConsentCounts, BuildError> {
        let count = |sql: &str| -> Result<u64, BuildError> {
            Ok(self.db.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        const HELD: &str = "EXISTS (SELECT 1 FROM patient p WHERE p.facility = c.facility AND p.patient_id = c.patient_id)";
        Ok(ConsentCounts {
            consented: count(&format!(
                "SELECT count(*) FROM consent c WHERE state = 'consented' AND {HELD}"
            ))?,
            refused: count(&format!(
                "SELECT count(*) FROM consent c WHERE state = 'refused' AND {HELD}"
            ))?,
            unmatched: count(&format!("SELECT count(*) FROM consent c WHERE NOT {HELD}"))?,
        })
    }
}
