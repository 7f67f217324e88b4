//! The fields of a new application inference profile, checked as CreateInferenceProfile checks
//! them: [`ProfileName`], [`ProfileDescription`] and [`ProfileTag`]s read from `KEY=VALUE`.
//!
//! The browser's form and the server (API and CLI) use these same types, so a mistake is
//! named under the field as it is typed and refused with the same words if it is sent anyway.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a field of a new profile is not allowed. The message names the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileFieldError {
    /// The field: `name`, `description` or `tags`.
    pub field: &'static str,
    /// A sentence saying what is wrong.
    pub message: String,
}

impl fmt::Display for ProfileFieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProfileFieldError {}

/// `inferenceProfileName`: AWS's `([0-9a-zA-Z][ _-]?)+`, 1 to 64 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileName(String);

impl ProfileName {
    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ProfileName {
    type Err = ProfileFieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim();
        let bytes = name.as_bytes();
        let allowed = !bytes.is_empty()
            && bytes.len() <= 64
            && bytes[0].is_ascii_alphanumeric()
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b' ' | b'_' | b'-'))
            && bytes.windows(2).all(|pair| pair[0].is_ascii_alphanumeric() || pair[1].is_ascii_alphanumeric());
        if allowed {
            Ok(ProfileName(name.to_owned()))
        } else if name.is_empty() {
            Err(ProfileFieldError { field: "name", message: "the profile needs a name".to_owned() })
        } else {
            Err(ProfileFieldError {
                field: "name",
                message: format!(
                    "the name `{name}` is not allowed: 1 to 64 letters and digits, each optionally followed by one \
                     space, `_` or `-`"
                ),
            })
        }
    }
}

/// `description`: up to 200 characters, trimmed; empty means none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileDescription(Option<String>);

impl ProfileDescription {
    /// The description, if there is one.
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

impl FromStr for ProfileDescription {
    type Err = ProfileFieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.chars().count() > 200 {
            return Err(ProfileFieldError {
                field: "description",
                message: "the description is longer than 200 characters".to_owned(),
            });
        }
        Ok(ProfileDescription((!text.is_empty()).then(|| text.to_owned())))
    }
}

/// Checks tags as CreateInferenceProfile does: at most 200, keys of 1 to 128 characters,
/// values up to 256.
pub fn check_tags(tags: &[ProfileTag]) -> Result<(), ProfileFieldError> {
    if tags.len() > 200 {
        return Err(ProfileFieldError { field: "tags", message: "a profile can have at most 200 tags".to_owned() });
    }
    match tags.iter().find(|t| t.key.is_empty() || t.key.chars().count() > 128 || t.value.chars().count() > 256) {
        Some(tag) => Err(ProfileFieldError {
            field: "tags",
            message: format!("the tag `{}` is not allowed: keys have 1 to 128 characters, values up to 256", tag.key),
        }),
        None => Ok(()),
    }
}

/// One `KEY=VALUE` tag, both sides trimmed (the CLI's `--tag`).
pub fn parse_tag(text: &str) -> Result<ProfileTag, ProfileFieldError> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok(ProfileTag { key: key.trim().to_owned(), value: value.trim().to_owned() })
        }
        _ => Err(ProfileFieldError { field: "tags", message: format!("`{}` is not KEY=VALUE", text.trim()) }),
    }
}

/// Tags written as `KEY=VALUE` separated by commas or new lines (the form's tags box); blank
/// entries are skipped. The result also passes [`check_tags`].
pub fn parse_tag_list(text: &str) -> Result<Vec<ProfileTag>, ProfileFieldError> {
    let tags = text
        .split([',', '\n'])
        .filter(|entry| !entry.trim().is_empty())
        .map(parse_tag)
        .collect::<Result<Vec<_>, _>>()?;
    check_tags(&tags)?;
    Ok(tags)
}

/// A tag of an application inference profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileTag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_aws_pattern_and_are_trimmed() {
        for good in ["team-a", "Team A 2", "a", "x_y-z 1", "trailing-", &"a".repeat(64)] {
            assert!(good.parse::<ProfileName>().is_ok(), "{good}");
        }
        assert_eq!(" padded ".parse::<ProfileName>().map(|n| n.as_str().to_owned()), Ok("padded".to_owned()));
        for bad in ["-lead", "two  spaces", "a--b", "dot.name", &"a".repeat(65)] {
            let error = bad.parse::<ProfileName>().expect_err(bad);
            assert_eq!(error.field, "name");
            assert!(error.message.contains(bad.trim()), "{error}");
        }
        assert_eq!("  ".parse::<ProfileName>().expect_err("empty").message, "the profile needs a name");
    }

    #[test]
    fn a_description_over_200_characters_is_refused_and_blank_means_none() {
        assert_eq!("  ".parse::<ProfileDescription>().map(|d| d.as_deref().map(str::to_owned)), Ok(None));
        assert!("é".repeat(200).parse::<ProfileDescription>().is_ok(), "characters, not bytes");
        assert_eq!("x".repeat(201).parse::<ProfileDescription>().expect_err("long").field, "description");
    }

    #[test]
    fn a_tag_list_reads_key_value_pairs_and_names_a_bad_one() {
        let tags = parse_tag_list("team = search, cost-center=42\n\n").expect("tags");
        let pairs: Vec<(&str, &str)> = tags.iter().map(|t| (t.key.as_str(), t.value.as_str())).collect();
        assert_eq!(pairs, [("team", "search"), ("cost-center", "42")]);
        assert_eq!(parse_tag_list("team=a, nonsense").expect_err("bad").message, "`nonsense` is not KEY=VALUE");
        assert_eq!(parse_tag_list("=value").expect_err("no key").field, "tags");
        let long = format!("k={}", "v".repeat(257));
        assert!(parse_tag_list(&long).expect_err("long value").message.contains("values up to 256"));
    }
}
