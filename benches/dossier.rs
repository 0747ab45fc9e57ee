//! `cargo bench`: trigger parsing, front-matter parsing, `check` and `build`
//! on generated corpora of 1,000 and 10,000 runbooks (11 reports each), and a
//! one-file rebuild of a live preview (`serve`).
//!
//! Corpora are generated once into `target/bench-corpus/N` by the same code
//! as `examples/gen_corpus.rs`. Builds write into a fresh folder under
//! `target/bench-out/` every time (deleting a site of 120,000 files slows the
//! file system down for minutes); the folders of earlier runs are removed at
//! the start. Run one group with e.g. `cargo bench -- triggers`, or leave the
//! large corpus out with `cargo bench -- 1000 --skip 10000`... see
//! `docs/performance.md`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};

use dossier::model::trigger::parse_trigger;
use dossier::model::{report, runbook};
use dossier::site::render::Site;
use dossier::site::render::preview::Preview;
use dossier::sources::Source;
use dossier::{Project, checks, site};

/// The allocator the `dossier` binary runs with, so that the figures are its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../examples/gen_corpus.rs"]
#[allow(dead_code)]
mod gen_corpus;

fn main() {
    clear_outputs();
    divan::main();
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    )
}

/// The corpus of `n` runbooks with 11 reports each, generated on first use.
fn corpus(n: usize) -> PathBuf {
    let dir = target_dir().join(format!("bench-corpus/{n}"));
    let done = dir.join(".complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        gen_corpus::generate(&gen_corpus::Args {
            out: dir.clone(),
            n,
            reports: 11,
            hugo: None,
            mdbook: None,
        })
        .expect("the corpus is written");
        std::fs::write(&done, "").expect("the marker is written");
    }
    dir
}

fn outputs() -> PathBuf {
    target_dir().join("bench-out")
}

fn clear_outputs() {
    let _ = std::fs::remove_dir_all(outputs());
}

/// A folder no build has written to yet.
fn fresh_output() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    outputs().join(format!("{}-{n}", std::process::id()))
}

/// Every trigger of the seed runbook (SPEC §2), parsed on one core.
#[divan::bench]
fn triggers(bencher: Bencher) {
    const SEED: [&str; 11] = [
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
    ];
    bencher.counter(ItemsCount::new(SEED.len())).bench(|| {
        for text in SEED {
            let _ = black_box(parse_trigger(black_box(text)));
        }
    });
}

fn source(path: &str, text: String) -> Source {
    Source {
        path: path.to_owned(),
        sha256: String::new(),
        text,
    }
}

/// Front matter and body of one generated runbook (about 3 KB), on one core.
#[divan::bench]
fn parse_runbook(bencher: Bencher) {
    let text = gen_corpus::sample_runbook(3, 10);
    bencher
        .counter(BytesCount::of_str(&text))
        .with_inputs(|| source("runbooks/capacity-ledger-00003.md", text.clone()))
        .bench_values(|s| black_box(runbook::parse(s)));
}

/// Front matter (eleven observations) and notes of one generated report, on one core.
#[divan::bench]
fn parse_report(bencher: Bencher) {
    let text = gen_corpus::sample_report(3);
    bencher
        .counter(BytesCount::of_str(&text))
        .with_inputs(|| source("evidence/capacity-ledger-00003/2026-01-05.md", text.clone()))
        .bench_values(|s| black_box(report::parse(s)));
}

const SIZES: [usize; 2] = [1_000, 10_000];

/// `dossier check`: read, parse and check every file.
#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn check(bencher: Bencher, n: usize) {
    let root = corpus(n);
    bencher.counter(ItemsCount::new(n * 12)).bench(|| {
        let project = Project::load(&root).expect("the corpus loads");
        let diagnostics = checks::run(&project, today());
        assert!(diagnostics.is_empty(), "{:?}", diagnostics.first());
    });
}

/// `dossier build` into a fresh folder: check, then render and write every page.
#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn build(bencher: Bencher, n: usize) {
    let root = corpus(n);
    bencher.counter(ItemsCount::new(n * 12)).bench(|| {
        // As the CLI builds: bodies rendered in the pass that parses them.
        let project = Project::load_rendering(&root, Some(site::markdown::prerender))
            .expect("the corpus loads");
        assert!(checks::run(&project, today()).is_empty());
        site::build(&project, today(), false, &fresh_output()).expect("the site is written")
    });
}

/// `serve` after one file changes: a live preview of the corpus takes in an
/// edit to one runbook's prose (re-read, re-checked, its pages re-rendered,
/// changed files written). `evidence.json` and the other files covering
/// every source are rewritten separately ([`machine_files`]).
#[divan::bench(args = SIZES, sample_count = 10, sample_size = 1)]
fn rebuild_one_runbook(bencher: Bencher, n: usize) {
    let root = corpus(n);
    let mut preview =
        Preview::open(&root, &fresh_output(), Some(today())).expect("the preview builds");
    let file = root.join(format!("runbooks/capacity-ledger-{:05}.md", 3));
    let file = if file.exists() {
        file
    } else {
        first_runbook(&root)
    };
    let original = std::fs::read_to_string(&file).expect("the runbook reads");
    let mut flip = false;
    bencher.bench_local(|| {
        flip = !flip;
        let text = if flip {
            original.replacen("## Forecasting", "## Forecasting ahead", 1)
        } else {
            original.clone()
        };
        std::fs::write(&file, text).expect("the runbook is written");
        let update = preview
            .update(std::slice::from_ref(&file))
            .expect("the preview updates");
        assert!(!update.full && !update.written.is_empty());
    });
    std::fs::write(&file, original).expect("the runbook is restored");
}

/// The files a preview leaves stale after an edit: `evidence.json`,
/// `SHA256SUMS`, `calendar.ics`.
#[divan::bench(args = SIZES, sample_count = 3, sample_size = 1)]
fn machine_files(bencher: Bencher, n: usize) {
    let root = corpus(n);
    let project = Project::load(&root).expect("the corpus loads");
    let site = Site::new(&project, today(), false).expect("the facts are computed");
    bencher.bench_local(|| dossier::site::render::machine_files(&site, &project, today()));
}

fn first_runbook(root: &Path) -> PathBuf {
    let mut names: Vec<PathBuf> = std::fs::read_dir(root.join("runbooks"))
        .expect("the corpus has runbooks")
        .map(|e| e.expect("an entry").path())
        .collect();
    names.sort();
    names.remove(0)
}
