//! Writing a snapshot: parts are streamed through age encryption into a temporary file next to
//! the output, hashed block by block on the way, and the file is renamed into place only after
//! the manifest, trailer and signed envelope are written and synced (requirements SNAP-10: "written
//! under a temporary name and takes its real name only once complete").

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::iter;
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::format::{
    BlockHashes, ENVELOPE_LEN, Emergency, Envelope, HASHES_PER_PAGE, Manifest, PartEntry, PartInfo,
    Trailer, hex, sha256,
};
use crate::keys::SigningKey;
use crate::{BLOCK, FORMAT_VERSION, VaultError, random_bytes};

/// The highest scrypt work factor we let a hub choose: 2^22 already takes seconds and 4 GiB of
/// memory, and a laptop refuses much more than its own calibrated second (age's rule).
const MAX_SCRYPT_LOG_N: u8 = 22;

static ZEROS: [u8; BLOCK] = [0; BLOCK];

/// Everything a snapshot is made with besides its parts.
pub struct WriteOptions {
    /// The device keys (age X25519) that may open the snapshot.
    pub recipients: Vec<age::x25519::Recipient>,
    /// An emergency passphrase that may open it too (see "Passphrase" in the crate docs).
    pub passphrase: Option<SecretString>,
    /// scrypt work factor for the passphrase as log2(N); `None` is age's calibration to about
    /// one second on this machine. Tests use 10.
    pub scrypt_log_n: Option<u8>,
    pub signing_key: SigningKey,
    /// Stored to the second; also the start of the validity window.
    pub created: DateTime<Utc>,
    /// Stored to the second; the snapshot does not open after it.
    pub not_after: DateTime<Utc>,
    /// A drill snapshot holds practice data; the viewer says so.
    pub drill: bool,
}

/// A finished snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    /// Total file size.
    pub bytes: u64,
    pub snapshot_id: String,
    /// The file's digest (its envelope's SHA-256, hex), which names its whole content: what a
    /// layer names its base and the layer before it by ([`crate::Outline::digest`]).
    pub digest: String,
}

/// Writes one snapshot. Dropping it before [`SnapshotWriter::finish`] removes the temporary file;
/// after any failed operation it can only be dropped.
pub struct SnapshotWriter {
    out: PathBuf,
    temp: PathBuf,
    state: Option<Writing>,
    /// Set once the temporary file has been renamed to `out`.
    renamed: bool,
}

/// The open temporary file and everything learned while streaming into it.
struct Writing {
    stream: age::stream::StreamWriter<File>,
    /// A second handle on the temporary file, for reading back the age header and writing the
    /// envelope at the end.
    file: File,
    age_header_len: u64,
    /// Plaintext bytes written so far.
    offset: u64,
    block_hasher: Sha256,
    /// Bytes of the current block already hashed; always `offset % BLOCK` before the table.
    block_filled: usize,
    block_hashes: Vec<[u8; 32]>,
    parts: Vec<PartEntry>,
    snapshot_id: String,
    signing_key: SigningKey,
    created: DateTime<Utc>,
    not_after: DateTime<Utc>,
    drill: bool,
    emergency: Option<Emergency>,
    label: serde_json::Value,
}

impl SnapshotWriter {
    /// Starts a snapshot that will be renamed to `out` by [`SnapshotWriter::finish`]. Until then it
    /// is written to `<out>.partial-<random>` in the same directory, so the rename is atomic.
    pub fn create(out: &Path, opts: WriteOptions) -> Result<Self, VaultError> {
        let WriteOptions {
            mut recipients,
            passphrase,
            scrypt_log_n,
            signing_key,
            created,
            not_after,
            drill,
        } = opts;
        let created = created.trunc_subsecs(0);
        let not_after = not_after.trunc_subsecs(0);
        if not_after <= created {
            return Err(VaultError::InvalidOptions {
                reason: format!("it would expire ({not_after}) before it is made ({created})"),
            });
        }
        if recipients.is_empty() && passphrase.is_none() {
            return Err(VaultError::InvalidOptions {
                reason: "no device recipient and no passphrase were given, so nobody could open it"
                    .into(),
            });
        }
        if fs::symlink_metadata(out).is_ok() {
            return Err(VaultError::OutputExists {
                path: out.to_owned(),
            });
        }
        let Some(file_name) = out.file_name() else {
            return Err(VaultError::InvalidOptions {
                reason: format!("the output {} is not a file name", out.display()),
            });
        };

        let emergency = match passphrase {
            Some(passphrase) => {
                let identity = age::x25519::Identity::generate();
                recipients.push(identity.to_public());
                Some(seal_emergency_identity(
                    &identity,
                    passphrase,
                    scrypt_log_n,
                )?)
            }
            None => None,
        };

        let mut temp_name = OsString::from(file_name);
        temp_name.push(format!(".partial-{}", hex(&random_bytes::<6>()?)));
        let temp = out.with_file_name(temp_name);
        let file = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| VaultError::writing(&temp, e))?;
        // From here on, dropping `writer` removes the temporary file, on success or failure.
        let mut writer = SnapshotWriter {
            out: out.to_owned(),
            temp,
            state: None,
            renamed: false,
        };
        let write_err = |e| VaultError::writing(&writer.temp, e);

        // The envelope is only known at the end; reserve its space now.
        let mut file = file;
        file.write_all(&ZEROS[..ENVELOPE_LEN]).map_err(write_err)?;
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| VaultError::InvalidOptions {
                    reason: format!("the recipients cannot be used together: {e}"),
                })?;
        // Both handles share one file position, so after the header is written the second one
        // tells where the header ended. The stream writer buffers whole 64 KiB chunks itself, so
        // no extra buffering is needed.
        let position = file.try_clone().map_err(write_err)?;
        let stream = encryptor.wrap_output(file).map_err(write_err)?;
        let mut file = position;
        let header_end = file.stream_position().map_err(write_err)?;

        writer.state = Some(Writing {
            stream,
            file,
            age_header_len: header_end.saturating_sub(ENVELOPE_LEN as u64),
            offset: 0,
            block_hasher: Sha256::new(),
            block_filled: 0,
            block_hashes: Vec::new(),
            parts: Vec::new(),
            snapshot_id: hex(&random_bytes::<16>()?),
            signing_key,
            created,
            not_after,
            drill,
            emergency,
            label: serde_json::Value::Null,
        });
        Ok(writer)
    }

    /// Streams one part from `src` into the snapshot. Part names must be unique.
    pub fn add_part(&mut self, name: &str, src: &mut dyn Read) -> Result<PartInfo, VaultError> {
        let state = self.state.as_ref().ok_or(VaultError::WriterFailed)?;
        if state.parts.iter().any(|p| p.name == name) {
            return Err(VaultError::DuplicatePart { name: name.into() });
        }
        // A failure mid-part leaves half a part in the encrypted stream, which cannot be taken
        // back: the writer is spent (state dropped) and the temporary file goes with it.
        let mut state = self.state.take().ok_or(VaultError::WriterFailed)?;
        let info = state.add_part(name, src, &self.temp)?;
        self.state = Some(state);
        Ok(info)
    }

    /// [`SnapshotWriter::add_part`] from memory.
    pub fn add_part_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<PartInfo, VaultError> {
        self.add_part(name, &mut io::Cursor::new(bytes))
    }

    /// Sets the envelope's plaintext label (see [`crate::Outline::label`]): what a viewer shows before
    /// anything is unlocked. It is signed but not encrypted, so it must hold no patient data.
    pub fn set_label(&mut self, label: serde_json::Value) -> Result<(), VaultError> {
        let state = self.state.as_mut().ok_or(VaultError::WriterFailed)?;
        state.label = label;
        Ok(())
    }

    /// Writes the block-hash table, the manifest (holding `app`) and the trailer, signs, syncs and
    /// renames the file to its final name.
    pub fn finish(mut self, app: serde_json::Value) -> Result<Written, VaultError> {
        let state = self.state.take().ok_or(VaultError::WriterFailed)?;
        let (bytes, snapshot_id, digest) = state.seal(app, &self.temp)?;
        if fs::symlink_metadata(&self.out).is_ok() {
            return Err(VaultError::OutputExists {
                path: self.out.clone(),
            });
        }
        fs::rename(&self.temp, &self.out).map_err(|e| VaultError::writing(&self.out, e))?;
        self.renamed = true;
        sync_parent_dir(&self.out)?;
        Ok(Written {
            path: self.out.clone(),
            bytes,
            snapshot_id,
            digest,
        })
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if !self.renamed {
            self.state = None;
            let _ = fs::remove_file(&self.temp);
        }
    }
}

impl Writing {
    fn add_part(
        &mut self,
        name: &str,
        src: &mut dyn Read,
        temp: &Path,
    ) -> Result<PartInfo, VaultError> {
        let write_err = |e| VaultError::writing(temp, e);
        self.pad_to_block().map_err(write_err)?;
        let offset = self.offset;
        let mut hasher = Sha256::new();
        let mut len = 0u64;
        // Part bytes are patient data: wipe the staging buffer afterwards.
        let mut buf = Zeroizing::new(vec![0u8; BLOCK]);
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(VaultError::PartSource {
                        name: name.into(),
                        source,
                    });
                }
            };
            let Some(chunk) = buf.get(..n) else {
                return Err(VaultError::PartSource {
                    name: name.into(),
                    source: io::Error::other("the source reported more bytes than it was given"),
                });
            };
            hasher.update(chunk);
            self.write_hashed(chunk).map_err(write_err)?;
            len += n as u64;
        }
        let entry = PartEntry {
            name: name.into(),
            offset,
            len,
            sha256: hex(&hasher.finalize()),
        };
        self.parts.push(entry.clone());
        Ok(entry)
    }

    /// Plaintext that the block hashes cover: parts and the padding between them.
    fn write_hashed(&mut self, data: &[u8]) -> io::Result<()> {
        let mut rest = data;
        while !rest.is_empty() {
            let take = (BLOCK - self.block_filled).min(rest.len());
            let (now, later) = rest.split_at(take);
            self.block_hasher.update(now);
            self.stream.write_all(now)?;
            self.block_filled += take;
            self.offset += take as u64;
            if self.block_filled == BLOCK {
                self.block_hashes
                    .push(self.block_hasher.finalize_reset().into());
                self.block_filled = 0;
            }
            rest = later;
        }
        Ok(())
    }

    /// Parts start on a block boundary, so a block never mixes two parts and a part's block
    /// index is simple arithmetic.
    fn pad_to_block(&mut self) -> io::Result<()> {
        let pad = (BLOCK - self.block_filled) % BLOCK;
        self.write_hashed(&ZEROS[..pad])
    }

    /// Plaintext after the hashed blocks: table, manifest, trailer.
    fn write_unhashed(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data)?;
        self.offset += data.len() as u64;
        Ok(())
    }

    /// Everything after the last part; returns the file length and the snapshot ID.
    fn seal(
        mut self,
        app: serde_json::Value,
        temp: &Path,
    ) -> Result<(u64, String, String), VaultError> {
        let write_err = |e| VaultError::writing(temp, e);
        self.pad_to_block().map_err(write_err)?;

        let table = BlockHashes {
            offset: self.offset,
            count: self.block_hashes.len() as u64,
        };
        let hashes = std::mem::take(&mut self.block_hashes);
        let mut page_hashes = Vec::new();
        for page in hashes.chunks(HASHES_PER_PAGE as usize) {
            let bytes = page.concat();
            page_hashes.push(hex(&sha256(&bytes)));
            self.write_unhashed(&bytes).map_err(write_err)?;
        }

        let manifest_offset = self.offset;
        let manifest = Manifest {
            format_version: FORMAT_VERSION,
            snapshot_id: self.snapshot_id.clone(),
            created: self.created,
            not_before: self.created,
            not_after: self.not_after,
            drill: self.drill,
            app,
            block_size: BLOCK as u64,
            parts: std::mem::take(&mut self.parts),
            block_hashes: table,
            page_hashes,
        };
        let manifest_bytes =
            serde_json::to_vec(&manifest).map_err(|e| VaultError::InvalidOptions {
                reason: format!("the application manifest cannot be serialised: {e}"),
            })?;
        let trailer = Trailer {
            manifest_offset,
            manifest_len: manifest_bytes.len() as u64,
            signature: self.signing_key.sign(&manifest_bytes),
        };
        self.write_unhashed(&manifest_bytes).map_err(write_err)?;
        self.write_unhashed(&trailer.encode()).map_err(write_err)?;
        let Writing {
            stream,
            mut file,
            age_header_len,
            ..
        } = self;
        let mut end = stream.finish().map_err(write_err)?;
        let file_len = end.stream_position().map_err(write_err)?;
        drop(end);

        let mut age_header = vec![0u8; usize::try_from(age_header_len).unwrap_or(usize::MAX)];
        file.seek(SeekFrom::Start(ENVELOPE_LEN as u64))
            .and_then(|_| file.read_exact(&mut age_header))
            .map_err(|e| VaultError::reading(temp, e))?;
        let envelope = Envelope {
            format_version: FORMAT_VERSION,
            snapshot_id: manifest.snapshot_id.clone(),
            created: manifest.created,
            not_before: manifest.not_before,
            not_after: manifest.not_after,
            drill: manifest.drill,
            file_len,
            age_header_len,
            age_header_sha256: hex(&sha256(&age_header)),
            manifest_sha256: hex(&sha256(&manifest_bytes)),
            emergency: self.emergency,
            signer: self.signing_key.trusted_key().to_string(),
            label: self.label,
        };
        let (envelope_bytes, digest) = envelope.encode_with_digest(&self.signing_key)?;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&envelope_bytes))
            .and_then(|()| file.sync_all())
            .map_err(write_err)?;
        Ok((file_len, manifest.snapshot_id, digest))
    }
}

/// age forbids an scrypt recipient beside others in one header, so the passphrase protects a
/// fresh X25519 identity instead, which is a recipient of the snapshot like any device.
fn seal_emergency_identity(
    identity: &age::x25519::Identity,
    passphrase: SecretString,
    log_n: Option<u8>,
) -> Result<Emergency, VaultError> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    if let Some(log_n) = log_n {
        if !(1..=MAX_SCRYPT_LOG_N).contains(&log_n) {
            return Err(VaultError::InvalidOptions {
                reason: format!(
                    "the scrypt work factor must be between 1 and {MAX_SCRYPT_LOG_N}, not {log_n}"
                ),
            });
        }
        recipient.set_work_factor(log_n);
    }
    let encryptor = age::Encryptor::with_recipients(iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| VaultError::InvalidOptions {
            reason: format!("the passphrase cannot be used: {e}"),
        })?;
    let mut blob = Vec::new();
    let sealed = encryptor.wrap_output(&mut blob).and_then(|mut w| {
        w.write_all(identity.to_string().expose_secret().as_bytes())?;
        w.finish()
    });
    sealed.map_err(|e| VaultError::InvalidOptions {
        reason: format!("the emergency key cannot be sealed: {e}"),
    })?;
    Ok(Emergency {
        age_scrypt_blob: STANDARD.encode(blob),
    })
}

/// After a rename, sync the directory so the new name survives a power cut.
fn sync_parent_dir(path: &Path) -> Result<(), VaultError> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| VaultError::writing(dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
