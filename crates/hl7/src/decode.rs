//! Turning a file's bytes into Unicode text, before any HL7 splitting.
//!
//! SS-MIX2 files are ISO-2022-JP (guide §4.1). Inside a JIS X 0208 run every byte lies in 0x21–0x7E,
//! which includes the HL7 delimiters `| ^ ~ & \`, so the bytes must be decoded as a whole first and split
//! afterwards (guide §4, the box at the top). Real producers also write UTF-8 (Acedia samples) or
//! Shift_JIS/CP932 despite MSH-18, so the encoding is detected from the bytes, never from the header.

use std::fmt;

use encoding_rs::{ISO_2022_JP, SHIFT_JIS, UTF_8};
use serde::{Deserialize, Serialize};

/// The character encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// ISO-2022-JP (7-bit, JIS X 0208 behind `ESC $ B`), as the guideline requires. Pure ASCII files are
    /// reported as this too: ASCII is a subset of it.
    Iso2022Jp,
    /// UTF-8 (with or without a byte-order mark). Not standard, seen in real data.
    Utf8,
    /// Shift_JIS with the Windows (CP932) extensions. Not standard, seen in real data.
    ShiftJis,
}

impl Encoding {
    /// The label shown to people, e.g. in `fieldchart inspect`.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Iso2022Jp => "ISO-2022-JP",
            Encoding::Utf8 => "UTF-8",
            Encoding::ShiftJis => "Shift_JIS (CP932)",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Decoded Unicode text that remembers which encoding it came from.
///
/// The only ways to get one are [`decode`] (from bytes) and [`Text::from_unicode`] (from a Rust string,
/// which is Unicode already), so HL7 parsing can never run over undecoded bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    text: String,
    encoding: Encoding,
}

impl Text {
    /// Wraps text that is already Unicode (tests, generated data), labelled as UTF-8.
    pub fn from_unicode(text: impl Into<String>) -> Text {
        Text {
            text: text.into(),
            encoding: Encoding::Utf8,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    pub fn into_string(self) -> String {
        self.text
    }
}

/// What decoding found wrong with the bytes. The text is still returned, with U+FFFD where bytes could
/// not be decoded, so nothing readable is lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DecodeIssue {
    /// Some bytes were not valid in the detected encoding and became U+FFFD.
    Malformed { encoding: Encoding },
    /// The file is not ISO-2022-JP, as the guideline requires.
    NotIso2022Jp { encoding: Encoding },
    /// The file has a UTF-8 byte-order mark, which was removed.
    ByteOrderMark,
    /// The file holds no bytes at all.
    Empty,
}

impl fmt::Display for DecodeIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeIssue::Malformed { encoding } => write!(
                f,
                "bytes that are not valid {encoding} were replaced by U+FFFD; the producer wrote a broken file"
            ),
            DecodeIssue::NotIso2022Jp { encoding } => write!(
                f,
                "decoded as {encoding}: SS-MIX2 requires ISO-2022-JP; ask the producer to fix its output"
            ),
            DecodeIssue::ByteOrderMark => f.write_str("a UTF-8 byte-order mark was removed"),
            DecodeIssue::Empty => f.write_str("the file is empty"),
        }
    }
}

/// The result of [`decode`]: always some text, plus what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: Text,
    pub issues: Vec<DecodeIssue>,
}

impl Decoded {
    /// True when some bytes could not be decoded in any encoding we tried.
    pub fn is_malformed(&self) -> bool {
        self.issues
            .iter()
            .any(|i| matches!(i, DecodeIssue::Malformed { .. }))
    }
}

const ESC: u8 = 0x1B;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes a whole file. Never fails: undecodable bytes become U+FFFD and are reported.
///
/// Detection order (guide §4.3 step 1): bytes with an ESC or only 7-bit bytes are ISO-2022-JP; otherwise
/// valid UTF-8; otherwise Shift_JIS/CP932.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut issues = Vec::new();
    if bytes.is_empty() {
        issues.push(DecodeIssue::Empty);
        return Decoded {
            text: Text {
                text: String::new(),
                encoding: Encoding::Iso2022Jp,
            },
            issues,
        };
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        issues.push(DecodeIssue::ByteOrderMark);
        return finish(rest, Encoding::Utf8, issues);
    }
    let seven_bit = bytes.is_ascii();
    if seven_bit || bytes.contains(&ESC) {
        let (text, malformed) = ISO_2022_JP.decode_without_bom_handling(bytes);
        if !malformed || seven_bit {
            // A 7-bit file with a bad escape is broken ISO-2022-JP; no other encoding explains it better.
            if malformed {
                issues.push(DecodeIssue::Malformed {
                    encoding: Encoding::Iso2022Jp,
                });
            }
            return Decoded {
                text: Text {
                    text: text.into_owned(),
                    encoding: Encoding::Iso2022Jp,
                },
                issues,
            };
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        return finish(bytes, Encoding::Utf8, issues);
    }
    finish(bytes, Encoding::ShiftJis, issues)
}

fn finish(bytes: &[u8], encoding: Encoding, mut issues: Vec<DecodeIssue>) -> Decoded {
    let coder = match encoding {
        Encoding::Iso2022Jp => ISO_2022_JP,
        Encoding::Utf8 => UTF_8,
        Encoding::ShiftJis => SHIFT_JIS,
    };
    let (text, malformed) = coder.decode_without_bom_handling(bytes);
    if encoding != Encoding::Iso2022Jp {
        issues.push(DecodeIssue::NotIso2022Jp { encoding });
    }
    if malformed {
        issues.push(DecodeIssue::Malformed { encoding });
    }
    Decoded {
        text: Text {
            text: text.into_owned(),
            encoding,
        },
        issues,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jis(s: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = ISO_2022_JP.encode(s);
        assert!(!unmappable);
        bytes.into_owned()
    }

    #[test]
    fn iso_2022_jp_name_decodes_with_its_delimiter_bytes_intact() {
        let bytes = jis("PID|0001||9999013||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P");
        let decoded = decode(&bytes);
        assert_eq!(decoded.text.encoding(), Encoding::Iso2022Jp);
        assert!(decoded.issues.is_empty());
        assert_eq!(
            decoded.text.as_str(),
            "PID|0001||9999013||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P"
        );
    }

    #[test]
    fn kanji_whose_jis_bytes_are_delimiters_survive_decoding() {
        // 宮 is JIS 0x35 0x5C (its second byte is `\`), 万 is 0x48 0x7C (`|`), 五 is 0x38 0x5E (`^`).
        let bytes = jis("宮城|万五");
        assert!(bytes.contains(&b'\\'));
        assert_eq!(bytes.iter().filter(|&&b| b == b'|').count(), 2);
        let decoded = decode(&bytes);
        assert_eq!(decoded.text.as_str(), "宮城|万五");
    }

    #[test]
    fn jis_x0201_katakana_escape_decodes_to_halfwidth_katakana() {
        // ESC ( I switches to JIS X 0201 katakana: 0x36 0x5D 0x3C 0x4E = ｶﾝｼﾞ... here ｶﾝ.
        let bytes = b"A\x1b(I6]\x1b(BZ";
        let decoded = decode(bytes);
        assert_eq!(decoded.text.encoding(), Encoding::Iso2022Jp);
        assert_eq!(decoded.text.as_str(), "A\u{FF76}\u{FF9D}Z");
        assert!(decoded.issues.is_empty());
    }

    #[test]
    fn utf8_file_is_detected_and_reported_as_non_standard() {
        let decoded = decode("MSH|^~\\&|山田".as_bytes());
        assert_eq!(decoded.text.encoding(), Encoding::Utf8);
        assert_eq!(decoded.text.as_str(), "MSH|^~\\&|山田");
        assert_eq!(
            decoded.issues,
            vec![DecodeIssue::NotIso2022Jp {
                encoding: Encoding::Utf8
            }]
        );
    }

    #[test]
    fn cp932_file_falls_back_to_shift_jis() {
        let (bytes, _, _) = SHIFT_JIS.encode("患者①");
        let decoded = decode(&bytes);
        assert_eq!(decoded.text.encoding(), Encoding::ShiftJis);
        assert_eq!(decoded.text.as_str(), "患者①");
        assert!(!decoded.is_malformed());
    }

    #[test]
    fn bom_is_removed_and_noted() {
        let decoded = decode(b"\xEF\xBB\xBFMSH");
        assert_eq!(decoded.text.as_str(), "MSH");
        assert!(decoded.issues.contains(&DecodeIssue::ByteOrderMark));
    }

    #[test]
    fn broken_two_byte_garbage_is_malformed_not_a_panic() {
        let decoded = decode(&[0xFB, 0x1B]);
        assert!(decoded.is_malformed());
    }

    #[test]
    fn empty_file_is_reported() {
        assert_eq!(decode(b"").issues, vec![DecodeIssue::Empty]);
    }
}
