//! What one audit entry says (requirements AUD-1, AUD-4 to AUD-6).
//!
//! An [`Entry`] is the *encrypted* content of a log line: only the hub's audit key reads it, so a lost
//! laptop's log does not reveal who was looked up. The plaintext part of a line (sequence number, wall
//! clock, monotonic reading, chain hash, signature) lives in [`crate::log`]; a decrypted line is a
//! [`Record`].
//!
//! The JSON shape of these types is the contract between the laptop that writes the log and the hub
//! tools that read it (export, review, forward): add fields with `#[serde(default)]`, never rename.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// The encrypted content of one audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub event: Event,
    /// Who was declared at the time (absent before the declaration, e.g. on unlock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    /// The snapshot and viewing session this happened in (absent for e.g. a failed unlock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionRef>,
    /// Break-glass is in force for this session: every later entry says so, with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<String>,
    pub clock: ClockInfo,
}

/// The person at the keyboard, as they declared themselves (requirements POL-4, AUD-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    /// The profession's Japanese name from the fixed list (医師, 薬剤師, 事務・その他, ...).
    pub profession: String,
    /// Affiliation or team, e.g. a DMAT team code.
    pub team: String,
    /// The disaster or drill they are responding to.
    pub event: String,
    /// The authorisation code a 事務・その他 user was given (never shown in review, only recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorisation: Option<String>,
}

/// One opened snapshot and one viewing session on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRef {
    pub snapshot_id: String,
    /// Random per viewing session, so a review can group what one person did in one sitting.
    pub session_id: String,
    pub drill: bool,
}

/// A patient as the snapshot names them: never merged across facilities.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PatientRef {
    pub facility: String,
    pub patient_id: String,
}

/// Why a record could be opened (requirements POL-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LegalBasis {
    /// The hub's consent list says the patient consented.
    Consent,
    /// The patient consented in person, now (consent unknown at the hub).
    VerbalConsent,
    /// Vital-interest exception: the patient cannot consent and care is needed to protect life.
    VitalInterest,
    /// An emergency override with a typed reason (the only way past a refusal of consent).
    BreakGlass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnlockMethod {
    DeviceKey,
    EmergencyPassphrase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Success,
    Failure,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// A snapshot was opened with a key or the emergency passphrase.
    Unlock {
        snapshot_id: String,
        method: UnlockMethod,
        snapshot_created: DateTime<Utc>,
    },
    /// Opening failed (wrong key, tampered, expired, ...): the reason as shown to the user.
    UnlockFailed { file: String, reason: String },
    /// The session ended (closed, locked, or the app quit).
    Lock,
    /// The person declared who they are; the declaration is the entry's `actor`.
    Declare,
    /// A patient search, with the query as typed and how many results were shown.
    Search {
        query: String,
        results: u32,
        /// Set when more patients matched than the policy lets one search list (this many): none
        /// was shown, and the viewer was asked to narrow the search.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        too_broad: Option<u32>,
    },
    /// A patient record was shown: which sections, on which legal basis, and which sections the
    /// policy withheld from this profession.
    RecordView {
        patient: PatientRef,
        sections: Vec<String>,
        basis: LegalBasis,
        #[serde(default)]
        withheld: Vec<String>,
        /// The other identifiers shown in the same view: the hub linked them with `patient` as one
        /// person, so their facilities' data was on screen too (empty for an unlinked patient).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        linked: Vec<PatientRef>,
    },
    /// Something was printed (what: e.g. "record summary").
    Print {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient: Option<PatientRef>,
        what: String,
    },
    /// Something left the app (what, and where to).
    Export {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient: Option<PatientRef>,
        what: String,
        destination: String,
    },
    /// An emergency override began, with the typed reason; it lasts until [`Event::Lock`].
    BreakGlass {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient: Option<PatientRef>,
    },
    /// A request the policy refused: what was asked, which rule refused it, the message shown.
    Refusal {
        action: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient: Option<PatientRef>,
        rule: String,
        message: String,
    },
    /// A snapshot sync (the only network use), and how it ended.
    Sync {
        source: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        snapshot_id: Option<String>,
        /// The repository's signed targets version it brought (a sync from a hub's repository):
        /// what the hub compares with its newest publication.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        targets_version: Option<u64>,
        outcome: Outcome,
        detail: String,
    },
    /// A part of the open snapshot failed its check when it was read after unlock (a tampered or
    /// damaged block met by a search, a record or a document), so nothing was shown. Unlock checks
    /// only the signed envelope and manifest; every other part is checked as it is read, which is
    /// why damage can come to light in the middle of a session.
    SnapshotDamaged {
        /// What was being done when the damage was found: `search`, `record` or `document`.
        action: String,
        /// The patient whose record or document was being read (none for a search).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient: Option<PatientRef>,
        /// The vault's own message (which part, which block): never patient data.
        reason: String,
    },
    /// The clock looked wrong; see [`ClockAnomaly`].
    ClockAnomaly { anomaly: ClockAnomaly },
    /// Opening the log cut off the unfinished line a power cut left after entry `after_seq`
    /// (`discarded_bytes` of it). Nothing finished was lost; the review lists it.
    LogRepaired {
        after_seq: u64,
        discarded_bytes: u64,
    },
}

/// What the clock was and how far to trust it (IHE CT spirit, requirements AUD-13, AUD-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockInfo {
    /// Where the wall clock came from: "system" (and, when known, the sync daemon).
    pub source: String,
    /// Whether the OS said the clock was synchronised when the entry was written (None: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synchronized: Option<bool>,
    /// The last known synchronisation: the newest moment a trusted time was seen (an NTP sync, or the
    /// creation time of a snapshot signed by the hub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync: Option<DateTime<Utc>>,
    /// Set when the clock looked wrong as this entry was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anomaly: Option<ClockAnomaly>,
}

/// A clock that cannot be right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ClockAnomaly {
    /// The wall clock is earlier than the creation of a snapshot the hub signed.
    BeforeSnapshot {
        clock: DateTime<Utc>,
        snapshot_created: DateTime<Utc>,
    },
    /// The wall clock went backwards since the previous entry of this log.
    Backwards {
        clock: DateTime<Utc>,
        previous: DateTime<Utc>,
    },
    /// Within one boot, wall-clock time and monotonic time disagree by more than a tolerance (the
    /// clock was set while running).
    Jump {
        clock: DateTime<Utc>,
        expected: DateTime<Utc>,
    },
}

/// One decrypted log line: the plaintext envelope fields plus the [`Entry`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the log, from 1; gap-free.
    pub seq: u64,
    /// The wall clock when written, with the laptop's UTC offset.
    pub at: DateTime<FixedOffset>,
    /// The device's audit signing key (base64 ed25519 public key): which laptop wrote it.
    pub device: String,
    pub entry: Entry,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the vault says when a block fails its check.
    const DAMAGED: &str = "the snapshot file is damaged or has been altered: data block 3 (its hash is \
                           not the signed one) does not check out. Do not use it; copy the snapshot \
                           again from the hub or from its original medium";

    #[test]
    fn snapshot_damage_during_a_search_is_written_without_a_patient() {
        let event = Event::SnapshotDamaged {
            action: "search".to_owned(),
            patient: None,
            reason: DAMAGED.to_owned(),
        };
        let json = serde_json::to_value(&event).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({ "kind": "snapshot-damaged", "action": "search", "reason": DAMAGED })
        );
        assert_eq!(serde_json::from_value::<Event>(json).ok(), Some(event));
    }

    #[test]
    fn snapshot_damage_while_reading_a_record_names_the_patient() {
        let event = Event::SnapshotDamaged {
            action: "record".to_owned(),
            patient: Some(PatientRef {
                facility: "1310000001".to_owned(),
                patient_id: "0001".to_owned(),
            }),
            reason: DAMAGED.to_owned(),
        };
        let json = serde_json::to_value(&event).expect("serialisable");
        assert_eq!(
            json["patient"],
            serde_json::json!({ "facility": "1310000001", "patient_id": "0001" })
        );
        assert_eq!(json["kind"], "snapshot-damaged");
        assert_eq!(serde_json::from_value::<Event>(json).ok(), Some(event));
    }
}
