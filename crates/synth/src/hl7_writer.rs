//! Writing HL7 v2.5 messages the way SS-MIX2 storage holds them: escaped text, `|^~\&` delimiters,
//! CR segment terminators and ISO-2022-JP bytes (guide §3.1, §4).
//!
//! Text reaches a message only through [`Hl7::text`] (or `From<&str>`), which escapes the HL7
//! delimiters, so free text such as a doctor's comment can never break the field structure.
//! Composite values are assembled from already-escaped parts with [`Hl7::comps`] and friends.

use encoding_rs::ISO_2022_JP;

use crate::error::SynthError;

/// A field value (or part of one) that is already valid HL7: its text parts are escaped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Hl7(String);

impl Hl7 {
    /// Escapes `\ | ^ & ~` and turns line breaks into `\.br\` (HL7 v2.5 §2.7; guide §4.1).
    pub(crate) fn text(s: &str) -> Hl7 {
        if !s.contains(['\\', '|', '^', '&', '~', '\r', '\n']) {
            return Hl7(s.to_owned());
        }
        let mut out = String::with_capacity(s.len() + 8);
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push_str("\\E\\"),
                '|' => out.push_str("\\F\\"),
                '^' => out.push_str("\\S\\"),
                '&' => out.push_str("\\T\\"),
                '~' => out.push_str("\\R\\"),
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    out.push_str("\\.br\\");
                }
                '\n' => out.push_str("\\.br\\"),
                other => out.push(other),
            }
        }
        Hl7(out)
    }

    /// Components joined with `^`; trailing empty components are dropped.
    pub(crate) fn comps(parts: impl IntoIterator<Item = Hl7>) -> Hl7 {
        Hl7::join(parts, '^')
    }

    /// Subcomponents joined with `&`.
    pub(crate) fn subs(parts: impl IntoIterator<Item = Hl7>) -> Hl7 {
        Hl7::join(parts, '&')
    }

    /// Repetitions joined with `~`.
    pub(crate) fn reps(parts: impl IntoIterator<Item = Hl7>) -> Hl7 {
        Hl7::join(parts, '~')
    }

    /// Components from plain text parts: `Hl7::c(&["023", "血清", "JC10"])`.
    pub(crate) fn c(parts: &[&str]) -> Hl7 {
        Hl7::comps(parts.iter().map(|p| Hl7::text(p)))
    }

    /// Subcomponents from plain text parts.
    pub(crate) fn s(parts: &[&str]) -> Hl7 {
        Hl7::subs(parts.iter().map(|p| Hl7::text(p)))
    }

    fn join(parts: impl IntoIterator<Item = Hl7>, sep: char) -> Hl7 {
        let mut out = String::new();
        let mut pending = 0usize;
        let mut first = true;
        for part in parts {
            if part.0.is_empty() {
                pending += 1;
                continue;
            }
            if !first || pending > 0 {
                let count = pending + usize::from(!first);
                out.extend(std::iter::repeat_n(sep, count));
            }
            pending = 0;
            first = false;
            out.push_str(&part.0);
        }
        Hl7(out)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Hl7 {
    fn from(s: &str) -> Hl7 {
        Hl7::text(s)
    }
}

impl From<String> for Hl7 {
    fn from(s: String) -> Hl7 {
        Hl7::text(&s)
    }
}

impl From<&String> for Hl7 {
    fn from(s: &String) -> Hl7 {
        Hl7::text(s)
    }
}

/// One segment under construction. Fields are set by their HL7 position (1-based, as in the
/// guide's field references), in increasing order; unset fields stay empty.
pub(crate) struct Segment {
    text: String,
    field: usize,
}

impl Segment {
    pub(crate) fn new(id: &str) -> Segment {
        Segment {
            text: id.to_owned(),
            field: 0,
        }
    }

    /// Sets field `n`. Empty values are skipped so no trailing `|` is written.
    pub(crate) fn f(mut self, n: usize, value: impl Into<Hl7>) -> Segment {
        let value = value.into();
        debug_assert!(
            n > self.field,
            "field {n} set out of order in {}",
            self.text
        );
        if value.is_empty() {
            return self;
        }
        let pipes = n.saturating_sub(self.field).max(1);
        self.text.extend(std::iter::repeat_n('|', pipes));
        self.text.push_str(value.as_str());
        self.field = n.max(self.field + 1);
        self
    }
}

/// The message header values that vary between messages.
pub(crate) struct Header<'a> {
    /// MSH-4, the sending facility: we use the 10-digit medical institution code.
    pub(crate) facility_id: &'a str,
    /// MSH-7, `YYYYMMDDHHMMSS`.
    pub(crate) time: String,
    /// MSH-9, e.g. `["ADT", "A08", "ADT_A01"]`.
    pub(crate) message_type: [&'a str; 3],
    /// MSH-10, unique per message within a region.
    pub(crate) control_id: String,
}

/// A whole message: MSH first, then segments, each terminated by CR (guide §4.2: CR only, no LF).
pub(crate) struct Message {
    text: String,
}

impl Message {
    /// Starts a message with an MSH like the guide's samples (§3.1): version 2.5, `~ISO IR87`,
    /// `ISO 2022-1994` and the SS-MIX2 1.20 profile OID.
    pub(crate) fn new(header: &Header<'_>) -> Message {
        let msh = Segment {
            text: "MSH|^~\\&".to_owned(),
            field: 2,
        }
        .f(3, "HIS")
        .f(4, header.facility_id)
        .f(5, "GW")
        .f(6, "RCV")
        .f(7, header.time.as_str())
        .f(9, Hl7::c(&header.message_type))
        .f(10, header.control_id.as_str())
        .f(11, "P")
        .f(12, "2.5")
        // MSH-18 is a repetition: an empty first (ASCII, the default) and ISO IR87 (JIS X 0208);
        // the `~` is structure, so it is written as is.
        .f(18, Hl7("~ISO IR87".to_owned()))
        .f(20, "ISO 2022-1994")
        .f(
            21,
            Hl7::c(&[
                "SS-MIX2_1.20",
                "SS-MIX2",
                "1.2.392.200250.2.1.100.1.2.120",
                "ISO",
            ]),
        );
        let mut message = Message {
            text: String::with_capacity(1024),
        };
        message.push(msh);
        message
    }

    pub(crate) fn push(&mut self, segment: Segment) {
        self.text.push_str(&segment.text);
        self.text.push('\r');
    }

    /// The decoded message text.
    pub(crate) fn finish(self) -> String {
        debug_assert!(!self.text.contains('\n'));
        self.text
    }
}

/// Characters the WHATWG ISO-2022-JP encoder accepts but does not write as JIS X 0208: it writes
/// `¥` and `‾` with `ESC ( J` and folds half-width katakana to full width. Compliant SS-MIX2 files
/// use neither (guide §4.1), so we treat them as unrepresentable.
fn outside_jis_x_0208(c: char) -> bool {
    matches!(c, '\u{A5}' | '\u{203E}' | '\u{FF61}'..='\u{FF9F}')
}

/// True if every two-byte character in `bytes` sits in a row JIS X 0208 defines (1–8, 16–84).
/// The WHATWG index also maps NEC row 13 (①, ㈱ …) and the IBM extensions (rows 89–92, 﨑 …),
/// which are not JIS X 0208 and which other decoders reject.
fn only_jis_x_0208_rows(bytes: &[u8]) -> bool {
    let mut two_byte = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i..i + 3) {
            Some(b"\x1b$B") | Some(b"\x1b$@") => {
                two_byte = true;
                i += 3;
                continue;
            }
            Some(esc) if esc.first() == Some(&0x1b) => {
                two_byte = false;
                i += 3;
                continue;
            }
            _ => {}
        }
        if two_byte {
            let row = bytes[i].wrapping_sub(0x20);
            if !matches!(row, 1..=8 | 16..=84) {
                return false;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    true
}

/// Encodes text as ISO-2022-JP, failing (instead of writing `&#…;`) on any character outside
/// ASCII and JIS X 0208. `context` names what was being encoded, never its content.
pub(crate) fn encode_iso_2022_jp(text: &str, context: &str) -> Result<Vec<u8>, SynthError> {
    let (bytes, _, had_unmappable) = ISO_2022_JP.encode(text);
    let has_lookalikes = !text.is_ascii() && text.chars().any(outside_jis_x_0208);
    if had_unmappable || has_lookalikes || !only_jis_x_0208_rows(&bytes) {
        // Find the culprit for the error message; this path only runs on a generator bug.
        let culprit = text
            .chars()
            .find(|c| !is_jis_x_0208_char(*c))
            .unwrap_or('\u{FFFD}');
        return Err(SynthError::Unrepresentable {
            ch: culprit,
            context: context.to_owned(),
        });
    }
    Ok(bytes.into_owned())
}

/// True for ASCII and the characters of JIS X 0208 as the WHATWG mapping spells them.
pub(crate) fn is_jis_x_0208_char(c: char) -> bool {
    if c.is_ascii() {
        return !matches!(c, '\u{0E}' | '\u{0F}' | '\u{1B}');
    }
    if outside_jis_x_0208(c) {
        return false;
    }
    let mut buf = [0u8; 4];
    let (bytes, _, had_unmappable) = ISO_2022_JP.encode(c.encode_utf8(&mut buf));
    !had_unmappable && only_jis_x_0208_rows(&bytes)
}

/// Fails on the first character outside ASCII and JIS X 0208 (table tests use it).
#[cfg(test)]
pub(crate) fn check_jis_x_0208(text: &str, context: &str) -> Result<(), SynthError> {
    match text.chars().find(|c| !is_jis_x_0208_char(*c)) {
        Some(ch) => Err(SynthError::Unrepresentable {
            ch,
            context: context.to_owned(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_delimiters_are_escaped() {
        let h = Hl7::text("a|b^c&d~e\\f\r\ng\nh");
        assert_eq!(
            h.as_str(),
            "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g\\.br\\h"
        );
    }

    #[test]
    fn components_keep_inner_empties_and_drop_trailing_ones() {
        assert_eq!(
            Hl7::c(&["32", "302", "1", "", "", "N"]).as_str(),
            "32^302^1^^^N"
        );
        assert_eq!(Hl7::c(&["", "PRN", "PH", "", ""]).as_str(), "^PRN^PH");
        assert_eq!(Hl7::c(&["", ""]).as_str(), "");
    }

    #[test]
    fn fields_land_at_their_hl7_positions() {
        let seg = Segment::new("PV1")
            .f(1, "0001")
            .f(2, "O")
            .f(7, "x")
            .f(44, "");
        assert_eq!(seg.text, "PV1|0001|O|||||x");
    }

    #[test]
    fn msh_matches_the_guide_sample_shape() {
        let header = Header {
            facility_id: "0412345678",
            time: "20261101093000".into(),
            message_type: ["ADT", "A08", "ADT_A01"],
            control_id: "1".into(),
        };
        let text = Message::new(&header).finish();
        assert_eq!(
            text,
            "MSH|^~\\&|HIS|0412345678|GW|RCV|20261101093000||ADT^A08^ADT_A01|1|P|2.5||||||~ISO IR87||\
             ISO 2022-1994|SS-MIX2_1.20^SS-MIX2^1.2.392.200250.2.1.100.1.2.120^ISO\r"
        );
    }

    #[test]
    fn kanji_is_wrapped_in_jis_escapes_and_returns_to_ascii() {
        let bytes = encode_iso_2022_jp("PID|山田^花子\r", "test").unwrap();
        assert!(bytes.starts_with(b"PID|\x1b$B"));
        assert!(bytes.ends_with(b"\x1b(B\r"));
        let (decoded, had_errors) = ISO_2022_JP.decode_without_bom_handling(&bytes);
        assert!(!had_errors);
        assert_eq!(decoded, "PID|山田^花子\r");
    }

    #[test]
    fn characters_outside_jis_x_0208_are_an_error_not_a_reference() {
        // 髙 (hashigo-daka) and 﨑 are JIS X 0213 / IBM extensions; ¥ would need ESC ( J;
        // half-width katakana have no place in ISO-2022-JP (RFC 1468); ① and ㈱ are NEC row 13.
        for text in ["髙橋", "山﨑", "¥100", "ｱｲｳ", "😀", "①", "㈱"] {
            let err = encode_iso_2022_jp(text, "test").unwrap_err();
            assert!(matches!(err, SynthError::Unrepresentable { .. }), "{text}");
        }
    }
}
