//! Change control: revision history, the version lock and documented exceptions.

use std::fs;
use std::path::Path;

mod common;
use common::*;

/// Errors (rule, file, line, message) of a check.
fn errors(root: &Path) -> Vec<(String, String, u64, String)> {
    let out = dossier(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let d: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    d.iter()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const RUNBOOK: &str = "runbooks/capacity-planning.md";

#[test]
fn the_own_repository_passes_with_its_lock() {
    let repo = own_repository();
    assert_eq!(errors(repo.path()), []);
}

#[test]
fn a_change_without_a_version_bump_fails() {
    let repo = own_repository();
    edit(
        &repo.path().join(RUNBOOK),
        "Scale pod RAM/CPU up one tier",
        "Scale pod RAM/CPU up two tiers",
    );
    let errors = errors(repo.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "lock");
    assert_eq!(errors[0].1, RUNBOOK);
    assert!(
        errors[0]
            .3
            .contains("changed without a version bump (still 1.1)"),
        "{errors:?}"
    );
}

#[test]
fn a_review_without_changes_needs_no_bump() {
    let repo = own_repository();
    let runbook = repo.path().join(RUNBOOK);
    edit(
        &runbook,
        "last_reviewed: 2026-11-17",
        "last_reviewed: 2026-12-01",
    );
    edit(
        &runbook,
        "next_review: 2027-02-17",
        "next_review: 2027-03-01",
    );
    edit(
        &runbook,
        "---\n\n## Current capacity",
        "  - version: \"1.1\"\n    date: 2026-12-01\n    approved_by: Founder\n    change: reviewed, no changes\n---\n\n## Current capacity",
    );
    // Whitespace at line ends is no change either.
    edit(&runbook, "## Forecasting", "## Forecasting   ");
    assert_eq!(errors(repo.path()), []);
}

#[test]
fn a_bump_needs_the_lock_refreshed_and_lock_refreshes_it() {
    let repo = own_repository();
    let runbook = repo.path().join(RUNBOOK);
    edit(&runbook, "version: \"1.1\"", "version: \"1.2\"");
    edit(
        &runbook,
        "Scale pod RAM/CPU up one tier",
        "Scale pod RAM/CPU up two tiers",
    );
    edit(
        &runbook,
        "last_reviewed: 2026-11-17",
        "last_reviewed: 2026-12-01",
    );
    edit(
        &runbook,
        "---\n\n## Current capacity",
        "  - version: \"1.2\"\n    date: 2026-12-01\n    approved_by: Founder\n    change: CPU response scales two tiers.\n---\n\n## Current capacity",
    );
    let errors_before = errors(repo.path());
    assert_eq!(errors_before.len(), 1, "{errors_before:?}");
    assert!(
        errors_before[0].3.contains(
            "version bumped to 1.2, but dossier.lock still records 1.1: run `dossier lock`"
        )
    );

    let out = dossier(&["lock", "--root", repo.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lock = fs::read_to_string(repo.path().join("dossier.lock")).unwrap();
    assert!(lock.contains("[runbooks.capacity-planning]\nversion = \"1.2\"\n"));
    assert_eq!(errors(repo.path()), []);

    // `lock` refuses to record a version lower than the locked one.
    edit(&runbook, "version: \"1.2\"", "version: \"1.0\"");
    let out = dossier(&["lock", "--root", repo.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lower than the locked 1.2"));
    assert_eq!(
        fs::read_to_string(repo.path().join("dossier.lock")).unwrap(),
        lock,
        "nothing written"
    );
}

#[test]
fn the_lock_must_name_exactly_the_runbooks() {
    let repo = own_repository();
    fs::copy(
        repo.path().join(RUNBOOK),
        repo.path().join("runbooks/backup.md"),
    )
    .unwrap();
    let lock = repo.path().join("dossier.lock");
    let text = fs::read_to_string(&lock).unwrap();
    fs::write(
        &lock,
        format!("{text}\n[runbooks.retired]\nversion = \"2.0\"\nsubstance = \"00\"\n"),
    )
    .unwrap();
    let errors = errors(repo.path());
    let messages: Vec<&str> = errors.iter().map(|e| e.3.as_str()).collect();
    assert!(
        messages.contains(&"`backup` is not in dossier.lock"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"dossier.lock names `retired`, which is not a runbook any more"),
        "{messages:?}"
    );
    let retired = errors.iter().find(|e| e.3.contains("retired")).unwrap();
    assert_eq!(
        (retired.1.as_str(), retired.2),
        ("dossier.lock", text.lines().count() as u64 + 2)
    );
}

#[test]
fn without_a_lock_nothing_is_locked() {
    let repo = own_repository();
    fs::remove_file(repo.path().join("dossier.lock")).unwrap();
    edit(
        &repo.path().join(RUNBOOK),
        "Scale pod RAM/CPU up one tier",
        "Scale pod RAM/CPU up two tiers",
    );
    assert_eq!(errors(repo.path()), []);
}

#[test]
fn history_rules() {
    let repo = own_repository();
    fs::remove_file(repo.path().join("dossier.lock")).unwrap();
    let runbook = repo.path().join(RUNBOOK);
    // Out of order: the 1.1 entry first, dated before 1.0, and no approver.
    edit(
        &runbook,
        "  - version: \"1.0\"\n    date: 2026-02-18\n    approved_by: Founder",
        "  - version: \"1.2\"\n    date: 2026-12-18\n    approved_by: \"\"",
    );
    let errors = errors(repo.path());
    let messages: Vec<&str> = errors.iter().map(|e| e.3.as_str()).collect();
    assert!(
        messages.contains(&"revision 1.2 names no approver"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"version 1.1 comes after 1.2: versions never go down"),
        "{messages:?}"
    );
    assert!(
        messages.contains(
            &"revision dated 2026-11-17 comes after one dated 2026-12-18: dates never go back"
        ),
        "{messages:?}"
    );
    assert!(errors.iter().all(|e| e.0 == "history"));

    // The last entry must be the runbook as it stands.
    let repo = own_repository();
    fs::remove_file(repo.path().join("dossier.lock")).unwrap();
    edit(
        &repo.path().join(RUNBOOK),
        "version: \"1.1\"\nowner",
        "version: \"1.2\"\nowner",
    );
    let errors = self::errors(repo.path());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].3,
        "the last revision is 1.1, but the runbook's `version` is 1.2"
    );
}

fn write_exception(root: &Path, name: &str, front_matter: &str) {
    let dir = root.join("evidence/exceptions");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join(name),
        format!("---\n{front_matter}owner: Founder\nresponse: Documented.\n---\nWhy.\n"),
    )
    .unwrap();
}

#[test]
fn a_documented_missing_report_is_an_exception_not_an_error() {
    let repo = own_repository();
    fs::remove_file(repo.path().join("evidence/capacity_reports/2026-10-06.md")).unwrap();
    let missing = errors(repo.path());
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0]
            .3
            .starts_with("headroom report missing for 2026-10"),
        "{missing:?}"
    );

    write_exception(
        repo.path(),
        "2026-10.md",
        "runbook: capacity-planning\nkind: missing-report\nperiod: 2026-10\n",
    );
    assert_eq!(
        errors(repo.path()),
        [],
        "the documented exception lets the build pass"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let build = dossier(&[
        "build",
        "--root",
        repo.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let page = fs::read_to_string(out.join("runbooks/capacity-planning/index.html")).unwrap();
    assert!(
        page.contains("excused"),
        "the evidence page lists the exception"
    );
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("evidence.json")).unwrap()).unwrap();
    let exceptions = json["exceptions"].as_array().unwrap();
    assert!(
        exceptions
            .iter()
            .any(|e| e["kind"] == "missing-report" && e["period"] == "2026-10"),
        "{exceptions:?}"
    );
}

#[test]
fn an_exception_that_matches_nothing_is_an_error() {
    let repo = own_repository();
    write_exception(
        repo.path(),
        "a.md",
        "runbook: capacity-planning\nkind: missing-report\nperiod: 2026-09\n",
    );
    write_exception(
        repo.path(),
        "b.md",
        "runbook: capacity-planning\nkind: tripped-trigger\nmetric: Storage used\ndate: 2026-12-01\n",
    );
    write_exception(
        repo.path(),
        "c.md",
        "runbook: capacity-planning\nkind: late-review\ndate: 2026-11-18\n",
    );
    write_exception(
        repo.path(),
        "d.md",
        "runbook: nope\nkind: late-review\ndate: 2026-11-17\n",
    );
    let errors = errors(repo.path());
    let messages: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.1.as_str(), e.3.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "evidence/exceptions/a.md",
                "exception matches nothing: the report for 2026-09 exists: nothing to excuse"
            ),
            (
                "evidence/exceptions/b.md",
                "exception matches nothing: `Storage used` did not trip in the report of 2026-12-01"
            ),
            (
                "evidence/exceptions/c.md",
                "exception matches nothing: `capacity-planning` records no review on 2026-11-18"
            ),
            ("evidence/exceptions/d.md", "unknown runbook `nope`"),
        ]
    );
}

#[test]
fn an_undocumented_trip_is_a_warning() {
    let repo = own_repository();
    fs::remove_file(
        repo.path()
            .join("evidence/exceptions/2026-07-error-rate.md"),
    )
    .unwrap();
    let out = dossier(&[
        "check",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let d: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        d.iter()
            .any(|d| d["rule"] == "tripped"
                && d["file"] == "evidence/capacity_reports/2026-07-07.md")
    );
}
