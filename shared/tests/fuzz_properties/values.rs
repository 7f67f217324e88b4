//! The model-id, ARN, profile (binding value) and region parsers never panic, their quick
//! checks agree with their constructors, what they accept prints back as it was written, model
//! ids are exactly AWS's pattern, and the validator flags a key or value exactly when the parser
//! refuses it, with the same code and words as a bind request gets. Fuzz target `values`; the
//! input is the text of one key or value.

use std::ops::Range;

use bedrock_binder_shared::binding::BindingField;
use bedrock_binder_shared::diagnostic::Code;
use bedrock_binder_shared::model_id::MODEL_ID_MAX_LEN;
use bedrock_binder_shared::validate::validate;
use bedrock_binder_shared::{Arn, Binding, Catalog, Document, ModelId, ProfileRef, Region};

/// A key the embedded catalog knows, so a value line gets no diagnostic but its own.
const KNOWN_MODEL: &str = "amazon.nova-pro-v1:0";

/// Checks the property for one input; panics where it does not hold.
pub(crate) fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    check_model_id(text);
    check_arn(text);
    check_profile_ref(text);
    check_region(text);
    value_diagnostics_agree(text);
    key_diagnostics_agree(text);
}

#[track_caller]
fn assert_span_within(text: &str, span: &Range<usize>) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "the error span {span:?} is not within the {} bytes of {text:?}",
        text.len()
    );
    assert!(text.is_char_boundary(span.start) && text.is_char_boundary(span.end), "{span:?} splits a character");
}

/// AWS's pattern, written out independently of `model_id.rs`: a base id is
/// `[a-z0-9-]{1,63}` segments, two to four joined by `.`, then up to two `:` suffixes; a system
/// profile id is `[a-z-]{2,8}.` in front of one; at most 2048 bytes in all.
fn matches_aws_pattern(text: &str) -> bool {
    fn segment(part: &str) -> bool {
        (1..=63).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    }
    fn base(id: &str) -> bool {
        let mut pieces = id.split(':');
        let head = pieces.next().unwrap_or_default();
        let suffixes: Vec<&str> = pieces.collect();
        let dotted: Vec<&str> = head.split('.').collect();
        (2..=4).contains(&dotted.len())
            && dotted.iter().all(|part| segment(part))
            && suffixes.len() <= 2
            && suffixes.iter().all(|part| segment(part))
    }
    let geo =
        |prefix: &str| (2..=8).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    text.len() <= MODEL_ID_MAX_LEN
        && (base(text) || text.split_once('.').is_some_and(|(prefix, rest)| geo(prefix) && base(rest)))
}

fn check_model_id(text: &str) {
    let checked = ModelId::check(text);
    let parsed = text.parse::<ModelId>();
    assert_eq!(checked.clone().err(), parsed.clone().err(), "ModelId::check and from_str disagree on {text:?}");
    assert_eq!(parsed.is_ok(), matches_aws_pattern(text), "ModelId and AWS's pattern disagree on {text:?}");
    // Borrowed helpers that hot paths call on checked and unchecked text alike.
    let _ = (ModelId::base_of(text), ModelId::unknown_geo_split(text));
    match parsed {
        Ok(id) => {
            assert_eq!(id.to_string(), text);
            let base = id.base();
            assert_eq!(base, ModelId::base_of(text));
            assert!(text.ends_with(base), "the base {base:?} is not the end of {text:?}");
            assert_eq!(id.geo_prefix().is_some(), base.len() < text.len(), "a prefix was dropped but not named");
            assert!(base.starts_with(id.provider()));
            assert!(base.parse::<ModelId>().is_ok(), "the base {base:?} of {text:?} is not a model id");
        }
        Err(error) => assert_span_within(text, &error.span),
    }
}

fn check_arn(text: &str) {
    let checked = Arn::check(text);
    let parsed = text.parse::<Arn>();
    match (checked, parsed) {
        (Ok(parts), Ok(arn)) => {
            assert_eq!(arn.to_string(), text, "an ARN does not print as written");
            assert_eq!(parts.partition, arn.partition());
            assert_eq!(parts.region, arn.region().as_str());
            assert_eq!(parts.account, arn.account());
            assert_eq!(parts.resource_type, arn.resource().type_name());
            assert_eq!(parts.resource_id, arn.resource().id());
            assert_eq!(parts.model(), arn.model());
        }
        (Err(checked), Err(parsed)) => {
            assert_eq!(checked, parsed, "Arn::check and from_str refuse {text:?} differently");
            assert_span_within(text, &parsed.span);
        }
        (checked, parsed) => panic!("Arn::check and from_str disagree on {text:?}: {checked:?} / {parsed:?}"),
    }
}

fn check_profile_ref(text: &str) {
    let checked = ProfileRef::check(text);
    let parsed = text.parse::<ProfileRef>();
    match (checked, parsed) {
        (Ok(checked), Ok(profile)) => {
            assert_eq!(profile.to_string(), text, "a value does not print as written");
            assert_eq!(checked.kind, profile.kind());
            assert_eq!(checked.model, profile.model());
            assert_eq!(matches!(profile, ProfileRef::Arn(_)), text.starts_with("arn:"));
            assert_eq!(profile == ProfileRef::Direct, text.is_empty());
        }
        (Err(checked), Err(parsed)) => {
            assert_eq!(checked, parsed, "ProfileRef::check and from_str refuse {text:?} differently");
            assert_eq!(parsed.code() == Code::MalformedArn, text.starts_with("arn:"));
            assert_span_within(text, &parsed.span);
        }
        (checked, parsed) => panic!("ProfileRef::check and from_str disagree on {text:?}: {checked:?} / {parsed:?}"),
    }
}

fn check_region(text: &str) {
    let parsed = text.parse::<Region>();
    assert_eq!(Region::is_valid(text), parsed.is_ok(), "Region::is_valid and from_str disagree on {text:?}");
    if let Ok(region) = parsed {
        assert_eq!(region.to_string(), text);
    }
}

/// As the value of a known model in a file, `text` gets a value error exactly when
/// [`ProfileRef`] refuses it, and (unless it is whitespace inside) the one a bind request gets.
fn value_diagnostics_agree(text: &str) {
    // The file trims the value and ends it at a newline: other texts cannot be a whole value.
    if text.contains('\n') || text.trim() != text {
        return;
    }
    let prefix = format!("{KNOWN_MODEL}=");
    let document = Document::parse(&format!("# a value\n{prefix}{text}\n"));
    let value_codes = [Code::MalformedArn, Code::MalformedProfileId, Code::WhitespaceInValue];
    let in_file: Vec<_> =
        validate(&document, Catalog::embedded()).into_iter().filter(|d| value_codes.contains(&d.code)).collect();
    let parsed = text.parse::<ProfileRef>();
    let requested = Binding::parse(KNOWN_MODEL, Some(text));
    assert_eq!(requested.is_ok(), parsed.is_ok(), "a bind request and the parser disagree on {text:?}");
    match (parsed, requested) {
        (Ok(_), _) => assert!(in_file.is_empty(), "the file flags the value {text:?} the parser accepts: {in_file:?}"),
        (Err(error), Err(invalid)) => {
            let [diagnostic] = in_file.as_slice() else {
                panic!("the value {text:?} that the parser refuses gets {} value diagnostics", in_file.len())
            };
            assert_eq!(invalid.field, BindingField::Profile);
            assert_eq!(invalid.diagnostic.code, error.code());
            if diagnostic.code != Code::WhitespaceInValue {
                let shift = prefix.chars().count();
                let request = &invalid.diagnostic;
                assert_eq!(
                    (diagnostic.code, &diagnostic.message, &diagnostic.help),
                    (request.code, &request.message, &request.help),
                    "the file and a bind request word the error in {text:?} differently"
                );
                assert_eq!(
                    (diagnostic.column, diagnostic.end_column),
                    (request.column + shift, request.end_column + shift),
                    "the file and a bind request place the error in {text:?} differently"
                );
            }
        }
        (Err(_), Ok(_)) => unreachable!("compared above"),
    }
}

/// As a key in a file, `text` gets a key error exactly when [`ModelId`] refuses it, and
/// (unless it is whitespace inside) the one a bind request gets.
fn key_diagnostics_agree(text: &str) {
    // What a file cannot hold as a whole key: a comment, an `=`, a newline, outer blanks.
    if text.is_empty() || text.trim() != text || text.contains(['\n', '=']) || text.starts_with('#') {
        return;
    }
    let document = Document::parse(&format!("# a key\n{text}=\n"));
    let key_codes = [Code::MalformedModelId, Code::WhitespaceInKey];
    let in_file: Vec<_> =
        validate(&document, Catalog::embedded()).into_iter().filter(|d| key_codes.contains(&d.code)).collect();
    let requested = Binding::parse(text, None);
    match (text.parse::<ModelId>(), requested) {
        (Ok(_), Ok(_)) => {
            assert!(in_file.is_empty(), "the file flags the key {text:?} the parser accepts: {in_file:?}")
        }
        (Err(_), Err(invalid)) => {
            let [diagnostic] = in_file.as_slice() else {
                panic!("the key {text:?} that the parser refuses gets {} key diagnostics", in_file.len())
            };
            assert_eq!(invalid.field, BindingField::Model);
            if diagnostic.code != Code::WhitespaceInKey {
                let request = &invalid.diagnostic;
                assert_eq!(
                    (diagnostic.code, &diagnostic.message, diagnostic.column, diagnostic.end_column),
                    (request.code, &request.message, request.column, request.end_column),
                    "the file and a bind request report the key {text:?} differently"
                );
            }
        }
        (parsed, requested) => {
            panic!("a bind request and the parser disagree on the key {text:?}: {parsed:?} / {requested:?}")
        }
    }
}
