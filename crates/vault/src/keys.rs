//! Keys: making and loading device identities (age X25519), the hub's ed25519 signing key, the
//! trusted public keys a laptop accepts, and the ways to unlock a snapshot.
//!
//! Secret key files are created with mode 0600 and `create_new`, so an existing key is never
//! overwritten (requirements SNAP-3). A device key file is an ordinary age identity file, so
//! `age -d -i` can read it too. The signing key file is our own small text format:
//!
//! ```text
//! FIELDCHART-SIGNING-KEY-1
//! # public key: fcsig1<base64url of the 32-byte ed25519 public key>
//! <base64 of the 32-byte ed25519 secret seed>
//! ```
//!
//! A public signing key is written `fcsig1` followed by the unpadded base64url of its 32 bytes:
//! one line, safe to copy and paste, and what `--trust` takes.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ed25519_dalek::Signer;
use zeroize::{Zeroize, Zeroizing};

use crate::VaultError;

/// First line of a signing key file.
pub const SIGNING_KEY_HEADER: &str = "FIELDCHART-SIGNING-KEY-1";
/// Prefix of a public signing key string.
pub const PUBLIC_KEY_PREFIX: &str = "fcsig1";

/// Key files and passphrase files are tiny; anything larger is not one of ours.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Creates a new age X25519 identity for one laptop in `out` (mode 0600, never overwriting) and
/// returns its public recipient string (`age1…`).
pub fn generate_device_identity(out: &Path) -> Result<String, VaultError> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let contents = Zeroizing::new(format!(
        "# FieldChart device key (age X25519 identity). Keep it secret: it opens every snapshot \
         made for this laptop.\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    write_secret_file(out, contents.as_bytes())?;
    Ok(recipient)
}

/// Creates the hub's ed25519 signing key in `out` (mode 0600, never overwriting) and returns its
/// public key string (`fcsig1…`), which laptops pass to `--trust`.
pub fn generate_signing_key(out: &Path) -> Result<String, VaultError> {
    let mut seed = crate::random_bytes::<32>()?;
    let key = SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed));
    let encoded = Zeroizing::new(STANDARD.encode(seed));
    seed.zeroize();
    let public = key.trusted_key().to_string();
    let contents = Zeroizing::new(format!(
        "{SIGNING_KEY_HEADER}\n# public key: {public}\n{}\n",
        encoded.as_str()
    ));
    write_secret_file(out, contents.as_bytes())?;
    Ok(public)
}

/// Writes a secret file that must not exist yet, readable by its owner only. A half-written file
/// is removed again, so that a retry after (say) a full disk is not refused as `KeyExists`.
pub(crate) fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => VaultError::KeyExists {
            path: path.to_owned(),
        },
        _ => VaultError::writing(path, e),
    })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(VaultError::writing(path, e));
    }
    Ok(())
}

/// Writes `bytes` as a new owner-only file beside `path` (its name and `suffix`), then renames it
/// over `path` and syncs the folder: a crash leaves the old file or the new one, whole. The new
/// file is removed again when a step fails.
pub(crate) fn replace_secret_file(
    path: &Path,
    suffix: &str,
    bytes: &[u8],
) -> Result<(), VaultError> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    let temp = path.with_file_name(name);
    let _ = fs::remove_file(&temp);
    write_secret_file(&temp, bytes)?;
    let renamed = fs::rename(&temp, path).and_then(|()| {
        match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => fs::File::open(dir)?.sync_all(),
            None => Ok(()),
        }
    });
    if let Err(e) = renamed {
        let _ = fs::remove_file(&temp);
        return Err(VaultError::writing(path, e));
    }
    Ok(())
}

/// Overwrites an open key file's bytes with zeros (a key file is small: at most 64 KiB of it) and
/// syncs them, so the key is gone from those blocks whatever name the file still has.
pub(crate) fn zero_in_place(file: &mut fs::File, path: &Path) -> Result<(), VaultError> {
    use std::io::Seek;
    let len = file
        .metadata()
        .map_err(|e| VaultError::writing(path, e))?
        .len();
    let zeros = vec![0u8; usize::try_from(len.min(MAX_KEY_FILE)).unwrap_or(1 << 16)];
    file.seek(io::SeekFrom::Start(0))
        .and_then(|_| file.write_all(&zeros))
        .and_then(|()| file.sync_all())
        .map_err(|e| VaultError::writing(path, e))
}

/// Reads a small key or passphrase file into memory that is wiped when dropped. A named pipe, a
/// device or a folder is refused without blocking or reading it.
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let file = crate::input::open_regular(path).map_err(|e| match e {
        crate::input::InputError::NotAFile { kind, .. } => bad_key(
            path,
            &format!("this is {kind}, not a key file; give the key file itself"),
        ),
        crate::input::InputError::Io { source, .. } => VaultError::reading(path, source),
        crate::input::InputError::TooLarge { .. } => {
            bad_key(path, "this file is far too large to be a key")
        }
    })?;
    let mut bytes = Zeroizing::new(Vec::new());
    io::Read::read_to_end(&mut io::Read::take(file, MAX_KEY_FILE + 1), &mut bytes)
        .map_err(|e| VaultError::reading(path, e))?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(bad_key(path, "this file is far too large to be a key"));
    }
    Ok(bytes)
}

pub(crate) fn bad_key(what: &Path, reason: &str) -> VaultError {
    VaultError::BadKey {
        what: what.display().to_string(),
        reason: reason.to_owned(),
    }
}

/// The lines of a key file that carry data: not blank, not a `#` comment.
fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// The hub's ed25519 signing key. Its `Debug` shows the public key only.
pub struct SigningKey(pub(crate) ed25519_dalek::SigningKey);

impl SigningKey {
    /// The public key that laptops must trust to open snapshots signed with this key.
    pub fn trusted_key(&self) -> TrustedKey {
        TrustedKey(self.0.verifying_key())
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    /// An ed25519 signature of `message`, base64: for signed files beside the snapshots (the
    /// repository's metadata), checked with [`TrustedKey::verifies_base64`].
    pub fn sign_base64(&self, message: &[u8]) -> String {
        STANDARD.encode(self.sign(message))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({})", self.trusted_key())
    }
}

/// Loads a signing key file written by [`generate_signing_key`].
pub fn load_signing_key(path: &Path) -> Result<SigningKey, VaultError> {
    let bytes = read_secret_file(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| bad_key(path, "not a FieldChart signing key file (it is not text)"))?;
    let mut lines = data_lines(text);
    if lines.next() != Some(SIGNING_KEY_HEADER) {
        return Err(bad_key(
            path,
            "not a FieldChart signing key file (its first line must be FIELDCHART-SIGNING-KEY-1); \
             `fieldchart keys signing` makes one",
        ));
    }
    let (Some(encoded), None) = (lines.next(), lines.next()) else {
        return Err(bad_key(
            path,
            "the signing key file must hold exactly one key line",
        ));
    };
    let seed = Zeroizing::new(
        STANDARD
            .decode(encoded)
            .map_err(|_| bad_key(path, "the key line is not valid base64"))?,
    );
    let seed: &[u8; 32] = seed
        .as_slice()
        .try_into()
        .map_err(|_| bad_key(path, "the key line does not hold 32 bytes"))?;
    Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(seed)))
}

/// A public signing key that a laptop accepts as the signer of snapshots.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TrustedKey(pub(crate) ed25519_dalek::VerifyingKey);

impl TrustedKey {
    /// Parses a public key string (`fcsig1…`), or reads it from a file holding it (blank lines and
    /// `#` comments allowed), as `--trust` takes either.
    pub fn parse(s_or_path: &str) -> Result<Self, VaultError> {
        let trimmed = s_or_path.trim();
        if trimmed.starts_with(PUBLIC_KEY_PREFIX) {
            return Self::parse_public(trimmed).map_err(|reason| VaultError::BadKey {
                what: format!("the trusted key {trimmed:?}"),
                reason: reason.to_owned(),
            });
        }
        let path = Path::new(s_or_path);
        // Anything that exists is read as a key file, which refuses a pipe or a device by name.
        if !path.exists() {
            return Err(VaultError::BadKey {
                what: format!("the trusted key {s_or_path:?}"),
                reason: format!(
                    "it is neither a public signing key ({PUBLIC_KEY_PREFIX}…) nor a file holding one"
                ),
            });
        }
        let bytes = read_secret_file(path)?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| bad_key(path, "this file does not hold a public signing key"))?;
        match data_lines(text).next() {
            Some(SIGNING_KEY_HEADER) => Err(bad_key(
                path,
                "this is the hub's secret signing key; --trust takes its public key (fcsig1…), \
                 which `fieldchart keys signing` printed",
            )),
            Some(line) => Self::parse_public(line).map_err(|reason| bad_key(path, reason)),
            None => Err(bad_key(
                path,
                "this file does not hold a public signing key",
            )),
        }
    }

    /// Parses exactly `fcsig1<base64url>`; the reason for a failure is a short phrase.
    pub(crate) fn parse_public(s: &str) -> Result<Self, &'static str> {
        let encoded = s
            .strip_prefix(PUBLIC_KEY_PREFIX)
            .ok_or("a public signing key starts with fcsig1")?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| "the public signing key is mistyped (not base64url)")?;
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| "the public signing key is mistyped (wrong length)")?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(TrustedKey)
            .map_err(|_| "the public signing key is mistyped (not a valid ed25519 key)")
    }

    /// Checks a base64 ed25519 signature made by [`SigningKey::sign_base64`], strictly.
    pub fn verifies_base64(&self, message: &[u8], signature: &str) -> bool {
        let Ok(bytes) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        let Ok(signature) = <[u8; 64]>::try_from(bytes.as_slice()) else {
            return false;
        };
        self.verifies(message, &signature)
    }

    /// Checks an ed25519 signature by this key, strictly (no malleable encodings).
    pub(crate) fn verifies(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.0.verify_strict(message, &signature).is_ok()
    }
}

impl fmt::Display for TrustedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PUBLIC_KEY_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(self.0.as_bytes())
        )
    }
}

impl fmt::Debug for TrustedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrustedKey({self})")
    }
}

/// Loads the first identity of an age identity file (as [`generate_device_identity`] or
/// `age-keygen` write it; comments allowed). Only X25519 identities are accepted. A key protected
/// by a PIN ([`crate::pin`]) is refused as [`VaultError::KeyNeedsPin`]: use
/// [`load_identity_with_pin`].
pub fn load_identity(path: &Path) -> Result<age::x25519::Identity, VaultError> {
    load_identity_with_pin(path, None)
}

/// Loads a device identity that may be protected by a PIN: `pin` opens a protected key (none or
/// a wrong one is [`VaultError::KeyNeedsPin`] or [`VaultError::WrongPin`]) and is not needed for
/// a plain one.
pub fn load_identity_with_pin(
    path: &Path,
    pin: Option<&SecretString>,
) -> Result<age::x25519::Identity, VaultError> {
    let bytes = read_secret_file(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| bad_key(path, "not an age identity file (it is not text)"))?;
    match crate::laptop::Revocation::parse(text) {
        Some(Ok(revocation)) => {
            return Err(VaultError::Revoked {
                path: path.to_owned(),
                revocation,
            });
        }
        Some(Err(reason)) => {
            return Err(bad_key(
                path,
                &format!(
                    "this is a revoked laptop's notice, not a key ({reason}): the laptop was \
                     revoked; ask IT to enrol it again"
                ),
            ));
        }
        None => {}
    }
    if crate::pin::is_protected(text) {
        return crate::pin::open_protected(path, text, pin);
    }
    let line = data_lines(text)
        .next()
        .ok_or_else(|| bad_key(path, "this file holds no age identity"))?;
    line.parse::<age::x25519::Identity>().map_err(|_| {
        bad_key(
            path,
            "not an age X25519 device key (a line starting AGE-SECRET-KEY-); `fieldchart keys device` makes one",
        )
    })
}

/// Parses a device's public recipient string (`age1…`).
pub fn parse_recipient(s: &str) -> Result<age::x25519::Recipient, VaultError> {
    s.trim()
        .parse::<age::x25519::Recipient>()
        .map_err(|reason| VaultError::BadKey {
            what: format!("the recipient {s:?}"),
            reason: format!(
                "not an age X25519 public key (age1…): {reason}; use the line that \
                 `fieldchart keys device` printed"
            ),
        })
}

/// How a laptop unlocks a snapshot: with its device identity, or with the emergency passphrase.
#[derive(Clone)]
pub enum Unlock {
    Identity(age::x25519::Identity),
    Passphrase(SecretString),
}

impl Unlock {
    /// A passphrase as typed (an app's password field): used as is, newline and all.
    pub fn typed_passphrase(text: String) -> Unlock {
        Unlock::Passphrase(SecretString::from(text))
    }
}

/// Reads a passphrase file, stripping one trailing newline (`\n` or `\r\n`), since editors and
/// `echo` add one that is not part of the passphrase.
pub fn read_passphrase_file(path: &Path) -> Result<SecretString, VaultError> {
    let bytes = read_secret_file(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| bad_key(path, "the passphrase file is not UTF-8 text"))?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    if text.is_empty() {
        return Err(bad_key(path, "the passphrase file is empty"));
    }
    Ok(SecretString::from(text.to_owned()))
}
