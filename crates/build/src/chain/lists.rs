//! A patient's file and folder lists as the hub's state stores them.
//!
//! Every night looks at every kept list: a no-change night at 100,000 patients reads about two
//! million entries back. Those lists were JSON in a zstd frame, and taking them apart (zstd's
//! tables, JSON's strings, one allocation per name) was a seventh of the night. So they are now a
//! small binary form that [`for_each_file`] and [`for_each_folder`] walk in place, one name at a
//! time, with nothing allocated but one buffer:
//!
//! ```text
//! list    = MAGIC kind count entry*          (kind: b'f' for files, b'd' for folders)
//! files   : entry = name size:varint mtime:zigzag hash
//! folders : tops:count (len:varint bytes)* then entry = name mtime:zigzag
//! name    = shared:varint len:varint bytes   (front coded: `shared` bytes of the name before)
//! hash    = 0 and 32 bytes (a SHA-256), or 1 len:varint bytes (anything else, such as "unreadable")
//! ```
//!
//! Names are sorted in both lists, so front coding keeps them short. A list that does not start
//! with [`MAGIC`] is the older zstd-framed JSON and is still read. Reading never panics: a list
//! that is cut short or malformed is an error, and its patient is walked again.

use super::{FileMeta, FolderList, unpack};
use crate::BuildError;

/// The first bytes of a list in this form (a zstd frame starts `28 b5 2f fd`).
pub(super) const MAGIC: &[u8; 4] = b"FCL\x01";

const FILES: u8 = b'f';
const FOLDERS: u8 = b'd';

/// The longest name a list may hold; a larger length is a malformed list.
const MAX_NAME: usize = 64 * 1024;

pub(super) fn pack_files(files: &[FileMeta]) -> Vec<u8> {
    let mut out = header(FILES, files.len());
    let mut before = "";
    for f in files {
        name(&mut out, before, &f.p);
        varint(&mut out, f.s);
        varint(&mut out, zigzag(f.m));
        match hex32(&f.h) {
            Some(raw) => {
                out.push(0);
                out.extend_from_slice(&raw);
            }
            None => {
                out.push(1);
                varint(&mut out, f.h.len() as u64);
                out.extend_from_slice(f.h.as_bytes());
            }
        }
        before = &f.p;
    }
    out
}

pub(super) fn pack_folders(list: &FolderList) -> Vec<u8> {
    let mut out = header(FOLDERS, list.tops.len());
    for top in &list.tops {
        varint(&mut out, top.len() as u64);
        out.extend_from_slice(top.as_bytes());
    }
    varint(&mut out, list.all.len() as u64);
    let mut before = "";
    for (p, m) in &list.all {
        name(&mut out, before, p);
        varint(&mut out, zigzag(*m));
        before = p;
    }
    out
}

/// Calls `each(name, size, mtime)` for every kept file, in order, until it answers false.
/// Answers whether every call answered true.
pub(super) fn for_each_file(
    bytes: &[u8],
    mut each: impl FnMut(&str, u64, i64) -> bool,
) -> Result<bool, BuildError> {
    if !bytes.starts_with(MAGIC) {
        let files: Vec<FileMeta> = unpack(bytes)?;
        return Ok(files.iter().all(|f| each(&f.p, f.s, f.m)));
    }
    let mut r = Reader::new(bytes, FILES)?;
    let count = r.count()?;
    let mut path = String::new();
    for _ in 0..count {
        r.name(&mut path)?;
        let size = r.varint()?;
        let mtime = unzigzag(r.varint()?);
        r.hash(None)?;
        if !each(&path, size, mtime) {
            return Ok(false);
        }
    }
    r.end()?;
    Ok(true)
}

/// Hands a folder list's tops to `tops`, which answers with what the folders are looked at with
/// (or `None`: not the same patient folders). Then calls `each(with, name, mtime)` for every
/// folder, in order, until it answers false. Answers `with` when every call answered true.
pub(super) fn for_each_folder<C>(
    bytes: &[u8],
    tops: impl FnOnce(&[&str]) -> Option<C>,
    mut each: impl FnMut(&C, &str, i64) -> bool,
) -> Result<Option<C>, BuildError> {
    if !bytes.starts_with(MAGIC) {
        let list: FolderList = unpack(bytes)?;
        let names: Vec<&str> = list.tops.iter().map(String::as_str).collect();
        let Some(with) = tops(&names) else {
            return Ok(None);
        };
        let same = list.all.iter().all(|(p, m)| each(&with, p, *m));
        return Ok(same.then_some(with));
    }
    let mut r = Reader::new(bytes, FOLDERS)?;
    let count = r.count()?;
    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        names.push(r.plain()?);
    }
    let Some(with) = tops(&names) else {
        return Ok(None);
    };
    let count = r.count()?;
    let mut path = String::new();
    for _ in 0..count {
        r.name(&mut path)?;
        if !each(&with, &path, unzigzag(r.varint()?)) {
            return Ok(None);
        }
    }
    r.end()?;
    Ok(Some(with))
}

pub(super) fn unpack_files(bytes: &[u8]) -> Result<Vec<FileMeta>, BuildError> {
    if !bytes.starts_with(MAGIC) {
        return unpack(bytes);
    }
    let mut r = Reader::new(bytes, FILES)?;
    let count = r.count()?;
    let mut files = Vec::with_capacity(count);
    let mut path = String::new();
    for _ in 0..count {
        r.name(&mut path)?;
        let s = r.varint()?;
        let m = unzigzag(r.varint()?);
        let mut h = String::new();
        r.hash(Some(&mut h))?;
        files.push(FileMeta {
            p: path.clone(),
            s,
            m,
            h,
        });
    }
    r.end()?;
    Ok(files)
}

pub(super) fn unpack_folders(bytes: &[u8]) -> Result<FolderList, BuildError> {
    let mut all = Vec::new();
    let tops = for_each_folder(
        bytes,
        |names| Some(names.iter().map(|n| n.to_string()).collect()),
        |_, p, m| {
            all.push((p.to_string(), m));
            true
        },
    )?;
    Ok(FolderList {
        tops: tops.unwrap_or_default(),
        all,
    })
}

fn header(kind: u8, count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 48 * count);
    out.extend_from_slice(MAGIC);
    out.push(kind);
    varint(&mut out, count as u64);
    out
}

fn name(out: &mut Vec<u8>, before: &str, now: &str) {
    let shared = before
        .bytes()
        .zip(now.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    // Split only on a character boundary, so every suffix is UTF-8 of its own.
    let shared = (0..=shared)
        .rev()
        .find(|i| now.is_char_boundary(*i))
        .unwrap_or(0);
    varint(out, shared as u64);
    varint(out, (now.len() - shared) as u64);
    out.extend_from_slice(&now.as_bytes()[shared..]);
}

fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// The 32 bytes of a SHA-256 written as 64 lowercase hex digits, as the state's hashes are.
fn hex32(h: &str) -> Option<[u8; 32]> {
    let digits = h.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut raw = [0u8; 32];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        raw[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(raw)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], kind: u8) -> Result<Self, BuildError> {
        let mut r = Reader {
            bytes,
            at: MAGIC.len(),
        };
        if r.byte()? != kind {
            return Err(malformed("a list of another kind"));
        }
        Ok(r)
    }

    fn byte(&mut self) -> Result<u8, BuildError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| malformed("cut short"))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], BuildError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| malformed("cut short"))?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn varint(&mut self) -> Result<u64, BuildError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(malformed("a number longer than 64 bits"))
    }

    /// A count of entries, each at least a byte, so a count larger than what is left is an error
    /// before anything is allocated for it.
    fn count(&mut self) -> Result<usize, BuildError> {
        let n = self.varint()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len() - self.at)
            .ok_or_else(|| malformed("a count larger than the list"))
    }

    fn length(&mut self) -> Result<usize, BuildError> {
        usize::try_from(self.varint()?)
            .ok()
            .filter(|n| *n <= MAX_NAME)
            .ok_or_else(|| malformed("a name too long"))
    }

    fn plain(&mut self) -> Result<&'a str, BuildError> {
        let n = self.length()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| malformed("a name that is not UTF-8"))
    }

    /// The next front-coded name, in place of the one before in `path`.
    fn name(&mut self, path: &mut String) -> Result<(), BuildError> {
        let shared = self.length()?;
        if shared > path.len() || !path.is_char_boundary(shared) {
            return Err(malformed("a name sharing more than the one before"));
        }
        let n = self.length()?;
        let rest = std::str::from_utf8(self.take(n)?)
            .map_err(|_| malformed("a name that is not UTF-8"))?;
        path.truncate(shared);
        path.push_str(rest);
        Ok(())
    }

    /// A file's hash, written as hex into `into`, or skipped when it is `None`.
    fn hash(&mut self, into: Option<&mut String>) -> Result<(), BuildError> {
        match self.byte()? {
            0 => {
                let raw = self.take(32)?;
                if let Some(h) = into {
                    h.clear();
                    for b in raw {
                        h.push(char::from(HEX[usize::from(b >> 4)]));
                        h.push(char::from(HEX[usize::from(b & 15)]));
                    }
                }
            }
            1 => {
                let n = self.length()?;
                let text = std::str::from_utf8(self.take(n)?)
                    .map_err(|_| malformed("a hash that is not UTF-8"))?;
                if let Some(h) = into {
                    text.clone_into(h);
                }
            }
            _ => return Err(malformed("a hash of an unknown form")),
        }
        Ok(())
    }

    fn end(&self) -> Result<(), BuildError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(malformed("bytes after its last entry"))
        }
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn malformed(why: &str) -> BuildError {
    BuildError::Io {
        what: "the state's file list".into(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(p: &str, s: u64, m: i64, h: &str) -> FileMeta {
        FileMeta {
            p: p.into(),
            s,
            m,
            h: h.into(),
        }
    }

    #[test]
    fn a_file_list_comes_back_as_it_went_in_and_shorter_than_its_json() {
        let h = "a".repeat(64);
        let files = vec![
            file(
                "0:001/001/0010018347/-/ADT-00/0010018347_-_ADT-00_999999999999999_20170717082451800_-_1",
                512,
                1_700_000_000_123_456_789,
                &h,
            ),
            file(
                "0:001/001/0010018347/20261013/OML-01/0010018347_20261013_OML-01_001000018348010_20261013084326915_01_1",
                2048,
                -1,
                "unreadable",
            ),
            file(
                "1:001/001/0010018347/20261013/画像/紹介状.pdf",
                u64::MAX,
                i64::MIN,
                &h,
            ),
        ];
        let packed = pack_files(&files);
        assert_eq!(unpack_files(&packed).unwrap(), files);
        let json = serde_json::to_vec(&files).unwrap();
        assert!(
            packed.len() < json.len(),
            "{} vs {}",
            packed.len(),
            json.len()
        );
        let mut seen = Vec::new();
        assert!(
            for_each_file(&packed, |p, s, m| {
                seen.push((p.to_string(), s, m));
                true
            })
            .unwrap()
        );
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[1], (files[1].p.clone(), 2048, -1));
        // The walk stops at the first answer of no.
        let mut calls = 0;
        assert!(
            !for_each_file(&packed, |_, _, _| {
                calls += 1;
                false
            })
            .unwrap()
        );
        assert_eq!(calls, 1);
    }

    #[test]
    fn a_list_the_state_wrote_before_is_still_read() {
        let files = vec![file("0:a/b", 1, 2, &"0".repeat(64))];
        let old = super::super::pack(&files).unwrap();
        assert!(!old.starts_with(MAGIC));
        assert_eq!(unpack_files(&old).unwrap(), files);
        let folders = FolderList {
            tops: vec!["0:a".into()],
            all: vec![("0:a".into(), 5), ("0:a/b".into(), -1)],
        };
        let old = super::super::pack(&folders).unwrap();
        assert_eq!(unpack_folders(&old).unwrap(), folders);
    }

    #[test]
    fn a_folder_list_checks_its_tops_before_any_folder() {
        let folders = FolderList {
            tops: vec!["0:001/001/0010018347".into(), "1:001/001/0010018347".into()],
            all: vec![
                ("0:001/001/0010018347".into(), 10),
                ("0:001/001/0010018347/-".into(), 11),
                ("1:001/001/0010018347".into(), -1),
            ],
        };
        let packed = pack_folders(&folders);
        assert_eq!(unpack_folders(&packed).unwrap(), folders);
        let mut looked = 0;
        let mut tops_seen = Vec::new();
        let same = for_each_folder(
            &packed,
            |tops| {
                tops_seen = tops.iter().map(|t| t.to_string()).collect();
                None::<()>
            },
            |_, _, _| {
                looked += 1;
                true
            },
        )
        .unwrap();
        assert!(same.is_none());
        assert_eq!(looked, 0);
        assert_eq!(tops_seen, folders.tops);
        // Every folder is handed on, with what the tops answered.
        let with = for_each_folder(
            &packed,
            |_| Some(7),
            |w, _, _| {
                looked += *w;
                true
            },
        )
        .unwrap();
        assert_eq!((with, looked), (Some(7), 21));
        // A file list is not a folder list.
        assert!(unpack_folders(&pack_files(&[])).is_err());
    }

    proptest! {
        #[test]
        fn any_lists_round_trip(
            mut names in proptest::collection::vec("[0-9a-z_/:\\-]{0,40}|\\PC{0,12}", 0..20),
            sizes in proptest::collection::vec(any::<u64>(), 20),
            times in proptest::collection::vec(any::<i64>(), 20),
            raw in proptest::collection::vec(any::<bool>(), 20),
        ) {
            names.sort();
            let files: Vec<FileMeta> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let h = if raw[i] { format!("{:064x}", sizes[i]) } else { n.clone() };
                    file(n, sizes[i], times[i], &h)
                })
                .collect();
            prop_assert_eq!(unpack_files(&pack_files(&files)).unwrap(), files);
            let folders = FolderList {
                tops: names.iter().take(3).cloned().collect(),
                all: names.iter().cloned().zip(times.iter().copied()).collect(),
            };
            prop_assert_eq!(unpack_folders(&pack_folders(&folders)).unwrap(), folders);
        }

        #[test]
        fn any_bytes_are_read_without_a_panic(
            tail in proptest::collection::vec(any::<u8>(), 0..200),
            kind in prop_oneof![Just(b'f'), Just(b'd'), any::<u8>()],
        ) {
            let mut bytes = MAGIC.to_vec();
            bytes.push(kind);
            bytes.extend_from_slice(&tail);
            let _ = unpack_files(&bytes);
            let _ = unpack_folders(&bytes);
            let _ = for_each_file(&bytes, |_, _, _| true);
            let _ = for_each_folder(&bytes, |_| Some(()), |_, _, _| true);
            let _ = unpack_files(&tail);
        }

        #[test]
        fn a_cut_list_is_an_error(cut in 0usize..400) {
            let h = "b".repeat(64);
            let files: Vec<FileMeta> = (0..5).map(|i| file(&format!("0:p/{i}"), i, -(i as i64), &h)).collect();
            let packed = pack_files(&files);
            let cut = cut % packed.len();
            prop_assert!(unpack_files(&packed[..cut]).is_err());
        }
    }
}
