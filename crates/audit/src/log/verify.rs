//! Checking a log with no decryption key: the header, every signature, every chain hash, sequence
//! continuity and the head file, stopping at the first bad entry and saying what is wrong with it.
//!
//! Rules, in the order they are applied to line L (which must hold entry L-1):
//! 1. the line must parse, be in canonical form and carry a valid device signature, else it was
//!    **modified** (a signature covers every field and the log id; the canonical form covers the
//!    rest of the bytes);
//! 2. an intact line holding a later entry than expected means entries were **removed**, unless the
//!    expected entry appears further down the file, in which case they were **reordered**;
//! 3. an intact line holding an earlier entry is a **duplicate** if it repeats that entry's bytes,
//!    else **reordered** (a second line with the same number);
//! 4. an intact line in its place whose `prev` is not the hash of the line before breaks the
//!    **chain** (it comes from another copy of the log);
//! 5. at the end, the signed head file must exist, belong to this log and match the entry it
//!    records; a log ending before that entry was **truncated**; a head more than one entry behind
//!    is an old copy (a power cut between writing an entry and its head leaves it one behind);
//! 6. bytes after the last newline are a **torn** last line: a power cut while writing, which
//!    [`crate::AuditLog::open`] repairs.
//!
//! Opening the log for writing uses a fast pass that checks the chain hashes of every line but only
//! the first and last signatures: the last signature covers the previous line's hash, which covers
//! that line's bytes, and so on back to the header, so any other change breaks a hash. Only when the
//! fast pass finds something does the full pass run, to name the problem precisely.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};

use crate::log::format::{
    EntryLine, FORMAT_NAME, FORMAT_VERSION, GenesisLine, GenesisProbe, HeadFile, MAX_LINE, hex,
    hex32, is_canonical, line_hash, parse_public_key, seq_and_prev, signature_holds,
};
use crate::log::{VerifyError, head_path};

/// What an intact log says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// 32 hex digits naming this log.
    pub log_id: String,
    /// The device's ed25519 public key (standard base64) that signed every line. Compare it with
    /// the key registered for the laptop: a log re-signed throughout by another key verifies, but
    /// names that other key here.
    pub device: String,
    pub created: DateTime<FixedOffset>,
    /// Entries after the header (the last sequence number).
    pub entries: u64,
    pub first_at: Option<DateTime<FixedOffset>>,
    pub last_at: Option<DateTime<FixedOffset>>,
    /// The head file records the entry before the last: a power cut came between writing the last
    /// entry and its head. Not an error; the next open brings the head up to date.
    pub head_lags_by_one: bool,
}

/// Verifies the log at `path` and its head file (`<path>.head`) without any decryption key.
pub fn verify(path: &Path) -> Result<VerifyReport, VerifyError> {
    // The head first: a writer updates the log before its head, so a head read first is never
    // ahead of the log read after it.
    let head = load_head(path)?;
    verify_against(path, Some(head))
}

/// Verifies a collected copy of a log (a chain the hub kept, `collected::CollectedLog::chain_file`,
/// or any log without its head file): every line's signature and link, as [`verify`] does, but no
/// head is asked for: the head is the device's to sign, and a copy ends where the received lines
/// end.
pub fn verify_collected(path: &Path) -> Result<VerifyReport, VerifyError> {
    verify_against(path, None)
}

/// Checks every line of the log at `path`, and the head read before it (None for a collected
/// copy, which has none to judge).
fn verify_against(path: &Path, head: Option<Head>) -> Result<VerifyReport, VerifyError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let judged = head.is_some();
    let head = head.unwrap_or(Head::Missing);
    let checked = scan(path, BufReader::new(file), &head, Depth::Full)?;
    let lag = if judged {
        checked.judge_head(path, Lag::AtMostOne)?
    } else {
        0
    };
    if checked.torn > 0 {
        return Err(VerifyError::TornTail {
            path: path.to_owned(),
            after_seq: checked.last.seq,
            bytes: checked.torn,
        });
    }
    Ok(VerifyReport {
        log_id: checked.genesis.log.clone(),
        device: checked.genesis.device.clone(),
        created: checked.genesis.created,
        entries: checked.last.seq,
        first_at: checked.first_at,
        last_at: (checked.last.seq > 0).then_some(checked.last.at),
        head_lags_by_one: lag == 1,
    })
}

/// How thoroughly to check each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Depth {
    /// Every signature and the canonical form of every line.
    Full,
    /// Chain hashes and sequence numbers of every line, signatures of the first and last only.
    Fast,
}

/// How far behind the log its head may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lag {
    /// For a log at rest: one entry (a power cut between an entry and its head).
    AtMostOne,
    /// For a log that may be growing while it is read: the writer may have added several entries
    /// between our reading of the head and of the log.
    Any,
}

/// The header of an intact log.
#[derive(Debug, Clone)]
pub(crate) struct Genesis {
    pub log: String,
    pub device: String,
    pub key: ed25519_dalek::VerifyingKey,
    pub created: DateTime<FixedOffset>,
}

/// The last complete line (the header itself in a log with no entries).
#[derive(Debug, Clone)]
pub(crate) struct Last {
    pub seq: u64,
    pub hash: [u8; 32],
    pub at: DateTime<FixedOffset>,
    pub boot: String,
    /// None for the header, which records no boot-time reading.
    pub mono_ns: Option<u64>,
}

/// A head file as read, before it is judged against the log.
#[derive(Debug, Clone)]
pub(crate) enum Head {
    Missing,
    Unreadable,
    Read {
        log: String,
        seq: u64,
        hash: String,
        sig: String,
    },
}

/// What a scan of the complete lines found; the head is judged separately.
#[derive(Debug)]
pub(crate) struct Checked {
    pub genesis: Genesis,
    pub last: Last,
    pub first_at: Option<DateTime<FixedOffset>>,
    /// Bytes up to and including the last newline.
    pub complete_len: u64,
    /// Bytes after the last newline.
    pub torn: u64,
    head: Head,
    /// The hash of the line the head names, if the log reaches it.
    head_line_hash: Option<[u8; 32]>,
}

impl Checked {
    /// Whether the head file is missing (and nothing else is known to be wrong with it).
    pub fn head_missing(&self) -> bool {
        matches!(self.head, Head::Missing)
    }

    /// Checks the head file against the log; returns how many entries it is behind.
    pub fn judge_head(&self, path: &Path, rule: Lag) -> Result<u64, VerifyError> {
        let head_path = head_path(path);
        let forged = |reason: String| VerifyError::HeadForged {
            path: head_path.clone(),
            reason,
        };
        let (log, seq, hash, sig) = match &self.head {
            Head::Missing => return Err(VerifyError::HeadMissing { path: head_path }),
            Head::Unreadable => return Err(forged("it is not a readable head file".to_owned())),
            Head::Read {
                log,
                seq,
                hash,
                sig,
            } => (log, *seq, hash, sig),
        };
        if *log != self.genesis.log {
            return Err(forged(format!(
                "it belongs to another log ({log}, not {})",
                self.genesis.log
            )));
        }
        let signed = HeadFile {
            log,
            seq,
            hash,
            sig,
        }
        .signed_bytes();
        if !signature_holds(&self.genesis.key, &signed, sig) {
            return Err(forged(
                "its signature does not match the log's device key".to_owned(),
            ));
        }
        if seq > self.last.seq {
            return Err(VerifyError::Truncated {
                path: path.to_owned(),
                last_seq: self.last.seq,
                head_seq: seq,
                partial_bytes: self.torn,
            });
        }
        if self.head_line_hash.map(|h| hex(&h)).as_ref() != Some(hash) {
            return Err(forged(format!(
                "it records an entry {seq} that is not the one in the log"
            )));
        }
        let lag = self.last.seq - seq;
        if rule == Lag::AtMostOne && lag > 1 {
            return Err(forged(format!(
                "it is {lag} entries behind the log, and a power cut leaves it at most one behind: \
                 it is an old copy"
            )));
        }
        Ok(lag)
    }
}

/// The problem a fast scan hands back: either a definite error, or "look closely".
enum Problem {
    Verify(VerifyError),
    Recheck,
}

impl From<VerifyError> for Problem {
    fn from(e: VerifyError) -> Self {
        Problem::Verify(e)
    }
}

/// Checks the log at `path` quickly; if anything looks wrong, checks it fully to name the problem.
pub(crate) fn check_fast(path: &Path, head: &Head) -> Result<Checked, VerifyError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    match scan_lines(path, BufReader::new(file), head, Depth::Fast) {
        Ok(checked) => Ok(checked),
        Err(Problem::Verify(e)) => Err(e),
        Err(Problem::Recheck) => {
            let file = File::open(path).map_err(|e| io_error(path, e))?;
            scan(path, BufReader::new(file), head, Depth::Full)
        }
    }
}

/// Checks every complete line of a log read from `reader`.
pub(crate) fn scan(
    path: &Path,
    reader: impl BufRead,
    head: &Head,
    depth: Depth,
) -> Result<Checked, VerifyError> {
    match scan_lines(path, reader, head, depth) {
        Ok(checked) => Ok(checked),
        Err(Problem::Verify(e)) => Err(e),
        // A full scan decides everything itself; a recheck request cannot come from it.
        Err(Problem::Recheck) => Err(VerifyError::NotALog {
            path: path.to_owned(),
            reason: "it could not be checked",
        }),
    }
}

fn scan_lines(
    path: &Path,
    mut reader: impl BufRead,
    head: &Head,
    depth: Depth,
) -> Result<Checked, Problem> {
    let head_seq = match head {
        Head::Read { seq, .. } => Some(*seq),
        Head::Missing | Head::Unreadable => None,
    };
    let mut line = Vec::with_capacity(4096);
    // The latest complete entry line, kept for the checks done only on the last one.
    let mut last_line: Vec<u8> = Vec::with_capacity(4096);
    // The header, once read, and the entry signatures not yet checked against its key.
    let mut header: Option<(Genesis, PendingSignatures)> = None;
    let mut line_no = 0u64;
    let mut complete_len = 0u64;
    let mut torn = 0u64;
    let mut prev_hash = [0u8; 32];
    // Full scans only: the hash of each line by sequence number, to recognise a duplicate.
    let mut hashes: Vec<[u8; 32]> = Vec::new();
    let mut first_at = None;
    let mut head_line_hash = None;

    loop {
        line.clear();
        let n = (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| io_error(path, e))? as u64;
        if n == 0 {
            break;
        }
        if line.last() != Some(&b'\n') {
            if n > MAX_LINE {
                let error = modified(path, line_no + 1, "the line is far too long");
                return Err(match (depth, header.as_mut()) {
                    (Depth::Full, Some((_, pending))) => pending.first_bad_or(path, error).into(),
                    _ => recheck_or(depth, error),
                });
            }
            // Stopped short of the limit without a newline: this is the end of the file.
            torn = n;
            break;
        }
        line.pop();
        line_no += 1;
        let expected = line_no - 1;
        let hash = line_hash(&line);

        match (header.as_mut(), depth) {
            (None, _) => {
                let genesis = parse_genesis(path, &line)?;
                let pending = PendingSignatures::new(genesis.key);
                header = Some((genesis, pending));
                hashes.push(hash);
            }
            (Some(_), Depth::Fast) => {
                match seq_and_prev(&line) {
                    Some((seq, prev)) if seq == expected && prev == hex32(&prev_hash) => {}
                    _ => return Err(Problem::Recheck),
                }
                if expected == 1 {
                    first_at = serde_json::from_slice::<EntryLine<'_>>(&line)
                        .ok()
                        .and_then(|entry| DateTime::parse_from_rfc3339(entry.at).ok());
                }
                std::mem::swap(&mut line, &mut last_line);
            }
            (Some((genesis, pending)), Depth::Full) => {
                let checked = check_in_place(
                    path,
                    &mut reader,
                    &line,
                    line_no,
                    prev_hash,
                    &hashes,
                    genesis,
                    pending,
                );
                match checked {
                    Ok(at) => {
                        if expected == 1 {
                            first_at = Some(at);
                        }
                    }
                    Err(error) => return Err(pending.first_bad_or(path, error).into()),
                }
                hashes.push(hash);
                std::mem::swap(&mut line, &mut last_line);
            }
        }
        if head_seq == Some(expected) {
            head_line_hash = Some(hash);
        }
        prev_hash = hash;
        complete_len += n;
    }

    let Some((genesis, mut pending)) = header else {
        return Err(VerifyError::NotALog {
            path: path.to_owned(),
            reason: if torn > 0 {
                "it ends before its first line is complete"
            } else {
                "the file is empty"
            },
        }
        .into());
    };
    if let Some(bad) = pending.check() {
        return Err(modified(path, bad, SIGNATURE_MISMATCH).into());
    }
    let last = if line_no <= 1 {
        Last {
            seq: 0,
            hash: prev_hash,
            at: genesis.created,
            boot: String::new(),
            mono_ns: None,
        }
    } else {
        let Ok(entry) = serde_json::from_slice::<EntryLine<'_>>(&last_line) else {
            return Err(recheck_or(
                depth,
                modified(path, line_no, "it is not a readable entry line"),
            ));
        };
        if depth == Depth::Fast {
            check_form(path, line_no, &last_line, &entry).map_err(|_| Problem::Recheck)?;
            if !signature_holds(&genesis.key, &entry.signed_bytes(&genesis.log), entry.sig) {
                return Err(Problem::Recheck);
            }
        }
        Last {
            seq: entry.seq,
            hash: prev_hash,
            at: DateTime::parse_from_rfc3339(entry.at)
                .map_err(|_| modified(path, line_no, "its time is not readable"))?,
            boot: entry.boot.to_owned(),
            mono_ns: Some(entry.mono),
        }
    };
    Ok(Checked {
        genesis,
        last,
        first_at,
        complete_len,
        torn,
        head: head.clone(),
        head_line_hash,
    })
}

/// Rules 1 to 4 for entry line `line_no` of a full scan, except that its signature is only queued
/// in `pending`. Returns the entry's time.
#[allow(clippy::too_many_arguments)]
fn check_in_place(
    path: &Path,
    reader: &mut impl BufRead,
    line: &[u8],
    line_no: u64,
    prev_hash: [u8; 32],
    hashes: &[[u8; 32]],
    genesis: &Genesis,
    pending: &mut PendingSignatures,
) -> Result<DateTime<FixedOffset>, VerifyError> {
    let expected = line_no - 1;
    let entry = serde_json::from_slice::<EntryLine<'_>>(line)
        .map_err(|_| modified(path, line_no, "it is not a readable entry line"))?;
    let at = check_form(path, line_no, line, &entry)?;
    // Queued before the order is judged: a line that is not intact is "modified", wherever it is.
    if let Some(bad) = pending.push(line_no, entry.signed_bytes(&genesis.log), entry.sig) {
        return Err(modified(path, bad, SIGNATURE_MISMATCH));
    }
    let path = path.to_owned();
    if entry.seq > expected {
        let found = entry.seq;
        return Err(if appears_later(reader, expected) {
            VerifyError::Reordered {
                path,
                line: line_no,
                expected,
                found,
            }
        } else {
            VerifyError::Removed {
                path,
                line: line_no,
                expected,
                found,
            }
        });
    }
    if entry.seq < expected {
        let repeated =
            usize::try_from(entry.seq).ok().and_then(|i| hashes.get(i)) == Some(&line_hash(line));
        return Err(if repeated {
            VerifyError::Duplicated {
                path,
                line: line_no,
                seq: entry.seq,
            }
        } else {
            VerifyError::Reordered {
                path,
                line: line_no,
                expected,
                found: entry.seq,
            }
        });
    }
    if entry.prev.as_bytes() != hex32(&prev_hash) {
        return Err(VerifyError::ChainBroken {
            path,
            line: line_no,
            seq: expected,
        });
    }
    Ok(at)
}

const SIGNATURE_MISMATCH: &str = "its signature does not match the device key in the log header";

fn modified(path: &Path, line: u64, reason: &'static str) -> VerifyError {
    VerifyError::Modified {
        path: path.to_owned(),
        line,
        seq: line - 1,
        reason,
    }
}

fn recheck_or(depth: Depth, error: VerifyError) -> Problem {
    match depth {
        Depth::Full => Problem::Verify(error),
        Depth::Fast => Problem::Recheck,
    }
}

/// Canonical form and a readable time: what makes an entry line well formed, short of its
/// signature.
fn check_form(
    path: &Path,
    line_no: u64,
    bytes: &[u8],
    entry: &EntryLine<'_>,
) -> Result<DateTime<FixedOffset>, VerifyError> {
    if !is_canonical(entry, bytes) {
        return Err(modified(
            path,
            line_no,
            "its bytes are not in the form FieldChart writes",
        ));
    }
    DateTime::parse_from_rfc3339(entry.at)
        .map_err(|_| modified(path, line_no, "its time is not readable"))
}

/// Entry signatures waiting to be checked. Checking them is most of the work of a full scan (tens
/// of microseconds each), so they are checked in batches spread over the CPU's cores, and the first
/// bad one is the lowest line number found bad. Any other error at line L is reported only after
/// the signatures of the lines before it are known to hold, so the first bad entry wins either way.
struct PendingSignatures {
    key: ed25519_dalek::VerifyingKey,
    /// Line number, signed bytes, signature (base64).
    jobs: Vec<(u64, Vec<u8>, String)>,
}

impl PendingSignatures {
    const BATCH: usize = 4096;
    /// Below this many, threads cost more than they save.
    const PARALLEL_FROM: usize = 64;

    fn new(key: ed25519_dalek::VerifyingKey) -> Self {
        PendingSignatures {
            key,
            jobs: Vec::new(),
        }
    }

    /// Queues one signature; checks the batch when it is full and returns its first bad line.
    fn push(&mut self, line: u64, message: Vec<u8>, sig: &str) -> Option<u64> {
        self.jobs.push((line, message, sig.to_owned()));
        if self.jobs.len() >= Self::BATCH {
            self.check()
        } else {
            None
        }
    }

    /// Checks everything queued; returns the first bad line.
    fn check(&mut self) -> Option<u64> {
        let jobs = std::mem::take(&mut self.jobs);
        let key = &self.key;
        let first_bad = |jobs: &[(u64, Vec<u8>, String)]| {
            jobs.iter()
                .find(|(_, message, sig)| !signature_holds(key, message, sig))
                .map(|(line, ..)| *line)
        };
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        if jobs.len() < Self::PARALLEL_FROM || threads < 2 {
            return first_bad(&jobs);
        }
        std::thread::scope(|scope| {
            let workers: Vec<_> = jobs
                .chunks(jobs.len().div_ceil(threads))
                .map(|chunk| scope.spawn(move || first_bad(chunk)))
                .collect();
            workers
                .into_iter()
                .filter_map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .min()
        })
    }

    /// `error`, unless a queued signature before it is bad: then that line was modified.
    fn first_bad_or(&mut self, path: &Path, error: VerifyError) -> VerifyError {
        match self.check() {
            Some(bad) => modified(path, bad, SIGNATURE_MISMATCH),
            None => error,
        }
    }
}

pub(crate) fn parse_genesis(path: &Path, line: &[u8]) -> Result<Genesis, VerifyError> {
    let not_a_log = |reason| VerifyError::NotALog {
        path: path.to_owned(),
        reason,
    };
    let modified = |reason| VerifyError::Modified {
        path: path.to_owned(),
        line: 1,
        seq: 0,
        reason,
    };
    let probe: GenesisProbe<'_> = serde_json::from_slice(line)
        .map_err(|_| not_a_log("its first line is not a FieldChart audit log header"))?;
    if probe.format != FORMAT_NAME {
        return Err(not_a_log(
            "its first line is not a FieldChart audit log header",
        ));
    }
    if probe.version != FORMAT_VERSION {
        return Err(VerifyError::UnsupportedVersion {
            path: path.to_owned(),
            version: probe.version,
            supported: FORMAT_VERSION,
        });
    }
    let genesis: GenesisLine<'_> =
        serde_json::from_slice(line).map_err(|_| modified("the log header is not readable"))?;
    if genesis.seq != 0 || !is_canonical(&genesis, line) {
        return Err(modified(
            "the log header's bytes are not in the form FieldChart writes",
        ));
    }
    if genesis.log.len() != 32 || !genesis.log.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(modified("the log id is not 32 hex digits"));
    }
    let key = parse_public_key(genesis.device)
        .ok_or_else(|| modified("the device key in the header is not an ed25519 public key"))?;
    if !signature_holds(&key, &genesis.signed_bytes(), genesis.sig) {
        return Err(modified(
            "the header's signature does not match the device key it names",
        ));
    }
    let created = DateTime::parse_from_rfc3339(genesis.created)
        .map_err(|_| modified("the header's creation time is not readable"))?;
    Ok(Genesis {
        log: genesis.log.to_owned(),
        device: genesis.device.to_owned(),
        key,
        created,
    })
}

/// Whether an entry line with sequence number `seq` appears in the rest of `reader`.
fn appears_later(reader: &mut impl BufRead, seq: u64) -> bool {
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.take(MAX_LINE + 1).read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        if seq_and_prev(&line).is_some_and(|(found, _)| found == seq) {
            return true;
        }
    }
}

/// A head file is about 200 bytes.
const MAX_HEAD: u64 = 4096;

/// Reads the head file beside the log at `path`.
pub(crate) fn load_head(path: &Path) -> Result<Head, VerifyError> {
    let head_path = head_path(path);
    let file = match File::open(&head_path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Head::Missing),
        Err(e) => return Err(io_error(&head_path, e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_HEAD + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&head_path, e))?;
    let Some(json) = bytes.strip_suffix(b"\n") else {
        return Ok(Head::Unreadable);
    };
    Ok(match serde_json::from_slice::<HeadFile<'_>>(json) {
        Ok(head) if is_canonical(&head, json) => Head::Read {
            log: head.log.to_owned(),
            seq: head.seq,
            hash: head.hash.to_owned(),
            sig: head.sig.to_owned(),
        },
        _ => Head::Unreadable,
    })
}

pub(crate) fn io_error(path: &Path, source: io::Error) -> VerifyError {
    VerifyError::Io {
        path: PathBuf::from(path),
        source,
    }
}
