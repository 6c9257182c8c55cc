//! The build's read → prepare → write pipeline. A reader thread reads a batch of patients and
//! prepares them in parallel ([`crate::prepare`], on rayon), numbers them in order between its two
//! parallel steps, and passes the batch through a channel one batch deep to the calling thread,
//! which writes it ([`Sink::write`]) while the next batch is read. Memory holds at most three
//! batches: one being written, one waiting, one being read.
//!
//! Patient pks and blob pks are given in read order, and the sink writes in that order, so the store
//! is the same as one written patient by patient (a test below holds the two side by side).

use std::ops::ControlFlow;
use std::sync::mpsc;

use fieldchart_reader::read::{PatientRecords, Storage};
use fieldchart_reader::report::{PatientTally, Tally};
use fieldchart_storage::{FacilityId, PatientId};
use rayon::prelude::*;

use crate::prepare::{Context, Draft, Prepared};
use crate::sink::Sink;
use crate::{BuildError, Key};

/// Batches the reader may have prepared before the writer takes them.
const WAITING_BATCHES: usize = 1;

/// What reading counted: the check's tally and, when asked for, each patient's own.
pub struct Counted {
    pub tally: Tally,
    /// Each patient read, with their tally (a chain build's, for the hub's state); empty otherwise.
    pub tallies: Vec<(Key, PatientTally)>,
    /// The codes no master knew, over the patients read.
    pub unknown: fieldchart_masters::UnknownCodes,
    /// How the documents' signatures came out, over the patients read.
    pub signatures: crate::signatures::SignatureCounts,
    /// With the tallies: each patient read whose letters carry valid signatures, with their
    /// signers' (issuer, serial).
    pub signers: Vec<(Key, crate::signatures::Signers)>,
    keep_tallies: bool,
}

impl Counted {
    pub fn new(tally: Tally, keep_tallies: bool) -> Counted {
        Counted {
            tally,
            tallies: Vec::new(),
            unknown: fieldchart_masters::UnknownCodes::new(),
            signatures: Default::default(),
            signers: Vec::new(),
            keep_tallies,
        }
    }

    fn patient(&mut self, patient: &PatientRecords, draft: &mut Draft) {
        self.unknown.merge(std::mem::take(&mut draft.unknown));
        self.signatures.merge(draft.signatures);
        self.tally.patient(patient);
        if self.keep_tallies {
            let key = (
                patient.patient.facility.as_str().to_string(),
                patient.patient.id.as_str().to_string(),
            );
            let signers = std::mem::take(&mut draft.signers);
            if !signers.is_empty() {
                self.signers.push((key.clone(), signers));
            }
            self.tallies.push((key, PatientTally::of(patient)));
        }
    }
}

/// The next patient pk and blob pk, given in read order.
struct Numbers {
    next_pk: i64,
    next_blob: i64,
}

impl Numbers {
    fn new() -> Numbers {
        Numbers {
            next_pk: 1,
            next_blob: 1,
        }
    }

    /// The patient's pk and first blob pk.
    fn take(&mut self, draft: &Draft) -> (i64, i64) {
        let numbers = (self.next_pk, self.next_blob);
        self.next_pk += 1;
        self.next_blob += draft.blob_count();
        numbers
    }
}

/// Reads the patients `wanted` says yes to, counts them into `counted` and stores them in `sink`,
/// calling `on_written` after each patient is written; `cx` is what each patient is read against.
/// Stops at the first error.
pub fn store(
    storage: &Storage,
    wanted: impl Fn(&FacilityId, &PatientId) -> bool + Send,
    cx: Context<'_>,
    sink: &mut Sink,
    mut counted: Counted,
    on_written: &mut dyn FnMut(),
) -> Result<Counted, BuildError> {
    let fields = sink.fields();
    std::thread::scope(|scope| {
        let (batches, arriving) =
            mpsc::sync_channel::<Vec<Result<Prepared, BuildError>>>(WAITING_BATCHES);
        let reader = scope.spawn(move || {
            let mut numbers = Numbers::new();
            storage.read_batches_where(
                wanted,
                |patient| {
                    let draft = Draft::of(&patient, cx);
                    (patient, draft)
                },
                |batch| {
                    let numbered: Vec<(i64, i64, Draft)> = batch
                        .into_iter()
                        .map(|(patient, mut draft)| {
                            counted.patient(&patient, &mut draft);
                            let (pk, first_blob) = numbers.take(&draft);
                            (pk, first_blob, draft)
                        })
                        .collect();
                    let prepared = numbered
                        .into_par_iter()
                        .map(|(pk, first_blob, draft)| draft.prepare(pk, first_blob, &fields))
                        .collect();
                    // The writer hung up: it failed, and says why.
                    match batches.send(prepared) {
                        Ok(()) => ControlFlow::Continue(()),
                        Err(_) => ControlFlow::Break(()),
                    }
                },
            );
            counted
        });
        let written = write_all(&arriving, sink, on_written);
        // Hanging up stops a reader still reading after a failure.
        drop(arriving);
        let counted = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.map(|()| counted)
    })
}

fn write_all(
    arriving: &mpsc::Receiver<Vec<Result<Prepared, BuildError>>>,
    sink: &mut Sink,
    on_written: &mut dyn FnMut(),
) -> Result<(), BuildError> {
    for batch in arriving {
        for patient in batch {
            sink.write(patient?)?;
            on_written();
        }
    }
    Ok(())
}

/// [`store`] patient by patient on the calling thread, as the build did before it was pipelined:
/// what the pipelined store is held against.
#[cfg(test)]
fn store_sequentially(
    storage: &Storage,
    wanted: impl Fn(&FacilityId, &PatientId) -> bool,
    cx: Context<'_>,
    sink: &mut Sink,
    mut counted: Counted,
) -> Result<Counted, BuildError> {
    let fields = sink.fields();
    let mut numbers = Numbers::new();
    let mut failure = None;
    storage.read_where(wanted, |patient| {
        if failure.is_some() {
            return;
        }
        let mut draft = Draft::of(&patient, cx);
        counted.patient(&patient, &mut draft);
        let (pk, first_blob) = numbers.take(&draft);
        if let Err(e) = draft
            .prepare(pk, first_blob, &fields)
            .and_then(|p| sink.write(p))
        {
            failure = Some(e);
        }
    });
    failure.map_or(Ok(counted), Err)
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use fieldchart_policy::Policy;
    use fieldchart_storage::StorageRoot;
    use fieldchart_synth::{CivilDate, RegionSpec};
    use rusqlite::Connection;
    use rusqlite::types::Value;
    use tantivy::postings::Postings;

    use crate::signatures::Verifier;
    use crate::standard::Coder;
    use tantivy::schema::IndexRecordOption;
    use tantivy::{DocSet, Index, TERMINATED};

    use super::*;

    /// `region/<facility>/<root>` as storage roots.
    fn region_roots(region: &Path) -> Vec<StorageRoot> {
        let sorted = |dir: &Path| {
            let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect();
            dirs.sort();
            dirs
        };
        let mut roots = Vec::new();
        for facility in sorted(region) {
            let code = facility.file_name().unwrap().to_string_lossy().into_owned();
            for root in sorted(&facility) {
                roots.push(StorageRoot::new(FacilityId::new(code.clone()), root));
            }
        }
        roots
    }

    /// Every row of every table, in pk (or insertion) order.
    fn rows(db: &Path) -> Vec<String> {
        let db = Connection::open(db).unwrap();
        let mut out = Vec::new();
        for (table, order) in [
            ("facility", "code"),
            ("patient", "pk"),
            ("chart", "rowid"),
            ("blob", "pk"),
            ("consent", "facility, patient_id"),
            ("tombstone", "facility, patient_id"),
        ] {
            let mut select = db
                .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
                .unwrap();
            let columns = select.column_count();
            let mut found = select.query([]).unwrap();
            while let Some(row) = found.next().unwrap() {
                let values: Vec<Value> = (0..columns).map(|i| row.get(i).unwrap()).collect();
                out.push(format!("{table} {values:?}"));
            }
        }
        out
    }

    /// Every indexed term of every field, with the pk of each patient holding it and its positions.
    fn postings(index_dir: &Path) -> Vec<(String, Vec<u8>, u64, Vec<u32>)> {
        let index = Index::open_in_dir(index_dir).unwrap();
        let searcher = index.reader().unwrap().searcher();
        let schema = index.schema();
        let mut out = Vec::new();
        for segment in searcher.segment_readers() {
            let pks = segment.fast_fields().u64("pk").unwrap();
            for (field, entry) in schema.fields() {
                if !entry.is_indexed() {
                    continue;
                }
                let inverted = segment.inverted_index(field).unwrap();
                let mut terms = inverted.terms().stream().unwrap();
                while terms.advance() {
                    let mut docs = inverted
                        .read_postings_from_terminfo(
                            terms.value(),
                            IndexRecordOption::WithFreqsAndPositions,
                        )
                        .unwrap();
                    while docs.doc() != TERMINATED {
                        let mut positions = Vec::new();
                        docs.positions(&mut positions);
                        let pk = pks.first(docs.doc()).unwrap();
                        out.push((
                            entry.name().to_string(),
                            terms.key().to_vec(),
                            pk,
                            positions,
                        ));
                        docs.advance();
                    }
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn pipelined_store_is_the_store_written_patient_by_patient() {
        let dir = tempfile::tempdir().unwrap();
        let region = dir.path().join("region");
        // Two facilities of 300 patients: more than one batch each, with documents and images.
        let mut spec = RegionSpec::new(600, 2, 13);
        spec.as_of = CivilDate::new(2026, 11, 19).unwrap();
        fieldchart_synth::generate(&spec, &region, &mut |_| {}).unwrap();
        let storage = Storage::scan(region_roots(&region));
        // As a layer reads: some patients left out, so pks are not the folders' places.
        let wanted = |_: &FacilityId, id: &PatientId| !id.as_str().ends_with('3');
        let (verifier, coder) = (Verifier::default(), Coder::default());
        let cx = Context {
            from: "2021-11-20",
            verifier: &verifier,
            coder: &coder,
        };

        let build = |pipelined: bool| {
            let work = dir
                .path()
                .join(if pipelined { "pipelined" } else { "sequential" });
            std::fs::create_dir(&work).unwrap();
            let mut sink = Sink::create(&work).unwrap();
            let counted = Counted::new(Tally::new(&storage), true);
            let counted = if pipelined {
                store(&storage, wanted, cx, &mut sink, counted, &mut || {})
            } else {
                store_sequentially(&storage, wanted, cx, &mut sink, counted)
            }
            .unwrap();
            let report = counted.tally.finish();
            let finished = sink
                .finish(&[], &[], &[], &[], &Policy::default_policy(), false)
                .unwrap();
            let counts = (
                finished.patients,
                finished.items,
                finished.out_of_window,
                finished.documents,
                finished.document_files,
                finished.document_bytes,
                finished.thumbnails,
            );
            (work, report, counted.tallies, counts)
        };
        let (sequential, seq_report, seq_tallies, seq_counts) = build(false);
        let (pipelined, report, tallies, counts) = build(true);

        let (patients, _, _, documents, _, _, thumbnails) = counts;
        assert!(
            patients > 2 * 256,
            "more than one batch a facility: {patients}"
        );
        assert!(
            documents > 0 && thumbnails > 0,
            "documents and images stored"
        );
        assert_eq!(counts, seq_counts);
        assert_eq!(report, seq_report);
        assert_eq!(tallies, seq_tallies);
        let db = |work: &Path| rows(&work.join("clinical.sqlite"));
        assert_eq!(db(&pipelined), db(&sequential));
        for part in ["documents.bin", "thumbnails.bin"] {
            let bytes = |work: &Path| std::fs::read(work.join(part)).unwrap();
            assert!(bytes(&pipelined) == bytes(&sequential), "{part} differs");
        }
        let index = |work: &Path| postings(&work.join("index"));
        assert_eq!(index(&pipelined), index(&sequential));
    }
}
