//! Renders Markdown bodies to HTML for the site: raw HTML shown as text,
//! links rewritten to page URLs (or dropped when they lead nowhere on the
//! site), dangerous URL schemes neutralised, and trigger tables annotated
//! with each parsed threshold and a link to the metric's history.

use std::borrow::Cow;
use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, html};

use crate::model::markdown::{TriggerRow, TriggerTable, options, resolve};
use crate::site::facts::anchor;

/// Where links may point: root-relative source paths (and report folders) to
/// site-relative page URLs.
pub type Pages = HashMap<String, String>;

/// Everything needed to render one body.
pub struct Body<'a> {
    pub text: &'a str,
    /// The file the body comes from; links resolve relative to it.
    pub file: &'a str,
    /// Relative prefix from the page to the site root (`../../`).
    pub root: &'a str,
    pub pages: &'a Pages,
    /// The trigger tables found in this body.
    pub tables: &'a [Table<'a>],
}

/// A trigger table of a body, with what its rows are annotated with.
pub struct Table<'a> {
    /// Where the table starts in the body ([`TriggerTable::offset`]).
    pub offset: usize,
    /// Per body row: its metric's anchor and its parsed threshold in words,
    /// or `None` for a row whose trigger does not parse.
    pub rows: Vec<Option<Row<'a>>>,
}

/// What a trigger row shows: its metric cell links to the metric's history
/// (`#anchor`), its trigger cell adds the threshold in words.
pub struct Row<'a> {
    pub anchor: Cow<'a, str>,
    pub threshold: Cow<'a, str>,
}

impl Table<'static> {
    /// A table annotated on its own, as the facts of its runbook would
    /// annotate it: for rendering a body outside a site (tests, fuzzing).
    pub fn standalone(table: &TriggerTable, group: &str) -> Table<'static> {
        let row = |row: &TriggerRow| {
            let trigger = row.trigger.as_ref().ok()?;
            Some(Row {
                anchor: anchor(group, &row.metric.text).into(),
                threshold: trigger.describe().into(),
            })
        };
        Table {
            offset: table.offset,
            rows: table.rows.iter().map(row).collect(),
        }
    }
}

pub fn render(body: &Body<'_>) -> String {
    let mut links_kept: Vec<bool> = Vec::new();
    let mut table: Option<&Table<'_>> = None;
    let (mut row, mut column, mut in_head) = (0usize, 0usize, false);

    // Each event becomes at most two, streamed to the HTML writer.
    let events = Parser::new_ext(body.text, options())
        .into_offset_iter()
        .flat_map(|(event, range)| {
            let (first, second) = match event {
                // Raw HTML never reaches the page as markup: it shows as text.
                Event::Html(raw) | Event::InlineHtml(raw) => (Some(Event::Text(raw)), None),
                Event::Start(
                    Tag::Link {
                        dest_url, title, ..
                    }
                    | Tag::Image {
                        dest_url, title, ..
                    },
                ) => {
                    let url = rewrite(body, &dest_url);
                    links_kept.push(url.is_some());
                    let link = url.map(|url| {
                        Event::Start(Tag::Link {
                            link_type: pulldown_cmark::LinkType::Inline,
                            dest_url: url.into(),
                            title,
                            id: CowStr::Borrowed(""),
                        })
                    });
                    (link, None)
                }
                Event::End(TagEnd::Link | TagEnd::Image) => {
                    let kept = links_kept.pop().unwrap_or(false);
                    (kept.then_some(Event::End(TagEnd::Link)), None)
                }
                Event::Start(Tag::Table(_)) => {
                    table = body.tables.iter().find(|t| t.offset == range.start);
                    row = 0;
                    (Some(event), None)
                }
                Event::End(TagEnd::Table) => {
                    table = None;
                    (Some(event), None)
                }
                Event::Start(Tag::TableHead) | Event::End(TagEnd::TableHead) => {
                    in_head = matches!(event, Event::Start(_));
                    (Some(event), None)
                }
                Event::Start(Tag::TableRow) => {
                    column = 0;
                    (Some(event), None)
                }
                Event::End(TagEnd::TableRow) => {
                    row += 1;
                    (Some(event), None)
                }
                Event::Start(Tag::TableCell) => {
                    let link = annotation(table, in_head, row)
                        .filter(|_| column == 0)
                        .map(|r| {
                            Event::Html(format!("<a href=\"#{}\">", escape(&r.anchor)).into())
                        });
                    (Some(event), link)
                }
                Event::End(TagEnd::TableCell) => {
                    let close = annotation(table, in_head, row).and_then(|r| match column {
                        0 => Some(Event::Html("</a>".into())),
                        1 => Some(Event::Html(
                            format!("<span class=\"threshold\">{}</span>", escape(&r.threshold))
                                .into(),
                        )),
                        _ => None,
                    });
                    column += 1;
                    (close, Some(event))
                }
                other => (Some(other), None),
            };
            first.into_iter().chain(second)
        });
    let mut out = String::with_capacity(body.text.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// What the current body row of a trigger table is annotated with.
fn annotation<'t>(table: Option<&'t Table<'_>>, in_head: bool, row: usize) -> Option<&'t Row<'t>> {
    table.filter(|_| !in_head)?.rows.get(row)?.as_ref()
}

/// The URL a link gets on the site, or `None` to show its text unlinked.
fn rewrite(body: &Body<'_>, target: &str) -> Option<String> {
    let trimmed: String = target
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect();
    let lower = trimmed.to_ascii_lowercase();
    if ["javascript:", "data:", "vbscript:", "file:"]
        .iter()
        .any(|s| lower.starts_with(s))
    {
        return None;
    }
    if target.starts_with('#') {
        return Some(target.to_owned());
    }
    match resolve(body.file, target) {
        // Web addresses and mail links stay as they are.
        None => Some(target.to_owned()),
        Some(Ok(path)) => body
            .pages
            .get(&path)
            .map(|url| format!("{}{url}", body.root)),
        Some(Err(_)) => None,
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html(&mut out, text).expect("writing to a String cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::markdown::scan;

    fn render_text(text: &str) -> String {
        let pages: Pages = [(
            "runbooks/b.md".to_owned(),
            "runbooks/b/index.html".to_owned(),
        )]
        .into();
        let scanned = scan(text, 0);
        let tables: Vec<Table<'_>> = scanned
            .tables
            .iter()
            .map(|t| Table::standalone(t, "G"))
            .collect();
        render(&Body {
            text,
            file: "runbooks/a.md",
            root: "../../",
            pages: &pages,
            tables: &tables,
        })
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render_text("<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn links_are_rewritten_or_neutralised() {
        let html = render_text(
            "[b](b.md) [web](https://example.com) [x](javascript:alert(1)) [y](JaVaScRiPt:x) [gone](c.md) [top](#t)\n",
        );
        assert!(
            html.contains(r#"<a href="../../runbooks/b/index.html">b</a>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://example.com">web</a>"#),
            "{html}"
        );
        assert!(!html.to_lowercase().contains("script:"), "{html}");
        assert!(html.contains(" x ") && html.contains(" gone "), "{html}");
        assert!(html.contains(r##"<a href="#t">top</a>"##), "{html}");
    }

    #[test]
    fn trigger_cells_show_the_parsed_threshold() {
        let html = render_text(
            "| Metric | Trigger | Response |\n|-|-|-|\n| p95 | > 800ms for 24h | Scale |\n",
        );
        assert!(
            html.contains(r##"<a href="#metric-g-p95">p95</a>"##),
            "{html}"
        );
        assert!(
            html.contains(
                "&gt; 800ms for 24h<span class=\"threshold\">&gt; 0.8 s, window 24 h</span>"
            ),
            "{html}"
        );
    }
}
