//! The whole check of one file: the input becomes a runbook, a headroom
//! report or `dossier.yaml` (by its first byte) of an otherwise good
//! repository, which is loaded, checked and printed in every format. When
//! the check passes, the site is rendered too.
#![no_main]

use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use dossier::output::{self, Format};
use dossier::{Project, checks, site};
use libfuzzer_sys::fuzz_target;

const RUNBOOK: &str = include_str!("../../tests/fixtures/check/good/runbooks/capacity-planning.md");
const REPORT: &str =
    include_str!("../../tests/fixtures/check/good/evidence/capacity_reports/2026-11-03.md");
const BACKUP: &str = include_str!("../../tests/fixtures/check/good/runbooks/backup.md");

fn repo() -> &'static PathBuf {
    static REPO: OnceLock<PathBuf> = OnceLock::new();
    REPO.get_or_init(|| {
        let base =
            std::env::var_os("DOSSIER_FUZZ_TMP").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = tempfile::Builder::new()
            .prefix("dossier-fuzz-")
            .tempdir_in(base)
            .unwrap()
            .keep();
        fs::create_dir_all(dir.join("runbooks")).unwrap();
        fs::create_dir_all(dir.join("evidence/capacity_reports")).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, input)) = data.split_first() else {
        return;
    };
    let dir = repo();
    let runbook = dir.join("runbooks/capacity-planning.md");
    let report = dir.join("evidence/capacity_reports/2026-11-03.md");
    let config = dir.join("dossier.yaml");
    let _ = fs::remove_file(&config);
    fs::write(dir.join("runbooks/backup.md"), BACKUP).unwrap();
    match which % 3 {
        0 => {
            fs::write(&runbook, input).unwrap();
            fs::write(&report, REPORT).unwrap();
        }
        1 => {
            fs::write(&runbook, RUNBOOK).unwrap();
            fs::write(&report, input).unwrap();
        }
        _ => {
            fs::write(&runbook, RUNBOOK).unwrap();
            fs::write(&report, REPORT).unwrap();
            fs::write(&config, input).unwrap();
        }
    }
    let project = Project::load(dir).expect("the root opens");
    let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let diagnostics = checks::run(&project, today);
    let source_of = |path: &str| {
        project
            .sources()
            .into_iter()
            .find(|s| s.path == path)
            .map(|s| s.text.as_str())
    };
    for format in [Format::Human, Format::Json, Format::Github] {
        let _ = output::render(&diagnostics, format, false, source_of);
    }
    if !diagnostics.iter().any(|d| d.is_error()) {
        let _ = site::render(&project, today, false);
    }
});
