//! A metric whose trend is projected to meet its trigger before the next
//! review is a warning: the review would come too late to move before it fires.

use rayon::prelude::*;

use super::Context;
use crate::diag::Diagnostic;
use crate::evaluate;
use crate::forecast::Projection;
use crate::model::runbook::Runbook;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    cx.project
        .runbooks
        .par_iter()
        .flat_map_iter(|runbook| forecasts(cx, runbook))
        .collect()
}

/// The forecast warnings of one runbook.
fn forecasts(cx: &Context, runbook: &Runbook) -> Vec<Diagnostic> {
    let Some(meta) = &runbook.meta else {
        return Vec::new();
    };
    let next_review = meta.next_review.value;
    let mut out = Vec::new();
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
    out
}
