//! Writes a synthetic evidence repository for benchmarks.
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT_DIR N [--reports K] [--hugo DIR] [--mdbook DIR]
//! ```
//!
//! `OUT_DIR` receives `N` runbooks shaped like `runbooks/capacity-planning.md`
//! (three trigger tables, eleven rows, about 3 KB), each with `K` monthly
//! headroom reports (default 11: January to November 2026; cadence monthly
//! since 2026-01-01). The repository passes `dossier check --today
//! 2026-12-04` with no problem at all. With `--reports 0` the runbooks have no
//! `headroom` section and no reports are written.
//!
//! `--hugo DIR` and `--mdbook DIR` also write the same pages (every runbook
//! and report body, as Markdown) as a minimal Hugo site and a minimal mdBook
//! book, for `benches/compare.sh`.
//!
//! Names and values vary deterministically with the runbook's number: the
//! same arguments always give byte-identical files.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SERVICES: [&str; 16] = [
    "billing", "search", "ingest", "auth", "reports", "notify", "export", "catalog", "ledger",
    "media", "gateway", "sync", "audit", "forecast", "payments", "tenancy",
];
const BACKENDS: [&str; 4] = [
    "FastAPI backend",
    "Django API",
    "Go service",
    "Node gateway",
];
const DATABASES: [&str; 4] = [
    "MongoDB Atlas",
    "PostgreSQL (RDS)",
    "Redis cluster",
    "Elasticsearch",
];
const SCHEDULERS: [&str; 3] = ["APScheduler / cron", "Celery workers", "Sidekiq queues"];
const OWNERS: [&str; 5] = [
    "Founder",
    "Head of Platform",
    "SRE lead",
    "CTO",
    "Infrastructure team",
];
const CONTROLS: [&str; 12] = [
    "A1.1", "A1.2", "A1.3", "CC7.1", "CC7.2", "CC7.4", "CC7.5", "CC8.1", "CC9.1", "CC3.2", "CC4.1",
    "PI1.3",
];

/// Number of reports per runbook when `--reports` is not given.
const DEFAULT_REPORTS: usize = 11;

/// A tiny deterministic generator (SplitMix64): no dependency, same output everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A whole number in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next() as usize % items.len()]
    }
}

/// How a metric's trigger and observed values are written.
enum Shape {
    /// `> 800ms for 24h`; observed `420ms`.
    Millis,
    /// `> 70% sustained over 4h`; observed `38%`. The suffix follows the number.
    Percent(&'static str),
    /// `> 0.5% over 1h`: thresholds and observations with two decimals.
    SmallPercent(&'static str),
    /// `> 50 active orgs`; observed `9 active orgs`. (noun, rest after the noun)
    Count(&'static str, &'static str),
    /// `> 5 sec on secondaries`; observed `0.4 sec`.
    Seconds(&'static str),
    /// `≥ 2/week`; observed `0/week`.
    PerWeek,
}

struct Metric {
    name: &'static str,
    shape: Shape,
    /// Threshold range (whole numbers; hundredths for `SmallPercent`).
    low: u64,
    high: u64,
    response: &'static str,
}

const fn m(
    name: &'static str,
    shape: Shape,
    low: u64,
    high: u64,
    response: &'static str,
) -> Metric {
    Metric {
        name,
        shape,
        low,
        high,
        response,
    }
}

/// Three groups of 4, 4 and 3 metrics, like the capacity runbook.
const TABLES: [&[Metric]; 3] = [
    &[
        m(
            "p95 request latency",
            Shape::Millis,
            500,
            1500,
            "Add horizontal replica (HPA target: 60% CPU)",
        ),
        m(
            "CPU utilisation",
            Shape::Percent(" sustained over 4h"),
            60,
            90,
            "Scale pod RAM/CPU up one tier",
        ),
        m(
            "Error rate",
            Shape::SmallPercent(" over 1h"),
            50,
            200,
            "SEV-2 incident; do NOT auto-scale, investigate first",
        ),
        m(
            "Concurrent tenants",
            Shape::Count("active orgs", ""),
            40,
            400,
            "Switch from in-process scheduler to externalized (Redis-backed)",
        ),
    ],
    &[
        m(
            "Storage used",
            Shape::Percent(" of cluster size"),
            70,
            90,
            "Upgrade tier (M10 → M20 → M30 → sharded)",
        ),
        m(
            "Connections",
            Shape::Percent(" of pool"),
            60,
            85,
            "Increase the pool size; if still hot, increase replica count",
        ),
        m(
            "Per-tenant DB count",
            Shape::Count("tenant DBs", " on one cluster"),
            100,
            500,
            "Move to multi-cluster sharding (router lookup by tenant prefix)",
        ),
        m(
            "Replication lag",
            Shape::Seconds(" on secondaries"),
            3,
            30,
            "SEV-3 ticket; investigate slow queries; index audit",
        ),
    ],
    &[
        m(
            "Job execution time",
            Shape::Percent(" of interval"),
            40,
            80,
            "Optimize query; split job by tenant batch",
        ),
        m(
            "Job count",
            Shape::Count("concurrent jobs", ""),
            15,
            60,
            "Externalize scheduler to dedicated worker pod",
        ),
        m(
            "Missed runs",
            Shape::PerWeek,
            2,
            6,
            "Increase misfire_grace_time + move to externalized scheduler",
        ),
    ],
];

impl Metric {
    fn trigger(&self, t: u64) -> String {
        match self.shape {
            Shape::Millis => format!("> {t}ms for 24h"),
            Shape::Percent(rest) => format!("> {t}%{rest}"),
            Shape::SmallPercent(rest) => format!("> {}.{:02}%{rest}", t / 100, t % 100),
            Shape::Count(noun, rest) => format!("> {t} {noun}{rest}"),
            Shape::Seconds(rest) => format!("> {t} sec{rest}"),
            Shape::PerWeek => format!("≥ {t}/week"),
        }
    }

    /// An observation at `percent`% of threshold `t`.
    fn observed(&self, t: u64, percent: u64) -> String {
        let x = t * percent / 100;
        match self.shape {
            Shape::Millis => format!("{x}ms"),
            Shape::Percent(_) => format!("{x}%"),
            Shape::SmallPercent(_) => format!("{}.{:02}%", x / 100, x % 100),
            Shape::Count(noun, _) => format!("{x} {noun}"),
            // Tenths of a second.
            Shape::Seconds(_) => {
                let tenths = t * 10 * percent / 100;
                format!("{}.{} sec", tenths / 10, tenths % 10)
            }
            Shape::PerWeek => format!("{x}/week"),
        }
    }
}

/// One generated runbook: its id, title, groups and the threshold of each metric.
struct Plan {
    id: String,
    title: String,
    folder: String,
    groups: [&'static str; 3],
    thresholds: Vec<Vec<u64>>,
    owner: &'static str,
    seed: u64,
}

fn plan(i: usize) -> Plan {
    let mut rng = Rng::new(i as u64);
    let service = *rng.pick(&SERVICES);
    let id = format!("capacity-{service}-{i:05}");
    let groups = [
        *rng.pick(&BACKENDS),
        *rng.pick(&DATABASES),
        *rng.pick(&SCHEDULERS),
    ];
    let thresholds = TABLES
        .iter()
        .map(|table| table.iter().map(|m| rng.range(m.low, m.high)).collect())
        .collect();
    Plan {
        title: format!("Capacity Planning Runbook — {} {i:05}", capitalize(service)),
        folder: format!("evidence/{id}"),
        id,
        groups,
        thresholds,
        owner: rng.pick::<&str>(&OWNERS),
        seed: rng.next(),
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The first day of each month from January: `2026-MM-DD`, a weekday-ish day in 1..=12.
fn report_date(month: usize, rng: &mut Rng) -> String {
    format!("2026-{:02}-{:02}", month + 1, rng.range(1, 12))
}

fn runbook_text(p: &Plan, n: usize, reports: usize) -> String {
    let mut rng = Rng::new(p.seed);
    let review_month = rng.range(9, 11);
    let review_day = rng.range(1, 28);
    let next_month = rng.range(2, 5);
    let controls: Vec<&str> =
        (0..rng.range(1, 3))
            .map(|_| *rng.pick(&CONTROLS))
            .fold(Vec::new(), |mut all, c| {
                if !all.contains(&c) {
                    all.push(c);
                }
                all
            });
    let minor = rng.range(0, 12);
    let mut s = String::with_capacity(3600);
    let _ = write!(
        s,
        "---\ntitle: {title}\nsummary: Triggers for scaling {db}, {sched} and the {backend} of the {service} service — sized for honest growth.\nversion: \"1.{minor}\"\nowner: {owner}\nlast_reviewed: 2026-{review_month:02}-{review_day:02}\nnext_review: 2027-{next_month:02}-{review_day:02}\napproved: 2026-{review_month:02}-{review_day:02}\ncontrols: [{controls}]\n",
        title = p.title,
        db = p.groups[1],
        sched = p.groups[2],
        backend = p.groups[0],
        service = p.id.split('-').nth(1).unwrap_or("core"),
        owner = p.owner,
        controls = controls.join(", "),
    );
    if reports > 0 {
        let _ = write!(
            s,
            "headroom:\n  reports: {}\n  cadence: monthly\n  since: 2026-01-01\n  grace_days: 7\n  margin: 25%\n",
            p.folder
        );
    }
    s.push_str("---\n\n");
    let _ = write!(
        s,
        "## Current capacity (Nov 2026)\n\n- **{}:** {} pods (Kubernetes), {} vCPU + {}GB RAM, supervisor-managed\n- **Frontend:** single-pod static-served via nginx, behind the same ingress\n- **{}:** dedicated cluster, ~{} GB storage, 3-node replica set\n- **{}:** single instance running ~{} scheduled jobs\n\n",
        p.groups[0],
        rng.range(1, 6),
        rng.range(1, 8),
        rng.range(2, 32),
        p.groups[1],
        rng.range(50, 900),
        p.groups[2],
        rng.range(4, 40),
    );
    s.push_str("## Scaling triggers\n\nEach trigger is a measurable threshold + a documented response. We do NOT speculatively over-provision; we DO move when a threshold trips.\n");
    for (t, table) in TABLES.iter().enumerate() {
        let _ = write!(
            s,
            "\n### {}\n\n| Metric | Trigger | Response |\n|---|---|---|\n",
            p.groups[t]
        );
        for (metric, &threshold) in table.iter().zip(&p.thresholds[t]) {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                metric.name,
                metric.trigger(threshold),
                metric.response
            );
        }
    }
    s.push_str("\n## Headroom check cadence\n\n");
    if reports > 0 {
        let mut dates = Rng::new(p.seed ^ 1);
        let last = (0..reports)
            .map(|month| report_date(month, &mut dates))
            .last()
            .unwrap_or_default();
        let _ = write!(
            s,
            "Monthly headroom review: the owner reads the dashboards and files a \"headroom report\" in [the {} reports](../{}/{last}.md). If any metric is within 25% of its trigger, we move BEFORE the trigger fires.\n\n",
            p.id, p.folder
        );
    } else {
        s.push_str("Monthly headroom review: the owner reads the dashboards. If any metric is within 25% of its trigger, we move BEFORE the trigger fires.\n\n");
    }
    let neighbour = plan((plan_index(&p.id) + 1) % n);
    let _ = write!(
        s,
        "## Forecasting\n\nThe roadmap-aware forecast predicts cost (and therefore capacity) as customer count grows; see also the [{}](./{}.md) runbook, which shares the ingress. Product-launch events fire capacity-review tickets when projected MAU growth exceeds {}%.\n\n## Sign-off\n\nRunbook approved by the {} after the last review; the next review is scheduled in the front matter above.\n",
        neighbour.title,
        neighbour.id,
        rng.range(20, 80),
        p.owner,
    );
    s
}

fn plan_index(id: &str) -> usize {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The reports of a runbook: (date, text).
/// The reports of a runbook: (date, text). Each metric grows steadily from
/// 5-25% of its threshold by 1-3 points a month (at most 55% in November),
/// as capacity does: never within the margin, never projected to trip
/// before the next review.
fn reports_of(p: &Plan, count: usize) -> Vec<(String, String)> {
    let mut dates = Rng::new(p.seed ^ 1);
    let mut values = Rng::new(p.seed ^ 2);
    let growth: Vec<Vec<(u64, u64)>> = TABLES
        .iter()
        .map(|table| {
            table
                .iter()
                .map(|_| (values.range(5, 25), values.range(1, 3)))
                .collect()
        })
        .collect();
    (0..count)
        .map(|month| {
            let date = report_date(month, &mut dates);
            let mut s = String::with_capacity(1000);
            let _ = write!(
                s,
                "---\nrunbook: {}\ndate: {date}\nauthor: {}\nobservations:\n",
                p.id, p.owner
            );
            for (t, table) in TABLES.iter().enumerate() {
                let _ = writeln!(s, "  {}:", p.groups[t]);
                for (m, (metric, &threshold)) in table.iter().zip(&p.thresholds[t]).enumerate() {
                    let (start, step) = growth[t][m];
                    let percent = start + step * month as u64;
                    let _ = writeln!(
                        s,
                        "    {}: {}",
                        metric.name,
                        metric.observed(threshold, percent)
                    );
                }
            }
            let _ = write!(
                s,
                "---\nHeadroom report for {date}. Read the dashboards for the month: everything sits comfortably below its trigger, the closest being {} at {}% of its line. No action taken; the figures extend the trend.\n",
                TABLES[1][0].name,
                values.range(20, 60),
            );
            (date, s)
        })
        .collect()
}

/// Front matter for the other generators: a title only.
fn page(title: &str, weight: usize, markdown_body: &str) -> String {
    format!(
        "---\ntitle: \"{}\"\nweight: {weight}\n---\n{markdown_body}",
        title.replace('"', "'")
    )
}

/// The body of a dossier file (after its front matter).
fn body(text: &str) -> &str {
    text.splitn(3, "---\n").nth(2).unwrap_or(text)
}

/// What to generate.
pub struct Args {
    pub out: PathBuf,
    /// Number of runbooks.
    pub n: usize,
    /// Reports per runbook, 0 to 11.
    pub reports: usize,
    pub hugo: Option<PathBuf>,
    pub mdbook: Option<PathBuf>,
}

/// Runbook number `i` of a corpus of `n`, with reports, as written to disk.
pub fn sample_runbook(i: usize, n: usize) -> String {
    runbook_text(&plan(i), n, DEFAULT_REPORTS)
}

/// The first report of runbook number `i`, as written to disk.
pub fn sample_report(i: usize) -> String {
    reports_of(&plan(i), 1).remove(0).1
}

fn args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let (mut reports, mut hugo, mut mdbook) = (DEFAULT_REPORTS, None, None);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--reports" => {
                reports = value()?
                    .parse()
                    .map_err(|_| "--reports takes a number from 0 to 11")?
            }
            "--hugo" => hugo = Some(PathBuf::from(value()?)),
            "--mdbook" => mdbook = Some(PathBuf::from(value()?)),
            _ => positional.push(arg),
        }
    }
    let [out, n] = positional.as_slice() else {
        return Err("usage: gen_corpus OUT_DIR N [--reports K] [--hugo DIR] [--mdbook DIR]".into());
    };
    if reports > 11 {
        return Err("--reports takes a number from 0 to 11 (January to November)".into());
    }
    Ok(Args {
        out: PathBuf::from(out),
        n: n.parse()
            .map_err(|_| format!("N must be a number, not {n}"))?,
        reports,
        hugo,
        mdbook,
    })
}

fn write(path: &Path, text: &str) -> io::Result<()> {
    fs::write(path, text)
}

/// Writes the corpus; returns the number of files of the evidence repository.
pub fn generate(a: &Args) -> io::Result<usize> {
    let root = &a.out;
    fs::create_dir_all(root.join("runbooks"))?;
    write(
        &root.join("dossier.yaml"),
        "organization: Example Corp\ntitle: SOC 2 evidence (benchmark corpus)\nbase_url: https://evidence.example.com\n",
    )?;
    if let Some(hugo) = &a.hugo {
        fs::create_dir_all(hugo.join("content/runbooks"))?;
        fs::create_dir_all(hugo.join("layouts/_default"))?;
        write(
            &hugo.join("hugo.toml"),
            "baseURL = \"https://evidence.example.com/\"\ntitle = \"SOC 2 evidence (benchmark corpus)\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\"]\n[markup.goldmark.renderer]\nunsafe = false\n",
        )?;
        write(
            &hugo.join("layouts/_default/baseof.html"),
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{{ .Title }} · {{ site.Title }}</title></head>\n<body><nav><a href=\"/\">Home</a></nav><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
        )?;
        write(
            &hugo.join("layouts/_default/single.html"),
            "{{ define \"main\" }}<h1>{{ .Title }}</h1>\n{{ .Content }}{{ end }}\n",
        )?;
        write(
            &hugo.join("layouts/_default/list.html"),
            "{{ define \"main\" }}<h1>{{ .Title }}</h1>\n<ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n",
        )?;
    }
    let mut summary = String::from("# Summary\n\n");
    if let Some(book) = &a.mdbook {
        fs::create_dir_all(book.join("src/runbooks"))?;
        write(
            &book.join("book.toml"),
            "[book]\ntitle = \"SOC 2 evidence (benchmark corpus)\"\nlanguage = \"en\"\n",
        )?;
    }

    let mut files = 1;
    for i in 0..a.n {
        let p = plan(i);
        let runbook = runbook_text(&p, a.n, a.reports);
        write(&root.join(format!("runbooks/{}.md", p.id)), &runbook)?;
        files += 1;
        let reports = reports_of(&p, a.reports);
        if !reports.is_empty() {
            fs::create_dir_all(root.join(&p.folder))?;
        }
        for (date, text) in &reports {
            write(&root.join(format!("{}/{date}.md", p.folder)), text)?;
            files += 1;
        }
        if let Some(hugo) = &a.hugo {
            let dir = hugo.join("content");
            write(
                &dir.join(format!("runbooks/{}.md", p.id)),
                &page(&p.title, i, body(&runbook)),
            )?;
            if !reports.is_empty() {
                fs::create_dir_all(dir.join(&p.folder))?;
            }
            for (date, text) in &reports {
                let title = format!("Headroom report {date} · {}", p.title);
                write(
                    &dir.join(format!("{}/{date}.md", p.folder)),
                    &page(&title, i, body(text)),
                )?;
            }
        }
        if let Some(book) = &a.mdbook {
            let dir = book.join("src");
            let _ = writeln!(summary, "- [{}](runbooks/{}.md)", p.title, p.id);
            write(
                &dir.join(format!("runbooks/{}.md", p.id)),
                &format!("# {}\n{}", p.title, body(&runbook)),
            )?;
            if !reports.is_empty() {
                fs::create_dir_all(dir.join(&p.folder))?;
            }
            for (date, text) in &reports {
                let _ = writeln!(
                    summary,
                    "  - [Headroom report {date}]({}/{date}.md)",
                    p.folder
                );
                write(
                    &dir.join(format!("{}/{date}.md", p.folder)),
                    &format!("# Headroom report {date}\n\n{}", body(text)),
                )?;
            }
        }
    }
    if let Some(book) = &a.mdbook {
        write(&book.join("src/SUMMARY.md"), &summary)?;
    }
    Ok(files)
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match generate(&a) {
        Ok(files) => {
            eprintln!(
                "wrote {files} files ({} runbooks, {} reports each) into {}",
                a.n,
                a.reports,
                a.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
