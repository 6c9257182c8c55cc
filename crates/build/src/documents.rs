//! Extended-storage document files and their thumbnails: appended to two blob files, located by
//! `blob` rows in the clinical store.
//!
//! A file is read and its thumbnail made while the patient is prepared (in parallel, [`read_files`]);
//! its blob numbers are given in patient order ([`place`]), and its bytes are appended by the one
//! thread that writes the store ([`Blobs::append`]), so the blob files come out the same whatever
//! the parallelism.
//!
//! A file that cannot be read at the hub (gone, unreadable) does not stop the build: the document
//! keeps its metadata and the file carries a note saying why its bytes are missing.

use std::fs::File;
use std::io::{BufWriter, Cursor, Write};
use std::path::Path;

use fieldchart_reader::model::{DocumentFile as SourceFile, DocumentFileKind};
use fieldchart_storage::join_relative;
use fieldchart_store::parts;
use fieldchart_store::rows::DocumentFile;

use crate::BuildError;

/// Longest side of a thumbnail, in pixels.
const THUMBNAIL_SIDE: u32 = 256;

/// One file of a document as read at the hub, with its thumbnail, before it has blob numbers.
pub struct ReadFile {
    /// The stored file, its blob numbers still None.
    file: DocumentFile,
    /// None when the file could not be read (the note says why).
    bytes: Option<Vec<u8>>,
    thumbnail: Option<Vec<u8>>,
}

impl ReadFile {
    /// How many blobs the file takes: its bytes and its thumbnail, each when there is one.
    pub fn blob_count(&self) -> i64 {
        i64::from(self.bytes.is_some()) + i64::from(self.thumbnail.is_some())
    }

    /// The file's bytes; None when they could not be read at the hub.
    pub fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_deref()
    }
}

/// Reads the files of one document (paths relative to `root`) and makes the thumbnails of its images.
pub fn read_files(root: &Path, files: &[SourceFile]) -> Vec<ReadFile> {
    files
        .iter()
        .map(|f| {
            let mut read = ReadFile {
                file: DocumentFile {
                    name: f.name.clone(),
                    media_type: f.media_type.clone(),
                    bytes: f.bytes,
                    blob: None,
                    thumbnail: None,
                    note: None,
                },
                bytes: None,
                thumbnail: None,
            };
            match std::fs::read(join_relative(root, &f.path)) {
                Ok(bytes) => {
                    read.file.bytes = bytes.len() as u64;
                    if f.kind == DocumentFileKind::Image {
                        match thumbnail(&bytes) {
                            Ok(jpeg) => read.thumbnail = Some(jpeg),
                            Err(e) => read.file.note = Some(format!("no thumbnail: {e}")),
                        }
                    }
                    read.bytes = Some(bytes);
                }
                Err(e) => read.file.note = Some(format!("not readable at the hub: {e}")),
            }
            read
        })
        .collect()
}

/// A blob waiting to be appended, with the number its row will have.
pub struct PendingBlob {
    pk: i64,
    part: &'static str,
    bytes: Vec<u8>,
    media_type: String,
}

/// Numbers the blobs of one document's files from `next` (file by file: its bytes, then its
/// thumbnail) and returns the files as stored; their bytes are queued on `pending` in that order.
pub fn place(
    files: Vec<ReadFile>,
    next: &mut i64,
    pending: &mut Vec<PendingBlob>,
) -> Vec<DocumentFile> {
    let mut number = |part, bytes, media_type: &str| {
        let pk = *next;
        *next += 1;
        pending.push(PendingBlob {
            pk,
            part,
            bytes,
            media_type: media_type.to_string(),
        });
        pk
    };
    files
        .into_iter()
        .map(|read| {
            let mut file = read.file;
            if let Some(bytes) = read.bytes {
                file.blob = Some(number(parts::DOCUMENTS, bytes, &file.media_type));
            }
            if let Some(jpeg) = read.thumbnail {
                file.thumbnail = Some(number(parts::THUMBNAILS, jpeg, "image/jpeg"));
            }
            file
        })
        .collect()
}

pub struct Blobs {
    documents: BufWriter<File>,
    thumbnails: BufWriter<File>,
    documents_len: u64,
    thumbnails_len: u64,
    files: u64,
    thumbnail_count: u64,
}

/// Where a blob was appended: a `blob` row, written by the caller's connection.
pub struct BlobRow {
    pub pk: i64,
    pub part: &'static str,
    pub offset: u64,
    pub len: u64,
    pub media_type: String,
}

pub struct BlobTotals {
    pub files: u64,
    pub bytes: u64,
    pub thumbnails: u64,
}

fn create(path: &Path) -> Result<BufWriter<File>, BuildError> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|source| BuildError::Io {
            what: format!("creating {}", path.display()),
            source,
        })
}

impl Blobs {
    pub fn create(dir: &Path) -> Result<Blobs, BuildError> {
        Ok(Blobs {
            documents: create(&dir.join("documents.bin"))?,
            thumbnails: create(&dir.join("thumbnails.bin"))?,
            documents_len: 0,
            thumbnails_len: 0,
            files: 0,
            thumbnail_count: 0,
        })
    }

    /// Appends one blob to its part's file and returns its row.
    pub fn append(&mut self, blob: PendingBlob) -> Result<BlobRow, BuildError> {
        let (writer, len, count, what) = if blob.part == parts::THUMBNAILS {
            (
                &mut self.thumbnails,
                &mut self.thumbnails_len,
                &mut self.thumbnail_count,
                "writing thumbnails",
            )
        } else {
            (
                &mut self.documents,
                &mut self.documents_len,
                &mut self.files,
                "writing document blobs",
            )
        };
        writer
            .write_all(&blob.bytes)
            .map_err(|source| BuildError::Io {
                what: what.into(),
                source,
            })?;
        let offset = *len;
        *len += blob.bytes.len() as u64;
        *count += 1;
        Ok(BlobRow {
            pk: blob.pk,
            part: blob.part,
            offset,
            len: blob.bytes.len() as u64,
            media_type: blob.media_type,
        })
    }

    pub fn finish(mut self) -> Result<BlobTotals, BuildError> {
        for w in [&mut self.documents, &mut self.thumbnails] {
            w.flush().map_err(|source| BuildError::Io {
                what: "writing document blobs".into(),
                source,
            })?;
        }
        Ok(BlobTotals {
            files: self.files,
            bytes: self.documents_len,
            thumbnails: self.thumbnail_count,
        })
    }
}

/// A JPEG thumbnail no larger than [`THUMBNAIL_SIDE`] on its longest side.
fn thumbnail(bytes: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    let img = image::load_from_memory(bytes)?;
    let small = img.thumbnail(THUMBNAIL_SIDE, THUMBNAIL_SIDE).to_rgb8();
    let mut out = Cursor::new(Vec::new());
    small.write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}
