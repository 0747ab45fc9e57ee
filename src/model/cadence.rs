//! Headroom cadences and their periods (SPEC §2 "Periods"): calendar units,
//! each with a due date; a report covers the period its date lies in.

use std::fmt;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cadence {
    Weekly,
    Monthly,
    MonthlyFirstTuesday,
    Quarterly,
}

impl Cadence {
    pub const NAMES: [&'static str; 4] =
        ["weekly", "monthly", "monthly-first-tuesday", "quarterly"];

    pub fn parse(name: &str) -> Option<Cadence> {
        match name {
            "weekly" => Some(Cadence::Weekly),
            "monthly" => Some(Cadence::Monthly),
            "monthly-first-tuesday" => Some(Cadence::MonthlyFirstTuesday),
            "quarterly" => Some(Cadence::Quarterly),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
            Cadence::MonthlyFirstTuesday => "monthly-first-tuesday",
            Cadence::Quarterly => "quarterly",
        }
    }

    /// For people: "monthly, due on the first Tuesday".
    pub fn describe(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly (ISO weeks), due on Mondays",
            Cadence::Monthly => "monthly, due on the first day of the month",
            Cadence::MonthlyFirstTuesday => "monthly, due on the first Tuesday",
            Cadence::Quarterly => "quarterly, due on the first day of the quarter",
        }
    }

    /// The period that contains `date`.
    pub fn period_of(self, date: NaiveDate) -> Period {
        let (start, end) = match self {
            Cadence::Weekly => {
                let back = Days::new(u64::from(date.weekday().num_days_from_monday()));
                let start = date.checked_sub_days(back).unwrap_or(NaiveDate::MIN);
                (start, last_day(start, |d| d.checked_add_days(Days::new(7))))
            }
            Cadence::Monthly | Cadence::MonthlyFirstTuesday => {
                let start = date.with_day(1).expect("day 1 exists in every month");
                (
                    start,
                    last_day(start, |d| d.checked_add_months(Months::new(1))),
                )
            }
            Cadence::Quarterly => {
                let month = (date.month0() / 3) * 3 + 1;
                let start = NaiveDate::from_ymd_opt(date.year(), month, 1)
                    .expect("the first day of a quarter exists");
                (
                    start,
                    last_day(start, |d| d.checked_add_months(Months::new(3))),
                )
            }
        };
        let due = match self {
            Cadence::MonthlyFirstTuesday => {
                NaiveDate::from_weekday_of_month_opt(start.year(), start.month(), Weekday::Tue, 1)
                    .expect("every month has a first Tuesday")
            }
            _ => start,
        };
        Period {
            cadence: self,
            start,
            end,
            due,
        }
    }

    /// Every period from the one containing `since` through the one containing `until`.
    pub fn periods(self, since: NaiveDate, until: NaiveDate) -> impl Iterator<Item = Period> {
        let mut next = Some(self.period_of(since));
        std::iter::from_fn(move || {
            let period = next.filter(|p| p.start <= until)?;
            next = period.end.succ_opt().map(|d| self.period_of(d));
            Some(period)
        })
    }
}

/// The day before the next period starts; the end of the calendar when there is none.
fn last_day(start: NaiveDate, next_start: impl Fn(NaiveDate) -> Option<NaiveDate>) -> NaiveDate {
    next_start(start)
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One calendar period of a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub cadence: Cadence,
    pub start: NaiveDate,
    /// Last day of the period, inclusive.
    pub end: NaiveDate,
    /// When the report is due: the first day, or the month's first Tuesday.
    pub due: NaiveDate,
}

impl Period {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

/// `2026-W49`, `2026-10`, `2026-Q4`.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.cadence {
            Cadence::Weekly => {
                let week = self.start.iso_week();
                write!(f, "{}-W{:02}", week.year(), week.week())
            }
            Cadence::Monthly | Cadence::MonthlyFirstTuesday => {
                write!(f, "{}-{:02}", self.start.year(), self.start.month())
            }
            Cadence::Quarterly => {
                write!(f, "{}-Q{}", self.start.year(), self.start.month0() / 3 + 1)
            }
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekly_periods_are_iso_weeks() {
        let p = Cadence::Weekly.period_of(d("2026-12-04"));
        assert_eq!(
            (p.start, p.end, p.due),
            (d("2026-11-30"), d("2026-12-06"), d("2026-11-30"))
        );
        assert_eq!(p.to_string(), "2026-W49");
        // ISO week 1 of 2027 starts on Monday 2027-01-04; 2027-01-01 is in 2026-W53.
        assert_eq!(
            Cadence::Weekly.period_of(d("2027-01-01")).to_string(),
            "2026-W53"
        );
        assert_eq!(
            Cadence::Weekly.period_of(d("2024-12-30")).to_string(),
            "2025-W01"
        );
    }

    #[test]
    fn monthly_periods_are_calendar_months() {
        let p = Cadence::Monthly.period_of(d("2026-02-14"));
        assert_eq!(
            (p.start, p.end, p.due),
            (d("2026-02-01"), d("2026-02-28"), d("2026-02-01"))
        );
        assert_eq!(p.to_string(), "2026-02");
        assert_eq!(
            Cadence::Monthly.period_of(d("2028-02-29")).end,
            d("2028-02-29")
        );
    }

    #[test]
    fn first_tuesday_is_due_on_the_first_tuesday() {
        let due = |s| Cadence::MonthlyFirstTuesday.period_of(d(s)).due;
        assert_eq!(due("2026-03-20"), d("2026-03-03"));
        assert_eq!(due("2026-09-30"), d("2026-09-01"));
        assert_eq!(due("2026-12-31"), d("2026-12-01"));
        assert_eq!(due("2027-06-01"), d("2027-06-01"));
    }

    #[test]
    fn quarterly_periods_are_calendar_quarters() {
        let p = Cadence::Quarterly.period_of(d("2026-11-15"));
        assert_eq!((p.start, p.end), (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(p.to_string(), "2026-Q4");
    }

    #[test]
    fn periods_run_from_since_through_until() {
        let names: Vec<String> = Cadence::MonthlyFirstTuesday
            .periods(d("2026-03-01"), d("2026-12-04"))
            .map(|p| p.to_string())
            .collect();
        assert_eq!(names.len(), 10);
        assert_eq!(names.first().unwrap(), "2026-03");
        assert_eq!(names.last().unwrap(), "2026-12");
        let quarters: Vec<String> = Cadence::Quarterly
            .periods(d("2026-11-30"), d("2027-04-01"))
            .map(|p| p.to_string())
            .collect();
        assert_eq!(quarters, ["2026-Q4", "2027-Q1", "2027-Q2"]);
        assert_eq!(
            Cadence::Weekly
                .periods(d("2026-12-04"), d("2026-01-01"))
                .count(),
            0
        );
    }

    #[test]
    fn periods_stop_at_the_end_of_time() {
        assert_eq!(
            Cadence::Monthly
                .periods(NaiveDate::MAX, NaiveDate::MAX)
                .count(),
            1
        );
    }
}
