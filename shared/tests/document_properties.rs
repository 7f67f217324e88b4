//! Property tests of the document model: printing a parse gives back any input, and an edit
//! leaves every line it does not target byte-identical.

use bedrock_binder_shared::document::{EditOutcome, LineEnding};
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Catalog, Document, ModelId, ProfileRef};
use proptest::prelude::*;

/// Characters that exercise the parser's decisions, plus arbitrary ones.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(vec!['=', '#', '\n', '\r', ' ', '\t', '.', ':', '\u{feff}', 'a', 'm', 'x', '1']),
        1 => any::<char>(),
    ]
}

fn any_text() -> impl Strategy<Value = String> {
    prop::collection::vec(interesting_char(), 0..300).prop_map(|chars| chars.into_iter().collect())
}

const MODELS: [&str; 3] = ["m.a", "m.b", "m.c"];

/// Files made of plausible lines (bindings of a few keys, comments, blanks, junk) with mixed
/// endings and sometimes no final newline.
fn binding_file() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        (prop::sample::select(MODELS.to_vec()), "[ \t]{0,2}", "[a-z.:=]{0,8}", "[ \t]{0,2}")
            .prop_map(|(key, pad, value, tail)| format!("{pad}{key}{pad}={pad}{value}{tail}")),
        "#[ a-z=]{0,10}".prop_map(String::from),
        "[ \t]{0,3}".prop_map(String::from),
        "[a-z ]{1,8}".prop_map(String::from),
    ];
    let ending = prop::sample::select(vec!["\n", "\r\n"]);
    (prop::collection::vec((line, ending), 0..12), any::<bool>()).prop_map(|(lines, final_newline)| {
        let mut text: String = lines.iter().map(|(line, ending)| format!("{line}{ending}")).collect();
        if !final_newline && text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        text
    })
}

fn raw_lines(document: &Document) -> Vec<(String, LineEnding)> {
    document.lines().map(|line| (line.content.to_owned(), line.ending)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printing_a_parse_gives_back_any_text(text in any_text()) {
        let document = Document::parse(&text);
        prop_assert_eq!(document.to_string(), text);
    }

    #[test]
    fn validating_any_text_never_panics_and_stays_on_its_lines(text in any_text()) {
        let document = Document::parse(&text);
        for diagnostic in validate(&document, Catalog::embedded()) {
            let line = document.line(diagnostic.line).expect("a diagnostic names a real line");
            prop_assert!(diagnostic.column <= diagnostic.end_column);
            prop_assert!(diagnostic.end_column <= line.content.chars().count() + 1);
        }
    }

    #[test]
    fn binding_leaves_every_other_line_byte_identical(
        text in binding_file(),
        model in prop::sample::select(MODELS.to_vec()),
        value in prop::sample::select(vec!["", "us.m.a", "m.b"]),
    ) {
        let mut document = Document::parse(&text);
        let before = raw_lines(&document);
        let outcome = document.bind(&model.parse::<ModelId>().expect("model"), &value.parse::<ProfileRef>().expect("profile"));
        let after = raw_lines(&document);
        prop_assert_eq!(document.get(model).map(|resolved| resolved.value), Some(value));
        match outcome {
            EditOutcome::Unchanged { .. } => prop_assert_eq!(after, before),
            EditOutcome::Rebound { line } => {
                prop_assert_eq!(after.len(), before.len());
                for (index, (old, new)) in before.iter().zip(&after).enumerate() {
                    if index + 1 != line {
                        prop_assert_eq!(old, new);
                    }
                }
            }
            EditOutcome::Appended { line } => {
                prop_assert_eq!(line, before.len() + 1);
                prop_assert_eq!(after.len(), before.len() + 1);
                for (old, new) in before.iter().zip(&after) {
                    // Only a missing final newline may be added, to make room for the new line.
                    prop_assert_eq!(&old.0, &new.0);
                    prop_assert!(old.1 == new.1 || old.1 == LineEnding::None);
                }
            }
        }
    }

    #[test]
    fn unbinding_removes_only_that_models_lines(
        text in binding_file(),
        model in prop::sample::select(MODELS.to_vec()),
    ) {
        let mut document = Document::parse(&text);
        let kept: Vec<_> = document
            .lines()
            .filter(|line| line.key() != Some(model))
            .map(|line| (line.content.to_owned(), line.ending))
            .collect();
        document.unbind(model);
        prop_assert_eq!(raw_lines(&document), kept);
        prop_assert!(document.get(model).is_none());
    }
}
