//! HL7 v2.5 message structure: segments, fields, repetitions, components, subcomponents.
//!
//! A [`Message`] owns its decoded text and records where each segment and field lies; values are split
//! further and unescaped only when asked for, which keeps parsing fast and allocation-light. Parsing never
//! fails: what cannot be read becomes a [`ParseIssue`], and everything that can be read is kept.
//!
//! Field numbers are the ones the specifications use: `PID-5` is `segment.field(5)`. For MSH, `MSH-1` is
//! the field separator itself and `MSH-2` the encoding characters, so `MSH-9` is `field(9)` as well.
//!
//! A [`ParseIssue`] says where (line, byte offset) and what kind of fault, never the text at fault: a
//! broken line is usually a patient's name, address or phone spilled onto a line of its own, and
//! issues end up in reports that are shown and kept.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::decode::Text;
use crate::escape::unescape;

/// The five delimiters of a message, read from MSH-1 and MSH-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delimiters {
    pub field: char,
    pub component: char,
    pub repetition: char,
    pub escape: char,
    pub subcomponent: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: '|',
            component: '^',
            repetition: '~',
            escape: '\\',
            subcomponent: '&',
        }
    }
}

/// How bad a parse issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The text is not a usable HL7 message; nothing or little could be read.
    Error,
    /// Something deviates from HL7, but the message was read.
    Warning,
}

/// One problem found while parsing, with the 1-based line (segment) where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseIssue {
    pub severity: Severity,
    /// 1-based line number in the decoded text; 0 when the issue concerns the whole message.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

#[derive(Debug, Clone)]
struct SegmentSpan {
    /// The whole segment line, without its terminator.
    line: Range<usize>,
    /// 1-based line number in the text.
    line_no: usize,
    /// Index into `Message::fields` of this segment's field 0 (the segment ID).
    first_field: usize,
    field_count: usize,
}

/// A parsed HL7 v2 message. Build it with [`Message::parse`].
#[derive(Debug, Clone)]
pub struct Message {
    text: String,
    delimiters: Delimiters,
    segments: Vec<SegmentSpan>,
    /// Byte ranges of every field of every segment, field 0 (the ID) included.
    fields: Vec<Range<usize>>,
}

/// MSH-9, the message type: `ADT^A08^ADT_A01`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageType {
    /// MSH-9.1, e.g. `ADT`.
    pub code: String,
    /// MSH-9.2, the trigger event, e.g. `A08`.
    pub trigger: String,
    /// MSH-9.3, the message structure, e.g. `ADT_A01`.
    pub structure: String,
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}^{}", self.code, self.trigger)?;
        if !self.structure.is_empty() {
            write!(f, "^{}", self.structure)?;
        }
        Ok(())
    }
}

impl Message {
    /// Parses decoded text. Segments may end in CR, LF or CRLF, and the last one may lack a terminator.
    ///
    /// The first segment should be MSH. Text before it is skipped with a warning; text with no MSH at all
    /// yields an empty message and an error.
    pub fn parse(text: Text) -> (Message, Vec<ParseIssue>) {
        let text = text.into_string();
        let mut issues = Vec::new();
        let lines = split_lines(&text);

        let msh_at = lines
            .iter()
            .position(|(r, _)| text[r.clone()].starts_with("MSH"));
        let Some(msh_at) = msh_at else {
            issues.push(ParseIssue {
                severity: Severity::Error,
                line: 0,
                message: "no MSH segment: this is not an HL7 v2 message".to_string(),
            });
            return (
                Message {
                    text,
                    delimiters: Delimiters::default(),
                    segments: Vec::new(),
                    fields: Vec::new(),
                },
                issues,
            );
        };
        if msh_at > 0 {
            issues.push(ParseIssue {
                severity: Severity::Warning,
                line: lines[msh_at].1,
                message: format!("{} line(s) before MSH were skipped", lines[..msh_at].len()),
            });
        }
        let (msh_range, msh_line) = lines[msh_at].clone();
        let delimiters = read_delimiters(&text[msh_range], msh_line, &mut issues);

        let mut message = Message {
            text: String::new(),
            delimiters,
            segments: Vec::with_capacity(lines.len() - msh_at),
            fields: Vec::with_capacity(lines.len() * 8),
        };
        for (range, line_no) in &lines[msh_at..] {
            message.push_segment(&text, range.clone(), *line_no, &mut issues);
        }
        message.text = text;
        (message, issues)
    }

    fn push_segment(
        &mut self,
        text: &str,
        line: Range<usize>,
        line_no: usize,
        issues: &mut Vec<ParseIssue>,
    ) {
        let first_field = self.fields.len();
        let sep = self.delimiters.field;
        let s = &text[line.clone()];
        let mut start = line.start;
        for (i, c) in s.char_indices() {
            if c == sep {
                self.fields.push(start..line.start + i);
                start = line.start + i + c.len_utf8();
            }
        }
        self.fields.push(start..line.end);
        let id = &text[self.fields[first_field].clone()];
        if !is_segment_id(id) {
            issues.push(ParseIssue {
                severity: Severity::Warning,
                line: line_no,
                message: format!(
                    "the line (at byte {} of the decoded text) does not start with a segment ID of \
                     three upper-case letters or digits; it is kept but is no segment any mapping \
                     reads (a line break inside a field often causes this)",
                    line.start
                ),
            });
        }
        self.segments.push(SegmentSpan {
            line,
            line_no,
            first_field,
            field_count: self.fields.len() - first_field,
        });
    }

    /// The decoded text the message was parsed from.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    /// All segments in order.
    pub fn segments(&self) -> impl DoubleEndedIterator<Item = Segment<'_>> + ExactSizeIterator {
        (0..self.segments.len()).map(move |index| Segment {
            message: self,
            index,
        })
    }

    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The segment at `index` (0-based position in the message).
    pub fn segment(&self, index: usize) -> Option<Segment<'_>> {
        (index < self.segments.len()).then_some(Segment {
            message: self,
            index,
        })
    }

    /// The first segment with this ID.
    pub fn first(&self, id: &str) -> Option<Segment<'_>> {
        self.segments().find(|s| s.id() == id)
    }

    /// Every segment with this ID, in order.
    pub fn all<'a>(&'a self, id: &'a str) -> impl Iterator<Item = Segment<'a>> + 'a {
        self.segments().filter(move |s| s.id() == id)
    }

    /// MSH-9, or an empty type when the message has no MSH-9.
    pub fn message_type(&self) -> MessageType {
        let Some(msh) = self.first("MSH") else {
            return MessageType::default();
        };
        let f = msh.field(9);
        let comp = |c| f.comp(c).map(Cow::into_owned).unwrap_or_default();
        MessageType {
            code: comp(1),
            trigger: comp(2),
            structure: comp(3),
        }
    }
}

impl Message {
    /// A readable outline for people: one line per non-empty field, repetitions numbered, as written.
    pub fn outline(&self) -> String {
        let mut out = String::new();
        for seg in self.segments() {
            out.push_str(&format!("{} (line {})\n", seg.id(), seg.line()));
            for (n, field) in seg.fields() {
                if field.is_empty() {
                    continue;
                }
                let label = format!("{}-{}", seg.id(), n);
                let reps: Vec<_> = if field.literal {
                    vec![field.raw()]
                } else {
                    field.reps().map(|r| r.raw()).collect()
                };
                if reps.len() == 1 {
                    out.push_str(&format!("  {label:<8} {}\n", reps[0]));
                } else {
                    for (i, rep) in reps.iter().enumerate() {
                        let head = if i == 0 { label.as_str() } else { "" };
                        out.push_str(&format!("  {head:<8} [{}] {rep}\n", i + 1));
                    }
                }
            }
        }
        out
    }
}

/// One segment of a [`Message`].
#[derive(Clone, Copy)]
pub struct Segment<'a> {
    message: &'a Message,
    index: usize,
}

impl<'a> Segment<'a> {
    fn span(&self) -> &'a SegmentSpan {
        &self.message.segments[self.index]
    }

    /// The segment ID, e.g. `PID`.
    pub fn id(&self) -> &'a str {
        let span = self.span();
        &self.message.text[self.message.fields[span.first_field].clone()]
    }

    /// 0-based position of the segment in the message.
    pub fn index(&self) -> usize {
        self.index
    }

    /// 1-based line number in the decoded text.
    pub fn line(&self) -> usize {
        self.span().line_no
    }

    /// Whether the segment starts with a well-formed ID (three upper-case letters or digits). A line
    /// that does not is text spilled from a broken field: its "ID" is content, never to be quoted.
    pub fn has_segment_id(&self) -> bool {
        is_segment_id(self.id())
    }

    /// The segment as a diagnostic may name it: `PID (line 3)`, or `line 3` when the line has no
    /// segment ID, so no content is ever quoted.
    pub fn label(&self) -> String {
        if self.has_segment_id() {
            format!("{} (line {})", self.id(), self.line())
        } else {
            format!("line {} (not a segment)", self.line())
        }
    }

    /// The whole segment as written, without its terminator.
    pub fn raw(&self) -> &'a str {
        &self.message.text[self.span().line.clone()]
    }

    fn is_msh(&self) -> bool {
        self.id() == "MSH"
    }

    /// The highest field number present (PID with 8 fields → 8).
    pub fn field_count(&self) -> usize {
        let n = self.span().field_count.saturating_sub(1);
        if self.is_msh() { n + 1 } else { n }
    }

    /// Field `n`, numbered as in the specification (1-based; `MSH-1` is the field separator).
    /// A field beyond the end of the segment is empty.
    pub fn field(&self, n: usize) -> Field<'a> {
        let d = &self.message.delimiters;
        let span = self.span();
        let raw_index = if self.is_msh() {
            match n {
                0 => Some(0),
                1 => {
                    // MSH-1 is the separator that follows "MSH".
                    let start = self.message.fields[span.first_field].end;
                    let end = (start + d.field.len_utf8()).min(span.line.end);
                    return Field {
                        raw: self.message.text.get(start..end).unwrap_or(""),
                        d,
                        literal: true,
                    };
                }
                n => Some(n - 1),
            }
        } else {
            Some(n)
        };
        let raw = raw_index
            .filter(|&i| i < span.field_count)
            .map(|i| &self.message.text[self.message.fields[span.first_field + i].clone()])
            .unwrap_or("");
        Field {
            raw,
            d,
            // MSH-2 holds the delimiters themselves and must not be split or unescaped.
            literal: self.is_msh() && n == 2,
        }
    }

    /// Fields 1..=field_count, numbered as in the specification.
    pub fn fields(&self) -> impl Iterator<Item = (usize, Field<'a>)> + 'a {
        let this = *self;
        (1..=self.field_count()).map(move |n| (n, this.field(n)))
    }
}

impl fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Segment").field(&self.raw()).finish()
    }
}

/// One field: its repetitions, each with components and subcomponents.
#[derive(Clone, Copy)]
pub struct Field<'a> {
    raw: &'a str,
    d: &'a Delimiters,
    literal: bool,
}

impl<'a> Field<'a> {
    /// The field exactly as written, escapes and delimiters included.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// No value at all.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The HL7 null `""`: the sender says the value is to be deleted, which is not the same as absent.
    pub fn is_null(&self) -> bool {
        self.raw == "\"\""
    }

    /// The repetitions of the field. An empty field has one empty repetition.
    pub fn reps(&self) -> impl Iterator<Item = Rep<'a>> + 'a {
        let d = self.d;
        let literal = self.literal;
        let sep = if literal { None } else { Some(d.repetition) };
        split_opt(self.raw, sep).map(move |raw| Rep { raw, d, literal })
    }

    /// The first repetition.
    pub fn first(&self) -> Rep<'a> {
        self.reps().next().unwrap_or(Rep {
            raw: "",
            d: self.d,
            literal: self.literal,
        })
    }

    /// Component `c` (1-based) of the first repetition, subcomponent 1, unescaped.
    pub fn comp(&self, c: usize) -> Option<Cow<'a, str>> {
        self.first().comp(c)
    }

    /// Subcomponent `s` of component `c` of the first repetition, unescaped.
    pub fn sub(&self, c: usize, s: usize) -> Option<Cow<'a, str>> {
        self.first().sub(c, s)
    }

    /// The first repetition's first component: the value of a simple field.
    pub fn value(&self) -> Option<Cow<'a, str>> {
        self.comp(1)
    }

    /// The whole field unescaped but not split, for text fields (ST, TX, FT) whose producers forgot to
    /// escape a delimiter. None when empty or null.
    pub fn text(&self) -> Option<Cow<'a, str>> {
        if self.is_empty() || self.is_null() {
            return None;
        }
        if self.literal {
            return Some(Cow::Borrowed(self.raw));
        }
        Some(unescape(self.raw, self.d))
    }
}

impl fmt::Debug for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Field").field(&self.raw).finish()
    }
}

/// One repetition of a field.
#[derive(Clone, Copy)]
pub struct Rep<'a> {
    raw: &'a str,
    d: &'a Delimiters,
    literal: bool,
}

impl<'a> Rep<'a> {
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The raw text of component `c` (1-based), subcomponents included.
    pub fn comp_raw(&self, c: usize) -> &'a str {
        if c == 0 {
            return "";
        }
        if self.literal {
            return if c == 1 { self.raw } else { "" };
        }
        split_opt(self.raw, Some(self.d.component))
            .nth(c - 1)
            .unwrap_or("")
    }

    /// Subcomponent `s` of component `c` (both 1-based), unescaped. None when empty or the HL7 null.
    pub fn sub(&self, c: usize, s: usize) -> Option<Cow<'a, str>> {
        if s == 0 {
            return None;
        }
        let comp = self.comp_raw(c);
        let raw = if self.literal {
            (s == 1).then_some(comp)?
        } else {
            split_opt(comp, Some(self.d.subcomponent)).nth(s - 1)?
        };
        if raw.is_empty() || raw == "\"\"" {
            return None;
        }
        if self.literal {
            return Some(Cow::Borrowed(raw));
        }
        Some(unescape(raw, self.d))
    }

    /// Component `c` (1-based), subcomponent 1, unescaped. None when empty or the HL7 null.
    pub fn comp(&self, c: usize) -> Option<Cow<'a, str>> {
        self.sub(c, 1)
    }

    /// All subcomponents of component `c` that have a value, unescaped and joined by `sep`.
    pub fn comp_joined(&self, c: usize, sep: &str) -> Option<String> {
        let comp = self.comp_raw(c);
        let parts: Vec<Cow<'a, str>> = if self.literal {
            vec![Cow::Borrowed(comp)]
        } else {
            split_opt(comp, Some(self.d.subcomponent))
                .filter(|p| !p.is_empty() && *p != "\"\"")
                .map(|p| unescape(p, self.d))
                .collect()
        };
        let joined = parts.join(sep);
        (!joined.is_empty()).then_some(joined)
    }

    /// How many components the repetition has (at least 1).
    pub fn comp_count(&self) -> usize {
        if self.literal {
            1
        } else {
            self.raw.matches(self.d.component).count() + 1
        }
    }
}

impl fmt::Debug for Rep<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rep").field(&self.raw).finish()
    }
}

/// Splits on `sep`, or yields the whole string once when there is no separator.
fn split_opt(s: &str, sep: Option<char>) -> impl Iterator<Item = &str> {
    let mut once = sep.is_none().then_some(s);
    let mut parts = sep.map(|c| s.split(c));
    std::iter::from_fn(move || match parts.as_mut() {
        Some(p) => p.next(),
        None => once.take(),
    })
}

/// Splits text into lines on CR, LF or CRLF, dropping empty lines; returns (byte range, 1-based line).
///
/// The MLLP framing bytes VT (0x0B, start of block) and FS (0x1C, end of block) also end a line: every
/// NHO sample file ends in CR FS, left there by the MLLP receiver that wrote it.
fn split_lines(text: &str) -> Vec<(Range<usize>, usize)> {
    let mut lines = Vec::with_capacity(text.len() / 64 + 1);
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut line_no = 1;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'\r' | b'\n' | 0x0B | 0x1C) {
            if i > start {
                lines.push((start..i, line_no));
            }
            line_no += 1;
            // CRLF is one terminator.
            if b == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < bytes.len() {
        lines.push((start..bytes.len(), line_no));
    }
    lines
}

fn is_segment_id(id: &str) -> bool {
    id.len() == 3
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Reads MSH-1 and MSH-2. Missing or unusable delimiters fall back to the HL7 defaults, with an issue.
fn read_delimiters(msh: &str, line: usize, issues: &mut Vec<ParseIssue>) -> Delimiters {
    let mut d = Delimiters::default();
    let mut chars = msh.chars().skip(3);
    let Some(field) = chars.next() else {
        issues.push(ParseIssue {
            severity: Severity::Error,
            line,
            message: "MSH has no field separator; assuming |^~\\&".to_string(),
        });
        return d;
    };
    if field.is_alphanumeric() || field.is_whitespace() {
        issues.push(ParseIssue {
            severity: Severity::Error,
            line,
            message: "MSH-1 (the field separator) is a letter, digit or space, which cannot \
                      separate fields; assuming |^~\\&"
                .to_string(),
        });
        return d;
    }
    d.field = field;
    let encoding: Vec<char> = chars.take_while(|&c| c != field).take(4).collect();
    let slots: [&mut char; 4] = [
        &mut d.component,
        &mut d.repetition,
        &mut d.escape,
        &mut d.subcomponent,
    ];
    let mut seen = vec![field];
    for (position, (slot, c)) in slots.into_iter().zip(encoding.iter().copied()).enumerate() {
        if c.is_alphanumeric() || c.is_whitespace() || seen.contains(&c) {
            issues.push(ParseIssue {
                severity: Severity::Warning,
                line,
                message: format!(
                    "MSH-2 encoding character {} is a letter, digit, space or a delimiter already \
                     used; keeping {slot:?}",
                    position + 1
                ),
            });
            continue;
        }
        *slot = c;
        seen.push(c);
    }
    if encoding.len() < 4 {
        issues.push(ParseIssue {
            severity: Severity::Warning,
            line,
            message: format!(
                "MSH-2 has {} encoding characters instead of 4; the missing ones default to ^~\\&",
                encoding.len()
            ),
        });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Message, Vec<ParseIssue>) {
        Message::parse(Text::from_unicode(s))
    }

    const ADT: &str = "MSH|^~\\&|HIS123|SEND|GW|RCV|20111220224447.3399||ADT^A08^ADT_A01|20111220000001|P|2.5||||||~ISO IR87||ISO 2022-1994\rEVN||201112202100\rPID|0001||9999013^^^^PI||患者^太郎^^^^^L^I~カンジャ^タロウ^^^^^L^P||19480405|M";

    #[test]
    fn msh_fields_are_numbered_as_in_the_specification() {
        let (m, issues) = parse(ADT);
        assert!(issues.is_empty(), "{issues:?}");
        let msh = m.first("MSH").unwrap();
        assert_eq!(msh.field(1).raw(), "|");
        assert_eq!(msh.field(2).raw(), "^~\\&");
        assert_eq!(msh.field(2).value().as_deref(), Some("^~\\&"));
        assert_eq!(msh.field(3).value().as_deref(), Some("HIS123"));
        assert_eq!(msh.field(12).value().as_deref(), Some("2.5"));
        assert_eq!(msh.field(18).first().raw(), "");
        assert_eq!(msh.field(18).reps().nth(1).unwrap().raw(), "ISO IR87");
        assert_eq!(
            m.message_type(),
            MessageType {
                code: "ADT".into(),
                trigger: "A08".into(),
                structure: "ADT_A01".into()
            }
        );
    }

    #[test]
    fn repetitions_components_and_subcomponents_split() {
        let (m, _) = parse(ADT);
        let pid = m.first("PID").unwrap();
        let reps: Vec<_> = pid.field(5).reps().collect();
        assert_eq!(reps.len(), 2);
        assert_eq!(reps[0].comp(1).as_deref(), Some("患者"));
        assert_eq!(reps[0].comp(8).as_deref(), Some("I"));
        assert_eq!(reps[1].comp(2).as_deref(), Some("タロウ"));
        assert_eq!(reps[1].comp(3), None);
        assert_eq!(pid.field(3).comp(5).as_deref(), Some("PI"));
        assert_eq!(pid.field(99).value(), None);
    }

    #[test]
    fn subcomponents_and_escapes_are_read_after_splitting() {
        let (m, _) = parse("MSH|^~\\&|A\rRXE||x|3^TAB&錠&MR9P|a\\S\\b\\T\\c");
        let rxe = m.first("RXE").unwrap();
        assert_eq!(rxe.field(3).sub(2, 2).as_deref(), Some("錠"));
        assert_eq!(
            rxe.field(3).first().comp_joined(2, " ").as_deref(),
            Some("TAB 錠 MR9P")
        );
        assert_eq!(rxe.field(4).value().as_deref(), Some("a^b&c"));
    }

    #[test]
    fn hl7_null_is_not_a_value_but_is_visible() {
        let (m, _) = parse("MSH|^~\\&|A\rOBR||\"\"|x");
        let obr = m.first("OBR").unwrap();
        assert!(obr.field(2).is_null());
        assert_eq!(obr.field(2).value(), None);
        assert!(!obr.field(3).is_null());
    }

    #[test]
    fn cr_lf_and_crlf_all_terminate_segments() {
        for sep in ["\r", "\n", "\r\n"] {
            let text = ["MSH|^~\\&|A", "PID|1", "PV1|1", ""].join(sep);
            let (m, issues) = parse(&text);
            assert!(issues.is_empty());
            let ids: Vec<_> = m.segments().map(|s| s.id()).collect();
            assert_eq!(ids, ["MSH", "PID", "PV1"], "separator {sep:?}");
        }
    }

    #[test]
    fn text_without_msh_is_an_error_not_a_panic() {
        let (m, issues) = parse("hello\rworld");
        assert_eq!(m.segment_count(), 0);
        assert_eq!(issues[0].severity, Severity::Error);
    }

    #[test]
    fn garbage_before_msh_is_skipped_with_a_warning() {
        let (m, issues) = parse("junk\rMSH|^~\\&|A\rPID|1");
        assert_eq!(m.segment_count(), 2);
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].severity, Severity::Warning);
    }

    #[test]
    fn nonstandard_delimiters_are_honoured() {
        let (m, _) = parse("MSH#*@!$#A\rPID#1##id*x*y@rep2");
        let pid = m.first("PID").unwrap();
        assert_eq!(pid.field(3).comp(2).as_deref(), Some("x"));
        assert_eq!(pid.field(3).reps().count(), 2);
    }

    #[test]
    fn short_msh_does_not_panic() {
        for s in ["MSH", "MSH|", "MSH|^", "MSH|^~\\&"] {
            let (m, _) = parse(s);
            assert_eq!(m.segment_count(), 1);
            let msh = m.first("MSH").unwrap();
            let _ = msh.field(1).raw();
            let _ = msh.field(9).value();
        }
    }

    #[test]
    fn a_broken_line_is_reported_by_position_never_by_its_text() {
        // PID-11 broken by a line break: the address, name and phone fall onto lines of their own.
        let (m, issues) = parse(
            "MSH|^~\\&|A\rPID|1||7||山田^花子||19700312|F|||宮城県石巻市\r中央一丁目2番3号 山田花子|||090-1234-5678\r09012345678",
        );
        assert_eq!(issues.len(), 2, "{issues:?}");
        assert_eq!((issues[0].line, issues[1].line), (3, 4));
        for issue in &issues {
            let shown = issue.to_string();
            for content in ["中央", "山田", "花子", "090", "1234", "5678"] {
                assert!(!shown.contains(content), "{shown}");
            }
            assert!(shown.contains("at byte"), "{shown}");
        }
        let broken = m.segment(2).unwrap();
        assert!(!broken.has_segment_id());
        assert_eq!(broken.label(), "line 3 (not a segment)");
        assert_eq!(m.first("PID").unwrap().label(), "PID (line 2)");
    }

    #[test]
    fn unusable_delimiters_are_named_by_position_not_quoted() {
        let (_, issues) = parse("MSH山^~\\&|A");
        assert!(!issues[0].message.contains('山'), "{issues:?}");
        let (_, issues) = parse("MSH|山~\\&|A");
        assert!(issues[0].message.contains("character 1"), "{issues:?}");
        assert!(!issues[0].message.contains('山'), "{issues:?}");
    }

    #[test]
    fn malformed_segment_id_is_a_warning() {
        let (_, issues) = parse("MSH|^~\\&|A\rpid|1");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].line, 2);
    }
}
