//! Control ids must be AICPA TSC 2017 criteria.

use super::Context;
use super::placeholders::is_placeholder;
use crate::controls;
use crate::diag::Diagnostic;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let Some(meta) = &runbook.meta else { continue };
        for control in &meta.controls {
            if controls::find(&control.value).is_some() || is_placeholder(&control.value) {
                continue;
            }
            let help = match controls::suggest(&control.value) {
                Some(near) => format!("did you mean `{}` ({})?", near.id, near.title),
                None => "use a TSC 2017 criterion id such as CC7.1 or A1.2".to_owned(),
            };
            out.push(
                Diagnostic::error(
                    "unknown-control",
                    &runbook.source.path,
                    control.pos,
                    format!("`{}` is not a TSC 2017 criterion", control.value),
                )
                .with_help(help),
            );
        }
    }
    out
}
