//! Differential: runbooks and reports read by the fast plain-YAML reader
//! must give exactly what serde-saphyr gives. The same file with a comment
//! holding a tab appended to its front matter (which changes nothing in
//! YAML, but makes the plain reader step aside) must parse to the same
//! values and problems, at the same positions.
#![no_main]

use dossier::model::{report, runbook};
use dossier::sources::Source;
use libfuzzer_sys::fuzz_target;

fn source(path: &str, text: String) -> Source {
    Source {
        path: path.to_owned(),
        text,
        sha256: String::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(split) = dossier::model::frontmatter::split(text) else {
        return;
    };
    let yaml_end = split.yaml.as_ptr() as usize - text.as_ptr() as usize + split.yaml.len();
    if !split.yaml.is_empty() && !split.yaml.ends_with('\n') {
        return;
    }
    let full = format!("{}#\t\n{}", &text[..yaml_end], &text[yaml_end..]);

    // A YAML error at the end of the input moves with the added line.
    let syntax = |problems: &[dossier::model::frontmatter::Problem]| {
        problems
            .iter()
            .any(|p| p.message.starts_with("front matter is not valid YAML"))
    };

    let a = runbook::parse(source("runbooks/x.md", text.to_owned()));
    let b = runbook::parse(source("runbooks/x.md", full.clone()));
    if !syntax(&a.problems) && !syntax(&b.problems) {
        assert_eq!(
            a.problems, b.problems,
            "runbook problems differ for {text:?}"
        );
        assert_eq!(
            format!("{:?}", a.meta),
            format!("{:?}", b.meta),
            "runbook values differ for {text:?}"
        );
    }

    let a = report::parse(source("evidence/x/2026-01-01.md", text.to_owned()));
    let b = report::parse(source("evidence/x/2026-01-01.md", full));
    if !syntax(&a.problems) && !syntax(&b.problems) {
        assert_eq!(
            a.problems, b.problems,
            "report problems differ for {text:?}"
        );
        assert_eq!(
            format!("{:?}", a.meta),
            format!("{:?}", b.meta),
            "report values differ for {text:?}"
        );
    }
});
