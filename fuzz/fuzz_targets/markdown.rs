//! A Markdown body, scanned for trigger tables and links and rendered for
//! the site, in memory: no panic, no active content in the HTML, and the
//! same HTML whether the body was rendered in the pass that scanned it or
//! afterwards.
#![no_main]

use dossier::model::markdown;
use dossier::site::markdown::{Body, Pages, Table, prerender, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scanned = markdown::scan_rendering(text, 0, Some(prerender));
    for link in &scanned.links {
        let _ = markdown::resolve("runbooks/fuzz.md", &link.target);
    }
    let pages: Pages = [
        (
            "runbooks/b.md".to_owned(),
            "runbooks/b/index.html".to_owned(),
        ),
        (
            "evidence/capacity_reports".to_owned(),
            "runbooks/fuzz/index.html#headroom".to_owned(),
        ),
    ]
    .into();
    let tables: Vec<Table<'_>> = scanned
        .tables
        .iter()
        .map(|t| Table::standalone(t, t.heading.as_deref().unwrap_or("Fuzz")))
        .collect();
    let body = |html| Body {
        text,
        file: "runbooks/fuzz.md",
        root: "../../",
        pages: &pages,
        links: &scanned.links,
        tables: &tables,
        html,
    };
    let html = render(&body(scanned.html.as_deref()));
    assert_eq!(html, render(&body(None)));
    assert!(!html.contains("<!"), "a hole left in {html}");
    let lower = html.to_ascii_lowercase();
    for element in [
        "<script", "<iframe", "<img", "<object", "<embed", "<style", "<svg",
    ] {
        assert!(!lower.contains(element), "{element} in {html}");
    }
    // Attributes of real tags only: escaped raw HTML has no `<` left.
    for tag in lower.split('<').skip(1).filter_map(|t| t.split('>').next()) {
        for attribute in [" href=\"", " src=\""] {
            for value in tag.split(attribute).skip(1) {
                let value: String = value
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect();
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    assert!(!value.starts_with(scheme), "{value} in {html}");
                }
            }
        }
    }
});
