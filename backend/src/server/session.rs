//! Signing in from a browser: the sign-in page (`GET /signin`) and `/api/v1/session`, to sign in
//! with a token (`POST`, which sets the session cookie), to ask who the session is (`GET`) and
//! to sign out (`DELETE`); and [`check_csrf`], the rule for mutations a cookie authenticates.
//!
//! The sign-in page is plain HTML without a script, so it needs nothing from the strict
//! Content-Security-Policy: its form posts the token to `POST /api/v1/session`, which answers
//! `303 See Other` to where the user was going (`next`, when it is a path on this server) with
//! the cookie, or shows the page again saying what went wrong. A JSON `POST` (`{"token": …}`)
//! gets [`SessionInfo`] and the cookie instead, and its errors are the shared error body.
//!
//! The cookie ([`crate::session_cookie`]) is `HttpOnly` (no script reads it), `SameSite=Strict`
//! (no other site's page makes the browser send it), `Path=/`, with a `Max-Age` of
//! [`LIFETIME`], and `Secure` when the browser came over HTTPS ([`Auth::cookie_is_secure`]).
//! A sign-in must come from this server's own page: a browser's `Sec-Fetch-Site` (or, from an
//! older one, `Origin`) saying otherwise is refused, so no other site can sign a user in as
//! someone else.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Json, Router};
use bedrock_binder_shared::api::{CSRF_HEADER, CSRF_HEADER_VALUE, SessionInfo, SignInRequest};
use serde::Deserialize;

use super::error::AppError;
use super::extract::{JsonBody, Query};
use super::{AppState, assets, blocking};
use crate::auth::{Auth, Identity, Proof, SignedIn};
use crate::session_cookie::{COOKIE_NAME, LIFETIME};

/// The sign-in page's address.
const SIGN_IN_PAGE: &str = "/signin";

/// The sign-in page's policy: no script at all, its stylesheet, and a form that posts here.
const PAGE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
                        frame-ancestors 'none'; base-uri 'none'";

pub(super) fn router() -> Router<AppState> {
    Router::new().route(SIGN_IN_PAGE, get(page)).route("/api/v1/session", get(who).post(sign_in).delete(sign_out))
}

/// Refuses a mutation (any method but GET, HEAD, OPTIONS and TRACE) that a cookie authenticated
/// and that lacks `X-Requested-With: bedrock-binder`. A bearer token is never attached by a
/// browser on its own, so a request it authenticates needs no such proof.
pub(super) fn check_csrf(method: &Method, headers: &HeaderMap, proof: Proof) -> Result<(), AppError> {
    if method.is_safe() || !proof.rides_on_a_cookie() {
        return Ok(());
    }
    let sent = headers.get_all(CSRF_HEADER).iter().any(|value| value.as_bytes() == CSRF_HEADER_VALUE.as_bytes());
    if sent { Ok(()) } else { Err(AppError::CsrfHeaderMissing) }
}

/// `GET /signin?next=PATH`: the sign-in form. Without auth there is nothing to sign in to, so
/// it sends the browser on.
async fn page(State(state): State<AppState>, Query(query): Query<PageQuery>) -> Response {
    let next = safe_next(query.next.as_deref());
    if state.auth.is_none() {
        return Redirect::to(next).into_response();
    }
    sign_in_page(StatusCode::OK, next, None)
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    next: Option<String>,
}

/// The sign-in form's fields. No `Debug`: it holds the token.
#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: Option<String>,
}

/// `POST /api/v1/session`: a form from the sign-in page, or JSON from another client.
async fn sign_in(State(state): State<AppState>, request: Request) -> Response {
    let form = is_form(request.headers());
    let Some(auth) = state.auth.clone() else {
        return if form { Redirect::to("/").into_response() } else { AppError::AuthOff.into_response() };
    };
    let secure = auth.cookie_is_secure(request.headers(), peer(&request));
    if !same_origin(request.headers()) {
        // Nothing from another site's form is shown back, `next` included.
        return if form {
            sign_in_page(StatusCode::FORBIDDEN, "/", Some(&AppError::CrossOrigin.to_string()))
        } else {
            AppError::CrossOrigin.into_response()
        };
    }
    if form {
        let Ok(Form(fields)) = Form::<SignInForm>::from_request(request, &()).await else {
            return sign_in_page(StatusCode::BAD_REQUEST, "/", Some("The form could not be read; try again."));
        };
        let next = safe_next(fields.next.as_deref()).to_owned();
        return match check_token(auth, fields.token).await {
            Ok(Some(signed_in)) => {
                let mut response = Redirect::to(&next).into_response();
                response.headers_mut().insert(header::SET_COOKIE, session_cookie(&signed_in.cookie, secure));
                no_store(response)
            }
            Ok(None) => sign_in_page(
                StatusCode::UNAUTHORIZED,
                &next,
                Some("That token is not known to this server: it was mistyped, or it has been revoked."),
            ),
            Err(error) => error.into_response(),
        };
    }
    let JsonBody(SignInRequest { token }) = match JsonBody::<SignInRequest>::from_request(request, &()).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    match check_token(auth, token).await {
        Ok(Some(SignedIn { identity, cookie })) => {
            let info = SessionInfo { auth: true, name: Some(identity.name), grants: identity.grants };
            let mut response = Json(info).into_response();
            response.headers_mut().insert(header::SET_COOKIE, session_cookie(&cookie, secure));
            no_store(response)
        }
        Ok(None) => {
            AppError::Unauthenticated("the token is not known to this server (revoked, or mistyped)".to_owned())
                .into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// Signs in with `token` on the blocking pool: the first sign-in writes the session secret into
/// the auth file.
async fn check_token(auth: std::sync::Arc<Auth>, token: String) -> Result<Option<SignedIn>, AppError> {
    blocking(move || Ok(auth.sign_in(&token))).await
}

/// `GET /api/v1/session`: who the request is, and their grants. Without auth, `auth: false`
/// and nobody.
async fn who(State(state): State<AppState>, identity: Option<Extension<Identity>>) -> Json<SessionInfo> {
    match (state.auth.is_some(), identity) {
        (true, Some(Extension(identity))) => {
            Json(SessionInfo { auth: true, name: Some(identity.name), grants: identity.grants })
        }
        // The access rule lets no unidentified request through; this is the server without auth.
        (auth, _) => Json(SessionInfo { auth, ..SessionInfo::default() }),
    }
}

/// `DELETE /api/v1/session`: signs out, by telling the browser to drop the cookie. It needs no
/// identity (an expired session can sign out too) and changes nothing on the server; no other
/// site can send it, since a cross-origin `DELETE` needs a preflight that is refused.
async fn sign_out(State(state): State<AppState>, request: Request) -> Response {
    let secure = state.auth.as_ref().is_some_and(|auth| auth.cookie_is_secure(request.headers(), peer(&request)));
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie_header(COOKIE_NAME, "", 0, secure));
    no_store(response)
}

/// The `Set-Cookie` of a new session.
fn session_cookie(value: &str, secure: bool) -> HeaderValue {
    cookie_header(COOKIE_NAME, value, LIFETIME.as_secs(), secure)
}

fn cookie_header(name: &str, value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    // The value is hex, digits and a token name (letters, digits, `-_.@`), joined by `~`.
    HeaderValue::from_str(&cookie).expect("a cookie of header-safe characters")
}

/// Keeps an answer that carries a cookie (or a sign-in form) out of every cache.
fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The address the request came from.
fn peer(request: &Request) -> Option<IpAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
}

/// Whether the body is a form (`application/x-www-form-urlencoded`).
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// Whether a sign-in comes from a page of this server, as far as the browser tells:
/// `Sec-Fetch-Site` when it sends one (every current browser does), else `Origin` against
/// `Host`. A client that sends neither (curl, a script) is no browser another site could drive.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let authority = origin.to_str().ok().and_then(|origin| origin.split_once("://")).map(|(_, authority)| authority);
    let host = headers.get(header::HOST).and_then(|host| host.to_str().ok());
    matches!((authority, host), (Some(authority), Some(host)) if authority.eq_ignore_ascii_case(host))
}

/// `next` when it is a path on this server, else `/`. Not `//host` or `/\host`, which a
/// browser reads as another host; not the sign-in page itself; printable ASCII only, as a
/// browser sends a path (percent-encoded).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with(SIGN_IN_PAGE)
                && next.len() <= 2048
                && next.bytes().all(|byte| byte.is_ascii_graphic() && byte != b'\\') =>
        {
            next
        }
        _ => "/",
    }
}

/// The sign-in page, with `error` said above the form, sending the browser to `next` after.
fn sign_in_page(status: StatusCode, next: &str, error: Option<&str>) -> Response {
    let stylesheet = assets::stylesheet()
        .map(|path| format!("<link rel=\"stylesheet\" href=\"/{}\">", escape(path)))
        .unwrap_or_default();
    let error = error
        .map(|error| {
            format!("<p class=\"error-text\" role=\"alert\" data-testid=\"signin-error\">{}</p>\n", escape(error))
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<meta name=\"color-scheme\" content=\"light dark\">
<title>Sign in · bedrock-binder</title>
<link rel=\"icon\" href=\"data:,\">
{stylesheet}
</head>
<body>
<header class=\"top\"><h1>bedrock-binder <span class=\"sub\">inference bindings</span></h1></header>
<main id=\"main\" class=\"page\">
<h2>Sign in</h2>
{error}<form method=\"post\" action=\"/api/v1/session\" data-testid=\"signin-form\">
<input type=\"hidden\" name=\"next\" value=\"{next}\">
<p><label for=\"token\">API token</label><br>
<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required autofocus size=\"72\" data-testid=\"signin-token\"></p>
<p><button class=\"primary\" type=\"submit\" data-testid=\"signin-submit\">Sign in</button></p>
</form>
<p>Paste a token made on the server with <code>bedrock-binder token create --name NAME --role ROLE</code>.
The browser keeps a session for {hours} hours; the token itself is not stored in it.</p>
</main>
</body>
</html>
",
        next = escape(next),
        hours = LIFETIME.as_secs() / 3600,
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    no_store(response)
}

/// `text` with HTML's special characters escaped, for an element or a quoted attribute.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_kept_only_when_it_is_a_path_on_this_server() {
        assert_eq!(safe_next(Some("/envs?env=prod#/history")), "/envs?env=prod#/history");
        for elsewhere in
            ["https://evil.example/", "//evil.example/", "/\\evil.example", "evil", "/signin?next=/", "/a b"]
        {
            assert_eq!(safe_next(Some(elsewhere)), "/", "{elsewhere}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_sign_in_from_another_site_is_told_apart_by_what_the_browser_says() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            headers
        };
        assert!(same_origin(&headers(&[])), "curl sends neither");
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "http://a:1"), ("host", "b")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "127.0.0.1:8080")])));
    }

    #[test]
    fn a_cookie_mutation_needs_the_header_and_a_bearer_one_does_not() {
        let mut with = HeaderMap::new();
        with.insert(CSRF_HEADER, HeaderValue::from_static(CSRF_HEADER_VALUE));
        let without = HeaderMap::new();
        assert!(matches!(check_csrf(&Method::POST, &without, Proof::SessionCookie), Err(AppError::CsrfHeaderMissing)));
        assert!(matches!(check_csrf(&Method::DELETE, &without, Proof::Proxy), Err(AppError::CsrfHeaderMissing)));
        assert!(check_csrf(&Method::POST, &with, Proof::SessionCookie).is_ok());
        assert!(check_csrf(&Method::PUT, &without, Proof::Bearer).is_ok());
        assert!(check_csrf(&Method::GET, &without, Proof::SessionCookie).is_ok());
    }

    #[test]
    fn the_page_escapes_what_it_shows_back() {
        assert_eq!(escape("/?a=\"><script>"), "/?a=&quot;&gt;&lt;script&gt;");
    }
}
