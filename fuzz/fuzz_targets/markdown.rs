//! A Markdown body, scanned for trigger tables and links and rendered for
//! the site, in memory: no panic, and no active content in the HTML.
#![no_main]

use dossier::model::markdown;
use dossier::site::markdown::{Body, Pages, Table, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scanned = markdown::scan(text, 0);
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
    let html = render(&Body {
        text,
        file: "runbooks/fuzz.md",
        root: "../../",
        pages: &pages,
        tables: &tables,
    });
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
