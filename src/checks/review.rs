//! Review dates: overdue reviews fail, reviews due within 30 days warn, and
//! the dates themselves must make sense.

use super::Context;
use crate::diag::Diagnostic;
use crate::evaluate::{self, ReviewState};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let Some(meta) = &runbook.meta else { continue };
        let file = runbook.source.path.as_str();
        let (last, next) = (&meta.last_reviewed, &meta.next_review);
        if last.value > cx.today {
            out.push(Diagnostic::error(
                "review-date",
                file,
                last.pos,
                format!(
                    "`last_reviewed` {} is after today ({})",
                    last.value, cx.today
                ),
            ));
        }
        if next.value <= last.value {
            out.push(
                Diagnostic::error(
                    "review-date",
                    file,
                    next.pos,
                    format!(
                        "`next_review` {} is not after `last_reviewed` {}",
                        next.value, last.value
                    ),
                )
                .with_help("schedule the next review after the last one"),
            );
        }
        if let Some(approved) = &meta.approved
            && approved.value > cx.today
        {
            out.push(Diagnostic::error(
                "review-date",
                file,
                approved.pos,
                format!(
                    "`approved` {} is after today ({})",
                    approved.value, cx.today
                ),
            ));
        }
        let review = evaluate::review(meta, cx.today);
        match review.state {
            ReviewState::Overdue => out.push(
                Diagnostic::error(
                    "review-overdue",
                    file,
                    next.pos,
                    format!(
                        "review overdue: `next_review` was {} ({} late)",
                        next.value,
                        days(-review.days_left)
                    ),
                )
                .with_help(
                    "review the runbook, then update `last_reviewed`, `next_review` and `version`",
                ),
            ),
            ReviewState::DueSoon => out.push(Diagnostic::warning(
                "review-due-soon",
                file,
                next.pos,
                format!("review due {} ({})", next.value, in_days(review.days_left)),
            )),
            ReviewState::Current => {}
        }
    }
    out
}

pub fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

fn in_days(n: i64) -> String {
    match n {
        0 => "today".to_owned(),
        n => format!("in {}", days(n)),
    }
}
