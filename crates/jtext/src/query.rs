//! A patient-search query split into typed terms: a clinician in a shelter types whatever they have
//! ("やまだ S45 女", "yamada hanako 1970", "090-1234-5678") and each word is recognised for what it is
//! (requirements SRCH-4: words combine). Also the sex words and phone numbers on their own, which
//! the index side uses to fold PID-8 and PID-13 the same way.

use crate::dob::{DobQuery, parse_dob};
use crate::fold::fold;
use crate::kana::kana_key;
use crate::romaji::romaji_to_kana;

/// A patient's sex as searched and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    Other,
    Unknown,
}

impl Sex {
    /// The administrative sex of HL7 table 0001 (PID-8: `M`, `F`, `O`, `U`, `A`, `N`; SS-MIX2 guide
    /// §3.1). Ambiguous and not-applicable count as other; anything unrecognised as unknown.
    pub fn from_hl7(code: &str) -> Sex {
        match code.trim() {
            "M" | "m" => Sex::Male,
            "F" | "f" => Sex::Female,
            "O" | "o" | "A" | "a" | "N" | "n" => Sex::Other,
            _ => Sex::Unknown,
        }
    }
}

/// Sex words in a query: 男, 男性, おとこ, M, male → male; 女, 女性, おんな, F, female → female; その他,
/// other → other; 不明, unknown → unknown. Kana in any script, Latin in any case or width. `None` for
/// any other word.
pub fn parse_sex(s: &str) -> Option<Sex> {
    match fold(s).as_str() {
        "男" | "男性" | "おとこ" | "だんせい" | "m" | "male" => Some(Sex::Male),
        "女" | "女性" | "おんな" | "じょせい" | "f" | "female" => Some(Sex::Female),
        "その他" | "other" => Some(Sex::Other),
        "不明" | "unknown" => Some(Sex::Unknown),
        _ => None,
    }
}

/// The digits of a phone number (full-width digits too), or `None` if `s` is not phone-like.
///
/// Phone-like means only digits and the separators - ( ) and spaces (any dash-like character counts
/// as -), and either
/// - at least 10 digits written with separators (03-1234-5678, (090)1234-5678), or
/// - a Japanese number: a leading 0 then a non-zero digit, 9 to 11 digits in all (0312345678,
///   09012345678), or
/// - "+" then 10 to 15 digits; +81 becomes the domestic leading 0 so that both spellings of one
///   number give the same digits.
///
/// A run of digits starting with 00 is not taken as a phone number: that is how zero-padded patient
/// IDs look (`0000012345`), and no domestic number starts so.
pub fn phone_digits(s: &str) -> Option<String> {
    let folded = fold(s);
    let (international, body) = match folded.strip_prefix('+') {
        Some(body) => (true, body),
        None => (false, folded.as_str()),
    };
    let mut digits = String::with_capacity(body.len());
    let mut separated = false;
    for c in body.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '-' | '(' | ')' | ' ' => separated = true,
            _ => return None,
        }
    }
    if international {
        if let Some(national) = digits.strip_prefix("81") {
            digits = format!("0{national}");
        } else {
            return (10..=15).contains(&digits.len()).then_some(digits);
        }
    }
    let count = digits.len();
    let domestic =
        digits.starts_with('0') && !digits.starts_with("00") && (9..=11).contains(&count);
    let written_as_phone = separated && (10..=15).contains(&count);
    (domestic || written_as_phone).then_some(digits)
}

/// One word of a query, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A date of birth, a year-month or a year.
    Dob(DobQuery),
    Sex(Sex),
    /// A phone number's digits, as [`phone_digits`] gives them.
    Phone(String),
    /// Any other all-digit word: a facility's patient ID (ASCII digits).
    Digits(String),
    /// Anything else: a name in kanji, kana or romaji, an address fragment, clinical words.
    /// `folded` is [`fold`] of `raw`; `kana_key` is [`kana_key`] of `raw`, or of its kana when `raw`
    /// is romaji (so "yamada" carries the key of やまだ).
    Text {
        raw: String,
        folded: String,
        kana_key: String,
    },
}

/// Splits a query on whitespace (U+3000 included) and classifies each word, first match wins:
/// 1. a date of birth, year-month or year ([`parse_dob`]: a bare 4-digit number in
///    [`crate::DOB_YEARS`] is a year, 8 digits that form a valid date are a date);
/// 2. a sex word ([`parse_sex`]);
/// 3. a phone number ([`phone_digits`]);
/// 4. other all-digit words → [`Term::Digits`];
/// 5. everything else → [`Term::Text`], romaji carrying the kana key of its kana.
///
/// Words that fold to nothing (zero-width characters) are dropped.
pub fn parse_query(q: &str) -> Vec<Term> {
    q.split(char::is_whitespace)
        .filter(|word| !word.is_empty())
        .filter_map(classify)
        .collect()
}

/// The most words one search query may have. A clinician types a name, a birth date, a sex, a
/// place: a handful of words. Every word is one more required clause over the whole index, so a
/// pasted document must be refused before it is parsed, not searched.
pub const MAX_QUERY_WORDS: usize = 16;
/// The most characters (whitespace included, leading and trailing left out) one query may have.
pub const MAX_QUERY_CHARS: usize = 200;

/// A query beyond [`MAX_QUERY_WORDS`] or [`MAX_QUERY_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryTooLong {
    Words { given: usize },
    Chars { given: usize },
}

impl std::fmt::Display for QueryTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryTooLong::Words { given } => write!(
                f,
                "the query has {given} words; a search takes at most {MAX_QUERY_WORDS}. Search by name and date of birth (and sex or address if needed)"
            ),
            QueryTooLong::Chars { given } => write!(
                f,
                "the query has {given} characters; a search takes at most {MAX_QUERY_CHARS}. Search by name and date of birth (and sex or address if needed)"
            ),
        }
    }
}

impl std::error::Error for QueryTooLong {}

/// Checks a query against [`MAX_QUERY_WORDS`] and [`MAX_QUERY_CHARS`] without allocating, so that
/// it is cheap on any input.
pub fn check_query_size(q: &str) -> Result<(), QueryTooLong> {
    let q = q.trim();
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryTooLong::Chars { given: chars });
    }
    let words = q
        .split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .count();
    if words > MAX_QUERY_WORDS {
        return Err(QueryTooLong::Words { given: words });
    }
    Ok(())
}

fn classify(word: &str) -> Option<Term> {
    if let Some(dob) = parse_dob(word) {
        return Some(Term::Dob(dob));
    }
    if let Some(sex) = parse_sex(word) {
        return Some(Term::Sex(sex));
    }
    if let Some(phone) = phone_digits(word) {
        return Some(Term::Phone(phone));
    }
    let folded = fold(word);
    if folded.is_empty() {
        return None;
    }
    if folded.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Term::Digits(folded));
    }
    let kana_key = match romaji_to_kana(word) {
        Some(kana) => kana_key(&kana),
        None => kana_key(word),
    };
    Some(Term::Text {
        raw: word.to_owned(),
        folded,
        kana_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sex_words_read_in_any_script_and_case() {
        for word in [
            "男",
            "男性",
            "M",
            "m",
            "male",
            "Male",
            "MALE",
            "おとこ",
            "オトコ",
            "Ｍ",
        ] {
            assert_eq!(parse_sex(word), Some(Sex::Male), "{word}");
        }
        for word in [
            "女",
            "女性",
            "F",
            "f",
            "female",
            "Female",
            "おんな",
            "オンナ",
            "ｆ",
        ] {
            assert_eq!(parse_sex(word), Some(Sex::Female), "{word}");
        }
        assert_eq!(parse_sex("その他"), Some(Sex::Other));
        assert_eq!(parse_sex("不明"), Some(Sex::Unknown));
    }

    #[test]
    fn other_words_are_no_sex() {
        for word in ["", "男女", "man", "やまだ", "S45", "x"] {
            assert_eq!(parse_sex(word), None, "{word}");
        }
    }

    #[test]
    fn hl7_sex_codes_map_to_sex() {
        assert_eq!(Sex::from_hl7("M"), Sex::Male);
        assert_eq!(Sex::from_hl7("F"), Sex::Female);
        assert_eq!(Sex::from_hl7("O"), Sex::Other);
        assert_eq!(Sex::from_hl7("A"), Sex::Other);
        assert_eq!(Sex::from_hl7("U"), Sex::Unknown);
        assert_eq!(Sex::from_hl7(""), Sex::Unknown);
    }

    #[test]
    fn phone_numbers_keep_only_their_digits() {
        let cases = [
            ("054-000-0000", "0540000000"),
            ("03-1234-5678", "0312345678"),
            ("(03)1234-5678", "0312345678"),
            ("０９０－１２３４－５６７８", "09012345678"),
            ("090ー1234ー5678", "09012345678"),
            ("0312345678", "0312345678"),
            ("09012345678", "09012345678"),
            ("+81-3-1234-5678", "0312345678"),
            ("+81 90 1234 5678", "09012345678"),
            ("+1-202-555-0100", "12025550100"),
        ];
        for (written, digits) in cases {
            assert_eq!(phone_digits(written).as_deref(), Some(digits), "{written}");
        }
    }

    #[test]
    fn short_numbers_ids_and_words_are_not_phone_numbers() {
        for word in [
            "9999013",
            "1234567890",
            "0000012345",
            "03-1234",
            "0312",
            "tel0312345678",
            "",
            "-",
            "012345678901",
        ] {
            assert_eq!(phone_digits(word), None, "{word}");
        }
    }

    #[test]
    fn yamada_s45_female_is_a_name_a_birth_year_and_a_sex() {
        let terms = parse_query("やまだ S45 女");
        assert_eq!(
            terms,
            [
                Term::Text {
                    raw: "やまだ".to_owned(),
                    folded: "やまだ".to_owned(),
                    kana_key: "やまた".to_owned(),
                },
                Term::Dob(DobQuery::Year(1970)),
                Term::Sex(Sex::Female),
            ]
        );
    }

    #[test]
    fn given_names_that_look_like_era_years_stay_names() {
        // 昭二 and 平一 are given names; only 昭和二年 (with 年) is a year.
        for q in ["千葉 昭二", "佐藤 平一", "鈴木 大三", "令一"] {
            assert!(
                parse_query(q)
                    .iter()
                    .all(|t| matches!(t, Term::Text { .. })),
                "{q}: {:?}",
                parse_query(q)
            );
        }
        assert_eq!(parse_query("昭二年"), [Term::Dob(DobQuery::Year(1927))]);
    }

    #[test]
    fn words_are_classified_in_order_date_sex_phone_digits_text() {
        let terms = parse_query("1970 19700312 m 090-1234-5678 9999013 静岡市");
        assert!(matches!(
            terms.first(),
            Some(Term::Dob(DobQuery::Year(1970)))
        ));
        assert!(matches!(terms.get(1), Some(Term::Dob(DobQuery::Date(_)))));
        assert_eq!(terms.get(2), Some(&Term::Sex(Sex::Male)));
        assert_eq!(terms.get(3), Some(&Term::Phone("09012345678".to_owned())));
        assert_eq!(terms.get(4), Some(&Term::Digits("9999013".to_owned())));
        assert!(matches!(terms.get(5), Some(Term::Text { folded, .. }) if folded == "静岡市"));
        assert_eq!(terms.len(), 6);
    }

    #[test]
    fn a_four_digit_number_outside_the_birth_years_is_a_patient_id() {
        assert_eq!(parse_query("0001"), [Term::Digits("0001".to_owned())]);
        assert_eq!(parse_query("１２３４"), [Term::Digits("1234".to_owned())]);
    }

    #[test]
    fn romaji_words_carry_the_kana_key_of_their_kana() {
        let terms = parse_query("Yamada\u{3000}HANAKO");
        let keys: Vec<&str> = terms
            .iter()
            .filter_map(|term| match term {
                Term::Text { kana_key, .. } => Some(kana_key.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(keys, [kana_key("やまだ"), kana_key("はなこ")]);
        assert!(matches!(terms.first(), Some(Term::Text { folded, .. }) if folded == "yamada"));
    }

    #[test]
    fn blank_and_invisible_words_give_no_terms() {
        assert!(parse_query("").is_empty());
        assert!(parse_query(" \u{3000}\t").is_empty());
        assert!(parse_query("\u{200B}").is_empty());
    }
}
