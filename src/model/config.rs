//! `dossier.yaml`: optional site settings (SPEC §1).

use chrono_tz::Tz;
use serde::Deserialize;
use serde_saphyr::Spanned;

use super::frontmatter::{self, Entries, Problem, Schema, Shape, Split};
use super::runbook::Fields;
use crate::sources::Source;

/// Every key, the shape of its value, and which are required.
const SCHEMA: Schema = Schema {
    what: "dossier.yaml",
    fields: &[
        ("organization", Shape::Scalar),
        ("title", Shape::Scalar),
        ("base_url", Shape::Scalar),
        ("timezone", Shape::Scalar),
        ("audit", Shape::Map),
    ],
    required: &[],
};
const AUDIT_KEYS: [&str; 2] = ["from", "to"];

/// The audit window: the period an auditor samples evidence from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AuditWindow {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub organization: Option<String>,
    pub title: Option<String>,
    /// Absolute URL of the published site, without a trailing slash.
    pub base_url: Option<String>,
    pub timezone: Tz,
    pub audit: Option<AuditWindow>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            organization: None,
            title: None,
            base_url: None,
            timezone: Tz::UTC,
            audit: None,
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    organization: Option<Spanned<String>>,
    title: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    audit: Option<Spanned<Entries<Spanned<String>>>>,
}

/// Reads `dossier.yaml`; on problems, the defaults stand and the problems are returned.
pub fn parse(source: &Source) -> (Config, Vec<Problem>) {
    let split = Split {
        yaml: &source.text,
        yaml_line: 1,
        body: "",
        body_line: 1,
        body_offset: source.text.len(),
    };
    if source.text.trim().is_empty() {
        return (Config::default(), Vec::new());
    }
    let (raw, problems) = frontmatter::read::<Raw>(&split, &SCHEMA);
    let mut fields = Fields::new(&split);
    fields.problems = problems;
    let Some(raw) = raw else {
        return (Config::default(), fields.problems);
    };
    let organization = fields.text(raw.organization, "organization");
    let title = fields.text(raw.title, "title");
    let base_url = raw.base_url.and_then(|url| {
        let pos = fields.pos(&url);
        let text = url.value.trim().trim_end_matches('/');
        let absolute = text.starts_with("https://") || text.starts_with("http://");
        // Spaces and control characters cannot be in a URL; calendar.ics and
        // evidence.json copy it as it is.
        let plain = !text.chars().any(|c| c.is_whitespace() || c.is_control());
        if absolute && plain {
            Some(text.to_owned())
        } else {
            fields.problems.push(
                Problem::new(
                    pos,
                    format!(
                        "`base_url` must be an absolute http(s) URL without spaces, not `{}`",
                        text.escape_debug()
                    ),
                )
                .help("e.g. https://evidence.example.com"),
            );
            None
        }
    });
    let timezone = raw.timezone.and_then(|tz| {
        let pos = fields.pos(&tz);
        let name = tz.value.trim();
        match name.parse::<Tz>() {
            Ok(zone) => Some(zone),
            Err(_) => {
                fields.problems.push(
                    Problem::new(pos, format!("unknown time zone `{name}`"))
                        .help("use an IANA name such as Europe/Paris or America/New_York"),
                );
                None
            }
        }
    });
    let audit = raw.audit.and_then(|window| {
        let pos = fields.pos(&window);
        let before = fields.problems.len();
        fields.problems.extend(frontmatter::check_keys(
            &split,
            &window.value,
            &AUDIT_KEYS,
            &AUDIT_KEYS,
            pos,
            "`audit`",
        ));
        let mut dates = window
            .value
            .0
            .into_iter()
            .filter_map(|(key, value)| Some((key.value, fields.date(Some(value))?)));
        let (mut from, mut to) = (None, None);
        for (key, date) in dates.by_ref() {
            match key.as_str() {
                "from" => from = Some(date),
                "to" => to = Some(date),
                _ => {}
            }
        }
        let (from, to) = (from?, to?);
        if to.value < from.value {
            fields.problems.push(Problem::new(
                to.pos,
                format!(
                    "the audit window ends ({}) before it starts ({})",
                    to.value, from.value
                ),
            ));
        }
        (fields.problems.len() == before).then_some(AuditWindow {
            from: from.value,
            to: to.value,
        })
    });
    let config = Config {
        organization,
        title,
        base_url,
        timezone: timezone.unwrap_or(Tz::UTC),
        audit,
    };
    (config, fields.problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> (Config, Vec<Problem>) {
        parse(&Source {
            path: "dossier.yaml".into(),
            text: text.into(),
            sha256: String::new(),
        })
    }

    #[test]
    fn reads_every_key() {
        let (c, problems) = config(
            "organization: Acme\ntitle: Evidence\nbase_url: https://e.example.com/\ntimezone: Europe/Paris\n",
        );
        assert!(problems.is_empty());
        assert_eq!(c.organization.as_deref(), Some("Acme"));
        assert_eq!(c.base_url.as_deref(), Some("https://e.example.com"));
        assert_eq!(c.timezone, chrono_tz::Europe::Paris);
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let (c, problems) =
            config("organisation: Acme\ntimezone: Mars/Base\nbase_url: example.com\n");
        assert_eq!(c.timezone, Tz::UTC);
        let mut lines: Vec<usize> = problems.iter().map(|p| p.pos.line).collect();
        lines.sort();
        assert_eq!(lines, [1, 2, 3]);
        assert_eq!(
            problems[0].help.as_deref(),
            Some("did you mean `organization`?")
        );
    }

    #[test]
    fn base_urls_with_spaces_or_line_breaks_are_refused() {
        for url in [
            "\"https://e.example.com/a b\"",
            "\"https://e.example.com\\r\\nX-FORGED: 1\"",
        ] {
            let (c, problems) = config(&format!("base_url: {url}\n"));
            assert_eq!(c.base_url, None, "{url}");
            assert_eq!(problems.len(), 1, "{url}");
            assert!(problems[0].message.contains("without spaces"), "{url}");
        }
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(config("").0, Config::default());
    }
}
