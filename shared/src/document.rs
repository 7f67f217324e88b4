//! The lossless document model of an `inference.txt` file.
//!
//! Every line keeps its exact bytes, including its line ending, so printing a parsed
//! document gives back the input byte for byte. Edits splice only the bytes they must
//! change. Resolution follows TPipe: split a binding at the first `=`, trim both sides,
//! an empty value means "call directly", and the last duplicate wins. One deliberate
//! difference: a line whose first non-blank character is `#` is a comment even if it
//! contains `=`, as TPipe's own docs write them.

use std::collections::HashMap;
use std::fmt;

use crate::model_id::ModelId;
use crate::profile_ref::ProfileRef;

const BOM: &str = "\u{feff}";

/// A byte range within one line's content (the line without its ending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    /// First byte, relative to the start of the line.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    fn of(self, text: &str) -> &str {
        &text[self.start..self.end]
    }
}

/// How a line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// `\n`.
    Lf,
    /// `\r\n`.
    CrLf,
    /// The last line of a file without a final newline.
    None,
}

impl LineEnding {
    /// The ending's bytes.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
            LineEnding::None => "",
        }
    }
}

/// Why a non-blank, non-comment line is not a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvalidReason {
    /// The line has no `=`.
    MissingEquals,
    /// The line has nothing but blanks before its first `=`.
    EmptyKey,
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LineKind {
    /// Empty or only whitespace.
    Blank,
    /// First non-blank character is `#`.
    Comment,
    /// `key=value`; the spans are the trimmed key and value.
    Binding {
        /// The trimmed key.
        key: Span,
        /// The trimmed value; empty means direct.
        value: Span,
    },
    /// Kept verbatim; validation reports why.
    Invalid {
        /// What is wrong.
        reason: InvalidReason,
    },
}

/// One line: where its bytes are in the document, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LineRepr {
    /// Byte offset of the line's first byte in the source.
    start: usize,
    /// Byte offset one past the content (where the ending starts).
    content_end: usize,
    ending: LineEnding,
    kind: LineKind,
}

/// A view of one line of a [`Document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number.
    pub number: usize,
    /// The line's bytes without its ending (and without the BOM on line 1).
    pub content: &'a str,
    /// How the line ends.
    pub ending: LineEnding,
    /// What the line is.
    pub kind: LineKind,
}

impl<'a> Line<'a> {
    /// The trimmed key, for a binding line.
    pub fn key(&self) -> Option<&'a str> {
        match self.kind {
            LineKind::Binding { key, .. } => Some(key.of(self.content)),
            _ => None,
        }
    }

    /// The trimmed value, for a binding line (empty means direct).
    pub fn value(&self) -> Option<&'a str> {
        match self.kind {
            LineKind::Binding { value, .. } => Some(value.of(self.content)),
            _ => None,
        }
    }
}

/// The binding in force for one key: its value and the line it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// The model id as written (trimmed).
    pub key: &'a str,
    /// The value as written (trimmed); empty means direct.
    pub value: &'a str,
    /// 1-based number of the winning line.
    pub line: usize,
}

/// The text was not UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// Byte offset of the first byte that is not valid UTF-8.
    pub offset: usize,
}

impl fmt::Display for InvalidUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the file is not valid UTF-8: the first bad byte is at offset {}", self.offset)
    }
}

impl std::error::Error for InvalidUtf8 {}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOutcome {
    /// The value on this (1-based) line was rewritten.
    Rebound {
        /// The line that changed.
        line: usize,
    },
    /// A new binding line was appended as this (1-based) line.
    Appended {
        /// The new line.
        line: usize,
    },
    /// The binding already had that value; nothing changed.
    Unchanged {
        /// The winning line.
        line: usize,
    },
}

/// A parsed `inference.txt`: its exact text and a classification of every line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    source: String,
    lines: Vec<LineRepr>,
}

impl Document {
    /// Parses raw bytes, refusing text that is not UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Document, InvalidUtf8> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Document::parse(text)),
            Err(error) => Err(InvalidUtf8 { offset: error.valid_up_to() }),
        }
    }

    /// Parses any text; lines that are not bindings are kept verbatim as comments, blanks or
    /// invalid lines.
    pub fn parse(text: &str) -> Document {
        let source = text.to_owned();
        let lines = split_lines(&source);
        Document { source, lines }
    }

    /// The document's exact text.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the text starts with a UTF-8 byte-order mark.
    pub fn has_bom(&self) -> bool {
        self.source.starts_with(BOM)
    }

    /// The number of lines.
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// Every line, in order.
    pub fn lines(&self) -> impl ExactSizeIterator<Item = Line<'_>> + '_ {
        self.lines.iter().enumerate().map(|(index, repr)| self.view(index, repr))
    }

    /// The line with this 1-based number.
    pub fn line(&self, number: usize) -> Option<Line<'_>> {
        let index = number.checked_sub(1)?;
        self.lines.get(index).map(|repr| self.view(index, repr))
    }

    fn view<'a>(&'a self, index: usize, repr: &LineRepr) -> Line<'a> {
        Line {
            number: index + 1,
            content: &self.source[repr.start..repr.content_end],
            ending: repr.ending,
            kind: repr.kind,
        }
    }

    /// The binding lines, in order.
    pub fn bindings(&self) -> impl Iterator<Item = Line<'_>> + '_ {
        self.lines().filter(|line| matches!(line.kind, LineKind::Binding { .. }))
    }

    /// The binding in force for `key` (the last line that binds it), as TPipe reads it.
    pub fn get(&self, key: &str) -> Option<Resolved<'_>> {
        self.bindings().filter(|line| line.key() == Some(key)).last().map(|line| Resolved {
            key: line.key().unwrap_or_default(),
            value: line.value().unwrap_or_default(),
            line: line.number,
        })
    }

    /// Every key's binding in force, sorted by key: TPipe's map.
    pub fn resolve(&self) -> Vec<Resolved<'_>> {
        let mut winners: HashMap<&str, Resolved<'_>> = HashMap::new();
        for line in self.bindings() {
            let (Some(key), Some(value)) = (line.key(), line.value()) else { continue };
            winners.insert(key, Resolved { key, value, line: line.number });
        }
        let mut resolved: Vec<Resolved<'_>> = winners.into_values().collect();
        resolved.sort_unstable_by(|a, b| a.key.cmp(b.key));
        resolved
    }

    /// The line ending new lines get: the file's most common one (the first seen on a tie),
    /// or `\n` for a file with none.
    pub fn line_ending(&self) -> LineEnding {
        let mut lf = 0usize;
        let mut crlf = 0usize;
        let mut first = None;
        for repr in &self.lines {
            match repr.ending {
                LineEnding::Lf => lf += 1,
                LineEnding::CrLf => crlf += 1,
                LineEnding::None => continue,
            }
            first.get_or_insert(repr.ending);
        }
        match lf.cmp(&crlf) {
            std::cmp::Ordering::Greater => LineEnding::Lf,
            std::cmp::Ordering::Less => LineEnding::CrLf,
            std::cmp::Ordering::Equal => first.unwrap_or(LineEnding::Lf),
        }
    }

    /// Binds `model` to `profile`. An existing binding has its value rewritten on the winning
    /// line only; otherwise one line is appended in the file's line-ending style. Every other
    /// byte stays as it was.
    pub fn bind(&mut self, model: &ModelId, profile: &ProfileRef) -> EditOutcome {
        let value = profile.to_string();
        if let Some(winner) = self.get(model.as_str()) {
            let line = winner.line;
            if winner.value == value {
                return EditOutcome::Unchanged { line };
            }
            let repr = &self.lines[line - 1];
            let LineKind::Binding { value: span, .. } = repr.kind else {
                unreachable!("get() returns binding lines only")
            };
            let range = repr.start + span.start..repr.start + span.end;
            self.splice(range, &value);
            return EditOutcome::Rebound { line };
        }
        let ending = self.line_ending();
        let mut insertion = String::new();
        let new_line_ending = match self.lines.last() {
            // A file without a final newline keeps that shape: the old last line gets an
            // ending and the new last line has none.
            Some(last) if last.ending == LineEnding::None => {
                // After a lone `\r`, a `\n` would make `\r\n` and take that `\r` out of the
                // old line's content; a whole `\r\n` leaves the line as it was.
                let ends_in_lone_cr = self.source[..last.content_end].ends_with('\r');
                insertion.push_str(if ends_in_lone_cr { LineEnding::CrLf } else { ending }.as_str());
                LineEnding::None
            }
            _ => ending,
        };
        insertion.push_str(model.as_str());
        insertion.push('=');
        insertion.push_str(&value);
        insertion.push_str(new_line_ending.as_str());
        let end = self.source.len();
        self.splice(end..end, &insertion);
        EditOutcome::Appended { line: self.lines.len() }
    }

    /// Removes every line that binds `model`; returns how many were removed.
    pub fn unbind(&mut self, model: &str) -> usize {
        let doomed: Vec<(usize, usize)> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(index, _)| self.line(index + 1).and_then(|line| line.key()) == Some(model))
            .map(|(index, repr)| (repr.start, self.line_end(index)))
            .collect();
        if doomed.is_empty() {
            return 0;
        }
        let mut text = String::with_capacity(self.source.len());
        let mut cursor = 0;
        for &(start, end) in &doomed {
            text.push_str(&self.source[cursor..start]);
            cursor = end;
        }
        text.push_str(&self.source[cursor..]);
        // A kept line that starts with U+FEFF would be read as the file's byte-order mark once
        // it comes first, and its key would lose that character; a BOM in front keeps it.
        if !self.has_bom() && text.starts_with(BOM) {
            text.insert_str(0, BOM);
        }
        *self = Document::parse(&text);
        doomed.len()
    }

    /// Byte offset one past the line's ending.
    fn line_end(&self, index: usize) -> usize {
        let repr = &self.lines[index];
        repr.content_end + repr.ending.as_str().len()
    }

    fn splice(&mut self, range: std::ops::Range<usize>, replacement: &str) {
        self.source.replace_range(range, replacement);
        self.lines = split_lines(&self.source);
    }
}

impl fmt::Display for Document {
    /// Prints the document from its lines; this is the input, byte for byte.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.has_bom() {
            f.write_str(BOM)?;
        }
        for line in self.lines() {
            f.write_str(line.content)?;
            f.write_str(line.ending.as_str())?;
        }
        Ok(())
    }
}

fn split_lines(source: &str) -> Vec<LineRepr> {
    let mut lines = Vec::with_capacity(source.len() / 40 + 1);
    let mut start = if source.starts_with(BOM) { BOM.len() } else { 0 };
    let bytes = source.as_bytes();
    while start < bytes.len() {
        let (content_end, ending, next) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(offset) => {
                let newline = start + offset;
                if newline > start && bytes[newline - 1] == b'\r' {
                    (newline - 1, LineEnding::CrLf, newline + 1)
                } else {
                    (newline, LineEnding::Lf, newline + 1)
                }
            }
            None => (bytes.len(), LineEnding::None, bytes.len()),
        };
        let kind = classify(&source[start..content_end]);
        lines.push(LineRepr { start, content_end, ending, kind });
        start = next;
    }
    lines
}

fn classify(content: &str) -> LineKind {
    let trimmed = content.trim_start();
    if trimmed.is_empty() {
        return LineKind::Blank;
    }
    if trimmed.starts_with('#') {
        return LineKind::Comment;
    }
    let Some(eq) = content.find('=') else {
        return LineKind::Invalid { reason: InvalidReason::MissingEquals };
    };
    let key = trimmed_span(content, 0, eq);
    if key.start == key.end {
        return LineKind::Invalid { reason: InvalidReason::EmptyKey };
    }
    let rest = &content[eq + 1..];
    let value = if rest.trim().is_empty() {
        // Put an empty value after any blanks, so binding it later reads `key = value`.
        Span { start: content.len(), end: content.len() }
    } else {
        trimmed_span(content, eq + 1, content.len())
    };
    LineKind::Binding { key, value }
}

fn trimmed_span(content: &str, start: usize, end: usize) -> Span {
    let part = &content[start..end];
    let leading = part.len() - part.trim_start().len();
    let trimmed = part.trim();
    Span { start: start + leading, end: start + leading + trimmed.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn assert_round_trip(text: &str) {
        let document = Document::parse(text);
        assert_eq!(document.to_string(), text, "printing the parse of {text:?} changed it");
        assert_eq!(document.as_str(), text);
    }

    fn model(id: &str) -> ModelId {
        id.parse().expect("test model id")
    }

    fn profile(text: &str) -> ProfileRef {
        text.parse().expect("test profile")
    }

    #[test]
    fn awkward_files_print_back_byte_for_byte() {
        for text in [
            "",
            "\n",
            "a.b=c",
            "a.b=c\n",
            "a.b=c\r\nd.e=\n# x=y\r\n",
            "\u{feff}a.b=c\r\n",
            "  a.b  =  c  \t\n\n\n",
            "no equals here\n=empty key\r\n  # indented comment\n",
            "\r\n\r",
            "a.b=c\rd.e=f",
        ] {
            assert_round_trip(text);
        }
    }

    #[test]
    fn lines_are_classified() {
        let document = Document::parse("# c=1\n\n  \nm.x=v\nbroken\n = v\n");
        let kinds: Vec<LineKind> = document.lines().map(|line| line.kind).collect();
        assert_eq!(kinds[0], LineKind::Comment);
        assert_eq!(kinds[1], LineKind::Blank);
        assert_eq!(kinds[2], LineKind::Blank);
        assert!(matches!(kinds[3], LineKind::Binding { .. }));
        assert_eq!(kinds[4], LineKind::Invalid { reason: InvalidReason::MissingEquals });
        assert_eq!(kinds[5], LineKind::Invalid { reason: InvalidReason::EmptyKey });
    }

    #[test]
    fn a_binding_splits_at_the_first_equals_and_trims_both_sides() {
        let document = Document::parse("  m.x =  a=b  \r\n");
        let line = document.line(1).expect("one line");
        assert_eq!(line.key(), Some("m.x"));
        assert_eq!(line.value(), Some("a=b"));
        assert_eq!(line.ending, LineEnding::CrLf);
    }

    #[test]
    fn the_last_duplicate_wins() {
        let document = Document::parse("m.x=first\nm.x=second\nm.y=\n");
        let resolved = document.resolve();
        assert_eq!(resolved.len(), 2);
        assert_eq!(resolved[0], Resolved { key: "m.x", value: "second", line: 2 });
        assert_eq!(resolved[1], Resolved { key: "m.y", value: "", line: 3 });
    }

    #[test]
    fn a_bom_is_kept_out_of_the_first_key() {
        let document = Document::parse("\u{feff}m.x=v\n");
        assert!(document.has_bom());
        assert_eq!(document.line(1).and_then(|line| line.key()), Some("m.x"));
    }

    #[test]
    fn invalid_utf8_names_the_byte_offset() {
        assert_eq!(Document::parse_bytes(b"m.x=v\n\xff"), Err(InvalidUtf8 { offset: 6 }));
    }

    #[test]
    fn rebinding_rewrites_only_the_winning_value() {
        let mut document = Document::parse("# head\nm.x = old  # not a comment\nm.x =  older \r\ntail.y=\n");
        let outcome = document.bind(&model("m.x"), &profile("us.m.x"));
        assert_eq!(outcome, EditOutcome::Rebound { line: 3 });
        assert_eq!(document.as_str(), "# head\nm.x = old  # not a comment\nm.x =  us.m.x \r\ntail.y=\n");
    }

    #[test]
    fn binding_an_empty_value_keeps_the_spacing() {
        let mut document = Document::parse("m.x = \n");
        document.bind(&model("m.x"), &profile("us.m.x"));
        assert_eq!(document.as_str(), "m.x = us.m.x\n");
    }

    #[test]
    fn binding_to_direct_empties_the_value() {
        let mut document = Document::parse("m.x=us.m.x\n");
        document.bind(&model("m.x"), &ProfileRef::Direct);
        assert_eq!(document.as_str(), "m.x=\n");
    }

    #[test]
    fn binding_the_same_value_changes_nothing() {
        let mut document = Document::parse("m.x=us.m.x\n");
        assert_eq!(document.bind(&model("m.x"), &profile("us.m.x")), EditOutcome::Unchanged { line: 1 });
    }

    #[test]
    fn a_new_binding_is_appended_in_the_files_line_ending_style() {
        let mut document = Document::parse("# c\r\na.b=\r\n");
        assert_eq!(document.bind(&model("m.x"), &profile("us.m.x")), EditOutcome::Appended { line: 3 });
        assert_eq!(document.as_str(), "# c\r\na.b=\r\nm.x=us.m.x\r\n");
    }

    #[test]
    fn appending_to_a_file_without_a_final_newline_keeps_that_shape() {
        let mut document = Document::parse("a.b=");
        document.bind(&model("m.x"), &ProfileRef::Direct);
        assert_eq!(document.as_str(), "a.b=\nm.x=");
    }

    #[test]
    fn appending_to_an_empty_file_writes_one_line() {
        let mut document = Document::parse("");
        document.bind(&model("m.x"), &ProfileRef::Direct);
        assert_eq!(document.as_str(), "m.x=\n");
    }

    #[test]
    fn unbinding_removes_every_line_of_that_model_and_nothing_else() {
        let mut document = Document::parse("# keep\nm.x=a\nm.y=b\r\nm.x=c\r\n# m.x=d\n");
        assert_eq!(document.unbind("m.x"), 2);
        assert_eq!(document.as_str(), "# keep\nm.y=b\r\n# m.x=d\n");
        assert_eq!(document.unbind("m.x"), 0);
    }

    #[test]
    fn the_majority_line_ending_is_used() {
        assert_eq!(Document::parse("a\r\nb\r\nc\n").line_ending(), LineEnding::CrLf);
        assert_eq!(Document::parse("a\nb\r\n").line_ending(), LineEnding::Lf);
        assert_eq!(Document::parse("a").line_ending(), LineEnding::Lf);
    }
}
