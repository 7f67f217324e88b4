//! Exports: an environment's bindings written for the tools that call Bedrock
//! (`bedrock-binder export --format F`, `GET /api/v1/envs/{env}/export?format=F`).
//!
//! The formats are pure functions of an [`Input`]: the bindings in force with their presets,
//! the environment's region and account, and what is known about the profiles they name
//! ([`Facts`], gathered by [`facts`] from AWS or, without credentials, from the catalog).
//!
//! | format | module | artefact |
//! |---|---|---|
//! | `inference-txt` | here | the file byte for byte |
//! | `json` | [`json`] | [`ExportedBindings`](bedrock_binder_shared::api::ExportedBindings) |
//! | `litellm` | [`litellm`] | a LiteLLM proxy `model_list` (YAML) |
//! | `librechat` | [`librechat`] | LibreChat's `endpoints.bedrock` (YAML) |
//! | `step-functions` | [`step_functions`] | an Amazon States Language state machine |
//! | `iam-policy` | [`iam_policy`] | a least-privilege IAM policy |
//! | `cloudformation` | [`cloudformation`] | `AWS::Bedrock::ApplicationInferenceProfile` resources |
//!
//! No YAML crate: the two YAML artefacts are written by hand with every scalar JSON-quoted
//! ([`yaml`]), which YAML reads as the same strings.

pub mod cloudformation;
pub mod facts;
pub mod iam_policy;
pub mod json;
pub mod librechat;
pub mod litellm;
pub mod step_functions;
mod yaml;

use std::collections::BTreeMap;

use bedrock_binder_shared::api::ExportFormat;
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::Preset;
use bedrock_binder_shared::{ArnResource, Document, ProfileRef, Region, Version};

pub use facts::{Facts, ProfileFact, Source};

/// One binding in force, as the formats read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The model id (the key): what the application asks for.
    pub model: String,
    /// The value as written; empty means direct.
    pub value: String,
    /// The line of the binding in force.
    pub line: usize,
    /// The value parsed; `None` only for a value that does not parse (a file with errors is
    /// not exported, so in practice always `Some`).
    pub target: Option<ProfileRef>,
    /// The binding's preset, if it has a non-empty one.
    pub preset: Option<Preset>,
}

impl Bound {
    /// Every binding in force of `document`, sorted by model, each with its preset from
    /// `presets`.
    pub fn all(document: &Document, presets: &BTreeMap<String, Preset>) -> Vec<Bound> {
        document
            .resolve()
            .into_iter()
            .map(|resolved| Bound {
                model: resolved.key.to_owned(),
                value: resolved.value.to_owned(),
                line: resolved.line,
                target: resolved.value.parse().ok(),
                preset: presets.get(resolved.key).filter(|preset| !preset.is_empty()).cloned(),
            })
            .collect()
    }

    /// Whether the value names an inference profile (system or application), by id or ARN.
    pub fn is_profile(&self) -> bool {
        match &self.target {
            Some(ProfileRef::SystemProfile(_)) => true,
            Some(ProfileRef::Arn(arn)) => {
                matches!(arn.resource(), ArnResource::InferenceProfile(_) | ArnResource::ApplicationInferenceProfile(_))
            }
            _ => false,
        }
    }

    /// Whether the value is an application inference profile ARN.
    pub fn is_application_profile(&self) -> bool {
        matches!(&self.target, Some(ProfileRef::Arn(arn)) if matches!(arn.resource(), ArnResource::ApplicationInferenceProfile(_)))
    }

    /// The region a call through the value must be made from: an ARN's own region, else `None`
    /// (the environment's region applies).
    pub fn arn_region(&self) -> Option<&Region> {
        match &self.target {
            Some(ProfileRef::Arn(arn)) => Some(arn.region()),
            _ => None,
        }
    }
}

/// Everything a format is made of.
#[derive(Debug, Clone)]
pub struct Input {
    /// The environment.
    pub env: EnvName,
    /// How the environment is named in the artefact (`environment `prod``, or the file).
    pub label: String,
    /// The version of its text.
    pub version: Version,
    /// The bindings in force, sorted by model.
    pub bindings: Vec<Bound>,
    /// The region calls default to: the environment's, else the one AWS calls default to.
    pub region: Option<Region>,
    /// The AWS account the environment's profiles live in, when known.
    pub account: Option<String>,
    /// What is known about the profiles the bindings name.
    pub facts: Facts,
}

impl Input {
    /// The base model a binding reaches: the key for a direct binding, the model a profile id
    /// or ARN names, else the discovered profile's; `None` when nothing known says.
    pub fn base_model(&self, bound: &Bound) -> Option<String> {
        match &bound.target {
            Some(ProfileRef::Direct) => Some(bound.model.clone()),
            Some(target) => target
                .model()
                .map(|model| bedrock_binder_shared::ModelId::base_of(model).to_owned())
                .or_else(|| self.facts.profile(&bound.value).and_then(|fact| fact.base_model.clone())),
            None => None,
        }
    }

    /// The region, or why a format that needs one cannot be made.
    pub fn require_region(&self, what: &str) -> Result<&Region, ExportError> {
        self.region.as_ref().ok_or_else(|| {
            ExportError::Missing(format!(
                "{what} needs the environment's AWS region: set it in the environment's settings \
                 (`bedrock-binder env set {} --aws-region REGION`), or give --region / AWS_REGION",
                self.env
            ))
        })
    }

    /// The account, or why a format that needs one cannot be made.
    pub fn require_account(&self, what: &str) -> Result<&str, ExportError> {
        self.account.as_deref().ok_or_else(|| {
            ExportError::Missing(format!(
                "{what} needs the AWS account id of environment `{}` (system profile ARNs carry it): \
                 no AWS credentials were found to ask STS for it; give it with --account ID \
                 (`?account=ID` on the API)",
                self.env
            ))
        })
    }

    /// The full ARN of the profile or model a binding calls, in the environment's account and
    /// region: an ARN as written, a discovered profile's ARN, or one built from a system
    /// profile or model id.
    pub fn target_arn(&self, bound: &Bound, what: &str) -> Result<String, ExportError> {
        if let Some(fact) = self.facts.profile(&bound.value) {
            return Ok(fact.arn.clone());
        }
        match &bound.target {
            Some(ProfileRef::Arn(arn)) => Ok(arn.to_string()),
            Some(ProfileRef::SystemProfile(id)) => {
                let region = self.require_region(what)?;
                let account = self.require_account(what)?;
                Ok(format!("arn:{}:bedrock:{region}:{account}:inference-profile/{}", region.partition(), id.as_str()))
            }
            Some(ProfileRef::ModelAlias(id)) => Ok(foundation_model_arn(self.require_region(what)?, id.as_str())),
            Some(ProfileRef::Direct) => Ok(foundation_model_arn(self.require_region(what)?, &bound.model)),
            None => Err(ExportError::Unsupported(format!(
                "the binding of `{}` (line {}) has a value that does not parse: `{}`",
                bound.model, bound.line, bound.value
            ))),
        }
    }
}

/// `arn:{partition}:bedrock:{region}::foundation-model/{model}`.
pub fn foundation_model_arn(region: &Region, model: &str) -> String {
    format!("arn:{}:bedrock:{region}::foundation-model/{model}", region.partition())
}

/// Why an artefact cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A fact the format needs is not known (the region, the account, AWS's answer).
    #[error("{0}")]
    Missing(String),
    /// A binding the format cannot express.
    #[error("{0}")]
    Unsupported(String),
}

/// The artefact of `format` for `input`, except `inference-txt`, which is the file itself
/// and never goes through here.
pub fn render(format: ExportFormat, input: &Input) -> Result<String, ExportError> {
    match format {
        ExportFormat::InferenceTxt => Err(ExportError::Unsupported(
            "inference-txt is the file itself, byte for byte: read it, do not render it".to_owned(),
        )),
        ExportFormat::Json => json::render(input),
        ExportFormat::Litellm => Ok(litellm::render(input)),
        ExportFormat::Librechat => Ok(librechat::render(input)),
        ExportFormat::StepFunctions => step_functions::render(input),
        ExportFormat::IamPolicy => iam_policy::render(input),
        ExportFormat::Cloudformation => cloudformation::render(input),
    }
}

/// Pretty JSON with a final newline, as every JSON artefact is written.
fn to_json(value: &impl serde::Serialize) -> Result<String, ExportError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|error| ExportError::Unsupported(format!("the artefact cannot be written as JSON: {error}")))?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
pub(crate) mod test_input {
    //! Inputs for the formats' unit tests.

    use super::*;

    /// The account the tests' ARNs carry.
    pub(crate) const ACCOUNT: &str = "123456789012";

    /// An environment `prod` in us-east-1 (account [`ACCOUNT`]) with `text` and `presets`,
    /// and no facts.
    pub(crate) fn input(text: &str, presets: &[(&str, &str)]) -> Input {
        let presets: BTreeMap<String, Preset> = presets
            .iter()
            .map(|(model, json)| ((*model).to_owned(), serde_json::from_str(json).expect("a preset")))
            .collect();
        Input {
            env: "prod".parse().expect("env"),
            label: "environment `prod`".to_owned(),
            version: crate::store::version_of(text.as_bytes()),
            bindings: Bound::all(&Document::parse(text), &presets),
            region: Some("us-east-1".parse().expect("region")),
            account: Some(ACCOUNT.to_owned()),
            facts: Facts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_input::input;

    #[test]
    fn a_system_profile_id_becomes_its_arn_in_the_environments_account_and_region() {
        let input = input("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n", &[]);
        assert_eq!(
            input.target_arn(&input.bindings[0], "test").expect("an ARN"),
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0"
        );
    }

    #[test]
    fn without_an_account_a_system_profile_arn_is_refused_naming_what_is_missing() {
        let mut input = input("amazon.nova-pro-v1:0=us.amazon.nova-pro-v1:0\n", &[]);
        input.account = None;
        let error = input.target_arn(&input.bindings[0], "step-functions").expect_err("no account");
        assert!(error.to_string().contains("needs the AWS account id of environment `prod`"), "{error}");
        assert!(error.to_string().contains("--account"), "{error}");
    }

    #[test]
    fn a_direct_binding_calls_the_foundation_model_of_the_region() {
        let input = input("amazon.nova-lite-v1:0=\n", &[]);
        assert_eq!(
            input.target_arn(&input.bindings[0], "test").expect("an ARN"),
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
        );
        assert_eq!(input.base_model(&input.bindings[0]).as_deref(), Some("amazon.nova-lite-v1:0"));
    }

    #[test]
    fn an_empty_preset_is_no_preset() {
        let input = input("amazon.nova-lite-v1:0=\n", &[("amazon.nova-lite-v1:0", "{}")]);
        assert_eq!(input.bindings[0].preset, None);
    }
}
