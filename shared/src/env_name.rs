//! [`EnvName`]: the name of an environment (`default`, `staging`, `prod-eu`).
//!
//! An environment name becomes a directory name on the server and a key prefix on S3, and it
//! appears in URLs (`/api/v1/envs/{env}`), so it is held to a shape that is safe in all three:
//! lower-case ASCII letters, digits and `-`, 1 to 32 characters, not starting or ending with
//! `-`. In particular nothing that could walk out of the store (`..`, `/`, `\`) can be
//! expressed at all, so the storage layer never has to check for it.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

/// An environment name: lower-case ASCII letters, digits and `-`, 1 to [`EnvName::MAX_LEN`]
/// characters, with a letter or digit at both ends.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
// A `Cow` so that `EnvName::DEFAULT` can be a `const`; every parsed name is owned.
pub struct EnvName(Cow<'static, str>);

/// Why a text is not an environment name, with the byte range of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvNameError {
    /// A sentence saying what is wrong; it quotes the bad text.
    pub message: String,
    /// The offending bytes within the input.
    pub span: Range<usize>,
}

impl fmt::Display for EnvNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EnvNameError {}

fn error(message: String, span: Range<usize>) -> EnvNameError {
    EnvNameError { message, span }
}

impl EnvName {
    /// The longest name accepted, in characters (all of them ASCII, so also in bytes).
    pub const MAX_LEN: usize = 32;

    /// The environment every command uses when none is named, and the only one a single
    /// `--file` has.
    pub const DEFAULT: EnvName = EnvName(Cow::Borrowed("default"));

    /// Checks `text` without allocating; [`EnvName::from_str`] is this plus the copy.
    pub fn check(text: &str) -> Result<(), EnvNameError> {
        if text.is_empty() {
            return Err(error("the environment name is empty".to_owned(), 0..0));
        }
        // Characters first: `../prod` is better explained as a path than as a bad first `-`.
        if let Some(at) = text.find("..") {
            return Err(error(
                format!("environment name `{text}` contains `..`; an environment name cannot refer to a path"),
                at..at + 2,
            ));
        }
        if let Some((at, ch)) =
            text.char_indices().find(|&(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        {
            let why = match ch {
                '/' | '\\' => "; an environment name cannot refer to a path".to_owned(),
                c if c.is_ascii_uppercase() => {
                    format!(" (environment names are lower-case: `{}`)", text.to_ascii_lowercase())
                }
                c if c.is_whitespace() => " (use `-` between words)".to_owned(),
                _ => " (only lower-case letters, digits and `-` are allowed)".to_owned(),
            };
            let shown = if ch.is_whitespace() { format!("{ch:?}") } else { format!("`{ch}`") };
            return Err(error(
                format!("environment name `{text}` contains {shown} at byte {at}{why}"),
                at..at + ch.len_utf8(),
            ));
        }
        if text.starts_with('-') {
            return Err(error(format!("environment name `{text}` starts with `-`"), 0..1));
        }
        if text.ends_with('-') {
            return Err(error(format!("environment name `{text}` ends with `-`"), text.len() - 1..text.len()));
        }
        if text.len() > Self::MAX_LEN {
            return Err(error(
                format!("environment name `{text}` is {} characters long; the limit is {}", text.len(), Self::MAX_LEN),
                Self::MAX_LEN..text.len(),
            ));
        }
        Ok(())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for EnvName {
    fn default() -> Self {
        EnvName::DEFAULT
    }
}

impl FromStr for EnvName {
    type Err = EnvNameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EnvName::check(text)?;
        Ok(EnvName(Cow::Owned(text.to_owned())))
    }
}

impl<'de> serde::Deserialize<'de> for EnvName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for EnvName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for EnvName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(text: &str) -> EnvNameError {
        text.parse::<EnvName>().expect_err(text)
    }

    #[test]
    fn lower_case_letters_digits_and_inner_dashes_are_accepted() {
        for name in ["default", "prod", "staging-2", "eu-west-prod", "a", "0", &"x".repeat(32)] {
            let parsed: EnvName = name.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.as_str(), name);
            assert_eq!(parsed.to_string(), name);
        }
    }

    #[test]
    fn the_default_environment_is_named_default() {
        assert_eq!(EnvName::DEFAULT.as_str(), "default");
        assert_eq!(EnvName::default(), "default".parse::<EnvName>().expect("valid"));
    }

    #[test]
    fn an_empty_name_is_rejected() {
        assert_eq!(rejected("").message, "the environment name is empty");
    }

    #[test]
    fn a_name_over_thirty_two_characters_is_rejected_at_the_excess() {
        let text = "a".repeat(40);
        let error = rejected(&text);
        assert_eq!(error.span, 32..40);
        assert!(error.message.contains("40 characters long; the limit is 32"), "{}", error.message);
    }

    #[test]
    fn dot_dot_is_rejected_as_a_path() {
        let error = rejected("../x");
        assert_eq!(error.span, 0..2);
        assert!(error.message.contains("cannot refer to a path"), "{}", error.message);
        assert_eq!(rejected("a..b").span, 1..3);
    }

    #[test]
    fn slashes_and_backslashes_are_rejected_as_paths_where_they_are() {
        let error = rejected("prod/eu");
        assert_eq!(error.span, 4..5);
        assert!(
            error.message.contains("`/` at byte 4; an environment name cannot refer to a path"),
            "{}",
            error.message
        );
        assert_eq!(rejected("prod\\eu").span, 4..5);
    }

    #[test]
    fn upper_case_is_rejected_with_the_lower_case_spelling() {
        let error = rejected("Prod");
        assert_eq!(error.span, 0..1);
        assert!(error.message.contains("lower-case: `prod`"), "{}", error.message);
    }

    #[test]
    fn a_space_is_rejected_and_shown_visibly() {
        let error = rejected("my env");
        assert_eq!(error.span, 2..3);
        assert!(error.message.contains("contains ' ' at byte 2"), "{}", error.message);
    }

    #[test]
    fn a_single_dot_underscore_or_non_ascii_letter_is_rejected() {
        assert_eq!(rejected("a.b").span, 1..2);
        assert_eq!(rejected("a_b").span, 1..2);
        assert_eq!(rejected("caf\u{e9}").span, 3..5);
    }

    #[test]
    fn a_leading_or_trailing_dash_is_rejected_at_that_dash() {
        let error = rejected("-prod");
        assert_eq!((error.span, error.message.as_str()), (0..1, "environment name `-prod` starts with `-`"));
        let error = rejected("prod-");
        assert_eq!((error.span, error.message.as_str()), (4..5, "environment name `prod-` ends with `-`"));
        assert!(rejected("-").message.contains("starts with"));
    }

    #[test]
    fn serde_carries_a_plain_string_and_deserialising_checks_it() {
        let name: EnvName = "staging".parse().expect("valid");
        assert_eq!(serde_json::to_string(&name).expect("serialise"), "\"staging\"");
        assert_eq!(serde_json::from_str::<EnvName>("\"staging\"").expect("deserialise"), name);
        let error = serde_json::from_str::<EnvName>("\"../etc\"").expect_err("a path");
        assert!(error.to_string().contains("cannot refer to a path"), "{error}");
    }
}
