//! Every documented exception must match something: a missing headroom
//! report, a review done on its date, or a trigger that tripped in the report
//! of its date. (The exceptions that match turn those findings into listed
//! exceptions; see the headroom and reports rules.)

use super::Context;
use crate::diag::Diagnostic;
use crate::evaluate::{self, Level, PeriodState};
use crate::model::exception::Subject;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for exception in &cx.project.exceptions {
        let Some(meta) = &exception.meta else {
            continue;
        };
        let file = exception.source.path.as_str();
        let Some(runbook) = cx.project.runbook(&meta.runbook.value) else {
            out.push(Diagnostic::error(
                "exception",
                file,
                meta.runbook.pos,
                format!("unknown runbook `{}`", meta.runbook.value),
            ));
            continue;
        };
        let Some(runbook_meta) = &runbook.meta else {
            continue;
        };
        let reports = cx.reports_of(&runbook.id);
        let unmatched = match &meta.subject {
            Subject::Period(name) => {
                let status = runbook_meta.headroom.as_ref().and_then(|h| {
                    evaluate::periods(h, reports, cx.today)
                        .into_iter()
                        .find(|p| p.period.to_string() == name.value)
                });
                match status.map(|s| s.state) {
                    Some(PeriodState::Missing) => None,
                    Some(PeriodState::Covered) => Some((
                        name.pos,
                        format!("the report for {} exists: nothing to excuse", name.value),
                    )),
                    Some(PeriodState::Open) => Some((
                        name.pos,
                        format!("the report for {} is not late yet", name.value),
                    )),
                    None => Some((
                        name.pos,
                        format!(
                            "`{}` has no headroom period named {}",
                            runbook.id, name.value
                        ),
                    )),
                }
            }
            Subject::Review(date) => {
                let reviewed = runbook_meta.last_reviewed.value == date.value
                    || runbook_meta
                        .history
                        .iter()
                        .any(|r| r.date.value == date.value);
                (!reviewed).then(|| {
                    (
                        date.pos,
                        format!("`{}` records no review on {}", runbook.id, date.value),
                    )
                })
            }
            Subject::Trip { metric, date } => {
                let tripped = evaluate::histories(runbook, reports).iter().any(|h| {
                    h.row.metric.text == metric.value
                        && h.points
                            .iter()
                            .any(|p| p.date == date.value && p.reading.level == Level::Tripped)
                });
                (!tripped).then(|| {
                    (
                        metric.pos,
                        format!(
                            "`{}` did not trip in the report of {}",
                            metric.value, date.value
                        ),
                    )
                })
            }
        };
        if let Some((pos, message)) = unmatched {
            out.push(
                Diagnostic::error("exception", file, pos, format!("exception matches nothing: {message}"))
                    .with_help("an exception documents a missing report, a late review or a tripped trigger that happened"),
            );
        }
    }
    out
}
