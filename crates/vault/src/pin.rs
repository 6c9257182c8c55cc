//! A device key protected by a PIN: the age X25519 identity, encrypted with age's passphrase
//! recipient (scrypt) and written as ASCII armour under two comment lines.
//!
//! ```text
//! # FieldChart device key (age X25519 identity), protected by a PIN (age scrypt). …
//! # public key: age1…
//! -----BEGIN AGE ENCRYPTED FILE-----
//! …
//! -----END AGE ENCRYPTED FILE-----
//! ```
//!
//! The public key stays readable without the PIN, so `fieldchart laptop enrol` can print the
//! enrolment line and a sync can name the laptop. Once the PIN opens the key, the identity must
//! have that public key, or the file is refused as altered. Without the armour lines the file is
//! an ordinary age identity file (see [`crate::load_identity`]), so protection is chosen per
//! laptop.
//!
//! What a PIN buys: someone who picks up a laptop cannot open a snapshot or resume a locked
//! viewing without it. Someone who copies the key file can try PINs offline, each try costing one
//! scrypt (about a second and 256 MiB here, [`PIN_WORK_FACTOR`]): a 6-digit PIN falls in days on
//! one machine, a long passphrase not at all. Revocation at the hub is what cuts off a thief
//! (docs/hub.md "A lost or stolen laptop").

use std::fs;
use std::io::{self, Read, Write};
use std::iter;
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::VaultError;

/// Fewest characters a PIN may have.
pub const MIN_PIN_CHARS: usize = 6;

/// scrypt work factor (log2 N) a PIN is wrapped with: 2^18 is age's own choice for a passphrase
/// on a laptop (about one second), fixed here so that a slow tablet still opens its key.
pub const PIN_WORK_FACTOR: u8 = 18;

/// The highest work factor a protected key may need before it is refused unopened: a key file
/// that asks for more was not written by FieldChart and would stall the laptop.
const MAX_PIN_WORK_FACTOR: u8 = 22;

const ARMOR_BEGIN: &str = "-----BEGIN AGE ENCRYPTED FILE-----";
const PUBLIC_KEY_COMMENT: &str = "# public key: ";

/// What a device key file is, read without its PIN.
#[derive(Debug, Clone)]
pub struct DeviceKeyInfo {
    /// The key's public recipient (`age1…`), as the hub registers it.
    pub recipient: age::x25519::Recipient,
    /// Whether the key opens only with its PIN.
    pub protected: bool,
}

/// Whether a key file's text is a protected device key.
pub(crate) fn is_protected(text: &str) -> bool {
    text.lines().any(|l| l.trim() == ARMOR_BEGIN)
}

/// Checks that a PIN can protect a key: long enough, and not only spaces.
pub fn check_pin(pin: &SecretString) -> Result<(), VaultError> {
    let text = pin.expose_secret();
    if text.trim().is_empty() {
        return Err(VaultError::BadPin {
            reason: "the PIN is empty".into(),
        });
    }
    let chars = text.chars().count();
    if chars < MIN_PIN_CHARS {
        return Err(VaultError::BadPin {
            reason: format!(
                "a PIN needs at least {MIN_PIN_CHARS} characters, and this one has {chars}; a \
                 longer one (a few words) is far harder to guess from a copied key file"
            ),
        });
    }
    Ok(())
}

/// The recipient a protected key file names in its comment.
pub(crate) fn stated_recipient(
    path: &Path,
    text: &str,
) -> Result<age::x25519::Recipient, VaultError> {
    let line = text
        .lines()
        .find_map(|l| l.trim().strip_prefix(PUBLIC_KEY_COMMENT))
        .ok_or_else(|| {
            crate::keys::bad_key(
                path,
                "this protected device key lacks its \"# public key:\" line, so it cannot be \
                 checked; make a new one with `fieldchart laptop enrol --new-keys --protect`",
            )
        })?;
    line.trim().parse().map_err(|_| {
        crate::keys::bad_key(
            path,
            "the \"# public key:\" line of this protected device key is not an age recipient",
        )
    })
}

/// Opens a protected key's text with its PIN.
pub(crate) fn open_protected(
    path: &Path,
    text: &str,
    pin: Option<&SecretString>,
) -> Result<age::x25519::Identity, VaultError> {
    let stated = stated_recipient(path, text)?;
    let Some(pin) = pin.filter(|p| !p.expose_secret().is_empty()) else {
        return Err(VaultError::KeyNeedsPin {
            path: path.to_owned(),
        });
    };
    let armored = text
        .find(ARMOR_BEGIN)
        .map(|at| &text[at..])
        .unwrap_or_default();
    let damaged = |why: &str| {
        crate::keys::bad_key(
            path,
            &format!(
                "this protected device key is damaged ({why}); restore it from the laptop's backup or enrol the laptop again"
            ),
        )
    };
    let decryptor = age::Decryptor::new(age::armor::ArmoredReader::new(armored.as_bytes()))
        .map_err(|e| damaged(&e.to_string()))?;
    if !decryptor.is_scrypt() {
        return Err(damaged("it is not protected by a passphrase"));
    }
    let mut scrypt = age::scrypt::Identity::new(pin.clone());
    scrypt.set_max_work_factor(MAX_PIN_WORK_FACTOR);
    let mut reader = decryptor
        .decrypt(iter::once(&scrypt as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys
            | age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed => VaultError::WrongPin {
                path: path.to_owned(),
            },
            age::DecryptError::ExcessiveWork { required, .. } => damaged(&format!(
                "it asks for scrypt work 2^{required}, more than FieldChart ever writes"
            )),
            other => damaged(&other.to_string()),
        })?;
    let mut secret = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut secret)
        .map_err(|e| damaged(&e.to_string()))?;
    let inner = std::str::from_utf8(&secret).map_err(|_| damaged("its content is not text"))?;
    let identity = inner
        .trim()
        .parse::<age::x25519::Identity>()
        .map_err(|_| damaged("its content is not an age identity"))?;
    if identity.to_public().to_string() != stated.to_string() {
        return Err(crate::keys::bad_key(
            path,
            "this protected device key's \"# public key:\" line does not match the key inside: \
             the file was altered. Do not use it; enrol the laptop again",
        ));
    }
    Ok(identity)
}

/// The text of a protected key file for `identity`.
fn protected_text(
    identity: &age::x25519::Identity,
    pin: &SecretString,
    log_n: u8,
) -> Result<Zeroizing<String>, VaultError> {
    let mut recipient = age::scrypt::Recipient::new(pin.clone());
    recipient.set_work_factor(log_n);
    let encryptor = age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| VaultError::BadPin {
            reason: format!("the PIN cannot be used: {e}"),
        })?;
    let mut armored = Vec::new();
    let sealed = (|| -> io::Result<()> {
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut armored, age::armor::Format::AsciiArmor)?;
        let mut w = encryptor.wrap_output(armor)?;
        w.write_all(identity.to_string().expose_secret().as_bytes())?;
        w.finish()?.finish()?;
        Ok(())
    })();
    sealed.map_err(|e| VaultError::BadPin {
        reason: format!("the key cannot be sealed: {e}"),
    })?;
    let armored = String::from_utf8(armored).map_err(|_| VaultError::BadPin {
        reason: "the sealed key is not text (an age bug)".into(),
    })?;
    Ok(Zeroizing::new(format!(
        "# FieldChart device key (age X25519 identity), protected by a PIN (age scrypt). It opens \
         every snapshot made for this laptop once the PIN is typed.\n{PUBLIC_KEY_COMMENT}{}\n{armored}\n",
        identity.to_public()
    )))
}

/// Creates a new device identity in `out` protected by `pin` (mode 0600, never overwriting) and
/// returns its public recipient string.
pub fn generate_protected_device_identity(
    out: &Path,
    pin: &SecretString,
) -> Result<String, VaultError> {
    generate_protected_with(out, pin, PIN_WORK_FACTOR)
}

/// As [`generate_protected_device_identity`] with a chosen scrypt work factor (tests use a small
/// one; it changes how long a guess takes, nothing else).
pub fn generate_protected_with(
    out: &Path,
    pin: &SecretString,
    log_n: u8,
) -> Result<String, VaultError> {
    check_pin(pin)?;
    let identity = age::x25519::Identity::generate();
    let text = protected_text(&identity, pin, log_n)?;
    crate::keys::write_secret_file(out, text.as_bytes())?;
    Ok(identity.to_public().to_string())
}

/// Reads what a device key file is without its PIN: its public recipient, and whether it is
/// protected.
pub fn device_key_info(path: &Path) -> Result<DeviceKeyInfo, VaultError> {
    let bytes = crate::keys::read_secret_file(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| crate::keys::bad_key(path, "not an age identity file (it is not text)"))?;
    if is_protected(text) {
        return Ok(DeviceKeyInfo {
            recipient: stated_recipient(path, text)?,
            protected: true,
        });
    }
    let identity = crate::keys::load_identity(path)?;
    Ok(DeviceKeyInfo {
        recipient: identity.to_public(),
        protected: false,
    })
}

/// Protects the device key at `path` with `new_pin`, or changes its PIN (`old_pin` then opens
/// it). The key itself stays the same, so the hub's register needs no change. The new file is
/// renamed over the old one; the old file's bytes are then overwritten through a handle kept
/// open, so an unprotected copy does not linger in its blocks. A crash leaves one whole file.
pub fn protect_device_key(
    path: &Path,
    old_pin: Option<&SecretString>,
    new_pin: &SecretString,
    log_n: u8,
) -> Result<(), VaultError> {
    check_pin(new_pin)?;
    let identity = crate::keys::load_identity_with_pin(path, old_pin)?;
    let text = protected_text(&identity, new_pin, log_n)?;
    let mut old = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| VaultError::writing(path, e))?;
    crate::keys::replace_secret_file(path, ".protecting", text.as_bytes())?;
    // The old inode is no longer named; wipe what it held.
    crate::keys::zero_in_place(&mut old, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn a_protected_key_opens_with_its_pin_only_and_names_its_recipient_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let recipient = generate_protected_with(&key, &pin("4711 2026"), 10).unwrap();
        let text = fs::read_to_string(&key).unwrap();
        assert!(
            !text.contains("AGE-SECRET-KEY-"),
            "no plaintext key in the file"
        );
        let info = device_key_info(&key).unwrap();
        assert!(info.protected);
        assert_eq!(info.recipient.to_string(), recipient);
        let e = crate::load_identity(&key).err().unwrap();
        assert!(matches!(e, VaultError::KeyNeedsPin { .. }), "{e:?}");
        assert_eq!(e.failure(), fieldchart_failure::Failure::WrongKey);
        let e = crate::load_identity_with_pin(&key, Some(&pin("4711 2027")))
            .err()
            .unwrap();
        assert!(matches!(e, VaultError::WrongPin { .. }), "{e:?}");
        assert_eq!(e.failure(), fieldchart_failure::Failure::WrongKey);
        let id = crate::load_identity_with_pin(&key, Some(&pin("4711 2026"))).unwrap();
        assert_eq!(id.to_public().to_string(), recipient);
    }

    #[test]
    fn protecting_an_existing_key_keeps_the_key_and_wipes_the_plain_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let recipient = crate::generate_device_identity(&key).unwrap();
        protect_device_key(&key, None, &pin("correct horse"), 10).unwrap();
        assert!(device_key_info(&key).unwrap().protected);
        let id = crate::load_identity_with_pin(&key, Some(&pin("correct horse"))).unwrap();
        assert_eq!(id.to_public().to_string(), recipient);
        // Changing the PIN needs the old one.
        let e = protect_device_key(&key, Some(&pin("wrong horse")), &pin("battery staple"), 10)
            .err()
            .unwrap();
        assert!(matches!(e, VaultError::WrongPin { .. }), "{e:?}");
        protect_device_key(
            &key,
            Some(&pin("correct horse")),
            &pin("battery staple"),
            10,
        )
        .unwrap();
        let id = crate::load_identity_with_pin(&key, Some(&pin("battery staple"))).unwrap();
        assert_eq!(id.to_public().to_string(), recipient);
        assert!(!dir.path().join("device.key.protecting").exists());
    }

    #[test]
    fn a_short_pin_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let e = generate_protected_with(&key, &pin("12345"), 10)
            .err()
            .unwrap();
        assert!(e.to_string().contains("at least 6"), "{e}");
        assert!(!key.exists());
        let e = generate_protected_with(&key, &pin("      "), 10)
            .err()
            .unwrap();
        assert!(e.to_string().contains("empty"), "{e}");
    }

    #[test]
    fn an_altered_public_key_line_is_refused_once_opened() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let recipient = generate_protected_with(&key, &pin("123456"), 10).unwrap();
        let other = age::x25519::Identity::generate().to_public().to_string();
        let text = fs::read_to_string(&key)
            .unwrap()
            .replace(&recipient, &other);
        fs::remove_file(&key).unwrap();
        crate::keys::write_secret_file(&key, text.as_bytes()).unwrap();
        let e = crate::load_identity_with_pin(&key, Some(&pin("123456")))
            .err()
            .unwrap();
        assert!(e.to_string().contains("altered"), "{e}");
    }
}
