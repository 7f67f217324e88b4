//! The two success bodies the operations answer with: JSON, and the event stream.
//!
//! A leaf of its own because both the control plane and the runtime answer in JSON; in either
//! of them, the other would have to import it for these few lines.

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

pub(super) fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

pub(super) fn stream_response(bytes: Vec<u8>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/vnd.amazon.eventstream")], Body::from(Bytes::from(bytes)))
        .into_response()
}
