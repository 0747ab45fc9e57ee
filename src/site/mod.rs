//! The evidence site (SPEC §6): facts computed once, pages rendered from
//! embedded Tera templates, written aside and swapped in atomically.

pub mod calendar;
pub mod chart;
pub mod facts;
pub mod markdown;
pub mod render;
pub mod write;

use std::io;
use std::path::Path;

use chrono::NaiveDate;

use crate::diag::Diagnostic;
use crate::project::Project;
use render::Site;

/// Why a build wrote nothing.
#[derive(Debug)]
pub enum Error {
    /// A template does not compile or render (exit 1: the repository must be fixed).
    Templates(Vec<Diagnostic>),
    /// The output could not be written (exit 2).
    Io(io::Error),
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

/// Renders the site and publishes it at `out`; returns the number of files
/// written. Pages are written as they are rendered, in parallel, and
/// `evidence.json` is streamed: the site is never held in memory whole.
/// `as_of`: `today` is a past date the site shows the evidence as of.
pub fn build(project: &Project, today: NaiveDate, as_of: bool, out: &Path) -> Result<usize, Error> {
    let site = Site::new(project, today, as_of).map_err(Error::Templates)?;
    let pages = site.pages();
    let mut paths: Vec<String> = pages.iter().map(|&page| site.path(page)).collect();
    paths.extend(render::small_file_paths(&site));
    paths.push(write::SITE_MARKER.to_owned());
    write::publish(out, &paths, |staging| {
        // The files covering every source are made on one thread while the
        // pages are rendered on the others.
        let (pages, covering) = rayon::join(
            || site.render_each(project, &pages, |path, html| staging.write(path, html)),
            || {
                render::write_evidence_json(&site.facts, staging.create(write::SITE_MARKER)?)?;
                render::small_files(&site, project, today)
                    .iter()
                    .try_for_each(|(path, bytes)| staging.write(path, bytes))
            },
        );
        pages?;
        covering?;
        Ok::<(), Error>(())
    })?;
    // Freeing the facts of every page takes a noticeable part of a large
    // build; nothing waits for it.
    rayon::spawn(move || drop(site));
    Ok(paths.len())
}
