//! Did-you-mean: the nearest known name to a mistyped one.

/// The edit distance (insertions, deletions, substitutions and adjacent swaps) between two
/// strings, counted in chars.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the optimal-string-alignment table are enough.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(before[j - 2] + 1);
            }
            current[j] = best;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The option nearest to `candidate`, if one is near enough to be what the user meant:
/// within a third of the candidate's length. Ties go to the earlier option.
pub fn closest<'a>(candidate: &str, options: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (candidate.chars().count() / 3).max(1);
    options
        .into_iter()
        .filter(|option| *option != candidate)
        .map(|option| (distance(candidate, option), option))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, option)| option)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_swaps() {
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("nova-pro", "nvoa-pro"), 1);
        assert_eq!(distance("same", "same"), 0);
    }

    #[test]
    fn a_missing_version_suffix_finds_the_full_id() {
        let options = ["anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-pro-v1:0"];
        assert_eq!(
            closest("anthropic.claude-3-haiku-20240307-v1", options),
            Some("anthropic.claude-3-haiku-20240307-v1:0")
        );
    }

    #[test]
    fn nothing_is_suggested_when_nothing_is_close() {
        assert_eq!(closest("openai.gpt-9", ["amazon.nova-pro-v1:0"]), None);
    }
}
