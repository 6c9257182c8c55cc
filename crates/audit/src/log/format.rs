//! The bytes of a log: the genesis line, the entry lines, the head file, and the exact byte strings
//! their signatures cover. This is the contract the hub's tools verify a laptop's log against, so
//! nothing here may change without a new [`FORMAT_VERSION`].
//!
//! Every line is the compact JSON of one of these structs, fields in declaration order, with no
//! escapes (all values are digits, hex, base64, RFC 3339 or `age1…`). A line is valid only in exactly
//! that form: the reader re-encodes what it parsed and compares bytes, so no whitespace or key-order
//! change can hide in a line whose signature still checks.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the genesis line's `format` field says.
pub(crate) const FORMAT_NAME: &str = "fieldchart-audit";

/// The log format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Every signed byte string starts with this, so a log signature can never be replayed as a snapshot
/// signature (or anything else the device key might one day sign), nor one kind of line as another.
const DOMAIN: &str = "fieldchart-audit-v1\n";

/// A hard limit on one line. Entries are about a kilobyte; the limit stops a damaged file from
/// making the reader buffer gigabytes looking for a newline.
pub(crate) const MAX_LINE: u64 = 1 << 20;

/// Line 1 (seq 0): who writes this log. Signed by the key it names, so replacing the key breaks it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenesisLine<'a> {
    pub seq: u64,
    pub format: &'a str,
    pub version: u32,
    /// 16 random bytes, hex: names this log, and is part of every signature in it.
    pub log: &'a str,
    /// The device's ed25519 public key, standard base64.
    pub device: &'a str,
    pub created: &'a str,
    pub sig: &'a str,
}

/// Only what is needed to refuse a newer format politely before parsing the rest strictly.
#[derive(Deserialize)]
pub(crate) struct GenesisProbe<'a> {
    pub format: &'a str,
    pub version: u32,
}

/// Lines 2… (seq 1…): the plaintext envelope of one encrypted entry.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryLine<'a> {
    pub seq: u64,
    /// Wall clock, RFC 3339 with the laptop's UTC offset.
    pub at: &'a str,
    /// The kernel boot id, or "" when unreadable: `mono` is comparable only within one boot.
    pub boot: &'a str,
    /// CLOCK_BOOTTIME in nanoseconds (counts through suspend, unlike CLOCK_MONOTONIC).
    pub mono: u64,
    /// The age recipient the body is encrypted to (`age1…`).
    pub recipient: &'a str,
    /// Hex SHA-256 of the previous line's bytes, without its newline.
    pub prev: &'a str,
    /// Standard base64 of the age ciphertext of the entry's JSON.
    pub body: &'a str,
    pub sig: &'a str,
}

/// The head file: the last entry the writer finished, signed, so that cutting whole entries off the
/// end of the log is noticed.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeadFile<'a> {
    pub log: &'a str,
    pub seq: u64,
    /// Hex SHA-256 of line `seq`.
    pub hash: &'a str,
    pub sig: &'a str,
}

impl GenesisLine<'_> {
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "{DOMAIN}genesis\nlog={}\ndevice={}\nversion={}\ncreated={}\n",
            self.log, self.device, self.version, self.created
        )
        .into_bytes()
    }
}

impl EntryLine<'_> {
    /// Every field but `sig`, plus the log id: a line copied from another log of the same device
    /// does not verify here.
    pub fn signed_bytes(&self, log: &str) -> Vec<u8> {
        format!(
            "{DOMAIN}entry\nlog={log}\nseq={}\nat={}\nboot={}\nmono={}\nrecipient={}\nprev={}\nbody={}\n",
            self.seq, self.at, self.boot, self.mono, self.recipient, self.prev, self.body
        )
        .into_bytes()
    }
}

impl HeadFile<'_> {
    pub fn signed_bytes(&self) -> Vec<u8> {
        format!(
            "{DOMAIN}head\nlog={}\nseq={}\nhash={}\n",
            self.log, self.seq, self.hash
        )
        .into_bytes()
    }
}

/// Reads `seq` and `prev` from an entry line in canonical form without parsing the rest (the body
/// is three quarters of a line). For the fast pass at open only: it proves nothing about the line,
/// whose bytes are covered by the chain hashes instead. `None` if the line does not look like an
/// encoded [`EntryLine`].
pub(crate) fn seq_and_prev(line: &[u8]) -> Option<(u64, &[u8])> {
    const PREV: &[u8] = b",\"prev\":\"";
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest
        .iter()
        .take(20)
        .take_while(|b| b.is_ascii_digit())
        .count();
    let seq = std::str::from_utf8(rest.get(..digits)?)
        .ok()?
        .parse()
        .ok()?;
    // memmem: this runs on every line of the log at open, and is SIMD even in a debug build.
    let start = memchr::memmem::find(rest, PREV)? + PREV.len();
    let prev = rest.get(start..start + 64)?;
    (rest.get(start + 64) == Some(&b'"')).then_some((seq, prev))
}

/// Whether `line` is byte for byte the encoding of what was parsed from it.
pub(crate) fn is_canonical<T: Serialize>(parsed: &T, line: &[u8]) -> bool {
    serde_json::to_vec(parsed).is_ok_and(|encoded| encoded == line)
}

/// SHA-256 of a line's bytes without its newline.
pub(crate) fn line_hash(line: &[u8]) -> [u8; 32] {
    Sha256::digest(line).into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// [`hex`] of a hash, without allocating.
pub(crate) fn hex32(hash: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(hash) {
        pair.copy_from_slice(&[
            DIGITS[usize::from(byte >> 4)],
            DIGITS[usize::from(byte & 0x0f)],
        ]);
    }
    out
}

/// Parses a standard-base64 ed25519 public key.
pub(crate) fn parse_public_key(b64: &str) -> Option<ed25519_dalek::VerifyingKey> {
    let bytes: [u8; 32] = STANDARD.decode(b64).ok()?.try_into().ok()?;
    ed25519_dalek::VerifyingKey::from_bytes(&bytes).ok()
}

/// Checks a standard-base64 signature strictly (no malleable encodings, no small-order keys).
pub(crate) fn signature_holds(
    key: &ed25519_dalek::VerifyingKey,
    message: &[u8],
    b64: &str,
) -> bool {
    let Some(bytes) = STANDARD
        .decode(b64)
        .ok()
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
    else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(&bytes);
    key.verify_strict(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn an_entry_line_encodes_in_declaration_order_without_spaces() {
        let line = EntryLine {
            seq: 3,
            at: "2026-01-02T03:04:05.000006+09:00",
            boot: "b",
            mono: 7,
            recipient: "age1x",
            prev: "ab",
            body: "Ym9keQ==",
            sig: "c2ln",
        };
        let encoded = serde_json::to_string(&line).expect("plain strings encode");
        assert_eq!(
            encoded,
            r#"{"seq":3,"at":"2026-01-02T03:04:05.000006+09:00","boot":"b","mono":7,"recipient":"age1x","prev":"ab","body":"Ym9keQ==","sig":"c2ln"}"#
        );
        assert!(is_canonical(&line, encoded.as_bytes()));
        assert!(!is_canonical(&line, encoded.replace(',', ", ").as_bytes()));
    }

    #[test]
    fn the_fast_reading_of_a_line_finds_its_seq_and_prev() {
        let prev = "0f".repeat(32);
        let line = format!(
            r#"{{"seq":12,"at":"t","boot":"b-1","mono":99,"recipient":"age1x","prev":"{prev}","body":"Ym9keQ==","sig":"c2ln"}}"#
        );
        assert_eq!(seq_and_prev(line.as_bytes()), Some((12, prev.as_bytes())));
        assert_eq!(seq_and_prev(&line.as_bytes()[..100]), None);
        assert_eq!(seq_and_prev(br#"{"seq": 12}"#), None);
        assert_eq!(seq_and_prev(b""), None);
    }

    #[test]
    fn hex32_agrees_with_hex() {
        let hash: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(hex32(&hash).as_slice(), hex(&hash).as_bytes());
    }

    #[test]
    fn signed_bytes_name_the_kind_of_line_and_the_log() {
        let line = EntryLine {
            seq: 1,
            at: "t",
            boot: "",
            mono: 0,
            recipient: "r",
            prev: "p",
            body: "b",
            sig: "",
        };
        let signed = String::from_utf8(line.signed_bytes("L")).expect("ascii");
        assert!(signed.starts_with("fieldchart-audit-v1\nentry\nlog=L\nseq=1\n"));
    }
}
