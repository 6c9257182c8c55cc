//! Reading files a person names on the command line or in a configuration: snapshots, keys,
//! passphrase files, policies, consent lists, audit logs. Only a regular file is read. A named pipe
//! is opened without blocking (so a FIFO given by mistake never hangs the command) and refused, as
//! are folders and devices (`/dev/zero` would be read until memory runs out); and a read is bounded
//! by what such a file can hold.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why an input cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{} is {kind}, not a regular file: give the file itself", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error(
        "{} holds {len} bytes, more than the {max} bytes this input may have: check that it is the right file",
        path.display()
    )]
    TooLarge { path: PathBuf, len: u64, max: u64 },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl InputError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            InputError::NotAFile { path, .. }
            | InputError::TooLarge { path, .. }
            | InputError::Io { path, .. } => path,
        }
    }

    /// What a refusal was about, in words ("a named pipe (FIFO)"); `None` for other errors.
    pub fn kind(&self) -> Option<&'static str> {
        match self {
            InputError::NotAFile { kind, .. } => Some(kind),
            _ => None,
        }
    }
}

/// Opens `path` for reading if it is a regular file (a symbolic link to one counts), without ever
/// blocking on a named pipe.
pub fn open_regular(path: &Path) -> Result<File, InputError> {
    let io = |source| InputError::Io {
        path: path.to_owned(),
        source,
    };
    // O_NONBLOCK only changes how a FIFO or a device opens; reads of a regular file are unaffected.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let kind = file.metadata().map_err(io)?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    let kind = if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a named pipe (FIFO)"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(InputError::NotAFile {
        path: path.to_owned(),
        kind,
    })
}

/// Reads the whole of a regular file of at most `max` bytes.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, InputError> {
    let file = open_regular(path)?;
    let mut bytes = Vec::new();
    // Read one byte more than allowed, so a file that grows while read is caught too.
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > max {
        let len = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(InputError::TooLarge {
            path: path.to_owned(),
            len,
            max,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_pipe_is_refused_at_once_without_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = open_regular(&fifo).unwrap_err();
        assert_eq!(e.kind(), Some("a named pipe (FIFO)"), "{e}");
        assert!(e.to_string().contains(&fifo.display().to_string()), "{e}");
    }

    #[test]
    fn devices_and_folders_are_refused_and_files_are_read_up_to_their_bound() {
        let zero = open_regular(Path::new("/dev/zero")).unwrap_err();
        assert_eq!(zero.kind(), Some("a character device"));
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            open_regular(dir.path()).unwrap_err().kind(),
            Some("a folder")
        );
        let file = dir.path().join("f");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_bounded(&file, 5).unwrap(), b"12345");
        assert!(matches!(
            read_bounded(&file, 4),
            Err(InputError::TooLarge { len: 5, max: 4, .. })
        ));
        assert!(matches!(
            read_bounded(&dir.path().join("missing"), 4),
            Err(InputError::Io { .. })
        ));
    }
}
