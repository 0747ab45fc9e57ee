//! A `TODO` left in a runbook or report is an error, so a half-written file
//! made by `dossier new` can never be published.

use rayon::prelude::*;

use super::Context;
use crate::diag::{Diagnostic, Pos};
use crate::scaffold::PLACEHOLDER;
use crate::sources::Source;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let runbooks = cx.project.runbooks.par_iter().map(|rb| &rb.source);
    let reports = cx.project.reports.par_iter().map(|r| &r.source);
    runbooks
        .chain(reports)
        // Most files have none: one fast search of the whole text rules them out.
        .filter(|source| source.text.contains(PLACEHOLDER))
        .flat_map_iter(placeholders)
        .collect()
}

/// The placeholders left in one file.
fn placeholders(source: &Source) -> Vec<Diagnostic> {
    source
        .text
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let column = placeholder_column(line)?;
            Some(
                Diagnostic::error(
                    "placeholder",
                    &source.path,
                    Pos::at(index + 1, column),
                    format!("placeholder `{PLACEHOLDER}` left in the file"),
                )
                .with_help("replace it with the real content before publishing"),
            )
        })
        .collect()
}

/// The 1-based character column of the first whole word `TODO` on a line.
fn placeholder_column(line: &str) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    line.match_indices(PLACEHOLDER)
        .find(|&(i, _)| {
            let before = line[..i].chars().next_back();
            let after = line[i + PLACEHOLDER.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        })
        .map(|(i, _)| line[..i].chars().count() + 1)
}

/// Whether a value is just the placeholder, which other rules then leave to this one.
pub fn is_placeholder(text: &str) -> bool {
    text.trim() == PLACEHOLDER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_words_only() {
        assert_eq!(placeholder_column("title: TODO"), Some(8));
        assert_eq!(placeholder_column("TODO: notes"), Some(1));
        assert_eq!(placeholder_column("≥ TODO"), Some(3));
        assert_eq!(placeholder_column("TODOS and MASTODON and todo"), None);
        assert_eq!(placeholder_column("x_TODO"), None);
    }
}
