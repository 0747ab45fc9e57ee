//! Statuses derived from the model for a given day: review due dates,
//! headroom periods and their reports, observations against triggers.
//! Pure functions shared by the checks and the site.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::diag::nearest;
use crate::model::cadence::Period;
use crate::model::markdown::TriggerRow;
use crate::model::report::{Observation, Report};
use crate::model::runbook::{Headroom, Runbook, RunbookMeta};
use crate::model::trigger::{self, Comparator, ParseError, Trigger};
use crate::project::Project;
use crate::sources;

/// Reviews due within this many days are flagged.
pub const REVIEW_WARNING_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewState {
    Current,
    DueSoon,
    Overdue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Review {
    pub state: ReviewState,
    /// Days until the next review (negative: days late).
    pub days_left: i64,
}

pub fn review(meta: &RunbookMeta, today: NaiveDate) -> Review {
    let days_left = (meta.next_review.value - today).num_days();
    let state = if days_left < 0 {
        ReviewState::Overdue
    } else if days_left <= REVIEW_WARNING_DAYS {
        ReviewState::DueSoon
    } else {
        ReviewState::Current
    };
    Review { state, days_left }
}

/// How an observation stands against its trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Ok,
    /// Not tripped, but within the runbook's margin: move before it fires.
    ActBeforeItTrips,
    Tripped,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::ActBeforeItTrips => "act before it trips",
            Level::Tripped => "tripped",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reading {
    /// The observed value in the trigger's unit and scale.
    pub observed: f64,
    pub threshold: f64,
    /// (threshold − observed) / |threshold|, mirrored for `<`; `None` for `=` or a zero threshold.
    pub headroom: Option<f64>,
    pub level: Level,
}

/// Compares an observed value (already in the trigger's scale) with the trigger.
pub fn reading(observed: f64, trigger: &Trigger, margin: Option<f64>) -> Reading {
    let threshold = trigger.threshold.value;
    let headroom = trigger::headroom(trigger.comparator, observed, threshold);
    let level = if trigger.comparator.holds(observed, threshold) {
        Level::Tripped
    } else if trigger.comparator != Comparator::Eq
        && margin
            .zip(headroom)
            .is_some_and(|(m, h)| h <= m + f64::EPSILON)
    {
        Level::ActBeforeItTrips
    } else {
        Level::Ok
    };
    Reading {
        observed,
        threshold,
        headroom,
        level,
    }
}

/// What an observation of a report means for its runbook.
#[derive(Debug, Clone)]
pub enum Outcome<'a> {
    Read {
        row: &'a TriggerRow,
        trigger: &'a Trigger,
        reading: Reading,
    },
    UnknownGroup {
        suggestion: Option<&'a str>,
    },
    UnknownMetric {
        suggestion: Option<&'a str>,
    },
    InvalidValue(&'a ParseError),
    Incompatible {
        row: &'a TriggerRow,
        message: String,
    },
    /// The trigger cell itself does not parse (reported on the runbook).
    TriggerFault,
}

pub fn observation<'a>(runbook: &'a Runbook, observation: &'a Observation) -> Outcome<'a> {
    let in_group = || {
        runbook
            .body
            .tables
            .iter()
            .filter(|t| runbook.group_name(t) == observation.group.value)
            .flat_map(|t| &t.rows)
    };
    if in_group().next().is_none() {
        let groups = runbook.body.tables.iter().map(|t| runbook.group_name(t));
        return Outcome::UnknownGroup {
            suggestion: nearest(&observation.group.value, groups),
        };
    }
    let Some(row) = in_group().find(|row| row.metric.text == observation.metric.value) else {
        let metrics = in_group().map(|row| row.metric.text.as_str());
        return Outcome::UnknownMetric {
            suggestion: nearest(&observation.metric.value, metrics),
        };
    };
    let Ok(trigger) = &row.trigger else {
        return Outcome::TriggerFault;
    };
    let value = match &observation.value {
        Ok(value) => value,
        Err(fault) => return Outcome::InvalidValue(fault),
    };
    match trigger::convert(value, &trigger.threshold.unit) {
        Ok(observed) => {
            let margin = runbook
                .meta
                .as_ref()
                .and_then(|m| m.headroom.as_ref())
                .and_then(|h| h.margin);
            Outcome::Read {
                row,
                trigger,
                reading: reading(observed, trigger, margin),
            }
        }
        Err(message) => Outcome::Incompatible { row, message },
    }
}

/// One metric of a runbook with its observations across reports, oldest first.
#[derive(Debug, Clone)]
pub struct History<'a> {
    pub group: &'a str,
    pub row: &'a TriggerRow,
    pub trigger: &'a Trigger,
    pub points: Vec<Point<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    pub report: &'a Report,
    pub date: NaiveDate,
    pub observation: &'a Observation,
    pub reading: Reading,
}

/// Every metric whose trigger parses, in table order, with its readings from
/// `reports` (sorted by date), so charts, forecasts and rules share one history.
pub fn histories<'a>(runbook: &'a Runbook, reports: &[&'a Report]) -> Vec<History<'a>> {
    let mut histories: Vec<History<'a>> = runbook
        .body
        .tables
        .iter()
        .flat_map(|table| {
            table
                .rows
                .iter()
                .map(move |row| (runbook.group_name(table), row))
        })
        .filter_map(|(group, row)| {
            Some(History {
                group,
                row,
                trigger: row.trigger.as_ref().ok()?,
                points: Vec::new(),
            })
        })
        .collect();
    let index: HashMap<(&str, &str), usize> = histories
        .iter()
        .enumerate()
        .map(|(i, h)| ((h.group, h.row.metric.text.as_str()), i))
        .collect();
    for &report in reports {
        let Some(meta) = &report.meta else { continue };
        for observation in &meta.observations {
            let Outcome::Read { row, reading, .. } = self::observation(runbook, observation) else {
                continue;
            };
            if let Some(&i) =
                index.get(&(observation.group.value.as_str(), row.metric.text.as_str()))
            {
                histories[i].points.push(Point {
                    report,
                    date: meta.date.value,
                    observation,
                    reading,
                });
            }
        }
    }
    histories
}

impl History<'_> {
    /// The trend and projection of this metric as of `today`, from the points up to it.
    pub fn forecast(&self, today: NaiveDate) -> Option<crate::forecast::Forecast> {
        let points: Vec<(NaiveDate, f64)> = self
            .points
            .iter()
            .filter(|p| p.date <= today)
            .map(|p| (p.date, p.reading.observed))
            .collect();
        crate::forecast::forecast(
            &points,
            self.trigger.comparator,
            self.trigger.threshold.value,
            today,
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeriodState {
    /// A report dated inside the period exists.
    Covered,
    /// Due date + grace days is before today and no report covers it.
    Missing,
    /// Not late yet.
    Open,
}

#[derive(Debug, Clone)]
pub struct PeriodStatus<'a> {
    pub period: Period,
    /// Due date plus grace days: the last day a report is on time.
    pub deadline: NaiveDate,
    pub state: PeriodState,
    pub report: Option<&'a Report>,
}

/// Every period from `since` through today, with the report that covers it.
/// `reports` are this runbook's reports, sorted by date.
pub fn periods<'a>(
    headroom: &Headroom,
    reports: &[&'a Report],
    today: NaiveDate,
) -> Vec<PeriodStatus<'a>> {
    headroom
        .cadence
        .periods(headroom.since, today)
        .map(|period| {
            let deadline = period
                .due
                .checked_add_days(Days::new(u64::from(headroom.grace_days)))
                .unwrap_or(NaiveDate::MAX);
            let report = reports.iter().copied().find(|r| {
                r.meta
                    .as_ref()
                    .is_some_and(|m| period.contains(m.date.value))
            });
            let state = match report {
                Some(_) => PeriodState::Covered,
                None if deadline < today => PeriodState::Missing,
                None => PeriodState::Open,
            };
            PeriodStatus {
                period,
                deadline,
                state,
                report,
            }
        })
        .collect()
}

/// The reports that count as evidence for each runbook: well-formed, filed in
/// the runbook's report folder, naming it, dated no later than today; by date.
pub fn reports_by_runbook(project: &Project, today: NaiveDate) -> HashMap<&str, Vec<&Report>> {
    let mut map: HashMap<&str, Vec<&Report>> = HashMap::new();
    for report in &project.reports {
        let Some(meta) = &report.meta else { continue };
        let Some(runbook) = project.runbook(&meta.runbook.value) else {
            continue;
        };
        let filed_right = runbook
            .meta
            .as_ref()
            .and_then(|m| m.headroom.as_ref())
            .is_some_and(|h| same_folder(&h.reports.value, &report.folder));
        if filed_right && meta.date.value <= today {
            map.entry(runbook.id.as_str()).or_default().push(report);
        }
    }
    for reports in map.values_mut() {
        reports.sort_by_key(|r| r.meta.as_ref().map(|m| m.date.value));
    }
    map
}

/// The exception of `runbook` whose subject matches, if one is documented.
pub fn documented<'p>(
    project: &'p Project,
    runbook: &str,
    matches: impl Fn(&crate::model::exception::Subject) -> bool,
) -> Option<&'p crate::model::exception::Exception> {
    project.exceptions.iter().find(|e| {
        e.meta
            .as_ref()
            .is_some_and(|m| m.runbook.value == runbook && matches(&m.subject))
    })
}

/// [`reports_by_runbook`] for one runbook: its reports that count as
/// evidence, by date.
pub fn reports_of<'p>(
    project: &'p Project,
    runbook: &Runbook,
    today: NaiveDate,
) -> Vec<&'p Report> {
    let Some(headroom) = runbook.meta.as_ref().and_then(|m| m.headroom.as_ref()) else {
        return Vec::new();
    };
    let mut reports: Vec<&Report> = project
        .reports_in(&headroom.reports.value)
        .filter(|r| {
            r.meta
                .as_ref()
                .is_some_and(|m| m.runbook.value == runbook.id && m.date.value <= today)
        })
        .collect();
    reports.sort_by_key(|r| r.meta.as_ref().map(|m| m.date.value));
    reports
}

/// A headroom fraction for people: 0.2 -> "20%", 0.125 -> "12.5%".
pub fn percent(fraction: f64) -> String {
    let p = (fraction * 1000.0).round() / 10.0;
    format!("{p}%")
}

pub fn same_folder(a: &str, b: &str) -> bool {
    a == b || sources::normalize(a) == sources::normalize(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trigger::parse_trigger;

    #[test]
    fn headroom_levels_follow_the_margin() {
        let t = parse_trigger("> 80%").unwrap();
        assert_eq!(reading(64.0, &t, Some(0.25)).level, Level::ActBeforeItTrips);
        assert_eq!(reading(60.0, &t, Some(0.25)).level, Level::ActBeforeItTrips);
        assert_eq!(reading(59.0, &t, Some(0.25)).level, Level::Ok);
        assert_eq!(reading(64.0, &t, None).level, Level::Ok);
        assert_eq!(reading(81.0, &t, Some(0.25)).level, Level::Tripped);
        let r = reading(64.0, &t, Some(0.25));
        assert!((r.headroom.unwrap() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn at_least_triggers_trip_on_equality() {
        let t = parse_trigger("≥ 2/week").unwrap();
        assert_eq!(reading(2.0, &t, None).level, Level::Tripped);
        assert_eq!(reading(1.0, &t, Some(0.5)).level, Level::ActBeforeItTrips);
    }

    #[test]
    fn below_triggers_mirror_headroom() {
        let t = parse_trigger("< 20%").unwrap();
        let r = reading(25.0, &t, Some(0.3));
        assert!((r.headroom.unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(r.level, Level::ActBeforeItTrips);
        assert_eq!(reading(10.0, &t, None).level, Level::Tripped);
    }

    #[test]
    fn equality_triggers_are_ok_or_tripped() {
        let t = parse_trigger("= 0 replicas").unwrap();
        assert_eq!(reading(0.0, &t, Some(1.0)).level, Level::Tripped);
        assert_eq!(reading(1.0, &t, Some(1.0)).level, Level::Ok);
    }
}
