//! Romaji → hiragana, so that a query typed on a laptop without a Japanese IME ("yamada hanako",
//! "tyuuou") finds names stored in kana (requirements SRCH-1: romaji in both Hepburn and
//! kunrei spelling).
//!
//! Accepted: Hepburn (shi, chi, tsu, fu, ji, sha, cha, ja), kunrei and nihon-shiki (si, ti, tu, hu,
//! zi, di, sya, tya, zya), the IME spellings (cya, jya, nn, x-prefixed small kana), n' and nn for ん,
//! a doubled consonant or "tch" for っ, "m" before b/m/p as ん (Hepburn: Namba, shimbun), macrons
//! and circumflexes (ō, û) and "oh" as long vowels (passport spelling: Ohno, Satoh).
//!
//! The output is only compared through [`crate::kana_key`], which collapses long vowels, so ō can
//! become おう and "oo" おお without harm. Not handled: a syllable-final n before a vowel without an
//! apostrophe ("shinichi" reads しにち, not しんいち), which no converter can tell apart.

use unicode_normalization::UnicodeNormalization;

/// Romaji → hiragana, words kept apart by one space. `None` when the input is not romaji-like: it
/// holds digits or letters other than ASCII (and macron/circumflex vowels), no letter at all, or a
/// letter sequence that is no syllable ("smith", "xyz").
pub fn romaji_to_kana(s: &str) -> Option<String> {
    let letters = romaji_letters(s)?;
    let mut words = Vec::new();
    for word in letters.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let kana = word_to_kana(word)?;
        if !kana.is_empty() {
            words.push(kana);
        }
    }
    if words.is_empty() {
        return None;
    }
    Some(words.join(" "))
}

/// The input as lowercase ASCII letters, single spaces, apostrophes and hyphens, with long vowels
/// spelled out; `None` for anything else or when there is no letter.
fn romaji_letters(s: &str) -> Option<Vec<u8>> {
    // NFKC first: full-width ＹＡＭＡＤＡ is romaji too, and a decomposed O + U+0304 becomes Ō.
    let mut out = Vec::with_capacity(s.len());
    let mut has_letter = false;
    for c in s.nfkc().flat_map(char::to_lowercase) {
        let spelled: &[u8] = match c {
            'a'..='z' => {
                has_letter = true;
                out.push(c as u8);
                continue;
            }
            'ā' | 'â' => b"aa",
            'ī' | 'î' => b"ii",
            'ū' | 'û' => b"uu",
            'ē' | 'ê' => b"ee",
            'ō' | 'ô' => b"ou",
            '\'' | '\u{2019}' => b"'",
            '-' => b"-",
            _ if c.is_whitespace() => b" ",
            _ => return None,
        };
        has_letter |= spelled.iter().any(u8::is_ascii_lowercase);
        out.extend_from_slice(spelled);
    }
    has_letter.then_some(out)
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'i' | b'u' | b'e' | b'o')
}

/// Whether a syllable starting with "n" (or "h", "m") continues: a vowel or "y" follows.
fn starts_syllable_tail(b: Option<u8>) -> bool {
    b.is_some_and(|b| is_vowel(b) || b == b'y')
}

/// One word of lowercase romaji → hiragana; `None` when some letters are no syllable.
fn word_to_kana(word: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(word.len() * 3);
    let mut at = 0;
    while let Some(&c) = word.get(at) {
        let next = word.get(at + 1).copied();
        let previous = at.checked_sub(1).and_then(|p| word.get(p)).copied();
        match c {
            b'\'' | b'-' => {
                at += 1;
                continue;
            }
            b'n' if !starts_syllable_tail(next) => {
                out.push('ん');
                at += match next {
                    // "nn" before a vowel is ん + na… (Hepburn "onna" = おんな); otherwise both
                    // letters are the ん (IME "konnnichiha").
                    Some(b'n') if !starts_syllable_tail(word.get(at + 2).copied()) => 2,
                    Some(b'\'') => 2,
                    _ => 1,
                };
                continue;
            }
            b'm' if matches!(next, Some(b'b' | b'm' | b'p')) => {
                out.push('ん');
                at += 1;
                continue;
            }
            b'h' if previous == Some(b'o') && !starts_syllable_tail(next) => {
                // Passport Hepburn writes a long o as "oh" (Ohno, Satoh).
                out.push('う');
                at += 1;
                continue;
            }
            _ => {}
        }
        let doubled =
            next == Some(c) || (c == b't' && next == Some(b'c') && word.get(at + 2) == Some(&b'h'));
        if !is_vowel(c) && doubled {
            out.push('っ');
            at += 1;
            continue;
        }
        let (kana, length) = (1..=4)
            .rev()
            .find_map(|length| Some((syllable(word.get(at..at + length)?)?, length)))?;
        out.push_str(kana);
        at += length;
    }
    Some(out)
}

/// The kana of one romaji syllable, Hepburn, kunrei, nihon-shiki and IME spellings alike.
fn syllable(romaji: &[u8]) -> Option<&'static str> {
    Some(match romaji {
        b"a" => "あ",
        b"i" => "い",
        b"u" => "う",
        b"e" => "え",
        b"o" => "お",
        b"ka" => "か",
        b"ki" => "き",
        b"ku" => "く",
        b"ke" => "け",
        b"ko" => "こ",
        b"kya" => "きゃ",
        b"kyu" => "きゅ",
        b"kyo" => "きょ",
        b"ga" => "が",
        b"gi" => "ぎ",
        b"gu" => "ぐ",
        b"ge" => "げ",
        b"go" => "ご",
        b"gya" => "ぎゃ",
        b"gyu" => "ぎゅ",
        b"gyo" => "ぎょ",
        b"sa" => "さ",
        b"si" | b"shi" => "し",
        b"su" => "す",
        b"se" => "せ",
        b"so" => "そ",
        b"sya" | b"sha" => "しゃ",
        b"syu" | b"shu" => "しゅ",
        b"sye" | b"she" => "しぇ",
        b"syo" | b"sho" => "しょ",
        b"za" => "ざ",
        b"zi" | b"ji" => "じ",
        b"zu" => "ず",
        b"ze" => "ぜ",
        b"zo" => "ぞ",
        b"zya" | b"ja" | b"jya" => "じゃ",
        b"zyu" | b"ju" | b"jyu" => "じゅ",
        b"zye" | b"je" | b"jye" => "じぇ",
        b"zyo" | b"jo" | b"jyo" => "じょ",
        b"ta" => "た",
        b"ti" | b"chi" => "ち",
        b"tu" | b"tsu" => "つ",
        b"te" => "て",
        b"to" => "と",
        b"tya" | b"cha" | b"cya" => "ちゃ",
        b"tyu" | b"chu" | b"cyu" => "ちゅ",
        b"tye" | b"che" | b"cye" => "ちぇ",
        b"tyo" | b"cho" | b"cyo" => "ちょ",
        b"da" => "だ",
        b"di" => "ぢ",
        b"du" => "づ",
        b"de" => "で",
        b"do" => "ど",
        b"dya" => "ぢゃ",
        b"dyu" => "ぢゅ",
        b"dyo" => "ぢょ",
        b"na" => "な",
        b"ni" => "に",
        b"nu" => "ぬ",
        b"ne" => "ね",
        b"no" => "の",
        b"nya" => "にゃ",
        b"nyu" => "にゅ",
        b"nyo" => "にょ",
        b"ha" => "は",
        b"hi" => "ひ",
        b"hu" | b"fu" => "ふ",
        b"he" => "へ",
        b"ho" => "ほ",
        b"hya" => "ひゃ",
        b"hyu" => "ひゅ",
        b"hyo" => "ひょ",
        b"fa" => "ふぁ",
        b"fi" => "ふぃ",
        b"fe" => "ふぇ",
        b"fo" => "ふぉ",
        b"fyu" => "ふゅ",
        b"ba" => "ば",
        b"bi" => "び",
        b"bu" => "ぶ",
        b"be" => "べ",
        b"bo" => "ぼ",
        b"bya" => "びゃ",
        b"byu" => "びゅ",
        b"byo" => "びょ",
        b"pa" => "ぱ",
        b"pi" => "ぴ",
        b"pu" => "ぷ",
        b"pe" => "ぺ",
        b"po" => "ぽ",
        b"pya" => "ぴゃ",
        b"pyu" => "ぴゅ",
        b"pyo" => "ぴょ",
        b"ma" => "ま",
        b"mi" => "み",
        b"mu" => "む",
        b"me" => "め",
        b"mo" => "も",
        b"mya" => "みゃ",
        b"myu" => "みゅ",
        b"myo" => "みょ",
        b"ya" => "や",
        b"yu" => "ゆ",
        b"ye" => "いぇ",
        b"yo" => "よ",
        b"ra" => "ら",
        b"ri" => "り",
        b"ru" => "る",
        b"re" => "れ",
        b"ro" => "ろ",
        b"rya" => "りゃ",
        b"ryu" => "りゅ",
        b"ryo" => "りょ",
        b"wa" => "わ",
        b"wi" => "うぃ",
        b"we" => "うぇ",
        b"wo" => "を",
        b"va" => "ゔぁ",
        b"vi" => "ゔぃ",
        b"vu" => "ゔ",
        b"ve" => "ゔぇ",
        b"vo" => "ゔぉ",
        b"xa" => "ぁ",
        b"xi" => "ぃ",
        b"xu" => "ぅ",
        b"xe" => "ぇ",
        b"xo" => "ぉ",
        b"xya" => "ゃ",
        b"xyu" => "ゅ",
        b"xyo" => "ょ",
        b"xtu" | b"xtsu" => "っ",
        b"xwa" => "ゎ",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kana_key;

    fn kana(s: &str) -> String {
        romaji_to_kana(s).unwrap_or_else(|| panic!("{s} should be romaji"))
    }

    #[test]
    fn hepburn_and_kunrei_spell_the_same_kana() {
        let pairs = [
            ("shi", "si"),
            ("tsu", "tu"),
            ("chi", "ti"),
            ("fu", "hu"),
            ("ji", "zi"),
            ("sha", "sya"),
            ("shu", "syu"),
            ("sho", "syo"),
            ("cha", "tya"),
            ("cho", "tyo"),
            ("chu", "tyu"),
            ("ja", "zya"),
            ("ju", "zyu"),
            ("jo", "zyo"),
            ("cha", "cya"),
            ("ja", "jya"),
        ];
        for (hepburn, kunrei) in pairs {
            assert_eq!(kana(hepburn), kana(kunrei), "{hepburn} / {kunrei}");
        }
    }

    #[test]
    fn ji_zi_and_di_share_a_kana_key() {
        assert_eq!(kana("ji"), "じ");
        assert_eq!(kana("di"), "ぢ");
        assert_eq!(kana_key(&kana("ji")), kana_key(&kana("di")));
        assert_eq!(kana_key(&kana("zu")), kana_key(&kana("du")));
    }

    #[test]
    fn tyuuou_and_chuuou_both_read_chuuou() {
        assert_eq!(kana("tyuuou"), "ちゅうおう");
        assert_eq!(kana("chuuou"), "ちゅうおう");
        assert_eq!(kana_key(&kana("tyuuou")), kana_key("チュウオウ"));
        assert_eq!(kana_key(&kana("chuuou")), kana_key("チュウオウ"));
    }

    #[test]
    fn names_convert_word_by_word() {
        assert_eq!(kana("Yamada Hanako"), "やまだ はなこ");
        assert_eq!(kana("ＹＡＭＡＤＡ"), "やまだ");
    }

    #[test]
    fn ono_long_vowel_spellings_share_a_kana_key() {
        let key = kana_key("おおの");
        for spelling in ["Ōno", "Ohno", "Oono", "Ono", "Ouno", "O\u{0304}no", "Ôno"] {
            assert_eq!(kana_key(&kana(spelling)), key, "{spelling}");
        }
        assert_eq!(kana("Satoh"), "さとう");
    }

    #[test]
    fn syllabic_n_is_read_from_n_apostrophe_nn_and_a_lone_n() {
        assert_eq!(kana("kenta"), "けんた");
        assert_eq!(kana("shin'ichi"), "しんいち");
        assert_eq!(kana("kan"), "かん");
        assert_eq!(kana("konnnichiha"), "こんにちは");
        assert_eq!(kana("onna"), "おんな");
        assert_eq!(kana("kanna"), "かんな");
        assert_eq!(kana("hon-ya"), "ほんや");
        assert_eq!(kana("kin'yu"), "きんゆ");
    }

    #[test]
    fn m_before_b_m_p_is_syllabic_n() {
        assert_eq!(kana("namba"), "なんば");
        assert_eq!(kana("shimbun"), "しんぶん");
        assert_eq!(kana("jimmu"), "じんむ");
        assert_eq!(kana("sampo"), "さんぽ");
    }

    #[test]
    fn doubled_consonants_and_tch_are_small_tsu() {
        assert_eq!(kana("hattori"), "はっとり");
        assert_eq!(kana("issei"), "いっせい");
        assert_eq!(kana("matcha"), "まっちゃ");
        assert_eq!(kana("kocchi"), "こっち");
        assert_eq!(kana("beppu"), "べっぷ");
    }

    #[test]
    fn yamada_and_yamata_share_a_kana_key_with_the_kana_spellings() {
        let key = kana_key("やまだ");
        for spelling in ["ヤマダ", "ﾔﾏﾀﾞ", "やまた"] {
            assert_eq!(kana_key(spelling), key, "{spelling}");
        }
        assert_eq!(kana_key(&kana("yamada")), key);
        assert_eq!(kana_key(&kana("yamata")), key);
    }

    #[test]
    fn input_with_digits_or_other_scripts_is_not_romaji() {
        for not_romaji in ["yamada2", "山田", "やまだ", "müller", "", "   ", "'", "a.b"] {
            assert_eq!(romaji_to_kana(not_romaji), None, "{not_romaji:?}");
        }
    }

    #[test]
    fn letters_that_form_no_syllable_are_not_romaji() {
        for not_romaji in ["smith", "xyz", "q", "ct", "l"] {
            assert_eq!(romaji_to_kana(not_romaji), None, "{not_romaji}");
        }
    }

    #[test]
    fn small_kana_can_be_typed_with_x() {
        assert_eq!(kana("xtsu"), "っ");
        assert_eq!(kana("fa"), kana("huxa"));
    }
}
