//! Renders Markdown bodies to HTML for the site: raw HTML shown as text,
//! links rewritten to page URLs (or dropped when they lead nowhere on the
//! site), dangerous URL schemes neutralised, and trigger tables annotated
//! with each parsed threshold and a link to the metric's history.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd, html};

use crate::model::markdown::{TriggerTable, options, resolve};
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
    /// The trigger tables found in this body, with the group each belongs to.
    pub tables: &'a [(&'a str, &'a TriggerTable)],
}

pub fn render(body: &Body<'_>) -> String {
    let mut events = Vec::new();
    let mut links_kept: Vec<bool> = Vec::new();
    let mut table: Option<&(&str, &TriggerTable)> = None;
    let (mut row, mut column, mut in_head) = (0usize, 0usize, false);

    for (event, range) in Parser::new_ext(body.text, options()).into_offset_iter() {
        match event {
            // Raw HTML never reaches the page as markup: it shows as text.
            Event::Html(raw) | Event::InlineHtml(raw) => events.push(Event::Text(raw)),
            Event::Start(
                Tag::Link {
                    dest_url, title, ..
                }
                | Tag::Image {
                    dest_url, title, ..
                },
            ) => match rewrite(body, &dest_url) {
                Some(url) => {
                    links_kept.push(true);
                    events.push(Event::Start(Tag::Link {
                        link_type: pulldown_cmark::LinkType::Inline,
                        dest_url: url.into(),
                        title,
                        id: CowStr::Borrowed(""),
                    }));
                }
                None => links_kept.push(false),
            },
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if links_kept.pop().unwrap_or(false) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = body.tables.iter().find(|(_, t)| t.offset == range.start);
                row = 0;
                events.push(event);
            }
            Event::End(TagEnd::Table) => {
                table = None;
                events.push(event);
            }
            Event::Start(Tag::TableHead) => {
                in_head = true;
                events.push(event);
            }
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                events.push(event);
            }
            Event::Start(Tag::TableRow) => {
                column = 0;
                events.push(event);
            }
            Event::End(TagEnd::TableRow) => {
                row += 1;
                events.push(event);
            }
            Event::Start(Tag::TableCell) => {
                events.push(event);
                if let (Some((group, t)), false, 0) = (table, in_head, column)
                    && let Some(r) = t.rows.get(row)
                {
                    let href = format!("#{}", anchor(group, &r.metric.text));
                    events.push(Event::Html(
                        format!("<a href=\"{}\">", escape(&href)).into(),
                    ));
                }
            }
            Event::End(TagEnd::TableCell) => {
                if let (Some((_, t)), false) = (table, in_head)
                    && let Some(r) = t.rows.get(row)
                {
                    match (column, &r.trigger) {
                        (0, _) => events.push(Event::Html("</a>".into())),
                        (1, Ok(trigger)) => events.push(Event::Html(
                            format!(
                                "<span class=\"threshold\">{}</span>",
                                escape(&trigger.describe())
                            )
                            .into(),
                        )),
                        _ => {}
                    }
                }
                column += 1;
                events.push(event);
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(body.text.len() * 3 / 2);
    html::push_html(&mut out, events.into_iter());
    out
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
        let tables: Vec<(&str, &TriggerTable)> = scanned.tables.iter().map(|t| ("G", t)).collect();
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
