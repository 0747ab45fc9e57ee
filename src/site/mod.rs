//! The evidence site (SPEC §6): facts computed once, pages rendered from
//! embedded Tera templates, written aside and swapped in atomically.

pub mod calendar;
pub mod chart;
pub mod facts;
pub mod markdown;
pub mod render;
pub mod write;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use tera::Context;

use crate::controls;
use crate::diag::Diagnostic;
use crate::model::markdown::{TriggerTable, percent_decode};
use crate::project::Project;
use facts::{CriterionFacts, Facts, GroupCoverage, ReportFacts, RunbookFacts};
use render::Templates;

/// Why a build wrote nothing.
#[derive(Debug)]
pub enum Error {
    /// A template does not compile or render (exit 1: the repository must be fixed).
    Templates(Vec<Diagnostic>),
    /// The output could not be written (exit 2).
    Io(io::Error),
}

/// Site-wide values every page shows.
#[derive(Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    organization: Option<&'a str>,
    today: NaiveDate,
    /// Rendered as the evidence stood on `today`, a past date.
    as_of: bool,
}

/// Renders the whole site in memory: (site-relative path, bytes), sorted by path.
/// `as_of`: `today` is a past date the site shows the evidence as of (`build --as-of`).
pub fn render(
    project: &Project,
    today: NaiveDate,
    as_of: bool,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let templates = Templates::load(&project.templates).map_err(Error::Templates)?;
    let facts = facts::collect(project, today);
    let site = SiteInfo {
        title: &facts.title,
        organization: facts.organization.as_deref(),
        today,
        as_of,
    };
    let context = |root: &str| {
        let mut c = Context::new();
        c.insert("site", &site);
        c.insert("root", root);
        c
    };
    let pages = link_targets(&facts);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    let mut home = context("");
    home.insert("runbooks", &facts.runbooks);
    home.insert("reports", &facts.reports);
    home.insert("coverage", &facts.coverage);
    files.push((
        "index.html".to_owned(),
        render_one(&templates, "index.html", &home)?,
    ));

    let mut readiness = context("../");
    readiness.insert("coverage", &facts.coverage);
    files.push((
        "soc2/index.html".to_owned(),
        render_one(&templates, "soc2.html", &readiness)?,
    ));

    let mut audit = context("../");
    audit.insert("audit", &facts.audit);
    audit.insert("exceptions", &facts.exceptions);
    files.push((
        "audit/index.html".to_owned(),
        render_one(&templates, "audit.html", &audit)?,
    ));

    let runbook_jobs: Vec<(String, &str, &RunbookFacts)> = facts
        .runbooks
        .iter()
        .map(|rb| (file_path(&rb.url), "runbook.html", rb))
        .collect();
    files.extend(
        templates
            .render_all(&runbook_jobs, |rb| {
                let root = root_of(&file_path(&rb.url));
                let mut c = context(&root);
                let runbook = project
                    .runbook(&rb.id)
                    .expect("facts come from the project's runbooks");
                let tables: Vec<(&str, &TriggerTable)> = runbook
                    .body
                    .tables
                    .iter()
                    .map(|t| (runbook.group_name(t), t))
                    .collect();
                let body = markdown::render(&markdown::Body {
                    text: runbook.body(),
                    file: &runbook.source.path,
                    root: &root,
                    pages: &pages,
                    tables: &tables,
                });
                let margin = rb.headroom.as_ref().and_then(|h| h.margin);
                let charts: HashMap<&str, String> = rb
                    .metrics
                    .iter()
                    .filter_map(|m| Some((m.anchor.as_str(), chart::svg(m, margin)?)))
                    .collect();
                c.insert("rb", rb);
                c.insert("body", &body);
                c.insert("charts", &charts);
                c
            })
            .map_err(Error::Templates)?,
    );

    let criteria: Vec<(&GroupCoverage, &CriterionFacts)> = facts
        .coverage
        .groups
        .iter()
        .flat_map(|g| g.criteria.iter().map(move |c| (g, c)))
        .collect();
    let control_jobs: Vec<(String, &str, (&GroupCoverage, &CriterionFacts))> = criteria
        .iter()
        .map(|&(g, c)| (file_path(&c.url), "control.html", (g, c)))
        .collect();
    files.extend(
        templates
            .render_all(&control_jobs, |(group, criterion)| {
                let mut c = context("../../");
                c.insert("group", group);
                c.insert("criterion", criterion);
                c
            })
            .map_err(Error::Templates)?,
    );

    let report_jobs: Vec<(String, &str, &ReportFacts)> = facts
        .reports
        .iter()
        .map(|r| (file_path(&r.url), "report.html", r))
        .collect();
    files.extend(
        templates
            .render_all(&report_jobs, |report| {
                let root = root_of(&file_path(&report.url));
                let mut c = context(&root);
                let source = project
                    .reports
                    .iter()
                    .find(|r| r.source.path == report.source);
                let notes = source.map_or_else(String::new, |r| {
                    markdown::render(&markdown::Body {
                        text: r.body(),
                        file: &r.source.path,
                        root: &root,
                        pages: &pages,
                        tables: &[],
                    })
                });
                c.insert("report", report);
                c.insert("notes", notes.trim());
                c
            })
            .map_err(Error::Templates)?,
    );

    files.extend(
        templates
            .statics
            .iter()
            .map(|(name, text)| (name.clone(), text.clone().into_bytes())),
    );
    files.push(("SHA256SUMS".to_owned(), sha256sums(&facts).into_bytes()));
    let upcoming = crate::agenda::agenda(project, today, crate::agenda::horizon(today, 366));
    let calendar = calendar::ics(&upcoming, &facts.title, facts.base_url.as_deref(), today);
    files.push(("calendar.ics".to_owned(), calendar.into_bytes()));
    let mut json = serde_json::to_vec_pretty(&facts).expect("facts serialize");
    json.push(b'\n');
    files.push(("evidence.json".to_owned(), json));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    debug_assert_eq!(controls::CRITERIA.len(), criteria.len());
    Ok(files)
}

/// Renders the site and publishes it at `out`; returns the number of files written.
pub fn build(project: &Project, today: NaiveDate, as_of: bool, out: &Path) -> Result<usize, Error> {
    let files = render(project, today, as_of)?;
    write::publish(out, &files).map_err(Error::Io)?;
    Ok(files.len())
}

fn render_one(templates: &Templates, name: &str, context: &Context) -> Result<Vec<u8>, Error> {
    templates
        .render(name, context)
        .map(String::into_bytes)
        .map_err(|d| Error::Templates(vec![d]))
}

/// Where Markdown links may lead: each runbook and report source to its page,
/// each report folder to its runbook's headroom section.
fn link_targets(facts: &Facts) -> markdown::Pages {
    let runbooks = facts.runbooks.iter().flat_map(|rb| {
        let folder = rb
            .headroom
            .as_ref()
            .map(|h| (h.reports.clone(), format!("{}#headroom", rb.url)));
        std::iter::once((rb.source.clone(), rb.url.clone())).chain(folder)
    });
    let reports = facts
        .reports
        .iter()
        .map(|r| (r.source.clone(), r.url.clone()));
    runbooks.chain(reports).collect()
}

/// The file a page URL is written to (URLs are percent-encoded, files are not).
fn file_path(url: &str) -> String {
    percent_decode(url)
}

/// `runbooks/x/index.html` -> `../../`.
fn root_of(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

/// `sha256sum -c` input. Names with a newline or backslash are escaped the
/// way GNU coreutils does, so no path can forge a line.
fn sha256sums(facts: &Facts) -> String {
    let mut out = String::new();
    for source in &facts.sources {
        let path = &source.path;
        if path.contains(['\n', '\r', '\\']) {
            let escaped = path
                .replace('\\', "\\\\")
                .replace('\n', "\\n")
                .replace('\r', "\\r");
            let _ = writeln!(out, "\\{}  {escaped}", source.sha256);
        } else {
            let _ = writeln!(out, "{}  {path}", source.sha256);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_climb_to_the_site_root() {
        assert_eq!(root_of("index.html"), "");
        assert_eq!(root_of("runbooks/x/index.html"), "../../");
        assert_eq!(
            root_of("evidence/a/b/2026-01-01/index.html"),
            "../../../../"
        );
    }
}
