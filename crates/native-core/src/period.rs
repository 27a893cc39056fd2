//! Quota period keys: ISO weeks (`YYYY-Www`, Free) and calendar months
//! (`YYYY-MM`, Pro), always in UTC. The same keys are written by the
//! database's functions; tests on both sides pin the edge cases.

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime, Time, Weekday};

use crate::CoreError;

/// One quota period: an ISO week or a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKey {
    IsoWeek { year: i32, week: u8 },
    Month { year: i32, month: Month },
}

impl PeriodKey {
    /// The ISO week containing `at` (UTC). 2026-12-31 is in `2026-W53`;
    /// 2027-01-04 starts `2027-W01`.
    pub fn week_of(at: OffsetDateTime) -> Self {
        let (year, week, _) = at.to_offset(time::UtcOffset::UTC).date().to_iso_week_date();
        Self::IsoWeek { year, week }
    }

    /// The calendar month containing `at` (UTC).
    pub fn month_of(at: OffsetDateTime) -> Self {
        let date = at.to_offset(time::UtcOffset::UTC).date();
        Self::Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Parses `YYYY-Www` or `YYYY-MM`, rejecting weeks and months that do
    /// not exist (week 53 only in years that have one).
    pub fn parse(text: &str) -> Result<Self, CoreError> {
        let bad = || CoreError::InvalidPeriodKey(text.chars().take(16).collect());
        let (year, rest) = text.split_once('-').ok_or_else(bad)?;
        if year.len() != 4 {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if let Some(week) = rest.strip_prefix('W') {
            if week.len() != 2 {
                return Err(bad());
            }
            let week: u8 = week.parse().map_err(|_| bad())?;
            Date::from_iso_week_date(year, week, Weekday::Monday).map_err(|_| bad())?;
            Ok(Self::IsoWeek { year, week })
        } else {
            if rest.len() != 2 {
                return Err(bad());
            }
            let month: u8 = rest.parse().map_err(|_| bad())?;
            let month = Month::try_from(month).map_err(|_| bad())?;
            Ok(Self::Month { year, month })
        }
    }

    /// The first instant of the period (UTC).
    pub fn starts_at(&self) -> OffsetDateTime {
        let date = match *self {
            Self::IsoWeek { year, week } => Date::from_iso_week_date(year, week, Weekday::Monday),
            Self::Month { year, month } => Date::from_calendar_date(year, month, 1),
        };
        // Keys are only built by the constructors above, which validate them.
        date.unwrap_or(Date::MIN)
            .with_time(Time::MIDNIGHT)
            .assume_utc()
    }

    /// The first instant after the period (UTC): when the allowance resets.
    pub fn ends_at(&self) -> OffsetDateTime {
        match *self {
            Self::IsoWeek { .. } => self.starts_at() + Duration::weeks(1),
            Self::Month { year, month } => {
                let (year, month) = if month == Month::December {
                    (year + 1, Month::January)
                } else {
                    (year, month.next())
                };
                Self::Month { year, month }.starts_at()
            }
        }
    }
}

impl std::fmt::Display for PeriodKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::IsoWeek { year, week } => write!(f, "{year:04}-W{week:02}"),
            Self::Month { year, month } => write!(f, "{year:04}-{:02}", u8::from(month)),
        }
    }
}

impl Serialize for PeriodKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PeriodKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn iso_week_edges() {
        assert_eq!(
            PeriodKey::week_of(datetime!(2026-12-31 23:59 UTC)).to_string(),
            "2026-W53"
        );
        assert_eq!(
            PeriodKey::week_of(datetime!(2027-01-03 12:00 UTC)).to_string(),
            "2026-W53"
        );
        assert_eq!(
            PeriodKey::week_of(datetime!(2027-01-04 00:00 UTC)).to_string(),
            "2027-W01"
        );
        assert_eq!(
            PeriodKey::week_of(datetime!(2026-01-14 10:00 UTC)).to_string(),
            "2026-W03"
        );
        // A local time just after midnight in Paris is still the previous day in UTC.
        assert_eq!(
            PeriodKey::week_of(datetime!(2027-01-04 00:30 +01:00)).to_string(),
            "2026-W53"
        );
    }

    #[test]
    fn month_edges_and_rollover() {
        let dec = PeriodKey::month_of(datetime!(2026-12-31 23:59:59 UTC));
        assert_eq!(dec.to_string(), "2026-12");
        assert_eq!(dec.ends_at(), datetime!(2027-01-01 00:00 UTC));
        assert_eq!(
            PeriodKey::month_of(datetime!(2027-01-01 00:00 UTC)).to_string(),
            "2027-01"
        );
        let feb = PeriodKey::parse("2028-02").unwrap();
        assert_eq!(feb.starts_at(), datetime!(2028-02-01 00:00 UTC));
        assert_eq!(feb.ends_at(), datetime!(2028-03-01 00:00 UTC));
    }

    #[test]
    fn week_bounds() {
        let w = PeriodKey::parse("2026-W53").unwrap();
        assert_eq!(w.starts_at(), datetime!(2026-12-28 00:00 UTC));
        assert_eq!(w.ends_at(), datetime!(2027-01-04 00:00 UTC));
    }

    #[test]
    fn parse_round_trips_and_rejects_impossible_keys() {
        for key in ["2026-W01", "2026-W53", "2026-01", "2026-12"] {
            assert_eq!(PeriodKey::parse(key).unwrap().to_string(), key);
        }
        for bad in [
            "2027-W53", "2026-W00", "2026-13", "2026-00", "26-01", "2026-1", "2026", "x-W01",
        ] {
            assert!(PeriodKey::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
