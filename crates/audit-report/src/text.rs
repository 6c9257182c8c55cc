//! Untrusted text made safe for each output.
//!
//! Names, reasons, queries and messages were typed on a field laptop; they may hold anything,
//! including characters an output format cannot carry. Each output has its own rule, and each
//! replaces what it cannot carry with U+FFFD rather than dropping it, so a reader sees that
//! something was there. Where the exact text matters (queries, break-glass reasons, refusal
//! messages) the exports also carry it base64-encoded, which round-trips every string.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const REPLACEMENT: char = '\u{FFFD}';

/// XML 1.0 §2.2 `Char`: the only characters an XML 1.0 document may contain, even as character
/// references. Surrogates cannot occur in a Rust `str`.
fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// Text an XML 1.0 document can hold: every other character becomes U+FFFD. Escaping of `<&"'`
/// and of tab, CR and LF in attributes is quick-xml's job.
pub(crate) fn xml(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if is_xml_char(c) { c } else { REPLACEMENT })
                .collect(),
        )
    }
}

/// A FHIR `string`: FHIR R4 §2.24.0.1 forbids code points below U+0020 other than tab, CR and LF,
/// and JSON forbids empty strings (the element is left out instead), hence `None` for "".
pub(crate) fn fhir(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    Some(
        s.chars()
            .map(|c| {
                if c < '\u{20}' && !matches!(c, '\t' | '\r' | '\n') {
                    REPLACEMENT
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// The text on one line of the plain-text review: control characters and the Unicode bidi
/// overrides are shown as `\u{..}` escapes, so a name cannot start a line of its own or reorder
/// what a reader sees around it. Japanese and other printable text is kept as text.
pub(crate) fn line(s: &str) -> Cow<'_, str> {
    let hidden =
        |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The UTF-8 bytes of `s`, base64 (RFC 4648 with padding), as `xsd:base64Binary` and FHIR's
/// `base64Binary` both expect.
pub(crate) fn base64(s: &str) -> String {
    STANDARD.encode(s.as_bytes())
}

/// `s` as the tail of a `urn:fieldchart:` URN: RFC 8141 allows unreserved characters and a few
/// delimiters; everything else (including `%` itself) is percent-encoded per UTF-8 byte.
pub(crate) fn urn_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'_' | b'~' | b'+' | b'=' | b'/' | b':' | b'@'
            )
        {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_keeps_kanji_and_markup_characters_for_the_writer_to_escape() {
        assert_eq!(xml("山田 <&\"'>\t\n"), "山田 <&\"'>\t\n");
    }

    #[test]
    fn xml_replaces_characters_xml_cannot_hold() {
        assert_eq!(xml("a\u{0}b\u{1B}c\u{FFFE}"), "a\u{FFFD}b\u{FFFD}c\u{FFFD}");
    }

    #[test]
    fn fhir_leaves_out_empty_text_and_replaces_control_characters() {
        assert_eq!(fhir(""), None);
        assert_eq!(fhir("a\u{7}b\r\n").as_deref(), Some("a\u{FFFD}b\r\n"));
    }

    #[test]
    fn line_shows_newlines_and_bidi_overrides_as_escapes() {
        assert_eq!(line("田中\n\u{202E}x"), "田中\\u{a}\\u{202e}x");
        assert_eq!(line("田中 花子"), "田中 花子");
    }

    #[test]
    fn urn_part_percent_encodes_spaces_and_percent_signs() {
        assert_eq!(urn_part("ab/+= 1%"), "ab/+=%201%25");
        assert_eq!(urn_part("東"), "%E6%9D%B1");
    }
}
