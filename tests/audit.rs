//! The audit window grid for every cadence across a year boundary, and the
//! as-of view.

use std::fs;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};

mod common;
use common::*;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A repository with one runbook per cadence, each reported on the first day
/// of every period since 2026-11-01 except the gaps given, which are excused.
fn repository(today: NaiveDate) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("dossier.yaml"),
        "audit:\n  from: 2026-11-15\n  to: 2027-02-15\n",
    )
    .unwrap();
    for cadence in ["weekly", "monthly", "monthly-first-tuesday", "quarterly"] {
        fs::create_dir_all(root.join("runbooks")).unwrap();
        fs::write(
            root.join(format!("runbooks/{cadence}.md")),
            format!(
                "---\ntitle: {cadence} runbook\nversion: \"1.1\"\nowner: Ops\nlast_reviewed: 2026-12-20\nnext_review: 2027-06-01\ncontrols: [A1.1]\nhistory:\n  - version: \"1.0\"\n    date: 2026-10-20\n    approved_by: Ops\n    change: First version.\n  - version: \"1.1\"\n    date: 2026-12-20\n    approved_by: Ops\n    change: Reviewed.\nheadroom:\n  reports: evidence/{cadence}\n  cadence: {cadence}\n  since: 2026-11-02\n---\n| Metric | Trigger | Response |\n|---|---|---|\n| Load | > 80% | Scale |\n"
            ),
        )
        .unwrap();
        fs::create_dir_all(root.join(format!("evidence/{cadence}"))).unwrap();
    }
    let mut date = d("2026-11-02");
    while date <= today {
        let report = |cadence: &str, date: NaiveDate| {
            fs::write(
                root.join(format!("evidence/{cadence}/{date}.md")),
                format!("---\nrunbook: {cadence}\ndate: {date}\nauthor: Ops\nobservations:\n  {cadence} runbook:\n    Load: 40%\n---\n"),
            )
            .unwrap();
        };
        if date.weekday() == chrono::Weekday::Wed {
            report("weekly", date);
        }
        if date.day() == 3 {
            report("monthly", date);
            report("monthly-first-tuesday", date + Days::new(7));
        }
        if date.day() == 5 && [1, 4, 7, 10].contains(&date.month()) || date == d("2026-11-05") {
            report("quarterly", date);
        }
        date = date + Days::new(1);
    }
    dir
}

fn audit_page(
    root: &Path,
    today: &str,
    extra: &[&str],
) -> (String, serde_json::Value, tempfile::TempDir) {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("site");
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        today,
    ];
    args.extend_from_slice(extra);
    let build = dossier(&args);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let page = fs::read_to_string(out.join("audit/index.html")).unwrap();
    let json =
        serde_json::from_str(&fs::read_to_string(out.join("evidence.json")).unwrap()).unwrap();
    (page, json, out_dir)
}

fn periods(json: &serde_json::Value, runbook: &str, what_prefix: &str) -> Vec<(String, String)> {
    json["audit"]["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["runbook"] == runbook && o["what"].as_str().unwrap().starts_with(what_prefix))
        .unwrap()["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["period"].as_str().unwrap().to_owned(),
                c["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_grid_covers_every_period_of_the_window_for_each_cadence() {
    let repo = repository(d("2027-02-20"));
    let (page, json, _out) = audit_page(repo.path(), "2027-02-20", &[]);
    assert!(page.contains("2026-11-15") && page.contains("2027-02-15"));
    assert_eq!(json["audit"]["configured"], true);

    let names = |runbook| {
        periods(&json, runbook, "Headroom")
            .into_iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>()
    };
    let weekly = names("weekly");
    assert_eq!(
        weekly.first().unwrap(),
        "2026-W46",
        "the week containing 2026-11-15"
    );
    assert!(
        weekly.contains(&"2026-W53".to_owned()),
        "ISO 2026 has 53 weeks"
    );
    assert!(weekly.contains(&"2027-W01".to_owned()));
    assert_eq!(
        weekly.last().unwrap(),
        "2027-W07",
        "the week containing 2027-02-15, a Monday"
    );
    assert_eq!(
        names("monthly"),
        ["2026-11", "2026-12", "2027-01", "2027-02"]
    );
    assert_eq!(
        names("monthly-first-tuesday"),
        ["2026-11", "2026-12", "2027-01", "2027-02"]
    );
    assert_eq!(names("quarterly"), ["2026-Q4", "2027-Q1"]);
    for runbook in ["weekly", "monthly", "monthly-first-tuesday", "quarterly"] {
        assert!(
            periods(&json, runbook, "Headroom")
                .iter()
                .all(|(_, s)| s == "covered"),
            "{runbook}"
        );
    }
    let reviews = periods(&json, "monthly", "Reviews");
    assert_eq!(
        reviews.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        ["2026-11", "2026-12", "2027-01", "2027-02"]
    );
    assert_eq!(reviews[1].1, "reviewed", "the 1.1 review of 2026-12-20");
    assert_eq!(json["audit"]["gaps"], 0);
}

#[test]
fn a_gap_with_an_exception_is_excused() {
    let repo = repository(d("2027-02-20"));
    fs::remove_file(repo.path().join("evidence/monthly/2027-01-03.md")).unwrap();
    let check = dossier(&[
        "check",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        "2027-02-20",
    ]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "an undocumented gap fails the build"
    );
    fs::create_dir_all(repo.path().join("evidence/exceptions")).unwrap();
    fs::write(
        repo.path().join("evidence/exceptions/monthly-2027-01.md"),
        "---\nrunbook: monthly\nkind: missing-report\nperiod: 2027-01\nowner: Ops\nresponse: Holiday; the February report covers January.\nresolved: 2027-02-03\n---\n",
    )
    .unwrap();
    let (page, json, _out) = audit_page(repo.path(), "2027-02-20", &[]);
    let cells = periods(&json, "monthly", "Headroom");
    assert_eq!(cells[2], ("2027-01".to_owned(), "excused".to_owned()));
    assert!(
        page.contains("Holiday; the February report covers January."),
        "the exceptions register"
    );
}

#[test]
fn as_of_shows_the_evidence_as_it_stood() {
    let repo = repository(d("2027-02-20"));
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("site");
    let build = dossier(&[
        "build",
        "--root",
        repo.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2027-02-20",
        "--as-of",
        "2026-12-10",
    ]);
    assert!(
        build.status.success(),
        "later reports are left out, not errors: {}",
        String::from_utf8_lossy(&build.stderr)
    );
    assert!(
        !out.join("evidence/monthly/2027-01-03").exists(),
        "reports after the date are left out"
    );
    assert!(out.join("evidence/monthly/2026-12-03/index.html").exists());
    let page = fs::read_to_string(out.join("runbooks/monthly/index.html")).unwrap();
    assert!(
        page.contains("<dt>Version</dt><dd>1.0</dd>"),
        "the version then in force"
    );
    assert!(page.contains("As of <time datetime=\"2026-12-10\">2026-12-10</time>"));
    assert!(page.contains("The runbook text shown is today's"));
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("evidence.json")).unwrap()).unwrap();
    assert_eq!(json["today"], "2026-12-10");
    assert_eq!(json["runbooks"][0]["history"].as_array().unwrap().len(), 1);

    // Before the first approval, the runbook did not exist yet.
    let build = dossier(&[
        "build",
        "--root",
        repo.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2027-02-20",
        "--as-of",
        "2026-10-01",
    ]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    assert!(!out.join("runbooks/monthly").exists());
}
