//! [`GuardLayer`], the outermost layer of every route: a panic in a handler becomes the
//! generic 500 instead of a dropped connection, every response gets the security headers, and
//! failures are logged.
//!
//! A tower layer of its own rather than `middleware::from_fn`, which boxes the service below it
//! and clones it on every request: the apps' 304 path, whose throughput budget is measured
//! against a bare handler, notices.

use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use tower::{Layer, Service};

use super::add_security_headers;
use super::error::{AppError, InternalError};

/// Wraps a service in [`Guard`].
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct GuardLayer;

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard(inner)
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub(super) struct Guard<S>(S);

impl<S> Service<Request> for Guard<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let method = request.method().clone();
        // A `Uri` clone shares its bytes; the path is only formatted when something is logged.
        let uri = request.uri().clone();
        // A handler may panic while its future is made, as well as while it runs.
        let future = match std::panic::catch_unwind(AssertUnwindSafe(|| self.0.call(request))) {
            Ok(future) => future,
            Err(panic) => {
                let response = AppError::Panicked(panic_message(panic.as_ref())).into_response();
                return Box::pin(std::future::ready(Ok(finish(response, &method, &uri))));
            }
        };
        Box::pin(async move {
            let response = match AssertUnwindSafe(future).catch_unwind().await {
                Ok(Ok(response)) => response,
                Ok(Err(never)) => match never {},
                Err(panic) => AppError::Panicked(panic_message(panic.as_ref())).into_response(),
            };
            Ok(finish(response, &method, &uri))
        })
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_owned())
}

/// Adds the security headers, and logs what a failure left in the response's extensions
/// ([`InternalError`]): the client got a generic sentence, the operator gets the detail.
fn finish(mut response: Response, method: &Method, uri: &Uri) -> Response {
    add_security_headers(response.headers_mut());
    let status = response.status();
    if let Some(InternalError(detail)) = response.extensions().get::<InternalError>() {
        tracing::error!(%method, path = uri.path(), status = status.as_u16(), "{detail}");
    } else if status.is_server_error() {
        tracing::error!(%method, path = uri.path(), status = status.as_u16(), "request failed");
    } else if status.is_client_error() {
        tracing::debug!(%method, path = uri.path(), status = status.as_u16(), "request refused");
    }
    response
}
