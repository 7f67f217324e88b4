//! How a line diff is shown: changed lines with a little context, long unchanged runs folded,
//! and line-ending changes made visible (otherwise a CRLF→LF change looks like no change).

use bedrock_binder_shared::diff::{DiffLine, LineChange};

/// One row of a shown diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffRow {
    /// A line.
    Line {
        /// Same, removed or added.
        change: LineChange,
        /// Its number in the old text.
        old: Option<usize>,
        /// Its number in the new text.
        new: Option<usize>,
        /// The line without its ending.
        text: String,
        /// `CRLF`, `CR` or `no newline` on a changed line, where the ending is not a plain `\n`.
        ending: Option<&'static str>,
    },
    /// This many unchanged lines, folded.
    Folded(usize),
}

/// How many lines were added and removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Lines only in the new text.
    pub added: usize,
    /// Lines only in the old text.
    pub removed: usize,
}

/// Counts the changes of a diff.
pub fn summary(diff: &[DiffLine]) -> Summary {
    diff.iter().fold(Summary::default(), |mut summary, line| {
        match line.change {
            LineChange::Added => summary.added += 1,
            LineChange::Removed => summary.removed += 1,
            LineChange::Same => {}
        }
        summary
    })
}

/// The rows to show: every changed line, `context` unchanged lines around each change, and
/// the other unchanged runs folded.
pub fn rows(diff: &[DiffLine], context: usize) -> Vec<DiffRow> {
    let changed: Vec<usize> =
        diff.iter().enumerate().filter(|(_, line)| line.change != LineChange::Same).map(|(i, _)| i).collect();
    let near_change = |index: usize| {
        let at = changed.partition_point(|&c| c < index.saturating_sub(context));
        changed.get(at).is_some_and(|&c| c <= index + context)
    };
    let mut rows = Vec::new();
    let mut folded = 0;
    for (index, line) in diff.iter().enumerate() {
        if line.change == LineChange::Same && !near_change(index) {
            folded += 1;
            continue;
        }
        if folded > 0 {
            rows.push(DiffRow::Folded(folded));
            folded = 0;
        }
        let (text, ending) = split_ending(&line.text);
        rows.push(DiffRow::Line {
            change: line.change,
            old: line.old_line,
            new: line.new_line,
            text: text.to_owned(),
            ending: if line.change == LineChange::Same { None } else { ending },
        });
    }
    if folded > 0 {
        rows.push(DiffRow::Folded(folded));
    }
    rows
}

fn split_ending(text: &str) -> (&str, Option<&'static str>) {
    if let Some(content) = text.strip_suffix("\r\n") {
        (content, Some("CRLF"))
    } else if let Some(content) = text.strip_suffix('\n') {
        (content, None)
    } else if let Some(content) = text.strip_suffix('\r') {
        (content, Some("CR"))
    } else {
        (text, Some("no newline"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_binder_shared::diff::line_diff;

    #[test]
    fn long_unchanged_runs_fold_around_the_changes() {
        let old: String = (1..=20).map(|n| format!("line{n}\n")).collect();
        let new = old.replace("line10\n", "LINE10\n");
        let diff = line_diff(&old, &new);
        let rows = rows(&diff, 2);
        assert_eq!(rows.first(), Some(&DiffRow::Folded(7)));
        assert_eq!(rows.last(), Some(&DiffRow::Folded(8)));
        assert_eq!(rows.len(), 1 + 2 + 2 + 2 + 1);
        assert_eq!(summary(&diff), Summary { added: 1, removed: 1 });
    }

    #[test]
    fn a_changed_line_ending_is_labelled() {
        let rows = rows(&line_diff("a\n", "a\r\n"), 3);
        let endings: Vec<Option<&str>> = rows
            .iter()
            .map(|row| match row {
                DiffRow::Line { ending, .. } => *ending,
                DiffRow::Folded(_) => None,
            })
            .collect();
        assert_eq!(endings, [None, Some("CRLF")]);
    }
}
