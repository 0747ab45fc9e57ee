//! What dossier reads from a Markdown body: trigger tables (grouped under
//! the nearest heading) and links, each with its position in the file; for
//! a build, also the body's HTML, rendered from the same events.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::trigger::{self, Trigger};
use super::{LineIndex, Located};
use crate::diag::Pos;

pub const TRIGGER_COLUMNS: [&str; 3] = ["Metric", "Trigger", "Response"];
pub const QUERY_COLUMN: &str = "Query";

/// The Markdown extensions GitHub renders, so dossier sees what reviewers see.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

/// One cell: its text (inline markup removed) and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriggerRow {
    pub metric: Cell,
    /// The Trigger cell verbatim.
    pub trigger_cell: Cell,
    /// The parsed trigger, or the fault with its position in the file.
    pub trigger: Result<Trigger, Located<trigger::ParseError>>,
    pub response: Cell,
    pub query: Option<Cell>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TriggerTable {
    /// Text of the nearest heading above; `None` when there is none (the
    /// runbook's title names the group then).
    pub heading: Option<String>,
    pub pos: Pos,
    /// Byte offset of the table in the body, to find it again when rendering.
    pub offset: usize,
    /// Header cells after Metric | Trigger | Response that are not `Query`.
    pub extra_columns: Vec<Cell>,
    pub rows: Vec<TriggerRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub target: String,
    /// The title shown on hover (`[a](b.md "title")`), often empty.
    pub title: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub tables: Vec<TriggerTable>,
    /// Links and images, in the order they appear.
    pub links: Vec<Link>,
    /// The body as HTML, when it was rendered in the same pass as the scan
    /// ([`scan_rendering`]), with holes for what each page decides.
    pub html: Option<String>,
}

/// A body's Markdown events with their byte ranges in the body.
pub type Events<'e, 'a> = &'e mut dyn Iterator<Item = (Event<'a>, Range<usize>)>;

/// Renders a body from its events as they are scanned, so that a build
/// parses each body once (the site's `markdown::prerender`).
pub type Render = for<'e, 'a> fn(Events<'e, 'a>) -> String;

/// Scans `text[body_offset..]`; positions refer to the whole file `text`.
pub fn scan(text: &str, body_offset: usize) -> Body {
    scan_rendering(text, body_offset, None)
}

/// [`scan`], and when `render` is given, renders the body from the same
/// events into [`Body::html`].
pub fn scan_rendering(text: &str, body_offset: usize, render: Option<Render>) -> Body {
    let body = &text[body_offset..];
    let index = LineIndex::new(text);
    let mut scanner = Scanner::new(body, |offset| index.pos(body_offset + offset));
    let mut events = Parser::new_ext(body, options())
        .into_offset_iter()
        .inspect(|(event, range)| scanner.observe(event, range.clone()));
    let html = render.map(|render| render(&mut events));
    // What a renderer left unread is still scanned.
    events.for_each(drop);
    Body {
        html,
        ..scanner.out
    }
}

/// The state of a scan between events.
struct Scanner<'a, At> {
    body: &'a str,
    at: At,
    out: Body,
    heading: Option<String>,
    heading_text: Option<String>,
    table: Option<Vec<Vec<Cell>>>,
    table_start: usize,
    cell: Option<(String, usize, usize)>,
    /// End of the current row's text: cells GitHub pads a short row with sit there.
    row_end: usize,
}

impl<'a, At: Fn(usize) -> Pos> Scanner<'a, At> {
    fn new(body: &'a str, at: At) -> Self {
        Scanner {
            body,
            at,
            out: Body::default(),
            heading: None,
            heading_text: None,
            table: None,
            table_start: 0,
            cell: None,
            row_end: 0,
        }
    }

    fn observe(&mut self, event: &Event<'_>, range: Range<usize>) {
        let body = self.body;
        match event {
            Event::Start(Tag::Heading { .. }) => self.heading_text = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => {
                self.heading = self.heading_text.take().map(|h| h.trim().to_owned())
            }
            Event::Start(Tag::Table(_)) => {
                self.table = Some(Vec::new());
                self.table_start = range.start;
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => {
                self.row_end = range.start + body[range.clone()].trim_end().len();
                if let Some(rows) = self.table.as_mut() {
                    rows.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => {
                self.cell = Some((String::new(), range.start, range.end))
            }
            Event::End(TagEnd::TableCell) => {
                if let (Some((text, start, end)), Some(row)) = (
                    self.cell.take(),
                    self.table.as_mut().and_then(|rows| rows.last_mut()),
                ) {
                    row.push(located_cell(body, text, start..end, self.row_end, &self.at));
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(found) = self.table.take().and_then(|rows| {
                    trigger_table(
                        rows,
                        self.heading.clone(),
                        (self.at)(self.table_start),
                        self.table_start,
                    )
                }) {
                    self.out.tables.push(found);
                }
            }
            Event::Start(
                Tag::Link {
                    dest_url, title, ..
                }
                | Tag::Image {
                    dest_url, title, ..
                },
            ) => {
                self.out.links.push(Link {
                    target: dest_url.to_string(),
                    title: title.to_string(),
                    pos: (self.at)(range.start),
                });
            }
            // Raw HTML counts as text: the site shows it as written.
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => {
                if let Some((text, ..)) = self.cell.as_mut() {
                    text.push_str(t);
                }
                if let Some(h) = self.heading_text.as_mut() {
                    h.push_str(t);
                }
            }
            _ => {}
        }
    }
}

/// A cell positioned at its first non-blank character; a blank cell just
/// inside its bounds, a missing one at the end of its row.
fn located_cell(
    body: &str,
    text: String,
    range: Range<usize>,
    row_end: usize,
    at: &impl Fn(usize) -> Pos,
) -> Cell {
    let raw = &body[range.clone()];
    let offset = if raw.trim().is_empty() {
        range.start + usize::from(!raw.is_empty())
    } else {
        range.start + raw.len() - raw.trim_start().len()
    };
    Cell {
        text: text.trim().to_owned(),
        pos: at(offset.min(row_end)),
    }
}

/// A table whose header starts `Metric | Trigger | Response` (any case), or `None`.
fn trigger_table(
    mut rows: Vec<Vec<Cell>>,
    heading: Option<String>,
    pos: Pos,
    offset: usize,
) -> Option<TriggerTable> {
    let header = rows.first()?;
    let is_trigger_table = header.len() >= 3
        && header
            .iter()
            .zip(TRIGGER_COLUMNS)
            .all(|(cell, name)| cell.text.eq_ignore_ascii_case(name));
    if !is_trigger_table {
        return None;
    }
    let header = rows.remove(0);
    let has_query = header
        .get(3)
        .is_some_and(|c| c.text.eq_ignore_ascii_case(QUERY_COLUMN));
    let extra_columns = header
        .into_iter()
        .skip(if has_query { 4 } else { 3 })
        .collect();
    let rows = rows
        .into_iter()
        .map(|cells| {
            let mut cells = cells.into_iter();
            let mut next = || {
                cells.next().unwrap_or(Cell {
                    text: String::new(),
                    pos,
                })
            };
            let metric = next();
            let trigger_cell = next();
            let response = next();
            let query = if has_query { Some(next()) } else { None };
            let trigger = trigger::parse_trigger(&trigger_cell.text).map_err(|e| {
                let column = trigger_cell.pos.column.unwrap_or(1)
                    + trigger_cell
                        .text
                        .get(..e.offset)
                        .map_or(0, |s| s.chars().count());
                Located::new(e, Pos::at(trigger_cell.pos.line, column))
            });
            TriggerRow {
                metric,
                trigger_cell,
                trigger,
                response,
                query,
            }
        })
        .collect();
    Some(TriggerTable {
        heading,
        pos,
        offset,
        extra_columns,
        rows,
    })
}

/// The root-relative path a link points at; `None` for links that are not to
/// a repository file (web addresses, `mailto:`, in-page anchors).
pub fn resolve(from_file: &str, target: &str) -> Option<Result<String, String>> {
    let path = target.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() || has_scheme(path) {
        return None;
    }
    let path = percent_decode(path);
    if path.starts_with('/') {
        return Some(Err(format!("link `{target}` is an absolute path")));
    }
    let dir = from_file.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Some(Err(format!(
                        "link `{target}` leads outside the repository root"
                    )));
                }
            }
            part => parts.push(part),
        }
    }
    Some(Ok(parts.join("/")))
}

/// `https:`, `mailto:`, `javascript:`… — a scheme is letters, digits, `+.-`, then `:`.
fn has_scheme(target: &str) -> bool {
    target.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// Percent-encodes every byte of `text` but ASCII letters, digits and the
/// bytes of `keep`.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%20`-style escapes; malformed escapes stay as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\ntitle: T\n---\nIntro [a](../evidence/x.md).\n\n### FastAPI backend\n\n| Metric | Trigger | Response |\n|---|---|---|\n| p95 request latency | > 800ms for 24h | Add replica |\n| Error rate |  around 1% | Page |\n\n| Name | Value |\n|--|--|\n| a | b |\n";

    #[test]
    fn finds_trigger_tables_under_their_heading() {
        let body = scan(DOC, 16);
        assert_eq!(body.tables.len(), 1);
        let table = &body.tables[0];
        assert_eq!(table.heading.as_deref(), Some("FastAPI backend"));
        assert_eq!(table.pos.line, 8);
        assert_eq!(table.rows.len(), 2);
        let row = &table.rows[0];
        assert_eq!(row.metric.text, "p95 request latency");
        assert_eq!(row.metric.pos, Pos::at(10, 3));
        assert_eq!(row.trigger_cell.text, "> 800ms for 24h");
        assert_eq!(row.trigger_cell.pos, Pos::at(10, 25));
        assert!(row.trigger.is_ok());
        assert_eq!(row.response.text, "Add replica");
    }

    #[test]
    fn a_renderer_reading_the_same_pass_leaves_the_scan_whole() {
        fn first_event(events: Events<'_, '_>) -> String {
            events
                .next()
                .map(|(event, _)| format!("{event:?}"))
                .unwrap_or_default()
        }
        let body = scan_rendering(DOC, 16, Some(first_event));
        assert_eq!(
            body.html.as_deref(),
            Some("Start(Paragraph)"),
            "the renderer sees the body's events"
        );
        assert_eq!(Body { html: None, ..body }, scan(DOC, 16));
    }

    #[test]
    fn trigger_faults_point_at_their_column() {
        let body = scan(DOC, 16);
        let fault = body.tables[0].rows[1].trigger.as_ref().unwrap_err();
        assert_eq!(fault.pos, Pos::at(11, 17));
    }

    #[test]
    fn collects_links_with_positions() {
        let body = scan(DOC, 16);
        assert_eq!(
            body.links,
            [Link {
                target: "../evidence/x.md".into(),
                title: String::new(),
                pos: Pos::at(4, 7)
            }]
        );
    }

    #[test]
    fn header_match_is_case_insensitive_and_allows_query() {
        let doc = "| metric | TRIGGER | response | Query | Notes |\n|-|-|-|-|-|\n| m | > 1 | r | up | n |\n";
        let body = scan(doc, 0);
        let table = &body.tables[0];
        assert_eq!(table.heading, None);
        assert_eq!(table.rows[0].query.as_ref().unwrap().text, "up");
        assert_eq!(table.extra_columns.len(), 1);
        assert_eq!(table.extra_columns[0].text, "Notes");
    }

    #[test]
    fn short_rows_get_empty_cells() {
        let doc = "| Metric | Trigger | Response |\n|-|-|-|\n| m |\n";
        let row = &scan(doc, 0).tables[0].rows[0];
        assert_eq!(row.trigger_cell.text, "");
        assert!(row.trigger.is_err());
    }

    #[test]
    fn resolves_like_github() {
        let r = |from, to| resolve(from, to);
        assert_eq!(r("runbooks/a.md", "b.md"), Some(Ok("runbooks/b.md".into())));
        assert_eq!(
            r("runbooks/a.md", "../evidence/x/2026-01-01.md#notes"),
            Some(Ok("evidence/x/2026-01-01.md".into()))
        );
        assert_eq!(
            r("runbooks/a.md", "./my%20file.md"),
            Some(Ok("runbooks/my file.md".into()))
        );
        assert_eq!(r("runbooks/a.md", "https://example.com/x.md"), None);
        assert_eq!(r("runbooks/a.md", "mailto:a@b.c"), None);
        assert_eq!(r("runbooks/a.md", "#section"), None);
        assert!(r("runbooks/a.md", "../../etc/passwd").unwrap().is_err());
        assert!(r("runbooks/a.md", "/etc/passwd").unwrap().is_err());
    }

    #[test]
    fn percent_decoding_tolerates_garbage() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%e2%89%a5"), "≥");
    }
}
