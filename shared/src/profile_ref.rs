//! [`ProfileRef`]: what a binding's value tells TPipe to call instead of the bare model id.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::arn::{Arn, ArnResource};
use crate::diagnostic::Code;
use crate::model_id::ModelId;

/// The value side of a binding: what to call for the key's model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum ProfileRef {
    /// An empty value: call the model id directly (on demand).
    Direct,
    /// A system (cross-region) profile id such as `us.amazon.nova-pro-v1:0`.
    SystemProfile(ModelId),
    /// Another model id, used as an alias for the key.
    ModelAlias(ModelId),
    /// An ARN: a profile, a foundation, provisioned, deployed or imported model, a prompt router
    /// or a prompt.
    Arn(Arn),
}

/// The badge the UI shows for a binding. The wire names (`direct`, `system-profile`,
/// `application-profile`, `arn`, `model-alias`, `prompt-router`, `prompt`) are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    /// Called directly.
    Direct,
    /// A system profile, by id or ARN.
    SystemProfile,
    /// An application inference profile ARN.
    ApplicationProfile,
    /// A model ARN: foundation, provisioned, custom-model-deployment or imported model.
    Arn,
    /// Another model id.
    ModelAlias,
    /// A prompt router ARN, AWS's default one or the account's own: it picks a model per request.
    PromptRouter,
    /// A Prompt management prompt (version) ARN: the prompt names its own model.
    Prompt,
}

/// Which kind of value failed to parse; it is the diagnostic's stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileRefErrorKind {
    /// The value starts with `arn:` but is not a valid Bedrock ARN.
    MalformedArn,
    /// The value is neither an ARN, a profile id nor a model id.
    MalformedProfileId,
}

/// Why a binding value is not a valid [`ProfileRef`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRefError {
    /// Which kind of value it looked like.
    pub kind: ProfileRefErrorKind,
    /// A sentence that quotes the bad text.
    pub message: String,
    /// The offending bytes within the value.
    pub span: Range<usize>,
    /// What to write instead, where known.
    pub help: Option<String>,
}

impl fmt::Display for ProfileRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProfileRefError {}

impl ProfileRefError {
    /// The diagnostic code a value with this error gets, in a file or in a request field.
    pub fn code(&self) -> Code {
        match self.kind {
            ProfileRefErrorKind::MalformedArn => Code::MalformedArn,
            ProfileRefErrorKind::MalformedProfileId => Code::MalformedProfileId,
        }
    }
}

impl ProfileRef {
    /// The UI badge for this value.
    pub fn kind(&self) -> ProfileKind {
        match self {
            ProfileRef::Direct => ProfileKind::Direct,
            ProfileRef::SystemProfile(_) => ProfileKind::SystemProfile,
            ProfileRef::ModelAlias(_) => ProfileKind::ModelAlias,
            ProfileRef::Arn(arn) => match arn.resource() {
                ArnResource::InferenceProfile(_) => ProfileKind::SystemProfile,
                ArnResource::ApplicationInferenceProfile(_) => ProfileKind::ApplicationProfile,
                ArnResource::FoundationModel(_)
                | ArnResource::ProvisionedModel(_)
                | ArnResource::CustomModelDeployment(_)
                | ArnResource::ImportedModel(_) => ProfileKind::Arn,
                ArnResource::DefaultPromptRouter(_) | ArnResource::PromptRouter(_) => ProfileKind::PromptRouter,
                ArnResource::Prompt(_) => ProfileKind::Prompt,
            },
        }
    }

    /// The foundation model this value calls, where the value itself says so.
    pub fn model(&self) -> Option<&str> {
        match self {
            ProfileRef::Direct => None,
            ProfileRef::SystemProfile(id) => Some(id.base()),
            ProfileRef::ModelAlias(id) => Some(id.as_str()),
            ProfileRef::Arn(arn) => arn.model(),
        }
    }

    /// Checks a value without allocating and says what it is: the validator's hot path.
    /// [`ProfileRef::from_str`] is this plus the copies.
    pub fn check(text: &str) -> Result<Checked<'_>, ProfileRefError> {
        if text.is_empty() {
            return Ok(Checked { kind: ProfileKind::Direct, model: None });
        }
        if text.len() > crate::model_id::MODEL_ID_MAX_LEN {
            let error = crate::model_id::too_long("value", text);
            let kind = if text.starts_with("arn:") {
                ProfileRefErrorKind::MalformedArn
            } else {
                ProfileRefErrorKind::MalformedProfileId
            };
            return Err(ProfileRefError { kind, message: error.message, span: error.span, help: None });
        }
        if text.starts_with("arn:") {
            let parts = Arn::check(text).map_err(malformed_arn)?;
            let kind = match parts.resource_type {
                "inference-profile" => ProfileKind::SystemProfile,
                "application-inference-profile" => ProfileKind::ApplicationProfile,
                "default-prompt-router" | "prompt-router" => ProfileKind::PromptRouter,
                "prompt" => ProfileKind::Prompt,
                _ => ProfileKind::Arn,
            };
            return Ok(Checked { kind, model: parts.model() });
        }
        match ModelId::check(text) {
            Ok(()) => {
                let base = ModelId::base_of(text);
                if base.len() == text.len() {
                    Ok(Checked { kind: ProfileKind::ModelAlias, model: Some(text) })
                } else {
                    Ok(Checked { kind: ProfileKind::SystemProfile, model: Some(base) })
                }
            }
            Err(error) => Err(malformed_id(text, error)),
        }
    }
}

fn malformed_arn(error: crate::arn::ArnError) -> ProfileRefError {
    ProfileRefError {
        kind: ProfileRefErrorKind::MalformedArn,
        message: error.message,
        span: error.span,
        help: error.help,
    }
}

fn malformed_id(text: &str, error: crate::model_id::ModelIdError) -> ProfileRefError {
    let reason = error.message.trim_start_matches(&format!("model id `{text}` ")).to_owned();
    ProfileRefError {
        kind: ProfileRefErrorKind::MalformedProfileId,
        message: format!("`{text}` is not a profile id, model id or ARN: {reason}"),
        span: error.span,
        help: None,
    }
}

/// What [`ProfileRef::check`] found, borrowed from the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked<'a> {
    /// The badge.
    pub kind: ProfileKind,
    /// The foundation model the value calls, where the value says so (an alias names
    /// itself; application profiles and provisioned models do not say).
    pub model: Option<&'a str>,
}

impl FromStr for ProfileRef {
    type Err = ProfileRefError;

    /// Parses a trimmed binding value. An empty text is [`ProfileRef::Direct`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let checked = ProfileRef::check(text)?;
        let owned = |text: &str| ModelId::from_str(text).map_err(|error| malformed_id(text, error));
        Ok(match checked.kind {
            ProfileKind::Direct => ProfileRef::Direct,
            ProfileKind::ModelAlias => ProfileRef::ModelAlias(owned(text)?),
            ProfileKind::SystemProfile if !text.starts_with("arn:") => ProfileRef::SystemProfile(owned(text)?),
            _ => ProfileRef::Arn(text.parse().map_err(malformed_arn)?),
        })
    }
}

impl fmt::Display for ProfileRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileRef::Direct => Ok(()),
            ProfileRef::SystemProfile(id) | ProfileRef::ModelAlias(id) => f.write_str(id.as_str()),
            ProfileRef::Arn(arn) => arn.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProfileRef, ProfileRefError> {
        text.parse()
    }

    #[test]
    fn an_empty_value_means_direct() {
        assert_eq!(parse(""), Ok(ProfileRef::Direct));
        assert_eq!(ProfileRef::Direct.to_string(), "");
    }

    #[test]
    fn geo_prefixed_ids_are_system_profiles_and_name_their_model() {
        let profile = parse("global.anthropic.claude-sonnet-4-5-20250929-v1:0").expect("valid");
        assert_eq!(profile.kind(), ProfileKind::SystemProfile);
        assert_eq!(profile.model(), Some("anthropic.claude-sonnet-4-5-20250929-v1:0"));
    }

    #[test]
    fn a_plain_model_id_is_an_alias() {
        assert_eq!(parse("amazon.nova-lite-v1:0").map(|p| p.kind()), Ok(ProfileKind::ModelAlias));
    }

    #[test]
    fn application_profile_arns_get_their_own_badge() {
        let profile =
            parse("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdef012345").expect("valid");
        assert_eq!(profile.kind(), ProfileKind::ApplicationProfile);
    }

    #[test]
    fn routers_and_prompts_get_their_own_badges_and_the_check_agrees_with_the_parse() {
        for (text, kind) in [
            (
                "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1",
                ProfileKind::PromptRouter,
            ),
            ("arn:aws:bedrock:us-east-1:123456789012:prompt-router/abcd1234efgh", ProfileKind::PromptRouter),
            ("arn:aws:bedrock:us-east-1:123456789012:prompt/PROMPT1234:1", ProfileKind::Prompt),
            ("arn:aws:bedrock:us-east-1:123456789012:custom-model-deployment/a1b2c3d4e5f6", ProfileKind::Arn),
            ("arn:aws:bedrock:us-east-1:123456789012:imported-model/a1b2c3d4e5f6", ProfileKind::Arn),
            ("in.openai.gpt-5.6-luna", ProfileKind::SystemProfile),
            ("openai.gpt-5.6-luna", ProfileKind::ModelAlias),
        ] {
            let parsed = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(parsed.kind(), kind, "{text}");
            assert_eq!(ProfileRef::check(text).map(|c| c.kind), Ok(kind), "{text}");
            assert_eq!(parsed.to_string(), text);
        }
    }

    #[test]
    fn the_wire_names_of_the_kinds_are_stable() {
        let names: Vec<String> = [
            ProfileKind::Direct,
            ProfileKind::SystemProfile,
            ProfileKind::ApplicationProfile,
            ProfileKind::Arn,
            ProfileKind::ModelAlias,
            ProfileKind::PromptRouter,
            ProfileKind::Prompt,
        ]
        .iter()
        .map(|kind| serde_json::to_string(kind).expect("serializes"))
        .collect();
        assert_eq!(
            names,
            [
                "\"direct\"",
                "\"system-profile\"",
                "\"application-profile\"",
                "\"arn\"",
                "\"model-alias\"",
                "\"prompt-router\"",
                "\"prompt\""
            ]
        );
    }

    #[test]
    fn a_broken_arn_is_a_malformed_arn_not_a_malformed_id() {
        let error = parse("arn:aws:bedrock:us-east-1:1234:inference-profile/us.amazon.nova-pro-v1:0").expect_err("bad");
        assert_eq!(error.kind, ProfileRefErrorKind::MalformedArn);
    }

    #[test]
    fn a_word_without_a_provider_is_a_malformed_profile_id() {
        let error = parse("nova-pro").expect_err("bad");
        assert_eq!(error.kind, ProfileRefErrorKind::MalformedProfileId);
        assert!(error.message.contains("`nova-pro`"), "{}", error.message);
    }

    #[test]
    fn a_value_longer_than_aws_accepts_is_refused_over_the_part_past_the_limit() {
        let arn = format!("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{}", "x".repeat(3000));
        let error = ProfileRef::check(&arn).expect_err("too long");
        assert_eq!(error.kind, ProfileRefErrorKind::MalformedArn);
        assert_eq!(error.span, 2048..arn.len());
        assert!(error.message.contains("at most 2048"), "{}", error.message);
        let id = format!("us.amazon.{}-v1:0", "a".repeat(2100));
        assert_eq!(ProfileRef::check(&id).expect_err("too long").kind, ProfileRefErrorKind::MalformedProfileId);
        assert!(crate::model_id::ModelId::check(&id).is_err(), "a key that long is refused too");
        let longest =
            format!("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{}", "x".repeat(1979));
        assert_eq!(longest.len(), 2048);
        assert!(ProfileRef::check(&longest).is_ok(), "2048 characters are allowed");
    }
}
