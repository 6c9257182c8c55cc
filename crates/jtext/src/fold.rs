//! The general fold: one canonical spelling for kanji, kana, address and clinical text, so that the
//! snapshot index and a clinician's query compare equal however each was typed
//! (requirements SRCH-1, SRCH-5).
//!
//! What it folds, in order: invisible characters are dropped (variation selectors, zero-width
//! characters, controls); NFKC (half-width kana → full-width, full-width ASCII → ASCII, ㍼ → 昭和, ①
//! → 1); variant kanji → canonical ([`crate::canonical_kanji`]); katakana → hiragana; ASCII →
//! lowercase; dash-like characters → '-'; runs of whitespace → one ' ', trimmed.
//!
//! What it does not fold: voicing, small kana, long vowels (that is [`crate::kana_key`]'s job, for
//! names only: in clinical text ビタミン and ピタミン must stay different).

use unicode_normalization::{UnicodeNormalization, is_nfkc};

use crate::kana::katakana_to_hiragana;
use crate::variants::canonical_kanji;

/// The prolonged sound mark ー. Addresses are often typed with it in place of a hyphen ("1ー3ー5",
/// SS-MIX2 guide §3.1, PID-11 `静岡県静岡市登呂１−３−５`), so between digits it is a dash.
const PROLONGED_SOUND_MARK: char = '\u{30FC}';

/// General fold for kanji, kana, address and clinical text. See the module documentation for the
/// steps. Idempotent: `fold(&fold(s)) == fold(s)`.
pub fn fold(s: &str) -> String {
    let visible: String = s.chars().filter(|&c| !is_invisible(c)).collect();
    let mut folded = fold_nfkc(&visible.nfkc().collect::<String>());
    // Lower-casing and the kana mapping can put a base character next to a combining mark it
    // composes with (J + U+030C has no precomposed form, j + U+030C is ǰ), so the result may no
    // longer be NFKC. Folding again until it is keeps `fold` idempotent; in practice this never
    // runs for Japanese text.
    for _ in 0..3 {
        if is_nfkc(&folded) {
            break;
        }
        folded = fold_nfkc(&folded.nfkc().collect::<String>());
    }
    folded
}

/// The per-character steps of [`fold`] on text that is already NFKC.
fn fold_nfkc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut previous: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            pending_space = true;
            previous = Some(c);
            continue;
        }
        let between_digits = previous.is_some_and(|p| p.is_ascii_digit())
            && chars.peek().is_some_and(|n| n.is_ascii_digit());
        let folded = if is_dash(c) || (c == PROLONGED_SOUND_MARK && between_digits) {
            '-'
        } else {
            katakana_to_hiragana(canonical_kanji(c)).to_ascii_lowercase()
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(folded);
        previous = Some(c);
    }
    out
}

/// Dash-like characters that people and EHRs use for a hyphen: ‐ ‑ ‒ – — ― (U+2010–2015), the hyphen
/// bullet, the minus sign −, the two- and three-em dashes and the small and full-width hyphen-minus
/// forms (NFKC already maps the last ones; they are listed so the set reads complete).
pub(crate) fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2043}'
                | '\u{2212}'
                | '\u{2E3A}'
                | '\u{2E3B}'
                | '\u{FE58}'
                | '\u{FE63}'
                | '\u{FF0D}'
    )
}

/// Characters that change nothing a reader sees: variation selectors (incl. the ideographic ones
/// that pick a glyph of 邉 or 﨑), zero-width space and joiners, word joiner, BOM, soft hyphen and
/// control characters other than whitespace.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0100}'..='\u{E01EF}'
    ) || (c.is_control() && !c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_katakana_folds_to_hiragana() {
        assert_eq!(fold("ﾔﾏﾀﾞ ﾊﾅｺ"), "やまだ はなこ");
        assert_eq!(fold("ﾊﾟﾝ"), "ぱん");
    }

    #[test]
    fn katakana_and_hiragana_fold_equal() {
        assert_eq!(fold("ヤマダ"), fold("やまだ"));
        assert_eq!(fold("ヴァイオリン"), "ゔぁいおりん");
    }

    #[test]
    fn full_width_ascii_folds_to_lowercase_ascii() {
        assert_eq!(fold("ＡＢＣ１２３"), "abc123");
        assert_eq!(fold("Yamada"), "yamada");
    }

    #[test]
    fn variant_kanji_fold_to_the_canonical_form() {
        assert_eq!(fold("髙橋"), "高橋");
        assert_eq!(fold("山\u{FA11}"), "山崎");
        assert_eq!(fold("渡邉"), fold("渡辺"));
        assert_eq!(fold("齋藤"), fold("斉藤"));
    }

    #[test]
    fn ideographic_variation_selectors_are_dropped() {
        // 邉 with an IVS selector is the same name as plain 邉, and so as 辺.
        assert_eq!(fold("渡邉\u{E0101}"), "渡辺");
    }

    #[test]
    fn every_dash_like_character_becomes_a_hyphen() {
        for dash in [
            '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}',
        ] {
            assert_eq!(
                fold(&format!("1{dash}3")),
                "1-3",
                "U+{:04X}",
                u32::from(dash)
            );
        }
        assert_eq!(fold("1\u{2212}3"), "1-3");
        assert_eq!(fold("1\u{FF0D}3"), "1-3");
        assert_eq!(fold("登呂１−３−５"), "登呂1-3-5");
    }

    #[test]
    fn prolonged_sound_mark_between_digits_is_a_hyphen() {
        assert_eq!(fold("１ー３ー５"), "1-3-5");
        assert_eq!(fold("1ｰ3"), "1-3");
    }

    #[test]
    fn prolonged_sound_mark_in_words_is_kept() {
        assert_eq!(fold("ユーコ"), "ゆーこ");
        assert_eq!(fold("スーパー1"), "すーぱー1");
    }

    #[test]
    fn whitespace_runs_become_one_space_and_ends_are_trimmed() {
        assert_eq!(fold("\u{3000}山田\u{3000}\u{3000}花子 \t"), "山田 花子");
        assert_eq!(fold("  "), "");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn era_squares_and_circled_numbers_are_spelled_out() {
        assert_eq!(fold("㍼45年"), "昭和45年");
        assert_eq!(fold("①"), "1");
    }

    #[test]
    fn fold_is_idempotent_on_a_combining_mark_that_composes_only_in_lowercase() {
        let once = fold("J\u{030C}");
        assert_eq!(once, "\u{01F0}");
        assert_eq!(fold(&once), once);
    }

    #[test]
    fn clinical_text_keeps_voicing_apart() {
        assert_ne!(fold("ビタミン"), fold("ピタミン"));
    }
}
