//! Files that could not be read, and front matter that could not be understood.

use super::Context;
use crate::diag::Diagnostic;
use crate::model::frontmatter::Problem;
use crate::sources::CONFIG_FILE;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let project = cx.project;
    let runbooks = project
        .runbooks
        .iter()
        .map(|rb| (rb.source.path.as_str(), &rb.problems));
    let reports = project
        .reports
        .iter()
        .map(|r| (r.source.path.as_str(), &r.problems));
    let exceptions = project
        .exceptions
        .iter()
        .map(|e| (e.source.path.as_str(), &e.problems));
    let config = std::iter::once((CONFIG_FILE, &project.config_problems));
    let problems = runbooks
        .chain(reports)
        .chain(exceptions)
        .chain(config)
        .flat_map(|(path, problems)| problems.iter().map(move |p| diagnostic(path, p)));
    project
        .read_problems
        .iter()
        .cloned()
        .chain(problems)
        .collect()
}

fn diagnostic(path: &str, problem: &Problem) -> Diagnostic {
    Diagnostic::error("front-matter", path, problem.pos, problem.message.clone())
        .with_optional_help(problem.help.clone())
}
