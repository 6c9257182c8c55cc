//! One command at a time in a hub folder: `hub build` and `hub publish` hold `state/hub.lock`.
//!
//! A build reads and commits the state and writes into `builds/`; a publish reads the chain from
//! the state and copies from `builds/`. Two of them at once (a nightly timer and an operator by
//! hand, or two timers) could publish a chain a build is replacing. The lock is the kernel's
//! (`flock`), so it is let go when the process ends however it ends: a killed build never leaves
//! the hub locked. The file itself only names the last holder, for the message a second command
//! gives.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::{SecondsFormat, Utc};

use crate::{HubError, STATE_DIR};

/// The lock file's name inside the hub's `state/` folder.
pub const LOCK_FILE: &str = "hub.lock";

/// Held while a command works in the hub folder; dropping it lets go.
#[derive(Debug)]
pub struct HubLock {
    _file: File,
}

/// Takes the hub folder's lock for `what` (say "hub build"), or fails at once with
/// [`HubError::Busy`] naming the command that holds it. Never waits: a timer retries, and an
/// operator is told what runs.
pub fn lock(folder: &Path, what: &str) -> Result<HubLock, HubError> {
    let state = folder.join(STATE_DIR);
    let path = state.join(LOCK_FILE);
    let io = |source| HubError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(&state).map_err(io)?;
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(HubError::Busy {
                folder: folder.to_path_buf(),
                holder: if holder.is_empty() {
                    "another command".to_owned()
                } else {
                    holder.to_owned()
                },
            });
        }
        Err(TryLockError::Error(e)) => return Err(io(e)),
    }
    let line = format!(
        "{what} (process {}, since {})\n",
        std::process::id(),
        Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(line.as_bytes()))
        .map_err(io)?;
    Ok(HubLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_command_is_told_who_holds_the_hub_and_the_first_lets_go_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path(), "hub build").unwrap();
        let busy = lock(dir.path(), "hub publish").unwrap_err();
        let said = busy.to_string();
        assert!(said.contains("hub build (process "), "{said}");
        assert_eq!(busy.failure(), fieldchart_failure::Failure::Busy);
        drop(held);
        let again = lock(dir.path(), "hub publish").unwrap();
        let text = std::fs::read_to_string(dir.path().join(STATE_DIR).join(LOCK_FILE)).unwrap();
        assert!(text.starts_with("hub publish (process "), "{text}");
        drop(again);
    }
}
