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
    /// What the hub's cross-references held (absent when it has none, and in older files).
    #[serde(default, skip_serializing_if = "LinkCounts::is_empty")]
    pub links: LinkCounts,
    /// Where this file stands in a chain: absent for a standalone snapshot (`snapshot build`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainLink>,
    /// The standard code masters the build read (issue 16 §2): empty when it read none, and in
    /// older files. Each item's standard code (`rows::StandardRef`) came from these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub masters: Vec<MasterRef>,
}

/// One master file a build read: which master, the file's name (never the hub's path), the version
/// its name carries, and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterRef {
    /// What it is, in the words its publisher uses (`MEDIS 標準病名マスター`, `HOT`, …).
    pub master: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub sha256: String,
    /// Lines of the file that were not read (a bad line is skipped, never the file).
    #[serde(default)]
    pub skipped_lines: u64,
}

/// A file's place in a chain (a base and the layers built on it, each its own signed file).
///
/// A layer holds the patients who are new or changed since the file before it, whole, and a
/// tombstone for each patient who left the storage. It names the digest
/// (`fieldchart_vault::Outline::digest`) of its base and of the file before it, so it can be
/// applied to no other chain. In a layer's manifest, `facilities`, `counts.patients`,
/// `counts.records` and `consent` describe the whole chain as of this file (what the laptop shows);
/// the other counts, `layer_patients` and `tombstones` say what this file itself holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    /// 0 for a base, then 1, 2, … for its layers in order.
    pub sequence: u32,
    /// The base's digest; absent in the base itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The digest of the file this one follows (the base for layer 1); absent in the base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Patients this file holds (for a base: all of them).
    pub layer_patients: u64,
    /// Patients this file removes (always 0 in a base).
    pub tombstones: u64,
}

/// The hub's consent list, as it went into the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentCounts {
    pub consented: u64,
    pub refused: u64,
    /// Listed patients the snapshot does not hold (another facility, out of scope, or a typo).
    pub unmatched: u64,
}

/// The hub's cross-references, as they went into the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCounts {
    /// Linked persons (groups of two or more identifiers).
    pub groups: u64,
    /// Identifiers in them.
    pub members: u64,
    /// Identifiers the chain does not hold (another region, out of scope, or not arrived yet).
    pub unmatched: u64,
}

impl LinkCounts {
    pub fn is_empty(&self) -> bool {
        self.groups == 0 && self.members == 0
    }
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
    /// The hub's audit recipient (a public key): where a laptop that cannot open the snapshot
    /// (a wrong key, a first unlock with no audit log yet) still sends the record of that failure.
    /// Trusted only once the label's signature is checked against a trusted hub key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_recipient: Option<String>,
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
            audit_recipient: Some(manifest.audit_recipient.clone()),
        }
    }
}
