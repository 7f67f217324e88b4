//! `--server URL`: the file commands on a team server's environment, through its API, and the
//! one HTTP client they and `pull` share.
//!
//! A command run with `--server` reads and writes through the routes the web app uses
//! (`/api/v1/envs/{env}/bindings…`, `/api/v1/envs…`, `/api/v1/diff`, `/api/v1/promote`) and
//! gets the shared API types back, the same ones the local store produces, so one function
//! prints either. The commands judge a text with this binary's catalog, as they do a local
//! file; the server checks every write again with its own. An edit is sent against the
//! version read (`If-Match`), so an environment that changed on the server in between is
//! refused (412) rather than overwritten. A change the server holds for approval instead of
//! making it (202, a protected environment's change request) is reported as not made.
//!
//! The token (`--token-file PATH`, else the token itself in `BEDROCK_BINDER_TOKEN`) travels only
//! in `Authorization: Bearer`, marked sensitive; no message, log line or `Debug` output
//! contains it.
//!
//! HTTP/1 over TCP, or TLS with the system's root certificates (rustls, the stack the AWS SDK
//! already builds).

use std::fmt;
use std::path::Path;
use std::time::Duration;

use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{Method, Request, StatusCode, Uri};
use bedrock_binder_shared::Version;
use bedrock_binder_shared::api::{
    BindRequest, BindingsResponse, CreateEnvRequest, EnvDiffResponse, EnvListResponse, EnvSettings, EnvSummary,
    ErrorBody, HistoryResponse, PresetsResponse, PromoteRequest, PromoteResponse, UnbindRequest,
};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::preset::Preset;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::CliError;

/// The environment variable that may hold the token itself.
pub(super) const TOKEN_VAR: &str = "BEDROCK_BINDER_TOKEN";

/// How long one API request may take: a promote's gate calls AWS on the server.
const API_TIMEOUT: Duration = Duration::from_secs(120);

/// An API token. It leaves the process only in the `Authorization` header; it has no
/// `Display`, and its `Debug` hides it.
pub(super) struct Token(HeaderValue);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The token in `file` (surrounding whitespace aside), else in `BEDROCK_BINDER_TOKEN`;
    /// `None` with neither.
    pub(super) fn find(file: Option<&Path>) -> Result<Option<Token>, CliError> {
        if let Some(path) = file {
            let source = format!("the token file {}", path.display());
            // The I/O error names the path and the OS's reason, never the content.
            let text = std::fs::read_to_string(path)
                .map_err(|error| CliError::Token(format!("cannot read {source}: {error}")))?;
            return Token::new(text.trim(), &source).map(Some);
        }
        match std::env::var(TOKEN_VAR) {
            Ok(value) if value.trim().is_empty() => Ok(None),
            Ok(value) => Token::new(value.trim(), TOKEN_VAR).map(Some),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CliError::Token(format!("{TOKEN_VAR} is not valid UTF-8"))),
        }
    }

    /// Checks the token's characters now, so a bad one fails before any request, in a
    /// sentence that does not repeat it.
    fn new(token: &str, source: &str) -> Result<Token, CliError> {
        if token.is_empty() {
            return Err(CliError::Token(format!("{source} is empty; it should hold the token `token create` printed")));
        }
        let valid = token.chars().all(|c| c.is_ascii_graphic());
        let value = HeaderValue::from_str(&format!("Bearer {token}")).ok().filter(|_| valid).ok_or_else(|| {
            CliError::Token(format!(
                "{source} holds characters a token cannot have (one line of letters, digits and punctuation, as `token create` prints it)"
            ))
        })?;
        let mut value = value;
        value.set_sensitive(true);
        Ok(Token(value))
    }
}

/// What the server answered, whatever the status.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) etag: Option<String>,
    pub(super) body: Bytes,
}

/// A body to send, with its content type.
type Payload = (&'static str, Vec<u8>);

/// A team server: its URL, the token to show it, and a client to reach it.
pub(super) struct Remote {
    /// The URL as given, without a trailing `/`.
    base: String,
    token: Option<Token>,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// One small runtime for the whole command; the client's pooled connection outlives each
    /// request.
    runtime: tokio::runtime::Runtime,
}

impl Remote {
    /// A client for the server at `server` (`http://…` or `https://…`).
    pub(super) fn new(server: &str, token: Option<Token>) -> Result<Remote, CliError> {
        let base = server.trim().trim_end_matches('/').to_owned();
        let usable = base.parse::<Uri>().ok().is_some_and(|uri| {
            matches!(uri.scheme_str(), Some("http" | "https")) && uri.host().is_some() && uri.query().is_none()
        });
        if !usable {
            return Err(CliError::Rejected {
                snippet: None,
                message: format!(
                    "`{base}` is not a server URL; give one such as https://bindings.example.com or http://127.0.0.1:8080"
                ),
            });
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(CliError::Runtime)?;
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(|error| CliError::Unreachable(format!("cannot load the system's TLS roots: {error}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = {
            let _inside = runtime.enter();
            Client::builder(TokioExecutor::new()).build(connector)
        };
        Ok(Remote { base, token, client, runtime })
    }

    /// The server's URL as given, without a trailing `/`.
    pub(super) fn base(&self) -> &str {
        &self.base
    }

    /// Whether the token would cross the network in clear: plain HTTP to another machine.
    pub(super) fn sends_the_token_in_clear(&self) -> bool {
        let Ok(uri) = self.base.parse::<Uri>() else { return false };
        let loopback = match uri.host().map(|host| host.trim_start_matches('[').trim_end_matches(']')) {
            Some("localhost") => true,
            Some(host) => host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()),
            None => false,
        };
        self.token.is_some() && uri.scheme_str() == Some("http") && !loopback
    }

    /// One request to `path` (from the server's root), with the token if there is one. The
    /// reply whatever its status; an error is a sentence naming the URL.
    pub(super) fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(HeaderName, HeaderValue)],
        body: Option<Payload>,
        limit: Duration,
    ) -> Result<Reply, String> {
        let url = format!("{}{path}", self.base);
        let mut request = Request::builder()
            .method(method)
            .uri(&url)
            .header(header::USER_AGENT, concat!("bedrock-binder/", env!("CARGO_PKG_VERSION")));
        if let Some(token) = &self.token {
            request = request.header(header::AUTHORIZATION, token.0.clone());
        }
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let body = match body {
            Some((content_type, bytes)) => {
                request = request.header(header::CONTENT_TYPE, content_type);
                Full::new(Bytes::from(bytes))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request.body(body).map_err(|error| format!("`{url}` is not a URL this can fetch: {error}"))?;
        let exchange = async {
            let response =
                self.client.request(request).await.map_err(|error| format!("cannot reach {url}: {}", chain(&error)))?;
            let status = response.status();
            let etag = response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|error| format!("{url}: the answer broke off: {}", chain(&error)))?;
            Ok::<_, String>(Reply { status, etag, body: body.to_bytes() })
        };
        self.runtime
            .block_on(async { tokio::time::timeout(limit, exchange).await })
            .map_err(|_| format!("{url} did not answer within {} seconds", limit.as_secs()))?
    }

    /// What a reply that is not a success means to the user: the server's own sentence, and
    /// what its status says about the token or the environment `env`.
    pub(super) fn refusal(&self, reply: &Reply, env: &str) -> CliError {
        let base = &self.base;
        let status = reply.status;
        let body = serde_json::from_slice::<ErrorBody>(&reply.body).unwrap_or_else(|_| ErrorBody {
            code: format!("http-{}", status.as_u16()),
            message: String::new(),
            details: None,
        });
        let said = if body.message.is_empty() { String::new() } else { format!(": {}", body.message) };
        let message = match status {
            StatusCode::UNAUTHORIZED if self.token.is_none() => format!(
                "the server at {base} wants a token ({status}){said}. Pass --token-file PATH, or set {TOKEN_VAR}"
            ),
            StatusCode::UNAUTHORIZED => format!(
                "the server at {base} did not accept the token ({status}){said}. Check the token of --token-file or {TOKEN_VAR}"
            ),
            StatusCode::FORBIDDEN => {
                format!("the token's role does not allow this on the server at {base} ({status}){said}")
            }
            StatusCode::PRECONDITION_FAILED => format!(
                "the environment `{env}` changed on the server ({base}) since this command read it; nothing was written. Run the command again"
            ),
            _ if body.message.is_empty() => format!("the server at {base} answered {status}"),
            _ => format!("{} (the server at {base} answered {status})", body.message),
        };
        CliError::Server { message, body: Box::new(body) }
    }

    /// A JSON request on behalf of environment `env`; the success's body, read as `T`.
    fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        if_match: Option<&Version>,
        body: Option<&impl Serialize>,
        env: &str,
    ) -> Result<T, CliError> {
        let reply = self.exchange(method, path, if_match, body, env)?;
        serde_json::from_slice(&reply.body).map_err(|error| self.unreadable(path, &error))
    }

    /// A request that must succeed; its reply.
    fn exchange(
        &self,
        method: Method,
        path: &str,
        if_match: Option<&Version>,
        body: Option<&impl Serialize>,
        env: &str,
    ) -> Result<Reply, CliError> {
        let mut headers = vec![(header::ACCEPT, HeaderValue::from_static("application/json"))];
        if let Some(version) = if_match {
            let tag = HeaderValue::from_str(&format!("\"{version}\""))
                .map_err(|_| CliError::Unreachable(format!("the version `{version}` cannot be sent as an ETag")))?;
            headers.push((header::IF_MATCH, tag));
        }
        let payload = body
            .map(|body| serde_json::to_vec(body).map(|bytes| ("application/json", bytes)))
            .transpose()
            .map_err(std::io::Error::from)?;
        let reply = self.send(method, path, &headers, payload, API_TIMEOUT).map_err(CliError::Unreachable)?;
        // 202: the change was not made but held (a protected environment's change request);
        // the server's body says so, and the command did not do what it was asked.
        if reply.status.is_success() && reply.status != StatusCode::ACCEPTED {
            Ok(reply)
        } else {
            Err(self.refusal(&reply, env))
        }
    }

    fn unreadable(&self, path: &str, error: &serde_json::Error) -> CliError {
        CliError::Server {
            message: format!(
                "the server at {} sent an answer to {path} this command cannot read ({error}); is it a bedrock-binder server of this version?",
                self.base
            ),
            body: Box::new(ErrorBody { code: "unreadable-answer".to_owned(), message: String::new(), details: None }),
        }
    }

    /// `GET /api/v1/envs/{env}/export?format=…&account=…`: the artefact's bytes.
    pub(super) fn export(&self, env: &EnvName, format: &str, account: Option<&str>) -> Result<Vec<u8>, CliError> {
        let mut path = format!("/api/v1/envs/{env}/export?format={format}");
        if let Some(account) = account {
            path.push_str(&format!("&account={account}"));
        }
        Ok(self.exchange(Method::GET, &path, None, None::<&()>, env.as_str())?.body.to_vec())
    }

    /// `GET /api/v1/envs/{env}/bindings`.
    pub(super) fn bindings(&self, env: &EnvName) -> Result<BindingsResponse, CliError> {
        self.call(Method::GET, &format!("/api/v1/envs/{env}/bindings"), None, None::<&()>, env.as_str())
    }

    /// `POST /api/v1/envs/{env}/bindings/bind`, made against `version`.
    pub(super) fn bind(
        &self,
        env: &EnvName,
        version: &Version,
        request: &BindRequest,
    ) -> Result<BindingsResponse, CliError> {
        let path = format!("/api/v1/envs/{env}/bindings/bind");
        self.call(Method::POST, &path, Some(version), Some(request), env.as_str())
    }

    /// `POST /api/v1/envs/{env}/bindings/unbind`, made against `version`.
    pub(super) fn unbind(
        &self,
        env: &EnvName,
        version: &Version,
        request: &UnbindRequest,
    ) -> Result<BindingsResponse, CliError> {
        let path = format!("/api/v1/envs/{env}/bindings/unbind");
        self.call(Method::POST, &path, Some(version), Some(request), env.as_str())
    }

    /// `GET /api/v1/envs/{env}/history`.
    pub(super) fn history(&self, env: &EnvName) -> Result<HistoryResponse, CliError> {
        self.call(Method::GET, &format!("/api/v1/envs/{env}/history"), None, None::<&()>, env.as_str())
    }

    /// `GET /api/v1/envs`.
    pub(super) fn envs(&self) -> Result<EnvListResponse, CliError> {
        self.call(Method::GET, "/api/v1/envs", None, None::<&()>, "")
    }

    /// `GET /api/v1/envs/{env}`.
    pub(super) fn env(&self, env: &EnvName) -> Result<EnvSummary, CliError> {
        self.call(Method::GET, &format!("/api/v1/envs/{env}"), None, None::<&()>, env.as_str())
    }

    /// `POST /api/v1/envs`.
    pub(super) fn create_env(&self, request: &CreateEnvRequest) -> Result<EnvSummary, CliError> {
        self.call(Method::POST, "/api/v1/envs", None, Some(request), &request.name)
    }

    /// `DELETE /api/v1/envs/{env}`, confirmed against its text `version`.
    pub(super) fn delete_env(&self, env: &EnvName, version: &Version) -> Result<(), CliError> {
        self.exchange(Method::DELETE, &format!("/api/v1/envs/{env}"), Some(version), None::<&()>, env.as_str())?;
        Ok(())
    }

    /// `PUT /api/v1/envs/{env}/settings`, made against the settings' `version`.
    pub(super) fn set_settings(
        &self,
        env: &EnvName,
        version: &Version,
        settings: &EnvSettings,
    ) -> Result<EnvSummary, CliError> {
        let path = format!("/api/v1/envs/{env}/settings");
        self.call(Method::PUT, &path, Some(version), Some(settings), env.as_str())
    }

    /// `GET /api/v1/envs/{env}/presets`.
    pub(super) fn presets(&self, env: &EnvName) -> Result<PresetsResponse, CliError> {
        self.call(Method::GET, &format!("/api/v1/envs/{env}/presets"), None, None::<&()>, env.as_str())
    }

    /// `PUT` (or with no preset, `DELETE`) `/api/v1/envs/{env}/presets/{model}`, made against
    /// the settings' `version`.
    pub(super) fn set_preset(
        &self,
        env: &EnvName,
        version: &Version,
        model: &str,
        preset: Option<&Preset>,
    ) -> Result<PresetsResponse, CliError> {
        let path = format!("/api/v1/envs/{env}/presets/{model}");
        match preset {
            Some(preset) => self.call(Method::PUT, &path, Some(version), Some(preset), env.as_str()),
            None => self.call(Method::DELETE, &path, Some(version), None::<&()>, env.as_str()),
        }
    }

    /// `GET /api/v1/diff?from=A&to=B`.
    pub(super) fn diff(&self, a: &EnvName, b: &EnvName) -> Result<EnvDiffResponse, CliError> {
        self.call(Method::GET, &format!("/api/v1/diff?from={a}&to={b}"), None, None::<&()>, b.as_str())
    }

    /// `POST /api/v1/promote`; with `pinned`, applied only if the target is still at that
    /// version.
    pub(super) fn promote(
        &self,
        request: &PromoteRequest,
        pinned: Option<&Version>,
    ) -> Result<PromoteResponse, CliError> {
        self.call(Method::POST, "/api/v1/promote", pinned, Some(request), &request.to)
    }
}

/// An error with its causes: hyper's own sentence (`client error (Connect)`) says little
/// without them.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_never_shown_by_debug() {
        let token = Token::new("bbt_secret123", "test").expect("a valid token");
        assert!(!format!("{token:?}").contains("secret"));
    }

    #[test]
    fn a_token_with_a_line_break_or_space_is_refused_without_repeating_it() {
        for bad in ["bbt_one\nbbt_two", "bbt one", "bbt_é"] {
            let error = Token::new(bad, "the token file t").expect_err(bad);
            assert!(!error.to_string().contains("bbt"), "{error}");
            assert_eq!(error.code(), "token");
        }
    }

    #[test]
    fn a_server_url_needs_http_or_https_and_a_host() {
        for bad in ["bindings.example.com", "ftp://example.com", "http://", "http://example.com/?a=b"] {
            assert!(Remote::new(bad, None).is_err(), "{bad}");
        }
        let remote = Remote::new("https://bindings.example.com/", None).expect("a URL");
        assert_eq!(remote.base(), "https://bindings.example.com");
    }

    #[test]
    fn only_a_token_over_plain_http_to_another_machine_is_sent_in_clear() {
        let token = || Token::new("bbt_x", "test").ok();
        let clear = |url: &str, token: Option<Token>| Remote::new(url, token).expect("url").sends_the_token_in_clear();
        assert!(clear("http://bindings.example.com", token()));
        assert!(!clear("https://bindings.example.com", token()));
        assert!(!clear("http://127.0.0.1:8080", token()));
        assert!(!clear("http://[::1]:8080", token()));
        assert!(!clear("http://localhost:8080", token()));
        assert!(!clear("http://bindings.example.com", None));
    }

    #[test]
    fn a_refusal_shows_the_servers_sentence_and_what_the_status_means() {
        let remote = Remote::new("http://127.0.0.1:9", None).expect("url");
        let reply = |status: StatusCode, code: &str, message: &str| Reply {
            status,
            etag: None,
            body: Bytes::from(
                serde_json::to_vec(&ErrorBody { code: code.to_owned(), message: message.to_owned(), details: None })
                    .expect("JSON"),
            ),
        };
        let missing = remote.refusal(&reply(StatusCode::NOT_FOUND, "unknown-environment", "no `qa`"), "qa");
        assert_eq!(missing.code(), "unknown-environment");
        assert!(missing.to_string().starts_with("no `qa` (the server at http://127.0.0.1:9 answered 404"), "{missing}");
        let unauthenticated = remote.refusal(&reply(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in"), "dev");
        assert!(unauthenticated.to_string().contains("wants a token"), "{unauthenticated}");
        assert!(unauthenticated.to_string().contains("--token-file"), "{unauthenticated}");
        let conflict = remote.refusal(&reply(StatusCode::PRECONDITION_FAILED, "conflict", "stale"), "dev");
        assert!(conflict.to_string().contains("`dev` changed on the server"), "{conflict}");
        let held = remote.refusal(&reply(StatusCode::ACCEPTED, "change-requested", "`prod` is protected"), "prod");
        assert_eq!(held.code(), "change-requested");
        assert!(held.to_string().starts_with("`prod` is protected (the server"), "{held}");
        let bare = Reply { status: StatusCode::BAD_GATEWAY, etag: None, body: Bytes::from_static(b"<html>") };
        let bare = remote.refusal(&bare, "dev");
        assert_eq!(
            (bare.code(), bare.to_string().as_str()),
            ("http-502", "the server at http://127.0.0.1:9 answered 502 Bad Gateway")
        );
    }
}
