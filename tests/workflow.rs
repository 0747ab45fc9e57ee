//! The founder's workflow: `new`, `status`, `serve`, `completions` and the
//! published `calendar.ics`.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::*;

fn check_json(root: &Path) -> (i32, Vec<serde_json::Value>) {
    let out = dossier(&[
        "check",
        "--root",
        root.to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let diagnostics: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("json diagnostics");
    (
        out.status.code().unwrap(),
        diagnostics.as_array().unwrap().clone(),
    )
}

#[test]
fn new_runbook_is_refused_by_check_until_its_placeholders_are_filled() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    let out = dossier(&[
        "new",
        "runbook",
        "backup-and-restore",
        "--root",
        root,
        "--today",
        TODAY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = dir.path().join("runbooks/backup-and-restore.md");
    let written = fs::read_to_string(&path).unwrap();
    assert!(written.contains("last_reviewed: 2026-12-04"));
    assert!(
        written.contains("next_review: 2027-03-04"),
        "three months on"
    );
    assert!(
        written.contains("| Metric | Trigger | Response |"),
        "an empty trigger table"
    );

    let (code, diagnostics) = check_json(dir.path());
    assert_eq!(code, 1);
    let placeholders: Vec<u64> = diagnostics
        .iter()
        .filter(|d| d["rule"] == "placeholder")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert!(
        placeholders.contains(&2) && placeholders.contains(&5),
        "title and owner: {placeholders:?}"
    );
    assert!(
        diagnostics.iter().all(|d| d["rule"] == "placeholder"),
        "only the placeholders stand between this file and publishing: {diagnostics:#?}"
    );

    // The founder fills every placeholder.
    let filled = written
        .replace("title: TODO", "title: Backup and Restore")
        .replace(
            "summary: TODO",
            "summary: Nightly backups, tested restores.",
        )
        .replace("owner: TODO", "owner: Founder")
        .replace("approved_by: TODO", "approved_by: Founder")
        .replace("controls: [TODO]", "controls: [A1.2, A1.3]")
        .replace("TODO: add one row per metric", "One row per metric")
        .replace("TODO:", "Written.");
    fs::write(&path, filled).unwrap();
    let (code, diagnostics) = check_json(dir.path());
    assert_eq!((code, diagnostics.len()), (0, 0), "{diagnostics:#?}");
}

#[test]
fn new_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_str().unwrap();
    assert!(
        dossier(&["new", "runbook", "x", "--root", root, "--today", TODAY])
            .status
            .success()
    );
    fs::write(dir.path().join("runbooks/x.md"), "mine").unwrap();
    let again = dossier(&["new", "runbook", "x", "--root", root, "--today", TODAY]);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already exists"));
    assert_eq!(
        fs::read_to_string(dir.path().join("runbooks/x.md")).unwrap(),
        "mine"
    );
    let bad = dossier(&[
        "new",
        "runbook",
        "../escape",
        "--root",
        root,
        "--today",
        TODAY,
    ]);
    assert_eq!(bad.status.code(), Some(2), "ids cannot name paths");
}

#[test]
fn new_report_lists_every_metric_with_its_trigger() {
    let repo = own_repository();
    let root = repo.path().to_str().unwrap();
    let out = dossier(&[
        "new",
        "report",
        "capacity-planning",
        "--root",
        root,
        "--date",
        "2027-01-05",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let path = repo.path().join("evidence/capacity_reports/2027-01-05.md");
    let report = fs::read_to_string(&path).unwrap();
    assert!(report.starts_with(
        "---\nrunbook: capacity-planning\ndate: 2027-01-05\nauthor: TODO\nobservations:\n"
    ));
    assert!(report.contains(
        "  FastAPI backend:\n    p95 request latency: TODO  # trigger: > 800ms for 24h\n"
    ));
    assert!(report.contains("  APScheduler / cron:\n"));
    assert!(report.contains("    Missed runs: TODO  # trigger: ≥ 2/week\n"));
    assert_eq!(report.matches(": TODO  # trigger: ").count(), 11);

    // Check names the placeholders, and nothing else, once the date has come.
    let out = dossier(&[
        "check",
        "--root",
        root,
        "--today",
        "2027-01-05",
        "--format",
        "json",
    ]);
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|d| d["rule"] == "placeholder"
            && d["file"] == "evidence/capacity_reports/2027-01-05.md"),
        "{errors:#?}"
    );

    // Filled in, it passes.
    let values = [
        "510ms",
        "45%",
        "0.1%",
        "41 active orgs",
        "66%",
        "48%",
        "44 tenant DBs",
        "0.7 sec",
        "30%",
        "17",
        "0/week",
    ];
    let mut filled = report.replace("author: TODO", "author: Founder");
    for value in values {
        filled = filled.replacen(": TODO  #", &format!(": {value}  #"), 1);
    }
    filled = filled.replace("TODO: notes", "Notes");
    fs::write(&path, filled).unwrap();
    let out = dossier(&["check", "--root", root, "--today", "2027-01-05"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let again = dossier(&[
        "new",
        "report",
        "capacity-planning",
        "--root",
        root,
        "--date",
        "2027-01-05",
    ]);
    assert_eq!(again.status.code(), Some(2), "never overwrites");
    let unknown = dossier(&["new", "report", "capacity-plannig", "--root", root]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("did you mean `capacity-planning`?"));
}

#[test]
fn status_lists_what_is_due_soonest_first() {
    let out = dossier(&["status", "--root", project_root(), "--today", TODAY]);
    assert!(out.status.success());
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("DUE"), "{table}");
    assert!(table.contains("headroom report for 2027-01 in evidence/capacity_reports/"));
    assert!(table.contains("review (now version 1.1)"));
    assert!(table.contains("Storage used is 64%: act before it trips"));
    let report = lines.iter().position(|l| l.contains("2027-01")).unwrap();
    let review = lines.iter().position(|l| l.contains("review")).unwrap();
    assert!(report < review, "soonest first");

    let out = dossier(&[
        "status",
        "--root",
        project_root(),
        "--today",
        "2027-03-01",
        "--format",
        "json",
        "--days",
        "10",
    ]);
    assert!(out.status.success());
    let items: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let review = items
        .iter()
        .find(|i| i["kind"] == "review")
        .expect("the late review shows");
    assert_eq!(review["late"], true);
    assert_eq!(review["days"], -12);
    assert!(
        items
            .iter()
            .all(|i| i["due"].as_str().unwrap() <= "2027-03-11")
    );
}

#[test]
fn status_informs_rather_than_gates() {
    let repo = own_repository();
    let runbook = repo.path().join("runbooks/capacity-planning.md");
    let broken = fs::read_to_string(&runbook)
        .unwrap()
        .replace("> 800ms for 24h", "fast");
    fs::write(&runbook, broken).unwrap();
    let out = dossier(&[
        "status",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        "2027-06-01",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("LATE"));
    let missing = dossier(&["status", "--root", "/no/such/folder"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn calendar_lists_upcoming_deadlines_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let build = dossier(&[
        "build",
        "--root",
        project_root(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(build.status.success(), "{}", text(&build.stderr));
    let ics = fs::read_to_string(out.join("calendar.ics")).unwrap();
    assert!(
        ics.lines().all(|l| l.len() <= 76),
        "content lines fold at 75 octets"
    );
    assert!(
        ics.split_inclusive('\n').all(|l| l.ends_with("\r\n")),
        "CRLF line ends"
    );

    let unfolded = icalendar::parser::unfold(&ics);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar file");
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    let property = |event: &icalendar::parser::Component, name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.as_str().to_owned())
    };
    let reviews: Vec<_> = events
        .iter()
        .filter(|e| property(e, "SUMMARY").is_some_and(|s| s.starts_with("Review due")))
        .collect();
    assert_eq!(reviews.len(), 1);
    assert_eq!(property(reviews[0], "DTSTART").as_deref(), Some("20270217"));
    let reports: Vec<String> = events
        .iter()
        .filter_map(|e| property(e, "DTSTART"))
        .collect();
    assert!(
        reports.contains(&"20270105".to_owned()),
        "January's first Tuesday: {reports:?}"
    );
    // The review, and the monthly reports due within a year (2027-01 to 2027-11; December's is due 2027-12-07).
    assert_eq!(events.len(), 1 + 11);
    for event in &events {
        assert!(property(event, "UID").is_some() && property(event, "DTSTAMP").is_some());
    }
    assert!(
        fs::read_to_string(out.join("index.html"))
            .unwrap()
            .contains("href=\"calendar.ics\"")
    );
}

#[test]
fn completions_are_generated_for_common_shells() {
    for shell in ["bash", "zsh", "fish"] {
        let out = dossier(&["completions", shell]);
        assert!(out.status.success());
        assert!(text(&out.stdout).contains("dossier"), "{shell}");
    }
}

#[test]
fn every_command_has_help_with_examples() {
    for command in ["check", "build", "serve", "new", "status", "completions"] {
        let out = dossier(&[command, "--help"]);
        assert!(out.status.success());
        assert!(
            text(&out.stdout).contains("Examples:"),
            "{command} --help has examples"
        );
    }
}

/// A running `dossier serve`, stopped when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(root: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args([
            "serve",
            "--root",
            root.to_str().unwrap(),
            "--port",
            "0",
            "--today",
            TODAY,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dossier serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    Server { child, base }
}

/// A minimal HTTP/1.1 GET (the server is on loopback; no client library needed).
fn get(base: &str, path: &str) -> String {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// Polls `path` until `pred` holds for its body, for at most a few seconds.
fn eventually(server: &Server, path: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = get(&server.base, path);
        if pred(&body) || Instant::now() > deadline {
            return body;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_rebuilds_on_change_and_recovers_from_a_broken_edit() {
    let repo = own_repository();
    // Edits here are not versioned: without the lock, they need no bump.
    fs::remove_file(repo.path().join("dossier.lock")).unwrap();
    let server = serve(repo.path());
    let home = get(&server.base, "/");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("Capacity Planning Runbook"));
    assert!(
        home.contains("/__dossier/wait/"),
        "serve mode injects the reload script"
    );

    let runbook: PathBuf = repo.path().join("runbooks/capacity-planning.md");
    let original = fs::read_to_string(&runbook).unwrap();
    fs::write(
        &runbook,
        original.replace(
            "title: Capacity Planning Runbook",
            "title: Capacity Planning Handbook",
        ),
    )
    .unwrap();
    let page = eventually(&server, "/", |b| b.contains("Capacity Planning Handbook"));
    assert!(
        page.contains("Capacity Planning Handbook"),
        "the edit shows within seconds"
    );

    fs::write(
        &runbook,
        original.replace("> 800ms for 24h", "around 800ms"),
    )
    .unwrap();
    let page = eventually(&server, "/runbooks/capacity-planning/index.html", |b| {
        b.contains("Check failed")
    });
    assert!(
        page.contains("Check failed"),
        "a broken edit yields the error page: {page}"
    );
    assert!(page.contains("trigger-syntax") && page.contains("around 800ms"));

    fs::write(&runbook, &original).unwrap();
    let page = eventually(&server, "/runbooks/capacity-planning/index.html", |b| {
        b.contains("SOC 2 evidence document")
    });
    assert!(
        page.contains("SOC 2 evidence document"),
        "fixing the file brings the site back"
    );

    let css = get(&server.base, "/style.css");
    assert!(css.contains("text/css"));
    assert!(get(&server.base, "/../../etc/passwd").starts_with("HTTP/1.1 404"));
}

#[test]
fn built_site_stays_free_of_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    assert!(
        dossier(&[
            "build",
            "--root",
            project_root(),
            "--out",
            out.to_str().unwrap(),
            "--today",
            TODAY
        ])
        .status
        .success()
    );
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        !home.contains("<script"),
        "the reload script is only injected in serve mode"
    );
}
