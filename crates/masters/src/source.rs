//! Reading a master file: its bytes, their SHA-256 digest, the text decoded from the published
//! encoding, and the CSV records line by line. A line that cannot be read is a [`Skipped`] entry in
//! the [`LoadReport`], never a panic and never the end of the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::MasterError;

/// The character encoding a master file is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// Shift_JIS as Windows writes it (CP932). `encoding_rs::SHIFT_JIS` is the WHATWG decoder, which
    /// is CP932 (NEC and IBM extensions included), so ① and ㈱ in drug names decode.
    ShiftJis,
    Utf8,
}

/// What loading one file gave: how many lines were read, how many became entries, how many were
/// the published file's own title rows above its header, and why the others were skipped (1-based
/// line numbers, as an editor shows them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    pub lines: usize,
    pub loaded: usize,
    /// Lines above the header row (the JSLM sheets' title, notes and blank row): expected, so not
    /// a skip to warn of.
    #[serde(default)]
    pub preamble: usize,
    pub skipped: Vec<Skipped>,
}

/// One line that did not become an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub line: usize,
    pub reason: String,
}

impl LoadReport {
    /// Counts line `line` of the file and gives its fields, or records why it cannot be read
    /// (a quote that does not close) and gives none.
    pub(crate) fn read(
        &mut self,
        line: usize,
        fields: Result<Vec<String>, String>,
    ) -> Option<Vec<String>> {
        self.lines += 1;
        fields.map_err(|reason| self.skip(line, reason)).ok()
    }

    pub(crate) fn skip(&mut self, line: usize, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            line,
            reason: reason.into(),
        });
    }
}

/// A master file read into memory: where it came from, its digest and its decoded text.
pub(crate) struct SourceText {
    pub path: PathBuf,
    pub sha256: String,
    pub encoding: TextEncoding,
    pub text: String,
    /// True when some bytes were not valid in the encoding and were replaced by U+FFFD.
    pub had_errors: bool,
}

pub(crate) fn read(path: &Path, encoding: TextEncoding) -> Result<SourceText, MasterError> {
    let bytes = std::fs::read(path).map_err(|source| MasterError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(decode(path, &bytes, encoding))
}

pub(crate) fn decode(path: &Path, bytes: &[u8], encoding: TextEncoding) -> SourceText {
    let sha256 = hex(&Sha256::digest(bytes));
    // A UTF-8 byte-order mark wins over the published encoding: someone re-saved the file.
    let (text, encoding, had_errors) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let (t, e) = encoding_rs::UTF_8.decode_without_bom_handling(rest);
        (t.into_owned(), TextEncoding::Utf8, e)
    } else {
        let codec = match encoding {
            TextEncoding::ShiftJis => encoding_rs::SHIFT_JIS,
            TextEncoding::Utf8 => encoding_rs::UTF_8,
        };
        let (t, e) = codec.decode_without_bom_handling(bytes);
        (t.into_owned(), encoding, e)
    };
    SourceText {
        path: path.to_path_buf(),
        sha256,
        encoding,
        text,
        had_errors,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The records of a CSV text: (1-based line number, fields). Blank lines are left out. A line whose
/// quotes do not close is an `Err` with the reason, for the caller's report.
pub(crate) fn records(text: &str) -> impl Iterator<Item = (usize, Result<Vec<String>, String>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, split_csv(l.trim_end_matches('\r'))))
}

/// Splits one CSV line: fields separated by commas, optionally in double quotes, `""` inside quotes
/// for a quote. The masters never put a line break inside a field.
pub(crate) fn split_csv(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
        } else {
            match c {
                ',' => {
                    fields.push(finish(&mut field, was_quoted));
                    was_quoted = false;
                }
                '"' if field.trim().is_empty() && !was_quoted => {
                    field.clear();
                    in_quotes = true;
                    was_quoted = true;
                }
                _ => field.push(c),
            }
        }
    }
    if in_quotes {
        return Err("a quoted field is not closed".into());
    }
    fields.push(finish(&mut field, was_quoted));
    Ok(fields)
}

fn finish(field: &mut String, quoted: bool) -> String {
    let f = std::mem::take(field);
    if quoted { f } else { f.trim().to_string() }
}

/// The digits in a file's name (without extension), as the version the publisher gave it:
/// `MEDIS20240930.TXT` → `20240930`, `nmain517.txt` → `517`, `1801jlac1.csv` → `1801` (the first
/// run of digits).
pub(crate) fn version_from_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    // The longest run of three or more digits: `MEDIS20240930` → 20240930, `nmain517` → 517, and
    // `jlac10_analyte` → none (the 10 of JLAC10 is the code's name, not a version).
    stem.split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 3)
        .fold(None, |best: Option<&str>, run| match best {
            Some(b) if b.len() >= run.len() => Some(b),
            _ => Some(run),
        })
        .map(str::to_owned)
}

/// Finds the column whose header equals one of `names`, after removing spaces and folding
/// full-width ASCII and parentheses, so `基準番号（ＨＯＴコード）` matches `基準番号(HOTコード)`.
pub(crate) fn column(header: &[String], names: &[&str]) -> Option<usize> {
    let wanted: Vec<String> = names.iter().map(|n| fold_header(n)).collect();
    header.iter().position(|h| wanted.contains(&fold_header(h)))
}

pub(crate) fn fold_header(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_and_doubled_quotes() {
        assert_eq!(
            split_csv(r#""a,b","say ""hi""",,plain "#).unwrap(),
            vec!["a,b", r#"say "hi""#, "", "plain"]
        );
    }

    #[test]
    fn an_open_quote_is_a_reason_not_a_panic() {
        assert!(split_csv(r#""never closed,1"#).is_err());
    }

    #[test]
    fn full_width_headers_match_half_width_names() {
        let header = vec!["基準番号（ＨＯＴコード）".to_string()];
        assert_eq!(column(&header, &["基準番号(HOTコード)"]), Some(0));
    }

    #[test]
    fn version_is_the_longest_run_of_three_or_more_digits_in_the_name() {
        assert_eq!(
            version_from_name(Path::new("/x/MEDIS20240930_HOT9.TXT")).as_deref(),
            Some("20240930")
        );
        assert_eq!(
            version_from_name(Path::new("nmain517.txt")).as_deref(),
            Some("517")
        );
        assert_eq!(version_from_name(Path::new("master.csv")), None);
        assert_eq!(version_from_name(Path::new("jlac10-analyte.csv")), None);
        assert_eq!(
            version_from_name(Path::new("JLAC10_20240401.csv")).as_deref(),
            Some("20240401")
        );
    }
}
