//! The vault's own reason for a failed read, carried past SQLite and tantivy.
//!
//! SQLite turns any read error of its VFS into `SQLITE_IOERR` ("disk I/O error"), and tantivy wraps
//! its directory's errors in its own; both lose what the vault said (a block whose hash does not
//! match: the snapshot was altered). The read adapters put the vault's error here as they fail, and
//! the session hands it back instead of the store's or index's words, so a damaged part found
//! mid-session is reported, exit-coded and audited as what it is.

use std::sync::{Arc, Mutex};

use fieldchart_vault::VaultError;

/// One open snapshot's slot for the newest read failure.
#[derive(Clone, Default)]
pub(crate) struct Fault(Arc<Mutex<Option<VaultError>>>);

impl Fault {
    /// Keeps `error` as the reason and returns the I/O error the adapter reports upwards.
    pub(crate) fn record(&self, error: VaultError) -> std::io::Error {
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, error.to_string());
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(error);
        }
        io
    }

    /// The vault's reason for the failure just seen, if a read failed in the vault.
    pub(crate) fn take(&self) -> Option<VaultError> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}
