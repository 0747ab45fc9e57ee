//! Splits a Markdown file into its YAML front matter and body, and reads the
//! YAML with serde-saphyr, mapping every position to the file's real lines.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diag::Pos;

/// A Markdown file cut at its front-matter fences.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// File line of the first YAML line (the line after the opening `---`).
    pub yaml_line: usize,
    pub body: &'a str,
    /// File line and byte offset where the body starts.
    pub body_line: usize,
    pub body_offset: usize,
}

/// A problem with the front matter, positioned in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub pos: Pos,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn new(pos: Pos, message: impl Into<String>) -> Self {
        Problem {
            pos,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

const FENCE_HELP: &str = "start the file with a line `---`, the YAML fields, then a closing `---`";

/// Finds the `---` fences. A UTF-8 byte-order mark and CRLF line ends are accepted.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    let content = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = content.split_inclusive('\n');
    let Some(first) = lines.next().filter(|line| line.trim_end() == "---") else {
        let message = if text.trim().is_empty() {
            "the file is empty: front matter is missing"
        } else {
            "front matter is missing"
        };
        return Err(Problem::new(Pos::line(1), message).help(FENCE_HELP));
    };
    let yaml_start = text.len() - content.len() + first.len();
    let mut offset = yaml_start;
    for (index, line) in lines.enumerate() {
        if matches!(line.trim_end(), "---" | "...") {
            let body_offset = offset + line.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_offset..],
                // `index` 0 is file line 2; the body starts after the closing fence.
                body_line: index + 3,
                body_offset,
            });
        }
        offset += line.len();
    }
    Err(Problem::new(Pos::line(1), "front matter is not closed").help(FENCE_HELP))
}

/// Aliases (`*name`) and anchors (`&name`) a front matter may use.
pub const MAX_ALIASES: usize = 100;
/// Nesting levels of lists and mappings a front matter may use.
pub const MAX_DEPTH: usize = 64;
/// Values (scalars, lists, mappings) a front matter may hold.
pub const MAX_NODES: usize = 250_000;

/// Resource limits for YAML written by people: generous for any front
/// matter, small enough that an alias bomb or deep nesting is refused quickly.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_events = 1_000_000;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// Deserialises the YAML of a front matter, positioning errors in the file.
pub fn parse<T: DeserializeOwned>(split: &Split<'_>) -> Result<T, Problem> {
    if let Some(problem) = lone_carriage_return(split) {
        return Err(problem);
    }
    serde_saphyr::from_str_with_options(split.yaml, options()).map_err(|e| {
        let pos = e
            .location()
            .filter(|l| l.line() > 0)
            .map_or(Pos::line(split.yaml_line), |l| {
                position(split, l.line() as usize, l.column() as usize)
            });
        Problem::new(
            pos,
            format!("front matter is not valid YAML: {}", yaml_message(&e)),
        )
    })
}

/// YAML breaks lines at a carriage return on its own too, while dossier's
/// lines (like Git's and GitHub's) end at `\n`: the two would disagree on
/// every line after it, so such a front matter is refused, pointing at it.
fn lone_carriage_return(split: &Split<'_>) -> Option<Problem> {
    let bytes = split.yaml.as_bytes();
    let at = (0..bytes.len()).find(|&i| bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))?;
    let before = &split.yaml[..at];
    let line = split.yaml_line + before.matches('\n').count();
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Some(
        Problem::new(
            Pos::at(line, column),
            "front matter has a carriage return (\\r) that does not end a line with \\n",
        )
        .help("save the file with \\n (Unix) or \\r\\n (Windows) line ends"),
    )
}

/// The error's own words, without the snippet or the YAML-relative position
/// serde-saphyr adds: dossier reports the position in the file itself.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    if let Some(limit) = budget_message(error) {
        return limit;
    }
    let text = error.to_string();
    let mut message = text.lines().next().unwrap_or("invalid YAML").trim();
    message = message.strip_prefix("error: ").unwrap_or(message);
    if let Some(rest) = message.strip_prefix("line ")
        && let Some((position, rest)) = rest.split_once(": ")
        && position
            .split(" column ")
            .all(|n| n.trim().parse::<u64>().is_ok())
    {
        message = rest;
    }
    match message.find(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A clear message for a resource limit the YAML ran into, naming the limit.
fn budget_message(error: &serde_saphyr::Error) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach;
    let mut error = error;
    while let serde_saphyr::Error::WithSnippet { error: inner, .. }
    | serde_saphyr::Error::AliasError { error: inner, .. } = error
    {
        error = inner;
    }
    if error.to_string().contains("recursion limit exceeded") {
        return Some(format!(
            "nested too deeply: lists and mappings may nest {MAX_DEPTH} levels at most"
        ));
    }
    let serde_saphyr::Error::Budget { breach, .. } = error else {
        return None;
    };
    Some(match breach {
        BudgetBreach::Depth { .. } => {
            format!("nested too deeply: lists and mappings may nest {MAX_DEPTH} levels at most")
        }
        BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => {
            format!("too many aliases or anchors: a front matter may use {MAX_ALIASES} at most")
        }
        BudgetBreach::AliasAnchorRatio { .. } | BudgetBreach::Nodes { .. } => format!(
            "too many values (more than {MAX_NODES}); aliases that expand into ever more copies (a \"billion laughs\" document) are refused"
        ),
        other => format!("the YAML is too large to read ({other:?})"),
    })
}

/// File position of a YAML (line, column), both 1-based.
pub fn position(split: &Split<'_>, line: usize, column: usize) -> Pos {
    Pos::at(split.yaml_line + line - 1, column.max(1))
}

/// Position of a spanned YAML value in the file.
pub fn pos_of<T>(split: &Split<'_>, spanned: &Spanned<T>) -> Pos {
    let l = spanned.referenced;
    if l.line() == 0 {
        return Pos::line(split.yaml_line);
    }
    position(split, l.line() as usize, l.column() as usize)
}

/// A YAML mapping read in document order, with each key's position:
/// what unknown-key checks and ordered observations need.
#[derive(Debug, Clone)]
pub struct Entries<V>(pub Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Entries(Vec::new()))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

/// The shape of a YAML value, read without caring about its content, so
/// every wrongly shaped field can be reported before the typed read (which
/// stops at the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Null,
    Scalar,
    List,
    Map,
}

impl Shape {
    fn noun(self) -> &'static str {
        match self {
            Shape::Null => "empty",
            Shape::Scalar => "a single value",
            Shape::List => "a list",
            Shape::Map => "a mapping of keys to values",
        }
    }
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShapeVisitor;
        impl<'de> Visitor<'de> for ShapeVisitor {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Shape, E> {
                Ok(Shape::Null)
            }
            fn visit_none<E>(self) -> Result<Shape, E> {
                Ok(Shape::Null)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Shape, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Shape::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Shape::Map)
            }
        }
        deserializer.deserialize_any(ShapeVisitor)
    }
}

/// What a front matter may hold: each key with the shape of its value, and
/// which keys are required.
pub struct Schema<'a> {
    /// "the runbook front matter", for messages.
    pub what: &'a str,
    pub fields: &'a [(&'a str, Shape)],
    pub required: &'a [&'a str],
}

/// Reads a front matter against its schema: every unknown, missing or
/// wrongly shaped key is reported first, then the typed fields are read.
pub fn read<R: DeserializeOwned>(
    split: &Split<'_>,
    schema: &Schema<'_>,
) -> (Option<R>, Vec<Problem>) {
    let keys: Entries<Shape> = match parse(split) {
        Ok(keys) => keys,
        Err(problem) => return (None, vec![problem]),
    };
    let known: Vec<&str> = schema.fields.iter().map(|(key, _)| *key).collect();
    let mut problems = check_keys(
        split,
        &keys,
        &known,
        schema.required,
        Pos::line(1),
        schema.what,
    );
    let shapes = check_shapes(split, &keys, schema.fields);
    if !shapes.is_empty() {
        problems.extend(shapes);
        return (None, problems);
    }
    match parse(split) {
        Ok(raw) => (Some(raw), problems),
        Err(problem) => {
            problems.push(problem);
            (None, problems)
        }
    }
}

/// A Markdown document: its front matter read by `read_meta`, its problems,
/// and where its body starts (the whole text when the front matter is missing).
pub fn document<M>(
    text: &str,
    read_meta: impl FnOnce(&Split<'_>) -> (Option<M>, Vec<Problem>),
) -> (Option<M>, Vec<Problem>, usize) {
    match split(text) {
        Ok(split) => {
            let (meta, problems) = read_meta(&split);
            (meta, problems, split.body_offset)
        }
        Err(problem) => (None, vec![problem], 0),
    }
}

/// Problems with the shapes of known keys' values: `owner: [a]`, `controls: A1.2`, `title:`.
pub fn check_shapes(
    split: &Split<'_>,
    entries: &Entries<Shape>,
    expected: &[(&str, Shape)],
) -> Vec<Problem> {
    entries
        .0
        .iter()
        .filter_map(|(key, shape)| {
            let (name, want) = expected.iter().find(|(name, _)| *name == key.value)?;
            let problem = match (*want, *shape) {
                (want, got) if want == got => return None,
                (_, Shape::Null) => format!("`{name}` is empty"),
                (want, got) => format!("`{name}` must be {}, not {}", want.noun(), got.noun()),
            };
            Some(Problem::new(pos_of(split, key), problem))
        })
        .collect()
}

/// Problems with the set of keys of a mapping: unknown (with the nearest
/// known key as help), duplicated, and required but missing.
pub fn check_keys<V>(
    split: &Split<'_>,
    entries: &Entries<V>,
    known: &[&str],
    required: &[&str],
    missing_pos: Pos,
    what: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (key, _) in &entries.0 {
        let name = key.value.as_str();
        let pos = pos_of(split, key);
        if !known.contains(&name) {
            let mut problem = Problem::new(pos, format!("unknown key `{name}` in {what}"));
            problem.help = Some(match crate::diag::nearest(name, known.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("known keys: {}", known.join(", ")),
            });
            problems.push(problem);
        } else if seen.contains(&name) {
            problems.push(Problem::new(
                pos,
                format!("key `{name}` appears twice in {what}"),
            ));
        }
        seen.push(name);
    }
    for name in required {
        if !seen.contains(name) {
            problems.push(Problem::new(
                missing_pos,
                format!("missing required key `{name}` in {what}"),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let text = "---\ntitle: x\n---\nbody\n";
        let split = split(text).unwrap();
        assert_eq!(split.yaml, "title: x\n");
        assert_eq!(split.body, "body\n");
        assert_eq!(split.body_line, 4);
        assert_eq!(&text[split.body_offset..], "body\n");
    }

    #[test]
    fn accepts_crlf_and_bom() {
        let split = split("\u{feff}---\r\ntitle: x\r\n---\r\nbody").unwrap();
        assert_eq!(split.yaml, "title: x\r\n");
        assert_eq!(split.body, "body");
    }

    #[test]
    fn front_matter_closed_at_end_of_file() {
        let split = split("---\na: 1\n---").unwrap();
        assert_eq!(split.body, "");
        assert_eq!(split.body_line, 4);
    }

    #[test]
    fn reports_missing_and_unclosed_front_matter() {
        assert_eq!(
            split("# Title\n").unwrap_err().message,
            "front matter is missing"
        );
        assert!(split("").unwrap_err().message.contains("empty"));
        assert_eq!(
            split("---\ntitle: x\n").unwrap_err().message,
            "front matter is not closed"
        );
    }

    #[test]
    fn yaml_errors_point_at_file_lines() {
        let text = "---\ntitle: x\nowner: [unclosed\n---\n";
        let split = split(text).unwrap();
        let problem = parse::<Entries<serde::de::IgnoredAny>>(&split).unwrap_err();
        assert!(problem.pos.line >= 3, "{problem:?}");
        assert!(
            problem
                .message
                .starts_with("front matter is not valid YAML")
        );
    }

    #[test]
    fn keys_keep_their_positions() {
        let text = "---\ntitle: x\nownr: y\n---\n";
        let split = split(text).unwrap();
        let entries: Entries<serde::de::IgnoredAny> = parse(&split).unwrap();
        let problems = check_keys(
            &split,
            &entries,
            &["title", "owner"],
            &["owner"],
            Pos::line(1),
            "the runbook",
        );
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].pos, Pos::at(3, 1));
        assert_eq!(problems[0].help.as_deref(), Some("did you mean `owner`?"));
        assert_eq!(
            problems[1].message,
            "missing required key `owner` in the runbook"
        );
    }

    #[test]
    fn lone_carriage_returns_are_refused_where_they_are() {
        // Found by the fuzzer: YAML counted 39 lines in an 8-line file.
        let text = "---\ntitle: Capaci\r\r\rger: x\n---\nbody\n";
        let split = split(text).unwrap();
        let problem = parse::<Entries<Shape>>(&split).unwrap_err();
        assert_eq!(problem.pos, Pos::at(2, 14));
        assert!(problem.message.contains("carriage return"), "{problem:?}");
        // Windows line ends are fine.
        let split = super::split("---\r\ntitle: x\r\n---\r\n").unwrap();
        assert!(parse::<Entries<Shape>>(&split).is_ok());
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut yaml = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("l{}", i - 1)
            };
            yaml.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        yaml.push_str("---\n");
        let split = split(&yaml).unwrap();
        assert!(parse::<serde_json::Value>(&split).is_err());
    }
}
