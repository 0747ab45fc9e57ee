//! `dossier collect`: reports filled from Prometheus, against a real server
//! when one is running (CI starts one) and against a local stub for every
//! error path.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

const TODAY: &str = "2026-12-04";
const REPORT: &str = "evidence/prometheus_reports/2026-12-04.md";

fn dossier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("DOSSIER_PROMETHEUS_TOKEN")
        .env_remove("DOSSIER_PROMETHEUS_BASIC_AUTH")
        .output()
        .expect("dossier runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of the fixture repository, whose runbook's queries read Prometheus's own metrics.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/collect/runbooks");
    fs::create_dir_all(dir.path().join("runbooks")).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(
            &path,
            dir.path().join("runbooks").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    dir
}

fn collect(root: &Path, server: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "collect",
        "prometheus-self",
        "--prometheus",
        server,
        "--root",
        root.to_str().unwrap(),
        "--today",
        TODAY,
    ];
    args.extend_from_slice(extra);
    dossier(&args)
}

/// Answers every request with `answer(request_line)`: (status, body, delay).
fn stub(
    answer: impl Fn(&str) -> (u16, String, Duration) + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    let answer = Arc::new(answer);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let answer = Arc::clone(&answer);
            thread::spawn(move || respond(stream, &*answer));
        }
    });
    (url, requests)
}

fn respond(mut stream: TcpStream, answer: &dyn Fn(&str) -> (u16, String, Duration)) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let (status, body, delay) = answer(&request_line);
    thread::sleep(delay);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn sample(value: &str) -> String {
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1764806400,"{value}"]}}]}}}}"#
    )
}

/// Decodes the `query` parameter of a request line.
fn query_of(request_line: &str) -> String {
    let target = request_line.split_whitespace().nth(1).unwrap_or("");
    let query = target
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("query="))
        .unwrap_or("");
    let mut out = Vec::new();
    let bytes = query.replace('+', " ").into_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap(), 16).unwrap(),
            );
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn fills_every_value_and_records_its_query() {
    let (server, _) = stub(|line| {
        let query = query_of(line);
        let value = if query.contains("1 - avg(up") {
            "0"
        } else if query.contains("/ 15") {
            "0.004"
        } else if query.contains("scrape_duration") {
            "0.061"
        } else if query.contains("head_series") {
            "1532"
        } else {
            "98.5"
        };
        (200, sample(value), Duration::ZERO)
    });
    let repo = repository();
    let out = collect(repo.path(), &server, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = fs::read_to_string(repo.path().join(REPORT)).unwrap();
    assert!(report.contains(&format!(
        "# collected from {server} (Prometheus), evaluated at now"
    )));
    assert!(report.contains("    Targets down: 0%  # trigger: > 50% of targets · query: 100 * (1 - avg(up{job=\"prometheus\"}))\n"), "{report}");
    assert!(report.contains("    Scrape duration: 61ms  #"), "{report}");
    assert!(
        report.contains("    Head series: 1532 series  #"),
        "{report}"
    );
    assert!(
        report.contains("    Scrape interval use: 0.4%  #"),
        "a ratio, stated in the query, becomes percent: {report}"
    );
    assert!(
        report.contains("    Resident memory: 98.5 MB  #"),
        "{report}"
    );

    // Collected values pass check once a person signs the report.
    let signed = report
        .replace("author: TODO", "author: Platform")
        .replace("TODO: notes", "Notes");
    fs::write(repo.path().join(REPORT), signed).unwrap();
    let check = dossier(&[
        "check",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));

    let again = collect(repo.path(), &server, &[]);
    assert_eq!(again.status.code(), Some(2), "never overwrites");
}

#[test]
fn a_past_date_is_evaluated_at_its_end() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let (server, _) = stub(move |line| {
        log.lock().unwrap().push(line.to_owned());
        (200, sample("1"), Duration::ZERO)
    });
    let repo = repository();
    let out = collect(repo.path(), &server, &["--date", "2026-12-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // 2026-12-01T23:59:59Z
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|l| l.contains("time=1796169599")),
        "{:?}",
        seen.lock().unwrap()
    );
    let report = fs::read_to_string(
        repo.path()
            .join("evidence/prometheus_reports/2026-12-01.md"),
    )
    .unwrap();
    assert!(report.contains("evaluated at 2026-12-01T23:59:59+00:00"));
}

/// Runs collect against a stub that always answers `(status, body, delay)`;
/// every value must be left TODO with `error` beside it, and the run exit 1.
fn every_query_fails(status: u16, body: &str, delay: Duration, error: &str) -> usize {
    let body = body.to_owned();
    let (server, requests) = stub(move |_| (status, body.clone(), delay));
    let repo = repository();
    let out = collect(repo.path(), &server, &["--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = fs::read_to_string(repo.path().join(REPORT)).unwrap();
    assert_eq!(
        report.matches(": TODO  # trigger:").count(),
        5,
        "nothing invented: {report}"
    );
    assert!(report.contains(error), "{error:?} not in {report}");
    assert!(text(&out.stderr).contains(error.trim_start_matches("error: ")));
    requests.load(Ordering::SeqCst)
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times() {
    let requests = every_query_fails(500, "oops", Duration::ZERO, "error: HTTP 500");
    assert_eq!(requests, 5 * 3, "three attempts per query");
}

#[test]
fn invalid_json_is_an_error() {
    every_query_fails(
        200,
        "<html>not json</html>",
        Duration::ZERO,
        "not a Prometheus answer",
    );
}

#[test]
fn empty_results_are_an_error() {
    let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
    every_query_fails(
        200,
        empty,
        Duration::ZERO,
        "no sample: the query matched no series",
    );
}

#[test]
fn several_series_are_an_error() {
    let two = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]}}"#;
    every_query_fails(
        200,
        two,
        Duration::ZERO,
        "2 series: the query must return exactly one",
    );
}

#[test]
fn query_errors_are_reported_as_prometheus_words_them() {
    let bad = r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#;
    every_query_fails(
        400,
        bad,
        Duration::ZERO,
        "error: 1:5: parse error: unexpected",
    );
}

#[test]
fn slow_answers_time_out() {
    let started = std::time::Instant::now();
    every_query_fails(200, &sample("1"), Duration::from_secs(3), "request failed");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "timeouts and retries are bounded"
    );
}

#[test]
fn a_refused_connection_is_an_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let repo = repository();
    let out = collect(
        repo.path(),
        &format!("http://127.0.0.1:{port}"),
        &["--timeout", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    let report = fs::read_to_string(repo.path().join(REPORT)).unwrap();
    assert_eq!(report.matches(": TODO  # trigger:").count(), 5);
    assert!(report.contains("error: request failed"));
}

#[test]
fn usage_errors_write_nothing() {
    let repo = repository();
    let root = repo.path().to_str().unwrap();
    let out = dossier(&[
        "collect",
        "nope",
        "--prometheus",
        "http://127.0.0.1:1",
        "--root",
        root,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = dossier(&[
        "collect",
        "prometheus-self",
        "--prometheus",
        "ftp://x",
        "--root",
        root,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!repo.path().join("evidence").exists());
}

#[test]
fn credentials_come_from_the_environment() {
    let seen = Arc::new(std::sync::Mutex::new(String::new()));
    let log = Arc::clone(&seen);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buffer = [0u8; 4096];
            let n = stream.read(&mut buffer).unwrap_or(0);
            log.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buffer[..n]));
            let body = sample("1");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let repo = repository();
    let out = Command::new(env!("CARGO_BIN_EXE_dossier"))
        .args([
            "collect",
            "prometheus-self",
            "--prometheus",
            &server,
            "--root",
            repo.path().to_str().unwrap(),
            "--today",
            TODAY,
        ])
        .env("DOSSIER_PROMETHEUS_TOKEN", "s3cret")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        seen.lock()
            .unwrap()
            .contains("authorization: Bearer s3cret")
            || seen
                .lock()
                .unwrap()
                .contains("Authorization: Bearer s3cret")
    );
    let report = fs::read_to_string(repo.path().join(REPORT)).unwrap();
    assert!(
        !report.contains("s3cret"),
        "credentials never reach the repository"
    );
}

/// Against a real Prometheus (CI starts one on 127.0.0.1:9090 scraping itself,
/// and sets DOSSIER_PROMETHEUS_URL). Skipped where none runs, unless
/// DOSSIER_REQUIRE_PROMETHEUS is set.
#[test]
fn collects_from_a_real_prometheus() {
    let server = std::env::var("DOSSIER_PROMETHEUS_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:9090".to_owned());
    let address = server
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    if TcpStream::connect(&address).is_err() {
        assert!(
            std::env::var_os("DOSSIER_REQUIRE_PROMETHEUS").is_none(),
            "DOSSIER_REQUIRE_PROMETHEUS is set but no Prometheus answers at {server}"
        );
        eprintln!(
            "note: skipping the real-server test: no Prometheus at {server} (apt-get install prometheus)"
        );
        return;
    }
    // Right after start, Prometheus may not have scraped itself yet: wait for `up`.
    let repo = repository();
    let mut out = collect(repo.path(), &server, &[]);
    for _ in 0..30 {
        if out.status.success() {
            break;
        }
        thread::sleep(Duration::from_secs(1));
        let _ = fs::remove_file(repo.path().join(REPORT));
        out = collect(repo.path(), &server, &[]);
    }
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = fs::read_to_string(repo.path().join(REPORT)).unwrap();
    assert!(
        report.contains("    Targets down: 0%  #"),
        "Prometheus is up: {report}"
    );
    assert!(report.contains(" series  #"));
    let signed = report
        .replace("author: TODO", "author: CI")
        .replace("TODO: notes", "Notes");
    fs::write(repo.path().join(REPORT), signed).unwrap();
    let check = dossier(&[
        "check",
        "--root",
        repo.path().to_str().unwrap(),
        "--today",
        TODAY,
    ]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
}
