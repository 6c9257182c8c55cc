//! One patient made ready to store, with no shared state: reader items converted and kept or left
//! out by the window, document files read and thumbnailed, chart rows packed, the patient row and
//! the index document made. It runs in parallel, many patients at a time; the only thing it needs
//! from the order of patients is their numbers (patient pk, first blob pk), given in between by
//! [`crate::pipeline`], so the store ([`crate::sink::Sink::write`]) only appends.

use std::cell::RefCell;
use std::collections::BTreeMap;

use fieldchart_reader::model::Item;
use fieldchart_reader::read::PatientRecords;
use fieldchart_store::index::{self as ix, Fields};
use fieldchart_store::rows::{Entry, PatientRow, Section, Source, StoredItem};
use tantivy::TantivyDocument;

use crate::documents::{self, PendingBlob, ReadFile};
use crate::signatures::{self, Verifier};
use crate::standard::Coder;
use crate::{BuildError, convert};
use fieldchart_masters::UnknownCodes;

/// What converting a patient reads against: the window's first day (`YYYY-MM-DD`), the HPKI
/// trust documents' signatures are checked with, and the standard masters codes are read with.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub from: &'a str,
    pub verifier: &'a Verifier,
    pub coder: &'a Coder,
}

/// A patient converted, before they have numbers: what does not depend on the patients before.
pub struct Draft {
    row: PatientRow,
    /// The items kept, in the order they were read.
    items: Vec<StoredItem>,
    /// The files of each document among `items` (by its place there), read.
    files: Vec<(usize, Vec<ReadFile>)>,
    out_of_window: u64,
    documents: u64,
    /// The codes no master knew, in this patient's items (taken into the build's count).
    pub unknown: UnknownCodes,
    /// How this patient's documents' signatures came out.
    pub signatures: signatures::SignatureCounts,
    /// The (issuer, serial) of each certificate whose signature on a letter of this patient was
    /// judged valid: what the hub's chain state keeps, so a later CRL revoking one has the
    /// patient read again (chain.rs).
    pub signers: signatures::Signers,
}

/// A patient ready to be written: rows, blobs and index document, numbered.
pub struct Prepared {
    pub pk: i64,
    pub row: PatientRow,
    /// The patient row as stored in `patient.json`.
    pub json: String,
    /// One per section, in section order.
    pub charts: Vec<ChartRow>,
    /// In blob pk order.
    pub blobs: Vec<PendingBlob>,
    pub document: TantivyDocument,
    pub items: u64,
    pub out_of_window: u64,
    pub documents: u64,
}

/// A `chart` row: one section of one patient.
pub struct ChartRow {
    pub section: Section,
    pub count: i64,
    pub newest: Option<String>,
    pub items: Vec<u8>,
}

fn io(what: &str) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        what: what.to_string(),
        source,
    }
}

impl Draft {
    /// Converts one patient's current records.
    pub fn of(patient: &PatientRecords, cx: Context<'_>) -> Draft {
        let Context {
            from,
            verifier,
            coder,
        } = cx;
        let facility = patient.patient.facility.as_str().to_string();
        let patient_id = patient.patient.id.as_str().to_string();
        let row = row_of_record(patient);
        let mut last_contact: Option<String> = None;
        let mut mismatches = Vec::new();
        let mut items = Vec::new();
        let mut files = Vec::new();
        let (mut out_of_window, mut documents) = (0, 0);
        let mut unknown = UnknownCodes::new();
        let mut signed = signatures::SignatureCounts::default();
        let mut signers = signatures::Signers::default();

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
            for item in &record.items {
                if let Item::Patient(_) = item {
                    continue;
                }
                let Some(mut c) = convert::convert(item) else {
                    continue;
                };
                if !in_scope(&c, from) {
                    out_of_window += 1;
                    continue;
                }
                coder.enrich(&facility, &mut c.entry, &mut unknown);
                if let Entry::Document(doc) = &mut c.entry {
                    if let Item::Document(original) = item {
                        let read = documents::read_files(&record.source.root, &original.files);
                        doc.signatures = signatures::check(&original.files, &read, verifier);
                        signed.add(&doc.signatures);
                        signers.add(&doc.signatures);
                        files.push((items.len(), read));
                    }
                    documents += 1;
                }
                items.push(StoredItem {
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
        Draft {
            row,
            items,
            files,
            out_of_window,
            documents,
            unknown,
            signatures: signed,
            signers,
        }
    }

    /// How many blob numbers the patient's document files take.
    pub fn blob_count(&self) -> i64 {
        self.files
            .iter()
            .flat_map(|(_, files)| files)
            .map(ReadFile::blob_count)
            .sum()
    }

    /// Numbers the patient (`pk`) and their blobs (from `first_blob`, [`Draft::blob_count`] of
    /// them), packs their chart rows and makes their index document.
    pub fn prepare(
        self,
        pk: i64,
        first_blob: i64,
        fields: &Fields,
    ) -> Result<Prepared, BuildError> {
        let Draft {
            row,
            mut items,
            files,
            out_of_window,
            documents,
            unknown: _,
            signatures: _,
            signers: _,
        } = self;
        let mut next_blob = first_blob;
        let mut blobs = Vec::new();
        for (at, read) in files {
            if let Entry::Document(doc) = &mut items[at].entry {
                doc.files = documents::place(read, &mut next_blob, &mut blobs);
            }
        }
        let count = items.len() as u64;
        let mut by_section: BTreeMap<Section, Vec<StoredItem>> = BTreeMap::new();
        for item in items {
            by_section.entry(item.section).or_default().push(item);
        }

        let mut clinical_text = Vec::new();
        let mut charts = Vec::with_capacity(by_section.len());
        for (section, mut items) in by_section {
            // Newest first; undated items last.
            items.sort_by(|a, b| b.at.cmp(&a.at));
            for item in &items {
                clinical_text.extend(ix::clinical_grams(&item.entry.search_text()));
            }
            charts.push(ChartRow {
                section,
                count: items.len() as i64,
                newest: items.first().and_then(|i| i.at.clone()),
                items: pack(&items).map_err(io("compressing a chart"))?,
            });
        }

        let json = serde_json::to_string(&row).map_err(|e| BuildError::Io {
            what: "patient row".into(),
            source: std::io::Error::other(e),
        })?;
        let document = index_document(fields, pk, &row, clinical_text);
        Ok(Prepared {
            pk,
            row,
            json,
            charts,
            blobs,
            document,
            items: count,
            out_of_window,
            documents,
        })
    }
}

/// The patient row of record among a patient's current records, as [`Draft::of`] stores it
/// (before its last contact and ID mismatches): the current ADT-00 is the demographics of record;
/// any other PID only fills in when there is none.
pub(crate) fn row_of_record(patient: &PatientRecords) -> Option<PatientRow> {
    let facility = patient.patient.facility.as_str();
    let patient_id = patient.patient.id.as_str();
    let mut row: Option<PatientRow> = None;
    let mut row_is_adt00 = false;
    for current in &patient.current {
        let record = current.get();
        let is_adt00 = record.key.data_type.as_str() == "ADT-00";
        for item in &record.items {
            if let Item::Patient(p) = item
                && (row.is_none() || (is_adt00 && !row_is_adt00))
            {
                let source = Source {
                    facility: facility.to_string(),
                    path: record.source.path.clone(),
                };
                row = Some(convert::patient_row(p, facility, patient_id, source));
                row_is_adt00 = is_adt00;
            }
        }
    }
    row
}

/// Packs a chart row into the bytes `fieldchart_store::rows::pack_items` makes (JSON, zstd level
/// 3; a test holds the two equal), with one zstd context per thread: a new context for every row
/// cost a tenth of a build's time, most of it clearing the context's tables.
fn pack(items: &[StoredItem]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static PACKER: RefCell<Option<zstd::bulk::Compressor<'static>>> = const { RefCell::new(None) };
    }
    let json = serde_json::to_vec(items).map_err(std::io::Error::other)?;
    PACKER.with(|packer| {
        let mut packer = packer.borrow_mut();
        let compressor = match &mut *packer {
            Some(compressor) => compressor,
            None => packer.insert(zstd::bulk::Compressor::new(3)?),
        };
        compressor.compress(&json)
    })
}

/// Allergies, problems and infection markers are kept whatever their age; the rest only when
/// dated inside the window (or undated).
fn in_scope(c: &convert::Converted, from: &str) -> bool {
    match (&c.section, &c.entry) {
        (Section::Allergy | Section::Problem, _) => true,
        (_, Entry::Observation(o)) if o.infection => true,
        _ => match &c.at {
            Some(at) if at.len() >= 10 => at.get(..10).is_none_or(|d| d >= from),
            _ => true,
        },
    }
}

fn index_document(f: &Fields, pk: i64, row: &PatientRow, clinical: Vec<String>) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.pk, pk as u64);
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

#[cfg(test)]
mod tests {
    use fieldchart_store::rows::{Code, ProblemEntry, pack_items, unpack_items};

    use super::*;

    fn problem(n: usize) -> StoredItem {
        StoredItem {
            section: Section::Problem,
            at: Some(format!("2024-01-{:02}", n % 28 + 1)),
            source: Source {
                facility: "0100000001".into(),
                path: format!("000/001/0000001/20240101/PPR-01/{n}_1.hl7"),
            },
            patient_id_in_message: None,
            entry: Entry::Problem(ProblemEntry {
                diagnosis: Code {
                    text: format!("慢性腎臓病 その{n}"),
                    ..Code::default()
                },
                ..ProblemEntry::default()
            }),
        }
    }

    #[test]
    fn a_chart_packed_with_a_kept_context_is_what_the_store_packs() {
        // Rows one after another on one thread, as a build packs them: small, large, empty.
        for count in [1, 400, 0, 3] {
            let items: Vec<StoredItem> = (0..count).map(problem).collect();
            let packed = pack(&items).unwrap();
            assert_eq!(packed, pack_items(&items).unwrap(), "{count} items");
            assert_eq!(unpack_items(&packed).unwrap(), items);
        }
    }
}
