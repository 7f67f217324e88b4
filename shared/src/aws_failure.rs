//! [`AwsFailure`]: what a failed AWS call means, in plain words, with a remedy and, where one
//! exists, a [`Fix`] the UI can apply in one click.
//!
//! [`classify`] reads the error type and message AWS answered with (the table "Errors users
//! hit" in `shared/reference/bedrock-facts.md`). It lives in `shared`, with no I/O and no regex,
//! so the browser shows exactly the words the CLI prints and the rules are tested once.
//!
//! Bedrock's error *types* are coarse (one `ValidationException` for a typo and for a model that
//! needs a profile), so the message decides; the type breaks ties and covers the rest.

use serde::{Deserialize, Serialize};

use crate::fact_source::FactSource;
use crate::profile_suggestion::ProfileSuggestion;

/// A stable name for each kind of failure; the UI keys icons and help links on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AwsFailureCode {
    /// The model needs an inference profile in this region (ValidationException, "…with
    /// on-demand throughput isn’t supported…" or the older "…doesn't support on-demand
    /// throughput.").
    OnDemandNotSupported,
    /// "The provided model identifier is invalid.": a typo, a model the region lacks, a profile
    /// of another geography, or an ARN of another region.
    InvalidModelIdentifier,
    /// AccessDeniedException from IAM (or an SCP).
    AccessDenied,
    /// AccessDeniedException because the AWS Marketplace subscription is missing.
    MarketplaceAccessDenied,
    /// ResourceNotFoundException: Anthropic's use-case form was not submitted.
    UseCaseFormRequired,
    /// ResourceNotFoundException: the model version reached its end of life.
    EndOfLife,
    /// ResourceNotFoundException: a legacy model the account has not used in 30 days.
    LegacyNotActive,
    /// ThrottlingException: too many requests or tokens.
    Throttled,
    /// ModelTimeoutException.
    ModelTimeout,
    /// ModelNotReadyException.
    ModelNotReady,
    /// ModelErrorException.
    ModelError,
    /// ServiceUnavailableException.
    ServiceUnavailable,
    /// InternalServerException.
    InternalServer,
    /// No credentials anywhere in the default chain.
    NoCredentials,
    /// Expired credentials, or an SSO session that has ended.
    ExpiredCredentials,
    /// Credentials AWS does not recognise.
    InvalidCredentials,
    /// No region was configured, so there is nowhere to send the call.
    NoRegion,
    /// The endpoint could not be reached (network, proxy, endpoint override) or did not answer
    /// in time.
    Unreachable,
    /// Any other ResourceNotFoundException: the profile or model does not exist there.
    NotFound,
    /// The profile exists but its status is not ACTIVE, so calls through it fail.
    ProfileNotActive,
    /// Any other ValidationException.
    Validation,
    /// Anything else.
    Unknown,
}

impl AwsFailureCode {
    /// The name on the wire (`serde`'s), which the UI keys on.
    pub fn as_str(self) -> &'static str {
        match self {
            AwsFailureCode::OnDemandNotSupported => "on-demand-not-supported",
            AwsFailureCode::InvalidModelIdentifier => "invalid-model-identifier",
            AwsFailureCode::AccessDenied => "access-denied",
            AwsFailureCode::MarketplaceAccessDenied => "marketplace-access-denied",
            AwsFailureCode::UseCaseFormRequired => "use-case-form-required",
            AwsFailureCode::EndOfLife => "end-of-life",
            AwsFailureCode::LegacyNotActive => "legacy-not-active",
            AwsFailureCode::Throttled => "throttled",
            AwsFailureCode::ModelTimeout => "model-timeout",
            AwsFailureCode::ModelNotReady => "model-not-ready",
            AwsFailureCode::ModelError => "model-error",
            AwsFailureCode::ServiceUnavailable => "service-unavailable",
            AwsFailureCode::InternalServer => "internal-server",
            AwsFailureCode::NoCredentials => "no-credentials",
            AwsFailureCode::ExpiredCredentials => "expired-credentials",
            AwsFailureCode::InvalidCredentials => "invalid-credentials",
            AwsFailureCode::NoRegion => "no-region",
            AwsFailureCode::Unreachable => "unreachable",
            AwsFailureCode::NotFound => "not-found",
            AwsFailureCode::ProfileNotActive => "profile-not-active",
            AwsFailureCode::Validation => "validation",
            AwsFailureCode::Unknown => "unknown",
        }
    }
}

/// A change the UI can apply for the user: the remedy, done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fix {
    /// Bind `model` to `profile` (`POST /api/v1/bindings/bind`): `{"bind": {"model", "profile"}}`.
    Bind {
        /// The key.
        model: String,
        /// The value: a profile id discovered in the region, or an application profile ARN.
        profile: String,
    },
}

/// What AWS answered, as the SDK reported it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AwsErrorInfo {
    /// The error type (`ValidationException`), from `x-amzn-errortype` or the body's `__type`.
    pub error_type: String,
    /// The body's message, verbatim.
    pub message: String,
    /// The HTTP status, when there was a response.
    #[serde(default)]
    pub status: Option<u16>,
}

/// A failure explained: what happened, what to do, and (where possible) the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsFailure {
    /// The kind of failure.
    pub code: AwsFailureCode,
    /// What happened, in one or two plain sentences.
    pub explanation: String,
    /// What to do about it.
    pub remedy: String,
    /// A one-click fix, where one is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// Whether the same call may succeed if simply retried later.
    #[serde(default)]
    pub retryable: bool,
    /// The AWS error behind it, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsErrorInfo>,
    /// The technical detail behind a failure made from an SDK error (its error chain, such as
    /// "failed to load IMDS session token: …"), kept out of the plain explanation: for a
    /// "details" toggle, the CLI's `detail:` line and the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What the caller knows about the failed call, for the words and the fix.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallContext<'a> {
    /// The model (the binding's key).
    pub model: Option<&'a str>,
    /// The identifier that was sent (`modelId`): the binding's value, or the model for direct.
    pub sent: Option<&'a str>,
    /// The region the call went to.
    pub region: Option<&'a str>,
    /// The profiles discovered in `region` that contain `model`, best first.
    pub suggestions: &'a [ProfileSuggestion],
}

impl AwsFailure {
    /// A diagnosis with no fix, not retryable, and no AWS error behind it (a finding of a
    /// check rather than a failed call).
    pub fn new(code: AwsFailureCode, explanation: impl Into<String>, remedy: impl Into<String>) -> AwsFailure {
        AwsFailure {
            code,
            explanation: explanation.into(),
            remedy: remedy.into(),
            fix: None,
            retryable: false,
            aws: None,
            detail: None,
        }
    }

    /// The same failure with the technical detail behind it (blank detail: none).
    #[must_use]
    pub fn with_detail(mut self, detail: Option<&str>) -> AwsFailure {
        self.detail = detail
            .map(str::trim)
            .filter(|detail| !detail.is_empty())
            .map(|detail| detail.trim_end_matches('.').to_owned());
        self
    }

    /// The same diagnosis with a fix.
    #[must_use]
    pub fn with_fix(mut self, fix: Option<Fix>) -> AwsFailure {
        self.fix = fix;
        self
    }

    fn retryable(mut self) -> AwsFailure {
        self.retryable = true;
        self
    }

    /// No credentials in the chain; `detail` says where the chain looked, if known.
    pub fn no_credentials(detail: Option<&str>) -> AwsFailure {
        AwsFailure::new(
            AwsFailureCode::NoCredentials,
            "No AWS credentials were found. The app keeps working on the offline catalog.",
            "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws/config \
             (`aws configure` or `aws configure sso`) and pass --profile or set AWS_PROFILE.",
        )
        .with_detail(detail)
    }

    /// Expired credentials; `sso_profile` names the profile when an SSO session ended.
    pub fn expired_credentials(sso_profile: Option<&str>, sso: bool) -> AwsFailure {
        if sso {
            let login = match sso_profile {
                Some(profile) => format!("aws sso login --profile {profile}"),
                None => "aws sso login".to_owned(),
            };
            AwsFailure::new(
                AwsFailureCode::ExpiredCredentials,
                "The SSO session has expired (or was never started), so there are no valid credentials.",
                format!("Sign in again with `{login}`, then retry."),
            )
        } else {
            AwsFailure::new(
                AwsFailureCode::ExpiredCredentials,
                "The AWS credentials have expired.",
                "Renew them (new session credentials, or `aws sso login` for an SSO profile), then retry.",
            )
        }
    }

    /// Credentials AWS does not recognise.
    pub fn invalid_credentials() -> AwsFailure {
        AwsFailure::new(
            AwsFailureCode::InvalidCredentials,
            "AWS does not recognise these credentials (the access key id or the session token is invalid).",
            "Check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, or the keys of the profile in use.",
        )
    }

    /// No region configured.
    pub fn no_region() -> AwsFailure {
        AwsFailure::new(
            AwsFailureCode::NoRegion,
            "No AWS region is configured, so there is nowhere to send the call.",
            "Pass --region, set AWS_REGION, or set `region` in the profile in ~/.aws/config.",
        )
    }

    /// The endpoint could not be reached or did not answer in time.
    pub fn unreachable(detail: &str) -> AwsFailure {
        AwsFailure::new(
            AwsFailureCode::Unreachable,
            "The AWS endpoint could not be reached.",
            "Check the network and any proxy, and the endpoint overrides (AWS_ENDPOINT_URL, \
             AWS_ENDPOINT_URL_BEDROCK, AWS_ENDPOINT_URL_BEDROCK_RUNTIME) if you set them; then retry.",
        )
        .with_detail(Some(detail))
        .retryable()
    }

    /// The credentials chain failed for another reason (a broken ~/.aws/config, a failing
    /// `credential_process`, …).
    pub fn credentials_error(detail: &str) -> AwsFailure {
        AwsFailure::new(
            AwsFailureCode::NoCredentials,
            "The AWS credentials could not be loaded.",
            "Fix the profile in ~/.aws/config (or the environment variables) that the detail names, then retry.",
        )
        .with_detail(Some(detail))
    }
}

/// Whether `haystack` contains `needle`, ignoring ASCII case.
fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(&needle.to_ascii_lowercase())
}

/// The error type in lowercase, without AWS's `:http://internal…` suffix, a namespace
/// (`aws.protocols#…`) or the `Exception` ending, so `ThrottlingException`, `Throttling`,
/// `ThrottlingException:http://…` and a stream's `throttlingException` event compare equal.
fn bare_type(error_type: &str) -> String {
    let head = error_type.split(':').next().unwrap_or_default();
    let name = head.rsplit('#').next().unwrap_or(head).trim().to_ascii_lowercase();
    name.strip_suffix("exception").map(str::to_owned).unwrap_or(name)
}

/// Whether the message is Bedrock's "needs a profile here" error, in either wording. The
/// current one has a curly apostrophe (`isn’t`); a straight one is accepted too.
pub fn is_on_demand_message(message: &str) -> bool {
    contains(message, "on-demand throughput isn\u{2019}t supported")
        || contains(message, "on-demand throughput isn't supported")
        || contains(message, "doesn't support on-demand throughput")
        || contains(message, "does not support on-demand throughput")
}

/// Explains a failed AWS call.
pub fn classify(error: &AwsErrorInfo, context: &CallContext<'_>) -> AwsFailure {
    let message = error.message.as_str();
    let kind = bare_type(&error.error_type);
    let kind = kind.as_str();
    let model = context.model.or(context.sent).unwrap_or("the model");
    let sent = context.sent.or(context.model).unwrap_or("the identifier");
    let region = context.region.unwrap_or("this region");
    let top = context.suggestions.first();

    let mut diagnosis = if is_on_demand_message(message) {
        on_demand(model, region, top)
    } else if contains(message, "model identifier is invalid") {
        invalid_identifier(model, sent, region, context.suggestions)
    } else if contains(message, "use case details") {
        AwsFailure::new(
            AwsFailureCode::UseCaseFormRequired,
            "This account has not submitted Anthropic's use-case details form. This is not an IAM problem: \
             no policy change will help.",
            "Submit the use-case form in the Bedrock console (Model catalog, an Anthropic model, \
             \"Submit use case details\"), then retry 15 minutes after submitting.",
        )
    } else if kind == "accessdenied" && (contains(message, "marketplace") || contains(message, "subscri")) {
        AwsFailure::new(
            AwsFailureCode::MarketplaceAccessDenied,
            "AWS refused the call because this identity may not manage the model's AWS Marketplace subscription.",
            "Allow aws-marketplace:ViewSubscriptions and aws-marketplace:Subscribe for this identity (or have an \
             administrator call the model once), then retry; a new subscription takes up to 15 minutes.",
        )
    } else if kind == "accessdenied" {
        AwsFailure::new(
            AwsFailureCode::AccessDenied,
            format!("AWS refused to let this identity call `{sent}` in {region}."),
            "IAM must allow bedrock:InvokeModel (and bedrock:InvokeModelWithResponseStream) on the inference \
             profile ARN AND on the foundation-model ARNs in every destination region the profile routes to; \
             a service control policy that denies one of those regions causes this too.",
        )
    } else if contains(message, "end of its life") {
        rebind(AwsFailureCode::EndOfLife, format!("`{model}` has reached the end of its life; every call fails."))
    } else if contains(message, "marked by provider as legacy") {
        rebind(
            AwsFailureCode::LegacyNotActive,
            format!(
                "`{model}` is a legacy model and this account has not used it in the last 30 days, so AWS \
                 refuses new calls."
            ),
        )
    } else {
        by_type(kind, message, sent, region, context)
    };
    diagnosis.aws = Some(error.clone());
    diagnosis
}

fn on_demand(model: &str, region: &str, top: Option<&ProfileSuggestion>) -> AwsFailure {
    let explanation = format!(
        "`{model}` cannot be called by its bare id in {region}: AWS offers it there only through an inference \
         profile."
    );
    match top.filter(|s| s.source == FactSource::Live) {
        Some(suggestion) => {
            let mut diagnosis = AwsFailure::new(
                AwsFailureCode::OnDemandNotSupported,
                explanation,
                format!("Bind it to `{}`: {}.", suggestion.profile, suggestion.reason),
            );
            diagnosis.fix = Some(Fix::Bind { model: model.to_owned(), profile: suggestion.profile.clone() });
            diagnosis
        }
        None => AwsFailure::new(
            AwsFailureCode::OnDemandNotSupported,
            explanation,
            format!(
                "Bind it to an inference profile that contains it and is offered in {region}: refresh the live \
                 catalog for {region} to discover one, or create an application inference profile from it."
            ),
        ),
    }
}

fn invalid_identifier(model: &str, sent: &str, region: &str, suggestions: &[ProfileSuggestion]) -> AwsFailure {
    let mut diagnosis = AwsFailure::new(
        AwsFailureCode::InvalidModelIdentifier,
        format!("Bedrock in {region} does not know `{sent}`."),
        format!(
            "Check for a typo and that the model is offered in {region}. A geo profile works only from its own \
             geography (an `eu.` profile cannot be called from us-west-2), and a profile ARN only from the region \
             in the ARN."
        ),
    );
    if let Some(suggestion) = suggestions.iter().find(|s| s.source == FactSource::Live && s.profile != sent) {
        diagnosis.remedy.push_str(&format!(" In {region}, `{}` contains this model.", suggestion.profile));
        diagnosis.fix = Some(Fix::Bind { model: model.to_owned(), profile: suggestion.profile.clone() });
    }
    diagnosis
}

fn rebind(code: AwsFailureCode, explanation: String) -> AwsFailure {
    AwsFailure::new(
        code,
        explanation,
        "Rebind the key to an active model (the live catalog marks each model's lifecycle), or remove the binding.",
    )
}

fn by_type(kind: &str, message: &str, sent: &str, region: &str, context: &CallContext<'_>) -> AwsFailure {
    match kind {
        "throttling" | "toomanyrequests" => {
            let mut diagnosis = AwsFailure::new(
                AwsFailureCode::Throttled,
                format!("Bedrock is throttling calls to `{sent}` in {region} (too many requests or tokens)."),
                "Back off and retry. For more headroom call the model through a cross-region profile, or a \
                 global one, which spreads requests over more regions.",
            )
            .retryable();
            // A profile with more headroom than what was sent: a global one first.
            let better = context
                .suggestions
                .iter()
                .filter(|s| s.source == FactSource::Live && s.profile != sent)
                .min_by_key(|s| u8::from(!s.profile.starts_with("global.")));
            if let (Some(model), Some(better)) = (context.model, better) {
                diagnosis.fix = Some(Fix::Bind { model: model.to_owned(), profile: better.profile.clone() });
            }
            diagnosis
        }
        "modeltimeout" => AwsFailure::new(
            AwsFailureCode::ModelTimeout,
            "The model took too long to answer.",
            "Retry; a shorter prompt or a lower max tokens answers sooner.",
        )
        .retryable(),
        "modelnotready" => AwsFailure::new(
            AwsFailureCode::ModelNotReady,
            "The model is not ready to serve requests yet.",
            "Retry with backoff in a few seconds.",
        )
        .retryable(),
        "modelerror" | "modelstreamerror" => AwsFailure::new(
            AwsFailureCode::ModelError,
            "The model failed while processing the request.",
            "Check the prompt and parameters; the same request is likely to fail again.",
        ),
        "serviceunavailable" => AwsFailure::new(
            AwsFailureCode::ServiceUnavailable,
            format!("Bedrock in {region} is temporarily unable to serve the request."),
            "Retry with backoff; a cross-region profile spreads requests over more regions.",
        )
        .retryable(),
        "internalserver" | "internalfailure" => AwsFailure::new(
            AwsFailureCode::InternalServer,
            "Bedrock failed with an internal error.",
            "Retry with backoff.",
        )
        .retryable(),
        "expiredtoken" => AwsFailure::expired_credentials(None, false),
        "unrecognizedclient" | "invalidclienttokenid" | "invalidsignature" | "signaturedoesnotmatch" => {
            AwsFailure::invalid_credentials()
        }
        "resourcenotfound" => AwsFailure::new(
            AwsFailureCode::NotFound,
            format!("Bedrock in {region} has no `{sent}`: {message}"),
            "Check the identifier and the region; discover what the region offers with a live refresh.",
        ),
        "validation" => AwsFailure::new(
            AwsFailureCode::Validation,
            format!("Bedrock rejected the request: {message}"),
            "Correct the request as the message says.",
        ),
        _ => AwsFailure::new(
            AwsFailureCode::Unknown,
            format!("AWS answered an error: {message}"),
            "Check the message; retry if it looks transient.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile_suggestion::ProfileSuggestionKind;

    #[test]
    fn no_credentials_is_said_in_plain_words_with_the_sdk_chain_apart() {
        let chain = "failed to load IMDS session token: service error: request forbidden (HTTP 403)";
        let failure = AwsFailure::no_credentials(Some(chain));
        assert_eq!(failure.explanation, "No AWS credentials were found. The app keeps working on the offline catalog.");
        assert_eq!(failure.detail.as_deref(), Some(chain));
    }

    #[test]
    fn a_chain_after_a_colon_is_kept_apart_and_other_explanations_are_whole() {
        let unreachable = AwsFailure::unreachable("dispatch failure: connection refused");
        assert_eq!(unreachable.explanation, "The AWS endpoint could not be reached.");
        assert_eq!(unreachable.detail.as_deref(), Some("dispatch failure: connection refused"));
        let loading = AwsFailure::credentials_error("profile `dev` (in ~/.aws/config) is broken");
        assert_eq!(loading.explanation, "The AWS credentials could not be loaded.");
        assert_eq!(loading.detail.as_deref(), Some("profile `dev` (in ~/.aws/config) is broken"));
        assert_eq!(AwsFailure::no_credentials(None).detail, None);
        let expired = AwsFailure::expired_credentials(Some("dev"), true);
        assert_eq!(expired.detail, None, "nothing apart from an explanation that is whole");
    }

    const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    #[test]
    fn every_codes_name_is_its_wire_name() {
        let codes = [
            AwsFailureCode::OnDemandNotSupported,
            AwsFailureCode::InvalidModelIdentifier,
            AwsFailureCode::MarketplaceAccessDenied,
            AwsFailureCode::UseCaseFormRequired,
            AwsFailureCode::NoCredentials,
            AwsFailureCode::ProfileNotActive,
            AwsFailureCode::Unknown,
        ];
        for code in codes {
            assert_eq!(serde_json::to_value(code).expect("serialize"), code.as_str(), "{code:?}");
        }
    }

    fn error(error_type: &str, message: &str) -> AwsErrorInfo {
        AwsErrorInfo { error_type: error_type.to_owned(), message: message.to_owned(), status: None }
    }

    fn suggestion(profile: &str) -> ProfileSuggestion {
        ProfileSuggestion {
            profile: profile.to_owned(),
            arn: None,
            kind: if profile.starts_with("global.") {
                ProfileSuggestionKind::Global
            } else {
                ProfileSuggestionKind::Geo
            },
            rank: 1,
            reason: "a test reason".to_owned(),
            source: FactSource::Live,
        }
    }

    fn context<'a>(suggestions: &'a [ProfileSuggestion]) -> CallContext<'a> {
        CallContext { model: Some(SONNET), sent: Some(SONNET), region: Some("us-east-1"), suggestions }
    }

    #[test]
    fn the_curly_on_demand_message_offers_the_discovered_profile_as_a_fix() {
        let message = format!(
            "Invocation of model ID {SONNET} with on-demand throughput isn\u{2019}t supported. Retry your request \
             with the ID or ARN of an inference profile that contains this model."
        );
        let suggestions = [suggestion(&format!("us.{SONNET}"))];
        let diagnosis = classify(&error("ValidationException", &message), &context(&suggestions));
        assert_eq!(diagnosis.code, AwsFailureCode::OnDemandNotSupported);
        assert_eq!(diagnosis.fix, Some(Fix::Bind { model: SONNET.to_owned(), profile: format!("us.{SONNET}") }));
        assert!(diagnosis.remedy.contains("a test reason"), "{}", diagnosis.remedy);
        assert_eq!(diagnosis.aws.as_ref().map(|a| a.message.as_str()), Some(message.as_str()));
    }

    #[test]
    fn the_old_on_demand_wording_and_a_straight_apostrophe_are_recognised() {
        for message in [
            "The provided model doesn't support on-demand throughput.",
            "Invocation of model ID x.y with on-demand throughput isn't supported.",
        ] {
            let diagnosis = classify(&error("ValidationException", message), &context(&[]));
            assert_eq!(diagnosis.code, AwsFailureCode::OnDemandNotSupported, "{message}");
            assert_eq!(diagnosis.fix, None, "nothing discovered, nothing to offer");
        }
    }

    #[test]
    fn an_offline_suggestion_is_not_offered_as_a_one_click_fix() {
        let mut offline = suggestion(&format!("us.{SONNET}"));
        offline.source = FactSource::Offline;
        let message = "The provided model doesn't support on-demand throughput.";
        let diagnosis = classify(&error("ValidationException", message), &context(&[offline]));
        assert_eq!(diagnosis.fix, None);
    }

    #[test]
    fn an_invalid_identifier_explains_geography_and_region() {
        let diagnosis =
            classify(&error("ValidationException", "The provided model identifier is invalid."), &context(&[]));
        assert_eq!(diagnosis.code, AwsFailureCode::InvalidModelIdentifier);
        assert!(diagnosis.remedy.contains("geography"), "{}", diagnosis.remedy);
    }

    #[test]
    fn access_denied_names_the_profile_and_every_destination_region() {
        let diagnosis = classify(
            &error("AccessDeniedException", "You don't have access to the model with the specified model ID."),
            &context(&[]),
        );
        assert_eq!(diagnosis.code, AwsFailureCode::AccessDenied);
        assert!(diagnosis.remedy.contains("every destination region"), "{}", diagnosis.remedy);
    }

    #[test]
    fn a_marketplace_denial_is_told_apart_from_iam() {
        let message = "Model access is denied due to IAM user or service role is not authorized to perform the \
                       required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe)";
        let diagnosis = classify(&error("AccessDeniedException", message), &context(&[]));
        assert_eq!(diagnosis.code, AwsFailureCode::MarketplaceAccessDenied);
        assert!(diagnosis.remedy.contains("15 minutes"));
    }

    #[test]
    fn the_use_case_form_is_not_an_iam_problem() {
        let message = "Model use case details have not been submitted for this account. Fill out the Anthropic use \
                       case details form before using the model.";
        let diagnosis = classify(&error("ResourceNotFoundException", message), &context(&[]));
        assert_eq!(diagnosis.code, AwsFailureCode::UseCaseFormRequired);
        assert!(diagnosis.explanation.contains("not an IAM problem"));
        assert!(diagnosis.remedy.contains("15 minutes"));
    }

    #[test]
    fn end_of_life_and_legacy_ask_for_a_rebind() {
        let eol = "This model version has reached the end of its life. Please refer to the AWS documentation.";
        let legacy = "Access denied. This Model is marked by provider as Legacy and you have not been actively using \
                      the model in the last 30 days.";
        assert_eq!(classify(&error("ResourceNotFoundException", eol), &context(&[])).code, AwsFailureCode::EndOfLife);
        let diagnosis = classify(&error("ResourceNotFoundException", legacy), &context(&[]));
        assert_eq!(diagnosis.code, AwsFailureCode::LegacyNotActive);
        assert!(diagnosis.remedy.contains("Rebind"));
    }

    #[test]
    fn throttling_is_retryable_and_offers_a_global_profile_first() {
        let suggestions = [suggestion(&format!("us.{SONNET}")), suggestion(&format!("global.{SONNET}"))];
        let diagnosis = classify(
            &error("ThrottlingException:http://internal.amazon.com/coral/", "Too many requests"),
            &context(&suggestions),
        );
        assert_eq!(diagnosis.code, AwsFailureCode::Throttled);
        assert!(diagnosis.retryable);
        assert_eq!(diagnosis.fix, Some(Fix::Bind { model: SONNET.to_owned(), profile: format!("global.{SONNET}") }));
    }

    #[test]
    fn transient_model_and_service_errors_are_retryable_but_a_model_error_is_not() {
        for (kind, code) in [
            ("ModelTimeoutException", AwsFailureCode::ModelTimeout),
            ("ModelNotReadyException", AwsFailureCode::ModelNotReady),
            ("ServiceUnavailableException", AwsFailureCode::ServiceUnavailable),
            ("InternalServerException", AwsFailureCode::InternalServer),
        ] {
            let diagnosis = classify(&error(kind, "x"), &context(&[]));
            assert_eq!((diagnosis.code, diagnosis.retryable), (code, true), "{kind}");
        }
        let diagnosis = classify(&error("ModelErrorException", "x"), &context(&[]));
        assert_eq!((diagnosis.code, diagnosis.retryable), (AwsFailureCode::ModelError, false));
    }

    #[test]
    fn a_stream_exception_event_is_classified_like_the_error() {
        let diagnosis = classify(&error("throttlingException", "Too many tokens"), &context(&[]));
        assert_eq!(diagnosis.code, AwsFailureCode::Throttled);
        let diagnosis = classify(&error("serviceUnavailableException", "x"), &context(&[]));
        assert_eq!(diagnosis.code, AwsFailureCode::ServiceUnavailable);
    }

    #[test]
    fn expired_and_unrecognised_tokens_are_credential_problems() {
        let expired = classify(&error("ExpiredTokenException", "The security token is expired"), &context(&[]));
        assert_eq!(expired.code, AwsFailureCode::ExpiredCredentials);
        let sts = classify(&error("ExpiredToken", "expired"), &context(&[]));
        assert_eq!(sts.code, AwsFailureCode::ExpiredCredentials);
        let invalid = classify(&error("UnrecognizedClientException", "invalid"), &context(&[]));
        assert_eq!(invalid.code, AwsFailureCode::InvalidCredentials);
    }

    #[test]
    fn an_sso_expiry_names_the_login_command_for_the_profile() {
        let diagnosis = AwsFailure::expired_credentials(Some("dev"), true);
        assert!(diagnosis.remedy.contains("aws sso login --profile dev"), "{}", diagnosis.remedy);
    }

    #[test]
    fn a_fix_serialises_as_a_bind_object() {
        let fix = Fix::Bind { model: "a.b".to_owned(), profile: "us.a.b".to_owned() };
        assert_eq!(serde_json::to_string(&fix).unwrap(), r#"{"bind":{"model":"a.b","profile":"us.a.b"}}"#);
    }
}
