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
mod sqlite;
pub mod viewing;

pub use viewing::{
    AccessView, NotBegun, RecordAccess, SearchAccess, ViewError, Viewing, ViewingOptions,
};

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use fieldchart_failure::Failure;
use fieldchart_store::CONTENT_VERSION;
use fieldchart_store::manifest::AppManifest;
use fieldchart_store::read::{ClinicalStore, PatientIndex, ReadError};
use fieldchart_store::rows::PatientRow;
use fieldchart_vault::{OpenOptions, Snapshot, TrustedKey, Unlock, VaultError};

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
}

impl SessionError {
    /// Which row of the exit-code table: the vault's own, and damaged content is tampered.
    pub fn failure(&self) -> Failure {
        match self {
            SessionError::Vault(e) => e.failure(),
            SessionError::ContentVersion { .. } => Failure::UnsupportedVersion,
            SessionError::Damaged(_) => Failure::Tampered,
            SessionError::NotADrill => Failure::Usage,
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
    pub path: PathBuf,
    pub unlock: Unlock,
    pub trusted: Vec<TrustedKey>,
    /// The clock to check the validity window against (the system clock outside tests).
    pub now: DateTime<Utc>,
    /// Open a snapshot past its "not after": only for a break-glass the signed policy then has to
    /// allow ([`Viewing::begin`] checks).
    pub accept_expired: bool,
}

/// An open snapshot. Its clinical store and patient index are private: patient data is read only
/// through the accesses a [`Viewing`] grants and audits (or, on a drill snapshot, through
/// [`Session::benchmark_patients`]).
pub struct Session {
    snapshot: Snapshot,
    app: AppManifest,
    store: Mutex<ClinicalStore>,
    // Dropped after `store`: the VFS entry must outlive the connection that reads through it.
    _db_name: sqlite::Registered,
    index: PatientIndex,
    fault: Fault,
}

impl Session {
    pub fn open(opts: SessionOptions) -> Result<Session, SessionError> {
        no_core_dumps();
        let vault_opts = OpenOptions {
            trusted: opts.trusted,
            unlock: opts.unlock,
            now: opts.now,
            cache_bytes: 32 * 1024 * 1024,
            accept_expired: opts.accept_expired,
        };
        let snapshot = fieldchart_vault::open(&opts.path, &vault_opts)?;
        let app: AppManifest = serde_json::from_value(snapshot.manifest().app.clone())
            .map_err(|e| SessionError::Damaged(format!("manifest: {e}")))?;
        if app.content_version != CONTENT_VERSION {
            return Err(SessionError::ContentVersion {
                found: app.content_version,
                supported: CONTENT_VERSION,
            });
        }
        let fault = Fault::default();
        let failed = |e: ReadError| read_failure(&fault, e);
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
        Ok(Session {
            snapshot,
            app,
            store: Mutex::new(store),
            _db_name: db_name,
            index,
            fault,
        })
    }

    /// The vault manifest: snapshot ID, creation, validity, drill flag, parts.
    pub fn manifest(&self) -> &fieldchart_vault::Manifest {
        self.snapshot.manifest()
    }

    /// What the builder recorded: scope, facilities and their data-as-of, counts.
    pub fn app(&self) -> &AppManifest {
        &self.app
    }

    /// The access policy the hub signed into the snapshot.
    pub fn policy(&self) -> Result<fieldchart_policy::Policy, SessionError> {
        let part = self
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

    /// The clinical store. One connection, used by one query at a time.
    fn store(&self) -> Result<MutexGuard<'_, ClinicalStore>, SessionError> {
        self.store.lock().map_err(|_| {
            SessionError::Damaged("store connection poisoned by an earlier panic".into())
        })
    }

    /// A read that failed, as the vault said it when the vault refused a block.
    fn failed(&self, e: ReadError) -> SessionError {
        read_failure(&self.fault, e)
    }

    /// The bytes of a document file or thumbnail (`blob.pk`), read from its part.
    fn blob(&self, blob: i64) -> Result<Option<(String, Vec<u8>)>, SessionError> {
        let Some(at) = self.store()?.blob(blob).map_err(|e| self.failed(e))? else {
            return Ok(None);
        };
        let part = self
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
        let store = self.session.store()?;
        store.max_patient_pk().map_err(|e| self.session.failed(e))
    }

    /// The patient with key `key`, if there is one.
    pub fn patient(&self, key: i64) -> Result<Option<PatientRow>, SessionError> {
        let store = self.session.store()?;
        store
            .patient_numbered(key)
            .map_err(|e| self.session.failed(e))
    }
}
