//! A laptop as the hub knows it: its ID, and the lock a revoked laptop puts on itself.
//!
//! A laptop's **ID** is made from its device key's public recipient, so the hub (which has the
//! recipient from the laptop's enrolment) and the laptop (which has the key) compute the same ID
//! without anything else being shared: `fcl1-` and the first 20 hex digits of the SHA-256 of the
//! recipient's text (`age1…`). A new key (`hub laptop rotate`) is a new ID.
//!
//! When a sync finds its ID in the repository's signed list of revoked laptops, the laptop
//! **locks itself**: [`revoke_identity`] overwrites the device key file in place, then replaces it
//! with a notice in one step (a rename):
//!
//! ```text
//! FIELDCHART-REVOKED-DEVICE-KEY-1
//! # This laptop was revoked by its hub, and its device key was destroyed. Ask IT to enrol it
//! # again (docs/hub.md, "A lost or stolen laptop").
//! laptop=fcl1-…
//! hub=fcsig1…
//! at=2026-12-07T10:00:00Z
//! targets=12
//! ```
//!
//! [`crate::load_identity`] reads the notice back as [`VaultError::Revoked`], so every way of
//! opening a snapshot with that key (the app, the CLI, a sync) says why, instead of a generic
//! "not a key file". The notice holds no secret; the key it replaced is gone.

use std::fs;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use crate::VaultError;

/// Prefix of a laptop ID.
pub const LAPTOP_ID_PREFIX: &str = "fcl1-";
/// First line of a device key file that a revocation replaced.
pub const REVOKED_KEY_HEADER: &str = "FIELDCHART-REVOKED-DEVICE-KEY-1";

/// The ID of the laptop whose device key has this public recipient.
pub fn laptop_id(recipient: &age::x25519::Recipient) -> String {
    let digest = Sha256::digest(recipient.to_string().as_bytes());
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    format!("{LAPTOP_ID_PREFIX}{hex}")
}

/// Whether `s` is a laptop ID as [`laptop_id`] writes it.
pub fn is_laptop_id(s: &str) -> bool {
    s.strip_prefix(LAPTOP_ID_PREFIX).is_some_and(|hex| {
        hex.len() == 20 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// Why and by whom a laptop locked itself: what its notice says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The laptop's ID.
    pub laptop: String,
    /// The hub's public signing key (`fcsig1…`) whose signed metadata listed it.
    pub hub: String,
    /// When the laptop locked itself (its own clock).
    pub at: DateTime<Utc>,
    /// The version of the hub's targets metadata that listed it.
    pub targets_version: u64,
}

impl Revocation {
    fn notice(&self) -> String {
        format!(
            "{REVOKED_KEY_HEADER}\n# This laptop was revoked by its hub, and its device key was \
             destroyed. Ask IT to enrol it\n# again (docs/hub.md, \"A lost or stolen laptop\").\n\
             laptop={}\nhub={}\nat={}\ntargets={}\n",
            self.laptop,
            self.hub,
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            self.targets_version
        )
    }

    /// Reads a notice; `None` when `text` is not one (its first data line is not the header).
    pub(crate) fn parse(text: &str) -> Option<Result<Revocation, String>> {
        let mut lines = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        if lines.next() != Some(REVOKED_KEY_HEADER) {
            return None;
        }
        let mut laptop = None;
        let mut hub = None;
        let mut at = None;
        let mut targets = None;
        for line in lines {
            let Some((key, value)) = line.split_once('=') else {
                return Some(Err("a line of the notice is not key=value".into()));
            };
            match key {
                "laptop" => laptop = Some(value.to_owned()),
                "hub" => hub = Some(value.to_owned()),
                "at" => at = DateTime::parse_from_rfc3339(value).ok(),
                "targets" => targets = value.parse().ok(),
                _ => return Some(Err(format!("the notice has an unknown line {key:?}"))),
            }
        }
        Some(match (laptop, hub, at, targets) {
            (Some(laptop), Some(hub), Some(at), Some(targets_version)) => Ok(Revocation {
                laptop,
                hub,
                at: at.with_timezone(&Utc),
                targets_version,
            }),
            _ => Err("the notice lacks its laptop, hub, time or version".into()),
        })
    }
}

/// Locks this laptop: the device key at `path` is overwritten with zeros in place and synced,
/// then a notice ([`Revocation`]) is renamed over it and the folder synced. A crash leaves either
/// the zeroed key (which opens nothing and is refused as no key) or the notice; never the key.
///
/// Overwriting cannot promise the old bytes are gone from a flash disk's spare blocks; the
/// snapshots it opened are removed by the sync as well, and full-disk encryption is what protects
/// a laptop's disk (docs/hub.md).
pub fn revoke_identity(path: &Path, revocation: &Revocation) -> Result<(), VaultError> {
    // Zero the key in place first: the rename below only replaces the name.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| VaultError::writing(path, e))?;
    crate::keys::zero_in_place(&mut file, path)?;
    drop(file);
    crate::keys::replace_secret_file(path, ".revoking", revocation.notice().as_bytes())
}

/// The revocation notice at `path`, if the file is one.
pub fn read_revocation(path: &Path) -> Option<Revocation> {
    let bytes = crate::input::read_bounded(path, 64 * 1024).ok()?;
    Revocation::parse(std::str::from_utf8(&bytes).ok()?)?.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_the_same_for_the_key_and_its_recipient_and_differs_per_key() {
        let a = age::x25519::Identity::generate();
        let b = age::x25519::Identity::generate();
        let id = laptop_id(&a.to_public());
        assert!(is_laptop_id(&id), "{id}");
        let parsed: age::x25519::Recipient = a.to_public().to_string().parse().unwrap();
        assert_eq!(laptop_id(&parsed), id);
        assert_ne!(laptop_id(&b.to_public()), id);
        assert!(!is_laptop_id("fcl1-XYZ"));
        assert!(!is_laptop_id(&id.to_uppercase()));
    }

    #[test]
    fn a_revoked_key_file_opens_nothing_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        let recipient = crate::generate_device_identity(&key).unwrap();
        let secret = fs::read_to_string(&key).unwrap();
        let revocation = Revocation {
            laptop: laptop_id(&recipient.parse().unwrap()),
            hub: "fcsig1abc".into(),
            at: "2026-12-07T10:00:00Z".parse().unwrap(),
            targets_version: 12,
        };
        revoke_identity(&key, &revocation).unwrap();
        let after = fs::read_to_string(&key).unwrap();
        let secret_line = secret
            .lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap();
        assert!(!after.contains(secret_line));
        assert!(!after.contains("AGE-SECRET-KEY-"));
        assert_eq!(read_revocation(&key), Some(revocation.clone()));
        match crate::load_identity(&key) {
            Err(VaultError::Revoked { revocation: r, .. }) => assert_eq!(r, revocation),
            other => panic!("{:?}", other.map(|_| ())),
        }
        let e = crate::load_identity(&key).err().unwrap();
        assert_eq!(e.failure(), fieldchart_failure::Failure::Revoked);
        assert!(e.to_string().contains("enrol"), "{e}");
        // Nothing is left beside it.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_damaged_notice_is_still_no_key() {
        let text = format!("{REVOKED_KEY_HEADER}\nlaptop=fcl1-x\n");
        assert!(Revocation::parse(&text).unwrap().is_err());
        // A device key file (made here, never a key written into the source) is no notice.
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("device.key");
        crate::generate_device_identity(&key).unwrap();
        assert!(Revocation::parse(&fs::read_to_string(&key).unwrap()).is_none());
    }
}
