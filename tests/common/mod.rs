//! Helpers shared by the integration tests: running the binary and copying
//! repositories into temporary folders.
#![allow(dead_code)] // each test crate uses its own subset

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

/// The day most tests check against.
pub const TODAY: &str = "2026-12-04";

/// Runs `dossier` with `args`, colour off, and waits for it.
pub fn dossier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("dossier runs")
}

/// The project's own repository.
pub fn project_root() -> &'static str {
    env!("CARGO_MANIFEST_DIR")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).unwrap();
        }
    }
}

/// A copy of the project's own evidence (runbooks, reports, exceptions, lock
/// and settings) in a temporary folder, to edit freely.
pub fn own_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(project_root());
    for folder in ["runbooks", "evidence"] {
        copy_dir(&root.join(folder), &dir.path().join(folder));
    }
    for file in ["dossier.lock", "dossier.yaml"] {
        fs::copy(root.join(file), dir.path().join(file)).unwrap();
    }
    dir
}

/// Replaces the first `from` in a file, which must contain it.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}
