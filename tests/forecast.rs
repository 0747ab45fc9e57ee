//! Forecasts: the projection on the evidence page's charts, in `status`,
//! `evidence.json` and report pages, and the rule that warns when a metric is
//! projected to trip before the next review.

use std::fs;
use std::path::Path;

mod common;
use common::*;

/// The project's own evidence with its next review moved to `next_review`.
fn own_repository_reviewed_next(next_review: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("runbooks"), &dir.path().join("runbooks"));
    copy_dir(&root.join("evidence"), &dir.path().join("evidence"));
    let runbook = dir.path().join("runbooks/capacity-planning.md");
    let text = fs::read_to_string(&runbook).unwrap().replace(
        "next_review: 2027-02-17",
        &format!("next_review: {next_review}"),
    );
    fs::write(runbook, text).unwrap();
    dir
}

#[test]
fn a_trip_projected_before_the_next_review_is_a_warning() {
    let repo = own_repository_reviewed_next("2027-06-01");
    let out = dossier(&[
        "check",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "a warning, not an error");
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let forecasts: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d["rule"] == "forecast")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        forecasts,
        [
            "`Concurrent tenants` projected to trip around 2027-03-28, before the next review on 2027-06-01",
            "`Job count` projected to trip around 2027-05-13, before the next review on 2027-06-01",
        ]
    );
    let on_row = diagnostics
        .iter()
        .find(|d| d["rule"] == "forecast")
        .unwrap();
    assert_eq!(on_row["file"], "runbooks/capacity-planning.md");
    let out = dossier(&[
        "check",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        TODAY,
        "--deny-warnings",
    ]);
    assert_eq!(out.status.code(), Some(1));

    // With the review before the projected trips, nothing to warn about.
    let out = dossier(&[
        "check",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(diagnostics.iter().all(|d| d["rule"] != "forecast"));
}

#[test]
fn the_site_and_status_carry_the_forecasts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let build = dossier(&[
        "build",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
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
        page.contains("Trend: projected to trip around 2027-06-22."),
        "storage"
    );
    assert!(
        page.contains("Trend: no trip projected within 12 months."),
        "error rate"
    );
    assert!(
        page.contains("<line class=\"projection\""),
        "the dashed projection on the chart"
    );

    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("evidence.json")).unwrap()).unwrap();
    let storage = json["runbooks"][0]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "Storage used")
        .unwrap();
    assert_eq!(storage["forecast"]["projection"]["outcome"], "trips");
    assert_eq!(storage["forecast"]["projection"]["date"], "2027-06-22");
    assert_eq!(storage["forecast"]["points"], 10);

    let report =
        fs::read_to_string(out.join("evidence/capacity_reports/2026-12-01/index.html")).unwrap();
    assert!(report.contains("Trend as of this report"));
    assert!(report.contains("projected to trip around 2027-06-22"));
    let march =
        fs::read_to_string(out.join("evidence/capacity_reports/2026-03-03/index.html")).unwrap();
    assert!(
        !march.contains("projected to trip"),
        "one observation is too few to project"
    );

    let status = dossier(&[
        "status",
        "--root",
        env!("CARGO_MANIFEST_DIR"),
        "--today",
        TODAY,
        "--days",
        "365",
        "--format",
        "json",
    ]);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&status.stdout).unwrap();
    let projected: Vec<&str> = items
        .iter()
        .filter(|i| i["kind"] == "forecast")
        .map(|i| i["due"].as_str().unwrap())
        .collect();
    assert!(projected.contains(&"2027-06-22"), "{projected:?}");
}
