//! Diagnostics for user-supplied YAML and JSON documents.
//!
//! Every loader in pkimm reports a problem with the same [`DocumentError`]: the
//! file it came from, the path of the field inside the document (for example
//! `requirements."7.3".level`) and, where it can be found, the line and column.
//!
//! Two mechanisms feed it:
//! - structural errors come from serde, wrapped with [`serde_path_to_error`] so
//!   the failing field is known even when the YAML parser has no location;
//! - semantic errors found after parsing (an unknown category id, a level out of
//!   range) are located with a [`LineIndex`], which maps every field path of the
//!   document to the line where that field's key stands.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A problem in a document, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DocumentError {
    /// Where the document came from: a file path, or a label like `<embedded model>`.
    pub origin: String,
    /// Path of the offending field, in the dotted form used by [`LineIndex`]; empty
    /// for the document root.
    pub field: String,
    /// One-based line number, when known.
    pub line: Option<usize>,
    /// One-based column number, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": field `{}`: {}", self.field, self.message)
        }
    }
}

/// A parsed document together with its source text, used to locate fields.
#[derive(Debug)]
pub struct Located<'a> {
    origin: &'a str,
    index: LineIndex,
}

impl<'a> Located<'a> {
    /// Builds the field index for `text`. A text that is not valid YAML gets an
    /// empty index: its parse error is reported by serde anyway.
    pub fn new(origin: &'a str, text: &str) -> Self {
        Self {
            origin,
            index: LineIndex::build(text).unwrap_or_default(),
        }
    }

    /// The document's origin label.
    pub fn origin(&self) -> &str {
        self.origin
    }

    /// An error about the field at `path`, located at its line if the field exists,
    /// otherwise at the nearest existing parent.
    pub fn error(&self, path: &str, message: impl Into<String>) -> DocumentError {
        let position = self.index.find_nearest(path);
        DocumentError {
            origin: self.origin.to_string(),
            field: path.to_string(),
            line: position.map(|p| p.0),
            column: position.map(|p| p.1),
            message: message.into(),
        }
    }
}

/// The one-based line and column of byte `offset` in `text` (an offset
/// inside a character counts as that character).
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The deepest nesting of flow collections (`[`, `{`) any pkimm input may
/// use; deeper documents are refused before parsing, which would otherwise
/// take time quadratic in the depth.
pub const MAX_NESTING: usize = 64;

/// Where flow collections first nest deeper than [`MAX_NESTING`]: a quick
/// scan that skips quoted strings (a quote opens one only where a token can
/// start, so apostrophes inside words do not) and comments.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let (mut line, mut column) = (1usize, 0usize);
    let mut previous = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        column += 1;
        let token_start = previous.is_whitespace() || matches!(previous, '[' | '{' | ',' | ':');
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '#' if previous.is_whitespace() => {
                // A comment: skip to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        column = 0;
                        break;
                    }
                }
                previous = '\n';
                continue;
            }
            '"' | '\'' if token_start => {
                let quote = c;
                let mut escaped = false;
                for c in chars.by_ref() {
                    column += 1;
                    if c == '\n' {
                        line += 1;
                        column = 0;
                    }
                    if quote == '"' && c == '\\' && !escaped {
                        escaped = true;
                        continue;
                    }
                    if c == quote && !escaped {
                        break;
                    }
                    escaped = false;
                }
                previous = quote;
                continue;
            }
            '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((line, column));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    None
}

/// Deserialises a YAML (or JSON, which is YAML) document, turning any failure into
/// a [`DocumentError`] that names the origin, the field path and the line. A
/// key given twice in one mapping is an error at its second occurrence (serde
/// would otherwise keep the last value of a map silently).
pub fn from_yaml_str<T: serde::de::DeserializeOwned>(
    origin: &str,
    text: &str,
) -> Result<T, DocumentError> {
    if let Some((line, column)) = too_deep(text) {
        return Err(DocumentError {
            origin: origin.to_string(),
            field: String::new(),
            line: Some(line),
            column: Some(column),
            message: format!(
                "brackets nested more than {MAX_NESTING} levels deep; no pkimm input needs that"
            ),
        });
    }
    if let Some(index) = LineIndex::build(text) {
        if let Some(duplicate) = index.duplicates.first() {
            return Err(DocumentError {
                origin: origin.to_string(),
                field: duplicate.path.clone(),
                line: Some(duplicate.at.0),
                column: Some(duplicate.at.1),
                message: format!(
                    "the key is given twice (first on line {}); remove one",
                    duplicate.first.0
                ),
            });
        }
    }
    let deserializer = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let field = render_serde_path(err.path());
        let plain_path = err.path().to_string();
        let inner = err.into_inner();
        let location = inner.location();
        let mut message = inner.to_string();
        // serde_yaml_ng appends " at line L column C" to messages; we print the
        // location ourselves, so strip it.
        if let Some(position) = message.find(" at line ") {
            message.truncate(position);
        }
        // serde_yaml_ng also prefixes the field path, which we print separately.
        if let Some((head, rest)) = message.split_once(": ") {
            if !head.is_empty() && plain_path.starts_with(head) {
                message = rest.to_string();
            }
        }
        let (line, column) = match location {
            Some(loc) => (Some(loc.line()), Some(loc.column())),
            None => {
                let index = LineIndex::build(text).unwrap_or_default();
                match index.find_nearest(&field) {
                    Some((l, c)) => (Some(l), Some(c)),
                    None => (None, None),
                }
            }
        };
        DocumentError {
            origin: origin.to_string(),
            field,
            line,
            column,
            message,
        }
    })
}

/// Renders a serde path in the same form as [`LineIndex`] paths.
fn render_serde_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut rendered = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => rendered = join_index(&rendered, *index),
            Segment::Map { key } => rendered = join_key(&rendered, key),
            Segment::Enum { variant } => rendered = join_key(&rendered, variant),
            Segment::Unknown => {}
        }
    }
    rendered
}

/// Builds the path segment for a map key: plain identifiers stay bare, other keys
/// (such as `7.3`) are quoted so the dots inside them are not read as separators.
pub fn key_segment(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit())
    {
        key.to_string()
    } else {
        format!("\"{}\"", key.replace('"', "\\\""))
    }
}

/// Joins a parent path and a map key.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key_segment(key)
    } else {
        format!("{parent}.{}", key_segment(key))
    }
}

/// Joins a parent path and a sequence index.
pub fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Maps field paths of a YAML document to the (line, column) of their key, or of
/// the item for sequence entries.
#[derive(Debug, Default, Clone)]
pub struct LineIndex {
    positions: HashMap<String, (usize, usize)>,
    duplicates: Vec<Duplicate>,
}

/// A key given twice in one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The key's field path.
    pub path: String,
    /// Where it first stands.
    pub first: (usize, usize),
    /// Where it stands again.
    pub at: (usize, usize),
}

impl LineIndex {
    /// Parses `text` and records every field's position. Returns `None` when the
    /// text is not valid YAML.
    pub fn build(text: &str) -> Option<Self> {
        let mut builder = IndexBuilder::default();
        let mut parser = Parser::new_from_str(text);
        parser.load(&mut builder, false).ok()?;
        Some(Self {
            positions: builder.positions,
            duplicates: builder.duplicates,
        })
    }

    /// Keys given twice in one mapping, in document order.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// The one-based (line, column) of the field at `path`, if present.
    pub fn get(&self, path: &str) -> Option<(usize, usize)> {
        self.positions.get(path).copied()
    }

    /// The position of `path`, or of its closest ancestor that exists.
    pub fn find_nearest(&self, path: &str) -> Option<(usize, usize)> {
        let mut current = path;
        loop {
            if let Some(position) = self.get(current) {
                return Some(position);
            }
            current = parent_path(current)?;
        }
    }

    /// Number of indexed fields.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// Whether no field was indexed.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// Strips the last segment of a path; `None` at the root.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let bytes = path.as_bytes();
    let mut in_quotes = false;
    let mut cut = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'.' | b'[' if !in_quotes => cut = i,
            _ => {}
        }
        i += 1;
    }
    Some(&path[..cut])
}

enum Frame {
    Map {
        path: String,
        pending_key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

#[derive(Default)]
struct IndexBuilder {
    stack: Vec<Frame>,
    positions: HashMap<String, (usize, usize)>,
    duplicates: Vec<Duplicate>,
    done: bool,
}

impl IndexBuilder {
    /// Called at the start of a value node; returns the path that node has.
    fn enter_value(&mut self, mark: Marker) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { path, pending_key }) => {
                let key = pending_key.take()?;
                Some(join_key(path, &key))
            }
            Some(Frame::Seq { path, next }) => {
                let item = join_index(path, *next);
                *next += 1;
                self.positions
                    .entry(item.clone())
                    .or_insert((mark.line(), mark.col() + 1));
                Some(item)
            }
        }
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.done {
            return;
        }
        match event {
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map { path, pending_key }) = self.stack.last_mut() {
                    if pending_key.is_none() {
                        let key_path = join_key(path, &value);
                        let at = (mark.line(), mark.col() + 1);
                        match self.positions.entry(key_path) {
                            std::collections::hash_map::Entry::Occupied(first) => {
                                self.duplicates.push(Duplicate {
                                    path: first.key().clone(),
                                    first: *first.get(),
                                    at,
                                });
                            }
                            std::collections::hash_map::Entry::Vacant(slot) => {
                                slot.insert(at);
                            }
                        }
                        *pending_key = Some(value);
                        return;
                    }
                }
                let _ = self.enter_value(mark);
            }
            Event::Alias(_) => {
                let _ = self.enter_value(mark);
            }
            Event::MappingStart(..) => {
                let path = self.enter_value(mark).unwrap_or_default();
                self.stack.push(Frame::Map {
                    path,
                    pending_key: None,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.enter_value(mark).unwrap_or_default();
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    #[test]
    fn deep_flow_collections_are_refused_quickly() {
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let err = from_yaml_str::<serde_yaml_ng::Value>("deep.yaml", &deep).unwrap_err();
        // Refused at the 65th bracket, before any parsing.
        assert_eq!((err.line, err.column), (Some(1), Some(68)));
        assert!(err.to_string().contains("nested more than 64"), "{err}");
    }

    #[test]
    fn brackets_in_strings_comments_and_words_do_not_count() {
        let text = format!(
            "a: \"{}\"\nb: '{}'\n# {}\nc: it's [1, 2]\nd: [[1], {{e: [2]}}]\n",
            "[".repeat(200),
            "{".repeat(200),
            "[".repeat(200)
        );
        from_yaml_str::<serde_yaml_ng::Value>("ok.yaml", &text).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
schema_version: 1
requirements:
  \"7.3\":
    level: 9
  5.1:
    level: 2
list:
  - a: 1
  - b: 2
";

    #[test]
    fn indexes_nested_keys_and_sequences() {
        let index = LineIndex::build(DOC).unwrap();
        assert_eq!(index.get("schema_version"), Some((1, 1)));
        assert_eq!(index.get("requirements.\"7.3\""), Some((3, 3)));
        assert_eq!(index.get("requirements.\"7.3\".level"), Some((4, 5)));
        assert_eq!(index.get("requirements.\"5.1\".level"), Some((6, 5)));
        assert_eq!(index.get("list[1].b"), Some((9, 5)));
    }

    #[test]
    fn nearest_falls_back_to_parent() {
        let index = LineIndex::build(DOC).unwrap();
        assert_eq!(
            index.find_nearest("requirements.\"7.3\".justification"),
            Some((3, 3))
        );
        assert_eq!(parent_path("a.\"7.3\".b"), Some("a.\"7.3\""));
        assert_eq!(parent_path("a.\"7.3\""), Some("a"));
        assert_eq!(parent_path("a[2]"), Some("a"));
        assert_eq!(parent_path("a"), Some(""));
        assert_eq!(parent_path(""), None);
    }

    #[test]
    fn serde_errors_carry_field_and_line() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Doc {
            requirements: HashMap<String, Entry>,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Entry {
            level: u8,
        }
        let text = "requirements:\n  \"7.3\":\n    level: many\n";
        let err = from_yaml_str::<Doc>("a.yaml", text).unwrap_err();
        assert_eq!(err.field, "requirements.\"7.3\".level");
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("a.yaml:3:"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_line() {
        let text = "requirements:\n  \"1.1\": { level: 2 }\n  \"1.2\": { level: 3 }\n  \"1.1\": { level: 5 }\n";
        let err = from_yaml_str::<HashMap<String, serde_json::Value>>("a.yaml", text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err}");
        assert!(
            err.to_string().contains("given twice (first on line 2)"),
            "{err}"
        );
        let json = "{\"a\": 1,\n \"a\": 2}";
        let err = from_yaml_str::<HashMap<String, u8>>("a.json", json).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        // The same key in different mappings is fine.
        let ok = "x: { a: 1 }\ny: { a: 2 }\nlist: [ { a: 1 }, { a: 2 } ]\n";
        assert!(from_yaml_str::<serde_json::Value>("ok.yaml", ok).is_ok());
    }

    #[test]
    fn broken_yaml_is_an_error_not_a_panic() {
        let err = from_yaml_str::<HashMap<String, String>>("b.yaml", "a: [1, 2\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(LineIndex::build("a: [1, 2\n").is_none());
    }
}
