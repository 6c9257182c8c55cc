//! Character bigrams: the tokens of the CJK-aware index and of the queries against it
//! (requirements SRCH-6: "character bigrams over folded text"; platform notes: lindera's dictionary
//! does not build offline, and bigrams serve names and clinical terms well enough).

/// Character bigrams of each word of `s` (words are split on whitespace; [`crate::fold`] leaves only
/// single ' ' between them). A one-character word is its own token, so that 林 or 肝 can be found.
/// Bigrams repeat when the text repeats, so callers can count term frequency.
///
/// Meant for [`crate::fold`] and [`crate::kana_key`] output, on both the index and the query side.
pub fn bigrams(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in s.split_whitespace() {
        let chars: Vec<char> = word.chars().collect();
        if let [single] = chars.as_slice() {
            out.push(single.to_string());
            continue;
        }
        out.extend(chars.windows(2).map(|pair| pair.iter().collect::<String>()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_word_gives_every_bigram_of_its_characters() {
        assert_eq!(bigrams("やまだ はなこ"), ["やま", "まだ", "はな", "なこ"]);
        assert_eq!(bigrams("高橋"), ["高橋"]);
    }

    #[test]
    fn one_character_word_is_its_own_token() {
        assert_eq!(bigrams("林 肝"), ["林", "肝"]);
    }

    #[test]
    fn empty_and_blank_text_have_no_tokens() {
        assert!(bigrams("").is_empty());
        assert!(bigrams("   ").is_empty());
    }

    #[test]
    fn repeated_bigrams_are_kept_for_term_frequency() {
        assert_eq!(bigrams("ままま"), ["まま", "まま"]);
    }

    #[test]
    fn query_bigrams_are_a_subset_of_the_indexed_name_bigrams() {
        let indexed = bigrams(&crate::fold("山田 花子"));
        for token in bigrams(&crate::fold("山田")) {
            assert!(indexed.contains(&token), "{token}");
        }
    }
}
