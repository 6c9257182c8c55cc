//! Opening a snapshot and reading its parts: every check, in the order [`open`] lists, before
//! anything is handed out, then random access where each 64 KiB block is decrypted through one
//! seekable age stream and checked against its signed block hash before a byte of it is returned.
//!
//! Nothing is ever written to disk here. Decrypted blocks live in a bounded in-memory cache and
//! are wiped when evicted.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::iter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use age::secrecy::SecretString;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cache::{Block, BlockCache};
use crate::format::{
    self, DecodedEnvelope, ENVELOPE_LEN, Emergency, Envelope, HASHES_PER_PAGE, MAX_MANIFEST_LEN,
    Manifest, PartEntry, TRAILER_LEN, Trailer, hex, sha256,
};
use crate::keys::{TrustedKey, Unlock};
use crate::{BLOCK, VaultError};

/// Default budget of the decrypted-block cache.
pub const DEFAULT_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// How far in the future a snapshot may be dated before we say the laptop clock is wrong: the
/// hub's and the laptop's clocks are never exactly equal.
pub const CLOCK_SKEW_MINUTES: i64 = 10;

/// The age header is a few hundred bytes per recipient; more than this is not ours.
const MAX_AGE_HEADER_LEN: u64 = 16 * 1024 * 1024;

/// What opening needs: whom to trust, how to unlock, and what time it is.
#[derive(Clone)]
pub struct OpenOptions {
    pub trusted: Vec<TrustedKey>,
    pub unlock: Unlock,
    /// The laptop's clock, checked against the snapshot's validity window.
    pub now: DateTime<Utc>,
    /// Budget of the decrypted-block cache, [`DEFAULT_CACHE_BYTES`] by default.
    pub cache_bytes: usize,
    /// Open a snapshot past its "not after" anyway. Only the viewing session sets this, for a
    /// break-glass override its signed policy allows; every other check still applies.
    pub accept_expired: bool,
}

impl OpenOptions {
    /// Options with the default cache budget.
    pub fn new(trusted: Vec<TrustedKey>, unlock: Unlock, now: DateTime<Utc>) -> Self {
        OpenOptions {
            trusted,
            unlock,
            now,
            cache_bytes: DEFAULT_CACHE_BYTES,
            accept_expired: false,
        }
    }
}

/// An opened, verified snapshot. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct Snapshot {
    shared: Arc<Shared>,
}

/// A part of a snapshot, read at random through the verified block cache. Cheap to clone.
#[derive(Clone)]
pub struct Part {
    shared: Arc<Shared>,
    index: usize,
}

struct Shared {
    manifest: Manifest,
    signer: TrustedKey,
    digest: String,
    by_name: HashMap<String, usize>,
    page_hashes: Vec<[u8; 32]>,
    source: Mutex<Source>,
    /// Verified pages of the block-hash table, loaded on first use. They are kept: all of them
    /// together are 32 bytes per 64 KiB block, 1/2048 of the snapshot.
    pages: Mutex<HashMap<u64, Arc<Vec<[u8; 32]>>>>,
    cache: Mutex<BlockCache>,
}

/// The one age stream reader over the file, rebuilt after any error: age's reader keeps the
/// failed chunk's state, so after a failure every later read through it would fail too.
struct Source {
    path: PathBuf,
    file: File,
    identity: age::x25519::Identity,
    payload_start: u64,
    reader: Option<age::stream::StreamReader<File>>,
}

/// What the plaintext head of a snapshot says, once checked without any key: who signed it, when it
/// was made, how long it is valid. `snapshot verify` without a key prints this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub format_version: u32,
    pub snapshot_id: String,
    pub created: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub drill: bool,
    pub file_len: u64,
    pub has_emergency_passphrase: bool,
    pub signer: String,
    /// The file's digest: its envelope's SHA-256 (hex), which covers every field and, through the
    /// manifest and block hashes they name, every byte. A layer names its base and the layer
    /// before it by their digests.
    pub digest: String,
    /// The signed plaintext label the builder gave [`crate::SnapshotWriter::finish`] (no patient
    /// data: facilities and their data-as-of), `null` when it gave none.
    pub label: serde_json::Value,
}

/// Checks everything that needs no key: marker, envelope hash, format version, file length,
/// envelope signature, trusted signer, validity window and the encryption header's hash. The parts
/// stay unread (that needs a key: [`open`] and [`Snapshot::verify_all`]).
pub fn check_outline(
    path: &Path,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
) -> Result<Outline, VaultError> {
    outline(path, trusted, now, false)
}

/// [`check_outline`] for a snapshot that may have expired: a laptop still lists it, with its
/// facilities, and says that it expired (opening it is a break-glass decision).
pub fn check_outline_even_if_expired(
    path: &Path,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
) -> Result<Outline, VaultError> {
    outline(path, trusted, now, true)
}

fn outline(
    path: &Path,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
    accept_expired: bool,
) -> Result<Outline, VaultError> {
    let head = checked_head(path, trusted, now, accept_expired)?;
    let e = &head.decoded.envelope;
    Ok(Outline {
        format_version: e.format_version,
        snapshot_id: e.snapshot_id.clone(),
        created: e.created,
        not_before: e.not_before,
        not_after: e.not_after,
        drill: e.drill,
        file_len: e.file_len,
        has_emergency_passphrase: e.emergency.is_some(),
        signer: e.signer.clone(),
        digest: head.decoded.digest.clone(),
        label: e.label.clone(),
    })
}

struct Head {
    file: File,
    decoded: DecodedEnvelope,
    signer: TrustedKey,
    payload_start: u64,
}

fn checked_head(
    path: &Path,
    trusted: &[TrustedKey],
    now: DateTime<Utc>,
    accept_expired: bool,
) -> Result<Head, VaultError> {
    let read_err = |e| VaultError::reading(path, e);
    let mut file = crate::input::open_regular(path).map_err(VaultError::snapshot_input)?;
    let actual = file.metadata().map_err(read_err)?.len();
    let mut head = vec![0u8; actual.min(ENVELOPE_LEN as u64) as usize];
    file.read_exact(&mut head).map_err(read_err)?;
    let decoded = format::decode_envelope(&head, actual, path)?;
    let envelope = &decoded.envelope;
    if actual < envelope.file_len {
        return Err(VaultError::Truncated {
            expected: envelope.file_len,
            actual,
        });
    }
    if actual > envelope.file_len {
        return Err(VaultError::tampered(
            "the file length (bytes were added after the end of the snapshot)",
        ));
    }
    let signer = signer_trusted(&decoded, trusted)?;
    check_window(envelope, now, accept_expired)?;

    let payload_start = (ENVELOPE_LEN as u64)
        .checked_add(envelope.age_header_len)
        .filter(|&end| end <= actual && envelope.age_header_len <= MAX_AGE_HEADER_LEN)
        .ok_or_else(|| VaultError::tampered("the encryption header's length"))?;
    let mut age_header = vec![0u8; envelope.age_header_len as usize];
    file.seek(SeekFrom::Start(ENVELOPE_LEN as u64))
        .and_then(|_| file.read_exact(&mut age_header))
        .map_err(read_err)?;
    if hex(&sha256(&age_header)) != envelope.age_header_sha256 {
        return Err(VaultError::tampered("the encryption header"));
    }
    Ok(Head {
        file,
        decoded,
        signer,
        payload_start,
    })
}

/// Opens and verifies a snapshot. The checks run in this order, and the first that fails is the
/// error (nothing is half-opened): marker → envelope hash → format version → file length →
/// envelope signature → trusted signer → validity window → age header hash → decryption key →
/// trailer, manifest hash and manifest signature → manifest layout.
pub fn open(path: &Path, opts: &OpenOptions) -> Result<Snapshot, VaultError> {
    let Head {
        file,
        decoded,
        signer,
        payload_start,
    } = checked_head(path, &opts.trusted, opts.now, opts.accept_expired)?;
    let envelope = &decoded.envelope;

    let identity = match &opts.unlock {
        Unlock::Identity(identity) => identity.clone(),
        Unlock::Passphrase(passphrase) => {
            unlock_emergency_identity(envelope.emergency.as_ref(), passphrase)?
        }
    };
    let mut source = Source {
        path: path.to_owned(),
        file,
        identity,
        payload_start,
        reader: None,
    };
    let (manifest, page_hashes) = read_manifest(&mut source, envelope, &signer)?;

    let by_name = manifest
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), i))
        .collect();
    Ok(Snapshot {
        shared: Arc::new(Shared {
            manifest,
            signer,
            digest: decoded.digest.clone(),
            by_name,
            page_hashes,
            source: Mutex::new(source),
            pages: Mutex::new(HashMap::new()),
            cache: Mutex::new(BlockCache::new(opts.cache_bytes)),
        }),
    })
}

/// The envelope's signature must verify under its embedded signer (else the bytes were altered),
/// and that signer must be one we trust.
fn signer_trusted(
    decoded: &DecodedEnvelope,
    trusted: &[TrustedKey],
) -> Result<TrustedKey, VaultError> {
    let signer = decoded.signed_by()?;
    if !trusted.contains(&signer) {
        return Err(VaultError::UntrustedSigner {
            signer: decoded.envelope.signer.clone(),
        });
    }
    Ok(signer)
}

/// A snapshot dated in the future means the laptop clock is wrong (checked first, since an
/// expired verdict from a wrong clock would mislead); past `not_after` it has expired.
fn check_window(
    envelope: &Envelope,
    now: DateTime<Utc>,
    accept_expired: bool,
) -> Result<(), VaultError> {
    let starts = envelope.created.max(envelope.not_before);
    if now + TimeDelta::minutes(CLOCK_SKEW_MINUTES) < starts {
        return Err(VaultError::ClockWrong {
            not_before: starts,
            now,
        });
    }
    if now > envelope.not_after && !accept_expired {
        return Err(VaultError::Expired {
            not_after: envelope.not_after,
            now,
        });
    }
    Ok(())
}

/// The passphrase opens the scrypt-sealed emergency identity kept in the envelope; that identity
/// then opens the snapshot like a device key.
fn unlock_emergency_identity(
    emergency: Option<&Emergency>,
    passphrase: &SecretString,
) -> Result<age::x25519::Identity, VaultError> {
    let emergency = emergency.ok_or(VaultError::NoEmergencyPassphrase)?;
    let damaged = || VaultError::tampered("the sealed emergency key");
    let blob = STANDARD
        .decode(&emergency.age_scrypt_blob)
        .map_err(|_| damaged())?;
    let decryptor = age::Decryptor::new_buffered(blob.as_slice()).map_err(|_| damaged())?;
    let scrypt = age::scrypt::Identity::new(passphrase.clone());
    let mut reader = decryptor
        .decrypt(iter::once(&scrypt as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys
            | age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed => VaultError::WrongKey,
            age::DecryptError::ExcessiveWork { required, target } => {
                VaultError::PassphraseTooCostly { required, target }
            }
            _ => damaged(),
        })?;
    let mut secret = Zeroizing::new(Vec::new());
    reader.read_to_end(&mut secret).map_err(|_| damaged())?;
    let text = std::str::from_utf8(&secret).map_err(|_| damaged())?;
    text.trim()
        .parse::<age::x25519::Identity>()
        .map_err(|_| damaged())
}

/// Reads the trailer at the end of the plaintext, then the manifest it points to, and checks it
/// against the envelope's hash, the signer's signature and its own layout rules.
fn read_manifest(
    source: &mut Source,
    envelope: &Envelope,
    signer: &TrustedKey,
) -> Result<(Manifest, Vec<[u8; 32]>), VaultError> {
    let plain_len = source.plain_len()?;
    let trailer_at = plain_len
        .checked_sub(TRAILER_LEN as u64)
        .ok_or_else(|| VaultError::tampered("the snapshot trailer"))?;
    let mut trailer = [0u8; TRAILER_LEN];
    source.read_exact_at(trailer_at, &mut trailer)?;
    let trailer = Trailer::decode(&trailer);
    let ends_at_trailer = trailer
        .manifest_offset
        .checked_add(trailer.manifest_len)
        .is_some_and(|end| end == trailer_at);
    if !ends_at_trailer || trailer.manifest_len > MAX_MANIFEST_LEN {
        return Err(VaultError::tampered("the snapshot trailer"));
    }
    let mut bytes = vec![0u8; trailer.manifest_len as usize];
    source.read_exact_at(trailer.manifest_offset, &mut bytes)?;
    if hex(&sha256(&bytes)) != envelope.manifest_sha256 {
        return Err(VaultError::tampered("the manifest"));
    }
    if !signer.verifies(&bytes, &trailer.signature) {
        return Err(VaultError::tampered("the manifest signature"));
    }
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|_| VaultError::tampered("the manifest"))?;
    let page_hashes = manifest
        .checked_layout(trailer.manifest_offset)
        .ok_or_else(|| VaultError::tampered("the manifest's layout"))?;
    if !manifest.agrees_with(envelope) {
        return Err(VaultError::tampered(
            "the manifest (it does not match the envelope)",
        ));
    }
    Ok((manifest, page_hashes))
}

impl Source {
    fn reader(&mut self) -> Result<&mut age::stream::StreamReader<File>, VaultError> {
        let reader = match self.reader.take() {
            Some(reader) => reader,
            None => self.new_reader()?,
        };
        Ok(self.reader.insert(reader))
    }

    fn new_reader(&mut self) -> Result<age::stream::StreamReader<File>, VaultError> {
        let read_err = |e| VaultError::reading(&self.path, e);
        // The clone shares the file position with `self.file`; age's reader learns where the
        // payload starts from that position on its first seek.
        let mut input = self.file.try_clone().map_err(read_err)?;
        input
            .seek(SeekFrom::Start(ENVELOPE_LEN as u64))
            .map_err(read_err)?;
        let decryptor = age::Decryptor::new(input).map_err(|e| match e {
            age::DecryptError::Io(e) => VaultError::reading(&self.path, e),
            _ => VaultError::tampered("the encryption header"),
        })?;
        if self.file.stream_position().map_err(read_err)? != self.payload_start {
            return Err(VaultError::tampered("the encryption header's length"));
        }
        decryptor
            .decrypt(iter::once(&self.identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => VaultError::WrongKey,
                age::DecryptError::Io(e) => VaultError::reading(&self.path, e),
                _ => VaultError::tampered("the encryption header"),
            })
    }

    /// Length of the plaintext payload. age authenticates it by decrypting the last chunk as
    /// the last one, so a cut at a chunk boundary cannot pass for a shorter payload.
    fn plain_len(&mut self) -> Result<u64, VaultError> {
        let reader = self.reader()?;
        let result = reader.seek(SeekFrom::End(0));
        result.map_err(|e| self.failed(e, "the end of the encrypted data"))
    }

    /// Exactly `buf.len()` plaintext bytes at `offset`; an authentication failure is Tampered.
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), VaultError> {
        let reader = self.reader()?;
        let result = reader
            .seek(SeekFrom::Start(offset))
            .and_then(|_| reader.read_exact(buf));
        result.map_err(|e| self.failed(e, &format!("the encrypted data at offset {offset}")))
    }

    fn failed(&mut self, error: io::Error, what: &str) -> VaultError {
        self.reader = None;
        match error.kind() {
            // age reports a failed authentication tag as InvalidData; the file length was
            // checked at open, so running out of data means the file changed underneath us.
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => VaultError::tampered(what),
            _ => VaultError::reading(&self.path, error),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock cannot leave these structures inconsistent in a way that
    // returns wrong data: the source is rebuilt on error, and cached blocks were verified.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// The decrypted block `index`, checked against its block hash. `use_cache` is off for
    /// sequential scans, which would only flush the cache.
    fn block(&self, index: u64, use_cache: bool) -> Result<Block, VaultError> {
        if use_cache && let Some(block) = lock(&self.cache).get(index) {
            return Ok(block);
        }
        let expected = self.block_hash(index)?;
        let mut data = Zeroizing::new(vec![0u8; BLOCK]);
        lock(&self.source).read_exact_at(index * BLOCK as u64, &mut data)?;
        if sha256(&data) != expected {
            return Err(VaultError::tampered(format!(
                "data block {index} (its hash is not the signed one)"
            )));
        }
        let block = Arc::new(data);
        if use_cache {
            lock(&self.cache).insert(index, Arc::clone(&block));
        }
        Ok(block)
    }

    fn block_hash(&self, index: u64) -> Result<[u8; 32], VaultError> {
        let page = self.page(index / HASHES_PER_PAGE)?;
        page.get((index % HASHES_PER_PAGE) as usize)
            .copied()
            .ok_or_else(|| VaultError::tampered(format!("the hash of data block {index}")))
    }

    /// A page of the block-hash table, checked against the manifest's page hash on first load.
    fn page(&self, page: u64) -> Result<Arc<Vec<[u8; 32]>>, VaultError> {
        if let Some(hashes) = lock(&self.pages).get(&page) {
            return Ok(Arc::clone(hashes));
        }
        let table = self.manifest.block_hashes;
        let first = page * HASHES_PER_PAGE;
        let expected = usize::try_from(page)
            .ok()
            .and_then(|p| self.page_hashes.get(p))
            .filter(|_| first < table.count)
            .ok_or_else(|| VaultError::tampered(format!("block-hash table page {page}")))?;
        let count = (table.count - first).min(HASHES_PER_PAGE);
        let mut bytes = vec![0u8; (count * 32) as usize];
        lock(&self.source).read_exact_at(table.offset + first * 32, &mut bytes)?;
        if &sha256(&bytes) != expected {
            return Err(VaultError::tampered(format!(
                "block-hash table page {page}"
            )));
        }
        let hashes: Arc<Vec<[u8; 32]>> = Arc::new(
            bytes
                .chunks_exact(32)
                .map(|h| <[u8; 32]>::try_from(h).unwrap_or_default())
                .collect(),
        );
        lock(&self.pages).insert(page, Arc::clone(&hashes));
        Ok(hashes)
    }

    /// Copies plaintext at `offset` into `buf`, block by block, each block verified.
    fn read_plain(&self, offset: u64, buf: &mut [u8], use_cache: bool) -> Result<(), VaultError> {
        let mut pos = offset;
        for chunk in chunks_by_block(offset, buf) {
            let block = self.block(pos / BLOCK as u64, use_cache)?;
            let within = (pos % BLOCK as u64) as usize;
            let source = block
                .get(within..within + chunk.len())
                .ok_or_else(|| VaultError::tampered("a data block's length"))?;
            chunk.copy_from_slice(source);
            pos += chunk.len() as u64;
        }
        Ok(())
    }
}

/// Splits `buf`, destined for plaintext offset `offset`, at block boundaries.
fn chunks_by_block(offset: u64, buf: &mut [u8]) -> impl Iterator<Item = &mut [u8]> {
    let first = (BLOCK - (offset % BLOCK as u64) as usize).min(buf.len());
    let (head, tail) = buf.split_at_mut(first);
    iter::once(head)
        .filter(|h| !h.is_empty())
        .chain(tail.chunks_mut(BLOCK))
}

impl Snapshot {
    /// The verified manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.shared.manifest
    }

    /// The file's digest (see [`Outline::digest`]).
    pub fn digest(&self) -> &str {
        &self.shared.digest
    }

    /// The key that signed this snapshot (one of the trusted ones).
    pub fn signer(&self) -> TrustedKey {
        self.shared.signer
    }

    /// The part called `name`, if the snapshot has one.
    pub fn part(&self, name: &str) -> Option<Part> {
        let index = *self.shared.by_name.get(name)?;
        Some(Part {
            shared: Arc::clone(&self.shared),
            index,
        })
    }

    /// Decrypts and checks every block and every part's SHA-256, calling `progress(done, total)`
    /// in bytes after each block. Bypasses the cache.
    pub fn verify_all(&self, progress: &mut dyn FnMut(u64, u64)) -> Result<(), VaultError> {
        let shared = &self.shared;
        let parts = &shared.manifest.parts;
        let count = shared.manifest.block_hashes.count;
        let total = count * BLOCK as u64;
        progress(0, total);
        let mut hashers: Vec<Sha256> = parts.iter().map(|_| Sha256::new()).collect();
        // Parts are sorted and disjoint (checked at open): `first` is the first part that can
        // still receive bytes.
        let mut first = 0;
        for index in 0..count {
            let block = shared.block(index, false)?;
            let start = index * BLOCK as u64;
            let end = start + BLOCK as u64;
            for (i, part) in parts.iter().enumerate().skip(first) {
                if part.offset >= end {
                    break;
                }
                let part_end = part.offset + part.len;
                if part_end <= start {
                    first = i + 1;
                    continue;
                }
                let from = (part.offset.max(start) - start) as usize;
                let to = (part_end.min(end) - start) as usize;
                if let (Some(hasher), Some(bytes)) = (hashers.get_mut(i), block.get(from..to)) {
                    hasher.update(bytes);
                }
            }
            progress(end, total);
        }
        for (part, hasher) in parts.iter().zip(hashers) {
            if hex(&hasher.finalize()) != part.sha256 {
                return Err(VaultError::tampered(format!("part {:?}", part.name)));
            }
        }
        Ok(())
    }
}

impl Part {
    fn entry(&self) -> &PartEntry {
        // `index` came from `by_name`, built from this very list.
        &self.shared.manifest.parts[self.index]
    }

    pub fn name(&self) -> &str {
        &self.entry().name
    }

    pub fn len(&self) -> u64 {
        self.entry().len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the part's bytes at `offset`, exactly, or fails: a read past the end is
    /// [`VaultError::ReadOutOfRange`], a damaged block [`VaultError::Tampered`].
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), VaultError> {
        self.read(offset, buf, true)
    }

    /// The whole part (bypassing the cache, which it would only flush).
    pub fn read_all(&self) -> Result<Vec<u8>, VaultError> {
        let len = usize::try_from(self.len()).map_err(|_| self.out_of_range(0, self.len()))?;
        let mut bytes = vec![0u8; len];
        self.read(0, &mut bytes, false)?;
        Ok(bytes)
    }

    fn read(&self, offset: u64, buf: &mut [u8], use_cache: bool) -> Result<(), VaultError> {
        let entry = self.entry();
        let len = buf.len() as u64;
        let start = offset
            .checked_add(len)
            .filter(|&end| end <= entry.len)
            .and_then(|_| entry.offset.checked_add(offset))
            .ok_or_else(|| self.out_of_range(offset, len))?;
        self.shared.read_plain(start, buf, use_cache)
    }

    fn out_of_range(&self, offset: u64, len: u64) -> VaultError {
        VaultError::ReadOutOfRange {
            part: self.name().to_owned(),
            offset,
            len,
            part_len: self.len(),
        }
    }
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name())
            .field("len", &self.len())
            .finish()
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("snapshot_id", &self.manifest().snapshot_id)
            .field("parts", &self.manifest().parts.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    //! Envelopes re-signed by the hub's own key, which only a test (or a forger with the key) can
    //! make: they show that each hash in the envelope binds its part of the file, and that a
    //! newer format is reported as such.

    use super::*;
    use crate::keys::{SigningKey, load_identity, load_signing_key};
    use crate::{SnapshotWriter, WriteOptions, generate_device_identity, generate_signing_key};

    struct Hub {
        dir: tempfile::TempDir,
        created: DateTime<Utc>,
    }

    impl Hub {
        fn new() -> Self {
            let dir = tempfile::tempdir().expect("tempdir");
            generate_device_identity(&dir.path().join("laptop.key")).expect("device key");
            generate_signing_key(&dir.path().join("hub.sign")).expect("signing key");
            let created = DateTime::parse_from_rfc3339("2025-03-11T05:46:00Z")
                .expect("time")
                .with_timezone(&Utc);
            Hub { dir, created }
        }

        fn key(&self) -> SigningKey {
            load_signing_key(&self.dir.path().join("hub.sign")).expect("signing key")
        }

        fn build(&self, name: &str, data: &[u8]) -> PathBuf {
            let identity = load_identity(&self.dir.path().join("laptop.key")).expect("identity");
            let out = self.dir.path().join(name);
            let mut writer = SnapshotWriter::create(
                &out,
                WriteOptions {
                    recipients: vec![identity.to_public()],
                    passphrase: None,
                    scrypt_log_n: None,
                    signing_key: self.key(),
                    created: self.created,
                    not_after: self.created + TimeDelta::days(1),
                    drill: true,
                },
            )
            .expect("create");
            writer.add_part_bytes("data", data).expect("part");
            writer.finish(serde_json::json!({})).expect("finish");
            out
        }

        fn open(&self, path: &Path) -> Result<Snapshot, VaultError> {
            let identity = load_identity(&self.dir.path().join("laptop.key")).expect("identity");
            let opts = OpenOptions::new(
                vec![self.key().trusted_key()],
                Unlock::Identity(identity),
                self.created + TimeDelta::hours(1),
            );
            open(path, &opts)
        }
    }

    fn envelope_of(path: &Path) -> Envelope {
        let bytes = std::fs::read(path).expect("read");
        let head = &bytes[..ENVELOPE_LEN];
        format::decode_envelope(head, bytes.len() as u64, path)
            .expect("intact envelope")
            .envelope
    }

    /// Replaces the envelope of the file at `path` by `envelope`, correctly signed.
    fn put_envelope(path: &Path, envelope: &Envelope, key: &SigningKey) {
        let mut bytes = std::fs::read(path).expect("read");
        let encoded = envelope.encode(key).expect("encodes");
        bytes[..ENVELOPE_LEN].copy_from_slice(&encoded);
        std::fs::write(path, bytes).expect("write");
    }

    fn tampered_what(result: Result<Snapshot, VaultError>) -> String {
        match result {
            Err(VaultError::Tampered { what }) => what,
            Err(other) => panic!("expected Tampered, got {other}"),
            Ok(_) => panic!("expected Tampered, but it opened"),
        }
    }

    #[test]
    fn a_correctly_signed_snapshot_of_a_newer_format_is_unsupported() {
        let hub = Hub::new();
        let path = hub.build("a.fcsnap", b"data");
        let mut envelope = envelope_of(&path);
        envelope.format_version = crate::FORMAT_VERSION + 1;
        put_envelope(&path, &envelope, &hub.key());
        let err = hub.open(&path).expect_err("refused");
        assert!(
            matches!(
                err,
                VaultError::UnsupportedVersion {
                    found: 3,
                    supported: 2
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.failure(),
            fieldchart_failure::Failure::UnsupportedVersion
        );
    }

    #[test]
    fn a_resigned_envelope_is_still_checked_against_the_age_header() {
        let hub = Hub::new();
        let first = hub.build("a.fcsnap", b"first");
        let second = hub.build("b.fcsnap", b"second");
        let mut envelope = envelope_of(&first);
        envelope.file_len = std::fs::metadata(&second).expect("meta").len();
        envelope.age_header_len = envelope_of(&second).age_header_len;
        put_envelope(&second, &envelope, &hub.key());
        assert_eq!(tampered_what(hub.open(&second)), "the encryption header");
    }

    #[test]
    fn a_resigned_envelope_is_still_checked_against_the_manifest() {
        let hub = Hub::new();
        let path = hub.build("a.fcsnap", b"data");
        let mut envelope = envelope_of(&path);
        envelope.manifest_sha256 = hex(&[0; 32]);
        put_envelope(&path, &envelope, &hub.key());
        assert_eq!(tampered_what(hub.open(&path)), "the manifest");
    }

    #[test]
    fn a_resigned_envelope_must_agree_with_the_manifest_it_vouches_for() {
        let hub = Hub::new();
        let path = hub.build("a.fcsnap", b"data");
        let mut envelope = envelope_of(&path);
        // Making a drill snapshot look like a real one is caught by the signed manifest.
        envelope.drill = false;
        put_envelope(&path, &envelope, &hub.key());
        assert!(tampered_what(hub.open(&path)).contains("does not match the envelope"));
    }

    /// A holder of one device key knows the file key, so they can re-encrypt a changed payload
    /// under the same age header, and every chunk then authenticates. This test does the
    /// equivalent (a fresh encryption, with the envelope re-signed to accept its header): the
    /// signed block hashes must still refuse the changed block, and only that block.
    #[test]
    fn a_block_re_encrypted_by_a_key_holder_fails_its_signed_block_hash() {
        let hub = Hub::new();
        let data: Vec<u8> = (0..3 * BLOCK).map(|i| (i % 251) as u8).collect();
        let path = hub.build("a.fcsnap", &data);
        let file = std::fs::read(&path).expect("read");
        let identity = load_identity(&hub.dir.path().join("laptop.key")).expect("identity");
        let mut plaintext = Vec::new();
        age::Decryptor::new_buffered(&file[ENVELOPE_LEN..])
            .expect("age header")
            .decrypt(iter::once(&identity as &dyn age::Identity))
            .expect("device key decrypts")
            .read_to_end(&mut plaintext)
            .expect("payload");
        plaintext[BLOCK + 5] ^= 1;

        let mut age_file = Vec::new();
        let recipient = identity.to_public();
        let mut writer = age::Encryptor::with_recipients(iter::once(&recipient as _))
            .expect("encryptor")
            .wrap_output(&mut age_file)
            .expect("header");
        std::io::Write::write_all(&mut writer, &plaintext).expect("encrypt");
        writer.finish().expect("finish");
        let chunks = plaintext.len().div_ceil(BLOCK);
        let header_len = age_file.len() - plaintext.len() - 16 * chunks;

        let mut envelope = envelope_of(&path);
        envelope.file_len = (ENVELOPE_LEN + age_file.len()) as u64;
        envelope.age_header_len = header_len as u64;
        envelope.age_header_sha256 = hex(&sha256(&age_file[..header_len]));
        let mut forged = envelope.encode(&hub.key()).expect("encodes");
        forged.extend_from_slice(&age_file);
        std::fs::write(&path, forged).expect("write");

        let snapshot = hub
            .open(&path)
            .expect("the manifest is intact, so it opens");
        let part = snapshot.part("data").expect("part");
        let mut buf = [0u8; 16];
        part.read_at(0, &mut buf).expect("block 0 is unchanged");
        assert_eq!(&buf[..], &data[..16]);
        let err = part
            .read_at(BLOCK as u64, &mut buf)
            .expect_err("block 1 was changed");
        assert!(
            matches!(&err, VaultError::Tampered { what } if what.starts_with("data block 1 ")),
            "{err}"
        );
        // The failure does not spoil later reads of intact blocks.
        part.read_at(2 * BLOCK as u64, &mut buf)
            .expect("block 2 is unchanged");
        assert_eq!(&buf[..], &data[2 * BLOCK..2 * BLOCK + 16]);
        assert!(matches!(
            snapshot.verify_all(&mut |_, _| {}),
            Err(VaultError::Tampered { .. })
        ));
    }

    #[test]
    fn an_untouched_snapshot_opens_with_these_helpers() {
        let hub = Hub::new();
        let path = hub.build("a.fcsnap", b"data");
        let snapshot = hub.open(&path).expect("opens");
        let part = snapshot.part("data").expect("part");
        assert_eq!(part.read_all().expect("reads"), b"data");
        assert!(snapshot.manifest().drill);
    }
}
