//! [`ModelId`]: a Bedrock model id such as `anthropic.claude-3-haiku-20240307-v1:0`.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::geo::GeoPrefix;

/// A Bedrock model id: `provider.name` with up to two `:` suffixes (`amazon.nova-lite-v1:0:24k`),
/// optionally behind a geo prefix (`us.amazon.nova-pro-v1:0`), because TPipe's default file
/// uses profile ids as keys too.
///
/// Segments are lowercase ASCII letters, digits and `-`, 1 to 63 long, as in AWS's pattern.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ModelId(String);

/// Why a text is not a model id, with the byte range of the offending part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelIdError {
    /// A sentence saying what is wrong; it quotes the bad text.
    pub message: String,
    /// The offending bytes within the input.
    pub span: Range<usize>,
}

impl fmt::Display for ModelIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelIdError {}

const MAX_SEGMENT: usize = 63;

fn error(message: String, span: Range<usize>) -> ModelIdError {
    ModelIdError { message, span }
}

/// Checks one `[a-z0-9-]{1,63}` segment that starts at byte `start` of the whole id.
fn check_segment(id: &str, segment: &str, start: usize, what: &str) -> Result<(), ModelIdError> {
    if segment.is_empty() {
        return Err(error(format!("model id `{id}` has an empty {what}"), start..start));
    }
    if let Some((offset, ch)) =
        segment.char_indices().find(|&(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    {
        let at = start + offset;
        let hint = if ch.is_ascii_uppercase() { " (model ids are lowercase)" } else { "" };
        return Err(error(
            format!("model id `{id}` contains `{ch}`, which a model id cannot contain{hint}"),
            at..at + ch.len_utf8(),
        ));
    }
    if segment.len() > MAX_SEGMENT {
        return Err(error(
            format!("model id `{id}` has a {what} longer than {MAX_SEGMENT} characters"),
            start..start + segment.len(),
        ));
    }
    Ok(())
}

/// A quick yes for the common shape: `[geo.]provider.name` plus up to two `:` suffixes, all
/// of `[a-z0-9-]`, every segment 1 to 63 bytes. A `false` means "look closer", not "invalid".
fn has_model_id_shape(text: &str) -> bool {
    let mut dots = 0;
    let mut first_dot = 0;
    let mut colons = 0;
    let mut segment = 0;
    for (at, &byte) in text.as_bytes().iter().enumerate() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' if segment < MAX_SEGMENT => segment += 1,
            b'.' if colons == 0 && segment > 0 => {
                dots += 1;
                if dots == 1 {
                    first_dot = at;
                }
                segment = 0;
            }
            b':' if segment > 0 && colons < 2 && dots > 0 => {
                colons += 1;
                segment = 0;
            }
            _ => return false,
        }
    }
    segment > 0 && (dots == 1 || (dots == 2 && text[..first_dot].parse::<GeoPrefix>().is_ok()))
}

impl ModelId {
    /// Checks `text` without allocating; [`ModelId::from_str`] is this plus the copy.
    pub fn check(text: &str) -> Result<(), ModelIdError> {
        // Validation runs this on every line of big files: one byte loop settles the common,
        // valid case, and only a text it cannot accept goes through the careful walk below,
        // which decides and explains.
        if has_model_id_shape(text) { Ok(()) } else { ModelId::explain(text) }
    }

    /// The careful check: the authority on what a model id is, with a located error.
    fn explain(text: &str) -> Result<(), ModelIdError> {
        if text.is_empty() {
            return Err(error("the model id is empty".to_owned(), 0..0));
        }
        let (head, suffixes) = match text.find(':') {
            Some(colon) => (&text[..colon], Some(colon)),
            None => (text, None),
        };
        let mut dots = head.match_indices('.').map(|(at, _)| at);
        let (geo_len, provider, name) = match (dots.next(), dots.next(), dots.next()) {
            (Some(dot), None, _) => (0, &head[..dot], &head[dot + 1..]),
            (Some(first), Some(second), None) => {
                let geo = &head[..first];
                if geo.parse::<GeoPrefix>().is_err() {
                    return Err(error(
                        format!(
                            "model id `{text}` starts with `{geo}.`, which is not a known geo prefix ({})",
                            GeoPrefix::ALL.map(GeoPrefix::as_str).join(", ")
                        ),
                        0..geo.len(),
                    ));
                }
                (first + 1, &head[first + 1..second], &head[second + 1..])
            }
            (None, _, _) => {
                return Err(error(
                    format!(
                        "model id `{text}` has no provider: expected `provider.model`, e.g. `amazon.nova-pro-v1:0`"
                    ),
                    0..text.len(),
                ));
            }
            _ => {
                return Err(error(format!("model id `{text}` has too many `.`-separated parts"), 0..head.len()));
            }
        };
        check_segment(text, provider, geo_len, "provider")?;
        check_segment(text, name, geo_len + provider.len() + 1, "model name")?;
        if let Some(colon) = suffixes {
            let mut start = colon + 1;
            for (index, suffix) in text[colon + 1..].split(':').enumerate() {
                if index >= 2 {
                    return Err(error(
                        format!("model id `{text}` has more than two `:` suffixes"),
                        start - 1..text.len(),
                    ));
                }
                check_segment(text, suffix, start, "`:` suffix")?;
                start += suffix.len() + 1;
            }
        }
        Ok(())
    }

    /// The foundation model a valid id names: the id without its geo prefix. Borrowed, for
    /// hot paths that have only checked the text.
    pub fn base_of(text: &str) -> &str {
        let head = text.split(':').next().unwrap_or_default();
        let mut dots = head.match_indices('.').map(|(at, _)| at);
        match (dots.next(), dots.next()) {
            (Some(first), Some(_)) if text[..first].parse::<GeoPrefix>().is_ok() => &text[first + 1..],
            _ => text,
        }
    }

    /// The id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The geo prefix, when the id is a system profile id used as a key (`us.amazon.nova-pro-v1:0`).
    pub fn geo_prefix(&self) -> Option<GeoPrefix> {
        let base = ModelId::base_of(&self.0);
        if base.len() == self.0.len() { None } else { self.0[..self.0.len() - base.len() - 1].parse().ok() }
    }

    /// The id without its geo prefix: the foundation model a profile id names.
    pub fn base(&self) -> &str {
        ModelId::base_of(&self.0)
    }

    /// The provider part (`anthropic` in `us.anthropic.claude-3-haiku-20240307-v1:0`).
    pub fn provider(&self) -> &str {
        self.base().split('.').next().unwrap_or_default()
    }
}

impl FromStr for ModelId {
    type Err = ModelIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ModelId::check(text)?;
        Ok(ModelId(text.to_owned()))
    }
}

impl<'de> serde::Deserialize<'de> for ModelId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ModelId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foundation_model_ids_with_versions_and_context_suffixes_are_accepted() {
        for id in [
            "anthropic.claude-3-haiku-20240307-v1:0",
            "amazon.nova-lite-v1:0:24k",
            "amazon.titan-text-express-v1",
            "amazon.titan-embed-text-v1:2:8k",
            "moonshot.kimi-k2-thinking",
        ] {
            assert!(id.parse::<ModelId>().is_ok(), "{id}");
        }
    }

    #[test]
    fn geo_prefixed_ids_are_accepted_and_expose_their_base_model() {
        let id: ModelId = "us.amazon.nova-pro-v1:0".parse().expect("valid");
        assert_eq!(id.geo_prefix(), Some(GeoPrefix::Us));
        assert_eq!(id.base(), "amazon.nova-pro-v1:0");
        assert_eq!(id.provider(), "amazon");
        let gov: ModelId = "us-gov.anthropic.claude-3-haiku-20240307-v1:0".parse().expect("valid");
        assert_eq!(gov.geo_prefix(), Some(GeoPrefix::UsGov));
    }

    #[test]
    fn an_id_without_a_provider_is_rejected() {
        let error = "claude".parse::<ModelId>().expect_err("no provider");
        assert!(error.message.contains("no provider"), "{}", error.message);
    }

    #[test]
    fn an_unknown_geo_prefix_is_rejected_and_located() {
        let error = "xx.amazon.nova-pro-v1:0".parse::<ModelId>().expect_err("bad geo");
        assert_eq!(error.span, 0..2);
    }

    #[test]
    fn capitals_and_spaces_are_located_exactly() {
        let error = "amazon.Nova-pro-v1:0".parse::<ModelId>().expect_err("capital");
        assert_eq!(error.span, 7..8);
        assert!(error.message.contains("lowercase"));
        let error = "amazon.nova pro".parse::<ModelId>().expect_err("space");
        assert_eq!(error.span, 11..12);
    }

    #[test]
    fn the_quick_shape_check_never_accepts_what_the_careful_one_rejects() {
        let pieces = ["a", "z9", "-", ".", ":", "us", "eu.", "xx.", "A", " ", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            texts = texts.iter().flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}"))).collect();
            for text in &texts {
                if has_model_id_shape(text) {
                    assert_eq!(ModelId::explain(text), Ok(()), "{text:?}");
                }
            }
        }
        assert!(has_model_id_shape(&format!("a.{}", "b".repeat(63))));
        assert!(!has_model_id_shape(&format!("a.{}", "b".repeat(64))));
    }

    #[test]
    fn a_third_colon_suffix_is_rejected() {
        assert!("amazon.nova-pro-v1:0:24k:x".parse::<ModelId>().is_err());
        assert!("amazon.nova-pro-v1:".parse::<ModelId>().is_err());
    }
}
