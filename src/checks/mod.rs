//! The rules of SPEC §4, one small module per family. Each is a pure function
//! from the model to diagnostics; none prints.

mod controls;
mod exceptions;
mod forecast;
mod frontmatter;
mod headroom;
mod history;
mod ids;
mod links;
mod lock;
pub mod placeholders;
mod reports;
mod review;
mod triggers;

use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::diag::{self, Diagnostic};
use crate::evaluate;
use crate::model::report::Report;
use crate::project::Project;

/// What every rule may look at.
pub struct Context<'p> {
    pub project: &'p Project,
    pub today: NaiveDate,
    /// Each runbook's reports that count as evidence, by date.
    pub reports: HashMap<&'p str, Vec<&'p Report>>,
}

impl<'p> Context<'p> {
    pub fn new(project: &'p Project, today: NaiveDate) -> Self {
        Context {
            project,
            today,
            reports: evaluate::reports_by_runbook(project, today),
        }
    }

    pub fn reports_of(&self, runbook_id: &str) -> &[&'p Report] {
        self.reports.get(runbook_id).map_or(&[], Vec::as_slice)
    }
}

/// Every problem of the repository, sorted by file, line and column.
pub fn run(project: &Project, today: NaiveDate) -> Vec<Diagnostic> {
    let context = Context::new(project, today);
    let rules: [fn(&Context) -> Vec<Diagnostic>; 13] = [
        frontmatter::check,
        ids::check,
        review::check,
        controls::check,
        triggers::check,
        headroom::check,
        reports::check,
        links::check,
        placeholders::check,
        forecast::check,
        history::check,
        lock::check,
        exceptions::check,
    ];
    let mut all: Vec<Diagnostic> = rules
        .par_iter()
        .flat_map_iter(|rule| rule(&context))
        .collect();
    diag::sort(&mut all);
    all
}
