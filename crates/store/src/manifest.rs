//! The application part of the snapshot manifest: what the snapshot covers, from where, and how fresh
//! each facility's data is. The vault signs it with the rest of the manifest.

use serde::{Deserialize, Serialize};

/// What the builder put in the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppManifest {
    pub content_version: u32,
    /// `fieldchart <version>`.
    pub generator: String,
    pub scope: Scope,
    pub facilities: Vec<FacilityManifest>,
    pub counts: Counts,
    /// The hub's audit recipient (age X25519 public key): the laptop encrypts every audit entry to it.
    pub audit_recipient: String,
    /// What the hub's consent list held.
    pub consent: ConsentCounts,
}

/// The hub's consent list, as it went into the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentCounts {
    pub consented: u64,
    pub refused: u64,
    /// Listed patients the snapshot does not hold (another facility, out of scope, or a typo).
    pub unmatched: u64,
}

/// The time window of the snapshot's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub window_years: u32,
    /// Items dated before this day (ISO date) were left out, except the sections in `kept_whole`.
    pub from: String,
    /// Sections kept whatever their age: allergies, problems, infections.
    pub kept_whole: Vec<String>,
    /// The facilities whose storage went in (facility codes).
    pub facilities: Vec<String>,
}

/// One facility's share of the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityManifest {
    pub code: String,
    /// The facility's name as the hub knows it (storage itself does not say).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The newest record time seen from this facility (ISO, to the second): its data is as of then.
    pub data_as_of: Option<String>,
    pub patients: u64,
    /// Current records (files) read from this facility.
    pub records: u64,
    pub superseded: u64,
    pub deleted: u64,
    pub cancelled: u64,
    /// Files that did not become records, and records with warnings.
    pub errors: u64,
    pub warnings: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub patients: u64,
    /// Current records in scope.
    pub records: u64,
    /// Clinical items stored (a record can hold many).
    pub items: u64,
    /// Items left out because they are older than the window.
    pub out_of_window: u64,
    pub documents: u64,
    pub document_files: u64,
    pub document_bytes: u64,
    pub thumbnails: u64,
}

/// The snapshot's plaintext label (the vault signs it into the envelope): what a laptop lists before
/// anything is unlocked, so that the person choosing a snapshot sees whose data it holds and how old
/// it is. Facilities only, never patients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub facilities: Vec<FacilityLabel>,
}

/// One facility in the [`Label`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacilityLabel {
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    /// As [`FacilityManifest::data_as_of`].
    #[serde(default)]
    pub data_as_of: Option<String>,
}

impl Label {
    pub fn of(manifest: &AppManifest) -> Label {
        Label {
            facilities: manifest
                .facilities
                .iter()
                .map(|f| FacilityLabel {
                    code: f.code.clone(),
                    name: f.name.clone(),
                    data_as_of: f.data_as_of.clone(),
                })
                .collect(),
        }
    }
}
