//! Publishing a site: every file is written into a fresh folder beside the
//! target, then swapped in with one atomic rename, so readers (and a build
//! killed at any moment) see either the old site or the new one, whole.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// Marks dossier's own temporary folders beside the output folder.
const STAGING_MARK: &str = ".dossier-";

/// Writes `files` (site-relative paths) as the folder `out`, replacing what was there.
pub fn publish(out: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    let out = std::path::absolute(out)?;
    let (parent, name) = match (out.parent(), out.file_name().and_then(|n| n.to_str())) {
        (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_owned()),
        _ => {
            return Err(io::Error::other(format!(
                "cannot write the site to {}",
                out.display()
            )));
        }
    };
    fs::create_dir_all(&parent)?;
    remove_stale(&parent, &name);

    let staging = parent.join(format!(".{name}{STAGING_MARK}new-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir(&staging)?;
    if let Err(e) = write_all(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_in(&staging, &out, &parent, &name)
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    let folders: BTreeSet<&str> = files
        .iter()
        .filter_map(|(path, _)| path.rsplit_once('/').map(|(folder, _)| folder))
        .collect();
    for folder in folders {
        fs::create_dir_all(dir.join(folder))?;
    }
    files
        .par_iter()
        .try_for_each(|(path, bytes)| fs::write(dir.join(path), bytes))
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
            // No atomic exchange on this file system: two renames, the old site kept aside until the end.
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

/// Removes temporary folders left by builds that were killed: those whose
/// process no longer runs.
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING_MARK}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.rsplit('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid)) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        PathBuf::from(format!("/proc/{pid}")).exists()
    } else {
        true // cannot tell: keep the folder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(content: &str) -> Vec<(String, Vec<u8>)> {
        vec![
            ("index.html".into(), content.as_bytes().to_vec()),
            ("a/b/c.txt".into(), b"deep".to_vec()),
        ]
    }

    #[test]
    fn publishes_and_replaces_whole_sites() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        publish(&out, &files("one")).unwrap();
        fs::write(out.join("stale.html"), "old").unwrap();
        publish(&out, &files("two")).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert_eq!(fs::read_to_string(out.join("a/b/c.txt")).unwrap(), "deep");
        assert!(
            !out.join("stale.html").exists(),
            "the old site is replaced, not merged"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["site"]);
    }

    #[test]
    fn refuses_to_replace_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        fs::write(&out, "not a folder").unwrap();
        assert!(publish(&out, &files("x")).is_err());
        assert_eq!(fs::read_to_string(&out).unwrap(), "not a folder");
    }

    #[test]
    fn cleans_up_after_killed_builds() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".site.dossier-new-999999999");
        fs::create_dir(&stale).unwrap();
        publish(&dir.path().join("site"), &files("x")).unwrap();
        assert!(!stale.exists());
    }
}
