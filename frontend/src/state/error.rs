//! [`ApiError`]: why a call to the server failed, in the terms the UI needs.

use std::fmt;

use bedrock_binder_shared::Diagnostic;
use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{ErrorBody, ProfileReference};
use bedrock_binder_shared::aws_failure::AwsFailure;

/// HTTP 412: the `If-Match` version is not the file's version any more.
pub const PRECONDITION_FAILED: u16 = 412;

/// A failed API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The server answered with an error status and its [`ErrorBody`].
    Server {
        /// The HTTP status.
        status: u16,
        /// What the server said (boxed: it is large, and errors travel in every `Result`).
        body: Box<ErrorBody>,
    },
    /// An error status whose body is not an [`ErrorBody`] (a proxy's error page, say).
    Http {
        /// The HTTP status.
        status: u16,
    },
    /// No answer at all: the network is down or the server stopped.
    Network(String),
    /// A successful answer whose body could not be read.
    Decode(String),
}

impl ApiError {
    /// Classifies an answer with an error status from its body.
    pub fn from_response(status: u16, body: &str) -> ApiError {
        match serde_json::from_str::<ErrorBody>(body) {
            Ok(body) => ApiError::Server { status, body: Box::new(body) },
            Err(_) => ApiError::Http { status },
        }
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Server { status, .. } | ApiError::Http { status } => Some(*status),
            ApiError::Network(_) | ApiError::Decode(_) => None,
        }
    }

    /// For a 412: the version on disk now and its text, so the UI can show both versions.
    pub fn conflict(&self) -> Option<(&Version, &str)> {
        let ApiError::Server { status: PRECONDITION_FAILED, body } = self else { return None };
        let details = body.details.as_ref()?;
        Some((details.current_version.as_ref()?, details.current_text.as_deref()?))
    }

    /// The diagnostics that made the server refuse a text (422), if any.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ApiError::Server { body, .. } => body.details.as_ref().map_or(&[], |details| &details.diagnostics),
            _ => &[],
        }
    }

    /// What a failed AWS call means (424 `aws-error`), if that is why the server refused.
    pub fn aws_failure(&self) -> Option<&AwsFailure> {
        match self {
            ApiError::Server { body, .. } => body.details.as_ref()?.diagnosis.as_ref(),
            _ => None,
        }
    }

    /// The binding lines a 409 `confirmation-required` lists (a profile about to be deleted).
    pub fn references(&self) -> &[ProfileReference] {
        match self {
            ApiError::Server { body, .. } => body.details.as_ref().map_or(&[], |details| &details.references),
            _ => &[],
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Server { body, .. } => f.write_str(&body.message),
            ApiError::Http { status } => write!(f, "the server answered HTTP {status}"),
            ApiError::Network(message) => write!(f, "the server could not be reached ({message})"),
            ApiError::Decode(message) => write!(f, "the server's answer could not be read ({message})"),
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_412_with_details_is_a_conflict_carrying_their_version_and_text() {
        let body = r#"{"code":"conflict","message":"The file changed.","details":{"current_version":"abc","current_text":"a.b=\n"}}"#;
        let error = ApiError::from_response(412, body);
        let (version, text) = error.conflict().expect("a conflict");
        assert_eq!((version.as_str(), text), ("abc", "a.b=\n"));
        assert_eq!(error.to_string(), "The file changed.");
        assert_eq!(error.status(), Some(412));
    }

    #[test]
    fn a_422_carries_its_diagnostics_and_is_not_a_conflict() {
        let body = r#"{"code":"invalid","message":"no","details":{"diagnostics":[{"severity":"error","code":"missing-equals","line":1,"column":1,"end_column":2,"message":"m"}]}}"#;
        let error = ApiError::from_response(422, body);
        assert_eq!(error.diagnostics().len(), 1);
        assert!(error.conflict().is_none());
    }

    #[test]
    fn a_424_carries_its_diagnosis_and_a_409_the_lines_that_use_a_profile() {
        let body = r#"{"code":"aws-error","message":"m","details":{"diagnosis":{"code":"throttled","explanation":"e","remedy":"r"}}}"#;
        let error = ApiError::from_response(424, body);
        assert_eq!(error.aws_failure().map(|d| d.explanation.as_str()), Some("e"));
        let body = r#"{"code":"confirmation-required","message":"m","details":{"references":[{"model":"a.b","line":3,"profile":"arn"}]}}"#;
        let error = ApiError::from_response(409, body);
        assert_eq!(error.references().iter().map(|r| r.line).collect::<Vec<_>>(), [3]);
        assert!(error.aws_failure().is_none());
    }

    #[test]
    fn an_error_page_that_is_not_json_keeps_only_its_status() {
        let error = ApiError::from_response(502, "<html>Bad gateway</html>");
        assert_eq!(error, ApiError::Http { status: 502 });
        assert_eq!(error.to_string(), "the server answered HTTP 502");
        assert!(error.diagnostics().is_empty());
    }
}
