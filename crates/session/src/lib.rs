//! A viewing session: one opened snapshot on a field laptop.
//!
//! Opening checks everything the vault checks (signer, validity window, version, manifest signature)
//! and then opens the clinical store and the search index *through* the vault: SQLite reads via a
//! read-only VFS ([`sqlite`]) and tantivy via a read-only `Directory` ([`directory`]), both served
//! from the vault's cache of decrypted, hash-checked 64 KiB blocks. No plaintext is written anywhere,
//! and opening reads a constant amount of data whatever the snapshot's size.
//!
//! Who may see what, and the audit trail of every look, are [`viewing`]: the CLI and the app open a
//! [`Session`] only to begin a [`Viewing`], and read patient data only through the accesses it grants.
//!
//! That rule is the compiler's, not a convention: the store and the index inside a [`Session`] are
//! private, and so is the session inside a [`Viewing`]. Code outside this crate that tries to reach
//! them does not build, while what a session may say of itself does:
//!
//! ```no_run
//! fn snapshot_id(s: &fieldchart_session::Session) -> String {
//!     s.manifest().snapshot_id.clone()
//! }
//! ```
//!
//! ```compile_fail,E0616
//! fn peek(s: &fieldchart_session::Session) {
//!     let _ = &s.store; // the clinical store: only an access reads it
//! }
//! ```
//!
//! ```compile_fail,E0616
//! fn peek(v: &fieldchart_session::Viewing) {
//!     let _ = &v.session; // the snapshot behind a viewing: no way round the grant
//! }
//! ```
//!
//! ```compile_fail,E0599
//! fn peek(s: &fieldchart_session::Session) {
//!     let _ = s.db(); // there is no raw database handle
//! }
//! ```
//!
//! The one named exception is [`Session::benchmark_patients`], for the bench on a drill snapshot.

mod directory;
mod fault;
mod signature;
mod sqlite;
pub mod viewing;

pub use viewing::{
    AccessView, Linked, MemberAccess, NotBegun, NotHeld, Possible, RecordAccess, SearchAccess,
    ViewError, Viewing, ViewingOptions, WithheldMember,
};

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

use chrono::{DateTime, Utc};
use fieldchart_failure::Failure;
use fieldchart_store::CONTENT_VERSION;
use fieldchart_store::chain::ChainFile;
use fieldchart_store::manifest::AppManifest;
use fieldchart_store::read::Hidden;
use fieldchart_store::read::{ClinicalStore, PatientIndex, PatientPk, ReadError};
use fieldchart_store::rows::PatientRow;
use fieldchart_vault::{OpenOptions, Snapshot, TrustedKey, Unlock, VaultError};
use tantivy::query::Query;

use directory::VaultDirectory;
use fault::Fault;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(
        "this snapshot's content is version {found}; this FieldChart reads version {supported}. Update FieldChart or ask the hub for a matching snapshot."
    )]
    ContentVersion { found: u32, supported: u32 },
    #[error("the snapshot is damaged: {0}")]
    Damaged(String),
    #[error(
        "benchmarks read patients without a viewer only from a drill snapshot (synthetic data); this snapshot is not one"
    )]
    NotADrill,
    /// The files of a chain do not make one chain: a layer of another chain, a missing layer.
    #[error("the snapshot's files do not make one chain: {0}")]
    Chain(String),
    #[error(transparent)]
    ChainFile(fieldchart_store::chain::ChainFileError),
}

impl SessionError {
    /// Which row of the exit-code table: the vault's own, and damaged content is tampered.
    pub fn failure(&self) -> Failure {
        match self {
            SessionError::Vault(e) => e.failure(),
            SessionError::ContentVersion { .. } => Failure::UnsupportedVersion,
            SessionError::Damaged(_) | SessionError::Chain(_) => Failure::Tampered,
            SessionError::NotADrill => Failure::Usage,
            SessionError::ChainFile(fieldchart_store::chain::ChainFileError::Io {
                source, ..
            }) => Failure::of_io(source),
            SessionError::ChainFile(_) => Failure::NotASnapshot,
        }
    }

    /// Whether the snapshot itself failed (damaged, altered, cut short, unreadable) rather than a
    /// request: such a failure found after unlock is audited as its own entry.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            SessionError::Damaged(_)
                | SessionError::Vault(
                    VaultError::Tampered { .. }
                        | VaultError::Truncated { .. }
                        | VaultError::Io { .. }
                        | VaultError::ReadOutOfRange { .. }
                )
        )
    }
}

/// A crash must not write decrypted memory to disk: once a session opens, the process makes no core
/// dump. A failure to set the limit is not fatal (the OS may forbid it); it only loses this guard.
fn no_core_dumps() {
    let _ = rlimit::Resource::CORE.set(0, 0);
}

/// What opening needs.
pub struct SessionOptions {
    /// A snapshot file, or a chain file (`*.fcchain`: a base and its layers).
    pub path: PathBuf,
    pub unlock: Unlock,
    pub trusted: Vec<TrustedKey>,
    /// The clock to check the validity window against (the system clock outside tests).
    pub now: DateTime<Utc>,
    /// Open a snapshot past its "not after": only for a break-glass the signed policy then has to
    /// allow ([`Viewing::begin`] checks).
    pub accept_expired: bool,
}

/// Where a patient was found: which file of the chain, and their row there. Only a session makes
/// one, from a search of its index or a look-up of its store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hit {
    layer: usize,
    pk: PatientPk,
}

/// One file of an open chain: its vault, manifest, store and index.
struct Layer {
    snapshot: Snapshot,
    app: AppManifest,
    store: Mutex<ClinicalStore>,
    // Dropped after `store`: the VFS entry must outlive the connection that reads through it.
    _db_name: sqlite::Registered,
    index: PatientIndex,
}

/// Document ids handed out by a session carry their file of the chain above this bit.
const BLOB_LAYER_SHIFT: u32 = 40;

/// The decrypted-block cache of each layer of a chain (the base gets
/// [`fieldchart_vault::DEFAULT_CACHE_BYTES`]): a nightly layer of 1% of 100,000 patients is about
/// 7 MB, so it is held whole.
const LAYER_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// An open snapshot: one file, or a chain of a base and its layers opened as one. Its clinical
/// stores and patient indexes are private: patient data is read only through the accesses a
/// [`Viewing`] grants and audits (or, on a drill snapshot, through
/// [`Session::benchmark_patients`]).
///
/// In a chain the newest file that holds a patient, or removes them (a tombstone), wins for that
/// patient: search runs over every file but leaves out a patient a newer file holds or removes,
/// and a record and its documents come from the winning file. The newest file decides the
/// validity, the policy, the consent list and what the start screen says of each facility.
pub struct Session {
    /// Base first, the newest last.
    layers: Vec<Layer>,
    fault: Fault,
    /// Per file, the patients newer files hold or remove, by their `pk` in that file; made on
    /// the first search (it reads every layer's patient list, and looks those patients up in
    /// each older file's patient table).
    hidden: OnceLock<Result<Vec<Option<Hidden>>, String>>,
}

impl Session {
    pub fn open(opts: SessionOptions) -> Result<Session, SessionError> {
        no_core_dumps();
        let paths = if ChainFile::is_chain_path(&opts.path) {
            ChainFile::read(&opts.path)
                .map_err(SessionError::ChainFile)?
                .1
        } else {
            vec![opts.path.clone()]
        };
        let fault = Fault::default();
        let mut layers: Vec<Layer> = Vec::with_capacity(paths.len());
        // The newest file is checked as a single snapshot would be (signer, validity); it vouches
        // for the files it follows, which need only be signed by the same key and linked to it.
        let (newest_path, older) = paths
            .split_last()
            .ok_or_else(|| SessionError::Chain("the chain file lists no files".into()))?;
        // The decrypted-block cache goes where the reads are: the base holds nearly everyone and
        // gets a single snapshot's budget; a layer is a few percent of it and gets a quarter.
        let cache_of = |position: usize| {
            if position == 0 {
                fieldchart_vault::DEFAULT_CACHE_BYTES
            } else {
                LAYER_CACHE_BYTES
            }
        };
        let newest = open_layer(
            newest_path,
            &OpenOptions {
                trusted: opts.trusted.clone(),
                unlock: opts.unlock.clone(),
                now: opts.now,
                cache_bytes: cache_of(older.len()),
                accept_expired: opts.accept_expired,
            },
            &fault,
        )?;
        let signer = newest.snapshot.signer();
        let drill = newest.snapshot.manifest().drill;
        for (position, path) in older.iter().enumerate() {
            let layer = open_layer(
                path,
                &OpenOptions {
                    trusted: vec![signer],
                    unlock: opts.unlock.clone(),
                    now: opts.now,
                    cache_bytes: cache_of(position),
                    accept_expired: true,
                },
                &fault,
            )?;
            if layer.snapshot.manifest().drill != drill {
                return Err(SessionError::Chain(format!(
                    "{} is {} but the newest file is not: they are not one chain",
                    path.display(),
                    if drill {
                        "not drill data"
                    } else {
                        "drill data"
                    }
                )));
            }
            layers.push(layer);
        }
        layers.push(newest);
        check_links(&layers, &paths)?;
        Ok(Session {
            layers,
            fault,
            hidden: OnceLock::new(),
        })
    }

    fn newest(&self) -> &Layer {
        // `open` never makes a session without a file.
        &self.layers[self.layers.len() - 1]
    }

    /// The vault manifest of the newest file: snapshot ID, creation, validity, drill flag, parts.
    pub fn manifest(&self) -> &fieldchart_vault::Manifest {
        self.newest().snapshot.manifest()
    }

    /// What the builder recorded in the newest file: scope, facilities and their data-as-of,
    /// counts.
    pub fn app(&self) -> &AppManifest {
        &self.newest().app
    }

    /// How many files the snapshot is made of (1 for a single snapshot, base + layers for a chain).
    pub fn files(&self) -> usize {
        self.layers.len()
    }

    /// The digest of the newest file (what the next layer names as its previous file).
    pub fn digest(&self) -> &str {
        self.newest().snapshot.digest()
    }

    /// The access policy the hub signed into the newest file.
    pub fn policy(&self) -> Result<fieldchart_policy::Policy, SessionError> {
        let part = self
            .newest()
            .snapshot
            .part(fieldchart_store::parts::POLICY)
            .ok_or_else(|| SessionError::Damaged("no access policy".into()))?;
        let bytes = part.read_all()?;
        fieldchart_policy::Policy::from_json(&bytes)
            .map_err(|e| SessionError::Damaged(format!("access policy: {e}")))
    }

    /// Patients read with nobody declared and nothing audited: for benchmarks, and only on a drill
    /// snapshot, whose patients are synthetic. A snapshot of real patients refuses.
    pub fn benchmark_patients(&self) -> Result<BenchmarkPatients<'_>, SessionError> {
        if !self.manifest().drill {
            return Err(SessionError::NotADrill);
        }
        Ok(BenchmarkPatients { session: self })
    }

    /// The clinical store of file `layer`. One connection per file, used by one query at a time.
    fn store(&self, layer: usize) -> Result<MutexGuard<'_, ClinicalStore>, SessionError> {
        let layer = self
            .layers
            .get(layer)
            .ok_or_else(|| SessionError::Damaged(format!("no file {layer} in the chain")))?;
        layer.store.lock().map_err(|_| {
            SessionError::Damaged("store connection poisoned by an earlier panic".into())
        })
    }

    /// A read that failed, as the vault said it when the vault refused a block.
    fn failed(&self, e: ReadError) -> SessionError {
        read_failure(&self.fault, e)
    }

    /// The file that wins for a patient (the newest that holds or removes them), and their row
    /// there; None when no file holds them or the winning file removed them.
    fn find(&self, facility: &str, patient_id: &str) -> Result<Option<Hit>, SessionError> {
        for layer in (0..self.layers.len()).rev() {
            let store = self.store(layer)?;
            if store
                .is_tombstoned(facility, patient_id)
                .map_err(|e| self.failed(e))?
            {
                return Ok(None);
            }
            if let Some((pk, _)) = store
                .find_patient(facility, patient_id)
                .map_err(|e| self.failed(e))?
            {
                return Ok(Some(Hit { layer, pk }));
            }
        }
        Ok(None)
    }

    /// The identifiers the hub's cross-references link with a patient (itself included: facility,
    /// patient ID, how it came in), as the newest file holds them; empty when it is linked with
    /// none.
    fn linked(
        &self,
        facility: &str,
        patient_id: &str,
    ) -> Result<Vec<(String, String, String)>, SessionError> {
        let store = self.store(self.layers.len() - 1)?;
        store
            .linked(facility, patient_id)
            .map_err(|e| self.failed(e))
    }

    /// The consent state of a patient on the hub's consent list as the newest file holds it.
    /// The probable matches of `facility:patient_id` (never links): the base's, where a base
    /// computes them (a layer holds too few patients to match, so a new patient is matched at
    /// the next base).
    fn suggested(
        &self,
        facility: &str,
        patient_id: &str,
    ) -> Result<Vec<fieldchart_store::read::SuggestedRow>, SessionError> {
        let store = self.store(0)?;
        store
            .suggested(facility, patient_id)
            .map_err(|e| self.failed(e))
    }

    fn consent(&self, facility: &str, patient_id: &str) -> Result<Option<String>, SessionError> {
        let store = self.store(self.layers.len() - 1)?;
        store
            .consent(facility, patient_id)
            .map_err(|e| self.failed(e))
    }

    /// Per file, the patients a search of it leaves out (those a newer file holds or removes), by
    /// their `pk` in that file: worked out once per session, at the first search.
    fn hidden(&self) -> Result<&[Option<Hidden>], SessionError> {
        let made = self.hidden.get_or_init(|| {
            let mut out: Vec<Option<Hidden>> = vec![None; self.layers.len()];
            let mut newer: Vec<(String, String)> = Vec::new();
            for layer in (0..self.layers.len()).rev() {
                let store = self.store(layer).map_err(|e| e.to_string())?;
                if !newer.is_empty() {
                    let pks = store
                        .pks_of(&newer)
                        .map_err(|e| self.failed(e).to_string())?;
                    out[layer] = (!pks.is_empty()).then_some(pks);
                }
                if layer > 0 {
                    let patients = store
                        .shadowing_patients()
                        .map_err(|e| self.failed(e).to_string())?;
                    newer.extend(patients);
                }
            }
            Ok(out)
        });
        made.as_deref()
            .map_err(|e| SessionError::Damaged(e.clone()))
    }

    /// The index fields (the same in every file).
    fn fields(&self) -> &fieldchart_store::index::Fields {
        self.newest().index.fields()
    }

    /// How many patients match `query`, each counted once in the file that wins for them.
    fn count(&self, query: &dyn Query) -> Result<usize, SessionError> {
        let hidden = self.hidden()?;
        let mut n = 0;
        for (i, layer) in self.layers.iter().enumerate() {
            n += layer
                .index
                .count_hiding(query, hidden[i].as_ref())
                .map_err(|e| self.failed(e))?;
        }
        Ok(n)
    }

    /// The best `limit` patients for `query` over every file, each from the file that wins for
    /// them, best first (ties: the newer file first).
    fn top(&self, query: &dyn Query, limit: usize) -> Result<Vec<(f32, Hit)>, SessionError> {
        Ok(self.count_and_top(query, limit)?.1)
    }

    /// [`Session::count`] and [`Session::top`] in one pass over each file's index.
    fn count_and_top(
        &self,
        query: &dyn Query,
        limit: usize,
    ) -> Result<(usize, Vec<(f32, Hit)>), SessionError> {
        let hidden = self.hidden()?;
        let mut all = Vec::new();
        let mut count = 0;
        for (i, layer) in self.layers.iter().enumerate() {
            let (n, found) = layer
                .index
                .count_and_top_hiding(query, limit, hidden[i].as_ref())
                .map_err(|e| self.failed(e))?;
            count += n;
            all.extend(
                found
                    .into_iter()
                    .map(|(score, pk)| (score, Hit { layer: i, pk })),
            );
        }
        all.sort_by(|(a, ha), (b, hb)| b.total_cmp(a).then(hb.layer.cmp(&ha.layer)));
        all.truncate(limit);
        Ok((count, all))
    }

    /// The manifests of the file a hit came from.
    fn layer_of(&self, hit: Hit) -> &Layer {
        &self.layers[hit.layer.min(self.layers.len() - 1)]
    }

    /// The id a record's document file is handed out under: its file of the chain and its row.
    fn blob_id(hit: Hit, blob: i64) -> i64 {
        ((hit.layer as i64) << BLOB_LAYER_SHIFT) | blob
    }

    /// The bytes of a document file or thumbnail, by the id [`Session::blob_id`] gave it.
    fn blob(&self, id: i64) -> Result<Option<(String, Vec<u8>)>, SessionError> {
        let layer = usize::try_from(id >> BLOB_LAYER_SHIFT)
            .map_err(|_| SessionError::Damaged(format!("document file {id}")))?;
        let blob = id & ((1i64 << BLOB_LAYER_SHIFT) - 1);
        let Some(at) = self.store(layer)?.blob(blob).map_err(|e| self.failed(e))? else {
            return Ok(None);
        };
        let part = self.layers[layer]
            .snapshot
            .part(&at.part)
            .ok_or_else(|| SessionError::Damaged(format!("no part {}", at.part)))?;
        let len = usize::try_from(at.len)
            .map_err(|_| SessionError::Damaged(format!("blob {blob} of {} bytes", at.len)))?;
        let mut buf = vec![0u8; len];
        part.read_at(at.offset, &mut buf)?;
        Ok(Some((at.media_type, buf)))
    }
}

/// Opens one file of a chain: the vault's checks, the content version, the store and the index.
fn open_layer(
    path: &std::path::Path,
    vault_opts: &OpenOptions,
    fault: &Fault,
) -> Result<Layer, SessionError> {
    let snapshot = fieldchart_vault::open(path, vault_opts)?;
    let app: AppManifest = serde_json::from_value(snapshot.manifest().app.clone())
        .map_err(|e| SessionError::Damaged(format!("manifest: {e}")))?;
    if app.content_version != CONTENT_VERSION {
        return Err(SessionError::ContentVersion {
            found: app.content_version,
            supported: CONTENT_VERSION,
        });
    }
    let failed = |e: ReadError| read_failure(fault, e);
    let part = snapshot
        .part(fieldchart_store::parts::CLINICAL)
        .ok_or_else(|| SessionError::Damaged("no clinical store".into()))?;
    let (db, db_name) =
        sqlite::open(part, fault.clone()).map_err(|e| failed(ReadError::Store(e)))?;
    let store = ClinicalStore::new(db).map_err(failed)?;
    let dir = VaultDirectory::new(&snapshot, fault.clone());
    if dir.is_empty() {
        return Err(SessionError::Damaged("no search index".into()));
    }
    let index = PatientIndex::open(dir).map_err(failed)?;
    Ok(Layer {
        snapshot,
        app,
        store: Mutex::new(store),
        _db_name: db_name,
        index,
    })
}

/// Each layer must follow the file before it in this chain: its sequence, its base's digest and
/// the previous file's digest, as it signed them. A single snapshot (or a base alone) passes.
fn check_links(layers: &[Layer], paths: &[PathBuf]) -> Result<(), SessionError> {
    let links: Vec<fieldchart_store::chain::Link<'_>> = layers
        .iter()
        .zip(paths)
        .map(|(layer, path)| fieldchart_store::chain::Link {
            name: path.display().to_string(),
            digest: layer.snapshot.digest(),
            chain: layer.app.chain.as_ref(),
        })
        .collect();
    fieldchart_store::chain::check_links(&links).map_err(SessionError::Chain)
}

fn read_failure(fault: &Fault, e: ReadError) -> SessionError {
    match fault.take() {
        Some(vault) => SessionError::Vault(vault),
        None => SessionError::Damaged(e.to_string()),
    }
}

/// A drill snapshot's patients, for benchmarks (see [`Session::benchmark_patients`]).
pub struct BenchmarkPatients<'s> {
    session: &'s Session,
}

impl BenchmarkPatients<'_> {
    /// The highest patient key: patients are drawn at random below it.
    pub fn max_key(&self) -> Result<Option<i64>, SessionError> {
        let store = self.session.store(0)?;
        store.max_patient_pk().map_err(|e| self.session.failed(e))
    }

    /// The patient with key `key`, if there is one.
    pub fn patient(&self, key: i64) -> Result<Option<PatientRow>, SessionError> {
        let store = self.session.store(0)?;
        store
            .patient_numbered(key)
            .map_err(|e| self.session.failed(e))
    }
}
