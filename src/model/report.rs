//! Headroom reports (SPEC §3): who observed what, on which date.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Located;
use super::frontmatter::{self, Entries, Problem, Schema, Shape, Split};
use super::markdown::{self, Body};
use super::runbook::{Fields, Scalar, plain};
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
    parse_rendering(source, None)
}

/// [`parse`], and when `render` is given, the body rendered in the same pass
/// ([`markdown::scan_rendering`]).
pub fn parse_rendering(source: Source, render: Option<markdown::Render>) -> Report {
    let folder = source
        .path
        .rsplit_once('/')
        .map_or("", |(dir, _)| dir)
        .to_owned();
    let (meta, problems, body_offset) = frontmatter::document(&source.text, parse_meta);
    let body = markdown::scan_rendering(&source.text, body_offset, render);
    Report {
        source,
        folder,
        meta,
        problems,
        body_offset,
        body,
    }
}

/// Observations: each group with its metrics and values, all positioned.
type Groups = Vec<(Located<String>, Vec<(Located<String>, Located<String>)>)>;

/// The front-matter values with their positions, from either reader.
struct Values {
    runbook: Option<Located<String>>,
    date: Option<Located<String>>,
    author: Option<Located<String>>,
    observations: Groups,
}

impl Values {
    fn from_raw(split: &Split<'_>, raw: Raw) -> Values {
        let text = |value: Option<Spanned<String>>| value.map(|v| v.locate(split));
        Values {
            runbook: text(raw.runbook),
            date: text(raw.date),
            author: text(raw.author),
            observations: raw
                .observations
                .map(|groups| {
                    groups
                        .0
                        .into_iter()
                        .map(|(group, metrics)| {
                            let metrics = metrics
                                .0
                                .into_iter()
                                .map(|(metric, value)| (metric.locate(split), value.locate(split)))
                                .collect();
                            (group.locate(split), metrics)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The values of a front matter the plain reader can read whose keys are
    /// all known and present (`None` otherwise: serde-saphyr then reads it
    /// and names the problems).
    fn from_plain(split: &Split<'_>) -> Option<Values> {
        let entries = plain::parse(split.yaml)?;
        if !plain::fits(&entries, &SCHEMA) {
            return None;
        }
        let mut values = Values {
            runbook: None,
            date: None,
            author: None,
            observations: Vec::new(),
        };
        for entry in &entries {
            match (entry.key, &entry.value.value) {
                ("runbook", _) => values.runbook = plain::text(split, &entry.value),
                ("date", _) => values.date = plain::text(split, &entry.value),
                ("author", _) => values.author = plain::text(split, &entry.value),
                ("observations", plain::Value::Map(groups)) => {
                    for group in groups {
                        let plain::Value::Map(metrics) = &group.value.value else {
                            return None;
                        };
                        let metrics = metrics
                            .iter()
                            .map(|m| Some((plain::key(split, m), plain::text(split, &m.value)?)))
                            .collect::<Option<_>>()?;
                        values
                            .observations
                            .push((plain::key(split, group), metrics));
                    }
                }
                _ => return None,
            }
        }
        Some(values)
    }
}

fn parse_meta(split: &Split<'_>) -> (Option<ReportMeta>, Vec<Problem>) {
    match Values::from_plain(split) {
        Some(values) => meta(split, Some(values), Vec::new()),
        None => {
            let (raw, problems) = frontmatter::read::<Raw>(split, &SCHEMA);
            meta(split, raw.map(|raw| Values::from_raw(split, raw)), problems)
        }
    }
}

/// The typed front matter from its values, however they were read.
fn meta(
    split: &Split<'_>,
    raw: Option<Values>,
    problems: Vec<Problem>,
) -> (Option<ReportMeta>, Vec<Problem>) {
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
        .into_iter()
        .flat_map(|(group, metrics)| {
            let group = Located::new(group.value.trim().to_owned(), group.pos);
            metrics
                .into_iter()
                .map(move |(metric, value)| (group.clone(), metric, value))
        })
        .map(|(group, metric, value)| Observation {
            group,
            metric: Located::new(metric.value.trim().to_owned(), metric.pos),
            value: trigger::parse_quantity(value.value.trim()),
            text: Located::new(value.value.trim().to_owned(), value.pos),
        })
        .collect();
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
    use crate::model::runbook::plain::testing::{lines, repository_files};

    fn report(text: &str) -> Report {
        parse(Source {
            path: "evidence/capacity_reports/2026-03-03.md".into(),
            text: text.into(),
            sha256: String::new(),
        })
    }

    /// Reads a front matter with both readers; `false` when the plain reader
    /// leaves it to serde-saphyr. Where both read it, they must agree.
    fn readers_agree(text: &str) -> bool {
        let Ok(split) = frontmatter::split(text) else {
            return false;
        };
        let Some(values) = Values::from_plain(&split) else {
            return false;
        };
        let plain = meta(&split, Some(values), Vec::new());
        let (raw, problems) = frontmatter::read::<Raw>(&split, &SCHEMA);
        let full = meta(
            &split,
            raw.map(|raw| Values::from_raw(&split, raw)),
            problems,
        );
        assert_eq!(format!("{plain:?}"), format!("{full:?}"), "{text}");
        true
    }

    #[test]
    fn the_plain_reader_agrees_with_serde_saphyr() {
        let files = repository_files("evidence");
        let read = files.iter().filter(|(_, text)| readers_agree(text)).count();
        assert!(
            read * 2 > files.len(),
            "only {read} of {} read plainly",
            files.len()
        );
        for text in [
            "---\nrunbook: r\ndate: 2026-01-05\nauthor: A\nobservations:\n  FastAPI backend:\n  MongoDB Atlas:\n---\nNotes.\n",
            "---\nrunbook: ''\ndate: ''\nauthor: ''\nobservations:\n  FastAPI backend:\n    p95 latency: ''\n    Error rate: ''\n  MongoDB Atlas:\n    p95 latency: ''\n    Storage: ''\n---\n",
            "---\nrunbook: r\ndate: 2026-01-05\nauthor: A\nobservations:\n  FastAPI backend:\n    p95 latency: 420ms\n---\n",
        ] {
            readers_agree(text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1_000))]
        #[test]
        fn the_readers_agree_on_any_front_matter(
            top in lines(&["runbook", "date", "author"], 0, true),
            more in lines(&["notes"], 0, false),
            first in lines(&["p95 latency", "Error rate"], 4, true),
            odd in lines(&["x: y", "Storage"], 4, false),
            second in lines(&["p95 latency", "Storage"], 4, true),
        ) {
            let text = format!(
                "---\n{top}{more}observations:\n  FastAPI backend:\n{first}{odd}  MongoDB Atlas:\n{second}---\nNotes.\n"
            );
            readers_agree(&text);
        }
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
