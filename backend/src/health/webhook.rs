//! `serve --webhook URL`: each [`WebhookEvent`] posted as JSON, off the request path.
//!
//! [`Webhook::send`] never waits: it puts the event in a bounded queue (an event that finds it
//! full is dropped and logged) and one task posts the queue in order, each post with a time
//! limit, tried a few times when the failure may pass (no answer, 5xx, 429) and then given up
//! with a log line. A slow or dead receiver thus costs memory up to the queue, never a
//! request's time, and nothing is retried for ever.
//!
//! The URL may carry a secret (chat tools put the key in the path), so messages name only its
//! scheme and host.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Request, StatusCode, Uri, header};
use bedrock_binder_shared::Document;
use bedrock_binder_shared::api::{DiffSummary, WebhookEvent};
use bedrock_binder_shared::env_name::EnvName;
use bedrock_binder_shared::promote::binding_diff;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

use super::committed::CommitHook;
use crate::storage::HistoryEntry;

/// How many events may wait for the receiver before new ones are dropped.
const QUEUE: usize = 256;
/// How long one post may take, connecting included.
const POST_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times an event is posted before it is given up.
const ATTEMPTS: u32 = 3;
/// The wait after the first failed post; it doubles after each.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Where events are posted: an `http` or `https` URL with a host.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(Uri);

impl FromStr for WebhookUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let uri: Uri = text.trim().parse().map_err(|_| "the webhook is not a URL".to_owned())?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err("the webhook must be an http:// or https:// URL with a host".to_owned());
        }
        Ok(WebhookUrl(uri))
    }
}

/// The scheme and host only: the path may hold a secret.
impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = self.0.scheme_str().unwrap_or("http");
        let host = self.0.authority().map(|authority| authority.as_str().rsplit('@').next().unwrap_or_default());
        write!(f, "{scheme}://{}/…", host.unwrap_or_default())
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({self})")
    }
}

/// The sending end of the webhook's queue. Cheap to clone.
#[derive(Clone)]
pub struct Webhook {
    queue: mpsc::Sender<WebhookEvent>,
    /// The URL as messages name it.
    target: Arc<str>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook").field("target", &self.target).finish_non_exhaustive()
    }
}

impl Webhook {
    /// Starts the task that posts to `url`, on the current tokio runtime. Fails only when the
    /// URL is `https` and the system's TLS roots cannot be loaded.
    pub fn start(url: WebhookUrl) -> Result<Webhook, String> {
        let client = Client::builder(TokioExecutor::new()).build(connector(&url)?);
        let (queue, events) = mpsc::channel(QUEUE);
        let target: Arc<str> = Arc::from(url.to_string());
        tokio::spawn(deliver(client, url, events));
        Ok(Webhook { queue, target })
    }

    /// Queues `event`; drops it, with a log line, when the queue is full.
    pub fn send(&self, event: WebhookEvent) {
        if let Err(error) = self.queue.try_send(event) {
            let (mpsc::error::TrySendError::Full(event) | mpsc::error::TrySendError::Closed(event)) = error;
            tracing::warn!(webhook = %self.target, event = name(&event), "webhook queue full; event dropped");
        }
    }

    /// A hook that sends a `change` event for each committed change.
    pub fn commit_hook(&self) -> CommitHook {
        let webhook = self.clone();
        Arc::new(move |env: &EnvName, entry: &HistoryEntry| webhook.send(change_event(env, entry)))
    }
}

/// HTTPS with the system's roots, and plain HTTP. A machine without roots can still post to
/// an `http://` receiver.
fn connector(url: &WebhookUrl) -> Result<HttpsConnector<HttpConnector>, String> {
    let provider = || Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = match HttpsConnectorBuilder::new().with_provider_and_native_roots(provider()) {
        Ok(builder) => builder,
        Err(error) if url.0.scheme_str() == Some("https") => {
            return Err(format!("cannot load the system's TLS roots for the webhook: {error}"));
        }
        Err(_) => {
            let config = rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|error| format!("cannot set up TLS for the webhook: {error}"))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            HttpsConnectorBuilder::new().with_tls_config(config)
        }
    };
    Ok(builder.https_or_http().enable_http1().build())
}

/// Posts each event in turn until the queue closes.
async fn deliver(
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    url: WebhookUrl,
    mut events: mpsc::Receiver<WebhookEvent>,
) {
    while let Some(event) = events.recv().await {
        let Ok(body) = serde_json::to_vec(&event).map(Bytes::from) else { continue };
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            match post(&client, &url, body.clone()).await {
                Ok(()) => break,
                Err(failure) if failure.may_pass && attempt < ATTEMPTS => {
                    tracing::debug!(webhook = %url, event = name(&event), attempt, why = %failure.why, "webhook post failed; trying again");
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Err(failure) => {
                    tracing::warn!(webhook = %url, event = name(&event), attempt, why = %failure.why, "webhook post failed; event given up");
                    break;
                }
            }
        }
    }
}

/// Why a post failed, and whether trying again may help.
struct Failure {
    why: String,
    may_pass: bool,
}

async fn post(
    client: &Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    url: &WebhookUrl,
    body: Bytes,
) -> Result<(), Failure> {
    let request = Request::post(url.0.clone())
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, concat!("bedrock-binder/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(body))
        .map_err(|error| Failure { why: error.to_string(), may_pass: false })?;
    let response = match tokio::time::timeout(POST_TIMEOUT, client.request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => return Err(Failure { why: format!("no answer: {error}"), may_pass: true }),
        Err(_) => return Err(Failure { why: format!("no answer within {POST_TIMEOUT:?}"), may_pass: true }),
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let may_pass = status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
    Err(Failure { why: format!("answered {status}"), may_pass })
}

/// The event's `event` field.
pub(super) fn name(event: &WebhookEvent) -> &'static str {
    match event {
        WebhookEvent::Broken { .. } => "broken",
        WebhookEvent::Healthy { .. } => "healthy",
        WebhookEvent::Change { .. } => "change",
    }
}

/// The `change` event of a committed history entry: who, what, and the bindings it changed.
pub fn change_event(env: &EnvName, entry: &HistoryEntry) -> WebhookEvent {
    let changes = match (&entry.previous_text, &entry.new_text) {
        (None, None) => Vec::new(),
        (old, new) => binding_diff(
            &Document::parse(old.as_deref().unwrap_or_default()),
            &Document::parse(new.as_deref().unwrap_or_default()),
        ),
    };
    let summary = DiffSummary::of(&changes);
    let settings_changed = entry.previous_settings != entry.new_settings;
    let mut text = format!(
        "{} made a change ({}) to {env}: {} added, {} changed, {} removed",
        entry.author,
        entry.kind.as_str(),
        summary.added,
        summary.changed,
        summary.removed
    );
    if settings_changed {
        text.push_str(", settings changed");
    }
    if let Some(reason) = &entry.reason {
        text.push_str(&format!(" ({reason})"));
    }
    WebhookEvent::Change {
        env: env.to_string(),
        text,
        seq: entry.seq.get(),
        time_ms: entry.time_ms,
        author: entry.author.clone(),
        kind: entry.kind,
        reason: entry.reason.clone(),
        approver: entry.approval.as_ref().map(|approval| approval.by.clone()),
        summary,
        changes,
        settings_changed,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use axum::routing::post;
    use axum::{Json, Router};
    use bedrock_binder_shared::api::HealthStatus;

    use super::*;

    /// The environments of the events a receiver was posted, in order.
    type Posts = Arc<Mutex<Vec<String>>>;

    /// A receiver that answers `status` to every post.
    async fn receiver(status: StatusCode) -> (WebhookUrl, Posts) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("address")).parse().expect("a URL");
        let posts = Posts::default();
        let seen = Arc::clone(&posts);
        let app = Router::new().route(
            "/hook",
            post(move |Json(event): Json<serde_json::Value>| async move {
                seen.lock().expect("lock").push(event["env"].as_str().unwrap_or_default().to_owned());
                status
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        (url, posts)
    }

    fn event(env: &str) -> WebhookEvent {
        WebhookEvent::Healthy {
            env: env.to_owned(),
            text: String::new(),
            checked_at_ms: 0,
            status: HealthStatus::AllGood,
        }
    }

    /// Waits until `posts` reads `expected`.
    async fn until(posts: &Posts, expected: &[&str]) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while *posts.lock().expect("lock") != expected {
            let seen = posts.lock().expect("lock").clone();
            assert!(tokio::time::Instant::now() < deadline, "posted {seen:?}, not {expected:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_failing_post_is_tried_three_times_then_given_up_and_a_refused_one_once() {
        let (failing, failing_posts) = receiver(StatusCode::SERVICE_UNAVAILABLE).await;
        let (refusing, refusing_posts) = receiver(StatusCode::BAD_REQUEST).await;
        let (failing, refusing) =
            (Webhook::start(failing).expect("started"), Webhook::start(refusing).expect("started"));
        failing.send(event("a"));
        refusing.send(event("a"));
        until(&failing_posts, &["a", "a", "a"]).await;
        until(&refusing_posts, &["a"]).await;
        // The next event is posted once the first is given up: nothing is tried for ever.
        failing.send(event("b"));
        refusing.send(event("b"));
        until(&failing_posts, &["a", "a", "a", "b"]).await;
        until(&refusing_posts, &["a", "b"]).await;
    }

    #[test]
    fn a_webhook_url_is_http_or_https_and_is_shown_without_its_path() {
        let url: WebhookUrl = "https://hooks.example.com/services/T0/B0/secret".parse().expect("a URL");
        assert_eq!(url.to_string(), "https://hooks.example.com/…");
        assert!(!format!("{url:?}").contains("secret"));
        let with_user: WebhookUrl = "http://user:pw@127.0.0.1:9/x".parse().expect("a URL");
        assert_eq!(with_user.to_string(), "http://127.0.0.1:9/…");
        assert!("ftp://example.com/x".parse::<WebhookUrl>().is_err());
        assert!("/relative".parse::<WebhookUrl>().is_err());
    }
}
