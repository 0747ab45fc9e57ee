//! Markdown links to runbooks and evidence must resolve, relative to the
//! linking file as GitHub resolves them, without leaving the root.

use super::Context;
use crate::diag::Diagnostic;
use crate::model::markdown::{Link, resolve};
use crate::sources::{EVIDENCE_DIR, RUNBOOKS_DIR};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let runbooks = cx
        .project
        .runbooks
        .iter()
        .map(|rb| (&rb.source.path, &rb.body.links));
    let reports = cx
        .project
        .reports
        .iter()
        .map(|r| (&r.source.path, &r.body.links));
    runbooks
        .chain(reports)
        .flat_map(|(file, links)| {
            links
                .iter()
                .filter_map(move |link| check_link(cx, file, link))
        })
        .collect()
}

fn check_link(cx: &Context, file: &str, link: &Link) -> Option<Diagnostic> {
    let target = match resolve(file, &link.target)? {
        Ok(target) => target,
        Err(message) => {
            return Some(
                Diagnostic::error("link-outside-root", file, link.pos, message).with_help(
                    "link to files inside the repository with a path relative to this file",
                ),
            );
        }
    };
    let checked = [RUNBOOKS_DIR, EVIDENCE_DIR].iter().any(|top| {
        target
            .strip_prefix(top)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if !checked || cx.project.inventory.contains(&target) {
        return None;
    }
    Some(
        Diagnostic::error(
            "broken-link",
            file,
            link.pos,
            format!(
                "broken link: `{}` points to {target}, which does not exist",
                link.target
            ),
        )
        .with_help("links resolve relative to the linking file, as on GitHub"),
    )
}
