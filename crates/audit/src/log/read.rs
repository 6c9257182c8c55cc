//! Reading a verified log: decrypted records for the hub's audit key holder, or the lines as stored
//! for the forwarder, which sends them verbatim so the hub can verify the chain itself.
//!
//! Both verify every line first and return nothing from a damaged log. Unlike [`crate::verify`]
//! they accept an unfinished last line and a head several entries behind, because the laptop may be
//! appending while they read; the unfinished line is simply not an entry yet.

use std::fs;
use std::path::Path;

use age::x25519::Identity;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset};
use zeroize::Zeroizing;

use crate::event::{Entry, Record};
use crate::log::AuditError;
use crate::log::format::EntryLine;
use crate::log::verify::{Checked, Depth, Head, Lag, io_error, load_head, scan};

/// One verified line as it is stored, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    /// 0 for the header line, then the entry's sequence number.
    pub seq: u64,
    /// The entry's wall clock (the header's creation time for the header).
    pub at: DateTime<FixedOffset>,
    pub line: String,
}

/// Every complete line of the log at `path`, header first, after verifying them all.
pub fn raw_lines(path: &Path) -> Result<Vec<RawLine>, AuditError> {
    let (bytes, checked) = load_verified(path, false)?;
    let mut lines = Vec::new();
    for (seq, line) in (0u64..).zip(complete_lines(&bytes, &checked)) {
        let at = if seq == 0 {
            checked.genesis.created
        } else {
            entry_line(seq, line)?.1
        };
        let line = std::str::from_utf8(line)
            .map_err(|_| AuditError::Unreadable {
                seq,
                reason: "the line is not UTF-8",
            })?
            .to_owned();
        lines.push(RawLine { seq, at, line });
    }
    Ok(lines)
}

/// Verifies the log at `path`, then decrypts every entry with the hub's audit `identity`.
pub fn read(path: &Path, identity: &Identity) -> Result<Vec<Record>, AuditError> {
    decrypt(load_verified(path, false)?, identity)
}

/// As [`read`], for a collected copy (no head file: [`super::collected::verify_collected`]).
pub fn read_collected(path: &Path, identity: &Identity) -> Result<Vec<Record>, AuditError> {
    decrypt(load_verified(path, true)?, identity)
}

fn decrypt(
    (bytes, checked): (Vec<u8>, Checked),
    identity: &Identity,
) -> Result<Vec<Record>, AuditError> {
    let ours = identity.to_public().to_string();
    let mut records = Vec::new();
    for (seq, line) in (0u64..).zip(complete_lines(&bytes, &checked)).skip(1) {
        let (entry, at) = entry_line(seq, line)?;
        if entry.recipient != ours {
            return Err(AuditError::WrongIdentity {
                seq,
                recipient: entry.recipient.to_owned(),
                ours,
            });
        }
        let unreadable = |reason| AuditError::Unreadable { seq, reason };
        let ciphertext = STANDARD
            .decode(entry.body)
            .map_err(|_| unreadable("its body is not base64"))?;
        let plaintext = Zeroizing::new(
            age::decrypt(identity, &ciphertext)
                .map_err(|_| unreadable("its body does not decrypt with the given identity"))?,
        );
        let entry: Entry = serde_json::from_slice(&plaintext)
            .map_err(|_| unreadable("the decrypted entry is not a FieldChart audit entry"))?;
        records.push(Record {
            seq,
            at,
            device: checked.genesis.device.clone(),
            entry,
        });
    }
    Ok(records)
}

/// Reads the log in one go (so the lines checked are the lines returned) and verifies it.
fn load_verified(path: &Path, collected: bool) -> Result<(Vec<u8>, Checked), AuditError> {
    // The head first, as in `verify`: it can then only be behind the log read after it. A
    // collected copy has none (the device signs it).
    let head = if collected {
        Head::Missing
    } else {
        load_head(path)?
    };
    let bytes = fs::read(path).map_err(|e| AuditError::Verify(io_error(path, e)))?;
    let checked = scan(path, bytes.as_slice(), &head, Depth::Full)?;
    if !collected {
        checked.judge_head(path, Lag::Any)?;
    }
    Ok((bytes, checked))
}

/// The complete lines, without their newlines.
fn complete_lines<'a>(bytes: &'a [u8], checked: &Checked) -> impl Iterator<Item = &'a [u8]> {
    let complete = usize::try_from(checked.complete_len)
        .ok()
        .and_then(|len| bytes.get(..len))
        .unwrap_or_default();
    complete
        .strip_suffix(b"\n")
        .unwrap_or(complete)
        .split(|&b| b == b'\n')
        .filter(move |_| !complete.is_empty())
}

/// Parses an entry line that verification already accepted.
fn entry_line(seq: u64, line: &[u8]) -> Result<(EntryLine<'_>, DateTime<FixedOffset>), AuditError> {
    let unreadable = |reason| AuditError::Unreadable { seq, reason };
    let entry: EntryLine<'_> =
        serde_json::from_slice(line).map_err(|_| unreadable("the line is not an entry line"))?;
    let at =
        DateTime::parse_from_rfc3339(entry.at).map_err(|_| unreadable("its time is unreadable"))?;
    Ok((entry, at))
}
