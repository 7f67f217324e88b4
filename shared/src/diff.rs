//! A line diff between two texts, for the import and save previews.
//!
//! Bindings files are small and edits are local, so the common prefix and suffix are
//! stripped first and the middle is aligned by a longest-common-subsequence table. A middle
//! too large for that table is shown as a plain replacement rather than spending seconds.

use serde::{Deserialize, Serialize};

/// What happened to one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineChange {
    /// In both texts.
    Same,
    /// Only in the old text.
    Removed,
    /// Only in the new text.
    Added,
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    /// Same, removed or added.
    pub change: LineChange,
    /// 1-based line number in the old text, for same and removed lines.
    #[serde(default)]
    pub old_line: Option<usize>,
    /// 1-based line number in the new text, for same and added lines.
    #[serde(default)]
    pub new_line: Option<usize>,
    /// The line, with its ending.
    pub text: String,
}

/// Cells of the alignment table above which the middle is shown as a replacement.
const MAX_TABLE: usize = 4_000_000;

/// The line diff that turns `old` into `new`. Lines keep their endings, so a changed line
/// ending shows as a change.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let old: Vec<&str> = old.split_inclusive('\n').collect();
    let new: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..].iter().rev().zip(new[prefix..].iter().rev()).take_while(|(a, b)| a == b).count();
    let old_middle = &old[prefix..old.len() - suffix];
    let new_middle = &new[prefix..new.len() - suffix];

    let mut diff = Vec::with_capacity(old.len().max(new.len()));
    let same = |diff: &mut Vec<DiffLine>, i: usize, j: usize, text: &str| {
        diff.push(DiffLine {
            change: LineChange::Same,
            old_line: Some(i + 1),
            new_line: Some(j + 1),
            text: text.to_owned(),
        });
    };
    for (i, text) in old[..prefix].iter().enumerate() {
        same(&mut diff, i, i, text);
    }
    for step in align(old_middle, new_middle) {
        match step {
            Step::Same(i, j) => same(&mut diff, prefix + i, prefix + j, old_middle[i]),
            Step::Removed(i) => diff.push(DiffLine {
                change: LineChange::Removed,
                old_line: Some(prefix + i + 1),
                new_line: None,
                text: old_middle[i].to_owned(),
            }),
            Step::Added(j) => diff.push(DiffLine {
                change: LineChange::Added,
                old_line: None,
                new_line: Some(prefix + j + 1),
                text: new_middle[j].to_owned(),
            }),
        }
    }
    for k in 0..suffix {
        let i = old.len() - suffix + k;
        let j = new.len() - suffix + k;
        same(&mut diff, i, j, old[i]);
    }
    diff
}

/// Whether a diff changes anything.
pub fn has_changes(diff: &[DiffLine]) -> bool {
    diff.iter().any(|line| line.change != LineChange::Same)
}

enum Step {
    Same(usize, usize),
    Removed(usize),
    Added(usize),
}

fn align(old: &[&str], new: &[&str]) -> Vec<Step> {
    let (n, m) = (old.len(), new.len());
    if n.saturating_mul(m) > MAX_TABLE {
        return (0..n).map(Step::Removed).chain((0..m).map(Step::Added)).collect();
    }
    // lcs[i][j]: the longest common subsequence of old[i..] and new[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] =
                if old[i] == new[j] { lcs[at(i + 1, j + 1)] + 1 } else { lcs[at(i + 1, j)].max(lcs[at(i, j + 1)]) };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut steps = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            steps.push(Step::Same(i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            // Removals before additions, as `diff -u` shows a changed line.
            steps.push(Step::Removed(i));
            i += 1;
        } else {
            steps.push(Step::Added(j));
            j += 1;
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(old: &str, new: &str) -> Vec<(LineChange, String)> {
        line_diff(old, new).into_iter().map(|line| (line.change, line.text)).collect()
    }

    #[test]
    fn identical_texts_have_no_changes() {
        assert!(!has_changes(&line_diff("a\nb\n", "a\nb\n")));
    }

    #[test]
    fn a_changed_line_is_a_removal_and_an_addition_in_place() {
        assert_eq!(
            changes("a\nb\nc\n", "a\nB\nc\n"),
            vec![
                (LineChange::Same, "a\n".into()),
                (LineChange::Removed, "b\n".into()),
                (LineChange::Added, "B\n".into()),
                (LineChange::Same, "c\n".into()),
            ]
        );
    }

    #[test]
    fn line_numbers_follow_each_side() {
        let diff = line_diff("x\ny\n", "new\nx\ny\n");
        assert_eq!(diff[0].new_line, Some(1));
        assert_eq!(diff[0].old_line, None);
        assert_eq!((diff[2].old_line, diff[2].new_line), (Some(2), Some(3)));
    }

    #[test]
    fn a_changed_line_ending_is_a_change() {
        assert!(has_changes(&line_diff("a\n", "a\r\n")));
    }
}
