//! The laptop register: `laptops.toml` in the hub folder, written only by `fieldchart hub laptop
//! add|revoke|rotate` (docs/hub.md, "The laptop register").
//!
//! Each laptop has a name (unique for ever, so an audit trail never names two laptops alike), its
//! holder or team, its two public keys (from its enrolment line), the date it was added, and the
//! date and reason if it was revoked. A key it no longer uses (`rotate`) is kept as *retired*, with
//! when and why.
//!
//! What the rest of the hub takes from it:
//! - the **recipients** of every later base and layer: the keys of laptops not revoked
//!   ([`Register::recipients`]); a change of them makes the next build a fresh base;
//! - the **revoked IDs** the repository's signed metadata lists ([`Register::revoked_ids`]): every
//!   revoked laptop's and every retired key's, so a laptop (or a copy of it) that still holds such a
//!   key locks itself when it syncs;
//! - the **audit keys** the hub checks forwarded audit trails against.
//!
//! The file is replaced in one step (a temporary file renamed over it), under its own lock, so two
//! operators' commands never lose one another's change and a crash never leaves half a register.
//! It is read strictly: an unknown key, a duplicate name or key, or an ID that is not its key's, is
//! an error naming the line.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::enrol::{Enrolment, check_audit_key};
use crate::{HubError, MAX_CONFIG_BYTES, Position};

/// The register's file name inside the hub folder.
pub const REGISTER_FILE: &str = "laptops.toml";
/// The register format this build writes and reads.
pub const REGISTER_FORMAT: u32 = 1;
/// A laptop's name is at most this many characters.
const MAX_NAME: usize = 64;
/// A holder, or a reason, is at most this many characters.
const MAX_TEXT: usize = 200;

/// `laptops.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub format: u32,
    #[serde(default, rename = "laptop", skip_serializing_if = "Vec::is_empty")]
    pub laptops: Vec<Laptop>,
}

/// One laptop of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Laptop {
    /// The operator's name for it (`dmat-03`): unique among every laptop ever registered.
    pub name: String,
    /// Who holds it: a person, a team.
    pub holder: String,
    /// Its ID, made from its device key ([`fieldchart_vault::laptop::laptop_id`]).
    pub id: String,
    /// Its device key's recipient (`age1…`): what snapshots are encrypted to.
    pub recipient: String,
    /// Its audit-signing public key (standard base64): what its audit trail is checked against.
    pub audit_key: String,
    /// When it was added (or its current keys, for a rotated laptop).
    pub added: DateTime<Utc>,
    /// When it was revoked; a revoked laptop opens nothing published after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_reason: Option<String>,
    /// Keys it used before, oldest first.
    #[serde(default, rename = "retired", skip_serializing_if = "Vec::is_empty")]
    pub retired: Vec<RetiredKey>,
}

/// A key a laptop no longer uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetiredKey {
    pub id: String,
    pub recipient: String,
    pub audit_key: String,
    /// When the key was added.
    pub added: DateTime<Utc>,
    /// When it was retired.
    pub retired: DateTime<Utc>,
    /// Why: "rotated", or the reason it was revoked for.
    pub reason: String,
}

impl Laptop {
    pub fn is_revoked(&self) -> bool {
        self.revoked.is_some()
    }

    /// Every audit key this laptop has signed with: its current one, then its retired ones.
    pub fn audit_keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.audit_key.as_str())
            .chain(self.retired.iter().map(|r| r.audit_key.as_str()))
    }

    fn holds_key(&self, e: &Enrolment) -> bool {
        let current = self.recipient == e.recipient || self.audit_key == e.audit_key;
        current
            || self
                .retired
                .iter()
                .any(|r| r.recipient == e.recipient || r.audit_key == e.audit_key)
    }
}

impl Register {
    /// The register of the hub folder `folder`; a folder without one has an empty register.
    pub fn read(folder: &Path) -> Result<Register, HubError> {
        let path = folder.join(REGISTER_FILE);
        if !path.exists() {
            return Ok(Register {
                format: REGISTER_FORMAT,
                laptops: Vec::new(),
            });
        }
        let fault = |at: Option<Position>, reason: String| HubError::Config {
            path: path.clone(),
            at,
            reason,
        };
        let bytes = fieldchart_vault::input::read_bounded(&path, MAX_CONFIG_BYTES)
            .map_err(|e| fault(None, e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| fault(None, "not UTF-8 text".into()))?;
        let register: Register = toml::from_str(&text).map_err(|e| {
            fault(
                e.span().map(|s| Position::of(&text, s.start)),
                e.message().trim().to_string(),
            )
        })?;
        register.check().map_err(|reason| fault(None, reason))?;
        Ok(register)
    }

    /// The register's own rules, beyond its shape.
    fn check(&self) -> Result<(), String> {
        if self.format != REGISTER_FORMAT {
            return Err(format!(
                "format = {}: this FieldChart reads register format {REGISTER_FORMAT}",
                self.format
            ));
        }
        let mut names = HashSet::new();
        let mut ids = HashSet::new();
        let mut audit_keys = HashSet::new();
        for l in &self.laptops {
            check_name(&l.name)?;
            if !names.insert(l.name.as_str()) {
                return Err(format!("laptop {:?} is registered twice", l.name));
            }
            let keys = std::iter::once((&l.id, &l.recipient, &l.audit_key)).chain(
                l.retired
                    .iter()
                    .map(|r| (&r.id, &r.recipient, &r.audit_key)),
            );
            for (id, recipient, audit_key) in keys {
                let parsed = fieldchart_vault::parse_recipient(recipient)
                    .map_err(|e| format!("laptop {:?}: {e}", l.name))?;
                if *id != fieldchart_vault::laptop::laptop_id(&parsed) {
                    return Err(format!(
                        "laptop {:?}: the ID {id} is not its key's (the register was edited by \
                         hand?)",
                        l.name
                    ));
                }
                check_audit_key(audit_key).map_err(|e| format!("laptop {:?}: {e}", l.name))?;
                if !ids.insert(id.as_str()) || !audit_keys.insert(audit_key.as_str()) {
                    return Err(format!(
                        "laptop {:?}: a key of it is registered twice",
                        l.name
                    ));
                }
            }
            if l.revoked.is_some() != l.revoked_reason.is_some() {
                return Err(format!(
                    "laptop {:?}: a revocation needs both its date and its reason",
                    l.name
                ));
            }
        }
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Laptop> {
        self.laptops.iter().find(|l| l.name == name)
    }

    /// The recipients of every later build: the laptops not revoked, in register order.
    pub fn recipients(&self) -> Vec<String> {
        self.laptops
            .iter()
            .filter(|l| !l.is_revoked())
            .map(|l| l.recipient.clone())
            .collect()
    }

    /// The IDs the repository lists as revoked: every revoked laptop's, and every retired key's,
    /// sorted.
    pub fn revoked_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .laptops
            .iter()
            .flat_map(|l| {
                let current = l.is_revoked().then(|| l.id.clone());
                current
                    .into_iter()
                    .chain(l.retired.iter().map(|r| r.id.clone()))
            })
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The laptop (and whether that key is its current one) an audit key belongs to.
    pub fn by_audit_key(&self, audit_key: &str) -> Option<(&Laptop, bool)> {
        self.laptops.iter().find_map(|l| {
            if l.audit_key == audit_key {
                Some((l, true))
            } else {
                l.retired
                    .iter()
                    .any(|r| r.audit_key == audit_key)
                    .then_some((l, false))
            }
        })
    }

    /// Adds a laptop from its enrolment line.
    pub fn add(
        &mut self,
        name: &str,
        holder: &str,
        enrolment: &Enrolment,
        now: DateTime<Utc>,
    ) -> Result<&Laptop, String> {
        check_name(name)?;
        let holder = check_text(holder, "the holder")?;
        if let Some(l) = self.get(name) {
            return Err(format!(
                "a laptop named {name:?} is registered already ({}): names are never reused, so \
                 its audit trail stays its own; choose another name",
                if l.is_revoked() { "revoked" } else { "in use" }
            ));
        }
        self.refuse_known_keys(enrolment)?;
        self.laptops.push(Laptop {
            name: name.to_owned(),
            holder,
            id: enrolment.laptop_id(),
            recipient: enrolment.recipient.clone(),
            audit_key: enrolment.audit_key.clone(),
            added: now.trunc_subsecs(0),
            revoked: None,
            revoked_reason: None,
            retired: Vec::new(),
        });
        Ok(self.laptops.last().expect("just pushed"))
    }

    /// Revokes a laptop: it is left out of every later build, and the repository lists its ID.
    pub fn revoke(
        &mut self,
        name: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<&Laptop, String> {
        let reason = check_text(reason, "the reason")?;
        let laptop = self.get_mut(name)?;
        if let Some(at) = laptop.revoked {
            return Err(format!(
                "laptop {name:?} was revoked already, on {}",
                at.format("%Y-%m-%d %H:%M UTC")
            ));
        }
        laptop.revoked = Some(now.trunc_subsecs(0));
        laptop.revoked_reason = Some(reason);
        Ok(laptop)
    }

    /// Gives a laptop new keys (a re-installed or found laptop, or a routine change): the old ones
    /// are retired, and listed as revoked from then on. A revoked laptop comes back into use this
    /// way, with keys the thief never had.
    pub fn rotate(
        &mut self,
        name: &str,
        enrolment: &Enrolment,
        now: DateTime<Utc>,
    ) -> Result<&Laptop, String> {
        // Known keys first: a refusal changes nothing.
        self.refuse_known_keys(enrolment)?;
        let now = now.trunc_subsecs(0);
        let laptop = self.get_mut(name)?;
        let reason = match laptop.revoked_reason.take() {
            Some(reason) => format!("revoked: {reason}"),
            None => "rotated".to_owned(),
        };
        let retired = laptop.revoked.take().unwrap_or(now);
        laptop.retired.push(RetiredKey {
            id: std::mem::replace(&mut laptop.id, enrolment.laptop_id()),
            recipient: std::mem::replace(&mut laptop.recipient, enrolment.recipient.clone()),
            audit_key: std::mem::replace(&mut laptop.audit_key, enrolment.audit_key.clone()),
            added: laptop.added,
            retired,
            reason,
        });
        laptop.added = now;
        Ok(laptop)
    }

    fn get_mut(&mut self, name: &str) -> Result<&mut Laptop, String> {
        let known: Vec<String> = self.laptops.iter().map(|l| l.name.clone()).collect();
        self.laptops
            .iter_mut()
            .find(|l| l.name == name)
            .ok_or_else(|| {
                format!(
                    "no laptop named {name:?} in the register{}",
                    if known.is_empty() {
                        String::from(" (it is empty)")
                    } else {
                        format!(" (it has: {})", known.join(", "))
                    }
                )
            })
    }

    /// A key the register knows already is a copied laptop (an image of another) or a line pasted
    /// twice: never a second laptop.
    fn refuse_known_keys(&self, e: &Enrolment) -> Result<(), String> {
        if let Some(l) = self.laptops.iter().find(|l| l.holds_key(e)) {
            return Err(format!(
                "these keys are laptop {:?}'s already{}. A laptop imaged from another carries its \
                 keys: on the new laptop, move its device key, its device-audit.key and its audit \
                 log away, run `fieldchart laptop enrol` again and add the new line",
                l.name,
                if l.is_revoked() { " (revoked)" } else { "" }
            ));
        }
        Ok(())
    }

    /// Writes the register in one step: a temporary file beside it, synced, renamed over it.
    pub fn write(&self, folder: &Path) -> Result<(), HubError> {
        let path = folder.join(REGISTER_FILE);
        let io = |source| HubError::Io {
            path: path.clone(),
            source,
        };
        let body = toml::to_string(self).map_err(|e| HubError::Config {
            path: path.clone(),
            at: None,
            reason: format!("cannot write the register: {e}"),
        })?;
        let text = format!(
            "# FieldChart laptop register (docs/hub.md). Written by `fieldchart hub laptop`;\n\
             # edit it only with that command.\n\n{body}"
        );
        let temp = path.with_extension("toml.new");
        let _ = fs::remove_file(&temp);
        let written = (|| -> std::io::Result<()> {
            let mut f = fs::File::create(&temp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&temp, &path)?;
            fs::File::open(folder)?.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(io(e));
        }
        Ok(())
    }
}

/// Holds the register's lock for as long as it lives.
pub struct RegisterLock(#[allow(dead_code)] fs::File);

/// Takes the register's lock (`laptops.toml.lock`), waiting for another `hub laptop` command
/// that holds it. A build reads the register without it: the file is only ever replaced whole.
pub fn lock_register(folder: &Path) -> Result<RegisterLock, HubError> {
    let path: PathBuf = folder.join(format!("{REGISTER_FILE}.lock"));
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| HubError::Io {
            path: path.clone(),
            source,
        })?;
    file.lock()
        .map_err(|source| HubError::Io { path, source })?;
    Ok(RegisterLock(file))
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the laptop name {name:?} must be 1 to {MAX_NAME} letters, digits, '-', '_' or '.' \
             (it is typed in commands and shown in audit reviews)"
        ))
    }
}

fn check_text(text: &str, what: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
        return Err(format!(
            "{what} must be 1 to {MAX_TEXT} characters on one line"
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn enrolment(seed: u8) -> Enrolment {
        let audit = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        Enrolment {
            recipient: age::x25519::Identity::generate().to_public().to_string(),
            audit_key: base64::engine::general_purpose::STANDARD
                .encode(audit.verifying_key().as_bytes()),
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn add_revoke_rotate_and_what_the_hub_takes_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Register::read(dir.path()).unwrap();
        assert!(r.laptops.is_empty());
        let (a, b, b2) = (enrolment(1), enrolment(2), enrolment(3));
        r.add("dmat-01", "DMAT 1", &a, at("2026-12-01T09:00:00.5Z"))
            .unwrap();
        r.add("dmat-02", "DMAT 2 (佐藤)", &b, at("2026-12-01T09:05:00Z"))
            .unwrap();
        assert_eq!(r.recipients(), [a.recipient.clone(), b.recipient.clone()]);
        assert!(r.revoked_ids().is_empty());

        r.revoke(
            "dmat-02",
            "stolen at the shelter",
            at("2026-12-03T22:00:00Z"),
        )
        .unwrap();
        assert_eq!(r.recipients(), std::slice::from_ref(&a.recipient));
        assert_eq!(r.revoked_ids(), [b.laptop_id()]);
        assert!(
            r.revoke("dmat-02", "again", at("2026-12-04T00:00:00Z"))
                .unwrap_err()
                .contains("already")
        );

        // Found again, re-installed: new keys; the old one stays revoked for ever.
        r.rotate("dmat-02", &b2, at("2026-12-05T10:00:00Z"))
            .unwrap();
        let l = r.get("dmat-02").unwrap();
        assert!(!l.is_revoked());
        assert_eq!(l.retired[0].reason, "revoked: stolen at the shelter");
        assert_eq!(l.retired[0].retired, at("2026-12-03T22:00:00Z"));
        assert_eq!(r.recipients(), [a.recipient.clone(), b2.recipient.clone()]);
        assert_eq!(r.revoked_ids(), [b.laptop_id()]);
        assert_eq!(
            r.by_audit_key(&b.audit_key)
                .map(|(l, cur)| (l.name.as_str(), cur)),
            Some(("dmat-02", false))
        );
        assert_eq!(
            r.by_audit_key(&b2.audit_key).map(|(_, cur)| cur),
            Some(true)
        );

        r.write(dir.path()).unwrap();
        let back = Register::read(dir.path()).unwrap();
        assert_eq!(back, r);
        assert_eq!(
            back.get("dmat-01").unwrap().added,
            at("2026-12-01T09:00:00Z")
        );
    }

    #[test]
    fn a_copied_laptop_a_reused_name_and_bad_text_are_refused() {
        let mut r = Register {
            format: REGISTER_FORMAT,
            ..Default::default()
        };
        let a = enrolment(1);
        r.add("a", "x", &a, Utc::now()).unwrap();
        assert!(
            r.add("b", "x", &a, Utc::now())
                .unwrap_err()
                .contains("laptop \"a\"'s already")
        );
        let same_audit = Enrolment {
            recipient: enrolment(9).recipient,
            audit_key: a.audit_key.clone(),
        };
        assert!(
            r.add("b", "x", &same_audit, Utc::now())
                .unwrap_err()
                .contains("imaged")
        );
        assert!(
            r.add("a", "x", &enrolment(2), Utc::now())
                .unwrap_err()
                .contains("never reused")
        );
        assert!(r.add("has space", "x", &enrolment(2), Utc::now()).is_err());
        assert!(r.add("c", "  ", &enrolment(2), Utc::now()).is_err());
        assert!(
            r.revoke("c", "lost", Utc::now())
                .unwrap_err()
                .contains("it has: a")
        );
        assert!(r.revoke("a", "two\nlines", Utc::now()).is_err());
        // Rotating to a key the register has is refused too, and changes nothing.
        let before = r.clone();
        assert!(r.rotate("a", &a, Utc::now()).is_err());
        assert_eq!(r, before);
    }

    #[test]
    fn a_hand_edited_register_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = Register {
            format: REGISTER_FORMAT,
            laptops: Vec::new(),
        };
        r.add("a", "x", &enrolment(1), Utc::now()).unwrap();
        r.write(dir.path()).unwrap();
        let path = dir.path().join(REGISTER_FILE);
        let text = fs::read_to_string(&path).unwrap();

        let other = enrolment(5).laptop_id();
        let id = r.laptops[0].id.clone();
        fs::write(&path, text.replace(&id, &other)).unwrap();
        let e = Register::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not its key's"), "{e}");

        fs::write(&path, text.replace("holder", "owner")).unwrap();
        let e = Register::read(dir.path()).unwrap_err().to_string();
        assert!(e.contains("line"), "{e}");

        fs::write(&path, text.replace("format = 1", "format = 2")).unwrap();
        assert!(
            Register::read(dir.path())
                .unwrap_err()
                .to_string()
                .contains("format")
        );
    }
}
