//! A read-only SQLite VFS over a vault part: SQLite reads pages through the vault's verified,
//! decrypted block cache, and nothing is ever written (no journal, no temp file, no WAL).
//!
//! One VFS named [`VFS_NAME`] is registered per process; each open database is a key in a registry
//! that maps to its vault part. Any attempt to open anything else (a journal, a temp database) is
//! refused, so even a query that wanted to spill to disk cannot: the connection keeps temp storage in
//! memory (`temp_store = MEMORY`).

use std::collections::HashMap;
use std::io::{Error, ErrorKind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use fieldchart_vault::Part;

use crate::fault::Fault;
use rusqlite::{Connection, OpenFlags};
use sqlite_vfs::{DatabaseHandle, LockKind, OpenKind, OpenOptions, Vfs, WalDisabled};

pub const VFS_NAME: &str = "fieldchart-vault";

/// Open databases by name: the part they read, and where a failed read leaves the vault's reason.
fn registry() -> &'static Mutex<HashMap<String, (Part, Fault)>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, (Part, Fault)>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn register_once() -> Result<(), rusqlite::Error> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            sqlite_vfs::register(VFS_NAME, VaultVfs, false).map_err(|e| format!("{e:?}"))
        })
        .clone()
        .map_err(|e| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(format!("registering the snapshot VFS: {e}")),
            )
        })
}

/// A database name in the registry, removed when dropped (after the connection that uses it).
pub struct Registered {
    name: String,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut map) = registry().lock() {
            map.remove(&self.name);
        }
    }
}

/// Opens a read-only connection to the database held in `part`; a read the vault refuses leaves its
/// reason in `fault`.
pub fn open(part: Part, fault: Fault) -> Result<(Connection, Registered), rusqlite::Error> {
    register_once()?;
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let name = format!("snapshot-{}.sqlite", NEXT.fetch_add(1, Ordering::Relaxed));
    if let Ok(mut map) = registry().lock() {
        map.insert(name.clone(), (part, fault));
    }
    let registered = Registered { name: name.clone() };
    // immutable=1: the file cannot change under us, so SQLite takes no locks and never looks for a
    // journal.
    let conn = Connection::open_with_flags_and_vfs(
        format!("file:{name}?immutable=1"),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        VFS_NAME,
    )?;
    conn.execute_batch(
        "PRAGMA temp_store = MEMORY; PRAGMA query_only = 1; PRAGMA cache_size = -16384;",
    )?;
    Ok((conn, registered))
}

struct VaultVfs;

impl Vfs for VaultVfs {
    type Handle = PartHandle;

    fn open(&self, db: &str, opts: OpenOptions) -> Result<PartHandle, Error> {
        if opts.kind != OpenKind::MainDb {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                "the snapshot store is read-only: no journal or temp files",
            ));
        }
        let (part, fault) = registry()
            .lock()
            .map_err(|_| Error::other("snapshot registry poisoned"))?
            .get(db)
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "no such snapshot database"))?;
        Ok(PartHandle {
            part,
            fault,
            lock: LockKind::None,
        })
    }

    fn delete(&self, _db: &str) -> Result<(), Error> {
        Err(Error::new(
            ErrorKind::PermissionDenied,
            "the snapshot store is read-only",
        ))
    }

    fn exists(&self, db: &str) -> Result<bool, Error> {
        Ok(registry()
            .lock()
            .map_err(|_| Error::other("snapshot registry poisoned"))?
            .contains_key(db))
    }

    fn temporary_name(&self) -> String {
        // Never used: temp_store is MEMORY and open() refuses anything but the main database.
        String::from("fieldchart-no-temp-files")
    }

    fn random(&self, buffer: &mut [i8]) {
        // SQLite asks for randomness to name temp files and seed its PRNG; neither protects anything
        // in a read-only store, so the standard library's per-process random hasher keys suffice.
        use std::hash::{BuildHasher, Hasher};
        let state = std::collections::hash_map::RandomState::new();
        for chunk in buffer.chunks_mut(8) {
            let mut h = state.build_hasher();
            h.write_usize(chunk.as_ptr() as usize);
            for (b, r) in chunk.iter_mut().zip(h.finish().to_le_bytes()) {
                *b = r as i8;
            }
        }
    }

    fn sleep(&self, duration: std::time::Duration) -> std::time::Duration {
        std::thread::sleep(duration);
        duration
    }

    fn access(&self, db: &str, write: bool) -> Result<bool, Error> {
        Ok(!write && self.exists(db)?)
    }
}

pub struct PartHandle {
    part: Part,
    fault: Fault,
    lock: LockKind,
}

impl DatabaseHandle for PartHandle {
    type WalIndex = WalDisabled;

    fn size(&self) -> Result<u64, Error> {
        Ok(self.part.len())
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> Result<(), Error> {
        let len = self.part.len();
        if offset >= len {
            return Err(Error::new(ErrorKind::UnexpectedEof, "read past the end"));
        }
        let available = (len - offset).min(buf.len() as u64) as usize;
        let (head, tail) = buf.split_at_mut(available);
        self.part
            .read_at(offset, head)
            .map_err(|e| self.fault.record(e))?;
        if !tail.is_empty() {
            tail.fill(0);
            return Err(Error::new(ErrorKind::UnexpectedEof, "short read"));
        }
        Ok(())
    }

    fn write_all_at(&mut self, _buf: &[u8], _offset: u64) -> Result<(), Error> {
        Err(Error::new(
            ErrorKind::PermissionDenied,
            "the snapshot store is read-only",
        ))
    }

    fn sync(&mut self, _data_only: bool) -> Result<(), Error> {
        Ok(())
    }

    fn set_len(&mut self, _size: u64) -> Result<(), Error> {
        Err(Error::new(
            ErrorKind::PermissionDenied,
            "the snapshot store is read-only",
        ))
    }

    fn lock(&mut self, lock: LockKind) -> Result<bool, Error> {
        // Readers only: any shared-or-lower lock is granted; a writer's lock never is.
        if matches!(lock, LockKind::None | LockKind::Shared) {
            self.lock = lock;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn reserved(&mut self) -> Result<bool, Error> {
        Ok(false)
    }

    fn current_lock(&self) -> Result<LockKind, Error> {
        Ok(self.lock)
    }

    fn wal_index(&self, _readonly: bool) -> Result<WalDisabled, Error> {
        Ok(WalDisabled)
    }
}
