//! Headroom reports (SPEC §3): who observed what, on which date.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Located;
use super::frontmatter::{self, Entries, Problem, Schema, Shape, Split};
use super::markdown::{self, Body};
use super::runbook::Fields;
use super::trigger::{self, Quantity};
use crate::sources::Source;

/// Every key, the shape of its value, and which are required.
const SCHEMA: Schema = Schema {
    what: "the report front matter",
    fields: &[
        ("runbook", Shape::Scalar),
        ("date", Shape::Scalar),
        ("author", Shape::Scalar),
        ("observations", Shape::Map),
    ],
    required: &["runbook", "date", "author"],
};

#[derive(Debug, Clone)]
pub struct Report {
    pub source: Source,
    /// The folder the report was found in (`evidence/capacity_reports`).
    pub folder: String,
    pub meta: Option<ReportMeta>,
    pub problems: Vec<Problem>,
    pub body_offset: usize,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub struct ReportMeta {
    pub runbook: Located<String>,
    pub date: Located<NaiveDate>,
    pub author: String,
    pub observations: Vec<Observation>,
}

/// One observed value: `group -> metric -> value`.
#[derive(Debug, Clone)]
pub struct Observation {
    pub group: Located<String>,
    pub metric: Located<String>,
    pub text: Located<String>,
    pub value: Result<Quantity, trigger::ParseError>,
}

impl Report {
    pub fn body(&self) -> &str {
        &self.source.text[self.body_offset..]
    }
}

#[derive(Deserialize)]
struct Raw {
    runbook: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    observations: Option<Entries<Entries<Spanned<String>>>>,
}

pub fn parse(source: Source) -> Report {
    let folder = source
        .path
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_owned();
    let (meta, problems, body_offset) = frontmatter::document(&source.text, parse_meta);
    let body = markdown::scan(&source.text, body_offset);
    Report {
        source,
        folder,
        meta,
        problems,
        body_offset,
        body,
    }
}

fn parse_meta(split: &Split<'_>) -> (Option<ReportMeta>, Vec<Problem>) {
    let (raw, problems) = frontmatter::read::<Raw>(split, &SCHEMA);
    let mut fields = Fields::new(split);
    fields.problems = problems;
    let Some(raw) = raw else {
        return (None, fields.problems);
    };
    let runbook = fields.located_text(raw.runbook, "runbook");
    let date = fields.date(raw.date);
    let author = fields.text(raw.author, "author");
    let observations = raw
        .observations
        .map(|groups| {
            groups
                .0
                .into_iter()
                .flat_map(|(group, metrics)| {
                    let group = Located::new(group.value.trim().to_owned(), fields.pos(&group));
                    metrics
                        .0
                        .into_iter()
                        .map(move |(metric, value)| (group.clone(), metric, value))
                })
                .map(|(group, metric, value)| Observation {
                    group,
                    metric: Located::new(metric.value.trim().to_owned(), fields.pos(&metric)),
                    value: trigger::parse_quantity(value.value.trim()),
                    text: Located::new(value.value.trim().to_owned(), fields.pos(&value)),
                })
                .collect()
        })
        .unwrap_or_default();
    let problems = fields.problems;
    let meta = match (runbook, date, author) {
        (Some(runbook), Some(date), Some(author)) => Some(ReportMeta {
            runbook,
            date,
            author,
            observations,
        }),
        _ => None,
    };
    (meta, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Pos;

    fn report(text: &str) -> Report {
        parse(Source {
            path: "evidence/capacity_reports/2026-03-03.md".into(),
            text: text.into(),
            sha256: String::new(),
        })
    }

    #[test]
    fn parses_observations_in_order_with_positions() {
        let r = report(
            "---\nrunbook: capacity-planning\ndate: 2026-03-03\nauthor: Founder\nobservations:\n  FastAPI backend:\n    p95 request latency: 420ms\n    Error rate: 0.12%\n  MongoDB Atlas:\n    Per-tenant DB count: 9\n---\nNotes.\n",
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.folder, "evidence/capacity_reports");
        let meta = r.meta.unwrap();
        assert_eq!(meta.runbook.value, "capacity-planning");
        let names: Vec<_> = meta
            .observations
            .iter()
            .map(|o| (o.group.value.as_str(), o.metric.value.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("FastAPI backend", "p95 request latency"),
                ("FastAPI backend", "Error rate"),
                ("MongoDB Atlas", "Per-tenant DB count")
            ]
        );
        let latency = &meta.observations[0];
        assert_eq!(latency.metric.pos, Pos::at(7, 5));
        assert_eq!(latency.text.pos, Pos::at(7, 26));
        assert!(latency.value.is_ok());
        assert_eq!(meta.observations[2].text.value, "9");
    }

    #[test]
    fn reports_missing_fields_and_bad_dates() {
        let r = report("---\nrunbook: x\ndate: March 3rd\nnotes: hi\n---\n");
        let messages: Vec<&str> = r.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "unknown key `notes` in the report front matter",
                "missing required key `author` in the report front matter",
                "`March 3rd` is not a date written YYYY-MM-DD",
            ]
        );
    }
}
