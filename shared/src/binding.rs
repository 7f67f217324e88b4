//! [`Binding`] and [`Unbinding`]: a request to bind or unbind a model, parsed once into typed
//! values (parse, don't validate).
//!
//! The server's bind route, the CLI's `bind`, the AWS routes that bind a profile and the
//! browser's profile picker all make one of these from the text they were given. Its error,
//! [`InvalidBinding`], carries the diagnostic the file itself would get for that text, so the
//! words and the code are the same wherever the value was typed.

use std::fmt;

use crate::diagnostic::{Code, Diagnostic};
use crate::model_id::ModelId;
use crate::profile_ref::ProfileRef;

/// A model and what to call it through; [`ProfileRef::Direct`] means "call it directly".
///
/// The profile is not an `Option`: [`ProfileRef::Direct`] already says "no profile", and a
/// second spelling of it would let two equal bindings compare unequal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Binding {
    /// The key.
    pub model: ModelId,
    /// The value.
    pub profile: ProfileRef,
}

/// Which field of a bind or unbind request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingField {
    /// The model id (the key).
    Model,
    /// The profile (the value).
    Profile,
}

impl BindingField {
    /// The field's name on the wire and on the command line: `model` or `profile`.
    pub fn as_str(self) -> &'static str {
        match self {
            BindingField::Model => "model",
            BindingField::Profile => "profile",
        }
    }
}

impl fmt::Display for BindingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a bind or unbind request was refused: the field, its (trimmed) text, and the diagnostic
/// over that text, located at the bad part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidBinding {
    /// The field that was refused.
    pub field: BindingField,
    /// The field's text, trimmed, as the diagnostic's spans index it.
    pub text: String,
    /// What is wrong, with the same code and words as in a file (line 1 is the field's text).
    pub diagnostic: Diagnostic,
}

impl fmt::Display for InvalidBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the `{}` field is not valid: {}", self.field, self.diagnostic.message)
    }
}

impl std::error::Error for InvalidBinding {}

impl InvalidBinding {
    fn new(field: BindingField, text: &str, code: Code, span: std::ops::Range<usize>, message: String) -> Self {
        InvalidBinding {
            field,
            text: text.to_owned(),
            diagnostic: Diagnostic::new(code, 1, text, span.start, span.end, message),
        }
    }
}

impl Binding {
    /// Parses a model id and a profile (absent or blank: direct), each trimmed as TPipe trims
    /// both sides of a line.
    pub fn parse(model: &str, profile: Option<&str>) -> Result<Binding, InvalidBinding> {
        let model_text = model.trim();
        let model: ModelId = model_text.parse().map_err(|error: crate::model_id::ModelIdError| {
            InvalidBinding::new(BindingField::Model, model_text, Code::MalformedModelId, error.span, error.message)
        })?;
        let profile_text = profile.unwrap_or_default().trim();
        let profile: ProfileRef = profile_text.parse().map_err(|error: crate::profile_ref::ProfileRefError| {
            let code = error.code();
            let mut invalid = InvalidBinding::new(BindingField::Profile, profile_text, code, error.span, error.message);
            invalid.diagnostic.help = error.help;
            invalid
        })?;
        Ok(Binding { model, profile })
    }
}

/// The key of the lines to remove. Any non-empty key can be unbound, even a malformed one:
/// removing a broken line is a way to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Unbinding {
    key: String,
}

impl Unbinding {
    /// Parses a key, trimmed; only an empty one is refused.
    pub fn parse(model: &str) -> Result<Unbinding, InvalidBinding> {
        let key = model.trim();
        if key.is_empty() {
            return Err(InvalidBinding::new(
                BindingField::Model,
                key,
                Code::MalformedModelId,
                0..0,
                "the model id is empty".to_owned(),
            ));
        }
        Ok(Unbinding { key: key.to_owned() })
    }

    /// The key, trimmed and non-empty.
    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_and_a_system_profile_are_parsed_with_both_sides_trimmed() {
        let binding = Binding::parse(" amazon.nova-pro-v1:0 ", Some(" us.amazon.nova-pro-v1:0\t")).unwrap();
        assert_eq!(binding.model.as_str(), "amazon.nova-pro-v1:0");
        assert_eq!(binding.profile.to_string(), "us.amazon.nova-pro-v1:0");
    }

    #[test]
    fn an_absent_or_blank_profile_means_direct() {
        for profile in [None, Some(""), Some("  ")] {
            assert_eq!(Binding::parse("amazon.nova-pro-v1:0", profile).unwrap().profile, ProfileRef::Direct);
        }
    }

    #[test]
    fn a_malformed_model_is_refused_with_the_files_code_on_the_model_field() {
        let error = Binding::parse("nova pro", None).unwrap_err();
        assert_eq!(error.field, BindingField::Model);
        assert_eq!(error.diagnostic.code, Code::MalformedModelId);
        assert_eq!(error.text, "nova pro");
    }

    #[test]
    fn a_malformed_arn_is_refused_at_the_bad_account_with_the_files_code() {
        let value = "arn:aws:bedrock:us-east-2:52136900492:inference-profile/us.amazon.nova-pro-v1:0";
        let error = Binding::parse("amazon.nova-pro-v1:0", Some(value)).unwrap_err();
        assert_eq!(error.field, BindingField::Profile);
        assert_eq!(error.diagnostic.code, Code::MalformedArn);
        assert_eq!(&value[error.diagnostic.column - 1..error.diagnostic.end_column - 1], "52136900492");
        assert!(error.to_string().starts_with("the `profile` field is not valid: "), "{error}");
    }

    #[test]
    fn an_empty_key_cannot_be_unbound_but_a_malformed_one_can() {
        assert_eq!(Unbinding::parse("  ").unwrap_err().diagnostic.code, Code::MalformedModelId);
        assert_eq!(Unbinding::parse(" not a model ").unwrap().key(), "not a model");
    }
}
