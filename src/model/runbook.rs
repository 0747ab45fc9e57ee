//! Runbooks (SPEC §2): YAML front matter plus a Markdown body with trigger tables.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_saphyr::Spanned;

pub(super) mod plain;

use super::cadence::Cadence;
use super::frontmatter::{self, Entries, Problem, Schema, Shape, Split};
use super::markdown::{self, Body};
use super::{Located, Version, parse_date};
use crate::diag::Pos;
use crate::sources::Source;

/// Every key, the shape of its value, and which are required.
const SCHEMA: Schema = Schema {
    what: "the runbook front matter",
    fields: &[
        ("title", Shape::Scalar),
        ("summary", Shape::Scalar),
        ("version", Shape::Scalar),
        ("owner", Shape::Scalar),
        ("last_reviewed", Shape::Scalar),
        ("next_review", Shape::Scalar),
        ("approved", Shape::Scalar),
        ("controls", Shape::List),
        ("headroom", Shape::Map),
        ("history", Shape::List),
        ("extra", Shape::Map),
    ],
    required: &[
        "title",
        "version",
        "owner",
        "last_reviewed",
        "next_review",
        "controls",
    ],
};
pub const HEADROOM_KEYS: [&str; 5] = ["reports", "cadence", "since", "grace_days", "margin"];
pub const HEADROOM_REQUIRED: [&str; 3] = ["reports", "cadence", "since"];
pub const REVISION_KEYS: [&str; 4] = ["version", "date", "approved_by", "change"];

#[derive(Debug, Clone)]
pub struct Runbook {
    /// The file stem: `runbooks/capacity-planning.md` -> `capacity-planning`.
    pub id: String,
    pub source: Source,
    /// Validated front matter; `None` when it has problems.
    pub meta: Option<RunbookMeta>,
    /// Problems of the front matter (missing, malformed, unknown keys, bad values).
    pub problems: Vec<Problem>,
    pub body_offset: usize,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub struct RunbookMeta {
    pub title: String,
    pub summary: Option<String>,
    pub version: Located<Version>,
    pub owner: String,
    pub last_reviewed: Located<NaiveDate>,
    pub next_review: Located<NaiveDate>,
    pub approved: Option<Located<NaiveDate>>,
    pub controls: Vec<Located<String>>,
    pub headroom: Option<Headroom>,
    /// Revisions, oldest first; empty when the runbook keeps none.
    pub history: Vec<Revision>,
    pub extra: serde_json::Value,
}

/// One entry of a runbook's revision history.
#[derive(Debug, Clone)]
pub struct Revision {
    pub version: Located<Version>,
    pub date: Located<NaiveDate>,
    pub approved_by: Located<String>,
    pub change: String,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Headroom {
    /// Root-relative folder of the reports, as written (`evidence/capacity_reports`).
    pub reports: Located<String>,
    pub cadence: Cadence,
    pub since: NaiveDate,
    pub grace_days: u32,
    /// Fraction: `25%` -> 0.25.
    pub margin: Option<f64>,
    pub pos: Pos,
}

impl Runbook {
    pub fn body(&self) -> &str {
        &self.source.text[self.body_offset..]
    }

    /// The name of the trigger-table group a table belongs to.
    pub fn group_name<'a>(&'a self, table: &'a markdown::TriggerTable) -> &'a str {
        table
            .heading
            .as_deref()
            .or(self.meta.as_ref().map(|m| m.title.as_str()))
            .unwrap_or(&self.id)
    }
}

#[derive(Deserialize)]
struct Raw {
    title: Option<Spanned<String>>,
    summary: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    last_reviewed: Option<Spanned<String>>,
    next_review: Option<Spanned<String>>,
    approved: Option<Spanned<String>>,
    controls: Option<Spanned<Vec<Spanned<String>>>>,
    headroom: Option<Spanned<Entries<Spanned<String>>>>,
    history: Option<Vec<Spanned<Entries<Spanned<String>>>>>,
    extra: Option<serde_json::Value>,
}

pub fn parse(source: Source) -> Runbook {
    parse_rendering(source, None)
}

/// [`parse`], and when `render` is given, the body rendered in the same pass
/// ([`markdown::scan_rendering`]).
pub fn parse_rendering(source: Source, render: Option<markdown::Render>) -> Runbook {
    let id = source
        .path
        .rsplit('/')
        .next()
        .and_then(|name| name.strip_suffix(".md"))
        .unwrap_or(&source.path)
        .to_owned();
    let (meta, problems, body_offset) = frontmatter::document(&source.text, parse_meta);
    let body = markdown::scan_rendering(&source.text, body_offset, render);
    Runbook {
        id,
        source,
        meta,
        problems,
        body_offset,
        body,
    }
}

/// Why a runbook id cannot name its page, if it cannot.
///
/// The id becomes one URL path segment, `runbooks/<id>/index.html`. The site
/// percent-encodes every character a URL could misread (`/`, `%`, `?`, `#`,
/// spaces...), so any file name is a segment except the names a path itself
/// gives a meaning: `.` (this folder), `..` (the folder above) and the empty
/// name. A page there would be no page of its own: `runbooks/../index.html`
/// is the site's home page.
pub fn id_unfit_for_page(id: &str) -> Option<&'static str> {
    match id {
        "" => Some("an empty segment names no page"),
        "." => Some("`.` there means the runbooks/ folder itself, not a page"),
        ".." => Some("`..` there means the folder above runbooks/, not a page"),
        _ => None,
    }
}

/// A mapping of scalars (`headroom`, a `history` entry), positioned at its
/// first key, with the problems of its keys.
struct Pairs {
    pos: Pos,
    entries: Vec<(Located<String>, Located<String>)>,
    key_problems: Vec<Problem>,
}

/// The front-matter values with their positions, from either reader.
struct Values {
    title: Option<Located<String>>,
    summary: Option<Located<String>>,
    version: Option<Located<String>>,
    owner: Option<Located<String>>,
    last_reviewed: Option<Located<String>>,
    next_review: Option<Located<String>>,
    approved: Option<Located<String>>,
    controls: Option<Located<Vec<Located<String>>>>,
    headroom: Option<Pairs>,
    history: Vec<Pairs>,
    extra: Option<serde_json::Value>,
}

impl Values {
    fn from_raw(split: &Split<'_>, raw: Raw) -> Values {
        let text = |value: Option<Spanned<String>>| value.map(|v| v.locate(split));
        let pairs = |raw: Spanned<Entries<Spanned<String>>>, known: &[&str], required, what| {
            let pos = frontmatter::pos_of(split, &raw);
            Pairs {
                pos,
                key_problems: frontmatter::check_keys(
                    split, &raw.value, known, required, pos, what,
                ),
                entries: raw
                    .value
                    .0
                    .into_iter()
                    .map(|(key, value)| (key.locate(split), value.locate(split)))
                    .collect(),
            }
        };
        Values {
            title: text(raw.title),
            summary: text(raw.summary),
            version: text(raw.version),
            owner: text(raw.owner),
            last_reviewed: text(raw.last_reviewed),
            next_review: text(raw.next_review),
            approved: text(raw.approved),
            controls: raw.controls.map(|list| {
                let pos = frontmatter::pos_of(split, &list);
                let items = list.value.into_iter().map(|c| c.locate(split)).collect();
                Located::new(items, pos)
            }),
            headroom: raw
                .headroom
                .map(|h| pairs(h, &HEADROOM_KEYS, &HEADROOM_REQUIRED, "`headroom`")),
            history: raw
                .history
                .unwrap_or_default()
                .into_iter()
                .map(|entry| pairs(entry, &REVISION_KEYS, &REVISION_KEYS, "a `history` entry"))
                .collect(),
            extra: raw.extra,
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
            title: None,
            summary: None,
            version: None,
            owner: None,
            last_reviewed: None,
            next_review: None,
            approved: None,
            controls: None,
            headroom: None,
            history: Vec::new(),
            extra: None,
        };
        let pairs = |node: &plain::Node<'_>, known: &[&str], required: &[&str]| {
            let plain::Value::Map(entries) = &node.value else {
                return None;
            };
            if !plain::keys_fit(entries, known, required) {
                return None;
            }
            let entries = entries
                .iter()
                .map(|e| Some((plain::key(split, e), plain::text(split, &e.value)?)))
                .collect::<Option<_>>()?;
            Some(Pairs {
                pos: plain::pos(split, node),
                entries,
                key_problems: Vec::new(),
            })
        };
        for entry in &entries {
            let text = || plain::text(split, &entry.value);
            match entry.key {
                "title" => values.title = text(),
                "summary" => values.summary = text(),
                "version" => values.version = text(),
                "owner" => values.owner = text(),
                "last_reviewed" => values.last_reviewed = text(),
                "next_review" => values.next_review = text(),
                "approved" => values.approved = text(),
                "controls" => {
                    let plain::Value::List(items) = &entry.value.value else {
                        return None;
                    };
                    let items = items
                        .iter()
                        .map(|item| plain::text(split, item))
                        .collect::<Option<_>>()?;
                    values.controls = Some(Located::new(items, plain::pos(split, &entry.value)));
                }
                "headroom" => {
                    values.headroom = Some(pairs(&entry.value, &HEADROOM_KEYS, &HEADROOM_REQUIRED)?)
                }
                "history" => {
                    let plain::Value::List(items) = &entry.value.value else {
                        return None;
                    };
                    values.history = items
                        .iter()
                        .map(|item| pairs(item, &REVISION_KEYS, &REVISION_KEYS))
                        .collect::<Option<_>>()?;
                }
                // Free-form data: only serde-saphyr reads it into JSON.
                _ => return None,
            }
        }
        Some(values)
    }
}

fn parse_meta(split: &Split<'_>) -> (Option<RunbookMeta>, Vec<Problem>) {
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
) -> (Option<RunbookMeta>, Vec<Problem>) {
    let mut fields = Fields::new(split);
    fields.problems = problems;
    let Some(raw) = raw else {
        return (None, fields.problems);
    };

    let title = fields.text(raw.title, "title");
    let summary = raw
        .summary
        .map(|s| s.value.trim().to_owned())
        .filter(|s| !s.is_empty());
    let version = raw.version.and_then(|v| {
        let pos = v.pos;
        match Version::parse(v.value.trim()) {
            Some(version) => Some(Located::new(version, pos)),
            None => {
                fields.problems.push(
                    Problem::new(
                        pos,
                        format!("version `{}` is not dot-separated integers", v.value),
                    )
                    .help("write it like \"1.0\" or \"2.3.1\", in quotes"),
                );
                None
            }
        }
    });
    let owner = fields.text(raw.owner, "owner");
    let last_reviewed = fields.date(raw.last_reviewed);
    let next_review = fields.date(raw.next_review);
    let approved = fields.date(raw.approved);
    let controls = raw.controls.and_then(|list| {
        let pos = list.pos;
        let controls: Vec<_> = list
            .value
            .into_iter()
            .map(|c| Located::new(c.value.trim().to_owned(), c.pos))
            .collect();
        if controls.is_empty() {
            fields.problems.push(
                Problem::new(pos, "`controls` is empty")
                    .help("name at least one TSC 2017 criterion, e.g. [A1.2]"),
            );
            return None;
        }
        Some(controls)
    });
    let headroom = raw.headroom.and_then(|h| fields.headroom(h));
    let history = raw
        .history
        .into_iter()
        .filter_map(|entry| fields.revision(entry))
        .collect();

    // With every required field usable, the rules can still judge the
    // runbook while its other front-matter problems are reported.
    let problems = fields.problems;
    let meta = match (title, version, owner, last_reviewed, next_review, controls) {
        (
            Some(title),
            Some(version),
            Some(owner),
            Some(last_reviewed),
            Some(next_review),
            Some(controls),
        ) => Some(RunbookMeta {
            title,
            summary,
            version,
            owner,
            last_reviewed,
            next_review,
            approved,
            controls,
            headroom,
            history,
            extra: raw.extra.unwrap_or(serde_json::Value::Null),
        }),
        _ => None,
    };
    (meta, problems)
}

/// A front-matter scalar from either reader: serde-saphyr's `Spanned`, or
/// the plain reader's value already positioned in the file.
pub(crate) trait Scalar {
    fn locate(self, split: &Split<'_>) -> Located<String>;
}

impl Scalar for Spanned<String> {
    fn locate(self, split: &Split<'_>) -> Located<String> {
        let pos = frontmatter::pos_of(split, &self);
        Located::new(self.value, pos)
    }
}

impl Scalar for Located<String> {
    fn locate(self, _: &Split<'_>) -> Located<String> {
        self
    }
}

/// Converts raw front-matter values, collecting every problem rather than stopping at the first.
pub(crate) struct Fields<'s, 'a> {
    split: &'s Split<'a>,
    pub problems: Vec<Problem>,
}

impl<'s, 'a> Fields<'s, 'a> {
    pub fn new(split: &'s Split<'a>) -> Self {
        Fields {
            split,
            problems: Vec::new(),
        }
    }

    pub fn pos<T>(&self, spanned: &Spanned<T>) -> Pos {
        frontmatter::pos_of(self.split, spanned)
    }

    /// A required text; empty counts as missing (the missing key itself is reported by `check_keys`).
    pub fn text(&mut self, value: Option<impl Scalar>, key: &str) -> Option<String> {
        let value = value?.locate(self.split);
        let text = value.value.trim();
        if text.is_empty() {
            self.problems
                .push(Problem::new(value.pos, format!("`{key}` is empty")));
            return None;
        }
        Some(text.to_owned())
    }

    /// A required text with its position.
    pub fn located_text(
        &mut self,
        value: Option<impl Scalar>,
        key: &str,
    ) -> Option<Located<String>> {
        let value = value?.locate(self.split);
        let pos = value.pos;
        self.text(Some(value), key)
            .map(|text| Located::new(text, pos))
    }

    pub fn date(&mut self, value: Option<impl Scalar>) -> Option<Located<NaiveDate>> {
        let value = value?.locate(self.split);
        let pos = value.pos;
        match parse_date(value.value.trim()) {
            Ok(date) => Some(Located::new(date, pos)),
            Err(message) => {
                self.problems.push(
                    Problem::new(pos, message)
                        .help("dates are written YYYY-MM-DD, e.g. 2026-02-18"),
                );
                None
            }
        }
    }

    fn revision(&mut self, raw: Pairs) -> Option<Revision> {
        let pos = raw.pos;
        let before = self.problems.len();
        self.problems.extend(raw.key_problems);
        let (mut version, mut date, mut approved_by, mut change) = (None, None, None, None);
        for (key, value) in raw.entries {
            let at = value.pos;
            match key.value.as_str() {
                "version" => match Version::parse(value.value.trim()) {
                    Some(v) => version = Some(Located::new(v, at)),
                    None => self.problems.push(
                        Problem::new(
                            at,
                            format!("version `{}` is not dot-separated integers", value.value),
                        )
                        .help("write it like \"1.0\", in quotes"),
                    ),
                },
                "date" => date = self.date(Some(value)),
                // An empty approver is a rule of its own (history), so it stays.
                "approved_by" => {
                    approved_by = Some(Located::new(value.value.trim().to_owned(), at))
                }
                "change" => change = Some(value.value.trim().to_owned()),
                _ => {}
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Revision {
            version: version?,
            date: date?,
            approved_by: approved_by?,
            change: change?,
            pos,
        })
    }

    fn headroom(&mut self, raw: Pairs) -> Option<Headroom> {
        let pos = raw.pos;
        let before = self.problems.len();
        self.problems.extend(raw.key_problems);
        let mut reports = None;
        let mut cadence = None;
        let mut since = None;
        let mut grace_days = 0;
        let mut margin = None;
        for (key, value) in raw.entries {
            let at = value.pos;
            let text = value.value.trim();
            match key.value.as_str() {
                "reports" => reports = Some(Located::new(text.trim_end_matches('/').to_owned(), at)),
                "cadence" => match Cadence::parse(text) {
                    Some(c) => cadence = Some(c),
                    None => self.problems.push(
                        Problem::new(at, format!("unknown cadence `{text}`"))
                            .help(format!("use one of: {}", Cadence::NAMES.join(", "))),
                    ),
                },
                "since" => since = self.date(Some(value)).map(|d| d.value),
                "grace_days" => match text.parse::<u32>() {
                    Ok(days) if days <= 366 => grace_days = days,
                    _ => self.problems.push(Problem::new(
                        at,
                        format!("`grace_days` must be a whole number of days from 0 to 366, not `{text}`"),
                    )),
                },
                "margin" => match parse_margin(text) {
                    Some(m) => margin = Some(m),
                    None => self.problems.push(
                        Problem::new(at, format!("`margin` must be a percentage from 0% to 100%, not `{text}`"))
                            .help("write it like 25%"),
                    ),
                },
                _ => {}
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(Headroom {
            reports: reports?,
            cadence: cadence?,
            since: since?,
            grace_days,
            margin,
            pos,
        })
    }
}

/// `25%` -> 0.25.
fn parse_margin(text: &str) -> Option<f64> {
    let number: f64 = text.strip_suffix('%')?.trim().parse().ok()?;
    (0.0..=100.0).contains(&number).then_some(number / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::runbook::plain::testing::{lines, repository_files, scalar};

    fn runbook(text: &str) -> Runbook {
        parse(Source {
            path: "runbooks/capacity-planning.md".into(),
            text: text.into(),
            sha256: String::new(),
        })
    }

    const GOOD: &str = "---\ntitle: Capacity Planning Runbook\nsummary: Triggers.\nversion: 1.10\nowner: Founder\nlast_reviewed: 2026-02-18\nnext_review: 2026-05-18\napproved: 2026-02-18\ncontrols: [A1.2, CC7.1]\nheadroom:\n  reports: evidence/capacity_reports\n  cadence: monthly-first-tuesday\n  since: 2026-03-01\n  grace_days: 7\n  margin: 25%\nextra:\n  tier: gold\n---\nBody\n";

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
        let files = repository_files("runbooks");
        let read = files.iter().filter(|(_, text)| readers_agree(text)).count();
        assert!(
            read * 2 > files.len(),
            "only {read} of {} read plainly",
            files.len()
        );
        for text in [
            GOOD,
            "---\ntitle: ''\nversion: \"1.0\"\nowner: x\nlast_reviewed: 2026-01-01\nnext_review: 2026-02-01\ncontrols: []\n---\n",
            "---\ntitle: T\nversion: 1.0.3\nowner: 'a b'\nlast_reviewed: 2026-01-01\nnext_review: 2026-02-01\ncontrols:\n- A1.2\n- CC7.1\nheadroom:\n    reports: evidence/x/\n    cadence: weekly\n    since: 2026-13-01\n---\n",
        ] {
            readers_agree(text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1_000))]
        #[test]
        fn the_readers_agree_on_any_front_matter(
            top in lines(&["title", "version", "owner", "last_reviewed", "next_review"], 0, true),
            more in lines(&["summary", "approved", "ownr"], 0, false),
            controls in proptest::collection::vec(scalar(), 0..4),
            flow in proptest::bool::ANY,
            headroom in lines(&["reports", "cadence", "since"], 2, true),
            optional in lines(&["grace_days", "margin", "x"], 2, false),
            history in lines(&["version", "date", "approved_by", "change"], 4, true),
        ) {
            let controls = if flow {
                format!("controls: [{}]\n", controls.join(", "))
            } else {
                controls.iter().map(|c| format!("  - {c}\n")).collect::<String>().replace("  - ", "controls:\n  - ")
            };
            let text = format!(
                "---\n{top}{more}{controls}headroom:\n{headroom}{optional}history:\n  - {}---\nbody\n",
                history.trim_start()
            );
            readers_agree(&text);
        }
    }

    #[test]
    fn parses_every_field() {
        let rb = runbook(GOOD);
        assert!(rb.problems.is_empty(), "{:?}", rb.problems);
        assert_eq!(rb.id, "capacity-planning");
        let meta = rb.meta.unwrap();
        assert_eq!(meta.title, "Capacity Planning Runbook");
        assert_eq!(meta.version.value.text, "1.10");
        assert_eq!(meta.version.pos, Pos::at(4, 10));
        assert_eq!(meta.controls[1].value, "CC7.1");
        assert_eq!(meta.controls[1].pos.line, 9);
        let headroom = meta.headroom.unwrap();
        assert_eq!(headroom.cadence, Cadence::MonthlyFirstTuesday);
        assert_eq!(headroom.grace_days, 7);
        assert_eq!(headroom.margin, Some(0.25));
        assert_eq!(meta.extra["tier"], "gold");
        assert_eq!(rb.body.tables.len(), 0);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let text = "---\ntitle: ''\nversion: one\nownr: Founder\nlast_reviewed: 2026-02-30\nnext_review: 2026-05-18\ncontrols: []\nheadroom:\n  reports: evidence/x\n  cadence: fortnightly\n  since: 2026-03-01\n  margin: lots\n---\n";
        let rb = runbook(text);
        assert!(rb.meta.is_none());
        let messages: Vec<String> = rb
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.pos.line, p.message))
            .collect();
        let expected = [
            "4: unknown key `ownr` in the runbook front matter",
            "1: missing required key `owner` in the runbook front matter",
            "2: `title` is empty",
            "3: version `one` is not dot-separated integers",
            "5: 2026-02-30 is not a valid date (no such day in the calendar)",
            "7: `controls` is empty",
            "10: unknown cadence `fortnightly`",
            "12: `margin` must be a percentage from 0% to 100%, not `lots`",
        ];
        assert_eq!(messages, expected);
        assert_eq!(
            rb.problems[0].help.as_deref(),
            Some("did you mean `owner`?")
        );
    }

    #[test]
    fn ids_that_are_dot_segments_or_empty_cannot_name_a_page() {
        let id_of = |path: &str| {
            parse(Source {
                path: path.into(),
                text: GOOD.into(),
                sha256: String::new(),
            })
            .id
        };
        assert_eq!(id_of("runbooks/..md"), ".");
        assert_eq!(id_of("runbooks/...md"), "..");
        assert_eq!(id_of("runbooks/.md"), "");
        for unfit in [".", "..", ""] {
            assert!(id_unfit_for_page(unfit).is_some(), "{unfit:?}");
        }
        // Every other name is one segment once percent-encoded.
        for fit in [
            "...",
            ".hidden",
            "..x",
            "x..",
            ".md",
            "capacity-planning",
            "a b",
            "%2e%2e",
            "a\\b",
            "-rf",
            "ünïcödé",
        ] {
            assert_eq!(id_unfit_for_page(fit), None, "{fit:?}");
        }
    }

    #[test]
    fn missing_front_matter_still_scans_the_body() {
        let rb = runbook("| Metric | Trigger | Response |\n|-|-|-|\n| m | > 1 | r |\n");
        assert_eq!(rb.problems[0].message, "front matter is missing");
        assert_eq!(rb.body.tables.len(), 1);
    }

    #[test]
    fn wrong_shapes_are_problems_not_panics() {
        for text in [
            "---\n[1, 2]\n---\n",
            "---\ntitle: [a]\n---\n",
            "---\ncontrols: A1.2\n---\n",
            "---\nheadroom: monthly\n---\n",
            "---\n: :\n---\n",
            "---\n\t\n---\n",
        ] {
            let rb = runbook(text);
            assert!(!rb.problems.is_empty(), "{text:?}");
        }
    }
}
