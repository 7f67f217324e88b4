//! [`ModelId`]: a Bedrock model id such as `anthropic.claude-3-haiku-20240307-v1:0`, or a system
//! profile id such as `us.amazon.nova-pro-v1:0` used in its place.
//!
//! The rules are AWS's, from the Bedrock API reference, checked by hand (a `regex` would cost the
//! browser bundle real kilobytes for one fixed pattern):
//! - a base model id is the foundation-model id of AWS's pattern for `InferenceProfileModel.modelArn`
//!   and `PromptRouterTrace.invokedModelId`,
//!   `[a-z0-9-]{1,63}[.]{1}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}`: two to
//!   four `.`-separated segments (so the model name may hold dots, as in `deepseek.v3.2` or
//!   `openai.gpt-5.6-luna`) and up to two `:` suffixes;
//! - a system profile id is a geo prefix and a base model id: the inference-profile branch of
//!   `EvaluationModelIdentifier`, `([a-z-]{2,8}.)` then the model id. A prefix of that shape that
//!   [`GeoPrefix`] does not know is still well-formed: AWS adds prefixes (`in.` in 2026), and what
//!   our list lacks must not become an error. Validation warns about it instead.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::geo::GeoPrefix;

/// A Bedrock model id: `provider.name` (the name may itself hold up to two `.`) with up to two `:`
/// suffixes (`amazon.nova-lite-v1:0:24k`), optionally behind a geo prefix
/// (`us.amazon.nova-pro-v1:0`), because TPipe's default file uses profile ids as keys too.
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

/// The most `.`-separated segments a base model id has (AWS: `provider.` + up to two `name.`
/// parts + the last part).
const MAX_MODEL_SEGMENTS: usize = 4;

/// The longest `modelId` AWS accepts (InvokeModel's and Converse's documented length
/// constraint, 1 to 2048), whether an id or an ARN: a longer binding key or value can never be
/// called.
pub const MODEL_ID_MAX_LEN: usize = 2048;

/// The error for a text longer than [`MODEL_ID_MAX_LEN`], over the part past the limit (from
/// the start of the character the limit falls in).
pub(crate) fn too_long(what: &str, text: &str) -> ModelIdError {
    let start = (0..=MODEL_ID_MAX_LEN).rev().find(|&at| text.is_char_boundary(at)).unwrap_or_default();
    error(
        format!("this {what} is {} characters long; AWS accepts at most {MODEL_ID_MAX_LEN}", text.len()),
        start..text.len(),
    )
}

fn error(message: String, span: Range<usize>) -> ModelIdError {
    ModelIdError { message, span }
}

/// Checks one `[a-z0-9-]{1,63}` segment that starts at byte `start` of the whole id.
fn check_segment(id: &str, segment: &str, start: usize, what: &str) -> Result<(), ModelIdError> {
    if segment.is_empty() {
        // Point at the separator that opens the empty part: at the end of a line an empty span
        // would have nothing to underline.
        return Err(error(format!("model id `{id}` has an empty {what}"), start.saturating_sub(1)..start));
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
/// of `[a-z0-9-]`, every segment 1 to 63 bytes, at most four `.`-segments behind a geo-shaped
/// first segment. A `false` means "look closer", not "invalid".
fn has_model_id_shape(text: &str) -> bool {
    let mut dots = 0;
    let mut first_len = 0;
    let mut first_is_letters = true;
    let mut colons = 0;
    let mut segment = 0;
    for &byte in text.as_bytes() {
        match byte {
            b'a'..=b'z' | b'0'..=b'9' | b'-' if segment < MAX_SEGMENT => {
                segment += 1;
                if dots == 0 && byte.is_ascii_digit() {
                    first_is_letters = false;
                }
            }
            b'.' if colons == 0 && segment > 0 && dots < MAX_MODEL_SEGMENTS => {
                if dots == 0 {
                    first_len = segment;
                }
                dots += 1;
                segment = 0;
            }
            b':' if segment > 0 && colons < 2 && dots > 0 => {
                colons += 1;
                segment = 0;
            }
            _ => return false,
        }
    }
    let geo_shaped = first_is_letters && (2..=8).contains(&first_len);
    segment > 0 && dots > 0 && (dots < MAX_MODEL_SEGMENTS || geo_shaped)
}

impl ModelId {
    /// Checks `text` without allocating; [`ModelId::from_str`] is this plus the copy.
    pub fn check(text: &str) -> Result<(), ModelIdError> {
        // Validation runs this on every line of big files: one byte loop settles the common,
        // valid case, and only a text it cannot accept goes through the careful walk below,
        // which decides and explains.
        if text.len() > MODEL_ID_MAX_LEN {
            return Err(too_long("model id", text));
        }
        if has_model_id_shape(text) { Ok(()) } else { ModelId::explain(text) }
    }

    /// The careful check: the authority on what a model id is, with a located error.
    fn explain(text: &str) -> Result<(), ModelIdError> {
        if text.is_empty() {
            return Err(error("the model id is empty".to_owned(), 0..0));
        }
        let head_end = text.find(':').unwrap_or(text.len());
        let head = &text[..head_end];
        if !head.contains('.') {
            return Err(error(
                format!("model id `{text}` has no provider: expected `provider.model`, e.g. `amazon.nova-pro-v1:0`"),
                0..text.len(),
            ));
        }
        let segments = head.split('.').count();
        let first = head.split('.').next().unwrap_or_default();
        // A known prefix makes the next segment the provider; an unknown one is read as the
        // provider, which is just as well-formed.
        let known_geo = segments > 2 && first.parse::<GeoPrefix>().is_ok();
        let mut start = 0;
        for (index, segment) in head.split('.').enumerate() {
            let what = match (known_geo, index) {
                (true, 0) => "geo prefix",
                (true, 1) | (false, 0) => "provider",
                _ => "model name part",
            };
            check_segment(text, segment, start, what)?;
            start += segment.len() + 1;
        }
        let allowed = if GeoPrefix::is_well_formed(first) { MAX_MODEL_SEGMENTS + 1 } else { MAX_MODEL_SEGMENTS };
        if segments > allowed {
            let extra = head.match_indices('.').nth(allowed - 1).map_or(0, |(at, _)| at);
            return Err(error(
                format!(
                    "model id `{text}` has too many `.`-separated parts: a model id has at most \
                     {MAX_MODEL_SEGMENTS} (`provider.name`, the name with up to two `.`), behind an optional geo prefix"
                ),
                extra..head_end,
            ));
        }
        if head_end < text.len() {
            let mut start = head_end + 1;
            for (index, suffix) in text[head_end + 1..].split(':').enumerate() {
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

    /// For a valid id whose first segment has the shape of a geo prefix that [`GeoPrefix`] does
    /// not know, in front of something that is itself a model id (`me.amazon.nova-pro-v1:0`):
    /// that prefix and the rest. Only the catalog can tell whether it is a new geo prefix or a
    /// provider (`deepseek.v3.2` has the same shape), so validation asks it with the rest.
    pub fn unknown_geo_split(text: &str) -> Option<(&str, &str)> {
        let (first, rest) = text.split_once('.')?;
        let rest_head = rest.split(':').next().unwrap_or_default();
        let shaped = GeoPrefix::is_well_formed(first) && first.parse::<GeoPrefix>().is_err();
        (shaped && rest_head.contains('.')).then_some((first, rest))
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
    fn an_unknown_geo_prefix_in_front_of_a_model_id_is_well_formed() {
        let id: ModelId = "xx.amazon.nova-pro-v1:0".parse().expect("well-formed");
        assert_eq!(id.geo_prefix(), None);
        assert_eq!(ModelId::unknown_geo_split(id.as_str()), Some(("xx", "amazon.nova-pro-v1:0")));
        assert_eq!(ModelId::unknown_geo_split("us.amazon.nova-pro-v1:0"), None, "a known prefix");
        assert_eq!(ModelId::unknown_geo_split("amazon.nova-pro-v1:0"), None, "nothing behind the provider");
    }

    #[test]
    fn base_model_ids_with_dots_in_the_model_name_are_accepted() {
        for id in [
            "deepseek.v3.2",
            "minimax.minimax-m2.1",
            "moonshotai.kimi-k2.5",
            "openai.gpt-5.6-luna",
            "xai.grok-4.6",
            "zai.glm-4.7-flash",
            "a.b.c.d:0:1",
        ] {
            let parsed: ModelId = id.parse().unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!((parsed.geo_prefix(), parsed.base()), (None, id), "{id}");
        }
    }

    #[test]
    fn profile_ids_of_models_with_dots_in_the_name_expose_their_base_model() {
        let id: ModelId = "in.openai.gpt-5.6-luna".parse().expect("valid");
        assert_eq!((id.geo_prefix(), id.base(), id.provider()), (Some(GeoPrefix::In), "openai.gpt-5.6-luna", "openai"));
        let id: ModelId = "global.zai.glm-4.7-flash".parse().expect("valid");
        assert_eq!(id.base(), "zai.glm-4.7-flash");
    }

    #[test]
    fn a_model_id_with_too_many_dotted_parts_is_rejected_at_the_extra_part() {
        let text = "a1.b.c.d.e";
        let error = text.parse::<ModelId>().expect_err("five parts without a geo-shaped first");
        assert_eq!(&text[error.span.clone()], ".e");
        let text = "us.a.b.c.d.e";
        let error = text.parse::<ModelId>().expect_err("six parts");
        assert_eq!(&text[error.span.clone()], ".e");
        assert!("us.a.b.c.d".parse::<ModelId>().is_ok(), "a geo prefix and a four-part model id");
    }

    #[test]
    fn an_empty_part_between_dots_is_located() {
        let error = "openai..gpt".parse::<ModelId>().expect_err("empty part");
        assert_eq!(error.span, 6..7);
        let error = "amazon.nova-pro-v1:".parse::<ModelId>().expect_err("empty suffix");
        assert_eq!(error.span, 18..19);
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
        let pieces = ["a", "z9", "-", ".", ":", "us", "eu.", "xx.", "b.c.", "A", " ", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
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
