//! [`CallError`]: a failed SDK call, reduced to what the shared classifier needs.
//!
//! The SDK reports a failure as an `SdkError`: a service error (AWS answered with an error
//! type and message), or a failure before any answer (no credentials, no connection, a
//! timeout). The first becomes an [`AwsErrorInfo`] for [`classify`]; the second is diagnosed
//! here, since only here can the credential chain's own error be recognised.

use std::error::Error as StdError;

use aws_credential_types::provider::error::{CredentialsError, TokenError};
use aws_sdk_bedrock::error::{ProvideErrorMetadata, SdkError};
use bedrock_binder_shared::aws_failure::{AwsErrorInfo, AwsFailure, CallContext, classify};

/// Why an AWS call failed.
#[derive(Debug, Clone)]
pub enum CallError {
    /// AWS answered with an error.
    Service(AwsErrorInfo),
    /// The call never got an answer; already explained.
    Local(Box<AwsFailure>),
}

impl CallError {
    /// From an SDK error of an operation with an HTTP response.
    pub fn from_sdk<E>(error: SdkError<E, aws_sdk_bedrock::config::http::HttpResponse>) -> CallError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let status = |raw: &aws_sdk_bedrock::config::http::HttpResponse| Some(raw.status().as_u16());
        CallError::from_any(error, status)
    }

    /// From an SDK error with any raw response type (an event stream's messages carry no
    /// status).
    pub fn from_any<E, R>(error: SdkError<E, R>, status: impl Fn(&R) -> Option<u16>) -> CallError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match &error {
            SdkError::ServiceError(context) => {
                let err = context.err();
                CallError::Service(AwsErrorInfo {
                    error_type: err.code().unwrap_or("UnknownError").to_owned(),
                    message: err.message().unwrap_or_default().to_owned(),
                    status: status(context.raw()),
                })
            }
            SdkError::TimeoutError(_) => {
                CallError::Local(Box::new(AwsFailure::unreachable("the call did not complete in time")))
            }
            SdkError::DispatchFailure(failure) => {
                if let Some(failure) = find_identity_error(&error) {
                    return CallError::Local(Box::new(diagnose_identity(failure)));
                }
                let what = if failure.is_timeout() {
                    "the connection timed out".to_owned()
                } else {
                    // The chain names the endpoint and the OS error; it holds no secret.
                    messages(&error)
                };
                CallError::Local(Box::new(AwsFailure::unreachable(&what)))
            }
            _ => {
                if let Some(failure) = find_identity_error(&error) {
                    return CallError::Local(Box::new(diagnose_identity(failure)));
                }
                CallError::Service(AwsErrorInfo {
                    error_type: "ClientError".to_owned(),
                    message: messages(&error),
                    status: None,
                })
            }
        }
    }

    /// The diagnosis, in `context`.
    pub fn diagnose(&self, context: &CallContext<'_>) -> AwsFailure {
        match self {
            CallError::Service(info) => classify(info, context),
            CallError::Local(diagnosis) => (**diagnosis).clone(),
        }
    }

    /// The AWS error type, if AWS answered.
    pub fn error_type(&self) -> Option<&str> {
        match self {
            CallError::Service(info) => Some(info.error_type.as_str()),
            CallError::Local(_) => None,
        }
    }
}

/// What failed to give the call an identity.
enum IdentityFailure<'a> {
    /// The SigV4 credential chain.
    Credentials(&'a CredentialsError),
    /// The bearer-token provider (Bedrock API keys), which the SDK falls back to when no
    /// credential provider is configured at all.
    Token(&'a TokenError),
}

/// The identity error, if that is what stopped the call: the SDK reports a failed identity
/// resolution as a dispatch failure whose source chain holds it.
fn find_identity_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<IdentityFailure<'a>> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(error) = current {
        if let Some(credentials) = error.downcast_ref::<CredentialsError>() {
            return Some(IdentityFailure::Credentials(credentials));
        }
        if let Some(token) = error.downcast_ref::<TokenError>() {
            return Some(IdentityFailure::Token(token));
        }
        current = error.source();
    }
    None
}

fn diagnose_identity(failure: IdentityFailure<'_>) -> AwsFailure {
    match failure {
        IdentityFailure::Credentials(error) => diagnose_credentials(error, None),
        IdentityFailure::Token(error) => {
            let detail = messages(error);
            if looks_like_sso_expiry(&detail) {
                AwsFailure::expired_credentials(None, true)
            } else {
                AwsFailure::no_credentials(None)
            }
        }
    }
}

/// Explains a credential-chain failure: none found, an SSO session that ended, or a broken
/// configuration.
pub fn diagnose_credentials(error: &CredentialsError, profile: Option<&str>) -> AwsFailure {
    let detail = messages(error);
    match error {
        CredentialsError::CredentialsNotLoaded(_) => AwsFailure::no_credentials(None),
        CredentialsError::ProviderTimedOut(_) => {
            AwsFailure::no_credentials(Some("the credential chain did not answer in time"))
        }
        // The chain's last resort: off EC2, or with the metadata service blocked, it refuses.
        _ if detail.contains("IMDS") => AwsFailure::no_credentials(Some(&format!(
            "none in the environment or ~/.aws, and the instance metadata service answered: {detail}"
        ))),
        _ if looks_like_sso_expiry(&detail) => AwsFailure::expired_credentials(profile, true),
        _ if detail.to_ascii_lowercase().contains("expired") => AwsFailure::expired_credentials(profile, false),
        _ => AwsFailure::credentials_error(&detail),
    }
}

/// The messages of an error and of each of its sources, joined by `: `, each once. The SDK's
/// `DisplayErrorContext` also appends the whole chain's `Debug` form, which is for logs, not
/// for people.
fn messages(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        // Wrappers often repeat their source's words ("service error: …"); keep the new part.
        if !text.is_empty() && !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    parts.join(": ")
}

/// Whether a credential error's text says an SSO session is over: the token expired, the
/// cached token file is missing (never logged in), or the portal refused the token.
fn looks_like_sso_expiry(detail: &str) -> bool {
    let lower = detail.to_ascii_lowercase();
    lower.contains("sso")
        && (lower.contains("expired")
            || lower.contains("token")
            || lower.contains("unauthorized")
            || lower.contains("cache"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bedrock_binder_shared::aws_failure::AwsFailureCode;

    #[test]
    fn a_missing_chain_is_no_credentials() {
        let diagnosis = diagnose_credentials(&CredentialsError::not_loaded("no providers in chain"), None);
        assert_eq!(diagnosis.code, AwsFailureCode::NoCredentials);
    }

    #[test]
    fn an_expired_sso_token_names_the_login_command() {
        let error = CredentialsError::provider_error("the SSO token has expired and cannot be refreshed");
        let diagnosis = diagnose_credentials(&error, Some("dev"));
        assert_eq!(diagnosis.code, AwsFailureCode::ExpiredCredentials);
        assert!(diagnosis.remedy.contains("aws sso login --profile dev"), "{}", diagnosis.remedy);
    }

    #[test]
    fn a_refused_metadata_service_is_no_credentials_in_plain_words() {
        let imds =
            std::io::Error::other("request forbidden: IMDS is disabled or the caller has insufficient permissions");
        let error = CredentialsError::provider_error(imds);
        let diagnosis = diagnose_credentials(&error, None);
        assert_eq!(diagnosis.code, AwsFailureCode::NoCredentials);
        let detail = diagnosis.detail.as_deref().unwrap_or_default();
        assert!(detail.contains("IMDS is disabled"), "the SDK's words, apart: {detail}");
        assert!(!diagnosis.explanation.contains("IMDS"), "plain words: {}", diagnosis.explanation);
        assert!(!detail.contains("ProviderError"), "no Debug dump: {detail}");
        assert!(diagnosis.remedy.contains("AWS_ACCESS_KEY_ID"), "{}", diagnosis.remedy);
    }

    #[test]
    fn a_broken_profile_is_reported_with_its_detail() {
        let error = CredentialsError::invalid_configuration("profile `x` refers to itself");
        let diagnosis = diagnose_credentials(&error, None);
        assert_eq!(diagnosis.code, AwsFailureCode::NoCredentials);
        assert!(diagnosis.detail.as_deref().is_some_and(|d| d.contains("refers to itself")), "{diagnosis:?}");
    }
}
