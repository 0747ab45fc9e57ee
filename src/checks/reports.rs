//! Headroom reports: they name a runbook that expects them, are filed in its
//! folder, are not dated in the future or twice, and every observation names a
//! metric of the runbook with a compatible unit. Observations that meet their
//! trigger, or come within the margin in the latest report, are warnings.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Context;
use super::placeholders::is_placeholder;
use crate::diag::{Diagnostic, nearest};
use crate::evaluate::{self, Level, Outcome, percent, same_folder};
use crate::model::exception::Subject;
use crate::model::report::{Report, ReportMeta};
use crate::model::runbook::Runbook;
use crate::project::Project;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut dates: HashMap<(&str, NaiveDate), &str> = HashMap::new();
    for report in &cx.project.reports {
        let Some(meta) = &report.meta else { continue };
        let file = report.source.path.as_str();
        let id = meta.runbook.value.as_str();
        if meta.date.value > cx.today {
            out.push(
                Diagnostic::error(
                    "report-date",
                    file,
                    meta.date.pos,
                    format!(
                        "report dated {}, after today ({})",
                        meta.date.value, cx.today
                    ),
                )
                .with_help("file reports once the observations are made"),
            );
        }
        let Some(runbook) = cx.project.runbook(id) else {
            let ids = cx.project.runbooks.iter().map(|rb| rb.id.as_str());
            let help = match nearest(id, ids) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "name a runbook by its file stem, e.g. `capacity-planning`".to_owned(),
            };
            out.push(
                Diagnostic::error(
                    "report-runbook",
                    file,
                    meta.runbook.pos,
                    format!("unknown runbook `{id}`"),
                )
                .with_help(help),
            );
            continue;
        };
        let Some(runbook_meta) = &runbook.meta else {
            continue; // its front matter is reported on the runbook
        };
        let Some(headroom) = &runbook_meta.headroom else {
            out.push(
                Diagnostic::error(
                    "report-runbook",
                    file,
                    meta.runbook.pos,
                    format!(
                        "runbook `{id}` has no `headroom` section, so it takes no headroom reports"
                    ),
                )
                .with_help(format!(
                    "add `headroom:` to the front matter of {}",
                    runbook.source.path
                )),
            );
            continue;
        };
        if !same_folder(&headroom.reports.value, &report.folder) {
            out.push(Diagnostic::error(
                "report-folder",
                file,
                meta.runbook.pos,
                format!(
                    "report for `{id}` is filed in {}/, but that runbook's reports live in {}/",
                    report.folder, headroom.reports.value
                ),
            ));
            continue;
        }
        if let Some(first) = dates.insert((id, meta.date.value), file) {
            out.push(Diagnostic::error(
                "report-date",
                file,
                meta.date.pos,
                format!(
                    "a second report of `{id}` dated {} (the first is {first})",
                    meta.date.value
                ),
            ));
        }
        let latest = cx
            .reports_of(id)
            .last()
            .is_some_and(|r| std::ptr::eq(*r, report));
        observations(cx.project, runbook, report, meta, latest, &mut out);
    }
    out
}

fn observations(
    project: &Project,
    runbook: &Runbook,
    report: &Report,
    meta: &ReportMeta,
    latest: bool,
    out: &mut Vec<Diagnostic>,
) {
    let file = report.source.path.as_str();
    for obs in &meta.observations {
        let metric = &obs.metric.value;
        match evaluate::observation(runbook, obs) {
            Outcome::Read { row, reading, .. } => {
                let documented = || {
                    evaluate::documented(
                        project,
                        &runbook.id,
                        |s| matches!(s, Subject::Trip { metric: m, date } if m.value == *metric && date.value == meta.date.value),
                    )
                };
                let message = match reading.level {
                    Level::Tripped if documented().is_some() => continue,
                    Level::Tripped => format!(
                        "`{metric}` is {}: tripped `{}`",
                        obs.text.value, row.trigger_cell.text
                    ),
                    Level::ActBeforeItTrips if latest => format!(
                        "`{metric}` is {}, within {} of `{}`: act before it trips",
                        obs.text.value,
                        percent(reading.headroom.unwrap_or(0.0)),
                        row.trigger_cell.text
                    ),
                    _ => continue,
                };
                out.push(
                    Diagnostic::warning(level_rule(reading.level), file, obs.text.pos, message)
                        .with_help(format!("response: {}", row.response.text)),
                );
            }
            Outcome::UnknownGroup { suggestion } => out.push(
                Diagnostic::error(
                    "unknown-metric",
                    file,
                    obs.group.pos,
                    format!(
                        "runbook `{}` has no trigger table group `{}`",
                        runbook.id, obs.group.value
                    ),
                )
                .with_optional_help(suggestion.map(|s| format!("did you mean `{s}`?"))),
            ),
            Outcome::UnknownMetric { suggestion } => out.push(
                Diagnostic::error(
                    "unknown-metric",
                    file,
                    obs.metric.pos,
                    format!(
                        "group `{}` of runbook `{}` has no metric `{metric}`",
                        obs.group.value, runbook.id
                    ),
                )
                .with_optional_help(suggestion.map(|s| format!("did you mean `{s}`?"))),
            ),
            Outcome::InvalidValue(_) if is_placeholder(&obs.text.value) => {}
            Outcome::InvalidValue(fault) => out.push(
                Diagnostic::error(
                    "observation-value",
                    file,
                    obs.text.pos,
                    format!(
                        "value `{}` of `{metric}` does not parse: {}",
                        obs.text.value, fault.message
                    ),
                )
                .with_optional_help(fault.help.clone()),
            ),
            Outcome::Incompatible { row, message } => out.push(
                Diagnostic::error(
                    "observation-unit",
                    file,
                    obs.text.pos,
                    format!("`{metric}`: {message} (`{}`)", row.trigger_cell.text),
                )
                .with_help("write the value in a unit compatible with the trigger"),
            ),
            Outcome::TriggerFault => {}
        }
    }
}

fn level_rule(level: Level) -> &'static str {
    match level {
        Level::Tripped => "tripped",
        _ => "act-before-it-trips",
    }
}
