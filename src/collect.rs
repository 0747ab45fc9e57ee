//! `dossier collect`: fills a headroom report from Prometheus. Each metric
//! whose trigger table row has a `Query` is evaluated through the HTTP API
//! (`/api/v1/query`); the report is written as `dossier new report` would,
//! with the values filled in and, as YAML comments, the query, the server and
//! the evaluation time. A query that fails or does not return exactly one
//! sample leaves its value `TODO` with the error beside it: nothing invented
//! is ever written.
//!
//! Units: a query's value is read in Prometheus base units — seconds for
//! duration triggers, percent for percentage triggers, the trigger's own unit
//! otherwise. A query may state another unit after a `# unit:` comment:
//! `# unit: ms` for milliseconds, `# unit: ratio` for a 0–1 ratio of a
//! percentage trigger.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;

use crate::model::trigger::{Quantity, Unit};
use crate::project::Project;
use crate::scaffold::{self, PLACEHOLDER, Refused};

/// Environment variables holding credentials, never stored in the repository.
pub const TOKEN_VARIABLE: &str = "DOSSIER_PROMETHEUS_TOKEN";
pub const BASIC_AUTH_VARIABLE: &str = "DOSSIER_PROMETHEUS_BASIC_AUTH";
/// Attempts per query: the first and two retries, for connection errors and 5xx answers.
const ATTEMPTS: u32 = 3;

pub struct Options<'a> {
    pub runbook: &'a str,
    pub server: &'a str,
    pub date: NaiveDate,
    /// Evaluate at the end of `date` (a past date) instead of now.
    pub at_end_of_date: bool,
    pub timeout: Duration,
}

/// What was written.
pub struct Collected {
    pub path: PathBuf,
    pub filled: usize,
    /// (metric, error) for every query that gave no value.
    pub failures: Vec<(String, String)>,
}

pub fn collect(
    project: &Project,
    root: &Path,
    options: &Options<'_>,
) -> Result<Collected, Refused> {
    let (runbook, path) = scaffold::report_target(project, root, options.runbook, options.date)?;
    if path.exists() {
        return Err(Refused(format!(
            "{} already exists; dossier collect never overwrites",
            path.display()
        )));
    }
    let server = options.server.trim_end_matches('/');
    let time = options.at_end_of_date.then(|| {
        options
            .date
            .and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"))
            .and_utc()
    });
    let client = Client::new(server, options.timeout)?;
    let evaluated_at = time.map_or_else(|| "now".to_owned(), |t| t.to_rfc3339());
    let notes = [format!(
        "collected from {server} (Prometheus), evaluated at {evaluated_at}"
    )];
    let mut filled = 0;
    let mut failures = Vec::new();
    let text = scaffold::filled_report(runbook, options.date, &notes, |_, row| {
        let trigger = format!("trigger: {}", row.trigger_cell.text);
        let Some(query) = row
            .query
            .as_ref()
            .map(|q| q.text.trim())
            .filter(|q| !q.is_empty())
        else {
            return (
                PLACEHOLDER.to_owned(),
                format!("{trigger} · no query: fill in by hand"),
            );
        };
        let (promql, unit) = split_unit(query);
        let result = match &row.trigger {
            Ok(t) => client
                .query(promql, time.map(|t| t.timestamp()))
                .and_then(|value| observation(value, &t.threshold.unit, unit)),
            Err(_) => Err("the trigger does not parse".to_owned()),
        };
        match result {
            Ok(value) => {
                filled += 1;
                (value, format!("{trigger} · query: {query}"))
            }
            Err(error) => {
                failures.push((row.metric.text.clone(), error.clone()));
                (
                    PLACEHOLDER.to_owned(),
                    format!("{trigger} · query: {query} · error: {error}"),
                )
            }
        }
    });
    scaffold::write_new(&path, &text)?;
    Ok(Collected {
        path,
        filled,
        failures,
    })
}

/// `expr # unit: ms` -> (`expr`, Some("ms")).
fn split_unit(query: &str) -> (&str, Option<&str>) {
    match query.split_once('#') {
        Some((promql, comment)) => {
            let unit = comment.trim().strip_prefix("unit:").map(str::trim);
            (promql.trim(), unit)
        }
        None => (query, None),
    }
}

/// The observation text for a sampled value, in the trigger's unit.
fn observation(value: f64, unit: &Unit, stated: Option<&str>) -> Result<String, String> {
    let scaled = match (unit, stated) {
        (_, None) => value,
        (Unit::Seconds, Some("ms")) => value / 1000.0,
        (Unit::Seconds, Some("s")) => value,
        (Unit::Seconds, Some("min")) => value * 60.0,
        (Unit::Seconds, Some("h")) => value * 3600.0,
        (Unit::Percent, Some("ratio")) => value * 100.0,
        (Unit::Percent, Some("%")) => value,
        (_, Some(other)) => return Err(format!("unit `{other}` does not apply to this trigger")),
    };
    let rounded = (scaled * 1e4).round() / 1e4;
    Ok(Quantity {
        value: rounded,
        unit: unit.clone(),
    }
    .to_string())
}

struct Client {
    agent: ureq::Agent,
    url: String,
    authorization: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    data: Option<Data>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Vector(Vec<Sample>),
    Scalar((f64, String)),
    Matrix(serde::de::IgnoredAny),
    String(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct Sample {
    value: (f64, String),
}

impl Client {
    fn new(server: &str, timeout: Duration) -> Result<Client, Refused> {
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(Refused(format!(
                "--prometheus must be an http(s) URL, not `{server}`"
            )));
        }
        let authorization = match (
            std::env::var(TOKEN_VARIABLE),
            std::env::var(BASIC_AUTH_VARIABLE),
        ) {
            (Ok(token), _) if !token.is_empty() => Some(format!("Bearer {token}")),
            (_, Ok(user_password)) if !user_password.is_empty() => {
                Some(format!("Basic {}", base64(user_password.as_bytes())))
            }
            _ => None,
        };
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(3)
            .build();
        Ok(Client {
            agent: config.into(),
            url: format!("{server}/api/v1/query"),
            authorization,
        })
    }

    /// The single sample of an instant query.
    fn query(&self, promql: &str, time: Option<i64>) -> Result<f64, String> {
        let mut last_error = String::new();
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(250 << attempt));
            }
            let mut request = self.agent.get(&self.url).query("query", promql);
            if let Some(time) = time {
                request = request.query("time", time.to_string());
            }
            if let Some(authorization) = &self.authorization {
                request = request.header("Authorization", authorization);
            }
            let mut response = match request.call() {
                Ok(response) => response,
                Err(e) => {
                    last_error = format!("request failed: {e}");
                    continue;
                }
            };
            let status = response.status();
            let body = response
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_string()
                .map_err(|e| format!("reading the answer failed: {e}"));
            if status.is_server_error() {
                last_error = format!("HTTP {status}");
                continue;
            }
            return single_value(status.as_u16(), &body?);
        }
        Err(last_error)
    }
}

/// Reads the one sample of an answer; anything else is an error.
fn single_value(status: u16, body: &str) -> Result<f64, String> {
    let answer: Answer = serde_json::from_str(body)
        .map_err(|e| format!("HTTP {status}, not a Prometheus answer: {e}"))?;
    if answer.status != "success" {
        return Err(answer
            .error
            .unwrap_or_else(|| format!("HTTP {status}: query failed")));
    }
    let text = match answer.data {
        Some(Data::Scalar((_, value))) => value,
        Some(Data::Vector(samples)) if samples.len() == 1 => {
            samples.into_iter().next().expect("one sample").value.1
        }
        Some(Data::Vector(samples)) if samples.is_empty() => {
            return Err("no sample: the query matched no series".to_owned());
        }
        Some(Data::Vector(samples)) => {
            return Err(format!(
                "{} series: the query must return exactly one (aggregate it, e.g. with max())",
                samples.len()
            ));
        }
        Some(Data::Matrix(_)) => return Err("a range vector: use an instant query".to_owned()),
        Some(Data::String(_)) | None => return Err("not a number".to_owned()),
    };
    let value: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(format!("the value is {text}"))
    }
}

/// Standard base64, for HTTP basic authentication.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trigger::RatePeriod;

    #[test]
    fn reads_exactly_one_sample() {
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1.7e9,"0.42"]}]}}"#;
        assert_eq!(single_value(200, vector), Ok(0.42));
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1.7e9,"12"]}}"#;
        assert_eq!(single_value(200, scalar), Ok(12.0));
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert!(single_value(200, empty).unwrap_err().contains("no sample"));
        let two = r#"{"status":"success","data":{"resultType":"vector","result":[{"value":[1,"1"]},{"value":[1,"2"]}]}}"#;
        assert!(single_value(200, two).unwrap_err().contains("2 series"));
        let failed = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 3"}"#;
        assert_eq!(
            single_value(400, failed),
            Err("parse error at char 3".to_owned())
        );
        assert!(
            single_value(200, "<html>")
                .unwrap_err()
                .contains("not a Prometheus answer")
        );
        let nan = r#"{"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}}"#;
        assert!(single_value(200, nan).is_err());
    }

    #[test]
    fn values_are_written_in_the_trigger_unit() {
        assert_eq!(observation(0.59, &Unit::Seconds, None).unwrap(), "590ms");
        assert_eq!(
            observation(590.0, &Unit::Seconds, Some("ms")).unwrap(),
            "590ms"
        );
        assert_eq!(
            observation(0.613, &Unit::Percent, Some("ratio")).unwrap(),
            "61.3%"
        );
        assert_eq!(observation(64.0, &Unit::Percent, None).unwrap(), "64%");
        assert_eq!(
            observation(17.0, &Unit::Count("concurrent jobs".into()), None).unwrap(),
            "17 concurrent jobs"
        );
        assert_eq!(
            observation(1.0, &Unit::Rate(RatePeriod::Week), None).unwrap(),
            "1/week"
        );
        assert!(observation(1.0, &Unit::Percent, Some("ms")).is_err());
    }

    #[test]
    fn queries_may_state_their_unit() {
        assert_eq!(split_unit("up"), ("up", None));
        assert_eq!(
            split_unit("rate(x[5m]) # unit: ratio"),
            ("rate(x[5m])", Some("ratio"))
        );
    }

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
