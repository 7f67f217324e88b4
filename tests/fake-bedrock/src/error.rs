//! [`FakeError`]: every error the fake can answer with, with AWS's status, type and message.
//!
//! Messages are AWS's words where they were seen in real responses (the source is named on the
//! variant); where no real response was found, the message is the service model's description
//! of the error and the variant says so.

use serde::{Deserialize, Serialize};

/// An error answer. REST-JSON errors go out as the status, `x-amzn-errortype: TYPE:…` and
/// `{"message": …}`; STS gets the awsQuery XML form of the same error.
///
/// In the control endpoint's JSON a unit variant is its name (`"Throttling"`) and the others
/// are objects (`{"Validation": "text"}`, `{"Custom": {"status": 400, "error_type": "X",
/// "message": "…"}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FakeError {
    /// ValidationException 400: "Invocation of model ID {id} with on-demand throughput isn’t
    /// supported. Retry your request with the ID or ARN of an inference profile that contains
    /// this model." (curly ’). Raised automatically when Converse names a model by id in a
    /// region whose data lacks `ON_DEMAND` for it.
    OnDemandNotSupported,
    /// ValidationException 400, the older wording: "The provided model doesn't support
    /// on-demand throughput."
    OnDemandNotSupportedOldWording,
    /// ValidationException 400: "The provided model identifier is invalid." Raised
    /// automatically for an id or profile the region does not have (an `eu.` profile called
    /// from us-west-2, a typo, a profile ARN of another region).
    InvalidModelIdentifier,
    /// ValidationException 400 with this message.
    Validation(String),
    /// AccessDeniedException 403, IAM: "You don't have access to the model with the specified
    /// model ID."
    AccessDenied,
    /// AccessDeniedException 403, Marketplace: "Model access is denied due to IAM user or
    /// service role is not authorized to perform the required AWS Marketplace actions
    /// (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this
    /// model. …" (as quoted in aws-samples/anthropic-on-aws#251 and
    /// ministryofjustice/modernisation-platform-environments#18323).
    MarketplaceAccessDenied,
    /// ResourceNotFoundException 404: the Anthropic use-case form has not been submitted.
    UseCaseFormRequired,
    /// ResourceNotFoundException 404: "This model version has reached the end of its life.
    /// Please refer to the AWS documentation for more details." Raised automatically for a
    /// model whose lifecycle is [`crate::data::Lifecycle::EndOfLife`].
    EndOfLife,
    /// ResourceNotFoundException 404: "Access denied. This Model is marked by provider as
    /// Legacy and you have not been actively using the model in the last 30 days. …"
    /// (the first sentence as quoted in gsd-build/gsd-2#5425; the tail is not verified).
    LegacyNotActive,
    /// ResourceNotFoundException 404 with this message.
    ResourceNotFound(String),
    /// ThrottlingException 429: "Too many requests, please wait before trying again."
    Throttling,
    /// ThrottlingException 429: "Too many tokens, please wait before trying again."
    TooManyTokens,
    /// ModelNotReadyException 429. No real message seen; this is the service model's description.
    ModelNotReady,
    /// ModelTimeoutException 408: "Model has timed out in processing the request. Try your
    /// request again." (aws-samples/sample-sonic-cdk-agent#31).
    ModelTimeout,
    /// ModelErrorException 424. No real message seen; this is the service model's description.
    ModelError,
    /// ServiceUnavailableException 503: "Bedrock is unable to process your request."
    /// (danny-avila/LibreChat#4217, darko-mesaros/bedrust#47).
    ServiceUnavailable,
    /// InternalServerException 500: "The system encountered an unexpected error during
    /// processing. Try your request again." (hydro-project/infinity#124).
    InternalServer,
    /// ExpiredTokenException 403: "The security token included in the request is expired"
    /// (anthropics/claude-code#28032). STS calls it `ExpiredToken`.
    ExpiredToken,
    /// UnrecognizedClientException 403: "The security token included in the request is
    /// invalid." (Arize-ai/openinference#2358). STS calls it `InvalidClientTokenId`.
    UnrecognizedClient,
    /// ConflictException 400 with this message.
    Conflict(String),
    /// Anything else: the status, the error type and the message, as given.
    Custom {
        /// The HTTP status.
        status: u16,
        /// The error type (`x-amzn-errortype`), e.g. `ServiceQuotaExceededException`.
        error_type: String,
        /// The body's `message`.
        message: String,
    },
}

impl FakeError {
    /// The HTTP status AWS answers with (the service model's `httpStatusCode`).
    pub fn status(&self) -> u16 {
        match self {
            FakeError::OnDemandNotSupported
            | FakeError::OnDemandNotSupportedOldWording
            | FakeError::InvalidModelIdentifier
            | FakeError::Validation(_)
            | FakeError::Conflict(_) => 400,
            FakeError::AccessDenied
            | FakeError::MarketplaceAccessDenied
            | FakeError::ExpiredToken
            | FakeError::UnrecognizedClient => 403,
            FakeError::UseCaseFormRequired
            | FakeError::EndOfLife
            | FakeError::LegacyNotActive
            | FakeError::ResourceNotFound(_) => 404,
            FakeError::ModelTimeout => 408,
            FakeError::ModelError => 424,
            FakeError::Throttling | FakeError::TooManyTokens | FakeError::ModelNotReady => 429,
            FakeError::InternalServer => 500,
            FakeError::ServiceUnavailable => 503,
            FakeError::Custom { status, .. } => *status,
        }
    }

    /// The error type, as in `x-amzn-errortype` (without AWS's `:http://internal…` suffix).
    pub fn error_type(&self) -> &str {
        match self {
            FakeError::OnDemandNotSupported
            | FakeError::OnDemandNotSupportedOldWording
            | FakeError::InvalidModelIdentifier
            | FakeError::Validation(_) => "ValidationException",
            FakeError::AccessDenied | FakeError::MarketplaceAccessDenied => "AccessDeniedException",
            FakeError::UseCaseFormRequired
            | FakeError::EndOfLife
            | FakeError::LegacyNotActive
            | FakeError::ResourceNotFound(_) => "ResourceNotFoundException",
            FakeError::Throttling | FakeError::TooManyTokens => "ThrottlingException",
            FakeError::ModelNotReady => "ModelNotReadyException",
            FakeError::ModelTimeout => "ModelTimeoutException",
            FakeError::ModelError => "ModelErrorException",
            FakeError::ServiceUnavailable => "ServiceUnavailableException",
            FakeError::InternalServer => "InternalServerException",
            FakeError::ExpiredToken => "ExpiredTokenException",
            FakeError::UnrecognizedClient => "UnrecognizedClientException",
            FakeError::Conflict(_) => "ConflictException",
            FakeError::Custom { error_type, .. } => error_type,
        }
    }

    /// The message; `model_id` is the identifier the request named, for the messages that
    /// quote it.
    pub fn message(&self, model_id: Option<&str>) -> String {
        match self {
            FakeError::OnDemandNotSupported => format!(
                "Invocation of model ID {} with on-demand throughput isn\u{2019}t supported. Retry your request with \
                 the ID or ARN of an inference profile that contains this model.",
                model_id.unwrap_or("")
            ),
            FakeError::OnDemandNotSupportedOldWording => {
                "The provided model doesn't support on-demand throughput.".to_owned()
            }
            FakeError::InvalidModelIdentifier => "The provided model identifier is invalid.".to_owned(),
            FakeError::AccessDenied => "You don't have access to the model with the specified model ID.".to_owned(),
            FakeError::MarketplaceAccessDenied => "Model access is denied due to IAM user or service role is not \
                 authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, \
                 aws-marketplace:Subscribe) to enable access to this model. Refer to the Amazon Bedrock documentation \
                 for further details. Your AWS Marketplace subscription for this model cannot be completed at this \
                 time. If you recently fixed this issue, try again after 15 minutes."
                .to_owned(),
            FakeError::UseCaseFormRequired => "Model use case details have not been submitted for this account. \
                 Fill out the Anthropic use case details form before using the model. If you have already filled out \
                 the form, try again in 15 minutes."
                .to_owned(),
            FakeError::EndOfLife => "This model version has reached the end of its life. Please refer to the AWS \
                 documentation for more details."
                .to_owned(),
            FakeError::LegacyNotActive => "Access denied. This Model is marked by provider as Legacy and you have \
                 not been actively using the model in the last 30 days. Please upgrade to an active model on Amazon \
                 Bedrock"
                .to_owned(),
            FakeError::Throttling => "Too many requests, please wait before trying again.".to_owned(),
            FakeError::TooManyTokens => "Too many tokens, please wait before trying again.".to_owned(),
            FakeError::ModelNotReady => "The model specified in the request is not ready to serve inference \
                 requests. The AWS SDK will automatically retry the operation up to 5 times."
                .to_owned(),
            FakeError::ModelTimeout => {
                "Model has timed out in processing the request. Try your request again.".to_owned()
            }
            FakeError::ModelError => "The request failed due to an error while processing the model.".to_owned(),
            FakeError::ServiceUnavailable => "Bedrock is unable to process your request.".to_owned(),
            FakeError::InternalServer => {
                "The system encountered an unexpected error during processing. Try your request again.".to_owned()
            }
            FakeError::ExpiredToken => "The security token included in the request is expired".to_owned(),
            FakeError::UnrecognizedClient => "The security token included in the request is invalid.".to_owned(),
            FakeError::Validation(message)
            | FakeError::ResourceNotFound(message)
            | FakeError::Conflict(message)
            | FakeError::Custom { message, .. } => message.clone(),
        }
    }

    /// Whether AWS's front door (not Bedrock itself) raises this: credential errors. Their
    /// `x-amzn-errortype` carries the generic coral service suffix.
    pub(crate) fn is_credential_error(&self) -> bool {
        matches!(self, FakeError::ExpiredToken | FakeError::UnrecognizedClient)
    }

    /// The awsQuery (STS) error code and message for this error: STS names the credential
    /// errors differently (`ExpiredToken`, `InvalidClientTokenId`, without the final period;
    /// see aws-azure-login/aws-azure-login#251) and has no `…Exception` suffixes for them.
    pub(crate) fn sts_code_and_message(&self) -> (String, String) {
        match self {
            FakeError::ExpiredToken => {
                ("ExpiredToken".to_owned(), "The security token included in the request is expired".to_owned())
            }
            FakeError::UnrecognizedClient => {
                ("InvalidClientTokenId".to_owned(), "The security token included in the request is invalid".to_owned())
            }
            FakeError::AccessDenied | FakeError::MarketplaceAccessDenied => {
                ("AccessDenied".to_owned(), self.message(None))
            }
            FakeError::Throttling | FakeError::TooManyTokens => ("Throttling".to_owned(), "Rate exceeded".to_owned()),
            other => (other.error_type().to_owned(), other.message(None)),
        }
    }

    /// The member of Bedrock's `ConverseStreamOutput` union that carries this error inside a
    /// stream (`:exception-type`). Errors the union has no member for travel as
    /// `modelStreamErrorException`.
    pub(crate) fn stream_exception_type(&self) -> &'static str {
        match self.error_type() {
            "ThrottlingException" => "throttlingException",
            "ValidationException" => "validationException",
            "InternalServerException" => "internalServerException",
            "ServiceUnavailableException" => "serviceUnavailableException",
            _ => "modelStreamErrorException",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_on_demand_error_quotes_the_model_with_a_curly_apostrophe() {
        let error = FakeError::OnDemandNotSupported;
        assert_eq!((error.status(), error.error_type()), (400, "ValidationException"));
        assert_eq!(
            error.message(Some("anthropic.claude-sonnet-4-5-20250929-v1:0")),
            "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn’t \
             supported. Retry your request with the ID or ARN of an inference profile that contains this model."
        );
    }

    #[test]
    fn every_error_has_the_status_its_service_model_gives() {
        let expected = [
            (FakeError::InvalidModelIdentifier, 400),
            (FakeError::MarketplaceAccessDenied, 403),
            (FakeError::UseCaseFormRequired, 404),
            (FakeError::ModelTimeout, 408),
            (FakeError::ModelError, 424),
            (FakeError::ModelNotReady, 429),
            (FakeError::Throttling, 429),
            (FakeError::InternalServer, 500),
            (FakeError::ServiceUnavailable, 503),
            (FakeError::ExpiredToken, 403),
        ];
        for (error, status) in expected {
            assert_eq!(error.status(), status, "{error:?}");
        }
    }

    #[test]
    fn errors_read_from_control_json_by_name() {
        let errors: Vec<FakeError> = serde_json::from_str(
            r#"["Throttling", {"Validation": "bad"}, {"Custom": {"status": 402, "error_type": "X", "message": "m"}}]"#,
        )
        .unwrap();
        assert_eq!(
            errors,
            [
                FakeError::Throttling,
                FakeError::Validation("bad".to_owned()),
                FakeError::Custom { status: 402, error_type: "X".to_owned(), message: "m".to_owned() },
            ]
        );
    }
}
