//! A fast reader for the plain YAML people write in front matter: block
//! mappings and lists, one-line plain, quoted and flow-list scalars.
//!
//! serde-saphyr reads any YAML, but costs about 40 µs per front matter, which
//! is most of the time `dossier check` spends on a large repository. This
//! reader covers the shapes front matter takes in practice and gives up
//! (`None`) on anything else: comments after values, escapes, anchors, tags,
//! multi-line scalars, flow mappings, tabs, null values, duplicate keys. The
//! callers then use serde-saphyr, so the result never depends on which reader
//! ran: every value is read as the same text, at the same position (1-based
//! YAML line, column in characters) as serde-saphyr gives it. The tests hold
//! the two readers to that.

use crate::diag::Pos;
use crate::model::Located;
use crate::model::frontmatter::{self, Schema, Shape, Split};

/// A value and where it starts in the YAML (the first key of a block
/// mapping, the first item of a block list, the opening quote or bracket).
#[derive(Debug, Clone, PartialEq)]
pub struct Node<'a> {
    pub value: Value<'a>,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// A scalar as serde-saphyr reads it into a `String`: plain text trimmed,
    /// quoted text without its quotes.
    Text(&'a str),
    List(Vec<Node<'a>>),
    Map(Vec<Entry<'a>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    pub key: &'a str,
    pub line: usize,
    pub column: usize,
    pub value: Node<'a>,
}

impl<'a> Node<'a> {
    pub fn text(&self) -> Option<&'a str> {
        match self.value {
            Value::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// Lines and list items this reader takes on.
const MAX_LINES_AND_ITEMS: usize = 10_000;

/// Whether the keys of a front matter are exactly right for `schema`: each
/// known, every required one present, each value of the expected shape.
pub fn fits(entries: &[Entry<'_>], schema: &Schema<'_>) -> bool {
    let shapes_fit = entries.iter().all(|e| {
        schema.fields.iter().any(|&(key, shape)| {
            key == e.key
                && match e.value.value {
                    Value::Text(_) => shape == Shape::Scalar,
                    Value::List(_) => shape == Shape::List,
                    Value::Map(_) => shape == Shape::Map,
                }
        })
    });
    shapes_fit
        && schema
            .required
            .iter()
            .all(|r| entries.iter().any(|e| e.key == *r))
}

/// Whether a mapping's keys are all `known` and include every `required` one.
pub fn keys_fit(entries: &[Entry<'_>], known: &[&str], required: &[&str]) -> bool {
    entries.iter().all(|e| known.contains(&e.key))
        && required.iter().all(|r| entries.iter().any(|e| e.key == *r))
}

/// Where a node starts in the file.
pub fn pos(split: &Split<'_>, node: &Node<'_>) -> Pos {
    frontmatter::position(split, node.line, node.column)
}

/// A key with its position in the file.
pub fn key(split: &Split<'_>, entry: &Entry<'_>) -> Located<String> {
    Located::new(
        entry.key.to_owned(),
        frontmatter::position(split, entry.line, entry.column),
    )
}

/// A scalar with its position in the file; `None` for a list or mapping.
pub fn text(split: &Split<'_>, node: &Node<'_>) -> Option<Located<String>> {
    Some(Located::new(node.text()?.to_owned(), pos(split, node)))
}

/// Reads a front matter that is a block mapping; `None` when it uses anything
/// beyond the plain subset (the caller then reads it with serde-saphyr).
pub fn parse(yaml: &str) -> Option<Vec<Entry<'_>>> {
    // Far below serde-saphyr's budgets (nodes, events): a front matter this
    // large is left to it, to be read or refused there.
    if yaml.matches(['\n', ',']).count() > MAX_LINES_AND_ITEMS {
        return None;
    }
    if has_control(yaml.as_bytes()) {
        return None; // tabs, carriage returns, other controls: leave them to the full reader
    }
    let lines: Vec<Line<'_>> = yaml
        .split('\n')
        .enumerate()
        .filter_map(|(i, text)| {
            let content = text.trim_start_matches(' ');
            let skip = content.is_empty() || content.starts_with('#');
            (!skip).then(|| Line {
                number: i + 1,
                indent: text.len() - content.len(),
                content: content.trim_end_matches(' '),
            })
        })
        .collect();
    let mut reader = Reader {
        lines,
        next: 0,
        depth: 0,
    };
    let first = reader.lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let entries = reader.map(0)?;
    (reader.next == reader.lines.len()).then_some(entries)
}

/// A non-blank, non-comment line, without its indentation and trailing spaces.
struct Line<'a> {
    number: usize,
    indent: usize,
    content: &'a str,
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    next: usize,
    /// Blocks open: deep nesting is left to the full reader, which refuses it.
    depth: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<&Line<'a>> {
        self.lines.get(self.next)
    }

    /// A block mapping whose keys sit at `indent`.
    fn map(&mut self, indent: usize) -> Option<Vec<Entry<'a>>> {
        let mut entries: Vec<Entry<'a>> = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || line.content.starts_with("- ") || line.content == "-" {
                return None;
            }
            let (number, content) = (line.number, line.content);
            self.next += 1;
            let entry = self.entry(number, indent, content)?;
            if entries.iter().any(|e| e.key == entry.key) {
                return None;
            }
            entries.push(entry);
        }
        Some(entries)
    }

    /// `key: value`, or `key:` and a block below it; `content` starts at
    /// column `indent + 1` of line `number`.
    fn entry(&mut self, number: usize, indent: usize, content: &'a str) -> Option<Entry<'a>> {
        let (key, rest) = split_key(content)?;
        let value = if rest.is_empty() {
            self.block(indent)?
        } else {
            let column = indent + 1 + content[..content.len() - rest.len()].chars().count();
            let value = inline(rest, number, column)?;
            // A more indented line after a value would continue it (or be an error).
            if self.peek().is_some_and(|next| next.indent > indent) {
                return None;
            }
            value
        };
        Some(Entry {
            key,
            line: number,
            column: indent + 1,
            value,
        })
    }

    /// The block value of a `key:` whose key sits at `indent`: a mapping
    /// indented further, or a list indented at least as far.
    fn block(&mut self, indent: usize) -> Option<Node<'a>> {
        self.depth += 1;
        let node = self.nested(indent);
        self.depth -= 1;
        node
    }

    fn nested(&mut self, indent: usize) -> Option<Node<'a>> {
        if self.depth > frontmatter::MAX_DEPTH {
            return None;
        }
        let line = self.peek()?;
        let (number, inner) = (line.number, line.indent);
        if line.content.starts_with("- ") && inner >= indent {
            let items = self.list(inner)?;
            let first = items.first()?;
            let (line, column) = (first.line, first.column);
            return Some(Node {
                value: Value::List(items),
                line,
                column,
            });
        }
        if inner <= indent {
            return None; // an empty value (null): the full reader reports it
        }
        Some(Node {
            value: Value::Map(self.map(inner)?),
            line: number,
            column: inner + 1,
        })
    }

    /// A block list whose `- ` marks sit at `indent`; each item is a scalar or
    /// a mapping whose keys line up after the mark.
    fn list(&mut self, indent: usize) -> Option<Vec<Node<'a>>> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return None;
            }
            // A key at the same indentation ends a list written flush with its key.
            let Some(item) = line.content.strip_prefix("- ") else {
                break;
            };
            let number = line.number;
            let spaces = item.len() - item.trim_start_matches(' ').len();
            let item = &item[spaces..];
            let inner = indent + 2 + spaces;
            self.next += 1;
            if split_key(item).is_some() {
                // `- key: value` and the entries below it, at the same column.
                let first = self.entry(number, inner, item)?;
                let mut entries = vec![first];
                if self.peek().is_some_and(|next| next.indent == inner) {
                    for entry in self.map(inner)? {
                        if entries.iter().any(|e| e.key == entry.key) {
                            return None;
                        }
                        entries.push(entry);
                    }
                }
                items.push(Node {
                    value: Value::Map(entries),
                    line: number,
                    column: inner + 1,
                });
            } else {
                items.push(inline(item, number, inner + 1)?);
                if self.peek().is_some_and(|next| next.indent > indent) {
                    return None;
                }
            }
        }
        Some(items)
    }
}

/// Splits `key: rest` (or `key:`) with a plain key; `rest` is trimmed.
fn split_key(content: &str) -> Option<(&str, &str)> {
    let (key, rest) = match find_pair(content.as_bytes(), b": ") {
        Some(i) => (&content[..i], content[i + 2..].trim_start_matches(' ')),
        None => (content.strip_suffix(':')?, ""),
    };
    (is_plain(key) && !key.contains(':') && !is_null(key) && key != "<<").then_some((key, rest))
}

/// A one-line value: plain, quoted or a flow list, starting at `column`.
fn inline(text: &str, line: usize, column: usize) -> Option<Node<'_>> {
    let value = match text.as_bytes()[0] {
        b'"' => Value::Text(quoted(text, '"', '\\')?),
        b'\'' => Value::Text(quoted(text, '\'', '\'')?),
        b'[' => Value::List(flow_list(text, line, column)?),
        _ if is_plain(text) && !is_null(text) => Value::Text(text),
        _ => return None,
    };
    Some(Node {
        value,
        line,
        column,
    })
}

/// `"text"` or `'text'` with neither the quote nor the escape inside.
fn quoted(text: &str, quote: char, escape: char) -> Option<&str> {
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains(escape)).then_some(inner)
}

/// `[a, b, c]` of plain items on one line.
fn flow_list(text: &str, line: usize, column: usize) -> Option<Vec<Node<'_>>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    if inner.trim_matches(' ').is_empty() {
        return Some(Vec::new());
    }
    let mut items = Vec::new();
    let mut offset = 1; // characters from the bracket
    for part in inner.split(',') {
        let item = part.trim_matches(' ');
        let before = part.len() - part.trim_start_matches(' ').len();
        if !is_plain(item)
            || is_null(item)
            || item.contains([':', '[', ']', '{', '}', '"', '\'', '#'])
        {
            return None;
        }
        items.push(Node {
            value: Value::Text(item),
            line,
            column: column + offset + before,
        });
        offset += part.chars().count() + 1;
    }
    Some(items)
}

/// Text YAML reads as a plain scalar on one line, the same in any context:
/// no leading indicator, no `: ` or ` #` inside, no trailing `:`.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    !b"-?:,[]{}#&*!|>'\"%@` ".contains(first)
        && *last != b':'
        && find_pair(bytes, b": ").is_none()
        && find_pair(bytes, b" #").is_none()
}

/// Where two bytes occur together (a byte loop: `str::find` is slower on
/// the short texts of front matter).
fn find_pair(bytes: &[u8], pair: &[u8; 2]) -> Option<usize> {
    bytes
        .windows(2)
        .position(|w| w[0] == pair[0] && w[1] == pair[1])
}

/// Whether a text holds a control character other than `\n` (C0, DEL, C1)
/// or a byte-order mark.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'\n' => false,
        0..0x20 | 0x7f => true,
        0xc2 => bytes
            .get(i + 1)
            .is_some_and(|next| (0x80..0xa0).contains(next)),
        0xef => bytes[i..].starts_with("\u{feff}".as_bytes()),
        _ => false,
    })
}

/// Plain text YAML reads as null.
fn is_null(text: &str) -> bool {
    matches!(text, "~" | "null" | "Null" | "NULL")
}

/// Test helpers shared by the runbook and report readers' tests, which hold
/// this reader to serde-saphyr on the repository's files and generated text.
#[cfg(test)]
pub(crate) mod testing {
    /// Every Markdown file of the project's own repository and test fixtures
    /// under a folder named `dir`.
    pub fn repository_files(dir: &str) -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("tests/fixtures"), root.join(dir)];
        let mut files = Vec::new();
        while let Some(folder) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&folder) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "md")
                    && path.to_string_lossy().contains(&format!("/{dir}/"))
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    files.push((path.display().to_string(), text));
                }
            }
        }
        files
    }

    /// A scalar mixing YAML's special characters, plain or quoted.
    pub fn scalar() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let special = "[ a-c0-9:#'\"\\\\,\\[\\]{}&*!|>%@~.\\-é]{0,6}";
        let ordinary = "[a-c0-9][ a-c0-9.%/é#:'\"-]{0,8}[a-c0-9]";
        (0..40u8, special, ordinary).prop_map(|(style, special, ordinary)| match style {
            0 => format!("'{special}'"),
            1 => format!("\"{special}\""),
            2 => special,
            _ => ordinary,
        })
    }

    /// `key: value` lines for some of `keys` (all of them with `all`).
    pub fn lines(
        keys: &'static [&'static str],
        indent: usize,
        all: bool,
    ) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let values = prop::collection::vec((scalar(), 0..2usize), keys.len());
        (
            prop::sample::subsequence(
                keys,
                if all {
                    keys.len()..=keys.len()
                } else {
                    0..=keys.len()
                },
            ),
            values,
        )
            .prop_map(move |(keys, values)| {
                keys.iter()
                    .zip(values)
                    .map(|(key, (value, extra))| {
                        format!(
                            "{}{key}:{} {value}\n",
                            " ".repeat(indent),
                            " ".repeat(extra)
                        )
                    })
                    .collect()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maps_lists_and_scalars_with_positions() {
        let yaml = "title: Héllo — wörld\nversion: \"1.10\"\ncontrols: [A1.1,  CC7.2 , é]\nheadroom:\n  reports: evidence/x\n  since: 2026-01-01\nhistory:\n  - version: '1.0'\n    date: 2026-02-18\nlist:\n- a\n- b\n";
        let entries = parse(yaml).unwrap();
        let keys: Vec<&str> = entries.iter().map(|e| e.key).collect();
        assert_eq!(
            keys,
            [
                "title", "version", "controls", "headroom", "history", "list"
            ]
        );
        assert_eq!(entries[0].value.text(), Some("Héllo — wörld"));
        assert_eq!((entries[0].value.line, entries[0].value.column), (1, 8));
        assert_eq!(entries[1].value.text(), Some("1.10"));
        assert_eq!(entries[1].value.column, 10);
        let Value::List(controls) = &entries[2].value.value else {
            panic!()
        };
        let columns: Vec<usize> = controls.iter().map(|c| c.column).collect();
        assert_eq!(columns, [12, 19, 27]);
        assert_eq!(entries[2].value.column, 11);
        assert_eq!((entries[3].value.line, entries[3].value.column), (5, 3));
        let Value::List(history) = &entries[4].value.value else {
            panic!()
        };
        assert_eq!((history[0].line, history[0].column), (8, 5));
        let Value::Map(revision) = &history[0].value else {
            panic!()
        };
        assert_eq!(
            (revision[1].key, revision[1].line, revision[1].column),
            ("date", 9, 5)
        );
        assert_eq!((entries[5].value.line, entries[5].value.column), (11, 3));
    }

    #[test]
    fn a_list_flush_with_its_key_ends_at_the_next_key() {
        let entries = parse("list:\n- a\n- b\nnext: c\n").unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].value.text(), Some("c"));
    }

    #[test]
    fn gives_up_beyond_the_plain_subset() {
        for yaml in [
            "a: b # comment\n",
            "a: \"x\\ty\"\n",
            "a: &x b\nc: *x\n",
            "a: !tag b\n",
            "a: b\n  continued\n",
            "a:\n",
            "a: ~\n",
            "a: b\na: c\n",
            "a: {b: c}\n",
            "a: [b, [c]]\n",
            "a:\tb\n",
            "a: b\r\n",
            "  a: b\n",
            "a: |\n  text\n",
            "- a\n",
            "a: 'it''s'\n",
            "a: b:\n",
            "a: b\u{85}c\n",
            "a: \u{feff}b\n",
            "a: b\u{7f}\n",
            "a:\n  - x\n  y: z\n",
            &(0..1_000)
                .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
                .collect::<String>(),
        ] {
            assert_eq!(parse(yaml), None, "{yaml:?}");
        }
    }
}
