//! Scripting: which operations fail and how, injected latency, data changes, and the request
//! log. Each type is also the JSON of the control endpoint (`POST /__fake/script`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::data::{InferenceType, Lifecycle};
use crate::error::FakeError;
use crate::metrics::MetricSeries;

/// An API operation the fake serves, named as AWS names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operation {
    /// `GET /foundation-models`.
    ListFoundationModels,
    /// `GET /foundation-models/{modelIdentifier}`.
    GetFoundationModel,
    /// `GET /foundation-model-availability/{modelId}`.
    GetFoundationModelAvailability,
    /// `GET /inference-profiles`.
    ListInferenceProfiles,
    /// `GET /inference-profiles/{inferenceProfileIdentifier}`.
    GetInferenceProfile,
    /// `POST /inference-profiles`.
    CreateInferenceProfile,
    /// `DELETE /inference-profiles/{inferenceProfileIdentifier}`.
    DeleteInferenceProfile,
    /// `POST /listTagsForResource`: a profile's tags.
    ListTagsForResource,
    /// `POST /model/{modelId}/converse`.
    Converse,
    /// `POST /model/{modelId}/converse-stream`.
    ConverseStream,
    /// STS `POST /` with `Action=GetCallerIdentity`.
    GetCallerIdentity,
    /// CloudWatch GetMetricData (RPC v2 CBOR or awsJson 1.0).
    GetMetricData,
    /// CloudWatch ListMetrics (RPC v2 CBOR or awsJson 1.0).
    ListMetrics,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 13] = [
        Operation::ListFoundationModels,
        Operation::GetFoundationModel,
        Operation::GetFoundationModelAvailability,
        Operation::ListInferenceProfiles,
        Operation::GetInferenceProfile,
        Operation::CreateInferenceProfile,
        Operation::DeleteInferenceProfile,
        Operation::ListTagsForResource,
        Operation::Converse,
        Operation::ConverseStream,
        Operation::GetCallerIdentity,
        Operation::GetMetricData,
        Operation::ListMetrics,
    ];

    /// AWS's name of the operation.
    pub fn name(self) -> &'static str {
        match self {
            Operation::ListFoundationModels => "ListFoundationModels",
            Operation::GetFoundationModel => "GetFoundationModel",
            Operation::GetFoundationModelAvailability => "GetFoundationModelAvailability",
            Operation::ListInferenceProfiles => "ListInferenceProfiles",
            Operation::GetInferenceProfile => "GetInferenceProfile",
            Operation::CreateInferenceProfile => "CreateInferenceProfile",
            Operation::DeleteInferenceProfile => "DeleteInferenceProfile",
            Operation::ListTagsForResource => "ListTagsForResource",
            Operation::Converse => "Converse",
            Operation::ConverseStream => "ConverseStream",
            Operation::GetCallerIdentity => "GetCallerIdentity",
            Operation::GetMetricData => "GetMetricData",
            Operation::ListMetrics => "ListMetrics",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Operation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Operation::ALL.into_iter().find(|op| op.name() == text).ok_or_else(|| format!("`{text}` is not an operation"))
    }
}

/// Which model identifiers a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelMatch {
    /// Any request of the operation, with or without an identifier.
    Any,
    /// Requests naming this identifier: the decoded path identifier (a model id, a profile id
    /// or an ARN), or the id part of an ARN (so `us.amazon.nova-pro-v1:0` also matches the
    /// profile's ARN).
    Id(String),
}

impl From<&str> for ModelMatch {
    fn from(id: &str) -> Self {
        ModelMatch::Id(id.to_owned())
    }
}

impl From<String> for ModelMatch {
    fn from(id: String) -> Self {
        ModelMatch::Id(id)
    }
}

impl From<ModelMatch> for Option<String> {
    fn from(model: ModelMatch) -> Self {
        match model {
            ModelMatch::Any => None,
            ModelMatch::Id(id) => Some(id),
        }
    }
}

/// A scripted failure: requests that match fail with `error` instead of being served.
/// Rules are tried in order; the first that matches applies (and uses up one of its `times`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The operation; `None` matches every operation.
    #[serde(default)]
    pub operation: Option<Operation>,
    /// The identifier (see [`ModelMatch::Id`]); `None` matches any request.
    #[serde(default)]
    pub model: Option<String>,
    /// The region (from the SigV4 scope); `None` matches every region.
    #[serde(default)]
    pub region: Option<String>,
    /// The error to answer with.
    pub error: FakeError,
    /// How many matching requests fail before the rule is used up; `None` means all of them.
    #[serde(default)]
    pub times: Option<u32>,
    /// ConverseStream only: answer 200, start the stream (messageStart and one text delta), then
    /// send the error as an exception event instead of failing before the stream.
    #[serde(default)]
    pub mid_stream: bool,
}

impl Rule {
    /// A rule failing every matching request (`times: None`), in every region.
    pub fn new(operation: Operation, model: impl Into<ModelMatch>, error: FakeError) -> Rule {
        Rule {
            operation: Some(operation),
            model: model.into().into(),
            region: None,
            error,
            times: None,
            mid_stream: false,
        }
    }

    /// Limits the rule to `times` matching requests.
    #[must_use]
    pub fn times(mut self, times: u32) -> Rule {
        self.times = Some(times);
        self
    }

    /// Limits the rule to one region.
    #[must_use]
    pub fn in_region(mut self, region: impl Into<String>) -> Rule {
        self.region = Some(region.into());
        self
    }

    /// Sends the error inside the stream (ConverseStream).
    #[must_use]
    pub fn mid_stream(mut self) -> Rule {
        self.mid_stream = true;
        self
    }

    pub(crate) fn matches(&self, operation: Operation, identifier: Option<&str>, region: &str) -> bool {
        self.operation.is_none_or(|op| op == operation)
            && self.region.as_deref().is_none_or(|r| r == region)
            && self.model.as_deref().is_none_or(|wanted| identifier.is_some_and(|id| identifier_matches(id, wanted)))
    }
}

/// Whether a request's identifier names `wanted`: equal, or an ARN whose resource id is `wanted`.
fn identifier_matches(identifier: &str, wanted: &str) -> bool {
    identifier == wanted
        || (identifier.starts_with("arn:") && identifier.rsplit_once('/').is_some_and(|(_, id)| id == wanted))
}

/// Injected latency: matching requests wait `delay_ms` before being answered (errors too).
/// The first matching rule applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyRule {
    /// The operation; `None` matches every operation.
    #[serde(default)]
    pub operation: Option<Operation>,
    /// The region; `None` matches every region.
    #[serde(default)]
    pub region: Option<String>,
    /// The delay in milliseconds.
    pub delay_ms: u64,
}

impl LatencyRule {
    /// Delays `operation` (every operation if `None`) in `region` (every region if `None`).
    pub fn new(operation: Option<Operation>, region: Option<&str>, delay: Duration) -> LatencyRule {
        LatencyRule {
            operation,
            region: region.map(str::to_owned),
            delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }

    pub(crate) fn matches(&self, operation: Operation, region: &str) -> bool {
        self.operation.is_none_or(|op| op == operation) && self.region.as_deref().is_none_or(|r| r == region)
    }
}

/// A change to one model of one region; a model that does not exist yet is created with
/// [`crate::data::FakeModel::new`]'s defaults first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelPatch {
    /// The region.
    pub region: String,
    /// The model id.
    pub model_id: String,
    /// New `inferenceTypesSupported`, e.g. `["INFERENCE_PROFILE"]` to make the model
    /// profile-only in the region.
    #[serde(default)]
    pub inference_types: Option<Vec<InferenceType>>,
    /// A new lifecycle.
    #[serde(default)]
    pub lifecycle: Option<Lifecycle>,
    /// Removes the model from the region instead.
    #[serde(default)]
    pub remove: bool,
}

/// A change to one inference profile of one region, which must exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfilePatch {
    /// The region.
    pub region: String,
    /// The profile id (`us.amazon.nova-pro-v1:0`, or an application profile's 12 characters).
    pub profile_id: String,
    /// A new `status`, e.g. `DISABLED` (see [`crate::data::FakeProfile::status`]).
    #[serde(default)]
    pub status: Option<String>,
}

/// The body of `POST /__fake/script`: everything in it is added to the running fake.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ControlScript {
    /// Failure rules, appended after the existing ones.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Latency rules, appended after the existing ones.
    #[serde(default)]
    pub latency: Vec<LatencyRule>,
    /// Data changes, applied in order.
    #[serde(default)]
    pub models: Vec<ModelPatch>,
    /// Profile changes, applied in order after the models. A script naming a profile its
    /// region does not have is refused whole.
    #[serde(default)]
    pub profiles: Vec<ProfilePatch>,
    /// CloudWatch metrics, added to the existing ones (a point scripted `ago_seconds` is
    /// placed from the time the script arrives).
    #[serde(default)]
    pub metrics: Vec<MetricSeries>,
    /// The most datapoints (GetMetricData) or metrics (ListMetrics) one CloudWatch answer
    /// holds, to exercise paging; `None` leaves CloudWatch's own limits.
    #[serde(default)]
    pub metrics_page_limit: Option<usize>,
}

/// One request the fake received (control requests are not logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// The HTTP method.
    pub method: String,
    /// The path exactly as received, still percent-encoded.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The operation, if the request named one.
    pub operation: Option<Operation>,
    /// The region of the SigV4 credential scope (for a bearer token, the default region).
    pub region: Option<String>,
    /// The decoded identifier of the path (`amazon.nova-pro-v1:0`, a profile ARN, …).
    pub model_id: Option<String>,
    /// The access key id of the credential scope.
    pub access_key_id: Option<String>,
    /// The status answered.
    pub status: u16,
    /// The error type answered, if it was an error.
    pub error_type: Option<String>,
    /// The request body (lossy UTF-8).
    pub body: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_for_a_profile_id_also_matches_its_arn() {
        let rule = Rule::new(Operation::Converse, "us.amazon.nova-pro-v1:0", FakeError::Throttling);
        let arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-pro-v1:0";
        assert!(rule.matches(Operation::Converse, Some("us.amazon.nova-pro-v1:0"), "us-east-1"));
        assert!(rule.matches(Operation::Converse, Some(arn), "us-west-2"));
        assert!(!rule.matches(Operation::Converse, Some("amazon.nova-pro-v1:0"), "us-east-1"));
        assert!(!rule.matches(Operation::ConverseStream, Some("us.amazon.nova-pro-v1:0"), "us-east-1"));
        assert!(!rule.matches(Operation::Converse, None, "us-east-1"));
    }

    #[test]
    fn an_any_rule_in_one_region_matches_only_there() {
        let rule = Rule::new(Operation::ListFoundationModels, ModelMatch::Any, FakeError::InternalServer)
            .in_region("eu-west-1");
        assert!(rule.matches(Operation::ListFoundationModels, None, "eu-west-1"));
        assert!(!rule.matches(Operation::ListFoundationModels, None, "us-east-1"));
    }

    #[test]
    fn a_control_script_reads_from_json_with_defaults() {
        let script: ControlScript = serde_json::from_str(
            r#"{"rules": [{"operation": "Converse", "model": "m.x-v1:0", "error": "ModelTimeout", "times": 1}],
                "latency": [{"operation": "ListFoundationModels", "delay_ms": 50}],
                "models": [{"region": "us-east-1", "model_id": "amazon.nova-pro-v1:0",
                            "inference_types": ["INFERENCE_PROFILE"]}]}"#,
        )
        .unwrap();
        assert_eq!(script.rules[0], Rule::new(Operation::Converse, "m.x-v1:0", FakeError::ModelTimeout).times(1));
        assert_eq!(
            script.latency[0],
            LatencyRule::new(Some(Operation::ListFoundationModels), None, Duration::from_millis(50))
        );
        assert_eq!(script.models[0].inference_types, Some(vec![InferenceType::InferenceProfile]));
        assert!(!script.models[0].remove);
        assert!(script.profiles.is_empty());
    }

    #[test]
    fn operations_parse_from_their_aws_names() {
        for op in Operation::ALL {
            assert_eq!(op.name().parse::<Operation>(), Ok(op));
        }
        assert!("Invoke".parse::<Operation>().is_err());
    }
}
