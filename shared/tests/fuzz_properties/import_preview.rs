//! The import preview (`POST /api/v1/import/preview`) of any text against any file: its line
//! diff rebuilds both texts with both sides' line numbers in order and keeps as many lines as
//! can be kept; its diagnostics sit on real lines and characters, in line order; `has_errors`
//! says whether any is an error; and the answer reads back from its JSON. Fuzz target
//! `import_preview`; the input is the current file, a NUL, then the imported text (without a
//! NUL, all of it is the imported text and the file is empty).
//!
//! The server's handler (backend `server/transfer.rs`) is these same shared calls around a
//! read of the current file, which is why the preview is built here as the handler builds it.

use bedrock_binder_shared::api::ImportPreview;
use bedrock_binder_shared::diagnostic::Severity;
use bedrock_binder_shared::diff::{DiffLine, LineChange, has_changes, line_diff};
use bedrock_binder_shared::validate::{has_errors, validate};
use bedrock_binder_shared::{Catalog, Document, Version};

/// Above this many cells the LCS oracle below would slow the fuzzer; the diff is then only
/// checked for rebuilding both texts.
const ORACLE_CELLS: usize = 20_000;

/// Checks the property for one input; panics where it does not hold.
pub(crate) fn check(data: &[u8]) {
    let (old, new) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    let (Ok(old), Ok(new)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else { return };
    let document = Document::parse(new);
    let diagnostics = validate(&document, Catalog::embedded());
    let preview = ImportPreview {
        version: Version::from_token("0123456789abcdef"),
        diff: line_diff(old, new),
        has_errors: has_errors(&diagnostics),
        diagnostics,
    };

    check_diff(old, new, &preview.diff);
    for diagnostic in &preview.diagnostics {
        let line = document.line(diagnostic.line).expect("a diagnostic names a line of the text");
        let width = line.content.chars().count();
        assert!(
            1 <= diagnostic.column && diagnostic.column <= diagnostic.end_column && diagnostic.end_column <= width + 1,
            "{diagnostic:?} is not within line {} ({width} characters)",
            line.number
        );
        assert_eq!(diagnostic.severity, diagnostic.code.severity());
        let _ = diagnostic.render(line.content);
    }
    assert!(preview.diagnostics.is_sorted_by_key(|diagnostic| diagnostic.line), "diagnostics out of line order");
    assert_eq!(preview.has_errors, preview.diagnostics.iter().any(|d| d.severity == Severity::Error));

    let json = serde_json::to_string(&preview).expect("a preview serialises");
    let read: ImportPreview = serde_json::from_str(&json).expect("a preview reads back from its JSON");
    assert_eq!(read, preview, "the preview changed on its way through JSON");
}

fn check_diff(old: &str, new: &str, diff: &[DiffLine]) {
    let (mut rebuilt_old, mut rebuilt_new) = (String::new(), String::new());
    let (mut old_number, mut new_number) = (0, 0);
    for line in diff {
        let (in_old, in_new) = match line.change {
            LineChange::Same => (true, true),
            LineChange::Removed => (true, false),
            LineChange::Added => (false, true),
        };
        if in_old {
            old_number += 1;
            rebuilt_old.push_str(&line.text);
        }
        if in_new {
            new_number += 1;
            rebuilt_new.push_str(&line.text);
        }
        let expected = (in_old.then_some(old_number), in_new.then_some(new_number));
        assert_eq!((line.old_line, line.new_line), expected, "{line:?} is numbered out of order");
        let body = line.text.strip_suffix('\n').unwrap_or(&line.text);
        assert!(!line.text.is_empty() && !body.contains('\n'), "{line:?} is not one line");
    }
    assert_eq!(rebuilt_old, old, "the diff's old side is not the file");
    assert_eq!(rebuilt_new, new, "the diff's new side is not the imported text");
    assert_eq!(has_changes(diff), old != new);

    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    if old_lines.len().saturating_mul(new_lines.len()) <= ORACLE_CELLS {
        let kept = diff.iter().filter(|line| line.change == LineChange::Same).count();
        assert_eq!(
            kept,
            longest_common_subsequence(&old_lines, &new_lines),
            "the diff keeps fewer lines than it could"
        );
    }
}

/// The length of the longest common subsequence, by the textbook recurrence: the oracle for
/// the diff keeping every line it can.
fn longest_common_subsequence(a: &[&str], b: &[&str]) -> usize {
    let mut previous = vec![0; b.len() + 1];
    for x in a {
        let mut current = vec![0; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            current[j + 1] = if x == y { previous[j] + 1 } else { previous[j + 1].max(current[j]) };
        }
        previous = current;
    }
    previous[b.len()]
}
