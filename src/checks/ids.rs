//! A runbook's id (its file stem) names its page, so it must be a name a page
//! can have: `runbooks/..md` (id `.`) and `runbooks/...md` (id `..`) are
//! refused here, where the author can rename them, not when the site is
//! written.

use super::Context;
use crate::diag::{Diagnostic, Pos};
use crate::model::runbook::{Runbook, id_unfit_for_page};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    cx.project
        .runbooks
        .iter()
        .filter_map(|rb| {
            let reason = id_unfit_for_page(&rb.id)?;
            Some(
                Diagnostic::error(
                    "runbook-id",
                    &rb.source.path,
                    Pos::line(1),
                    format!(
                        "runbook id `{}` cannot be a page: the id (the file name without `.md`) becomes a URL path segment, runbooks/{}/index.html, and {reason}",
                        rb.id, rb.id
                    ),
                )
                .with_help(rename_help(cx, rb)),
            )
        })
        .collect()
}

/// Suggests a file name after the runbook's title, when it has one that no
/// other runbook uses.
fn rename_help(cx: &Context, rb: &Runbook) -> String {
    let title = rb.meta.as_ref().map_or("", |m| m.title.as_str());
    let slug = slug(title);
    if slug.is_empty() || id_unfit_for_page(&slug).is_some() || cx.project.runbook(&slug).is_some()
    {
        "rename the file to a name of its own, e.g. runbooks/backup-and-restore.md".to_owned()
    } else {
        format!("rename the file, e.g. to runbooks/{slug}.md after its title")
    }
}

/// `Capacity Planning Runbook` -> `capacity-planning-runbook`.
fn slug(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::project::Project;

    const RUNBOOK: &str = "---\ntitle: Backup & Restore Runbook\nversion: \"1.0\"\nowner: Founder\nlast_reviewed: 2026-11-02\nnext_review: 2027-05-01\ncontrols: [A1.2]\n---\nBody\n";

    fn diagnostics(files: &[(&str, &str)]) -> Vec<Diagnostic> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("runbooks")).unwrap();
        for (path, text) in files {
            std::fs::write(dir.path().join(path), text).unwrap();
        }
        let project = Project::load(dir.path()).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        check(&Context::new(&project, today))
    }

    #[test]
    fn dot_segment_ids_are_errors_at_line_1_suggesting_a_rename() {
        let found = diagnostics(&[
            ("runbooks/..md", RUNBOOK),
            ("runbooks/...md", "no front matter"),
            ("runbooks/....md", RUNBOOK),
            ("runbooks/.hidden.md", RUNBOOK),
        ]);
        let mut found: Vec<_> = found
            .iter()
            .map(|d| (d.rule, d.file.as_str(), d.line, d.column, d.help.as_deref()))
            .collect();
        found.sort();
        assert_eq!(
            found,
            [
                (
                    "runbook-id",
                    "runbooks/...md",
                    1,
                    None,
                    Some(
                        "rename the file to a name of its own, e.g. runbooks/backup-and-restore.md"
                    )
                ),
                (
                    "runbook-id",
                    "runbooks/..md",
                    1,
                    None,
                    Some(
                        "rename the file, e.g. to runbooks/backup-restore-runbook.md after its title"
                    )
                ),
            ]
        );
    }

    #[test]
    fn the_message_says_why() {
        let found = diagnostics(&[("runbooks/...md", RUNBOOK)]);
        assert_eq!(
            found[0].message,
            "runbook id `..` cannot be a page: the id (the file name without `.md`) becomes a URL path segment, runbooks/../index.html, and `..` there means the folder above runbooks/, not a page"
        );
    }

    #[test]
    fn no_rename_to_a_taken_or_unfit_name_is_suggested() {
        assert_eq!(slug("Backup & Restore  Runbook"), "backup-restore-runbook");
        assert_eq!(slug("Plan für Ärzte"), "plan-für-ärzte");
        assert_eq!(slug("…"), "");
        let taken = RUNBOOK.replace("Backup & Restore Runbook", "Backup");
        let found = diagnostics(&[("runbooks/..md", &taken), ("runbooks/backup.md", &taken)]);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("a name of its own"),
            "{found:#?}"
        );
    }
}
