//! Loading an evidence repository: sources are read once, then parsed into the model.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::diag::{Diagnostic, Pos};
use crate::model::config::{self, Config};
use crate::model::exception::{self, Exception};
use crate::model::frontmatter::Problem;
use crate::model::markdown::Render;
use crate::model::report::{self, Report};
use crate::model::runbook::{self, Runbook};
use crate::sources::{self, Root, Source};

/// Everything dossier knows about one evidence repository.
#[derive(Debug)]
pub struct Project {
    pub config: Config,
    pub config_source: Option<Source>,
    pub config_problems: Vec<Problem>,
    /// `dossier.lock`, when the repository keeps one.
    pub lock_source: Option<Source>,
    /// `evidence/exceptions/*.md`, sorted by path.
    pub exceptions: Vec<Exception>,
    /// Sorted by id.
    pub runbooks: Vec<Runbook>,
    /// Sorted by path.
    pub reports: Vec<Report>,
    /// Template overrides from the repository's `templates/`.
    pub templates: Vec<Source>,
    /// Every file and folder below `runbooks/` and `evidence/`.
    pub inventory: Arc<BTreeSet<String>>,
    /// Files that could not be read (outside the root, not UTF-8, too large...).
    pub read_problems: Vec<Diagnostic>,
    runbook_index: HashMap<String, usize>,
}

impl Project {
    /// Reads and parses the repository at `root`. Only a root that cannot be
    /// opened is an error; problems with files are kept for the checks.
    pub fn load(root: &Path) -> io::Result<Project> {
        Project::load_rendering(root, None)
    }

    /// [`Project::load`], and when `render` is given, every runbook and
    /// report body rendered in the pass that parses it (a build's pages
    /// then need not parse them again).
    pub fn load_rendering(root: &Path, render: Option<Render>) -> io::Result<Project> {
        let root = Root::open(root)?;
        let mut read_problems = Vec::new();

        let config_read = root.read_config();
        read_problems.extend(config_read.diagnostics);
        let config_source = config_read.sources.into_iter().next();
        let (config, config_problems) = config_source
            .as_ref()
            .map(config::parse)
            .unwrap_or_default();

        let runbooks_read = root.read_runbooks();
        read_problems.extend(runbooks_read.diagnostics);
        let runbooks: Vec<Runbook> = runbooks_read
            .sources
            .into_par_iter()
            .map(|source| runbook::parse_rendering(source, render))
            .collect();

        // Each report folder once, in path order.
        let mut folders: Vec<(Option<PathBuf>, &str, &str, Pos)> = runbooks
            .iter()
            .filter_map(|rb| {
                let reports = &rb.meta.as_ref()?.headroom.as_ref()?.reports;
                Some((reports.value.as_str(), rb.source.path.as_str(), reports.pos))
            })
            .filter(|(folder, ..)| is_report_folder(folder) || sources::normalize(folder).is_none())
            .map(|(folder, declared_in, pos)| {
                (sources::normalize(folder), folder, declared_in, pos)
            })
            .collect();
        folders.sort_by(|a, b| a.0.cmp(&b.0));
        folders.dedup_by(|a, b| a.0 == b.0);
        // Folders are read and parsed in parallel, each file parsed right
        // after it is read; the inventory is walked meanwhile.
        let (inventory, folders): (_, Vec<(Vec<Report>, Vec<Diagnostic>)>) = rayon::join(
            || Arc::new(root.inventory()),
            || {
                folders
                    .par_iter()
                    .map(|&(_, folder, declared_in, pos)| {
                        let read = root.read_report_folder(folder, declared_in, pos);
                        let reports = read
                            .sources
                            .into_iter()
                            .map(|source| report::parse_rendering(source, render))
                            .collect();
                        (reports, read.diagnostics)
                    })
                    .collect()
            },
        );
        let mut reports = Vec::with_capacity(folders.iter().map(|(r, _)| r.len()).sum());
        for (folder, diagnostics) in folders {
            reports.extend(folder);
            read_problems.extend(diagnostics);
        }
        reports.sort_by(|a, b| a.source.path.cmp(&b.source.path));

        let lock_read = root.read_optional(crate::lock::LOCK_FILE);
        read_problems.extend(lock_read.diagnostics);
        let exceptions_read =
            root.read_report_folder(exception::FOLDER, exception::FOLDER, Pos::line(1));
        read_problems.extend(exceptions_read.diagnostics);
        let exceptions: Vec<Exception> = exceptions_read
            .sources
            .into_iter()
            .map(exception::parse)
            .collect();

        let templates_read = root.read_templates();
        read_problems.extend(templates_read.diagnostics);

        let runbook_index = runbooks
            .iter()
            .enumerate()
            .map(|(i, rb)| (rb.id.clone(), i))
            .collect();
        Ok(Project {
            config,
            config_source,
            config_problems,
            lock_source: lock_read.sources.into_iter().next(),
            exceptions,
            runbooks,
            reports,
            templates: templates_read.sources,
            inventory,
            read_problems,
            runbook_index,
        })
    }

    /// The repository as its evidence stood on `date`: reports and exceptions
    /// dated after it left out, each runbook at the revision then in force
    /// (from its `history`; runbooks first approved later are left out). The
    /// bodies stay today's text: the repository's git history holds the old
    /// ones. The lock records today's versions, so it is set aside.
    pub fn as_of(mut self, date: NaiveDate) -> Project {
        use crate::model::exception::Subject;
        self.reports
            .retain(|r| r.meta.as_ref().is_none_or(|m| m.date.value <= date));
        let runbooks = &self.runbooks;
        let current_period = |id: &str| {
            let runbook = runbooks.iter().find(|rb| rb.id == id)?;
            let cadence = runbook.meta.as_ref()?.headroom.as_ref()?.cadence;
            Some(cadence.period_of(date).to_string())
        };
        self.exceptions.retain(|e| {
            e.meta.as_ref().is_none_or(|m| match &m.subject {
                // Period names of one cadence sort as their periods do.
                Subject::Period(name) => {
                    current_period(&m.runbook.value).is_none_or(|now| name.value <= now)
                }
                Subject::Review(day) => day.value <= date,
                Subject::Trip { date: day, .. } => day.value <= date,
            })
        });
        self.runbooks.retain_mut(|runbook| {
            let Some(meta) = runbook.meta.as_mut() else {
                return true;
            };
            if meta.history.is_empty() {
                return true;
            }
            let later = meta.history.iter().position(|r| r.date.value > date);
            let next_done = later.map(|i| meta.history[i].date.value);
            meta.history.truncate(later.unwrap_or(meta.history.len()));
            let Some(in_force) = meta.history.last().cloned() else {
                return false; // not yet approved on that date
            };
            meta.version = in_force.version.clone();
            meta.last_reviewed = in_force.date.clone();
            meta.approved = Some(in_force.date.clone());
            if let Some(next_done) = next_done {
                // The review after it is known only by the day it was done.
                meta.next_review.value = next_done;
            }
            true
        });
        self.lock_source = None;
        self.runbook_index = self
            .runbooks
            .iter()
            .enumerate()
            .map(|(i, rb)| (rb.id.clone(), i))
            .collect();
        self
    }

    pub fn runbook(&self, id: &str) -> Option<&Runbook> {
        self.runbook_index.get(id).map(|&i| &self.runbooks[i])
    }

    /// Puts a runbook in place of the one with its id; the one replaced, or
    /// `None` (and nothing changed) when there is none.
    pub fn replace_runbook(&mut self, runbook: Runbook) -> Option<Runbook> {
        let &i = self.runbook_index.get(&runbook.id)?;
        Some(std::mem::replace(&mut self.runbooks[i], runbook))
    }

    /// Puts a report in place of the one at its path; the one replaced, or
    /// `None` (and nothing changed) when there is none.
    pub fn replace_report(&mut self, report: Report) -> Option<Report> {
        let i = self
            .reports
            .binary_search_by(|r| r.source.path.cmp(&report.source.path))
            .ok()?;
        Some(std::mem::replace(&mut self.reports[i], report))
    }

    /// The part of the repository one runbook's rules look at: the runbook,
    /// the reports in its folder or naming it, its exceptions, with the
    /// settings, lock and file inventory of the whole.
    pub fn subset(&self, id: &str) -> Project {
        let runbook = self.runbook(id);
        let folder = runbook
            .and_then(|rb| rb.meta.as_ref()?.headroom.as_ref())
            .map(|h| h.reports.value.as_str());
        let reports: Vec<Report> = self
            .reports_in(folder.unwrap_or(""))
            .chain(
                // Reports naming it from elsewhere (reported as misfiled).
                self.reports
                    .iter()
                    .filter(|r| r.meta.as_ref().is_some_and(|m| m.runbook.value == id))
                    .filter(|r| {
                        !folder.is_some_and(|f| crate::evaluate::same_folder(f, &r.folder))
                    }),
            )
            .cloned()
            .collect();
        let exceptions = self
            .exceptions
            .iter()
            .filter(|e| e.meta.as_ref().is_some_and(|m| m.runbook.value == id))
            .cloned()
            .collect();
        let files: Vec<&str> = runbook
            .map(|rb| rb.source.path.as_str())
            .into_iter()
            .chain(reports.iter().map(|r| r.source.path.as_str()))
            .collect();
        let read_problems = self
            .read_problems
            .iter()
            .filter(|d| files.contains(&d.file.as_str()))
            .cloned()
            .collect();
        let runbooks: Vec<Runbook> = runbook.cloned().into_iter().collect();
        Project {
            config: self.config.clone(),
            config_source: self.config_source.clone(),
            config_problems: Vec::new(),
            lock_source: self.lock_source.clone(),
            exceptions,
            runbook_index: runbooks
                .iter()
                .enumerate()
                .map(|(i, rb)| (rb.id.clone(), i))
                .collect(),
            runbooks,
            reports,
            templates: Vec::new(),
            inventory: Arc::clone(&self.inventory),
            read_problems,
        }
    }

    /// The reports filed directly in a folder (reports are sorted by path, so
    /// a folder's are next to each other).
    pub fn reports_in(&self, folder: &str) -> impl Iterator<Item = &Report> {
        let folder = sources::normalize(folder)
            .map(|f| f.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let prefix = format!("{folder}/");
        let start = self
            .reports
            .partition_point(|r| r.source.path.as_str() < prefix.as_str());
        let reports = if folder.is_empty() {
            &[][..]
        } else {
            &self.reports[start..]
        };
        reports
            .iter()
            .take_while(move |r| r.source.path.starts_with(&prefix))
            // Not those of a subfolder, which sort among them.
            .filter(move |r| r.source.path[folder.len() + 1..].find('/').is_none())
    }

    /// The report at a root-relative path (reports are sorted by path).
    pub fn report(&self, path: &str) -> Option<&Report> {
        let i = self
            .reports
            .binary_search_by(|r| r.source.path.as_str().cmp(path))
            .ok()?;
        Some(&self.reports[i])
    }

    /// Today in the configured time zone.
    pub fn today(&self) -> NaiveDate {
        chrono::Utc::now()
            .with_timezone(&self.config.timezone)
            .date_naive()
    }

    /// Every source file, in path order: what `SHA256SUMS` covers.
    pub fn sources(&self) -> Vec<&Source> {
        let mut all: Vec<&Source> = self
            .config_source
            .iter()
            .chain(self.lock_source.iter())
            .chain(self.exceptions.iter().map(|e| &e.source))
            .chain(self.runbooks.iter().map(|rb| &rb.source))
            .chain(self.reports.iter().map(|r| &r.source))
            .chain(self.templates.iter())
            .collect();
        all.sort_by(|a, b| a.path.cmp(&b.path));
        all
    }
}

/// Report folders live under `evidence/` (SPEC §2 `evidence/<folder>`).
pub fn is_report_folder(folder: &str) -> bool {
    sources::normalize(folder)
        .is_some_and(|p| p.starts_with(sources::EVIDENCE_DIR) && p.components().count() >= 2)
}
