//! The two metadata files, their signing and their strict parsing (docs/repository.md field by
//! field).
//!
//! A file is `{"signed": {...}, "signatures": [{"keyid": "fcsig1…", "sig": "<base64>"}]}`. The
//! signature covers the *canonical bytes* of `signed`: serde_json's compact encoding of the typed
//! struct below, fields in declaration order, integers and strings only (no floats, no maps whose
//! order could vary). A reader parses `signed` into that struct and re-encodes it to check the
//! signature (as TUF clients do), so what was verified is exactly what is used; unknown fields are
//! refused rather than silently left unsigned.

use chrono::{DateTime, Utc};
use fieldchart_vault::{SigningKey, TrustedKey};
use serde::{Deserialize, Serialize};

use crate::error::{MetadataKind, RepoError};

/// The repository format this build writes and reads (`format` in both files).
pub const FORMAT: u32 = 1;
/// The one file with a fixed name: where every sync starts.
pub const TIMESTAMP_NAME: &str = "timestamp.json";
/// The folder of content-addressed snapshot files.
pub const TARGETS_DIR: &str = "targets";
/// The most a `timestamp.json` may be: it names one file, so a few hundred bytes.
pub const MAX_TIMESTAMP_LEN: u64 = 64 * 1024;
/// The most an `N.targets.json` may be: a chain of thousands of layers still fits.
pub const MAX_TARGETS_LEN: u64 = 4 * 1024 * 1024;
/// More signatures than this on one file is not ours.
const MAX_SIGNATURES: usize = 16;
/// A laptop ID in `revoked` is at most this long.
const MAX_ID_LEN: usize = 256;

/// The name of version `version` of the targets metadata (TUF's consistent snapshots: a name never
/// changes meaning, so a mirror or cache can never mix two versions).
pub fn targets_name(version: u64) -> String {
    format!("{version}.targets.json")
}

/// The version in a targets metadata file name, if it is one.
pub(crate) fn targets_version_of(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".targets.json")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

/// Whether `s` is a SHA-256 as this repository writes it: 64 lowercase hex digits. A file's name
/// is made from it, so nothing else may pass (no `/`, no `..`).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// What a file in the chain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileRole {
    /// The full snapshot every layer applies to; first in the chain.
    Base,
    /// A small file of changes on top of the files before it.
    Layer,
}

/// A metadata file's name, version, length and hash, as the file that names it records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaRef {
    pub name: String,
    pub version: u64,
    pub length: u64,
    pub sha256: String,
}

/// The signed part of `timestamp.json`: which targets metadata is current. Re-signed at every
/// publish with a short expiry, so a laptop can tell fresh from frozen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timestamp {
    #[serde(rename = "_type")]
    pub kind: String,
    pub format: u32,
    pub version: u64,
    #[serde(with = "seconds")]
    pub expires: DateTime<Utc>,
    pub targets: MetaRef,
}

/// One file of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetFile {
    /// SHA-256 of the whole file (hex); the file is `targets/<sha256>.fcs`.
    pub sha256: String,
    pub length: u64,
    pub role: FileRole,
    /// The chain's sequence number of this file (strictly increasing along the chain).
    pub sequence: u64,
    /// The vault digest (its envelope's SHA-256, hex): what layers name each other by.
    pub digest: String,
    /// The targets version that first listed this file.
    pub since: u64,
}

impl TargetFile {
    /// Where the file is, relative to the repository's root.
    pub fn path(&self) -> String {
        format!("{TARGETS_DIR}/{}.fcs", self.sha256)
    }
}

/// The signed part of `N.targets.json`: the chain, base first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(rename = "_type")]
    pub kind: String,
    pub format: u32,
    pub version: u64,
    #[serde(with = "seconds")]
    pub expires: DateTime<Utc>,
    /// The hub's public key (`fcsig1…`), which signs this file and every file it lists.
    pub signer: String,
    /// The chain in order: the base, then its layers by sequence.
    pub files: Vec<TargetFile>,
    /// The IDs of laptops the hub revoked (`fcl1-…`, sorted): a laptop that finds its own here
    /// locks itself.
    pub revoked: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub keyid: String,
    pub sig: String,
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    signed: &'a T,
    signatures: Vec<Signature>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope {
    signed: serde_json::Value,
    signatures: Vec<Signature>,
}

/// The signed fields of a metadata file.
pub(crate) trait Signed: Serialize + serde::de::DeserializeOwned {
    const KIND: MetadataKind;
    const MAX_LEN: u64;
    /// Structural rules that serde cannot say; `signer` is the key that signed it.
    fn validate(&self, signer: &str) -> Result<(), String>;
}

impl Signed for Timestamp {
    const KIND: MetadataKind = MetadataKind::Timestamp;
    const MAX_LEN: u64 = MAX_TIMESTAMP_LEN;

    fn validate(&self, _signer: &str) -> Result<(), String> {
        if self.version == 0 {
            return Err("version 0".into());
        }
        let t = &self.targets;
        if t.version == 0 || t.name != targets_name(t.version) {
            return Err("it names its targets metadata wrongly".into());
        }
        if t.length > MAX_TARGETS_LEN || !is_sha256_hex(&t.sha256) {
            return Err("its targets metadata's length or SHA-256 is not one".into());
        }
        Ok(())
    }
}

impl Signed for Targets {
    const KIND: MetadataKind = MetadataKind::Targets;
    const MAX_LEN: u64 = MAX_TARGETS_LEN;

    fn validate(&self, signer: &str) -> Result<(), String> {
        if self.version == 0 {
            return Err("version 0".into());
        }
        if self.signer != signer {
            return Err("it names another signer than the key that signed it".into());
        }
        check_chain(
            self.files
                .iter()
                .map(|f| (f.role, f.sequence, f.sha256.as_str(), f.digest.as_str())),
        )?;
        for f in &self.files {
            if f.since == 0 || f.since > self.version {
                return Err(format!(
                    "file {} says it was first listed in version {}",
                    f.sha256, f.since
                ));
            }
        }
        if self
            .revoked
            .iter()
            .any(|id| id.is_empty() || id.len() > MAX_ID_LEN)
        {
            return Err("a revoked laptop ID is empty or too long".into());
        }
        Ok(())
    }
}

/// The rules of a chain, for the hub's input and the laptop's reading alike: not empty, one base
/// and it comes first, sequence numbers strictly increasing, hashes that are hashes, no file twice.
pub(crate) fn check_chain<'a>(
    files: impl Iterator<Item = (FileRole, u64, &'a str, &'a str)>,
) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    let mut last: Option<u64> = None;
    for (i, (role, sequence, sha256, digest)) in files.enumerate() {
        match (i, role) {
            (0, FileRole::Layer) => return Err("it starts with a layer, not a base".into()),
            (1.., FileRole::Base) => return Err(format!("file {} is a second base", i + 1)),
            _ => {}
        }
        if last.is_some_and(|l| sequence <= l) {
            return Err(format!(
                "file {} has sequence {sequence}, not above the one before it",
                i + 1
            ));
        }
        last = Some(sequence);
        if !is_sha256_hex(sha256) || !is_sha256_hex(digest) {
            return Err(format!(
                "file {} has a SHA-256 or digest that is not 64 lowercase hex digits",
                i + 1
            ));
        }
        if !seen.insert(sha256.to_owned()) {
            return Err(format!("file {} appears twice", i + 1));
        }
    }
    if last.is_none() {
        return Err("it holds no file (a chain has a base at least)".into());
    }
    Ok(())
}

/// The canonical bytes a signature covers.
fn canonical<T: Serialize>(signed: &T) -> Vec<u8> {
    // A struct of strings, integers and vectors always serialises.
    serde_json::to_vec(signed).unwrap_or_default()
}

/// The file's bytes: `signed` signed by `key`. Pretty-printed for the operator's eyes; only the
/// canonical form of `signed` is signed, so layout does not matter to a reader.
pub(crate) fn sign<T: Serialize>(signed: &T, key: &SigningKey) -> Vec<u8> {
    let envelope = Envelope {
        signed,
        signatures: vec![Signature {
            keyid: key.trusted_key().to_string(),
            sig: key.sign_base64(&canonical(signed)),
        }],
    };
    let mut bytes = serde_json::to_vec_pretty(&envelope).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Parses and checks a metadata file's signature and structure, with no view on versions or
/// time: those are the caller's (the laptop's rollback and freeze checks, or the hub reading its
/// own earlier publication). Returns the signed part and the key that signed it.
pub(crate) fn open<T: Signed>(
    bytes: &[u8],
    trusted: &[TrustedKey],
) -> Result<(T, String), RepoError> {
    let kind = T::KIND;
    if bytes.len() as u64 > T::MAX_LEN {
        return Err(RepoError::TooLarge {
            kind,
            len: bytes.len() as u64,
            limit: T::MAX_LEN,
        });
    }
    let not = |reason: String| RepoError::NotMetadata { kind, reason };
    let raw: RawEnvelope = serde_json::from_slice(bytes).map_err(|e| not(json_reason(&e)))?;
    let found_type = raw.signed.get("_type").and_then(|t| t.as_str());
    if found_type != Some(kind.type_name()) {
        return Err(not(match found_type {
            Some(t) if t.len() <= 32 => format!("its type is {t:?}, not {:?}", kind.type_name()),
            _ => format!("it has no type {:?}", kind.type_name()),
        }));
    }
    match raw.signed.get("format").and_then(|f| f.as_u64()) {
        Some(f) if f == u64::from(FORMAT) => {}
        Some(found) => {
            return Err(RepoError::UnsupportedFormat {
                kind,
                found,
                known: FORMAT,
            });
        }
        None => return Err(not("it has no format number".into())),
    }
    if raw.signatures.len() > MAX_SIGNATURES {
        return Err(not("it carries too many signatures".into()));
    }
    let signed: T = serde_json::from_value(raw.signed).map_err(|e| not(json_reason(&e)))?;
    let message = canonical(&signed);
    let mut signer = None;
    for s in &raw.signatures {
        if let Some(key) = trusted.iter().find(|k| k.to_string() == s.keyid) {
            if !key.verifies_base64(&message, &s.sig) {
                return Err(RepoError::BadSignature { kind });
            }
            signer = Some(s.keyid.clone());
            break;
        }
    }
    let Some(signer) = signer else {
        return Err(RepoError::Untrusted {
            kind,
            signers: signers_named(&raw.signatures),
        });
    };
    signed
        .validate(&signer)
        .map_err(|reason| RepoError::Invalid { kind, reason })?;
    Ok((signed, signer))
}

/// The keys a file says signed it, as a message may show them (never more than a short line).
fn signers_named(signatures: &[Signature]) -> String {
    let named: Vec<String> = signatures
        .iter()
        .take(3)
        .map(|s| {
            let clean = s.keyid.len() <= 64
                && s.keyid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if clean {
                s.keyid.clone()
            } else {
                "an unreadable key ID".to_owned()
            }
        })
        .collect();
    if named.is_empty() {
        "no key at all (it is unsigned)".to_owned()
    } else {
        named.join(", ")
    }
}

/// Why serde_json refused: the category and position, never the content.
fn json_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => {
            format!("not JSON: line {} column {}", e.line(), e.column())
        }
        Category::Data => {
            // serde's data messages name fields and expected types, never long content.
            let mut s = e.to_string();
            if s.len() > 200 {
                s.truncate(s.floor_char_boundary(200));
            }
            format!("wrong structure: {s}")
        }
        Category::Io => "unreadable".to_owned(),
    }
}

/// RFC 3339 in UTC to the second (`2026-05-04T10:00:00Z`), exactly: one spelling per instant, as
/// signing the re-encoding needs.
mod seconds {
    use chrono::{DateTime, NaiveDateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format(FORMAT))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        NaiveDateTime::parse_from_str(&s, FORMAT)
            .map(|n| n.and_utc())
            .map_err(|_| serde::de::Error::custom("a time that is not YYYY-MM-DDTHH:MM:SSZ"))
    }
}
