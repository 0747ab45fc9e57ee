//! With a `dossier.lock`, every change to a runbook's substance comes with a
//! version bump, and every bump with a refreshed lock.

use super::Context;
use crate::diag::Diagnostic;
use crate::lock::{self, LOCK_FILE, Lock};
use crate::model::Version;

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let Some(source) = &cx.project.lock_source else {
        return Vec::new(); // the lock is opt-in
    };
    let locked = match lock::parse(source) {
        Ok(locked) => locked,
        Err((pos, message)) => return vec![Diagnostic::error("lock", LOCK_FILE, pos, message)],
    };
    let mut out = Vec::new();
    for runbook in &cx.project.runbooks {
        let Some(meta) = &runbook.meta else { continue };
        let file = runbook.source.path.as_str();
        let version = &meta.version;
        let Some(entry) = locked.runbooks.get(&runbook.id) else {
            out.push(
                Diagnostic::error(
                    "lock",
                    file,
                    version.pos,
                    format!("`{}` is not in {LOCK_FILE}", runbook.id),
                )
                .with_help("run `dossier lock` and commit dossier.lock"),
            );
            continue;
        };
        let Some(locked_version) = Version::parse(&entry.version) else {
            out.push(Diagnostic::error(
                "lock",
                LOCK_FILE,
                Lock::position_of(&source.text, &runbook.id),
                format!(
                    "the locked version `{}` of `{}` is not dot-separated integers",
                    entry.version, runbook.id
                ),
            ));
            continue;
        };
        let message = if version.value < locked_version {
            format!(
                "version {} is lower than the locked {}: versions never go down",
                version.value, entry.version
            )
        } else if version.value > locked_version {
            format!(
                "version bumped to {}, but {LOCK_FILE} still records {}: run `dossier lock`",
                version.value, entry.version
            )
        } else if lock::substance_hash(runbook) != entry.substance {
            let error = Diagnostic::error(
                "lock",
                file,
                version.pos,
                format!(
                    "`{}` changed without a version bump (still {})",
                    runbook.id, version.value
                ),
            );
            out.push(error.with_help(
                "bump `version`, add a `history` entry for the change, then run `dossier lock`",
            ));
            continue;
        } else {
            continue;
        };
        out.push(Diagnostic::error("lock", file, version.pos, message));
    }
    for id in locked.runbooks.keys() {
        if cx.project.runbook(id).is_none() {
            out.push(
                Diagnostic::error(
                    "lock",
                    LOCK_FILE,
                    Lock::position_of(&source.text, id),
                    format!("{LOCK_FILE} names `{id}`, which is not a runbook any more"),
                )
                .with_help("run `dossier lock` to record the runbooks as they are"),
            );
        }
    }
    out
}
