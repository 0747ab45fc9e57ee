//! A metric whose trend is projected to meet its trigger before the next
//! review is a warning: the review would come too late to move before it fires.

use super::Context;
use crate::diag::Diagnostic;
use crate::evaluate;
use crate::forecast::Projection;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let Some(meta) = &runbook.meta else { continue };
        let next_review = meta.next_review.value;
        for history in evaluate::histories(runbook, cx.reports_of(&runbook.id)) {
            let Some(forecast) = history.forecast(cx.today) else {
                continue;
            };
            let metric = &history.row.metric.text;
            let message = match forecast.projection {
                Projection::Trips { date } if date < next_review => format!(
                    "`{metric}` projected to trip around {date}, before the next review on {next_review}"
                ),
                Projection::CrossedAlready { date } => format!(
                    "`{metric}`: the trend crossed the trigger around {date}, though the latest observation has not"
                ),
                _ => continue,
            };
            out.push(
                Diagnostic::warning(
                    "forecast",
                    &runbook.source.path,
                    history.row.trigger_cell.pos,
                    message,
                )
                .with_help(format!("response: {}", history.row.response.text)),
            );
        }
    }
    out
}
