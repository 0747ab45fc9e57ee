//! What is due, soonest first: reviews, headroom reports and flagged metrics.
//! `dossier status` prints it; the site's `calendar.ics` publishes it.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use crate::evaluate::{self, Level, Outcome, PeriodState};
use crate::forecast::Projection;
use crate::project::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A metric of the latest report that tripped or is within the margin.
    Flagged,
    Review,
    Report,
    /// A metric's trend projected to meet its trigger.
    Forecast,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub due: NaiveDate,
    /// Days from today (negative: late).
    pub days: i64,
    pub kind: Kind,
    pub runbook: String,
    pub title: String,
    pub what: String,
    /// The last day it is on time (reports: due date plus grace days).
    pub deadline: NaiveDate,
    pub late: bool,
}

/// Everything due up to `horizon`, and everything already late, soonest first.
pub fn agenda(project: &Project, today: NaiveDate, horizon: NaiveDate) -> Vec<Item> {
    let reports = evaluate::reports_by_runbook(project, today);
    let mut items = Vec::new();
    for runbook in &project.runbooks {
        let Some(meta) = &runbook.meta else { continue };
        let mut push = |due: NaiveDate, deadline: NaiveDate, kind: Kind, what: String| {
            items.push(Item {
                due,
                days: (due - today).num_days(),
                kind,
                runbook: runbook.id.clone(),
                title: meta.title.clone(),
                what,
                deadline,
                late: deadline < today,
            });
        };
        let next = meta.next_review.value;
        if next <= horizon {
            push(
                next,
                next,
                Kind::Review,
                format!("review (now version {})", meta.version.value),
            );
        }
        let own = reports
            .get(runbook.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        if let Some(headroom) = &meta.headroom {
            for status in evaluate::periods(headroom, own, horizon) {
                let open = status.state != PeriodState::Covered;
                if open && (status.period.due <= horizon || status.deadline < today) {
                    let what = format!(
                        "headroom report for {} in {}/",
                        status.period, headroom.reports.value
                    );
                    push(status.period.due, status.deadline, Kind::Report, what);
                }
            }
        }
        for history in evaluate::histories(runbook, own) {
            let projection = history.forecast(today).map(|f| f.projection);
            if let Some(Projection::Trips { date }) = projection
                && date <= horizon
            {
                let what = format!(
                    "{} projected to trip `{}`",
                    history.row.metric.text, history.row.trigger_cell.text
                );
                push(date, date, Kind::Forecast, what);
            }
        }
        let Some(latest) = own.last().and_then(|r| r.meta.as_ref()) else {
            continue;
        };
        for observation in &latest.observations {
            if let Outcome::Read { row, reading, .. } = evaluate::observation(runbook, observation)
                && reading.level != Level::Ok
            {
                let what = format!(
                    "{} is {}: {} `{}`",
                    observation.metric.value,
                    observation.text.value,
                    reading.level.label(),
                    row.trigger_cell.text
                );
                push(latest.date.value, today, Kind::Flagged, what);
            }
        }
    }
    items.sort_by(|a, b| {
        (a.due, a.kind, &a.runbook, &a.what).cmp(&(b.due, b.kind, &b.runbook, &b.what))
    });
    items
}

/// `today + days`, saturating at the end of the calendar.
pub fn horizon(today: NaiveDate, days: u32) -> NaiveDate {
    today
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// The agenda as a terminal table.
pub fn table(items: &[Item], today: NaiveDate, days: u32) -> String {
    use std::fmt::Write as _;
    if items.is_empty() {
        return format!("nothing due within {days} days of {today}\n");
    }
    let when = |item: &Item| match item.kind {
        Kind::Flagged => "latest report".to_owned(),
        Kind::Forecast => format!("projected, in {} days", item.days),
        _ if item.late => format!("LATE {}", late_by(today, item.deadline)),
        _ if item.days < 0 => format!("on time until {}", item.deadline),
        _ if item.days == 0 => "today".to_owned(),
        _ => format!(
            "in {} day{}",
            item.days,
            if item.days == 1 { "" } else { "s" }
        ),
    };
    let rows: Vec<[String; 4]> = items
        .iter()
        .map(|i| {
            [
                i.due.to_string(),
                when(i),
                i.runbook.clone(),
                i.what.clone(),
            ]
        })
        .collect();
    let header = ["DUE", "WHEN", "RUNBOOK", "WHAT"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .chain([&header])
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        for (c, width) in widths.iter().enumerate() {
            let _ = write!(out, "{:<width$}  ", row[c]);
        }
        let _ = writeln!(out, "{}", row[3]);
    }
    out
}

fn late_by(today: NaiveDate, deadline: NaiveDate) -> String {
    let days = (today - deadline).num_days();
    format!("by {days} day{}", if days == 1 { "" } else { "s" })
}
