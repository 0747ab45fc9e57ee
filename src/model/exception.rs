//! Documented exceptions (`evidence/exceptions/*.md`): a missing report, a
//! late review or a tripped trigger, with its owner and response, so the
//! auditor sees it listed instead of the build failing on it.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::Located;
use super::frontmatter::{self, Problem, Schema, Shape, Split};
use super::runbook::Fields;
use crate::diag::Pos;
use crate::sources::Source;

pub const FOLDER: &str = "evidence/exceptions";
/// Every key (each holds a single value), and which are required.
const SCHEMA: Schema = Schema {
    what: "the exception front matter",
    fields: &[
        ("runbook", Shape::Scalar),
        ("kind", Shape::Scalar),
        ("period", Shape::Scalar),
        ("date", Shape::Scalar),
        ("metric", Shape::Scalar),
        ("owner", Shape::Scalar),
        ("response", Shape::Scalar),
        ("resolved", Shape::Scalar),
    ],
    required: &["runbook", "kind", "owner", "response"],
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    MissingReport,
    LateReview,
    TrippedTrigger,
}

impl Kind {
    pub const NAMES: [&'static str; 3] = ["missing-report", "late-review", "tripped-trigger"];

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "missing-report" | "missing report" => Some(Kind::MissingReport),
            "late-review" | "late review" => Some(Kind::LateReview),
            "tripped-trigger" | "tripped trigger" => Some(Kind::TrippedTrigger),
            _ => None,
        }
    }
}

/// What an exception is about, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// A headroom period, named as `check` names it (`2026-10`, `2026-W49`, `2026-Q4`).
    Period(Located<String>),
    /// The day a late review was done.
    Review(Located<NaiveDate>),
    /// A metric that tripped in the report of a date.
    Trip {
        metric: Located<String>,
        date: Located<NaiveDate>,
    },
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub source: Source,
    pub meta: Option<ExceptionMeta>,
    pub problems: Vec<Problem>,
    pub body_offset: usize,
}

#[derive(Debug, Clone)]
pub struct ExceptionMeta {
    pub runbook: Located<String>,
    pub kind: Kind,
    pub subject: Subject,
    pub owner: String,
    pub response: String,
    pub resolved: Option<NaiveDate>,
}

impl Exception {
    pub fn body(&self) -> &str {
        &self.source.text[self.body_offset..]
    }
}

#[derive(Deserialize)]
struct Raw {
    runbook: Option<Spanned<String>>,
    kind: Option<Spanned<String>>,
    period: Option<Spanned<String>>,
    date: Option<Spanned<String>>,
    metric: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    response: Option<Spanned<String>>,
    resolved: Option<Spanned<String>>,
}

pub fn parse(source: Source) -> Exception {
    let (meta, problems, body_offset) = frontmatter::document(&source.text, parse_meta);
    Exception {
        source,
        meta,
        problems,
        body_offset,
    }
}

fn parse_meta(split: &Split<'_>) -> (Option<ExceptionMeta>, Vec<Problem>) {
    let (raw, problems) = frontmatter::read::<Raw>(split, &SCHEMA);
    let mut fields = Fields::new(split);
    fields.problems = problems;
    let Some(raw) = raw else {
        return (None, fields.problems);
    };
    let runbook = fields.located_text(raw.runbook, "runbook");
    let kind_pos = raw.kind.as_ref().map_or(Pos::line(1), |k| fields.pos(k));
    let kind = raw.kind.and_then(|k| {
        let parsed = Kind::parse(k.value.trim());
        if parsed.is_none() {
            fields.problems.push(
                Problem::new(
                    kind_pos,
                    format!("unknown exception kind `{}`", k.value.trim()),
                )
                .help(format!("use one of: {}", Kind::NAMES.join(", "))),
            );
        }
        parsed
    });
    let period = fields.located_text(raw.period, "period");
    let date = fields.date(raw.date);
    let metric = fields.located_text(raw.metric, "metric");
    let owner = fields.text(raw.owner, "owner");
    let response = fields.text(raw.response, "response");
    let resolved = fields.date(raw.resolved).map(|d| d.value);
    let subject = match kind {
        Some(Kind::MissingReport) => period.map(Subject::Period).or_else(|| {
            fields.problems.push(Problem::new(
                kind_pos,
                "a missing-report exception names its `period`, e.g. 2026-10",
            ));
            None
        }),
        Some(Kind::LateReview) => date.map(Subject::Review).or_else(|| {
            fields.problems.push(Problem::new(
                kind_pos,
                "a late-review exception names the `date` the review was done",
            ));
            None
        }),
        Some(Kind::TrippedTrigger) => match (metric, date) {
            (Some(metric), Some(date)) => Some(Subject::Trip { metric, date }),
            _ => {
                fields.problems.push(Problem::new(
                    kind_pos,
                    "a tripped-trigger exception names the `metric` and the `date` of the report it tripped in",
                ));
                None
            }
        },
        None => None,
    };
    let meta = match (runbook, kind, subject, owner, response) {
        (Some(runbook), Some(kind), Some(subject), Some(owner), Some(response)) => {
            Some(ExceptionMeta {
                runbook,
                kind,
                subject,
                owner,
                response,
                resolved,
            })
        }
        _ => None,
    };
    (meta, fields.problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exception(text: &str) -> Exception {
        parse(Source {
            path: "evidence/exceptions/x.md".into(),
            text: text.into(),
            sha256: String::new(),
        })
    }

    #[test]
    fn reads_each_kind() {
        let e = exception(
            "---\nrunbook: cap\nkind: missing-report\nperiod: 2026-10\nowner: Founder\nresponse: Filed late.\n---\nNotes\n",
        );
        assert!(e.problems.is_empty(), "{:?}", e.problems);
        let meta = e.meta.unwrap();
        assert_eq!(meta.kind, Kind::MissingReport);
        assert!(matches!(meta.subject, Subject::Period(ref p) if p.value == "2026-10"));
        let e = exception(
            "---\nrunbook: cap\nkind: tripped-trigger\nmetric: Error rate\ndate: 2026-07-07\nowner: F\nresponse: R\nresolved: 2026-07-08\n---\n",
        );
        assert!(e.problems.is_empty(), "{:?}", e.problems);
        assert_eq!(
            e.meta.unwrap().resolved,
            NaiveDate::from_ymd_opt(2026, 7, 8)
        );
    }

    #[test]
    fn names_what_each_kind_needs() {
        let e = exception(
            "---\nrunbook: cap\nkind: tripped-trigger\ndate: 2026-07-07\nowner: F\nresponse: R\n---\n",
        );
        assert!(e.meta.is_none());
        assert!(e.problems[0].message.contains("names the `metric`"));
        let e = exception("---\nrunbook: cap\nkind: oops\nowner: F\nresponse: R\n---\n");
        assert!(e.problems[0].message.contains("unknown exception kind"));
    }
}
