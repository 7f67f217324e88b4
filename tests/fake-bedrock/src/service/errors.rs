//! Error responses: how a [`FakeError`], a request without usable credentials or one the fake
//! does not serve goes on the wire, in the caller's protocol, and the error wording that the
//! control plane and the runtime share.
//!
//! Every error response is marked with its type ([`LoggedErrorType`]) for the request log.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::FakeError;
use crate::sts;
use crate::wire::Auth;

/// The suffix AWS puts after Bedrock's error types in `x-amzn-errortype`
/// (aws-samples/amazon-bedrock-client-for-mac#112 shows
/// `ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/`). SDKs keep only
/// the part before the `:`.
const BEDROCK_ERROR_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazon.bedrock/";

/// The suffix of errors raised by AWS's front door rather than Bedrock (authentication).
const CORAL_ERROR_SUFFIX: &str = ":http://internal.amazon.com/coral/com.amazon.coral.service/";

/// The error type an answer carried, for the request log.
#[derive(Debug, Clone)]
pub(super) struct LoggedErrorType(pub(super) String);

/// The 403 for a request without usable credentials.
///
/// With no `Authorization` header at all, Bedrock answers 403 with
/// `x-amzn-ErrorType: AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/`
/// and the body `{"Message":"Authorization header is missing"}` (capital `M`): the raw response
/// is quoted in karthink/gptel#1397 and anthropics/claude-code#45000 (bedrock-runtime, 2026).
/// It is no longer `MissingAuthenticationTokenException`, since Bedrock accepts API keys.
/// STS, an awsQuery service, still answers `MissingAuthenticationToken`. A header without a
/// usable credential scope is `IncompleteSignature`: 403 in the REST-JSON services' common
/// errors (e.g. AWS Signer's API reference), 400 in the awsQuery ones' (e.g. RDS's).
pub(super) fn auth_error(auth: &Auth, sts: bool, request_id: &str) -> Response {
    match (auth, sts) {
        (Auth::Missing, false) => rest_error(
            StatusCode::FORBIDDEN,
            "AccessDeniedException",
            CORAL_ERROR_SUFFIX,
            "Message",
            "Authorization header is missing",
        ),
        (_, false) => rest_error(
            StatusCode::FORBIDDEN,
            "IncompleteSignatureException",
            CORAL_ERROR_SUFFIX,
            "message",
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' \
             parameter. Authorization header requires 'SignedHeaders' parameter.",
        ),
        (Auth::Missing, true) => logged(
            sts::error(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
                request_id,
            ),
            "MissingAuthenticationToken",
        ),
        (_, true) => logged(
            sts::error(
                StatusCode::BAD_REQUEST,
                "IncompleteSignature",
                "Authorization header requires 'Credential' parameter.",
                request_id,
            ),
            "IncompleteSignature",
        ),
    }
}

/// The 404 for a method and path that name no Bedrock operation.
pub(super) fn unknown_operation() -> Response {
    rest_error(StatusCode::NOT_FOUND, "UnknownOperationException", BEDROCK_ERROR_SUFFIX, "message", "")
}

/// STS's answer to a form whose `Action` is not one the fake serves.
pub(super) fn invalid_sts_action(action: &str, request_id: &str) -> Response {
    let message = format!("Could not find operation {action} for version 2011-06-15");
    logged(sts::error(StatusCode::BAD_REQUEST, "InvalidAction", &message, request_id), "InvalidAction")
}

/// An error in the caller's protocol: REST-JSON for Bedrock, awsQuery XML for STS.
pub(super) fn error_response(error: &FakeError, identifier: Option<&str>, sts: bool, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
    if sts {
        let (code, message) = error.sts_code_and_message();
        return logged(sts::error(status, &code, &message, request_id), &code);
    }
    let suffix = if error.is_credential_error() { CORAL_ERROR_SUFFIX } else { BEDROCK_ERROR_SUFFIX };
    rest_error(status, error.error_type(), suffix, "message", &error.message(identifier))
}

/// A REST-JSON error: the status, `x-amzn-errortype: TYPE{suffix}` and `{message_key: message}`.
fn rest_error(status: StatusCode, error_type: &str, suffix: &str, message_key: &str, message: &str) -> Response {
    let mut body = serde_json::Map::new();
    body.insert(message_key.to_owned(), json!(message));
    let response = (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::HeaderName::from_static("x-amzn-errortype"), format!("{error_type}{suffix}")),
        ],
        Value::Object(body).to_string(),
    )
        .into_response();
    logged(response, error_type)
}

/// Marks `response` with its error type for the request log.
pub(super) fn logged(mut response: Response, error_type: &str) -> Response {
    response.extensions_mut().insert(LoggedErrorType(error_type.to_owned()));
    response
}

/// The ValidationException for a body that is not the JSON an operation takes, from the
/// control plane and the runtime alike.
pub(super) fn malformed_body() -> FakeError {
    FakeError::Validation("Malformed input request, please reformat your input and try again.".to_owned())
}
