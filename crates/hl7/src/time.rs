//! Lenient HL7 timestamps (DTM/TS): any precision, hours 24–47, optional offset; the raw string is kept.
//!
//! Real SS-MIX2 data has `20111220224447.3399`, `201601011500.321`, `2011070100`, partial dates such as
//! `199601`, night-shift hours such as `202306132430` (00:30 the next day) and free text such as
//! `小学校低学年の頃` (guide §3.1, §4.3 step 5, §7). None of them may be lost or mis-sorted.

use std::fmt;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// How much of a timestamp was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    /// Seconds with a fraction.
    Fraction,
}

/// A timestamp as written, plus what it means when it could be read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Hl7Time {
    /// Exactly as written in the message.
    pub raw: String,
    /// The start of the period the timestamp names, local time; None when it could not be read.
    pub start: Option<NaiveDateTime>,
    pub precision: Option<Precision>,
    /// The UTC offset in minutes, when one was written (`+0900` → 540).
    pub offset_minutes: Option<i16>,
    /// The hour was 24–47 and the date was moved on by a day, as hospital night shifts write it.
    pub rolled_over: bool,
}

impl Hl7Time {
    /// Reads a timestamp leniently. Never fails: unreadable text keeps `raw` with `start: None`.
    /// Separators `- / : T` and spaces are tolerated (`2011-07-01 10:30`).
    pub fn parse(raw: &str) -> Hl7Time {
        let mut t = Hl7Time {
            raw: raw.to_string(),
            start: None,
            precision: None,
            offset_minutes: None,
            rolled_over: false,
        };
        if let Some((start, precision, offset, rolled)) = read(raw.trim()) {
            t.start = Some(start);
            t.precision = Some(precision);
            t.offset_minutes = offset;
            t.rolled_over = rolled;
        }
        t
    }

    /// True when the text could be read as a time.
    pub fn is_valid(&self) -> bool {
        self.start.is_some()
    }

    /// The calendar date, when at least the day is known.
    pub fn date(&self) -> Option<NaiveDate> {
        match self.precision? {
            Precision::Year | Precision::Month => None,
            _ => self.start.map(|s| s.date()),
        }
    }

    /// ISO 8601 at the precision given, e.g. `2011-12-20T22:44:47.339`, `1996-01`.
    pub fn iso(&self) -> Option<String> {
        let s = self.start?;
        Some(match self.precision? {
            Precision::Year => s.format("%Y").to_string(),
            Precision::Month => s.format("%Y-%m").to_string(),
            Precision::Day => s.format("%Y-%m-%d").to_string(),
            Precision::Hour | Precision::Minute => s.format("%Y-%m-%dT%H:%M").to_string(),
            Precision::Second => s.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Precision::Fraction => s.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
        })
    }
}

impl fmt::Display for Hl7Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iso() {
            Some(iso) => f.write_str(&iso),
            None => f.write_str(&self.raw),
        }
    }
}

type Reading = (NaiveDateTime, Precision, Option<i16>, bool);

fn read(s: &str) -> Option<Reading> {
    let (body, offset) = split_offset(s)?;
    let (whole, fraction) = match body.split_once(['.', ',']) {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    let digits: String = whole
        .chars()
        .filter(|c| !matches!(c, '-' | '/' | ':' | 'T' | ' '))
        .collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> { digits.get(range)?.parse().ok() };
    let (precision, year, month, day, hour, minute, second) = match digits.len() {
        4 => (Precision::Year, num(0..4)?, 1, 1, 0, 0, 0),
        6 => (Precision::Month, num(0..4)?, num(4..6)?, 1, 0, 0, 0),
        8 => (Precision::Day, num(0..4)?, num(4..6)?, num(6..8)?, 0, 0, 0),
        10 => (
            Precision::Hour,
            num(0..4)?,
            num(4..6)?,
            num(6..8)?,
            num(8..10)?,
            0,
            0,
        ),
        12 => (
            Precision::Minute,
            num(0..4)?,
            num(4..6)?,
            num(6..8)?,
            num(8..10)?,
            num(10..12)?,
            0,
        ),
        14 => (
            Precision::Second,
            num(0..4)?,
            num(4..6)?,
            num(6..8)?,
            num(8..10)?,
            num(10..12)?,
            num(12..14)?,
        ),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if hour > 47 || minute > 59 || second > 60 {
        return None;
    }
    // A leap second reads as :59 rather than being rejected.
    let time = NaiveTime::from_hms_opt(hour % 24, minute, second.min(59))?;
    let mut start = date.and_time(time);
    let rolled = hour >= 24;
    if rolled {
        start = start.checked_add_signed(Duration::days(1))?;
    }
    let mut precision = precision;
    if let Some(f) = fraction {
        if precision != Precision::Second || f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        // Any number of fraction digits; keep nanoseconds.
        let nanos: u32 = f
            .bytes()
            .chain(std::iter::repeat(b'0'))
            .take(9)
            .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'));
        start = start.checked_add_signed(Duration::nanoseconds(i64::from(nanos)))?;
        precision = Precision::Fraction;
    }
    Some((start, precision, offset, rolled))
}

/// Splits a trailing `+hhmm` / `-hhmm` offset. A `-` inside a dashed date is not an offset.
fn split_offset(s: &str) -> Option<(&str, Option<i16>)> {
    let Some(pos) = s.rfind(['+', '-']) else {
        return Some((s, None));
    };
    let tail = &s[pos + 1..];
    if tail.len() != 4 || !tail.bytes().all(|b| b.is_ascii_digit()) || pos < 8 {
        return Some((s, None));
    }
    let before = &s[..pos];
    if s.as_bytes()[pos] == b'-' && !before.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        // `2011-07-01` style: the dash belongs to the date.
        return Some((s, None));
    }
    let hours: i16 = tail[..2].parse().ok()?;
    let minutes: i16 = tail[2..].parse().ok()?;
    if hours > 14 || minutes > 59 {
        return None;
    }
    let total = hours * 60 + minutes;
    let sign = if s.as_bytes()[pos] == b'-' { -1 } else { 1 };
    Some((before, Some(sign * total)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(raw: &str) -> Option<String> {
        Hl7Time::parse(raw).iso()
    }

    #[test]
    fn every_precision_reads() {
        assert_eq!(iso("1996").as_deref(), Some("1996"));
        assert_eq!(iso("199601").as_deref(), Some("1996-01"));
        assert_eq!(iso("19480405").as_deref(), Some("1948-04-05"));
        assert_eq!(iso("2011070100").as_deref(), Some("2011-07-01T00:00"));
        assert_eq!(iso("201112202100").as_deref(), Some("2011-12-20T21:00"));
        assert_eq!(
            iso("20111014232213").as_deref(),
            Some("2011-10-14T23:22:13")
        );
        assert_eq!(
            iso("20111220224447.3399").as_deref(),
            Some("2011-12-20T22:44:47.339")
        );
    }

    #[test]
    fn hours_24_to_47_roll_into_the_next_day() {
        let t = Hl7Time::parse("202306132430");
        assert!(t.rolled_over);
        assert_eq!(t.iso().as_deref(), Some("2023-06-14T00:30"));
        assert_eq!(iso("202312314700").as_deref(), Some("2024-01-01T23:00"));
        assert!(!Hl7Time::parse("202306134800").is_valid());
    }

    #[test]
    fn offsets_are_read_and_dashed_dates_are_not_offsets() {
        let t = Hl7Time::parse("20111220224447+0900");
        assert_eq!(t.offset_minutes, Some(540));
        assert_eq!(t.iso().as_deref(), Some("2011-12-20T22:44:47"));
        assert_eq!(iso("2011-07-01").as_deref(), Some("2011-07-01"));
        assert_eq!(iso("2011/07/01 10:30").as_deref(), Some("2011-07-01T10:30"));
    }

    #[test]
    fn free_text_and_impossible_dates_keep_their_raw_form() {
        for raw in [
            "小学校低学年の頃",
            "20110230",
            "2011132",
            "",
            "abc",
            "2011070100.5",
        ] {
            let t = Hl7Time::parse(raw);
            assert!(!t.is_valid(), "{raw}");
            assert_eq!(t.raw, raw);
            assert_eq!(t.to_string(), raw);
        }
    }

    #[test]
    fn midnight_zero_fill_is_a_real_time() {
        assert_eq!(iso("201107010000").as_deref(), Some("2011-07-01T00:00"));
    }

    #[test]
    fn later_times_sort_later() {
        let a = Hl7Time::parse("20111220224447.3399");
        let b = Hl7Time::parse("202306132430");
        assert!(a.start < b.start);
    }
}
