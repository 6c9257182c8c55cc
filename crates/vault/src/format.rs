//! The bytes of the file format: the plaintext envelope, the signed manifest and the trailer, and
//! how each is encoded and checked. The layout as a whole is described at the top of `lib.rs`.
//!
//! Everything here works on byte slices already in memory; `write` and `read` do the I/O.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{SigningKey, TrustedKey};
use crate::{BLOCK, FORMAT_VERSION, VaultError};

/// The envelope's fixed size.
pub(crate) const ENVELOPE_LEN: usize = 8192;
/// The envelope starts with this marker.
pub(crate) const MAGIC: &[u8] = b"FIELDCHART-SNAPSHOT\n";
/// Magic, then a u32-LE JSON length.
const JSON_START: usize = MAGIC.len() + 4;
/// Longest envelope JSON that fits.
pub(crate) const MAX_ENVELOPE_JSON: usize = ENVELOPE_LEN - JSON_START;
/// Plaintext trailer: u64-LE manifest offset, u64-LE manifest length, ed25519 signature.
pub(crate) const TRAILER_LEN: usize = 8 + 8 + 64;
/// Hashes per page of the block-hash table: one page is one 64 KiB block of it.
pub(crate) const HASHES_PER_PAGE: u64 = (BLOCK / 32) as u64;
/// The manifest is small (part list and one hash per 128 MiB of data); a length above this in
/// the trailer can only be damage, and must not make us allocate it.
pub(crate) const MAX_MANIFEST_LEN: u64 = 64 * 1024 * 1024;

/// The envelope's JSON ends with these two members, in this order, with fixed-length values, so
/// that both can be checked on the raw bytes before anything is parsed.
const SIGNATURE_KEY: &[u8] = b",\"signature\":\"";
const SIGNATURE_B64_LEN: usize = 88; // base64 of 64 bytes, padded
const HASH_KEY: &[u8] = b",\"envelope_sha256\":\"";
const HASH_HEX_LEN: usize = 64;
const CLOSE: &[u8] = b"\"}";

/// RFC 3339 UTC to the second, which is what the file stores: it reads well in the plaintext
/// envelope and round-trips exactly.
pub(crate) mod time_secs {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Secs, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(D::Error::custom)
    }
}

/// The plaintext envelope: what can be checked before anything is decrypted. It holds no patient
/// data. Field order is the canonical order the signature covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Envelope {
    pub format_version: u32,
    pub snapshot_id: String,
    #[serde(with = "time_secs")]
    pub created: DateTime<Utc>,
    #[serde(with = "time_secs")]
    pub not_before: DateTime<Utc>,
    #[serde(with = "time_secs")]
    pub not_after: DateTime<Utc>,
    pub drill: bool,
    /// Total file length: a short file is truncated, a long one has bytes appended.
    pub file_len: u64,
    /// Length of the age header plus its 16-byte payload nonce, which directly follow the
    /// envelope. Our own addition; it lets the header be hashed without parsing it.
    pub age_header_len: u64,
    /// SHA-256 of those `age_header_len` bytes.
    pub age_header_sha256: String,
    /// SHA-256 of the manifest bytes inside the encrypted payload.
    pub manifest_sha256: String,
    pub emergency: Option<Emergency>,
    /// The public key that made `signature` (`fcsig1…`).
    pub signer: String,
    /// What the app shows before anything is unlocked (its facilities and how fresh their data is),
    /// signed with the rest. It must hold no patient data: it is plaintext.
    #[serde(default)]
    pub label: serde_json::Value,
}

/// The emergency identity, encrypted to the passphrase with age's scrypt recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Emergency {
    /// Base64 of a binary age file whose plaintext is an `AGE-SECRET-KEY-…` line.
    pub age_scrypt_blob: String,
}

impl Envelope {
    /// The envelope as stored: magic, u32-LE length, JSON, zero padding to [`ENVELOPE_LEN`].
    ///
    /// The JSON is the canonical serialisation of `self` with two members spliced in before its
    /// closing brace: `signature` (ed25519 by `key` over the canonical JSON) and then
    /// `envelope_sha256` (over the JSON up to and including `signature`, closed again). So a flipped
    /// byte anywhere in the envelope is caught by a plain hash before any field is trusted.
    #[cfg(test)]
    pub fn encode(&self, key: &SigningKey) -> Result<Vec<u8>, VaultError> {
        self.encode_with_digest(key).map(|(bytes, _)| bytes)
    }

    /// [`Envelope::encode`], and the `envelope_sha256` it wrote: the file's digest.
    pub fn encode_with_digest(&self, key: &SigningKey) -> Result<(Vec<u8>, String), VaultError> {
        let body = serde_json::to_vec(self).map_err(|e| VaultError::InvalidOptions {
            reason: format!("the envelope cannot be serialised: {e}"),
        })?;
        let signature = STANDARD.encode(key.sign(&body));
        let mut signed = reopen(body);
        signed.extend_from_slice(SIGNATURE_KEY);
        signed.extend_from_slice(signature.as_bytes());
        signed.extend_from_slice(CLOSE);
        let hash = hex(&Sha256::digest(&signed));
        let mut json = reopen(signed);
        json.extend_from_slice(HASH_KEY);
        json.extend_from_slice(hash.as_bytes());
        json.extend_from_slice(CLOSE);
        if json.len() > MAX_ENVELOPE_JSON {
            return Err(VaultError::InvalidOptions {
                reason: format!(
                    "the envelope needs {} bytes but only {MAX_ENVELOPE_JSON} fit",
                    json.len()
                ),
            });
        }
        let len = u32::try_from(json.len()).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(ENVELOPE_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&json);
        out.resize(ENVELOPE_LEN, 0);
        Ok((out, hash))
    }
}

/// `{…}` without its closing brace, ready for more members.
fn reopen(mut json: Vec<u8>) -> Vec<u8> {
    json.pop();
    json
}

/// An envelope whose bytes are intact (its hash checks out) and whose version is ours. Its
/// signature is not checked yet: see [`DecodedEnvelope::signed_by`].
pub(crate) struct DecodedEnvelope {
    pub envelope: Envelope,
    body: Vec<u8>,
    signature: [u8; 64],
    /// The stored `envelope_sha256` (hex): it covers every field, and through `manifest_sha256`
    /// and the block hashes every byte of the file, so it names the file's content.
    pub digest: String,
}

/// What the first bytes of a file say, checked in this order: magic, envelope hash,
/// version. `head` is the file's first `min(len, ENVELOPE_LEN)` bytes and `file_len` its length.
pub(crate) fn decode_envelope(
    head: &[u8],
    file_len: u64,
    path: &std::path::Path,
) -> Result<DecodedEnvelope, VaultError> {
    let truncated = || VaultError::Truncated {
        expected: ENVELOPE_LEN as u64,
        actual: file_len,
    };
    let not_a_snapshot = || VaultError::NotASnapshot {
        path: path.to_owned(),
    };
    if head.len() < MAGIC.len() {
        // A non-empty prefix of the marker is an interrupted copy of a snapshot.
        return Err(if !head.is_empty() && MAGIC.starts_with(head) {
            truncated()
        } else {
            not_a_snapshot()
        });
    }
    if !head.starts_with(MAGIC) {
        return Err(not_a_snapshot());
    }
    let Some(len_bytes) = head.get(MAGIC.len()..JSON_START) else {
        return Err(truncated());
    };
    let json_len = u32::from_le_bytes(len_bytes.try_into().unwrap_or([0xff; 4])) as usize;
    if json_len > MAX_ENVELOPE_JSON {
        return Err(VaultError::tampered("the snapshot envelope's length"));
    }
    let json_end = JSON_START + json_len;
    let (Some(json), Some(padding)) = (head.get(JSON_START..json_end), head.get(json_end..)) else {
        return Err(truncated());
    };
    if padding.iter().any(|&b| b != 0) {
        return Err(VaultError::tampered("the snapshot envelope's padding"));
    }
    let (body, signature, digest) = split_envelope_json(json)
        .ok_or_else(|| VaultError::tampered("the snapshot envelope's checksum"))?;

    // The version is read loosely first, so that a future layout of the other fields is reported
    // as a version this build does not know, not as damage.
    let loose: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| VaultError::tampered("the snapshot envelope"))?;
    let found = loose
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| VaultError::tampered("the snapshot envelope's format version"))?;
    if found != u64::from(FORMAT_VERSION) {
        return Err(VaultError::UnsupportedVersion {
            found,
            supported: FORMAT_VERSION,
        });
    }
    let envelope: Envelope = serde_json::from_slice(&body)
        .map_err(|_| VaultError::tampered("the snapshot envelope's fields"))?;
    Ok(DecodedEnvelope {
        envelope,
        body,
        signature,
        digest,
    })
}

/// Splits the envelope JSON into the canonical body and the signature, after checking
/// `envelope_sha256` on the raw bytes. `None` for any mismatch or malformation.
fn split_envelope_json(json: &[u8]) -> Option<(Vec<u8>, [u8; 64], String)> {
    let hash_tail = HASH_KEY.len() + HASH_HEX_LEN + CLOSE.len();
    let signed_open = json.get(..json.len().checked_sub(hash_tail)?)?;
    let tail = json.get(signed_open.len()..)?;
    let stored_hash = tail.strip_prefix(HASH_KEY)?.strip_suffix(CLOSE)?;
    let mut signed = signed_open.to_vec();
    signed.push(b'}');
    let digest = hex(&Sha256::digest(&signed));
    if digest.as_bytes() != stored_hash {
        return None;
    }

    let signature_tail = SIGNATURE_KEY.len() + SIGNATURE_B64_LEN + CLOSE.len();
    let body_open = signed.get(..signed.len().checked_sub(signature_tail)?)?;
    let tail = signed.get(body_open.len()..)?;
    let encoded = tail.strip_prefix(SIGNATURE_KEY)?.strip_suffix(CLOSE)?;
    let signature: [u8; 64] = STANDARD.decode(encoded).ok()?.try_into().ok()?;
    let mut body = body_open.to_vec();
    body.push(b'}');
    Some((body, signature, digest))
}

impl DecodedEnvelope {
    /// The embedded signer, after checking that it made the envelope's signature. A signature
    /// that does not verify under its own embedded key is damage, not an untrusted signer.
    pub fn signed_by(&self) -> Result<TrustedKey, VaultError> {
        let signer = TrustedKey::parse_public(&self.envelope.signer)
            .map_err(|_| VaultError::tampered("the snapshot envelope's signer"))?;
        if !signer.verifies(&self.body, &self.signature) {
            return Err(VaultError::tampered("the snapshot envelope's signature"));
        }
        Ok(signer)
    }
}

/// The signed table of contents inside the encrypted payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format_version: u32,
    pub snapshot_id: String,
    #[serde(with = "time_secs")]
    pub created: DateTime<Utc>,
    #[serde(with = "time_secs")]
    pub not_before: DateTime<Utc>,
    #[serde(with = "time_secs")]
    pub not_after: DateTime<Utc>,
    pub drill: bool,
    /// What the application (the snapshot builder) stored; the vault never looks inside.
    pub app: serde_json::Value,
    pub(crate) block_size: u64,
    pub parts: Vec<PartEntry>,
    pub(crate) block_hashes: BlockHashes,
    /// Hex SHA-256 of each 64 KiB page of the block-hash table.
    pub(crate) page_hashes: Vec<String>,
}

/// One named part: where its bytes start in the plaintext payload, how many, and their hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartEntry {
    pub name: String,
    /// Plaintext offset, always a multiple of [`BLOCK`].
    pub offset: u64,
    pub len: u64,
    /// Hex SHA-256 of the part's bytes.
    pub sha256: String,
}

/// What [`crate::SnapshotWriter::add_part`] reports: the part's manifest entry.
pub type PartInfo = PartEntry;

/// Where the block-hash table sits in the plaintext and how many hashes it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BlockHashes {
    pub offset: u64,
    pub count: u64,
}

impl Manifest {
    /// Checks the manifest's own layout rules, so that every plaintext byte before the trailer is
    /// covered by exactly one check: data blocks by their block hash, the table by its page hashes,
    /// the manifest by the signature. Returns the decoded page hashes.
    pub(crate) fn checked_layout(&self, manifest_offset: u64) -> Option<Vec<[u8; 32]>> {
        if self.format_version != FORMAT_VERSION || self.block_size != BLOCK as u64 {
            return None;
        }
        let mut end = 0u64;
        let mut names = std::collections::HashSet::new();
        for part in &self.parts {
            if part.offset % BLOCK as u64 != 0
                || part.offset < end
                || parse_hex32(&part.sha256).is_none()
                || !names.insert(part.name.as_str())
            {
                return None;
            }
            end = part.offset.checked_add(part.len)?;
        }
        let table = self.block_hashes;
        if table.offset != align_up(end)? || table.count != table.offset / BLOCK as u64 {
            return None;
        }
        if self.page_hashes.len() as u64 != table.count.div_ceil(HASHES_PER_PAGE) {
            return None;
        }
        if manifest_offset != table.offset.checked_add(table.count.checked_mul(32)?)? {
            return None;
        }
        self.page_hashes.iter().map(|h| parse_hex32(h)).collect()
    }

    /// The fields the envelope repeats must agree with it.
    pub(crate) fn agrees_with(&self, envelope: &Envelope) -> bool {
        self.snapshot_id == envelope.snapshot_id
            && self.created == envelope.created
            && self.not_before == envelope.not_before
            && self.not_after == envelope.not_after
            && self.drill == envelope.drill
    }
}

/// The plaintext trailer: where the manifest is and its signature.
pub(crate) struct Trailer {
    pub manifest_offset: u64,
    pub manifest_len: u64,
    pub signature: [u8; 64],
}

impl Trailer {
    pub fn encode(&self) -> [u8; TRAILER_LEN] {
        let mut out = [0u8; TRAILER_LEN];
        out[..8].copy_from_slice(&self.manifest_offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.manifest_len.to_le_bytes());
        out[16..].copy_from_slice(&self.signature);
        out
    }

    pub fn decode(bytes: &[u8; TRAILER_LEN]) -> Self {
        let (offset, rest) = bytes.split_at(8);
        let (len, signature) = rest.split_at(8);
        let u64_le = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
        Trailer {
            manifest_offset: u64_le(offset),
            manifest_len: u64_le(len),
            signature: signature.try_into().unwrap_or([0; 64]),
        }
    }
}

/// The next multiple of [`BLOCK`] at or after `n`.
pub(crate) fn align_up(n: u64) -> Option<u64> {
    n.checked_next_multiple_of(BLOCK as u64)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Lower-case hex of exactly 32 bytes, as this crate writes it.
pub(crate) fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let &[hi, lo] = pair else { return None };
        *o = digit(hi)? << 4 | digit(lo)?;
    }
    Some(out)
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    }

    fn envelope() -> Envelope {
        let t = DateTime::parse_from_rfc3339("2025-03-11T05:46:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        Envelope {
            format_version: FORMAT_VERSION,
            snapshot_id: "00112233445566778899aabbccddeeff".into(),
            created: t,
            not_before: t,
            not_after: t + chrono::Duration::days(7),
            drill: true,
            file_len: 123_456,
            age_header_len: 300,
            age_header_sha256: hex(&[1; 32]),
            manifest_sha256: hex(&[2; 32]),
            emergency: Some(Emergency {
                age_scrypt_blob: "YWJj".into(),
            }),
            signer: key().trusted_key().to_string(),
            label: serde_json::Value::Null,
        }
    }

    #[test]
    fn an_encoded_envelope_decodes_to_itself_and_verifies() {
        let bytes = envelope().encode(&key()).expect("encodes");
        assert_eq!(bytes.len(), ENVELOPE_LEN);
        let decoded =
            decode_envelope(&bytes, 123_456, "x".as_ref()).expect("decodes its own envelope");
        assert_eq!(decoded.envelope, envelope());
        assert_eq!(decoded.signed_by().expect("verifies"), key().trusted_key());
    }

    #[test]
    fn every_flipped_envelope_byte_is_tampered_or_not_a_snapshot() {
        let bytes = envelope().encode(&key()).expect("encodes");
        for pos in 0..ENVELOPE_LEN {
            let mut flipped = bytes.clone();
            flipped[pos] ^= 0x20;
            let result =
                decode_envelope(&flipped, 123_456, "x".as_ref()).and_then(|d| d.signed_by());
            match result {
                Err(VaultError::NotASnapshot { .. }) => assert!(pos < MAGIC.len(), "at {pos}"),
                Err(VaultError::Tampered { .. }) => assert!(pos >= MAGIC.len(), "at {pos}"),
                other => panic!("flip at {pos} gave {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn an_envelope_of_another_version_is_unsupported_even_before_its_signature_is_checked() {
        let mut newer = envelope();
        newer.format_version = FORMAT_VERSION + 1;
        let bytes = newer.encode(&key()).expect("encodes");
        let result = decode_envelope(&bytes, 123_456, "x".as_ref());
        assert!(
            matches!(
                result,
                Err(VaultError::UnsupportedVersion {
                    found: 3,
                    supported: 2
                })
            ),
            "{:?}",
            result.map(|_| ())
        );
    }

    #[test]
    fn a_signature_by_another_key_than_the_embedded_signer_is_tampered() {
        let mut forged = envelope();
        forged.signer = SigningKey(ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
            .trusted_key()
            .to_string();
        let bytes = forged.encode(&key()).expect("encodes");
        let decoded = decode_envelope(&bytes, 123_456, "x".as_ref()).expect("hash is intact");
        assert!(matches!(
            decoded.signed_by(),
            Err(VaultError::Tampered { .. })
        ));
    }

    #[test]
    fn a_cut_envelope_is_truncated_and_an_empty_file_is_not_a_snapshot() {
        let bytes = envelope().encode(&key()).expect("encodes");
        for cut in [1, 10, MAGIC.len(), JSON_START - 1, JSON_START + 10] {
            let result = decode_envelope(&bytes[..cut], cut as u64, "x".as_ref());
            assert!(
                matches!(result, Err(VaultError::Truncated { expected: 8192, actual }) if actual == cut as u64),
                "cut at {cut}: {:?}",
                result.map(|_| ())
            );
        }
        assert!(matches!(
            decode_envelope(&[], 0, "x".as_ref()),
            Err(VaultError::NotASnapshot { .. })
        ));
        assert!(matches!(
            decode_envelope(b"PK\x03\x04 a zip file, not ours", 27, "x".as_ref()),
            Err(VaultError::NotASnapshot { .. })
        ));
    }

    #[test]
    fn trailer_and_hex_round_trip() {
        let trailer = Trailer {
            manifest_offset: 655_360,
            manifest_len: 1234,
            signature: [5; 64],
        };
        let back = Trailer::decode(&trailer.encode());
        assert_eq!(
            (back.manifest_offset, back.manifest_len, back.signature),
            (655_360, 1234, [5; 64])
        );
        let digest = sha256(b"abc");
        assert_eq!(parse_hex32(&hex(&digest)), Some(digest));
        assert_eq!(parse_hex32(&hex(&digest).to_uppercase()), None);
    }
}
