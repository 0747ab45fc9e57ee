//! Renders Markdown bodies to HTML for the site: raw HTML shown as text,
//! links rewritten to page URLs (or dropped when they lead nowhere on the
//! site), dangerous URL schemes neutralised, and trigger tables annotated
//! with each parsed threshold and a link to the metric's history. In two
//! steps: [`prerender`] once per body, in the pass that parses it, and
//! [`render`] once per page, filling in what the page decides.

use std::borrow::Cow;
use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, html};
use pulldown_cmark_escape::{escape_href, escape_html};

use crate::model::markdown::{Events, Link, TriggerRow, TriggerTable, options, resolve};
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
    /// The body's links, as its scan found them ([`crate::model::markdown::Body::links`]).
    pub links: &'a [Link],
    /// The trigger tables found in this body.
    pub tables: &'a [Table<'a>],
    /// The body as [`prerender`] made it in the pass that parsed it, if it did.
    pub html: Option<&'a str>,
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

/// Renders a body from its events, as far as it does not depend on the page
/// it is shown on: raw HTML becomes text, and what each page decides is left
/// as a hole, a `<!` marker (escaped text never contains one): each link
/// and image (`<!a>` … `<!z>`, in the order of the body's [`Link`]s), each
/// table (`<!t` offset `>`) and, in table bodies, each row (`<!n>`), its
/// metric cell's text (`<!m>` … `<!M>`) and the end of its trigger cell
/// (`<!h>`). [`render`] fills the holes.
pub fn prerender(events: Events<'_, '_>) -> String {
    let (mut in_head, mut column) = (false, 0usize);
    let hole = |marker: &'static str| Some(Event::Html(CowStr::Borrowed(marker)));
    // Each event becomes at most two, streamed to the HTML writer.
    let events = events.flat_map(|(event, range)| {
        let (first, second) = match event {
            Event::Html(raw) | Event::InlineHtml(raw) => (Some(Event::Text(raw)), None),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => (hole("<!a>"), None),
            Event::End(TagEnd::Link | TagEnd::Image) => (hole("<!z>"), None),
            Event::Start(Tag::Table(_)) => {
                let marker = Event::Html(format!("<!t{}>", range.start).into());
                (Some(event), Some(marker))
            }
            Event::Start(Tag::TableHead) | Event::End(TagEnd::TableHead) => {
                in_head = matches!(event, Event::Start(_));
                (Some(event), None)
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                (Some(event), hole("<!n>"))
            }
            Event::Start(Tag::TableCell) if !in_head && column == 0 => (Some(event), hole("<!m>")),
            Event::End(TagEnd::TableCell) => {
                column += 1;
                let marker = match (in_head, column) {
                    (false, 1) => hole("<!M>"),
                    (false, 2) => hole("<!h>"),
                    _ => None,
                };
                (marker, Some(event))
            }
            other => (Some(other), None),
        };
        first.into_iter().chain(second)
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

/// The HTML of a body on its page: [`prerender`]'s holes filled with the
/// page's links and the trigger rows' annotations.
pub fn render(body: &Body<'_>) -> String {
    let prerendered;
    let mut rest = match body.html {
        Some(html) => html,
        None => {
            let mut events = Parser::new_ext(body.text, options()).into_offset_iter();
            prerendered = prerender(&mut events);
            &prerendered
        }
    };
    let mut out = String::with_capacity(rest.len() + rest.len() / 8);
    let mut links = body.links.iter();
    let mut links_kept: Vec<bool> = Vec::new();
    let mut table: Option<&Table<'_>> = None;
    let mut row: Option<usize> = None;
    let holes = memchr::memmem::Finder::new("<!");
    while let Some(at) = holes.find(rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let marker = &rest[at + 2..];
        let Some(end) = marker.find('>') else {
            rest = &rest[at..];
            break;
        };
        let (kind, argument) = marker[..end].split_at_checked(1).unwrap_or_default();
        rest = &marker[end + 1..];
        let annotation = || table?.rows.get(row?)?.as_ref();
        match kind {
            "a" => {
                let link = links.next();
                let url = link.and_then(|link| rewrite(body, &link.target));
                links_kept.push(url.is_some());
                if let (Some(link), Some(url)) = (link, url) {
                    // As pulldown-cmark writes a link.
                    out.push_str("<a href=\"");
                    infallible(escape_href(&mut out, &url));
                    if !link.title.is_empty() {
                        out.push_str("\" title=\"");
                        infallible(escape_html(&mut out, &link.title));
                    }
                    out.push_str("\">");
                }
            }
            "z" => {
                let kept = links_kept.pop().unwrap_or(false);
                out.push_str(if kept { "</a>" } else { "" });
            }
            "t" => {
                let offset = argument.parse().ok();
                table = body.tables.iter().find(|t| Some(t.offset) == offset);
                row = None;
            }
            "n" => row = Some(row.map_or(0, |r| r + 1)),
            "m" => {
                if let Some(r) = annotation() {
                    out.push_str("<a href=\"#");
                    infallible(escape_html(&mut out, &r.anchor));
                    out.push_str("\">");
                }
            }
            "M" => out.push_str(if annotation().is_some() { "</a>" } else { "" }),
            "h" => {
                if let Some(r) = annotation() {
                    out.push_str("<span class=\"threshold\">");
                    infallible(escape_html(&mut out, &r.threshold));
                    out.push_str("</span>");
                }
            }
            _ => {}
        }
    }
    out.push_str(rest);
    out
}

/// Escaping into a `String` cannot fail.
fn infallible(result: std::fmt::Result) {
    debug_assert!(result.is_ok());
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
    infallible(escape_html(&mut out, text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::markdown::scan_rendering;

    /// `text` rendered as a build renders it, in the pass that scans it;
    /// rendering it afterwards must give the same HTML.
    fn render_text(text: &str) -> String {
        let pages: Pages = [(
            "runbooks/b.md".to_owned(),
            "runbooks/b/index.html".to_owned(),
        )]
        .into();
        let scanned = scan_rendering(text, 0, Some(prerender));
        let tables: Vec<Table<'_>> = scanned
            .tables
            .iter()
            .map(|t| Table::standalone(t, "G"))
            .collect();
        let body = |html| Body {
            text,
            file: "runbooks/a.md",
            root: "../../",
            pages: &pages,
            links: &scanned.links,
            tables: &tables,
            html,
        };
        let html = render(&body(scanned.html.as_deref()));
        assert_eq!(html, render(&body(None)), "rendered after the scan");
        assert!(!html.contains("<!"), "a hole left in {html}");
        html
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

    #[test]
    fn holes_are_filled_in_order_and_text_that_looks_like_one_stays_text() {
        let html = render_text(concat!(
            "Raw <!a> and `<!z>` and <!-- c -->, [kept](b.md \"a \\\"t\\\"\") [gone](c.md) ",
            "[![img](https://i.example/x.png)](https://example.com) ![alone](javascript:x)\n\n",
            "| Metric | Trigger | Response |\n|-|-|-|\n| p95 [l](b.md) | > 1 | <!h> |\n| m | bad | r |\n| q | < 2 | r |\n\n",
            "| A | B |\n|-|-|\n| <!t0> | <!n> |\n",
        ));
        assert!(
            html.contains("Raw &lt;!a&gt; and <code>&lt;!z&gt;</code> and &lt;!-- c --&gt;"),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<a href="../../runbooks/b/index.html" title="a &quot;t&quot;">kept</a> gone "#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://example.com"><a href="https://i.example/x.png">img</a></a> alone"#),
            "{html}"
        );
        assert!(
            html.contains(concat!(
                r##"<td><a href="#metric-g-p95-l">p95 <a href="../../runbooks/b/index.html">l</a></a></td>"##,
                r#"<td>&gt; 1<span class="threshold">&gt; 1</span></td><td>&lt;!h&gt;</td>"#,
            )),
            "{html}"
        );
        // A row whose trigger does not parse is not annotated; the next one is.
        assert!(html.contains("<td>m</td><td>bad</td>"), "{html}");
        assert!(
            html.contains(r##"<td><a href="#metric-g-q">q</a></td>"##),
            "{html}"
        );
        assert!(
            html.contains("<td>&lt;!t0&gt;</td><td>&lt;!n&gt;</td>"),
            "{html}"
        );
    }
}
