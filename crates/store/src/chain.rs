//! A chain on a laptop's disk: which files make up one snapshot (a base, then its layers in order).
//!
//! The chain file (`NAME.fcchain`, JSON) lists the files by name, base first, all in the chain
//! file's own folder. It is not signed and need not be: every file is signed, and each layer names
//! the digest of its base and of the file before it (see [`crate::manifest::ChainLink`]), which the
//! session checks on opening, so a chain file that lists the wrong files cannot open. It is the one
//! thing a sync changes to switch a laptop to a new chain, by writing a new one beside it and
//! renaming it over the old one.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::manifest::ChainLink;

/// The extension of a chain file.
pub const EXTENSION: &str = "fcchain";
/// The `format` a chain file states.
pub const FORMAT: &str = "fieldchart-chain-1";
/// A chain file is a short list of names; anything larger is not one.
const MAX_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainFile {
    pub format: String,
    /// File names in the chain file's folder, base first.
    pub files: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChainFileError {
    #[error("cannot read the chain file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a FieldChart chain file: {reason}", path.display())]
    Invalid { path: PathBuf, reason: String },
}

impl ChainFile {
    pub fn new(files: Vec<String>) -> ChainFile {
        ChainFile {
            format: FORMAT.to_string(),
            files,
        }
    }

    /// Whether `path` names a chain file (by its extension).
    pub fn is_chain_path(path: &Path) -> bool {
        path.extension().is_some_and(|e| e == EXTENSION)
    }

    /// Reads a chain file and returns the full paths of its files, base first. Only a regular file
    /// is read (a named pipe is refused without blocking), and only so much of it.
    pub fn read(path: &Path) -> Result<(ChainFile, Vec<PathBuf>), ChainFileError> {
        let io = |source| ChainFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let invalid = |reason: String| ChainFileError::Invalid {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(invalid("it is not a regular file".into()));
        }
        let file = std::fs::File::open(path).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(invalid("it is far too large".into()));
        }
        let chain: ChainFile =
            serde_json::from_slice(&bytes).map_err(|e| invalid(format!("{e}")))?;
        if chain.format != FORMAT {
            return Err(invalid(format!(
                "its format is {:?}; this FieldChart reads {FORMAT:?}",
                chain.format
            )));
        }
        if chain.files.is_empty() {
            return Err(invalid("it lists no files".into()));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut paths = Vec::with_capacity(chain.files.len());
        for name in &chain.files {
            if !is_plain_name(name) {
                return Err(invalid(format!(
                    "{name:?} is not a file name in the chain file's folder"
                )));
            }
            paths.push(dir.join(name));
        }
        Ok((chain, paths))
    }

    /// Writes the chain file at `path` in one step: a temporary file beside it, synced, then
    /// renamed over `path` and the folder synced. A power cut leaves the old chain file or the
    /// new one, never a mix.
    pub fn write_atomically(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let temp = dir.join(format!(".{name}.new"));
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        {
            let mut f = std::fs::File::create(&temp)?;
            f.write_all(&json)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
        }
        std::fs::rename(&temp, path)?;
        std::fs::File::open(dir)?.sync_all()
    }
}

/// One file of a chain as [`check_links`] sees it: a name to speak of it by, its digest
/// (`fieldchart_vault::Outline::digest`) and the link its manifest signed.
pub struct Link<'a> {
    pub name: String,
    pub digest: &'a str,
    pub chain: Option<&'a ChainLink>,
}

/// Checks that files (base first) make one chain: each layer's sequence is its place, and it names
/// the base's digest and the previous file's. A single file of any kind passes. The error says
/// which file does not follow, in words for the person syncing or opening.
pub fn check_links(files: &[Link<'_>]) -> Result<(), String> {
    let Some(base) = files.first() else {
        return Err("the chain lists no files".into());
    };
    if files.len() > 1 && base.chain.is_none_or(|c| c.sequence != 0) {
        return Err(format!(
            "{} is not the base of a chain, so no layer can be applied to it",
            base.name
        ));
    }
    for (i, pair) in files.windows(2).enumerate() {
        let (before, layer) = (&pair[0], &pair[1]);
        let Some(link) = layer.chain else {
            return Err(format!(
                "{} is not a layer, yet the chain lists it after another file",
                layer.name
            ));
        };
        let expected = i as u32 + 1;
        if link.sequence != expected {
            return Err(format!(
                "{} is layer {} of its chain, but the chain lists it as layer {expected}",
                layer.name, link.sequence
            ));
        }
        if link.base.as_deref() != Some(base.digest) {
            return Err(format!(
                "{} was built on another base than {}: it belongs to another chain",
                layer.name, base.name
            ));
        }
        if link.previous.as_deref() != Some(before.digest) {
            return Err(format!(
                "{} does not follow {}: it belongs to another chain (or a layer between them is missing)",
                layer.name, before.name
            ));
        }
    }
    Ok(())
}

/// A name that stays inside one folder: no separator, not `.` or `..`, not hidden, not empty.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains('/')
        && !name.contains('\\')
        && !name.contains('\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_file_reads_back_its_files_in_order_beside_it() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("region.fcchain");
        ChainFile::new(vec!["base.fcs".into(), "layer-1.fcs".into()])
            .write_atomically(&path)
            .expect("writes");
        let (_, paths) = ChainFile::read(&path).expect("reads");
        assert_eq!(
            paths,
            vec![dir.path().join("base.fcs"), dir.path().join("layer-1.fcs")]
        );
    }

    fn link(sequence: u32, base: Option<&str>, previous: Option<&str>) -> ChainLink {
        ChainLink {
            sequence,
            base: base.map(str::to_string),
            previous: previous.map(str::to_string),
            layer_patients: 1,
            tombstones: 0,
        }
    }

    fn files<'a>(v: &[(&'a str, &'a ChainLink)]) -> Vec<Link<'a>> {
        v.iter()
            .map(|(d, c)| Link {
                name: format!("file {d}"),
                digest: d,
                chain: Some(*c),
            })
            .collect()
    }

    #[test]
    fn layers_follow_their_base_and_each_other_or_the_chain_is_refused() {
        let b = link(0, None, None);
        let l1 = link(1, Some("B"), Some("B"));
        let l2 = link(2, Some("B"), Some("L1"));
        let other = link(1, Some("OTHER"), Some("OTHER"));
        let swapped = link(1, Some("B"), Some("NOT-B"));
        assert!(check_links(&files(&[("B", &b), ("L1", &l1), ("L2", &l2)])).is_ok());
        assert!(check_links(&files(&[("B", &b)])).is_ok(), "a base alone");
        let gap = check_links(&files(&[("B", &b), ("L2", &l2)])).unwrap_err();
        assert!(
            gap.contains("layer 2") && gap.contains("as layer 1"),
            "{gap}"
        );
        let foreign = check_links(&files(&[("B", &b), ("X", &other)])).unwrap_err();
        assert!(foreign.contains("another base"), "{foreign}");
        let wrong = check_links(&files(&[("B", &b), ("X", &swapped)])).unwrap_err();
        assert!(wrong.contains("does not follow"), "{wrong}");
        let layer_first = check_links(&files(&[("L1", &l1), ("L2", &l2)])).unwrap_err();
        assert!(layer_first.contains("not the base"), "{layer_first}");
    }

    #[test]
    fn a_chain_file_naming_a_file_outside_its_folder_is_refused() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("region.fcchain");
        for bad in ["../base.fcs", "/etc/passwd", ".hidden.fcs", ""] {
            std::fs::write(
                &path,
                serde_json::to_vec(&ChainFile::new(vec![bad.into()])).expect("json"),
            )
            .expect("write");
            let err = ChainFile::read(&path).expect_err("refused");
            assert!(
                matches!(err, ChainFileError::Invalid { .. }),
                "{bad}: {err}"
            );
        }
        std::fs::write(&path, b"{\"format\":\"other\",\"files\":[\"a\"]}").expect("write");
        assert!(ChainFile::read(&path).is_err());
        std::fs::write(&path, b"not json").expect("write");
        assert!(ChainFile::read(&path).is_err());
    }
}
