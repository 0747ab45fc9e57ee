//! Pages from Tera templates: the built-in ones are embedded at compile time;
//! a repository's `templates/` overrides any of them by name.
//!
//! [`Site`] holds what every page is rendered from, computed once per build:
//! the compiled templates, the facts, where links lead. Each page then
//! renders on its own, so a build renders them all in parallel and a live
//! preview re-renders only the pages an edit affects.

use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, ErrorKind, Kwargs, State, Tera, Value};

use super::chart;
use super::facts::{self, Facts, ReportFacts, RunbookFacts};
use super::markdown;
use crate::diag::{Diagnostic, Pos};
use crate::evaluate::{Level, Review, percent};
use crate::model::markdown::{TriggerRow, percent_decode};
use crate::project::Project;
use crate::sources::{Source, TEMPLATES_DIR};

pub mod preview;

/// Site-wide values every page shows.
#[derive(Serialize)]
struct SiteInfo<'a> {
    title: &'a str,
    organization: Option<&'a str>,
    today: NaiveDate,
    /// Rendered as the evidence stood on `today`, a past date.
    as_of: bool,
}

/// A page of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    Home,
    Readiness,
    Audit,
    /// A runbook's evidence page, by its index in [`Facts::runbooks`].
    Runbook(usize),
    /// A criterion's page: the indices of its group and of itself in the group.
    Control(usize, usize),
    /// A headroom report's page, by its index in [`Facts::reports`].
    Report(usize),
}

/// A runbook as the home page lists it.
#[derive(Serialize)]
struct RunbookRow<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    summary: Option<&'a str>,
    version: &'a str,
    owner: &'a str,
    last_reviewed: NaiveDate,
    next_review: NaiveDate,
    approved: Option<NaiveDate>,
    review: Review,
    headroom: Option<HeadroomRow>,
}

#[derive(Serialize)]
struct HeadroomRow {
    missing: usize,
    flagged: usize,
    latest_report: Option<NaiveDate>,
}

/// A report as the home page lists it.
#[derive(Serialize)]
struct ReportRow<'a> {
    url: &'a str,
    date: NaiveDate,
    runbook: &'a str,
    runbook_title: &'a str,
    runbook_url: &'a str,
    author: &'a str,
    worst: Level,
}

/// Everything pages are rendered from, computed once per build from a
/// project (which every page is then rendered with).
pub struct Site {
    pub templates: Templates,
    pub facts: Facts,
    /// Where Markdown links lead: source paths (and report folders) to page URLs.
    links: markdown::Pages,
    /// Shared by every page; converted for Tera once.
    info: Value,
    coverage: Value,
}

impl Site {
    /// Compiles the templates and computes the facts; `as_of`: `today` is a
    /// past date the site shows the evidence as of (`build --as-of`).
    pub fn new(project: &Project, today: NaiveDate, as_of: bool) -> Result<Self, Vec<Diagnostic>> {
        let templates = Templates::load(&project.templates)?;
        let facts = facts::collect(project, today);
        let info = Value::from_serializable(&SiteInfo {
            title: &facts.title,
            organization: facts.organization.as_deref(),
            today,
            as_of,
        });
        Ok(Site {
            templates,
            links: link_targets(&facts),
            info,
            coverage: Value::from_serializable(&facts.coverage),
            facts,
        })
    }

    /// Takes in facts changed since the site was made (a live preview's edit).
    pub fn refresh(&mut self) {
        self.links = link_targets(&self.facts);
        self.coverage = Value::from_serializable(&self.facts.coverage);
    }

    /// Every page, in no particular order.
    pub fn pages(&self) -> Vec<Page> {
        let fixed = [Page::Home, Page::Readiness, Page::Audit];
        let runbooks = (0..self.facts.runbooks.len()).map(Page::Runbook);
        let controls = self
            .facts
            .coverage
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, group)| (0..group.criteria.len()).map(move |c| Page::Control(g, c)));
        let reports = (0..self.facts.reports.len()).map(Page::Report);
        fixed
            .into_iter()
            .chain(runbooks)
            .chain(controls)
            .chain(reports)
            .collect()
    }

    /// The file a page is written to, relative to the site root.
    pub fn path(&self, page: Page) -> String {
        let url = match page {
            Page::Home => return "index.html".to_owned(),
            Page::Readiness => return "soc2/index.html".to_owned(),
            Page::Audit => return "audit/index.html".to_owned(),
            Page::Runbook(i) => self.facts.runbooks[i].url.as_str(),
            Page::Control(g, c) => self.facts.coverage.groups[g].criteria[c].url.as_str(),
            Page::Report(i) => &*self.facts.reports[i].url,
        };
        // URLs are percent-encoded, files are not.
        percent_decode(url)
    }

    /// Renders one page of `project` (the project the site was made from);
    /// `path` is where it is written ([`Site::path`]), which its links climb from.
    fn render(&self, project: &Project, page: Page, path: &str) -> Result<Vec<u8>, Diagnostic> {
        let root = "../".repeat(path.matches('/').count());
        let mut c = Context::new();
        c.insert_value("site", self.info.clone());
        c.insert("root", &root);
        let template = match page {
            Page::Home => {
                let runbooks: Vec<RunbookRow<'_>> =
                    self.facts.runbooks.iter().map(runbook_row).collect();
                let reports: Vec<ReportRow<'_>> =
                    self.facts.reports.iter().map(report_row).collect();
                c.insert("runbooks", &runbooks);
                c.insert("reports", &reports);
                c.insert_value("coverage", self.coverage.clone());
                "index.html"
            }
            Page::Readiness => {
                c.insert_value("coverage", self.coverage.clone());
                "soc2.html"
            }
            Page::Audit => {
                c.insert("audit", &self.facts.audit);
                c.insert("exceptions", &self.facts.exceptions);
                "audit.html"
            }
            Page::Runbook(i) => {
                let rb = &self.facts.runbooks[i];
                c.insert("rb", rb);
                c.insert("body", &self.runbook_body(project, rb, &root));
                let margin = rb.headroom.as_ref().and_then(|h| h.margin);
                let charts: HashMap<&str, String> = rb
                    .metrics
                    .iter()
                    .filter_map(|m| Some((m.anchor.as_str(), chart::svg(m, margin)?)))
                    .collect();
                c.insert("charts", &charts);
                "runbook.html"
            }
            Page::Control(g, i) => {
                // Parts of the coverage already converted: no copy per page.
                let item = |value: Option<&Value>, key: &str, i: usize| {
                    value?.get_from_path(key)?.as_array()?.get(i).cloned()
                };
                let group = item(Some(&self.coverage), "groups", g);
                let criterion = item(group.as_ref(), "criteria", i);
                c.insert_value("group", group.unwrap_or_else(Value::none));
                c.insert_value("criterion", criterion.unwrap_or_else(Value::none));
                "control.html"
            }
            Page::Report(i) => {
                let report = &self.facts.reports[i];
                c.insert("report", report);
                c.insert("notes", self.report_notes(project, report, &root).trim());
                "report.html"
            }
        };
        self.templates.render(template, &c)
    }

    /// Renders `pages` in parallel: (path, bytes) in the order given, or every failure.
    pub fn render_all(
        &self,
        project: &Project,
        pages: &[Page],
    ) -> Result<Vec<(String, Vec<u8>)>, Vec<Diagnostic>> {
        let results: Vec<Result<(String, Vec<u8>), Diagnostic>> = pages
            .par_iter()
            .map(|&page| {
                let path = self.path(page);
                let html = self.render(project, page, &path)?;
                Ok((path, html))
            })
            .collect();
        let mut rendered = Vec::with_capacity(results.len());
        let mut errors = Vec::new();
        for result in results {
            match result {
                Ok(page) => rendered.push(page),
                Err(e) => errors.push(e),
            }
        }
        errors.dedup();
        if errors.is_empty() {
            Ok(rendered)
        } else {
            Err(errors)
        }
    }

    /// Renders `pages` in parallel and hands each to `write` as soon as it is
    /// rendered, so that the pages need not all be held in memory, and
    /// rendering and writing overlap. Every template failure is reported;
    /// writing stops at the first I/O error.
    pub fn render_each(
        &self,
        project: &Project,
        pages: &[Page],
        write: impl Fn(&str, &[u8]) -> std::io::Result<()> + Sync,
    ) -> Result<(), super::Error> {
        let failures: Vec<Diagnostic> = pages
            .par_iter()
            .map(|&page| {
                let path = self.path(page);
                match self.render(project, page, &path) {
                    Ok(html) => write(&path, &html).map(|()| None),
                    Err(e) => Ok(Some(e)),
                }
            })
            .collect::<std::io::Result<Vec<Option<Diagnostic>>>>()
            .map_err(super::Error::Io)?
            .into_iter()
            .flatten()
            .collect();
        let mut failures = failures;
        failures.dedup();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(super::Error::Templates(failures))
        }
    }

    /// Every file of the site in memory, sorted by path: what [`super::build`]
    /// writes, for a live preview (which compares before writing) and tests.
    pub fn files(
        &self,
        project: &Project,
        today: NaiveDate,
    ) -> Result<Vec<(String, Vec<u8>)>, Vec<Diagnostic>> {
        let mut files = self.render_all(project, &self.pages())?;
        files.extend(machine_files(self, project, today));
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    /// A runbook's body as HTML, its trigger tables annotated.
    fn runbook_body(&self, project: &Project, rb: &RunbookFacts, root: &str) -> String {
        let Some(runbook) = project.runbook(&rb.id) else {
            return String::new();
        };
        // Each row that parsed links to its metric's history and shows its
        // threshold in words, both as the facts have them.
        let tables: Vec<markdown::Table<'_>> = runbook
            .body
            .tables
            .iter()
            .map(|table| {
                let group = runbook.group_name(table);
                let row = |row: &TriggerRow| {
                    let metric = rb
                        .metrics
                        .iter()
                        .find(|m| m.group == group && m.metric == row.metric.text)?;
                    Some(markdown::Row {
                        anchor: metric.anchor.as_str().into(),
                        threshold: metric.threshold.as_str().into(),
                    })
                };
                markdown::Table {
                    offset: table.offset,
                    rows: table.rows.iter().map(row).collect(),
                }
            })
            .collect();
        markdown::render(&markdown::Body {
            text: runbook.body(),
            file: &runbook.source.path,
            root,
            pages: &self.links,
            links: &runbook.body.links,
            tables: &tables,
            html: runbook.body.html.as_deref(),
        })
    }

    /// A report's notes as HTML.
    fn report_notes(&self, project: &Project, report: &ReportFacts, root: &str) -> String {
        let Some(source) = project.report(&report.source) else {
            return String::new();
        };
        markdown::render(&markdown::Body {
            text: source.body(),
            file: &source.source.path,
            root,
            pages: &self.links,
            links: &source.body.links,
            tables: &[],
            html: source.body.html.as_deref(),
        })
    }
}

/// The files of a site that are not pages: the static files, `SHA256SUMS`,
/// `calendar.ics` and `evidence.json`.
pub fn machine_files(site: &Site, project: &Project, today: NaiveDate) -> Vec<(String, Vec<u8>)> {
    let mut files = small_files(site, project, today);
    let mut json = Vec::new();
    write_evidence_json(&site.facts, &mut json).expect("writing to memory cannot fail");
    files.push(("evidence.json".to_owned(), json));
    files
}

/// `sha256sum -c` input for every source.
pub const SHA256SUMS: &str = "SHA256SUMS";
/// Upcoming reviews and reports, for calendar applications.
pub const CALENDAR: &str = "calendar.ics";

/// The paths of [`small_files`], known before they are made.
pub fn small_file_paths(site: &Site) -> impl Iterator<Item = String> + '_ {
    let statics = site.templates.statics.iter().map(|(name, _)| name.clone());
    statics.chain([SHA256SUMS.to_owned(), CALENDAR.to_owned()])
}

/// The files of a site that are neither pages nor `evidence.json`: the
/// static files, `SHA256SUMS`, `calendar.ics`.
pub fn small_files(site: &Site, project: &Project, today: NaiveDate) -> Vec<(String, Vec<u8>)> {
    let facts = &site.facts;
    let mut files: Vec<(String, Vec<u8>)> = site
        .templates
        .statics
        .iter()
        .map(|(name, text)| (name.clone(), text.clone().into_bytes()))
        .collect();
    files.push((SHA256SUMS.to_owned(), sha256sums(facts).into_bytes()));
    let upcoming = crate::agenda::agenda(project, today, crate::agenda::horizon(today, 366));
    let calendar = super::calendar::ics(&upcoming, &facts.title, facts.base_url.as_deref(), today);
    files.push((CALENDAR.to_owned(), calendar.into_bytes()));
    files
}

/// Writes `evidence.json` as it is read from the facts, without holding the
/// whole text (which grows to gigabytes) in memory. Compact: indented, the
/// file was 1.6 times as large and cost 6% more of a build's instructions.
pub fn write_evidence_json(facts: &Facts, out: impl std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer(&mut out, facts).map_err(std::io::Error::other)?;
    std::io::Write::write_all(&mut out, b"\n")?;
    std::io::Write::flush(&mut out)
}

/// `sha256sum -c` input. Names with a newline or backslash are escaped the
/// way GNU coreutils does, so no path can forge a line.
pub fn sha256sums(facts: &Facts) -> String {
    use std::fmt::Write as _;
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

fn runbook_row(rb: &RunbookFacts) -> RunbookRow<'_> {
    RunbookRow {
        id: &rb.id,
        url: &rb.url,
        title: &rb.title,
        summary: rb.summary.as_deref(),
        version: &rb.version,
        owner: &rb.owner,
        last_reviewed: rb.last_reviewed,
        next_review: rb.next_review,
        approved: rb.approved,
        review: rb.review,
        headroom: rb.headroom.as_ref().map(|h| HeadroomRow {
            missing: h.missing,
            flagged: h.flagged,
            latest_report: h.latest_report,
        }),
    }
}

fn report_row(r: &ReportFacts) -> ReportRow<'_> {
    ReportRow {
        url: &r.url,
        date: r.date,
        runbook: &r.runbook,
        runbook_title: &r.runbook_title,
        runbook_url: &r.runbook_url,
        author: &r.author,
        worst: r.worst,
    }
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
        .map(|r| (r.source.clone(), r.url.to_string()));
    runbooks.chain(reports).collect()
}

/// The built-in templates, by name.
pub const BUILTIN: [(&str, &str); 10] = [
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("soc2.html", include_str!("../../templates/soc2.html")),
    ("runbook.html", include_str!("../../templates/runbook.html")),
    ("control.html", include_str!("../../templates/control.html")),
    ("report.html", include_str!("../../templates/report.html")),
    ("audit.html", include_str!("../../templates/audit.html")),
    (
        "review-badge.html",
        include_str!("../../templates/review-badge.html"),
    ),
    (
        "exception-cells.html",
        include_str!("../../templates/exception-cells.html"),
    ),
    ("style.css", include_str!("../../templates/style.css")),
];

/// Compiled templates plus the static files (the stylesheet) to copy.
pub struct Templates {
    tera: Tera,
    /// From the repository's `templates/`: names that are overridden.
    overridden: Vec<String>,
    pub statics: Vec<(String, String)>,
}

impl Templates {
    /// Compiles the built-ins with the repository's overrides.
    pub fn load(overrides: &[Source]) -> Result<Templates, Vec<Diagnostic>> {
        let mut files: HashMap<String, String> = BUILTIN
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        let mut overridden = Vec::new();
        for source in overrides {
            let name = source
                .path
                .strip_prefix(TEMPLATES_DIR)
                .unwrap_or(&source.path)
                .trim_start_matches('/');
            files.insert(name.to_owned(), source.text.clone());
            overridden.push(name.to_owned());
        }
        let (pages, statics): (Vec<_>, Vec<_>) = files
            .into_iter()
            .partition(|(name, _)| name.ends_with(".html"));
        let mut tera = Tera::new();
        tera.set_escape_fn(escape_html);
        tera.register_filter("percent", |fraction: f64, _: Kwargs, _: &State| {
            percent(fraction)
        });
        let mut templates = Templates {
            tera,
            overridden,
            statics,
        };
        templates.statics.sort();
        if let Err(e) = templates.tera.add_raw_templates(pages) {
            return Err(vec![templates.diagnostic(&e)]);
        }
        Ok(templates)
    }

    /// The page's bytes: Tera writes valid UTF-8, so they are not checked
    /// again as a `String` would be.
    pub fn render(&self, name: &str, context: &Context) -> Result<Vec<u8>, Diagnostic> {
        let mut page = Vec::with_capacity(16 << 10);
        self.tera
            .render_to(name, context, &mut page)
            .map_err(|e| self.diagnostic(&e))?;
        Ok(page)
    }

    /// A template error as a diagnostic naming the template file and line.
    fn diagnostic(&self, error: &tera::Error) -> Diagnostic {
        let (name, pos, message) = match error.kind() {
            ErrorKind::SyntaxError(report) | ErrorKind::RenderingError(report) => (
                report.filename().to_owned(),
                Pos::at(report.span().start_line.max(1), report.span().start_col + 1),
                report.message().to_owned(),
            ),
            // Reference checks (unknown filter, include...) come as text reports.
            other => located_report(&other.to_string())
                .unwrap_or_else(|| (String::new(), Pos::line(1), other.to_string())),
        };
        let file = if self.overridden.contains(&name) {
            format!("{TEMPLATES_DIR}/{name}")
        } else if name.is_empty() {
            TEMPLATES_DIR.to_owned()
        } else {
            format!("{TEMPLATES_DIR}/{name} (built in)")
        };
        Diagnostic::error("template", &file, pos, format!("template error: {message}"))
    }
}

/// Tera's escaping (the same five characters, the same entities), written a
/// run of plain text at a time: Tera's own writes byte by byte through
/// `dyn Write`, which took a tenth of a build's time.
fn escape_html(text: &str, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let bytes = text.as_bytes();
    let mut plain = 0;
    for (i, byte) in bytes.iter().enumerate() {
        let entity: &[u8] = match byte {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[plain..i])?;
        out.write_all(entity)?;
        plain = i + 1;
    }
    out.write_all(&bytes[plain..])
}

/// Reads "error: MESSAGE" and "--> NAME:LINE:COL" out of a Tera text report.
fn located_report(report: &str) -> Option<(String, Pos, String)> {
    let message = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))?;
    let place = report.lines().find_map(|l| l.trim().strip_prefix("--> "))?;
    let mut parts = place.rsplitn(3, ':');
    let column: usize = parts.next()?.trim().parse().ok()?;
    let line: usize = parts.next()?.trim().parse().ok()?;
    let name = parts.next()?.trim().to_owned();
    Some((name, Pos::at(line, column), message.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_files_are_at_the_paths_declared_for_them() {
        let project = Project::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let site = Site::new(&project, today, false).unwrap();
        let made: Vec<String> = small_files(&site, &project, today)
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(small_file_paths(&site).collect::<Vec<_>>(), made);
    }

    #[test]
    fn escaping_writes_what_teras_own_escaping_writes() {
        let escaped = |text: &str, escape: tera::EscapeFn| {
            let mut out = Vec::new();
            escape(text, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        for text in [
            "",
            "plain",
            "<a href=\"x\">O'Neil & co</a>",
            "&&<<>>\"\"''",
            "ends with <",
            "é ✓ <b>ü</b>",
        ] {
            assert_eq!(escaped(text, escape_html), escaped(text, tera::escape_html));
        }
    }

    #[test]
    fn a_build_writes_what_the_site_renders_in_memory() {
        let project = Project::load(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let site = Site::new(&project, today, false).unwrap();
        let files = site.files(&project, today).unwrap();
        let paths: Vec<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
        for expected in ["index.html", "evidence.json", "SHA256SUMS", "calendar.ics"] {
            assert!(paths.contains(&expected), "{expected} missing");
        }
        let out = tempfile::tempdir().unwrap();
        let written = crate::site::build(&project, today, false, &out.path().join("site")).unwrap();
        assert_eq!(written, files.len());
        for (path, bytes) in files {
            let on_disk = std::fs::read(out.path().join("site").join(&path)).unwrap();
            assert!(on_disk == bytes, "{path} differs");
        }
    }
}
