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

mod directory;
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
use fieldchart_store::index::Fields;
use fieldchart_store::manifest::AppManifest;
use fieldchart_vault::{OpenOptions, Snapshot, TrustedKey, Unlock, VaultError};
use rusqlite::Connection;
use tantivy::{Index, IndexReader, ReloadPolicy, Searcher};

pub use directory::VaultDirectory;

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
}

impl SessionError {
    /// Which row of the exit-code table: the vault's own, and damaged content is tampered.
    pub fn failure(&self) -> Failure {
        match self {
            SessionError::Vault(e) => e.failure(),
            SessionError::ContentVersion { .. } => Failure::UnsupportedVersion,
            SessionError::Damaged(_) => Failure::Tampered,
        }
    }
}

impl From<rusqlite::Error> for SessionError {
    fn from(e: rusqlite::Error) -> Self {
        SessionError::Damaged(format!("clinical store: {e}"))
    }
}

impl From<tantivy::TantivyError> for SessionError {
    fn from(e: tantivy::TantivyError) -> Self {
        SessionError::Damaged(format!("search index: {e}"))
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

/// An open snapshot.
pub struct Session {
    snapshot: Snapshot,
    app: AppManifest,
    db: Mutex<Connection>,
    // Dropped after `db`: the VFS entry must outlive the connection that reads through it.
    _db_name: sqlite::Registered,
    reader: IndexReader,
    fields: Fields,
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
        let part = snapshot
            .part(fieldchart_store::parts::CLINICAL)
            .ok_or_else(|| SessionError::Damaged("no clinical store".into()))?;
        let (db, db_name) = sqlite::open(part)?;
        // SQLite reads lazily; reading the schema now makes a damaged store fail here, not halfway
        // through a record.
        db.query_row("SELECT count(*) FROM facility", [], |r| r.get::<_, i64>(0))?;
        let dir = VaultDirectory::new(&snapshot);
        if dir.is_empty() {
            return Err(SessionError::Damaged("no search index".into()));
        }
        let index = Index::open(dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let (_, fields) = Fields::schema();
        Ok(Session {
            snapshot,
            app,
            db: Mutex::new(db),
            _db_name: db_name,
            reader,
            fields,
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

    /// The clinical store. One connection, used by one query at a time.
    pub fn db(&self) -> Result<MutexGuard<'_, Connection>, SessionError> {
        self.db.lock().map_err(|_| {
            SessionError::Damaged("store connection poisoned by an earlier panic".into())
        })
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

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    /// The bytes of a document file or thumbnail (`blob.pk`), read from its part.
    pub fn blob(&self, pk: i64) -> Result<(String, Vec<u8>), SessionError> {
        let (part, offset, len, media_type): (String, i64, i64, String) = self.db()?.query_row(
            "SELECT part, offset, len, media_type FROM blob WHERE pk = ?1",
            [pk],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let part = self
            .snapshot
            .part(&part)
            .ok_or_else(|| SessionError::Damaged(format!("no part {part}")))?;
        let mut buf = vec![0u8; usize::try_from(len).unwrap_or(0)];
        part.read_at(u64::try_from(offset).unwrap_or(u64::MAX), &mut buf)?;
        Ok((media_type, buf))
    }
}
