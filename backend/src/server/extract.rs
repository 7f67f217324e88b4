//! Extractors whose rejections are [`AppError`]s, so a bad body or query gets the same JSON
//! error body as every other failure instead of axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};
use serde::de::DeserializeOwned;

use super::BODY_LIMIT;
use super::error::AppError;

/// A JSON body (`Content-Type: application/json`), like [`axum::Json`] (which stays the name
/// for a JSON *response*).
///
/// Malformed JSON and JSON of the wrong shape are both a 400 `invalid-json`: this API keeps
/// 422 for a binding text (or field) with errors, which always comes with diagnostics.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(AppError::UnsupportedMediaType { expected: "application/json" });
        }
        let bytes = read_body(request).await?;
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(AppError::InvalidJson(rejection.body_text())),
        }
    }
}

/// A UTF-8 text body sent as `text/plain` (a `charset` other than UTF-8 or US-ASCII is
/// refused): a whole binding file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PlainText(pub(crate) String);

impl<S> FromRequest<S> for PlainText
where
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_plain_utf8_text(request.headers()) {
            return Err(AppError::UnsupportedMediaType { expected: "text/plain; charset=utf-8" });
        }
        let bytes = read_body(request).await?;
        match String::from_utf8(bytes.into()) {
            Ok(text) => Ok(PlainText(text)),
            Err(error) => {
                Err(AppError::InvalidUtf8 { what: "the request body", offset: error.utf8_error().valid_up_to() })
            }
        }
    }
}

/// A query string, like [`axum::extract::Query`], except that a parameter with an empty value
/// counts as absent (`?lifecycle=&q=` is no filter at all, as an HTML form sends "any"). A
/// value of the wrong type is a 400 `invalid-query` naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Query<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let present: Vec<&str> = query
            .split('&')
            .filter(|pair| pair.split_once('=').map_or(!pair.is_empty(), |(_, value)| !value.is_empty()))
            .collect();
        let uri: Uri = format!("/?{}", present.join("&"))
            .parse()
            .map_err(|_| AppError::InvalidQuery("the query string is not valid".to_owned()))?;
        match axum::extract::Query::<T>::try_from_uri(&uri) {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(rejection) => Err(AppError::InvalidQuery(rejection.body_text())),
        }
    }
}

/// Path parameters, like [`axum::extract::Path`], except that a value of the wrong type (a
/// change request's number that is not a number) is a 400 `invalid-query` in the shared error
/// body, naming the parameter, instead of axum's plain-text rejection.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Path<T>(pub(crate) T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(AppError::InvalidQuery(rejection.body_text())),
        }
    }
}

/// The whole body, up to [`BODY_LIMIT`]: 413 over it, 400 if the client went away. The limit is
/// applied here, where a body is read, rather than by a `DefaultBodyLimit` layer, which would
/// cost every request (the `GET`s the UI polls with included) an extensions map.
async fn read_body(request: Request) -> Result<Bytes, AppError> {
    axum::body::to_bytes(request.into_body(), BODY_LIMIT).await.map_err(|error| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(cause) = source {
            if cause.is::<http_body_util::LengthLimitError>() {
                return AppError::PayloadTooLarge { limit: BODY_LIMIT };
            }
            source = cause.source();
        }
        AppError::BadRequest(format!("the request body could not be read: {error}"))
    })
}

/// Whether `Content-Type` is JSON: `application/json`, or a `+json` type (as axum's own
/// `Json` extractor accepts).
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Whether `Content-Type` is `text/plain`, with no charset or a UTF-8-compatible one.
fn is_plain_utf8_text(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let mut parts = value.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case("text/plain") {
        return false;
    }
    parts.all(|parameter| match parameter.split_once('=') {
        Some((name, charset)) if name.trim().eq_ignore_ascii_case("charset") => {
            let charset = charset.trim().trim_matches('"');
            charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii")
        }
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn with_content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn plain_text_with_or_without_a_utf8_charset_is_accepted() {
        for value in ["text/plain", "Text/Plain", "text/plain; charset=utf-8", "text/plain;charset=\"UTF-8\""] {
            assert!(is_plain_utf8_text(&with_content_type(value)), "{value}");
        }
    }

    #[test]
    fn other_types_and_charsets_are_refused() {
        for value in ["application/json", "text/html", "text/plain; charset=latin1", "text/plainish"] {
            assert!(!is_plain_utf8_text(&with_content_type(value)), "{value}");
        }
        assert!(!is_plain_utf8_text(&HeaderMap::new()));
    }
}
