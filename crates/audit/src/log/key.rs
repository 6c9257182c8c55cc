//! The device's audit signing key: one ed25519 key per laptop, made on first use and never replaced.
//!
//! The key file is our own small text format, like the hub's snapshot signing key (crates/vault):
//!
//! ```text
//! FIELDCHART-AUDIT-DEVICE-KEY-1
//! # public key: <standard base64 of the 32-byte ed25519 public key>
//! <standard base64 of the 32-byte secret seed>
//! ```
//!
//! It is published atomically (written to a temporary file, then hard-linked into place, which fails
//! if the name exists), so a crash or a second process can never leave a half-written key, and an
//! existing key is never overwritten: a log signed with it must stay verifiable.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer;
use zeroize::{Zeroize, Zeroizing};

use crate::log::AuditError;
use crate::log::write::{create_private_dir, random_hex, sync_dir};

/// First line of a device key file.
pub const DEVICE_KEY_HEADER: &str = "FIELDCHART-AUDIT-DEVICE-KEY-1";

/// A key file is under 200 bytes; anything much larger is not one.
const MAX_KEY_FILE: u64 = 4096;

/// The laptop's ed25519 audit signing key. Its `Debug` shows the public key only.
#[derive(Clone)]
pub struct DeviceKey(ed25519_dalek::SigningKey);

impl DeviceKey {
    /// Loads the key at `path`, or creates it (mode 0600, its directory 0700) if there is none.
    /// An existing file that is not a device key is an error, never replaced.
    pub fn load_or_create(path: &Path) -> Result<DeviceKey, AuditError> {
        match fs::File::open(path) {
            Ok(file) => Self::load(path, file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Self::create(path),
            Err(e) => Err(AuditError::reading(path, e)),
        }
    }

    /// The public key as it appears in a log's genesis line (standard base64).
    pub fn public_b64(&self) -> String {
        STANDARD.encode(self.0.verifying_key().as_bytes())
    }

    pub(crate) fn sign_b64(&self, message: &[u8]) -> String {
        STANDARD.encode(self.0.sign(message).to_bytes())
    }

    fn load(path: &Path, file: fs::File) -> Result<DeviceKey, AuditError> {
        let mut bytes = Zeroizing::new(Vec::new());
        file.take(MAX_KEY_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| AuditError::reading(path, e))?;
        let bad = |reason: &str| AuditError::DeviceKey {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        if bytes.len() as u64 > MAX_KEY_FILE {
            return Err(bad("the file is far too large to be a device key"));
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| bad("not a FieldChart audit device key (it is not text)"))?;
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        if lines.next() != Some(DEVICE_KEY_HEADER) {
            return Err(bad(
                "not a FieldChart audit device key (its first line must be \
                 FIELDCHART-AUDIT-DEVICE-KEY-1); it was left untouched — move it away only if no \
                 audit log was signed with it",
            ));
        }
        let (Some(encoded), None) = (lines.next(), lines.next()) else {
            return Err(bad("the device key file must hold exactly one key line"));
        };
        let seed = Zeroizing::new(
            STANDARD
                .decode(encoded)
                .map_err(|_| bad("the key line is not valid base64"))?,
        );
        let seed: &[u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| bad("the key line does not hold 32 bytes"))?;
        Ok(DeviceKey(ed25519_dalek::SigningKey::from_bytes(seed)))
    }

    fn create(path: &Path) -> Result<DeviceKey, AuditError> {
        if let Some(parent) = path.parent() {
            create_private_dir(parent)?;
        }
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| AuditError::Random {
            reason: e.to_string(),
        })?;
        let key = DeviceKey(ed25519_dalek::SigningKey::from_bytes(&seed));
        let machine = machine_fingerprint()
            .map(|m| format!("{MACHINE_COMMENT}{m}\n"))
            .unwrap_or_default();
        let contents = Zeroizing::new(format!(
            "{DEVICE_KEY_HEADER}\n# public key: {}\n# FieldChart audit signing key of this laptop. Keep it: the audit log \
             is verified against it.\n{machine}{}\n",
            key.public_b64(),
            STANDARD.encode(seed)
        ));
        seed.zeroize();
        let temp = temp_beside(path)?;
        let published =
            write_private(&temp, contents.as_bytes()).and_then(|()| fs::hard_link(&temp, path));
        let _ = fs::remove_file(&temp);
        match published {
            Ok(()) => {
                if let Some(parent) = path.parent() {
                    sync_dir(parent)?;
                }
                Ok(key)
            }
            // Another process made the key first: use theirs, never replace it.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let file = fs::File::open(path).map_err(|e| AuditError::reading(path, e))?;
                Self::load(path, file)
            }
            Err(e) => Err(AuditError::writing(path, e)),
        }
    }
}

/// The comment a key file records its machine in.
const MACHINE_COMMENT: &str = "# made on machine: ";

/// This machine, as a key file records it: the first 16 hex digits of the SHA-256 of
/// `/etc/machine-id` (made at installation, and made anew by a proper imaging process), never the
/// id itself. None where there is none.
pub fn machine_fingerprint() -> Option<String> {
    let id = fs::read_to_string("/etc/machine-id").ok()?;
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("fieldchart-machine\n{id}").as_bytes());
    Some(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// The machine the key file at `path` says it was made on (None for a key made before keys
/// recorded it, or an unreadable file). A key made on another machine than this one was copied
/// here with its laptop's folder.
pub fn key_made_on(path: &Path) -> Option<String> {
    let file = fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_KEY_FILE).read_to_string(&mut text).ok()?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix(MACHINE_COMMENT.trim_end()))
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
}

impl fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceKey({})", self.public_b64())
    }
}

/// A fresh name beside `path` for a file that will be published under `path`.
pub(crate) fn temp_beside(path: &Path) -> Result<PathBuf, AuditError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(path.with_file_name(format!(".{name}.{}.tmp", random_hex::<8>()?)))
}

/// Creates `path` (which must not exist) readable by its owner only, writes `bytes` and syncs them.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_key_is_loaded_back_unchanged() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("keys/device.key");
        let made = DeviceKey::load_or_create(&path).expect("created");
        let loaded = DeviceKey::load_or_create(&path).expect("loaded");
        assert_eq!(made.public_b64(), loaded.public_b64());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).expect("exists").permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().expect("has a parent")), 0o700);
        }
        let leftovers: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("listable")
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_file_that_is_not_a_key_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("device.key");
        fs::write(&path, "hello\n").expect("written");
        let err = DeviceKey::load_or_create(&path).expect_err("not a key");
        assert!(matches!(err, AuditError::DeviceKey { .. }), "{err}");
        assert!(err.to_string().contains("FIELDCHART-AUDIT-DEVICE-KEY-1"));
        assert_eq!(fs::read_to_string(&path).expect("still there"), "hello\n");
    }

    #[test]
    fn a_key_line_of_the_wrong_length_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("device.key");
        fs::write(&path, format!("{DEVICE_KEY_HEADER}\nAAAA\n")).expect("written");
        let err = DeviceKey::load_or_create(&path).expect_err("short key");
        assert!(err.to_string().contains("32 bytes"), "{err}");
    }

    #[test]
    fn debug_shows_only_the_public_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DeviceKey::load_or_create(&dir.path().join("k")).expect("created");
        assert_eq!(
            format!("{key:?}"),
            format!("DeviceKey({})", key.public_b64())
        );
    }
}
