//! Kana: katakana → hiragana for [`crate::fold`], and the tolerant kana key for names.
//!
//! The key exists because a name's reading is written many ways: ユウコ, ユーコ, ゆうこ, ﾕｳｺ and the
//! romaji "yuko" are one person to a clinician, and registration clerks drop or add voicing marks and
//! small kana (requirements SRCH-1: "voiced and small kana and long vowels tolerated"). The key is
//! deliberately lossy; it is for finding candidates, and the result list shows the real names to
//! confirm identity.

use unicode_normalization::char::decompose_canonical;

use crate::fold::fold;

/// Katakana → hiragana for one character: ァ–ヶ (U+30A1–30F6) and the iteration marks ヽヾ. Katakana
/// without a hiragana counterpart (ヷヸヹヺ, the small ㇰ–ㇿ) come back unchanged.
pub(crate) fn katakana_to_hiragana(c: char) -> char {
    let offset = 0x60;
    match c {
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}' | '\u{30FE}' => {
            char::from_u32(u32::from(c) - offset).unwrap_or(c)
        }
        _ => c,
    }
}

/// Tolerant kana key for names: [`fold`], then only kana are kept, as hiragana, with
/// - voicing dropped (が→か, ぱ→は, ゔ→う), after ぢ→じ and づ→ず, which sound the same today, so
///   that romaji "zu" finds both ちずる and ちづる;
/// - small kana made large (ゃ→や, っ→つ, ぁ→あ, ゎ→わ) and ゐ ゑ を read as い え お;
/// - ー, spaces and everything that is not kana removed; ゝ ゞ repeat the kana before them;
/// - a vowel kana dropped after a kana of the same vowel, and う after an o-sound, い after an
///   e-sound (おう/おお→お, うう→う, えい/ええ→え, いい→い, ああ→あ).
///
/// So ゆうこ, ゆこ, ユーコ and ﾕｳｺ share one key. Returns "" when nothing kana-like remains (kanji or
/// Latin text). Idempotent.
pub fn kana_key(s: &str) -> String {
    let folded = fold(s);
    let mut key = String::with_capacity(folded.len());
    let mut last_kept: Option<char> = None;
    let mut last_plain: Option<char> = None;
    for c in folded.chars() {
        let plain = match c {
            // ゝ repeats the kana before it; ゞ is its voiced form, and voicing is dropped anyway.
            'ゝ' | 'ゞ' => last_plain,
            _ => plain_kana(c),
        };
        let Some(plain) = plain else { continue };
        last_plain = Some(plain);
        if is_long_vowel_of(plain, last_kept) {
            continue;
        }
        key.push(plain);
        last_kept = Some(plain);
    }
    key
}

/// One folded character as a plain (unvoiced, large) hiragana, or `None` when it is not kana.
fn plain_kana(c: char) -> Option<char> {
    let c = match c {
        // 四つ仮名: ぢ/じ and づ/ず are pronounced alike and romaji cannot tell them apart.
        'ぢ' => 'じ',
        'づ' => 'ず',
        _ => c,
    };
    let base = katakana_to_hiragana(without_voicing(c));
    let large = match base {
        'ぁ' => 'あ',
        'ぃ' => 'い',
        'ぅ' => 'う',
        'ぇ' => 'え',
        'ぉ' => 'お',
        'っ' => 'つ',
        'ゃ' => 'や',
        'ゅ' => 'ゆ',
        'ょ' => 'よ',
        'ゎ' => 'わ',
        'ゕ' => 'か',
        'ゖ' => 'け',
        'ゐ' => 'い',
        'ゑ' => 'え',
        'を' => 'お',
        other => small_katakana_extension(other).unwrap_or(other),
    };
    matches!(large, 'あ'..='ん').then_some(large)
}

/// The base of a voiced or semi-voiced kana (が → か, ぱ → は, ヷ → ワ); other characters unchanged.
fn without_voicing(c: char) -> char {
    if !matches!(c, '\u{3041}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}') {
        return c;
    }
    let mut base = None;
    decompose_canonical(c, |part| {
        if base.is_none() {
            base = Some(part);
        }
    });
    base.unwrap_or(c)
}

/// The small katakana of the Ainu extension block (ㇰ U+31F0 – ㇿ U+31FF) as large hiragana.
fn small_katakana_extension(c: char) -> Option<char> {
    const LARGE: [char; 16] = [
        'く', 'し', 'す', 'と', 'ぬ', 'は', 'ひ', 'ふ', 'へ', 'ほ', 'む', 'ら', 'り', 'る', 'れ',
        'ろ',
    ];
    let index = u32::from(c).checked_sub(0x31F0)?;
    LARGE.get(usize::try_from(index).ok()?).copied()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Vowel {
    A,
    I,
    U,
    E,
    O,
}

/// The vowel a plain hiragana ends in; ん has none.
fn vowel(k: char) -> Option<Vowel> {
    use Vowel::*;
    Some(match k {
        'あ' | 'か' | 'さ' | 'た' | 'な' | 'は' | 'ま' | 'や' | 'ら' | 'わ' => A,
        'い' | 'き' | 'し' | 'ち' | 'に' | 'ひ' | 'み' | 'り' => I,
        'う' | 'く' | 'す' | 'つ' | 'ぬ' | 'ふ' | 'む' | 'ゆ' | 'る' => U,
        'え' | 'け' | 'せ' | 'て' | 'ね' | 'へ' | 'め' | 'れ' => E,
        'お' | 'こ' | 'そ' | 'と' | 'の' | 'ほ' | 'も' | 'よ' | 'ろ' => O,
        _ => return None,
    })
}

/// Whether `k` only lengthens the kana before it: the same vowel again, or う after an o-sound
/// (こう), or い after an e-sound (けい).
fn is_long_vowel_of(k: char, previous: Option<char>) -> bool {
    let Some(previous) = previous.and_then(vowel) else {
        return false;
    };
    match k {
        'あ' => previous == Vowel::A,
        'い' => matches!(previous, Vowel::I | Vowel::E),
        'う' => matches!(previous, Vowel::U | Vowel::O),
        'え' => previous == Vowel::E,
        'お' => previous == Vowel::O,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn katakana_letters_become_hiragana() {
        assert_eq!(katakana_to_hiragana('ア'), 'あ');
        assert_eq!(katakana_to_hiragana('ヶ'), 'ゖ');
        assert_eq!(katakana_to_hiragana('ヴ'), 'ゔ');
        assert_eq!(katakana_to_hiragana('ヽ'), 'ゝ');
        assert_eq!(katakana_to_hiragana('ー'), 'ー');
        assert_eq!(katakana_to_hiragana('ヷ'), 'ヷ');
    }

    #[test]
    fn yuko_is_one_key_however_written() {
        let key = kana_key("ゆうこ");
        assert_eq!(key, "ゆこ");
        for spelling in ["ゆこ", "ユーコ", "ﾕｳｺ", "ユウコ", "ゆーこ", "ゆぅこ"]
        {
            assert_eq!(kana_key(spelling), key, "{spelling}");
        }
    }

    #[test]
    fn voiced_and_semi_voiced_kana_match_their_plain_kana() {
        assert_eq!(kana_key("やまだ"), kana_key("やまた"));
        assert_eq!(kana_key("ぱん"), kana_key("はん"));
        assert_eq!(kana_key("ヴ"), "う");
        assert_eq!(kana_key("ヷ"), "わ");
    }

    #[test]
    fn small_kana_match_their_large_kana() {
        assert_eq!(kana_key("きゃ"), kana_key("きや"));
        assert_eq!(kana_key("がっこう"), kana_key("かつこ"));
        assert_eq!(kana_key("くゎ"), "くわ");
        assert_eq!(kana_key("ㇰ"), "く");
    }

    #[test]
    fn long_vowels_collapse_after_a_kana_of_the_same_vowel() {
        assert_eq!(kana_key("おおの"), "おの");
        assert_eq!(kana_key("おうの"), "おの");
        assert_eq!(kana_key("さとう"), kana_key("サトー"));
        assert_eq!(kana_key("けいこ"), kana_key("けーこ"));
        assert_eq!(kana_key("ええ"), "え");
        assert_eq!(kana_key("いい"), "い");
        assert_eq!(kana_key("ああ"), "あ");
        assert_eq!(kana_key("ゆうう"), "ゆ");
    }

    #[test]
    fn different_vowels_are_not_collapsed() {
        assert_eq!(kana_key("あい"), "あい");
        assert_eq!(kana_key("かお"), "かお");
        assert_ne!(kana_key("ゆうこ"), kana_key("ようこ"));
    }

    #[test]
    fn ji_and_di_zu_and_du_share_a_key() {
        assert_eq!(kana_key("ちづる"), kana_key("ちずる"));
        assert_eq!(kana_key("はなぢ"), kana_key("はなじ"));
    }

    #[test]
    fn old_kana_read_as_modern_vowels() {
        assert_eq!(kana_key("ゐ"), "い");
        assert_eq!(kana_key("ヱ"), "え");
        assert_eq!(kana_key("を"), "お");
    }

    #[test]
    fn iteration_marks_repeat_the_kana_before() {
        assert_eq!(kana_key("みすゞ"), kana_key("みすず"));
        assert_eq!(kana_key("さゝき"), kana_key("ささき"));
        assert_eq!(kana_key("ゝ"), "");
    }

    #[test]
    fn spaces_and_non_kana_are_removed() {
        assert_eq!(kana_key("やまだ はなこ"), "やまたはなこ");
        assert_eq!(kana_key("山田 ハナコ 1970"), "はなこ");
    }

    #[test]
    fn text_without_kana_has_an_empty_key() {
        assert_eq!(kana_key("山田"), "");
        assert_eq!(kana_key("yamada"), "");
        assert_eq!(kana_key(""), "");
        assert_eq!(kana_key("ーー"), "");
    }
}
