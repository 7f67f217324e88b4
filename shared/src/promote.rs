//! Comparing and promoting between two binding files (environments): [`binding_diff`] says
//! what differs binding by binding, and [`promote`] copies chosen bindings from one file into
//! another as an ordinary edit of the target.
//!
//! Both read a file as TPipe does ([`Document::resolve`]: the last line of a key wins), so a
//! difference hidden behind a duplicate line is no difference, and one in the winning line is.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::binding::Binding;
use crate::document::Document;

/// One binding that differs between two files, with both values (`None`: not bound there; an
/// empty value: bound to be called directly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BindingChange {
    /// The key.
    pub model: String,
    /// Its value in the first file (`from`), if bound there.
    pub from: Option<String>,
    /// Its value in the second file (`to`), if bound there.
    pub to: Option<String>,
}

impl BindingChange {
    /// Bound only in the second file.
    pub fn is_added(&self) -> bool {
        self.from.is_none() && self.to.is_some()
    }

    /// Bound only in the first file.
    pub fn is_removed(&self) -> bool {
        self.from.is_some() && self.to.is_none()
    }
}

/// The bindings that differ from `from` to `to`, sorted by key: added, removed and changed
/// alike, each with both values.
pub fn binding_diff(from: &Document, to: &Document) -> Vec<BindingChange> {
    let mut keys: BTreeMap<&str, (Option<&str>, Option<&str>)> = BTreeMap::new();
    for resolved in from.resolve() {
        keys.entry(resolved.key).or_default().0 = Some(resolved.value);
    }
    for resolved in to.resolve() {
        keys.entry(resolved.key).or_default().1 = Some(resolved.value);
    }
    keys.into_iter()
        .filter(|(_, (from, to))| from != to)
        .map(|(model, (from, to))| BindingChange {
            model: model.to_owned(),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        })
        .collect()
}

/// What a promote would write, and why some chosen keys are not part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotePlan {
    /// The target's new text: its own bytes with only the promoted lines changed or appended.
    pub text: String,
    /// The bindings the promote changes in the target (`from`: the target's value before,
    /// `to`: the source's value).
    pub changes: Vec<BindingChange>,
    /// Chosen keys that are not promoted, with the reason.
    pub skipped: Vec<(String, String)>,
}

/// Copies the source's bindings of `models` (every binding of the source when `None`) into
/// the target. The target is edited as any bind edits it ([`Document::bind`]): a key it binds
/// already has its winning line's value rewritten, a new key is appended in the target's own
/// line-ending style, and every other byte (comments, order, other bindings) stays. A key the
/// target binds but the source does not is left alone: a promote copies, it never removes.
///
/// A source line that is not a valid binding (a malformed key or value) is skipped with its
/// reason rather than copied into the target.
pub fn promote(source: &Document, target: &Document, models: Option<&[&str]>) -> PromotePlan {
    let resolved = source.resolve();
    let mut chosen: Vec<(&str, Option<&str>)> = match models {
        None => resolved.iter().map(|r| (r.key, Some(r.value))).collect(),
        Some(models) => {
            models.iter().map(|model| (*model, resolved.iter().find(|r| r.key == *model).map(|r| r.value))).collect()
        }
    };
    chosen.dedup_by_key(|(model, _)| *model);
    let mut edited = Document::parse(target.as_str());
    let mut changes = Vec::new();
    let mut skipped = Vec::new();
    for (model, value) in chosen {
        let Some(value) = value else {
            skipped.push((model.to_owned(), "it is not bound in the source".to_owned()));
            continue;
        };
        let binding = match Binding::parse(model, Some(value)) {
            Ok(binding) => binding,
            Err(invalid) => {
                skipped.push((model.to_owned(), format!("the source's line is not valid: {invalid}")));
                continue;
            }
        };
        let before = edited.get(model).map(|r| r.value.to_owned());
        if before.as_deref() == Some(value) {
            continue;
        }
        edited.bind(&binding.model, &binding.profile);
        changes.push(BindingChange { model: model.to_owned(), from: before, to: Some(value.to_owned()) });
    }
    PromotePlan { text: edited.as_str().to_owned(), changes, skipped }
}

/// Makes `changes` (a [`binding_diff`]) again on `target`: each added or changed binding is
/// bound to its new value and each removed one unbound, as a bind or an unbind edits a file;
/// every other byte stays. How a change request made against an older version is rebased.
/// The plan's `changes` are those that differ from `target` (one it already has is dropped);
/// a binding whose new line would not be valid is skipped with its reason.
pub fn reapply(changes: &[BindingChange], target: &Document) -> PromotePlan {
    let mut edited = Document::parse(target.as_str());
    let mut applied = Vec::new();
    let mut skipped = Vec::new();
    for change in changes {
        let before = edited.get(&change.model).map(|r| r.value.to_owned());
        if before == change.to {
            continue;
        }
        match &change.to {
            Some(value) => match Binding::parse(&change.model, Some(value)) {
                Ok(binding) => {
                    edited.bind(&binding.model, &binding.profile);
                }
                Err(invalid) => {
                    skipped.push((change.model.clone(), format!("its new line is not valid: {invalid}")));
                    continue;
                }
            },
            None => {
                edited.unbind(&change.model);
            }
        }
        applied.push(BindingChange { model: change.model.clone(), from: before, to: change.to.clone() });
    }
    PromotePlan { text: edited.as_str().to_owned(), changes: applied, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEV: &str = "# dev: direct or the dev account's profiles\n\
                       amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n\
                       amazon.nova-lite-v1:0=\n\
                       anthropic.claude-sonnet-4-5-20250929-v1:0=global.anthropic.claude-sonnet-4-5-20250929-v1:0\n";

    const PROD: &str = "# prod: keep this comment\r\n\
                        amazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\r\n\
                        \r\n\
                        # Titan stays as it is\r\n\
                        amazon.titan-text-express-v1=\r\n";

    fn doc(text: &str) -> Document {
        Document::parse(text)
    }

    #[test]
    fn the_binding_diff_lists_added_removed_and_changed_bindings_with_both_values() {
        let diff = binding_diff(&doc(DEV), &doc(PROD));
        let summary: Vec<(&str, Option<&str>, Option<&str>)> =
            diff.iter().map(|c| (c.model.as_str(), c.from.as_deref(), c.to.as_deref())).collect();
        assert_eq!(
            summary,
            vec![
                ("amazon.nova-lite-v1:0", Some(""), Some("us.amazon.nova-lite-v1:0")),
                ("amazon.nova-pro-v1:0", Some("us.amazon.nova-pro-v1:0"), None),
                ("amazon.titan-text-express-v1", None, Some("")),
                (
                    "anthropic.claude-sonnet-4-5-20250929-v1:0",
                    Some("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
                    None
                ),
            ]
        );
        assert!(diff[2].is_added() && diff[1].is_removed());
    }

    #[test]
    fn a_difference_hidden_behind_a_later_duplicate_is_no_difference() {
        let shadowed = "amazon.nova-pro-v1:0=eu.amazon.nova-pro-v1:0\namazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";
        let plain = "amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n";
        assert_eq!(binding_diff(&doc(shadowed), &doc(plain)), vec![]);
    }

    #[test]
    fn promoting_two_bindings_changes_only_those_lines_and_keeps_the_targets_comments_and_order() {
        let plan = promote(
            &doc(DEV),
            &doc(PROD),
            Some(&["amazon.nova-lite-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"]),
        );
        assert_eq!(
            plan.text,
            "# prod: keep this comment\r\n\
             amazon.nova-lite-v1:0=\r\n\
             \r\n\
             # Titan stays as it is\r\n\
             amazon.titan-text-express-v1=\r\n\
             anthropic.claude-sonnet-4-5-20250929-v1:0=global.anthropic.claude-sonnet-4-5-20250929-v1:0\r\n",
            "the rebound line in place, the new one appended in the target's CRLF"
        );
        assert_eq!(plan.changes.len(), 2);
        assert_eq!(plan.changes[0].from.as_deref(), Some("us.amazon.nova-lite-v1:0"));
        assert!(plan.changes[1].is_added());
        assert!(plan.skipped.is_empty());
    }

    #[test]
    fn promoting_everything_copies_the_sources_bindings_and_never_removes_the_targets() {
        let plan = promote(&doc(DEV), &doc(PROD), None);
        let after = doc(&plan.text);
        assert_eq!(after.get("amazon.titan-text-express-v1").map(|r| r.value), Some(""), "kept");
        assert_eq!(after.get("amazon.nova-pro-v1:0").map(|r| r.value), Some("us.amazon.nova-pro-v1:0"));
        assert!(binding_diff(&doc(DEV), &after).iter().all(|change| change.from.is_none()), "only additions left");
        assert!(plan.text.starts_with("# prod: keep this comment\r\n"));
    }

    #[test]
    fn a_key_the_source_does_not_bind_or_binds_badly_is_skipped_with_its_reason() {
        let source = doc("amazon.nova-pro-v1:0=arn:aws:bedrock:us-east-1:12345:inference-profile/x\n");
        let plan = promote(&source, &doc(PROD), Some(&["amazon.nova-pro-v1:0", "amazon.nova-micro-v1:0"]));
        assert_eq!(plan.text, PROD, "nothing written");
        assert_eq!(plan.skipped.len(), 2);
        assert!(plan.skipped[0].1.contains("not valid"), "{:?}", plan.skipped);
        assert!(plan.skipped[1].1.contains("not bound in the source"), "{:?}", plan.skipped);
    }

    #[test]
    fn promoting_a_binding_the_target_already_has_changes_nothing() {
        let same = "amazon.nova-lite-v1:0=us.amazon.nova-lite-v1:0\n";
        let plan = promote(&doc(same), &doc(PROD), None);
        assert_eq!((plan.text.as_str(), plan.changes.len()), (PROD, 0));
    }

    #[test]
    fn reapplying_a_diff_on_a_moved_file_keeps_its_other_lines_and_drops_what_it_has() {
        let base = doc("# base\na.x=us.a.x\nb.y=\n");
        let proposed = doc("# base\na.x=eu.a.x\nc.z=us.c.z\n");
        let moved = doc("# moved on\r\nb.y=\r\nc.z=us.c.z\r\nd.w=\r\n");
        let plan = reapply(&binding_diff(&base, &proposed), &moved);
        assert_eq!(plan.text, "# moved on\r\nc.z=us.c.z\r\nd.w=\r\na.x=eu.a.x\r\n");
        let applied: Vec<(&str, Option<&str>, Option<&str>)> =
            plan.changes.iter().map(|c| (c.model.as_str(), c.from.as_deref(), c.to.as_deref())).collect();
        assert_eq!(applied, vec![("a.x", None, Some("eu.a.x")), ("b.y", Some(""), None)]);
        assert!(plan.skipped.is_empty());
    }
}
