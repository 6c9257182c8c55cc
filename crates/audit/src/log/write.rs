//! Writing the log: creating it, repairing the torn last line a power cut leaves, and appending
//! entries so that each one is on disk before `append` returns (requirements AUD-8).
//!
//! Order of writes for one entry: the line (one `write_all`), `sync_data`, then the head file
//! (temporary file, `sync_all`, rename, sync of the directory). A power cut can therefore leave
//! (a) part of the newest line, which the head does not vouch for and `open` cuts off, or (b) the
//! newest line complete with the head one entry behind, which `open` brings up to date. It cannot
//! touch an earlier line, and the head is never ahead of what is durably in the log.
//!
//! One process writes a log at a time: `open` takes an exclusive lock on the log file for as long as
//! the [`AuditLog`] lives. Readers take no lock; they tolerate a line being written.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use age::x25519::Recipient;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, FixedOffset, SecondsFormat};
use zeroize::Zeroizing;

use crate::event::{ClockAnomaly, Entry};
use crate::log::clock::{self, Clock, ClockReading, Previous, SystemClock};
use crate::log::format::{
    EntryLine, FORMAT_NAME, FORMAT_VERSION, GenesisLine, HeadFile, MAX_LINE, hex, line_hash,
};
use crate::log::key::{DeviceKey, temp_beside, write_private};
use crate::log::verify::{Head, Lag, Last, check_fast, load_head};
use crate::log::{AuditError, head_path};

/// How long `open` waits for another process to release the log before it reports [`AuditError::Busy`].
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// An open audit log, locked for writing by this process.
pub struct AuditLog {
    path: PathBuf,
    /// Opened for reading and appending; holds the exclusive lock.
    file: File,
    key: DeviceKey,
    log_id: String,
    last: Last,
    /// Bytes of complete lines: where the next line starts.
    len: u64,
    /// The entry the head file records.
    head_seq: u64,
    recovered: Option<Recovered>,
    clock: Box<dyn Clock>,
    /// A failed write may have left part of a line after `len` that could not be cut off yet.
    needs_cut: bool,
}

/// What `open` repaired after a power cut: the unfinished line after entry `after_seq` was cut off.
/// Nothing that had been finished is lost; the caller should record that the repair happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub after_seq: u64,
    pub discarded_bytes: u64,
}

/// An entry safely written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub seq: u64,
    /// The wall clock recorded for it.
    pub at: DateTime<FixedOffset>,
    /// What looked wrong with the clock compared with the previous entry, if anything. It is also
    /// in the entry's `clock.anomaly` unless the caller had already set one there.
    pub anomaly: Option<ClockAnomaly>,
}

impl AuditLog {
    /// Opens the log at `path` for appending with the system clock, creating it (mode 0600, its
    /// directory 0700) with a header line if there is none. An existing log is verified first
    /// (fast: see [`mod@crate::log::verify`]); a torn last line left by a power cut is cut off and
    /// reported by [`AuditLog::recovered`]. Any other damage fails with the verification error and
    /// is never repaired: the caller must then refuse to show patient data.
    pub fn open(path: &Path, key: &DeviceKey) -> Result<AuditLog, AuditError> {
        Self::open_with_clock(path, key, Box::new(SystemClock))
    }

    /// [`AuditLog::open`] with another clock, e.g. a test's.
    pub fn open_with_clock(
        path: &Path,
        key: &DeviceKey,
        clock: Box<dyn Clock>,
    ) -> Result<AuditLog, AuditError> {
        create_private_dir(parent_dir(path))?;
        let file = match open_for_append(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Creation writes the log before its head, so a head without a log means the log
                // was moved or deleted, not that it was never made.
                if !matches!(load_head(path)?, Head::Missing) {
                    return Err(AuditError::LogMissing {
                        path: path.to_owned(),
                    });
                }
                create(path, key, clock.as_ref())?;
                open_for_append(path).map_err(|e| AuditError::reading(path, e))?
            }
            Err(e) => return Err(AuditError::reading(path, e)),
        };
        // Another FieldChart process on this laptop (the app and a command, say) may hold the log
        // for a moment: wait for it, a little, then say who is in the way.
        let waited = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(fs::TryLockError::WouldBlock) if waited.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(AuditError::Busy {
                        path: path.to_owned(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => return Err(AuditError::reading(path, e)),
            }
        }

        let head = load_head(path)?;
        let checked = check_fast(path, &head)?;
        let ours = key.public_b64();
        if checked.genesis.device != ours {
            return Err(AuditError::ForeignLog {
                path: path.to_owned(),
                device: checked.genesis.device.clone(),
                ours,
            });
        }
        // A header-only log without a head: a crash between creating the log and writing its
        // first head. There is nothing it could hide.
        let head_seq = if checked.head_missing() && checked.last.seq == 0 {
            None
        } else {
            Some(checked.last.seq - checked.judge_head(path, Lag::AtMostOne)?)
        };

        let recovered = if checked.torn > 0 {
            file.set_len(checked.complete_len)
                .and_then(|()| file.sync_all())
                .map_err(|e| AuditError::writing(path, e))?;
            Some(Recovered {
                after_seq: checked.last.seq,
                discarded_bytes: checked.torn,
            })
        } else {
            None
        };

        let mut log = AuditLog {
            path: path.to_owned(),
            file,
            key: key.clone(),
            log_id: checked.genesis.log.clone(),
            len: checked.complete_len,
            head_seq: head_seq.unwrap_or(0),
            last: checked.last,
            recovered,
            clock,
            needs_cut: false,
        };
        if head_seq != Some(log.last.seq) {
            log.write_head()
                .map_err(|e| AuditError::writing(&head_path(path), e))?;
        }
        Ok(log)
    }

    /// Encrypts `entry` to `recipient`, signs it and appends it, filling in the sequence number and
    /// the clock readings and flagging a clock that went backwards or jumped since the previous
    /// entry. When this returns `Ok`, the entry is on disk.
    pub fn append(&mut self, recipient: &Recipient, entry: &Entry) -> Result<Appended, AuditError> {
        if self.needs_cut {
            self.cut_partial_line();
            if self.needs_cut {
                return Err(AuditError::NeedsReopen {
                    path: self.path.clone(),
                });
            }
        }
        // Keep the head at most one entry behind: an earlier append may have failed to update it.
        if self.head_seq < self.last.seq {
            self.write_head()
                .map_err(|e| AuditError::writing(&head_path(&self.path), e))?;
        }

        let reading = self.clock.read();
        let at_text = reading.wall.to_rfc3339_opts(SecondsFormat::Micros, false);
        // The entry records the time at the precision written, so compare with exactly that.
        let at = DateTime::parse_from_rfc3339(&at_text).unwrap_or(reading.wall);
        let boot = if is_boot_id(&reading.boot) {
            reading.boot
        } else {
            String::new()
        };
        let now = ClockReading {
            wall: at,
            boot,
            mono_ns: reading.mono_ns,
        };
        let anomaly = clock::anomaly(
            &Previous {
                at: self.last.at,
                boot: self.last.boot.clone(),
                mono_ns: self.last.mono_ns,
            },
            &now,
        );
        let mut entry = entry.clone();
        if entry.clock.anomaly.is_none() {
            entry.clock.anomaly.clone_from(&anomaly);
        }

        let plaintext =
            Zeroizing::new(serde_json::to_vec(&entry).map_err(|e| AuditError::Encrypt {
                reason: e.to_string(),
            })?);
        let ciphertext = age::encrypt(recipient, &plaintext).map_err(|e| AuditError::Encrypt {
            reason: e.to_string(),
        })?;
        let seq = self.last.seq + 1;
        let body = STANDARD.encode(ciphertext);
        let prev = hex(&self.last.hash);
        let recipient_text = recipient.to_string();
        let mut line = EntryLine {
            seq,
            at: &at_text,
            boot: &now.boot,
            mono: now.mono_ns,
            recipient: &recipient_text,
            prev: &prev,
            body: &body,
            sig: "",
        };
        let sig = self.key.sign_b64(&line.signed_bytes(&self.log_id));
        line.sig = &sig;
        let mut bytes = serde_json::to_vec(&line).map_err(|e| self.write_error(e.into()))?;
        if bytes.len() as u64 >= MAX_LINE {
            return Err(AuditError::Encrypt {
                reason: format!(
                    "the entry is too large for one log line ({} bytes)",
                    bytes.len()
                ),
            });
        }
        let hash = line_hash(&bytes);
        bytes.push(b'\n');

        if let Err(e) = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
        {
            // Not durable, so not recorded: take back whatever part of the line got out.
            self.needs_cut = true;
            self.cut_partial_line();
            return Err(self.write_error(e));
        }
        self.len += bytes.len() as u64;
        self.last = Last {
            seq,
            hash,
            at,
            boot: now.boot,
            mono_ns: Some(now.mono_ns),
        };
        self.write_head()
            .map_err(|source| AuditError::HeadNotUpdated {
                path: head_path(&self.path),
                seq,
                source,
            })?;
        Ok(Appended { seq, at, anomaly })
    }

    /// The repair `open` made after a power cut, if any.
    pub fn recovered(&self) -> Option<&Recovered> {
        self.recovered.as_ref()
    }

    /// The sequence number of the last entry (0 when there is only the header).
    pub fn last_seq(&self) -> u64 {
        self.last.seq
    }

    /// The recipient the newest entry is encrypted to: the hub this laptop reports to, for an event
    /// that happens before any snapshot names its hub (a failed unlock, a failed sync). `None` when
    /// the log holds only its header. The line was checked when the log was opened (its signature
    /// covers the chain), so it is read back directly: the tail of the file, not the whole log.
    pub fn last_recipient(&self) -> Result<Option<Recipient>, AuditError> {
        use std::io::{Read, Seek, SeekFrom};
        if self.last.seq == 0 {
            return Ok(None);
        }
        let start = self.len.saturating_sub(MAX_LINE + 1);
        let mut tail = vec![0u8; (self.len - start) as usize];
        let mut file = &self.file;
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut tail))
            .map_err(|e| AuditError::reading(&self.path, e))?;
        let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
        let line = match body.iter().rposition(|&b| b == b'\n') {
            Some(at) => &body[at + 1..],
            None => body,
        };
        Ok(serde_json::from_slice::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("recipient")?.as_str()?.parse().ok()))
    }

    /// The wall clock the newest entry recorded (the header's, when it is the only line). A clock
    /// turned back since then is earlier than this; the session takes the later of the two as the
    /// time its snapshot's lease is judged by.
    pub fn last_time(&self) -> DateTime<FixedOffset> {
        self.last.at
    }

    /// The log's id, as in its header.
    pub fn log_id(&self) -> &str {
        &self.log_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_error(&self, e: io::Error) -> AuditError {
        AuditError::writing(&self.path, e)
    }

    fn cut_partial_line(&mut self) {
        if self
            .file
            .set_len(self.len)
            .and_then(|()| self.file.sync_all())
            .is_ok()
        {
            self.needs_cut = false;
        }
    }

    /// Replaces the head file with one recording the last entry.
    fn write_head(&mut self) -> io::Result<()> {
        let hash = hex(&self.last.hash);
        let mut head = HeadFile {
            log: &self.log_id,
            seq: self.last.seq,
            hash: &hash,
            sig: "",
        };
        let sig = self.key.sign_b64(&head.signed_bytes());
        head.sig = &sig;
        let mut bytes = serde_json::to_vec(&head)?;
        bytes.push(b'\n');

        let head_path = head_path(&self.path);
        // We hold the log's lock, so no one else writes this temporary file.
        let mut temp = head_path.clone().into_os_string();
        temp.push(".tmp");
        let temp = PathBuf::from(temp);
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, &head_path)?;
        File::open(parent_dir(&head_path))?.sync_all()?;
        self.head_seq = self.last.seq;
        Ok(())
    }
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .field("log_id", &self.log_id)
            .field("last_seq", &self.last.seq)
            .field("recovered", &self.recovered)
            .finish_non_exhaustive()
    }
}

/// Publishes a header-only log at `path`, unless another process publishes one first. The header
/// is written to a temporary file and hard-linked into place, which fails if the name exists: no
/// one ever sees a half-written header, and no existing log is replaced.
fn create(path: &Path, key: &DeviceKey, clock: &dyn Clock) -> Result<(), AuditError> {
    let log_id = random_hex::<16>()?;
    let device = key.public_b64();
    let created = clock
        .read()
        .wall
        .to_rfc3339_opts(SecondsFormat::Micros, false);
    let mut genesis = GenesisLine {
        seq: 0,
        format: FORMAT_NAME,
        version: FORMAT_VERSION,
        log: &log_id,
        device: &device,
        created: &created,
        sig: "",
    };
    let sig = key.sign_b64(&genesis.signed_bytes());
    genesis.sig = &sig;
    let mut bytes =
        serde_json::to_vec(&genesis).map_err(|e| AuditError::writing(path, e.into()))?;
    bytes.push(b'\n');

    let temp = temp_beside(path)?;
    let published = write_private(&temp, &bytes).and_then(|()| fs::hard_link(&temp, path));
    let _ = fs::remove_file(&temp);
    match published {
        Ok(()) => sync_dir(parent_dir(path)),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(AuditError::writing(path, e)),
    }
}

fn open_for_append(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new().read(true).append(true).open(path)
}

/// What a boot id looks like; anything else is not written into a plaintext line.
fn is_boot_id(boot: &str) -> bool {
    boot.len() <= 64 && boot.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The directory a file is in ("." for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Creates `dir` and any missing parents readable by the owner only; an existing directory is left
/// as it is.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), AuditError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| AuditError::writing(dir, e))
}

/// Makes a rename or link in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| AuditError::writing(dir, e))
}

/// `N` random bytes from the operating system, as hex.
pub(crate) fn random_hex<const N: usize>() -> Result<String, AuditError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AuditError::Random {
        reason: e.to_string(),
    })?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Writes a log of `n` entries straight through the format, with one sync at the end instead of
    /// one per entry, so that a large log takes seconds to make. Every line is signed and chained as
    /// `append` does it (the last one is checked in full when the log is opened).
    fn write_large_log(path: &Path, key: &DeviceKey, n: u64) {
        create(path, key, &SystemClock).expect("created");
        let header = fs::read(path).expect("header");
        let header = header.trim_ascii_end();
        let log_id = serde_json::from_slice::<GenesisLine<'_>>(header)
            .expect("header parses")
            .log
            .to_owned();
        let mut prev = line_hash(header);
        let recipient = age::x25519::Identity::generate().to_public();
        let body = STANDARD.encode(age::encrypt(&recipient, &[b'x'; 400]).expect("encrypted"));
        let recipient = recipient.to_string();
        let at = "2026-03-11T14:46:00.000000+09:00";
        let mut out = io::BufWriter::new(open_for_append(path).expect("opens"));
        for seq in 1..=n {
            let prev_hex = hex(&prev);
            let unsigned = EntryLine {
                seq,
                at,
                boot: "b",
                mono: seq,
                recipient: &recipient,
                prev: &prev_hex,
                body: &body,
                sig: "",
            };
            let sig = key.sign_b64(&unsigned.signed_bytes(&log_id));
            // Written by hand because serde_json is slow in a debug build; the values need no
            // escaping, so this is the canonical encoding.
            let line = format!(
                r#"{{"seq":{seq},"at":"{at}","boot":"b","mono":{seq},"recipient":"{recipient}","prev":"{prev_hex}","body":"{body}","sig":"{sig}"}}"#
            );
            prev = line_hash(line.as_bytes());
            out.write_all(line.as_bytes()).expect("written");
            out.write_all(b"\n").expect("written");
        }
        out.into_inner()
            .expect("flushed")
            .sync_all()
            .expect("synced");
        let hash = hex(&prev);
        let mut head = HeadFile {
            log: &log_id,
            seq: n,
            hash: &hash,
            sig: "",
        };
        let sig = key.sign_b64(&head.signed_bytes());
        head.sig = &sig;
        let mut bytes = serde_json::to_vec(&head).expect("encodes");
        bytes.push(b'\n');
        fs::write(head_path(path), bytes).expect("head written");
    }

    #[test]
    fn opening_a_log_of_100k_entries_takes_well_under_a_second() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DeviceKey::load_or_create(&dir.path().join("k")).expect("key");
        let path = dir.path().join("audit.log");
        write_large_log(&path, &key, 100_000);

        let started = Instant::now();
        let mut log = AuditLog::open(&path, &key).expect("opens");
        let took = started.elapsed();
        assert_eq!(log.last_seq(), 100_000);
        // Release builds open this in about 0.1 s. A debug build of this crate (the checks run in
        // its own unoptimised code) on a busy CI machine gets more room; checking every signature
        // instead would take several seconds either way.
        let limit = Duration::from_millis(if cfg!(debug_assertions) { 2500 } else { 700 });
        assert!(took < limit, "opening 100k entries took {took:?}");

        let entry = Entry {
            event: crate::event::Event::Lock,
            actor: None,
            session: None,
            break_glass: None,
            clock: crate::event::ClockInfo::system(),
        };
        let recipient = age::x25519::Identity::generate().to_public();
        assert_eq!(
            log.append(&recipient, &entry).expect("appended").seq,
            100_001
        );
    }

    #[test]
    fn a_large_log_with_one_changed_line_is_refused_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = DeviceKey::load_or_create(&dir.path().join("k")).expect("key");
        let path = dir.path().join("audit.log");
        write_large_log(&path, &key, 5_000);
        let text = fs::read_to_string(&path).expect("log");
        let changed = text.replacen("\"mono\":4321,", "\"mono\":4322,", 1);
        assert_ne!(changed, text);
        fs::write(&path, changed).expect("written");
        match AuditLog::open(&path, &key) {
            Err(AuditError::Verify(crate::log::VerifyError::Modified { seq: 4321, .. })) => {}
            other => panic!("expected entry 4321 modified, got {other:?}"),
        }
    }
}
