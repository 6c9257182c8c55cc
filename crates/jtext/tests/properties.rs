//! Property tests: no function panics on any string, the folds are idempotent, and era dates
//! round-trip through display and parsing for every day a patient can be born on.

use chrono::{Datelike, Days, NaiveDate};
use fieldchart_jtext::{
    DobQuery, MAX_QUERY_CHARS, MAX_QUERY_WORDS, QueryTooLong, age_on, bigrams, check_query_size,
    fold, kana_key, parse_dob, parse_query, parse_sex, phone_digits, romaji_to_kana, wareki_long,
    wareki_short,
};
use proptest::prelude::*;

/// Strings drawn from what the functions look at: kana of both scripts and widths, kanji and their
/// variants, digits of both widths, era letters, separators, dashes, combining marks, spaces and
/// selectors, mixed with arbitrary characters.
fn japanese_text() -> impl Strategy<Value = String> {
    let interesting = prop_oneof![
        prop::char::range('\u{3040}', '\u{30FF}'),
        prop::char::range('\u{FF61}', '\u{FF9F}'),
        prop::char::range('\u{31F0}', '\u{31FF}'),
        prop::sample::select(vec![
            '髙',
            '高',
            '﨑',
            '崎',
            '邉',
            '辺',
            '齋',
            '斎',
            '山',
            '田',
            '昭',
            '和',
            '平',
            '成',
            '令',
            '元',
            '年',
            '月',
            '日',
            '十',
            '四',
            '五',
            '男',
            '女',
            '生',
            'ま',
            'れ',
            '\u{FA10}',
            '\u{E0101}',
            '\u{FE00}',
            '\u{200B}',
            '\u{3000}',
            ' ',
            '\t',
            '\u{3099}',
            '\u{309A}',
            '\u{0301}',
            '\u{030C}',
            '\u{0304}',
            'J',
            'j',
            'O',
            'ō',
            'Ō',
            '-',
            '\u{2212}',
            '\u{FF0D}',
            'ー',
            '.',
            '/',
            '(',
            ')',
            '+',
            '\'',
            '０',
            '９',
            '㍼',
            '①',
            'ゝ',
            'ゞ',
            'ヽ',
            'ヾ',
        ]),
        prop::char::range('0', '9'),
        prop::char::range('a', 'z'),
        prop::char::range('A', 'Z'),
        any::<char>(),
    ];
    prop::collection::vec(interesting, 0..24).prop_map(|chars| chars.into_iter().collect())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), japanese_text()]
}

/// Every day from Meiji 1 (1868-01-01) to the end of 2100.
fn birth_day() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1868, 1, 1).unwrap_or_default();
    (0u64..84_000).prop_filter_map("past 2100", move |offset| {
        first
            .checked_add_days(Days::new(offset))
            .filter(|day| day.year() <= 2100)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_function_panics_on_any_string(s in any_text()) {
        let _ = fold(&s);
        let _ = kana_key(&s);
        let _ = romaji_to_kana(&s);
        let _ = bigrams(&s);
        let _ = parse_dob(&s);
        let _ = parse_sex(&s);
        let _ = phone_digits(&s);
        let _ = parse_query(&s);
    }

    #[test]
    fn fold_is_idempotent(s in any_text()) {
        let once = fold(&s);
        prop_assert_eq!(fold(&once), once);
    }

    #[test]
    fn kana_key_is_idempotent(s in any_text()) {
        let once = kana_key(&s);
        prop_assert_eq!(kana_key(&once), once);
    }

    #[test]
    fn kana_key_of_folded_text_is_the_kana_key_of_the_text(s in any_text()) {
        prop_assert_eq!(kana_key(&fold(&s)), kana_key(&s));
    }

    #[test]
    fn kana_key_holds_only_plain_hiragana(s in any_text()) {
        let key = kana_key(&s);
        prop_assert!(key.chars().all(|c| ('あ'..='ん').contains(&c)), "{:?}", key);
    }

    #[test]
    fn fold_leaves_single_inner_spaces_only(s in any_text()) {
        let folded = fold(&s);
        prop_assert!(!folded.starts_with(' ') && !folded.ends_with(' '));
        prop_assert!(!folded.contains("  "));
        prop_assert!(folded.chars().all(|c| c == ' ' || !c.is_whitespace()));
    }

    #[test]
    fn katakana_and_hiragana_spellings_fold_equal(hiragana in "[ぁ-ゖ]{1,12}") {
        let katakana: String = hiragana
            .chars()
            .map(|c| char::from_u32(u32::from(c) + 0x60).unwrap_or(c))
            .collect();
        prop_assert_eq!(fold(&katakana), fold(&hiragana));
    }

    #[test]
    fn romaji_gives_hiragana_and_spaces_only(s in "[a-z' -]{1,16}") {
        if let Some(kana) = romaji_to_kana(&s) {
            prop_assert!(kana.chars().all(|c| c == ' ' || ('ぁ'..='ゖ').contains(&c)), "{:?}", kana);
        }
    }

    #[test]
    fn bigrams_of_each_word_are_its_length_less_one(s in any_text()) {
        let folded = fold(&s);
        let expected: usize = folded
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().count().saturating_sub(1).max(1))
            .sum();
        prop_assert_eq!(bigrams(&folded).len(), expected);
    }

    #[test]
    fn a_query_has_at_most_one_term_per_word(s in any_text()) {
        let words = s.split(char::is_whitespace).filter(|w| !w.is_empty()).count();
        prop_assert!(parse_query(&s).len() <= words);
    }

    #[test]
    fn era_forms_of_a_day_parse_back_to_that_day(day in birth_day()) {
        let expected = Some(DobQuery::Date(day));
        let short = wareki_short(day);
        let long = wareki_long(day);
        prop_assert!(short.is_some() && long.is_some());
        prop_assert_eq!(parse_dob(&short.unwrap_or_default()), expected);
        prop_assert_eq!(parse_dob(&long.unwrap_or_default()), expected);
        prop_assert_eq!(parse_dob(&day.format("%Y-%m-%d").to_string()), expected);
        prop_assert_eq!(parse_dob(&day.format("%Y%m%d").to_string()), expected);
        prop_assert_eq!(parse_dob(&day.format("%Y/%-m/%-d").to_string()), expected);
    }

    #[test]
    fn age_grows_by_one_on_each_birthday(day in birth_day(), years in 1u32..100) {
        let later = day.with_year(day.year() + i32::try_from(years).unwrap_or(0));
        if let Some(birthday) = later {
            prop_assert_eq!(age_on(day, birthday), years);
            if let Some(eve) = birthday.pred_opt() {
                prop_assert_eq!(age_on(day, eve), years - 1);
            }
        }
    }
}

#[test]
fn a_query_of_forty_thousand_words_is_refused_before_it_is_parsed() {
    let pasted = "やまだ ".repeat(40_000);
    assert!(matches!(
        check_query_size(&pasted),
        Err(QueryTooLong::Chars { given: 159_999 })
    ));
    let many_short = "a ".repeat(MAX_QUERY_WORDS + 1);
    assert_eq!(
        check_query_size(&many_short),
        Err(QueryTooLong::Words {
            given: MAX_QUERY_WORDS + 1
        })
    );
    assert_eq!(check_query_size("やまだ はなこ S45.3.12 女 宮城"), Ok(()));
    assert_eq!(check_query_size(&"山".repeat(MAX_QUERY_CHARS)), Ok(()));
    let message = check_query_size(&many_short).unwrap_err().to_string();
    assert!(message.contains("at most 16"), "{message}");
}

proptest! {
    #[test]
    fn the_query_bound_holds_exactly_at_its_limits(
        words in prop::collection::vec("[a-zやまだ山田0-9]{1,12}", 1..40),
        gap in prop::sample::select(vec![" ", "\u{3000}", "  ", "\t"]),
    ) {
        let q = words.join(gap);
        let chars = q.chars().count();
        let verdict = check_query_size(&q);
        if chars > MAX_QUERY_CHARS {
            prop_assert_eq!(verdict, Err(QueryTooLong::Chars { given: chars }));
        } else if words.len() > MAX_QUERY_WORDS {
            prop_assert_eq!(verdict, Err(QueryTooLong::Words { given: words.len() }));
        } else {
            prop_assert_eq!(verdict, Ok(()));
        }
    }

    #[test]
    fn checking_the_query_size_never_panics(q in "\\PC{0,600}") {
        let _ = check_query_size(&q);
    }
}
