//! A live preview's site (`dossier serve`): built once, then kept up to date
//! as files change. An edit to one runbook or report re-reads that file,
//! re-checks that runbook with its reports, recomputes their facts and
//! re-renders only the pages that show them; only files whose bytes changed
//! are written. Anything else (a file added or removed, settings, templates,
//! the lock) reloads the whole repository, still writing only what changed.
//!
//! `evidence.json`, `SHA256SUMS` and `calendar.ics` cover every source, so
//! they are left stale by an update and rewritten by [`Preview::write_machine_files`],
//! which a server can run after it has answered.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;

use super::{Page, Site, machine_files};
use crate::checks;
use crate::diag::{self, Diagnostic};
use crate::model::markdown::Render;
use crate::model::{report, runbook};
use crate::project::Project;
use crate::site::Error;
use crate::site::facts::{self, ReportFacts, RunbookFacts};
use crate::sources::{RUNBOOKS_DIR, Root};

/// Bodies are rendered in the pass that parses them, as in a build.
const PRERENDER: Option<Render> = Some(crate::site::markdown::prerender);

/// A preview: the repository as last read, its diagnostics, and the site
/// written in `out`.
pub struct Preview {
    root: PathBuf,
    out: PathBuf,
    today: NaiveDate,
    project: Project,
    diagnostics: Vec<Diagnostic>,
    /// `None` while the repository fails its checks.
    site: Option<Site>,
}

/// What an update did.
#[derive(Debug, Default)]
pub struct Update {
    /// Site paths written because their bytes changed.
    pub written: Vec<String>,
    /// Whether the whole repository was read again.
    pub full: bool,
}

impl Preview {
    /// Reads and checks the repository at `root` and writes its site into
    /// `out` (when it passes). `today`: the day to check against, by default
    /// today in the configured time zone.
    pub fn open(root: &Path, out: &Path, today: Option<NaiveDate>) -> Result<Preview, Error> {
        let project = Project::load_rendering(root, PRERENDER).map_err(Error::Io)?;
        let today = today.unwrap_or_else(|| project.today());
        let mut preview = Preview {
            root: root.to_path_buf(),
            out: out.to_path_buf(),
            today,
            project,
            diagnostics: Vec::new(),
            site: None,
        };
        preview.rebuild()?;
        Ok(preview)
    }

    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Every problem of the repository, sorted as `check` prints them.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Whether the repository fails its checks (nothing is rendered then).
    pub fn failed(&self) -> bool {
        self.site.is_none()
    }

    /// Takes in changes to the files at `paths` (absolute, or relative to the root).
    pub fn update(&mut self, paths: &[PathBuf]) -> Result<Update, Error> {
        self.update_with(paths, &mut || {})
    }

    /// [`Preview::update`], calling `shown` as soon as an edited runbook's
    /// own pages (its evidence page and its reports') are written, before the
    /// index pages that list it: on 10,000 runbooks the home page alone takes
    /// longer to render than the rest of an edit, and a server can make the
    /// browser reload the edited page meanwhile.
    pub fn update_with(
        &mut self,
        paths: &[PathBuf],
        shown: &mut dyn FnMut(),
    ) -> Result<Update, Error> {
        let relative: Vec<String> = paths.iter().filter_map(|p| self.relative(p)).collect();
        let edits: Option<Vec<Edit>> = relative.iter().map(|p| self.edit_of(p)).collect();
        match edits {
            Some(edits) if self.site.is_some() && self.project.lock_source.is_none() => {
                let mut update = Update::default();
                for edit in edits {
                    match self.apply(edit, shown)? {
                        Some(written) => update.written.extend(written),
                        None => return self.reload(),
                    }
                }
                Ok(update)
            }
            _ => self.reload(),
        }
    }

    /// Rewrites the files that cover every source: `SHA256SUMS`,
    /// `calendar.ics`, `evidence.json`, and the static files.
    pub fn write_machine_files(&self) -> Result<Vec<String>, Error> {
        let Some(site) = &self.site else {
            return Ok(Vec::new());
        };
        let files = machine_files(site, &self.project, self.today);
        write_changed(&self.out, files)
    }

    /// Reads the whole repository again.
    fn reload(&mut self) -> Result<Update, Error> {
        self.project = Project::load_rendering(&self.root, PRERENDER).map_err(Error::Io)?;
        let written = self.rebuild()?;
        Ok(Update {
            written,
            full: true,
        })
    }

    /// Checks the project and, when it passes, renders and writes every page.
    fn rebuild(&mut self) -> Result<Vec<String>, Error> {
        self.diagnostics = checks::run(&self.project, self.today);
        self.site = None;
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            return Ok(Vec::new());
        }
        let site = Site::new(&self.project, self.today, false).map_err(Error::Templates)?;
        let files = site
            .files(&self.project, self.today)
            .map_err(Error::Templates)?;
        self.remove_others(&files).map_err(Error::Io)?;
        let written = write_changed(&self.out, files)?;
        self.site = Some(site);
        Ok(written)
    }

    /// What a change to `path` is, when it can be taken in alone: an edit to
    /// a runbook or report that existed and still exists.
    fn edit_of(&self, path: &str) -> Option<Edit> {
        if !self.root.join(path).is_file() {
            return None;
        }
        if let Some(name) = path
            .strip_prefix(RUNBOOKS_DIR)
            .and_then(|p| p.strip_prefix('/'))
        {
            let id = name.strip_suffix(".md")?;
            self.project.runbook(id)?;
            return Some(Edit::Runbook(path.to_owned()));
        }
        self.project.report(path)?;
        Some(Edit::Report(path.to_owned()))
    }

    /// Takes in one edit; `None` when it turns out to need a full reload
    /// (it moves a report, or renames a report folder).
    fn apply(&mut self, edit: Edit, shown: &mut dyn FnMut()) -> Result<Option<Vec<String>>, Error> {
        let root = Root::open(&self.root).map_err(Error::Io)?;
        let path = match &edit {
            Edit::Runbook(path) | Edit::Report(path) => path.as_str(),
        };
        let read = root.read_optional(path);
        let (Some(source), true) = (read.sources.into_iter().next(), read.diagnostics.is_empty())
        else {
            return Ok(None);
        };
        let id = match edit {
            Edit::Runbook(_) => {
                let new = runbook::parse_rendering(source, PRERENDER);
                let id = new.id.clone();
                let folder = |rb: &runbook::Runbook| {
                    rb.meta
                        .as_ref()
                        .and_then(|m| m.headroom.as_ref())
                        .map(|h| h.reports.value.clone())
                };
                let old_folder = self.project.runbook(&id).map(folder);
                if old_folder != Some(folder(&new)) {
                    return Ok(None);
                }
                self.project.replace_runbook(new);
                id
            }
            Edit::Report(_) => {
                let new = report::parse_rendering(source, PRERENDER);
                let key = |r: &report::Report| {
                    r.meta
                        .as_ref()
                        .map(|m| (m.runbook.value.clone(), m.date.value))
                };
                let old_key = self.project.report(&new.source.path).map(key);
                let Some(Some((id, _))) = old_key.clone() else {
                    return Ok(None);
                };
                if old_key != Some(key(&new)) {
                    return Ok(None);
                }
                self.project.replace_report(new);
                id
            }
        };
        self.recheck(&id);
        if self.diagnostics.iter().any(Diagnostic::is_error) {
            // Shown as diagnostics; the next edit that passes reloads.
            self.site = None;
            return Ok(Some(Vec::new()));
        }
        self.rerender(&id, shown).map(Some)
    }

    /// Checks one runbook with its reports again, keeping the diagnostics of
    /// every other file.
    fn recheck(&mut self, id: &str) {
        let subset = self.project.subset(id);
        let files: HashSet<&str> = subset
            .runbooks
            .iter()
            .map(|rb| rb.source.path.as_str())
            .chain(subset.reports.iter().map(|r| r.source.path.as_str()))
            .chain(subset.exceptions.iter().map(|e| e.source.path.as_str()))
            .collect();
        let fresh = checks::run(&subset, self.today)
            .into_iter()
            .filter(|d| files.contains(d.file.as_str()));
        self.diagnostics
            .retain(|d| !files.contains(d.file.as_str()));
        self.diagnostics.extend(fresh);
        diag::sort(&mut self.diagnostics);
    }

    /// Recomputes one runbook's facts and its reports', and writes the pages
    /// that show them.
    fn rerender(&mut self, id: &str, shown: &mut dyn FnMut()) -> Result<Vec<String>, Error> {
        let (project, today) = (&self.project, self.today);
        let Some(site) = self.site.as_mut() else {
            return Ok(Vec::new());
        };
        let runbook = project.runbook(id).expect("an edited runbook exists");
        let reports = crate::evaluate::reports_of(project, runbook, today);
        let exceptions: Vec<_> = project
            .exceptions
            .iter()
            .filter(|e| e.meta.as_ref().is_some_and(|m| m.runbook.value == id))
            .collect();
        let (new_runbook, new_reports) =
            facts::runbook_with_reports(runbook, &reports, &exceptions, today)
                .expect("a runbook that passes its checks has facts");
        let facts = &mut site.facts;
        let index = facts
            .runbooks
            .iter()
            .position(|rb| rb.id == id)
            .expect("an edited runbook has facts");
        let old = std::mem::replace(&mut facts.runbooks[index], new_runbook);
        let new = &facts.runbooks[index];

        let mut pages = vec![Page::Runbook(index)];
        // What the index pages show of the runbook, before and after: each
        // summary serializes the runbook's facts, so it is made once.
        let (before, after) = (Summary::of(&old), Summary::of(new));
        let mut home = before.home != after.home;
        let mut new_reports: HashMap<String, ReportFacts> = new_reports
            .into_iter()
            .map(|(_, report)| (report.source.clone(), report))
            .collect();
        for (i, slot) in facts.reports.iter_mut().enumerate() {
            let Some(report) = new_reports.remove(&slot.source) else {
                continue;
            };
            home |= serde_json::to_vec(&super::report_row(slot)).ok()
                != serde_json::to_vec(&super::report_row(&report)).ok();
            *slot = report;
            pages.push(Page::Report(i));
        }
        // The edited files' hashes, for SHA256SUMS and evidence.json.
        let sources = std::iter::once(&runbook.source).chain(reports.iter().map(|r| &r.source));
        for source in sources {
            if let Ok(i) = facts.sources.binary_search_by(|s| s.path.cmp(&source.path)) {
                facts.sources[i].sha256 = source.sha256.clone();
            }
        }
        // The edited runbook's own pages first: they are what the author is
        // looking at.
        let files = site.render_all(project, &pages).map_err(Error::Templates)?;
        let mut written = write_changed(&self.out, files)?;
        shown();

        let facts = &mut site.facts;
        let mut pages = Vec::new();
        if home {
            pages.push(Page::Home);
        }
        let listed = before.coverage != after.coverage;
        if listed {
            facts.coverage = facts::coverage(&facts.runbooks);
            pages.push(Page::Readiness);
            let criteria = facts.coverage.groups.iter().enumerate();
            pages.extend(criteria.flat_map(|(g, group)| {
                (0..group.criteria.len()).map(move |c| Page::Control(g, c))
            }));
        }
        if before.audit != after.audit {
            facts.audit = facts::audit(project, &facts.runbooks, today);
            pages.push(Page::Audit);
        }
        if listed {
            site.refresh();
        }
        let files = site.render_all(project, &pages).map_err(Error::Templates)?;
        written.extend(write_changed(&self.out, files)?);
        written.sort();
        Ok(written)
    }

    /// Removes the files of `out` that are not in `files` (pages of runbooks
    /// and reports that are gone).
    fn remove_others(&self, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let keep: HashSet<&str> = files.iter().map(|(path, _)| path.as_str()).collect();
        for entry in walkdir::WalkDir::new(&self.out)
            .into_iter()
            .filter_map(Result::ok)
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(relative) = entry.path().strip_prefix(&self.out) else {
                continue;
            };
            let relative = relative.to_string_lossy().replace('\\', "/");
            if !keep.contains(relative.as_str()) {
                fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let path = if path.is_absolute() {
            let root = fs::canonicalize(&self.root).ok()?;
            let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            path.strip_prefix(root).ok()?.to_path_buf()
        } else {
            path.to_path_buf()
        };
        let parts: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }
}

/// Writes the files whose bytes differ from what `out` holds; their paths.
fn write_changed(out: &Path, files: Vec<(String, Vec<u8>)>) -> Result<Vec<String>, Error> {
    let written: io::Result<Vec<Option<String>>> = files
        .into_par_iter()
        .map(|(path, bytes)| {
            let full = out.join(&path);
            if fs::read(&full).is_ok_and(|old| old == bytes) {
                return Ok(None);
            }
            if let Some(folder) = full.parent() {
                fs::create_dir_all(folder)?;
            }
            fs::write(&full, &bytes)?;
            Ok(Some(path))
        })
        .collect();
    let mut written: Vec<String> = written.map_err(Error::Io)?.into_iter().flatten().collect();
    written.sort();
    Ok(written)
}

/// An edit that may be taken in alone: the root-relative path of a runbook
/// or report that existed and still exists.
enum Edit {
    Runbook(String),
    Report(String),
}

/// What the index pages show of a runbook, to tell whether an edit changes them.
struct Summary {
    home: Option<Vec<u8>>,
    coverage: Option<Vec<u8>>,
    audit: Option<Vec<u8>>,
}

impl Summary {
    fn of(rb: &RunbookFacts) -> Summary {
        #[derive(Serialize)]
        struct Listed<'a> {
            title: &'a str,
            version: &'a str,
            url: &'a str,
            controls: Vec<&'a str>,
        }
        #[derive(Serialize)]
        struct Audited<'a, T: Serialize, U: Serialize> {
            periods: Option<&'a T>,
            history: &'a U,
            last_reviewed: NaiveDate,
            next_review: NaiveDate,
            title: &'a str,
        }
        Summary {
            home: serde_json::to_vec(&super::runbook_row(rb)).ok(),
            coverage: serde_json::to_vec(&Listed {
                title: &rb.title,
                version: &rb.version,
                url: &rb.url,
                controls: rb.controls.iter().map(|c| c.id.as_str()).collect(),
            })
            .ok(),
            audit: serde_json::to_vec(&Audited {
                periods: rb.headroom.as_ref().map(|h| &h.periods),
                history: &rb.history,
                last_reviewed: rb.last_reviewed,
                next_review: rb.next_review,
                title: &rb.title,
            })
            .ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    /// The project's own repository, without its lock (edits then stay incremental).
    fn repository() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR"));
        for top in ["runbooks", "evidence"] {
            for entry in walkdir::WalkDir::new(from.join(top)) {
                let entry = entry.unwrap();
                let to = dir.path().join(entry.path().strip_prefix(from).unwrap());
                if entry.file_type().is_dir() {
                    fs::create_dir_all(&to).unwrap();
                } else {
                    fs::copy(entry.path(), &to).unwrap();
                }
            }
        }
        fs::copy(from.join("dossier.yaml"), dir.path().join("dossier.yaml")).unwrap();
        dir
    }

    /// A preview of a copy of this repository: (repository, output, preview).
    fn opened() -> (tempfile::TempDir, tempfile::TempDir, Preview) {
        let repo = repository();
        let out = tempfile::tempdir().unwrap();
        let preview = Preview::open(repo.path(), out.path(), Some(today())).unwrap();
        (repo, out, preview)
    }

    fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let path = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                (path, fs::read(e.path()).unwrap())
            })
            .collect()
    }

    /// What a full build of `root` writes.
    fn built(root: &Path) -> BTreeMap<String, Vec<u8>> {
        let project = Project::load(root).unwrap();
        let out = tempfile::tempdir().unwrap();
        let site = out.path().join("site");
        crate::site::build(&project, today(), false, &site).unwrap();
        tree(&site)
    }

    fn edit(root: &Path, path: &str, from: &str, to: &str) -> PathBuf {
        let file = root.join(path);
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{path} has no {from:?}");
        fs::write(&file, text.replacen(from, to, 1)).unwrap();
        file
    }

    #[test]
    fn edits_rewrite_only_what_they_change_and_match_a_full_build() {
        let (repo, out, mut preview) = opened();
        assert!(!preview.failed());
        assert_eq!(tree(out.path()), built(repo.path()));

        // Prose: the evidence page only.
        let file = edit(
            repo.path(),
            "runbooks/capacity-planning.md",
            "## Forecasting",
            "## Forecasting ahead",
        );
        let update = preview.update(&[file]).unwrap();
        assert!(!update.full);
        assert_eq!(update.written, ["runbooks/capacity-planning/index.html"]);

        // An observation: its report page, the evidence page, maybe the home page.
        let file = edit(
            repo.path(),
            "evidence/capacity_reports/2026-05-05.md",
            "Storage used: ",
            "Storage used: 1",
        );
        let update = preview.update(&[file]).unwrap();
        assert!(!update.full);
        assert!(
            update
                .written
                .contains(&"evidence/capacity_reports/2026-05-05/index.html".to_owned())
        );

        // A title: every page that lists the runbook.
        let file = edit(
            repo.path(),
            "runbooks/capacity-planning.md",
            "title: Capacity Planning Runbook",
            "title: Capacity Runbook",
        );
        let update = preview.update(&[file]).unwrap();
        assert!(update.written.contains(&"index.html".to_owned()));
        assert!(update.written.contains(&"soc2/index.html".to_owned()));

        preview.write_machine_files().unwrap();
        assert_eq!(tree(out.path()), built(repo.path()));
    }

    #[test]
    fn an_edited_runbook_is_shown_before_the_pages_that_list_it() {
        let (repo, out, mut preview) = opened();
        let file = edit(
            repo.path(),
            "runbooks/capacity-planning.md",
            "title: Capacity Planning Runbook",
            "title: Capacity Runbook",
        );
        let read = |path: &str| fs::read_to_string(out.path().join(path)).unwrap();
        let mut seen = Vec::new();
        let update = preview
            .update_with(&[file], &mut || {
                seen.push((
                    read("runbooks/capacity-planning/index.html").contains("Capacity Runbook"),
                    read("index.html").contains("Capacity Runbook"),
                ));
            })
            .unwrap();
        assert_eq!(seen, [(true, false)], "shown once, between the two");
        assert!(read("index.html").contains("Capacity Runbook"));
        assert!(update.written.contains(&"index.html".to_owned()));
    }

    #[test]
    fn other_changes_reload_everything() {
        let (repo, out, mut preview) = opened();
        let folder = repo.path().join("evidence/capacity_reports");
        let text = fs::read_to_string(folder.join("2026-12-01.md")).unwrap();
        let added = folder.join("2026-12-03.md");
        fs::write(&added, text.replace("date: 2026-12-01", "date: 2026-12-03")).unwrap();
        let update = preview.update(&[added]).unwrap();
        assert!(update.full);
        assert!(
            out.path()
                .join("evidence/capacity_reports/2026-12-03/index.html")
                .exists()
        );
        assert_eq!(tree(out.path()), built(repo.path()));
    }

    #[test]
    fn a_failing_edit_shows_its_diagnostics_then_recovers() {
        let (repo, out, mut preview) = opened();
        let file = edit(
            repo.path(),
            "runbooks/capacity-planning.md",
            "> 800ms for 24h",
            "around 800ms",
        );
        preview.update(std::slice::from_ref(&file)).unwrap();
        assert!(preview.failed());
        assert!(
            preview
                .diagnostics()
                .iter()
                .any(|d| d.rule == "trigger-syntax")
        );
        edit(
            repo.path(),
            "runbooks/capacity-planning.md",
            "around 800ms",
            "> 900ms for 24h",
        );
        preview.update(&[file]).unwrap();
        assert!(!preview.failed());
        preview.write_machine_files().unwrap();
        assert_eq!(tree(out.path()), built(repo.path()));
    }
}
