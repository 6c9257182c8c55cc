//! A PAdES signature inside a PDF (JAHIS 17-004; ISO 32000-1 §12.8.1, ETSI EN 319 142-1): each
//! signature dictionary's `/Contents <hex>` is a detached CMS SignedData over the bytes its
//! `/ByteRange [a b c d]` names, which is the whole file as it was signed except the `/Contents`
//! string itself. The CMS is then checked as [`verify_detached`] checks a letter's.
//!
//! Why a scanner and not a PDF parser (lopdf): the check is over raw byte offsets, not over the
//! object model. What verifiers commonly do is find each `/ByteRange`, require the gap between its
//! two ranges to be exactly one hex string, and take that string as the signature. A scan reads an
//! incremental update (a later revision appended after the signed bytes) as it is, where a parser
//! would merge the revisions and hide the change that matters. Signers write the signature
//! dictionary uncompressed, because its offsets must be exact, so a scan finds it.
//!
//! The last signature (the one covering the most bytes) must cover the whole file: bytes after it
//! are a change after signing, and the document is then invalid. Earlier signatures cover earlier
//! revisions and must each verify over their own ranges.

use crate::cades::{Outcome, Trust, Verification, verify_detached};
use crate::der;

/// Checks the signatures in `pdf` against `trust`, as [`verify_detached`] does; a PDF without a
/// signature dictionary is [`Outcome::Unsigned`].
pub fn verify_pdf(pdf: &[u8], trust: &Trust, now: i64) -> Verification {
    // ISO 32000-1 §7.5.2 puts the header first; readers accept it within the first 1024 bytes.
    let head = &pdf[..pdf.len().min(1024)];
    if find(head, b"%PDF-", 0).is_none() {
        return Verification::failed(
            Outcome::Invalid,
            "the file is not a PDF (it has no %PDF- header)",
            None,
        );
    }
    let mut signatures = Vec::new();
    let mut from = 0;
    while let Some(at) = find(pdf, b"/ByteRange", from) {
        from = at + b"/ByteRange".len();
        if let Some(name) = sub_filter(pdf, at).filter(|n| !DETACHED_CMS.contains(n)) {
            return Verification::failed(
                Outcome::Invalid,
                format!(
                    "the signature's format /SubFilter /{} is not a detached CMS signature \
                     (PAdES: ETSI.CAdES.detached): FieldChart does not check it",
                    String::from_utf8_lossy(name)
                ),
                None,
            );
        }
        match byte_range(pdf, from) {
            Some(range) => signatures.push(range),
            None => {
                return Verification::failed(
                    Outcome::Invalid,
                    format!(
                        "the signature dictionary's /ByteRange at byte {at} is not four offsets within the file"
                    ),
                    None,
                );
            }
        }
    }
    if signatures.is_empty() {
        return Verification::unsigned();
    }
    let count = signatures.len();
    let mut last: Option<Verification> = None;
    let covered = signatures.iter().map(|r| r.end()).max().unwrap_or(0);
    for (i, range) in signatures.iter().enumerate() {
        let which = if count > 1 {
            format!("signature {} of {count}: ", i + 1)
        } else {
            String::new()
        };
        let v = verify_range(pdf, range, trust, now);
        if v.outcome != Outcome::Valid {
            return Verification {
                reason: v.reason.as_ref().map(|r| format!("{which}{r}")),
                ..v
            };
        }
        if range.end() == covered {
            last = Some(v);
        }
    }
    let Some(mut v) = last else {
        return Verification::failed(Outcome::Invalid, "no signature verified", None);
    };
    if covered != pdf.len() {
        // A PAdES-LTA document timestamp is appended after the signature, and would have to be
        // checked before the revision it closes could be accepted; it is not yet.
        let tail = &pdf[covered..];
        let why = if find(tail, b"/DocTimeStamp", 0).is_some() {
            "; the later revision holds a document timestamp (PAdES-LTA), which FieldChart does not \
             check yet"
        } else {
            ""
        };
        return Verification {
            outcome: Outcome::Invalid,
            reason: Some(format!(
                "the signature does not cover the whole file (the PDF was changed after signing: \
                 {} bytes after the signed ones{why})",
                tail.len()
            )),
            ..v
        };
    }
    if count > 1 {
        v.notes.push(format!(
            "the PDF carries {count} signatures, each over its own revision; all verify, and this \
             is the last (the whole file)"
        ));
    }
    v
}

/// The signature formats whose /Contents is a detached CMS SignedData over the byte range
/// (ISO 32000-2 §12.8.3; ETSI EN 319 142-1). adbe.pkcs7.sha1 (deprecated) signs a SHA-1 digest
/// instead, adbe.x509.rsa_sha1 is no CMS, and ETSI.RFC3161 is a document timestamp.
const DETACHED_CMS: [&[u8]; 2] = [b"adbe.pkcs7.detached", b"ETSI.CAdES.detached"];

/// The /SubFilter of the object holding the /ByteRange at `at`: the name after `/SubFilter`
/// between the object's `obj` and its `endobj`, if it has one.
fn sub_filter(pdf: &[u8], at: usize) -> Option<&[u8]> {
    let start = rfind(pdf.get(..at)?, b"obj").map_or(0, |p| p + 3);
    let end = find(pdf, b"endobj", at).unwrap_or(pdf.len());
    let object = pdf.get(start..end)?;
    let key = find(object, b"/SubFilter", 0)? + b"/SubFilter".len();
    let name_at = skip_space(object, key);
    if object.get(name_at) != Some(&b'/') {
        return None;
    }
    let name = object.get(name_at + 1..)?;
    let len = name
        .iter()
        .take_while(|b| !is_space(**b) && !b"/<>[]()".contains(b))
        .count();
    name.get(..len)
}

/// `/ByteRange [a b c d]`: the bytes `a..a+b` and `c..c+d`, with the signature's hex string in
/// between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ByteRange {
    first: (usize, usize),
    second: (usize, usize),
}

impl ByteRange {
    fn end(&self) -> usize {
        self.second.0 + self.second.1
    }
}

/// The array after `/ByteRange` at `from`, its offsets checked against the file: the first range
/// starts the file, the second follows the gap, both end within it.
fn byte_range(pdf: &[u8], from: usize) -> Option<ByteRange> {
    let mut at = skip_space(pdf, from);
    if pdf.get(at) != Some(&b'[') {
        return None;
    }
    at += 1;
    let mut n = [0usize; 4];
    for slot in &mut n {
        at = skip_space(pdf, at);
        let digits = pdf
            .get(at..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 15 {
            return None;
        }
        *slot = std::str::from_utf8(pdf.get(at..at + digits)?)
            .ok()?
            .parse()
            .ok()?;
        at += digits;
    }
    if pdf.get(skip_space(pdf, at)) != Some(&b']') {
        return None;
    }
    let [a, b, c, d] = n;
    let gap_start = a.checked_add(b)?;
    let end = c.checked_add(d)?;
    (a == 0 && gap_start < c && end <= pdf.len()).then_some(ByteRange {
        first: (a, b),
        second: (c, d),
    })
}

fn verify_range(pdf: &[u8], range: &ByteRange, trust: &Trust, now: i64) -> Verification {
    let (a, b) = range.first;
    let (c, d) = range.second;
    // The gap is the /Contents hex string, delimiters included (ISO 32000-1 §12.8.1).
    let gap = &pdf[a + b..c];
    let hex = match (gap.first(), gap.last()) {
        (Some(b'<'), Some(b'>')) if gap.len() >= 2 => &gap[1..gap.len() - 1],
        _ => {
            return Verification::failed(
                Outcome::Invalid,
                "the bytes the /ByteRange leaves out are not the signature's hex string: the \
                 signature does not cover the whole file except its own /Contents",
                None,
            );
        }
    };
    let Some(decoded) = hex_decode(hex) else {
        return Verification::failed(
            Outcome::Invalid,
            "the signature's /Contents is not a hex string",
            None,
        );
    };
    // The placeholder is padded with zeros after the DER signature: keep its first value only.
    let Some((signature, _, _)) = der::read_raw(&decoded) else {
        return Verification::failed(
            Outcome::Invalid,
            "the signature's /Contents is not a CMS signature (PAdES)",
            None,
        );
    };
    let content = [&pdf[a..a + b], &pdf[c..c + d]].concat();
    verify_detached(signature, &content, trust, now)
}

/// A PDF hex string's bytes: white space is ignored, and an odd final digit is followed by 0
/// (ISO 32000-1 §7.3.4.3).
fn hex_decode(hex: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = hex
        .iter()
        .filter(|b| !is_space(**b))
        .map(|b| char::from(*b).to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    Some(
        digits
            .chunks(2)
            .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0))
            .collect(),
    )
}

/// PDF white space (ISO 32000-1 §7.2.2).
fn is_space(b: u8) -> bool {
    matches!(b, 0 | b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn skip_space(pdf: &[u8], mut at: usize) -> usize {
    while pdf.get(at).is_some_and(|b| is_space(*b)) {
        at += 1;
    }
    at
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_range_reads_and_is_bounds_checked() {
        let pdf = b"%PDF-1.7 /ByteRange [0 10 20 5 ] <00>";
        let from = find(pdf, b"/ByteRange", 0).unwrap() + 10;
        assert_eq!(
            byte_range(pdf, from),
            Some(ByteRange {
                first: (0, 10),
                second: (20, 5)
            })
        );
        for bad in [
            &b"%PDF /ByteRange [0 10 20 500]"[..],
            b"%PDF /ByteRange [1 2 3 4]",
            b"%PDF /ByteRange [0 10 5 1]",
            b"%PDF /ByteRange [0 10 20]",
            b"%PDF /ByteRange [0 999999999999999999999 1 1]",
            b"%PDF /ByteRange 0 1 2 3",
        ] {
            assert_eq!(
                byte_range(bad, find(bad, b"/ByteRange", 0).unwrap() + 10),
                None
            );
        }
    }

    #[test]
    fn hex_strings_decode_with_spaces_and_an_odd_digit() {
        assert_eq!(hex_decode(b"30 8 2\n0a"), Some(vec![0x30, 0x82, 0x0a]));
        assert_eq!(hex_decode(b"abc"), Some(vec![0xab, 0xc0]));
        assert_eq!(hex_decode(b"zz"), None);
    }
}
