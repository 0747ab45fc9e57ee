//! `dossier build`: pages at the SPEC §6 paths with the facts they must show,
//! deterministic and atomic output, escaping, and a site whose internal links
//! all resolve. The browser test renders the project's own site in Chromium.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::*;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/build/{name}", project_root())
}

/// Builds `root` into a fresh folder and returns it (with the temp dir that owns it).
fn build(root: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let output = dossier(&[
        "build",
        "--root",
        root,
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(
        output.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (dir, out)
}

/// Every file below `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn read(out: &Path, page: &str) -> String {
    fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}

#[test]
fn own_site_has_every_page_of_the_contract() {
    let (_dir, out) = build(project_root());
    for page in [
        "index.html",
        "soc2/index.html",
        "runbooks/capacity-planning/index.html",
        "controls/A1.2/index.html",
        "controls/CC1.1/index.html",
        "controls/P8.1/index.html",
        "evidence/capacity_reports/2026-03-03/index.html",
        "evidence/capacity_reports/2026-12-01/index.html",
        "SHA256SUMS",
        "evidence.json",
        "style.css",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
    let controls = fs::read_dir(out.join("controls")).unwrap().count();
    assert_eq!(controls, 61, "one page per TSC 2017 criterion");
    let reports = fs::read_dir(out.join("evidence/capacity_reports"))
        .unwrap()
        .count();
    assert_eq!(reports, 10, "one page per headroom report");
}

#[test]
fn evidence_page_carries_everything_of_the_seed() {
    let (_dir, out) = build(project_root());
    let page = read(&out, "runbooks/capacity-planning/index.html");
    let source = fs::read(format!("{}/runbooks/capacity-planning.md", project_root())).unwrap();
    let sha = dossier::sources::hex_sha256(&source);
    for fact in [
        "Back to home",
        "Back to SOC 2 readiness",
        "SOC 2 evidence document",
        "<h1>Capacity Planning Runbook</h1>",
        "Triggers for scaling MongoDB, APScheduler, and the FastAPI/React surface",
        "<dt>Version</dt><dd>1.1</dd>",
        "<dt>Last reviewed</dt><dd><time datetime=\"2026-11-17\">2026-11-17</time>",
        "<dt>Owner</dt><dd>Founder</dd>",
        "<dt>Next review</dt><dd><time datetime=\"2027-02-17\">2027-02-17</time>",
        "Sign-off",
        "<dt>Approved</dt><dd><time datetime=\"2026-11-17\">2026-11-17</time>",
        "Linked SOC 2 controls",
        "href=\"../../controls/A1.2/index.html\">A1.2</a>",
        // Trigger cells verbatim, then the parsed threshold.
        "&gt; 800ms for 24h<span class=\"threshold\">&gt; 0.8 s, window 24 h</span>",
        "≥ 2/week<span class=\"threshold\">≥ 2 per week</span>",
        "&gt; 200 tenant DBs on one cluster<span class=\"threshold\">",
        // Metrics link to their history, which has a chart.
        "href=\"#metric-fastapi-backend-p95-request-latency\"",
        "id=\"metric-fastapi-backend-p95-request-latency\"",
        "<svg class=\"chart\"",
        // Headroom: every period with its report, latest values and statuses.
        "<th scope=\"row\">2026-03</th>",
        "<th scope=\"row\">2026-12</th>",
        "act before it trips",
        &sha,
    ] {
        assert!(page.contains(fact), "evidence page lacks {fact:?}");
    }
    assert_eq!(
        page.matches("<table class=\"history\">").count(),
        11,
        "a history per metric"
    );
    assert!(
        !page.contains("<script"),
        "the published site has no JavaScript"
    );
}

#[test]
fn home_readiness_control_and_report_pages_show_their_facts() {
    let (_dir, out) = build(project_root());
    let home = read(&out, "index.html");
    for fact in [
        "Capacity Planning Runbook",
        "1.1",
        "Founder",
        "2027-02-17",
        "current",
        "reports on time",
        "flagged",
    ] {
        assert!(home.contains(fact), "home lacks {fact:?}");
    }
    let soc2 = read(&out, "soc2/index.html");
    assert!(
        soc2.contains("<strong>1 of 61</strong>"),
        "coverage summary"
    );
    assert!(soc2.contains("A1 Availability"));
    assert!(soc2.contains("1 of 3"), "per-group coverage");
    assert_eq!(soc2.matches("<tr class=\"uncovered\">").count(), 60);

    let control = read(&out, "controls/A1.2/index.html");
    assert!(control.contains("Availability"));
    assert!(control.contains(
        "href=\"../../runbooks/capacity-planning/index.html\">Capacity Planning Runbook</a>"
    ));
    assert!(
        control.contains("href=\"../../controls/A1.1/index.html\">A1.1</a>"),
        "neighbours in the group"
    );
    assert!(control.contains("aria-current=\"page\">A1.2"));

    let report = read(&out, "evidence/capacity_reports/2026-12-01/index.html");
    for fact in [
        "2026-12-01",
        "Founder",
        "Storage used",
        "64%",
        "20%",
        "act before it trips",
        "Notes",
    ] {
        assert!(report.contains(fact), "report page lacks {fact:?}");
    }
    let july = read(&out, "evidence/capacity_reports/2026-07-07/index.html");
    assert!(
        july.contains("<span class=\"badge tripped\">tripped</span>"),
        "the July error-rate spike"
    );
}

#[test]
fn builds_are_byte_identical() {
    let (_a, first) = build(project_root());
    let (_b, second) = build(project_root());
    let (a, b) = (tree(&first), tree(&second));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between two builds");
    }
}

#[test]
fn sha256sums_verify_with_coreutils() {
    let (_dir, out) = build(project_root());
    let sums = read(&out, "SHA256SUMS");
    assert!(sums.contains("  runbooks/capacity-planning.md\n"));
    assert!(sums.contains("  evidence/capacity_reports/2026-03-03.md\n"));
    let check = Command::new("sha256sum")
        .args(["-c", "--strict", out.join("SHA256SUMS").to_str().unwrap()])
        .current_dir(project_root())
        .output()
        .expect("sha256sum runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn evidence_json_has_the_same_facts() {
    let (_dir, out) = build(project_root());
    let json: serde_json::Value = serde_json::from_str(&read(&out, "evidence.json")).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["today"], TODAY);
    let runbook = &json["runbooks"][0];
    assert_eq!(runbook["id"], "capacity-planning");
    assert_eq!(runbook["version"], "1.1");
    assert_eq!(runbook["controls"][0]["id"], "A1.2");
    assert_eq!(runbook["metrics"].as_array().unwrap().len(), 11);
    assert_eq!(runbook["metrics"][0]["trigger"]["comparator"], "gt");
    assert_eq!(runbook["headroom"]["periods"].as_array().unwrap().len(), 10);
    assert_eq!(json["reports"].as_array().unwrap().len(), 10);
    assert_eq!(json["coverage"]["covered"], 1);
    assert_eq!(json["coverage"]["total"], 61);
    let sources = json["sources"].as_array().unwrap();
    // One runbook, ten reports, one exception, dossier.yaml, dossier.lock, and
    // the project's own templates/ (which are the built-in ones).
    let templates = fs::read_dir(Path::new(project_root()).join("templates"))
        .unwrap()
        .count();
    assert_eq!(sources.len(), 1 + 10 + 1 + 2 + templates);
    assert!(sources.iter().any(|s| s["path"] == "dossier.yaml"));
    assert!(sources.iter().any(|s| s["path"] == "dossier.lock"));
    assert!(
        sources
            .iter()
            .any(|s| s["path"] == "templates/runbook.html")
    );
    assert!(
        sources
            .iter()
            .all(|s| s["sha256"].as_str().unwrap().len() == 64)
    );
}

#[test]
fn every_internal_link_resolves() {
    for root in [
        project_root().to_owned(),
        fixture("hostile"),
        fixture("override"),
    ] {
        let (_dir, out) = build(&root);
        let files = tree(&out);
        for (page, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
            let html = String::from_utf8_lossy(bytes);
            for target in attribute_values(&html, "href").chain(attribute_values(&html, "src")) {
                if target.starts_with("https://")
                    || target.starts_with("http://")
                    || target.starts_with("mailto:")
                {
                    continue;
                }
                let (path, fragment) = target.split_once('#').unwrap_or((&target, ""));
                let resolved = if path.is_empty() {
                    page.clone()
                } else {
                    join(page, path)
                };
                let Some(file) = files.get(&resolved) else {
                    panic!("{root}: {page} links to {target}, which is not in the site");
                };
                if !fragment.is_empty() {
                    let text = String::from_utf8_lossy(file);
                    assert!(
                        text.contains(&format!("id=\"{fragment}\"")),
                        "{page} links to #{fragment} in {resolved}, which has no such id"
                    );
                }
            }
        }
    }
}

/// Values of `name="…"` attributes, HTML entities for `&` decoded.
fn attribute_values(html: &str, name: &str) -> impl Iterator<Item = String> {
    let needle = format!(" {name}=\"");
    let values: Vec<String> = html
        .match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| rest[..end].replace("&amp;", "&"))
        })
        .collect();
    values.into_iter()
}

/// Resolves a relative URL against a page path, decoding `%XX`.
fn join(page: &str, target: &str) -> String {
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for part in target.split('/') {
        match part {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            part => parts.push(part),
        }
    }
    dossier::model::markdown::percent_decode(&parts.join("/"))
}

#[test]
fn a_failed_build_leaves_the_published_site_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    copy_dir(
        Path::new(project_root()).join("runbooks").as_path(),
        &repo.join("runbooks"),
    );
    copy_dir(
        Path::new(project_root()).join("evidence").as_path(),
        &repo.join("evidence"),
    );
    let out = dir.path().join("site");
    let ok = dossier(&[
        "build",
        "--root",
        repo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(ok.status.success());
    let before = tree(&out);

    // Break a trigger: the next build must fail and write nothing.
    let runbook = repo.join("runbooks/capacity-planning.md");
    let text = fs::read_to_string(&runbook)
        .unwrap()
        .replace("> 800ms for 24h", "around 800ms");
    fs::write(&runbook, text).unwrap();
    let failed = dossier(&[
        "build",
        "--root",
        repo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("nothing written"));
    assert_eq!(
        tree(&out),
        before,
        "the old site is byte-for-byte as it was"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary folder left behind: {leftovers:?}"
    );

    // A warning is not a failure, unless warnings are denied.
    let denied = dossier(&[
        "build",
        "--root",
        repo.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
        "--deny-warnings",
    ]);
    assert_eq!(denied.status.code(), Some(1));
    assert_eq!(tree(&out), before);
}

#[test]
fn output_defaults_to_root_site() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(&fixture("override")), dir.path());
    let output = dossier(&[
        "build",
        "--root",
        dir.path().to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert!(output.status.success());
    assert!(dir.path().join("site/index.html").is_file());
}

#[test]
fn unwritable_output_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    fs::write(&blocker, "x").unwrap();
    let out = blocker.join("site");
    let output = dossier(&[
        "build",
        "--root",
        &fixture("override"),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn hostile_front_matter_and_bodies_are_escaped() {
    let (_dir, out) = build(&fixture("hostile"));
    for (path, bytes) in tree(&out) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let lower = html.to_lowercase();
        assert!(!lower.contains("<script"), "{path} has a script element");
        assert!(
            !lower.contains("<img"),
            "{path} has an img element from input"
        );
        assert!(!lower.contains("<b onmouseover"), "{path}");
        assert!(!lower.contains("<div onclick"), "{path}");
        assert!(
            !lower.contains("javascript:")
                && !lower.contains("vbscript:")
                && !lower.contains("data:text"),
            "{path}"
        );
    }
    let page = read(&out, "runbooks/x-script/index.html");
    assert!(
        page.contains("&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt; Runbook")
            || page.contains("&lt;script&gt;alert('xss')&lt;/script&gt; Runbook")
    );
    assert!(
        page.contains("&lt;script&gt;alert('body')&lt;/script&gt;"),
        "raw HTML is shown as text"
    );
    assert!(page.contains(r#"<a href="../../evidence/ops/2026-12-01/index.html">report</a>"#));
    let json: serde_json::Value = serde_json::from_str(&read(&out, "evidence.json")).unwrap();
    assert_eq!(json["organization"], "Evil <b>Corp</b> & \"Friends\"");
}

#[test]
fn repository_templates_override_the_built_in_ones() {
    let (_dir, out) = build(&fixture("override"));
    let home = read(&out, "index.html");
    assert!(home.contains("<h1>Custom home of Acme</h1>"));
    assert!(home.contains("<p class=\"custom\">Backup and Restore v2.0</p>"));
    // Pages not overridden keep the built-in templates.
    assert!(read(&out, "runbooks/backup/index.html").contains("SOC 2 evidence document"));
    let sums = read(&out, "SHA256SUMS");
    assert!(
        sums.contains("  templates/index.html\n"),
        "overrides are sources too"
    );
}

#[test]
fn a_broken_template_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let output = dossier(&[
        "build",
        "--root",
        &fixture("broken-template"),
        "--out",
        out.to_str().unwrap(),
        "--today",
        TODAY,
        "--format",
        "github",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("::error file=templates/index.html,line=3,col=18,title=dossier template::template error: Unknown filter `nosuchfilter`"),
        "{stdout}"
    );
    assert!(!out.exists());
}

/// Renders the project's own site in headless Chromium: the evidence page's
/// key facts must be in the rendered DOM, and screenshots of the home,
/// readiness and evidence pages are written under `target/screenshots/`.
/// Skipped where no Chromium is installed, unless DOSSIER_REQUIRE_CHROMIUM is set (as in CI).
#[test]
fn renders_in_a_real_browser() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        assert!(
            std::env::var_os("DOSSIER_REQUIRE_CHROMIUM").is_none(),
            "DOSSIER_REQUIRE_CHROMIUM is set but no Chromium is installed"
        );
        eprintln!(
            "note: skipping the browser test: no Chromium installed (apt-get install chromium)"
        );
        return;
    };
    let (dir, out) = build(project_root());
    let profile = dir.path().join("profile");
    let browser = |extra: &[&str], page: &str| {
        let url = format!("file://{}", out.join(page).display());
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(url)
            .output()
            .expect("chromium runs")
    };
    let dom = browser(&["--dump-dom"], "runbooks/capacity-planning/index.html");
    let dom = String::from_utf8_lossy(&dom.stdout);
    for fact in [
        "Capacity Planning Runbook",
        "SOC 2 evidence document",
        "Linked SOC 2 controls",
        "A1.2",
        "Founder",
        "2027-02-17",
    ] {
        assert!(dom.contains(fact), "rendered DOM lacks {fact:?}");
    }
    let shots = Path::new(project_root()).join("target/screenshots");
    fs::create_dir_all(&shots).unwrap();
    for (name, page) in [
        ("home", "index.html"),
        ("readiness", "soc2/index.html"),
        ("evidence", "runbooks/capacity-planning/index.html"),
    ] {
        for (width, size) in [("desktop", "1280,2000"), ("phone", "390,2400")] {
            let file = shots.join(format!("{name}-{width}.png"));
            let _ = fs::remove_file(&file);
            let result = browser(
                &[
                    &format!("--window-size={size}"),
                    &format!("--screenshot={}", file.display()),
                ],
                page,
            );
            let png = fs::read(&file).unwrap_or_else(|_| {
                panic!(
                    "no screenshot of {page}: {}",
                    String::from_utf8_lossy(&result.stderr)
                )
            });
            assert!(png.starts_with(b"\x89PNG"), "{} is a PNG", file.display());
        }
    }
}
