//! `dossier new`: starts a runbook or a headroom report from a template whose
//! placeholders are the word `TODO`, which `check` refuses to publish.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use chrono::{Months, NaiveDate};

use crate::diag::nearest;
use crate::model::markdown::TriggerRow;
use crate::model::runbook::Runbook;
use crate::project::Project;
use crate::sources::RUNBOOKS_DIR;

/// The placeholder word.
pub const PLACEHOLDER: &str = "TODO";

/// Why nothing was written (exit 2).
#[derive(Debug)]
pub struct Refused(pub String);

/// Writes `runbooks/ID.md`; returns its path.
pub fn new_runbook(root: &Path, id: &str, today: NaiveDate) -> Result<PathBuf, Refused> {
    let valid = !id.is_empty()
        && !id.starts_with(['.', '-'])
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if !valid {
        return Err(Refused(format!(
            "`{id}` is not a usable runbook id: use letters, digits, `-`, `_` and `.`, e.g. backup-and-restore"
        )));
    }
    let next_review = today.checked_add_months(Months::new(3)).unwrap_or(today);
    let text = format!(
        r#"---
title: {PLACEHOLDER}
summary: {PLACEHOLDER}
version: "1.0"
owner: {PLACEHOLDER}
last_reviewed: {today}
next_review: {next_review}
approved: {today}
controls: [{PLACEHOLDER}]  # TSC 2017 criteria, e.g. [A1.2, CC7.1]
history:
  - version: "1.0"
    date: {today}
    approved_by: {PLACEHOLDER}
    change: First version.
# Uncomment when this runbook needs periodic headroom reports:
# headroom:
#   reports: evidence/{id}
#   cadence: monthly  # weekly | monthly | monthly-first-tuesday | quarterly
#   since: {today}
#   grace_days: 7
#   margin: 25%
---

## Purpose

{PLACEHOLDER}: what this runbook covers and why.

## Current state

{PLACEHOLDER}: the systems involved and their current size.

## Triggers

Each trigger is a measurable threshold and a documented response.
{PLACEHOLDER}: add one row per metric, e.g. `| p95 request latency | > 800ms for 24h | Add a horizontal replica |`.

| Metric | Trigger | Response |
|---|---|---|

## Procedure

{PLACEHOLDER}: the steps, who takes them, and how success is verified.

## Sign-off

{PLACEHOLDER}: who approved this version, and when it is reviewed next.
"#
    );
    write_new(&root.join(RUNBOOKS_DIR).join(format!("{id}.md")), &text)
}

/// Writes `<reports>/<date>.md` for a runbook with a headroom section,
/// pre-filled with every metric of its trigger tables; returns its path.
pub fn new_report(
    project: &Project,
    root: &Path,
    id: &str,
    date: NaiveDate,
) -> Result<PathBuf, Refused> {
    let (runbook, path) = report_target(project, root, id, date)?;
    write_new(&path, &report_text(runbook, date))
}

/// The runbook a report is for, and the path of its report for `date`.
pub fn report_target<'p>(
    project: &'p Project,
    root: &Path,
    id: &str,
    date: NaiveDate,
) -> Result<(&'p Runbook, PathBuf), Refused> {
    let runbook = project.runbook(id).ok_or_else(|| {
        let ids = project.runbooks.iter().map(|rb| rb.id.as_str());
        let hint = nearest(id, ids)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        Refused(format!("no runbook `{id}` in {RUNBOOKS_DIR}/{hint}"))
    })?;
    let meta = runbook.meta.as_ref().ok_or_else(|| {
        Refused(format!(
            "{} has front-matter problems; run `dossier check` first",
            runbook.source.path
        ))
    })?;
    let headroom = meta.headroom.as_ref().ok_or_else(|| {
        Refused(format!(
            "runbook `{id}` has no `headroom` section, so it takes no headroom reports"
        ))
    })?;
    let folder = crate::sources::normalize(&headroom.reports.value)
        .filter(|_| crate::project::is_report_folder(&headroom.reports.value))
        .ok_or_else(|| {
            Refused(format!(
                "`headroom.reports` of `{id}` is not a folder under evidence/"
            ))
        })?;
    Ok((runbook, root.join(folder).join(format!("{date}.md"))))
}

/// The report template: every metric, grouped, value `TODO`, its trigger beside it.
pub fn report_text(runbook: &Runbook, date: NaiveDate) -> String {
    filled_report(runbook, date, &[], |_, row| {
        (
            PLACEHOLDER.to_owned(),
            format!("trigger: {}", row.trigger_cell.text),
        )
    })
}

/// A report of every metric, grouped; `fill` gives each metric's value and
/// the comment written beside it; `notes` are comment lines at the top.
pub fn filled_report(
    runbook: &Runbook,
    date: NaiveDate,
    notes: &[String],
    mut fill: impl FnMut(&str, &TriggerRow) -> (String, String),
) -> String {
    let mut text = String::from("---\n");
    for note in notes {
        let _ = writeln!(text, "# {}", one_line(note));
    }
    let _ = write!(
        text,
        "runbook: {}\ndate: {date}\nauthor: {PLACEHOLDER}\nobservations:\n",
        runbook.id
    );
    let mut groups: Vec<&str> = Vec::new();
    for table in &runbook.body.tables {
        let group = runbook.group_name(table);
        if !groups.contains(&group) {
            groups.push(group);
            let _ = writeln!(text, "  {}:", yaml_key(group));
        }
        for row in &table.rows {
            let (value, comment) = fill(group, row);
            let _ = writeln!(
                text,
                "    {}: {value}  # {}",
                yaml_key(&row.metric.text),
                one_line(&comment)
            );
        }
    }
    let _ = write!(
        text,
        "---\n{PLACEHOLDER}: notes: what moved since the last report, what to watch, and the actions taken.\n"
    );
    text
}

/// Comments end at the line's end: a value must not start a YAML line of its own.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// A mapping key as YAML reads it back exactly: plain when safe, else double-quoted.
fn yaml_key(key: &str) -> String {
    let plain = key
        .chars()
        .all(|c| c.is_alphanumeric() || " -_/().".contains(c))
        && key.starts_with(|c: char| c.is_alphanumeric())
        && !key.ends_with(' ');
    if plain {
        key.to_owned()
    } else {
        serde_json::to_string(key).expect("strings serialize")
    }
}

/// Creates a file that must not exist yet.
pub fn write_new(path: &Path, text: &str) -> Result<PathBuf, Refused> {
    let refuse = |e: io::Error| Refused(format!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(refuse)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                Refused(format!(
                    "{} already exists; dossier new never overwrites",
                    path.display()
                ))
            } else {
                refuse(e)
            }
        })?;
    file.write_all(text.as_bytes()).map_err(refuse)?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keys_round_trip() {
        assert_eq!(yaml_key("p95 request latency"), "p95 request latency");
        assert_eq!(yaml_key("APScheduler / cron"), "APScheduler / cron");
        assert_eq!(yaml_key("rate: # of jobs"), "\"rate: # of jobs\"");
        assert_eq!(yaml_key("'quoted'"), "\"'quoted'\"");
    }
}
