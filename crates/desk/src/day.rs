//! Dates as the app shows them: the Western form and the Japanese era form side by side
//! (requirements APP-16), worked out here so that the front end only picks one.

use chrono::NaiveDate;
use serde::Serialize;

/// One date (and time of day, when the record has one) in every form a screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// As recorded, to the day or month: `2026-11-13`, `1995-04`.
    pub iso: String,
    /// 令和8年11月13日 (令和8年11月 for a month); `None` before the Meiji era or when unreadable.
    pub era: Option<String>,
    /// R8.11.13 (R8.11 for a month).
    pub short: Option<String>,
    /// `11:48` when the record has a time.
    pub time: Option<String>,
}

impl Day {
    /// Reads `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.fff]]`, `YYYY-MM-DD HH:MM…` or `YYYY-MM`. Anything
    /// else is kept as written, with no era form, rather than dropped.
    pub fn parse(s: &str) -> Day {
        let s = s.trim();
        let (date, time) = match s.split_once(['T', ' ']) {
            Some((d, t)) => (d, Some(t)),
            None => (s, None),
        };
        let time = time
            .and_then(|t| t.get(..5))
            .filter(|t| t.as_bytes().get(2) == Some(&b':'))
            .map(str::to_string);
        if let Ok(day) = NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            return Day {
                iso: date.to_string(),
                era: fieldchart_jtext::wareki_long(day),
                short: fieldchart_jtext::wareki_short(day),
                time,
            };
        }
        if let Ok(first) = NaiveDate::parse_from_str(&format!("{date}-01"), "%Y-%m-%d") {
            // A month only: the era of its first day, without the day.
            return Day {
                iso: date.to_string(),
                era: fieldchart_jtext::wareki_long(first)
                    .and_then(|e| e.strip_suffix("1日").map(str::to_string)),
                short: fieldchart_jtext::wareki_short(first)
                    .and_then(|e| e.strip_suffix(".1").map(str::to_string)),
                time: None,
            };
        }
        Day {
            iso: s.to_string(),
            era: None,
            short: None,
            time: None,
        }
    }

    /// The same day without its time of day.
    pub fn day_only(self) -> Day {
        Day { time: None, ..self }
    }

    pub fn of(date: NaiveDate) -> Day {
        Day::parse(&date.format("%Y-%m-%d").to_string())
    }

    pub fn opt(s: Option<&str>) -> Option<Day> {
        s.filter(|s| !s.trim().is_empty()).map(Day::parse)
    }

    /// The calendar day, when the date is a whole one.
    pub fn date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.iso, "%Y-%m-%d").ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_date_has_both_era_forms_and_its_time() {
        let d = Day::parse("2026-11-13T11:48:09");
        assert_eq!(d.iso, "2026-11-13");
        assert_eq!(d.era.as_deref(), Some("令和8年11月13日"));
        assert_eq!(d.short.as_deref(), Some("R8.11.13"));
        assert_eq!(d.time.as_deref(), Some("11:48"));
    }

    #[test]
    fn a_birth_date_in_showa_reads_as_the_manual_writes_it() {
        let d = Day::parse("1970-03-12");
        assert_eq!(d.short.as_deref(), Some("S45.3.12"));
        assert_eq!(d.era.as_deref(), Some("昭和45年3月12日"));
        assert_eq!(d.time, None);
    }

    #[test]
    fn a_month_keeps_the_month_and_drops_the_day() {
        let d = Day::parse("1995-04");
        assert_eq!(d.iso, "1995-04");
        assert_eq!(d.era.as_deref(), Some("平成7年4月"));
        assert_eq!(d.short.as_deref(), Some("H7.4"));
    }

    #[test]
    fn an_unreadable_date_is_kept_as_written() {
        let d = Day::parse("sometime 1990s");
        assert_eq!(d.iso, "sometime 1990s");
        assert_eq!(d.era, None);
    }
}
