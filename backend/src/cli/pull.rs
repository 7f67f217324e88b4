//! `pull --server URL --env ENV`: bring an environment's `inference.txt` from a team server to
//! this machine, for an app's start-up script or cron.
//!
//! The local file's version is sent as `If-None-Match`, so an unchanged environment costs a
//! 304 and the file is not touched (its mtime stays). A new text is written atomically through
//! the same store as every other write (0600 on create). When the server cannot be reached, or
//! answers with an error, the previous copy stays as it was and the command says so and fails.

use std::io::Write;
use std::time::Duration;

use axum::http::{Request, StatusCode, header};
use bedrock_binder_shared::api::ErrorBody;
use bedrock_binder_shared::env_name::EnvName;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;

use super::aws::runtime;
use super::{CliError, Session};
use crate::envs::Environments;
use crate::storage::ChangeKind;
use crate::store::version_of;

/// How long the whole request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Serialize)]
struct Pulled<'a> {
    file: String,
    env: &'a str,
    outcome: &'static str,
    version: String,
}

/// What the server answered.
enum Answer {
    NotModified,
    Text { text: String, etag: Option<String> },
}

impl Session {
    pub(super) fn pull(&self, server: &str, out: &mut dyn Write) -> Result<u8, CliError> {
        let env = &self.env;
        // The local file, whatever store the other commands use: it is what the app reads.
        let local = Environments::single_file(&self.file);
        let default = EnvName::default();
        let file = local.label(&default);
        let kept = |why: String| CliError::Pull(format!("{why}; the previous copy of {file} was kept as it was"));
        let url = format!("{}/v1/envs/{env}/inference.txt", server.trim_end_matches('/'));
        let snapshot = local.load(&default)?;
        let current = snapshot.existed.then(|| snapshot.version.clone());
        let answer = runtime()?.block_on(fetch(&url, current.as_ref().map(|v| v.as_str()))).map_err(kept)?;
        let (outcome, version) = match answer {
            Answer::NotModified => ("current", snapshot.version),
            Answer::Text { text, etag } => {
                let version = version_of(text.as_bytes());
                if etag.as_deref().is_some_and(|etag| etag.trim_matches('"') != version.as_str()) {
                    return Err(kept(format!("{url} sent a text that does not match its ETag")));
                }
                if snapshot.existed && version == snapshot.version {
                    ("current", version)
                } else {
                    let meta = self.meta(Some(format!("pulled `{env}` from {server}")));
                    local.save(&default, &snapshot.version, &text, ChangeKind::Import, meta)?;
                    ("updated", version)
                }
            }
        };
        if self.json {
            self.print_json(out, &Pulled { file, env: env.as_str(), outcome, version: version.to_string() })?;
        } else if outcome == "current" {
            writeln!(out, "{file} is up to date with {env} on {server}")?;
        } else {
            writeln!(out, "✓ Wrote {env} from {server} to {file}")?;
        }
        Ok(0)
    }
}

/// GETs `url` with `If-None-Match` for `version`; an error says what went wrong in a sentence.
async fn fetch(url: &str, version: Option<&str>) -> Result<Answer, String> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
        .map_err(|error| format!("cannot load the system's TLS roots: {error}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let mut request =
        Request::get(url).header(header::USER_AGENT, concat!("bedrock-binder/", env!("CARGO_PKG_VERSION")));
    if let Some(version) = version {
        request = request.header(header::IF_NONE_MATCH, format!("\"{version}\""));
    }
    let request =
        request.body(Empty::new()).map_err(|error| format!("`{url}` is not a URL this can fetch: {error}"))?;
    let exchange = async {
        let response = client.request(request).await.map_err(|error| format!("cannot reach {url}: {error}"))?;
        let status = response.status();
        let etag = response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body =
            response.into_body().collect().await.map_err(|error| format!("{url}: the answer broke off: {error}"))?;
        Ok::<_, String>((status, etag, body.to_bytes()))
    };
    let (status, etag, body) = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("{url} did not answer within 30 seconds"))??;
    match status {
        StatusCode::NOT_MODIFIED => Ok(Answer::NotModified),
        StatusCode::OK => {
            let text = String::from_utf8(body.to_vec()).map_err(|_| format!("{url} sent a text that is not UTF-8"))?;
            Ok(Answer::Text { text, etag })
        }
        status => {
            let message = serde_json::from_slice::<ErrorBody>(&body).map(|error| error.message).unwrap_or_default();
            Err(format!(
                "{url} answered {status}{}",
                if message.is_empty() { String::new() } else { format!(": {message}") }
            ))
        }
    }
}
