//! Dates of birth as people say and write them in Japan: Gregorian (1970-03-12, 19700312, 1970年3月12日)
//! and the era calendar (和暦: S45.3.12, 昭和45年3月12日, 令和元年), a year or a year and month alone
//! narrowing a search (requirements SRCH-2). Also the other direction, for display: a date as its
//! era form, and the age on a day.
//!
//! Era years are counted from each era's first Gregorian year (M 1868, T 1912, S 1926, H 1989,
//! R 2019; 元年 = 1) without checking the era's first and last day: S64.2.1 is taken as 1989-02-01
//! although Heisei began on 8 January, because a clinician typing an era date off a card should get
//! the patient, not a refusal.

use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use crate::fold::is_dash;

/// What a date-of-birth query names: a day, a month or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DobQuery {
    Date(NaiveDate),
    /// Year and month (1–12).
    YearMonth(i32, u32),
    Year(i32),
}

impl DobQuery {
    /// Whether a patient born on `dob` fits this query.
    pub fn matches(&self, dob: NaiveDate) -> bool {
        match *self {
            DobQuery::Date(date) => date == dob,
            DobQuery::YearMonth(year, month) => dob.year() == year && dob.month() == month,
            DobQuery::Year(year) => dob.year() == year,
        }
    }
}

/// The Gregorian years a date-of-birth query may name: from Meiji 1 to a bound far enough ahead.
/// Outside it a number is more likely a patient ID than a birth year (see [`crate::parse_query`]).
pub const DOB_YEARS: RangeInclusive<i32> = 1868..=2100;

/// One era of the modern era calendar.
struct Era {
    /// The letter used in short forms (S45.3.12).
    letter: char,
    /// The one-kanji abbreviation (昭45.3.12).
    abbreviation: char,
    /// The full name (昭和).
    name: &'static str,
    /// The first day, as (year, month, day).
    start: (i32, u32, u32),
}

/// Oldest first. Meiji counts from 1 January 1868: the 改元 of October 1868 was made retroactive to
/// the start of the year, and before 1873 Japan did not use the Gregorian calendar, so finer dates in
/// 1868 cannot be told apart anyway. The other first days are the days each era began.
const ERAS: [Era; 5] = [
    Era {
        letter: 'M',
        abbreviation: '明',
        name: "明治",
        start: (1868, 1, 1),
    },
    Era {
        letter: 'T',
        abbreviation: '大',
        name: "大正",
        start: (1912, 7, 30),
    },
    Era {
        letter: 'S',
        abbreviation: '昭',
        name: "昭和",
        start: (1926, 12, 25),
    },
    Era {
        letter: 'H',
        abbreviation: '平',
        name: "平成",
        start: (1989, 1, 8),
    },
    Era {
        letter: 'R',
        abbreviation: '令',
        name: "令和",
        start: (2019, 5, 1),
    },
];

/// The largest era year accepted. Eras ran past 45 years only once (Showa, 64), and a mistyped
/// three-digit year should not land in another century.
const MAX_ERA_YEAR: u32 = 99;

/// Parses a date of birth in any form of requirements SRCH-2:
/// - Gregorian: `1970-03-12`, `19700312`, `1970/3/12`, `1970.3.12`, `1970年3月12日`;
/// - era: `S45.3.12`, `S45/3/12`, `s45-3-12`, `S450312`, `昭45.3.12`, `昭和45年3月12日`, with the era as a
///   letter (M T S H R, either case), one kanji (明 大 昭 平 令), its full name or a square (㍼), the year
///   as digits, kanji numerals (昭和四十五年) or 元;
/// - a year alone (`S45`, `昭和45年`, `1970`, `1970年`) → [`DobQuery::Year`]; a year and month (`S45.3`,
///   `1970-03`, `昭和45年3月`) → [`DobQuery::YearMonth`].
///
/// Full-width digits and separators and inner spaces are accepted, and so is a trailing 生 or 生まれ.
/// `None` for anything else, for impossible dates (S45.2.30) and for years outside [`DOB_YEARS`].
pub fn parse_dob(s: &str) -> Option<DobQuery> {
    let chars: Vec<char> = s
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            if is_dash(c) {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let chars = strip_born_suffix(&chars);
    let mut input = Cursor { chars, at: 0 };

    let year = match input.era() {
        Some(era) => {
            if let Some((year, month, day)) = input.compact_digits::<6>() {
                return checked(date(era_year_to_gregorian(era, year)?, month, day)?);
            }
            // "S.45.3.12" is written too.
            input.eat('.');
            // A year in kanji numerals is only a year when 年 follows (昭和四十五年): without it,
            // 昭二 and 平一 are given names, not Showa 2 and Heisei 1.
            let kanji_year = input
                .peek()
                .is_some_and(|c| c == '元' || c == '十' || kanji_digit(c).is_some());
            let era_year = input.era_year()?;
            if kanji_year && input.peek() != Some('年') {
                return None;
            }
            era_year_to_gregorian(era, era_year)?
        }
        None => {
            if let Some((year, month, day)) = input.compact_digits::<8>() {
                return checked(date(i32::try_from(year).ok()?, month, day)?);
            }
            i32::try_from(input.ascii_number(4, 4)?).ok()?
        }
    };
    checked(month_and_day(year, &mut input)?)
}

/// The query, if its year is one a date of birth can have.
fn checked(query: DobQuery) -> Option<DobQuery> {
    let year = match query {
        DobQuery::Date(date) => date.year(),
        DobQuery::YearMonth(year, _) | DobQuery::Year(year) => year,
    };
    DOB_YEARS.contains(&year).then_some(query)
}

fn date(year: i32, month: u32, day: u32) -> Option<DobQuery> {
    NaiveDate::from_ymd_opt(year, month, day).map(DobQuery::Date)
}

/// "生" and "生まれ" (born) end a date on forms and in speech: 昭和45年3月12日生.
fn strip_born_suffix(chars: &[char]) -> &[char] {
    chars
        .strip_suffix(&['生', 'ま', 'れ'])
        .or_else(|| chars.strip_suffix(&['生']))
        .unwrap_or(chars)
}

fn era_year_to_gregorian(era: &Era, era_year: u32) -> Option<i32> {
    if !(1..=MAX_ERA_YEAR).contains(&era_year) {
        return None;
    }
    Some(era.start.0 + i32::try_from(era_year).ok()? - 1)
}

/// The rest after a year: nothing, or a month, or a month and a day.
fn month_and_day(year: i32, input: &mut Cursor) -> Option<DobQuery> {
    if input.at_end() {
        return Some(DobQuery::Year(year));
    }
    if input.eat('年') {
        if input.at_end() {
            return Some(DobQuery::Year(year));
        }
    } else if !input.eat_separator() {
        return None;
    }
    let month = input.number()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    if input.eat('月') {
        if input.at_end() {
            return Some(DobQuery::YearMonth(year, month));
        }
    } else if input.at_end() {
        return Some(DobQuery::YearMonth(year, month));
    } else if !input.eat_separator() {
        return None;
    }
    let day = input.number()?;
    input.eat('日');
    if !input.at_end() {
        return None;
    }
    date(year, month, day)
}

/// A position in the normalised input.
struct Cursor<'a> {
    chars: &'a [char],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn rest(&self) -> &[char] {
        self.chars.get(self.at..).unwrap_or_default()
    }

    fn at_end(&self) -> bool {
        self.at >= self.chars.len()
    }

    fn eat(&mut self, c: char) -> bool {
        let matched = self.peek() == Some(c);
        if matched {
            self.at += 1;
        }
        matched
    }

    fn eat_separator(&mut self) -> bool {
        ['.', '/', '-']
            .into_iter()
            .any(|separator| self.eat(separator))
    }

    /// An era prefix: full name, one-kanji abbreviation or letter.
    fn era(&mut self) -> Option<&'static Era> {
        for era in &ERAS {
            let name: Vec<char> = era.name.chars().collect();
            if self.rest().starts_with(&name) {
                self.at += name.len();
                return Some(era);
            }
        }
        let first = self.peek()?;
        let era = ERAS
            .iter()
            .find(|era| first == era.abbreviation || first == era.letter.to_ascii_lowercase())?;
        self.at += 1;
        Some(era)
    }

    /// The whole rest as exactly `N` ASCII digits, read as year, month, day of 2 digits each (the
    /// year taking what is left: YYMMDD or YYYYMMDD).
    fn compact_digits<const N: usize>(&self) -> Option<(u32, u32, u32)> {
        let rest = self.rest();
        if rest.len() != N || !rest.iter().all(char::is_ascii_digit) {
            return None;
        }
        let value = |range: std::ops::Range<usize>| digits_value(rest.get(range)?);
        Some((value(0..N - 4)?, value(N - 4..N - 2)?, value(N - 2..N)?))
    }

    /// Between `min` and `max` ASCII digits, as many as there are.
    fn ascii_number(&mut self, min: usize, max: usize) -> Option<u32> {
        let count = self
            .rest()
            .iter()
            .take(max + 1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if count < min || count > max {
            return None;
        }
        let value = digits_value(self.rest().get(..count)?)?;
        self.at += count;
        Some(value)
    }

    /// An era year: 元, one or two digits, or kanji numerals.
    fn era_year(&mut self) -> Option<u32> {
        if self.eat('元') {
            return Some(1);
        }
        self.number()
    }

    /// A month, day or era year: one or two ASCII digits, or kanji numerals up to 99.
    fn number(&mut self) -> Option<u32> {
        if self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return self.ascii_number(1, 2);
        }
        let count = self
            .rest()
            .iter()
            .take_while(|&&c| kanji_digit(c).is_some() || c == '十')
            .count();
        let value = kanji_number(self.rest().get(..count)?)?;
        self.at += count;
        Some(value)
    }
}

fn digits_value(digits: &[char]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, c| {
        value.checked_mul(10)?.checked_add(c.to_digit(10)?)
    })
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九"
        .chars()
        .position(|digit| digit == c)
        .and_then(|value| u32::try_from(value).ok())
}

/// Kanji numerals up to 99: 十, 十二, 二十, 四十五, or digit by digit (四五, 二〇).
fn kanji_number(chars: &[char]) -> Option<u32> {
    let value = match chars.iter().position(|&c| c == '十') {
        Some(ten) => {
            let tens = match chars.get(..ten)? {
                [] => 1,
                [digit] => kanji_digit(*digit).filter(|&d| d > 0)?,
                _ => return None,
            };
            let ones = match chars.get(ten + 1..)? {
                [] => 0,
                [digit] => kanji_digit(*digit)?,
                _ => return None,
            };
            tens * 10 + ones
        }
        None if (1..=2).contains(&chars.len()) => chars
            .iter()
            .try_fold(0, |value, &c| Some(value * 10 + kanji_digit(c)?))?,
        None => return None,
    };
    Some(value)
}

/// The era a day belongs to, by each era's first day; `None` before Meiji.
fn era_of(date: NaiveDate) -> Option<(&'static Era, i32)> {
    let day = (date.year(), date.month(), date.day());
    let era = ERAS.iter().rev().find(|era| era.start <= day)?;
    Some((era, date.year() - era.start.0 + 1))
}

/// A date in the short era form used on forms and in EHRs: 1970-03-12 → "S45.3.12", 1989-01-08 →
/// "H1.1.8". `None` before Meiji (1868).
pub fn wareki_short(date: NaiveDate) -> Option<String> {
    let (era, year) = era_of(date)?;
    Some(format!(
        "{}{}.{}.{}",
        era.letter,
        year,
        date.month(),
        date.day()
    ))
}

/// A date in the long era form: 1970-03-12 → "昭和45年3月12日"; the first year of an era is written
/// 元年 as Japanese does (1989-01-08 → "平成元年1月8日"). `None` before Meiji (1868).
pub fn wareki_long(date: NaiveDate) -> Option<String> {
    let (era, year) = era_of(date)?;
    let year = if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    };
    Some(format!(
        "{}{}年{}月{}日",
        era.name,
        year,
        date.month(),
        date.day()
    ))
}

/// Completed years of age on `on`; 0 if `on` is before the birth. One born on 29 February gets a year
/// older on 1 March in common years, which is what Japanese law (年齢計算ニ関スル法律) gives.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).expect("a valid test date")
    }

    #[test]
    fn every_full_date_form_of_srch_2_reads_as_the_same_day() {
        let day = Some(DobQuery::Date(ymd(1970, 3, 12)));
        let forms = [
            "1970-03-12",
            "19700312",
            "1970/3/12",
            "1970.3.12",
            "1970年3月12日",
            "S45.3.12",
            "S45/3/12",
            "S45-3-12",
            "s45.3.12",
            "S450312",
            "S.45.3.12",
            "昭和45年3月12日",
            "昭45.3.12",
            "昭和四十五年三月十二日",
            "昭和四五年三月一二日",
            "㍼45年3月12日",
            "１９７０－０３－１２",
            "Ｓ４５．３．１２",
            "昭和４５年３月１２日",
            "昭和 45年 3月 12日",
            "昭和45年3月12日生",
            "昭和45年3月12日生まれ",
            "1970−3−12",
        ];
        for form in forms {
            assert_eq!(parse_dob(form), day, "{form}");
        }
    }

    #[test]
    fn every_era_letter_and_kanji_names_its_era() {
        let cases = [
            ("M45.7.29", ymd(1912, 7, 29)),
            ("明治45年7月29日", ymd(1912, 7, 29)),
            ("T1.7.30", ymd(1912, 7, 30)),
            ("大正元年7月30日", ymd(1912, 7, 30)),
            ("大15.12.24", ymd(1926, 12, 24)),
            ("S1.12.25", ymd(1926, 12, 25)),
            ("H1.1.8", ymd(1989, 1, 8)),
            ("平成元年1月8日", ymd(1989, 1, 8)),
            ("平31.4.30", ymd(2019, 4, 30)),
            ("R1.5.1", ymd(2019, 5, 1)),
            ("令和元年5月1日", ymd(2019, 5, 1)),
            ("r2.2.29", ymd(2020, 2, 29)),
        ];
        for (form, day) in cases {
            assert_eq!(parse_dob(form), Some(DobQuery::Date(day)), "{form}");
        }
    }

    #[test]
    fn a_year_alone_narrows_to_that_year() {
        for form in [
            "S45",
            "s45",
            "昭和45年",
            "昭45",
            "1970",
            "1970年",
            "１９７０",
            "昭和四十五年",
        ] {
            assert_eq!(parse_dob(form), Some(DobQuery::Year(1970)), "{form}");
        }
        assert_eq!(parse_dob("令和元年"), Some(DobQuery::Year(2019)));
        assert_eq!(parse_dob("H1"), Some(DobQuery::Year(1989)));
    }

    #[test]
    fn a_year_and_month_narrow_to_that_month() {
        for form in [
            "S45.3",
            "S45/3",
            "1970-03",
            "1970/3",
            "昭和45年3月",
            "1970年3月",
        ] {
            assert_eq!(
                parse_dob(form),
                Some(DobQuery::YearMonth(1970, 3)),
                "{form}"
            );
        }
    }

    #[test]
    fn an_era_year_past_its_end_is_the_plain_gregorian_year() {
        assert_eq!(parse_dob("S64"), Some(DobQuery::Year(1989)));
        assert_eq!(parse_dob("S64.1.7"), Some(DobQuery::Date(ymd(1989, 1, 7))));
        assert_eq!(parse_dob("S64.2.1"), Some(DobQuery::Date(ymd(1989, 2, 1))));
        assert_eq!(parse_dob("H31.5.1"), Some(DobQuery::Date(ymd(2019, 5, 1))));
        assert_eq!(
            parse_dob("T15.12.25"),
            Some(DobQuery::Date(ymd(1926, 12, 25)))
        );
    }

    #[test]
    fn impossible_dates_are_not_dates_of_birth() {
        for form in [
            "S45.2.30",
            "19700230",
            "1970-13-01",
            "1970-00-10",
            "S45.3.32",
            "H31.2.29",
            "S0",
            "S100",
            "昭和零年",
        ] {
            assert_eq!(parse_dob(form), None, "{form}");
        }
    }

    #[test]
    fn leap_days_are_dates_only_in_leap_years() {
        assert_eq!(
            parse_dob("H12.2.29"),
            Some(DobQuery::Date(ymd(2000, 2, 29)))
        );
        assert_eq!(parse_dob("19000229"), None);
    }

    #[test]
    fn other_text_is_not_a_date_of_birth() {
        for form in [
            "",
            "S",
            "昭和",
            "やまだ",
            "45",
            "197",
            "19700",
            "0312",
            "3/12/1970",
            "1970-3-12-1",
            "1970--3",
            "1970.",
            "S45..3",
            "12345678",
            "9999013",
            "1700",
            "2200",
            "女",
            "S45.3.12x",
        ] {
            assert_eq!(parse_dob(form), None, "{form}");
        }
    }

    #[test]
    fn wareki_short_follows_the_era_of_the_day() {
        let cases = [
            (ymd(1970, 3, 12), "S45.3.12"),
            (ymd(1868, 1, 1), "M1.1.1"),
            (ymd(1912, 7, 29), "M45.7.29"),
            (ymd(1912, 7, 30), "T1.7.30"),
            (ymd(1926, 12, 24), "T15.12.24"),
            (ymd(1926, 12, 25), "S1.12.25"),
            (ymd(1989, 1, 7), "S64.1.7"),
            (ymd(1989, 1, 8), "H1.1.8"),
            (ymd(2019, 4, 30), "H31.4.30"),
            (ymd(2019, 5, 1), "R1.5.1"),
        ];
        for (day, short) in cases {
            assert_eq!(wareki_short(day).as_deref(), Some(short), "{day}");
        }
    }

    #[test]
    fn wareki_long_writes_the_era_name_and_gan_nen() {
        assert_eq!(
            wareki_long(ymd(1970, 3, 12)).as_deref(),
            Some("昭和45年3月12日")
        );
        assert_eq!(
            wareki_long(ymd(1989, 1, 7)).as_deref(),
            Some("昭和64年1月7日")
        );
        assert_eq!(
            wareki_long(ymd(1989, 1, 8)).as_deref(),
            Some("平成元年1月8日")
        );
        assert_eq!(
            wareki_long(ymd(2019, 4, 30)).as_deref(),
            Some("平成31年4月30日")
        );
        assert_eq!(
            wareki_long(ymd(2019, 5, 1)).as_deref(),
            Some("令和元年5月1日")
        );
    }

    #[test]
    fn dates_before_meiji_have_no_era_form() {
        assert_eq!(wareki_short(ymd(1867, 12, 31)), None);
        assert_eq!(wareki_long(ymd(1867, 12, 31)), None);
    }

    #[test]
    fn age_counts_completed_years() {
        let dob = ymd(1970, 3, 12);
        assert_eq!(age_on(dob, ymd(2024, 3, 11)), 53);
        assert_eq!(age_on(dob, ymd(2024, 3, 12)), 54);
        assert_eq!(age_on(dob, dob), 0);
        assert_eq!(age_on(dob, ymd(1960, 1, 1)), 0);
    }

    #[test]
    fn a_leap_day_birthday_adds_a_year_on_the_first_of_march() {
        let dob = ymd(2000, 2, 29);
        assert_eq!(age_on(dob, ymd(2023, 2, 28)), 22);
        assert_eq!(age_on(dob, ymd(2023, 3, 1)), 23);
        assert_eq!(age_on(dob, ymd(2024, 2, 29)), 24);
    }

    #[test]
    fn queries_match_the_days_they_name() {
        let dob = ymd(1970, 3, 12);
        assert!(DobQuery::Date(dob).matches(dob));
        assert!(DobQuery::YearMonth(1970, 3).matches(dob));
        assert!(DobQuery::Year(1970).matches(dob));
        assert!(!DobQuery::YearMonth(1970, 4).matches(dob));
        assert!(!DobQuery::Year(1971).matches(dob));
        assert!(!DobQuery::Date(ymd(1970, 3, 13)).matches(dob));
    }
}
