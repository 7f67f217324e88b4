//! The scheduled health check, run as a user runs it: `serve --health-interval 1s --webhook
//! URL` over a store, with AWS pointed at the fake Bedrock through the standard variables, and
//! a small axum receiver standing in for the webhook's endpoint.
//!
//! Between two checks the fake loses the profile `prod` binds: the next check reports the
//! binding newly broken, with its diagnosis, and the one after still broken but no longer new;
//! the webhook gets one `broken` event for it. Rebinding the model through the API sends a
//! `change` event (who, what, the bindings changed), and the next check a `healthy` one.

use std::io::{BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::{Json, Router};
use bedrock_binder_shared::api::{ChangeKind, DiffSummary, EnvHealth, HealthStatus, WebhookEvent};
use fake_bedrock::{FakeBedrock, Operation, RunningFake, TEST_CREDENTIALS_ENV};

use crate::aws_api::{NOVA, NOVA_US};
use crate::helpers::{TestHome, spawn_listening};

/// How long a test waits for a check or an event before failing.
const PATIENCE: Duration = Duration::from_secs(30);

/// A webhook endpoint on `127.0.0.1:0`: every JSON event it is posted, in order. It serves
/// from its own thread and runtime, since the test drives a child process synchronously.
struct Receiver {
    /// The URL to give `--webhook`; its path stands for the secret such URLs carry.
    url: String,
    events: mpsc::Receiver<WebhookEvent>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the receiver");
        listener.set_nonblocking(true).expect("non-blocking");
        let url = format!("http://{}/hooks/team-secret", listener.local_addr().expect("its address"));
        let (sender, events) = mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                let app = Router::new().route(
                    "/hooks/team-secret",
                    post(move |Json(event): Json<WebhookEvent>| async move {
                        let _ = sender.send(event);
                    }),
                );
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        Receiver { url, events, stop: Some(stop) }
    }

    /// The next event, failing the test if none comes in time.
    #[track_caller]
    fn next(&self) -> WebhookEvent {
        self.events.recv_timeout(PATIENCE).expect("a webhook event in time")
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// `serve` over a store, checking every second; killed on drop.
struct Server {
    child: Child,
    addr: String,
    _stdout: BufReader<ChildStdout>,
}

impl Server {
    fn start(home: &TestHome, store: &Path, fake: &RunningFake, webhook: &str) -> Server {
        let mut command = home.command();
        command.env("AWS_EC2_METADATA_DISABLED", "true").env("AWS_MAX_ATTEMPTS", "1").env("AWS_REGION", "us-east-1");
        for (name, value) in fake.endpoint_env() {
            command.env(name, value);
        }
        for (name, value) in TEST_CREDENTIALS_ENV {
            command.env(name, value);
        }
        command
            .arg("--store")
            .arg(store)
            .args(["serve", "--listen", "127.0.0.1:0", "--health-interval", "1s", "--webhook", webhook])
            .stderr(Stdio::null());
        let (child, addr, stdout) = spawn_listening(command);
        Server { child, addr, _stdout: stdout }
    }

    /// One HTTP/1.1 request; the status and the body.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes())).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read the response");
        let (head, body) = response.split_once("\r\n\r\n").expect("a header block");
        let status = head.split_whitespace().nth(1).and_then(|code| code.parse().ok()).expect("a status");
        (status, body.to_owned())
    }

    fn health(&self, env: &str) -> EnvHealth {
        let (status, body) = self.request("GET", &format!("/api/v1/envs/{env}/health"), &[], "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("the health JSON")
    }

    /// Polls `env`'s health until a check newer than `after` (milliseconds) is recorded.
    #[track_caller]
    fn next_check(&self, env: &str, after: Option<u64>) -> EnvHealth {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let health = self.health(env);
            if health.checked_at_ms.is_some() && health.checked_at_ms > after {
                return health;
            }
            assert!(Instant::now() < deadline, "no check of {env} after {after:?}: {health:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes the environment `name` as the store keeps it.
fn write_env(store: &Path, name: &str, text: &str) {
    let dir = store.join("envs").join(name);
    std::fs::create_dir_all(&dir).expect("create the environment's directory");
    std::fs::write(dir.join("inference.txt"), text).expect("write inference.txt");
    std::fs::write(dir.join("settings.json"), "{}\n").expect("write settings.json");
}

#[test]
fn the_scheduled_check_reports_a_deleted_profile_once_and_the_webhook_hears_of_it() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    assert!(fake.region_data("us-east-1").is_some_and(|data| data.profile(NOVA_US).is_some()), "the fake has it");
    let home = TestHome::new();
    let store = home.dir.path().join("store");
    write_env(&store, "prod", &format!("# What the apps call\n{NOVA}={NOVA_US}\n"));
    let receiver = Receiver::start();
    let server = Server::start(&home, &store, &fake, &receiver.url);

    // The first check: the binding is fine.
    let first = server.next_check("prod", None);
    assert_eq!(first.status, HealthStatus::AllGood, "{first:?}");
    assert_eq!((first.counts.bindings, first.interval_secs, first.region.as_deref()), (1, 1, Some("us-east-1")));

    // The profile is deleted between two checks.
    fake.update_region("us-east-1", |data| data.profiles.retain(|profile| profile.id != NOVA_US));
    let mut broken = server.next_check("prod", first.checked_at_ms);
    while broken.status != HealthStatus::Broken {
        // A check that was under way when the profile went still found it.
        broken = server.next_check("prod", broken.checked_at_ms);
    }
    assert_eq!(broken.counts.broken, 1);
    let [newly] = &broken.newly_broken[..] else { panic!("one newly broken binding: {broken:?}") };
    assert_eq!((newly.model.as_str(), newly.profile.as_str(), newly.line), (NOVA, NOVA_US, 2));
    assert_eq!(newly.check.as_str(), "profile-exists");
    let diagnosis = newly.diagnosis.as_ref().expect("why, and what to do");
    assert!(diagnosis.explanation.contains(NOVA_US) && !diagnosis.remedy.is_empty(), "{diagnosis:?}");

    // The check after: still broken, no longer new.
    let again = server.next_check("prod", broken.checked_at_ms);
    assert_eq!((again.status, again.counts.broken), (HealthStatus::Broken, 1), "{again:?}");
    assert!(again.newly_broken.is_empty(), "reported once: {again:?}");

    // The fix: call the model directly (us-east-1 offers it on demand), through the API.
    let (status, body) = server.request("GET", "/api/v1/envs/prod/bindings", &[], "");
    assert_eq!(status, 200, "{body}");
    let version = serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["version"]
        .as_str()
        .expect("a version")
        .to_owned();
    let if_match = format!("\"{version}\"");
    let bind = serde_json::json!({ "model": NOVA, "profile": "" }).to_string();
    let headers = [("Content-Type", "application/json"), ("If-Match", if_match.as_str())];
    let (status, body) = server.request("POST", "/api/v1/envs/prod/bindings/bind", &headers, &bind);
    assert_eq!(status, 200, "{body}");

    // The webhook heard, in order: one `broken` (whatever checks ran meanwhile), then the change.
    let mut before_the_change = Vec::new();
    let change = loop {
        match receiver.next() {
            change @ WebhookEvent::Change { .. } => break change,
            event => before_the_change.push(event),
        }
    };
    let [WebhookEvent::Broken { env, newly_broken, broken: 1, text, .. }] = &before_the_change[..] else {
        panic!("exactly one broken event before the change: {before_the_change:?}")
    };
    assert_eq!((env.as_str(), newly_broken.len()), ("prod", 1));
    assert!(text.contains(NOVA), "{text}");
    let WebhookEvent::Change { env, author, kind, summary, changes, text, .. } = change else { unreachable!() };
    assert_eq!((env.as_str(), author.as_str(), kind), ("prod", "local", ChangeKind::Edit));
    assert_eq!(summary, DiffSummary { added: 0, changed: 1, removed: 0 });
    assert_eq!((changes[0].from.as_deref(), changes[0].to.as_deref()), (Some(NOVA_US), Some("")));
    assert!(text.contains("local") && text.contains("1 changed"), "{text}");

    // The next check finds it healthy again, and says so once.
    let healthy = receiver.next();
    assert!(matches!(healthy, WebhookEvent::Healthy { status: HealthStatus::AllGood, .. }), "{healthy:?}");
    let invoked =
        fake.requests().iter().any(|r| matches!(r.operation, Some(Operation::Converse | Operation::ConverseStream)));
    assert!(!invoked, "checks spend no tokens");
}

#[test]
fn the_health_of_an_environment_that_does_not_exist_is_a_404() {
    let fake = FakeBedrock::with_default_regions().start().expect("fake");
    let home = TestHome::new();
    let store = home.dir.path().join("store");
    write_env(&store, "prod", "");
    let receiver = Receiver::start();
    let server = Server::start(&home, &store, &fake, &receiver.url);
    let (status, body) = server.request("GET", "/api/v1/envs/nowhere/health", &[], "");
    assert_eq!(status, 404, "{body}");
    let empty = server.next_check("prod", None);
    assert_eq!((empty.status, empty.counts.bindings), (HealthStatus::AllGood, 0), "{empty:?}");
}
