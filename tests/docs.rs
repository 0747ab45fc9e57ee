//! Every example in `docs/` is checked here, so the documentation cannot
//! drift from what dossier does.
//!
//! Fenced code blocks say what they are in their info string. GitHub reads
//! only the first word (the language, for highlighting); the words after it
//! are for this test:
//!
//! - ```` ```markdown file=runbooks/x.md ```` is a file of an example
//!   repository (`repo=NAME` picks one of several on a page; `encoding=latin1`
//!   writes the text as Latin-1 bytes). Blocks act in page order, so a later
//!   block may overwrite a file. A repository whose last file written is not
//!   followed by a `console` block must pass `dossier check --today 2026-12-04`.
//! - ```` ```console ```` (with `repo=NAME` as above) is a shell session run in
//!   that repository: each `$ ` line is a command (the `dossier` built by this
//!   test first on `PATH`), the lines below it are its output, stdout and
//!   stderr together. In an expected line `[..]` matches any text, and a line
//!   `...` matches any number of lines. Every `dossier` command there whose
//!   output depends on the date pins it with `--today` (or `--date`).
//! - ```` ```text excerpt=PATH ```` must appear line for line (indentation and
//!   a leading `//!` aside) in that file of this repository.
//! - ```` ```yaml adopts=.github/workflows/evidence.yml ```` is that workflow
//!   as an evidence repository uses it: the same file, but for where dossier
//!   is installed from.
//! - ```` ```yaml pre-commit-config ```` is a `.pre-commit-config.yaml`: its
//!   hooks are those of `.pre-commit-hooks.yaml`, or local ones that run a
//!   valid dossier command.
//! - ```` ```sh ```` holds commands for the reader to type; every `dossier`
//!   command uses only subcommands and options that its `--help` lists, and
//!   other commands are limited to installing tools ([`READER_COMMANDS`]).
//!
//! A block with none of these fails the test. Tables whose header is one of
//! [`TABLES`] are recomputed with the library: triggers parse to what they
//! say, rejected ones fail with the message given, observations convert,
//! headroom and levels, cadence periods and due dates.
//!
//! Set `DOSSIER_BLESS_DOCS=1` to rewrite the output of console blocks that no
//! longer match (lines with wildcards are kept where they still match); then
//! read the diff.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use chrono::NaiveDate;
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use dossier::evaluate::{self, percent};
use dossier::model::cadence::Cadence;
use dossier::model::trigger::{self, Unit, convert, parse_quantity, parse_trigger};

/// The day every example is checked against.
const TODAY: &str = "2026-12-04";

/// The documentation pages this test covers (others in `docs/` belong to
/// other tests).
const DOCS: [&str; 5] = [
    "docs/writing-runbooks.md",
    "docs/triggers.md",
    "docs/diagnostics.md",
    "docs/auditors.md",
    "docs/ci.md",
];

/// Commands other than `dossier` that `sh` blocks may show: how to install
/// the tools, which this test does not run.
const READER_COMMANDS: [&str; 4] = [
    "cargo install",
    "pre-commit install",
    "pre-commit run",
    "sha256sum -c",
];

/// Headers of the tables this test recomputes.
const TABLES: [&[&str]; 6] = [
    &["Trigger", "Parses to"],
    &["Trigger", "Rejected because"],
    &["Trigger", "Observed", "Compares as"],
    &["Trigger", "Observed", "Rejected because"],
    &["Trigger", "Observed", "Margin", "Headroom", "Status"],
    &["Cadence", "Report dated", "Period", "Starts", "Ends", "Due"],
];

/// The workflow and the local action it installs dossier with.
const WORKFLOW: &str = ".github/workflows/evidence.yml";
const INSTALL_ACTION: &str = ".github/actions/install-dossier";
/// How an evidence repository refers to that action instead.
const ADOPTED_ACTION: &str = "OWNER/dossier/.github/actions/install-dossier@main";

fn project_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    fs::read_to_string(project_root().join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Problems found, all reported at the end so one run lists them all.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, at: impl std::fmt::Display, message: impl std::fmt::Display) {
        self.0.push(format!("{at}: {message}"));
    }

    #[track_caller]
    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} problem(s) in the docs:\n\n{}",
            self.0.len(),
            self.0.join("\n\n")
        );
    }
}

// ---------------------------------------------------------------------------
// Reading a page: fenced blocks, tables, headings, links.

#[derive(Debug)]
struct Block {
    doc: String,
    line: usize,
    lang: String,
    attrs: BTreeMap<String, String>,
    text: String,
    /// Byte range of the block's content in the page (empty at the content's start when empty).
    content: Range<usize>,
}

impl Block {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    fn at(&self) -> String {
        format!("{}:{}", self.doc, self.line)
    }
}

#[derive(Debug)]
struct Table {
    line: usize,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Debug, Default)]
struct Page {
    blocks: Vec<Block>,
    tables: Vec<Table>,
    headings: Vec<String>,
    /// (line, destination)
    links: Vec<(usize, String)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// Reads a page with the same Markdown options dossier uses (GitHub's).
fn page(doc: &str, text: &str) -> Page {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut out = Page::default();
    let mut block: Option<Block> = None;
    let mut table: Option<Table> = None;
    let mut cell: Option<String> = None;
    let mut heading: Option<String> = None;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let mut words = info.split_whitespace();
                let lang = words.next().unwrap_or_default().to_owned();
                let attrs = words
                    .map(|w| match w.split_once('=') {
                        Some((k, v)) => (k.to_owned(), v.to_owned()),
                        None => (w.to_owned(), String::new()),
                    })
                    .collect();
                let start = text[range.clone()]
                    .find('\n')
                    .map_or(range.end, |i| range.start + i + 1);
                block = Some(Block {
                    doc: doc.to_owned(),
                    line: line_of(text, range.start),
                    lang,
                    attrs,
                    text: String::new(),
                    content: start..start,
                });
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(b) = block.take() {
                    out.blocks.push(b);
                }
            }
            Event::Start(Tag::Table(_)) => {
                table = Some(Table {
                    line: line_of(text, range.start),
                    header: Vec::new(),
                    rows: Vec::new(),
                })
            }
            Event::End(TagEnd::Table) => out.tables.extend(table.take()),
            Event::Start(Tag::TableRow) => {
                if let Some(t) = table.as_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                if let (Some(t), Some(c)) = (table.as_mut(), cell.take()) {
                    let c = c.trim().to_owned();
                    match t.rows.last_mut() {
                        Some(row) => row.push(c),
                        None => t.header.push(c),
                    }
                }
            }
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::End(TagEnd::Heading(_)) => out.headings.extend(heading.take()),
            Event::Start(Tag::Link { dest_url, .. }) => {
                out.links
                    .push((line_of(text, range.start), dest_url.into_string()));
            }
            Event::Text(t) => {
                if let Some(b) = block.as_mut() {
                    if b.text.is_empty() {
                        b.content = range.clone();
                    }
                    b.text.push_str(&t);
                    b.content.end = range.end;
                }
                for s in [cell.as_mut(), heading.as_mut()].into_iter().flatten() {
                    s.push_str(&t);
                }
            }
            Event::Code(t) => {
                for s in [cell.as_mut(), heading.as_mut()].into_iter().flatten() {
                    s.push('`');
                    s.push_str(&t);
                    s.push('`');
                }
            }
            Event::SoftBreak => {
                for s in [cell.as_mut(), heading.as_mut()].into_iter().flatten() {
                    s.push(' ');
                }
            }
            _ => {}
        }
    }
    out
}

/// A cell that is one code span, without its backticks.
fn code(cell: &str) -> Option<&str> {
    let inner = cell.strip_prefix('`')?.strip_suffix('`')?;
    (!inner.contains('`')).then_some(inner)
}

/// GitHub's anchor for a heading.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------
// Running dossier.

fn dossier_bin() -> &'static str {
    env!("CARGO_BIN_EXE_dossier")
}

/// `dossier ARGS --help`, cached.
fn help(args: &[String]) -> String {
    static CACHE: Mutex<BTreeMap<Vec<String>, String>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(args.to_vec())
        .or_insert_with(|| {
            let output = Command::new(dossier_bin())
                .args(args)
                .arg("--help")
                .output()
                .expect("dossier runs");
            if output.status.success() {
                String::from_utf8_lossy(&output.stdout).into_owned()
            } else {
                String::new()
            }
        })
        .clone()
}

/// The `dossier …` invocations in a line of shell: each segment between
/// `;`, `|`, `&&`, `{` and `}` that starts with `dossier `, without redirections.
fn dossier_commands(line: &str) -> Vec<String> {
    line.split([';', '|', '{', '}', '&'])
        .map(str::trim)
        .filter(|s| s.starts_with("dossier ") || *s == "dossier")
        .map(|s| s.split(['>', '<']).next().unwrap_or(s).trim().to_owned())
        .collect()
}

/// Checks that a `dossier` command uses only subcommands and options its
/// `--help` lists; `pinned` also requires `--today` where dates matter.
fn validate_command(command: &str, pinned: bool) -> Result<(), String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    if words.first() != Some(&"dossier") {
        return Err(format!("`{command}` is not a dossier command"));
    }
    let mut path: Vec<String> = Vec::new();
    for word in &words[1..] {
        if word.starts_with('-') {
            break;
        }
        path.push((*word).to_owned());
        if path[0] != "new" || path.len() == 2 {
            break;
        }
    }
    let Some(sub) = path.first() else {
        return Ok(()); // `dossier --help`, `dossier --version`
    };
    let text = help(&path);
    if text.is_empty() {
        return Err(format!(
            "`{command}`: `dossier {} --help` fails",
            path.join(" ")
        ));
    }
    let mut words_iter = words[1..].iter().peekable();
    while let Some(word) = words_iter.next() {
        let Some(flag) = word.strip_prefix("--") else {
            continue;
        };
        let name = flag.split('=').next().unwrap_or(flag);
        if !text.contains(&format!("--{name}")) {
            return Err(format!(
                "`{command}`: `dossier {}` has no option `--{name}`",
                path.join(" ")
            ));
        }
        if name == "format"
            && let Some(value) = words_iter.peek()
            && !text.contains(&format!(" {value}"))
        {
            return Err(format!(
                "`{command}`: `--format {value}` is not a format of `dossier {sub}`"
            ));
        }
    }
    let dated = matches!(sub.as_str(), "check" | "build" | "status" | "new");
    let has = |flag: &str| words.contains(&flag);
    if pinned
        && dated
        && !(has("--today") || (path.get(1).is_some_and(|k| k == "report") && has("--date")))
    {
        return Err(format!(
            "`{command}` depends on the date: pin it with --today {TODAY}"
        ));
    }
    Ok(())
}

const MARK: &str = "@@dossier-docs-test@@";

/// Runs shell commands in `dir`, one after the other in one shell, and
/// returns each one's output (stdout and stderr as a terminal interleaves them).
fn run_session(dir: &Path, commands: &[String]) -> Vec<String> {
    let mut script = String::from("s=0\n");
    for (i, command) in commands.iter().enumerate() {
        let _ = write!(
            script,
            "printf '\\n{MARK}{i}\\n'\n(exit $s)\n{{\n{command}\n}} 2>&1\ns=$?\n"
        );
    }
    let bin = Path::new(dossier_bin())
        .parent()
        .expect("the binary has a folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .output()
        .expect("sh runs");
    let text = String::from_utf8_lossy(&output.stdout);
    let mut outputs = vec![String::new(); commands.len()];
    for part in text.split(MARK).skip(1) {
        let (index, rest) = part.split_once('\n').unwrap_or((part, ""));
        if let Ok(i) = index.parse::<usize>() {
            outputs[i] = rest.to_owned();
        }
    }
    outputs
}

/// Lines without trailing blanks, and without blank lines around them.
fn lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let start = lines.iter().take_while(|l| l.is_empty()).count();
    lines.split_off(start)
}

fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || !line[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// `[..]` within a line, `...` for any lines.
fn output_matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| output_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && output_matches(rest, more)),
    }
}

/// A console block as (command, expected output) pairs.
fn session(block: &Block) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in block.text.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => out.push((command.to_owned(), Vec::new())),
            None => match out.last_mut() {
                Some((_, expected)) => expected.push(line.to_owned()),
                None if line.trim().is_empty() => {}
                None => out.push((String::new(), vec![line.to_owned()])),
            },
        }
    }
    out.into_iter()
        .map(|(command, expected)| (command, lines(&expected.join("\n"))))
        .collect()
}

// ---------------------------------------------------------------------------
// Checking a page.

/// An example repository of a page.
struct Repo {
    dir: tempfile::TempDir,
    /// Written to since the last console block ran in it.
    unchecked: Option<String>,
}

/// Runs every block of a page in order and checks its tables; returns the page.
fn check_page(doc: &str, problems: &mut Problems) -> Page {
    let text = read(doc);
    let page = page(doc, &text);
    let mut repos: BTreeMap<String, Repo> = BTreeMap::new();
    let mut rewrites: Vec<(Range<usize>, String)> = Vec::new();
    for block in &page.blocks {
        let repo_name = block.attr("repo").unwrap_or("example").to_owned();
        if let Some(file) = block.attr("file") {
            let repo = repos.entry(repo_name).or_insert_with(new_repo);
            write_file(repo, block, file, problems);
            repo.unchecked = Some(block.at());
        } else if block.lang == "console" {
            let repo = repos.entry(repo_name).or_insert_with(new_repo);
            repo.unchecked = None;
            if let Some(new_text) = run_console(repo.dir.path(), block, problems) {
                rewrites.push((block.content.clone(), new_text));
            }
        } else if let Some(path) = block.attr("excerpt") {
            check_excerpt(block, path, problems);
        } else if let Some(path) = block.attr("adopts") {
            check_adopted_workflow(block, path, problems);
        } else if block.attrs.contains_key("pre-commit-config") {
            check_pre_commit_config(block, problems);
        } else if block.lang == "sh" {
            check_reader_commands(block, problems);
        } else {
            problems.add(
                block.at(),
                format!(
                    "a ```{} block that no test checks: give it file=, excerpt=, adopts= or pre-commit-config, or make it console or sh",
                    block.lang
                ),
            );
        }
    }
    for (name, repo) in &repos {
        if let Some(at) = &repo.unchecked {
            let run = Command::new(dossier_bin())
                .args(["check", "--today", TODAY])
                .current_dir(repo.dir.path())
                .env("NO_COLOR", "1")
                .output()
                .expect("dossier runs");
            if !run.status.success() {
                problems.add(
                    at,
                    format!(
                        "example repository `{name}` fails `dossier check --today {TODAY}`:\n{}",
                        String::from_utf8_lossy(&run.stderr)
                    ),
                );
            }
        }
    }
    for table in &page.tables {
        check_table(doc, table, problems);
    }
    check_links(doc, &page, problems);
    if std::env::var_os("DOSSIER_BLESS_DOCS").is_some() && !rewrites.is_empty() {
        let mut text = text;
        for (range, new_text) in rewrites.into_iter().rev() {
            text.replace_range(range, &new_text);
        }
        fs::write(project_root().join(doc), text).expect("docs are writable");
    }
    page
}

fn new_repo() -> Repo {
    Repo {
        dir: tempfile::tempdir().expect("a temporary folder"),
        unchecked: None,
    }
}

fn write_file(repo: &Repo, block: &Block, file: &str, problems: &mut Problems) {
    let path = repo.dir.path().join(file);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("folders can be made");
    }
    let bytes = match block.attr("encoding") {
        None => block.text.clone().into_bytes(),
        Some("latin1") => match block
            .text
            .chars()
            .map(|c| u8::try_from(u32::from(c)))
            .collect()
        {
            Ok(bytes) => bytes,
            Err(_) => {
                problems.add(block.at(), "text that Latin-1 cannot encode");
                return;
            }
        },
        Some(other) => {
            problems.add(block.at(), format!("unknown encoding `{other}`"));
            return;
        }
    };
    fs::write(&path, bytes).expect("example files can be written");
}

/// Runs a console block; on a mismatch, returns the block's text as it
/// would have to read (for blessing).
fn run_console(dir: &Path, block: &Block, problems: &mut Problems) -> Option<String> {
    let steps = session(block);
    for (command, _) in &steps {
        if command.is_empty() {
            problems.add(block.at(), "output before the first `$ ` command");
            return None;
        }
        for dossier in dossier_commands(command) {
            if let Err(e) = validate_command(&dossier, true) {
                problems.add(block.at(), e);
            }
        }
    }
    let commands: Vec<String> = steps.iter().map(|(c, _)| c.clone()).collect();
    let outputs = run_session(dir, &commands);
    let mut ok = true;
    let mut blessed = String::new();
    for ((command, expected), output) in steps.iter().zip(&outputs) {
        // A slow machine may print a build's progress line; its timing is
        // not part of any example.
        let actual: Vec<String> = lines(output)
            .into_iter()
            .filter(|l| !l.ends_with("… (over a second so far)"))
            .collect();
        let _ = writeln!(blessed, "$ {command}");
        if output_matches(expected, &actual) {
            for line in expected {
                let _ = writeln!(blessed, "{line}");
            }
        } else {
            ok = false;
            problems.add(
                block.at(),
                format!(
                    "`{command}` printed\n{}\nbut the docs say\n{}",
                    indent(&actual),
                    indent(expected)
                ),
            );
            for line in &actual {
                let _ = writeln!(blessed, "{line}");
            }
        }
    }
    (!ok).then_some(blessed)
}

fn indent(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn check_excerpt(block: &Block, path: &str, problems: &mut Problems) {
    let normal = |line: &str| {
        let line = line.trim();
        line.strip_prefix("//!").map_or(line, str::trim).to_owned()
    };
    let source: Vec<String> = read(path).lines().map(normal).collect();
    let excerpt: Vec<String> = block.text.lines().map(normal).collect();
    let found = !excerpt.is_empty()
        && source
            .windows(excerpt.len())
            .any(|window| window == excerpt.as_slice());
    if !found {
        problems.add(
            block.at(),
            format!("this excerpt is not in {path} as written"),
        );
    }
}

/// The workflow as an evidence repository uses it.
fn adopted_workflow() -> String {
    read(WORKFLOW).replace(
        &format!("uses: ./{INSTALL_ACTION}\n"),
        &format!("uses: {ADOPTED_ACTION}\n"),
    )
}

fn check_adopted_workflow(block: &Block, path: &str, problems: &mut Problems) {
    if path != WORKFLOW {
        problems.add(block.at(), format!("adopts= names {path}, not {WORKFLOW}"));
    } else if block.text != adopted_workflow() {
        let wanted = adopted_workflow();
        let first = block
            .text
            .lines()
            .zip(wanted.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| block.text.lines().count().min(wanted.lines().count()));
        problems.add(
            block.at(),
            format!(
                "differs from {WORKFLOW} (with `uses: {ADOPTED_ACTION}`) from its line {}",
                first + 1
            ),
        );
    }
}

fn yaml(text: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
}

fn check_pre_commit_config(block: &Block, problems: &mut Problems) {
    let config = match yaml(&block.text) {
        Ok(config) => config,
        Err(e) => return problems.add(block.at(), format!("not YAML: {e}")),
    };
    let ours: Vec<Value> = match yaml(&read(".pre-commit-hooks.yaml")) {
        Ok(Value::Array(hooks)) => hooks,
        other => return problems.add(".pre-commit-hooks.yaml", format!("not a list: {other:?}")),
    };
    let repos = config["repos"].as_array().cloned().unwrap_or_default();
    if repos.is_empty() {
        problems.add(block.at(), "no `repos:`");
    }
    for repo in repos {
        let url = repo["repo"].as_str().unwrap_or_default();
        for hook in repo["hooks"].as_array().cloned().unwrap_or_default() {
            let id = hook["id"].as_str().unwrap_or_default();
            if url == "local" {
                let entry = hook["entry"].as_str().unwrap_or_default();
                if let Err(e) = validate_command(entry, false) {
                    problems.add(block.at(), e);
                }
                if hook["pass_filenames"] != Value::Bool(false) {
                    problems.add(
                        block.at(),
                        format!("local hook `{id}` must set pass_filenames: false"),
                    );
                }
            } else if !url.ends_with("/dossier") {
                problems.add(block.at(), format!("unexpected repository {url}"));
            } else if !ours.iter().any(|h| h["id"] == id) {
                problems.add(
                    block.at(),
                    format!("no hook `{id}` in .pre-commit-hooks.yaml"),
                );
            } else if repo["rev"].as_str().is_none() {
                problems.add(block.at(), format!("{url} needs a `rev:`"));
            }
        }
    }
}

fn check_reader_commands(block: &Block, problems: &mut Problems) {
    for line in block.text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let commands = dossier_commands(line);
        if commands.is_empty() && !READER_COMMANDS.iter().any(|c| line.starts_with(c)) {
            problems.add(
                block.at(),
                format!("`{line}` is neither a dossier command nor one of {READER_COMMANDS:?}"),
            );
        }
        for command in commands {
            if let Err(e) = validate_command(&command, false) {
                problems.add(block.at(), e);
            }
        }
    }
}

fn check_links(doc: &str, page: &Page, problems: &mut Problems) {
    let dir = Path::new(doc).parent().expect("docs live in a folder");
    for (line, target) in &page.links {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
        let file = if path.is_empty() {
            PathBuf::from(doc)
        } else {
            dir.join(path)
        };
        let at = format!("{doc}:{line}");
        if !project_root().join(&file).exists() {
            problems.add(
                at,
                format!("link to {target}: no such file {}", file.display()),
            );
            continue;
        }
        if anchor.is_empty() || !path.is_empty() && !path.ends_with(".md") {
            continue;
        }
        let text = read(file.to_str().expect("UTF-8 path"));
        let headings = self::page(&file.display().to_string(), &text).headings;
        if !headings.iter().any(|h| slug(h) == anchor) {
            problems.add(at, format!("link to {target}: no heading with that anchor"));
        }
    }
}

// ---------------------------------------------------------------------------
// Tables.

/// The observed value in the trigger's scale, written as `describe()` writes thresholds.
fn in_scale(value: f64, unit: &Unit) -> String {
    match unit {
        Unit::Seconds => format!("{value} s"),
        Unit::Percent => format!("{value} %"),
        Unit::Rate(period) => {
            let name = serde_json::to_value(period).expect("periods serialize");
            format!("{value} per {}", name.as_str().unwrap_or_default())
        }
        Unit::Count(noun) => format!("{value} {noun}"),
        Unit::Number => format!("{value}"),
    }
}

/// Observed value (as a report writes it) against a trigger: the value in the trigger's scale.
fn observe(trigger: &str, observed: &str) -> Result<(trigger::Trigger, f64), String> {
    let trigger =
        parse_trigger(trigger).map_err(|e| format!("trigger does not parse: {}", e.message))?;
    let quantity = parse_quantity(observed).map_err(|e| e.message)?;
    let value = convert(&quantity, &trigger.threshold.unit)?;
    Ok((trigger, value))
}

fn check_table(doc: &str, table: &Table, problems: &mut Problems) {
    let header: Vec<&str> = table.header.iter().map(String::as_str).collect();
    let known = TABLES.contains(&header.as_slice());
    if !known {
        if matches!(header.first(), Some(&"Trigger" | &"Cadence")) {
            problems.add(
                format!("{doc}:{}", table.line),
                format!("a table headed {header:?} that no test checks; known headers: {TABLES:?}"),
            );
        }
        return;
    }
    for (i, row) in table.rows.iter().enumerate() {
        let at = format!("{doc}:{} (row {})", table.line, i + 1);
        if let Err(e) = check_row(&header, row) {
            problems.add(at, e);
        }
    }
}

fn check_row(header: &[&str], row: &[String]) -> Result<(), String> {
    let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or_default();
    let coded = |i: usize| {
        code(cell(i)).ok_or_else(|| format!("cell `{}` should be one code span", cell(i)))
    };
    let same = |what: &str, documented: &str, actual: &str| {
        if documented == actual {
            Ok(())
        } else {
            Err(format!(
                "{what}: the docs say `{documented}`, dossier says `{actual}`"
            ))
        }
    };
    match header {
        ["Trigger", "Parses to"] => {
            let trigger = parse_trigger(coded(0)?)
                .map_err(|e| format!("`{}` does not parse: {}", cell(0), e.message))?;
            same(cell(0), coded(1)?, &trigger.describe())
        }
        ["Trigger", "Rejected because"] => match parse_trigger(coded(0)?) {
            Ok(t) => Err(format!("`{}` parses (to `{}`)", cell(0), t.describe())),
            Err(e) => same(cell(0), cell(1), &e.message),
        },
        ["Trigger", "Observed", "Compares as"] => {
            let (trigger, value) = observe(coded(0)?, coded(1)?)?;
            same(
                cell(1),
                coded(2)?,
                &in_scale(value, &trigger.threshold.unit),
            )
        }
        ["Trigger", "Observed", "Rejected because"] => match observe(coded(0)?, coded(1)?) {
            Ok((_, value)) => Err(format!("`{}` is read as {value}", cell(1))),
            Err(message) => same(cell(1), cell(2), &message),
        },
        ["Trigger", "Observed", "Margin", "Headroom", "Status"] => {
            let (trigger, value) = observe(coded(0)?, coded(1)?)?;
            let margin = match cell(2) {
                "—" => None,
                m => Some(
                    m.strip_suffix('%')
                        .and_then(|n| n.parse::<f64>().ok())
                        .ok_or_else(|| format!("margin `{m}` is not a percentage"))?
                        / 100.0,
                ),
            };
            let reading = evaluate::reading(value, &trigger, margin);
            let headroom = reading.headroom.map_or("—".to_owned(), percent);
            same("headroom", cell(3), &headroom)?;
            same("status", cell(4), reading.level.label())
        }
        ["Cadence", "Report dated", "Period", "Starts", "Ends", "Due"] => {
            let cadence =
                Cadence::parse(coded(0)?).ok_or_else(|| format!("no cadence {}", cell(0)))?;
            let date: NaiveDate = cell(1).parse().map_err(|e| format!("{}: {e}", cell(1)))?;
            let period = cadence.period_of(date);
            same("period", coded(2)?, &period.to_string())?;
            same("start", cell(3), &period.start.to_string())?;
            same("end", cell(4), &period.end.to_string())?;
            same("due", cell(5), &period.due.to_string())
        }
        _ => unreachable!("only known tables are checked"),
    }
}

/// Tables of a page with the given header.
fn tables_headed<'p>(page: &'p Page, header: &[&str]) -> Vec<&'p Table> {
    page.tables.iter().filter(|t| t.header == header).collect()
}

// ---------------------------------------------------------------------------
// The rules of src/.

/// Every rule name dossier can report, from its source (test modules
/// aside): the string literal that starts the arguments of
/// `Diagnostic::error(`, `Diagnostic::warning(` or the reader's `problem(`
/// helper, or that starts a tuple (the reader passes `("outside-root",
/// message)` pairs around) when it has a hyphen, and the names `level_rule`
/// picks. A rule without a hyphen that only ever travels in a tuple would be
/// missed.
fn rules_in_src() -> BTreeSet<String> {
    let mut files = Vec::new();
    let mut stack = vec![project_root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files.push(path);
            }
        }
    }
    let mut rules = BTreeSet::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("sources are UTF-8");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (i, _) in code.match_indices('(') {
            let rest = code[i + 1..].trim_start();
            let Some(literal) = rest.strip_prefix('"') else {
                continue;
            };
            let Some(end) = literal.find('"') else {
                continue;
            };
            let name = &literal[..end];
            if !is_rule_name(name) || !literal[end + 1..].trim_start().starts_with(',') {
                continue;
            }
            let callee: String = code[..i]
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let direct =
                ["Diagnostic::error", "Diagnostic::warning", "problem"].contains(&callee.as_str());
            if direct || (callee.is_empty() && name.contains('-')) {
                rules.insert(name.to_owned());
            }
        }
        if let Some(i) = code.find("fn level_rule(") {
            let body = &code[i..];
            let body = &body[..body.find("\n}").unwrap_or(body.len())];
            for literal in body.split('"').skip(1).step_by(2) {
                if is_rule_name(literal) {
                    rules.insert(literal.to_owned());
                }
            }
        }
    }
    rules
}

fn is_rule_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-') && name.len() > 1
}

// ---------------------------------------------------------------------------
// The tests.

#[test]
fn writing_runbooks_examples_hold() {
    let mut problems = Problems::default();
    let page = check_page("docs/writing-runbooks.md", &mut problems);
    let runbooks = page
        .blocks
        .iter()
        .filter(|b| b.attr("file").is_some_and(|f| f.starts_with("runbooks/")))
        .count();
    let reports = page
        .blocks
        .iter()
        .filter(|b| b.attr("file").is_some_and(|f| f.starts_with("evidence/")))
        .count();
    assert!(
        runbooks >= 1 && reports >= 1,
        "a complete runbook and report"
    );
    let cadences = tables_headed(&page, TABLES[5]);
    let named: BTreeSet<&str> = cadences
        .iter()
        .flat_map(|t| &t.rows)
        .filter_map(|r| code(&r[0]))
        .collect();
    for name in Cadence::NAMES {
        assert!(named.contains(name), "the cadence table shows {name}");
    }
    problems.assert_none();
}

#[test]
fn trigger_examples_parse_as_documented() {
    let mut problems = Problems::default();
    let page = check_page("docs/triggers.md", &mut problems);
    let count = |header: &[&str]| -> usize {
        tables_headed(&page, header)
            .iter()
            .map(|t| t.rows.len())
            .sum()
    };
    assert!(count(TABLES[0]) >= 30, "many triggers that parse");
    assert!(count(TABLES[1]) >= 8, "triggers that are rejected");
    assert!(count(TABLES[2]) >= 8, "observations that convert");
    assert!(count(TABLES[3]) >= 4, "observations that are rejected");
    // The triggers SPEC §2 names all appear, parsed.
    let documented: BTreeSet<&str> = tables_headed(&page, TABLES[0])
        .iter()
        .flat_map(|t| &t.rows)
        .filter_map(|r| code(&r[0]))
        .collect();
    for seed in [
        "> 800ms for 24h",
        "> 70% sustained over 4h",
        "> 0.5% over 1h",
        "> 50 active orgs",
        "> 80% of cluster size",
        "> 70% of pool",
        "> 200 tenant DBs on one cluster",
        "> 5 sec on secondaries",
        "> 50% of interval",
        "> 20 concurrent jobs",
        "≥ 2/week",
    ] {
        assert!(
            documented.contains(seed),
            "triggers.md shows how `{seed}` parses"
        );
    }
    problems.assert_none();
}

#[test]
fn every_rule_is_documented_with_an_example() {
    let mut problems = Problems::default();
    let doc = "docs/diagnostics.md";
    let page = check_page(doc, &mut problems);
    let rules = rules_in_src();
    assert!(rules.len() >= 26, "the scan finds the rules: {rules:?}");

    // The summary table: every rule once, with its severity.
    let table = page
        .tables
        .iter()
        .find(|t| t.header.first().is_some_and(|h| h == "Rule"))
        .expect("diagnostics.md has a table headed Rule | Severity | …");
    let mut severities: BTreeMap<String, String> = BTreeMap::new();
    for row in &table.rows {
        let rule = row[0].trim_matches(|c| c == '[' || c == ']');
        let rule = code(rule).unwrap_or(rule).to_owned();
        severities.insert(rule, row.get(1).cloned().unwrap_or_default());
    }
    let documented: BTreeSet<String> = severities.keys().cloned().collect();
    for missing in rules.difference(&documented) {
        problems.add(
            doc,
            format!("rule `{missing}` (in src/) is not in the table"),
        );
    }
    for stale in documented.difference(&rules) {
        problems.add(
            doc,
            format!("rule `{stale}` is in the table but not in src/"),
        );
    }

    // Each rule has a heading of its own and an example run that reports it
    // with the documented severity.
    let outputs: String = page
        .blocks
        .iter()
        .filter(|b| b.lang == "console")
        .map(|b| b.text.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for rule in &rules {
        if !page.headings.iter().any(|h| h == &format!("`{rule}`")) {
            problems.add(doc, format!("no heading `{rule}` (written as a code span)"));
        }
        let severity = severities.get(rule).map(String::as_str).unwrap_or_default();
        let shown = format!("{severity}[{rule}]");
        if !outputs.contains(&shown) {
            problems.add(doc, format!("no example run prints `{shown}`"));
        }
    }
    problems.assert_none();
}

#[test]
fn auditor_examples_hold() {
    let mut problems = Problems::default();
    let page = check_page("docs/auditors.md", &mut problems);
    assert!(
        !tables_headed(&page, TABLES[4]).is_empty(),
        "auditors.md works headroom examples"
    );
    let sessions: String = page.blocks.iter().map(|b| b.text.as_str()).collect();
    assert!(
        sessions.contains("$ sha256sum -c site/SHA256SUMS"),
        "shows how to verify SHA256SUMS"
    );
    problems.assert_none();
}

#[test]
fn ci_examples_hold() {
    let mut problems = Problems::default();
    let page = check_page("docs/ci.md", &mut problems);
    assert!(
        page.blocks
            .iter()
            .any(|b| b.attr("adopts") == Some(WORKFLOW)),
        "ci.md shows the workflow as an evidence repository uses it"
    );
    assert!(
        page.blocks
            .iter()
            .any(|b| b.attrs.contains_key("pre-commit-config")),
        "ci.md shows a .pre-commit-config.yaml"
    );
    problems.assert_none();
}

/// Every `dossier` command in the workflow and the action it installs with.
fn workflow_commands() -> Vec<String> {
    let mut commands = Vec::new();
    for path in [WORKFLOW.to_owned(), format!("{INSTALL_ACTION}/action.yml")] {
        let text = read(&path);
        let doc = yaml(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"));
        let mut steps: Vec<&Value> = Vec::new();
        if let Some(jobs) = doc["jobs"].as_object() {
            for job in jobs.values() {
                steps.extend(job["steps"].as_array().into_iter().flatten());
            }
        }
        steps.extend(doc["runs"]["steps"].as_array().into_iter().flatten());
        for step in steps {
            for line in step["run"].as_str().unwrap_or_default().lines() {
                commands.extend(dossier_commands(line));
            }
        }
    }
    commands.sort();
    commands.dedup();
    commands
}

#[test]
fn workflow_is_valid_and_runs_documented_commands() {
    let workflow = yaml(&read(WORKFLOW)).expect("the workflow is valid YAML");
    // YAML 1.1 readers take the key `on` for `true`; GitHub and YAML 1.2 do not.
    let on = workflow
        .get("on")
        .or_else(|| workflow.get("true"))
        .expect("the workflow says when it runs");
    assert!(on.get("pull_request").is_some(), "runs on pull requests");
    assert_eq!(
        on["push"]["branches"],
        serde_json::json!(["main"]),
        "runs on pushes to main"
    );
    let cron = on["schedule"][0]["cron"]
        .as_str()
        .expect("runs on a schedule");
    let fields: Vec<&str> = cron.split_whitespace().collect();
    assert_eq!(fields.len(), 5, "cron has five fields: {cron}");
    assert_eq!(&fields[2..], ["*", "*", "*"], "runs every day: {cron}");
    assert_eq!(
        workflow["permissions"],
        serde_json::json!({"contents": "read"}),
        "read-only by default"
    );

    let jobs = workflow["jobs"].as_object().expect("jobs");
    let uses = |job: &Value| -> Vec<String> {
        job["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["uses"].as_str().map(str::to_owned))
            .collect()
    };
    let runs = |job: &Value| -> String {
        job["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (check_id, check) = jobs
        .iter()
        .find(|(_, j)| runs(j).contains("dossier check --format github"))
        .expect("a job runs `dossier check --format github`");
    assert!(
        check["if"]
            .as_str()
            .unwrap_or_default()
            .contains("pull_request"),
        "{check_id} runs on pull requests"
    );
    let (build_id, build) = jobs
        .iter()
        .find(|(_, j)| {
            uses(j)
                .iter()
                .any(|u| u.starts_with("actions/upload-pages-artifact@"))
        })
        .expect("a job uploads the Pages artifact");
    assert!(
        runs(build).contains("dossier build"),
        "{build_id} builds the site"
    );
    let upload = build["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .unwrap_or_default()
                .starts_with("actions/upload-pages-artifact@")
        })
        .unwrap();
    assert_eq!(upload["with"]["path"], "site", "uploads site/");
    let (deploy_id, deploy) = jobs
        .iter()
        .find(|(_, j)| {
            uses(j)
                .iter()
                .any(|u| u.starts_with("actions/deploy-pages@"))
        })
        .expect("a job deploys to Pages");
    assert!(
        uses(deploy)
            .iter()
            .any(|u| u.starts_with("actions/configure-pages@")),
        "{deploy_id} configures Pages"
    );
    assert_eq!(deploy["needs"], build_id.as_str());
    assert_eq!(
        deploy["permissions"],
        serde_json::json!({"pages": "write", "id-token": "write"})
    );
    assert_eq!(deploy["environment"]["name"], "github-pages");
    assert_eq!(deploy["concurrency"]["group"], "pages");
    assert_eq!(
        deploy["concurrency"]["cancel-in-progress"], false,
        "never cancels a deployment"
    );
    assert!(
        deploy["if"]
            .as_str()
            .unwrap_or_default()
            .contains("refs/heads/main"),
        "deploys from main only"
    );

    // Actions are pinned to a version, and the local one exists.
    for job in jobs.values() {
        for action in uses(job) {
            if let Some(local) = action.strip_prefix("./") {
                assert_eq!(local, INSTALL_ACTION);
                yaml(&read(&format!("{local}/action.yml"))).expect("the local action is YAML");
            } else {
                assert!(action.contains('@'), "{action} is pinned to a version");
            }
        }
    }

    // Its commands are the documented ones.
    let commands = workflow_commands();
    assert!(commands.len() >= 3, "{commands:?}");
    let readme = read("README.md");
    let ci = read("docs/ci.md");
    let mut problems = Problems::default();
    for command in &commands {
        if let Err(e) = validate_command(command, false) {
            problems.add(WORKFLOW, e);
        }
        if !readme.contains(&format!("`{command}`")) {
            problems.add(
                "README.md",
                format!("does not document `{command}`, which the workflow runs"),
            );
        }
        if !ci.contains(&format!("`{command}`")) {
            problems.add(
                "docs/ci.md",
                format!("does not document `{command}`, which the workflow runs"),
            );
        }
    }
    problems.assert_none();
}

#[test]
fn install_action_builds_this_source() {
    let action = yaml(&read(&format!("{INSTALL_ACTION}/action.yml"))).expect("the action is YAML");
    assert_eq!(action["runs"]["using"], "composite");
    let runs: String = action["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect();
    assert!(
        runs.contains("cargo install --locked"),
        "installs with the lock file"
    );
    // Everything the binary is built from is in the cache key's hash.
    for input in ["Cargo.toml", "Cargo.lock", "src", "templates"] {
        assert!(project_root().join(input).exists(), "{input}");
        assert!(runs.contains(input), "the cache key hashes {input}");
    }
}

#[test]
fn pre_commit_hooks_run_dossier_check() {
    let hooks = yaml(&read(".pre-commit-hooks.yaml")).expect("valid YAML");
    let hooks = hooks.as_array().expect("a list of hooks");
    assert!(!hooks.is_empty());
    for hook in hooks {
        let id = hook["id"].as_str().expect("an id");
        let entry = hook["entry"].as_str().expect("an entry");
        validate_command(entry, false).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(entry.starts_with("dossier check"), "{id}");
        assert_eq!(
            hook["pass_filenames"], false,
            "{id}: dossier checks the whole repository"
        );
        assert!(
            matches!(hook["language"].as_str(), Some("rust" | "system")),
            "{id}"
        );
        let files = hook["files"].as_str().unwrap_or_default();
        for folder in ["runbooks/", "evidence/", "dossier\\.yaml"] {
            assert!(files.contains(folder), "{id} runs when {folder} changes");
        }
    }
    assert!(read("docs/ci.md").contains(".pre-commit-hooks.yaml"));
}

#[test]
fn readme_links_every_doc() {
    let readme = read("README.md");
    for doc in DOCS {
        assert!(
            readme.contains(&format!("({doc})")),
            "README.md links {doc}"
        );
    }
    assert!(
        readme.contains("## Continuous integration"),
        "README.md has a CI section"
    );
}

#[test]
fn matcher_understands_wildcards() {
    let s = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    assert!(output_matches(
        &s(&["built [..] files in [..] ms"]),
        &s(&["built 9 files in 31 ms"])
    ));
    assert!(!output_matches(
        &s(&["built [..] files"]),
        &s(&["built 9 pages"])
    ));
    assert!(output_matches(
        &s(&["a", "...", "z"]),
        &s(&["a", "b", "c", "z"])
    ));
    assert!(output_matches(&s(&["a", "...", "z"]), &s(&["a", "z"])));
    assert!(!output_matches(&s(&["a"]), &s(&["a", "b"])));
    assert_eq!(
        dossier_commands("{ echo x; dossier status; } >> \"$GITHUB_STEP_SUMMARY\""),
        ["dossier status"]
    );
    assert_eq!(
        dossier_commands("dossier completions bash > x"),
        ["dossier completions bash"]
    );
    assert_eq!(slug("`review-overdue`"), "review-overdue");
    assert_eq!(
        slug("Cadences, periods and due dates"),
        "cadences-periods-and-due-dates"
    );
}
