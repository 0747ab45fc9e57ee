//! The front-matter parser: fences, YAML with budgets, keys, shapes and
//! typed fields of runbooks, reports and `dossier.yaml`. Any input must give
//! a model or problems, never a panic, with every position inside the file.
#![no_main]

use dossier::model::frontmatter::{self, Entries, Shape};
use dossier::model::{config, report, runbook};
use dossier::sources::Source;
use libfuzzer_sys::fuzz_target;

fn source(path: &str, text: &str) -> Source {
    Source {
        path: path.to_owned(),
        text: text.to_owned(),
        sha256: String::new(),
    }
}

/// Lines a position may name: the file's lines, plus one past the end.
fn assert_inside(text: &str, line: usize, what: &str) {
    let lines = text.split('\n').count();
    assert!(
        (1..=lines + 1).contains(&line),
        "{what} at line {line} of a {lines}-line file"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    if let Ok(split) = frontmatter::split(text) {
        assert!(split.body_offset <= text.len());
        assert!(text.is_char_boundary(split.body_offset));
        assert_eq!(&text[split.body_offset..], split.body);
        if let Ok(entries) = frontmatter::parse::<Entries<Shape>>(&split) {
            let problems = frontmatter::check_keys(
                &split,
                &entries,
                &["title"],
                &["title"],
                Default::default(),
                "x",
            );
            for p in problems {
                assert_inside(text, p.pos.line.max(1), "key problem");
            }
        }
    }

    let rb = runbook::parse(source("runbooks/fuzz.md", text));
    for p in &rb.problems {
        assert_inside(text, p.pos.line, &p.message);
    }
    for table in &rb.body.tables {
        assert_inside(text, table.pos.line, "trigger table");
        for row in &table.rows {
            if let Err(fault) = &row.trigger {
                assert_inside(text, fault.pos.line, &fault.value.message);
            }
        }
    }
    for link in &rb.body.links {
        assert_inside(text, link.pos.line, "link");
    }

    let report = report::parse(source("evidence/fuzz/2026-01-01.md", text));
    for p in &report.problems {
        assert_inside(text, p.pos.line, &p.message);
    }

    let (_, problems) = config::parse(&source("dossier.yaml", text));
    for p in &problems {
        assert_inside(text, p.pos.line, &p.message);
    }
});
