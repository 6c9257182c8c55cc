//! The enrolment line: what `fieldchart laptop enrol` prints on a laptop and `fieldchart hub
//! laptop add` takes at the hub, so that both of a laptop's public keys reach the register before
//! its first use.
//!
//! ```text
//! fcenrol1.<age recipient>.<audit key>.<check>
//! ```
//!
//! - `<age recipient>`: the device key's public half (`age1…`), which snapshots are encrypted to;
//! - `<audit key>`: the laptop's ed25519 audit-signing public key, standard base64 of 32 bytes, as
//!   the genesis line of its audit log writes it;
//! - `<check>`: the first 8 hex digits of the SHA-256 of everything before it (including the last
//!   `.`), so a line cut short or mistyped in transit is refused, not registered.
//!
//! `.` occurs in none of the three alphabets, and the line is safe to paste in a shell or to carry
//! in a QR code.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The line's first field.
pub const ENROL_PREFIX: &str = "fcenrol1";
/// The longest line read: an age recipient is 62 characters and an audit key 44.
const MAX_LINE: usize = 512;

/// A laptop's two public keys, as its enrolment line carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// The device key's recipient (`age1…`).
    pub recipient: String,
    /// The audit-signing public key (standard base64).
    pub audit_key: String,
}

impl Enrolment {
    /// The laptop's ID ([`fieldchart_vault::laptop::laptop_id`]).
    pub fn laptop_id(&self) -> String {
        // Checked by `parse` and by the register; a recipient that does not parse has no ID.
        self.recipient
            .parse::<age::x25519::Recipient>()
            .map(|r| fieldchart_vault::laptop::laptop_id(&r))
            .unwrap_or_default()
    }

    /// The enrolment line.
    pub fn line(&self) -> String {
        let body = format!("{ENROL_PREFIX}.{}.{}.", self.recipient, self.audit_key);
        let check = check_of(&body);
        format!("{body}{check}")
    }

    /// Reads an enrolment line (surrounding white space allowed), checking every part.
    pub fn parse(line: &str) -> Result<Enrolment, String> {
        let line = line.trim();
        if line.len() > MAX_LINE {
            return Err("far too long to be an enrolment line".into());
        }
        let parts: Vec<&str> = line.split('.').collect();
        let [prefix, recipient, audit_key, check] = parts.as_slice() else {
            return Err(format!(
                "an enrolment line is four parts joined by '.' ({ENROL_PREFIX}.age1….<audit \
                 key>.<check>); this one has {}: copy the whole line `fieldchart laptop enrol` \
                 printed",
                parts.len()
            ));
        };
        if *prefix != ENROL_PREFIX {
            return Err(format!(
                "it does not start with {ENROL_PREFIX}: it is not an enrolment line"
            ));
        }
        let body = &line[..line.len() - check.len()];
        if check_of(body) != *check {
            return Err(
                "its check digits do not match: the line was cut or mistyped; copy it again".into(),
            );
        }
        recipient
            .parse::<age::x25519::Recipient>()
            .map_err(|_| "its device key is not an age X25519 recipient (age1…)".to_string())?;
        check_audit_key(audit_key)?;
        Ok(Enrolment {
            recipient: (*recipient).to_owned(),
            audit_key: (*audit_key).to_owned(),
        })
    }
}

/// An audit key as the register holds it: standard base64 of a valid ed25519 public key.
pub(crate) fn check_audit_key(key: &str) -> Result<(), String> {
    let bytes = STANDARD
        .decode(key)
        .map_err(|_| "its audit key is not base64".to_string())?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| "its audit key is not 32 bytes".to_string())?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "its audit key is not an ed25519 public key".to_string())?;
    Ok(())
}

fn check_of(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Enrolment {
        let id = age::x25519::Identity::generate();
        let audit = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        Enrolment {
            recipient: id.to_public().to_string(),
            audit_key: STANDARD.encode(audit.verifying_key().as_bytes()),
        }
    }

    #[test]
    fn a_line_reads_back_as_what_it_carries() {
        let e = sample();
        let line = e.line();
        assert!(line.starts_with("fcenrol1.age1"), "{line}");
        assert_eq!(Enrolment::parse(&format!("  {line}\n")).unwrap(), e);
        assert!(fieldchart_vault::laptop::is_laptop_id(&e.laptop_id()));
    }

    #[test]
    fn a_damaged_line_is_refused_with_its_reason() {
        let line = sample().line();
        let cut = &line[..line.len() - 3];
        assert!(Enrolment::parse(cut).unwrap_err().contains("check digits"));
        // One character of the audit key changed: the check catches it.
        let at = line.find(".age1").unwrap() + 70;
        let mut typo = line.clone().into_bytes();
        typo[at] = if typo[at] == b'A' { b'B' } else { b'A' };
        let typo = String::from_utf8(typo).unwrap();
        assert!(Enrolment::parse(&typo).is_err());
        assert!(
            Enrolment::parse("age1xyz")
                .unwrap_err()
                .contains("four parts")
        );
        assert!(
            Enrolment::parse("fcenrol2.a.b.c")
                .unwrap_err()
                .contains("not an enrolment line")
        );
        // A line whose check matches but whose keys are not keys.
        let body = "fcenrol1.age1nope.AAAA.";
        let forged = format!("{body}{}", check_of(body));
        assert!(
            Enrolment::parse(&forged)
                .unwrap_err()
                .contains("age X25519")
        );
        assert!(Enrolment::parse(&"x".repeat(600)).is_err());
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics(s in "\\PC{0,300}") {
            let _ = Enrolment::parse(&s);
        }
    }
}
