//! Every search form of SRCH-1 to SRCH-4, from the point of view of the two sides that must agree:
//! what the snapshot builder indexes (fold, kana_key, bigrams of the stored value) and what a
//! clinician types (parse_query, then the same functions).

use chrono::NaiveDate;
use fieldchart_jtext::{
    DobQuery, Sex, Term, bigrams, canonical_kanji, fold, kana_key, parse_query, variant_pairs,
};

/// The index tokens of a stored value: bigrams of its fold.
fn indexed(value: &str) -> Vec<String> {
    bigrams(&fold(value))
}

/// Whether every query token is among the index tokens, which is how a bigram search hits.
fn hits(index: &[String], query: &[String]) -> bool {
    !query.is_empty() && query.iter().all(|token| index.contains(token))
}

/// The folded text and kana key of a text term.
fn text_term(term: Option<&Term>) -> (String, String) {
    match term {
        Some(Term::Text {
            folded, kana_key, ..
        }) => (folded.clone(), kana_key.clone()),
        other => panic!("expected a text term, got {other:?}"),
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid test date")
}

#[test]
fn a_kanji_name_finds_the_kanji_name_it_was_stored_as() {
    let index = indexed("山田 花子");
    let query = parse_query("山田");
    let (folded, _) = text_term(query.first());
    assert!(hits(&index, &bigrams(&folded)));
}

#[test]
fn katakana_hiragana_and_half_width_kana_are_interchangeable() {
    let stored = kana_key("ヤマダ ハナコ");
    for typed in ["やまだはなこ", "ヤマダハナコ", "ﾔﾏﾀﾞﾊﾅｺ", "ﾔﾏﾀﾞ ﾊﾅｺ"]
    {
        assert_eq!(kana_key(typed), stored, "{typed}");
    }
    assert_eq!(fold("ﾔﾏﾀﾞ"), fold("やまだ"));
    assert_eq!(fold("ヤマダ"), fold("やまだ"));
}

#[test]
fn voiced_small_kana_and_long_vowels_are_tolerated() {
    assert_eq!(kana_key("ヤマダ"), kana_key("やまた"));
    assert_eq!(kana_key("キョウコ"), kana_key("きよこ"));
    assert_eq!(kana_key("ユウコ"), kana_key("ユーコ"));
    assert_eq!(kana_key("ユウコ"), kana_key("ゆこ"));
    assert_eq!(kana_key("サイトウ"), kana_key("さいと"));
    assert_eq!(kana_key("ハットリ"), kana_key("はつとり"));
}

#[test]
fn romaji_in_hepburn_and_kunrei_finds_the_kana_name() {
    let stored = kana_key("ヤマダ ハナコ");
    for typed in ["yamada hanako", "YAMADA HANAKO", "yamata hanako"] {
        let keys: String = parse_query(typed)
            .iter()
            .map(|term| text_term(Some(term)).1)
            .collect();
        assert_eq!(keys, stored, "{typed}");
    }
    let chuuou = kana_key("チュウオウ");
    for typed in ["tyuuou", "chuuou", "chuou", "tyuou"] {
        assert_eq!(text_term(parse_query(typed).first()).1, chuuou, "{typed}");
    }
    let pairs = [
        ("shimizu", "simizu", "シミズ"),
        ("tsutsumi", "tutumi", "ツツミ"),
        ("chiba", "tiba", "チバ"),
        ("fujita", "huzita", "フジタ"),
        ("shoji", "syozi", "ショウジ"),
        ("kojima", "kozima", "コジマ"),
        ("chou", "tyou", "チョウ"),
    ];
    for (hepburn, kunrei, katakana) in pairs {
        let stored = kana_key(katakana);
        assert_eq!(
            text_term(parse_query(hepburn).first()).1,
            stored,
            "{hepburn}"
        );
        assert_eq!(text_term(parse_query(kunrei).first()).1, stored, "{kunrei}");
    }
    let ono = kana_key("オオノ");
    for typed in ["Ōno", "Ohno", "Oono", "おおの"] {
        assert_eq!(text_term(parse_query(typed).first()).1, ono, "{typed}");
    }
}

#[test]
fn variant_kanji_match_in_either_direction() {
    for (variant, canonical) in variant_pairs() {
        let variant_name = format!("{variant}田");
        let canonical_name = format!("{canonical}田");
        assert_eq!(
            fold(&variant_name),
            fold(&canonical_name),
            "{variant}/{canonical}"
        );
        assert!(hits(&indexed(&variant_name), &indexed(&canonical_name)));
        assert!(hits(&indexed(&canonical_name), &indexed(&variant_name)));
    }
    for group in [
        "髙高",
        "﨑崎",
        "邊邉辺",
        "齋齊斎",
        "濵浜",
        "澤沢",
        "櫻桜",
        "德徳",
        "國国",
    ] {
        let forms: Vec<char> = group.chars().map(canonical_kanji).collect();
        assert!(forms.iter().all(|f| Some(f) == forms.first()), "{group}");
    }
}

#[test]
fn every_date_of_birth_form_names_the_same_day() {
    let day = DobQuery::Date(ymd(1970, 3, 12));
    for typed in [
        "1970-03-12",
        "19700312",
        "1970/3/12",
        "S45.3.12",
        "S45/3/12",
        "昭和45年3月12日",
    ] {
        assert_eq!(parse_query(typed), [Term::Dob(day)], "{typed}");
    }
}

#[test]
fn every_era_letter_is_understood() {
    let cases = [
        ("M45.7.29", ymd(1912, 7, 29)),
        ("T2.1.1", ymd(1913, 1, 1)),
        ("S45.3.12", ymd(1970, 3, 12)),
        ("H1.1.8", ymd(1989, 1, 8)),
        ("R1.5.1", ymd(2019, 5, 1)),
    ];
    for (typed, day) in cases {
        assert_eq!(
            parse_query(typed),
            [Term::Dob(DobQuery::Date(day))],
            "{typed}"
        );
    }
}

#[test]
fn a_year_alone_narrows_the_search() {
    assert_eq!(parse_query("S45"), [Term::Dob(DobQuery::Year(1970))]);
    assert_eq!(parse_query("1970"), [Term::Dob(DobQuery::Year(1970))]);
}

#[test]
fn sex_an_address_fragment_a_phone_number_and_a_patient_id_are_recognised() {
    assert_eq!(parse_query("女"), [Term::Sex(Sex::Female)]);
    assert_eq!(parse_query("男性"), [Term::Sex(Sex::Male)]);

    // The NHO sample's PID-11 address, searched by a fragment typed with ASCII digits and hyphens.
    let index = indexed("静岡県静岡市登呂１−３−５");
    let (folded, _) = text_term(parse_query("登呂1-3-5").first());
    assert!(hits(&index, &bigrams(&folded)));
    let (folded, _) = text_term(parse_query("静岡市").first());
    assert!(hits(&index, &bigrams(&folded)));

    // The NHO sample's PID-13 phone number, typed with full-width digits.
    assert_eq!(
        parse_query("０５４－０００－００００"),
        [Term::Phone("0540000000".to_owned())]
    );
    assert_eq!(parse_query("9999013"), [Term::Digits("9999013".to_owned())]);
}

#[test]
fn a_combined_query_gives_a_name_a_birth_year_and_a_sex() {
    let terms = parse_query("やまだ S45 女");
    assert_eq!(terms.len(), 3);
    assert_eq!(text_term(terms.first()).1, kana_key("ヤマダ"));
    assert_eq!(terms.get(1), Some(&Term::Dob(DobQuery::Year(1970))));
    assert_eq!(terms.get(2), Some(&Term::Sex(Sex::Female)));
}

#[test]
fn clinical_words_find_drug_names_and_diagnoses_by_bigrams() {
    assert!(hits(
        &indexed("ワーファリン錠１ｍｇ"),
        &indexed("ワーファリン")
    ));
    assert!(hits(&indexed("ﾜｰﾌｧﾘﾝ錠1mg"), &indexed("わーふぁりん")));
    assert!(hits(&indexed("２型糖尿病"), &indexed("糖尿病")));
    assert!(hits(&indexed("総蛋白"), &indexed("蛋白")));
    assert!(!hits(&indexed("胃炎"), &indexed("肺炎")));
}
