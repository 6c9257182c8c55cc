//! A read-only tantivy `Directory` over the vault's `index/…` parts: the search index is read through
//! the same verified, decrypted block cache as the clinical store, never from a plaintext file.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fieldchart_store::parts;
use fieldchart_vault::{Part, Snapshot};

use crate::fault::Fault;
use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, OwnedBytes, WatchCallback, WatchHandle, WritePtr,
};

#[derive(Clone)]
pub struct VaultDirectory {
    files: Arc<HashMap<PathBuf, Part>>,
    fault: Fault,
}

impl std::fmt::Debug for VaultDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VaultDirectory({} files)", self.files.len())
    }
}

impl VaultDirectory {
    /// The index files of a snapshot (`index/meta.json` → `meta.json`); a read the vault refuses
    /// leaves its reason in `fault`.
    pub(crate) fn new(snapshot: &Snapshot, fault: Fault) -> VaultDirectory {
        let files = snapshot
            .manifest()
            .parts
            .iter()
            .filter_map(|p| {
                let name = p.name.strip_prefix(parts::INDEX_PREFIX)?;
                let part = snapshot.part(&p.name)?;
                Some((PathBuf::from(name), part))
            })
            .collect();
        VaultDirectory {
            files: Arc::new(files),
            fault,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[derive(Clone)]
struct PartFile {
    part: Part,
    fault: Fault,
}

impl std::fmt::Debug for PartFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PartFile({})", self.part.name())
    }
}

impl HasLen for PartFile {
    fn len(&self) -> usize {
        self.part.len() as usize
    }
}

impl FileHandle for PartFile {
    fn read_bytes(&self, range: Range<usize>) -> std::io::Result<OwnedBytes> {
        let mut buf = vec![0u8; range.end.saturating_sub(range.start)];
        self.part
            .read_at(range.start as u64, &mut buf)
            .map_err(|e| self.fault.record(e))?;
        Ok(OwnedBytes::new(buf))
    }
}

fn read_only(path: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        format!("the snapshot index is read-only ({})", path.display()),
    )
}

impl Directory for VaultDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let part = self
            .files
            .get(path)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?;
        Ok(Arc::new(PartFile {
            part: part.clone(),
            fault: self.fault.clone(),
        }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(read_only(path)),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        Ok(self.files.contains_key(path))
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::IoError {
            io_error: Arc::new(read_only(path)),
            filepath: path.to_path_buf(),
        })
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        let part = self
            .files
            .get(path)
            .ok_or_else(|| OpenReadError::FileDoesNotExist(path.to_path_buf()))?;
        part.read_all().map_err(|e| OpenReadError::IoError {
            io_error: Arc::new(self.fault.record(e)),
            filepath: path.to_path_buf(),
        })
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> std::io::Result<()> {
        Err(read_only(path))
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        // Nothing can change a snapshot's index, so readers need no lock file (and could not write
        // one).
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
