//! Headroom cadence: every period whose due date plus grace days has passed
//! needs a report dated inside it.

use super::Context;
use crate::diag::Diagnostic;
use crate::evaluate::{self, PeriodState};
use crate::model::exception::Subject;
use crate::project::is_report_folder;
use crate::sources;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let Some(headroom) = runbook.meta.as_ref().and_then(|m| m.headroom.as_ref()) else {
            continue;
        };
        let file = runbook.source.path.as_str();
        let folder = &headroom.reports;
        if sources::normalize(&folder.value).is_none() {
            // Reported by the reader as leaving the root.
            continue;
        }
        if !is_report_folder(&folder.value) {
            out.push(
                Diagnostic::error(
                    "headroom-folder",
                    file,
                    folder.pos,
                    format!(
                        "`headroom.reports` is `{}`, not a folder under evidence/",
                        folder.value
                    ),
                )
                .with_help("file reports in a folder such as evidence/capacity_reports"),
            );
            continue;
        }
        for status in evaluate::periods(headroom, cx.reports_of(&runbook.id), cx.today) {
            let name = status.period.to_string();
            let excused = || {
                evaluate::documented(
                    cx.project,
                    &runbook.id,
                    |s| matches!(s, Subject::Period(p) if p.value == name),
                )
            };
            if status.state != PeriodState::Missing || excused().is_some() {
                continue;
            }
            out.push(
                Diagnostic::error(
                    "headroom-missing",
                    file,
                    folder.pos,
                    format!(
                        "headroom report missing for {} in {}/ (due {}{})",
                        status.period,
                        folder.value,
                        status.period.due,
                        grace(headroom.grace_days, status.deadline)
                    ),
                )
                .with_help(format!(
                    "file a report dated between {} and {} in {}/",
                    status.period.start, status.period.end, folder.value
                )),
            );
        }
    }
    out
}

fn grace(days: u32, deadline: chrono::NaiveDate) -> String {
    match days {
        0 => String::new(),
        1 => format!(", 1 day of grace ended {deadline}"),
        n => format!(", {n} days of grace ended {deadline}"),
    }
}
