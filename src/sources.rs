//! The only reader of the evidence repository: walks the known folders and
//! reads each file once, never leaving the root.
//!
//! Everything returned is plain data; problems with individual files become
//! diagnostics, while a missing or unreadable root is an I/O error (exit 2).

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read as _};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, Pos};

/// Files larger than this are refused: no runbook or report is anywhere near
/// it, and reading one whole would let a hostile pull request exhaust memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

pub const CONFIG_FILE: &str = "dossier.yaml";
pub const RUNBOOKS_DIR: &str = "runbooks";
pub const EVIDENCE_DIR: &str = "evidence";
pub const TEMPLATES_DIR: &str = "templates";

/// One file of the repository, read once.
#[derive(Debug, Clone)]
pub struct Source {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    pub text: String,
    /// SHA-256 of the exact bytes, 64 lowercase hex digits.
    pub sha256: String,
}

/// A repository opened for reading.
#[derive(Debug)]
pub struct Root {
    /// Canonical path of the root; every file read must lie below it.
    dir: PathBuf,
}

/// What reading a set of files gave: the files that could be read, and a
/// diagnostic for each that could not.
#[derive(Debug, Default)]
pub struct Read {
    pub sources: Vec<Source>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Read {
    fn merge(mut self, other: Read) -> Read {
        self.sources.extend(other.sources);
        self.diagnostics.extend(other.diagnostics);
        self
    }
}

impl Root {
    /// Opens the root folder; fails (exit 2) when it does not exist or is not a folder.
    pub fn open(dir: &Path) -> io::Result<Root> {
        let dir = fs::canonicalize(dir).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot open root {}: {e}", dir.display()))
        })?;
        if !dir.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("root {} is not a folder", dir.display()),
            ));
        }
        Ok(Root { dir })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// `dossier.yaml`, if present.
    pub fn read_config(&self) -> Read {
        self.read_optional(CONFIG_FILE)
    }

    /// A file at the root that may be absent (`dossier.yaml`, `dossier.lock`).
    pub fn read_optional(&self, name: &str) -> Read {
        if self.dir.join(name).symlink_metadata().is_err() {
            return Read::default();
        }
        self.read_files(vec![(name.to_owned(), None)])
    }

    /// `runbooks/*.md`, sorted by path.
    pub fn read_runbooks(&self) -> Read {
        self.read_markdown_in(RUNBOOKS_DIR, RUNBOOKS_DIR)
    }

    /// Every file below `templates/` (overrides of the built-in templates), sorted by path.
    pub fn read_templates(&self) -> Read {
        let dir = self.dir.join(TEMPLATES_DIR);
        if !dir.is_dir() {
            return Read::default();
        }
        let mut paths: Vec<(String, Option<PathBuf>)> = walkdir::WalkDir::new(&dir)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| !e.file_type().is_dir())
            .filter_map(|e| Some((self.relative(e.path())?, None)))
            .collect();
        paths.sort();
        self.read_files(paths)
    }

    /// The `*.md` files directly inside a report folder named by a runbook
    /// (`declared_in` is that runbook, for diagnostics). A folder that does not
    /// exist is empty; one that leaves the root is an error naming it.
    pub fn read_report_folder(&self, folder: &str, declared_in: &str, pos: Pos) -> Read {
        match self.confine(folder) {
            // Listed by its lexical path, as GitHub resolves it, so the
            // reports' own paths (and the links in them) carry no `..`.
            Ok(_) => self.read_markdown_in(
                &to_slashes(&normalize(folder).unwrap_or_default()),
                declared_in,
            ),
            Err((rule, message)) => Read {
                sources: Vec::new(),
                diagnostics: vec![Diagnostic::error(rule, declared_in, pos, message)],
            },
        }
    }

    /// Every file and folder below `runbooks/` and `evidence/`, as root-relative
    /// paths: what Markdown links may point at.
    pub fn inventory(&self) -> BTreeSet<String> {
        [RUNBOOKS_DIR, EVIDENCE_DIR]
            .iter()
            // A top folder that is a symbolic link out of the root is not
            // listed: what lies outside must not even be probed for links.
            .filter(|top| self.confine(top).is_ok())
            .flat_map(|top| walkdir::WalkDir::new(self.dir.join(top)).into_iter())
            .filter_map(Result::ok)
            .filter_map(|e| self.relative(e.path()))
            .collect()
    }

    fn read_markdown_in(&self, folder: &str, declared_in: &str) -> Read {
        let dir = self.dir.join(folder);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Read::default(),
            Err(e) => {
                return Read {
                    sources: Vec::new(),
                    diagnostics: vec![Diagnostic::error(
                        "io",
                        declared_in,
                        Pos::line(1),
                        format!("cannot list {folder}/: {e}"),
                    )],
                };
            }
        };
        // The folder is resolved once; its entries that are not symbolic
        // links then lie inside it, and need no resolving of their own (on
        // 100,000 reports, resolving each path was most of the reading).
        let real_dir = fs::canonicalize(&dir)
            .ok()
            .filter(|real| real.starts_with(&self.dir));
        let mut files: Vec<(String, Option<PathBuf>)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            .filter_map(|e| {
                let path = self.relative(&e.path())?;
                let plain = e.file_type().is_ok_and(|t| !t.is_symlink());
                let real = real_dir
                    .as_ref()
                    .filter(|_| plain)
                    .map(|real| real.join(e.file_name()));
                Some((path, real))
            })
            .collect();
        files.sort();
        self.read_files(files)
    }

    /// Reads files in parallel, keeping the given order: root-relative
    /// paths, each with its real path when it is known to lie inside the root.
    fn read_files(&self, files: Vec<(String, Option<PathBuf>)>) -> Read {
        files
            .into_par_iter()
            .map(|(path, real)| match self.read_file(&path, real) {
                Ok(source) => Read {
                    sources: vec![source],
                    diagnostics: Vec::new(),
                },
                Err(diagnostic) => Read {
                    sources: Vec::new(),
                    diagnostics: vec![diagnostic],
                },
            })
            .reduce(Read::default, Read::merge)
    }

    /// Reads the file at the root-relative `path`; `real`: its real path,
    /// when already known to lie inside the root.
    fn read_file(&self, path: &str, real: Option<PathBuf>) -> Result<Source, Diagnostic> {
        let problem = |rule, pos, message: String| Diagnostic::error(rule, path, pos, message);
        let cannot_read =
            |e: io::Error| problem("io", Pos::line(1), format!("cannot read {path}: {e}"));
        // Opened without blocking, so a FIFO with no writer cannot hang the
        // run; what was opened is then checked, not what the path named. A
        // file known to lie inside the root is opened without following a
        // link: if it was replaced by one since, it is resolved like any other.
        let known = real.and_then(|real| open_nonblocking(&real, false).ok());
        let file = match known {
            Some(file) => file,
            None => {
                let full = self
                    .confine(path)
                    .map_err(|(rule, m)| problem(rule, Pos::line(1), m))?;
                open_nonblocking(&full, true).map_err(cannot_read)?
            }
        };
        let meta = file.metadata().map_err(cannot_read)?;
        if !meta.is_file() {
            return Err(Diagnostic::warning(
                "not-a-file",
                path,
                Pos::line(1),
                format!("{path} is not a regular file ({}); skipped", kind_of(&meta)),
            ));
        }
        let too_large = |len: u64| {
            problem(
                "too-large",
                Pos::line(1),
                format!("{path} is {len} bytes, over the limit of {MAX_FILE_BYTES} bytes (16 MiB)"),
            )
            .with_help("split the file; no runbook or report needs to be this large")
        };
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large(meta.len()));
        }
        // Read at most one byte past the limit: a file growing while it is
        // read is refused too, never read whole.
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot_read)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        let sha256 = hex_sha256(&bytes);
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            problem(
                "encoding",
                Pos::at(line, column),
                format!("{path} is not valid UTF-8"),
            )
            .with_help("save the file as UTF-8")
        })?;
        Ok(Source {
            path: path.to_owned(),
            text,
            sha256,
        })
    }

    /// Resolves a root-relative path, refusing any that leaves the root:
    /// absolute paths, `..` past the root, and symbolic links pointing out.
    /// The rule of the refusal is `outside-root`, or `symlink-loop` for a
    /// path that cannot be resolved because its links go round in circles.
    fn confine(&self, relative: &str) -> Result<PathBuf, (&'static str, String)> {
        let outside = |message| ("outside-root", message);
        let lexical = normalize(relative)
            .ok_or_else(|| outside(format!("{relative} leaves the repository root")))?;
        let full = self.dir.join(&lexical);
        match fs::canonicalize(&full) {
            Ok(real) if real.starts_with(&self.dir) => Ok(real),
            Ok(real) => Err(outside(format!(
                "{relative} leads outside the repository root (to {})",
                real.display()
            ))),
            // Not there (yet): the lexical check above is all there is to confine.
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(full),
            Err(e) if is_symlink_loop(&e) => Err((
                "symlink-loop",
                format!("{relative} is a loop of symbolic links (or a chain too long to follow)"),
            )),
            Err(e) => Err(("io", format!("{relative} cannot be resolved: {e}"))),
        }
    }

    fn relative(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.dir).ok()?;
        let parts: Vec<&str> = rel
            .components()
            .filter_map(|c| c.as_os_str().to_str())
            .collect();
        (!parts.is_empty()).then(|| parts.join("/"))
    }
}

/// Opens a file for reading without blocking on FIFOs and devices;
/// `follow`: whether a symbolic link at `path` is followed.
#[cfg(unix)]
fn open_nonblocking(path: &Path, follow: bool) -> io::Result<File> {
    use rustix::fs::OFlags;
    use std::os::unix::fs::OpenOptionsExt;
    let flags = if follow {
        OFlags::NONBLOCK
    } else {
        OFlags::NONBLOCK | OFlags::NOFOLLOW
    };
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, _follow: bool) -> io::Result<File> {
    File::open(path)
}

/// `ELOOP`: too many levels of symbolic links.
#[cfg(unix)]
fn is_symlink_loop(e: &io::Error) -> bool {
    e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

#[cfg(not(unix))]
fn is_symlink_loop(_: &io::Error) -> bool {
    false
}

/// What a file that is not a regular file is, for the warning.
fn kind_of(meta: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// Lexically normalises a root-relative path (`a/./b/../c` -> `a/c`);
/// `None` when it is absolute or climbs above the root.
pub fn normalize(relative: &str) -> Option<PathBuf> {
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for component in Path::new(relative).components() {
        match component {
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().collect())
}

/// A relative path with `/` separators.
fn to_slashes(path: &Path) -> String {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    parts.join("/")
}

pub fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_keeps_paths_inside_the_root() {
        assert_eq!(normalize("a/./b/../c"), Some(PathBuf::from("a/c")));
        assert_eq!(normalize("evidence/x"), Some(PathBuf::from("evidence/x")));
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("a/../../x"), None);
        assert_eq!(normalize("/etc/passwd"), None);
    }

    #[test]
    fn sha256_is_lowercase_hex() {
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
