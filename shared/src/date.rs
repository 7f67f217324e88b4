//! [`CalendarDate`]: a day of the Gregorian calendar written `YYYY-MM-DD`, as the catalog's
//! lifecycle columns (`legacy_from`, `eol_from`) give it.
//!
//! A plain `(year, month, day)` rather than a date crate: the catalog only stores, compares and
//! prints dates, `shared` stays small in the browser, and the derived ordering of the three
//! fields is already chronological.

use std::fmt;
use std::str::FromStr;

/// A calendar day such as `2026-11-26`. Exists only when valid: the month is 1–12 and the day
/// exists in that month (29 February only in leap years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a `YYYY-MM-DD` date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDateError {
    /// The rejected text.
    pub input: String,
}

impl fmt::Display for CalendarDateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a date (expected YYYY-MM-DD, such as `2026-11-26`)", self.input)
    }
}

impl std::error::Error for CalendarDateError {}

impl CalendarDate {
    /// The date, if `month` and `day` exist in `year`.
    pub fn new(year: u16, month: u8, day: u8) -> Option<CalendarDate> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month);
        valid.then_some(CalendarDate { year, month, day })
    }

    /// Days since 1970-01-01 (negative before it): Howard Hinnant's `days_from_civil`, the
    /// inverse of [`CalendarDate::from_unix_seconds`]'s arithmetic.
    pub fn days_since_epoch(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// How many days `self` is after `earlier` (negative if before).
    pub fn days_after(self, earlier: CalendarDate) -> i64 {
        self.days_since_epoch() - earlier.days_since_epoch()
    }

    /// The UTC calendar day `seconds` after 1970-01-01T00:00:00Z, for callers with a clock: the
    /// server's `SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs()`, or the browser's
    /// `js_sys::Date::now() / 1000.0`. Plain arithmetic (Howard Hinnant's `civil_from_days`), so
    /// `shared` still needs no clock and no date crate. Saturates at 9999-12-31.
    pub fn from_unix_seconds(seconds: u64) -> CalendarDate {
        let days = seconds / 86_400;
        // Shift the epoch to 0000-03-01 so that a leap day ends each 4/100/400-year cycle.
        let z = days + 719_468;
        let era = z / 146_097;
        let day_of_era = z % 146_097;
        let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u8;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 } as u8;
        let year = year_of_era + era * 400 + u64::from(month <= 2);
        match u16::try_from(year) {
            Ok(year) if year <= 9999 => CalendarDate { year, month, day },
            _ => CalendarDate { year: 9999, month: 12, day: 31 },
        }
    }

    /// The year (`2026`).
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for CalendarDate {
    type Err = CalendarDateError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || CalendarDateError { input: text.to_owned() };
        // Exactly `DDDD-DD-DD`: no signs, spaces or short fields, which `u16::from_str` would allow.
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(error());
        }
        let year = text[0..4].parse().map_err(|_| error())?;
        let month = text[5..7].parse().map_err(|_| error())?;
        let day = text[8..10].parse().map_err(|_| error())?;
        CalendarDate::new(year, month, day).ok_or_else(error)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for CalendarDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CalendarDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_the_epoch_invert_the_unix_seconds_conversion() {
        for seconds in [0_u64, 86_399, 86_400, 951_782_400, 1_764_547_200, 4_102_444_800] {
            let date = CalendarDate::from_unix_seconds(seconds);
            assert_eq!(date.days_since_epoch(), i64::try_from(seconds / 86_400).unwrap(), "{date}");
        }
    }

    #[test]
    fn days_after_counts_across_a_leap_day() {
        let date = |text: &str| text.parse::<CalendarDate>().unwrap();
        assert_eq!(date("2028-03-01").days_after(date("2028-02-28")), 2);
        assert_eq!(date("2026-12-01").days_after(date("2026-09-02")), 90);
        assert_eq!(date("2026-09-02").days_after(date("2026-12-01")), -90);
    }

    fn date(text: &str) -> CalendarDate {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_iso_date_parses_and_prints_back() {
        let eol = date("2026-11-26");
        assert_eq!((eol.year(), eol.month(), eol.day()), (2026, 11, 26));
        assert_eq!(eol.to_string(), "2026-11-26");
        assert_eq!(date("0999-01-01").to_string(), "0999-01-01");
    }

    #[test]
    fn unix_seconds_become_the_utc_day() {
        assert_eq!(CalendarDate::from_unix_seconds(0), date("1970-01-01"));
        assert_eq!(CalendarDate::from_unix_seconds(86_399), date("1970-01-01"));
        assert_eq!(CalendarDate::from_unix_seconds(951_782_400), date("2000-02-29"));
        assert_eq!(CalendarDate::from_unix_seconds(1_798_675_200), date("2026-12-31"));
        assert_eq!(CalendarDate::from_unix_seconds(1_798_761_600), date("2027-01-01"));
        assert_eq!(CalendarDate::from_unix_seconds(u64::MAX), date("9999-12-31"));
    }

    #[test]
    fn dates_order_chronologically() {
        assert!(date("2026-09-14") < date("2026-10-14"));
        assert!(date("2026-12-01") > date("2026-11-30"));
        assert!(date("2025-12-31") < date("2026-01-01"));
    }

    #[test]
    fn the_twenty_ninth_of_february_exists_only_in_leap_years() {
        assert!("2028-02-29".parse::<CalendarDate>().is_ok());
        assert!("2000-02-29".parse::<CalendarDate>().is_ok());
        assert!("2026-02-29".parse::<CalendarDate>().is_err());
        assert!("2100-02-29".parse::<CalendarDate>().is_err());
    }

    #[test]
    fn malformed_or_impossible_dates_are_rejected() {
        for text in [
            "",
            "2026-1-01",
            "2026/11/26",
            "26-11-2026",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "+026-11-26",
            "2026-11-26 ",
        ] {
            let error = text.parse::<CalendarDate>().expect_err(text);
            assert_eq!(error.input, text);
        }
    }

    #[test]
    fn a_date_serializes_as_its_text() {
        let json = serde_json::to_string(&date("2026-09-14")).expect("serializes");
        assert_eq!(json, "\"2026-09-14\"");
        assert_eq!(serde_json::from_str::<CalendarDate>(&json).expect("deserializes"), date("2026-09-14"));
        assert!(serde_json::from_str::<CalendarDate>("\"2026-02-30\"").is_err());
    }
}
