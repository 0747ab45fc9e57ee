//! Publishing a site: every file is written into a fresh folder beside the
//! target, then swapped in with one atomic rename, so readers (and a build
//! killed at any moment) see either the old site or the new one, whole.
//!
//! Around that swap:
//!
//! - [`check_output_dir`] refuses an output folder that is, contains or lies
//!   inside the sources, before anything is written;
//! - a lock file beside the output (`.NAME.dossier-lock`, held with `flock`)
//!   makes a second build into the same folder refuse clearly instead of
//!   racing the first; the kernel releases it when a build dies;
//! - under that lock, temporary folders left by killed builds are removed,
//!   and a site left aside by a build killed mid-way through the two-rename
//!   fallback (systems without an atomic exchange) is put back first;
//! - an existing folder that is not a dossier site (no `evidence.json`) is
//!   never replaced, so a mistyped `--out` cannot wipe unrelated files.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::sources::{CONFIG_FILE, EVIDENCE_DIR, RUNBOOKS_DIR, TEMPLATES_DIR};

/// Marks dossier's own temporary folders beside the output folder.
const STAGING_MARK: &str = ".dossier-";

/// A file every dossier site has (SPEC §6): what tells a site from a folder
/// of other files that must not be replaced.
pub const SITE_MARKER: &str = "evidence.json";

/// Folders of the repository that hold sources (or its history): no output may lie inside them.
const SOURCE_DIRS: [&str; 4] = [RUNBOOKS_DIR, EVIDENCE_DIR, TEMPLATES_DIR, ".git"];

/// Refuses an output folder that a build would make replace sources: the
/// root itself, a folder containing the root, anything inside `runbooks/`,
/// `evidence/`, `templates/` or `.git/`, or `dossier.yaml`. Symbolic links,
/// `.` and `..` are resolved first, so no spelling gets round it. Call it
/// before anything is written; the message names both paths.
pub fn check_output_dir(root: &Path, out: &Path) -> Result<(), String> {
    let root_real =
        fs::canonicalize(root).map_err(|e| format!("cannot open root {}: {e}", root.display()))?;
    let out_real =
        resolve(out).map_err(|e| format!("cannot resolve output folder {}: {e}", out.display()))?;
    let shown = out.display();
    if out_real == root_real {
        return Err(format!(
            "refusing to build into {shown}: it is the repository root, and publishing replaces the whole folder"
        ));
    }
    if root_real.starts_with(&out_real) {
        return Err(format!(
            "refusing to build into {shown}: it contains the repository root {}, and publishing replaces the whole folder",
            root_real.display()
        ));
    }
    if out_real == root_real.join(CONFIG_FILE) {
        return Err(format!(
            "refusing to build into {shown}: it is the repository's {CONFIG_FILE}"
        ));
    }
    if let Some(dir) = SOURCE_DIRS
        .iter()
        .find(|dir| out_real.starts_with(root_real.join(dir)))
    {
        return Err(format!(
            "refusing to build into {shown}: it lies inside the repository's {dir}/, and a build must never replace sources"
        ));
    }
    Ok(())
}

/// The real path `path` names, symbolic links resolved, for a path that
/// need not exist yet: the longest existing ancestor is canonicalized and the
/// rest appended (what does not exist yet cannot be a link).
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    let mut real = loop {
        match fs::canonicalize(existing) {
            Ok(real) => break real,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) =
                    (existing.parent(), existing.components().next_back())
                else {
                    return Err(e);
                };
                rest.push(name.as_os_str().to_owned());
                existing = parent;
            }
            Err(e) => return Err(e),
        }
    };
    for part in rest.iter().rev() {
        match Path::new(part).components().next() {
            Some(Component::ParentDir) => {
                real.pop();
            }
            Some(Component::Normal(name)) => real.push(name),
            _ => {}
        }
    }
    Ok(real)
}

/// Publishes a site of the files at `paths` (site-relative) as the folder
/// `out`, replacing what was there: the paths are checked, `fill` writes the
/// files (from any number of threads) into a fresh folder beside `out` and,
/// when it succeeds, that folder is swapped in.
/// Nothing is published when `fill` fails.
pub fn publish<E: From<io::Error>>(
    out: &Path,
    paths: &[String],
    fill: impl FnOnce(&Staging) -> Result<(), E>,
) -> Result<(), E> {
    let mut declared = HashSet::with_capacity(paths.len());
    for path in paths {
        check_site_path(path)?;
        if !declared.insert(path.clone()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write {path:?} twice"),
            )
            .into());
        }
    }
    let out = lexical(&std::path::absolute(out)?);
    let (parent, name) = match (out.parent(), out.file_name().and_then(|n| n.to_str())) {
        (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_owned()),
        _ => {
            return Err(
                io::Error::other(format!("cannot write the site to {}", out.display())).into(),
            );
        }
    };
    fs::create_dir_all(&parent)?;
    let _lock = OutputLock::acquire(&parent, &name, &out)?;
    clean_up(&parent, &name, &out);
    refuse_foreign(&out)?;

    let dir = parent.join(format!(".{name}{STAGING_MARK}new-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let filled = fs::create_dir(&dir)
        .and_then(|()| Staging::open(dir.clone(), declared))
        .map_err(E::from)
        .and_then(|staging| fill(&staging));
    if let Err(e) = filled {
        let _ = fs::remove_dir_all(&dir);
        return Err(e);
    }
    Ok(swap_in(&dir, &out, &parent, &name)?)
}

/// A site being written aside, before it is swapped in: only the paths
/// declared to [`publish`] (checked to stay inside it) can be written.
///
/// Files and folders are made relative to the open staging folder (`openat`,
/// `mkdirat`), so the kernel does not walk the staging folder's own path
/// again for each of the site's files.
pub struct Staging {
    #[cfg(unix)]
    dir: std::os::fd::OwnedFd,
    #[cfg(not(unix))]
    dir: PathBuf,
    declared: HashSet<String>,
}

impl Staging {
    fn open(dir: PathBuf, declared: HashSet<String>) -> io::Result<Staging> {
        #[cfg(unix)]
        let dir = {
            use rustix::fs::{CWD, Mode, OFlags, openat};
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
            openat(CWD, &dir, flags, Mode::empty())?
        };
        Ok(Staging { dir, declared })
    }

    /// Writes the file at `path` whole.
    pub fn write(&self, path: &str, bytes: &[u8]) -> io::Result<()> {
        io::Write::write_all(&mut self.create(path)?, bytes)
    }

    /// Creates the file at `path`, to be written as a stream. Its folder is
    /// made by the thread writing it, as it goes: making every folder first,
    /// one after another, would keep the other threads from rendering meanwhile.
    pub fn create(&self, path: &str) -> io::Result<File> {
        if !self.declared.contains(path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write {path:?}: not declared as part of the site"),
            ));
        }
        if let Some((folder, _)) = path.rsplit_once('/') {
            self.make_folder(folder)?;
        }
        self.create_file(path)
    }

    /// Makes `folder` and any missing parents; one that exists (made by
    /// another thread) is fine. Tried deepest first: most of a site's folders
    /// hold one page each, so their parent exists and one call makes them.
    fn make_folder(&self, folder: &str) -> io::Result<()> {
        match self.make_one_folder(folder) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some((parent, _)) = folder.rsplit_once('/') {
                    self.make_folder(parent)?;
                }
                self.make_one_folder(folder)
            }
            other => other,
        }
    }

    fn make_one_folder(&self, folder: &str) -> io::Result<()> {
        #[cfg(unix)]
        let made = rustix::fs::mkdirat(&self.dir, folder, rustix::fs::Mode::from(0o777))
            .map_err(io::Error::from);
        #[cfg(not(unix))]
        let made = fs::create_dir(self.dir.join(folder));
        match made {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        }
    }

    #[cfg(unix)]
    fn create_file(&self, path: &str) -> io::Result<File> {
        use rustix::fs::{Mode, OFlags, openat};
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC;
        Ok(File::from(openat(
            &self.dir,
            path,
            flags,
            Mode::from(0o666),
        )?))
    }

    #[cfg(not(unix))]
    fn create_file(&self, path: &str) -> io::Result<File> {
        File::create(self.dir.join(path))
    }
}

/// `a/./b/../c` -> `a/c` for an absolute path (`..` at the top stays at the top).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A site path must be plain: relative, `/`-separated names, no `.` or `..`,
/// so no page can be written outside the site or over another.
fn check_site_path(path: &str) -> io::Result<()> {
    // A backslash is a name character on Unix, a separator on Windows.
    let separator = cfg!(windows) && path.contains('\\');
    let plain = !path.is_empty()
        && !separator
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\0'));
    if plain {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write {path:?}: not a plain path inside the site"),
        ))
    }
}

/// An existing output folder is replaced only if it is a dossier site or empty.
fn refuse_foreign(out: &Path) -> io::Result<()> {
    let Ok(meta) = fs::symlink_metadata(out) else {
        return Ok(()); // nothing there yet
    };
    if !meta.is_dir() {
        return Err(io::Error::other(format!(
            "{} exists and is not a folder; refusing to replace it",
            out.display()
        )));
    }
    let empty = fs::read_dir(out)?.next().is_none();
    if empty || out.join(SITE_MARKER).is_file() {
        return Ok(());
    }
    Err(io::Error::other(format!(
        "{} exists and is not a dossier site (it has no {SITE_MARKER}); refusing to replace it: remove it or choose another --out",
        out.display()
    )))
}

/// Exchanges the staging folder with the live one in a single step where the
/// system allows (Linux `renameat2(RENAME_EXCHANGE)`), then removes the old site.
fn swap_in(staging: &Path, out: &Path, parent: &Path, name: &str) -> io::Result<()> {
    let result = match fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::rename(staging, out),
        Err(e) => Err(e),
        Ok(meta) if !meta.is_dir() => Err(io::Error::other(format!(
            "{} exists and is not a folder; refusing to replace it",
            out.display()
        ))),
        Ok(_) => exchange(staging, out).or_else(|_| {
            // No atomic exchange on this file system: two renames, the old
            // site kept aside until the end (and put back by the next build
            // if this one is killed in between).
            let old = parent.join(format!(".{name}{STAGING_MARK}old-{}", std::process::id()));
            fs::rename(out, &old)?;
            fs::rename(staging, out)?;
            fs::rename(&old, staging)
        }),
    };
    match result {
        Ok(()) => {
            // `staging` now holds the previous site (or nothing).
            let _ = fs::remove_dir_all(staging);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(staging);
            Err(e)
        }
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The lock of one output folder, held for the whole publish. Dropping it
/// removes the lock file (while still holding the lock), then releases it.
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

impl OutputLock {
    /// Takes the lock beside `out`, or refuses at once when another build holds it.
    fn acquire(parent: &Path, name: &str, out: &Path) -> io::Result<OutputLock> {
        let path = parent.join(format!(".{name}{STAGING_MARK}lock"));
        // Each retry means another build released the lock as it was taken.
        for _ in 0..100 {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!(
                            "another dossier build is writing {} right now (it holds {}); try again when it has finished",
                            out.display(),
                            path.display()
                        ),
                    ));
                }
                Err(fs::TryLockError::Error(e)) => return Err(e),
            }
            // The holder before us may have removed the file as we opened it:
            // the lock only counts if it is on the file the path names now.
            if same_file(&file, &path) {
                return Ok(OutputLock { file, path });
            }
        }
        Err(io::Error::other(format!(
            "cannot take the lock {}: it keeps being replaced",
            path.display()
        )))
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

/// With the lock held no other build is writing here, so every temporary
/// folder of this output is a leftover of a killed build: a site set aside
/// by the two-rename fallback is put back when the output is missing, and
/// the rest is removed.
fn clean_up(parent: &Path, name: &str, out: &Path) {
    let prefix = format!(".{name}{STAGING_MARK}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut leftovers: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name();
            let rest = file_name.to_str()?.strip_prefix(&prefix)?;
            let is_temp = rest.starts_with("new-") || rest.starts_with("old-");
            is_temp.then(|| (rest.to_owned(), entry.path()))
        })
        .collect();
    leftovers.sort();
    if fs::symlink_metadata(out).is_err()
        && let Some((_, old)) = leftovers.iter().find(|(rest, _)| rest.starts_with("old-"))
    {
        let _ = fs::rename(old, out);
    }
    for (_, path) in leftovers {
        if path.exists() {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(content: &str) -> Vec<(String, Vec<u8>)> {
        vec![
            ("index.html".into(), content.as_bytes().to_vec()),
            ("a/b/c.txt".into(), b"deep".to_vec()),
            (SITE_MARKER.into(), b"{}".to_vec()),
        ]
    }

    /// Publishes `files` whole, as a build does.
    fn publish_files(out: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        let paths: Vec<String> = files.iter().map(|(path, _)| path.clone()).collect();
        publish(out, &paths, |staging| {
            files
                .iter()
                .try_for_each(|(path, bytes)| staging.write(path, bytes))
        })
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn publishes_and_replaces_whole_sites() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish_files(&out, &files("one")).unwrap();
        fs::write(out.join("stale.html"), "old").unwrap();
        publish_files(&out, &files("two")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert_eq!(fs::read_to_string(out.join("a/b/c.txt")).unwrap(), "deep");
        assert!(
            !out.join("stale.html").exists(),
            "the old site is replaced, not merged"
        );
        assert_eq!(
            names(dir.path()),
            ["site"],
            "no lock or temporary folder left"
        );
    }

    #[test]
    fn refuses_to_replace_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        fs::write(&out, "not a folder").unwrap();
        assert!(publish_files(&out, &files("x")).is_err());
        assert_eq!(fs::read_to_string(&out).unwrap(), "not a folder");
    }

    #[test]
    fn refuses_to_replace_a_folder_that_is_not_a_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("documents");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("thesis.tex"), "years of work").unwrap();
        let e = publish_files(&out, &files("x")).unwrap_err();
        assert!(e.to_string().contains("not a dossier site"), "{e}");
        assert_eq!(names(&out), ["thesis.tex"]);
        // An empty folder is fine.
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        publish_files(&empty, &files("x")).unwrap();
    }

    #[test]
    fn refuses_to_replace_a_symbolic_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        publish_files(&real, &files("x")).unwrap();
        let link = dir.path().join("site");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(publish_files(&link, &files("y")).is_err());
        assert_eq!(fs::read_to_string(real.join("index.html")).unwrap(), "x");
    }

    #[test]
    fn refuses_paths_that_leave_the_site_or_repeat() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        for bad in [
            "../escape.html",
            "/etc/x",
            "a/../../b",
            "runbooks/./x",
            "",
            "a//b",
            "a/..",
        ] {
            let e = publish_files(&out, &[(bad.to_owned(), b"x".to_vec())]).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad}");
        }
        let twice = [
            ("a.html".to_owned(), b"1".to_vec()),
            ("a.html".to_owned(), b"2".to_vec()),
        ];
        assert!(publish_files(&out, &twice).is_err());
        assert!(!out.exists());
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn a_failed_fill_publishes_nothing_and_undeclared_paths_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish_files(&out, &files("old")).unwrap();
        let paths = vec!["index.html".to_owned()];
        let e = publish(&out, &paths, |staging| {
            staging.write("index.html", b"new")?;
            staging.write("other.html", b"sneaked in")
        })
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("not declared"), "{e}");
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "old");
        assert_eq!(names(dir.path()), ["site"], "the staging folder is removed");
    }

    #[test]
    fn cleans_up_after_killed_builds() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".site.dossier-new-999999999");
        fs::create_dir(&stale).unwrap();
        // A build still running has a live pid: its folder is stale all the
        // same, since it cannot hold the lock while this build does.
        let live = dir
            .path()
            .join(format!(".site.dossier-new-{}", std::process::id() + 1));
        fs::create_dir(&live).unwrap();
        // Another output's folders are left alone.
        let other = dir.path().join(".public.dossier-new-1");
        fs::create_dir(&other).unwrap();
        publish_files(&dir.path().join("site"), &files("x")).unwrap();
        assert!(!stale.exists() && !live.exists());
        assert!(other.exists());
    }

    #[test]
    fn a_site_set_aside_by_a_killed_build_is_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish_files(&out, &files("old")).unwrap();
        // Killed between the two renames of the fallback: no site, the old one aside.
        let aside = dir.path().join(".site.dossier-old-4242");
        fs::rename(&out, &aside).unwrap();
        fs::create_dir(dir.path().join(".site.dossier-new-4242")).unwrap();
        // The next build starts from the old site, and replaces it whole.
        publish_files(&out, &files("new")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "new");
        assert_eq!(names(dir.path()), ["site"]);
    }

    #[test]
    fn a_second_build_into_the_same_folder_is_refused_while_the_first_runs() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish_files(&out, &files("first")).unwrap();
        let held = OutputLock::acquire(dir.path(), "site", &out).unwrap();
        let e = publish_files(&out, &files("second")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        assert!(e.to_string().contains("another dossier build"), "{e}");
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "first");
        drop(held);
        publish_files(&out, &files("second")).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("index.html")).unwrap(),
            "second"
        );
    }

    #[test]
    fn a_lock_file_left_by_a_killed_build_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".site.dossier-lock"), "").unwrap();
        publish_files(&dir.path().join("site"), &files("x")).unwrap();
        assert_eq!(names(dir.path()), ["site"]);
    }

    #[test]
    fn output_folders_that_would_replace_sources_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        for sub in ["runbooks", "evidence/reports", "templates", ".git"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        fs::write(root.join("dossier.yaml"), "").unwrap();
        std::os::unix::fs::symlink(&root, dir.path().join("alias")).unwrap();
        std::os::unix::fs::symlink(root.join("runbooks"), root.join("out-link")).unwrap();
        let refused = [
            root.clone(),
            root.join("."),
            root.join("runbooks/.."),
            dir.path().join("alias"),
            dir.path().to_path_buf(),
            PathBuf::from("/"),
            root.join("runbooks"),
            root.join("runbooks/site"),
            root.join("evidence/reports/new/site"),
            root.join("templates"),
            root.join(".git/site"),
            root.join("dossier.yaml"),
            root.join("out-link"),
            root.join("out-link/site"),
            root.join("site/../runbooks/x"),
        ];
        for out in refused {
            let e = check_output_dir(&root, &out).unwrap_err();
            assert!(
                e.contains("refusing to build into"),
                "{}: {e}",
                out.display()
            );
            assert!(e.contains(&out.display().to_string()), "{e}");
        }
        for out in [
            root.join("site"),
            root.join("public/site"),
            dir.path().join("site"),
            root.join("runbooks-site"),
            root.join("evidence.html"),
        ] {
            assert_eq!(check_output_dir(&root, &out), Ok(()), "{}", out.display());
        }
    }

    #[test]
    fn resolves_paths_that_do_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            resolve(&dir.path().join("a/b/../c")).unwrap(),
            real.join("a/c")
        );
        assert_eq!(
            resolve(&dir.path().join("a/./c")).unwrap(),
            real.join("a/c")
        );
    }
}
