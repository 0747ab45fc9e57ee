//! The `dossier` command line: parse arguments, call the library, print
//! diagnostics, pick the exit code (SPEC §5).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use dossier::diag::Diagnostic;
use dossier::output::{self, Format};
use dossier::{Project, checks, model, site};

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
    /// Serve a live preview that rebuilds on change (not yet implemented).
    Serve(ServeArgs),
    /// Create a runbook or a headroom report from a template (not yet implemented).
    #[command(subcommand)]
    New(NewCommand),
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
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: Common,
    /// Port to listen on.
    #[arg(long, default_value_t = 8000)]
    port: u16,
}

#[derive(Subcommand)]
enum NewCommand {
    /// Write runbooks/ID.md.
    Runbook {
        id: String,
        #[command(flatten)]
        common: Common,
    },
    /// Write the next headroom report of RUNBOOK.
    Report {
        runbook: String,
        #[command(flatten)]
        common: Common,
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
        Command::Serve(_) => not_yet("serve"),
        Command::New(_) => not_yet("new"),
    }
}

fn not_yet(command: &str) -> ExitCode {
    eprintln!("error: `dossier {command}` is not implemented yet");
    ExitCode::from(USAGE_OR_IO)
}

fn check(args: &CheckArgs) -> ExitCode {
    match checked(args) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// Loads and checks the repository, printing the diagnostics; the project
/// and its day when it may be published, the exit code otherwise.
fn checked(args: &CheckArgs) -> Result<(Project, NaiveDate), ExitCode> {
    let project = Project::load(&args.common.root).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(USAGE_OR_IO)
    })?;
    let today = args.common.today.unwrap_or_else(|| project.today());
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
    let (project, today) = match checked(&args.check) {
        Ok(checked) => checked,
        Err(code) => {
            eprintln!("build: nothing written");
            return code;
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.check.common.root.join("site"));
    match site::build(&project, today, &out) {
        Ok(files) => {
            eprintln!(
                "built {files} files into {} in {} ms",
                out.display(),
                started.elapsed().as_millis()
            );
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

/// Human diagnostics go to stderr (as compilers do); JSON and GitHub
/// workflow commands go to stdout for other programs to read.
fn print_diagnostics(project: &Project, diagnostics: &[Diagnostic], format: Format) {
    let source_of = |path: &str| {
        project
            .sources()
            .into_iter()
            .find(|s| s.path == path)
            .map(|s| s.text.as_str())
    };
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
