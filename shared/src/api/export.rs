//! Exports: an environment's bindings as another tool reads them (`GET
//! /api/v1/envs/{env}/export?format=F`, `bedrock-binder export --format F`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Version;
use crate::preset::Preset;
use crate::profile_ref::ProfileKind;

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportFormat {
    /// The `inference.txt` itself, byte for byte.
    InferenceTxt,
    /// The resolved bindings with their kinds, base models and presets ([`ExportedBindings`]).
    Json,
    /// A LiteLLM proxy `model_list` YAML fragment.
    Litellm,
    /// LibreChat's `endpoints.bedrock` YAML fragment.
    Librechat,
    /// An Amazon States Language state machine with a `bedrock:invokeModel` task per binding.
    StepFunctions,
    /// A least-privilege IAM policy for invoking the bindings.
    IamPolicy,
    /// A CloudFormation template of the application inference profiles the bindings use.
    Cloudformation,
}

impl ExportFormat {
    /// Every format, in the order help texts list them.
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::InferenceTxt,
        ExportFormat::Json,
        ExportFormat::Litellm,
        ExportFormat::Librechat,
        ExportFormat::StepFunctions,
        ExportFormat::IamPolicy,
        ExportFormat::Cloudformation,
    ];

    /// The name in `?format=` and `--format`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::InferenceTxt => "inference-txt",
            ExportFormat::Json => "json",
            ExportFormat::Litellm => "litellm",
            ExportFormat::Librechat => "librechat",
            ExportFormat::StepFunctions => "step-functions",
            ExportFormat::IamPolicy => "iam-policy",
            ExportFormat::Cloudformation => "cloudformation",
        }
    }

    /// The `Content-Type` the artefact is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::InferenceTxt => "text/plain; charset=utf-8",
            ExportFormat::Litellm | ExportFormat::Librechat => "application/yaml; charset=utf-8",
            ExportFormat::Json
            | ExportFormat::StepFunctions
            | ExportFormat::IamPolicy
            | ExportFormat::Cloudformation => "application/json",
        }
    }

    /// The file name a download of environment `env` is offered under. `inference.txt` keeps
    /// its name, as TPipe looks for it.
    pub fn file_name(self, env: &str) -> String {
        match self {
            ExportFormat::InferenceTxt => "inference.txt".to_owned(),
            ExportFormat::Json => format!("{env}.bindings.json"),
            ExportFormat::Litellm => format!("{env}.litellm.yaml"),
            ExportFormat::Librechat => format!("{env}.librechat.yaml"),
            ExportFormat::StepFunctions => format!("{env}.asl.json"),
            ExportFormat::IamPolicy => format!("{env}.iam-policy.json"),
            ExportFormat::Cloudformation => format!("{env}.cloudformation.json"),
        }
    }

    /// Whether the artefact is made from the file alone (no AWS facts, no account or region).
    pub fn is_offline(self) -> bool {
        matches!(self, ExportFormat::InferenceTxt | ExportFormat::Json)
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is none of [`ExportFormat::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownExportFormat(pub String);

impl fmt::Display for UnknownExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = ExportFormat::ALL.iter().map(|format| format.as_str()).collect();
        write!(f, "`{}` is not an export format; the formats are {}", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownExportFormat {}

impl FromStr for ExportFormat {
    type Err = UnknownExportFormat;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ExportFormat::ALL
            .into_iter()
            .find(|format| format.as_str() == text)
            .ok_or_else(|| UnknownExportFormat(text.to_owned()))
    }
}

/// The query of `GET /api/v1/envs/{env}/export`: `format` (default `inference-txt`), and the
/// AWS account to write into ARNs when the server's credentials cannot say
/// (`step-functions`, `iam-policy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct ExportQuery {
    /// `inference-txt` (the default), `json`, `litellm`, `librechat`, `step-functions`,
    /// `iam-policy` or `cloudformation`.
    pub format: Option<String>,
    /// A 12-digit AWS account id.
    pub account: Option<String>,
}

/// `GET /api/v1/envs/{env}/export?format=json` and `bedrock-binder export --format json`:
/// the bindings in force, sorted by model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedBindings {
    /// The file or environment the bindings come from.
    pub file: String,
    /// The version of its text.
    pub version: Version,
    /// Each binding in force.
    pub bindings: Vec<ExportedBinding>,
}

/// One binding of [`ExportedBindings`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedBinding {
    /// The model id (the key).
    pub model: String,
    /// The value as written; empty means direct.
    pub profile: String,
    /// What the value is; `None` for a value that does not parse.
    pub kind: Option<ProfileKind>,
    /// The line of the binding in force.
    pub line: usize,
    /// The foundation model a call reaches: the key for a direct binding, the model a profile
    /// id or ARN names, or (for an application profile, whose ARN names none) the one the
    /// discovered profile routes to; `None` when nothing known says.
    #[serde(default)]
    pub base_model: Option<String>,
    /// The binding's preset in the environment, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_from_its_own_name() {
        for format in ExportFormat::ALL {
            assert_eq!(format.as_str().parse::<ExportFormat>(), Ok(format));
            let json = serde_json::to_string(&format).expect("serialize");
            assert_eq!(json, format!("\"{}\"", format.as_str()), "the wire name is the CLI's name");
        }
    }

    #[test]
    fn an_unknown_format_is_refused_with_the_list_of_formats() {
        let error = "yaml".parse::<ExportFormat>().expect_err("not a format");
        assert_eq!(
            error.to_string(),
            "`yaml` is not an export format; the formats are inference-txt, json, litellm, librechat, \
             step-functions, iam-policy, cloudformation"
        );
    }

    #[test]
    fn inference_txt_keeps_its_name_and_the_others_carry_the_environment() {
        assert_eq!(ExportFormat::InferenceTxt.file_name("prod"), "inference.txt");
        assert_eq!(ExportFormat::Litellm.file_name("prod"), "prod.litellm.yaml");
        assert_eq!(ExportFormat::IamPolicy.content_type(), "application/json");
    }
}
