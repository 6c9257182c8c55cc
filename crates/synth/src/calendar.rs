//! Civil dates and moments in local (Japan) time, with the HL7 and SS-MIX2 text forms we write.
//!
//! Everything is integer arithmetic on days since 1970-01-01 so that output never depends on the
//! machine's time zone or clock.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::SynthError;

/// A date on the proleptic Gregorian calendar, e.g. the region's "today" (`as_of`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDate {
    year: i32,
    month: u8,
    day: u8,
}

impl CivilDate {
    /// A validated date; years 1900–2200 only, which is all a clinical record needs.
    pub fn new(year: i32, month: u32, day: u32) -> Result<Self, SynthError> {
        let valid = (1900..=2200).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        if !valid {
            return Err(SynthError::InvalidDate(format!(
                "{year:04}-{month:02}-{day:02}"
            )));
        }
        Ok(CivilDate {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// A date written in the source, for tables and constants; `known_dates_are_valid` checks them.
    pub(crate) const fn known(year: i32, month: u8, day: u8) -> CivilDate {
        CivilDate { year, month, day }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    pub(crate) fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The inverse of [`CivilDate::days`] (`civil_from_days`).
    pub(crate) fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        CivilDate { year, month, day }
    }

    pub(crate) fn add_days(self, n: i64) -> Self {
        CivilDate::from_days(self.days() + n)
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub(crate) fn days_until(self, later: CivilDate) -> i64 {
        later.days() - self.days()
    }

    /// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
    pub(crate) fn weekday(self) -> i64 {
        (self.days() + 3).rem_euclid(7)
    }

    /// Completed years of age on `on`.
    pub(crate) fn age_on(self, on: CivilDate) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }

    /// `YYYYMMDD`, the SS-MIX2 folder and HL7 DT form.
    pub(crate) fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// The same day of the month `n` years earlier (29 February becomes 28 February).
    pub(crate) fn years_before(self, n: i32) -> CivilDate {
        let year = self.year - n;
        let day = u32::from(self.day).min(days_in_month(year, u32::from(self.month)));
        CivilDate {
            year,
            month: self.month,
            day: day as u8,
        }
    }

    /// Japanese era notation (S45.3.12), used in the narrative of CDA documents.
    pub(crate) fn wareki(self) -> String {
        let (letter, first_year) = if self >= REIWA_START {
            ("R", 2019)
        } else if self >= HEISEI_START {
            ("H", 1989)
        } else {
            ("S", 1926)
        };
        format!(
            "{letter}{}.{}.{}",
            self.year - first_year + 1,
            self.month,
            self.day
        )
    }
}

/// First day of Heisei.
pub(crate) const HEISEI_START: CivilDate = CivilDate::known(1989, 1, 8);
/// First day of Reiwa.
pub(crate) const REIWA_START: CivilDate = CivilDate::known(2019, 5, 1);

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for CivilDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl FromStr for CivilDate {
    type Err = SynthError;

    /// Accepts `YYYY-MM-DD` (and `YYYYMMDD`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || SynthError::InvalidDate(s.to_owned());
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        let dashed_ok = s.len() == 10
            && s.as_bytes().get(4) == Some(&b'-')
            && s.as_bytes().get(7) == Some(&b'-');
        if digits.len() != 8
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || !(s.len() == 8 || dashed_ok)
        {
            return Err(invalid());
        }
        let num = |range: std::ops::Range<usize>| -> Result<u32, SynthError> {
            digits
                .get(range)
                .and_then(|p| p.parse().ok())
                .ok_or_else(invalid)
        };
        let year = num(0..4)? as i32;
        CivilDate::new(year, num(4..6)?, num(6..8)?).map_err(|_| invalid())
    }
}

impl Serialize for CivilDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CivilDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A moment in Japan local time, to the millisecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Moment {
    days: i64,
    /// Milliseconds since midnight, always below 86 400 000.
    ms: u32,
}

const MS_PER_DAY: i64 = 86_400_000;

impl Moment {
    pub(crate) fn at(date: CivilDate, hour: u32, minute: u32) -> Self {
        Moment {
            days: date.days(),
            ms: 0,
        }
        .plus_ms(i64::from(hour) * 3_600_000 + i64::from(minute) * 60_000)
    }

    pub(crate) fn date(self) -> CivilDate {
        CivilDate::from_days(self.days)
    }

    pub(crate) fn plus_ms(self, ms: i64) -> Self {
        let total = self.days * MS_PER_DAY + i64::from(self.ms) + ms;
        Moment {
            days: total.div_euclid(MS_PER_DAY),
            ms: total.rem_euclid(MS_PER_DAY) as u32,
        }
    }

    /// Seconds since the Unix epoch of this Japan-time moment (UTC+9, no daylight saving).
    pub(crate) fn unix_seconds(self) -> i64 {
        self.days * 86_400 + i64::from(self.ms / 1000) - 9 * 3600
    }

    pub(crate) fn plus_minutes(self, minutes: i64) -> Self {
        self.plus_ms(minutes * 60_000)
    }

    fn parts(self) -> (u32, u32, u32, u32) {
        let ms = self.ms;
        (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }

    /// `YYYYMMDDHHMM` (HL7 TS to the minute, as in PV1-44 of the samples).
    pub(crate) fn to_minute(self) -> String {
        let (h, m, _, _) = self.parts();
        format!("{}{h:02}{m:02}", self.date().compact())
    }

    /// `YYYYMMDDHHMMSS`.
    pub(crate) fn to_second(self) -> String {
        let (h, m, s, _) = self.parts();
        format!("{}{h:02}{m:02}{s:02}", self.date().compact())
    }

    /// `YYYYMMDDHHMMSSFFF`, the 17-digit 発生日時 of file names (guide §1.2).
    pub(crate) fn event17(self) -> String {
        let (h, m, s, f) = self.parts();
        format!("{}{h:02}{m:02}{s:02}{f:03}", self.date().compact())
    }

    /// Reads a 17-digit 発生日時 back (the form [`Moment::event17`] writes); `None` for anything else.
    pub(crate) fn from_event17(text: &str) -> Option<Moment> {
        if text.len() != 17 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let date: CivilDate = text[..8].parse().ok()?;
        let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().ok();
        let (h, m, s, f) = (
            number(8..10)?,
            number(10..12)?,
            number(12..14)?,
            number(14..17)?,
        );
        if h > 23 || m > 59 || s > 59 {
            return None;
        }
        Some(Moment::at(date, h, m).plus_ms(i64::from(s * 1000 + f)))
    }

    /// `YYYYMMDDHHMMSS+0900`, the CDA `effectiveTime` form.
    pub(crate) fn cda(self) -> String {
        format!("{}+0900", self.to_second())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_over_two_centuries() {
        for days in (-25_000..=60_000).step_by(7) {
            assert_eq!(CivilDate::from_days(days).days(), days);
        }
        assert_eq!(CivilDate::from_days(0).to_string(), "1970-01-01");
    }

    #[test]
    fn as_of_default_is_a_sunday() {
        let d: CivilDate = "2026-11-01".parse().unwrap();
        assert_eq!(d.weekday(), 6);
    }

    #[test]
    fn parsing_rejects_impossible_dates() {
        assert!("2026-02-29".parse::<CivilDate>().is_err());
        assert!("2024-02-29".parse::<CivilDate>().is_ok());
        assert!("2026-13-01".parse::<CivilDate>().is_err());
        assert!("2026-1-01".parse::<CivilDate>().is_err());
        assert!("２０２６-01-01".parse::<CivilDate>().is_err());
        assert_eq!(
            "20261101".parse::<CivilDate>().unwrap().to_string(),
            "2026-11-01"
        );
    }

    #[test]
    fn wareki_follows_era_boundaries() {
        assert_eq!(CivilDate::new(1970, 3, 12).unwrap().wareki(), "S45.3.12");
        assert_eq!(CivilDate::new(1989, 1, 8).unwrap().wareki(), "H1.1.8");
        assert_eq!(CivilDate::new(2020, 8, 17).unwrap().wareki(), "R2.8.17");
    }

    #[test]
    fn age_counts_completed_years() {
        let born = CivilDate::new(1970, 3, 12).unwrap();
        assert_eq!(born.age_on(CivilDate::new(2026, 3, 11).unwrap()), 55);
        assert_eq!(born.age_on(CivilDate::new(2026, 3, 12).unwrap()), 56);
    }

    #[test]
    fn moment_formats_have_the_guide_widths() {
        let m = Moment::at(CivilDate::new(2026, 10, 31).unwrap(), 23, 59).plus_ms(61_007);
        assert_eq!(m.event17(), "20261101000001007");
        assert_eq!(m.to_minute(), "202611010000");
        assert_eq!(m.to_second().len(), 14);
        assert_eq!(Moment::from_event17(&m.event17()), Some(m));
        assert_eq!(Moment::from_event17("20261101240000000"), None);
        assert_eq!(Moment::from_event17("2026110100000000"), None);
        assert_eq!(Moment::from_event17("20261301000000000"), None);
    }
}
