//! Revision history: versions never go down, dates never go back, every
//! revision names its approver, and the last one is the runbook as it stands.

use super::Context;
use crate::diag::Diagnostic;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let Some(meta) = &runbook.meta else { continue };
        let file = runbook.source.path.as_str();
        let error = |pos, message: String| Diagnostic::error("history", file, pos, message);
        for revision in &meta.history {
            if revision.approved_by.value.is_empty() {
                out.push(
                    error(
                        revision.approved_by.pos,
                        format!("revision {} names no approver", revision.version.value),
                    )
                    .with_help("`approved_by` records who signed this version off"),
                );
            }
        }
        for pair in meta.history.windows(2) {
            let (before, after) = (&pair[0], &pair[1]);
            if after.version.value < before.version.value {
                out.push(error(
                    after.version.pos,
                    format!(
                        "version {} comes after {}: versions never go down",
                        after.version.value, before.version.value
                    ),
                ));
            }
            if after.date.value < before.date.value {
                out.push(error(
                    after.date.pos,
                    format!(
                        "revision dated {} comes after one dated {}: dates never go back",
                        after.date.value, before.date.value
                    ),
                ));
            }
        }
        let Some(last) = meta.history.last() else {
            continue;
        };
        if last.version.value != meta.version.value {
            out.push(
                error(
                    last.version.pos,
                    format!(
                        "the last revision is {}, but the runbook's `version` is {}",
                        last.version.value, meta.version.value
                    ),
                )
                .with_help("add a history entry for the current version"),
            );
        }
        if last.date.value != meta.last_reviewed.value {
            out.push(
                error(
                    last.date.pos,
                    format!(
                        "the last revision is dated {}, but `last_reviewed` is {}",
                        last.date.value, meta.last_reviewed.value
                    ),
                )
                .with_help("the last history entry records the latest review"),
            );
        }
    }
    out
}
