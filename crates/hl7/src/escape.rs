//! HL7 v2.5 escape sequences (§2.7): undone after splitting, on the leaf value only.
//!
//! Supported: `\F\ \S\ \T\ \R\ \E\` (the delimiters), `\.br\` and `\.sp\` (line breaks), `\Xhh…\`
//! (hex bytes). Highlighting (`\H\ \N\`), character-set switches (`\C…\ \M…\`) and other formatting
//! commands carry no text and are dropped. An unknown or unterminated sequence is kept as written, so no
//! text is ever lost.

use std::borrow::Cow;

use crate::message::Delimiters;

/// Undoes the escape sequences in one leaf value (a subcomponent, or a whole unsplit field).
pub fn unescape<'a>(raw: &'a str, d: &Delimiters) -> Cow<'a, str> {
    let esc = d.escape;
    if !raw.contains(esc) {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find(esc) {
        out.push_str(&rest[..start]);
        let after = &rest[start + esc.len_utf8()..];
        match after.find(esc) {
            Some(end) => {
                let body = &after[..end];
                if expand(body, d, &mut out) {
                    rest = &after[end + esc.len_utf8()..];
                } else {
                    // Not a sequence we know: keep the escape character and go on after it, so that
                    // `a\b\c` with a stray escape reads back as written.
                    out.push(esc);
                    rest = after;
                }
            }
            None => {
                out.push(esc);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Appends the meaning of one escape body to `out`; false when the body is not a known sequence.
fn expand(body: &str, d: &Delimiters, out: &mut String) -> bool {
    match body {
        "F" => out.push(d.field),
        "S" => out.push(d.component),
        "T" => out.push(d.subcomponent),
        "R" => out.push(d.repetition),
        "E" => out.push(d.escape),
        ".br" => out.push('\n'),
        "H" | "N" | ".fi" | ".nf" | ".ce" => {}
        _ => return expand_parametrised(body, out),
    }
    true
}

fn expand_parametrised(body: &str, out: &mut String) -> bool {
    let mut chars = body.chars();
    let Some(kind) = chars.next() else {
        return false;
    };
    let arg = chars.as_str();
    match kind {
        'X' if !arg.is_empty() && arg.len().is_multiple_of(2) => match hex_bytes(arg) {
            Some(bytes) => {
                match String::from_utf8(bytes) {
                    Ok(s) => out.push_str(&s),
                    // Bytes of some other character set: keep them visible rather than guess.
                    Err(e) => e
                        .into_bytes()
                        .iter()
                        .for_each(|b| out.push_str(&format!("\\x{b:02X}"))),
                }
                true
            }
            None => false,
        },
        // Character-set switches and locally defined escapes: no text of their own.
        'C' | 'M' | 'Z' if arg.bytes().all(|b| b.is_ascii_alphanumeric()) => true,
        '.' => expand_formatting(arg, out),
        _ => false,
    }
}

fn expand_formatting(arg: &str, out: &mut String) -> bool {
    // `.spN` skips N lines; `.inN`, `.tiN` and `.skN` indent or skip spaces.
    let Some((cmd, n)) = arg.get(..2).zip(arg.get(2..)) else {
        return false;
    };
    let n = n.trim_start_matches(['+', '-']);
    if !n.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match cmd {
        "sp" => {
            let lines = n.parse::<usize>().unwrap_or(1).clamp(1, 10);
            (0..lines).for_each(|_| out.push('\n'));
            true
        }
        "sk" => {
            let spaces = n.parse::<usize>().unwrap_or(1).clamp(1, 80);
            (0..spaces).for_each(|_| out.push(' '));
            true
        }
        "in" | "ti" => true,
        _ => false,
    }
}

fn hex_bytes(hex: &str) -> Option<Vec<u8>> {
    let b = hex.as_bytes();
    b.chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// Escapes a value for writing into a message: the inverse of [`unescape`] for the delimiters and
/// line breaks.
pub fn escape(value: &str, d: &Delimiters) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let seq = match c {
            c if c == d.escape => "E",
            c if c == d.field => "F",
            c if c == d.component => "S",
            c if c == d.subcomponent => "T",
            c if c == d.repetition => "R",
            '\n' => ".br",
            '\r' => continue,
            c => {
                out.push(c);
                continue;
            }
        };
        out.push(d.escape);
        out.push_str(seq);
        out.push(d.escape);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(s: &str) -> String {
        unescape(s, &Delimiters::default()).into_owned()
    }

    #[test]
    fn delimiter_escapes_become_the_delimiters() {
        assert_eq!(un(r"a\F\b\S\c\T\d\R\e\E\f"), r"a|b^c&d~e\f");
    }

    #[test]
    fn line_break_escape_becomes_a_newline() {
        assert_eq!(un(r"一行目\.br\二行目"), "一行目\n二行目");
    }

    #[test]
    fn hex_escape_decodes_utf8_bytes() {
        assert_eq!(un(r"\X41\\XE5B1B1\"), "A山");
    }

    #[test]
    fn highlight_and_charset_switches_carry_no_text() {
        assert_eq!(un(r"\H\重要\N\ \C2842\x"), "重要 x");
    }

    #[test]
    fn unknown_or_unterminated_sequences_are_kept_as_written() {
        assert_eq!(un(r"C:\temp\file"), r"C:\temp\file");
        assert_eq!(un(r"abc\"), r"abc\");
        assert_eq!(un(r"\Q\"), r"\Q\");
    }

    #[test]
    fn formatting_escape_with_multibyte_argument_is_kept() {
        // Found by proptest: `.` followed by a kana once sliced inside a character.
        assert_eq!(un("\\.ロ\\"), "\\.ロ\\");
        assert_eq!(un("a\\.sp2\\b"), "a\n\nb");
    }

    #[test]
    fn text_without_escapes_is_borrowed() {
        assert!(matches!(
            unescape("患者", &Delimiters::default()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn escape_then_unescape_round_trips() {
        let d = Delimiters::default();
        let s = "a|b^c&d~e\\f\n山";
        assert_eq!(unescape(&escape(s, &d), &d), s);
    }
}
