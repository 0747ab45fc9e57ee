//! Pages from Tera templates: the built-in ones are embedded at compile time;
//! a repository's `templates/` overrides any of them by name.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, ErrorKind, Kwargs, State, Tera};

use crate::diag::{Diagnostic, Pos};
use crate::evaluate::percent;
use crate::sources::{Source, TEMPLATES_DIR};

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

    pub fn render(&self, name: &str, context: &Context) -> Result<String, Diagnostic> {
        self.tera
            .render(name, context)
            .map_err(|e| self.diagnostic(&e))
    }

    /// Renders many pages in parallel, reporting every failure.
    pub fn render_all<T: Serialize + Sync>(
        &self,
        jobs: &[(String, &str, T)],
        context_of: impl Fn(&T) -> Context + Sync,
    ) -> Result<Vec<(String, Vec<u8>)>, Vec<Diagnostic>> {
        let results: Vec<Result<(String, Vec<u8>), Diagnostic>> = jobs
            .par_iter()
            .map(|(path, template, data)| {
                self.render(template, &context_of(data))
                    .map(|html| (path.clone(), html.into_bytes()))
            })
            .collect();
        let mut pages = Vec::with_capacity(results.len());
        let mut errors = Vec::new();
        for result in results {
            match result {
                Ok(page) => pages.push(page),
                Err(e) => errors.push(e),
            }
        }
        errors.dedup();
        if errors.is_empty() {
            Ok(pages)
        } else {
            Err(errors)
        }
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
