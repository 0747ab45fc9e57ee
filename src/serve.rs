//! `dossier serve`: a live preview. The site is built into a temporary
//! folder and served on 127.0.0.1; the root is watched, and every change
//! updates the site (re-rendering only the pages an edit shows up on, see
//! [`Preview`]) and reloads the browser. A failed check shows an error
//! page with the diagnostics until the files are fixed. The reload script is
//! added to pages as they are served: the built files stay free of JavaScript.

use std::io;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use tokio::sync::watch;

use crate::diag::Diagnostic;
use crate::output::{self, Format};
use crate::project::Project;
use crate::site;
use crate::site::markdown::escape;
use crate::site::render::preview::Preview;

/// How long a reload request waits for a change before answering "none yet".
const LONG_POLL: Duration = Duration::from_secs(25);
const WAIT_PATH: &str = "/__dossier/wait/";

pub struct Options {
    pub root: PathBuf,
    pub today: Option<NaiveDate>,
    pub port: u16,
    pub open: bool,
}

struct State {
    root: PathBuf,
    today: Option<NaiveDate>,
    out: tempfile::TempDir,
    /// The site as last updated; `None` until the repository can be read
    /// and its templates compile (every change then starts afresh).
    preview: Mutex<Option<Preview>>,
    /// The diagnostics page while the repository fails its checks.
    failure: RwLock<Option<String>>,
    /// Bumped after every rebuild; pages wait on it to reload.
    generation: watch::Sender<u64>,
}

/// Serves until interrupted. Fails only when the root cannot be opened or the port bound.
pub fn run(options: Options) -> io::Result<()> {
    Project::load(&options.root)?; // a missing root is a usage error, before anything starts
    let state = Arc::new(State {
        root: options.root.clone(),
        today: options.today,
        out: tempfile::Builder::new()
            .prefix("dossier-serve-")
            .tempdir()?,
        preview: Mutex::new(None),
        failure: RwLock::new(None),
        generation: watch::channel(0).0,
    });
    rebuild(&state, &[]);

    let watched = Arc::clone(&state);
    let ignored: Vec<PathBuf> = [".git", "target", "site"]
        .iter()
        .map(|d| std::path::absolute(options.root.join(d)).unwrap_or_default())
        .collect();
    let mut debouncer = new_debouncer(
        Duration::from_millis(50),
        None,
        move |result: DebounceEventResult| {
            let Ok(events) = result else { return };
            // Reading files is an event too (inotify reports opens): only changes count.
            let mut changed: Vec<PathBuf> = events
                .iter()
                .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                .flat_map(|e| e.paths.iter())
                .filter(|p| !ignored.iter().any(|i| p.starts_with(i)))
                .cloned()
                .collect();
            changed.sort();
            changed.dedup();
            if !changed.is_empty() {
                rebuild(&watched, &changed);
            }
        },
    )
    .map_err(io::Error::other)?;
    debouncer
        .watch(&options.root, RecursiveMode::Recursive)
        .map_err(io::Error::other)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port))).await?;
        let url = format!("http://{}/", listener.local_addr()?);
        println!("serving {url} (Ctrl-C to stop)");
        if options.open {
            open_browser(&url);
        }
        let app = Router::new().fallback(move |uri: Uri| respond(Arc::clone(&state), uri));
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })?;
    drop(debouncer);
    Ok(())
}

/// Takes in the files changed at `paths` (all of them when the preview is
/// new), then records the failure to show, if any, and makes pages reload.
/// The files covering every source (`evidence.json`, `SHA256SUMS`...) are
/// rewritten after the pages have been told to reload.
fn rebuild(state: &State, paths: &[PathBuf]) {
    let started = std::time::Instant::now();
    let mut slot = state.preview.lock().unwrap_or_else(|e| e.into_inner());
    // The edited page reloads as soon as it is written; the pages listing
    // it (the home page...) reload again when they are.
    let mut shown = || {
        *state.failure.write().unwrap_or_else(|e| e.into_inner()) = None;
        state.generation.send_modify(|g| *g += 1);
    };
    let result = match slot.as_mut() {
        Some(preview) => preview.update_with(paths, &mut shown).map(|_| ()),
        None => Preview::open(&state.root, state.out.path(), state.today)
            .map(|preview| *slot = Some(preview)),
    };
    let failure = match result {
        Ok(()) => slot
            .as_ref()
            .filter(|preview| preview.failed())
            .map(|preview| diagnostics_html(preview.project(), preview.diagnostics())),
        Err(e) => {
            // Start afresh at the next change, whatever state this left.
            let failure = match (&e, slot.as_ref()) {
                (site::Error::Templates(diagnostics), Some(preview)) => {
                    diagnostics_html(preview.project(), diagnostics)
                }
                (site::Error::Templates(diagnostics), None) => match Project::load(&state.root) {
                    Ok(project) => diagnostics_html(&project, diagnostics),
                    Err(e) => format!("<p>{}</p>", escape(&e.to_string())),
                },
                (site::Error::Io(e), _) => format!("<p>{}</p>", escape(&e.to_string())),
            };
            *slot = None;
            Some(failure)
        }
    };
    match &failure {
        Some(_) => eprintln!(
            "rebuild failed in {} ms: serving the diagnostics",
            started.elapsed().as_millis()
        ),
        None => eprintln!("rebuilt in {} ms", started.elapsed().as_millis()),
    }
    *state.failure.write().unwrap_or_else(|e| e.into_inner()) = failure;
    state.generation.send_modify(|g| *g += 1);
    if let Some(preview) = slot.as_ref()
        && let Err(site::Error::Io(e)) = preview.write_machine_files()
    {
        eprintln!("cannot write the preview's evidence.json and SHA256SUMS: {e}");
    }
}

fn diagnostics_html(project: &Project, diagnostics: &[Diagnostic]) -> String {
    let sources = project.sources();
    let text = output::render(diagnostics, Format::Human, false, |path| {
        sources
            .iter()
            .find(|s| s.path == path)
            .map(|s| s.text.as_str())
    });
    format!(
        "<p>{}. Fix the files and this page reloads by itself.</p><pre>{}</pre>",
        output::summary(diagnostics),
        escape(&text)
    )
}

async fn respond(state: Arc<State>, uri: Uri) -> Response {
    let path = uri.path();
    if let Some(seen) = path.strip_prefix(WAIT_PATH) {
        let seen: u64 = seen.parse().unwrap_or(0);
        let mut receiver = state.generation.subscribe();
        let _ = tokio::time::timeout(LONG_POLL, receiver.wait_for(|g| *g != seen)).await;
        let current = *state.generation.borrow();
        return ([(header::CACHE_CONTROL, "no-store")], current.to_string()).into_response();
    }
    let generation = *state.generation.borrow();
    let failure = state
        .failure
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let Some(file) = resolve(state.out.path(), path) else {
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p>No such page.</p>",
            generation,
        );
    };
    if let Some(failure) = failure
        && file.extension().is_some_and(|e| e == "html")
    {
        return page(StatusCode::OK, "Check failed", &failure, generation);
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) if file.extension().is_some_and(|e| e == "html") => {
            let html = String::from_utf8_lossy(&bytes);
            let script = reload_script(generation);
            let html = match html.rfind("</body>") {
                Some(i) => format!("{}{script}{}", &html[..i], &html[i..]),
                None => format!("{html}{script}"),
            };
            with_type(
                StatusCode::OK,
                "text/html; charset=utf-8",
                html.into_bytes(),
            )
        }
        Ok(bytes) => with_type(StatusCode::OK, content_type(&file), bytes),
        Err(_) => page(
            StatusCode::NOT_FOUND,
            "Not found",
            "<p>No such page.</p>",
            generation,
        ),
    }
}

/// The file a URL path names inside the output folder (folders serve their
/// `index.html`); `None` for paths that try to leave it.
fn resolve(out: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = crate::model::markdown::percent_decode(url_path);
    let relative = Path::new(decoded.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let file = out.join(relative);
    Some(if decoded.ends_with('/') || file.is_dir() {
        file.join("index.html")
    } else {
        file
    })
}

fn page(status: StatusCode, title: &str, body: &str, generation: u64) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · dossier serve</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><main><p class=\"eyebrow\">dossier serve</p><h1>{title}</h1>{body}</main>{}</body></html>",
        reload_script(generation)
    );
    with_type(status, "text/html; charset=utf-8", html.into_bytes())
}

/// Waits for the next rebuild, then reloads (serve mode only).
fn reload_script(generation: u64) -> String {
    format!(
        "<script>(async()=>{{for(;;){{try{{const r=await fetch('{WAIT_PATH}{generation}',{{cache:'no-store'}});if((await r.text())!=='{generation}'){{location.reload();return}}}}catch(e){{await new Promise(s=>setTimeout(s,1000))}}}}}})();</script>"
    )
}

fn with_type(status: StatusCode, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("ics") => "text/calendar; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "text/plain; charset=utf-8",
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        eprintln!("could not start a browser; open {url} yourself");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_stay_inside_the_output() {
        let out = Path::new("/tmp/out");
        assert_eq!(
            resolve(out, "/style.css"),
            Some(PathBuf::from("/tmp/out/style.css"))
        );
        assert_eq!(
            resolve(out, "/runbooks/a/"),
            Some(PathBuf::from("/tmp/out/runbooks/a/index.html"))
        );
        assert_eq!(resolve(out, "/../etc/passwd"), None);
        assert_eq!(resolve(out, "/%2e%2e/etc/passwd"), None);
    }
}
