//! Parse, bind or unbind, parse again: every line the edit does not target keeps its bytes
//! and its ending, and TPipe's resolution changes for the edited model only. Fuzz target
//! `edit`.
//!
//! The input is one operation byte, then `KEY`, a NUL, `VALUE`, a NUL and the file's text.
//! Bit 0 of the operation picks bind (0) or unbind (1). An empty `KEY` names one of the text's
//! own keys, the `(op >> 1)`-th binding line's, so rebinding an existing line is found as easily
//! as appending a new one. A bind needs a valid model id and value; other inputs are skipped.

use bedrock_binder_shared::document::{EditOutcome, LineEnding, LineKind};
use bedrock_binder_shared::{Document, ModelId, ProfileRef};

/// One line as the property compares it: its bytes and its ending.
type RawLine = (String, LineEnding);

fn raw_lines(document: &Document) -> Vec<RawLine> {
    document.lines().map(|line| (line.content.to_owned(), line.ending)).collect()
}

/// Checks the property for one input; panics where it does not hold.
pub(crate) fn check(data: &[u8]) {
    let Some((&op, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(3, |&b| b == 0);
    let (Some(key), Some(value), Some(text)) = (parts.next(), parts.next(), parts.next()) else { return };
    let (Ok(key), Ok(value), Ok(text)) =
        (std::str::from_utf8(key), std::str::from_utf8(value), std::str::from_utf8(text))
    else {
        return;
    };
    let before = Document::parse(text);
    let key = if key.is_empty() {
        let keys: Vec<&str> = before.bindings().filter_map(|line| line.key()).collect();
        match keys.get(usize::from(op >> 1) % keys.len().max(1)) {
            Some(key) => *key,
            None => return,
        }
    } else {
        key
    };
    if op & 1 == 0 {
        let (Ok(model), Ok(profile)) = (key.parse::<ModelId>(), value.parse::<ProfileRef>()) else { return };
        check_bind(&before, &model, &profile);
    } else {
        check_unbind(&before, key);
    }
}

/// The edited document is what a fresh parse of its own text gives.
fn reparse(edited: &Document) -> Document {
    let reparsed = Document::parse(&edited.to_string());
    assert_eq!(&reparsed, edited, "the edited document is not what its text parses to");
    reparsed
}

/// Every key but `edited` resolves as before.
fn other_keys_resolve_as_before(before: &Document, after: &Document, edited: &str) {
    for resolved in before.resolve().into_iter().filter(|resolved| resolved.key != edited) {
        let now = after.get(resolved.key).map(|now| now.value);
        assert_eq!(now, Some(resolved.value), "the edit of `{edited}` changed what `{}` resolves to", resolved.key);
    }
}

fn check_bind(before: &Document, model: &ModelId, profile: &ProfileRef) {
    let mut edited = before.clone();
    let outcome = edited.bind(model, profile);
    let after = reparse(&edited);
    let (old, new) = (raw_lines(before), raw_lines(&after));
    assert_eq!(after.has_bom(), before.has_bom());
    match outcome {
        EditOutcome::Unchanged { line } => {
            assert_eq!(after.as_str(), before.as_str(), "an unchanged binding changed the text");
            assert_eq!(before.get(model.as_str()).map(|resolved| resolved.line), Some(line));
        }
        EditOutcome::Rebound { line } => {
            assert_eq!(new.len(), old.len(), "a rebind changed the number of lines");
            for (index, (was, is)) in old.iter().zip(&new).enumerate() {
                if index + 1 != line {
                    assert_eq!(was, is, "rebinding line {line} changed line {}", index + 1);
                }
            }
            // The rebound line's bytes are its old ones with the value replaced, and nothing
            // else. (Its ending may read differently: emptying `= \r1` before `\n` leaves `\r\n`.)
            let (was, is) = (before.line(line).expect("the rebound line"), after.line(line).expect("the rebound line"));
            let LineKind::Binding { value: span, .. } = was.kind else { panic!("line {line} was not a binding") };
            let expected =
                format!("{}{profile}{}{}", &was.content[..span.start], &was.content[span.end..], was.ending.as_str());
            assert_eq!(
                format!("{}{}", is.content, is.ending.as_str()),
                expected,
                "line {line} was not rebound in place"
            );
        }
        EditOutcome::Appended { line } => {
            assert_eq!((line, new.len()), (old.len() + 1, old.len() + 1), "an append is not one new last line");
            for (index, (was, is)) in old.iter().zip(&new).enumerate() {
                assert_eq!(was.0, is.0, "appending changed the bytes of line {}", index + 1);
                // Only a missing final newline may be added, to make room for the new line.
                assert!(
                    was.1 == is.1 || was.1 == LineEnding::None,
                    "appending changed the ending of line {}",
                    index + 1
                );
            }
        }
    }
    let resolved = after.get(model.as_str()).map(|resolved| resolved.value);
    assert_eq!(resolved, Some(profile.to_string().as_str()), "after the bind, TPipe reads another value");
    other_keys_resolve_as_before(before, &after, model.as_str());
}

fn check_unbind(before: &Document, key: &str) {
    let mut edited = before.clone();
    let removed = edited.unbind(key);
    let after = reparse(&edited);
    let kept: Vec<RawLine> = before
        .lines()
        .filter(|line| line.key() != Some(key))
        .map(|line| (line.content.to_owned(), line.ending))
        .collect();
    assert_eq!(raw_lines(&after), kept, "unbinding `{key}` changed a line it does not bind");
    assert_eq!(removed, before.line_count() - kept.len(), "unbind miscounted the lines it removed");
    assert!(after.get(key).is_none(), "`{key}` is still bound after its unbind");
    other_keys_resolve_as_before(before, &after, key);
}
