//! Renders diagnostics for people (rustc-style), machines (JSON) and
//! GitHub Actions (workflow commands that annotate pull requests).

use std::fmt::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use clap::ValueEnum;

use crate::diag::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    Github,
}

/// Renders `diagnostics`; `source_of` gives a file's text for the human snippets.
pub fn render<'a>(
    diagnostics: &[Diagnostic],
    format: Format,
    color: bool,
    source_of: impl Fn(&str) -> Option<&'a str>,
) -> String {
    match format {
        Format::Human => human(diagnostics, color, source_of),
        Format::Json => {
            let mut json =
                serde_json::to_string_pretty(diagnostics).expect("diagnostics serialize");
            json.push('\n');
            json
        }
        Format::Github => diagnostics.iter().map(github).collect(),
    }
}

/// One line summing up a run: "2 errors, 1 warning".
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

fn human<'a>(
    diagnostics: &[Diagnostic],
    color: bool,
    source_of: impl Fn(&str) -> Option<&'a str>,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    // Each file is split into lines once: printing stays linear in the diagnostics.
    let mut lines: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for d in diagnostics {
        let file_lines = lines.entry(d.file.as_str()).or_insert_with(|| {
            source_of(&d.file).map_or_else(Vec::new, |text| text.lines().collect())
        });
        let line_text = file_lines
            .get(d.line.saturating_sub(1))
            .map(|line| printable(line));
        let level = match d.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let message = printable(&d.message);
        let file = printable(&d.file);
        let title = level.primary_title(message.as_str()).id(d.rule);
        let mut report = vec![match &line_text {
            Some(line) => {
                let span = highlight(line, d.column);
                title.element(
                    Snippet::source(line)
                        .line_start(d.line)
                        .path(file.as_str())
                        .annotation(AnnotationKind::Primary.span(span)),
                )
            }
            // No source line to show (unreadable file): name the place in the origin.
            None => title.element(annotate_snippets::Origin::path(format!(
                "{file}:{}",
                d.line
            ))),
        }];
        let help = d.help.as_deref().map(printable);
        if let Some(help) = &help {
            report.push(Group::with_title(
                Level::HELP.secondary_title(help.as_str()),
            ));
        }
        let _ = writeln!(out, "{}\n", renderer.render(&report));
    }
    out
}

/// Byte range to underline from the column: to the end of the table cell, of
/// the YAML key or list item, of the link, or of the line; the whole line when
/// there is no column.
fn highlight(line: &str, column: Option<usize>) -> std::ops::Range<usize> {
    let end = line.trim_end().len();
    let Some(column) = column else {
        let start = line.len() - line.trim_start().len();
        return start..end.max(start);
    };
    let start = line
        .char_indices()
        .nth(column - 1)
        .map_or(end, |(i, _)| i)
        .min(end);
    let rest = &line[start..end];
    let len = if line[..start].contains('|') {
        rest.find('|')
            .map_or(rest.len(), |i| rest[..i].trim_end().len())
    } else if let Some(close) = rest.starts_with('[').then(|| rest.find(')')).flatten() {
        close + 1 // a Markdown link, through its closing parenthesis
    } else {
        let stops = [": ", ",", "]", "}", " #"];
        let stop = stops.iter().filter_map(|s| rest.find(s)).min();
        stop.map_or(rest.len(), |i| rest[..i].trim_end().len())
    };
    start..start + len
}

/// `::error file=…,line=…,col=…,title=…::message`, escaped as GitHub requires.
fn github(d: &Diagnostic) -> String {
    let kind = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = format!("file={},line={}", escape_property(&d.file), d.line);
    if let Some(column) = d.column {
        let _ = write!(properties, ",col={column}");
    }
    let _ = write!(
        properties,
        ",title={}",
        escape_property(&format!("dossier {}", d.rule))
    );
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!("::{kind} {properties}::{}\n", escape_data(&message))
}

fn escape_data(text: &str) -> String {
    printable(
        &text
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
}

/// Text from a repository, safe to print: control characters (but tab and
/// line ends) become U+FFFD, so no file can drive a terminal or a log viewer.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Pos;

    #[test]
    fn github_commands_escape_their_data() {
        let d = Diagnostic::error(
            "broken-link",
            "runbooks/a,b.md",
            Pos::at(3, 7),
            "100% broken\nreally",
        )
        .with_help("fix: it");
        assert_eq!(
            github(&d),
            "::error file=runbooks/a%2Cb.md,line=3,col=7,title=dossier broken-link::100%25 broken%0Areally%0Ahelp: fix: it\n"
        );
    }

    #[test]
    fn highlights_the_word_or_cell() {
        assert_eq!(highlight("| m | > fast | r |", Some(7)), 6..12);
        assert_eq!(highlight("See [a](b.md) and", Some(5)), 4..13);
        assert_eq!(highlight("owner: x", Some(8)), 7..8);
        assert_eq!(highlight("ownr: x", Some(1)), 0..4);
        assert_eq!(highlight("controls: [A1.2, CC7.10]", Some(18)), 17..23);
        assert_eq!(
            highlight("    Concurrent tenants: 39 active orgs", Some(25)),
            24..38
        );
        assert_eq!(highlight("owner: x", None), 0..8);
        assert_eq!(highlight("  owner: x  ", None), 2..10);
        assert_eq!(highlight("", Some(1)), 0..0);
        assert_eq!(highlight("ab", Some(9)), 2..2);
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let d = Diagnostic::error(
            "x",
            "f\u{1b}]0;t\u{7}.md",
            Pos::at(1, 1),
            "bad \u{1b}[31m \u{9b}2J",
        )
        .with_help("see \u{1b}[2J\u{9b}1m");
        for source in [Some("a \u{1b}]0;title\u{7} b"), None] {
            let human = render(std::slice::from_ref(&d), Format::Human, false, |_| source);
            assert!(
                !human.chars().any(|c| c.is_control() && c != '\n'),
                "{human:?}"
            );
        }
        assert!(!github(&d).trim_end().chars().any(char::is_control));
    }

    #[test]
    fn summary_counts_both_severities() {
        let e = Diagnostic::error("x", "f", Pos::line(1), "m");
        let w = Diagnostic::warning("x", "f", Pos::line(1), "m");
        assert_eq!(summary(&[e.clone(), w]), "1 error, 1 warning");
        assert_eq!(summary(&[e.clone(), e]), "2 errors, 0 warnings");
    }
}
