//! Trigger tables: every Trigger cell parses, no empty metric or response,
//! metric names unique within a group, only the known columns.

use std::collections::HashMap;

use super::Context;
use crate::diag::{Diagnostic, Pos};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let file = runbook.source.path.as_str();
        let mut seen: HashMap<(&str, &str), Pos> = HashMap::new();
        for table in &runbook.body.tables {
            let group = runbook.group_name(table);
            for extra in &table.extra_columns {
                out.push(
                    Diagnostic::error(
                        "trigger-table",
                        file,
                        extra.pos,
                        format!("unexpected column `{}` in a trigger table", extra.text),
                    )
                    .with_help("trigger tables have the columns Metric | Trigger | Response, and optionally Query"),
                );
            }
            for row in &table.rows {
                if row.metric.text.is_empty() {
                    out.push(Diagnostic::error(
                        "trigger-table",
                        file,
                        row.metric.pos,
                        "empty Metric cell",
                    ));
                } else if let Some(first) = seen.insert((group, &row.metric.text), row.metric.pos) {
                    out.push(
                        Diagnostic::error(
                            "trigger-table",
                            file,
                            row.metric.pos,
                            format!(
                                "metric `{}` appears twice in group `{group}`",
                                row.metric.text
                            ),
                        )
                        .with_help(format!(
                            "first defined on line {}; metric names are unique within a group",
                            first.line
                        )),
                    );
                }
                if row.response.text.is_empty() {
                    out.push(
                        Diagnostic::error(
                            "trigger-table",
                            file,
                            row.response.pos,
                            format!("empty Response for metric `{}`", row.metric.text),
                        )
                        .with_help("every trigger needs a documented response"),
                    );
                }
                if let Err(fault) = &row.trigger {
                    out.push(
                        Diagnostic::error(
                            "trigger-syntax",
                            file,
                            fault.pos,
                            format!(
                                "trigger `{}` does not parse: {}",
                                row.trigger_cell.text, fault.value.message
                            ),
                        )
                        .with_optional_help(fault.value.help.clone()),
                    );
                }
            }
        }
        let headroom = runbook.meta.as_ref().and_then(|m| m.headroom.as_ref());
        if let (Some(headroom), true) = (headroom, runbook.body.tables.is_empty()) {
            out.push(
                Diagnostic::error(
                    "trigger-table",
                    file,
                    headroom.pos,
                    "the runbook asks for headroom reports but has no trigger table",
                )
                .with_help("add a table with the columns | Metric | Trigger | Response |"),
            );
        }
    }
    out
}
