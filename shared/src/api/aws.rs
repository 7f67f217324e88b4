//! AWS (`/api/v1/aws/…`): everything done by the server with its own credentials; no secret
//! ever reaches the browser. Times are seconds since the Unix epoch.

use serde::{Deserialize, Serialize};

use super::bindings::BindingsResponse;
use crate::application_profile::ProfileTag;
use crate::aws_failure::AwsFailure;
use crate::date::CalendarDate;
use crate::diff::DiffLine;
use crate::fact_source::FactSource;
use crate::profile_suggestion::ProfileSuggestion;
use crate::version::Version;

/// `GET /api/v1/aws/status`: whether the server has AWS credentials, and for whom.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwsStatus {
    /// Whether credentials were found and AWS accepted them (STS GetCallerIdentity answered).
    pub ok: bool,
    /// Whether the credential chain produced credentials at all.
    #[serde(default)]
    pub credentials: bool,
    /// The named profile in use (`--profile` or `AWS_PROFILE`); `None` for the default chain.
    #[serde(default)]
    pub profile: Option<String>,
    /// The region calls go to by default.
    #[serde(default)]
    pub region: Option<String>,
    /// Which provider of the chain gave the credentials (`EnvironmentVariable`, `SSO`, …).
    #[serde(default)]
    pub credentials_source: Option<String>,
    /// The account id, from GetCallerIdentity.
    #[serde(default)]
    pub account: Option<String>,
    /// The caller's ARN, from GetCallerIdentity.
    #[serde(default)]
    pub caller_arn: Option<String>,
    /// The endpoint-override variables in effect (names only), such as `AWS_ENDPOINT_URL_BEDROCK`.
    #[serde(default)]
    pub endpoint_overrides: Vec<String>,
    /// Why `ok` is false, in plain words.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub problem: Option<AwsFailure>,
}

/// The type of an inference profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum InferenceProfileType {
    /// Defined by AWS (a cross-region profile).
    SystemDefined,
    /// Created in the account (CreateInferenceProfile).
    Application,
}

/// An inference profile callable from a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiscoveredProfile {
    /// `inferenceProfileId`: `us.amazon.nova-pro-v1:0`, or an application profile's short id.
    pub id: String,
    /// `inferenceProfileArn`; empty for a profile known only from the offline catalog.
    #[serde(default)]
    pub arn: String,
    /// `inferenceProfileName`.
    #[serde(default)]
    pub name: String,
    /// `description`.
    #[serde(default)]
    pub description: Option<String>,
    /// System-defined or application.
    pub profile_type: InferenceProfileType,
    /// `status` (`ACTIVE`).
    #[serde(default)]
    pub status: String,
    /// The foundation models it routes to, read from `models[].modelArn`.
    #[serde(default)]
    pub model_arns: Vec<String>,
    /// The model the profile calls (from `models[].modelArn`, never from the profile's id).
    #[serde(default)]
    pub base_model: Option<String>,
    /// The regions it routes to (from `models[].modelArn`).
    #[serde(default)]
    pub destination_regions: Vec<String>,
    /// Live or offline.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub source: FactSource,
    /// When it was fetched, for a live entry.
    #[serde(default)]
    pub fetched_at: Option<u64>,
}

/// One model as one region offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionModel {
    /// The model id.
    pub id: String,
    /// The display name.
    #[serde(default)]
    pub name: String,
    /// The provider's display name.
    #[serde(default)]
    pub provider: String,
    /// Whether the model can be called here only through a profile; `None` when unknown.
    #[serde(default)]
    pub requires_profile: Option<bool>,
    /// The lifecycle (live `LEGACY` is `legacy`).
    pub lifecycle: crate::catalog::Lifecycle,
    /// `inferenceTypesSupported` as AWS wrote it (`ON_DEMAND`, `INFERENCE_PROFILE`, …), or the
    /// offline catalog's types.
    #[serde(default)]
    pub inference_types: Vec<String>,
    /// `responseStreamingSupported`, when known.
    #[serde(default)]
    pub streaming: Option<bool>,
    /// Live or offline.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub source: FactSource,
    /// When it was fetched, for a live entry.
    #[serde(default)]
    pub fetched_at: Option<u64>,
    /// The profiles to bind it to from this region, best first.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub suggestions: Vec<ProfileSuggestion>,
}

/// One region's models and profiles: live data merged over the offline catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionCatalog {
    /// The region.
    pub region: String,
    /// `live` once the region was fetched, `offline` before.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub source: FactSource,
    /// When the live data was fetched.
    #[serde(default)]
    pub fetched_at: Option<u64>,
    /// Why the last refresh of the region failed, if it did (the entries are then the older
    /// data, or offline).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub error: Option<AwsFailure>,
    /// The models, sorted by id.
    pub models: Vec<RegionModel>,
    /// The profiles callable from the region, sorted by id.
    pub profiles: Vec<DiscoveredProfile>,
}

/// `GET /api/v1/aws/catalog?regions=R1,R2&live=&requires_profile=&q=`: per-region catalogs.
/// `regions` defaults to the server's region; `live=true` first fetches regions whose cached
/// data is missing or older than the TTL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AwsCatalogQuery {
    /// Comma-separated regions.
    #[serde(default)]
    pub regions: Option<String>,
    /// Fetch what is missing or stale first.
    #[serde(default)]
    pub live: Option<bool>,
    /// Only models that do (`true`) or do not (`false`) require a profile in the region.
    #[serde(default)]
    pub requires_profile: Option<bool>,
    /// Case-insensitive substring of the id, name or provider.
    #[serde(default)]
    pub q: Option<String>,
}

/// `GET /api/v1/aws/catalog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwsCatalogResponse {
    /// One entry per region asked for, in the order asked.
    pub regions: Vec<RegionCatalog>,
    /// How long fetched data is reused, in seconds.
    #[serde(default)]
    pub ttl_seconds: u64,
    /// The day the embedded catalog (what a region not fetched shows) was compiled.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub compiled_on: Option<CalendarDate>,
}

/// `POST /api/v1/aws/refresh`: fetch regions now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The regions; empty means the server's region.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = json!(["us-east-1"])))]
    pub regions: Vec<String>,
    /// Reuse data younger than the TTL instead of fetching it again.
    #[serde(default)]
    pub use_cache: bool,
}

/// Where one region's refresh is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RegionState {
    /// Waiting for a slot under the concurrency limit.
    Pending,
    /// Being fetched.
    Running,
    /// Fetched (or reused from the cache).
    Done,
    /// The fetch failed; see `error`.
    Failed,
}

impl RegionState {
    /// The name on the wire (`serde`'s), for attributes and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            RegionState::Pending => "pending",
            RegionState::Running => "running",
            RegionState::Done => "done",
            RegionState::Failed => "failed",
        }
    }
}

/// One region of a refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionProgress {
    /// The region.
    pub region: String,
    /// Where it is.
    pub state: RegionState,
    /// Models found.
    #[serde(default)]
    pub models: usize,
    /// Profiles found (system and application).
    #[serde(default)]
    pub profiles: usize,
    /// How long the fetch took.
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
    /// Whether the data came from the cache rather than a fetch.
    #[serde(default)]
    pub cached: bool,
    /// Why it failed.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub error: Option<AwsFailure>,
}

impl RegionProgress {
    /// A region waiting for its turn.
    pub fn pending(region: impl Into<String>) -> RegionProgress {
        RegionProgress {
            region: region.into(),
            state: RegionState::Pending,
            models: 0,
            profiles: 0,
            elapsed_ms: None,
            cached: false,
            error: None,
        }
    }
}

/// `POST /api/v1/aws/refresh` (when done) and `GET /api/v1/aws/refresh` (while it runs): the
/// progress of the latest refresh, one entry per region.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshProgress {
    /// Whether a refresh is running.
    pub running: bool,
    /// The regions of the latest refresh.
    pub regions: Vec<RegionProgress>,
    /// How long the whole refresh took, once done.
    #[serde(default)]
    pub elapsed_ms: Option<u64>,
}

/// `POST /api/v1/aws/test` and `POST /api/v1/aws/test/stream`: call a model through its
/// binding with a short prompt.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestRequest {
    /// The model id (the binding's key).
    #[cfg_attr(feature = "openapi", schema(example = "amazon.nova-pro-v1:0"))]
    pub model: String,
    /// The prompt; a short default when absent.
    #[serde(default)]
    pub prompt: Option<String>,
    /// `maxTokens`; 64 when absent, refused above the server's ceiling.
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// The region to call; the server's region when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "us-east-1"))]
    pub region: Option<String>,
}

/// The outcome of a test invocation, successful or not.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestResponse {
    /// The model tested (the key).
    pub model: String,
    /// The exact `modelId` sent to Converse: the binding's value, or the model for direct.
    pub model_id_sent: String,
    /// The region called.
    pub region: String,
    /// The binding's value in force; `None` when the file has no line for the model.
    #[serde(default)]
    pub binding: Option<String>,
    /// Whether the call succeeded.
    pub ok: bool,
    /// The reply text.
    #[serde(default)]
    pub reply: String,
    /// `stopReason` (`end_turn`, `max_tokens`, …).
    #[serde(default)]
    pub stop_reason: Option<String>,
    /// `usage.inputTokens`.
    #[serde(default)]
    pub input_tokens: Option<u32>,
    /// `usage.outputTokens`.
    #[serde(default)]
    pub output_tokens: Option<u32>,
    /// The call's duration as the server measured it, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// `metrics.latencyMs`: Bedrock's own measure.
    #[serde(default)]
    pub service_latency_ms: Option<u64>,
    /// The `maxTokens` sent.
    #[serde(default)]
    pub max_tokens: u32,
    /// Why it failed, with a remedy and maybe a fix.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub diagnosis: Option<AwsFailure>,
}

/// One server-sent event of `POST /api/v1/aws/test/stream`: the SSE `event` is the `type`,
/// the `data` this JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum TestStreamEvent {
    /// The call is going out.
    Start {
        /// The model tested.
        model: String,
        /// The exact `modelId` sent.
        model_id_sent: String,
        /// The region called.
        region: String,
    },
    /// Text as it arrives.
    Delta {
        /// The new text.
        text: String,
    },
    /// The end: the whole outcome, as `POST /api/v1/aws/test` would answer it.
    Done(Box<TestResponse>),
}

/// `POST /api/v1/aws/check`: check bindings against AWS without invoking a model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckRequest {
    /// The region; the server's region when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "us-east-1"))]
    pub region: Option<String>,
    /// Only these keys; every binding when empty.
    #[serde(default)]
    pub models: Vec<String>,
}

/// One thing `check` verifies about a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// The key and value parse.
    WellFormed,
    /// An ARN value names the region being checked.
    ArnRegion,
    /// GetInferenceProfile finds the profile in the region.
    ProfileExists,
    /// The profile's status is ACTIVE.
    ProfileActive,
    /// The profile's `models[]` contains the key's model.
    ProfileContainsModel,
    /// The region offers the model (GetFoundationModel).
    ModelOffered,
    /// A direct binding: the model supports ON_DEMAND in the region.
    OnDemand,
    /// The model's lifecycle is not LEGACY.
    NotLegacy,
    /// GetFoundationModelAvailability: `authorizationStatus` is AUTHORIZED.
    Authorized,
    /// GetFoundationModelAvailability: the Marketplace agreement is AVAILABLE.
    Agreement,
}

impl CheckKind {
    /// The name on the wire (`serde`'s), for attributes and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::WellFormed => "well-formed",
            CheckKind::ArnRegion => "arn-region",
            CheckKind::ProfileExists => "profile-exists",
            CheckKind::ProfileActive => "profile-active",
            CheckKind::ProfileContainsModel => "profile-contains-model",
            CheckKind::ModelOffered => "model-offered",
            CheckKind::OnDemand => "on-demand",
            CheckKind::NotLegacy => "not-legacy",
            CheckKind::Authorized => "authorized",
            CheckKind::Agreement => "agreement",
        }
    }
}

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// It holds.
    Pass,
    /// It does not: the binding will fail.
    Fail,
    /// Not checked (an earlier check failed, or it does not apply).
    Skip,
}

/// One check of one binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckItem {
    /// What was checked.
    pub check: CheckKind,
    /// How it came out.
    pub status: CheckStatus,
    /// A plain sentence.
    pub message: String,
}

/// The checks of one binding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingCheck {
    /// The key.
    pub model: String,
    /// The value as written; empty means direct.
    pub profile: String,
    /// The 1-based line of the binding; 0 for a model the file does not bind.
    pub line: usize,
    /// Whether no check failed.
    pub ok: bool,
    /// Each check, in the order made.
    pub checks: Vec<CheckItem>,
    /// The explanation of the first failure, with a remedy and maybe a fix.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub diagnosis: Option<AwsFailure>,
}

/// `POST /api/v1/aws/check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckResponse {
    /// The region checked.
    pub region: String,
    /// Whether every binding passed.
    pub ok: bool,
    /// One entry per binding, in key order.
    pub bindings: Vec<BindingCheck>,
}

/// `POST /api/v1/aws/profiles`: create an application inference profile. With `bind`, the
/// request also needs `If-Match` (the file's version), and the new ARN is bound to its model.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProfileRequest {
    /// `inferenceProfileName`.
    #[cfg_attr(feature = "openapi", schema(example = "fuzzed-profile"))]
    pub name: String,
    /// `description`.
    #[serde(default)]
    pub description: Option<String>,
    /// `modelSource.copyFrom`: a foundation-model ARN or a system inference-profile ARN.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0")
    )]
    pub copy_from: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<ProfileTag>,
    /// `clientRequestToken`: send the same token again to retry without creating twice.
    #[serde(default)]
    pub client_request_token: Option<String>,
    /// The region; the server's region when absent.
    #[serde(default)]
    pub region: Option<String>,
    /// Also bind the new ARN to its model.
    #[serde(default)]
    pub bind: bool,
}

/// The answer to `POST /api/v1/aws/profiles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateProfileResponse {
    /// The new profile's ARN.
    pub arn: String,
    /// Its status (`ACTIVE`).
    pub status: String,
    /// The region it lives in.
    pub region: String,
    /// The model it calls.
    #[serde(default)]
    pub model: Option<String>,
    /// The file after binding, when `bind` was asked.
    #[serde(default)]
    pub bindings: Option<BindingsResponse>,
}

/// A binding line that points at a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfileReference {
    /// The key.
    pub model: String,
    /// The 1-based line.
    pub line: usize,
    /// The line's value.
    pub profile: String,
}

/// An application inference profile and the bindings that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationProfile {
    /// The profile.
    pub profile: DiscoveredProfile,
    /// The binding lines whose value is this profile.
    #[serde(default)]
    pub references: Vec<ProfileReference>,
}

/// `GET /api/v1/aws/profiles?region=`: the account's application inference profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProfilesResponse {
    /// The region listed.
    pub region: String,
    /// The profiles, sorted by name.
    pub profiles: Vec<ApplicationProfile>,
}

/// `DELETE /api/v1/aws/profiles/{id or ARN}?region=&confirm=true`. Without `confirm=true`
/// nothing is deleted: the answer is a 409 `confirmation-required` whose details list the
/// binding lines that point at the profile.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct DeleteProfileQuery {
    /// The region; the server's region when absent.
    #[serde(default)]
    pub region: Option<String>,
    /// Delete even though it cannot be undone (and even if bindings point at it).
    #[serde(default)]
    pub confirm: Option<bool>,
}

/// The answer to a confirmed delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteProfileResponse {
    /// The profile's ARN.
    pub arn: String,
    /// The binding lines that still point at it (now broken).
    #[serde(default)]
    pub references: Vec<ProfileReference>,
}

/// `POST /api/v1/aws/bind-required`: preview binding every unbound profile-only model of a
/// region to its top live suggestion. Apply it by sending `text` with `PUT /api/v1/bindings`
/// and `If-Match: version`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequiredRequest {
    /// The region; the server's region when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "us-east-1"))]
    pub region: Option<String>,
}

/// One binding the preview adds or changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedBinding {
    /// The key.
    pub model: String,
    /// The top suggestion's value.
    pub profile: String,
    /// Why that profile.
    pub reason: String,
}

/// A model a preview (bind-required, promote) leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SkippedModel {
    /// The model.
    pub model: String,
    /// Why.
    pub reason: String,
}

/// The answer to `POST /api/v1/aws/bind-required`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindRequiredPreview {
    /// The file's version the preview was made against: the `If-Match` of the `PUT`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub version: Version,
    /// The region.
    pub region: String,
    /// The whole new text.
    pub text: String,
    /// The line diff from the file to `text`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub diff: Vec<DiffLine>,
    /// What changes.
    pub changes: Vec<PlannedBinding>,
    /// Profile-only models left unbound, with the reason.
    #[serde(default)]
    pub skipped: Vec<SkippedModel>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_attributes_are_the_wire_names() {
        for state in [RegionState::Pending, RegionState::Running, RegionState::Done, RegionState::Failed] {
            assert_eq!(serde_json::to_value(state).expect("serialize"), state.as_str());
        }
        for kind in [CheckKind::WellFormed, CheckKind::ArnRegion, CheckKind::ProfileContainsModel, CheckKind::NotLegacy]
        {
            assert_eq!(serde_json::to_value(kind).expect("serialize"), kind.as_str());
        }
    }
}
