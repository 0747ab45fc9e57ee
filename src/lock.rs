//! `dossier.lock`: the version and the SHA-256 of the substance of every
//! runbook, so a change that was not versioned cannot pass unnoticed.
//!
//! A runbook's substance is its body and every front-matter field except the
//! review bookkeeping (`last_reviewed`, `next_review`, `history`), so a review
//! without changes needs no version bump. Whitespace at line ends does not count.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::Pos;
use crate::model::frontmatter;
use crate::model::runbook::Runbook;
use crate::sources::{Source, hex_sha256};

pub const LOCK_FILE: &str = "dossier.lock";

/// Front-matter keys that record reviews rather than content.
const BOOKKEEPING: [&str; 3] = ["last_reviewed", "next_review", "history"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub version: String,
    pub substance: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    #[serde(default)]
    pub runbooks: BTreeMap<String, Entry>,
}

impl Lock {
    /// Where `[runbooks.ID]` is written in the lock file's text.
    pub fn position_of(text: &str, id: &str) -> Pos {
        let quoted = format!("[runbooks.\"{id}\"]");
        let plain = format!("[runbooks.{id}]");
        text.lines()
            .position(|l| l.trim() == plain || l.trim() == quoted)
            .map_or(Pos::line(1), |i| Pos::line(i + 1))
    }
}

/// Reads the lock; a problem names the line when TOML gives one.
pub fn parse(source: &Source) -> Result<Lock, (Pos, String)> {
    toml::from_str(&source.text).map_err(|e| {
        let pos = e.span().map_or(Pos::line(1), |span| {
            let line = source.text[..span.start.min(source.text.len())]
                .matches('\n')
                .count()
                + 1;
            Pos::line(line)
        });
        (
            pos,
            format!("{LOCK_FILE} is not a valid lock file: {}", e.message()),
        )
    })
}

/// The lock file's text for `lock`: sorted, with a header saying what it is.
pub fn render(lock: &Lock) -> String {
    let body = toml::to_string(lock).expect("a lock serializes");
    format!(
        "# dossier.lock: each runbook's version and the SHA-256 of its substance.\n# Written by `dossier lock`; commit it. `dossier check` fails when a runbook\n# changes without a version bump, or is bumped without `dossier lock`.\n\n{body}"
    )
}

/// SHA-256 of a runbook's substance.
pub fn substance_hash(runbook: &Runbook) -> String {
    hex_sha256(substance(&runbook.source.text).as_bytes())
}

/// The front matter without the bookkeeping keys, then the body; trailing
/// whitespace of every line and trailing blank lines removed.
pub fn substance(text: &str) -> String {
    let (yaml, body) = match frontmatter::split(text) {
        Ok(split) => (split.yaml, split.body),
        Err(_) => ("", text),
    };
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in yaml.lines() {
        let top_level_key = !line.starts_with([' ', '\t', '-', '#']) && !line.trim().is_empty();
        if top_level_key {
            let key = line.split(':').next().unwrap_or("").trim();
            skipping = BOOKKEEPING.contains(&key);
        }
        if !skipping {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push_str("---\n");
    for line in body.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The lock for the runbooks as they stand; refuses to record a version lower
/// than the one already locked.
pub fn lock(runbooks: &[Runbook], previous: &Lock) -> Result<Lock, Vec<String>> {
    let mut problems = Vec::new();
    let mut lock = Lock::default();
    for runbook in runbooks {
        let Some(meta) = &runbook.meta else {
            problems.push(format!(
                "{}: fix its front matter first (run `dossier check`)",
                runbook.source.path
            ));
            continue;
        };
        let version = &meta.version.value;
        if let Some(locked) = previous.runbooks.get(&runbook.id)
            && let Some(locked_version) = crate::model::Version::parse(&locked.version)
            && *version < locked_version
        {
            problems.push(format!(
                "{}: version {version} is lower than the locked {}; versions never go down",
                runbook.source.path, locked.version
            ));
            continue;
        }
        lock.runbooks.insert(
            runbook.id.clone(),
            Entry {
                version: version.text.clone(),
                substance: substance_hash(runbook),
            },
        );
    }
    if problems.is_empty() {
        Ok(lock)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNBOOK: &str = "---\ntitle: T\nversion: \"1.0\"\nlast_reviewed: 2026-01-01\nnext_review: 2026-04-01\nhistory:\n  - version: \"1.0\"\n    date: 2026-01-01\ncontrols: [A1.2]\n---\nBody line\n";

    #[test]
    fn review_bookkeeping_is_not_substance() {
        let reviewed = RUNBOOK
            .replace("last_reviewed: 2026-01-01", "last_reviewed: 2026-04-01")
            .replace("next_review: 2026-04-01", "next_review: 2026-07-01")
            .replace(
                "    date: 2026-01-01\n",
                "    date: 2026-01-01\n  - version: \"1.0\"\n    date: 2026-04-01\n",
            );
        assert_eq!(substance(RUNBOOK), substance(&reviewed));
        let text = substance(RUNBOOK);
        assert!(
            text.contains("title: T")
                && text.contains("controls: [A1.2]")
                && text.contains("Body line")
        );
        assert!(
            !text.contains("last_reviewed") && !text.contains("history") && !text.contains("date:")
        );
    }

    #[test]
    fn trailing_whitespace_is_not_a_change_but_words_are() {
        let spaced = RUNBOOK.replace("Body line\n", "Body line   \n\n\n");
        assert_eq!(substance(RUNBOOK), substance(&spaced));
        assert_ne!(
            substance(RUNBOOK),
            substance(&RUNBOOK.replace("Body line", "Body lines"))
        );
        assert_ne!(
            substance(RUNBOOK),
            substance(&RUNBOOK.replace("A1.2", "A1.3"))
        );
    }

    #[test]
    fn lock_files_round_trip_sorted() {
        let mut lock = Lock::default();
        for id in ["zeta", "alpha"] {
            lock.runbooks.insert(
                id.into(),
                Entry {
                    version: "1.10".into(),
                    substance: "ab".repeat(32),
                },
            );
        }
        let text = render(&lock);
        assert!(text.find("[runbooks.alpha]").unwrap() < text.find("[runbooks.zeta]").unwrap());
        let source = Source {
            path: LOCK_FILE.into(),
            text: text.clone(),
            sha256: String::new(),
        };
        assert_eq!(parse(&source).unwrap(), lock);
        assert_eq!(
            Lock::position_of(&text, "zeta").line,
            text.lines().position(|l| l == "[runbooks.zeta]").unwrap() + 1
        );
        let bad = Source {
            path: LOCK_FILE.into(),
            text: "[runbooks.x]\nversion = 1\n".into(),
            sha256: String::new(),
        };
        assert_eq!(parse(&bad).unwrap_err().0.line, 2);
    }
}
