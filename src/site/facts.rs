//! The facts of a build, computed once: what every page shows and what
//! `evidence.json` publishes for machines (SPEC §6). Plain serialisable data.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use crate::controls::{self, Criterion};
use crate::evaluate::{self, Level, Outcome, PeriodState, Review};
use crate::forecast::Forecast;
use crate::model::cadence::{Cadence, Period};
use crate::model::exception::{Exception, Subject};
use crate::model::markdown::TriggerRow;
use crate::model::report::Report;
use crate::model::runbook::Runbook;
use crate::model::trigger::{Quantity, Trigger};
use crate::project::Project;

pub const SCHEMA: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Facts {
    pub schema: u32,
    /// The day statuses were computed for (`--today`).
    pub today: NaiveDate,
    pub title: String,
    pub organization: Option<String>,
    pub base_url: Option<String>,
    pub runbooks: Vec<RunbookFacts>,
    pub reports: Vec<ReportFacts>,
    pub coverage: Coverage,
    /// Every source file and its SHA-256, by path.
    pub sources: Vec<SourceHash>,
    /// Documented exceptions, by source path.
    pub exceptions: Vec<ExceptionFacts>,
    /// Every recurring obligation across the audit window.
    pub audit: AuditFacts,
}

#[derive(Debug, Serialize)]
pub struct SourceHash {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct RunbookFacts {
    pub id: String,
    pub source: String,
    pub sha256: String,
    /// Site-relative URL of the evidence page.
    pub url: String,
    pub title: String,
    pub summary: Option<String>,
    pub version: String,
    pub owner: String,
    pub last_reviewed: NaiveDate,
    pub next_review: NaiveDate,
    pub approved: Option<NaiveDate>,
    pub review: Review,
    pub controls: Vec<ControlRef>,
    pub headroom: Option<HeadroomFacts>,
    pub metrics: Vec<MetricFacts>,
    /// Revisions, oldest first.
    pub history: Vec<RevisionFacts>,
    /// This runbook's documented exceptions, and its trips that have none.
    pub exceptions: Vec<ExceptionFacts>,
    pub undocumented_trips: Vec<UndocumentedTrip>,
    pub extra: serde_json::Value,
}

#[derive(Debug, Serialize)]
pub struct RevisionFacts {
    pub version: String,
    pub date: NaiveDate,
    pub approved_by: String,
    pub change: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlRef {
    pub id: String,
    pub title: String,
    pub group: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct HeadroomFacts {
    pub reports: String,
    pub cadence: Cadence,
    /// "monthly, due on the first Tuesday".
    pub cadence_label: &'static str,
    pub since: NaiveDate,
    pub grace_days: u32,
    /// Fraction: 0.25 for 25%.
    pub margin: Option<f64>,
    pub periods: Vec<PeriodFacts>,
    pub missing: usize,
    /// Metrics of the latest report that are tripped or within the margin.
    pub flagged: usize,
    pub latest_report: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct PeriodFacts {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub due: NaiveDate,
    pub deadline: NaiveDate,
    pub state: PeriodState,
    pub report: Option<NaiveDate>,
    pub report_url: Option<String>,
    /// The exception documenting this missing report, by source path.
    pub exception: Option<String>,
}

/// A documented exception (`evidence/exceptions/*.md`).
#[derive(Debug, Serialize)]
pub struct ExceptionFacts {
    pub source: String,
    pub sha256: String,
    pub runbook: String,
    pub runbook_url: String,
    pub kind: crate::model::exception::Kind,
    pub period: Option<String>,
    pub date: Option<NaiveDate>,
    pub metric: Option<String>,
    pub owner: String,
    pub response: String,
    pub resolved: Option<NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct AuditFacts {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Whether `dossier.yaml` names the window (otherwise: since the first obligation, through today).
    pub configured: bool,
    pub obligations: Vec<Obligation>,
    pub gaps: usize,
}

/// One recurring obligation of a runbook, period by period.
#[derive(Debug, Serialize)]
pub struct Obligation {
    pub runbook: String,
    pub runbook_title: String,
    pub runbook_url: String,
    pub what: String,
    pub cells: Vec<AuditCell>,
    pub gaps: usize,
}

#[derive(Debug, Serialize)]
pub struct AuditCell {
    pub period: String,
    /// `covered`, `gap`, `excused`, `open`, `reviewed`, `due`, `overdue` or `none`.
    pub state: &'static str,
    pub label: String,
    pub url: Option<String>,
}

/// A trigger that tripped in a report with no exception documenting it.
#[derive(Debug, Serialize)]
pub struct UndocumentedTrip {
    pub metric: String,
    pub date: NaiveDate,
    pub report_url: String,
    pub observed: String,
}

#[derive(Debug, Serialize)]
pub struct MetricFacts {
    pub group: String,
    pub metric: String,
    /// Anchor of the metric's history on the evidence page.
    pub anchor: String,
    pub trigger_text: String,
    pub trigger: Trigger,
    /// The parsed threshold for people: `> 0.8 s, window 24 h`.
    pub threshold: String,
    pub response: String,
    pub query: Option<String>,
    /// Observations of this metric, oldest first.
    pub history: Vec<ObservationFacts>,
    pub latest: Option<ObservationFacts>,
    /// The trend and its projection (three observations or more).
    pub forecast: Option<Forecast>,
    /// The projection in words.
    pub forecast_note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObservationFacts {
    pub date: NaiveDate,
    /// Shared by the observations of one report.
    pub report_url: Arc<str>,
    /// As written in the report.
    pub text: String,
    /// In the trigger's unit and scale (seconds for durations).
    pub observed: f64,
    /// The observed value written in the trigger's unit: `590ms`.
    pub display: String,
    pub headroom: Option<f64>,
    pub level: Level,
}

#[derive(Debug, Serialize)]
pub struct ReportFacts {
    pub source: String,
    pub sha256: String,
    pub url: Arc<str>,
    /// The runbook's id, title and URL, shared by its reports.
    pub runbook: Arc<str>,
    pub runbook_title: Arc<str>,
    pub runbook_url: Arc<str>,
    pub date: NaiveDate,
    pub author: String,
    pub observations: Vec<ReportObservation>,
    pub worst: Level,
}

#[derive(Debug, Serialize)]
pub struct ReportObservation {
    pub group: Arc<str>,
    pub metric: Arc<str>,
    pub metric_url: Arc<str>,
    pub text: String,
    pub trigger_text: Arc<str>,
    pub threshold: Arc<str>,
    pub headroom: Option<f64>,
    pub level: Level,
    /// The projection as of the report's date.
    pub forecast_note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Coverage {
    pub covered: usize,
    pub total: usize,
    pub groups: Vec<GroupCoverage>,
}

#[derive(Debug, Serialize)]
pub struct GroupCoverage {
    pub id: String,
    pub name: String,
    pub category: String,
    pub covered: usize,
    pub criteria: Vec<CriterionFacts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriterionFacts {
    pub id: String,
    pub title: String,
    pub group: String,
    pub url: String,
    pub documents: Vec<DocumentRef>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentRef {
    pub id: String,
    pub title: String,
    pub version: String,
    pub url: String,
}

pub fn runbook_url(id: &str) -> String {
    format!("runbooks/{}/index.html", segment(id))
}

pub fn control_url(id: &str) -> String {
    format!("controls/{}/index.html", segment(id))
}

/// `evidence/<folder>/<date>/index.html`.
pub fn report_url(folder: &str, date: NaiveDate) -> String {
    let folder: Vec<String> = folder.split('/').map(segment).collect();
    format!("{}/{date}/index.html", folder.join("/"))
}

/// Percent-encodes a path segment so any file name makes a valid, unambiguous URL.
pub fn segment(name: &str) -> String {
    crate::model::markdown::percent_encode(name, b"-._~")
}

/// A stable anchor for a metric: `metric-fastapi-backend-p95-request-latency`.
pub fn anchor(group: &str, metric: &str) -> String {
    let mut out = String::with_capacity("metric".len() + group.len() + metric.len() + 2);
    out.push_str("metric");
    for word in group
        .split(|c: char| !c.is_alphanumeric())
        .chain(metric.split(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
    {
        out.push('-');
        // Most names are ASCII: lowercased in place, without a copy per word.
        if word.is_ascii() {
            out.extend(word.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        } else {
            out.push_str(&word.to_lowercase());
        }
    }
    out
}

pub fn collect(project: &Project, today: NaiveDate) -> Facts {
    let reports_by_runbook = evaluate::reports_by_runbook(project, today);
    let mut exceptions_of: HashMap<&str, Vec<&Exception>> = HashMap::new();
    for exception in &project.exceptions {
        if let Some(meta) = &exception.meta {
            exceptions_of
                .entry(meta.runbook.value.as_str())
                .or_default()
                .push(exception);
        }
    }
    let per_runbook: Vec<(RunbookFacts, Vec<ReportKey>)> = project
        .runbooks
        .par_iter()
        .filter_map(|rb| {
            let reports = reports_by_runbook
                .get(rb.id.as_str())
                .map_or(&[][..], Vec::as_slice);
            let exceptions = exceptions_of
                .get(rb.id.as_str())
                .map_or(&[][..], Vec::as_slice);
            runbook_with_reports(rb, reports, exceptions, today)
        })
        .collect();
    let mut runbooks = Vec::with_capacity(per_runbook.len());
    let mut reports = Vec::with_capacity(project.reports.len());
    for (runbook, report_facts) in per_runbook {
        runbooks.push(runbook);
        reports.extend(report_facts);
    }
    // Listed by date, then path.
    reports.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let reports = reports.into_iter().map(|(_, facts)| facts).collect();
    let audit = audit(project, &runbooks, today);
    Facts {
        schema: SCHEMA,
        today,
        title: project
            .config
            .title
            .clone()
            .unwrap_or_else(|| "SOC 2 evidence".to_owned()),
        organization: project.config.organization.clone(),
        base_url: project.config.base_url.clone(),
        coverage: coverage(&runbooks),
        runbooks,
        reports,
        sources: project
            .sources()
            .into_iter()
            .map(|s| SourceHash {
                path: s.path.clone(),
                sha256: s.sha256.clone(),
            })
            .collect(),
        exceptions: project
            .exceptions
            .iter()
            .filter_map(exception_facts)
            .collect(),
        audit,
    }
}

/// One runbook's facts and its reports' (keyed by date and path): their
/// metric histories are gathered once for both. `reports` are the runbook's
/// reports that count, by date; `exceptions` its documented exceptions.
pub fn runbook_with_reports(
    runbook: &Runbook,
    reports: &[&Report],
    exceptions: &[&Exception],
    today: NaiveDate,
) -> Option<(RunbookFacts, Vec<ReportKey>)> {
    let histories = evaluate::histories(runbook, reports);
    let mut shared = Shared::new(runbook, reports)?;
    let report_facts = reports
        .iter()
        .filter_map(|report| report_facts(runbook, report, &histories, &mut shared))
        .collect();
    Some((
        runbook_facts(runbook, reports, exceptions, today, histories, &shared)?,
        report_facts,
    ))
}

/// The audit grid: each runbook's headroom periods and review months across the window.
pub fn audit(project: &Project, runbooks: &[RunbookFacts], today: NaiveDate) -> AuditFacts {
    let earliest = runbooks
        .iter()
        .flat_map(|rb| {
            let since = rb.headroom.as_ref().map(|h| h.since);
            since.into_iter().chain(rb.history.first().map(|r| r.date))
        })
        .min()
        .unwrap_or(today);
    let (from, to, configured) = match project.config.audit {
        Some(window) => (window.from, window.to, true),
        None => (earliest.min(today), today, false),
    };
    let months: Vec<Period> = Cadence::Monthly.periods(from, to).collect();
    let mut obligations = Vec::new();
    for rb in runbooks {
        if let Some(h) = &rb.headroom {
            let cells: Vec<AuditCell> = h
                .periods
                .iter()
                .filter(|p| p.end >= from && p.start <= to)
                .map(|p| headroom_cell(rb, p))
                .collect();
            obligations.push(Obligation {
                runbook: rb.id.clone(),
                runbook_title: rb.title.clone(),
                runbook_url: rb.url.clone(),
                what: format!("Headroom reports, {}", h.cadence_label),
                gaps: cells.iter().filter(|c| c.state == "gap").count(),
                cells,
            });
        }
        let cells: Vec<AuditCell> = months
            .iter()
            .map(|month| review_cell(rb, month, today))
            .collect();
        obligations.push(Obligation {
            runbook: rb.id.clone(),
            runbook_title: rb.title.clone(),
            runbook_url: rb.url.clone(),
            what: "Reviews".to_owned(),
            gaps: cells.iter().filter(|c| c.state == "overdue").count(),
            cells,
        });
    }
    AuditFacts {
        from,
        to,
        configured,
        gaps: obligations.iter().map(|o| o.gaps).sum(),
        obligations,
    }
}

fn headroom_cell(rb: &RunbookFacts, p: &PeriodFacts) -> AuditCell {
    let (state, label, url) = match (p.state, &p.exception) {
        (PeriodState::Covered, _) => (
            "covered",
            p.report.map_or_else(String::new, |d| d.to_string()),
            p.report_url.clone(),
        ),
        (PeriodState::Missing, Some(_)) => (
            "excused",
            "exception".to_owned(),
            Some(format!("{}#exceptions", rb.url)),
        ),
        (PeriodState::Missing, None) => ("gap", "missing".to_owned(), None),
        (PeriodState::Open, _) => ("open", format!("due by {}", p.deadline), None),
    };
    AuditCell {
        period: p.name.clone(),
        state,
        label,
        url,
    }
}

/// A month of the review obligation: the reviews done in it, or the review due in it.
fn review_cell(rb: &RunbookFacts, month: &Period, today: NaiveDate) -> AuditCell {
    let reviews: Vec<String> = rb
        .history
        .iter()
        .filter(|r| month.contains(r.date))
        .map(|r| format!("v{} {}", r.version, r.date))
        .collect();
    let (state, label, url) = if !reviews.is_empty() {
        (
            "reviewed",
            reviews.join(", "),
            Some(format!("{}#history", rb.url)),
        )
    } else if month.contains(rb.last_reviewed) {
        (
            "reviewed",
            rb.last_reviewed.to_string(),
            Some(rb.url.clone()),
        )
    } else if month.contains(rb.next_review) {
        let state = if rb.next_review < today {
            "overdue"
        } else {
            "due"
        };
        (
            state,
            format!("due {}", rb.next_review),
            Some(rb.url.clone()),
        )
    } else {
        ("none", String::new(), None)
    };
    AuditCell {
        period: month.to_string(),
        state,
        label,
        url,
    }
}

fn runbook_facts(
    runbook: &Runbook,
    reports: &[&Report],
    exceptions: &[&Exception],
    today: NaiveDate,
    histories: Vec<evaluate::History<'_>>,
    shared: &Shared,
) -> Option<RunbookFacts> {
    let meta = runbook.meta.as_ref()?;
    let undocumented_trips = histories
        .iter()
        .flat_map(|h| h.points.iter().map(move |p| (h, p)))
        .filter(|(h, p)| {
            p.reading.level == Level::Tripped
                && !exceptions.iter().any(|e| {
                    e.meta.as_ref().is_some_and(|m| {
                        matches!(&m.subject, Subject::Trip { metric, date } if metric.value == h.row.metric.text && date.value == p.date)
                    })
                })
        })
        .map(|(h, p)| UndocumentedTrip {
            metric: h.row.metric.text.clone(),
            date: p.date,
            report_url: report_url(&p.report.folder, p.date),
            observed: p.observation.text.value.clone(),
        })
        .collect();
    let mut metrics: Vec<MetricFacts> = histories
        .into_iter()
        .map(|h| {
            let forecast = h.forecast(today);
            MetricFacts {
                group: h.group.to_owned(),
                metric: h.row.metric.text.clone(),
                anchor: anchor(h.group, &h.row.metric.text),
                trigger_text: h.row.trigger_cell.text.clone(),
                threshold: h.trigger.describe(),
                trigger: h.trigger.clone(),
                response: h.row.response.text.clone(),
                query: h
                    .row
                    .query
                    .as_ref()
                    .map(|q| q.text.clone())
                    .filter(|q| !q.is_empty()),
                history: h
                    .points
                    .iter()
                    .map(|p| ObservationFacts {
                        date: p.date,
                        report_url: shared.report_url(p.report, p.date),
                        text: p.observation.text.value.clone(),
                        observed: p.reading.observed,
                        display: Quantity {
                            value: round(p.reading.observed),
                            unit: h.trigger.threshold.unit.clone(),
                        }
                        .to_string(),
                        headroom: p.reading.headroom,
                        level: p.reading.level,
                    })
                    .collect(),
                latest: None,
                forecast_note: forecast.as_ref().map(Forecast::describe),
                forecast,
            }
        })
        .collect();
    let latest_date = reports
        .last()
        .and_then(|r| r.meta.as_ref())
        .map(|m| m.date.value);
    for metric in &mut metrics {
        metric.latest = metric
            .history
            .last()
            .filter(|o| Some(o.date) == latest_date)
            .cloned();
    }
    let headroom = meta.headroom.as_ref().map(|h| {
        let periods: Vec<PeriodFacts> = evaluate::periods(h, reports, today)
            .into_iter()
            .map(|p| {
                let report = p.report.and_then(|r| r.meta.as_ref()).map(|m| m.date.value);
                PeriodFacts {
                    name: p.period.to_string(),
                    start: p.period.start,
                    end: p.period.end,
                    due: p.period.due,
                    deadline: p.deadline,
                    state: p.state,
                    report,
                    report_url: p
                        .report
                        .zip(report)
                        .map(|(r, date)| report_url(&r.folder, date)),
                    exception: (p.state == PeriodState::Missing)
                        .then(|| {
                            exceptions.iter().find(|e| {
                                e.meta.as_ref().is_some_and(|m| {
                                    matches!(&m.subject, Subject::Period(name) if name.value == p.period.to_string())
                                })
                            })
                        })
                        .flatten()
                        .map(|e| e.source.path.clone()),
                }
            })
            .collect();
        HeadroomFacts {
            reports: h.reports.value.clone(),
            cadence: h.cadence,
            cadence_label: h.cadence.describe(),
            since: h.since,
            grace_days: h.grace_days,
            margin: h.margin,
            missing: periods
                .iter()
                .filter(|p| p.state == PeriodState::Missing && p.exception.is_none())
                .count(),
            periods,
            flagged: metrics
                .iter()
                .filter(|m| m.latest.as_ref().is_some_and(|o| o.level != Level::Ok))
                .count(),
            latest_report: latest_date,
        }
    });
    Some(RunbookFacts {
        id: runbook.id.clone(),
        source: runbook.source.path.clone(),
        sha256: runbook.source.sha256.clone(),
        url: runbook_url(&runbook.id),
        title: meta.title.clone(),
        summary: meta.summary.clone(),
        version: meta.version.value.text.clone(),
        owner: meta.owner.clone(),
        last_reviewed: meta.last_reviewed.value,
        next_review: meta.next_review.value,
        approved: meta.approved.as_ref().map(|a| a.value),
        review: evaluate::review(meta, today),
        controls: meta
            .controls
            .iter()
            .filter_map(|c| controls::find(&c.value))
            .map(control_ref)
            .collect(),
        headroom,
        metrics,
        history: meta
            .history
            .iter()
            .map(|r| RevisionFacts {
                version: r.version.value.text.clone(),
                date: r.date.value,
                approved_by: r.approved_by.value.clone(),
                change: r.change.clone(),
            })
            .collect(),
        exceptions: exceptions
            .iter()
            .filter_map(|e| exception_facts(e))
            .collect(),
        undocumented_trips,
        extra: meta.extra.clone(),
    })
}

fn exception_facts(exception: &Exception) -> Option<ExceptionFacts> {
    let meta = exception.meta.as_ref()?;
    let (period, date, metric) = match &meta.subject {
        Subject::Period(p) => (Some(p.value.clone()), None, None),
        Subject::Review(d) => (None, Some(d.value), None),
        Subject::Trip { metric, date } => (None, Some(date.value), Some(metric.value.clone())),
    };
    Some(ExceptionFacts {
        source: exception.source.path.clone(),
        sha256: exception.source.sha256.clone(),
        runbook: meta.runbook.value.clone(),
        runbook_url: runbook_url(&meta.runbook.value),
        kind: meta.kind,
        period,
        date,
        metric,
        owner: meta.owner.clone(),
        response: meta.response.clone(),
        resolved: meta.resolved,
    })
}

fn control_ref(criterion: &Criterion) -> ControlRef {
    ControlRef {
        id: criterion.id.to_owned(),
        title: criterion.title.to_owned(),
        group: criterion.group.name.to_owned(),
        url: control_url(criterion.id),
    }
}

/// A report's facts, keyed by (date, path) so reports list in date order.
pub type ReportKey = ((NaiveDate, String), ReportFacts);

/// What a runbook's reports repeat, made once and shared: the runbook's id,
/// title and URL, each report's URL (for its page and the histories of all
/// its metrics), and for each trigger row what every observation of it
/// shows (names, the metric's URL, the trigger and its reading). On 110,000
/// reports of eleven observations, a copy each took hundreds of megabytes.
struct Shared {
    runbook: Arc<str>,
    title: Arc<str>,
    url: Arc<str>,
    reports: HashMap<*const Report, Arc<str>>,
    /// A row is in one table, so of one group: the key is the row alone.
    rows: HashMap<*const TriggerRow, RowText>,
}

#[derive(Clone)]
struct RowText {
    group: Arc<str>,
    metric: Arc<str>,
    metric_url: Arc<str>,
    trigger_text: Arc<str>,
    threshold: Arc<str>,
}

impl Shared {
    fn new(runbook: &Runbook, reports: &[&Report]) -> Option<Shared> {
        let reports = reports
            .iter()
            .filter_map(|r| {
                let date = r.meta.as_ref()?.date.value;
                Some((std::ptr::from_ref(*r), report_url(&r.folder, date).into()))
            })
            .collect();
        Some(Shared {
            runbook: runbook.id.as_str().into(),
            title: runbook.meta.as_ref()?.title.as_str().into(),
            url: runbook_url(&runbook.id).into(),
            reports,
            rows: HashMap::new(),
        })
    }

    /// The URL of `report` (one of the runbook's, dated `date`).
    fn report_url(&self, report: &Report, date: NaiveDate) -> Arc<str> {
        self.reports
            .get(&std::ptr::from_ref(report))
            .cloned()
            .unwrap_or_else(|| report_url(&report.folder, date).into())
    }

    fn row(&mut self, group: &str, row: &TriggerRow, trigger: &Trigger) -> RowText {
        let page = &self.url;
        self.rows
            .entry(std::ptr::from_ref(row))
            .or_insert_with(|| RowText {
                group: group.into(),
                metric: row.metric.text.as_str().into(),
                metric_url: format!("{page}#{}", anchor(group, &row.metric.text)).into(),
                trigger_text: row.trigger_cell.text.as_str().into(),
                threshold: trigger.describe().into(),
            })
            .clone()
    }
}

fn report_facts(
    runbook: &Runbook,
    report: &Report,
    histories: &[evaluate::History<'_>],
    shared: &mut Shared,
) -> Option<ReportKey> {
    let meta = report.meta.as_ref()?;
    let observations: Vec<ReportObservation> = meta
        .observations
        .iter()
        .filter_map(
            |observation| match evaluate::observation(runbook, observation) {
                Outcome::Read {
                    row,
                    trigger,
                    reading,
                } => {
                    let text = shared.row(&observation.group.value, row, trigger);
                    Some(ReportObservation {
                        group: text.group,
                        metric: text.metric,
                        metric_url: text.metric_url,
                        text: observation.text.value.clone(),
                        trigger_text: text.trigger_text,
                        threshold: text.threshold,
                        headroom: reading.headroom,
                        level: reading.level,
                        forecast_note: histories
                            .iter()
                            .find(|h| {
                                h.group == observation.group.value && std::ptr::eq(h.row, row)
                            })
                            .and_then(|h| h.forecast(meta.date.value))
                            .map(|f| f.describe()),
                    })
                }
                _ => None,
            },
        )
        .collect();
    let facts = ReportFacts {
        source: report.source.path.clone(),
        sha256: report.source.sha256.clone(),
        url: shared.report_url(report, meta.date.value),
        runbook: Arc::clone(&shared.runbook),
        runbook_title: Arc::clone(&shared.title),
        runbook_url: Arc::clone(&shared.url),
        date: meta.date.value,
        author: meta.author.clone(),
        worst: observations
            .iter()
            .map(|o| o.level)
            .max()
            .unwrap_or(Level::Ok),
        observations,
    };
    Some(((meta.date.value, report.source.path.clone()), facts))
}

pub fn coverage(runbooks: &[RunbookFacts]) -> Coverage {
    let mut documents: BTreeMap<&str, Vec<DocumentRef>> = BTreeMap::new();
    for rb in runbooks {
        for control in &rb.controls {
            documents
                .entry(control.id.as_str())
                .or_default()
                .push(DocumentRef {
                    id: rb.id.clone(),
                    title: rb.title.clone(),
                    version: rb.version.clone(),
                    url: rb.url.clone(),
                });
        }
    }
    let groups: Vec<GroupCoverage> = controls::GROUPS
        .iter()
        .map(|group| {
            let criteria: Vec<CriterionFacts> = controls::in_group(group.id)
                .map(|c| CriterionFacts {
                    id: c.id.to_owned(),
                    title: c.title.to_owned(),
                    group: group.id.to_owned(),
                    url: control_url(c.id),
                    documents: documents.get(c.id).cloned().unwrap_or_default(),
                })
                .collect();
            GroupCoverage {
                id: group.id.to_owned(),
                name: group.name.to_owned(),
                category: group.category.to_owned(),
                covered: criteria.iter().filter(|c| !c.documents.is_empty()).count(),
                criteria,
            }
        })
        .collect();
    Coverage {
        covered: groups.iter().map(|g| g.covered).sum(),
        total: controls::CRITERIA.len(),
        groups,
    }
}

/// Rounds away float noise from unit conversion (0.59000000001 -> 0.59).
fn round(value: f64) -> f64 {
    let rounded = (value * 1e9).round() / 1e9;
    if rounded.is_finite() { rounded } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_relative_and_escaped() {
        assert_eq!(
            runbook_url("capacity-planning"),
            "runbooks/capacity-planning/index.html"
        );
        assert_eq!(segment("my file%.md"), "my%20file%25.md");
        assert_eq!(segment("é"), "%C3%A9");
        let date = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        assert_eq!(
            report_url("evidence/capacity_reports", date),
            "evidence/capacity_reports/2026-03-03/index.html"
        );
    }

    #[test]
    fn anchors_are_stable_slugs() {
        assert_eq!(
            anchor("APScheduler / cron", "Missed runs"),
            "metric-apscheduler-cron-missed-runs"
        );
        // Words outside ASCII lowercase as whole words (a final sigma stays final).
        assert_eq!(
            anchor("Ünïcode ΣΟΦΟΣ", "p95 LATENCY—EU"),
            "metric-ünïcode-σοφος-p95-latency-eu"
        );
        assert_eq!(anchor("", "  "), "metric");
    }
}
