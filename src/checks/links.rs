//! Markdown links to runbooks and evidence must resolve, relative to the
//! linking file as GitHub resolves them, without leaving the root.

use super::Context;
use crate::diag::Diagnostic;
use crate::model::markdown::Link;
use crate::sources::{EVIDENCE_DIR, RUNBOOKS_DIR};

pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let runbooks = cx
        .project
        .runbooks
        .iter()
        .map(|rb| (&rb.source.path, &rb.body.links));
    let reports = cx
        .project
        .reports
        .iter()
        .map(|r| (&r.source.path, &r.body.links));
    runbooks
        .chain(reports)
        .flat_map(|(file, links)| {
            links
                .iter()
                .filter_map(move |link| check_link(cx, file, link))
        })
        .collect()
}

fn check_link(cx: &Context, file: &str, link: &Link) -> Option<Diagnostic> {
    let target = match resolve(file, &link.target)? {
        Ok(target) => target,
        Err(message) => {
            return Some(
                Diagnostic::error("link-outside-root", file, link.pos, message).with_help(
                    "link to files inside the repository with a path relative to this file",
                ),
            );
        }
    };
    let checked = [RUNBOOKS_DIR, EVIDENCE_DIR].iter().any(|top| {
        target
            .strip_prefix(top)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if !checked || cx.project.inventory.contains(&target) {
        return None;
    }
    Some(
        Diagnostic::error(
            "broken-link",
            file,
            link.pos,
            format!(
                "broken link: `{}` points to {target}, which does not exist",
                link.target
            ),
        )
        .with_help("links resolve relative to the linking file, as on GitHub"),
    )
}

/// The root-relative path a link points at; `None` for links that are not to
/// a repository file (web addresses, `mailto:`, in-page anchors).
pub fn resolve(from_file: &str, target: &str) -> Option<Result<String, String>> {
    let path = target.split(['#', '?']).next().unwrap_or("");
    if path.is_empty() || has_scheme(path) {
        return None;
    }
    let path = percent_decode(path);
    if path.starts_with('/') {
        return Some(Err(format!("link `{target}` is an absolute path")));
    }
    let dir = from_file.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Some(Err(format!(
                        "link `{target}` leads outside the repository root"
                    )));
                }
            }
            part => parts.push(part),
        }
    }
    Some(Ok(parts.join("/")))
}

/// `https:`, `mailto:`, `javascript:`… — a scheme is letters, digits, `+.-`, then `:`.
fn has_scheme(target: &str) -> bool {
    target.split_once(':').is_some_and(|(scheme, _)| {
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    })
}

/// Decodes `%20`-style escapes; malformed escapes stay as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_github() {
        let r = |from, to| resolve(from, to);
        assert_eq!(r("runbooks/a.md", "b.md"), Some(Ok("runbooks/b.md".into())));
        assert_eq!(
            r("runbooks/a.md", "../evidence/x/2026-01-01.md#notes"),
            Some(Ok("evidence/x/2026-01-01.md".into()))
        );
        assert_eq!(
            r("runbooks/a.md", "./my%20file.md"),
            Some(Ok("runbooks/my file.md".into()))
        );
        assert_eq!(r("runbooks/a.md", "https://example.com/x.md"), None);
        assert_eq!(r("runbooks/a.md", "mailto:a@b.c"), None);
        assert_eq!(r("runbooks/a.md", "#section"), None);
        assert!(r("runbooks/a.md", "../../etc/passwd").unwrap().is_err());
        assert!(r("runbooks/a.md", "/etc/passwd").unwrap().is_err());
    }

    #[test]
    fn percent_decoding_tolerates_garbage() {
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%e2%89%a5"), "≥");
    }
}
