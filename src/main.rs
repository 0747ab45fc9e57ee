//! The `dossier` command line: parse arguments, call the library, print
//! diagnostics, pick the exit code (SPEC §5).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, CommandFactory, Parser, Subcommand};

use dossier::diag::Diagnostic;
use dossier::model::markdown::Render;
use dossier::output::{self, Format};
use dossier::{Project, agenda, checks, model, scaffold, site};

/// Reading, checking and rendering allocate millions of small strings from
/// two threads; mimalloc does that markedly faster than the system allocator
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes of SPEC §5.
const EVIDENCE_FAILED: u8 = 1;
const USAGE_OR_IO: u8 = 2;

#[derive(Parser)]
#[command(
    name = "dossier",
    version,
    about = "Turns runbooks and evidence into a SOC 2 evidence website, and refuses to publish it when the evidence is not in order."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every runbook and report against the rules; exit 1 on an error.
    #[command(
        after_help = "Examples:\n  dossier check\n  dossier check --root evidence-repo --format github\n  dossier check --today 2026-12-04 --deny-warnings"
    )]
    Check(CheckArgs),
    /// Check, then render the evidence site; writes nothing when a rule fails.
    #[command(
        after_help = "Examples:\n  dossier build\n  dossier build --root evidence-repo --out public\n  dossier build --today 2026-12-04 --format github"
    )]
    Build(BuildArgs),
    /// Serve a live preview on 127.0.0.1 that rebuilds and reloads on every change.
    #[command(
        after_help = "Examples:\n  dossier serve\n  dossier serve --root evidence-repo --port 8080 --open"
    )]
    Serve(ServeArgs),
    /// Start a runbook or a headroom report from a template (placeholders are `TODO`).
    #[command(
        subcommand,
        after_help = "Examples:\n  dossier new runbook backup-and-restore\n  dossier new report capacity-planning\n  dossier new report capacity-planning --date 2027-01-05"
    )]
    New(NewCommand),
    /// What is due, soonest first: reviews, headroom reports, flagged metrics.
    #[command(
        after_help = "Examples:\n  dossier status\n  dossier status --days 30\n  dossier status --format json"
    )]
    Status(StatusArgs),
    /// Fill RUNBOOK's headroom report from Prometheus (each trigger row's `Query`).
    #[command(
        after_help = "Examples:\n  dossier collect capacity-planning --prometheus http://127.0.0.1:9090\n  dossier collect capacity-planning --prometheus https://prom.example.com --date 2026-12-01\n\nCredentials come from the environment: DOSSIER_PROMETHEUS_TOKEN (bearer) or\nDOSSIER_PROMETHEUS_BASIC_AUTH (user:password). Exit 1 when a query gave no value."
    )]
    Collect(CollectArgs),
    /// Record every runbook's version and the hash of its substance in dossier.lock.
    #[command(
        after_help = "Examples:\n  dossier lock\n  dossier lock --root evidence-repo\n\nCommit dossier.lock. Once it exists, `dossier check` fails when a runbook\nchanges without a version bump, or is bumped without running `dossier lock`."
    )]
    Lock {
        #[command(flatten)]
        common: Common,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  dossier completions bash > /etc/bash_completion.d/dossier\n  dossier completions zsh > \"${fpath[1]}/_dossier\""
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct Common {
    /// The evidence repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
    /// The date to check against (default: today in the configured time zone).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    today: Option<NaiveDate>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    common: Common,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Fail on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args)]
struct BuildArgs {
    #[command(flatten)]
    check: CheckArgs,
    /// Output folder (default: ROOT/site).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Render the evidence as it stood on this date: later reports and
    /// exceptions left out, statuses for that day, versions from `history`.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: Common,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Open the preview in the default browser.
    #[arg(long)]
    open: bool,
}

#[derive(Args)]
struct StatusArgs {
    #[command(flatten)]
    common: Common,
    /// Show what is due within this many days (late items always show).
    #[arg(long, value_name = "N", default_value_t = 90)]
    days: u32,
    /// How to print the list.
    #[arg(long, value_enum, default_value = "human")]
    format: StatusFormat,
}

#[derive(Args)]
struct CollectArgs {
    runbook: String,
    /// Base URL of the Prometheus server.
    #[arg(long, value_name = "URL")]
    prometheus: String,
    #[command(flatten)]
    common: Common,
    /// The report's date (default: today); a past date is evaluated at its end.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<NaiveDate>,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum StatusFormat {
    Human,
    Json,
}

#[derive(Subcommand)]
enum NewCommand {
    /// Write runbooks/ID.md.
    Runbook {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Write RUNBOOK's headroom report for a date into its reports folder.
    Report {
        runbook: String,
        #[command(flatten)]
        common: Common,
        /// The report's date (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    model::parse_date(text)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Build(args) => build(&args),
        Command::Serve(args) => serve(args),
        Command::New(command) => new(command),
        Command::Status(args) => status(&args),
        Command::Collect(args) => collect(&args),
        Command::Lock { common } => lock(&common),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "dossier",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}

/// Loads the repository, or reports why not (exit 2).
fn load(root: &std::path::Path) -> Result<Project, ExitCode> {
    load_rendering(root, None)
}

/// [`load`], rendering the bodies as they are parsed when `render` is given.
fn load_rendering(root: &std::path::Path, render: Option<Render>) -> Result<Project, ExitCode> {
    Project::load_rendering(root, render).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(USAGE_OR_IO)
    })
}

#[cfg(feature = "serve")]
fn serve(args: ServeArgs) -> ExitCode {
    let options = dossier::serve::Options {
        root: args.common.root,
        today: args.common.today,
        port: args.port,
        open: args.open,
    };
    match dossier::serve::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(USAGE_OR_IO)
        }
    }
}

#[cfg(not(feature = "serve"))]
fn serve(_: ServeArgs) -> ExitCode {
    eprintln!("error: this dossier was built without the `serve` feature");
    ExitCode::from(USAGE_OR_IO)
}

fn new(command: NewCommand) -> ExitCode {
    let written = match command {
        NewCommand::Runbook { id, common } => {
            let today = match common.today {
                Some(today) => today,
                None => match load(&common.root) {
                    Ok(project) => project.today(),
                    Err(code) => return code,
                },
            };
            scaffold::new_runbook(&common.root, &id, today)
        }
        NewCommand::Report {
            runbook,
            common,
            date,
        } => {
            let project = match load(&common.root) {
                Ok(project) => project,
                Err(code) => return code,
            };
            let date = date.or(common.today).unwrap_or_else(|| project.today());
            scaffold::new_report(&project, &common.root, &runbook, date)
        }
    };
    match written {
        Ok(path) => {
            println!("wrote {}", path.display());
            eprintln!("replace every TODO, then run `dossier check`");
            ExitCode::SUCCESS
        }
        Err(scaffold::Refused(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE_OR_IO)
        }
    }
}

fn collect(args: &CollectArgs) -> ExitCode {
    let project = match load(&args.common.root) {
        Ok(project) => project,
        Err(code) => return code,
    };
    let today = args.common.today.unwrap_or_else(|| project.today());
    let date = args.date.unwrap_or(today);
    let options = dossier::collect::Options {
        runbook: &args.runbook,
        server: &args.prometheus,
        date,
        at_end_of_date: date < today,
        timeout: std::time::Duration::from_secs(args.timeout.max(1)),
    };
    match dossier::collect::collect(&project, &args.common.root, &options) {
        Ok(collected) => {
            println!("wrote {}", collected.path.display());
            for (metric, error) in &collected.failures {
                eprintln!("error: `{metric}`: {error} (left TODO)");
            }
            eprintln!(
                "{} value{} collected, {} left TODO: fill them in, set `author`, write the notes, then run `dossier check`",
                collected.filled,
                if collected.filled == 1 { "" } else { "s" },
                collected.failures.len()
            );
            if collected.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EVIDENCE_FAILED)
            }
        }
        Err(scaffold::Refused(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(USAGE_OR_IO)
        }
    }
}

fn lock(common: &Common) -> ExitCode {
    let project = match load(&common.root) {
        Ok(project) => project,
        Err(code) => return code,
    };
    let previous = match project.lock_source.as_ref().map(dossier::lock::parse) {
        None => dossier::lock::Lock::default(),
        Some(Ok(lock)) => lock,
        Some(Err((pos, message))) => {
            eprintln!(
                "error: {}:{}: {message}",
                dossier::lock::LOCK_FILE,
                pos.line
            );
            return ExitCode::from(EVIDENCE_FAILED);
        }
    };
    match dossier::lock::lock(&project.runbooks, &previous) {
        Ok(lock) => {
            let path = common.root.join(dossier::lock::LOCK_FILE);
            let temporary = common
                .root
                .join(format!(".{}.tmp", dossier::lock::LOCK_FILE));
            let written = std::fs::write(&temporary, dossier::lock::render(&lock))
                .and_then(|()| std::fs::rename(&temporary, &path));
            match written {
                Ok(()) => {
                    println!(
                        "wrote {} ({} runbook{})",
                        path.display(),
                        lock.runbooks.len(),
                        if lock.runbooks.len() == 1 { "" } else { "s" }
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    ExitCode::from(USAGE_OR_IO)
                }
            }
        }
        Err(problems) => {
            for problem in problems {
                eprintln!("error: {problem}");
            }
            eprintln!("lock: nothing written");
            ExitCode::from(EVIDENCE_FAILED)
        }
    }
}

fn status(args: &StatusArgs) -> ExitCode {
    let project = match load(&args.common.root) {
        Ok(project) => project,
        Err(code) => return code,
    };
    let today = args.common.today.unwrap_or_else(|| project.today());
    let items = agenda::agenda(&project, today, agenda::horizon(today, args.days));
    let text = match args.format {
        StatusFormat::Json => {
            let mut json = serde_json::to_string_pretty(&items).expect("items serialize");
            json.push('\n');
            json
        }
        StatusFormat::Human => agenda::table(&items, today, args.days),
    };
    let _ = std::io::stdout().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn check(args: &CheckArgs) -> ExitCode {
    match checked(args, None, None) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Loads and checks the repository, printing the diagnostics; the project
/// and its day when it may be published, the exit code otherwise.
/// `render`: render the bodies as they are parsed (a build).
fn checked(
    args: &CheckArgs,
    as_of: Option<NaiveDate>,
    render: Option<Render>,
) -> Result<(Project, NaiveDate), ExitCode> {
    let mut project = load_rendering(&args.common.root, render)?;
    let mut today = args.common.today.unwrap_or_else(|| project.today());
    if let Some(date) = as_of {
        project = project.as_of(date);
        today = date;
    }
    let diagnostics = checks::run(&project, today);
    print_diagnostics(&project, &diagnostics, args.format);
    let failed = diagnostics
        .iter()
        .any(|d| d.is_error() || args.deny_warnings);
    if args.format == Format::Human {
        let counts = format!(
            "{} runbook{}, {} report{}",
            project.runbooks.len(),
            if project.runbooks.len() == 1 { "" } else { "s" },
            project.reports.len(),
            if project.reports.len() == 1 { "" } else { "s" },
        );
        if diagnostics.is_empty() {
            eprintln!("checked {counts}: no problems");
        } else {
            let verdict = if failed { "failed" } else { "passed" };
            eprintln!(
                "checked {counts}: {verdict} with {}",
                output::summary(&diagnostics)
            );
        }
    }
    if failed {
        Err(ExitCode::from(EVIDENCE_FAILED))
    } else {
        Ok((project, today))
    }
}

fn build(args: &BuildArgs) -> ExitCode {
    let started = std::time::Instant::now();
    let root = &args.check.common.root;
    let out = args.out.clone().unwrap_or_else(|| root.join("site"));
    // A build must never replace a source: refuse such an output before anything else.
    if root.is_dir()
        && let Err(message) = site::write::check_output_dir(root, &out)
    {
        eprintln!("error: {message}");
        return ExitCode::from(USAGE_OR_IO);
    }
    let _progress = Progress::start("building the site");
    let (project, today) = match checked(&args.check, args.as_of, Some(site::markdown::prerender)) {
        Ok(checked) => checked,
        Err(code) => {
            eprintln!("build: nothing written");
            return code;
        }
    };
    match site::build(&project, today, args.as_of.is_some(), &out) {
        Ok(files) => {
            eprintln!(
                "built {files} files into {} in {} ms",
                out.display(),
                started.elapsed().as_millis()
            );
            // The system reclaims the project at exit faster than freeing it
            // file by file would.
            std::mem::forget(project);
            ExitCode::SUCCESS
        }
        Err(site::Error::Templates(diagnostics)) => {
            print_diagnostics(&project, &diagnostics, args.check.format);
            eprintln!("build: nothing written");
            ExitCode::from(EVIDENCE_FAILED)
        }
        Err(site::Error::Io(e)) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            ExitCode::from(USAGE_OR_IO)
        }
    }
}

/// A progress line on stderr for work that takes over a second; on a
/// terminal it counts the seconds in place, elsewhere it is printed once.
struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Progress {
    fn start(what: &'static str) -> Progress {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            let terminal = std::io::stderr().is_terminal();
            std::thread::sleep(std::time::Duration::from_secs(1));
            while !flag.load(Ordering::Relaxed) {
                let seconds = started.elapsed().as_secs_f32();
                if terminal {
                    eprint!("\r{what}… {seconds:.1} s");
                } else {
                    eprintln!("{what}… (over a second so far)");
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(250));
            }
        });
        Progress { done }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if std::io::stderr().is_terminal() {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Human diagnostics go to stderr (as compilers do); JSON and GitHub
/// workflow commands go to stdout for other programs to read.
fn print_diagnostics(project: &Project, diagnostics: &[Diagnostic], format: Format) {
    let sources: std::collections::HashMap<&str, &str> = project
        .sources()
        .into_iter()
        .map(|s| (s.path.as_str(), s.text.as_str()))
        .collect();
    let source_of = |path: &str| sources.get(path).copied();
    if format == Format::Human {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let text = output::render(diagnostics, format, color, source_of);
        let _ = std::io::stderr().write_all(text.as_bytes());
    } else {
        let text = output::render(diagnostics, format, false, source_of);
        let _ = std::io::stdout().write_all(text.as_bytes());
    }
}
