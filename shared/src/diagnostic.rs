//! [`Diagnostic`]: a problem found in a binding file, located to the line and column, and
//! its rustc-like rendering.

use std::fmt::Write as _;

/// How bad a diagnostic is. Errors block a save; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The binding cannot work as written.
    Error,
    /// The binding works but is probably not what was meant.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A stable code for each kind of problem; scripts and the UI key off it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// A line that is not blank or a comment has no `=`.
    MissingEquals,
    /// Nothing before the `=`.
    EmptyKey,
    /// Whitespace inside the key.
    WhitespaceInKey,
    /// Whitespace inside the value.
    WhitespaceInValue,
    /// The key is not a model id.
    MalformedModelId,
    /// The value starts with `arn:` but is not a valid Bedrock ARN.
    MalformedArn,
    /// The value is neither an ARN, a profile id nor a model id.
    MalformedProfileId,
    /// The key is bound on more than one line.
    DuplicateKey,
    /// The key is not in the model catalog.
    UnknownModel,
    /// The value's profile serves a different model than the key.
    ProfileModelMismatch,
    /// The key's model is legacy or past its end of life.
    LegacyModel,
    /// A key or value is a model the catalog knows behind a geo prefix it does not know: AWS may
    /// have added the prefix, so it is a warning, never an error.
    UnknownGeoPrefix,
}

impl Code {
    /// The code as printed: `missing-equals`, `duplicate-key`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            Code::MissingEquals => "missing-equals",
            Code::EmptyKey => "empty-key",
            Code::WhitespaceInKey => "whitespace-in-key",
            Code::WhitespaceInValue => "whitespace-in-value",
            Code::MalformedModelId => "malformed-model-id",
            Code::MalformedArn => "malformed-arn",
            Code::MalformedProfileId => "malformed-profile-id",
            Code::DuplicateKey => "duplicate-key",
            Code::UnknownModel => "unknown-model",
            Code::ProfileModelMismatch => "profile-model-mismatch",
            Code::LegacyModel => "legacy-model",
            Code::UnknownGeoPrefix => "unknown-geo-prefix",
        }
    }

    /// The severity every diagnostic with this code has.
    pub fn severity(self) -> Severity {
        match self {
            Code::DuplicateKey
            | Code::UnknownModel
            | Code::ProfileModelMismatch
            | Code::LegacyModel
            | Code::UnknownGeoPrefix => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// One problem, located in the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem.
    pub code: Code,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters) of the first offending character.
    pub column: usize,
    /// 1-based column one past the last offending character (equal to `column` for a point).
    pub end_column: usize,
    /// A plain sentence that quotes the bad text.
    pub message: String,
    /// A suggested fix, where one is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic for the bytes `start..end` of `content` (one line, without its ending).
    ///
    /// The range is made safe to show whatever the caller computed: it is clamped to the
    /// content and to character boundaries, and an empty range is widened to the character
    /// after it (where there is one) so a caret always points at something.
    pub fn new(code: Code, line: usize, content: &str, start: usize, end: usize, message: String) -> Self {
        let boundary_at_or_before = |mut at: usize| {
            at = at.min(content.len());
            while !content.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let start = boundary_at_or_before(start);
        let mut end = boundary_at_or_before(end.max(start));
        if end == start {
            end = content[start..].chars().next().map_or(start, |c| start + c.len_utf8());
        }
        let column = content[..start].chars().count() + 1;
        let end_column = column + content[start..end].chars().count();
        Diagnostic { severity: code.severity(), code, line, column, end_column, message, help: None }
    }

    /// Adds a suggested fix.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The one-line header: `LINE:COL: error[code]: message`.
    pub fn header(&self) -> String {
        format!("{}:{}: {}[{}]: {}", self.line, self.column, self.severity.as_str(), self.code.as_str(), self.message)
    }

    /// The header plus a rustc-like snippet of `line_text` with carets under the span, and
    /// the help line, if any.
    pub fn render(&self, line_text: &str) -> String {
        format!("{}\n{}", self.header(), self.snippet(line_text, &self.line.to_string()))
    }

    /// The snippet without the header: `label | line_text`, carets under the span, and the
    /// help line. `label` is the line number, or empty for text that is not in a file.
    pub fn snippet(&self, line_text: &str, label: &str) -> String {
        let number = label;
        let gutter = " ".repeat(number.len());
        // Tabs are widened so the carets stay under the right characters.
        let mut shown = String::new();
        let mut caret_start = 0;
        let mut caret_width = 0;
        for (index, ch) in line_text.chars().enumerate() {
            let piece = if ch == '\t' { "    ".to_owned() } else { ch.to_string() };
            let width = piece.chars().count();
            if index + 1 < self.column {
                caret_start += width;
            } else if index + 1 < self.end_column {
                caret_width += width;
            }
            shown.push_str(&piece);
        }
        let carets = "^".repeat(caret_width.max(1));
        let mut out = String::new();
        let _ = writeln!(out, "{gutter} |");
        let _ = writeln!(out, "{number} | {shown}");
        let _ = writeln!(out, "{gutter} | {}{carets}", " ".repeat(caret_start));
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{gutter} = help: {help}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let diagnostic = Diagnostic::new(Code::WhitespaceInKey, 2, "é x=1", 2, 3, "m".into());
        assert_eq!((diagnostic.column, diagnostic.end_column), (2, 3));
    }

    #[test]
    fn a_span_off_the_line_or_inside_a_character_is_made_safe() {
        let diagnostic = Diagnostic::new(Code::MalformedModelId, 1, "aé", 2, 2, "m".into());
        assert_eq!((diagnostic.column, diagnostic.end_column), (2, 3), "widened to the whole é");
        let diagnostic = Diagnostic::new(Code::MalformedModelId, 1, "ab", 5, 9, "m".into());
        assert_eq!((diagnostic.column, diagnostic.end_column), (3, 3), "clamped to the end");
    }

    #[test]
    fn the_snippet_puts_carets_under_the_span() {
        let diagnostic = Diagnostic::new(Code::MissingEquals, 7, "\tbroken line", 1, 7, "no `=`".into())
            .with_help("write `broken=`");
        let rendered = diagnostic.render("\tbroken line");
        assert_eq!(
            rendered,
            "7:2: error[missing-equals]: no `=`\n  |\n7 |     broken line\n  |     ^^^^^^\n  = help: write `broken=`\n"
        );
    }
}
