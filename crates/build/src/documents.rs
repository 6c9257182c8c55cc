//! Extended-storage document files and their thumbnails: appended to two blob files, located by
//! `blob` rows in the clinical store.
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

pub struct Blobs {
    documents: BufWriter<File>,
    thumbnails: BufWriter<File>,
    documents_len: u64,
    thumbnails_len: u64,
    next_pk: i64,
    /// (pk, part, offset, len, media type) rows, written to SQLite by the caller's connection.
    pub rows: Vec<BlobRow>,
    files: u64,
    thumbnail_count: u64,
}

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
            next_pk: 1,
            rows: Vec::new(),
            files: 0,
            thumbnail_count: 0,
        })
    }

    /// Stores the files of one document (paths relative to `root`) and returns them with their blob
    /// numbers.
    pub fn store(
        &mut self,
        root: &Path,
        files: &[SourceFile],
    ) -> Result<Vec<DocumentFile>, BuildError> {
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let mut stored = DocumentFile {
                name: f.name.clone(),
                media_type: f.media_type.clone(),
                bytes: f.bytes,
                blob: None,
                thumbnail: None,
                note: None,
            };
            match std::fs::read(join_relative(root, &f.path)) {
                Ok(bytes) => {
                    stored.blob = Some(self.append_document(&bytes, &f.media_type)?);
                    stored.bytes = bytes.len() as u64;
                    if f.kind == DocumentFileKind::Image {
                        match thumbnail(&bytes) {
                            Ok(jpeg) => stored.thumbnail = Some(self.append_thumbnail(&jpeg)?),
                            Err(e) => stored.note = Some(format!("no thumbnail: {e}")),
                        }
                    }
                }
                Err(e) => stored.note = Some(format!("not readable at the hub: {e}")),
            }
            out.push(stored);
        }
        Ok(out)
    }

    fn append_document(&mut self, bytes: &[u8], media_type: &str) -> Result<i64, BuildError> {
        self.documents
            .write_all(bytes)
            .map_err(|source| BuildError::Io {
                what: "writing document blobs".into(),
                source,
            })?;
        let pk = self.row(
            parts::DOCUMENTS,
            self.documents_len,
            bytes.len(),
            media_type,
        );
        self.documents_len += bytes.len() as u64;
        self.files += 1;
        Ok(pk)
    }

    fn append_thumbnail(&mut self, jpeg: &[u8]) -> Result<i64, BuildError> {
        self.thumbnails
            .write_all(jpeg)
            .map_err(|source| BuildError::Io {
                what: "writing thumbnails".into(),
                source,
            })?;
        let pk = self.row(
            parts::THUMBNAILS,
            self.thumbnails_len,
            jpeg.len(),
            "image/jpeg",
        );
        self.thumbnails_len += jpeg.len() as u64;
        self.thumbnail_count += 1;
        Ok(pk)
    }

    fn row(&mut self, part: &'static str, offset: u64, len: usize, media_type: &str) -> i64 {
        let pk = self.next_pk;
        self.next_pk += 1;
        self.rows.push(BlobRow {
            pk,
            part,
            offset,
            len: len as u64,
            media_type: media_type.to_string(),
        });
        pk
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
