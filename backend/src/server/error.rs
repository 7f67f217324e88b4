//! [`AppError`]: every way a request can fail, and the one JSON body ([`ErrorBody`]) each
//! failure is sent as.
//!
//! A 5xx body says only that something went wrong. Its detail travels in the response's
//! extensions as an [`InternalError`], where the logging middleware in `server/mod.rs` finds
//! it and logs it; `into_response` itself logs nothing.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{ChangeRequest, ErrorBody, ErrorDetails, ProfileReference};
use bedrock_binder_shared::aws_failure::AwsFailure;
use bedrock_binder_shared::{Diagnostic, InvalidBinding};

use crate::requests::RequestError;
use crate::storage::StorageError;
use crate::store::StoreError;

/// Why a request failed. Each variant's doc gives its status and its `code`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 400 `invalid-json`: the body is not JSON, or not JSON of the expected shape.
    #[error("{0}")]
    InvalidJson(String),
    /// 400 `invalid-query`: a query parameter has a value the route does not accept.
    #[error("{0}")]
    InvalidQuery(String),
    /// 400 `bad-request`: the body could not be read (the client went away mid-body, say).
    #[error("{0}")]
    BadRequest(String),
    /// 404 `not-found`: no API route has this path.
    #[error("no API route at this path; the API lives under /api/v1")]
    NotFound,
    /// 401 `unauthenticated`: the request proves no identity the server knows.
    #[error("{0}")]
    Unauthenticated(String),
    /// 403 `forbidden`: the caller's role does not allow the request.
    #[error("{0}")]
    Forbidden(String),
    /// 403 `csrf-header-missing`: a request that changes something, authenticated by a cookie
    /// (the session's or the SSO proxy's), without `X-Requested-With: bedrock-binder`; nothing
    /// was done.
    #[error(
        "a request that changes something and is signed in by a cookie must carry the header \
         `X-Requested-With: bedrock-binder` (the app's pages send it); nothing was done"
    )]
    CsrfHeaderMissing,
    /// 403 `cross-origin`: a sign-in sent from a page of another origin.
    #[error("sign in from this server's own sign-in page (/signin); a page of another site cannot sign you in")]
    CrossOrigin,
    /// 409 `auth-off`: a sign-in to a server that runs without authentication.
    #[error("this server runs without authentication (no --auth-file): there is nothing to sign in to")]
    AuthOff,
    /// 429 `limit-exceeded`: a cost guard limit refuses the call; nothing reached Bedrock.
    #[error("{message}")]
    LimitExceeded {
        /// Which limit, what is used and when it resets.
        message: String,
        /// Seconds until it resets (`Retry-After`).
        retry_after_secs: u64,
    },
    /// 404 `unknown-environment`: no environment has this name.
    #[error("there is no environment `{0}`")]
    UnknownEnvironment(String),
    /// 409 `environment-exists`: creating an environment whose name is taken.
    #[error("the environment `{0}` already exists")]
    EnvironmentExists(String),
    /// 409 `needs-a-store`: creating or deleting environments on a server that serves one
    /// file.
    #[error("{0}")]
    NeedsAStore(String),
    /// 404 `no-such-change`: the history has no such change, or it left nothing to restore.
    #[error("{0}")]
    NoSuchChange(String),
    /// 422 `promote-gate-failed`: the promote gate found errors and the request did not
    /// force it.
    #[error("{0}")]
    PromoteGateFailed(String),
    /// 503 `storage-unavailable`: the store of environments could not be read or written (a
    /// disk error, S3 unreachable); nothing was written. Its own sentence is only logged.
    #[error("the storage of environments is unavailable; nothing was written. Try again shortly")]
    StorageUnavailable(StorageError),
    /// 500 `internal`: something stored cannot be read back; its sentence is only logged.
    #[error(transparent)]
    Storage(StorageError),
    /// 202 `change-requested`: the environment is protected, so the change was not made but
    /// recorded as a change request for another admin to approve; the message names it and
    /// the `Location` header is where to read it. (Not in the body's details: every page of the
    /// web app decodes error bodies, and a request's decoder would cost each page's wasm.)
    #[error(
        "`{}` is protected: the change is now change request {}, waiting for another admin's approval; nothing was \
         written yet",
        .0.env,
        .0.id
    )]
    ChangeRequested(Box<ChangeRequest>),
    /// 404 `no-such-request`: the environment has no change request with this number.
    #[error("{0}")]
    NoSuchRequest(String),
    /// 409 `change-request-closed`: the request was applied, rejected or replaced already.
    #[error("{0}")]
    RequestClosed(String),
    /// 409 `change-request-stale`: the environment moved since the request was made, so it
    /// cannot be applied as it is; it must be rebased.
    #[error("{0}")]
    RequestStale(String),
    /// 403 `own-change-request`: the author of a request asked to approve it.
    #[error("{0}")]
    OwnRequest(String),
    /// 405 `method-not-allowed`: the route exists but not for this method.
    #[error("this route does not accept this method")]
    MethodNotAllowed,
    /// 412 `conflict`: the `If-Match` version is not the file's version on disk (a stale
    /// client, or the file changed on disk). The details carry the current version and text.
    #[error("the file changed since it was read; nothing was written. Reload it and apply the change again")]
    Conflict {
        /// The version on disk now.
        current_version: Version,
        /// The text on disk now, when it could be read.
        current_text: Option<String>,
    },
    /// 413 `payload-too-large`: the body is over the limit.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// 415 `unsupported-media-type`: the body's `Content-Type` is not the one the route reads.
    #[error("the request body must be sent as `{expected}`")]
    UnsupportedMediaType {
        /// The content type the route reads.
        expected: &'static str,
    },
    /// 422 `invalid-text`: the text (or a field of the request) has errors; the details list
    /// the diagnostics.
    #[error("{message}")]
    InvalidText {
        /// One sentence.
        message: String,
        /// What is wrong, located.
        diagnostics: Vec<Diagnostic>,
    },
    /// 422 `invalid-utf8`: the request body, or the file on disk, is not UTF-8.
    #[error("{what} is not valid UTF-8: the first bad byte is at offset {offset}")]
    InvalidUtf8 {
        /// `the request body` or `the file on disk`.
        what: &'static str,
        /// Byte offset of the first bad byte.
        offset: usize,
    },
    /// 428 `precondition-required`: a write without `If-Match`.
    #[error(
        "this request changes the file, so it needs an `If-Match` header with the version (ETag) \
         it was made against; GET /api/v1/bindings gives it"
    )]
    PreconditionRequired,
    /// 409 `confirmation-required`: a destructive request without `confirm=true`; the details
    /// list the binding lines it would break.
    #[error("{message}")]
    ConfirmationRequired {
        /// One sentence.
        message: String,
        /// The binding lines that point at what would be deleted.
        references: Vec<ProfileReference>,
    },
    /// 422 `invalid-request`: a field of the request has a value the route does not accept (a
    /// malformed region, `max_tokens` over the ceiling, …).
    #[error("{0}")]
    InvalidRequest(String),
    /// 424 `aws-error`: the AWS call the request depends on failed (no credentials, access
    /// denied, …). The message is the diagnosis's explanation; the details carry the whole
    /// diagnosis, remedy and fix included. A 4xx, since the cause is the AWS side's answer or
    /// configuration, which the user can act on, not a fault of this server.
    #[error("{}", .0.explanation)]
    Aws(Box<AwsFailure>),
    /// 500 `internal`: reading or writing the file failed. The error's text, which names
    /// paths and OS errors, is only logged. (A store conflict or a file that is not UTF-8
    /// becomes [`AppError::Conflict`] or [`AppError::InvalidUtf8`] instead: see the `From`.)
    #[error(transparent)]
    Store(StoreError),
    /// 500 `internal`: a blocking task panicked or was cancelled.
    #[error("a blocking task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// 500 `internal`: a handler panicked; the panic's message is only logged.
    #[error("a request handler panicked: {0}")]
    Panicked(String),
}

/// Not `#[from]`: a store error is a 412, a 422 or a 500 depending on its kind, and the
/// store's own sentences name the file's path, which a client needs no more than an attacker.
impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { current, .. } => AppError::Conflict { current_version: current, current_text: None },
            StoreError::InvalidUtf8 { offset, .. } => AppError::InvalidUtf8 { what: "the file on disk", offset },
            other @ (StoreError::Read { .. } | StoreError::Write { .. }) => AppError::Store(other),
        }
    }
}

/// What the store of environments refuses becomes the client's error; what fails in it is a
/// 500 whose detail is only logged.
impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::File(error) => error.into(),
            StorageError::NotFound { env } => AppError::UnknownEnvironment(env.to_string()),
            StorageError::AlreadyExists { env } => AppError::EnvironmentExists(env.to_string()),
            StorageError::Conflict { current, .. } => AppError::Conflict {
                current_version: current.unwrap_or_else(|| crate::store::version_of(b"")),
                current_text: None,
            },
            StorageError::Unsupported(message) => AppError::NeedsAStore(message),
            error @ (StorageError::NoSuchChange { .. } | StorageError::NotRevertible { .. }) => {
                AppError::NoSuchChange(error.to_string())
            }
            StorageError::Unchanged { env } => {
                AppError::InvalidRequest(format!("the change leaves the environment `{env}` as it is"))
            }
            error @ StorageError::Backend { .. } => AppError::StorageUnavailable(error),
            other => AppError::Storage(other),
        }
    }
}

/// What a change request refuses becomes the client's error.
impl From<RequestError> for AppError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::Storage(error) => error.into(),
            error @ RequestError::NoSuchRequest { .. } => AppError::NoSuchRequest(error.to_string()),
            error @ RequestError::Closed { .. } => AppError::RequestClosed(error.to_string()),
            error @ RequestError::Stale { .. } => AppError::RequestStale(error.to_string()),
            error @ RequestError::OwnRequest { .. } => AppError::OwnRequest(error.to_string()),
            error @ RequestError::NothingLeft { .. } => AppError::InvalidRequest(error.to_string()),
        }
    }
}

/// A bind or unbind request with a malformed field: 422 `invalid-text` with the diagnostic
/// over the field's text, its message naming the field.
impl From<InvalidBinding> for AppError {
    fn from(invalid: InvalidBinding) -> Self {
        let message = invalid.to_string();
        let mut diagnostic = invalid.diagnostic;
        diagnostic.message = format!("the `{}` field: {}", invalid.field, diagnostic.message);
        AppError::InvalidText { message, diagnostics: vec![diagnostic] }
    }
}

/// An AWS call the request depends on failed: 424 with the explanation.
impl From<AwsFailure> for AppError {
    fn from(failure: AwsFailure) -> Self {
        AppError::Aws(Box::new(failure))
    }
}

/// The detail of a 5xx, stashed in the response's extensions for the logging middleware.
#[derive(Debug, Clone)]
pub struct InternalError(pub Arc<String>);

impl AppError {
    /// The status and stable code this error is sent with.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::InvalidJson(_) => (StatusCode::BAD_REQUEST, "invalid-json"),
            AppError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "invalid-query"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request"),
            AppError::NotFound => (StatusCode::NOT_FOUND, "not-found"),
            AppError::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            AppError::LimitExceeded { .. } => (StatusCode::TOO_MANY_REQUESTS, "limit-exceeded"),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            AppError::CsrfHeaderMissing => (StatusCode::FORBIDDEN, "csrf-header-missing"),
            AppError::CrossOrigin => (StatusCode::FORBIDDEN, "cross-origin"),
            AppError::AuthOff => (StatusCode::CONFLICT, "auth-off"),
            AppError::UnknownEnvironment(_) => (StatusCode::NOT_FOUND, "unknown-environment"),
            AppError::EnvironmentExists(_) => (StatusCode::CONFLICT, "environment-exists"),
            AppError::NeedsAStore(_) => (StatusCode::CONFLICT, "needs-a-store"),
            AppError::NoSuchChange(_) => (StatusCode::NOT_FOUND, "no-such-change"),
            AppError::PromoteGateFailed(_) => (StatusCode::UNPROCESSABLE_ENTITY, "promote-gate-failed"),
            AppError::StorageUnavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "storage-unavailable"),
            AppError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed"),
            AppError::ChangeRequested(_) => (StatusCode::ACCEPTED, "change-requested"),
            AppError::NoSuchRequest(_) => (StatusCode::NOT_FOUND, "no-such-request"),
            AppError::RequestClosed(_) => (StatusCode::CONFLICT, "change-request-closed"),
            AppError::RequestStale(_) => (StatusCode::CONFLICT, "change-request-stale"),
            AppError::OwnRequest(_) => (StatusCode::FORBIDDEN, "own-change-request"),
            AppError::Conflict { .. } => (StatusCode::PRECONDITION_FAILED, "conflict"),
            AppError::PayloadTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large"),
            AppError::UnsupportedMediaType { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type"),
            AppError::InvalidText { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-text"),
            AppError::InvalidUtf8 { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-utf8"),
            AppError::PreconditionRequired => (StatusCode::PRECONDITION_REQUIRED, "precondition-required"),
            AppError::ConfirmationRequired { .. } => (StatusCode::CONFLICT, "confirmation-required"),
            AppError::InvalidRequest(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid-request"),
            AppError::Aws(_) => (StatusCode::FAILED_DEPENDENCY, "aws-error"),
            AppError::Store(_) | AppError::Storage(_) | AppError::Task(_) | AppError::Panicked(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }

    /// The body: the message and details for a 4xx, a fixed sentence for a 5xx.
    fn body(self, status: StatusCode, code: &'static str) -> ErrorBody {
        // A 503 says what is unavailable (its fixed sentence names no key or path); other 5xx
        // say only that something went wrong.
        if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            return ErrorBody {
                code: code.to_owned(),
                message: "something went wrong on the server; the details are in its log".to_owned(),
                details: None,
            };
        }
        let message = self.to_string();
        if status.is_server_error() {
            return ErrorBody { code: code.to_owned(), message, details: None };
        }
        let details = match self {
            AppError::Conflict { current_version, current_text } => {
                Some(ErrorDetails { current_version: Some(current_version), current_text, ..ErrorDetails::default() })
            }
            AppError::InvalidText { diagnostics, .. } => Some(ErrorDetails { diagnostics, ..ErrorDetails::default() }),
            AppError::ConfirmationRequired { references, .. } => {
                Some(ErrorDetails { references, ..ErrorDetails::default() })
            }
            AppError::Aws(diagnosis) => Some(ErrorDetails { diagnosis: Some(*diagnosis), ..ErrorDetails::default() }),
            _ => None,
        };
        ErrorBody { code: code.to_owned(), message, details }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            // Its own sentence is for the client; the store's, which names keys or paths, for the log.
            AppError::StorageUnavailable(error) => error.to_string(),
            other => other.to_string(),
        };
        let internal = status.is_server_error().then(|| InternalError(Arc::new(detail)));
        let challenge = matches!(self, AppError::Unauthenticated(_));
        let location = match &self {
            AppError::ChangeRequested(request) => Some(format!("/api/v1/envs/{}/requests/{}", request.env, request.id)),
            _ => None,
        };
        let retry_after = match &self {
            AppError::LimitExceeded { retry_after_secs, .. } => Some(*retry_after_secs),
            _ => None,
        };
        let mut response = (status, Json(self.body(status, code))).into_response();
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        if let Some(location) = location.and_then(|location| axum::http::HeaderValue::from_str(&location).ok()) {
            response.headers_mut().insert(axum::http::header::LOCATION, location);
        }
        if challenge {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        if let Some(internal) = internal {
            response.extensions_mut().insert(internal);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;

    use super::*;

    #[tokio::test]
    async fn an_unreachable_store_is_a_503_that_names_no_key_and_logs_the_detail() {
        let unreachable = StorageError::Backend {
            location: "s3://team-bucket/bindings/envs/prod/inference.txt".to_owned(),
            source: Box::new(std::io::Error::other("connection refused")),
        };
        let response = AppError::from(unreachable).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let logged = response.extensions().get::<InternalError>().map(|detail| detail.0.to_string());
        assert!(logged.is_some_and(|detail| detail.contains("team-bucket")), "the detail goes to the log");
        let body = to_bytes(response.into_body(), usize::MAX).await.expect("body");
        let body: ErrorBody = serde_json::from_slice(&body).expect("the error body");
        assert_eq!(body.code, "storage-unavailable");
        assert!(body.message.contains("unavailable") && !body.message.contains("team-bucket"), "{}", body.message);
    }
}
