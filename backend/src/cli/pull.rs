//! `pull --server URL --env ENV`: bring an environment's `inference.txt` from a team server to
//! this machine, for an app's start-up script or cron. A server with authentication wants the
//! token of `--token-file` (or `BEDROCK_BINDER_TOKEN`), sent as for every other command.
//!
//! The local file's version is sent as `If-None-Match`, so an unchanged environment costs a
//! 304 and the file is not touched (its mtime stays). A new text is written atomically through
//! the same store as every other write (0600 on create). When the server cannot be reached, or
//! answers with an error, the previous copy stays as it was and the command says so and fails.

use std::io::Write;
use std::time::Duration;

use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use bedrock_binder_shared::env_name::EnvName;
use serde::Serialize;

use super::remote::Remote;
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
    pub(super) fn pull(&self, out: &mut dyn Write) -> Result<u8, CliError> {
        let Some(remote) = &self.remote else {
            return Err(CliError::Rejected { snippet: None, message: "pull needs --server URL".to_owned() });
        };
        let server = remote.base();
        let env = &self.env;
        // The local file, whatever store the other commands use: it is what the app reads.
        let local = Environments::single_file(&self.file);
        let default = EnvName::default();
        let file = local.label(&default);
        let kept = |why: String| CliError::Pull(format!("{why}; the previous copy of {file} was kept as it was"));
        let path = format!("/v1/envs/{env}/inference.txt");
        let url = format!("{server}{path}");
        let snapshot = local.load(&default)?;
        let current = snapshot.existed.then(|| snapshot.version.clone());
        let answer = fetch(remote, &path, current.as_ref().map(|v| v.as_str()), env).map_err(kept)?;
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

/// GETs `path` with `If-None-Match` for `version` (and the token, if any); an error says what
/// went wrong in a sentence.
fn fetch(remote: &Remote, path: &str, version: Option<&str>, env: &EnvName) -> Result<Answer, String> {
    let mut headers = Vec::new();
    if let Some(version) = version {
        let tag = HeaderValue::from_str(&format!("\"{version}\"")).map_err(|_| format!("bad version {version}"))?;
        headers.push((header::IF_NONE_MATCH, tag));
    }
    let reply = remote.send(Method::GET, path, &headers, None, TIMEOUT)?;
    match reply.status {
        StatusCode::NOT_MODIFIED => Ok(Answer::NotModified),
        StatusCode::OK => {
            let url = format!("{}{path}", remote.base());
            let text =
                String::from_utf8(reply.body.to_vec()).map_err(|_| format!("{url} sent a text that is not UTF-8"))?;
            Ok(Answer::Text { text, etag: reply.etag })
        }
        _ => Err(remote.refusal(&reply, env.as_str()).to_string()),
    }
}
