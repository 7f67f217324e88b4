//! The raw editor's logic: live diagnostics, the marks drawn beside offending lines, the save
//! rule, and keeping the file's line endings although a `<textarea>` turns them all into `\n`.

use bedrock_binder_shared::diagnostic::{Code, Severity};
use bedrock_binder_shared::diff::{LineChange, line_diff};
use bedrock_binder_shared::document::LineEnding;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Catalog, Diagnostic, Document, Version};

/// The diagnostics of the text being edited.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Lint {
    /// Every diagnostic, in line order.
    pub diagnostics: Vec<Diagnostic>,
    /// One mark per line that has diagnostics.
    pub marks: Vec<Mark>,
    /// How many diagnostics are errors.
    pub errors: usize,
    /// How many lines the text has (at least 1, as the editor shows it).
    pub line_count: usize,
}

/// What is drawn beside one offending line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// 1-based line.
    pub line: usize,
    /// The worst severity on the line.
    pub severity: Severity,
    /// How many monospace cells the line's text takes (tabs to the next multiple of 4), so
    /// the message starts after the text.
    pub text_width: usize,
    /// The first message, and how many more there are.
    pub message: String,
}

/// Validates `text` as the server does. Before the catalog has arrived, the checks that need
/// it (unknown and legacy models) are left out rather than reported wrongly.
pub fn lint(text: &str, catalog: Option<&Catalog>) -> Lint {
    let document = Document::parse(text);
    let empty;
    let diagnostics: Vec<Diagnostic> = match catalog {
        Some(catalog) => validate(&document, catalog),
        None => {
            empty = Catalog::from_models(Vec::new());
            validate(&document, &empty)
                .into_iter()
                .filter(|d| !matches!(d.code, Code::UnknownModel | Code::LegacyModel))
                .collect()
        }
    };
    let marks = marks(&document, &diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    Lint { diagnostics, marks, errors, line_count: editor_line_count(text) }
}

/// The number of lines a textarea shows for `text`: one more than its newlines.
pub fn editor_line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

/// The gutter's text: `1\n2\n…`.
pub fn line_numbers(count: usize) -> String {
    let mut numbers = String::with_capacity(count * 4);
    for number in 1..=count {
        if number > 1 {
            numbers.push('\n');
        }
        numbers.push_str(&number.to_string());
    }
    numbers
}

fn marks(document: &Document, diagnostics: &[Diagnostic]) -> Vec<Mark> {
    let mut marks: Vec<Mark> = Vec::new();
    let mut extra = 0;
    for diagnostic in diagnostics {
        if let Some(mark) = marks.last_mut()
            && mark.line == diagnostic.line
        {
            mark.severity = mark.severity.min(diagnostic.severity);
            extra += 1;
            continue;
        }
        finish(&mut marks, extra);
        extra = 0;
        let text = document.line(diagnostic.line).map_or("", |line| line.content);
        marks.push(Mark {
            line: diagnostic.line,
            severity: diagnostic.severity,
            text_width: text_width(text),
            message: format!("{}: {}", diagnostic.severity.as_str(), diagnostic.message),
        });
    }
    finish(&mut marks, extra);
    marks
}

fn finish(marks: &mut [Mark], extra: usize) {
    if extra > 0
        && let Some(mark) = marks.last_mut()
    {
        mark.message.push_str(&format!(" (+{extra} more)"));
    }
}

/// Monospace cells taken by `text` with `tab-size: 4`.
pub fn text_width(text: &str) -> usize {
    text.chars().fold(0, |width, ch| match ch {
        '\t' => width / 4 * 4 + 4,
        '\u{feff}' => width,
        _ => width + 1,
    })
}

/// The textarea selection (UTF-16 offsets, as the DOM counts) of a diagnostic's span in the
/// editor's text.
pub fn selection(text: &str, diagnostic: &Diagnostic) -> (u32, u32) {
    let mut offset = 0usize;
    for (index, line) in text.split('\n').enumerate() {
        if index + 1 == diagnostic.line {
            let utf16 = |column: usize| -> usize {
                line.trim_start_matches('\u{feff}').chars().take(column.saturating_sub(1)).map(char::len_utf16).sum()
            };
            let bom = if index == 0 && line.starts_with('\u{feff}') { 1 } else { 0 };
            let start = offset + bom + utf16(diagnostic.column);
            let end = offset + bom + utf16(diagnostic.end_column);
            return (start as u32, end.max(start) as u32);
        }
        offset += line.encode_utf16().count() + 1;
    }
    (offset as u32, offset as u32)
}

/// What a textarea does to a text: `\r\n` and lone `\r` become `\n`.
pub fn normalize(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The text to save for an edit made in a textarea: lines the user did not touch keep their
/// original endings (`\r\n`, `\n`, `\r`), and new lines get the file's most common ending.
/// Without this, saving from the editor would silently turn a CRLF file into an LF one.
pub fn restore_endings(original: &str, edited: &str) -> String {
    if !original.contains('\r') {
        return edited.to_owned();
    }
    let segments = segments(original);
    let normalized: String = segments
        .iter()
        .map(|(content, ending)| if ending.is_empty() { content.to_string() } else { format!("{content}\n") })
        .collect();
    let newline = Document::parse(original).line_ending();
    let newline = if newline == LineEnding::None { "\n" } else { newline.as_str() };
    let mut out = String::with_capacity(edited.len() + edited.len() / 20);
    for line in line_diff(&normalized, edited) {
        match line.change {
            LineChange::Same => {
                let (content, ending) = line.old_line.and_then(|n| segments.get(n - 1)).copied().unwrap_or(("", ""));
                out.push_str(content);
                out.push_str(ending);
            }
            LineChange::Added => match line.text.strip_suffix('\n') {
                Some(content) => {
                    out.push_str(content);
                    out.push_str(newline);
                }
                None => out.push_str(&line.text),
            },
            LineChange::Removed => {}
        }
    }
    out
}

/// The lines of `text` split after `\r\n`, `\n` or a lone `\r`, as (content, ending).
fn segments(text: &str) -> Vec<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut segments = Vec::new();
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\r' if bytes.get(index + 1) == Some(&b'\n') => {
                segments.push((&text[start..index], "\r\n"));
                index += 2;
                start = index;
            }
            b'\r' | b'\n' => {
                segments.push((&text[start..index], &text[index..index + 1]));
                index += 1;
                start = index;
            }
            _ => index += 1,
        }
    }
    if start < bytes.len() {
        segments.push((&text[start..], ""));
    }
    segments
}

/// The raw editor's working copy of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The version the edit started from: saving sends it as `If-Match`.
    pub version: Version,
    /// The file's exact text at that version.
    pub original: String,
    /// `original` as a textarea holds it (every line ending a `\n`).
    pristine: String,
    /// The text being edited, as the textarea holds it.
    pub text: String,
}

impl Draft {
    /// A fresh draft of the file `original` at `version`.
    pub fn new(version: Version, original: String) -> Draft {
        let pristine = normalize(&original);
        Draft { version, original, text: pristine.clone(), pristine }
    }

    /// Whether the text differs from the file.
    pub fn is_dirty(&self) -> bool {
        self.text != self.pristine
    }

    /// The text to save: the edit, with the endings of untouched lines kept.
    pub fn to_save(&self) -> String {
        restore_endings(&self.original, &self.text)
    }

    /// Whether Save is enabled, and if not, why.
    pub fn save_state(&self, lint: &Lint) -> SaveState {
        save_state(&self.original, &self.text, lint)
    }
}

/// Whether the editor's Save button is enabled, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveState {
    /// The text is the file's text.
    NoChanges,
    /// The text has this many errors.
    HasErrors(usize),
    /// It can be saved (after the diff preview).
    Ready,
}

/// The save rule: errors block a save, as they block it on the server.
pub fn save_state(base: &str, edited: &str, lint: &Lint) -> SaveState {
    if lint.errors > 0 {
        SaveState::HasErrors(lint.errors)
    } else if normalize(base) == edited {
        SaveState::NoChanges
    } else {
        SaveState::Ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::bindings::tests::test_catalog;

    #[test]
    fn lint_finds_the_servers_diagnostics_and_marks_each_offending_line_once() {
        let text = "amazon.nova-pro-v1:0=\nno equals\nopenai.gpt-9=nova pro\n";
        let lint = lint(text, Some(&test_catalog()));
        let found: Vec<(usize, &str)> = lint.diagnostics.iter().map(|d| (d.line, d.code.as_str())).collect();
        assert_eq!(found, [(2, "missing-equals"), (3, "unknown-model"), (3, "whitespace-in-value")]);
        assert_eq!(lint.errors, 2);
        assert_eq!(lint.line_count, 4);
        let marks: Vec<(usize, Severity, usize)> =
            lint.marks.iter().map(|m| (m.line, m.severity, m.text_width)).collect();
        assert_eq!(marks, [(2, Severity::Error, 9), (3, Severity::Error, 21)]);
        assert!(lint.marks[1].message.ends_with("(+1 more)"), "{}", lint.marks[1].message);
    }

    #[test]
    fn before_the_catalog_arrives_catalog_checks_are_left_out() {
        let lint = lint("openai.gpt-9=\n", None);
        assert!(lint.diagnostics.is_empty(), "{:?}", lint.diagnostics);
    }

    #[test]
    fn errors_block_saving_and_an_unchanged_text_has_nothing_to_save() {
        let catalog = test_catalog();
        let base = "amazon.nova-pro-v1:0=\r\n";
        let unchanged = normalize(base);
        assert_eq!(save_state(base, &unchanged, &lint(&unchanged, Some(&catalog))), SaveState::NoChanges);
        let broken = "amazon.nova-pro-v1:0=\nbroken\n";
        assert_eq!(save_state(base, broken, &lint(broken, Some(&catalog))), SaveState::HasErrors(1));
        let fine = "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";
        assert_eq!(save_state(base, fine, &lint(fine, Some(&catalog))), SaveState::Ready);
    }

    #[test]
    fn untouched_lines_keep_their_endings_and_new_lines_get_the_files_own() {
        let original = "a.b=\r\nc.d=\r\nodd\rlast";
        let edited = "a.b=\nnew.line=\nc.d=x\nodd\nlast";
        assert_eq!(restore_endings(original, edited), "a.b=\r\nnew.line=\r\nc.d=x\r\nodd\rlast");
        assert_eq!(restore_endings(original, &normalize(original)), original);
        assert_eq!(restore_endings("a\nb\n", "a\nb\nc\n"), "a\nb\nc\n", "LF files are left alone");
    }

    #[test]
    fn a_draft_is_dirty_only_when_the_text_differs_and_saves_with_the_files_endings() {
        let mut draft = Draft::new(Version::from_token("v1"), "a.b=\r\n".to_owned());
        assert_eq!(draft.text, "a.b=\n");
        assert!(!draft.is_dirty());
        draft.text.push_str("c.d=\n");
        assert!(draft.is_dirty());
        assert_eq!(draft.to_save(), "a.b=\r\nc.d=\r\n");
    }

    #[test]
    fn a_selection_counts_utf16_units_and_skips_the_bom() {
        let text = "\u{feff}a.b=\nkéy x=1\n";
        let lint = lint(text, None);
        let diagnostic = lint.diagnostics.iter().find(|d| d.line == 2).expect("whitespace in key");
        assert_eq!((diagnostic.column, diagnostic.end_column), (4, 5));
        // Line 2 starts after BOM (1) + "a.b=" (4) + "\n" (1) = 6.
        assert_eq!(selection(text, diagnostic), (9, 10));
    }

    #[test]
    fn tabs_widen_to_the_next_stop_of_four() {
        assert_eq!(text_width("\tab"), 6);
        assert_eq!(text_width("ab\tc"), 5);
        assert_eq!(line_numbers(3), "1\n2\n3");
    }
}
