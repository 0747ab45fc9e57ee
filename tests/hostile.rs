//! Hostile and broken input (issue 5): runbooks arrive through pull requests
//! and CI runs dossier unattended. Whatever the input, dossier answers with a
//! diagnostic and the right exit code, never panics, never reads or writes
//! outside its root, and never loses the site that was already published.
//!
//! Every class of input tried here is listed, with what dossier answers, in
//! docs/bad-input.md.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use dossier::model::{config, markdown, report, runbook};
use dossier::site::markdown::{Body, Pages, Table};
use dossier::sources::Source;
use proptest::prelude::*;
use tempfile::TempDir;

const TODAY: &str = "2026-12-04";
/// A run that takes longer than this is hung (a FIFO read, a loop followed).
const HANG: Duration = Duration::from_secs(120);

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dossier"));
    command.env("NO_COLOR", "1");
    command
}

/// Runs dossier to the end, failing the test if it hangs or panics.
#[track_caller]
fn dossier(args: &[&str]) -> Output {
    let child = bin()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dossier runs");
    let output = finish(child, HANG, args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && output.status.code() != Some(101),
        "dossier {args:?} panicked: {stderr}"
    );
    output
}

/// Waits for a child, killing it (and failing) after `limit`.
#[track_caller]
fn finish(mut child: Child, limit: Duration, what: &[&str]) -> Output {
    let started = Instant::now();
    // Drain the pipes on threads so a chatty child cannot block on them.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        out.read_to_end(&mut buf).unwrap();
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        err.read_to_end(&mut buf).unwrap();
        buf
    });
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Output {
                status,
                stdout: out.join().unwrap(),
                stderr: err.join().unwrap(),
            };
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dossier {what:?} did not finish within {limit:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited, not killed")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `dossier check --format json`: exit code and diagnostics.
#[track_caller]
fn check_json(root: &Path) -> (i32, Vec<serde_json::Value>) {
    let output = dossier(&[
        "check",
        "--root",
        path(root),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    let diagnostics = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(&output), stderr(&output)));
    (code(&output), diagnostics)
}

fn rules(diagnostics: &[serde_json::Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["rule"].as_str().unwrap(),
                d["file"].as_str().unwrap()
            )
        })
        .collect()
}

fn of_rule<'a>(diagnostics: &'a [serde_json::Value], rule: &str) -> Vec<&'a serde_json::Value> {
    diagnostics.iter().filter(|d| d["rule"] == rule).collect()
}

/// `dossier build ROOT --out OUT`.
fn build(root: &Path, out: &Path) -> Output {
    dossier(&build_args(root, out))
}

/// The arguments of `dossier build`, for [`build`] and for builds run in the background.
fn build_args<'a>(root: &'a Path, out: &'a Path) -> [&'a str; 7] {
    [
        "build",
        "--root",
        path(root),
        "--out",
        path(out),
        "--today",
        TODAY,
    ]
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the good check fixture at `<tmp>/repo`; the rest of `<tmp>` is
/// "outside the root".
fn good_repo() -> (TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    copy_dir(&fixture("check/good"), &root);
    (tmp, root)
}

/// A runbook that passes every rule.
fn runbook_text(title: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\nversion: \"1.0\"\nowner: Founder\nlast_reviewed: 2026-11-02\nnext_review: 2027-05-01\ncontrols: [A1.2]\n---\n{body}"
    )
}

/// Every file below `dir` with the SHA-256 of its bytes, symbolic links as
/// their targets: a snapshot to compare whole folders by.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let p = entry.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                files.insert(rel, format!("-> {}", fs::read_link(&p).unwrap().display()));
            } else if kind.is_dir() {
                files.insert(format!("{rel}/"), String::new());
                stack.push(p);
            } else if kind.is_file() {
                files.insert(rel, dossier::sources::hex_sha256(&fs::read(&p).unwrap()));
            } else {
                files.insert(rel, "special".to_owned());
            }
        }
    }
    files
}

fn mkfifo(p: &Path) {
    let status = Command::new("mkfifo").arg(p).status().expect("mkfifo runs");
    assert!(status.success());
}

// ---------------------------------------------------------------------------
// 1. Fuzzing: every input that crashed a fuzz target stays fixed.

/// Positions of problems lie inside the file (or one line past its end).
#[track_caller]
fn assert_inside(text: &str, line: usize, what: &str) {
    let lines = text.split('\n').count();
    assert!(
        (1..=lines + 1).contains(&line),
        "{what}: line {line} of a {lines}-line file"
    );
}

fn source(path: &str, text: &str) -> Source {
    Source {
        path: path.to_owned(),
        text: text.to_owned(),
        sha256: String::new(),
    }
}

/// Everything the library parses from one file, as the fuzz targets do.
fn parse_everything(text: &str) {
    let rb = runbook::parse(source("runbooks/x.md", text));
    for p in &rb.problems {
        assert_inside(text, p.pos.line, &p.message);
    }
    for table in &rb.body.tables {
        for row in &table.rows {
            if let Err(fault) = &row.trigger {
                assert_inside(text, fault.pos.line, &fault.value.message);
            }
        }
    }
    let r = report::parse(source("evidence/x/2026-01-01.md", text));
    for p in &r.problems {
        assert_inside(text, p.pos.line, &p.message);
    }
    let (_, problems) = config::parse(&source("dossier.yaml", text));
    for p in &problems {
        assert_inside(text, p.pos.line, &p.message);
    }
    let _ = render_body(text);
}

/// A body rendered as a build renders it: in the pass that scans it.
fn render_body(text: &str) -> String {
    let scanned = markdown::scan_rendering(text, 0, Some(dossier::site::markdown::prerender));
    let pages: Pages = [(
        "runbooks/b.md".to_owned(),
        "runbooks/b/index.html".to_owned(),
    )]
    .into();
    let tables: Vec<Table<'_>> = scanned
        .tables
        .iter()
        .map(|t| Table::standalone(t, "G"))
        .collect();
    dossier::site::markdown::render(&Body {
        text,
        file: "runbooks/x.md",
        root: "../../",
        pages: &pages,
        links: &scanned.links,
        tables: &tables,
        html: scanned.html.as_deref(),
    })
}

#[test]
fn fuzz_crashes_stay_fixed() {
    let dir = fixture("hostile/crashes");
    let mut crashes: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    crashes.sort();
    assert!(!crashes.is_empty());
    for crash in crashes {
        let bytes = fs::read(&crash).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        parse_everything(&text);
        if let Some(first) = text.lines().next() {
            let _ = dossier::model::trigger::parse_trigger(first);
        }
        // Through the binary, as a runbook and as a report of a good repository.
        for target in [
            "runbooks/capacity-planning.md",
            "evidence/capacity_reports/2026-11-03.md",
            "dossier.yaml",
        ] {
            let (_tmp, root) = good_repo();
            fs::write(root.join(target), &bytes).unwrap();
            let (code, diagnostics) = check_json(&root);
            assert!(code == 0 || code == 1, "{}: exit {code}", crash.display());
            assert!(code == 0 || !diagnostics.is_empty());
        }
    }
}

#[test]
fn a_lone_carriage_return_in_front_matter_points_at_itself() {
    // Found by the front-matter fuzz target: YAML breaks lines at a lone \r,
    // so its positions ran past the end of the file.
    let (_tmp, root) = good_repo();
    fs::write(
        root.join("runbooks/backup.md"),
        "---\ntitle: Backup\r\r\rversion: \"1.0\"\n---\n",
    )
    .unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 1);
    let d = of_rule(&diagnostics, "front-matter");
    assert_eq!(d.len(), 1, "{diagnostics:#?}");
    assert_eq!(
        (d[0]["line"].as_u64(), d[0]["column"].as_u64()),
        (Some(2), Some(14))
    );
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("carriage return")
    );
}

/// Values of the `name` attributes of the HTML's tags (not of text that
/// merely looks like a tag: escaped raw HTML has no `<`), lower-cased, with
/// blanks and control characters removed as browsers do in URLs.
fn attribute_values(html: &str, name: &str) -> Vec<String> {
    let needle = format!(" {name}=\"");
    html.split('<')
        .skip(1)
        .filter_map(|tag| tag.split('>').next())
        .flat_map(|tag| {
            tag.split(needle.as_str())
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|value| {
            value
                .split('"')
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect()
}

// ---------------------------------------------------------------------------
// 2. Properties: any bytes give a model or problems, never a panic.

/// Text built from the pieces front matter and trigger tables are made of,
/// so generated input gets past the fences and into the YAML and tables.
fn front_matter_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("title: ".to_owned()),
        Just("version: ".to_owned()),
        Just("controls: [A1.2, ".to_owned()),
        Just(
            "headroom:\n  reports: evidence/x\n  cadence: monthly\n  since: 2026-01-01\n"
                .to_owned()
        ),
        Just("observations:\n  G:\n    m: ".to_owned()),
        Just("runbook: capacity-planning\ndate: 2026-11-03\nauthor: F\n".to_owned()),
        Just("&a ".to_owned()),
        Just("*a".to_owned()),
        Just("<<: ".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("{".to_owned()),
        Just(": ".to_owned()),
        Just("- ".to_owned()),
        Just("  ".to_owned()),
        Just("\"".to_owned()),
        Just("| Metric | Trigger | Response |\n|---|---|---|\n".to_owned()),
        Just("| m | > 5ms | r |\n".to_owned()),
        Just("### G\n".to_owned()),
        Just("[l](../x.md)".to_owned()),
        "[a-zA-Z0-9 .%>≥/-]{0,12}",
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn any_bytes_give_a_model_or_problems(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn front_matter_like_text_gives_a_model_or_problems(text in front_matter_like()) {
        parse_everything(&text);
        let with_fence = format!("---\n{text}");
        parse_everything(&with_fence);
    }

    #[test]
    fn no_body_renders_active_content(text in front_matter_like(), scheme in prop::sample::select(vec![
        "javascript:", "JaVaScRiPt:", " javascript:", "java\tscript:", "&#106;avascript:",
        "data:text/html,", "vbscript:", "file:", "%6Aavascript:",
    ])) {
        let text = format!("{text}\n[x]({scheme}alert(1)) <{scheme}x> ![i]({scheme}y)\n\n[r]: {scheme}z\n[y][r]\n<script>alert(1)</script>");
        let html = render_body(&text);
        prop_assert!(!html.to_ascii_lowercase().contains("<script"), "{}", html);
        for value in attribute_values(&html, "href").into_iter().chain(attribute_values(&html, "src")) {
            for bad in ["javascript:", "vbscript:", "data:", "file:", "&#"] {
                prop_assert!(!value.starts_with(bad), "{} in {}", value, html);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 3. Confinement: nothing outside the root is read.

/// A file outside the root whose text must never reach any output.
const SECRET: &str = "TOP-SECRET-OUTSIDE-THE-ROOT";

fn plant_secret(tmp: &Path) -> PathBuf {
    let outside = tmp.join("outside");
    fs::create_dir_all(outside.join("reports")).unwrap();
    let secret = outside.join("secret.md");
    fs::write(&secret, runbook_text(SECRET, SECRET)).unwrap();
    fs::write(
        outside.join("reports/2026-11-03.md"),
        format!("---\nrunbook: capacity-planning\ndate: 2026-11-03\nauthor: {SECRET}\n---\n"),
    )
    .unwrap();
    secret
}

#[track_caller]
fn assert_secret_kept(output: &Output) {
    assert!(!stdout(output).contains(SECRET), "{}", stdout(output));
    assert!(!stderr(output).contains(SECRET), "{}", stderr(output));
}

#[test]
fn report_folders_leaving_the_root_are_errors_naming_them() {
    for folder in [
        "../outside/reports",
        "/etc",
        "evidence/../../outside/reports",
        "evidence/link",
    ] {
        let (tmp, root) = good_repo();
        plant_secret(tmp.path());
        symlink(
            tmp.path().join("outside/reports"),
            root.join("evidence/link"),
        )
        .unwrap();
        let runbook = root.join("runbooks/capacity-planning.md");
        let text = fs::read_to_string(&runbook).unwrap().replace(
            "reports: evidence/capacity_reports",
            &format!("reports: {folder}"),
        );
        fs::write(&runbook, text).unwrap();
        let output = dossier(&[
            "check",
            "--root",
            path(&root),
            "--today",
            TODAY,
            "--format",
            "json",
        ]);
        assert_eq!(code(&output), 1, "{folder}");
        assert_secret_kept(&output);
        let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        let outside = of_rule(&diagnostics, "outside-root");
        assert_eq!(outside.len(), 1, "{folder}: {diagnostics:#?}");
        assert_eq!(outside[0]["file"], "runbooks/capacity-planning.md");
        assert!(
            outside[0]["message"].as_str().unwrap().contains(folder),
            "{outside:?}"
        );
    }
}

#[test]
fn report_folders_written_with_dot_segments_are_read_by_their_plain_path() {
    // `evidence/x/../capacity_reports` once gave reports paths with `..` in
    // them, and their links resolved against the wrong folder.
    let (tmp, root) = good_repo();
    fs::create_dir_all(root.join("evidence/x")).unwrap();
    let runbook = root.join("runbooks/capacity-planning.md");
    let text = fs::read_to_string(&runbook).unwrap().replace(
        "reports: evidence/capacity_reports",
        "reports: ./evidence/x/../capacity_reports/",
    );
    fs::write(&runbook, text).unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!((code, diagnostics.len()), (0, 0), "{diagnostics:#?}");
    let out = tmp.path().join("site");
    assert_eq!(code_of(&build(&root, &out)), 0);
    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert!(
        sums.contains("  evidence/capacity_reports/2026-11-03.md\n"),
        "{sums}"
    );
    assert!(!sums.contains(".."), "{sums}");
}

#[test]
fn links_leaving_the_root_are_errors_naming_them() {
    let (_tmp, root) = good_repo();
    let links = [
        "../../etc/passwd",
        "/etc/passwd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "../../../outside/secret.md",
    ];
    let body: String = links.iter().map(|l| format!("[x]({l})\n\n")).collect();
    fs::write(
        root.join("runbooks/backup.md"),
        runbook_text("Backup", &body),
    )
    .unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 1);
    let outside = of_rule(&diagnostics, "link-outside-root");
    assert_eq!(outside.len(), links.len(), "{diagnostics:#?}");
    for (d, link) in outside.iter().zip(links) {
        assert!(d["message"].as_str().unwrap().contains(link), "{d}");
    }
}

#[test]
fn symbolic_links_pointing_out_are_refused_and_never_read() {
    let (tmp, root) = good_repo();
    let secret = plant_secret(tmp.path());
    symlink(&secret, root.join("runbooks/secret.md")).unwrap();
    symlink(
        &secret,
        root.join("evidence/capacity_reports/2026-11-10.md"),
    )
    .unwrap();
    fs::create_dir_all(root.join("templates")).unwrap();
    symlink(&secret, root.join("templates/index.html")).unwrap();
    symlink(&secret, root.join("dossier.yaml.tmp")).unwrap();
    fs::remove_file(root.join("dossier.yaml")).unwrap();
    symlink(&secret, root.join("dossier.yaml")).unwrap();
    let output = dossier(&[
        "check",
        "--root",
        path(&root),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    assert_eq!(code(&output), 1);
    assert_secret_kept(&output);
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let mut refused: Vec<&str> = of_rule(&diagnostics, "outside-root")
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    refused.sort();
    assert_eq!(
        refused,
        [
            "dossier.yaml",
            "evidence/capacity_reports/2026-11-10.md",
            "runbooks/secret.md",
            "templates/index.html"
        ]
    );
    for d in of_rule(&diagnostics, "outside-root") {
        let file = d["file"].as_str().unwrap();
        assert!(d["message"].as_str().unwrap().starts_with(file), "{d}");
    }
    // A build refuses too, and writes nothing.
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert_eq!(code(&output), 1);
    assert_secret_kept(&output);
    assert!(!out.exists());
}

#[test]
fn a_runbooks_folder_that_is_a_link_out_is_refused_file_by_file() {
    let (tmp, root) = good_repo();
    plant_secret(tmp.path());
    fs::remove_dir_all(root.join("runbooks")).unwrap();
    symlink(tmp.path().join("outside"), root.join("runbooks")).unwrap();
    let output = dossier(&[
        "check",
        "--root",
        path(&root),
        "--today",
        TODAY,
        "--format",
        "json",
    ]);
    assert_eq!(code(&output), 1);
    assert_secret_kept(&output);
    let diagnostics: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        rules(&diagnostics).contains(&"outside-root runbooks/secret.md".to_owned()),
        "{diagnostics:#?}"
    );
}

#[test]
fn symbolic_link_loops_are_detected() {
    let (_tmp, root) = good_repo();
    symlink("loop.md", root.join("runbooks/loop.md")).unwrap();
    symlink("b.md", root.join("runbooks/a.md")).unwrap();
    symlink("a.md", root.join("runbooks/b.md")).unwrap();
    // A report folder that is a loop, and one that contains itself.
    fs::remove_dir_all(root.join("evidence/capacity_reports")).unwrap();
    symlink("capacity_reports", root.join("evidence/capacity_reports")).unwrap();
    fs::create_dir_all(root.join("evidence/other")).unwrap();
    symlink(".", root.join("evidence/other/self")).unwrap();
    symlink("..", root.join("evidence/other/up")).unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 1);
    let mut loops: Vec<String> = of_rule(&diagnostics, "symlink-loop")
        .iter()
        .map(|d| {
            format!(
                "{}: {}",
                d["file"].as_str().unwrap(),
                d["message"].as_str().unwrap()
            )
        })
        .collect();
    loops.sort();
    assert_eq!(loops.len(), 4, "{diagnostics:#?}");
    assert!(
        loops[0].starts_with("runbooks/a.md: runbooks/a.md is a loop of symbolic links"),
        "{loops:?}"
    );
    assert!(
        loops[1].starts_with("runbooks/b.md: runbooks/b.md"),
        "{loops:?}"
    );
    // The report folder loop is reported on the runbook that names it.
    assert!(
        loops[2].starts_with("runbooks/capacity-planning.md: evidence/capacity_reports is a loop"),
        "{loops:?}"
    );
    assert!(
        loops[3].starts_with("runbooks/loop.md: runbooks/loop.md"),
        "{loops:?}"
    );
}

#[test]
fn fifos_are_skipped_with_a_warning_instead_of_blocking() {
    let (_tmp, root) = good_repo();
    mkfifo(&root.join("runbooks/pipe.md"));
    mkfifo(&root.join("evidence/capacity_reports/2026-12-02.md"));
    fs::create_dir_all(root.join("templates")).unwrap();
    mkfifo(&root.join("templates/extra.css"));
    fs::remove_file(root.join("dossier.yaml")).unwrap();
    mkfifo(&root.join("dossier.yaml"));
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 0, "warnings only: {diagnostics:#?}");
    let mut skipped: Vec<&str> = of_rule(&diagnostics, "not-a-file")
        .iter()
        .map(|d| {
            assert_eq!(d["severity"], "warning");
            assert!(
                d["message"].as_str().unwrap().contains("a named pipe"),
                "{d}"
            );
            d["file"].as_str().unwrap()
        })
        .collect();
    skipped.sort();
    assert_eq!(
        skipped,
        [
            "dossier.yaml",
            "evidence/capacity_reports/2026-12-02.md",
            "runbooks/pipe.md",
            "templates/extra.css"
        ]
    );
    assert_eq!(diagnostics.len(), 4, "{diagnostics:#?}");
    // A build goes through too, and --deny-warnings fails it.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    assert_eq!(code_of(&build(&root, &out)), 0);
    assert!(out.join("index.html").is_file());
    let denied = dossier(&[
        "check",
        "--root",
        path(&root),
        "--today",
        TODAY,
        "--deny-warnings",
    ]);
    assert_eq!(code_of(&denied), 1);
}

fn code_of(output: &Output) -> i32 {
    code(output)
}

#[test]
fn devices_are_skipped_or_refused() {
    let (_tmp, root) = good_repo();
    // A link to a device leads outside the root.
    symlink("/dev/zero", root.join("runbooks/zero.md")).unwrap();
    // A device node inside the root (needs the right to create one).
    let made = Command::new("mknod")
        .arg(root.join("runbooks/null.md"))
        .args(["c", "1", "3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 1, "{diagnostics:#?}");
    assert!(rules(&diagnostics).contains(&"outside-root runbooks/zero.md".to_owned()));
    if made {
        let device = of_rule(&diagnostics, "not-a-file");
        assert_eq!(device.len(), 1, "{diagnostics:#?}");
        assert!(device[0]["message"].as_str().unwrap().contains("a device"));
    } else {
        eprintln!("note: cannot create a device node here; only the link to /dev/zero was tried");
    }
}

// ---------------------------------------------------------------------------
// 4. Output safety.

#[test]
fn outputs_that_would_replace_sources_are_refused_before_anything_is_written() {
    let (tmp, root) = good_repo();
    fs::create_dir_all(root.join("templates")).unwrap();
    fs::create_dir_all(root.join(".git")).unwrap();
    symlink(&root, tmp.path().join("alias")).unwrap();
    let before_root = tree(&root);
    let before_tmp = tree(tmp.path());
    let outs = [
        root.clone(),
        root.join("."),
        root.join("runbooks/.."),
        tmp.path().join("alias"),
        tmp.path().to_path_buf(),
        root.join("runbooks"),
        root.join("runbooks/site"),
        root.join("evidence"),
        root.join("evidence/capacity_reports"),
        root.join("evidence/site"),
        root.join("evidence/new/deeper/site"),
        root.join("templates"),
        root.join("templates/site"),
        root.join(".git/site"),
        root.join("dossier.yaml"),
    ];
    for out in outs {
        let output = build(&root, &out);
        assert_eq!(code(&output), 2, "{}: {}", out.display(), stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("refusing to build into"),
            "{}: {message}",
            out.display()
        );
        assert!(message.contains(path(&out)), "{message}");
        assert_eq!(
            tree(&root),
            before_root,
            "{}: the repository is untouched",
            out.display()
        );
        assert_eq!(
            tree(tmp.path()),
            before_tmp,
            "{}: nothing written beside it",
            out.display()
        );
    }
}

#[test]
fn an_existing_folder_that_is_not_a_site_is_never_replaced() {
    let (tmp, root) = good_repo();
    let out = tmp.path().join("documents");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("thesis.tex"), "years of work").unwrap();
    let output = build(&root, &out);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("not a dossier site"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        fs::read_to_string(out.join("thesis.tex")).unwrap(),
        "years of work"
    );
    // A file is not replaced either.
    let file = tmp.path().join("notes.txt");
    fs::write(&file, "notes").unwrap();
    assert_eq!(code(&build(&root, &file)), 2);
    assert_eq!(fs::read_to_string(&file).unwrap(), "notes");
}

#[test]
fn stale_temporary_folders_are_cleaned_by_the_next_build() {
    let (tmp, root) = good_repo();
    let out = tmp.path().join("site");
    assert_eq!(code(&build(&root, &out)), 0);
    let site = tree(&out);
    // What killed builds leave: their staging folders, an old site set
    // aside, the lock file.
    for leftover in [".site.dossier-new-4000000", ".site.dossier-old-4000001"] {
        fs::create_dir_all(tmp.path().join(leftover).join("runbooks")).unwrap();
        fs::write(tmp.path().join(leftover).join("index.html"), "half").unwrap();
    }
    fs::write(tmp.path().join(".site.dossier-lock"), "").unwrap();
    // Another output's temporary folder is not this build's business.
    fs::create_dir_all(tmp.path().join(".public.dossier-new-1")).unwrap();
    assert_eq!(code(&build(&root, &out)), 0);
    assert_eq!(tree(&out), site);
    let mut left: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, [".public.dossier-new-1", "repo", "site"]);
}

/// A repository of `runbooks` runbooks, each with a trigger table, links
/// and two controls: large enough that a build takes a while.
fn generate_repository(root: &Path, runbooks: usize, revision: &str) {
    fs::create_dir_all(root.join("runbooks")).unwrap();
    for i in 0..runbooks {
        let body = format!(
            "## Triggers\n\n| Metric | Trigger | Response |\n|---|---|---|\n| latency {i} | > {}ms for 24h | Add a replica |\n| storage {i} | > 80% of cluster size | Upgrade |\n\nSee [the next one](rb-{:04}.md).\n",
            i % 900 + 100,
            (i + 1) % runbooks
        );
        let text = runbook_text(&format!("Runbook {i} {revision}"), &body).replace(
            "controls: [A1.2]",
            &format!("controls: [A1.2, CC7.{}]", i % 5 + 1),
        );
        fs::write(root.join(format!("runbooks/rb-{i:04}.md")), text).unwrap();
    }
}

/// Entries beside the output folder whose names mark them as dossier's own.
fn temporaries(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".dossier-"))
        .collect()
}

#[test]
fn a_killed_build_leaves_the_old_site_or_the_new_one_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    let out = tmp.path().join("site");
    generate_repository(&root, 2_000, "first");
    let started = Instant::now();
    let first = build(&root, &out);
    let full = started.elapsed();
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let old = tree(&out);
    assert!(old.len() > 2_000);

    // The next version of the repository, and the site it gives.
    generate_repository(&root, 2_000, "second");
    let reference = tmp.path().join("reference");
    assert_eq!(code(&build(&root, &reference)), 0);
    let new = tree(&reference);
    assert_ne!(old, new);

    let start = || {
        bin()
            .args(build_args(&root, &out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let staging_files = |min: usize| {
        fs::read_dir(tmp.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".site.dossier-new-")
            })
            .any(|e| fs::read_dir(e.path().join("runbooks")).map_or(0, Iterator::count) >= min)
    };
    let mut moments: Vec<String> = Vec::new();
    // Kills the build, telling whether it was still running and whether
    // the new site was being written beside the old one at that moment.
    let kill = |mut child: Child, moment: String, moments: &mut Vec<String>| {
        let running = child.try_wait().unwrap().is_none();
        let writing = staging_files(0);
        child.kill().unwrap();
        child.wait().unwrap();
        let now = tree(&out);
        assert!(
            now == old || now == new,
            "after a kill {moment} the site is neither the old one nor the new one"
        );
        let state = match (running, writing) {
            (false, _) => "finished before",
            (true, false) => "running",
            (true, true) => "writing",
        };
        moments.push(format!("{moment} ({state})"));
        running && writing
    };
    // Killed at fractions of a whole build: while checking, rendering, writing.
    for tenth in [1, 3, 5, 7, 8, 9] {
        let child = start();
        std::thread::sleep(full * tenth / 10);
        kill(child, format!("at {tenth}/10"), &mut moments);
    }
    // Killed as soon as the new site starts being written, and halfway through writing it.
    let mut mid_write = 0;
    for min in [0, 1_000] {
        let mut child = start();
        let deadline = Instant::now() + full * 3;
        while !staging_files(min) && Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        if kill(child, format!("with {min}+ pages written"), &mut moments) {
            mid_write += 1;
        }
    }
    eprintln!("killed builds: {}", moments.join(", "));
    assert!(
        mid_write >= 1,
        "no kill landed while the new site was written: {moments:?}"
    );

    // The next build cleans up whatever the killed ones left, and publishes.
    let last = build(&root, &out);
    assert_eq!(code(&last), 0, "{}", stderr(&last));
    assert_eq!(tree(&out), new);
    assert_eq!(temporaries(tmp.path()), Vec::<String>::new());
}

#[test]
fn concurrent_builds_into_one_folder_do_not_corrupt_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    generate_repository(&root, 300, "only");
    let reference = tmp.path().join("reference");
    assert_eq!(code(&build(&root, &reference)), 0);
    let expected = tree(&reference);
    let out = tmp.path().join("site");
    for round in 0..3 {
        let children: Vec<Child> = (0..4)
            .map(|_| {
                bin()
                    .args(build_args(&root, &out))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let outputs: Vec<Output> = children
            .into_iter()
            .map(|c| finish(c, HANG, &["build"]))
            .collect();
        let mut published = 0;
        for output in &outputs {
            match code(output) {
                0 => published += 1,
                2 => assert!(
                    stderr(output).contains("another dossier build is writing"),
                    "round {round}: {}",
                    stderr(output)
                ),
                other => panic!("round {round}: exit {other}: {}", stderr(output)),
            }
        }
        assert!(published >= 1, "round {round}: one build publishes");
        assert_eq!(tree(&out), expected, "round {round}: the site is whole");
        assert_eq!(
            temporaries(tmp.path()),
            Vec::<String>::new(),
            "round {round}"
        );
    }
}

// ---------------------------------------------------------------------------
// 5. Hostile content.

/// Runs `sha256sum -c --strict` on the site's SHA256SUMS from the root.
#[track_caller]
fn verify_sums(root: &Path, out: &Path) -> String {
    let output = Command::new("sha256sum")
        .args(["-c", "--strict"])
        .arg(out.join("SHA256SUMS"))
        .current_dir(root)
        .output()
        .expect("sha256sum runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "sha256sum -c fails: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

#[test]
fn newlines_in_file_names_cannot_forge_sha256sums_lines() {
    let (tmp, root) = good_repo();
    let zeros = "0".repeat(64);
    // Unescaped, this name would add the line `000…0  forged.md`.
    let forger = format!("x\n{zeros}  forged.md");
    fs::write(
        root.join(format!("runbooks/{forger}")),
        runbook_text("Forger", ""),
    )
    .unwrap();
    fs::write(
        root.join("runbooks/back\\slash.md"),
        runbook_text("Backslash", ""),
    )
    .unwrap();
    fs::write(
        root.join("evidence/capacity_reports/late\r\nnote.md"),
        "---\nrunbook: capacity-planning\ndate: 2026-11-20\nauthor: F\n---\n",
    )
    .unwrap();
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("evidence.json")).unwrap()).unwrap();
    let sources = json["sources"].as_array().unwrap();
    assert_eq!(
        sums.lines().count(),
        sources.len(),
        "one line per source:\n{sums}"
    );
    for line in sums.lines() {
        let hash = line.strip_prefix('\\').unwrap_or(line);
        assert!(
            hash.len() > 66
                && hash[..64].bytes().all(|b| b.is_ascii_hexdigit())
                && &hash[64..66] == "  ",
            "not a sum line: {line:?}"
        );
        assert!(!line.starts_with(&zeros), "forged line: {line:?}");
    }
    for escaped in [
        "  runbooks/x\\n0000",
        "  runbooks/back\\\\slash.md",
        "  evidence/capacity_reports/late\\r\\nnote.md",
    ] {
        let line = sums.lines().find(|l| l.contains(escaped));
        assert!(
            line.is_some_and(|l| l.starts_with('\\')),
            "{escaped}: {line:?} in\n{sums}"
        );
    }
    let checked = verify_sums(&root, &out);
    assert!(!checked.contains("FAILED"), "{checked}");
    // evidence.json names the file exactly.
    assert!(
        sources
            .iter()
            .any(|s| s["path"] == format!("runbooks/{forger}"))
    );
}

#[test]
fn github_annotations_and_json_cannot_be_forged() {
    let (_tmp, root) = good_repo();
    let name = "a,b:c\n::error file=forged.md::forged.md";
    fs::write(
        root.join(format!("runbooks/{name}")),
        runbook_text(
            "X",
            "| Metric | Trigger | Response |\n|---|---|---|\n| m%0A::error::x | around 1 | r |\n",
        ),
    )
    .unwrap();
    let (_, diagnostics) = check_json(&root);
    let github = dossier(&[
        "check",
        "--root",
        path(&root),
        "--today",
        TODAY,
        "--format",
        "github",
    ]);
    assert_eq!(code(&github), 1);
    let text = stdout(&github);
    assert_eq!(text.lines().count(), diagnostics.len(), "{text}");
    for line in text.lines() {
        assert!(
            line.starts_with("::error file=runbooks/a%2Cb%3Ac%0A%3A%3Aerror")
                || line.starts_with("::warning "),
            "{line}"
        );
    }
    assert!(!text.contains("\n::error file=forged.md"), "{text}");
}

#[test]
fn dangerous_link_schemes_are_neutralised_on_the_site() {
    let (tmp, root) = good_repo();
    let schemes = [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "javascript&colon;alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,x",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
    ];
    let mut body = String::new();
    for (i, s) in schemes.iter().enumerate() {
        body.push_str(&format!(
            "[inline {i}]({s}) ![image {i}]({s}) [ref {i}][r{i}] <{s}>\n\n[r{i}]: {s}\n\n"
        ));
    }
    body.push_str("<a href=\"javascript:alert(1)\">raw</a> <img src=x onerror=alert(1)>\n");
    fs::write(
        root.join("runbooks/backup.md"),
        runbook_text("Backup", &body),
    )
    .unwrap();
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let page = fs::read_to_string(out.join("runbooks/backup/index.html")).unwrap();
    assert!(
        page.contains("inline 0") && page.contains("ref 9"),
        "the link texts stay"
    );
    for (file, sha) in tree(&out) {
        if !file.ends_with(".html") || sha.is_empty() {
            continue;
        }
        let html = fs::read_to_string(out.join(&file)).unwrap();
        for attribute in ["href", "src"] {
            for value in attribute_values(&html, attribute) {
                for scheme in ["javascript:", "vbscript:", "data:", "file:", "&#"] {
                    assert!(!value.starts_with(scheme), "{file}: {attribute}={value}");
                }
            }
        }
        let html = html.to_ascii_lowercase();
        assert!(!html.contains("<a href=\"javascript"), "{file}");
        assert!(!html.contains("<img"), "{file}");
    }
}

#[test]
fn every_value_is_escaped_in_html_and_json() {
    let (tmp, root) = good_repo();
    let nasty = r#"<script>alert("x")</script> & 'q' {{ site.title }} {% raw %} ]]> </title>"#;
    let yaml = nasty.replace('\\', "\\\\").replace('"', "\\\"");
    let text = format!(
        "---\ntitle: \"{yaml}\"\nsummary: \"{yaml}\"\nversion: \"1.0\"\nowner: \"{yaml}\"\nlast_reviewed: 2026-11-02\nnext_review: 2027-05-01\ncontrols: [A1.2]\nextra:\n  note: \"{yaml}\"\n---\n### {nasty}\n\n| Metric | Trigger | Response |\n|---|---|---|\n| m {nasty} | > 5 {} | {nasty} |\n",
        "<b>hosts</b>"
    );
    fs::write(root.join("runbooks/backup.md"), text).unwrap();
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    for (file, sha) in tree(&out) {
        if sha.is_empty() || !file.ends_with(".html") {
            continue;
        }
        let page = fs::read_to_string(out.join(&file)).unwrap();
        assert!(!page.contains("<script>"), "{file}");
        assert!(!page.contains("<b>hosts</b>"), "{file}");
        assert!(!page.contains("]]> </title>"), "{file}");
    }
    let page = fs::read_to_string(out.join("runbooks/backup/index.html")).unwrap();
    assert!(
        page.contains("{{ site.title }}"),
        "template syntax in values is shown, not run"
    );
    assert!(page.contains("&lt;script&gt;"));
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("evidence.json")).unwrap()).unwrap();
    let backup = json["runbooks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "backup")
        .unwrap();
    assert_eq!(backup["title"], nasty);
    assert_eq!(backup["owner"], nasty);
    assert_eq!(backup["extra"]["note"], nasty);
}

/// Written unescaped into `calendar.ics`, this ends the property it is in and
/// forges a start date, a whole event and the end of the calendar.
const FORGE: &str = "\r\nDTSTART:19700101T000000Z\r\nBEGIN:VEVENT\r\nUID:forged\r\nDTSTART:19700101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// `text` as a YAML double-quoted scalar: line breaks, tabs and other control
/// characters written as escapes.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TEXT value of calendar.ics unescaped (RFC 5545 §3.3.11). An unescaped
/// `,` or `;` would split the value in two, so it fails the test.
#[track_caller]
fn unescape_text(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(c @ ('\\' | ',' | ';')) => out.push(c),
                other => panic!("bad escape \\{other:?} in {value:?}"),
            },
            ',' | ';' => panic!("unescaped {c:?} in {value:?}"),
            c => out.push(c),
        }
    }
    out
}

/// What a TEXT value can hold of `text`: every line break (`\r\n`, `\n`, a
/// lone `\r`) is a `\n`; control characters other than tab are left out.
fn calendar_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

#[test]
fn newlines_in_values_cannot_forge_calendar_properties() {
    // Every free-text value that reaches calendar.ics: the site title
    // (X-WR-CALNAME), base_url (URL), a runbook's title (SUMMARY,
    // DESCRIPTION), its headroom.reports folder (DESCRIPTION) and its id, the
    // file name (UID, URL). The owner does not reach it, but must not forge
    // anything either.
    let (tmp, root) = good_repo();
    let hostile = |name: &str| {
        format!(
            "{name}{FORGE}X-FORGED;A=1:b, c; d \\ e \\n \\, \\; f\rATTACH:lone-cr\ttab \u{1b}[31m end"
        )
    };
    let site_title = hostile("Acme");
    // Line breaks in base_url are refused by check (see the end); what a URL
    // cannot hold otherwise is percent-encoded.
    let base_url = "https://evidence.acme.example/a\"<>{}|^`\\,;:b".to_owned();
    let title = hostile("Capacity");
    let owner = hostile("Founder");
    let folder = format!("evidence/reports{FORGE}X-FORGED;A=1:b, c; d \\ e \\n end");
    let id = format!("second{FORGE}x");
    let second = hostile("Second");

    let config = fs::read_to_string(root.join("dossier.yaml"))
        .unwrap()
        .replace(
            "title: Acme SOC 2 evidence",
            &format!("title: {}", yaml_quoted(&site_title)),
        )
        .replace(
            "base_url: https://evidence.acme.example",
            &format!("base_url: {}", yaml_quoted(&base_url)),
        );
    fs::write(root.join("dossier.yaml"), config).unwrap();
    let runbook = root.join("runbooks/capacity-planning.md");
    let text = fs::read_to_string(&runbook)
        .unwrap()
        .replace(
            "title: Capacity Runbook",
            &format!("title: {}", yaml_quoted(&title)),
        )
        .replace("owner: Founder", &format!("owner: {}", yaml_quoted(&owner)))
        .replace(
            "reports: evidence/capacity_reports",
            &format!("reports: {}", yaml_quoted(&folder)),
        );
    fs::write(&runbook, text).unwrap();
    // The reports are filed in the hostile folder (the runbook links to the old one).
    copy_dir(&root.join("evidence/capacity_reports"), &root.join(&folder));
    fs::write(
        root.join(format!("runbooks/{id}.md")),
        runbook_text(&yaml_quoted(&second), ""),
    )
    .unwrap();

    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    // The values reached the site as written.
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("evidence.json")).unwrap()).unwrap();
    assert_eq!(json["title"], site_title.as_str());
    assert_eq!(json["base_url"], base_url.as_str());
    let runbooks = json["runbooks"].as_array().unwrap();
    let capacity = runbooks
        .iter()
        .find(|r| r["id"] == "capacity-planning")
        .unwrap();
    assert_eq!(capacity["title"], title.as_str());
    assert_eq!(capacity["owner"], owner.as_str());
    assert_eq!(capacity["headroom"]["reports"], folder.as_str());
    assert!(runbooks.iter().any(|r| r["id"] == id.as_str()));
    // SHA256SUMS: one line per source, though a folder and a file name hold CRLF.
    let sums = fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert_eq!(
        sums.lines().count(),
        json["sources"].as_array().unwrap().len()
    );
    verify_sums(&root, &out);

    let ics = String::from_utf8(fs::read(out.join("calendar.ics")).unwrap()).expect("UTF-8");
    // Physical lines: CRLF line ends only, at most 75 octets, no control
    // characters but tab.
    let physical: Vec<&str> = ics
        .strip_suffix("\r\n")
        .expect("ends with CRLF")
        .split("\r\n")
        .collect();
    for line in &physical {
        assert!(
            !line.contains(['\r', '\n']),
            "a line end that is not CRLF: {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(
            !line.chars().any(|c| c.is_control() && c != '\t'),
            "a control character: {line:?}"
        );
    }
    // Unfolded (RFC 5545 §3.1): a line that starts with a space or a tab
    // continues the one before.
    let mut lines: Vec<String> = Vec::new();
    for line in physical {
        match line.strip_prefix([' ', '\t']) {
            Some(rest) => lines.last_mut().expect("not a continuation").push_str(rest),
            None => lines.push(line.to_owned()),
        }
    }
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    let count = |wanted: &str| lines.iter().filter(|l| *l == wanted).count();
    assert_eq!(
        (count("BEGIN:VCALENDAR"), count("END:VCALENDAR")),
        (1, 1),
        "{ics}"
    );
    assert_eq!(count("BEGIN:VEVENT"), count("END:VEVENT"));
    // Only the properties dossier writes start a line: nothing forged.
    const PROPERTIES: [&str; 15] = [
        "BEGIN",
        "END",
        "VERSION",
        "PRODID",
        "CALSCALE",
        "METHOD",
        "X-WR-CALNAME",
        "UID",
        "DTSTAMP",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "DESCRIPTION",
        "URL",
        "TRANSP",
    ];
    let mut calendar: Vec<(String, String)> = Vec::new();
    let mut events: Vec<Vec<(String, String)>> = Vec::new();
    let mut in_event = false;
    for line in &lines[1..lines.len() - 1] {
        for forged in ["X-FORGED", "ATTACH", "UID:forged", "DTSTART:1970"] {
            assert!(!line.starts_with(forged), "forged: {line:?}\n{ics}");
        }
        let (head, value) = line.split_once(':').expect("NAME:value");
        let name = head.split(';').next().unwrap();
        assert!(PROPERTIES.contains(&name), "forged: {line:?}\n{ics}");
        match (name, value) {
            ("BEGIN", "VEVENT") => {
                assert!(!in_event, "an event inside an event");
                in_event = true;
                events.push(Vec::new());
            }
            ("END", "VEVENT") => {
                assert!(in_event, "END:VEVENT outside an event");
                in_event = false;
            }
            ("BEGIN" | "END", _) => panic!("forged: {line:?}\n{ics}"),
            _ if in_event => events
                .last_mut()
                .unwrap()
                .push((head.to_owned(), value.to_owned())),
            _ => calendar.push((head.to_owned(), value.to_owned())),
        }
    }
    assert!(!in_event, "an event left open");
    let one = |properties: &[(String, String)], name: &str| -> String {
        let found: Vec<&String> = properties
            .iter()
            .filter(|(head, _)| head.split(';').next() == Some(name))
            .map(|(_, value)| value)
            .collect();
        assert_eq!(found.len(), 1, "{name} in {properties:#?}");
        found[0].clone()
    };
    assert_eq!(
        unescape_text(&one(&calendar, "X-WR-CALNAME")),
        calendar_text(&site_title)
    );
    let title = calendar_text(&title);
    let second = calendar_text(&second);
    let folder = calendar_text(&folder);
    let (mut reviews, mut reports) = (0, 0);
    for event in &events {
        // Exactly one start, the one dossier wrote.
        let start = one(event, "DTSTART");
        assert!(
            event
                .iter()
                .any(|(h, v)| h == "DTSTART;VALUE=DATE" && *v == start)
                && start.len() == 8
                && start.bytes().all(|b| b.is_ascii_digit())
                && start != "19700101",
            "{event:#?}"
        );
        let uid = one(event, "UID");
        let summary = unescape_text(&one(event, "SUMMARY"));
        let description = unescape_text(&one(event, "DESCRIPTION"));
        let url = dossier::model::markdown::percent_decode(&one(event, "URL"));
        if uid.starts_with("review-capacity-planning-") {
            reviews += 1;
            assert_eq!(summary, format!("Review due: {title}"));
            assert_eq!(description, format!("{title} review (now version 1.2)."));
            assert_eq!(
                url,
                format!("{base_url}/runbooks/capacity-planning/index.html")
            );
        } else if uid.starts_with("report-capacity-planning-") {
            reports += 1;
            assert_eq!(summary, format!("Headroom report due: {title}"));
            assert!(
                description.starts_with(&format!("{title} headroom report for "))
                    && description.contains(&format!(" in {folder}/.")),
                "{description:?}"
            );
        } else if uid.starts_with("review-second%0D%0A") {
            reviews += 1;
            assert_eq!(summary, format!("Review due: {second}"));
            assert_eq!(url, format!("{base_url}/runbooks/{id}/index.html"));
        }
    }
    // The capacity runbook's review and the second runbook's.
    assert_eq!(reviews, 2, "{ics}");
    assert!(reports > 0, "{ics}");

    // A parser reads the same events, each with one start.
    let unfolded = icalendar::parser::unfold(&ics);
    let parsed = icalendar::parser::read_calendar(&unfolded).expect("a valid iCalendar file");
    assert_eq!(parsed.components.len(), events.len());
    for event in &parsed.components {
        assert_eq!(event.name, "VEVENT");
        assert!(event.components.is_empty());
        let starts = event
            .properties
            .iter()
            .filter(|p| p.name == "DTSTART")
            .count();
        assert_eq!(starts, 1);
    }

    // A base_url with a line break cannot be published at all.
    let config = fs::read_to_string(root.join("dossier.yaml"))
        .unwrap()
        .replace(
            &format!("base_url: {}", yaml_quoted(&base_url)),
            &format!(
                "base_url: {}",
                yaml_quoted(&format!("https://evidence.acme.example/a{FORGE}b"))
            ),
        );
    fs::write(root.join("dossier.yaml"), config).unwrap();
    let refused = build(&root, &tmp.path().join("refused"));
    assert_eq!(code(&refused), 1, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("must be an absolute http(s) URL without spaces"),
        "{}",
        stderr(&refused)
    );
    assert!(!tmp.path().join("refused").exists());
}

#[test]
fn odd_file_names_work_in_urls_links_and_sums() {
    let (tmp, root) = good_repo();
    let names = [
        "my runbook",
        "ünïcödé-план",
        "-rf",
        "--help",
        "100%",
        "%41",
        "A",
        "a#b?c&d=e",
        "quote\"s'",
        "<tag>",
        "sp ace+plus",
    ];
    let links: String = names
        .iter()
        .map(|n| {
            let encoded: String = n
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!(
                "- [{}]({encoded}.md)\n",
                n.replace(['<', '>', '[', ']'], "")
            )
        })
        .collect();
    for name in names {
        fs::write(
            root.join(format!("runbooks/{name}.md")),
            runbook_text(
                &format!("Runbook {}", name.replace(['"', '\''], "")),
                &links,
            ),
        )
        .unwrap();
    }
    fs::create_dir_all(root.join("evidence/my reports %20")).unwrap();
    let runbook = root.join("runbooks/capacity-planning.md");
    let text = fs::read_to_string(&runbook).unwrap().replace(
        "reports: evidence/capacity_reports",
        "reports: \"evidence/my reports %20\"",
    );
    fs::write(&runbook, text).unwrap();
    for entry in fs::read_dir(root.join("evidence/capacity_reports")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(
            entry.path(),
            root.join("evidence/my reports %20")
                .join(format!("-{}", entry.file_name().to_string_lossy())),
        )
        .unwrap();
    }
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    // Every page has its own file; every internal link reaches a file.
    let files = tree(&out);
    for name in names {
        let expected = format!("runbooks/{name}/index.html");
        assert!(
            files.contains_key(&expected),
            "no page for {name:?}: {:?}",
            files
                .keys()
                .filter(|k| k.starts_with("runbooks/"))
                .collect::<Vec<_>>()
        );
    }
    assert!(
        files
            .keys()
            .any(|k| k.starts_with("evidence/my reports %20/")),
        "{files:?}"
    );
    let mut crawled = 0;
    for (page, sha) in &files {
        if !page.ends_with(".html") || sha.is_empty() {
            continue;
        }
        let html = fs::read_to_string(out.join(page)).unwrap();
        for attribute in [" href=\"", " src=\""] {
            for value in html.split(attribute).skip(1) {
                let target = value.split('"').next().unwrap().replace("&amp;", "&");
                if target.starts_with("http")
                    || target.starts_with("mailto:")
                    || target.starts_with('#')
                {
                    continue;
                }
                let file = target.split('#').next().unwrap();
                let resolved = join(page, file);
                assert!(
                    files.contains_key(&resolved),
                    "{page} links to {target} ({resolved}), which is not in the site"
                );
                crawled += 1;
            }
        }
    }
    assert!(crawled > names.len() * names.len());
    verify_sums(&root, &out);
}

/// Resolves a relative URL against a page path, decoding `%XX` once.
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
fn runbook_ids_that_are_dot_segments_are_refused_by_check() {
    // A runbook's id is its file stem and names its page: `runbooks/..md` has
    // the id `.` and `runbooks/...md` the id `..`, whose pages would be
    // `runbooks/./index.html` and `runbooks/../index.html` (the home page).
    // `check` refuses them at the file, so `build` never gets to write them.
    let (tmp, root) = good_repo();
    let out = tmp.path().join("site");
    let published = build(&root, &out);
    assert_eq!(code(&published), 0, "{}", stderr(&published));
    let before = tree(&out);

    fs::write(root.join("runbooks/..md"), runbook_text("Dot Runbook", "")).unwrap();
    fs::write(root.join("runbooks/...md"), runbook_text("Dots", "")).unwrap();
    // Names that only start or end with dots are pages of their own.
    fs::write(root.join("runbooks/....md"), runbook_text("Three Dots", "")).unwrap();
    fs::write(root.join("runbooks/.hidden.md"), runbook_text("Hidden", "")).unwrap();

    let (exit, diagnostics) = check_json(&root);
    assert_eq!(exit, 1, "{diagnostics:#?}");
    assert_eq!(
        rules(&diagnostics),
        ["runbook-id runbooks/...md", "runbook-id runbooks/..md"],
        "{diagnostics:#?}"
    );
    for (d, id, meaning, rename) in [
        (
            &diagnostics[0],
            "..",
            "`..` there means the folder above runbooks/, not a page",
            "runbooks/dots.md",
        ),
        (
            &diagnostics[1],
            ".",
            "`.` there means the runbooks/ folder itself, not a page",
            "runbooks/dot-runbook.md",
        ),
    ] {
        assert_eq!(d["severity"], "error");
        assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(1), None));
        assert_eq!(
            d["message"].as_str().unwrap(),
            format!(
                "runbook id `{id}` cannot be a page: the id (the file name without `.md`) becomes a URL path segment, runbooks/{id}/index.html, and {meaning}"
            )
        );
        let help = d["help"].as_str().unwrap();
        assert!(
            help.starts_with("rename the file") && help.contains(rename),
            "{help}"
        );
    }

    let human = dossier(&["check", "--root", path(&root), "--today", TODAY]);
    assert_eq!(code(&human), 1);
    let printed = format!("{}{}", stdout(&human), stderr(&human));
    for place in ["--> runbooks/...md:1", "--> runbooks/..md:1"] {
        assert!(printed.contains(place), "{printed}");
    }
    assert!(printed.contains("error[runbook-id]"), "{printed}");

    // `build` checks first: it fails with the same errors and writes nothing.
    let refused = build(&root, &out);
    assert_eq!(code(&refused), 1, "{}", stderr(&refused));
    let said = format!("{}{}", stdout(&refused), stderr(&refused));
    assert!(said.contains("error[runbook-id]"), "{said}");
    assert!(said.contains("build: nothing written"), "{said}");
    assert_eq!(tree(&out), before, "the published site is untouched");
    let fresh = tmp.path().join("fresh-site");
    assert_eq!(code(&build(&root, &fresh)), 1);
    assert!(!fresh.exists(), "nothing written");
}

// ---------------------------------------------------------------------------
// 6. Limits.

#[test]
fn files_over_16_mib_are_refused_naming_the_limit() {
    let (_tmp, root) = good_repo();
    let limit = dossier::sources::MAX_FILE_BYTES;
    assert_eq!(limit, 16 * 1024 * 1024);
    // Sparse: the test writes no 16 MiB.
    for (file, size) in [
        ("runbooks/huge.md", limit + 1),
        ("evidence/capacity_reports/2026-11-30.md", 1 << 40),
    ] {
        let f = fs::File::create(root.join(file)).unwrap();
        f.set_len(size).unwrap();
    }
    let started = Instant::now();
    let (code, diagnostics) = check_json(&root);
    assert!(started.elapsed() < HANG);
    assert_eq!(code, 1);
    let refused = of_rule(&diagnostics, "too-large");
    assert_eq!(refused.len(), 2, "{diagnostics:#?}");
    for d in refused {
        let message = d["message"].as_str().unwrap();
        assert!(
            message.contains("16 MiB") && message.contains("16777216"),
            "{message}"
        );
        assert!(
            message.starts_with(d["file"].as_str().unwrap()),
            "{message}"
        );
    }
}

#[test]
fn deeply_nested_yaml_is_refused_with_a_clear_error() {
    let (_tmp, root) = good_repo();
    let flow = format!(
        "---\ntitle: {}{}\n---\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let block: String = (0..1_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    fs::write(root.join("runbooks/flow.md"), flow).unwrap();
    fs::write(root.join("runbooks/block.md"), format!("---\n{block}---\n")).unwrap();
    fs::write(
        root.join("dossier.yaml"),
        format!("a: {}", "{a: ".repeat(10_000)),
    )
    .unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 1);
    let nested: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("nested too deeply"))
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        nested,
        ["dossier.yaml", "runbooks/block.md", "runbooks/flow.md"],
        "{diagnostics:#?}"
    );
}

#[test]
fn billion_laughs_is_refused_with_a_clear_error() {
    let (_tmp, root) = good_repo();
    let mut yaml = String::from("---\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*l{}", i - 1);
        yaml.push_str(&format!("l{i}: &l{i} [{}]\n", vec![prev; 9].join(", ")));
    }
    yaml.push_str("title: lol\n---\n");
    fs::write(root.join("runbooks/lol.md"), &yaml).unwrap();
    // And one that stays under the node count but uses many aliases.
    let many: String = (0..200).map(|i| format!("k{i}: *a\n")).collect();
    fs::write(
        root.join("runbooks/aliases.md"),
        format!("---\na: &a [x]\n{many}---\n"),
    )
    .unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!(code, 1);
    let message = |file: &str| {
        diagnostics
            .iter()
            .find(|d| d["file"] == file)
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        message("runbooks/lol.md").contains("billion laughs"),
        "{diagnostics:#?}"
    );
    assert!(
        message("runbooks/aliases.md").contains("too many aliases"),
        "{diagnostics:#?}"
    );
}

/// A runbook of `rows` trigger rows such as `| m123456 | > 42ms | act |`:
/// 200,000 of them make 5.02 MiB.
fn large_runbook(rows: usize) -> String {
    let mut text = runbook_text(
        "Large Runbook",
        "## Triggers\n\n| Metric | Trigger | Response |\n|-|-|-|\n",
    );
    for i in 0..rows {
        text.push_str(&format!("| m{i} | > {}ms | act |\n", i % 97));
    }
    text
}

#[test]
fn a_runbook_with_many_trigger_rows_checks() {
    let (_tmp, root) = good_repo();
    fs::write(root.join("runbooks/large.md"), large_runbook(20_000)).unwrap();
    let (code, diagnostics) = check_json(&root);
    assert_eq!((code, diagnostics.len()), (0, 0), "{diagnostics:#?}");
}

/// The figure of docs/bad-input.md: `dossier check` of a 5 MiB runbook of
/// 200,000 trigger rows. A benchmark, not a test: run it with
///
/// ```sh
/// cargo test --release --test hostile -- --ignored --nocapture large_runbook_benchmark
/// ```
///
/// With `DOSSIER_BENCH_DIR=DIR` the repository is kept there for hyperfine.
#[test]
#[ignore = "a benchmark: run with --release --ignored --nocapture"]
fn large_runbook_benchmark() {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::env::var_os("DOSSIER_BENCH_DIR")
        .map_or_else(|| tmp.path().join("repo"), PathBuf::from);
    fs::create_dir_all(root.join("runbooks")).unwrap();
    let text = large_runbook(200_000);
    fs::write(root.join("runbooks/large.md"), &text).unwrap();
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let output = dossier(&["check", "--root", path(&root), "--today", TODAY]);
        times.push(started.elapsed());
        assert_eq!(code(&output), 0, "{}", stderr(&output));
    }
    times.sort();
    eprintln!(
        "dossier check of one runbook of {:.2} MiB with 200000 trigger rows: median {:?} (min {:?}, max {:?}, 7 runs)",
        text.len() as f64 / 1024.0 / 1024.0,
        times[3],
        times[0],
        times[6]
    );
}

/// The same runbook with every trigger broken: 200,000 diagnostics, printed
/// in each format. A benchmark of the diagnostics' printing:
///
/// ```sh
/// cargo test --release --test hostile -- --ignored --nocapture many_diagnostics_benchmark
/// ```
#[test]
#[ignore = "a benchmark: run with --release --ignored --nocapture"]
fn many_diagnostics_benchmark() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    fs::create_dir_all(root.join("runbooks")).unwrap();
    let text = large_runbook(200_000).replace("| > ", "| around ");
    fs::write(root.join("runbooks/large.md"), &text).unwrap();
    for format in ["json", "github", "human"] {
        let started = Instant::now();
        let output = dossier(&[
            "check",
            "--root",
            path(&root),
            "--today",
            TODAY,
            "--format",
            format,
        ]);
        assert_eq!(code(&output), 1);
        eprintln!(
            "dossier check --format {format} printing 200000 diagnostics: {:?}",
            started.elapsed()
        );
    }
}

/// Terminal escapes in a file name, a message, a source line or a help text
/// never reach the terminal: `check` prints them as U+FFFD.
#[test]
fn terminal_escapes_in_names_and_help_never_reach_the_terminal() {
    let (_tmp, root) = good_repo();
    let name = "runbooks/evil\u{1b}]0;pwned\u{7}\u{9b}2J.md";
    let body = "# Evil\n\nSee [the plan](plan\u{1b}[2J.md).\n";
    let text =
        runbook_text("\"Evil \\e[31m\"", body).replace("controls: [A1.2]", "controls: [ZZ9.9]");
    fs::write(root.join(name), text).unwrap();
    let output = dossier(&["check", "--root", path(&root), "--today", "2026-12-04"]);
    assert_eq!(code(&output), 1);
    let printed = stderr(&output) + &stdout(&output);
    assert!(
        !printed.chars().any(|c| c.is_control() && c != '\n'),
        "{printed:?}"
    );
    assert!(
        printed.contains("runbooks/evil\u{fffd}]0;pwned\u{fffd}\u{fffd}2J.md"),
        "{printed}"
    );
    assert!(
        printed.contains("help:"),
        "a help text is printed too: {printed}"
    );
}
