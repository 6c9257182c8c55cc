//! Where each patient's records go: the SQLite clinical store, the tantivy patient index and the
//! document blobs, all in the build's work directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use fieldchart_policy::Policy;
use fieldchart_reader::model::Item;
use fieldchart_reader::read::PatientRecords;
use fieldchart_store::index::{self as ix, Fields};
use fieldchart_store::manifest::{ConsentCounts, FacilityManifest};
use fieldchart_store::rows::{Entry, PatientRow, Section, Source, StoredItem, pack_items};
use fieldchart_store::{parts, sql};
use rusqlite::{Connection, params};
use tantivy::{Index, IndexWriter, TantivyDocument};

use crate::documents::Blobs;
use crate::{BuildError, ConsentRow, convert};

/// Memory the index writer may use before it flushes a segment.
const INDEX_HEAP: usize = 200 * 1024 * 1024;

pub struct Sink {
    dir: PathBuf,
    db: Connection,
    index: Index,
    writer: IndexWriter,
    fields: Fields,
    blobs: Blobs,
    /// Items dated before this day are out of scope (allergies, problems, infections excepted).
    from: String,
    next_pk: i64,
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
    pub fn create(dir: &Path, from: NaiveDate) -> Result<Sink, BuildError> {
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
            from: from.format("%Y-%m-%d").to_string(),
            next_pk: 1,
            items: 0,
            out_of_window: 0,
            documents: 0,
        })
    }

    /// Stores one patient: the patient row, their chart rows, their documents, their index document.
    pub fn patient(&mut self, patient: &PatientRecords) -> Result<(), BuildError> {
        let facility = patient.patient.facility.as_str().to_string();
        let patient_id = patient.patient.id.as_str().to_string();

        let pk = self.next_pk;
        self.next_pk += 1;
        let mut row: Option<PatientRow> = None;
        let mut row_is_adt00 = false;
        let mut last_contact: Option<String> = None;
        let mut mismatches = Vec::new();
        let mut by_section: BTreeMap<Section, Vec<StoredItem>> = BTreeMap::new();

        for current in &patient.current {
            let record = current.get();
            let source = Source {
                facility: facility.clone(),
                path: record.source.path.clone(),
            };
            if let Some(pid) = &record.patient_id_in_message {
                mismatches.push(format!("{} (PID-3 {pid})", record.source.path));
            }
            if let fieldchart_storage::CareDate::Date(d) = &record.key.care_date {
                let iso = format!(
                    "{}-{}-{}",
                    d.get(..4).unwrap_or(""),
                    d.get(4..6).unwrap_or(""),
                    d.get(6..8).unwrap_or("")
                );
                if last_contact.as_ref().is_none_or(|l| iso > *l) {
                    last_contact = Some(iso);
                }
            }
            let is_adt00 = record.key.data_type.as_str() == "ADT-00";
            for item in &record.items {
                if let Item::Patient(p) = item {
                    // The current ADT-00 is the demographics of record; any other PID only fills in
                    // when there is none.
                    if row.is_none() || (is_adt00 && !row_is_adt00) {
                        row = Some(convert::patient_row(
                            p,
                            &facility,
                            &patient_id,
                            source.clone(),
                        ));
                        row_is_adt00 = is_adt00;
                    }
                    continue;
                }
                let Some(mut c) = convert::convert(item) else {
                    continue;
                };
                if !self.in_scope(&c) {
                    self.out_of_window += 1;
                    continue;
                }
                if let Entry::Document(doc) = &mut c.entry {
                    if let Item::Document(original) = item {
                        doc.files = self.blobs.store(&record.source.root, &original.files)?;
                    }
                    self.documents += 1;
                }
                self.items += 1;
                by_section.entry(c.section).or_default().push(StoredItem {
                    section: c.section,
                    at: c.at,
                    source: source.clone(),
                    patient_id_in_message: record.patient_id_in_message.clone(),
                    entry: c.entry,
                });
            }
        }

        let mut row = row.unwrap_or_else(|| PatientRow {
            facility: facility.clone(),
            patient_id: patient_id.clone(),
            source: Source {
                facility: facility.clone(),
                path: String::new(),
            },
            ..PatientRow::default()
        });
        row.last_contact = last_contact;
        row.id_mismatches = mismatches;

        let mut clinical_text = Vec::new();
        for (section, items) in &mut by_section {
            // Newest first; undated items last.
            items.sort_by(|a, b| b.at.cmp(&a.at));
            for item in items.iter() {
                clinical_text.extend(ix::clinical_grams(&item.entry.search_text()));
            }
            let packed = pack_items(items).map_err(io("compressing a chart"))?;
            self.db
                .prepare_cached(
                    "INSERT INTO chart (patient, section, count, newest, items) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    pk,
                    section.as_str(),
                    items.len() as i64,
                    items.first().and_then(|i| i.at.clone()),
                    packed
                ])?;
        }

        let json = serde_json::to_string(&row).map_err(|e| BuildError::Io {
            what: "patient row".into(),
            source: std::io::Error::other(e),
        })?;
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

        for b in self.blobs.rows.drain(..) {
            self.db
                .prepare_cached(
                    "INSERT INTO blob (pk, part, offset, len, media_type) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![b.pk, b.part, b.offset as i64, b.len as i64, b.media_type])?;
        }
        self.writer
            .add_document(self.index_document(pk, &row, clinical_text))?;
        Ok(())
    }

    /// Allergies, problems and infection markers are kept whatever their age; the rest only when
    /// dated inside the window (or undated).
    fn in_scope(&self, c: &convert::Converted) -> bool {
        match (&c.section, &c.entry) {
            (Section::Allergy | Section::Problem, _) => true,
            (_, Entry::Observation(o)) if o.infection => true,
            _ => match &c.at {
                Some(at) if at.len() >= 10 => at.get(..10).is_none_or(|d| d >= self.from.as_str()),
                _ => true,
            },
        }
    }

    fn index_document(&self, pk: i64, row: &PatientRow, clinical: Vec<String>) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.pk, pk as u64);
        doc.add_text(f.key, ix::patient_key(&row.facility, &row.patient_id));
        doc.add_text(f.facility, &row.facility);
        for id in ix::patient_id_terms(&row.patient_id) {
            doc.add_text(f.patient_id, &id);
        }
        let mut names = Vec::new();
        for n in row.name_kanji.iter().chain(&row.other_names) {
            names.extend(ix::name_grams(n));
        }
        doc.add_text(f.name, ix::join(names));
        let mut kana = Vec::new();
        for n in row.name_kana.iter().chain(&row.other_names) {
            kana.extend(ix::kana_grams(n));
        }
        doc.add_text(f.kana, ix::join(kana));
        for n in row.name_kanji.iter().chain(&row.other_names) {
            for part in ix::name_parts(n, fieldchart_jtext::fold) {
                doc.add_text(f.name_exact, part);
            }
        }
        for n in row.name_kana.iter().chain(&row.other_names) {
            for part in ix::name_parts(n, fieldchart_jtext::kana_key) {
                doc.add_text(f.kana_exact, part);
            }
        }
        let mut address = Vec::new();
        for a in &row.addresses {
            address.extend(ix::name_grams(a));
        }
        doc.add_text(f.address, ix::join(address));
        doc.add_text(f.clinical, ix::join(clinical));
        if let Some(dob) = &row.dob {
            let digits: String = dob.chars().filter(char::is_ascii_digit).collect();
            if digits.len() >= 4 {
                doc.add_text(f.dob_year, &digits[..4]);
            }
            if digits.len() >= 6 {
                doc.add_text(f.dob_month, &digits[..6]);
            }
            if digits.len() == 8 {
                doc.add_text(f.dob, &digits);
            }
        }
        doc.add_text(f.sex, row.sex.letter());
        for p in &row.phones {
            let digits: String = fieldchart_jtext::fold(p)
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            if !digits.is_empty() {
                doc.add_text(f.phone, digits);
            }
        }
        doc
    }

    /// Finishes the store (facility rows, indexes) and the index (one merged segment), and closes
    /// the blob files.
    pub fn finish(
        mut self,
        facilities: &[FacilityManifest],
        consent: &[ConsentRow],
        tombstones: &[(String, String)],
        policy: &Policy,
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
        self.db.execute_batch(sql::INDEXES)?;
        let consent_counts = self.consent_counts()?;
        self.db.execute_batch("COMMIT")?;
        self.db.execute_batch("PRAGMA optimize")?;
        let patients = (self.next_pk - 1) as u64;
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
            patients,
            items: self.items,
            out_of_window: self.out_of_window,
            documents: self.documents,
            document_files: blobs.files,
            document_bytes: blobs.bytes,
            thumbnails: blobs.thumbnails,
            consent: consent_counts,
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
