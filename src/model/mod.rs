//! The evidence repository as plain, typed data with source positions.
//! Parsing is pure: text in, model out; problems are kept in the model for
//! the checks to report.

pub mod cadence;
pub mod config;
pub mod exception;
pub mod frontmatter;
pub mod markdown;
pub mod report;
pub mod runbook;
pub mod trigger;

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::diag::Pos;

/// A value with the position it was written at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Located<T> {
    pub value: T,
    #[serde(skip)]
    pub pos: Pos,
}

impl<T> Located<T> {
    pub fn new(value: T, pos: Pos) -> Self {
        Located { value, pos }
    }
}

/// Maps byte offsets of a file to 1-based lines and character columns.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    pub fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Pos::at(line, column)
    }
}

/// A document version: dot-separated integers compared as such (1.9 < 1.10),
/// shown exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    pub text: String,
    #[serde(skip)]
    pub parts: Vec<u64>,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let parts = text
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect::<Option<Vec<u64>>>()?;
        Some(Version {
            text: text.to_owned(),
            parts,
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // Missing trailing parts count as zero: 1.0 == 1.0.0 in order.
        let len = self.parts.len().max(other.parts.len());
        (0..len)
            .map(|i| {
                let a = self.parts.get(i).unwrap_or(&0);
                let b = other.parts.get(i).unwrap_or(&0);
                a.cmp(b)
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses an ISO date written exactly as `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return Err(format!("`{text}` is not a date written YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text} is not a valid date (no such day in the calendar)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_integers() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("1.9") < v("1.10"));
        assert!(v("2") > v("1.99"));
        assert_eq!(v("1.0").cmp(&v("1.0.0")), Ordering::Equal);
        assert_eq!(v("1.10").to_string(), "1.10");
        for bad in [
            "",
            "1.",
            ".1",
            "1..2",
            "v1",
            "1.a",
            "1,2",
            " 1",
            "99999999999999999999999",
        ] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn dates_must_be_iso_and_real() {
        assert_eq!(
            parse_date("2026-02-18"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 18).unwrap())
        );
        assert!(
            parse_date("2026-02-30")
                .unwrap_err()
                .contains("not a valid date")
        );
        assert!(parse_date("2026-2-3").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("18/02/2026").is_err());
        assert!(parse_date("2026-02-18T00:00").is_err());
        assert!(parse_date("２０２６-02-18").is_err());
    }

    #[test]
    fn line_index_counts_characters() {
        let index = LineIndex::new("ab\n≥ x\n");
        assert_eq!(index.pos(0), Pos::at(1, 1));
        assert_eq!(index.pos(3), Pos::at(2, 1));
        assert_eq!(index.pos(7), Pos::at(2, 3));
        assert_eq!(index.pos(99), Pos::at(3, 1));
    }
}
