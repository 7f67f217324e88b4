//! Parse, then print: any text comes back byte for byte, and bytes that are not UTF-8 are
//! refused at the first bad byte. Fuzz target `roundtrip`; the input is the file's bytes.

use bedrock_binder_shared::Document;
use bedrock_binder_shared::document::LineEnding;

/// Checks the property for one input; panics where it does not hold.
pub(crate) fn check(data: &[u8]) {
    let (document, text) = match (Document::parse_bytes(data), std::str::from_utf8(data)) {
        (Ok(document), Ok(text)) => (document, text),
        (Err(error), Err(utf8)) => {
            assert_eq!(error.offset, utf8.valid_up_to(), "the wrong byte was named as the first that is not UTF-8");
            return;
        }
        (parsed, decoded) => panic!("parse_bytes and from_utf8 disagree: {parsed:?} / {decoded:?}"),
    };
    assert_eq!(document.to_string(), text, "printing the parse changed the text");
    assert_eq!(document.as_str(), text);

    // The lines, in order, are the whole text after the BOM: nothing dropped, nothing twice.
    let mut joined = String::with_capacity(text.len());
    let last = document.line_count();
    for (index, line) in document.lines().enumerate() {
        assert_eq!(line.number, index + 1);
        assert!(!line.content.contains('\n'), "line {} holds a newline", line.number);
        assert!(line.ending != LineEnding::None || line.number == last, "line {} lacks an ending", line.number);
        if let (Some(key), Some(value)) = (line.key(), line.value()) {
            assert!(!key.is_empty() && key == key.trim() && value == value.trim(), "line {}", line.number);
        }
        joined.push_str(line.content);
        joined.push_str(line.ending.as_str());
    }
    let body = if document.has_bom() { &text['\u{feff}'.len_utf8()..] } else { text };
    assert_eq!(joined, body, "the lines are not the text");
    assert_eq!(Document::parse(&document.to_string()), document, "a second parse differs from the first");
}
